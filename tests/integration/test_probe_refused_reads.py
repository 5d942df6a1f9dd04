"""
The live probe's object check when a read of the verifier's own is refused after the write went through.

The owner check reads the object's owner (``ListObjectsV2`` with ``FetchOwner``: ``s3:ListBucket``) and the bucket's
(``GetBucketAcl``: ``s3:GetBucketAcl``): a refusal of either says nothing of the write, so the probe object is not
checked (``ok`` ``None``, the refused read named), not failed. A refused ``HeadObject`` still fails it: an object
another account owns refuses the bucket owner's reads (Amazon S3 User Guide, "Bucket policies for Amazon S3"), so
that refusal may be the write's own outcome (Amazon S3 API Reference, "HeadObject": 403 Forbidden).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.verify import check_probe_object, probe_key
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, PROVISIONER_ROLE, client
from devstack.testing import ALLOW_EVERYTHING, answer_denials_like_aws, moto_authorization, provisioner_roles

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded

PREFIX = "s3://partner-results-b/exports/"


def written(aws: Seeded) -> tuple[Any, str]:
    """A probe object as the probe's write leaves it (SSE-KMS with the bucket's key), put by the stand-in's admin."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    s3.put_object(
        Bucket=bucket, Key=key, Body=b"emrfs-xacct-probe\n", ServerSideEncryption="aws:kms", SSEKMSKeyId=aws.kms_key_arn
    )
    return s3, uri


def gone(s3: Any, uri: str) -> bool:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        return error.response["Error"]["Code"] in ("404", "NoSuchKey")
    return False


def checked_with(aws: Seeded, monkeypatch: pytest.MonkeyPatch, denied: list[str], uri: str) -> dict[str, Any]:
    """``check_probe_object`` through the destination connection, whose role is denied the actions ``denied``."""
    answer_denials_like_aws(monkeypatch)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    if PROVISIONER_ROLE not in {role["RoleName"] for role in iam.list_roles()["Roles"]}:
        provisioner_roles(aws.url, None, {})  # the role the connections assume, in both accounts
    statements = [ALLOW_EVERYTHING, {"Effect": "Deny", "Action": denied, "Resource": "*"}]
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    iam.put_role_policy(RoleName=PROVISIONER_ROLE, PolicyName="provisioner", PolicyDocument=document)
    hook = EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID)
    assert hook.conn is not None  # its session first: moto checks the identity policies of credentials it issued
    moto_authorization(aws.url, "0")
    try:
        return check_probe_object(hook, uri, expected_key_arn=aws.kms_key_arn)
    finally:
        moto_authorization(aws.url, "inf")


@pytest.mark.parametrize(("action", "call"), [("s3:GetBucketAcl", "GetBucketAcl"), ("s3:ListBucket", "ListObjectsV2")])
def test_a_refused_owner_read_leaves_the_probe_object_not_checked_not_failed(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, action: str, call: str
) -> None:
    s3, uri = written(aws)

    outcome = checked_with(aws, monkeypatch, [action], uri)

    assert outcome["ok"] is None, outcome
    assert outcome["problems"] == []
    assert (outcome["exists"], outcome["kms_key"]) == (True, aws.kms_key_arn)  # what was read is still judged
    assert outcome["owner_is_bucket_owner"] is None
    [not_checked] = outcome["not_checked"]
    assert not_checked.startswith(f"whether {uri} is owned by the bucket owner: {action}")
    assert f"was denied in account {DESTINATION_ACCOUNT}" in not_checked
    assert outcome["refused_reads"] == [
        {
            "action": action,
            "connection": DESTINATION_CONN_ID,
            "account": DESTINATION_ACCOUNT,
            "resource": "Bucket=partner-results-b",
            "call": call,
        }
    ]
    assert gone(s3, uri)  # deleted all the same

    # A refused HEAD of the object itself still fails it: the object's own answer may be the refusal.
    _, refused_head = written(aws)
    headless = checked_with(aws, monkeypatch, [action, "s3:GetObject"], refused_head)
    assert headless["ok"] is False, headless
    assert "could not be checked" in headless["problems"][0]
    assert "not_checked" not in headless
