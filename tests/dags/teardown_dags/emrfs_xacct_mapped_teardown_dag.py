"""
Mapped launches that fail after ``RunJobFlow`` and their mapped teardowns: ``tests/dags/test_mapped_teardown.py``.

Each launch is mapped (``.partial(...).expand(job_flow_overrides=...)``) and fails after ``RunJobFlow`` on the
map indexes of :data:`FAILING` (as a worker lost while waiting for the cluster would), so it returns no cluster
id there. Each teardown is mapped over a list as long as its launch's (the account each instance acts in), so
its map indexes are the launch's, and takes its launch instance's cluster id from XCom (``''`` when there is
none): an instance without one must find its launch instance's cluster by its idempotency tag. ``some``: one
of two launch instances fails; ``all``: the only one fails (Airflow's own teardown rule would skip its teardown).
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator

DAG_ID = "emrfs_xacct_mapped_teardown"
EMR_CONN_ID = "aws_emr_account"
#: The stand-in's EMR account (``devstack/moto_stack.py``).
EMR_ACCOUNT = "111111111111"
#: The launches' map indexes, and those that fail after RunJobFlow, by pair.
INSTANCES = {"some": 2, "all": 1}
FAILING = {"some": {1}, "all": {0}}


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
        if context["ti"].map_index in FAILING[self.task_id.removeprefix("launch_")]:
            raise RuntimeError(f"worker lost after RunJobFlow launched {cluster_id}")
        return cluster_id


with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    default_args={"retries": 0},
    tags=["emrfs-xacct", "test"],
):
    for pair, count in INSTANCES.items():
        launch = FailsAfterRunJobFlow.partial(
            task_id=f"launch_{pair}",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=None,
            wait_for_completion=False,
        ).expand(job_flow_overrides=[cluster(f"{pair}-{index}") for index in range(count)])
        terminate = TerminateClusterOperator.partial(
            task_id=f"terminate_{pair}",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id=f"{{{{ ti.xcom_pull(task_ids='launch_{pair}', map_indexes=ti.map_index, default='') }}}}",
        ).expand(expected_account_id=[EMR_ACCOUNT] * count)
        launch >> terminate.as_teardown(setups=launch)
