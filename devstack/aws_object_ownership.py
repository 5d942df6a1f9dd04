"""
S3 Object Ownership as AWS applies it, played in the stand-in: a new bucket's default, and the refusal to disable
ACLs on a bucket whose ACL grants anyone but its owner.

A new bucket's default. "By default, ObjectOwnership is set to BucketOwnerEnforced and ACLs are disabled" (S3 API
Reference, CreateBucket, ``x-amz-object-ownership``; Amazon S3 User Guide, "Setting Object Ownership when you create
a bucket": "By default, S3 Object Ownership is set to the Bucket owner enforced setting, and ACLs are disabled for
new buckets"; since April 2023). moto creates a bucket without ownership controls, which reads as ``ObjectWriter``
(the setting of buckets made before then). Here a bucket moto creates gets ``BucketOwnerEnforced``; moto's
CreateBucket handler then keeps the ``x-amz-object-ownership`` a request names. ``DeleteBucketOwnershipControls``
still leaves a bucket without controls (an old bucket's state).

Refusing to disable ACLs. "If you want to apply the Bucket owner enforced setting to disable ACLs, your bucket ACL
must give full control only to the bucket owner. Your bucket ACL cannot give access to an external AWS account or
any other group. For example, if your CreateBucket request sets Bucket owner enforced and specifies a bucket ACL
that provides access to an external AWS account, your request fails" with HTTP 400
``InvalidBucketAclWithObjectOwnership``; so does such a ``PutBucketOwnershipControls`` (Amazon S3 User Guide,
Object Ownership "Troubleshooting"; "Prerequisites for disabling ACLs"). moto switches the setting anyway, and
creates the bucket. This judge, with its own reading of moto's records (not the provider's code), refuses such a
``PutBucketOwnershipControls``, and such a ``CreateBucket`` whose setting is ``BucketOwnerEnforced`` (named, or the
default), changing nothing. moto gives every account's owner one canonical user id, so a grant to another account
by canonical id cannot be told from the owner here: group (URI) grants, such as ``public-read`` or
``log-delivery-write``, and grants to any other id are what it refuses.
"""

from __future__ import annotations

from typing import Any

import moto.s3.models
from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

from devstack import backend_judges

#: moto's own methods, by name, called once the judge lets a request through.
_moto: dict[str, Any] = {}

ENFORCED = "BucketOwnerEnforced"
#: The CreateBucket header that names the new bucket's Object Ownership (S3 API Reference, CreateBucket).
OWNERSHIP_HEADER = "x-amz-object-ownership"


def acl_grants_to_others(acl: Any) -> list[str]:
    """Who the ACL ``acl`` (moto's ``FakeAcl``, or ``None``) grants anything to besides its owner (moto's one id)."""
    others = []
    for grant in acl.grants if acl else []:
        for grantee in grant.grantees:
            if grantee.uri or grantee.id != moto.s3.models.OWNER:
                others.append(grantee.uri or grantee.id)
    return others


def grants_to_others(bucket: Any) -> list[str]:
    """Who ``bucket``'s ACL grants anything to besides its owner (moto's one owner id)."""
    return acl_grants_to_others(bucket.acl)


def _refused() -> S3ClientError:
    return S3ClientError(
        "InvalidBucketAclWithObjectOwnership",
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    )


def put_bucket_ownership_controls(self: Any, bucket_name: str, ownership: Any) -> None:
    if ownership == ENFORCED and grants_to_others(self.get_bucket(bucket_name)):
        raise _refused()
    _moto["put_bucket_ownership_controls"](self, bucket_name, ownership)


def create_bucket(self: Any, bucket_name: str, region_name: str, *args: Any, **kwargs: Any) -> Any:
    """moto's CreateBucket, the new bucket with AWS's default Object Ownership (``BucketOwnerEnforced``)."""
    bucket = _moto["create_bucket"](self, bucket_name, region_name, *args, **kwargs)
    bucket.ownership_rule = ENFORCED
    return bucket


def _bucket_response_put(self: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
    # A PUT on a bucket with no subresource is CreateBucket; a bucket that exists already is left to moto.
    if not querystring and bucket_name not in moto.s3.models.s3_backends.bucket_accounts:
        ownership = request.headers.get(OWNERSHIP_HEADER) or ENFORCED
        if ownership == ENFORCED and acl_grants_to_others(self._acl_from_headers(request.headers)):
            # Authorized first, as moto's handler does, so a caller not allowed s3:CreateBucket still gets 403.
            self._set_action("BUCKET", "PUT", querystring)
            self._authenticate_and_authorize_s3_action(bucket_name=bucket_name)
            raise _refused()
    return _moto["_bucket_response_put"](self, request, bucket_name, querystring)


_JUDGES: dict[type, tuple[Any, ...]] = {
    moto.s3.models.S3Backend: (put_bucket_ownership_controls, create_bucket),
    S3Response: (_bucket_response_put,),
}


def install() -> None:
    """Put the judges in front of moto's S3 backend and CreateBucket handler (once per process)."""
    backend_judges.install(_JUDGES, _moto)
