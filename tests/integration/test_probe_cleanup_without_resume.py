"""
The probe steps are abandoned whatever ends the verifier's probe, not only when a task resumes to do it.

A probe step still PENDING or RUNNING writes its object into the partner's bucket later, which nothing would delete:
CancelSteps "Cancels a pending step or steps in a running cluster" (Amazon EMR API Reference, "CancelSteps"), and the
verifier then deletes what the steps wrote (``verify.abandon_probe``). Three ways it was skipped:

- a deferred verifier resumed in a worker (a new operator instance) and killed while it checks the probe object:
  ``on_kill`` found no probe under way, and left the object and the pending report;
- a deferred wait that ran out (or whose trigger failed, or was cancelled past the deferral's deadline) with a step
  still pending, and the task marked failed before a worker resumed it: only the resume cancelled the step (and
  past the deadline Airflow 3.3's triggerer calls no trigger ``on_kill``: the trigger's own cancellation path must);
- a try whose worker was lost (no ``on_kill``): the retry added new probe steps and ignored the old ones. The probe
  steps now carry the task instance's key as a Java property (``HadoopJarStepConfig.Properties``, "A list of Java
  properties that are set when the step runs"), which ``ListSteps`` answers in each ``StepSummary``'s ``Config``, and
  ``StepStates`` ("The filter to limit the step list based on certain states", Amazon EMR API Reference,
  "ListSteps") finds those of an earlier try still pending or running. Then only a retry that ran its own probe
  looked: one whose chain read ``FAIL`` (a link broken since, IAM's lag), whose probe was blocked or had nothing to
  write under, left them; now every retry of a probing verifier looks before it reads the chain.

The stand-in holds probe steps PENDING (``devstack.moto_stack.hold_probe_steps``) and runs them on request
(``run_held_probe_steps``), writing as EMRFS would unless the step was cancelled.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.exceptions import TaskDeferred
from moto.core.responses import ActionResult

from airflow_provider_emrfs_xacct import verify as verify_module
from airflow_provider_emrfs_xacct.operators.verify import PROBE_TASK_PROPERTY
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from devstack import moto_stack
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, client, run_held_probe_steps
from devstack.testing import RecordingTaskInstance, captured_logs, launch_cluster, run_operator
from tests.integration.test_deferrable import run_trigger
from tests.integration.test_deferred_kill import DEFERRED_TI, answer_task_state, cancel_in_triggerer
from tests.integration.test_verify import head, partner, verifier

if TYPE_CHECKING:
    from tests.integration.test_verify import Partner

__all__ = ["partner"]  # the fixture, imported for the tests below

TASK_ID = "verify_cross_account_access"


@pytest.fixture
def busy_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe steps stay PENDING until ``run_held_probe_steps``."""
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)


class Killed(BaseException):
    """What stops the task after Airflow's SIGTERM handler ran ``on_kill`` (the supervisor's SIGKILL)."""


def step_state(partner: Partner, cluster_id: str, step_id: str) -> str:
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    return str(emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]["State"])


def deferred_verifier(partner: Partner, cluster_id: str, ti: Any, **kwargs: Any) -> TaskDeferred:
    """Run a deferrable probing verifier until it defers; return the deferral."""
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, **kwargs), ti)
    return deferred.value


