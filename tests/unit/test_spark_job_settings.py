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
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import CORE_SITE_LINK, SPARK_LINK
from tests.unit.test_chain import BUCKET, healthy_state


def verdict(*configurations: dict[str, object], link_name: str = SPARK_LINK) -> tuple[str, list[str]]:
    """The verdict of the healthy chain on a cluster of ``configurations``, and the details of its ``link_name`` links."""
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    links = [link for link in report.links if link.link == link_name]
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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # S3A's own canned ACL: PublicRead on the healthy chain's BucketOwnerEnforced bucket is refused (S3 User Guide,
        # "Controlling ownership of objects and disabling ACLs for your bucket").
        ("fs.s3a.acl.default", "PublicRead"),
        ("fs.s3a.encryption.algorithm", "SSE-KMS"),
        ("fs.s3a.encryption.key", "arn:aws:kms:eu-west-1:222222222222:key/other"),
        ("fs.s3a.server-side-encryption-algorithm", "SSE-KMS"),
        ("fs.s3a.server-side-encryption.key", "arn:aws:kms:eu-west-1:222222222222:key/other"),
        # Per bucket, which "will override the base fs.s3a. values" for that bucket (Hadoop-AWS, "Configuring
        # different S3 buckets with Per-Bucket Configuration").
        (f"fs.s3a.bucket.{BUCKET}.acl.default", "PublicRead"),
        (f"fs.s3a.bucket.{BUCKET}.requester.pays.enabled", "true"),
        (f"fs.s3a.bucket.{BUCKET}.encryption.key", "arn:aws:kms:eu-west-1:222222222222:key/other"),
    ],
)
def test_an_s3a_setting_the_verifier_reads_set_for_spark_jobs_is_not_checked(name: str, value: str) -> None:
    # From 7.10.0 S3A serves s3:// and the checks read these from core-site (contexts.canned_acl,
    # contexts.s3a_encryption_setting); a Spark job's spark.hadoop.<name> sets them for its own writes.
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [spark(name, value)]

    report = check_chain(state)

    [(status, detail)] = [(link.status, link.detail) for link in report.links if link.link == SPARK_LINK]
    assert status == UNKNOWN
    assert f"spark-defaults spark.hadoop.{name}" in detail
    assert "no core-site value" in detail
    assert report.verdict == VERDICT_NOT_CHECKED


@pytest.mark.parametrize(
    ("classification", "name", "value"),
    [
        ("emrfs-site", "fs.s3.canned.acl", "BucketOwnerFullControl"),
        ("emrfs-site", "fs.s3.useRequesterPaysHeader", "true"),
        ("emrfs-site", "fs.s3.enableServerSideEncryption", "true"),
        ("emrfs-site", "fs.s3.serverSideEncryption.kms.keyId", "arn:aws:kms:eu-west-1:222222222222:key/k"),
        ("emrfs-site", "fs.s3.cse.enabled", "true"),
        ("emrfs-site", "fs.s3.cse.kms.keyId", "arn:aws:kms:eu-west-1:222222222222:key/k"),
        ("core-site", "fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem"),
        ("core-site", "fs.s3a.emrfs.compatibility.enable", "false"),
        ("core-site", "fs.s3a.requester.pays.enabled", "true"),
        ("core-site", "fs.s3a.acl.default", "BucketOwnerFullControl"),
        ("core-site", "fs.s3a.encryption.algorithm", "SSE-KMS"),
        # Read since the migration guide's table was followed further (contexts.py).
        ("emrfs-site", "fs.s3.storageClass", "GLACIER"),
        ("emrfs-site", "fs.s3.serverSideEncryption.kms.customEncryptionContext", "project=exports"),
        ("emrfs-site", "fs.s3n.ssl.enabled", "false"),
        ("emrfs-site", "fs.s3n.endpoint", "s3.eu-west-1.amazonaws.com"),
        (
            "emrfs-site",
            "fs.s3.bucket.partner-results-b.serverSideEncryption.kms.keyId",
            "arn:aws:kms:eu-west-1:2:key/k",
        ),
        # EMRFS's bucket-level forms, which EMR's translation carries to S3A for their bucket (contexts.emrfs_setting).
        ("emrfs-site", "fs.s3.bucket.partner-results-b.canned.acl", "BucketOwnerFullControl"),
        ("emrfs-site", "fs.s3.bucket.partner-results-b.useRequesterPaysHeader", "true"),
        ("emrfs-site", "fs.s3.bucket.partner-results-b.storageClass", "GLACIER"),
        ("emrfs-site", "fs.s3.bucket.partner-results-b.serverSideEncryption.kms.customEncryptionContext", "p=e"),
        ("core-site", "fs.s3a.create.storage.class", "glacier"),
        ("core-site", "fs.s3a.encryption.context", "project=exports"),
        ("core-site", "fs.s3a.connection.ssl.enabled", "false"),
        ("core-site", "fs.s3a.bucket.partner-results-b.endpoint", "s3.eu-west-1.amazonaws.com"),
        ("emrfs-site", "fs.s3.sts.endpoint", "https://sts.eu-west-1.amazonaws.com"),
        ("emrfs-site", "fs.s3.sts.sessionDurationSeconds", "3600"),
        ("core-site", "fs.s3a.assumed.role.sts.endpoint", "https://sts.eu-west-1.amazonaws.com"),
        ("core-site", "fs.s3a.assumed.role.session.duration", "1h"),
    ],
)
def test_each_setting_is_compared_with_the_site_file_the_checks_read_it_from(
    classification: str, name: str, value: str
) -> None:
    """The same value in spark-defaults and in the site file the links judge: nothing to say; another: not checked."""

    def details(job: str) -> list[str]:
        state = healthy_state()
        state.release_label = "emr-7.10.0"
        site = {"Classification": classification, "Properties": {name: value}}
        state.cluster_configurations = [site, spark(name, job)]
        return [link.detail for link in check_chain(state).links if link.link == "Spark jobs' connector settings"]

    assert details(f" {value} ") == []
    [detail] = details("other")
    assert f"the links judge {classification}'s {value!r}" in detail


