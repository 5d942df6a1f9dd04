"""
S3 connector settings whose names are written with characters Hadoop trims from a property's name.

Hadoop's resource parser keeps a ``<name>``'s text trimmed (Apache Hadoop, ``org.apache.hadoop.conf.Configuration``),
and Java's ``Properties.load`` skips the white space around a key (``spark-defaults.conf``), so ``"fs.s3.impl "``
sets ``fs.s3.impl``. Before, the launch and the verifier matched names exactly: ``core-site`` ``"fs.s3.impl "`` set
to S3A's class launched with ``keep_emrfs`` and verified PASS.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import PADDED_NAMES_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, S3A_IMPL, instance_overrides, plan_launch
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.launch_arguments import validate_launch_arguments
from devstack.aws_cluster_settings import MAPPINGS, credentials_of
from devstack.aws_cluster_settings import UNKNOWN as WRITER_UNKNOWN
from tests.unit.test_chain import healthy_state
from tests.unit.test_cluster_config import overrides, refused


def site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


@pytest.mark.parametrize(
    ("classification", "key"),
    [
        ("core-site", "fs.s3.impl "),
        ("core-site", "\\nfs.s3.impl"),
        ("emrfs-site", " fs.s3.canned.acl"),
        ("spark-defaults", "spark.hadoop.fs.s3.impl\\t"),
        ("hive-site", "fs.s3a.aws.credentials.provider "),
    ],
)
def test_the_launch_refuses_a_padded_connector_setting_name(classification: str, key: str) -> None:
    key = key.replace("\\n", "\n").replace("\\t", "\t")
    configurations = [site("spark-defaults", **{"spark.executor.memory": "4g"}), site(classification, **{key: "x"})]

    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=configurations), keep_emrfs=True),
        f"job_flow_overrides.Configurations[1].Properties.{key}",
        f"write it {key.strip()!r}",
    )


def test_the_launch_refuses_one_in_emrfs_site_properties_and_keeps_other_padded_names() -> None:
    refused(
        lambda: plan_launch(overrides(), emrfs_site_properties={"fs.s3.canned.acl ": "BucketOwnerFullControl"}),
        "emrfs_site_properties.fs.s3.canned.acl ",
    )
    # Not a connector setting: not the launch's to judge.
    plan = plan_launch(overrides(Configurations=[site("core-site", **{"hadoop.tmp.dir ": "/mnt/tmp"})]))
    assert plan.overrides["Configurations"] == [site("core-site", **{"hadoop.tmp.dir ": "/mnt/tmp"})]


@pytest.mark.parametrize(
    "key",
    [
        " fs.s3.canned.acl",
        "fs.s3.sts.sessionDurationSeconds\t",
        "\nfs.s3.useRequesterPaysHeader",
        "fs.s3.maxConnections ",
    ],
)
def test_the_launch_refuses_any_padded_connector_name_in_emrfs_site_properties(key: str) -> None:
    """Padded at either end, with any character Java trims, of any connector setting: the name as written is named."""
    error = refused(
        lambda: plan_launch(overrides(), emrfs_site_properties={key: "1800"}),
        f"emrfs_site_properties.{key}",
        f"write it {key.strip()!r}",
    )
    assert f"is named {key!r}" in error.problem


@pytest.mark.parametrize(
    "key",
    [
        "hadoop.tmp.dir ",  # no connector setting
        "fs.s3.canned.acl\u00a0",  # Java's trim keeps a no-break space: another name to Hadoop, which no connector reads
    ],
)
def test_the_launch_keeps_a_name_in_emrfs_site_properties_no_connector_reads_as_its_own(key: str) -> None:
    plan = plan_launch(overrides(), emrfs_site_properties={key: "x"})

    assert plan.overrides["Configurations"] == [site("emrfs-site", **{key: "x"})]


def chain(*configurations: dict[str, Any]) -> tuple[str, list[tuple[str, str, str]]]:
    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    return report.verdict, [(link.link, link.status, link.detail) for link in report.links if link.status == UNKNOWN]


def test_the_verifier_leaves_a_padded_connector_setting_not_checked() -> None:
    keep = site("core-site", **{"fs.s3.impl": EMRFS_IMPL})
    assert chain(keep)[0] == VERDICT_PASS

    verdict, links = chain(site("core-site", **{"fs.s3.impl": EMRFS_IMPL, "fs.s3.impl ": S3A_IMPL}))

    assert verdict == VERDICT_NOT_CHECKED
    assert [(link, status) for link, status, _ in links] == [(PADDED_NAMES_LINK, UNKNOWN)]
    assert "'fs.s3.impl ' is 'fs.s3.impl' to Hadoop" in links[0][2]


def test_the_stand_ins_writer_reads_the_name_as_hadoop_does() -> None:
    """The judge the verifier is tested against reads ``" fs.s3a.aws.credentials.provider"`` as S3A's own credentials
    provider, which leaves the writes unknown on 7.10.0 (S3A serves ``s3://``), as the unpadded name does."""
    mapped = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}}
    padded = [site("core-site", **{" fs.s3a.aws.credentials.provider": "a.B"})]

    assert credentials_of("emr-7.10.0", padded, mapped).kind == WRITER_UNKNOWN
    assert credentials_of("emr-7.10.0", [], mapped).kind == MAPPINGS


def test_an_instance_groups_own_padded_connector_setting_is_an_override() -> None:
    """A group's own `` fs.s3.impl`` (leading space) did not start with ``fs.s3``: it was no connector setting."""
    cluster = [site("core-site", **{"fs.s3.impl": EMRFS_IMPL})]

    found = [
        (name, theirs)
        for _, _, name, _, theirs in instance_overrides(cluster, [site("core-site", **{" fs.s3.impl": S3A_IMPL})])
    ]
    same = list(instance_overrides(cluster, [site("core-site", **{"fs.s3.impl ": EMRFS_IMPL})]))

    assert found == [(" fs.s3.impl", EMRFS_IMPL)]
    assert same == []  # the cluster's value under the name Hadoop reads


@pytest.mark.parametrize(
    ("configurations", "field"),
    [
        (
            [site("spark-defaults"), {"Classification": "core-site", "Properties": {5: "x"}}],
            "Configurations[1].Properties",
        ),
        (
            [
                {
                    "Classification": "hive",
                    "Configurations": [{"Classification": "hive-site", "Properties": {None: "x"}}],
                }
            ],
            "Configurations[0].Configurations[0].Properties",
        ),
    ],
    ids=["top-level", "nested"],
)
def test_the_launch_refuses_a_property_named_by_no_string(configurations: list[dict[str, Any]], field: str) -> None:
    """A Python DAG's ``{5: "x"}``: RunJobFlow's Properties map strings to strings (Amazon EMR API Reference,
    "Configuration"); it failed with an AttributeError naming no field."""
    refused(
        lambda: plan_launch(overrides(Configurations=configurations)), f"job_flow_overrides.{field}", "named by strings"
    )


def test_emrfs_site_properties_named_by_no_string_are_refused() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_launch_arguments(None, None, {5: "x"}, None)

    assert caught.value.field == "emrfs_site_properties"
    assert "dict of strings to strings" in caught.value.problem
