"""
The stand-in's S3 stores the ARN of an SSE-KMS object's key (``devstack/aws_sse_kms_keys.py``), and its writer judges
an AWS managed key an upload names on AWS's policy for it (``devstack/emrfs_writer.py``).

Amazon S3 API Reference, "HeadObject": ``x-amz-server-side-encryption-aws-kms-key-id`` "indicates the ID of the KMS
key that was used for object encryption", the key's ARN whatever the upload named it by (AWS KMS Developer Guide,
"Key identifiers (KeyId)"); "Amazon S3 automatically creates an AWS KMS key (aws/s3) in your AWS account the first
time that you add an object encrypted with SSE-KMS" (Amazon S3 API Reference, "ServerSideEncryptionByDefault").
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    build_security_configuration,
    security_configuration_name,
    validate_role_mappings,
)
from devstack.emrfs_writer import write_like_emrfs
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    REGION,
    Seeded,
    client,
)
from devstack.testing import run_operator
from tests.integration.partners import mapping, provision_partner

ROLE = "partner-writer"
PREFIX_KEY = "exports/partner-a"


def _named(kms: Any, how: str) -> tuple[str, str]:
    """A customer managed key named as ``how`` says, and its ARN."""
    metadata = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/partner", TargetKeyId=metadata["KeyId"])
    names = {
        "alias": "alias/partner",
        "alias ARN": f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:alias/partner",
        "key id": metadata["KeyId"],
        "key ARN": metadata["Arn"],
    }
    return names[how], metadata["Arn"]


@pytest.mark.parametrize("how", ["alias", "alias ARN", "key id", "key ARN"])
def test_head_and_get_object_answer_the_key_arn_whatever_the_upload_named_it_by(aws: Seeded, how: str) -> None:
    s3, kms = client(aws.url, DESTINATION_ACCOUNT, "s3"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    named, arn = _named(kms, how)

    s3.put_object(Bucket=aws.bucket, Key="put", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=named)
    upload = s3.create_multipart_upload(
        Bucket=aws.bucket, Key="multipart", ServerSideEncryption="aws:kms", SSEKMSKeyId=named
    )
    part = s3.upload_part(Bucket=aws.bucket, Key="multipart", UploadId=upload["UploadId"], PartNumber=1, Body=b"x")
    s3.complete_multipart_upload(
        Bucket=aws.bucket,
        Key="multipart",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )

    for key in ("put", "multipart"):
        assert s3.head_object(Bucket=aws.bucket, Key=key)["SSEKMSKeyId"] == arn, key
        assert s3.get_object(Bucket=aws.bucket, Key=key)["SSEKMSKeyId"] == arn, key


def test_an_upload_naming_alias_aws_s3_creates_the_aws_managed_key_and_stores_its_arn(aws: Seeded) -> None:
    s3, kms = client(aws.url, DESTINATION_ACCOUNT, "s3"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    assert not [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/aws/s3" and "TargetKeyId" in a]
    s3.delete_bucket_encryption(Bucket=aws.bucket)  # the seeded bucket's default names its own key

    s3.put_object(Bucket=aws.bucket, Key="o", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/aws/s3")
    s3.put_object(Bucket=aws.bucket, Key="no-key-id", Body=b"x", ServerSideEncryption="aws:kms")

    [target] = [a["TargetKeyId"] for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/aws/s3"]
    arn = f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/{target}"
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyManager"] == "AWS"
    assert s3.head_object(Bucket=aws.bucket, Key="o")["SSEKMSKeyId"] == arn
    assert s3.head_object(Bucket=aws.bucket, Key="no-key-id")["SSEKMSKeyId"] == arn


def refusal_of_create(name_prefix: str, prefix: str, configuration: dict[str, Any]) -> str:
    """Create the configuration with the operator; what it refused (``""``: created)."""
    try:
        run_operator(
            CreateEmrfsSecurityConfigOperator(
                task_id="create_security_configuration",
                aws_conn_id=EMR_CONN_ID,
                name_prefix=name_prefix,
                role_mappings=[mapping(ROLE, prefix)],
                **configuration,
            )
        )
    except InvalidParameterError as error:
        return error.problem
    return ""


def write_through_the_mapping(aws: Seeded, prefix: str, name_prefix: str, **configuration: Any) -> Any:
    """
    Make a security configuration mapping ``ROLE`` to ``prefix`` and write there as EMRFS would. A configuration the
    create operator refuses, made elsewhere, is put through EMR directly: a key of another Region (S3's top-level
    key), or an at-rest ``AwsKmsKey`` given as an alias name, where the create task asks for an ARN ("MyKeyARN must
    be a fully specified ARN to a key": Amazon EMR Management Guide, "Create a security configuration"). The
    stand-in's writer is what is judged.
    """
    mappings = validate_role_mappings([mapping(ROLE, prefix)])
    document = build_security_configuration(mappings, configuration.get("base_configuration"), check_shape=False)
    name = security_configuration_name(name_prefix, document)
    refused = refusal_of_create(name_prefix, prefix, configuration)
    if "created in" in refused or "must be the ARN of a KMS key" in refused:  # another Region's key, an alias name
        client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
            Name=name, SecurityConfiguration=json.dumps(document)
        )
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=str(name),
        output_uri=prefix,
    )


@pytest.mark.parametrize("own_deny", [False, True], ids=["no-deny", "own-deny"])
@pytest.mark.parametrize("asked", ["alias/aws/s3", f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:alias/aws/s3"])
def test_a_role_without_kms_permissions_of_its_own_writes_with_aws_s3_of_its_account(
    aws: Seeded, asked: str, own_deny: bool
) -> None:
    """
    AWS's key policy of aws/s3 lets the account's principals use it through S3 (``kms:ViaService``
    ``s3.<region>.amazonaws.com``, ``kms:CallerAccount`` the account), not only whom IAM allows: the mapped role
    needs no KMS permission of its own. moto stores a root-delegation policy for the key instead. A ``Deny`` of the
    role's own still refuses it ("an explicit deny in any of these policies overrides the allow": IAM User Guide,
    "Policy evaluation logic").
    """
    prefix = f"s3://{aws.bucket}/{PREFIX_KEY}/"
    provision_partner(aws, ROLE, prefix)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        policy = iam.get_role_policy(RoleName=ROLE, PolicyName=name)["PolicyDocument"]
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        kept = [
            s
            for s in statements
            if not any(
                str(a).lower().startswith("kms:")
                for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
            )
        ]
        iam.put_role_policy(RoleName=ROLE, PolicyName=name, PolicyDocument=json.dumps({**policy, "Statement": kept}))
    if own_deny:
        deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}]}
        iam.put_role_policy(RoleName=ROLE, PolicyName="no-kms", PolicyDocument=json.dumps(deny))
    result = write_through_the_mapping(
        aws,
        prefix,
        "stand-in-aws-s3",
        base_configuration={
            "EncryptionConfiguration": {
                "EnableInTransitEncryption": False,
                "EnableAtRestEncryption": True,
                "AtRestEncryptionConfiguration": {
                    "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": asked}
                },
            }
        },
    )

    if own_deny:
        assert not result.success
        assert "kms:GenerateDataKey" in str(result.first_failure), result.first_failure
        return
    assert result.success, result.first_failure
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    arn = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]
    head = client(aws.url, DESTINATION_ACCOUNT, "s3").head_object(Bucket=aws.bucket, Key=f"{PREFIX_KEY}/_SUCCESS")
    assert head["SSEKMSKeyId"] == arn


@pytest.mark.parametrize(("denied", "written"), [("key/*", False), ("alias/*", True)])
def test_a_deny_of_the_account_s_keys_refuses_the_bucket_default_aws_s3(
    aws: Seeded, denied: str, written: bool
) -> None:
    """
    KMS authorizes the key, not the alias that names it: a role's ``Deny`` of ``key/*`` refuses the bucket default's
    aws/s3, one of ``alias/*`` does not ("Resource": a key ARN; AWS KMS Developer Guide, "Key identifiers (KeyId)").
    The judge matched the alias's ARN, so the first was let by.
    """
    prefix = f"s3://{aws.bucket}/{PREFIX_KEY}/"
    provision_partner(aws, ROLE, prefix)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "kms:*", "Resource": f"arn:aws:kms:*:{DESTINATION_ACCOUNT}:{denied}"}
        ],
    }
    client(aws.url, DESTINATION_ACCOUNT, "iam").put_role_policy(
        RoleName=ROLE, PolicyName="no-keys", PolicyDocument=json.dumps(deny)
    )
    result = write_through_the_mapping(aws, prefix, "stand-in-default-aws-s3")

    assert result.success is written, result.first_failure


@pytest.mark.parametrize("named_by", ["bucket default", "security configuration"])
@pytest.mark.parametrize(
    ("bucket_region", "region"),
    [(REGION, REGION), (REGION, "eu-west-1"), ("eu-west-1", REGION), ("eu-west-1", "eu-west-1")],
)
def test_a_key_of_another_region_than_the_bucket_s_refuses_the_write(
    aws: Seeded, named_by: str, bucket_region: str, region: str
) -> None:
    """
    "The AWS KMS encryption key must be created in the same Region as your Amazon EMR cluster instance and the Amazon
    S3 buckets used with EMRFS" (Amazon EMR Management Guide, "Create keys and certificates for data encryption with
    Amazon EMR"). moto would use the key of any Region its ARN names; the same key in the bucket's Region writes. The
    bucket's Region is where it is (HeadBucket), not the cluster's (the writer's, us-east-1).
    """
    bucket = aws.bucket
    if bucket_region != REGION:
        bucket = f"{aws.bucket}-{bucket_region}"
        client(aws.url, DESTINATION_ACCOUNT, "s3", bucket_region).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": bucket_region}
        )
    prefix = f"s3://{bucket}/{PREFIX_KEY}/"
    provision_partner(aws, ROLE, prefix)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms", region)
    root = f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"
    role = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Principal": {"AWS": role},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt", "kms:Encrypt", "kms:DescribeKey"],
                "Resource": "*",
            },
        ],
    }
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    configuration: dict[str, Any] = {}
    if named_by == "bucket default":
        client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
            },
        )
    else:
        configuration["base_configuration"] = {
            "EncryptionConfiguration": {
                "EnableInTransitEncryption": False,
                "EnableAtRestEncryption": True,
                "AtRestEncryptionConfiguration": {
                    "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key}
                },
            }
        }

    result = write_through_the_mapping(aws, prefix, "stand-in-key-region", **configuration)

    if region == bucket_region:
        assert result.success, result.first_failure
        return
    assert not result.success
    assert f"{key} is in Region {region}, not in the bucket's Region {bucket_region}" in str(result.first_failure)
