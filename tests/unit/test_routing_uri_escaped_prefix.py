"""
A ``Prefix`` identifier holding a character a URI percent-encodes (a space, ``%``, ``é``) is a maybe, never a
certain match (outside review U5).

The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows plain
``s3://bucket/prefix`` identifiers only, and does not say whether EMRFS compares a request's path as written
(``partner exports``) or URI-encoded (``partner%20exports``); the Amazon S3 User Guide ("Naming Amazon S3 objects")
says such characters "might require special handling". So the verifier's routing says "not checked", naming the
character; the live probe still writes there (Hadoop's ``Path`` keeps a space and ``%`` as written).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.routing import (
    doubtful_before,
    may_match_otherwise,
    probe_routes,
    probe_taker,
    routed_writer,
    uri_escaped,
)
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from tests.unit import test_chain as chain

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

OTHER = "arn:aws:iam::333333333333:role/other-tenant"

SPACED = f"s3://{chain.BUCKET}/partner exports/"


def _state_with(prefix: str) -> ChainState:
    mappings = validate_role_mappings([{"Role": chain.ROLE, "IdentifierType": "Prefix", "Identifiers": [prefix]}])
    return dataclasses.replace(
        chain.healthy_state(),
        security_configuration=build_security_configuration(mappings),
        destination_roles={chain.ROLE: chain.destination_role(prefixes=(prefix,))},
    )


def _mappings(*identifiers: str) -> list[dict[str, object]]:
    return [{"Role": chain.ROLE, "IdentifierType": "Prefix", "Identifiers": list(identifiers)}]


@pytest.mark.parametrize(
    ("identifier", "named"),
    [
        ("s3://b/partner exports", "a space"),
        ("s3://b/100%done", "'%'"),
        ("s3://b/café", "the non-ASCII 'é'"),
        ("s3://b/a#b", "'#'"),
        ("s3://b/a^b", "'^'"),
    ],
)
def test_uri_escaped_names_the_character(identifier: str, named: str) -> None:
    assert uri_escaped(identifier).startswith(named)


@pytest.mark.parametrize("identifier", ["s3://b/partner-exports_1.x~", "s3://b/a!$&'()*+,;=@:b", "s3://b"])
def test_unreserved_and_sub_delims_are_plain(identifier: str) -> None:
    assert uri_escaped(identifier) == ""


def test_a_spaced_identifier_is_no_certain_route() -> None:
    mappings = _mappings("s3://b/partner exports")
    role, _, doubt = routed_writer(_state_with(SPACED), mappings, "s3://b/partner exports/x", checking=0)
    assert role is None
    assert "a space" in doubt
    assert "%20" in doubt


def test_an_encoded_identifier_may_match_a_spaced_key() -> None:
    assert may_match_otherwise("s3://b/partner%20exports", "s3://b/partner exports/x")
    assert may_match_otherwise("s3://b/partner exports", "s3://b/partner exports/x")
    assert not may_match_otherwise("s3://b/other exports", "s3://b/partner exports/x")


def test_a_plain_identifier_stays_certain_for_a_spaced_key() -> None:
    """Encoding the key changes none of a plain identifier's characters: it matches the same keys either way."""
    role, why, doubt = routed_writer(_state_with(SPACED), _mappings("s3://b/"), "s3://b/partner exports/x", checking=0)
    assert (why, doubt) == ("mapping 0", "")
    assert role is not None


def test_the_probe_s_write_under_a_spaced_prefix_is_credited_to_no_mapping() -> None:
    """
    If EMRFS compares the path URI-encoded the write falls back to the EC2 instance profile role (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): its pass settles no mapping's links
    (``probe_routes``: ``None``); a later mapping of the same role either way still takes the credit.
    """
    assert probe_routes(_mappings("s3://b/partner exports"), ["s3://b/partner exports/p/x"]) == {
        "s3://b/partner exports/p/x": None
    }
    same_role = [*_mappings("s3://b/partner exports"), *_mappings("s3://b/")]
    assert probe_routes(same_role, ["s3://b/partner exports/p/x"]) == {"s3://b/partner exports/p/x": 0}


def test_chain_with_a_spaced_prefix_is_not_pass() -> None:
    report = check_chain(_state_with(SPACED))
    assert report.verdict != "PASS"
    unknown = [link for link in report.links if link.status == "not checked"]
    assert unknown
    assert any("a space" in link.detail for link in unknown)


def test_chain_with_a_plain_prefix_still_passes() -> None:
    assert check_chain(chain.healthy_state()).verdict == "PASS"


@pytest.mark.parametrize(
    "identifier",
    ["s3a://bkt/a b", "S3://bkt/a b", "bkt/a b", "s3://BKT/a b", "s3n://BKT/a b"],
)
def test_another_form_holding_a_space_still_may_match(identifier: str) -> None:
    """
    The scheme and case checks still run for an identifier holding a space (regression review V3): the Amazon EMR
    Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows ``s3://bucket/prefix`` only.
    """
    assert may_match_otherwise(identifier, "s3://bkt/a b/x")


def _two(first: str, first_role: str, second: str, second_role: str = chain.ROLE) -> list[dict[str, object]]:
    return [
        {"Role": first_role, "IdentifierType": "Prefix", "Identifiers": [first]},
        {"Role": second_role, "IdentifierType": "Prefix", "Identifiers": [second]},
    ]


