"""
Routes to prefix lists other than an S3 gateway endpoint's, read by the verifier (``hooks/network.py``) and by the
stand-in's network judge (``devstack/aws_network.py``), over real botocore against moto.

A route's destination may be a customer-managed or an AWS-managed prefix list (``DestinationPrefixListId``, Amazon
VPC User Guide, "Prefix list references" of route tables), to any target. Its entries are routed as CIDR routes are:
the longest prefix first, and on the same prefix a static route before a prefix-list route (Amazon VPC User Guide,
"How route priority works": "Longest prefix", "Static routes", "Prefix list routes"). So a prefix list of public
ranges to a transit gateway beside ``0.0.0.0/0`` to a NAT gateway takes its ranges away from the NAT gateway.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link, name_refused_reads
from airflow_provider_emrfs_xacct.pure.network import FAIL, NOT_CHECKED, PASS, s3_route_check, sts_endpoint_check
from devstack.aws_network import CANNOT_TELL, s3_unreachable, sts_unreachable
from devstack.aws_pages import short_pages
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, REGION, client
from tests.integration.test_network_facts import (
    add_s3_gateway_endpoint,
    as_a_participant,
    default_route_table,
    private_subnet,
    public_subnet,
    read_subnet_facts,
    read_with_auth,
    reader_denied,
    to_transit_gateway,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead

#: Public ranges (of the kind AWS services' addresses are in) and a private one.
PUBLIC = ("52.94.0.0/16", "3.5.0.0/19")


@pytest.fixture
def ec2(moto_url: str) -> Any:
    client(moto_url, DESTINATION_ACCOUNT, "s3").create_bucket(Bucket="prefix-listed")
    return client(moto_url, EMR_ACCOUNT, "ec2")


def nat_subnet(ec2: Any, network: str) -> tuple[str, str, str]:
    """A subnet of its own route table with ``0.0.0.0/0`` to a public NAT gateway; return the VPC, subnet, table."""
    vpc, subnet = private_subnet(ec2, network)
    public = public_subnet(ec2, vpc, f"{network}.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    return vpc, subnet, table


def prefix_list(ec2: Any, *cidrs: str) -> str:
    """A customer-managed IPv4 prefix list of ``cidrs``."""
    entries = [{"Cidr": cidr} for cidr in cidrs]
    answer = ec2.create_managed_prefix_list(
        PrefixListName="egress-ranges", MaxEntries=max(len(cidrs), 1), AddressFamily="IPv4", Entries=entries
    )
    return str(answer["PrefixList"]["PrefixListId"])


def links(facts: Any) -> list[Any]:
    return [sts_endpoint_check("emr-6.15.0", facts), s3_route_check("b", REGION, facts)]


def test_a_prefix_list_of_public_ranges_to_a_transit_gateway_takes_them_from_the_nat_route(ec2: Any) -> None:
    """
    Beside 0.0.0.0/0 to a NAT gateway, a customer prefix list of public ranges to a transit gateway: its entries are
    more specific, so the Regional STS and S3 addresses in them go to the transit gateway, whose way on is not seen.
    Not checked, naming the list's ranges, never PASS; the stand-in's judge cannot tell either.
    """
    vpc, subnet, table = nat_subnet(ec2, "10.61")
    target, name = to_transit_gateway(ec2, vpc, subnet)
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)

    with short_pages(1):  # every page of the entries is read
        facts = read_subnet_facts(ec2, subnet)

    assert facts.nat_route
    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert f"52.94.0.0/16 (prefix list {listed}) to {name}" in result.detail
        assert f"3.5.0.0/19 (prefix list {listed}) to {name}" in result.detail
    assert facts.public_routes_elsewhere == tuple(f"{cidr} (prefix list {listed}) to {name}" for cidr in PUBLIC)
    for judged in (
        sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}),
        s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed"),
    ):
        assert judged is not None
        assert judged.startswith(CANNOT_TELL)
    assert listed in str(sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}))


def test_a_prefix_list_of_private_ranges_or_to_the_same_nat_takes_no_public_range(ec2: Any) -> None:
    """No AWS public endpoint is in the private address space, and a list routed to the NAT gateway itself still
    reaches the internet: no public range goes elsewhere, and the judge finds both reached. The private ranges to a
    transit gateway may reach a hub VPC's interface endpoints, which a Route 53 private hosted zone may name (AWS
    whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized access to VPC
    private endpoints"; the stand-in has no such zone): both links are not checked for that alone."""
    vpc, subnet, table = nat_subnet(ec2, "10.62")
    target, _ = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=prefix_list(ec2, "172.16.0.0/12"), **target)
    nat = next(
        route["NatGatewayId"]
        for route in ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        if route.get("NatGatewayId")
    )
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=prefix_list(ec2, *PUBLIC), NatGatewayId=nat)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.public_routes_elsewhere == ()
    judged = links(facts)
    assert [result.status for result in judged] == [NOT_CHECKED, NOT_CHECKED]
    assert all("172.16.0.0/12" in result.detail and "private hosted zone" in result.detail for result in judged)
    assert all("prefix list" not in result.detail.split(": an interface endpoint")[1] for result in judged)
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed") is None


