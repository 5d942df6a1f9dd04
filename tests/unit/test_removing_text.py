"""What a write that only removes sends: never longer than the text the service holds (``merge.written_text``)."""

from __future__ import annotations

import json

from airflow_provider_emrfs_xacct.pure.merge import (
    only_removes,
    policy_text,
    shortest_policy_text,
    stored_policy_length,
    written_text,
)

NBSP = "\u00a0"
HELD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Ours", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ["arn:a", "arn:b"]},
        {"Sid": "Theirs", "Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"k": {"v": NBSP * 50}}},
    ],
}


def dropped(resource: object) -> dict[str, object]:
    """``HELD`` with the provider's statement's resources set to ``resource``."""
    statements = [{**HELD["Statement"][0], "Resource": resource}, HELD["Statement"][1]]
    return {**HELD, "Statement": statements}


def test_only_removes_tells_a_removal_from_an_addition() -> None:
    assert only_removes(HELD, dropped(["arn:a"]))
    assert only_removes(HELD, dropped("arn:a"))
    assert only_removes(HELD, {**HELD, "Statement": [HELD["Statement"][1]]})
    assert not only_removes(HELD, dropped(["arn:a", "arn:c"]))
    assert not only_removes(dropped("arn:a"), dropped(["arn:a"]))  # brackets are more text
    assert not only_removes(HELD, None)
    assert not only_removes(None, HELD)


def test_a_removal_is_sent_no_longer_than_the_text_held() -> None:
    held = json.dumps(HELD, ensure_ascii=False)
    sent = written_text(HELD, dropped(["arn:a"]), read=held)
    assert stored_policy_length(sent) <= stored_policy_length(held) < stored_policy_length(policy_text(HELD))
    assert NBSP * 50 in sent
    assert json.loads(sent) == dropped(["arn:a"])
    # Without the text read, the shortest text of what was read is the room; in bytes too (KMS).
    assert written_text(HELD, dropped(["arn:a"])) == sent
    assert len(written_text(HELD, dropped(["arn:a"]), in_bytes=True).encode()) <= len(held.encode())


def test_an_addition_is_sent_as_usual() -> None:
    added = dropped(["arn:a", "arn:b", "arn:c"])
    assert written_text(HELD, added, read=json.dumps(HELD, ensure_ascii=False)) == policy_text(added)


def test_the_shortest_text_escapes_only_what_iam_and_kms_do_not_take() -> None:
    document = {"a": f"{NBSP}é\u0101\U0001f600\x7f"}
    assert shortest_policy_text(document) == '{"a":"' + NBSP + "é\\u0101\\ud83d\\ude00\x7f" + '"}'
    assert shortest_policy_text(document, latin1=False) == policy_text(document, utf8=True)
