"""LaunchClusterWithSecConfigOperator against moto: security configuration, idempotency tag, retries, waiting."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import ACTIVE_CLUSTER_STATES, IDEMPOTENCY_TAG, reported_field
from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, idempotency_key
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError, PreconditionError
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import (
    EMR_ACCOUNT,
    EMR_CONN_ID,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, execute_as_task, run_operator, small_cluster

SECURITY_CONFIGURATION = "emrfs-xacct-launch-0123456789ab"
USER_TAGS = [{"Key": "team", "Value": "data-platform"}, {"Key": "cost-center", "Value": "42"}]


def overrides(**changes: Any) -> dict[str, Any]:
    """RunJobFlow arguments for a small cluster; moto keeps it WAITING because it stays alive without steps."""
    arguments: dict[str, Any] = small_cluster("partner-export", Tags=[dict(tag) for tag in USER_TAGS])
    arguments.update(changes)
    return arguments


def make_operator(**kwargs: Any) -> LaunchClusterWithSecConfigOperator:
    arguments: dict[str, Any] = {
        "task_id": "launch_cluster",
        "aws_conn_id": EMR_CONN_ID,
        "emr_conn_id": None,
        "security_configuration": SECURITY_CONFIGURATION,
        "job_flow_overrides": overrides(),
    }
    arguments.update(kwargs)
    return LaunchClusterWithSecConfigOperator(**arguments)


@pytest.fixture
def emr(moto_url: str) -> Any:
    """A plain boto3 EMR client in the EMR account, with the security configuration the launches name."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(
        Name=SECURITY_CONFIGURATION,
        SecurityConfiguration=json.dumps(
            {
                "AuthorizationConfiguration": {
                    "EmrFsConfiguration": {
                        "RoleMappings": [
                            {
                                "Role": "arn:aws:iam::222222222222:role/partner-writer",
                                "IdentifierType": "Prefix",
                                "Identifiers": ["s3://partner-results-b/daily/"],
                            }
                        ]
                    }
                }
            }
        ),
    )
    return emr


def recorder_for(operator: LaunchClusterWithSecConfigOperator) -> CallRecorder:
    """Record every call of the operator's hook, on each client it has (as ``run_operator`` does)."""
    return CallRecorder().attach(operator.hook.conn).attach(operator.hook.client_sending_once)


def active_clusters(emr: Any) -> list[str]:
    return [cluster["Id"] for cluster in emr.list_clusters(ClusterStates=list(ACTIVE_CLUSTER_STATES))["Clusters"]]


def tags_of(emr: Any, cluster_id: str) -> list[dict[str, str]]:
    return emr.describe_cluster(ClusterId=cluster_id)["Cluster"].get("Tags", [])


def test_launch_sets_security_configuration_and_idempotency_tag(emr: Any) -> None:
    ti = RecordingTaskInstance(task_id="launch_cluster")

    cluster_id, recorder, ti = run_operator(make_operator(), ti)

    assert cluster_id.startswith("j-")
    # Check the configuration, the instance profile's role, whether the service role asks the cluster a tag it lacks
    # (its attached policies), look for a cluster of this task instance, launch, read the log URI for the link.
    assert recorder.calls == [
        "DescribeSecurityConfiguration",
        "GetInstanceProfile",
        "ListAttachedRolePolicies",
        "ListClusters",
        "RunJobFlow",
        "DescribeCluster",
    ]
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["SecurityConfiguration"] == SECURITY_CONFIGURATION
    assert cluster["Name"] == "partner-export"
    tags = cluster["Tags"]
    for tag in USER_TAGS:
        assert tag in tags
    assert {"Key": IDEMPOTENCY_TAG, "Value": idempotency_key({"ti": ti})} in tags
    assert len(tags) == len(USER_TAGS) + 1
    assert active_clusters(emr) == [cluster_id]
    # The upstream operator's console links went to XCom with the cluster id.
    assert ti.xcoms["emr_cluster"]["job_flow_id"] == cluster_id


def test_user_idempotency_tag_is_replaced_not_duplicated(emr: Any) -> None:
    forged = overrides(Tags=[*USER_TAGS, {"Key": IDEMPOTENCY_TAG, "Value": "chosen-by-user"}])

    cluster_id, _, ti = run_operator(make_operator(job_flow_overrides=forged))

    keys = [tag for tag in tags_of(emr, cluster_id) if tag["Key"] == IDEMPOTENCY_TAG]
    assert keys == [{"Key": IDEMPOTENCY_TAG, "Value": idempotency_key({"ti": ti})}]


def test_overrides_as_json_text(emr: Any) -> None:
    """A templated job_flow_overrides may render to JSON text (true/false, not True/False)."""
    cluster_id, recorder, _ = run_operator(make_operator(job_flow_overrides=json.dumps(overrides())))

    assert recorder.calls.count("RunJobFlow") == 1
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["SecurityConfiguration"] == SECURITY_CONFIGURATION
    assert cluster["AutoTerminate"] is False


def test_same_security_configuration_in_overrides_is_accepted(emr: Any) -> None:
    operator = make_operator(job_flow_overrides=overrides(SecurityConfiguration=SECURITY_CONFIGURATION))

    cluster_id, _, _ = run_operator(operator)

    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["SecurityConfiguration"] == SECURITY_CONFIGURATION


def test_missing_security_configuration_fails_before_run_job_flow(moto_url: str) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    operator = make_operator(security_configuration="does-not-exist-0123456789ab")
    recorder = recorder_for(operator)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(PreconditionError, match="does-not-exist-0123456789ab"):
        operator.execute({"ti": ti, "task_instance": ti})

    assert "RunJobFlow" not in recorder.calls
    assert recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


def test_conflicting_security_configuration_in_overrides_is_refused(connections: None) -> None:
    operator = make_operator(job_flow_overrides=overrides(SecurityConfiguration="someone-elses-config"))
    recorder = recorder_for(operator)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(InvalidParameterError) as caught:
        operator.execute({"ti": ti, "task_instance": ti})

    assert caught.value.field == "job_flow_overrides.SecurityConfiguration"
    assert "someone-elses-config" in str(caught.value)
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"security_configuration": "bad\tname\x1f"}, "security_configuration", id="bad-name"),
        pytest.param({"security_configuration": " Prod EMRFS roles"}, "security_configuration", id="leading-space"),
        pytest.param(
            {"security_configuration": None, "job_flow_overrides": overrides(SecurityConfiguration="x\x00")},
            "job_flow_overrides.SecurityConfiguration",
            id="overrides-name-control-character",
        ),
        pytest.param({"security_configuration": ""}, "security_configuration", id="empty-name"),
        pytest.param({"job_flow_overrides": overrides(Tags={"team": "x"})}, "job_flow_overrides.Tags", id="tags-dict"),
        pytest.param({"job_flow_overrides": "[1, 2]"}, "job_flow_overrides", id="overrides-not-dict"),
    ],
)
def test_bad_arguments_are_refused_before_any_aws_call(connections: None, kwargs: dict[str, Any], field: str) -> None:
    operator = make_operator(**kwargs)
    recorder = recorder_for(operator)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(InvalidParameterError) as caught:
        operator.execute({"ti": ti, "task_instance": ti})

    assert caught.value.field == field
    assert recorder.calls == []


