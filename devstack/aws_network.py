"""
The stand-in's judge of the way from a cluster's subnet to S3 of a bucket's Region, for the probe step.

moto runs no network: every request reaches every bucket. AWS does not: a subnet without a route to the internet
reaches S3 only through a VPC endpoint, and an S3 gateway endpoint serves only buckets of its own Region (Amazon VPC
User Guide, "Gateway endpoints for Amazon S3"; Amazon S3 User Guide, "AWS PrivateLink for Amazon S3", "Types of
VPC endpoints for Amazon S3"). This judge reads moto's own EC2 and S3 models (not the provider's code) for the
cluster's subnet: the route table that applies (the subnet's own, else the VPC's main one), its default route to an
internet gateway (with public IP addresses on launch) or a public NAT gateway or instance, and the VPC's available
S3 gateway endpoints on that table. An S3 interface endpoint (which may serve another Region), a default route
elsewhere (a transit gateway, a peering connection, ...) or to an internet gateway without public IP addresses on
launch leaves it undecided: the stand-in cannot tell, and says so. A route to a managed prefix list other than a
gateway endpoint's carries the list's entries as CIDR routes would (Amazon VPC User Guide, "How route priority
works": the longest prefix, then a static route before a prefix-list route of the same prefix).
A cluster without a subnet is not in a modelled network: not judged.

The probe's requests also pass the policies of the VPC endpoints on their way (:func:`endpoints_on_the_way`; AWS
PrivateLink Guide, "Control access to VPC endpoints using endpoint policies"), read from moto's own EC2 model (each
endpoint's ``policy_document``): the S3 gateway endpoint of the cluster's Region on the subnet's route table, for a
bucket of that Region, whatever the default route (its prefix-list route is the more specific one: Amazon VPC User
Guide, "How route priority works"); the STS interface endpoint with private DNS, for EMRFS's AssumeRole to the
Regional endpoint of the cluster's Region (releases 5.31.0, 6.1.0 and later without ``fs.s3.sts.endpoint``, or with
one naming that endpoint: Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint";
:func:`regional_sts_region`) while the VPC's DNS support and hostnames are on
(Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``); the KMS interface endpoint with private DNS,
for EMRFS's own ``kms:GenerateDataKey`` of client-side encryption (CSE-KMS) with a key of the cluster's Region (AWS KMS
Developer Guide, "Connect to an AWS KMS VPC endpoint": "A VPC endpoint policy must give the principal permission to
use the endpoint"). The writer judges each request against them with :func:`devstack.aws_judge.endpoint_policy_allows`.

The node's own calls to other services than S3, EMRFS's AssumeRole to STS and, with CSE-KMS, its KMS call (Amazon EMR
Release Guide, "Amazon S3 client-side encryption": the encryption "takes place in the EMRFS client on your cluster"),
are judged one way (:func:`sts_unreachable`, :func:`kms_unreachable`: :func:`_service_unreachable`). S3's own KMS calls
for SSE-KMS go from S3, not through the VPC: not judged here.

On the way the routes give, the packet filters judge the request and its answer (:func:`_filtered`), read from moto's
EC2 and EMR models. The network ACL of the cluster's subnet (its associated one, else the VPC's default one) and, on
a NAT gateway's way, of the gateway's subnet, and, on an interface endpoint's way, of each subnet of its network
interfaces (HTTPS in from the cluster's subnet, the answer out to its ephemeral ports; one in the cluster's own subnet
crosses no ACL): entries read "according to the rule numbers, in ascending order", the first match deciding, separate
ingress and egress sets, protocol "-1" for all, IPv6 entries apart (Amazon EC2 API Reference, "CreateNetworkAclEntry");
stateless, so the answer to the client's ephemeral ports needs an inbound rule (Amazon VPC User Guide, "Network ACLs",
"Ephemeral ports"). The destination is any public address (the stand-in has no S3 or STS address ranges), for the S3
gateway endpoint's way too, else the range of the endpoint's subnet; the name resolving to each network interface's
address, each is a way the request may take: dropped only when every one is (:func:`_filtered_ways`). The security
groups of the cluster's primary node, where the probe runs: stateful and allow-only, a group with no egress rule lets
nothing out (AWS CloudFormation User Guide, "AWS::EC2::SecurityGroup"); a rule to S3's prefix list never reaches an
interface endpoint's private address (Amazon VPC User Guide, "AWS-managed prefix lists": "sets of IP address ranges
for AWS services"). A certain drop names the ACL and its rule, or the groups; an entry or a rule that may match (a
narrower range, a prefix list, a group) leaves it to :data:`CANNOT_TELL`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

from moto.ec2.models import ec2_backends
from moto.emr.models import emr_backends
from moto.s3.models import s3_backends

#: The verdicts besides "reaches it" (``None``).
CANNOT_TELL = "the stand-in cannot tell whether the cluster's subnet reaches"


def s3_unreachable(
    account: str, region: str, subnet_id: str | None, bucket: str, cluster_id: str | None = None
) -> str | None:
    """
    Why a cluster in ``subnet_id`` (``account``, ``region``) cannot reach S3 for ``bucket``; ``None`` when it can or
    there is no subnet; a sentence starting with :data:`CANNOT_TELL` when the stand-in cannot decide (also for the
    name's resolution and the other networks the subnet routes to: :func:`_beyond_the_model`). On the way the routes
    give, the network ACLs and the security groups of cluster ``cluster_id``'s primary node, where the probe runs,
    judge the request too (:func:`_filtered`).
    """
    if not subnet_id or bucket not in s3_backends.bucket_accounts:
        return None
    ec2 = ec2_backends[account][region]
    subnet = ec2.get_subnet(subnet_id)
    what = f"S3 for bucket {bucket}"
    partition, owner = s3_backends.bucket_accounts[bucket]
    taken = bool(
        _s3_private_dns_endpoints(ec2, subnet, region, s3_backends[owner][partition].buckets[bucket].region_name)
    )
    groups = _primary_groups(account, region, cluster_id)
    verdict = _s3_unreachable(account, region, subnet_id, bucket, groups)
    verdict = _beyond_the_model(ec2, subnet, verdict, what, "s3", taken)
    if verdict is not None:
        return verdict
    return _filtered_ways(ec2, subnet, _s3_ways(ec2, subnet, region, bucket, groups), groups, what)


def _s3_ways(ec2: Any, subnet: Any, region: str, bucket: str, groups: list[str] | None) -> list[_Way]:
    """
    The ways the routes give to S3 for ``bucket``: an S3 interface endpoint taking the name (one way a subnet of its
    network interfaces: :func:`_interface_ways`), else the S3 gateway endpoint of the bucket's Region on the subnet's
    route table (its prefix list surely holds S3's addresses: Amazon VPC User Guide, "AWS-managed prefix lists"), else
    the internet.
    """
    partition, owner = s3_backends.bucket_accounts[bucket]
    bucket_region = s3_backends[owner][partition].buckets[bucket].region_name
    taking_the_name = _s3_private_dns_endpoints(ec2, subnet, region, bucket_region)
    if taking_the_name:  # those whose groups let the primary node in (:func:`_s3_unreachable`)
        return _interface_ways(ec2, subnet, _admitting(ec2, taking_the_name, subnet, groups, region, "s3"))
    tables = _tables_of(ec2, subnet)
    listed = {
        route.destination_prefix_list.id
        for table in tables
        for route in table.routes
        if route.destination_prefix_list is not None
        and getattr(route.gateway, "vpc_endpoint_type", None) == "Gateway"
        and _names_service(route.gateway.service_name, region, "s3") == _SURELY
        and route.gateway.state == "available"
    }
    if listed and bucket_region == region:
        return [_Way(prefix_lists=frozenset(listed))]
    return [_internet_way(tables)]


def _s3_unreachable(account: str, region: str, subnet_id: str, bucket: str, groups: list[str] | None) -> str | None:
    """:func:`s3_unreachable` by the routes and endpoints of moto's model alone (``groups``: the primary node's)."""
    partition, owner = s3_backends.bucket_accounts[bucket]
    bucket_region = s3_backends[owner][partition].buckets[bucket].region_name
    ec2 = ec2_backends[account][region]
    subnet = ec2.get_subnet(subnet_id)
    tables = _tables_of(ec2, subnet)
    taking_the_name = _s3_private_dns_endpoints(ec2, subnet, region, bucket_region)
    if taking_the_name:  # S3's Regional name resolves to them whatever the routes
        return _endpoint_verdict(
            ec2, taking_the_name, subnet, groups, _Service("s3", "S3", f"S3 of {bucket_region}", True)
        )
    egress = _egress(tables, subnet)
    if egress == INTERNET:
        return None
    table_ids = {table.id for table in tables}
    endpoints = [
        endpoint
        for endpoint in ec2.vpc_end_points.values()
        if endpoint.vpc_id == subnet.vpc_id and endpoint.state == "available" and endpoint.service_name.endswith(".s3")
    ]
    for endpoint in endpoints:
        named = _names_service(endpoint.service_name, region, "s3")
        if (
            endpoint.vpc_endpoint_type == "Gateway"
            and named
            and table_ids & set(endpoint.route_table_ids or [])
            and bucket_region == region
        ):
            taken = _taken_from_the_gateway_endpoint(tables, endpoint, subnet) or _undocumented_name(endpoint, named)
            if taken:
                return f"{CANNOT_TELL} S3 for bucket {bucket} ({bucket_region}): {taken}"
            return None
    # A route of public addresses left: egress past the VPC, or an internet gateway without public IPs on launch, which
    # EMR may give its instances anyway (the Amazon EMR Management Guide, "Amazon VPC options", does not say): undecided.
    if any(endpoint.vpc_endpoint_type == "Interface" for endpoint in endpoints) or egress != NO_EGRESS:
        return (
            f"{CANNOT_TELL} S3 for bucket {bucket} ({bucket_region}): an S3 interface endpoint or egress past the VPC"
        )
    return (
        f"subnet {subnet_id} ({region}) has no way to S3 of {bucket_region} for bucket {bucket}: no route to the "
        "internet, and no S3 gateway endpoint of the bucket's Region on its route table"
    )


def _taken_from_the_gateway_endpoint(tables: list[Any], endpoint: Any, subnet: Any) -> str:
    """
    The routes that may take S3's addresses away from the gateway endpoint's route to S3's prefix list: one to a
    range of public addresses elsewhere than the internet (or a blackhole) as specific as an entry of S3's list, or
    more, that overlaps it. The longest prefix wins; on the same prefix a static route wins over a prefix-list route
    (Amazon VPC User Guide, "How route priority works"); of two prefix lists, either may. Empty when none. S3's list
    holding no entry in moto's model is no list of no addresses: AWS keeps S3's IP address ranges in it (Amazon VPC
    User Guide, "AWS-managed prefix lists"), so any such route may take some.
    """
    s3_ranges = [
        ipaddress.ip_network(entry["Cidr"])
        for table in tables
        for route in table.routes
        if getattr(route.gateway, "id", None) == endpoint.id and route.destination_prefix_list is not None
        for entry in _current_entries(route.destination_prefix_list)
    ]
    taking = [
        f"{route if isinstance(route, _Listed) else route.destination_cidr_block} to {_target(route)}"
        for route, network in _public_range_routes(tables)
        if (route.state == "blackhole" or not _to_the_internet(route, subnet))
        and (
            not s3_ranges
            or any(
                network.version == s3.version and network.overlaps(s3) and network.prefixlen >= s3.prefixlen
                for s3 in s3_ranges
            )
        )
    ]
    if not taking:
        return ""
    unknown = "" if s3_ranges else " (S3's prefix list shows no entries: its ranges are not known)"
    return f"S3's addresses may be routed to {', '.join(taking)} before the gateway endpoint{unknown}"


def _tables_of(ec2: Any, subnet: Any) -> list[Any]:
    """The route table EC2 routes the subnet by: its explicitly associated one, else its VPC's main one."""
    tables = list(ec2.route_tables.values())
    own = [table for table in tables if subnet.id in table._associations.values()]
    return own or [table for table in tables if table.vpc_id == subnet.vpc_id and table.main_association_id]


@dataclass(frozen=True)
class EndpointOnTheWay:
    """A VPC endpoint a request of the probe passes: its id, whether it is a gateway endpoint, its policy, its VPC."""

    endpoint_id: str
    gateway: bool
    policy: dict[str, Any]
    vpc_id: str = ""


def endpoints_on_the_way(
    account: str, region: str, subnet_id: str | None, bucket: str, release_label: str | None, emrfs_site: dict[str, str]
) -> dict[str, EndpointOnTheWay]:
    """
    The endpoints the probe's requests pass, by service (``"s3"``, ``"sts"``, ``"kms"``); none without a subnet. The
    ``"kms"`` one, the KMS interface endpoint of the cluster's Region with private DNS answering in the VPC, is on the
    way of EMRFS's own KMS call for client-side encryption with a key of that Region (:func:`kms_unreachable`).
    """
    if not subnet_id or bucket not in s3_backends.bucket_accounts:
        return {}
    partition, owner = s3_backends.bucket_accounts[bucket]
    bucket_region = s3_backends[owner][partition].buckets[bucket].region_name
    ec2 = ec2_backends[account][region]
    subnet = ec2.get_subnet(subnet_id)
    table_ids = {table.id for table in _tables_of(ec2, subnet)}
    found: dict[str, EndpointOnTheWay] = {}
    for endpoint in _named(_s3_private_dns_endpoints(ec2, subnet, region, bucket_region), region, "s3"):
        found.setdefault(  # they take S3's name
            "s3", EndpointOnTheWay(endpoint.id, False, json.loads(endpoint.policy_document), endpoint.vpc_id)
        )
    for endpoint in sorted(ec2.vpc_end_points.values(), key=lambda endpoint: endpoint.id):
        if endpoint.vpc_id != subnet.vpc_id or endpoint.state != "available":
            continue
        policy = json.loads(endpoint.policy_document)
        if (
            endpoint.vpc_endpoint_type == "Gateway"
            and _names_service(endpoint.service_name, region, "s3") == _SURELY
            and table_ids & set(endpoint.route_table_ids or [])
            and bucket_region == region
        ):
            found.setdefault("s3", EndpointOnTheWay(endpoint.id, True, policy, endpoint.vpc_id))
    answers = _private_dns_answers(ec2.get_vpc(subnet.vpc_id))
    regional_sts = regional_sts_region(release_label, emrfs_site, region) == region  # it answers its Region's name only
    # KMS's answers kms.REGION.amazonaws.com, this Region's, which EMRFS's client-side encryption calls.
    for suffix in ("sts", "kms") if answers else ():
        taking = _named(_interface_endpoints_with_private_dns(ec2, subnet, region, suffix), region, suffix)
        if taking and (suffix == "kms" or regional_sts):
            endpoint = taking[0]
            found[suffix] = EndpointOnTheWay(endpoint.id, False, json.loads(endpoint.policy_document), endpoint.vpc_id)
    return found


def _private_dns_answers(vpc: Any) -> bool:
    """An interface endpoint's private DNS answers only with the VPC's DNS support and DNS hostnames both on."""
    return all(str(value).lower() == "true" for value in (vpc.enable_dns_support, vpc.enable_dns_hostnames))


#: STS's global endpoint, the host :func:`sts_endpoint_host` reads (AWS General Reference, "AWS Security Token Service
#: endpoints and quotas").
GLOBAL_STS = "sts.amazonaws.com"
#: A Regional STS endpoint of the ``aws`` partition, its Region captured: the host ``sts.REGION.amazonaws.com`` (same
#: page).
_REGIONAL_STS = re.compile(r"sts\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com")
#: An endpoint as ``fs.s3.sts.endpoint`` may name one, its host captured: the host alone, or after ``https://``, the
#: port 443 or none, and a final ``/`` or none.
_ENDPOINT = re.compile(r"(?:https://)?([^/:\s]+)(?::443)?")


def sts_endpoint_host(override: str) -> str | None:
    """
    The host (lower case) an ``fs.s3.sts.endpoint`` of ``override`` calls, where the stand-in can tell; ``None`` else.

    The AWS SDK for Java, which EMRFS uses, takes an endpoint as a host name or as a full URL, the client's protocol
    (HTTPS by default) when none is given (AWS SDK for Java API Reference, ``AmazonWebServiceClient.setEndpoint``,
    paraphrased; ``EndpointConfiguration`` of ``AwsClientBuilder`` likewise). Port 443 is
    HTTPS's default port (RFC 9110, "https URI Scheme"), the same endpoint written out; host names are compared
    without regard to case (RFC 4343). Not told: a value with a path (the SDK sends its requests under it, and what
    STS answers there is not documented), another port or scheme, and a value with white space around it, which Hadoop
    keeps unless its reader asks ``Configuration.getTrimmed``, and EMRFS's reader is not published.
    """
    named = _ENDPOINT.fullmatch(override.removesuffix("/").lower())
    return named[1] if named else None


def regional_sts_region(release_label: str | None, emrfs_site: dict[str, str], region: str) -> str | None:
    """
    The Region whose Regional STS endpoint EMRFS's ``AssumeRole`` of a mapped role calls, for a cluster in
    ``region``; ``None`` for the global endpoint or an ``fs.s3.sts.endpoint`` naming neither (not told).

    Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint": 5.31.0, 6.1.0 and later call
    the cluster's Regional endpoint, or the one ``fs.s3.sts.endpoint`` names (read from those releases on); earlier
    ones the global endpoint. An override whose host (:func:`sts_endpoint_host`: ``https://`` or not, ``:443`` or
    not, any case, a trailing slash) is ``sts.R.amazonaws.com`` is R's Regional endpoint, the cluster's Region or
    another. The one reading of the endpoint for reachability
    (:func:`sts_unreachable`), for the STS interface endpoint whose policy the call passes (:func:`endpoints_on_the_way`)
    and for the call's ``aws:RequestedRegion`` (the writer's ``sts_region``).
    """
    if not _uses_the_override(release_label):
        return None
    override = emrfs_site.get("fs.s3.sts.endpoint")
    if override is None:
        return region
    named = _REGIONAL_STS.fullmatch(sts_endpoint_host(override) or "")
    return named[1] if named else None


#: What :func:`_egress` finds: every public address leaves through the internet, none leaves the VPC; else a sentence.
INTERNET, NO_EGRESS = "internet", "no egress"
#: The private (RFC 1918) and shared (RFC 6598, carrier-grade NAT's space, not routed on the internet) address
#: space, where no AWS public endpoint (STS, S3) has an address (their ranges: AWS General Reference, "AWS IP address
#: ranges", ``ip-ranges.json``).
_PRIVATE = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def _egress(tables: list[Any], subnet: Any) -> str:
    """
    Where the subnet's requests to a public address (STS, S3 outside a gateway endpoint) go: :data:`INTERNET` when
    every public address leaves through the internet, :data:`NO_EGRESS` when no route takes any of them out of the
    VPC, else why the stand-in cannot tell.

    EC2 routes by the most specific route that matches (Amazon VPC User Guide, "How route priority works"), so
    ``0.0.0.0/1`` and ``128.0.0.0/1`` together route what ``0.0.0.0/0`` would. A route leaves through the internet
    when its target is a public NAT gateway or a NAT instance, or an internet gateway for instances with public IPv4
    addresses (Amazon VPC User Guide, "NAT gateways": a private NAT gateway never reaches the internet; "Internet
    gateways": an instance needs a public IPv4 address). Any other target (transit gateway, peering, private NAT,
    an internet gateway without public addresses on launch) is a way on the stand-in does not model. A ``blackhole``
    route (its target deleted, detached or terminated: Amazon EC2 API Reference, "Route", ``State``) carries nothing;
    one narrower than a route to the internet cannot be told: route priority is by prefix alone (Amazon VPC User
    Guide, "Route priority"), and no documented rule hands its range to the wider route.
    """
    internet, other, blackholes = [], [], []
    for route, network in _public_range_routes(tables):
        cidr = str(route) if isinstance(route, _Listed) else route.destination_cidr_block
        if route.state == "blackhole":  # its target is gone: it carries nothing (devstack/aws_vpc_states.py)
            if network.prefixlen:  # but may still be the most specific route for its range
                blackholes.append(f"{cidr} to {_target(route)} (blackhole)")
            continue
        way = _way(route, subnet)
        if way == NOWHERE:  # its NAT gateway's subnet has no route out: it carries nothing, as a blackhole route
            blackholes += [f"{cidr} to {_target(route)} (its subnet has no route out)"] * bool(network.prefixlen)
        elif way == INTERNET:
            internet.append(network)
        else:
            other.append(f"{cidr} to {way}")
    if other:
        return f"{CANNOT_TELL} public addresses: they are routed to {', '.join(other)}"
    if not internet:
        return NO_EGRESS
    if blackholes:  # no documented rule hands a blackhole route's range to a wider route: dropped or not
        return f"{CANNOT_TELL} public addresses: they are routed to {', '.join(blackholes)}"
    covered = list(ipaddress.collapse_addresses(internet))
    if covered == [ipaddress.IPv4Network("0.0.0.0/0")]:
        return INTERNET
    return f"{CANNOT_TELL} public addresses: only part of them ({', '.join(map(str, covered))}) reach the internet"


def _public_range_routes(tables: list[Any]) -> list[tuple[Any, ipaddress.IPv4Network]]:
    """
    The routes of ``tables`` to an IPv4 CIDR outside the VPC and the private address space, with their range; a route
    to a prefix list (:func:`_prefix_list_ranges`) once an IPv4 entry of the list.
    """
    found = []
    for table in tables:
        static = {route.destination_cidr_block for route in table.routes if route.destination_cidr_block}
        for route in table.routes:
            if route.local:
                continue
            cidrs = (
                [route.destination_cidr_block] if route.destination_cidr_block else _prefix_list_ranges(route, static)
            )
            for cidr in cidrs:
                network = ipaddress.ip_network(cidr, strict=False)
                if network.version == 4 and not any(network.subnet_of(private) for private in _PRIVATE):
                    found.append((_Listed(route, cidr) if cidr != route.destination_cidr_block else route, network))
    return found


def _prefix_list_ranges(route: Any, static: set[str]) -> list[str]:
    """
    The ranges a route to a managed prefix list carries: every entry of the list's current version in moto's model,
    but one a static route of the table also names ("Static routes" before "Prefix list routes" on the same prefix:
    Amazon VPC User Guide, "How route priority works"); none for a gateway endpoint's route to its service's list (the
    gateway endpoint is judged apart: :func:`s3_unreachable`).
    """
    listed = route.destination_prefix_list
    gateway = route.gateway
    if listed is None or (gateway is not None and getattr(gateway, "vpc_endpoint_type", None) == "Gateway"):
        return []
    return [entry["Cidr"] for entry in _current_entries(listed) if entry["Cidr"] not in static]


def _current_entries(listed: Any) -> list[dict[str, str]]:
    """The entries of a moto prefix list's current version (an AWS-managed list has no version: its only entries)."""
    if listed.version is not None:
        return list(listed.entries.get(listed.version) or [])
    return list(next(iter(listed.entries.values()), []))


@dataclass(frozen=True)
class _Listed:
    """A prefix list's entry routed as a CIDR route: the route's target and state, the entry's range."""

    route: Any
    destination_cidr_block: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.route, name)

    def __str__(self) -> str:
        return f"{self.destination_cidr_block} (prefix list {self.route.destination_prefix_list.id})"


