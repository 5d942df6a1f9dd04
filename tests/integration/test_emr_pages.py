"""
Every EMR list the provider acts on is read to its last page.

EMR pages ``ListClusters`` (50 clusters a page) and ``ListSecurityConfigurations`` by ``Marker``: "The
pagination token that indicates the next set of results to retrieve" (Amazon EMR API Reference,
"ListClusters", "ListSecurityConfigurations"). moto, and the stand-in's own ``ListSecurityConfigurations``,
answer a short list in one page; here the stand-in answers one item a page
(:func:`devstack.aws_pages.short_pages`), so an item past the first page is one a single call misses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.hooks.emr import ACTIVE_CLUSTER_STATES, IDEMPOTENCY_TAG, EmrfsEmrHook
from devstack.aws_pages import short_pages
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import run_operator, small_cluster
from tests.integration.partners import create_security_configuration, mapping
from tests.integration.test_revoke import PARTNER_1, PARTNER_2, PREFIX_1, PREFIX_2, cleaner, launch, names

if TYPE_CHECKING:
    from collections.abc import Callable


def past_the_first_page(emr: Any, make: Callable[[], str]) -> str:
    """
    Return a cluster ``make`` launched that is not on the first one-item page of ``ListClusters`` (active ones).

    EMR lists clusters "in unsorted order" (Amazon EMR API Reference, "ListClusters"); moto sorts them by
    their random ids. So three other clusters are launched first, and a cluster of ``make`` that comes first
    is terminated (no longer active, so no longer listed by the searches under test) and made again: each
    try comes first with a chance of one in four, so thirty tries leave no chance that counts.
    """
    for index in range(3):
        emr.run_job_flow(**small_cluster(f"other-{index}"))
    for _ in range(30):
        cluster_id = make()
        with short_pages(1):
            first = emr.list_clusters(ClusterStates=list(ACTIVE_CLUSTER_STATES))["Clusters"]
        if cluster_id not in [item["Id"] for item in first]:
            return cluster_id
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
    raise AssertionError("every cluster made came first on the first page")


def test_the_stand_in_cuts_emr_lists_short_and_continues_from_the_marker(aws: Seeded) -> None:
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    for name in ("a", "b"):
        emr.create_security_configuration(Name=name, SecurityConfiguration="{}")
        emr.run_job_flow(**small_cluster(name))

    with short_pages(1):
        first = emr.list_clusters()
        clusters = [item for page in emr.get_paginator("list_clusters").paginate() for item in page["Clusters"]]
        configurations = [
            item["Name"]
            for page in emr.get_paginator("list_security_configurations").paginate()
            for item in page["SecurityConfigurations"]
        ]

    assert len(first["Clusters"]) == 1
    assert first["Marker"]
    assert len(clusters) == 2
    assert configurations == ["a", "b"]
    assert len(emr.list_clusters()["Clusters"]) == 2  # off again


def test_cleanup_sees_every_configuration_and_every_active_cluster(aws: Seeded) -> None:
    """A configuration in use by a cluster past the first page is kept; every unused one past it goes."""
    in_use = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    unused = {
        create_security_configuration([mapping(PARTNER_2, PREFIX_2)]),
        create_security_configuration([mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)]),
    }
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    past_the_first_page(emr, lambda: launch(emr, in_use))

    with short_pages(1):
        deleted, _, _ = run_operator(cleaner(min_age_seconds=0))

    assert set(deleted) == unused
    assert names(emr) == {in_use}


def test_a_retried_launch_finds_its_cluster_past_the_first_page(aws: Seeded) -> None:
    """The idempotency look-up (``create_job_flow``) must not launch a second cluster for a key it did not see."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    ours = past_the_first_page(
        emr,
        lambda: emr.run_job_flow(**small_cluster("ours", Tags=[{"Key": IDEMPOTENCY_TAG, "Value": "key-1"}]))[
            "JobFlowId"
        ],
    )
    hook = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID, emr_conn_id=None)

    with short_pages(1):
        found = hook.find_cluster_by_idempotency_key("key-1")

    assert found == ours
