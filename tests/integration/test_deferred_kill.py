"""
A task killed while deferred leaves nothing running: its trigger cleans up when the triggerer cancels it.

A deferred task has no worker, so ``BaseOperator.on_kill`` never runs for it. When a user marks it failed (or
success) or clears it, Airflow's triggerer cancels its trigger with the user-action message and calls the trigger's
``on_kill`` (Airflow 3.3, ``TriggerRunner.cancel_triggers`` and ``run_trigger``); Airflow 3.2 (the floor
``setup.cfg`` declares) cancels it with no message and has no ``on_kill``, and the trigger reads its task's state
instead. Here the trigger runs in Airflow's own ``TriggerRunner`` (the triggerer's asyncio side), rebuilt from its
serialised form, and is cancelled as the triggerer cancels a trigger whose task a user acted on: the verifier's
probe step is cancelled (the stand-in's CancelSteps follows the EMR API Reference) and its object deleted; the
launch's cluster is terminated. A triggerer that only stops (a restart) cancels without that message: nothing is
cleaned up, the trigger is run again elsewhere. The triggerer sends the same message to a trigger another triggerer
took over (``update_triggers``), so the trigger cleans up only when the task's state, read through the Task SDK
API, is one a kill leaves it in.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from airflow.jobs.triggerer_job_runner import TriggerRunner
from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
from airflow.sdk.exceptions import TaskDeferralTimeout, TaskDeferred

from airflow_provider_emrfs_xacct.triggers import TRIGGERER_CALLS_ON_KILL, LaunchWaitTrigger
from devstack import moto_stack
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, client, run_held_probe_steps
from devstack.testing import RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.test_deferrable import launch_operator, security_configuration
from tests.integration.test_verify import head, partner, put, verifier

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.integration.test_verify import Partner

__all__ = ["partner", "security_configuration"]  # the fixtures, imported for the tests below

#: The message Airflow's triggerer cancels a trigger with when a user acted on its task (``cancel_triggers``).
USER_ACTION = "__airflow_user_action__"


@pytest.fixture
def busy_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe steps stay PENDING until ``run_held_probe_steps``."""
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)


def cancelled_as_no_longer_assigned(trigger_id: int) -> set[int]:
    """
    The triggers Airflow's ``TriggerRunnerSupervisor.update_triggers`` orders cancelled when ``trigger_id`` is no
    longer among this triggerer's (``Trigger.ids_for_triggerer``): a user's action deleted it, or another triggerer
    took it over. The runner cancels them with the user-action message (``cancel_triggers``).
    """
    from airflow.jobs.triggerer_job_runner import TriggerRunnerSupervisor

    if not TRIGGERER_CALLS_ON_KILL:
        # Airflow 3.2's update_triggers reads the metadata database before it works out the cancellations (its
        # Trigger.bulk_fetch of the new ones); its rule is the same: ``running_triggers - requested_trigger_ids``.
        return {trigger_id}  # running {trigger_id}, requested none
    supervisor = SimpleNamespace(
        running_triggers={trigger_id},
        events=deque(),
        cancelling_triggers=set(),
        failed_triggers=deque(),
        creating_triggers=deque(),
    )
    TriggerRunnerSupervisor.update_triggers(supervisor, set())  # type: ignore[arg-type]
    return supervisor.cancelling_triggers


