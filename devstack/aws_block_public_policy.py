"""
S3 Block Public Access ``BlockPublicPolicy`` in the stand-in: ``PutBucketPolicy`` of a public policy refused.

moto (5.2.5) stores a bucket's and an account's ``BlockPublicPolicy`` and writes any policy all the same. S3 API
Reference, "PublicAccessBlockConfiguration", ``BlockPublicPolicy``: "Setting this element to TRUE causes Amazon S3 to
reject calls to PUT Bucket policy if the specified bucket policy allows public access. Enabling this setting doesn't
affect existing bucket policies." S3 Control's, the account's: the same "for buckets in this account"; S3 applies
"the most restrictive combination of the bucket-level and account-level settings" (S3 API Reference,
"PutPublicAccessBlock"). S3's answer is ``AccessDenied`` "Access Denied", 403 ("Automated Security Response on AWS",
"Issues with specific remediations": "An error occurred (AccessDenied) when calling the PutBucketPolicy operation:
Access Denied" for a policy that kept statements allowing public access under Block Public Access). Public is judged
by S3's documented rule, :func:`devstack.aws_judge.bucket_policy_is_public`, not moto's ``GetBucketPolicyStatus``.

Installed by the tests that need it (:func:`install`, once per process; the other judges are installed by
``MotoStack``): nothing changes for a bucket or account whose ``BlockPublicPolicy`` is off.
"""

from __future__ import annotations

import json
from typing import Any

import moto.s3.models
from moto.s3.exceptions import S3ClientError
from moto.s3control.models import s3control_backends

from devstack import aws_judge, backend_judges

_moto: dict[str, Any] = {}


class PublicPolicyBlocked(S3ClientError):
    """S3's refusal of a public bucket policy under ``BlockPublicPolicy``: ``AccessDenied``, 403."""

    code = "AccessDenied"

    def __init__(self) -> None:
        super().__init__("AccessDenied", "Access Denied")


def _blocks_public_policy(backend: Any, bucket_name: str) -> bool:
    """Whether the bucket's or its account's Block Public Access setting ``BlockPublicPolicy`` is on."""
    bucket = backend.get_bucket(bucket_name)
    if bucket.public_access_block is not None and bucket.public_access_block.block_public_policy:
        return True
    account = s3control_backends[bucket.account_id][backend.partition].public_access_block
    return bool(account is not None and account.block_public_policy)


def _parsed(policy: bytes | str) -> dict[str, Any] | None:
    """The policy sent, or ``None`` when it is no JSON object (moto's own validation answers)."""
    try:
        parsed = json.loads(policy)
    except (ValueError, TypeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def put_bucket_policy(self: Any, bucket_name: str, policy: bytes) -> None:
    """Refuse a public policy while ``BlockPublicPolicy`` is on for the bucket or its account; else write it."""
    if _blocks_public_policy(self, bucket_name) and aws_judge.bucket_policy_is_public(_parsed(policy)):
        raise PublicPolicyBlocked()
    _moto["put_bucket_policy"](self, bucket_name, policy)


def install() -> None:
    """Put the judge in front of moto's S3 backend (once per process)."""
    backend_judges.install({moto.s3.models.S3Backend: (put_bucket_policy,)}, _moto)
