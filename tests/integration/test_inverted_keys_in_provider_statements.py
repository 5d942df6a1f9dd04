"""
A ``NotResource`` or ``NotAction`` someone put into one of the provider's statements of an inline policy is refused.

``NotResource`` "matches every resource except those specified" (IAM User Guide, "IAM JSON policy elements:
NotResource"), ``NotAction`` every action but those listed ("IAM JSON policy elements: NotAction"): in an ``Allow`` of
the provider's, each widens it, and the provider never writes one back (``owned_statement``). The key-use statement
whose ``Resource`` someone replaced with a ``NotResource`` names no key the provider reads back, so a run given no key
once dropped it, and the edit with it, without a word, in the destination role's policy and in the EMR EC2 role's
bucket-access policy alike. Each statement kind of both policies is now refused the same way, before any write.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    REGION,
    Seeded,
    client,
)
from devstack.testing import CallRecorder

ROLE_NAME = "partner-a-writer"
LOCATION = parse_s3_location(f"s3://{BUCKET}/exports/partner-a/", "s3_prefixes")
SETTINGS = ConvergeSettings(settle_seconds=0)
OTHER_KEY = f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444444444444"
#: What someone put in place of the statement's ``Resource`` (or ``Action``): a value of the statement's kind.
INVERTED = {
    documents.OBJECTS_SID: f"arn:aws:s3:::{BUCKET}/private/*",
    documents.LIST_SID: "arn:aws:s3:::another-bucket",
    documents.BUCKET_LOCATION_SID: "arn:aws:s3:::another-bucket",
    documents.KMS_USE_SID: OTHER_KEY,
    documents.OBJECT_ACL_SID: f"arn:aws:s3:::{BUCKET}/private/*",
}
CASES = [(sid, key) for sid in INVERTED for key in ("NotResource", "NotAction")]


def _invert(iam: Any, role_name: str, policy_name: str, sid: str, key: str) -> dict[str, Any]:
    """Replace the statement's ``Resource`` (or ``Action``) with ``key``, as someone might by hand; return the policy."""
    policy = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    [statement] = [item for item in policy["Statement"] if item.get("Sid") == sid]
    replaced = "Resource" if key == "NotResource" else "Action"
    statement[key] = INVERTED[sid] if key == "NotResource" else "iam:*"
    del statement[replaced]
    iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(policy))
    return dict(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])


@pytest.mark.parametrize(("sid", "key"), CASES, ids=[f"{sid}-{key}" for sid, key in CASES])
def test_the_destination_role_policy_refuses_an_inverted_provider_statement(aws: Seeded, sid: str, key: str) -> None:
    """
    The policy holds one key and the ACL statement; someone inverted one statement; a run given no key (a bucket
    without SSE-KMS, say), in its dry run, is refused naming the statement and the element, before any write.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    hook.ensure_destination_access(ROLE_NAME, [LOCATION], [aws.kms_key_arn], object_acl=True, settings=SETTINGS)
    before = _invert(iam, ROLE_NAME, documents.DESTINATION_POLICY_NAME, sid, key)

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [LOCATION], [], settings=SETTINGS, dry_run=True
        )

    assert f"statement {sid!r} has {key}" in str(refused.value)
    assert recorder.mutating == []
    assert (
        iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=documents.DESTINATION_POLICY_NAME)["PolicyDocument"]
        == before
    )


@pytest.mark.parametrize(("sid", "key"), CASES, ids=[f"{sid}-{key}" for sid, key in CASES])
def test_the_emr_role_bucket_access_policy_refuses_an_inverted_provider_statement(
    aws: Seeded, sid: str, key: str
) -> None:
    """The same in the EMR EC2 role's bucket-access policy (option a), through GrantEmrRoleBucketAccess's hook call."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    hook.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [LOCATION], [aws.kms_key_arn], object_acl=True, settings=SETTINGS)
    before = _invert(iam, EMR_EC2_ROLE, EMR_ROLE_POLICY_NAME, sid, key)

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as refused:
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_emr_role_bucket_access(
            EMR_EC2_ROLE, [LOCATION], [], settings=SETTINGS, dry_run=True
        )

    assert f"statement {sid!r} has {key}" in str(refused.value)
    assert recorder.mutating == []
    assert iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"] == before
