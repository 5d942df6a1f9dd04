"""
The live probe's objects are deleted whatever the verifier's own reads answer while they are checked.

The verifier's reads raise credentials AWS refuses and throttling past the retries (``verify.read``: the command
line's exit 6 and 3). Three of them run while the probe objects are checked (what the object must be encrypted
with: ``GetBucketEncryption``, ``HeadBucket``, ``ListAliases``): raised there, the check and its delete were skipped,
the probe FAILed and its object stayed in the partner's bucket, unsaid. Throttling says nothing of the write
(Amazon S3 API Reference, "Error responses": ``SlowDown``, 503, "Please reduce your request rate"; ``ExpiredToken``,
"The provided token has expired"): the key is now not compared, naming the error, the object checked and deleted,
and credentials refused are raised only then, saying what stays. A throttled ``HeadObject``, or one answered for an
expired token (a HEAD answer has no body: botocore sees its status, 503 or 400; Amazon S3 API Reference,
"HeadObject": "if the HEAD request generates an error, it returns a generic code, such as 400 Bad Request"), leaves
the object not checked (``ok`` ``None``), not failed. The owner check's reads (``ListObjectsV2``, ``GetBucketAcl``)
throttled leave the owner not checked, and keep a wrong encryption already found: the probe still FAILs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError, CredentialRetrievalError

from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, client
from tests.integration.test_faults import skip_backoffs, through
from tests.integration.test_verify import PREFIX, head, partner, put, verifier

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.integration.test_verify import Partner

__all__ = ["partner"]  # the fixture, imported for the tests below

SLOW_DOWN = (503, "SlowDown", "Please reduce your request rate.")
EXPIRED = (400, "ExpiredToken", "The provided token has expired.")


def before_the_first_head(answer: tuple[int, str, str]) -> Callable[[str], tuple[int, str, str] | None]:
    """An ``intercept``: S3 GETs answered ``answer`` until the first HEAD (the check's HeadObject), then none."""
    seen_head: list[str] = []

    def intercept(operation: str) -> tuple[int, str, str] | None:
        if operation == "s3 HEAD":
            seen_head.append(operation)
        return answer if operation == "s3 GET" and not seen_head else None

    return intercept


#: The attempts of one call: the operators' botocore config (``operators/base.py``: standard mode, ``max_attempts``
#: 10 retries after the first).
ATTEMPTS = 11


def attempts(answer: tuple[int, str, str]) -> int:
    """
    The requests of a call answered ``answer``: :data:`ATTEMPTS` when botocore retries it (a 5xx), else one, and one
    more for a ``HeadObject`` answered 400 (botocore's S3 region redirector then asks ``HeadBucket`` for the bucket's
    region: a HEAD signed for the wrong one is answered 400 with no body to say so).
    """
    return ATTEMPTS if answer[0] >= 500 else 2 if answer[0] == 400 else 1


def the_first_head_object(answer: tuple[int, str, str]) -> Callable[[str], tuple[int, str, str] | None]:
    """
    An ``intercept``: the check's ``HeadObject`` answered ``answer`` at each of its :func:`attempts`, every later S3
    HEAD (the delete's own) answered by the stand-in.
    """
    heads: list[str] = []

    def intercept(operation: str) -> tuple[int, str, str] | None:
        if operation != "s3 HEAD":
            return None
        heads.append(operation)
        return answer if len(heads) <= attempts(answer) else None

    return intercept


def after_the_first_head(answer: tuple[int, str, str]) -> Callable[[str], tuple[int, str, str] | None]:
    """
    An ``intercept``: the first S3 GET after the check's ``HeadObject`` (the owner check's ``ListObjectsV2``) answered
    ``answer`` at each of its attempts (:data:`ATTEMPTS` for a 5xx, botocore retries it; else one), every other
    request answered by the stand-in.
    """
    heads: list[str] = []
    gets_after: list[str] = []

    def intercept(operation: str) -> tuple[int, str, str] | None:
        if operation == "s3 HEAD":
            heads.append(operation)
        if operation != "s3 GET" or not heads:
            return None
        gets_after.append(operation)
        return answer if len(gets_after) <= (ATTEMPTS if answer[0] >= 500 else 1) else None

    return intercept


def written_probe_object(partner: Partner, **encryption: str) -> tuple[Any, str]:
    """
    A probe object as the probe step leaves it (SSE-KMS with the bucket's key, else ``encryption``), put by the
    stand-in's admin.
    """
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    uri = f"{PREFIX}_emrfs_xacct_probe/7d1f0c9e-throttled"
    put(s3, uri, **(encryption or {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": partner.aws.kms_key_arn}))
    return s3, uri


def checked(
    partner: Partner,
    monkeypatch: pytest.MonkeyPatch,
    intercept: Callable[[str], tuple[int, str, str] | None],
    encryption: list[str | None] | None,
    **written_with: str,
) -> tuple[dict[str, Any], str, Any]:
    """``_check_probe_objects`` of one written probe object, through a proxy answering as ``intercept`` says."""
    s3, uri = written_probe_object(partner, **written_with)
    probe: dict[str, Any] = {"ok": True, "problems": [], "objects": {}}
    skip_backoffs(monkeypatch)
    with through(FaultProxy(partner.aws.url, intercept=intercept), partner.aws, monkeypatch):
        operator = verifier(partner.configuration, probe=True)
        operator._check_probe_objects(probe, {uri: "s-PROBE"}, {uri: encryption})
    return probe, uri, s3


def test_a_throttled_expectation_read_leaves_the_key_not_compared_and_the_object_deleted(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe, uri, s3 = checked(partner, monkeypatch, before_the_first_head(SLOW_DOWN), [None, None])

    outcome = probe["objects"][uri]
    assert (probe["ok"], outcome["ok"], outcome["problems"]) == (True, True, []), probe
    assert "SlowDown" in outcome["key_not_compared"]
    assert outcome["exists"] is True
    assert head(s3, uri) is None
    assert not probe.get("left")


def test_credentials_refused_in_an_expectation_read_are_raised_once_the_object_is_deleted(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3, uri = written_probe_object(partner)
    probe: dict[str, Any] = {"ok": True, "problems": [], "objects": {}}
    with (
        through(FaultProxy(partner.aws.url, intercept=before_the_first_head(EXPIRED)), partner.aws, monkeypatch),
        pytest.raises(ClientError) as raised,
    ):
        verifier(partner.configuration, probe=True)._check_probe_objects(probe, {uri: "s-PROBE"}, {uri: [None, None]})

    assert raised.value.response["Error"]["Code"] == "ExpiredToken"  # still the command line's exit 6
    assert "raised once the probe objects were checked and deleted; nothing of it stays" in str(raised.value)
    assert head(s3, uri) is None


@pytest.mark.parametrize("answer", [SLOW_DOWN, EXPIRED], ids=["SlowDown", "ExpiredToken"])
def test_a_head_object_throttled_or_with_an_expired_token_leaves_the_probe_object_not_checked_and_deletes_it(
    partner: Partner, monkeypatch: pytest.MonkeyPatch, answer: tuple[int, str, str]
) -> None:
    probe, uri, s3 = checked(partner, monkeypatch, the_first_head_object(answer), None)

    outcome = probe["objects"][uri]
    assert (probe["ok"], outcome["ok"], outcome["problems"]) == (None, None, []), probe
    [why] = outcome["not_checked"]
    assert uri in why
    assert str(answer[0]) in why  # the HEAD's status: its answer has no body to name the error
    assert head(s3, uri) is None
    assert not probe.get("left")


@pytest.mark.parametrize("answer", [SLOW_DOWN, EXPIRED], ids=["SlowDown", "ExpiredToken"])
def test_a_wrong_encryption_still_fails_when_the_owner_read_is_throttled_or_its_token_expired(
    partner: Partner, monkeypatch: pytest.MonkeyPatch, answer: tuple[int, str, str]
) -> None:
    probe, uri, s3 = checked(
        partner, monkeypatch, after_the_first_head(answer), [None, None], ServerSideEncryption="AES256"
    )

    outcome = probe["objects"][uri]
    assert (probe["ok"], outcome["ok"], outcome["owner_is_bucket_owner"]) == (False, False, None), probe
    [problem] = outcome["problems"]
    assert f"expected SSE-KMS with {partner.aws.kms_key_arn}, got AES256" in problem
    [why] = outcome["not_checked"]
    assert "s3:ListBucket (ListObjectsV2)" in why
    assert answer[1] in why
    assert outcome["refused_reads"] == []  # nothing to grant: AWS answered for the rate or the token
    assert head(s3, uri) is None
    assert not probe.get("left")


def every_head(answer: tuple[int, str, str]) -> Callable[[str], tuple[int, str, str] | None]:
    """An ``intercept``: every S3 HEAD (the check's and the clean-up's) answered ``answer``, all else by the stand-in."""
    return lambda operation: answer if operation == "s3 HEAD" else None


def test_a_head_object_answered_400_throughout_still_has_the_object_deleted(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A ``HeadObject`` answered 400 is an expired token or an object written with SSE-C (Amazon S3 API Reference,
    "HeadObject"; S3A's ``fs.s3a.encryption.algorithm``), whose plain ``DeleteObject`` S3 takes (S3 API Reference,
    "DeleteObject": no encryption key): the clean-up's own HEADs answered 400 do not stop the delete.
    """
    probe, uri, s3 = checked(partner, monkeypatch, every_head(EXPIRED), None)

    outcome = probe["objects"][uri]
    assert (outcome["ok"], outcome["problems"]) == (None, []), probe
    [why] = outcome["not_checked"]
    assert "SSE-C" in why
    assert head(s3, uri) is None
    assert not outcome["left"], outcome


def test_a_wrong_encryption_still_fails_when_botocore_cannot_get_credentials_for_the_owner_read(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Credentials botocore cannot retrieve (an SSO session or instance credentials ended between the reads: a
    ``BotoCoreError``, raised before any request, so no proxy can answer it) leave the owner not checked and keep the
    encryption failure already found.
    """

    def no_credentials(self: EmrfsS3Hook, bucket: str, key: str) -> str | None:
        raise CredentialRetrievalError(provider="sso", error_msg="the session ended")

    monkeypatch.setattr(EmrfsS3Hook, "object_owner_id", no_credentials)
    probe, uri, s3 = checked(partner, monkeypatch, lambda operation: None, [None, None], ServerSideEncryption="AES256")

    outcome = probe["objects"][uri]
    assert (probe["ok"], outcome["ok"]) == (False, False), probe
    [problem] = outcome["problems"]
    assert "got AES256" in problem
    [why] = outcome["not_checked"]
    assert "s3:ListBucket on Bucket=" in why
    assert "the session ended" in why
    assert head(s3, uri) is None
