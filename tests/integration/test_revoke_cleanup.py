"""
DeleteUnusedSecurityConfigsOperator and pipelines that reuse their content-named configuration.

Against the two-account moto server. A configuration is named by its content, so a daily pipeline
creates it once and every later run reuses it: its ``CreationDateTime`` says nothing about whether a
run is about to launch with it. The cleanup keeps one used by a cluster created within
``min_age_seconds``, in any state (Amazon EMR API Reference, "ListClusters": ``CreatedAfter``). A
run that has ensured its configuration but not launched yet leaves no trace in AWS: when the cleanup
deleted it, the launch says so and how to recover.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pendulum
import pytest
from airflow.providers.common.compat.sdk import AirflowSkipException
from airflow.sdk import DAG
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError, InvalidParameterError, PreconditionError
from devstack.moto_stack import DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator, small_cluster
from tests.integration.partners import create_security_configuration, mapping, provision_partner
from tests.integration.test_revoke import (
    NAME_PREFIX,
    PARTNER_1,
    PARTNER_2,
    PREFIX_1,
    PREFIX_2,
    cleaner,
    launch,
    names,
)


def test_a_configuration_used_by_a_recent_cluster_is_kept_though_older_than_min_age_and_the_cluster_gone(
    aws: Seeded,
) -> None:
    """A pipeline ran lately with its day-1 configuration (its cluster has finished): the next run reuses it."""
    reused = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    unused = create_security_configuration([mapping(PARTNER_2, PREFIX_2)])
    time.sleep(3)  # both configurations are now older than min_age_seconds=2
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster = launch(emr, reused)
    emr.terminate_job_flows(JobFlowIds=[cluster])
    assert emr.describe_cluster(ClusterId=cluster)["Cluster"]["Status"]["State"] == "TERMINATED"

    deleted, _, _ = run_operator(cleaner(min_age_seconds=2))

    assert deleted == [unused]
    assert reused in names(emr)


def test_a_launch_whose_configuration_the_cleanup_deleted_says_so_and_how_to_recover(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])  # day 1
    assert create_security_configuration([mapping(PARTNER_1, PREFIX_1)]) == name  # day N: reused, no change
    # Cleanup between day N's create and launch (0 stands in for "created more than a day ago").
    deleted, _, _ = run_operator(cleaner(min_age_seconds=0))
    assert deleted == [name]

    with pytest.raises(PreconditionError) as refused:
        run_operator(
            LaunchClusterWithSecConfigOperator(
                task_id="launch_cluster",
                aws_conn_id=EMR_CONN_ID,
                emr_conn_id=None,
                security_configuration=name,
                job_flow_overrides=small_cluster(),
                wait_for_completion=False,
            )
        )

    assert "DeleteUnusedSecurityConfigsOperator may have deleted it" in str(refused.value)
    assert "clear the create task" in str(refused.value)


@dataclass
class RunTaskInstance(RecordingTaskInstance):
    """A task instance of one DAG run: what a task pushes, the run's later tasks pull (``run``, by task id and key)."""

    run: dict[tuple[str, str], Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        super().xcom_push(key, value)
        self.run[(self.task_id, key)] = value

    def xcom_pull(self, task_ids: str, key: str = "return_value", default: Any = None, **_: Any) -> Any:
        return self.run.get((task_ids, key), default)


def create_then_launch(
    **launch_arguments: Any,
) -> tuple[CreateEmrfsSecurityConfigOperator, LaunchClusterWithSecConfigOperator]:
    """The example DAG's wiring: the launch takes the create task's ``.output``."""
    with DAG("cleanup_between_create_and_launch", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        create = CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=NAME_PREFIX,
            role_mappings=[mapping(PARTNER_1, PREFIX_1)],
        )
        cluster = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=create.output,
            job_flow_overrides=small_cluster(),
            wait_for_completion=False,
            **launch_arguments,
        )
    return create, cluster


def run_create(create: CreateEmrfsSecurityConfigOperator, run: dict[tuple[str, str], Any]) -> str:
    name, _, _ = run_operator(create, RunTaskInstance(task_id=create.task_id, run=run))
    run[(create.task_id, "return_value")] = name  # what Airflow keeps of the return value
    return str(name)


