"""
Two network judgments whose read kept too little (review U1): an STS interface endpoint whose private DNS publishes
AAAA records only, and a NAT gateway without a way out whose subnet's route table holds an S3 gateway endpoint.

- ``DnsOptions.DnsRecordIpType`` is ``ipv4 | dualstack | ipv6 | service-defined`` (Amazon EC2 API Reference,
  "DnsOptions", "DnsOptionsSpecification"); ``ipv6`` creates only AAAA records for the private, Regional and zonal
  DNS names (AWS PrivateLink Guide, "DNS record IP type"), so an IPv4-only node finds no address for the Regional name
  there; AWS STS answers IPv6 clients (IAM User Guide, "Dual-stack endpoint support").
- A gateway endpoint's prefix-list route carries S3's traffic of its Region (AWS PrivateLink Guide, "Gateway
  endpoints"), and it is more specific than any default route (Amazon VPC User Guide, "How route priority works").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.hooks.network import read_subnet_facts
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN, VERDICT_FAIL, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.endpoint_policy import INTERFACE, EndpointPolicy
from airflow_provider_emrfs_xacct.pure.network import (
    NOT_CHECKED,
    sts_endpoint_check,
    sts_endpoints_in_path,
)
from tests.unit.test_chain import ASSUME, by_name
from tests.unit.test_endpoint_policies import ASSUME_ONLY_OWN_ROLES, FULL_ACCESS, private_subnet, with_subnet
from tests.unit.test_network_reads import (
    _HTTPS_FROM_THE_VPC,
    ACCOUNT,
    REGION,
    S3_GATEWAY,
    S3_ROUTE,
    STS_ENDPOINT,
    TO_THE_IGW,
    TO_THE_NAT,
    FakeEC2,
    TwoSubnets,
    behind_a_nat,
    links,
    nat,
    table,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.network import StsReachability


def _sts_endpoint_with_dns_records(
    record_type: str | None,
) -> tuple[StsReachability, tuple[EndpointPolicy, ...] | None]:
    """The STS link and the endpoints in its path, the subnet's only way to STS a dual-stack STS interface endpoint."""
    endpoint = {**STS_ENDPOINT, "IpAddressType": "dualstack"}
    if record_type is not None:
        endpoint["DnsOptions"] = {"DnsRecordIpType": record_type}
    ec2 = TwoSubnets([table("rtb-emr", "subnet-emr")], endpoints=(endpoint,))
    ec2.groups = {"sg-vpce": {"IpPermissions": [_HTTPS_FROM_THE_VPC]}}
    facts = read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT)
    sts = sts_endpoint_check("emr-6.15.0", facts)
    return sts, sts_endpoints_in_path(facts, sts.endpoint)


def test_an_sts_endpoint_whose_private_dns_publishes_aaaa_records_only_is_not_a_pass() -> None:
    """DnsRecordIpType ipv6: AAAA records only (AWS PrivateLink Guide, "DNS record IP type"); the IPv4 rules say nothing."""
    sts, in_path = _sts_endpoint_with_dns_records("ipv6")
    assert sts.status == NOT_CHECKED, sts.detail
    assert "AAAA records only" in sts.detail
    assert "vpce-sts" in sts.detail
    assert in_path  # its policy is on the only way to the Regional name (see the AAAA-only AssumeRole tests below)
    assert in_path[0].endpoint_id == "vpce-sts"


def test_an_sts_endpoint_with_a_records_still_passes() -> None:
    """ipv4, dualstack and service-defined create A records for the private DNS name; no DnsOptions is as before."""
    for record_type in ("ipv4", "dualstack", "service-defined", None):
        sts, in_path = _sts_endpoint_with_dns_records(record_type)
        assert sts.status == "PASS", (record_type, sts.detail)
        assert in_path
        assert in_path[0].endpoint_id == "vpce-sts"


