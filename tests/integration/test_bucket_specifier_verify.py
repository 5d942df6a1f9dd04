"""
The verifier on two-account moto, for a hand-made configuration whose first mapping is a bucket specifier that the
partner's bucket name extends (``s3://partner-results`` before ``s3://partner-results-b/exports``).

The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows a "bucket specifier of
any depth (for example, s3://amzn-s3-demo-bucket or s3://amzn-s3-demo-bucket/myproject/mydata)", and does not say
that it also matches another bucket whose name starts with it: the partner's mapping is "not checked", naming the
earlier one, not failed as shadowed; the same specifier of the partner's own bucket still fails it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devstack.testing import RecordingTaskInstance, run_operator
from tests.integration.partners import mapping, provision_partner
from tests.integration.test_verify import (
    IDENTIFIER,
    PREFIX,
    ROLE_NAME,
    SHADOW,
    WRITE,
    expect_broken,
    failing,
    hand_made_configuration,
    verifier,
)

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded

OTHER_ROLE = "partner-a-writer"


def links_of(report: dict[str, Any], index: int) -> dict[str, dict[str, Any]]:
    return {link["link"]: link for link in report["links"] if link["mapping"] == index}


def test_a_bucket_specifier_the_partner_bucket_extends_is_not_checked(aws: Seeded) -> None:
    provision_partner(aws, ROLE_NAME, PREFIX)
    provision_partner(aws, OTHER_ROLE, "s3://partner-results/out/")
    name = hand_made_configuration(
        aws, "hand-made-bucket-specifier", [mapping(OTHER_ROLE, "s3://partner-results"), mapping(ROLE_NAME, IDENTIFIER)]
    )
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    run_operator(verifier(name, fail_on_broken=False), ti)

    report = ti.xcoms["report"]
    partner = links_of(report, 1)
    assert partner[SHADOW]["status"] == "not checked", partner[SHADOW]
    assert "mapping 0 (s3://partner-results) may match" in partner[SHADOW]["detail"]
    assert partner[WRITE]["status"] == "not checked", partner[WRITE]
    assert "mapping 0 comes first with the Prefix identifier 's3://partner-results'" in partner[WRITE]["detail"]
    assert [link for link in failing(report) if link[0] == 1] == []
    assert report["verdict"] != "PASS"


def test_the_same_specifier_of_the_partner_bucket_itself_fails_as_shadowed(aws: Seeded) -> None:
    provision_partner(aws, ROLE_NAME, PREFIX)
    provision_partner(aws, OTHER_ROLE, PREFIX)
    name = hand_made_configuration(
        aws, "hand-made-own-bucket", [mapping(OTHER_ROLE, "s3://partner-results-b"), mapping(ROLE_NAME, IDENTIFIER)]
    )

    message, report = expect_broken(name)

    assert (1, SHADOW) in failing(report)
    assert f"{SHADOW}: {IDENTIFIER} is matched first by mapping 0" in message