def run_launch(cluster: LaunchClusterWithSecConfigOperator, run: dict[tuple[str, str], Any]) -> tuple[Any, Any, Any]:
    """Render the launch's templates as Airflow does (``create.output`` becomes the name), then run it."""
    ti = RunTaskInstance(task_id=cluster.task_id, run=run)
    context: Any = {"ti": ti, "task_instance": ti}
    cluster.render_template_fields(context)
    return run_operator(cluster, ti)


def test_a_cleanup_between_the_create_and_the_launch_of_a_run_does_not_fail_the_launch(aws: Seeded) -> None:
    """Day N reuses day 1's configuration; the cleanup deletes it before day N's launch: the launch creates it again."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    day_1 = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    content = emr.describe_security_configuration(Name=day_1)["SecurityConfiguration"]
    create, cluster = create_then_launch()
    run: dict[tuple[str, str], Any] = {}
    assert run_create(create, run) == day_1  # reused, no change
    deleted, _, _ = run_operator(cleaner(min_age_seconds=0))  # 0: "created more than a day ago"
    assert deleted == [day_1]

    cluster_id, recorder, _ = run_launch(cluster, run)

    launched = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert launched["SecurityConfiguration"] == day_1
    assert json.loads(emr.describe_security_configuration(Name=day_1)["SecurityConfiguration"]) == json.loads(content)
    assert recorder.mutating.count("CreateSecurityConfiguration") == 1
    # A retry of the launch returns its cluster, and the configuration is there: nothing is created again.
    again, recorder, _ = run_launch(create_then_launch()[1], run)
    assert again == cluster_id
    assert "CreateSecurityConfiguration" not in recorder.mutating


def test_a_cleanup_between_the_launchs_check_and_run_job_flow_does_not_fail_the_launch(aws: Seeded) -> None:
    """The configuration is there when the launch checks it, gone when RunJobFlow comes: created again, launched once."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    create, cluster = create_then_launch()
    run: dict[tuple[str, str], Any] = {}
    name = run_create(create, run)
    content = emr.describe_security_configuration(Name=name)["SecurityConfiguration"]
    sent: list[str] = []

    def cleanup_before_the_first_run_job_flow(**_: Any) -> None:
        sent.append("RunJobFlow")
        if len(sent) == 1:
            emr.delete_security_configuration(Name=name)

    cluster.hook.client_sending_once.meta.events.register(
        "before-call.emr.RunJobFlow", cleanup_before_the_first_run_job_flow
    )

    cluster_id, _, _ = run_launch(cluster, run)

    assert sent == ["RunJobFlow", "RunJobFlow"]  # the first was refused: its configuration was gone
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["SecurityConfiguration"] == name
    assert emr.describe_security_configuration(Name=name)["SecurityConfiguration"] == content
    assert [c["Id"] for c in emr.list_clusters(ClusterStates=["WAITING", "STARTING"])["Clusters"]] == [cluster_id]


def test_the_stand_in_refuses_run_job_flow_with_a_security_configuration_that_does_not_exist(aws: Seeded) -> None:
    """As EMR does (``devstack/aws_emr.py``); moto alone launched the cluster."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    with pytest.raises(ClientError) as refused:
        launch(emr, f"{NAME_PREFIX}-000000000000")
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert emr.list_clusters()["Clusters"] == []


def test_a_dry_run_launch_after_the_cleanup_plans_the_launch_and_changes_nothing(aws: Seeded) -> None:
    """
    The dry run leaves the configuration deleted and launches nothing; its plan holds the configuration's create
    from the create task's document, which the real launch makes before ``RunJobFlow`` (the create task ran for
    real, and its configuration was deleted after it).
    """
    create, cluster = create_then_launch(dry_run=True)
    run: dict[tuple[str, str], Any] = {}
    name = run_create(create, run)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    emr.delete_security_configuration(Name=name)

    with pytest.raises(AirflowSkipException):
        run_launch(cluster, run)

    assert [change["resource"] for change in cluster.last_plan] == [
        f"emr security configuration {name}",
        "emr cluster partner-export",
    ]
    assert cluster.last_plan[1]["after"]["SecurityConfiguration"] == name
    assert name not in names(emr)
    assert emr.list_clusters()["Clusters"] == []


def test_a_document_that_is_not_the_names_content_is_refused_before_any_aws_call(aws: Seeded) -> None:
    """A name is never given other content: the document's hash must be the name's."""
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    other_document = json.loads(
        emr.describe_security_configuration(Name=create_security_configuration([mapping(PARTNER_2, PREFIX_2)]))[
            "SecurityConfiguration"
        ]
    )
    launch_operator = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=name,
        security_configuration_document=other_document,
        job_flow_overrides=small_cluster(),
        wait_for_completion=False,
    )
    recorder = CallRecorder()
    with recorder.everything(), pytest.raises(InvalidParameterError) as refused:
        launch_operator.execute({"ti": RecordingTaskInstance(task_id="launch_cluster")})  # type: ignore[arg-type]
    assert refused.value.field == "security_configuration_document"
    assert recorder.calls == []


def test_a_launch_given_the_name_and_its_document_creates_it_again(aws: Seeded) -> None:
    """Wiring without ``create.output`` (a name from elsewhere): ``security_configuration_document``."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    emr.delete_security_configuration(Name=name)

    cluster_id, _, _ = run_operator(
        LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=name,
            security_configuration_document=document,
            job_flow_overrides=small_cluster(),
            wait_for_completion=False,
        )
    )

    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["SecurityConfiguration"] == name
    assert json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"]) == document


