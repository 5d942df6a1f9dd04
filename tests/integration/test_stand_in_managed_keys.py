"""
The stand-in describes the key of a predefined AWS alias as AWS managed (``devstack/aws_managed_keys.py``).

AWS KMS API Reference, "DescribeKey": on a predefined AWS alias "KMS associates the alias with an AWS managed
key", and ``KeyManager`` is ``AWS`` for it, ``CUSTOMER`` for a key one creates.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client


def test_the_key_of_alias_aws_s3_is_aws_managed_and_a_created_key_is_not(aws: Seeded) -> None:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")

    managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    created = kms.describe_key(KeyId=kms.create_key()["KeyMetadata"]["KeyId"])["KeyMetadata"]

    assert managed["KeyManager"] == "AWS"
    assert kms.describe_key(KeyId=managed["Arn"])["KeyMetadata"]["KeyManager"] == "AWS"
    assert created["KeyManager"] == "CUSTOMER"


def test_the_key_policy_of_an_aws_managed_key_cannot_be_changed_and_a_created_key_s_can(aws: Seeded) -> None:
    """AWS KMS Developer Guide, "Change a key policy": "you can only change the key policy for a customer managed key"."""
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]
    before = kms.get_key_policy(KeyId=managed, PolicyName="default")["Policy"]  # readable, as on AWS
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )

    with pytest.raises(ClientError, match="AccessDeniedException"):
        kms.put_key_policy(KeyId=managed, PolicyName="default", Policy=policy)

    assert kms.get_key_policy(KeyId=managed, PolicyName="default")["Policy"] == before
    created = kms.create_key()["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=created, PolicyName="default", Policy=policy)
    assert json.loads(kms.get_key_policy(KeyId=created, PolicyName="default")["Policy"]) == json.loads(policy)


def test_list_aliases_names_no_key_for_a_predefined_alias_until_kms_creates_it(aws: Seeded) -> None:
    """
    AWS KMS API Reference, "ListAliases": "The response might also include aliases that have no TargetKeyId field.
    These are predefined aliases that AWS has created but has not yet associated with a KMS key." moto lists them
    with made-up key ids; the stand-in does not, and names the key once ``DescribeKey`` created it.
    """
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")

    def target() -> str | None:
        [alias] = [alias for alias in kms.list_aliases()["Aliases"] if alias["AliasName"] == "alias/aws/s3"]
        return alias.get("TargetKeyId")

    assert target() is None
    created = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert target() == created["KeyId"]
    assert kms.describe_key(KeyId=target())["KeyMetadata"]["KeyManager"] == "AWS"
