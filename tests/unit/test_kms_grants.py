"""
The KMS link with grants: where the key's policies do not allow a writer's call, a grant may (AWS KMS Developer
Guide, "KMS key access and permissions", "Grants in AWS KMS"; AWS KMS API Reference, GrantConstraints).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import kms_request
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.kms_grants import GrantMatch, constraints_hold, match_grants
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

OBJECT = f"arn:aws:s3:::{BUCKET}/exports/part-00000"


def grant(grantee: str = ROLE, **constraints: dict[str, str]) -> dict[str, Any]:
    return {
        "GrantId": "g-1",
        "GranteePrincipal": grantee,
        "Operations": ["GenerateDataKey", "Decrypt"],
        **({"Constraints": constraints} if constraints else {}),
    }


def admins_only() -> ChainState:
    """The key policy names its administrators only: the role's calls rest on grants."""
    state = healthy_state()
    state.key_policies[KEY] = document(ADMIN_STATEMENT)
    return state


def test_grants_not_read_leave_the_link_failing_and_ask_for_them() -> None:
    report = check_chain(admins_only())

    assert by_name(report)[KMS].status == "fail"
    assert report.grants_wanted == {KEY}


def test_the_grants_are_not_wanted_where_the_key_policy_allows() -> None:
    assert check_chain(healthy_state()).grants_wanted == set()


def test_a_grant_to_the_role_passes_the_link() -> None:
    state = admins_only()
    state.key_grants[KEY] = [grant()]

    link = by_name(check_chain(state))[KMS]

    assert link.status == "pass", link
    assert f"grant g-1 to {ROLE}" in link.detail


@pytest.mark.parametrize(
    ("grantee", "words"),
    [
        (f"arn:aws:iam::{DESTINATION_ACCOUNT}:root", "the role's account"),
        (DESTINATION_ACCOUNT, "the role's account"),
    ],
)
def test_a_grant_to_the_account_is_not_checked(grantee: str, words: str) -> None:
    state = admins_only()
    state.key_grants[KEY] = [grant(grantee)]

    link = by_name(check_chain(state))[KMS]

    assert link.status == "not checked", link
    assert words in link.detail