def test_a_static_route_of_the_same_prefix_wins_over_the_prefix_list_entry(ec2: Any) -> None:
    """
    "Static routes" come before "Prefix list routes" on the same prefix (Amazon VPC User Guide, "How route priority
    works"): an entry 52.94.0.0/16 to a transit gateway under a static 52.94.0.0/16 to the NAT gateway routes
    nothing, while its other entry still takes 3.5.0.0/19.
    """
    vpc, subnet, table = nat_subnet(ec2, "10.63")
    nat = next(
        route["NatGatewayId"]
        for route in ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        if route.get("NatGatewayId")
    )
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="52.94.0.0/16", NatGatewayId=nat)
    target, name = to_transit_gateway(ec2, vpc, subnet)
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.public_routes_elsewhere == (f"3.5.0.0/19 (prefix list {listed}) to {name}",)


def test_a_refused_entries_read_leaves_the_links_not_checked_naming_the_action(moto_url: str, ec2: Any) -> None:
    """
    Entries not read may hold the endpoints' addresses: with a NAT default route, and with an S3 gateway endpoint
    (overlapping prefix lists to different targets: AWS picks one, "How route priority works"), the links are not
    checked, naming the prefix list and ec2:GetManagedPrefixListEntries to allow; never PASS.
    """
    vpc, subnet, table = nat_subnet(ec2, "10.64")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    target, name = to_transit_gateway(ec2, vpc, subnet)
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)
    reader = reader_denied(moto_url, "ec2:GetManagedPrefixListEntries")

    facts = read_with_auth(moto_url, reader, subnet)
    without_nat = dataclasses.replace(facts, nat_route=False, s3_gateway_endpoint=True)  # the gateway endpoint alone

    assert len(facts.prefix_lists_unread) == 1
    assert str(facts.prefix_lists_unread[0]).startswith(f"{listed} to {name}: ec2:GetManagedPrefixListEntries")
    for result in (*links(facts), s3_route_check("b", REGION, without_nat)):
        assert result.status == NOT_CHECKED, result
        assert listed in result.detail
        assert result.fix.startswith(f"allow ec2:GetManagedPrefixListEntries on {listed} to check them"), result.fix
        assert "AWS RAM" not in result.fix


def test_the_s3_gateway_endpoint_s_own_prefix_list_route_is_judged_as_before(ec2: Any) -> None:
    """The gateway endpoint's route to its service's prefix list is no route elsewhere: a private subnet with only it
    reaches a same-Region bucket (PASS), its entries are not read, and STS has no way (FAIL)."""
    vpc, subnet = private_subnet(ec2, "10.65")
    add_s3_gateway_endpoint(ec2, vpc, subnet)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.prefix_lists_unread == ()
    assert facts.public_routes == ()
    assert s3_route_check("b", REGION, facts).status == PASS
    assert sts_endpoint_check("emr-6.15.0", facts).status == "FAIL"


