"""
A teardown compares where its launch launched by Region and account, not by connection id (review J11).

EMR clusters are per Region (AWS General Reference, "Amazon EMR endpoints and quotas": ``ListClusters`` and
``DescribeCluster`` answer of their endpoint's Region only) and per account (a cluster's ARN names its account: Amazon
EMR API Reference, "Cluster", ``ClusterArn``): a least-privilege connection that only terminates, to the launch's
account, is the same place. A role's credentials act in the role's account (AWS STS
API Reference, "AssumeRole"), so a connection with ``role_arn`` names its account with no call.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
import pytest
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators import emr as emr_module
from airflow_provider_emrfs_xacct.operators.emr import (
    LAUNCH_LOCATION_XCOM_KEY,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
    known_account,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import RecordingTaskInstance, run_operator, small_cluster
from tests.integration.test_teardown_launch_region import NAME, RUN_ID, TeardownTaskInstance, launch_in

TERMINATE_ONLY = "aws_emr_terminate"


class MappedLaunchTaskInstance(RecordingTaskInstance):
    """A teardown's task instance reading the XComs of a mapped launch's instances (in the order of ``map_indexes``)."""

    launches: dict[int, RecordingTaskInstance]
    location_reads = 0

    def xcom_pull(self, task_ids: Any = None, key: str = "return_value", map_indexes: Any = None) -> Any:
        if task_ids != "launch_cluster":
            return super().xcom_pull(task_ids, key, map_indexes)
        self.location_reads += key == LAUNCH_LOCATION_XCOM_KEY
        if isinstance(map_indexes, list):
            return [self.launches[index].xcoms.get(key) for index in map_indexes]
        return self.launches[map_indexes].xcoms.get(key)


def state(moto_url: str, region: str, cluster_id: str) -> str:
    emr = client(moto_url, EMR_ACCOUNT, "emr", region)
    return str(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])


def launched_in(moto_url: str, region: str, map_index: int = -1) -> tuple[str, RecordingTaskInstance]:
    """Launch (as ``launch_in``, its security configuration made once per Region) as the instance ``map_index``."""
    emr = client(moto_url, EMR_ACCOUNT, "emr", region)
    made = NAME in {config["Name"] for config in emr.list_security_configurations()["SecurityConfigurations"]}
    launch = launch_in(moto_url, region=region) if not made else launch_in_made(region)
    ti = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID, map_index=map_index)
    cluster_id, _, _ = run_operator(launch, ti)
    return cluster_id, ti


def launch_in_made(region: str) -> LaunchClusterWithSecConfigOperator:
    """A launch as ``launch_in`` gives, with its security configuration made already."""
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        region_name=region,
        security_configuration=NAME,
        job_flow_overrides=small_cluster("j1", "emr-7.5.0"),
    )


def teardown_by_hand(aws_conn_id: str) -> TerminateClusterOperator:
    return TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=aws_conn_id, job_flow_id="", launch_task_id="launch_cluster"
    )


def test_as_teardown_accepts_a_terminate_only_connection() -> None:
    """Another literal ``aws_conn_id`` is no other place: the DAG parses; the run compares account and Region."""
    with DAG("j11_terminate_only", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster", aws_conn_id=EMR_CONN_ID, emr_conn_id=None, security_configuration=NAME
        )
        teardown = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id=TERMINATE_ONLY)
        teardown.as_teardown(setups=launch)
    assert teardown.aws_conn_id == TERMINATE_ONLY


def test_a_region_in_default_args_is_refused_naming_default_args() -> None:
    with DAG(
        "j11_default_args",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1),
        default_args={"aws_conn_id": EMR_CONN_ID, "region_name": "us-east-1"},
    ):
        launch = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster", emr_conn_id=None, region_name="eu-west-1", security_configuration=NAME
        )
        with pytest.raises(InvalidParameterError, match=r"region_name in the DAG's default_args .*region_name=None"):
            TerminateClusterOperator(task_id="terminate_cluster").as_teardown(setups=launch)
        # As the message says: region_name=None in its arguments overrides default_args, and it takes the launch's.
        teardown = TerminateClusterOperator(task_id="terminate_too", region_name=None).as_teardown(setups=launch)
    assert teardown.region_name == "eu-west-1"


def test_another_connection_to_the_account_skips_when_the_cluster_ended_itself(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A steps cluster ends itself (``KeepJobFlowAliveWhenNoSteps`` false): nothing to end, nowhere else to look."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{TERMINATE_ONLY.upper()}", os.environ[f"AIRFLOW_CONN_{EMR_CONN_ID.upper()}"])
    cluster_id, launched = launched_in(moto_url, "us-east-1")
    assert launched.xcoms[LAUNCH_LOCATION_XCOM_KEY]["account"] == EMR_ACCOUNT  # from role_arn: no call
    client(moto_url, EMR_ACCOUNT, "emr", "us-east-1").terminate_job_flows(JobFlowIds=[cluster_id])
    ti = TeardownTaskInstance(task_id="terminate_cluster", run_id=RUN_ID, launch=launched)
    with pytest.raises(Exception, match="No cluster to terminate") as skipped:
        run_operator(teardown_by_hand(TERMINATE_ONLY), ti)
    assert type(skipped.value).__name__ == "AirflowSkipException"


def test_a_connection_to_another_account_fails_naming_aws_conn_id(moto_url: str) -> None:
    cluster_id, launched = launched_in(moto_url, "us-east-1")
    ti = TeardownTaskInstance(task_id="terminate_cluster", run_id=RUN_ID, launch=launched)
    with pytest.raises(PreconditionError, match=rf"^aws_conn_id: no cluster .*account {DESTINATION_ACCOUNT}.*"):
        run_operator(teardown_by_hand(DESTINATION_CONN_ID), ti)
    assert state(moto_url, "us-east-1", cluster_id) == "WAITING"


@pytest.mark.parametrize("conn_id", [DESTINATION_CONN_ID, EMR_CONN_ID])
def test_a_record_without_an_account_places_another_connection_id_elsewhere(moto_url: str, conn_id: str) -> None:
    """
    A record of an earlier release names a connection id only: its account is not known, so another connection id may
    act in another account, where the cluster bills (review J15); the launch's own one skips as before.
    """
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    launched.xcoms[LAUNCH_LOCATION_XCOM_KEY] = {"region_name": "us-east-1", "aws_conn_id": EMR_CONN_ID}
    ti = TeardownTaskInstance(task_id="terminate_cluster", run_id=RUN_ID, launch=launched)
    if conn_id == EMR_CONN_ID:
        with pytest.raises(Exception, match="No cluster to terminate") as skipped:
            run_operator(teardown_by_hand(conn_id), ti)
        assert type(skipped.value).__name__ == "AirflowSkipException"
        return
    with pytest.raises(
        PreconditionError, match=r"^aws_conn_id: no cluster .*account not recorded\) through connection"
    ):
        run_operator(teardown_by_hand(conn_id), ti)


def mapped_teardown_run(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, regions: dict[int, str]
) -> tuple[dict[int, str], MappedLaunchTaskInstance]:
    """Launch one instance per map index in its Region; a teardown that is not mapped ends the mapped launch."""
    ids, launches = {}, {}
    for index, region in regions.items():
        ids[index], launches[index] = launched_in(moto_url, region, map_index=index)
    monkeypatch.setattr(TerminateClusterOperator, "_launch_is_mapped", lambda self: True)
    monkeypatch.setattr(emr_module, "launch_map_indexes", lambda *_: sorted(regions))
    ti = MappedLaunchTaskInstance(task_id="terminate_cluster", run_id=RUN_ID)
    ti.launches = launches
    return ids, ti


def test_a_mapped_launch_across_regions_fails_naming_the_instance_after_ending_the_others(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, ti = mapped_teardown_run(moto_url, monkeypatch, {0: "us-east-1", 1: "eu-west-1"})
    with pytest.raises(PreconditionError, match=r"^region_name: .*'launch_cluster' \(map index 1\).*eu-west-1"):
        run_operator(teardown_by_hand(EMR_CONN_ID), ti)
    assert state(moto_url, "us-east-1", ids[0]) in {"TERMINATING", "TERMINATED"}
    assert state(moto_url, "eu-west-1", ids[1]) == "WAITING"
    assert ti.location_reads == 1


def test_a_mapped_launch_whose_instance_cluster_ended_itself_succeeds(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, ti = mapped_teardown_run(moto_url, monkeypatch, {0: "us-east-1", 1: "us-east-1"})
    client(moto_url, EMR_ACCOUNT, "emr", "us-east-1").terminate_job_flows(JobFlowIds=[ids[1]])
    run_operator(teardown_by_hand(EMR_CONN_ID), ti)
    assert state(moto_url, "us-east-1", ids[0]) in {"TERMINATING", "TERMINATED"}
    assert ti.location_reads == 1


class _Config:
    role_arn = None


class _StaticKeysHook:
    conn_config = _Config()


def test_known_account_without_a_role_is_the_one_read_already() -> None:
    """Static keys: the account ``expected_account_id``'s check read (cached ``account_id``), else not known."""
    hook = _StaticKeysHook()
    assert known_account(hook) == ""
    vars(hook)["account_id"] = EMR_ACCOUNT
    assert known_account(hook) == EMR_ACCOUNT


