"""
A live probe whose steps never ran is "not checked", not failed: only a step that failed fails it.

EMR runs one step at a time unless the cluster's ``StepConcurrencyLevel`` says more ("The default value is 1", Amazon
EMR API Reference, "RunJobFlow"), and "pending steps in queue transition to running state in the order they were
submitted" (Amazon EMR Management Guide, "Considerations for running multiple steps in parallel"): behind other work
the probe step stays ``PENDING`` until the verifier's wait runs out, and the verifier cancels it (Amazon EMR API
Reference, "CancelSteps"). No request of it reached S3 or STS. Before, the report said ``FAIL`` (not healthy) and the
task raised "the live probe failed". The steps are judged by their states before the cancel (Amazon EMR API
Reference, "StepStatus"): one that ended ``FAILED`` or ``INTERRUPTED`` still fails the probe; one cancelled while
``RUNNING``, or whose state is not known, leaves it not checked. Never ``PASS``.

The stand-in holds probe steps (``devstack.moto_stack.hold_probe_steps``): ``PENDING`` behind a step added before
(:func:`busy`), ``RUNNING`` on a cluster with none (moto runs a cluster's first step at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
from airflow.sdk.exceptions import TaskDeferralTimeout, TaskDeferred
from botocore.exceptions import EndpointConnectionError

from airflow_provider_emrfs_xacct.operators.verify import REPORT_XCOM_KEY
from airflow_provider_emrfs_xacct.pure.checks.findings import PROBE_DID_NOT_RUN_FIX
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from devstack import moto_stack
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, client, run_held_probe_steps
from devstack.testing import RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.test_deferrable import run_trigger
from tests.integration.test_verify import head, partner, verifier

if TYPE_CHECKING:
    from tests.integration.test_verify import Partner

__all__ = ["partner"]  # the fixture, imported for the tests below

TASK_ID = "verify_cross_account_access"


@pytest.fixture
def busy_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe steps stay PENDING until ``run_held_probe_steps``."""
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)


def busy(partner: Partner) -> str:
    """A cluster that ran another step before the probe's: its probe step is held ``PENDING``, not started."""
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    other = {"Name": "other work", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar"}}
    client(partner.aws.url, EMR_ACCOUNT, "emr").add_job_flow_steps(JobFlowId=cluster_id, Steps=[other])
    return cluster_id


def set_state(cluster_id: str, step_ids: list[str], state: str) -> None:
    """The stand-in's steps move to ``state``, as EMR's may (Amazon EMR API Reference, "StepStatus")."""
    from moto.emr.models import emr_backends

    for backends in emr_backends.values():
        for backend in backends.values():
            cluster = backend.clusters.get(cluster_id)
            for step in cluster.steps if cluster is not None else []:
                if step.id in step_ids:
                    step.state = state


def moving_to(operator: Any, cluster_id: str, state: str) -> None:
    """Once its steps are added, ``operator``'s probe steps move to ``state`` (before the wait's first look)."""
    start_probe = operator._start_probe

    def start_then_move(name: str | None, prefixes: list[str]) -> dict[str, str]:
        uris = start_probe(name, prefixes)
        set_state(cluster_id, list(uris.values()), state)
        return uris

    operator._start_probe = start_then_move


def assert_did_not_run(report: dict[str, Any]) -> None:
    assert (report["verdict"], report["healthy"], report["probe"]["ok"]) == ("NOT_CHECKED", True, None)
    [why] = report["probe"]["not_checked"]
    assert why.startswith("the probe did not run: "), why
    assert "PENDING" in why, why
    item = next(item for item in report["not_checked"] if item["what"] == f"live probe: {why}")
    assert item["how"] == PROBE_DID_NOT_RUN_FIX
    assert "probe_pending" not in report


def test_a_probe_step_left_pending_behind_other_steps_is_not_checked_not_failed(
    partner: Partner, busy_cluster: None
) -> None:
    cluster_id = busy(partner)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )

    result, _, ti = run_operator(operator)

    assert all(link["status"] != "fail" for link in result["links"])
    assert_did_not_run(result)
    [(uri, abandoned)] = result["probe"]["abandoned"].items()
    assert (abandoned["state_before_cancel"], abandoned["state"], abandoned["may_still_write"]) == (
        "PENDING",
        "CANCELLED",
        False,
    )
    assert ti.xcoms[REPORT_XCOM_KEY] == result
    assert run_held_probe_steps() == []  # cancelled: it never writes
    assert head(client(partner.aws.url, DESTINATION_ACCOUNT, "s3"), uri) is None


