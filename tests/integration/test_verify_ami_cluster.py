"""
VerifyCrossAccountAccessOperator on a cluster DescribeCluster shows without a ``ReleaseLabel``, against moto.

"The release label applies only to Amazon EMR releases version 4.0 and later. Earlier versions use AmiVersion"
(Amazon EMR API Reference, "Cluster"), and role mappings need release 5.10.0 or later (Amazon EMR Management Guide,
"Configure IAM roles for EMRFS requests to Amazon S3"). The verifier judged such a cluster as the ``release_label``
given beside it (the CLI passes ``emr.release_label``), and PASSed its release link.
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from devstack.moto_stack import DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import run_operator, small_cluster
from tests.integration.test_verify import Partner, partner

__all__ = ["partner"]  # the fixture, used by name

RELEASE_LINK = "release supports role mappings"
GIVEN_LINK = "release_label given is the cluster's"


def test_a_cluster_without_a_release_label_fails_whatever_release_label_is_given(partner: Partner) -> None:
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    arguments = {key: value for key, value in small_cluster("ami-export").items() if key != "ReleaseLabel"}
    cluster_id = emr.run_job_flow(**arguments, AmiVersion="3.11.0", SecurityConfiguration=partner.configuration)[
        "JobFlowId"
    ]
    described = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert "ReleaseLabel" not in described
    assert described["RunningAmiVersion"] == "3.11.0"
    operator = VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=partner.configuration,
        cluster_id=cluster_id,
        release_label="emr-6.15.0",
        fail_on_broken=False,
    )

    report, _, _ = run_operator(operator)

    links = {link["link"]: link for link in report["links"]}
    assert links[RELEASE_LINK]["status"] == "fail", links[RELEASE_LINK]
    assert cluster_id in links[RELEASE_LINK]["detail"]
    assert "RunningAmiVersion" in links[RELEASE_LINK]["detail"]
    assert links[GIVEN_LINK]["status"] == "warn", links[GIVEN_LINK]
    assert "'emr-6.15.0'" in links[GIVEN_LINK]["detail"]
    assert report["healthy"] is False
