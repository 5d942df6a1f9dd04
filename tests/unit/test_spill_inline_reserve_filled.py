"""
The assume-role grant's inline reserve is kept only where a managed policy can take the rest, and filled rather than
refusing.

IAM User Guide, "IAM and AWS STS quotas": a role's inline policies together hold 10,240 characters (role policy size,
whitespace not counted), and a role takes 10 managed policies by default, adjustable to 20 (managed policies attached
to an IAM role). Regression review X2 of the reserve (``spill.INLINE_RESERVE``): a role at its managed-policy quota
with 160 partners inline refused the 161st, which IAM accepts, saying the inline policies were full while about 1,600
characters were free; a role whose other inline policies pass 8,192 characters could take no grant inline at all; and
a role holding more attached policies than ``managed_policies_per_role`` was refused naming destination_role_arns.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.merge import MAX_ROLE_INLINE_POLICIES_CHARS, policy_size
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError

ROLE = "EMR_EC2_DefaultRole"
#: Characters of the role's other inline policies past the 8,192 the reserve leaves them room to grow to.
BIG_OTHERS = 8_300


def arns(start: int, count: int) -> list[str]:
    return [f"arn:aws:iam::{100000000000 + i}:role/partner-{i:04d}-writer" for i in range(start, start + count)]


def place(
    pending: list[str],
    *,
    free_slots: int,
    inline: dict[str, Any] | None = None,
    room: int = MAX_ROLE_INLINE_POLICIES_CHARS,
    managed: dict[str, dict[str, Any] | None] | None = None,
) -> spill.Placement:
    return spill.place(
        pending,
        inline=inline,
        inline_room=room,
        managed=managed or {},
        free_slots=free_slots,
        role_name=ROLE,
        slots_limit=10,
    )


def test_a_role_without_a_free_slot_fills_the_reserve_instead_of_refusing() -> None:
    inline = documents.assume_role_policy(arns(0, 160))  # past the room the reserve leaves
    assert policy_size(inline) > MAX_ROLE_INLINE_POLICIES_CHARS - spill.INLINE_RESERVE
    placement = place(arns(160, 1), inline=inline, free_slots=0)
    assert placement.inline == arns(160, 1)
    assert placement.new == []
    assert placement.inline_room == MAX_ROLE_INLINE_POLICIES_CHARS  # the hook writes with the room chosen


def test_with_a_free_slot_the_reserve_is_kept_and_the_grant_spills() -> None:
    inline = documents.assume_role_policy(arns(0, 160))
    placement = place(arns(160, 1), inline=inline, free_slots=1)
    assert placement.inline == []
    assert placement.new == [arns(160, 1)]
    assert placement.inline_room == MAX_ROLE_INLINE_POLICIES_CHARS - spill.INLINE_RESERVE


def test_a_spill_policy_with_room_takes_the_grant_even_without_a_free_slot() -> None:
    inline = documents.assume_role_policy(arns(0, 160))
    managed = {"p-2": documents.assume_role_policy(arns(500, 10))}
    placement = place(arns(160, 1), inline=inline, managed=managed, free_slots=0)
    assert placement.inline == []
    assert placement.managed == {"p-2": arns(160, 1)}


def test_the_first_grant_beside_other_inline_policies_past_8192_characters_goes_inline_without_a_free_slot() -> None:
    placement = place(arns(0, 5), room=MAX_ROLE_INLINE_POLICIES_CHARS - BIG_OTHERS, free_slots=0)
    assert placement.inline == arns(0, 5)
    assert placement.new == []


def test_only_what_does_not_fit_the_whole_room_is_refused_naming_the_quota() -> None:
    inline = documents.assume_role_policy(arns(0, 190))  # the whole 10,240 to within one ARN
    with pytest.raises(QuotaExceededError) as refused:
        place(arns(190, 20), inline=inline, free_slots=0)
    assert refused.value.field == "destination_role_arns"
    assert "would be 11 policies" in str(refused.value)


def test_fewer_new_spill_policies_fit_the_free_slots_once_the_reserve_is_filled() -> None:
    inline = documents.assume_role_policy(arns(0, 160))
    pending = arns(160, 130)  # the reserve's room takes none of them, the whole room some: 1 new policy, not 2
    placement = place(pending, inline=inline, free_slots=1)
    assert placement.inline
    assert sorted(placement.inline + [arn for batch in placement.new for arn in batch]) == pending  # the overflow last
    assert len(placement.new) == 1


@pytest.mark.parametrize("attached", [11, 12])
def test_more_policies_attached_than_managed_policies_per_role_names_that_field(attached: int) -> None:
    inline = documents.assume_role_policy(arns(0, 160))  # the reserve not filled: the quota given is wrong
    with pytest.raises(QuotaExceededError) as refused:
        place(arns(160, 1), inline=inline, free_slots=10 - attached)
    assert refused.value.field == "managed_policies_per_role"
    message = str(refused.value)
    assert f"role {ROLE} holds {attached} attached policies, more than managed_policies_per_role=10" in message
    assert "the account's quota is likely raised: pass it" in message
