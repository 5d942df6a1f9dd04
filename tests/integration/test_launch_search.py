"""
The search by idempotency key reads only the clusters created since the task's DAG run became runnable.

``ListClusters`` returns no tags, so the search describes each cluster it lists (``DescribeCluster``). In a
busy account every launch would describe every active cluster: the search lists only those created after
the run's bound (``CreatedAfter``, "the creation date and time beginning value filter for listing clusters",
Amazon EMR API Reference, "ListClusters"), and describes those named as the launch first. moto honours
``CreatedAfter`` (``ElasticMapReduceBackend.list_clusters``): the first test checks it, not the provider.

The clusters of other runs are made older by setting their creation time in the in-process moto backend:
clusters launched hours before, still running.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.api.datamodels._generated import DagRun, DagRunState, DagRunType

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import (
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
    idempotency_key,
)
from devstack.aws_pages import short_pages
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, REGION, client
from devstack.testing import CallRecorder, RecordingTaskInstance, execute_as_task, run_operator, small_cluster
from tests.integration.test_links_and_teardown import state_filtered_lists_leave_out

if TYPE_CHECKING:
    from collections.abc import Iterator

SECURITY_CONFIGURATION = "emrfs-xacct-search-0123456789ab"
RUN_ID = "scheduled__2026-01-02T00:00:00+00:00"
#: Active clusters of the account launched before the run (other DAGs, earlier runs).
OLDER_CLUSTERS = 30


def dag_run(run_after: datetime, start_date: datetime | None = None) -> DagRun:
    """The DAG run of a task's context, as the Task SDK gives it (``TIRunContext.dag_run``)."""
    return DagRun(
        dag_id="test_dag",
        run_id=RUN_ID,
        logical_date=None,
        data_interval_start=None,
        data_interval_end=None,
        run_after=run_after,
        start_date=start_date or run_after,
        end_date=None,
        run_type=DagRunType.SCHEDULED,
        state=DagRunState.RUNNING,
        consumed_asset_events=[],
        partition_key=None,
    )


def backdate(cluster_id: str, age: timedelta) -> None:
    """Make the cluster as old as ``age``: its creation time in moto, which ``ListClusters`` filters on."""
    from moto.emr.models import emr_backends

    cluster = emr_backends[EMR_ACCOUNT][REGION].clusters[cluster_id]
    cluster.creation_datetime = cluster.creation_datetime - age


