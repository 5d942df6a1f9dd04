"""The option (a) documents: the EMR role's identity policy and the bucket grant with s3:PutObjectAcl."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import parliament
import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    OBJECT_ACL_SID,
    emr_role_bucket_policy,
    emr_role_policy_holds,
    grant,
    ownership_report,
    principal_sids,
    refuse_unusable_bucket_key,
    requires_canned_acl,
    revoke,
)
from airflow_provider_emrfs_xacct.pure.documents import OBJECT_ACTIONS
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from airflow_provider_emrfs_xacct.pure.merge import find_statement
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
LOCATION = parse_s3_location("s3://partner-results-b/exports/", "s3_prefixes")


@pytest.mark.parametrize("object_acl", [False, True])
def test_emr_role_policy_passes_parliament_and_reads_back(object_acl: bool) -> None:
    policy = emr_role_bucket_policy("aws", {LOCATION}, {KEY}, object_acl=object_acl)
    findings = parliament.analyze_policy_string(json.dumps(policy)).findings
    assert [f"{finding.issue}: {finding.detail}" for finding in findings] == []
    assert emr_role_policy_holds(policy) == ({LOCATION}, {KEY}, object_acl)
    resources = [arn for statement in policy["Statement"] for arn in statement["Resource"]]
    assert "*" not in resources
    assert (find_statement(policy, OBJECT_ACL_SID) is not None) is object_acl


def test_bucket_grant_adds_put_object_acl_and_keeps_it() -> None:
    with_acl = grant(None, "aws", EMR_ROLE, {LOCATION}, object_acl=True)
    objects: Any = find_statement(with_acl, principal_sids(EMR_ROLE)[0])
    assert objects["Action"] == sorted([*OBJECT_ACTIONS, "s3:PutObjectAcl"])
    again = grant(with_acl, "aws", EMR_ROLE, {LOCATION})
    assert again == with_acl
    plain = grant(None, "aws", EMR_ROLE, {LOCATION})
    assert find_statement(plain, principal_sids(EMR_ROLE)[0])["Action"] == list(OBJECT_ACTIONS)  # type: ignore[index]


def test_bucket_grant_names_the_principal_in_each_statement_and_revoke_takes_only_its_statements() -> None:
    # A resource-based policy must name a Principal (IAM User Guide, "AWS JSON policy elements:
    # Principal"); the bucket owner grants another account's role the object actions on the prefix's
    # keys and s3:ListBucket on the bucket ARN (Amazon S3 User Guide, "Bucket owner granting
    # cross-account bucket permissions").
    other = {"Sid": "Theirs", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    policy = grant({"Version": "2012-10-17", "Statement": [other]}, "aws", EMR_ROLE, {LOCATION})
    objects_sid, list_sid = principal_sids(EMR_ROLE)
    assert policy["Statement"][0] == other
    objects = find_statement(policy, objects_sid)
    listing = find_statement(policy, list_sid)
    assert objects is not None
    assert listing is not None
    for statement in (objects, listing):
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"AWS": EMR_ROLE}
    assert "arn:aws:s3:::partner-results-b/exports/*" in objects["Resource"]
    assert all(arn.startswith("arn:aws:s3:::partner-results-b/exports") for arn in objects["Resource"])
    assert listing["Resource"] == "arn:aws:s3:::partner-results-b"
    assert "s3:ListBucket" in listing["Action"]

    assert revoke(policy, EMR_ROLE) == {"Version": "2012-10-17", "Statement": [other]}
    assert revoke(grant(None, "aws", EMR_ROLE, {LOCATION}), EMR_ROLE) is None
    assert revoke(None, EMR_ROLE) is None
    # Another principal's grant is not this one's: revoking one keeps the other's statements whole.
    second = "arn:aws:iam::111111111111:role/other-emr-role"
    both = grant(policy, "aws", second, {LOCATION})
    assert revoke(both, EMR_ROLE) == grant({"Version": "2012-10-17", "Statement": [other]}, "aws", second, {LOCATION})


def test_ownership_report_says_who_owns_the_objects_and_the_emrfs_acl_setting() -> None:
    # Amazon S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket":
    # BucketOwnerEnforced: the bucket owner owns every object (ACLs disabled); BucketOwnerPreferred:
    # the bucket owner owns objects written with the bucket-owner-full-control canned ACL;
    # ObjectWriter: the writing account owns the object, and the bucket owner has no permission on it without that
    # ACL ("Policy examples for ACLs"), so the ACL is asked for there too. EMRFS sends that ACL on every write with the
    # emrfs-site property fs.s3.canned.acl=BucketOwnerFullControl (DESIGN.md's checked AWS facts).
    preferred = ownership_report("b", "BucketOwnerPreferred")
    assert (preferred["bucket"], preferred["object_ownership"]) == ("b", "BucketOwnerPreferred")
    assert preferred["emrfs_site_properties"] == {"fs.s3.canned.acl": "BucketOwnerFullControl"}
    assert "bucket owner" in preferred["objects_owned_by"]
    enforced = ownership_report("b", "BucketOwnerEnforced")
    assert enforced["emrfs_site_properties"] == {}
    assert enforced["objects_owned_by"].startswith("bucket owner")
    writer = ownership_report("b", "ObjectWriter")
    assert writer["emrfs_site_properties"] == {"fs.s3.canned.acl": "BucketOwnerFullControl"}
    assert "writing account" in writer["objects_owned_by"]


@pytest.mark.parametrize(
    ("algorithm", "key_id", "manager"),
    [
        (None, None, None),  # no default encryption
        ("AES256", None, None),  # SSE-S3: no KMS key at all
        ("aws:kms", KEY, "CUSTOMER"),
        ("aws:kms:dsse", KEY, None),  # a key ARN, its manager unread: the ARN decides
    ],
)
def test_a_bucket_another_account_can_write_with_is_accepted(
    algorithm: str | None, key_id: str | None, manager: str | None
) -> None:
    refuse_unusable_bucket_key("partner-results-b", algorithm, key_id, manager)


@pytest.mark.parametrize(
    ("algorithm", "key_id", "manager", "says"),
    [
        ("aws:kms", None, None, "aws/s3"),  # no KMSMasterKeyID: S3 uses the AWS managed key
        ("aws:kms:dsse", None, None, "aws/s3"),
        ("aws:kms", "arn:aws:kms:us-east-1:222222222222:alias/aws/s3", None, "aws/s3"),
        ("aws:kms", KEY, "AWS", "aws/s3"),
        ("aws:kms", "alias/partner-key", None, "alias or key id"),
        ("aws:kms:dsse", "1234abcd-12ab-34cd-56ef-1234567890ab", "CUSTOMER", "alias or key id"),
    ],
)
def test_a_bucket_key_the_emr_account_cannot_use_is_refused(
    algorithm: str, key_id: str | None, manager: str | None, says: str
) -> None:
    # Amazon S3 API Reference, ServerSideEncryptionByDefault: KMSMasterKeyID applies to aws:kms and
    # aws:kms:dsse; without it S3 uses the AWS managed key aws/s3, whose key policy cannot be changed;
    # a key named by alias (or bare key id) is resolved in the requester's account, so a
    # cross-account writer needs the key's full ARN.
    with pytest.raises(PreconditionError, match=says):
        refuse_unusable_bucket_key("partner-results-b", algorithm, key_id, manager)


def test_emr_role_policy_leaves_out_put_object_acl_unless_asked() -> None:
    # s3:PutObjectAcl is needed only when writes carry a canned ACL (fs.s3.canned.acl); least privilege
    # leaves it out otherwise, for both the role's policy and the bucket grant.
    policy = emr_role_bucket_policy("aws", {LOCATION}, {KEY})
    assert find_statement(policy, OBJECT_ACL_SID) is None
    actions = [action for statement in policy["Statement"] for action in statement["Action"]]
    assert "s3:PutObjectAcl" not in actions
    objects = find_statement(grant(None, "aws", EMR_ROLE, {LOCATION}), principal_sids(EMR_ROLE)[0])
    assert objects is not None
    assert "s3:PutObjectAcl" not in objects["Action"]


def test_a_principal_s_bucket_policy_sids_stay_what_earlier_versions_wrote() -> None:
    # The Sids are how grant and revoke find a principal's statements in a policy others also write: a
    # changed scheme would leave the statements an earlier version wrote behind (revoke would keep the
    # principal's access). Sids are free text in a bucket policy (IAM User Guide, "AWS JSON policy
    # elements: Sid").
    digest = hashlib.sha256(EMR_ROLE.encode()).hexdigest()[:12]
    assert principal_sids(EMR_ROLE) == (f"EmrfsXacctObjects{digest}", f"EmrfsXacctList{digest}")


def require_acl(principal: Any = "*", **condition: Any) -> dict[str, Any]:
    """The Deny S3 User Guide recommends beside BucketOwnerPreferred: uploads without bucket-owner-full-control."""
    conditions = {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}, **condition}
    return {
        "Sid": "RequireBucketOwnerFullControl",
        "Effect": "Deny",
        "Principal": principal,
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::partner-results-b/*",
        "Condition": conditions,
    }


@pytest.mark.parametrize(
    ("statements", "required"),
    [
        ([require_acl()], True),
        ([require_acl({"AWS": "*"})], True),
        ([require_acl({"AWS": EMR_ROLE})], True),
        ([require_acl({"AWS": "arn:aws:iam::111111111111:role/someone-else"})], False),  # not the principal's uploads
        ([], False),
        # Denied with the ACL too: sending it would not help.
        (
            [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::partner-results-b/*",
                }
            ],
            False,
        ),
        # Another condition the grant cannot know (the request's endpoint): the Deny may refuse it without the ACL and
        # surely does not with it; the ACL is sent (harmless where not needed).
        ([require_acl(StringNotEqualsIfExists={"aws:SourceVpce": "vpce-1a2b3c4d"})], True),
        # Beside the usual HTTPS-only Deny (or any other the ACL does not change): each Deny is judged alone.
        (
            [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::partner-results-b", "arn:aws:s3:::partner-results-b/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                require_acl(),
            ],
            True,
        ),
        # A Deny the ACL does not change: sending it would not help.
        (
            [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::partner-results-b/*",
                    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
                }
            ],
            False,
        ),
        # An Allow asking for the ACL (the page's own example) refuses nothing: the provider's own Allow grants.
        (
            [
                {
                    **require_acl(),
                    "Effect": "Allow",
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
                }
            ],
            False,
        ),
    ],
)
def test_a_bucket_policy_requiring_the_canned_acl_is_found(statements: list[dict[str, Any]], required: bool) -> None:
    """
    S3 User Guide, "Disabling ACLs for all new buckets and enforcing Object Ownership": with BucketOwnerPreferred, "we
    strongly recommend that you update your bucket policy to require the bucket-owner-full-control canned ACL for all
    PUT requests". Such a Deny stays when the bucket is switched to BucketOwnerEnforced, whose ownership alone asks for
    no ACL: the report said none, and every upload was refused.
    """
    policy = {"Version": "2012-10-17", "Statement": statements}
    assert requires_canned_acl(policy, EMR_ROLE, "partner-results-b", [LOCATION]) is required
    report = ownership_report("partner-results-b", "BucketOwnerEnforced", canned_acl_required=required)
    assert bool(report["emrfs_site_properties"]) is required
