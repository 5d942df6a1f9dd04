"""
The stand-in's KMS judge, like KMS, ignores a key policy statement without ``Resource`` or ``Action``; and the grant
does not take such a statement naming a role for the role's use of the key.

AWS KMS API Reference, "PutKeyPolicy", ``Policy`` (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html):
"If either of the required Resource or Action elements are missing from a key policy statement, the policy statement
has no effect. When a key policy statement is missing one of these elements, the KMS console correctly reports an
error, but the PutKeyPolicy API request succeeds, even though the policy statement is ineffective."
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client, key_admin_arn
from devstack.testing import run_operator
from tests.integration.test_kms_key_users import (
    PARTNER_A_ROLE,
    SID,
    create_roles,
    key_policy,
    make_operator,
)
from tests.integration.test_stand_in_key_policy_calls import provider_kms, put_as_admin

ROOT = f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"
ADMINS = {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": key_admin_arn()}, "Action": "kms:*", "Resource": "*"}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [ADMINS, *statements]}


@pytest.mark.parametrize("missing", ["Resource", "Action"])
def test_an_allow_missing_an_element_allows_nothing(aws: Seeded, missing: str) -> None:
    enable_iam = {"Sid": "EnableIam", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    put_as_admin(aws, policy(enable_iam))
    provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)  # allowed with the complete statement

    put_as_admin(aws, policy({k: v for k, v in enable_iam.items() if k != missing}))

    with pytest.raises(ClientError) as refused:
        provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


def test_a_deny_without_resource_denies_nothing(aws: Seeded) -> None:
    enable_iam = {"Sid": "EnableIam", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    deny = {"Sid": "NoDescribe", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:DescribeKey"}
    put_as_admin(aws, policy(enable_iam, deny))

    provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)  # KMS ignores the Deny

    put_as_admin(aws, policy(enable_iam, {**deny, "Resource": "*"}))
    with pytest.raises(ClientError):
        provider_kms(aws).describe_key(KeyId=aws.kms_key_arn)


def test_the_grant_adds_a_role_named_only_by_a_statement_without_resource(aws: Seeded) -> None:
    create_roles(aws, "partner-a-writer")
    enable_iam = {"Sid": "EnableIam", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    partner = {"Sid": "PartnerUse", "Effect": "Allow", "Principal": {"AWS": PARTNER_A_ROLE}, "Action": "kms:*"}
    put_as_admin(aws, policy(enable_iam, partner))

    run_operator(make_operator(aws.kms_key_arn))

    ours = [
        s
        for s in key_policy(client(aws.url, DESTINATION_ACCOUNT, "kms"), aws.kms_key_arn)["Statement"]
        if s.get("Sid") == SID
    ]
    assert len(ours) == 1
    assert ours[0]["Resource"] == "*"
    assert ours[0]["Principal"]["AWS"] in (PARTNER_A_ROLE, [PARTNER_A_ROLE])