@pytest.fixture
def emr(moto_url: str) -> Any:
    """An EMR client with the launch's security configuration and 30 active clusters launched 3 hours ago."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=SECURITY_CONFIGURATION, SecurityConfiguration=json.dumps({}))
    for index in range(OLDER_CLUSTERS):
        tags = [{"Key": IDEMPOTENCY_TAG, "Value": f"older-{index}"}]
        backdate(emr.run_job_flow(**small_cluster(f"older-{index}", Tags=tags))["JobFlowId"], timedelta(hours=3))
    return emr


def launch_operator(name: str = "partner-export") -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=SECURITY_CONFIGURATION,
        job_flow_overrides=small_cluster(name),
    )


def run_in(operator: Any, run: DagRun | None, try_number: int = 1) -> tuple[Any, list[str]]:
    """
    Run the operator in a task of ``run`` (its context has the DAG run, as the task runner's); return the calls.

    ``None``: a context without a DAG run (the command line).
    """
    ti = RecordingTaskInstance(task_id=operator.task_id, run_id=RUN_ID, try_number=try_number)
    recorder = CallRecorder()
    context: dict[str, Any] = {"ti": ti, "task_instance": ti}
    if run is not None:
        context["dag_run"] = run
    with recorder.everything():
        result = execute_as_task(operator, context)
    return result, recorder.calls


def launch(run: DagRun | None, try_number: int = 1, name: str = "partner-export") -> tuple[str, list[str]]:
    return run_in(launch_operator(name), run, try_number)


def test_moto_lists_only_the_clusters_created_after_the_bound(emr: Any) -> None:
    young = emr.run_job_flow(**small_cluster("young"))["JobFlowId"]

    listed = emr.list_clusters(CreatedAfter=datetime.now(timezone.utc) - timedelta(hours=1))["Clusters"]

    assert [cluster["Id"] for cluster in listed] == [young]
    assert len(emr.list_clusters()["Clusters"]) == OLDER_CLUSTERS + 1


def test_a_launch_and_its_retry_describe_only_the_clusters_of_their_run(emr: Any) -> None:
    """30 older active clusters: neither try describes them (before, each try sent 30 more DescribeCluster)."""
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))

    first, first_calls = launch(run)
    again, retry_calls = launch(run, try_number=2)

    assert again == first
    assert first_calls.count("RunJobFlow") == 1
    assert retry_calls.count("RunJobFlow") == 0
    # The search's one (the retry's own cluster) and the upstream operator's, for its logs link.
    assert first_calls.count("DescribeCluster") <= 1
    assert retry_calls.count("DescribeCluster") <= 2


def test_a_task_cleared_in_an_old_run_finds_its_still_active_cluster(emr: Any) -> None:
    """
    Clearing a finished run sets its start date anew (``clear_task_instances``): the run's ``run_after``
    still bounds the cluster its first try launched, two hours ago, and still running.
    """
    now = datetime.now(timezone.utc)
    first, _ = launch(dag_run(run_after=now))
    backdate(first, timedelta(hours=2))
    cleared = dag_run(run_after=now - timedelta(hours=2, minutes=5), start_date=now)

    again, calls = launch(cleared, try_number=2)

    assert again == first
    assert calls.count("RunJobFlow") == 0


def test_the_launch_describes_the_clusters_of_its_name_first(emr: Any) -> None:
    """Other launches of the same run (a backfill of many partners) are listed too; the retry reads its own first."""
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ours, _ = launch(run, name="partner-export-b")
    siblings = [
        emr.run_job_flow(**small_cluster(f"partner-export-{index}", Tags=[{"Key": IDEMPOTENCY_TAG, "Value": "x"}]))
        for index in range(5)
    ]
    while all(sibling["JobFlowId"] > ours for sibling in siblings):  # moto lists by id: one must come before ours
        siblings.append(emr.run_job_flow(**small_cluster("partner-export-z")))

    again, calls = launch(run, try_number=2, name="partner-export-b")

    assert again == ours
    assert calls.count("DescribeCluster") == 2  # its own, then the upstream operator's for the logs link


def test_the_teardown_finds_the_launch_cluster_among_the_run_clusters_only(emr: Any) -> None:
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ours, _ = launch(run)
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=None, launch_task_id="launch_cluster"
    )

    _, calls = run_in(teardown, run)

    assert calls.count("DescribeCluster") <= 2  # the search's (its cluster) and the upstream operator's
    assert "TerminateJobFlows" in calls
    assert emr.describe_cluster(ClusterId=ours)["Cluster"]["Status"]["State"] in ("TERMINATING", "TERMINATED")


def test_outside_a_dag_run_every_active_cluster_is_searched(emr: Any) -> None:
    """No DAG run in the context (the command line): no bound, as before; the older cluster of the key is found."""
    key = idempotency_key({"ti": RecordingTaskInstance(task_id="launch_cluster")})  # type: ignore[typeddict-item]
    tags = [{"Key": IDEMPOTENCY_TAG, "Value": key}]
    older = emr.run_job_flow(**small_cluster("older", SecurityConfiguration=SECURITY_CONFIGURATION, Tags=tags))
    backdate(older["JobFlowId"], timedelta(hours=3))

    found, _, _ = run_operator(launch_operator())

    assert found == older["JobFlowId"]


@pytest.mark.parametrize("in_a_run", [True, False], ids=["bounded-by-the-run", "outside-a-run"])
def test_a_retried_launch_whose_cluster_ended_launches_a_new_one(emr: Any, in_a_run: bool) -> None:
    """
    The search lists clusters in any state (no ``ClusterStates`` filter) and keeps the active ones itself: the first
    try's cluster, terminated since, is not returned as the launch's (it can run no step), and the retry launches.
    """
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5)) if in_a_run else None
    first, _ = launch(run)
    emr.terminate_job_flows(JobFlowIds=[first])
    assert emr.describe_cluster(ClusterId=first)["Cluster"]["Status"]["State"].startswith("TERMINAT")

    again, calls = run_in(launch_operator(), run, try_number=2)

    assert again != first
    assert calls.count("RunJobFlow") == 1


@pytest.mark.parametrize("in_a_run", [True, False], ids=["bounded-by-the-run", "outside-a-run"])
def test_a_retried_launch_finds_its_cluster_though_a_state_filtered_list_leaves_it_out(
    emr: Any, in_a_run: bool
) -> None:
    """
    A list filtered by state may leave out a cluster changing state (Amazon EMR API Reference, "ListClusters":
    "Clusters that change state while this action runs may be not be returned as expected"), as the cluster of
    a launch that failed while waiting is. The retry's search lists without that filter (with ``CreatedAfter`` in a
    run, unbounded outside one): it returns the first try's cluster and starts no second one.
    """
    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5)) if in_a_run else None
    first, _ = launch(run)
    retry = launch_operator()
    sent = state_filtered_lists_leave_out(retry.hook.conn, {first})

    again, calls = run_in(retry, run, try_number=2)

    assert again == first
    assert calls.count("RunJobFlow") == 0
    assert sent  # the search listed the clusters
    assert ("CreatedAfter" in sent[0]) is in_a_run
    active = emr.list_clusters(ClusterStates=["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"])["Clusters"]
    assert [cluster["Id"] for cluster in active if cluster["Name"] == "partner-export"] == [first]


def test_a_run_after_in_the_future_does_not_bound_a_try_running_now() -> None:
    """``airflow tasks test`` with a future date: ``run_after`` is that date's interval end, and no start date."""
    from airflow_provider_emrfs_xacct.operators.emr import CLOCK_SKEW_MARGIN, launch_search_bound

    future = dag_run(run_after=datetime.now(timezone.utc) + timedelta(days=30))
    future.start_date = None

    bound = launch_search_bound({"dag_run": future})  # type: ignore[typeddict-item]

    assert bound is not None
    assert bound <= datetime.now(timezone.utc) - CLOCK_SKEW_MARGIN


