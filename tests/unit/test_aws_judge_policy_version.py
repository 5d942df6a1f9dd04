"""
The stand-in judge (``devstack/aws_judge.py``) reads policy variables only in a policy whose ``Version`` is
``2012-10-17``. IAM User Guide, "IAM JSON policy elements: Version"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html): under ``2008-10-17``, which
a policy without the element defaults to, "variables such as ${aws:username} aren't recognized as variables and are
instead treated as literal strings in the policy"; "IAM policy elements: Variables and tags": "you must include the
Version element and set it to 2012-10-17". The judge filled them in whatever the Version: a version-less bucket policy
granting ``dest/${aws:userid}/*`` let a session write ``dest/AROAW:s1/k``, which AWS refuses.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.aws_judge import Principal, authorize, endpoint_policy_allows, explicitly_denied

A, B = "111111111111", "222222222222"
ROLE = f"arn:aws:iam::{A}:role/writer"
ROLE_ID = "AROAW"
SESSION = "s1"
OBJECT = f"arn:aws:s3:::dest/{ROLE_ID}:{SESSION}/k"
KEY = f"arn:aws:kms:us-east-1:{B}:key/1234"
#: No Version element (2008-10-17), the older version named, and the current one: variables in the last only.
VERSIONS = [(None, False), ("2008-10-17", False), ("2012-10-17", True)]
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
#: A value the request always matches where the variable is read (the caller's own ARN), never as the literal text.
OWN_ARN = {"StringEquals": {"aws:PrincipalArn": "${aws:PrincipalArn}"}}
#: A Deny that never applies where the variable is read, always as the literal text.
NOT_OWN_ARN = {"StringNotEquals": {"aws:PrincipalArn": "${aws:PrincipalArn}"}}


def document(version: str | None, *statements: dict[str, Any]) -> dict[str, Any]:
    return {**({"Version": version} if version else {}), "Statement": list(statements)}


def session(*policies: dict[str, Any], boundary: dict[str, Any] | None = None) -> Principal:
    named = tuple((f"p{index}", policy) for index, policy in enumerate(policies or (ALLOW_ALL,)))
    return Principal(ROLE, role_id=ROLE_ID, policies=named, boundary=boundary, session=SESSION)


def bucket_grant(version: str | None, **statement: Any) -> dict[str, Any]:
    grant = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:PutObject", **statement}
    return document(version, grant)


def put(principal: Principal, bucket_policy: dict[str, Any] | None, owner: str = B, resource: str = OBJECT) -> bool:
    return authorize(principal, "s3:PutObject", resource, resource_policy=bucket_policy, resource_owner=owner).allowed


@pytest.mark.parametrize(("version", "variables"), VERSIONS)
def test_a_bucket_policy_resource_variable_needs_version_2012(version: str | None, variables: bool) -> None:
    """The finding's case: ``arn:aws:s3:::dest/${aws:userid}/*`` across accounts, the text as written without it."""
    policy = bucket_grant(version, Resource="arn:aws:s3:::dest/${aws:userid}/*")

    assert put(session(), policy) is variables
    literal = "arn:aws:s3:::dest/${aws:userid}/k"
    assert put(session(), policy, resource=literal) is not variables  # the literal text, wildcard and all


@pytest.mark.parametrize(("version", "variables"), VERSIONS)
def test_a_bucket_policy_condition_variable_needs_version_2012(version: str | None, variables: bool) -> None:
    policy = bucket_grant(version, Resource="arn:aws:s3:::dest/*", Condition=OWN_ARN)

    assert put(session(), policy) is variables


@pytest.mark.parametrize(("version", "variables"), VERSIONS)
def test_an_identity_policy_and_a_boundary_read_variables_by_their_own_version(
    version: str | None, variables: bool
) -> None:
    """Each policy by its own Version: the identity policy's, the boundary's (the bucket policy is 2012-10-17)."""
    scoped = document(
        version, {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::dest/${aws:userid}/*"}
    )

    assert put(session(scoped), None, owner=A) is variables
    assert put(session(boundary=scoped), None, owner=A) is variables
    assert put(session(), bucket_grant("2012-10-17", Resource="arn:aws:s3:::dest/${aws:userid}/*")) is True


@pytest.mark.parametrize(("version", "variables"), VERSIONS)
def test_a_deny_of_a_version_less_policy_compares_the_literal_text(version: str | None, variables: bool) -> None:
    """A ``StringNotEquals`` guard on the literal text applies: the Deny refuses, in the identity and bucket policy."""
    deny = {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*", "Condition": NOT_OWN_ARN}
    allow = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:PutObject", "Resource": "*"}

    assert put(session(ALLOW_ALL, document(version, deny)), None, owner=A) is variables
    assert put(session(), document(version, allow, {**deny, "Principal": "*"})) is variables
    assert (
        explicitly_denied(
            session(),
            "s3:PutObject",
            OBJECT,
            resource_policy=document(version, {**deny, "Principal": "*"}),
            resource_owner=B,
        )
        is not variables
    )


@pytest.mark.parametrize(("version", "variables"), VERSIONS)
def test_a_deny_of_the_bucket_policy_keeps_its_version_on_another_accounts_object(
    version: str | None, variables: bool
) -> None:
    """An object another account owns is read by its owner's permission, the bucket policy's denies kept as written."""
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": NOT_OWN_ARN}

    decision = authorize(
        session(),
        "s3:GetObject",
        OBJECT,
        resource_policy=document(version, deny),
        resource_owner=B,
        object_owner=A,
    )

    assert decision.allowed is variables, decision.reason


@pytest.mark.parametrize(("version", "variables"), VERSIONS)
def test_key_trust_and_endpoint_policies_read_variables_by_their_version(version: str | None, variables: bool) -> None:
    key_policy = document(
        version,
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*", "Condition": OWN_ARN},
    )
    trust = document(
        version, {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole", "Condition": OWN_ARN}
    )
    endpoint = document(
        version, {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": OWN_ARN}
    )

    kms = authorize(session(), "kms:Decrypt", KEY, resource_policy=key_policy, resource_owner=B)
    assume = authorize(
        session(), "sts:AssumeRole", f"arn:aws:iam::{B}:role/partner", resource_policy=trust, resource_owner=B
    )
    through = endpoint_policy_allows(
        session(), "s3:PutObject", OBJECT, endpoint_id="vpce-1", gateway=False, policy=endpoint, resource_owner=B
    )

    assert (kms.allowed, assume.allowed, through.allowed) == (variables, variables, variables)