def test_a_nat_gateway_without_a_way_out_but_with_an_s3_gateway_endpoint_leaves_same_region_writes_not_checked() -> (
    None
):
    """
    The NAT gateway's subnet has no default route, but its S3 gateway endpoint's route may carry S3's traffic of the
    cluster's Region: no certain FAIL there; STS and a bucket of another Region still have no way out.
    """
    ec2 = behind_a_nat(S3_ROUTE, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat"]},))
    sts, other_region = links(ec2)
    _, same_region = links(ec2, REGION)

    assert (sts.status, other_region.status) == ("FAIL", "FAIL")
    assert same_region.status == NOT_CHECKED, same_region.detail
    assert "vpce-s3" in same_region.detail
    assert "what their policies say, is not checked" in same_region.detail


def test_a_nat_gateway_without_a_way_out_or_an_s3_gateway_endpoint_still_fails_same_region_writes() -> None:
    _, same_region = links(behind_a_nat(), REGION)
    assert same_region.status == "FAIL", same_region.detail


#: A route to the NAT gateway narrower than the default route, to a private range: S3's public addresses never take it.
TO_THE_NAT_NARROW = {"DestinationCidrBlock": "10.8.0.0/16", "NatGatewayId": "nat-1", "State": "active"}


class _PublicSubnet(FakeEC2):
    """The cluster's subnet gives its instances public IPv4 addresses (MapPublicIpOnLaunch)."""

    def describe_subnets(self, SubnetIds: list[str]) -> dict[str, Any]:
        shown = super().describe_subnets(SubnetIds)
        return {"Subnets": [{**subnet, "MapPublicIpOnLaunch": True} for subnet in shown["Subnets"]]}


def _narrow_route_to_a_dead_end_nat(ec2_class: type[FakeEC2], *routes: dict[str, Any]) -> FakeEC2:
    """The cluster's subnet has ``routes`` and 10.8.0.0/16 to nat-1, whose own subnet has only an S3 gateway endpoint."""
    tables = [table("rtb-emr", "subnet-emr", *routes, TO_THE_NAT_NARROW), table("rtb-nat", "subnet-nat", S3_ROUTE)]
    return ec2_class(tables, nat=nat(), endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat"]},))


def test_a_narrow_private_route_to_a_dead_end_nat_does_not_lend_its_s3_gateway_endpoint_to_a_subnet_without_a_way() -> (
    None
):
    """
    The most specific route decides (Amazon VPC User Guide, "How route priority works"): a route to 10.8.0.0/16 never
    carries S3's public addresses to the NAT gateway, so its subnet's S3 gateway endpoint is on no way of the cluster's
    subnet, which has no default route: a same-Region write has no way out, a certain FAIL (was "not checked").
    """
    _, same_region = links(_narrow_route_to_a_dead_end_nat(FakeEC2), REGION)

    assert same_region.status == "FAIL", same_region.detail
    assert "through a NAT gateway" not in same_region.detail


def test_a_narrow_private_route_to_a_dead_end_nat_leaves_a_public_subnet_s_internet_way_judged() -> None:
    """
    An internet gateway default route with public addresses carries S3's requests ("How route priority works": the
    10.8.0.0/16 route to the NAT gateway takes none of S3's addresses): a same-Region write PASSes (was "not checked").
    """
    _, same_region = links(_narrow_route_to_a_dead_end_nat(_PublicSubnet, TO_THE_IGW), REGION)

    assert same_region.status == "PASS", same_region.detail
    assert "through a NAT gateway" not in same_region.detail


def _chain_through_an_aaaa_only_endpoint(document: dict[str, Any]) -> Any:
    """The chain's report beside a NAT route, the VPC's STS endpoint (policy ``document``) AAAA-only."""
    facts = private_subnet(
        nat_route=True,
        sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, document),),
        sts_endpoints_aaaa_only=("vpce-sts",),
    )
    return check_chain(with_subnet(facts))


def test_an_aaaa_only_sts_endpoint_refusing_the_assume_role_fails_it() -> None:
    """
    With the endpoint's private DNS on, its private hosted zone answers for the Regional name: an A query it holds no
    record for gets NXDOMAIN, never public DNS (Route 53 Developer Guide, "Considerations when working with a private
    hosted zone": "Resolver doesn't forward the request to a public DNS resolver. Instead, it returns NXDOMAIN"). So
    AssumeRole goes through this endpoint (over IPv6) or nowhere: its policy refusing it fails the link either way.
    """
    report = _chain_through_an_aaaa_only_endpoint(ASSUME_ONLY_OWN_ROLES)
    link = by_name(report)[ASSUME]

    assert link.status == FAIL, link
    assert "VPC endpoint policy of vpce-sts" in link.detail
    assert "DNS attributes" not in link.detail
    assert report.verdict == VERDICT_FAIL


