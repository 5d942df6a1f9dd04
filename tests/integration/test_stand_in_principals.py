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

from devstack.moto_stack import DESTINATION_ACCOUNT, EC2_ONLY_TRUST, EMR_ACCOUNT, Seeded, client

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
    trust = EC2_ONLY_TRUST
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
    gone = iam.create_role(RoleName="gone", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
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
    "CreateRole"). So another spelling of an existing role's name comes back as the role's own; other
    principals are kept as sent.
    """
    iam, kms = client(aws.url, DESTINATION_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    lower = aws.emr_ec2_role_arn.rsplit("/", 1)[0] + "/" + aws.emr_ec2_role_arn.rsplit("/", 1)[1].lower()
    assert lower != aws.emr_ec2_role_arn
    root = f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"
    trust = {"Version": "2012-10-17", "Statement": [users_statement(lower, root)]}
    trust["Statement"][0]["Action"] = "sts:AssumeRole"
    trust["Statement"][0].pop("Resource")

    role = iam.create_role(RoleName="spelling-judge", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    shown = iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"]["AWS"] == [aws.emr_ec2_role_arn, root]

    iam.update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=json.dumps(trust))
    shown = iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"]["AWS"][0] == aws.emr_ec2_role_arn

    kms.put_key_policy(
        KeyId=aws.kms_key_arn,
        PolicyName="default",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [ROOT, users_statement(lower)]}),
    )
    assert policy_of(kms, aws.kms_key_arn)["Statement"][1]["Principal"]["AWS"] == [aws.emr_ec2_role_arn]


UNKNOWN_ACCOUNT = "999999999999"


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/No-Such-Role",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/elsewhere/KeyAdmin",  # the role exists, on another path
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:user/nobody",
        f"arn:aws:iam::{UNKNOWN_ACCOUNT}:role/Auditor",
        f"arn:aws:iam::{UNKNOWN_ACCOUNT}:root",
        UNKNOWN_ACCOUNT,
    ],
)
def test_a_principal_that_does_not_exist_is_refused_in_key_trust_and_bucket_policies(
    aws: Seeded, principal: str
) -> None:
    """
    KMS: "The principals in the key policy must exist and be visible to KMS" (AWS KMS API Reference,
    "PutKeyPolicy", "CreateKey"); IAM: "Invalid principal in policy" (AWS Knowledge Center,
    iam-trust-policy-error); S3: ``MalformedPolicy`` "Invalid principal in policy" (AWS Knowledge Center,
    s3-invalid-principal-in-policy-error). Nothing is changed; naming an unknown account does not make it known.
    """
    iam, kms = client(aws.url, DESTINATION_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    trust = {"Version": "2012-10-17", "Statement": [users_statement(principal)]}
    trust["Statement"][0]["Action"] = "sts:AssumeRole"
    trust["Statement"][0].pop("Resource")
    before = policy_of(kms, aws.kms_key_arn)
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{aws.bucket}/*",
            }
        ],
    }

    for _ in range(2):  # twice: the first refusal must not make the principal's account known
        with pytest.raises(ClientError) as key_refused:
            kms.put_key_policy(
                KeyId=aws.kms_key_arn,
                PolicyName="default",
                Policy=json.dumps({"Version": "2012-10-17", "Statement": [ROOT, users_statement(principal)]}),
            )
        assert key_refused.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
        with pytest.raises(ClientError) as trust_refused:
            iam.create_role(RoleName="trusting", AssumeRolePolicyDocument=json.dumps(trust))
        assert trust_refused.value.response["Error"]["Code"] == "MalformedPolicyDocument"
        assert trust_refused.value.response["Error"]["Message"] == f'Invalid principal in policy: "AWS":"{principal}"'
        with pytest.raises(ClientError) as bucket_refused:
            s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(bucket_policy))
        assert bucket_refused.value.response["Error"]["Code"] == "MalformedPolicy"
        assert bucket_refused.value.response["Error"]["Message"] == "Invalid principal in policy"

    assert policy_of(kms, aws.kms_key_arn) == before
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == "trusting"] == []
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=aws.bucket)


def test_existing_principals_accounts_services_and_anyone_are_accepted_in_all_three(aws: Seeded) -> None:
    """The other side: live roles, known accounts (root ARN or bare id), ``*`` and service principals pass."""
    iam, kms = client(aws.url, DESTINATION_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "kms")
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    principals = [aws.emr_ec2_role_arn, f"arn:aws:iam::{EMR_ACCOUNT}:root", DESTINATION_ACCOUNT, "*"]
    service = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [users_statement(*principals), service]}
    trust["Statement"][0]["Action"] = "sts:AssumeRole"
    trust["Statement"][0].pop("Resource")
    iam.create_role(RoleName="trusting", AssumeRolePolicyDocument=json.dumps(trust))
    key_policy = {"Version": "2012-10-17", "Statement": [ROOT, users_statement(*principals)]}
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(key_policy))
    statement = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "s3:GetObject"}
    statement["Resource"] = f"arn:aws:s3:::{aws.bucket}/*"
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    assert (
        json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])["Statement"][0]["Principal"]["AWS"] == principals
    )
    assert policy_of(kms, aws.kms_key_arn)["Statement"][1]["Principal"]["AWS"] == principals


def test_a_deleted_role_shows_as_its_unique_id_in_bucket_policies_and_s3_refuses_to_save_it(aws: Seeded) -> None:
    """AWS Knowledge Center, s3-invalid-principal-in-policy-error: "confirm that the user or role wasn't deleted"."""
    iam, s3 = client(aws.url, DESTINATION_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "s3")
    gone = iam.create_role(RoleName="gone", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]
    statement = {"Effect": "Allow", "Principal": {"AWS": gone["Arn"]}, "Action": "s3:GetObject"}
    statement["Resource"] = f"arn:aws:s3:::{aws.bucket}/*"
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))

    iam.delete_role(RoleName="gone")

    shown = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
    assert shown["Statement"][0]["Principal"]["AWS"] == gone["RoleId"]
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(shown))
    assert refused.value.response["Error"]["Code"] == "MalformedPolicy"


@pytest.mark.parametrize(
    "statement",
    [
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        },
        {"Effect": "Allow", "Action": "sts:AssumeRole"},
    ],
    ids=["NotPrincipal", "no Principal"],
)
def test_iam_refuses_a_trust_policy_with_not_principal_or_without_principal(
    aws: Seeded, statement: dict[str, Any]
) -> None:
    """
    IAM User Guide, "AWS JSON policy elements: NotPrincipal": "You cannot use the NotPrincipal element in an IAM
    identity-based policy nor in an IAM role trust policy"; "AWS JSON policy elements: Principal": "You must use
    the Principal element in resource-based policies", a role trust policy being one. moto saved both; nothing
    is created or changed.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trusted = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [trusted, statement]}
    with pytest.raises(ClientError) as created:
        iam.create_role(RoleName="trusting", AssumeRolePolicyDocument=json.dumps(trust))
    assert created.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == "trusting"] == []
    iam.create_role(RoleName="trusting", AssumeRolePolicyDocument=json.dumps({**trust, "Statement": [trusted]}))
    with pytest.raises(ClientError) as updated:
        iam.update_assume_role_policy(RoleName="trusting", PolicyDocument=json.dumps(trust))
    assert updated.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    saved = iam.get_role(RoleName="trusting")["Role"]["AssumeRolePolicyDocument"]
    assert (json.loads(saved) if isinstance(saved, str) else saved)["Statement"] == [trusted]