def test_a_prefix_list_route_is_no_default_route_but_is_not_no_route_either(ec2: Any) -> None:
    """A private subnet whose only way out is a prefix list of public ranges to a NAT gateway: part of the public
    addresses leave, the rest do not; not checked (never the FAIL of "no route"), and the judge cannot tell."""
    vpc, subnet = private_subnet(ec2, "10.66")
    public = public_subnet(ec2, vpc, "10.66.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, NatGatewayId=nat)

    facts = read_subnet_facts(ec2, subnet)

    assert not facts.nat_route
    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert listed in result.detail
    judged = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    assert judged is not None
    assert judged.startswith(CANNOT_TELL)


@pytest.mark.parametrize("destination", ["cidr", "prefix-list"])
def test_a_route_elsewhere_as_specific_as_s3_s_entries_takes_them_from_the_gateway_endpoint(
    ec2: Any, destination: str
) -> None:
    """
    The S3 gateway endpoint's route is to S3's prefix list: a static route inside one of its entries (the longer
    prefix), or another prefix list naming the same range (which of two prefix lists wins is not taken as known;
    Amazon VPC User Guide, "How route priority works"), to a transit gateway, may take S3's addresses. In a subnet without a way to
    the internet the S3 link is not checked, never PASS; the judge cannot tell. A wider route changes nothing.
    """
    network = "10.67" if destination == "cidr" else "10.68"
    vpc, subnet = private_subnet(ec2, network)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    s3_list = ec2.describe_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.s3"]}]
    )
    s3_range = ec2.get_managed_prefix_list_entries(PrefixListId=s3_list["PrefixLists"][0]["PrefixListId"])["Entries"][0]
    target, _ = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/1", **target)  # wider: S3's entries win
    wider = read_subnet_facts(ec2, subnet)
    wider_judged = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed")
    if destination == "cidr":
        inside = str(next(ipaddress.ip_network(s3_range["Cidr"]).subnets(prefixlen_diff=1)))
        ec2.create_route(RouteTableId=table, DestinationCidrBlock=inside, **target)
    else:
        inside = s3_range["Cidr"]
        ec2.create_route(RouteTableId=table, DestinationPrefixListId=prefix_list(ec2, inside), **target)

    facts = read_subnet_facts(ec2, subnet)

    # S3's entries are more specific than 0.0.0.0/1: no bypass; but 0.0.0.0/1, the VPC's own range among it, to a
    # transit gateway may reach a hub VPC's S3 interface endpoint that a private hosted zone names (not read).
    widely = s3_route_check("b", REGION, wider)
    assert widely.status == NOT_CHECKED
    assert "private hosted zone" in widely.detail
    assert inside not in widely.detail
    assert wider_judged is None
    result = s3_route_check("b", REGION, facts)
    assert result.status == NOT_CHECKED, result
    assert inside in result.detail
    judged = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed")
    assert judged is not None
    assert judged.startswith(CANNOT_TELL)
    assert inside in judged
    assert wider.s3_gateway_bypass == ()
    assert facts.s3_gateway_bypass == (next(r for r in facts.public_routes_elsewhere if r.startswith(inside)),)


def test_a_blackhole_prefix_list_route_still_holds_its_ranges(ec2: Any) -> None:
    """A prefix list routed to a NAT gateway since deleted: the route is ``blackhole`` (Amazon EC2 API Reference,
    "Route", ``State``) but its entries are still the most specific routes for their ranges, which may be dropped
    rather than handed to the default route's NAT gateway: not checked, never PASS; the judge cannot tell."""
    vpc, subnet, table = nat_subnet(ec2, "10.69")
    other = ec2.create_subnet(VpcId=vpc, CidrBlock="10.69.3.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    gone = ec2.create_nat_gateway(SubnetId=other, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, NatGatewayId=gone)
    ec2.delete_nat_gateway(NatGatewayId=gone)

    facts = read_subnet_facts(ec2, subnet)

    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert f"52.94.0.0/16 (prefix list {listed}) to" in result.detail
        assert "(blackhole)" in result.detail
    judged = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    assert judged is not None
    assert judged.startswith(CANNOT_TELL)


def test_an_ipv6_prefix_list_routes_no_ipv4_request(ec2: Any) -> None:
    """Routes to IPv4 and IPv6 addresses are independent of each other (Amazon VPC User Guide, "How route priority
    works", "Longest prefix match"): an IPv6 prefix list to a transit gateway leaves the NAT route's PASS."""
    vpc, subnet, table = nat_subnet(ec2, "10.70")
    target, _ = to_transit_gateway(ec2, vpc, subnet)
    listed = ec2.create_managed_prefix_list(
        PrefixListName="v6", MaxEntries=1, AddressFamily="IPv6", Entries=[{"Cidr": "2600:1f00::/24"}]
    )["PrefixList"]["PrefixListId"]
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)

    facts = read_subnet_facts(ec2, subnet)

    assert [result.status for result in links(facts)] == [PASS, PASS]
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None


