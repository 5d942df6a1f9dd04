"""
The statement for nobody a revoke leaves in a trust policy refuses nobody, beside statements added later too.

A revoke that takes the last role out of the trust policy's only statement writes a ``Deny`` of ``sts:AssumeRole``
for every principal in its place, keeping a ``Condition`` someone had added to the provider's statement for the next
grant. Beside an ``Allow`` added later, that ``Deny`` under the kept condition refused exactly the principals the
condition matched (IAM User Guide, "Policy evaluation logic": an explicit deny overrides any allow), and the next
grant, no longer taking it for the revoke's, failed with advice about a wildcard principal. It now carries a
condition no request meets (``StringEquals`` on ``aws:PrincipalAccount`` with a value that is no 12-digit account
ID: AWS Account Management Reference Guide, "View AWS account identifiers"; a key the request lacks matches nothing:
"IAM JSON policy elements: Condition operators"), so it refuses nobody, and the grant recognises it anywhere.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.documents import (
    TRUST_NOBODY_MARK,
    TRUST_NOBODY_STATEMENT,
    TRUST_SID,
    trust_statement,
)
from airflow_provider_emrfs_xacct.pure.evaluator import conditions_hold
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import (
    as_list,
    granted_trust_statement,
    kept_trust_condition,
    merged_principals,
    revokes_trust_nobody,
    trust_without_role,
    upsert_statement,
    without_trust_nobody,
)

EMR = "111111111111"
EMR_ROLE_NAME = "EMR_EC2_DefaultRole"
REVOKED = f"arn:aws:iam::{EMR}:role/{EMR_ROLE_NAME}"
A = f"arn:aws:iam::{EMR}:role/Analysts"
TEAM_X = {"StringEquals": {"aws:PrincipalTag/team": "x"}}
MINE = {"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}
#: The statement for nobody as an earlier release wrote it: of sts:AssumeRole alone, without the mark.
EARLIER = {"Sid": TRUST_SID, "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}


def revoked_alone(condition: dict[str, Any] | None) -> dict[str, Any]:
    """The trust policy a revoke leaves when the provider's statement, under ``condition``, was its only one."""
    ours = trust_statement([REVOKED])
    if condition is not None:
        ours["Condition"] = copy.deepcopy(condition)
    result = trust_without_role({"Version": "2012-10-17", "Statement": [ours]}, EMR, EMR_ROLE_NAME)
    assert result is not None
    return result


def request_of(principal_arn: str, **tags: str) -> dict[str, Any]:
    """The request context of ``principal_arn``'s ``sts:AssumeRole`` (IAM User Guide, "AWS global condition keys")."""
    context = {
        "aws:PrincipalArn": principal_arn,
        "aws:PrincipalAccount": principal_arn.split(":")[4],
        "aws:PrincipalType": "AssumedRole",
    }
    return context | {f"aws:PrincipalTag/{key}": value for key, value in tags.items()}


def test_the_revokes_statement_beside_an_allow_added_later_refuses_nobody_and_gives_way_to_the_grant() -> None:
    """
    The review's case. Before: the ``Deny`` under ``team=x`` refused A, tagged ``team=x``, beside its own ``Allow``,
    and the grant failed in merged_principals ("holds the wildcard principal '*'").
    """
    trust = revoked_alone(TEAM_X)
    [nobody] = trust["Statement"]
    assert nobody["Effect"] == "Deny"
    trust["Statement"].append(copy.deepcopy(MINE))

    # On AWS the Deny applies to no request, the user's own condition met or not, the keys present or not.
    every_key = frozenset(request_of(A, team="x"))
    for context in (request_of(A, team="x"), request_of(A, team="y"), {}):
        assert conditions_hold(nobody["Condition"], context, every_key - frozenset(context))[0] is False

    assert revokes_trust_nobody(trust) is nobody
    base = without_trust_nobody(trust)
    assert base == {"Version": "2012-10-17", "Statement": [MINE]}
    assert merged_principals(base, TRUST_SID, [A], skip_if_granted=True) == []  # "Mine" trusts A already
    # A role no statement trusts yet: the provider's statement comes back with the user's Condition, as it was.
    principals = merged_principals(base, TRUST_SID, [REVOKED], skip_if_granted=True)
    assert upsert_statement(base, granted_trust_statement(trust, principals)) == {
        "Version": "2012-10-17",
        "Statement": [MINE, {**trust_statement([REVOKED]), "Condition": TEAM_X}],
    }


def test_without_a_condition_of_the_users_the_revokes_statement_refuses_nobody_either() -> None:
    """The sibling: an unconditional Deny beside an Allow added later refused everyone it names."""
    trust = revoked_alone(None)
    assert trust == {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT]}
    assert TRUST_NOBODY_STATEMENT["Condition"] == {"StringEquals": {"aws:PrincipalAccount": TRUST_NOBODY_MARK}}
    assert conditions_hold(TRUST_NOBODY_STATEMENT["Condition"], request_of(A))[0] is False
    assert kept_trust_condition(trust) == {}
    assert granted_trust_statement(trust, [REVOKED]) == trust_statement([REVOKED])


