"""
Option (a)'s bucket grant on a Requester Pays bucket, and under Block Public Access ``RestrictPublicBuckets``.

Requester Pays: every request of another account than the bucket's must carry ``x-amz-request-payer``, else S3
answers 403 ("Bucket owners do not need to add x-amz-request-payer to their requests": S3 User Guide, "Downloading
objects from Requester Pays buckets"); EMRFS sends it only with ``emrfs-site`` ``fs.s3.useRequesterPaysHeader=true``
(AWS Knowledge Center, "Access Amazon S3 Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena"). The
grant's report feeds the launch's ``emrfs_site_properties``: it must carry the setting.

``RestrictPublicBuckets`` (the bucket's or its account's): "public and cross-account access within any public bucket
policy, including non-public delegation to specific accounts, is blocked" (S3 API Reference,
"PublicAccessBlockConfiguration"). A partner's public statement then makes the grant to the EMR EC2 role, another
account's, useless: the grant warns and says so in its report, and does not fail (the partner owns the setting).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError
from airflow_provider_emrfs_xacct.session_scope import shared_sessions
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, Seeded, client
from devstack.testing import (
    CallRecorder,
    RecordingTaskInstance,
    captured_logs,
    execute_as_task,
    moto_authorization_switch,
    provisioner_roles,
    run_operator,
)
from tests.integration.test_block_public_policy import put_public_access_block

DENY_INSECURE = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::partner-results-b", "arn:aws:s3:::partner-results-b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
#: A statement S3 calls public: everyone, no condition (S3 User Guide, "Blocking public access to your Amazon S3
#: storage", "The meaning of 'public'").
PUBLIC_REPORTS = {
    "Sid": "PublicReports",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::partner-results-b/public/*",
}
RESTRICT_PUBLIC_BUCKETS = {
    "BlockPublicAcls": False,
    "IgnorePublicAcls": False,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": True,
}
REQUESTER_PAYS_HEADER = {"fs.s3.useRequesterPaysHeader": "true"}
#: The reads that judge RestrictPublicBuckets (the bucket's and the account's Block Public Access, the policy's status).
RESTRICT_READS = {
    ("s3", "GetPublicAccessBlock"),
    ("s3control", "GetPublicAccessBlock"),
    ("s3", "GetBucketPolicyStatus"),
}


@pytest.fixture
def s3(aws: Seeded) -> Any:
    """The destination account's S3 client; the bucket's policy has the partner's HTTPS-only Deny."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    put_policy(s3, aws.bucket, DENY_INSECURE)
    return s3


def put_policy(s3: Any, bucket: str, *statements: dict[str, Any]) -> None:
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def grant(aws: Seeded, **kwargs: Any) -> GrantBucketAccessOperator:
    return GrantBucketAccessOperator(
        task_id="grant_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        s3_prefixes=[f"s3://{aws.bucket}/exports/"],
        principal_arns=[aws.emr_ec2_role_arn],
        settle_seconds=0,
        **kwargs,
    )


def requester_pays(s3: Any, bucket: str) -> None:
    """S3 API Reference, PutBucketRequestPayment: ``Payer`` ``Requester``."""
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})


def restrict_public_buckets(aws: Seeded, level: str) -> None:
    """Turn ``RestrictPublicBuckets`` on for the bucket, or for its account."""
    put_public_access_block(aws, level, RESTRICT_PUBLIC_BUCKETS)


def warnings_naming(logs: list[Any], text: str) -> list[Any]:
    return [entry for entry in logs if entry["log_level"] == "warning" and text in str(entry)]


def denied(aws: Seeded, operator: Any, action: str) -> tuple[AccessDeniedError, CallRecorder]:
    """Run the operator as a task with the connection's role denied ``action``; return its error and every call."""
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: action})
    switch_on = moto_authorization_switch(aws.url)
    ti = RecordingTaskInstance(task_id=operator.task_id)
    recorder = CallRecorder()
    try:
        with shared_sessions():
            assert operator.hook.conn is not None
            operator.hook.account_id  # noqa: B018
            next(switch_on)()
            with recorder.everything(), pytest.raises(AccessDeniedError) as caught:
                execute_as_task(operator, {"ti": ti, "task_instance": ti})
    finally:
        switch_on.close()
    return caught.value, recorder


# Requester Pays ---------------------------------------------------------------------------------------------------


def test_a_requester_pays_bucket_asks_emrfs_for_the_requester_pays_header(aws: Seeded, s3: Any) -> None:
    """The report's emrfs_site_properties carries fs.s3.useRequesterPaysHeader=true, said at INFO; read before the write."""
    requester_pays(s3, aws.bucket)

    with captured_logs() as logs:
        result, recorder, _ = run_operator(grant(aws))

    assert result["emrfs_site_properties"] == REQUESTER_PAYS_HEADER
    assert result["requester_pays"] is True
    assert recorder.calls.index("GetBucketRequestPayment") < recorder.calls.index("PutBucketPolicy")
    [said] = [entry for entry in logs if "Requester Pays" in str(entry)]
    assert said["log_level"] == "info"
    assert "fs.s3.useRequesterPaysHeader" in str(said)


