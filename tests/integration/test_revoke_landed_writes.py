"""
A revoke failing part-way through one hook call of several writes names those of that call that landed (OX216).

``revoke_assume_role`` writes the EMR EC2 role's inline policy, then each spill policy: a spill policy is detached
before it is deleted (IAM API Reference, "DeletePolicy": "Before you can delete a managed policy, you must first
detach the policy from all users, groups, and roles that it is attached to"), and a detached policy grants nothing
(IAM User Guide, "Managed policies and inline policies"). ``DeletePolicy`` denied after the detach (the ``denied``
fixture of ``test_cli.py`` denies the destination account's calls only: a ``FaultProxy`` answers it here, as IAM
answers a denial, ``AccessDenied``) has the operator's ``landed_changes`` (the command line's ``failed.applied``)
name the inline write and the detach, not nothing.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import EMR_ACCOUNT, EMR_EC2_ROLE, MotoStack, Seeded, client
from tests.conftest import run_operator, use_connections
from tests.integration.test_scale import FULL, POLICY, SPILL_2, attach, fill_inline
from tests.integration.test_scale import partners as inline_partners
from tests.integration.test_spill_isolation import partners, revoke


def test_a_revoke_whose_spill_delete_is_denied_names_the_inline_write_and_the_detach(
    moto_stack: MotoStack, aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    [victim] = partners(0, 1)
    run_operator(attach(destination_role_arns=[victim]))  # past the inline wall: into spill policy SPILL_2
    # The victim in the inline policy too (one inline partner less: it fits): both documents name it.
    inline = documents.assume_role_policy([*inline_partners(1, FULL - 1), victim])
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=POLICY, PolicyDocument=json.dumps(inline))
    operator = revoke(victim)

    def deny_delete_policy(operation: str) -> tuple[int, str, str] | None:
        return (
            (403, "AccessDenied", "not authorized to perform: iam:DeletePolicy")
            if operation == "DeletePolicy"
            else None
        )

    with FaultProxy(moto_stack.url, intercept=deny_delete_policy) as proxy:
        use_connections(monkeypatch, proxy.url)
        with pytest.raises(AccessDeniedError, match="iam:DeletePolicy"):
            run_operator(operator)

    landed = {change.resource: change.action for change in operator.landed_changes}
    assert landed == {
        f"iam role {EMR_EC2_ROLE} inline policy {POLICY}": "update",
        f"iam role {EMR_EC2_ROLE} attached policy {SPILL_2}": "delete",
    }, landed
    assert SPILL_2 not in [
        item["PolicyName"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    ]


def test_a_finished_revoke_reports_the_spill_policys_deletion_not_its_detach(aws: Seeded) -> None:
    """The detach is told only until the deletion that covers it lands (pure.plan.landing)."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    [victim] = partners(0, 1)
    run_operator(attach(destination_role_arns=[victim]))
    operator = revoke(victim)

    run_operator(operator)

    landed = {change.resource: change.action for change in operator.landed_changes}
    assert landed == {f"iam managed policy {SPILL_2}": "delete"}, landed
