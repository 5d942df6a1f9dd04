"""
The stand-in describes the key of a predefined AWS alias as AWS managed (``devstack/aws_managed_keys.py``).

AWS KMS API Reference, "DescribeKey": on a predefined AWS alias "KMS associates the alias with an AWS managed
key", and ``KeyManager`` is ``AWS`` for it, ``CUSTOMER`` for a key one creates.
"""

from __future__ import annotations

from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client


def test_the_key_of_alias_aws_s3_is_aws_managed_and_a_created_key_is_not(aws: Seeded) -> None:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")

    managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    created = kms.describe_key(KeyId=kms.create_key()["KeyMetadata"]["KeyId"])["KeyMetadata"]

    assert managed["KeyManager"] == "AWS"
    assert kms.describe_key(KeyId=managed["Arn"])["KeyMetadata"]["KeyManager"] == "AWS"
    assert created["KeyManager"] == "CUSTOMER"
