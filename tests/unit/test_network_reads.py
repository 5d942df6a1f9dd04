"""
``read_subnet_facts`` with a stand-in EC2 client answering AWS-shaped data, then the STS and S3 route checks.

The shapes are the Amazon EC2 API Reference's (``DescribeRouteTables`` "Route", ``DescribeNatGateways``
"NatGateway", ``DescribeVpcAttribute``). What the reads make of them, by AWS's documented rules:

- a public NAT gateway reaches the internet only through its own subnet's route to an internet gateway (Amazon VPC
  User Guide, "NAT gateways": "You create a public NAT gateway in a public subnet ... You route traffic from the NAT
  gateway to the internet gateway for the VPC. Alternatively, you can use a public NAT gateway to connect to other
  VPCs or your on-premises network ... through a transit gateway or a virtual private gateway");
- a route to a network interface attached to an instance shows the instance's ``InstanceId`` beside it: no NAT is
  proven by it;
- without ``enableDnsSupport`` "the Amazon provided DNS service in the VPC that resolves public DNS hostnames to IP
  addresses is not enabled" (Amazon EC2 API Reference, "ModifyVpcAttribute");
- spokes reach a hub VPC's interface endpoints over a transit gateway, named through a Route 53 private hosted zone
  (AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized access to VPC
  private endpoints").
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.network import read_subnet_facts
from airflow_provider_emrfs_xacct.pure.network import (
    NOT_CHECKED,
    s3_endpoints_in_path,
    s3_route_check,
    sts_endpoint_check,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead

VPC, REGION, ACCOUNT = "vpc-1", "eu-west-1", "111111111111"
LOCAL = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
TO_THE_NAT = {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active"}
TO_THE_IGW = {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"}
S3_GATEWAY = {
    "VpcEndpointId": "vpce-s3",
    "VpcEndpointType": "Gateway",
    "ServiceName": f"com.amazonaws.{REGION}.s3",
    "State": "available",
    "RouteTableIds": [],
}
S3_ROUTE = {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3", "State": "active"}


#: The VPC's default network ACL: rule 100 allows all traffic each way, the * rule (32767) denies the rest.
DEFAULT_ACL = {
    "NetworkAclId": "acl-default",
    "Entries": [
        {"RuleNumber": number, "Egress": egress, "Protocol": "-1", "RuleAction": action, "CidrBlock": "0.0.0.0/0"}
        for egress in (True, False)
        for number, action in ((100, "allow"), (32767, "deny"))
    ],
}
#: A new security group's default outbound rule: all traffic to 0.0.0.0/0 (moto and AWS alike).
ALL_OUT = {"IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}


def denied(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "denied"}}, operation)


class _Pages:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def paginate(self, **kwargs: Any) -> Any:
        yield self.answer(**kwargs)


class FakeEC2:
    """Answers the reads of ``read_subnet_facts`` from fixed data; ``refuse`` names operations answered AccessDenied."""

    def __init__(
        self,
        tables: list[dict[str, Any]],
        *,
        nat: dict[str, Any] | None = None,
        endpoints: tuple[dict[str, Any], ...] = (),
        dns_support: bool = True,
        refuse: tuple[str, ...] = (),
    ) -> None:
        self.meta = SimpleNamespace(region_name=REGION)
        self.tables, self.endpoints, self.dns_support, self.refuse = tables, list(endpoints), dns_support, refuse
        self.nats = [nat] if nat else []
        self.acl: dict[str, Any] = DEFAULT_ACL
        self.groups: dict[str, dict[str, Any]] = {}

    def describe_subnets(self, SubnetIds: list[str]) -> dict[str, Any]:
        return {"Subnets": [{"SubnetId": SubnetIds[0], "VpcId": VPC, "CidrBlock": "10.0.1.0/24", "OwnerId": ACCOUNT}]}

    def describe_vpc_attribute(self, VpcId: str, Attribute: str) -> dict[str, Any]:
        if "DescribeVpcAttribute" in self.refuse:
            raise denied("DescribeVpcAttribute")
        value = self.dns_support if Attribute == "enableDnsSupport" else True
        return {Attribute[0].upper() + Attribute[1:]: {"Value": value}}

    def describe_vpcs(self, VpcIds: list[str]) -> dict[str, Any]:
        """
        The VPC with its Region's default DHCP option set, as AWS associates with a new VPC (Amazon VPC User Guide,
        "DHCP option set concepts": "Each VPC uses the default DHCP option set for its Region unless…").
        """
        return {"Vpcs": [{"VpcId": VpcIds[0], "DhcpOptionsId": "dopt-region", "CidrBlock": "10.0.0.0/16"}]}

    def describe_dhcp_options(self, DhcpOptionsIds: list[str]) -> dict[str, Any]:
        """The Region's default option set: its domain-name-servers is AmazonProvidedDNS (same page)."""
        servers = {"Key": "domain-name-servers", "Values": [{"Value": "AmazonProvidedDNS"}]}
        return {"DhcpOptions": [{"DhcpOptionsId": DhcpOptionsIds[0], "DhcpConfigurations": [servers]}]}

    def get_paginator(self, operation: str) -> _Pages:
        return _Pages(getattr(self, "_" + operation))

    def _describe_route_tables(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        wanted = {item["Name"]: item["Values"][0] for item in Filters}
        subnet = wanted.get("association.subnet-id")
        if subnet == "subnet-nat" and "DescribeRouteTables" in self.refuse:
            raise denied("DescribeRouteTables")
        found = [
            table
            for table in self.tables
            if any(
                association.get("SubnetId") == subnet if subnet else association.get("Main")
                for association in table["Associations"]
            )
        ]
        return {"RouteTables": found}

    def _describe_vpc_endpoints(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        return {"VpcEndpoints": self.endpoints}

    def _describe_nat_gateways(self, NatGatewayIds: list[str]) -> dict[str, Any]:
        return {"NatGateways": [nat for nat in self.nats if nat["NatGatewayId"] in NatGatewayIds]}

    def _get_managed_prefix_list_entries(self, PrefixListId: str) -> dict[str, Any]:
        return {"Entries": [{"Cidr": "52.218.0.0/17"}]}

    def _describe_network_acls(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        """Every subnet keeps the VPC's default network ACL (Amazon VPC User Guide, "Default network ACL")."""
        if "DescribeNetworkAcls" in self.refuse:
            raise denied("DescribeNetworkAcls")
        subnets = Filters[0]["Values"]
        return {"NetworkAcls": [{**self.acl, "Associations": [{"SubnetId": subnet} for subnet in subnets]}]}

    def _describe_security_groups(self, GroupIds: list[str]) -> dict[str, Any]:
        if "DescribeSecurityGroups" in self.refuse:
            raise denied("DescribeSecurityGroups")
        return {"SecurityGroups": [{"GroupId": group, **self.groups.get(group, ALL_OUT)} for group in GroupIds]}


def table(name: str, subnet: str | None, *routes: dict[str, Any]) -> dict[str, Any]:
    association = {"SubnetId": subnet} if subnet else {"Main": True}
    return {"RouteTableId": name, "VpcId": VPC, "Associations": [association], "Routes": [LOCAL, *routes]}


def nat(state: str = "available", connectivity: str = "public") -> dict[str, Any]:
    return {
        "NatGatewayId": "nat-1",
        "SubnetId": "subnet-nat",
        "VpcId": VPC,
        "State": state,
        "ConnectivityType": connectivity,
    }


def links(ec2: FakeEC2, bucket_region: str = "us-east-1", **kwargs: Any) -> tuple[Any, Any]:
    facts = read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT, **kwargs)
    return sts_endpoint_check("emr-6.15.0", facts), s3_route_check("partner-b", bucket_region, facts)


def behind_a_nat(*nat_subnet_routes: dict[str, Any], **kwargs: Any) -> FakeEC2:
    """The cluster's subnet sends 0.0.0.0/0 to nat-1, which is in subnet-nat with these routes (its own table)."""
    tables = [table("rtb-emr", "subnet-emr", TO_THE_NAT), table("rtb-nat", "subnet-nat", *nat_subnet_routes)]
    return FakeEC2(tables, **{"nat": nat(), **kwargs})


def test_a_nat_gateway_reaches_the_internet_only_through_its_own_subnet_s_internet_gateway_route() -> None:
    sts, s3 = links(behind_a_nat(TO_THE_IGW))
    assert (sts.status, s3.status) == ("PASS", "PASS")
    assert "through a NAT gateway" in sts.detail


def test_a_nat_gateway_whose_subnet_has_no_route_out_is_no_way_out() -> None:
    """Its own subnet's table (here the VPC's main one: no association of its own) holds only the local route."""
    tables = [table("rtb-emr", "subnet-emr", TO_THE_NAT), table("rtb-main", None)]
    sts, s3 = links(FakeEC2(tables, nat=nat()))

    for result in (sts, s3):
        assert result.status == "FAIL", result.detail
        assert "nat-1, whose subnet subnet-nat has no route out of the VPC (route table rtb-main)" in result.detail
        assert result.fix.startswith("add a route 0.0.0.0/0 to the VPC's internet gateway on the route table of the")


@pytest.mark.parametrize(
    ("route", "named"),
    [
        ({"TransitGatewayId": "tgw-egress"}, "transit gateway tgw-egress"),
        ({"GatewayId": "vgw-onprem"}, "virtual private gateway vgw-onprem"),
        ({"VpcPeeringConnectionId": "pcx-1"}, "VPC peering connection pcx-1"),
        ({"NetworkInterfaceId": "eni-fw", "InstanceId": "i-fw"}, "network interface eni-fw of instance i-fw"),
    ],
)
def test_a_nat_gateway_whose_subnet_sends_its_traffic_elsewhere_is_egress_not_seen(
    route: dict[str, str], named: str
) -> None:
    sts, s3 = links(behind_a_nat({"DestinationCidrBlock": "0.0.0.0/0", "State": "active", **route}))
    for result in (sts, s3):
        assert result.status == NOT_CHECKED, result.detail
        assert f"sends 0.0.0.0/0 to {named}: egress not seen" in result.detail


def test_a_nat_gateway_whose_subnet_routes_public_ranges_elsewhere_is_egress_not_seen() -> None:
    elsewhere = {"DestinationCidrBlock": "52.94.0.0/16", "TransitGatewayId": "tgw-1", "State": "active"}
    sts, _ = links(behind_a_nat(TO_THE_IGW, elsewhere))
    assert sts.status == NOT_CHECKED
    assert "52.94.0.0/16 to transit gateway tgw-1" in sts.detail


@pytest.mark.parametrize("state", ["pending", "failed", "deleting"])
def test_a_nat_gateway_not_available_is_not_a_way_to_the_internet(state: str) -> None:
    sts, s3 = links(behind_a_nat(TO_THE_IGW, nat=nat(state)))
    assert (sts.status, s3.status) == (NOT_CHECKED, NOT_CHECKED)
    assert f"({state}, not available)" in sts.detail


def test_a_nat_gateway_whose_subnet_s_table_cannot_be_read_is_not_checked_naming_the_refused_read() -> None:
    refused: list[RefusedRead] = []
    sts, s3 = links(behind_a_nat(TO_THE_IGW, refuse=("DescribeRouteTables",)), refused=refused)

    assert (sts.status, s3.status) == (NOT_CHECKED, NOT_CHECKED)
    assert "ec2:DescribeRouteTables on association.subnet-id=subnet-nat was denied" in sts.detail
    assert [item.action for item in refused] == ["ec2:DescribeRouteTables"]


def test_an_s3_gateway_endpoint_in_the_nat_gateway_s_subnet_leaves_same_region_writes_not_checked() -> None:
    """
    The gateway endpoint's route carries only S3's traffic (AWS PrivateLink Guide, "Gateway endpoints"): STS passes
    through the NAT gateway, a bucket of another Region too; one of the cluster's Region may meet that endpoint, whose
    policy the verifier does not judge there.
    """
    ec2 = behind_a_nat(TO_THE_IGW, S3_ROUTE, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat"]},))
    sts, other_region = links(ec2)
    _, same_region = links(ec2, REGION)

    assert (sts.status, other_region.status) == ("PASS", "PASS")
    assert same_region.status == NOT_CHECKED
    assert "vpce-s3" in same_region.detail


def test_a_default_route_to_an_instance_is_egress_not_seen_not_a_nat() -> None:
    """``DescribeRouteTables`` answers ``InstanceId`` for a route to an instance's network interface (a firewall, say)."""
    for route in ({"InstanceId": "i-fw"}, {"NetworkInterfaceId": "eni-fw", "InstanceId": "i-fw"}):
        default = {"DestinationCidrBlock": "0.0.0.0/0", "State": "active", "InstanceOwnerId": ACCOUNT, **route}
        sts, s3 = links(FakeEC2([table("rtb-emr", "subnet-emr", default)]))
        for result in (sts, s3):
            assert result.status == NOT_CHECKED, result.detail
            assert "egress not seen" in result.detail
            assert "i-fw" in result.detail
            assert "NAT gateway" not in result.detail


def test_the_vpc_dns_support_is_read_for_every_way_and_off_or_unread_passes_none() -> None:
    refused: list[RefusedRead] = []
    off = links(behind_a_nat(TO_THE_IGW, dns_support=False))
    unread = links(behind_a_nat(TO_THE_IGW, refuse=("DescribeVpcAttribute",)), refused=refused)

    for result in off:
        assert result.status == NOT_CHECKED, result.detail
        assert "enableDnsSupport is off" in result.detail
        assert "custom DHCP option set" in result.detail
    for result in unread:
        assert result.status == NOT_CHECKED, result.detail
        assert "ec2:DescribeVpcAttribute" in result.detail
    assert [item.action for item in refused] == ["ec2:DescribeVpcAttribute"]
    gateway = FakeEC2(
        [table("rtb-emr", "subnet-emr", S3_ROUTE)], endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]},)
    )
    assert links(gateway, REGION)[1].status == "PASS"
    gateway.dns_support = False
    assert links(gateway, REGION)[1].status == NOT_CHECKED


