"""
A probe whose wait ends before its step does leaves nothing behind: the step is cancelled, its object deleted.

The verifier's probe step writes ``…_emrfs_xacct_probe/<uuid>``; when the wait for it ends early (attempts run
out, the step still PENDING behind other work) the step could still write later, and nothing would delete the
object. The verifier cancels it (EMR API Reference, CancelSteps: a PENDING or RUNNING step; asynchronous, not
guaranteed), deletes the object if it is there, and reports a URI that may still appear. The stand-in holds the
probe step PENDING (``devstack.moto_stack.hold_probe_steps``) and runs it later on request
(``run_held_probe_steps``), writing as EMRFS would unless the step was cancelled (moto lacks CancelSteps; the
stand-in's follows the API Reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
from airflow.sdk.definitions._internal.types import NOTSET
from airflow.sdk.exceptions import TaskDeferralTimeout, TaskDeferred
from moto.core.responses import ActionResult

from airflow_provider_emrfs_xacct.operators.verify import PROBE_STEPS_XCOM_KEY, REPORT_XCOM_KEY
from devstack import moto_stack
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client, run_held_probe_steps
from devstack.testing import (
    RecordingTaskInstance,
    execute_with_airflows_timeout,
    launch_cluster,
    moto_authorization,
    moto_authorization_switch,
    provisioner_roles,
    run_operator,
)
from tests.integration.test_faults import through
from tests.integration.test_probe_step import remove_assume_permission
from tests.integration.test_verify import PREFIX, head, partner, verifier

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.integration.test_verify import Partner

__all__ = ["partner"]  # the fixture, imported for the tests below


@pytest.fixture
def busy_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe steps stay PENDING until ``run_held_probe_steps``."""
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)


def test_a_probe_wait_that_runs_out_cancels_the_step_so_nothing_is_written_later(
    partner: Partner, busy_cluster: None
) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )

    result, _, _ = run_operator(operator)

    probe = result["probe"]
    # The held step was RUNNING when cancelled (no step before it): whether its write goes through is not known,
    # so the probe is not checked rather than failed (and never passed).
    assert (result["verdict"], probe["ok"]) == ("NOT_CHECKED", None)
    assert "the probe step did not complete" in probe["problems"][0]
    [(uri, abandoned)] = probe["abandoned"].items()
    assert (abandoned["state_before_cancel"], abandoned["state"]) == ("RUNNING", "CANCELLED")
    assert abandoned["may_still_write"] is False
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "CANCELLED"
    # The cluster gets to its queue: the cancelled probe writes nothing.
    assert run_held_probe_steps() == []
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_step_that_may_still_run_is_reported_with_its_uri(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CancelSteps "is idempotent but asynchronous; it does not guarantee that a step will be canceled, even if
    # the request is successfully submitted": here it is submitted and not applied yet, the step still runs.
    def cancel_submitted_only(self: Any) -> ActionResult:
        return ActionResult(
            {"CancelStepsInfoList": [{"StepId": step, "Status": "SUBMITTED"} for step in self._get_param("StepIds")]}
        )

    monkeypatch.setattr(moto_stack.ElasticMapReduceResponse, "cancel_steps", cancel_submitted_only)
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )

    result, _, _ = run_operator(operator)

    probe = result["probe"]
    [(uri, abandoned)] = probe["abandoned"].items()
    assert abandoned["state"] in ("PENDING", "RUNNING")
    assert abandoned["may_still_write"] is True
    assert any(uri in problem and "delete it if it appears" in problem for problem in probe["problems"])
    assert run_held_probe_steps() == [uri]  # as the report warned


def test_a_failed_deferral_cancels_the_probe_steps_before_the_task_fails(partner: Partner, busy_cluster: None) -> None:
    # A deferral that times out (a triggerer restart made the trigger wait its attempts again) resumes the task
    # with Airflow's "__fail__", without the deferral's kwargs: the steps are read back from XCom.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(TaskDeferred):
        run_operator(operator, ti)
    # Deferred, no probe has run yet: the report a task marked failed now would leave is no PASS.
    assert ti.xcoms["report"]["verdict"] == "NOT_CHECKED"
    assert ti.xcoms["report"]["probe_pending"]

    with pytest.raises(TaskDeferralTimeout):
        operator.resume_execution(
            TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, {"ti": ti, "task_instance": ti}
        )

    # What a trigger_rule="all_done" notifier reads: the probe did not show the write works, so no PASS; its step
    # was RUNNING when cancelled and did not fail, so no FAIL either: NOT_CHECKED.
    assert ti.xcoms["report"]["verdict"] == "NOT_CHECKED"
    assert ti.xcoms["report"]["healthy"] is True
    assert "probe_pending" not in ti.xcoms["report"]
    probe = ti.xcoms["report"]["probe"]
    assert probe["ok"] is None
    assert "was RUNNING when cancelled" in probe["not_checked"][0]
    [(uri, abandoned)] = probe["abandoned"].items()
    assert (abandoned["state_before_cancel"], abandoned["state"]) == ("RUNNING", "CANCELLED")
    assert run_held_probe_steps() == []
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


