"""
S3's bucket owner condition, enforced in the stand-in (moto ignores it).

A request carrying ``x-amz-expected-bucket-owner`` (``ExpectedBucketOwner`` in the SDKs) on a bucket
that another account owns fails with 403 ``AccessDenied``, and nothing is read or changed (Amazon S3
User Guide, "Verifying bucket ownership with bucket owner condition": "If the actual bucket owner
doesn't match the expected bucket owner, the request fails"; S3 API Reference, e.g. GetBucketPolicy,
``x-amz-expected-bucket-owner``: "If the account ID that you provide does not match the actual owner
of the bucket, the request fails with the HTTP status code 403 Forbidden (access denied)").

The judge sits in front of moto's bucket and object request handlers (``S3Response._bucket_response``
and ``_key_response``) and compares the header with the account that created the bucket, as moto
records it; a bucket that does not exist is left to moto (404 ``NoSuchBucket``).
"""

from __future__ import annotations

from typing import Any

from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response

from devstack import backend_judges

HEADER = "x-amz-expected-bucket-owner"

#: moto's own methods, by name, called once the judge lets a request through.
_moto: dict[str, Any] = {}


def refused(bucket: str, expected_owner: str | None) -> bool:
    """Whether S3 refuses a request on ``bucket`` that names ``expected_owner`` as its owner."""
    if not expected_owner or bucket not in s3_backends.bucket_accounts:
        return False
    _, owner = s3_backends.bucket_accounts[bucket]
    return bool(owner != expected_owner)


def _judge(self: S3Response, request: Any, full_url: str) -> None:
    if refused(self.parse_bucket_name_from_url(request, full_url), request.headers.get(HEADER)):
        raise S3AccessDeniedError()


def _bucket_response(self: S3Response, request: Any, full_url: str) -> Any:
    _judge(self, request, full_url)
    return _moto["_bucket_response"](self, request, full_url)


def _key_response(self: S3Response, request: Any, full_url: str) -> Any:
    _judge(self, request, full_url)
    return _moto["_key_response"](self, request, full_url)


_JUDGES: dict[type, tuple[Any, ...]] = {S3Response: (_bucket_response, _key_response)}


def install() -> None:
    """Put the judge in front of moto's S3 request handlers (once per process)."""
    backend_judges.install(_JUDGES, _moto)
