"""
The partner counts README.md ("How far it grows") and docs/scale.md give for each size wall, computed.

Each figure is the most role ARNs the provider's own documents hold within AWS's quota, counted here as
the stand-in's quota judge counts (``devstack/aws_quotas.py``: IAM's characters without whitespace, a key
policy's bytes as sent), with AWS's figures written here: a role's inline policies together 10,240
characters and a managed policy 6,144 (IAM User Guide, "IAM and AWS STS quotas"), a trust policy 2,048
(4,096 raised, same page), a key policy 32,768 bytes (AWS KMS Developer Guide, "Create a key policy", "Elements in a key policy").
ARNs of 50 characters (``arn:aws:iam::123456789012:role/partner-0001-writer``), in brackets 80. Before
this test the key-policy figure (530) and the trust-policy figure (30) were an earlier estimate; the
provider's documents hold 604 and 36.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.merge import merged_principals, policy_text, upsert_statement
from devstack.aws_quotas import iam_characters

ROOT = Path(__file__).resolve().parents[2]
ROLE_INLINE_CHARS = 10_240
MANAGED_CHARS = 6_144
TRUST_CHARS, TRUST_RAISED_CHARS = 2_048, 4_096
KEY_POLICY_BYTES = 32_768

#: The seeded EMR EC2 role's other inline policy (devstack/moto_stack.py), 153 characters.
OTHER_INLINE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::emr-logs-a/*",
        }
    ],
}
#: The seeded key policy's two statements (devstack/moto_stack.py): the account's and the key administrators'.
KEY_POLICY = {
    "Version": "2012-10-17",
    "Id": "partner-key-policy",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Allow access for Key Administrators",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:role/KeyAdmin"},
            "Action": [
                "kms:Create*",
                "kms:Describe*",
                "kms:Enable*",
                "kms:List*",
                "kms:Put*",
                "kms:Update*",
                "kms:Revoke*",
                "kms:Disable*",
                "kms:Get*",
                "kms:Delete*",
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
            ],
            "Resource": "*",
        },
    ],
}


def arns(length: int, count: int, account: str = "123456789012") -> list[str]:
    stem = f"arn:aws:iam::{account}:role/"
    return [(f"{stem}partner-{n:04d}-writer").ljust(length, "x") for n in range(count)]


def most(fits: Any, length: int) -> int:
    """The largest n for which ``fits(n ARNs)`` holds (it holds for 1, fails for 2,000)."""
    n = 1
    while fits(arns(length, n + 1)):
        n += 1
    return n


def inline_fits(room: int) -> Any:
    return lambda roles: iam_characters(json.dumps(documents.assume_role_policy(roles))) <= room


def key_users_fit(roles: list[str]) -> bool:
    principals = merged_principals(KEY_POLICY, documents.KEY_USERS_SID, roles)
    document = upsert_statement(KEY_POLICY, documents.key_users_statement(principals))
    return len(policy_text(document).encode()) <= KEY_POLICY_BYTES


def trust_fits(limit: int) -> Any:
    return lambda roles: (
        iam_characters(json.dumps({"Version": "2012-10-17", "Statement": [documents.trust_statement(roles)]})) <= limit
    )


def test_the_arns_have_the_lengths_the_figures_are_for() -> None:
    assert {len(arn) for arn in arns(50, 3)} == {50}
    assert {len(arn) for arn in arns(80, 3)} == {80}
    assert iam_characters(json.dumps(OTHER_INLINE)) == 153


@pytest.mark.parametrize(
    ("wall", "length", "expected"),
    [
        ("inline beside the seeded role's other policy", 50, 149),
        ("inline beside the seeded role's other policy", 80, 95),
        ("inline on a role without another", 50, 151),
        ("inline on a role without another", 80, 97),
        ("inline beside the seeded role's other policy, the reserve filled", 50, 187),
        ("inline beside the seeded role's other policy, the reserve filled", 80, 119),
        ("a managed policy", 50, 113),
        ("a managed policy", 80, 72),
    ],
)
def test_the_provider_places_as_many_assume_role_grants_as_the_docs_say(wall: str, length: int, expected: int) -> None:
    """
    docs/scale.md, "How many partners each document holds": 149 (95), 151 (97), 113 (72), inline less the reserve;
    187 (119) with the reserve filled, on a role with no managed-policy slot left (``spill.place``).
    """
    reserve = spill.INLINE_RESERVE  # left for the role's other inline policies (option (a)'s, the owner's)
    room = {
        "inline beside the seeded role's other policy": ROLE_INLINE_CHARS
        - iam_characters(json.dumps(OTHER_INLINE))
        - reserve,
        "inline on a role without another": ROLE_INLINE_CHARS - reserve,
        "inline beside the seeded role's other policy, the reserve filled": ROLE_INLINE_CHARS
        - iam_characters(json.dumps(OTHER_INLINE)),
        "a managed policy": MANAGED_CHARS,
    }[wall]
    pending = arns(length, 2_000)
    placed = spill.fill(None, pending, room)
    # The placement is the most the quota holds, counted as IAM counts (not by the provider's own counter).
    assert inline_fits(room)(placed)
    assert not inline_fits(room)(pending[: len(placed) + 1])
    assert len(placed) == most(inline_fits(room), length) == expected


@pytest.mark.parametrize(("length", "expected"), [(50, 604), (80, 386)])
def test_a_key_policy_holds_the_key_users_the_docs_say(length: int, expected: int) -> None:
    """README and docs/scale.md: "about 600 key users" on one key (32,768 bytes, spaces counted)."""
    assert most(key_users_fit, length) == expected


@pytest.mark.parametrize(("limit", "expected"), [(TRUST_CHARS, 36), (TRUST_RAISED_CHARS, 74)])
def test_a_trust_policy_holds_the_emr_roles_the_docs_say(limit: int, expected: int) -> None:
    """docs/scale.md: a destination role trusting many EMR EC2 roles holds about 36 (74 raised)."""
    assert most(trust_fits(limit), 50) == expected


def test_the_docs_give_these_figures() -> None:
    readme = (ROOT / "README.md").read_text()
    scale = (ROOT / "docs" / "scale.md").read_text()
    assert "| about 150 |" in readme
    assert "| about 110 each |" in readme
    assert "770 to 1,200 per role" in readme
    assert "| about 600 key users |" in readme
    assert "149 ARNs (95 of 80 characters)" in scale
    assert "151 (97) on a role without one, and 113 (72)" in scale
    assert "187 (119) with the reserve filled" in scale
    assert "about 600 (390) roles on one key" in scale
    assert "about 36 (74 at 4,096) roles if one destination role trusts many" in scale
