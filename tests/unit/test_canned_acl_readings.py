"""
Uploads whose canned ACL has more than one possible value (``possible_canned_acls``): each value is judged.

S3 API Reference, PutObject, "Permissions": "To successfully change the objects ACL of your PutObject request, you
must have the s3:PutObjectAcl"; PublicAccessBlockConfiguration, ``BlockPublicAcls``: "PUT Object calls fail if the
request includes a public ACL". Whether EMRFS reads ``fs.s3.bucket.BUCKET.canned.acl`` is not documented (Amazon EMR
Release Guide, "Migration guide: EMRFS to S3A filesystem" shows EMRFS's bucket-level form of the SSE-KMS key only), and
with the release unknown the connector is (EMRFS or S3A). The verifier used to leave ``s3:x-amz-acl`` out of the
request and then judge neither ``s3:PutObjectAcl`` nor Block Public Access: a PASS whatever the role lacked. Refused
with every header the uploads may carry: FAIL; with some only: not checked, naming the setting; with none: as before.
The state is :func:`tests.unit.test_chain.healthy_state` (emr-6.15.0, EMRFS).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import acl_readings, possible_canned_acls, s3_request
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.documents import destination_permissions_policy, trust_statement
from airflow_provider_emrfs_xacct.pure.requests import OBJECT_ACL_ACTION, WRITE_REQUESTS, S3Call
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from tests.unit.test_chain import BUCKET, EMR_ROLE, IDENTIFIER, KEY, PREFIX, ROLE, by_name, document, healthy_state

BASE = "fs.s3.canned.acl"
PER_BUCKET = f"fs.s3.bucket.{BUCKET}.canned.acl"
#: The steps whose requests carry the upload headers: PutObject of the markers and _SUCCESS, CreateMultipartUpload.
UPLOAD_STEPS = tuple(f"{step} {PREFIX}" for step in ("mkdirs", "write files", "job commit"))


def _bucket(state: ChainState) -> BucketState:
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    return bucket


def _state(emrfs: dict[str, str], *, object_acl: bool = False, ownership: str = "ObjectWriter") -> ChainState:
    """The healthy chain on a bucket with ACLs enabled, the cluster's ``emrfs-site`` ``emrfs``."""
    state = healthy_state()
    _bucket(state).object_ownership = ownership
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": emrfs}]
    if object_acl:
        location = parse_s3_location(IDENTIFIER, "prefix", allow_bucket_root=True)
        policy = destination_permissions_policy("aws", [location], (KEY,), object_acl=True)
        state.destination_roles[ROLE] = RoleState(
            ROLE, document(trust_statement([EMR_ROLE])), [("inline policy p", policy)]
        )
    return state


def _release_unknown(state: ChainState) -> None:
    """EMRFS's fs.s3.canned.acl and S3A's own fs.s3a.acl.default differ, and the release (so the connector) is unknown."""
    state.release_label = None
    assert state.cluster_configurations is not None
    state.cluster_configurations.append(
        {"Classification": "core-site", "Properties": {"fs.s3a.acl.default": "Private"}}
    )


def _call(operation: str, step: str) -> S3Call:
    return next(call for call in WRITE_REQUESTS if call.operation == operation and call.step == step)


@pytest.mark.parametrize(
    ("emrfs", "change", "possible"),
    [
        ({BASE: "BucketOwnerFullControl"}, None, ("bucket-owner-full-control",)),  # known: as before
        (
            {BASE: "BucketOwnerFullControl", PER_BUCKET: "BucketOwnerRead"},
            None,
            ("bucket-owner-full-control", "bucket-owner-read"),
        ),
        ({BASE: "BucketOwnerFullControl"}, _release_unknown, ("bucket-owner-full-control", "private")),
    ],
    ids=["one-acl", "bucket-level-form-differs", "release-unknown"],
)
def test_put_object_acl_refused_with_every_header_the_uploads_may_carry_fails(
    emrfs: dict[str, str], change: Any, possible: tuple[str, ...]
) -> None:
    """Each reading sends an ACL, and the role has no s3:PutObjectAcl: S3 refuses the upload whichever it is."""
    state = _state(emrfs)
    if change is not None:
        change(state)
    assert possible_canned_acls(state, BUCKET) == possible

    report = check_chain(state)

    links = by_name(report)
    for step in UPLOAD_STEPS:
        assert links[step].status == FAIL, links[step]
        assert OBJECT_ACL_ACTION in links[step].detail
        if len(possible) > 1:
            assert "refused with each header the uploads may carry" in links[step].detail
            assert all(acl in links[step].detail for acl in possible)
    assert "CreateMultipartUpload" in links[f"write files {PREFIX}"].detail
    # Each header's s3:PutObjectAcl is evaluated, context included, for the simulator's second opinion.
    sent = {item.context.get("s3:x-amz-acl") for item in report.evaluated if item.action == OBJECT_ACL_ACTION}
    assert sent == set(possible)
    assert report.verdict == VERDICT_FAIL


