"""
The verifier reads each instance group's own configurations, which EMR applies to its instances over the cluster's.

"You can specify a separate configuration for each instance group (master, core, and task)" (Amazon EMR API
Reference, ``InstanceGroupConfig``, ``Configurations``); ``ListInstanceGroups`` answers them (``InstanceGroup``,
``Configurations``, and ``LastSuccessfullyAppliedConfigurations`` after a reconfiguration). The links judge the
cluster's ``Configurations`` (``DescribeCluster``): a core group serving ``s3://`` with S3A and EMR's translation of
the role mappings off writes as the instance profile, which no link saw. The stand-in keeps a group's configurations
(moto refused them: ``devstack/aws_emr.py``); the cluster is launched with boto3 directly, as the provider's launch
refuses such a group (tests/integration/test_launch_options.py).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.instance_settings import INSTANCE_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, S3A_IMPL
from devstack.moto_stack import EMR_ACCOUNT, client
from devstack.testing import run_operator, small_cluster
from tests.integration.test_launch_options import instance_groups
from tests.integration.test_verify import Partner, partner, verifier

__all__ = ["partner"]  # the fixture, imported for the tests below

CLUSTER_WIDE = [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}]
S3A_WITHOUT_MAPPINGS = [
    {
        "Classification": "core-site",
        "Properties": {"fs.s3.impl": S3A_IMPL, "fs.s3a.emrfs.compatibility.enable": "false"},
    }
]


def launch_with_core_group(partner: Partner, core_configurations: list[dict[str, Any]]) -> str:
    arguments = small_cluster(
        "instance-groups", "emr-7.10.0", Configurations=CLUSTER_WIDE, Instances=instance_groups(core_configurations)
    )
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    return str(emr.run_job_flow(**arguments, SecurityConfiguration=partner.configuration)["JobFlowId"])


def links(partner: Partner, cluster_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    report, _, _ = run_operator(
        verifier(partner.configuration, cluster_id=cluster_id, release_label=None, fail_on_broken=False)
    )
    return report, [link for link in report["links"] if link["link"] == INSTANCE_LINK]


def test_a_core_group_serving_s3_with_s3a_without_the_mappings_is_not_passed(partner: Partner) -> None:
    cluster_id = launch_with_core_group(partner, S3A_WITHOUT_MAPPINGS)

    report, found = links(partner, cluster_id)

    assert [link["status"] for link in found] == ["not checked", "not checked"], found
    assert all(link["detail"].startswith("instance group ") and ", CORE) sets " in link["detail"] for link in found)
    assert f"core-site fs.s3.impl={S3A_IMPL!r}" in found[0]["detail"]
    assert "fs.s3a.emrfs.compatibility.enable='false'" in found[1]["detail"]
    assert report["verdict"] != "PASS"


def test_a_core_group_that_agrees_with_the_cluster_adds_no_link(partner: Partner) -> None:
    core = [
        {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}},
        {"Classification": "yarn-site", "Properties": {"yarn.nodemanager.vmem-check-enabled": "false"}},
    ]
    cluster_id = launch_with_core_group(partner, core)

    _, found = links(partner, cluster_id)

    assert found == []