def test_a_resumed_verifier_killed_while_it_checks_the_probe_object_deletes_it(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The trigger fired success; the task resumes in a worker as a new operator and is killed (marked failed:
    # SIGTERM, on_kill) while it reads the object. Before, on_kill found "no probe under way": the object stayed, and
    # the report said NOT_CHECKED with probe_pending.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    ti = RecordingTaskInstance(task_id=TASK_ID)
    deferred = deferred_verifier(partner, cluster_id, ti, waiter_delay=1)
    event = run_trigger(deferred.trigger)
    assert event.payload["status"] == "success", event.payload
    [uri] = deferred.kwargs["uris"]
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    assert head(s3, uri) is not None  # written by the step
    resumed = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)

    def killed_while_reading(*args: Any, **kwargs: Any) -> Any:
        resumed.on_kill()
        raise Killed

    monkeypatch.setattr(verify_module, "check_probe_object", killed_while_reading)
    with pytest.raises(Killed):
        resumed.resume_execution(
            "execute_complete", {**deferred.kwargs, "event": event.payload}, {"ti": ti, "task_instance": ti}
        )

    assert head(s3, uri) is None
    report = ti.xcoms["report"]
    assert "probe_pending" not in report
    assert (report["verdict"], report["probe"]["ok"]) == ("FAIL", False)
    assert "killed" in report["probe"]["problems"][0]


def test_a_resumed_verifier_killed_before_it_takes_the_steps_over_deletes_the_object(partner: Partner) -> None:
    # The kill lands as the resumed task starts (its connections checked, XCom read), before execute_complete holds
    # the steps: on_kill finds none then; Airflow's SIGTERM handler returns into the task, which abandons them itself.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    ti = RecordingTaskInstance(task_id=TASK_ID)
    deferred = deferred_verifier(partner, cluster_id, ti, waiter_delay=1)
    event = run_trigger(deferred.trigger)
    [uri] = deferred.kwargs["uris"]
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    assert head(s3, uri) is not None
    resumed = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    resumed.on_kill()

    with pytest.raises(EmrfsXacctError, match="killed"):
        resumed.resume_execution(
            "execute_complete", {**deferred.kwargs, "event": event.payload}, {"ti": ti, "task_instance": ti}
        )

    assert head(s3, uri) is None
    report = ti.xcoms["report"]
    assert "probe_pending" not in report
    assert (report["verdict"], report["probe"]["ok"]) == ("FAIL", False)


def test_a_kill_the_resumed_check_returns_from_leaves_the_kills_report(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Airflow's SIGTERM handler returns into the task after on_kill: the check then finds the object on_kill deleted.
    # The task fails, and the report stays the kill's (not a probe that failed because its object was gone).
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    ti = RecordingTaskInstance(task_id=TASK_ID)
    deferred = deferred_verifier(partner, cluster_id, ti, waiter_delay=1)
    event = run_trigger(deferred.trigger)
    [uri] = deferred.kwargs["uris"]
    resumed = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    check = verify_module.check_probe_object

    def killed_then_checked(*args: Any, **kwargs: Any) -> Any:
        resumed.on_kill()
        return check(*args, **kwargs)

    monkeypatch.setattr(verify_module, "check_probe_object", killed_then_checked)
    with pytest.raises(EmrfsXacctError, match="killed while its probe"):
        resumed.resume_execution(
            "execute_complete", {**deferred.kwargs, "event": event.payload}, {"ti": ti, "task_instance": ti}
        )

    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None
    probe = ti.xcoms["report"]["probe"]
    assert probe["ok"] is False
    assert probe["problems"][0] == "the task was killed while its probe steps ran", probe["problems"]
    assert probe["abandoned"][uri]["deleted"] is True


def test_a_deferred_wait_that_ran_out_cancels_the_step_before_the_task_resumes(
    partner: Partner, busy_cluster: None
) -> None:
    # The trigger's attempts run out with the step still PENDING; the task is marked failed before a worker resumes
    # it with the error event. Before, only the resume cancelled the step, which then wrote its object later.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    deferred = deferred_verifier(
        partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID), waiter_delay=1, waiter_max_attempts=1
    )
    [(uri, step_id)] = deferred.kwargs["uris"].items()

    event = run_trigger(deferred.trigger)  # and no resume

    assert event.payload["status"] == "error", event.payload
    assert step_state(partner, cluster_id, step_id) == "CANCELLED"
    assert event.payload["abandoned"][uri]["state"] == "CANCELLED"
    assert run_held_probe_steps() == []  # the cancelled step writes nothing later
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_step_the_triggers_cancel_did_not_stop_is_deleted_by_the_resumed_task(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CancelSteps "is idempotent but asynchronous; it does not guarantee that a step will be canceled": the trigger's
    # request is only submitted, the step writes after it; the resumed task abandons the steps again and deletes it.
    def cancel_submitted_only(self: Any) -> ActionResult:
        return ActionResult(
            {"CancelStepsInfoList": [{"StepId": step, "Status": "SUBMITTED"} for step in self._get_param("StepIds")]}
        )

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    ti = RecordingTaskInstance(task_id=TASK_ID)
    deferred = deferred_verifier(partner, cluster_id, ti, waiter_delay=1, waiter_max_attempts=1, fail_on_broken=False)
    with monkeypatch.context() as submitted_only:
        submitted_only.setattr(moto_stack.ElasticMapReduceResponse, "cancel_steps", cancel_submitted_only)
        event = run_trigger(deferred.trigger)
    [uri] = run_held_probe_steps()
    assert event.payload["abandoned"][uri]["may_still_write"] is True
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    assert head(s3, uri) is not None

    resumed = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1, fail_on_broken=False
    )
    result = resumed.resume_execution(
        "execute_complete", {**deferred.kwargs, "event": event.payload}, {"ti": ti, "task_instance": ti}
    )

    abandoned = result["probe"]["abandoned"][uri]
    assert (abandoned["state"], abandoned["deleted"], abandoned["may_still_write"]) == ("COMPLETED", True, False)
    assert head(s3, uri) is None


