"""
The stand-in writer's routing rule, as AWS documents it (EMR Management Guide, "Configure IAM roles
for EMRFS requests to Amazon S3"): mappings in order across all identifier types, first match wins,
``Prefix`` identifiers are plain string prefixes of ``s3://bucket/key``, no match falls back to the
instance role.
"""

from __future__ import annotations

import pytest

from devstack.emrfs_writer import INSTANCE_ROLE, RequestRecord, WriteResult, role_mappings, route

INSTANCE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER = "arn:aws:iam::222222222222:role/partner"
OTHER = "arn:aws:iam::333333333333:role/other"


def prefix(role: str, *identifiers: str) -> dict[str, object]:
    return {"Role": role, "IdentifierType": "Prefix", "Identifiers": list(identifiers)}


@pytest.mark.parametrize(
    ("identifier", "uri", "matches"),
    [
        ("s3://b/p", "s3://b/p", True),
        ("s3://b/p", "s3://b/p_$folder$", True),
        ("s3://b/p", "s3://b/p/", True),
        ("s3://b/p", "s3://b/p/part-0", True),
        ("s3://b/p", "s3://b/p2/x", True),  # plain string prefix: no '/' boundary
        ("s3://b/p/", "s3://b/p", False),
        ("s3://b/p/", "s3://b/p_$folder$", False),
        ("s3://b/p/", "s3://b/p/x", True),
        ("s3://b/", "s3://b/mydir", True),  # AWS's own example
        ("s3://b/P", "s3://b/p", False),  # case-sensitive, like S3 keys
        ("s3://b/p", "s3://bb/p", False),
    ],
)
def test_prefix_is_a_plain_string_prefix(identifier: str, uri: str, matches: bool) -> None:
    chosen = route([prefix(PARTNER, identifier)], uri, INSTANCE, "hadoop")
    assert chosen.role_arn == (PARTNER if matches else INSTANCE)
    assert chosen.matched == (f"Prefix {identifier}" if matches else INSTANCE_ROLE)


def test_first_match_wins_across_types() -> None:
    mappings = [
        {"Role": OTHER, "IdentifierType": "User", "Identifiers": ["alice"]},
        prefix(PARTNER, "s3://b/p"),
        {"Role": INSTANCE, "IdentifierType": "Group", "Identifiers": ["etl"]},
    ]
    assert route(mappings, "s3://b/p/x", INSTANCE, "alice").role_arn == OTHER
    assert route(mappings, "s3://b/p/x", INSTANCE, "bob", ("etl",)).role_arn == PARTNER
    group = route(mappings, "s3://b/q/x", INSTANCE, "bob", ("etl",))
    assert (group.role_arn, group.mapping_index) == (INSTANCE, 2)
    assert route(mappings, "s3://b/q/x", INSTANCE, "bob").mapping_index is None


def test_earlier_broader_prefix_captures_later_narrower_one() -> None:
    mappings = [prefix(OTHER, "s3://b/"), prefix(PARTNER, "s3://b/p")]
    assert route(mappings, "s3://b/p/x", INSTANCE, "hadoop").role_arn == OTHER


def test_no_configuration_means_instance_role() -> None:
    assert role_mappings({}) == []
    assert role_mappings({"EncryptionConfiguration": {}}) == []
    assert route([], "s3://b/p/x", INSTANCE, "hadoop").role_arn == INSTANCE


def test_missing_key_404_is_not_a_failure_but_403_is() -> None:
    def record(operation: str, status: int) -> RequestRecord:
        return RequestRecord("step", operation, "s3://b/p", PARTNER, "Prefix s3://b/p", status < 400, "", status)

    assert WriteResult([record("HeadObject", 404), record("PutObject", 200)]).success
    failing = WriteResult([record("HeadObject", 404), record("HeadObject", 403), record("PutObject", 200)])
    assert not failing.success
    assert failing.first_failure is not None
    assert failing.first_failure.status == 403
    assert not WriteResult([record("ListObjectsV2", 404)]).success