def test_fail_on_broken_does_not_fail_the_task_on_a_probe_that_did_not_run(
    partner: Partner, busy_cluster: None
) -> None:
    cluster_id = busy(partner)

    result, _, _ = run_operator(
        verifier(partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1)
    )

    assert_did_not_run(result)


def test_fail_on_not_checked_fails_the_task_naming_the_probe_that_did_not_run(
    partner: Partner, busy_cluster: None
) -> None:
    cluster_id = busy(partner)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_not_checked=True
    )
    ti = RecordingTaskInstance(task_id=TASK_ID)

    with pytest.raises(EmrfsXacctError, match="the live probe: the probe did not run"):
        run_operator(operator, ti)

    assert_did_not_run(ti.xcoms[REPORT_XCOM_KEY])


@pytest.mark.parametrize("state", ["FAILED", "INTERRUPTED"])
def test_a_probe_step_that_failed_behind_other_steps_still_fails_the_probe(
    partner: Partner, busy_cluster: None, state: str
) -> None:
    cluster_id = busy(partner)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )
    moving_to(operator, cluster_id, state)

    result, _, _ = run_operator(operator)

    assert (result["verdict"], result["healthy"], result["probe"]["ok"]) == ("FAIL", False, False)
    [abandoned] = result["probe"]["abandoned"].values()
    assert abandoned["state_before_cancel"] == state
    assert "not_checked" not in result["probe"]


def test_a_failed_probe_step_fails_the_task_with_fail_on_broken(partner: Partner, busy_cluster: None) -> None:
    cluster_id = busy(partner)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1)
    moving_to(operator, cluster_id, "FAILED")
    ti = RecordingTaskInstance(task_id=TASK_ID)

    with pytest.raises(EmrfsXacctError, match="the live probe failed"):
        run_operator(operator, ti)

    assert ti.xcoms[REPORT_XCOM_KEY]["verdict"] == "FAIL"


def test_a_probe_step_cancelled_while_running_is_not_checked_never_passed(partner: Partner, busy_cluster: None) -> None:
    # A RUNNING step may have been refused and be retrying: its state tells nothing either way.
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )
    moving_to(operator, cluster_id, "RUNNING")

    result, _, _ = run_operator(operator)

    assert (result["verdict"], result["healthy"], result["probe"]["ok"]) == ("NOT_CHECKED", True, None)
    [why] = result["probe"]["not_checked"]
    assert "is not known" in why, why
    assert "was RUNNING when cancelled" in why, why
    [abandoned] = result["probe"]["abandoned"].values()
    assert (abandoned["state_before_cancel"], abandoned["state"]) == ("RUNNING", "CANCELLED")


def test_a_probe_step_whose_state_was_not_read_is_not_checked_unless_the_wait_saw_it_fail(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DescribeStep refused: the clean-up does not know the step's state; the wait (ListSteps) saw it.
    from moto.core.exceptions import JsonRESTError

    def refused(self: Any) -> None:
        raise JsonRESTError("AccessDeniedException", "not authorized to perform: elasticmapreduce:DescribeStep")

    monkeypatch.setattr(moto_stack.ElasticMapReduceResponse, "describe_step", refused)
    cluster_id = busy(partner)
    pending = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )

    result, _, _ = run_operator(pending)

    assert (result["verdict"], result["probe"]["ok"]) == ("NOT_CHECKED", None)
    assert "in a state not read" in result["probe"]["not_checked"][0]

    failed = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, waiter_max_attempts=1, fail_on_broken=False
    )
    moving_to(failed, cluster_id, "FAILED")

    result, _, _ = run_operator(failed)

    assert (result["verdict"], result["probe"]["ok"]) == ("FAIL", False)
    [abandoned] = result["probe"]["abandoned"].values()
    assert abandoned["state_before_cancel"] is None


