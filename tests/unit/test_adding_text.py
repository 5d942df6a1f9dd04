"""
What a write that adds is judged at and sends: the shortest text IAM and KMS take (``merge.policy_size``), and the
usual text only where that fits (``merge.written_text`` with ``room``). IAM API Reference, "PutRolePolicy",
``PolicyDocument``, and AWS KMS API Reference, "PutKeyPolicy", ``Policy``: "Printable characters in the Basic Latin
and Latin-1 Supplement character set" are taken as themselves, a no-break space (U+00A0) among them.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_ROLE_INLINE_POLICIES_CHARS,
    document_size,
    iam_policy_length,
    policy_size,
    policy_text,
    require_iam_policy_length,
    shortest_policy_text,
    stored_policy_length,
    written_text,
)
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError

NBSP = "\u00a0"
HELD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Ours", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ["arn:a"]},
        {"Sid": "Theirs", "Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"k": {"v": NBSP * 1500}}},
    ],
}
ADDED = {**HELD, "Statement": [{**HELD["Statement"][0], "Resource": ["arn:a", "arn:b"]}, HELD["Statement"][1]]}


def test_the_size_judged_is_that_of_the_shortest_text() -> None:
    shortest = shortest_policy_text(ADDED)
    assert policy_size(ADDED) == stored_policy_length(shortest) < iam_policy_length(ADDED)
    assert policy_size(ADDED, in_bytes=True) == document_size(ADDED) == len(shortest.encode())
    assert document_size(ADDED) < len(policy_text(ADDED).encode())


def test_an_addition_is_sent_as_usual_where_that_fits_else_at_its_shortest() -> None:
    assert written_text(HELD, ADDED, room=iam_policy_length(ADDED)) == policy_text(ADDED)
    sent = written_text(HELD, ADDED, room=policy_size(ADDED))
    assert sent == shortest_policy_text(ADDED)
    assert json.loads(sent) == ADDED
    in_bytes = written_text(None, ADDED, in_bytes=True, room=policy_size(ADDED, in_bytes=True))
    assert len(in_bytes.encode()) == policy_size(ADDED, in_bytes=True)


def test_the_iam_check_counts_the_shortest_text_and_still_refuses_past_it() -> None:
    padded = {**ADDED, "Statement": [ADDED["Statement"][0], {**ADDED["Statement"][1], "Condition": {"k": {"v": ""}}}]}
    padded["Statement"][1]["Condition"]["k"]["v"] = NBSP * (MAX_ROLE_INLINE_POLICIES_CHARS - policy_size(padded))
    assert policy_size(padded) == MAX_ROLE_INLINE_POLICIES_CHARS < iam_policy_length(padded)
    assert require_iam_policy_length(padded, MAX_ROLE_INLINE_POLICIES_CHARS, "s3_prefixes", "it") is padded
    padded["Statement"][1]["Condition"]["k"]["v"] += NBSP
    with pytest.raises(QuotaExceededError, match="s3_prefixes") as refused:
        require_iam_policy_length(padded, MAX_ROLE_INLINE_POLICIES_CHARS, "s3_prefixes", "it")
    assert refused.value.amount == MAX_ROLE_INLINE_POLICIES_CHARS + 1
