"""
The command line refuses a base configuration lacking a field its enabled encryption mode requires, before any call.

Amazon EMR Management Guide, "Create a security configuration", "JSON Reference for Encryption Settings": "If either
SSE-KMS or CSE-KMS is specified, an AWS KMS customer master key (CMK) ARN must be specified as the AwsKmsKey value";
for the local disks, "If AwsKms is specified, an AWS KMS CMK ARN must be specified as the AwsKmsKey value". EMR refuses
such a document only at ``CreateSecurityConfiguration``: ``apply`` would first write the destination role, the EMR EC2
role's policy and the key grant, and end partially applied (exit 4). Refused with the partner file's field (exit 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.test_cli_refused_input import arguments, partner_file, refused, with_configuration

if TYPE_CHECKING:
    from pathlib import Path

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, used by name

AT_REST = "EncryptionConfiguration.AtRestEncryptionConfiguration"


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        pytest.param(
            "{EncryptionConfiguration: {EnableAtRestEncryption: true, AtRestEncryptionConfiguration: "
            "{S3EncryptionConfiguration: {EncryptionMode: SSE-KMS}}}}",
            f"{AT_REST}.S3EncryptionConfiguration.AwsKmsKey",
            "required when EncryptionMode is SSE-KMS",
            id="s3-sse-kms",
        ),
        pytest.param(
            "{EncryptionConfiguration: {EnableAtRestEncryption: true, AtRestEncryptionConfiguration: "
            "{LocalDiskEncryptionConfiguration: {EncryptionKeyProviderType: AwsKms}}}}",
            f"{AT_REST}.LocalDiskEncryptionConfiguration.AwsKmsKey",
            "required when EncryptionKeyProviderType is AwsKms",
            id="local-disk-aws-kms",
        ),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_base_configuration_lacking_a_required_field_is_refused_before_any_call(
    aws: Seeded,
    partner_file: Path,
    command: str,
    value: str,
    field: str,
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with_configuration(partner_file, "base_configuration", value)

    line = refused(arguments(command, partner_file, aws), capsys)

    assert line == f"emrfs-xacct: {partner_file}: security_configuration.base_configuration.{field}: {problem}"
