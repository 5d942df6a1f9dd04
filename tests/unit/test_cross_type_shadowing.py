"""
Shadowing across identifier types, and Kerberos principals as ``User`` identifiers.

AWS (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): EMRFS
evaluates role mappings top-down and uses the first that matches, whatever its identifier type.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import cross_type_shadowing, validate_role_mappings

A = "arn:aws:iam::222222222222:role/partner-a-writer"
B = "arn:aws:iam::222222222222:role/partner-b-writer"
PREFIX_B = "s3://partner-results-b/exports/"


def mapping(role: str, kind: str, *identifiers: str) -> dict[str, Any]:
    return {"Role": role, "IdentifierType": kind, "Identifiers": list(identifiers)}


def test_user_before_prefix_is_reported_with_both_mappings() -> None:
    mappings = validate_role_mappings([mapping(A, "User", "etl"), mapping(B, "Prefix", PREFIX_B)])
    (shadow,) = cross_type_shadowing(mappings)
    assert (shadow.earlier, shadow.later) == (0, 1)
    assert shadow.certain
    message = shadow.message()
    # Validation writes a prefix identifier without its trailing slash (the prefix's own key and its
    # folder marker must route too), so the message names that identifier.
    written = PREFIX_B.rstrip("/")
    assert mappings[1]["Identifiers"] == [written]
    assert "role_mappings[0] (User 'etl'" in message
    assert f"role_mappings[1] (Prefix '{written}'" in message
    assert f"requests of user 'etl' to {written}" in message
    assert f"get {A}, not {B}" in message


def test_group_before_prefix_is_reported() -> None:
    (shadow,) = cross_type_shadowing([mapping(A, "Group", "analysts"), mapping(B, "Prefix", PREFIX_B)])
    assert "requests of group 'analysts'" in shadow.message()


def test_prefix_before_user_captures_that_users_requests_under_the_prefix() -> None:
    (shadow,) = cross_type_shadowing([mapping(B, "Prefix", PREFIX_B), mapping(A, "User", "etl")])
    assert shadow.earlier_type == "Prefix"
    assert f"requests of user 'etl' under {PREFIX_B}" in shadow.message()


def test_user_against_group_depends_on_membership() -> None:
    (shadow,) = cross_type_shadowing([mapping(A, "Group", "etl-team"), mapping(B, "User", "etl")])
    assert not shadow.certain
    assert "if user 'etl' is in group 'etl-team'" in shadow.message()
    (shadow,) = cross_type_shadowing([mapping(A, "User", "etl"), mapping(B, "Group", "etl-team")])
    assert not shadow.certain
    assert "if user 'etl' is in group 'etl-team'" in shadow.message()


def test_a_group_mapping_captures_its_members_that_a_later_group_mapping_names() -> None:
    # Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3": the groups are
    # the cluster's Hadoop groups, and a user is in several; the first mapping that matches wins.
    (shadow,) = cross_type_shadowing([mapping(A, "Group", "analysts"), mapping(B, "Group", "partner-b")])
    assert (shadow.earlier, shadow.later) == (0, 1)
    assert not shadow.certain
    assert "if a user is in both group 'analysts' and group 'partner-b'" in shadow.message()
    assert f"get {A}, not {B}" in shadow.message()


def test_every_identifier_pair_is_reported_in_order() -> None:
    shadows = cross_type_shadowing(
        [mapping(A, "User", "etl", "ops"), mapping(B, "Prefix", PREFIX_B, "s3://partner-results-b/raw/")]
    )
    assert [(s.earlier_identifier, s.later_identifier) for s in shadows] == [
        ("etl", PREFIX_B),
        ("etl", "s3://partner-results-b/raw/"),
        ("ops", PREFIX_B),
        ("ops", "s3://partner-results-b/raw/"),
    ]


@pytest.mark.parametrize(
    "mappings",
    [
        [mapping(A, "User", "etl"), mapping(A, "Prefix", PREFIX_B)],  # same role: no difference
        [mapping(A, "Prefix", PREFIX_B), mapping(B, "Prefix", "s3://partner-results-b/other/")],  # same type
        [mapping(A, "User", "etl"), mapping(B, "User", "ops")],  # a request has one user
        [mapping(A, "Group", "etl"), mapping(A, "Group", "ops")],  # same role
        [mapping(A, "Group", "etl"), mapping(B, "Group", "etl")],  # the same group: shadowed, refused elsewhere
        [mapping(A, "User", "etl")],
    ],
)
def test_nothing_to_report(mappings: list[dict[str, Any]]) -> None:
    assert cross_type_shadowing(mappings) == []


def test_works_on_live_documents_as_read_back() -> None:
    """The verifier passes mappings read from DescribeSecurityConfiguration: unvalidated, maybe odd."""
    live = [{"Role": A, "IdentifierType": "User", "Identifiers": ["etl"]}, {"Role": B, "IdentifierType": "Prefix"}]
    assert cross_type_shadowing(live) == []


@pytest.mark.parametrize("name", ["etl@EXAMPLE.COM", "etl/ip-10-0-0-1.ec2.internal@EC2.INTERNAL", "hadoop/_HOST@R"])
def test_kerberos_principals_are_user_identifiers(name: str) -> None:
    (result,) = validate_role_mappings([mapping(A, "User", name)])
    assert result["Identifiers"] == [name]


@pytest.mark.parametrize("name", ["etl/host@", "/host@REALM", "etl/@R", "@REALM"])
def test_kerberos_principals_with_an_empty_part_are_refused(name: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_mappings([mapping(A, "User", name)])
    assert caught.value.field == "role_mappings[0].Identifiers[0]"
    assert "Kerberos principal" in caught.value.problem


@pytest.mark.parametrize("kind", ["User", "Group"])
@pytest.mark.parametrize("name", ["etl/host/x@REALM", "etl @REALM", "etl/host@REALM"])
def test_other_names_with_a_realm_are_taken_as_the_cluster_has_them(kind: str, name: str) -> None:
    """
    "The users and groups in a role mapping are Hadoop users and groups that are defined on the cluster" (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): no character rule (refused before).
    """
    (result,) = validate_role_mappings([mapping(A, kind, name)])
    assert result["Identifiers"] == [name]


def test_mappings_to_one_role_under_two_spellings_of_its_name_are_not_reported() -> None:
    """IAM names are not distinguished by case (IAM API Reference, "CreateRole"): both mappings give one role."""
    upper = A.replace("partner-a-writer", "Partner-A-Writer")
    assert cross_type_shadowing([mapping(A, "User", "etl"), mapping(upper, "Prefix", PREFIX_B)]) == []
