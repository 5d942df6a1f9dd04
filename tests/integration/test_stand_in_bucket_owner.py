"""
The stand-in refuses a request whose ``ExpectedBucketOwner`` is not the bucket's owner, as S3 does (moto alone
does not).

This is the judge of ``devstack/aws_bucket_owner.py``: S3 answers 403 ``AccessDenied`` and changes nothing
(Amazon S3 User Guide, "Verifying bucket ownership with bucket owner condition"; S3 API Reference,
``x-amz-expected-bucket-owner``: "the request fails with the HTTP status code 403 Forbidden (access denied)").
Both sides are tried: the owner's own account id is accepted.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client

#: The bucket's policy before each call, and a statement a wrong-owner PutBucketPolicy would write.
SEEDED = {
    "Sid": "NoVersioningChanges",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutBucketVersioning",
    "Resource": "arn:aws:s3:::partner-results-b",
}
OPEN = {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}


def status_of(call: Any, **params: Any) -> tuple[int, str]:
    try:
        answer = call(**params)
    except ClientError as error:
        return error.response["ResponseMetadata"]["HTTPStatusCode"], str(error.response["Error"].get("Code"))
    return answer["ResponseMetadata"]["HTTPStatusCode"], ""


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("head_bucket", {}),
        ("get_bucket_encryption", {}),
        ("list_objects_v2", {"Prefix": "acme/"}),
        ("put_object", {"Key": "acme/x", "Body": b"x"}),
        ("head_object", {"Key": "seeded"}),
        ("delete_object", {"Key": "seeded"}),
        # The bucket-policy calls GrantBucketAccess and RevokeBucketAccess send (docs/safety.md: "S3 answers 403").
        ("get_bucket_policy", {}),
        ("put_bucket_policy", {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [OPEN]})}),
        ("delete_bucket_policy", {}),
        ("put_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}),
    ],
)
def test_another_expected_owner_is_refused_with_403_and_the_owner_is_accepted(
    aws: Seeded, operation: str, params: dict[str, Any]
) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_object(Bucket=aws.bucket, Key="seeded", Body=b"kept")
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [SEEDED]}))
    policy = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]
    ownership = s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"]
    call = getattr(s3, operation)

    status, code = status_of(call, Bucket=aws.bucket, ExpectedBucketOwner=EMR_ACCOUNT, **params)

    assert status == 403
    assert code in ("AccessDenied", "403")  # a HEAD answer has no body: botocore names it by its status
    assert s3.get_object(Bucket=aws.bucket, Key="seeded")["Body"].read() == b"kept"  # nothing deleted
    assert s3.list_objects_v2(Bucket=aws.bucket, Prefix="acme/").get("KeyCount") == 0  # nothing written
    assert s3.get_bucket_policy(Bucket=aws.bucket)["Policy"] == policy  # the policy neither changed nor deleted
    assert s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"] == ownership
    assert status_of(call, Bucket=aws.bucket, ExpectedBucketOwner=DESTINATION_ACCOUNT, **params)[0] in (200, 204)


def test_a_bucket_of_another_account_is_refused_to_its_reader_too(aws: Seeded) -> None:
    """The header names the account the caller expects, whoever the caller is."""
    emr_s3 = client(aws.url, EMR_ACCOUNT, "s3")
    emr_s3.create_bucket(Bucket="emr-account-bucket")

    assert status_of(emr_s3.head_bucket, Bucket="emr-account-bucket", ExpectedBucketOwner=DESTINATION_ACCOUNT)[0] == 403
    assert status_of(emr_s3.head_bucket, Bucket="emr-account-bucket", ExpectedBucketOwner=EMR_ACCOUNT)[0] == 200
    assert status_of(emr_s3.head_bucket, Bucket="emr-account-bucket")[0] == 200


def test_a_missing_bucket_is_still_404(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    assert status_of(s3.get_bucket_encryption, Bucket="no-such-bucket-b", ExpectedBucketOwner=EMR_ACCOUNT) == (
        404,
        "NoSuchBucket",
    )
