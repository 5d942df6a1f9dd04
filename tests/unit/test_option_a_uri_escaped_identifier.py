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
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN, VERDICT_FAIL
from tests.unit.test_chain import BUCKET, ROLE
from tests.unit.test_option_a_shared_cluster import cluster_link, prefix_mapping, shared


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
