"""
The stand-in's probe step on EMRFS's own KMS call of client-side encryption (CSE-KMS) from a private subnet.

"The Amazon S3 encryption and decryption takes place in the EMRFS client on your cluster" (Amazon EMR Release Guide,
"Amazon S3 client-side encryption"): the node calls ``kms.REGION.amazonaws.com`` itself. Without a route to the
internet that name is reached only through a KMS interface endpoint with private DNS ("the standard AWS KMS DNS
hostname resolves to your VPC endpoint": AWS KMS Developer Guide, "Create a VPC endpoint for AWS KMS"), and there "A
VPC endpoint policy must give the principal permission to use the endpoint to make the request" (AWS KMS Developer
Guide, "Connect to an AWS KMS VPC endpoint"). The stand-in completed the probe step in both cases
(``devstack/aws_network.py`` ``kms_unreachable``, ``devstack/emrfs_writer.py`` ``_Writer.client_side_data_key``).
SSE-KMS's calls go from S3, not through the VPC: the same subnet passes a write without CSE.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.verify import probe_step
from devstack.aws_network import CANNOT_TELL, kms_unreachable
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, REGION, Seeded, client
from devstack.testing import launch_cluster
from tests.integration.test_network_facts import (
    add_s3_gateway_endpoint,
    add_sts_interface_endpoint,
    allow_https,
    endpoint_security_group,
    private_subnet,
    public_subnet,
)
from tests.integration.test_stand_in_cse_and_quota_order import (
    ADMIN,
    configuration,
    encrypt_for_role,
    key_with,
    prefix,
)

#: A KMS endpoint policy refusing every KMS action, and one allowing them.
DENY_KMS = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}
ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}


def private_network(aws: Seeded, network: str) -> tuple[Any, str, str]:
    """
    Scenario A: a subnet with no route out, an S3 gateway endpoint on its route table and an STS interface endpoint
    with private DNS (the VPC's DNS attributes on): S3 and STS are reached, KMS is not. The EC2 client, VPC and subnet.
    """
    ec2 = client(aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, network)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    return ec2, vpc, subnet


def add_kms_interface_endpoint(ec2: Any, vpc: str, subnet: str, policy: dict[str, Any]) -> str:
    """A KMS interface endpoint of the Region with private DNS, HTTPS in from the VPC and ``policy``; its id."""
    group = endpoint_security_group(ec2, vpc, "kms-endpoint")
    allow_https(ec2, group, CidrIp=ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"])
    return str(
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.kms",
            VpcEndpointType="Interface",
            SubnetIds=[subnet],
            SecurityGroupIds=[group],
            PrivateDnsEnabled=True,
            PolicyDocument=json.dumps(policy),
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def run_probe(aws: Seeded, security_configuration: str, subnet: str) -> dict[str, Any]:
    """Launch a cluster in ``subnet`` and run the verifier's probe step on it; the step's status."""
    cluster_id = launch_cluster(aws, security_configuration, instances={"Ec2SubnetId": subnet})
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    [step_id] = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[probe_step(f"{prefix(aws)}probe")])["StepIds"]
    return dict(emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"])


def cse_kms(aws: Seeded) -> tuple[str, str]:
    """A key the partner's role may ask data keys of, and a security configuration with at-rest CSE-KMS on it."""
    key = key_with(aws, encrypt_for_role())
    return key, configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key})


def test_a_cse_kms_probe_from_a_subnet_without_a_way_to_kms_fails(aws: Seeded) -> None:
    """Scenario A: no internet route, no KMS endpoint: EMRFS's GenerateDataKey gets no answer (it completed)."""
    _, _, subnet = private_network(aws, "10.61")
    key, name = cse_kms(aws)

    status = run_probe(aws, name, subnet)

    assert status["State"] == "FAILED", status
    message = status["FailureDetails"]["Message"]
    assert "GenerateDataKey" in message
    assert key in message
    assert f"kms.{REGION}.amazonaws.com" in message
    assert "no route to the internet" in message


