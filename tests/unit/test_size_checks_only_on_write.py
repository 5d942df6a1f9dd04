"""
``adding_roles``: the room is judged only when there is something to add.

IAM holds the document read, so IAM took its length (IAM User Guide, "IAM and AWS STS quotas": "Managed policy size",
6,144 characters, "IAM doesn't count white space"). A role to add is judged at the shortest text IAM takes
(``merge.policy_size``: a no-break space as itself, one character; IAM API Reference, "CreatePolicyVersion",
``PolicyDocument``: "The printable characters in the Basic Latin and Latin-1 Supplement character set (through
\\u00FF)"), not at the usual text, which escapes it as six.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam_managed import NoRoomError, adding_roles
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.merge import MAX_MANAGED_POLICY_CHARS, iam_policy_length
from devstack.aws_quotas import iam_characters

HELD = ["arn:aws:iam::222222222222:role/partner-a-writer", "arn:aws:iam::222222222222:role/partner-b-writer"]
NEW = "arn:aws:iam::222222222222:role/partner-c-writer"


def padded(arns: list[str], spaces: int = 1_500) -> dict[str, Any]:
    """The provider's statement for ``arns`` and a partner's of no-break spaces: one character each to IAM, six here."""
    guard = {
        "Sid": "PartnerGuard",
        "Effect": "Deny",
        "Action": "s3:DeleteBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": "\u00a0" * spaces}},
    }
    return {"Version": "2012-10-17", "Statement": [*documents.assume_role_policy(arns)["Statement"], guard]}


def as_iam_holds(document: dict[str, Any]) -> int:
    """The characters the stand-in's judge counts for ``document`` sent with every character as itself."""
    return iam_characters(json.dumps(document, ensure_ascii=False))


def test_a_document_holding_every_role_is_kept_whatever_its_count() -> None:
    current = padded(HELD)
    assert iam_policy_length(current) > MAX_MANAGED_POLICY_CHARS

    assert adding_roles(list(reversed(HELD)), MAX_MANAGED_POLICY_CHARS, "managed policy x")(current) is current


def test_a_role_to_add_past_the_room_at_its_shortest_is_still_judged() -> None:
    """Ten characters under 6,144 as IAM counts: a role to add does not fit however sent, and is refused."""
    current = padded(HELD, MAX_MANAGED_POLICY_CHARS - 10 - as_iam_holds(padded(HELD, 0)))
    assert as_iam_holds(current) == MAX_MANAGED_POLICY_CHARS - 10  # the stand-in's judge would take it
    assert as_iam_holds(spill.with_roles(current, [NEW])) > MAX_MANAGED_POLICY_CHARS  # and refuse it with NEW

    with pytest.raises(NoRoomError, match="managed policy x"):
        adding_roles([NEW], MAX_MANAGED_POLICY_CHARS, "managed policy x")(current)


def test_a_role_to_add_that_fits_is_added() -> None:
    desired = adding_roles([NEW], MAX_MANAGED_POLICY_CHARS, "managed policy x")(
        {"Version": "2012-10-17", "Statement": documents.assume_role_policy(HELD)["Statement"]}
    )

    [statement] = desired["Statement"]
    assert sorted(documents.as_list(statement["Resource"])) == sorted([*HELD, NEW])
