"""
A key policy statement without ``Resource`` is named in a FAILing key link only if, completed, it would allow the
refused call: an ``Allow``, for this role, of this action.

AWS KMS API Reference, "PutKeyPolicy", ``Policy`` (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html):
"If either of the required Resource or Action elements are missing from a key policy statement, the policy statement
has no effect." The fix named for such a statement is to add what it lacks: for a ``Deny`` (IAM User Guide, "Policy
evaluation logic": an explicit deny overrides any allow) that fix would refuse the key user; for another role's
statement, or one whose own ``Action`` does not cover the call, it would not let the role's call through.
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL
from tests.unit.test_chain import ADMIN_STATEMENT, DESTINATION_ACCOUNT, ROLE, document
from tests.unit.test_key_statements_without_resource import key_link


def test_a_deny_without_resource_is_not_named_as_a_fix() -> None:
    """Adding ``"Resource": "*"`` to it would deny the key user every call (OX229)."""
    deny = {"Sid": "LooseDeny", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*"}

    link = key_link(document(ADMIN_STATEMENT, deny))

    assert link.status == FAIL, link  # no key user statement: the role's GenerateDataKey is refused
    assert "LooseDeny" not in link.detail, link.detail
    assert "LooseDeny" not in link.fix, link.fix


def test_another_roles_statement_without_resource_is_not_named() -> None:
    """Completed, it would allow another role, not this one (OX230)."""
    other = {
        "Sid": "SomeoneElse",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/someone-else"},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
    }

    link = key_link(document(ADMIN_STATEMENT, other))

    assert link.status == FAIL, link
    assert "SomeoneElse" not in link.detail, link.detail
    assert "SomeoneElse" not in link.fix, link.fix


def test_a_statement_whose_own_action_does_not_cover_the_call_is_not_named() -> None:
    """The role's ``kms:Decrypt`` without ``Resource``, completed, still allows no ``GenerateDataKey`` (OX231)."""
    decrypt = {"Sid": "DecryptOnly", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt"}

    link = key_link(document(ADMIN_STATEMENT, decrypt))

    assert link.status == FAIL, link
    assert link.detail.startswith("kms:GenerateDataKey on "), link.detail  # the call refused
    assert "DecryptOnly" not in link.detail, link.detail
    assert "DecryptOnly" not in link.fix, link.fix