@pytest.mark.parametrize(
    "nobody",
    [
        {"Version": "2012-10-17", "Statement": []},
        {"Version": "2012-10-17"},
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": []}, "Action": "sts:AssumeRole"}],
        },
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {}, "Action": "sts:AssumeRole"}]},
    ],
    ids=["no-statement", "no-statement-element", "empty-principal-list", "empty-principal"],
)
def test_a_trust_policy_that_names_nobody_is_refused_and_one_denying_everyone_is_saved(
    aws: Seeded, nobody: dict[str, Any]
) -> None:
    """
    AWS does not document whether IAM saves a trust policy without statements or with a principal naming nobody
    ("IAM JSON policy elements: Statement": "This element is required"; "Grammar of the IAM JSON policy language"):
    the stand-in refuses both (the stricter side), where moto saves them. A Deny for every principal is a policy
    of the documented grammar, and is saved.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    role = iam.create_role(RoleName="nobody-yet", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]

    for call in (
        lambda: iam.create_role(RoleName="nobody", AssumeRolePolicyDocument=json.dumps(nobody)),
        lambda: iam.update_assume_role_policy(RoleName="nobody-yet", PolicyDocument=json.dumps(nobody)),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert iam.get_role(RoleName="nobody-yet")["Role"]["AssumeRolePolicyDocument"] == role["AssumeRolePolicyDocument"]
    assert "nobody" not in {item["RoleName"] for item in iam.list_roles()["Roles"]}

    deny_everyone = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    iam.update_assume_role_policy(
        RoleName="nobody-yet", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [deny_everyone]})
    )
    assert iam.get_role(RoleName="nobody-yet")["Role"]["AssumeRolePolicyDocument"]["Statement"] == [deny_everyone]
