"""
A Spark job's own Hadoop properties, ``spark-defaults`` ``spark.hadoop.<name>`` ("spark.hadoop.abc.def=xyz represents
adding hadoop property abc.def=xyz": Spark, "Configuration", "Custom Hadoop/Hive Configuration"), for a setting the
verifier reads from ``emrfs-site`` or ``core-site``: AWS does not say which of the two the job's connector follows,
so the link is not checked rather than judged on the site value alone.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import SPARK_LINK
from tests.unit.test_chain import BUCKET, healthy_state


def verdict(*configurations: dict[str, object]) -> tuple[str, list[str]]:
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    links = [link for link in report.links if link.link == SPARK_LINK]
    assert all(link.status == UNKNOWN for link in links)
    return report.verdict, [link.detail for link in links]


def spark(name: str, value: str) -> dict[str, object]:
    return {"Classification": "spark-defaults", "Properties": {f"spark.hadoop.{name}": value}}


def emrfs(name: str, value: str) -> dict[str, object]:
    return {"Classification": "emrfs-site", "Properties": {name: value}}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fs.s3.canned.acl", "Private"),  # the study's case: PASS, while the uploads would carry x-amz-acl private
        ("fs.s3.useRequesterPaysHeader", "true"),
        ("fs.s3.enableServerSideEncryption", "true"),
        ("fs.s3.cse.enabled", "true"),
        ("fs.s3a.emrfs.compatibility.enable", "false"),
    ],
)
def test_a_setting_the_verifier_reads_set_for_spark_jobs_is_not_checked(name: str, value: str) -> None:
    assert verdict()[0] == VERDICT_PASS  # the healthy chain
    found, [detail] = verdict(spark(name, value))
    assert found == VERDICT_NOT_CHECKED
    assert f"spark-defaults spark.hadoop.{name}" in detail


@pytest.mark.parametrize(
    "name",
    [
        "fs.s3a.acl.default",  # read since S3A's own canned ACL counts (an S3A PublicRead was a PASS for Spark jobs)
        f"fs.s3a.bucket.{BUCKET}.acl.default",  # S3A's per-bucket forms win for their bucket
        f"fs.s3a.bucket.{BUCKET}.requester.pays.enabled",
        "fs.s3a.encryption.key",  # S3A's own encryption: not read, a core-site value leaves the key not checked
        f"fs.s3a.bucket.{BUCKET}.encryption.algorithm",
        "fs.s3.sts.endpoint",  # the STS endpoint EMRFS calls, and S3A's
        "fs.s3a.assumed.role.sts.endpoint",
    ],
)
def test_the_s3a_and_sts_settings_the_verifier_reads_set_for_spark_jobs_are_not_checked(name: str) -> None:
    """
    The checks read these from core-site or emrfs-site (pure/checks/contexts.py, pure/network.py): set for Spark jobs
    only (spark-defaults spark.hadoop.<name>), they were not looked at and the chain passed.
    """
    found, [detail] = verdict(spark(name, "PublicRead"))
    assert found == VERDICT_NOT_CHECKED
    assert f"spark-defaults spark.hadoop.{name}" in detail


def test_another_buckets_per_bucket_setting_changes_nothing() -> None:
    assert verdict(spark("fs.s3a.bucket.another-bucket.acl.default", "PublicRead")) == (VERDICT_PASS, [])


def test_the_same_value_in_both_places_is_judged() -> None:
    assert (
        verdict(
            spark("fs.s3.canned.acl", " BucketOwnerFullControl"), emrfs("fs.s3.canned.acl", "BucketOwnerFullControl")
        )[1]
        == []
    )


def test_a_spark_setting_the_verifier_does_not_read_changes_nothing() -> None:
    assert verdict(spark("fs.s3.maxConnections", "100")) == (VERDICT_PASS, [])
