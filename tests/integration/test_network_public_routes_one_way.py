"""
Routes to public ranges that send every public address one way leave a doubt a passing live probe settles (OX224).

The most specific route decides each address's way (Amazon VPC User Guide, "How route priority works"): where every
route to a public range (blackhole ones among them) goes to the default route's target, or, without a default route,
to one target and together cover every public address (``0.0.0.0/1`` and ``128.0.0.0/1``, which together cover what
a default route does), each of the endpoint's addresses takes the probe's way, so a passing probe settles it. Where one
of them goes elsewhere (or a blackhole), or they leave public addresses without a route, it does not: the probe
reaches one of the endpoint's addresses, not each (``SOME_ADDRESSES``). Against moto's EC2.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED, SOME_ADDRESSES, s3_route_check, sts_endpoint_check
from devstack.moto_stack import EMR_ACCOUNT, client
from tests.integration.test_network_facts import default_route_table, private_subnet, public_subnet, read_subnet_facts


@pytest.fixture
def ec2(moto_url: str) -> Any:
    return client(moto_url, EMR_ACCOUNT, "ec2")


def nat_gateway(ec2: Any, vpc: str, cidr: str = "10.0.2.0/24") -> str:
    """A public NAT gateway in a public subnet of the VPC (whose route goes to an internet gateway)."""
    public = public_subnet(ec2, vpc, cidr)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    return str(ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"])


def transit_gateway(ec2: Any, vpc: str, subnet: str) -> str:
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet])
    return str(tgw)


def routes(ec2: Any, table: str, *pairs: tuple[str, dict[str, str]]) -> None:
    for cidr, target in pairs:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, **target)


def halves_to_one_nat(ec2: Any, vpc: str, subnet: str, table: str) -> None:
    nat = {"NatGatewayId": nat_gateway(ec2, vpc)}
    routes(ec2, table, ("0.0.0.0/1", nat), ("128.0.0.0/1", nat))


def default_and_narrower_to_one_transit_gateway(ec2: Any, vpc: str, subnet: str, table: str) -> None:
    tgw = {"TransitGatewayId": transit_gateway(ec2, vpc, subnet)}
    routes(ec2, table, ("0.0.0.0/0", tgw), ("52.0.0.0/8", tgw))


def default_and_narrower_to_one_internet_gateway(ec2: Any, vpc: str, subnet: str, table: str) -> None:
    """Without public IPv4 addresses on launch: whether EMR gives them anyway is not documented (one doubt, one way)."""
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    routes(ec2, table, ("0.0.0.0/0", {"GatewayId": igw}), ("52.0.0.0/8", {"GatewayId": igw}))


def halves_to_a_nat_and_narrower_elsewhere(ec2: Any, vpc: str, subnet: str, table: str) -> None:
    halves_to_one_nat(ec2, vpc, subnet, table)
    routes(ec2, table, ("52.0.0.0/8", {"TransitGatewayId": transit_gateway(ec2, vpc, subnet)}))


def one_narrower_range_to_a_nat(ec2: Any, vpc: str, subnet: str, table: str) -> None:
    routes(ec2, table, ("52.0.0.0/8", {"NatGatewayId": nat_gateway(ec2, vpc)}))


def halves_to_a_nat_and_a_blackhole(ec2: Any, vpc: str, subnet: str, table: str) -> None:
    halves_to_one_nat(ec2, vpc, subnet, table)
    gone = nat_gateway(ec2, vpc, "10.0.3.0/24")
    routes(ec2, table, ("52.0.0.0/8", {"NatGatewayId": gone}))
    ec2.delete_nat_gateway(NatGatewayId=gone)  # the route turns blackhole (devstack/aws_vpc_states.py)


@pytest.mark.parametrize("layout", [halves_to_one_nat, default_and_narrower_to_one_internet_gateway])
def test_routes_sending_every_public_address_one_way_leave_a_doubt_the_probe_settles(ec2: Any, layout: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    layout(ec2, vpc, subnet, default_route_table(ec2, vpc, subnet))

    facts = read_subnet_facts(ec2, subnet)
    sts = sts_endpoint_check("emr-6.15.0", facts)
    s3 = s3_route_check("bucket", facts.region, facts)

    assert facts.public_routes
    assert facts.public_routes_one_way
    for result in (sts, s3):
        assert result.status == NOT_CHECKED, result
        assert result.probe_settles, result
        assert SOME_ADDRESSES not in result.fix


@pytest.mark.parametrize(
    "layout",
    [halves_to_a_nat_and_narrower_elsewhere, one_narrower_range_to_a_nat, halves_to_a_nat_and_a_blackhole],
)
def test_routes_sending_some_addresses_another_way_leave_a_doubt_the_probe_does_not_settle(
    ec2: Any, layout: Any
) -> None:
    vpc, subnet = private_subnet(ec2)
    layout(ec2, vpc, subnet, default_route_table(ec2, vpc, subnet))

    facts = read_subnet_facts(ec2, subnet)
    sts = sts_endpoint_check("emr-6.15.0", facts)

    assert facts.public_routes
    assert not facts.public_routes_one_way
    assert sts.status == NOT_CHECKED, sts
    assert not sts.probe_settles
    assert SOME_ADDRESSES in sts.fix


def test_a_default_and_a_narrower_route_to_one_transit_gateway_send_every_address_one_way(ec2: Any) -> None:
    """The one way past the VPC; a hub VPC's endpoint that way is a doubt of its own (routes_to_other_networks)."""
    vpc, subnet = private_subnet(ec2)
    default_and_narrower_to_one_transit_gateway(ec2, vpc, subnet, default_route_table(ec2, vpc, subnet))

    facts = read_subnet_facts(ec2, subnet)

    assert facts.public_routes
    assert facts.public_routes_one_way
    assert SOME_ADDRESSES not in sts_endpoint_check("emr-6.15.0", facts).fix
