"""
What a passing live probe settles of the step links: only what its write sends, as the same role.

The probe is ``hadoop fs -put -f - PREFIX<probe key>/<uuid>`` (``verify.probe_step``): getFileStatus (HEAD, listing),
one small PutObject of ``<key>._COPYING_`` and its rename (a copy, then a delete): ``contexts.PROBE_REQUESTS``. A link
left not checked on a request of another action (the multipart uploads' listing and abort, a delete) is not settled
by its passing: IAM User Guide, "Policy evaluation logic" (a request is decided by the statements matching its action,
resource and context), so the probe's allowed requests say nothing of another action's.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    PROBE_KMS_CALLS,
    PROBE_REQUESTS,
    PROBE_S3_CALLS,
    UPLOAD_HEADER_KEYS,
    has_condition_on,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    PASS,
    PROBE_FIX,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.s3_access import NOT_SETTLED_BY_PROBE_FIX
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
from airflow_provider_emrfs_xacct.pure.requests import OBJECT_ACL_ACTION, WRITE_REQUESTS
from tests.unit.test_chain import BUCKET, PREFIX, ROLE, by_name, document, healthy_state

#: What a passing probe under the mapping's prefix reports (``probe.routes``: its URI and the mapping it went through).
PASSED = {"ok": True, "routes": {f"{PREFIX}_emrfs_xacct_probe/x": 0}}
OUTSIDE_THE_ENDPOINT = {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}


def _bucket_denies(state: ChainState, actions: list[str], condition: dict[str, Any]) -> ChainState:
    """The bucket policy denies ``actions`` under ``condition`` (a key the verifier does not know: not checked)."""
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = document(
        {
            "Sid": "OnlyThroughTheEndpoint",
            "Effect": "Deny",
            "Principal": "*",
            "Action": actions,
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": condition,
        }
    )
    return state


def _links(state: ChainState) -> list[dict[str, Any]]:
    return [link.to_dict() for link in check_chain(state).links]


def test_a_link_on_actions_the_probe_never_sends_is_not_settled_by_its_passing() -> None:
    """The reproduction: a Deny of the multipart cleanup's actions outside an endpoint, then a passing probe."""
    state = _bucket_denies(
        healthy_state(), ["s3:ListBucketMultipartUploads", "s3:AbortMultipartUpload"], OUTSIDE_THE_ENDPOINT
    )

    report = check_chain(state)

    link = by_name(report)[f"abort pending uploads {PREFIX}"]
    assert link.status == UNKNOWN
    assert not link.probe_settles
    assert PROBE_FIX not in link.fix  # the probe is not offered as the way to settle it
    assert link.fix == NOT_SETTLED_BY_PROBE_FIX
    assert report.verdict == VERDICT_NOT_CHECKED
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


@pytest.mark.parametrize(
    ("actions", "step"),
    [
        (["s3:DeleteObject"], "job commit"),  # the rename's delete: a refused one may not fail the put
        (["s3:ListMultipartUploadParts"], "write files"),  # ListParts, optional: a WARN when refused, never sent
    ],
)
def test_other_actions_the_probe_does_not_show_allowed_stay_not_checked(actions: list[str], step: str) -> None:
    state = _bucket_denies(healthy_state(), actions, OUTSIDE_THE_ENDPOINT)

    link = by_name(check_chain(state))[f"{step} {PREFIX}"]

    assert link.status == UNKNOWN
    assert not link.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


@pytest.mark.parametrize("actions", [["s3:PutObject"], ["s3:GetObject"], ["s3:ListBucket"], ["s3:PutObject*"]])
def test_a_link_on_what_the_probe_sends_as_the_same_role_is_settled(actions: list[str]) -> None:
    """
    The probe sends HEADs and a listing (s3:GetObject, s3:ListBucket) and an upload (s3:PutObject): where only they
    are unknown, its passing settles them. An upload's parts carry none of the upload headers: they count as the
    probe's upload here, no statement testing those headers.
    """
    state = _bucket_denies(healthy_state(), actions, OUTSIDE_THE_ENDPOINT)

    report = check_chain(state)

    assert report.verdict == VERDICT_NOT_CHECKED
    assert all(link.probe_settles for link in report.links if link.status == UNKNOWN), report.table()
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_PASS, True)


