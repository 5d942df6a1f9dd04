"""
A bucket revoke clears the provider's statements of principals deleted since, whatever ARN it is given.

Once a role is deleted, a bucket policy shows its unique ID (``AROA…``) in place of its ARN (IAM User Guide, "AWS JSON
policy elements: Principal", IAM role principals), and S3 refuses every ``PutBucketPolicy`` that keeps it (AWS
Knowledge Center, s3-invalid-principal-in-policy-error: "confirm that the user or role wasn't deleted"). The provider's
``Sid``s are hashes of the spelling the grant was given: before, a revoke given the role's path-less ARN, its name in
another case, or the exact ARN of a role granted under a later pair of ``Sid``s found nothing, changed nothing, and
every later grant on the bucket was refused with advice ("revoke that principal's access") that could not work.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import bucket_policy
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import refuse_orphaned_ids
from airflow_provider_emrfs_xacct.pure.validation import S3Location

AT_PATH = "arn:aws:iam::111111111111:role/emr/writer"  # as IAM shows the role, and as the grant was given it
PATH_LESS = "arn:aws:iam::111111111111:role/writer"  # built from the role's name
OTHER_CASE = "arn:aws:iam::111111111111:role/emr/WRITER"
LIVING = "arn:aws:iam::111111111111:role/JobFlowRole"
ROLE_ID = "AROAQXAMPLEWRITER0001"  # the deleted role's unique ID, as the policy shows it
OTHER_ID = "AROAQXAMPLEOTHERS0002"
DENY = {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
LOCATION = S3Location("b", "a/")


def deleted(policy: dict[str, Any], role: str, unique_id: str) -> dict[str, Any]:
    """The policy as S3 shows it once ``role`` is deleted: its unique ID in its place."""
    shown = copy.deepcopy(policy)
    for statement in shown["Statement"]:
        principal = statement.get("Principal")
        if isinstance(principal, dict) and "AWS" in principal:
            values = [unique_id if value == role else value for value in as_list(principal["AWS"])]
            principal["AWS"] = values if isinstance(principal["AWS"], list) else values[0]
    return shown


def unique_ids_in(policy: dict[str, Any] | None) -> list[str]:
    return [
        value
        for statement in as_list((policy or {}).get("Statement"))
        if isinstance(statement.get("Principal"), dict)
        for value in as_list(statement["Principal"].get("AWS"))
        if str(value).startswith("AROA")
    ]


def granted_then_deleted() -> dict[str, Any]:
    granted = bucket_policy.grant({"Version": "2012-10-17", "Statement": [DENY]}, "aws", AT_PATH, {LOCATION})
    return deleted(granted, AT_PATH, ROLE_ID)


@pytest.mark.parametrize("asked", [PATH_LESS, OTHER_CASE, LIVING])
def test_a_deleted_role_s_statements_go_whatever_arn_the_revoke_is_given(asked: str) -> None:
    """Before: the policy came back unchanged, both AROA statements in it (only the grant's own spelling found them)."""
    policy = granted_then_deleted()
    before = copy.deepcopy(policy)

    revoked = bucket_policy.revoke(policy, asked)

    assert policy == before  # not changed in place
    assert revoked == {"Version": "2012-10-17", "Statement": [DENY]}
    cleared: list[str] = []
    bucket_policy.revoke(policy, asked, cleared=cleared)
    assert [note.split("'")[1] for note in cleared] == list(bucket_policy.principal_sids(AT_PATH))
    assert all(f"named only {ROLE_ID}" in note for note in cleared)


def test_a_policy_left_with_nothing_is_deleted() -> None:
    policy = {"Version": "2012-10-17", "Statement": granted_then_deleted()["Statement"][1:]}

    assert bucket_policy.revoke(policy, PATH_LESS) is None


def test_a_deleted_id_beside_a_living_principal_is_taken_out_and_the_statement_stays() -> None:
    """Someone added LIVING to the deleted role's objects statement: LIVING keeps it, the ID goes."""
    policy = bucket_policy.grant({"Version": "2012-10-17", "Statement": [DENY]}, "aws", AT_PATH, {LOCATION})
    policy["Statement"][1]["Principal"] = {"AWS": [AT_PATH, LIVING]}
    policy = deleted(policy, AT_PATH, ROLE_ID)

    revoked = bucket_policy.revoke(policy, PATH_LESS)

    assert revoked is not None
    assert revoked["Statement"] == [DENY, {**policy["Statement"][1], "Principal": {"AWS": LIVING}}]
    cleared: list[str] = []
    bucket_policy.revoke(policy, PATH_LESS, cleared=cleared)
    assert cleared[0] == f"{ROLE_ID} taken out of statement {policy['Statement'][1]['Sid']!r}"


def test_a_service_principal_beside_the_id_stays() -> None:
    """Only the ID goes: a principal of another kind someone put there is not the provider's to drop."""
    policy = granted_then_deleted()
    policy["Statement"][1]["Principal"] = {"AWS": ROLE_ID, "Service": "logging.s3.amazonaws.com"}

    revoked = bucket_policy.revoke(policy, PATH_LESS)

    assert revoked is not None
    assert revoked["Statement"] == [
        DENY,
        {**policy["Statement"][1], "Principal": {"Service": "logging.s3.amazonaws.com"}},
    ]


def test_a_role_granted_under_a_later_pair_and_deleted_is_cleared_by_its_exact_arn() -> None:
    """
    Variant (c): someone added LIVING to the role's statements, the revoke left them to LIVING, the regrant wrote
    the role a later pair (hash of ``ARN#1``); the role is deleted. Before, the revoke by its exact ARN looked only under
    its own pair (LIVING's now) and left the later one holding the ID.
    """
    granted = bucket_policy.grant({"Version": "2012-10-17", "Statement": [DENY]}, "aws", AT_PATH, {LOCATION})
    for statement in granted["Statement"][1:]:
        statement["Principal"] = {"AWS": [AT_PATH, LIVING]}
    left_to_living = bucket_policy.revoke(granted, AT_PATH)
    regranted = bucket_policy.grant(left_to_living, "aws", AT_PATH, {LOCATION})
    later = [statement["Sid"] for statement in regranted["Statement"][3:]]
    assert len(later) == 2
    assert not set(later) & set(bucket_policy.principal_sids(AT_PATH))
    policy = deleted(regranted, AT_PATH, ROLE_ID)
    assert unique_ids_in(policy) == [ROLE_ID, ROLE_ID]

    revoked = bucket_policy.revoke(policy, AT_PATH)

    assert revoked is not None
    assert revoked["Statement"] == policy["Statement"][:3]  # LIVING's statements kept exactly
    assert unique_ids_in(revoked) == []


def test_a_statement_the_provider_did_not_write_keeps_its_id_byte_for_byte() -> None:
    """Not the provider's to edit: left exactly, for the write's refusal to name (refuse_orphaned_ids)."""
    theirs = {
        "Sid": "AuditorsRead",
        "Effect": "Allow",
        "Principal": {"AWS": [OTHER_ID, LIVING]},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/reports/*",
    }
    policy = granted_then_deleted()
    policy["Statement"].insert(1, copy.deepcopy(theirs))

    revoked = bucket_policy.revoke(policy, PATH_LESS)

    assert revoked is not None
    assert json.dumps(revoked["Statement"][1]) == json.dumps(theirs)
    assert revoked["Statement"] == [DENY, theirs]
    with pytest.raises(ConflictError, match=r"'AuditorsRead' names 'AROAQXAMPLEOTHERS0002'.*by hand"):
        refuse_orphaned_ids(revoked, None, "the policy of bucket b", refused_by="S3 refuses every bucket policy")


def test_a_rerun_changes_nothing_and_clears_nothing() -> None:
    once = bucket_policy.revoke(granted_then_deleted(), PATH_LESS)
    assert once == {"Version": "2012-10-17", "Statement": [DENY]}
    cleared: list[str] = []

    again = bucket_policy.revoke(once, PATH_LESS, cleared=cleared)

    assert again == once
    assert cleared == []


def test_a_grant_clears_the_statements_before_they_are_judged_and_a_statement_it_does_not_clear_is_left_to_a_person() -> (
    None
):
    """
    Before: the grant was refused with "revoke that principal's access (its ARN)", which found nothing for these
    ARNs. A grant of any role now drops the provider's pairs of deleted principals before the policy is judged; a
    statement under the provider's Sid prefix that is not one of its pairs is not cleared, and the advice says so.
    """
    policy = granted_then_deleted()

    granted = bucket_policy.grant(policy, "aws", LIVING, {LOCATION})
    refuse_orphaned_ids(granted, None, "the policy of bucket b", refused_by="S3 refuses every bucket policy")
    assert ROLE_ID not in json.dumps(granted)

    not_a_pair = {**DENY, "Sid": f"{bucket_policy.SID_PREFIX}Notes", "Principal": {"AWS": ROLE_ID}}
    with pytest.raises(ConflictError) as refused:
        refuse_orphaned_ids(
            {"Version": "2012-10-17", "Statement": [not_a_pair]},
            None,
            "the policy of bucket b",
            refused_by="S3 refuses every bucket policy",
        )
    assert "by hand" in str(refused.value)
    assert "(its ARN)" not in str(refused.value)
