"""
Option (a) on a cluster whose security configuration maps roles for other writes (a cluster shared by partners).

"If a request made through EMRFS doesn't match any identifier, EMRFS falls back to using the service role for
cluster EC2 instances" (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): a
``Prefix`` mapping of another partner's prefix takes none of the writes under the verified one, so they go as the
instance profile role the option (a) chain judges. A mapping that may take some of them (a ``Prefix`` identifier
over any key under the prefix, a ``User`` or ``Group`` mapping, one not read, one of another form than
``s3://bucket/prefix``) does not let the cluster link pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import CONFIGURATION_LINK, probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    Link,
)
from tests.unit.test_chain import BUCKET, PREFIX, ROLE
from tests.unit.test_option_a_verify import WRITE, option_a_state

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState
    from devstack.moto_stack import Seeded

SHARED = "shared-config"
PARTNER_A = "s3://partner-a-bucket/out"
OTHER_ROLE = "arn:aws:iam::333333333333:role/partner-a-writer"


def configuration(*mappings: dict[str, Any]) -> dict[str, Any]:
    return {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": list(mappings)}}}


def prefix_mapping(*identifiers: str, role: str = OTHER_ROLE) -> dict[str, Any]:
    return {"Role": role, "IdentifierType": "Prefix", "Identifiers": list(identifiers)}


def shared(*mappings: dict[str, Any], release: str = "emr-7.5.0") -> ChainState:
    """Partner B's option (a) grants, on a cluster running ``shared-config`` with ``mappings``."""
    return option_a_state(runs=SHARED, configuration=configuration(*mappings), release=release)


def cluster_link(state: ChainState) -> Link:
    return next(link for link in check_chain(state).links if link.link == CONFIGURATION_LINK)


def test_another_partner_s_prefix_mapping_takes_none_of_the_writes_so_the_link_passes() -> None:
    """The brief's scenario: it failed, though every write under partner B's prefix goes as the EC2 role."""
    state = shared(prefix_mapping(PARTNER_A))

    report = check_chain(state)

    link = cluster_link(state)
    assert link.status == PASS, link
    assert SHARED in link.detail
    assert PREFIX in link.detail
    assert "falls back" in link.detail
    assert report.verdict == VERDICT_PASS, report.table()
    assert {found.link: found.status for found in report.links}[WRITE] == PASS
    assert probe_blocker(state) == ""  # the probe's write under the prefix goes as the EC2 role too


@pytest.mark.parametrize(
    ("identifier", "caught"),
    [
        (f"s3://{BUCKET}/exports/x", f"s3://{BUCKET}/exports/x"),  # a key under the prefix: the job may write it
        (f"s3://{BUCKET}/exports/", f"s3://{BUCKET}/exports/"),
        (f"s3://{BUCKET}/exports", f"s3://{BUCKET}/exports/"),
        (f"s3://{BUCKET}/exp", f"s3://{BUCKET}/exports/"),  # a plain string prefix
        (f"s3://{BUCKET}/exports_", f"s3://{BUCKET}/exports_$folder$"),  # the directory's marker
        (f"s3://{BUCKET}", f"s3://{BUCKET}/exports/"),
    ],
)
def test_a_prefix_mapping_that_takes_some_of_the_writes_fails(identifier: str, caught: str) -> None:
    state = shared(prefix_mapping(PARTNER_A), prefix_mapping(identifier, role=ROLE))

    link = cluster_link(state)

    assert link.status == FAIL, link
    assert f"mapping 1 (Prefix {identifier} -> {ROLE})" in link.detail
    assert f"({caught})" in link.detail
    assert link.fix.startswith(f"verify it with security_configuration={SHARED!r}")
    assert check_chain(state).verdict == VERDICT_FAIL
    assert probe_blocker(state) != ""


def test_a_sibling_prefix_is_no_write_under_the_verified_one() -> None:
    """``s3://b/exports2/`` shares no key with ``s3://b/exports/`` (nor its directory keys): it takes none."""
    assert cluster_link(shared(prefix_mapping(f"s3://{BUCKET}/exports2/"))).status == PASS
    assert cluster_link(shared(prefix_mapping(f"s3://{BUCKET}/exports/x"))).status == FAIL


