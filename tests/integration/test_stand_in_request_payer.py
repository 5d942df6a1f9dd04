"""
The stand-in keeps a bucket's request-payment setting and refuses, as S3 does, a request of another account on a
Requester Pays bucket that does not carry ``x-amz-request-payer: requester`` (moto alone stores no such setting).

This is the judge of ``devstack/aws_request_payer.py`` (S3 User Guide, "Downloading objects from Requester Pays
buckets": without the header "Amazon S3 returns a 403 error"; "Bucket owners do not need to add
x-amz-request-payer to their requests"; "Configuring Requester Pays on a bucket": only the bucket owner sets it).
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client
from tests.integration.test_stand_in_bucket_owner import status_of


def requester_pays(aws: Seeded) -> None:
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_request_payment(
        Bucket=aws.bucket, RequestPaymentConfiguration={"Payer": "Requester"}
    )


def test_the_setting_is_kept_and_only_the_owner_sets_it(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    assert s3.get_bucket_request_payment(Bucket=aws.bucket)["Payer"] == "BucketOwner"  # the default
    status = status_of(
        client(aws.url, EMR_ACCOUNT, "s3").put_bucket_request_payment,
        Bucket=aws.bucket,
        RequestPaymentConfiguration={"Payer": "Requester"},
    )
    assert status == (403, "AccessDenied")
    assert s3.get_bucket_request_payment(Bucket=aws.bucket)["Payer"] == "BucketOwner"

    requester_pays(aws)

    assert s3.get_bucket_request_payment(Bucket=aws.bucket)["Payer"] == "Requester"


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("head_bucket", {}),
        ("list_objects_v2", {"Prefix": "exports/"}),
        ("put_object", {"Key": "exports/x", "Body": b"x"}),
        ("head_object", {"Key": "seeded"}),
        ("delete_object", {"Key": "seeded"}),
        ("list_multipart_uploads", {"Prefix": "exports/"}),
    ],
)
def test_another_account_needs_the_header_and_the_owner_does_not(
    aws: Seeded, operation: str, params: dict[str, Any]
) -> None:
    owner = client(aws.url, DESTINATION_ACCOUNT, "s3")
    owner.put_object(Bucket=aws.bucket, Key="seeded", Body=b"kept")
    other = getattr(client(aws.url, EMR_ACCOUNT, "s3"), operation)
    assert status_of(other, Bucket=aws.bucket, **params)[0] in (200, 204)  # not Requester Pays yet
    owner.put_object(Bucket=aws.bucket, Key="seeded", Body=b"kept")
    owner.delete_object(Bucket=aws.bucket, Key="exports/x")
    requester_pays(aws)

    status, code = status_of(other, Bucket=aws.bucket, **params)

    assert status == 403
    assert code in ("AccessDenied", "403")  # a HEAD answer has no body: botocore names it by its status
    assert owner.get_object(Bucket=aws.bucket, Key="seeded")["Body"].read() == b"kept"  # nothing deleted
    assert owner.list_objects_v2(Bucket=aws.bucket, Prefix="exports/").get("KeyCount") == 0  # nothing written
    assert status_of(getattr(owner, operation), Bucket=aws.bucket, **params)[0] in (200, 204)
    owner.put_object(Bucket=aws.bucket, Key="seeded", Body=b"kept")
    header = {} if operation == "head_bucket" else {"RequestPayer": "requester"}  # HeadBucket has no such field
    if header:
        assert status_of(other, Bucket=aws.bucket, **params, **header)[0] in (200, 204)
