"""
Option (a)'s grant under a partner's ``Deny`` on an ACL grant header, and under ``ObjectWriter`` ownership.

S3's own example denies ``s3:PutObject`` unless ``s3:x-amz-grant-full-control`` names the bucket owner (S3 User Guide,
"Policy examples for ACLs", "Require the x-amz-full-control header", "Add explicit deny"). EMRFS never sends an
``x-amz-grant-*`` header (its one ACL setting, ``fs.s3.canned.acl``, sends ``x-amz-acl``), and for a negated operator
an absent key makes the condition true (IAM User Guide, "IAM JSON policy elements: Condition operators"): that Deny
refuses every EMRFS upload. Under ``ObjectWriter`` the writer owns its objects and, without an ACL, "Account A has no
permissions on these objects" (the same page; S3 User Guide, "Controlling ownership of objects and disabling ACLs for
your bucket").
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    CANNED_ACL_PROPERTIES,
    GRANT_FIX,
    GRANT_HEADER_KEYS,
    ownership_report,
    requires_canned_acl,
    still_refused,
)
from airflow_provider_emrfs_xacct.pure.checks.contexts import _ABSENT_ALWAYS
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
BUCKET = "partner-results-b"
LOCATION = parse_s3_location(f"s3://{BUCKET}/exports/", "s3_prefixes")
UPLOADS = ["PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]


def deny_unless_grant(key: str, value: str) -> dict[str, Any]:
    """AWS's example Deny, its key ``key`` spelled as given."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "statement2",
                "Effect": "Deny",
                "Principal": {"AWS": EMR_ROLE},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
                "Condition": {"StringNotEquals": {key: value}},
            }
        ],
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("s3:x-amz-grant-full-control", "id=AccountA-CanonicalUserID"),  # AWS's example as written
        ("s3:x-amz-grant-read", "id=AccountA-CanonicalUserID"),
        ("S3:X-Amz-Grant-Full-Control", "id=AccountA-CanonicalUserID"),  # condition keys compare case-insensitively
    ],
)
def test_a_deny_unless_an_acl_grant_header_is_named_for_every_upload(key: str, value: str) -> None:
    policy = deny_unless_grant(key, value)
    acl = requires_canned_acl(policy, EMR_ROLE, BUCKET, [LOCATION])
    # The canned ACL does not meet it either: the grant does not ask for it on that account.
    assert acl is False

    found = still_refused(policy, EMR_ROLE, BUCKET, [LOCATION], canned_acl=acl)

    assert [entry["request"] for entry in found] == UPLOADS
    for entry in found:
        assert entry["statement"] == "statement2"
        assert entry["s3_prefixes"] == [LOCATION.uri]
        assert key.lower() in entry["why"]
        assert "EMRFS never sends an x-amz-grant-* header" in entry["why"]
        assert entry["fix"] == GRANT_FIX
    assert "x-amz-acl: bucket-owner-full-control instead" in GRANT_FIX


def test_with_the_canned_acl_sent_the_grant_header_deny_still_refuses_every_upload() -> None:
    policy = deny_unless_grant("s3:x-amz-grant-full-control", "id=AccountA-CanonicalUserID")

    found = still_refused(policy, EMR_ROLE, BUCKET, [LOCATION], canned_acl=True)

    assert [entry["request"] for entry in found] == UPLOADS
    assert {entry["fix"] for entry in found} == {GRANT_FIX}


def test_the_grant_and_the_verifier_read_one_list_of_the_headers_emrfs_never_sends() -> None:
    assert set(GRANT_HEADER_KEYS) <= _ABSENT_ALWAYS
    assert all(key == key.lower() for key in GRANT_HEADER_KEYS)


@pytest.mark.parametrize("ownership", ["BucketOwnerPreferred", "ObjectWriter"])
def test_ownerships_with_acls_ask_for_the_canned_acl(ownership: str) -> None:
    report = ownership_report(BUCKET, ownership)

    assert report["emrfs_site_properties"] == CANNED_ACL_PROPERTIES


def test_object_writer_says_the_writer_owns_and_the_bucket_owner_has_full_control() -> None:
    owned_by = ownership_report(BUCKET, "ObjectWriter")["objects_owned_by"]

    assert "writing account" in owned_by
    assert "full control" in owned_by


def test_bucket_owner_enforced_asks_for_no_acl() -> None:
    assert ownership_report(BUCKET, "BucketOwnerEnforced")["emrfs_site_properties"] == {}
