"""
A cluster's own role mapping settings: the Hadoop properties the security configuration's role mappings reach the
connector as.

The security configuration's role mappings reach EMRFS as ``fs.s3.authorization.roleMapping``, and EMR translates that
(with ``fs.s3.authorization.ugi.groupName.enabled``) to S3A's ``fs.s3a.authorization.roleMapping`` (and
``fs.s3a.authorization.ugi.groupName.enabled``): Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem",
"EMRFS to S3A Configuration Mapping". Its rule: "The mapping process automatically occurs when S3A configurations are
undefined while corresponding EMRFS configurations are present", so a defined S3A setting wins over the translated
security configuration's mappings where S3A serves ``s3://``; whether its value routes the writes as they do AWS does
not document (no format of it): not checked. Which of a cluster's own EMRFS setting and the
security configuration's mappings EMRFS follows AWS does not say: "not checked". The launch refuses every form.
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
    WARN,
    Link,
)
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, S3A_IMPL, plan_launch
from tests.unit.test_chain import BUCKET, CONNECTOR, healthy_state
from tests.unit.test_cluster_config import KEEP_ALIVE, overrides, refused

ROLE_MAPPING = "arn:aws:iam::111111111111:role/other:Prefix:s3://"
KEEP_EMRFS = {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}
S3A_LINK = "s3a:// connector"


def chain(release: str | None, *configurations: dict[str, Any]) -> tuple[str, list[Link]]:
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    return report.verdict, report.links


def setting(classification: str, name: str, value: str = ROLE_MAPPING) -> dict[str, Any]:
    return {"Classification": classification, "Properties": {name: value}}


def mentioning(links: list[Link], name: str) -> list[tuple[str, str]]:
    """The (link, status) of each link whose detail names ``name``."""
    return [(link.link, link.status) for link in links if name in link.detail]


# --- The verifier -------------------------------------------------------------------------------------------------


def test_the_baselines_pass_or_are_not_checked_for_s3as_requests_only() -> None:
    assert chain("emr-6.15.0")[0] == VERDICT_PASS
    verdict, links = chain("emr-7.10.0")
    assert verdict == VERDICT_NOT_CHECKED  # S3A's requests: not a role mapping matter
    assert [(link.link, link.status) for link in links if link.link == CONNECTOR] == [(CONNECTOR, PASS)]


@pytest.mark.parametrize(
    ("classification", "name"),
    [
        ("emrfs-site", "fs.s3.authorization.roleMapping"),
        ("core-site", "fs.s3.authorization.roleMapping"),  # Hadoop reads core-site for every file system
        ("spark-defaults", "spark.hadoop.fs.s3.authorization.roleMapping"),
        ("emrfs-site", f"fs.s3.bucket.{BUCKET}.authorization.roleMapping"),
        ("emrfs-site", "fs.s3.authorization.ugi.groupName.enabled"),
        ("spark-defaults", "spark.hadoop.fs.s3.authorization.ugi.groupName.enabled"),
    ],
)
@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0", None])
def test_an_emrfs_role_mapping_setting_is_not_checked_on_either_connector(
    classification: str, name: str, release: str | None
) -> None:
    """
    EMRFS reads it where it serves ``s3://``, and EMR translates it for S3A where S3A does: which of it and the
    security configuration's mappings (which reach EMRFS as ``fs.s3.authorization.roleMapping``) wins, AWS does not
    say. Never a PASS (it was PASS on emr-6.15.0).
    """
    verdict, links = chain(release, setting(classification, name))

    assert verdict != VERDICT_PASS
    assert (BYPASS_LINK, UNKNOWN) in mentioning(links, f"{classification} {name}")
    [link] = [link for link in links if link.link == BYPASS_LINK and name in link.detail]
    assert "remove" in (link.fix or "").lower()


def test_the_emrfs_setting_on_emr_6_15_0_turns_the_pass_into_not_checked() -> None:
    verdict, links = chain("emr-6.15.0", setting("emrfs-site", "fs.s3.authorization.roleMapping"))

    assert verdict == VERDICT_NOT_CHECKED
    [link] = [link for link in links if link.link == BYPASS_LINK]
    assert "emrfs-site fs.s3.authorization.roleMapping" in link.detail
    assert "security configuration" in link.detail


def test_another_buckets_role_mapping_settings_change_nothing() -> None:
    for classification, name in (
        ("emrfs-site", "fs.s3.bucket.someone-else.authorization.roleMapping"),
        ("core-site", "fs.s3a.bucket.someone-else.authorization.roleMapping"),
    ):
        assert chain("emr-6.15.0", setting(classification, name))[0] == VERDICT_PASS
        _, links = chain("emr-7.10.0", setting(classification, name))
        assert mentioning(links, name) == []
        assert (CONNECTOR, PASS) in [(link.link, link.status) for link in links]


@pytest.mark.parametrize(
    "name", ["fs.s3a.authorization.roleMapping", f"fs.s3a.bucket.{BUCKET}.authorization.roleMapping"]
)
def test_s3as_own_role_mapping_leaves_the_s3_connector_not_checked_where_s3a_serves_s3(name: str) -> None:
    """
    "The mapping process automatically occurs when S3A configurations are undefined while corresponding EMRFS
    configurations are present" (Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem"): with S3A's own
    defined (for the bucket: its per-bucket form overrides the base one), the security configuration's mappings are
    not translated, and the destination's writes go by the cluster's mappings, whose format AWS does not document.
    It said PASS, "EMR translates the EMRFS role mappings to S3A", then FAIL, though the value may route the same.
    """
    for configurations in (
        [setting("core-site", name)],
        [setting("core-site", name), setting("core-site", "fs.s3.impl", S3A_IMPL)],
    ):
        verdict, links = chain("emr-7.10.0", *configurations)

        assert verdict == VERDICT_NOT_CHECKED
        [link] = [link for link in links if link.link == CONNECTOR]
        assert link.status == UNKNOWN
        assert not link.probe_settles
        assert f"core-site {name}" in link.detail
        assert "undefined" in link.detail
        assert "no format" in link.detail
        assert "remove" in (link.fix or "").lower()
        assert name in (link.fix or "")
        assert mentioning(links, "EMR translates the EMRFS role mappings to S3A") == []


def test_s3as_own_role_mapping_is_not_checked_with_the_translation_off_too() -> None:
    # S3A reads its own mappings whatever the switch: not "no write gets the mapped role".
    off = setting("core-site", "fs.s3a.emrfs.compatibility.enable", "false")
    verdict, links = chain("emr-7.10.0", setting("core-site", "fs.s3a.authorization.roleMapping"), off)

    assert verdict == VERDICT_NOT_CHECKED
    assert (CONNECTOR, UNKNOWN) in mentioning(links, "fs.s3a.authorization.roleMapping")
    assert [link.status for link in links if link.link == CONNECTOR] == [UNKNOWN]


def test_an_empty_s3a_role_mapping_is_not_checked() -> None:
    # Whether EMR takes an empty value as "undefined" (and translates the security configuration's) AWS does not say.
    verdict, links = chain("emr-7.10.0", setting("core-site", "fs.s3a.authorization.roleMapping", ""))

    assert verdict == VERDICT_NOT_CHECKED
    assert [(link.link, link.status) for link in links if link.link == CONNECTOR] == [(CONNECTOR, UNKNOWN)]


@pytest.mark.parametrize(
    ("classification", "name"),
    [
        ("spark-defaults", "spark.hadoop.fs.s3a.authorization.roleMapping"),
        ("spark-defaults", f"spark.hadoop.fs.s3a.bucket.{BUCKET}.authorization.roleMapping"),
        ("core-site", "fs.s3a.authorization.ugi.groupName.enabled"),
        ("core-site", f"fs.s3a.bucket.{BUCKET}.authorization.ugi.groupName.enabled"),
    ],
)
def test_s3a_role_mapping_settings_aws_does_not_rank_are_not_checked_where_s3a_serves_s3(
    classification: str, name: str
) -> None:
    verdict, links = chain("emr-7.10.0", setting(classification, name))

    assert verdict == VERDICT_NOT_CHECKED
    assert mentioning(links, f"{classification} {name}") == [(BYPASS_LINK, UNKNOWN)]
    # Where EMRFS serves s3://, S3A's settings reach s3a:// URIs only.
    assert mentioning(chain("emr-6.15.0", setting(classification, name))[1], name) == []


def test_s3as_own_role_mapping_in_emrfs_site_is_not_checked_where_s3a_serves_s3() -> None:
    # EMR's S3A reads the EMRFS settings it translates; whether it reads its own from emrfs-site is not documented.
    name = "fs.s3a.authorization.roleMapping"

    verdict, links = chain("emr-7.10.0", setting("emrfs-site", name))

    assert verdict == VERDICT_NOT_CHECKED
    assert mentioning(links, f"emrfs-site {name}") == [(BYPASS_LINK, UNKNOWN)]
    assert (CONNECTOR, PASS) in [(link.link, link.status) for link in links]


def test_s3as_own_role_mapping_is_not_checked_where_the_connector_is_not_known() -> None:
    name = "fs.s3a.authorization.roleMapping"

    verdict, links = chain(None, setting("core-site", name))

    assert verdict == VERDICT_NOT_CHECKED
    assert mentioning(links, f"core-site {name}") == [(BYPASS_LINK, UNKNOWN)]


def test_s3as_own_role_mapping_with_emrfs_kept_warns_for_s3a_uris_only() -> None:
    name = "fs.s3a.authorization.roleMapping"

    verdict, links = chain("emr-7.10.0", setting("core-site", name), KEEP_EMRFS)

    statuses = {(link.link, link.status) for link in links}
    assert (CONNECTOR, PASS) in statuses
    assert mentioning(links, name) == [(S3A_LINK, WARN)]
    assert verdict == VERDICT_PASS
    # Before 7.10.0 EMRFS serves s3:// and nothing here speaks of S3A.
    assert chain("emr-6.15.0", setting("core-site", name))[0] == VERDICT_PASS


# --- The launch ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classification", "name"),
    [
        ("emrfs-site", "fs.s3.authorization.roleMapping"),
        ("core-site", "fs.s3.authorization.roleMapping"),
        ("core-site", "fs.s3a.authorization.roleMapping"),
        ("spark-defaults", "spark.hadoop.fs.s3.authorization.roleMapping"),
        ("spark-defaults", "spark.hadoop.fs.s3a.authorization.roleMapping"),
        ("emrfs-site", "fs.s3.bucket.partner-results-b.authorization.roleMapping"),
        ("core-site", "fs.s3a.bucket.partner-results-b.authorization.roleMapping"),
        ("emrfs-site", "fs.s3.authorization.ugi.groupName.enabled"),
        ("core-site", "fs.s3a.authorization.ugi.groupName.enabled"),
        ("emrfs-site", "fs.s3a.authorization.roleMapping"),
        ("spark-defaults", "spark.hadoop.fs.s3a.bucket.partner-results-b.authorization.ugi.groupName.enabled"),
    ],
)
@pytest.mark.parametrize(
    ("release", "keep_emrfs"), [("emr-6.15.0", True), ("emr-7.10.0", True), ("emr-7.10.0", False), (None, True)]
)
def test_the_launch_refuses_every_form_of_a_role_mapping_setting(
    classification: str, name: str, release: str | None, keep_emrfs: bool
) -> None:
    configurations = [
        {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},
        {"Classification": classification, "Properties": {name: ""}},
    ]

    refused(
        lambda: plan_launch(overrides(release, Configurations=configurations), keep_emrfs=keep_emrfs),
        f"job_flow_overrides.Configurations[1].Properties.{name}",
        "security configuration",
        "Remove it",
    )


def test_a_launch_with_its_own_role_mapping_is_refused_naming_the_field() -> None:
    # Before, it was launched, and with S3A's own set to '' keep_emrfs=False said "so the role mappings apply".
    emrfs = [{"Classification": "emrfs-site", "Properties": {"fs.s3.authorization.roleMapping": ROLE_MAPPING}}]
    refused(
        lambda: plan_launch(overrides("emr-6.15.0", Configurations=emrfs)),
        "job_flow_overrides.Configurations[0].Properties.fs.s3.authorization.roleMapping",
    )
    s3a = [{"Classification": "core-site", "Properties": {"fs.s3a.authorization.roleMapping": ""}}]
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=s3a), keep_emrfs=False),
        "job_flow_overrides.Configurations[0].Properties.fs.s3a.authorization.roleMapping",
        "undefined",
    )


@pytest.mark.parametrize(
    "name",
    [
        "fs.s3.authorization.roleMapping",
        "fs.s3.authorization.ugi.groupName.enabled",
        "fs.s3.bucket.partner-results-b.authorization.roleMapping",
        "fs.s3a.authorization.roleMapping",
    ],
)
def test_the_launch_refuses_a_role_mapping_setting_in_emrfs_site_properties(name: str) -> None:
    refused(
        lambda: plan_launch(overrides(), emrfs_site_properties={name: "x"}),
        f"emrfs_site_properties.{name}",
        "Remove it",
    )


def test_the_launch_keeps_a_buckets_own_role_mapping_no_mapping_takes() -> None:
    configurations = [
        {
            "Classification": "core-site",
            "Properties": {"fs.s3a.bucket.raw-logs-a.authorization.roleMapping": ROLE_MAPPING},
        },
        {
            "Classification": "emrfs-site",
            "Properties": {"fs.s3.bucket.raw-logs-a.authorization.roleMapping": ROLE_MAPPING},
        },
    ]

    plan = plan_launch(overrides("emr-7.10.0", Configurations=configurations), mapped_buckets=("partner-results-b/",))

    # Kept as written (keep_emrfs adds its fs.s3.impl and fs.s3n.impl to the core-site).
    for given, sent in zip(configurations, plan.overrides["Configurations"], strict=True):
        assert given["Properties"].items() <= sent["Properties"].items()
    # Any bucket may be mapped (a User or Group mapping): refused.
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=configurations)),
        "job_flow_overrides.Configurations[0].Properties.fs.s3a.bucket.raw-logs-a.authorization.roleMapping",
    )


def test_the_launch_without_role_mappings_takes_the_clusters_own() -> None:
    configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3.authorization.roleMapping": ROLE_MAPPING}}]

    plan = plan_launch(overrides(Configurations=configurations), uses_role_mappings=False)

    assert plan.overrides["Configurations"] == configurations


def test_the_launch_refuses_an_instance_groups_own_role_mapping_setting() -> None:
    instances = {
        "InstanceGroups": [
            {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {
                "InstanceRole": "CORE",
                "InstanceType": "m5.xlarge",
                "InstanceCount": 2,
                "Configurations": [
                    {"Classification": "emrfs-site", "Properties": {"fs.s3.authorization.roleMapping": ROLE_MAPPING}}
                ],
            },
        ],
        **KEEP_ALIVE,
    }

    refused(
        lambda: plan_launch(overrides(Instances=instances)),
        "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties.fs.s3.authorization.roleMapping",
        "security configuration",
        "Remove it",
    )
