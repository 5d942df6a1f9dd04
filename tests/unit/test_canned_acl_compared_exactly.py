"""
A canned ACL setting given again elsewhere (an instance group, a fleet instance type, ``core-site``, ``hive-site``,
``spark-defaults``) is the same setting only in exactly the same text.

S3A reads ``fs.s3a.acl.default`` untrimmed and takes the ACL by its enum name (Apache Hadoop,
``S3AFileSystem.initCannedAcls``: ``AWSCannedACL.valueOf(conf.get(CANNED_ACL, ...))``, which throws for any other
spelling), and how EMRFS reads a padded ``fs.s3.canned.acl`` AWS does not document: ``BucketOwnerFullControl``
followed by a space is not ``BucketOwnerFullControl``. Spark trims a ``spark-defaults.conf`` value as Java trims, but
keeps a carriage return or line feed (Apache Spark, ``Utils.getPropertiesFromFile``: ``trimExceptCRLF``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.instance_settings import INSTANCE_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import plan_launch, spark_trimmed
from tests.unit.test_chain import BUCKET, ROLE, document, healthy_state, statuses
from tests.unit.test_cluster_config import refused

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

ACL = "BucketOwnerFullControl"
GROUP = "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties"
FLEET_TYPE = "job_flow_overrides.Instances.InstanceFleets[0].InstanceTypeConfigs[0].Configurations[0].Properties"


def site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


def launch(
    cluster: list[dict[str, Any]],
    group: list[dict[str, Any]] | None = None,
    fleet_type: list[dict[str, Any]] | None = None,
    release: str = "emr-6.15.0",
    keep_emrfs: bool = True,
) -> dict[str, Any]:
    instances: dict[str, Any] = {"KeepJobFlowAliveWhenNoSteps": True}
    if group is not None:
        instances["InstanceGroups"] = [
            {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2, "Configurations": group},
        ]
    if fleet_type is not None:
        instances["InstanceFleets"] = [
            {
                "InstanceFleetType": "CORE",
                "InstanceTypeConfigs": [{"InstanceType": "r5.xlarge", "Configurations": fleet_type}],
            }
        ]
    overrides = {"ReleaseLabel": release, "Configurations": cluster, "Instances": instances}
    return plan_launch(overrides, keep_emrfs=keep_emrfs).overrides


@pytest.mark.parametrize(
    ("cluster", "group", "fleet_type", "release", "field"),
    [
        (
            [site("emrfs-site", **{"fs.s3.canned.acl": ACL})],
            [site("emrfs-site", **{"fs.s3.canned.acl": f"{ACL} "})],
            None,
            "emr-6.15.0",
            f"{GROUP}.fs.s3.canned.acl",
        ),
        (
            [site("emrfs-site", **{"fs.s3.canned.acl": ACL})],
            None,
            [site("emrfs-site", **{"fs.s3.canned.acl": f"{ACL}\n"})],
            "emr-6.15.0",
            f"{FLEET_TYPE}.fs.s3.canned.acl",
        ),
        (
            [site("emrfs-site", **{f"fs.s3.bucket.{BUCKET}.canned.acl": ACL})],
            [site("emrfs-site", **{f"fs.s3.bucket.{BUCKET}.canned.acl": f"\t{ACL}"})],
            None,
            "emr-6.15.0",
            f"{GROUP}.fs.s3.bucket.{BUCKET}.canned.acl",
        ),
        (
            [site("core-site", **{"fs.s3a.acl.default": ACL})],
            [site("core-site", **{"fs.s3a.acl.default": f"{ACL} "})],
            None,
            "emr-7.10.0",
            f"{GROUP}.fs.s3a.acl.default",
        ),
    ],
)
def test_a_padded_canned_acl_of_a_group_or_fleet_type_is_refused_as_the_clusters(
    cluster: list[dict[str, Any]],
    group: list[dict[str, Any]] | None,
    fleet_type: list[dict[str, Any]] | None,
    release: str,
    field: str,
) -> None:
    # Accepted before: the group's value, trimmed, was the cluster's; the same value cluster-wide is refused.
    refused(
        lambda: launch(cluster, group, fleet_type, release, keep_emrfs=release < "emr-7.10.0"),
        field,
        "which is no canned ACL name",
    )


def test_a_padded_canned_acl_in_a_groups_other_hadoop_classification_is_another_value() -> None:
    # hive-site's value is not judged as a canned ACL name, but padded it is not the cluster's hive-site value.
    cluster = [site("emrfs-site", **{"fs.s3.canned.acl": ACL}), site("hive-site", **{"fs.s3.canned.acl": ACL})]
    refused(
        lambda: launch(cluster, [site("hive-site", **{"fs.s3.canned.acl": f"{ACL} "})]),
        f"{GROUP}.fs.s3.canned.acl",
        "on these instances",
        f"is {ACL!r}",
    )


@pytest.mark.parametrize(
    ("classification", "name"),
    [
        ("core-site", "fs.s3.canned.acl"),
        ("hive-site", "fs.s3.canned.acl"),
        ("yarn-site", "fs.s3.canned.acl"),
        ("hive-site", "fs.s3a.acl.default"),
    ],
)
@pytest.mark.parametrize("padded", [f"{ACL} ", f"{ACL}\n"])
def test_a_padded_canned_acl_beside_the_exact_site_files_is_refused(
    classification: str, name: str, padded: str
) -> None:
    site_file = "core-site" if name == "fs.s3a.acl.default" else "emrfs-site"
    cluster = [site(site_file, **{name: ACL}), site(classification, **{name: padded})]
    refused(lambda: launch(cluster), f"job_flow_overrides.Configurations[1].Properties.{name}", f"is {padded!r}")


def test_two_entries_of_a_classification_with_the_canned_acl_padded_in_one_are_refused() -> None:
    cluster = [site("hive-site", **{"fs.s3.canned.acl": ACL}), site("hive-site", **{"fs.s3.canned.acl": f"{ACL} "})]
    refused(lambda: launch(cluster), "job_flow_overrides.Configurations[1].Properties.fs.s3.canned.acl", "set it once")


def test_spark_trims_a_value_as_java_does_but_keeps_a_line_break() -> None:
    # Expected from Spark's Utils.trimExceptCRLF: characters up to U+0020 go from both ends, CR and LF stay.
    assert spark_trimmed(f" \t{ACL} \x0b") == ACL
    assert spark_trimmed(f"{ACL}\n") == f"{ACL}\n"
    assert spark_trimmed(f"\r{ACL} ") == f"\r{ACL}"
    assert spark_trimmed(" \t ") == ""


def test_a_spark_jobs_canned_acl_with_a_line_break_is_refused_and_a_space_trimmed_by_spark_kept() -> None:
    exact = site("emrfs-site", **{"fs.s3.canned.acl": ACL})
    refused(
        lambda: launch([exact, site("spark-defaults", **{"spark.hadoop.fs.s3.canned.acl": f"{ACL}\n"})]),
        "job_flow_overrides.Configurations[1].Properties.spark.hadoop.fs.s3.canned.acl",
        "Spark job",
    )
    kept = [exact, site("spark-defaults", **{"spark.hadoop.fs.s3.canned.acl": f" {ACL} "})]
    assert launch(kept)["Configurations"] == kept


def test_exact_repeats_of_the_canned_acl_are_kept() -> None:
    cluster = [
        site("emrfs-site", **{"fs.s3.canned.acl": ACL}),
        site("core-site", **{"fs.s3.canned.acl": ACL}),
        site("hive-site", **{"fs.s3.canned.acl": ACL}),
    ]
    group = [site("emrfs-site", **{"fs.s3.canned.acl": ACL}), site("hive-site", **{"fs.s3.canned.acl": ACL})]
    fleet_type = [site("emrfs-site", **{"fs.s3.canned.acl": ACL})]
    planned = launch(cluster, group, fleet_type)
    assert planned["Instances"]["InstanceGroups"][1]["Configurations"] == group
    assert planned["Instances"]["InstanceFleets"][0]["InstanceTypeConfigs"][0]["Configurations"] == fleet_type


def acl_state(cluster_acl: str, group_acl: str | None) -> ChainState:
    """A healthy chain whose uploads carry ``cluster_acl`` (allowed, and owned by the bucket owner with it)."""
    state = healthy_state()
    state.destination_roles[ROLE].policies.append(
        (
            "inline policy acl",
            document({"Effect": "Allow", "Action": "s3:PutObjectAcl", "Resource": f"arn:aws:s3:::{BUCKET}/*"}),
        )
    )
    state.buckets[BUCKET] = dataclasses.replace(state.buckets[BUCKET], object_ownership="BucketOwnerPreferred")
    state.cluster_configurations = [site("emrfs-site", **{"fs.s3.canned.acl": cluster_acl})]
    own = [] if group_acl is None else [site("emrfs-site", **{"fs.s3.canned.acl": group_acl})]
    state.instance_configurations = [("instance group core (ig-1, CORE)", own)]
    return state


@pytest.mark.parametrize("padded", [f"{ACL} ", f"{ACL}\n"])
def test_the_verifier_does_not_pass_a_groups_padded_canned_acl(padded: str) -> None:
    # Hand-written from the connectors' reading: the group's uploads may carry no ACL, or fail; not judged.
    report = check_chain(acl_state(ACL, padded))
    assert report.verdict == "NOT_CHECKED"
    assert statuses(report)[INSTANCE_LINK] == "not checked"
    [link] = [link for link in report.links if link.link == INSTANCE_LINK]
    assert f"fs.s3.canned.acl={padded!r}" in link.detail


def test_the_verifier_passes_a_groups_exact_canned_acl() -> None:
    report = check_chain(acl_state(ACL, ACL))
    assert report.verdict == "PASS"
    assert INSTANCE_LINK not in statuses(report)


@pytest.mark.parametrize(
    ("classification", "name", "padded"),
    [
        ("core-site", "fs.s3.canned.acl", f"{ACL} "),
        ("hive-site", "fs.s3.canned.acl", f"{ACL}\n"),
        ("yarn-site", "fs.s3.canned.acl", f" {ACL}"),
        ("spark-defaults", "spark.hadoop.fs.s3.canned.acl", f"{ACL}\n"),  # Spark keeps a line break
    ],
)
def test_the_verifier_does_not_pass_a_padded_canned_acl_beside_the_exact_site_files(
    classification: str, name: str, padded: str
) -> None:
    # The jobs loading that classification read the padded text, which S3A refuses and EMRFS reads as AWS does not say.
    state = acl_state(ACL, None)
    state.cluster_configurations.append(site(classification, **{name: padded}))
    assert check_chain(state).verdict == "NOT_CHECKED"


def test_the_verifier_passes_a_spark_jobs_canned_acl_padded_with_spaces_spark_trims() -> None:
    state = acl_state(ACL, None)
    state.cluster_configurations.append(site("spark-defaults", **{"spark.hadoop.fs.s3.canned.acl": f" {ACL} "}))
    assert check_chain(state).verdict == "PASS"
