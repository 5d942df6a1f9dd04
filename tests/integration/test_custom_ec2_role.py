"""
One EC2 role per pipeline (or partner) instead of the shared ``EMR_EC2_DefaultRole``.

AWS (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): role
mappings isolate applications, not hosts; anyone on a cluster can assume every role its instance
profile's role may assume. With a shared EC2 role every cluster of the EMR account can write into
every partner's bucket; with one role per partner only that partner's clusters can. The provider
must work the same with such a role, on a path of its own. Its instance profile has its name: "Amazon EMR does
not support" a profile named otherwise than its role (Amazon EMR Management Guide, "Customize IAM roles with Amazon
EMR"); the launch refuses one (``tests/integration/test_launch_roles.py``).
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME, TRUST_SID
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from devstack.testing import run_operator, small_cluster
from tests.integration.partners import create_security_configuration, mapping, provision_partner

PIPELINE_ROLE = "emr-ec2-partner-b"
PIPELINE_PROFILE = PIPELINE_ROLE
PREFIX = "s3://partner-results-b/partner-b/"


def create_pipeline_role(url: str) -> str:
    iam = client(url, EMR_ACCOUNT, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName=PIPELINE_ROLE, Path="/emr/", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.create_instance_profile(InstanceProfileName=PIPELINE_PROFILE, Path="/emr/")
    iam.add_role_to_instance_profile(InstanceProfileName=PIPELINE_PROFILE, RoleName=PIPELINE_ROLE)
    return str(role["Arn"])


def test_the_chain_with_a_pipeline_role_touches_only_that_role(aws: Seeded) -> None:
    pipeline_role_arn = create_pipeline_role(aws.url)
    assert pipeline_role_arn == f"arn:aws:iam::{EMR_ACCOUNT}:role/emr/{PIPELINE_ROLE}"
    iam_a = client(aws.url, EMR_ACCOUNT, "iam")
    default_policies_before = iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]

    destination_role = provision_partner(
        aws, "emrfs-partner-b-writer", PREFIX, emr_ec2_role=(PIPELINE_ROLE, pipeline_role_arn)
    )
    configuration = create_security_configuration(
        [mapping("emrfs-partner-b-writer", PREFIX)], name_prefix="emrfs-xacct-partner-b"
    )
    cluster_id, launch, _ = run_operator(
        LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=configuration,
            job_flow_overrides=small_cluster("export-partner-b", "emr-7.10.0", JobFlowRole=PIPELINE_PROFILE),
            wait_for_completion=False,
        )
    )

    # The trust names the pipeline role (by its path too), the assume-role policy sits on it alone.
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    role = iam_b.get_role(RoleName="emrfs-partner-b-writer")["Role"]
    (trust,) = [s for s in role["AssumeRolePolicyDocument"]["Statement"] if s.get("Sid") == TRUST_SID]
    assert trust["Principal"]["AWS"] in ([pipeline_role_arn], pipeline_role_arn)
    assume = iam_a.get_role_policy(RoleName=PIPELINE_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    assert assume["Statement"][0]["Resource"] in ([destination_role], destination_role)
    assert iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"] == default_policies_before
    assert ASSUME_POLICY_NAME not in default_policies_before
    # The cluster runs with the pipeline's instance profile.
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster: dict[str, Any] = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Ec2InstanceAttributes"]["IamInstanceProfile"] == PIPELINE_PROFILE
    assert cluster["SecurityConfiguration"] == configuration
    assert "RunJobFlow" in launch.mutating
