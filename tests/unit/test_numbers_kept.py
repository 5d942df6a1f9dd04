"""
A foreign statement's unquoted numbers are written back as they were written.

IAM takes numbers without quotation marks (IAM User Guide, "Grammar of the IAM JSON policy language": "Quotation
marks are optional for numeric and Boolean values"). Read as ``float`` and written again, ``1.10`` became ``1.1``,
``12345678901234567890.5`` lost its last digits and ``1e400`` became ``Infinity``, which is not JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.evaluator import condition_holds
from airflow_provider_emrfs_xacct.pure.merge import (
    PolicyNumber,
    document_size,
    iam_policy_length,
    merge_owned_statements,
    parse_document,
    policy_text,
    same_meaning,
    upsert_statement,
)

#: Someone's statement, as they wrote it (no spaces: the text the provider sends keeps it whole).
FOREIGN = (
    '{"Sid":"Limits","Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*",'
    '"Condition":{"NumericGreaterThan":{"aws:MultiFactorAuthAge":[1.10,12345678901234567890.5,1e400,-0,2E-7]},'
    '"NumericEquals":{"kms:GrantConstraintType":[3600,-12,100000000000000000000000000000]}}}'
)
TEXT = '{"Version":"2012-10-17","Statement":[' + FOREIGN + "]}"
NUMBERS = ("1.10", "12345678901234567890.5", "1e400", "-0", "2E-7")


def test_the_number_text_survives_a_read_and_a_write_for_iam_kms_and_s3() -> None:
    document = parse_document(TEXT)
    assert document is not None

    assert policy_text(document) == TEXT
    assert policy_text(document, latin1=False) == TEXT
    assert iam_policy_length(document) == len(TEXT)
    assert document_size(document) == len(TEXT.encode())
    values = document["Statement"][0]["Condition"]["NumericGreaterThan"]["aws:MultiFactorAuthAge"]
    assert [str(value) for value in values] == list(NUMBERS)
    assert all(isinstance(value, PolicyNumber) for value in values)
    # Whole numbers that write back as they read stay Python ints.
    assert document["Statement"][0]["Condition"]["NumericEquals"]["kms:GrantConstraintType"][:2] == [3600, -12]


@pytest.mark.parametrize("latin1", [True, False])
def test_a_grant_merged_beside_the_statement_sends_it_back_unchanged(latin1: bool) -> None:
    """The key policy (IAM and KMS send Latin-1 as is) and the bucket policy (S3: all escaped) alike."""
    current = parse_document(TEXT, "the key policy of k", "key policy")
    ours = {
        "Sid": documents.KEY_USERS_SID,
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::222222222222:role/partner-a-writer"]},
        "Action": ["kms:Decrypt"],
        "Resource": "*",
    }

    desired = upsert_statement(current, ours)
    text = policy_text(desired, latin1=latin1)

    assert FOREIGN in text
    assert json.loads(text)["Statement"][1]["Sid"] == documents.KEY_USERS_SID
    merged = merge_owned_statements(
        current, {"Version": "2012-10-17", "Statement": [ours]}, lambda sid: sid == ours["Sid"]
    )
    assert FOREIGN in policy_text(merged, latin1=latin1)


def test_a_document_without_unquoted_numbers_is_sent_as_json_dumps_writes_it() -> None:
    """The provider's own documents: the text is ``json.dumps`` without spaces, nested lists and objects alike."""
    document: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "S", "Effect": "Allow", "Action": ["a:A", "a:B"], "Resource": "*", "Condition": {}}],
        "Flags": [True, False, None, 3, 2.5, "é", "\u3042", [], {}],
    }

    assert policy_text(document, latin1=False) == json.dumps(document, separators=(",", ":"))
    assert policy_text(document) == json.dumps(document, separators=(",", ":"), ensure_ascii=False).replace(
        "\u3042", "\\u3042"
    )


def test_numbers_kept_as_text_compare_as_iam_compares_condition_values() -> None:
    """
    IAM compares condition values as text, so an unquoted ``1.10`` means ``"1.10"``; the numeric operators still
    compare numbers (IAM User Guide, "IAM JSON policy elements: Condition operators", Numeric condition operators).
    """
    document = parse_document(TEXT)
    assert document is not None
    quoted = json.loads(TEXT)
    quoted["Statement"][0]["Condition"]["NumericGreaterThan"]["aws:MultiFactorAuthAge"] = list(NUMBERS)
    quoted["Statement"][0]["Condition"]["NumericEquals"]["kms:GrantConstraintType"] = [
        "3600",
        "-12",
        "100000000000000000000000000000",
    ]

    assert same_meaning(document, quoted)
    assert not same_meaning(document, parse_document(TEXT.replace("1.10", "1.1")))
    wanted = document["Statement"][0]["Condition"]["NumericGreaterThan"]["aws:MultiFactorAuthAge"][0]
    assert condition_holds("NumericGreaterThan", "aws:MultiFactorAuthAge", wanted, {"aws:MultiFactorAuthAge": "1.2"})
    assert not condition_holds("NumericGreaterThan", "aws:MultiFactorAuthAge", wanted, {"aws:MultiFactorAuthAge": "1"})
    huge = document["Statement"][0]["Condition"]["NumericGreaterThan"]["aws:MultiFactorAuthAge"][2]
    assert condition_holds("NumericLessThan", "aws:MultiFactorAuthAge", huge, {"aws:MultiFactorAuthAge": "1e300"})


def test_a_whole_number_past_pythons_digit_limit_is_kept_as_its_text() -> None:
    digits = "9" * 5000
    document = parse_document('{"Statement":[{"Condition":{"NumericLessThan":{"k":' + digits + "}}}]}")
    assert document is not None
    assert digits in policy_text(document)


def test_a_security_configuration_keeps_python_numbers() -> None:
    """It is sent with ``json.dumps`` and named by its content's hash, which a number kept as text would change."""
    text = '{"AuthenticationConfiguration":{"KerberosConfiguration":{"ClusterDedicatedKdcConfiguration":{"TicketLifetimeInHours":24.5}}}}'
    document = parse_document(text, "security configuration c", "security configuration")
    assert document is not None
    lifetime = document["AuthenticationConfiguration"]["KerberosConfiguration"]["ClusterDedicatedKdcConfiguration"]
    assert lifetime["TicketLifetimeInHours"] == 24.5
    assert isinstance(lifetime["TicketLifetimeInHours"], float)
