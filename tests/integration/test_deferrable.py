"""
``deferrable=True``: the launch and the step wait defer to triggers that reach AWS through aiobotocore.

Here the operators run in this process against the moto server: the launch really launches, defers
with a trigger that carries the region, ``verify`` and ``botocore_config`` (Airflow's "Deferrable
Operators & Triggers": a trigger is serialised and run elsewhere, so it must carry everything it
needs), and the trigger itself runs on asyncio with aiobotocore, as the triggerer would run it, until
it fires. ``tests/dags/test_backfill.py`` runs the same operators in a real triggerer process.

moto moves a new cluster through STARTING and BOOTSTRAPPING to WAITING within ``RunJobFlow`` and a
terminated one to TERMINATED at once, so the triggers fire at their first poll; on AWS the cluster
stays in STARTING for minutes ("Understanding the cluster lifecycle" in the EMR management guide) and
the same waiter polls until WAITING or RUNNING.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.triggers.emr import EmrAddStepsTrigger, EmrCreateJobFlowTrigger, EmrStepSensorTrigger
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_emrfs_xacct.operators.base import DEFAULT_BOTOCORE_CONFIG, default_botocore_config
from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, REGION, client
from devstack.testing import RecordingTaskInstance, captured_logs, run_operator, small_cluster

if TYPE_CHECKING:
    from collections.abc import Callable

SECURITY_CONFIGURATION = "emrfs-xacct-deferrable-test"
ROLE_MAPPING = {
    "AuthorizationConfiguration": {
        "EmrFsConfiguration": {
            "RoleMappings": [
                {
                    "Role": "arn:aws:iam::222222222222:role/emrfs-partner-writer",
                    "IdentifierType": "Prefix",
                    "Identifiers": ["s3://partner-results-b/exports/"],
                }
            ]
        }
    }
}
OVERRIDES = small_cluster("deferrable-test", "emr-7.5.0")


async def first_event(trigger: Any) -> Any:
    """Run a trigger as the triggerer does (its async ``run``) and return the first event it yields."""
    async for event in trigger.run():
        return event
    raise AssertionError(f"{trigger!r} ended without an event")


def run_trigger(trigger: Any) -> Any:
    """The trigger rebuilt from its serialised form (as the triggerer gets it), run until it fires."""
    classpath, kwargs = trigger.serialize()
    assert classpath == f"{type(trigger).__module__}.{type(trigger).__qualname__}"
    return asyncio.run(asyncio.wait_for(first_event(type(trigger)(**kwargs)), timeout=60))


@pytest.fixture
def security_configuration(moto_url: str) -> str:
    client(moto_url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=SECURITY_CONFIGURATION, SecurityConfiguration=json.dumps(ROLE_MAPPING)
    )
    return SECURITY_CONFIGURATION


def launch_operator(**kwargs: Any) -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=SECURITY_CONFIGURATION,
        job_flow_overrides=OVERRIDES,
        wait_for_completion=True,
        deferrable=True,
        waiter_delay=1,
        waiter_max_attempts=10,
        **kwargs,
    )


def same_retry_settings(given: dict, expected: dict) -> bool:
    """
    Whether two botocore configurations mean the same.

    botocore rewrites the ``retries`` dict a client is built with: ``max_attempts`` (retries after the
    first attempt) becomes ``total_max_attempts`` (attempts in all), so 10 becomes 11.
    """

    def attempts(config: dict) -> int:
        retries = config["retries"]
        return (
            int(retries["total_max_attempts"]) if "total_max_attempts" in retries else int(retries["max_attempts"]) + 1
        )

    rest = lambda config: {k: v for k, v in config.items() if k != "retries"}  # noqa: E731
    return (
        given["retries"]["mode"] == expected["retries"]["mode"]
        and attempts(given) == attempts(expected)
        and rest(given) == rest(expected)
    )


def test_launch_defers_with_region_verify_and_botocore_config(moto_url: str, security_configuration: str) -> None:
    operator = launch_operator()
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator)
    trigger = deferred.value.trigger
    assert isinstance(trigger, EmrCreateJobFlowTrigger)
    assert deferred.value.method_name == "execute_complete"
    _, kwargs = trigger.serialize()
    # The region the cluster was launched in (from the connection), not None left for the
    # triggerer's environment to guess; the provider's retry configuration; the connection.
    assert kwargs["region_name"] == REGION
    assert same_retry_settings(kwargs["botocore_config"], DEFAULT_BOTOCORE_CONFIG)
    # verify unset: the connection's own setting applies (the trigger leaves a None out of its form).
    assert kwargs.get("verify", None) is None
    assert kwargs["aws_conn_id"] == EMR_CONN_ID
    assert (kwargs["waiter_delay"], kwargs["waiter_max_attempts"]) == (1, 10)

    # The cluster exists already (the launch happened before the deferral), tagged, with the configuration.
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    (summary,) = emr.list_clusters()["Clusters"]
    assert summary["Id"] == kwargs["job_flow_id"]
    assert emr.describe_cluster(ClusterId=summary["Id"])["Cluster"]["SecurityConfiguration"] == SECURITY_CONFIGURATION

    event = run_trigger(trigger)
    assert event.payload == {"status": "success", "job_flow_id": summary["Id"]}
    ti = RecordingTaskInstance(task_id=operator.task_id)
    assert operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload) == summary["Id"]


@pytest.mark.parametrize("terminate", [True, False])
def test_a_deferred_launch_whose_wait_failed_terminates_its_cluster_as_a_wait_in_the_worker_does(
    moto_url: str, security_configuration: str, terminate: bool
) -> None:
    """
    The trigger reports a failed wait (still starting after ``waiter_max_attempts``: moto's clusters start at once,
    so the event is the one the trigger's own code builds from the waiter's error). ``terminate_job_flow_on_failure``
    (default True) terminates the cluster, as the upstream operator does when the same wait fails in the worker.
    """
    from airflow.providers.common.compat.sdk import AirflowException

    operator = launch_operator(terminate_job_flow_on_failure=terminate)
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator)
    trigger = deferred.value.trigger
    cluster_id = trigger.serialize()[1]["job_flow_id"]
    event = trigger._event_from_exception(AirflowException("Waiter job_flow_waiting failed: Max attempts exceeded"))
    assert event.payload["status"] == "error"
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(AirflowException, match="Error creating jobFlow"):
        operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload)

    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert (state in ("TERMINATING", "TERMINATED")) is terminate, state


def test_launch_keeps_an_explicit_region(moto_url: str, security_configuration: str) -> None:
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(launch_operator(region_name=REGION, verify=False))
    _, kwargs = deferred.value.trigger.serialize()
    assert (kwargs["region_name"], kwargs["verify"]) == (REGION, False)


def test_the_teardown_defers_in_the_connections_region(moto_url: str, security_configuration: str) -> None:
    """The upstream operator hands its trigger ``region_name`` as given: None would leave the triggerer's environment to pick."""
    from airflow.providers.amazon.aws.triggers.emr import EmrTerminateJobFlowTrigger

    from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator

    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**OVERRIDES, SecurityConfiguration=security_configuration)["JobFlowId"]
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster_id, deferrable=True, waiter_delay=1
    )
    assert teardown.region_name is None

    with pytest.raises(TaskDeferred) as deferred:
        run_operator(teardown)

    trigger = deferred.value.trigger
    assert isinstance(trigger, EmrTerminateJobFlowTrigger)
    assert trigger.serialize()[1].get("region_name") == REGION  # a None is left out of the serialised trigger
    assert run_trigger(trigger).payload["status"] == "success"


