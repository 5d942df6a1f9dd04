"""CreateEmrfsSecurityConfigOperator against moto: content naming, idempotency, dry run, validation, conflicts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    build_security_configuration,
    security_configuration_name,
    validate_role_mappings,
)
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    REGION,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator

PREFIX = "emrfs-xacct-test"
WRITER_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-writer"
READER_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-reader"
MAPPINGS: list[dict[str, Any]] = [
    {"Role": WRITER_ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/daily/"]},
    {"Role": READER_ROLE, "IdentifierType": "User", "Identifiers": ["hadoop", "analyst"]},
    {"Role": WRITER_ROLE, "IdentifierType": "Group", "Identifiers": ["etl"]},
]
BASE = {
    "EncryptionConfiguration": {
        "EnableInTransitEncryption": False,
        "EnableAtRestEncryption": True,
        "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}},
    },
    "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": 2, "HttpPutResponseHopLimit": 1},
}


def make_operator(**kwargs: Any) -> CreateEmrfsSecurityConfigOperator:
    arguments: dict[str, Any] = {
        "task_id": "security_config",
        "aws_conn_id": EMR_CONN_ID,
        "name_prefix": PREFIX,
        "role_mappings": MAPPINGS,
        "base_configuration": BASE,
    }
    arguments.update(kwargs)
    return CreateEmrfsSecurityConfigOperator(**arguments)


@pytest.fixture
def emr(moto_url: str) -> Any:
    """A plain boto3 EMR client acting in the EMR account, for setting up and reading back."""
    return client(moto_url, EMR_ACCOUNT, "emr")


def stored_document(emr: Any, name: str) -> dict[str, Any]:
    response = emr.describe_security_configuration(Name=name)
    assert response["Name"] == name
    return json.loads(response["SecurityConfiguration"])


def configuration_exists(emr: Any, name: str) -> bool:
    try:
        emr.describe_security_configuration(Name=name)
    except emr.exceptions.InvalidRequestException:
        return False
    return True


def execute_expecting_failure(operator: Any, error: type[Exception]) -> tuple[pytest.ExceptionInfo, CallRecorder]:
    """Run ``operator.execute`` expecting ``error``; return it with the calls every client sent."""
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everywhere() as recorder, pytest.raises(error) as caught:
        operator.execute({"ti": ti, "task_instance": ti})
    return caught, recorder


def test_first_run_creates_configuration_named_by_content(emr: Any) -> None:
    name, recorder, ti = run_operator(make_operator())

    assert re.fullmatch(rf"{PREFIX}-[0-9a-f]{{12}}", name)
    assert recorder.mutating == ["CreateSecurityConfiguration"]
    document = stored_document(emr, name)
    assert document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == [
        {
            "Role": WRITER_ROLE,
            "IdentifierType": "Prefix",
            "Identifiers": ["s3://partner-results-b/daily"],
        },  # no trailing slash
        {"Role": READER_ROLE, "IdentifierType": "User", "Identifiers": ["hadoop", "analyst"]},
        {"Role": WRITER_ROLE, "IdentifierType": "Group", "Identifiers": ["etl"]},
    ]
    for section, content in BASE.items():
        assert document[section] == content
    assert set(document) == {*BASE, "AuthorizationConfiguration"}
    # The plan went to XCom and names the configuration that was created.
    plan = ti.xcoms["plan"]
    assert len(plan) == 1
    assert name in json.dumps(plan)


def test_in_account_of_connection_only(moto_url: str) -> None:
    name, _, _ = run_operator(make_operator())

    other = client(moto_url, DESTINATION_ACCOUNT, "emr")
    with pytest.raises(other.exceptions.InvalidRequestException):
        other.describe_security_configuration(Name=name)


def test_prefix_is_normalised_before_hashing(moto_url: str) -> None:
    """``s3://bucket/daily`` and ``s3://bucket/daily/`` are the same prefix, so the same configuration."""
    first, _, _ = run_operator(make_operator())
    unnormalised = [dict(MAPPINGS[0], Identifiers=["s3://partner-results-b/daily"]), *MAPPINGS[1:]]

    second, recorder, _ = run_operator(make_operator(role_mappings=unnormalised))

    assert second == first
    assert recorder.mutating == []


def test_second_identical_run_changes_nothing(moto_url: str) -> None:
    first, _, _ = run_operator(make_operator())

    second, recorder, ti = run_operator(make_operator())

    assert second == first
    assert recorder.mutating == []
    assert recorder.reads == ["DescribeSecurityConfiguration"]
    assert ti.xcoms["plan"] == []


