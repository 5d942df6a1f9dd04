"""The bucket of a mapped prefix exists and could be read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PROBE_FIX, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import Unreadable

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.validation import S3Location


def audit(index: int, location: S3Location, bucket: Unreadable | None) -> Link:
    """Return the link of a bucket that is missing (``None``) or could not be read."""
    if isinstance(bucket, Unreadable):
        return Link(index, f"bucket {location.bucket}", UNKNOWN, bucket.detail, fix=PROBE_FIX)
    return Link(
        index,
        f"bucket {location.bucket}",
        FAIL,
        "bucket not found",
        fix="check the bucket name and the destination connection",
    )
