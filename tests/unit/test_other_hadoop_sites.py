"""
S3 connector settings in the classifications besides ``core-site``, ``emrfs-site`` and ``spark-defaults`` that reach a
job's Hadoop configuration: ``hive-site``, ``spark-hive-site``, ``hdfs-site``, ``mapred-site``, ``yarn-site``,
``tez-site``, ``hbase-site``, ``hiveserver2-site``, ``sqoop-site``.

Hadoop loads "additional resources ... subsequent to these resources in the order they are added" (Apache Hadoop API,
``org.apache.hadoop.conf.Configuration``), so HDFS's, MapReduce's and YARN's files, added after ``core-site.xml``,
win over it for the jobs that load them; Hive's configuration reads ``hive-site.xml``, and a Spark job's reads the
``hive-site.xml`` in Spark's classpath ("You can copy and modify hdfs-site.xml, core-site.xml, yarn-site.xml,
hive-site.xml in Spark's classpath for each application": Spark, "Configuration", "Custom Hadoop/Hive
Configuration"). Before, the launch and the verifier read the site files only: ``hive-site`` ``fs.s3.impl`` set to
S3A's class launched with ``keep_emrfs`` and verified PASS, though those jobs' writes would not go by EMRFS.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    BYPASS_LINK,
    PASS,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import CORE_SITE_LINK, OTHER_SITES_LINK, PADDED_NAMES_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_IMPL,
    HADOOP_BOOLEAN_OPTIONS,
    OTHER_HADOOP_SITES,
    S3A_IMPL,
    hadoop_reading,
    plan_launch,
)
from devstack.aws_cluster_settings import BOOLEAN_OPTIONS, MAPPINGS, as_hadoop_reads, credentials_of
from devstack.aws_cluster_settings import UNKNOWN as WRITER_UNKNOWN
from tests.unit.test_chain import BUCKET, PREFIX, healthy_state
from tests.unit.test_cluster_config import overrides, refused

MAPPED: dict[str, Any] = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}}
#: EMR classifications of files a job's Hadoop Configuration loads besides the first five (Amazon EMR Release Guide,
#: "Configuration classifications"): Tez's TezConfiguration adds tez-site.xml ("Configuring Tez"), HBaseConfiguration
#: hbase-site.xml, HiveServer2's HiveConf hiveserver2-site.xml, and Sqoop makes sqoop-site.xml a default resource.
#: Before, a setting in these launched unchecked and verified PASS.
LATER_SITES = ("tez-site", "hbase-site", "hiveserver2-site", "sqoop-site")


def site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


def chain(*configurations: dict[str, Any], release: str = "emr-6.15.0") -> tuple[str, list[tuple[str, str, str]]]:
    """The healthy chain's verdict on a cluster of ``configurations``, and each link that is not PASS."""
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    return report.verdict, [(link.link, link.status, link.detail) for link in report.links if link.status != PASS]


# --- The launch ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("classification", OTHER_HADOOP_SITES)
def test_the_launch_refuses_another_connector_class_in_each_classification(classification: str) -> None:
    configurations = [
        site("spark-defaults", **{"spark.executor.memory": "4g"}),
        site(classification, **{"hive.metastore.uris": "thrift://h:9083", "fs.s3.impl": S3A_IMPL}),
    ]

    error = refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=configurations), keep_emrfs=True),
        "job_flow_overrides.Configurations[1].Properties.fs.s3.impl",
        classification,
        repr(EMRFS_IMPL),  # the core-site value keep_emrfs writes
        "Set fs.s3.impl in core-site only",
    )
    assert repr(S3A_IMPL) in error.problem


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fs.s3.canned.acl", "Private"),  # emrfs-site's setting
        ("fs.s3.sts.sessionDurationSeconds", "1800"),
        ("fs.s3.customAWSCredentialsProvider", "com.example.Provider"),
    ],
)
def test_the_launch_refuses_an_emrfs_setting_the_site_file_does_not_give(name: str, value: str) -> None:
    refused(
        lambda: plan_launch(overrides(Configurations=[site("hive-site", **{name: value})])),
        f"job_flow_overrides.Configurations[0].Properties.{name}",
        "hive-site",
        f"emrfs-site {name} is not set",
    )


