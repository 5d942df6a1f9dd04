"""
A connection with no Region anywhere: no extra ``region_name``, no ``AWS_DEFAULT_REGION``, no AWS config file.

boto3 takes a client's Region from its ``region_name``, else the ``AWS_DEFAULT_REGION`` variable, else the profile's
``region`` in ``~/.aws/config`` (Boto3 documentation, "Configuration"); with none, building a KMS client fails with
botocore's ``NoRegionError`` ("You must specify a region"), naming neither the connection nor the field. KMS is
Regional ("AWS Key Management Service endpoints and quotas": one endpoint per Region). The key checks refuse such a
connection before any write, naming its extra ``region_name``; a KMS hook asked for a known Region (the one a key ARN
names) needs none of its own. The calls go to ``moto.mock_aws`` in process; the credentials are fake.
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.testing import run_operator
from tests.unit.test_iam_global_region import ACCOUNT, CONN_ID, KEY_ID, destination_role, real_endpoints  # noqa: F401

KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}"
#: The refusal's field and its start: the connection, its extra, and where else a Region could have come from.
REFUSED = (
    f"aws_conn_id {CONN_ID!r} extra region_name: is not set, and neither AWS_DEFAULT_REGION nor the AWS config file's "
    "profile gives a Region"
)


@pytest.fixture
def no_region(real_endpoints: None, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The connection has no extra, and neither the environment nor a config file gives a Region."""
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "aws"}))


def roles() -> list[str]:
    return [role["RoleName"] for role in boto3.client("iam", region_name="us-east-1").list_roles()["Roles"]]


def test_a_checked_ahead_key_is_refused_naming_the_connections_region_name(no_region: None) -> None:
    operator = destination_role("aws", "eu-west-1")
    operator.dry_run = False
    with mock_aws():
        with pytest.raises(InvalidParameterError) as refused:
            run_operator(operator)
        assert roles() == []  # before any write
    assert str(refused.value).startswith(REFUSED)
    assert "checked_ahead.key_user_key" in str(refused.value)


def test_the_key_grant_is_refused_naming_the_connections_region_name(no_region: None) -> None:
    operator = GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=CONN_ID,
        key_arn=KEY_ARN,
        principal_arns=[f"arn:aws:iam::{ACCOUNT}:role/emrfs-acme-writer"],
    )
    with mock_aws(), pytest.raises(InvalidParameterError) as refused:
        run_operator(operator)
    assert str(refused.value).startswith(REFUSED)
    assert "key_arn" in str(refused.value)


def test_a_kms_hook_in_a_given_region_needs_none_of_the_connections(no_region: None) -> None:
    regional = EmrfsKmsHook(aws_conn_id=CONN_ID).in_region("eu-west-1")
    assert regional.conn_region_name == "eu-west-1"


def test_the_buckets_default_key_is_described_in_its_own_region(no_region: None) -> None:
    """S3 calls need no Region of the connection; the default key is described where its ARN says (GrantBucketAccess)."""
    operator = GrantBucketAccessOperator(
        task_id="grant_bucket_access",
        aws_conn_id=CONN_ID,
        s3_prefixes=["s3://partner-results/acme/"],
        principal_arns=["arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"],
    )
    with mock_aws():
        key_arn = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
        assert operator._judge_described_key("partner-results", "aws:kms", key_arn) == key_arn