@pytest.mark.parametrize(
    ("route", "named"),
    [
        ({"TransitGatewayId": "tgw-hub"}, "10.0.0.0/8 to transit gateway tgw-hub"),
        ({"VpcPeeringConnectionId": "pcx-hub"}, "10.0.0.0/8 to VPC peering connection pcx-hub"),
        ({"GatewayId": "vgw-1"}, "10.0.0.0/8 to virtual private gateway vgw-1"),
    ],
)
def test_routes_to_another_vpc_leave_the_links_not_checked_not_failed(route: dict[str, str], named: str) -> None:
    """A spoke subnet with no default route, private ranges to a hub: the hub's endpoints are not seen here."""
    hub = {"DestinationCidrBlock": "10.0.0.0/8", "State": "active", **route}
    sts, s3 = links(FakeEC2([table("rtb-emr", "subnet-emr", hub)]))
    for result in (sts, s3):
        assert result.status == NOT_CHECKED, result.detail
        assert named in result.detail
        assert "an endpoint in another VPC is not seen" in result.detail
    alone = links(FakeEC2([table("rtb-emr", "subnet-emr")]))
    assert [result.status for result in alone] == ["FAIL", "FAIL"]
    # STS's global endpoint has no VPC endpoint anywhere: a route to a hub's private ranges does not reach it.
    facts = read_subnet_facts(FakeEC2([table("rtb-emr", "subnet-emr", hub)]), "subnet-emr", (), ACCOUNT)
    assert sts_endpoint_check("emr-5.30.0", facts).status == "FAIL"