@pytest.mark.parametrize(
    "name",
    [
        "fs.s3.authorization.roleMapping",
        "fs.s3a.authorization.roleMapping",
        f"fs.s3.bucket.{BUCKET}.authorization.roleMapping",
        "fs.s3.authorization.ugi.groupName.enabled",
    ],
)
@pytest.mark.parametrize("classification", ["spark-hive-site", "mapred-site"])
def test_the_launch_refuses_a_role_mapping_setting_there(classification: str, name: str) -> None:
    refused(
        lambda: plan_launch(overrides(Configurations=[site(classification, **{name: "x"})])),
        f"job_flow_overrides.Configurations[0].Properties.{name}",
        "security configuration",
    )


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("fs.s3.s3AccessGrants.enabled", "or set it to false"),
        # Setting a fallback to false would not do: it would still differ from core-site's (not set).
        ("fs.s3a.access.grants.fallback.to.iam", "or set it in core-site too, to the same value"),
    ],
)
def test_the_launch_refuses_an_access_grants_switch_there(name: str, fix: str) -> None:
    refused(
        lambda: plan_launch(overrides(Configurations=[site("yarn-site", **{name: "true"})])),
        f"job_flow_overrides.Configurations[0].Properties.{name}",
        "S3 Access Grants",
        "yarn-site",
        fix,
    )
    # Without role mappings, no write relies on them: the cluster's own settings are as it asked.
    plan_launch(overrides(Configurations=[site("yarn-site", **{name: "true"})]), uses_role_mappings=False)


def test_the_launch_keeps_access_grants_turned_off_there_or_a_fallback_as_the_site_files() -> None:
    kept = [
        site("emrfs-site", **{"fs.s3.s3AccessGrants.fallbackToIAM": "true"}),
        site("hive-site", **{"fs.s3.s3AccessGrants.enabled": " FALSE", "fs.s3.s3AccessGrants.fallbackToIAM": "TRUE"}),
    ]

    plan_launch(overrides(Configurations=kept))

    refused(
        lambda: plan_launch(
            overrides(Configurations=[site("hive-site", **{"fs.s3.s3AccessGrants.fallbackToIAM": "false"})])
        ),
        "job_flow_overrides.Configurations[0].Properties.fs.s3.s3AccessGrants.fallbackToIAM",
    )


def test_the_launch_keeps_what_reaches_no_checked_setting() -> None:
    configurations = [
        site("emrfs-site", **{"fs.s3.canned.acl": "BucketOwnerFullControl"}),
        site(
            "hive-site",
            **{
                "hive.metastore.uris": "thrift://h:9083",
                "fs.s3.maxConnections": "200",  # read by neither the launch nor the verifier
                "fs.s3.canned.acl": "BucketOwnerFullControl",  # the same value, exactly
                "fs.s3.bucket.other-bucket.authorization.roleMapping": "x",  # a bucket no mapping takes
            },
        ),
    ]

    plan = plan_launch(
        overrides(Configurations=configurations), mapped_buckets=(f"{BUCKET}/",), uses_role_mappings=True
    )

    assert site_of(plan.overrides, "hive-site")["fs.s3.maxConnections"] == "200"