def test_a_probe_trigger_that_fails_cancels_the_step_before_its_error(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A trigger that raises resumes the task with __fail__ (maybe never: marked failed first). The wait's own error
    # here is a crash of the waiting code, not an AWS answer.
    from airflow.providers.amazon.aws.triggers import base

    async def crashed(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the wait crashed")

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    deferred = deferred_verifier(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID), waiter_delay=1)
    [(_, step_id)] = deferred.kwargs["uris"].items()
    monkeypatch.setattr(base, "async_wait", crashed)

    with pytest.raises(RuntimeError, match="the wait crashed"):
        run_trigger(deferred.trigger)

    assert step_state(partner, cluster_id, step_id) == "CANCELLED"
    assert run_held_probe_steps() == []


@pytest.mark.parametrize("connecting", [True, False], ids=["while-connecting", "while-waiting"])
def test_a_probe_trigger_cancelled_past_the_deferrals_deadline_cancels_the_step(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch, connecting: bool
) -> None:
    # Past the deadline the scheduler resumes the task with __fail__ (scheduled), whose failure path abandons the probe
    # whatever the task's settings: the trigger does it too, so a task marked failed before a worker resumes it leaves
    # no step. Before, the trigger left it to the resume. The triggerer cancels it with its user-action message, but
    # past the deadline calls no on_kill (TriggerRunner.run_trigger: "For timeout, raise immediately"): the trigger's
    # own cancellation path cleans up, whether the message reaches it (cancelled in its wait, the usual case) or is
    # lost in asgiref's sync_to_async (cancelled while it builds its client). Before, only the latter cleaned up.
    api = answer_task_state(monkeypatch, "scheduled")
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    deferred = deferred_verifier(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID), waiter_delay=1)
    [(_, step_id)] = deferred.kwargs["uris"].items()
    deadline = datetime.now(timezone.utc) - timedelta(seconds=1)

    asyncio.run(
        cancel_in_triggerer(
            deferred.trigger, user_action=True, connecting=connecting, ti=DEFERRED_TI, timeout_after=deadline
        )
    )

    assert api.asked == []  # the deadline decides, not the task's state
    assert step_state(partner, cluster_id, step_id) == "CANCELLED"
    assert run_held_probe_steps() == []


class WorkerLost(BaseException):
    """The worker dies (heartbeat timeout, out of memory): no ``on_kill``, nothing after it runs."""


def lose_the_worker_while_waiting(partner: Partner, cluster_id: str, ti: RecordingTaskInstance) -> tuple[str, str]:
    """Run a probing verifier in the worker until it waits for its step, and lose the worker; its URI and step."""
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, waiter_delay=1)
    added: dict[str, str] = {}

    def lost(uris: dict[str, str]) -> str | None:
        added.update(uris)
        raise WorkerLost

    operator._wait_for_probe = lost  # type: ignore[method-assign]
    with pytest.raises(WorkerLost):
        run_operator(operator, ti)
    [(uri, step_id)] = added.items()
    return uri, step_id


def test_a_retry_abandons_the_probe_step_a_lost_worker_left(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri, step_id = lose_the_worker_while_waiting(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID))
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    properties = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Config"]["Properties"]
    assert PROBE_TASK_PROPERTY in properties
    assert step_state(partner, cluster_id, step_id) in ("PENDING", "RUNNING")
    monkeypatch.setattr(moto_stack, "hold_probe_steps", False)  # the retry's own step runs at once

    result, _, _ = run_operator(
        verifier(partner.configuration, cluster_id=cluster_id, probe=True, waiter_delay=1),
        RecordingTaskInstance(task_id=TASK_ID, try_number=2),
    )

    assert result["probe"]["ok"] is True, result["probe"]
    assert uri not in result["probe"]["objects"]  # the retry's own object, under a new name
    assert step_state(partner, cluster_id, step_id) == "CANCELLED"
    assert run_held_probe_steps() == []  # the lost try's step writes nothing later
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_retry_deletes_the_object_of_a_lost_tries_step_that_ended(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lost worker is noticed past its heartbeat timeout and retried past retry_delay: its step has mostly
    # COMPLETED by then, its object written and nobody's to delete.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri, step_id = lose_the_worker_while_waiting(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID))
    assert run_held_probe_steps() == [uri]
    assert step_state(partner, cluster_id, step_id) == "COMPLETED"
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    assert head(s3, uri) is not None
    monkeypatch.setattr(moto_stack, "hold_probe_steps", False)

    result, _, _ = run_operator(
        verifier(partner.configuration, cluster_id=cluster_id, probe=True, waiter_delay=1),
        RecordingTaskInstance(task_id=TASK_ID, try_number=2),
    )

    assert result["probe"]["ok"] is True, result["probe"]
    assert head(s3, uri) is None


@pytest.mark.parametrize(
    "retry",
    [
        RecordingTaskInstance(task_id="another_verifier", try_number=2),  # another task instance's retry
        RecordingTaskInstance(task_id=TASK_ID, try_number=1),  # a first try: no earlier one to look for
    ],
    ids=["another-task", "first-try"],
)
def test_a_probe_leaves_the_steps_of_other_task_instances_alone(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch, retry: RecordingTaskInstance
) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri, step_id = lose_the_worker_while_waiting(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID))
    monkeypatch.setattr(moto_stack, "hold_probe_steps", False)

    run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True, waiter_delay=1), retry)

    assert step_state(partner, cluster_id, step_id) in ("PENDING", "RUNNING")
    assert run_held_probe_steps() == [uri]


