"""
The text a bucket policy is sent as: escaped where that fits, else every character as itself in UTF-8.

Amazon S3 User Guide, "Bucket policies and user policies": "Bucket policies are limited to 20 KB in size"; S3
documents no character set for a bucket policy. An escape (``\\u3042``) takes six bytes where UTF-8 takes three, so
a policy holding someone's Japanese ``s3:prefix`` values can be over 20 KB escaped and within it as itself.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_emrfs_xacct.hooks.s3 import bucket_policy_text
from airflow_provider_emrfs_xacct.pure.bucket_policy import MAX_BUCKET_POLICY_BYTES
from airflow_provider_emrfs_xacct.pure.merge import document_size, parse_document, policy_text


def policy(value: str, sid: str = "RéservéÉquipe") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::b",
                "Condition": {"StringLike": {"s3:prefix": value}},
            }
        ],
    }


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=10))
def test_utf8_text_means_the_same_is_utf8_and_is_the_shortest(value: str, sid: str) -> None:
    """A lone surrogate (a JSON escape may hold one; UTF-8 cannot carry it) stays escaped; nothing else need be."""
    document = policy(value, sid)
    text = policy_text(document, utf8=True)
    assert json.loads(text) == document
    assert document_size(document, utf8=True) == len(text.encode())  # encodable: no lone surrogate left
    assert document_size(document, utf8=True) <= document_size(document, latin1=False)
    assert document_size(document, utf8=True) <= document_size(document)


def test_utf8_text_sends_each_character_as_itself_and_numbers_as_written() -> None:
    document = parse_document('{"Version":"2012-10-17","Statement":[{"Sid":"Réservé","Condition":{"N":{"k":1.10}}}]}')
    assert document is not None
    assert policy_text(document, utf8=True) == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"Réservé","Condition":{"N":{"k":1.10}}}]}'
    )
    assert policy_text(policy("報告書/\ud800"), utf8=True).count("報告書/\\ud800") == 1


def test_a_policy_whose_escapes_fit_is_sent_escaped() -> None:
    document = policy("報告書/月次/*")
    text = bucket_policy_text(document)
    assert text == policy_text(document, latin1=False)
    assert text.isascii()


def test_a_policy_over_20_kb_only_escaped_is_sent_as_itself() -> None:
    document = policy("報告書/" * 1500)  # 4 characters: 10 bytes as themselves, 20 escaped
    assert document_size(document, latin1=False) > MAX_BUCKET_POLICY_BYTES
    assert document_size(document, utf8=True) <= MAX_BUCKET_POLICY_BYTES

    text = bucket_policy_text(document)

    assert text == policy_text(document, utf8=True)
    assert len(text.encode()) <= MAX_BUCKET_POLICY_BYTES
    assert json.loads(text) == document


def test_a_revoke_sends_no_more_than_it_read() -> None:
    """Given the size of the text read as the room, the text sent is never larger (the revoke only removes)."""
    document = policy("報告書/" * 100)
    read = document_size(document, utf8=True) + 10  # within 20 KB escaped, but larger than what was read
    assert read < document_size(document, latin1=False) <= MAX_BUCKET_POLICY_BYTES

    text = bucket_policy_text(document, read)

    assert len(text.encode()) <= read
    assert json.loads(text) == document


def test_an_ascii_policy_is_the_same_text_either_way() -> None:
    document = policy("exports/*", sid="PartnerList")
    assert bucket_policy_text(document, 10) == policy_text(document, latin1=False) == policy_text(document, utf8=True)
