"""read_subnet_facts against moto's EC2: routes, the main route table, the STS interface endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.network import read_subnet_facts
from airflow_provider_emrfs_xacct.pure.network import sts_endpoint_check
from devstack.moto_stack import EMR_ACCOUNT, REGION, client
from devstack.testing import CallRecorder


@pytest.fixture
def ec2(moto_url: str) -> Any:
    return client(moto_url, EMR_ACCOUNT, "ec2")


def private_subnet(ec2: Any, network: str = "10.0") -> tuple[str, str]:
    """A new VPC (``<network>.0.0/16``) and a subnet in it with no route out; return their ids."""
    vpc = ec2.create_vpc(CidrBlock=f"{network}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{network}.1.0/24")["Subnet"]["SubnetId"]
    return vpc, subnet


def add_sts_interface_endpoint(ec2: Any, vpc: str, subnet: str) -> None:
    """An STS interface endpoint with private DNS in the subnet (the Regional STS endpoint resolves to it)."""
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.sts",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        PrivateDnsEnabled=True,
    )


def test_private_subnet_has_no_way_to_sts(ec2: Any) -> None:
    _, subnet = private_subnet(ec2)
    recorder = CallRecorder().attach(ec2)
    facts = read_subnet_facts(ec2, subnet)
    assert not facts.internet
    assert not facts.sts_interface_endpoint
    assert facts.region == REGION
    assert sts_endpoint_check("emr-6.15.0", facts).status == "FAIL"
    assert recorder.mutating == []


def test_sts_interface_endpoint_with_private_dns(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    facts = read_subnet_facts(ec2, subnet)
    assert facts.sts_interface_endpoint
    assert sts_endpoint_check("emr-6.15.0", facts).status == "PASS"
    assert sts_endpoint_check("emr-5.30.0", facts).status == "FAIL"  # global endpoint


def test_an_endpoint_for_another_service_does_not_count(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Interface", SubnetIds=[subnet]
    )
    assert not read_subnet_facts(ec2, subnet).sts_interface_endpoint


def test_nat_route_in_the_subnets_own_table(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    facts = read_subnet_facts(ec2, subnet)
    assert facts.nat_route
    assert sts_endpoint_check("emr-5.30.0", facts).status == "PASS"


def test_internet_gateway_in_the_main_table_needs_public_ips(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    facts = read_subnet_facts(ec2, subnet)
    assert facts.internet_gateway_route
    assert not facts.public_ip_on_launch
    assert sts_endpoint_check("emr-6.15.0", facts).status == "FAIL"
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == "PASS"
