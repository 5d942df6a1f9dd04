"""
A teardown looks for its launch's cluster where the launch launched it (review J1).

EMR endpoints, and so clusters, are per Region (AWS General Reference, "Amazon EMR endpoints and quotas"):
``ListClusters`` and ``DescribeCluster`` answer of the endpoint's Region only (Amazon EMR API Reference,
"ListClusters", "DescribeCluster"). A teardown in another Region than its launch found nothing and skipped while the
launch's cluster kept running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pendulum
import pytest
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import (
    LAUNCH_LOCATION_XCOM_KEY,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import RecordingTaskInstance, run_operator, small_cluster

RUN_ID = "manual__2026-05-01T00:00:00+00:00"
OTHER = "eu-west-1"
NAME = "emrfs-xacct-j1-0123456789ab"
ONE_TRY = {"retries": {"max_attempts": 1, "mode": "standard"}}


@dataclass
class TeardownTaskInstance(RecordingTaskInstance):
    """A teardown's task instance that reads the launch's XComs too (what Airflow's xcom_pull gives it)."""

    launch: RecordingTaskInstance | None = None

    def xcom_pull(self, task_ids: str | None = None, key: str = "return_value", map_indexes: Any = None) -> Any:
        if self.launch is not None and task_ids == self.launch.task_id:
            return self.launch.xcom_pull(task_ids, key, map_indexes)
        return super().xcom_pull(task_ids, key, map_indexes)


def launch_in(moto_url: str, region: str | None = OTHER, **kwargs: Any) -> LaunchClusterWithSecConfigOperator:
    client(moto_url, EMR_ACCOUNT, "emr", region or "us-east-1").create_security_configuration(
        Name=NAME, SecurityConfiguration="{}"
    )
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        region_name=region,
        security_configuration=NAME,
        job_flow_overrides=small_cluster("j1", "emr-7.5.0"),
        **kwargs,
    )


def state_in(moto_url: str, cluster_id: str) -> str:
    return client(moto_url, EMR_ACCOUNT, "emr", OTHER).describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"][
        "State"
    ]


def test_as_teardown_takes_the_launch_region_and_ends_its_cluster(moto_url: str) -> None:
    with DAG("j1_region", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = launch_in(moto_url)
        teardown = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id="")
        teardown.as_teardown(setups=launch)
    assert teardown.region_name == OTHER
    cluster_id, _, _ = run_operator(launch, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID))
    # The launch died after RunJobFlow without returning the id: the teardown finds the cluster by its tag, there.
    run_operator(teardown, RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID))
    assert state_in(moto_url, cluster_id) in {"TERMINATING", "TERMINATED"}


def test_as_teardown_refuses_another_literal_region(moto_url: str) -> None:
    with DAG("j1_refused", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = launch_in(moto_url)
        teardown = TerminateClusterOperator(
            task_id="terminate_cluster", job_flow_id="", aws_conn_id=EMR_CONN_ID, region_name="us-east-1"
        )
        with pytest.raises(InvalidParameterError, match="terminate_cluster: region_name"):
            teardown.as_teardown(setups=launch)


def test_a_mapped_teardown_takes_the_mapped_launch_region(moto_url: str) -> None:
    with DAG("j1_mapped", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = LaunchClusterWithSecConfigOperator.partial(
            task_id="launch_cluster", aws_conn_id=EMR_CONN_ID, emr_conn_id=None, region_name=OTHER
        ).expand(security_configuration=[NAME, NAME])
        teardown = TerminateClusterOperator.partial(task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID).expand(
            job_flow_id=["", ""]
        )
        teardown.as_teardown(setups=launch)
    assert teardown.partial_kwargs["region_name"] == OTHER


@pytest.mark.parametrize("settings", [{}, {"region_name": None}], ids=["nothing", "region_name=None"])
def test_a_teardown_given_no_connection_takes_the_launch_connection_and_region(
    moto_url: str, settings: dict[str, Any]
) -> None:
    """Written ``TerminateClusterOperator(task_id=...).as_teardown(setups=launch)``: it parses, and acts as its launch."""
    with DAG("j1_defaults", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = launch_in(moto_url)
        teardown = TerminateClusterOperator(task_id="terminate_cluster", **settings).as_teardown(setups=launch)
    assert (teardown.aws_conn_id, teardown.region_name) == (EMR_CONN_ID, OTHER)
    cluster_id, _, _ = run_operator(launch, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID))
    run_operator(teardown, RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID))
    assert state_in(moto_url, cluster_id) in {"TERMINATING", "TERMINATED"}


def test_a_mapped_teardown_given_no_connection_takes_the_mapped_launch_connection() -> None:
    with DAG("j1_mapped_defaults", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = LaunchClusterWithSecConfigOperator.partial(
            task_id="launch_cluster", aws_conn_id=EMR_CONN_ID, emr_conn_id=None, region_name=OTHER
        ).expand(security_configuration=[NAME, NAME])
        teardown = TerminateClusterOperator.partial(task_id="terminate_cluster").expand(job_flow_id=["", ""])
        teardown.as_teardown(setups=launch)
    assert (teardown.partial_kwargs["aws_conn_id"], teardown.partial_kwargs["region_name"]) == (EMR_CONN_ID, OTHER)


def test_a_connection_given_in_default_args_is_given() -> None:
    """
    ``default_args`` give the teardown its ``aws_conn_id`` (Airflow records them as given): kept, another connection
    is no other place (its run compares Region and account: ``test_teardown_launch_account.py``).
    """
    with DAG(
        "j1_default_args", schedule=None, start_date=pendulum.datetime(2026, 1, 1), default_args={"aws_conn_id": "x"}
    ):
        launch = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster", aws_conn_id=EMR_CONN_ID, emr_conn_id=None, security_configuration=NAME
        )
        teardown = TerminateClusterOperator(task_id="terminate_cluster").as_teardown(setups=launch)
    assert teardown.aws_conn_id == "x"


def test_a_region_given_to_the_teardown_only_is_left_to_the_run() -> None:
    """A launch given no Region launches in its connection's: unknown when the DAG is parsed, the run checks it."""
    with DAG("j1_launch_default", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster", aws_conn_id=EMR_CONN_ID, emr_conn_id=None, security_configuration=NAME
        )
        teardown = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, region_name=OTHER)
        teardown.as_teardown(setups=launch)
    assert teardown.region_name == OTHER


