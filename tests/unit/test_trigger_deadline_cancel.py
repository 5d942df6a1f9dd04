"""
A deferred task's trigger cleans up exactly once when the triggerer cancels it, before or past the deferral's deadline.

Airflow 3.3's triggerer cancels every trigger it no longer runs with its user-action message
(``TriggerRunner.cancel_triggers``), also one whose task the scheduler resumed with ``__fail__`` past the deadline,
and calls the trigger's ``on_kill`` then, unless the deadline (``timeout_after``) has passed: ``run_trigger`` checks
``timeout_after < utcnow()`` first and re-raises without it ("For timeout, raise immediately without calling
on_kill()"). The trigger's own cancellation path (``CleanUpOnKillMixin.run``) must clean up then, and near the
deadline both may call ``on_kill``: only the first does anything. Airflow's own ``TriggerRunner``, real asyncio and
threads; no AWS call is made (the clean-up is replaced on a subclass).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_emrfs_xacct.triggers import TRIGGERER_CALLS_ON_KILL, USER_ACTION_CANCEL_MSG, CleanUpOnKillMixin

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.skipif(not TRIGGERER_CALLS_ON_KILL, reason="Airflow 3.3's triggerer calls on_kill")

DEFERRED_TI = SimpleNamespace(
    id="0195c5a6-0000-7000-8000-000000000001",
    dag_id="emrfs_xacct",
    task_id="verify_cross_account_access",
    run_id="manual__2026-12-01",
    map_index=-1,
    try_number=1,
    context_carrier=None,
)


class Waiting(BaseTrigger):
    """A trigger that waits (sleeps) until it is cancelled, as the Amazon provider's waits sleep between attempts."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = asyncio.Event()

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        self.waiting.set()
        await asyncio.sleep(3600)
        yield TriggerEvent({"status": "success"})


class Killable(CleanUpOnKillMixin, Waiting):
    """A waiting trigger that cleans up past the deadline (as the probe's); counts its calls and clean-ups."""

    cleans_up_past_deadline = True

    def __init__(self) -> None:
        super().__init__()
        self.task_instance = DEFERRED_TI
        self.on_kill_calls = 0
        self.decisions = 0
        self.clean_ups = 0

    async def on_kill(self) -> None:
        self.on_kill_calls += 1
        await super().on_kill()

    async def task_was_killed(self) -> bool:
        self.decisions += 1
        deadline = getattr(self, "timeout_after", None)
        if deadline and deadline.replace(tzinfo=deadline.tzinfo or timezone.utc) < datetime.now(timezone.utc):
            return await super().task_was_killed()  # past the deadline: decided without the task's state
        return True  # a user's kill: what the task's state read would say (tests/integration/test_deferred_kill.py)

    def left_running(self) -> str:
        return "nothing"

    def clean_up_after_kill(self) -> None:
        self.clean_ups += 1


async def cancel_in_triggerer(trigger: Killable, timeout_after: datetime | None, *, user_action: bool = True) -> None:
    """Run ``trigger`` in Airflow's ``TriggerRunner`` until it waits, then cancel it as the triggerer does."""
    from airflow.jobs.triggerer_job_runner import TriggerRunner

    trigger.timeout_after = timeout_after  # type: ignore[attr-defined]  # as TriggerRunner.create_triggers sets it
    runner = TriggerRunner()
    task = asyncio.create_task(runner.run_trigger(1, trigger, timeout_after))
    runner.triggers[1] = {"task": task, "name": "killed", "events": 0, "is_watcher": False}  # type: ignore[typeddict-item]
    await asyncio.wait_for(trigger.waiting.wait(), 30)
    if user_action:
        runner.to_cancel.append(1)
        await runner.cancel_triggers()
    else:
        task.cancel()  # a stopping triggerer: no message
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert not runner.events, runner.events


def test_a_trigger_cancelled_past_its_deadline_cleans_up_itself() -> None:
    # The triggerer calls no on_kill past the deadline. Before, the trigger left it to the triggerer: nobody cleaned up.
    trigger = Killable()

    asyncio.run(cancel_in_triggerer(trigger, datetime.now(timezone.utc) - timedelta(seconds=1)))

    assert (trigger.on_kill_calls, trigger.decisions, trigger.clean_ups) == (1, 1, 1)


def test_a_naive_deadline_is_taken_for_utc_as_the_triggerer_takes_it() -> None:
    trigger = Killable()
    naive = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(seconds=1)

    asyncio.run(cancel_in_triggerer(trigger, naive))

    assert (trigger.on_kill_calls, trigger.clean_ups) == (1, 1)


@pytest.mark.parametrize("deadline", [timedelta(hours=1), None], ids=["before-the-deadline", "no-deadline"])
def test_a_trigger_cancelled_before_its_deadline_leaves_on_kill_to_the_triggerer(deadline: timedelta | None) -> None:
    trigger = Killable()

    asyncio.run(cancel_in_triggerer(trigger, None if deadline is None else datetime.now(timezone.utc) + deadline))

    assert (trigger.on_kill_calls, trigger.decisions, trigger.clean_ups) == (1, 1, 1)


def test_a_trigger_cancelled_near_its_deadline_cleans_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Within DEADLINE_MARGIN the trigger's run takes the deadline for passed and calls on_kill; the triggerer, whose
    # clock still shows it ahead, calls on_kill after it. The second call does nothing: one decision, one clean-up.
    monkeypatch.setattr(Killable, "DEADLINE_MARGIN", timedelta(hours=2))
    trigger = Killable()

    asyncio.run(cancel_in_triggerer(trigger, datetime.now(timezone.utc) + timedelta(hours=1)))

    assert (trigger.on_kill_calls, trigger.decisions, trigger.clean_ups) == (2, 1, 1)


def test_on_kill_called_again_does_nothing() -> None:
    trigger = Killable()

    async def twice() -> None:
        await trigger.on_kill()
        await trigger.on_kill()

    asyncio.run(twice())

    assert (trigger.decisions, trigger.clean_ups) == (1, 1)


def test_a_trigger_cancelled_without_the_message_cleans_up_itself() -> None:
    # A stopping triggerer (or a message lost on the way): the triggerer calls no on_kill; the trigger decides.
    trigger = Killable()

    asyncio.run(cancel_in_triggerer(trigger, None, user_action=False))

    assert (trigger.on_kill_calls, trigger.decisions, trigger.clean_ups) == (1, 1, 1)


def test_the_message_is_the_triggerers() -> None:
    from airflow.jobs import triggerer_job_runner

    assert USER_ACTION_CANCEL_MSG == triggerer_job_runner._USER_ACTION_CANCEL_MSG