def test_an_aaaa_only_sts_endpoint_allowing_the_assume_role_is_still_not_a_pass() -> None:
    """Its policy allows, but the IPv6 way is not judged (the route link stays "not checked" for AAAA records only)."""
    facts = private_subnet(nat_route=True, sts_endpoints_aaaa_only=("vpce-sts",))
    assert sts_endpoints_in_path(facts, f"https://sts.{facts.region}.amazonaws.com") == facts.sts_endpoint_policies

    report = _chain_through_an_aaaa_only_endpoint(FULL_ACCESS)
    route = by_name(report)["cluster reaches STS"]

    assert route.status == UNKNOWN, route
    assert "AAAA records only" in route.detail
    assert report.verdict == VERDICT_NOT_CHECKED
    assert not any("DNS attributes" in link.detail for link in report.links)


#: Routes to nat-1 holding S3's public addresses though none is the default route: the two halves of the IPv4 space, or
#: 52.0.0.0/8 (this fake's S3 prefix list holds 52.218.0.0/17).
PUBLIC_HALVES = tuple(
    {"DestinationCidrBlock": cidr, "NatGatewayId": "nat-1", "State": "active"} for cidr in ("0.0.0.0/1", "128.0.0.0/1")
)
TO_THE_NAT_52 = ({"DestinationCidrBlock": "52.0.0.0/8", "NatGatewayId": "nat-1", "State": "active"},)