def _to_the_internet(route: Any, subnet: Any) -> bool:
    """
    A route's target takes public addresses to the internet: an internet gateway for instances with public IPv4
    addresses ("Internet gateways"), or a public NAT gateway whose own subnet does (:func:`_nat_way`). An instance
    (a NAT instance, or a firewall appliance behind its network interface) is a way on the stand-in does not model.
    """
    if route.instance is not None:
        return False
    if route.nat_gateway is not None:
        return _public_nat(route) and _nat_way(route) == INTERNET
    gateway_id = str(getattr(route.gateway, "id", "") or "")
    return gateway_id.startswith("igw-") and str(subnet.map_public_ip_on_launch).lower() == "true"


def _public_nat(route: Any) -> bool:
    """The route goes to a public NAT gateway (Amazon VPC User Guide, "NAT gateways": a private one never reaches the
    internet)."""
    if route.nat_gateway is not None:
        return str(getattr(route.nat_gateway, "connectivity_type", "public") or "public") == "public"
    return False


#: What :func:`_nat_way` finds when a NAT gateway's own subnet routes no public address out of the VPC.
NOWHERE = "nowhere"


def _nat_way(route: Any) -> str:
    """
    Where a public NAT gateway's requests go, by its own subnet's route table in moto's model (the subnet's own, else
    the VPC's main one): :data:`INTERNET` when it is available and sends ``0.0.0.0/0`` to an internet gateway and
    nothing narrower elsewhere; :data:`NOWHERE` when no route takes public addresses out; else a sentence (a default
    route to a transit gateway, a virtual private gateway, a peering connection...: a way on not modelled). Amazon VPC
    User Guide, "NAT gateways": "You create a public NAT gateway in a public subnet ... You route traffic from the NAT
    gateway to the internet gateway for the VPC. Alternatively, you can use a public NAT gateway to connect to other
    VPCs or your on-premises network ... through a transit gateway or a virtual private gateway". A route to a prefix
    list there (a gateway endpoint's too) leaves it untold: its requests may meet that endpoint and its policy.
    """
    nat = route.nat_gateway
    if str(getattr(nat, "state", "available")) != "available":
        return f"NAT gateway {nat.id} is {nat.state}"
    backend = nat.ec2_backend
    defaults, elsewhere = _routes_out(_tables_of(backend, backend.get_subnet(nat.subnet_id)))
    if elsewhere:
        return f"NAT gateway {nat.id}'s subnet routes public addresses to {', '.join(elsewhere)}"
    live = [own for own in defaults if own.state != "blackhole"]
    if not live:
        return NOWHERE
    if all(str(getattr(own.gateway, "id", "") or "").startswith("igw-") for own in live):
        return INTERNET
    return f"NAT gateway {nat.id}'s subnet sends 0.0.0.0/0 to {', '.join(_target(own) for own in live)}"


