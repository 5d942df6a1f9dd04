"""
EnsureDestinationRoleOperator on real AWS endpoints (no ``endpoint_url``): its IAM client's Region is no Region.

IAM has one global endpoint per partition ("AWS Identity and Access Management endpoints and quotas",
https://docs.aws.amazon.com/general/latest/gr/iam-service.html): botocore resolves an IAM client of any Region to it
and names its Region after the partition (``aws-global``, ``aws-cn-global``, ``aws-us-gov-global``), while a KMS
client keeps the configured Region ("AWS Key Management Service endpoints and quotas": one endpoint per Region).
The stand-in's ``endpoint_url`` keeps the configured Region on every client, which hid it: here the connections
have none, and the calls (GetRole, GetCallerIdentity) go to ``moto.mock_aws`` in process, which leaves botocore's
endpoint resolution as on AWS. Building a client makes no call; the credentials are fake.
"""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.links.console import DestinationPrefixLink
from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.testing import run_operator

CONN_ID = "real_endpoints"
#: moto's default account: the one the connection acts in.
ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
#: (partition, the connection's Region, another Region of the partition, the IAM client's pseudo-Region).
PARTITIONS = [
    ("aws", "eu-west-1", "us-east-1", "aws-global"),
    ("aws-cn", "cn-north-1", "cn-northwest-1", "aws-cn-global"),
    ("aws-us-gov", "us-gov-west-1", "us-gov-east-1", "aws-us-gov-global"),
]


@pytest.fixture
def real_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """An Airflow connection with a Region and no ``endpoint_url``, and fake credentials."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


def connect(monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    extra = {"region_name": region}
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "aws", "extra": extra}))


def destination_role(partition: str, key_region: str) -> EnsureDestinationRoleOperator:
    return EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=CONN_ID,
        role_name="emrfs-acme-writer",
        trusted_role_arns=[f"arn:{partition}:iam::111111111111:role/EMR_EC2_DefaultRole"],
        s3_prefixes=["s3://partner-results/acme/"],
        checked_ahead={"key_user_key": f"arn:{partition}:kms:{key_region}:{ACCOUNT}:key/{KEY_ID}"},
        dry_run=True,
    )


@pytest.mark.parametrize(("partition", "region", "other", "pseudo"), PARTITIONS)
def test_a_key_of_the_connections_region_is_accepted(
    real_endpoints: None, monkeypatch: pytest.MonkeyPatch, partition: str, region: str, other: str, pseudo: str
) -> None:
    connect(monkeypatch, region)
    # The premise: the two clients of one connection name different Regions.
    assert EmrfsIamHook(aws_conn_id=CONN_ID).conn_region_name == pseudo
    assert EmrfsKmsHook(aws_conn_id=CONN_ID).conn_region_name == region
    with mock_aws():
        arn, _, _ = run_operator(destination_role(partition, region))
    assert arn == f"arn:{partition}:iam::{ACCOUNT}:role/emrfs-acme-writer"


@pytest.mark.parametrize(("partition", "region", "other", "pseudo"), PARTITIONS)
def test_the_prefix_link_names_the_connections_region(
    real_endpoints: None, monkeypatch: pytest.MonkeyPatch, partition: str, region: str, other: str, pseudo: str
) -> None:
    """The S3 console link (``?region=``, as the Amazon provider's S3 links) names the connection's Region."""
    connect(monkeypatch, region)
    operator = destination_role(partition, region)
    operator.checked_ahead = None
    with mock_aws():
        _, _, ti = run_operator(operator)
    assert ti.xcoms[DestinationPrefixLink.key]["region_name"] == region


@pytest.mark.parametrize(("partition", "region", "other", "pseudo"), PARTITIONS)
def test_a_key_of_another_region_is_refused_naming_the_connections_region(
    real_endpoints: None, monkeypatch: pytest.MonkeyPatch, partition: str, region: str, other: str, pseudo: str
) -> None:
    connect(monkeypatch, region)
    with mock_aws(), pytest.raises(InvalidParameterError) as refused:
        run_operator(destination_role(partition, other))
    # The key grant's words (GrantKmsKeyUserOperator's KMS client on this connection is in ``region``).
    assert str(refused.value) == (
        f"checked_ahead.key_user_key: is in region {other!r}, but connection {CONN_ID!r} acts in region {region!r}"
    )


def test_without_a_region_the_prefix_link_is_left_out(real_endpoints: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Region anywhere: IAM still works (its global endpoint), the S3 link has no Region to name and is not shown."""
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({"conn_type": "aws"}))
    operator = destination_role("aws", "eu-west-1")
    operator.checked_ahead = None
    with mock_aws():
        arn, _, ti = run_operator(operator)
    assert arn == f"arn:aws:iam::{ACCOUNT}:role/emrfs-acme-writer"
    assert DestinationPrefixLink.key not in ti.xcoms
