"""
``execution_timeout`` bounds a deferred task: the provider caps the deferral's ``timeout`` (``operators/base.py``).

Airflow 3 gives a deferral the deadline ``defer`` is given and nothing else: the Task SDK sends
``DeferTask(trigger_timeout=...)`` and the execution API stores ``utcnow() + trigger_timeout`` without reading
``execution_timeout`` (apache/airflow#69678). No AWS call is made here: the triggers are only built.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowTaskTimeout
from airflow.providers.standard.triggers.temporal import TimeDeltaTrigger
from airflow.sdk.exceptions import TaskDeferred
from airflow.sdk.execution_time.context import set_current_context

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from devstack.testing import captured_logs
from tests.conftest import RecordingTaskInstance

#: The teardown's wait: 60 reads a minute apart, so its deferral's own deadline is 60 * 60 + 60 s.
WAITER_TIMEOUT = timedelta(seconds=60 * 60 + 60)


def teardown(**kwargs: Any) -> TerminateClusterOperator:
    return TerminateClusterOperator(
        task_id="terminate_cluster",
        job_flow_id="j-1",
        deferrable=True,
        waiter_delay=60,
        waiter_max_attempts=60,
        **kwargs,
    )


def running_for(elapsed: timedelta) -> RecordingTaskInstance:
    """A task instance that started ``elapsed`` ago (``start_date``, as the Task SDK's ``RuntimeTaskInstance`` has it)."""
    ti = RecordingTaskInstance(task_id="terminate_cluster")
    ti.start_date = datetime.now(timezone.utc) - elapsed  # type: ignore[attr-defined]
    return ti


def deferred_timeout(operator: Any, ti: RecordingTaskInstance | None) -> timedelta | None:
    """The ``timeout`` of the deferral of the teardown's wait, run as Airflow's task runner runs it (its context current)."""
    with pytest.raises(TaskDeferred) as deferred, in_task(ti):
        operator._defer_the_wait("j-1")
    return deferred.value.timeout  # type: ignore[return-value]


def in_task(ti: RecordingTaskInstance | None) -> Any:
    """The task runner's current context (``set_current_context``), for ``ti``; none when ``ti`` is ``None``."""
    return contextlib.nullcontext() if ti is None else set_current_context({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]


def test_a_deferral_is_capped_at_what_remains_of_execution_timeout() -> None:
    timeout = deferred_timeout(teardown(execution_timeout=timedelta(minutes=30)), running_for(timedelta(minutes=10)))

    assert timeout is not None
    assert timedelta(minutes=19, seconds=50) < timeout <= timedelta(minutes=20)


def test_a_capped_deferral_says_so_since_airflow_later_says_only_trigger_timeout() -> None:
    with captured_logs() as logs:
        deferred_timeout(teardown(execution_timeout=timedelta(minutes=30)), running_for(timedelta(minutes=10)))

    said = [entry["event"] for entry in logs]
    assert any(event.startswith("The deferral ends with execution_timeout (0:30:00): in 0:19:") for event in said), said


def test_a_deferral_keeps_its_own_deadline_when_it_is_the_earlier() -> None:
    with captured_logs() as logs:
        timeout = deferred_timeout(teardown(execution_timeout=timedelta(hours=5)), running_for(timedelta(minutes=10)))

    assert timeout == WAITER_TIMEOUT
    assert not [entry for entry in logs if "execution_timeout" in entry["event"]], logs


@pytest.mark.parametrize(
    ("execution_timeout", "ti"),
    [(None, "running"), (timedelta(minutes=1), None)],
    ids=["no-execution-timeout", "not-run-by-airflow"],
)
def test_a_deferral_without_an_execution_timeout_to_keep_has_its_own_deadline(
    execution_timeout: timedelta | None, ti: str | None
) -> None:
    timeout = deferred_timeout(
        teardown(execution_timeout=execution_timeout), running_for(timedelta(minutes=10)) if ti else None
    )

    assert timeout == WAITER_TIMEOUT


def test_a_task_past_its_execution_timeout_times_out_instead_of_deferring() -> None:
    # Airflow's runner calls on_kill on AirflowTaskTimeout and fails the task as timed out (_run_execute_callable).
    operator = teardown(execution_timeout=timedelta(minutes=30))

    with pytest.raises(AirflowTaskTimeout), in_task(running_for(timedelta(minutes=31))):
        operator._defer_the_wait("j-1")


DEFERRING = {
    LaunchClusterWithSecConfigOperator: {"security_configuration": "c", "deferrable": True},
    TerminateClusterOperator: {"job_flow_id": "j-1", "deferrable": True},
    VerifyCrossAccountAccessOperator: {
        "security_configuration": "c",
        "destination_aws_conn_id": "d",
        "deferrable": True,
    },
}


@pytest.fixture(params=list(DEFERRING), ids=lambda cls: cls.__name__)
def deferring_operator(request: pytest.FixtureRequest) -> Any:
    return request.param(task_id="t", execution_timeout=timedelta(minutes=5), **DEFERRING[request.param])


@pytest.mark.parametrize("given", [timedelta(hours=1), 3600.0, None], ids=["timedelta", "seconds", "none"])
def test_every_deferring_operator_caps_its_deferral(deferring_operator: Any, given: timedelta | float | None) -> None:
    with pytest.raises(TaskDeferred) as deferred, in_task(running_for(timedelta(minutes=2))):
        deferring_operator.defer(
            trigger=TimeDeltaTrigger(timedelta(hours=2)), method_name="execute_complete", timeout=given
        )

    timeout = deferred.value.timeout
    assert isinstance(timeout, timedelta)
    assert timedelta(minutes=2, seconds=50) < timeout <= timedelta(minutes=3)
