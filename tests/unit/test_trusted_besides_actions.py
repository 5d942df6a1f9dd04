"""
``trusted_besides`` (``also_trusted``) counts only statements that allow assuming the role.

A trust policy statement allowing only ``sts:TagSession`` or ``sts:SetSourceIdentity`` lets no one assume the role:
"sts:TagSession" is its own action, allowed beside ``sts:AssumeRole`` to pass session tags (IAM User Guide, "Pass
session tags in AWS STS", "Permissions required to add session tags"). ``sts:AssumeRoleWithSAML`` and
``sts:AssumeRoleWithWebIdentity`` are how federated principals assume it (the same page, "Session tagging
operations"). "The prefix and the action name are case insensitive", with ``*`` and ``?`` wildcards (IAM User Guide,
"IAM JSON policy elements: Action"); a ``NotAction`` allows every action it does not name ("IAM JSON policy
elements: NotAction").
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID
from airflow_provider_emrfs_xacct.pure.merge import trusted_besides

EMR = "111111111111"
ROLE = "EMR_EC2_DefaultRole"
ARN = f"arn:aws:iam::{EMR}:role/{ROLE}"
OTHER = "arn:aws:iam::222222222222:role/partner-admin"
SAML = "arn:aws:iam::222222222222:saml-provider/idp"


def besides(**statement: Any) -> list[str]:
    other = {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": OTHER}, **statement}
    own = {"Sid": TRUST_SID, "Effect": "Allow", "Principal": {"AWS": ARN}, "Action": "sts:AssumeRole"}
    return trusted_besides({"Statement": [own, other]}, TRUST_SID, EMR, ROLE)


@pytest.mark.parametrize(
    "action",
    ["sts:TagSession", ["sts:TagSession", "sts:SetSourceIdentity"], "sts:SetSourceIdentity", "s3:*", "sts:Tag*"],
    ids=repr,
)
def test_a_statement_that_does_not_allow_assuming_the_role_is_not_counted(action: Any) -> None:
    assert besides(Action=action) == []


@pytest.mark.parametrize(
    "action",
    ["sts:AssumeRole", ["sts:TagSession", "sts:AssumeRole"], "STS:assumerole", "sts:*", "*", "sts:Assume*"],
    ids=repr,
)
def test_a_statement_that_allows_assuming_the_role_is_counted(action: Any) -> None:
    assert besides(Action=action) == ["statement 'Other'"]


@pytest.mark.parametrize(
    ("not_action", "counted"),
    [("sts:TagSession", True), ("sts:AssumeRole*", False), ("sts:*", False), ("sts:AssumeRole", True)],
)
def test_a_not_action_counts_unless_it_leaves_out_every_assume_role_action(not_action: str, counted: bool) -> None:
    assert besides(NotAction=not_action) == (["statement 'Other'"] if counted else [])


@pytest.mark.parametrize("action", ["sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"])
def test_a_federated_principal_assuming_with_saml_or_web_identity_is_counted(action: str) -> None:
    assert besides(Principal={"Federated": SAML}, Action=action) == ["statement 'Other'"]


def test_the_providers_statement_allowing_only_tag_session_names_no_one() -> None:
    own = {"Sid": TRUST_SID, "Effect": "Allow", "Principal": {"AWS": [ARN, OTHER]}, "Action": "sts:TagSession"}

    assert trusted_besides({"Statement": [own]}, TRUST_SID, EMR, ROLE) == []


@pytest.mark.parametrize("element", ["Action", "NotAction"])
def test_a_value_that_is_no_string_counts(element: str) -> None:
    assert besides(**{element: [{"x": 1}]}) == ["statement 'Other'"]
