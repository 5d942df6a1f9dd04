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

from airflow_provider_emrfs_xacct.hooks.errors import denial_message, what_to_grant
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link, name_refused_reads
from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead
from airflow_provider_emrfs_xacct.pure.denials import POLICY_TYPES, Denial, identity_named, read_denial, refused_action

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


CONDITION = "(its network path, source address, tags...)"


@pytest.mark.parametrize(
    "kind", ["identity-based policy", "permissions boundary", "session policy", "VPC endpoint policy"]
)
def test_an_explicit_deny_must_go_or_its_condition_be_met(kind: str) -> None:
    """
    No Allow lifts an explicit deny (IAM User Guide, "Policy evaluation logic"); a Deny may be a data perimeter's
    (aws:SourceVpce, aws:SourceIp...) whose condition the message does not show: meeting it lifts it too.
    """
    article = "an" if kind.startswith("identity") else "a"
    why = f"with an explicit deny in {article} {kind}"
    then = f"an Allow does not lift it: the Deny must go, or the request must no longer match its condition {CONDITION}"

    assert explained(why).endswith(
        f"{article.capitalize()} {kind} denies kms:GetKeyPolicy to the role deployer of account 222222222222; {then}."
    )
    fix = fix_of(why)
    assert fix == f"{article} {kind} denies kms:GetKeyPolicy to the connection 'aws_dest'; {then} and verify again"
    assert "allow kms:GetKeyPolicy" not in fix
    assert "key policy must allow" not in fix
    assert "key-policy change" not in explained(why)


def test_a_key_policy_deny_must_go_from_the_key_policy() -> None:
    """A Deny in the key policy (a resource-based policy): the key policy's Deny goes, not "no key-policy change"."""
    why = "with an explicit deny in a resource-based policy"

    assert explained(why).endswith(
        "The key policy (a resource-based policy) denies kms:GetKeyPolicy to the role deployer of account 222222222222; "
        "an Allow does not lift it: the key policy's Deny must go, or the request must no longer match its condition "
        f"{CONDITION}."
    )
    assert "does not lift it" in fix_of(why)
    assert "key-policy change" not in fix_of(why)
    assert explained(why, "s3:GetBucketPolicy").endswith(
        "A resource-based policy denies s3:GetBucketPolicy to the role deployer of account 222222222222; an Allow does "
        f"not lift it: the Deny must go, or the request must no longer match its condition {CONDITION}."
    )


SCP_ADVICE = (
    "a service control policy denies or does not allow {action} to {whom}; the organisation's management account (or a "
    "delegated administrator) must change it: remove the Deny or add an Allow, or the request must no longer match the Deny's "
    f"condition {CONDITION}"
)


@pytest.mark.parametrize(
    "why",
    [
        "with an explicit deny in a service control policy",
        "because no service control policy allows the kms:GetKeyPolicy action",
    ],
)
def test_a_service_control_policy_is_the_organisation_s_to_change(why: str) -> None:
    """
    IAM User Guide, "Troubleshoot access denied error messages" (SCP example): the message "always includes ... explicit
    deny ..., even if the denial is implicit" (an allow-list SCP without the Allow). Only the management account or a
    delegated administrator changes an SCP (AWS Organizations User Guide, "Delegated administrator for AWS
    Organizations").
    """
    whom = "the role deployer of account 222222222222"
    advice = SCP_ADVICE.format(action="kms:GetKeyPolicy", whom=whom)

    assert explained(why).endswith(f"{advice[0].upper()}{advice[1:]}.")
    assert "does not lift it" not in explained(why)
    connection = SCP_ADVICE.format(action="kms:GetKeyPolicy", whom="the connection 'aws_dest'")
    assert fix_of(why) == f"{connection} and verify again"


def test_a_resource_control_policy_has_only_denies_to_remove() -> None:
    """AWS Organizations User Guide, "RCP syntax": Allow only in RCPFullAWSAccess, so an RCP refuses by a Deny."""
    assert explained("with an explicit deny in a resource control policy").endswith(
        "A resource control policy denies kms:GetKeyPolicy to the role deployer of account 222222222222; the "
        "organisation's management account (or a delegated administrator) must change it: remove the Deny, or the "
        f"request must no longer match its condition {CONDITION}."
    )


