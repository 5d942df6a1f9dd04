"""
Inside ``devstack.aws_pages.short_pages(1)`` each list the stand-in cuts answers one item a page with its token.

docs/stand_in.md: "all eleven answer one item a page with their token". The provider's tests under
``short_pages`` pass whether or not a list is cut (a single call then sees everything), so each cut is tried
here on its own: one item and a token on the first page, every item through the paginator, and whole pages
again outside the block. ``ListRolePolicies`` (``test_iam_pages.py``), the EMR lists (``test_emr_pages.py``) and
``DescribeVpcEndpoints`` (``test_network_facts.py``) are tried where the provider uses them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.aws_pages import short_pages
from devstack.moto_stack import EMR_ACCOUNT, Seeded, client

DOCUMENT = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


def iam_lists(aws: Seeded) -> dict[str, tuple[str, dict[str, Any], str, str]]:
    """Two or more items in each IAM list: (operation, its arguments, the answer's list, the token)."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    roles = [iam.create_role(RoleName=f"paged-{index}", AssumeRolePolicyDocument=TRUST)["Role"] for index in (1, 2)]
    arns = [
        iam.create_policy(PolicyName=f"paged-{index}", PolicyDocument=DOCUMENT)["Policy"]["Arn"] for index in (1, 2)
    ]
    for arn in arns:
        iam.attach_role_policy(RoleName="paged-1", PolicyArn=arn)
    iam.attach_role_policy(RoleName="paged-2", PolicyArn=arns[0])
    iam.create_policy_version(PolicyArn=arns[0], PolicyDocument=DOCUMENT)
    iam.tag_role(RoleName="paged-1", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_policy(PolicyArn=arns[0], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    assert len(roles) == 2
    return {
        "list_attached_role_policies": (
            "list_attached_role_policies",
            {"RoleName": "paged-1"},
            "AttachedPolicies",
            "Marker",
        ),
        "list_policy_versions": ("list_policy_versions", {"PolicyArn": arns[0]}, "Versions", "Marker"),
        "list_role_tags": ("list_role_tags", {"RoleName": "paged-1"}, "Tags", "Marker"),
        "list_policy_tags": ("list_policy_tags", {"PolicyArn": arns[0]}, "Tags", "Marker"),
        "list_policies": ("list_policies", {"Scope": "Local"}, "Policies", "Marker"),
        "list_entities_for_policy": ("list_entities_for_policy", {"PolicyArn": arns[0]}, "PolicyRoles", "Marker"),
    }


def pages_by_one(service: Any, operation: str, arguments: dict[str, Any], key: str, token: str) -> None:
    whole = getattr(service, operation)(**arguments)[key]
    assert len(whole) >= 2, (operation, whole)

    with short_pages(1):
        first = getattr(service, operation)(**arguments)
        paged = [item for page in service.get_paginator(operation).paginate(**arguments) for item in page[key]]

    assert len(first[key]) == 1, operation
    assert first.get(token), operation
    if token == "Marker":
        assert first["IsTruncated"] is True, operation
    assert paged == whole, operation
    assert getattr(service, operation)(**arguments)[key] == whole  # off again


@pytest.mark.parametrize(
    "operation",
    [
        "list_attached_role_policies",
        "list_policy_versions",
        "list_role_tags",
        "list_policy_tags",
        "list_policies",
        "list_entities_for_policy",
    ],
)
def test_each_iam_list_is_cut_to_one_item_a_page(aws: Seeded, operation: str) -> None:
    name, arguments, key, token = iam_lists(aws)[operation]
    pages_by_one(client(aws.url, EMR_ACCOUNT, "iam"), name, arguments, key, token)


def test_describe_route_tables_is_cut_to_one_table_a_page_with_a_filter(aws: Seeded) -> None:
    ec2 = client(aws.url, EMR_ACCOUNT, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_route_table(VpcId=vpc)  # beside the VPC's main table
    pages_by_one(
        ec2, "describe_route_tables", {"Filters": [{"Name": "vpc-id", "Values": [vpc]}]}, "RouteTables", "NextToken"
    )
