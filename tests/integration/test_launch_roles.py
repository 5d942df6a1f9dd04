"""
The launch's instance profile (``JobFlowRole``), checked before ``RunJobFlow``.

"Amazon EC2 allows you to create instance profiles and roles with different names, but Amazon EMR does not support
this configuration, and it results in an 'invalid instance profile' error when you create the cluster" (Amazon EMR
Management Guide, "Customize IAM roles with Amazon EMR"). moto launches such a cluster; the stand-in refuses its
``RunJobFlow`` (``devstack/aws_emr.py``, written apart from the launch's check), and so does the launch, before any
write, naming the field.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest
from airflow.sdk.exceptions import AirflowSkipException

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import EC2_ONLY_TRUST, EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, captured_logs, run_operator, small_cluster

ROLE = "emr-ec2-partner-b"


def profile(seeded: Seeded, name: str, role: str | None) -> None:
    """An instance profile ``name`` of the EMR account holding ``role`` (made, with EC2's trust), or no role."""
    iam = client(seeded.url, EMR_ACCOUNT, "iam")
    iam.create_instance_profile(InstanceProfileName=name)
    if role is not None:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=EC2_ONLY_TRUST)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role)


def launch(job_flow_role: str | None = None, emr_conn_id: str | None = None, **kwargs: Any) -> Any:
    overrides = small_cluster()
    if job_flow_role is None:
        del overrides["JobFlowRole"]
    else:
        overrides["JobFlowRole"] = job_flow_role
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=emr_conn_id,
        security_configuration=None,
        job_flow_overrides=overrides,
        wait_for_completion=False,
        **kwargs,
    )


def clusters(seeded: Seeded) -> list[dict[str, Any]]:
    return list(client(seeded.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"])


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_profile_holding_a_role_of_another_name_is_refused_before_run_job_flow(aws: Seeded, dry_run: bool) -> None:
    profile(aws, "emr-ec2-partner-b-profile", ROLE)

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(launch("emr-ec2-partner-b-profile", dry_run=dry_run))

    assert refused.value.field == "job_flow_overrides.JobFlowRole"
    message = str(refused.value)
    assert f"holds the role {ROLE}, of another name" in message
    assert "Customize IAM roles with Amazon EMR" in message
    assert f"aws iam create-instance-profile --instance-profile-name {ROLE}" in message
    assert "RunJobFlow" not in calls.calls
    assert calls.mutating == []
    assert clusters(aws) == []
    # The stand-in, judging apart, refuses the same launch sent by hand.
    with pytest.raises(botocore.exceptions.ClientError, match="ValidationException"):
        client(aws.url, EMR_ACCOUNT, "emr").run_job_flow(**small_cluster(JobFlowRole="emr-ec2-partner-b-profile"))
    assert clusters(aws) == []


def test_a_profile_without_a_role_is_refused(aws: Seeded) -> None:
    profile(aws, ROLE, None)

    with pytest.raises(InvalidParameterError) as refused:
        run_operator(launch(ROLE))

    assert refused.value.field == "job_flow_overrides.JobFlowRole"
    assert f"instance profile {ROLE} holds no role" in str(refused.value)
    assert f"--instance-profile-name {ROLE} --role-name {ROLE}" in str(refused.value)
    assert clusters(aws) == []


def test_a_profile_from_the_connection_extra_is_named_there(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    profile(aws, "emr-ec2-partner-b-profile", ROLE)
    extra = {"JobFlowRole": "emr-ec2-partner-b-profile"}
    monkeypatch.setenv("AIRFLOW_CONN_EMR_WITH_PROFILE", json.dumps({"conn_type": "emr", "extra": extra}))

    with pytest.raises(InvalidParameterError) as refused:
        run_operator(launch(None, emr_conn_id="emr_with_profile"))

    assert refused.value.field == "emr_conn_id 'emr_with_profile' extra JobFlowRole"
    assert clusters(aws) == []


def test_a_profile_named_as_its_role_on_a_path_is_launched(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    iam.create_role(RoleName=ROLE, Path="/emr/", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    iam.create_instance_profile(InstanceProfileName=ROLE, Path="/emr/")
    iam.add_role_to_instance_profile(InstanceProfileName=ROLE, RoleName=ROLE)

    cluster_id, recorder, _ = run_operator(launch(ROLE))

    assert recorder.calls.index("GetInstanceProfile") < recorder.calls.index("RunJobFlow")
    cluster = client(aws.url, EMR_ACCOUNT, "emr").describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Ec2InstanceAttributes"]["IamInstanceProfile"] == ROLE


def test_a_profile_iam_does_not_know_is_not_checked_and_launched(aws: Seeded) -> None:
    """IAM is eventually consistent (a profile made seconds ago): RunJobFlow answers for one that does not exist."""
    with captured_logs() as logs:
        cluster_id, recorder, _ = run_operator(launch("NoSuchProfile"))

    assert cluster_id.startswith("j-")  # moto does not check it
    assert recorder.calls.index("GetInstanceProfile") < recorder.calls.index("RunJobFlow")
    warned = [str(entry) for entry in logs if entry["log_level"] == "warning"]
    assert any("NoSuchProfile" in message and "not checked" in message for message in warned)


def test_a_profile_given_by_its_arn_is_judged_by_its_name(aws: Seeded) -> None:
    profile(aws, ROLE, ROLE)
    arn = f"arn:aws:iam::{EMR_ACCOUNT}:instance-profile/{ROLE}"

    with CallRecorder().everywhere() as calls, pytest.raises(AirflowSkipException):  # a dry run's launch skips
        run_operator(launch(arn, dry_run=True))

    assert "GetInstanceProfile" in calls.calls
    assert calls.mutating == []
