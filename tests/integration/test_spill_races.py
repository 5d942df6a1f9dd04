"""
The provider's spill policies (``docs/scale.md``) under a killed task and concurrent writers.

Against the two-account moto server. A managed policy can only be deleted once detached from every
role and stripped of its non-default versions (IAM API Reference, "DeletePolicy"), so a revoke that
empties one makes several calls; a worker killed between them (``WorkerDied`` after the call
succeeded, as in ``test_retries.py``) leaves a policy attached to nothing that still grants what the
revoke took away, once attached again.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import documents, spill
from devstack.moto_stack import EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from tests.conftest import run_operator
from tests.integration.test_retries import WorkerDied, die_once_after
from tests.integration.test_scale import FULL, SPILL_2, SPILL_ARN, attach, fill_inline
from tests.integration.test_spill_isolation import assumable, partners, revoke


def spill_policies(iam: Any) -> dict[str, set[str]]:
    """Every policy under the provider's path, attached or not, with the role ARNs its default version grants."""
    out = {}
    for policy in iam.list_policies(Scope="Local", PathPrefix=spill.SPILL_PATH)["Policies"]:
        version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
        out[policy["PolicyName"]] = spill.held(version["PolicyVersion"]["Document"])
    return out


@pytest.mark.parametrize("operation", ["DetachRolePolicy", "DeletePolicyVersion"])
def test_a_revoke_killed_while_deleting_an_emptied_spill_policy_is_finished_by_its_retry(
    aws: Seeded, operation: str
) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    victim, newcomer = partners(0, 2)
    run_operator(attach(destination_role_arns=[victim]))
    assert spill_policies(iam) == {SPILL_2: {victim}}
    for _ in range(2):  # more versions, which the revoke deletes before the policy (IAM, "DeletePolicy")
        iam.create_policy_version(
            PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([victim])), SetAsDefault=True
        )

    with die_once_after(operation), pytest.raises(WorkerDied):
        run_operator(revoke(victim))
    run_operator(revoke(victim))  # Airflow's retry of the task

    assert victim not in assumable(iam, EMR_EC2_ROLE)
    assert all(victim not in held for held in spill_policies(iam).values()), spill_policies(iam)

    # The next partner past the wall gets a spill policy again: the revoked one must not come back with it.
    run_operator(attach(destination_role_arns=[newcomer]))
    assert newcomer in assumable(iam, EMR_EC2_ROLE)
    assert victim not in assumable(iam, EMR_EC2_ROLE)


@pytest.mark.parametrize("operation", ["CreatePolicy", "DeletePolicyVersion", "CreatePolicyVersion"])
def test_a_grant_killed_between_spill_writes_converges_on_retry_and_leaks_nothing(aws: Seeded, operation: str) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    first, second = partners(0, 2)
    if operation != "CreatePolicy":  # a spill policy at IAM's five versions: the next write deletes one first
        run_operator(attach(destination_role_arns=[first]))
        for _ in range(4):
            iam.create_policy_version(
                PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([first])), SetAsDefault=True
            )

    with die_once_after(operation), pytest.raises(WorkerDied):
        run_operator(attach(destination_role_arns=[second]))
    run_operator(attach(destination_role_arns=[second]))  # Airflow's retry of the task

    expected = {second} if operation == "CreatePolicy" else {first, second}
    assert expected <= assumable(iam, EMR_EC2_ROLE)
    assert list(spill_policies(iam)) == [SPILL_2]  # no second policy, none left detached
    attached = [
        item["PolicyName"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    ]
    assert attached == [SPILL_2]
    assert len(iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]) <= 5
