"""A destination bucket's Object Lock default retention, which refuses uploads that carry no checksum."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.findings import OBJECT_LOCK_LINK, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState

#: Amazon S3 API Reference, PutObject, ``Content-MD5``: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is
#: required for any request to upload an object with a retention period configured using Amazon S3 Object Lock";
#: UploadPart, ``Content-MD5``: "This parameter is required if object lock parameters are specified". A bucket's
#: default retention gives every new object one (Amazon S3 User Guide, "Uploading objects to an Object Lock enabled
#: bucket"). EMRFS's requests are not published: whether it sends either header is not known.
WHY = (
    "S3 refuses an upload of an object with an Object Lock retention period that carries neither Content-MD5 nor a "
    "checksum header (S3 API Reference, PutObject and UploadPart), and the bucket's default retention gives every "
    "new object one; "
    "whether EMRFS sends either header, for single uploads and for the parts of multipart uploads, is not documented"
)
FIX = (
    "run a job that writes a large file (a multipart upload) to the bucket, or ask the partner to drop the default "
    "retention and set retention on the objects after the job; the live probe writes one small object only"
)


def audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per destination bucket with an Object Lock default retention, or whose Object Lock
    configuration could not be read (``s3:GetBucketObjectLockConfiguration``); none for the others.
    """
    links = []
    for bucket, read in sorted(state.buckets.items()):
        if not isinstance(read, BucketState):
            continue
        if "object lock" in read.unreadable:
            detail = f"the Object Lock configuration of bucket {bucket} was not read: {read.unreadable['object lock']}"
            fix = "allow s3:GetBucketObjectLockConfiguration on the bucket to check it"
            links.append(Link(None, OBJECT_LOCK_LINK, UNKNOWN, f"{detail}; {WHY}", fix=fix))
        elif read.object_lock_retention:
            retention = ", ".join(f"{key} {value}" for key, value in sorted(read.object_lock_retention.items()))
            detail = f"bucket {bucket} has an Object Lock default retention ({retention}); {WHY}"
            links.append(Link(None, OBJECT_LOCK_LINK, UNKNOWN, detail, fix=FIX))
    return links
