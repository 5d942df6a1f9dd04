"""
The ``s3:ListBucket`` S3 checks before answering 404 (not 403) to a HEAD of a missing key: which listing keys it
carries is not documented, so a result a condition on them decides is not checked (review J39).

S3 API Reference, "HeadObject", "Permissions": "If you have the s3:ListBucket permission on the bucket, Amazon S3
returns an HTTP status code 404 (Not Found) error. If you don't have the s3:ListBucket permission, Amazon S3 returns an
HTTP status code 403 (Forbidden) error." The page says nothing of the request context of that implied check: whether
it carries ``s3:prefix``, ``s3:delimiter`` or ``s3:max-keys`` (Service Authorization Reference, "Actions, resources, and
condition keys for Amazon S3": ListBucket's "prefix", "delimiter" and "max-keys" parameters), and with which values.
Before, the verifier judged it with all three absent and FAILed the links whose HEADs a condition on them decided. The
live probe's HEAD of a missing key meets the same check (``contexts.PROBE_REQUESTS``): a passing probe settles it, but
not where a statement tests the value of ``s3:prefix``: were S3 to fill it from the key it HEADs, the job's
(``exports``, ``exports_$folder$``) and the probe's (``exports/_emrfs_xacct_probe/<uuid>``) would differ (review J42).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.s3_access import LISTING_KEYS_404_FIX
from tests.unit.test_chain import PREFIX, by_name, healthy_state
from tests.unit.test_keys_under_prefix import (
    BUCKET_ARN,
    _allow,
    _deny,
    _with_bucket_policy,
    _with_inline_policy,
    _without_provider_grant,
)
from tests.unit.test_probe_scope import PASSED, _links

#: The links whose requests include a HEAD of a missing key (``pure/requests.py``: ``missing=True``).
HEAD_STEPS = [f"{step} {PREFIX}" for step in ("output directory lookup", "mkdirs", "write files", "job commit")]


@pytest.mark.parametrize(
    ("condition", "failing", "settled"),
    [
        ({"StringNotLike": {"s3:prefix": ["exports/*"]}}, [], False),
        # The job commit's recursive listing of _temporary sends no delimiter: the Deny holds for it, a FAIL of its own.
        ({"StringNotEquals": {"s3:delimiter": "/"}}, [HEAD_STEPS[3]], True),
        # Whether the key is there does not depend on the key HEADed: the probe's check meets the job's.
        ({"Null": {"s3:prefix": "true"}}, [], True),
    ],
    ids=["prefix-not-like", "delimiter-not-equals", "prefix-null"],
)
def test_a_listing_deny_on_the_listing_keys_leaves_the_404_not_checked(
    condition: dict[str, Any], failing: list[str], settled: bool
) -> None:
    """
    The review's reproduction: a partner Deny of ``s3:ListBucket`` outside ``exports/*`` (or without ``delimiter=/``).
    The job's own listings carry ``exports/…`` and ``/``: the Deny does not hold for them. Whether it holds for the
    404's implied check AWS does not say: the HEAD steps are not checked. A passing probe settles them, but not on the
    value of ``s3:prefix`` (review J42: a PASS where S3 may refuse the job's HEAD of ``exports``). The fix names the
    Deny to change, not an Allow the role already has.
    """
    state = _with_bucket_policy({"Sid": "ListingRule", **_deny("s3:ListBucket", BUCKET_ARN, condition)})

    report = check_chain(state)

    links = by_name(report)
    for name in HEAD_STEPS:
        link = links[name]
        if name in failing:
            assert link.status == FAIL, link
            assert "ListObjectsV2" in link.detail
            continue
        assert link.status == UNKNOWN, link
        assert "404 (not 403) for HEAD of missing" in link.detail
        assert "AWS does not document" in link.detail
        assert link.statement == "bucket policy: Sid ListingRule"
        assert link.fix.startswith(LISTING_KEYS_404_FIX), link.fix
        assert "remove that Deny (bucket policy: Sid ListingRule) or scope it without those keys" in link.fix
        assert "allow s3:ListBucket" not in link.fix
        assert ("run the live probe" in link.fix) is settled, link.fix
        assert link.probe_settles is settled, link
    if not failing:
        assert report.verdict == VERDICT_NOT_CHECKED, report.table()
        settled_verdict = VERDICT_PASS if settled else VERDICT_NOT_CHECKED
        assert verdict_with_probe(_links(state), PASSED) == (settled_verdict, True)


def test_an_allow_of_listing_only_with_a_prefix_leaves_the_404_not_checked() -> None:
    """
    The destination role lists only with an ``s3:prefix`` under ``exports/`` (the provider's ``EmrfsXacctList`` gone):
    its listings are allowed; whether the 404's check is, AWS does not say. Before, every HEAD step FAILed. The Allow
    tests the value of ``s3:prefix``: a passing probe, whose HEAD is of its own key, does not settle it (review J42).
    """
    state = _with_inline_policy(
        _allow("s3:ListBucket", BUCKET_ARN, {"StringLike": {"s3:prefix": ["exports/", "exports/*"]}}),
        state=_without_provider_grant("EmrfsXacctList", "s3:ListBucket"),
    )

    report = check_chain(state)

    links = by_name(report)
    for name in HEAD_STEPS:
        assert links[name].status == UNKNOWN, links[name]
        assert links[name].fix.startswith(LISTING_KEYS_404_FIX), links[name].fix
        assert "allow s3:ListBucket on the bucket without a condition on those keys" in links[name].fix
        assert "run the live probe" not in links[name].fix
        assert not links[name].probe_settles, links[name]
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_a_refusal_that_does_not_depend_on_the_listing_keys_still_fails() -> None:
    """No ``s3:ListBucket`` at all: 403 whatever the check carries, every HEAD step FAILs."""
    report = check_chain(_without_provider_grant("EmrfsXacctList", "s3:ListBucket"))

    link = by_name(report)[HEAD_STEPS[0]]
    assert link.status == FAIL, link
    assert "404 (not 403) for HEAD of missing" in link.detail
    assert "s3:ListBucket" in link.fix


def test_a_listing_deny_of_everyone_still_fails_and_the_healthy_chain_passes() -> None:
    """An unconditioned Deny refuses the check whatever keys it carries; without it the healthy chain passes."""
    denied = by_name(check_chain(_with_bucket_policy(_deny("s3:ListBucket", BUCKET_ARN))))
    assert all(denied[name].status == FAIL for name in HEAD_STEPS), denied

    allowed = by_name(check_chain(healthy_state()))
    assert all(allowed[name].status == PASS for name in HEAD_STEPS), allowed
