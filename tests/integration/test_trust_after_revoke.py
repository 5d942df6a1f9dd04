"""
Revoke, a statement of someone's that trusts the EMR EC2 role, then EnsureDestinationRoleOperator: the Deny goes.

docs/howto/revoke.md: a revoke that takes the last role out of the trust policy's only statement writes a Deny of
``sts:AssumeRole`` for everyone in its place, and the next EnsureDestinationRoleOperator for the role writes the
normal statement there. With a statement added by hand since that already trusts the EMR EC2 role, the grant has
no principal to add: it refused the Deny ("Effect 'Deny'") and the Deny stayed. The Deny is under a condition no
request meets (documents.TRUST_NOBODY_MARK), so it refuses no one beside that statement; a revoke again names that
statement, not its own Deny, as what still trusts the role.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.documents import TRUST_NOBODY_MARK, TRUST_NOBODY_STATEMENT
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import ensure_destination_role, provision_partner
from tests.integration.test_revoke import (
    PARTNER_1,
    PREFIX_1,
    allow_assuming_any_role,
    may_assume,
    revoker,
    trust_policy,
)


def test_the_grant_after_a_revoke_removes_its_deny_beside_a_statement_trusting_the_role(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    run_operator(revoker(aws, PARTNER_1))
    assert trust_policy(aws, PARTNER_1) == {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT]}
    mine = {"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": aws.emr_ec2_role_arn}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT, mine]}
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps(trust)
    )
    assert may_assume(aws, PARTNER_1).allowed  # the statement for nobody refuses no one (its mark: documents.py)

    with CallRecorder().everywhere() as calls:
        ensure_destination_role(aws, PARTNER_1, PREFIX_1)  # before: ConflictError "has Effect 'Deny'"

    assert calls.mutating == ["UpdateAssumeRolePolicy"]
    assert trust_policy(aws, PARTNER_1) == {"Version": "2012-10-17", "Statement": [mine]}  # theirs, as written
    decision = may_assume(aws, PARTNER_1)
    assert decision.allowed, decision.reason
    with CallRecorder().everywhere() as calls:
        ensure_destination_role(aws, PARTNER_1, PREFIX_1)
    assert calls.mutating == []


def _revoked_then_trusted_by_hand(aws: Seeded, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    """
    Revoke (the provider's statement carrying ``condition``, if any), then add an ``Allow`` for the EMR EC2 role beside
    the statement for nobody left; return that ``Allow``.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    if condition is not None:
        [ours] = trust_policy(aws, PARTNER_1)["Statement"]
        trust = {"Version": "2012-10-17", "Statement": [{**ours, "Condition": condition}]}
        iam_b.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))
    run_operator(revoker(aws, PARTNER_1))
    [nobody] = trust_policy(aws, PARTNER_1)["Statement"]
    mine = {"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": aws.emr_ec2_role_arn}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [nobody, mine]}
    iam_b.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))
    assert may_assume(aws, PARTNER_1).allowed  # the statement for nobody refuses no one
    return mine


@pytest.mark.parametrize(
    ("condition", "mark_key"),
    [
        (None, "aws:PrincipalAccount"),
        # The user's StringEquals compares aws:PrincipalAccount: the mark goes on aws:PrincipalArn
        # (merge.trust_nobody_condition).
        ({"StringEquals": {"aws:PrincipalAccount": EMR_ACCOUNT}}, "aws:PrincipalArn"),
    ],
)
def test_a_revoke_again_names_the_allow_that_still_trusts_the_role_not_its_own_statement_for_nobody(
    aws: Seeded, condition: dict[str, Any] | None, mark_key: str
) -> None:
    """
    The statement for nobody applies to no request: aws:PrincipalAccount and aws:PrincipalArn are in every signed
    request's context (IAM User Guide, "AWS global condition context keys"), and its mark is neither. So the
    ``Allow`` added beside it is what still trusts the EMR EC2 role, for certain; before, the revoke's request knew
    neither key, and it named its own ``Deny`` as "may still trust", advising to remove it.
    """
    mine = _revoked_then_trusted_by_hand(aws, condition)
    [nobody, _] = trust_policy(aws, PARTNER_1)["Statement"]
    assert nobody["Condition"]["StringEquals"][mark_key] == TRUST_NOBODY_MARK

    result, _, _ = run_operator(revoker(aws, PARTNER_1))

    assert result["access_ended"] is False
    [trusted] = [entry for entry in result["still_granted"] if entry["by"].startswith("the trust policy of ")]
    assert trusted["statement"] == mine
    assert trusted["certain"] is True
