"""
Spill policies belong to one EMR EC2 role: two roles past the inline wall stay isolated.

Against the two-account moto server (IAM quotas played by ``devstack/aws_quotas.py``). IAM policy
names are unique in an account whatever their path (IAM API Reference, "CreatePolicy"), so each
role's spill policies carry its name; a spill policy attached to another role as well
(``ListEntitiesForPolicy``) is refused before any write. The earlier, shared names
(``<policy>-2`` …) keep working while one role alone has them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import MANAGED_BY_TAG
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from tests.conftest import CallRecorder, run_operator
from tests.integration.test_scale import FULL, POLICY, attach, fill_inline

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

ROLE_B = "emr-ec2-group-b"
LEGACY = f"{POLICY}-2"  # the name every role's first spill policy had before
LEGACY_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:policy{spill.SPILL_PATH}{LEGACY}"


def partners(start: int, count: int) -> list[str]:
    """Destination role ARNs in the destination account (revoke checks the account)."""
    return [
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-writer-{index:04d}" for index in range(start, start + count)
    ]


def create_role_b(iam: Any) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName=ROLE_B, AssumeRolePolicyDocument=json.dumps(trust))


def assumable(iam: Any, role: str) -> set[str]:
    """The destination roles ``role`` may assume through the provider's statement, from every attached document."""
    out: set[str] = set()
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        out |= spill.held(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
    for item in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        out |= spill.held(managed_document(iam, item["PolicyArn"]))
    return out


def managed_document(iam: Any, arn: str) -> Any:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]


def attached_to(iam: Any, arn: str) -> list[str]:
    return sorted(role["RoleName"] for role in iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"])


def legacy_policy(iam: Any, arns: list[str], *roles: str) -> None:
    """A spill policy as earlier versions wrote it (shared name, tagged), attached to ``roles``."""
    iam.create_policy(
        PolicyName=LEGACY,
        Path=spill.SPILL_PATH,
        PolicyDocument=json.dumps(documents.assume_role_policy(arns)),
        Tags=[MANAGED_BY_TAG],
    )
    for role in roles:
        iam.attach_role_policy(RoleName=role, PolicyArn=LEGACY_ARN)


def revoke(role_arn: str, role: str = EMR_EC2_ROLE) -> RevokePartnerAccessOperator:
    return RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=role_arn,
        emr_ec2_role_name=role,
        settle_seconds=0,
    )


@pytest.fixture
def two_groups(aws: Seeded) -> tuple[Any, list[str], list[str]]:
    """Role A (the seeded EMR EC2 role) and role B, each granted its own group of 250 partners (past the wall)."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    create_role_b(iam)
    group_a, group_b = partners(0, 250), partners(1000, 250)
    run_operator(attach(emr_ec2_role_name=EMR_EC2_ROLE, destination_role_arns=group_a))
    run_operator(attach(emr_ec2_role_name=ROLE_B, destination_role_arns=group_b))
    return iam, group_a, group_b


def test_two_roles_past_the_inline_wall_each_may_assume_exactly_their_own_partners(
    two_groups: tuple[Any, list[str], list[str]],
) -> None:
    iam, group_a, group_b = two_groups

    assert assumable(iam, EMR_EC2_ROLE) == set(group_a)
    assert assumable(iam, ROLE_B) == set(group_b)
    for role in (EMR_EC2_ROLE, ROLE_B):
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        assert [item["PolicyName"] for item in attached] == [spill.spill_name(POLICY, role, 2)]
        assert attached_to(iam, attached[0]["PolicyArn"]) == [role]
    # A second run of each writes nothing.
    for role, group in ((EMR_EC2_ROLE, group_a), (ROLE_B, group_b)):
        _, again, _ = run_operator(attach(emr_ec2_role_name=role, destination_role_arns=group))
        assert again.mutating == []


def test_revoke_on_one_role_leaves_the_other_role_s_grants_intact(
    two_groups: tuple[Any, list[str], list[str]],
) -> None:
    iam, group_a, group_b = two_groups
    [spill_b] = [item["PolicyArn"] for item in iam.list_attached_role_policies(RoleName=ROLE_B)["AttachedPolicies"]]
    victim = sorted(spill.held(managed_document(iam, spill_b)) & set(group_b))[0]  # B's partner, in B's spill policy

    _, calls, _ = run_operator(revoke(victim, EMR_EC2_ROLE))  # offboarded from A, which never had it

    assert calls.mutating == []
    assert assumable(iam, ROLE_B) == set(group_b)

    [spill_a] = [
        item["PolicyArn"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    ]
    mine = sorted(spill.held(managed_document(iam, spill_a)) & set(group_a))[0]
    run_operator(revoke(mine, EMR_EC2_ROLE))

    assert assumable(iam, EMR_EC2_ROLE) == set(group_a) - {mine}
    assert assumable(iam, ROLE_B) == set(group_b)


def test_an_earlier_shared_name_attached_to_one_role_keeps_converging_and_another_role_gets_its_own(
    aws: Seeded,
) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    held = fill_inline(iam, FULL)
    legacy_policy(iam, partners(FULL, 5), EMR_EC2_ROLE)  # written by an earlier version for role A

    run_operator(attach(destination_role_arns=partners(FULL + 5, 5)))  # A grows: into its legacy policy

    assert spill.held(managed_document(iam, LEGACY_ARN)) == set(partners(FULL, 10))
    assert [
        item["PolicyArn"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    ] == [LEGACY_ARN]
    run_operator(revoke(partners(FULL, 1)[0]))
    assert spill.held(managed_document(iam, LEGACY_ARN)) == set(partners(FULL + 1, 9))

    create_role_b(iam)
    group_b = partners(1000, 250)
    run_operator(attach(emr_ec2_role_name=ROLE_B, destination_role_arns=group_b))

    assert attached_to(iam, LEGACY_ARN) == [EMR_EC2_ROLE]
    assert assumable(iam, EMR_EC2_ROLE) == set(held) | set(partners(FULL + 1, 9))
    assert assumable(iam, ROLE_B) == set(group_b)


def test_a_spill_policy_attached_to_two_roles_is_refused_before_any_write(aws: Seeded) -> None:
    """The state the shared names left behind: both roles hold both groups. Refused, naming the policy."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    create_role_b(iam)
    legacy_policy(iam, partners(FULL, 5), EMR_EC2_ROLE, ROLE_B)

    for operator in (attach(destination_role_arns=partners(FULL + 5, 5)), revoke(partners(FULL, 1)[0])):
        recorder = CallRecorder()
        with recorder.everything(), pytest.raises(ConflictError) as refused:
            operator.execute({"ti": None})
        assert recorder.mutating == []
        assert LEGACY_ARN in str(refused.value)
        assert f"role {ROLE_B}" in str(refused.value)
    assert spill.held(managed_document(iam, LEGACY_ARN)) == set(partners(FULL, 5))
    assert attached_to(iam, LEGACY_ARN) == sorted([EMR_EC2_ROLE, ROLE_B])