async def cancel_in_triggerer(
    trigger: Any,
    *,
    user_action: bool,
    connecting: bool = False,
    ti: Any = None,
    timeout_after: datetime | None = None,
    before_cancel: Callable[[], None] = lambda: None,
) -> None:
    """
    Run ``trigger`` (rebuilt from its serialised form, for task instance ``ti``) in Airflow's ``TriggerRunner`` until
    it waits (or, with ``connecting``, while it builds its client), then cancel it: as the triggerer cancels one no
    longer assigned to it (``update_triggers``, then ``cancel_triggers`` with the user-action message), or as a
    stopping triggerer cancels it (no message). ``timeout_after``: the deferral's deadline, as the runner sets it;
    ``before_cancel``: what happens just before the cancellation (with no ``await`` between: the trigger sees none of it).
    """
    classpath, kwargs = trigger.serialize()
    assert classpath == f"{type(trigger).__module__}.{type(trigger).__qualname__}"
    rebuilt = type(trigger)(**kwargs)
    rebuilt.task_instance = ti
    rebuilt.timeout_after = timeout_after  # type: ignore[attr-defined]
    waiting = asyncio.Event()
    make_hook = rebuilt.hook

    def hook() -> Any:
        made = make_hook()
        if connecting:  # run() builds its client next, through asgiref's sync_to_async
            waiting.set()
            return made
        get_waiter = made.get_waiter

        def waiter(*args: Any, **kwargs: Any) -> Any:  # its client is connected: the wait starts
            waiting.set()
            return get_waiter(*args, **kwargs)

        made.get_waiter = waiter
        return made

    rebuilt.hook = hook  # type: ignore[method-assign]
    runner = TriggerRunner()
    task = asyncio.create_task(runner.run_trigger(1, rebuilt, timeout_after))
    runner.triggers[1] = {"task": task, "name": "killed", "events": 0, "is_watcher": False}  # type: ignore[typeddict-item]
    started = asyncio.create_task(waiting.wait())
    await asyncio.wait([started, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    assert waiting.is_set(), task.exception() if task.done() else "the trigger did not start in 30 s"
    before_cancel()
    if user_action:
        runner.to_cancel.extend(cancelled_as_no_longer_assigned(1))
        await runner.cancel_triggers()
    else:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert not runner.events, runner.events  # cancelled while waiting: no event fired


def deferred_probe(partner: Partner) -> tuple[str, Any, str, str]:
    """A deferred verifier whose probe step is held PENDING: its cluster, trigger, probe URI and step."""
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, RecordingTaskInstance(task_id="verify_cross_account_access"))
    [(uri, step_id)] = deferred.value.kwargs["uris"].items()
    return cluster_id, deferred.value.trigger, uri, step_id


def test_a_deferred_verifier_marked_failed_cancels_its_probe_step_and_deletes_its_object(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_task_state(monkeypatch, "failed")
    cluster_id, trigger, uri, step_id = deferred_probe(partner)
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    put(s3, uri)  # what the running step wrote before the kill

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] == "CANCELLED"
    assert run_held_probe_steps() == []  # the cancelled step writes nothing later
    assert head(s3, uri) is None


class TaskStatesFromTheApi:
    """
    The Task SDK's channel to the API server (``SUPERVISOR_COMMS``), answering ``GetTaskStates`` with ``state``: the
    one part of the triggerer that cannot run here without the scheduler and API server
    (``tests/dags/test_backfill.py`` runs them).
    """

    def __init__(self, state: str | None) -> None:
        self.state = state
        self.asked: list[Any] = []

    def send(self, message: Any) -> Any:
        from airflow.sdk.execution_time.comms import GetTaskStates, TaskStatesResult

        assert isinstance(message, GetTaskStates)
        self.asked.append(message)
        # As the execution API's get_task_instance_states keys them: a mapped task instance with its index.
        map_index = -1 if message.map_index is None else message.map_index
        key = TASK_ID if map_index < 0 else f"{TASK_ID}_{map_index}"
        return TaskStatesResult(task_states={run_id: {key: self.state} for run_id in message.run_ids or []})


class NoTaskInstanceInTheApi(TaskStatesFromTheApi):
    """
    The channel answering ``GetTaskStates`` as the execution API does once the task's DAG run was deleted (its task
    instances go with it: ``task_instance_dag_run_fkey`` is ``ON DELETE CASCADE``): no state at all.
    """

    def send(self, message: Any) -> Any:
        from airflow.sdk.execution_time.comms import TaskStatesResult

        super().send(message)
        return TaskStatesResult(task_states={})


def answer_task_state(monkeypatch: pytest.MonkeyPatch, state: str | None) -> TaskStatesFromTheApi:
    """Have the Task SDK API answer that the deferred task instance is in ``state``."""
    from airflow.sdk.execution_time import task_runner

    api = TaskStatesFromTheApi(state)
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", api, raising=False)
    return api


TASK_ID = "verify_cross_account_access"
DEFERRED_TI = SimpleNamespace(
    id="0195c5a6-0000-7000-8000-000000000001",
    dag_id="emrfs_xacct",
    task_id=TASK_ID,
    run_id="manual__2026-12-01",
    map_index=-1,
    try_number=1,
    context_carrier=None,
)


@pytest.mark.parametrize(
    ("state", "cleaned_up"),
    [("failed", True), ("success", True), (None, True), ("deferred", False), ("scheduled", False), ("running", False)],
)
def test_a_kill_whose_message_was_lost_cleans_up_by_the_tasks_state(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch, state: str | None, cleaned_up: bool
) -> None:
    # The kill lands while the trigger builds its client through asgiref's sync_to_async, which raises a
    # CancelledError of its own, without the triggerer's user-action message: the triggerer then calls no on_kill.
    # Marked failed or success, or cleared (no state yet): a kill. Scheduled or running: the task resumed.
    api = answer_task_state(monkeypatch, state)
    cluster_id, trigger, uri, step_id = deferred_probe(partner)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, connecting=True, ti=DEFERRED_TI))

    assert [message.run_ids for message in api.asked] == [[DEFERRED_TI.run_id]]
    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert (step["Step"]["Status"]["State"] == "CANCELLED") is cleaned_up
    assert run_held_probe_steps() == ([] if cleaned_up else [uri])


