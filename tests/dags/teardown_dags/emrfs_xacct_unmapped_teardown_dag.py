"""
A mapped launch and one teardown that is not mapped: ``tests/dags/test_unmapped_teardown_of_mapped_launch.py``.

The natural shape: ``TerminateClusterOperator(job_flow_id=launch.output).as_teardown(setups=launch)`` over
``LaunchClusterWithSecConfigOperator.partial(...).expand(job_flow_overrides=[...])``. Pulled by a task that is not
mapped, ``launch.output`` renders as the list of the cluster ids the launch instances returned. In ``failing``, the
launch instances of :data:`FAILING` fail after ``RunJobFlow`` (as a worker lost while waiting for the cluster would)
and return no id: the teardown finds their clusters by their tags.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator

DAG_ID = "emrfs_xacct_unmapped_teardown"
EMR_CONN_ID = "aws_emr_account"
#: The launches' map indexes by launch task, and those that fail after RunJobFlow.
INSTANCES = {"launch_all": 2, "launch_failing": 3}
FAILING = {"launch_all": set(), "launch_failing": {1}}


def cluster(name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "ReleaseLabel": "emr-6.15.0",
        "Instances": {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        "JobFlowRole": "EMR_EC2_DefaultRole",
        "ServiceRole": "EMR_DefaultRole",
    }


class FailsAfterRunJobFlow(LaunchClusterWithSecConfigOperator):
    """Launches, then fails before returning the cluster id on the map indexes of ``FAILING``."""

    def execute(self, context: Any) -> str | None:
        cluster_id = super().execute(context)
        if context["ti"].map_index in FAILING[self.task_id]:
            raise RuntimeError(f"worker lost after RunJobFlow launched {cluster_id}")
        return cluster_id


with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    default_args={"retries": 0},
    tags=["emrfs-xacct", "test"],
):
    for task_id, count in INSTANCES.items():
        launch = FailsAfterRunJobFlow.partial(
            task_id=task_id,
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=None,
            wait_for_completion=False,
        ).expand(job_flow_overrides=[cluster(f"{task_id}-{index}") for index in range(count)])
        terminate = TerminateClusterOperator(
            task_id=task_id.replace("launch", "terminate"), aws_conn_id=EMR_CONN_ID, job_flow_id=launch.output
        )
        launch >> terminate.as_teardown(setups=launch)