def private_nat(ec2: Any, vpc: str, network: str) -> str:
    """A private NAT gateway in a subnet of its own (it reaches other networks, never the internet)."""
    where = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{network}.5.0/24")["Subnet"]["SubnetId"]
    return str(ec2.create_nat_gateway(SubnetId=where, ConnectivityType="private")["NatGateway"]["NatGatewayId"])


def test_a_prefix_list_holding_0_0_0_0_0_to_a_nat_gateway_is_the_default_route(ec2: Any) -> None:
    """
    A prefix list's entries are routed as CIDR routes (Amazon VPC User Guide, "How route priority works"), so an entry
    ``0.0.0.0/0`` to a public NAT gateway, with no static ``0.0.0.0/0``, is the subnet's default route: both links
    PASS, as the judge finds. A second list holding ``0.0.0.0/0`` to a transit gateway makes two prefix-list routes of
    the same prefix to different targets, and which one AWS takes is not documented: not checked, the judge cannot
    tell.
    """
    vpc, subnet = private_subnet(ec2, "10.71")
    public = public_subnet(ec2, vpc, "10.71.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=prefix_list(ec2, "0.0.0.0/0"), NatGatewayId=nat)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.nat_route
    assert facts.public_routes == ()
    assert [result.status for result in links(facts)] == [PASS, PASS]
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed") is None

    target, _ = to_transit_gateway(ec2, vpc, subnet)
    other = prefix_list(ec2, "0.0.0.0/0")
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=other, **target)
    either = read_subnet_facts(ec2, subnet)

    for result in links(either):
        assert result.status == NOT_CHECKED, result
        assert f"0.0.0.0/0 (prefix list {other})" in result.detail
    judged = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    assert judged is not None
    assert judged.startswith(CANNOT_TELL)


@pytest.mark.parametrize("destination", ["cidr", "prefix-list"])
def test_a_narrower_route_to_a_private_nat_gateway_is_no_way_to_the_internet(ec2: Any, destination: str) -> None:
    """
    Beside ``0.0.0.0/0`` to a public NAT gateway, public ranges (``0.0.0.0/1`` + ``128.0.0.0/1``, or a prefix list) to
    a private NAT gateway, which "cannot" reach the internet (Amazon VPC User Guide, "NAT gateways"): the more specific
    routes take the public addresses away from the public NAT. Each NAT gateway of the table is described, not only the
    default route's: not checked (never the PASS of a way to the internet); the judge cannot tell.
    """
    network = "10.72" if destination == "cidr" else "10.73"
    vpc, subnet, table = nat_subnet(ec2, network)
    private = private_nat(ec2, vpc, network)
    if destination == "cidr":
        for cidr in ("0.0.0.0/1", "128.0.0.0/1"):
            ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, NatGatewayId=private)
    else:
        ec2.create_route(RouteTableId=table, DestinationPrefixListId=prefix_list(ec2, *PUBLIC), NatGatewayId=private)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.nat_route
    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert f"private NAT gateway {private}" in result.detail
    judged = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    assert judged is not None
    assert judged.startswith(CANNOT_TELL)


def entries_read_by(ec2: Any, other: Any) -> None:
    """
    Sign ``ec2``'s ``GetManagedPrefixListEntries`` with the credentials of ``other`` (a client of another account),
    its other requests with its own: a participant of a shared subnet sees the owner's route table (moto models no AWS
    RAM sharing) but reads prefix lists as its own account, which holds none of the owner's lists.
    """
    own, theirs = ec2._request_signer._credentials, other._request_signer._credentials

    def sign_as(operation_name: str, request_signer: Any, **_: Any) -> None:
        request_signer._credentials = theirs if operation_name == "GetManagedPrefixListEntries" else own

    ec2.meta.events.register("before-sign.ec2", sign_as)


