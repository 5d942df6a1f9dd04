"""
Unit tests of the request contexts the verifier builds for EMRFS (``pure/checks/contexts.py``): each
condition key's value, or its absence, as AWS documents it for the request, judged through the
policies that test it. The state is :func:`tests.unit.test_chain.healthy_state`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    assume_request,
    canned_acl,
    kms_request,
    requested_encryption,
    s3_request,
    sends_requester_pays_header,
    site_property,
    unknown_canned_acl,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, VERDICT_NOT_CHECKED, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.evaluator import evaluate_access
from airflow_provider_emrfs_xacct.pure.requests import WRITE_REQUESTS, S3Call
from tests.unit.test_chain import (
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_ROLE,
    KEY,
    PREFIX,
    ROLE,
    ROOT_STATEMENT,
    THIRD_ACCOUNT,
    by_name,
    document,
    healthy_state,
    mappings,
)
from tests.unit.test_chain_audit_fixes import OTHER_KEY, with_at_rest_s3_encryption
from tests.unit.test_requested_encryption import asking_for_other_key

if TYPE_CHECKING:
    from collections.abc import Callable

#: Sources of the keys a request from EMRFS does not carry.
GLOBAL_KEYS = "IAM User Guide, AWS global condition context keys"
S3_KEYS = 'Amazon S3 Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3"'
KMS_KEYS = "AWS KMS Developer Guide, AWS KMS condition keys"
STS_KEYS = 'Service Authorization Reference, "Actions, resources, and condition keys for AWS STS"'


def _deny_when_present(key: str, action: str | list[str]) -> dict[str, Any]:
    """A Deny that applies when the request carries ``key`` (``Null`` false: the key is there)."""
    return {
        "Sid": "DenyWhenPresent",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": action,
        "Resource": "*",
        "Condition": {"Null": {key: "false"}},
    }


def _in_bucket_policy(statement: dict[str, Any]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        bucket = state.buckets[BUCKET]
        assert isinstance(bucket, BucketState)
        bucket.policy = document(statement)

    return change


def _in_key_policy(statement: dict[str, Any]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        policy = state.key_policies[KEY]
        assert isinstance(policy, dict)
        policy["Statement"].append(statement)

    return change


def _in_trust_policy(statement: dict[str, Any]) -> Callable[[ChainState], None]:
    def change(state: ChainState) -> None:
        role = state.destination_roles[ROLE]
        assert isinstance(role, RoleState)
        assert isinstance(role.trust_policy, dict)
        role.trust_policy["Statement"].append(statement)

    return change


#: (policy, condition key, why EMRFS's requests do not carry it). A Deny on the key's presence must
#: leave the chain passing: known absent, not "not checked".
ABSENT = [
    ("bucket", "aws:RequestTag/team", f"{GLOBAL_KEYS}, aws:RequestTag: present when tags are passed in the request"),
    ("bucket", "aws:TagKeys", f"{GLOBAL_KEYS}, aws:TagKeys: present when tags are passed in the request"),
    ("bucket", "aws:FederatedProvider", f"{GLOBAL_KEYS}, aws:FederatedProvider: web identity (OIDC) sessions only"),
    ("bucket", "s3:RequestObjectTag/team", f"{S3_KEYS}: the x-amz-tagging header, which EMRFS does not send"),
    ("bucket", "s3:RequestObjectTagKeys", f"{S3_KEYS}: the x-amz-tagging header, which EMRFS does not send"),
    ("bucket", "s3:x-amz-copy-source", f"{S3_KEYS}: CopyObject and UploadPartCopy only"),
    ("bucket", "s3:x-amz-metadata-directive", f"{S3_KEYS}: CopyObject only"),
    ("bucket", "s3:x-amz-grant-full-control", f"{S3_KEYS}: the x-amz-grant-* headers; EMRFS sends a canned ACL"),
    ("bucket", "s3:x-amz-grant-read", f"{S3_KEYS}: the x-amz-grant-* headers; EMRFS sends a canned ACL"),
    ("bucket", "s3:x-amz-grant-read-acp", f"{S3_KEYS}: the x-amz-grant-* headers; EMRFS sends a canned ACL"),
    ("bucket", "s3:x-amz-grant-write", f"{S3_KEYS}: the x-amz-grant-* headers; EMRFS sends a canned ACL"),
    ("bucket", "s3:x-amz-grant-write-acp", f"{S3_KEYS}: the x-amz-grant-* headers; EMRFS sends a canned ACL"),
    ("bucket", "s3:x-amz-storage-class", f"{S3_KEYS}: the x-amz-storage-class header"),
    ("bucket", "s3:x-amz-website-redirect-location", f"{S3_KEYS}: the x-amz-website-redirect-location header"),
    ("bucket", "s3:object-lock-mode", f"{S3_KEYS}: the x-amz-object-lock-mode header"),
    ("bucket", "s3:object-lock-retain-until-date", f"{S3_KEYS}: the x-amz-object-lock-retain-until-date header"),
    ("bucket", "s3:object-lock-remaining-retention-days", f"{S3_KEYS}: the object lock retention headers"),
    ("bucket", "s3:object-lock-legal-hold", f"{S3_KEYS}: the x-amz-object-lock-legal-hold header"),
    ("bucket", "s3:DataAccessPointArn", f"{S3_KEYS}: requests through an access point only"),
    ("bucket", "s3:DataAccessPointAccount", f"{S3_KEYS}: requests through an access point only"),
    ("bucket", "s3:AccessPointNetworkOrigin", f"{S3_KEYS}: requests through an access point only"),
    ("bucket", "s3:versionid", f"{S3_KEYS}: the versionId parameter, which EMRFS does not send"),
    # Listings may carry max-keys (its value is EMRFS's): only the requests on objects are known not to.
    ("objects", "s3:max-keys", f"{S3_KEYS}: s3:ListBucket's max-keys; only listings carry it"),
    ("trust", "sts:ExternalId", f"{STS_KEYS}: AssumeRole's ExternalId, which EMRFS does not pass"),
    ("trust", "sts:TransitiveTagKeys", f"{STS_KEYS}: AssumeRole's TransitiveTagKeys, which EMRFS does not pass"),
    # docs/limits.md, "Session tags and source identity of EMRFS's AssumeRole": the trust grants no sts:TagSession, so
    # an AssumeRole passing session tags would be refused; the static check takes EMRFS's as passing none.
    ("trust", "aws:RequestTag/team", f"{GLOBAL_KEYS}, aws:RequestTag: present when tags are passed in the request"),
    ("trust", "aws:TagKeys", f"{GLOBAL_KEYS}, aws:TagKeys: present when tags are passed in the request"),
    ("key", "kms:GrantIsForAWSResource", f"{KMS_KEYS}: grant operations only"),
    ("key", "kms:GrantOperations", f"{KMS_KEYS}: CreateGrant only"),
    ("key", "kms:GrantConstraintType", f"{KMS_KEYS}: CreateGrant only"),
    ("key", "kms:ReEncryptOnSameKey", f"{KMS_KEYS}: ReEncrypt only"),
    ("key", "kms:DataKeyPairSpec", f"{KMS_KEYS}: GenerateDataKeyPair and its variants only"),
    ("key", "kms:MacAlgorithm", f"{KMS_KEYS}: GenerateMac and VerifyMac only"),
    ("key", "aws:RequestTag/team", f"{GLOBAL_KEYS}, aws:RequestTag: present when tags are passed in the request"),
]

_WHERE = {
    "bucket": (_in_bucket_policy, "s3:*"),
    "objects": (_in_bucket_policy, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
    "key": (_in_key_policy, "kms:*"),
    "trust": (_in_trust_policy, "sts:AssumeRole"),
}


@pytest.mark.parametrize(("where", "key", "source"), ABSENT, ids=[f"{where}-{key}" for where, key, _ in ABSENT])
def test_a_deny_on_a_key_emrfs_does_not_send_leaves_the_chain_passing(where: str, key: str, source: str) -> None:
    assert source
    change, action = _WHERE[where]
    state = healthy_state()
    change(_deny_when_present(key, action))(state)

    report = check_chain(state)

    assert report.verdict == VERDICT_PASS, report.table()


@pytest.mark.parametrize("key", ["sts:SourceIdentity", "aws:SourceIdentity"])
@pytest.mark.parametrize("effect", ["Allow", "Deny"])
def test_a_trust_condition_on_a_source_identity_is_not_checked(key: str, effect: str) -> None:
    """
    docs/limits.md, "Session tags and source identity of EMRFS's AssumeRole": EMR does not document whether EMRFS's
    AssumeRole for a role mapping sets a source identity (IAM User Guide, "Monitor and control actions taken with
    assumed roles"), so a trust statement testing one is neither a match nor a mismatch.
    """
    state = healthy_state()
    trust = _role(state).trust_policy
    assert isinstance(trust, dict)
    condition = {"StringEquals": {key: "etl-job"}}
    if effect == "Allow":
        trust["Statement"][0]["Condition"] = condition
    else:
        trust["Statement"].append(
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": condition}
        )

    report = check_chain(state)

    [assume] = [link for link in report.links if link.link == "EMR role can assume destination role"]
    assert assume.status == UNKNOWN, assume
    assert key in assume.detail


# --- The values each request carries ---------------------------------------------------------------

PRINCIPAL = {
    # IAM User Guide, AWS global condition context keys: aws:PrincipalArn ("For IAM roles, the request
    # context returns the ARN of the role, not the ARN of the user that assumed the role"), aws:PrincipalAccount
    # (the account the principal belongs to), aws:PrincipalType ("AssumedRole" for a role session),
    # aws:PrincipalIsAWSService (true only for a service principal's own calls; a forward access session is
    # the role's).
    "aws:PrincipalArn": ROLE,
    "aws:PrincipalAccount": DESTINATION_ACCOUNT,
    "aws:PrincipalType": "AssumedRole",
    "aws:PrincipalIsAWSService": "false",
}


def _role(state: ChainState, arn: str = ROLE) -> RoleState:
    role = state.emr_role if arn == EMR_ROLE else state.destination_roles[arn]
    assert isinstance(role, RoleState)
    return role


def _bucket(state: ChainState) -> BucketState:
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    return bucket


def _call(operation: str, step: str = "write files") -> S3Call:
    return next(call for call in WRITE_REQUESTS if call.operation == operation and call.step == step)


def test_an_upload_carries_the_principal_the_region_and_the_headers_emrfs_sends() -> None:
    state = healthy_state()
    state.cluster_configurations = [
        {
            "Classification": "emrfs-site",
            "Properties": {
                "fs.s3.enableServerSideEncryption": "true",
                "fs.s3.serverSideEncryption.kms.keyId": KEY,
                "fs.s3.canned.acl": "BucketOwnerFullControl",
            },
        }
    ]
    _bucket(state).region = "eu-west-1"

    request = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")

    assert request is not None
    assert request.action == "s3:PutObject"
    assert request.resource == f"arn:aws:s3:::{BUCKET}/exports/part-00000"
    assert request.principal == ROLE
    assert dict(request.context) == {
        **PRINCIPAL,
        # IAM User Guide: aws:ResourceAccount, the account that owns the resource (the bucket's).
        "aws:ResourceAccount": DESTINATION_ACCOUNT,
        # s3:ResourceAccount: the bucket owner's account (Service Authorization Reference, Amazon S3 condition keys).
        "s3:ResourceAccount": DESTINATION_ACCOUNT,
        # IAM User Guide: aws:SecureTransport (EMRFS calls S3 over HTTPS), aws:ViaAWSService (false: EMRFS
        # calls S3 itself), aws:RequestedRegion (the Region called: S3 serves a bucket in its own Region).
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
        "aws:RequestedRegion": "eu-west-1",
        # S3 condition keys: s3:x-amz-acl (the canned ACL header), s3:x-amz-server-side-encryption and
        # s3:x-amz-server-side-encryption-aws-kms-key-id (the SSE headers of the upload).
        "s3:x-amz-acl": "bucket-owner-full-control",
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY,
    }
    assert {"s3:prefix", "s3:delimiter", "s3:max-keys"} <= request.known_absent
    assert not request.has_boundary


def test_an_upload_part_carries_none_of_the_upload_headers() -> None:
    # S3 API Reference, UploadPart: no x-amz-acl nor x-amz-server-side-encryption request header (only the
    # SSE-C ones); boto/botocore#471.
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "Private"}}]

    request = s3_request(state, _role(state), _call("UploadPart"), _bucket(state), BUCKET, "exports")

    assert request is not None
    headers = {"s3:x-amz-acl", "s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id"}
    assert headers <= request.known_absent
    assert not headers & set(request.context)


def test_every_upload_that_creates_an_object_carries_the_canned_acl() -> None:
    # S3 API Reference: PutObject and CreateMultipartUpload take x-amz-acl, UploadPart and
    # CompleteMultipartUpload do not. The directory markers (p_$folder$, outside p/*) are PutObjects too: their
    # ACL needs s3:PutObjectAcl on them as much as a part file's does.
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "Private"}}]
    uploads = [call for call in WRITE_REQUESTS if call.operation in ("PutObject", "CreateMultipartUpload")]
    assert {call.key for call in uploads} >= {"{p}_$folder$", "{p}/_temporary_$folder$", "{p}/_SUCCESS"}

    for call in uploads:
        request = s3_request(state, _role(state), call, _bucket(state), BUCKET, "exports")
        assert request is not None
        assert request.context.get("s3:x-amz-acl") == "private", call


def test_an_sse_s3_upload_sends_no_key_id_header() -> None:
    # S3 condition keys, s3:x-amz-server-side-encryption-aws-kms-key-id: only with SSE-KMS (AES256 names no key).
    state = healthy_state()
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.enableServerSideEncryption": "true"}}
    ]

    request = s3_request(state, _role(state), _call("PutObject", "job commit"), _bucket(state), BUCKET, "exports")

    assert request is not None
    assert request.context["s3:x-amz-server-side-encryption"] == "AES256"
    assert "s3:x-amz-server-side-encryption-aws-kms-key-id" in request.known_absent
    assert "s3:x-amz-acl" in request.known_absent  # no fs.s3.canned.acl: no x-amz-acl header


def test_a_listing_carries_its_prefix_and_delimiter() -> None:
    # S3 condition keys: s3:prefix and s3:delimiter, ListObjectsV2's prefix and delimiter parameters.
    state = healthy_state()
    _bucket(state).region = None  # not read: aws:RequestedRegion is not known

    request = s3_request(
        state, _role(state), _call("ListObjectsV2", "output directory lookup"), _bucket(state), BUCKET, "exports"
    )

    assert request is not None
    assert request.resource == f"arn:aws:s3:::{BUCKET}"
    assert request.context["s3:prefix"] == "exports/"
    assert request.context["s3:delimiter"] == "/"
    assert "aws:RequestedRegion" not in request.context
    assert "aws:RequestedRegion" not in request.known_absent
    assert "s3:prefix" not in request.known_absent


def test_the_recursive_listing_of_job_commit_carries_no_delimiter() -> None:
    """
    S3 condition keys, s3:delimiter: ListObjects' ``delimiter`` parameter. The job commit deletes ``_temporary``
    recursively, which lists every key under it (no delimiter), as the stand-in's writer does; the listings of
    one level (getFileStatus, listStatus) send ``delimiter=/``.
    """
    state = healthy_state()

    listing = s3_request(state, _role(state), _call("ListObjectsV2", "job commit"), _bucket(state), BUCKET, "exports")

    assert listing is not None
    assert listing.context["s3:prefix"] == "exports/_temporary"
    assert "s3:delimiter" not in listing.context
    assert "s3:delimiter" in listing.known_absent


def test_the_keys_of_the_directory_itself_are_not_sent_for_the_bucket_root_but_its_listing_is() -> None:
    # No key of "the directory itself" exists for the bucket's root; listing the root one level deep does:
    # delimiter=/ and an empty prefix, which S3 may see as s3:prefix "" or absent (left unknown).
    state = healthy_state()
    assert (
        s3_request(state, _role(state), _call("HeadObject", "output directory lookup"), _bucket(state), BUCKET, "")
        is None
    )
    root = s3_request(state, _role(state), _call("ListObjectsV2", "read back"), _bucket(state), BUCKET, "")
    assert root is not None
    assert root.context["s3:delimiter"] == "/"
    assert "s3:prefix" not in root.context
    assert "s3:prefix" not in (root.known_absent or frozenset())
    listing = s3_request(state, _role(state), _call("ListObjectsV2", "job commit"), _bucket(state), BUCKET, "")
    assert listing is not None
    assert listing.context["s3:prefix"] == "_temporary"


def test_a_role_with_a_boundary_is_said_to_have_one() -> None:
    state = healthy_state()
    role = _role(state)
    role.boundary = ("boundary", document({"Effect": "Allow", "Action": "*", "Resource": "*"}))

    request = s3_request(state, role, _call("GetObject", "read back"), _bucket(state), BUCKET, "exports")

    assert request is not None
    assert request.has_boundary
    assert kms_request(state, role, "kms:Decrypt", KEY, "arn:aws:s3:::b/k").has_boundary


def test_the_kms_call_s3_makes_is_a_forward_access_session_through_s3_of_the_keys_region() -> None:
    state = healthy_state()
    state.region = "eu-west-1"  # the destination connection's Region is not the key's
    key = f"arn:aws:kms:ap-south-1:{THIRD_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    obj = f"arn:aws:s3:::{BUCKET}/exports/part-00000"

    request = kms_request(state, _role(state), "kms:GenerateDataKey", key, obj)

    assert request.action == "kms:GenerateDataKey"
    assert request.resource == key
    assert request.principal == ROLE
    assert dict(request.context) == {
        **PRINCIPAL,
        # KMS Developer Guide, kms:ViaService: "s3.<region>.amazonaws.com"; kms:CallerAccount: the account of
        # the caller (the role's, not the service's).
        "kms:ViaService": "s3.ap-south-1.amazonaws.com",
        "kms:CallerAccount": DESTINATION_ACCOUNT,
        # IAM User Guide: aws:ResourceAccount (the key's account), aws:RequestedRegion (the KMS endpoint
        # called: the key's Region), aws:ViaAWSService ("set to true whenever FAS requests are made").
        "aws:ResourceAccount": THIRD_ACCOUNT,
        "aws:RequestedRegion": "ap-south-1",
        "aws:ViaAWSService": "true",
        # S3 User Guide, SSE-KMS, "Encryption context": aws:s3:arn, the object's ARN.
        "kms:EncryptionContext:aws:s3:arn": obj,
        "kms:EncryptionContextKeys": ["aws:s3:arn"],
    }
    # The key named by its ARN: what S3 passes to KMS as the KeyId is not documented (test below), so not absent.
    assert "kms:RequestAlias" not in request.known_absent
    assert "kms:GrantOperations" in request.known_absent


@pytest.mark.parametrize(
    "configured",
    [
        "alias/partner-data",
        f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/partner-data",
        # An alias name may hold slashes (KMS API Reference, CreateAlias: AliasName "^alias/[a-zA-Z0-9/_-]+$").
        "alias/team/alias/data",
        KEY,
    ],
)
def test_s3s_kms_calls_are_not_known_to_carry_a_request_alias(configured: str) -> None:
    """
    AWS KMS Developer Guide, "AWS KMS condition keys", kms:RequestAlias: the condition holds when "the value of the
    KeyId parameter in the request" is a matching alias name or alias ARN. Which KeyId S3 sends to KMS for SSE-KMS,
    whatever the bucket's default names, no page says (review J38): no KMS call the chain judges carries the key (a
    kms:GenerateDataKey of an upload naming the key by alias did), and none has it absent.
    """
    state = healthy_state()
    _bucket(state).kms_key_id = configured

    report = check_chain(state)

    kms = [item for item in report.evaluated if item.action.startswith("kms:")]
    assert {item.action for item in kms} == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert not [item for item in kms if "kms:RequestAlias" in item.context]
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert "kms:RequestAlias" not in kms_request(state, _role(state), action, KEY, "arn:aws:s3:::b/k").known_absent


@pytest.mark.parametrize("effect", ["Allow", "Deny"])
def test_a_request_alias_condition_leaves_s3s_data_key_undetermined(effect: str) -> None:
    """
    A key policy statement on kms:RequestAlias decides S3's kms:GenerateDataKey neither way: the Allow needing the
    alias used to allow it (and the key link PASSed), the Deny of it to refuse it (and the key link FAILed).
    """
    state = healthy_state()
    role = _role(state)
    statement = {
        "Effect": effect,
        "Principal": {"AWS": ROLE},
        "Action": "kms:GenerateDataKey*",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:RequestAlias": "alias/partner-data"}},
    }
    allow = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"}
    key_policy = document(statement) if effect == "Allow" else document(allow, statement)

    decision = evaluate_access(
        kms_request(state, role, "kms:GenerateDataKey", KEY, f"arn:aws:s3:::{BUCKET}/exports/part-00000"),
        identity_policies=role.policies,
        resource_policies=[("key policy", key_policy)],
        resource_account=DESTINATION_ACCOUNT,
        resource_policy_required=True,
    )

    assert decision.undetermined, decision
    assert "kms:RequestAlias" in decision.unknown


def test_a_key_arn_without_a_region_falls_back_to_the_connections() -> None:
    state = healthy_state()
    state.region = "eu-west-1"

    request = kms_request(state, _role(state), "kms:Decrypt", "not-an-arn", "arn:aws:s3:::b/k")

    assert request.context["kms:ViaService"] == "s3.eu-west-1.amazonaws.com"
    assert request.context["aws:RequestedRegion"] == "eu-west-1"


def test_the_assume_role_carries_the_emr_roles_principal_keys() -> None:
    state = healthy_state()
    emr_role = _role(state, EMR_ROLE)

    request = assume_request(emr_role, _role(state))

    assert (request.action, request.resource, request.principal) == ("sts:AssumeRole", ROLE, EMR_ROLE)
    assert dict(request.context) == {
        **PRINCIPAL,
        "aws:PrincipalArn": EMR_ROLE,
        "aws:PrincipalAccount": EMR_ACCOUNT,
        # IAM User Guide: aws:ResourceAccount, the account of the role assumed.
        "aws:ResourceAccount": DESTINATION_ACCOUNT,
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
    }
    assert "sts:ExternalId" in request.known_absent
    assert not request.has_boundary


def test_the_last_setting_of_a_classification_wins() -> None:
    state = healthy_state()
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "Private"}},
        {"Classification": "core-site", "Properties": {"fs.s3.canned.acl": "PublicRead"}},
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "AuthenticatedRead"}},
        {"Classification": "emrfs-site"},
    ]

    assert site_property(state, "emrfs-site", "fs.s3.canned.acl") == "AuthenticatedRead"
    assert canned_acl(state, BUCKET) == "authenticated-read"
    state.cluster_configurations = None
    assert site_property(state, "emrfs-site", "fs.s3.canned.acl") is None


@pytest.mark.parametrize(
    ("setting", "header"),
    [
        # emrfs-site fs.s3.canned.acl takes the AWS SDK for Java's CannedAccessControlList names; the header is
        # the S3 canned ACL (S3 User Guide, "Access control list (ACL) overview", "Canned ACL").
        ("Private", "private"),
        ("PublicRead", "public-read"),
        ("PublicReadWrite", "public-read-write"),
        ("AuthenticatedRead", "authenticated-read"),
        ("LogDeliveryWrite", "log-delivery-write"),
        ("BucketOwnerRead", "bucket-owner-read"),
        ("BucketOwnerFullControl", "bucket-owner-full-control"),
        ("AwsExecRead", "aws-exec-read"),
    ],
)
def test_each_canned_acl_setting_sends_its_header(setting: str, header: str) -> None:
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": setting}}]

    request = s3_request(state, _role(state), _call("PutObject", "job commit"), _bucket(state), BUCKET, "exports")

    assert request is not None
    assert request.context["s3:x-amz-acl"] == header


@pytest.mark.parametrize(
    "setting",
    [
        "bucket-owner-full-control",  # the header's own spelling: whether EMRFS takes it AWS does not document
        "bucketownerfullcontrol",
        "BucketOwnerFullControl\u00a0",  # Python's strip() took the no-break space (was bucket-owner-full-control)
        " BucketOwnerFullControl",  # S3A reads fs.s3a.acl.default untrimmed (S3AFileSystem.initCannedAcls)
        "\u3000",
    ],
)
def test_a_canned_acl_setting_of_no_known_name_sends_no_known_header(setting: str) -> None:
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": setting}}]

    request = s3_request(state, _role(state), _call("PutObject", "job commit"), _bucket(state), BUCKET, "exports")

    assert request is not None
    assert "s3:x-amz-acl" not in request.context  # not known: a condition on it is not checked
    assert request.known_absent is not None
    assert "s3:x-amz-acl" not in request.known_absent
    assert "fs.s3.canned.acl" in unknown_canned_acl(state, BUCKET)
    assert repr(setting) in unknown_canned_acl(state, BUCKET)


def test_requested_encryption_tells_no_header_from_not_known() -> None:
    state = healthy_state()
    state.cluster_configurations = []  # read, nothing set: no header, the bucket's default applies
    assert requested_encryption(state, BUCKET) == (None, None)
    state.cluster_configurations = None  # the cluster was not read
    assert requested_encryption(state, BUCKET) is None


def test_uploads_asking_for_sse_kms_without_a_key_id_are_not_judged_on_the_bucket_key() -> None:
    # S3 API Reference, PutObject, x-amz-server-side-encryption-aws-kms-key-id: with aws:kms and no key id,
    # "Amazon S3 uses the AWS managed key (aws/s3) to protect the data", not the bucket's default key.
    state = with_at_rest_s3_encryption(healthy_state(), "SSE-KMS")

    link = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert link.status == UNKNOWN
    assert "aws/s3" in link.detail


def test_a_requested_key_whose_policy_cannot_be_read_is_not_checked_with_the_reason() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    state.key_policies[OTHER_KEY] = Unreadable("kms:GetKeyPolicy denied")

    link = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert link.status == UNKNOWN, link
    assert f"key policy of {OTHER_KEY}: kms:GetKeyPolicy denied" in link.detail


def test_a_requested_key_without_a_policy_read_back_fails_as_missing() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    del state.key_policies[OTHER_KEY]

    link = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert link.status == FAIL, link
    assert f"the key {OTHER_KEY} does not exist" in link.detail


def test_a_requested_key_without_a_state_read_is_judged_by_its_policy() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    del state.key_states[OTHER_KEY]

    assert by_name(check_chain(state))[f"use bucket key for {PREFIX}"].status == PASS


@pytest.mark.parametrize(
    ("key_state", "fix"),
    [
        # AWS KMS Developer Guide, "Key states of AWS KMS keys": only an Enabled key encrypts and decrypts;
        # AWS KMS API Reference, EnableKey (a Disabled key) and CancelKeyDeletion (then Disabled).
        ("Disabled", "enable the key (kms:EnableKey)"),
        ("PendingDeletion", "cancel the key's deletion (kms:CancelKeyDeletion; it is then Disabled), then enable it"),
        # Same page: imported key material deleted or expired (PendingImport); a custom key store disconnected
        # (Unavailable).
        ("PendingImport", "import the key's material again (kms:GetParametersForImport, kms:ImportKeyMaterial)"),
        ("Unavailable", "connect the key's custom key store (kms:ConnectCustomKeyStore)"),
        ("Creating", "the key must be Enabled to encrypt and decrypt"),
    ],
)
def test_a_key_not_enabled_fails_with_the_fix_for_its_state(key_state: str, fix: str) -> None:
    state = healthy_state()
    state.key_states[KEY] = key_state

    link = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert link.status == FAIL, link
    assert link.fix.startswith(fix)


@pytest.mark.parametrize(
    ("spec", "usage"),
    [("RSA_2048", "ENCRYPT_DECRYPT"), ("HMAC_256", "GENERATE_VERIFY_MAC"), ("ECC_NIST_P256", "SIGN_VERIFY")],
)
def test_a_bucket_key_s3_cannot_encrypt_with_fails_naming_its_kind(spec: str, usage: str) -> None:
    """
    "Amazon S3 only supports symmetric encryption KMS keys" (Amazon S3 API Reference, "Encryption"): whatever its
    policy allows, such a key fails, as GrantKmsKeyUserOperator refuses it (one judgement: pure/kms_keys.py).
    """
    state = healthy_state()
    state.key_kinds[KEY] = {"KeySpec": spec, "KeyUsage": usage}

    link = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert link.status == FAIL, link
    assert f"the key {KEY} has KeySpec {spec} and KeyUsage {usage}" in link.detail
    assert "SYMMETRIC_DEFAULT" in link.fix


def test_a_symmetric_encryption_bucket_key_is_judged_by_its_policy() -> None:
    state = healthy_state()
    state.key_kinds[KEY] = {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"}

    assert by_name(check_chain(state))[f"use bucket key for {PREFIX}"].status == PASS


def test_a_boundary_without_kms_fails_the_key_with_the_boundary_fix() -> None:
    # IAM User Guide, "Permissions boundaries for IAM entities": the effective permissions are the
    # intersection of the identity policies and the boundary (the key policy naming the role aside).
    state = healthy_state()
    state.key_policies[KEY] = document(ROOT_STATEMENT)  # the key trusts the account's IAM policies only
    _role(state).boundary = ("boundary", document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))

    link = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert link.status == FAIL, link
    assert link.fix == "the role's permissions boundary must allow the key"


def test_a_request_sent_as_a_role_that_could_not_be_read_leaves_its_step_not_checked() -> None:
    # With the mapping's trailing slash, EMRFS sends s3://b/exports (the directory's own key) as the EC2
    # instance profile role, which here could not be read.
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX))
    state.emr_role = Unreadable("iam:GetRole denied")

    link = by_name(check_chain(state))[f"output directory lookup {PREFIX}"]

    assert link.status == UNKNOWN, link
    assert "sent as the EMR EC2 role, which could not be read" in link.detail


@pytest.mark.parametrize(
    ("key_arn", "via_service"),
    [
        ("arn:aws:kms:us-east-1:222222222222:key/k", "s3.us-east-1.amazonaws.com"),
        ("arn:aws-us-gov:kms:us-gov-west-1:222222222222:key/k", "s3.us-gov-west-1.amazonaws.com"),
        ("arn:aws-cn:kms:cn-north-1:222222222222:key/k", None),
        ("arn:aws-iso:kms:us-iso-east-1:222222222222:key/k", None),
    ],
)
def test_kms_via_service_is_known_only_where_the_endpoint_suffix_is_amazonaws_com(
    key_arn: str, via_service: str | None
) -> None:
    """
    AWS KMS Developer Guide, "kms:ViaService": the value is the service's Regional endpoint name,
    ``SERVICE.REGION.amazonaws.com``; what S3 sends in partitions with another DNS suffix (aws-cn:
    ``amazonaws.com.cn``) is not documented, so a condition on it is not checked there.
    """
    partition = key_arn.split(":")[1]
    role = RoleState(f"arn:{partition}:iam::222222222222:role/partner-writer", None)
    state = healthy_state()
    state.region = key_arn.split(":")[3]

    request = kms_request(state, role, "kms:GenerateDataKey", key_arn, f"arn:{partition}:s3:::b/k")

    assert request.context.get("kms:ViaService") == via_service
    assert "kms:ViaService" not in (request.known_absent or frozenset())


@pytest.mark.parametrize(
    ("release", "classification", "setting"),
    [
        ("emr-6.15.0", "emrfs-site", "fs.s3.storageClass"),
        ("emr-7.10.0", "emrfs-site", "fs.s3.storageClass"),  # translated to S3A's
        ("emr-7.10.0", "core-site", "fs.s3a.create.storage.class"),
        ("emr-7.10.0", "core-site", f"fs.s3a.bucket.{BUCKET}.create.storage.class"),
        (None, "core-site", "fs.s3a.create.storage.class"),  # the release unknown: S3A may serve s3://
    ],
)
def test_an_upload_of_a_cluster_setting_a_storage_class_may_carry_it(
    release: str | None, classification: str, setting: str
) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping":
    ``fs.s3.storageClass`` (EMRFS) maps to ``fs.s3a.create.storage.class`` (S3A), the storage class of the objects
    they create, which an upload states in its ``x-amz-storage-class`` header (the ``s3:x-amz-storage-class``
    condition key: Service Authorization Reference, Amazon S3). A cluster setting one is not known to send no such
    header: a bucket policy denying uploads of a class must not pass as if the key were absent (it did). Without the
    setting, and on an UploadPart, the key stays known absent; with the cluster's settings unread it is not known.
    """
    deny = {
        "Sid": "DenyColdUploads",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:PutObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"s3:x-amz-storage-class": "GLACIER"}},
    }
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [{"Classification": classification, "Properties": {setting: "GLACIER"}}]
    _in_bucket_policy(deny)(state)

    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    part = s3_request(state, _role(state), _call("UploadPart"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert part is not None
    assert "s3:x-amz-storage-class" not in upload.known_absent
    assert "s3:x-amz-storage-class" in part.known_absent
    report = check_chain(state)
    assert report.verdict == VERDICT_NOT_CHECKED  # not a FAIL on a guessed value either
    # docs/limits.md: "a policy condition on `s3:x-amz-storage-class` is then \"not checked\"": the upload links.
    write = by_name(report)[f"write files {PREFIX}"]
    assert write.status == UNKNOWN, write
    assert "depends on condition StringEquals on s3:x-amz-storage-class" in write.detail

    state.cluster_configurations = [{"Classification": classification, "Properties": {}}]
    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert "s3:x-amz-storage-class" in upload.known_absent

    state.cluster_configurations = None
    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert "s3:x-amz-storage-class" not in upload.known_absent


@pytest.mark.parametrize(
    ("release", "classification", "setting"),
    [
        ("emr-6.15.0", "emrfs-site", "fs.s3n.ssl.enabled"),
        ("emr-7.10.0", "emrfs-site", "fs.s3n.ssl.enabled"),  # translated to S3A's
        ("emr-7.10.0", "core-site", "fs.s3a.connection.ssl.enabled"),
        ("emr-7.10.0", "core-site", f"fs.s3a.bucket.{BUCKET}.connection.ssl.enabled"),
    ],
)
def test_a_cluster_turning_tls_off_leaves_secure_transport_not_known(
    release: str, classification: str, setting: str
) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping":
    ``fs.s3n.ssl.enabled`` (EMRFS) maps to ``fs.s3a.connection.ssl.enabled`` (S3A), which "Enables or disables SSL
    connections to AWS services" (Apache Hadoop, core-default.xml). Set false, the requests may go over plain HTTP:
    ``aws:SecureTransport`` is not known, and the common bucket-policy Deny on it false is not checked rather than
    passed (it was, the key taken as "true"). Not set, or set true, the key stays "true".
    """
    deny_plain_http = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [{"Classification": classification, "Properties": {setting: " False "}}]
    _in_bucket_policy(deny_plain_http)(state)

    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert "aws:SecureTransport" not in upload.context
    links = by_name(check_chain(state))
    # The Deny on aws:SecureTransport is not checked (not a FAIL on a guessed "false" either); the one FAIL is S3's own
    # refusal of SSE-KMS objects over plain HTTP, the bucket's default being SSE-KMS (Amazon S3 API Reference,
    # PutObject: "All GET and PUT requests for an object protected by AWS KMS fail if they're not made via SSL").
    assert [name for name, link in links.items() if link.status == FAIL] == [f"use bucket key for {PREFIX}"]
    assert links[f"write files {PREFIX}"].status == UNKNOWN

    state.cluster_configurations = [{"Classification": classification, "Properties": {setting: "true"}}]
    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert upload.context["aws:SecureTransport"] == "true"
    not_checked = [link.link for link in check_chain(state).links if link.status == UNKNOWN]
    assert not_checked in ([], ["S3A's requests"])  # on 7.10.0, S3A's own requests are not checked (checks/release.py)


@pytest.mark.parametrize(
    ("release", "classification", "setting"),
    [
        ("emr-6.15.0", "emrfs-site", "fs.s3n.endpoint"),
        ("emr-7.10.0", "emrfs-site", "fs.s3n.endpoint"),  # translated to S3A's fs.s3a.endpoint
        ("emr-7.10.0", "core-site", f"fs.s3a.bucket.{BUCKET}.endpoint"),
    ],
)
def test_a_connector_pointed_at_an_s3_endpoint_of_its_own_leaves_the_requested_region_not_known(
    release: str, classification: str, setting: str
) -> None:
    """
    IAM User Guide, ``aws:RequestedRegion``: the Region the request is made to. The verifier takes it as the bucket's
    Region because the connector calls S3's Regional endpoint of the bucket; pointed at an S3 endpoint of its own
    (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": ``fs.s3n.endpoint`` maps to
    ``fs.s3a.endpoint``, per bucket too), the Region called is that endpoint's, which the verifier does not read: a
    bucket-policy Deny outside the bucket's Region is not checked rather than passed (it was).
    """
    deny_elsewhere = {
        "Sid": "DenyOtherRegions",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": _bucket(healthy_state()).region}},
    }
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [{"Classification": classification, "Properties": {}}]
    _in_bucket_policy(deny_elsewhere)(state)
    assert by_name(check_chain(state))[f"write files {PREFIX}"].status == PASS

    state.cluster_configurations = [
        {"Classification": classification, "Properties": {setting: "s3.ap-south-1.amazonaws.com"}}
    ]
    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert "aws:RequestedRegion" not in upload.context
    assert "aws:RequestedRegion" not in upload.known_absent
    link = by_name(check_chain(state))[f"write files {PREFIX}"]
    assert link.status == UNKNOWN, link
    assert "aws:RequestedRegion" in link.detail


@pytest.mark.parametrize(
    ("option", "value", "key", "header"),
    [
        ("canned.acl", "BucketOwnerFullControl", "s3:x-amz-acl", "bucket-owner-full-control"),
        ("storageClass", "STANDARD_IA", "s3:x-amz-storage-class", None),
    ],
)
def test_emrfs_bucket_level_settings_reach_s3a_for_their_bucket(
    option: str, value: str, key: str, header: str | None
) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": the mapping of EMRFS settings to S3A's
    "extends to bucket-level configurations" (its example: ``fs.s3.bucket.amzn-s3-demo-bucket1.serverSideEncryption.
    kms.keyId`` becomes ``fs.s3a.encryption.key`` "for the specified bucket"). So under S3A (7.10.0) an ``emrfs-site``
    ``fs.s3.bucket.BUCKET.<option>`` is that bucket's setting: read (it was ignored, the base setting, unset, read as
    no header). Another bucket's bucket-level setting changes nothing here.
    """
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {f"fs.s3.bucket.some-other-bucket.{option}": value}}
    ]
    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert key in upload.known_absent

    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {f"fs.s3.bucket.{BUCKET}.{option}": value}}
    ]
    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert key not in upload.known_absent
    if header is not None:
        assert upload.context[key] == header


