"""
A bucket grant clears the provider's statements of principals deleted since, as a revoke does.

Once a role is deleted, a bucket policy shows its unique ID (``AROA…``) in place of its ARN, and a role created again
under the same ARN has a new ID, which the old statements do not name: they grant it nothing (IAM User Guide, "AWS
JSON policy elements: Principal", IAM role principals). S3 refuses every ``PutBucketPolicy`` that keeps such an ID
(AWS Knowledge Center, s3-invalid-principal-in-policy-error: "confirm that the user or role wasn't deleted"). Before,
the grant of a role deleted and created again (``aws emr create-default-roles``) counted the old ID in the role's own
statements as another principal named one by one, wrote the role a second pair under the ``Sid``s of ``ARN#1``, left
the dead statements, and the write was refused ("revoke ... then run again"); a grant on a bucket where another role's
pair held only its ID was refused the same way. Statements the provider did not write are still not touched.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.s3 import refuse_orphaned_writes
from airflow_provider_emrfs_xacct.pure import bucket_policy
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.validation import S3Location

ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
OTHER = "arn:aws:iam::111111111111:role/emr-ec2-batch"
LIVING = "arn:aws:iam::222222222222:role/PartnerJobs"
OLD_ID = "AROAEXAMPLEOLDID12345"  # the deleted role's unique ID, as the policy shows it
OTHER_ID = "AROAEXAMPLEOTHERS0002"
DENY = {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
LOCATION = S3Location("bkt", "exports/")
WEEKLY = S3Location("bkt", "weekly/")


def shown_deleted(policy: dict[str, Any], role: str, unique_id: str) -> dict[str, Any]:
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
        if re.match(r"A[IR]OA", str(value))
    ]


def test_a_role_deleted_and_created_again_is_granted_under_its_own_sids() -> None:
    """The case as found: the same grant runs again once the role is made again; the write is not refused."""
    p = bucket_policy.grant(None, "aws", ROLE, {LOCATION})
    for statement in p["Statement"]:
        statement["Principal"] = {"AWS": OLD_ID}

    q = bucket_policy.grant(p, "aws", ROLE, {LOCATION})

    refuse_orphaned_writes(p, q, "bkt")  # before: ConflictError naming OLD_ID
    assert [statement["Sid"] for statement in q["Statement"]] == list(bucket_policy.principal_sids(ROLE))
    assert [statement["Principal"] for statement in q["Statement"]] == [{"AWS": ROLE}, {"AWS": ROLE}]
    assert q == bucket_policy.grant(None, "aws", ROLE, {LOCATION})  # written as a first grant writes them


def test_what_the_deleted_role_held_is_not_carried_to_the_new_one_and_is_named() -> None:
    """
    The new role is granted what this grant is given: the old statements granted the deleted role (its prefix, the ACL
    action), not the role made again. What went is returned for the log, by Sid and ID.
    """
    granted = bucket_policy.grant(
        {"Version": "2012-10-17", "Statement": [DENY]}, "aws", ROLE, {WEEKLY}, object_acl=True
    )
    policy = shown_deleted(granted, ROLE, OLD_ID)
    cleared: list[str] = []

    regranted = bucket_policy.grant(policy, "aws", ROLE, {LOCATION}, cleared=cleared)

    assert regranted["Statement"][0] == DENY
    assert bucket_policy.granted_locations(regranted, ROLE) == {LOCATION}
    assert unique_ids_in(regranted) == []
    assert "s3:PutObjectAcl" not in json.dumps(regranted)
    objects_sid, list_sid = bucket_policy.principal_sids(ROLE)
    assert cleared == [
        f"statement {objects_sid!r}, which named only {OLD_ID}",
        f"statement {list_sid!r}, which named only {OLD_ID}",
    ]


def test_another_role_s_statements_holding_only_its_id_go_with_the_grant() -> None:
    """Same rule both ways: what a revoke of any role on the bucket clears, a grant of any role clears too."""
    others = bucket_policy.grant({"Version": "2012-10-17", "Statement": [DENY]}, "aws", OTHER, {WEEKLY})
    policy = shown_deleted(others, OTHER, OTHER_ID)
    cleared: list[str] = []

    granted = bucket_policy.grant(policy, "aws", ROLE, {LOCATION}, cleared=cleared)

    refuse_orphaned_writes(policy, granted, "bkt")  # before: ConflictError naming OTHER_ID
    assert [statement.get("Sid") for statement in granted["Statement"]] == [
        DENY["Sid"],
        *bucket_policy.principal_sids(ROLE),
    ]
    assert [note.split("'")[1] for note in cleared] == list(bucket_policy.principal_sids(OTHER))


def test_an_id_beside_a_living_principal_goes_and_the_statement_stays_to_it() -> None:
    """
    Someone added LIVING to the role's statements; the role is deleted and made again. The ID goes, LIVING keeps its
    statements as they were, and the role gets the next pair of Sids derived from its ARN (the rule for statements of
    others under the role's Sids).
    """
    granted = bucket_policy.grant({"Version": "2012-10-17", "Statement": [DENY]}, "aws", ROLE, {LOCATION})
    for statement in granted["Statement"][1:]:
        statement["Principal"] = {"AWS": [ROLE, LIVING]}
    policy = shown_deleted(granted, ROLE, OLD_ID)
    cleared: list[str] = []

    regranted = bucket_policy.grant(policy, "aws", ROLE, {LOCATION}, cleared=cleared)

    refuse_orphaned_writes(policy, regranted, "bkt")  # before: ConflictError naming OLD_ID
    assert unique_ids_in(regranted) == []
    kept = [{**statement, "Principal": {"AWS": LIVING}} for statement in policy["Statement"][1:]]
    assert regranted["Statement"][:3] == [DENY, *kept]
    later = [statement["Sid"] for statement in regranted["Statement"][3:]]
    assert later == list(bucket_policy.principal_sids(f"{ROLE}#1"))
    assert cleared[0] == f"{OLD_ID} taken out of statement {policy['Statement'][1]['Sid']!r}"


def test_a_statement_not_ours_naming_a_deleted_role_is_kept_and_still_refused() -> None:
    """The provider does not edit what it did not write: the grant leaves it byte for byte, and the write is refused."""
    theirs = {
        "Sid": "AuditorsRead",
        "Effect": "Allow",
        "Principal": {"AWS": [OTHER_ID, LIVING]},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bkt/reports/*",
    }
    mine = bucket_policy.grant({"Version": "2012-10-17", "Statement": [copy.deepcopy(theirs)]}, "aws", ROLE, {WEEKLY})
    policy = shown_deleted(mine, ROLE, OLD_ID)

    granted = bucket_policy.grant(policy, "aws", ROLE, {LOCATION})

    assert json.dumps(granted["Statement"][0]) == json.dumps(theirs)
    assert unique_ids_in(granted) == [OTHER_ID]  # the provider's own statements lost OLD_ID; before, both stayed
    with pytest.raises(ConflictError, match=r"'AuditorsRead' names 'AROAEXAMPLEOTHERS0002'.*by hand"):
        refuse_orphaned_writes(policy, granted, "bkt")


def test_a_rerun_changes_nothing_and_clears_nothing() -> None:
    p = bucket_policy.grant(None, "aws", ROLE, {LOCATION})
    once = bucket_policy.grant(shown_deleted(p, ROLE, OLD_ID), "aws", ROLE, {LOCATION})
    assert unique_ids_in(once) == []
    cleared: list[str] = []

    again = bucket_policy.grant(once, "aws", ROLE, {LOCATION}, cleared=cleared)

    assert again == once
    assert cleared == []
