"""
``adding_roles``: the room is judged only when there is something to add.

IAM holds the document read, so IAM took its length (IAM User Guide, "IAM and AWS STS quotas": "Managed policy size",
6,144 characters, "IAM doesn't count white space"); the provider counts a character it sends escaped as the six sent.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam_managed import NoRoomError, adding_roles
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.merge import MAX_MANAGED_POLICY_CHARS, iam_policy_length

HELD = ["arn:aws:iam::222222222222:role/partner-a-writer", "arn:aws:iam::222222222222:role/partner-b-writer"]
NEW = "arn:aws:iam::222222222222:role/partner-c-writer"


def padded(arns: list[str]) -> dict[str, Any]:
    """The provider's statement for ``arns`` and a partner's of no-break spaces: one character each to IAM, six here."""
    guard = {
        "Sid": "PartnerGuard",
        "Effect": "Deny",
        "Action": "s3:DeleteBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": "\u00a0" * 1_500}},
    }
    return {"Version": "2012-10-17", "Statement": [*documents.assume_role_policy(arns)["Statement"], guard]}


def test_a_document_holding_every_role_is_kept_whatever_its_count() -> None:
    current = padded(HELD)
    assert iam_policy_length(current) > MAX_MANAGED_POLICY_CHARS

    assert adding_roles(list(reversed(HELD)), MAX_MANAGED_POLICY_CHARS, "managed policy x")(current) is current


def test_a_role_to_add_is_still_judged() -> None:
    with pytest.raises(NoRoomError, match="managed policy x"):
        adding_roles([NEW], MAX_MANAGED_POLICY_CHARS, "managed policy x")(padded(HELD))


def test_a_role_to_add_that_fits_is_added() -> None:
    desired = adding_roles([NEW], MAX_MANAGED_POLICY_CHARS, "managed policy x")(
        {"Version": "2012-10-17", "Statement": documents.assume_role_policy(HELD)["Statement"]}
    )

    [statement] = desired["Statement"]
    assert sorted(documents.as_list(statement["Resource"])) == sorted([*HELD, NEW])
