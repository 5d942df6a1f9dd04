"""
A launch whose first try fails after ``RunJobFlow``, and its teardown, run by ``tests/dags/test_retries.py``.

The first try launches the cluster and then fails (as a worker lost after ``RunJobFlow`` would): its retry
must compute the same idempotency key (the DAG run's start date is part of it when no
``[emrfs_xacct] deployment_name`` is set) and return that cluster; the teardown, given no cluster id,
finds it by the same key.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator


class FailsAfterLaunchingOnce(LaunchClusterWithSecConfigOperator):
    """Its first try launches, then fails before returning the cluster id."""

    def execute(self, context: Any) -> str | None:
        cluster_id = super().execute(context)
        if context["ti"].try_number == 1:
            raise RuntimeError(f"worker lost after RunJobFlow launched {cluster_id}")
        return cluster_id


with DAG(
    "emrfs_xacct_launch_retry",
    schedule=None,
    default_args={"retries": 2, "retry_delay": timedelta(0)},
):
    launch = FailsAfterLaunchingOnce(
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
    terminate = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id="aws_emr_account")
    launch >> terminate.as_teardown(setups=launch)