def test_a_requester_pays_bucket_owner_preferred_asks_for_both_settings(aws: Seeded, s3: Any) -> None:
    requester_pays(s3, aws.bucket)
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )

    result, _, _ = run_operator(grant(aws))

    assert result["emrfs_site_properties"] == {"fs.s3.canned.acl": "BucketOwnerFullControl", **REQUESTER_PAYS_HEADER}


def test_a_refused_request_payment_read_names_its_permission_before_any_write(aws: Seeded, s3: Any) -> None:
    """S3 API Reference, GetBucketRequestPayment: it needs ``s3:GetBucketRequestPayment``."""
    error, recorder = denied(aws, grant(aws), "s3:GetBucketRequestPayment")

    assert "s3:GetBucketRequestPayment" in str(error)
    assert recorder.mutating == []


# RestrictPublicBuckets ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["bucket", "account"])
def test_restrict_public_buckets_with_a_public_statement_warns_and_reports_it(aws: Seeded, s3: Any, level: str) -> None:
    put_policy(s3, aws.bucket, DENY_INSECURE, PUBLIC_REPORTS)
    restrict_public_buckets(aws, level)

    with captured_logs() as logs:
        result, recorder, _ = run_operator(grant(aws))

    assert recorder.mutating == ["PutBucketPolicy"]  # granted all the same: the partner owns the setting
    where = f"bucket {aws.bucket}" if level == "bucket" else f"the bucket's account {DESTINATION_ACCOUNT}"
    assert result["restrict_public_buckets"] == {
        "on_for": where,
        "public_statements": ["Sid 'PublicReports'"],
        "principals": [aws.emr_ec2_role_arn],
    }
    [warning] = [str(entry["event"]) for entry in warnings_naming(logs, "RestrictPublicBuckets")]
    assert f"RestrictPublicBuckets is on for {where}" in warning
    assert "Sid 'PublicReports'" in warning
    assert "DenyInsecureTransport" not in warning  # a Deny makes no policy public
    assert aws.emr_ec2_role_arn in warning


def test_restrict_public_buckets_without_a_public_statement_reads_and_says_nothing(aws: Seeded, s3: Any) -> None:
    restrict_public_buckets(aws, "bucket")

    with captured_logs() as logs:
        result, recorder, _ = run_operator(grant(aws))

    assert "restrict_public_buckets" not in result
    assert warnings_naming(logs, "RestrictPublicBuckets") == []
    assert not RESTRICT_READS & set(recorder.every)  # the policy names fixed principals only: nothing to read


def test_restrict_public_buckets_with_a_statement_s3_calls_non_public_says_nothing(aws: Seeded, s3: Any) -> None:
    """
    Everyone, but only from a fixed range of addresses: S3 calls a policy public unless, among others, "The policy
    limits access to a set of CIDRs using aws:SourceIp" (S3 API Reference, "PublicAccessBlockConfiguration"), so
    RestrictPublicBuckets does not block the grant. The provider
    cannot tell a fixed condition from another and asks S3 (``GetBucketPolicyStatus``), whose answer decides.
    """
    from_the_office = {**PUBLIC_REPORTS, "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}
    put_policy(s3, aws.bucket, DENY_INSECURE, from_the_office)
    restrict_public_buckets(aws, "bucket")

    with captured_logs() as logs:
        result, recorder, _ = run_operator(grant(aws))

    assert ("s3", "GetBucketPolicyStatus") in set(recorder.every)  # asked, and S3 said non-public
    assert "restrict_public_buckets" not in result
    assert warnings_naming(logs, "RestrictPublicBuckets") == []


def test_a_public_statement_without_restrict_public_buckets_says_nothing(aws: Seeded, s3: Any) -> None:
    put_policy(s3, aws.bucket, DENY_INSECURE, PUBLIC_REPORTS)

    with captured_logs() as logs:
        result, _, _ = run_operator(grant(aws))

    assert "restrict_public_buckets" not in result
    assert warnings_naming(logs, "RestrictPublicBuckets") == []


def test_a_refused_public_access_block_read_says_nothing_and_the_grant_succeeds(aws: Seeded, s3: Any) -> None:
    """Not known is not said: the grant does not fail over a setting the partner owns."""
    put_policy(s3, aws.bucket, DENY_INSECURE, PUBLIC_REPORTS)
    restrict_public_buckets(aws, "bucket")
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: "s3:GetBucketPublicAccessBlock"})
    switch_on = moto_authorization_switch(aws.url)
    operator = grant(aws)
    try:
        with shared_sessions():
            assert operator.hook.conn is not None
            operator.hook.account_id  # noqa: B018
            next(switch_on)()
            with captured_logs() as logs:
                result, recorder, _ = run_operator(operator)
    finally:
        switch_on.close()

    assert recorder.mutating == ["PutBucketPolicy"]
    assert "restrict_public_buckets" not in result
    assert warnings_naming(logs, "RestrictPublicBuckets") == []


# Neither ---------------------------------------------------------------------------------------------------------


def test_a_bucket_with_neither_setting_reports_as_before(aws: Seeded, s3: Any) -> None:
    put_policy(s3, aws.bucket, DENY_INSECURE, PUBLIC_REPORTS)

    result, _, _ = run_operator(grant(aws))

    assert set(result) == {"bucket", "object_ownership", "objects_owned_by", "emrfs_site_properties", "kms_key_arn"}
    assert result["emrfs_site_properties"] == {}
