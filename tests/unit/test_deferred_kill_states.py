"""The task states a cancelled trigger takes for a kill are Airflow's own, and none a resumed task is in."""

from __future__ import annotations

from airflow.utils.state import TaskInstanceState

from airflow_provider_emrfs_xacct.pure.deferred_kill import KILLED_STATES, killed_while_deferred, task_states_key

#: The states a task another triggerer's copy resumed goes through while it may still use what the trigger waited for.
RESUMED = {"deferred", "scheduled", "queued", "running", "restarting", "up_for_retry", "up_for_reschedule"}


def test_the_killed_states_are_airflows() -> None:
    assert set(KILLED_STATES) <= {state.value for state in TaskInstanceState}


def test_no_state_a_resumed_task_is_in_is_taken_for_a_kill() -> None:
    assert {state.value for state in TaskInstanceState} >= RESUMED
    assert [state for state in RESUMED if killed_while_deferred(state)] == []


def test_a_cleared_task_instance_is_taken_for_a_kill() -> None:
    assert killed_while_deferred(None)


def test_a_mapped_task_instance_is_keyed_as_the_execution_api_keys_it() -> None:
    assert task_states_key("verify", -1) == "verify"
    assert task_states_key("verify", 0) == "verify_0"
