"""
The condition keys of a rename (a CopyObject: ``s3:x-amz-copy-source``), the live probe's and a job's without the EMRFS
S3-optimized committer, and of the job's uploads (``s3:ObjectCreationOperation``), as the verifier models them.

Amazon EMR Release Guide, "Use the EMRFS S3-optimized committer": the committer, which avoids "list and rename
operations", is "used for Spark jobs that use Spark SQL, DataFrames, or Datasets", and "There are circumstances under
which the committer is not used"; "Enabling Hive EMRFS S3 optimized committer": Hive's only with
``hive.blobstore.use.output-committer`` true. Other jobs rename their output: on S3 a copy and a delete (S3 User Guide,
"Copying, moving, and renaming objects").

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
    VERDICT_PASS,
    WARN,
    add_probe_object,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.requests import PART
from tests.unit.operators.test_verify import verifier
from tests.unit.test_chain import BUCKET, KEY, PREFIX, ROLE, by_name, document, healthy_state

WRITE = f"write files {PREFIX}"
#: The link of a job's rename (``requests.RENAME_REQUESTS``).
JOB_RENAME = f"rename {PREFIX}"
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


def test_a_copy_guard_warns_that_jobs_which_rename_fail_naming_the_statement() -> None:
    """
    A Deny of server-side copies (``Null s3:x-amz-copy-source false``, the S3 User Guide's example): the uploads of a
    Spark SQL write through the S3-optimized committer carry no copy source and pass; the rename of a Hive INSERT, an
    RDD's saveAsTextFile or any FileOutputCommitter job (a CopyObject, ``s3:PutObject`` carrying the key) is refused:
    a WARN naming the statement and those jobs, the verdict still PASS (the verifier cannot know which job runs). The
    verifier took every write for the S3-optimized committer's: no rename link, nothing said of those jobs' 403.
    """
    state = _bucket_denies_put(healthy_state(), {"Null": {"s3:x-amz-copy-source": "false"}})

    report = check_chain(state)
    links = by_name(report)

    assert links[WRITE].status == PASS
    assert all(link.status != FAIL for link in report.links)
    rename = links[JOB_RENAME]
    assert rename.status == WARN
    assert rename.detail.startswith(f"CopyObject {PREFIX}{PART}")
    assert "Guard" in rename.statement
    for job in ("Hive", "RDD", "FileOutputCommitter", "S3-optimized committer"):
        assert job in rename.detail
    assert "hive.blobstore.use.output-committer" in rename.fix
    assert report.verdict == VERDICT_PASS
    probe_rename = links[RENAME]
    assert probe_rename.status == WARN
    assert "CopyObject" in probe_rename.detail
    assert "Guard" in probe_rename.statement


def test_a_probe_failed_under_a_copy_guard_fails_the_verdict_as_the_rename_warns() -> None:
    """
    The probe's put -f renames as those jobs do: its failure under the copy guard shows their renames refused, a FAIL.
    It was excused as NOT_CHECKED, "proves nothing about the job's writes".
    """
    state = _bucket_denies_put(healthy_state(), {"Null": {"s3:x-amz-copy-source": "false"}})
    dicts = [link.to_dict() for link in check_chain(state).links]

    assert verdict_with_probe(dicts, FAILED_PROBE) == (VERDICT_FAIL, False)
    assert "fails under that statement" in by_name(check_chain(state))[RENAME].detail


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
    job_rename = links[JOB_RENAME]
    assert job_rename.status == WARN
    assert "not known" in job_rename.detail
    assert "s3:x-amz-copy-source" in job_rename.detail
    assert "Hive" in job_rename.detail


def test_no_rename_warning_without_a_copy_guard() -> None:
    """A healthy chain has no warning of the probe's rename, and a job's rename passes: the verdict PASS."""
    report = check_chain(healthy_state())
    links = by_name(report)

    assert RENAME not in links
    assert links[JOB_RENAME].status == PASS
    assert report.verdict == VERDICT_PASS


def test_a_rename_refused_the_read_of_its_source_is_not_checked_as_every_step() -> None:
    """
    A Deny of ``s3:GetObject`` under ``_temporary/0/`` only: the rename's CopyObject reads its source (S3 API Reference,
    CopyObject, "Permissions"), but ``_temporary/0/part-00000`` is the verifier's stand-in and the statement decides
    only some keys under the prefix (a retried attempt writes under ``_temporary/1/``): the rename is "not checked" as
    every other step is, naming the statement (regression review J35: it was a certain WARN).
    """
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = document(
        {
            "Sid": "NoTemporaryReads",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/exports/_temporary/0/*",
        }
    )

    links = by_name(check_chain(state))

    assert links[JOB_RENAME].status == UNKNOWN
    assert links[JOB_RENAME].detail.startswith("GetObject")
    assert "decides only some keys" in links[JOB_RENAME].detail
    assert "NoTemporaryReads" in links[JOB_RENAME].statement


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


def test_a_failure_under_a_prefix_without_a_warned_rename_still_fails_the_verdict() -> None:
    """
    Two probe targets, the copy guard on the first's bucket only: the second's object not written is a refused write
    the guard does not explain, and FAILs, even with the first's excused. The first's warning hid it.
    """
    links = _guarded_links()
    probe = _failed_probe({PROBE_URI: _not_written(PROBE_URI), OTHER_URI: _not_written(OTHER_URI)})

    assert verdict_with_probe(links, probe) == (VERDICT_FAIL, False)


def test_a_probe_not_written_under_the_warned_rename_fails_the_verdict() -> None:
    """The copy guard's own failure (the object not written, under its prefix) is a FAIL; it was NOT_CHECKED, healthy."""
    links = _guarded_links()
    probe = _failed_probe({PROBE_URI: _not_written(PROBE_URI)})

    assert verdict_with_probe(links, probe) == (VERDICT_FAIL, False)


