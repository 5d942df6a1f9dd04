"""
What the verifier says when the key policy refuses its own reads of the key (the stand-in judges them against the key
policy: devstack/aws_key_policy_calls.py).

AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy explicitly allows it, you cannot use IAM
policies to allow access to a KMS key. Without permission from the key policy, IAM policies that allow permissions
have no effect." So a key policy without the account-root statement that does not name the destination connection's
role refuses its ``kms:DescribeKey``, ``kms:GetKeyPolicy`` and ``kms:ListGrants`` with ``AccessDeniedException``
(AWS KMS API Reference, "Common Errors"). The key link is then "not checked", naming the permission and the key
policy: never PASS (the writes may be refused), nor a certain FAIL (they may be allowed).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.moto_stack import DESTINATION_ACCOUNT, KEY_ADMIN_ARN, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import create_security_configuration, mapping, provision_partner
from tests.integration.test_verify import KMS, PREFIX, ROLE_NAME, provider_key_statement, verifier


def key_policy_without_root(aws: Seeded, key_users: bool, connection: tuple[str, ...]) -> None:
    """
    The seeded key's policy without its account-root statement (without the key users' too unless ``key_users``),
    naming the connection's role for ``connection`` only; written with the lockout check bypassed, as an
    administrator would (AWS KMS API Reference, "PutKeyPolicy", ``BypassPolicyLockoutSafetyCheck``).
    """
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    kept = {"Allow access for Key Administrators", *(("EmrfsXacctKeyUsers",) if key_users else ())}
    statements = [statement for statement in policy["Statement"] if statement.get("Sid") in kept]
    assert statements[0]["Principal"]["AWS"] == KEY_ADMIN_ARN
    if connection:
        statements.append(provider_key_statement(aws, actions=connection))
    kms.put_key_policy(
        KeyId=aws.kms_key_arn,
        PolicyName="default",
        Policy=json.dumps({**policy, "Statement": statements}),
        BypassPolicyLockoutSafetyCheck=True,
    )


def key_link(aws: Seeded, key_users: bool, connection: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The verifier's verdict and key link for a partner provisioned by the chain, then ``key_policy_without_root``."""
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    key_policy_without_root(aws, key_users, connection)
    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    [link] = [item for item in report["links"] if item["link"] == KMS]
    return str(report["verdict"]), link


DESCRIBE = ("kms:DescribeKey",)
DESCRIBE_AND_POLICY = ("kms:DescribeKey", "kms:GetKeyPolicy")


@pytest.mark.parametrize(
    ("key_users", "connection", "refused"),
    [
        pytest.param(True, (), "kms:DescribeKey", id="describe-key-users-kept"),
        pytest.param(False, (), "kms:DescribeKey", id="describe-key-users-gone"),
        pytest.param(True, DESCRIBE, "kms:GetKeyPolicy", id="key-policy-key-users-kept"),
        pytest.param(False, DESCRIBE, "kms:GetKeyPolicy", id="key-policy-key-users-gone"),
        # Without the key users the key's grants may allow S3's calls: read only when the policies do not.
        pytest.param(False, DESCRIBE_AND_POLICY, "kms:ListGrants", id="grants-key-users-gone"),
    ],
)
def test_a_read_the_key_policy_refuses_leaves_the_key_not_checked(
    aws: Seeded, key_users: bool, connection: tuple[str, ...], refused: str
) -> None:
    verdict, key = key_link(aws, key_users, connection)

    assert (verdict, key["status"]) == ("NOT_CHECKED", "not checked"), key
    if refused == "kms:ListGrants":  # the key policy was read: it allows none of S3's calls to the writer
        assert "a KMS grant on the key could still allow it, and its grants were not read" in key["detail"]
    else:
        assert key["detail"].startswith(f"key policy of {aws.kms_key_arn}: {refused} on {aws.kms_key_arn}"), key
    assert f"was denied in account {DESTINATION_ACCOUNT} (connection 'aws_destination_account')" in key["detail"]
    assert refused in key["fix"]
    assert [(read["action"], read["resource"]) for read in key["refused_reads"]] == [(refused, aws.kms_key_arn)]
    assert_names_the_key_policy(key["fix"], refused)
    # AWS says which lacks the Allow ("because no resource-based policy allows", IAM User Guide, "Troubleshoot access
    # denied error messages"): the key policy alone is asked.
    assert f"because no resource-based policy allows the {refused} action" in key["detail"]
    assert "The key policy must allow" in key["detail"]
    assert "in its identity policy" not in key["detail"]


def assert_names_the_key_policy(fix: str, refused: str) -> None:
    """
    The fix asks for the key policy too: an IAM grant alone does nothing on such a key (AWS KMS Developer Guide, "Key
    policies in AWS KMS": "Without permission from the key policy, IAM policies that allow permissions have no effect").
    """
    assert f"the key policy must allow {refused} to the connection 'aws_destination_account': " in fix, fix
    assert "its statement enabling IAM policies for the account, or a statement naming that identity" in fix, fix
    assert 'docs/permissions.md, "A key policy without the account-root statement"' in fix, fix


@pytest.mark.parametrize(
    ("key_users", "connection", "status"),
    [
        pytest.param(True, DESCRIBE_AND_POLICY, "pass", id="key-users-kept-no-grants-read"),
        pytest.param(False, (*DESCRIBE_AND_POLICY, "kms:ListGrants"), "fail", id="key-users-gone"),
    ],
)
def test_a_key_policy_naming_the_connection_for_its_reads_is_judged(
    aws: Seeded, key_users: bool, connection: tuple[str, ...], status: str
) -> None:
    """Named for what it reads (docs/permissions.md), the connection reads the key, and the key link is judged."""
    verdict, key = key_link(aws, key_users, connection)

    assert key["status"] == status, key
    assert verdict == status.upper()
    assert "refused_reads" not in key or not key["refused_reads"]