def test_the_pass_names_the_way_the_requests_take() -> None:
    """
    For a bucket of the cluster's Region the gateway endpoint's prefix-list route is more specific than the default
    route (Amazon VPC User Guide, "How route priority works"): the PASS names it, not the NAT gateway.
    """
    ec2 = behind_a_nat(TO_THE_IGW, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]},))
    ec2.tables[0]["Routes"].append(S3_ROUTE)

    _, same_region = links(ec2, REGION)
    _, other_region = links(ec2)

    assert same_region.status == "PASS"
    assert "through the S3 gateway endpoint on its route table" in same_region.detail
    assert other_region.detail.endswith("through a NAT gateway")


def test_the_network_acls_and_the_cluster_s_egress_rules_are_read_on_the_way_out() -> None:
    """A DENY of outbound TCP 443 at rule 10 of the ACL ``DescribeNetworkAcls`` answers drops every request."""
    ec2 = behind_a_nat(TO_THE_IGW)
    deny = {"RuleNumber": 10, "Egress": True, "Protocol": "6", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0"}
    ec2.acl = {
        **DEFAULT_ACL,
        "NetworkAclId": "acl-deny",
        "Entries": [{**deny, "PortRange": {"From": 443, "To": 443}}, *DEFAULT_ACL["Entries"]],
    }
    sts, s3 = links(ec2)
    assert (sts.status, s3.status) == ("FAIL", "FAIL")
    assert "acl-deny" in sts.detail
    assert "rule 10" in sts.detail


def test_a_refused_network_acl_read_is_recorded_and_leaves_the_links_not_checked() -> None:
    refused: list[RefusedRead] = []
    sts, s3 = links(behind_a_nat(TO_THE_IGW, refuse=("DescribeNetworkAcls",)), refused=refused)
    assert (sts.status, s3.status) == (NOT_CHECKED, NOT_CHECKED)
    assert [item.action for item in refused] == ["ec2:DescribeNetworkAcls"]


def test_a_cluster_group_without_egress_rules_fails_the_links() -> None:
    ec2 = behind_a_nat(TO_THE_IGW)
    ec2.groups = {"sg-0emr": {"IpPermissionsEgress": []}}
    sts, s3 = links(ec2)
    assert (sts.status, s3.status) == ("FAIL", "FAIL")
    assert "sg-0emr" in sts.detail


#: The VPC's STS interface endpoint with private DNS, in subnet-vpce, its security group letting the VPC in on 443.
STS_ENDPOINT = {
    "VpcEndpointId": "vpce-sts",
    "VpcEndpointType": "Interface",
    "ServiceName": f"com.amazonaws.{REGION}.sts",
    "State": "available",
    "PrivateDnsEnabled": True,
    "SubnetIds": ["subnet-vpce"],
    "Groups": [{"GroupId": "sg-vpce"}],
}


class TwoSubnets(FakeEC2):
    """The cluster's subnet-emr is 10.0.1.0/24, the STS endpoint's subnet-vpce 10.0.2.0/24."""

    def describe_subnets(self, SubnetIds: list[str]) -> dict[str, Any]:
        cidr = {"subnet-emr": "10.0.1.0/24", "subnet-vpce": "10.0.2.0/24"}
        return {
            "Subnets": [
                {"SubnetId": item, "VpcId": VPC, "CidrBlock": cidr.get(item, "10.0.9.0/24"), "OwnerId": ACCOUNT}
                for item in SubnetIds
            ]
        }


def _sts_through_the_endpoint(tables: list[dict[str, Any]]) -> Any:
    ec2 = TwoSubnets(tables, endpoints=(STS_ENDPOINT,))
    ec2.groups = {"sg-vpce": {"IpPermissions": [_HTTPS_FROM_THE_VPC]}}
    return sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT))