def test_an_s3a_identifier_holding_a_space_is_doubtful_before_a_plain_one() -> None:
    mappings = _two("s3a://bkt/a b", OTHER, "s3://bkt/")
    assert [entry[:2] for entry in doubtful_before(mappings, 1, "s3://bkt/a b/x")] == [(0, "s3a://bkt/a b")]
    assert probe_taker(mappings, chain.ROLE, S3Location("bkt", "a b/")) != ""


def test_a_spaced_identifier_may_match_a_key_holding_its_escape() -> None:
    """EMRFS may compare the identifier URI-encoded (``a%20b``) with a key holding ``%20`` as written."""
    mappings = _two("s3://bkt/a b", OTHER, "s3://bkt/")
    assert [entry[:2] for entry in doubtful_before(mappings, 1, "s3://bkt/a%20b/x")] == [(0, "s3://bkt/a b")]
    assert may_match_otherwise("s3://bkt/café", "s3://bkt/caf%C3%A9/x")


def test_every_taker_of_the_same_role_is_no_doubt() -> None:
    """
    Whether the escaped mapping matches or the next one takes the write (EMRFS uses the first that matches: Amazon
    EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"), it goes as the same role.
    """
    state = _state_with(SPACED)
    same = _two(f"s3://{chain.BUCKET}/partner exports", chain.ROLE, f"s3://{chain.BUCKET}/")
    role, why, doubt = routed_writer(state, same, SPACED + "x", checking=None)
    assert (why, doubt) == ("mapping 0", "")
    assert role is not None
    assert role.arn == chain.ROLE


def test_another_role_or_none_after_the_escaped_mapping_stays_a_doubt() -> None:
    state = _state_with(SPACED)
    other = _two(f"s3://{chain.BUCKET}/partner exports", chain.ROLE, f"s3://{chain.BUCKET}/", OTHER)
    assert "a space" in routed_writer(state, other, SPACED + "x", checking=None)[2]
    alone = _two(f"s3://{chain.BUCKET}/partner exports", chain.ROLE, "s3://elsewhere/")
    assert "a space" in routed_writer(state, alone, SPACED + "x", checking=None)[2]
    escaped_next = _two(f"s3://{chain.BUCKET}/partner exports", chain.ROLE, f"s3://{chain.BUCKET}/partner ", chain.ROLE)
    assert "a space" in routed_writer(state, escaped_next, SPACED + "x", checking=None)[2]


def test_the_probe_never_writes_where_another_tenant_s_plain_mapping_takes_what_an_escaped_one_may_leave() -> None:
    """If EMRFS compares the path URI-encoded, ``s3://b/a b`` matches nothing and the next mapping takes the write."""
    from airflow_provider_emrfs_xacct.pure.checks.routing import probe_taker
    from airflow_provider_emrfs_xacct.pure.validation import S3Location

    own, other = "arn:aws:iam::222222222222:role/r", "arn:aws:iam::333333333333:role/o"

    def mapping(role: str, identifier: str) -> dict[str, object]:
        return {"Role": role, "IdentifierType": "Prefix", "Identifiers": [identifier]}

    location = S3Location("b", "a b/")
    taker = probe_taker([mapping(own, "s3://b/a b"), mapping(other, "s3://b/")], own, location)
    assert taker.startswith(f"mapping 1 ({other}) may take the probe's write")
    # The same role either way, or the cluster's own instance profile role: the probe may write.
    assert probe_taker([mapping(own, "s3://b/a b"), mapping(own, "s3://b/")], own, location) == ""
    assert probe_taker([mapping(own, "s3://b/a b")], own, location) == ""


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_the_probe_never_writes_where_a_user_or_group_mapping_may_take_what_an_escaped_one_may_leave(kind: str) -> None:
    """A later mapping of the same role does not settle it: a User/Group mapping between may take the write first."""
    from airflow_provider_emrfs_xacct.pure.checks.routing import probe_taker
    from airflow_provider_emrfs_xacct.pure.validation import S3Location

    own, other = "arn:aws:iam::222222222222:role/r", "arn:aws:iam::333333333333:role/o"
    mappings = [
        {"Role": own, "IdentifierType": "Prefix", "Identifiers": ["s3://b/a b"]},
        {"Role": other, "IdentifierType": kind, "Identifiers": ["hadoop"]},
        {"Role": own, "IdentifierType": "Prefix", "Identifiers": ["s3://b/"]},
    ]

    assert probe_taker(mappings, own, S3Location("b", "a b/")).startswith(f"mapping 1 ({other}) may take")


def test_a_doubtful_other_tenant_mapping_between_two_of_the_same_role_leaves_the_doubt() -> None:
    """
    If EMRFS compares ``partner exports`` URI-encoded, mapping 0 does not match and the next that matches takes the
    write (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3": the first that
    matches); mapping 2 names the same role, but mapping 1, another tenant's, may match first (its bucket in another
    case), so the writer is not known and the doubt names mapping 0's space.
    """
    bucket = chain.BUCKET
    mappings = [
        {"Role": chain.ROLE, "IdentifierType": "Prefix", "Identifiers": [f"s3://{bucket}/partner exports"]},
        {"Role": OTHER, "IdentifierType": "Prefix", "Identifiers": [f"s3://{bucket.upper()}/partner"]},
        {"Role": chain.ROLE, "IdentifierType": "Prefix", "Identifiers": [f"s3://{bucket}/"]},
    ]
    _, why, doubt = routed_writer(_state_with(SPACED), mappings, SPACED + "x", checking=None)

    assert why == "mapping 0"
    assert doubt.startswith("mapping 0's Prefix identifier")
    assert "a space" in doubt