@dataclass
class MappedTaskInstance(RecordingTaskInstance):
    """
    An instance of a mapped task whose XComs are pulled as Airflow's ``RuntimeTaskInstance.xcom_pull`` does:
    without ``map_indexes``, the values of every instance of the task (a list, unless there is one); with
    it, that instance's (``airflow/sdk/execution_time/task_runner.py``, ``XCom.get_all`` / ``get_one``).
    """

    #: ``(map_index, key) -> value``, shared by the instances of the task.
    store: dict[tuple[int, str], Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        super().xcom_push(key, value)
        self.store[(self.map_index, key)] = value

    def xcom_pull(self, task_ids: str | None = None, key: str = "return_value", map_indexes: Any = NOTSET) -> Any:
        assert task_ids in (None, self.task_id)
        if map_indexes is NOTSET:
            values = [value for (_, name), value in sorted(self.store.items()) if name == key]
            return values[0] if len(values) == 1 else values
        return self.store.get((map_indexes, key))


def test_a_failed_deferral_of_a_mapped_verifier_cancels_its_own_probe_steps(
    partner: Partner, busy_cluster: None
) -> None:
    # Another instance of the mapped verifier (another partner) deferred too, with its own steps in XCom.
    store: dict[tuple[int, str], Any] = {}
    other = MappedTaskInstance(task_id="verify_cross_account_access", map_index=0, store=store)
    other.xcom_push(PROBE_STEPS_XCOM_KEY, {"s3://other-bucket/p/_emrfs_xacct_probe/x": "s-OTHERPARTNER"})
    other.xcom_push(REPORT_XCOM_KEY, {"healthy": True})
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = MappedTaskInstance(task_id="verify_cross_account_access", map_index=1, store=store)
    with pytest.raises(TaskDeferred):
        run_operator(operator, ti)

    with pytest.raises(TaskDeferralTimeout):
        operator.resume_execution(
            TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, {"ti": ti, "task_instance": ti}
        )

    probe = store[(1, REPORT_XCOM_KEY)]["probe"]
    [(uri, abandoned)] = probe["abandoned"].items()  # its own step, not the other instance's
    assert uri.startswith(PREFIX)
    assert abandoned["state"] == "CANCELLED"
    assert run_held_probe_steps() == []
    assert store[(0, REPORT_XCOM_KEY)] == {"healthy": True}


def test_a_probe_step_that_already_failed_is_not_cancelled(partner: Partner) -> None:
    # A refused write ends the step FAILED: nothing left to cancel, no CancelSteps (nor its permission) needed.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, fail_on_broken=False)
    start_probe = operator._start_probe

    def break_then_start(name: str, prefixes: list[str]) -> dict[str, str]:
        remove_assume_permission(partner)
        return start_probe(name, prefixes)

    operator._start_probe = break_then_start  # type: ignore[method-assign]

    result, recorder, _ = run_operator(operator)

    [abandoned] = result["probe"]["abandoned"].values()
    assert abandoned["state"] == "FAILED"
    assert abandoned["may_still_write"] is False
    assert "CancelSteps" not in recorder.of("emr")
    assert "DescribeStep" in recorder.of("emr")


def test_the_temporary_object_of_a_put_cut_short_is_deleted_too(partner: Partner, busy_cluster: None) -> None:
    # ``hadoop fs -put`` writes ``<object>._COPYING_`` and renames it when done (Hadoop FileSystem Shell guide,
    # put: "-d: Skip creation of temporary file with the suffix ._COPYING_"): a step stopped mid-put leaves it.
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.verify import abandon_probe, probe_key, probe_step
    from devstack.moto_stack import DESTINATION_CONN_ID, EMR_CONN_ID

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    emr = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID)
    uri = probe_key("s3://" + partner.aws.bucket + "/exports/")
    [step_id] = emr.conn.add_job_flow_steps(JobFlowId=cluster_id, Steps=[probe_step(uri)])["StepIds"]
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    s3.put_object(Bucket=bucket, Key=key + "._COPYING_", Body=b"emrfs-xacct-pro")

    abandoned = abandon_probe(emr, EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID), cluster_id, {uri: step_id})

    assert abandoned["steps"][uri]["deleted"] is True
    assert abandoned["steps"][uri]["state"] == "CANCELLED"
    assert head(s3, uri + "._COPYING_") is None
    assert run_held_probe_steps() == []


