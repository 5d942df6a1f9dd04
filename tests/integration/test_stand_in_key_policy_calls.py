"""
The stand-in judges the provider's own KMS calls on a key against the key policy (devstack/aws_key_policy_calls.py).

AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy explicitly allows it, you cannot use IAM
policies to allow access to a KMS key. Without permission from the key policy, IAM policies that allow permissions
have no effect." AWS KMS API Reference, "PutKeyPolicy": without ``BypassPolicyLockoutSafetyCheck`` "the key policy must
allow the principal that is making the PutKeyPolicy request to make a subsequent PutKeyPolicy request on the KMS key".
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    PROVISIONER_ROLE,
    Seeded,
    account_session,
    client,
    key_admin_arn,
)
from devstack.testing import CallRecorder, provisioner_roles, run_operator
from tests.integration.test_kms_key_users import SID, create_roles, key_policy, make_operator

#: A session of the provider's role, as its connections make them (the stand-in's own session is left unjudged).
PROVIDER_SESSION = "Airflow_aws_destination_account"
#: The connections' role in the key's account, whose sessions make the calls.
ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}"


def admins_only() -> dict[str, Any]:
    """A partner's key policy naming only its key administrators: no statement enabling IAM policies."""
    admins = {"Sid": "AdminsOnly", "Effect": "Allow", "Principal": {"AWS": key_admin_arn()}}
    return {"Version": "2012-10-17", "Statement": [{**admins, "Action": "kms:*", "Resource": "*"}]}


def provider_kms(aws: Seeded) -> Any:
    return account_session(aws.url, DESTINATION_ACCOUNT, session_name=PROVIDER_SESSION).client(
        "kms", endpoint_url=aws.url
    )


def put_as_admin(aws: Seeded, policy: dict[str, Any]) -> None:
    """Written with the lockout check bypassed, as an administrator would (the stand-in's own session)."""
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.put_key_policy(
        KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy), BypassPolicyLockoutSafetyCheck=True
    )


def test_a_key_policy_without_iam_delegation_refuses_the_grant_before_anything_is_written(aws: Seeded) -> None:
    create_roles(aws, "partner-a-writer")
    put_as_admin(aws, admins_only())

    with CallRecorder().everywhere() as recorder, pytest.raises(AccessDeniedError) as refused:
        run_operator(make_operator(aws.kms_key_arn))

    message = str(refused.value)
    assert message.startswith(
        f"key_arn: kms:GetKeyPolicy on KeyId={aws.kms_key_arn} was denied in account {DESTINATION_ACCOUNT}"
    )
    assert "AccessDeniedException" in repr(refused.value.__cause__)
    assert "no resource-based policy allows the kms:GetKeyPolicy action" in message
    assert "key policy does not allow it" in message
    # An IAM grant alone does nothing here (AWS KMS Developer Guide, "Key policies in AWS KMS"): the key policy too.
    assert (
        "Grant kms:GetKeyPolicy on that key to the connection's role in its identity policy, and make sure the key "
        "policy allows it: its statement enabling IAM policies for the account, or a statement naming the role "
        '(docs/permissions.md, "A key policy without the account-root statement").'
    ) in message, message
    assert recorder.params_of("PutKeyPolicy") == []
    assert key_policy(client(aws.url, DESTINATION_ACCOUNT, "kms"), aws.kms_key_arn) == admins_only()


@pytest.mark.parametrize("call", ["describe_key", "list_grants", "get_key_policy"])
def test_the_role_s_identity_policy_allowing_everything_does_not_reach_the_key(aws: Seeded, call: str) -> None:
    provisioner_roles(aws.url, None, {})  # the connections' role made, with an identity policy allowing everything
    put_as_admin(aws, admins_only())

    arguments = {"PolicyName": "default"} if call == "get_key_policy" else {}
    with pytest.raises(ClientError) as refused:
        getattr(provider_kms(aws), call)(KeyId=aws.kms_key_arn, **arguments)

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_put_key_policy_that_would_lock_the_caller_out_is_refused(aws: Seeded) -> None:
    kms = provider_kms(aws)
    before = key_policy(kms, aws.kms_key_arn)

    with pytest.raises(ClientError) as refused:
        kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(admins_only()))

    assert refused.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert "will not allow you to update the key policy in the future" in refused.value.response["Error"]["Message"]
    assert key_policy(kms, aws.kms_key_arn) == before
    # With the check bypassed, as the parameter is documented to do.
    kms.put_key_policy(
        KeyId=aws.kms_key_arn,
        PolicyName="default",
        Policy=json.dumps(admins_only()),
        BypassPolicyLockoutSafetyCheck=True,
    )
    assert key_policy(client(aws.url, DESTINATION_ACCOUNT, "kms"), aws.kms_key_arn) == admins_only()