@pytest.mark.parametrize("again", ["airflow tasks test", "run deleted and created again"])
def test_a_try_numbered_one_again_finds_the_cluster_its_key_already_launched(
    emr: Any, again: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``try_number == 1`` does not prove that no earlier try launched: the search runs on first tries too.

    ``airflow tasks test DAG TASK RUN_ID`` runs the run's task instance as it is, its try number unchanged
    (Airflow 3.3 ``cli/commands/task_command.py``: ``task_test`` then ``sdk/definitions/dag.py``: ``_run_task``
    sends ``try_number=ti.try_number``, and ``ti_run`` accepts it once it is set back to queued); a run deleted
    and created again under the same run id has new task instances that start again at 1 (``schedule_tis``),
    with the same idempotency key when the deployment is named (the new run has a new start date:
    ``test_deployment_key.py``). The launch's name changed in between (the DAG file was edited): only the
    tag tells the cluster, so every cluster of the run's window is read, one a page (``short_pages``).
    """
    monkeypatch.setenv("AIRFLOW__EMRFS_XACCT__DEPLOYMENT_NAME", "production")
    now = datetime.now(timezone.utc)
    run = dag_run(run_after=now - timedelta(minutes=5))
    first, _ = launch(run)
    for index in range(3):  # siblings of the run: a search of the new name alone would read none of them
        emr.run_job_flow(**small_cluster(f"partner-export-{index}", Tags=[{"Key": IDEMPOTENCY_TAG, "Value": "x"}]))
    rerun = run if again == "airflow tasks test" else dag_run(run_after=now)

    with short_pages(1):
        found, calls = launch(rerun, try_number=1, name="partner-export-v2")

    assert found == first
    assert calls.count("RunJobFlow") == 0


def test_a_search_again_in_one_task_describes_only_the_clusters_it_has_not_read(
    emr: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A launch searches again after each failed ``RunJobFlow`` attempt (and before re-creating a deleted security
    configuration, then in ``create_job_flow``): the run's sibling clusters, read once tagged with another key, are
    not described again (a cluster without the tag is), and the result is the same: ``None`` with the same warning about a namesake, then the
    cluster of the key once it is launched, and the same refusal when its configuration differs.
    """
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
    from airflow_provider_emrfs_xacct.pure.launch_arguments import launch_key

    key = launch_key("task-instance", "production")
    hook = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID, emr_conn_id=None)
    hook.launch_created_after = datetime.now(timezone.utc) - timedelta(hours=1)
    siblings = [{"Key": IDEMPOTENCY_TAG, "Value": launch_key(f"sibling-{index}", "production")} for index in range(3)]
    for index, tag in enumerate(siblings):
        emr.run_job_flow(**small_cluster(f"partner-export-{index}", Tags=[tag]))
    emr.run_job_flow(**small_cluster("untagged"))
    namesake = emr.run_job_flow(
        **small_cluster(
            "staging-copy", Tags=[{"Key": IDEMPOTENCY_TAG, "Value": launch_key("task-instance", "staging")}]
        )
    )["JobFlowId"]
    config = small_cluster("partner-export", SecurityConfiguration=SECURITY_CONFIGURATION)

    searches = []
    for _ in range(2):
        caplog.clear()
        capfd.readouterr()
        with CallRecorder().everything() as calls:
            searches.append((hook.find_launched_cluster(key, config), calls.calls.count("DescribeCluster")))
        assert f"Active cluster(s) {namesake} carry" in capfd.readouterr().out + caplog.text  # both times
    assert searches == [(None, 5), (None, 1)]  # the untagged one again: its tags may not all have shown

    ours = emr.run_job_flow(**{**config, "Tags": [{"Key": IDEMPOTENCY_TAG, "Value": key}]})["JobFlowId"]
    for _ in range(2):
        with CallRecorder().everything() as calls:
            assert hook.find_launched_cluster(key, config) == ours
        assert calls.calls.count("DescribeCluster") == 1  # its own, found anew each time
    with pytest.raises(ConflictError, match=f"security_configuration: cluster {ours}"):
        hook.find_launched_cluster(key, {**config, "SecurityConfiguration": "another-configuration"})