def test_changed_mappings_give_new_name_and_keep_old(emr: Any) -> None:
    old_name, _, _ = run_operator(make_operator())
    old_document = stored_document(emr, old_name)
    changed = [MAPPINGS[1], MAPPINGS[0], MAPPINGS[2]]  # same mappings, other order: other meaning

    new_name, recorder, _ = run_operator(make_operator(role_mappings=changed))

    assert new_name != old_name
    assert new_name.startswith(f"{PREFIX}-")
    assert recorder.mutating == ["CreateSecurityConfiguration"]
    assert stored_document(emr, old_name) == old_document
    new_mappings = stored_document(emr, new_name)["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    assert [mapping["IdentifierType"] for mapping in new_mappings] == ["User", "Prefix", "Group"]


def test_changed_base_configuration_gives_new_name(emr: Any) -> None:
    old_name, _, _ = run_operator(make_operator())

    new_name, recorder, _ = run_operator(make_operator(base_configuration=None))

    assert new_name != old_name
    assert recorder.mutating == ["CreateSecurityConfiguration"]
    assert set(stored_document(emr, new_name)) == {"AuthorizationConfiguration"}


def test_base_configuration_as_json_string(moto_url: str) -> None:
    """A templated base_configuration may arrive as JSON text; it names the same configuration as the dict."""
    as_dict, _, _ = run_operator(make_operator())

    as_text, recorder, _ = run_operator(make_operator(base_configuration=json.dumps(BASE)))

    assert as_text == as_dict
    assert recorder.mutating == []


def test_dry_run_makes_no_mutating_call(emr: Any) -> None:
    expected = security_configuration_name(PREFIX, build_security_configuration(validate_role_mappings(MAPPINGS), BASE))

    name, recorder, ti = run_operator(make_operator(dry_run=True))

    assert recorder.mutating == []
    assert recorder.reads == ["DescribeSecurityConfiguration"]
    assert name == expected  # the content-derived name it will have
    plan = ti.xcoms["plan"]
    assert len(plan) == 1
    assert expected in json.dumps(plan)
    assert not configuration_exists(emr, expected)
    # The document is pushed in a dry run too: a launch planned after it needs it (docs/howto/security_configuration.md).
    assert ti.xcoms["security_configuration_document"] == build_security_configuration(
        validate_role_mappings(MAPPINGS), BASE
    )


def test_dry_run_after_creation_plans_nothing(moto_url: str) -> None:
    run_operator(make_operator())

    name, recorder, ti = run_operator(make_operator(dry_run=True))

    assert ti.xcoms["plan"] == []
    assert name.startswith(PREFIX)
    assert recorder.mutating == []


# Malformed role mappings, names and base configurations: tests/integration/test_bad_input_table.py.


def test_bad_input_in_dry_run_is_refused_too(connections: None) -> None:
    operator = make_operator(
        dry_run=True, role_mappings=[{"Role": WRITER_ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://"]}]
    )

    caught, recorder = execute_expecting_failure(operator, InvalidParameterError)

    assert caught.value.field == "role_mappings[0].Identifiers[0]"
    assert recorder.calls == []


def test_existing_configuration_with_other_content_is_a_conflict(emr: Any) -> None:
    name = security_configuration_name(PREFIX, build_security_configuration(validate_role_mappings(MAPPINGS), BASE))
    by_hand = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [MAPPINGS[0]]}}}
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(by_hand))

    caught, recorder = execute_expecting_failure(make_operator(), ConflictError)

    assert name in str(caught.value)
    assert recorder.mutating == []
    assert stored_document(emr, name) == by_hand


def test_a_name_twice_in_a_configuration_made_by_hand_advises_a_new_configuration_not_an_edit(emr: Any) -> None:
    """
    A security configuration cannot be edited: the refusal advises creating another, not merging by hand in place.

    The Amazon EMR API Reference has Create, Describe, List and DeleteSecurityConfiguration, no update.
    """
    name = security_configuration_name(PREFIX, build_security_configuration(validate_role_mappings(MAPPINGS), BASE))
    first = json.dumps({"EmrFsConfiguration": {"RoleMappings": [MAPPINGS[0]]}})
    text = f'{{"AuthorizationConfiguration": {first}, "AuthorizationConfiguration": {{}}}}'
    emr.create_security_configuration(Name=name, SecurityConfiguration=text)

    caught, recorder = execute_expecting_failure(make_operator(), ConflictError)

    message = str(caught.value)
    assert message.startswith(f"security configuration {name}: 'AuthorizationConfiguration' appears twice")
    assert "cannot be edited (EMR has no UpdateSecurityConfiguration): create a new one" in message
    assert "merge them by hand into one and put" not in message
    assert recorder.mutating == []


