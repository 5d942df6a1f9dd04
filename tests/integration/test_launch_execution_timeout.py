"""The launch's wait for the end of its cluster is bounded by the task's ``execution_timeout`` too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.integration import test_emr_launch
from tests.integration.test_emr_launch import make_operator, overrides

emr = test_emr_launch.emr  # the fixture: an EMR client with the security configuration the launches name


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("deferrable", [False, True])
def test_an_idle_timeout_the_execution_timeout_cannot_outlast_is_refused_before_any_call(
    emr: Any, deferrable: bool, dry_run: bool
) -> None:
    """
    IdleTimeout is "the amount of idle time in seconds after which the cluster automatically terminates" (Amazon EMR
    API Reference, "AutoTerminationPolicy"), counted once the cluster is up and idle. With execution_timeout 5 min
    below the 600 s wait, Airflow stops the task at 5 min (in the worker on_kill ends the cluster; deferred, the
    deferral is capped at the time left and the resumed task ends it and fails): an IdleTimeout of 400 s cannot end
    the cluster first, so every try would bill 5 min and fail. Refused before any AWS call, in a dry run too.
    """
    from airflow.providers.amazon.aws.utils.waiter import WaitPolicy

    operator = make_operator(
        job_flow_overrides=overrides(AutoTerminationPolicy={"IdleTimeout": 400}),
        wait_policy=WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
        # One read after a 600 s delay: launched (before this check), the wait fails at once without sleeping.
        waiter_delay="600",
        waiter_max_attempts=1,
        execution_timeout=timedelta(minutes=5),
        deferrable=deferrable,
        dry_run=dry_run,
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator, RecordingTaskInstance(task_id="launch_cluster"))

    assert refused.value.field == "wait_policy"
    assert "AutoTerminationPolicy.IdleTimeout is 400 s" in refused.value.problem
    assert "the task's execution_timeout (300 s" in refused.value.problem
    assert calls.every == []
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize("deferrable", [False, True])
def test_an_execution_timeout_above_the_wait_keeps_the_waiter_bound(emr: Any, deferrable: bool) -> None:
    """An execution_timeout longer than waiter_max_attempts x waiter_delay does not bound the wait: the waiter does."""
    from airflow.providers.amazon.aws.utils.waiter import WaitPolicy

    operator = make_operator(
        job_flow_overrides=overrides(AutoTerminationPolicy={"IdleTimeout": 600}),
        wait_policy=WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
        waiter_delay="600",
        waiter_max_attempts=1,
        execution_timeout=timedelta(hours=2),
        deferrable=deferrable,
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator, RecordingTaskInstance(task_id="launch_cluster"))

    assert (
        "as long as the wait (waiter_max_attempts x waiter_delay = 1 x 600 = 600 s) or longer" in refused.value.problem
    )
    assert "execution_timeout (" not in refused.value.problem
    assert calls.every == []
