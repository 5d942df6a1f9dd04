"""
A launch that started two clusters under one idempotency key: every cluster of the key is ended.

``RunJobFlow`` has no client token (Amazon EMR API Reference, "RunJobFlow": no ``ClientToken`` in its request), and
"ListClusters" documents no delay before a launched cluster shows. When the answer to the first ``RunJobFlow`` is lost
and ``ListClusters`` does not show that cluster yet at the launch's look, the launch sends ``RunJobFlow`` again and
EMR runs two clusters carrying the same ``emrfs-xacct:idempotency-key`` tag (the fault proxy's ``LaggingClusterList``
plays both). Before, the launch returned the second and said nothing, and the teardown, ``on_kill`` and the failed
deferral each terminated one cluster: the other kept running, billed and able to assume the partner's role.
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import (
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
    idempotency_key,
)
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator, small_cluster
from tests.integration.test_faults import (
    LaggingClusterList,
    job_flow,
    launch,
    partner_a_configuration,
    task_instance,
    through,
)

ENDED = ("TERMINATING", "TERMINATED")


def states(aws: Seeded) -> dict[str, str]:
    """Every cluster of the EMR account and its state."""
    return {
        cluster["Id"]: cluster["Status"]["State"]
        for cluster in client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    }


def tag_of(aws: Seeded, cluster_id: str) -> str | None:
    tags = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"]
    return next((tag["Value"] for tag in tags if tag["Key"] == IDEMPOTENCY_TAG), None)


def launch_twice(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, list_lag: int
) -> tuple[LaunchClusterWithSecConfigOperator, str, CallRecorder, LaggingClusterList]:
    """
    Launch partner-a's cluster while the first ``RunJobFlow``'s answer is lost and ``ListClusters`` misses the new
    clusters ``list_lag`` times: with 1, the launch's look after the lost answer; with 2, its look for other clusters
    after the second ``RunJobFlow`` too. Return the launch, the cluster it returned, its calls and the proxy.
    """
    name = partner_a_configuration(aws)
    proxy = LaggingClusterList(aws.url, list_lag=list_lag, drop_answers={"RunJobFlow": 1})
    operator = launch("partner-a", name)
    with through(proxy, aws, monkeypatch):
        monkeypatch.setattr("airflow_provider_emrfs_xacct.hooks.emr.time", SimpleNamespace(sleep=lambda _: None))
        cluster_id, calls, _ = run_operator(operator, task_instance("partner-a", "launch_cluster"))
    assert proxy.stats["dropped-answer"] == 1
    assert len(proxy.launched) == 2  # EMR was asked twice, and launched twice
    return operator, str(cluster_id), calls, proxy


def test_a_launch_that_sent_run_job_flow_twice_terminates_the_cluster_it_does_not_return(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The lost attempt's cluster shows by the time the launch has its second answer: it carries the task instance's
    whole key, so the launch terminates it and returns the answered one, with a warning naming the tag.
    """
    with caplog.at_level(logging.WARNING):
        operator, ours, calls, proxy = launch_twice(aws, monkeypatch, list_lag=1)

    [other] = proxy.launched - {ours}
    assert calls.mutating == ["RunJobFlow", "RunJobFlow", "TerminateJobFlows"]
    assert states(aws)[ours] == "WAITING"
    assert states(aws)[other] in ENDED
    assert tag_of(aws, other) == tag_of(aws, ours) == operator._launch_key
    output = capfd.readouterr().out + caplog.text
    assert f"{IDEMPOTENCY_TAG}={operator._launch_key}" in output
    assert f"Found now, and terminated: {other}" in output


@pytest.mark.parametrize("given", ["job_flow_id", "launch_task_id"])
def test_the_teardown_terminates_every_cluster_of_the_launch(
    aws: Seeded,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    given: str,
) -> None:
    """
    ``ListClusters`` misses the first cluster at both of the launch's looks: the launch warns (naming the tag) and
    returns the second. The teardown, given the returned cluster or finding the launch's by its tag, terminates both
    (before: the one given, or the first found; the other stayed ``WAITING``).
    """
    with caplog.at_level(logging.WARNING):
        _, ours, calls, proxy = launch_twice(aws, monkeypatch, list_lag=2)
    [other] = proxy.launched - {ours}
    assert calls.mutating == ["RunJobFlow", "RunJobFlow"]
    assert "None is found now" in capfd.readouterr().out + caplog.text
    assert states(aws) == {ours: "WAITING", other: "WAITING"}
    ti = task_instance("partner-a", "terminate_cluster")
    arguments = {"job_flow_id": ours} if given == "job_flow_id" else {"launch_task_id": "launch_cluster"}
    teardown = TerminateClusterOperator(task_id=ti.task_id, aws_conn_id=EMR_CONN_ID, **arguments)

    _, calls, _ = run_operator(teardown, ti)

    assert calls.mutating == ["TerminateJobFlows", "TerminateJobFlows"]
    assert states(aws)[ours] in ENDED
    assert states(aws)[other] in ENDED


