"""
What AWS does not document leaves the stand-in's outcome unknown, as the verifier says it (outside review U9).

- An IAM Identity Center security configuration: such a cluster gets its S3 access from S3 Access Grants (Amazon EMR
  Management Guide, "Working with S3 Access Grants on an IAM Identity Center enabled EMR cluster",
  https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-idc-s3ag.html), which does not say whether the role
  mappings still apply: unknown, as runtime roles are.
- A ``Prefix`` identifier holding a character a URI percent-encodes (a space, ``%``, non-ASCII): the Amazon EMR
  Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") shows plain identifiers only, not whether
  EMRFS compares a request's path as written or URI-encoded: the route is unknown where it may match either way.
- ``*`` and ``?`` make Hadoop's glob a pattern (apache/hadoop ``GlobPattern.set``), which matches no new object:
  ``hadoop fs -put`` fails with "No such file or directory" (Apache Hadoop "FileSystem Shell": put).
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack import aws_cluster_settings as a
from devstack.emrfs_writer import route
from devstack.moto_stack import hadoop_put_destination

ROLE = "arn:aws:iam::111111111111:role/dest"
OTHER = "arn:aws:iam::111111111111:role/other"
EC2 = "arn:aws:iam::222222222222:role/EMR_EC2"
MAPPINGS = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://b/"]}]


def identity_center(switch: Any) -> dict[str, Any]:
    return {
        "AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": MAPPINGS}},
        "AuthenticationConfiguration": {"IdentityCenterConfiguration": {"EnableIdentityCenter": switch}},
    }


def runtime_roles(switch: Any) -> dict[str, Any]:
    return {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {"RoleMappings": MAPPINGS},
            "IAMConfiguration": {"EnableApplicationScopedIAMRole": switch},
        }
    }


@pytest.mark.parametrize("switch", [True, "true", "TRUE", "True"])
def test_identity_center_is_unknown_like_runtime_roles(switch: Any) -> None:
    credentials = a.credentials_of("emr-7.5.0", [], identity_center(switch), "b")
    assert credentials.kind == a.UNKNOWN
    assert "IdentityCenter" in credentials.reason


@pytest.mark.parametrize("switch", [False, "false", None, "yes", 1, " true "])
def test_identity_center_s_other_values_fare_as_the_runtime_roles_switch_s(switch: Any) -> None:
    idc = a.credentials_of("emr-7.5.0", [], identity_center(switch), "b")
    runtime = a.credentials_of("emr-7.5.0", [], runtime_roles(switch), "b")
    assert idc.kind == runtime.kind


@pytest.mark.parametrize(
    ("identifier", "uri"),
    [
        ("s3://b/partner exports/", "s3://b/partner exports/part-0"),  # matches as written
        ("s3://b/partner%20exports/", "s3://b/partner exports/part-0"),  # matches the URI-encoded path
        ("s3://b/100%/", "s3://b/100%/part-0"),
        ("s3://b/données/", "s3://b/données/part-0"),
        ("s3://b/partner exports/", "s3://b/partner%20exports/part-0"),  # URI-encoded, it is the key as written
        ("s3://b/données/", "s3://b/donn%C3%A9es/part-0"),
    ],
)
def test_a_uri_escaped_prefix_route_is_unknown_as_the_verifier_says(identifier: str, uri: str) -> None:
    mappings = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [identifier]}]
    found = route(mappings, uri, EC2, "hadoop")
    assert found.unknown
    assert "URI" in found.unknown
    assert found.role_arn == ""


def test_spaced_prefix_route_is_unknown_as_the_verifier_says() -> None:
    m = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://b/partner exports/"]}]
    assert route(m, "s3://b/partner exports/part-0", EC2, "hadoop").unknown


def test_a_uri_escaped_prefix_that_matches_neither_way_leaves_the_route_certain() -> None:
    mappings = [
        {"Role": OTHER, "IdentifierType": "Prefix", "Identifiers": ["s3://b/partner exports/"]},
        {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": ["s3://b/plain/"]},
    ]
    found = route(mappings, "s3://b/plain/part-0", EC2, "hadoop")
    assert not found.unknown
    assert found.role_arn == ROLE
    assert route(mappings, "s3://c/x", EC2, "hadoop").role_arn == EC2


@pytest.mark.parametrize("uri", ["s3://b/a*b/_probe", "s3://b/a?b/_probe"])
def test_put_destination_star_and_question_are_globs(uri: str) -> None:
    assert hadoop_put_destination(uri) == (
        uri,
        f"put: `{uri}': No such file or directory",
    )