def test_a_lost_answer_to_add_job_flow_steps_adds_no_second_probe_step(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``AddJobFlowSteps`` has no client token (Amazon EMR API Reference, "AddJobFlowSteps"): botocore sending
    it again after a lost answer (Boto3 guide, "Retries") added a second probe step, and the first, whose id
    the verifier never learnt, was neither watched nor cancelled: it wrote its object into the partner's
    bucket after the verifier had finished. The proxy loses the answer after moto added the step.
    """
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    proxy = FaultProxy(partner.aws.url, drop_answers={"AddJobFlowSteps": 1})
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )

    with through(proxy, partner.aws, monkeypatch):
        result, _, _ = run_operator(operator)

    assert proxy.stats["dropped-answer"] == 1
    assert proxy.requests["AddJobFlowSteps"] == 1  # found by ListSteps, not sent again
    [(uri, abandoned)] = result["probe"]["abandoned"].items()
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert (step["Id"], step["Status"]["State"]) == (abandoned["step"], "CANCELLED")
    assert run_held_probe_steps() == []
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def abandon_one_held_probe(partner: Partner) -> tuple[str, dict[str, Any]]:
    """Add a held probe step to a new cluster and clean it up at once, as a wait that ended early does."""
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.verify import abandon_probe, probe_key, probe_step
    from devstack.moto_stack import DESTINATION_CONN_ID, EMR_CONN_ID

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    emr = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID)
    uri = probe_key("s3://" + partner.aws.bucket + "/exports/")
    [step_id] = emr.conn.add_job_flow_steps(JobFlowId=cluster_id, Steps=[probe_step(uri)])["StepIds"]
    return uri, abandon_probe(emr, EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID), cluster_id, {uri: step_id})


def test_a_step_still_cancel_pending_is_reported_as_one_that_may_still_write(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EMR API Reference, StepStatus: State PENDING | CANCEL_PENDING | RUNNING | COMPLETED | CANCELLED | FAILED |
    # INTERRUPTED; CancelSteps "is idempotent but asynchronous". A step read back CANCEL_PENDING has not stopped
    # yet: a RUNNING step being cancelled may still finish its put.
    def cancel_under_way(self: Any) -> ActionResult:
        cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
        for step in cluster.steps:
            if step.id in self._get_param("StepIds"):
                step.state = "CANCEL_PENDING"
        return ActionResult(
            {"CancelStepsInfoList": [{"StepId": step, "Status": "SUBMITTED"} for step in self._get_param("StepIds")]}
        )

    monkeypatch.setattr(moto_stack.ElasticMapReduceResponse, "cancel_steps", cancel_under_way)

    uri, abandoned = abandon_one_held_probe(partner)

    assert abandoned["steps"][uri]["state"] == "CANCEL_PENDING"
    assert abandoned["steps"][uri]["may_still_write"] is True
    assert any(uri in problem and "delete it if it appears" in problem for problem in abandoned["problems"])


def test_a_step_whose_state_could_not_be_read_is_cancelled_and_reported_as_one_that_may_still_write(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DescribeStep refused (the EMR connection not allowed elasticmapreduce:DescribeStep, say): the step's state
    # is unknown, so it may still run and write its object later; it is cancelled all the same.
    from moto.core.exceptions import JsonRESTError

    def refused(self: Any) -> None:
        raise JsonRESTError("AccessDeniedException", "not authorized to perform: elasticmapreduce:DescribeStep")

    monkeypatch.setattr(moto_stack.ElasticMapReduceResponse, "describe_step", refused)

    uri, abandoned = abandon_one_held_probe(partner)

    assert abandoned["steps"][uri]["state"] is None
    assert abandoned["steps"][uri]["may_still_write"] is True
    assert any(uri in problem and "delete it if it appears" in problem for problem in abandoned["problems"])
    assert run_held_probe_steps() == []  # cancelled although its state was not known


def test_a_lost_answer_to_the_last_add_job_flow_steps_attempt_still_finds_the_step(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The last attempt's answer may be lost after EMR added the step as well as an earlier one's: it is looked for
    (ListSteps) before the error is raised, or the step, whose id the verifier never learnt, would run unwatched
    and write into the partner's bucket later. One attempt here, so that the only one is the last.
    """
    from airflow_provider_emrfs_xacct.hooks import emr as emr_hooks

    monkeypatch.setattr(emr_hooks, "LAUNCH_ATTEMPTS", 1)
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    proxy = FaultProxy(partner.aws.url, drop_answers={"AddJobFlowSteps": 1})
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )

    with through(proxy, partner.aws, monkeypatch):
        result, _, _ = run_operator(operator)

    assert proxy.stats["dropped-answer"] == 1
    assert proxy.requests["AddJobFlowSteps"] == 1
    [(uri, abandoned)] = result["probe"]["abandoned"].items()
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert (step["Id"], step["Status"]["State"]) == (abandoned["step"], "CANCELLED")
    assert run_held_probe_steps() == []
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_verifier_timed_out_while_its_probe_runs_cancels_the_step_so_nothing_is_written_later(
    partner: Partner, busy_cluster: None
) -> None:
    """
    ``execution_timeout`` strikes while the verifier waits for its probe step in the worker: Airflow's task runner
    calls ``on_kill`` (``_run_execute_callable``), which cancels the step; the held step then writes nothing.

    The timeout is Airflow's own (``airflow.sdk.execution_time.timeout``): its SIGALRM is sent, for real, once the
    wait has asked EMR for the step's state, instead of after a number of seconds.
    """
    import os
    import signal
    import threading
    from datetime import timedelta

    from airflow.sdk.exceptions import AirflowTaskTimeout

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(
        partner.configuration,
        cluster_id=cluster_id,
        probe=True,
        waiter_delay=1,
        waiter_max_attempts=3600,
        execution_timeout=timedelta(hours=1),
    )
    waiting = threading.Event()
    operator.hook.conn.meta.events.register("after-call.emr.ListSteps", lambda **_: waiting.set())

    def time_out_once_waiting() -> None:
        if waiting.wait(timeout=60):
            os.kill(os.getpid(), signal.SIGALRM)  # what the execution_timeout's timer sends

    watcher = threading.Thread(target=time_out_once_waiting, daemon=True)
    watcher.start()
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(AirflowTaskTimeout):
        execute_with_airflows_timeout(operator, ti)
    watcher.join()

    # The report says the probe was cut short: not the links' PASS pushed before it ran.
    report = ti.xcoms["report"]
    assert (report["verdict"], report["healthy"], report["probe"]["ok"]) == ("FAIL", False, False)
    assert report["probe"]["problems"][0] == "the task was killed while its probe steps ran"
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "CANCELLED"
    assert report["probe"]["abandoned"][moto_stack.probe_uri(step["Config"]["Args"])]["step"] == step["Id"]
    # The cluster gets to its queue: the cancelled probe writes nothing, so nothing is left behind.
    assert run_held_probe_steps() == []
    uri = moto_stack.probe_uri(step["Config"]["Args"])
    assert uri is not None
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_verifier_timed_out_while_adding_its_probe_step_finds_and_cancels_it(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``execution_timeout`` strikes after moto added the probe step but before the verifier learnt its id (the
    proxy lost the answer; the verifier waits before looking for it): ``on_kill`` looks for it (``ListSteps``)
    and cancels it, where it knew of no step to cancel.
    """
    import os
    import signal
    import sys
    import threading
    from datetime import timedelta

    from airflow.sdk.exceptions import AirflowTaskTimeout

    def looking_for_the_lost_answer(thread: threading.Thread) -> bool:
        frame = sys._current_frames().get(thread.ident or 0)
        while frame is not None:
            if frame.f_code.co_name == "_send_once_per_attempt":
                return proxy.stats["dropped-answer"] == 1
            frame = frame.f_back
        return False

    def time_out_then(task: threading.Thread, given_up: threading.Event) -> None:
        while not looking_for_the_lost_answer(task):
            if given_up.wait(0.01):
                return
        os.kill(os.getpid(), signal.SIGALRM)  # what the execution_timeout's timer sends

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    proxy = FaultProxy(partner.aws.url, drop_answers={"AddJobFlowSteps": 1})
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, execution_timeout=timedelta(hours=1))
    given_up = threading.Event()
    watcher = threading.Thread(target=time_out_then, args=(threading.current_thread(), given_up))
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with through(proxy, partner.aws, monkeypatch):
        watcher.start()
        try:
            with pytest.raises(AirflowTaskTimeout):
                execute_with_airflows_timeout(operator, ti)
        finally:
            given_up.set()
            watcher.join()

    assert proxy.requests["AddJobFlowSteps"] == 1
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "CANCELLED"
    assert run_held_probe_steps() == []
    uri = moto_stack.probe_uri(step["Config"]["Args"])
    assert uri is not None
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_a_user_kill_of_the_deferred_probe_cancels_its_steps(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Marked failed while deferred, the task never resumes: its trigger's on_kill is all that runs (BaseTrigger.on_kill,
    # "when a user explicitly acts on the deferred task"), once the task's state shows the kill. The trigger is
    # rebuilt from its serialised form, as the triggerer gets it.
    import asyncio

    from tests.integration.test_deferred_kill import DEFERRED_TI, answer_task_state

    answer_task_state(monkeypatch, "failed")

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    classpath, kwargs = deferred.value.trigger.serialize()
    assert classpath == "airflow_provider_emrfs_xacct.triggers.ProbeStepsTrigger"

    trigger = type(deferred.value.trigger)(**kwargs)
    trigger.task_instance = DEFERRED_TI

    asyncio.run(trigger.on_kill())

    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "CANCELLED"
    assert run_held_probe_steps() == []  # the cluster gets to its queue: nothing is written after the kill


class Sigkilled(BaseException):
    """The supervisor's SIGKILL, some seconds after its SIGTERM: nothing of the task runs after it."""


def test_a_kill_while_the_probe_steps_are_added_cancels_them_once_they_are_added(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Airflow's SIGTERM handler calls ``on_kill`` and returns into the task (``task_runner._on_term``): a kill before
    EMR added the steps finds none to cancel, then ``AddJobFlowSteps`` completes. The task must abandon them then,
    before the supervisor's SIGKILL ends it: going on to wait, it would leave them to write later.
    """
    from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
    from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True)
    operator.hook.client_sending_once.meta.events.register_first(
        "before-call.emr.AddJobFlowSteps", lambda **_: operator.on_kill()
    )

    def killed(*_: Any) -> None:
        raise Sigkilled

    monkeypatch.setattr(VerifyCrossAccountAccessOperator, "_wait_for_probe", killed)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(EmrfsXacctError, match="killed while its probe steps were added"):
        run_operator(operator, ti)  # not into the wait, where the SIGKILL would leave the step
    report = ti.xcoms["report"]
    assert (report["verdict"], report["healthy"], report["probe"]["ok"]) == ("FAIL", False, False)
    [abandoned] = report["probe"]["abandoned"].values()
    assert abandoned["state"] == "CANCELLED"

    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "CANCELLED"
    assert run_held_probe_steps() == []  # nothing written after the kill


def refused(operation: str, code: str = "AccessDenied") -> Any:
    """A read that AWS refuses (AccessDenied), or answers with another error ``code``, as an EmrfsS3Hook method."""
    from botocore.exceptions import ClientError

    def refuse(*_: Any, **__: Any) -> Any:
        raise ClientError({"Error": {"Code": code, "Message": f"refused {operation}"}}, operation)

    return refuse


@pytest.mark.parametrize(
    ("method", "operation", "action"),
    [("bucket_owner_id", "GetBucketAcl", "s3:GetBucketAcl"), ("object_owner_id", "ListObjectsV2", "s3:ListBucket")],
)
def test_a_refused_probe_check_still_deletes_the_probe_object(
    partner: Partner, monkeypatch: pytest.MonkeyPatch, method: str, operation: str, action: str
) -> None:
    """
    A read of the owner check refused after its HEAD: the object is deleted all the same, and the owner is not
    checked (``ok`` ``None``, the refused read named), not failed: the refusal is the verifier's own read's, which says
    nothing of the write (Amazon S3 API Reference, "ListObjectsV2": s3:ListBucket; "GetBucketAcl").
    """
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.verify import check_probe_object, probe_key
    from tests.integration.test_verify import s3_hook

    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    s3.put_object(Bucket=partner.aws.bucket, Key=uri.removeprefix(f"s3://{partner.aws.bucket}/"), Body=b"probe\n")
    monkeypatch.setattr(EmrfsS3Hook, method, refused(operation))

    outcome = check_probe_object(s3_hook(), uri, expected_key_arn=None)

    assert head(s3, uri) is None, outcome
    assert (outcome["ok"], outcome["problems"], outcome["owner_is_bucket_owner"]) == (None, [], None), outcome
    [not_checked] = outcome["not_checked"]
    assert not_checked.startswith(f"whether {uri} is owned by the bucket owner: {action}"), not_checked
    assert [(read["action"], read["call"]) for read in outcome["refused_reads"]] == [(action, operation)]
    assert outcome["left"] == []


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        # A failure that is neither a refusal nor about the caller's rate or credentials: no pass, the probe fails.
        ("InvalidRequest", False),
        # Throttled past the retries: says nothing of the write (Amazon S3 API Reference, "Error responses":
        # SlowDown, "Please reduce your request rate"): not checked, naming the error, never failed.
        ("SlowDown", None),
    ],
)
def test_an_owner_read_that_failed_still_deletes_the_probe_object(
    partner: Partner, monkeypatch: pytest.MonkeyPatch, code: str, ok: bool | None
) -> None:
    """A read of the owner check that fails otherwise than refused: the object is deleted, the outcome as ``ok``."""
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.verify import check_probe_object, probe_key
    from tests.integration.test_verify import s3_hook

    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    s3.put_object(Bucket=partner.aws.bucket, Key=uri.removeprefix(f"s3://{partner.aws.bucket}/"), Body=b"probe\n")
    monkeypatch.setattr(EmrfsS3Hook, "bucket_owner_id", refused("GetBucketAcl", code))

    outcome = check_probe_object(s3_hook(), uri, expected_key_arn=None)

    assert head(s3, uri) is None, outcome
    assert outcome["ok"] is ok
    said = outcome["problems"] if ok is False else outcome["not_checked"]
    assert any("GetBucketAcl" in item and code in item for item in said), outcome


def destination_denied(aws: Seeded, action: str) -> Iterator[Callable[[], None]]:
    """The destination connection may do everything but ``action``; yield the switch of moto's IAM authorization."""
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: action})
    yield from moto_authorization_switch(aws.url)