def test_a_cluster_described_without_the_tag_is_described_again_by_the_next_search(emr: Any) -> None:
    """
    AWS does not document that a cluster's first ``DescribeCluster`` already shows every tag ``RunJobFlow`` gave it
    (Amazon EMR API Reference, "RunJobFlow", "DescribeCluster"): a launch whose ``RunJobFlow`` answer was lost may
    describe its own cluster before its tags show. Kept as "not this key", every later search of the task would skip
    it, and the next attempt would launch a second cluster. Here the tag comes later by ``AddTags``, standing for a
    tag list that shows late: the next search finds the cluster.
    """
    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.pure.launch_arguments import launch_key

    key = launch_key("task-instance", "production")
    hook = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID, emr_conn_id=None)
    hook.launch_created_after = datetime.now(timezone.utc) - timedelta(hours=1)
    config = small_cluster("partner-export")
    ours = emr.run_job_flow(**config)["JobFlowId"]

    before = hook.find_launched_cluster(key, config)
    emr.add_tags(ResourceId=ours, Tags=[{"Key": IDEMPOTENCY_TAG, "Value": key}])

    assert before is None
    assert hook.find_launched_cluster(key, config) == ours


def describe_cluster_resource(self: Any) -> str:
    """
    The resource moto's IAM authorization checks a request against: a ``DescribeCluster``'s cluster ARN, else ``*``.

    moto authorizes EMR actions on ``*`` only (``BaseResponse.call_action``: ``_determine_resource`` when the response
    class has one, which EMR's has not); EMR authorizes ``DescribeCluster`` on the cluster (Service Authorization
    Reference, "Actions, resources, and condition keys for Amazon EMR": resource type ``cluster``,
    ``arn:${Partition}:elasticmapreduce:${Region}:${Account}:cluster/${ClusterId}``).
    """
    if self._get_action() != "DescribeCluster":
        return "*"
    cluster_id = json.loads(self.body or "{}").get("ClusterId", "*")
    return f"arn:aws:elasticmapreduce:{self.region}:{self.current_account}:cluster/{cluster_id}"


@contextmanager
def describe_cluster_refused(url: str, monkeypatch: pytest.MonkeyPatch, cluster_arns: list[str]) -> Iterator[None]:
    """
    Inside the block, the connections' role may do everything but ``DescribeCluster`` on ``cluster_arns``.

    It stands for a tag-based policy in an account shared by teams (Amazon EMR Management Guide, "IAM policies for
    tag-based access to clusters and EMR notebooks"): allowed on the clusters of its team's tag, and on no other
    team's. moto does not evaluate ``elasticmapreduce:ResourceTag`` conditions, so the other team's clusters are
    denied by their ARNs: the same answer, ``AccessDeniedException``, from moto's own authorization over HTTP (the
    connections sign as an IAM user moto issued, then assume the provisioner role, whose policy is checked).
    """
    from moto.emr.responses import ElasticMapReduceResponse

    from devstack.testing import (
        ALLOW_EVERYTHING,
        answer_denials_like_aws,
        moto_authorization_checked,
        provisioner_roles,
        sign_connections_as_moto_user,
    )

    monkeypatch.setattr(ElasticMapReduceResponse, "_determine_resource", describe_cluster_resource, raising=False)
    answer_denials_like_aws(monkeypatch)
    user = sign_connections_as_moto_user(url, monkeypatch)
    other_teams = {"Effect": "Deny", "Action": "elasticmapreduce:DescribeCluster", "Resource": cluster_arns}
    provisioner_roles(url, user, {}, allowed=[ALLOW_EVERYTHING, other_teams])
    with moto_authorization_checked(url):
        yield


