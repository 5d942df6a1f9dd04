"""
The stand-in applies a bucket policy statement to an object request only when its ``Principal`` names the caller.

This is the judge of ``devstack/aws_policy_principals.py`` (IAM User Guide, "AWS JSON policy elements: Principal":
the Principal element specifies "the principal that is allowed or denied access to a resource"). moto alone applied
every statement to every caller: a ``Deny`` naming the EMR account's role refused the destination role's upload
(the differential study's case 421, verifier PASS and writer refused by moto).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.aws_policy_principals import applies_to
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, PROVISIONER_ROLE, client, create_principals
from tests.integration.test_stand_in_bucket_owner import status_of

BUCKET = "principal-judge"
OTHER_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-other"
#: The role the destination account's client sessions are of (devstack.moto_stack.account_session).
CALLER_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}"


def put_with_deny_naming(url: str, principal: Any) -> tuple[int, str]:
    s3 = client(url, DESTINATION_ACCOUNT, "s3")
    s3.create_bucket(Bucket=BUCKET)
    deny = {
        "Effect": "Deny",
        "Principal": principal,
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
    return status_of(s3.put_object, Bucket=BUCKET, Key="out/part-0", Body=b"x")


def test_a_deny_naming_another_role_does_not_refuse_the_caller(moto_url: str) -> None:
    create_principals(moto_url, OTHER_ROLE)
    assert put_with_deny_naming(moto_url, {"AWS": OTHER_ROLE})[0] == 200


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": CALLER_ROLE}, {"AWS": [OTHER_ROLE, f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"]}],
)
def test_a_deny_naming_the_caller_its_account_or_everyone_refuses_it(moto_url: str, principal: Any) -> None:
    create_principals(moto_url, OTHER_ROLE, CALLER_ROLE)  # a policy names only principals that exist
    assert put_with_deny_naming(moto_url, principal)[0] == 403


@pytest.mark.parametrize(
    ("principal", "applies"),
    [
        ("*", True),
        ({"AWS": OTHER_ROLE}, False),
        ({"AWS": [OTHER_ROLE, CALLER_ROLE]}, True),
        ({"AWS": DESTINATION_ACCOUNT}, True),
        ({"AWS": f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/{PROVISIONER_ROLE}/any"}, True),
        ({"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"}, False),
        ({"Service": "s3.amazonaws.com"}, False),
    ],
)
def test_which_statements_apply_to_a_role_session(principal: Any, applies: bool) -> None:
    statement = {"Effect": "Deny", "Principal": principal, "Action": "s3:*", "Resource": "*"}
    assert applies_to(statement, CALLER_ROLE, DESTINATION_ACCOUNT) is applies