def test_an_explicit_deny_in_the_key_policy_wins_over_a_grant() -> None:
    state = admins_only()
    state.key_policies[KEY] = document(
        ADMIN_STATEMENT, {"Sid": "NoOne", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    )
    state.key_grants[KEY] = [grant()]

    report = check_chain(state)

    assert by_name(report)[KMS].status == "fail"
    assert by_name(report)[KMS].statement == "key policy: Sid NoOne"
    assert report.grants_wanted == set()


def test_a_boundary_without_the_key_leaves_a_grant_not_checked() -> None:
    state = admins_only()
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    role.boundary = ("permissions boundary OnlyS3", document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    state.key_grants[KEY] = [grant()]

    link = by_name(check_chain(state))[KMS]

    assert link.status == "not checked", link
    assert "boundary" in link.detail


def test_unreadable_grants_leave_the_link_not_checked() -> None:
    state = admins_only()
    state.key_grants[KEY] = Unreadable("kms:ListGrants on the key was denied")

    link = by_name(check_chain(state))[KMS]

    assert link.status == "not checked", link
    assert "kms:ListGrants" in link.detail
    assert "kms:ListGrants" in link.fix


@pytest.mark.parametrize(
    ("constraints", "holds"),
    [
        ({}, True),
        ({"EncryptionContextEquals": {"aws:s3:arn": OBJECT}}, True),
        ({"EncryptionContextEquals": {"AWS:S3:ARN": OBJECT}}, True),  # keys without regard to case
        ({"EncryptionContextEquals": {"aws:s3:arn": OBJECT.upper()}}, False),  # values with
        ({"EncryptionContextEquals": {"aws:s3:arn": OBJECT, "team": "a"}}, False),
        ({"EncryptionContextSubset": {"aws:s3:arn": OBJECT}}, True),
        ({"EncryptionContextSubset": {"aws:s3:arn": OBJECT, "team": "a"}}, False),
        ({"EncryptionContextEquals": {}}, True),  # an empty map is no constraint
    ],
)
def test_grant_constraints_against_the_context_s3_sends(constraints: dict[str, Any], holds: bool) -> None:
    assert constraints_hold(constraints, {"aws:s3:arn": OBJECT}) is holds


@pytest.mark.parametrize(
    ("constraints", "context", "holds"),
    [
        # Equals: "only when the encryption context in the request is the same": a pair more in the request fails
        ({"EncryptionContextEquals": {"aws:s3:arn": OBJECT}}, {"aws:s3:arn": OBJECT, "team": "a"}, False),
        # Subset: "includes the key-value pairs specified": a pair more in the request holds
        ({"EncryptionContextSubset": {"aws:s3:arn": OBJECT}}, {"aws:s3:arn": OBJECT, "team": "a"}, True),
        # "the key in each key-value pair is not case sensitive, but the value is case sensitive", for both
        ({"EncryptionContextSubset": {"aws:s3:arn": OBJECT.upper()}}, {"aws:s3:arn": OBJECT}, False),
        ({"EncryptionContextSubset": {"team": "a"}}, {"aws:s3:arn": OBJECT, "Team": "a"}, True),
        ({"EncryptionContextEquals": {"team": "a"}}, {"TEAM": "a"}, True),
    ],
)
def test_grant_constraints_equals_is_whole_subset_is_part_and_keys_ignore_case(
    constraints: dict[str, Any], context: dict[str, str], holds: bool
) -> None:
    """AWS KMS API Reference, GrantConstraints (quoted in pure/kms_grants.py)."""
    assert constraints_hold(constraints, context) is holds


OTHER_ACCOUNT_KEY = "arn:aws:kms:us-east-1:333333333333:key/3b1a5c1e-0000-4000-8000-000000000003"


def test_a_grant_to_the_role_on_a_key_of_another_account_is_not_judged_as_allowing() -> None:
    """A grant naming a role of another account than the key's is not judged (``match_grants``' docstring)."""
    match = match_grants([grant()], ROLE, OTHER_ACCOUNT_KEY, "kms:GenerateDataKey", {"aws:s3:arn": OBJECT})

    assert match.allowing is None
    assert "of another account than the key's" in match.unsettled


def test_a_grant_to_the_account_whose_constraints_fail_neither_allows_nor_unsettles() -> None:
    """A grant whose constraints the call does not meet allows nothing, whoever its grantee."""
    account_grant = grant(f"arn:aws:iam::{DESTINATION_ACCOUNT}:root", EncryptionContextEquals={"team": "a"})

    match = match_grants([account_grant], ROLE, KEY, "kms:GenerateDataKey", {"aws:s3:arn": OBJECT})

    assert match == GrantMatch()


def test_a_grant_to_the_role_whose_constraints_s3_s_context_does_not_meet_fails_the_link_naming_it() -> None:
    """
    A grant allows "provided that all conditions specified in the grant are met" (AWS KMS Developer Guide, "Grants in
    AWS KMS"): one bound to another object's encryption context allows none of the role's calls for this one.
    """
    state = admins_only()
    elsewhere = {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/other/part-00000"}
    grants = [grant(EncryptionContextEquals=elsewhere)]
    state.key_grants[KEY] = grants

    link = by_name(check_chain(state))[KMS]
    match = match_grants(grants, ROLE, KEY, "kms:GenerateDataKey", {"aws:s3:arn": OBJECT})

    assert link.status == "fail", link
    assert f"grant g-1 to {ROLE} for GenerateDataKey, Decrypt allows it only with" in link.detail
    assert match == GrantMatch(constrained=(grant(EncryptionContextEquals=elsewhere),))


def test_no_grant_read_against_a_call_leaves_nothing_unsettled() -> None:
    match = match_grants([], ROLE, KEY, "kms:GenerateDataKey", {"aws:s3:arn": OBJECT})

    assert match.allowing is None
    assert match.unsettled == ""
    assert match.constrained == ()


def test_a_grant_is_named_by_its_id_name_grantee_and_operations() -> None:
    from airflow_provider_emrfs_xacct.pure.kms_grants import describe_grant

    named = {**grant(), "Name": "emr-writer"}

    assert describe_grant(named) == f"grant g-1 (emr-writer) to {ROLE} for GenerateDataKey, Decrypt"
    assert describe_grant(grant()) == f"grant g-1 to {ROLE} for GenerateDataKey, Decrypt"


CUSTOM_CONTEXT = {"fs.s3.serverSideEncryption.kms.customEncryptionContext": "project=exports"}


@pytest.mark.parametrize(
    ("release", "classification", "settings"),
    [
        ("emr-6.15.0", "emrfs-site", CUSTOM_CONTEXT),
        ("emr-7.10.0", "emrfs-site", CUSTOM_CONTEXT),  # translated to S3A's fs.s3a.encryption.context
        ("emr-7.10.0", "core-site", {f"fs.s3a.bucket.{BUCKET}.encryption.context": "project=exports"}),
    ],
)
def test_a_cluster_s_own_encryption_context_leaves_context_bound_grants_and_conditions_not_checked(
    release: str, classification: str, settings: dict[str, str]
) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping":
    EMRFS's ``fs.s3.serverSideEncryption.kms.customEncryptionContext`` maps to S3A's ``fs.s3a.encryption.context``,
    an encryption context of the cluster's own on SSE-KMS uploads, so S3's KMS calls carry more than
    ``aws:s3:arn``. A grant bound to exactly S3's ``{"aws:s3:arn": ...}`` (``EncryptionContextEquals``) then does not
    allow them: it was a PASS; now "not checked", naming the setting. ``kms:EncryptionContextKeys`` is no longer
    taken as ``["aws:s3:arn"]``. Without the setting both stay as they were.
    """
    state = admins_only()
    state.release_label = release
    state.cluster_configurations = [{"Classification": classification, "Properties": settings}]
    # With an S3 Bucket Key, S3's context is the bucket's ARN for every call (S3 User Guide, "Using server-side
    # encryption with AWS KMS keys", "Encryption context"): a grant bound to exactly that allowed them all.
    state.buckets[BUCKET].bucket_key_enabled = True  # type: ignore[union-attr]
    state.key_grants[KEY] = [grant(EncryptionContextEquals={"aws:s3:arn": f"arn:aws:s3:::{BUCKET}"})]

    link = by_name(check_chain(state))[KMS]
    assert link.status == "not checked", link
    assert "constrains the encryption context, and the uploads add one of the cluster's own" in link.detail
    assert any(name in link.detail for name in ("customEncryptionContext", "encryption.context"))

    state.cluster_configurations = [{"Classification": classification, "Properties": {}}]
    assert by_name(check_chain(state))[KMS].status == "pass"  # without the setting the grant allows the calls
    state.cluster_configurations = [{"Classification": classification, "Properties": settings}]

    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    request = kms_request(state, role, "kms:GenerateDataKey", KEY, OBJECT)
    assert "kms:EncryptionContextKeys" not in request.context

    state.cluster_configurations = [{"Classification": classification, "Properties": {}}]
    plain = kms_request(state, role, "kms:GenerateDataKey", KEY, OBJECT)
    assert plain.context["kms:EncryptionContextKeys"] == ["aws:s3:arn"]
