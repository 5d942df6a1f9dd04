"""
Console links persisted by the operators while they run, and the cluster's teardown, against moto.

The links are stored in XCom under each link's key (``BaseAwsLink.persist``); Airflow renders them
when the task ends (``tests/dags/test_backfill.py`` reads them through the API server's Extra Links
endpoint). :class:`TerminateClusterOperator` terminates the cluster given, or the one its launch
task instance tagged, and skips when the launch produced none.
"""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowSkipException
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    REGION,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator, small_cluster

RUN_ID = "manual__2026-05-01T00:00:00+00:00"
CONSOLE = "https://console.aws.amazon.com"


def rendered_links(operator: Any, ti: RecordingTaskInstance) -> dict[str, str]:
    """What the task's Extra Links would show: each link of the operator, from the XCom it persisted."""
    return {
        link.name: link.format_link(**ti.xcoms[link.key])
        for link in operator.operator_extra_links
        if getattr(link, "key", None) in ti.xcoms
    }


def launch(security_configuration: str, ti: RecordingTaskInstance, *, protected: bool = False) -> str:
    job = small_cluster("links-test", "emr-7.5.0")
    if protected:
        job["Instances"] = {**job["Instances"], "TerminationProtected": True}
    operator = LaunchClusterWithSecConfigOperator(
        task_id=ti.task_id,
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration,
        job_flow_overrides=job,
    )
    cluster_id, _, _ = run_operator(operator, ti)
    return str(cluster_id)


def cluster_state(url: str, cluster_id: str) -> str:
    return str(client(url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])


def test_each_operator_persists_its_console_links(aws: Seeded) -> None:
    prefix = f"s3://{aws.bucket}/acme/out/"
    role = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-acme-writer",
        trusted_role_arns=[aws.emr_ec2_role_arn],
        s3_prefixes=[prefix],
        kms_key_arns=[aws.kms_key_arn],
        settle_seconds=0,
    )
    role_arn, _, role_ti = run_operator(role)
    key = GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn=aws.kms_key_arn,
        principal_arns=[role_arn],
        settle_seconds=0,
    )
    _, _, key_ti = run_operator(key)
    configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-acme",
        role_mappings=[{"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [prefix]}],
    )
    name, _, configuration_ti = run_operator(configuration)
    launch_ti = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    cluster_id = launch(name, launch_ti)

    key_id = aws.kms_key_arn.rsplit("/", 1)[1]
    security_configurations = f"{CONSOLE}/emr/home?region={REGION}#/securityConfigs"
    assert rendered_links(role, role_ti) == {
        "IAM Destination Role": f"{CONSOLE}/iam/home#/roles/details/emrfs-acme-writer",
        "S3 Destination Prefix": f"{CONSOLE}/s3/buckets/{aws.bucket}?region={REGION}&prefix=acme/out/&showversions=false",
    }
    assert rendered_links(key, key_ti) == {"KMS Key": f"{CONSOLE}/kms/home?region={REGION}#/kms/keys/{key_id}"}
    assert rendered_links(configuration, configuration_ti) == {"EMR Security Configurations": security_configurations}
    launched = rendered_links(LaunchClusterWithSecConfigOperator, launch_ti)
    assert launched["EMR Security Configurations"] == security_configurations
    assert launched["EMR Cluster"] == f"{CONSOLE}/emr/home?region={REGION}#/clusterDetails/{cluster_id}"
    # The persisted fields name what the link is about (the console cannot show them all in its URL).
    assert configuration_ti.xcoms["emrfs_xacct_security_configuration"]["security_configuration"] == name
    assert role_arn == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"


def test_bad_input_persists_no_link(connections: None) -> None:
    operator = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-acme-writer",
        trusted_role_arns=[f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"],
        s3_prefixes=["s3://bucket-only/"],
    )
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with pytest.raises(InvalidParameterError, match="s3_prefixes"):
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]
    assert ti.xcoms == {}


def terminate(ti: RecordingTaskInstance, **kwargs: Any) -> TerminateClusterOperator:
    operator = TerminateClusterOperator(task_id=ti.task_id, aws_conn_id=EMR_CONN_ID, **kwargs)
    operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]
    return operator


