"""
A bucket revoke ends the bucket policy's grant, not what the principal's account keeps through the objects it owns.

On a bucket that is not ``BucketOwnerEnforced``, an object another account writes stays that account's (S3 User Guide,
"Controlling ownership of objects and disabling ACLs for your bucket"), and "If the AWS account that owns the object is
also the parent account to which the IAM principal belongs, it can configure object permissions in a user policy" (S3
User Guide, "How Amazon S3 authorizes a request for an object operation"): the EMR role keeps reading such objects
once its bucket-policy statements are gone. The revoke said nothing of it; now it warns, naming the account, and
pushes what it found to XCom (``kept_object_owners``). The stand-in computes object owners from the bucket's setting
(docs/stand_in.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.operators.s3 import (
    KEPT_OBJECT_OWNERS_XCOM_KEY,
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.session_scope import shared_sessions
from devstack.emrfs_writer import write_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, client
from devstack.testing import captured_logs, moto_authorization_switch, provisioner_roles, run_operator
from tests.integration.partners import grant_key_users

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded

PREFIX = "s3://partner-results-b/exports/"
KEPT = "keep that account as their owner"


def write_as_the_emr_role(aws: Seeded, ownership: str) -> str:
    """Grant option (a) on a bucket of ``ownership`` and write a part file as the EMR EC2 role; return its owner."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]})
    report, _, _ = run_operator(
        GrantBucketAccessOperator(
            task_id="grant_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[PREFIX],
            principal_arns=[aws.emr_ec2_role_arn],
            settle_seconds=0,
        )
    )
    grant_key_users(aws, [aws.emr_ec2_role_arn], report["kms_key_arn"])
    run_operator(
        GrantEmrRoleBucketAccessOperator(
            task_id="grant_emr_role_bucket_access",
            aws_conn_id=EMR_CONN_ID,
            s3_prefixes=[PREFIX],
            kms_key_arns=[report["kms_key_arn"]],
            settle_seconds=0,
        )
    )
    written = write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=None,
        output_uri=f"{PREFIX}run-1/",
        files=1,
        bucket_account=DESTINATION_ACCOUNT,
    )
    assert written.success, written.summary()
    [owner] = {item.owner_account for key, item in written.objects.items() if "/part-" in key}
    return owner


def revoker(aws: Seeded) -> RevokeBucketAccessOperator:
    return RevokeBucketAccessOperator(
        task_id="revoke_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        bucket=aws.bucket,
        principal_arns=[aws.emr_ec2_role_arn],
        settle_seconds=0,
    )


def revoke(aws: Seeded) -> tuple[list[dict[str, Any]], Any]:
    """Revoke the EMR role's bucket access; return the logs and the task instance (its XComs)."""
    with captured_logs() as logs:
        _, _, ti = run_operator(revoker(aws))
    return logs, ti


def test_a_revoke_on_an_object_writer_bucket_warns_that_the_emr_account_keeps_its_objects(aws: Seeded) -> None:
    """The EMR account owns what its role wrote; the revoke names the account, the bucket and the way to end it."""
    assert write_as_the_emr_role(aws, "ObjectWriter") == EMR_ACCOUNT

    logs, ti = revoke(aws)

    [warning] = [entry for entry in logs if KEPT in str(entry.get("event"))]
    assert warning["log_level"] == "warning"
    event = str(warning["event"])
    assert f"account {EMR_ACCOUNT} wrote there" in event
    assert f"Bucket {aws.bucket} has ObjectWriter ownership" in event
    assert aws.emr_ec2_role_arn in event
    assert "BucketOwnerEnforced" in event
    assert "copy those objects over" in event
    assert ti.xcoms[KEPT_OBJECT_OWNERS_XCOM_KEY] == {
        "bucket": aws.bucket,
        "object_ownership": "ObjectWriter",
        "accounts": [EMR_ACCOUNT],
        "fix": ti.xcoms[KEPT_OBJECT_OWNERS_XCOM_KEY]["fix"],
    }


def test_a_revoke_on_a_bucket_owner_enforced_bucket_says_nothing_of_object_owners(aws: Seeded) -> None:
    """There the bucket owner owns every object: the role keeps nothing through them."""
    assert write_as_the_emr_role(aws, "BucketOwnerEnforced") == DESTINATION_ACCOUNT

    logs, ti = revoke(aws)

    assert any("Changes made" in str(entry) for entry in logs)  # the capture holds
    assert [entry for entry in logs if KEPT in str(entry.get("event"))] == []
    assert KEPT_OBJECT_OWNERS_XCOM_KEY not in ti.xcoms


def test_a_refused_ownership_read_ends_the_grant_and_warns_that_the_objects_may_be_kept(aws: Seeded) -> None:
    """
    ``s3:GetBucketOwnershipControls`` refused: read after the write, it does not keep the revoke from ending the bucket
    policy's grant; the warning says the ownership is not known, naming the account all the same.
    """
    write_as_the_emr_role(aws, "ObjectWriter")
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: "s3:GetBucketOwnershipControls"})
    switch_on = moto_authorization_switch(aws.url)
    operator = revoker(aws)
    try:
        with shared_sessions():  # the role assumed before moto checks credentials (test_bucket_policy.py does the same)
            assert operator.hook.conn is not None
            operator.hook.account_id  # noqa: B018
            next(switch_on)()
            with captured_logs() as logs:
                plan, _, ti = run_operator(operator)
    finally:
        switch_on.close()

    assert plan  # the provider's statements went
    [warning] = [entry for entry in logs if KEPT in str(entry.get("event"))]
    assert f"The object ownership of bucket {aws.bucket} could not be read" in str(warning["event"])
    assert f"account {EMR_ACCOUNT} wrote there" in str(warning["event"])
    assert ti.xcoms[KEPT_OBJECT_OWNERS_XCOM_KEY]["object_ownership"] is None
