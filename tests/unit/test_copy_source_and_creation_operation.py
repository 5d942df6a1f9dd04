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

import pytest

from airflow_provider_emrfs_xacct.operators.verify import cut_short_probe, failed_probe, with_probe
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    WARN,
    add_probe_object,
    probe_excused,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from tests.unit.operators.test_verify import verifier
from tests.unit.test_chain import BUCKET, KEY, PREFIX, ROLE, by_name, document, healthy_state

WRITE = f"write files {PREFIX}"
#: The warning of the live probe's rename (``s3_access.PROBE_RENAME``).
RENAME = f"live probe's rename {PREFIX}"
#: A probe whose step under :data:`PREFIX` FAILED (``cut_short_probe``).
FAILED_PROBE = {
    "ok": False,
    "problems": ["the probe's step FAILED"],
    "objects": {},
    "failed_steps": [f"{PREFIX}_emrfs_xacct_probe/0123456789abcdef"],
}


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


#: The probe object under :data:`PREFIX` (``verify.probe_key``).
PROBE_URI = f"{PREFIX}_emrfs_xacct_probe/0123456789abcdef"
#: The probe object of a second target, in a bucket with no copy guard.
OTHER_URI = "s3://another-partner-bucket/exports/_emrfs_xacct_probe/fedcba9876543210"
#: A copy guard whose refusal of the rename is not known (its value compared): the rename is warned "not known".
COMPARING_GUARD = {
    "Null": {"s3:x-amz-copy-source": "false"},
    "StringNotLike": {"s3:x-amz-copy-source": "another-bucket/*"},
}


def _not_written(uri: str) -> dict[str, Any]:
    """A probe object's outcome when the put left nothing (``verify._check_probe_object``)."""
    return {"exists": False, "ok": False, "problems": [f"{uri} was not written"]}