_HTTPS_FROM_THE_VPC = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
_APPLIANCE = {"DestinationCidrBlock": "10.0.2.0/24", "NetworkInterfaceId": "eni-fw"}


@pytest.mark.parametrize(
    "routes",
    [
        [LOCAL, {**_APPLIANCE, "State": "blackhole"}],
        [LOCAL, {**_APPLIANCE, "State": "active"}],
        [{"DestinationCidrBlock": "10.0.0.0/16", "NetworkInterfaceId": "eni-fw", "State": "active"}],
    ],
    ids=["blackhole appliance route", "active appliance route", "local route's target replaced"],
)
def test_a_route_over_the_sts_endpoint_s_subnet_leaves_its_way_not_checked(routes: list[dict[str, Any]]) -> None:
    """
    A route more specific than the local route may send a subnet's CIDR to a NAT gateway, a network interface or a
    Gateway Load Balancer endpoint, and the local route's own target may be replaced (Amazon VPC User Guide, "Subnet
    route tables", "Replace or restore the target for a local route"); the most specific route decides (Amazon EC2
    API Reference, "CreateRoute"): the requests to the endpoint go that way, which is not seen.
    """
    rtb = {"RouteTableId": "rtb-emr", "VpcId": VPC, "Associations": [{"SubnetId": "subnet-emr"}], "Routes": routes}
    sts = _sts_through_the_endpoint([rtb])
    assert sts.status == NOT_CHECKED, sts.detail
    assert "10.0.2.0/24" in sts.detail or "10.0.0.0/16" in sts.detail
    assert "network interface eni-fw" in sts.detail
    assert "is not seen" in sts.detail


