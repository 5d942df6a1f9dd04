"""
The stand-in refuses, as S3 does, to switch a bucket to ``BucketOwnerEnforced`` while its ACL grants others.

This is the judge of ``devstack/aws_object_ownership.py`` (Amazon S3 User Guide, Object Ownership
"Troubleshooting", ``InvalidBucketAclWithObjectOwnership``: "your bucket ACL must give full control only to
the bucket owner ... if your PutBucketOwnershipControls request sets Bucket owner enforced for a bucket that
has a bucket ACL that grants access to others, the request fails"; HTTP 400). moto alone switches it. Both
sides are tried: once the ACL is private, the switch is made.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client

ENFORCED = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


@pytest.mark.parametrize("acl", ["public-read", "authenticated-read", "log-delivery-write"])
def test_the_switch_is_refused_while_the_acl_grants_others_and_made_once_it_is_private(aws: Seeded, acl: str) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.put_bucket_acl(Bucket=aws.bucket, ACL=acl)

    with pytest.raises(ClientError) as refused:
        s3.put_bucket_ownership_controls(Bucket=aws.bucket, OwnershipControls=ENFORCED)

    assert refused.value.response["Error"]["Code"] == "InvalidBucketAclWithObjectOwnership"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    rules = s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "ObjectWriter"}]  # nothing changed

    s3.put_bucket_acl(Bucket=aws.bucket, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=aws.bucket, OwnershipControls=ENFORCED)
    rules = s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_other_settings_are_not_judged(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_acl(Bucket=aws.bucket, ACL="public-read")

    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )

    rules = s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]
