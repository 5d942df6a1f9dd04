"""
The stand-in writer's judge (``devstack/emrfs_writer.py`` with ``devstack/aws_judge.py``) on a bucket of another
Region than the cluster's, on role mappings the Amazon EMR Management Guide does not document, on the role sessions'
names, and on a bucket default that names its key by alias, each against what AWS documents.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.emrfs_writer import WriteResult, write_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, REGION, Seeded, client
from tests.integration.partners import deny_outside_regions, mapping, provision_partner, role_arn

ROLE_NAME = "partner-b-writer"
ELSEWHERE = "eu-west-1"
INSTANCE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"


def configuration_of(aws: Seeded, name: str, mappings: list[dict[str, Any]]) -> str:
    """A security configuration of ``mappings`` as given (EMR stores any document), made in the EMR account."""
    document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": mappings}}}
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=name, SecurityConfiguration=json.dumps(document)
    )
    return name


def write(aws: Seeded, output_uri: str, configuration: str | None, **kwargs: Any) -> WriteResult:
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=output_uri,
        files=1,
        **kwargs,
    )


# 1. A bucket of another Region than the cluster's ------------------------------------------------------------------


@pytest.mark.parametrize(("approved", "written"), [(ELSEWHERE, True), (REGION, False)])
def test_a_region_guard_is_judged_on_the_buckets_region_not_the_clusters(
    aws: Seeded, approved: str, written: bool
) -> None:
    """
    IAM User Guide, "AWS global condition context keys": ``aws:RequestedRegion``, "always included in the request
    context", is the Region the request calls; S3 serves a bucket from its own Region (Amazon S3 User Guide, "Virtual
    hosting of general purpose buckets": a request to another Region's endpoint is redirected or refused). The guard
    is "AWS: Denies access to AWS based on the requested Region" (NotAction IAM and STS). The cluster is in us-east-1,
    the bucket in eu-west-1: approving eu-west-1 lets the write by, approving us-east-1 refuses it. The judge took the
    cluster's Region for the bucket's, and decided both the other way.
    """
    bucket = f"{aws.bucket}-{ELSEWHERE}"
    client(aws.url, DESTINATION_ACCOUNT, "s3", ELSEWHERE).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": ELSEWHERE}
    )
    prefix = f"s3://{bucket}/exports/"
    provision_partner(aws, ROLE_NAME, prefix)
    name = configuration_of(aws, "regions", [mapping(ROLE_NAME, prefix.rstrip("/"))])
    client(aws.url, DESTINATION_ACCOUNT, "iam").put_role_policy(
        RoleName=ROLE_NAME, PolicyName="approved-regions", PolicyDocument=deny_outside_regions(approved)
    )

    result = write(aws, prefix, name)

    assert result.success is written, result.summary()
    assert result.roles_used == {role_arn(ROLE_NAME)}
    if not written:
        refused = result.first_failure
        assert refused is not None
        assert (refused.operation, refused.status) == ("HeadObject", 403), result.summary()
        assert "identity policies do not allow it" in refused.reason


# 2. Role mappings of another form than the guide shows --------------------------------------------------------------


@pytest.mark.parametrize("earlier", ["S3://partner-results-b/", "s3a://partner-results-b/"])
def test_an_earlier_prefix_of_another_form_leaves_the_write_unknown_nothing_sent(aws: Seeded, earlier: str) -> None:
    """
    Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3": a ``Prefix`` is a "bucket
    specifier" ``s3://bucket[/prefix]``. ``S3://`` or ``s3a://`` before the partner's mapping may or may not take its
    requests, undocumented: the write is unknown and nothing is sent. The router matched plain strings, passed them
    over and wrote as the partner's role.
    """
    prefix = f"s3://{aws.bucket}/exports/"
    provision_partner(aws, ROLE_NAME, prefix)
    mappings = [
        {"Role": INSTANCE_ARN, "IdentifierType": "Prefix", "Identifiers": [earlier]},
        mapping(ROLE_NAME, prefix.rstrip("/")),
    ]
    name = configuration_of(aws, "other-forms", mappings)

    result = write(aws, prefix, name)

    assert not result.success
    assert "s3://bucket[/prefix]" in result.unknown, result.unknown
    assert result.requests == [], result.summary()


# 3. Role session names ----------------------------------------------------------------------------------------------


def own_bucket(aws: Seeded, statements: list[dict[str, Any]]) -> str:
    """A bucket of the EMR account the instance profile writes (no mapping), with a bucket policy of ``statements``."""
    bucket = "emr-results-a"
    s3 = client(aws.url, EMR_ACCOUNT, "s3")
    s3.create_bucket(Bucket=bucket)
    if statements:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    access = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}
        ],
    }
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="own-results", PolicyDocument=json.dumps(access)
    )
    return bucket


def deny(bucket: str, **element: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*", **element}


@pytest.mark.parametrize(
    ("session", "known"),
    [("i-0123456789abcdef0", False), ("i-0fedcba987654321f", False), ("emr-instance-profile", True)],
)
def test_a_deny_naming_a_session_of_the_instance_profile_is_unknown_unless_no_instance_id(
    aws: Seeded, session: str, known: bool
) -> None:
    """
    The instance profile's session is named by the instance's id (IAM User Guide, "IAM policy elements: Variables and
    tags", principal key values: ``aws:userid`` ``role-id:ec2-instance-id``), ``i-`` and 8 or 17 characters (Amazon EC2
    User Guide, "Resource IDs"); which instance of the cluster sends a request the stand-in does not know. A Deny
    naming a session of an instance id leaves the write unknown; one naming ``emr-instance-profile``, no instance's id,
    never reaches it (the judge named the session so, and refused the write). The Deny's condition, which every
    request of the EMR account meets, leaves it to the writer's judge (moto's own reading,
    devstack/aws_policy_principals.py, takes any session of the role for the caller, the stricter side).
    """
    bucket = "emr-results-a"
    session_arn = f"arn:aws:sts::{EMR_ACCOUNT}:assumed-role/{EMR_EC2_ROLE}/{session}"
    own_account = {"StringEquals": {"aws:PrincipalAccount": EMR_ACCOUNT}}
    own_bucket(aws, [deny(bucket, Principal={"AWS": session_arn}, Condition=own_account)])

    result = write(aws, f"s3://{bucket}/out/", None, bucket_account=EMR_ACCOUNT)

    assert result.success is known, result.summary()
    assert result.first_failure is None, result.summary()
    if not known:
        assert result.unknown.startswith("PutObject of "), result.unknown
        assert "depends on a role session's name" in result.unknown


@pytest.mark.parametrize(("pattern", "known"), [("i-*", True), ("i-0123*", False)])
def test_an_aws_userid_guard_on_the_instance_profile_is_judged_on_instance_ids(
    aws: Seeded, pattern: str, known: bool
) -> None:
    """
    A Deny unless ``aws:userid`` is ``ROLE-ID:<pattern>`` (IAM User Guide, "AWS global condition context keys",
    ``aws:userid``; "IAM policy elements: Variables and tags": ``role-id:ec2-instance-id`` for a role of an EC2
    instance). Every instance id meets ``i-*``: the write is allowed (the judge's ``emr-instance-profile`` did not, and
    the write was refused); only some meet ``i-0123*``: unknown.
    """
    bucket = "emr-results-a"
    role_id = client(aws.url, EMR_ACCOUNT, "iam").get_role(RoleName=EMR_EC2_ROLE)["Role"]["RoleId"]
    guard = deny(bucket, Principal="*", Condition={"StringNotLike": {"aws:userid": f"{role_id}:{pattern}"}})
    own_bucket(aws, [guard])

    result = write(aws, f"s3://{bucket}/out/", None, bucket_account=EMR_ACCOUNT)

    assert result.success is known, result.summary()
    assert result.first_failure is None, result.summary()
    assert bool(result.unknown) is not known, result.unknown


# 4. A bucket default naming its key by alias, for a writer of another account ----------------------------------------


def cross_account_writer(aws: Seeded, alias: str | None, key_statements: tuple[dict[str, Any], ...] = ()) -> str | None:
    """
    The instance profile writes the partner's bucket (a grant in its bucket policy, the role's own policy allowing S3
    and KMS); the bucket's default names ``alias/partner``; with ``alias``, the EMR account has a key of that alias.
    Returns that key's ARN.
    """
    bucket_arn = f"arn:aws:s3:::{aws.bucket}"
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": INSTANCE_ARN},
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
    }
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [grant]}))
    s3.put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/partner"}}
            ]
        },
    )
    own = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"}],
    }
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="partner-results", PolicyDocument=json.dumps(own)
    )
    if alias is None:
        return None
    kms = client(aws.url, EMR_ACCOUNT, "kms")
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    policy = {"Version": "2012-10-17", "Statement": [root, *key_statements]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return str(key["Arn"])


def test_a_default_key_alias_is_looked_up_in_the_cross_account_writers_account(aws: Seeded) -> None:
    """
    Amazon S3 API Reference, "ServerSideEncryptionByDefault": "If you use a KMS key alias instead, then KMS resolves the
    key within the requester's account." The EMR account holds ``alias/partner``, which its role may use: the write
    goes through (the judge refused any alias for a writer of another account than the bucket owner's).
    """
    cross_account_writer(aws, "alias/partner")

    result = write(aws, f"s3://{aws.bucket}/exports/", None, bucket_account=DESTINATION_ACCOUNT)

    assert result.success, result.summary()


def test_the_key_found_in_the_writers_account_is_the_one_judged(aws: Seeded) -> None:
    """That key's own policy decides: a Deny of ``kms:GenerateDataKey`` there refuses the first upload."""
    deny_data_keys = {
        "Effect": "Deny",
        "Principal": {"AWS": INSTANCE_ARN},
        "Action": "kms:GenerateDataKey*",
        "Resource": "*",
    }
    key_arn = cross_account_writer(aws, "alias/partner", (deny_data_keys,))

    result = write(aws, f"s3://{aws.bucket}/exports/", None, bucket_account=DESTINATION_ACCOUNT)

    refused = result.first_failure
    assert refused is not None, result.summary()
    assert (refused.operation, refused.status) == ("PutObject", 403)
    assert f"kms:GenerateDataKey on {key_arn}" in refused.reason
    assert "denies it explicitly" in refused.reason


@pytest.mark.parametrize(("alias", "owners"), [(None, False), ("alias/another", False), (None, True)])
def test_without_that_alias_in_the_writers_account_the_upload_is_refused(
    aws: Seeded, alias: str | None, owners: bool
) -> None:
    """
    No key of that alias in the requester's account: nothing to encrypt with, refused as before, even where the bucket
    owner's account holds one the writer could use (S3 does not look there for another account's request).
    """
    cross_account_writer(aws, alias)
    if owners:
        kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
        usable = {"Effect": "Allow", "Principal": {"AWS": INSTANCE_ARN}, "Action": "kms:*", "Resource": "*"}
        root = {**usable, "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}
        key = kms.create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [root, usable]}))["KeyMetadata"]
        kms.create_alias(AliasName="alias/partner", TargetKeyId=key["KeyId"])

    result = write(aws, f"s3://{aws.bucket}/exports/", None, bucket_account=DESTINATION_ACCOUNT)

    refused = result.first_failure
    assert refused is not None, result.summary()
    assert (refused.operation, refused.status) == ("PutObject", 403)
    assert f"requester's account {EMR_ACCOUNT}, where no such key is" in refused.reason
