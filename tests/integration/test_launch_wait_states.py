"""
``wait_for_completion=True`` returns only a cluster that is up (``WAITING`` or ``RUNNING``), in the worker and deferred.

The Amazon provider's ``job_flow_waiting`` waiter (its ``waiters/emr.json``) succeeds on ``TERMINATED`` too: a
cluster ended while the launch waited (by a user, by auto-termination) was returned as launched, and the steps the
next tasks add were refused, since "You can only add steps to a cluster that is in one of the following states:
STARTING, BOOTSTRAPPING, RUNNING, or WAITING" (Amazon EMR API Reference, "AddJobFlowSteps"). The wait fails on the
ended states instead (Amazon EMR API Reference, "ClusterStatus": ``TERMINATING``, ``TERMINATED``,
``TERMINATED_WITH_ERRORS``), naming the state and EMR's reason (``StateChangeReason``). A launch with ``Steps`` and
``KeepJobFlowAliveWhenNoSteps`` not true ends after its steps (Amazon EMR API Reference, "JobFlowInstancesConfig"):
``TERMINATED`` is its expected end, and its wait keeps the upstream waiter.

The cluster is ended, with EMR's reason, in moto's backend just before the wait's first poll (moto's own
``TerminateJobFlows`` gives no reason).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException
from airflow.sdk.exceptions import TaskDeferred
from botocore.exceptions import WaiterError

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import RecordingTaskInstance, run_operator, small_cluster
from tests.integration.test_deferrable import ROLE_MAPPING, SECURITY_CONFIGURATION, run_trigger

#: ``RunJobFlow`` arguments of a cluster that ends after its one step (``KeepJobFlowAliveWhenNoSteps`` false).
STEP = {
    "Name": "export",
    "ActionOnFailure": "TERMINATE_CLUSTER",
    "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]},
}
ENDS_AFTER_ITS_STEPS = small_cluster(
    "ends-after-steps",
    Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": False},
    Steps=[STEP],
)


#: EMR's reason for a cluster a user terminated (moto's backend keeps only the message).
REASON = "Terminated by user request"


def end(cluster_id: str) -> None:
    """End the cluster ``TERMINATED`` with :data:`REASON`, in moto's backend (as ``test_deferrable._end_with_errors``)."""
    from moto.emr.models import emr_backends

    for backends in emr_backends.values():
        for backend in backends.values():
            if cluster_id in backend.clusters:
                cluster = backend.clusters[cluster_id]
                cluster.state, cluster.last_state_change_reason = "TERMINATED", REASON


@pytest.fixture
def emr(moto_url: str) -> Any:
    """A plain EMR client in the EMR account, with the security configuration the launches name."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=SECURITY_CONFIGURATION, SecurityConfiguration=json.dumps(ROLE_MAPPING))
    return emr


def launch(**kwargs: Any) -> LaunchClusterWithSecConfigOperator:
    arguments: dict[str, Any] = {
        "task_id": "launch_cluster",
        "aws_conn_id": EMR_CONN_ID,
        "emr_conn_id": None,
        "security_configuration": SECURITY_CONFIGURATION,
        "job_flow_overrides": small_cluster(),
        "wait_for_completion": True,
        "waiter_delay": 1,
        "waiter_max_attempts": 3,
        **kwargs,
    }
    return LaunchClusterWithSecConfigOperator(**arguments)


def end_before_the_first_poll(operator: LaunchClusterWithSecConfigOperator) -> list[str]:
    """Terminate the launched cluster just before the first ``DescribeCluster`` of the operator's EMR client."""
    ended: list[str] = []

    def terminate(params: dict[str, Any], **_: Any) -> None:
        if not ended:
            ended.append(params["ClusterId"])
            end(params["ClusterId"])

    operator.hook.conn.meta.events.register("before-parameter-build.emr.DescribeCluster", terminate)
    return ended


def test_a_cluster_terminated_while_the_launch_waits_in_the_worker_fails_the_launch(emr: Any) -> None:
    """The wait in the worker fails naming the state and EMR's reason; with Steps that end the cluster it succeeds."""
    operator = launch()
    ended = end_before_the_first_poll(operator)

    with pytest.raises(WaiterError) as failed:
        run_operator(operator)

    (cluster_id,) = ended
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"
    assert f"cluster {cluster_id} is TERMINATED" in str(failed.value)
    assert REASON in str(failed.value)
    assert "not up (WAITING or RUNNING)" in str(failed.value)

    # A cluster launched to end after its steps: TERMINATED is its expected end, and the launch returns it.
    operator = launch(task_id="launch_to_end", job_flow_overrides=ENDS_AFTER_ITS_STEPS)
    ended = end_before_the_first_poll(operator)
    cluster_id, _, _ = run_operator(operator)
    assert ended == [cluster_id]
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"


def deferred_then_terminated(operator: LaunchClusterWithSecConfigOperator, emr: Any) -> tuple[Any, str]:
    """Launch deferred; terminate the cluster before the trigger's first poll; return the trigger and the cluster."""
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator)
    trigger = deferred.value.trigger
    cluster_id = trigger.serialize()[1]["job_flow_id"]
    end(cluster_id)
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"
    return trigger, cluster_id


def test_a_cluster_terminated_while_the_launch_waits_deferred_fails_the_launch(emr: Any) -> None:
    """The trigger reports the ended cluster as a failure (its state and EMR's reason); with Steps that end it, success."""
    operator = launch(deferrable=True)
    trigger, cluster_id = deferred_then_terminated(operator, emr)

    event = run_trigger(trigger)

    assert event.payload["status"] == "error"
    assert "TERMINATED" in event.payload["message"]
    assert REASON in event.payload["message"]
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with pytest.raises(AirflowException, match="TERMINATED"):
        operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload)

    operator = launch(task_id="launch_to_end", deferrable=True, job_flow_overrides=ENDS_AFTER_ITS_STEPS)
    trigger, cluster_id = deferred_then_terminated(operator, emr)
    assert run_trigger(trigger).payload == {"status": "success", "job_flow_id": cluster_id}
