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
from devstack.testing import ALLOW_EVERYTHING, CallRecorder, provisioner_roles, run_operator
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
    # An IAM grant does nothing here (AWS KMS Developer Guide, "Key policies in AWS KMS"): AWS names the key policy.
    assert (
        f"The key policy must allow kms:GetKeyPolicy to the role {PROVISIONER_ROLE} of account {DESTINATION_ACCOUNT}: "
        "its statement enabling IAM policies for the account, or a statement naming that identity "
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


#: A network perimeter (IAM User Guide, "AWS global condition context keys"): ``aws:SourceVpce`` and ``aws:SourceVpc``
#: are "included in the request context only if the requester uses a VPC endpoint"; ``aws:SourceIp`` is, "except when
#: the requester uses a VPC endpoint". The stand-in judges the provider's calls as from the internet, any address.
PERIMETERS = {
    "outside the VPC endpoint": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}},
    "outside the office's addresses": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
}


def with_perimeter(policy: dict[str, Any], condition: dict[str, Any]) -> dict[str, Any]:
    """``policy`` with a statement denying every KMS call that does not meet ``condition``'s network limit."""
    deny = {"Sid": "Perimeter", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    return {**policy, "Statement": [*policy["Statement"], {**deny, "Condition": condition}]}


@pytest.mark.parametrize("perimeter", PERIMETERS)
def test_a_perimeter_deny_does_not_leave_a_key_policy_without_iam_delegation_to_moto(
    aws: Seeded, perimeter: str
) -> None:
    """
    AWS KMS Developer Guide, "Key policies in AWS KMS": no statement allows the role, so every network way is refused;
    a condition on a network key does not make the stand-in let the call through.
    """
    create_roles(aws, "partner-a-writer")
    put_as_admin(aws, with_perimeter(admins_only(), PERIMETERS[perimeter]))

    with pytest.raises(ClientError) as refused:
        provider_kms(aws).get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    with CallRecorder().everywhere() as recorder, pytest.raises(AccessDeniedError):
        run_operator(make_operator(aws.kms_key_arn))
    assert recorder.params_of("PutKeyPolicy") == []


def perimeter_statement(condition: dict[str, Any]) -> dict[str, Any]:
    """An identity-policy statement denying every KMS call that does not meet ``condition``'s network limit."""
    return {"Effect": "Deny", "Action": "kms:*", "Resource": "*", "Condition": condition}


def test_an_address_perimeter_in_the_role_s_policy_refuses_a_caller_it_may_not_cover(aws: Seeded) -> None:
    """
    The seeded key policy enables IAM policies (its account-root statement) and the role's policy allows everything,
    but denies a caller outside 203.0.113.0/24 (``NotIpAddress`` ``aws:SourceIp``: IAM User Guide, "AWS: Denies access
    to AWS based on the source IP"), as AWS refuses a caller over the internet from another address. The stand-in does
    not know the caller's address: it takes each one the policies tell apart and refuses when one is refused.
    (The Deny is in the role's policy: moto refuses any key-policy Deny whatever its conditions.)
    """
    provisioner_roles(
        aws.url, None, {}, [ALLOW_EVERYTHING, perimeter_statement(PERIMETERS["outside the office's addresses"])]
    )

    with pytest.raises(ClientError) as refused:
        provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "as a caller from aws:SourceIp 52.94.0.1" in refused.value.response["Error"]["Message"]
    # As AWS words it (IAM User Guide, "Troubleshoot access denied error messages"): the Deny, not a missing Allow.
    assert "with an explicit deny in an identity-based policy" in refused.value.response["Error"]["Message"]


def test_a_blocked_address_range_is_worded_as_the_explicit_deny_it_is(aws: Seeded) -> None:
    """
    A Deny of callers from 198.51.100.0/24 (``IpAddress`` ``aws:SourceIp``): the stand-in refuses, as one address it
    cannot rule out is in the range, and words it as AWS would for such a caller, "with an explicit deny in an
    identity-based policy" (IAM User Guide, "Troubleshoot access denied error messages"), not as a missing Allow: the
    wording is judged with the same addresses as the decision.
    """
    blocked = {
        "Effect": "Deny",
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
    }
    provisioner_roles(aws.url, None, {}, [ALLOW_EVERYTHING, blocked])

    with pytest.raises(ClientError) as refused:
        provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "with an explicit deny in an identity-based policy" in refused.value.response["Error"]["Message"]


def test_a_perimeter_on_other_vpc_endpoints_lets_a_caller_from_the_internet_through(aws: Seeded) -> None:
    """
    A Deny of requests through another VPC endpoint (``Null`` ``aws:SourceVpce`` ``false``: the key present) does not
    apply to a request over the internet, which does not carry the key (IAM User Guide, "AWS global condition context
    keys"; "IAM JSON policy elements: Condition operators", ``Null``): the seeded key policy and the role's allow decide.
    """
    other_endpoints = {
        "StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"},
        "Null": {"aws:SourceVpce": "false"},
    }
    provisioner_roles(aws.url, None, {}, [ALLOW_EVERYTHING, perimeter_statement(other_endpoints)])

    metadata = provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)["KeyMetadata"]

    assert metadata["Arn"] == aws.kms_key_arn


