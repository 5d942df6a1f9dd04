"""The codes with which AWS refuses the credentials themselves: the command line's exit 6, a verifier read raised."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.errors import credentials_problem, says_nothing_of_the_read


def answered(code: str, operation: str = "HeadObject") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, operation)


@pytest.mark.parametrize(
    "code",
    [
        # Amazon S3 API Reference, "Error responses", "List of error codes".
        "InvalidAccessKeyId",
        "InvalidToken",
        "TokenRefreshRequired",
        "ExpiredToken",
        # Amazon EC2 API Reference, "Common Error Types"; "Common Errors" of the API references.
        "ExpiredTokenException",
        "RequestExpired",
    ],
)
def test_the_documented_credentials_codes_are_credentials_problems(code: str) -> None:
    assert credentials_problem(answered(code))
    assert says_nothing_of_the_read(answered(code))


def test_ec2_s_auth_failure_is_not_taken_for_bad_credentials() -> None:
    """Amazon EC2 API Reference, "Error codes": AuthFailure also answers a request the caller may not make."""
    assert not credentials_problem(answered("AuthFailure", "DescribeNatGateways"))


def test_s3_s_slow_down_says_nothing_of_the_read() -> None:
    assert says_nothing_of_the_read(answered("SlowDown", "GetBucketEncryption"))
    assert not says_nothing_of_the_read(answered("AccessDenied", "GetBucketEncryption"))