def test_unread_cluster_settings_make_no_spark_link() -> None:
    # Listed among the unseen cluster settings instead (findings.CLUSTER_SETTINGS).
    state = healthy_state()
    state.cluster_configurations = None
    assert [link for link in check_chain(state).links if link.link == SPARK_LINK] == []


@pytest.mark.parametrize(
    ("release", "name", "value"),
    [
        ("emr-6.15.0", "fs.s3.sts.sessionDurationSeconds", "7200"),
        ("emr-7.10.0", "fs.s3a.assumed.role.session.duration", "2h"),
        ("emr-7.10.0", f"fs.s3a.bucket.{BUCKET}.assumed.role.session.duration", "2h"),
        ("emr-7.10.0", f"fs.s3a.bucket.{BUCKET}.assumed.role.sts.endpoint", "sts.us-east-1.amazonaws.com"),
        # EMRFS's bucket-level forms, which S3A reads translated for the bucket (Amazon EMR Release Guide, "Migration
        # guide: EMRFS to S3A filesystem": the mapping "extends to bucket-level configurations").
        ("emr-7.10.0", f"fs.s3.bucket.{BUCKET}.sts.sessionDurationSeconds", "7200"),
        ("emr-7.10.0", f"fs.s3.bucket.{BUCKET}.sts.endpoint", "sts.us-east-1.amazonaws.com"),
    ],
)
def test_the_session_settings_the_verifier_reads_set_for_spark_jobs_are_not_checked(
    release: str, name: str, value: str
) -> None:
    """
    The link "role session duration" (pure/checks/session_duration.py) reads the mapped role's session duration from
    emrfs-site or core-site, and the STS route a partner bucket's own S3A STS endpoint from core-site: set for Spark
    jobs only (spark-defaults spark.hadoop.<name>), a 2-hour session, which STS refuses for a chained role session
    (AWS STS API Reference, AssumeRole, DurationSeconds), was not looked at and the chain passed.
    """
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [spark(name, value)]

    report = check_chain(state)

    [(status, detail)] = [(link.status, link.detail) for link in report.links if link.link == SPARK_LINK]
    assert status == UNKNOWN
    assert f"spark-defaults spark.hadoop.{name}" in detail
    assert report.verdict == VERDICT_NOT_CHECKED


@pytest.mark.parametrize(
    "option",
    [
        "fs.s3a.bucket.{}.assumed.role.session.duration",
        "fs.s3a.bucket.{}.assumed.role.sts.endpoint",
        "fs.s3.bucket.{}.sts.sessionDurationSeconds",
        "fs.s3.bucket.{}.sts.endpoint",
    ],
)
def test_a_mapped_role_setting_of_a_bucket_no_mapping_takes_changes_nothing(option: str) -> None:
    """
    A bucket only ``s3_prefixes`` names, beside the ``Prefix`` mapping of another bucket, gets no mapped role: the
    links do not judge its session duration or STS endpoint (no AssumeRole there), so a Spark job's own value of
    them is no link left not checked.
    """
    other = "other-bucket-c"
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [spark(option.format(other), "2h")]
    state.buckets[other] = state.buckets[BUCKET]
    state.prefixes_for_principal_mappings = [f"s3://{other}/out/"]

    report = check_chain(state)

    assert [link.detail for link in report.links if link.link == SPARK_LINK] == []


def core(name: str, value: str) -> dict[str, object]:
    return {"Classification": "core-site", "Properties": {name: value}}


def core_site_links(*configurations: dict[str, object]) -> tuple[str, list[str]]:
    return verdict(*configurations, link_name=CORE_SITE_LINK)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fs.s3.sts.sessionDurationSeconds", "7200"),  # every chained AssumeRole of more than an hour fails
        ("fs.s3.canned.acl", "PublicReadWrite"),
        ("fs.s3.useRequesterPaysHeader", "true"),
        ("fs.s3.sts.endpoint", "sts.eu-west-1.amazonaws.com"),
        (f"fs.s3.bucket.{BUCKET}.serverSideEncryption.kms.keyId", "arn:aws:kms:us-east-1:222222222222:key/other"),
    ],
)
def test_an_emrfs_setting_in_core_site_is_not_checked(name: str, value: str) -> None:
    """
    EMRFS reads its settings from the Hadoop configuration, which loads core-site.xml too (Apache Hadoop,
    ``Configuration``); which of core-site's and emrfs-site's value wins AWS does not document.
    """
    assert core_site_links() == (VERDICT_PASS, [])
    found, [detail] = core_site_links(core(name, value))
    assert found == VERDICT_NOT_CHECKED
    assert f"core-site {name}={value!r}" in detail
    assert "EMRFS's default" in detail
    # The same value in both: judged on it, no link of its own.
    assert core_site_links(core(name, value), emrfs(name, value))[1] == []
    assert "emrfs-site's 'x'" in core_site_links(core(name, value), emrfs(name, "x"))[1][0]


def test_a_credentials_provider_in_core_site_is_not_checked() -> None:
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = [core("fs.s3.customAWSCredentialsProvider", "com.example.Provider")]

    report = check_chain(state)

    assert report.verdict == VERDICT_NOT_CHECKED
    assert [link.detail.split(":")[0] for link in report.links if link.status == UNKNOWN] == [
        "core-site fs.s3.customAWSCredentialsProvider is set"
    ]
