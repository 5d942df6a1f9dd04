"""
S3's refusal to disable ACLs on a bucket whose ACL grants anyone but its owner, played in the stand-in.

"If you want to apply the Bucket owner enforced setting to disable ACLs, your bucket ACL must give full
control only to the bucket owner. Your bucket ACL cannot give access to an external AWS account or any
other group. ... if your PutBucketOwnershipControls request sets Bucket owner enforced for a bucket that
has a bucket ACL that grants access to others, the request fails" with HTTP 400
``InvalidBucketAclWithObjectOwnership`` (Amazon S3 User Guide, Object Ownership "Troubleshooting";
"Prerequisites for disabling ACLs"). moto switches the setting anyway.

This judge, with its own reading of moto's records (not the provider's code), refuses such a
``PutBucketOwnershipControls`` and changes nothing. moto gives every account's owner one canonical user id,
so a grant to another account by canonical id cannot be told from the owner here: group (URI) grants,
such as ``public-read`` or ``log-delivery-write``, and grants to any other id are what it refuses.
"""

from __future__ import annotations

from typing import Any

import moto.s3.models
from moto.s3.exceptions import S3ClientError

from devstack import backend_judges

#: moto's own methods, by name, called once the judge lets a request through.
_moto: dict[str, Any] = {}

ENFORCED = "BucketOwnerEnforced"


def grants_to_others(bucket: Any) -> list[str]:
    """Who ``bucket``'s ACL grants anything to besides its owner (moto's one owner id)."""
    others = []
    for grant in bucket.acl.grants if bucket.acl else []:
        for grantee in grant.grantees:
            if grantee.uri or grantee.id != moto.s3.models.OWNER:
                others.append(grantee.uri or grantee.id)
    return others


def put_bucket_ownership_controls(self: Any, bucket_name: str, ownership: Any) -> None:
    if ownership == ENFORCED and grants_to_others(self.get_bucket(bucket_name)):
        raise S3ClientError(
            "InvalidBucketAclWithObjectOwnership",
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        )
    _moto["put_bucket_ownership_controls"](self, bucket_name, ownership)


_JUDGES: dict[type, tuple[Any, ...]] = {moto.s3.models.S3Backend: (put_bucket_ownership_controls,)}


def install() -> None:
    """Put the judge in front of moto's S3 backend (once per process)."""
    backend_judges.install(_JUDGES, _moto)
