"""The EMR operators: security configuration, launch and terminate (template fields, defaults, XCom shape)."""

from __future__ import annotations

from airflow.providers.amazon.aws.operators.emr import EmrCreateJobFlowOperator, EmrTerminateJobFlowOperator

from airflow_provider_emrfs_xacct.operators.base import PLAN_XCOM_KEY
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import run_operator, small_cluster
from tests.unit.operators.template_fields import SAFETY_FIELDS, validate_template_fields

ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"


def security_configuration(**kwargs: object) -> CreateEmrfsSecurityConfigOperator:
    return CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-acme",
        role_mappings=[{"Role": ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/acme/"]}],
        **kwargs,
    )


def test_security_configuration_template_fields_and_defaults():
    operator = security_configuration()
    validate_template_fields(operator)
    assert {"name_prefix", "role_mappings", "base_configuration", *SAFETY_FIELDS} <= set(operator.template_fields)
    assert operator.base_configuration is None


def test_security_configuration_xcom_shape(moto_url):
    name, recorder, ti = run_operator(security_configuration(dry_run=True))
    assert name.startswith("emrfs-xacct-acme-")
    (change,) = ti.xcoms[PLAN_XCOM_KEY]
    assert (change["action"], change["resource"]) == ("create", f"emr security configuration {name}")
    assert change["after"]["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"][0]["Role"] == ROLE_ARN
    assert recorder.mutating == []


def test_launch_template_fields_and_defaults():
    operator = LaunchClusterWithSecConfigOperator(task_id="launch", security_configuration="c")
    validate_template_fields(operator)
    assert set(EmrCreateJobFlowOperator.template_fields) < set(operator.template_fields)
    assert {"security_configuration", "emrfs_credentials_provider", "emrfs_site_properties", *SAFETY_FIELDS} <= set(
        operator.template_fields
    )
    assert operator.keep_emrfs is True
    assert operator.emrfs_credentials_provider is None
    assert operator.emrfs_site_properties is None
    assert "EMR Security Configurations" in [link.name for link in operator.operator_extra_links]


def test_terminate_template_fields_and_defaults():
    operator = TerminateClusterOperator(task_id="terminate")
    validate_template_fields(operator)
    assert set(EmrTerminateJobFlowOperator.template_fields) < set(operator.template_fields)
    assert operator.job_flow_id is None
    assert operator.launch_task_id is None


def test_terminate_dry_run_plans_the_termination_and_terminates_nothing(moto_url):
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**small_cluster("export", "emr-7.5.0"))["JobFlowId"]

    def terminate(**kwargs: object) -> TerminateClusterOperator:
        return TerminateClusterOperator(
            task_id="terminate",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id=cluster_id,
            expected_account_id=EMR_ACCOUNT,
            **kwargs,
        )

    result, recorder, ti = run_operator(terminate(dry_run="true"))  # as a template renders it
    assert result is None
    assert ti.xcoms[PLAN_XCOM_KEY] == [
        {
            "action": "delete",
            "resource": f"emr cluster {cluster_id}",
            "before": {"ClusterId": cluster_id},
            "after": None,
        }
    ]
    assert recorder.mutating == []
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] not in ("TERMINATING", "TERMINATED")

    _, recorder, _ = run_operator(terminate())
    assert recorder.mutating == ["TerminateJobFlows"]
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] in ("TERMINATING", "TERMINATED")
