"""
System test in the Amazon provider's style: the whole chain, the verifier with a live probe, revoke and
clean-up, against two accounts, removing everything it created even when a step fails.

Like ``providers/amazon/tests/system/amazon/aws/example_*.py`` upstream: one DAG whose first task
creates the fixtures, whose middle is the example chain, whose teardown tasks run whatever happened
(``trigger_rule=ALL_DONE``), and a ``watcher`` that fails the run if any task failed (teardowns
succeed and would otherwise hide a failure). ``tests/system/test_system.py`` runs it with ``dag.test()``:

- against real AWS when ``EMRFS_XACCT_SYSTEM_EMR_PROFILE`` and ``EMRFS_XACCT_SYSTEM_DESTINATION_PROFILE``
  name two AWS profiles of two accounts (region from ``EMRFS_XACCT_SYSTEM_REGION``, default
  ``us-east-1``; optional ``EMRFS_XACCT_SYSTEM_SUBNET_ID`` for the cluster). It launches one small EMR
  cluster (costs money, ~15 minutes) and needs ``EMR_DefaultRole`` in the EMR account
  (``aws emr create-default-roles``);
- against the two-account moto server in ``make test`` (the same DAG; moto runs no EMR step, so there
  the test writes the probe object the step would write, as ``tests/integration/test_verify.py`` does).

Everything it creates is named ``emrfs-xacct-sys-<run id>``: the destination bucket, its KMS key
(scheduled for deletion after 7 days, the minimum), the EMR EC2 role and its instance profile (one
per run: the per-pipeline shape), the destination role, the security configurations, the cluster.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pendulum
from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.sdk import DAG, task
from airflow.task.trigger_rule import TriggerRule
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

DAG_ID = "emrfs_xacct_system"
EMR_CONN_ID = "emrfs_xacct_system_emr"
DESTINATION_CONN_ID = "emrfs_xacct_system_destination"
ENV_ID = os.environ.get("EMRFS_XACCT_SYSTEM_ENV_ID") or uuid.uuid4().hex[:8]
NAME = f"emrfs-xacct-sys-{ENV_ID}"
PREFIX = f"s3://{NAME}/exports/"
RELEASE = os.environ.get("EMRFS_XACCT_SYSTEM_RELEASE", "emr-7.10.0")
SUBNET_ID = os.environ.get("EMRFS_XACCT_SYSTEM_SUBNET_ID")
#: What EMR needs on its instances besides EMRFS (the AWS managed policy for the EMR EC2 role); empty
#: for none (moto has no AWS managed policies).
EC2_MANAGED_POLICY = os.environ.get(
    "EMRFS_XACCT_SYSTEM_EC2_MANAGED_POLICY", "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforEC2Role"
)


def _client(conn_id: str, service: str) -> Any:
    return AwsBaseHook(aws_conn_id=conn_id, client_type=service).conn


def _ignore_missing(call: Any, **kwargs: Any) -> None:
    """Run a delete; a resource that is already gone is fine (teardown runs after partial failures)."""
    try:
        call(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] not in (
            "NoSuchEntity",
            "NoSuchBucket",
            "NotFoundException",
            "KMSInvalidStateException",
            "InvalidRequestException",
        ):
            raise


def _delete_bucket() -> None:
    """Empty the test's bucket (every version) and delete it."""
    s3 = _client(DESTINATION_CONN_ID, "s3")
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=NAME):
            for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(Bucket=NAME, Key=item["Key"], VersionId=item["VersionId"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucket":
            raise
    _ignore_missing(s3.delete_bucket, Bucket=NAME)


def _schedule_key_deletion() -> None:
    """Schedule the deletion of the test's KMS key (found by its tag)."""
    kms = _client(DESTINATION_CONN_ID, "kms")
    for key in kms.list_keys()["Keys"]:
        tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
        if {"TagKey": "emrfs-xacct", "TagValue": NAME} in tags:
            _ignore_missing(kms.schedule_key_deletion, KeyId=key["KeyId"], PendingWindowInDays=7)


def _delete_role(conn_id: str) -> None:
    """Delete the test's role of one account, its policies and (in the EMR account) its instance profile."""
    iam = _client(conn_id, "iam")
    try:
        names = iam.list_role_policies(RoleName=NAME)["PolicyNames"]
        attached = iam.list_attached_role_policies(RoleName=NAME)["AttachedPolicies"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return
    for policy in names:
        _ignore_missing(iam.delete_role_policy, RoleName=NAME, PolicyName=policy)
    for policy in attached:
        _ignore_missing(iam.detach_role_policy, RoleName=NAME, PolicyArn=policy["PolicyArn"])
    if conn_id == EMR_CONN_ID:
        _ignore_missing(iam.remove_role_from_instance_profile, InstanceProfileName=NAME, RoleName=NAME)
        _ignore_missing(iam.delete_instance_profile, InstanceProfileName=NAME)
    _ignore_missing(iam.delete_role, RoleName=NAME)


with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    tags=["emrfs-xacct", "system"],
) as dag:

    @task
    def create_fixtures() -> dict[str, str]:
        """The partner's SSE-KMS bucket and key (account B); a per-pipeline EC2 role and profile (account A)."""
        kms = _client(DESTINATION_CONN_ID, "kms")
        key_arn = kms.create_key(
            Description=f"{NAME} (system test)", Tags=[{"TagKey": "emrfs-xacct", "TagValue": NAME}]
        )["KeyMetadata"]["Arn"]
        s3 = _client(DESTINATION_CONN_ID, "s3")
        region = s3.meta.region_name
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=NAME, **location)
        s3.put_bucket_encryption(
            Bucket=NAME,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        iam = _client(EMR_CONN_ID, "iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role_arn = iam.create_role(RoleName=NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        if EC2_MANAGED_POLICY:
            iam.attach_role_policy(RoleName=NAME, PolicyArn=EC2_MANAGED_POLICY)
        iam.create_instance_profile(InstanceProfileName=NAME)
        iam.add_role_to_instance_profile(InstanceProfileName=NAME, RoleName=NAME)
        return {"key_arn": key_arn, "ec2_role_arn": role_arn}

    fixtures = create_fixtures()

    destination_role = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name=NAME,
        trusted_role_arns=["{{ ti.xcom_pull(task_ids='create_fixtures')['ec2_role_arn'] }}"],
        s3_prefixes=[PREFIX],
        kms_key_arns=["{{ ti.xcom_pull(task_ids='create_fixtures')['key_arn'] }}"],
    )
    allow_assume = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name=NAME,
        destination_role_arns=[destination_role.output],
    )
    grant_key = GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn="{{ ti.xcom_pull(task_ids='create_fixtures')['key_arn'] }}",
        principal_arns=[destination_role.output],
    )
    security_configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=NAME,
        role_mappings=[{"Role": destination_role.output, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
    )
    instances: dict[str, Any] = {
        "InstanceGroups": [
            {"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}
        ],
        "KeepJobFlowAliveWhenNoSteps": True,
    }
    if SUBNET_ID:
        instances["Ec2SubnetId"] = SUBNET_ID
    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration.output,
        job_flow_overrides={
            "Name": NAME,
            "ReleaseLabel": RELEASE,
            "Applications": [{"Name": "Hadoop"}],
            "Instances": instances,
            "JobFlowRole": NAME,
            "ServiceRole": "EMR_DefaultRole",
            # The second tag: asked by a service role with AmazonEMRServicePolicy_v2 (Amazon EMR Management Guide,
            # "Service role for Amazon EMR (EMR role)").
            "Tags": [
                {"Key": "emrfs-xacct", "Value": NAME},
                {"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"},
            ],
        },
        wait_for_completion=True,
        waiter_delay=15,
        waiter_max_attempts=80,
    )
    verify = VerifyCrossAccountAccessOperator(
        task_id="verify_with_probe",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=security_configuration.output,
        emr_ec2_role_name=NAME,
        cluster_id=cluster.output,
        release_label=RELEASE,
        probe=True,
    )
    revoke = RevokePartnerAccessOperator(
        task_id="revoke_partner",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=destination_role.output,
        emr_ec2_role_name=NAME,
        kms_key_arns=["{{ ti.xcom_pull(task_ids='create_fixtures')['key_arn'] }}"],
        security_configuration=security_configuration.output,
        name_prefix=NAME,
        delete_destination_role=True,
    )

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def terminate_cluster() -> None:
        """Terminate the test's cluster (found by its tag, whether or not the launch task returned)."""
        emr = _client(EMR_CONN_ID, "emr")
        ids = [
            summary["Id"]
            for summary in emr.list_clusters(ClusterStates=["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"])[
                "Clusters"
            ]
            if summary["Name"] == NAME
        ]
        if ids:
            emr.terminate_job_flows(JobFlowIds=ids)
            for cluster_id in ids:
                emr.get_waiter("cluster_terminated").wait(
                    ClusterId=cluster_id, WaiterConfig={"Delay": 15, "MaxAttempts": 80}
                )

    clean_up_configurations = DeleteUnusedSecurityConfigsOperator(
        task_id="delete_security_configurations",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=NAME,
        min_age_seconds=0,
        trigger_rule=TriggerRule.ALL_DONE,
    )

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def remove_fixtures() -> None:
        """Delete everything the test made, whatever step failed: bucket, key, roles, instance profile."""
        _delete_bucket()
        _schedule_key_deletion()
        for conn_id in (DESTINATION_CONN_ID, EMR_CONN_ID):
            _delete_role(conn_id)

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def watcher() -> None:
        """Fail the run when any task failed (the teardowns succeed and would hide it), as upstream's watcher does."""
        raise RuntimeError("a task of the system test failed; see its log")

    terminated = terminate_cluster()
    removed = remove_fixtures()
    fixtures >> destination_role >> [allow_assume, grant_key] >> security_configuration >> cluster
    cluster >> verify >> revoke >> terminated >> clean_up_configurations >> removed
    [fixtures, destination_role, allow_assume, grant_key, security_configuration, cluster, verify, revoke] >> watcher()
