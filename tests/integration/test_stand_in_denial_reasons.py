"""
The stand-in words a refused KMS call on a key as AWS does, after why the judge refused it, and the provider's advice
follows what the message says (devstack/aws_key_policy_calls.py, pure/denials.py).

IAM User Guide, "Troubleshoot access denied error messages"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html): "with an explicit deny in a
<type>" or "because no <type> allows the <action> action". An explicit deny "in any policy overrides any allows" (IAM
User Guide, "Policy evaluation logic"); AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy
explicitly allows it, you cannot use IAM policies to allow access to a KMS key."
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError
from devstack.moto_stack import DESTINATION_ACCOUNT, PROVISIONER_ROLE, Seeded
from devstack.testing import ALLOW_EVERYTHING, provisioner_roles, run_operator
from tests.integration.test_kms_key_users import create_roles, make_operator
from tests.integration.test_stand_in_key_policy_calls import (
    admins_only,
    perimeter_statement,
    provider_kms,
    put_as_admin,
)

WHOM = f"the role {PROVISIONER_ROLE} of account {DESTINATION_ACCOUNT}"


def refused_grant(aws: Seeded) -> str:
    """The message of the key grant's refusal (its first call on the key, ``GetKeyPolicy``)."""
    create_roles(aws, "partner-a-writer")
    with pytest.raises(AccessDeniedError) as refused:
        run_operator(make_operator(aws.kms_key_arn))
    return str(refused.value)


def test_a_deny_in_the_role_s_policy_is_an_explicit_deny_that_must_go(aws: Seeded) -> None:
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: "kms:GetKeyPolicy"})

    with pytest.raises(ClientError) as refused:
        provider_kms(aws).get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")
    assert "with an explicit deny in an identity-based policy" in refused.value.response["Error"]["Message"]

    message = refused_grant(aws)
    assert "with an explicit deny in an identity-based policy" in message, message
    assert (
        f"An identity-based policy denies kms:GetKeyPolicy to {WHOM}; an Allow does not lift it: the Deny must go, or "
        "the request must no longer match its condition (its network path, source address, tags...)."
    ) in message, message
    assert "judges the call as from the internet" not in message
    assert "Grant kms:GetKeyPolicy" not in message


def test_a_key_policy_naming_neither_the_role_nor_iam_asks_the_key_policy(aws: Seeded) -> None:
    provisioner_roles(aws.url, None, {})
    put_as_admin(aws, admins_only())

    message = refused_grant(aws)

    assert "because no resource-based policy allows the kms:GetKeyPolicy action" in message, message
    assert (
        f"The key policy must allow kms:GetKeyPolicy to {WHOM}: its statement enabling IAM policies for the account, "
        "or a statement naming that identity"
    ) in message, message


def test_a_deny_in_the_key_policy_is_a_resource_based_policy_s(aws: Seeded) -> None:
    provisioner_roles(aws.url, None, {})
    deny = {"Sid": "NoReads", "Effect": "Deny", "Principal": "*", "Action": "kms:GetKeyPolicy", "Resource": "*"}
    policy = admins_only()
    put_as_admin(aws, {**policy, "Statement": [*policy["Statement"], deny]})

    message = refused_grant(aws)

    assert "with an explicit deny in a resource-based policy" in message, message
    assert (
        f"The key policy (a resource-based policy) denies kms:GetKeyPolicy to {WHOM}; an Allow does not lift it: the "
        "key policy's Deny must go, or the request must no longer match its condition"
    ) in message, message
    assert "key-policy change" not in message


def test_an_endpoint_perimeter_refusal_says_the_stand_in_judges_the_call_from_the_internet(aws: Seeded) -> None:
    """
    A data perimeter in the role's policy (Deny unless aws:SourceVpce is the endpoint's): the stand-in does not know
    the caller's way and judges it as from the internet, where the VPC keys are absent ("included in the request
    context only if the requester uses a VPC endpoint", IAM User Guide, "AWS global condition context keys"). Its
    message says so, not to be read as AWS's for a caller through the endpoint; the advice: the Deny must go or the
    request meet its condition (its network path).
    """
    only_through_endpoint = {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}
    provisioner_roles(aws.url, None, {}, [ALLOW_EVERYTHING, perimeter_statement(only_through_endpoint)])

    message = refused_grant(aws)

    assert "with an explicit deny in an identity-based policy (the stand-in judges the call as from the internet" in (
        message
    ), message
    assert "the Deny must go, or the request must no longer match its condition (its network path" in message, message