def test_existing_configuration_with_same_content_in_other_key_order_is_reused(emr: Any) -> None:
    """A configuration written by someone else with the same meaning (other key order, spacing) is reused."""
    document = build_security_configuration(validate_role_mappings(MAPPINGS), BASE)
    name = security_configuration_name(PREFIX, document)
    reordered = dict(reversed(list(document.items())))
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(reordered, indent=4))

    result, recorder, _ = run_operator(make_operator())

    assert result == name
    assert recorder.mutating == []


def test_cross_type_shadowing_is_a_warning_naming_both_mappings(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A User mapping before a Prefix is legitimate (a user that always acts as its role): warn, create."""
    mappings = [
        {"Role": READER_ROLE, "IdentifierType": "User", "Identifiers": ["etl/ip-10-0-0-1.ec2.internal@EC2.INTERNAL"]},
        {"Role": WRITER_ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/daily/"]},
    ]
    name, recorder, _ = run_operator(make_operator(role_mappings=mappings))
    assert recorder.mutating == ["CreateSecurityConfiguration"]
    assert configuration_exists(emr, name)
    output = capfd.readouterr().out + caplog.text
    assert "role_mappings[0] (User 'etl/ip-10-0-0-1.ec2.internal@EC2.INTERNAL'" in output
    # written without the trailing slash (the prefix's own key and folder marker route too)
    assert "role_mappings[1] (Prefix 's3://partner-results-b/daily'" in output


def sse_kms(key: str, *, overrides: list[dict[str, Any]] | None = None, at_rest: bool = True) -> dict[str, Any]:
    s3: dict[str, Any] = {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key}
    if overrides is not None:
        s3["Overrides"] = overrides
    return {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": at_rest,
            "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": s3},
        }
    }


def local_disk(key: str) -> dict[str, Any]:
    document = sse_kms(HERE_KEY)
    at_rest = document["EncryptionConfiguration"]["AtRestEncryptionConfiguration"]
    at_rest["LocalDiskEncryptionConfiguration"] = {"EncryptionKeyProviderType": "AwsKms", "AwsKmsKey": key}
    return document


OTHER_REGION_KEY = f"arn:aws:kms:eu-west-1:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_REGION_ALIAS = f"arn:aws:kms:eu-west-1:{DESTINATION_ACCOUNT}:alias/partner"
HERE_KEY = f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("base", "field"),
    [
        (sse_kms(OTHER_REGION_KEY), "S3EncryptionConfiguration.AwsKmsKey"),
        (local_disk(OTHER_REGION_ALIAS), "LocalDiskEncryptionConfiguration.AwsKmsKey"),
    ],
)
def test_an_at_rest_key_of_another_region_is_refused_before_any_call(
    connections: None, base: dict[str, Any], field: str
) -> None:
    """
    "The AWS KMS encryption key must be created in the same Region as your Amazon EMR cluster instance and the Amazon
    S3 buckets used with EMRFS" (Amazon EMR Management Guide, "Create keys and certificates for data encryption with
    Amazon EMR"): the configuration was created, and the verifier then failed every cluster that ran it.
    """
    caught, recorder = execute_expecting_failure(make_operator(base_configuration=base), InvalidParameterError)

    assert caught.value.field == f"base_configuration.EncryptionConfiguration.AtRestEncryptionConfiguration.{field}"
    assert f"created in {REGION}" in caught.value.problem
    assert recorder.calls == []


@pytest.mark.parametrize("key", ["alias/partner", "1234abcd-12ab-34cd-56ef-1234567890ab"])
def test_an_at_rest_key_named_by_alias_name_or_key_id_is_refused_before_any_write(emr: Any, key: str) -> None:
    """
    "If either SSE-KMS or CSE-KMS is specified, an AWS KMS customer master key (CMK) ARN must be specified as the
    AwsKmsKey value" (Amazon EMR Management Guide, "Create a security configuration"); the guide does not say what EMR
    does with another form. With no configuration of the name, one would be created: refused before
    CreateSecurityConfiguration, after reading only whether it exists (OX212, OX226).
    """
    caught, recorder = execute_expecting_failure(make_operator(base_configuration=sse_kms(key)), InvalidParameterError)

    assert caught.value.field == (
        "base_configuration.EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration.AwsKmsKey"
    )
    assert "must be the ARN of a KMS key" in caught.value.problem
    assert recorder.calls == ["DescribeSecurityConfiguration"]
    assert emr.list_security_configurations()["SecurityConfigurations"] == []


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("key", ["alias/partner", "1234abcd-12ab-34cd-56ef-1234567890ab"])
def test_a_rerun_reuses_a_configuration_with_an_alias_name_an_earlier_release_created(
    emr: Any, key: str, dry_run: bool, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A configuration of exactly this name and content, made before the create task asked for a key ARN (AWS does not
    say EMR refuses a bare alias: Amazon EMR Management Guide, "Create a security configuration", documents only the
    ARN form), is reused as any rerun reuses its configuration: no refusal, no write, a warning naming the field
    (OX226). Before, the upgrade failed the unchanged task with InvalidParameterError.
    """
    base = sse_kms(key)
    document = build_security_configuration(validate_role_mappings(MAPPINGS), base, check_shape=False)
    name = security_configuration_name(PREFIX, document)
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))

    result, recorder, ti = run_operator(make_operator(base_configuration=base, dry_run=dry_run))

    assert result == name
    assert recorder.mutating == []
    assert ti.xcoms["plan"] == []
    assert stored_document(emr, name) == document
    field = (
        "base_configuration.EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration.AwsKmsKey"
    )
    output = capfd.readouterr().out + caplog.text
    assert f"{field}: must be the ARN of a KMS key" in output
    assert f"Security configuration {name} exists already, so it is reused" in output


