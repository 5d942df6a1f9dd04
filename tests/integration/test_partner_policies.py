"""
Partners' guard rails: the bucket, key and boundary policies real partners' accounts carry, set up in the stand-in's
destination account, judged by the verifier and replayed by the EMRFS-like writer (whose judge, devstack/aws_judge.py,
shares no code with the verifier), each against what AWS documents.

The rule every case rests on (IAM User Guide, "IAM JSON policy elements: Condition operators"): "If the key that you
specify in a policy condition is not present in the request context, the values do not match and the condition is
false. If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the right
key is not present, the condition is true. This logic applies to all condition operators except ...IfExists and Null
check." So a ``Deny`` with ``StringNotEquals`` on a header the upload does not send applies, whatever the bucket's
default encryption. UploadPart carries no encryption or ACL header (S3 API Reference, UploadPart, whose request takes
neither ``x-amz-server-side-encryption``, its key id nor ``x-amz-acl``: botocore's S3 model has no such member; S3 User Guide, "Enforce conditional writes on Amazon S3 buckets" says of headers UploadPart does not
accept that a bucket policy must exempt it with ``s3:ObjectCreationOperation``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.aws_network import endpoints_on_the_way
from devstack.emrfs_writer import WriteResult, put_like_emrfs, write_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, REGION, Seeded, client
from devstack.testing import launch_cluster, run_operator
from tests.integration.partners import (
    create_security_configuration,
    deny_outside_regions,
    ensure_destination_role,
    mapping,
    provision_partner,
    set_permissions_boundary,
)
from tests.integration.test_network_facts import add_s3_gateway_endpoint, private_subnet
from tests.integration.test_verify import KMS, PREFIX, ROLE_NAME, WRITE, provider_key_statement, verifier

BUCKET_ARN = "arn:aws:s3:::partner-results-b"


def guard(aws: Seeded, sid: str, action: str, condition: dict[str, Any]) -> None:
    """Put a bucket policy of one ``Deny`` to everyone, as partners write their guard rails."""
    statement = {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
        "Condition": condition,
    }
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def chain(aws: Seeded, **role: Any) -> str:
    """A partner provisioned by the provider's operators (``role``: more of EnsureDestinationRoleOperator's arguments)."""
    provision_partner(aws, ROLE_NAME, PREFIX)
    if role:
        ensure_destination_role(aws, ROLE_NAME, PREFIX, **role)
    return create_security_configuration([mapping(ROLE_NAME, PREFIX)])


def judged(aws: Seeded, configuration: str, emrfs_site: dict[str, str] | None) -> tuple[dict[str, Any], WriteResult]:
    """The verifier's report and the writer's write, on a cluster with ``emrfs_site`` (``None``: no cluster)."""
    cluster_id = None
    if emrfs_site is not None:
        cluster_id = launch_cluster(
            aws, configuration, Configurations=[{"Classification": "emrfs-site", "Properties": emrfs_site}]
        )
    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))
    written = write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=PREFIX,
        files=1,
        cluster_id=cluster_id,
    )
    return report, written


def show(report: dict[str, Any], written: WriteResult) -> str:
    links = [json.dumps(item) for item in report["links"] if item["status"] != "pass"]
    return "\n".join([report["verdict"], *links, written.summary()])


def link(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in report["links"] if item["link"] == name)


MKDIRS, COMMIT = f"mkdirs {PREFIX}", f"job commit {PREFIX}"
UPLOAD_LINKS = (MKDIRS, WRITE, COMMIT)


def refused_by_the_judge(written: WriteResult) -> Any:
    """The write's first refused request, which the stand-in's judge refused (not moto, not a 400)."""
    refused = written.first_failure
    assert refused is not None, written.summary()
    assert refused.status == 403, written.summary()
    assert refused.reason.startswith("denied:"), written.summary()
    return refused


# 1. Encryption guard rails on the uploads' headers -------------------------------------------------------------------

#: Deny unless the upload asks for SSE-KMS, or for the partner's key (``KEY`` stands for its ARN), in the forms partners
#: write; each holds (so the Deny applies) on an upload without the header: negated operators and ``...IfExists`` are
#: true on a missing key, ``Null`` ``true`` tests that it is missing ("IAM JSON policy elements: Condition operators").
ENCRYPTION_GUARDS = {
    "sse-not-kms": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    "sse-missing": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
    "key-not-partners": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "KEY"}},
    "key-not-partners-if-exists": {
        "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "KEY"}
    },
}


def _with_key(value: Any, key_arn: str) -> Any:
    return json.loads(json.dumps(value).replace('"KEY"', json.dumps(key_arn)))


@pytest.mark.parametrize("guard_name", sorted(ENCRYPTION_GUARDS))
def test_an_encryption_guard_denies_uploads_that_rely_on_the_buckets_default_encryption(
    aws: Seeded, guard_name: str
) -> None:
    """
    EMRFS without encryption settings sends no x-amz-server-side-encryption header and S3 applies the bucket's default
    (SSE-KMS with the partner's key here), but the bucket policy is evaluated on the request, which does not carry the
    header: the Deny applies (a missing key makes a negated condition true). The verifier fails the upload links naming
    the statement, as the judge refuses the first upload; without the cluster's settings the header is not known: not
    checked, never PASS (UploadPart never carries it: that link fails either way).
    """
    configuration = chain(aws)
    guard(aws, "RequireKms", "s3:PutObject", _with_key(ENCRYPTION_GUARDS[guard_name], aws.kms_key_arn))

    report, written = judged(aws, configuration, {})
    header = next(iter(next(iter(ENCRYPTION_GUARDS[guard_name].values()))))
    for name in UPLOAD_LINKS:
        assert link(report, name)["status"] == "fail", show(report, written)
        assert link(report, name)["statement"] == "bucket policy: Sid RequireKms"
        # The detail says why the guard holds: the request does not carry the header it tests.
        assert f"holds: the request carries no {header}" in link(report, name)["detail"]
    assert "bucket policy denies it" in refused_by_the_judge(written).reason

    unknown, _ = judged(aws, configuration, None)
    assert link(unknown, MKDIRS)["status"] == "not checked", show(unknown, written)
    assert "s3:x-amz-server-side-encryption" in link(unknown, MKDIRS)["detail"]
    assert link(unknown, WRITE)["status"] == "fail"  # UploadPart: no header whatever the cluster
    assert "UploadPart" in link(unknown, WRITE)["detail"]


def test_uploads_asking_for_the_partners_key_pass_the_guard_but_upload_part_carries_no_header(aws: Seeded) -> None:
    """
    With emrfs-site asking for SSE-KMS with the partner's key, PutObject and CreateMultipartUpload carry both headers and
    the guard lets them by; UploadPart carries neither (S3 API Reference, UploadPart: no such request header), so the
    Deny applies to it (boto/botocore#471, aws/aws-cli#4251; S3 User Guide, "Enforce conditional writes on Amazon S3
    buckets": headers UploadPart does not accept must be exempted with s3:ObjectCreationOperation). The writer used to
    be refused by moto at the first upload (moto reads every Condition as holding: devstack/aws_policy_principals.py),
    not by its judge at UploadPart.
    """
    configuration = chain(aws)
    guard(aws, "RequireKey", "s3:PutObject", _with_key(ENCRYPTION_GUARDS["key-not-partners"], aws.kms_key_arn))
    site = {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": aws.kms_key_arn}

    report, written = judged(aws, configuration, site)

    assert link(report, MKDIRS)["status"] == "pass", show(report, written)
    assert link(report, COMMIT)["status"] == "pass"
    assert link(report, WRITE)["status"] == "fail"
    assert "UploadPart" in link(report, WRITE)["detail"]
    assert link(report, WRITE)["statement"] == "bucket policy: Sid RequireKey"
    assert "the request carries no s3:x-amz-server-side-encryption-aws-kms-key-id" in link(report, WRITE)["detail"]
    refused = refused_by_the_judge(written)
    assert refused.operation == "UploadPart", written.summary()
    assert "bucket policy denies it" in refused.reason


# 2. Transport and network guard rails -------------------------------------------------------------------------------


@pytest.mark.parametrize("operator", ["Bool", "BoolIfExists"])
def test_a_tls_guard_lets_emrfs_https_requests_by(aws: Seeded, operator: str) -> None:
    """
    Deny unless aws:SecureTransport: every request EMRFS sends goes over HTTPS, and aws:SecureTransport is in the
    context of every request (IAM User Guide, "AWS global condition context keys"): false, so the Deny does not apply.
    The verifier passes and the writer writes (moto refused every request under such a Deny: it reads a Condition as
    holding). With TLS turned off on the cluster (emrfs-site fs.s3n.ssl.enabled=false) the key is not known to the
    verifier: the steps are not checked; the judge takes it as false and refuses. The partner's bucket is SSE-KMS, so
    S3 refuses its objects over plain HTTP whatever the policies (S3 API Reference, PutObject): the key link fails.
    """
    configuration = chain(aws)
    guard(aws, "TlsOnly", "s3:*", {operator: {"aws:SecureTransport": "false"}})

    report, written = judged(aws, configuration, {})
    assert report["verdict"] == "PASS", show(report, written)
    assert written.success, written.summary()

    plain, refused = judged(aws, configuration, {"fs.s3n.ssl.enabled": "false"})
    assert plain["verdict"] == "FAIL", show(plain, refused)
    assert [item["link"] for item in plain["links"] if item["status"] == "fail"] == [KMS]
    assert next(item for item in plain["links"] if item["link"] == WRITE)["status"] == "not checked"
    assert "bucket policy denies it" in refused_by_the_judge(refused).reason


@pytest.mark.parametrize(
    ("key", "value"), [("aws:SourceVpce", "vpce-0partner00000000"), ("aws:SourceVpc", "vpc-0partner0000")]
)
def test_a_guard_on_the_partners_own_vpc_is_not_checked_and_names_the_statement(
    aws: Seeded, key: str, value: str
) -> None:
    """
    Deny unless the request comes through the partner's own VPC endpoint or VPC. The key is in the context only of a
    request through a VPC endpoint ("AWS global condition context keys"), and which endpoint the cluster's requests
    pass (another account's VPC, or one the partner shares with it) is not read from the policy: the verifier says
    "not checked", naming the statement and the key, never PASS. The stand-in's writer, outside any VPC endpoint,
    sends no such key, and its judge refuses as AWS refuses a request outside the partner's VPC.
    """
    configuration = chain(aws)
    guard(aws, "PartnerNetworkOnly", "s3:*", {"StringNotEquals": {key: value}})

    report, written = judged(aws, configuration, {})

    assert report["verdict"] == "NOT_CHECKED", show(report, written)
    unsettled = [item for item in report["links"] if item["status"] == "not checked" and item["link"].endswith(PREFIX)]
    assert unsettled, show(report, written)  # else the naming below would hold of no link
    for item in unsettled:
        assert item["statement"] == "bucket policy: Sid PartnerNetworkOnly"
        assert key in item["detail"]
    assert "bucket policy denies it" in refused_by_the_judge(written).reason


@pytest.mark.parametrize("named", ["its-endpoint", "its-vpc", "another-endpoint"])
def test_the_stand_ins_write_through_an_s3_gateway_endpoint_carries_its_id_and_vpc(aws: Seeded, named: str) -> None:
    """
    A request through a VPC endpoint carries aws:SourceVpce and aws:SourceVpc, one over the internet neither (IAM User
    Guide, "Use VPC condition keys to control federated access", "VPC condition key availability by network path").
    The probe's write from a subnet whose S3 traffic takes a gateway endpoint passes a guard naming that endpoint or its
    VPC (the judge used to see neither key and refuse it), and is refused by one naming another endpoint. The verifier
    does not read the way against the policy: "not checked" (above).
    """
    configuration = chain(aws)
    ec2 = client(aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.9")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    [endpoint] = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    key, value = {
        "its-endpoint": ("aws:SourceVpce", endpoint["VpcEndpointId"]),
        "its-vpc": ("aws:SourceVpc", vpc),
        "another-endpoint": ("aws:SourceVpce", "vpce-0another000000000"),
    }[named]
    guard(aws, "ThroughOurNetwork", "s3:*", {"StringNotEquals": {key: value}})

    written = put_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        uri=f"{PREFIX}probe",
        body=b"probe\n",
        endpoints=endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, aws.bucket, "emr-6.15.0", {}),
    )

    if named == "another-endpoint":
        assert "bucket policy denies it" in refused_by_the_judge(written).reason
    else:
        assert written.success, written.summary()


# 3. The classic cross-account ACL rule, with the partner's own role writing -------------------------------------------


def test_a_bucket_owner_full_control_guard_refuses_upload_part_even_when_uploads_carry_the_acl(aws: Seeded) -> None:
    """
    Deny s3:PutObject unless x-amz-acl is bucket-owner-full-control. Without a canned ACL the first upload is refused;
    with emrfs-site fs.s3.canned.acl=BucketOwnerFullControl (and s3:PutObjectAcl granted, object_acl=True) the uploads
    carrying it pass, but UploadPart carries no x-amz-acl (aws/aws-cli#1674: S3 refuses it under such a policy): the
    write files link fails naming the statement, and the judge refuses UploadPart (moto refused the first upload).
    """
    configuration = chain(aws, object_acl=True)
    guard(aws, "OwnerFullControl", "s3:PutObject", {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}})

    report, written = judged(aws, configuration, {})
    assert link(report, MKDIRS)["status"] == "fail", show(report, written)
    assert refused_by_the_judge(written).operation == "PutObject"

    report, written = judged(aws, configuration, {"fs.s3.canned.acl": "BucketOwnerFullControl"})
    assert link(report, MKDIRS)["status"] == "pass", show(report, written)
    assert link(report, WRITE)["status"] == "fail"
    assert link(report, WRITE)["statement"] == "bucket policy: Sid OwnerFullControl"
    assert refused_by_the_judge(written).operation == "UploadPart", written.summary()


# 4. Key policy conditions on S3's KMS calls ---------------------------------------------------------------------------


def pin_key_users(aws: Seeded, condition: dict[str, Any], *, bucket_key: bool) -> None:
    """
    Put ``condition`` on the provider's key-users statement (no root statement delegating to IAM: the provider's
    connection is named instead, :func:`provider_key_statement`) and the Bucket Key.
    """
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    current = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    statements = [item for item in current["Statement"] if item.get("Sid") != "Enable IAM User Permissions"]
    statements.append(provider_key_statement(aws))
    for statement in statements:
        if statement.get("Sid") == "EmrfsXacctKeyUsers":
            statement["Condition"] = condition
    kms.put_key_policy(
        KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps({**current, "Statement": statements})
    )
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": aws.kms_key_arn}
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket_key}]
        },
    )


VIA_S3 = {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": DESTINATION_ACCOUNT}


@pytest.mark.parametrize(
    ("condition", "bucket_key", "allowed", "sent"),
    [
        # AWS KMS Developer Guide, "kms:ViaService": S3 calls KMS as s3.<Region>.amazonaws.com; "kms:CallerAccount".
        ({"StringEquals": VIA_S3}, True, True, ""),
        (
            {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
            True,
            False,
            "kms:ViaService=s3.us-east-1",
        ),
        # S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys": with a Bucket Key the encryption
        # context is the bucket's ARN, not the object's: a statement pinned to object ARNs under the prefix no longer
        # holds; without one it holds for every key EMRFS writes (exports_$folder$ included, not with "exports/*").
        ({"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{BUCKET_ARN}/exports*"}}, True, False, f"={BUCKET_ARN}"),
        ({"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{BUCKET_ARN}/exports*"}}, False, True, ""),
        (
            {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{BUCKET_ARN}/exports/*"}},
            False,
            False,
            "exports_$folder$",
        ),
        ({"StringEquals": {"kms:EncryptionContext:aws:s3:arn": BUCKET_ARN}}, True, True, ""),
    ],
    ids=[
        "via-s3-caller-account",
        "via-another-region",
        "objects-with-bucket-key",
        "objects",
        "objects-under-slash",
        "bucket",
    ],
)
def test_a_key_policy_condition_is_judged_on_what_s3_sends_and_a_refusal_names_the_statement(
    aws: Seeded, condition: dict[str, Any], bucket_key: bool, allowed: bool, sent: str
) -> None:
    """
    The key users' statement with a partner's conditions: the verifier and the writer agree, and a refusal names the
    statement whose Condition S3's call does not meet, with the value S3 sends. It used to say "not allowed by any
    statement" with "GrantKmsKeyUserOperator" as the fix, which changes nothing: the role is already in the statement.
    """
    configuration = chain(aws)
    pin_key_users(aws, condition, bucket_key=bucket_key)

    report, written = judged(aws, configuration, {})

    key = link(report, KMS)
    assert key["status"] == ("pass" if allowed else "fail"), show(report, written)
    assert written.success is allowed, written.summary()
    if not allowed:
        assert key["statement"] == "key policy: Sid EmrfsXacctKeyUsers (Condition not met)"
        assert sent in key["detail"]
        assert "GrantKmsKeyUserOperator" not in key["fix"]
        assert "Condition" in key["fix"]
        assert "kms:" in refused_by_the_judge(written).reason


# 5. A permissions boundary that leaves out what the write needs ------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed_actions", "links"),
    [
        (
            "s3:GetObject s3:ListBucket s3:DeleteObject s3:AbortMultipartUpload s3:ListBucketMultipartUploads "
            "s3:ListMultipartUploadParts kms:*",
            UPLOAD_LINKS,
        ),
        ("s3:* kms:Decrypt kms:DescribeKey", (KMS,)),
    ],
    ids=["no-put-object", "no-generate-data-key"],
)
def test_a_boundary_without_what_the_write_needs_fails_it_as_aws_refuses_it(
    aws: Seeded, allowed_actions: str, links: tuple[str, ...]
) -> None:
    """
    A permissions boundary caps the identity policies and a key policy grant naming the role's ARN alike (IAM User
    Guide, "Permissions boundaries for IAM entities"; "How AWS enforcement code logic evaluates requests"): without
    s3:PutObject the uploads fail, without kms:GenerateDataKey the key link; the fix names the boundary.
    """
    configuration = chain(aws)
    set_permissions_boundary(aws, ROLE_NAME, "partner-guard-rails", allowed_actions.split())

    report, written = judged(aws, configuration, {})

    for name in links:
        assert link(report, name)["status"] == "fail", show(report, written)
        assert "boundary" in link(report, name)["fix"]
    assert "boundary" in refused_by_the_judge(written).reason


# 6. Keys AWS always sends, and the writer's own session named in a policy ----------------------------------------------


def write(aws: Seeded, configuration: str) -> WriteResult:
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=PREFIX,
        files=1,
    )


def test_a_network_perimeter_for_direct_calls_refuses_the_write_outside_the_partners_endpoint(aws: Seeded) -> None:
    """
    The partner's perimeter: Deny s3:* unless through its own VPC endpoint, for calls the principal makes directly.
    IAM User Guide, "AWS global condition context keys": ``aws:ViaAWSService`` "returns false when the principal makes
    the call directly" (and is "always included in the request context for most services"); ``aws:SourceVpce`` is
    present only through a VPC endpoint. The writer's requests go over the internet, so the Deny applies; the judge
    sent no ``aws:ViaAWSService``, the ``Bool`` did not hold and the write went through (a false ALLOW).
    """
    configuration = chain(aws)
    guard(
        aws,
        "NetworkPerimeter",
        "s3:*",
        {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-0partner0000000"}, "Bool": {"aws:ViaAWSService": "false"}},
    )

    written = write(aws, configuration)

    assert not written.success, written.summary()
    assert refused_by_the_judge(written).operation == "HeadObject"


@pytest.mark.parametrize(("approved", "allowed"), [(REGION, True), ("eu-west-1", False)])
def test_a_region_guard_on_the_destination_role_lets_the_write_to_its_buckets_region_by(
    aws: Seeded, approved: str, allowed: bool
) -> None:
    """
    IAM User Guide, "AWS global condition context keys", ``aws:RequestedRegion``: "always included in the request
    context"; the guard is the page's "Denies access to AWS based on the requested Region" (NotAction iam:*, sts:*).
    The bucket and key are in ``REGION``: approving it lets the write by, approving another refuses it. Without the key
    the guard's ``StringNotEquals`` held for every request and refused the write AWS allows (a false DENY).
    """
    configuration = chain(aws)
    client(aws.url, DESTINATION_ACCOUNT, "iam").put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="approved-regions",
        PolicyDocument=deny_outside_regions(approved),
    )

    written = write(aws, configuration)

    assert written.success is allowed, written.summary()
    if not allowed:
        refused_by_the_judge(written)


@pytest.mark.parametrize(("keys", "allowed"), [("aws:s3:arn", True), ("Department", False)])
def test_a_key_users_statement_limited_to_s3s_encryption_context_keys(aws: Seeded, keys: str, allowed: bool) -> None:
    """
    AWS KMS Developer Guide, "kms:EncryptionContextKeys": the keys of the call's encryption context, S3's being
    ``aws:s3:arn`` (S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)"). A key users' statement
    limited to it lets S3's calls by; the judge sent no ``kms:EncryptionContextKeys`` and refused them.
    """
    configuration = chain(aws)
    pin_key_users(aws, {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": keys}}, bucket_key=False)

    written = write(aws, configuration)

    assert written.success is allowed, written.summary()
    if not allowed:
        assert "kms:" in refused_by_the_judge(written).reason


@pytest.mark.parametrize(
    ("role", "session", "known"),
    [(ROLE_NAME, "emrfs", False), (ROLE_NAME, "nightly", False), ("other-role", "emrfs", True)],
)
def test_a_key_policy_deny_naming_a_session_of_the_writers_role_leaves_the_write_unknown(
    aws: Seeded, role: str, session: str, known: bool
) -> None:
    """
    AWS STS API Reference, AssumeRole, ``AssumedRoleUser``: "you can reference these credentials as a principal in a
    resource-based policy by using the ARN or assumed role ID". Which session name EMRFS's AssumeRole asks for is not
    documented (IAM User Guide, "Available keys for AWS STS" documents the key, not EMRFS's value), so a key policy Deny
    naming a session of the writer's role, whatever the name, leaves its KMS calls unknown, the writes before them
    sent; one naming a session of another role does not reach it. The judge took ``emrfs`` for the name and was certain.
    """
    configuration = chain(aws)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    current = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    current["Statement"].append(
        {
            "Sid": "DenyThatSession",
            "Effect": "Deny",
            "Principal": {"AWS": f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/{role}/{session}"},
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": "*",
        }
    )
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(current))

    written = write(aws, configuration)

    assert written.success is known, written.summary()
    if not known:
        assert "depends on a role session's name" in written.unknown, written.summary()
        assert written.unknown.startswith("PutObject of "), written.unknown
        assert "denies it explicitly" in written.unknown
        assert written.first_failure is None, written.summary()
        assert "PutObject" not in [record.operation for record in written.requests]


@pytest.mark.parametrize(
    ("condition", "known"),
    [
        ({"StringEquals": {"sts:RoleSessionName": "emrfs"}}, False),
        ({"StringEquals": {"sts:RoleSessionName": "someone-else"}}, False),
        ({"StringLike": {"sts:RoleSessionName": "*"}}, True),
    ],
)
def test_a_trust_policy_pinning_the_session_name_leaves_the_write_unknown(
    aws: Seeded, condition: dict[str, Any], known: bool
) -> None:
    """
    The writer's AssumeRole carries ``sts:RoleSessionName`` (IAM User Guide, "Available keys for AWS STS"; Service
    Authorization Reference, AWS STS, AssumeRole), but the name EMRFS asks for is not documented (the page documents
    the key, not EMRFS's value). A trust statement pinned to one name leaves the write unknown, nothing sent; one every
    name meets lets it by. The judge took ``emrfs`` for EMRFS's name, and so let a trust pinned to ``emrfs`` by and
    refused one pinned to another name, both as if known.
    """
    configuration = chain(aws)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
    for statement in statements:
        statement["Condition"] = condition
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps({**trust, "Statement": statements}))

    written = write(aws, configuration)

    assert written.success is known, written.summary()
    if not known:
        assert written.unknown.startswith("AssumeRole of "), written.unknown
        assert "depends on a role session's name" in written.unknown
        assert written.requests == [], written.summary()
