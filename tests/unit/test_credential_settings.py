"""
Cluster settings that give the s3:// connector credentials of its own: AWS documents a custom credentials provider
(Amazon EMR Release Guide, "Authorizing access to EMRFS data in Amazon S3") and S3A's credential options, per
bucket too (Apache Hadoop, "Hadoop-AWS module", per-bucket configuration), as alternatives to the role mappings and
never says which wins: the link "writes go through the role mappings" is not checked, never a silent PASS.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import BYPASS_LINK, UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL
from tests.unit.test_chain import BUCKET, healthy_state

KEEP_EMRFS = {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}


def bypasses(release: str | None, *configurations: dict[str, object]) -> list[str]:
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    found = [link.detail for link in report.links if link.link == BYPASS_LINK]
    assert all(link.status == UNKNOWN for link in report.links if link.link == BYPASS_LINK)
    if found:
        assert report.verdict == VERDICT_NOT_CHECKED
    return found


def test_a_custom_emrfs_credentials_provider_is_not_checked() -> None:
    provider = {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": "com.x.P"}}

    [detail] = bypasses("emr-6.15.0", provider)

    assert "fs.s3.customAWSCredentialsProvider" in detail
    # Where S3A serves s3:// it is not taken over (the S3A migration guide: set fs.s3a.aws.credentials.provider).
    assert bypasses("emr-7.10.0", provider) == []
    assert len(bypasses("emr-7.10.0", provider, KEEP_EMRFS)) == 1


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
def test_an_emrfs_credentials_resolver_is_not_checked_on_either_connector(release: str) -> None:
    # The S3A migration guide maps fs.s3.credentialsResolverClass to fs.s3a.credentials.resolver.
    resolver = {"Classification": "emrfs-site", "Properties": {"fs.s3.credentialsResolverClass": "com.x.R"}}

    assert ["fs.s3.credentialsResolverClass" in detail for detail in bypasses(release, resolver)] == [True]


@pytest.mark.parametrize(
    "name",
    [
        "fs.s3a.aws.credentials.provider",
        "fs.s3a.access.key",
        "fs.s3a.session.token",  # TemporaryAWSCredentialsProvider's session credentials
        "fs.s3a.assumed.role.arn",
        "fs.s3a.credentials.resolver",
        f"fs.s3a.bucket.{BUCKET}.aws.credentials.provider",
        f"fs.s3a.bucket.{BUCKET}.access.key",
    ],
)
def test_s3a_credential_settings_are_not_checked_where_s3a_serves_s3(name: str) -> None:
    setting = {"Classification": "core-site", "Properties": {name: "x"}}

    assert [name in detail for detail in bypasses("emr-7.10.0", setting)] == [True]
    assert len(bypasses(None, setting)) == 1  # release unknown: S3A may serve s3://
    assert bypasses("emr-7.10.0", setting, KEEP_EMRFS) == []  # s3:// kept on EMRFS: s3a:// only
    assert bypasses("emr-6.15.0", setting) == []  # EMRFS serves s3://


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0", None])
def test_an_emrfs_bucket_level_credentials_resolver_is_not_checked(release: str | None) -> None:
    """
    S3A: EMR maps fs.s3.credentialsResolverClass to fs.s3a.credentials.resolver, and the mapping "extends to
    bucket-level configurations" (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"): the bucket's
    writes get the class's credentials, as with the base one. EMRFS: whether it reads the bucket-level form is not
    documented. Either way not a PASS of "writes go through the role mappings"; another bucket's changes nothing.
    """
    name = f"fs.s3.bucket.{BUCKET}.credentialsResolverClass"
    resolver = {"Classification": "emrfs-site", "Properties": {name: "com.x.R"}}

    assert [name in detail for detail in bypasses(release, resolver)] == [True]
    other = {"Classification": "emrfs-site", "Properties": {"fs.s3.bucket.someone-else.credentialsResolverClass": "R"}}
    assert bypasses(release, other) == []


def test_an_emrfs_bucket_level_credentials_provider_is_not_checked_where_emrfs_serves_s3() -> None:
    name = f"fs.s3.bucket.{BUCKET}.customAWSCredentialsProvider"
    provider = {"Classification": "emrfs-site", "Properties": {name: "com.x.P"}}

    assert [name in detail for detail in bypasses("emr-6.15.0", provider)] == [True]
    assert bypasses("emr-7.10.0", provider) == []  # not taken over by S3A, as the base one


def test_another_bucket_s_s3a_settings_change_nothing() -> None:
    other = {"Classification": "core-site", "Properties": {"fs.s3a.bucket.someone-else.access.key": "x"}}

    assert bypasses("emr-7.10.0", other) == []


def test_a_custom_emrfs_credentials_provider_is_not_checked_when_the_release_is_unknown() -> None:
    # Without the release, EMRFS may serve s3:// (before 7.10.0): its provider may decide the writes' credentials.
    provider = {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": "com.x.P"}}

    [detail] = bypasses(None, provider)

    assert "fs.s3.customAWSCredentialsProvider" in detail


@pytest.mark.parametrize(
    ("release", "name"),
    [
        ("emr-6.15.0", "fs.s3.customAWSCredentialsProvider"),
        ("emr-5.36.0", "fs.s3.credentialsResolverClass"),
        ("emr-7.10.0", "fs.s3.credentialsResolverClass"),
        ("emr-7.10.0", "fs.s3a.aws.credentials.provider"),
        ("emr-7.10.0", f"fs.s3a.bucket.{BUCKET}.assumed.role.arn"),
    ],
)
def test_a_credential_setting_in_a_spark_jobs_hadoop_configuration_is_not_checked(release: str, name: str) -> None:
    """
    ``spark-defaults`` ``spark.hadoop.<name>`` sets Hadoop property ``<name>`` for every Spark job ("spark.hadoop.abc.def=
    xyz represents adding hadoop property abc.def=xyz": Spark, "Configuration", "Custom Hadoop/Hive Configuration"),
    and the connector reads its settings from the job's Hadoop configuration (AWS Knowledge Center, "Access Amazon S3
    Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena", sets ``fs.s3.useRequesterPaysHeader`` with
    ``hadoopConfiguration().set``). The differential study's cases 64, 104, 121 and 486 found a PASS there.
    """
    spark = {"Classification": "spark-defaults", "Properties": {f"spark.hadoop.{name}": "com.x.P"}}

    assert [f"spark-defaults spark.hadoop.{name} is set" in detail for detail in bypasses(release, spark)] == [True]
    # Where EMRFS serves s3://, S3A's own settings give it nothing.
    if name.startswith("fs.s3a."):
        assert bypasses(release, spark, KEEP_EMRFS) == []


def test_unread_cluster_settings_make_no_credential_settings_link() -> None:
    # Listed among the unseen cluster settings instead (findings.CLUSTER_SETTINGS).
    state = healthy_state()
    state.cluster_configurations = None
    assert [link for link in check_chain(state).links if link.link == BYPASS_LINK] == []
