"""
A base configuration whose enabled encryption section lacks a field its mode requires is refused before any write.

Amazon EMR Management Guide, "Create a security configuration", "JSON Reference for Encryption Settings"
(https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-create-security-configuration.html): ``EncryptionMode``
"If either SSE-KMS or CSE-KMS is specified, an AWS KMS customer master key (CMK) ARN must be specified as the AwsKmsKey
value. If CSE-Custom is specified, S3Object and EncryptionKeyProviderClass values must be specified";
``EncryptionKeyProviderType`` "If AwsKms is specified, an AWS KMS CMK ARN must be specified as the AwsKmsKey value. If
Custom is specified, S3Object and EncryptionKeyProviderClass values must be specified"; ``CertificateProviderType``
"If PEM is specified, S3Object must be a reference to ... a zip file ... If Custom is specified, S3Object must be a
reference to ... a JAR file, followed by a CertificateProviderClass entry". EMR refuses such a document only at
``CreateSecurityConfiguration``, after the destination role, the EMR EC2 role's policy and the key grant were written.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, refuse_unfit_document

_MAPPINGS = [
    {"Role": "arn:aws:iam::222222222222:role/PartnerWriter", "IdentifierType": "Prefix", "Identifiers": ["s3://b/p"]}
]
KEY = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"
JAR = "s3://MyConfig/artifacts/MyKeyProvider.jar"
AT_REST = "EncryptionConfiguration.AtRestEncryptionConfiguration"
S3 = f"{AT_REST}.S3EncryptionConfiguration"
LOCAL_DISK = f"{AT_REST}.LocalDiskEncryptionConfiguration"
TLS = "EncryptionConfiguration.InTransitEncryptionConfiguration.TLSCertificateConfiguration"


def at_rest(s3: Any = None, local_disk: Any = None, enabled: Any = True) -> dict[str, Any]:
    sections = {"S3EncryptionConfiguration": s3, "LocalDiskEncryptionConfiguration": local_disk}
    return {
        "EncryptionConfiguration": {
            "EnableAtRestEncryption": enabled,
            "AtRestEncryptionConfiguration": {key: value for key, value in sections.items() if value is not None},
        }
    }


def in_transit(tls: dict[str, Any], enabled: Any = True) -> dict[str, Any]:
    return {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": enabled,
            "InTransitEncryptionConfiguration": {"TLSCertificateConfiguration": tls},
        }
    }


MISSING = [
    pytest.param(at_rest({"EncryptionMode": "SSE-KMS"}), f"{S3}.AwsKmsKey", "SSE-KMS", id="s3-sse-kms"),
    pytest.param(at_rest({"EncryptionMode": "CSE-KMS"}), f"{S3}.AwsKmsKey", "CSE-KMS", id="s3-cse-kms"),
    pytest.param(
        at_rest({"EncryptionMode": "CSE-Custom", "EncryptionKeyProviderClass": "com.example.Provider"}),
        f"{S3}.S3Object",
        "CSE-Custom",
        id="s3-cse-custom-jar",
    ),
    pytest.param(
        at_rest({"EncryptionMode": "CSE-Custom", "S3Object": JAR}),
        f"{S3}.EncryptionKeyProviderClass",
        "CSE-Custom",
        id="s3-cse-custom-class",
    ),
    pytest.param(  # the guide's Overrides example gives each KMS entry its own AwsKmsKey
        at_rest(
            {
                "EncryptionMode": "SSE-S3",
                "Overrides": [
                    {"BucketName": "sse-s3-bucket", "EncryptionMode": "SSE-S3"},
                    {"BucketName": "sse-kms-bucket", "EncryptionMode": "SSE-KMS"},
                ],
            }
        ),
        f"{S3}.Overrides[1].AwsKmsKey",
        "SSE-KMS",
        id="s3-override-sse-kms",
    ),
    pytest.param(
        at_rest(local_disk={"EncryptionKeyProviderType": "AwsKms"}),
        f"{LOCAL_DISK}.AwsKmsKey",
        "AwsKms",
        id="local-disk-aws-kms",
    ),
    pytest.param(
        at_rest(local_disk={"EncryptionKeyProviderType": "Custom", "EncryptionKeyProviderClass": "com.example.P"}),
        f"{LOCAL_DISK}.S3Object",
        "Custom",
        id="local-disk-custom-jar",
    ),
    pytest.param(
        at_rest(local_disk={"EncryptionKeyProviderType": "Custom", "S3Object": JAR}),
        f"{LOCAL_DISK}.EncryptionKeyProviderClass",
        "Custom",
        id="local-disk-custom-class",
    ),
    pytest.param(in_transit({"CertificateProviderType": "PEM"}), f"{TLS}.S3Object", "PEM", id="tls-pem"),
    pytest.param(
        in_transit({"CertificateProviderType": "Custom", "CertificateProviderClass": "com.example.Certs"}),
        f"{TLS}.S3Object",
        "Custom",
        id="tls-custom-jar",
    ),
    pytest.param(
        in_transit({"CertificateProviderType": "Custom", "S3Object": JAR}),
        f"{TLS}.CertificateProviderClass",
        "Custom",
        id="tls-custom-class",
    ),
    pytest.param(  # the guide's CSE-Custom example writes the switch as text: "EnableAtRestEncryption" : "true"
        at_rest({"EncryptionMode": "SSE-KMS"}, enabled="true"), f"{S3}.AwsKmsKey", "SSE-KMS", id="switch-as-text"
    ),
]


def _mode_field(field: str) -> str:
    if ".S3EncryptionConfiguration" in field:
        return "EncryptionMode"
    return "EncryptionKeyProviderType" if "LocalDisk" in field else "CertificateProviderType"


@pytest.mark.parametrize(("base", "field", "mode"), MISSING)
def test_a_field_the_enabled_sections_mode_requires_missing_is_refused_naming_it(
    base: dict[str, Any], field: str, mode: str
) -> None:
    """Only when the section's switch is on: the guide's sections are used "when EnableAtRestEncryption is true"."""
    switch = "EnableInTransitEncryption" if field.startswith(TLS) else "EnableAtRestEncryption"
    for off in (False, "false"):
        build_security_configuration(_MAPPINGS, _switched(base, switch, off))
    build_security_configuration(_MAPPINGS, _switched(base, switch, None))

    with pytest.raises(InvalidParameterError) as raised:
        build_security_configuration(_MAPPINGS, base)

    assert (raised.value.field, raised.value.problem) == (
        f"base_configuration.{field}",
        f"required when {_mode_field(field)} is {mode}",
    )


def _switched(base: dict[str, Any], switch: str, value: Any) -> dict[str, Any]:
    """``base`` with ``switch`` set to ``value``, or left out for ``None``."""
    base = copy.deepcopy(base)
    base["EncryptionConfiguration"].pop(switch)
    if value is not None:
        base["EncryptionConfiguration"][switch] = value
    return base


@pytest.mark.parametrize(("value", "got"), [("", '""'), ("  ", '"  "'), (None, "null")])
def test_a_required_field_given_empty_or_null_is_refused_saying_what_it_got(value: Any, got: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        build_security_configuration(_MAPPINGS, at_rest({"EncryptionMode": "SSE-KMS", "AwsKmsKey": value}))

    assert (raised.value.field, raised.value.problem) == (
        f"base_configuration.{S3}.AwsKmsKey",
        f"required when EncryptionMode is SSE-KMS, got {got}",
    )


@pytest.mark.parametrize(("base", "field", "mode"), MISSING)
def test_the_document_a_launch_would_create_is_refused_the_same_way_before_the_connection_is_read(
    base: dict[str, Any], field: str, mode: str
) -> None:
    """refuse_unfit_document: CreateEmrfsSecurityConfigOperator's check, and a launch's that creates a missing one."""

    def connection() -> tuple[str | None, str]:
        raise AssertionError("read only once the document's own checks passed")

    with pytest.raises(InvalidParameterError) as raised:
        refuse_unfit_document(
            base, "connection 'aws_default'", connection, field="security_configuration_document", mappings_field="m"
        )

    assert raised.value.field == f"security_configuration_document.{field}"


#: The guide's own examples ("Create a security configuration", "Specifying Encryption Options Using the AWS CLI"), each
#: with the fields its modes require: ``(example, where, that field)``.
_TLS_CUSTOM = in_transit(
    {"CertificateProviderType": "Custom", "S3Object": JAR, "CertificateProviderClass": "com.mycompany.MyCertProvider"}
)
_CUSTOM_DISK = {"EncryptionKeyProviderType": "Custom", "S3Object": JAR, "EncryptionKeyProviderClass": "com.mycompany.K"}
_KMS_DISK = {"EncryptionKeyProviderType": "AwsKms", "AwsKmsKey": KEY}
_CSE_CUSTOM = at_rest(
    {"EncryptionMode": "CSE-Custom", "S3Object": JAR, "EncryptionKeyProviderClass": "com.mycompany.MyKeyProvider"},
    _CUSTOM_DISK,
    enabled="true",
)
_OVERRIDES = at_rest(
    {
        "EncryptionMode": "SSE-KMS",
        "AwsKmsKey": KEY,
        "Overrides": [
            {"BucketName": "sse-s3-bucket-name", "EncryptionMode": "SSE-S3"},
            {"BucketName": "cse-kms-bucket-name", "EncryptionMode": "CSE-KMS", "AwsKmsKey": KEY},
            {"BucketName": "sse-kms-bucket-name", "EncryptionMode": "SSE-KMS", "AwsKmsKey": KEY},
        ],
    }
)
GUIDE_EXAMPLES = [
    (
        in_transit({"CertificateProviderType": "PEM", "S3Object": "s3://MyConfigStore/artifacts/MyCerts.zip"}),
        TLS,
        "S3Object",
    ),
    (_TLS_CUSTOM, TLS, "S3Object"),
    (_TLS_CUSTOM, TLS, "CertificateProviderClass"),
    (at_rest({"EncryptionMode": "SSE-S3"}, _KMS_DISK), LOCAL_DISK, "AwsKmsKey"),
    (at_rest({"EncryptionMode": "SSE-KMS", "AwsKmsKey": KEY}, _KMS_DISK), S3, "AwsKmsKey"),
    (at_rest({"EncryptionMode": "CSE-KMS", "AwsKmsKey": KEY}, _CUSTOM_DISK), S3, "AwsKmsKey"),
    (at_rest({"EncryptionMode": "CSE-KMS", "AwsKmsKey": KEY}, _CUSTOM_DISK), LOCAL_DISK, "S3Object"),
    (_CSE_CUSTOM, S3, "S3Object"),
    (_CSE_CUSTOM, S3, "EncryptionKeyProviderClass"),
    (_CSE_CUSTOM, LOCAL_DISK, "EncryptionKeyProviderClass"),
    (_OVERRIDES, S3, "AwsKmsKey"),
    (_OVERRIDES, f"{S3}.Overrides[1]", "AwsKmsKey"),
    (_OVERRIDES, f"{S3}.Overrides[2]", "AwsKmsKey"),
    (at_rest(local_disk={"EnableEbsEncryption": True, **_KMS_DISK}), LOCAL_DISK, "AwsKmsKey"),
]


@pytest.mark.parametrize(("example", "where", "required"), GUIDE_EXAMPLES)
def test_the_guides_examples_are_kept_as_given_and_refused_without_a_field_their_modes_require(
    example: dict[str, Any], where: str, required: str
) -> None:
    document = build_security_configuration(_MAPPINGS, example)
    assert document["EncryptionConfiguration"] == example["EncryptionConfiguration"]

    taken_out = copy.deepcopy(example)
    _at(taken_out, where).pop(required)
    with pytest.raises(InvalidParameterError) as raised:
        build_security_configuration(_MAPPINGS, taken_out)

    assert raised.value.field == f"base_configuration.{where}.{required}"


def _at(document: dict[str, Any], where: str) -> dict[str, Any]:
    """The object at ``where`` (keys joined by dots, a list entry as ``Key[index]``) in ``document``."""
    found: Any = document
    for key in where.split("."):
        name, _, index = key.partition("[")
        found = found[name] if not index else found[name][int(index.rstrip("]"))]
    return found


#: ``AwsKmsKey`` given as KMS itself would take it but not as the guide asks: "an AWS KMS customer master key (CMK)
#: ARN must be specified as the AwsKmsKey value"; "MyKeyARN must be a fully specified ARN to a key (for example,
#: arn:aws:kms:us-east-1:123456789012:key/...)" (Amazon EMR Management Guide, "Create a security configuration").
NOT_AN_ARN = [
    "1234abcd-12ab-34cd-56ef-1234567890ab",  # a bare key id
    "mrk-1234abcd12ab34cd56ef1234567890ab",  # a multi-Region key id
    "alias/partner-key",  # an alias name
    "arn:aws:iam::123456789012:role/NotAKey",  # an ARN, not of KMS
    "arn:aws:kms:us-east-1:123456789012:key/",  # a KMS ARN naming no key
]
#: Where an ``AwsKmsKey`` is required, each with the document that puts ``key`` there (OX212).
KEY_PLACES = [
    pytest.param(lambda key: at_rest({"EncryptionMode": "SSE-KMS", "AwsKmsKey": key}), S3, "SSE-KMS", id="sse-kms"),
    pytest.param(lambda key: at_rest({"EncryptionMode": "CSE-KMS", "AwsKmsKey": key}), S3, "CSE-KMS", id="cse-kms"),
    pytest.param(
        lambda key: at_rest(
            {
                "EncryptionMode": "SSE-KMS",
                "AwsKmsKey": KEY,
                "Overrides": [{"BucketName": "sse-kms-bucket", "EncryptionMode": "SSE-KMS", "AwsKmsKey": key}],
            }
        ),
        f"{S3}.Overrides[0]",
        "SSE-KMS",
        id="override",
    ),
    pytest.param(
        lambda key: at_rest(local_disk={"EncryptionKeyProviderType": "AwsKms", "AwsKmsKey": key}),
        LOCAL_DISK,
        "AwsKms",
        id="local-disk",
    ),
]


@pytest.mark.parametrize("key", NOT_AN_ARN)
@pytest.mark.parametrize(("place", "where", "mode"), KEY_PLACES)
def test_an_at_rest_key_that_is_not_a_kms_arn_is_refused_before_any_write_quoting_the_guide(
    place: Any, where: str, mode: str, key: str
) -> None:
    """Before, a key id or alias name was kept, and EMR refused it only at CreateSecurityConfiguration."""

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
    assert "MyKeyARN must be a fully specified ARN to a key" in raised.value.problem


@pytest.mark.parametrize(
    "key",
    [
        KEY,
        "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws-cn:kms:cn-north-1:123456789012:key/12345678-1234-1234-1234-123456789012",
        # an alias ARN is kept as before: the guide shows key ARNs only, but the verifier's own tests create
        # configurations naming the aws/s3 alias by its ARN (tests/integration/test_verify.py, ASKED_AWS_S3)
        "arn:aws:kms:us-east-1:123456789012:alias/aws/s3",
    ],
)
@pytest.mark.parametrize(("place", "where", "mode"), KEY_PLACES)
def test_an_at_rest_key_arn_is_kept(place: Any, where: str, mode: str, key: str) -> None:
    document = build_security_configuration(_MAPPINGS, place(key))
    assert document["EncryptionConfiguration"] == place(key)["EncryptionConfiguration"]


def test_a_key_id_an_unused_section_names_is_not_read() -> None:
    """SSE-S3 uses no key, and at-rest encryption off uses none: not the guide's requirement, kept as given."""
    for base in (
        at_rest({"EncryptionMode": "SSE-S3", "AwsKmsKey": "alias/unused"}),
        at_rest({"EncryptionMode": "SSE-KMS", "AwsKmsKey": "alias/unused"}, enabled=False),
    ):
        build_security_configuration(_MAPPINGS, base)