def test_a_kms_endpoint_whose_policy_denies_kms_fails_the_cse_kms_probe(aws: Seeded) -> None:
    """Scenario B: A plus a KMS interface endpoint (private DNS, HTTPS in) whose policy denies ``kms:*`` (it completed)."""
    ec2, vpc, subnet = private_network(aws, "10.62")
    endpoint = add_kms_interface_endpoint(ec2, vpc, subnet, DENY_KMS)
    key, name = cse_kms(aws)

    status = run_probe(aws, name, subnet)

    assert status["State"] == "FAILED", status
    message = status["FailureDetails"]["Message"]
    assert "GenerateDataKey" in message
    assert f"VPC endpoint policy of {endpoint} denies kms:GenerateDataKey on {key}" in message


def test_a_kms_endpoint_that_allows_lets_the_cse_kms_probe_complete(aws: Seeded) -> None:
    """Scenario C: A plus a KMS interface endpoint (private DNS, HTTPS in) whose policy allows: the probe completes."""
    ec2, vpc, subnet = private_network(aws, "10.63")
    add_kms_interface_endpoint(ec2, vpc, subnet, ALLOW_ALL)
    _, name = cse_kms(aws)

    status = run_probe(aws, name, subnet)

    assert status["State"] == "COMPLETED", status


def test_without_cse_the_same_subnet_passes_sse_kms(aws: Seeded) -> None:
    """
    Scenario A without CSE: the bucket's default SSE-KMS key is called by S3, not from the cluster's subnet (AWS KMS
    Developer Guide, "kms:ViaService"), so the missing way to KMS does not matter: the probe completes.
    """
    _, _, subnet = private_network(aws, "10.64")
    key_with(aws, encrypt_for_role())
    name = configuration(aws, None)

    status = run_probe(aws, name, subnet)

    assert status["State"] == "COMPLETED", status


@pytest.mark.parametrize("dns_hostnames", [True, False], ids=["private-dns-answers", "dns-hostnames-off"])
def test_a_kms_endpoint_answers_the_cluster_s_region_s_name(aws: Seeded, dns_hostnames: bool) -> None:
    """
    The KMS endpoint of the cluster's Region takes ``kms.REGION.amazonaws.com`` while the VPC's DNS support and
    hostnames are on (Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``): EMRFS's call, to KMS of the
    cluster's Region, reaches it only then.
    """
    ec2, vpc, subnet = private_network(aws, "10.65")
    add_kms_interface_endpoint(ec2, vpc, subnet, ALLOW_ALL)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": dns_hostnames})

    verdict = kms_unreachable(EMR_ACCOUNT, REGION, subnet)

    assert (verdict is None) is dns_hostnames, verdict
    if verdict is not None:
        assert not verdict.startswith(CANNOT_TELL)
        assert f"kms.{REGION}.amazonaws.com" in verdict


#: A Region other than the cluster's (:data:`REGION`).
ELSEWHERE = "us-west-2"


