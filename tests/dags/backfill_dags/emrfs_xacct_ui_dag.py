"""
The DAG that the Airflow-native tests run: through the real API server without a logical date
(``tests/dags/test_backfill.py``), and with ``airflow dags test`` (``tests/dags/test_airflow_native.py``).

One partner's chain from the TaskGroup factory (one call), a launch, a step that writes under the
partner prefix and declares it as an Airflow Asset, a check that fails when the run's conf asks it
to (``fail_check``: a failing middle task), and the cluster's teardown. Names come from values every
run has (``run_after``, ``run_id``), never from the logical date, which an API-triggered run lacks.

It lies in the scheduler test's DAGs folder (``backfill_dags``), paused at creation: the scheduler
runs it only when a test triggers it. The bucket is the local stand-in's fixed one, so the asset is
known when the file is parsed.
"""

from __future__ import annotations

import pendulum
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.sdk import DAG, Asset, Param, task

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator
from airflow_provider_emrfs_xacct.task_groups import partner_access

DAG_ID = "emrfs_xacct_ui_test"
EMR_CONN_ID = "aws_emr_account"
EMR_EC2_ROLE_ARN = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER = "ui-partner"
PREFIX = f"s3://partner-results-b/{PARTNER}/"
RUN_STAMP = "{{ dag_run.run_after | ts_nodash }}"

with DAG(
    dag_id=DAG_ID,
    description="Airflow-native test: factory, links, teardown, asset, runs without a logical date",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
    default_args={"retries": 0},
    tags=["emrfs-xacct", "test"],
    params={
        "kms_key_arn": Param(
            "arn:aws:kms:us-east-1:222222222222:key/00000000-0000-0000-0000-000000000000", type="string"
        ),
        "fail_check": Param(False, type="boolean"),
    },
) as dag:
    access = partner_access(
        partner=PARTNER,
        destination_prefix=PREFIX,
        kms_key_arn="{{ params.kms_key_arn }}",
        emr_ec2_role_arn=EMR_EC2_ROLE_ARN,
        release_label="emr-7.5.0",
        settle_seconds=0.2,
    )

    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=access.security_configuration,
        job_flow_overrides={
            "Name": f"ui-{PARTNER}-{RUN_STAMP}",
            "ReleaseLabel": "emr-7.5.0",
            "Applications": [{"Name": "Hadoop"}],
            "Instances": {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
            "Tags": [{"Key": "run_id", "Value": "{{ run_id }}"}],
        },
        wait_for_completion=True,
        waiter_delay=1,
    )
    access.task_group >> cluster

    write_results = EmrAddStepsOperator(
        task_id="write_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        steps=[
            {
                "Name": f"write-{RUN_STAMP}",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": ["bash", "-c", f"echo ok | hadoop fs -put -f - {PREFIX}{RUN_STAMP}/results.txt"],
                },
            }
        ],
        wait_for_completion=True,
        waiter_delay=1,
        outlets=[Asset(PREFIX)],
    )

    @task
    def check_results(fail: bool) -> None:
        if fail:
            raise RuntimeError("the check failed, as the run's conf asked (fail_check)")

    terminate = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output
    )

    write_results >> check_results("{{ params.fail_check }}") >> terminate.as_teardown(setups=cluster)
