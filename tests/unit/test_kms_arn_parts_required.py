"""
An at-rest ``AwsKmsKey`` ARN with an empty partition, Region or account is not a key's ARN: refused, naming the field.

Amazon EMR Management Guide, "Create a security configuration": "MyKeyARN must be a fully specified ARN to a key (for
example, arn:aws:kms:us-east-1:123456789012:key/...)". A KMS key's ARN has each part (AWS General Reference, "Amazon
Resource Names (ARNs)", https://docs.aws.amazon.com/general/latest/gr/aws-arns-and-namespaces.html:
``arn:partition:service:region:account-id:resource-type/resource-id``; the AWS KMS Developer Guide, "Key identifiers
(KeyId)": "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"). OX233.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import refuse_unfit_document
from tests.unit.test_required_encryption_fields import KEY_PLACES, _mode_field

KEY_ID = "12345678-1234-1234-1234-123456789012"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(f"arn::kms:us-east-1:123456789012:key/{KEY_ID}", id="no-partition"),
        pytest.param(f"arn:aws:kms::123456789012:key/{KEY_ID}", id="no-region"),
        pytest.param(f"arn:aws:kms:us-east-1::key/{KEY_ID}", id="no-account"),
    ],
)
@pytest.mark.parametrize(("place", "where", "mode"), KEY_PLACES)
def test_a_key_arn_with_an_empty_part_is_refused_naming_the_field(place: Any, where: str, mode: str, key: str) -> None:
    def connection() -> tuple[str | None, str]:
        raise AssertionError("read only once the document's own checks passed")

    with pytest.raises(InvalidParameterError) as raised:
        refuse_unfit_document(
            place(key), "connection 'aws_default'", connection, field="base_configuration", mappings_field="m"
        )

    assert raised.value.field == f"base_configuration.{where}.AwsKmsKey"
    said = f"must be the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) when {_mode_field(where)} is {mode}"
    assert said in raised.value.problem
    assert f'got "{key}"' in raised.value.problem
