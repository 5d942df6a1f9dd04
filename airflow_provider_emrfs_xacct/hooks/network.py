"""Read the facts about a cluster's subnet that decide whether EMRFS reaches STS and S3 (for the verifier)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.errors import error_code, is_access_denied, says_nothing_of_the_read
from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead
from airflow_provider_emrfs_xacct.pure.endpoint_policy import GATEWAY, EndpointPolicy
from airflow_provider_emrfs_xacct.pure.network import (
    AWS_MANAGED_EMPTY,
    DESCRIBE_REFUSED,
    DNS_HOSTNAMES,
    DNS_SUPPORT,
    ENTRIES_REFUSED,
    NAMES_REFUSED,
    NOT_SHOWN,
    READ_FAILED,
    S3_SERVICE,
    SubnetFacts,
    UnreadPrefixList,
    dynamodb_endpoint_services,
    s3_endpoint_services,
    s3express_endpoint_services,
    sts_endpoint_services,
)
from airflow_provider_emrfs_xacct.pure.packet_filters import (
    AclEntry,
    EgressRule,
    NetworkAcl,
    PacketFilters,
    SubnetAcl,
)
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule, NodeGroups

if TYPE_CHECKING:
    from collections.abc import Collection

#: ``DescribeRouteTables`` route targets other than a NAT or an internet gateway (Amazon EC2 API
#: Reference, "Route"), as the check names them: a default route to one of them is egress not seen.
OTHER_TARGETS = (
    ("TransitGatewayId", "transit gateway"),
    ("CoreNetworkArn", "Cloud WAN core network"),
    ("VpcPeeringConnectionId", "VPC peering connection"),
    ("NetworkInterfaceId", "network interface"),
    ("InstanceId", "instance"),
    ("LocalGatewayId", "local gateway"),
    ("CarrierGatewayId", "carrier gateway"),
)
#: The private (RFC 1918) and shared (RFC 6598) IPv4 address space: no AWS public endpoint is there.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
#: The key marking a route :func:`_with_prefix_list_entries` made of a prefix list's entry: the list's id.
PREFIX_LIST_ENTRY = "PrefixListEntryOf"
#: The IAM action of ``GetManagedPrefixListEntries`` (Service Authorization Reference, Amazon EC2).
ENTRIES_ACTION = "ec2:GetManagedPrefixListEntries"
#: The IAM action of ``DescribeManagedPrefixLists``, which tells an empty list from one not read (:func:`_empty_answer`).
DESCRIBE_LISTS_ACTION = "ec2:DescribeManagedPrefixLists"
#: How every AWS-managed prefix list's name starts, and no customer-managed one's ("The name cannot start with
#: com.amazonaws", Amazon EC2 API Reference, "CreateManagedPrefixList"); in the China Regions, where services may be
#: named ``cn.com.amazonaws.REGION.SERVICE`` (:func:`~.pure.network.s3_endpoint_services`), that form too: an empty
#: answer for a list so named is then not read, never taken to route nothing.
AWS_MANAGED = ("com.amazonaws.", "cn.com.amazonaws.")
#: ``GatewayId`` prefixes: a Gateway Load Balancer (Network Firewall) endpoint, a virtual private gateway.
OTHER_GATEWAYS = (("vpce-", "Gateway Load Balancer endpoint"), ("vgw-", "virtual private gateway"))


def read_subnet_facts(
    ec2: Any,
    subnet_id: str,
    instance_groups: Collection[str] = (),
    account_id: str = "",
    *,
    conn_id: str | None = None,
    refused: list[RefusedRead] | None = None,
) -> SubnetFacts:
    """
    Read a subnet's routes and its VPC's STS interface endpoint with an EC2 client of the EMR account.

    Calls ``DescribeSubnets``, ``DescribeRouteTables`` (the subnet's own table, else the VPC's main
    table, as EC2 routes it) and ``DescribeVpcEndpoints``, the last two to their last page (:func:`_every`),
    and ``DescribeNatGateways`` for the NAT gateways its routes go to, with ``DescribeRouteTables`` of each public
    one's own subnet (:func:`_nat_gateways`): a private one, one the caller cannot describe, or one whose subnet routes
    elsewhere than an internet gateway, is egress not seen; one whose subnet has no route out, no way out.
    ``DescribeVpcAttribute`` reads the VPC's ``enableDnsSupport``, without which the Amazon-provided DNS server resolves
    no name for any way, and ``enableDnsHostnames``, which an STS or S3 interface endpoint's private DNS needs too
    (:func:`_vpc_dns`), and, with an STS interface endpoint with private DNS,
    ``DescribeSecurityGroups`` the inbound rules of the endpoint's security groups (:func:`_ingress`), and
    ``DescribeVpcs`` and ``DescribeDhcpOptions`` the DNS servers the VPC's DHCP options give the nodes (:func:`_dhcp_facts`). The same
    ``DescribeVpcEndpoints`` answer gives the VPC's S3 endpoints, and the route table's own gateway endpoint routes
    stand for those it does not show (:func:`_s3_endpoints`). ``GetManagedPrefixListEntries`` reads the entries of the
    other prefix lists routes go to, which are judged as CIDR routes (:func:`_with_prefix_list_entries`), and
    ``DescribeManagedPrefixLists`` tells a list answered with no entries from one not read (:func:`_empty_answer`).
    ``DescribeNetworkAcls`` reads the network ACLs of the subnets on the ways out, and ``DescribeSecurityGroups`` the
    egress rules of the cluster's security groups (:func:`_packet_filters`).

    :param ec2: a boto3 EC2 client in the cluster's account and Region.
    :param subnet_id: the cluster's ``Ec2InstanceAttributes.Ec2SubnetId``.
    :param instance_groups: the security groups of the cluster's instances: a
        :class:`~.pure.security_groups.NodeGroups` (the primary node's apart from the core and task nodes'), or groups
        every instance holds (a rule naming one lets them all in).
    :param account_id: the caller's account: a subnet another account owns is shared with it (AWS RAM), and that
        account's interface endpoints are not visible (``SubnetFacts.shared_by``); empty when not known.
    :param conn_id: the connection of ``ec2``, which each refused read names.
    :param refused: where each read AWS refused and these facts answer around (e.g. ``ec2:DescribeSecurityGroups``)
        is added, also when a later call fails: the verifier's report lists them.

    Credentials AWS refuses and throttling past the retries say nothing of what is read: every read here raises them
    (:func:`~.hooks.errors.says_nothing_of_the_read`), as the verifier's own reads do, never a fact "not read".
    """
    noted: list[RefusedRead] = []
    try:
        return _read_subnet_facts(ec2, subnet_id, instance_groups, account_id, noted)
    finally:
        if refused is not None:
            refused.extend(replace(item, connection=conn_id, account=account_id) for item in noted)


def _read_subnet_facts(
    ec2: Any, subnet_id: str, instance_groups: Collection[str], account_id: str, refused: list[RefusedRead]
) -> SubnetFacts:
    region = ec2.meta.region_name
    subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    vpc_id = subnet["VpcId"]
    tables = _every(ec2, "describe_route_tables", "RouteTables", [("association.subnet-id", subnet_id)])
    if not tables:  # no explicit association: the VPC's main route table applies
        tables = _every(ec2, "describe_route_tables", "RouteTables", [("vpc-id", vpc_id), ("association.main", "true")])
    # One read of the VPC's endpoints serves both the STS endpoint and the S3 endpoints (:func:`_s3_endpoints`).
    endpoints = _every(ec2, "describe_vpc_endpoints", "VpcEndpoints", [("vpc-id", vpc_id)])
    # Read whatever the default route: the gateway endpoint's prefix-list route wins over 0.0.0.0/0 for S3 of this
    # Region (Amazon VPC User Guide, "How route priority works": the most specific route), so its policy applies.
    s3_endpoints = _s3_endpoints(ec2, endpoints, region, tables, refused)
    gateway_endpoints = {
        *(str(endpoint["VpcEndpointId"]) for endpoint in endpoints if endpoint.get("VpcEndpointType") == "Gateway"),
        *(policy.endpoint_id for policy in s3_endpoints["s3_gateway_policies"]),  # only the route table shows them
        *s3_endpoints.pop("other_service_gateways"),  # likewise
    }
    judged_tables, prefix_lists_unread = _with_prefix_list_entries(
        ec2, tables, gateway_endpoints, s3_endpoints.pop("unnamed_gateways"), refused
    )
    # Every NAT gateway a route goes to, not only the default route's: a narrower route to a private one takes its
    # range away from a public NAT gateway's default route (the most specific route decides).
    nat_gateways = [
        str(route["NatGatewayId"])
        for table in judged_tables
        for route in table.get("Routes", [])
        if route.get("NatGatewayId")
    ]
    nat_ways = _nat_gateways(ec2, nat_gateways, vpc_id, endpoints, region, refused)
    private_nats = nat_ways.unseen
    # Only a route that may hold S3's public addresses carries S3's requests to a NAT gateway (the most specific route
    # decides): one to a private range, or an IPv6 one, lends its subnet's S3 gateway endpoints nothing.
    s3_carrying_nats = _nats_public_ranges_go_to(tables)
    # A route to a NAT gateway whose own subnet has no route out carries nothing out of the VPC, as a blackhole route.
    judged_tables = _dead_ends(judged_tables, nat_ways.no_way_out)
    judged_tables, default_routes = _default_routes(judged_tables)
    # Only a public NAT gateway that reaches an internet gateway is a way to the internet; a route to an instance or a
    # network interface (a firewall appliance, say: DescribeRouteTables names the instance beside its interface) is
    # egress not seen (:func:`_other_target`).
    nat = any(route.get("NatGatewayId") and route["NatGatewayId"] not in private_nats for route in default_routes)
    igw = any(str(route.get("GatewayId", "")).startswith("igw-") for route in default_routes)
    other = next((target for route in default_routes if (target := _other_target(route, private_nats))), "")
    sts_services = sts_endpoint_services(region)
    every_sts_endpoint = [
        endpoint
        for endpoint in endpoints
        if endpoint.get("ServiceName") in sts_services
        and endpoint.get("VpcEndpointType") == "Interface"
        and str(endpoint.get("State", "")).lower() == "available"
    ]
    # Private DNS off: only the endpoint's own names, or a Route 53 private hosted zone naming it, lead to it.
    sts_endpoints = [endpoint for endpoint in every_sts_endpoint if endpoint.get("PrivateDnsEnabled")]
    sts_endpoints_dns_off = [endpoint for endpoint in every_sts_endpoint if not endpoint.get("PrivateDnsEnabled")]
    public_ip = bool(subnet.get("MapPublicIpOnLaunch"))
    s3_gateways = {policy.endpoint_id for policy in s3_endpoints["s3_gateway_policies"]}
    ways_out = WaysOut(
        subnet,
        tuple(
            sorted(
                {
                    nat_subnet
                    for route in default_routes
                    if (nat_subnet := nat_ways.subnets.get(route.get("NatGatewayId", "")))
                }
            )
        ),
        tuple(sorted({str(item) for endpoint in sts_endpoints for item in endpoint.get("SubnetIds", [])})),
        _endpoint_groups(sts_endpoints),
        _gateway_prefix_lists(tables, s3_gateways),
    )
    bypass: tuple[str, ...] = ()
    nats_over_s3_entries: frozenset[str] = frozenset()  # the NAT gateways a route over S3's listed ranges goes to
    s3_entries_unread = ""
    internet = nat or (igw and public_ip)
    # Without the internet, the routes elsewhere may take S3's ranges from the gateway endpoint; with it, a route to
    # the NAT or internet gateway as specific as an entry or more may too (read only when such a public route is).
    if s3_gateways and (not internet or _public_routes(judged_tables, private_nats)):
        bypass, s3_entries_unread, nats_over_s3_entries = _gateway_endpoint_bypass(
            ec2, tables, judged_tables, s3_gateways, private_nats, None if internet else public_ip, refused
        )
    # Read whatever the endpoints: every way to STS or S3 needs the VPC's DNS support, through which the Amazon-provided
    # DNS server resolves their names (ModifyVpcAttribute, EnableDnsSupport: "If disabled, the Amazon provided DNS
    # service in the VPC that resolves public DNS hostnames to IP addresses is not enabled"); an STS or S3 interface
    # endpoint's private DNS, which takes the service's Regional name whatever the routes, needs DNS hostnames too.
    through_endpoint: dict[str, Any] = _vpc_dns_facts(ec2, vpc_id, refused)
    if sts_endpoints:
        through_endpoint.update(_endpoint_facts(ec2, sts_endpoints, refused))
        # Its private DNS answers only through the VPC's Amazon DNS server: the DHCP options name the nodes' servers.
        through_endpoint.update(_dhcp_facts(ec2, vpc_id, refused))
    if internet:  # through the internet S3 of every Region is reached: only the policies count
        kept = ("s3_gateway_policies", "s3_private_dns_endpoints", "s3_endpoints_dns_off")
        s3_endpoints = {key: s3_endpoints[key] for key in kept}
    filters = _packet_filters(ec2, ways_out, instance_groups, refused)
    return SubnetFacts(
        subnet_id=subnet_id,
        region=region,
        nat_route=nat,
        internet_gateway_route=igw,
        public_ip_on_launch=public_ip,
        sts_interface_endpoint=bool(sts_endpoints),
        sts_endpoint_policies=tuple(_policy(endpoint) for endpoint in sts_endpoints),
        sts_endpoints_dns_off=tuple(_policy(endpoint) for endpoint in sts_endpoints_dns_off),
        sts_endpoints_aaaa_only=_aaaa_only(sts_endpoints),
        other_default_route=other,
        vpc_id=vpc_id,
        subnet_cidr=str(subnet.get("CidrBlock", "")),
        instance_groups=instance_groups if isinstance(instance_groups, NodeGroups) else tuple(instance_groups),
        shared_by=_shared_by(subnet, account_id),
        route_table_unseen=not tables,
        public_routes=_public_routes(judged_tables, private_nats),
        public_routes_elsewhere=_public_routes(judged_tables, private_nats, besides_the_internet=public_ip),
        public_routes_one_way=_public_routes_one_way(judged_tables, default_routes, private_nats),
        prefix_lists_unread=prefix_lists_unread,
        s3_gateway_bypass=bypass,
        s3_prefix_list_unread=s3_entries_unread if bypass else "",
        s3_bypass_unjudged=_elsewhere_than(bypass, default_routes, private_nats, public_ip) if internet else (),
        nat_no_way_out=tuple(nat_ways.no_way_out.values()),
        nat_s3_gateway_endpoints=_s3_lent(nat_ways, s3_carrying_nats, nats_over_s3_entries, s3_gateways),
        routes_to_other_networks=_routes_to_other_networks(judged_tables),
        # The route table decides only what leaves the subnet: traffic to another interface of the cluster's own subnet
        # goes by layer 2 (Amazon VPC User Guide, "Gateway route tables", "Rules and considerations": "Traffic destined
        # for the MAC address of another network interface in the subnet makes use of data link (layer 2) routing").
        routes_to_endpoint_subnets=_routes_over(
            judged_tables,
            [item.cidr for item in filters.endpoint_subnets if item.cidr and item.cidr != subnet.get("CidrBlock")],
        ),
        packet_filters=filters,
        **through_endpoint,
        **s3_endpoints,
    )


def _nats_public_ranges_go_to(tables: list[dict[str, Any]]) -> set[str]:
    """
    The NAT gateways an active route that may hold S3's public addresses goes to: a route to a prefix list (its
    entries not judged here), or to an IPv4 range not wholly inside the private ranges (``0.0.0.0/0``, its halves,
    ``52.0.0.0/8``: the longest prefix match decides, Amazon VPC User Guide, "How route priority works"). Never an
    IPv6 route: IPv4 and IPv6 routes are independent (same page), and the S3 name judged here,
    ``s3.REGION.amazonaws.com``, is reached over IPv4, IPv6 taking S3's dual-stack names (Amazon S3 User Guide,
    "Making requests to Amazon S3 over IPv6": "you need to use a dual-stack endpoint").
    """
    found = set()
    for route in (route for table in tables for route in table.get("Routes", [])):
        if not route.get("NatGatewayId") or route.get("State", "active") != "active":
            continue
        network = _ipv4(str(route.get("DestinationCidrBlock", "")))
        public = network is not None and not any(network.subnet_of(held) for held in PRIVATE_RANGES)
        if public or route.get("DestinationPrefixListId"):
            found.add(str(route["NatGatewayId"]))
    return found


def _aaaa_only(endpoints: list[dict[str, Any]]) -> tuple[str, ...]:
    """
    The endpoints whose DNS records are AAAA only: ``DnsOptions.DnsRecordIpType`` ``ipv6`` creates "AAAA records for
    the private, Regional, and zonal DNS names" (AWS PrivateLink Guide, "DNS record IP type"; Amazon EC2 API Reference,
    "DnsOptions": ``ipv4 | dualstack | ipv6 | service-defined``), no A record an IPv4-only node could use.
    """
    return tuple(
        str(endpoint["VpcEndpointId"])
        for endpoint in endpoints
        if str((endpoint.get("DnsOptions") or {}).get("DnsRecordIpType", "")).lower() == "ipv6"
    )


def _default_routes(tables: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """
    The subnet's default routes: its active static ``0.0.0.0/0`` routes; without one, the entries ``0.0.0.0/0`` of
    prefix lists (:func:`_with_prefix_list_entries`) when they all go to one target; and the tables with those entries
    read as that default route (no longer named as public routes).

    A prefix list's entries are routed as CIDR routes, a static route before a prefix-list route of the same prefix
    (Amazon VPC User Guide, "How route priority works"): a list holding ``0.0.0.0/0`` is the default route where no
    static one is. Two prefix-list routes of ``0.0.0.0/0`` to different targets (or one of them a blackhole): which one
    AWS takes is not documented, so none is read as the default route, and each stays named (:func:`_public_routes`).
    """
    default = [
        route
        for table in tables
        for route in table.get("Routes", [])
        if route.get("DestinationCidrBlock") == "0.0.0.0/0"
    ]
    static = [route for route in default if not route.get(PREFIX_LIST_ENTRY)]
    if static:
        return tables, [route for route in static if route.get("State", "active") == "active"]
    listed = [route for route in default if route.get(PREFIX_LIST_ENTRY)]
    one_target = len({_target_name(route, {}) for route in listed}) == 1
    if not listed or not one_target or any(route.get("State", "active") != "active" for route in listed):
        return tables, []

    def as_static(route: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in route.items() if key != PREFIX_LIST_ENTRY}

    judged = [
        {**table, "Routes": [as_static(route) if route in listed else route for route in table.get("Routes", [])]}
        for table in tables
    ]
    return judged, [as_static(route) for route in listed]


def _refused(refused: list[RefusedRead], action: str, resource: str, error: ClientError, explanation: str = "") -> str:
    """
    Add a read refused and answered around to ``refused`` (its connection and account are set in
    :func:`read_subnet_facts`); return ``explanation`` (by default "ACTION on RESOURCE was denied: ERROR"): what the
    facts say of it, in the detail of the link it leaves not checked (so that link names the action to allow).
    """
    explanation = explanation or f"{action} on {resource} was denied: {error}"
    refused.append(RefusedRead(action, None, "", resource, error.operation_name, explanation))
    return explanation


def _public_routes(
    tables: list[dict[str, Any]],
    private_nats: dict[str, str],
    *,
    besides_the_internet: bool | None = None,
    within: list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None = None,
) -> tuple[str, ...]:
    """
    The active routes to public IPv4 ranges narrower than ``0.0.0.0/0`` (e.g. ``0.0.0.0/1`` and ``128.0.0.0/1``, which
    together cover what a default route does), as ``"CIDR to TARGET"`` (:func:`_public_route_pairs`).
    """
    pairs = _public_route_pairs(tables, private_nats, besides_the_internet=besides_the_internet, within=within)
    return tuple(text for _, text in pairs)


def _public_route_pairs(
    tables: list[dict[str, Any]],
    private_nats: dict[str, str],
    *,
    besides_the_internet: bool | None = None,
    within: list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None = None,
) -> list[tuple[dict[str, Any], str]]:
    """
    :func:`_public_routes`' routes, each with its ``"CIDR to TARGET"``.

    The most specific route that matches decides (Amazon VPC User Guide, "How route priority works"), so one of them
    may carry the requests to STS or S3 though no ``0.0.0.0/0`` route does, or take them away from the default
    route's NAT or internet gateway. A range inside the private or shared address space (RFC 1918, RFC 6598), where
    no AWS public endpoint is, is left out.

    :param besides_the_internet: only the routes to targets that are not a way to the internet: neither a public NAT
        gateway nor a NAT instance, nor an internet gateway unless the subnet gives public IPv4 addresses (this value).
        A ``blackhole`` route (its target gone: Amazon EC2 API Reference, "Route", ``State``) is among them: route
        priority is by prefix alone (Amazon VPC User Guide, "Route priority", "Longest prefix match"), no rule there
        hands a blackhole route's range to a wider route, so its range may be dropped rather than sent to the default
        route's NAT or internet gateway. Without this parameter, a blackhole route is left out (it carries nothing).
    :param within: only the routes that overlap one of these ranges and are as specific or more: those that win over
        a prefix-list route to them (:func:`_gateway_endpoint_bypass`).
    """
    found: list[tuple[dict[str, Any], str]] = []
    for table in tables:
        static = {
            str(route["DestinationCidrBlock"])
            for route in table.get("Routes", [])
            if route.get("DestinationCidrBlock") and not route.get(PREFIX_LIST_ENTRY)
        }
        for route in table.get("Routes", []):
            network = _public_range(route, static)
            blackhole = route.get("State", "active") != "active"
            if network is None or (blackhole and besides_the_internet is None):  # a blackhole carries nothing there
                continue
            if within is not None and not any(
                network.version == wanted.version and network.overlaps(wanted) and network.prefixlen >= wanted.prefixlen
                for wanted in within
            ):
                continue
            cidr = str(route["DestinationCidrBlock"])
            if route.get(PREFIX_LIST_ENTRY):
                cidr = f"{cidr} (prefix list {route[PREFIX_LIST_ENTRY]})"
            if blackhole:  # still the most specific route for its range: the default route does not take it
                label = "" if route.get(NO_WAY_OUT) else " (blackhole)"  # its NAT gateway's own subnet has no way out
                found.append((route, f"{cidr} to {_target_name(route, private_nats)}{label}"))
                continue
            if besides_the_internet is not None and _to_the_internet(route, private_nats, besides_the_internet):
                continue
            found.append((route, f"{cidr} to {_target_name(route, private_nats)}"))
    return found


def _public_routes_one_way(
    tables: list[dict[str, Any]], default_routes: list[dict[str, Any]], private_nats: dict[str, str]
) -> bool:
    """
    Whether every public IPv4 address takes one way past the routes to public ranges (``public_routes``, blackhole
    ones among them): they all go to one target, the default route's, or, without a default route, they together cover
    every public address (``0.0.0.0/1`` and ``128.0.0.0/1`` to one NAT gateway cover what a default route does). The
    most specific route decides each address's way (Amazon VPC User Guide, "How route priority works"): with one
    target for every public address, the probe's request takes the way each of the endpoint's addresses takes.
    """
    by_text = {
        text: route
        for route, text in [
            *_public_route_pairs(tables, private_nats),
            *_public_route_pairs(tables, private_nats, besides_the_internet=False),  # blackholes too
        ]
    }
    routes = list(by_text.values())
    targets = {
        "blackhole" if route.get("State", "active") != "active" else _target_name(route, private_nats)
        for route in routes
    }
    if len(targets) != 1 or "blackhole" in targets:
        return False
    if default_routes:
        return {_target_name(route, private_nats) for route in default_routes} == targets
    ranges = [ipaddress.IPv4Network(str(route["DestinationCidrBlock"]), strict=False) for route in routes]
    return list(ipaddress.collapse_addresses([*ranges, *PRIVATE_RANGES])) == [ipaddress.IPv4Network("0.0.0.0/0")]


def _public_range(route: dict[str, Any], static: set[str]) -> ipaddress.IPv4Network | None:
    """
    The public IPv4 range a route (or a prefix list's entry, :func:`_with_prefix_list_entries`) decides, narrower than
    a static ``0.0.0.0/0``; ``None`` for the local route, a private or shared range, or an entry a static route of the
    same prefix overrides ("How route priority works": static routes before prefix-list routes). ``0.0.0.0/0`` in a
    list, without a static default route, is no default route the check reads (``default_routes``): it is named.
    IPv6 entries route no IPv4 request ("Routes to IPv4 and IPv6 addresses or CIDR blocks are independent").
    """
    cidr = str(route.get("DestinationCidrBlock", ""))
    entry_of = route.get(PREFIX_LIST_ENTRY)
    if not cidr or route.get("GatewayId") == "local" or (cidr == "0.0.0.0/0" and not entry_of):
        return None
    network = ipaddress.ip_network(cidr, strict=False)
    if not isinstance(network, ipaddress.IPv4Network) or (entry_of and cidr in static):
        return None
    return None if any(network.subnet_of(private) for private in PRIVATE_RANGES) else network


def _s3_lent(
    nat_ways: NatWays, s3_carrying_nats: set[str], nats_over_entries: frozenset[str], own: set[str]
) -> tuple[str, ...]:
    """
    The S3 gateway endpoints that requests to the cluster's Region's buckets may meet on a NAT gateway's subnet, their
    policies not judged: without an S3 gateway endpoint of its own, those of the NAT gateways a route that may hold
    S3's public addresses goes to; with one (``own``), whose prefix-list route takes S3's listed ranges, only those of
    the NAT gateways that reach the internet and that a route over those ranges goes to (``nats_over_entries``:
    :func:`_gateway_endpoint_bypass`'s, of active routes; a NAT gateway with no way out is a blackhole there,
    left to ``s3_gateway_bypass``; the most specific route decides, Amazon
    VPC User Guide, "How route priority works"), the subnet's own endpoints left out (their policies are judged).
    """
    if not own:
        return nat_ways.s3_lent_through(s3_carrying_nats)
    return tuple(endpoint for endpoint in nat_ways.s3_lent_through(nats_over_entries) if endpoint not in own)


def _gateway_endpoint_bypass(
    ec2: Any,
    tables: list[dict[str, Any]],
    judged_tables: list[dict[str, Any]],
    gateway_ids: set[str],
    private_nats: dict[str, str],
    besides_the_internet: bool | None,
    refused: list[RefusedRead],
) -> tuple[tuple[str, ...], str, frozenset[str]]:
    """
    The routes that may take S3's addresses from the S3 gateway endpoints ``gateway_ids``, why S3's prefix list's
    entries were not read (``""``: they were), and the public NAT gateways of every such active route whatever its
    target (a blackhole or a NAT gateway with no way out left out, as :func:`_public_routes` does): the first, those elsewhere than the
    internet (``besides_the_internet``, the subnet's public IPv4 addresses, as :func:`_public_routes`), or, with a way
    to the internet (``None``), every active one, the NAT or internet gateway's among them.

    A gateway endpoint's route is to its service's prefix list (AWS PrivateLink Guide, "Gateway endpoints"). A route
    more specific than one of the list's entries wins over it, and so does a static route of the same prefix (Amazon
    VPC User Guide, "How route priority works"); which of two prefix lists with the same range to different targets
    wins is not taken as known. So a route to a range overlapping an entry, as specific or more, may carry S3's requests
    elsewhere; a wider one (``0.0.0.0/1``) does not. The S3 list's entries not read, every such route may.
    """
    ranges: list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None = []
    unread = ""
    for prefix_list in _gateway_prefix_lists(tables, gateway_ids):
        found = _prefix_list_entries(ec2, prefix_list, refused)
        if isinstance(found, UnreadPrefixList):  # S3's ranges not known: any route elsewhere may hold some
            ranges, unread = None, found.why
            break
        ranges = [*(ranges or []), *(ipaddress.ip_network(cidr, strict=False) for cidr in found)]
    bypass = _public_routes(judged_tables, private_nats, besides_the_internet=besides_the_internet, within=ranges)
    nats = frozenset(
        str(route["NatGatewayId"])
        for route, _ in _public_route_pairs(judged_tables, private_nats, within=ranges)
        if route.get("NatGatewayId") and route["NatGatewayId"] not in private_nats
    )
    return bypass, unread, nats


def _elsewhere_than(
    bypass: tuple[str, ...], default_routes: list[dict[str, Any]], private_nats: dict[str, str], public_ip: bool
) -> tuple[str, ...]:
    """
    The routes of ``bypass`` (``"CIDR to TARGET"``, :func:`_public_routes`) to another target than the default
    routes': a second NAT gateway, say, whose own subnet's network ACL is not among the ways read (:class:`WaysOut`).
    An internet gateway has no subnet of its own: with the subnet's public addresses, the only network ACL on that way
    is the cluster subnet's, read already; without them, the gateway does not carry the requests ("Enable internet
    access": an instance needs a public IPv4 address), so it stays among these.
    """
    targets = {_target_name(route, private_nats) for route in default_routes}
    return tuple(
        route
        for route in bypass
        if not any(route.endswith(f" to {target}") for target in targets)
        and not (public_ip and " to internet gateway " in route)
    )


def _gateway_prefix_lists(tables: list[dict[str, Any]], gateway_ids: set[str]) -> tuple[str, ...]:
    """The prefix lists the routes of ``tables`` to the gateway endpoints ``gateway_ids`` go to (their services')."""
    return tuple(
        sorted(
            {
                str(route["DestinationPrefixListId"])
                for table in tables
                for route in table.get("Routes", [])
                if route.get("GatewayId") in gateway_ids and route.get("DestinationPrefixListId")
            }
        )
    )


def _with_prefix_list_entries(
    ec2: Any,
    tables: list[dict[str, Any]],
    gateway_endpoints: set[str],
    unnamed: dict[str, UnreadPrefixList],
    refused: list[RefusedRead],
) -> tuple[list[dict[str, Any]], tuple[UnreadPrefixList, ...]]:
    """
    The route tables with each route to a prefix list (``DestinationPrefixListId``) other than a gateway endpoint's
    read as one route an entry of the list (``GetManagedPrefixListEntries``, to its last page), and the routes whose
    entries could not be read (:class:`~.pure.network.UnreadPrefixList`, ``"pl-… to TARGET: why"``).

    A customer-managed prefix list, or an AWS-managed one, may be a route's destination to any target (Amazon VPC User
    Guide, "Prefix list references" of route tables): its entries are routed as CIDR routes would be, the longest
    prefix first, and a static route of the same prefix before a prefix-list route (Amazon VPC User Guide, "How route
    priority works": "Longest prefix", "Static routes", "Prefix list routes"). So a list of public ranges to a transit
    gateway beside ``0.0.0.0/0`` to a NAT gateway takes its ranges away from the NAT gateway: the Regional STS and S3
    addresses may be among them. A gateway endpoint's own route (to its service's prefix list) is judged apart
    (:func:`_s3_endpoints`). Entries not read leave the routes not checked, never a PASS; so does a route to a
    ``vpce-…`` not described whose list was not named (``unnamed``, :func:`_gateway_routes`): a gateway endpoint's, or
    another endpoint's carrying the list's ranges.
    """
    entries: dict[str, list[str] | UnreadPrefixList] = {}
    unread: list[UnreadPrefixList] = []
    judged = []
    for table in tables:
        routes = []
        for route in table.get("Routes", []):
            prefix_list = str(route.get("DestinationPrefixListId", ""))
            if not prefix_list or route.get("GatewayId") in gateway_endpoints:
                routes.append(route)
                continue
            if route.get("GatewayId") in unnamed:
                gateway = route["GatewayId"]
                target = f"VPC endpoint {gateway} (not described)"
                unread.append(replace(unnamed[gateway], prefix_list=prefix_list, target=target))
                continue
            if prefix_list not in entries:
                entries[prefix_list] = _prefix_list_entries(ec2, prefix_list, refused)
            found = entries[prefix_list]
            if isinstance(found, UnreadPrefixList):
                unread.append(replace(found, target=_target_name(route, {})))
                continue
            routes += [{**route, "DestinationCidrBlock": cidr, PREFIX_LIST_ENTRY: prefix_list} for cidr in found]
        judged.append({**table, "Routes": routes})
    return judged, tuple(unread)


def _prefix_list_entries(ec2: Any, prefix_list_id: str, refused: list[RefusedRead]) -> list[str] | UnreadPrefixList:
    """
    The CIDRs of a managed prefix list's current version (``GetManagedPrefixListEntries``: "The version of the prefix
    list for which to return the entries. The default is the current version"; paged by ``NextToken``, Amazon EC2 API
    Reference); why not, when the read fails: refused (the IAM action to allow), a list the caller cannot read (it
    does not exist for the caller: another account's, not shared with it), or another failure.
    """
    try:
        pages = ec2.get_paginator("get_managed_prefix_list_entries").paginate(PrefixListId=prefix_list_id)
        found = [str(entry["Cidr"]) for page in pages for entry in page.get("Entries", []) if entry.get("Cidr")]
    except ClientError as error:
        if says_nothing_of_the_read(error):  # credentials or throttling: raised, as the verifier's reads (verify.read)
            raise
        if is_access_denied(error):
            return _unread(prefix_list_id, _refused(refused, ENTRIES_ACTION, prefix_list_id, error), ENTRIES_REFUSED)
        why = f"its entries could not be read ({ENTRIES_ACTION}): {error}"
        return _unread(prefix_list_id, why, NOT_SHOWN if _not_found(error) else READ_FAILED)
    return found or _empty_answer(ec2, prefix_list_id, refused)


def _unread(prefix_list_id: str, why: str, reason: str) -> UnreadPrefixList:
    """A prefix list not read (its route's target is set where the route is read: :func:`_with_prefix_list_entries`)."""
    return UnreadPrefixList(prefix_list_id, why, reason)


def _not_found(error: ClientError) -> bool:
    """
    EC2 answered the list does not exist for the caller (``InvalidPrefixListID.NotFound``, as another account's list
    not shared is answered: aws-cloudformation/rain issue 308, devstack/aws_vpc_states.py).
    """
    return error_code(error).endswith(".NotFound")


def _empty_answer(ec2: Any, prefix_list_id: str, refused: list[RefusedRead]) -> list[str] | UnreadPrefixList:
    """
    ``[]`` when an answer of no entries is the list's truth, else why not.

    A customer-managed list may be empty (``CreateManagedPrefixList``: "Minimum number of 0 items" of ``Entry.N``), and
    one the caller owns, or one shared with it ("Consumers can view the entries in a shared prefix list", Amazon VPC
    User Guide, "Shared prefix list permissions"), ``DescribeManagedPrefixLists`` shows it: then it routes nothing. A
    list that read does not show (another account's, not shared: a participant of a shared subnet reads its owner's
    route table, not its owner's lists), or an AWS-managed one (named ``com.amazonaws…``, a name a customer's list
    cannot take: Amazon EC2 API Reference, "CreateManagedPrefixList"), which holds its service's IP address ranges
    (Amazon VPC User Guide, "AWS-managed prefix lists"), answered empty is not read: what EC2 answers a caller who may
    not read a list is not documented.
    """
    why = f"{ENTRIES_ACTION} answered no entries for {prefix_list_id}"
    try:
        pages = ec2.get_paginator("describe_managed_prefix_lists").paginate(PrefixListIds=[prefix_list_id])
        described = [item for page in pages for item in page.get("PrefixLists", [])]
    except ClientError as error:
        if says_nothing_of_the_read(error):
            raise
        if is_access_denied(error):
            explanation = _refused(
                refused,
                DESCRIBE_LISTS_ACTION,
                prefix_list_id,
                error,
                f"{why}, and {DESCRIBE_LISTS_ACTION} was denied "
                f"(whether the list is one the caller may read is not known): {error}",
            )
            return _unread(prefix_list_id, explanation, DESCRIBE_REFUSED)
        return _unread(
            prefix_list_id,
            f"{why}, and {DESCRIBE_LISTS_ACTION} did not describe it (none the caller may read): {error}",
            NOT_SHOWN if _not_found(error) else READ_FAILED,
        )
    names = [str(item.get("PrefixListName", "")) for item in described if item.get("PrefixListId") == prefix_list_id]
    if not names:
        return _unread(
            prefix_list_id,
            f"{why}, and {DESCRIBE_LISTS_ACTION} did not describe it (none the caller may read)",
            NOT_SHOWN,
        )
    if names[0].startswith(AWS_MANAGED):
        return _unread(
            prefix_list_id,
            f"{why}, AWS-managed ({names[0]}): AWS keeps its service's IP address ranges there, so they were not read",
            AWS_MANAGED_EMPTY,
        )
    return []


def _to_the_internet(route: dict[str, Any], private_nats: dict[str, str], public_ip: bool) -> bool:
    """Whether a route's target takes requests to the internet: a public NAT gateway that reaches an internet gateway
    (:func:`_nat_gateways`), or an internet gateway for instances with public IPv4 addresses. An instance or network
    interface (a NAT instance or a firewall appliance: which, is not seen) is not known to."""
    if route.get("NatGatewayId"):
        return route["NatGatewayId"] not in private_nats and not route.get(NO_WAY_OUT)
    return public_ip and str(route.get("GatewayId", "")).startswith("igw-")


def _target_name(route: dict[str, Any], private_nats: dict[str, str]) -> str:
    """Name a route's target: a NAT gateway, an internet gateway, or another (:func:`_other_target`)."""
    if route.get("NatGatewayId") and route["NatGatewayId"] not in private_nats and not route.get(NO_WAY_OUT):
        return f"NAT gateway {route['NatGatewayId']}"
    gateway = str(route.get("GatewayId", ""))
    if gateway.startswith("igw-"):
        return f"internet gateway {gateway}"
    return _other_target(route, private_nats) or gateway or "an unnamed target"


def _shared_by(subnet: dict[str, Any], account_id: str) -> str:
    """The subnet's owner when it is not the caller (``DescribeSubnets`` ``OwnerId``): the subnet is shared with it."""
    owner = str(subnet.get("OwnerId", ""))
    return owner if account_id and owner and owner != account_id else ""


def _s3_endpoints(
    ec2: Any, every: list[dict[str, Any]], region: str, tables: list[dict[str, Any]], refused: list[RefusedRead]
) -> dict[str, Any]:
    """
    The VPC's available S3 endpoints among ``every`` endpoint of the VPC, as SubnetFacts fields: whether a gateway
    endpoint of the cluster's Region is on one of the subnet's route tables (``RouteTableIds``: "(Gateway endpoint)
    The IDs of the route tables associated with the endpoint", Amazon EC2 API Reference, "VpcEndpoint"), and the
    interface endpoints' service names (of any Region: S3 supports cross-Region interface endpoints).

    A gateway endpoint the caller cannot describe (one the VPC owner made in a subnet shared with the caller: Amazon
    VPC User Guide, "Share your VPC subnets with other accounts", participants cannot view the owner's resources)
    still shows as its route on the table: to the service's prefix list (``DestinationPrefixListId``), through the
    endpoint (``GatewayId`` ``vpce-…``; AWS PrivateLink Guide, "Gateway endpoints": "Each subnet route table must
    have a route that sends traffic destined for the service to the gateway endpoint using the prefix list for the
    service"). :func:`_gateway_routes` reads those. So do DynamoDB's and S3 Express One Zone's
    (``other_service_gateways``, not a SubnetFacts field): a route to DynamoDB's or S3 Express One Zone's AWS-managed
    list (``com.amazonaws.REGION.dynamodb``, ``com.amazonaws.REGION.s3express``, Amazon VPC User Guide, "AWS-managed
    prefix lists") sends only traffic destined for that service, as a described gateway endpoint's does, and is no
    route elsewhere for STS or S3 (:func:`_with_prefix_list_entries` leaves it out). Nor is S3 Express One Zone's S3's
    gateway endpoint: its endpoints "are different from standard Amazon S3 endpoints" (Amazon S3 User Guide, "Step 1:
    Configure a gateway VPC endpoint to reach S3 Express One Zone directory buckets").
    """
    table_ids = {str(table["RouteTableId"]) for table in tables}
    endpoints = [
        endpoint
        for endpoint in every
        if S3_SERVICE.match(str(endpoint.get("ServiceName", "")))
        and str(endpoint.get("State", "")).lower() == "available"
    ]
    own = s3_endpoint_services(region)
    gateways = [
        endpoint
        for endpoint in endpoints
        if endpoint.get("VpcEndpointType") == "Gateway"
        and endpoint["ServiceName"] in own
        and table_ids & set(endpoint.get("RouteTableIds", []))
    ]
    interface = sorted(
        {str(endpoint["ServiceName"]) for endpoint in endpoints if endpoint.get("VpcEndpointType") == "Interface"}
    )
    # Private DNS only for inbound resolver endpoints "routes traffic that originates from the VPC to the gateway
    # endpoint" (Amazon EC2 API Reference, "DnsOptionsSpecification"): such an endpoint takes no name in the VPC.
    private_dns = sorted(
        {
            str(endpoint["ServiceName"])
            for endpoint in endpoints
            if endpoint.get("VpcEndpointType") == "Interface"
            and endpoint.get("PrivateDnsEnabled")
            and not (endpoint.get("DnsOptions") or {}).get("PrivateDnsOnlyForInboundResolverEndpoint")
        }
    )
    # Private DNS off: only their own names, or a Route 53 private hosted zone naming them, lead to them.
    dns_off = sorted(
        {
            (str(endpoint["VpcEndpointId"]), str(endpoint["ServiceName"]))
            for endpoint in endpoints
            if endpoint.get("VpcEndpointType") == "Interface" and not endpoint.get("PrivateDnsEnabled")
        }
    )
    described = {str(endpoint["VpcEndpointId"]) for endpoint in every}  # in whatever state: judged above
    hidden, unread, unnamed = _gateway_routes(ec2, tables, described, refused)
    unseen = sorted({endpoint for name in own for endpoint in hidden.get(name, ())})
    services = (*dynamodb_endpoint_services(region), *s3express_endpoint_services(region))
    other_services = sorted({endpoint for name in services for endpoint in hidden.get(name, ())})
    policies = (
        *(_policy(endpoint) for endpoint in gateways),
        *(EndpointPolicy(endpoint_id, GATEWAY) for endpoint_id in unseen),  # its policy not seen: undetermined
    )
    return {
        "s3_gateway_endpoint": True if gateways or unseen else (None if unread else False),
        "s3_gateway_unread": "" if gateways or unseen else unread,
        "s3_interface_endpoints": tuple(interface),
        "s3_gateway_policies": policies,
        "s3_private_dns_endpoints": tuple(private_dns),
        "s3_endpoints_dns_off": tuple(dns_off),
        "other_service_gateways": other_services,
        "unnamed_gateways": unnamed,
    }


def _gateway_routes(
    ec2: Any, tables: list[dict[str, Any]], described: set[str], refused: list[RefusedRead]
) -> tuple[dict[str, set[str]], str, dict[str, UnreadPrefixList]]:
    """
    The gateway endpoints that only the route table shows (their ids), by the name of their route's prefix list; why
    some prefix list of such a route could not be read (``""``: each was); and, when ``DescribePrefixLists`` failed,
    each such route's ``vpce-…`` with why: a gateway endpoint carrying only its service's traffic, or a Gateway Load
    Balancer endpoint carrying the list's ranges, is not known (:func:`_with_prefix_list_entries`). A list it does not
    describe is no AWS-managed one, so no gateway endpoint's: its route is a route elsewhere, its entries read.

    ``DescribePrefixLists`` names an AWS-managed prefix list by its service (``PrefixListName``
    ``com.amazonaws.REGION.s3``, Amazon EC2 API Reference, "PrefixList"). A refused or failed read leaves the route
    unread: the subnet's way to S3 is then not checked, never "no gateway endpoint".
    """
    routes = {
        str(route["DestinationPrefixListId"]): str(route["GatewayId"])
        for table in tables
        for route in table.get("Routes", [])
        if route.get("DestinationPrefixListId")
        and str(route.get("GatewayId", "")).startswith("vpce-")
        and route["GatewayId"] not in described
        and route.get("State", "active") == "active"
    }
    if not routes:
        return {}, "", {}
    asked = ", ".join(sorted(routes))
    try:
        pages = ec2.get_paginator("describe_prefix_lists").paginate(PrefixListIds=sorted(routes))
        names = {
            str(item["PrefixListId"]): str(item.get("PrefixListName", ""))
            for page in pages
            for item in page["PrefixLists"]
        }
    except ClientError as error:
        if says_nothing_of_the_read(error):
            raise
        if is_access_denied(error):  # said in the S3 route's detail, so the link it leaves open grants it
            why, reason = _refused(refused, "ec2:DescribePrefixLists", asked, error), NAMES_REFUSED
        else:
            why, reason = f"ec2:DescribePrefixLists on {asked} failed: {error}", READ_FAILED
        return {}, why, {gateway: _unread(prefix_list, why, reason) for prefix_list, gateway in routes.items()}
    hidden: dict[str, set[str]] = {}
    for prefix_list, name in names.items():
        hidden.setdefault(name, set()).add(routes[prefix_list])
    missing = sorted(set(routes) - set(names))
    return hidden, f"ec2:DescribePrefixLists did not describe {', '.join(missing)}" if missing else "", {}


def _policy(endpoint: dict[str, Any]) -> EndpointPolicy:
    """An endpoint's ``PolicyDocument`` (``DescribeVpcEndpoints``: "The policy document associated with the endpoint,
    if applicable", Amazon EC2 API Reference, "VpcEndpoint")."""
    return EndpointPolicy(
        str(endpoint["VpcEndpointId"]), str(endpoint.get("VpcEndpointType", "")), endpoint.get("PolicyDocument")
    )


def _vpc_dns_facts(ec2: Any, vpc_id: str, refused: list[RefusedRead]) -> dict[str, Any]:
    """The VPC's DNS attributes (:func:`_vpc_dns`), as SubnetFacts fields."""
    dns, dns_unread = _vpc_dns(ec2, vpc_id, refused)
    return {"dns_support": dns[DNS_SUPPORT], "dns_hostnames": dns[DNS_HOSTNAMES], "dns_unread": dns_unread}


#: What ``domain-name-servers`` names for the VPC's Amazon DNS server (Amazon EC2 API Reference, "CreateDhcpOptions":
#: "The IP addresses of up to four DNS servers, or AmazonProvidedDNS"), matched whatever its case.
AMAZON_PROVIDED_DNS = "AmazonProvidedDNS"
#: The Amazon DNS server's own addresses, whatever the VPC (Amazon VPC User Guide, "Understanding Amazon DNS"
#: (https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html): 169.254.169.253 and, for IPv6,
#: fd00:ec2::253); its third, the primary VPC CIDR's base plus two, is the VPC's (:func:`_amazon_dns_addresses`).
AMAZON_DNS_ADDRESSES = (ipaddress.ip_address("169.254.169.253"), ipaddress.ip_address("fd00:ec2::253"))


def _dhcp_facts(ec2: Any, vpc_id: str, refused: list[RefusedRead]) -> dict[str, Any]:
    """
    The VPC's DHCP option set (``DescribeVpcs`` ``DhcpOptionsId``, ``DescribeDhcpOptions``), as SubnetFacts fields
    (:func:`~.pure.network.resolver_doubt`): its ``domain-name-servers`` unless every one is the VPC's Amazon DNS
    server (:func:`_amazon_dns_addresses`): the nodes ask the listed servers in order, a custom one first.
    ``default`` (no DHCP option set: AssociateDhcpOptions, "default to associate no DHCP options with the VPC") is
    kept as ``dhcp_options_id``: Nitro instances then get the Amazon DNS server, Xen ones none (Amazon VPC User Guide,
    "DHCP option set concepts"), a doubt of its own. A refused or failed read says why (``dhcp_unread``); credentials
    AWS refuses and throttling are raised.
    """
    try:
        vpcs = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
        options_id = str(vpcs[0].get("DhcpOptionsId", "")) if vpcs else ""
        if not options_id or options_id == "default":
            return {"dhcp_options_id": options_id}
        options = ec2.describe_dhcp_options(DhcpOptionsIds=[options_id])["DhcpOptions"]
    except ClientError as error:
        if says_nothing_of_the_read(error):
            raise
        action, resource = ("ec2:DescribeVpcs", vpc_id)
        if error.operation_name == "DescribeDhcpOptions":
            action, resource = ("ec2:DescribeDhcpOptions", options_id)
        if not is_access_denied(error):  # e.g. another account's option set, not answered: not read, not raised
            return {"dhcp_unread": f"{action} on {resource} failed: {error}"}
        return {"dhcp_unread": _refused(refused, action, resource, error)}
    servers = [
        str(value.get("Value", ""))
        for item in options
        for configuration in item.get("DhcpConfigurations", [])
        if configuration.get("Key") == "domain-name-servers"
        for value in configuration.get("Values", [])
    ]
    amazon = _amazon_dns_addresses(str(vpcs[0].get("CidrBlock", "")))
    own = () if all(_is_amazon_dns(server, amazon) for server in servers) else tuple(servers)
    return {"dhcp_options_id": options_id, "dns_servers": own}


def _amazon_dns_addresses(vpc_cidr: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]:
    """
    The addresses of the VPC's Amazon DNS server: :data:`AMAZON_DNS_ADDRESSES` and the base of the primary VPC CIDR
    (``DescribeVpcs`` ``CidrBlock``) plus two ("Understanding Amazon DNS": "the primary VPC CIDR range, plus two").
    """
    network = _ipv4(vpc_cidr)
    return AMAZON_DNS_ADDRESSES + ((network.network_address + 2,) if network is not None else ())


def _is_amazon_dns(server: str, amazon: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]) -> bool:
    """Whether a ``domain-name-servers`` value is the VPC's Amazon DNS server, by name (any case) or address."""
    if server.strip().lower() == AMAZON_PROVIDED_DNS.lower():
        return True
    try:
        return ipaddress.ip_address(server.strip()) in amazon
    except ValueError:
        return False


def _endpoint_facts(ec2: Any, sts_endpoints: list[dict[str, Any]], refused: list[RefusedRead]) -> dict[str, Any]:
    """The STS endpoints' security groups' inbound rules, as SubnetFacts fields."""
    groups = _endpoint_groups(sts_endpoints)
    ingress, ingress_unread = _ingress(ec2, list(groups), refused)
    return {
        "endpoint_groups": groups,
        "endpoint_ingress": ingress,
        "ingress_unread": ingress_unread,
    }


def _endpoint_groups(endpoints: list[dict[str, Any]]) -> tuple[str, ...]:
    """The security groups of these interface endpoints (``DescribeVpcEndpoints`` ``Groups``), sorted."""
    return tuple(sorted({str(group["GroupId"]) for endpoint in endpoints for group in endpoint.get("Groups", [])}))


def _ingress(ec2: Any, group_ids: list[str], refused: list[RefusedRead]) -> tuple[tuple[IngressRule, ...] | None, str]:
    """
    Read the inbound rules of these security groups (``DescribeSecurityGroups``, to its last page).

    AWS gives every interface endpoint a security group, the VPC's default one when none is named (Amazon VPC
    User Guide, "Interface VPC endpoints (AWS PrivateLink)"): an endpoint listing none is not read (``None``),
    nor are groups whose read is refused.
    """
    if not group_ids:
        return None, "the endpoint lists no security group"
    groups = _security_groups(ec2, group_ids, refused)
    if isinstance(groups, str):
        return None, groups
    return tuple(
        IngressRule(
            protocol=str(permission.get("IpProtocol", "")),
            from_port=permission.get("FromPort"),
            to_port=permission.get("ToPort"),
            cidrs=tuple(str(item["CidrIp"]) for item in permission.get("IpRanges", [])),
            groups=tuple(
                str(item["GroupId"]) for item in permission.get("UserIdGroupPairs", []) if item.get("GroupId")
            ),
            other_sources=(
                *(str(item["CidrIpv6"]) for item in permission.get("Ipv6Ranges", [])),
                *(str(item["PrefixListId"]) for item in permission.get("PrefixListIds", [])),
            ),
        )
        for group in groups
        for permission in group.get("IpPermissions", [])
    ), ""


def _security_groups(ec2: Any, group_ids: list[str], refused: list[RefusedRead]) -> list[dict[str, Any]] | str:
    """These security groups (``DescribeSecurityGroups``, to its last page); refused: why (recorded in ``refused``)."""
    try:
        pages = list(ec2.get_paginator("describe_security_groups").paginate(GroupIds=group_ids))
    except ClientError as error:
        if not is_access_denied(error):
            raise
        return _refused(refused, "ec2:DescribeSecurityGroups", ", ".join(group_ids), error)
    return [group for page in pages for group in page["SecurityGroups"]]


def _vpc_dns(ec2: Any, vpc_id: str, refused: list[RefusedRead]) -> tuple[dict[str, bool | None], str]:
    """
    Read the VPC's ``enableDnsSupport`` and ``enableDnsHostnames`` (one ``DescribeVpcAttribute`` each).

    An interface endpoint's private DNS needs both true (Amazon EC2 API Reference, "CreateVpcEndpoint",
    ``PrivateDnsEnabled``). A refused or failed read leaves the attribute ``None`` (the check says "not checked") and
    says why; credentials AWS refuses and throttling are raised (:func:`~.hooks.errors.says_nothing_of_the_read`).
    """
    values: dict[str, bool | None] = {DNS_SUPPORT: None, DNS_HOSTNAMES: None}
    for attribute in values:
        try:
            answer = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
        except ClientError as error:
            if says_nothing_of_the_read(error):
                raise
            if not is_access_denied(error):  # e.g. a VPC another account shares, not answered: not read, not raised
                return values, f"ec2:DescribeVpcAttribute ({attribute}) on {vpc_id} failed: {error}"
            why = f"ec2:DescribeVpcAttribute ({attribute}) on {vpc_id} was denied: {error}"
            return values, _refused(refused, "ec2:DescribeVpcAttribute", f"VpcId={vpc_id}", error, why)
        key = attribute[0].upper() + attribute[1:]
        values[attribute] = bool(answer[key]["Value"])
    return values, ""


def _every(ec2: Any, operation: str, key: str, filters: list[tuple[str, str | list[str]]]) -> list[Any]:
    """
    Return the items under ``key`` of every page of an EC2 describe call with these filters.

    EC2 answers a ``NextToken`` while results are left, filters or not ("The token to use to retrieve the
    next page of results. This value is null when there are no more results to return", Amazon EC2 API
    Reference, "DescribeRouteTables", "DescribeVpcEndpoints"; Amazon EC2 Developer Guide, "Pagination in
    the Amazon EC2 API"): one answer read alone misses what the next pages hold.
    """
    arguments = [{"Name": name, "Values": value if isinstance(value, list) else [value]} for name, value in filters]
    return [item for page in ec2.get_paginator(operation).paginate(Filters=arguments) for item in page[key]]


@dataclass(frozen=True)
class NatWays:
    """
    What the NAT gateways the subnet's routes go to reach (:func:`_nat_gateways`): those whose way on is not seen
    (private, not described, not available, or whose own subnet routes elsewhere than an internet gateway), by id with
    their description; those whose own subnet has no route out at all; and the S3 gateway endpoints of the cluster's
    Region on the route table of a NAT gateway that reaches the internet, and of one that has no way out.
    """

    unseen: dict[str, str] = field(default_factory=dict)
    no_way_out: dict[str, str] = field(default_factory=dict)
    #: The S3 gateway endpoints of the cluster's Region on the route table of each NAT gateway that reaches the
    #: internet, by id.
    s3_gateway_endpoints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The S3 gateway endpoints of the cluster's Region on the route table of each NAT gateway with no way out, by id:
    #: that endpoint's prefix-list route still carries S3's traffic of its Region (AWS PrivateLink Guide, "Gateway
    #: endpoints").
    no_way_out_s3_gateway_endpoints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The own subnet of each NAT gateway that reaches the internet, by id (its network ACL is on the way).
    subnets: dict[str, str] = field(default_factory=dict)

    def s3_lent_through(self, nat_gateway_ids: Collection[str]) -> tuple[str, ...]:
        """
        The S3 gateway endpoints on the route tables of ``nat_gateway_ids``, the NAT gateways the routes that may hold
        S3's public addresses go to (:func:`_nats_public_ranges_go_to`), whether each reaches the internet or not and
        whatever the subnet's default route goes to: a ``52.0.0.0/8`` route to a NAT gateway beside a default route
        to an internet gateway carries S3's addresses there (the longest prefix decides: Amazon VPC User Guide, "How
        route priority works").
        """
        by_nat = {**self.no_way_out_s3_gateway_endpoints, **self.s3_gateway_endpoints}
        return tuple(sorted({item for nat in nat_gateway_ids for item in by_nat.get(nat, ())}))


def _nat_gateways(
    ec2: Any,
    nat_gateway_ids: list[str],
    vpc_id: str,
    endpoints: list[dict[str, Any]],
    region: str,
    refused: list[RefusedRead],
) -> NatWays:
    """
    Judge the NAT gateways the subnet's routes go to from ``DescribeNatGateways`` (``ConnectivityType``, ``State``,
    ``SubnetId``) and the route table of each one's own subnet (``DescribeRouteTables``: the subnet's own table, else
    its VPC's main one, as for the cluster's subnet).

    A private NAT gateway reaches other VPCs and on-premises networks through a transit gateway or a virtual
    private gateway, never the internet (Amazon VPC User Guide, "NAT gateways": "if you route traffic from the
    private NAT gateway to the internet gateway, the internet gateway drops the traffic"). A public one reaches the
    internet only through its own subnet's route to an internet gateway ("You create a public NAT gateway in a public
    subnet ... You route traffic from the NAT gateway to the internet gateway for the VPC. Alternatively, you can use a
    public NAT gateway to connect to other VPCs or your on-premises network ... through a transit gateway or a virtual
    private gateway", same page). So it is a way to the internet only while ``available`` with an active ``0.0.0.0/0``
    route to an ``igw-`` on its subnet's table and no route there to a narrower public range or a prefix list (the most
    specific route decides: "How route priority works"; a gateway endpoint's route carries only its service's traffic,
    AWS PrivateLink Guide, "Gateway endpoints", and an S3 one of the cluster's Region is noted: its policy would meet
    the requests to that Region's buckets). A default route there to anything else, or such a narrower route, is egress
    not seen; no route out at all (no active default route, nothing narrower to a public range) is no way out, as a
    blackhole route. One the caller cannot describe (the VPC owner's, in a subnet shared with the caller: Amazon VPC
    User Guide, "Share your VPC subnets with other accounts"; or a refused read), or whose subnet's route table cannot
    be read, may be either: egress not seen, naming the refused read.
    """
    if not nat_gateway_ids:
        return NatWays()
    wanted = sorted(set(nat_gateway_ids))
    described, not_read = _described_nat_gateways(ec2, wanted, refused)
    unseen_why = "public or private not seen" + (f": {not_read}" if not_read else "")
    ways = NatWays()
    for nat in wanted:
        gateway = described.get(nat)
        if gateway is None:
            ways.unseen[nat] = f"NAT gateway {nat} (not described, {unseen_why})"
            continue
        if gateway.get("ConnectivityType") == "private":
            ways.unseen[nat] = f"private NAT gateway {nat}"
            continue
        state = str(gateway.get("State", ""))
        if state.lower() != "available":
            ways.unseen[nat] = f"NAT gateway {nat} ({state or 'state not shown'}, not available)"
            continue
        kind, why, found = _nat_way_out(ec2, gateway, vpc_id, endpoints, region, refused)
        if kind == NAT_INTERNET:
            ways.s3_gateway_endpoints[nat] = tuple(sorted(found))
            ways.subnets[nat] = str(gateway["SubnetId"])
        elif kind == NAT_NO_WAY_OUT:
            ways.no_way_out_s3_gateway_endpoints[nat] = tuple(sorted(found))
            ways.no_way_out[nat] = why
        else:
            ways.unseen[nat] = why
    return ways


def _described_nat_gateways(
    ec2: Any, wanted: list[str], refused: list[RefusedRead]
) -> tuple[dict[str, dict[str, Any]], str]:
    """
    ``DescribeNatGateways`` of ``wanted``, by id; refused or failed: none, and why (a refusal recorded in ``refused``,
    said where the NAT gateway is named, so the link it leaves open grants it). Credentials AWS refuses and
    throttling are raised (:func:`~.hooks.errors.says_nothing_of_the_read`).
    """
    try:
        pages = list(ec2.get_paginator("describe_nat_gateways").paginate(NatGatewayIds=wanted))
    except ClientError as error:
        if says_nothing_of_the_read(error):
            raise
        if is_access_denied(error):
            return {}, _refused(refused, "ec2:DescribeNatGateways", ", ".join(wanted), error)
        return {}, f"ec2:DescribeNatGateways on {', '.join(wanted)} failed: {error}"
    return {str(gateway["NatGatewayId"]): gateway for page in pages for gateway in page["NatGateways"]}, ""


#: What :func:`_nat_way_out` finds of a public NAT gateway's own subnet: a way to the internet, none, or not seen.
NAT_INTERNET, NAT_NO_WAY_OUT, NAT_UNSEEN = "internet", "no way out", "unseen"


def _nat_way_out(
    ec2: Any,
    gateway: dict[str, Any],
    vpc_id: str,
    endpoints: list[dict[str, Any]],
    region: str,
    refused: list[RefusedRead],
) -> tuple[str, str, set[str]]:
    """
    Where an available public NAT gateway's own subnet routes public addresses (:func:`_nat_gateways`): the kind
    (:data:`NAT_INTERNET`, :data:`NAT_NO_WAY_OUT`, :data:`NAT_UNSEEN`), the NAT gateway's description, and the S3
    gateway endpoints of ``region`` on its subnet's route table.
    """
    nat, subnet = str(gateway["NatGatewayId"]), str(gateway.get("SubnetId") or "")
    if not subnet:
        return NAT_UNSEEN, f"NAT gateway {nat} (its subnet not shown: where it routes is not seen)", set()
    try:
        tables = _every(ec2, "describe_route_tables", "RouteTables", [("association.subnet-id", subnet)])
        if not tables:  # no explicit association: the VPC's main route table applies
            main: list[tuple[str, str | list[str]]] = [
                ("vpc-id", str(gateway.get("VpcId") or vpc_id)),
                ("association.main", "true"),
            ]
            tables = _every(ec2, "describe_route_tables", "RouteTables", main)
    except ClientError as error:
        if not is_access_denied(error):
            raise
        why = _refused(refused, "ec2:DescribeRouteTables", f"association.subnet-id={subnet}", error)
        return NAT_UNSEEN, f"NAT gateway {nat} (the route table of its subnet {subnet} was not read: {why})", set()
    if not tables:
        return NAT_UNSEEN, f"NAT gateway {nat} (no route table of its subnet {subnet} is visible to the caller)", set()
    default, narrower, s3_gateways = _nat_subnet_routes(tables, endpoints, region)
    where = f"NAT gateway {nat}, whose subnet {subnet}"
    if narrower:
        return NAT_UNSEEN, f"{where} routes public addresses to {', '.join(narrower)}: egress not seen", set()
    active = [route for route in default if route.get("State", "active") == "active"]
    if not active:
        table_ids = ", ".join(str(table.get("RouteTableId", "")) for table in tables)
        # Its S3 gateway endpoints kept: their prefix-list route still carries S3's traffic of the cluster's Region.
        return NAT_NO_WAY_OUT, f"{where} has no route out of the VPC (route table {table_ids})", s3_gateways
    if all(str(route.get("GatewayId", "")).startswith("igw-") for route in active):
        return NAT_INTERNET, f"NAT gateway {nat}", s3_gateways
    targets = ", ".join(_target_name(route, {}) for route in active)
    return NAT_UNSEEN, f"{where} sends 0.0.0.0/0 to {targets}: egress not seen", set()


def _nat_subnet_routes(
    tables: list[dict[str, Any]], endpoints: list[dict[str, Any]], region: str
) -> tuple[list[dict[str, Any]], list[str], set[str]]:
    """
    A NAT gateway's subnet's routes (:func:`_nat_way_out`): its ``0.0.0.0/0`` routes; its routes to a narrower public
    range or to a prefix list other than a gateway endpoint's, named; and the S3 gateway endpoints of ``region`` there.
    """
    by_id = {str(endpoint.get("VpcEndpointId")): endpoint for endpoint in endpoints}
    own_s3 = set(s3_endpoint_services(region))
    s3_gateways: set[str] = set()
    default: list[dict[str, Any]] = []
    narrower: list[str] = []
    for route in (route for table in tables for route in table.get("Routes", [])):
        if route.get("GatewayId") == "local":
            continue
        target = _target_name(route, {})
        if route.get("DestinationPrefixListId"):
            endpoint = by_id.get(str(route.get("GatewayId", "")))
            if endpoint is not None and endpoint.get("VpcEndpointType") == "Gateway":
                if endpoint.get("ServiceName") in own_s3:  # its service's traffic only: S3's of this Region
                    s3_gateways.add(str(endpoint["VpcEndpointId"]))
                continue
            narrower.append(f"prefix list {route['DestinationPrefixListId']} to {target}")
            continue
        cidr = str(route.get("DestinationCidrBlock", ""))
        if cidr == "0.0.0.0/0":
            default.append(route)
            continue
        network = _ipv4(cidr)
        if network is not None and not any(network.subnet_of(private) for private in PRIVATE_RANGES):
            narrower.append(
                f"{cidr} to {target}" + ("" if route.get("State", "active") == "active" else " (blackhole)")
            )
    return default, narrower, s3_gateways


def _ipv4(cidr: str) -> ipaddress.IPv4Network | None:
    """An IPv4 CIDR as a network; ``None`` for an IPv6 one or none."""
    if not cidr:
        return None
    network = ipaddress.ip_network(cidr, strict=False)
    return network if isinstance(network, ipaddress.IPv4Network) else None


#: The key marking a route to a NAT gateway whose own subnet has no route out (:func:`_dead_ends`): its description.
NO_WAY_OUT = "NoWayOutOf"


def _dead_ends(tables: list[dict[str, Any]], no_way_out: dict[str, str]) -> list[dict[str, Any]]:
    """
    The tables with each route to a NAT gateway of ``no_way_out`` read as a blackhole route: it carries nothing out of
    the VPC, yet is still the most specific route for its range (Amazon VPC User Guide, "How route priority works").
    """
    if not no_way_out:
        return tables
    return [
        {
            **table,
            "Routes": [
                {**route, "State": "blackhole", NO_WAY_OUT: no_way_out[route["NatGatewayId"]]}
                if route.get("NatGatewayId") in no_way_out
                else route
                for route in table.get("Routes", [])
            ],
        }
        for table in tables
    ]


#: ``DescribeRouteTables`` route targets that lead to another VPC or network, where an interface endpoint may serve
#: the cluster (AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized
#: access to VPC private endpoints": spokes reach a hub VPC's interface endpoints over a transit gateway, their names
#: resolved through a Route 53 private hosted zone).
OTHER_NETWORKS = (
    ("TransitGatewayId", "transit gateway"),
    ("CoreNetworkArn", "Cloud WAN core network"),
    ("VpcPeeringConnectionId", "VPC peering connection"),
)


def _routes_to_other_networks(tables: list[dict[str, Any]]) -> tuple[str, ...]:
    """
    The active routes (other than ``0.0.0.0/0``, judged apart as the default route) to a transit gateway, a Cloud WAN
    core network, a peering connection or a virtual private gateway, as ``"CIDR to TARGET"``: an interface endpoint in
    another VPC or network may be reached that way, private ranges included, which the verifier does not see.
    """
    found = []
    for table in tables:
        for route in table.get("Routes", []):
            cidr = str(route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or "")
            if not cidr or cidr == "0.0.0.0/0" or route.get("State", "active") != "active":
                continue
            target = next((f"{kind} {route[key]}" for key, kind in OTHER_NETWORKS if route.get(key)), "")
            if not target and str(route.get("GatewayId", "")).startswith("vgw-"):
                target = f"virtual private gateway {route['GatewayId']}"
            if target:
                listed = f" (prefix list {route[PREFIX_LIST_ENTRY]})" if route.get(PREFIX_LIST_ENTRY) else ""
                found.append(f"{cidr}{listed} to {target}")
    return tuple(found)


def _routes_over(tables: list[dict[str, Any]], endpoint_cidrs: list[str]) -> tuple[str, ...]:
    """
    The routes, active or blackhole, that may decide the way to an STS interface endpoint's subnets
    (``endpoint_cidrs``), as ``"CIDR to TARGET"``: a route more specific than the local route may send a subnet's CIDR
    to a NAT gateway, a network interface or a Gateway Load Balancer endpoint (a middlebox), and the local route's own
    target may be replaced (Amazon VPC User Guide, "Subnet route tables", "Replace or restore the target for a local
    route"): the route with the most specific match decides (Amazon EC2 API Reference, "CreateRoute"). So every route
    not to ``local`` overlapping one of them counts, unless a ``local`` route holding that subnet is more specific.
    """
    subnets = [network for cidr in endpoint_cidrs if (network := _ipv4(cidr)) is not None]
    routes = [route for table in tables for route in table.get("Routes", [])]
    local = [
        network
        for route in routes
        if route.get("GatewayId") == "local" and (network := _ipv4(str(route.get("DestinationCidrBlock", ""))))
    ]
    found = []
    for route in routes:
        network = _ipv4(str(route.get("DestinationCidrBlock", "")))
        if network is None or route.get("GatewayId") == "local" or network.prefixlen == 0:
            continue
        if any(
            network.overlaps(subnet)
            and not any(wide.prefixlen > network.prefixlen and subnet.subnet_of(wide) for wide in local)
            for subnet in subnets
        ):
            state = "" if route.get("State", "active") == "active" else " (blackhole)"
            found.append(f"{network} to {_target_name(route, {})}{state}")
    return tuple(found)


def _other_target(route: dict[str, Any], private_nats: dict[str, str] | None = None) -> str:
    """
    Name a route's target when it is neither a public NAT nor an internet gateway (empty otherwise).

    A route to a network interface attached to an instance (a firewall appliance, say) shows both its
    ``NetworkInterfaceId`` and the instance's ``InstanceId`` (Amazon EC2 API Reference, "Route": ``InstanceId``, "The
    ID of a NAT instance in your VPC", and ``NetworkInterfaceId``): whether the instance translates addresses to the
    internet is not seen, so it is egress not seen either way.
    """
    private_nats = private_nats or {}
    if route.get("NatGatewayId") in private_nats:
        return private_nats[route["NatGatewayId"]]
    if route.get(NO_WAY_OUT):
        return str(route[NO_WAY_OUT])
    if route.get("NetworkInterfaceId") and route.get("InstanceId"):
        return f"network interface {route['NetworkInterfaceId']} of instance {route['InstanceId']}"
    for key, kind in OTHER_TARGETS:
        if route.get(key):
            return f"{kind} {route[key]}"
    gateway = str(route.get("GatewayId", ""))
    return next((f"{kind} {gateway}" for prefix, kind in OTHER_GATEWAYS if gateway.startswith(prefix)), "")


@dataclass(frozen=True)
class WaysOut:
    """
    The subnets whose network ACLs are on the ways out (:func:`_packet_filters`): the cluster's, the own subnets of the
    public NAT gateways its default route goes to, the STS interface endpoint's; with that endpoint's security groups
    and S3's prefix lists (the S3 gateway endpoint's routes), which an egress rule may name.
    """

    subnet: dict[str, Any]
    nat_subnets: tuple[str, ...] = ()
    endpoint_subnets: tuple[str, ...] = ()
    endpoint_groups: tuple[str, ...] = ()
    s3_prefix_lists: tuple[str, ...] = ()


def _packet_filters(
    ec2: Any, ways: WaysOut, instance_groups: Collection[str], refused: list[RefusedRead]
) -> PacketFilters:
    """
    Read the network ACLs of the subnets on the ways out (``DescribeNetworkAcls`` filtered by
    ``association.subnet-id``, to its last page: a subnet without an explicit association has the VPC's default ACL,
    which the filter returns too: "By default when you create a subnet, it's automatically associated with the
    default network ACL", Amazon EC2 API Reference, "ReplaceNetworkAclAssociation"), the CIDRs of the STS endpoint's
    subnets (``DescribeSubnets``), and the egress rules (``IpPermissionsEgress``) of the cluster's security groups
    (``DescribeSecurityGroups``). A refused read leaves what it reads ``None``, saying why; any other error is raised.
    """
    cluster_id = str(ways.subnet["SubnetId"]) if ways.subnet.get("SubnetId") else ""
    cidrs = {cluster_id: str(ways.subnet.get("CidrBlock", ""))}
    others = [item for item in ways.endpoint_subnets if item != cluster_id]
    cidrs.update(_subnet_cidrs(ec2, others, refused))
    wanted = sorted({cluster_id, *ways.nat_subnets, *others} - {""})
    acls, why = _network_acls(ec2, wanted, refused)

    def of(subnet_id: str) -> SubnetAcl:
        acl = acls.get(subnet_id) if acls is not None else None
        unread = why or ("" if acl else f"no network ACL of subnet {subnet_id} is visible to the caller")
        return SubnetAcl(subnet_id, cidrs.get(subnet_id, ""), acl, unread)

    egress, egress_unread = _egress(ec2, sorted(set(instance_groups)), refused)
    return PacketFilters(
        cluster=of(cluster_id),
        nat_subnets=tuple(of(item) for item in ways.nat_subnets),
        endpoint_subnets=tuple(of(item) for item in ways.endpoint_subnets),
        egress=egress,
        egress_unread=egress_unread,
        s3_prefix_lists=ways.s3_prefix_lists,
        endpoint_groups=ways.endpoint_groups,
    )


def _subnet_cidrs(ec2: Any, subnet_ids: list[str], refused: list[RefusedRead]) -> dict[str, str]:
    """The IPv4 CIDRs of these subnets (``DescribeSubnets``); refused: none (the ACL verdicts then stay unsure)."""
    if not subnet_ids:
        return {}
    try:
        answer = ec2.describe_subnets(SubnetIds=subnet_ids)
    except ClientError as error:
        if not is_access_denied(error):
            raise
        _refused(refused, "ec2:DescribeSubnets", ", ".join(subnet_ids), error)
        return {}
    return {str(item["SubnetId"]): str(item.get("CidrBlock", "")) for item in answer.get("Subnets", [])}


def _network_acls(
    ec2: Any, subnet_ids: list[str], refused: list[RefusedRead]
) -> tuple[dict[str, NetworkAcl] | None, str]:
    """The network ACL of each subnet (``DescribeNetworkAcls``), by subnet id; refused: ``None`` and why."""
    try:
        found = _every(ec2, "describe_network_acls", "NetworkAcls", [("association.subnet-id", subnet_ids)])
    except ClientError as error:
        if not is_access_denied(error):
            raise
        return None, _refused(
            refused, "ec2:DescribeNetworkAcls", "association.subnet-id=" + ",".join(subnet_ids), error
        )
    acls: dict[str, NetworkAcl] = {}
    for item in found:
        acl = NetworkAcl(str(item["NetworkAclId"]), tuple(_acl_entry(entry) for entry in item.get("Entries", [])))
        for association in item.get("Associations", []):
            if association.get("SubnetId") in subnet_ids:
                acls[str(association["SubnetId"])] = acl
    return acls, ""


def _acl_entry(entry: dict[str, Any]) -> AclEntry:
    """One ``DescribeNetworkAcls`` entry (Amazon EC2 API Reference, "NetworkAclEntry"): an IPv6 one keeps no CIDR."""
    ports = entry.get("PortRange")
    return AclEntry(
        rule_number=int(entry["RuleNumber"]),
        egress=bool(entry.get("Egress")),
        protocol=str(entry.get("Protocol", "")),
        action=str(entry.get("RuleAction", "")).lower(),
        cidr=str(entry.get("CidrBlock") or ""),
        ports=(int(ports["From"]), int(ports["To"])) if ports and "From" in ports and "To" in ports else None,
    )


def _egress(
    ec2: Any, group_ids: list[str], refused: list[RefusedRead]
) -> tuple[dict[str, tuple[EgressRule, ...]] | None, str]:
    """The outbound rules of these security groups by id (``DescribeSecurityGroups``); refused: ``None`` and why."""
    if not group_ids:
        return {}, ""
    groups = _security_groups(ec2, group_ids, refused)
    if isinstance(groups, str):
        return None, groups
    return {
        str(group["GroupId"]): tuple(
            EgressRule(
                protocol=str(permission.get("IpProtocol", "")),
                from_port=permission.get("FromPort"),
                to_port=permission.get("ToPort"),
                cidrs=tuple(str(item["CidrIp"]) for item in permission.get("IpRanges", [])),
                prefix_lists=tuple(str(item["PrefixListId"]) for item in permission.get("PrefixListIds", [])),
                groups=tuple(
                    str(item["GroupId"]) for item in permission.get("UserIdGroupPairs", []) if item.get("GroupId")
                ),
            )
            for permission in group.get("IpPermissionsEgress", [])
        )
        for group in groups
    }, ""
