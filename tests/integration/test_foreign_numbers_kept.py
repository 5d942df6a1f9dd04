"""
A grant writes someone's unquoted numbers back as they were written: key, trust and bucket policies.

IAM takes numbers without quotation marks (IAM User Guide, "Grammar of the IAM JSON policy language": "Quotation
marks are optional for numeric and Boolean values"); KMS and S3 keep a policy as the text they were sent (AWS KMS API
Reference, "GetKeyPolicy"; Amazon S3 API Reference, "GetBucketPolicy"). Each document here holds a statement of
someone else's with ``1.10``, ``12345678901234567890.5`` and ``1e400`` in its ``Condition``, written without spaces as
the provider sends documents: after the grant, the text read back holds that statement character for character
(before, ``1.1``, ``12345678901234567900.0`` and ``Infinity``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from botocore.handlers import json_decode_policies

from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, TRUST_SID
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EC2_ONLY_TRUST, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import destination_role_operator

ROLE_NAME = "partner-a-writer"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
PREFIX = "s3://partner-results-b/exports/partner-a/"
NUMBERS = "[1.10,12345678901234567890.5,1e400]"


def foreign(action: str, resource: str | None) -> str:
    """Someone's ``Deny`` with unquoted numbers in its ``Condition``, as the compact text they sent."""
    where = "" if resource is None else f',"Resource":"{resource}"'
    return (
        f'{{"Sid":"Limits","Effect":"Deny","Principal":{{"AWS":"*"}},"Action":"{action}"{where},'
        f'"Condition":{{"NumericGreaterThan":{{"aws:MultiFactorAuthAge":{NUMBERS}}}}}}}'
    )


def test_the_key_policy_keeps_the_number_text(aws: Seeded) -> None:
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    statement = foreign("kms:Decrypt", "*")
    text = json.dumps(policy, separators=(",", ":"))[: -len("]}")] + "," + statement + "]}"
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=text)

    run_operator(
        GrantKmsKeyUserOperator(
            task_id="grant",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=aws.kms_key_arn,
            principal_arns=[ROLE_ARN],
            settle_seconds=0,
        )
    )

    after = kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]
    assert statement in after
    assert KEY_USERS_SID in after


def test_the_trust_policy_keeps_the_number_text(aws: Seeded) -> None:
    statement = foreign("sts:AssumeRole", None)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[' + statement + "]}"
    )

    run_operator(destination_role_operator(aws, ROLE_NAME, PREFIX))

    raw = client(aws.url, DESTINATION_ACCOUNT, "iam")
    raw.meta.events.unregister("after-call.iam", json_decode_policies)
    after = unquote(raw.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"])
    assert statement in after
    assert TRUST_SID in after


def test_the_bucket_policy_keeps_the_number_text(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    statement = foreign("s3:GetObject", f"arn:aws:s3:::{aws.bucket}/*")
    s3.put_bucket_policy(Bucket=aws.bucket, Policy='{"Version":"2012-10-17","Statement":[' + statement + "]}")

    run_operator(
        GrantBucketAccessOperator(
            task_id="grant_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[f"s3://{aws.bucket}/exports/"],
            principal_arns=[aws.emr_ec2_role_arn],
            settle_seconds=0,
        )
    )

    after: Any = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]
    assert statement in after
    assert len(json.loads(after)["Statement"]) > 1  # the grant's statements were added beside it
