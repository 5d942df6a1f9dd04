"""
Option (a)'s cluster link with a ``Prefix`` identifier holding a character a URI percent-encodes.

The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows plain identifiers only,
not whether EMRFS compares a request's path as written or URI-encoded (``checks/routing.py`` ``uri_escaped``): such
a mapping may take the writes under the verified prefix, or none of them, in which case they go as the instance
profile role ("If a request made through EMRFS doesn't match any identifier, EMRFS falls back to using the service
role for cluster EC2 instances"). So the link is "not checked", naming it, never a certain FAIL.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, VERDICT_FAIL, VERDICT_PASS
from tests.unit import test_option_a_verify
from tests.unit.test_chain import BUCKET, ROLE
from tests.unit.test_option_a_shared_cluster import cluster_link, prefix_mapping, shared

SPACED = f"s3://{BUCKET}/a b/"


@pytest.mark.parametrize("path", ["exports/a b", "exports/100%done", "exports/café"])
def test_a_mapping_whose_identifier_a_uri_escapes_may_take_the_writes_or_not(path: str) -> None:
    identifier = f"s3://{BUCKET}/{path}"
    state = shared(prefix_mapping(identifier, role=ROLE))

    link = cluster_link(state)

    assert link.status == UNKNOWN, link
    assert repr(identifier) in link.detail
    assert "in a URI" in link.detail
    assert check_chain(state).verdict != VERDICT_FAIL
    assert probe_blocker(state) != ""


def test_a_plain_identifier_beside_it_still_takes_the_writes() -> None:
    state = shared(prefix_mapping(f"s3://{BUCKET}/exports/a b", role=ROLE), prefix_mapping(f"s3://{BUCKET}/exports/x"))

    link = cluster_link(state)

    assert link.status == FAIL, link
    assert f"mapping 1 (Prefix s3://{BUCKET}/exports/x" in link.detail


@pytest.fixture
def spaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Option (a)'s grants made for ``s3://partner-results-b/a b/`` (a space in the verified prefix)."""
    monkeypatch.setattr(test_option_a_verify, "PREFIX", SPACED)


@pytest.mark.usefixtures("spaced")
def test_the_spaced_prefix_alone_passes() -> None:
    assert cluster_link(shared()).status == PASS
    assert check_chain(shared()).verdict == VERDICT_PASS


@pytest.mark.usefixtures("spaced")
@pytest.mark.parametrize("identifier", [f"s3a://{BUCKET}/a b", f"S3://{BUCKET}/a b", f"{BUCKET}/a b"])
def test_another_form_of_identifier_holding_a_space_is_not_checked(identifier: str) -> None:
    """
    Another tenant's ``s3a://`` (``S3://``, no scheme) identifier may match (the Amazon EMR Management Guide,
    "Configure IAM roles for EMRFS requests to Amazon S3", shows ``s3://bucket/prefix`` only): never a PASS.
    """
    state = shared(prefix_mapping(identifier))

    link = cluster_link(state)

    assert link.status == UNKNOWN, link
    assert repr(identifier) in link.detail
    assert check_chain(state).verdict != VERDICT_PASS


@pytest.mark.usefixtures("spaced")
def test_a_later_plain_mapping_catches_what_the_escaped_one_may_not() -> None:
    """
    EMRFS uses the first mapping that matches and falls back to the instance profile role only when none does
    (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): mapping 0 takes the writes,
    or mapping 1 does; either way another role's, a certain FAIL.
    """
    state = shared(prefix_mapping(f"s3://{BUCKET}/a b"), prefix_mapping(f"s3://{BUCKET}/"))

    link = cluster_link(state)

    assert link.status == FAIL, link
    assert f"mapping 1 (Prefix s3://{BUCKET}/ " in link.detail
    assert check_chain(state).verdict == VERDICT_FAIL
