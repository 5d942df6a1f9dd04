"""
The launch creates a deleted security configuration again only from a document whose roles are in its connection's
partition, as its create task requires (``CreateEmrfsSecurityConfigOperator``: ``role_mappings[i].Role``).

"Each AWS account is scoped to one partition" (AWS General Reference, "Amazon Resource Names (ARNs)"), and "You
cannot use IAM credentials from one partition to interact with resources in a different partition" (AWS Fault
Isolation Boundaries, "Partitions"): the EMR EC2 role of an ``aws`` cluster cannot assume an ``aws-cn`` role. Against
the two-account moto server, whose EMR takes such a document: the refusal is the provider's, before any write.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, security_configuration_name
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, small_cluster

CHINA_ROLE = f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
FIELD = "security_configuration_document.AuthorizationConfiguration.EmrFsConfiguration.RoleMappings[0].Role"
DOCUMENT = build_security_configuration(
    [{"Role": CHINA_ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/exports/"]}]
)
NAME = security_configuration_name("perm", DOCUMENT)


def launch() -> LaunchClusterWithSecConfigOperator:
    """A launch in the ``aws`` partition (the EMR connection's ``us-east-1``), given the ``aws-cn`` document."""
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=NAME,
        security_configuration_document=DOCUMENT,
        job_flow_overrides=small_cluster(),
        wait_for_completion=False,
    )


def refused(operator: LaunchClusterWithSecConfigOperator) -> tuple[InvalidParameterError, CallRecorder]:
    recorder = CallRecorder()
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with recorder.everything(), pytest.raises(InvalidParameterError) as error:
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]
    return error.value, recorder


def test_a_deleted_configuration_mapping_a_role_of_another_partition_is_not_created_again(aws: Seeded) -> None:
    """The configuration is missing (deleted): refused naming the role's field, with no write and no launch."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    assert NAME not in {c["Name"] for c in emr.list_security_configurations()["SecurityConfigurations"]}

    error, recorder = refused(launch())

    assert error.field == FIELD
    assert "is in partition 'aws-cn', but connection 'aws_emr_account' is in partition 'aws'" in str(error)
    assert "CreateSecurityConfiguration" not in recorder.calls
    assert "RunJobFlow" not in recorder.calls
    assert recorder.mutating == []
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    assert emr.list_clusters()["Clusters"] == []


def test_a_configuration_deleted_before_run_job_flow_is_not_created_again_in_another_partition(aws: Seeded) -> None:
    """
    The configuration is there at the launch's check and gone when ``RunJobFlow`` comes (a clean-up in between):
    ``RunJobFlow`` is refused, and the configuration is not created again from the ``aws-cn`` document.
    """
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=NAME, SecurityConfiguration=json.dumps(DOCUMENT))
    operator = launch()
    sent: list[str] = []

    def cleanup_before_run_job_flow(**_: Any) -> None:
        sent.append("RunJobFlow")
        if len(sent) == 1:
            emr.delete_security_configuration(Name=NAME)

    operator.hook.client_sending_once.meta.events.register("before-call.emr.RunJobFlow", cleanup_before_run_job_flow)

    error, recorder = refused(operator)

    assert error.field == FIELD
    assert "partition" in str(error)
    assert sent == ["RunJobFlow"]  # the one refused for the missing configuration, not sent again
    assert "CreateSecurityConfiguration" not in recorder.calls
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    assert emr.list_clusters()["Clusters"] == []
