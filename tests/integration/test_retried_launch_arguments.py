"""
A retried launch is not handed an active cluster of its key launched with other arguments.

A retried launch returns the cluster its task instance launched already (found by its idempotency tag). Only the
security configuration was compared: a retry that now asks for another instance profile (the role that assumes the
mapped roles), service role, release, or other configurations (``emrfs-site`` properties, ``fs.s3.impl`` of
``keep_emrfs``) got the old cluster silently, with the old access. What ``DescribeCluster`` shows of ``RunJobFlow``'s
arguments is compared now (Amazon EMR API Reference, "DescribeCluster", "Ec2InstanceAttributes": ``IamInstanceProfile``
is "The IAM role that was specified when the cluster was launched"), and a difference is a ``ConflictError`` naming
the cluster and the argument, before any launch, as for the security configuration.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import ACTIVE_CLUSTER_STATES
from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, EMR_SERVICE_ROLE, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator, small_cluster

PARTNER_PROFILE = "emr-ec2-partner-b"
DOCUMENT = {
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
CONFIGURATION = security_configuration_name("emrfs-xacct-retry", DOCUMENT)


@pytest.fixture
def emr(aws: Seeded) -> Any:
    """The EMR account's EMR client, with the configuration the launches name and a second instance profile."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=CONFIGURATION, SecurityConfiguration=json.dumps(DOCUMENT))
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=EMR_EC2_ROLE)["Role"]["AssumeRolePolicyDocument"]
    iam.create_role(RoleName=PARTNER_PROFILE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_instance_profile(InstanceProfileName=PARTNER_PROFILE)
    iam.add_role_to_instance_profile(InstanceProfileName=PARTNER_PROFILE, RoleName=PARTNER_PROFILE)
    return emr


def launch(try_number: int, release: str = "emr-6.15.0", **kwargs: Any) -> tuple[str, CallRecorder]:
    """Run a try of one launch task instance: ``kwargs`` are the operator's, ``overrides`` the ``RunJobFlow`` changes."""
    overrides = small_cluster("partner-export", release, **kwargs.pop("overrides", {}))
    operator = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=CONFIGURATION,
        job_flow_overrides=overrides,
        **kwargs,
    )
    cluster_id, recorder, _ = run_operator(
        operator, RecordingTaskInstance(task_id="launch_cluster", try_number=try_number)
    )
    return cluster_id, recorder


def active_clusters(emr: Any) -> list[str]:
    return [cluster["Id"] for cluster in emr.list_clusters(ClusterStates=list(ACTIVE_CLUSTER_STATES))["Clusters"]]


def test_a_retry_with_another_instance_profile_is_refused_before_any_launch(emr: Any) -> None:
    """The brief's case: j-OLD has EMR_EC2_DefaultRole; the retry asks for the partner's own instance profile."""
    old, _ = launch(1)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        launch(2, overrides={"JobFlowRole": PARTNER_PROFILE})

    assert refused.value.field == "job_flow_overrides.JobFlowRole"
    message = str(refused.value)
    assert f"cluster {old} ('partner-export'), active, was launched by this task instance" in message
    assert f"JobFlowRole: {EMR_EC2_ROLE!r} on the cluster, {PARTNER_PROFILE!r} asked for" in message
    assert "RunJobFlow" not in calls.calls
    assert calls.mutating == []
    assert active_clusters(emr) == [old]


@pytest.mark.parametrize(
    ("first", "retry", "field", "detail"),
    [
        pytest.param(
            {},
            {"overrides": {"ServiceRole": "EMR_DefaultRole_V2"}},
            "job_flow_overrides.ServiceRole",
            f"ServiceRole: {EMR_SERVICE_ROLE!r} on the cluster, 'EMR_DefaultRole_V2' asked for",
            id="service-role",
        ),
        pytest.param(
            {},
            {"release": "emr-6.14.0"},
            "job_flow_overrides.ReleaseLabel",
            "ReleaseLabel: 'emr-6.15.0' on the cluster, 'emr-6.14.0' asked for",
            id="release",
        ),
        pytest.param(
            {},
            {"emrfs_site_properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}},
            "job_flow_overrides.Configurations",
            "emrfs-site property 'fs.s3.canned.acl': not set on the cluster, set by the launch",
            id="emrfs-site-added",
        ),
        pytest.param(
            {"emrfs_site_properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}},
            {"emrfs_site_properties": {"fs.s3.canned.acl": "BucketOwnerRead"}},
            "job_flow_overrides.Configurations",
            "emrfs-site property 'fs.s3.canned.acl': set to another value on the cluster than by the launch",
            id="emrfs-site-changed",
        ),
        pytest.param(
            {"release": "emr-7.10.0"},
            {"release": "emr-7.10.0", "keep_emrfs": False},
            "job_flow_overrides.Configurations",
            "core-site property 'fs.s3.impl': set on the cluster, not by the launch",
            id="keep-emrfs",
        ),
    ],
)
def test_a_retry_with_other_launch_arguments_is_refused_naming_the_argument(
    emr: Any, first: dict[str, Any], retry: dict[str, Any], field: str, detail: str
) -> None:
    old, _ = launch(1, **first)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        launch(2, **retry)

    assert refused.value.field == field
    assert detail in str(refused.value)
    assert f"cluster {old}" in str(refused.value)
    assert calls.mutating == []
    assert active_clusters(emr) == [old]


def test_a_retry_naming_the_same_roles_by_arn_gets_its_cluster(emr: Any) -> None:
    """The instance profile and the service role by ARN (the service role's name in another case): the same ones."""
    old, _ = launch(1, emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"})
    same = {
        "JobFlowRole": f"arn:aws:iam::{EMR_ACCOUNT}:instance-profile/{EMR_EC2_ROLE}",
        "ServiceRole": f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_SERVICE_ROLE.lower()}",
    }

    again, recorder = launch(2, overrides=same, emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"})

    assert again == old
    assert "RunJobFlow" not in recorder.calls
    assert active_clusters(emr) == [old]
