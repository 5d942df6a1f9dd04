"""
A live probe left not checked, and identifiers of another form than ``s3://bucket/prefix`` that may match first.

A probe object written, whose owner the verifier could not read (its own ``ListObjectsV2`` with ``FetchOwner``, which
needs ``s3:ListBucket``: Amazon S3 API Reference, "ListObjectsV2"; or ``GetBucketAcl``), is not checked (``ok``
``None``): the probe and the report say ``NOT_CHECKED``, never ``PASS`` nor ``FAIL``. EMRFS uses the first role
mapping that matches, and the Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3")
shows ``Prefix`` identifiers as ``s3://bucket/prefix`` only: an earlier ``s3a://``, ``S3://`` or capitalised one may
match first, so shadowing is not checked and a revoke warns that it may take the requests over.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks import shadowing
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    PASS,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    add_probe_object,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.security_config import requests_taken_over
from tests.unit.operators.test_verify import links_pass_report

URI, OTHER_URI = "s3://b/p/_emrfs_xacct_probe/1", "s3://b/q/_emrfs_xacct_probe/2"
REFUSED = {
    "action": "s3:GetBucketAcl",
    "connection": "aws_destination_account",
    "account": "222222222222",
    "resource": "Bucket=b",
    "call": "GetBucketAcl",
}
NOT_READ = f"whether {URI} is owned by the bucket owner: s3:GetBucketAcl was denied"
UNCHECKED = {"exists": True, "ok": None, "problems": [], "not_checked": [NOT_READ], "refused_reads": [REFUSED]}
PASSED = {"exists": True, "ok": True, "problems": []}
FAILED = {"exists": False, "ok": False, "problems": [f"{OTHER_URI} was not written"]}
WRITER, OTHER = "arn:aws:iam::222222222222:role/partner-a-writer", "arn:aws:iam::222222222222:role/shared-writer"


def probed(*outcomes: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """The probe once each object is folded in, as ``execute_complete`` does."""
    probe: dict[str, Any] = {"ok": True, "problems": [], "objects": {}, "routes": {}}
    for uri, outcome in outcomes:
        add_probe_object(probe, uri, outcome)
    return probe


def test_an_object_not_checked_leaves_the_probe_not_checked_with_what_and_why() -> None:
    probe = probed((OTHER_URI, PASSED), (URI, UNCHECKED))

    assert (probe["ok"], probe["problems"]) == (None, [])
    assert (probe["not_checked"], probe["refused_reads"]) == ([NOT_READ], [REFUSED])
    assert probe["objects"] == {OTHER_URI: PASSED, URI: UNCHECKED}
    assert verdict_with_probe(links_pass_report()["links"], probe) == (VERDICT_NOT_CHECKED, True)


@pytest.mark.parametrize("order", [1, -1])
def test_an_object_that_failed_fails_the_probe_whatever_the_order(order: int) -> None:
    probe = probed(*[(URI, UNCHECKED), (OTHER_URI, FAILED)][::order])

    assert probe["ok"] is False
    assert probe["problems"] == FAILED["problems"]
    assert probe["not_checked"] == [NOT_READ]  # still said
    assert verdict_with_probe(links_pass_report()["links"], probe) == (VERDICT_FAIL, False)


def test_a_passing_probe_still_passes() -> None:
    probe = probed((URI, PASSED))
    assert (probe["ok"], "not_checked" in probe) == (True, False)
    assert verdict_with_probe(links_pass_report()["links"], probe) == (VERDICT_PASS, True)


def test_the_report_lists_what_the_probe_left_not_checked_and_the_read_to_grant() -> None:
    from airflow_provider_emrfs_xacct.operators.verify import probe_pending, with_probe

    pending = probe_pending(links_pass_report())
    judged = with_probe(pending, probed((URI, UNCHECKED)))

    assert (judged["verdict"], judged["healthy"], "probe_pending" in judged) == ("NOT_CHECKED", True, False)
    assert judged["not_checked"][: len(pending["not_checked"])] == pending["not_checked"]
    [added] = judged["not_checked"][len(pending["not_checked"]) :]
    assert added["what"] == f"live probe: {NOT_READ}"
    assert "refused_reads" in added["how"]
    assert judged["refused_reads"] == [*pending["refused_reads"], REFUSED]
    assert with_probe(judged, judged["probe"])["refused_reads"] == judged["refused_reads"]  # each once


def prefix(role: str, *identifiers: str) -> dict[str, Any]:
    return {"Role": role, "IdentifierType": "Prefix", "Identifiers": list(identifiers)}


@pytest.mark.parametrize("earlier", ["s3a://b/", "s3n://b/p", "S3://b/p/", "s3://B/", "s3a://B/P/"])
def test_an_earlier_identifier_of_another_form_leaves_shadowing_not_checked(earlier: str) -> None:
    link = shadowing.audit(1, [prefix(OTHER, earlier), prefix(WRITER, "s3://b/p/")])

    assert link.status == UNKNOWN, link
    assert f"mapping 0 ({earlier}) may match s3://b/p/ first" in link.detail


def test_an_earlier_identifier_of_another_form_is_not_doubted_where_it_cannot_match_or_maps_the_same_role() -> None:
    elsewhere = shadowing.audit(1, [prefix(OTHER, "s3a://c/"), prefix(WRITER, "s3://b/p/")])
    same_role = shadowing.audit(1, [prefix(WRITER, "s3a://b/"), prefix(WRITER, "s3://b/p/")])
    narrower = shadowing.audit(1, [prefix(OTHER, "s3a://b/p/sub/"), prefix(WRITER, "s3://b/p/")])

    assert [link.status for link in (elsewhere, same_role, narrower)] == [PASS, PASS, PASS]


def test_an_identifier_of_another_form_is_doubted_against_an_earlier_s3_one() -> None:
    link = shadowing.audit(1, [prefix(OTHER, "s3://b/"), prefix(WRITER, "s3a://b/p/")])
    assert link.status == UNKNOWN, link
    assert "mapping 0 (s3://b/) may match s3a://b/p/ first" in link.detail


@pytest.mark.parametrize("kept", ["s3a://b/", "S3://b/p", "s3://B/p/sub/"])
def test_a_revoke_warns_of_a_kept_identifier_of_another_form_that_may_take_the_requests(kept: str) -> None:
    (sentence,) = requests_taken_over([prefix(WRITER, "s3://b/p/"), prefix(OTHER, kept)], {0})

    assert f"requests that both s3://b/p/ and {kept} may match" in sentence
    assert f"which went as {WRITER} (mapping 0), go as {OTHER} (mapping 1)" in sentence


def test_a_revoke_does_not_warn_of_a_kept_identifier_of_another_form_that_cannot_match() -> None:
    assert requests_taken_over([prefix(WRITER, "s3://b/p/"), prefix(OTHER, "s3a://c/")], {0}) == []
    assert requests_taken_over([prefix(WRITER, "s3://b/p/"), prefix(OTHER, "s3://B/q/")], {0}) == []
