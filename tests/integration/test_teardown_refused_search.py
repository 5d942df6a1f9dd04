"""
A teardown given its cluster ends it though the connection may not search for the launch's other clusters.

Given ``job_flow_id``, ``TerminateClusterOperator`` also ends the other active clusters of the launch's idempotency
key (``RunJobFlow`` has no client token), which it finds with ``ListClusters`` and ``DescribeCluster``. EMR's tag
conditions apply only to the actions that take a cluster id (Amazon EMR Management Guide, "IAM policies for tag-based
access to clusters and EMR notebooks"): a connection scoped to its team's clusters by tag may be allowed
``TerminateJobFlows`` and ``DescribeCluster`` on them, and not ``ListClusters`` (resource ``*``); and it may be refused
``DescribeCluster`` on a cluster. Before, the search ran first, and the refusal failed the teardown with the cluster
given still ``WAITING``: ``ListClusters`` refused raised before ``TerminateJobFlows``, and a refused ``DescribeCluster``
(tolerated for the tag) was read again by the upstream operator's ``execute`` for its logs link, before
``TerminateJobFlows``. Now the clusters given are terminated first, and a refused search is a warning naming the
refused action and the tag of what may be left running; the task does not fail. Denials come from moto's own IAM
authorization over HTTP (``tests/integration/test_launch_search.py``, ``describe_cluster_refused``).
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import CallRecorder, RecordingTaskInstance, execute_as_task, small_cluster
from tests.integration.test_launch_search import (
    RUN_ID,
    SECURITY_CONFIGURATION,
    dag_run,
    describe_cluster_refused,
    launch,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

ENDED = ("TERMINATING", "TERMINATED")


@pytest.fixture
def emr(moto_url: str) -> Any:
    """An EMR client of the account, with the launch's security configuration."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=SECURITY_CONFIGURATION, SecurityConfiguration=json.dumps({}))
    return emr


@contextmanager
def list_clusters_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Inside the block, the connections' role may do everything but ``elasticmapreduce:ListClusters``."""
    from devstack.testing import (
        answer_denials_like_aws,
        moto_authorization_checked,
        provisioner_roles,
        sign_connections_as_moto_user,
    )

    answer_denials_like_aws(monkeypatch)
    user = sign_connections_as_moto_user(url, monkeypatch)
    provisioner_roles(url, user, {EMR_ACCOUNT: "elasticmapreduce:ListClusters"})
    with moto_authorization_checked(url):
        yield


def teardown(job_flow_id: str | None, **kwargs: Any) -> TerminateClusterOperator:
    return TerminateClusterOperator(
        task_id="terminate_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=job_flow_id,
        launch_task_id="launch_cluster",
        **kwargs,
    )


def state(emr: Any, cluster_id: str) -> str:
    return str(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])


def key_of(emr: Any, cluster_id: str) -> str:
    """The cluster's idempotency key (its tag's value)."""
    tags = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"]
    return str(next(tag["Value"] for tag in tags if tag["Key"] == IDEMPOTENCY_TAG))


def second_cluster_of_the_key(emr: Any, key: str) -> str:
    """Another active cluster under ``key``: one a ``RunJobFlow`` sent again after a lost answer started."""
    tags = [{"Key": IDEMPOTENCY_TAG, "Value": key}]
    return str(emr.run_job_flow(**small_cluster("partner-export", Tags=tags))["JobFlowId"])


def run_teardown(operator: TerminateClusterOperator, run: Any) -> tuple[list[str], RecordingTaskInstance]:
    """Run the teardown as a task of ``run`` (``None``: outside one); return its calls and its task instance."""
    ti = RecordingTaskInstance(task_id=operator.task_id, run_id=RUN_ID)
    context: dict[str, Any] = {"ti": ti, "task_instance": ti}
    if run is not None:
        context["dag_run"] = run
    recorder = CallRecorder()
    with recorder.everything():
        execute_as_task(operator, context)
    return recorder.calls, ti


def test_a_teardown_given_its_cluster_ends_it_though_list_clusters_is_refused(
    moto_url: str,
    emr: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """
    The cluster the launch returned is terminated, ``ListClusters`` is refused after it, and the warning names the
    refused action and the key's tag: the launch's second cluster, which the search would have ended, stays, named
    by its tag (before: ``AccessDeniedError`` before ``TerminateJobFlows``, both clusters ``WAITING``).
    """
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ours, _ = launch(run)
    key = key_of(emr, ours)
    other = second_cluster_of_the_key(emr, key)

    with list_clusters_refused(moto_url, monkeypatch), caplog.at_level(logging.WARNING):
        calls, _ = run_teardown(teardown(ours), run)

    assert calls.index("TerminateJobFlows") < calls.index("ListClusters")  # the search, refused, came after
    assert calls.count("TerminateJobFlows") == 1
    assert state(emr, ours) in ENDED
    assert state(emr, other) == "WAITING"  # not found: the warning names its tag
    logged = capfd.readouterr().out + caplog.text
    assert "ListClusters was refused" in logged
    assert f"{IDEMPOTENCY_TAG}={key}" in logged


def test_without_a_job_flow_id_a_refused_list_clusters_fails_the_teardown(
    moto_url: str, emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search is the only way to the launch's cluster: refused, the task fails naming the action (as documented)."""
    from airflow_provider_emrfs_xacct.hooks.errors import AccessDeniedError

    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ours, _ = launch(run)

    with list_clusters_refused(moto_url, monkeypatch), pytest.raises(AccessDeniedError, match="ListClusters"):
        run_teardown(teardown(None), run)

    assert state(emr, ours) == "WAITING"


def test_a_teardown_given_a_cluster_it_may_not_describe_still_terminates_it(
    moto_url: str,
    emr: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """
    ``DescribeCluster`` refused on the cluster given (a tag-based policy): ``TerminateJobFlows`` is sent and the
    cluster ends; its tag is not read, which a warning says, and the logs link is left out (its location is read with
    ``DescribeCluster``). Before, the upstream operator's ``execute`` read the log location first, and its refusal
    failed the task with no ``TerminateJobFlows`` sent.
    """
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ours, _ = launch(run)
    our_arn = emr.describe_cluster(ClusterId=ours)["Cluster"]["ClusterArn"]

    with describe_cluster_refused(moto_url, monkeypatch, [our_arn]), caplog.at_level(logging.WARNING):
        calls, ti = run_teardown(teardown(ours), run)

    assert calls.count("TerminateJobFlows") == 1
    assert state(emr, ours) in ENDED
    logged = capfd.readouterr().out + caplog.text
    assert f"DescribeCluster of cluster {ours} was refused" in logged
    assert ti.xcoms["emr_cluster"]["job_flow_id"] == ours  # the cluster's link is kept
    assert "emr_logs" not in ti.xcoms


def test_a_teardown_allowed_to_describe_its_cluster_keeps_both_console_links(moto_url: str, emr: Any) -> None:
    """As the upstream operator: the cluster's link, and its logs' at the cluster's ``LogUri``."""
    cluster_id = emr.run_job_flow(**small_cluster("by-hand", LogUri="s3://partner-logs/emr/"))["JobFlowId"]

    calls, ti = run_teardown(teardown(cluster_id), None)

    assert calls.count("TerminateJobFlows") == 1
    assert state(emr, cluster_id) in ENDED
    assert ti.xcoms["emr_cluster"]["job_flow_id"] == cluster_id
    assert ti.xcoms["emr_logs"]["job_flow_id"] == cluster_id
    assert ti.xcoms["emr_logs"]["log_uri"] == "partner-logs/emr/"
