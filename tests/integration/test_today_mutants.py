"""
Tests an outside review found missing: mutations of the launch, the teardown and the grant that no test killed (J13).

EMR clusters are per Region (AWS General Reference, "Amazon EMR endpoints and quotas"); a cluster ``TERMINATING``,
``TERMINATED`` or ``TERMINATED_WITH_ERRORS`` has ended or is ending (Amazon EMR API Reference, "ClusterStatus");
``RunJobFlow`` has no client token (Amazon EMR API Reference, "RunJobFlow"); once a bucket is ``BucketOwnerEnforced``
requests that set an ACL fail with ``AccessControlListNotSupported`` (S3 User Guide, Object Ownership,
"Troubleshooting").
"""

from __future__ import annotations

import json
from typing import Any

import pendulum
import pytest
from airflow.sdk import DAG
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.emr import ACTIVE_CLUSTER_STATES
from airflow_provider_emrfs_xacct.operators.emr import (
    LAUNCH_LOCATION_XCOM_KEY,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.pure.bucket_policy import principal_sids
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack import aws_deletes
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import RecordingTaskInstance, run_operator, small_cluster
from tests.integration.partners import create_security_configuration, mapping
from tests.integration.test_bucket_policy import by_sid, grant, policy_of, s3, set_ownership
from tests.integration.test_dry_runs_and_reruns import headings, launch_operator
from tests.integration.test_revoke import PARTNER_1, PREFIX_1
from tests.integration.test_teardown_launch_account import launched_in, state, teardown_by_hand
from tests.integration.test_teardown_launch_region import NAME, RUN_ID, launch_in

__all__ = ["s3"]  # the fixture, imported to be used here


def ended_teardown(moto_url: str, monkeypatch: pytest.MonkeyPatch, describe: Any) -> tuple[str, Any]:
    """A launch in the connection's Region; its teardown by id, whose ``DescribeCluster`` is ``describe``."""
    cluster_id, _, _ = run_operator(
        launch_in(moto_url, region=None), RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    )
    teardown = TerminateClusterOperator(task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster_id)
    monkeypatch.setattr(teardown.hook, "describe_cluster", describe(teardown.hook.describe_cluster))
    return cluster_id, teardown


def test_a_teardown_whose_describe_cluster_fails_still_terminates(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed read (an ``InternalServerError`` after botocore's retries) is no reason to leave the cluster running."""

    def failing_once(real: Any) -> Any:
        failed: list[str] = []

        def describe(cluster_id: str) -> Any:
            if not failed:
                failed.append(cluster_id)
                raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "DescribeCluster")
            return real(cluster_id)

        return describe

    cluster_id, teardown = ended_teardown(moto_url, monkeypatch, failing_once)
    _, recorder, _ = run_operator(teardown, RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID))
    assert "TerminateJobFlows" in recorder.mutating
    assert state(moto_url, "us-east-1", cluster_id) in {"TERMINATING", "TERMINATED"}


@pytest.mark.parametrize("ended", ["TERMINATED", "TERMINATED_WITH_ERRORS", "TERMINATING"])
def test_a_teardown_rerun_on_an_ended_cluster_sends_nothing(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, ended: str
) -> None:
    def in_state(real: Any) -> Any:
        def describe(cluster_id: str) -> Any:
            cluster = dict(real(cluster_id))
            return {**cluster, "Status": {**cluster.get("Status", {}), "State": ended}}

        return describe

    cluster_id, teardown = ended_teardown(moto_url, monkeypatch, in_state)
    _, recorder, _ = run_operator(teardown, RecordingTaskInstance(task_id="terminate_cluster", run_id=RUN_ID))
    assert recorder.mutating == []
    assert state(moto_url, "us-east-1", cluster_id) == "WAITING"


def test_a_launch_given_no_region_records_the_connection_region(moto_url: str) -> None:
    """The record its run made, not one written by hand: the connection's Region, where RunJobFlow was sent."""
    launched = RecordingTaskInstance(task_id="launch_cluster", run_id=RUN_ID)
    run_operator(launch_in(moto_url, region=None), launched)
    assert launched.xcoms[LAUNCH_LOCATION_XCOM_KEY]["region_name"] == "us-east-1"


class MappedLaunchRecords(RecordingTaskInstance):
    """A teardown's task instance reading a mapped launch's records: ``None`` for a map index it has none of."""

    launches: dict[int, RecordingTaskInstance]

    def xcom_pull(self, task_ids: Any = None, key: str = "return_value", map_indexes: Any = None) -> Any:
        if task_ids != "launch_cluster":
            return super().xcom_pull(task_ids, key, map_indexes)
        if isinstance(map_indexes, list):
            return [self.xcom_pull(task_ids, key, index) for index in map_indexes]
        launched = self.launches.get(map_indexes)
        return None if launched is None else launched.xcoms.get(key)


def test_a_teardown_by_hand_in_another_region_than_a_mapped_launch_fails(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both instances launched in eu-west-1, the teardown looks in us-east-1: it fails naming the Region, not skips."""
    from airflow_provider_emrfs_xacct.operators import emr as emr_module

    ids, launches = {}, {}
    for index in (0, 1):
        ids[index], launches[index] = launched_in(moto_url, "eu-west-1", map_index=index)
    monkeypatch.setattr(TerminateClusterOperator, "_launch_is_mapped", lambda self: True)
    monkeypatch.setattr(emr_module, "launch_map_indexes", lambda *_: [0, 1])
    ti = MappedLaunchRecords(task_id="terminate_cluster", run_id=RUN_ID)
    ti.launches = launches
    with pytest.raises(PreconditionError, match=r"^region_name: no cluster .*launched in Region eu-west-1"):
        run_operator(teardown_by_hand(EMR_CONN_ID), ti)
    assert {state(moto_url, "eu-west-1", cluster_id) for cluster_id in ids.values()} == {"WAITING"}


def _launch(task_id: str, region: str) -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id=task_id,
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        region_name=region,
        security_configuration=NAME,
        job_flow_overrides=small_cluster("j1", "emr-7.5.0"),
    )


def test_a_templated_teardown_region_is_left_to_the_run() -> None:
    """Unknown when the DAG is parsed: as_teardown does not compare it (the run checks the launch's record)."""
    with DAG("j13_templated", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        launch_task = _launch("launch_cluster", "eu-west-1")
        teardown = TerminateClusterOperator(
            task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id="", region_name="{{ params.region }}"
        )
        teardown.as_teardown(setups=launch_task)
    assert teardown.region_name == "{{ params.region }}"


def test_a_teardown_of_two_launches_in_one_region_parses() -> None:
    """The second launch is compared with the Region the teardown took from the first, its own: the same."""
    with DAG("j13_two", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        first, second = _launch("launch_a", "eu-west-1"), _launch("launch_b", "eu-west-1")
        teardown = TerminateClusterOperator(task_id="terminate_cluster", job_flow_id="")
        teardown.as_teardown(setups=[first, second])
    assert teardown.region_name == "eu-west-1"


def test_a_dry_run_after_the_launch_plans_its_deleted_configuration_s_create(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The real run creates the configuration again before it returns the cluster launched already: so is the plan.

    The stand-in refuses to delete a configuration an active cluster uses (devstack/aws_deletes.py): lifted here, to
    reach the state the launch handles (its cluster found, its configuration gone).
    """
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    run_operator(launch_operator(name, document, dry_run=False))
    with monkeypatch.context() as lifted:
        lifted.setattr(aws_deletes, "_ENDED", (*ACTIVE_CLUSTER_STATES, "TERMINATED", "TERMINATED_WITH_ERRORS"))
        emr.delete_security_configuration(Name=name)

    planned = launch_operator(name, document, dry_run=True)
    run_operator(planned)
    assert headings(planned.last_plan) == [("create", f"emr security configuration {name}")]


def test_enforce_bucket_owner_on_an_object_writer_bucket_grants_no_put_object_acl(aws: Seeded, s3: Any) -> None:
    """
    Switched to BucketOwnerEnforced, the bucket refuses ACLs (``AccessControlListNotSupported``: S3 User Guide, Object
    Ownership, "Troubleshooting"): EMRFS is told no canned ACL, and the grant gives no ``s3:PutObjectAcl``.
    """
    set_ownership(s3, aws.bucket, "ObjectWriter")
    result, _, _ = run_operator(grant(aws, enforce_bucket_owner=True))
    assert result["object_ownership"] == "BucketOwnerEnforced"
    objects_sid, _ = principal_sids(aws.emr_ec2_role_arn)
    assert "s3:PutObjectAcl" not in by_sid(policy_of(s3, aws.bucket))[objects_sid]["Action"]