def test_a_step_failed_or_killed_under_the_warned_rename_fails() -> None:
    """
    A probe cut short by its step FAILED under the warned prefix (``cut_short_probe``, the step mapped to its URI) and
    one killed (``failed_probe``) both FAIL; the first was NOT_CHECKED.
    """
    links = _guarded_links({"Null": {"s3:x-amz-copy-source": "false"}})
    abandoned = {PROBE_URI: {"step": "s-1", "state": "FAILED", "state_before_cancel": "FAILED", "deleted": True}}
    failed_step = cut_short_probe(["the probe step did not complete: step s-1 FAILED"], abandoned)

    assert failed_step["failed_steps"] == [PROBE_URI]
    assert verdict_with_probe(links, failed_step) == (VERDICT_FAIL, False)
    killed = failed_probe(["the task was killed while its probe steps ran"], abandoned)
    assert verdict_with_probe(links, killed) == (VERDICT_FAIL, False)


def _copy_guard_report() -> dict[str, Any]:
    """The report of a chain with a copy guard whose probe's object was not written (``with_probe``)."""
    report = check_chain(_bucket_denies_put(healthy_state(), {"Null": {"s3:x-amz-copy-source": "false"}})).to_dict()
    return with_probe(report, _failed_probe({PROBE_URI: _not_written(PROBE_URI)}))


def test_the_operator_fails_on_a_probe_failed_under_the_copy_guard() -> None:
    """
    With the default flags (``fail_on_broken``), a probe failed under a copy guard fails the task, as the report's
    FAIL says; it was excused (NOT_CHECKED) and the task passed.
    """
    result = _copy_guard_report()

    assert result["verdict"] == VERDICT_FAIL
    assert not any(RENAME in item["what"] for item in result["not_checked"])
    with pytest.raises(EmrfsXacctError, match="the live probe failed"):
        verifier()._finish(result)


def test_without_fail_on_broken_the_report_of_a_probe_failed_under_the_copy_guard_is_returned() -> None:
    """``fail_on_broken=False``: the task returns the FAIL report, even with ``fail_on_not_checked``."""
    result = _copy_guard_report()

    assert verifier(fail_on_broken=False, fail_on_not_checked=True)._finish(result) == result


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
    assert links[JOB_RENAME].status == WARN


