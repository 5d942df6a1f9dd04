"""
The verifier and its live probe in ``aws-cn`` (``cn-north-1``) and ``aws-us-gov`` (``us-gov-west-1``), over the stand-in.

The stand-in is seeded in the partition (``devstack.moto_stack.seed``: ``arn:aws-cn:`` / ``arn:aws-us-gov:`` ARNs,
"ARNs for Amazon Web Services in China"; AWS GovCloud (US) User Guide, "Amazon Resource Names (ARNs) in AWS
GovCloud (US) Regions"), the chain provisioned by the provider's operators, and the verifier run with the probe on
a cluster: the probe step's write is judged by the EMRFS-like writer (``devstack/emrfs_writer.py``) in the same
partition. A granted chain passes; a chain without the trust, with a bucket policy denying the writes, or without
the key user fails, in the verifier's report and in the probe.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.verify import probe_key, probe_step
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    MotoStack,
    Seeded,
    airflow_environment,
    client,
    create_principals,
    key_admin_arn,
    partition_of,
    seed,
)
from devstack.testing import RecordingTaskInstance, run_operator, small_cluster
from tests.conftest import reset_moto
from tests.integration.test_network_facts import add_s3_gateway_endpoint, add_sts_interface_endpoint, private_subnet
from tests.integration.test_verify import provider_key_statement

ROLE_NAME = "partner-b-writer"
PREFIX = "s3://partner-results-b/exports/"
RELEASE = "emr-6.15.0"
ASSUME = "EMR role can assume destination role"
WRITE = f"write files {PREFIX}"
KMS = f"use bucket key for {PREFIX}"


@pytest.fixture(params=["cn-north-1", "us-gov-west-1"])
def region(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def provisioned(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch, region: str) -> dict[str, Any]:
    """Both accounts seeded in ``region``'s partition, the chain provisioned and a cluster launched with it."""
    reset_moto(moto_stack.url)
    for name, value in airflow_environment(moto_stack.url, region).items():
        monkeypatch.setenv(name, value)
    aws = seed(moto_stack.url, region)
    partition = partition_of(region)
    assert aws.emr_ec2_role_arn == f"arn:{partition}:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    assert aws.kms_key_arn.startswith(f"arn:{partition}:kms:{region}:{DESTINATION_ACCOUNT}:key/")
    role_arn, _, _ = run_operator(
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=ROLE_NAME,
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[PREFIX],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        )
    )
    assert role_arn == f"arn:{partition}:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
            destination_role_arns=[role_arn],
            settle_seconds=0,
        )
    )
    run_operator(
        GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=aws.kms_key_arn,
            principal_arns=[role_arn],
            settle_seconds=0,
        )
    )
    configuration, _, _ = run_operator(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="emrfs-xacct-partition",
            role_mappings=[{"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
            settle_seconds=0,
        )
    )
    emr = client(aws.url, EMR_ACCOUNT, "emr", region)
    cluster_id = emr.run_job_flow(**small_cluster("partner-export", RELEASE), SecurityConfiguration=configuration)[
        "JobFlowId"
    ]
    return {"aws": aws, "region": region, "role_arn": role_arn, "configuration": configuration, "cluster": cluster_id}


def verify(chain: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Run the verifier with the probe; return its report and the task's error (``None``: it passed)."""
    operator = VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=chain["configuration"],
        release_label=RELEASE,
        cluster_id=chain["cluster"],
        probe=True,
    )
    ti = RecordingTaskInstance(task_id=operator.task_id)
    try:
        run_operator(operator, ti)
    except EmrfsXacctError as error:
        return ti.xcoms["report"], str(error)
    return ti.xcoms["report"], None


def failing(report: dict[str, Any]) -> list[str]:
    return [link["link"] for link in report["links"] if link["status"] == "fail"]


def test_a_granted_chain_passes_with_the_probe(provisioned: dict[str, Any]) -> None:
    report, error = verify(provisioned)

    assert error is None, json.dumps(report, indent=1)
    assert report["verdict"] == "PASS"
    assert {link["status"] for link in report["links"]} == {"pass"}
    assert report["probe"]["ok"] is True
    [(uri, written)] = report["probe"]["objects"].items()
    assert uri.startswith(PREFIX)
    assert written["encryption"] == "aws:kms"


def _trust_someone_else(aws: Seeded, region: str) -> None:
    other = f"arn:{partition_of(region)}:iam::{EMR_ACCOUNT}:role/SomeOtherRole"
    create_principals(aws.url, other)
    statement = {"Effect": "Allow", "Principal": {"AWS": other}, "Action": "sts:AssumeRole"}
    client(aws.url, DESTINATION_ACCOUNT, "iam", region).update_assume_role_policy(
        RoleName=ROLE_NAME, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def _deny_writes_in_bucket_policy(aws: Seeded, region: str) -> None:
    statement = {
        "Sid": "FreezeExports",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:{partition_of(region)}:s3:::{aws.bucket}/exports/*",
    }
    client(aws.url, DESTINATION_ACCOUNT, "s3", region).put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def _drop_key_users_and_root(aws: Seeded, region: str) -> None:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms", region)
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    admins = key_admin_arn(region)
    policy["Statement"] = [item for item in policy["Statement"] if item["Principal"]["AWS"] == admins]
    assert len(policy["Statement"]) == 1
    policy["Statement"].append(provider_key_statement(aws, region))  # the verifier's reads, without the root's
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))


#: The break, the verifier's failing links (``None``: the write links among others), the refused request of the
#: probe and what its reason names.
BREAKS = {
    "trust-missing": (_trust_someone_else, [ASSUME], "AssumeRole", "trust policy"),
    "bucket-policy-denies-writes": (
        _deny_writes_in_bucket_policy,
        None,
        "PutObject",
        "bucket policy denies it explicitly",
    ),
    "key-user-missing": (_drop_key_users_and_root, [KMS], "PutObject", "kms:GenerateDataKey"),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_a_broken_chain_fails_in_the_report_and_in_the_probe(provisioned: dict[str, Any], case: str) -> None:
    """
    The verifier fails on the broken link (and runs no probe on a chain its reading found broken); the probe step
    itself, added to the cluster, fails with the request the stand-in's judge refused.
    """
    breaks, links, refused, reason = BREAKS[case]
    aws, region = provisioned["aws"], provisioned["region"]
    breaks(aws, region)

    report, error = verify(provisioned)

    assert error is not None
    assert report["healthy"] is False
    if links is None:
        assert WRITE in failing(report)
    else:
        assert failing(report) == links
    emr = client(aws.url, EMR_ACCOUNT, "emr", region)
    uri = probe_key(PREFIX)
    [step_id] = emr.add_job_flow_steps(JobFlowId=provisioned["cluster"], Steps=[probe_step(uri)])["StepIds"]
    status = emr.describe_step(ClusterId=provisioned["cluster"], StepId=step_id)["Step"]["Status"]
    assert status["State"] == "FAILED", status
    message = status["FailureDetails"]["Message"]
    assert message.startswith(f"403 {refused} "), message
    assert reason in message, message
    assert f"arn:{partition_of(region)}:" in message


def _key_users_only_through_s3(aws: Seeded, region: str, via: str) -> None:
    """
    The key user statement (and the root's) allowed only when called through ``via`` (``kms:ViaService``); the
    provider's connection, which calls KMS itself, named for its reads.
    """
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms", region)
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    for statement in policy["Statement"]:
        if statement["Principal"]["AWS"] != key_admin_arn(region):
            statement["Condition"] = {"StringEquals": {"kms:ViaService": via}}
    policy["Statement"].append(provider_key_statement(aws, region))
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))


@pytest.mark.parametrize(
    ("via", "status"),
    [
        pytest.param("s3.{region}.{suffix}", "pass", id="S3-of-the-key-s-Region"),
        pytest.param("ec2.{region}.{suffix}", "fail", id="another-service"),
    ],
)
def test_a_kms_via_service_condition_is_judged_only_where_aws_documents_its_value(
    provisioned: dict[str, Any], via: str, status: str
) -> None:
    """
    ``kms:ViaService`` is ``SERVICE.REGION.amazonaws.com`` (AWS KMS Developer Guide, "kms:ViaService"); AWS GovCloud
    (US) shares the ``amazonaws.com`` endpoints (AWS GovCloud (US) User Guide, "Service endpoints", and its KMS page
    lists no difference), so there it is judged. What S3 sends in the China Regions (endpoints ``amazonaws.com.cn``,
    "Endpoints and ARNs for Amazon Web Services in China") is not documented: the key's link is "not checked"
    there, whatever the value, never PASS nor FAIL.
    """
    region = provisioned["region"]
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    _key_users_only_through_s3(provisioned["aws"], region, via.format(region=region, suffix=suffix))

    report, error = verify(provisioned)

    [link] = [link for link in report["links"] if link["link"] == KMS]
    if region.startswith("cn-"):
        assert link["status"] == "not checked", link
        assert "kms:ViaService" in link["detail"], link
        # The headline says the probe's outcome too: the stand-in's judge fails a write it cannot tell.
        assert report["verdict"] == ("FAIL" if report["probe"]["ok"] is False else "NOT_CHECKED"), report["links"]
    else:
        assert link["status"] == status, link
        # The probe, judged by the stand-in with the same documented value, agrees.
        assert (error is None) is (status == "pass"), error


def test_the_cluster_s_routes_to_sts_and_s3_are_judged_in_the_partition(provisioned: dict[str, Any]) -> None:
    """
    A cluster in a private subnet of the partition's Region: without an STS interface endpoint and an S3 gateway
    endpoint both links fail (the Regional STS endpoint, ``sts.REGION.amazonaws.com.cn`` in China: "Endpoints and
    ARNs for Amazon Web Services in China"; GovCloud's ``sts.us-gov-west-1.amazonaws.com``: AWS GovCloud (US) User
    Guide, "Service endpoints"); with the two endpoints of that Region they pass, and the probe writes.
    """
    aws, region = provisioned["aws"], provisioned["region"]
    ec2 = client(aws.url, EMR_ACCOUNT, "ec2", region)
    vpc, subnet = private_subnet(ec2, "10.7")
    instances = {**small_cluster()["Instances"], "Ec2SubnetId": subnet}
    emr = client(aws.url, EMR_ACCOUNT, "emr", region)
    provisioned["cluster"] = emr.run_job_flow(
        **small_cluster("private-export", RELEASE, Instances=instances),
        SecurityConfiguration=provisioned["configuration"],
    )["JobFlowId"]
    routes = ("cluster reaches STS", f"cluster reaches s3://{aws.bucket}")

    report, error = verify(provisioned)

    assert error is not None
    assert [link["status"] for link in report["links"] if link["link"] in routes] == ["fail", "fail"]

    add_sts_interface_endpoint(ec2, vpc, subnet, region=region)
    add_s3_gateway_endpoint(ec2, vpc, subnet, region=region)
    report, error = verify(provisioned)

    assert [link["status"] for link in report["links"] if link["link"] in routes] == ["pass", "pass"]
    assert error is None, report["links"]
    assert report["probe"]["ok"] is True
