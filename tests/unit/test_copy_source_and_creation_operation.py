"""
The condition keys of the live probe's rename (a CopyObject: ``s3:x-amz-copy-source``) and of the job's uploads
(``s3:ObjectCreationOperation``), as the verifier models them.

Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3": ``s3:x-amz-copy-source`` is a
condition key of ``s3:PutObject``, which a CopyObject is authorized as; the S3 User Guide's "Bucket policy examples using
condition keys" shows guards on it. S3 User Guide, "Enforce conditional writes on Amazon S3 buckets": the
``s3:ObjectCreationOperation`` key exempts "the CreateMultipartUpload, UploadPart, and UploadPartCopy operations", and
"All PutObject and CompleteMultipartUpload requests" carry it as true.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    WARN,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
from tests.unit.test_chain import BUCKET, KEY, PREFIX, by_name, document, healthy_state

WRITE = f"write files {PREFIX}"
#: The warning of the live probe's rename (``s3_access.PROBE_RENAME``).
RENAME = f"live probe's rename {PREFIX}"
FAILED_PROBE = {"ok": False, "problems": ["the probe's step FAILED"]}


def _bucket_denies_put(state: ChainState, condition: dict[str, Any]) -> ChainState:
    """The bucket policy denies ``s3:PutObject`` to everyone under ``condition``."""
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = document(
        {
            "Sid": "Guard",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": condition,
        }
    )
    return state


def test_a_copy_guard_refuses_the_probes_rename_only_and_not_the_jobs_writes() -> None:
    """
    A Deny of server-side copies (``Null s3:x-amz-copy-source false``): the job's uploads carry no copy source and
    pass; the probe's rename carries one and is refused, so the probe cannot pass: a warning says its failure proves
    nothing about the job's writes, and a failed probe then leaves the verdict not checked, not FAIL. The copy's key
    was taken as absent: nothing was said, and the failing probe made the verdict FAIL.
    """
    state = _bucket_denies_put(healthy_state(), {"Null": {"s3:x-amz-copy-source": "false"}})

    report = check_chain(state)
    links = by_name(report)

    assert links[WRITE].status == PASS
    assert all(link.status != FAIL for link in report.links)
    rename = links[RENAME]
    assert rename.status == WARN
    assert "cannot pass" in rename.detail
    assert "CopyObject" in rename.detail
    assert "Guard" in rename.statement
    dicts = [link.to_dict() for link in report.links]
    assert verdict_with_probe(dicts, FAILED_PROBE) == (VERDICT_NOT_CHECKED, True)


def test_a_guard_comparing_the_copy_source_leaves_the_probes_rename_not_known() -> None:
    """
    A Deny of copies from another bucket than a named one (``StringNotLike s3:x-amz-copy-source``, with ``Null`` so it
    spares uploads): the form of the copy source EMRFS's rename sends is not documented, so whether the probe can pass
    is not known; the job's writes pass.
    """
    condition = {
        "Null": {"s3:x-amz-copy-source": "false"},
        "StringNotLike": {"s3:x-amz-copy-source": "another-bucket/*"},
    }
    state = _bucket_denies_put(healthy_state(), condition)

    links = by_name(check_chain(state))

    assert links[WRITE].status == PASS
    rename = links[RENAME]
    assert rename.status == WARN
    assert "not known" in rename.detail
    assert "s3:x-amz-copy-source" in rename.detail


def test_no_rename_warning_without_a_copy_guard() -> None:
    """A healthy chain has no warning of the probe's rename."""
    assert RENAME not in by_name(check_chain(healthy_state()))


def test_a_failed_probe_without_a_rename_warning_still_fails_the_verdict() -> None:
    """The rename's warning alone keeps a failed probe from failing the verdict."""
    dicts = [link.to_dict() for link in check_chain(healthy_state()).links]
    assert verdict_with_probe(dicts, FAILED_PROBE) == (VERDICT_FAIL, False)


def test_a_conditional_write_guard_without_encryption_fails_at_complete_multipart_upload() -> None:
    """
    ``Deny s3:PutObject`` where ``s3:x-amz-server-side-encryption`` is null and ``s3:ObjectCreationOperation`` is true,
    with the cluster asking SSE-KMS: CompleteMultipartUpload carries the key as true and no encryption header, so it is
    refused for certain, whatever UploadPart's value (exempted: not known). The write link said "not checked".
    """
    state = _bucket_denies_put(
        healthy_state(),
        {"Null": {"s3:x-amz-server-side-encryption": "true"}, "Bool": {"s3:ObjectCreationOperation": "true"}},
    )
    state.cluster_configurations = [
        {
            "Classification": "emrfs-site",
            "Properties": {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": KEY},
        }
    ]

    link = by_name(check_chain(state))[WRITE]

    assert link.status == FAIL
    assert link.detail.startswith("CompleteMultipartUpload")
    assert "Guard" in link.statement


def test_a_guard_on_the_exempted_operations_only_leaves_them_not_known() -> None:
    """``Bool s3:ObjectCreationOperation false``: the exempted operations' value is not documented, not a FAIL."""
    state = _bucket_denies_put(healthy_state(), {"Bool": {"s3:ObjectCreationOperation": "false"}})

    links = by_name(check_chain(state))

    assert links[WRITE].status == UNKNOWN
    assert "UploadPart" in links[WRITE].detail or "CreateMultipartUpload" in links[WRITE].detail
    assert links[f"mkdirs {PREFIX}"].status == PASS


def test_no_rename_warning_where_the_probes_put_is_not_known_either() -> None:
    """
    A Deny on a key the verifier does not know (``s3:if-none-match``): the probe's put is as unknown as its rename, so
    the write's links say it, and no warning of the rename keeps a failed probe from failing the verdict.
    """
    condition = {"Null": {"s3:if-none-match": "true"}, "Bool": {"s3:ObjectCreationOperation": "true"}}
    state = _bucket_denies_put(healthy_state(), condition)

    links = by_name(check_chain(state))

    assert RENAME not in links
    assert links[f"mkdirs {PREFIX}"].status == UNKNOWN
