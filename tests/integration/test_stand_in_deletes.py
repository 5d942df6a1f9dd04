"""
The stand-in refuses, as IAM does, to delete a managed policy still attached or with other versions (moto alone does not);
and, as EMR does, to delete a security configuration a cluster not terminated uses.

This is the judge of ``devstack/aws_deletes.py``: "Before you can delete a managed policy, you must first detach
the policy from all users, groups, and roles that it is attached to. In addition, you must delete all the policy's
versions" (IAM API Reference, "DeletePolicy"; ``DeleteConflict``, HTTP 409). Both sides are tried: once detached
and down to its default version, the policy is deleted.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client

DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}


def refused_delete(iam: Any, arn: str) -> None:
    with pytest.raises(ClientError) as refused:
        iam.delete_policy(PolicyArn=arn)
    assert refused.value.response["Error"]["Code"] == "DeleteConflict"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn  # nothing deleted


def test_an_attached_policy_is_not_deleted_until_it_is_detached(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    arn = iam.create_policy(PolicyName="stand-in-attached", PolicyDocument=json.dumps(DOCUMENT))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)

    refused_delete(iam, arn)
    assert arn in [
        item["PolicyArn"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    ]

    iam.detach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=arn)


def test_a_policy_with_other_versions_is_not_deleted_until_they_are(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    arn = iam.create_policy(PolicyName="stand-in-versions", PolicyDocument=json.dumps(DOCUMENT))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOCUMENT), SetAsDefault=True)

    refused_delete(iam, arn)
    assert {version["VersionId"] for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]} == {"v1", "v2"}

    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=arn)


# EMR: "Security configuration '<name>' cannot be deleted because it is in use by active clusters"
# (InvalidRequestException; seen in public issue threads, e.g. terraform-provider-aws #6279: the Amazon EMR API
# Reference lists the error for DeleteSecurityConfiguration, "Errors", without saying when). moto deletes anyway.


@pytest.mark.parametrize("state", ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"])
def test_a_security_configuration_a_cluster_not_terminated_uses_is_not_deleted_until_it_terminates(
    aws: Seeded, state: str
) -> None:
    from moto.emr.models import emr_backends

    from devstack.moto_stack import REGION
    from devstack.testing import small_cluster

    emr = client(aws.url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name="stand-in-in-use", SecurityConfiguration="{}")
    emr.create_security_configuration(Name="stand-in-unused", SecurityConfiguration="{}")
    cluster_id = emr.run_job_flow(**small_cluster("uses-it"), SecurityConfiguration="stand-in-in-use")["JobFlowId"]
    emr_backends[EMR_ACCOUNT][REGION].clusters[cluster_id].state = state  # as ListClusters and DescribeCluster show

    with pytest.raises(ClientError) as refused:
        emr.delete_security_configuration(Name="stand-in-in-use")
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "cannot be deleted because it is in use by active clusters" in refused.value.response["Error"]["Message"]
    assert emr.describe_security_configuration(Name="stand-in-in-use")["Name"] == "stand-in-in-use"  # still there
    emr.delete_security_configuration(Name="stand-in-unused")  # one no cluster uses goes

    emr_backends[EMR_ACCOUNT][REGION].clusters[cluster_id].state = "WAITING"
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"
    emr.delete_security_configuration(Name="stand-in-in-use")
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
