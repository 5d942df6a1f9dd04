"""
The spill placement measures each document at the shortest text IAM takes, as the writes that follow judge and send it.

IAM takes every character "in the range U+0020 to U+00FF" as itself (IAM User Guide, "IAM and AWS STS quotas"; IAM API
Reference, "PutRolePolicy" and "CreatePolicyVersion", ``PolicyDocument``: "through \\u00FF"), so a no-break space
someone's statement holds is one of IAM's characters (``merge.policy_size``), not the six of the escape the usual text
sends (``merge.iam_policy_length``). The writes that add send that shortest text where the usual one does not fit
(``merge.written_text`` with the room); the placement must count the same, or it takes a policy with room for full.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    MAX_ROLE_INLINE_POLICIES_CHARS,
    iam_policy_length,
    policy_size,
)

NBSP = "\u00a0"
ROLE = "EMR_EC2_DefaultRole"


def arns(start: int, count: int) -> list[str]:
    return [
        f"arn:aws:iam::{900000000000 + i:012d}:role/emrfs-partner-writer-{i:04d}" for i in range(start, start + count)
    ]


def padded(role_arns: list[str], spaces: int = 1_500) -> dict[str, Any]:
    """The provider's statement for ``role_arns`` beside a partner's Deny holding ``spaces`` no-break spaces."""
    guard = {
        "Sid": "PartnerGuard",
        "Effect": "Deny",
        "Action": "s3:DeleteBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": NBSP * spaces}},
    }
    return {"Version": "2012-10-17", "Statement": [*documents.assume_role_policy(role_arns)["Statement"], guard]}


def test_place_fills_the_inline_policy_as_far_as_its_shortest_text_allows() -> None:
    inline = padded(arns(0, 1))
    pending = arns(1, 300)
    placement = spill.place(
        pending,
        inline=inline,
        inline_room=MAX_ROLE_INLINE_POLICIES_CHARS,
        managed={},
        free_slots=10,
        role_name=ROLE,
        slots_limit=10,
    )
    taken = len(placement.inline)
    room = MAX_ROLE_INLINE_POLICIES_CHARS - spill.INLINE_RESERVE  # the reserve left for the role's other policies
    assert policy_size(spill.with_roles(inline, pending[:taken])) <= room
    assert policy_size(spill.with_roles(inline, pending[: taken + 1])) > room
    # The escaped count (1,500 × 6) would have left room for far fewer.
    assert iam_policy_length(spill.with_roles(inline, pending[:taken])) > room
    assert [arn for batch in placement.new for arn in batch] == pending[taken:]


def test_place_writes_a_spill_policy_with_room_at_its_shortest_rather_than_a_new_one() -> None:
    """The reported case: 1,876 of 6,144 characters as IAM counts, 9,376 escaped; the role's one slot is taken."""
    managed = padded(arns(0, 1))
    added = spill.with_roles(managed, arns(1, 1))
    assert policy_size(added) <= MAX_MANAGED_POLICY_CHARS < iam_policy_length(added)

    placement = spill.place(
        arns(1, 1), inline=None, inline_room=60, managed={"p-2": managed}, free_slots=0, role_name=ROLE, slots_limit=1
    )

    assert placement.inline == []
    assert placement.managed == {"p-2": arns(1, 1)}
    assert placement.new == []


def test_fill_stops_exactly_at_the_shortest_count() -> None:
    """A room set to the shortest size of the document with three more roles takes three, not four, not two."""
    document = padded(arns(0, 1), spaces=4_000)
    pending = arns(1, 10)
    room = policy_size(spill.with_roles(document, pending[:3]))
    assert iam_policy_length(spill.with_roles(document, pending[:1])) > room

    assert spill.fill(document, pending, room) == pending[:3]
    assert spill.fill(document, pending, room - 1) == pending[:2]


def test_has_room_counts_the_no_break_spaces_once() -> None:
    managed = padded(arns(0, 1))
    assert spill.has_room(managed, arns(1, 1))
    full = padded(arns(0, 1), spaces=MAX_MANAGED_POLICY_CHARS - policy_size(padded(arns(0, 1), spaces=0)) - 10)
    assert not spill.has_room(full, arns(1, 1))
