"""
A list parameter that renders to ``""`` is refused naming the field, before any call; only ``None`` (not
given) and ``[]`` mean "none".

``kms_key_arns="{{ params.kms_key_arn }}"`` with the param left empty, or an XCom that rendered ``""``,
used to read as "no keys": a revoke then succeeded and left the partner's role a key user.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantEmrRoleBucketAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import provision_partner, role_arn

PARTNER, PREFIX = "partner-1-writer", "s3://partner-results-b/partner-1/"


def revoke(**kwargs: Any) -> RevokePartnerAccessOperator:
    return RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=role_arn(PARTNER),
        emr_ec2_role_name=EMR_EC2_ROLE,
        settle_seconds=0,
        **kwargs,
    )


OPERATORS = {
    "revoke": lambda value: revoke(kms_key_arns=value),
    "destination-role": lambda value: EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name=PARTNER,
        trusted_role_arns=[f"arn:aws:iam::111111111111:role/{EMR_EC2_ROLE}"],
        s3_prefixes=[PREFIX],
        kms_key_arns=value,
    ),
    "emr-role-bucket-access": lambda value: GrantEmrRoleBucketAccessOperator(
        task_id="grant_emr_role_bucket_access", aws_conn_id=EMR_CONN_ID, s3_prefixes=[PREFIX], kms_key_arns=value
    ),
    "verify": lambda value: VerifyCrossAccountAccessOperator(
        task_id="verify",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration="emrfs-xacct-partner-1-0123456789ab",
        s3_prefixes=value,
    ),
}
FIELDS = {"verify": "s3_prefixes[0]"}


def key_users(aws: Seeded) -> list[str]:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    return [
        principal
        for statement in policy["Statement"]
        if statement.get("Sid") == KEY_USERS_SID
        for principal in as_list(statement["Principal"]["AWS"])
    ]


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_an_empty_string_is_refused_before_any_call(connections: None, operator: str) -> None:
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(OPERATORS[operator](""))

    assert refused.value.field == FIELDS.get(operator, "kms_key_arns[0]")
    assert refused.value.problem == "must not be empty"
    assert calls.every == []


def test_revoke_with_keys_rendered_empty_keeps_everything_and_says_why(aws: Seeded) -> None:
    provision_partner(aws, PARTNER, PREFIX)
    assert key_users(aws) == [role_arn(PARTNER)]

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError, match=r"kms_key_arns\[0\]"):
        run_operator(revoke(kms_key_arns=""))

    assert calls.mutating == []
    assert key_users(aws) == [role_arn(PARTNER)]
    # Not given, or an empty list: no keys to revoke (the assume-role grant and the trust go).
    result, calls, _ = run_operator(revoke(kms_key_arns=[]))
    # The trust goes first (a refusal of it leaves both accounts as they were: docs/howto/revoke.md).
    assert [change["resource"] for change in result["plan"]] == [
        f"iam role {PARTNER} trust policy",
        f"iam role {EMR_EC2_ROLE} inline policy emrfs-xacct-assume-destination-roles",
    ]
