"""
TLS turned off on the cluster while the write's objects are encrypted with SSE-KMS.

Amazon S3 API Reference, PutObject, ``x-amz-server-side-encryption-aws-kms-key-id``: "All GET and PUT requests for an
object protected by AWS KMS fail if they're not made via SSL or using SigV4"; AWS Knowledge Center ("Requests
specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4"): "For requests that
specify AWS KMS managed keys, you must use SSL or TLS", else "Requests specifying Server Side Encryption with AWS KMS
managed keys must be made over a secure connection". No policy changes that: a setting that certainly turns TLS off
fails the key link, one that may leaves it not checked (the verifier passed both).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import s3_request, tls_off
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    PROBE_FIX,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.requests import WRITE_REQUESTS
from tests.unit.test_chain import BUCKET, KMS, PREFIX, ROLE, by_name, healthy_state
from tests.unit.test_chain_audit_fixes import with_at_rest_s3_encryption


def _with(state: ChainState, *settings: tuple[str, str, str], release: str | None = "emr-6.15.0") -> ChainState:
    """``state`` on a cluster of ``release`` with these ``(classification, name, value)`` settings."""
    state.release_label = release
    state.cluster_configurations = [
        {"Classification": classification, "Properties": {name: value}} for classification, name, value in settings
    ]
    return state


def _bucket(state: ChainState) -> BucketState:
    found = state.buckets[BUCKET]
    assert isinstance(found, BucketState)
    return found


def _upload_context(state: ChainState) -> dict[str, Any]:
    call = next(call for call in WRITE_REQUESTS if call.operation == "PutObject")
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    request = s3_request(state, role, call, _bucket(state), BUCKET, "exports")
    assert request is not None
    return dict(request.context)


@pytest.mark.parametrize(
    ("release", "classification", "setting", "value"),
    [
        ("emr-6.15.0", "emrfs-site", "fs.s3n.ssl.enabled", "false"),
        ("emr-6.15.0", "emrfs-site", "fs.s3n.ssl.enabled", " FALSE "),  # trimmed, any case: Hadoop's getBoolean
        ("emr-7.10.0", "emrfs-site", "fs.s3n.ssl.enabled", "false"),  # translated to S3A's
        ("emr-7.10.0", "core-site", "fs.s3a.connection.ssl.enabled", "false"),
        ("emr-7.10.0", "core-site", f"fs.s3a.bucket.{BUCKET}.connection.ssl.enabled", "false"),
    ],
)
def test_tls_turned_off_on_a_bucket_whose_default_is_sse_kms_fails_the_key_link(
    release: str, classification: str, setting: str, value: str
) -> None:
    state = _with(healthy_state(), (classification, setting, value), release=release)

    report = check_chain(state)

    assert report.verdict == VERDICT_FAIL, report.table()
    link = by_name(report)[KMS]
    assert link.status == FAIL
    assert setting in link.detail
    assert "must be made over a secure connection" in link.detail
    assert link.fix.startswith(f"remove {classification} {setting}")
    assert link.fix.endswith("or set it to true")
    named, certain = tls_off(state, BUCKET)
    assert certain
    assert named.startswith(f"{classification} {setting}")  # "(translated for S3A)" where EMR translates it


def test_the_reproduction_passed_before_and_fails_now() -> None:
    """``healthy_state()`` (bucket default SSE-KMS) with ``fs.s3n.ssl.enabled=false``: PASS before, now FAIL."""
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": "false"}}]

    assert check_chain(state).verdict == VERDICT_FAIL


@pytest.mark.parametrize("algorithm", ["aws:kms", "aws:kms:dsse"])
def test_uploads_asking_for_sse_kms_fail_over_plain_http_whatever_the_bucket_default(algorithm: str) -> None:
    state = _with(healthy_state(), ("emrfs-site", "fs.s3n.ssl.enabled", "false"))
    if algorithm == "aws:kms:dsse":
        _bucket(state).sse_algorithm = algorithm  # DSSE-KMS is protected by AWS KMS too
    else:
        _bucket(state).sse_algorithm = "AES256"
        with_at_rest_s3_encryption(state, "SSE-KMS", _bucket(state).kms_key_arn)

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert "fs.s3n.ssl.enabled" in link.detail


@pytest.mark.parametrize("sse_s3", ["bucket default", "uploads ask"])
def test_sse_s3_objects_are_not_refused_over_plain_http(sse_s3: str) -> None:
    """Only objects protected by AWS KMS need TLS: SSE-S3 objects go over plain HTTP (aws:SecureTransport unknown)."""
    state = _with(healthy_state(), ("emrfs-site", "fs.s3n.ssl.enabled", "false"))
    if sse_s3 == "bucket default":
        _bucket(state).sse_algorithm = "AES256"
    else:
        with_at_rest_s3_encryption(state, "SSE-S3")

    report = check_chain(state)

    assert by_name(report)[KMS].status == PASS
    assert report.verdict == VERDICT_PASS
    assert "aws:SecureTransport" not in _upload_context(state)


@pytest.mark.parametrize(
    ("release", "settings", "named"),
    [
        # Neither true nor false as Hadoop reads a flag: how the connector reads it is not documented.
        ("emr-6.15.0", [("emrfs-site", "fs.s3n.ssl.enabled", "no")], "emrfs-site fs.s3n.ssl.enabled"),
        # The release, so the connector, unknown.
        (None, [("emrfs-site", "fs.s3n.ssl.enabled", "false")], "emrfs-site fs.s3n.ssl.enabled"),
        # Whether EMR translates the EMRFS setting to S3A is not known (the switch neither true nor false).
        (
            "emr-7.10.0",
            [("emrfs-site", "fs.s3n.ssl.enabled", "false"), ("core-site", "fs.s3a.emrfs.compatibility.enable", "1")],
            "fs.s3n.ssl.enabled",
        ),
        # An endpoint URL of its own beside the switch: which decides the scheme is not documented.
        (
            "emr-7.10.0",
            [
                ("core-site", "fs.s3a.connection.ssl.enabled", "false"),
                ("core-site", "fs.s3a.endpoint", "https://s3.us-east-1.amazonaws.com"),
            ],
            "core-site fs.s3a.connection.ssl.enabled",
        ),
    ],
)
def test_a_setting_that_may_turn_tls_off_leaves_the_key_link_not_checked(
    release: str | None, settings: list[tuple[str, str, str]], named: str
) -> None:
    state = _with(healthy_state(), *settings, release=release)

    report = check_chain(state)

    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert named in link.detail
    assert "must be made over a secure connection" in link.detail
    assert link.fix.endswith(f"; or {PROBE_FIX}")
    assert tls_off(state, BUCKET)[1] is False
    assert report.verdict != VERDICT_PASS


@pytest.mark.parametrize(
    ("release", "classification", "setting"),
    [
        ("emr-6.15.0", "emrfs-site", "fs.s3n.endpoint"),
        ("emr-7.10.0", "core-site", "fs.s3a.endpoint"),
        ("emr-7.10.0", "core-site", f"fs.s3a.bucket.{BUCKET}.endpoint"),
    ],
)
def test_an_s3_endpoint_written_http_is_not_taken_as_tls(release: str, classification: str, setting: str) -> None:
    """
    Apache Hadoop, "Working with Third-party S3 Stores": ``fs.s3a.endpoint`` "can be a URL or a hostname"; what the
    connector does with an ``http://`` URL is not documented, so its requests may go over plain HTTP:
    ``aws:SecureTransport`` is not known, and the SSE-KMS key link is not checked (not failed: not certain).
    """
    state = _with(healthy_state(), (classification, setting, "http://s3.us-east-1.amazonaws.com"), release=release)

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert f"{classification} {setting}=http://s3.us-east-1.amazonaws.com" in link.detail
    assert link.fix.startswith(f"name the S3 endpoint in {classification} {setting} as https://HOST")
    assert "aws:SecureTransport" not in _upload_context(state)

    state = _with(healthy_state(), (classification, setting, "https://s3.us-east-1.amazonaws.com"), release=release)
    assert by_name(check_chain(state))[KMS].status == PASS
    assert _upload_context(state)["aws:SecureTransport"] == "true"


def test_tls_on_leaves_the_key_link_as_it_was() -> None:
    for value in ("true", " True "):
        state = _with(healthy_state(), ("emrfs-site", "fs.s3n.ssl.enabled", value))
        assert by_name(check_chain(state))[KMS].status == PASS
        assert tls_off(state, BUCKET) == ("", False)


def test_a_passing_probe_settles_a_tls_doubt_its_own_sse_kms_upload_went_through() -> None:
    """The probe's PutObject is SSE-KMS the same way, over the same connector: S3 would have refused it over HTTP."""
    state = _with(healthy_state(), ("emrfs-site", "fs.s3n.ssl.enabled", "no"))
    links = [link.to_dict() for link in check_chain(state).links]

    assert verdict_with_probe(links, {"ok": False}) == (VERDICT_FAIL, False)
    assert verdict_with_probe(links, {"ok": True, "routes": {f"{PREFIX}_emrfs_xacct_probe/x": 0}}) == (
        VERDICT_PASS,
        True,
    )
    assert check_chain(state).verdict == VERDICT_NOT_CHECKED


def test_a_refusal_of_the_key_itself_stays_the_failure_named() -> None:
    """A key link that fails for its own reason keeps that reason; TLS is the next thing to fix."""
    state = _with(healthy_state(), ("emrfs-site", "fs.s3n.ssl.enabled", "false"))
    state.key_policies = {}  # the key does not exist

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL
    assert "does not exist" in link.detail


def test_tls_off_fails_a_key_link_left_not_checked_for_its_own_reason() -> None:
    """The key's policy unread leaves the key not known; S3 refuses the objects over plain HTTP all the same."""
    state = _with(healthy_state(), ("emrfs-site", "fs.s3n.ssl.enabled", "false"))
    key = _bucket(state).kms_key_arn
    assert key is not None
    state.key_policies[key] = Unreadable("kms:GetKeyPolicy refused")

    assert by_name(check_chain(state))[KMS].status == FAIL

    state = _with(state, ("emrfs-site", "fs.s3n.ssl.enabled", "no"))  # TLS only may be off: its own doubt stays
    link = by_name(check_chain(state))[KMS]
    assert (link.status, "kms:GetKeyPolicy refused" in link.detail) == (UNKNOWN, True)