def state_filtered_lists_leave_out(conn: Any, left_out: set[str]) -> list[dict[str, Any]]:
    """
    Make ``conn``'s answers to ``ListClusters`` with ``ClusterStates`` leave the clusters ``left_out`` out.

    What AWS says such a list may do: "Clusters that change state while this action runs may be not be returned as
    expected in the list of clusters" (Amazon EMR API Reference, "ListClusters", ``ClusterStates``), as a cluster
    whose launch failed while waiting is doing. The request goes to the stand-in as sent; only the answer to a
    state-filtered one is cut, after it came back. Return the arguments of each ``ListClusters`` sent.
    """
    sent: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(dict(params))

    def leave_out(parsed: dict[str, Any], **_: Any) -> None:
        if "ClusterStates" in sent[-1]:
            parsed["Clusters"] = [cluster for cluster in parsed.get("Clusters", []) if cluster["Id"] not in left_out]

    conn.meta.events.register("before-parameter-build.emr.ListClusters", record)
    conn.meta.events.register("after-call.emr.ListClusters", leave_out)
    return sent


@pytest.fixture
def security_configuration(moto_url: str) -> str:
    name = "emrfs-xacct-teardown-0123456789ab"
    client(moto_url, EMR_ACCOUNT, "emr").create_security_configuration(Name=name, SecurityConfiguration="{}")
    return name


def test_terminate_the_given_cluster(moto_url: str, security_configuration: str) -> None:
    cluster_id = launch(security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID))
    assert cluster_state(moto_url, cluster_id) == "WAITING"

    terminate(RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID), job_flow_id=cluster_id)

    assert cluster_state(moto_url, cluster_id) == "TERMINATED"


def test_without_a_cluster_id_terminate_finds_the_launch_s_cluster_by_its_tag(
    moto_url: str, security_configuration: str
) -> None:
    """A launch that failed after RunJobFlow (e.g. while waiting) returned no id: its tag still names it."""
    ours = launch(security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID))
    other_run = launch(security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id="manual__other"))

    terminate(
        RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID),
        job_flow_id=None,
        launch_task_id="launch_cluster",
    )

    assert cluster_state(moto_url, ours) == "TERMINATED"
    assert cluster_state(moto_url, other_run) == "WAITING"  # another run's cluster is left alone


def test_the_teardown_terminates_the_launch_s_cluster_though_a_state_filtered_list_leaves_it_out(
    moto_url: str, security_configuration: str
) -> None:
    """
    A launch that failed while waiting leaves its cluster changing state as the teardown lists: a list filtered by
    state may leave it out (Amazon EMR API Reference, "ListClusters"). The teardown's search lists without that
    filter, so the cluster is terminated, not left waiting (billed, and able to assume the partner's role).
    """
    ours = launch(security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID))
    ti = RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID)
    operator = TerminateClusterOperator(
        task_id=ti.task_id, aws_conn_id=EMR_CONN_ID, job_flow_id=None, launch_task_id="launch_cluster"
    )
    sent = state_filtered_lists_leave_out(operator.hook.conn, {ours})

    operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]

    assert sent  # the search listed the clusters
    assert cluster_state(moto_url, ours) == "TERMINATED"


@pytest.mark.parametrize("job_flow_id", [None, ""])
def test_terminate_skips_when_the_launch_produced_no_cluster(moto_url: str, job_flow_id: str | None) -> None:
    ti = RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID)
    operator = TerminateClusterOperator(
        task_id=ti.task_id, aws_conn_id=EMR_CONN_ID, job_flow_id=job_flow_id, launch_task_id="launch_cluster"
    )
    recorder = CallRecorder().attach(operator.hook.conn)

    with pytest.raises(AirflowSkipException, match="No cluster to terminate"):
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]

    assert recorder.calls == ["ListClusters"]  # looked for a tagged cluster; terminated nothing


def test_as_teardown_of_the_launch_runs_even_after_a_failed_launch() -> None:
    with DAG(dag_id="teardown_shape", schedule=None) as dag:
        cluster = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster", aws_conn_id=EMR_CONN_ID, emr_conn_id=None, security_configuration="x"
        )
        work = TerminateClusterOperator(task_id="unrelated", job_flow_id="j-1")  # a stand-in for the work
        teardown = TerminateClusterOperator(task_id="terminate_cluster", job_flow_id=cluster.output)
        cluster >> work >> teardown.as_teardown(setups=cluster)

    assert dag.get_task("launch_cluster").is_setup
    assert teardown.is_teardown
    assert teardown.trigger_rule == "all_done"
    assert teardown.launch_task_id == "launch_cluster"
    assert teardown.aws_conn_id == EMR_CONN_ID  # given none: it takes the launch's connection
    assert sorted(teardown.upstream_task_ids) == ["launch_cluster", "unrelated"]


# Termination protection. Amazon EMR Management Guide, "Using termination protection": "With termination
# protection enabled, the TerminateJobFlows action in the Amazon EMR API does not work ... The API
# returns an error"; Amazon EMR API Reference, "SetTerminationProtection": to terminate such a cluster
# "you must first unlock the job flow by a subsequent call to SetTerminationProtection in which you set
# the value to false". moto enforces both (TerminateJobFlows answers ValidationException).