def test_a_deny_transitively_through_another_policy_type_names_the_second() -> None:
    """
    IAM User Guide, "Troubleshoot access denied error messages": "with an explicit deny in a VPC endpoint policy
    transitively through a service control policy" asks to check the SCPs; an unknown second type says nothing.
    """
    why = "with an explicit deny in a VPC endpoint policy transitively through a service control policy"
    message = aws_says(why, "SNS:Publish")

    assert read_denial(message) == Denial("service control policy", True)
    assert explained(why, "sns:Publish").endswith(
        SCP_ADVICE.format(action="sns:Publish", whom="the role deployer of account 222222222222")[1:] + "."
    )
    # A second type not known: still an explicit deny, of the first type (no Allow lifts it: never "Grant ...").
    unknown = "with an explicit deny in a VPC endpoint policy transitively through a fog"
    assert read_denial(aws_says(unknown)) == Denial("VPC endpoint policy", True)
    assert "the Deny must go" in explained(unknown)
    assert "Grant" not in explained(unknown).split(". ", 1)[-1]


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


@pytest.mark.parametrize("kind", ["permissions boundary", "session policy", "VPC endpoint policy"])
def test_a_limiting_policy_that_does_not_allow_is_named(kind: str) -> None:
    why = f"because no {kind} allows the kms:GetKeyPolicy action"

    assert explained(why).endswith(
        f"The {kind} that applies must allow kms:GetKeyPolicy; an Allow elsewhere does not pass it."
    )


def test_the_same_reading_for_a_refusal_of_no_key() -> None:
    explicit = "with an explicit deny in an identity-based policy"
    missing = "because no identity-based policy allows the s3:GetBucketPolicy action"

    assert explained(explicit, "s3:GetBucketPolicy").endswith(
        "An identity-based policy denies s3:GetBucketPolicy to the role deployer of account 222222222222; an Allow "
        f"does not lift it: the Deny must go, or the request must no longer match its condition {CONDITION}."
    )
    assert fix_of(missing, "s3:GetBucketPolicy") == (
        "grant s3:GetBucketPolicy to the connection 'aws_dest' in its identity policy and verify again"
    )


def refused(message: str, action: str, operation: str, resource: str, code: str = "AccessDenied") -> str:
    error = ClientError({"Error": {"Code": code, "Message": message}}, operation)
    return denial_message(error, action=action, resource=resource, account="222222222222", conn_id="aws_dest")


ROLE = "arn:aws:iam::222222222222:role/EMR_EC2_DefaultRole"
PASS_ROLE = (
    f"User: {SESSION} is not authorized to perform: iam:PassRole on resource: {ROLE} because no identity-based policy "
    "allows the iam:PassRole action"
)


def test_the_action_aws_refused_is_advised_not_the_operation_called() -> None:
    """
    RunJobFlow refused on the role it passes: AWS's message names iam:PassRole and the role ("not authorized to
    perform: <action> on resource: <resource>", IAM User Guide, "Troubleshoot access denied error messages").
    """
    text = refused(PASS_ROLE, "elasticmapreduce:RunJobFlow", "RunJobFlow", "Name=c", "AccessDeniedException")

    assert text.startswith("elasticmapreduce:RunJobFlow on Name=c was denied")
    assert text.endswith(
        f"Grant iam:PassRole on {ROLE} to the role deployer of account 222222222222 in its identity policy."
    )
    assert "Grant elasticmapreduce:RunJobFlow" not in text
    relayed = (
        f"User: {SESSION} is not authorized to perform: kms:GenerateDataKey on this resource because no identity-based "
        "policy allows the kms:GenerateDataKey action"
    )
    assert refused(relayed, "s3:PutObject", "PutObject", "Bucket=b").endswith(
        "Grant kms:GenerateDataKey to the role deployer of account 222222222222 in its identity policy."
    )
    bare = f"User: {SESSION} is not authorized to perform: iam:PassRole on resource: {ROLE}"
    assert refused(bare, "elasticmapreduce:RunJobFlow", "RunJobFlow", "Name=c").endswith(
        f"Grant iam:PassRole on {ROLE} to the role deployer of account 222222222222 in its identity policy."
    )


def test_the_verifier_asks_for_the_action_aws_refused() -> None:
    text = refused(PASS_ROLE, "elasticmapreduce:RunJobFlow", "RunJobFlow", "Name=c")
    read = RefusedRead("elasticmapreduce:RunJobFlow", "aws_dest", "222222222222", "Name=c", "RunJobFlow", text)
    (link,) = name_refused_reads([Link(None, "EMR", UNKNOWN, text)], [read])

    assert link.fix == (
        f"grant iam:PassRole on {ROLE} to the connection 'aws_dest' in its identity policy and verify again"
    )