def create_then_verify() -> tuple[CreateEmrfsSecurityConfigOperator, VerifyCrossAccountAccessOperator]:
    """``partner_access``'s wiring: the verifier, before the launch, takes the create task's ``.output``."""
    with DAG("cleanup_between_create_and_verify", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        create = CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=NAME_PREFIX,
            role_mappings=[mapping(PARTNER_1, PREFIX_1)],
        )
        verify = VerifyCrossAccountAccessOperator(
            task_id="verify_access",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            security_configuration=create.output,
            release_label="emr-7.5.0",
        )
    return create, verify


def test_a_cleanup_between_the_create_and_the_verifier_checks_the_document_the_launch_will_restore(
    aws: Seeded,
) -> None:
    """
    The verifier between the create and the launch (``partner_access``) finds the configuration gone: it checks
    the create task's document, which the launch creates again under the same name, and says so (WARN, not FAIL).
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    day_1 = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    create, verify = create_then_verify()
    run: dict[tuple[str, str], Any] = {}
    assert run_create(create, run) == day_1
    deleted, _, _ = run_operator(cleaner(min_age_seconds=0))
    assert deleted == [day_1]

    ti = RunTaskInstance(task_id=verify.task_id, run=run)
    context: Any = {"ti": ti, "task_instance": ti}
    verify.render_template_fields(context)
    report, recorder, _ = run_operator(verify, ti)

    assert report["healthy"], report
    [existence] = [link for link in report["links"] if link["link"] == "security configuration exists"]
    assert existence["status"] == "warn"
    assert "deleted after its create task ran" in existence["detail"]
    passed = {link["link"] for link in report["links"] if link["status"] == "pass"}
    assert {"destination role", "EMR role can assume destination role"} <= passed  # checked with the document
    assert recorder.mutating == []  # the verifier reads; the launch is what creates it again
    assert day_1 not in names(emr)

    # Given the name alone, the verifier cannot know the document: the configuration is missing (FAIL).
    name_only = RecordingTaskInstance(task_id="verify_access")
    with pytest.raises(EmrfsXacctError):
        run_operator(
            VerifyCrossAccountAccessOperator(
                task_id="verify_access",
                aws_conn_id=EMR_CONN_ID,
                destination_aws_conn_id=DESTINATION_CONN_ID,
                security_configuration=day_1,
                release_label="emr-7.5.0",
            ),
            name_only,
        )
    failed = name_only.xcoms["report"]
    assert failed["verdict"] == "FAIL"
    [existence] = [link for link in failed["links"] if link["link"] == "security configuration exists"]
    assert existence["status"] == "fail", existence


def test_bad_launch_input_is_refused_before_a_deleted_configuration_is_created_again(aws: Seeded) -> None:
    """
    Bad input is refused before any change (safety.md): the launch validates its ``emrfs-site`` settings
    before it creates a configuration the cleanup deleted again from its known document.
    """
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    emr.delete_security_configuration(Name=name)
    operator = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=name,
        security_configuration_document=document,
        emrfs_site_properties={"fs.s3.sts.sessionDurationSeconds": "14400"},  # STS caps a chained session at 1 h
        job_flow_overrides=small_cluster(),
        wait_for_completion=False,
    )

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)

    assert refused.value.field == "emrfs_site_properties.fs.s3.sts.sessionDurationSeconds"
    assert calls.mutating == []
    assert name not in [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]
