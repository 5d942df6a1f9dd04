"""A retry after the task instance's steps cluster ended launches again, and says so naming the ended cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devstack.testing import RecordingTaskInstance, captured_logs, run_operator
from tests.integration import test_emr_launch
from tests.integration.test_emr_launch import make_operator, overrides

if TYPE_CHECKING:
    from collections.abc import MutableMapping

emr = test_emr_launch.emr  # the fixture: an EMR client with the security configuration the launches name

STEPS = [
    {
        "Name": "job",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["echo", "hi"]},
    }
]


def steps_cluster() -> dict[str, Any]:
    """A cluster that ends after its steps (KeepJobFlowAliveWhenNoSteps false)."""
    arguments = overrides(Steps=[dict(step) for step in STEPS])
    arguments["Instances"] = {**arguments["Instances"], "KeepJobFlowAliveWhenNoSteps": False}
    return arguments


def ended_warnings(logs: list[MutableMapping[str, Any]]) -> list[str]:
    """The warnings naming an ended cluster, formatted (Airflow logs through structlog: ``captured_logs``, not caplog)."""
    messages = [
        str(entry["event"]) % tuple(entry.get("positional_args", ()))
        for entry in logs
        if entry["log_level"] == "warning"
    ]
    return [message for message in messages if "has ended" in message]


def test_a_retry_after_the_cluster_ended_warns_naming_it_and_launches_again(emr: Any) -> None:
    """
    The launch returns its task instance's active cluster only; once that cluster ended (moto's terminate stands in
    for the end after its steps), a retry launches another and runs its steps again, and warns naming the ended
    cluster, its state and Status.StateChangeReason.Code (Amazon EMR API Reference, "ClusterStateChangeReason").
    """
    ti = RecordingTaskInstance(task_id="launch_cluster")
    first, _, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)
    emr.terminate_job_flows(JobFlowIds=[first])
    status = emr.describe_cluster(ClusterId=first)["Cluster"]["Status"]
    assert status["State"] == "TERMINATED"

    with captured_logs() as logs:
        second, recorder, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)

    assert second != first
    assert recorder.calls.count("RunJobFlow") == 1
    (warning,) = ended_warnings(logs)
    reason = status.get("StateChangeReason", {}).get("Code", "not given")
    assert f"Cluster {first} of this task instance" in warning
    assert f"TERMINATED, reason {reason}" in warning
    assert "steps run again" in warning


def test_a_retry_while_the_cluster_is_active_launches_nothing_and_warns_of_no_end(emr: Any) -> None:
    ti = RecordingTaskInstance(task_id="launch_cluster")
    first, _, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)

    with captured_logs() as logs:
        second, recorder, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)

    assert second == first
    assert recorder.calls.count("RunJobFlow") == 0
    assert ended_warnings(logs) == []


def test_another_task_instances_ended_cluster_is_not_named(emr: Any) -> None:
    first, _, _ = run_operator(
        make_operator(job_flow_overrides=steps_cluster()), RecordingTaskInstance(task_id="launch_cluster", map_index=0)
    )
    emr.terminate_job_flows(JobFlowIds=[first])

    with captured_logs() as logs:
        run_operator(
            make_operator(job_flow_overrides=steps_cluster()),
            RecordingTaskInstance(task_id="launch_cluster", map_index=1),
        )

    assert ended_warnings(logs) == []