def protection_of(url: str, cluster_id: str) -> bool:
    return bool(
        client(url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["TerminationProtected"]
    )


def test_a_protected_launch_warns_that_its_teardown_cannot_end_it(
    moto_url: str, security_configuration: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    cluster_id = launch(
        security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID), protected=True
    )

    output = capfd.readouterr().out + caplog.text
    assert "Instances.TerminationProtected is true" in output
    assert "disable_termination_protection=True" in output
    assert protection_of(moto_url, cluster_id)


# disable_termination_protection is templated (docs/airflow.md): rendered as text, Airflow's default, "false" is true
# to Python; read as the flag it leaves the protection alone.
@pytest.mark.parametrize("flag", [{}, {"disable_termination_protection": "false"}], ids=["default", "rendered-false"])
def test_terminating_a_protected_cluster_fails_naming_the_cluster_and_the_setting(
    moto_url: str, security_configuration: str, flag: dict[str, str]
) -> None:
    cluster_id = launch(
        security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID), protected=True
    )
    ti = RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID)
    operator = TerminateClusterOperator(
        task_id=ti.task_id,
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        **flag,  # type: ignore[arg-type]
    )
    recorder = CallRecorder().attach(operator.hook.conn)

    with pytest.raises(PreconditionError) as caught:
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]

    message = str(caught.value)
    assert cluster_id in message
    assert "TerminationProtected" in message
    assert "disable_termination_protection=True" in message
    assert "still running" in message
    assert recorder.mutating == ["TerminateJobFlows"]  # refused by EMR; protection left as it was
    assert cluster_state(moto_url, cluster_id) == "WAITING"
    assert protection_of(moto_url, cluster_id)


@pytest.mark.parametrize(("launch_task_id", "flag"), [(None, True), ("launch_cluster", True), (None, " True ")])
def test_disable_termination_protection_terminates_the_provider_s_protected_cluster(
    moto_url: str, security_configuration: str, launch_task_id: str | None, flag: bool | str
) -> None:
    cluster_id = launch(
        security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID), protected=True
    )
    ti = RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID)
    operator = TerminateClusterOperator(
        task_id=ti.task_id,
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        launch_task_id=launch_task_id,
        disable_termination_protection=flag,  # type: ignore[arg-type]
    )
    recorder = CallRecorder().attach(operator.hook.conn)

    operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]

    assert recorder.mutating == ["TerminateJobFlows", "SetTerminationProtection", "TerminateJobFlows"]
    assert cluster_state(moto_url, cluster_id) == "TERMINATED"


@pytest.mark.parametrize(
    ("tags", "run_id"),
    [
        pytest.param([], RUN_ID, id="not-launched-by-the-provider"),
        pytest.param(None, "manual__another-run", id="another-run-s-launch"),
    ],
)
def test_disable_termination_protection_leaves_other_clusters_protected(
    moto_url: str, security_configuration: str, tags: list[dict[str, str]] | None, run_id: str
) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    if tags is None:  # launched by the provider, for the launch task of another run
        cluster_id = launch(
            security_configuration, RecordingTaskInstance(task_id="launch_cluster", run_id=run_id), protected=True
        )
    else:  # someone else's protected cluster
        job = small_cluster("not-ours", "emr-7.5.0")
        job["Instances"] = {**job["Instances"], "TerminationProtected": True}
        cluster_id = emr.run_job_flow(**job, Tags=tags)["JobFlowId"]
    ti = RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID)
    operator = TerminateClusterOperator(
        task_id=ti.task_id,
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster_id,
        launch_task_id="launch_cluster",
        disable_termination_protection=True,
    )
    recorder = CallRecorder().attach(operator.hook.conn)

    with pytest.raises(PreconditionError, match=f"{cluster_id}.*was not launched by launch task 'launch_cluster'"):
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]

    assert "SetTerminationProtection" not in recorder.mutating
    assert protection_of(moto_url, cluster_id)
    assert cluster_state(moto_url, cluster_id) == "WAITING"


def test_disable_termination_protection_must_be_a_bool(connections: None) -> None:
    ti = RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID)
    operator = TerminateClusterOperator(
        task_id=ti.task_id,
        aws_conn_id=EMR_CONN_ID,
        job_flow_id="j-1",
        disable_termination_protection="yes",  # type: ignore[arg-type]
    )
    recorder = CallRecorder().attach(operator.hook.conn)

    with pytest.raises(InvalidParameterError) as caught:
        operator.execute({"ti": ti, "task_instance": ti})  # type: ignore[arg-type]

    assert caught.value.field == "disable_termination_protection"
    assert recorder.calls == []