def _end_with_errors(cluster_id: str) -> None:
    """
    Set the cluster's state to ``TERMINATED_WITH_ERRORS``, with EMR's reason, in moto's backend (the stand-in runs no
    step, so a step with ``ActionOnFailure=TERMINATE_CLUSTER`` cannot fail there).
    """
    from moto.emr.models import emr_backends

    for backends in emr_backends.values():
        for backend in backends.values():
            if cluster_id in backend.clusters:
                cluster = backend.clusters[cluster_id]
                cluster.state, cluster.last_state_change_reason = (
                    "TERMINATED_WITH_ERRORS",
                    "Step failure: write-results",
                )


def _ended_with_errors(moto_url: str, security_configuration: str, tags: list[dict[str, str]] | None = None) -> str:
    """
    A cluster that has already ended ``TERMINATED_WITH_ERRORS`` (e.g. a step with ``ActionOnFailure=TERMINATE_CLUSTER``
    failed), with EMR's reason. The stand-in keeps an ended cluster's state on TerminateJobFlows
    (``devstack.aws_emr``), checked here too.
    """
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**OVERRIDES, SecurityConfiguration=security_configuration, Tags=tags or [])[
        "JobFlowId"
    ]
    _end_with_errors(cluster_id)
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED_WITH_ERRORS"
    return cluster_id