@pytest.mark.parametrize(
    "form",
    [
        "fs.s3.bucket.{bucket}.canned.acl",
        "fs.s3a.bucket.{bucket}.acl.default",
        "fs.s3.bucket.{bucket}.sts.sessionDurationSeconds",
    ],
)
def test_the_launch_keeps_a_per_bucket_setting_of_a_bucket_no_mapping_takes(form: str) -> None:
    """Only a mapped bucket's writes go by the role mappings: another bucket's own setting is none of theirs."""
    value = "1800" if "session" in form else "Private"

    def launch(bucket: str) -> Any:
        return plan_launch(
            overrides(Configurations=[site("hive-site", **{form.format(bucket=bucket): value})]),
            mapped_buckets=(f"{BUCKET}/",),  # as mapped_bucket_prefixes gives a mapping of s3://BUCKET/exports/
            uses_role_mappings=True,
        )

    assert site_of(launch("other-bucket").overrides, "hive-site") == {form.format(bucket="other-bucket"): value}
    refused(
        lambda: launch(BUCKET),
        f"job_flow_overrides.Configurations[0].Properties.{form.format(bucket=BUCKET)}",
        "hive-site",
    )


def site_of(job_flow_overrides: dict[str, Any], classification: str) -> dict[str, Any]:
    [found] = [c for c in job_flow_overrides["Configurations"] if c["Classification"] == classification]
    return dict(found["Properties"])


def test_the_launch_warns_of_a_credentials_resolver_there() -> None:
    plan = plan_launch(overrides(Configurations=[site("hdfs-site", **{"fs.s3.credentialsResolverClass": "a.B"})]))

    assert any(warning.startswith("hdfs-site fs.s3.credentialsResolverClass is set") for warning in plan.warnings)


def test_the_launch_refuses_an_instance_groups_own_hive_site_connector_setting() -> None:
    groups = [
        {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
        {
            "InstanceRole": "CORE",
            "InstanceType": "m5.xlarge",
            "InstanceCount": 2,
            "Configurations": [site("spark-hive-site", **{"fs.s3.canned.acl": "Private"})],
        },
    ]
    instances = {"KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": groups}

    refused(
        lambda: plan_launch(overrides(Instances=instances)),
        "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties.fs.s3.canned.acl",
    )


# --- The verifier -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("classification", OTHER_HADOOP_SITES)
def test_a_setting_the_verifier_reads_set_there_otherwise_is_not_checked(classification: str) -> None:
    assert chain()[0] == VERDICT_PASS  # the healthy chain

    verdict, links = chain(site(classification, **{"fs.s3.canned.acl": "Private"}))

    assert verdict == VERDICT_NOT_CHECKED
    [(link, status, detail)] = links
    assert (link, status) == (OTHER_SITES_LINK, UNKNOWN)
    assert f"{classification} fs.s3.canned.acl='Private'" in detail


#: A probe that passed, having written under the mapping's prefix through mapping 0 (``probe.routes``).
PASSED: dict[str, Any] = {"ok": True, "problems": [], "routes": {f"{PREFIX}_emrfs_xacct_probe/x": 0}}


def probed(*configurations: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[str, bool]]:
    """The healthy chain's links on a 6.15.0 cluster of ``configurations`` (as the report gives them), and its verdict
    once a live probe passed."""
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = list(configurations)
    links = check_chain(state).to_dict()["links"]
    return links, verdict_with_probe(links, PASSED)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fs.s3.canned.acl", "PublicReadWrite"),
        ("fs.s3.impl", S3A_IMPL),
        ("fs.s3.enableServerSideEncryption", "true"),
    ],
)
@pytest.mark.parametrize("classification", OTHER_HADOOP_SITES)
def test_a_setting_there_is_not_settled_by_a_passing_probe(classification: str, name: str, value: str) -> None:
    """
    The probe's step is ``hadoop fs -put`` (``verify.probe_step``): its configuration loads ``core-site`` and EMRFS's
    ``emrfs-site``, and is not known to load this classification, which the jobs that load it follow. Before, its
    passing write turned the cluster PASS.
    """
    links, verdict = probed(site(classification, **{name: value}))

    [link] = [link for link in links if link["link"] == OTHER_SITES_LINK]
    assert (link["status"], link["probe_settles"]) == (UNKNOWN, False)
    assert f"{classification} {name}={value!r}" in link["detail"]
    assert verdict == (VERDICT_NOT_CHECKED, True)


