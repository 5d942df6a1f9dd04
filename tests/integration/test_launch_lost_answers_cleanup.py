"""
A launch whose ``RunJobFlow`` attempts all failed after answers were lost: the clusters they started are ended.

``RunJobFlow`` has no client token (Amazon EMR API Reference, "RunJobFlow": no ``ClientToken`` in its request), and
"ListClusters" documents no delay before a launched cluster shows. Each attempt whose answer is lost (the fault proxy
drops it) may start a cluster the launch's looks do not see (``LaggingClusterList``). Before, a launch whose every
attempt failed logged only the failed attempts and raised: the clusters kept running, and a retry took one of them
and said nothing of the others, each billing and able to assume the partner's role.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import BotoCoreError, ConnectionClosedError

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import EMR_ACCOUNT, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, execute_as_task, run_operator
from tests.integration.test_faults import LaggingClusterList, launch, partner_a_configuration, through
from tests.integration.test_launch_search import (
    SECURITY_CONFIGURATION,
    another_teams_cluster,
    dag_run,
    describe_cluster_refused,
)
from tests.integration.test_launch_search import launch as launch_in

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator

ENDED = ("TERMINATING", "TERMINATED")
RUN_ID = "scheduled__2026-03-01T00:00:00+00:00"


def states(aws: Seeded) -> dict[str, str]:
    """Every cluster of the EMR account and its state."""
    return {
        cluster["Id"]: cluster["Status"]["State"]
        for cluster in client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    }


def ti(try_number: int = 1) -> RecordingTaskInstance:
    """partner-a's launch task instance, try ``try_number`` (every try has the same idempotency key)."""
    return RecordingTaskInstance(
        dag_id="export_partner-a", run_id=RUN_ID, task_id="launch_cluster", try_number=try_number
    )


