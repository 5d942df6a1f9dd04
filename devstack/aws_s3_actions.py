"""
The IAM action of an S3 read, as AWS authorizes it, in the stand-in (moto checks another name for many).

moto (5.2.5) names the action of a bucket request from a table of query parameters and falls back on
``ListBucket``: ``GetBucketEncryption``, ``GetBucketOwnershipControls``, ``GetBucketRequestPayment``,
``GetObjectLockConfiguration`` and the bucket's ``GetPublicAccessBlock`` are all authorized as
``s3:ListBucket``, ``HeadBucket`` as ``s3:HeadBucket`` (no such action) and S3 Control's
``GetPublicAccessBlock`` as ``s3:GetPublicAccessBlock``. So a policy denying ``s3:GetEncryptionConfiguration``
refused nothing, and one denying ``s3:ListBucket`` refused five reads. AWS authorizes them as (Service
Authorization Reference, "Actions, resources, and condition keys for Amazon S3"; S3 API Reference, each
operation's "Permissions"): ``GetBucketEncryption``: ``s3:GetEncryptionConfiguration``;
``GetBucketOwnershipControls``: ``s3:GetBucketOwnershipControls``; ``GetBucketRequestPayment``:
``s3:GetBucketRequestPayment``; ``GetObjectLockConfiguration``: ``s3:GetBucketObjectLockConfiguration``;
``GetPublicAccessBlock``: ``s3:GetBucketPublicAccessBlock``; ``GetBucketPolicyStatus``:
``s3:GetBucketPolicyStatus``; ``HeadBucket``: ``s3:ListBucket``; S3 Control ``GetPublicAccessBlock``:
``s3:GetAccountPublicAccessBlock``.

The stand-in renames the action moto's authorization checks for these reads, and for the bucket writes of
:data:`BUCKET_WRITES` (moto: ``s3:CreateBucket``), so an identity policy denies what it denies on AWS; other
writes keep moto's names.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from moto.iam.access_control import IAMRequestBase

#: A bucket read's query parameter (its subresource) and the action AWS authorizes it as.
BUCKET_READS = {
    "encryption": "s3:GetEncryptionConfiguration",
    "ownershipControls": "s3:GetBucketOwnershipControls",
    "requestPayment": "s3:GetBucketRequestPayment",
    "object-lock": "s3:GetBucketObjectLockConfiguration",
    "publicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "policyStatus": "s3:GetBucketPolicyStatus",
}
#: A bucket write's subresource and the action AWS authorizes it (PUT or DELETE) as; moto authorizes them all as
#: ``s3:CreateBucket``. S3 API Reference: PutBucketOwnershipControls and DeleteBucketOwnershipControls, "you must
#: have the s3:PutBucketOwnershipControls permission"; PutBucketEncryption and DeleteBucketEncryption,
#: ``s3:PutEncryptionConfiguration``; PutPublicAccessBlock and DeletePublicAccessBlock,
#: ``s3:PutBucketPublicAccessBlock``.
BUCKET_WRITES = {
    "ownershipControls": "s3:PutBucketOwnershipControls",
    "encryption": "s3:PutEncryptionConfiguration",
    "publicAccessBlock": "s3:PutBucketPublicAccessBlock",
}
#: S3 Control's path of the account's Block Public Access settings.
ACCOUNT_PUBLIC_ACCESS_BLOCK = "/configuration/publicAccessBlock"

_moto: dict[str, Any] = {}


def aws_action(method: str, path: str, moto_action: str) -> str:
    """The action AWS authorizes an S3 request as; ``moto_action`` where it is not one of the reads above."""
    parts = urlsplit(path)
    if method == "GET" and parts.path.endswith(ACCOUNT_PUBLIC_ACCESS_BLOCK):
        return "s3:GetAccountPublicAccessBlock"
    if moto_action == "s3:HeadBucket":
        return "s3:ListBucket"
    if method not in ("GET", "PUT", "DELETE"):
        return moto_action
    query = parse_qs(parts.query, keep_blank_values=True)
    table = BUCKET_READS if method == "GET" else BUCKET_WRITES
    named = [action for parameter, action in table.items() if parameter in query]
    return named[0] if len(named) == 1 else moto_action


def _init(self: IAMRequestBase, *args: Any, **kwargs: Any) -> None:
    _moto["__init__"](self, *args, **kwargs)
    if self._service == "s3":  # S3's requests and S3 Control's (signed for "s3" too)
        self._action = aws_action(self._method, self._path, self._action)


def install() -> None:
    """Rename the actions moto's S3 authorization checks (once per process)."""
    if "__init__" not in _moto:
        _moto["__init__"] = IAMRequestBase.__init__
        IAMRequestBase.__init__ = _init  # type: ignore[method-assign]
