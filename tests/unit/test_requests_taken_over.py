"""
What a revoke's removed role mappings leave to the kept ones (``requests_taken_over``).

AWS (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): "When EMRFS makes a request
to Amazon S3 that matches users, groups, or the locations that you specify, the cluster uses the corresponding role
that you specify instead of the EMR role for EC2", the first mapping that matches, whatever its type. The judge is
the local stand-in's router (``devstack.emrfs_writer.route``), not the code under test.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.pure.security_config import requests_taken_over
from devstack.emrfs_writer import route

REVOKED = "arn:aws:iam::222222222222:role/partner-a-writer"
OTHERS = ("arn:aws:iam::222222222222:role/shared-writer", "arn:aws:iam::333333333333:role/partner-b-writer")
INSTANCE_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PREFIXES = ("s3://b/", "s3://b/p", "s3://b/p/", "s3://b/p/sub/", "s3://b/q", "s3://c/")
USERS = ("hadoop", "etl")
GROUPS = ("analysts", "etl-team")
KEYS = ("s3://b/p/x", "s3://b/p/sub/y", "s3://b/p2", "s3://b/q/z", "s3://b/r", "s3://c/k")


def mapping(role: str, kind: str, *identifiers: str) -> dict[str, Any]:
    return {"Role": role, "IdentifierType": kind, "Identifiers": list(identifiers)}


@st.composite
def mappings(draw: st.DrawFn, kinds: tuple[str, ...] = ("Prefix", "User", "Group")) -> list[dict[str, Any]]:
    found = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(kinds))
        pool = {"Prefix": PREFIXES, "User": USERS, "Group": GROUPS}[kind]
        identifiers = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
        found.append(mapping(draw(st.sampled_from((REVOKED, *OTHERS))), kind, *identifiers))
    return found


def pairs(sentences: list[str]) -> set[tuple[int, int]]:
    """The (removed, kept) mapping indexes each sentence names."""
    named = set()
    for sentence in sentences:
        gone, later = (int(index) for index in re.findall(r"\(mapping (\d+)\)", sentence))
        named.add((gone, later))
    return named


#: Every request of the universe above: each key, as each user, in each set of groups.
REQUESTS = [(uri, user, groups) for uri in KEYS for user in USERS for groups in ((), GROUPS[:1], GROUPS[1:], GROUPS)]


@settings(max_examples=300, deadline=None)
@given(mappings())
def test_every_request_a_kept_mapping_takes_from_a_removed_one_is_named(configuration: list[dict[str, Any]]) -> None:
    removed = {index for index, each in enumerate(configuration) if each["Role"] == REVOKED}
    kept_at = [index for index in range(len(configuration)) if index not in removed]
    kept = [configuration[index] for index in kept_at]
    named = pairs(requests_taken_over(configuration, removed))
    taken = set()
    for uri, user, groups in REQUESTS:
        before = route(configuration, uri, INSTANCE_ROLE, user, groups)
        after = route(kept, uri, INSTANCE_ROLE, user, groups)
        if before.mapping_index in removed and after.mapping_index is not None:
            taken.add((before.mapping_index, kept_at[after.mapping_index]))
    assert taken <= named
    # Every pair named is one a request may match both: a later kept mapping, after a removed one.
    assert all(gone in removed and later not in removed and later > gone for gone, later in named)


@settings(max_examples=500, deadline=None)
@given(mappings(("Prefix",)))
def test_with_prefixes_only_exactly_the_pairs_a_request_moves_between_are_named(
    configuration: list[dict[str, Any]],
) -> None:
    """
    A ``Prefix`` mapping takes every request under its prefix, whoever the user: each pair named is one some request
    moves between (every prefix above has a key under no other prefix but its own and those it starts with).
    """
    removed = {index for index, each in enumerate(configuration) if each["Role"] == REVOKED}
    kept_at = [index for index in range(len(configuration)) if index not in removed]
    kept = [configuration[index] for index in kept_at]
    taken = set()
    for uri in KEYS:
        before = route(configuration, uri, INSTANCE_ROLE, USERS[0])
        after = route(kept, uri, INSTANCE_ROLE, USERS[0])
        if before.mapping_index in removed and after.mapping_index is not None:
            taken.add((before.mapping_index, kept_at[after.mapping_index]))
    sentences = requests_taken_over(configuration, removed)
    assert pairs(sentences) == taken
    assert len(set(sentences)) == len(sentences)


def test_an_earlier_kept_prefix_over_the_requests_took_them_before_and_after() -> None:
    configuration = [
        mapping(OTHERS[0], "Prefix", "s3://b/"),
        mapping(REVOKED, "Prefix", "s3://b/p/"),
        mapping(OTHERS[1], "Prefix", "s3://b/p/sub/"),
        mapping(OTHERS[1], "User", "hadoop"),
    ]
    assert requests_taken_over(configuration, {1}) == []


def test_a_kept_prefix_between_takes_them_first_and_is_the_only_one_named() -> None:
    configuration = [
        mapping(REVOKED, "Prefix", "s3://b/p/"),
        mapping(OTHERS[0], "Prefix", "s3://b/p"),
        mapping(OTHERS[1], "Prefix", "s3://b/"),
    ]
    assert pairs(requests_taken_over(configuration, {0})) == {(0, 1)}


def test_a_second_removed_mapping_of_the_same_prefix_took_nothing_and_is_not_named() -> None:
    configuration = [
        mapping(REVOKED, "Prefix", "s3://b/p/"),
        mapping(REVOKED.upper().replace("ARN:AWS:IAM", "arn:aws:iam"), "Prefix", "s3://b/p/"),
        mapping(OTHERS[0], "Prefix", "s3://b/"),
    ]
    (sentence,) = requests_taken_over(configuration, {0, 1})
    assert pairs([sentence]) == {(0, 2)}


def test_a_kept_mapping_whose_role_cannot_be_read_is_named_so() -> None:
    configuration = [mapping(REVOKED, "Prefix", "s3://b/p/"), {**mapping(OTHERS[0], "Prefix", "s3://b/"), "Role": None}]
    assert requests_taken_over(configuration, {0}) == [
        f"requests under s3://b/p/, which went as {REVOKED} (mapping 0), go as a role that could not be read "
        "(mapping 1) unless an earlier kept mapping takes them"
    ]


def test_a_kept_mapping_that_cannot_be_read_is_named_as_one_that_may_take_them() -> None:
    configuration = [mapping(REVOKED, "Prefix", "s3://b/p/"), mapping(OTHERS[0], "prefix", "s3://b/")]
    (sentence,) = requests_taken_over(configuration, {0})
    assert pairs([sentence]) == {(0, 1)}
    assert f"may go as {OTHERS[0]} (mapping 1): mapping 1 could not be read (IdentifierType is " in sentence


def test_a_later_wider_prefix_of_another_role_takes_the_partners_prefix() -> None:
    configuration = [
        mapping(REVOKED, "Prefix", "s3://b/p/"),
        mapping(OTHERS[0], "Prefix", "s3://b/"),
        mapping(OTHERS[1], "Prefix", "s3://c/"),
    ]
    (sentence,) = requests_taken_over(configuration, {0})
    assert sentence.startswith(f"requests under s3://b/p/, which went as {REVOKED} (mapping 0), go as {OTHERS[0]}")


def test_a_narrower_later_prefix_takes_part_of_it_and_the_jobs_user_mapping_all_of_it() -> None:
    configuration = [
        mapping(REVOKED, "Prefix", "s3://b/p/"),
        mapping(OTHERS[0], "Prefix", "s3://b/p/sub/"),
        mapping(OTHERS[1], "User", "hadoop"),
    ]
    sentences = requests_taken_over(configuration, {0})
    assert sentences[0].startswith("requests under s3://b/p/sub/,")
    assert sentences[1].startswith("requests of user 'hadoop' under s3://b/p/,")


def test_earlier_mappings_and_disjoint_ones_take_nothing_new() -> None:
    configuration = [
        mapping(OTHERS[0], "Prefix", "s3://b/"),  # took s3://b/p/ first already
        mapping(REVOKED, "Prefix", "s3://b/p/"),
        mapping(OTHERS[1], "Prefix", "s3://b/q"),
    ]
    assert requests_taken_over(configuration, {1}) == []


def test_removed_user_and_group_mappings_name_what_depends_on_membership() -> None:
    configuration = [
        mapping(REVOKED, "User", "etl"),
        mapping(REVOKED, "Group", "analysts"),
        mapping(OTHERS[0], "Group", "etl-team"),
        mapping(OTHERS[1], "User", "etl"),
    ]
    sentences = requests_taken_over(configuration, {0, 1})
    assert [sentence.split(", which")[0] for sentence in sentences] == [
        "requests of user 'etl', if it is in group 'etl-team'",
        "requests of user 'etl'",
        "requests of a user in both group 'analysts' and group 'etl-team'",
        "requests of user 'etl', if it is in group 'analysts'",
    ]
