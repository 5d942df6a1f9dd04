"""
RevokePartnerAccessOperator with a hand-written trust statement naming only the EMR EC2 role being revoked.

Someone restricted the pipeline's access with a statement of their own (the EMR EC2 role, under a session name
``Condition``) beside the provider's. That statement trusts the revoked role itself, nobody else: the key-user
grant goes with the revoke, and ``delete_destination_role=True`` deletes the role. Before, it counted as "someone
else", so the revoke kept the key user and warned "revoke theirs, then revoke again" (there was nothing to revoke),
and refused to delete the role.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_CONN_ID, EMR_EC2_ROLE, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import provision_partner, role_arn

PARTNER, PREFIX = "partner-1-writer", "s3://partner-results-b/partner-1/"


def revoker(aws: Seeded, **kwargs: Any) -> RevokePartnerAccessOperator:
    return RevokePartnerAccessOperator(
        task_id="revoke_partner",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=role_arn(PARTNER),
        emr_ec2_role_name=EMR_EC2_ROLE,
        kms_key_arns=[aws.kms_key_arn],
        security_configuration=None,
        settle_seconds=0,
        **kwargs,
    )


@pytest.fixture
def restricted(aws: Seeded) -> None:
    """The partner provisioned, and a trust statement of someone's own naming the EMR EC2 role (another spelling)."""
    provision_partner(aws, PARTNER, PREFIX)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"]
    statement = {
        "Sid": "NightlySessionOnly",
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn.replace("EMR_EC2_DefaultRole", "emr_ec2_defaultrole")},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:RoleSessionName": "nightly"}},
    }
    trust["Statement"].append(statement)
    iam.update_assume_role_policy(RoleName=PARTNER, PolicyDocument=json.dumps(trust))


def key_user_statements(aws: Seeded) -> list[dict[str, Any]]:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    return [statement for statement in policy["Statement"] if statement.get("Sid") == KEY_USERS_SID]


@pytest.mark.usefixtures("restricted")
def test_the_key_user_grant_goes_without_a_warning(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    assert key_user_statements(aws)

    with caplog.at_level(logging.WARNING):
        run_operator(revoker(aws))

    assert key_user_statements(aws) == []
    said = capfd.readouterr().out + caplog.text
    assert "stays a key user" not in said


@pytest.mark.usefixtures("restricted")
def test_delete_destination_role_deletes_it(aws: Seeded) -> None:
    run_operator(revoker(aws, delete_destination_role=True))

    with pytest.raises(ClientError, match="NoSuchEntity"):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=PARTNER)
    assert key_user_statements(aws) == []