def test_the_seeded_key_enabling_iam_policies_still_takes_the_grant(aws: Seeded) -> None:
    create_roles(aws, "partner-a-writer")

    result, recorder, _ = run_operator(make_operator(aws.kms_key_arn))

    assert result == aws.kms_key_arn
    assert len(recorder.params_of("PutKeyPolicy")) == 1
    sids = [statement.get("Sid") for statement in key_policy(provider_kms(aws), aws.kms_key_arn)["Statement"]]
    assert SID in sids


def caller_account_policy(account: str) -> dict[str, Any]:
    """
    The key policy pattern of "kms:CallerAccount" (AWS KMS Developer Guide, "AWS KMS condition keys"): any principal,
    limited to the identities of ``account``, here without the account-root statement.
    """
    policy = admins_only()
    policy["Statement"].append(
        {
            "Sid": "AccountIdentities",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": account}},
        }
    )
    return policy


def test_a_statement_limited_by_kms_caller_account_allows_the_account_s_role(aws: Seeded) -> None:
    put_as_admin(aws, caller_account_policy(DESTINATION_ACCOUNT))

    policy = provider_kms(aws).get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]

    assert json.loads(policy) == caller_account_policy(DESTINATION_ACCOUNT)


def test_a_statement_limited_by_another_kms_caller_account_still_refuses(aws: Seeded) -> None:
    put_as_admin(aws, caller_account_policy(EMR_ACCOUNT))

    with pytest.raises(ClientError) as refused:
        provider_kms(aws).get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


def test_an_identity_policy_by_the_key_s_tag_allows_describe_key(aws: Seeded) -> None:
    """
    ABAC (AWS KMS Developer Guide, "Use tags to control access to KMS keys"): an IAM policy's ``aws:ResourceTag``
    condition, with the seeded key policy's statement enabling IAM policies.
    """
    client(aws.url, DESTINATION_ACCOUNT, "kms").tag_resource(
        KeyId=aws.kms_key_arn, Tags=[{"TagKey": "team", "TagValue": "data"}]
    )
    by_tag = {
        "Effect": "Allow",
        "Action": "kms:DescribeKey",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "data"}},
    }
    provisioner_roles(aws.url, None, {}, [by_tag])

    metadata = provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)["KeyMetadata"]

    assert metadata["Arn"] == aws.kms_key_arn


def test_a_key_policy_statement_on_kms_key_spec_allows_describe_key(aws: Seeded) -> None:
    """AWS KMS Developer Guide, "Creating a key policy": its sample allows DescribeKey when kms:KeySpec is SYMMETRIC_DEFAULT."""
    provisioner_roles(aws.url, None, {})
    policy = admins_only()
    policy["Statement"].append(
        {
            "Sid": "DescribePolicyStatement",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}},
        }
    )
    put_as_admin(aws, policy)

    metadata = provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)["KeyMetadata"]

    assert metadata["KeySpec"] == "SYMMETRIC_DEFAULT"


def test_a_grant_with_an_encryption_context_constraint_allows_describe_key(aws: Seeded) -> None:
    """
    AWS KMS API Reference, CreateGrant, ``Constraints``: "Grants with grant constraints can include the DescribeKey and
    RetireGrant operations, but the constraint doesn't apply to these operations".
    """
    put_as_admin(aws, admins_only())
    client(aws.url, DESTINATION_ACCOUNT, "kms").create_grant(
        KeyId=aws.kms_key_arn,
        GranteePrincipal=ROLE,
        Operations=["DescribeKey", "Decrypt"],
        Constraints={"EncryptionContextSubset": {"aws:s3:arn": "arn:aws:s3:::bucket/key"}},
    )

    metadata = provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)["KeyMetadata"]

    assert metadata["Arn"] == aws.kms_key_arn
