"""
The stand-in judges a role session's calls on a key of ANOTHER account, looked up in the account and Region of its ARN
(devstack/aws_key_policy_calls.py), as AWS KMS does.

AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key": cross-account access "requires permission
in the key policy of the KMS key and in an IAM policy in the external user's account", and is "effective only for"
the operations that list it; "Giving permission for other operations to a user in a different account has no effect".
AWS KMS API Reference: DescribeKey "Cross-account use: Yes. To perform this operation with a KMS key in a different AWS
account, specify the key ARN or alias ARN"; ListGrants "Cross-account use: Yes ... specify the key ARN"; GetKeyPolicy
and PutKeyPolicy "Cross-account use: No. You cannot perform this operation on a KMS key in a different AWS account."
A key id or alias name "To specify a KMS key in a different AWS account, you must use the key ARN or alias ARN"
(DescribeKey, KeyId): another form names a key of the caller's own account only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, PROVISIONER_ROLE, Seeded, client
from devstack.testing import provisioner_roles
from tests.integration.test_stand_in_key_policy_calls import provider_kms

#: The destination connection's role, whose sessions (account 222222222222) call KMS on the EMR account's key.
CALLER_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}"
#: What the key policy lets the caller's account do (its IAM policies decide who there: "Allowing users in other
#: accounts to use a KMS key").
READS = ["kms:DescribeKey", "kms:ListGrants", "kms:GetKeyPolicy", "kms:PutKeyPolicy"]


def key_of_the_emr_account(aws: Seeded, caller_actions: list[str]) -> dict[str, Any]:
    """A key of the EMR account whose policy lets the destination account's principals make ``caller_actions``."""
    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"}, "Action": "kms:*"}
    statements = [{**root, "Resource": "*"}]
    if caller_actions:
        other = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}
        statements.append({**other, "Action": caller_actions, "Resource": "*"})
    policy = {"Version": "2012-10-17", "Statement": statements}
    kms = client(aws.url, EMR_ACCOUNT, "kms")
    metadata: dict[str, Any] = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    kms.create_alias(AliasName="alias/emr-results", TargetKeyId=metadata["KeyId"])
    return metadata


def refused_code(call: Any, **arguments: Any) -> str:
    with pytest.raises(ClientError) as refused:
        call(**arguments)
    return str(refused.value.response["Error"]["Code"])


def test_describe_key_by_key_arn_works_across_accounts_when_both_policies_allow(aws: Seeded) -> None:
    key = key_of_the_emr_account(aws, READS)

    metadata = provider_kms(aws).describe_key(KeyId=key["Arn"])["KeyMetadata"]

    assert (metadata["Arn"], metadata["AWSAccountId"]) == (key["Arn"], EMR_ACCOUNT)


def test_describe_key_by_alias_arn_works_across_accounts(aws: Seeded) -> None:
    key = key_of_the_emr_account(aws, READS)
    alias_arn = key["Arn"].split(":key/")[0] + ":alias/emr-results"

    metadata = provider_kms(aws).describe_key(KeyId=alias_arn)["KeyMetadata"]

    assert metadata["Arn"] == key["Arn"]


def test_list_grants_by_key_arn_works_across_accounts(aws: Seeded) -> None:
    key = key_of_the_emr_account(aws, READS)
    grantee = f"arn:aws:iam::{EMR_ACCOUNT}:role/writer"
    client(aws.url, EMR_ACCOUNT, "kms").create_grant(
        KeyId=key["Arn"], GranteePrincipal=grantee, Operations=["GenerateDataKey"]
    )

    grants = provider_kms(aws).list_grants(KeyId=key["Arn"])["Grants"]

    assert [grant["GranteePrincipal"] for grant in grants] == [grantee]


@pytest.mark.parametrize("call", ["describe_key", "list_grants"])
def test_a_key_policy_not_naming_the_caller_s_account_refuses_it(aws: Seeded, call: str) -> None:
    key = key_of_the_emr_account(aws, [])

    assert refused_code(getattr(provider_kms(aws), call), KeyId=key["Arn"]) == "AccessDeniedException"


def test_the_caller_s_iam_policy_must_allow_it_too(aws: Seeded) -> None:
    """Neither policy is enough alone ("Allowing users in other accounts to use a KMS key"): the role allows ListGrants only."""
    key = key_of_the_emr_account(aws, READS)
    provisioner_roles(aws.url, None, {}, [{"Effect": "Allow", "Action": "kms:ListGrants", "Resource": "*"}])
    kms = provider_kms(aws)

    assert refused_code(kms.describe_key, KeyId=key["Arn"]) == "AccessDeniedException"
    assert kms.list_grants(KeyId=key["Arn"])["Grants"] == []


@pytest.mark.parametrize("call", ["get_key_policy", "put_key_policy"])
def test_key_policy_calls_are_refused_across_accounts_whatever_the_policies(aws: Seeded, call: str) -> None:
    key = key_of_the_emr_account(aws, READS)
    arguments: dict[str, Any] = {"KeyId": key["Arn"], "PolicyName": "default"}
    if call == "put_key_policy":
        arguments.update(Policy=json.dumps({"Version": "2012-10-17", "Statement": []}))

    with pytest.raises(ClientError) as refused:
        getattr(provider_kms(aws), call)(**arguments)

    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert "cannot be used on a KMS key in a different AWS account" in error["Message"]


@pytest.mark.parametrize("form", ["key id", "alias name"])
def test_a_key_id_or_alias_name_names_a_key_of_the_caller_s_account_only(aws: Seeded, form: str) -> None:
    key = key_of_the_emr_account(aws, READS)
    key_id = key["KeyId"] if form == "key id" else "alias/emr-results"

    assert refused_code(provider_kms(aws).describe_key, KeyId=key_id) == "NotFoundException"


def test_an_alias_arn_of_another_account_naming_no_alias_there_is_not_found(aws: Seeded) -> None:
    """
    The EMR account has no ``alias/partner-exports``; the caller's own account has one of that name. AWS looks an alias
    ARN up in its own account and Region ("the alias for a KMS key is defined in the account that owns the KMS key and
    might differ in each Region": AWS KMS Developer Guide, "Learn how to use aliases in your applications"):
    ``NotFoundException``, never the caller's own key, which moto answered (it keeps only ``alias/<name>``) and
    the verifier then passed (review J16). A key ARN of another Region is not found either.
    """
    own = client(aws.url, DESTINATION_ACCOUNT, "kms")
    own_key = own.create_key()["KeyMetadata"]
    own.create_alias(AliasName="alias/partner-exports", TargetKeyId=own_key["KeyId"])
    kms = provider_kms(aws)

    assert refused_code(kms.describe_key, KeyId=f"arn:aws:kms:us-east-1:{EMR_ACCOUNT}:alias/partner-exports") == (
        "NotFoundException"
    )
    assert refused_code(
        kms.describe_key, KeyId=f"arn:aws:kms:eu-west-1:{DESTINATION_ACCOUNT}:alias/partner-exports"
    ) == ("NotFoundException")
    # The caller's own alias ARN, in its own Region, is its own key.
    mine = kms.describe_key(KeyId=f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/partner-exports")["KeyMetadata"]
    assert mine["Arn"] == own_key["Arn"]
