"""The task states a cancelled trigger takes for a kill are Airflow's own, and none a resumed task is in."""

from __future__ import annotations

import pytest
from airflow.utils.state import TaskInstanceState

from airflow_provider_emrfs_xacct.pure.deferred_kill import (
    DELETED,
    KILLED_STATES,
    killed_while_deferred,
    task_state_in,
    task_states_key,
)

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


def test_a_task_instance_the_api_no_longer_has_was_killed() -> None:
    # A deleted DAG run takes its task instances with it (task_instance_dag_run_fkey, ON DELETE CASCADE): the execution
    # API's get_task_instance_states answers no state at all, and no resumed try can go on with what the trigger waited for.
    assert DELETED not in {state.value for state in TaskInstanceState}
    assert task_state_in({}, "run", "verify", -1) == DELETED
    assert task_state_in({"run": {}}, "run", "verify", -1) == DELETED
    assert killed_while_deferred(task_state_in({}, "run", "verify", 2))


def test_an_answer_keyed_otherwise_is_not_taken_for_a_deleted_task_instance() -> None:
    assert task_state_in({"run": {"verify_2": "deferred"}}, "run", "verify", 2) == "deferred"
    with pytest.raises(KeyError):
        task_state_in({"run": {"verify": "deferred"}}, "run", "verify", 2)


def test_every_state_a_user_can_set_on_a_task_instance_is_a_kill() -> None:
    """
    A user marks a deferred task with one of the states the REST API's (and the UI's) task instance patch accepts
    (``PatchTaskInstanceBody.validate_new_state``, ``airflow/api_fastapi/core_api/datamodels/task_instances.py``:
    success, failed, skipped): each is a kill, whose probe steps or launching cluster are cleaned up.
    """
    from airflow.api_fastapi.core_api.datamodels.task_instances import PatchTaskInstanceBody

    settable = []
    for state in TaskInstanceState:
        try:
            PatchTaskInstanceBody(new_state=state.value)
        except ValueError:  # pydantic's ValidationError
            continue
        settable.append(state.value)

    assert set(settable) == {"success", "failed", "skipped"}
    assert [state for state in settable if not killed_while_deferred(state)] == []
