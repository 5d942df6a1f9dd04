"""
Option (a) on a bucket whose policy is already public when Block Public Access ``BlockPublicPolicy`` is turned on.

S3 API Reference, "PublicAccessBlockConfiguration", ``BlockPublicPolicy``: S3 rejects "calls to PUT Bucket policy if
the specified bucket policy allows public access", and "Enabling this setting doesn't affect existing bucket policies"
(S3 Control's, the account's, likewise "for buckets in this account"). S3 answers ``AccessDenied`` ("Automated Security
Response on AWS", "Issues with specific remediations": "An error occurred (AccessDenied) when calling the
PutBucketPolicy operation: Access Denied", for a policy that kept its public statements). The grant and the revoke
write back the statements they did not write, the public one too: they were refused on every try, as a retriable
denial telling to grant ``s3:PutBucketPolicy``, and the revoke could never end the role's access. moto does not
enforce the setting: ``devstack/aws_block_public_policy.py`` refuses as S3 does (public by S3's documented rule,
S3 User Guide, "Blocking public access to your Amazon S3 storage", "The meaning of 'public'").
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, RevokeBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.bucket_policy import principal_sids
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, EmrfsXacctError, PreconditionError
from airflow_provider_emrfs_xacct.session_scope import shared_sessions
from devstack import aws_block_public_policy
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, Seeded, client, s3control_client
from devstack.testing import (
    CallRecorder,
    RecordingTaskInstance,
    execute_as_task,
    moto_authorization_switch,
    provisioner_roles,
    run_operator,
)

PUBLIC_REPORTS = {
    "Sid": "PublicReports",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::partner-results-b/public/*",
}
DENY_INSECURE = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::partner-results-b", "arn:aws:s3:::partner-results-b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
#: The reads the provider makes only once S3 refused a bucket policy's write (``GetPublicAccessBlock`` is the bucket's
#: on S3, the account's on S3 Control).
DIAGNOSIS = {("s3", "GetPublicAccessBlock"), ("s3control", "GetPublicAccessBlock"), ("s3", "GetBucketPolicyStatus")}
BLOCK_PUBLIC_POLICY = {
    "BlockPublicAcls": False,
    "IgnorePublicAcls": False,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": False,
}


@pytest.fixture
def s3(aws: Seeded) -> Any:
    """The destination account's S3 client; the bucket's policy has a public statement of the partner's own."""
    aws_block_public_policy.install()
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    policy = {"Version": "2012-10-17", "Statement": [DENY_INSECURE, PUBLIC_REPORTS]}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))
    return s3


def grant(aws: Seeded, prefix: str = "exports/") -> GrantBucketAccessOperator:
    return GrantBucketAccessOperator(
        task_id="grant_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        s3_prefixes=[f"s3://{aws.bucket}/{prefix}"],
        principal_arns=[aws.emr_ec2_role_arn],
        settle_seconds=0,
    )


def revoke(aws: Seeded) -> RevokeBucketAccessOperator:
    return RevokeBucketAccessOperator(
        task_id="revoke_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        bucket=aws.bucket,
        principal_arns=[aws.emr_ec2_role_arn],
        settle_seconds=0,
    )


def put_public_access_block(aws: Seeded, level: str, configuration: dict[str, bool]) -> None:
    """Set Block Public Access for the bucket, or for its account (S3 Control ``PutPublicAccessBlock``)."""
    if level == "bucket":
        client(aws.url, DESTINATION_ACCOUNT, "s3").put_public_access_block(
            Bucket=aws.bucket, PublicAccessBlockConfiguration=configuration
        )
    else:
        s3control_client(aws.url, DESTINATION_ACCOUNT).put_public_access_block(
            AccountId=DESTINATION_ACCOUNT, PublicAccessBlockConfiguration=configuration
        )


def block_public_policy(aws: Seeded, level: str) -> None:
    """Turn ``BlockPublicPolicy`` on for the bucket, or for its account."""
    put_public_access_block(aws, level, BLOCK_PUBLIC_POLICY)


def failed(operator: Any) -> tuple[EmrfsXacctError, CallRecorder]:
    """Run the operator as a task, expecting a provider error; return it and every call made (the refused ones too)."""
    ti = RecordingTaskInstance(task_id=operator.task_id)
    recorder = CallRecorder()
    with recorder.everything(), pytest.raises(EmrfsXacctError) as caught:
        execute_as_task(operator, {"ti": ti, "task_instance": ti})
    return caught.value, recorder


def failed_denied(aws: Seeded, operator: Any, action: str) -> tuple[EmrfsXacctError, CallRecorder]:
    """:func:`failed`, the connection's role denied ``action`` (moto's IAM authorization on for the run)."""
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: action})
    switch_on = moto_authorization_switch(aws.url)
    try:
        # One session for the task (session_scope.py), its role assumed before moto checks its credentials; the
        # account check's GetCallerIdentity learnt now too (as test_bucket_policy.py does).
        with shared_sessions():
            assert operator.hook.conn is not None
            operator.hook.account_id  # noqa: B018
            next(switch_on)()
            return failed(operator)
    finally:
        switch_on.close()