def test_a_verified_bucket_root_is_caught_by_any_mapping_of_its_bucket() -> None:
    state = shared(prefix_mapping(f"s3://{BUCKET}/anything/deep"))
    state.prefixes_for_principal_mappings = [f"s3://{BUCKET}/"]

    link = cluster_link(state)

    assert link.status == FAIL, link
    assert f"s3://{BUCKET}/anything/deep" in link.detail


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_a_user_or_group_mapping_may_take_the_writes_whatever_the_prefix(kind: str) -> None:
    """Whom the job runs as is not seen (checks/principal.py): not checked, naming the mapping."""
    state = shared(prefix_mapping(PARTNER_A), {"Role": ROLE, "IdentifierType": kind, "Identifiers": ["etl"]})

    link = cluster_link(state)

    assert link.status == UNKNOWN, link
    assert f"mapping 1 ({kind} 'etl' -> {ROLE})" in link.detail
    assert check_chain(state).verdict == VERDICT_NOT_CHECKED
    assert probe_blocker(state) != ""


def test_a_prefix_mapping_taking_the_writes_fails_even_after_a_user_mapping() -> None:
    """A user's writes go as its mapping's role, everyone else's as the prefix mapping's: none as the EC2 role."""
    state = shared({"Role": OTHER_ROLE, "IdentifierType": "User", "Identifiers": ["etl"]}, prefix_mapping(PREFIX))

    assert cluster_link(state).status == FAIL


def test_a_mapping_not_read_may_take_the_writes() -> None:
    """``Identifiers`` as one string: how EMRFS reads it is not documented (security_config.read_mapping)."""
    state = shared(prefix_mapping(PARTNER_A), {"Role": OTHER_ROLE, "IdentifierType": "Prefix", "Identifiers": "s3://x"})

    link = cluster_link(state)

    assert link.status == UNKNOWN, link
    assert "mapping 1 could not be read" in link.detail


@pytest.mark.parametrize(
    "identifier",
    [f"s3a://{BUCKET}/exports", f"S3://{BUCKET}/", f"s3n://{BUCKET}/exports/part", f"s3://{BUCKET.upper()}/exports"],
)
def test_an_identifier_of_another_form_that_may_match_is_not_checked(identifier: str) -> None:
    state = shared(prefix_mapping(identifier))

    link = cluster_link(state)

    assert link.status == UNKNOWN, link
    assert f"mapping 0's Prefix identifier {identifier!r}" in link.detail


def test_an_identifier_of_another_form_for_another_bucket_takes_none() -> None:
    assert cluster_link(shared(prefix_mapping("s3a://partner-a-bucket/out"))).status == PASS


@pytest.mark.parametrize(
    ("properties", "status"),
    [
        ({}, UNKNOWN),  # S3A serves s3:// with the mappings translated: its fallback is not documented
        ({"fs.s3.impl": "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"}, PASS),  # EMRFS kept
        ({"fs.s3a.emrfs.compatibility.enable": "false"}, PASS),  # no mapping reaches S3A
    ],
)
def test_from_7_10_the_fallback_is_known_only_where_emrfs_serves_or_no_mapping_reaches_s3a(
    properties: dict[str, str], status: str
) -> None:
    state = shared(prefix_mapping(PARTNER_A), release="emr-7.10.0")
    state.cluster_configurations = [{"Classification": "core-site", "Properties": properties}] if properties else []

    link = cluster_link(state)

    assert link.status == status, link
    if status == UNKNOWN:
        assert "S3A" in link.detail


def test_the_shared_cluster_against_the_stand_in(aws: Seeded) -> None:
    """
    End to end on the stand-in: partner A's mapping in the cluster's configuration, partner B verified by option (a).
    The verifier passes the cluster, and the stand-in's EMRFS-like writer (whose judge shares no code with the
    verifier) writes every request under partner B's prefix as the EMR EC2 role, and succeeds.
    """
    from devstack.testing import launch_cluster
    from tests.integration.test_verify import hand_made_configuration
    from tests.integration.test_verify_option_a import option_a, statuses, verify, write

    option_a(aws)
    name = hand_made_configuration(aws, SHARED, [prefix_mapping(PARTNER_A)])
    cluster_id = launch_cluster(aws, name)

    report = verify(cluster_id)

    assert statuses(report)[CONFIGURATION_LINK] == "pass", report["links"]
    assert report["verdict"] == "PASS", report
    result = write(aws, cluster_id, name)
    assert result.success, result.first_failure
    assert {record.role_arn for record in result.requests if record.uri.startswith(PREFIX)} == {aws.emr_ec2_role_arn}