def failing_launch(
    operator: LaunchClusterWithSecConfigOperator, proxy: FaultProxy, aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> tuple[BaseException, CallRecorder]:
    """Run the launch's first try through ``proxy`` (its waits skipped); return the error it raised and its calls."""
    recorder = CallRecorder()
    with through(proxy, aws, monkeypatch):
        monkeypatch.setattr("airflow_provider_emrfs_xacct.hooks.emr.time", SimpleNamespace(sleep=lambda _: None))
        with pytest.raises(BotoCoreError) as raised, recorder.everything():
            execute_as_task(operator, {"ti": ti(), "task_instance": ti()})
    return raised.value, recorder


def output(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    return capfd.readouterr().out + caplog.text


def test_a_launch_whose_every_answer_was_lost_terminates_the_clusters_it_finds_and_raises_its_error(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    All eight attempts launch a cluster and lose the answer; ``ListClusters`` misses them at each of the eight looks,
    and shows them to the search after the last: each is terminated, a warning names the tag, and the attempt's
    own error is raised (before: eight clusters left ``WAITING``, nothing said).
    """
    name = partner_a_configuration(aws)
    proxy = LaggingClusterList(aws.url, list_lag=8, drop_answers={"RunJobFlow": 8})
    operator = launch("partner-a", name)
    with caplog.at_level(logging.WARNING):
        error, calls = failing_launch(operator, proxy, aws, monkeypatch)

    assert isinstance(error, ConnectionClosedError)
    assert len(proxy.launched) == 8
    assert calls.mutating == ["RunJobFlow"] * 8 + ["TerminateJobFlows"] * 8
    assert all(states(aws)[cluster_id] in ENDED for cluster_id in proxy.launched)
    logged = output(caplog, capfd)
    assert f"{IDEMPOTENCY_TAG}={operator._launch_key}" in logged
    assert "Found now, and terminated:" in logged


def test_a_retry_takes_one_cluster_of_its_key_and_terminates_the_others(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The first try's eight clusters never show to it: it warns, naming the tag, that none is found, and raises. The
    retry (``ListClusters`` caught up) takes one and terminates the seven others, naming them (before: it took one
    and said nothing; seven kept running).
    """
    name = partner_a_configuration(aws)
    proxy = LaggingClusterList(aws.url, list_lag=10000, drop_answers={"RunJobFlow": 8})
    with caplog.at_level(logging.WARNING):
        error, _ = failing_launch(launch("partner-a", name), proxy, aws, monkeypatch)
    first = output(caplog, capfd)
    assert isinstance(error, ConnectionClosedError)
    assert "None is found now" in first
    assert len(proxy.launched) == 8
    assert all(states(aws)[cluster_id] == "WAITING" for cluster_id in proxy.launched)
    caplog.clear()

    retry = launch("partner-a", name)
    with caplog.at_level(logging.WARNING):
        taken, calls, _ = run_operator(retry, ti(try_number=2))

    others = proxy.launched - {taken}
    assert taken in proxy.launched
    assert len(others) == 7
    assert calls.mutating == ["TerminateJobFlows"] * 7
    assert states(aws)[taken] == "WAITING"
    assert all(states(aws)[cluster_id] in ENDED for cluster_id in others)
    logged = output(caplog, capfd)
    assert f"{IDEMPOTENCY_TAG}={retry._launch_key}" in logged
    assert all(cluster_id in logged for cluster_id in others)


def test_a_rerun_that_finds_exactly_one_cluster_sends_nothing(aws: Seeded) -> None:
    """The retry of a launch that succeeded takes its cluster, with no mutating call."""
    name = partner_a_configuration(aws)
    first, _, _ = run_operator(launch("partner-a", name), ti())

    again, calls, _ = run_operator(launch("partner-a", name), ti(try_number=2))

    assert again == first
    assert calls.mutating == []
    assert states(aws) == {first: "WAITING"}


def test_a_failed_look_after_a_lost_answer_raises_the_attempts_error_and_names_the_search_failure(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    After the first answer is lost, ``ListClusters`` is refused: the launch sends no second ``RunJobFlow`` (it cannot
    tell whether the first took effect), names the failed search and the tag in its warning, and raises the lost
    attempt's error, not the search's (before: the ``ListClusters`` refusal escaped, nothing said of the cluster).
    """
    name = partner_a_configuration(aws)
    sent: list[str] = []

    def refuse_lists_once_launched(operation: str) -> tuple[int, str, str] | None:
        if operation == "RunJobFlow":
            sent.append(operation)
        if operation == "ListClusters" and sent:
            return 400, "AccessDeniedException", "not authorized to perform: elasticmapreduce:ListClusters"
        return None

    proxy = FaultProxy(aws.url, drop_answers={"RunJobFlow": 1}, intercept=refuse_lists_once_launched)
    operator = launch("partner-a", name)
    with caplog.at_level(logging.WARNING):
        error, calls = failing_launch(operator, proxy, aws, monkeypatch)

    assert isinstance(error, ConnectionClosedError)
    assert calls.mutating == ["RunJobFlow"]
    logged = output(caplog, capfd)
    assert f"{IDEMPOTENCY_TAG}={operator._launch_key}" in logged
    assert "the search for them failed" in logged
    assert "AccessDeniedException" in logged
    assert list(states(aws).values()) == ["WAITING"]  # named by its tag, for the teardown or a retry


def test_a_protected_lost_launch_is_left_running_and_logged_with_how_to_end_it(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Launched with ``TerminationProtected``, the clusters of the lost answers refuse ``TerminateJobFlows`` (Amazon EMR
    API Reference, "SetTerminationProtection"): as the teardown without ``disable_termination_protection``, the
    launch leaves protection on, logs each cluster with how to end it, and still raises the attempt's error.
    """
    monkeypatch.setattr("airflow_provider_emrfs_xacct.hooks.emr.LAUNCH_ATTEMPTS", 2)
    name = partner_a_configuration(aws)
    proxy = LaggingClusterList(aws.url, list_lag=2, drop_answers={"RunJobFlow": 2})
    operator = launch("partner-a", name)
    overrides: dict[str, Any] = operator.job_flow_overrides  # type: ignore[assignment]
    overrides["Instances"] = {**overrides["Instances"], "TerminationProtected": True}
    with caplog.at_level(logging.WARNING):
        error, calls = failing_launch(operator, proxy, aws, monkeypatch)

    assert isinstance(error, ConnectionClosedError)
    assert calls.mutating == ["RunJobFlow"] * 2 + ["TerminateJobFlows"] * 2
    assert all(states(aws)[cluster_id] == "WAITING" for cluster_id in proxy.launched)
    logged = output(caplog, capfd)
    assert all(f"--cluster-id {cluster_id} --no-termination-protected" in logged for cluster_id in proxy.launched)


def test_a_retry_takes_its_cluster_though_another_teams_cluster_of_its_name_may_not_be_described(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Another team's active cluster named as the launch's answers ``DescribeCluster`` with ``AccessDeniedException``
    (a tag-based policy: Amazon EMR Management Guide, "IAM policies for tag-based access to clusters and EMR
    notebooks"; "How Amazon EMR works with IAM": ABAC supported; Service Authorization Reference, "Actions, resources,
    and condition keys for Amazon Elastic MapReduce": ``DescribeCluster`` on the ``cluster`` resource). The retry,
    reading on past its own cluster for duplicates, takes it, sends nothing and warns, naming the cluster not read
    (before: it raised the denial, an AccessDeniedError, though its cluster was found).
    """
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=SECURITY_CONFIGURATION, SecurityConfiguration="{}")
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ours, first_calls = launch_in(run)
    theirs, their_arn = another_teams_cluster(emr, name="partner-export")

    with describe_cluster_refused(moto_url, monkeypatch, [their_arn]), caplog.at_level(logging.WARNING):
        again, calls = launch_in(run, try_number=2)

    assert first_calls.count("RunJobFlow") == 1
    assert again == ours
    assert calls.count("RunJobFlow") == 0
    assert calls.count("TerminateJobFlows") == 0
    logged = output(caplog, capfd)
    assert f"DescribeCluster was refused for active cluster(s) {theirs}, named 'partner-export'" in logged
    assert f"This launch's cluster {ours} was found" in logged
    assert "it is not ended here" in logged
    assert emr.describe_cluster(ClusterId=theirs)["Cluster"]["Status"]["State"] == "WAITING"  # left alone
    assert emr.describe_cluster(ClusterId=ours)["Cluster"]["Status"]["State"] == "WAITING"


def test_the_search_for_every_cluster_of_a_key_returns_those_found_though_a_namesake_may_not_be_described(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The search a kill, a teardown and a failed launch end the key's clusters by: with another team's cluster of the
    launch's name not described (the tag-based policy above), it returns the launch's cluster and warns (before: it
    raised the denial once every cluster was read, and the kill ended none of those it had found).
    """
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from devstack.moto_stack import EMR_CONN_ID

    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=SECURITY_CONFIGURATION, SecurityConfiguration="{}")
    ours, _ = launch_in(dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5)))
    key = next(
        tag["Value"] for tag in emr.describe_cluster(ClusterId=ours)["Cluster"]["Tags"] if tag["Key"] == IDEMPOTENCY_TAG
    )
    theirs, their_arn = another_teams_cluster(emr, name="partner-export")

    with describe_cluster_refused(moto_url, monkeypatch, [their_arn]), caplog.at_level(logging.WARNING):
        found = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID).find_clusters_by_idempotency_key(key, name="partner-export")

    assert found == [ours]
    logged = output(caplog, capfd)
    assert f"DescribeCluster was refused for active cluster(s) {theirs}, named 'partner-export'" in logged
    assert f"This launch's cluster {ours} was found" in logged
