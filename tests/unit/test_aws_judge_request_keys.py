"""
The stand-in judge (``devstack/aws_judge.py``) on four things it decided otherwise than AWS, on policies alone: the keys
of a request signed with an EC2 instance profile's role credentials, the properties of the KMS key S3 calls KMS with,
policy variables in condition values, and several values of one condition key. The writes they decide are in
``tests/integration/test_stand_in_ec2_role_and_key_properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack import aws_judge
from devstack.aws_judge import Decision, Ec2Instance, NotKnown, Principal, authorize
from devstack.emrfs_writer import _judge_key, _Key

A, B = "111111111111", "222222222222"
INSTANCE_ROLE = f"arn:aws:iam::{A}:role/EMR_EC2_DefaultRole"
DESTINATION = f"arn:aws:iam::{B}:role/partner"
OBJECT = "arn:aws:s3:::bucket-b/p/x"
KEY = f"arn:aws:kms:us-east-1:{B}:key/1234"
CLUSTER_VPC = "vpc-0cluster"
KEY_USERS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": DESTINATION}, "Action": "kms:*", "Resource": "*"}],
}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def guarded(arn: str, action: str, condition: dict[str, Any], **principal: Any) -> Principal:
    """The role ``arn``, allowed ``action`` on everything, and denied it under ``condition`` (an IAM policy)."""
    document = policy(
        {"Effect": "Allow", "Action": action, "Resource": "*"},
        {"Effect": "Deny", "Action": action, "Resource": "*", "Condition": condition},
    )
    return Principal(arn, policies=(("guard", document),), session="i-0123456789abcdef0", **principal)


def put(principal: Principal, context: dict[str, Any] | None = None, resource: str = OBJECT) -> Decision:
    """The principal's ``s3:PutObject`` in its own account (identity policies alone decide)."""
    return authorize(
        principal,
        "s3:PutObject",
        resource,
        resource_policy=None,
        resource_owner=principal.account,
        context=context,
    )


# 1. The keys of EC2 role credentials ---------------------------------------------------------------------------------

#: IAM User Guide, "AWS global condition context keys", aws:Ec2InstanceSourceVpc: the example "RequireSameVPC", with the
#: request's VPC given as a value (the cluster's VPC elsewhere).
OUTSIDE_ITS_VPC = {"Null": {"ec2:SourceInstanceARN": "false"}, "StringNotEquals": {"aws:Ec2InstanceSourceVpc": "vpc-x"}}
#: "Only as an instance role": denied wherever ec2:SourceInstanceARN is absent.
NOT_AN_INSTANCE_ROLE = {"Null": {"ec2:SourceInstanceARN": "true"}}


