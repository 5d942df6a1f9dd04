"""
Who a KMS grant names: a grantee is judged as the evaluator judges a key policy's principal.

AWS KMS API Reference, CreateGrant, GranteePrincipal: valid principals include "AWS accounts, IAM users, IAM roles,
federated users, and assumed role users"; AWS KMS Developer Guide, "Examining grants", shows a grant whose grantee is
``arn:aws:sts::111122223333:assumed-role/…/…``. A grant to one session of the role applies or not by the session's
name, which EMRFS chooses and the verifier does not know; whether KMS matches a grantee spelling the role's name in
another case is nowhere documented. Both are "not checked", as the same principal in the key policy is, never a FAIL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.kms_grants import GrantMatch, grantee_names_role, match_grants
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    KEY,
    KMS,
    ROLE,
    by_name,
    document,
    healthy_state,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

OBJECT = f"arn:aws:s3:::{BUCKET}/exports/part-00000"
SESSION = f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/partner-writer/i-0123456789abcdef0"
SESSION_OTHER_CASE = f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/Partner-Writer/i-0123456789abcdef0"
ROLE_OTHER_CASE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/Partner-Writer"
OTHER_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-reader"
OTHER_ROLE_SESSION = f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/partner-reader/i-0123456789abcdef0"


def grant(grantee: str, **constraints: dict[str, str]) -> dict[str, Any]:
    return {
        "GrantId": "g-1",
        "GranteePrincipal": grantee,
        "Operations": ["GenerateDataKey", "Decrypt"],
        **({"Constraints": constraints} if constraints else {}),
    }


def through_grant(grantee: str, **constraints: dict[str, str]) -> ChainState:
    """The key policy names its administrators only; one grant on the key names ``grantee``."""
    state = healthy_state()
    state.key_policies[KEY] = document(ADMIN_STATEMENT)
    state.key_grants[KEY] = [grant(grantee, **constraints)]
    return state


def through_key_policy(principal: str) -> ChainState:
    """The key policy names its administrators and allows KMS to ``principal``; no grant is read."""
    state = healthy_state()
    state.key_policies[KEY] = document(
        ADMIN_STATEMENT,
        {"Sid": "Writer", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"},
    )
    return state


@pytest.mark.parametrize(
    ("grantee", "words"),
    [
        (SESSION, f"names a session of the role ({SESSION})"),
        (SESSION_OTHER_CASE, f"names a session of the role ({SESSION_OTHER_CASE})"),
        (ROLE_OTHER_CASE, f"names {ROLE_OTHER_CASE}, the role's ARN in another case"),
    ],
)
def test_a_grant_that_may_name_the_role_s_session_is_not_checked(grantee: str, words: str) -> None:
    """It was a FAIL: "no grant on the key allows it (1 read)"."""
    link = by_name(check_chain(through_grant(grantee)))[KMS]

    assert link.status == "not checked", link
    assert words in link.detail
    assert "no grant on the key allows it" not in link.detail


def test_a_grant_to_the_role_s_exact_arn_still_passes() -> None:
    link = by_name(check_chain(through_grant(ROLE)))[KMS]

    assert link.status == "pass", link
    assert f"grant g-1 to {ROLE}" in link.detail


@pytest.mark.parametrize("grantee", [OTHER_ROLE, OTHER_ROLE_SESSION])
def test_a_grant_to_another_role_or_its_session_still_fails(grantee: str) -> None:
    link = by_name(check_chain(through_grant(grantee)))[KMS]

    assert link.status == "fail", link
    assert "no grant on the key allows it (1 read)" in link.detail


def test_a_grant_to_a_session_whose_constraints_fail_still_fails_naming_it() -> None:
    """Even if it is the writer's session, a grant allows only "provided that all conditions ... are met"."""
    elsewhere = {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/other/part-00000"}
    link = by_name(check_chain(through_grant(SESSION, EncryptionContextEquals=elsewhere)))[KMS]

    assert link.status == "fail", link
    assert f"grant g-1 to {SESSION} for GenerateDataKey, Decrypt allows it only with" in link.detail


@pytest.mark.parametrize("principal", [ROLE, SESSION, SESSION_OTHER_CASE, ROLE_OTHER_CASE, OTHER_ROLE])
def test_a_grantee_is_judged_as_the_same_principal_in_the_key_policy(principal: str) -> None:
    """One judgement of a principal, for key policies and grants alike."""
    by_policy = by_name(check_chain(through_key_policy(principal)))[KMS].status
    by_grant = by_name(check_chain(through_grant(principal)))[KMS].status

    assert by_grant == by_policy
    assert by_policy == ("pass" if principal == ROLE else "fail" if principal == OTHER_ROLE else "not checked")


@pytest.mark.parametrize(
    ("grantee", "direct", "with_account"),
    [
        (ROLE, True, True),
        (SESSION, None, None),
        (ROLE_OTHER_CASE, None, None),
        (OTHER_ROLE, False, False),
        (OTHER_ROLE_SESSION, False, False),
        (f"arn:aws:iam::{DESTINATION_ACCOUNT}:root", False, True),
        (DESTINATION_ACCOUNT, False, True),
        ("arn:aws:iam::333333333333:role/partner-writer", False, False),
    ],
)
def test_whether_a_grantee_names_the_role(grantee: str, direct: bool | None, with_account: bool | None) -> None:
    assert grantee_names_role(grantee, ROLE, KEY, "kms:GenerateDataKey") is direct
    assert grantee_names_role(grantee, ROLE, KEY, "kms:GenerateDataKey", direct_only=False) is with_account


def test_a_grant_to_the_exact_arn_wins_over_one_to_a_session() -> None:
    grants = [grant(SESSION), {**grant(ROLE), "GrantId": "g-2"}]

    match = match_grants(grants, ROLE, KEY, "kms:GenerateDataKey", {"aws:s3:arn": OBJECT})

    assert match == GrantMatch(allowing=grants[1])


def test_a_grant_to_a_session_not_covering_the_call_is_not_judged() -> None:
    only_decrypt = {**grant(SESSION), "Operations": ["Decrypt"]}

    match = match_grants([only_decrypt], ROLE, KEY, "kms:GenerateDataKey", {"aws:s3:arn": OBJECT})

    assert match == GrantMatch()
