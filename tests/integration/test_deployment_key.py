"""
Two Airflow deployments in one EMR account and Region: neither adopts nor terminates the other's cluster.

A scheduled run's id (``scheduled__<date>``) is the same in every deployment that runs the DAG (a staging
copy of production, say): a launch key made of the DAG id, run id, task id and map index only made the
second deployment's launch return the first one's cluster (its steps ran there) and its teardown
terminate it. The key now also tells the deployments apart: by ``[emrfs_xacct] deployment_name`` when it
is set, else by the DAG run's start date (``operators/emr.py``, ``idempotency_key``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.exceptions import AirflowSkipException
from airflow.sdk.api.datamodels._generated import DagRun, DagRunState, DagRunType

from airflow_provider_emrfs_xacct.hooks.emr import ACTIVE_CLUSTER_STATES, IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import (
    NAMESAKE_CLOCK_SKEW_MARGIN,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
    idempotency_key,
)
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from airflow_provider_emrfs_xacct.pure.launch_arguments import task_instance_key
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import CallRecorder, RecordingTaskInstance, execute_as_task, small_cluster

SECURITY_CONFIGURATION = "emrfs-xacct-deploy-0123456789ab"
RUN_ID = "scheduled__2026-01-02T00:00:00+00:00"
DEPLOYMENT_NAME = "AIRFLOW__EMRFS_XACCT__DEPLOYMENT_NAME"
#: The scheduled run's data interval end: the same in both deployments.
RUN_AFTER = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=10)


def dag_run(start_date: datetime | None, clear_number: int = 0) -> DagRun:
    """One deployment's DAG run ``RUN_ID``, as the Task SDK gives it (``TIRunContext.dag_run``)."""
    return DagRun(
        dag_id="test_dag",
        run_id=RUN_ID,
        logical_date=RUN_AFTER - timedelta(days=1),
        data_interval_start=RUN_AFTER - timedelta(days=1),
        data_interval_end=RUN_AFTER,
        run_after=RUN_AFTER,
        start_date=start_date,
        end_date=None,
        clear_number=clear_number,
        run_type=DagRunType.SCHEDULED,
        state=DagRunState.RUNNING,
        consumed_asset_events=[],
        partition_key=None,
    )


#: Production's and staging's runs of the same scheduled run: the schedulers started them seconds apart.
PRODUCTION = dag_run(RUN_AFTER + timedelta(seconds=2, microseconds=411_000))
STAGING = dag_run(RUN_AFTER + timedelta(seconds=5, microseconds=27_000))


@pytest.fixture
def emr(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(DEPLOYMENT_NAME, raising=False)
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=SECURITY_CONFIGURATION, SecurityConfiguration=json.dumps({}))
    return emr


def run_in(operator: Any, run: DagRun, try_number: int = 1) -> tuple[Any, list[str]]:
    """Run the operator in a task of ``run`` (its context has the DAG run, as the task runner's); return the calls."""
    ti = RecordingTaskInstance(task_id=operator.task_id, run_id=RUN_ID, try_number=try_number)
    recorder = CallRecorder()
    with recorder.everything():
        result = execute_as_task(operator, {"ti": ti, "task_instance": ti, "dag_run": run})
    return result, recorder.calls


def launch_operator() -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=SECURITY_CONFIGURATION,
        job_flow_overrides=small_cluster("partner-export"),
    )


def after_the_skew_margin() -> datetime:
    """A start date later than a cluster created now by more than the margin: a run started (or cleared) after it."""
    return datetime.now(timezone.utc) + NAMESAKE_CLOCK_SKEW_MARGIN + timedelta(minutes=1)


def launch(run: DagRun, try_number: int = 1) -> tuple[str, list[str]]:
    return run_in(launch_operator(), run, try_number)


def teardown() -> TerminateClusterOperator:
    return TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=None, launch_task_id="launch_cluster"
    )


def state_of(emr: Any, cluster_id: str) -> str:
    return str(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])


