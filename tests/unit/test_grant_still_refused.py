"""
Option (a)'s grant judges every request of EMRFS's uploads under the policy it writes, and names a partner's ``Deny``
that still refuses one: the canned ACL lets ``PutObject`` by, never ``UploadPart`` nor ``CompleteMultipartUpload``,
which carry no ``x-amz-acl`` (aws/aws-cli#1674; S3 API Reference, CompleteMultipartUpload) nor encryption header, and
for a negated operator an absent key makes the condition true (IAM User Guide, "IAM JSON policy elements: Condition
operators"). ``s3:ObjectCreationOperation`` exempts only CreateMultipartUpload, UploadPart and UploadPartCopy, and
``CompleteMultipartUpload`` carries it ``true`` as ``PutObject`` does (S3 User Guide, "Enforce conditional writes on
Amazon S3 buckets": its example requires the header of "All PutObject and CompleteMultipartUpload requests").
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    grant,
    requires_canned_acl,
    still_refused,
    still_refused_warning,
)
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
BUCKET = "partner-results-b"
LOCATION = parse_s3_location(f"s3://{BUCKET}/exports/", "s3_prefixes")
OBJECTS = f"arn:aws:s3:::{BUCKET}/*"
SSE_KEY = "s3:x-amz-server-side-encryption"
KMS_KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id"
PARTNER_KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def deny_unless(condition: dict[str, Any], sid: str | None = "PartnerGuard") -> dict[str, Any]:
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": OBJECTS}
    statement["Condition"] = condition
    return {"Sid": sid, **statement} if sid else statement


REQUIRE_ACL = deny_unless({"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}})
DENY_INSECURE = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": OBJECTS,
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def granted(*statements: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The policy as the grant writes it beside ``statements``, and whether it asks for the canned ACL."""
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    acl = requires_canned_acl(policy, EMR_ROLE, BUCKET, {LOCATION})
    written = grant(policy, "aws", EMR_ROLE, {LOCATION}, object_acl=acl)
    assert written is not None
    return written, acl


def refused(*statements: dict[str, Any]) -> list[tuple[Any, str]]:
    policy, acl = granted(*statements)
    return [
        (entry["statement"], entry["request"])
        for entry in still_refused(policy, EMR_ROLE, BUCKET, [LOCATION], canned_acl=acl)
    ]


def test_the_canned_acl_deny_still_refuses_upload_part_and_completion_and_says_what_works() -> None:
    """
    The Deny S3 recommends beside BucketOwnerPreferred makes the grant ask for the ACL, which PutObject and
    CreateMultipartUpload then carry; UploadPart and CompleteMultipartUpload carry none, so every multipart upload is
    refused. Before, the grant said the ACL fixed it. The fix named is one that works (a header present and wrong
    only), and it says the s3:ObjectCreationOperation exemption does not.
    """
    policy, acl = granted(DENY_INSECURE, REQUIRE_ACL)
    assert acl is True

    part, complete = still_refused(policy, EMR_ROLE, BUCKET, [LOCATION], canned_acl=acl)

    assert (part["statement"], part["request"]) == ("PartnerGuard", "UploadPart")
    assert (complete["statement"], complete["request"]) == ("PartnerGuard", "CompleteMultipartUpload")
    assert part["s3_prefixes"] == complete["s3_prefixes"] == [LOCATION.uri]
    assert "s3:x-amz-acl" in part["why"]
    assert "CompleteMultipartUpload carries no x-amz-acl" in complete["why"]
    assert "Null false" in part["fix"]
    assert "s3:ObjectCreationOperation condition key does not do" in part["fix"]
    assert "Enforce conditional writes on Amazon S3 buckets" in part["fix"]
    warning = still_refused_warning(BUCKET, EMR_ROLE, [part, complete])
    assert "'PartnerGuard' refuses UploadPart" in warning
    assert "'PartnerGuard' refuses CompleteMultipartUpload" in warning
    assert EMR_ROLE in warning


@pytest.mark.parametrize(
    "condition",
    [
        {"StringNotEquals": {SSE_KEY: "aws:kms"}},
        {"StringNotEqualsIfExists": {SSE_KEY: "aws:kms"}},
        {"Null": {SSE_KEY: "true"}},
        {"StringNotEquals": {KMS_KEY_ID: PARTNER_KEY}},
    ],
    ids=["not-equals", "if-exists", "null-true", "key-id"],
)
def test_an_encryption_header_deny_refuses_default_encrypted_uploads_and_every_part(condition: dict[str, Any]) -> None:
    """
    The settings the grant returns ask for no encryption header (uploads rely on the bucket's default, which applies to
    the object, not to the request's context); UploadPart carries none whatever the cluster sends. Before, the grant
    said nothing. A statement without a Sid is named by its index.
    """
    policy, acl = granted(DENY_INSECURE, deny_unless(condition, sid=None))
    assert acl is False

    entries = still_refused(policy, EMR_ROLE, BUCKET, [LOCATION], canned_acl=acl)

    assert [(entry["statement"], entry["request"]) for entry in entries] == [
        (1, "PutObject"),
        (1, "CreateMultipartUpload"),
        (1, "UploadPart"),
        (1, "CompleteMultipartUpload"),
    ]
    put, _, part, complete = entries
    assert "fs.s3.enableServerSideEncryption" in put["fix"]
    assert "never UploadPart nor CompleteMultipartUpload" in put["fix"]
    assert "Null false" in part["fix"]
    assert complete["fix"] == part["fix"]