def nat_network(aws: Seeded, network: str) -> tuple[Any, str, str]:
    """
    Scenario N: a subnet whose default route goes to a public NAT gateway, itself routed to an internet gateway: S3,
    STS and KMS are reached over the internet, no VPC endpoint on the way. The EC2 client, VPC and subnet.
    """
    ec2 = client(aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, network)
    public = public_subnet(ec2, vpc, f"{network}.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return ec2, vpc, subnet


def key_elsewhere(aws: Seeded) -> str:
    """A key of :data:`ELSEWHERE` in the destination account letting the partner's role ask data keys; its ARN."""
    key_with(aws, encrypt_for_role())  # the partner's chain, provisioned first
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms", region=ELSEWHERE)
    policy = {"Version": "2012-10-17", "Statement": [ADMIN, encrypt_for_role()]}
    return str(kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"])


def with_the_key(aws: Seeded, name: str, key: str) -> str:
    """
    A copy of security configuration ``name`` whose at-rest S3 encryption names ``key``, created through EMR's API (the
    provider refuses a key of another Region than the cluster's); its name.
    """
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    document = json.loads(emr.describe_security_configuration(Name=name)["SecurityConfiguration"])
    at_rest = document["EncryptionConfiguration"]["AtRestEncryptionConfiguration"]
    at_rest["S3EncryptionConfiguration"]["AwsKmsKey"] = key
    emr.create_security_configuration(Name=f"{name}-elsewhere", SecurityConfiguration=json.dumps(document))
    return f"{name}-elsewhere"


def test_a_key_of_another_region_leaves_the_cse_kms_probe_unknown(aws: Seeded) -> None:
    """
    "The AWS KMS encryption key must be created in the same Region as your Amazon EMR cluster instance and the Amazon S3
    buckets used with EMRFS" (Amazon EMR Management Guide, "Create keys and certificates for data encryption with
    Amazon EMR"); which Region EMRFS's client calls for a key ARN of another Region is not documented. From a subnet
    that reaches every Region's KMS over the internet the probe step completed (the call was sent to the key's Region):
    now the stand-in cannot tell, and the step fails saying so.
    """
    _, _, subnet = nat_network(aws, "10.66")
    key = key_elsewhere(aws)
    name = with_the_key(aws, cse_kms(aws)[1], key)

    status = run_probe(aws, name, subnet)

    assert status["State"] == "FAILED", status
    message = status["FailureDetails"]["Message"]
    assert "the stand-in cannot tell" in message
    assert f"key {key} of {ELSEWHERE}" in message
    assert f"another Region than the cluster's ({REGION})" in message


def deny_data_keys(**condition: Any) -> dict[str, Any]:
    """A key policy statement denying data keys to everyone under ``condition``."""
    return {
        "Sid": "DenyWhere",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:GenerateDataKey",
        "Resource": "*",
        "Condition": condition,
    }


def test_through_the_kms_endpoint_a_source_ip_condition_does_not_apply(aws: Seeded) -> None:
    """
    "the aws:sourceIP condition key is not effective when the request comes from an Amazon VPC endpoint" (AWS KMS
    Developer Guide, "Use VPC endpoints to control access to AWS KMS resources"; IAM User Guide, "AWS global condition
    context keys": included "except when the requester uses a VPC endpoint"): a key policy's Deny from every public
    address does not apply to EMRFS's call through the KMS endpoint, and the probe completes (the key was not known,
    the step failed as unknown).
    """
    ec2, vpc, subnet = private_network(aws, "10.67")
    add_kms_interface_endpoint(ec2, vpc, subnet, ALLOW_ALL)
    key = key_with(aws, encrypt_for_role(), deny_data_keys(IpAddress={"aws:SourceIp": "0.0.0.0/0"}))
    name = configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key})

    status = run_probe(aws, name, subnet)

    assert status["State"] == "COMPLETED", status


def test_over_the_internet_the_vpc_keys_are_absent_and_the_source_ip_present(aws: Seeded) -> None:
    """
    Over a NAT gateway, no endpoint taken, EMRFS's KMS call carries ``aws:SourceIp`` and no ``aws:SourceVpc`` (present
    "only if the requester uses a VPC endpoint": IAM User Guide, "AWS global condition context keys"): a key policy's
    Deny on any ``aws:SourceVpc`` does not apply (the probe completes), one from every public address does (it fails at
    GenerateDataKey). Both were unknown.
    """
    _, _, subnet = nat_network(aws, "10.68")
    key = key_with(aws, encrypt_for_role(), deny_data_keys(StringLike={"aws:SourceVpc": "*"}))
    status = run_probe(aws, configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key}), subnet)
    assert status["State"] == "COMPLETED", status

    key = key_with(aws, encrypt_for_role(), deny_data_keys(IpAddress={"aws:SourceIp": "0.0.0.0/0"}))
    status = run_probe(aws, configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key}), subnet)
    assert status["State"] == "FAILED", status
    message = status["FailureDetails"]["Message"]
    assert f"GenerateDataKey {key}" in message
    assert "cannot tell" not in message


def test_a_kms_endpoint_s_deny_does_not_refuse_sse_kms(aws: Seeded) -> None:
    """
    Scenario B without CSE: the KMS endpoint on the subnet's way denies ``kms:*``, but the bucket's default SSE-KMS key
    is called by S3, not through the VPC (AWS KMS Developer Guide, "kms:ViaService"): the probe completes.
    """
    ec2, vpc, subnet = private_network(aws, "10.69")
    add_kms_interface_endpoint(ec2, vpc, subnet, DENY_KMS)
    key_with(aws, encrypt_for_role())
    name = configuration(aws, None)

    status = run_probe(aws, name, subnet)

    assert status["State"] == "COMPLETED", status
