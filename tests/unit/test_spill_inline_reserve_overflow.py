"""
Where the reserve must be filled, it takes only the overflow no managed policy can hold.

IAM User Guide, "IAM and AWS STS quotas": a role's inline policies together hold 10,240 characters (role policy size,
whitespace not counted), a managed policy 6,144, and a role takes 10 managed policies by default (managed policies
attached to an IAM role). Regression review Y1 of the filled reserve (``spill.place``): once it could not be kept, the
inline policy was filled to the last character before the spill policy with room and the free slot took their share,
so 150 partners inline, a spill policy with room for 53 and 63 new grants left 33 characters to the role's other inline
policies rather than about 1,600: only 10 grants needed the reserve (docs/scale.md: "the reserve is kept only where
the grants it would take can go to a managed policy").
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    MAX_ROLE_INLINE_POLICIES_CHARS,
    policy_size,
)

ROLE = "EMR_EC2_DefaultRole"
FULL = MAX_ROLE_INLINE_POLICIES_CHARS


def arns(start: int, count: int) -> list[str]:
    return [f"arn:aws:iam::{100000000000 + i}:role/partner-{i:04d}-writer" for i in range(start, start + count)]


INLINE = documents.assume_role_policy(arns(0, 150))  # about 100 characters short of the reserve
SPILL = documents.assume_role_policy(arns(500, 60))  # room for 53 more


def place(pending: list[str], *, managed: dict[str, dict] | None = None, free_slots: int) -> spill.Placement:
    return spill.place(
        pending,
        inline=INLINE,
        inline_room=FULL,
        managed=managed or {},
        free_slots=free_slots,
        role_name=ROLE,
        slots_limit=10,
    )


def left_to_others(placement: spill.Placement) -> int:
    return FULL - policy_size(spill.with_roles(INLINE, placement.inline))


def test_the_spill_policy_with_room_is_filled_before_the_reserve() -> None:
    assert len(spill.fill(SPILL, arns(2000, 200), MAX_MANAGED_POLICY_CHARS)) == 53
    placement = place(arns(1000, 63), managed={"p-2": SPILL}, free_slots=0)
    assert {name: len(batch) for name, batch in placement.managed.items()} == {"p-2": 53}
    assert len(placement.inline) == 10  # the overflow alone, in the reserve
    assert placement.new == []
    assert placement.inline_room == FULL  # the hook writes with the room used
    assert left_to_others(placement) > 1_500


def test_a_new_spill_policy_in_the_free_slot_is_filled_before_the_reserve() -> None:
    whole = len(spill.fill(None, arns(1000, 400), MAX_MANAGED_POLICY_CHARS))
    placement = place(arns(1000, whole + 10), free_slots=1)
    assert [len(batch) for batch in placement.new] == [whole]
    assert len(placement.inline) == 10
    assert sorted(placement.inline + placement.new[0]) == arns(1000, whole + 10)
    assert placement.inline_room == FULL
    assert left_to_others(placement) > 1_500