def test_a_prefix_list_the_caller_cannot_read_is_not_an_empty_one(moto_url: str, ec2: Any) -> None:
    """
    Another account's list, not shared with the caller, is no list of the caller's: EC2 answers an error ("The prefix
    list ID 'pl-…' does not exist", as reported in aws-cloudformation/rain issue 308; the code is the stand-in's, see
    devstack/aws_vpc_states.py), which the stand-in plays (moto answered an empty entry list: the verifier read "routes
    nothing" and PASSED). A shared subnet's route
    to the owner's list of public ranges to a transit gateway beside the NAT route: not checked, naming the list.
    """
    vpc, subnet, table = nat_subnet(ec2, "10.74")
    target, name = to_transit_gateway(ec2, vpc, subnet)
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)
    participant = client(moto_url, DESTINATION_ACCOUNT, "ec2")

    for read in (
        lambda: participant.get_managed_prefix_list_entries(PrefixListId=listed),
        lambda: participant.describe_managed_prefix_lists(PrefixListIds=[listed]),
    ):
        with pytest.raises(ClientError) as refused:
            read()
        assert refused.value.response["Error"]["Code"] == "InvalidPrefixListID.NotFound"
    entries_read_by(ec2, participant)
    facts = read_subnet_facts(ec2, subnet)

    assert str(facts.prefix_lists_unread[0]).startswith(f"{listed} to {name}: its entries could not be read")
    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert listed in result.detail
        # Its owner sharing it is the remedy; no permission of the caller's reads another account's list.
        assert f"have the owner of {listed} share it with this account through AWS RAM" in result.fix, result.fix
        assert "ec2:GetManagedPrefixListEntries" not in result.fix


def test_a_hidden_dynamodb_gateway_endpoint_s_route_is_no_route_elsewhere(ec2: Any) -> None:
    """
    In a subnet shared by another account the owner's DynamoDB gateway endpoint is not described, but its route shows:
    to ``pl-…`` through ``vpce-…``. ``DescribePrefixLists`` names the list ``com.amazonaws.REGION.dynamodb``,
    DynamoDB's AWS-managed list (Amazon VPC User Guide, "AWS-managed prefix lists"): the route sends "traffic destined
    for the service" (AWS PrivateLink Guide, "Gateway endpoints"), as a described DynamoDB gateway endpoint's does, and
    takes nothing from the internet gateway route. EMRFS of a release calling STS's global endpoint (no interface
    endpoint serves it) on instances with public addresses reaches STS: PASS, as the judge finds (it lost its PASS to
    the list's entries read as routes to a Gateway Load Balancer endpoint).
    """
    vpc, subnet = private_subnet(ec2, "10.75")
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.dynamodb", VpcEndpointType="Gateway", RouteTableIds=[table]
    )
    as_a_participant(ec2)

    facts = read_subnet_facts(ec2, subnet, account_id="999999999999")

    assert facts.shared_by == EMR_ACCOUNT
    assert facts.public_routes_elsewhere == ()
    assert sts_endpoint_check("emr-5.30.0", facts).status == PASS
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-5.30.0", {}) is None


def test_a_refused_read_of_s3_s_own_prefix_list_names_the_action_in_the_s3_link(moto_url: str, ec2: Any) -> None:
    """
    Without a way to the internet, S3's prefix list's entries decide whether a route elsewhere (here a wider one,
    ``0.0.0.0/1``, which its entries beat when read) takes S3's addresses from the gateway endpoint: refused, the S3
    link is not checked, its detail says the refusal, and its fix names ec2:GetManagedPrefixListEntries to allow.
    """
    vpc, subnet = private_subnet(ec2, "10.73")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    target, _ = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/1", **target)
    refused: list[RefusedRead] = []

    facts = read_with_auth(
        moto_url, reader_denied(moto_url, "ec2:GetManagedPrefixListEntries"), subnet, refused=refused
    )

    result = s3_route_check("b", REGION, facts)
    assert result.status == NOT_CHECKED, result
    assert [item.action for item in refused] == ["ec2:GetManagedPrefixListEntries"]
    assert "overlapping" not in result.detail  # the entries were not read: no overlap was seen
    (link,) = name_refused_reads([Link(None, "route", UNKNOWN, result.detail, fix=result.fix)], refused)
    assert "allow ec2:GetManagedPrefixListEntries" in link.fix, result.detail


