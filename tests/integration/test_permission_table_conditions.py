"""
A grant whose connection holds exactly the actions docs/permissions.md lists for its case succeeds, and calls no other.

``AttachAssumeRolePolicyOperator`` reads the EMR EC2 role's attached policies whenever a run adds a role its inline
policy does not hold yet, and the documents of the provider's spill policies attached to it, before it writes the
inline policy: a rerun of a grant a spill policy holds then writes nothing (``hooks/iam.py``,
``_spread_assume_roles``). The table listed ``iam:ListAttachedRolePolicies`` past the inline-policy wall only, so a
role built from it was refused (``AccessDenied``) the first grant, which fits inline. Here the EMR connection's role is
allowed the actions of the row's clauses that apply to the run (:func:`.test_permission_tables.clauses`) and nothing
else, with moto's IAM authorization on: the run succeeds, nothing is refused, and every call it sends is of those
clauses (IAM User Guide, "Policy evaluation logic": a request no identity policy allows is implicitly denied).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from devstack.moto_stack import EMR_ACCOUNT, PROVISIONER_ROLE, client
from devstack.testing import moto_authorization, run_operator
from tests.integration.test_documented_probe_permissions import record_the_connections_refusals
from tests.integration.test_permission_tables import action, clauses
from tests.integration.test_refused_reads import sign_as_users
from tests.integration.test_scale import FULL, SPILL_2, attach, fill_inline, granted, partners

if TYPE_CHECKING:
    import pytest

    from devstack.moto_stack import Seeded

OPERATOR = "AttachAssumeRolePolicyOperator"
#: How the row's conditions begin: every run that adds a role; one that adds a role beside an attached spill policy.
ADDING = "whenever a run adds a role"
SPILLED = "when a run adds a role and one of the provider's spill policies is attached"


def documented_for(*conditions: str) -> set[str]:
    """The actions the row lists for every run, and for each of ``conditions`` (the clauses that begin so)."""
    rows = clauses(OPERATOR, "EMR")
    return set(rows.get("", set())).union(
        *(actions for condition, actions in rows.items() for wanted in conditions if condition.startswith(wanted))
    )


def allow_only(aws: Seeded, actions: set[str]) -> None:
    """The EMR connection's role may do ``actions`` and nothing else."""
    statement = {"Effect": "Allow", "Action": sorted(actions), "Resource": "*"}
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=PROVISIONER_ROLE,
        PolicyName="grant",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )


def grant_with_only(aws: Seeded, allowed: set[str], roles: list[str], refused: set[tuple[str, str]]) -> set[str]:
    """Run the grant of ``roles`` with the EMR connection allowed ``allowed`` only; return the actions it sent."""
    allow_only(aws, allowed)
    moto_authorization(aws.url, "0")
    try:
        _, recorder, _ = run_operator(attach(destination_role_arns=roles))
    finally:
        moto_authorization(aws.url, "inf")
    assert not refused, f"refused to the grant's connection, with the documented actions: {sorted(refused)}"
    return {action(service, operation) for service, operation in recorder.every if service != "sts"}


def test_a_first_grant_that_fits_inline_needs_only_the_actions_listed_for_adding_a_role(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = record_the_connections_refusals(monkeypatch)
    sign_as_users(aws, monkeypatch)  # moto's authorization checks only the keys it issued
    allowed = documented_for(ADDING)
    roles = partners(0, 2)

    sent = grant_with_only(aws, allowed, roles, refused)

    assert set(roles) <= granted(client(aws.url, EMR_ACCOUNT, "iam"))["inline"]
    assert sent <= allowed, f"called beyond the table's actions for adding a role: {sorted(sent - allowed)}"
    assert "iam:ListAttachedRolePolicies" in sent  # the adding clause's action, read on a grant that fits inline
    assert not sent & {"iam:GetPolicy", "iam:GetPolicyVersion"}  # no spill policy attached: none read


def test_a_grant_that_fits_inline_beside_an_attached_spill_policy_needs_only_the_actions_listed_for_it(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Earlier grants went past the wall into a spill policy, then revokes freed inline room: a new partner fits inline,
    and the grant reads the attached spill policy's document first (``GetPolicy``, ``GetPolicyVersion``).
    """
    refused = record_the_connections_refusals(monkeypatch)
    sign_as_users(aws, monkeypatch)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    run_operator(attach(destination_role_arns=partners(FULL, 5)))  # authorization off: the set-up
    assert set(partners(FULL, 5)) <= granted(iam)[SPILL_2]
    fill_inline(iam, FULL - 20)
    allowed = documented_for(ADDING, SPILLED)
    newcomer = partners(FULL + 5, 1)

    sent = grant_with_only(aws, allowed, newcomer, refused)

    grants = granted(iam)
    assert set(newcomer) <= grants["inline"]
    assert set(grants) == {"inline", SPILL_2}  # nothing new attached
    assert sent <= allowed, f"called beyond the table's actions for this case: {sorted(sent - allowed)}"
    assert {"iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"} <= sent