@pytest.mark.parametrize(
    ("option", "value", "key"),
    [
        ("canned.acl", "PublicRead", "s3:x-amz-acl"),
        ("storageClass", "STANDARD_IA", "s3:x-amz-storage-class"),
    ],
)
def test_emrfs_bucket_level_settings_of_emrfs_itself_leave_their_key_not_known(
    option: str, value: str, key: str
) -> None:
    """
    AWS documents EMRFS's bucket-level form of the SSE-KMS key only (same guide); whether EMRFS itself (6.15.0, or
    7.10.0 keeping it) reads ``fs.s3.bucket.BUCKET.<option>`` of another option is not documented. So a bucket-level
    canned ACL or storage class leaves its condition key not known, rather than read as the base setting (unset:
    known absent, which passed a policy on it).
    """
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {f"fs.s3.bucket.{BUCKET}.{option}": value}}
    ]

    upload = s3_request(state, _role(state), _call("CreateMultipartUpload"), _bucket(state), BUCKET, "exports")
    assert upload is not None
    assert key not in upload.context
    assert key not in upload.known_absent


def test_an_emrfs_bucket_level_requester_pays_setting_is_read_for_s3a_and_left_unknown_for_emrfs() -> None:
    """
    The same guide's bucket-level mapping: under S3A, ``fs.s3.bucket.BUCKET.useRequesterPaysHeader=true`` is the
    bucket's ``x-amz-request-payer`` (it was read as the base setting, unset: no header). For EMRFS itself the
    bucket-level form is not documented: where it disagrees with the base setting the header is not known.
    """
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {f"fs.s3.bucket.{BUCKET}.useRequesterPaysHeader": "true"}}
    ]
    assert sends_requester_pays_header(state, BUCKET) is True
    assert sends_requester_pays_header(state, "some-other-bucket") is False

    state.release_label = "emr-6.15.0"
    unknown = sends_requester_pays_header(state, BUCKET)
    assert isinstance(unknown, str)
    assert f"fs.s3.bucket.{BUCKET}.useRequesterPaysHeader" in unknown
    assert sends_requester_pays_header(state, "some-other-bucket") is False


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
@pytest.mark.parametrize(
    ("site_file", "name"),
    [
        ("emrfs-site", "fs.s3.useRequesterPaysHeader"),
        ("emrfs-site", f"fs.s3.bucket.{BUCKET}.useRequesterPaysHeader"),
        ("core-site", "fs.s3a.requester.pays.enabled"),
    ],
)
def test_a_flag_neither_true_nor_false_is_not_known(release: str, site_file: str, name: str) -> None:
    """
    Hadoop's Configuration.getBoolean takes a trimmed "true"/"false" in any case and gives the caller's default for
    anything else, which AWS does not document for these settings: "yes" is not read as off (it was: no header).
    """
    from airflow_provider_emrfs_xacct.pure.checks.contexts import tls_turned_off

    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [{"Classification": site_file, "Properties": {name: "yes"}}]
    unknown = sends_requester_pays_header(state, BUCKET)
    if site_file == "core-site" and release == "emr-6.15.0":
        assert unknown is False  # EMRFS reads no fs.s3a.* setting
    else:
        assert isinstance(unknown, str)
        assert f"{name}='yes'" in unknown

    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": "no"}}]
    assert "fs.s3n.ssl.enabled" in tls_turned_off(state, BUCKET)  # TLS possibly off: aws:SecureTransport not known
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": " TRUE "}}]
    assert tls_turned_off(state, BUCKET) == ""


