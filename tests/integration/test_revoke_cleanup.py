"""
DeleteUnusedSecurityConfigsOperator and pipelines that reuse their content-named configuration.

Against the two-account moto server. A configuration is named by its content, so a daily pipeline
creates it once and every later run reuses it: its ``CreationDateTime`` says nothing about whether a
run is about to launch with it. The cleanup keeps one used by a cluster created within
``min_age_seconds``, in any state (Amazon EMR API Reference, "ListClusters": ``CreatedAfter``). A
run that has ensured its configuration but not launched yet leaves no trace in AWS: when the cleanup
deleted it, the launch says so and how to recover.
"""

from __future__ import annotations

import time

import pytest

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import run_operator, small_cluster
from tests.integration.partners import create_security_configuration, mapping, provision_partner
from tests.integration.test_revoke import PARTNER_1, PARTNER_2, PREFIX_1, PREFIX_2, cleaner, launch, names


def test_a_configuration_used_by_a_recent_cluster_is_kept_though_older_than_min_age_and_the_cluster_gone(
    aws: Seeded,
) -> None:
    """A pipeline ran lately with its day-1 configuration (its cluster has finished): the next run reuses it."""
    reused = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    unused = create_security_configuration([mapping(PARTNER_2, PREFIX_2)])
    time.sleep(3)  # both configurations are now older than min_age_seconds=2
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster = launch(emr, reused)
    emr.terminate_job_flows(JobFlowIds=[cluster])
    assert emr.describe_cluster(ClusterId=cluster)["Cluster"]["Status"]["State"] == "TERMINATED"

    deleted, _, _ = run_operator(cleaner(min_age_seconds=2))

    assert deleted == [unused]
    assert reused in names(emr)


def test_a_launch_whose_configuration_the_cleanup_deleted_says_so_and_how_to_recover(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])  # day 1
    assert create_security_configuration([mapping(PARTNER_1, PREFIX_1)]) == name  # day N: reused, no change
    # Cleanup between day N's create and launch (0 stands in for "created more than a day ago").
    deleted, _, _ = run_operator(cleaner(min_age_seconds=0))
    assert deleted == [name]

    with pytest.raises(PreconditionError) as refused:
        run_operator(
            LaunchClusterWithSecConfigOperator(
                task_id="launch_cluster",
                aws_conn_id=EMR_CONN_ID,
                emr_conn_id=None,
                security_configuration=name,
                job_flow_overrides=small_cluster(),
                wait_for_completion=False,
            )
        )

    assert "DeleteUnusedSecurityConfigsOperator may have deleted it" in str(refused.value)
    assert "clear the create task" in str(refused.value)