def test_put_object_acl_refused_with_one_reading_only_is_not_checked_naming_the_setting() -> None:
    """
    Only ``fs.s3.bucket.BUCKET.canned.acl`` is set: EMRFS sends ``bucket-owner-full-control`` if it reads that form,
    no ACL otherwise. The role has no ``s3:PutObjectAcl``: refused in one reading, not in the other.
    """
    state = _state({PER_BUCKET: "BucketOwnerFullControl"})
    assert possible_canned_acls(state, BUCKET) == (None, "bucket-owner-full-control")

    report = check_chain(state)

    links = by_name(report)
    for step in UPLOAD_STEPS:
        link = links[step]
        assert link.status == UNKNOWN, link
        assert PER_BUCKET in link.detail
        assert "not documented" in link.detail
        assert "S3 refuses it with x-amz-acl bucket-owner-full-control" in link.detail
        assert "not with no ACL" in link.detail
        assert f"{BASE} and {PER_BUCKET}" in link.fix  # the settings to make one
        assert "object_acl=True" in link.fix  # or grant what the header needs
    assert report.verdict == VERDICT_NOT_CHECKED


@pytest.mark.parametrize(
    ("emrfs", "status"),
    [
        ({BASE: "PublicRead"}, FAIL),  # known: as before
        ({BASE: "PublicRead", PER_BUCKET: "PublicReadWrite"}, FAIL),  # each reading is public
        ({BASE: "PublicRead", PER_BUCKET: "BucketOwnerRead"}, UNKNOWN),  # one reading is public
        ({PER_BUCKET: "AuthenticatedRead"}, UNKNOWN),  # public, or no ACL
        ({BASE: "BucketOwnerFullControl", PER_BUCKET: "BucketOwnerRead"}, PASS),  # neither is public
    ],
)
def test_block_public_acls_judges_each_canned_acl_the_uploads_may_carry(emrfs: dict[str, str], status: str) -> None:
    """BlockPublicAcls on: "PUT Object calls fail if the request includes a public ACL", whoever sends it."""
    state = _state(emrfs, object_acl=True, ownership="BucketOwnerPreferred")
    _bucket(state).block_public_acls = True
    state.account_block_public_acls = False
    state.account_restrict_public_buckets = False

    links = by_name(check_chain(state))

    for step in UPLOAD_STEPS:
        assert links[step].status == status, links[step]
        if status != PASS:
            assert "BlockPublicAcls" in links[step].detail
        if status == UNKNOWN:
            assert PER_BUCKET in links[step].detail


def test_an_upload_allowed_with_every_header_it_may_carry_passes() -> None:
    """
    The role may put object ACLs, and the bucket policy denies only public-read uploads: the uploads carry
    bucket-owner-full-control or bucket-owner-read, each allowed (the condition on s3:x-amz-acl was not checked).
    """
    state = _state({BASE: "BucketOwnerFullControl", PER_BUCKET: "BucketOwnerRead"}, object_acl=True)
    _bucket(state).policy = document(
        {
            "Sid": "NoPublicUploads",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read"}},
        }
    )

    report = check_chain(state)

    assert all(by_name(report)[step].status == PASS for step in UPLOAD_STEPS), report.table()
    assert report.verdict == VERDICT_PASS, report.table()


def test_a_bucket_policy_refusing_one_reading_leaves_the_upload_not_checked() -> None:
    """A Deny of uploads without bucket-owner-full-control refuses the reading that sends no ACL only."""
    state = _state({PER_BUCKET: "BucketOwnerFullControl"}, object_acl=True)
    _bucket(state).policy = document(
        {
            "Sid": "OwnerFullControl",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        }
    )

    link = by_name(check_chain(state))[f"mkdirs {PREFIX}"]

    assert link.status == UNKNOWN, link
    assert "S3 refuses it with no ACL" in link.detail
    assert "OwnerFullControl" in link.detail


def test_acl_readings_gives_one_request_per_header_and_no_header_known_absent() -> None:
    state = _state({PER_BUCKET: "BucketOwnerFullControl"})
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    upload, part = _call("CreateMultipartUpload", "write files"), _call("UploadPart", "write files")
    request = s3_request(state, role, upload, _bucket(state), BUCKET, "exports")
    part_request = s3_request(state, role, part, _bucket(state), BUCKET, "exports")
    assert request is not None
    assert part_request is not None
    assert "s3:x-amz-acl" not in request.context  # not known on its own

    bare, with_acl = acl_readings(state, upload, BUCKET, request)

    assert "s3:x-amz-acl" not in bare.context
    assert bare.known_absent is not None
    assert "s3:x-amz-acl" in bare.known_absent
    assert with_acl.context["s3:x-amz-acl"] == "bucket-owner-full-control"
    assert with_acl.known_absent is not None
    assert "s3:x-amz-acl" not in with_acl.known_absent
    assert acl_readings(state, part, BUCKET, part_request) == (part_request,)  # UploadPart carries no ACL
