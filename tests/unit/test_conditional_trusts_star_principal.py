"""
conditional_trusts counts a ``"*"`` principal as naming the EMR EC2 role (regression review Z1).

The usual org-wide trust names everyone, ``"Principal": "*"`` or ``{"AWS": "*"}`` (IAM User Guide, "AWS JSON policy
elements: Principal", All principals; AWS CDK's OrganizationPrincipal writes it), under ``aws:PrincipalOrgID`` (IAM
User Guide, "AWS global condition context keys"): the EMR EC2 role is among those it lets in, so the provider's
unconditional trust of the role makes that condition moot for it. A partner's Deny of ``"*"`` outside the
organisation covers the role too, and an explicit deny overrides any allow (IAM User Guide, "Policy evaluation
logic"). IAM accepts no other wildcard in a principal (same Principal page: a wildcard cannot match part of a
principal's name or ARN).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID
from airflow_provider_emrfs_xacct.pure.merge import conditional_trusts

EMR = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
ORG = {"StringEquals": {"aws:PrincipalOrgID": "o-partner1234"}}


def _trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_org_wide_trust_is_warned_about(principal: object) -> None:
    """Same statement naming the role or its account is warned about (test_conditional_trusts.py); "*" covers both."""
    trust = _trust(
        {"Sid": "OrgOnly", "Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", "Condition": ORG}
    )
    assert conditional_trusts(trust, EMR, besides=TRUST_SID) == ["'OrgOnly' (condition keys aws:PrincipalOrgID)"]


def test_a_deny_of_everyone_outside_the_org_keeps_the_restriction() -> None:
    """The Deny covers the EMR role too ("*"): the org restriction still holds, so no warning is due."""
    allow = {
        "Sid": "OrgOnly",
        "Effect": "Allow",
        "Principal": {"AWS": EMR},
        "Action": "sts:AssumeRole",
        "Condition": ORG,
    }
    deny = {
        "Sid": "DenyOutsideOrg",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-partner1234"}},
    }
    assert conditional_trusts(_trust(allow, deny), EMR, besides=TRUST_SID) == []


def test_an_unconditional_trust_of_everyone_already_makes_the_condition_moot() -> None:
    """Anyone may assume the role without a condition already: the provider's trust changes nothing, no warning."""
    allow = {
        "Sid": "OrgOnly",
        "Effect": "Allow",
        "Principal": {"AWS": EMR},
        "Action": "sts:AssumeRole",
        "Condition": ORG,
    }
    everyone = {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    assert conditional_trusts(_trust(allow, everyone), EMR, besides=TRUST_SID) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalAccount": "222233334444"}},  # a vendor's account: never the EMR EC2 role
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222233334444:role/vendor"}},  # another role
        {"ArnEquals": {"aws:PrincipalArn": EMR}},  # the role itself: it is let in whatever the request
    ],
)
def test_a_star_trust_whose_condition_the_principal_decides_alone_is_not_made_moot(condition: dict[str, Any]) -> None:
    """
    For a role, ``aws:PrincipalArn`` is the role's ARN and ``aws:PrincipalAccount`` its account (IAM User Guide, "AWS
    global condition context keys"): such a statement's answer for the EMR EC2 role does not depend on the request, so
    the provider's trust makes nothing moot, and adding that Condition to the provider's statement (the warning's
    advice) would lock the role out.
    """
    statement = {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]}

    assert conditional_trusts(trust, EMR, besides=TRUST_SID) == []


def test_a_star_trust_mixing_a_principal_key_and_a_request_key_is_still_made_moot() -> None:
    """The EMR account meets aws:PrincipalAccount, but sts:ExternalId is the request's: the provider's trust skips it."""
    condition = {"StringEquals": {"aws:PrincipalAccount": EMR.split(":")[4], "sts:ExternalId": "x"}}
    statement = {"Sid": "V", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]}

    assert conditional_trusts(trust, EMR, besides=TRUST_SID) == [
        "'V' (condition keys aws:PrincipalAccount, sts:ExternalId)"
    ]