def test_retried_task_returns_same_cluster_without_second_launch(emr: Any) -> None:
    first_try = RecordingTaskInstance(task_id="launch_cluster", run_id="scheduled__2026-01-02T00:00:00+00:00")
    first_id, first_recorder, _ = run_operator(make_operator(), first_try)
    second_try = RecordingTaskInstance(
        task_id="launch_cluster", run_id="scheduled__2026-01-02T00:00:00+00:00", try_number=2
    )

    second_id, second_recorder, second_ti = run_operator(make_operator(), second_try)

    assert second_id == first_id
    assert first_recorder.calls.count("RunJobFlow") == 1
    assert second_recorder.calls.count("RunJobFlow") == 0
    assert second_recorder.mutating == []
    assert active_clusters(emr) == [first_id]
    assert second_ti.xcoms["emr_cluster"]["job_flow_id"] == first_id


def test_a_launch_logs_its_cluster_as_the_runs_own_not_no_changes(emr: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """
    A launch that changes nothing in the accounts' set-up still launches a cluster: its log names it as the run's
    own, where it said "No changes." (a task with nothing to do, docs/concepts.md) right before ``RunJobFlow``.
    The plan in XCom stays empty, so a rerun's plan does too; a retry that takes its earlier try's cluster names it.
    """
    capsys.readouterr()
    cluster_id, _, ti = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster"))
    retried_id, _, retry = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster", try_number=2))

    output = capsys.readouterr().out
    assert retried_id == cluster_id
    line = f"No changes to the accounts' set-up; cluster {cluster_id} launched for this run (not counted as a change)"
    assert output.count(line) == 2
    assert "No changes." not in output
    assert ti.xcoms["plan"] == retry.xcoms["plan"] == []


def test_a_launch_that_creates_its_configuration_reports_it_and_names_its_cluster(
    emr: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The configuration the launch created (deleted since its create task) is its change; the cluster is named apart."""
    document = json.loads(emr.describe_security_configuration(Name=SECURITY_CONFIGURATION)["SecurityConfiguration"])
    name = security_configuration_name("emrfs-xacct-launch", document)
    operator = make_operator(security_configuration=name, security_configuration_document=document)
    capsys.readouterr()

    cluster_id, _, ti = run_operator(operator, RecordingTaskInstance(task_id="launch_cluster"))

    output = capsys.readouterr().out
    (change,) = ti.xcoms["plan"]
    assert change["resource"] == f"emr security configuration {name}"
    assert "Applied: 1 added, 0 changed, 0 destroyed." in output
    assert f"Cluster {cluster_id} launched for this run (not counted as a change)" in output
    assert "No changes" not in output


def test_a_retry_with_another_security_configuration_is_refused_not_handed_the_old_cluster(emr: Any) -> None:
    """
    A cluster keeps the security configuration it was launched with (it is a RunJobFlow parameter; EMR
    Management Guide, "Use security configurations to set up cluster security"): returning it would hand
    the task the old configuration's access.
    """
    emr.create_security_configuration(
        Name="emrfs-xacct-launch-fedcba987654",
        SecurityConfiguration=emr.describe_security_configuration(Name=SECURITY_CONFIGURATION)["SecurityConfiguration"],
    )
    first_id, _, _ = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster"))
    second_try = RecordingTaskInstance(task_id="launch_cluster", try_number=2)

    with pytest.raises(ConflictError, match=f"security_configuration: cluster {first_id}"):
        run_operator(make_operator(security_configuration="emrfs-xacct-launch-fedcba987654"), second_try)

    assert active_clusters(emr) == [first_id]


def test_arguments_runjobflow_would_refuse_are_refused_before_a_deleted_configuration_is_created_again(
    emr: Any,
) -> None:
    """
    botocore refuses a RunJobFlow argument of the wrong type (a Properties value must be a string: Amazon
    EMR API Reference, "Configuration") only when the call is sent, after the launch has created a deleted
    configuration again; the launch checks the whole request against the same model first.
    """
    document = json.loads(emr.describe_security_configuration(Name=SECURITY_CONFIGURATION)["SecurityConfiguration"])
    name = security_configuration_name("emrfs-xacct-launch", document)
    bad = overrides(Configurations=[{"Classification": "spark-defaults", "Properties": {"spark.executor.cores": 4}}])
    operator = make_operator(
        security_configuration=name, security_configuration_document=document, job_flow_overrides=bad
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator, RecordingTaskInstance(task_id="launch_cluster"))

    assert refused.value.field == "job_flow_overrides.Configurations[0].Properties.spark.executor.cores"
    assert calls.mutating == []
    assert name not in [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]


def test_a_retry_with_another_deleted_configuration_is_refused_before_it_is_created_again(emr: Any) -> None:
    """
    The same refusal when the retry's configuration was deleted (the clean-up) and its document is known:
    nothing is written before it (safety.md: refused before any change), not even the configuration.
    """
    document = json.loads(emr.describe_security_configuration(Name=SECURITY_CONFIGURATION)["SecurityConfiguration"])
    other = security_configuration_name("emrfs-xacct-launch", document)  # the same content, named by its hash
    assert other != SECURITY_CONFIGURATION
    first_id, _, _ = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster"))
    second_try = RecordingTaskInstance(task_id="launch_cluster", try_number=2)
    retry = make_operator(security_configuration=other, security_configuration_document=document)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match=f"cluster {first_id}"):
        run_operator(retry, second_try)

    assert calls.mutating == []
    assert other not in [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]
    assert active_clusters(emr) == [first_id]


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"run_id": "scheduled__2026-01-03T00:00:00+00:00"}, id="other-run"),
        pytest.param({"map_index": 3}, id="other-map-index"),
        pytest.param({"task_id": "launch_cluster_2"}, id="other-task"),
        pytest.param({"dag_id": "other_dag"}, id="other-dag"),
    ],
)
def test_other_task_instance_launches_new_cluster(emr: Any, other: dict[str, Any]) -> None:
    first_id, _, _ = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster"))
    other_ti = RecordingTaskInstance(**{"task_id": "launch_cluster", **other})

    other_id, recorder, _ = run_operator(make_operator(), other_ti)

    assert other_id != first_id
    assert recorder.calls.count("RunJobFlow") == 1
    assert sorted(active_clusters(emr)) == sorted([first_id, other_id])
    assert {"Key": IDEMPOTENCY_TAG, "Value": idempotency_key({"ti": other_ti})} in tags_of(emr, other_id)


def test_terminated_cluster_is_not_reused(emr: Any) -> None:
    ti = RecordingTaskInstance(task_id="launch_cluster")
    first_id, _, _ = run_operator(make_operator(), ti)
    emr.terminate_job_flows(JobFlowIds=[first_id])
    assert emr.describe_cluster(ClusterId=first_id)["Cluster"]["Status"]["State"] == "TERMINATED"

    second_id, recorder, _ = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster"))

    assert second_id != first_id
    assert recorder.calls.count("RunJobFlow") == 1
    assert active_clusters(emr) == [second_id]


def test_wait_for_completion_returns_once_cluster_is_waiting(emr: Any) -> None:
    operator = make_operator(wait_for_completion=True, waiter_delay=1, waiter_max_attempts=3)

    cluster_id, recorder, _ = run_operator(operator)

    assert recorder.calls.count("RunJobFlow") == 1
    # After the launch: one DescribeCluster for the logs link, then the waiter's poll.
    assert recorder.calls[recorder.calls.index("RunJobFlow") + 1 :] == ["DescribeCluster", "DescribeCluster"]
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "WAITING"


def test_retry_with_wait_for_completion_waits_on_existing_cluster(emr: Any) -> None:
    first_id, _, _ = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster"))

    second_id, recorder, _ = run_operator(
        make_operator(wait_for_completion=True, waiter_delay=1, waiter_max_attempts=3),
        RecordingTaskInstance(task_id="launch_cluster", try_number=2),
    )

    assert second_id == first_id
    assert "RunJobFlow" not in recorder.calls
    assert recorder.mutating == []
    # the instance profile, the service role's policies, find the cluster (list + describe), the logs link, the poll
    assert recorder.calls == [
        "DescribeSecurityConfiguration",
        "GetInstanceProfile",
        "ListAttachedRolePolicies",
        "ListClusters",
        "DescribeCluster",
        "DescribeCluster",
        "DescribeCluster",
    ]


def test_tags_from_emr_connection_are_kept(emr: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    The upstream hook overlays job_flow_overrides on the EMR connection's extra, replacing whole keys.

    The idempotency tag must not make the connection's own Tags disappear when the overrides have none.
    """
    initial = {"Name": "from-connection", "Tags": [{"Key": "cost-center", "Value": "conn-7"}]}
    monkeypatch.setenv("AIRFLOW_CONN_EMR_WITH_TAGS", json.dumps({"conn_type": "emr", "extra": initial}))
    without_tags = {key: value for key, value in overrides().items() if key not in ("Tags", "Name")}
    operator = make_operator(emr_conn_id="emr_with_tags", job_flow_overrides=without_tags)

    cluster_id, _, ti = run_operator(operator)

    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Name"] == "from-connection"
    assert {"Key": "cost-center", "Value": "conn-7"} in cluster["Tags"]
    assert {"Key": IDEMPOTENCY_TAG, "Value": idempotency_key({"ti": ti})} in cluster["Tags"]


def test_tags_in_overrides_replace_connection_tags(emr: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As upstream: Tags given in job_flow_overrides win over the connection's."""
    initial = {"Tags": [{"Key": "cost-center", "Value": "conn-7"}]}
    monkeypatch.setenv("AIRFLOW_CONN_EMR_WITH_TAGS", json.dumps({"conn_type": "emr", "extra": initial}))

    cluster_id, _, _ = run_operator(make_operator(emr_conn_id="emr_with_tags"))

    tags = tags_of(emr, cluster_id)
    assert {"Key": "cost-center", "Value": "conn-7"} not in tags
    assert {"Key": "cost-center", "Value": "42"} in tags


@pytest.mark.parametrize("where", ["security_configuration", "job_flow_overrides"])
def test_a_name_emr_accepts_is_launched_with(emr: Any, where: str) -> None:
    """
    Amazon EMR API Reference, CreateSecurityConfiguration, Name: up to 10280 characters of
    [\\u0020-\\uD7FF...\\r\\n\\t]*, so an organisation's "Prod EMRFS roles" is a valid name.
    """
    name = "Prod EMRFS roles (ünïcode, 2026)"
    emr.create_security_configuration(Name=name, SecurityConfiguration="{}")
    if where == "security_configuration":
        operator = make_operator(security_configuration=name)
    else:
        operator = make_operator(security_configuration=None, job_flow_overrides=overrides(SecurityConfiguration=name))

    cluster_id, _, _ = run_operator(operator)

    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["SecurityConfiguration"] == name


KEEP_ALIVE_FIELD = "job_flow_overrides.Instances.KeepJobFlowAliveWhenNoSteps"
INSTANCES = {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1}
STEP = {
    "Name": "export",
    "ActionOnFailure": "TERMINATE_CLUSTER",
    "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]},
}


def keep_alive(arguments: dict[str, Any]) -> dict[str, Any]:
    return {**arguments, "Instances": {**arguments["Instances"], "KeepJobFlowAliveWhenNoSteps": True}}


def with_steps(arguments: dict[str, Any]) -> dict[str, Any]:
    return {**arguments, "Steps": [STEP]}


def without_instances(arguments: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in arguments.items() if key != "Instances"}


@pytest.mark.parametrize(
    ("extra", "instances", "fix", "auto_terminate"),
    [
        pytest.param(None, INSTANCES, keep_alive, False, id="not-set"),
        pytest.param(None, {**INSTANCES, "KeepJobFlowAliveWhenNoSteps": False}, keep_alive, False, id="false"),
        # With Steps, EMR terminates the cluster after them: a transient cluster, launched as asked.
        pytest.param(None, INSTANCES, with_steps, True, id="steps-given"),
        # The overrides' Instances replaces the extra's whole Instances (the hook's merge is shallow).
        pytest.param(
            {"Instances": {**INSTANCES, "KeepJobFlowAliveWhenNoSteps": True}},
            INSTANCES,
            without_instances,
            False,
            id="extra-replaced",
        ),
    ],
)
def test_a_cluster_that_would_end_once_started_is_refused_before_run_job_flow(
    emr: Any,
    monkeypatch: pytest.MonkeyPatch,
    extra: dict[str, Any] | None,
    instances: dict[str, Any],
    fix: Any,
    auto_terminate: bool,
) -> None:
    """
    Amazon EMR API Reference, "JobFlowInstancesConfig": KeepJobFlowAliveWhenNoSteps "Defaults to false";
    moto, like EMR, then terminates a cluster without steps once it has started. What the error says to
    do is then launched.
    """
    if extra is not None:
        monkeypatch.setenv("AIRFLOW_CONN_EMR_KEEP_ALIVE", json.dumps({"conn_type": "emr", "extra": extra}))
    emr_conn_id = "emr_keep_alive" if extra is not None else None
    refused = overrides(Instances=instances)
    wait = {"wait_for_completion": True, "waiter_delay": 1, "waiter_max_attempts": 3}
    operator = make_operator(emr_conn_id=emr_conn_id, job_flow_overrides=refused, **wait)
    ti = RecordingTaskInstance(task_id=operator.task_id)
    recorder = CallRecorder()

    with recorder.everything(), pytest.raises(InvalidParameterError) as caught:
        execute_as_task(operator, {"ti": ti, "task_instance": ti})

    assert caught.value.field == KEEP_ALIVE_FIELD
    assert "TerminateClusterOperator" in caught.value.problem
    assert "RunJobFlow" not in recorder.calls
    assert recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []

    fixed = make_operator(emr_conn_id=emr_conn_id, job_flow_overrides=fix(refused), **({} if auto_terminate else wait))
    cluster_id, recorder, _ = run_operator(fixed)

    assert recorder.calls.count("RunJobFlow") == 1
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["AutoTerminate"] is auto_terminate
    if not auto_terminate:
        assert cluster["Status"]["State"] == "WAITING"


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("in_extra", [False, True], ids=["overrides", "extra"])
def test_waiting_for_the_end_of_a_cluster_that_stays_up_is_refused_before_any_call(
    emr: Any, monkeypatch: pytest.MonkeyPatch, dry_run: bool, in_extra: bool
) -> None:
    """
    ``WaitPolicy.WAIT_FOR_STEPS_COMPLETION`` waits with the Amazon provider's ``job_flow_terminated`` waiter
    (``waiters/emr.json``: success on ``TERMINATED`` only), which a cluster kept alive ("Specifies whether the cluster
    should remain available after completing all steps", Amazon EMR API Reference, "JobFlowInstancesConfig") without an
    ``AutoTerminationPolicy`` never reaches: the task polled for waiter_max_attempts x waiter_delay while the cluster
    billed, then terminated it and failed, on every retry. Refused before any AWS call, in a dry run too.
    """
    from airflow.providers.amazon.aws.utils.waiter import WaitPolicy

    arguments = overrides()
    emr_conn_id = None
    if in_extra:  # the Instances only the emr_conn_id extra gives is named there
        extra = {"Instances": arguments.pop("Instances")}
        monkeypatch.setenv("AIRFLOW_CONN_EMR_KEPT_ALIVE", json.dumps({"conn_type": "emr", "extra": extra}))
        emr_conn_id = "emr_kept_alive"
    operator = make_operator(
        emr_conn_id=emr_conn_id,
        job_flow_overrides=arguments,
        wait_policy=WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
        waiter_delay=1,
        waiter_max_attempts=1,
        dry_run=dry_run,
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator, RecordingTaskInstance(task_id="launch_cluster"))

    assert refused.value.field == "wait_policy"
    instances = "emr_conn_id 'emr_kept_alive' extra Instances" if in_extra else "job_flow_overrides.Instances"
    assert f"{instances}.KeepJobFlowAliveWhenNoSteps is true" in refused.value.problem
    assert "WAIT_FOR_COMPLETION" in refused.value.problem
    assert calls.every == []
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize("deferrable", [False, True])
@pytest.mark.parametrize("idle_timeout", [600, 601], ids=["equal", "above"])
def test_an_auto_termination_policy_that_cannot_end_the_cluster_within_the_wait_is_refused_before_any_call(
    emr: Any, deferrable: bool, idle_timeout: int
) -> None:
    """
    An idle clock starts only once the cluster is up with no pending steps and no active YARN application (Amazon EMR
    Management Guide, "Using an auto-termination policy"), and IdleTimeout is "the amount of idle time in seconds after
    which the cluster automatically terminates" (Amazon EMR API Reference, "AutoTerminationPolicy"): with an IdleTimeout
    as long as the wait (waiter_max_attempts x waiter_delay, the deferred trigger's too) or longer, the cluster cannot
    reach TERMINATED before the wait runs out, and the task would poll and bill, then terminate it and fail. Refused
    before any AWS call.
    """
    from airflow.providers.amazon.aws.utils.waiter import WaitPolicy

    operator = make_operator(
        job_flow_overrides=overrides(AutoTerminationPolicy={"IdleTimeout": idle_timeout}),
        wait_policy=WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
        # One read after a 600 s delay (rendered text, taken as the whole number it names): launched, it would fail at
        # once without sleeping (botocore's waiter sleeps only between reads).
        waiter_delay="600",
        waiter_max_attempts=1,
        deferrable=deferrable,
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator, RecordingTaskInstance(task_id="launch_cluster"))

    assert refused.value.field == "wait_policy"
    assert f"AutoTerminationPolicy.IdleTimeout is {idle_timeout} s" in refused.value.problem
    assert "waiter_max_attempts x waiter_delay = 1 x 600 = 600 s" in refused.value.problem
    assert calls.every == []
    assert emr.list_clusters()["Clusters"] == []


def test_waiting_for_the_end_of_a_cluster_with_an_auto_termination_policy_is_launched(emr: Any) -> None:
    """
    An ``AutoTerminationPolicy`` ends the kept-alive cluster once idle (Amazon EMR API Reference,
    "AutoTerminationPolicy": IdleTimeout, "the amount of idle time in seconds after which the cluster automatically
    terminates"): with an IdleTimeout well below the wait (waiter_max_attempts x waiter_delay), the wait for its end is
    launched, and returns once it has ended (moto does not auto-terminate: the cluster is ended before the wait's first
    poll, so the wait does not sleep).
    """
    from airflow.providers.amazon.aws.utils.waiter import WaitPolicy

    from tests.integration.test_launch_wait_states import end_before_the_first_poll

    operator = make_operator(
        job_flow_overrides=overrides(AutoTerminationPolicy={"IdleTimeout": 60}),
        wait_policy=WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
        waiter_delay=10,
        waiter_max_attempts=60,
    )
    ended = end_before_the_first_poll(operator)

    cluster_id, recorder, _ = run_operator(operator)

    assert ended == [cluster_id]
    assert recorder.calls.count("RunJobFlow") == 1
    assert cluster_state(emr, cluster_id) == "TERMINATED"


def cluster_state(emr: Any, cluster_id: str) -> str:
    return str(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])


def test_a_kill_before_the_launch_or_in_a_dry_run_terminates_nothing(emr: Any) -> None:
    """``on_kill`` (Airflow's SIGTERM handler, ``execution_timeout``) before ``RunJobFlow`` is sent: no error, no call."""
    first_id, _, _ = run_operator(make_operator(), RecordingTaskInstance(task_id="launch_cluster"))
    untouched = make_operator()
    recorder = recorder_for(untouched)
    untouched.on_kill()  # killed before execute: the upstream operator raised AttributeError here
    # A dry run of a retry returns the cluster the first try launched; killing it must not end that cluster.
    dry_run = make_operator(dry_run=True)
    result, dry_recorder, _ = run_operator(dry_run, RecordingTaskInstance(task_id="launch_cluster", try_number=2))
    assert result == first_id
    dry_recorder.attach(dry_run.hook.conn)

    dry_run.on_kill()

    assert recorder.calls == []
    assert dry_recorder.mutating == []
    assert cluster_state(emr, first_id) == "WAITING"


def test_a_killed_launch_terminates_its_cluster_and_logs_a_refusal(
    emr: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the upstream operator: the cluster the task launched is terminated; a protected one is logged, not raised."""
    launched = make_operator()
    cluster_id, _, _ = run_operator(launched, RecordingTaskInstance(task_id="launch_cluster"))
    protected = make_operator(
        job_flow_overrides=overrides(Instances={**overrides()["Instances"], "TerminationProtected": True})
    )
    protected_id, _, _ = run_operator(protected, RecordingTaskInstance(task_id="launch_cluster", run_id="other"))

    launched.on_kill()
    protected.on_kill()  # EMR refuses TerminateJobFlows for it (moto: ValidationException)

    assert cluster_state(emr, cluster_id) in {"TERMINATING", "TERMINATED"}
    assert cluster_state(emr, protected_id) == "WAITING"
    assert f"could not terminate cluster {protected_id}" in capsys.readouterr().out


def test_a_dry_run_plan_masks_secret_values_of_the_launch_arguments(
    emr: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The plan (log and XCom) masks what Airflow masks in the rendered fields: values under a sensitive key.

    A Hive metastore password in ``hive-site`` (``javax.jdo.option.ConnectionPassword``) is a ``RunJobFlow``
    argument many clusters carry; Airflow's secrets masker hides it in the rendered ``job_flow_overrides``,
    and a dry run's plan must not show it to whoever reads the task's log or XCom.
    """
    from airflow.providers.common.compat.sdk import AirflowSkipException

    secret = "metastore-password-0123"
    hive_site = {
        "Classification": "hive-site",
        "Properties": {"javax.jdo.option.ConnectionUserName": "hive", "javax.jdo.option.ConnectionPassword": secret},
    }
    ti = RecordingTaskInstance(task_id="launch_cluster")

    with pytest.raises(AirflowSkipException):
        run_operator(make_operator(job_flow_overrides=overrides(Configurations=[hive_site]), dry_run=True), ti)

    (change,) = ti.xcoms["plan"]
    (planned,) = [item for item in change["after"]["Configurations"] if item["Classification"] == "hive-site"]
    assert planned["Properties"]["javax.jdo.option.ConnectionUserName"] == "hive"
    assert secret not in json.dumps(ti.xcoms["plan"])
    output = capsys.readouterr().out
    assert "javax.jdo.option.ConnectionPassword" in output  # the plan was logged ...
    assert secret not in output  # ... without the password
    assert active_clusters(emr) == []


def test_a_configuration_with_runtime_roles_next_to_its_mappings_is_refused_before_run_job_flow(moto_url: str) -> None:
    """
    A configuration made elsewhere with runtime roles on: a step's runtime role "can't ... use the EC2 instance
    profile of the cluster" (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps"), which is what
    assumes the mapped roles, so those steps' writes would not route: refused, nothing launched.
    """
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    name = "emrfs-xacct-runtime-roles-0123456789ab"
    emr.create_security_configuration(
        Name=name,
        SecurityConfiguration=json.dumps(
            {
                "AuthorizationConfiguration": {
                    "IAMConfiguration": {"EnableApplicationScopedIAMRole": True},
                    "EmrFsConfiguration": {
                        "RoleMappings": [
                            {
                                "Role": "arn:aws:iam::222222222222:role/partner-writer",
                                "IdentifierType": "Prefix",
                                "Identifiers": ["s3://partner-results-b/daily"],
                            }
                        ]
                    },
                }
            }
        ),
    )
    operator = make_operator(security_configuration=name)
    recorder = recorder_for(operator)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(InvalidParameterError) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})

    assert excinfo.value.field == (
        f"security_configuration {name!r}.AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole"
    )
    assert "RunJobFlow" not in recorder.calls
    assert recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


def test_a_configuration_requiring_imds_v2_on_a_release_without_it_is_refused_before_run_job_flow(
    moto_url: str,
) -> None:
    """
    EMR's own components call IMDSv2 from 5.23.1, 5.27.1, 5.32 and 6.2 on, and a configuration requiring IMDSv2
    turns IMDSv1 off (Amazon EMR Management Guide, "Create a security configuration"): on emr-6.1.0 EMRFS would get
    no instance-profile credentials to assume the mapped role with. Refused, nothing launched.
    """
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    name = "emrfs-xacct-imds-v2-0123456789ab"
    emr.create_security_configuration(
        Name=name,
        SecurityConfiguration=json.dumps(
            {
                "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": 2},
                "AuthorizationConfiguration": {
                    "EmrFsConfiguration": {
                        "RoleMappings": [
                            {
                                "Role": "arn:aws:iam::222222222222:role/partner-writer",
                                "IdentifierType": "Prefix",
                                "Identifiers": ["s3://partner-results-b/daily"],
                            }
                        ]
                    }
                },
            }
        ),
    )
    operator = make_operator(security_configuration=name, job_flow_overrides=overrides(ReleaseLabel="emr-6.1.0"))
    recorder = recorder_for(operator)
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with pytest.raises(InvalidParameterError) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})

    assert excinfo.value.field == "job_flow_overrides.ReleaseLabel"
    assert "MinimumInstanceMetadataServiceVersion" in excinfo.value.problem
    assert "RunJobFlow" not in recorder.calls
    assert recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


