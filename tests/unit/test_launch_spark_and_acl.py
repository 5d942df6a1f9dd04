"""
What the launch accepts in a Spark job's own Hadoop properties and in a canned ACL setting, read as the verifier reads
them.

``spark-defaults`` ``spark.hadoop.<name>`` sets Hadoop property ``<name>`` for every Spark job ("spark.hadoop.abc.def=
xyz represents adding hadoop property abc.def=xyz": Spark, "Configuration", "Custom Hadoop/Hive Configuration"): a
``spark.hadoop.fs.s3.impl`` picks the class that serves ``s3://`` for Spark jobs, whatever ``core-site`` says. The
verifier leaves such a setting "not checked" (:mod:`.checks.spark_settings`), so the launch refuses it where it differs
from the site file's, naming the field. A canned ACL the connectors do not read by its enum name (the S3 header's own
``bucket-owner-full-control``) is "not known" to the verifier: the launch refuses it, naming the names it takes.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import canned_acl, unknown_canned_acl
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import SPARK_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, S3A_IMPL, plan_launch
from tests.unit.test_chain import BUCKET, healthy_state
from tests.unit.test_cluster_config import refused

KEEP_ALIVE = {"KeepJobFlowAliveWhenNoSteps": True}


def overrides(release: str = "emr-7.10.0", *configurations: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": "partner-export",
        "ReleaseLabel": release,
        "Instances": {"InstanceCount": 1, **KEEP_ALIVE},
        "Configurations": list(configurations),
    }


def spark(**properties: str) -> dict[str, Any]:
    return {"Classification": "spark-defaults", "Properties": {f"spark.hadoop.{k}": v for k, v in properties.items()}}


def site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


@pytest.mark.parametrize(
    ("keep_emrfs", "impl"),
    [
        (True, S3A_IMPL),  # keep_emrfs promises EMRFS (SDK v1 provider, EMRFS's mappings); Spark jobs get S3A
        (False, EMRFS_IMPL),  # the launch takes S3A as serving s3:// (SDK v2 provider); Spark jobs get EMRFS
        (True, "com.example.OwnFileSystem"),  # a class AWS documents nothing of, for Spark jobs only
    ],
)
def test_a_spark_jobs_own_filesystem_class_for_s3_is_refused(keep_emrfs: bool, impl: str) -> None:
    # Accepted before: the verifier left it "not checked" while Spark jobs wrote through another connector than
    # the launch planned (and whose role mappings, or credentials provider, the launch never checked).
    field = "job_flow_overrides.Configurations[0].Properties.spark.hadoop.fs.s3.impl"
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", spark(**{"fs.s3.impl": impl})), keep_emrfs=keep_emrfs),
        field,
        "core-site",
        "Spark job",
    )


def test_a_spark_jobs_filesystem_class_the_same_as_core_sites_is_kept() -> None:
    # EMRFS kept by keep_emrfs (core-site fs.s3.impl EMRFS's, written by the launch): the same value for Spark jobs
    # changes nothing, and the verifier judges it.
    plan = plan_launch(overrides("emr-7.10.0", spark(**{"fs.s3.impl": f" {EMRFS_IMPL}\n"})), keep_emrfs=True)
    assert plan.overrides["Configurations"][0] == spark(**{"fs.s3.impl": f" {EMRFS_IMPL}\n"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fs.s3a.emrfs.compatibility.enable", "false"),  # turns the role mappings' translation off for Spark jobs
        ("fs.s3.sts.sessionDurationSeconds", "7200"),  # refused in emrfs-site: STS refuses a chained 2-hour session
        ("fs.s3a.assumed.role.session.duration", "2h"),
        (f"fs.s3a.bucket.{BUCKET}.assumed.role.session.duration", "2h"),
        (f"fs.s3.bucket.{BUCKET}.sts.sessionDurationSeconds", "7200"),
        ("fs.s3.customAWSCredentialsProvider", "com.example.Other"),
        ("fs.s3a.aws.credentials.provider", "com.example.Other"),
        ("fs.s3.canned.acl", "Private"),  # the uploads' ACL for Spark jobs, which the verifier leaves not checked
        ("fs.s3a.acl.default", "Private"),
    ],
)
def test_a_spark_jobs_own_setting_the_launch_reads_from_the_site_file_is_refused(name: str, value: str) -> None:
    field = f"job_flow_overrides.Configurations[0].Properties.spark.hadoop.{name}"
    refused(lambda: plan_launch(overrides("emr-7.10.0", spark(**{name: value})), keep_emrfs=False), field, name)


def test_a_spark_setting_the_launch_does_not_read_is_kept() -> None:
    configurations = [
        spark(**{"fs.s3a.multipart.size": "128M"}),
        site("spark-defaults", **{"spark.executor.cores": "4"}),
    ]
    plan = plan_launch(overrides("emr-7.10.0", *configurations), keep_emrfs=False)
    assert plan.overrides["Configurations"] == configurations


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("emrfs_site_properties", "bucket-owner-full-control"),  # S3's header: EMRFS and S3A read the enum name
        ("emrfs_site_properties", "bucketownerfullcontrol"),
        ("emrfs_site_properties", "BucketOwnerFullControl\u00a0"),
        ("emrfs-site", "bucket-owner-full-control"),
        ("core-site", "bucket-owner-full-control"),
    ],
)
def test_a_canned_acl_the_verifier_does_not_know_is_refused(where: str, value: str) -> None:
    # Accepted before, while the verifier said "not known" of the ownership it decides. S3A reads the setting with
    # Configuration.get and takes the ACL by its enum name (Apache Hadoop, S3AFileSystem.initCannedAcls:
    # AWSCannedACL.valueOf), which refuses the header's spelling.
    name = {"core-site": "fs.s3a.acl.default"}.get(where, "fs.s3.canned.acl")
    if where == "emrfs_site_properties":
        call = lambda: plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={name: value})  # noqa: E731
        field = f"emrfs_site_properties.{name}"
    else:
        call = lambda: plan_launch(overrides("emr-6.15.0", site(where, **{name: value})))  # noqa: E731
        field = f"job_flow_overrides.Configurations[0].Properties.{name}"
    refused(call, field, "BucketOwnerFullControl", repr(value))
    # The verifier's reading of the same value: not known.
    state = healthy_state()
    state.release_label = "emr-6.15.0" if where != "core-site" else "emr-7.10.0"
    state.cluster_configurations = [site("emrfs-site" if where != "core-site" else "core-site", **{name: value})]
    assert unknown_canned_acl(state, BUCKET)


@pytest.mark.parametrize("name", ["fs.s3.canned.acl", f"fs.s3.bucket.{BUCKET}.canned.acl"])
def test_a_canned_acl_name_is_kept_and_known_to_the_verifier(name: str) -> None:
    plan = plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={name: "BucketOwnerFullControl"})
    [emrfs] = [c for c in plan.overrides["Configurations"] if c["Classification"] == "emrfs-site"]
    assert emrfs["Properties"][name] == "BucketOwnerFullControl"
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = plan.overrides["Configurations"]
    assert unknown_canned_acl(state, BUCKET) == ""
    assert check_chain(state).verdict  # judged, not refused


def test_a_bucket_level_canned_acl_the_verifier_does_not_know_is_refused() -> None:
    name = f"fs.s3a.bucket.{BUCKET}.acl.default"
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", site("core-site", **{name: "bucket-owner-full-control"}))),
        f"job_flow_overrides.Configurations[0].Properties.{name}",
        "BucketOwnerFullControl",
    )


@pytest.mark.parametrize("value", ["LogDeliveryWrite", "AwsExecRead"])
@pytest.mark.parametrize("where", ["emrfs_site_properties", "core-site"])
def test_a_canned_acl_name_s3a_may_not_hold_is_refused_where_s3a_serves_s3(where: str, value: str) -> None:
    # Apache Hadoop's S3A on the AWS SDK v2 takes the ACL by AWSCannedACL.valueOf, an enum without LogDeliveryWrite and
    # whose aws-exec-read is AwsExecRead or AWS_EXEC_READ depending on the version: which Hadoop EMR's S3A builds on AWS
    # does not document. Accepted before, and the verifier read the S3 header of the name (a guess).
    name = "fs.s3a.acl.default" if where == "core-site" else "fs.s3.canned.acl"
    if where == "core-site":
        call = lambda: plan_launch(overrides("emr-7.10.0", site(where, **{name: value})), keep_emrfs=False)  # noqa: E731
        field = f"job_flow_overrides.Configurations[0].Properties.{name}"
    else:
        call = lambda: plan_launch(overrides("emr-7.10.0"), keep_emrfs=False, emrfs_site_properties={name: value})  # noqa: E731
        field = f"emrfs_site_properties.{name}"
    refused(call, field, "S3A", "AWSCannedACL")
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [site("core-site" if where == "core-site" else "emrfs-site", **{name: value})]
    assert "AWSCannedACL" in unknown_canned_acl(state, BUCKET)
    # Where EMRFS serves s3:// (keep_emrfs), EMRFS's SDK v1 names hold both: kept, and known to the verifier.
    if where != "core-site":
        plan = plan_launch(overrides("emr-7.10.0"), keep_emrfs=True, emrfs_site_properties={name: value})
        state.cluster_configurations = plan.overrides["Configurations"]
        assert unknown_canned_acl(state, BUCKET) == ""


def test_the_verifiers_fix_names_only_the_acls_s3a_reads() -> None:
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [site("core-site", **{"fs.s3a.acl.default": "LogDeliveryWrite"})]
    [link] = [link for link in check_chain(state).links if link.link.startswith("owner of objects")]
    assert link.status == UNKNOWN
    assert "BucketOwnerFullControl" in link.fix
    assert "LogDeliveryWrite" not in link.fix


@pytest.mark.parametrize(
    ("name", "own", "job"),
    [
        # Hadoop reads a flag with Configuration.getBoolean, in any case, and S3A its session duration with
        # Configuration.getTimeDuration ("1h" is 3600 seconds): the same setting for Spark jobs as core-site's.
        ("fs.s3a.emrfs.compatibility.enable", "true", "TRUE"),
        ("fs.s3a.assumed.role.session.duration", "3600", "1h"),
        (f"fs.s3a.bucket.{BUCKET}.assumed.role.session.duration", "30m", "1800"),
    ],
)
def test_a_spark_jobs_setting_hadoop_reads_as_the_site_files_is_kept_and_judged(name: str, own: str, job: str) -> None:
    # Refused before: the launch and the verifier compared the spellings, not the values Hadoop reads.
    configurations = [site("core-site", **{name: own}), spark(**{name: job})]
    plan = plan_launch(overrides("emr-7.10.0", *configurations), keep_emrfs=False)
    assert plan.overrides["Configurations"] == configurations
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = plan.overrides["Configurations"]
    assert not [link for link in check_chain(state).links if link.link == SPARK_LINK]
    # Another value for Spark jobs stays refused.
    other = {"true": "false", "3600": "2h", "30m": "1200"}[own]
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", site("core-site", **{name: own}), spark(**{name: other}))),
        f"job_flow_overrides.Configurations[1].Properties.spark.hadoop.{name}",
        "Spark job",
    )


@pytest.mark.parametrize("value", ["LogDeliveryWrite", "AwsExecRead"])
def test_a_canned_acl_name_s3a_may_not_hold_with_no_release_follows_the_connector_the_launch_writes(value: str) -> None:
    # No ReleaseLabel (in the overrides or the EMR connection): on 7.10.0 or later S3A serves s3:// unless core-site
    # fs.s3.impl keeps EMRFS, and S3A's AWSCannedACL.valueOf may not hold the name (Apache Hadoop, AWSCannedACL: no
    # LogDeliveryWrite), while the verifier says "not known". Without keep_emrfs nothing keeps EMRFS: refused.
    given = {"Name": "partner-export", "Instances": {"InstanceCount": 1, **KEEP_ALIVE}}
    refused(
        lambda: plan_launch(given, keep_emrfs=False, emrfs_site_properties={"fs.s3.canned.acl": value}),
        "emrfs_site_properties.fs.s3.canned.acl",
        "ReleaseLabel",
        "AWSCannedACL",
    )
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [site("emrfs-site", **{"fs.s3.canned.acl": value})]
    assert "AWSCannedACL" in unknown_canned_acl(state, BUCKET)
    # keep_emrfs=True writes EMRFS's class on any release, the release unknown included: taken, and known.
    plan = plan_launch(given, keep_emrfs=True, emrfs_site_properties={"fs.s3.canned.acl": value})
    assert {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}} in [
        {**item, "Properties": {"fs.s3.impl": item["Properties"].get("fs.s3.impl")}}
        for item in plan.overrides["Configurations"]
        if item["Classification"] == "core-site"
    ]
    state.cluster_configurations = plan.overrides["Configurations"]
    assert unknown_canned_acl(state, BUCKET) == ""


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("fs.s3a.bucket.{bucket}.acl.default", "Private"),
        ("fs.s3a.bucket.{bucket}.assumed.role.session.duration", "2h"),
        ("fs.s3.bucket.{bucket}.canned.acl", "Private"),
        ("fs.s3.bucket.{bucket}.sts.sessionDurationSeconds", "7200"),
    ],
)
def test_a_spark_jobs_per_bucket_setting_of_a_bucket_no_role_mapping_takes_is_kept(option: str, value: str) -> None:
    # The verifier judges no other bucket's per-bucket setting (test_spark_job_settings: another bucket's changes
    # nothing), and a bucket no role mapping takes is no mapped write's: refused before, though nothing checked reads it.
    mapped = (f"{BUCKET}/",)
    other = spark(**{option.format(bucket="logs"): value})
    plan = plan_launch(overrides("emr-7.10.0", other), keep_emrfs=False, mapped_buckets=mapped)
    assert plan.overrides["Configurations"] == [other]
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = plan.overrides["Configurations"]
    assert not [link for link in check_chain(state).links if link.link == SPARK_LINK]
    # The mapped bucket's stays refused.
    name = option.format(bucket=BUCKET)
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", spark(**{name: value})), keep_emrfs=False, mapped_buckets=mapped),
        f"job_flow_overrides.Configurations[0].Properties.spark.hadoop.{name}",
        "Spark job",
    )


@pytest.mark.parametrize(
    ("classification", "name"),
    [("emrfs-site", "fs.s3.canned.acl"), ("core-site", "fs.s3a.acl.default")],
)
def test_a_spark_jobs_own_canned_acl_is_compared_with_the_site_files(classification: str, name: str) -> None:
    # The canned ACL decides who owns the uploads; a Spark job's spark.hadoop.<name> is its Hadoop property <name>
    # (Spark, "Custom Hadoop/Hive Configuration"), which the verifier compares with the site file's (spark_settings).
    own = site(classification, **{name: "BucketOwnerFullControl"})
    kept = [own, spark(**{name: "BucketOwnerFullControl"})]
    assert plan_launch(overrides("emr-7.10.0", *kept), keep_emrfs=False).overrides["Configurations"] == kept
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", own, spark(**{name: "PublicRead"})), keep_emrfs=False),
        f"job_flow_overrides.Configurations[1].Properties.spark.hadoop.{name}",
        f"{classification} {name} is 'BucketOwnerFullControl'",
    )
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", spark(**{name: "PublicRead"})), keep_emrfs=False),
        f"job_flow_overrides.Configurations[0].Properties.spark.hadoop.{name}",
        f"{classification} {name} is not set",
    )


def test_a_spark_defaults_classification_without_properties_is_kept() -> None:
    # Properties is optional in a Configuration (Amazon EMR API Reference, "Configuration"); nothing to compare.
    configurations = [{"Classification": "spark-defaults", "Configurations": []}]
    plan = plan_launch(overrides("emr-7.10.0", *configurations), keep_emrfs=False)
    assert plan.overrides["Configurations"] == configurations


@pytest.mark.parametrize("where", ["emrfs_site_properties", "core-site"])
def test_an_empty_canned_acl_is_kept_and_sends_none(where: str) -> None:
    # S3A: an empty fs.s3a.acl.default is no ACL ("if (!cannedACLName.isEmpty()) ... else cannedACL = null": Apache
    # Hadoop, S3AFileSystem.initCannedAcls); the verifier reads an empty setting as none, EMRFS's too.
    if where == "core-site":
        plan = plan_launch(overrides("emr-7.10.0", site("core-site", **{"fs.s3a.acl.default": ""})), keep_emrfs=False)
    else:
        plan = plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={"fs.s3.canned.acl": ""})
    state = healthy_state()
    state.release_label = "emr-7.10.0" if where == "core-site" else "emr-6.15.0"
    state.cluster_configurations = plan.overrides["Configurations"]
    assert unknown_canned_acl(state, BUCKET) == ""
    assert canned_acl(state, BUCKET) is None


@pytest.mark.parametrize(
    ("value", "meant"),
    [("bucket-owner-full-control", "BucketOwnerFullControl"), (" private", "Private"), ("PUBLICREAD", "PublicRead")],
)
def test_a_canned_acl_in_another_spelling_is_refused_naming_the_name_meant(value: str, meant: str) -> None:
    problem = refused(
        lambda: plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={"fs.s3.canned.acl": value}),
        "emrfs_site_properties.fs.s3.canned.acl",
    ).problem
    assert problem.endswith(f"; for {value!r} set {meant!r}")
    # A value that is no spelling of any name gets no such hint.
    other = refused(
        lambda: plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={"fs.s3.canned.acl": "none"}),
        "emrfs_site_properties.fs.s3.canned.acl",
    ).problem
    assert "; for" not in other
    assert other.endswith("could not be checked)")