def _public_routes_to_a_dead_end_nat(routes: tuple[dict[str, Any], ...]) -> FakeEC2:
    """The cluster's subnet has only ``routes`` (to nat-1), whose own subnet has only an S3 gateway endpoint's route."""
    tables = [table("rtb-emr", "subnet-emr", *routes), table("rtb-nat", "subnet-nat", S3_ROUTE)]
    return FakeEC2(tables, nat=nat(), endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat"]},))


def test_a_public_range_route_to_a_dead_end_nat_lends_its_s3_gateway_endpoint_as_the_default_route_does() -> None:
    """
    The longest prefix match decides (Amazon VPC User Guide, "How route priority works"): S3's public addresses take
    0.0.0.0/1 + 128.0.0.0/1, or 52.0.0.0/8, to the NAT gateway as they would 0.0.0.0/0; there the S3 gateway endpoint's
    prefix-list route may carry a same-Region write (AWS PrivateLink Guide, "Gateway endpoints"): not checked, never a
    certain FAIL. STS and another Region's bucket still have no way out.
    """
    for routes in (PUBLIC_HALVES, TO_THE_NAT_52):
        ec2 = _public_routes_to_a_dead_end_nat(routes)
        sts, other_region = links(ec2)
        _, same_region = links(ec2, REGION)

        assert (sts.status, other_region.status) == ("FAIL", "FAIL"), routes
        assert same_region.status == NOT_CHECKED, (routes, same_region.detail)
        assert "vpce-s3" in same_region.detail


def test_an_ipv6_route_to_a_dead_end_nat_lends_no_s3_gateway_endpoint() -> None:
    """
    IPv4 and IPv6 routes are independent ("How route priority works"), and the S3 name judged here
    (``s3.REGION.amazonaws.com``) is reached over IPv4: IPv6 takes S3's dual-stack names (Amazon S3 User Guide, "Making
    requests to Amazon S3 over IPv6": "you need to use a dual-stack endpoint"). So a NAT64 route (64:ff9b::/96) to the
    NAT gateway carries none of the requests: without a route out, a certain FAIL (a guard of the new rule).
    """
    nat64 = ({"DestinationIpv6CidrBlock": "64:ff9b::/96", "NatGatewayId": "nat-1", "State": "active"},)
    _, same_region = links(_public_routes_to_a_dead_end_nat(nat64), REGION)

    assert same_region.status == "FAIL", same_region.detail
    assert "vpce-s3" not in same_region.detail


def test_a_narrow_private_route_to_a_second_nat_does_not_lend_its_s3_gateway_endpoint_to_the_default_route_s_nat() -> (
    None
):
    """
    The default route to nat-1 (internet, no S3 gateway endpoint on its subnet) carries S3's requests; the 10.8.0.0/16
    route to nat-2 (internet, an S3 gateway endpoint on its subnet) carries none of S3's public addresses ("How route
    priority works"): a same-Region write PASSes through nat-1, as without the nat-2 route (was "not checked").
    """
    narrow = {"DestinationCidrBlock": "10.8.0.0/16", "NatGatewayId": "nat-2", "State": "active"}
    tables = [
        table("rtb-emr", "subnet-emr", TO_THE_NAT, narrow),
        table("rtb-nat", "subnet-nat", TO_THE_IGW),
        table("rtb-nat2", "subnet-nat2", TO_THE_IGW, S3_ROUTE),
    ]
    ec2 = FakeEC2(tables, nat=nat(), endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat2"]},))
    ec2.nats.append({**nat(), "NatGatewayId": "nat-2", "SubnetId": "subnet-nat2"})
    _, same_region = links(ec2, REGION)

    assert same_region.status == "PASS", same_region.detail
    assert "vpce-s3" not in same_region.detail


def test_a_public_range_route_to_an_internet_nat_beside_an_internet_gateway_default_lends_its_s3_gateway_endpoint() -> (
    None
):
    """
    The default route goes to an internet gateway (public IP addresses on), and 52.0.0.0/8 to nat-1, which reaches the
    internet and whose subnet holds the S3 gateway endpoint: S3's addresses in that range take nat-1 (the longest
    prefix decides: "How route priority works") and may meet the endpoint, whose policy is not judged there: not
    checked, never a PASS "through an internet gateway".
    """
    tables = [
        table("rtb-emr", "subnet-emr", TO_THE_IGW, *TO_THE_NAT_52),
        table("rtb-nat", "subnet-nat", TO_THE_IGW, S3_ROUTE),
    ]
    ec2 = _PublicSubnet(tables, nat=nat(), endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat"]},))
    _, same_region = links(ec2, REGION)

    assert same_region.status == NOT_CHECKED, same_region.detail
    assert "vpce-s3" in same_region.detail


def test_a_route_over_an_s3_entry_to_a_nat_whose_subnet_has_its_own_s3_gateway_endpoint_is_not_a_pass() -> None:
    """
    The subnet has its own S3 gateway endpoint, but 52.218.0.0/17 to nat-1 takes that entry of S3's list from it (a
    static route as specific wins: "How route priority works"); in nat-1's subnet the S3 prefix-list route of another
    gateway endpoint (vpce-s3b) beats its default route, so those requests meet vpce-s3b, whose policy is not judged
    there: not checked (was a PASS through the subnet's own endpoint and the NAT gateway).
    """
    second = {**S3_GATEWAY, "VpcEndpointId": "vpce-s3b", "RouteTableIds": ["rtb-nat"]}
    to_the_nat = {"DestinationCidrBlock": "52.218.0.0/17", "NatGatewayId": "nat-1", "State": "active"}
    ec2 = behind_a_nat(
        TO_THE_IGW,
        {**S3_ROUTE, "GatewayId": "vpce-s3b"},
        endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]}, second),
    )
    ec2.tables[0]["Routes"] += [S3_ROUTE, to_the_nat]
    _, same_region = links(ec2, REGION)

    assert same_region.status == NOT_CHECKED, same_region.detail
    assert "vpce-s3b" in same_region.detail
    # One endpoint route per service in a route table (AWS PrivateLink Guide, "Gateway endpoints"): not "add it".
    assert "add that gateway endpoint" not in same_region.fix
    assert "narrow the subnet's route to the NAT gateway" in same_region.fix


OVER_S3_ENTRY = {"DestinationCidrBlock": "52.218.0.0/17", "State": "active"}


