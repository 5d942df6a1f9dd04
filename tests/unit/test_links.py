"""The console links' URLs, from the fields the operators persist (no AWS call, no Airflow database)."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.amazon.aws.links.base_aws import BaseAwsLink

from airflow_provider_emrfs_xacct.get_provider_info import get_provider_info
from airflow_provider_emrfs_xacct.links.console import (
    ALL_LINKS,
    DestinationPrefixLink,
    DestinationRoleLink,
    EmrEc2RoleLink,
    KmsKeyLink,
    SecurityConfigurationLink,
    persist_links,
)
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from devstack.testing import RecordingTaskInstance

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def fields(partition: str = "aws", region: str = "eu-west-1", **kwargs: Any) -> dict[str, Any]:
    return {"region_name": region, "aws_domain": BaseAwsLink.get_aws_domain(partition), **kwargs}


@pytest.mark.parametrize(
    ("link", "values", "url"),
    [
        (
            DestinationRoleLink(),
            fields(role_name="emrfs-acme-writer"),
            "https://console.aws.amazon.com/iam/home#/roles/details/emrfs-acme-writer",
        ),
        (
            EmrEc2RoleLink(),
            fields(role_name="EMR_EC2_DefaultRole"),
            "https://console.aws.amazon.com/iam/home#/roles/details/EMR_EC2_DefaultRole",
        ),
        (
            KmsKeyLink(),
            fields(key_id=KEY_ID),
            f"https://console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys/{KEY_ID}",
        ),
        (
            SecurityConfigurationLink(),
            fields(security_configuration="emrfs-xacct-acme-0123456789ab"),
            "https://console.aws.amazon.com/emr/home?region=eu-west-1#/securityConfigs",
        ),
        (
            DestinationPrefixLink(),
            fields(bucket="partner-results", prefix="acme/out/"),
            "https://console.aws.amazon.com/s3/buckets/partner-results?region=eu-west-1&prefix=acme/out/&showversions=false",
        ),
        # Other partitions have their own console domain (as in the Amazon provider's links).
        (
            DestinationRoleLink(),
            fields("aws-cn", "cn-north-1", role_name="w"),
            "https://console.amazonaws.cn/iam/home#/roles/details/w",
        ),
        (
            KmsKeyLink(),
            fields("aws-us-gov", "us-gov-west-1", key_id=KEY_ID),
            f"https://console.amazonaws-us-gov.com/kms/home?region=us-gov-west-1#/kms/keys/{KEY_ID}",
        ),
        # Characters that would break the URL are escaped; "/" in a prefix is kept.
        (
            DestinationPrefixLink(),
            fields(bucket="b", prefix="a b/c&d=e#f/"),
            "https://console.aws.amazon.com/s3/buckets/b?region=eu-west-1&prefix=a%20b/c%26d%3De%23f/&showversions=false",
        ),
    ],
)
def test_link_urls(link: BaseAwsLink, values: dict[str, Any], url: str) -> None:
    assert link.format_link(**values) == url


@pytest.mark.parametrize(
    ("link", "values"),
    [
        (DestinationRoleLink(), fields()),  # nothing persisted for it
        (DestinationRoleLink(), fields(role_name="")),
        (KmsKeyLink(), fields(key_id=None)),
        (SecurityConfigurationLink(), fields()),
        (DestinationPrefixLink(), fields(bucket="b")),
        (DestinationRoleLink(), fields("aws-iso-x", role_name="w")),  # a partition without a console domain
    ],
)
def test_no_link_without_its_fields(link: BaseAwsLink, values: dict[str, Any]) -> None:
    assert link.format_link(**values) == ""


class _Hook:
    conn_partition = "aws"
    conn_region_name = "eu-west-1"


class _Operator:
    do_xcom_push = True
    hook = _Hook()


def test_persist_links_stores_the_fields_each_link_reads() -> None:
    ti = RecordingTaskInstance()
    persist_links(
        {"ti": ti},  # type: ignore[typeddict-item]
        _Operator(),  # type: ignore[arg-type]
        role_name="emrfs-acme-writer",
        location=S3Location("partner-results", "acme/out/"),
        key_arn=f"arn:aws:kms:us-west-2:222222222222:key/{KEY_ID}",
        security_configuration="emrfs-xacct-acme-0123456789ab",
        emr_ec2_role_name="EMR_EC2_DefaultRole",
    )
    urls = {link.name: link().format_link(**ti.xcoms[link.key]) for link in ALL_LINKS}
    assert urls == {
        "IAM Destination Role": "https://console.aws.amazon.com/iam/home#/roles/details/emrfs-acme-writer",
        # The key's own region, from its ARN, not the connection's.
        "KMS Key": f"https://console.aws.amazon.com/kms/home?region=us-west-2#/kms/keys/{KEY_ID}",
        "EMR Security Configurations": "https://console.aws.amazon.com/emr/home?region=eu-west-1#/securityConfigs",
        "S3 Destination Prefix": "https://console.aws.amazon.com/s3/buckets/partner-results?region=eu-west-1"
        "&prefix=acme/out/&showversions=false",
        # The assume grant's role, in the EMR account (the console opens in the account signed in to).
        "IAM EMR EC2 Role": "https://console.aws.amazon.com/iam/home#/roles/details/EMR_EC2_DefaultRole",
    }


def test_persist_links_stores_nothing_without_xcom_push() -> None:
    ti = RecordingTaskInstance()
    operator = _Operator()
    operator.do_xcom_push = False
    persist_links({"ti": ti}, operator, role_name="r")  # type: ignore[typeddict-item, arg-type]
    assert ti.xcoms == {}


def test_links_are_distinct_and_listed_in_the_provider_metadata() -> None:
    assert len({link.key for link in ALL_LINKS}) == len({link.name for link in ALL_LINKS}) == len(ALL_LINKS)
    listed = get_provider_info()["extra-links"]
    assert listed == [f"{link.__module__}.{link.__qualname__}" for link in ALL_LINKS]
