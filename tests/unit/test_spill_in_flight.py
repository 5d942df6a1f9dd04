"""
Spill policies of concurrent grants: one in flight between its ``CreatePolicy`` and its ``AttachRolePolicy``, and the
room a concurrent grant's policy leaves (``pure/spill.py``; the races themselves: ``tests/integration/test_spill_races.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.merge import MAX_MANAGED_POLICY_CHARS

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
HEAD = "arn:aws:iam::111111111111:policy"
ROLE = "EMR_EC2_DefaultRole"


def spill_arn(index: int, role: str = ROLE, path: str = spill.SPILL_PATH) -> str:
    return f"{HEAD}{path}{spill.spill_name(documents.ASSUME_POLICY_NAME, role, index)}"


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (timedelta(seconds=1), True),  # a concurrent grant's, created a moment ago
        (timedelta(minutes=14), True),
        (timedelta(minutes=16), False),  # longer than a grant takes to attach what it creates: left over
        (timedelta(days=30), False),
        (-timedelta(minutes=4), True),  # IAM's clock ahead of ours: written "in the future", just now
    ],
)
def test_an_unattached_spill_policy_is_in_flight_only_while_recently_written(ago: timedelta, expected: bool) -> None:
    assert spill.in_flight(NOW - ago, NOW) is expected


def test_a_policy_without_a_date_is_not_taken_for_one_in_flight() -> None:
    """IAM's answer without ``UpdateDate``: the left-over warning, as before (nothing hidden)."""
    assert spill.in_flight(None, NOW) is False


def test_spill_policies_of_the_same_role_are_recognised_by_path_and_stem() -> None:
    assert spill.same_role_spill(spill_arn(2), spill_arn(3))
    assert spill.same_role_spill(spill_arn(2), spill_arn(3).replace(ROLE, ROLE.lower()))  # IAM names: any case
    assert not spill.same_role_spill(spill_arn(2), spill_arn(3, role="EMR_EC2_NightlyRole"))
    assert not spill.same_role_spill(spill_arn(2), spill_arn(3, path="/team/"))  # someone's copy elsewhere
    assert not spill.same_role_spill(spill_arn(2), f"{HEAD}{spill.SPILL_PATH}{documents.ASSUME_POLICY_NAME}-3")
    assert not spill.same_role_spill(spill_arn(2), f"{spill_arn(3)}-extra")
    assert not spill.same_role_spill(spill_arn(2), f"{HEAD}/team-policy-1")


def test_room_is_for_any_one_of_the_roles() -> None:
    long_arn = "arn:aws:iam::222222222222:role/" + "x" * 60
    short_arn = "arn:aws:iam::222222222222:role/x"
    filler = [f"arn:aws:iam::222222222222:role/w-{index:04d}-" + "w" * 20 for index in range(400)]
    document = spill.with_roles(None, spill.fill(None, filler, MAX_MANAGED_POLICY_CHARS - 40))
    assert spill.has_room(None, [long_arn])
    assert not spill.has_room(document, [long_arn])
    assert spill.has_room(document, [long_arn, short_arn])  # place() fills in order; one is room enough to place again
    full = spill.with_roles(None, spill.fill(None, filler, MAX_MANAGED_POLICY_CHARS))
    assert not spill.has_room(full, [short_arn + "yy", *filler[-5:]])
