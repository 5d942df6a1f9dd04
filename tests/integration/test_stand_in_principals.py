"""
The stand-in shows and refuses a deleted principal in a key policy as KMS does, which moto alone does not.

These are the judges of ``devstack/aws_principals.py``: once a role named in a key policy is deleted,
``GetKeyPolicy`` shows its unique ID (IAM User Guide, "AWS JSON policy elements: Principal"), and
``PutKeyPolicy``/``CreateKey`` with such an orphaned ID are refused with
``MalformedPolicyDocumentException`` "Policy contains a statement with one or more invalid principals",
nothing changed (AWS Knowledge Center, kms-policy-error-invalid-principals). Both sides are tried:
the same policy with live ARNs only is accepted.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client

ROOT = {
    "Sid": "EnableIamPolicies",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def users_statement(*principals: str) -> dict[str, Any]:
    return {
        "Sid": "Users",
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }


def policy_of(kms: Any, key: str) -> dict[str, Any]:
    return json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])


def test_a_deleted_role_shows_as_its_unique_id_and_a_policy_still_naming_it_is_refused(aws: Seeded) -> None:
    iam, kms = client(aws.url, DESTINATION_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    gone = iam.create_role(RoleName="gone", AssumeRolePolicyDocument=trust)["Role"]
    kept = iam.create_role(RoleName="kept", AssumeRolePolicyDocument=trust)["Role"]
    live = {"Version": "2012-10-17", "Statement": [ROOT, users_statement(gone["Arn"], kept["Arn"])]}
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(live))  # live ARNs: accepted

    iam.delete_role(RoleName="gone")

    shown = policy_of(kms, aws.kms_key_arn)
    assert shown["Statement"][1]["Principal"]["AWS"] == [gone["RoleId"], kept["Arn"]]
    assert gone["RoleId"].startswith("AROA")
    assert shown["Statement"][0] == ROOT
    with pytest.raises(ClientError) as refused:
        kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(shown))
    assert refused.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert (
        refused.value.response["Error"]["Message"] == "Policy contains a statement with one or more invalid principals."
    )
    assert policy_of(kms, aws.kms_key_arn) == shown  # nothing changed

    # Without the orphaned ID the same policy is accepted; so is a new key's, and refused with it.
    shown["Statement"][1]["Principal"]["AWS"] = [kept["Arn"]]
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(shown))
    assert policy_of(kms, aws.kms_key_arn) == shown
    with pytest.raises(ClientError, match="invalid principals"):
        kms.create_key(
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [ROOT, users_statement("AIDACKCEVSQ6C2EXAMPLE")]})
        )
    kms.create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [ROOT, users_statement(kept["Arn"])]}))


def test_a_deleted_role_shows_as_its_unique_id_in_trust_policies_and_iam_refuses_to_save_it(aws: Seeded) -> None:
    """AWS Knowledge Center, iam-trust-policy-error: "Invalid principal in policy" once a trusted role is deleted."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    gone = iam.create_role(
        RoleName="gone", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Gone", "Effect": "Allow", "Principal": {"AWS": gone["Role"]["Arn"]}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="trusting", AssumeRolePolicyDocument=json.dumps(trust))

    iam.delete_role(RoleName="gone")

    shown = iam.get_role(RoleName="trusting")["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"]["AWS"] == gone["Role"]["RoleId"]
    for call in (
        lambda: iam.update_assume_role_policy(RoleName="trusting", PolicyDocument=json.dumps(shown)),
        lambda: iam.create_role(RoleName="another", AssumeRolePolicyDocument=json.dumps(shown)),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] == "MalformedPolicyDocument"
        assert "Invalid principal in policy" in refused.value.response["Error"]["Message"]
    assert iam.get_role(RoleName="trusting")["Role"]["AssumeRolePolicyDocument"] == shown
    shown["Statement"][0]["Principal"]["AWS"] = f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"
    iam.update_assume_role_policy(RoleName="trusting", PolicyDocument=json.dumps(shown))  # live: accepted


def test_a_role_principal_shows_in_the_roles_own_spelling(aws: Seeded) -> None:
    """
    AWS stores a role principal as the role's unique ID and shows it as the role's ARN (IAM User Guide,
    "AWS JSON policy elements: Principal"); IAM names are not distinguished by case (IAM API Reference,
    "CreateRole"). So another spelling of an existing role's name comes back as the role's own; a name
    of no role, and a role of another path, are kept as sent.
    """
    iam, kms = client(aws.url, DESTINATION_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    lower = aws.emr_ec2_role_arn.rsplit("/", 1)[0] + "/" + aws.emr_ec2_role_arn.rsplit("/", 1)[1].lower()
    assert lower != aws.emr_ec2_role_arn
    nobody = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/No-Such-Role"
    other_path = lower.replace(":role/", ":role/elsewhere/")
    trust = {"Version": "2012-10-17", "Statement": [users_statement(lower, nobody, other_path)]}
    trust["Statement"][0]["Action"] = "sts:AssumeRole"
    trust["Statement"][0].pop("Resource")

    role = iam.create_role(RoleName="spelling-judge", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    shown = iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"]["AWS"] == [aws.emr_ec2_role_arn, nobody, other_path]

    iam.update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=json.dumps(trust))
    shown = iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"]["AWS"][0] == aws.emr_ec2_role_arn

    kms.put_key_policy(
        KeyId=aws.kms_key_arn,
        PolicyName="default",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [ROOT, users_statement(lower)]}),
    )
    assert policy_of(kms, aws.kms_key_arn)["Statement"][1]["Principal"]["AWS"] == [aws.emr_ec2_role_arn]
