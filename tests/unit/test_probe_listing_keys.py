"""
A passing live probe settles a job's listing only where no statement that may match it tests a listing's own keys.

``s3:prefix``, ``s3:delimiter`` and ``s3:max-keys`` are condition keys of the ``s3:ListBucket`` request, set from its
parameters (Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3"), and IAM decides
each request on its own context (IAM User Guide, "Policy evaluation logic"). The probe lists ``PREFIX<probe key>/<uuid>/``
with the delimiter and max-keys of its ``hadoop fs``: never a job's prefix. Before, ``_Prefix.probe_sends`` counted every
``s3:ListBucket`` listing as one the probe sends, and a passing probe turned such links into a PASS.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    PROBE_FIX,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, Unreadable
from tests.unit.test_chain import BUCKET, PREFIX, by_name, document, healthy_state
from tests.unit.test_probe_scope import OUTSIDE_THE_ENDPOINT, PASSED, _links
from tests.unit.test_root_outputs import WHOLE, _whole_bucket_state

#: The steps that list under the prefix (``pure/requests.py``).
LISTING_STEPS = ("output directory lookup", "mkdirs", "job commit", "read back")


def _deny_listing(condition: dict[str, Any], resource: str = f"arn:aws:s3:::{BUCKET}") -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": "*", "Action": "s3:ListBucket", "Resource": resource, "Condition": condition}


def _with_bucket_policy(state: ChainState, *statements: dict[str, Any]) -> ChainState:
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = document(*statements)
    return state


def test_a_deny_on_the_root_listings_empty_prefix_is_not_settled_by_a_passing_probe() -> None:
    """
    The reproduction: a mapping of the whole bucket, and a bucket policy denying the listing whose ``s3:prefix`` is
    ``""``. Whether S3 sees the root listing's empty prefix as ``""`` is not documented: the links are not checked, and
    the probe's listing, whose ``s3:prefix`` is ``_emrfs_xacct_probe/<uuid>/``, never meets that Deny.
    """
    state = _whole_bucket_state(_deny_listing({"StringEquals": {"s3:prefix": ""}}))

    links = by_name(check_chain(state))

    for step in ("output directory lookup", "read back"):
        link = links[f"{step} {WHOLE}"]
        assert link.status == UNKNOWN, link
        assert "s3:prefix" in link.detail
        assert not link.probe_settles, link
    passed_at_the_root = {"ok": True, "routes": {f"{WHOLE}_emrfs_xacct_probe/x": 0}}
    assert verdict_with_probe(_links(state), passed_at_the_root) == (VERDICT_NOT_CHECKED, True)


@pytest.mark.parametrize(
    "condition",
    [
        # max-keys is not known for a job's listing, and the probe's may be smaller
        {"NumericGreaterThan": {"s3:max-keys": "100"}},
        # outside the endpoint (not known), any listing but the probe's own is denied
        {**OUTSIDE_THE_ENDPOINT, "StringNotLike": {"s3:prefix": "exports/_emrfs_xacct_probe/*"}},
    ],
    ids=["max-keys", "prefix-but-the-probes"],
)
def test_a_listing_key_condition_on_a_prefix_is_not_settled_by_a_passing_probe(condition: dict[str, Any]) -> None:
    state = _with_bucket_policy(healthy_state(), _deny_listing(condition))

    links = by_name(check_chain(state))

    for step in LISTING_STEPS:
        link = links[f"{step} {PREFIX}"]
        assert link.status == UNKNOWN, link
        assert not link.probe_settles, link
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_a_statement_of_the_roles_own_policy_counts_too() -> None:
    """
    The deciding policies are the role's identity policies too: the bucket policy leaves the listings to the endpoint
    only (which the probe settles alone), and the role's own policy tests ``s3:max-keys``.
    """
    state = _with_bucket_policy(healthy_state(), _deny_listing(OUTSIDE_THE_ENDPOINT))
    role = next(iter(state.destination_roles.values()))
    assert not isinstance(role, Unreadable)
    statement = {
        "Effect": "Deny",
        "Action": "s3:List*",
        "Resource": "*",
        "Condition": {"NumericGreaterThan": {"s3:max-keys": "1000"}},
    }
    role.policies.append(("inline policy listing-guard", document(statement)))

    links = by_name(check_chain(state))

    for step in LISTING_STEPS:
        link = links[f"{step} {PREFIX}"]
        assert link.status == UNKNOWN, link
        assert not link.probe_settles, link
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_a_healthy_chain_still_passes_with_a_passing_probe() -> None:
    state = healthy_state()

    assert check_chain(state).verdict == VERDICT_PASS
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_PASS, True)


def test_a_listing_key_tested_only_where_no_listing_of_the_bucket_matches_leaves_the_probe_settling() -> None:
    """
    Only the endpoint is not known for the listings; the statements on listing keys name another bucket or another
    action, so they cannot decide these listings: the probe's listing differs from a job's in nothing they test.
    """
    state = _with_bucket_policy(
        healthy_state(),
        _deny_listing(OUTSIDE_THE_ENDPOINT),
        _deny_listing({"StringEquals": {"s3:prefix": ""}}, resource="arn:aws:s3:::another-bucket"),
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ListBucketMultipartUploads",
            "Resource": f"arn:aws:s3:::{BUCKET}",
            "Condition": {"NumericGreaterThan": {"s3:max-keys": "100"}},
        },
    )

    links = by_name(check_chain(state))

    assert all(links[f"{step} {PREFIX}"].status == UNKNOWN for step in LISTING_STEPS)
    assert all(links[f"{step} {PREFIX}"].probe_settles for step in LISTING_STEPS)
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_PASS, True)


def test_the_listing_a_heads_404_needs_is_still_the_probes() -> None:
    """
    A HEAD of a missing key needs ``s3:ListBucket`` (S3 API Reference, HeadObject), whose listing keys AWS does not
    document: the probe's own HEAD meets the same check, so a statement testing ``s3:max-keys`` (not the value of
    ``s3:prefix``, which may follow the key HEADed) leaves it alike to the probe's. What leaves the check not known here
    is the Deny outside the VPC endpoint (``aws:SourceVpce``), named as such: were it blamed on the listing keys, the
    link would give their fix (regression review J42, OX269).
    """
    state = _with_bucket_policy(
        healthy_state(),
        _deny_listing(OUTSIDE_THE_ENDPOINT),
        _deny_listing({"NumericGreaterThan": {"s3:max-keys": "100"}}),
    )

    write = by_name(check_chain(state))[f"write files {PREFIX}"]

    assert write.status == UNKNOWN, write
    assert write.probe_settles, write
    assert "its implied s3:ListBucket" in write.detail, write
    assert write.detail.endswith("depends on condition StringNotEquals on aws:SourceVpce"), write.detail
    assert write.fix == PROBE_FIX


def test_a_link_the_probe_does_not_settle_offers_no_probe_for_its_missing_keys_404() -> None:
    """
    A bucket Deny of listings beyond 1000 keys decides the job's own ListObjectsV2, whose ``s3:max-keys`` is not known,
    so "output directory lookup" and "mkdirs" are not settled by a passing probe; their fix named the HEAD's
    listing keys and still offered "run the live probe" (review J46). Nor does it say to change the Deny so it does not
    test the keys, which would deny every listing: remove it, or scope it without them.
    """
    statement = {**_deny_listing({"NumericGreaterThan": {"s3:max-keys": "1000"}}), "Sid": "MaxKeys"}
    state = _with_bucket_policy(healthy_state(), statement)

    links = by_name(check_chain(state))

    for step in ("output directory lookup", "mkdirs"):
        link = links[f"{step} {PREFIX}"]
        assert link.status == UNKNOWN, link
        assert not link.probe_settles, link
        assert "probe" not in link.fix, link.fix
        assert "remove that Deny (bucket policy: Sid MaxKeys)" in link.fix, link.fix
        assert "or scope it without those keys" in link.fix, link.fix