def _failed_probe(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A probe whose steps completed and whose objects are ``objects`` (``findings.add_probe_object``)."""
    probe: dict[str, Any] = {"ok": True, "problems": [], "objects": {}, "routes": dict.fromkeys(objects, 0)}
    for uri, outcome in objects.items():
        add_probe_object(probe, uri, outcome)
    return probe


def _guarded_links(condition: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The links (as the report gives them) of a chain whose bucket holds a copy guard, with its rename warned."""
    links = [
        link.to_dict() for link in check_chain(_bucket_denies_put(healthy_state(), condition or COMPARING_GUARD)).links
    ]
    assert any(link["link"] == RENAME and link["status"] == WARN for link in links)
    return links


def test_an_object_written_wrong_under_a_warned_rename_still_fails_the_verdict() -> None:
    """
    A copy guard can only refuse the rename, and a refused CopyObject writes no target (Amazon S3 API Reference,
    "CopyObject"): a probe object that is there but encrypted with the wrong key, or owned by another account, is not
    the rename's doing and FAILs. The warning excused every failure of the probe: NOT_CHECKED, healthy.
    """
    links = _guarded_links()
    wrong_key = {"exists": True, "ok": False, "problems": [f"{PROBE_URI}: expected SSE-KMS with {KEY}, got AES256"]}
    wrong_owner = {"exists": True, "ok": False, "problems": [f"{PROBE_URI}: owned by another account"]}

    assert verdict_with_probe(links, _failed_probe({PROBE_URI: wrong_key})) == (VERDICT_FAIL, False)
    assert verdict_with_probe(links, _failed_probe({PROBE_URI: wrong_owner})) == (VERDICT_FAIL, False)
    assert probe_excused(links, _failed_probe({PROBE_URI: wrong_key})) == []


def test_a_failure_under_a_prefix_without_a_warned_rename_still_fails_the_verdict() -> None:
    """
    Two probe targets, the copy guard on the first's bucket only: the second's object not written is a refused write
    the guard does not explain, and FAILs, even with the first's excused. The first's warning hid it.
    """
    links = _guarded_links()
    probe = _failed_probe({PROBE_URI: _not_written(PROBE_URI), OTHER_URI: _not_written(OTHER_URI)})

    assert verdict_with_probe(links, probe) == (VERDICT_FAIL, False)


def test_a_probe_not_written_under_the_warned_rename_is_not_checked_naming_it() -> None:
    """The copy guard's own failure (the object not written, under its prefix) stays NOT_CHECKED and healthy."""
    links = _guarded_links()
    probe = _failed_probe({PROBE_URI: _not_written(PROBE_URI)})

    assert verdict_with_probe(links, probe) == (VERDICT_NOT_CHECKED, True)
    [item] = probe_excused(links, probe)
    assert RENAME in item["what"]
    assert "Guard" in item["what"]
    assert PROBE_URI in item["what"]


def test_a_step_failed_under_the_warned_rename_is_not_checked_but_a_kill_is_not() -> None:
    """
    A probe cut short by its step FAILED under the warned prefix (``cut_short_probe``, the step mapped to its URI) is
    not checked; one killed (``failed_probe``: no step known to have failed) still FAILs.
    """
    links = _guarded_links({"Null": {"s3:x-amz-copy-source": "false"}})
    abandoned = {PROBE_URI: {"step": "s-1", "state": "FAILED", "state_before_cancel": "FAILED", "deleted": True}}
    failed_step = cut_short_probe(["the probe step did not complete: step s-1 FAILED"], abandoned)

    assert failed_step["failed_steps"] == [PROBE_URI]
    assert verdict_with_probe(links, failed_step) == (VERDICT_NOT_CHECKED, True)
    killed = failed_probe(["the task was killed while its probe steps ran"], abandoned)
    assert verdict_with_probe(links, killed) == (VERDICT_FAIL, False)


def _copy_guard_report() -> dict[str, Any]:
    """The report of a chain with a copy guard whose probe's object was not written (``with_probe``)."""
    report = check_chain(_bucket_denies_put(healthy_state(), {"Null": {"s3:x-amz-copy-source": "false"}})).to_dict()
    return with_probe(report, _failed_probe({PROBE_URI: _not_written(PROBE_URI)}))


def test_the_operator_does_not_fail_on_a_probe_the_copy_guard_excused() -> None:
    """
    With the default flags (``fail_on_broken``), a probe failed under a copy guard, which the report says is not
    checked, does not fail the task (as the CLI's exit 5 says not checked); it raised "the live probe failed".
    """
    result = _copy_guard_report()

    assert result["verdict"] == VERDICT_NOT_CHECKED
    assert any(RENAME in item["what"] for item in result["not_checked"])
    assert verifier()._finish(result) == result


@pytest.mark.parametrize("fail_on_broken", [True, False])
def test_fail_on_not_checked_fails_on_a_probe_the_copy_guard_excused_naming_the_rename(fail_on_broken: bool) -> None:
    """``fail_on_not_checked`` fails the task on it, naming the rename; it found nothing not checked to fail on."""
    operator = verifier(fail_on_broken=fail_on_broken, fail_on_not_checked=True)

    with pytest.raises(EmrfsXacctError, match="live probe's rename"):
        operator._finish(_copy_guard_report())


def test_a_no_copies_identity_guard_on_both_roles_leaves_the_assume_and_kms_links_passing() -> None:
    """
    An identity Deny of every action where ``s3:x-amz-copy-source`` is present, on the EMR and destination roles: no
    STS or KMS request carries the key (Service Authorization Reference, "Actions, resources, and condition keys for
    Amazon S3": a key of ``s3:PutObject``'s copy; "Actions, resources, and condition keys for AWS Security Token
    Service" lists no such key), nor the job's uploads. The assume and bucket-key links were not checked.
    """
    guard = document(
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Null": {"s3:x-amz-copy-source": "false"}}}
    )
    state = healthy_state()
    state.emr_role.policies.append(("inline policy NoCopies", guard))
    state.destination_roles[ROLE].policies.append(("inline policy NoCopies", guard))

    links = by_name(check_chain(state))

    assert links["EMR role can assume destination role"].status == PASS
    assert links[f"use bucket key for {PREFIX}"].status == PASS
    assert links[WRITE].status == PASS
    assert links[RENAME].status == WARN