def another_teams_cluster(emr: Any, name: str = "analytics-daily") -> tuple[str, str]:
    """An active cluster of another team, launched in the run's window (listed by its search); its id and ARN."""
    tags = [{"Key": "department", "Value": "analytics"}]
    cluster_id = emr.run_job_flow(**small_cluster(name, Tags=tags))["JobFlowId"]
    return cluster_id, emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["ClusterArn"]


@pytest.mark.parametrize("search", ["retry", "teardown", "failed deferral"])
def test_a_cluster_the_connection_may_not_describe_is_skipped_by_every_search(
    moto_url: str,
    emr: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    search: str,
) -> None:
    """
    Another team's active cluster, in the launch's run's window, answers ``DescribeCluster`` with
    ``AccessDeniedException``: the launch, its retry, the teardown and the failed deferral's clean-up skip it, name it
    in a warning, and find the launch's own cluster (before, each failed on it: the launch with an AccessDeniedError).
    """
    from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason
    from airflow.sdk.exceptions import TaskDeferralTimeout

    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    theirs, their_arn = another_teams_cluster(emr)
    teardown = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=None, launch_task_id="launch_cluster"
    )

    with describe_cluster_refused(moto_url, monkeypatch, [their_arn]):
        ours, first_calls = launch(run)
        if search == "retry":
            again, calls = launch(run, try_number=2)
            assert again == ours
            assert calls.count("RunJobFlow") == 0
        elif search == "teardown":
            _, calls = run_in(teardown, run)
            assert "TerminateJobFlows" in calls
        else:
            ti = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID, try_number=1)
            with pytest.raises(TaskDeferralTimeout):
                launch_operator().resume_execution(
                    TRIGGER_FAIL_REPR,
                    {"error": TriggerFailureReason.TRIGGER_TIMEOUT},
                    {"ti": ti, "task_instance": ti, "dag_run": run},  # type: ignore[typeddict-item]
                )

    assert ours != theirs
    assert first_calls.count("RunJobFlow") == 1
    logged = capfd.readouterr().out + caplog.text
    assert f"DescribeCluster was refused (access denied) for active cluster(s) {theirs}: skipped" in logged
    state = emr.describe_cluster(ClusterId=ours)["Cluster"]["Status"]["State"]
    assert (state in ("TERMINATING", "TERMINATED")) is (search != "retry"), state
    assert emr.describe_cluster(ClusterId=theirs)["Cluster"]["Status"]["State"] == "WAITING"  # left alone


def test_a_cluster_not_described_of_the_launchs_own_name_stops_a_retry_from_launching_another(
    moto_url: str, emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A refused ``DescribeCluster`` of an active cluster named as the launch's may be the one the first try launched
    (a connection that may not describe its own clusters): the retry is refused with the denial before
    ``RunJobFlow``, rather than start a second cluster (skipped, it launched one).
    """
    from airflow_provider_emrfs_xacct.hooks.errors import AccessDeniedError

    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ours, _ = launch(run)
    our_arn = emr.describe_cluster(ClusterId=ours)["Cluster"]["ClusterArn"]

    with describe_cluster_refused(moto_url, monkeypatch, [our_arn]), pytest.raises(AccessDeniedError) as refused:
        launch(run, try_number=2)

    assert "DescribeCluster" in str(refused.value)
    young = emr.list_clusters(CreatedAfter=datetime.now(timezone.utc) - timedelta(hours=1))["Clusters"]
    assert [cluster["Id"] for cluster in young] == [ours]  # no second cluster


def test_another_error_of_a_clusters_description_still_fails_the_search(
    moto_url: str, emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a denial is skipped: EMR's ``InvalidRequestException`` to a ``DescribeCluster`` fails the launch before ``RunJobFlow``."""
    from botocore.exceptions import ClientError

    from devstack.fault_proxy import FaultProxy
    from devstack.moto_stack import airflow_environment

    run = dag_run(run_after=datetime.now(timezone.utc) - timedelta(minutes=5))
    theirs, _ = another_teams_cluster(emr)

    def refuse_descriptions(operation: str) -> tuple[int, str, str] | None:
        return (400, "InvalidRequestException", "not a denial") if operation == "DescribeCluster" else None

    with FaultProxy(moto_url, intercept=refuse_descriptions) as proxy, monkeypatch.context() as patch:
        for name, value in airflow_environment(proxy.url).items():
            patch.setenv(name, value)
        with pytest.raises(ClientError) as caught:
            launch(run)

    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    assert caught.value.operation_name == "DescribeCluster"
    listed = emr.list_clusters(CreatedAfter=run.run_after - timedelta(hours=1))["Clusters"]
    assert [cluster["Id"] for cluster in listed] == [theirs]  # no RunJobFlow was sent
