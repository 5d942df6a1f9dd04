"""
Whether a cancelled trigger's task was killed while deferred, from the one thing a trigger can read of it: its state.

A triggerer cancels a trigger whenever the trigger is no longer assigned to it: a user's action on the task (its
trigger row is deleted), but also a hand-over to another triggerer whose heartbeat outlived its own, and a task that
another copy of the trigger (or the scheduler's timeout) already resumed. The Task SDK API gives the triggerer the
task instance's state only (``GetTaskStates``; not its try number nor ``next_method``), so a resumed try and a
cleared one that runs again look the same: only states that no resumed try is in while it may still use what the
trigger waited for count as a kill.
"""

from __future__ import annotations

#: The states a user's mark-failed, mark-success or mark-skipped (or a run's end) leaves a deferred task in.
KILLED_STATES = frozenset({"failed", "success", "skipped", "upstream_failed", "removed"})


def killed_while_deferred(state: str | None) -> bool:
    """
    Whether a task instance in ``state`` was killed rather than resumed.

    ``None``: cleared and not scheduled yet. Deferred (handed to another triggerer, or deferred again on a new
    trigger), scheduled, queued, running, restarting, up for retry or reschedule: possibly resumed (or cleared and
    running again), not a kill.
    """
    return state is None or state in KILLED_STATES


def task_states_key(task_id: str, map_index: int) -> str:
    """The key of a task instance in the execution API's ``GetTaskStates`` answer: a mapped one's with its index."""
    return task_id if map_index < 0 else f"{task_id}_{map_index}"
