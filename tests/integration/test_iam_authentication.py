"""
With moto's IAM authentication switched on, the documents the provider writes are what lets EMRFS work.

moto (5.2.5) checks *identity* policies of moto-issued credentials when its request counter has reached
``INITIAL_NO_AUTH_ACTION_COUNT``. ``POST /moto-api/reset-auth`` sets that threshold from the plain-text
body (``float(body)``; a JSON body is a server error) and resets the counter: ``0`` enforces at once,
``inf`` (moto's default) never. What moto does *not* check, so these tests do not claim it:

- trust policies on a cross-account ``AssumeRole`` (it looks the target role up in the caller's account,
  finds nothing there, and skips the trust check);
- ``Condition`` blocks other than ``StringEquals`` (the ``s3:prefix`` condition of ``ListBucket`` is ignored);
- KMS key policies, and KMS permissions for SSE-KMS writes;
- resource patterns with regex characters: it turns ``*`` into ``.*`` and matches the rest as a regular
  expression, so the EMRFS folder marker resource ``…/prefix_$folder$`` (``$`` is an anchor there) never
  matches and a ``PutObject`` of the marker is refused, where AWS allows it.

The operators themselves run with authentication off: their connections sign with the static
``testing`` keys to get their STS session, and moto rejects keys that no IAM user in moto owns.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_CONN_ID,
    REGION,
    Seeded,
    client,
)
from devstack.testing import moto_authorization, moto_authorization_checked, run_operator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

ROLE_NAME = "partner-a-writer"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
OTHER_ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
PREFIX_KEY = "exports/partner-a/"


@pytest.fixture
def enforced(aws: Seeded) -> Iterator[Callable[[], AbstractContextManager[None]]]:
    """A context manager that enforces IAM in moto inside its block; off again afterwards, whatever happens."""
    try:
        yield lambda: moto_authorization_checked(aws.url)
    finally:
        assert moto_authorization(aws.url, "inf") == "inf"  # every block switched it off


def session_from(credentials: dict[str, Any]) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


def emr_instance_session(url: str, role_arn: str) -> boto3.Session:
    """Credentials of the EMR EC2 role, as the instance profile gives them to EMRFS (taken with auth off)."""
    sts = boto3.client(
        "sts", endpoint_url=url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return session_from(sts.assume_role(RoleArn=role_arn, RoleSessionName="i-0emrcore")["Credentials"])


def ensure_destination_role(aws: Seeded) -> None:
    run_operator(
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=ROLE_NAME,
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[f"s3://{BUCKET}/{PREFIX_KEY}"],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        )
    )


def attach_assume_role_policy() -> None:
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="attach_assume_role_policy",
            aws_conn_id=EMR_CONN_ID,
            destination_role_arns=[ROLE_ARN],
            settle_seconds=0,
        )
    )


def assert_access_denied(error: pytest.ExceptionInfo[ClientError]) -> None:
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_emr_role_can_assume_the_destination_role_only_after_the_assume_role_policy(
    aws: Seeded, enforced: Callable[[], AbstractContextManager[None]]
) -> None:
    ensure_destination_role(aws)
    # A second partner role that would trust the EMR role too: only our scoped policy stands in the way.
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(
        RoleName="partner-b-writer",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": aws.emr_ec2_role_arn}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    emr_sts = emr_instance_session(aws.url, aws.emr_ec2_role_arn).client("sts", endpoint_url=aws.url)

    with enforced(), pytest.raises(ClientError) as before:
        emr_sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="emrfs")
    assert_access_denied(before)
    message = before.value.response["Error"]["Message"]
    assert "assumed-role/EMR_EC2_DefaultRole/" in message
    assert "sts:AssumeRole" in message

    attach_assume_role_policy()  # with authentication off again (the connection uses static test keys)

    with enforced():
        assumed = emr_sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="emrfs")
        with pytest.raises(ClientError) as other:
            emr_sts.assume_role(RoleArn=OTHER_ROLE_ARN, RoleSessionName="emrfs")
    assert assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/{ROLE_NAME}/emrfs"
    assert_access_denied(other)  # scoped to the listed role, not "*"


def test_destination_role_writes_under_its_prefix_only(
    aws: Seeded, enforced: Callable[[], AbstractContextManager[None]]
) -> None:
    ensure_destination_role(aws)
    attach_assume_role_policy()
    owner_s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    owner_s3.put_object(Bucket=BUCKET, Key="reference/prices.csv", Body=b"sku,price\n")
    emr = emr_instance_session(aws.url, aws.emr_ec2_role_arn)
    emr_sts, emr_s3 = emr.client("sts", endpoint_url=aws.url), emr.client("s3", endpoint_url=aws.url)

    with enforced():
        # EMRFS with the role mapping: the EMR EC2 role assumes the destination role (role chaining).
        destination = session_from(emr_sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="emrfs")["Credentials"])
        s3 = destination.client("s3", endpoint_url=aws.url)

        written = s3.put_object(Bucket=BUCKET, Key=f"{PREFIX_KEY}part-00000.parquet", Body=b"rows")
        read = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX_KEY}part-00000.parquet")["Body"].read()
        s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX_KEY}part-00000.parquet")

        with pytest.raises(ClientError) as other_prefix:
            s3.put_object(Bucket=BUCKET, Key="exports/partner-b/part-00000.parquet", Body=b"rows")
        with pytest.raises(ClientError) as lookalike_prefix:
            s3.put_object(Bucket=BUCKET, Key="exports/partner-a-archive/part-00000.parquet", Body=b"rows")
        with pytest.raises(ClientError) as read_outside:
            s3.get_object(Bucket=BUCKET, Key="reference/prices.csv")
        # Without the role mapping, the EMR EC2 role's own credentials cannot write there at all.
        with pytest.raises(ClientError) as as_emr_role:
            emr_s3.put_object(Bucket=BUCKET, Key=f"{PREFIX_KEY}direct.parquet", Body=b"rows")

    assert written["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert read == b"rows"
    for denied in (other_prefix, lookalike_prefix, read_outside, as_emr_role):
        assert_access_denied(denied)
    remaining = owner_s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(item["Key"] for item in remaining) == ["reference/prices.csv"]