def resume_as_airflow_does(build: Callable[[], Any], deferred: TaskDeferred, event: Any, ti: Any) -> Any:
    """
    Resume the deferral on a NEW operator (``build()``, as the worker builds the task again from the DAG file), with
    the method and kwargs the deferral recorded and the trigger's event added to them (the triggerer's
    ``Trigger.submit_event``). Airflow, "Deferrable Operators & Triggers": "When your operator resumes, it resumes as
    a new instance of it. The only way you can pass state from the old instance of the operator to the new one is with
    ``method_name`` and ``kwargs``."
    """
    resumed = build()
    kwargs = {**(deferred.kwargs or {}), "event": event.payload}
    return resumed.resume_execution(deferred.method_name, kwargs, {"ti": ti, "task_instance": ti})


def ended_with_errors_warnings(logs: list[Any]) -> list[str]:
    """The teardown's warnings about a cluster that had already ended ``TERMINATED_WITH_ERRORS``."""
    return [
        str(entry["event"])
        for entry in logs
        if entry["log_level"] == "warning" and "TERMINATED_WITH_ERRORS" in str(entry["event"])
    ]


@pytest.mark.parametrize("deferrable", [False, True])
def test_the_teardown_of_a_cluster_that_ended_with_errors_succeeds_in_both_modes(
    moto_url: str, security_configuration: str, deferrable: bool
) -> None:
    """
    TERMINATED and TERMINATED_WITH_ERRORS are both ended states (Amazon EMR API Reference, "ClusterStatus"): the
    cluster is gone, and the teardown succeeds deferred as in the worker. Before, the deferred one failed: its trigger
    waited with the Amazon provider's ``job_flow_terminated`` waiter, whose TERMINATED_WITH_ERRORS is a failure.
    Deferred, the task resumes on a new operator, as Airflow resumes it.
    """
    from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator

    cluster_id = _ended_with_errors(moto_url, security_configuration)

    def build() -> TerminateClusterOperator:
        return TerminateClusterOperator(
            task_id="terminate_cluster",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id=cluster_id,
            deferrable=deferrable,
            waiter_delay=1,
            waiter_max_attempts=3,
        )

    if not deferrable:
        run_operator(build())  # nothing to wait for
        return
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(build())
    event = run_trigger(deferred.value.trigger)
    assert event.payload["status"] == "success", event.payload
    ti = RecordingTaskInstance(task_id="terminate_cluster")
    with captured_logs() as logs:
        resume_as_airflow_does(build, deferred.value, event, ti)
    [warning] = ended_with_errors_warnings(logs)
    assert cluster_id in warning
    assert "Step failure: write-results" in warning


@pytest.mark.parametrize("event_alone", [False, True])
@pytest.mark.parametrize("clusters", [1, 2])
def test_a_resumed_teardown_given_a_list_warns_of_each_cluster_that_ended_with_errors(
    moto_url: str, security_configuration: str, clusters: int, event_alone: bool
) -> None:
    """
    A teardown that is not mapped of a mapped launch gets the list of the launch instances' cluster ids. It resumes
    as a new operator (Airflow, "Deferrable Operators & Triggers"), whose ``job_flow_id`` is that list again: before,
    ``execute_complete`` described ``"['j-...']"``, the error was swallowed and the warning lost. Now the clusters the
    teardown ended come with the deferral's kwargs, and each that ended ``TERMINATED_WITH_ERRORS`` (Amazon EMR API
    Reference, "ClusterStatus") is warned about. Resumed with the event alone (``dag.test()`` before
    apache/airflow#69942 drops the deferral's kwargs), the ids the list gives are read.
    """
    from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator

    ids = [_ended_with_errors(moto_url, security_configuration) for _ in range(clusters)]

    def build() -> TerminateClusterOperator:
        return TerminateClusterOperator(
            task_id="terminate_cluster",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id=list(ids),
            deferrable=True,
            waiter_delay=1,
            waiter_max_attempts=3,
        )

    with pytest.raises(TaskDeferred) as deferred:
        run_operator(build())
    event = run_trigger(deferred.value.trigger)
    assert event.payload["status"] == "success", event.payload
    if event_alone:
        deferred.value.kwargs = None
    with captured_logs() as logs:
        resume_as_airflow_does(build, deferred.value, event, RecordingTaskInstance(task_id="terminate_cluster"))
    warnings = ended_with_errors_warnings(logs)
    assert len(warnings) == clusters, warnings
    for cluster_id, warning in zip(ids, warnings, strict=True):
        assert cluster_id in warning
        assert "Step failure: write-results" in warning