@pytest.mark.parametrize(
    ("condition", "marked"),
    [
        # The user's StringEquals compares the account already: its value list would let the mark match (values of a
        # key match when any does), so the mark goes on the ARN.
        (
            {"StringEquals": {"aws:PrincipalAccount": EMR}},
            {"StringEquals": {"aws:PrincipalAccount": EMR, "aws:PrincipalArn": TRUST_NOBODY_MARK}},
        ),
        (  # condition key names are not case-sensitive (IAM User Guide, "IAM JSON policy elements: Condition")
            {"StringEquals": {"aws:principalaccount": [EMR, "222222222222"]}},
            {"StringEquals": {"aws:principalaccount": [EMR, "222222222222"], "aws:PrincipalArn": TRUST_NOBODY_MARK}},
        ),
        (  # another operator on the same key is another block, which must hold too: the mark keeps its key
            {"StringNotEquals": {"aws:PrincipalAccount": EMR}},
            {
                "StringNotEquals": {"aws:PrincipalAccount": EMR},
                "StringEquals": {"aws:PrincipalAccount": TRUST_NOBODY_MARK},
            },
        ),
    ],
    ids=["same-operator-and-key", "same-key-other-case", "other-operator"],
)
def test_a_user_condition_on_the_marks_key_keeps_its_values_and_comes_back_as_it_was(
    condition: dict[str, Any], marked: dict[str, Any]
) -> None:
    trust = revoked_alone(condition)
    [nobody] = trust["Statement"]
    assert nobody["Condition"] == marked
    assert conditions_hold(nobody["Condition"], request_of(REVOKED))[0] is False  # the user's part holds here
    trust["Statement"].append(copy.deepcopy(MINE))
    assert without_trust_nobody(trust) == {"Version": "2012-10-17", "Statement": [MINE]}
    assert granted_trust_statement(trust, [REVOKED]) == {**trust_statement([REVOKED]), "Condition": condition}


def test_a_user_condition_comparing_both_marks_keys_is_refused_before_any_write() -> None:
    condition = {"StringEquals": {"aws:PrincipalAccount": EMR, "aws:PrincipalArn": REVOKED}}
    ours = {**trust_statement([REVOKED]), "Condition": condition}
    with pytest.raises(ConflictError, match="could not keep that Condition without refusing"):
        trust_without_role({"Version": "2012-10-17", "Statement": [ours]}, EMR, EMR_ROLE_NAME)


def test_an_earlier_releases_conditional_deny_alone_is_still_the_revokes() -> None:
    """The form an earlier release wrote (the user's Condition, no mark) as the trust policy's only statement."""
    old = {"Version": "2012-10-17", "Statement": [{**EARLIER, "Condition": TEAM_X}]}
    assert without_trust_nobody(old) == {"Version": "2012-10-17", "Statement": []}
    assert granted_trust_statement(old, [REVOKED]) == {**trust_statement([REVOKED]), "Condition": TEAM_X}
    assert without_trust_nobody({"Statement": [EARLIER, MINE]}) == {"Statement": [MINE]}  # unconditional: anywhere


def test_an_earlier_releases_conditional_deny_beside_other_statements_is_refused_saying_what_it_is() -> None:
    """
    It refuses the principals its condition matches and cannot be told from someone's restriction: the grant leaves
    it and refuses, naming it for what it is, not as a statement holding a wildcard principal.
    """
    trust = {"Version": "2012-10-17", "Statement": [{**EARLIER, "Condition": TEAM_X}, MINE]}
    assert without_trust_nobody(trust) is trust
    with pytest.raises(ConflictError) as refused:
        merged_principals(without_trust_nobody(trust), TRUST_SID, [A], skip_if_granted=True)
    assert "Deny of sts:AssumeRole for every principal under a Condition" in str(refused.value)
    assert "earlier release" in str(refused.value)
    assert "wildcard" not in str(refused.value)


@pytest.mark.parametrize(
    "nobody",
    [
        EARLIER,  # an earlier release's, unconditional
        {**EARLIER, "Condition": TEAM_X},  # an earlier release's, under the user's Condition (alone)
        {**EARLIER, "Condition": TRUST_NOBODY_STATEMENT["Condition"]},  # the mark on sts:AssumeRole alone
        TRUST_NOBODY_STATEMENT,  # this release's
        {**TRUST_NOBODY_STATEMENT, "Action": ["sts:TagSession", "sts:AssumeRole"]},  # its actions in another order
    ],
    ids=["earlier-plain", "earlier-conditional", "marked-assume-role-only", "this-release", "actions-reordered"],
)
def test_every_form_of_the_statement_for_nobody_is_the_revokes_and_the_grant_replaces_it(nobody: Any) -> None:
    trust = {"Version": "2012-10-17", "Statement": [copy.deepcopy(nobody)]}
    assert revokes_trust_nobody(trust) == nobody
    assert without_trust_nobody(trust) == {"Version": "2012-10-17", "Statement": []}
    expected = trust_statement([REVOKED])
    if "team" in str(nobody.get("Condition")):
        expected["Condition"] = TEAM_X
    assert granted_trust_statement(trust, [REVOKED]) == expected  # never the mark: it would match no request


def test_an_earlier_release_does_not_take_this_releases_statement_for_nobody_for_its_own() -> None:
    """
    An earlier release takes a statement for nobody to be one of ``sts:AssumeRole`` alone (its
    ``documents.is_trust_nobody``: ``as_list(statement["Action"]) == ["sts:AssumeRole"]``) and copies its Condition
    onto the Allow its grant writes: with the mark, an Allow that matches no request, and the grant "succeeded".
    With ``sts:TagSession`` beside it, it takes the statement for someone's and its grant refuses the wildcard
    principal before any write (shown with ``git archive 4408bda2^``: ConflictError "holds the wildcard principal").
    ``sts:TagSession`` belongs in a role trust policy (IAM User Guide, "Pass session tags in AWS STS").
    """
    assert as_list(TRUST_NOBODY_STATEMENT["Action"]) != ["sts:AssumeRole"]
    assert sorted(as_list(TRUST_NOBODY_STATEMENT["Action"])) == ["sts:AssumeRole", "sts:TagSession"]
    assert TRUST_NOBODY_STATEMENT["Principal"] == {"AWS": "*"}