def policy_of(s3: Any, bucket: str) -> dict[str, Any]:
    return dict(json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]))


def sids(policy: dict[str, Any]) -> set[str]:
    return {statement.get("Sid") for statement in policy["Statement"]}


@pytest.mark.parametrize("level", ["bucket", "account"])
def test_grant_and_revoke_under_block_public_policy_name_it_and_the_public_statement(
    aws: Seeded, s3: Any, level: str
) -> None:
    """
    Refused under ``BlockPublicPolicy`` (the bucket's, or its account's: S3 uses "the most restrictive combination" of
    both, S3 API Reference, "PutPublicAccessBlock"), the grant and the revoke fail without retries naming the setting,
    the bucket and the public statement, and no retriable denial telling to grant ``s3:PutBucketPolicy``. Their
    successful writes read none of it for BlockPublicPolicy: the grant of a public policy reads the Block Public Access
    settings for RestrictPublicBuckets only, and the policy's status only while that is on (off here).
    """
    _, recorder, _ = run_operator(grant(aws))  # before the setting: granted, and nothing read for it
    assert "PutBucketPolicy" in recorder.mutating
    assert DIAGNOSIS & set(recorder.every) == {("s3", "GetPublicAccessBlock"), ("s3control", "GetPublicAccessBlock")}
    block_public_policy(aws, level)
    before = policy_of(s3, aws.bucket)
    with pytest.raises(ClientError) as stand_in:  # the stand-in refuses as S3 does: the policy as it is, sent back
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(before))
    assert stand_in.value.response["Error"]["Code"] == "AccessDenied"
    assert stand_in.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    for operator in (grant(aws, "more/"), revoke(aws)):
        error, calls = failed(operator)

        assert isinstance(error, PreconditionError), error
        assert not isinstance(error, AccessDeniedError)
        assert isinstance(error, AirflowFailException)  # the task fails without its retries
        assert error.retriable is False
        message = str(error)
        assert "BlockPublicPolicy" in message
        assert f"bucket {aws.bucket}" in message
        assert "Sid 'PublicReports'" in message
        assert "DenyInsecureTransport" not in message  # a Deny makes no policy public
        assert "Grant s3:PutBucketPolicy" not in message
        where = f"bucket {aws.bucket}" if level == "bucket" else f"the bucket's account {DESTINATION_ACCOUNT}"
        assert f"BlockPublicPolicy is on for {where}" in message
        assert f"turn BlockPublicPolicy off for {where}" in message
        assert ("s3", "GetBucketPolicyStatus") in calls.every
        assert policy_of(s3, aws.bucket) == before  # nothing written
    assert set(principal_sids(aws.emr_ec2_role_arn)) <= sids(before)  # the revoke could not end the access


@pytest.mark.parametrize("public", [True, False])
def test_a_put_bucket_policy_denied_to_the_connection_keeps_its_message(aws: Seeded, s3: Any, public: bool) -> None:
    """
    A denial of ``s3:PutBucketPolicy`` itself (no ``BlockPublicPolicy``; or on, with a policy S3 does not call public)
    is still the retriable denial naming the action to grant, after the reads that tell it from the setting's.
    """
    if not public:
        block_public_policy(aws, "bucket")
        s3.put_bucket_policy(
            Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_INSECURE]})
        )

    error, calls = failed_denied(aws, grant(aws), "s3:PutBucketPolicy")

    assert type(error) is AccessDeniedError, error
    assert error.retriable is True
    assert str(error).startswith(
        f"s3:PutBucketPolicy on Bucket={aws.bucket} was denied in account {DESTINATION_ACCOUNT}"
    )
    assert "Grant s3:PutBucketPolicy on that resource" in str(error)
    made = set(calls.every)
    # The bucket's setting, then (off) the account's; (on) whether the policy is public.
    assert ("s3", "GetPublicAccessBlock") in made
    assert (("s3control", "GetPublicAccessBlock") in made) is public
    assert (("s3", "GetBucketPolicyStatus") in made) is not public


def test_a_refused_block_public_access_read_leaves_s3s_refusal_as_it_is(aws: Seeded, s3: Any) -> None:
    """The connection may not read the bucket's Block Public Access (``s3:GetBucketPublicAccessBlock``): S3's denial stays."""
    block_public_policy(aws, "bucket")

    error, calls = failed_denied(aws, grant(aws), "s3:GetBucketPublicAccessBlock")

    assert type(error) is AccessDeniedError, error
    assert str(error).startswith(f"s3:PutBucketPolicy on Bucket={aws.bucket} was denied")
    assert calls.of("s3")[-1] == "GetPublicAccessBlock"  # tried after the refused write, itself refused
    assert ("s3", "GetBucketPolicyStatus") not in calls.every
