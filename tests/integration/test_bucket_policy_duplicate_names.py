"""
A bucket policy whose JSON text gives one name twice in one object, against the two-account moto server.

docs/safety.md, "Nothing can hurt the accounts: what is refused before any change", the row on a document "whose JSON
text gives one name twice in one object (two ``StringEquals`` in one ``Condition``)": ``GrantBucketAccess`` and
``RevokeBucketAccess`` refuse it with a ``ConflictError`` naming the document, the name and both values, before any
write, and "the verifier reports such a document as not checked". S3 keeps the policy as the text it was sent (Amazon
S3 API Reference, GetBucketPolicy, ``Policy``: "The bucket policy as a JSON document"); a JSON parser keeps one of the
two values, so a policy written back would drop the other, a restriction someone wrote, without anyone seeing it.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, RevokeBucketAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.integration.partners import create_security_configuration, mapping, provision_partner

PREFIX = "s3://partner-results-b/exports/"
EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_DefaultRole"
#: Two ``StringNotEquals`` in the one ``Condition``: which of the two S3 applies, AWS does not document.
POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"PartnerGuard","Effect":"Deny","Principal":"*",'
    '"Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{'
    '"StringNotEquals":{"s3:x-amz-acl":"bucket-owner-full-control"},'
    '"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}]}'
)


def put_policy(aws: Seeded) -> tuple[Any, str]:
    """Put the policy on the destination bucket as text; return the S3 client and the text."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    text = POLICY.replace("BUCKET", aws.bucket)
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=text)
    assert s3.get_bucket_policy(Bucket=aws.bucket)["Policy"] == text  # kept as sent, both names
    return s3, text


def grant() -> GrantBucketAccessOperator:
    return GrantBucketAccessOperator(
        task_id="grant_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        s3_prefixes=[PREFIX],
        principal_arns=[EMR_ROLE],
        settle_seconds=0,
    )


def revoke(aws: Seeded) -> RevokeBucketAccessOperator:
    return RevokeBucketAccessOperator(
        task_id="revoke_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        bucket=aws.bucket,
        principal_arns=[EMR_ROLE],
        settle_seconds=0,
    )


@pytest.mark.parametrize("make", [lambda aws: grant(), revoke], ids=["grant", "revoke"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_bucket_policy_with_a_name_twice_in_one_object_is_refused_before_any_write(
    aws: Seeded, make: Any, dry_run: bool
) -> None:
    s3, text = put_policy(aws)
    operator = make(aws)
    operator.dry_run = dry_run
    ti = RecordingTaskInstance(task_id=operator.task_id)

    with CallRecorder().everywhere() as recorder, pytest.raises(ConflictError) as caught:
        operator.execute({"ti": ti, "task_instance": ti})

    message = str(caught.value)
    assert message.startswith(f"the bucket policy of {aws.bucket}: 'StringNotEquals' appears twice")
    assert '"bucket-owner-full-control"' in message  # both values named
    assert '"aws:kms"' in message
    assert "put the bucket policy back (PutBucketPolicy" in message
    assert caught.value.document == f"the bucket policy of {aws.bucket}"
    assert "GetBucketPolicy" in recorder.of("s3")  # refused on what it read, not before reading
    assert recorder.mutating == []
    assert s3.get_bucket_policy(Bucket=aws.bucket)["Policy"] == text


def test_the_verifier_reports_a_bucket_policy_with_a_name_twice_as_not_checked(aws: Seeded) -> None:
    """
    The links the bucket policy decides are not checked, naming the repeated name; none passes or fails on a
    guess of which value S3 applies, and the verdict is NOT_CHECKED, not PASS.
    """
    provision_partner(aws, "partner-b-writer", PREFIX)
    configuration = create_security_configuration([mapping("partner-b-writer", PREFIX)])
    put_policy(aws)
    operator = VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=configuration,
        release_label="emr-6.15.0",
    )

    with CallRecorder().everywhere() as recorder:
        report, _, _ = run_operator(operator)

    assert report["verdict"] == "NOT_CHECKED"
    unchecked = [link for link in report["links"] if link["status"] == "not checked"]
    writes = [link for link in unchecked if link["link"] == f"write files {PREFIX}"]
    assert writes, [(link["link"], link["status"], link["detail"]) for link in report["links"]]
    assert "'StringNotEquals' appears twice" in writes[0]["detail"]
    assert f"the bucket policy of {aws.bucket}" in writes[0]["detail"]
    decided = [link for link in report["links"] if "appears twice" in link["detail"]]
    assert {link["status"] for link in decided} == {"not checked"}
    assert recorder.mutating == []