@pytest.fixture
def head_denied(aws: Seeded) -> Iterator[Callable[[], None]]:
    # moto asks for s3:GetObject of a HeadObject, as the Service Authorization Reference does.
    yield from destination_denied(aws, "s3:GetObject")


@pytest.fixture
def head_and_delete_denied(aws: Seeded) -> Iterator[Callable[[], None]]:
    yield from destination_denied(aws, "s3:*Object")  # s3:GetObject, s3:DeleteObject (and s3:PutObject)


@pytest.fixture
def delete_denied(aws: Seeded) -> Iterator[Callable[[], None]]:
    yield from destination_denied(aws, "s3:DeleteObject")


def test_a_probe_object_whose_delete_is_refused_is_not_said_deleted(
    aws: Seeded, delete_denied: Callable[[], None]
) -> None:
    """HEAD finds the object and DeleteObject is refused: it stays, and ``deleted`` says so (it said True)."""
    from airflow_provider_emrfs_xacct.verify import delete_probe_writes, probe_key
    from tests.integration.test_verify import s3_hook

    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{aws.bucket}/")
    s3.put_object(Bucket=aws.bucket, Key=key, Body=b"probe\n")
    hook = s3_hook()
    assert hook.conn is not None
    delete_denied()

    outcome = delete_probe_writes(hook, aws.bucket, key)

    assert outcome["deleted"] is False
    assert any("DeleteObject was refused" in line for line in outcome["left"]), outcome
    moto_authorization(aws.url, "inf")  # the test's own look, unchecked
    assert head(s3, uri) is not None