def _hive_site(properties: dict[str, Any]) -> dict[str, Any]:
    return {"Name": "x", "Instances": {}, "Configurations": [{"Classification": "hive-site", "Properties": properties}]}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"Name": "x", "Instances": {}, "Steps": [{"Name": 1, "HadoopJarStep": {"Jar": "j"}}]}, "Steps[0].Name"),
        (
            {"Name": "x", "Instances": {"InstanceGroups": [{"InstanceCount": 1}]}},
            "Instances.InstanceGroups[0].InstanceRole",
        ),
        ({"Name": "x", "Instances": {}, "Bogus": 1}, "Bogus"),
        ({"Instances": {}}, "Name"),
        # A property's name as written: padded, or holding a colon or a space.
        (_hive_site({"hive.exec.parallel ": 1}), "Configurations[0].Properties.hive.exec.parallel "),
        (_hive_site({"a:b": 1}), "Configurations[0].Properties.a:b"),
        (_hive_site({"my key": 1}), "Configurations[0].Properties.my key"),
    ],
    ids=["wrong-type", "missing-in-a-list", "unknown", "missing-at-the-top", "padded", "colon", "space"],
)
def test_botocores_first_refused_parameter_is_the_field(arguments: dict[str, Any], field: str) -> None:
    """botocore's report names each path as the launch names its fields: the first one is the refusal's field."""
    from botocore.session import get_session
    from botocore.validate import ParamValidator

    shape = get_session().get_service_model("emr").operation_model("RunJobFlow").input_shape
    report = ParamValidator().validate(arguments, shape).generate_report()

    assert reported_field(report) == f"job_flow_overrides.{field}"


