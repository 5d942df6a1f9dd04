"""
The EMRFS-like writer (``devstack/emrfs_writer.py``) on the keys of the instance profile's credentials and of the KMS
key's properties, end to end on the moto server (the judge's own cases: ``tests/unit/test_aws_judge_request_keys.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from devstack.testing import launch_cluster
from tests.integration.test_network_facts import private_subnet
from tests.integration.test_stand_in_request_context import ROLE_NAME, attach_deny, chain, put, refused, unknown


def cluster_in_a_subnet(aws: Seeded, configuration: str, network: str) -> tuple[str, str]:
    """A cluster launched in a new VPC's subnet; its id and the VPC's."""
    vpc, subnet = private_subnet(client(aws.url, EMR_ACCOUNT, "ec2"), network)
    return launch_cluster(aws, configuration, instances={"Ec2SubnetId": subnet}), vpc


def outside_its_vpc(vpc: str) -> dict[str, Any]:
    """
    IAM User Guide, "AWS global condition context keys", ``aws:Ec2InstanceSourceVpc``: a Deny of EC2 role credentials
    used outside a VPC (the page's example compares it with ``aws:SourceVpc``; here with the VPC itself).
    """
    return {"Null": {"ec2:SourceInstanceARN": "false"}, "StringNotEquals": {"aws:Ec2InstanceSourceVpc": vpc}}


@pytest.mark.parametrize("named", ["the cluster's VPC", "another VPC"])
def test_a_vpc_guard_on_the_instance_roles_credentials_is_judged_on_the_clusters_vpc(aws: Seeded, named: str) -> None:
    """
    ``aws:Ec2InstanceSourceVpc`` and ``ec2:SourceInstanceArn`` are in the request context "whenever the requester is
    signing requests with an Amazon EC2 role credential" (same page): EMRFS's AssumeRole, signed with the instance
    profile's credentials, carries the VPC of the cluster's subnet. A guard naming another VPC refuses it; one naming the
    cluster's lets it by. The judge carried neither key: the guard never applied.
    """
    configuration = chain(aws)
    cluster_id, vpc = cluster_in_a_subnet(aws, configuration, "10.71")
    attach_deny(aws, EMR_ACCOUNT, EMR_EC2_ROLE, "*", outside_its_vpc(vpc if named == "the cluster's VPC" else "vpc-x"))

    written = put(aws, configuration, cluster_id=cluster_id)

    if named == "the cluster's VPC":
        assert written.success, written.summary()
    else:
        record = refused(written)
        assert record.operation == "AssumeRole", written.summary()


def test_the_vpc_of_a_cluster_without_a_subnet_is_not_known(aws: Seeded) -> None:
    """EMR "chooses the subnet for you" (Amazon EMR API Reference, Ec2InstanceAttributes): the guard's outcome is unknown."""
    configuration = chain(aws)
    cluster_id = launch_cluster(aws, configuration)
    attach_deny(aws, EMR_ACCOUNT, EMR_EC2_ROLE, "*", outside_its_vpc("vpc-x"))

    assert "aws:Ec2InstanceSourceVpc" in unknown(put(aws, configuration, cluster_id=cluster_id))


@pytest.mark.parametrize(
    ("account", "role", "written"), [(EMR_ACCOUNT, EMR_EC2_ROLE, True), (DESTINATION_ACCOUNT, ROLE_NAME, False)]
)
def test_only_the_instance_profiles_own_credentials_carry_the_instance_arn(
    aws: Seeded, account: str, role: str, written: bool
) -> None:
    """
    A Deny of any request without ``ec2:SourceInstanceArn`` ("whenever the role session is created by an Amazon EC2
    instance", same page): on the instance role it spares EMRFS's AssumeRole, signed with the instance profile's
    credentials (the judge refused it); on the destination role it refuses the write, signed with the session EMRFS
    assumed, which carries none.
    """
    configuration = chain(aws)
    cluster_id, _ = cluster_in_a_subnet(aws, configuration, "10.72")
    attach_deny(aws, account, role, "*", {"Null": {"ec2:SourceInstanceARN": "true"}})

    result = put(aws, configuration, cluster_id=cluster_id)

    if written:
        assert result.success, result.summary()
    else:
        record = refused(result)
        assert record.role_arn.endswith(f"role/{ROLE_NAME}"), result.summary()


@pytest.mark.parametrize(
    ("condition", "written"),
    [
        ({"StringNotEquals": {"kms:KeyOrigin": "AWS_KMS"}}, True),
        ({"StringNotEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}, True),
        ({"Bool": {"kms:MultiRegion": "false"}}, False),
        ({"StringEquals": {"kms:KeyUsage": "ENCRYPT_DECRYPT"}}, False),
    ],
)
def test_s3s_kms_call_carries_the_partner_keys_properties(
    aws: Seeded, condition: dict[str, Any], written: bool
) -> None:
    """
    AWS KMS Developer Guide, "AWS KMS condition keys": the key-property keys control the operations that use a KMS key
    "based on" its property, and work "even when the parameter doesn't appear in the request". The partner's key is a
    single-Region symmetric encryption key of key material from KMS (its ``DescribeKey``): a Deny of other origins or
    specs lets S3's ``kms:GenerateDataKey`` by (the judge refused it, the keys absent), a Deny of single-Region keys or
    of encryption keys refuses it (the judge let it by).
    """
    configuration = chain(aws)
    attach_deny(aws, DESTINATION_ACCOUNT, ROLE_NAME, "kms:*", condition)

    result = put(aws, configuration)

    if written:
        assert result.success, result.summary()
    else:
        record = refused(result)
        assert "kms:GenerateDataKey" in record.reason, result.summary()
