"""
The teardown's arguments as a DAG that renders templates as text (Airflow's default) gives them.

``TerminateClusterOperator`` templates its waits as the launch does, and checks them and ``job_flow_id`` before any
AWS call: a wait it cannot use, or a list of cluster ids rendered as text, is refused naming the field, its clusters
untouched. ``TerminateJobFlows`` takes a list of ids (Amazon EMR API Reference, "TerminateJobFlows": ``JobFlowIds``,
"A list of job flows to be shut down"): a list's text sent as one id ends no cluster.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import CallRecorder, run_operator, small_cluster


def _running_clusters(moto_url: str, count: int) -> list[str]:
    """``count`` clusters that moto keeps ``WAITING`` (kept alive without steps)."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    return [emr.run_job_flow(**small_cluster(f"teardown-{index}"))["JobFlowId"] for index in range(count)]


def _states(moto_url: str, clusters: list[str]) -> list[str]:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    return [emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] for cluster_id in clusters]


def _refused(teardown: TerminateClusterOperator) -> tuple[InvalidParameterError, CallRecorder]:
    """Run the teardown, which must be refused; return the refusal and every botocore call made meanwhile."""
    recorder = CallRecorder()
    with recorder.everywhere(), pytest.raises(InvalidParameterError) as refused:
        run_operator(teardown)
    return refused.value, recorder


@pytest.mark.parametrize("deferrable", [False, True])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("waiter_delay", "{{ params.delay }}"),  # a template left unrendered (not a template field before)
        ("waiter_delay", "soon"),
        ("waiter_max_attempts", "0"),
        ("waiter_max_attempts", "2.5"),
    ],
)
def test_a_wait_the_teardown_cannot_use_is_refused_naming_it_before_any_call(
    moto_url: str, deferrable: bool, field: str, value: str
) -> None:
    # Before, the teardown sent TerminateJobFlows and then, deferred, multiplied the waits for the deferral's
    # timeout: a TypeError naming no field; in the worker the waits were never looked at.
    [cluster_id] = _running_clusters(moto_url, 1)
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        deferrable=deferrable,
        **{field: value},
    )

    refusal, recorder = _refused(teardown)

    assert refusal.field == field
    assert "must be a whole number" in str(refusal)
    assert recorder.every == []
    assert _states(moto_url, [cluster_id]) == ["WAITING"]


def test_the_teardown_s_waits_rendered_as_text_defer_the_wait_with_whole_numbers(moto_url: str) -> None:
    # "30" and "5" are what "{{ params.delay }}" and "{{ params.attempts }}" render to by default: before,
    # "5" * "30" failed the task after TerminateJobFlows.
    [cluster_id] = _running_clusters(moto_url, 1)
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        deferrable=True,
        waiter_delay="30",
        waiter_max_attempts=" 5 ",
    )

    with pytest.raises(TaskDeferred) as deferred:
        run_operator(teardown)

    assert (teardown.waiter_delay, teardown.waiter_max_attempts) == (30, 5)
    assert deferred.value.timeout == timedelta(seconds=5 * 30 + 60)
    _, kwargs = deferred.value.trigger.serialize()
    assert (kwargs["waiter_delay"], kwargs["waiter_max_attempts"]) == (30, 5)
    assert _states(moto_url, [cluster_id]) == ["TERMINATED"]


def test_the_teardown_templates_its_waits_as_the_launch_does() -> None:
    from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator

    for field in ("waiter_delay", "waiter_max_attempts"):
        assert field in LaunchClusterWithSecConfigOperator.template_fields
        assert field in TerminateClusterOperator.template_fields
    assert TerminateClusterOperator.template_fields_renderers["job_flow_id"] == "json"


@pytest.mark.parametrize(
    "rendered",
    [
        lambda ids: str(ids),  # "['j-A', 'j-B']": Airflow's default rendering of a mapped launch's .output
        lambda ids: str(tuple(ids)),
        lambda ids: " " + str(ids),
    ],
)
def test_cluster_ids_rendered_as_text_are_refused_before_any_call(moto_url: str, rendered: Any) -> None:
    # Before, the text went to TerminateJobFlows as one id: EMR refused it and both clusters kept running.
    clusters = _running_clusters(moto_url, 2)
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=rendered(clusters)
    )

    refusal, recorder = _refused(teardown)

    assert refusal.field == "job_flow_id"
    assert "render_template_as_native_obj=True" in str(refusal)
    assert recorder.every == []
    assert _states(moto_url, clusters) == ["WAITING", "WAITING"]


def test_the_list_itself_still_ends_every_cluster(moto_url: str) -> None:
    # The refusal is of the text only: the list (native rendering, or a mapped launch's .output) ends them all.
    clusters = _running_clusters(moto_url, 2)
    teardown = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=clusters)

    run_operator(teardown)

    assert _states(moto_url, clusters) == ["TERMINATED", "TERMINATED"]