def test_a_launch_argument_of_the_wrong_type_is_refused_without_showing_a_secret_value(emr: Any) -> None:
    """
    botocore's report of a wrong type shows the value ("value: 12345, type: <class 'int'>"): under a
    sensitive key (a numeric Hive metastore password) it is masked, as Airflow masks the rendered field.
    """
    secret = 90210417
    hive_site = {
        "Classification": "hive-site",
        "Properties": {"javax.jdo.option.ConnectionUserName": 7, "javax.jdo.option.ConnectionPassword": secret},
    }

    with pytest.raises(InvalidParameterError) as refused:
        run_operator(make_operator(job_flow_overrides=overrides(Configurations=[hive_site])))

    assert refused.value.field == "job_flow_overrides.Configurations[0].Properties.javax.jdo.option.ConnectionUserName"
    assert (
        "parameter Configurations[0].Properties.javax.jdo.option.ConnectionPassword, value: ***, type: <class 'int'>"
        in str(refused.value)
    )
    assert str(secret) not in str(refused.value)
    # Under a sensitive name holding a space too (botocore's report then has no word for the path).
    spaced = {"Classification": "hive-site", "Properties": {"metastore password": secret}}
    with pytest.raises(InvalidParameterError) as refused_spaced:
        run_operator(make_operator(job_flow_overrides=overrides(Configurations=[spaced])))
    assert str(secret) not in str(refused_spaced.value)
    assert "Properties.metastore password, value: ***" in str(refused_spaced.value)
    # A value under any other key is still shown, to tell what was wrong.
    assert "javax.jdo.option.ConnectionUserName, value: 7, type: <class 'int'>" in str(refused.value)
    assert active_clusters(emr) == []