def test_a_route_over_an_s3_entry_to_a_nat_on_the_same_endpoint_s_table_still_passes() -> None:
    """One S3 gateway endpoint on both route tables (the common layout): its policy is the one judged, either way."""
    ec2 = behind_a_nat(TO_THE_IGW, S3_ROUTE, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr", "rtb-nat"]},))
    ec2.tables[0]["Routes"] += [S3_ROUTE, {**OVER_S3_ENTRY, "NatGatewayId": "nat-1"}]
    _, same_region = links(ec2, REGION)

    assert same_region.status == "PASS", same_region.detail


def test_a_route_over_an_s3_entry_elsewhere_than_a_nat_names_that_route_not_a_nat_subnet_s_endpoint() -> None:
    """The NAT subnet's own endpoint (vpce-s3b) is not on the way of a route to a transit gateway: that route is."""
    second = {**S3_GATEWAY, "VpcEndpointId": "vpce-s3b", "RouteTableIds": ["rtb-nat"]}
    ec2 = behind_a_nat(
        TO_THE_IGW,
        {**S3_ROUTE, "GatewayId": "vpce-s3b"},
        endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]}, second),
    )
    ec2.tables[0]["Routes"] += [S3_ROUTE, {**OVER_S3_ENTRY, "TransitGatewayId": "tgw-1"}]
    _, same_region = links(ec2, REGION)

    assert same_region.status == NOT_CHECKED, same_region.detail
    assert "52.218.0.0/17 to transit gateway tgw-1" in same_region.detail
    assert "vpce-s3b" not in same_region.detail


def test_a_route_over_an_s3_entry_to_the_internet_gateway_passes_beside_a_nat_subnet_s_endpoint() -> None:
    """
    With public IP addresses, the subnet's endpoint and 52.218.0.0/17 to the internet gateway take all of S3's listed
    ranges: none reaches the default route's NAT gateway and the endpoint on its subnet ("How route priority works").
    """
    second = {**S3_GATEWAY, "VpcEndpointId": "vpce-s3b", "RouteTableIds": ["rtb-nat"]}
    tables = [
        table("rtb-emr", "subnet-emr", TO_THE_NAT, S3_ROUTE, {**OVER_S3_ENTRY, "GatewayId": "igw-1"}),
        table("rtb-nat", "subnet-nat", TO_THE_IGW, {**S3_ROUTE, "GatewayId": "vpce-s3b"}),
    ]
    ec2 = _PublicSubnet(tables, nat=nat(), endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]}, second))
    _, same_region = links(ec2, REGION)

    assert same_region.status == "PASS", same_region.detail


def test_without_a_default_route_a_route_over_an_s3_entry_to_an_internet_nat_lends_its_subnet_s_endpoint() -> None:
    """
    No default route: 52.218.0.0/17 to nat-1 (which reaches the internet) takes that entry from the subnet's own
    endpoint ("How route priority works"), and in nat-1's subnet vpce-s3b's prefix-list route takes the requests:
    not checked (was a PASS "through the S3 gateway endpoint on its route table").
    """
    second = {**S3_GATEWAY, "VpcEndpointId": "vpce-s3b", "RouteTableIds": ["rtb-nat"]}
    tables = [
        table("rtb-emr", "subnet-emr", S3_ROUTE, {**OVER_S3_ENTRY, "NatGatewayId": "nat-1"}),
        table("rtb-nat", "subnet-nat", TO_THE_IGW, {**S3_ROUTE, "GatewayId": "vpce-s3b"}),
    ]
    ec2 = FakeEC2(tables, nat=nat(), endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-emr"]}, second))
    _, same_region = links(ec2, REGION)

    assert same_region.status == NOT_CHECKED, same_region.detail
    assert "vpce-s3b" in same_region.detail


def test_a_customer_prefix_list_route_to_a_nat_lends_its_subnet_s_s3_gateway_endpoint() -> None:
    """
    A public subnet's route to nat-1 by a customer-managed prefix list (its entries, perhaps S3's ranges, not read
    here) wins over the default route for those entries ("How route priority works": the longest prefix, then a
    prefix-list route's entries like CIDR routes); in nat-1's subnet the S3 gateway endpoint's prefix-list route takes
    them, that endpoint's policy not judged: not checked (a PASS if only public ranges sent requests to the NAT).
    """
    to_the_nat_by_list = {"DestinationPrefixListId": "pl-customer", "NatGatewayId": "nat-1", "State": "active"}
    tables = [
        table("rtb-emr", "subnet-emr", TO_THE_IGW, to_the_nat_by_list),
        table("rtb-nat", "subnet-nat", TO_THE_IGW, S3_ROUTE),
    ]
    ec2 = _PublicSubnet(tables, nat=nat(), endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat"]},))
    _, same_region = links(ec2, REGION)

    assert same_region.status == NOT_CHECKED, same_region.detail
    assert "vpce-s3" in same_region.detail
