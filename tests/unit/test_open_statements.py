"""
The statements a refusal under Block Public Access ``BlockPublicPolicy`` names: those whose principals are not fixed.

S3 User Guide, "Blocking public access to your Amazon S3 storage", "The meaning of 'public'": a bucket policy is
non-public only if it grants "only to fixed values" ("A fixed AWS principal, user, role, or service principal", or one
of the listed condition keys); its example grant to ``{"Federated": "graph.facebook.com"}`` is public.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import open_statements

ROLE = "arn:aws:iam::111111111111:role/emr-ec2"


def allow(principal: Any, sid: str | None = "S", **more: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    if sid is not None:
        statement["Sid"] = sid
    return {**statement, **more}


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (allow("*"), True),
        (allow({"AWS": "*"}), True),
        (allow({"AWS": [ROLE, "*"]}), True),
        (allow({"AWS": "arn:aws:iam::*:role/emr-ec2"}), True),
        (allow({"AWS": "arn:aws:iam::111111111111:role/${aws:username}"}), True),
        (allow({"Federated": "graph.facebook.com"}), True),
        (allow({"AWS": ROLE}), False),
        (allow({"AWS": ["arn:aws:iam::111111111111:root", ROLE]}), False),
        (allow({"Service": "logging.s3.amazonaws.com"}), False),
        ({"Sid": "S", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, False),
        ({"Sid": "S", "Effect": "Allow", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"}, True),
    ],
)
def test_only_allows_to_principals_that_are_not_fixed_are_named(statement: dict[str, Any], named: bool) -> None:
    assert open_statements({"Version": "2012-10-17", "Statement": [statement]}) == (["Sid 'S'"] if named else [])


def test_a_statement_without_sid_is_named_by_its_text_and_a_condition_is_left_to_s3() -> None:
    vpce = {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    policy = {"Statement": [allow("*", sid=None), allow("*", sid="ThroughEndpoint", Condition=vpce)]}

    assert open_statements(policy) == [
        '{"Action": "s3:GetObject", "Effect": "Allow", "Principal": "*", "Resource": "arn:aws:s3:::b/*"}',
        "Sid 'ThroughEndpoint' (public unless its Condition limits it to fixed values)",
    ]


def test_a_long_statement_without_sid_is_cut() -> None:
    resources = [f"arn:aws:s3:::b/prefix-{index}/*" for index in range(20)]
    (named,) = open_statements({"Statement": [allow("*", sid=None, Resource=resources)]})
    assert len(named) == 160
    assert named.endswith("...")


def test_no_policy_names_nothing() -> None:
    assert open_statements(None) == []
    assert open_statements({"Statement": allow({"AWS": ROLE})}) == []
