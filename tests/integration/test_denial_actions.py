"""
A refused call names the IAM action to grant, which for S3 is not always the operation's name.

S3 API Reference, each operation's "Permissions" (GetBucketEncryption: ``s3:GetEncryptionConfiguration``;
GetPublicAccessBlock: ``s3:GetBucketPublicAccessBlock``); Service Authorization Reference, "Actions, resources,
and condition keys for Amazon S3": there is no ``s3:GetBucketEncryption`` action to grant.
"""

from __future__ import annotations

from types import SimpleNamespace

import boto3
import pytest

from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError
from devstack.moto_stack import DESTINATION_ACCOUNT, REGION
from devstack.testing import moto_authorization_checked, moto_user


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("get_bucket_encryption", "s3:GetEncryptionConfiguration"),
        ("get_public_access_block", "s3:GetBucketPublicAccessBlock"),
        ("get_bucket_policy", "s3:GetBucketPolicy"),  # named after its operation: as it is
    ],
)
def test_a_refused_s3_call_names_the_iam_action_to_grant(moto_url: str, operation: str, action: str) -> None:
    _, key = moto_user(
        moto_url,
        f"no-s3-{operation.replace('_', '-')}",
        [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
        account=DESTINATION_ACCOUNT,
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    # What explain_access_denied reads of a hook: its client, connection id and account (no call for the account).
    caller = SimpleNamespace(
        conn=s3,
        aws_conn_id="aws_destination",
        conn_config=SimpleNamespace(role_arn=f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/reader"),
    )

    with (
        moto_authorization_checked(moto_url),
        pytest.raises(AccessDeniedError) as caught,
        explain_access_denied(caller),
    ):
        getattr(s3, operation)(Bucket="partner-bucket")

    message = str(caught.value)
    assert message.startswith(f"{action} (") or message.startswith(f"{action} on"), message
    assert f"Grant {action} on that resource" in message