def _routes_out(tables: list[Any]) -> tuple[list[Any], list[str]]:
    """The ``0.0.0.0/0`` routes of ``tables``, and their other routes of public addresses or to a prefix list, named."""
    defaults, elsewhere = [], []
    for table in tables:
        for own in table.routes:
            if own.local:
                continue
            if own.destination_prefix_list is not None:
                elsewhere.append(f"prefix list {own.destination_prefix_list.id} to {_target(own)}")
            elif own.destination_cidr_block == "0.0.0.0/0":
                defaults.append(own)
            elif own.destination_cidr_block:
                network = ipaddress.ip_network(own.destination_cidr_block, strict=False)
                if isinstance(network, ipaddress.IPv4Network) and not any(map(network.subnet_of, _PRIVATE)):
                    elsewhere.append(f"{own.destination_cidr_block} to {_target(own)}")
    return defaults, elsewhere


def _way(route: Any, subnet: Any) -> str:
    """Where a live route takes public addresses: :data:`INTERNET`, :data:`NOWHERE`, or its target named."""
    if _public_nat(route):
        way = _nat_way(route)
        return way if way in (INTERNET, NOWHERE) else f"{_target(route)} ({way})"
    return INTERNET if _to_the_internet(route, subnet) else _target(route)


def _beyond_the_model(
    ec2: Any, subnet: Any, verdict: str | None, what: str, service: str | None, name_taken: bool = False
) -> str | None:
    """
    ``verdict`` of the routes and endpoints, unless what the stand-in does not model may change it: then a sentence
    starting with :data:`CANNOT_TELL`.

    - The name's resolution: with the VPC's DNS support off "the Amazon provided DNS service in the VPC that resolves
      public DNS hostnames to IP addresses is not enabled" (Amazon EC2 API Reference, "ModifyVpcAttribute",
      ``EnableDnsSupport``); DNS servers of a custom DHCP option set may resolve it, or name an interface endpoint of
      the VPC: a way found, or an endpoint there, is not told.
    - Another VPC's interface endpoint (``service``: the VPC endpoint service the request could take; ``None`` for
      STS's global endpoint, which none serves): a route to a transit gateway, a peering connection or a virtual
      private gateway may reach one in a hub VPC, named through a Route 53 private hosted zone (AWS whitepaper
      "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized access to VPC private
      endpoints"); not where the VPC's own interface endpoint with private DNS takes the name (``name_taken``): a VPC
      is associated with one hosted zone of a name (Amazon Route 53 API Reference, "AssociateVPCWithHostedZone",
      ``ConflictingDomainExists``: "The VPC that you specified is already associated with another hosted zone that has
      the same name").
    """
    if verdict is not None and verdict.startswith(CANNOT_TELL):
        return verdict
    vpc = ec2.get_vpc(subnet.vpc_id)
    if str(vpc.enable_dns_support).lower() != "true":
        own = service is not None and any(
            endpoint.vpc_id == subnet.vpc_id
            and endpoint.vpc_endpoint_type == "Interface"
            and endpoint.service_name.endswith(f".{service}")
            for endpoint in ec2.vpc_end_points.values()
        )
        if verdict is None or own:
            return f"{CANNOT_TELL} {what}: the VPC's DNS support is off (DHCP options' DNS servers are not modelled)"
    if verdict is not None and service is not None and not name_taken:
        hubs = [
            f"{route.destination_cidr_block} to {_target(route)}"
            for table in _tables_of(ec2, subnet)
            for route in table.routes
            if not route.local
            and route.destination_cidr_block not in (None, "0.0.0.0/0")
            and route.state != "blackhole"
            and (
                route.transit_gateway is not None
                or route.vpc_pcx is not None
                or str(getattr(route.gateway, "id", "") or "").startswith("vgw-")
            )
        ]
        if hubs:
            return f"{CANNOT_TELL} {what}: an endpoint in another VPC may be reached ({', '.join(hubs)})"
    return verdict


