"""
A launch creates a missing security configuration again only from a document its create task would have created.

``LaunchClusterWithSecConfigOperator`` creates the configuration it launches with from its document when the
configuration is missing in the launch's Region (deleted since its create task ran, a launch in another Region than
the create task, a ``security_configuration_document`` given by hand). The document is checked as
``CreateEmrfsSecurityConfigOperator`` checks the one it creates (``pure.security_config.refuse_unfit_document``):
role mappings in the documented shape, documented field types, no routing bypass, and no at-rest KMS key of another
Region, since "The AWS KMS encryption key must be created in the same Region as your Amazon EMR cluster instance and
the Amazon S3 buckets used with EMRFS" (Amazon EMR Management Guide, "Create keys and certificates for data
encryption with Amazon EMR"). Against the two-account moto server, whose EMR takes each of these documents: the
refusal is the provider's, before any write.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, REGION, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, small_cluster
from tests.integration.test_revoke_cleanup import RunTaskInstance, run_create

ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
MAPPINGS = "AuthorizationConfiguration.EmrFsConfiguration.RoleMappings"
AT_REST = "EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration"
OTHER_REGION = "eu-west-1"


def key_arn(region: str) -> str:
    return f"arn:aws:kms:{region}:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def sse_kms(key: str) -> dict[str, Any]:
    """At-rest S3 encryption with ``key`` (Amazon EMR Management Guide, "Create a security configuration")."""
    return {
        "EnableInTransitEncryption": False,
        "EnableAtRestEncryption": True,
        "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key}},
    }


def document(identifier: str = "s3://partner-results-b/exports", **sections: Any) -> dict[str, Any]:
    mapping = {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [identifier]}
    return {**sections, "AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [mapping]}}}


#: Each document the create task refuses before any call, and the field the launch's refusal names.
REFUSED = {
    "another_scheme": (
        document("s3a://partner-results-b/exports"),
        f"security_configuration_document.{MAPPINGS}[0].Identifiers[0]",
        "a Prefix mapping takes s3://bucket/prefix/ identifiers",
    ),
    "not_a_boolean": (
        document(EncryptionConfiguration={**sse_kms(key_arn(REGION)), "EnableAtRestEncryption": "yes"}),
        "security_configuration_document.EncryptionConfiguration.EnableAtRestEncryption",
        'must be true or false, got "yes"',
    ),
    "key_of_another_region": (
        document(EncryptionConfiguration=sse_kms(key_arn(OTHER_REGION))),
        f"security_configuration_document.{AT_REST}.AwsKmsKey",
        f"is a KMS key of Region {OTHER_REGION}, but the configuration is created in {REGION}",
    ),
    # The create task reads first that EMR holds no configuration of the name (one that exists is reused), then
    # refuses it: "an AWS KMS customer master key (CMK) ARN must be specified as the AwsKmsKey value" (Amazon EMR
    # Management Guide, "Create a security configuration"). The launch creates the missing one: refused too (OX241).
    "alias_name": (
        document(EncryptionConfiguration=sse_kms("alias/partner-key")),
        f"security_configuration_document.{AT_REST}.AwsKmsKey",
        'must be the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) when EncryptionMode is SSE-KMS, got "alias/partner-key"',
    ),
}


def refused_launch(operator: LaunchClusterWithSecConfigOperator, ti: Any = None) -> tuple[Any, CallRecorder]:
    recorder = CallRecorder()
    ti = ti or RecordingTaskInstance(task_id=operator.task_id)
    with recorder.everything(), pytest.raises(InvalidParameterError) as error:
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]
    return error.value, recorder


def create_task_refusal(given: dict[str, Any]) -> tuple[InvalidParameterError, CallRecorder]:
    """The create task given the document's role mappings and other sections: its refusal, and its calls."""
    mappings = given["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    operator = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="perm",
        role_mappings=mappings,
        base_configuration={key: value for key, value in given.items() if key != "AuthorizationConfiguration"},
    )
    recorder = CallRecorder()
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with recorder.everything(), pytest.raises(InvalidParameterError) as error:
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]
    return error.value, recorder


