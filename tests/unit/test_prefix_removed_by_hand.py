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


def removed_beside(foreign: dict[str, Any]) -> dict[str, Any]:
    """``new-bucket``'s prefix taken out of ``EmrfsXacctObjects`` by hand, and ``foreign`` (someone's own) added."""
    written = documents.destination_permissions_policy("aws", {LOCATIONS[1], LOCATIONS[2]}, object_acl=True)
    edited = removed_by_hand(written, {LOCATIONS[2]}, only_the_wildcard=False)
    edited["Statement"].append({"Sid": "MyExports", "Effect": "Allow", **foreign})
    return edited


def providers(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """The provider's statements of ``policy``."""
    return [statement for statement in policy["Statement"] if documents.is_owned_destination_sid(statement["Sid"])]


#: What the provider wrote for ``new-bucket``'s prefix alone, once that prefix is out of ``EmrfsXacctObjects``.
NEW_BUCKET_REMAINS = {"arn:aws:s3:::new-bucket", *documents.object_resources("aws", LOCATIONS[2])}


def test_a_not_resource_allow_naming_another_bucket_keeps_what_the_provider_wrote_for_this_one() -> None:
    """
    ``NotResource`` "matches every resource except those specified" (IAM User Guide, "IAM JSON policy elements:
    NotResource"): an ``Allow`` leaving out ``unrelated-bucket`` allows ``s3:PutObject`` in ``new-bucket``, which
    still needs the bucket's listing (HeadObject answers 403, not 404, without ``s3:ListBucket``). Before, the bucket
    it leaves out counted as the one it names: ``new-bucket``'s grants were dropped.
    """
    policy = removed_beside({"Action": "s3:PutObject", "NotResource": "arn:aws:s3:::unrelated-bucket/*"})

    assert documents.remains_of_removed_prefixes(policy, {LOCATIONS[1]}) == set()
    with pytest.raises(ConflictError, match="'arn:aws:s3:::new-bucket"):
        next_write(policy, {LOCATIONS[1]})
    # Leaving out part of the bucket only (not its own ARN, one prefix, another partition's) still covers the rest.
    for not_resource in (
        "arn:aws:s3:::new-bucket/*",
        ["arn:aws:s3:::new-bucket", "arn:aws:s3:::new-bucket/exports-2026/*"],
        ["arn:aws-cn:s3:::new-bucket", "arn:aws-cn:s3:::new-bucket/*"],
    ):
        policy = removed_beside({"Action": "s3:PutObject", "NotResource": not_resource})
        assert documents.remains_of_removed_prefixes(policy, {LOCATIONS[1]}) == set(), not_resource


@pytest.mark.parametrize(
    "not_resource",
    [
        ["arn:aws:s3:::new-bucket", "arn:aws:s3:::new-bucket/*"],  # exactly the bucket and all its objects
        "arn:aws:s3:::new-*",  # a last * in a segment matches the slash too (IAM User Guide, "... Resource")
        "*",
    ],
)
def test_a_not_resource_allow_leaving_out_the_whole_bucket_does_not_keep_it(not_resource: Any) -> None:
    """Before, the bucket a ``NotResource`` leaves out counted as named: what was left behind there was refused."""
    policy = removed_beside({"Action": "s3:PutObject", "NotResource": not_resource})

    assert documents.remains_of_removed_prefixes(policy, {LOCATIONS[1]}) == NEW_BUCKET_REMAINS
    assert "new-bucket" not in json.dumps(providers(next_write(policy, {LOCATIONS[1]})))


@pytest.mark.parametrize(
    "foreign",
    [
        {"Action": "s3:PutObject", "Resource": "arn:aws:s3:::new*x"},  # a * spans the slash: new-bucket/...x
        {"Action": "s3:PutObject", "Resource": "arn:aws:s3:*:*:new-bucket/*"},  # wildcard region and account
        {"Action": "s3:PutObject", "Resource": "arn:aws:s3:::${aws:PrincipalTag/bucket}/*"},  # any bucket, maybe
        {"Action": "s3:PutObject"},  # neither Resource nor NotResource: not known, kept
    ],
)
def test_an_allow_that_may_cover_the_bucket_keeps_what_the_provider_wrote_there(foreign: dict[str, Any]) -> None:
    """When in doubt, what the provider wrote for the bucket is kept (and the write refused, naming it)."""
    policy = removed_beside(foreign)

    assert documents.remains_of_removed_prefixes(policy, {LOCATIONS[1]}) == set()
    with pytest.raises(ConflictError, match="'arn:aws:s3:::new-bucket"):
        next_write(policy, {LOCATIONS[1]})


@pytest.mark.parametrize(
    "foreign",
    [
        {"Action": "kms:Decrypt", "Resource": "*"},
        {"Action": ["sqs:SendMessage", "ec2:Describe*"], "Resource": "*"},
        {"NotAction": "S3:*", "Resource": "*"},  # action names are case insensitive (IAM User Guide, "... Action")
        {"NotAction": "*", "Resource": "*"},
    ],
)
def test_an_allow_of_no_s3_action_does_not_keep_the_bucket(foreign: dict[str, Any]) -> None:
    """Only a statement that may allow an S3 action may rely on the provider's listing of the bucket."""
    policy = removed_beside(foreign)

    assert documents.remains_of_removed_prefixes(policy, {LOCATIONS[1]}) == NEW_BUCKET_REMAINS
    assert "new-bucket" not in json.dumps(providers(next_write(policy, {LOCATIONS[1]})))
    # While one that leaves out only some S3 actions, or names one, keeps it.
    widened = {**foreign, "NotAction": "s3:Put*"} if "NotAction" in foreign else {**foreign, "Action": "s3:GetObject"}
    assert documents.remains_of_removed_prefixes(removed_beside(widened), {LOCATIONS[1]}) == set()