def test_the_teardown_of_a_given_cluster_leaves_the_clusters_of_other_keys(aws: Seeded) -> None:
    """Another task instance's cluster, and one launched by hand, are not taken for siblings of the given cluster."""
    name = partner_a_configuration(aws)
    ti = task_instance("partner-a", "launch_cluster")
    ours, _, _ = run_operator(launch("partner-a", name), ti)
    theirs, _, _ = run_operator(launch("partner-a", name), task_instance("partner-b", "launch_cluster"))
    by_hand = client(aws.url, EMR_ACCOUNT, "emr").run_job_flow(**small_cluster("by-hand"))["JobFlowId"]
    teardown = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=ours)

    _, calls, _ = run_operator(teardown, task_instance("partner-a", "terminate_cluster"))

    assert calls.mutating == ["TerminateJobFlows"]
    assert states(aws)[ours] in ENDED
    assert (states(aws)[theirs], states(aws)[by_hand]) == ("WAITING", "WAITING")


def test_a_killed_launch_that_sent_run_job_flow_twice_terminates_both_clusters(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Killed after the launch returned (``on_kill`` knows the answered cluster): the launch sent ``RunJobFlow`` after a
    lost answer, so ``on_kill`` also looks for the key's other clusters, and terminates the first one too.
    """
    operator, ours, _, proxy = launch_twice(aws, monkeypatch, list_lag=2)
    [other] = proxy.launched - {ours}

    operator.on_kill()

    assert states(aws)[ours] in ENDED
    assert states(aws)[other] in ENDED


def test_a_failed_deferral_terminates_every_cluster_of_the_task_instance(moto_url: str) -> None:
    """The clean-up after a deferral timed out terminates each active cluster of the key, and no other."""
    from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
    from airflow.sdk.exceptions import TaskDeferralTimeout

    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name="emrfs-xacct-dup-0123456789ab", SecurityConfiguration=json.dumps({}))
    ti = RecordingTaskInstance(task_id="launch_cluster")
    key = idempotency_key({"ti": ti})  # type: ignore[typeddict-item]
    tag = [{"Key": IDEMPOTENCY_TAG, "Value": key}]
    ours = [emr.run_job_flow(**small_cluster("partner-export", Tags=tag))["JobFlowId"] for _ in range(2)]
    elsewhere = emr.run_job_flow(**small_cluster("partner-export", Tags=[{"Key": IDEMPOTENCY_TAG, "Value": "x.y"}]))
    operator = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration="emrfs-xacct-dup-0123456789ab",
        job_flow_overrides=small_cluster("partner-export"),
    )

    with pytest.raises(TaskDeferralTimeout):
        operator.resume_execution(
            TRIGGER_FAIL_REPR,
            {"error": TriggerFailureReason.TRIGGER_TIMEOUT},
            {"ti": ti, "task_instance": ti},  # type: ignore[arg-type]
        )

    state = {cluster["Id"]: cluster["Status"]["State"] for cluster in emr.list_clusters()["Clusters"]}
    assert all(state[cluster_id] in ENDED for cluster_id in ours), state
    assert state[elsewhere["JobFlowId"]] == "WAITING"


def test_a_protected_second_cluster_fails_the_teardown_after_ending_the_first(moto_url: str) -> None:
    """
    The other cluster of the key refuses ``TerminateJobFlows`` (termination protection): the given one is terminated
    all the same, and the task fails naming the protected one.
    """
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    ti = RecordingTaskInstance(task_id="launch_cluster")
    tag = [{"Key": IDEMPOTENCY_TAG, "Value": idempotency_key({"ti": ti})}]  # type: ignore[typeddict-item]
    given = emr.run_job_flow(**small_cluster("partner-export", Tags=tag))["JobFlowId"]
    protected = small_cluster("partner-export", Tags=tag)
    protected["Instances"] = {**protected["Instances"], "TerminationProtected": True}
    other = emr.run_job_flow(**protected)["JobFlowId"]
    teardown = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=given)

    with pytest.raises(PreconditionError, match=other):
        run_operator(teardown, RecordingTaskInstance(task_id="terminate_cluster"))

    state = {cluster["Id"]: cluster["Status"]["State"] for cluster in emr.list_clusters()["Clusters"]}
    assert state[given] in ENDED
    assert state[other] == "WAITING"


def waiting_launch(name: str, *, auto_termination: bool = False, **waits: Any) -> LaunchClusterWithSecConfigOperator:
    """
    partner-a's launch (``test_faults.launch``) that waits for its cluster, as ``waits`` say; ``auto_termination``
    gives it an ``AutoTerminationPolicy`` (a wait for the end of a kept-alive cluster is refused without one).
    """
    overrides = job_flow("partner-a")
    if auto_termination:
        overrides["AutoTerminationPolicy"] = {"IdleTimeout": 60}  # EMR's least (API Reference, "AutoTerminationPolicy")
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=name,
        job_flow_overrides=overrides,
        wait_for_completion=True,
        **waits,
    )


def launch_twice_unseen(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, operator: LaunchClusterWithSecConfigOperator, raises: type[Exception]
) -> tuple[LaggingClusterList, Any]:
    """
    Run ``operator`` while the first ``RunJobFlow``'s answer is lost and ``ListClusters`` misses the new clusters at
    both of the launch's looks (``launch_twice`` with ``list_lag=2``): the second cluster of the key shows only after
    the launch's own search. Return the proxy and what the launch raised (``raises``).
    """
    proxy = LaggingClusterList(aws.url, list_lag=2, drop_answers={"RunJobFlow": 1})
    with through(proxy, aws, monkeypatch):
        monkeypatch.setattr("airflow_provider_emrfs_xacct.hooks.emr.time", SimpleNamespace(sleep=lambda _: None))
        with pytest.raises(raises) as raised:
            run_operator(operator, task_instance("partner-a", "launch_cluster"))
    assert proxy.stats["dropped-answer"] == 1
    assert len(proxy.launched) == 2  # EMR was asked twice, and launched twice
    return proxy, raised


@pytest.mark.parametrize("terminate", [True, False])
def test_a_launch_whose_wait_failed_in_the_worker_terminates_every_cluster_of_its_key(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, terminate: bool
) -> None:
    """
    The wait in the worker runs out of attempts (``WaiterError``): the upstream operator terminates the cluster
    ``RunJobFlow`` answered with (``terminate_job_flow_on_failure``), and the launch every other active cluster of its
    key (``RunJobFlow`` has no client token: Amazon EMR API Reference, "RunJobFlow"). Before, the lost attempt's cluster
    kept running. ``terminate_job_flow_on_failure=False`` leaves both.
    """
    from airflow.providers.amazon.aws.utils.waiter import WaitPolicy
    from botocore.exceptions import WaiterError

    ended_states = ENDED if terminate else ("WAITING",)
    operator = waiting_launch(
        partner_a_configuration(aws),
        # Waits for the cluster to end, once: moto's cluster stays WAITING (it does not end an idle cluster as its
        # AutoTerminationPolicy says), so the waiter's attempts run out. The wait (1 x 61 s) outlasts the IdleTimeout
        # (60 s), or the launch is refused; its one read does not sleep (botocore's waiter sleeps between reads only).
        auto_termination=True,
        wait_policy=WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
        waiter_delay=61,
        waiter_max_attempts=1,
        terminate_job_flow_on_failure=terminate,
    )
    proxy, _ = launch_twice_unseen(aws, monkeypatch, operator, WaiterError)

    assert all(states(aws)[cluster_id] in ended_states for cluster_id in proxy.launched), states(aws)


@pytest.mark.parametrize("terminate", [True, False])
def test_a_deferred_launch_whose_wait_failed_terminates_every_cluster_of_its_key(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, terminate: bool
) -> None:
    """
    The deferred wait fails (the trigger's error event: attempts run out, or the cluster failed to start): the task
    resumes as a new operator (Airflow, "Deferrable Operators & Triggers") and terminates the cluster the event names
    and every other active cluster of the task instance's key, which ``ListClusters`` shows by then. Before, only the
    one the event named; the lost attempt's cluster kept running.
    """
    from airflow.providers.common.compat.sdk import AirflowException
    from airflow.sdk.exceptions import TaskDeferred

    name = partner_a_configuration(aws)

    def build() -> LaunchClusterWithSecConfigOperator:
        return waiting_launch(
            name, deferrable=True, waiter_delay=1, waiter_max_attempts=3, terminate_job_flow_on_failure=terminate
        )

    proxy, raised = launch_twice_unseen(aws, monkeypatch, build(), TaskDeferred)
    assert set(states(aws).values()) == {"WAITING"}, states(aws)  # the launch's search found neither other
    deferred = raised.value
    trigger = deferred.trigger
    event = trigger._event_from_exception(AirflowException("Waiter job_flow_waiting failed: Max attempts exceeded"))
    assert event.payload["status"] == "error"
    ti = task_instance("partner-a", "launch_cluster")

    with pytest.raises(AirflowException, match="Error creating jobFlow"):
        build().resume_execution(
            deferred.method_name,
            {**(deferred.kwargs or {}), "event": event.payload},
            {"ti": ti, "task_instance": ti},  # type: ignore[arg-type]
        )

    ended_states = ENDED if terminate else ("WAITING",)
    assert all(states(aws)[cluster_id] in ended_states for cluster_id in proxy.launched), states(aws)