def test_a_teardown_wired_by_hand_takes_nothing_when_parsed() -> None:
    """Without ``as_teardown`` it keeps its own connection and Region: its run checks the launch's record."""
    with DAG("j1_by_hand", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            region_name=OTHER,
            security_configuration=NAME,
        )
        teardown = TerminateClusterOperator(task_id="terminate_cluster", launch_task_id=launch.task_id)
        launch >> teardown
    assert (teardown.aws_conn_id, teardown.region_name) == ("aws_default", None)


def test_a_teardown_wired_by_hand_in_another_region_fails_instead_of_skipping(moto_url: str) -> None:
    launch = launch_in(moto_url)
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    cluster_id, _, _ = run_operator(launch, launched)
    assert launched.xcoms[LAUNCH_LOCATION_XCOM_KEY] == {
        "region_name": OTHER,
        "aws_conn_id": EMR_CONN_ID,
        "account": EMR_ACCOUNT,
    }
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id="", launch_task_id="launch_cluster"
    )
    ti = TeardownTaskInstance(task_id="terminate_cluster", run_id=RUN_ID, launch=launched)
    with pytest.raises(PreconditionError, match=r"^region_name: no cluster .* launched in Region eu-west-1"):
        run_operator(teardown, ti)
    assert state_in(moto_url, cluster_id) == "WAITING"


def test_a_teardown_given_the_id_in_another_region_names_the_launch_region(moto_url: str) -> None:
    launch = launch_in(moto_url)
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    cluster_id, _, _ = run_operator(launch, launched)
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        launch_task_id="launch_cluster",
        botocore_config=ONE_TRY,  # moto answers TerminateJobFlows of an unknown cluster with a 500
    )
    ti = TeardownTaskInstance(task_id="terminate_cluster", run_id=RUN_ID, launch=launched)
    with pytest.raises(PreconditionError, match=r"^region_name: DescribeCluster answered .*Region eu-west-1"):
        run_operator(teardown, ti)


def test_a_dry_run_launch_records_no_location(moto_url: str) -> None:
    launch = launch_in(moto_url, dry_run=True)
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    with pytest.raises(Exception, match="Dry run"):
        run_operator(launch, launched)
    assert set(launched.xcoms) == {"plan", "emrfs_xacct_security_configuration"}  # no launch_location: no RunJobFlow


def test_a_teardown_in_the_launch_region_skips_as_before(moto_url: str) -> None:
    launch = launch_in(moto_url, region=None)
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    launched.xcoms[LAUNCH_LOCATION_XCOM_KEY] = {"region_name": "us-east-1", "aws_conn_id": EMR_CONN_ID}
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id="", launch_task_id=launch.task_id
    )
    ti = TeardownTaskInstance(task_id="terminate_cluster", run_id=RUN_ID, launch=launched)
    with pytest.raises(Exception, match="No cluster to terminate") as skipped:
        run_operator(teardown, ti)
    assert type(skipped.value).__name__ == "AirflowSkipException"
