"""
One teardown that is not mapped, of a mapped launch, terminates the clusters of every launch instance.

``TerminateClusterOperator(job_flow_id=launch.output).as_teardown(setups=launch)`` over a mapped launch: pulled by a
task that is not mapped, ``launch.output`` renders as the sequence of the ids the launch instances returned, which the
teardown refused (``job_flow_id: must be a string``); without an id it looked for the launch's clusters with its own
map index (-1), which no launch instance has. The run succeeded (a teardown does not decide it) with every cluster
running. The run is ``airflow dags test`` of ``teardown_dags/emrfs_xacct_unmapped_teardown_dag.py`` against moto.
"""

from __future__ import annotations

from pathlib import Path

from devstack.moto_stack import EMR_ACCOUNT, client
from devstack.testing import airflow_env
from tests.dags.teardown_dags.emrfs_xacct_unmapped_teardown_dag import DAG_ID, FAILING, INSTANCES
from tests.dags.test_airflow_native import dags_test, last_run

TEARDOWN_DAGS = Path(__file__).resolve().parent / "teardown_dags"


def test_a_teardown_not_mapped_terminates_the_clusters_of_every_instance_of_its_mapped_launch(
    moto_url: str, airflow_home: Path, tmp_path: Path
) -> None:
    env = {**airflow_env(moto_url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(TEARDOWN_DAGS)}

    output = dags_test(env, DAG_ID, {}, tmp_path / "unmapped-teardown.log")

    run, states = last_run(env, DAG_ID)
    assert run.state == "failed", output[-4000:]  # the failed launch instance fails the run; the teardowns do not
    for launch, count in INSTANCES.items():
        for index in range(count):
            assert states[(launch, index)] == ("failed" if index in FAILING[launch] else "success")
        assert states[(launch.replace("launch", "terminate"), -1)] == "success", (launch, output[-6000:])
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    launched = {item["Name"]: item["Status"]["State"] for item in emr.list_clusters()["Clusters"]}
    expected = [f"{launch}-{index}" for launch, count in INSTANCES.items() for index in range(count)]
    assert sorted(launched) == sorted(expected)
    assert launched == dict.fromkeys(expected, "TERMINATED"), output[-6000:]
    # The failed instance returned no id: its cluster was found by its tag, that instance's key.
    assert "of the mapped launch 'launch_failing' by their tags" in output
    assert "of the mapped launch 'launch_all' by their tags" not in output  # every instance returned its id