def test_a_wrong_type_value_holding_a_secret_beneath_is_refused_without_showing_it(emr: Any) -> None:
    """
    One classification given as ``Configurations`` instead of a list of them: botocore's report shows the whole
    dict, the Hive metastore password in it, under a path (``Configurations``) that names nothing sensitive.
    """
    secret = "hunter2-metastore"
    hive_site = {
        "Classification": "hive-site",
        "Properties": {"javax.jdo.option.ConnectionUserName": "hive", "javax.jdo.option.ConnectionPassword": secret},
    }

    with pytest.raises(InvalidParameterError) as refused:
        run_operator(make_operator(job_flow_overrides=overrides(Configurations=hive_site)))

    assert refused.value.field == "job_flow_overrides.Configurations"
    assert "must be a list of classifications, got dict (length 2)" in str(refused.value)
    assert secret not in str(refused.value)
    assert active_clusters(emr) == []


def test_botocores_report_of_a_value_holding_a_secret_beneath_does_not_show_it(emr: Any) -> None:
    """
    A classification's nested ``Configurations`` given as one classification, not a list: botocore's report shows
    that dict, the Hive metastore password in it, under a path (``Configurations[0].Configurations``) that names
    nothing sensitive. The password is masked; the rest of the value and its type are still shown.
    """
    secret = "hunter2-metastore"
    hive_site = {
        "Classification": "hive-site",
        "Properties": {"javax.jdo.option.ConnectionUserName": "hive", "javax.jdo.option.ConnectionPassword": secret},
    }
    hive = {"Classification": "hive", "Properties": {}, "Configurations": hive_site}

    with pytest.raises(InvalidParameterError) as refused:
        run_operator(make_operator(job_flow_overrides=overrides(Configurations=[hive])))

    assert refused.value.field == "job_flow_overrides.Configurations[0].Configurations"
    assert "Invalid type for parameter Configurations[0].Configurations, value: " in str(refused.value)
    assert secret not in str(refused.value)
    assert "'javax.jdo.option.ConnectionPassword': '***'" in str(refused.value)
    assert "'javax.jdo.option.ConnectionUserName': 'hive'" in str(refused.value)
    assert "type: <class 'dict'>" in str(refused.value)
    assert active_clusters(emr) == []


