"""
The stand-in's network judge (``devstack/aws_network.py``) on layouts built over real botocore: routes read by the most
specific match, the way to STS, and an S3 interface endpoint whose private DNS takes S3's name.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.aws_network import CANNOT_TELL, endpoints_on_the_way, s3_unreachable, sts_unreachable
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, REGION, client
from tests.integration.test_network_facts import (
    add_sts_interface_endpoint,
    allow_https,
    default_route_table,
    endpoint_security_group,
    private_subnet,
)


@pytest.fixture
def ec2(moto_url: str) -> Any:
    client(moto_url, DESTINATION_ACCOUNT, "s3").create_bucket(Bucket="judged")
    return client(moto_url, EMR_ACCOUNT, "ec2")


def nat_gateway(ec2: Any, vpc: str, cidr: str) -> str:
    public = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    return str(ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"])


def test_a_default_route_split_in_two_halves_reaches_the_internet(ec2: Any) -> None:
    """0.0.0.0/1 and 128.0.0.0/1 to a NAT gateway route every public address (Amazon VPC User Guide, "How route
    priority works"): S3 and both STS endpoints are reached; one half alone leaves the judge unable to tell."""
    vpc, subnet = private_subnet(ec2, "10.31")
    nat = nat_gateway(ec2, vpc, "10.31.2.0/24")
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/1", NatGatewayId=nat)
    half = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged")
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="128.0.0.0/1", NatGatewayId=nat)

    assert half is not None
    assert half.startswith(CANNOT_TELL)
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged") is None
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-5.30.0", {}) is None


def test_the_regional_sts_name_takes_the_interface_endpoint_the_global_one_needs_egress(ec2: Any) -> None:
    """A private subnet with an STS interface endpoint with private DNS reaches Regional STS (5.31.0, 6.1.0 and later)
    but not the global endpoint of earlier releases, nor the Regional one once the VPC's DNS hostnames are off."""
    vpc, subnet = private_subnet(ec2, "10.32")
    no_way = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    add_sts_interface_endpoint(ec2, vpc, subnet)

    regional = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.1.0", {})
    global_ = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.0.0", {})
    overridden = sts_unreachable(
        EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {"fs.s3.sts.endpoint": "https://sts.amazonaws.com"}
    )
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    hostnames_off = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})

    assert no_way is not None
    assert "no route to the internet" in no_way
    assert regional is None
    assert global_ is not None
    assert "sts.amazonaws.com" in global_
    assert not global_.startswith(CANNOT_TELL)
    assert overridden is not None
    assert not overridden.startswith(CANNOT_TELL)
    assert hostnames_off is not None
    assert not hostnames_off.startswith(CANNOT_TELL)


def test_an_interface_endpoint_that_takes_the_name_is_the_way_whatever_the_routes(ec2: Any) -> None:
    """With private DNS on, the Regional names of STS and S3 resolve to the interface endpoints (AWS PrivateLink Guide,
    "Access AWS services through AWS PrivateLink"; Amazon S3 User Guide, "AWS PrivateLink for Amazon S3"): a NAT route
    does not help when their security groups keep the subnet out on HTTPS; opening 443 to the subnet lets it in, and
    the S3 interface endpoint, not the gateway endpoint, is the one on the way."""
    vpc, subnet = private_subnet(ec2, "10.33")
    nat = nat_gateway(ec2, vpc, "10.33.2.0/24")
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    closed = endpoint_security_group(ec2, vpc)
    add_sts_interface_endpoint(ec2, vpc, subnet, security_group=closed)
    interface = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[closed],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[table]
    )
    blocked = (
        sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}),
        s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged"),
    )
    allow_https(ec2, closed, CidrIp="10.33.1.0/24")

    assert all(reason is not None and "security groups" in reason for reason in blocked), blocked
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged") is None
    on_the_way = endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.15.0", {})
    assert on_the_way["s3"].endpoint_id == interface
    assert not on_the_way["s3"].gateway
