"""
A deferred teardown whose waits come from the run's params, rendered as text (Airflow's default rendering).

Run by ``tests/dags/test_dag_templates.py`` (``airflow dags test``).
"""

from __future__ import annotations

from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator

with DAG("emrfs_xacct_teardown_waits", schedule=None, params={"delay": 1, "attempts": 5}):
    launch = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id="aws_emr_account",
        emr_conn_id=None,
        security_configuration=None,
        job_flow_overrides={
            "Name": "partner-export",
            "ReleaseLabel": "emr-6.15.0",
            "Instances": {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
        },
    )
    terminate = TerminateClusterOperator(
        task_id="terminate_cluster",
        aws_conn_id="aws_emr_account",
        job_flow_id=launch.output,
        deferrable=True,
        waiter_delay="{{ params.delay }}",
        waiter_max_attempts="{{ params.attempts }}",
    )
    launch >> terminate.as_teardown(setups=launch)
