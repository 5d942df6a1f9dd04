"""
A prefix taken out of the provider's inline policy by hand, as the kept-access warning says to remove one.

The warning and docs/howto/destination_role.md say: remove an old prefix by hand from ``EmrfsXacctObjects`` of
``emrfs-xacct-destination-access`` (or the EMR EC2 role's option (a) policy), "the next run keeps what is left".
What the provider wrote for that prefix elsewhere (its bucket in ``EmrfsXacctList`` and
``EmrfsXacctBucketLocation`` when it was the bucket's last, its objects in ``EmrfsXacctObjectAcl``, its key and
folder marker) must go with it on the next write, not be refused as someone else's addition; what someone else
did add (another bucket, a wildcard) is still refused. The judge is the writer's own document for the prefixes
left: the next write must be exactly it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import merge_owned_statements, same_meaning
from airflow_provider_emrfs_xacct.pure.validation import S3Location

LOCATIONS = [
    S3Location("old-bucket", "exports/"),
    S3Location("old-bucket", "exports/daily/"),
    S3Location("new-bucket", "exports-2026/"),
    S3Location("new-bucket", "a/b/c/"),
]
AUDIT = {"Sid": "Audit", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::old-bucket/*"}


def next_write(current: dict[str, Any], asked: set[S3Location]) -> dict[str, Any]:
    """The destination role's next write as ``IamHook.ensure_destination_access`` composes it."""
    held, _ = documents.locations_in_permissions_policy(current)
    locations = held | asked
    ours = documents.destination_permissions_policy("aws", locations, object_acl=True)
    widest = documents.destination_permissions_policy("aws", locations, object_acl=True)
    removed = documents.remains_of_removed_prefixes(current, locations)
    return merge_owned_statements(current, ours, documents.is_owned_destination_sid, widest=widest, dropping=removed)


def removed_by_hand(policy: dict[str, Any], gone: set[S3Location], *, only_the_wildcard: bool) -> dict[str, Any]:
    """Take prefixes out of ``EmrfsXacctObjects`` by hand: their ``prefix/*`` only, or all three of their ARNs."""
    edited = copy.deepcopy(policy)
    for statement in edited["Statement"]:
        if statement["Sid"] == documents.OBJECTS_SID:
            unwanted = {arn for location in gone for arn in documents.object_resources("aws", location)}
            if only_the_wildcard:
                unwanted = {arn for arn in unwanted if arn.endswith("*")}
            statement["Resource"] = [arn for arn in statement["Resource"] if arn not in unwanted]
    return edited


@settings(max_examples=60, deadline=None)
@given(
    held=st.sets(st.sampled_from(LOCATIONS), min_size=2),
    data=st.data(),
    only_the_wildcard=st.booleans(),
)
def test_the_next_write_after_a_prefix_removed_by_hand_is_the_writers_own_for_what_is_left(
    held: set[S3Location], data: st.DataObject, only_the_wildcard: bool
) -> None:
    gone = data.draw(st.sets(st.sampled_from(sorted(held)), min_size=1, max_size=len(held) - 1))
    left = held - gone
    written = documents.destination_permissions_policy("aws", held, object_acl=True)
    written["Statement"].append(AUDIT)

    result = next_write(removed_by_hand(written, gone, only_the_wildcard=only_the_wildcard), left)

    expected = documents.destination_permissions_policy("aws", left, object_acl=True)
    expected["Statement"].append(AUDIT)
    assert same_meaning(result, expected), json.dumps(result, indent=1)
    ours = json.dumps([statement for statement in result["Statement"] if statement["Sid"] != AUDIT["Sid"]])
    for location in gone:  # nothing of a removed prefix's bucket is left unless a prefix there is
        if location.bucket not in {kept.bucket for kept in left}:
            assert f"arn:aws:s3:::{location.bucket}" not in ours


def test_the_remains_are_only_what_the_provider_writes_for_a_prefix() -> None:
    written = documents.destination_permissions_policy("aws", LOCATIONS[:3], object_acl=True)
    policy = removed_by_hand(written, {LOCATIONS[0], LOCATIONS[2]}, only_the_wildcard=False)

    assert documents.remains_of_removed_prefixes(policy, {LOCATIONS[1]}) == {
        "arn:aws:s3:::new-bucket",  # EmrfsXacctList and EmrfsXacctBucketLocation
        "arn:aws:s3:::new-bucket/exports-2026/*",  # EmrfsXacctObjectAcl, with its key and marker
        "arn:aws:s3:::new-bucket/exports-2026",
        "arn:aws:s3:::new-bucket/exports-2026_$folder$",
        "arn:aws:s3:::old-bucket/exports/*",
        "arn:aws:s3:::old-bucket/exports",
        "arn:aws:s3:::old-bucket/exports_$folder$",
    }
    assert documents.remains_of_removed_prefixes(None, set()) == set()


