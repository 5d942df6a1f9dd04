"""Read the facts about a cluster's subnet that decide whether EMRFS reaches STS (for the verifier)."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.network import SubnetFacts


def read_subnet_facts(ec2: Any, subnet_id: str) -> SubnetFacts:
    """
    Read a subnet's routes and its VPC's STS interface endpoint with an EC2 client of the EMR account.

    Calls ``DescribeSubnets``, ``DescribeRouteTables`` (the subnet's own table, else the VPC's main
    table, as EC2 routes it) and ``DescribeVpcEndpoints``.

    :param ec2: a boto3 EC2 client in the cluster's account and Region.
    :param subnet_id: the cluster's ``Ec2InstanceAttributes.Ec2SubnetId``.
    """
    region = ec2.meta.region_name
    subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    vpc_id = subnet["VpcId"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])[
        "RouteTables"
    ]
    if not tables:  # no explicit association: the VPC's main route table applies
        tables = ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"]
    default_routes = [
        route
        for table in tables
        for route in table.get("Routes", [])
        if route.get("DestinationCidrBlock") == "0.0.0.0/0" and route.get("State", "active") == "active"
    ]
    nat = any(route.get("NatGatewayId") or route.get("InstanceId") for route in default_routes)
    igw = any(str(route.get("GatewayId", "")).startswith("igw-") for route in default_routes)
    endpoints = ec2.describe_vpc_endpoints(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "service-name", "Values": [f"com.amazonaws.{region}.sts"]},
        ]
    )["VpcEndpoints"]
    sts = any(
        endpoint.get("VpcEndpointType") == "Interface"
        and endpoint.get("PrivateDnsEnabled")
        and str(endpoint.get("State", "")).lower() == "available"
        for endpoint in endpoints
    )
    return SubnetFacts(
        subnet_id=subnet_id,
        region=region,
        nat_route=nat,
        internet_gateway_route=igw,
        public_ip_on_launch=bool(subnet.get("MapPublicIpOnLaunch")),
        sts_interface_endpoint=sts,
    )
