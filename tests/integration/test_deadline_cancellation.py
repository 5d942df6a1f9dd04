"""
A deferred task's trigger cancelled near or past the deferral's deadline, as Airflow 3.3's triggerer cancels it.

The triggerer cancels a trigger it no longer runs with its user-action message, also past the deadline (the scheduler
resumed the task with ``__fail__``, or a user acted on it before the scheduler's timeout check), and then calls no
``on_kill`` (``TriggerRunner.run_trigger`` checks ``timeout_after < utcnow()`` first): the trigger's own cancellation
path decides then. Near the deadline both may call ``on_kill``; it decides and cleans up once. The probe step is
cancelled by ``CancelSteps``, which "Cancels a pending step or steps in a running cluster" (Amazon EMR API
Reference, "CancelSteps"); the stand-in holds probe steps PENDING. Airflow's own ``TriggerRunner``; moto server.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.triggers import TRIGGERER_CALLS_ON_KILL, ProbeStepsTrigger
from devstack import moto_stack
from devstack.moto_stack import EMR_ACCOUNT, client, run_held_probe_steps
from tests.integration.test_deferrable import security_configuration
from tests.integration.test_deferred_kill import (
    DEFERRED_TI,
    answer_task_state,
    cancel_in_triggerer,
    deferred_launch,
    deferred_probe,
)
from tests.integration.test_verify import partner

if TYPE_CHECKING:
    from tests.integration.test_verify import Partner

__all__ = ["partner", "security_configuration"]  # the fixtures, imported for the tests below

pytestmark = pytest.mark.skipif(not TRIGGERER_CALLS_ON_KILL, reason="Airflow 3.3's triggerer calls on_kill")


@pytest.fixture
def busy_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe steps stay PENDING until ``run_held_probe_steps``."""
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)


def test_a_probe_trigger_cancelled_near_the_deadline_decides_and_cleans_up_once(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Within DEADLINE_MARGIN of the deadline the trigger's run calls on_kill (the triggerer's clock may have passed
    # the deadline by the time it looks), and the triggerer, whose clock has not, calls it again: one state read.
    monkeypatch.setattr(ProbeStepsTrigger, "DEADLINE_MARGIN", timedelta(hours=2))
    api = answer_task_state(monkeypatch, "failed")  # marked failed
    cluster_id, trigger, _, step_id = deferred_probe(partner)
    deadline = datetime.now(timezone.utc) + timedelta(hours=1)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI, timeout_after=deadline))

    assert len(api.asked) == 1  # the triggerer's on_kill, after the trigger's, did nothing
    step = client(partner.aws.url, EMR_ACCOUNT, "emr").describe_step(ClusterId=cluster_id, StepId=step_id)
    assert step["Step"]["Status"]["State"] == "CANCELLED"
    assert run_held_probe_steps() == []


def test_a_launch_trigger_cancelled_past_the_deadline_while_waiting_names_the_cluster_it_leaves(
    moto_url: str,
    security_configuration: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The launch's failure path (terminate_job_flow_on_failure) decides past the deadline, which the trigger does not
    # know; a task a user marked failed before the scheduler's timeout check never resumes, and its cluster is left
    # running. The trigger says so, naming it. Before, a cancellation in the wait (the message kept) logged nothing.
    api = answer_task_state(monkeypatch, "failed")
    cluster_id, trigger = deferred_launch(moto_url)
    deadline = datetime.now(timezone.utc) - timedelta(seconds=1)

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI, timeout_after=deadline))

    assert api.asked == []  # the deadline decides, not the task's state
    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state == "STARTING"
    captured = capfd.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert f"left running: cluster {cluster_id}" in logged, logged[-2000:]
