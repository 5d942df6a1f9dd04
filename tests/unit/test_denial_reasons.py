"""
What AWS's access-denied message says of why, and the advice built on it (pure/denials.py).

IAM User Guide, "Troubleshoot access denied error messages"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html): the message says "with an explicit
deny in a <type>" or "because no <type> allows the <action> action", for identity-based policies, resource-based
policies, session policies, permissions boundaries, service control policies, resource control policies and VPC
endpoint policies; "some services do not support this format". An explicit deny in any policy overrides any allow
(IAM User Guide, "Policy evaluation logic"). AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy
explicitly allows it, you cannot use IAM policies to allow access to a KMS key."
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.errors import denial_message
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link, name_refused_reads
from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead
from airflow_provider_emrfs_xacct.pure.denials import POLICY_TYPES, Denial, identity_named, read_denial

KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SESSION = "arn:aws:sts::222222222222:assumed-role/deployer/Airflow_aws_dest"
USER = "arn:aws:iam::222222222222:user/bob"


def aws_says(why: str, action: str = "kms:GetKeyPolicy", who: str = SESSION) -> str:
    return f"User: {who} is not authorized to perform: {action} on resource: {KEY} {why}"


@pytest.mark.parametrize("kind", POLICY_TYPES)
def test_each_policy_type_is_read_explicit_or_not(kind: str) -> None:
    article = "an" if kind.startswith("identity") else "a"

    assert read_denial(aws_says(f"with an explicit deny in {article} {kind}")) == Denial(kind, True)
    assert read_denial(aws_says(f"because no {kind} allows the kms:GetKeyPolicy action")) == Denial(kind, False)


@pytest.mark.parametrize(
    "message",
    ["not authorized", f"User: {USER} is not authorized to perform: s3:GetBucketPolicy", "Access Denied", ""],
)
def test_a_message_naming_no_policy_type_says_nothing(message: str) -> None:
    assert read_denial(message) is None


def test_whom_aws_names() -> None:
    assert identity_named(aws_says("")) == "the role deployer of account 222222222222"
    assert identity_named(aws_says("", who=USER)) == USER
    assert identity_named("Access Denied") == "the connection's identity"


def explained(why: str, action: str = "kms:GetKeyPolicy", conn_id: str | None = "aws_dest", who: str = SESSION) -> str:
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": aws_says(why, action, who)}}, "X")
    return denial_message(error, action=action, resource=KEY, account="222222222222", conn_id=conn_id)


def fix_of(why: str, action: str = "kms:GetKeyPolicy", conn_id: str | None = "aws_dest") -> str:
    text = explained(why, action, conn_id)
    refused = RefusedRead(action, conn_id, "222222222222", KEY, action.partition(":")[2], text)
    (link,) = name_refused_reads([Link(None, "KMS key", UNKNOWN, text)], [refused])
    return link.fix


@pytest.mark.parametrize(
    "kind", ["identity-based policy", "resource-based policy", "permissions boundary", "service control policy"]
)
def test_an_explicit_deny_must_go_whatever_is_allowed(kind: str) -> None:
    article = "an" if kind.startswith("identity") else "a"
    why = f"with an explicit deny in {article} {kind}"

    assert explained(why).endswith(
        f"{article.capitalize()} {kind} denies kms:GetKeyPolicy to the role deployer of account 222222222222; an Allow "
        "or a key-policy change does not lift it: the deny must go."
    )
    fix = fix_of(why)
    assert fix == (
        f"{article} {kind} denies kms:GetKeyPolicy to the connection 'aws_dest'; an Allow or a key-policy change does "
        "not lift it: the deny must go and verify again"
    )
    assert "allow kms:GetKeyPolicy" not in fix
    assert "key policy must allow" not in fix


def test_no_key_policy_allowing_asks_the_key_policy_alone() -> None:
    why = "because no resource-based policy allows the kms:GetKeyPolicy action"

    assert explained(why).endswith(
        "The key policy must allow kms:GetKeyPolicy to the role deployer of account 222222222222: its statement "
        "enabling IAM policies for the account, or a statement naming that identity "
        '(docs/permissions.md, "A key policy without the account-root statement").'
    )
    assert fix_of(why).startswith("the key policy must allow kms:GetKeyPolicy to the connection 'aws_dest': its ")
    assert "identity policy" not in fix_of(why)


def test_no_identity_policy_allowing_asks_the_identity_policy_alone() -> None:
    why = "because no identity-based policy allows the kms:DescribeKey action"

    assert explained(why, "kms:DescribeKey").endswith(
        "Grant kms:DescribeKey to the role deployer of account 222222222222 in its identity policy."
    )
    assert fix_of(why, "kms:DescribeKey") == (
        "grant kms:DescribeKey to the connection 'aws_dest' in its identity policy and verify again"
    )


@pytest.mark.parametrize("kind", ["service control policy", "resource control policy", "permissions boundary"])
def test_a_limiting_policy_that_does_not_allow_is_named(kind: str) -> None:
    why = f"because no {kind} allows the kms:GetKeyPolicy action"

    assert explained(why).endswith(
        f"The {kind} that applies must allow kms:GetKeyPolicy; an Allow elsewhere does not pass it."
    )


def test_the_same_reading_for_a_refusal_of_no_key() -> None:
    explicit = "with an explicit deny in a service control policy"
    missing = "because no identity-based policy allows the s3:GetBucketPolicy action"

    assert explained(explicit, "s3:GetBucketPolicy").endswith(
        "A service control policy denies s3:GetBucketPolicy to the role deployer of account 222222222222; an Allow "
        "does not lift it: the deny must go."
    )
    assert fix_of(missing, "s3:GetBucketPolicy") == (
        "grant s3:GetBucketPolicy to the connection 'aws_dest' in its identity policy and verify again"
    )


def test_an_iam_user_or_no_connection_is_no_role() -> None:
    """The default credential chain (no connection) or an IAM user's keys: whom AWS names, never "the role"."""
    user = explained("", "kms:DescribeKey", conn_id=None, who=USER)
    assert user.endswith(
        f"Grant kms:DescribeKey on that key to {USER} in its identity policy, and make sure the key policy allows it: "
        "its statement enabling IAM policies for the account, or a statement naming that identity "
        '(docs/permissions.md, "A key policy without the account-root statement").'
    )
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "DescribeKey")
    anonymous = denial_message(error, action="kms:DescribeKey", resource=KEY, account="222222222222", conn_id=None)
    assert "to the connection's identity in its identity policy" in anonymous
    assert "role" not in anonymous.split("not authorized")[1]
    refused = RefusedRead("kms:DescribeKey", "aws_dest", "222222222222", KEY, "DescribeKey", anonymous)
    (link,) = name_refused_reads([Link(None, "KMS key", UNKNOWN, anonymous)], [refused])
    assert "role" not in link.fix
