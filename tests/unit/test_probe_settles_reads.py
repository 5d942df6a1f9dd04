"""
A passing live probe settles the job's reads of ``s3:GetObject`` as it did before multipart uploads were told apart.

The probe's getFileStatus sends a HEAD, authorized as ``s3:GetObject``, the action the job's GetObject needs; only
where a statement may tell two operations of one action apart (or the probe's object and the job's: a ``Resource``
naming some keys under the prefix only) does a passing probe not settle the other operation.
``s3:ObjectCreationOperation`` is that key for uploads only (S3 User Guide, "Enforce conditional writes on Amazon S3
buckets": it exempts "the CreateMultipartUpload, UploadPart, and UploadPartCopy operations" from a policy on object
uploads; Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3": these operations and
PutObject, CopyObject and CompleteMultipartUpload are authorized as ``s3:PutObject``), never for a read.
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED, verdict_with_probe
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState
from tests.unit.test_chain import BUCKET, PREFIX, by_name, document, healthy_state
from tests.unit.test_probe_scope import OUTSIDE_THE_ENDPOINT, PASSED, _links


def test_a_passing_probe_settles_the_read_back_beside_a_statement_testing_the_upload_operation() -> None:
    """
    A Deny of reads outside the endpoint (a key the verifier does not know: not checked) beside a Deny of multipart
    uploads (``s3:ObjectCreationOperation``): the probe's HEAD (``s3:GetObject``, as the read back's GetObject) settles
    the read back, since no condition key tells a read's operations apart and both statements name every key of the
    bucket (``Resource`` ``bucket/*``), so none decides the probe's object otherwise than the job's (a ``Resource`` that
    names some keys under the prefix only would: ``tests/unit/test_keys_under_prefix.py``); the job's multipart upload
    it still does not settle. (Where the bucket policy or the role is not read, the read back's listing of the prefix stays unsettled
    too: a listing key may decide it, ``tests/unit/test_probe_listing_keys.py``.)
    """
    multipart = {**OUTSIDE_THE_ENDPOINT, "StringEquals": {"s3:ObjectCreationOperation": "CreateMultipartUpload"}}
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = document(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": OUTSIDE_THE_ENDPOINT,
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": multipart,
        },
    )

    links = by_name(check_chain(state))

    read_back, write = links[f"read back {PREFIX}"], links[f"write files {PREFIX}"]
    assert read_back.status == UNKNOWN, read_back
    assert read_back.probe_settles, read_back
    assert (write.status, write.probe_settles) == (UNKNOWN, False)


def test_an_unread_bucket_policy_leaves_the_read_back_to_no_probe() -> None:
    """
    The bucket policy refused to the verifier: its statements may test the read back's listing keys, which the probe's
    listing never shares, so the read back is not settled; nor is the multipart upload.
    """
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.unreadable = {"policy": "AccessDenied"}

    links = by_name(check_chain(state))

    read_back, write = links[f"read back {PREFIX}"], links[f"write files {PREFIX}"]
    assert (read_back.status, read_back.probe_settles) == (UNKNOWN, False)
    assert links[f"output directory lookup {PREFIX}"].probe_settles is False
    assert (write.status, write.probe_settles) == (UNKNOWN, False)
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)
