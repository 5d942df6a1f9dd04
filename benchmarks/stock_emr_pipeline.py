"""
The example pipeline written with the Amazon provider's operators only: the parse-cost benchmark's yardstick.

It launches a cluster with an existing security configuration (made by hand, outside Airflow),
writes the results in a step, waits for the step and terminates the cluster: what
``dags/emrfs_xacct_partner_export.py`` does after provisioning, with the same params and templates.
It is not an example to copy; ``benchmarks/parse_cost.py`` parses it beside the provider's DAG.
"""

from __future__ import annotations

import pendulum
from airflow.providers.amazon.aws.operators.emr import (
    EmrAddStepsOperator,
    EmrCreateJobFlowOperator,
    EmrTerminateJobFlowOperator,
)
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.sdk import DAG, Param

EMR_CONN_ID = "aws_emr_account"

with DAG(
    dag_id="stock_emr_partner_export",
    description="Write results into the partner's bucket with a hand-made security configuration",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    max_active_runs=8,
    tags=["benchmark"],
    params={
        "partner": Param(type="string", pattern=r"^[a-z0-9-]{1,40}$", description="Short partner name"),
        "emr_ec2_role_name": Param("EMR_EC2_DefaultRole", type="string"),
        "destination_prefix": Param(type="string", description="s3://bucket/prefix/ in the partner account"),
        "security_configuration": Param(type="string", description="An existing EMR security configuration"),
        "release_label": Param("emr-7.5.0", type="string"),
    },
) as dag:
    cluster = EmrCreateJobFlowOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        job_flow_overrides={
            "Name": "export-{{ params.partner }}-{{ run_id }}",
            "ReleaseLabel": "{{ params.release_label }}",
            "SecurityConfiguration": "{{ params.security_configuration }}",
            "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
            "Instances": {
                "InstanceGroups": [
                    {"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                    {"Name": "Core", "InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            "JobFlowRole": "{{ params.emr_ec2_role_name }}",
            "ServiceRole": "EMR_DefaultRole",
            "Tags": [{"Key": "partner", "Value": "{{ params.partner }}"}],
        },
        wait_for_completion=True,
        waiter_delay=30,
        waiter_max_attempts=60,
    )

    write_results = EmrAddStepsOperator(
        task_id="write_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        steps=[
            {
                "Name": "write-results-{{ run_id }}",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": [
                        "bash",
                        "-c",
                        'echo "results for $1" | hadoop fs -put -f - "$2"',  # the values as arguments: never run
                        "write-results",
                        "{{ run_id }}",
                        "{{ params.destination_prefix }}results.txt",
                    ],
                },
            }
        ],
    )

    wait_for_results = EmrStepSensor(
        task_id="wait_for_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        step_id="{{ ti.xcom_pull(task_ids='write_results')[0] }}",
        poke_interval=30,
        timeout=6 * 60 * 60,
    )

    terminate = EmrTerminateJobFlowOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output
    )

    cluster >> write_results >> wait_for_results >> terminate.as_teardown(setups=cluster)
