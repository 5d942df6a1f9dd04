"""
The assume-role grant leaves room in the role's shared inline budget, and never plans past the role's attached policies.

IAM User Guide, "IAM and AWS STS quotas": a role's inline policies together hold 10,240 characters (role policy size),
and a role takes 10 managed policies by default, adjustable to 20 (managed policies attached to an IAM role). Outside
review U6: the assume grant filled the 10,240 to within one ARN, so option (a)'s bucket policy on the same role, or
the account owner's own inline policy, could no longer grow; and a role already holding more managed policies than
``managed_policies_per_role`` says (an account's raised quota, the task's default) had spill policies planned
without limit, IAM refusing an attach midway.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure import bucket_policy, documents, spill
from airflow_provider_emrfs_xacct.pure.merge import MAX_ROLE_INLINE_POLICIES_CHARS, policy_size
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from airflow_provider_emrfs_xacct.pure.validation import S3Location

ROLE = "EMR_EC2_DefaultRole"


def arns(start: int, count: int) -> list[str]:
    return [f"arn:aws:iam::{100000000000 + i}:role/partner-{i:04d}-writer" for i in range(start, start + count)]


def bucket_grant(partners: int) -> int:
    """The size of option (a)'s inline policy for ``partners`` buckets, each with its key."""
    locations = {S3Location(f"partner-{i:04d}-bucket", "exports/") for i in range(partners)}
    keys = {
        f"arn:aws:kms:us-east-1:1111111111{i:02d}:key/1234abcd-12ab-34cd-56ef-1234567890ab" for i in range(partners)
    }
    return policy_size(bucket_policy.emr_role_bucket_policy("aws", locations, keys))


def test_the_assume_grant_leaves_the_reserve_for_the_role_s_other_inline_policies() -> None:
    others = bucket_grant(3)
    placement = spill.place(
        arns(0, 400),
        inline=None,
        inline_room=MAX_ROLE_INLINE_POLICIES_CHARS - others,
        managed={},
        free_slots=9,
        role_name=ROLE,
        slots_limit=10,
    )
    assume = policy_size(spill.with_roles(None, placement.inline))
    left = MAX_ROLE_INLINE_POLICIES_CHARS - others - assume
    assert spill.INLINE_RESERVE <= left < spill.INLINE_RESERVE + 60  # filled up to the reserve, not past it
    assert sorted(placement.inline + [arn for batch in placement.new for arn in batch]) == arns(0, 400)
    # Option (a)'s policy for one partner more still fits beside it.
    assert bucket_grant(4) + assume <= MAX_ROLE_INLINE_POLICIES_CHARS


def test_grants_already_inline_past_the_reserve_stay_and_nothing_more_goes_inline() -> None:
    inline = documents.assume_role_policy(arns(0, 185))  # written before the reserve: 10,240 to within one ARN
    placement = spill.place(
        arns(185, 20),
        inline=inline,
        inline_room=MAX_ROLE_INLINE_POLICIES_CHARS,
        managed={},
        free_slots=9,
        role_name=ROLE,
        slots_limit=10,
    )
    assert placement.inline == []  # the inline policy is not written (nor any ARN moved out of it)
    assert placement.new == [arns(185, 20)]


@pytest.mark.parametrize("attached", [10, 12])
def test_a_role_with_more_policies_attached_than_the_quota_given_is_refused_before_any_write(attached: int) -> None:
    with pytest.raises(QuotaExceededError) as refused:
        spill.place(
            arns(0, 700),
            inline=None,
            inline_room=MAX_ROLE_INLINE_POLICIES_CHARS,
            managed={},
            free_slots=10 - attached,
            role_name=ROLE,
            slots_limit=10,
        )
    assert refused.value.amount == attached + 1
    assert "managed_policies_per_role" in str(refused.value)