def test_an_upload_part_is_not_the_probes_upload_where_a_statement_tests_the_upload_headers() -> None:
    """
    A Deny of uploads without x-amz-server-side-encryption outside the endpoint: an UploadPart carries no such header
    (S3 API Reference, UploadPart), so it depends on the endpoint, while the probe's PutObject carries it and is not
    refused: its passing says nothing of the parts.
    """
    condition = {**OUTSIDE_THE_ENDPOINT, "Null": {"s3:x-amz-server-side-encryption": "true"}}
    state = _bucket_denies(healthy_state(), ["s3:PutObject"], condition)
    state.cluster_configurations = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.enableServerSideEncryption": "true"}}
    ]

    write = by_name(check_chain(state))[f"write files {PREFIX}"]

    assert write.status == UNKNOWN
    assert "UploadPart" in write.detail
    assert not write.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_the_probe_s_requests_are_defined_once() -> None:
    """The key link's calls (PROBE_KMS_CALLS) and the step links' (PROBE_S3_CALLS) derive from PROBE_REQUESTS."""
    assert PROBE_KMS_CALLS == (("kms:GenerateDataKey", True),)
    assert {(request.action, request.headers) for request in PROBE_REQUESTS} == PROBE_S3_CALLS
    assert {
        ("s3:GetObject", False),
        ("s3:ListBucket", False),
        ("s3:PutObject", True),
        (OBJECT_ACL_ACTION, True),
    } == PROBE_S3_CALLS
    # Each is a request of the write's own table (the ACL's: the PutObjectAcl of an upload carrying x-amz-acl).
    sent = {(call.action, call.headers) for call in WRITE_REQUESTS} | {(OBJECT_ACL_ACTION, True)}
    assert sent >= PROBE_S3_CALLS
    # Not the multipart uploads' listing and abort, nor the deletes.
    assert not {action for action, _ in PROBE_S3_CALLS} & {
        "s3:ListBucketMultipartUploads",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:DeleteObject",
    }


@pytest.mark.parametrize(
    ("policy", "tests"),
    [
        (document({"Effect": "Deny", "Condition": {"Null": {"S3:X-Amz-Server-Side-Encryption": "true"}}}), True),
        ('{"Statement": {"Condition": {"StringEquals": {"s3:x-amz-acl": "private"}}}}', True),  # JSON text
        ("not json", True),  # not known: taken to test them
        (document({"Effect": "Deny", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}), False),
        (None, False),
    ],
)
def test_whether_a_policy_tests_the_upload_headers(policy: Any, tests: bool) -> None:
    assert has_condition_on(policy, UPLOAD_HEADER_KEYS) is tests


def test_an_identifier_the_verifier_cannot_read_is_not_settled_by_a_passing_probe() -> None:
    """
    A mapping's identifier of another form than ``s3://bucket/prefix`` (``s3a://``) is one the probe does not write
    under (it lists it as not probed): its "cannot check this identifier" link stays not checked after a passing probe.
    """
    state = healthy_state()
    mappings = state.security_configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    mappings.append({"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3a://other-bucket/x/"]})

    [link] = [link for link in check_chain(state).links if link.link == "access to s3a://other-bucket/x/"]

    assert link.status == UNKNOWN
    assert not link.probe_settles
    assert link.prefix == "s3a://other-bucket/x/"
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)


def test_a_multipart_upload_is_not_the_probes_put_where_a_statement_tests_the_operation() -> None:
    """
    A Deny of multipart uploads outside the endpoint (``s3:ObjectCreationOperation``: S3 User Guide, "Enforce
    conditional writes on Amazon S3 buckets"): the probe sends a PutObject, not a CreateMultipartUpload, so its
    passing settles neither that request nor the parts. The job's own PutObjects (its markers) carry ``true`` (the same
    page: "All PutObject and CompleteMultipartUpload requests"), which the Deny does not name: allowed.
    """
    condition = {**OUTSIDE_THE_ENDPOINT, "StringEquals": {"s3:ObjectCreationOperation": "CreateMultipartUpload"}}
    state = _bucket_denies(healthy_state(), ["s3:PutObject"], condition)

    links = by_name(check_chain(state))
    write, mkdirs = links[f"write files {PREFIX}"], links[f"mkdirs {PREFIX}"]

    assert (write.status, mkdirs.status) == (UNKNOWN, PASS)
    assert "CreateMultipartUpload" in write.detail
    assert not write.probe_settles
    assert verdict_with_probe(_links(state), PASSED) == (VERDICT_NOT_CHECKED, True)