def create_task_field(field: str) -> str:
    """How the create task names a field of the document: ``role_mappings[i]...`` or ``base_configuration...``."""
    named = field.removeprefix("security_configuration_document.")
    if named.startswith(MAPPINGS):
        return f"role_mappings{named.removeprefix(MAPPINGS)}"
    return f"base_configuration.{named}"


@pytest.mark.parametrize(("given", "field", "problem"), REFUSED.values(), ids=REFUSED.keys())
def test_a_missing_configuration_is_not_created_from_a_document_its_create_task_refuses(
    aws: Seeded, given: dict[str, Any], field: str, problem: str
) -> None:
    """
    The create task refuses the document before any call; the launch, the configuration absent, refuses it too (the
    one check, naming the field where the launch was given it), writes nothing and launches nothing.
    """
    created, create_calls = create_task_refusal(given)
    assert created.field == create_task_field(field)
    assert [call for call in create_calls.calls if call != "DescribeSecurityConfiguration"] == []  # no write
    assert problem in str(created)
    name = security_configuration_name("perm", given)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    operator = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=name,
        security_configuration_document=given,
        job_flow_overrides=small_cluster(),
        wait_for_completion=False,
    )

    error, recorder = refused_launch(operator)

    assert error.field == field
    assert problem in str(error)
    assert recorder.mutating == []
    assert "CreateSecurityConfiguration" not in recorder.calls
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    assert emr.list_clusters()["Clusters"] == []


def test_a_create_tasks_document_is_not_created_again_in_a_launch_of_another_region(aws: Seeded) -> None:
    """
    The create task ran in the connection's Region with a key of that Region; the launch runs in another, where the
    configuration is missing: the create task's document (its XCom) names a key of the create task's Region there.
    """
    with DAG("launch_in_another_region", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        create = CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="perm",
            role_mappings=[
                {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/exports"]}
            ],
            base_configuration={"EncryptionConfiguration": sse_kms(key_arn(REGION))},
        )
        launch = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            region_name=OTHER_REGION,
            emr_conn_id=None,
            security_configuration=create.output,
            job_flow_overrides=small_cluster(),
            wait_for_completion=False,
        )
    run: dict[tuple[str, str], Any] = {}
    name = run_create(create, run)
    here = client(aws.url, EMR_ACCOUNT, "emr")
    there = client(aws.url, EMR_ACCOUNT, "emr", region=OTHER_REGION)
    assert [c["Name"] for c in here.list_security_configurations()["SecurityConfigurations"]] == [name]
    assert there.list_security_configurations()["SecurityConfigurations"] == []
    ti = RunTaskInstance(task_id=launch.task_id, run=run)
    launch.render_template_fields({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]

    error, recorder = refused_launch(launch, ti)

    assert error.field == f"security_configuration.{AT_REST}.AwsKmsKey"
    assert f"is a KMS key of Region {REGION}, but the configuration is created in {OTHER_REGION}" in str(error)
    assert recorder.mutating == []
    assert there.list_security_configurations()["SecurityConfigurations"] == []
    assert there.list_clusters()["Clusters"] == []


@pytest.mark.parametrize(("given", "field", "problem"), REFUSED.values(), ids=REFUSED.keys())
def test_a_dry_run_of_the_launch_refuses_the_document_as_its_real_run_does(
    aws: Seeded, given: dict[str, Any], field: str, problem: str
) -> None:
    """A dry run plans what the real run does: the document the real launch refuses is refused there too, named."""
    operator = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration_name("perm", given),
        security_configuration_document=given,
        job_flow_overrides=small_cluster(),
        wait_for_completion=False,
        dry_run=True,
    )

    error, recorder = refused_launch(operator)

    assert error.field == field
    assert problem in str(error)
    assert recorder.mutating == []