def test_the_rename_keeps_some_keys_only_like_the_other_steps() -> None:
    """
    A bucket Deny of ``s3:GetObject`` on ``exports/_temporary/0/part-*`` decides only some keys the job reads: every
    step it touches is "not checked", and so is the rename, whose ``_temporary/0/part-00000`` is the verifier's own
    stand-in (a FileOutputCommitter's keys are ``_temporary/<attempt>/<task>/part-...``: Hadoop MapReduce,
    ``FileOutputCommitter``). The rename was rebuilt from its raw outcomes after the layers: a certain WARN.
    """
    state = healthy_state()
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "NoPartGet",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/exports/_temporary/0/part-*",
        }
    )
    links = by_name(check_chain(state))

    assert links[f"mkdirs {PREFIX}"].status == UNKNOWN
    assert links[JOB_RENAME].status == UNKNOWN, links[JOB_RENAME].detail
    assert "decides only some keys" in links[JOB_RENAME].detail
    assert "NoPartGet" in links[JOB_RENAME].statement


@pytest.mark.parametrize(
    "condition",
    [
        {"Null": {"s3:x-amz-metadata-directive": "true"}},
        {"StringNotLike": {"s3:x-amz-copy-source": f"{BUCKET}/elsewhere/*"}},
        {"StringNotEqualsIfExists": {"s3:x-amz-copy-source": "x/y"}},
    ],
    ids=["metadata-directive-null", "copy-source-not-like", "copy-source-not-equals-if-exists"],
)
def test_the_rename_fails_with_the_uploads_its_statement_refuses(condition: dict[str, Any]) -> None:
    """
    A Deny of ``s3:PutObject`` on a condition key the uploads do not carry refuses every upload (a ``FAIL``) and leaves
    the rename's CopyObject, which carries it, undetermined: the same statement, refused alike, so the rename FAILs with
    them. Compared with the decision's reason too ("depends on condition" against "explicitly denied"), it was a WARN
    saying Spark SQL writes pass.
    """
    links = by_name(check_chain(_bucket_denies_put(healthy_state(), condition)))

    assert links[WRITE].status == FAIL
    assert links[JOB_RENAME].status == FAIL, links[JOB_RENAME].detail
    assert links[JOB_RENAME].statement == "bucket policy: Sid Guard"
    assert "as the write's own requests are" in links[JOB_RENAME].detail
    assert "Spark SQL" not in links[JOB_RENAME].fix


def test_a_probe_failed_under_the_copy_guard_names_the_guard_and_its_fix() -> None:
    """
    The report's probe problems and the task's error name the statement and the fix of the probe's rename warning the
    failed object sits under; "was not written" alone named neither.
    """
    result = _copy_guard_report()
    named = f"under {RENAME}: bucket policy: Sid Guard (fix: "

    assert any(problem.startswith(named) for problem in result["probe"]["problems"])
    with pytest.raises(EmrfsXacctError, match=r"was not written.*Sid Guard \(fix: the bucket's owner lets"):
        verifier()._finish(result)


def test_a_probe_failed_elsewhere_names_no_rename_warning() -> None:
    """A failed probe object outside the warned prefix names none of its warnings: the guard does not explain it."""
    links = _guarded_links()
    result = with_probe({"links": links, "verdict": VERDICT_FAIL}, _failed_probe({OTHER_URI: _not_written(OTHER_URI)}))

    assert result["probe"]["problems"] == [f"{OTHER_URI} was not written"]


def test_a_key_policy_deny_of_decrypt_under_temporary_names_the_renames_source() -> None:
    """
    The rename's copy decrypts its source under SSE-KMS (S3 API Reference, "CopyObject", "Permissions": an SSE-KMS
    source needs ``kms:Decrypt``, an SSE-KMS target ``kms:GenerateDataKey``), the source's ARN being the encryption
    context: a key policy Deny of ``kms:Decrypt`` for ``exports/_temporary/*`` refuses it. The rename made no KMS call:
    the key link was only "not checked". The link names the rename whose call it is.
    """
    from tests.unit.test_chain import ADMIN_STATEMENT, ROOT_STATEMENT, key_users_statement

    state = healthy_state()
    deny = {
        "Sid": "NoTmpDecrypt",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET}/exports/_temporary/*"}
        },
    }
    state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT, key_users_statement([ROLE]), deny)
    link = by_name(check_chain(state))[f"use bucket key for {PREFIX}"]

    assert link.status == FAIL, link.detail
    assert (
        f"S3 makes this call for object arn:aws:s3:::{BUCKET}/exports/_temporary/0/{PART} (the rename of" in link.detail
    )