def test_a_probe_object_whose_head_is_refused_is_deleted_all_the_same(
    aws: Seeded, head_denied: Callable[[], None]
) -> None:
    """
    HEAD refused (no s3:ListBucket: S3 answers 403 for a missing key, S3 API Reference, "HeadObject"; or an object
    another account owns) tells nothing: a plain DeleteObject is sent anyway and removes the object.
    """
    from airflow_provider_emrfs_xacct.verify import delete_probe_writes, probe_key
    from tests.integration.test_verify import s3_hook

    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    key = uri.removeprefix(f"s3://{aws.bucket}/")
    s3.put_object(Bucket=aws.bucket, Key=key, Body=b"probe\n")
    hook = s3_hook()
    assert hook.conn is not None  # its session first (moto checks identity policies of moto-issued credentials)
    head_denied()

    outcome = delete_probe_writes(hook, aws.bucket, key)

    assert outcome["left"] == []
    assert outcome["deleted"] is None  # whether it was there is not known (deleted all the same)
    moto_authorization(aws.url, "inf")  # the test's own look, unchecked
    assert head(s3, uri) is None


def test_a_probe_object_that_cannot_be_read_or_deleted_is_reported_as_left(
    aws: Seeded, head_and_delete_denied: Callable[[], None]
) -> None:
    """
    The object was written as the EMR account in an ObjectWriter bucket: the destination's HEAD is refused
    (Amazon S3 User Guide, "Bucket policies for Amazon S3": permissions "don't apply to objects that are owned by
    other AWS accounts"), and its delete too here: the report says what stays and the delete's own error.
    """
    from airflow_provider_emrfs_xacct.verify import check_probe_object, probe_key
    from tests.integration.test_verify import s3_hook

    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    s3.put_object(Bucket=aws.bucket, Key=uri.removeprefix(f"s3://{aws.bucket}/"), Body=b"probe\n")
    hook = s3_hook()
    assert hook.conn is not None
    head_and_delete_denied()

    outcome = check_probe_object(hook, uri, expected_key_arn=None)

    assert outcome["ok"] is False
    left = "\n".join(outcome["left"])
    assert f"{uri} may still be there: DeleteObject was refused" in left
    assert "AccessDenied" in left
    moto_authorization(aws.url, "inf")  # the test's own look, unchecked
    assert head(s3, uri) is not None  # it is still there, as said