FEDERATED = "arn:aws:sts::222222222222:federated-user/bob"


def test_a_federated_user_has_no_identity_policy_of_its_own() -> None:
    """
    AWS STS API Reference, "GetFederationToken": the federated user's permissions are those of the IAM user that
    called it and of the session policy passed: it has no identity policy of its own.
    """
    why = "because no identity-based policy allows the s3:GetBucketPolicy action"
    text = explained(why, "s3:GetBucketPolicy", who=FEDERATED)

    assert identity_named(aws_says("", who=FEDERATED)) == "the federated user bob of account 222222222222"
    assert read_denial(aws_says(why, who=FEDERATED)) == Denial("identity-based policy", False, federated=True)
    assert text.endswith(
        "Grant s3:GetBucketPolicy to the federated user bob of account 222222222222 in the identity policy of the IAM "
        "user that called GetFederationToken (a federated user has none of its own), and the session policy passed "
        "to it must allow it too."
    )
    assert "in its identity policy" not in text
    assert "in its identity policy" not in explained("", "kms:DescribeKey", who=FEDERATED)


@pytest.mark.parametrize(
    "message",
    [
        f"User: {SESSION} is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext "
        "because the resource does not exist in this Region, no resource-based policies allow access, or a "
        "resource-based policy explicitly denies access",
        "User: x is not authorized to perform: sts:AssumeRole with an explicit deny in the role trust policy",
        "User: x is not authorized to perform: a:b with an explicit deny in a sessions policy",
    ],
)
def test_shapes_naming_no_policy_type_as_listed_say_nothing(message: str) -> None:
    """KMS Decrypt's own wording and older shapes: "some services do not support this format"."""
    assert read_denial(message) is None


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


@pytest.mark.parametrize(
    ("said", "resource"),
    [
        ('on resource: "arn:aws:s3:::b/probe dir/x.txt" because', "arn:aws:s3:::b/probe dir/x.txt"),  # S3 quotes it
        ("on resource: arn:aws:iam::111111111111:role/EMR_EC2.", "arn:aws:iam::111111111111:role/EMR_EC2"),
        ("on resource: because no identity-based policy allows", None),  # nothing named: none taken
    ],
    ids=["quoted-with-space", "closing-stop", "nothing-named"],
)
def test_the_resource_aws_names_is_read_whole_and_nothing_else(said: str, resource: str | None) -> None:
    """S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors in Amazon S3": `on "resource-arn" because`."""
    message = (
        f"User: arn:aws:sts::111111111111:assumed-role/deployer/s is not authorized to perform: iam:PassRole {said}"
    )

    assert refused_action(message, "elasticmapreduce:RunJobFlow") == ("iam:PassRole", resource)


def test_a_kms_action_aws_names_instead_of_the_one_called_asks_the_key_policy_too() -> None:
    """S3 refusing kms:GenerateDataKey for a PutObject: a key's access is the key policy's first (KMS, "Key policies")."""
    message = (
        "User: arn:aws:sts::111111111111:assumed-role/deployer/s is not authorized to perform: KMS:GenerateDataKey "
        "on resource: arn:aws:kms:us-east-1:222222222222:key/k"
    )

    assert "key policy allows it" in what_to_grant("s3:PutObject", message)


def test_another_action_aws_names_without_its_resource_is_not_put_on_the_called_one() -> None:
    message = "User: arn:aws:sts::111111111111:assumed-role/deployer/s is not authorized to perform: iam:PassRole"

    assert what_to_grant("elasticmapreduce:RunJobFlow", message).startswith(
        "Grant iam:PassRole on the resource AWS names"
    )


def test_the_key_aws_names_is_kept_in_the_advice() -> None:
    """A KMS refusal behind an S3 call names its key: "that key" after the S3 object would name the object."""
    message = (
        "User: arn:aws:sts::111111111111:assumed-role/R/s is not authorized to perform: kms:Decrypt on resource: "
        "arn:aws:kms:us-east-1:222222222222:key/abc"
    )

    assert "Grant kms:Decrypt on arn:aws:kms:us-east-1:222222222222:key/abc to" in what_to_grant(
        "s3:GetObject", message
    )