def test_s3as_own_base_setting_beside_an_emrfs_bucket_level_one_leaves_both_possible() -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": the mapping "extends to bucket-level
    configurations" and occurs "when S3A configurations are undefined"; whether S3A's defined base setting keeps
    EMRFS's bucket-level one from being translated is not documented: both values are possible (the base one alone
    was read).
    """
    from airflow_provider_emrfs_xacct.pure.checks.contexts import possible_canned_acls, upload_storage_class

    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.acl.default": "BucketOwnerFullControl"}},
        {"Classification": "emrfs-site", "Properties": {f"fs.s3.bucket.{BUCKET}.canned.acl": "PublicRead"}},
    ]
    assert set(possible_canned_acls(state, BUCKET)) == {"bucket-owner-full-control", "public-read"}
    assert possible_canned_acls(state, "some-other-bucket") == ("bucket-owner-full-control",)

    state.cluster_configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.create.storage.class": ""}},
        {"Classification": "emrfs-site", "Properties": {f"fs.s3.bucket.{BUCKET}.storageClass": "GLACIER"}},
    ]
    assert upload_storage_class(state, BUCKET) is True
    assert upload_storage_class(state, "some-other-bucket") is False


def test_s3as_own_requester_pays_beside_an_emrfs_bucket_level_one_is_not_known() -> None:
    """The same undocumented precedence: S3A's base ``false`` and EMRFS's bucket-level ``true`` (was: no header)."""
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.requester.pays.enabled": "false"}},
        {"Classification": "emrfs-site", "Properties": {f"fs.s3.bucket.{BUCKET}.useRequesterPaysHeader": "true"}},
    ]
    unknown = sends_requester_pays_header(state, BUCKET)
    assert isinstance(unknown, str)
    assert "not documented" in unknown
    assert sends_requester_pays_header(state, "some-other-bucket") is False


@pytest.mark.parametrize("space", ["\u00a0", "\u2003", "\u3000", "\x85"])
def test_a_flag_padded_with_what_java_does_not_trim_is_not_known(space: str) -> None:
    """
    Hadoop's Configuration.getTrimmed is Java's String.trim, which removes only characters up to U+0020 (Java SE API,
    String.trim): "true" followed by a no-break or ideographic space is no "true" to getBoolean, which then gives the
    caller's default. Python's str.strip also removes those, so it was read as true (the header taken as sent).
    """
    from airflow_provider_emrfs_xacct.pure.checks.contexts import hadoop_boolean, tls_turned_off

    assert hadoop_boolean(f"true{space}") is None
    assert hadoop_boolean(f"{space}FALSE") is None
    assert hadoop_boolean("\x00\x1f true \t\r\n") is True  # Java trims every control character too

    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.useRequesterPaysHeader": f"true{space}"}}
    ]
    unknown = sends_requester_pays_header(state, BUCKET)
    assert isinstance(unknown, str)
    assert "fs.s3.useRequesterPaysHeader" in unknown

    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": f"true{space}"}}
    ]
    assert "fs.s3n.ssl.enabled" in tls_turned_off(state, BUCKET)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (None, False),
        ("com.amazon.ws.emr.hadoop.fs.EmrFileSystem", True),
        ("\t com.amazon.ws.emr.hadoop.fs.EmrFileSystem\r\n", True),  # Java's trim: every character up to U+0020
        ("org.apache.hadoop.fs.s3a.S3AFileSystem", False),
        ("com.amazon.ws.emr.hadoop.fs.EmrFileSystem\u00a0", None),  # Java keeps U+00A0: no class of that name loads
        ("\u3000com.amazon.ws.emr.hadoop.fs.EmrFileSystem", None),
        ("", None),  # getTrimmed gives "", which getClassByName cannot load
    ],
)
def test_fs_s3_impl_is_read_three_ways_as_hadoop_loads_it(value: str | None, kept: bool | None) -> None:
    """
    Hadoop's FileSystem.getFileSystemClass reads fs.s3.impl with Configuration.getClass: getTrimmed (Java's
    String.trim), then getClassByName, which throws for no such class. Python's strip read a padded EMRFS name as
    EMRFS kept (True); it is not known (None): every reader then takes either connector as possible.
    """
    from airflow_provider_emrfs_xacct.pure.checks.contexts import keeps_emrfs, s3a_may_serve_s3, serves_s3_with_s3a

    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = (
        [] if value is None else [{"Classification": "core-site", "Properties": {"fs.s3.impl": value}}]
    )
    assert keeps_emrfs(state) is kept
    assert serves_s3_with_s3a(state) is (kept is False)
    assert s3a_may_serve_s3(state) is (kept is not True)