@pytest.mark.parametrize(
    ("condition", "instance", "allowed"),
    [
        (OUTSIDE_ITS_VPC, Ec2Instance(vpc_id=CLUSTER_VPC), False),
        (
            {**OUTSIDE_ITS_VPC, "StringNotEquals": {"aws:Ec2InstanceSourceVpc": CLUSTER_VPC}},
            Ec2Instance(CLUSTER_VPC),
            True,
        ),
        (OUTSIDE_ITS_VPC, None, True),  # an assumed role's credentials: no ec2:SourceInstanceARN, the Deny is skipped
        (NOT_AN_INSTANCE_ROLE, Ec2Instance(), True),  # present, whatever its value
        (NOT_AN_INSTANCE_ROLE, None, False),
    ],
)
def test_instance_profile_credentials_carry_the_ec2_role_keys(
    condition: dict[str, Any], instance: Ec2Instance | None, allowed: bool
) -> None:
    """
    IAM User Guide, "AWS global condition context keys": ``aws:Ec2InstanceSourceVpc`` and
    ``aws:Ec2InstanceSourcePrivateIPv4`` are "included in the request context whenever the requester is signing requests
    with an Amazon EC2 role credential", ``ec2:SourceInstanceArn`` "whenever the role session is created by an Amazon
    EC2 instance". The judge carried none of them: the VPC guard never applied to the instance role (a wrong allow) and
    a Deny on the instance ARN's absence refused it (a wrong refusal).
    """
    arn = INSTANCE_ROLE if instance is not None else DESTINATION
    decision = put(guarded(arn, "s3:*", condition, ec2_instance=instance))

    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize(
    "condition",
    [
        OUTSIDE_ITS_VPC,  # the VPC of a cluster without a subnet
        {"StringNotEquals": {"aws:Ec2InstanceSourcePrivateIPv4": "10.0.0.1"}},
        {"ArnNotLike": {"ec2:SourceInstanceArn": f"arn:aws:ec2:us-east-1:{A}:instance/*"}},
        {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}},
        {"StringNotEquals": {"aws:SourceVpc": "${aws:Ec2InstanceSourceVpc}"}},  # the page's own example, as a variable
    ],
)
def test_a_condition_on_an_ec2_role_key_the_stand_in_does_not_know_is_not_decided(condition: dict[str, Any]) -> None:
    """
    Which instance sends the request, so its address, ARN and metadata version, and the VPC of a cluster launched
    without a subnet, are not known: the judge raises rather than take the key for absent or guess a value. A statement
    that another condition keeps from applying is decided.
    """
    principal = guarded(INSTANCE_ROLE, "s3:*", condition, ec2_instance=Ec2Instance())

    with pytest.raises(NotKnown):
        put(principal, {"aws:SourceVpc": CLUSTER_VPC})
    other = guarded(
        INSTANCE_ROLE,
        "s3:*",
        {**condition, "StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        ec2_instance=Ec2Instance(),
    )
    assert put(other, {"aws:RequestedRegion": "us-east-1"}).allowed


def kms_call(principal: Principal, key: _Key) -> Decision:
    """S3's call to KMS for an upload from 198.51.100.1, whose address the forward access session keeps."""
    upload = {"aws:SourceIp": "198.51.100.1"}
    return _judge_key(principal, "kms:GenerateDataKey", key, Decision(True, "s3 ok"), OBJECT, s3_request=upload)


def test_s3s_kms_call_for_an_instance_profile_may_lack_the_ec2_role_keys() -> None:
    """
    Same page: "when you make a request from an Amazon EC2 instance to an encrypted Amazon S3 bucket, Amazon S3 makes a
    call to AWS KMS on your behalf. Some of the keys are not present when the request is made to AWS KMS" (which, not
    said): a condition on them is not decided, unless ``aws:ViaAWSService`` (true on that call) keeps the statement off,
    as the page's example does with ``BoolIfExists``.
    """
    key = _Key(
        KEY, policy({"Effect": "Allow", "Principal": {"AWS": INSTANCE_ROLE}, "Action": "kms:*", "Resource": "*"})
    )
    bare = guarded(INSTANCE_ROLE, "kms:*", NOT_AN_INSTANCE_ROLE, ec2_instance=Ec2Instance(CLUSTER_VPC))
    exempting = guarded(
        INSTANCE_ROLE,
        "kms:*",
        {**OUTSIDE_ITS_VPC, "BoolIfExists": {"aws:ViaAWSService": "false"}},
        ec2_instance=Ec2Instance(CLUSTER_VPC),
    )

    with pytest.raises(NotKnown, match="ec2:SourceInstance"):
        kms_call(bare, key)
    assert kms_call(exempting, key).allowed


# 2. The properties of the KMS key ------------------------------------------------------------------------------------


def metadata(**fields: Any) -> tuple[tuple[str, str], ...]:
    return tuple(aws_judge.key_property_keys(fields).items())


@pytest.mark.parametrize(
    ("condition", "properties", "allowed"),
    [
        ({"StringNotEquals": {"kms:KeyOrigin": "AWS_KMS"}}, metadata(Origin="AWS_KMS"), True),
        ({"StringNotEquals": {"kms:KeyOrigin": "AWS_KMS"}}, metadata(Origin="EXTERNAL"), False),
        ({"Bool": {"kms:MultiRegion": "true"}}, metadata(MultiRegion=True), False),
        ({"Bool": {"kms:MultiRegion": "true"}}, metadata(), True),
        ({"StringNotEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}, metadata(), True),
        ({"StringNotEquals": {"kms:KeyUsage": "ENCRYPT_DECRYPT"}}, metadata(), True),  # DescribeKey's default
        ({"StringEquals": {"kms:MultiRegionKeyType": "REPLICA"}}, metadata(), True),  # single-Region: no key type
        (
            {"StringEquals": {"kms:MultiRegionKeyType": "REPLICA"}},
            metadata(MultiRegion=True, MultiRegionConfiguration={"MultiRegionKeyType": "REPLICA"}),
            False,
        ),
        ({"StringNotEquals": {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}}, metadata(), True),
    ],
)
def test_s3s_kms_call_carries_the_keys_properties(
    condition: dict[str, Any], properties: tuple[tuple[str, str], ...], allowed: bool
) -> None:
    """
    AWS KMS Developer Guide, "AWS KMS condition keys": ``kms:KeyOrigin``, ``kms:KeySpec``, ``kms:KeyUsage``,
    ``kms:MultiRegion`` and ``kms:MultiRegionKeyType`` control "operations that use or manage a KMS key based on" the
    key's property, and such a condition "works even when the parameter doesn't appear in the request";
    ``kms:EncryptionAlgorithm`` is ``SYMMETRIC_DEFAULT`` for the data-key operations and a symmetric key's decryption.
    The judge left them out: every ``StringNotEquals`` guard refused S3's call, every ``Bool`` guard let it by.
    """
    decision = kms_call(guarded(DESTINATION, "kms:*", condition), _Key(KEY, KEY_USERS, properties=properties))

    assert decision.allowed is allowed, decision.reason


def test_properties_that_could_not_be_read_leave_a_call_whose_policy_names_them_not_decided() -> None:
    principal = guarded(DESTINATION, "kms:*", {"StringNotEquals": {"kms:KeyOrigin": "AWS_KMS"}})

    with pytest.raises(NotKnown, match="kms:KeyOrigin"):
        kms_call(principal, _Key(KEY, KEY_USERS, properties=None))
    assert kms_call(
        Principal(DESTINATION, policies=(("any", KEY_USERS),)), _Key(KEY, KEY_USERS, properties=None)
    ).allowed


def test_a_key_property_describe_key_leaves_out_is_create_keys_default() -> None:
    """AWS KMS API Reference, CreateKey: ``KeyUsage`` "The default value is ENCRYPT_DECRYPT", ``MultiRegion`` False."""
    keys = aws_judge.key_property_keys({"Origin": "AWS_CLOUDHSM", "KeySpec": "SYMMETRIC_DEFAULT"})

    assert keys["kms:KeyOrigin"] == "AWS_CLOUDHSM"
    assert keys["kms:KeyUsage"] == keys["kms:CustomerMasterKeyUsage"] == "ENCRYPT_DECRYPT"
    assert keys["kms:MultiRegion"] == "false"
    assert "kms:MultiRegionKeyType" not in keys


# 3. Policy variables in condition values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "tags", "owner", "allowed"),
    [
        ({"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}, (), A, True),
        ({"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}, (), B, False),
        ({"StringNotEquals": {"aws:ResourceAccount": "${AWS:principalaccount}"}}, (), A, True),  # case-insensitive
        ({"StringNotLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}}, (("team", "red"),), A, True),
        ({"StringNotLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}}, (("team", "blue"),), A, False),
        # No tag: the variable is null; a negated operator matches it, so the Deny applies.
        ({"StringNotLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}}, (), A, False),
        ({"StringNotLike": {"s3:prefix": "${aws:PrincipalTag/team, 'red'}/*"}}, (), A, True),  # its default
        # A null variable drops its value only: the other still matches.
        ({"StringNotLike": {"s3:prefix": ["${aws:PrincipalTag/team}/*", "red/*"]}}, (), A, True),
        (
            {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/EMR_EC2_DefaultRole"}},
            (),
            A,
            True,
        ),
    ],
)
def test_policy_variables_in_condition_values_are_replaced_from_the_request(
    condition: dict[str, Any], tags: tuple[tuple[str, str], ...], owner: str, allowed: bool
) -> None:
    """
    IAM User Guide, "IAM policy elements: Variables and tags": "You can use a policy variable for Condition values in any
    condition that involves the string operators or the ARN operators", replaced "with values that come from the
    conditional context keys passed in the request"; "Policy variables with no value": operators "like StringEquals or
    StringLike do not match", "Inverted condition operators like StringNotEquals or StringNotLike do match against a
    null value"; "Specifying default values"; ``${*}`` "use where you need an * (asterisk) character". The judge compared
    the text ``${aws:PrincipalAccount}`` as written: every such guard applied.
    """
    principal = guarded(INSTANCE_ROLE, "s3:*", condition, tags=tags)

    decision = authorize(
        principal,
        "s3:ListBucket",
        "arn:aws:s3:::bucket-b",
        resource_policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": INSTANCE_ROLE}, "Action": "s3:*", "Resource": "*"}
        ),
        resource_owner=owner,
        context={"s3:prefix": "red/part-0"},
    )

    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize(("prefix", "allowed"), [("a*b/part-0", True), ("axb/part-0", False)])
def test_the_fixed_variable_star_is_the_character_not_a_wildcard(prefix: str, allowed: bool) -> None:
    """Same page, "Special characters": ``${*}`` "use where you need an * (asterisk) character"."""
    grant = policy(
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": "a${*}b/*"}},
        }
    )
    principal = Principal(INSTANCE_ROLE, policies=(("grant", grant),), session="s")

    decision = authorize(
        principal,
        "s3:ListBucket",
        "arn:aws:s3:::bucket-b",
        resource_policy=None,
        resource_owner=A,
        context={"s3:prefix": prefix},
    )

    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize(("tags", "allowed"), [((), True), ((("team", "red"),), False)])
def test_a_resource_variables_default_value_stands_for_a_missing_tag(
    tags: tuple[tuple[str, str], ...], allowed: bool
) -> None:
    """Same page, "Specifying default values": its example ``amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}``."""
    grant = policy(
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::bucket-${aws:PrincipalTag/team, 'company-wide'}/*",
        }
    )
    principal = Principal(INSTANCE_ROLE, policies=(("grant", grant),), tags=tags, session="s")

    assert put(principal, resource="arn:aws:s3:::bucket-company-wide/x").allowed is allowed


def test_a_variable_of_a_multivalued_key_is_not_decided() -> None:
    """Same page: "You can't use a multivalued condition key as a variable"; what AWS then does is not documented."""
    principal = guarded(DESTINATION, "kms:*", {"StringEquals": {"kms:CallerAccount": "${kms:EncryptionContextKeys}"}})

    with pytest.raises(NotKnown, match="multivalued"):
        kms_call(principal, _Key(KEY, KEY_USERS))


# 4. Several values of one key ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "context", "denied"),
    [
        ({"DateGreaterThan": {"aws:CurrentTime": ["2999-01-01", "2000-01-01"]}}, {}, True),
        ({"DateLessThan": {"aws:CurrentTime": ["2000-01-01", "2999-01-01"]}}, {}, True),
        ({"DateGreaterThanEquals": {"aws:CurrentTime": ["2999-01-01", "2998-01-01"]}}, {}, False),
        ({"DateNotEquals": {"aws:TokenIssueTime": ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"]}}, {}, False),
        ({"NumericLessThan": {"s3:TlsVersion": ["1.0", "1.3"]}}, {"s3:TlsVersion": "1.2"}, True),
        ({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}, {"aws:SourceIp": "203.0.113.9"}, True),
        ({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}, {"aws:SourceIp": "203.0.113.9"}, False),
        ({"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/x", INSTANCE_ROLE]}}, {}, True),
        ({"Bool": {"aws:SecureTransport": ["false", "true"]}}, {}, True),
    ],
)
def test_several_values_of_one_key_are_ored(condition: dict[str, Any], context: dict[str, str], denied: bool) -> None:
    """
    IAM User Guide, "Conditions with multiple context keys or values": "If a single condition operator includes
    multiple values for a context key, those values are evaluated using a logical OR", a negated one's "using a logical
    NOR". principalmapper's ``Date`` operators (but ``DateEquals``/``DateNotEquals``) tried the first value only; the
    numeric, IP address, ARN and Boolean ones try all (checked here).
    """
    principal = guarded(INSTANCE_ROLE, "s3:*", condition, token_issued="2020-01-01T00:00:00+00:00")

    assert put(principal, context).allowed is not denied


@pytest.mark.parametrize(
    ("condition", "aliases", "denied"),
    [
        ({"ForAnyValue:StringNotEquals": {"kms:ResourceAliases": "alias/a"}}, ("alias/a", "alias/b"), True),
        ({"ForAnyValue:StringNotEquals": {"kms:ResourceAliases": "alias/a"}}, ("alias/a",), False),
        ({"ForAllValues:StringLike": {"kms:ResourceAliases": "alias/a*"}}, ("alias/a", "alias/ab"), True),
        ({"ForAllValues:StringLike": {"kms:ResourceAliases": "alias/a*"}}, ("alias/a", "alias/b"), False),
        (
            {"ForAnyValue:IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            (),
            False,
        ),  # an address outside: ForAnyValue false
    ],
)
def test_set_operators_apply_the_operator_to_each_request_value(
    condition: dict[str, Any], aliases: tuple[str, ...], denied: bool
) -> None:
    """
    IAM User Guide, "Set operators for multivalued context keys": ``ForAllValues`` "tests whether the value of every
    member of the request context matches the condition operator that follows the qualifier"; ``ForAnyValue`` whether at
    least one does. principalmapper gave ``StringNotEquals`` the whole list (a key holding ``alias/a`` and ``alias/b``
    was taken as equal to ``alias/a``), and numeric, date and IP address operators their qualified name, which it
    compares exactly (``ForAnyValue:IpAddress`` was read as ``NotIpAddress``).
    """
    key = _Key(KEY, KEY_USERS, aliases=aliases)

    assert kms_call(guarded(DESTINATION, "kms:*", condition), key).allowed is not denied


@pytest.mark.parametrize(("address", "allowed"), [("203.0.113.9", True), ("198.51.100.1", False)])
def test_for_any_value_ip_address_is_an_ip_address_test(address: str, allowed: bool) -> None:
    grant = policy(
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": "*",
            "Condition": {"ForAnyValue:IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        }
    )
    principal = Principal(INSTANCE_ROLE, policies=(("grant", grant),), session="s")

    assert put(principal, {"aws:SourceIp": address}).allowed is allowed
