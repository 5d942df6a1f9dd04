"""
The pure rules option (a)'s grants judge a bucket's default key by (``pure/bucket_policy.py``).

An AWS managed key is S3's only when ``alias/aws/s3`` names it ("AWS managed keys", AWS KMS Developer Guide: one per
service); another service's (``aws/ebs``) lets only that service use it (AWS KMS Developer Guide, "kms:ViaService"),
and no key policy of an AWS managed key can be changed ("Change a key policy").
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    is_alias_arn,
    names_s3_managed_key,
    predefined_alias_service,
    refuse_unusable_bucket_key,
)
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError

ACCOUNT = "222222222222"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"


@pytest.mark.parametrize(
    ("key_id", "service"),
    [
        ("alias/aws/s3", "s3"),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3", "s3"),
        ("alias/aws/ebs", "ebs"),
        (f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:alias/aws/ebs", "ebs"),
        ("alias/partner", None),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/partner", None),
        (KEY_ARN, None),
        (KEY_ID, None),
        (None, None),
    ],
)
def test_the_predefined_alias_a_key_id_names(key_id: str | None, service: str | None) -> None:
    assert predefined_alias_service(key_id) == service


@pytest.mark.parametrize(
    ("key_id", "alias"),
    [
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/partner", True),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3", True),
        ("alias/partner", False),
        (KEY_ARN, False),
        ("arn:aws:s3:::alias/partner", False),
        (None, False),
    ],
)
def test_an_alias_arn_is_told_from_a_key_arn_and_an_alias_name(key_id: str | None, alias: bool) -> None:
    assert is_alias_arn(key_id) is alias


def test_alias_aws_s3_names_the_key_by_its_id_or_arn_and_nothing_else() -> None:
    metadata = {"KeyId": KEY_ID, "Arn": KEY_ARN, "KeyManager": "AWS"}
    assert names_s3_managed_key(KEY_ID, metadata)
    assert names_s3_managed_key(KEY_ARN, metadata)
    assert not names_s3_managed_key("another-key-id", metadata)
    assert not names_s3_managed_key(None, metadata)  # not created yet: not this key
    assert not names_s3_managed_key("", metadata)


def refusal(key_id: str | None, manager: str | None = None, **kwargs: bool | None) -> str:
    with pytest.raises(PreconditionError) as caught:
        refuse_unusable_bucket_key("partner-results-b", "aws:kms", key_id, manager, **kwargs)
    assert caught.value.field == "s3_prefixes"
    return str(caught.value)


def test_an_aws_managed_key_is_named_by_the_service_whose_it_is() -> None:
    assert "the AWS managed key aws/s3" in refusal(KEY_ARN, "AWS", s3_managed=True)
    other = refusal(KEY_ARN, "AWS", s3_managed=False)
    assert f"{KEY_ARN}, the AWS managed key of another AWS service than S3" in other
    assert "aws/s3" not in other
    unknown = refusal(KEY_ARN, "AWS", s3_managed=None)
    assert "an AWS managed key (aws/s3, or another service's: kms:ListAliases was refused" in unknown


@pytest.mark.parametrize("key_id", ["alias/aws/ebs", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/ebs"])
def test_another_services_predefined_alias_is_refused_by_its_spelling(key_id: str) -> None:
    """Before, its alias ARN started with ``arn:`` and passed, and DescribeKey would have created the key."""
    assert "another AWS service than S3" in refusal(key_id)


def test_a_customer_managed_key_arn_or_alias_arn_passes() -> None:
    refuse_unusable_bucket_key("partner-results-b", "aws:kms", KEY_ARN, "CUSTOMER")
    refuse_unusable_bucket_key("partner-results-b", "aws:kms", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/partner", None)
    refuse_unusable_bucket_key("partner-results-b", "AES256", "alias/aws/ebs", "AWS", s3_managed=False)  # no SSE-KMS


@pytest.mark.parametrize(
    "key_id",
    ["arn:aws:s3:::partner-results-b", f"arn:aws:kms:us-east-1:{ACCOUNT}:grant/abc", f"arn:aws:kms:::{KEY_ID}"],
)
def test_an_arn_that_is_neither_a_key_arn_nor_an_alias_arn_is_refused(key_id: str) -> None:
    """A KMS key is named by key id, key ARN, alias name or alias ARN (AWS KMS API Reference, DescribeKey, KeyId)."""
    refused = refusal(key_id, "CUSTOMER")
    assert f"{key_id!r} (KMSMasterKeyID), an ARN that is neither a KMS key ARN" in refused
    assert "names no KMS key" in refused