#: The exemption S3 User Guide, "Enforce conditional writes on Amazon S3 buckets" shows for multipart uploads.
CREATION = {"Bool": {"s3:ObjectCreationOperation": "true"}}


@pytest.mark.parametrize(
    ("condition", "acl"),
    [
        ({"Null": {SSE_KEY: "true"}, **CREATION}, False),
        ({"StringNotEquals": {SSE_KEY: "aws:kms"}, **CREATION}, False),
        ({"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}, **CREATION}, True),
    ],
    ids=["sse-null", "sse-not-equals", "canned-acl"],
)
def test_exempting_the_multipart_requests_by_object_creation_operation_still_refuses_their_completion(
    condition: dict[str, Any], acl: bool
) -> None:
    """
    The partner follows the old advice and adds ``Bool s3:ObjectCreationOperation true``: UploadPart and
    CreateMultipartUpload are exempted, but CompleteMultipartUpload carries the key ``true``, as PutObject does, and no
    upload header, so it is still refused and every multipart upload fails at completion. Before, the key's value was
    not known, the Deny was not named, and the warning went away.
    """
    policy, asked = granted(deny_unless(condition))
    assert asked is acl

    entries = still_refused(policy, EMR_ROLE, BUCKET, [LOCATION], canned_acl=acl)

    requests = [entry["request"] for entry in entries]
    assert "CompleteMultipartUpload" in requests
    assert "UploadPart" not in requests
    assert "CreateMultipartUpload" not in requests
    assert requests == (["CompleteMultipartUpload"] if acl else ["PutObject", "CompleteMultipartUpload"])
    complete = entries[-1]
    assert "s3:ObjectCreationOperation true, as PutObject does" in complete["why"]
    assert "Null false" in complete["fix"]


@pytest.mark.parametrize(
    "statements",
    [
        # Only a header present and wrong: a request without it does not meet Null false.
        [deny_unless({"StringNotEquals": {SSE_KEY: "aws:kms"}, "Null": {SSE_KEY: "false"}})],
        [
            deny_unless(
                {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}, "Null": {"s3:x-amz-acl": "false"}}
            )
        ],
        # The fix named: a header present and wrong only, with or without the s3:ObjectCreationOperation exemption.
        [deny_unless({"Null": {SSE_KEY: "false"}, "StringNotEquals": {SSE_KEY: "aws:kms"}, **CREATION})],
        [
            deny_unless(
                {
                    "StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"},
                    "Null": {"s3:x-amz-acl": "false"},
                    **CREATION,
                }
            )
        ],
        # Only the requests whose s3:ObjectCreationOperation is not true (its value there is not documented: judged
        # both false and absent): the exempted ones, refused surely under neither reading, are not named.
        [deny_unless({"Null": {SSE_KEY: "true"}, "Bool": {"s3:ObjectCreationOperation": "false"}})],
        # A Deny the upload headers do not decide: left to the verifier.
        [DENY_INSECURE],
        # Another principal's guard.
        [{**REQUIRE_ACL, "Principal": {"AWS": "arn:aws:iam::333333333333:root"}}],
    ],
    ids=[
        "sse-present-and-wrong",
        "acl-present-and-wrong",
        "sse-present-and-wrong-exempted",
        "acl-present-and-wrong-exempted",
        "only-not-true",
        "https-only",
        "other-principal",
    ],
)
def test_a_deny_that_lets_emrfs_uploads_by_is_not_named(statements: list[dict[str, Any]]) -> None:
    assert refused(*statements) == []


def test_a_deny_the_canned_acl_does_not_meet_is_named_for_every_upload() -> None:
    """A partner requiring another ACL than the one the grant asks for refuses the uploads carrying it too."""
    other = deny_unless({"StringNotEquals": {"s3:x-amz-acl": "private"}})
    policy, _ = granted(other)

    entries = still_refused(policy, EMR_ROLE, BUCKET, [LOCATION], canned_acl=True)

    assert [entry["request"] for entry in entries] == [
        "PutObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
    ]
    assert "does not meet it" in entries[0]["why"]


def test_no_policy_refuses_nothing() -> None:
    assert still_refused(None, EMR_ROLE, BUCKET, [LOCATION], canned_acl=False) == []
