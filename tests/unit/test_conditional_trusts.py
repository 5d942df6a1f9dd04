"""
conditional_trusts: the partner statements the provider's unconditional trust makes moot (regression review N1).

Any Allow suffices absent a Deny, and an explicit deny overrides any allow (IAM User Guide, "Policy evaluation
logic"). The usual ``sts:ExternalId`` trust names the other account, ``arn:PARTITION:iam::ACCOUNT:root`` or its id
(STS API Reference, "AssumeRole", ``ExternalId``; IAM User Guide, "AWS JSON policy elements: Principal", AWS account
principals), which lets that account's roles assume it: the EMR EC2 role among them.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.documents import TRUST_NOBODY_STATEMENT, TRUST_SID
from airflow_provider_emrfs_xacct.pure.merge import conditional_trusts, grants_assume_role, trust_nobody_condition

EMR = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
PARTNER: dict[str, Any] = {
    "Sid": "PartnerOrgOnly",
    "Effect": "Allow",
    "Principal": {"AWS": EMR},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-partner1234"}},
}
EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "xyz-123"}}


def _trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_the_revokes_statement_for_nobody_in_the_providers_place_does_not_hide_the_warning() -> None:
    """A grant replaces it with an unconditional Allow: its Condition (the mark alone) is not someone's to keep."""
    assert conditional_trusts(_trust(dict(TRUST_NOBODY_STATEMENT), PARTNER), EMR, besides=TRUST_SID) == [
        "'PartnerOrgOnly' (condition keys aws:PrincipalOrgID)"
    ]


def test_a_condition_kept_beside_the_mark_is_the_grants_to_put_back() -> None:
    """The revoke kept someone's Condition beside its mark (trust_nobody_condition): the grant puts it back."""
    nobody = dict(TRUST_NOBODY_STATEMENT, Condition=trust_nobody_condition(PARTNER["Condition"]))
    assert conditional_trusts(_trust(nobody, PARTNER), EMR, besides=TRUST_SID) == []


def test_a_deny_of_your_own_beside_it_stops_the_warning() -> None:
    """The warning's second way out: a Deny naming the role for sts:AssumeRole keeps restricting it."""
    deny = {
        "Sid": "MyDeny",
        "Effect": "Deny",
        "Principal": {"AWS": EMR},
        "Action": "sts:AssumeRole",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-partner1234"}},
    }
    assert conditional_trusts(_trust(PARTNER, deny), EMR, besides=TRUST_SID) == []


def test_a_deny_of_another_action_or_role_does_not() -> None:
    other_action = {"Effect": "Deny", "Principal": {"AWS": EMR}, "Action": "sts:TagSession"}
    other_role = {"Effect": "Deny", "Principal": {"AWS": EMR.replace("EMR_EC2", "Other")}, "Action": "sts:AssumeRole"}
    assert conditional_trusts(_trust(PARTNER, other_action, other_role), EMR, besides=TRUST_SID) != []


@pytest.mark.parametrize("account", ["arn:aws:iam::111111111111:root", "111111111111"])
def test_the_emr_accounts_external_id_trust_is_warned_about(account: str) -> None:
    """The standard ExternalId trust names the EMR account, whose roles it lets assume the role."""
    root = {
        "Sid": "PartnerAccountExternalId",
        "Effect": "Allow",
        "Principal": {"AWS": account},
        "Action": "sts:AssumeRole",
    }
    assert conditional_trusts(_trust({**root, "Condition": EXTERNAL_ID}), EMR, besides=TRUST_SID) == [
        "'PartnerAccountExternalId' (condition keys sts:ExternalId)"
    ]


def test_another_accounts_root_is_not() -> None:
    root = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}
    assert conditional_trusts(_trust({**root, "Condition": EXTERNAL_ID}), EMR, besides=TRUST_SID) == []


def test_a_not_principal_allow_or_another_role_is_not_warned_about() -> None:
    not_principal = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": EMR},
        "Action": "sts:AssumeRole",
        "Condition": EXTERNAL_ID,
    }
    other_role = dict(PARTNER, Principal={"AWS": "arn:aws:iam::111111111111:role/Other"})
    assert conditional_trusts(_trust(not_principal, other_role), EMR, besides=TRUST_SID) == []