def test_an_appliance_route_elsewhere_than_the_sts_endpoint_s_subnet_keeps_its_pass() -> None:
    """The control: a route to another subnet (10.0.3.0/24), or a wider one than the local route, decides nothing."""
    other = {"DestinationCidrBlock": "10.0.3.0/24", "NetworkInterfaceId": "eni-fw", "State": "active"}
    wider = {"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": "tgw-1", "State": "active"}
    sts = _sts_through_the_endpoint([table("rtb-emr", "subnet-emr", other, wider)])
    assert sts.status == "PASS", sts.detail


def _s3_behind_a_nat(*routes: dict[str, Any]) -> tuple[Any, Any]:
    ec2 = behind_a_nat(TO_THE_IGW, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]},))
    ec2.tables[0]["Routes"] += [S3_ROUTE, *routes]
    facts = read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT)
    return s3_route_check("partner-b", REGION, facts), s3_endpoints_in_path(facts, REGION)


def test_a_route_to_the_nat_over_an_s3_entry_may_take_s3_from_the_gateway_endpoint() -> None:
    """
    A static route of the same prefix as a prefix-list route wins, and a longer prefix wins (Amazon VPC User Guide,
    "How route priority works"): 52.218.0.0/17 to the NAT gateway takes that entry of S3's list from the endpoint.
    """
    to_the_nat = {"DestinationCidrBlock": "52.218.0.0/17", "NatGatewayId": "nat-1", "State": "active"}
    s3, in_path = _s3_behind_a_nat(to_the_nat)
    assert s3.status == "PASS", s3.detail
    assert set(s3.ways) == {"s3 gateway endpoint", "nat"}
    assert "52.218.0.0/17 to NAT gateway nat-1" in s3.detail
    assert in_path is None


