"""
A deferred launch whose wait fails terminates its clusters in the trigger, before the error event reaches the task.

The resumed launch's ``execute_complete`` terminates them (``terminate_job_flow_on_failure``), but only once a worker
resumes it: a task marked failed or cleared (or past ``dagrun_timeout``) between the event and the resume never runs
it, and the cluster, still starting after ``waiter_max_attempts``, ran on, billing and able to assume the partner's
role. The launch's trigger now terminates the cluster and the other active clusters of the launch's key before it
fires an error event (or raises its own error), as the verifier's trigger abandons its probe steps; not with
``terminate_job_flow_on_failure=False``, not on success, not for a trigger serialised before it carried the setting.
The resumed task terminates them again: ``TerminateJobFlows`` documents no error for a terminating or ended cluster
(Amazon EMR API Reference, "TerminateJobFlows": its only error is ``InternalServerError``; that it answers without an
error is the stand-in's reading, ``devstack/aws_emr.py``), and the launch logs a refusal rather than raising it.

The cluster is held ``STARTING`` in moto's backend (moto starts clusters at once), as in ``test_deferred_kill.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_emrfs_xacct.triggers import LaunchWaitTrigger
from devstack.moto_stack import EMR_ACCOUNT, client
from devstack.testing import RecordingTaskInstance, run_operator, small_cluster
from tests.integration.test_deferrable import launch_operator, security_configuration
from tests.integration.test_deferred_kill import moto_cluster
from tests.integration.test_deferred_kill_duplicates import second_launch, state

__all__ = ["security_configuration"]  # the fixture, imported for the tests below

ENDED = ("TERMINATING", "TERMINATED")


def deferred_launch_still_starting(**operator_kwargs: Any) -> tuple[str, dict[str, Any]]:
    """A deferred launch whose cluster is held ``STARTING``: its cluster and its trigger's kwargs, one attempt left."""
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(launch_operator(**operator_kwargs))
    _, kwargs = deferred.value.trigger.serialize()
    moto_cluster(kwargs["job_flow_id"]).state = "STARTING"
    return kwargs["job_flow_id"], {**kwargs, "waiter_max_attempts": 1}


def first_event_and_states(trigger: Any, emr: Any, cluster_ids: list[str]) -> tuple[Any, dict[str, str]]:
    """Run ``trigger`` as the triggerer does; return its first event and the clusters' states as it is handed over."""

    async def run() -> tuple[Any, dict[str, str]]:
        async for event in trigger.run():
            return event, {cluster_id: state(emr, cluster_id) for cluster_id in cluster_ids}
        raise AssertionError(f"{trigger!r} ended without an event")

    return asyncio.run(asyncio.wait_for(run(), timeout=60))


@pytest.mark.parametrize("terminate", [True, False])
def test_a_launch_still_starting_when_its_wait_runs_out_is_terminated_before_the_error_event(
    moto_url: str, security_configuration: str, terminate: bool
) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id, kwargs = deferred_launch_still_starting(terminate_job_flow_on_failure=terminate)
    other = second_launch(emr, cluster_id)  # a lost RunJobFlow attempt's, under the same key
    unrelated = emr.run_job_flow(**small_cluster("another-task"))["JobFlowId"]

    event, states = first_event_and_states(LaunchWaitTrigger(**kwargs), emr, [cluster_id, other, unrelated])

    assert event.payload["status"] == "error", event.payload
    if terminate:
        assert states[cluster_id] in ENDED, states
        assert states[other] in ENDED, states
    else:
        assert (states[cluster_id], states[other]) == ("STARTING", "WAITING"), states
    assert states[unrelated] == "WAITING"
    assert kwargs["terminate_job_flow_on_failure"] is terminate  # serialised by the launch


def test_the_resumed_launch_terminates_the_terminated_cluster_again_without_a_refusal(
    moto_url: str, security_configuration: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    operator = launch_operator()
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    _, kwargs = deferred.value.trigger.serialize()
    cluster_id = kwargs["job_flow_id"]
    moto_cluster(cluster_id).state = "STARTING"
    event, states = first_event_and_states(LaunchWaitTrigger(**{**kwargs, "waiter_max_attempts": 1}), emr, [cluster_id])
    assert states[cluster_id] in ENDED, states

    with pytest.raises(AirflowException, match="Error creating jobFlow"):
        operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload)

    assert "could not terminate" not in capfd.readouterr().out + caplog.text
    assert state(emr, cluster_id) in ENDED


def test_a_launch_whose_wait_succeeds_keeps_its_cluster(moto_url: str, security_configuration: str) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(launch_operator())  # moto makes the cluster WAITING at once: the wait succeeds
    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["terminate_job_flow_on_failure"] is True

    event, states = first_event_and_states(LaunchWaitTrigger(**kwargs), emr, [kwargs["job_flow_id"]])

    assert event.payload["status"] == "success", event.payload
    assert states[kwargs["job_flow_id"]] == "WAITING"
    assert state(emr, kwargs["job_flow_id"]) == "WAITING"


class FailingTrigger(LaunchWaitTrigger):
    """A launch trigger whose own code fails when the wait ends (as an error of the upstream trigger would)."""

    def _event_from_exception(self, error: Any) -> Any:
        raise RuntimeError(f"the trigger failed after: {error}")


def test_a_launch_trigger_that_fails_terminates_its_cluster_before_its_error(
    moto_url: str, security_configuration: str
) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id, kwargs = deferred_launch_still_starting()

    with pytest.raises(RuntimeError, match="the trigger failed"):
        first_event_and_states(FailingTrigger(**kwargs), emr, [cluster_id])

    assert state(emr, cluster_id) in ENDED


def test_the_setting_is_serialised_and_a_trigger_serialised_without_it_leaves_the_cluster_to_the_task(
    moto_url: str, security_configuration: str
) -> None:
    trigger = LaunchWaitTrigger(job_flow_id="j-ABCDEFGHIJKLM", aws_conn_id="aws_default").with_launch(
        "0123.abcd", None, terminate_job_flow_on_failure=True
    )
    _, serialised = trigger.serialize()
    assert serialised["terminate_job_flow_on_failure"] is True
    assert LaunchWaitTrigger(**serialised).terminate_job_flow_on_failure is True

    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id, kwargs = deferred_launch_still_starting()
    old = {name: value for name, value in kwargs.items() if name != "terminate_job_flow_on_failure"}
    loaded = LaunchWaitTrigger(**old)  # deferred by the previous release
    assert loaded.terminate_job_flow_on_failure is False

    event, states = first_event_and_states(loaded, emr, [cluster_id])

    assert event.payload["status"] == "error", event.payload
    assert states[cluster_id] == "STARTING"  # the resumed task's failure path decides, as before