def test_a_hidden_s3_express_gateway_endpoint_s_route_is_neither_s3_s_gateway_nor_a_route_elsewhere(
    moto_url: str, ec2: Any
) -> None:
    """
    A subnet shared by another account, its route table holding the owner's S3 Express One Zone gateway endpoint's
    route (``pl-…`` to a ``vpce-…`` not described), which ``DescribePrefixLists`` names
    ``com.amazonaws.REGION.s3express`` (Amazon VPC User Guide, "AWS-managed prefix lists"). A gateway endpoint's route
    sends "traffic destined for the service" (AWS PrivateLink Guide, "Gateway endpoints"), and S3 Express One Zone's
    endpoints "are different from standard Amazon S3 endpoints" (Amazon S3 User Guide, "Step 1: Configure a gateway
    VPC endpoint to reach S3 Express One Zone directory buckets"): it carries neither S3's nor STS's requests. Without a
    way out and with no S3 gateway endpoint, S3 is not reached: the S3 Express endpoint is not taken for S3's gateway
    endpoint, nor its list's entries for routes to a Gateway Load Balancer endpoint (as they were); the owner, who sees
    every endpoint, gets the judge's FAIL. Beside an internet gateway route with public addresses, STS's global endpoint is reached (PASS, as the
    judge finds: it was not checked).
    """
    vpc, subnet = private_subnet(ec2, "10.76")
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3express", VpcEndpointType="Gateway", RouteTableIds=[table]
    )
    express = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert any(route.get("DestinationPrefixListId") for route in express)  # the stand-in routes it (aws_vpc_states)
    as_a_participant(ec2)

    facts = read_subnet_facts(ec2, subnet, account_id="999999999999")

    assert facts.shared_by == EMR_ACCOUNT
    assert (facts.public_routes, facts.prefix_lists_unread) == ((), ())
    assert facts.s3_gateway_endpoint is False
    result = s3_route_check("prefix-listed", REGION, facts)
    # Not the FAIL of the judge, which sees every endpoint: the owner's interface endpoints are hidden (AWS RAM).
    assert result.status == NOT_CHECKED, result
    assert "no S3 gateway endpoint" in result.detail
    assert "routes public addresses" not in result.detail
    judged = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed")
    assert judged is not None
    assert not judged.startswith(CANNOT_TELL)
    own = read_subnet_facts(client(moto_url, EMR_ACCOUNT, "ec2"), subnet)  # the owner sees its endpoint: no S3's
    assert own.s3_gateway_endpoint is False
    assert s3_route_check("prefix-listed", REGION, own).status == FAIL

    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)

    facts = read_subnet_facts(ec2, subnet, account_id="999999999999")

    assert facts.public_routes_elsewhere == ()
    assert sts_endpoint_check("emr-5.30.0", facts).status == PASS
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-5.30.0", {}) is None