def not_taken_warnings(
    cluster_id: str, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> list[str]:
    """The lines logged so far that name ``cluster_id`` as a namesake not taken as this task instance's cluster."""
    output = capfd.readouterr().out + caplog.text
    return [line for line in output.splitlines() if cluster_id in line and "not taken as this task instance's" in line]


def active_clusters(emr: Any) -> list[str]:
    return [cluster["Id"] for cluster in emr.list_clusters(ClusterStates=list(ACTIVE_CLUSTER_STATES))["Clusters"]]


def test_another_deployment_launches_its_own_cluster_for_the_same_scheduled_run(emr: Any) -> None:
    production, _ = launch(PRODUCTION)

    staging, calls = launch(STAGING)

    assert staging != production
    assert calls.count("RunJobFlow") == 1
    assert sorted(active_clusters(emr)) == sorted([production, staging])


def test_a_blank_deployment_name_is_no_name_and_the_start_dates_tell_deployments_apart(
    emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[emrfs_xacct] deployment_name`` set to blanks (a templated value left empty) is unset: both would share it."""
    monkeypatch.setenv(DEPLOYMENT_NAME, "  ")
    production, _ = launch(PRODUCTION)

    staging, calls = launch(STAGING)

    assert staging != production
    assert calls.count("RunJobFlow") == 1


def test_another_deployments_teardown_leaves_the_cluster_running(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Staging's launch failed before returning a cluster id: its teardown searches by tag and finds none of its key.

    Production's cluster of the same task instance was created after staging's run started (Amazon EMR API Reference,
    "ClusterTimeline", ``CreationDateTime``), so it is no cluster staging's run left before a clear: the teardown
    skips, naming it in a warning, and leaves it running. It used to fail, on every staging run.
    """
    production, _ = launch(PRODUCTION)

    with pytest.raises(AirflowSkipException, match="No cluster to terminate"):
        run_in(teardown(), STAGING)

    assert not_taken_warnings(production, capfd, caplog)

    assert state_of(emr, production) == "WAITING"
    run_in(teardown(), PRODUCTION)  # its own deployment's teardown still finds it
    assert state_of(emr, production) in ("TERMINATING", "TERMINATED")


def test_another_deployments_kill_leaves_the_cluster_running(emr: Any) -> None:
    """Staging's launch is killed while its ``RunJobFlow`` is under way: its ``on_kill`` looks for its key's cluster."""
    production, _ = launch(PRODUCTION)
    killed = launch_operator()
    ti = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    # What ``execute`` has set when it sends RunJobFlow: the try's key and the arguments it launches with.
    killed._launch_key = idempotency_key({"ti": ti, "dag_run": STAGING})  # type: ignore[typeddict-item]
    killed.job_flow_overrides = small_cluster("partner-export")

    killed.on_kill()

    assert state_of(emr, production) == "WAITING"


def test_a_retry_in_the_same_deployment_returns_its_cluster(emr: Any) -> None:
    first, _ = launch(PRODUCTION)

    again, calls = launch(PRODUCTION, try_number=2)

    assert again == first
    assert calls.count("RunJobFlow") == 0


def test_named_deployments_are_told_apart_even_with_one_start_date(emr: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEPLOYMENT_NAME, "production")
    production, _ = launch(PRODUCTION)
    monkeypatch.setenv(DEPLOYMENT_NAME, "staging")

    staging, calls = launch(PRODUCTION)

    assert staging != production
    assert calls.count("RunJobFlow") == 1


def test_a_named_deployment_finds_its_cluster_after_its_run_was_cleared(
    emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clearing a finished run sets a new start date (``clear_task_instances``): a name keeps the key."""
    monkeypatch.setenv(DEPLOYMENT_NAME, "production")
    first, _ = launch(PRODUCTION)
    cleared = dag_run(datetime.now(timezone.utc), clear_number=1)

    again, calls = launch(cleared, try_number=2)

    assert again == first
    assert calls.count("RunJobFlow") == 0


def test_without_a_name_a_cleared_finished_run_launches_anew_and_names_the_earlier_cluster(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The price of the default: the cleared run's new start date is all that tells it from another deployment's.

    Its earlier cluster (its teardown failed, or the run was marked failed before the teardown) is named in
    the log, neither used nor terminated; ``[emrfs_xacct] deployment_name`` keeps the key across the clear.
    """
    first, _ = launch(PRODUCTION)
    cleared = dag_run(datetime.now(timezone.utc), clear_number=1)

    again, calls = launch(cleared, try_number=2)

    assert again != first
    assert calls.count("RunJobFlow") == 1
    assert state_of(emr, first) == "WAITING"
    assert not_taken_warnings(first, capfd, caplog)


def test_a_teardown_cleared_after_its_run_finished_fails_naming_the_launch_s_cluster_not_skips(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The launch failed after ``RunJobFlow`` without returning the id; the teardown's search failed; the run finished.

    Cleared, the teardown's key holds the run's new start date (``clear_task_instances``), not the one the cluster
    is tagged with (Amazon EMR API Reference, "RunJobFlow", ``Tags``; read back with "DescribeCluster"). It used to
    skip, "the launch produced none", under a warning naming that cluster, which kept running. The tag cannot
    tell this run's earlier start date from another deployment's run; created before the new start date
    (``CreationDateTime``, Amazon EMR API Reference, "ClusterTimeline"), beyond the clock-skew margin, it is not one
    another deployment launched since: the teardown fails (without retries), naming the cluster and its tag, and
    leaves it for a person to terminate.
    """
    cluster_id, _ = launch(PRODUCTION)  # as a launch that lost RunJobFlow's answer: its id reaches no teardown
    cleared = dag_run(after_the_skew_margin(), clear_number=1)
    ti = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    tagged = idempotency_key({"ti": ti, "dag_run": PRODUCTION})  # type: ignore[typeddict-item]

    with pytest.raises(PreconditionError, match=f"{cluster_id} \\({IDEMPOTENCY_TAG}={tagged}\\)") as failure:
        run_in(teardown(), cleared, try_number=2)

    assert "produced none" not in str(failure.value)
    assert failure.value.retriable is False
    assert state_of(emr, cluster_id) == "WAITING"


def within_the_skew_margin() -> datetime:
    """A start date 2 minutes after a cluster created now: within ``NAMESAKE_CLOCK_SKEW_MARGIN`` of its creation."""
    return datetime.now(timezone.utc) + timedelta(minutes=2)


def test_staging_s_teardown_skips_past_production_s_cluster_created_within_the_skew_margin_before_it_started(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Staging's run starts 2 minutes after production's cluster was created (Amazon EMR API Reference, "ClusterTimeline",
    ``CreationDateTime``), as a scheduler clock up to five minutes ahead of AWS's shows a cluster launched since the run
    started: within the margin, it is not taken for one a cleared run left, and the teardown skips, leaving it running.
    """
    production, _ = launch(PRODUCTION)
    staging = dag_run(within_the_skew_margin())

    with pytest.raises(AirflowSkipException, match="No cluster to terminate"):
        run_in(teardown(), staging)

    assert state_of(emr, production) == "WAITING"
    assert not_taken_warnings(production, capfd, caplog)


def test_a_run_cleared_within_the_skew_margin_of_its_cluster_s_creation_skips_with_the_warning(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The price of the margin (docs/limits.md, "Two Airflow deployments in one EMR account and Region"): a finished run
    cleared 2 minutes after its launch's cluster was created cannot be told from another deployment's run started
    since; its teardown skips past that cluster, naming it in a warning only, and it keeps running.
    """
    cluster_id, _ = launch(PRODUCTION)  # as a launch that lost RunJobFlow's answer: its id reaches no teardown
    cleared = dag_run(within_the_skew_margin(), clear_number=1)

    with pytest.raises(AirflowSkipException, match="No cluster to terminate"):
        run_in(teardown(), cleared, try_number=2)

    assert state_of(emr, cluster_id) == "WAITING"
    assert not_taken_warnings(cluster_id, capfd, caplog)


def test_a_staging_dry_run_skips_past_production_s_cluster_created_before_it_started(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A staging copy of production, without ``deployment_name``, run as a dry run: its launch always skips.

    Its teardown (trigger rule ``all_done``) finds production's cluster of the same task instance under another key,
    created before staging's run started: as a cluster a cleared run left, but a dry run terminates nothing and
    fails on none; it skips, naming the cluster in a warning. It used to fail on every staging run.
    """
    production, _ = launch(PRODUCTION)
    staging = dag_run(after_the_skew_margin())
    dry_launch = launch_operator()
    dry_launch.dry_run = True
    with pytest.raises(AirflowSkipException, match="Dry run"):
        run_in(dry_launch, staging)
    dry_teardown = teardown()
    dry_teardown.dry_run = True

    with pytest.raises(AirflowSkipException, match="No cluster to terminate"):
        run_in(dry_teardown, staging)

    assert state_of(emr, production) == "WAITING"
    assert not_taken_warnings(production, capfd, caplog)


def test_a_named_deployment_s_teardown_skips_past_another_deployment_s_cluster(
    emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``deployment_name`` a clear keeps the key: a cluster of the task instance under another is not its own."""
    monkeypatch.setenv(DEPLOYMENT_NAME, "production")
    production, _ = launch(PRODUCTION)
    monkeypatch.setenv(DEPLOYMENT_NAME, "staging")

    with pytest.raises(AirflowSkipException, match="No cluster to terminate"):
        run_in(teardown(), PRODUCTION)

    assert state_of(emr, production) == "WAITING"


def test_a_cluster_of_the_same_task_instance_under_another_key_is_named_not_adopted(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A cluster of an earlier release (its key without a deployment), or another deployment's: logged, left alone."""
    legacy_key = task_instance_key("test_dag", RUN_ID, "launch_cluster", -1)
    tags = [{"Key": IDEMPOTENCY_TAG, "Value": legacy_key}]
    legacy = emr.run_job_flow(**small_cluster("partner-export", Tags=tags))["JobFlowId"]

    ours, _ = launch(PRODUCTION)
    with pytest.raises(AirflowSkipException):
        run_in(teardown(), STAGING)  # both created after staging's run started: another deployment's

    assert ours != legacy
    assert state_of(emr, legacy) == "WAITING"
    output = capfd.readouterr().out + caplog.text
    named = [line for line in output.splitlines() if legacy in line and "not taken as this task instance's" in line]
    ti = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    for run in (PRODUCTION, STAGING):  # the launch's search, then the teardown's
        key = idempotency_key({"ti": ti, "dag_run": run})  # type: ignore[typeddict-item]
        assert any(key in line for line in named), output[-3000:]


def test_the_key_keeps_the_task_instance_part_of_earlier_releases() -> None:
    """The part before the dot is the whole key of earlier releases: their clusters are recognised (and named)."""
    ti = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)

    key = idempotency_key({"ti": ti, "dag_run": PRODUCTION})  # type: ignore[typeddict-item]

    instance, _, deployment = key.partition(".")
    assert instance == task_instance_key("test_dag", RUN_ID, "launch_cluster", -1)
    assert len(deployment) == 16
    assert key != idempotency_key({"ti": ti, "dag_run": STAGING})  # type: ignore[typeddict-item]


def test_a_teardown_cleared_after_its_run_finished_turns_off_the_protection_of_its_launch_s_cluster(
    emr: Any,
) -> None:
    """
    The teardown refused (termination protection); the user sets ``disable_termination_protection`` and clears it.

    Clearing the finished run set a new start date (``clear_task_instances``), so the teardown's key is not
    the one the launch tagged its cluster with; the cluster id it is handed (``launch.output``) is the launch's,
    and its tag names the same launch task instance: it is this provider's launch, whose protection may go.
    """
    operator = launch_operator()
    operator.job_flow_overrides = {
        **operator.job_flow_overrides,  # type: ignore[dict-item]
        "Instances": {**operator.job_flow_overrides["Instances"], "TerminationProtected": True},  # type: ignore[index]
    }
    cluster_id, _ = run_in(operator, PRODUCTION)
    cleared = dag_run(datetime.now(timezone.utc), clear_number=1)
    unprotect = TerminateClusterOperator(
        task_id="terminate_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        launch_task_id="launch_cluster",
        disable_termination_protection=True,
    )

    _, calls = run_in(unprotect, cleared, try_number=2)

    assert "SetTerminationProtection" in calls
    assert state_of(emr, cluster_id) in ("TERMINATING", "TERMINATED")