def _target(route: Any) -> str:
    for name in ("nat_gateway", "transit_gateway", "vpc_pcx", "interface", "gateway", "carrier_gateway"):
        target = getattr(route, name, None)
        if target is not None:
            return f"{name} {getattr(target, 'id', target)}"
    return str(route.vpc_endpoint_id or "an unmodelled target")


def sts_unreachable(
    account: str,
    region: str,
    subnet_id: str | None,
    release_label: str | None,
    emrfs_site: dict[str, str],
    cluster_id: str | None = None,
) -> str | None:
    """
    Why EMRFS on a cluster in ``subnet_id`` cannot reach the STS endpoint it calls; ``None`` when it can or there is no
    subnet; a sentence starting with :data:`CANNOT_TELL` when the stand-in cannot decide.

    The endpoint EMRFS calls (Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint"):
    the Regional one (``sts.REGION.amazonaws.com``) from 5.31.0 and 6.1.0 without ``fs.s3.sts.endpoint`` or with one
    naming it, the global one (``sts.amazonaws.com``) before (:func:`regional_sts_region`), judged by
    :func:`_service_unreachable`. The global endpoint has no VPC endpoint (AWS General Reference, "AWS Security Token
    Service endpoints and quotas"): only egress to the internet reaches it. An override other than the Regional
    endpoint of the cluster's Region or the global endpoint is not judged: another Region's Regional endpoint leaves
    the VPC (the interface endpoint answers its own Region's name only), by a way the stand-in does not model.
    """
    if not subnet_id:
        return None
    override = emrfs_site.get("fs.s3.sts.endpoint") if _uses_the_override(release_label) else None
    regional = regional_sts_region(release_label, emrfs_site, region) == region
    # Another Region's Regional endpoint leaves the VPC (its interface endpoint answers its own Region's name only):
    # over the internet, or through another VPC's endpoint the stand-in does not model. Not told, as any other host.
    if override is not None and not regional and sts_endpoint_host(override) != GLOBAL_STS:
        return f"{CANNOT_TELL} {override}, which fs.s3.sts.endpoint names"
    host = _regional_host("sts", region) if regional else GLOBAL_STS
    return _service_unreachable(account, region, subnet_id, _Service("sts", "STS", host, regional), cluster_id)


