"""
S3 storing the ARN of the KMS key an SSE-KMS object is encrypted with: :func:`install`.

HeadObject and GetObject answer ``x-amz-server-side-encryption-aws-kms-key-id``: "If present, indicates the ID of
the KMS key that was used for object encryption" (Amazon S3 API Reference, "HeadObject"); S3 answers it as the
key's ARN whatever form the upload named it by (AWS KMS Developer Guide, "Key identifiers (KeyId)": a key ARN,
key id, alias name or alias ARN all identify one key). S3 resolves a key id or alias in the requester's account
and a key ARN in its own (Amazon S3 API Reference, "PutObject": "If the KMS key doesn't exist in the same account
that's issuing the command, you must use the full Key ARN not the Key ID"). SSE-KMS with no key id, asked for or
by the bucket's default, uses the AWS managed key aws/s3, which "Amazon S3 automatically creates ... in your AWS
account the first time that you add an object encrypted with SSE-KMS" (Amazon S3 API Reference,
"ServerSideEncryptionByDefault"). moto stores what the upload sent; here ``PutObject``,
``CreateMultipartUpload`` and ``CopyObject`` store the key's ARN. A key not found is left as sent.
"""

from __future__ import annotations

from typing import Any

import moto.kms.models
import moto.s3.models

from devstack import backend_judges

_moto: dict[str, Any] = {}

AWS_S3_ALIAS = "alias/aws/s3"


def key_arn(account: str, region: str, key_id: str | None) -> str | None:
    """The ARN of the key ``key_id`` names (``None``: aws/s3), resolved as S3 does; as sent when not found."""
    key_id = key_id or AWS_S3_ALIAS
    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        if len(parts) < 6:
            return key_id
        region, account = parts[3], parts[4]
    try:
        return str(moto.kms.models.kms_backends[account][region].describe_key(key_id).arn)
    except Exception:  # no such key: S3 would refuse; left as sent for the judge to tell
        return key_id


def _bucket_default(bucket: Any) -> tuple[str | None, str | None]:
    default = (bucket.encryption or {}).get("Rule", {}).get("ApplyServerSideEncryptionByDefault", {})
    return default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")


def _is_kms(encryption: str | None) -> bool:
    return encryption in ("aws:kms", "aws:kms:dsse")


def put_object(self: Any, bucket_name: str, key_name: str, value: bytes, *args: Any, **kwargs: Any) -> Any:
    if not args:  # moto calls it by keyword past value
        bucket = self.get_bucket(bucket_name)
        algorithm, default_key = _bucket_default(bucket)
        encryption = kwargs.get("encryption") or algorithm
        if _is_kms(encryption) and kwargs.get("multipart") is None:
            kwargs["kms_key_id"] = key_arn(self.account_id, bucket.region_name, kwargs.get("kms_key_id") or default_key)
    return _moto["put_object"](self, bucket_name, key_name, value, *args, **kwargs)


def create_multipart_upload(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
    bucket = self.get_bucket(bucket_name)
    algorithm, default_key = _bucket_default(bucket)
    encryption = kwargs.get("sse_encryption") or (args[4] if len(args) > 4 else None) or algorithm
    if _is_kms(encryption) and "kms_key_id" in kwargs:
        kwargs["kms_key_id"] = key_arn(self.account_id, bucket.region_name, kwargs["kms_key_id"] or default_key)
    elif _is_kms(encryption) and len(args) > 5:
        args = (*args[:5], key_arn(self.account_id, bucket.region_name, args[5] or default_key), *args[6:])
    return _moto["create_multipart_upload"](self, bucket_name, key_name, *args, **kwargs)


def copy_object(self: Any, src_key: Any, dest_bucket_name: str, dest_key_name: str, *args: Any, **kwargs: Any) -> Any:
    if not args and _is_kms(kwargs.get("encryption")):
        bucket = self.get_bucket(dest_bucket_name)
        kwargs["kms_key_id"] = key_arn(self.account_id, bucket.region_name, kwargs.get("kms_key_id"))
    return _moto["copy_object"](self, src_key, dest_bucket_name, dest_key_name, *args, **kwargs)


_JUDGES: dict[type, tuple[Any, ...]] = {moto.s3.models.S3Backend: (put_object, create_multipart_upload, copy_object)}


def install() -> None:
    """Put the judges in front of moto's S3 backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
