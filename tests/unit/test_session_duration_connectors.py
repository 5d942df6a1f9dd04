"""
The role session duration with the cluster's release unknown: EMRFS not checked beside S3A passing is no pass.

Which connector serves ``s3://`` depends on the release (from 7.10.0 S3A, unless ``fs.s3.impl`` keeps EMRFS: Amazon EMR
Release Guide, "Migration guide: EMRFS to S3A filesystem"), so the link is judged only where both connectors would fare
alike (``pure/checks/session_duration.py``). A connector's outcome is its worst link, a "not checked" one included
(OX268: counting only a FAIL took an EMRFS setting the verifier cannot read for a pass, and judged the two alike).
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN
from tests.unit.test_chain import healthy_state
from tests.unit.test_chain_audit_fixes import s3a_cluster


def test_emrfs_not_checked_beside_s3a_passing_is_said_to_fare_differently() -> None:
    """EMRFS's whole seconds given as S3A's ``1h``: not read; S3A's own ``1h`` passes: one link, each outcome named."""
    state = s3a_cluster(
        healthy_state(),
        **{
            "emrfs-site": {"fs.s3.sts.sessionDurationSeconds": "1h"},
            "core-site": {"fs.s3a.assumed.role.session.duration": "1h"},
        },
    )
    state.release_label = None

    links = [link for link in check_chain(state).links if link.link == "role session duration"]

    assert [link.status for link in links] == [UNKNOWN], links
    [link] = links
    assert "release is not known" in link.detail
    assert "the two would fare differently" in link.detail
    assert "EMRFS not checked (emrfs-site fs.s3.sts.sessionDurationSeconds='1h' is not a duration" in link.detail
    assert "S3A pass (core-site fs.s3a.assumed.role.session.duration='1h': 3600 seconds" in link.detail
    assert "give both connectors a duration of 900-3600 seconds" in link.fix
