"""
The triggers' blocking calls run side by side, not one after another in asgiref's one shared thread.

Airflow 3.3's triggerer waits for each cancelled trigger's ``on_kill`` at most ``[triggerer] on_kill_timeout``
seconds (30 by default: ``asyncio.wait_for(trigger.on_kill(), timeout=...)`` in ``TriggerRunner.run_trigger``).
asgiref's ``sync_to_async`` runs every call in one thread by default (``thread_sensitive=True``) when the loop was
started by ``asyncio.run``, as the triggerer's is: the clean-ups of many tasks killed together queued there, and
those not started within the timeout were cancelled and never ran. Real asyncio and threads; no AWS call is made
(the clean-up and the hook are replaced on subclasses, the Task SDK's channel by one answering a state).
"""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import structlog
from asgiref.sync import sync_to_async

from airflow_provider_emrfs_xacct.triggers import (
    BLOCKING_CALL_THREADS,
    LaunchWaitTrigger,
    OperatorBotocoreSettingsMixin,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import pytest

#: The triggerer's default ``[triggerer] on_kill_timeout``.
ON_KILL_TIMEOUT = 30
KILLED_TOGETHER = 25
CLEAN_UP_SECONDS = 1.5


class SlowCleanUp(LaunchWaitTrigger):
    """A launch's trigger whose task was killed, with a clean-up that takes ``CLEAN_UP_SECONDS`` in its thread."""

    def __init__(self, number: int, ran: dict[int, tuple[int, Any]]) -> None:
        super().__init__(job_flow_id=f"j-{number:013d}", aws_conn_id=None)
        self.number = number
        self.ran = ran

    async def task_was_killed(self) -> bool:
        return True

    def clean_up_after_kill(self) -> None:
        time.sleep(CLEAN_UP_SECONDS)
        self.ran[self.number] = (threading.get_ident(), structlog.contextvars.get_contextvars().get("trigger_id"))


def occupy_asgirefs_shared_thread(seconds: float) -> asyncio.Task[None]:
    """Another trigger's call through ``sync_to_async`` as asgiref runs it by default: in its one shared thread."""
    return asyncio.create_task(sync_to_async(time.sleep)(seconds))


def test_the_clean_ups_of_tasks_killed_together_all_run_within_the_triggerers_timeout() -> None:
    assert KILLED_TOGETHER <= BLOCKING_CALL_THREADS  # else some would wait for a thread (docs/airflow.md says so)
    ran: dict[int, tuple[int, Any]] = {}
    triggers = [SlowCleanUp(number, ran) for number in range(KILLED_TOGETHER)]

    async def on_kill_in_triggerer(trigger: SlowCleanUp) -> None:
        # As TriggerRunner.run_trigger: the trigger's log context bound, its on_kill waited for at most the timeout.
        structlog.contextvars.bind_contextvars(trigger_id=trigger.number)
        await asyncio.wait_for(trigger.on_kill(), ON_KILL_TIMEOUT)

    async def kill_all() -> list[Any]:
        return await asyncio.gather(*(on_kill_in_triggerer(trigger) for trigger in triggers), return_exceptions=True)

    started = time.monotonic()
    outcomes = asyncio.run(kill_all())

    assert [outcome for outcome in outcomes if outcome is not None] == []  # no on_kill timed out
    assert sorted(ran) == list(range(KILLED_TOGETHER))  # every clean-up ran
    assert len({thread for thread, _ in ran.values()}) == KILLED_TOGETHER  # side by side
    assert time.monotonic() - started < ON_KILL_TIMEOUT / 2
    # Each clean-up logs in its trigger's context (the triggerer routes a trigger's log by it).
    assert {number: trigger_id for number, (_, trigger_id) in ran.items()} == {n: n for n in range(KILLED_TOGETHER)}


class TaskStatesAnswer:
    """The Task SDK's channel to the API server (``SUPERVISOR_COMMS``), answering ``GetTaskStates`` with ``failed``."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def send(self, message: Any) -> Any:
        from airflow.sdk.execution_time.comms import GetTaskStates, TaskStatesResult

        assert isinstance(message, GetTaskStates)
        self.threads.append(threading.get_ident())
        return TaskStatesResult(task_states={run_id: {TASK_ID: "failed"} for run_id in message.run_ids or []})


TASK_ID = "launch_cluster"


class RecordedCleanUp(LaunchWaitTrigger):
    """A launch's trigger recording its clean-up instead of terminating a cluster."""

    cleaned_up = False

    def clean_up_after_kill(self) -> None:
        self.cleaned_up = True


def test_the_state_read_and_the_clean_up_do_not_wait_for_asgirefs_shared_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another trigger holds asgiref's shared thread longer than this one's on_kill may take.
    from airflow.sdk.execution_time import task_runner

    api = TaskStatesAnswer()
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", api, raising=False)
    trigger = RecordedCleanUp(job_flow_id="j-ABCDEFGHIJKLM", aws_conn_id=None)
    trigger.task_instance = SimpleNamespace(dag_id="emrfs_xacct", task_id=TASK_ID, run_id="manual__1", map_index=-1)

    async def kill_while_the_shared_thread_is_busy() -> None:
        busy = occupy_asgirefs_shared_thread(2)
        try:
            await asyncio.wait_for(trigger.on_kill(), 1)
        finally:
            await busy

    asyncio.run(kill_while_the_shared_thread_is_busy())

    assert len(api.threads) == 1  # the state was read (in a thread: not the loop's)
    assert api.threads[0] != threading.get_ident()
    assert trigger.cleaned_up


class Upstream:
    """An upstream trigger whose wait fires at once."""

    def __init__(self, **kwargs: Any) -> None:
        self.serialized_fields: dict[str, Any] = dict(kwargs)

    async def run(self) -> AsyncIterator[Any]:
        yield "fired"


class HookBuiltFirst(OperatorBotocoreSettingsMixin, Upstream):
    """A trigger that builds its hook before it waits (``botocore_config_is_default``)."""

    aws_hook_class = object
    aws_conn_id = None
    region_name = None
    verify = None
    botocore_config = None

    def aws_hook(self, hook_class: Any, conn_id: str | None, region_name: str | None) -> Any:
        return ("hook", threading.get_ident())


def test_a_trigger_builds_its_hook_without_waiting_for_asgirefs_shared_thread() -> None:
    trigger = HookBuiltFirst(botocore_config_is_default=True)

    async def first_event_while_the_shared_thread_is_busy() -> Any:
        busy = occupy_asgirefs_shared_thread(2)
        try:
            return await asyncio.wait_for(anext(aiter(trigger.run())), 1)
        finally:
            await busy

    assert asyncio.run(first_event_while_the_shared_thread_is_busy()) == "fired"
    assert trigger._built_hook[0] == "hook"
    assert trigger._built_hook[1] != threading.get_ident()
