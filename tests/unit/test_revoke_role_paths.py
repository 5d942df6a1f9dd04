"""
A revoke names the destination role by its name, at any path: the pure matching (``pure/merge.py``).

"IAM user, group, role, and policy names must be unique within the account. Names are not distinguished by case"
(IAM API Reference, "CreateRole", ``RoleName``), while a role's ARN holds its path (IAM User Guide, "IAM
identifiers", "IAM ARNs"). So ``…:role/team/pathed`` and ``…:role/pathed`` of one account name one role: a revoke
given either takes every ARN of that role out of a document. Another account's or partition's role of that name is
another role; a wildcard ARN someone wrote, and a user, are compared as before (the path exactly).
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure import spill
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, assume_role_policy, key_users_statement
from airflow_provider_emrfs_xacct.pure.merge import (
    names_role,
    principals_naming,
    resources_naming,
    roles_named,
    same_identity,
    same_role,
    statements_naming,
    without_roles_named,
)

ACCOUNT = "222222222222"
PATHED = f"arn:aws:iam::{ACCOUNT}:role/team/pathed"
PATHLESS = f"arn:aws:iam::{ACCOUNT}:role/pathed"
OTHER_ACCOUNT = "arn:aws:iam::333333333333:role/team/pathed"
OTHER_PARTITION = f"arn:aws-cn:iam::{ACCOUNT}:role/team/pathed"


@pytest.mark.parametrize(
    "shown",
    [
        PATHED,
        PATHLESS,
        f"arn:aws:iam::{ACCOUNT}:role/elsewhere/deeper/pathed",
        f"arn:aws:iam::{ACCOUNT}:role/team/PATHED",  # the name in another case
        f"arn:aws:iam::{ACCOUNT}:role/Pathed",
    ],
)
def test_every_arn_of_the_role_s_name_in_its_account_names_it_whatever_the_path(shown: str) -> None:
    assert same_role(shown, PATHLESS)
    assert same_role(PATHLESS, shown)
    assert same_role(shown, PATHED)


@pytest.mark.parametrize(
    "shown",
    [
        OTHER_ACCOUNT,  # another account's role of that name: another role
        OTHER_PARTITION,
        f"arn:aws:iam::{ACCOUNT}:role/team/pathed-2",
        f"arn:aws:iam::{ACCOUNT}:user/team/pathed",  # a user of that name is not the role
        f"arn:aws:iam::{ACCOUNT}:role/*/pathed",  # wildcards someone wrote: compared as spelled, as before
        f"arn:aws:iam::{ACCOUNT}:role/team/path?d",
        f"arn:aws:iam::{ACCOUNT}:root",
        "AROAEXAMPLEUNIQUEID1",
        "*",
    ],
)
def test_another_role_a_user_a_wildcard_or_an_account_is_not_the_role(shown: str) -> None:
    assert not same_role(shown, PATHLESS)
    assert not same_role(shown, PATHED)


def test_a_wildcard_or_a_user_is_still_matched_as_spelled() -> None:
    wildcard = f"arn:aws:iam::{ACCOUNT}:role/team/*"
    user = f"arn:aws:iam::{ACCOUNT}:user/team/Someone"
    assert same_role(wildcard, wildcard)
    assert same_role(user, f"arn:aws:iam::{ACCOUNT}:user/team/someone")  # the name in any case, as before
    assert not same_role(f"arn:aws:iam::{ACCOUNT}:user/Someone", user)  # a user's path is compared exactly


def test_the_path_exact_comparison_stays_as_it_was() -> None:
    """``same_identity`` (the command line's mapping check) still tells the paths apart; only revokes use ``same_role``."""
    assert not same_identity(PATHED, PATHLESS)
    assert same_role(PATHED, PATHLESS)


def test_the_lists_keep_another_account_s_role_of_that_name_and_every_other_value() -> None:
    values = [PATHED, OTHER_ACCOUNT, OTHER_PARTITION, f"arn:aws:iam::{ACCOUNT}:role/kept", "AROAEXAMPLEUNIQUEID1"]

    assert without_roles_named(values, [PATHLESS]) == values[1:]
    assert roles_named([*values, PATHED], [PATHLESS]) == [PATHED]
    assert names_role(values, [PATHLESS])
    assert not names_role(values[1:], [PATHLESS])


def test_the_documents_spellings_of_the_role_are_found_by_element() -> None:
    grant = assume_role_policy([PATHED, OTHER_ACCOUNT])
    someones = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [f"arn:aws:iam::{ACCOUNT}:role/other", "*"]}
        ],
    }
    key_policy = {"Version": "2012-10-17", "Statement": [key_users_statement([PATHED, OTHER_ACCOUNT])]}

    assert resources_naming([grant, None, someones], PATHLESS) == [PATHED]
    assert resources_naming([someones], PATHLESS) == []
    assert principals_naming(key_policy, PATHLESS) == [PATHED]
    assert principals_naming(key_policy, "arn:aws:iam::444444444444:role/pathed") == []
    assert statements_naming(key_policy, PATHLESS) == [repr(KEY_USERS_SID)]
    assert statements_naming(key_policy, "arn:aws:iam::444444444444:role/pathed") == []


def test_a_spill_policy_loses_the_role_only_under_the_arns_given() -> None:
    """``spill.without_roles`` compares as spelled: the hook gives it every ARN the document names the role by."""
    document = assume_role_policy([PATHED, OTHER_ACCOUNT])

    assert spill.without_roles(document, {PATHLESS}) == document
    assert spill.held(spill.without_roles(document, {PATHLESS, *roles_named(spill.held(document), [PATHLESS])})) == {
        OTHER_ACCOUNT
    }