#: A Kerberos section, as AWS's examples write one (Amazon EMR Management Guide, Kerberos "Configuration examples").
KERBEROS_SECTION = {
    "AuthenticationConfiguration": {
        "KerberosConfiguration": {
            "Provider": "ClusterDedicatedKdc",
            "ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": 24},
        }
    }
}
KDC_ADMIN_PASSWORD = "kdc-admin-Pa55-4f1e9b"
KERBEROS_ATTRIBUTES = {"Realm": "EC2.INTERNAL", "KdcAdminPassword": KDC_ADMIN_PASSWORD}


def kerberos_configuration(emr: Any, *, create: bool = True) -> tuple[str, dict[str, Any]]:
    """The launch's role mappings with a Kerberos section, named by its content (created unless ``create=False``)."""
    mappings = json.loads(emr.describe_security_configuration(Name=SECURITY_CONFIGURATION)["SecurityConfiguration"])
    document = {**mappings, **KERBEROS_SECTION}
    name = security_configuration_name("emrfs-xacct-kerberos", document)
    if create:
        emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    return name, document


def kerberos_connection(monkeypatch: pytest.MonkeyPatch) -> str:
    """An EMR connection whose extra holds the cluster's ``KerberosAttributes``; its id."""
    extra = {"KerberosAttributes": KERBEROS_ATTRIBUTES}
    monkeypatch.setenv("AIRFLOW_CONN_EMR_KERBEROS", json.dumps({"conn_type": "emr", "extra": extra}))
    return "emr_kerberos"