def test_a_padded_setting_name_there_is_not_settled_by_a_passing_probe_but_in_a_site_file_it_is() -> None:
    """Hadoop trims a property's name: the probe reads core-site's ``"fs.s3.canned.acl "``, not hive-site's."""
    name = "fs.s3.canned.acl "
    hive_links, hive = probed(site("hive-site", **{name: "Private"}))
    core_links, core = probed(site("core-site", **{name: "Private"}))

    [hive_link] = [link for link in hive_links if link["link"] == PADDED_NAMES_LINK]
    [core_link] = [link for link in core_links if link["link"] == PADDED_NAMES_LINK]
    assert (hive_link["probe_settles"], core_link["probe_settles"]) == (False, True)
    assert hive == (VERDICT_NOT_CHECKED, True)
    assert [link["link"] for link in core_links if link["status"] == UNKNOWN] == [PADDED_NAMES_LINK]
    assert core == (VERDICT_PASS, True)


def test_a_site_files_own_setting_is_still_settled_by_a_passing_probe() -> None:
    """core-site and emrfs-site are the probe's own configuration: their link is settled as before."""
    links, verdict = probed(site("core-site", **{"fs.s3.canned.acl": "Private"}))

    assert [(link["link"], link["probe_settles"]) for link in links if link["status"] == UNKNOWN] == [
        (CORE_SITE_LINK, True)
    ]
    assert verdict == (VERDICT_PASS, True)


def test_another_connector_class_in_hive_site_is_not_checked_where_emrfs_is_kept() -> None:
    keep = site("core-site", **{"fs.s3.impl": EMRFS_IMPL})
    assert chain(keep, release="emr-7.10.0")[0] == VERDICT_PASS

    verdict, links = chain(keep, site("hive-site", **{"fs.s3.impl": S3A_IMPL}), release="emr-7.10.0")

    assert verdict == VERDICT_NOT_CHECKED
    assert [link for link, _, detail in links if "hive-site fs.s3.impl" in detail] == [OTHER_SITES_LINK]


def test_access_grants_turned_off_there_changes_nothing() -> None:
    off = site("hdfs-site", **{"fs.s3.s3AccessGrants.enabled": "false", "fs.s3a.access.grants.enabled": "False"})

    assert chain(off) == (VERDICT_PASS, [])
    assert credentials_of("emr-6.15.0", [off], MAPPED, "b").kind == MAPPINGS


def test_the_same_value_or_an_unread_setting_there_changes_nothing() -> None:
    same = [site("emrfs-site", **{"fs.s3.useRequesterPaysHeader": "false"})]
    # The same value as Hadoop reads it (trimmed), and a setting no check reads.
    same.append(site("hive-site", **{"fs.s3.useRequesterPaysHeader": " false\n", "fs.s3.maxConnections": "200"}))

    assert chain(*same) == (VERDICT_PASS, [])


@pytest.mark.parametrize(
    ("name", "site_value", "other"),
    [
        ("fs.s3.useRequesterPaysHeader", "false", "FALSE"),
        ("fs.s3.useRequesterPaysHeader", "false", " False\t"),
        ("fs.s3n.ssl.enabled", "true", "TRUE"),
    ],
)
@pytest.mark.parametrize("classification", ["hive-site", "yarn-site", "core-site"])
def test_a_switch_spelt_in_another_case_there_is_the_same_setting(
    name: str, site_value: str, other: str, classification: str
) -> None:
    """Configuration.getBoolean reads a flag trimmed and in any case (Apache Hadoop, ``Configuration``)."""
    assert chain(site("emrfs-site", **{name: site_value}), site(classification, **{name: other})) == (VERDICT_PASS, [])

    verdict, links = chain(site("emrfs-site", **{name: site_value}), site(classification, **{name: f"no{other}"}))
    assert verdict == VERDICT_NOT_CHECKED
    assert any(f"{classification} {name}=" in detail for _, _, detail in links)


