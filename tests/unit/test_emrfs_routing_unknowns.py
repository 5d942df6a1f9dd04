"""
Where the stand-in writer's router (``devstack.emrfs_writer.route``) cannot know whose credentials EMRFS uses.

The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows ``IdentifierType``
``User``, ``Group`` or ``Prefix``, and a ``Prefix`` only as ``s3://bucket[/prefix]``: "a bucket specifier of any depth
(for example, s3://amzn-s3-demo-bucket or s3://amzn-s3-demo-bucket/myproject/mydata)". EMR stores any document as
given; how EMRFS reads another scheme or case, an unknown type, or a bucket specifier that is a string prefix of
another bucket's name is not documented, so a route reaching one of them before a match is unknown (nothing sent),
where the router was certain: a plain string prefix, an unknown type never matching.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.emrfs_writer import INSTANCE_ROLE, route

INSTANCE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER = "arn:aws:iam::222222222222:role/partner-b-writer"
OTHER = "arn:aws:iam::333333333333:role/other"
URI = "s3://partner-results-b/exports/part-0"


def mapping(role: str, *identifiers: str, kind: str = "Prefix") -> dict[str, Any]:
    return {"Role": role, "IdentifierType": kind, "Identifiers": list(identifiers)}


@pytest.mark.parametrize(
    "earlier",
    [
        "S3://partner-results-b/",  # the scheme in upper case
        "s3a://partner-results-b/",  # another scheme
        "s3n://partner-results-b/exports",
        "s3://Partner-Results-B/",  # not a lower-case bucket name
        "partner-results-b/exports",  # no scheme at all
        "",
    ],
)
def test_an_earlier_prefix_of_another_form_that_may_name_the_location_leaves_the_route_unknown(earlier: str) -> None:
    chosen = route([mapping(OTHER, earlier), mapping(PARTNER, "s3://partner-results-b/exports")], URI, INSTANCE, "h")

    assert chosen.unknown, chosen
    assert "s3://bucket[/prefix]" in chosen.unknown
    assert chosen.role_arn == ""
    # Alone, it no longer falls back to the instance role as if it could not match.
    assert route([mapping(OTHER, earlier)], URI, INSTANCE, "h").unknown


@pytest.mark.parametrize("elsewhere", ["S3://other-bucket/", "s3a://partner-results-b/imports", "s3://Other/"])
def test_a_prefix_of_another_form_naming_another_location_is_passed_over(elsewhere: str) -> None:
    chosen = route([mapping(OTHER, elsewhere), mapping(PARTNER, "s3://partner-results-b/exports")], URI, INSTANCE, "h")

    assert (chosen.role_arn, chosen.unknown) == (PARTNER, "")


def test_a_prefix_of_another_form_after_the_match_changes_nothing() -> None:
    chosen = route(
        [mapping(PARTNER, "s3://partner-results-b/exports"), mapping(OTHER, "S3://partner-results-b/")],
        URI,
        INSTANCE,
        "h",
    )

    assert (chosen.role_arn, chosen.matched, chosen.unknown) == (PARTNER, "Prefix s3://partner-results-b/exports", "")


@pytest.mark.parametrize("kind", ["prefix", "PREFIX", "Bucket", None])
def test_an_unknown_identifier_type_before_the_match_leaves_the_route_unknown(kind: str | None) -> None:
    odd = {"Role": OTHER, "IdentifierType": kind, "Identifiers": ["s3://partner-results-b/"]}

    assert (
        "IdentifierType" in route([odd, mapping(PARTNER, "s3://partner-results-b/exports")], URI, INSTANCE, "h").unknown
    )
    assert route([odd], URI, INSTANCE, "h").unknown  # not the instance role either
    after = route([mapping(PARTNER, "s3://partner-results-b/exports"), odd], URI, INSTANCE, "h")
    assert (after.role_arn, after.unknown) == (PARTNER, "")


@pytest.mark.parametrize(
    ("identifier", "uri", "role", "unknown"),
    [
        ("s3://partner-results", "s3://partner-results-b/exports/x", "", True),  # another bucket's location
        ("s3://partner-results-b", "s3://partner-results-b/exports/x", PARTNER, False),  # its own bucket
        ("s3://partner-results-b", "s3://partner-results-b/", PARTNER, False),
        ("s3://partner-results-b", "s3://other/x", INSTANCE, False),
        ("s3://partner-results/", "s3://partner-results-b/exports/x", INSTANCE, False),  # a slash ends the bucket
        ("s3://partner-results/ex", "s3://partner-results-b/exports/x", INSTANCE, False),
    ],
)
def test_a_bucket_specifier_matches_its_own_bucket_and_is_unknown_on_another_it_prefixes(
    identifier: str, uri: str, role: str, unknown: bool
) -> None:
    chosen = route([mapping(PARTNER, identifier)], uri, INSTANCE, "h")

    assert (chosen.role_arn, bool(chosen.unknown)) == (role, unknown), chosen
    if role == INSTANCE:
        assert chosen.matched == INSTANCE_ROLE


def test_user_and_group_mappings_before_an_odd_prefix_still_decide() -> None:
    mappings = [
        mapping(OTHER, "alice", kind="User"),
        mapping(PARTNER, "etl", kind="Group"),
        mapping(OTHER, "S3://partner-results-b/"),
    ]

    assert route(mappings, URI, INSTANCE, "alice").role_arn == OTHER
    assert route(mappings, URI, INSTANCE, "bob", ("etl",)).role_arn == PARTNER
    assert route(mappings, URI, INSTANCE, "bob").unknown
