"""
A principal that never appears: after its bounded wait for IAM's lag, the provider names the field and the ARNs.

KMS and IAM refuse a key or trust policy naming a principal they do not see ("The principals in the key
policy must exist and be visible to KMS", AWS KMS API Reference, "PutKeyPolicy"; "Invalid principal in
policy", AWS Knowledge Center, iam-trust-policy-error). A principal created seconds ago may not be visible
yet (IAM User Guide, "Changes that I make are not always immediately visible"), so the provider waits that
out for a bounded time; one that does not exist never appears, and the error then says which field holds
it, rather than KMS's "one or more invalid principals", which names none. The stand-in refuses such
principals as AWS does (``devstack/aws_principals.py``). The wait is cut to a second here.
"""

from __future__ import annotations

import json
import threading

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.exceptions import PrincipalNotFoundError
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EC2_ONLY_TRUST, EMR_ACCOUNT, Seeded, client
from devstack.testing import CallRecorder, run_operator

SHORT_WAIT = ConvergeSettings(settle_seconds=0, consistency_wait_seconds=1.0, first_backoff_seconds=0.5)
MISSING = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_NoSuchRole"


def test_a_key_user_that_never_appears_is_refused_naming_the_field_and_the_arns(aws: Seeded) -> None:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    before = kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]

    with pytest.raises(PrincipalNotFoundError) as refused:
        EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(
            aws.kms_key_arn, [aws.emr_ec2_role_arn, MISSING], settings=SHORT_WAIT
        )

    assert refused.value.field == "principal_arns"
    message = str(refused.value)
    assert message.startswith("principal_arns: ")
    assert MISSING in message
    assert aws.emr_ec2_role_arn in message
    assert "does not exist" in message
    assert aws.kms_key_arn in message
    assert "invalid principals" in message  # what KMS said, kept
    assert kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"] == before


def test_a_trusted_role_that_never_appears_is_refused_naming_the_field_and_the_arns(aws: Seeded) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    with pytest.raises(PrincipalNotFoundError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            "partner-a-writer", [MISSING], settings=SHORT_WAIT
        )

    assert refused.value.field == "trusted_role_arns"
    message = str(refused.value)
    assert message.startswith("trusted_role_arns: ")
    assert MISSING in message
    assert "does not exist" in message
    assert "partner-a-writer" in message
    assert "Invalid principal in policy" in message  # what IAM said, kept
    assert "partner-a-writer" not in [role["RoleName"] for role in iam.list_roles()["Roles"]]

    # The same for a role that exists already: its trust policy is left as it was.
    trust = json.loads(EC2_ONLY_TRUST)
    iam.create_role(RoleName="partner-a-writer", AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(PrincipalNotFoundError):
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            "partner-a-writer", [MISSING], settings=SHORT_WAIT
        )
    assert iam.get_role(RoleName="partner-a-writer")["Role"]["AssumeRolePolicyDocument"] == trust


def test_a_bucket_policy_principal_that_does_not_exist_is_refused_naming_the_field_and_the_arns(aws: Seeded) -> None:
    """S3 answers ``MalformedPolicy`` "Invalid principal in policy" (AWS Knowledge Center, s3-invalid-principal-in-policy-error)."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")

    with pytest.raises(PrincipalNotFoundError) as refused:
        EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID).ensure_bucket_access(
            aws.bucket, [S3Location(aws.bucket, "exports/")], [aws.emr_ec2_role_arn, MISSING], settings=SHORT_WAIT
        )

    assert refused.value.field == "principal_arns"
    message = str(refused.value)
    assert MISSING in message
    assert "does not exist" in message
    assert aws.bucket in message
    assert "Invalid principal in policy" in message  # what S3 said, kept
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=aws.bucket)


def test_a_bucket_grant_to_a_principal_that_does_not_exist_leaves_the_ownership_as_it_was(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``enforce_bucket_owner=True`` on an ``ObjectWriter`` bucket with a role that does not exist (a typo) in
    ``principal_arns``: only S3's answer to the policy's write tells ("Invalid principal in policy", AWS Knowledge
    Center, s3-invalid-principal-in-policy-error). The switch to ``BucketOwnerEnforced`` was sent first and stayed
    when the grant was refused, ending what object ACLs grant ("ACLs no longer affect permissions", S3 User Guide,
    "Controlling ownership of objects and disabling ACLs for your bucket") for a run that failed. The policy is now
    written first: refused, the ownership stays as it was; granted, the switch follows it.
    """
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    # The operator's wait for IAM's lag (60 s) cut to a second, as the hooks' above.
    monkeypatch.setattr(GrantBucketAccessOperator, "converge_settings", property(lambda _operator: SHORT_WAIT))

    def grant(principals: list[str]) -> GrantBucketAccessOperator:
        return GrantBucketAccessOperator(
            task_id="grant_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[f"s3://{aws.bucket}/exports/"],
            principal_arns=principals,
            enforce_bucket_owner=True,
            settle_seconds=0,
        )

    with CallRecorder().everywhere() as calls, pytest.raises(PrincipalNotFoundError) as refused:
        run_operator(grant([aws.emr_ec2_role_arn, MISSING]))

    assert refused.value.field == "principal_arns"
    assert MISSING in str(refused.value)
    assert "PutBucketOwnershipControls" not in calls.mutating
    assert set(calls.mutating) == {"PutBucketPolicy"}  # refused, and sent again over the wait
    ownership = s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "ObjectWriter"}]
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=aws.bucket)

    report, recorder, _ = run_operator(grant([aws.emr_ec2_role_arn]))

    assert recorder.mutating == ["PutBucketPolicy", "PutBucketOwnershipControls"]
    assert report["object_ownership"] == "BucketOwnerEnforced"
    ownership = s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert aws.emr_ec2_role_arn in s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]


def test_a_bucket_policy_principal_created_during_the_wait_is_granted(aws: Seeded) -> None:
    """
    A role created seconds ago may not be visible to S3 yet (IAM User Guide, "Changes that I make are not always
    immediately visible"): S3's "Invalid principal in policy" is waited out for a bounded time, as IAM's and KMS's
    are, and the grant lands once the role is there (it used to be raised at once).
    """
    late = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-created-late"
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    trust = json.loads(EC2_ONLY_TRUST)
    creates = threading.Timer(
        1.0, lambda: iam.create_role(RoleName="emr-ec2-created-late", AssumeRolePolicyDocument=json.dumps(trust))
    )
    creates.start()
    try:
        changes = EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID).ensure_bucket_access(
            aws.bucket,
            [S3Location(aws.bucket, "exports/")],
            [late],
            settings=ConvergeSettings(settle_seconds=0, consistency_wait_seconds=10.0, first_backoff_seconds=0.5),
        )
    finally:
        creates.join()

    assert changes
    policy = json.loads(client(aws.url, DESTINATION_ACCOUNT, "s3").get_bucket_policy(Bucket=aws.bucket)["Policy"])
    assert late in json.dumps(policy)