def kms_unreachable(account: str, region: str, subnet_id: str | None, cluster_id: str | None = None) -> str | None:
    """
    Why EMRFS on a cluster in ``subnet_id`` cannot reach KMS of the cluster's Region for its client-side encryption;
    ``None`` when it can or there is no subnet; a sentence starting with :data:`CANNOT_TELL` when the stand-in cannot
    decide.

    With CSE-KMS "the Amazon S3 encryption and decryption takes place in the EMRFS client on your cluster" (Amazon EMR
    Release Guide, "Amazon S3 client-side encryption"): the node calls KMS itself. AWS documents the key in the
    cluster's Region ("The AWS KMS encryption key must be created in the same Region as your Amazon EMR cluster instance
    and the Amazon S3 buckets used with EMRFS": Amazon EMR Management Guide, "Create keys and certificates for data
    encryption with Amazon EMR"), so the call goes to the cluster's Regional KMS endpoint (``kms.REGION.amazonaws.com``:
    AWS General Reference, "AWS Key Management Service endpoints and quotas"); where EMRFS's client calls for a key of
    another Region is not documented, and the writer does not ask (its outcome is unknown). Judged by
    :func:`_service_unreachable` as STS's Regional endpoint is: a KMS interface endpoint (``com.amazonaws.REGION.kms``)
    with private DNS takes that name in the VPC ("the standard AWS KMS DNS hostname resolves to your VPC endpoint": AWS
    KMS Developer Guide, "Create a VPC endpoint for AWS KMS"). SSE-KMS is not judged here: S3 calls KMS for it, not
    the cluster.
    """
    if not subnet_id:
        return None
    host = _regional_host("kms", region)
    return _service_unreachable(account, region, subnet_id, _Service("kms", "KMS", host, True), cluster_id)


@dataclass(frozen=True)
class _Service:
    """
    A service EMRFS calls from the node (not S3): its VPC endpoint service suffix (``sts``, ``kms``), its name in the
    verdicts, the host called, and whether that is the Regional name of the cluster's Region (which an interface
    endpoint of the VPC with private DNS takes; STS's global endpoint has none anywhere).
    """

    suffix: str
    label: str
    host: str
    regional: bool


def _service_unreachable(
    account: str, region: str, subnet_id: str, service: _Service, cluster_id: str | None
) -> str | None:
    """
    Why the cluster's subnet cannot reach ``service``'s host; ``None`` when it can; a :data:`CANNOT_TELL` sentence.

    The service's interface endpoint with private DNS takes the Regional name in the VPC while the VPC's DNS support
    and DNS hostnames are on (AWS PrivateLink Guide, "Access AWS services through AWS PrivateLink": the service's name
    resolves "to the private IP addresses of the endpoint network interfaces"; Amazon EC2 API Reference,
    "CreateVpcEndpoint", ``PrivateDnsEnabled``), whatever the routes: its security groups must then let the instances
    in on HTTPS ("Access an AWS service using an interface VPC endpoint": the security group "must allow traffic on
    port 443 from the resources in your VPC"). Otherwise only egress to the internet reaches it (:func:`_egress`). On
    the way the routes give, the network ACLs and the security groups of cluster ``cluster_id``'s primary node judge
    the request too (:func:`_filtered`).
    """
    ec2 = ec2_backends[account][region]
    subnet = ec2.get_subnet(subnet_id)
    taking_the_name = (
        _interface_endpoints_with_private_dns(ec2, subnet, region, service.suffix) if service.regional else []
    )
    taken = bool(taking_the_name) and _private_dns_answers(ec2.get_vpc(subnet.vpc_id))
    groups = _primary_groups(account, region, cluster_id)
    verdict = _by_the_routes(ec2, subnet, region, service, groups)
    hub = service.suffix if service.regional else None
    verdict = _beyond_the_model(ec2, subnet, verdict, service.label, hub, taken)
    if verdict is not None:
        return verdict
    ways = (
        _interface_ways(ec2, subnet, _admitting(ec2, taking_the_name, subnet, groups, region, service.suffix))
        if taken
        else [_internet_way(_tables_of(ec2, subnet))]
    )
    return _filtered_ways(ec2, subnet, ways, groups, service.label)


def _by_the_routes(ec2: Any, subnet: Any, region: str, service: _Service, groups: list[str] | None) -> str | None:
    """:func:`_service_unreachable` by the routes and endpoints of moto's model alone (``groups``: the primary node's)."""
    if service.regional:
        taking_the_name = _interface_endpoints_with_private_dns(ec2, subnet, region, service.suffix)
        if taking_the_name and _private_dns_answers(ec2.get_vpc(subnet.vpc_id)):
            return _endpoint_verdict(ec2, taking_the_name, subnet, groups, service)
    egress = _egress(_tables_of(ec2, subnet), subnet)
    if egress == INTERNET:
        return None
    if egress != NO_EGRESS:
        return f"{egress} (on the way to {service.host})"
    return f"subnet {subnet.id} ({region}) has no way to {service.host}: no route to the internet" + (
        f", and no {service.label} interface endpoint with private DNS answering in the VPC" if service.regional else ""
    )