def test_a_static_keys_launch_records_the_account_of_its_instance_profile_role(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``role_arn``, no pin: the account is that of the role ``GetInstanceProfile`` read already (no call more)."""
    import json

    import boto3

    from devstack.testing import EMR_EC2_ROLE

    static = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "endpoint_url": moto_url}
    iam, emr = (boto3.client(kind, region_name="us-east-1", **static) for kind in ("iam", "emr"))
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    iam.create_role(
        RoleName=EMR_EC2_ROLE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
    iam.create_instance_profile(InstanceProfileName=EMR_EC2_ROLE)
    iam.add_role_to_instance_profile(InstanceProfileName=EMR_EC2_ROLE, RoleName=EMR_EC2_ROLE)
    account = iam.get_role(RoleName=EMR_EC2_ROLE)["Role"]["Arn"].split(":")[4]
    emr.create_security_configuration(Name=NAME, SecurityConfiguration="{}")
    extra = {"region_name": "us-east-1", "endpoint_url": moto_url}
    connection = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_STATIC", json.dumps(connection))
    launch = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id="aws_static",
        emr_conn_id=None,
        security_configuration=NAME,
        job_flow_overrides=small_cluster("j1", "emr-7.5.0"),
    )
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    run_operator(launch, launched)
    assert launched.xcoms[LAUNCH_LOCATION_XCOM_KEY]["account"] == account


def test_a_static_keys_launch_recording_no_account_fails_a_teardown_through_another_connection(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Static keys, no pin, ``iam:GetInstanceProfile`` refused (the hook logs it and reads no role): the record names no
    account, and a teardown through a connection to another account fails while the cluster runs (review J15).
    """
    import json

    import boto3

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from devstack.testing import EMR_EC2_ROLE

    static = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "endpoint_url": moto_url}
    iam, emr = (boto3.client(kind, region_name="us-east-1", **static) for kind in ("iam", "emr"))
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    iam.create_role(
        RoleName=EMR_EC2_ROLE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
    iam.create_instance_profile(InstanceProfileName=EMR_EC2_ROLE)
    iam.add_role_to_instance_profile(InstanceProfileName=EMR_EC2_ROLE, RoleName=EMR_EC2_ROLE)
    emr.create_security_configuration(Name=NAME, SecurityConfiguration="{}")
    extra = {"region_name": "us-east-1", "endpoint_url": moto_url}
    connection = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_STATIC", json.dumps(connection))
    monkeypatch.setattr(EmrfsEmrHook, "instance_profile_roles", lambda self, name: None)
    launch = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id="aws_static",
        emr_conn_id=None,
        security_configuration=NAME,
        job_flow_overrides=small_cluster("j1", "emr-7.5.0"),
    )
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    cluster_id, _, _ = run_operator(launch, launched)
    assert "account" not in launched.xcoms[LAUNCH_LOCATION_XCOM_KEY]
    ti = TeardownTaskInstance(task_id="terminate_cluster", run_id=RUN_ID, launch=launched)
    with pytest.raises(PreconditionError, match=r"^aws_conn_id: .*through connection 'aws_static'"):
        run_operator(teardown_by_hand(DESTINATION_CONN_ID), ti)
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "WAITING"


def test_a_dry_run_of_a_mapped_launch_across_regions_fails_naming_the_instance(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, ti = mapped_teardown_run(moto_url, monkeypatch, {0: "us-east-1", 1: "eu-west-1"})
    teardown = teardown_by_hand(EMR_CONN_ID)
    teardown.dry_run = True
    with pytest.raises(PreconditionError, match=r"\(map index 1\)"):
        run_operator(teardown, ti)
    assert state(moto_url, "us-east-1", ids[0]) == "WAITING"
