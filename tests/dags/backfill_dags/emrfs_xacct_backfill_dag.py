"""
The DAG that ``tests/dags/test_backfill.py`` backfills with a real scheduler (LocalExecutor) against moto.

Each daily run provisions a different partner, derived from its logical date (``partner-YYYYMMDD``),
and every run shares the destination account's KMS key and the EMR account's EMR EC2 role: the
runs of a backfill write the same key policy and the same inline policy at the same time. The key's
ARN comes from the backfill's run conf (moto gives the seeded key a random id).

This folder is the DAGs folder of that test only: Airflow 3.3 re-reads a DAG from its file, so the
file must lie in the folder the scheduler and the DAG processor are pointed at. The file name does
not match pytest's ``test_*.py`` / ``*_test.py`` patterns, so pytest does not collect it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator

DAG_ID = "emrfs_xacct_backfill_test"
EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
EMR_EC2_ROLE_ARN = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER = "partner-{{ ds_nodash }}"
PREFIX = "s3://{{ params.bucket }}/" + PARTNER + "/"
#: Short waits after a shared-document write: the test wants speed; the default (1 s) is for real AWS.
SETTLE_SECONDS = 0.2

with DAG(
    dag_id=DAG_ID,
    description="Backfill test: one partner per logical date, all sharing one KMS key and one EMR EC2 role",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    # Past end_date and no catchup: the scheduler creates no run of its own, only the backfill's.
    end_date=pendulum.datetime(2024, 1, 31, tz="UTC"),
    catchup=False,
    max_active_runs=8,
    max_active_tasks=32,
    render_template_as_native_obj=True,
    default_args={"retries": 0},
    tags=["emrfs-xacct", "test"],
    params={
        "kms_key_arn": Param(
            "arn:aws:kms:us-east-1:222222222222:key/00000000-0000-0000-0000-000000000000", type="string"
        ),
        "bucket": Param("partner-results-b", type="string"),
    },
) as dag:
    destination_role = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-" + PARTNER + "-writer",
        trusted_role_arns=[EMR_EC2_ROLE_ARN],
        s3_prefixes=[PREFIX],
        kms_key_arns=["{{ params.kms_key_arn }}"],
        settle_seconds=SETTLE_SECONDS,
    )

    allow_assume = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name="EMR_EC2_DefaultRole",
        destination_role_arns=[destination_role.output],
        settle_seconds=SETTLE_SECONDS,
    )

    grant_key = GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn="{{ params.kms_key_arn }}",
        principal_arns=[destination_role.output],
        settle_seconds=SETTLE_SECONDS,
    )

    security_configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-" + PARTNER,
        role_mappings=[{"Role": destination_role.output, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
        settle_seconds=SETTLE_SECONDS,
    )

    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration.output,
        job_flow_overrides={
            "Name": "backfill-" + PARTNER,
            "ReleaseLabel": "emr-7.5.0",
            "Applications": [{"Name": "Spark"}],
            "Instances": {
                "MasterInstanceType": "m5.xlarge",
                "SlaveInstanceType": "m5.xlarge",
                "InstanceCount": 3,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
            "Tags": [{"Key": "partner", "Value": PARTNER}],
        },
        wait_for_completion=True,
        waiter_delay=1,
        waiter_max_attempts=60,
    )

    terminate = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output
    )

    [allow_assume, grant_key] >> cluster
    terminate.as_teardown(setups=cluster)
