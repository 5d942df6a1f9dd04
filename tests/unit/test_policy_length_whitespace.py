"""
Which whitespace IAM leaves uncounted in a policy's size.

IAM User Guide, "IAM and AWS STS quotas": "IAM doesn't count white space", and a policy may hold "characters in the
range \\u0020 to \\u00FF" besides tab, line feed and carriage return. Which of those are the white space left out is
not documented, so the provider and the stand-in's judge (``devstack/aws_quotas.py``, which counts by itself) both
leave out only JSON's whitespace (RFC 8259, 2. JSON Grammar) and count a no-break space or a next line: an
inline policy holding them is never taken as shorter than IAM may count it.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_emrfs_xacct.pure.merge import iam_policy_length, stored_policy_length
from devstack.aws_quotas import iam_characters


@pytest.mark.parametrize("space", [" ", "\t", "\n", "\r", " \r\n\t  "])
def test_json_whitespace_is_not_counted(space: str) -> None:
    text = f'{{{space}"Version":{space}"2012-10-17"{space}}}'

    assert stored_policy_length(text) == iam_characters(text) == len('{"Version":"2012-10-17"}')


@pytest.mark.parametrize("space", ["\u00a0", "\u0085"])
def test_a_no_break_space_or_next_line_inside_a_value_is_counted(space: str) -> None:
    document = {"Statement": [{"Condition": {"StringEquals": {"aws:PrincipalTag/team": f"data{space}eng"}}}]}
    text = json.dumps(document, ensure_ascii=False)

    assert stored_policy_length(text) == iam_characters(text) == len("".join(text.split(" ")))
    assert iam_policy_length(document) >= stored_policy_length(text)