def test_a_resumed_teardown_that_found_its_cluster_by_its_tag_warns_that_it_ended_with_errors(
    moto_url: str, security_configuration: str
) -> None:
    """
    ``job_flow_id`` empty (the launch returned none): the teardown finds the active cluster by the launch's
    idempotency tag and waits for it. The cluster ends ``TERMINATED_WITH_ERRORS`` meanwhile (a step failed as it was
    ended). The new operator Airflow resumes has an empty ``job_flow_id`` again: before, it described ``""`` and the
    warning was lost; now the cluster comes with the deferral's kwargs.
    """
    from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
    from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator, idempotency_key

    ti = RecordingTaskInstance(task_id="terminate_cluster")
    key = idempotency_key({"ti": ti}, "launch_cluster", map_index=-1)  # type: ignore[typeddict-item]
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(
        **OVERRIDES, SecurityConfiguration=security_configuration, Tags=[{"Key": IDEMPOTENCY_TAG, "Value": key}]
    )["JobFlowId"]

    def build() -> TerminateClusterOperator:
        return TerminateClusterOperator(
            task_id="terminate_cluster",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id="",
            launch_task_id="launch_cluster",
            deferrable=True,
            waiter_delay=1,
            waiter_max_attempts=3,
        )

    with pytest.raises(TaskDeferred) as deferred:
        run_operator(build(), ti)
    _end_with_errors(cluster_id)
    event = run_trigger(deferred.value.trigger)
    assert event.payload["status"] == "success", event.payload
    with captured_logs() as logs:
        resume_as_airflow_does(build, deferred.value, event, ti)
    [warning] = ended_with_errors_warnings(logs)
    assert cluster_id in warning
    assert "Step failure: write-results" in warning


def test_step_wait_defers_and_the_triggers_fire_through_aiobotocore(moto_url: str, security_configuration: str) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**OVERRIDES, SecurityConfiguration=security_configuration)["JobFlowId"]
    add_steps = EmrAddStepsOperator(
        task_id="write_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        steps=[
            {
                "Name": "write-results",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["echo", "results"]},
            }
        ],
        deferrable=True,
        waiter_delay=1,
        waiter_max_attempts=10,
        botocore_config=default_botocore_config(),
    )
    ti = RecordingTaskInstance(task_id=add_steps.task_id)
    with pytest.raises(TaskDeferred) as deferred:
        add_steps.execute({"ti": ti, "task_instance": ti})
    trigger = deferred.value.trigger
    assert isinstance(trigger, EmrAddStepsTrigger)
    _, kwargs = trigger.serialize()
    assert same_retry_settings(kwargs["botocore_config"], DEFAULT_BOTOCORE_CONFIG)
    (step_id,) = kwargs["step_ids"]
    assert run_trigger(trigger).payload == {"status": "success", "value": [step_id]}

    # The sensor's trigger (EmrStepSensor(deferrable=True) defers to it while the step runs).
    sensor_trigger = EmrStepSensorTrigger(
        job_flow_id=cluster_id,
        step_id=step_id,
        waiter_delay=1,
        waiter_max_attempts=10,
        aws_conn_id=EMR_CONN_ID,
        region_name=REGION,
        verify=None,
        botocore_config=default_botocore_config(),
    )
    assert run_trigger(sensor_trigger).payload["status"] == "success"


def test_a_resumed_launch_does_not_terminate_with_the_workers_own_credentials(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    ``execute_complete`` runs in a new worker process, maybe one without the connection (another secrets backend,
    the connection deleted meanwhile): the Amazon provider's hook would then act with the worker's own credentials
    (``AwsGenericHook.conn_config``: "switching to empty"), and the failed wait's ``TerminateJobFlows`` would go
    to whatever account they are in. The resume checks the connection as ``execute`` does: no call, the cluster
    named in the log, and the wait's own error raised.
    """
    from airflow.providers.common.compat.sdk import AirflowException

    from devstack.testing import CallRecorder

    with pytest.raises(TaskDeferred) as deferred:
        run_operator(launch_operator())
    trigger = deferred.value.trigger
    cluster_id = trigger.serialize()[1]["job_flow_id"]
    event = trigger._event_from_exception(AirflowException("Waiter job_flow_waiting failed: Max attempts exceeded"))
    monkeypatch.delenv(f"AIRFLOW_CONN_{EMR_CONN_ID.upper()}")
    resumed = launch_operator()  # a new worker process builds the task anew
    ti = RecordingTaskInstance(task_id=resumed.task_id)

    with CallRecorder().everywhere() as calls, pytest.raises(AirflowException, match="Error creating jobFlow"):
        resumed.execute_complete({"ti": ti, "task_instance": ti}, event.payload)

    assert calls.every == []
    output = capfd.readouterr().out
    assert (
        f"({cluster_id} and any other of its key) could not be terminated (aws_conn_id: names the connection" in output
    )
    state = client(moto_url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
    assert state not in ("TERMINATING", "TERMINATED")
