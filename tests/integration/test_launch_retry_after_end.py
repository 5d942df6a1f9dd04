"""A retry after the task instance's steps cluster ended launches again, and says so naming the ended cluster."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from devstack.moto_stack import EMR_ACCOUNT, REGION
from devstack.testing import RecordingTaskInstance, captured_logs, run_operator
from tests.integration import test_emr_launch
from tests.integration.test_emr_launch import make_operator, overrides
from tests.integration.test_launch_search import backdate

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    import pytest

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
    return [message for message in messages if "has ended" in message or "is ending" in message]


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
    ti.try_number = 2

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
            RecordingTaskInstance(task_id="launch_cluster", map_index=1, try_number=2),
        )

    assert ended_warnings(logs) == []


def end_as(cluster_id: str, state: str) -> None:
    """Put the cluster in ``state`` in the in-process moto backend (moto's terminate goes straight to TERMINATED)."""
    from moto.emr.models import emr_backends

    emr_backends[EMR_ACCOUNT][REGION].clusters[cluster_id].state = state


def before_the_launch(calls: list[str]) -> list[str]:
    """The calls before ``RunJobFlow`` (the wait after it may describe the new cluster)."""
    return calls[: calls.index("RunJobFlow")]


def test_a_retry_while_the_cluster_is_terminating_warns_that_it_is_ending(emr: Any) -> None:
    """
    TERMINATING is neither active nor ended (Amazon EMR API Reference, "ClusterStatus": STARTING | BOOTSTRAPPING |
    RUNNING | WAITING | TERMINATING | TERMINATED | TERMINATED_WITH_ERRORS): a retry then launches again, and says the
    cluster is ending.
    """
    ti = RecordingTaskInstance(task_id="launch_cluster")
    first, _, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)
    end_as(first, "TERMINATING")
    ti.try_number = 2

    with captured_logs() as logs:
        second, recorder, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)

    assert second != first
    assert recorder.calls.count("RunJobFlow") == 1
    (warning,) = ended_warnings(logs)
    assert f"Cluster {first} of this task instance" in warning
    assert "is ending: TERMINATING" in warning


def test_a_first_try_describes_no_ended_cluster_of_its_name(emr: Any) -> None:
    """
    A backfill's runs launch clusters of one Name that end: a first try describes none of them, so N runs make no
    N(N-1)/2 DescribeCluster (EMR throttles API calls: AWS Knowledge Center, "How do I prevent 'rate exceeded'
    ThrottlingException errors when I run monitoring scripts in Amazon EMR?"). Its own ended cluster (a try numbered 1 again) is not warned of.
    """
    ti = RecordingTaskInstance(task_id="launch_cluster")
    for map_index in range(3):
        ended, _, _ = run_operator(
            make_operator(job_flow_overrides=steps_cluster()),
            RecordingTaskInstance(task_id="launch_cluster", map_index=map_index),
        )
        emr.terminate_job_flows(JobFlowIds=[ended])
    first, _, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)
    emr.terminate_job_flows(JobFlowIds=[first])

    with captured_logs() as logs:
        _, recorder, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)

    assert "DescribeCluster" not in before_the_launch(recorder.calls)
    assert ended_warnings(logs) == []


def test_a_retry_describes_at_most_the_newest_ended_clusters_of_its_name(emr: Any) -> None:
    from airflow_provider_emrfs_xacct.hooks.emr import ENDED_CLUSTERS_DESCRIBED

    ti = RecordingTaskInstance(task_id="launch_cluster")
    for map_index in range(ENDED_CLUSTERS_DESCRIBED + 2):  # older: launched before this task instance's
        ended, _, _ = run_operator(
            make_operator(job_flow_overrides=steps_cluster()),
            RecordingTaskInstance(task_id="launch_cluster", map_index=map_index),
        )
        emr.terminate_job_flows(JobFlowIds=[ended])
        backdate(ended, timedelta(minutes=10 - map_index))
    first, _, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)
    emr.terminate_job_flows(JobFlowIds=[first])
    ti.try_number = 2

    with captured_logs() as logs:
        _, recorder, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)

    assert before_the_launch(recorder.calls).count("DescribeCluster") == ENDED_CLUSTERS_DESCRIBED
    (warning,) = ended_warnings(logs)
    assert f"Cluster {first} of this task instance" in warning


def test_a_throttled_description_for_the_warning_does_not_fail_the_launch(
    moto_url: str, emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    EMR throttles API calls such as DescribeCluster with ThrottlingException, "Rate exceeded" (AWS Knowledge Center,
    "How do I prevent 'rate exceeded' ThrottlingException errors when I run monitoring scripts in Amazon EMR?"). Past botocore's retries, the description that only feeds the warning is
    logged and the retry launches: the fault proxy answers every DescribeCluster before the RunJobFlow so.
    """
    from devstack.fault_proxy import FaultProxy
    from devstack.moto_stack import airflow_environment

    ti = RecordingTaskInstance(task_id="launch_cluster")
    first, _, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)
    emr.terminate_job_flows(JobFlowIds=[first])
    ti.try_number = 2
    launched: list[str] = []

    def throttle_descriptions(operation: str) -> tuple[int, str, str] | None:
        if operation == "RunJobFlow":
            launched.append(operation)
        if operation == "DescribeCluster" and not launched:
            return (400, "ThrottlingException", "Rate exceeded")
        return None

    with FaultProxy(moto_url, intercept=throttle_descriptions) as proxy, monkeypatch.context() as patch:
        for name, value in airflow_environment(proxy.url).items():
            patch.setenv(name, value)
        with captured_logs() as logs:
            # botocore's retries given up after 2 attempts, not the provider's 11: the same error, in less time
            retries = {"retries": {"mode": "standard", "total_max_attempts": 2}}
            operator = make_operator(job_flow_overrides=steps_cluster(), botocore_config=retries)
            second, recorder, _ = run_operator(operator, ti)

    assert second != first
    assert recorder.calls.count("RunJobFlow") == 1
    assert ended_warnings(logs) == []
    said = [str(entry["event"]) % tuple(entry.get("positional_args", ())) for entry in logs]
    assert any(f"Could not tell whether ended cluster {first}" in message for message in said), said


def test_a_launch_made_again_within_the_task_warns_once(emr: Any) -> None:
    """
    A launch whose configuration was recreated runs the upstream launch twice in one task (``_recreate_if_deleted``):
    the ended clusters are described and warned of once, not once per launch.
    """
    from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG, EmrfsEmrHook
    from devstack.moto_stack import EMR_CONN_ID

    ti = RecordingTaskInstance(task_id="launch_cluster")
    first, _, _ = run_operator(make_operator(job_flow_overrides=steps_cluster()), ti)
    emr.terminate_job_flows(JobFlowIds=[first])
    cluster = emr.describe_cluster(ClusterId=first)["Cluster"]
    key = next(tag["Value"] for tag in cluster["Tags"] if tag["Key"] == IDEMPOTENCY_TAG)
    hook = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID)
    hook.launch_is_retry = True
    hook.ended_summaries_read = tuple(emr.list_clusters(ClusterStates=["TERMINATED"])["Clusters"])

    with captured_logs() as logs:
        hook._warn_of_ended_launches(key, cluster["Name"])
        hook._warn_of_ended_launches(key, cluster["Name"])

    (warning,) = ended_warnings(logs)
    assert f"Cluster {first} of this task instance" in warning
