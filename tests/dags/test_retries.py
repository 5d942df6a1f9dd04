"""
What Airflow does with the provider's errors under ``retries`` (``airflow dags test``, the Task SDK's task runner).

An error a retry cannot mend (a bad field) fails the task on its first try; one that may pass (an access
denied while IAM's lag lasts) is retried. The DAG is ``retry_dags/emrfs_xacct_retries.py``.

A refusal while Airflow renders the task's templates fails it on its first try too: the Task SDK renders in
``_prepare`` (``ti.render_templates``, in ``airflow/sdk/execution_time/task_runner.py``), inside the same
``try`` as ``execute``, whose ``except (AirflowFailException, AirflowSensorTimeout)`` alone marks the task
failed without its retries; there the provider's ``execute`` wrapper is not yet on the stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from devstack.testing import airflow_command, airflow_env
from tests.dags.test_airflow_native import query

if TYPE_CHECKING:
    from devstack.moto_stack import MotoStack

RETRY_DAGS = Path(__file__).resolve().parent / "retry_dags"


def test_a_bad_field_fails_at_once_and_a_denial_is_retried(
    moto_stack: MotoStack, airflow_home: Path, tmp_path: Path
) -> None:
    env = {**airflow_env(moto_stack.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(RETRY_DAGS)}
    result = airflow_command(["dags", "test", "emrfs_xacct_retries"], env, tmp_path)
    output = result.stdout + result.stderr
    (tmp_path / "retries.log").write_text(output)

    rows = query(
        env,
        "SELECT task_id, state, try_number, max_tries FROM task_instance WHERE dag_id = 'emrfs_xacct_retries'",
    )
    tries = {row.task_id: (row.state, row.try_number, row.max_tries) for row in rows}
    # retries=3 on each: the bad field ended after its first try, the denial passed on the second.
    assert tries["bad_field"] == ("failed", 1, 3), output[-4000:]
    assert tries["denied_once"] == ("success", 2, 3), output[-4000:]
    # Refused while rendering: the aws_partition macro in a provider operator and in a stock one (EmrAddStepsOperator),
    # and a provider operator's own template hook, unmapped and mapped.
    for task_id in (
        "macro_refused_while_rendering",
        "macro_refused_while_rendering_stock",
        "hook_refused_while_rendering",
        "hook_refused_while_rendering_mapped",
    ):
        assert tries[task_id] == ("failed", 1, 3), (task_id, output[-4000:])
    # The author still sees the provider's error, naming the field (or the macro).
    assert "InvalidParameterError: trusted_role_arns[0]" in output
    assert "InvalidParameterError: aws_partition('aws_not_defined')" in output
    assert "InvalidParameterError: role_name: refused by the operator's own template hook" in output


def test_a_retried_launch_returns_its_cluster_and_the_teardown_finds_it(
    moto_url: str, airflow_home: Path, tmp_path: Path
) -> None:
    """
    The launch key is the same on a retry in a real Airflow run: its DAG run's start date does not change.

    The first try launched and failed; the second returned that cluster (one cluster only); the teardown,
    without a cluster id, found it by the key. The cluster's key is the one of the run's recorded start date.
    """
    from datetime import datetime, timezone

    from airflow_provider_emrfs_xacct.pure.launch_arguments import deployment_key, launch_key, task_instance_key
    from airflow_provider_emrfs_xacct.pure.names import IDEMPOTENCY_TAG
    from devstack.moto_stack import EMR_ACCOUNT, client

    dag_id = "emrfs_xacct_launch_retry"
    env = {**airflow_env(moto_url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(RETRY_DAGS)}
    env.pop("AIRFLOW__EMRFS_XACCT__DEPLOYMENT_NAME", None)
    result = airflow_command(["dags", "test", dag_id], env, tmp_path)
    output = result.stdout + result.stderr
    (tmp_path / "launch_retry.log").write_text(output)

    tries = {
        row.task_id: (row.state, row.try_number)
        for row in query(env, "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = :d", d=dag_id)
    }
    assert tries == {"launch_cluster": ("success", 2), "terminate_cluster": ("success", 1)}, output[-4000:]
    (run,) = query(env, "SELECT run_id, start_date FROM dag_run WHERE dag_id = :d", d=dag_id)
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    (cluster,) = emr.list_clusters()["Clusters"]  # the retry launched no second one
    assert cluster["Status"]["State"] in ("TERMINATING", "TERMINATED")  # found by the teardown
    tags = emr.describe_cluster(ClusterId=cluster["Id"])["Cluster"]["Tags"]
    started = datetime.fromisoformat(str(run.start_date)).replace(tzinfo=timezone.utc)
    key = launch_key(task_instance_key(dag_id, run.run_id, "launch_cluster", -1), deployment_key(None, started))
    assert {"Key": IDEMPOTENCY_TAG, "Value": key} in tags