def test_a_wider_route_to_the_nat_than_s3_s_entries_leaves_the_gateway_endpoint_s3_s_way() -> None:
    """The control: 52.0.0.0/8 is less specific than S3's entry 52.218.0.0/17, whose prefix-list route wins."""
    wider = {"DestinationCidrBlock": "52.0.0.0/8", "NatGatewayId": "nat-1", "State": "active"}
    s3, in_path = _s3_behind_a_nat(wider)
    assert (s3.status, s3.ways) == ("PASS", ("s3 gateway endpoint",)), s3.detail
    assert in_path is not None
    assert [policy.endpoint_id for policy in in_path] == ["vpce-s3"]


def test_a_route_over_an_s3_entry_to_another_nat_gateway_leaves_the_s3_link_not_checked() -> None:
    """
    52.218.0.0/17 to nat-2 takes that entry of S3's list from the gateway endpoint (Amazon VPC User Guide, "How route
    priority works"), but nat-2 is in subnet-nat2, whose network ACL is not among the ways read (only the default
    route's NAT gateway's subnet is): the S3 link is not checked, naming that route.
    """
    ec2 = behind_a_nat(TO_THE_IGW, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]},))
    ec2.nats.append({**nat(), "NatGatewayId": "nat-2", "SubnetId": "subnet-nat2"})
    ec2.tables.append(table("rtb-nat2", "subnet-nat2", TO_THE_IGW))
    to_nat_2 = {"DestinationCidrBlock": "52.218.0.0/17", "NatGatewayId": "nat-2", "State": "active"}
    ec2.tables[0]["Routes"] += [S3_ROUTE, to_nat_2]
    s3 = s3_route_check("partner-b", REGION, read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT))
    assert s3.status == NOT_CHECKED, s3.detail
    assert "52.218.0.0/17 to NAT gateway nat-2" in s3.detail
    assert "network ACL is not judged" in s3.detail