@pytest.mark.parametrize(
    ("classification", "name"),
    [
        ("spark-hive-site", "fs.s3.authorization.roleMapping"),
        ("hive-site", f"fs.s3.bucket.{BUCKET}.authorization.roleMapping"),
        ("mapred-site", "fs.s3.customAWSCredentialsProvider"),
        ("yarn-site", "fs.s3.credentialsResolverClass"),
        ("hdfs-site", "fs.s3.s3AccessGrants.enabled"),
    ],
)
def test_a_credentials_setting_there_is_not_checked(classification: str, name: str) -> None:
    verdict, links = chain(site(classification, **{name: "true"}))

    assert verdict == VERDICT_NOT_CHECKED
    assert (BYPASS_LINK, UNKNOWN) in [(link, status) for link, status, detail in links if classification in detail]


# --- The stand-in's judge -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configurations", "kind"),
    [
        ([site("hive-site", **{"fs.s3.canned.acl": "Private"})], WRITER_UNKNOWN),
        ([site("spark-hive-site", **{"fs.s3.impl": S3A_IMPL})], WRITER_UNKNOWN),
        ([site("mapred-site", **{"fs.s3.authorization.roleMapping": "x"})], WRITER_UNKNOWN),
        ([site("yarn-site", **{"fs.s3.bucket.b.serverSideEncryption.kms.keyId": "k"})], WRITER_UNKNOWN),
        ([site("yarn-site", **{"fs.s3.bucket.logs.serverSideEncryption.kms.keyId": "k"})], MAPPINGS),  # not b's
        ([site("hdfs-site", **{"fs.s3.maxConnections": "200"})], MAPPINGS),  # not a setting the writer follows
        (
            [
                site("emrfs-site", **{"fs.s3.canned.acl": "Private"}),
                site("hive-site", **{"fs.s3.canned.acl": "Private "}),
            ],
            MAPPINGS,
        ),
        ([site("mapred-site", **{"fs.s3.customAWSCredentialsProvider": "com.example.Provider"})], WRITER_UNKNOWN),
        ([site("yarn-site", **{"fs.s3a.aws.credentials.provider": "com.example.Provider"})], WRITER_UNKNOWN),
        # The same setting as Hadoop reads it: Configuration.getBoolean ignores case, getTimeDuration reads units.
        (
            [
                site("emrfs-site", **{"fs.s3.useRequesterPaysHeader": "true"}),
                site("hive-site", **{"fs.s3.useRequesterPaysHeader": "TRUE"}),
            ],
            MAPPINGS,
        ),
        (
            [
                site("emrfs-site", **{"fs.s3.useRequesterPaysHeader": "false"}),
                site("hive-site", **{"fs.s3.useRequesterPaysHeader": "TRUE"}),
            ],
            WRITER_UNKNOWN,
        ),
        (
            [
                site("core-site", **{"fs.s3a.assumed.role.session.duration": "3600"}),
                site("yarn-site", **{"fs.s3a.assumed.role.session.duration": "1h"}),
            ],
            MAPPINGS,
        ),
        (
            [
                site("core-site", **{"fs.s3a.assumed.role.session.duration": "3600"}),
                site("yarn-site", **{"fs.s3a.assumed.role.session.duration": "2h"}),
            ],
            WRITER_UNKNOWN,
        ),
    ],
)
def test_the_writer_does_not_know_a_followed_setting_another_classification_changes(
    configurations: list[dict[str, Any]], kind: str
) -> None:
    assert credentials_of("emr-6.15.0", configurations, MAPPED, "b").kind == kind


# --- Every switch, read as Hadoop reads a flag -------------------------------------------------------------------


