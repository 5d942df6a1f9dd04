"""The bucket of a mapped prefix exists, is the destination account's, and could be read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PROBE_FIX, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import OtherOwner, Unreadable

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.validation import S3Location


def audit(index: int | None, location: S3Location, bucket: Unreadable | OtherOwner | None) -> Link:
    """Return the link of a bucket that is missing (``None``), owned by another account, or could not be read."""
    if isinstance(bucket, OtherOwner):
        # Amazon S3 User Guide, "Verifying bucket ownership with bucket owner condition": a request whose
        # expected owner is not the bucket's owner fails with 403; its settings were not read.
        return Link(
            index,
            f"bucket {location.bucket}",
            FAIL,
            f"bucket {location.bucket} is not owned by the destination account {bucket.expected_account}: S3 "
            f"refused ExpectedBucketOwner={bucket.expected_account} (403), so none of its settings were read",
            fix="check the bucket name (a typo, or a deleted bucket whose name another account took) and the "
            "destination connection",
        )
    if isinstance(bucket, Unreadable):
        return Link(index, f"bucket {location.bucket}", UNKNOWN, bucket.detail, fix=PROBE_FIX)
    return Link(
        index,
        f"bucket {location.bucket}",
        FAIL,
        "bucket not found",
        fix="check the bucket name and the destination connection",
    )
