"""
A service role with AWS's scoped managed policy ``AmazonEMRServicePolicy_v2`` provisions only clusters tagged
``for-use-with-amazon-emr-managed-policies=true`` (Amazon EMR Management Guide, "Service role for Amazon EMR (EMR
role)": the default role ``EMR_DefaultRole_V2`` has that policy, and "you need to pass the user tag
for-use-with-amazon-emr-managed-policies = true when provisioning the cluster"). The stand-in plays it
(``devstack.aws_emr``); the example DAGs' launches carry the tag.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.aws_emr import MANAGED_POLICIES_TAG
from devstack.moto_stack import EMR_ACCOUNT, EMR_SERVICE_ROLE, Seeded, client
from devstack.testing import ROOT, small_cluster

SCOPED_POLICY = "AmazonEMRServicePolicy_v2"


def give_the_service_role_the_scoped_policy(seeded: Seeded) -> None:
    """Attach ``AmazonEMRServicePolicy_v2`` to the seeded service role (moto loads no AWS managed policy: added here)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    data = json.loads(aws_managed_policies_data)[SCOPED_POLICY]
    policy = AWSManagedPolicy.from_data(SCOPED_POLICY, EMR_ACCOUNT, "us-east-1", data)
    iam_backends[EMR_ACCOUNT]["aws"].managed_policies[policy.arn] = policy
    assert policy.arn == f"arn:aws:iam::aws:policy/service-role/{SCOPED_POLICY}"
    client(seeded.url, EMR_ACCOUNT, "iam").attach_role_policy(RoleName=EMR_SERVICE_ROLE, PolicyArn=policy.arn)


def launched_state(seeded: Seeded, tags: list[dict[str, str]]) -> dict[str, Any]:
    emr = client(seeded.url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**small_cluster(ServiceRole=EMR_SERVICE_ROLE, Tags=tags))["JobFlowId"]
    return dict(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"])


def test_stand_in_fails_an_untagged_cluster_of_a_scoped_service_role(aws: Seeded) -> None:
    assert launched_state(aws, [])["State"] == "WAITING"  # the deprecated policy, or none: no tag asked
    give_the_service_role_the_scoped_policy(aws)
    refused = launched_state(aws, [{"Key": "partner", "Value": "b"}])
    assert refused["State"] == "TERMINATED_WITH_ERRORS"
    assert MANAGED_POLICIES_TAG in refused["StateChangeReason"]["Message"]
    assert launched_state(aws, [{"Key": MANAGED_POLICIES_TAG, "Value": "false"}])["State"] == "TERMINATED_WITH_ERRORS"
    assert launched_state(aws, [{"Key": MANAGED_POLICIES_TAG, "Value": "true"}])["State"] == "WAITING"


@pytest.mark.parametrize(
    ("dag_id", "task_id"),
    [
        ("emrfs_xacct_partner_export", "launch_cluster"),
        ("emrfs_xacct_bucket_policy_export", "launch_cluster"),
        ("emrfs_xacct_multi_tenant", "launch_shared_cluster"),
    ],
)
def test_example_dags_launch_clusters_a_scoped_service_role_provisions(aws: Seeded, dag_id: str, task_id: str) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / f"{dag_id}.py"))
    overrides = bag.dags[dag_id].get_task(task_id).job_flow_overrides
    # The tags as rendered, templated values left out (the partner's name): the tag asked is a constant.
    tags = [tag for tag in overrides.get("Tags", []) if "{{" not in tag["Value"]]
    give_the_service_role_the_scoped_policy(aws)
    assert launched_state(aws, tags)["State"] == "WAITING"


def test_the_many_partners_dag_launches_clusters_a_scoped_service_role_provisions(aws: Seeded) -> None:
    """Its launches take their overrides from a task (one per partner): that task's tags, as the launch is given them."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "emrfs_xacct_many_partners.py"))
    overrides = bag.dags["emrfs_xacct_many_partners"].get_task("export_partner.cluster_overrides")
    tags = overrides.python_callable("partner-a-cluster", "emr-7.0.0", "20261203T000000")["Tags"]
    give_the_service_role_the_scoped_policy(aws)
    assert launched_state(aws, tags)["State"] == "WAITING"
