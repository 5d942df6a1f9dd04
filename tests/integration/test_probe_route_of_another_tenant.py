"""
The live probe does not write where an earlier mapping of another tenant's role may take its write.

EMRFS uses the first role mapping that matches (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests
to Amazon S3"), and that page neither shows an identifier of another form than ``s3://bucket/prefix`` nor says that
``s3://bucket`` matches another bucket whose name starts with it, nor which Hadoop user an EMR step runs as: such a
mapping before the destination role's may send the probe's write as its role. Before, the probe checked only its own
mapping's role and added its step; the write could go as the other tenant's role into the partner's bucket.
"""

from __future__ import annotations

import pytest

from devstack.testing import RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.test_probe_targets import OTHER_ROLE, another_tenant, probe_steps
from tests.integration.test_verify import IDENTIFIER, Partner, hand_made_configuration, partner, verifier

__all__ = ["partner"]  # the fixture, imported for the tests below


@pytest.mark.parametrize(
    "first",
    [
        {"IdentifierType": "Prefix", "Identifiers": ["s3://partner-results"]},
        {"IdentifierType": "User", "Identifiers": ["hadoop"]},
    ],
    ids=["prefix-ending-inside-the-bucket-name", "user"],
)
def test_no_probe_step_where_another_tenants_mapping_may_take_the_write(
    partner: Partner, first: dict[str, object]
) -> None:
    another_tenant(partner)
    configuration = hand_made_configuration(
        partner.aws,
        "may-be-taken",
        [
            {"Role": OTHER_ROLE, **first},
            {"Role": partner.role_arn, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]},
        ],
    )
    cluster_id = launch_cluster(partner.aws, configuration)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    result, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, probe=True), ti)

    assert probe_steps(partner, cluster_id) == []  # no step, so no write as the other tenant's role
    probe = result["probe"]
    assert probe["ok"] is None
    assert "nothing to write under" in probe["skipped"]
    [skipped] = [item for item in probe["not_probed"] if item["identifier"] == IDENTIFIER]
    assert skipped["mapping"] == 1
    assert skipped["why"].startswith(f"mapping 0 ({OTHER_ROLE}) may take the probe's write")
    assert result["verdict"] == "NOT_CHECKED"
    assert ti.xcoms["report"] == result
