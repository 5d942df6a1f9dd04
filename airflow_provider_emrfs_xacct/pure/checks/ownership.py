"""The bucket's account owns the objects the mapped roles write (S3 Object Ownership)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, PROBE_FIX, UNKNOWN, WARN, Link
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, RoleState
    from airflow_provider_emrfs_xacct.pure.validation import S3Location


def audit(index: int, writers: list[RoleState], bucket: BucketState, location: S3Location) -> Link:
    """Check who owns what ``writers`` put under ``location``, given the bucket's Object Ownership setting."""
    name = f"owner of objects in {location.uri}"
    if "ownership" in bucket.unreadable:
        return Link(index, name, UNKNOWN, bucket.unreadable["ownership"], fix=PROBE_FIX)
    foreign = sorted({account_of_arn(role.arn) for role in writers} - {bucket.account})
    if not foreign:
        return Link(
            index,
            name,
            PASS,
            f"the writers ({', '.join(sorted(role.arn for role in writers)) or 'none'}) are in the bucket's account "
            f"{bucket.account}, which owns the objects",
        )
    if bucket.object_ownership == "BucketOwnerEnforced":
        return Link(index, name, PASS, "BucketOwnerEnforced: the bucket owner owns every object")
    if bucket.object_ownership == "BucketOwnerPreferred":
        return Link(
            index,
            name,
            WARN,
            "BucketOwnerPreferred: the bucket owner owns objects only if written with bucket-owner-full-control",
            fix="set emrfs-site fs.s3.canned.acl=BucketOwnerFullControl",
        )
    return Link(
        index,
        name,
        FAIL,
        f"ObjectWriter: objects stay owned by account {', '.join(foreign)}",
        fix="switch the bucket to BucketOwnerEnforced (GrantBucketAccessOperator enforce_bucket_owner=True)",
    )