def test_a_key_of_the_region_an_alias_arn_or_a_key_at_rest_encryption_leaves_unused_is_kept(emr: Any) -> None:
    """
    An ``Overrides`` entry's key serves one bucket, which may be of another Region: kept, for the verifier to judge
    against that bucket's Region (before, the create refused the eu-west-1 bucket's own eu-west-1 key).
    """
    other_regions_bucket = sse_kms(
        HERE_KEY, overrides=[{"BucketName": "partner-results-eu", "AwsKmsKey": OTHER_REGION_KEY}]
    )
    for base in (
        sse_kms(HERE_KEY),
        sse_kms(f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:alias/partner"),
        sse_kms(OTHER_REGION_KEY, at_rest=False),
        local_disk(HERE_KEY),
        other_regions_bucket,
    ):
        name, _, _ = run_operator(make_operator(base_configuration=base))
        assert stored_document(emr, name)["EncryptionConfiguration"] == base["EncryptionConfiguration"]


def test_a_configuration_deleted_between_the_two_reads_is_not_created_with_an_alias_name(emr: Any) -> None:
    """
    The task reads that the configuration exists (so an alias name is reused, not refused); a clean-up deletes it
    before ``ensure_security_configuration`` reads again, which finds none and would create it from the document
    the task let through: the first problem is raised there, before ``CreateSecurityConfiguration`` (OX243). "an AWS
    KMS customer master key (CMK) ARN must be specified as the AwsKmsKey value" (Amazon EMR Management Guide, "Create
    a security configuration").
    """
    base = sse_kms("alias/partner")
    document = build_security_configuration(validate_role_mappings(MAPPINGS), base, check_shape=False)
    name = security_configuration_name(PREFIX, document)
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    operator = make_operator(base_configuration=base)
    read: list[str] = []

    def cleanup_after_the_first_read(**_: Any) -> None:
        read.append("DescribeSecurityConfiguration")
        if len(read) == 1:
            emr.delete_security_configuration(Name=name)  # e.g. DeleteUnusedSecurityConfigsOperator, concurrently

    operator.hook.conn.meta.events.register(
        "after-call.emr.DescribeSecurityConfiguration", cleanup_after_the_first_read
    )

    caught, recorder = execute_expecting_failure(operator, InvalidParameterError)

    assert caught.value.field == (
        "base_configuration.EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration.AwsKmsKey"
    )
    assert "must be the ARN of a KMS key" in caught.value.problem
    assert read == ["DescribeSecurityConfiguration", "DescribeSecurityConfiguration"]  # deleted between the two
    assert recorder.mutating == ["DeleteSecurityConfiguration"]  # the clean-up's only
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
