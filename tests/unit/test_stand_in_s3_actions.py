"""
The stand-in authorizes S3's reads, and the bucket writes moto takes for ``s3:CreateBucket``, as the actions AWS
authorizes them as (devstack/aws_s3_actions.py).

moto (5.2.5) authorized five bucket reads as ``s3:ListBucket``: a policy denying ``s3:GetEncryptionConfiguration``
refused nothing, one denying ``s3:ListBucket`` refused them all (Service Authorization Reference, "Actions,
resources, and condition keys for Amazon S3"; S3 API Reference, each operation's "Permissions").
"""

from __future__ import annotations

import pytest

from devstack.aws_s3_actions import aws_action


@pytest.mark.parametrize(
    ("method", "path", "moto_action", "action"),
    [
        ("GET", "/bucket?encryption", "s3:ListBucket", "s3:GetEncryptionConfiguration"),
        ("GET", "/bucket?ownershipControls", "s3:ListBucket", "s3:GetBucketOwnershipControls"),
        ("GET", "/bucket?requestPayment", "s3:ListBucket", "s3:GetBucketRequestPayment"),
        ("GET", "/bucket?object-lock", "s3:ListBucket", "s3:GetBucketObjectLockConfiguration"),
        ("GET", "/bucket?publicAccessBlock", "s3:ListBucket", "s3:GetBucketPublicAccessBlock"),
        ("GET", "/bucket?policyStatus", "s3:GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"),
        ("HEAD", "/bucket", "s3:HeadBucket", "s3:ListBucket"),
        (
            "GET",
            "/v20180820/configuration/publicAccessBlock",
            "s3:GetPublicAccessBlock",
            "s3:GetAccountPublicAccessBlock",
        ),
        # Bucket writes moto authorizes as s3:CreateBucket (S3 API Reference, each operation's "Permissions").
        ("PUT", "/bucket?ownershipControls", "s3:CreateBucket", "s3:PutBucketOwnershipControls"),
        ("DELETE", "/bucket?ownershipControls", "s3:DeleteBucket", "s3:PutBucketOwnershipControls"),
        ("PUT", "/bucket?encryption", "s3:CreateBucket", "s3:PutEncryptionConfiguration"),
        ("DELETE", "/bucket?encryption", "s3:DeleteBucket", "s3:PutEncryptionConfiguration"),
        ("PUT", "/bucket?publicAccessBlock", "s3:CreateBucket", "s3:PutBucketPublicAccessBlock"),
        # Left as moto names them: the listing itself, the policy, the bucket, and objects.
        ("GET", "/bucket?list-type=2&prefix=a", "s3:ListBucket", "s3:ListBucket"),
        ("GET", "/bucket?policy", "s3:GetBucketPolicy", "s3:GetBucketPolicy"),
        ("PUT", "/bucket?policy", "s3:PutBucketPolicy", "s3:PutBucketPolicy"),
        ("PUT", "/bucket", "s3:CreateBucket", "s3:CreateBucket"),
        ("DELETE", "/bucket", "s3:DeleteBucket", "s3:DeleteBucket"),
        ("PUT", "/bucket/key", "s3:PutObject", "s3:PutObject"),
    ],
)
def test_an_s3_request_is_authorized_as_aws_names_its_action(
    method: str, path: str, moto_action: str, action: str
) -> None:
    assert aws_action(method, path, moto_action) == action