def test_a_route_over_an_s3_entry_to_the_internet_gateway_with_public_addresses_is_judged() -> None:
    """
    An internet gateway has no subnet of its own: with the subnet's public addresses (MapPublicIpOnLaunch) the only
    network ACL on that way is the cluster subnet's, read already, so 52.218.0.0/17 to igw-1 beside a NAT default route
    is judged, not left not checked.
    """
    ec2 = behind_a_nat(TO_THE_IGW, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]},))
    shown = ec2.describe_subnets
    ec2.describe_subnets = lambda SubnetIds: {  # type: ignore[method-assign]
        "Subnets": [{**subnet, "MapPublicIpOnLaunch": True} for subnet in shown(SubnetIds)["Subnets"]]
    }
    to_the_igw = {"DestinationCidrBlock": "52.218.0.0/17", "GatewayId": "igw-1", "State": "active"}
    ec2.tables[0]["Routes"] += [S3_ROUTE, to_the_igw]
    s3 = s3_route_check("partner-b", REGION, read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT))
    assert s3.status != NOT_CHECKED, s3.detail
    assert "network ACL is not judged" not in s3.detail


def test_a_middlebox_route_for_the_cluster_s_own_subnet_decides_nothing_within_it() -> None:
    """
    The STS endpoint's only interface is in the cluster's own subnet 10.0.1.0/24: traffic within a subnet is not
    routed by its route table, which applies to traffic leaving the subnet only (Amazon VPC User Guide, "Gateway route
    tables", "Rules and considerations": layer 2 within the subnet), so a route 10.0.1.0/24 to eni-fw leaves the way
    to the endpoint a PASS.
    """
    ec2 = TwoSubnets([table("rtb-emr", "subnet-emr", _APPLIANCE_OVER_THE_CLUSTER)], endpoints=(_STS_IN_THE_CLUSTER,))
    ec2.groups = {"sg-vpce": {"IpPermissions": [_HTTPS_FROM_THE_VPC]}}
    sts = sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT))
    assert sts.status == "PASS", sts.detail


_APPLIANCE_OVER_THE_CLUSTER = {"DestinationCidrBlock": "10.0.1.0/24", "NetworkInterfaceId": "eni-fw", "State": "active"}
_STS_IN_THE_CLUSTER = {**STS_ENDPOINT, "SubnetIds": ["subnet-emr"]}
