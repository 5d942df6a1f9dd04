"""
Option (a) (no security configuration verified, the writes judged as the instance profile role's) where S3A serves
``s3://``: from emr-7.10.0 S3A serves ``s3://`` unless ``core-site`` ``fs.s3.impl`` keeps EMRFS, and EMR translates
EMRFS's settings to S3A's, ``fs.s3.authorization.roleMapping`` to ``fs.s3a.authorization.roleMapping`` among them,
"when S3A configurations are undefined while corresponding EMRFS configurations are present"; "Users who wish to
disable this automatic translation" set ``core-site`` ``fs.s3a.emrfs.compatibility.enable`` to false (Amazon EMR
Release Guide, "Migration Guide: EMRFS to S3A Filesystem"). S3A chooses a request's IAM role by user, group or S3
prefix with its role mappings (Amazon EMR 7.7.0 - Hadoop release notes), whose value's format AWS does not document.

- S3A's own role mappings, base or per bucket, may send the writes as another role: never PASS (they passed).
- The cluster's security configuration's mappings do not reach S3A with the translation off: a ``Prefix`` mapping over
  the verified prefix takes none of the writes (it failed); a switch neither true nor false: not checked, naming it.
- The option (a) chain no longer skips the connector: S3A's requests, a connector not known, S3A's own role mappings
  on ``s3a://`` URIs with EMRFS kept.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import CONFIGURATION_LINK, probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    BYPASS_LINK,
    FAIL,
    PASS,
    S3A_REQUESTS_LINK,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    WARN,
    Link,
    verdict_with_probe,
)
from tests.unit.test_chain import BUCKET, PREFIX
from tests.unit.test_option_a_shared_cluster import SHARED, prefix_mapping, shared
from tests.unit.test_option_a_verify import option_a_state

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.findings import Report
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

EMRFS_IMPL = "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"
SWITCH = "fs.s3a.emrfs.compatibility.enable"
BASE = "fs.s3a.authorization.roleMapping"
PER_BUCKET = f"fs.s3a.bucket.{BUCKET}.authorization.roleMapping"
THIRD_ROLE = "arn:aws:iam::333333333333:role/x"


def core_site(state: ChainState, **properties: str) -> ChainState:
    return dataclasses.replace(
        state, cluster_configurations=[{"Classification": "core-site", "Properties": properties}]
    )


def links_named(state: ChainState, name: str) -> list[Link]:
    return [link for link in check_chain(state).links if link.link == name]


def after_probe(report: Report) -> str:
    """The verdict once a live probe passed, writing one object under the verified prefix as the EC2 role."""
    links = [link.to_dict() for link in report.links]
    return verdict_with_probe(links, {"ok": True, "routes": {f"{PREFIX}_emrfs_xacct_probe/x": None}})[0]


def cluster_link(state: ChainState) -> Link:
    (link,) = links_named(state, CONFIGURATION_LINK)
    return link


# 1. S3A's own role mappings in option (a) -------------------------------------------------------------------------


@pytest.mark.parametrize("key", [BASE, PER_BUCKET])
def test_s3a_s_own_role_mapping_of_the_partner_bucket_is_never_passed_in_option_a(key: str) -> None:
    """
    The brief's case: it passed, no link judging it (``checks/release.py`` judges S3A's own only where a security
    configuration is verified). No AWS page gives the value's format, so whether it takes the writes is not known.
    """
    state = core_site(option_a_state(runs=None, release="emr-7.10.0"), **{key: f"{THIRD_ROLE};s3://{BUCKET}/"})

    report = check_chain(state)

    assert report.verdict != VERDICT_PASS, report.table()
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    (link,) = [link for link in report.links if link.link == BYPASS_LINK]
    assert link.status == UNKNOWN
    assert f"core-site {key}" in link.detail
    assert "no format" in link.detail
    assert "instance profile role" in link.detail
    assert "security configuration's role mappings" not in link.detail  # option (a) verifies none
    assert link.fix.startswith(f"remove {key} from the cluster's core-site configuration")
    # A passing live probe shows that a write works, not as which role: it does not settle the link.
    assert after_probe(report) == VERDICT_NOT_CHECKED


def test_another_bucket_s_own_s3a_role_mapping_is_not_read_for_the_partner() -> None:
    state = core_site(
        option_a_state(runs=None, release="emr-7.10.0"),
        **{"fs.s3a.bucket.other-bucket.authorization.roleMapping": f"{THIRD_ROLE};s3://other-bucket/"},
    )

    assert links_named(state, BYPASS_LINK) == []


def test_s3a_s_own_role_mapping_where_the_connector_is_not_known_says_so() -> None:
    state = core_site(option_a_state(runs=None, release="emr-7.10.0"), **{"fs.s3.impl": "com.example.S3", BASE: "x"})

    (link,) = links_named(state, BYPASS_LINK)

    assert link.status == UNKNOWN
    assert "whether S3A serves s3:// here is not known" in link.detail


def test_s3a_s_own_role_mapping_with_emrfs_kept_warns_of_s3a_uris_in_option_a() -> None:
    """``s3a://`` URIs are always S3A's, which sends those its mappings take as their roles: WARN, as option (b)."""
    state = core_site(option_a_state(runs=None, release="emr-7.10.0"), **{"fs.s3.impl": EMRFS_IMPL, BASE: "x"})

    report = check_chain(state)

    (link,) = [link for link in report.links if link.link == "s3a:// connector"]
    assert link.status == WARN
    assert f"core-site {BASE}" in link.detail
    assert "instance profile role" in link.detail
    assert report.verdict == VERDICT_PASS, report.table()  # s3:// is EMRFS's, which has no mapping