@pytest.mark.skipif(
    not TRIGGERER_CALLS_ON_KILL,
    reason="Airflow 3.2 has no BaseTrigger.on_kill, and its triggerer cancels a trigger without the user-action "
    "message (TriggerRunner.cancel_triggers): only the state read decides there, as the tests above run it",
)
def test_a_users_kill_on_a_triggerer_that_calls_on_kill_cleans_up_once(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Airflow 3.3's triggerer calls on_kill itself after cancelling with the user-action message: the trigger's own
    # cancellation path must not clean up a second time (the state is read once, by on_kill).
    api = answer_task_state(monkeypatch, "failed")
    cluster_id, trigger, _, step_id = deferred_probe(partner)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    assert len(api.asked) == 1
    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] == "CANCELLED"
    assert run_held_probe_steps() == []


def test_a_stopping_triggerer_leaves_the_deferred_probe_running(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A restart or a hand-over to another triggerer: the task stays deferred, its trigger is run again.
    api = answer_task_state(monkeypatch, "deferred")
    cluster_id, trigger, uri, step_id = deferred_probe(partner)

    asyncio.run(cancel_in_triggerer(trigger, user_action=False, ti=DEFERRED_TI))

    assert len(api.asked) == 1

    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] in ("PENDING", "RUNNING")
    assert run_held_probe_steps() == [uri]


def deferred_launch(moto_url: str) -> tuple[str, Any]:
    """A deferred launch whose cluster is still STARTING (on AWS, for minutes; moto makes it WAITING at once)."""
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(launch_operator())
    trigger = deferred.value.trigger
    cluster_id = trigger.serialized_fields["job_flow_id"]
    moto_cluster(cluster_id).state = "STARTING"
    return cluster_id, trigger


def moto_cluster(cluster_id: str) -> Any:
    """The stand-in's cluster ``cluster_id``."""
    from moto.emr.models import emr_backends

    [cluster] = [
        backend.clusters[cluster_id]
        for regions in emr_backends.values()
        for backend in regions.values()
        if cluster_id in backend.clusters
    ]
    return cluster


