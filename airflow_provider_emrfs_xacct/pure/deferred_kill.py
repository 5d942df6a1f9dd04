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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

#: The states a user's mark-failed, mark-success or mark-skipped (or a run's end) leaves a deferred task in.
KILLED_STATES = frozenset({"failed", "success", "skipped", "upstream_failed", "removed"})

#: What :func:`task_state_in` returns for a task instance the metadata database no longer has: its DAG run (or its DAG)
#: was deleted, and its rows with it (``task_instance_dag_run_fkey`` is ``ON DELETE CASCADE``). Not an Airflow state.
DELETED = "<deleted>"


def killed_while_deferred(state: str | None) -> bool:
    """
    Whether a task instance in ``state`` was killed rather than resumed.

    ``None``: cleared and not scheduled yet. :data:`DELETED`: its DAG run deleted. Deferred (handed to another triggerer, or deferred again on a new
    trigger), scheduled, queued, running, restarting, up for retry or reschedule: possibly resumed (or cleared and
    running again), not a kill.
    """
    return state is None or state == DELETED or state in KILLED_STATES


def task_states_key(task_id: str, map_index: int) -> str:
    """The key of a task instance in the execution API's ``GetTaskStates`` answer: a mapped one's with its index."""
    return task_id if map_index < 0 else f"{task_id}_{map_index}"


def task_state_in(
    task_states: Mapping[str, Mapping[str, str | None]], run_id: str, task_id: str, map_index: int
) -> str | None:
    """
    Return the state of one task instance in the ``GetTaskStates`` answer to a query for it alone, :data:`DELETED`
    when the answer holds no task instance at all.

    The execution API (``get_task_instance_states``) answers the task instances its query finds, none for a deleted
    DAG run: a trigger whose task's run was deleted is cancelled like a killed one, and nothing can resume with what
    it waited for.

    :raises KeyError: the answer holds another task instance only (its key is not the one expected).
    """
    if not any(task_states.values()):
        return DELETED
    return task_states[run_id][task_states_key(task_id, map_index)]