def test_option_b_does_not_check_s3a_s_own_role_mapping_in_the_connector_link() -> None:
    """
    Where a security configuration is verified ``checks/release.py`` judges it in "s3:// connector", no second link:
    not checked, as here (it was a FAIL, though the value may route to the same role).
    """
    from tests.unit.test_chain import healthy_state

    state = healthy_state()
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {BASE: "x"}}]

    report = check_chain(state)

    assert {link.link: link.status for link in report.links}["s3:// connector"] == UNKNOWN
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert not [link for link in report.links if link.link == BYPASS_LINK and BASE in link.detail]


# 2. The cluster's security configuration's mappings where S3A serves s3:// ----------------------------------------


def caught_by_the_cluster_s_mapping(release: str = "emr-7.10.0", **properties: str) -> ChainState:
    """A cluster running a configuration whose ``Prefix`` mapping takes every write under the verified prefix."""
    state = shared(prefix_mapping(PREFIX), release=release)
    state.cluster_configurations = [{"Classification": "core-site", "Properties": properties}]
    return state


@pytest.mark.parametrize("value", ["false", " FALSE\t"])  # Hadoop reads a flag trimmed, in any case
def test_with_the_translation_off_the_cluster_s_mappings_take_none_of_the_writes(value: str) -> None:
    """The brief's case: it failed ("EMRFS sends them as that role"), though no role mapping reaches S3A."""
    state = caught_by_the_cluster_s_mapping(**{SWITCH: value})

    link = cluster_link(state)

    assert link.status == PASS, link
    assert f"core-site {SWITCH}=false" in link.detail
    assert "instance profile role" in link.detail
    assert "EMRFS sends them" not in link.detail
    report = check_chain(state)
    assert report.verdict != VERDICT_FAIL, report.table()
    assert not [found for found in report.links if found.status == FAIL]
    assert CONFIGURATION_LINK not in probe_blocker(state)


@pytest.mark.parametrize("value", ["maybe", "", "arn:aws:secretsmanager:us-east-1:111111111111:secret:s-AbCdEf"])
def test_a_translation_switch_neither_true_nor_false_leaves_the_link_not_checked_naming_it(value: str) -> None:
    state = caught_by_the_cluster_s_mapping(**{SWITCH: value})

    link = cluster_link(state)

    assert link.status == UNKNOWN, link
    assert f"core-site {SWITCH}={value!r}" in link.detail
    assert "mapping 0 (Prefix" in link.detail
    assert link.probe_settles is False


def test_with_the_translation_on_s3a_sends_the_writes_as_the_mapped_role() -> None:
    for properties in ({}, {SWITCH: "true"}):
        link = cluster_link(caught_by_the_cluster_s_mapping(**properties))

        assert link.status == FAIL, link
        assert "S3A, with the role mappings translated to it" in link.detail