def _uses_the_override(release_label: str | None) -> bool:
    """
    ``fs.s3.sts.endpoint`` is read from 5.31.0 and 6.1.0 on, the releases that call the Regional endpoint without it
    (the same Release Guide page).
    """
    found = re.fullmatch(r"emr-(\d+)\.(\d+)\.(\d+)", (release_label or "").strip())
    if found is None:
        return False
    version = (int(found[1]), int(found[2]), int(found[3]))
    return version[0] >= 7 or version >= (6, 1, 0) or (version[0] == 5 and version >= (5, 31, 0))


def _lets_in_on_https(ec2: Any, endpoint: Any, subnet: Any, groups: list[str] | None) -> int:
    """
    How surely some inbound rule of the endpoint's security groups lets the primary node (``groups``, its security
    groups: :func:`_primary_groups`; ``None``, not known) in on TCP 443: "allow traffic on port 443 from the resources
    in your VPC" (AWS PrivateLink Guide, "Access an AWS service using an interface VPC endpoint"). A rule's source
    surely holds the node when it is a range holding the subnet's, or one of the node's own groups: a rule whose source
    is a security group lets in the resources associated with that group (Amazon VPC User Guide, "Security group
    rules", "Security group referencing"). Another group, a prefix list or a range of part of the subnet may hold it.
    """
    subnet_range = ipaddress.IPv4Network(subnet.cidr_block)
    best = _NO
    for group_id in endpoint.security_group_ids:
        group = ec2.get_security_group_from_id(group_id)
        for rule in group.ingress_rules if group is not None else []:
            ports = _port_match(rule.ip_protocol, rule.from_port, rule.to_port, _HTTPS)
            best = max(best, min(ports, _source_match(rule, subnet_range, groups)))
    return best


def _source_match(rule: Any, subnet_range: ipaddress.IPv4Network, groups: list[str] | None) -> int:
    """How surely an inbound rule's source holds the primary node (:func:`_lets_in_on_https`)."""
    if rule.prefix_list_id:
        return _MAYBE
    if rule.source_group:
        return _SURELY if rule.source_group.get("GroupId") in (groups or []) else _MAYBE
    return _range_match(rule.ip_range.get("CidrIp"), subnet_range)


def _admitting(
    ec2: Any, endpoints: list[Any], subnet: Any, groups: list[str] | None, region: str, suffix: str
) -> list[Any]:
    """The endpoints surely of service ``suffix`` of ``region`` whose security groups surely let the primary node in."""
    return [
        endpoint
        for endpoint in _named(endpoints, region, suffix)
        if _lets_in_on_https(ec2, endpoint, subnet, groups) == _SURELY
    ]


def _endpoint_verdict(
    ec2: Any, endpoints: list[Any], subnet: Any, groups: list[str] | None, service: _Service
) -> str | None:
    """
    Whether interface endpoints with private DNS that take ``service``'s name let the primary node in on HTTPS:
    ``None`` when one surely does, a refusal when none may, else a :data:`CANNOT_TELL` sentence (also for endpoints of
    an undocumented service name only: :func:`_names_service`).
    """
    region = ec2.region_name
    named = _named(endpoints, region, service.suffix)
    if not named:
        reasons = "; ".join(_undocumented_name(endpoint, _MAYBE) for endpoint in endpoints)
        return f"{CANNOT_TELL} {service.label}: {reasons}"
    admits = max(_lets_in_on_https(ec2, endpoint, subnet, groups) for endpoint in named)
    if admits == _SURELY:
        return None
    if admits == _MAYBE:
        return (
            f"{CANNOT_TELL} {service.label}: {service.host} resolves to the {service.label} interface endpoint of the "
            "VPC, whose security groups let HTTPS in only from a prefix list, a security group or a range that may "
            f"or may not hold the primary node (its groups: {', '.join(groups) if groups else 'not known'})"
        )
    return (
        f"{service.host} resolves to the {service.label} interface endpoint of the VPC, whose security groups "
        f"do not let subnet {subnet.id} in on HTTPS"
    )


def _names_service(service_name: Any, region: str, suffix: str) -> int:
    """
    How surely a VPC endpoint's service name is AWS's service ``suffix`` of ``region``: ``com.amazonaws.REGION.SUFFIX``
    surely, the form AWS documents (AWS PrivateLink Guide, "AWS services that integrate with AWS PrivateLink"); another
    name ending in ``.REGION.SUFFIX`` (such as ``cn.com.amazonaws.cn-north-1.sts``, which the China Regions' pages do
    not document) may be. The one name test of the gateway and interface endpoints here.
    """
    name = str(service_name)
    if name == f"com.amazonaws.{region}.{suffix}":
        return _SURELY
    return _MAYBE if name.endswith(f".{region}.{suffix}") else _NO


def _named(endpoints: list[Any], region: str, suffix: str) -> list[Any]:
    """The endpoints whose service name is surely service ``suffix`` of ``region`` (:func:`_names_service`)."""
    return [endpoint for endpoint in endpoints if _names_service(endpoint.service_name, region, suffix) == _SURELY]


def _undocumented_name(endpoint: Any, named: int) -> str:
    """Why an endpoint whose service name only may be the service's (``named``) leaves it untold; empty else."""
    if named != _MAYBE:
        return ""
    return f"endpoint {endpoint.id}'s service name {endpoint.service_name} is not a documented form"


def _regional_host(service: str, region: str) -> str:
    """
    A service's Regional host: ``SERVICE.REGION.amazonaws.com``, in the China Regions ``.amazonaws.com.cn``
    (Amazon Web Services in China, "Beijing Region Endpoints", "Ningxia Region Endpoints": "The endpoint domain for
    both the Beijing and Ningxia Regions is .amazonaws.com.cn").
    """
    return f"{service}.{region}.amazonaws.com{'.cn' if region.startswith('cn-') else ''}"


def _s3_private_dns_endpoints(ec2: Any, subnet: Any, region: str, bucket_region: str) -> list[Any]:
    """
    The VPC's available S3 interface endpoints of the cluster's Region, for a bucket of that Region, whose private DNS
    answers in the VPC: S3's Regional name resolves to them whatever the routes, a gateway endpoint's too (Amazon S3
    User Guide, "AWS PrivateLink for Amazon S3", "Private DNS"), unless private DNS answers only inbound resolver
    endpoints, which "routes traffic that originates from the VPC to the gateway endpoint" (Amazon EC2 API Reference,
    "DnsOptionsSpecification"). One of another Region takes no name of this one: not judged here.
    """
    if bucket_region != region or not _private_dns_answers(ec2.get_vpc(subnet.vpc_id)):
        return []
    return [
        endpoint
        for endpoint in _interface_endpoints_with_private_dns(ec2, subnet, region, "s3")
        if not (getattr(endpoint, "dns_options", None) or {}).get("PrivateDnsOnlyForInboundResolverEndpoint")
    ]


def _interface_endpoints_with_private_dns(ec2: Any, subnet: Any, region: str, suffix: str) -> list[Any]:
    """
    The subnet's VPC's available interface endpoints that surely or may be of service ``suffix`` of ``region``
    (:func:`_names_service`) with private DNS on, by id (whether that DNS answers in the VPC:
    :func:`_private_dns_answers`).
    """
    return sorted(
        (
            endpoint
            for endpoint in ec2.vpc_end_points.values()
            if endpoint.vpc_id == subnet.vpc_id
            and endpoint.state == "available"
            and endpoint.vpc_endpoint_type == "Interface"
            and _names_service(endpoint.service_name, region, suffix)
            and str(endpoint.private_dns_enabled).lower() == "true"
        ),
        key=lambda endpoint: endpoint.id,
    )


# Packet filters on the way: network ACLs and the primary node's security groups ---------------------------------------