def test_a_deferred_probe_whose_wait_ran_out_is_judged_by_the_state_its_trigger_read(
    partner: Partner, busy_cluster: None
) -> None:
    # The trigger cancels the PENDING step before it fires; the resumed task reads it CANCELLED. The state before the
    # trigger's cancel (its event's "abandoned") says the probe did not run.
    cluster_id = busy(partner)
    ti = RecordingTaskInstance(task_id=TASK_ID)
    operator = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1, waiter_max_attempts=1
    )
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    event = run_trigger(deferred.value.trigger)
    assert event.payload["status"] == "error", event.payload
    [uri] = deferred.value.kwargs["uris"]
    assert event.payload["abandoned"][uri]["state_before_cancel"] == "PENDING"

    resumed = verifier(
        partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1, waiter_max_attempts=1
    )
    result = resumed.resume_execution(
        "execute_complete", {**deferred.value.kwargs, "event": event.payload}, {"ti": ti, "task_instance": ti}
    )

    assert_did_not_run(result)
    assert result["probe"]["abandoned"][uri]["state"] == "CANCELLED"
    assert ti.xcoms[REPORT_XCOM_KEY] == result


def test_a_failed_deferral_of_a_probe_that_did_not_run_leaves_it_not_checked(
    partner: Partner, busy_cluster: None
) -> None:
    cluster_id = busy(partner)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, deferrable=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id=TASK_ID)
    with pytest.raises(TaskDeferred):
        run_operator(operator, ti)

    with pytest.raises(TaskDeferralTimeout):
        operator.resume_execution(
            TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, {"ti": ti, "task_instance": ti}
        )

    report = ti.xcoms[REPORT_XCOM_KEY]
    assert_did_not_run(report)
    assert report["probe"]["problems"][0] == "the probe's deferral failed before its steps ended"
    assert run_held_probe_steps() == []


def test_a_worker_wait_that_fails_before_the_probe_ran_leaves_it_not_checked(
    partner: Partner, busy_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://emr")

    monkeypatch.setattr("airflow.providers.amazon.aws.utils.waiter_with_logging.wait", unreachable)
    cluster_id = busy(partner)
    ti = RecordingTaskInstance(task_id=TASK_ID)

    with pytest.raises(EndpointConnectionError):
        run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True), ti)

    report = ti.xcoms[REPORT_XCOM_KEY]
    assert_did_not_run(report)
    assert "the wait for the probe steps failed" in report["probe"]["problems"][0]
    steps = client(partner.aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"]
    [probe_step] = [step for step in steps if moto_stack.probe_uri(step["Config"]["Args"])]
    assert probe_step["Status"]["State"] == "CANCELLED"


def test_a_kill_keeps_the_probe_failed(partner: Partner, busy_cluster: None) -> None:
    # on_kill is not judged by the steps' states: a killed task's report stays FAIL, as before.
    cluster_id = busy(partner)
    operator = verifier(partner.configuration, cluster_id=cluster_id, probe=True, waiter_delay=1)
    ti = RecordingTaskInstance(task_id=TASK_ID)

    def killed(_: dict[str, str]) -> None:
        operator.on_kill()
        raise EmrfsXacctError("killed")

    operator._wait_for_probe = killed  # type: ignore[method-assign]
    with pytest.raises(EmrfsXacctError, match="killed"):
        run_operator(operator, ti)

    report = ti.xcoms[REPORT_XCOM_KEY]
    assert (report["verdict"], report["healthy"], report["probe"]["ok"]) == ("FAIL", False, False)
    [abandoned] = report["probe"]["abandoned"].values()
    assert abandoned["state_before_cancel"] == "PENDING"
