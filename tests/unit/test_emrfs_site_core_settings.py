"""
``core-site`` settings put in ``emrfs-site``: the launch refuses them and the verifier leaves them not checked.

AWS documents the switches of the ``s3://`` connector in ``core-site.xml``: "If you want to continue using EMRFS, you
can configure this by adding the following property to the core-site.xml configuration file" (``fs.s3.impl``), and
"To disable this automatic translation, add the following property to core-site.xml configuration file"
(``fs.s3a.emrfs.compatibility.enable``: Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"); S3A's
options are Hadoop's ``core-site`` ones. EMRFS's own configuration loads ``emrfs-site`` as well, and what a copy there
does AWS does not say. Before, such a copy was read by nothing: on ``emr-6.15.0`` ``emrfs-site``
``fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem`` launched and verified PASS, while the same in ``hdfs-site`` (or
``core-site``) was refused and not checked. Same rule now as for the other classifications.
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
)
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import EMRFS_SITE_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, S3A_IMPL, plan_launch
from tests.unit.test_chain import BUCKET, healthy_state
from tests.unit.test_cluster_config import overrides, refused


def site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


def chain(*configurations: dict[str, Any], release: str = "emr-6.15.0") -> tuple[str, list[tuple[str, str, str]]]:
    """The healthy chain's verdict on a cluster of ``configurations``, and each link that is not PASS."""
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    return report.verdict, [(link.link, link.status, link.detail) for link in report.links if link.status != PASS]


#: The core-site settings the launch reads, each with a value core-site does not give.
CORE_SETTINGS = [
    ("emr-6.15.0", True, "fs.s3.impl", S3A_IMPL),
    ("emr-7.10.0", False, "fs.s3a.emrfs.compatibility.enable", "false"),
    ("emr-7.10.0", False, "fs.s3a.aws.credentials.provider", "com.example.PartnerProvider"),
    ("emr-7.10.0", False, "fs.s3a.assumed.role.session.duration", "1h"),
    ("emr-7.10.0", False, "fs.s3a.acl.default", "BucketOwnerFullControl"),
    ("emr-7.10.0", False, f"fs.s3a.bucket.{BUCKET}.acl.default", "BucketOwnerFullControl"),
]


# --- The launch ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("release", "keep_emrfs", "name", "value"), CORE_SETTINGS)
def test_the_launch_refuses_a_core_site_setting_in_emrfs_site(
    release: str, keep_emrfs: bool, name: str, value: str
) -> None:
    configurations = [site("emrfs-site", **{"fs.s3.maxRetries": "20", name: value})]

    refused(
        lambda: plan_launch(overrides(release, Configurations=configurations), keep_emrfs=keep_emrfs),
        f"job_flow_overrides.Configurations[0].Properties.{name}",
        f"core-site {name} is not set",
        "core-site.xml",
        f"Set {name} in core-site only",
    )


def test_the_launch_refuses_one_in_emrfs_site_properties_naming_it_there() -> None:
    refused(
        lambda: plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={"fs.s3.impl": S3A_IMPL}),
        "emrfs_site_properties.fs.s3.impl",
        "core-site fs.s3.impl is not set",
    )


def test_the_launch_refuses_another_value_than_core_sites_and_keeps_the_same() -> None:
    kept = [
        # keep_emrfs writes core-site fs.s3.impl=EMRFS's class on 7.10.0: the same value in emrfs-site changes nothing,
        # nor do emrfs-site's own settings.
        site("emrfs-site", **{"fs.s3.impl": EMRFS_IMPL, "fs.s3.canned.acl": "BucketOwnerFullControl"}),
        site("core-site", **{"fs.s3a.acl.default": "BucketOwnerFullControl"}),
        site("emrfs-site", **{"fs.s3a.acl.default": "BucketOwnerFullControl"}),
    ]
    plan = plan_launch(overrides("emr-7.10.0", Configurations=kept))
    assert plan.overrides["Configurations"][0]["Properties"]["fs.s3.impl"] == EMRFS_IMPL

    other = [*kept[:2], site("emrfs-site", **{"fs.s3a.acl.default": "Private"})]
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=other)),
        "job_flow_overrides.Configurations[2].Properties.fs.s3a.acl.default",
        "core-site fs.s3a.acl.default is 'BucketOwnerFullControl'",
    )
    translation = [
        site("core-site", **{"fs.s3a.emrfs.compatibility.enable": "true"}),
        site("emrfs-site", **{"fs.s3a.emrfs.compatibility.enable": "false"}),
    ]
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=translation), keep_emrfs=False),
        "job_flow_overrides.Configurations[1].Properties.fs.s3a.emrfs.compatibility.enable",
        "core-site fs.s3a.emrfs.compatibility.enable is 'true'",
    )


