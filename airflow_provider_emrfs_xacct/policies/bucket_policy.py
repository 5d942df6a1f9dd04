"""
Option (a) of the AWS article: the destination bucket's policy grants the EMR account's roles access.

Pure: standard library only. Each granted principal gets its own two statements (objects under its
prefixes; ``s3:ListBucket`` and ``s3:ListBucketMultipartUploads`` on the bucket), with ``Sid``s derived from the principal, so granting
or revoking one principal never touches another's statements, nor any statement the provider did
not write (a ``Deny`` included).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.policies.documents import (
    BUCKET_ACTIONS,
    OBJECT_ACTIONS,
    SID_PREFIX,
    object_locations,
    object_resources,
    s3_arn,
)
from airflow_provider_emrfs_xacct.policies.merge import find_statement, remove_statement, upsert_statement

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.policies.validation import S3Location

#: S3's limit on the size of a bucket policy.
MAX_BUCKET_POLICY_BYTES = 20 * 1024
#: Object ownership settings and who owns an object another account writes.
OWNERS = {
    "BucketOwnerEnforced": "bucket owner (ACLs are disabled)",
    "BucketOwnerPreferred": "bucket owner, when the writer sends the bucket-owner-full-control ACL",
    "ObjectWriter": "the writing account (the EMR account), not the bucket owner",
}
#: EMRFS setting that makes every write send ``bucket-owner-full-control``.
CANNED_ACL_PROPERTIES = {"fs.s3.canned.acl": "BucketOwnerFullControl"}


def principal_sids(principal_arn: str) -> tuple[str, str]:
    """Return the ``Sid``s of the objects and list statements of one principal."""
    digest = hashlib.sha256(principal_arn.encode()).hexdigest()[:12]
    return f"{SID_PREFIX}Objects{digest}", f"{SID_PREFIX}List{digest}"


def granted_locations(policy: dict[str, Any] | None, principal_arn: str) -> set[S3Location]:
    """Read back the locations the principal's object statement grants."""
    return object_locations(find_statement(policy, principal_sids(principal_arn)[0]))


def grant(
    policy: dict[str, Any] | None, partition: str, principal_arn: str, locations: set[S3Location]
) -> dict[str, Any]:
    """Return the policy with the principal's statements granting ``locations`` plus what they granted before."""
    locations = granted_locations(policy, principal_arn) | locations
    objects_sid, list_sid = principal_sids(principal_arn)
    bucket = next(iter(locations)).bucket
    ordered = sorted(locations)
    policy = upsert_statement(
        policy,
        {
            "Sid": objects_sid,
            "Effect": "Allow",
            "Principal": {"AWS": principal_arn},
            "Action": list(OBJECT_ACTIONS),
            "Resource": [arn for location in ordered for arn in object_resources(partition, location)],
        },
    )
    return upsert_statement(
        policy,
        {
            "Sid": list_sid,
            "Effect": "Allow",
            "Principal": {"AWS": principal_arn},
            # Unconditioned, as for the destination role (documents.BUCKET_ACTIONS): a HEAD of a missing
            # key carries no s3:prefix and answers 404 only with s3:ListBucket, else 403.
            "Action": list(BUCKET_ACTIONS),
            "Resource": s3_arn(partition, bucket),
        },
    )


def revoke(policy: dict[str, Any] | None, principal_arn: str) -> dict[str, Any] | None:
    """Return the policy without the principal's statements (``None`` when no statement is left)."""
    if policy is None:
        return None
    for sid in principal_sids(principal_arn):
        policy = remove_statement(policy, sid)
    return policy if policy.get("Statement") else None


def ownership_report(bucket: str, object_ownership: str) -> dict[str, Any]:
    """Say who will own the objects the EMR account writes, and which EMRFS setting that needs."""
    return {
        "bucket": bucket,
        "object_ownership": object_ownership,
        "objects_owned_by": OWNERS[object_ownership],
        "emrfs_site_properties": dict(CANNED_ACL_PROPERTIES) if object_ownership == "BucketOwnerPreferred" else {},
    }
