"""
The stand-in writer's KMS judge (``devstack/emrfs_writer.py`` with ``devstack/aws_judge.py``) against the two-account
moto server, on two rules AWS documents:

- A key policy's conditional ``Deny`` is read with the whole request context, the principal's keys included, also where
  a KMS grant would let the role in: "No AWS principal has any permissions to a KMS key unless that permission is
  provided explicitly and never denied" (AWS KMS Developer Guide, "KMS key access and permissions"); an explicit deny
  wins (IAM User Guide, "Policy evaluation logic"); ``aws:PrincipalArn`` is in the context of every signed request (IAM
  User Guide, "AWS global condition context keys").
- A bucket default naming ``alias/aws/s3`` is the requester's aws/s3: "If you use a KMS key alias instead, then KMS
  resolves the key within the requester's account" (Amazon S3 API Reference, "ServerSideEncryptionByDefault").
"""

from __future__ import annotations

import json
from typing import Any

from devstack.emrfs_writer import WriteResult, write_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, REGION, Seeded, client, key_admin_arn
from tests.integration.partners import create_security_configuration, mapping, provision_partner, role_arn

ROLE = "partner-writer"
PREFIX_KEY = "exports/partner-a"
#: What the fence denies: the key's use, not ``kms:*`` (moto refuses ``DescribeKey`` under any ``Deny`` naming
#: ``kms:*``, whatever its principal or condition, so the writer could not read the key at all).
USE = ["kms:GenerateDataKey*", "kms:Decrypt"]


def write(aws: Seeded, configuration: str | None, output: str = PREFIX_KEY, **kwargs: Any) -> WriteResult:
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=f"s3://{aws.bucket}/{output}/",
        files=1,
        **kwargs,
    )


# 1. A key policy's conditional Deny beside a KMS grant ---------------------------------------------------------------


def granted_not_in_the_key_policy(aws: Seeded, deny_condition: dict[str, Any] | None) -> str:
    """
    The example chain for one partner, its key policy then leaving the role out (no key users, no root statement), a
    KMS grant to the role instead, and a ``Deny`` of the key's use to everyone under ``deny_condition``; returns the
    security configuration's name.
    """
    prefix = f"s3://{aws.bucket}/{PREFIX_KEY}/"
    provision_partner(aws, ROLE, prefix)
    configuration = create_security_configuration([mapping(ROLE, prefix)])
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") == "Allow access for Key Administrators"]
    if deny_condition is not None:
        deny = {"Effect": "Deny", "Principal": "*", "Action": USE, "Resource": "*", "Condition": deny_condition}
        policy["Statement"].append({"Sid": "Fence", **deny})
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))
    kms.create_grant(KeyId=aws.kms_key_arn, GranteePrincipal=role_arn(ROLE), Operations=["GenerateDataKey", "Decrypt"])
    return configuration


def test_a_key_policy_deny_on_the_principal_arn_refuses_what_the_grant_allows(aws: Seeded) -> None:
    """
    ``StringEquals aws:PrincipalArn`` the role: the ``Deny`` matches its session, so the first upload is refused
    although the grant names the role (the judge read the key policy without the principal's keys, and let it by).
    """
    configuration = granted_not_in_the_key_policy(aws, {"StringEquals": {"aws:PrincipalArn": role_arn(ROLE)}})

    result = write(aws, configuration)

    refused = result.first_failure
    assert refused is not None, result.summary()
    assert (refused.operation, refused.status) == ("PutObject", 403), result.summary()
    assert refused.uri == f"s3://{aws.bucket}/{PREFIX_KEY}_$folder$"
    assert f"kms:GenerateDataKey on {aws.kms_key_arn}" in refused.reason, refused.reason


def test_a_key_policy_guard_exempting_the_role_by_principal_arn_lets_the_grant_through(aws: Seeded) -> None:
    """
    ``StringNotEquals aws:PrincipalArn [role, KeyAdmin]``: the role is exempted, the grant lets it write ("Grants in AWS
    KMS"; the judge read the guard without ``aws:PrincipalArn``, took the negated condition as holding, and refused).
    """
    exempted = [role_arn(ROLE), key_admin_arn()]
    configuration = granted_not_in_the_key_policy(aws, {"StringNotEquals": {"aws:PrincipalArn": exempted}})

    result = write(aws, configuration)

    assert result.success, result.summary()


# 2. A bucket default naming alias/aws/s3, written by another account -------------------------------------------------


def option_a_with_default(aws: Seeded, default: dict[str, str]) -> None:
    """
    Option (a) by hand: the bucket policy grants the EMR EC2 role S3 on the bucket, the role's own policy allows S3 (and
    no KMS: the AWS managed key's policy lets its account's principals use it through S3), the bucket's default is
    ``default``.
    """
    bucket_arn = f"arn:aws:s3:::{aws.bucket}"
    emr_role = aws.emr_ec2_role_arn
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": emr_role},
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
    }
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [grant]}))
    s3.put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )
    own = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="partner-results", PolicyDocument=json.dumps(own)
    )


def test_a_default_naming_alias_aws_s3_is_the_writers_own_aws_s3(aws: Seeded) -> None:
    """
    The EMR account's role writes the partner's bucket, whose default names ``alias/aws/s3``: S3 resolves the alias in
    the requester's account, so the objects are encrypted with the EMR account's aws/s3 key, which its principals may
    use through S3. The judge took the bucket owner's aws/s3 and refused the first upload "across accounts".

    The same bucket with SSE-KMS and no key id stays the bucket owner's aws/s3, whose policy lets only its own
    account's principals use it (AWS KMS Developer Guide, "kms:CallerAccount", the statement taken from the key policy
    of an AWS managed key): refused.
    """
    option_a_with_default(aws, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"})

    result = write(aws, None, bucket_account=DESTINATION_ACCOUNT)

    assert result.success, result.summary()
    own = client(aws.url, EMR_ACCOUNT, "kms").describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]
    assert result.objects
    assert {written.kms_key_id for written in result.objects.values()} == {own}

    option_a_with_default(aws, {"SSEAlgorithm": "aws:kms"})
    unnamed = write(aws, None, "exports/unnamed", bucket_account=DESTINATION_ACCOUNT)

    refused = unnamed.first_failure
    assert refused is not None, unnamed.summary()
    assert (refused.operation, refused.status) == ("PutObject", 403), unnamed.summary()
    assert f"AWS managed key aws/s3 of {DESTINATION_ACCOUNT}" in refused.reason, refused.reason


def test_a_default_naming_an_aws_s3_alias_arn_is_that_accounts_key(aws: Seeded) -> None:
    """
    An alias ARN names the key of its own account ("To specify a KMS key in a different AWS account, you must use the
    key ARN or alias ARN", AWS KMS API Reference, DescribeKey, ``KeyId``): the EMR account's ``alias/aws/s3`` by ARN is
    the EMR role's own aws/s3, usable by it (the judge took the bucket owner's); the bucket owner's is not.
    """
    for account, written in ((DESTINATION_ACCOUNT, False), (EMR_ACCOUNT, True)):
        alias_arn = f"arn:aws:kms:{REGION}:{account}:alias/aws/s3"
        option_a_with_default(aws, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": alias_arn})

        result = write(aws, None, f"exports/{account}", bucket_account=DESTINATION_ACCOUNT)

        assert result.success is written, result.summary()