@pytest.mark.parametrize(
    ("classification", "name"),
    [
        ("emrfs-site", "fs.s3a.access.grants.enabled"),  # S3A's switch, read from core-site
        ("core-site", "fs.s3.s3AccessGrants.enabled"),  # EMRFS's switch, read from emrfs-site
    ],
)
def test_the_launch_refuses_an_access_grants_switch_in_the_other_site_file(classification: str, name: str) -> None:
    configurations = [site(classification, **{name: "true"})]

    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=configurations), keep_emrfs=False),
        f"job_flow_overrides.Configurations[0].Properties.{name}",
        "S3 Access Grants",
        classification,
    )
    # Turned off it turns nothing on; without role mappings the cluster's own settings are as it asked.
    plan_launch(overrides("emr-7.10.0", Configurations=[site(classification, **{name: "false"})]), keep_emrfs=False)
    plan_launch(overrides("emr-7.10.0", Configurations=configurations), keep_emrfs=False, uses_role_mappings=False)


def test_the_launch_warns_of_s3as_credentials_provider_in_emrfs_site() -> None:
    configurations = [
        site("core-site", **{"fs.s3a.aws.credentials.provider": "com.example.P"}),
        site("emrfs-site", **{"fs.s3a.aws.credentials.provider": "com.example.P"}),
    ]

    plan = plan_launch(overrides("emr-7.10.0", Configurations=configurations), keep_emrfs=False)

    assert any(warning.startswith("emrfs-site fs.s3a.aws.credentials.provider is set") for warning in plan.warnings)


# --- The verifier -------------------------------------------------------------------------------------------------


def test_the_connector_class_in_emrfs_site_on_6_15_0_is_not_checked() -> None:
    assert chain() == (VERDICT_PASS, [])  # the healthy chain

    verdict, links = chain(site("emrfs-site", **{"fs.s3.impl": S3A_IMPL}))

    assert verdict == VERDICT_NOT_CHECKED
    [(link, status, detail)] = links
    assert (link, status) == (EMRFS_SITE_LINK, UNKNOWN)
    assert f"emrfs-site fs.s3.impl={S3A_IMPL!r}" in detail
    assert "core-site.xml" in detail


@pytest.mark.parametrize(
    "name", ["fs.s3a.emrfs.compatibility.enable", "fs.s3a.acl.default", f"fs.s3a.bucket.{BUCKET}.acl.default"]
)
def test_a_core_site_setting_in_emrfs_site_on_7_10_0_is_not_checked(name: str) -> None:
    verdict, links = chain(site("emrfs-site", **{name: "false"}), release="emr-7.10.0")

    assert verdict == VERDICT_NOT_CHECKED
    assert [(link, status) for link, status, detail in links if f"emrfs-site {name}=" in detail] == [
        (EMRFS_SITE_LINK, UNKNOWN)
    ]


def test_core_sites_value_in_emrfs_site_changes_nothing() -> None:
    keep = site("core-site", **{"fs.s3.impl": EMRFS_IMPL})

    assert chain(keep, site("emrfs-site", **{"fs.s3.impl": f" {EMRFS_IMPL}\n"}), release="emr-7.10.0") == (
        VERDICT_PASS,
        [],
    )
    verdict, links = chain(keep, site("emrfs-site", **{"fs.s3.impl": S3A_IMPL}), release="emr-7.10.0")
    assert verdict == VERDICT_NOT_CHECKED
    assert [link for link, _, _ in links] == [EMRFS_SITE_LINK]


@pytest.mark.parametrize("name", ["fs.s3a.access.key", f"fs.s3a.bucket.{BUCKET}.assumed.role.arn"])
def test_s3as_credential_settings_in_emrfs_site_are_not_checked_where_s3a_serves_s3(name: str) -> None:
    verdict, links = chain(site("emrfs-site", **{name: "x"}), release="emr-7.10.0")

    assert verdict == VERDICT_NOT_CHECKED
    assert [(link, status) for link, status, detail in links if f"emrfs-site {name} is set" in detail] == [
        (BYPASS_LINK, UNKNOWN)
    ]


def test_an_access_grants_switch_in_the_other_site_file_is_not_checked() -> None:
    verdict, links = chain(site("core-site", **{"fs.s3.s3AccessGrants.enabled": "true"}))

    assert verdict == VERDICT_NOT_CHECKED
    assert [(link, status) for link, status, detail in links if "core-site fs.s3.s3AccessGrants" in detail] == [
        (BYPASS_LINK, UNKNOWN)
    ]
