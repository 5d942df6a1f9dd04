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