@pytest.mark.parametrize(
    ("sid", "added", "refused"),
    [
        (documents.LIST_SID, "arn:aws:s3:::old-bucket/*", "old-bucket/\\*"),  # objects in the bucket statement
        (documents.LIST_SID, "arn:aws:s3:::*", "arn:aws:s3:::\\*"),
        (documents.BUCKET_LOCATION_SID, "arn:aws:s3:::other-*", "other-\\*"),
        (documents.OBJECT_ACL_SID, "arn:aws:s3:::old-bucket/exports/*/x", "exports/\\*/x"),
        (documents.OBJECT_ACL_SID, "arn:aws:s3:::old-bucket/exports/", "exports/'"),
        (documents.OBJECTS_SID, "arn:aws:s3:::old-bucket/exports/", "exports/'"),
        (documents.OBJECT_ACL_SID, "arn:aws:s3:::old-bucket", "old-bucket'"),
        # Plain ARNs of another shape than the provider's complete sets: still someone else's.
        (documents.LIST_SID, "arn:aws:s3:::reports-bucket", "reports-bucket'"),  # not in EmrfsXacctBucketLocation
        (documents.BUCKET_LOCATION_SID, "arn:aws:s3:::reports-bucket", "reports-bucket'"),
        (documents.OBJECTS_SID, "arn:aws:s3:::old-bucket/config/settings.json", "settings.json'"),  # no marker
        (documents.OBJECTS_SID, "arn:aws:s3:::lookup-bucket/table.csv", "table.csv'"),
        (documents.OBJECT_ACL_SID, "arn:aws:s3:::old-bucket/shared/*", "shared/\\*'"),  # not its key and marker
    ],
)
def test_what_someone_else_added_to_the_provider_statements_is_still_refused(
    sid: str, added: str, refused: str
) -> None:
    """Only the shapes the provider writes for a prefix go with it; anything else is kept by refusing the write."""
    policy = documents.destination_permissions_policy("aws", {LOCATIONS[1]}, object_acl=True)
    for statement in policy["Statement"]:
        if statement["Sid"] == sid:
            statement["Resource"] = [*statement["Resource"], added]

    with pytest.raises(ConflictError, match=f"statement '{sid}' holds the (wildcard )?resource '.*{refused}"):
        next_write(policy, {LOCATIONS[1]})


def test_a_bucket_someone_elses_allow_names_keeps_what_the_provider_wrote_there() -> None:
    """
    A prefix moved into a statement of one's own (to put a Condition on it, say) still needs the bucket's listing
    (Amazon S3 API Reference, HeadObject: without ``s3:ListBucket`` a missing key answers 403, not 404): nothing of
    that bucket is taken as left behind, and the write is refused as before, naming the bucket.
    """
    written = documents.destination_permissions_policy("aws", {LOCATIONS[1], LOCATIONS[2]}, object_acl=True)
    mine = {"Sid": "MyExports", "Effect": "Allow", "Action": "s3:PutObject", "Resource": []}
    for statement in written["Statement"]:
        if statement["Sid"] == documents.OBJECTS_SID:
            moved = documents.object_resources("aws", LOCATIONS[2])
            statement["Resource"] = [arn for arn in statement["Resource"] if arn not in moved]
            mine["Resource"] = moved
    written["Statement"].append(mine)

    assert documents.remains_of_removed_prefixes(written, {LOCATIONS[1]}) == set()
    with pytest.raises(ConflictError, match="'arn:aws:s3:::new-bucket"):
        next_write(written, {LOCATIONS[1]})
    mine["Resource"] = "arn:aws:s3:::new-*/*"  # a wildcard naming it too
    assert documents.remains_of_removed_prefixes(written, {LOCATIONS[1]}) == set()
    mine["Effect"] = "Deny"  # a Deny relies on no grant: what was left behind goes
    assert "arn:aws:s3:::new-bucket" in documents.remains_of_removed_prefixes(written, {LOCATIONS[1]})


def test_a_complete_set_for_a_wildcard_prefix_is_not_taken_as_left_behind() -> None:
    """The provider writes no wildcard prefix: its three ARNs, added to the ACL statement by hand, are refused."""
    policy = documents.destination_permissions_policy("aws", {LOCATIONS[1]}, object_acl=True)
    added = documents.object_resources("aws", S3Location("old-bucket", "ex*/"))
    for statement in policy["Statement"]:
        if statement["Sid"] == documents.OBJECT_ACL_SID:
            statement["Resource"] = [*statement["Resource"], *added]

    assert documents.remains_of_removed_prefixes(policy, {LOCATIONS[1]}) == set()
    with pytest.raises(ConflictError, match="'EmrfsXacctObjectAcl' holds the wildcard resource"):
        next_write(policy, {LOCATIONS[1]})