@pytest.mark.parametrize(
    ("configuration", "attributes", "field"),
    [
        ("kerberos", None, "job_flow_overrides.KerberosAttributes"),
        ("kerberos", {"Realm": "EC2.INTERNAL"}, "job_flow_overrides.KerberosAttributes.KdcAdminPassword"),
        ("role mappings", KERBEROS_ATTRIBUTES, "job_flow_overrides.KerberosAttributes"),
        ("none", KERBEROS_ATTRIBUTES, "job_flow_overrides.KerberosAttributes"),
        ("role mappings", "connection", "emr_conn_id 'emr_kerberos' extra KerberosAttributes"),
    ],
    ids=["configuration-alone", "no-password", "attributes-alone", "no-configuration", "attributes-of-the-connection"],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_kerberos_configuration_or_kerberos_attributes_alone_is_refused_before_any_write(
    emr: Any,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    configuration: str,
    attributes: Any,
    field: str,
    dry_run: bool,
) -> None:
    """
    "When you create a Kerberized cluster, you specify the security configuration together with Kerberos attributes
    that are specific to the cluster. You can't specify one set without the other, or an error occurs" (Amazon EMR
    Management Guide, "Security configuration and cluster settings for Kerberos on Amazon EMR"); ``Realm`` and
    ``KdcAdminPassword`` are "Required: Yes" (Amazon EMR API Reference, "KerberosAttributes"). moto launches either
    alone: the launch refuses it, naming where it came from, without the password. A dry run too, its document known.
    """
    name = {"kerberos": kerberos_configuration(emr)[0], "role mappings": SECURITY_CONFIGURATION, "none": None}
    arguments = overrides()
    emr_conn_id = None
    if attributes == "connection":
        emr_conn_id = kerberos_connection(monkeypatch)
    elif attributes is not None:
        arguments["KerberosAttributes"] = attributes
    operator = make_operator(
        security_configuration=name[configuration],
        job_flow_overrides=arguments,
        emr_conn_id=emr_conn_id,
        dry_run=dry_run,
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == field
    assert "KerberosConfiguration" in refused.value.problem
    assert calls.mutating == []
    assert KDC_ADMIN_PASSWORD not in str(refused.value) + capfd.readouterr().out
    assert emr.list_clusters()["Clusters"] == []


def test_a_deleted_kerberos_configuration_without_kerberos_attributes_is_not_created_again(emr: Any) -> None:
    """The refusal comes before the launch creates a deleted configuration again from its document."""
    name, document = kerberos_configuration(emr, create=False)
    operator = make_operator(security_configuration=name, security_configuration_document=document)

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "job_flow_overrides.KerberosAttributes"
    assert calls.mutating == []
    assert name not in [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize("where", ["job_flow_overrides", "emr_conn_id extra"])
def test_a_kerberos_configuration_with_its_kerberos_attributes_is_launched(
    emr: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    name, _ = kerberos_configuration(emr)
    if where == "job_flow_overrides":
        operator = make_operator(
            security_configuration=name, job_flow_overrides=overrides(KerberosAttributes=KERBEROS_ATTRIBUTES)
        )
    else:
        operator = make_operator(security_configuration=name, emr_conn_id=kerberos_connection(monkeypatch))
    sent: list[dict[str, Any]] = []
    operator.hook.client_sending_once.meta.events.register(
        "provide-client-params.emr.RunJobFlow", lambda params, **_: sent.append(dict(params))
    )

    cluster_id, calls, _ = run_operator(operator)

    assert calls.mutating == ["RunJobFlow"]
    assert [arguments["KerberosAttributes"] for arguments in sent] == [KERBEROS_ATTRIBUTES]
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["SecurityConfiguration"] == name


def test_a_dry_run_whose_configuration_is_not_known_yet_does_not_judge_kerberos(
    emr: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A dry run of the whole chain: the configuration does not exist yet and its document is not known here, so
    whether it is Kerberized is not known either; the launch is planned (and its password masked in the plan).
    """
    from airflow.providers.common.compat.sdk import AirflowSkipException

    name, _ = kerberos_configuration(emr, create=False)
    ti = RecordingTaskInstance(task_id="launch_cluster")
    operator = make_operator(
        security_configuration=name, job_flow_overrides=overrides(KerberosAttributes=KERBEROS_ATTRIBUTES), dry_run=True
    )

    with pytest.raises(AirflowSkipException):
        run_operator(operator, ti)

    (change,) = ti.xcoms["plan"]
    assert change["after"]["KerberosAttributes"]["Realm"] == "EC2.INTERNAL"
    assert KDC_ADMIN_PASSWORD not in json.dumps(ti.xcoms["plan"]) + capfd.readouterr().out
    assert emr.list_clusters()["Clusters"] == []


#: The Kerberos sections of AWS's examples that need more ``KerberosAttributes`` than ``Realm`` and ``KdcAdminPassword``
#: (Amazon EMR Management Guide, Kerberos "Configuration examples": "Cluster-dedicated KDC with Active Directory
#: cross-realm trust", "External cluster KDC with Active Directory cross-realm trust").
KERBEROS_ARCHITECTURES = {
    "cross-realm trust": {
        "Provider": "ClusterDedicatedKdc",
        "ClusterDedicatedKdcConfiguration": {
            "TicketLifetimeInHours": 24,
            "CrossRealmTrustConfiguration": {
                "Realm": "AD.DOMAIN.COM",
                "Domain": "ad.domain.com",
                "AdminServer": "ad.domain.com",
                "KdcServer": "ad.domain.com",
            },
        },
    },
    "active directory integration": {
        "Provider": "ExternalKdc",
        "ExternalKdcConfiguration": {
            "KdcServerType": "Single",
            "AdminServer": "MasterDNSofClusterKDC:749",
            "KdcServer": "MasterDNSofClusterKDC.com:88",
            "AdIntegrationConfiguration": {"AdRealm": "AD.DOMAIN.COM", "AdDomain": "ad.domain.com"},
        },
    },
}
TRUST_PASSWORD = "cross-realm-Pa55-77c2"
JOIN_PASSWORD = "ad-join-Pa55-90d1"


def kerberos_architecture(emr: Any, architecture: str, *, create: bool = True) -> tuple[str, dict[str, Any]]:
    """The launch's role mappings with the Kerberos section of ``architecture``, named by its content."""
    mappings = json.loads(emr.describe_security_configuration(Name=SECURITY_CONFIGURATION)["SecurityConfiguration"])
    document = {
        **mappings,
        "AuthenticationConfiguration": {"KerberosConfiguration": KERBEROS_ARCHITECTURES[architecture]},
    }
    name = security_configuration_name("emrfs-xacct-kerberos", document)
    if create:
        emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    return name, document


@pytest.mark.parametrize(
    ("architecture", "attributes", "missing"),
    [
        ("cross-realm trust", KERBEROS_ATTRIBUTES, "CrossRealmTrustPrincipalPassword"),
        ("active directory integration", KERBEROS_ATTRIBUTES, "ADDomainJoinUser"),
        (
            "active directory integration",
            {**KERBEROS_ATTRIBUTES, "ADDomainJoinUser": "MyPrivilegedADUserName"},
            "ADDomainJoinPassword",
        ),
    ],
    ids=["cross-realm-without-trust-password", "ad-without-join-user", "ad-without-join-password"],
)
@pytest.mark.parametrize("deleted", [False, True], ids=["configuration-exists", "configuration-deleted"])
def test_kerberos_attributes_without_what_the_architecture_needs_are_refused_before_any_write(
    emr: Any,
    capfd: pytest.CaptureFixture[str],
    architecture: str,
    attributes: dict[str, Any],
    missing: str,
    deleted: bool,
) -> None:
    """
    "Cross-realm trust principal password ... Required when establishing a cross-realm trust"; "Active Directory
    domain join user ... Required when using Active Directory in a cross-realm trust" (Amazon EMR Management Guide,
    "Security configuration and cluster settings for Kerberos on Amazon EMR"). With ``Realm`` and ``KdcAdminPassword``
    alone the launch re-created a deleted configuration and failed only at ``RunJobFlow``: refused before any write
    now, naming the attribute, without a password.
    """
    name, document = kerberos_architecture(emr, architecture, create=not deleted)
    operator = make_operator(
        security_configuration=name,
        security_configuration_document=document,
        job_flow_overrides=overrides(KerberosAttributes=attributes),
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == f"job_flow_overrides.KerberosAttributes.{missing}"
    assert "KerberosConfiguration" in refused.value.problem
    assert calls.mutating == []
    assert KDC_ADMIN_PASSWORD not in str(refused.value) + capfd.readouterr().out
    configurations = [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]
    assert (name in configurations) is not deleted
    assert emr.list_clusters()["Clusters"] == []


def test_kerberos_attributes_of_the_connection_missing_a_trust_password_are_named_there(
    emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, _ = kerberos_architecture(emr, "cross-realm trust")
    operator = make_operator(security_configuration=name, emr_conn_id=kerberos_connection(monkeypatch))

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "emr_conn_id 'emr_kerberos' extra KerberosAttributes.CrossRealmTrustPrincipalPassword"
    assert calls.mutating == []


@pytest.mark.parametrize(
    ("architecture", "added"),
    [
        ("cross-realm trust", {"CrossRealmTrustPrincipalPassword": TRUST_PASSWORD}),
        (
            "active directory integration",
            {"ADDomainJoinUser": "MyPrivilegedADUserName", "ADDomainJoinPassword": JOIN_PASSWORD},
        ),
    ],
    ids=["cross-realm", "ad-integration"],
)
def test_kerberos_attributes_with_what_the_architecture_needs_are_launched(
    emr: Any, architecture: str, added: dict[str, str]
) -> None:
    """The attributes AWS's examples create each cluster with (the same "Configuration examples")."""
    name, _ = kerberos_architecture(emr, architecture)
    attributes = {**KERBEROS_ATTRIBUTES, **added}
    operator = make_operator(security_configuration=name, job_flow_overrides=overrides(KerberosAttributes=attributes))
    sent: list[dict[str, Any]] = []
    operator.hook.client_sending_once.meta.events.register(
        "provide-client-params.emr.RunJobFlow", lambda params, **_: sent.append(dict(params))
    )

    cluster_id, calls, _ = run_operator(operator)

    assert calls.mutating == ["RunJobFlow"]
    assert [arguments["KerberosAttributes"] for arguments in sent] == [attributes]
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["SecurityConfiguration"] == name


def connection_with(monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any]) -> str:
    """An EMR connection whose extra holds ``extra``; its id."""
    monkeypatch.setenv("AIRFLOW_CONN_EMR_FROM_EXTRA", json.dumps({"conn_type": "emr", "extra": extra}))
    return "emr_from_extra"


def test_a_security_configuration_of_the_connection_other_than_the_launchs_is_refused_naming_the_connection(
    emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The ``emr_conn_id`` extra's ``SecurityConfiguration`` is ``"old"``, ``job_flow_overrides`` has none, and the launch
    asks for another: refused, naming the extra's key the DAG author wrote (``job_flow_overrides`` has none to fix).
    """
    conn_id = connection_with(monkeypatch, {"SecurityConfiguration": "old"})
    operator = make_operator(emr_conn_id=conn_id)

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "emr_conn_id 'emr_from_extra' extra SecurityConfiguration"
    assert refused.value.problem == f"is 'old' but security_configuration is {SECURITY_CONFIGURATION!r}"
    assert calls.mutating == []
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_retry_whose_connection_gives_another_release_is_refused_naming_the_connection(
    emr: Any, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    """
    A retried launch is refused when its task instance's active cluster was launched with other arguments
    (``hooks.emr.find_launched_cluster``): an argument the ``emr_conn_id`` extra gives is named there too, in a dry
    run as well.
    """
    without_release = {key: value for key, value in overrides().items() if key != "ReleaseLabel"}
    first_id, _, _ = run_operator(
        make_operator(
            emr_conn_id=connection_with(monkeypatch, {"ReleaseLabel": "emr-6.15.0"}), job_flow_overrides=without_release
        ),
        RecordingTaskInstance(task_id="launch_cluster"),
    )
    retry = make_operator(
        emr_conn_id=connection_with(monkeypatch, {"ReleaseLabel": "emr-6.14.0"}),
        job_flow_overrides=without_release,
        dry_run=dry_run,
    )

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(retry, RecordingTaskInstance(task_id="launch_cluster", try_number=2))

    assert refused.value.field == "emr_conn_id 'emr_from_extra' extra ReleaseLabel"
    assert str(refused.value).startswith(f"emr_conn_id 'emr_from_extra' extra ReleaseLabel: cluster {first_id} ")
    assert "ReleaseLabel: 'emr-6.15.0' on the cluster, 'emr-6.14.0' asked for" in str(refused.value)
    assert calls.mutating == []
    assert active_clusters(emr) == [first_id]