@pytest.mark.parametrize(
    ("properties", "release"),
    [
        ({SWITCH: "false", "fs.s3.impl": EMRFS_IMPL}, "emr-7.10.0"),  # EMRFS kept: it applies them, switch or not
        ({SWITCH: "false"}, "emr-7.5.0"),  # EMRFS's release
        ({"fs.s3a.bucket.other-bucket.authorization.roleMapping": "x"}, "emr-7.10.0"),  # another bucket's own
    ],
)
def test_where_the_mappings_reach_the_connector_the_link_still_fails(properties: dict[str, str], release: str) -> None:
    link = cluster_link(caught_by_the_cluster_s_mapping(release, **properties))

    assert link.status == FAIL, link
    assert f"mapping 0 (Prefix {PREFIX}" in link.detail


@pytest.mark.parametrize("key", [BASE, PER_BUCKET])
def test_s3a_s_own_role_mapping_keeps_the_cluster_s_mappings_out(key: str) -> None:
    """S3A reads the cluster's own, not the translated ones: not this link's FAIL, but the own mapping's "not checked"."""
    state = caught_by_the_cluster_s_mapping(**{key: f"{THIRD_ROLE};s3://{BUCKET}/"})

    link = cluster_link(state)
    report = check_chain(state)

    assert link.status == PASS, link
    assert f"S3A reads core-site {key}" in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert any(found.link == BYPASS_LINK and key in found.detail for found in report.links)


def test_s3a_s_own_role_mapping_set_but_empty_leaves_the_link_not_checked() -> None:
    link = cluster_link(caught_by_the_cluster_s_mapping(**{BASE: " "}))

    assert link.status == UNKNOWN, link
    assert f"core-site {BASE} is set but empty" in link.detail


def test_a_connector_not_known_leaves_the_mapped_writes_not_checked() -> None:
    """``fs.s3.impl`` naming a class of neither connector: whether it applies the mappings AWS does not document."""
    link = cluster_link(caught_by_the_cluster_s_mapping(**{"fs.s3.impl": "com.example.S3"}))

    assert link.status == UNKNOWN, link
    assert "which connector serves s3:// is not known" in link.detail
    assert SHARED in link.detail


# 3. The connector in the option (a) chain ----------------------------------------------------------------------------


def test_option_a_where_s3a_serves_s3_has_the_s3a_requests_link() -> None:
    """The write links judge EMRFS's request list; S3A's is not documented, as option (b) says on these releases."""
    report = check_chain(option_a_state(runs=None, release="emr-7.10.0"))

    (link,) = [link for link in report.links if link.link == S3A_REQUESTS_LINK]
    assert link.status == UNKNOWN
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert after_probe(report) == VERDICT_NOT_CHECKED


def test_option_a_with_emrfs_kept_or_before_7_10_has_no_connector_link() -> None:
    kept = core_site(option_a_state(runs=None, release="emr-7.10.0"), **{"fs.s3.impl": EMRFS_IMPL})

    for state in (kept, option_a_state(runs=None, release="emr-7.5.0")):
        report = check_chain(state)

        assert report.verdict == VERDICT_PASS, report.table()
        assert not [link for link in report.links if link.link in (S3A_REQUESTS_LINK, "s3:// connector")]


def test_option_a_with_a_release_given_and_no_cluster_settings_read() -> None:
    state = dataclasses.replace(option_a_state(release="emr-7.10.0"), cluster=None, cluster_configurations=None)

    (link,) = links_named(state, S3A_REQUESTS_LINK)

    assert "no cluster settings were read" in link.detail


@pytest.mark.parametrize(
    ("impl", "release"),
    [("com.example.S3", "emr-7.10.0"), ("org.apache.hadoop.fs.s3a.S3AFileSystem", "emr-7.5.0")],
)
def test_option_a_with_a_connector_not_known_is_not_checked(impl: str, release: str) -> None:
    state = core_site(option_a_state(runs=None, release=release), **{"fs.s3.impl": impl})

    report = check_chain(state)

    (link,) = [link for link in report.links if link.link == "s3:// connector"]
    assert link.status == UNKNOWN
    assert impl in link.detail
    assert "credentials" in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert after_probe(report) == VERDICT_NOT_CHECKED
