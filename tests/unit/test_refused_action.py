"""A refused read names the IAM action to grant: the refused call's own where actions are named as operations."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.verify import refused_action


def refused(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, operation)


@pytest.mark.parametrize(
    ("action", "operation", "named"),
    [
        # EC2's and IAM's actions are their operations (Service Authorization Reference, "Actions, resources, and
        # condition keys for Amazon EC2", "... for AWS Identity and Access Management"): the refused call's own.
        ("ec2:DescribeSubnets", "DescribeVpcEndpoints", "ec2:DescribeVpcEndpoints"),
        ("ec2:DescribeSubnets", "DescribeSubnets", "ec2:DescribeSubnets"),
        ("iam:GetRole", "ListRoleTags", "iam:ListRoleTags"),
        # A read of several calls is labelled with all their actions: the refused one alone is the one to grant
        # (the label itself is no IAM action).
        (
            "iam:ListRolePolicies/GetRolePolicy/ListAttachedRolePolicies/GetPolicyVersion",
            "GetRolePolicy",
            "iam:GetRolePolicy",
        ),
        ("iam:ListRolePolicies/GetRolePolicy/ListAttachedRolePolicies/GetPolicyVersion", "GetPolicy", "iam:GetPolicy"),
        # S3's are not: HeadBucket needs s3:ListBucket (S3 API Reference, "HeadBucket"), GetBucketEncryption
        # s3:GetEncryptionConfiguration (S3 API Reference, "GetBucketEncryption"). The read's own action stays.
        ("s3:ListBucket", "HeadBucket", "s3:ListBucket"),
        ("s3:GetEncryptionConfiguration", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    ],
)
def test_the_refused_action_is_the_refused_calls_only_where_actions_are_operations(
    action: str, operation: str, named: str
) -> None:
    assert refused_action(action, refused(operation)) == named
