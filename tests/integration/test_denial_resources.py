"""
A refused IAM call names the resource it was refused on, the one its action is granted on.

Service Authorization Reference, "Actions, resources, and condition keys for AWS Identity and Access Management":
``iam:GetPolicy`` and the other actions on a managed policy are granted on the ``policy`` resource, the ARN the
call's ``PolicyArn`` names; ``iam:AttachRolePolicy`` and ``iam:DetachRolePolicy`` on the ``role`` (its ``RoleName``),
the policy being their condition key ``iam:PolicyARN``. Before, a call keyed by ``PolicyArn`` alone was refused
"on (unknown)".
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError
from devstack.moto_stack import EC2_ONLY_TRUST, EMR_ACCOUNT, REGION, client
from devstack.testing import moto_authorization_checked, moto_user

POLICY_NAME = "emrfs-xacct-spill-1"
POLICY_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:policy/emrfs-xacct/{POLICY_NAME}"
ROLE = "emr-ec2-writer"
DOCUMENT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}'

#: Each call the provider sends whose resource is a managed policy or the role it is attached to, and what is named.
CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("get_policy", {"PolicyArn": POLICY_ARN}, f"iam:GetPolicy on PolicyArn={POLICY_ARN} "),
    ("get_policy_version", {"PolicyArn": POLICY_ARN, "VersionId": "v1"}, f"on PolicyArn={POLICY_ARN} "),
    ("list_policy_versions", {"PolicyArn": POLICY_ARN}, f"on PolicyArn={POLICY_ARN} "),
    ("list_policy_tags", {"PolicyArn": POLICY_ARN}, f"on PolicyArn={POLICY_ARN} "),
    ("list_entities_for_policy", {"PolicyArn": POLICY_ARN}, f"on PolicyArn={POLICY_ARN} "),
    ("create_policy_version", {"PolicyArn": POLICY_ARN, "PolicyDocument": DOCUMENT}, f"on PolicyArn={POLICY_ARN} "),
    ("delete_policy_version", {"PolicyArn": POLICY_ARN, "VersionId": "v1"}, f"on PolicyArn={POLICY_ARN} "),
    ("delete_policy", {"PolicyArn": POLICY_ARN}, f"iam:DeletePolicy on PolicyArn={POLICY_ARN} "),
    ("create_policy", {"PolicyName": POLICY_NAME, "PolicyDocument": DOCUMENT}, f"on PolicyName={POLICY_NAME} "),
    ("attach_role_policy", {"RoleName": ROLE, "PolicyArn": POLICY_ARN}, f"iam:AttachRolePolicy on RoleName={ROLE} "),
    ("detach_role_policy", {"RoleName": ROLE, "PolicyArn": POLICY_ARN}, f"iam:DetachRolePolicy on RoleName={ROLE} "),
    ("get_instance_profile", {"InstanceProfileName": ROLE}, f"on InstanceProfileName={ROLE} "),
]


@pytest.mark.parametrize(("operation", "parameters", "named"), CALLS, ids=[call[0] for call in CALLS])
def test_a_refused_iam_call_names_its_resource(
    moto_url: str, operation: str, parameters: dict[str, Any], named: str
) -> None:
    """A spill policy's read refused: ``iam:GetPolicy on PolicyArn=arn:aws:iam::…:policy/emrfs-xacct/…``, the grant to make."""
    admin = client(moto_url, EMR_ACCOUNT, "iam")  # a real policy and role: refused for want of a grant, not missing
    admin.create_role(RoleName=ROLE, AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    made = admin.create_policy(PolicyName=POLICY_NAME, Path="/emrfs-xacct/", PolicyDocument=DOCUMENT)
    assert made["Policy"]["Arn"] == POLICY_ARN
    _, key = moto_user(
        moto_url,
        f"no-iam-{operation.replace('_', '-')}",
        [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
    )
    iam = boto3.client(
        "iam",
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    # What explain_access_denied reads of a hook: its client, connection id and account (no call for the account).
    caller = SimpleNamespace(
        conn=iam,
        aws_conn_id="aws_emr",
        conn_config=SimpleNamespace(role_arn=f"arn:aws:iam::{EMR_ACCOUNT}:role/deployer"),
    )

    with (
        moto_authorization_checked(moto_url),
        pytest.raises(AccessDeniedError) as caught,
        explain_access_denied(caller),
    ):
        getattr(iam, operation)(**parameters)

    message = str(caught.value)
    assert named in message, message
    assert "(unknown)" not in message
    assert f"was denied in account {EMR_ACCOUNT} (connection 'aws_emr')" in message