def test_a_deferred_launch_marked_failed_terminates_its_cluster(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_task_state(monkeypatch, "failed")
    cluster_id, trigger = deferred_launch(moto_url)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state in ("TERMINATING", "TERMINATED")


def test_a_stopping_triggerer_leaves_the_launched_cluster_running(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = answer_task_state(monkeypatch, "deferred")
    cluster_id, trigger = deferred_launch(moto_url)

    asyncio.run(cancel_in_triggerer(trigger, user_action=False, ti=DEFERRED_TI))

    assert len(api.asked) == 1

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "STARTING"


def test_the_launch_trigger_keeps_the_wait_policys_waiter() -> None:
    # The upstream trigger does not serialise waiter_name: rebuilt in the triggerer, it would wait for the default.
    trigger = LaunchWaitTrigger(
        job_flow_id="j-ABCDEFGHIJKLM", aws_conn_id="aws_default", waiter_name="job_flow_terminated"
    )

    _, kwargs = trigger.serialize()

    assert LaunchWaitTrigger(**kwargs).waiter_name == "job_flow_terminated"


@pytest.mark.parametrize("terminate", [True, False])
def test_a_deferred_launch_that_timed_out_terminates_its_cluster_before_it_fails(
    moto_url: str, security_configuration: str, terminate: bool
) -> None:
    # Past the deferral's deadline (its wait's, or execution_timeout) the scheduler resumes the task with "__fail__"
    # (check_trigger_timeouts): no on_kill runs, in the worker or the trigger, and the failure passes no cluster id.
    operator = launch_operator(terminate_job_flow_on_failure=terminate)
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    cluster_id = deferred.value.trigger.serialize()[1]["job_flow_id"]

    with pytest.raises(TaskDeferralTimeout):
        operator.resume_execution(
            TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, {"ti": ti, "task_instance": ti}
        )

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert (state in ("TERMINATING", "TERMINATED")) is terminate, state


def test_a_launch_whose_execution_timeout_ran_out_before_it_deferred_terminates_its_cluster(
    moto_url: str, security_configuration: str
) -> None:
    """
    With no ``execution_timeout`` left when it would defer, the launch times out instead (Airflow 3 would have given
    the deferral its wait's hour alone: apache/airflow#69678): Airflow's runner calls ``on_kill``, which terminates
    the cluster ``RunJobFlow`` answered with. "The call to TerminateJobFlows is asynchronous" (Amazon EMR API
    Reference, "TerminateJobFlows"): the cluster is TERMINATING, then TERMINATED.
    """
    from airflow.providers.common.compat.sdk import AirflowTaskTimeout
    from airflow.sdk.execution_time.context import set_current_context

    from devstack.testing import execute_with_airflows_timeout

    operator = launch_operator(execution_timeout=timedelta(hours=1))
    ti = RecordingTaskInstance(task_id=operator.task_id)
    ti.start_date = datetime.now(timezone.utc) - timedelta(hours=2)  # type: ignore[attr-defined]

    with pytest.raises(AirflowTaskTimeout), set_current_context({"ti": ti, "task_instance": ti}):  # type: ignore[arg-type]
        execute_with_airflows_timeout(operator, ti)

    cluster_id = operator._job_flow_id
    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state in ("TERMINATING", "TERMINATED"), state


def test_a_failed_deferral_in_a_worker_without_the_connection_terminates_nothing_with_the_workers_credentials(
    moto_url: str,
    security_configuration: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The resume runs in a new worker process: one where the connection is not defined would otherwise find and
    # terminate clusters with the worker's own credentials (boto3's default chain), in whatever account they are.
    from devstack.moto_stack import EMR_CONN_ID
    from devstack.testing import CallRecorder

    operator = launch_operator()
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    cluster_id = deferred.value.trigger.serialize()[1]["job_flow_id"]
    monkeypatch.delenv(f"AIRFLOW_CONN_{EMR_CONN_ID.upper()}")
    resumed = launch_operator()  # the new worker's operator: no hook built yet

    with CallRecorder().everything() as recorder, pytest.raises(TaskDeferralTimeout):
        resumed.resume_execution(
            TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, {"ti": ti, "task_instance": ti}
        )

    assert recorder.every == []
    logged = capfd.readouterr().out + caplog.text
    assert "could not be terminated" in logged
    assert f"names the connection '{EMR_CONN_ID}', which Airflow does not have" in logged
    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state not in ("TERMINATING", "TERMINATED"), state


@pytest.mark.parametrize("triggerer_calls_on_kill", [True, False], ids=["on_kill", "state-read"])
def test_a_cancellation_after_the_trigger_fired_leaves_the_cluster_to_the_resumed_task(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch, triggerer_calls_on_kill: bool
) -> None:
    """
    After its event the upstream ``run`` still closes its client (an ``await``): a cancellation landing there finds
    the task resumed by the event (scheduled, no longer deferred). The cluster the task goes on with stays up, whether
    the triggerer calls ``on_kill`` (3.3, user-action message) or the trigger reads the task's state (no message).
    """
    answer_task_state(monkeypatch, "scheduled")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(launch_operator())  # moto makes the cluster WAITING at once: the trigger fires
    _, kwargs = deferred.value.trigger.serialize()
    trigger = LaunchWaitTrigger(**kwargs)
    trigger.task_instance = DEFERRED_TI
    cluster_id = kwargs["job_flow_id"]

    async def fire_then_cancel() -> None:
        run = trigger.run()
        event = await run.__anext__()
        assert event.payload["status"] == "success", event.payload
        if triggerer_calls_on_kill:
            await trigger.on_kill()
        with contextlib.suppress(asyncio.CancelledError):
            await run.athrow(asyncio.CancelledError())

    asyncio.run(fire_then_cancel())

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "WAITING", state


#: What a task whose trigger another triggerer took over can be in when this triggerer cancels its own copy: still
#: deferred there (or deferred again on a new trigger), or resumed by that copy's event in a worker.
TAKEN_OVER = ["deferred", "scheduled", "queued", "running"]


@pytest.mark.parametrize("state", TAKEN_OVER)
def test_a_probe_trigger_another_triggerer_took_over_leaves_the_probe_to_the_task(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    # Triggerer HA: this triggerer's heartbeat was late, Trigger.assign_unassigned gave the trigger to another; this
    # one then cancels its own copy as no longer assigned to it, with the same user-action message as a user's kill.
    api = answer_task_state(monkeypatch, state)
    cluster_id, trigger, uri, step_id = deferred_probe(partner)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    assert len(api.asked) == 1
    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] in ("PENDING", "RUNNING")
    assert run_held_probe_steps() == [uri]  # the step the resumed verifier waits for still runs


@pytest.mark.parametrize("state", TAKEN_OVER)
def test_a_launch_trigger_another_triggerer_took_over_leaves_the_cluster_to_the_task(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    answer_task_state(monkeypatch, state)
    cluster_id, trigger = deferred_launch(moto_url)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "STARTING"


@pytest.mark.parametrize("user_action", [True, False], ids=["message-lost", "no-message"])
def test_a_trigger_cancelled_past_the_deferrals_deadline_leaves_the_cluster_to_the_tasks_failure_path(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch, user_action: bool
) -> None:
    # The scheduler resumed the task with __fail__ (check_trigger_timeouts) and it already failed: its failure path
    # terminates the cluster or keeps it (terminate_job_flow_on_failure), which the trigger does not know.
    answer_task_state(monkeypatch, "failed")
    cluster_id, trigger = deferred_launch(moto_url)
    deadline = datetime.now(timezone.utc) - timedelta(seconds=1)

    asyncio.run(
        cancel_in_triggerer(trigger, user_action=user_action, connecting=True, ti=DEFERRED_TI, timeout_after=deadline)
    )

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "STARTING"


def test_a_killed_mapped_verifier_is_found_by_its_map_index(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The execution API keys a mapped task instance's state as "<task_id>_<map_index>" (get_task_instance_states).
    api = answer_task_state(monkeypatch, "failed")
    cluster_id, trigger, _, step_id = deferred_probe(partner)
    mapped = SimpleNamespace(**{**vars(DEFERRED_TI), "map_index": 2})

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=mapped))

    assert [message.map_index for message in api.asked] == [2]
    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] == "CANCELLED"


@pytest.mark.parametrize("state", ["success", "failed"])
def test_a_launch_another_triggerers_copy_resumed_and_that_ended_keeps_its_cluster(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    # Another triggerer's copy fired on the cluster becoming WAITING; the launch resumed and ended (downstream tasks go
    # on with the cluster) before this triggerer, whose heartbeat was late, cancelled its own copy. The task's state
    # is one a user's kill leaves too; the cluster's, a state the wait ends on, says the task may have gone on with it.
    answer_task_state(monkeypatch, state)
    cluster_id, trigger = deferred_launch(moto_url)

    def ready_elsewhere() -> None:
        moto_cluster(cluster_id).state = "WAITING"

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI, before_cancel=ready_elsewhere))

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "WAITING"


def test_a_launch_waiting_for_termination_killed_while_its_cluster_runs_terminates_it(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # wait_policy "wait for steps completion" (job_flow_terminated) fires on TERMINATED only: a ready cluster is not
    # one another copy can have fired on, and the user's kill terminates it.
    answer_task_state(monkeypatch, "failed")
    cluster_id, trigger = deferred_launch(moto_url)
    _, kwargs = trigger.serialize()
    trigger = LaunchWaitTrigger(**{**kwargs, "waiter_name": "job_flow_terminated"})
    moto_cluster(cluster_id).state = "WAITING"

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state in ("TERMINATING", "TERMINATED")


@pytest.mark.parametrize("user_action", [True, False], ids=["user-action", "message-lost"])
def test_a_deferred_verifier_whose_dag_run_was_deleted_cleans_up(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch, user_action: bool
) -> None:
    # Deleting the DAG run deletes the task instance; its trigger, used by none, is deleted (Trigger.clean_unused) and
    # cancelled as no longer assigned. Nothing can resume with the probe: it is abandoned, as after a kill.
    api = NoTaskInstanceInTheApi("unused")
    from airflow.sdk.execution_time import task_runner

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", api, raising=False)
    cluster_id, trigger, _, step_id = deferred_probe(partner)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, connecting=not user_action, ti=DEFERRED_TI))

    assert len(api.asked) == 1
    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] == "CANCELLED"
    assert run_held_probe_steps() == []


def test_a_deferred_launch_whose_dag_run_was_deleted_terminates_its_cluster(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.execution_time import task_runner

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", NoTaskInstanceInTheApi("unused"), raising=False)
    cluster_id, trigger = deferred_launch(moto_url)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state in ("TERMINATING", "TERMINATED")


class UnreachableApi(TaskStatesFromTheApi):
    """A Task SDK channel whose API server does not answer (a triggerer shutting down, a network partition)."""

    def send(self, message: Any) -> Any:
        self.asked.append(message)
        raise ConnectionError("the API server did not answer")


def test_a_task_state_that_cannot_be_read_leaves_the_probe_running(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not known whether the task was killed or resumed elsewhere: the step the resumed task may wait for stays.
    from airflow.sdk.execution_time import task_runner

    cluster_id, trigger, uri, step_id = deferred_probe(partner)
    api = UnreachableApi(None)
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", api, raising=False)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    assert [type(message).__name__ for message in api.asked].count("GetTaskStates") == 1
    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] in ("PENDING", "RUNNING")
    assert run_held_probe_steps() == [uri]
