"""
An ``execution_timeout`` of ``timedelta(0)`` is no timeout, as Airflow takes it: the deferral keeps its own deadline.

The Task SDK's task runner times the task only ``if task.execution_timeout:``
(``airflow.sdk.execution_time.task_runner._run_execute_callable``), and ``[core] default_task_execution_timeout = 0``
gives every task ``timedelta(0)``. Taken as a deadline already past, a deferrable launch raised
``AirflowTaskTimeout`` after its ``RunJobFlow``, and the runner, which calls ``on_kill`` only under that ``if``, left the
cluster running for each retry to take over and fail the same way. No AWS call is made here.
"""

from __future__ import annotations

from datetime import timedelta

from tests.unit.operators.test_deferral_deadline import WAITER_TIMEOUT, deferred_timeout, running_for, teardown


def test_a_zero_execution_timeout_leaves_the_deferral_its_own_deadline() -> None:
    timeout = deferred_timeout(teardown(execution_timeout=timedelta(0)), running_for(timedelta(minutes=10)))

    assert timeout == WAITER_TIMEOUT
