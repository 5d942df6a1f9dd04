"""
A key policy statement without ``Resource`` or ``Action`` has no effect: the verifier reads key policies as KMS does.

AWS KMS API Reference, "PutKeyPolicy", ``Policy`` (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html;
the same under "CreateKey"): "If either of the required Resource or Action elements are missing from a key policy
statement, the policy statement has no effect. When a key policy statement is missing one of these elements, the KMS
console correctly reports an error, but the PutKeyPolicy API request succeeds, even though the policy statement is
ineffective." A trust policy has no ``Resource`` of right, and is judged as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, key_users_statement
from airflow_provider_emrfs_xacct.pure.kms_keys import effective_key_policy
from tests.unit.test_chain import ADMIN_STATEMENT, KEY, KMS, ROLE, by_name, document, healthy_state


def key_link(key_policy: dict[str, Any]) -> Any:
    state = healthy_state()
    state.key_policies = {KEY: key_policy}
    return by_name(check_chain(state))[KMS]


@pytest.mark.parametrize(("missing", "fix"), [("Resource", '"Resource": "*"'), ("Action", 'an "Action" naming kms:')])
def test_a_key_user_statement_missing_an_element_allows_nothing_and_is_named(missing: str, fix: str) -> None:
    users = key_users_statement([ROLE])
    assert key_link(document(ADMIN_STATEMENT, users)).status == PASS  # the complete statement lets the role write
    del users[missing]

    link = key_link(document(ADMIN_STATEMENT, users))

    assert link.status == FAIL, link  # on AWS every SSE-KMS upload is refused: KMS ignores the statement
    assert f"statement {KEY_USERS_SID!r} of the key policy would allow it but has no {missing}" in link.detail
    assert "no effect on AWS" in link.detail
    assert link.fix.startswith(f"add {fix}"), link.fix
    assert KEY_USERS_SID in link.fix


def test_a_deny_without_resource_in_the_key_policy_denies_nothing() -> None:
    deny = {"Sid": "NoOneUsesIt", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*"}

    link = key_link(document(ADMIN_STATEMENT, key_users_statement([ROLE]), deny))

    assert link.status == PASS, link  # KMS ignores it
    assert "NoOneUsesIt" not in f"{link.detail} {link.statement}"
    # With its Resource the same Deny refuses the writes.
    assert key_link(document(ADMIN_STATEMENT, key_users_statement([ROLE]), {**deny, "Resource": "*"})).status == FAIL


def test_effective_key_policy_keeps_complete_statements_and_the_document_otherwise() -> None:
    inverted = {"Effect": "Allow", "Principal": "*", "NotAction": "kms:Decrypt", "NotResource": "arn:aws:kms:*"}
    complete = document(ADMIN_STATEMENT, inverted)
    assert effective_key_policy(complete) is complete
    assert effective_key_policy(None) is None
    without = {k: v for k, v in ADMIN_STATEMENT.items() if k != "Resource"}
    assert effective_key_policy(document(without, inverted)) == document(inverted)