def test_the_verifier_reports_the_probe_object_a_refused_check_left(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    End to end: the owner read refused, the verifier deletes the probe object anyway, and the probe is not checked
    (``ok`` ``None``), never failed nor passed: the report says ``NOT_CHECKED``, healthy, what was not checked and the
    read to grant; ``fail_on_not_checked`` fails the task on it.
    """
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    monkeypatch.setattr(EmrfsS3Hook, "bucket_owner_id", refused("GetBucketAcl"))

    result, _, _ = run_operator(
        verifier(partner.configuration, cluster_id=cluster_id, probe=True, fail_on_broken=False)
    )

    probe = result["probe"]
    assert (probe["ok"], probe["problems"]) == (None, []), probe
    (uri,) = probe["objects"]
    assert head(s3, uri) is None, probe
    assert (result["verdict"], result["healthy"]) == ("NOT_CHECKED", True)
    [not_checked] = probe["not_checked"]
    assert not_checked.startswith(f"whether {uri} is owned by the bucket owner: s3:GetBucketAcl")
    assert any(item["what"] == f"live probe: {not_checked}" for item in result["not_checked"]), result["not_checked"]
    assert {"action": "s3:GetBucketAcl", "call": "GetBucketAcl"}.items() <= result["refused_reads"][-1].items()

    with pytest.raises(EmrfsXacctError, match=r"the live probe: whether .* is owned by the bucket owner"):
        run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True, fail_on_not_checked=True))


def test_a_deferred_probe_without_xcom_is_refused_before_any_call(partner: Partner) -> None:
    """
    ``deferrable=True`` with ``do_xcom_push=False``: a failed deferral resumes without the deferral's kwargs (Airflow
    replaces them with the failure), and without the XComs the resume could not find the probe steps to cancel:
    the step would write later, never deleted. The combination is refused before anything is sent, naming the fields.
    """
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
    from devstack.testing import CallRecorder

    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1, do_xcom_push=False
    )
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    with CallRecorder().everything() as calls, pytest.raises(InvalidParameterError, match="do_xcom_push") as refused:
        run_operator(operator, ti)

    assert "deferrable" in str(refused.value)
    assert calls.calls == [], calls.calls
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    assert [s for s in emr.list_steps(ClusterId=cluster_id)["Steps"] if s["Name"] == "emrfs-xacct-probe"] == []