#: The ports a request's answer comes back to: the client's ephemeral ports (Amazon VPC User Guide, "Network ACLs",
#: "Ephemeral ports": the Amazon Linux kernel uses 32768-61000, a NAT gateway 1024-65535).
_CLIENT_PORTS, _NAT_PORTS, _HTTPS = (32768, 61000), (1024, 65535), (443, 443)
#: How surely an entry or rule matches the traffic judged.
_NO, _MAYBE, _SURELY = 0, 1, 2
#: Where the requests go: any public address (S3's and STS's, which the stand-in does not know), else a range.
_PUBLIC = ipaddress.IPv4Network("0.0.0.0/0")


@dataclass(frozen=True)
class _Way:
    """
    The way a request takes: its NAT gateways, the peer range, the prefix lists that surely hold the peer, and the
    subnet of the interface endpoint's network interface it goes to (``None``: no interface endpoint).
    """

    peer: ipaddress.IPv4Network = _PUBLIC
    nat_gateways: tuple[Any, ...] = ()
    prefix_lists: frozenset[str] = frozenset()
    endpoint_subnet: Any = None


def _range_match(cidr: str | None, peer: ipaddress.IPv4Network) -> int:
    """How surely an IPv4 range holds the peer's address (an IPv6-only entry or rule: never)."""
    if not cidr:
        return _NO
    network = ipaddress.ip_network(cidr, strict=False)
    if not isinstance(network, ipaddress.IPv4Network):
        return _NO
    if peer == _PUBLIC:  # some public address, unknown: only 0.0.0.0/0 surely holds it
        if network.prefixlen == 0:
            return _SURELY
        return _NO if any(network.subnet_of(private) for private in _PRIVATE) else _MAYBE
    if peer.subnet_of(network):
        return _SURELY
    return _MAYBE if network.overlaps(peer) else _NO


def _port_match(protocol: Any, low: Any, high: Any, ports: tuple[int, int]) -> int:
    """How surely a rule of ``protocol`` over ports ``low``-``high`` covers TCP ``ports`` ("-1": every protocol)."""
    protocol = str(protocol).lower()
    if protocol in ("-1", "all"):
        return _SURELY
    if protocol not in ("6", "tcp"):
        return _NO
    if low is None or high is None:
        return _MAYBE
    low, high = int(low), int(high)
    if low <= ports[0] and ports[1] <= high:
        return _SURELY
    return _MAYBE if low <= ports[1] and ports[0] <= high else _NO


def _acl_of(ec2: Any, subnet: Any) -> Any:
    """The network ACL associated with the subnet, else its VPC's default one; ``None`` when moto holds neither."""
    acls = list(ec2.network_acls.values())
    own = [acl for acl in acls if any(item.subnet_id == subnet.id for item in acl._associations.values())]
    return next(iter(own or [acl for acl in acls if acl.vpc_id == subnet.vpc_id and acl.default]), None)


def _acl_decides(acl: Any, egress: bool, peer: ipaddress.IPv4Network, ports: tuple[int, int]) -> tuple[str, str]:
    """
    What ``acl`` does with TCP ``ports`` to (``egress``) or from ``peer``: ``("allow" | "deny", the rule)``, or
    ``("", why not told)``. The entries of that direction are read "according to the rule numbers, in ascending
    order" (Amazon EC2 API Reference, "CreateNetworkAclEntry"), the first that matches decides, and a packet no rule
    matches is denied (Amazon VPC User Guide, "Network ACLs": the ``*`` rule). IPv6 entries are not read (the
    requests are IPv4). An entry that may match, narrower than the peer's range or ports, ahead of the deciding one
    with the other action leaves it untold.
    """
    maybe: list[Any] = []
    entries = [entry for entry in acl.network_acl_entries if str(entry.egress).lower() == str(egress).lower()]
    for entry in sorted(entries, key=lambda entry: int(entry.rule_number)):
        match = min(
            _range_match(entry.cidr_block, peer),
            _port_match(entry.protocol, entry.port_range_from, entry.port_range_to, ports),
        )
        action = str(entry.rule_action).lower()
        if match == _MAYBE:
            maybe.append(entry)
        elif match == _SURELY:
            other = [ahead for ahead in maybe if str(ahead.rule_action).lower() != action]
            if other:
                return (
                    "",
                    f"rule {other[0].rule_number} ({other[0].cidr_block}) may match before rule {entry.rule_number}",
                )
            return action, f"rule {entry.rule_number}"
    allowing = [ahead for ahead in maybe if str(ahead.rule_action).lower() == "allow"]
    if allowing:
        return "", f"rule {allowing[0].rule_number} ({allowing[0].cidr_block}) may match before the * rule"
    return "deny", "the * rule (no rule matches)"


def _acl_flows(ec2: Any, subnet: Any, way: _Way) -> list[tuple[Any, str, bool, ipaddress.IPv4Network, tuple[int, int]]]:
    """
    The flows of a request and its answer that network ACLs judge, stateless ("Network ACLs": the answer needs its
    own rule): out of the cluster's subnet and back in to its ephemeral ports; for a NAT gateway in another subnet,
    into that subnet from the cluster's, out to the peer, back in to the gateway's ports and out to the cluster's; for
    an interface endpoint's network interface in another subnet, into that subnet on HTTPS and its answer out to the
    cluster's ephemeral ports. An interface in the cluster's own subnet crosses no ACL: an ACL controls traffic "at the
    subnet level", in and out of the subnet (Amazon VPC User Guide, "Network ACLs").
    """
    own = _acl_of(ec2, subnet)
    subnet_range = ipaddress.IPv4Network(subnet.cidr_block)
    endpoint = way.endpoint_subnet
    if endpoint is not None and endpoint.id == subnet.id:
        return []
    if endpoint is _NOWHERE_KNOWN:  # in the cluster's subnet or another: no ACL told
        return [(None, endpoint.id, True, way.peer, _HTTPS)]
    flows = [(own, subnet.id, True, way.peer, _HTTPS), (own, subnet.id, False, way.peer, _CLIENT_PORTS)]
    if endpoint is not None:
        acl = _acl_of(ec2, endpoint)
        flows += [
            (acl, endpoint.id, False, subnet_range, _HTTPS),
            (acl, endpoint.id, True, subnet_range, _CLIENT_PORTS),
        ]
    for nat in way.nat_gateways:
        if nat.subnet_id == subnet.id:
            continue
        acl = _acl_of(ec2, ec2.get_subnet(nat.subnet_id))
        flows += [
            (acl, nat.subnet_id, False, subnet_range, _HTTPS),
            (acl, nat.subnet_id, True, way.peer, _HTTPS),
            (acl, nat.subnet_id, False, way.peer, _NAT_PORTS),
            (acl, nat.subnet_id, True, subnet_range, _CLIENT_PORTS),
        ]
    return flows


def _acl_verdict(ec2: Any, subnet: Any, way: _Way, what: str) -> str | None:
    """Why a network ACL on the way drops the request or its answer; a :data:`CANNOT_TELL` sentence; ``None``."""
    untold = []
    for acl, subnet_id, egress, peer, ports in _acl_flows(ec2, subnet, way):
        flow = f"{'outbound' if egress else 'inbound'} TCP {ports[0]}-{ports[1]} {'to' if egress else 'from'} {peer}"
        if acl is None:
            untold.append(f"subnet {subnet_id} has no network ACL in the model ({flow})")
            continue
        action, rule = _acl_decides(acl, egress, peer, ports)
        if action == "deny":
            return f"network ACL {acl.id} of subnet {subnet_id} denies the {flow} on the way to {what} at {rule}"
        if action != "allow":
            untold.append(f"network ACL {acl.id} of subnet {subnet_id}, {flow}: {rule}")
    return f"{CANNOT_TELL} {what}: {'; '.join(untold)}" if untold else None