@pytest.mark.parametrize("option", HADOOP_BOOLEAN_OPTIONS)
@pytest.mark.parametrize(
    "stem", ["fs.s3.", "fs.s3n.", "fs.s3a.", f"fs.s3a.bucket.{BUCKET}.", f"fs.s3.bucket.{BUCKET}."]
)
def test_each_switch_is_read_as_a_flag_by_the_verifier_and_the_judge(stem: str, option: str) -> None:
    """Configuration.getBoolean trims and ignores case (Apache Hadoop, ``Configuration``): every switch, every form."""
    name = stem + option
    assert hadoop_reading(name, " TRUE\t") == hadoop_reading(name, "true") is True
    assert hadoop_reading(name, "False") is False
    assert as_hadoop_reads(name, " TRUE\t") == as_hadoop_reads(name, "true") is True
    assert hadoop_reading(name, "yes") == as_hadoop_reads(name, "yes") == "yes"  # neither: the text, trimmed


def test_the_judge_reads_every_switch_the_verifier_reads_as_a_flag() -> None:
    assert set(HADOOP_BOOLEAN_OPTIONS) <= set(BOOLEAN_OPTIONS)


@pytest.mark.parametrize("name", ["yarn.resourcemanager.ssl.enabled", "hive.server2.use.SSL.enabled"])
def test_a_setting_of_no_s3_connector_is_compared_as_text(name: str) -> None:
    assert hadoop_reading(name, "TRUE") == "TRUE" != hadoop_reading(name, "true")


def test_an_unreadable_fallback_there_is_told_to_be_true_or_false() -> None:
    """Set in the site file too, ``yes`` would still be refused: neither true nor false as Hadoop reads a flag."""
    refused(
        lambda: plan_launch(
            overrides(Configurations=[site("hive-site", **{"fs.s3.s3AccessGrants.fallbackToIAM": "yes"})])
        ),
        "job_flow_overrides.Configurations[0].Properties.fs.s3.s3AccessGrants.fallbackToIAM",
        "or set true or false in emrfs-site and here alike",
    )


# --- The classifications of Tez, HBase, HiveServer2 and Sqoop ------------------------------------------------------


@pytest.mark.parametrize("classification", LATER_SITES)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fs.s3.impl", S3A_IMPL),
        ("fs.s3.customAWSCredentialsProvider", "com.example.Provider"),
        ("fs.s3.authorization.roleMapping", "arn:aws:iam::111111111111:role/other,prefix,s3://b/"),
    ],
)
def test_the_launch_refuses_a_connector_setting_in_tez_hbase_hiveserver2_or_sqoop_site(
    classification: str, name: str, value: str
) -> None:
    refused(
        lambda: plan_launch(overrides(Configurations=[site(classification, **{name: value})]), uses_role_mappings=True),
        f"job_flow_overrides.Configurations[0].Properties.{name}",
    )


@pytest.mark.parametrize("classification", LATER_SITES)
def test_a_setting_the_verifier_reads_set_in_tez_hbase_hiveserver2_or_sqoop_site_is_not_checked(
    classification: str,
) -> None:
    verdict, links = chain(site(classification, **{"fs.s3.canned.acl": "Private"}))

    assert verdict == VERDICT_NOT_CHECKED
    assert [(link, status) for link, status, _ in links] == [(OTHER_SITES_LINK, UNKNOWN)]
    assert f"{classification} fs.s3.canned.acl='Private'" in links[0][2]
    # Unlike the files of servers that run no job (HttpFS, the KMS) and pig.properties, no Hadoop Configuration.
    for other in ("httpfs-site", "hadoop-kms-site", "pig-properties"):
        assert chain(site(other, **{"fs.s3.canned.acl": "Private"})) == (VERDICT_PASS, [])


@pytest.mark.parametrize("classification", LATER_SITES)
@pytest.mark.parametrize("name", ["fs.s3.customAWSCredentialsProvider", "fs.s3.authorization.roleMapping"])
def test_a_credentials_setting_in_tez_hbase_hiveserver2_or_sqoop_site_is_not_checked(
    classification: str, name: str
) -> None:
    verdict, links = chain(site(classification, **{name: "x"}))

    assert verdict == VERDICT_NOT_CHECKED
    assert [(link, status) for link, status, detail in links if f"{classification} {name}" in detail] == [
        (BYPASS_LINK, UNKNOWN)
    ]
