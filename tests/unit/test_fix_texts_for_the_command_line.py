"""
Fix texts the command line prints name what a user of it can follow: the partner file's field or the option, not
only an operator's parameter; after a revoke, both sides a grant needs again.

A cross-account ``sts:AssumeRole`` needs both the EMR EC2 role's own policy and the destination role's trust (IAM
User Guide, "Cross-account policy evaluation logic"), and a revoke deletes both: a fix naming the trust alone leaves
the link failing once followed.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL
from airflow_provider_emrfs_xacct.pure.checks.grant_fixes import key_fix, prefix_identity_fix
from airflow_provider_emrfs_xacct.pure.checks.state import RoleState
from airflow_provider_emrfs_xacct.pure.documents import TRUST_NOBODY_STATEMENT, trust_statement
from airflow_provider_emrfs_xacct.pure.merge import trust_without_role
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn
from tests.unit.test_chain import ASSUME, EMR_ROLE, ROLE, _no_assume_policy, by_name, document, healthy_state

TRUST_OPERATOR = "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns"
GRANT_OPERATOR = "AttachAssumeRolePolicyOperator with this role in destination_role_arns"
APPLY = "(command line: emrfs-xacct apply)"


def _revoked(*, grant_kept: bool) -> str:
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.trust_policy = document(TRUST_NOBODY_STATEMENT)  # the statement a revoke leaves
    if not grant_kept:
        _no_assume_policy(state)  # the revoke deletes the EMR EC2 role's grant too
    link = by_name(check_chain(state))[ASSUME]
    assert link.status == FAIL, link
    return link.fix


def test_a_revoke_of_both_sides_names_both_operators_and_the_command() -> None:
    fix = _revoked(grant_kept=False)

    assert "access was revoked" in fix, fix
    assert TRUST_OPERATOR in fix, fix
    assert GRANT_OPERATOR in fix, fix
    assert fix.endswith(APPLY), fix


def test_a_revoke_whose_grant_stays_names_the_trust_alone() -> None:
    fix = _revoked(grant_kept=True)

    assert TRUST_OPERATOR in fix, fix
    assert GRANT_OPERATOR not in fix, fix
    assert fix.endswith(APPLY), fix


#: A statement of the partner's own in the trust, beside the provider's (a CI role deploying into it).
CI_STATEMENT = {
    "Sid": "CiDeploy",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::333333333333:role/ci"},
    "Action": "sts:AssumeRole",
}
OTHER_EMR_ROLE = EMR_ROLE.rsplit("/", 1)[0] + "/OtherEmrRole"


@pytest.mark.parametrize(
    "trust",
    [
        # The trust holds another statement: the revoke removes the provider's statement outright.
        document(trust_statement([EMR_ROLE]), CI_STATEMENT),
        # The provider's statement trusts another EMR role too: the revoke removes only this one from it.
        document(trust_statement([EMR_ROLE, OTHER_EMR_ROLE])),
    ],
    ids=["beside-another-statement", "beside-another-emr-role"],
)
def test_a_revoke_leaving_no_statement_for_nobody_names_both_operators(trust: dict[str, Any]) -> None:
    """
    Neither revoke leaves the statement for nobody (``merge.trust_without_role``); with the EMR EC2 role's grant gone
    too, both sides must be restored (across accounts both must allow: IAM User Guide, "Cross-account policy
    evaluation logic").
    """
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.trust_policy = trust_without_role(trust, account_of_arn(EMR_ROLE), EMR_ROLE.rsplit("/", 1)[1])
    assert TRUST_NOBODY_STATEMENT not in role.trust_policy["Statement"]
    _no_assume_policy(state)

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == FAIL, link
    assert link.fix == f"{TRUST_OPERATOR}, and {GRANT_OPERATOR} {APPLY}", link.fix


def test_a_trust_without_the_role_whose_grant_stays_names_the_trust_alone() -> None:
    state = healthy_state()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.trust_policy = document(CI_STATEMENT)

    link = by_name(check_chain(state))[ASSUME]

    assert link.fix == f"{TRUST_OPERATOR} {APPLY}", link.fix


def test_a_missing_grant_names_the_command() -> None:
    state = healthy_state()
    _no_assume_policy(state)

    fix = by_name(check_chain(state))[ASSUME].fix

    assert fix == f"{GRANT_OPERATOR} {APPLY}", fix


def test_a_destination_role_prefix_names_the_partner_file() -> None:
    fix = prefix_identity_fix(healthy_state(), ROLE)

    assert "destination.s3_prefixes" in fix, fix
    assert "emrfs-xacct apply" in fix, fix


def test_a_destination_role_key_names_the_partner_file() -> None:
    fix = key_fix(healthy_state(), ROLE, "resource")

    assert "destination.kms_key_arns" in fix, fix
    assert "emrfs-xacct apply" in fix, fix


def test_an_unknown_release_names_the_partner_file_and_the_option() -> None:
    state = healthy_state()
    state.release_label, state.cluster = None, None

    link = by_name(check_chain(state))["release supports role mappings"]

    assert "emr.release_label" in link.fix, link.fix
    assert "--cluster-id" in link.fix, link.fix
