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
from devstack.moto_stack import EMR_ACCOUNT, REGION, Seeded, client
from devstack.testing import launch_cluster
from tests.integration.test_network_facts import (
    add_s3_gateway_endpoint,
    add_sts_interface_endpoint,
    allow_https,
    endpoint_security_group,
    private_subnet,
)
from tests.integration.test_stand_in_cse_and_quota_order import (
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
def test_a_kms_endpoint_answers_its_own_region_s_name_only(aws: Seeded, dns_hostnames: bool) -> None:
    """
    The KMS endpoint of the cluster's Region takes ``kms.REGION.amazonaws.com`` while the VPC's DNS support and
    hostnames are on (Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``); a key of another Region is
    called at that Region's name, which leaves the VPC: without a route out there is no way.
    """
    ec2, vpc, subnet = private_network(aws, "10.65")
    add_kms_interface_endpoint(ec2, vpc, subnet, ALLOW_ALL)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": dns_hostnames})

    here = kms_unreachable(EMR_ACCOUNT, REGION, subnet, REGION)
    elsewhere = kms_unreachable(EMR_ACCOUNT, REGION, subnet, "us-west-2")

    assert (here is None) is dns_hostnames, here
    assert elsewhere is not None
    assert not elsewhere.startswith(CANNOT_TELL)
    assert "kms.us-west-2.amazonaws.com" in elsewhere