def break_the_chain(partner: Partner) -> None:
    """Break a link between the tries (a revoke, a policy deleted by hand): the retry's chain reads ``FAIL``."""
    iam = client(partner.aws.url, EMR_ACCOUNT, "iam")
    iam.delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)


def retry(partner: Partner, cluster_id: str, **kwargs: Any) -> tuple[dict[str, Any], list[str]]:
    """Run the second try of the probing verifier; its result and the operations it sent that may change something."""
    arguments: dict[str, Any] = {"cluster_id": cluster_id, "probe": True, "waiter_delay": 1, **kwargs}
    result, recorder, _ = run_operator(
        verifier(partner.configuration, **arguments), RecordingTaskInstance(task_id=TASK_ID, try_number=2)
    )
    return result, recorder.mutating


def test_a_retry_whose_chain_fails_deletes_the_object_of_a_lost_tries_step(
    partner: Partner, busy_cluster: None
) -> None:
    # The lost try's step COMPLETED (its object written); the chain reads FAIL by the retry, which does not probe.
    # Before, only a retry that ran its own probe looked for the lost try's steps: the object stayed.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri, step_id = lose_the_worker_while_waiting(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID))
    assert run_held_probe_steps() == [uri]
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    assert head(s3, uri) is not None
    break_the_chain(partner)

    result, _ = retry(partner, cluster_id, fail_on_broken=False)

    assert result["verdict"] == "FAIL"
    assert result.get("probe") is None  # no probe of its own
    assert step_state(partner, cluster_id, step_id) == "COMPLETED"
    assert head(s3, uri) is None


def test_a_retry_whose_chain_fails_cancels_a_lost_tries_pending_step(partner: Partner, busy_cluster: None) -> None:
    # CancelSteps "Cancels a pending step or steps in a running cluster" (Amazon EMR API Reference, "CancelSteps").
    # Before, the FAIL retry left the step PENDING: it wrote its object once the cluster got to it.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri, step_id = lose_the_worker_while_waiting(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID))
    break_the_chain(partner)

    with pytest.raises(EmrfsXacctError, match="broken link"):  # fail_on_broken: every retry fails the same way
        retry(partner, cluster_id)

    assert step_state(partner, cluster_id, step_id) == "CANCELLED"
    assert run_held_probe_steps() == []  # the lost try's step writes nothing later
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_retry_whose_probe_is_blocked_abandons_a_lost_tries_step(partner: Partner, busy_cluster: None) -> None:
    # The cluster's instance profile is gone by the retry: its role is not checked, and the probe is blocked
    # (pure.checks.cluster.probe_blocker) on a chain that failed no link.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri, step_id = lose_the_worker_while_waiting(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID))
    iam = client(partner.aws.url, EMR_ACCOUNT, "iam")
    [profile] = iam.list_instance_profiles_for_role(RoleName=EMR_EC2_ROLE)["InstanceProfiles"]
    iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=EMR_EC2_ROLE)
    iam.delete_instance_profile(InstanceProfileName=profile["InstanceProfileName"])

    result, _ = retry(partner, cluster_id)

    assert result["probe"]["ok"] is None
    assert "cluster's instance profile role" in result["probe"]["skipped"]
    assert step_state(partner, cluster_id, step_id) == "CANCELLED"
    assert run_held_probe_steps() == []
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_dry_run_retry_only_logs_a_lost_tries_steps(partner: Partner, busy_cluster: None) -> None:
    # A dry run changes nothing: it lists the lost try's steps (ListSteps, a read) and says what a run would do.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    uri, step_id = lose_the_worker_while_waiting(partner, cluster_id, RecordingTaskInstance(task_id=TASK_ID))
    assert run_held_probe_steps() == [uri]
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")

    with captured_logs() as logs:
        result, mutating = retry(partner, cluster_id, dry_run=True)

    assert mutating == []
    assert result.get("probe") is None
    assert head(s3, uri) is not None  # left for a run that is not a dry run
    [planned] = [entry for entry in logs if "Dry run: try 2 found probe steps" in str(entry["event"])]
    assert step_id in str(planned["event"])
