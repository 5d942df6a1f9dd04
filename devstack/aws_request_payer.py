"""
S3's Requester Pays buckets, enforced in the stand-in (moto stores no request-payment setting and serves none).

A Requester Pays bucket refuses with 403 ``AccessDenied`` every request of another account than the bucket
owner's that does not carry ``x-amz-request-payer: requester`` (S3 User Guide, "Downloading objects from
Requester Pays buckets": "For DELETE, GET, HEAD, POST, and PUT requests, include x-amz-request-payer :
requester in the header"; "If x-amz-request-payer is not in the request, Amazon S3 returns a 403 error";
"Bucket owners do not need to add x-amz-request-payer to their requests"). A role assumed in an account
requests as that account (S3 User Guide, "Using Requester Pays general purpose buckets for storage
transfers and usage": "the account to which the role belongs is charged for the request").

The judge serves ``PutBucketRequestPayment`` (the bucket owner only: S3 User Guide, "Configuring Requester
Pays on a bucket": "Only the bucket owner can set the RequestPaymentConfiguration.payer configuration
value") and ``GetBucketRequestPayment`` (``Payer``: ``BucketOwner``, the default, or ``Requester``),
keeping the setting on moto's bucket (``FakeBucket.payer``). It sits in front of moto's bucket and object
request handlers, behind the bucket owner condition of :mod:`devstack.aws_bucket_owner`; the requester's
account is the one moto resolved from the request's access key.
"""

from __future__ import annotations

import re
from typing import Any

from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import FakeBucket, s3_backends
from moto.s3.responses import S3Response

from devstack import backend_judges

HEADER = "x-amz-request-payer"
REQUESTER = "Requester"
_PAYER = re.compile(r"<Payer>\s*(\w+)\s*</Payer>")

#: moto's own methods (or the judges installed before this one), by name.
_moto: dict[str, Any] = {}


def _bucket(name: str) -> FakeBucket | None:
    if name not in s3_backends.bucket_accounts:
        return None
    partition, account = s3_backends.bucket_accounts[name]
    found: FakeBucket | None = s3_backends[account][partition].buckets.get(name)
    return found


def refused(bucket: FakeBucket, requester_account: str, header: str | None) -> bool:
    """Whether S3 refuses a request of ``requester_account`` on ``bucket`` carrying ``x-amz-request-payer: header``."""
    return bucket.payer == REQUESTER and requester_account != bucket.account_id and (header or "") != "requester"


def _configuration(payer: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Payer>{payer}</Payer></RequestPaymentConfiguration>"
    )


def _judge(self: S3Response, request: Any, full_url: str) -> Any:
    """``None`` to let moto answer; else this judge's own answer. Raises 403 where S3 refuses."""
    bucket = _bucket(self.parse_bucket_name_from_url(request, full_url))
    if bucket is None:  # no such bucket (or the list of buckets): moto answers
        return None
    requester = self.current_account
    if refused(bucket, requester, request.headers.get(HEADER)):
        raise S3AccessDeniedError()
    if "requestPayment" not in self._get_querystring(request, full_url):
        return None
    if request.method == "PUT":
        if requester != bucket.account_id:
            raise S3AccessDeniedError()
        body = self.body.decode() if isinstance(self.body, bytes) else str(self.body or "")
        payer = _PAYER.search(body)
        if payer is None or payer[1] not in ("BucketOwner", REQUESTER):
            return 400, {}, "<Error><Code>MalformedXML</Code><Message>Payer: BucketOwner or Requester</Message></Error>"
        bucket.payer = payer[1]
        return 200, {}, ""
    if request.method == "GET":
        # The caller's identity policies decide as for moto's own reads (s3:GetBucketRequestPayment,
        # devstack/aws_s3_actions.py); without this the judge answered a caller they deny.
        self._authenticate_and_authorize_s3_action(bucket_name=bucket.name)
        return 200, {"content-type": "application/xml"}, _configuration(bucket.payer)
    return None


def _bucket_response(self: S3Response, request: Any, full_url: str) -> Any:
    answer = _judge(self, request, full_url)
    return _moto["_bucket_response"](self, request, full_url) if answer is None else answer


def _key_response(self: S3Response, request: Any, full_url: str) -> Any:
    _judge(self, request, full_url)  # an object request never names ?requestPayment: only the 403 applies
    return _moto["_key_response"](self, request, full_url)


_JUDGES: dict[type, tuple[Any, ...]] = {S3Response: (_bucket_response, _key_response)}


def install() -> None:
    """Put the judge in front of moto's S3 request handlers (once per process)."""
    backend_judges.install(_JUDGES, _moto)
