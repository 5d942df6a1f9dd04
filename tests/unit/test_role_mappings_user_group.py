"""
User and Group role mappings: what tests/unit/test_security_config.py does not already cover.

EMRFS applies the first mapping that matches; ``User`` and ``Group`` identifiers match by exact name
(Hadoop names are case-sensitive), ``Prefix`` identifiers by prefix.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings

ROLE_B = "arn:aws:iam::222222222222:role/emrfs-partner-b-writer"
ROLE_F = "arn:aws:iam::444444444444:role/emrfs-finance-writer"
ROLE_C = "arn:aws:iam::333333333333:role/emrfs-partner-c-writer"


def mapping(role: str, kind: str, identifiers: list[str]) -> dict[str, Any]:
    return {"Role": role, "IdentifierType": kind, "Identifiers": identifiers}


def refused(value: Any) -> InvalidParameterError:
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_mappings(value)
    return caught.value


def test_the_multi_tenant_example_is_kept_in_order() -> None:
    value = [
        mapping(ROLE_B, "User", ["partner_b_etl"]),
        mapping(ROLE_F, "Group", ["finance"]),
        mapping(ROLE_C, "Prefix", ["s3://partner-results-b/partner-c"]),
    ]
    assert validate_role_mappings(value) == [
        mapping(ROLE_B, "User", ["partner_b_etl"]),
        mapping(ROLE_F, "Group", ["finance"]),
        mapping(ROLE_C, "Prefix", ["s3://partner-results-b/partner-c"]),
    ]


def test_a_group_shadowed_by_an_earlier_group_is_refused() -> None:
    error = refused(
        [
            mapping(ROLE_F, "Group", ["finance", "audit"]),
            mapping(ROLE_B, "User", ["finance"]),  # a user of that name is another identifier
            mapping(ROLE_C, "Group", ["analysts", "finance"]),
        ]
    )
    assert error.field == "role_mappings[2].Identifiers[1]"
    assert "'finance' is already covered by 'finance' in role_mappings[0]" in error.problem
    assert "never be used" in error.problem


def test_a_group_repeated_in_a_later_mapping_of_the_same_role_is_refused_too() -> None:
    """Even with the same role the later entry is dead weight, and it hides a mistake in the list."""
    error = refused([mapping(ROLE_F, "Group", ["finance"]), mapping(ROLE_F, "Group", ["finance"])])
    assert error.field == "role_mappings[1].Identifiers[0]"


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_names_match_exactly_not_by_prefix(kind: str) -> None:
    """``ali`` does not cover ``alice``: only Prefix identifiers match by prefix."""
    value = [mapping(ROLE_B, kind, ["ali"]), mapping(ROLE_C, kind, ["alice", "ali_etl"])]
    assert [item["Identifiers"] for item in validate_role_mappings(value)] == [["ali"], ["alice", "ali_etl"]]


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_names_are_case_sensitive(kind: str) -> None:
    value = [mapping(ROLE_B, kind, ["Finance"]), mapping(ROLE_C, kind, ["finance"])]
    assert len(validate_role_mappings(value)) == 2


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_a_name_twice_in_one_mapping_is_refused(kind: str) -> None:
    error = refused([mapping(ROLE_B, kind, ["alice", "bob", "alice"])])
    assert error.field == "role_mappings[0].Identifiers[2]"
    assert "duplicates" in error.problem


@pytest.mark.parametrize("kind", ["User", "Group"])
@pytest.mark.parametrize(
    "name",
    ["*", "alice,bob", "", " alice", "alice ", "al\nice", "a" * 257, ROLE_C],
    ids=["wildcard", "comma-list", "empty", "leading-space", "trailing-space", "control", "too-long", "role-arn"],
)
def test_bad_hadoop_names_are_refused(kind: str, name: str) -> None:
    error = refused([mapping(ROLE_B, kind, ["ok_user", name])])
    assert error.field == "role_mappings[0].Identifiers[1]"
    assert any(
        said in error.problem
        for said in ("not a valid Hadoop user or group name", "must not be empty", "leading or trailing whitespace")
    )


@pytest.mark.parametrize("kind", ["User", "Group"])
@pytest.mark.parametrize(
    "name",
    [
        "hadoop",
        "partner_b_etl",
        "svc.etl-01",
        "_system",
        "etl@EXAMPLE.COM",
        # "Hadoop users and groups that are defined on the cluster" (Amazon EMR Management Guide, "Configure IAM roles
        # for EMRFS requests to Amazon S3"), no character rule: Active Directory groups through a cross-realm trust, a
        # leading digit, a machine account, and other characters a cluster's names may hold (refused before)
        "domain users",
        "Domain Admins",
        "1user",
        "HOST01$",
        "-user",
        "user/name",
        "user:group",
    ],
)
def test_good_hadoop_names_are_accepted(kind: str, name: str) -> None:
    assert validate_role_mappings([mapping(ROLE_B, kind, [name])])[0]["Identifiers"] == [name]


@pytest.mark.parametrize(("kind", "value"), [("User", "  alice"), ("Group", "finance\n"), ("User", ""), ("Group", 7)])
def test_names_must_be_clean_strings(kind: str, value: Any) -> None:
    error = refused([mapping(ROLE_B, kind, [value])])
    assert error.field == "role_mappings[0].Identifiers[0]"


def test_a_user_mapping_does_not_take_a_group_or_prefix_in_the_same_list() -> None:
    error = refused([mapping(ROLE_B, "User", ["alice", "s3://partner-results-b/alice/"])])
    assert error.field == "role_mappings[0].Identifiers[1]"
    assert "User mapping takes Hadoop user names" in error.problem


def test_a_whole_bucket_prefix_shadows_every_later_prefix_in_that_bucket() -> None:
    error = refused(
        [
            mapping(ROLE_B, "User", ["alice"]),
            mapping(ROLE_B, "Prefix", ["s3://partner-results-b"]),
            mapping(ROLE_C, "Prefix", ["s3://other-bucket-c/x/", "s3://partner-results-b/partner-c/"]),
        ]
    )
    assert error.field == "role_mappings[2].Identifiers[1]"
    assert "'s3://partner-results-b/'" in error.problem
    assert "role_mappings[1]" in error.problem


def test_user_and_group_mappings_do_not_shadow_prefix_mappings_or_each_other() -> None:
    """Types are checked separately: a user mapping first does not make a later prefix or group unreachable."""
    value = [
        mapping(ROLE_B, "User", ["analysts"]),
        mapping(ROLE_F, "Group", ["analysts"]),
        mapping(ROLE_C, "Prefix", ["s3://partner-results-b/"]),
        mapping(ROLE_B, "Group", ["finance"]),
    ]
    assert [item["IdentifierType"] for item in validate_role_mappings(value)] == ["User", "Group", "Prefix", "Group"]


def test_the_field_name_is_used_in_errors() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_mappings([mapping(ROLE_B, "Group", ["a"]), mapping(ROLE_C, "Group", ["a"])], "mappings")
    assert caught.value.field == "mappings[1].Identifiers[0]"
    assert "in mappings[0]" in caught.value.problem