def _primary_groups(account: str, region: str, cluster_id: str | None) -> list[str] | None:
    """
    The security groups of the cluster's primary node in moto's EMR model (its managed group and additional ones:
    Amazon EMR API Reference, "Ec2InstanceAttributes"); ``None`` without a cluster or a managed group given, when EMR
    uses its default one (Amazon EMR Management Guide, "Working with Amazon EMR-managed security groups": its
    outbound rule is all traffic to 0.0.0.0/0).
    """
    cluster = emr_backends[account][region].clusters.get(cluster_id or "")
    if cluster is None or not cluster.master_security_group:
        return None
    return [cluster.master_security_group, *(cluster.additional_master_security_groups or [])]


def _s3_prefix_lists(ec2: Any) -> frozenset[str]:
    """
    S3's AWS-managed prefix lists in moto's model: the one named ``com.amazonaws.REGION.s3`` and the lists of the S3
    gateway endpoints' routes (Amazon VPC User Guide, "AWS-managed prefix lists": "sets of IP address ranges for AWS
    services", S3's among them).
    """
    managed = {
        listed.id
        for listed in getattr(ec2, "managed_prefix_lists", {}).values()
        if str(listed.owner_id) == "AWS" and listed.prefix_list_name == f"com.amazonaws.{ec2.region_name}.s3"
    }
    gateways = {
        str(endpoint.destination_prefix_list_id)
        for endpoint in ec2.vpc_end_points.values()
        if endpoint.vpc_endpoint_type == "Gateway"
        and str(endpoint.service_name).endswith(".s3")
        and getattr(endpoint, "destination_prefix_list_id", None)
    }
    return frozenset(managed | gateways)


def _group_rule_match(rule: Any, way: _Way, s3_lists: frozenset[str] = frozenset()) -> int:
    """
    How surely an egress rule lets HTTPS out to the way's peer: by IPv4 range, prefix list or group. A rule to S3's
    prefix list (``s3_lists``) never holds a peer in the private address space, such as an interface endpoint's
    subnet: the list holds S3's ranges (Amazon VPC User Guide, "AWS-managed prefix lists": "sets of IP address ranges
    for AWS services"), public ones (AWS General Reference, "AWS IP address ranges").
    """
    ports = _port_match(rule.ip_protocol, rule.from_port, rule.to_port, _HTTPS)
    if rule.prefix_list_id:
        private_peer = any(way.peer.subnet_of(private) for private in _PRIVATE)
        if rule.prefix_list_id in s3_lists and private_peer:
            to = _NO
        else:
            to = _SURELY if rule.prefix_list_id in way.prefix_lists else _MAYBE
    elif rule.source_group:
        to = _MAYBE
    else:
        to = _range_match(rule.ip_range.get("CidrIp"), way.peer)
    return min(ports, to)


def _group_verdict(ec2: Any, groups: list[str] | None, way: _Way, what: str) -> str | None:
    """
    Why the primary node's security groups let no HTTPS out to the way's peer; a :data:`CANNOT_TELL` sentence;
    ``None``. Security groups are stateful and allow-only: some egress rule of some group must allow the request
    (Amazon VPC User Guide, "Security groups"); a group without one lets nothing out (AWS CloudFormation User Guide,
    "AWS::EC2::SecurityGroup": "no outbound traffic is allowed").
    """
    if groups is None:
        return None
    best, untold, s3_lists = _NO, [], _s3_prefix_lists(ec2)
    for group_id in groups:
        group = ec2.get_security_group_from_id(group_id)
        if group is None:
            untold.append(f"security group {group_id} is not in the model")
            continue
        best = max([best, *(_group_rule_match(rule, way, s3_lists) for rule in group.egress_rules)])
    if best == _SURELY:
        return None
    if best == _MAYBE or untold:
        detail = "; ".join(untold) or "an egress rule to a prefix list, a group or a narrower range may allow it"
        return f"{CANNOT_TELL} {what}: the primary node's security groups {', '.join(groups)}: {detail}"
    return (
        f"the primary node's security groups {', '.join(groups)} have no egress rule allowing TCP 443 to {way.peer} "
        f"on the way to {what}"
    )


def _filtered(ec2: Any, subnet: Any, way: _Way, groups: list[str] | None, what: str) -> str | None:
    """The packet filters' verdict on a way the routes give: a drop before a :data:`CANNOT_TELL` sentence."""
    verdicts = [_acl_verdict(ec2, subnet, way, what), _group_verdict(ec2, groups, way, what)]
    dropped = [verdict for verdict in verdicts if verdict and not verdict.startswith(CANNOT_TELL)]
    return next(iter(dropped + [verdict for verdict in verdicts if verdict]), None)


def _filtered_ways(ec2: Any, subnet: Any, ways: list[_Way], groups: list[str] | None, what: str) -> str | None:
    """
    The packet filters' verdict on the ways a request may take, any of them (the network interfaces of an interface
    endpoint, one a subnet: the name resolves to each one's address, Amazon EC2 API Reference, "CreateVpcEndpoint",
    ``PrivateDnsEnabled``): dropped when every way is, reached when every way is, else a :data:`CANNOT_TELL` sentence.
    """
    verdicts = [_filtered(ec2, subnet, way, groups, what) for way in ways]
    if len(verdicts) == 1 or all(verdict is None for verdict in verdicts):
        return verdicts[0] if verdicts else None
    dropped = [verdict for verdict in verdicts if verdict and not verdict.startswith(CANNOT_TELL)]
    if len(dropped) == len(verdicts):
        return "; and ".join(dropped)
    untold = [verdict for verdict in verdicts if verdict]
    return f"{CANNOT_TELL} {what}: some of the interface endpoint's network interfaces may be reached, not all: " + (
        "; ".join(verdict.removeprefix(f"{CANNOT_TELL} {what}: ") for verdict in untold)
    )


def _internet_way(tables: list[Any]) -> _Way:
    """The way through the internet: the NAT gateways of the live routes of public addresses."""
    nats = {route.nat_gateway.id: route.nat_gateway for route, _ in _public_range_routes(tables) if route.nat_gateway}
    return _Way(nat_gateways=tuple(nats[key] for key in sorted(nats)))


def _interface_ways(ec2: Any, subnet: Any, endpoints: list[Any]) -> list[_Way]:
    """
    The ways to interface endpoints of the VPC: one a subnet of their network interfaces (``SubnetIds``), its range the
    peer; an endpoint without subnets in moto's model, a way to somewhere in the VPC, whose ACLs are not told.
    """
    ids = sorted({subnet_id for endpoint in endpoints for subnet_id in endpoint.subnet_ids or []})
    if not ids:
        return [_Way(peer=ipaddress.IPv4Network(ec2.get_vpc(subnet.vpc_id).cidr_block), endpoint_subnet=_NOWHERE_KNOWN)]
    found = [ec2.get_subnet(subnet_id) for subnet_id in ids]
    return [_Way(peer=ipaddress.IPv4Network(item.cidr_block), endpoint_subnet=item) for item in found]


@dataclass(frozen=True)
class _Unknown:
    """The subnet of an interface endpoint whose subnets moto's model does not hold: no ACL there is read."""

    id: str = "(the interface endpoint's subnets are not known)"
    cidr_block: str = "0.0.0.0/0"
    vpc_id: str = ""


_NOWHERE_KNOWN = _Unknown()