@pytest.mark.parametrize("by", ["alias name", "alias ARN"])
def test_describe_key_by_alias_is_allowed_by_a_kms_request_alias_statement(aws: Seeded, by: str) -> None:
    """
    AWS KMS Developer Guide, "AWS KMS condition keys", kms:RequestAlias (key policies and IAM policies; DescribeKey):
    "the value of the KeyId parameter in the request must be a matching alias name or alias ARN"; another key
    identifier does not satisfy it.
    """
    provisioner_roles(aws.url, None, {})
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.create_alias(AliasName="alias/partner-key", TargetKeyId=aws.kms_key_arn)
    policy = admins_only()
    policy["Statement"].append(
        {
            "Sid": "DescribeByAlias",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:RequestAlias": "alias/partner-key"}},
        }
    )
    put_as_admin(aws, policy)
    region = aws.kms_key_arn.split(":")[3]
    alias = (
        "alias/partner-key" if by == "alias name" else f"arn:aws:kms:{region}:{DESTINATION_ACCOUNT}:alias/partner-key"
    )

    metadata = provider_kms(aws).describe_key(KeyId=alias)["KeyMetadata"]

    assert metadata["Arn"] == aws.kms_key_arn
    with pytest.raises(ClientError) as refused:
        provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


def test_a_decision_the_stand_in_cannot_take_is_a_refusal(aws: Seeded) -> None:
    """
    A policy variable naming a multivalued key (``${kms:ResourceAliases}``) is not substituted: "You cannot use a
    policy variable with multivalued condition keys" (IAM User Guide, "IAM policy elements: Variables and tags").
    The judge cannot decide the role's allow, and the stand-in refuses rather than let moto answer (the stricter side).
    """
    client(aws.url, DESTINATION_ACCOUNT, "kms").create_alias(AliasName="alias/partner-key", TargetKeyId=aws.kms_key_arn)
    by_variable = {
        "Effect": "Allow",
        "Action": "kms:DescribeKey",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:userid": "${kms:ResourceAliases}"}},
    }
    provisioner_roles(aws.url, None, {}, [by_variable])

    with pytest.raises(ClientError) as refused:
        provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "the stand-in cannot decide, so refuses" in refused.value.response["Error"]["Message"]


#: The partner's key policy statement on S3's data key by alias, as a partner might write it.
BY_ALIAS = {"StringEquals": {"kms:RequestAlias": "alias/partner-key"}}


@pytest.mark.parametrize("effect", ["Deny", "Allow"])
def test_s3s_kms_calls_are_not_known_to_carry_the_alias_the_buckets_default_names(aws: Seeded, effect: str) -> None:
    """
    Review J38. kms:RequestAlias holds when "the value of the KeyId parameter in the request" is a matching alias name or
    alias ARN (AWS KMS Developer Guide, "AWS KMS condition keys", kms:RequestAlias); which KeyId S3 sends to KMS for
    SSE-KMS, with the bucket's default naming the key by its alias ARN, no page says. A key policy Deny of
    kms:GenerateDataKey* under that alias, or an Allow needing it, leaves the write unknown: the judge put no
    kms:RequestAlias in S3's calls, so the Deny never applied (the write passed) and the Allow never held (refused).
    Unlike the provider's own DescribeKey by alias (above), whose KeyId is the one it sends.
    """
    from tests.integration.test_stand_in_request_context import ROLE_NAME, chain, unknown, write

    configuration = chain(aws)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.create_alias(AliasName="alias/partner-key", TargetKeyId=aws.kms_key_arn)
    region = aws.kms_key_arn.split(":")[3]
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": f"arn:aws:kms:{region}:{DESTINATION_ACCOUNT}:alias/partner-key",
                    }
                }
            ]
        },
    )
    writer = {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"}
    # The writer may use the key: for everything beside the Deny, for kms:Decrypt only beside the Allow.
    users = {"Sid": "Users", "Effect": "Allow", "Principal": writer, "Resource": "*"}
    users["Action"] = "kms:*" if effect == "Deny" else "kms:Decrypt"
    by_alias = {"Sid": "ByAlias", "Effect": effect, "Action": "kms:GenerateDataKey*", "Resource": "*"}
    by_alias.update(Principal={"AWS": "*"} if effect == "Deny" else writer, Condition=BY_ALIAS)
    policy = admins_only()
    policy["Statement"].extend([users, by_alias])
    put_as_admin(aws, policy)

    reason = unknown(write(aws, configuration))

    assert "kms:RequestAlias" in reason, reason
    assert "whether the request carries it" in reason, reason
