"""
The stand-in refuses what AWS refuses at its size and count quotas, which moto alone does not.

These are the judges of ``devstack/aws_quotas.py``, tested against AWS's documented figures: IAM
User Guide, "IAM and AWS STS quotas" (a role's inline policies together 10,240 characters, a managed
policy 6,144, a trust policy 2,048 (4,096 raised), 10 managed policies per role (20 raised);
"IAM doesn't count white space"); the ``LimitExceeded`` error of IAM's PutRolePolicy, CreatePolicy,
CreatePolicyVersion, CreateRole, UpdateAssumeRolePolicy and AttachRolePolicy; AWS KMS API Reference,
"PutKeyPolicy" (32,768 bytes). Sizes are built here from compact JSON (no whitespace at all), not
with the provider's ``iam_policy_length`` nor the judges' own count, and each boundary is tried on
both sides: at the quota accepted (with whitespace that does not count), one past it refused and
nothing changed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.names import ASSUME_POLICY_NAME
from devstack.aws_quotas import raise_iam_quota
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client

EC2_TRUST = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
DENY = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}


def padded(statement: dict[str, Any], characters: int) -> dict[str, Any]:
    """A one-statement document of exactly ``characters`` characters without whitespace (its ``Sid`` pads it)."""
    padded_statement = {"Sid": "", **statement}
    document = {"Version": "2012-10-17", "Statement": [padded_statement]}
    padded_statement["Sid"] = "P" * (characters - compact_length(document))
    assert compact_length(document) == characters
    return document


def compact_length(document: Any) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def refused_as_aws_does(call: Any, **arguments: Any) -> str:
    """Call and return the error message; the error must be IAM's or KMS's quota error."""
    with pytest.raises(ClientError) as refused:
        call(**arguments)
    assert refused.value.response["Error"]["Code"] in ("LimitExceeded", "LimitExceededException")
    return str(refused.value.response["Error"]["Message"])


def test_a_roles_inline_policies_together_stop_at_10240_characters(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    arns = [f"arn:aws:iam::{900000000000 + index:012d}:role/partner-{index:04d}" for index in range(120)]
    iam.put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName=ASSUME_POLICY_NAME,
        PolicyDocument=json.dumps(documents.assume_role_policy(arns)),
    )
    used = sum(
        compact_length(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"])
        for name in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    )
    room = 10240 - used
    assert 1000 < room < 6000  # the seeded policy and ours leave room for one more

    message = refused_as_aws_does(
        iam.put_role_policy,
        RoleName=EMR_EC2_ROLE,
        PolicyName="team-extra",
        PolicyDocument=json.dumps(padded(DENY, room + 1)),
    )
    assert message == f"Maximum policy size of 10240 bytes exceeded for role {EMR_EC2_ROLE}"
    assert "team-extra" not in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]

    # Exactly at the quota, with whitespace (indented JSON) that IAM does not count: accepted.
    iam.put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="team-extra", PolicyDocument=json.dumps(padded(DENY, room), indent=4)
    )
    # Growing any of them now counts the others: the provider's policy cannot take one more role.
    refused_as_aws_does(
        iam.put_role_policy,
        RoleName=EMR_EC2_ROLE,
        PolicyName=ASSUME_POLICY_NAME,
        PolicyDocument=json.dumps(documents.assume_role_policy([*arns, "arn:aws:iam::999999999999:role/one-more"])),
    )
    held = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    assert "one-more" not in json.dumps(held)


def test_a_managed_policy_stops_at_6144_characters_in_every_version(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    message = refused_as_aws_does(iam.create_policy, PolicyName="big", PolicyDocument=json.dumps(padded(DENY, 6145)))
    assert message == "Cannot exceed quota for PolicySize: 6144"
    assert not [item for item in iam.list_policies(Scope="Local")["Policies"] if item["PolicyName"] == "big"]

    arn = iam.create_policy(PolicyName="big", PolicyDocument=json.dumps(padded(DENY, 6144), indent=4))["Policy"]["Arn"]
    refused_as_aws_does(
        iam.create_policy_version, PolicyArn=arn, PolicyDocument=json.dumps(padded(DENY, 6145)), SetAsDefault=True
    )
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 1
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(padded(DENY, 6144)), SetAsDefault=True)


def test_a_trust_policy_stops_at_2048_characters_or_at_the_raised_quota(aws: Seeded) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    message = refused_as_aws_does(
        iam.create_role, RoleName="wide-trust", AssumeRolePolicyDocument=json.dumps(padded(EC2_TRUST, 2049))
    )
    assert message == "Cannot exceed quota for ACLSizePerRole: 2048"
    assert "wide-trust" not in [role["RoleName"] for role in iam.list_roles()["Roles"]]

    iam.create_role(RoleName="wide-trust", AssumeRolePolicyDocument=json.dumps(padded(EC2_TRUST, 2048), indent=4))
    saved = iam.get_role(RoleName="wide-trust")["Role"]["AssumeRolePolicyDocument"]
    refused_as_aws_does(
        iam.update_assume_role_policy, RoleName="wide-trust", PolicyDocument=json.dumps(padded(EC2_TRUST, 2049))
    )
    assert iam.get_role(RoleName="wide-trust")["Role"]["AssumeRolePolicyDocument"] == saved  # changing nothing

    raise_iam_quota(DESTINATION_ACCOUNT, "AssumeRolePolicySizeQuota", 4096)
    assert iam.get_account_summary()["SummaryMap"]["AssumeRolePolicySizeQuota"] == 4096
    iam.update_assume_role_policy(RoleName="wide-trust", PolicyDocument=json.dumps(padded(EC2_TRUST, 4096)))
    refused_as_aws_does(
        iam.update_assume_role_policy, RoleName="wide-trust", PolicyDocument=json.dumps(padded(EC2_TRUST, 4097))
    )
    # Another account keeps the default.
    assert client(aws.url, EMR_ACCOUNT, "iam").get_account_summary()["SummaryMap"]["AssumeRolePolicySizeQuota"] == 2048


def test_a_role_takes_10_managed_policies_or_the_raised_quota(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    attached = len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"])
    arns = [
        iam.create_policy(PolicyName=f"team-{index}", PolicyDocument=json.dumps(padded(DENY, 200)))["Policy"]["Arn"]
        for index in range(12)
    ]
    for arn in arns[: 10 - attached]:
        iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arns[0])  # attached already: changes nothing

    message = refused_as_aws_does(iam.attach_role_policy, RoleName=EMR_EC2_ROLE, PolicyArn=arns[10])
    assert message == "Cannot exceed quota for PoliciesPerRole: 10"
    assert len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]) == 10

    raise_iam_quota(EMR_ACCOUNT, "AttachedPoliciesPerRoleQuota", 11)
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arns[10])
    refused_as_aws_does(iam.attach_role_policy, RoleName=EMR_EC2_ROLE, PolicyArn=arns[11])


def test_a_key_policy_stops_at_32768_bytes(aws: Seeded) -> None:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    key_id = kms.create_key(Description="quota")["KeyMetadata"]["KeyId"]
    too_long = json.dumps(padded(root, 32769), separators=(",", ":"))
    assert len(too_long.encode()) == 32769
    refused_as_aws_does(kms.put_key_policy, KeyId=key_id, PolicyName="default", Policy=too_long)
    assert "PPPP" not in kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    keys = kms.list_keys()["Keys"]
    refused_as_aws_does(kms.create_key, Policy=too_long)
    assert kms.list_keys()["Keys"] == keys  # no key made

    kms.put_key_policy(
        KeyId=key_id, PolicyName="default", Policy=json.dumps(padded(root, 32768), separators=(",", ":"))
    )
