"""
EMRFS consistent view: with ``emrfs-site`` ``fs.s3.consistent`` true, EMRFS keeps the objects' metadata in a DynamoDB
table ("When you create a cluster and EMRFS CV is turned on, Amazon EMR creates an Amazon DynamoDB database to store
object metadata": Amazon EMR Release Guide, "Consistent view"). No link reads that table's access, and AWS does not
document which credentials EMRFS uses for it, so the cluster is not checked. Before, it verified PASS.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.credential_settings import CONSISTENT_VIEW_LINK
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN, VERDICT_NOT_CHECKED, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, plan_launch
from tests.unit.test_chain import healthy_state


def site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


def report(*configurations: dict[str, Any], release: str = "emr-6.15.0") -> Any:
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    return check_chain(state)


# "If your cluster has the following configuration, it uses EMRFS CV: Classification=emrfs-site,
# Property=fs.s3.consistent,Value=true" (same page); Hadoop reads a flag trimmed, in any case.
@pytest.mark.parametrize("value", ["true", " TRUE\n"])
def test_consistent_view_turned_on_in_emrfs_site_is_not_checked(value: str) -> None:
    found = report(site("emrfs-site", **{"fs.s3.consistent": value}))

    assert found.verdict == VERDICT_NOT_CHECKED
    [link] = [link for link in found.links if link.link == CONSISTENT_VIEW_LINK]
    assert link.status == UNKNOWN
    assert f"emrfs-site fs.s3.consistent={value!r}" in link.detail
    assert "DynamoDB" in link.detail
    assert link.probe_settles  # the probe's hadoop fs write goes through EMRFS with the site files
    assert not [each for each in found.links if each.status == FAIL]
    # Off (the default), or another consistent view option without the switch: nothing to add.
    assert report(site("emrfs-site", **{"fs.s3.consistent": "false"})).verdict == VERDICT_PASS
    assert report(site("emrfs-site", **{"fs.s3.consistent.retryCount": "10"})).verdict == VERDICT_PASS


@pytest.mark.parametrize(
    "configuration",
    [
        site("spark-defaults", **{"spark.hadoop.fs.s3.consistent": "true"}),
        site("hive-site", **{"fs.s3.consistent": "true"}),
    ],
    ids=["spark", "hive-site"],
)
def test_consistent_view_turned_on_for_some_jobs_only_is_not_settled_by_the_probe(
    configuration: dict[str, Any],
) -> None:
    found = report(configuration)

    assert found.verdict == VERDICT_NOT_CHECKED
    [link] = [link for link in found.links if link.link == CONSISTENT_VIEW_LINK]
    assert link.status == UNKNOWN
    assert not link.probe_settles


def test_consistent_view_where_emrfs_is_kept_on_7_10_is_not_checked() -> None:
    keep = site("core-site", **{"fs.s3.impl": EMRFS_IMPL})

    found = report(keep, site("emrfs-site", **{"fs.s3.consistent": "true"}), release="emr-7.10.0")

    assert found.verdict == VERDICT_NOT_CHECKED
    assert [link.status for link in found.links if link.link == CONSISTENT_VIEW_LINK] == [UNKNOWN]
    # From 7.10.0 S3A serves s3:// unless fs.s3.impl keeps EMRFS: EMRFS's consistent view is then no write's.
    s3a = report(site("emrfs-site", **{"fs.s3.consistent": "true"}), release="emr-7.10.0")
    assert CONSISTENT_VIEW_LINK not in [link.link for link in s3a.links]


# The launch warns of consistent view where it is turned on (the verifier will leave it not checked), naming the field;
# a value Hadoop reads as false, or another consistent view option, makes no warning.
@pytest.mark.parametrize(
    ("overrides", "emrfs_site", "field"),
    [
        ([site("emrfs-site", **{"fs.s3.consistent": " TRUE"})], {}, "Configurations[0].Properties.fs.s3.consistent"),
        (
            [site("core-site"), site("spark-defaults", **{"spark.hadoop.fs.s3.consistent": "true"})],
            {},
            "Configurations[1].Properties.spark.hadoop.fs.s3.consistent",
        ),
        ([site("hive-site", **{"fs.s3.consistent": "true"})], {}, "Configurations[0].Properties.fs.s3.consistent"),
        ([], {"fs.s3.consistent": "true"}, "emrfs_site_properties.fs.s3.consistent"),
    ],
)
def test_launch_warns_where_consistent_view_is_turned_on(
    overrides: list[dict[str, Any]], emrfs_site: dict[str, str], field: str
) -> None:
    plan = plan_launch(launch_request(overrides), emrfs_site_properties=emrfs_site)
    [warning] = [text for text in plan.warnings if "consistent view" in text]
    assert field in warning
    assert "not checked" in warning


@pytest.mark.parametrize(
    "configuration",
    [
        site("emrfs-site", **{"fs.s3.consistent": "false"}),
        site("emrfs-site", **{"fs.s3.consistent.retryCount": "10"}),
        site("spark-defaults", **{"fs.s3.consistent": "true"}),  # Spark reads spark.hadoop.* only
    ],
)
def test_launch_does_not_warn_where_consistent_view_stays_off(configuration: dict[str, Any]) -> None:
    plan = plan_launch(launch_request([configuration]))
    assert not [text for text in plan.warnings if "consistent view" in text]


def launch_request(configurations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Name": "partner",
        "ReleaseLabel": "emr-6.15.0",
        "Instances": {"KeepJobFlowAliveWhenNoSteps": True},
        "Configurations": configurations,
    }
