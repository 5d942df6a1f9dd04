"""The scenario: N partners sharing the EMR EC2 role and the bucket's KMS key, and the minimum their chains need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devstack.moto_stack import BUCKET, DESTINATION_ACCOUNT

SIZES = (1, 10, 100)
#: Rounds per size: small sizes are fast and noisy, so they get more.
ROUNDS = {1: 7, 10: 7, 100: 3}
PHASES = ("first", "steady")
#: Per partner chain: mutating calls and reads of the first run and of the steady state (docs/performance.md).
MINIMUM_PER_PARTNER = {"first": (5, 5), "steady": (0, 5)}
MAX_RATIO = 1.5
#: Why the provider sends a call the minimum does not, by operation.
EXTRA_CALL_REASONS = {
    "GetRole": "trust policy read back after UpdateAssumeRolePolicy (convergence check; none after CreateRole)",
    "GetRolePolicy": "inline policy read back after PutRolePolicy (convergence check): destination role and shared EMR role",
    "GetKeyPolicy": "key policy read back after PutKeyPolicy (convergence check on the shared key policy)",
    "ListRolePolicies": "the EMR role's other inline policies, before adding a grant (quota read, below)",
    "ListAttachedRolePolicies": (
        "the EMR role's managed policies, before adding a grant: a spill policy may already hold the role "
        "(quota read, below)"
    ),
    "DescribeKey": "the key's kind and state, before the key policy is changed (check read, below)",
}
#: Reads that check an AWS quota before a write, which the hand-written minimum does not: IAM's
#: 10,240 characters are for all inline policies of a role together ("IAM and AWS STS quotas"), so a
#: grant is added inline only when the role's other inline policies leave room (docs/scale.md). Grants past
#: that room go into the provider's managed "spill" policies attached to the role, at most 10 managed policies
#: per role by default (same page): the role's attached policies are read before a grant is added, since a spill
#: policy may already hold the role (then nothing is written) and each new one takes a slot.
QUOTA_READS = {"ListRolePolicies", "ListAttachedRolePolicies"}
#: Reads that check, before a write, that the write can make the chain work, which the hand-written minimum does
#: not: a key S3 cannot encrypt with (asymmetric, HMAC, scheduled for deletion) is refused rather than granted
#: (docs/howto/kms_key_user.md).
CHECK_READS = {"DescribeKey"}


@dataclass(frozen=True)
class Partner:
    """Partner ``index`` of one contender (``owner`` "p" or "b": same name lengths, disjoint resources)."""

    index: int
    owner: str

    @property
    def name_prefix(self) -> str:
        return f"partner-{self.owner}{self.index:03d}"

    @property
    def role_name(self) -> str:
        return f"{self.name_prefix}-writer"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{self.role_name}"

    @property
    def prefix(self) -> str:
        return f"{self.name_prefix}/"

    @property
    def location(self) -> str:
        return f"s3://{BUCKET}/{self.prefix}"

    def role_mappings(self) -> list[dict[str, Any]]:
        # The identifier the provider writes: without the trailing slash (see the README's identifier shape).
        return [{"Role": self.role_arn, "IdentifierType": "Prefix", "Identifiers": [self.location.rstrip("/")]}]