def s3_list_answered_empty(region: str = REGION) -> str:
    """Empty the cluster account's S3 prefix list in moto's model, as a participant's or a quirk's answer would be;
    return the list's id (moto is reset before each test)."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[EMR_ACCOUNT][region]
    listed = next(
        item for item in backend.managed_prefix_lists.values() if item.prefix_list_name == f"com.amazonaws.{region}.s3"
    )
    listed.entries = {key: [] for key in listed.entries}
    return str(listed.id)


def test_s3_s_own_prefix_list_answered_empty_is_no_list_that_routes_nothing(ec2: Any) -> None:
    """
    The S3 gateway endpoint's route is to S3's AWS-managed prefix list, one of the "sets of IP address ranges for AWS
    services" that AWS maintains (Amazon VPC User Guide, "AWS-managed prefix lists"). Answered with no entries, S3's
    ranges are not known, not absent: a route elsewhere (here ``52.216.0.0/16``, inside an S3 range of moto's list, to
    a transit gateway) may take S3's addresses from the endpoint. Not checked, naming the empty answer (it PASSED: no
    entry, no overlap); the judge cannot tell either. Without such a route the gateway endpoint still is the way.
    """
    vpc, subnet = private_subnet(ec2, "10.77")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    listed = s3_list_answered_empty()
    assert ec2.get_managed_prefix_list_entries(PrefixListId=listed)["Entries"] == []

    assert s3_route_check("prefix-listed", REGION, read_subnet_facts(ec2, subnet)).status == PASS
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed") is None

    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    target, name = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="52.216.0.0/16", **target)

    facts = read_subnet_facts(ec2, subnet)

    result = s3_route_check("prefix-listed", REGION, facts)
    assert result.status == NOT_CHECKED, result
    assert f"52.216.0.0/16 to {name}" in result.detail
    assert f"{listed}" in result.detail
    assert "no entries" in result.detail
    judged = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "prefix-listed")
    assert judged is not None
    assert judged.startswith(CANNOT_TELL)


def test_another_account_s_list_answered_empty_is_not_taken_for_an_empty_list(moto_url: str, ec2: Any) -> None:
    """
    A participant's read of the owner's customer-managed list may answer no entries rather than an error (what EC2
    answers there is not documented: devstack/aws_vpc_states.py). An empty answer is the list's truth only for a list
    ``DescribeManagedPrefixLists`` shows the caller, not named ``com.amazonaws…`` ("The name cannot start with
    com.amazonaws", Amazon EC2 API Reference, "CreateManagedPrefixList"): its own, or one shared with it ("Consumers can
    view the entries in a shared prefix list", Amazon VPC User Guide, "Shared prefix list permissions"). Here that read
    answers the list is none of the caller's: not checked, naming it (it PASSED through the NAT gateway: the list
    "routed nothing"). The caller's own empty list routes nothing: PASS, as the judge finds.
    """
    vpc, subnet, table = nat_subnet(ec2, "10.78")
    target, name = to_transit_gateway(ec2, vpc, subnet)
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)
    participant = client(moto_url, DESTINATION_ACCOUNT, "ec2")

    def answered_empty(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Entries"] = []

    reader = client(moto_url, EMR_ACCOUNT, "ec2")
    reader.meta.events.register("after-call.ec2.GetManagedPrefixListEntries", answered_empty)
    own, theirs = reader._request_signer._credentials, participant._request_signer._credentials

    def sign_as(operation_name: str, request_signer: Any, **_: Any) -> None:
        request_signer._credentials = theirs if operation_name == "DescribeManagedPrefixLists" else own

    reader.meta.events.register("before-sign.ec2", sign_as)

    facts = read_subnet_facts(reader, subnet)

    assert str(facts.prefix_lists_unread[0]).startswith(f"{listed} to {name}: "), facts.prefix_lists_unread
    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert listed in result.detail
        assert f"have the owner of {listed} share it with this account through AWS RAM" in result.fix, result.fix
        assert "ec2:GetManagedPrefixListEntries" not in result.fix

    empty = ec2.create_managed_prefix_list(PrefixListName="nothing-yet", MaxEntries=1, AddressFamily="IPv4")
    ec2.delete_route(RouteTableId=table, DestinationPrefixListId=listed)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=empty["PrefixList"]["PrefixListId"], **target)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.prefix_lists_unread == ()
    assert [result.status for result in links(facts)] == [PASS, PASS]
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None


def test_a_refused_describe_managed_prefix_lists_behind_an_empty_answer_is_named_in_the_s3_link(
    moto_url: str, ec2: Any
) -> None:
    """
    S3's list answered empty, and ``DescribeManagedPrefixLists`` (which tells an empty list from one not read) refused:
    the S3 link is not checked, its detail says the refusal, and its fix names ec2:DescribeManagedPrefixLists to allow.
    """
    vpc, subnet = private_subnet(ec2, "10.79")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    s3_list_answered_empty()
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    target, _ = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="52.216.0.0/16", **target)
    reader = reader_denied(moto_url, "ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries")
    refused: list[RefusedRead] = []

    facts = read_with_auth(moto_url, reader, subnet, refused=refused)

    result = s3_route_check("b", REGION, facts)
    assert result.status == NOT_CHECKED, result
    assert [item.action for item in refused] == ["ec2:DescribeManagedPrefixLists"]
    (link,) = name_refused_reads([Link(None, "route", UNKNOWN, result.detail, fix=result.fix)], refused)
    assert "allow ec2:DescribeManagedPrefixLists" in link.fix, result.detail


def test_a_hidden_gateway_endpoint_whose_list_was_not_named_is_unread_not_a_load_balancer_route(
    moto_url: str, ec2: Any
) -> None:
    """
    In a shared subnet the owner's S3 gateway endpoint shows only as its route (``pl-…`` to a ``vpce-…`` not described),
    and ``DescribePrefixLists``, which names its list, is refused: what the route is, a gateway endpoint carrying only
    its service's traffic (AWS PrivateLink Guide, "Gateway endpoints") or a Gateway Load Balancer endpoint carrying the
    list's ranges, is not known. Beside an internet gateway route with public addresses, STS's global endpoint is not
    checked, the detail saying the refusal, so the link's fix names ec2:DescribePrefixLists to allow (the list's
    entries were read as routes to a Gateway Load Balancer endpoint, and the fix named nothing to allow).
    """
    vpc, subnet = private_subnet(ec2, "10.80")
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    table = default_route_table(ec2, vpc, subnet)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    reader = reader_denied(moto_url, "ec2:DescribePrefixLists")
    as_a_participant(reader)
    refused: list[RefusedRead] = []

    facts = read_with_auth(moto_url, reader, subnet, account_id="999999999999", refused=refused)

    result = sts_endpoint_check("emr-5.30.0", facts)
    assert result.status == NOT_CHECKED, result
    assert "Gateway Load Balancer" not in result.detail
    assert [item.action for item in refused] == ["ec2:DescribePrefixLists"]
    assert result.fix.startswith("allow ec2:DescribePrefixLists on pl-"), result.fix  # the refused read, no other
    assert "ec2:GetManagedPrefixListEntries" not in result.fix
    (link,) = name_refused_reads([Link(None, "route", UNKNOWN, result.detail, fix=result.fix)], refused)
    assert "allow ec2:DescribePrefixLists" in link.fix, result.detail


def test_a_route_s_list_answered_empty_with_describe_refused_names_that_action_alone(moto_url: str, ec2: Any) -> None:
    """
    A customer list routed to a transit gateway beside the NAT route, answered with no entries (as another account's
    may be: devstack/aws_vpc_states.py), and ``DescribeManagedPrefixLists``, which tells an empty list from one not
    read, refused: the links are not checked, and their fix names ec2:DescribeManagedPrefixLists, the refused read, not
    ec2:GetManagedPrefixListEntries, which was allowed and answered (the fix named it whatever the reason).
    """
    vpc, subnet, table = nat_subnet(ec2, "10.81")
    target, name = to_transit_gateway(ec2, vpc, subnet)
    listed = prefix_list(ec2, *PUBLIC)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)
    reader = reader_denied(moto_url, "ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries")

    def answered_empty(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Entries"] = []

    reader.meta.events.register("after-call.ec2.GetManagedPrefixListEntries", answered_empty)
    refused: list[RefusedRead] = []

    facts = read_with_auth(moto_url, reader, subnet, refused=refused)

    assert [item.action for item in refused] == ["ec2:DescribeManagedPrefixLists"]
    assert str(facts.prefix_lists_unread[0]).startswith(f"{listed} to {name}: "), facts.prefix_lists_unread
    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert result.fix.startswith(f"allow ec2:DescribeManagedPrefixLists on {listed} to check them"), result.fix
        assert "ec2:GetManagedPrefixListEntries" not in result.fix
        (link,) = name_refused_reads([Link(None, "route", UNKNOWN, result.detail, fix=result.fix)], refused)
        assert link.refused_reads == refused  # the detail holds the refusal: the report lists it with the link
        assert link.fix == result.fix  # which the fix names already


def test_an_aws_managed_list_answered_empty_as_a_route_s_destination_has_only_the_live_probe_for_a_fix(
    ec2: Any,
) -> None:
    """
    S3's AWS-managed list routed to a transit gateway beside the NAT route (a route may go to an AWS-managed list, to
    any target: Amazon VPC User Guide, "Prefix list references"), answered with no entries: AWS maintains its ranges
    (Amazon VPC User Guide, "AWS-managed prefix lists"), and nothing the user allows or shares reads them. The links
    are not checked and the fix is a look at the list's ranges, naming why (it told the user to allow
    ec2:GetManagedPrefixListEntries, which was allowed and answered); not the live probe, which reaches one of the
    endpoint's addresses, not each (an entry may take some of them: tests/unit/test_network_some_addresses.py).
    """
    vpc, subnet, table = nat_subnet(ec2, "10.82")
    target, name = to_transit_gateway(ec2, vpc, subnet)
    listed = s3_list_answered_empty()
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)

    facts = read_subnet_facts(ec2, subnet)

    assert str(facts.prefix_lists_unread[0]).startswith(f"{listed} to {name}: "), facts.prefix_lists_unread
    for result in links(facts):
        assert result.status == NOT_CHECKED, result
        assert result.fix.startswith("check that their ranges hold none of the endpoint's addresses"), result.fix
        assert not result.probe_settles
        assert f"{listed}: AWS-managed, answered with no entries" in result.fix
        assert "ec2:" not in result.fix  # no action to allow
