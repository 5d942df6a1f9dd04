"""
S3A's own role mappings in the main chain (option (b): a security configuration verified) where S3A serves ``s3://``.

From emr-7.10.0 S3A serves ``s3://`` unless ``core-site`` ``fs.s3.impl`` keeps EMRFS, and EMR translates
``fs.s3.authorization.roleMapping`` (the security configuration's mappings) to ``fs.s3a.authorization.roleMapping``
"when S3A configurations are undefined while corresponding EMRFS configurations are present" (Amazon EMR Release
Guide, "Migration Guide: EMRFS to S3A Filesystem"): with S3A's own set, S3A reads the cluster's value. S3A chooses a
request's IAM role by user, group or S3 prefix with it (Amazon EMR 7.7.0 - Hadoop release notes), and AWS documents no
format of it, so whether it routes the writes to the destination role is not known: NOT CHECKED, never PASS or FAIL
(it was a FAIL even for a value routing the prefix to the same role), as the option (a) chain says of it.

S3A also reads ``fs.s3a.access.key``, ``fs.s3a.secret.key`` and ``fs.s3a.session.token`` from the Hadoop credential
stores ``hadoop.security.credential.provider.path`` and ``fs.s3a.security.credential.provider.path`` list (Apache
Hadoop, "Hadoop-AWS module", "Protecting the AWS Credentials": the latter "only lists credential providers for S3A
filesystems"), and the per-bucket form of the latter: each leaves the writes not known to go by the role mappings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    BYPASS_LINK,
    FAIL,
    PASS,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from tests.unit.test_chain import BUCKET, CONNECTOR, PREFIX, ROLE, healthy_state
from tests.unit.test_option_a_verify import option_a_state

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.findings import Report
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

BASE = "fs.s3a.authorization.roleMapping"
PER_BUCKET = f"fs.s3a.bucket.{BUCKET}.authorization.roleMapping"
#: A value meant to route the verified prefix to the security configuration's own destination role.
SAME_ROLE = f"{ROLE};s3://{BUCKET}/exports/"
SWITCH = "fs.s3a.emrfs.compatibility.enable"


def on_s3a(*configurations: dict[str, Any], release: str = "emr-7.10.0") -> ChainState:
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    return state


def core_site(**properties: str) -> dict[str, Any]:
    return {"Classification": "core-site", "Properties": properties}


def after_probe(report: Report) -> str:
    """The verdict once a live probe passed, its one write routed by the security configuration's first mapping."""
    links = [link.to_dict() for link in report.links]
    return verdict_with_probe(links, {"ok": True, "routes": {f"{PREFIX}_emrfs_xacct_probe/x": 0}})[0]


@pytest.mark.parametrize("key", [BASE, PER_BUCKET])
def test_s3a_s_own_mapping_to_the_same_role_is_not_checked_not_failed(key: str) -> None:
    report = check_chain(on_s3a(core_site(**{key: SAME_ROLE})))

    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert not [link for link in report.links if link.status == FAIL], report.table()
    (link,) = [link for link in report.links if link.link == CONNECTOR]
    assert link.status == UNKNOWN
    assert f"core-site {key}" in link.detail
    assert "when S3A configurations are undefined" in link.detail
    assert "no format" in link.detail
    assert link.fix.startswith(f"remove {key} from the cluster's core-site configuration")
    # Its link is the only one naming it: role_mapping_audit leaves it to the release.
    assert [each.link for each in report.links if key in each.detail] == [CONNECTOR]
    # The probe's route is read from the security configuration's mappings, which S3A does not read here.
    assert after_probe(report) == VERDICT_NOT_CHECKED


def test_s3a_s_own_mapping_with_the_translation_off_is_not_checked_either() -> None:
    """S3A reads its own whatever the switch: not "no write gets the mapped role", which was its FAIL."""
    report = check_chain(on_s3a(core_site(**{BASE: SAME_ROLE, SWITCH: "false"})))

    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert [(link.status, BASE in link.detail) for link in report.links if link.link == CONNECTOR] == [(UNKNOWN, True)]


def test_both_chains_give_the_same_reason() -> None:
    from airflow_provider_emrfs_xacct.pure.checks.credential_settings import S3A_OWN_MAPPINGS_UNREAD

    main = check_chain(on_s3a(core_site(**{BASE: SAME_ROLE})))
    option_a = option_a_state(runs=None, release="emr-7.10.0")
    option_a.cluster_configurations = [core_site(**{BASE: SAME_ROLE})]

    (connector,) = [link for link in main.links if link.link == CONNECTOR]
    (bypass,) = [link for link in check_chain(option_a).links if link.link == BYPASS_LINK]
    assert S3A_OWN_MAPPINGS_UNREAD in connector.detail
    assert S3A_OWN_MAPPINGS_UNREAD in bypass.detail


def test_without_s3a_s_own_mapping_the_connector_still_passes() -> None:
    report = check_chain(on_s3a(core_site(**{"fs.s3a.bucket.other-bucket.authorization.roleMapping": SAME_ROLE})))

    assert [link.status for link in report.links if link.link == CONNECTOR] == [PASS]


def test_an_empty_value_is_still_not_checked_as_empty() -> None:
    report = check_chain(on_s3a(core_site(**{BASE: " "})))

    (link,) = [link for link in report.links if link.link == CONNECTOR]
    assert link.status == UNKNOWN
    assert "empty" in link.detail


@pytest.mark.parametrize(
    ("classification", "key"),
    [
        ("core-site", "fs.s3a.security.credential.provider.path"),
        ("core-site", f"fs.s3a.bucket.{BUCKET}.security.credential.provider.path"),
        ("core-site", "hadoop.security.credential.provider.path"),
        ("spark-defaults", "spark.hadoop.fs.s3a.security.credential.provider.path"),
    ],
)
def test_a_credential_store_of_s3a_is_not_checked_where_s3a_serves_s3(classification: str, key: str) -> None:
    store = {"Classification": classification, "Properties": {key: "jceks://hdfs/user/etl/s3.jceks"}}

    report = check_chain(on_s3a(store))

    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    (link,) = [link for link in report.links if link.link == BYPASS_LINK]
    assert link.status == UNKNOWN
    assert f"{classification} {key}" in link.detail
    assert "fs.s3a.access.key" in link.detail
    assert "role mappings" in link.detail
    # Where EMRFS serves s3:// (before 7.10.0) S3A's stores reach s3a:// URIs only.
    assert check_chain(on_s3a(store, release="emr-6.15.0")).verdict == VERDICT_PASS
