"""
A ``Prefix`` identifier that names a bucket only (``s3://bucket``) and a key of another bucket whose name starts
with it (``s3://bucket-b/...``).

The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") says an S3 prefix
identifier can be "a bucket specifier of any depth (for example, s3://amzn-s3-demo-bucket or
s3://amzn-s3-demo-bucket/myproject/mydata)"; it does not say that such a specifier also matches another bucket
whose name starts with it. So ``s3://partner-results`` may match ``s3://partner-results-b/exports/x`` ("not
checked", naming it), never certainly (it was a FAIL: "matched first by mapping 0"); for a key of its own bucket it
matches as before. Past the bucket's name the match stays a plain string prefix of the key (``s3://b/exp`` matches
``s3://b/exports/x``): the guide calls the identifier an "Amazon S3 prefix", "a string of characters at the
beginning of the object key name" (Amazon S3 User Guide, "Organizing objects using prefixes").
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, VERDICT_FAIL, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.checks.routing import (
    may_match_otherwise,
    prefix_matches,
    probe_routes,
    route,
    routed_role,
)
from airflow_provider_emrfs_xacct.pure.security_config import requests_taken_over, shadowed_by
from tests.unit.test_chain import BROAD_ROLE, BUCKET, IDENTIFIER, PREFIX, ROLE, SHADOW, WRITE, healthy_state, mappings
from tests.unit.test_option_a_shared_cluster import OTHER_ROLE, cluster_link, prefix_mapping, shared

#: A bucket specifier that ``BUCKET`` (``partner-results-b``) starts with, naming another bucket.
SHORTER = "s3://partner-results"
KEY = f"{PREFIX}part-00000"


@pytest.mark.parametrize(
    ("identifier", "uri", "certain", "may"),
    [
        (SHORTER, KEY, False, True),  # the brief's case: another bucket whose name starts with it
        (SHORTER, "s3://partner-results/exports/x", True, False),  # its own bucket: as before
        (SHORTER, "s3://partner-results", True, False),  # the bucket's own URI
        (f"s3://{BUCKET}", KEY, True, False),
        (f"s3://{BUCKET}/", KEY, True, False),
        (f"s3://{BUCKET}/exp", KEY, True, False),  # mid-key segment: a string prefix of the key, kept certain
        (f"s3://{BUCKET}/exports_", KEY, False, False),
        (f"{SHORTER}/", KEY, False, False),  # the slash ends the bucket's name: no other bucket
        ("s3://", KEY, False, True),  # ends before any bucket name
        ("s3:/", KEY, False, True),  # ends inside the scheme
        ("s3://PARTNER-RESULTS", KEY, False, True),  # capitals too (another form)
        ("s3://partner-resultsX", KEY, False, False),
    ],
)
def test_which_identifiers_match_certainly_and_which_may(identifier: str, uri: str, certain: bool, may: bool) -> None:
    assert prefix_matches(identifier, uri) is certain
    assert may_match_otherwise(identifier, uri) is may
    assert not (certain and may)


def first_mapping(identifier: str) -> dict[str, Any]:
    """Another partner's mapping of ``identifier`` first, then the verified partner's own (the brief's scenario)."""
    return mappings((BROAD_ROLE, "Prefix", identifier), (ROLE, "Prefix", IDENTIFIER))


def test_a_bucket_specifier_another_bucket_extends_leaves_the_later_mapping_not_checked_not_failed() -> None:
    """It failed: "mapping not shadowed | ... matched first by mapping 0", the writes routed to mapping 0's role."""
    state = healthy_state()
    state.security_configuration = first_mapping(SHORTER)

    report = check_chain(state)

    later = {link.link: link for link in report.links if link.mapping == 1}
    assert later[SHADOW].status == UNKNOWN, later[SHADOW]
    assert f"mapping 0 ({SHORTER}) may match {IDENTIFIER} first" in later[SHADOW].detail
    assert "bucket specifier" in later[SHADOW].detail
    assert (
        later[SHADOW].fix
        == f"put mapping 1 first, or end mapping 0's identifier with a slash ({SHORTER}/) if it is meant for its own bucket only"
    )
    assert later[WRITE].status == UNKNOWN, later[WRITE]
    assert f"mapping 0 comes first with the Prefix identifier {SHORTER!r}, a bucket specifier" in later[WRITE].detail
    assert "not of the s3://bucket/prefix form" not in later[WRITE].detail  # it is of the guide's form
    assert [link for link in report.links if link.mapping == 1 and link.status == FAIL] == []


def test_the_same_bucket_specifier_of_the_bucket_itself_still_fails_the_later_mapping() -> None:
    state = healthy_state()
    state.security_configuration = first_mapping(f"s3://{BUCKET}")

    later = {link.link: link for link in check_chain(state).links if link.mapping == 1}

    assert later[SHADOW].status == FAIL, later[SHADOW]
    assert f"{IDENTIFIER} is matched first by mapping 0 (s3://{BUCKET})" in later[SHADOW].detail


def test_the_route_is_the_later_mapping_with_the_earlier_one_a_doubt() -> None:
    listed = first_mapping(SHORTER)["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]

    assert route(listed, KEY, checking=None) == 1
    assert probe_routes(listed, [KEY]) == {KEY: None}  # the probe's write through mapping 1 is not known
    role, why, problem = routed_role(healthy_state(), listed, KEY, checking=None)
    assert role is None
    assert why == "mapping 1"
    assert f"may send it as {BROAD_ROLE} (mapping 0)" in problem


def test_shadowed_by_names_only_certain_shadows() -> None:
    earlier = [prefix_mapping(SHORTER)]

    assert shadowed_by(earlier, "Prefix", IDENTIFIER) is None
    assert shadowed_by(earlier, "Prefix", f"{SHORTER}/exports") == (0, SHORTER)
    assert shadowed_by([prefix_mapping(f"s3://{BUCKET}/exp")], "Prefix", IDENTIFIER) == (0, f"s3://{BUCKET}/exp")


def test_option_a_with_such_a_mapping_is_not_checked_not_failed() -> None:
    """The cluster runs only another partner's ``s3://partner-results``: it may take the writes, not certainly."""
    state = shared(prefix_mapping(SHORTER))

    link = cluster_link(state)

    assert link.status == UNKNOWN, link
    assert f"mapping 0's Prefix identifier {SHORTER!r} is a bucket specifier ending inside the name of the bucket" in (
        link.detail
    )
    assert check_chain(state).verdict == VERDICT_NOT_CHECKED


def test_option_a_with_a_mapping_of_the_bucket_itself_still_fails() -> None:
    state = shared(prefix_mapping(f"s3://{BUCKET}"))

    link = cluster_link(state)

    assert link.status == FAIL, link
    assert f"mapping 0 (Prefix s3://{BUCKET} -> {OTHER_ROLE})" in link.detail
    assert check_chain(state).verdict == VERDICT_FAIL


def test_option_a_with_a_slash_after_the_shorter_bucket_passes() -> None:
    assert cluster_link(shared(prefix_mapping(f"{SHORTER}/"))).status == PASS


def test_a_revoke_names_such_a_pair_as_requests_that_may_match_both() -> None:
    configuration = [prefix_mapping(SHORTER, role=OTHER_ROLE), prefix_mapping(IDENTIFIER, role=ROLE)]

    (sentence,) = requests_taken_over(configuration, {0})

    assert sentence.startswith(f"requests that both {SHORTER} and {IDENTIFIER} may match (a bucket specifier")
    assert f"(mapping 0), go as {ROLE} (mapping 1)" in sentence
    assert "requests under" not in sentence


def test_a_revoke_still_names_a_later_mapping_that_an_earlier_bucket_specifier_may_not_take() -> None:
    """The earlier kept ``s3://partner-results`` took the partner's requests before only maybe: the pair is named."""
    configuration = [
        prefix_mapping(SHORTER),
        prefix_mapping(IDENTIFIER, role=ROLE),
        prefix_mapping(f"s3://{BUCKET}/", role=BROAD_ROLE),
    ]

    sentences = requests_taken_over(configuration, {1})

    assert sentences == [
        f"requests under {IDENTIFIER}, which went as {ROLE} (mapping 1), go as {BROAD_ROLE} (mapping 2) unless an "
        "earlier kept mapping takes them"
    ]


def test_a_revoke_keeps_certain_sentences_for_the_bucket_itself() -> None:
    configuration = [prefix_mapping(IDENTIFIER, role=ROLE), prefix_mapping(f"s3://{BUCKET}", role=OTHER_ROLE)]

    (sentence,) = requests_taken_over(configuration, {0})

    assert sentence.startswith(f"requests under {IDENTIFIER}, which went as {ROLE} (mapping 0), go as {OTHER_ROLE}")
