"""
What a DAG author takes from upstream tasks and params: the EMR EC2 role's ARN as an upstream task's output, a
role's session duration and the launch's ``keep_emrfs`` from params, rendered as text (Airflow's default).

Run by ``tests/dags/test_dag_templates.py`` (``airflow dags test``).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator
from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.task_groups import partner_access

DAG_ID = "emrfs_xacct_xcom_role_and_settings"

with DAG(
    DAG_ID,
    schedule=None,
    params={
        "emr_ec2_role_arn": "",
        "destination_prefix": "",
        "kms_key_arn": "",
        "max_session_duration": 7200,
        "keep_emrfs": False,
    },
):

    @task
    def emr_ec2_role(params: dict[str, Any] | None = None) -> str:
        """Stands for a task that creates or looks up the EMR EC2 role and returns its ARN."""
        return str((params or {})["emr_ec2_role_arn"])

    role_arn = emr_ec2_role()
    access = partner_access(
        partner="acme",
        destination_prefix="{{ params.destination_prefix }}",
        kms_key_arn="{{ params.kms_key_arn }}",
        emr_ec2_role_arn=role_arn,
        emr_aws_conn_id="aws_emr_account",
        destination_aws_conn_id="aws_destination_account",
    )
    reader = EnsureDestinationRoleOperator(
        task_id="ensure_reader_role",
        aws_conn_id="aws_destination_account",
        role_name="emrfs-acme-reader",
        trusted_role_arns=[role_arn],
        s3_prefixes=["{{ params.destination_prefix }}"],
        max_session_duration="{{ params.max_session_duration }}",
    )
    launch = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id="aws_emr_account",
        emr_conn_id=None,
        security_configuration=access.security_configuration,
        keep_emrfs="{{ params.keep_emrfs }}",
        job_flow_overrides={
            "Name": "partner-export",
            "ReleaseLabel": "emr-7.10.0",
            "Instances": {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
        },
        wait_for_completion=False,
    )
    terminate = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id="aws_emr_account")
    access.task_group >> launch >> terminate.as_teardown(setups=launch)