def test_the_role_at_another_path_is_the_same_role() -> None:
    """A role's name tells it in its account, whatever the path (IAM API Reference, "CreateRole", RoleName)."""
    at_path = dict(PARTNER, Principal={"AWS": "arn:aws:iam::111111111111:role/x/EMR_EC2_DefaultRole"})
    assert conditional_trusts(_trust(at_path), EMR, besides=TRUST_SID) != []


ROLE = "arn:aws:iam::111111111111:role/emr-ec2"
ORG_ONLY = {
    "Sid": "Partner",
    "Effect": "Allow",
    "Principal": {"AWS": ROLE},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
}


def trust_of(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(
    "already",
    [
        {"Action": "sts:Assume*"},  # wildcards (IAM User Guide, "IAM JSON policy elements: Action")
        {"Action": "STS:AssumeRole"},  # "The prefix and the action name are case insensitive" (same page)
        {"NotAction": "s3:*"},
        {"Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111111111111:role/team/emr-ec2"}},  # any path
    ],
    ids=["wildcard", "case", "not-action", "other-path"],
)
def test_a_condition_another_unconditional_allow_already_makes_moot_is_not_warned_about(
    already: dict[str, Any],
) -> None:
    """Any Allow suffices absent a Deny (IAM User Guide, "Policy evaluation logic"): the provider's adds nothing then."""
    other = {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": ROLE}, **already}

    assert conditional_trusts(trust_of(ORG_ONLY, other), ROLE, besides=TRUST_SID) == []


def test_an_unconditional_trust_of_the_account_already_makes_its_conditional_one_moot() -> None:
    root = "arn:aws:iam::111111111111:root"
    conditional = {**ORG_ONLY, "Principal": {"AWS": root}}
    plain = {"Sid": "Plain", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "sts:AssumeRole"}

    assert conditional_trusts(trust_of(conditional, plain), ROLE, besides=TRUST_SID) == []


def test_a_deny_under_other_condition_keys_does_not_keep_the_restriction() -> None:
    """
    An explicit deny applies only where it matches ("The difference between explicit and implicit denies"): a Deny of
    the role under aws:ViaAWSService leaves the ExternalId trust made moot by the provider's unconditional statement.
    """
    external_id = {
        "Sid": "PartnerExternalId",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "s3cr3t"}},
    }
    unrelated = {
        "Sid": "NotViaServices",
        "Effect": "Deny",
        "Principal": {"AWS": ROLE},
        "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:ViaAWSService": "true"}},
    }
    same_key = {**unrelated, "Sid": "OrgOnly", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}}

    assert conditional_trusts(trust_of(external_id, unrelated), ROLE, besides=TRUST_SID) == [
        "'PartnerExternalId' (condition keys sts:ExternalId)"
    ]
    assert conditional_trusts(trust_of(ORG_ONLY, same_key), ROLE, besides=TRUST_SID) == []


EXTERNAL_ID_ONLY = {
    "Sid": "PartnerExtId",
    "Effect": "Allow",
    "Principal": {"AWS": ROLE},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": "xyz-123"}},
}


def deny_of_role(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Sid": "D",
        "Effect": "Deny",
        "Principal": {"AWS": ROLE},
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }


@pytest.mark.parametrize(
    "condition",
    [
        # The keys of one condition are ANDed (IAM User Guide, "Conditions with multiple context keys or values"):
        # a Deny also testing a tag applies only to callers without it, so the ExternalId no longer restricts the rest.
        {"StringNotEquals": {"sts:ExternalId": "xyz-123", "aws:PrincipalTag/team": "data"}},
        # Not the opposite test: it denies one other value and lets every other ExternalId through.
        {"StringEquals": {"sts:ExternalId": "stolen-id"}},
    ],
    ids=["with-another-key", "not-negated"],
)
def test_a_deny_that_does_not_keep_the_test_leaves_the_warning(condition: dict[str, Any]) -> None:
    assert conditional_trusts(trust_of(EXTERNAL_ID_ONLY, deny_of_role(condition)), ROLE, besides=TRUST_SID) != []


