"""
A mapped ``TerminateClusterOperator`` is the launch's teardown as an unmapped one is.

``.partial(...).expand(...)`` builds Airflow's ``MappedOperator``, whose ``as_teardown`` was Airflow's own: the
mapped teardown kept ``all_done_setup_success`` (skipped once every launch instance failed) and no
``launch_task_id`` (an instance without a cluster id skipped instead of looking for its launch's cluster by its
tag), so a cluster whose launch failed after ``RunJobFlow`` kept running. The run is ``airflow dags test`` of
``teardown_dags/emrfs_xacct_mapped_teardown_dag.py`` against moto.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstack.moto_stack import EMR_ACCOUNT, client
from devstack.testing import airflow_env
from tests.dags.teardown_dags.emrfs_xacct_mapped_teardown_dag import DAG_ID, FAILING, INSTANCES
from tests.dags.test_airflow_native import dags_test, last_run

TEARDOWN_DAGS = Path(__file__).resolve().parent / "teardown_dags"


def launch_and_teardown(mapped: bool) -> tuple[Any, Any]:
    """A launch and its teardown (``as_teardown(setups=launch)``), both mapped or neither."""
    from airflow.sdk import DAG

    from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator

    launch_arguments = {"aws_conn_id": "aws_emr_account", "emr_conn_id": None, "security_configuration": "x"}
    with DAG(dag_id=f"teardown_shape_{mapped}", schedule=None):
        if mapped:
            launch = LaunchClusterWithSecConfigOperator.partial(task_id="launch1", **launch_arguments).expand(
                job_flow_overrides=[{}, {}]
            )
            teardown = TerminateClusterOperator.partial(task_id="terminate", aws_conn_id="aws_emr_account").expand(
                expected_account_id=[EMR_ACCOUNT, EMR_ACCOUNT]
            )
        else:
            launch = LaunchClusterWithSecConfigOperator(task_id="launch1", job_flow_overrides={}, **launch_arguments)
            teardown = TerminateClusterOperator(task_id="terminate", aws_conn_id="aws_emr_account")
        return launch, teardown.as_teardown(setups=launch)


@pytest.mark.parametrize("mapped", [False, True], ids=["unmapped", "mapped"])
def test_a_mapped_teardown_runs_after_failed_launches_and_knows_its_launch_as_an_unmapped_one(mapped: bool) -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    launch, teardown = launch_and_teardown(mapped)

    arguments = teardown.partial_kwargs if mapped else vars(teardown)
    assert (teardown.is_teardown, launch.is_setup) == (True, True)
    assert teardown.trigger_rule == "all_done"
    assert arguments["launch_task_id"] == "launch1"
    # What the scheduler decides with: the serialised DAG's task.
    dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(teardown.dag))
    stored = dag.get_task("terminate")
    assert (stored.is_teardown, stored.trigger_rule) == (True, "all_done")
    if mapped:
        assert stored.partial_kwargs["launch_task_id"] == "launch1"


def test_a_mapped_teardown_keeps_the_launch_task_id_it_was_given() -> None:
    from airflow.sdk import DAG

    from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator

    with DAG(dag_id="teardown_given_launch", schedule=None):
        launch = LaunchClusterWithSecConfigOperator.partial(
            task_id="launch1", aws_conn_id="aws_emr_account", emr_conn_id=None, security_configuration="x"
        ).expand(job_flow_overrides=[{}])
        teardown = TerminateClusterOperator.partial(
            task_id="terminate", aws_conn_id="aws_emr_account", launch_task_id="launch_elsewhere"
        ).expand_kwargs([{"expected_account_id": EMR_ACCOUNT}])
        teardown.as_teardown(setups=launch)

    assert teardown.partial_kwargs["launch_task_id"] == "launch_elsewhere"
    assert teardown.trigger_rule == "all_done"


def test_a_teardown_mapped_over_its_mapped_launchs_output_is_refused_naming_what_to_do() -> None:
    """Airflow makes an instance per launch instance that returned a cluster id: a failed one would have none."""
    from airflow.sdk import DAG

    from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    with DAG(dag_id="teardown_over_output", schedule=None):
        launch = LaunchClusterWithSecConfigOperator.partial(
            task_id="launch1", aws_conn_id="aws_emr_account", emr_conn_id=None, security_configuration="x"
        ).expand(job_flow_overrides=[{}, {}])
        teardown = TerminateClusterOperator.partial(task_id="terminate", aws_conn_id="aws_emr_account").expand(
            job_flow_id=launch.output
        )
        with pytest.raises(InvalidParameterError, match=r"^terminate: \.expand\(job_flow_id=\.\.\.\): ") as caught:
            teardown.as_teardown(setups=launch)

    assert "mapped task group" in caught.value.problem
    assert "ti.xcom_pull(task_ids='launch1', map_indexes=ti.map_index" in caught.value.problem


def test_mapped_teardowns_terminate_the_clusters_of_launches_that_failed_after_run_job_flow(
    moto_url: str, airflow_home: Path, tmp_path: Path
) -> None:
    env = {**airflow_env(moto_url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEARDOWN_DAGS)}

    output = dags_test(env, DAG_ID, {}, tmp_path / "mapped-teardown.log")

    run, states = last_run(env, DAG_ID)
    assert run.state == "failed", output[-4000:]  # the failed launches fail the run; the teardowns do not decide
    for pair, count in INSTANCES.items():
        for index in range(count):
            assert states[(f"launch_{pair}", index)] == ("failed" if index in FAILING[pair] else "success")
            # all_done: it ran although every launch of "all" failed (Airflow's rule would skip it).
            assert states[(f"terminate_{pair}", index)] == "success", (pair, index, output[-4000:])
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    launched = emr.list_clusters()["Clusters"]
    assert sorted(item["Name"] for item in launched) == ["all-0", "some-0", "some-1"]
    # Each teardown instance without a cluster id (its launch instance failed) found that instance's cluster.
    assert {item["Name"]: item["Status"]["State"] for item in launched} == {
        name: "TERMINATED" for name in ("all-0", "some-0", "some-1")
    }, output[-4000:]
    assert output.count("The launch returned no cluster id; found its cluster") == 2