def test_a_widened_spill_policy_is_refused_before_the_inline_policy_is_written(aws: Seeded) -> None:
    """
    The safety table: every document an operator writes is planned before the first write. Grants that
    go partly inline and partly into a spill policy someone widened (``arn:aws:iam::*:role/*``) are
    refused naming the wildcard, and the inline policy, written first, is left as it was.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    run_operator(attach(destination_role_arns=partners(FULL, 5)))  # past the wall: the first spill policy
    [spilled] = [
        item["PolicyArn"]
        for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
        if spill.is_spill_arn(item["PolicyArn"], POLICY, EMR_EC2_ROLE)
    ]
    widened = managed_document(iam, spilled)
    for statement in widened["Statement"]:
        statement["Action"] = ["sts:AssumeRole", "sts:TagSession"]
    iam.create_policy_version(PolicyArn=spilled, PolicyDocument=json.dumps(widened), SetAsDefault=True)
    # Room for a few partners inline again: the next grant goes partly inline, partly into the spill policy.
    fill_inline(iam, FULL - 4)
    inline_before = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=POLICY)["PolicyDocument"]
    operator = attach(destination_role_arns=partners(2000, 12))

    recorder = CallRecorder()
    with recorder.everything(), pytest.raises(ConflictError) as refused:
        operator.execute({"ti": None})

    assert "'sts:TagSession'" in str(refused.value)
    assert recorder.mutating == []
    assert iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=POLICY)["PolicyDocument"] == inline_before


def test_a_policy_deleted_and_made_again_under_its_arn_is_read_again_not_from_the_versions_kept(aws: Seeded) -> None:
    """
    The hook keeps each version it read by the policy's unique ID and the version (docs/scale.md): a policy
    deleted and created again under the same ARN (a concurrent revoke, then a grant) starts again at ``v1``
    with another ``PolicyId`` (IAM API Reference, "Policy": ``PolicyId``, "the stable and unique string
    identifying the policy"), so its ``v1`` is read, not the deleted policy's.
    """
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook

    iam = client(aws.url, EMR_ACCOUNT, "iam")
    old = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    new = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="made-twice", PolicyDocument=json.dumps(old))["Policy"]["Arn"]
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    assert hook.get_managed_policy(arn) == old

    iam.delete_policy(PolicyArn=arn)
    again = iam.create_policy(PolicyName="made-twice", PolicyDocument=json.dumps(new))["Policy"]
    assert (again["Arn"], again["DefaultVersionId"]) == (arn, "v1")

    assert hook.get_managed_policy(arn) == new


def test_the_role_named_in_another_case_keeps_converging_into_its_own_spill_policy(aws: Seeded) -> None:
    """
    Role names are not distinguished by case (IAM API Reference, "CreateRole", ``RoleName``): the spill policy
    attached to the role, as ``ListEntitiesForPolicy`` spells it, is that role's own, not "another role".
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    legacy_policy(iam, partners(FULL, 5), EMR_EC2_ROLE)

    run_operator(attach(emr_ec2_role_name=EMR_EC2_ROLE.upper(), destination_role_arns=partners(FULL + 5, 5)))

    assert spill.held(managed_document(iam, LEGACY_ARN)) == set(partners(FULL, 10))
    assert attached_to(iam, LEGACY_ARN) == [EMR_EC2_ROLE]