def test_one_deny_of_both_keys_does_not_keep_a_condition_of_both() -> None:
    both = {"sts:ExternalId": "xyz-123", "aws:PrincipalOrgID": "o-partner1234"}
    allow = {**EXTERNAL_ID_ONLY, "Condition": {"StringEquals": both}}

    assert conditional_trusts(trust_of(allow, deny_of_role({"StringNotEquals": both})), ROLE, besides=TRUST_SID) != []


def test_a_deny_of_the_key_in_another_case_keeps_the_test() -> None:
    """ "Condition key names are not case-sensitive" (IAM User Guide, "IAM JSON policy elements: Condition")."""
    deny = deny_of_role({"StringNotEquals": {"STS:ExternalID": "xyz-123"}})

    assert conditional_trusts(trust_of(EXTERNAL_ID_ONLY, deny), ROLE, besides=TRUST_SID) == []


def test_a_statement_with_neither_action_nor_not_action_is_no_sure_grant() -> None:
    """IAM refuses such a statement ("Grammar of the IAM JSON policy language"): the provider's role is still added."""
    assert grants_assume_role({"Sid": "NoAction", "Effect": "Allow", "Principal": {"AWS": ROLE}}, ROLE) is False


@pytest.mark.parametrize(
    "condition",
    [
        # False for an absent key (IAM User Guide, "Set operators for multivalued context keys"): no ExternalId passes.
        {"ForAnyValue:StringNotEquals": {"sts:ExternalId": "xyz-123"}},
        # Denies only a missing ExternalId: any value passes.
        {"StringNotLike": {"sts:ExternalId": "*"}},
        # A negated operator with several values denies what matches none (NOR): other-tenant passes.
        {"StringNotEquals": {"sts:ExternalId": ["xyz-123", "other-tenant"]}},
    ],
    ids=["for-any-value", "not-like-anything", "wider-values"],
)
def test_a_deny_that_lets_through_what_the_partner_refused_leaves_the_warning(condition: dict[str, Any]) -> None:
    assert conditional_trusts(trust_of(EXTERNAL_ID_ONLY, deny_of_role(condition)), ROLE, besides=TRUST_SID) != []


@pytest.mark.parametrize("operator", ["StringNotEquals", "StringNotEqualsIfExists"])
def test_the_opposite_test_of_the_same_value_keeps_the_restriction(operator: str) -> None:
    deny = deny_of_role({operator: {"sts:ExternalId": "xyz-123"}})

    assert conditional_trusts(trust_of(EXTERNAL_ID_ONLY, deny), ROLE, besides=TRUST_SID) == []


def test_a_deny_of_another_org_key_does_not_keep_the_restriction() -> None:
    """
    aws:ResourceOrgID is the role's organization, aws:PrincipalOrgID the caller's (IAM User Guide, "AWS global
    condition context keys"): a Deny of callers outside o-abc123 by the first leaves anyone's Allow by the second
    made moot, as a Deny applies only where it matches ("The difference between explicit and implicit denies").
    """
    org_wide = {
        "Sid": "OrgWide",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    }
    perimeter = {
        "Sid": "Perimeter",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sts:AssumeRole",
        "Condition": {"StringNotEquals": {"aws:ResourceOrgID": "o-abc123"}},
    }

    assert conditional_trusts(trust_of(org_wide, perimeter), ROLE, besides=TRUST_SID) == [
        "'OrgWide' (condition keys aws:PrincipalOrgID)"
    ]


def test_an_unconditional_deny_of_the_role_leaves_no_condition_to_make_moot() -> None:
    """An explicit deny overrides any allow (IAM User Guide, "Policy evaluation logic"): the role is locked out."""
    locked_out = {"Sid": "LockedOut", "Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}

    assert conditional_trusts(trust_of(ORG_ONLY, locked_out), ROLE, besides=TRUST_SID) == []
    assert conditional_trusts(trust_of(EXTERNAL_ID_ONLY, locked_out), ROLE, besides=TRUST_SID) == []
