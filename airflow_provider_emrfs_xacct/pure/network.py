"""
Can the cluster's subnet reach the STS endpoint EMRFS calls to assume the mapped role, and S3 of the bucket's Region?

Pure: standard library only. The verifier reads the subnet's facts (``read_subnet_facts`` in
``hooks/network.py``) and calls :func:`cluster_sts_check` (:func:`sts_endpoint_check` with the cluster's settings).

AWS (Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint"): EMRFS
releases before 5.31.0 and 6.1.0 send every STS request to the global endpoint
``https://sts.amazonaws.com``; 5.31.0, 6.1.0 and later call the Regional endpoint
(``sts.REGION.amazonaws.com``) unless ``emrfs-site`` ``fs.s3.sts.endpoint`` says otherwise ("When you use
Amazon EMR release versions 5.31.0 and 6.1.0 and later, you can override the default": earlier ones do
not use it). A subnet
without a route to the internet (a private subnet without a NAT gateway) reaches a Regional STS
endpoint only through an STS interface VPC endpoint with private DNS (AWS PrivateLink, "AWS services
that integrate with AWS PrivateLink": ``com.amazonaws.REGION.sts``); the global endpoint has no VPC
endpoint, so it needs the internet route.

A default route to anything else (a transit gateway, a Gateway Load Balancer or Network Firewall
endpoint, a Cloud WAN core network, a peering connection, a network interface, a local gateway, a
private NAT gateway, which reaches other networks but never the internet: Amazon VPC User Guide,
"NAT gateways") may
well reach the internet beyond this VPC: centralised egress through a transit gateway is AWS's own
layout (AWS Prescriptive Guidance, "Transit gateway configuration": a static route 0.0.0.0/0 to the
egress VPC's attachment). That is "egress not seen": not checked (the live probe or a look at the egress
path decides), never a FAIL, nor a PASS the check cannot stand behind. An STS endpoint shared from a hub VPC
through a Route 53 private hosted zone is not seen either: the check sees only this VPC's endpoints.

Which way the traffic takes, not which routes exist, decides. With private DNS on, the Regional STS name resolves
to the endpoint's addresses in the VPC whatever the subnet's routes (AWS PrivateLink Guide, "Access AWS services
through AWS PrivateLink": "Traffic destined for the AWS service is resolved to the private IP addresses of the
endpoint network interfaces using DNS"): a NAT or internet gateway route is then not the way to STS, and the endpoint
(its security groups, the VPC's DNS attributes) decides.

What the caller cannot see is not "no way": a subnet shared through AWS RAM (Amazon VPC User Guide, "Share your VPC
subnets with other accounts": "Participants cannot view, modify, or delete resources that belong to other
participants or the VPC owner") has the owner's interface endpoints hidden from the EMR account, though they serve
its instances; the owner's gateway endpoints still show as routes of the subnet's route table (a prefix-list route
``pl-…`` to ``vpce-…``: AWS PrivateLink Guide, "Gateway endpoints"; ``hooks/network.py``). And a subnet with an
internet gateway route whose ``MapPublicIpOnLaunch`` is false: whether EMR gives the cluster's instances public IPv4
addresses anyway is not settled by the Amazon EMR Management Guide ("Amazon VPC options", public subnets, says only
that such a cluster needs the internet gateway, and that EMR cannot reach it through a NAT device), so that route is
not checked, never a FAIL. Each of these leaves a link without another way "not checked" (:func:`_unseen_ways`). In
a shared subnet a route to the internet is no PASS either where an interface endpoint could serve the request: the
owner's, hidden, takes the name with private DNS whatever the routes (:func:`_through_the_internet`).

An interface endpoint's private DNS answers only while the VPC's ``enableDnsSupport`` and
``enableDnsHostnames`` attributes are both true (Amazon EC2 API Reference, "CreateVpcEndpoint",
``PrivateDnsEnabled``: "To use a private hosted zone, you must set the following VPC attributes to true:
enableDnsHostnames and enableDnsSupport"). With either off, the Regional STS name no longer resolves to the
endpoint (to the public endpoint, which a private subnet cannot reach, or without DNS support not at all): the
endpoint is no way to STS. Unread, they leave the answer "not checked", never PASS. The endpoint's
security groups must let the cluster's instances in on HTTPS too (``pure/security_groups.py``).

The writes themselves go to S3 of the bucket's Region (:func:`s3_route_check`). A subnet without a route to the
internet reaches S3 through a gateway endpoint on its route table, and a gateway endpoint serves only buckets of
its own Region (Amazon VPC User Guide, "Gateway endpoints for Amazon S3", considerations: it is available only in
the Region where it was created; Amazon S3 User Guide, "AWS PrivateLink for Amazon S3", "Types of VPC endpoints for
Amazon S3": gateway endpoints give no access from other AWS Regions). So a partner's bucket in another Region than the
cluster is out of reach of a private subnet whose only way to S3 is its gateway endpoint. An S3 interface endpoint
may serve another Region ("Cross-region enabled AWS services", AWS PrivateLink Guide, lists Amazon S3), but whether
EMRFS's requests resolve to it depends on DNS this check does not see: not checked. One of the bucket's Region with
private DNS takes S3's Regional name whatever the routes while the VPC's DNS attributes are on, as the STS endpoint
does, a NAT route or a gateway endpoint too (unless its private DNS answers only inbound resolver endpoints, which
"routes traffic that originates from the VPC to the gateway endpoint": Amazon EC2 API Reference,
"DnsOptionsSpecification"): its security groups, which the check does not read, decide, so the link is not checked.
With a DNS attribute off it takes no name, and the routes or the gateway endpoint decide, as without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_COMPATIBILITY_PROPERTY,
    EMRFS_IMPL,
    STS_HTTPS_ONLY,
    hadoop_boolean,
    impl_connector,
    impl_doubt,
    insecure_scheme,
    java_trim,
    parse_release_label,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.packet_filters import (
    FAIL,
    INTERNET_GATEWAY,
    NAT,
    NOT_CHECKED,
    PASS,
    S3_GATEWAY,
    STS_ENDPOINT,
    WARN,
    PacketFilters,
    judge_ways,
)
from airflow_provider_emrfs_xacct.pure.security_groups import ALLOWED, BLOCKED, IngressRule, NodeGroups, https_access

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy

#: STS's global endpoint, which releases before 5.31.0 and 6.1.0 call (no VPC endpoint serves it).
GLOBAL_STS_HOST = "sts.amazonaws.com"

#: The Regions every account has enabled: "Regions launched before March 20, 2019 are enabled by default", every later
#: one is an opt-in Region (AWS Account Management Reference Guide, "Enable or disable AWS Regions in your account").
#: The global STS endpoint's version 1 session tokens "are valid only in AWS Regions that are available by default.
#: These tokens do not work in manually enabled Regions" (IAM API Reference, SetSecurityTokenServicePreferences).
DEFAULT_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "sa-east-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
    }
)


def is_global_sts(endpoint: str) -> bool:
    """Whether ``endpoint`` (a URL or host) is STS's global endpoint."""
    return _authority(endpoint) in (GLOBAL_STS_HOST, GLOBAL_STS_HOST + ":443")


#: The first releases of each line that call the Regional STS endpoint.
REGIONAL_STS_SINCE = {5: (5, 31, 0), 6: (6, 1, 0)}
STS_ENDPOINT_PROPERTY = "fs.s3.sts.endpoint"
#: The VPC attributes an interface endpoint's private DNS needs, in the order they can be turned on ("You can
#: only enable DNS hostnames if you've enabled DNS support", Amazon EC2 API Reference, "ModifyVpcAttribute").
DNS_SUPPORT, DNS_HOSTNAMES = "enableDnsSupport", "enableDnsHostnames"
#: The DNS suffix of Regional endpoints outside the ``aws`` partition (``amazonaws.com``), by Region
#: prefix: botocore's ``data/partitions.json`` ("dnsSuffix" and "regionRegex" of each partition),
#: e.g. ``sts.cn-north-1.amazonaws.com.cn`` in ``aws-cn``.
DNS_SUFFIXES = (
    ("cn-", "amazonaws.com.cn"),
    ("eusc-", "amazonaws.eu"),
    ("us-isob-", "sc2s.sgov.gov"),
    ("us-isof-", "csp.hci.ic.gov"),
    ("us-iso-", "c2s.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk"),
)
#: An S3 endpoint service name (``com.amazonaws.REGION.s3``; ``cn.com.amazonaws.REGION.s3`` in China): its Region.
S3_SERVICE = re.compile(r"^(?:cn\.)?com\.amazonaws\.(?P<region>[a-z0-9-]+)\.s3$")
#: The Region prefixes of the partitions other than ``aws`` (botocore's ``data/partitions.json``, "regionRegex").
OTHER_PARTITIONS_PREFIXES = ("us-gov-", *(prefix for prefix, _ in DNS_SUFFIXES))
NOT_IN_THIS_VPC = "none in this VPC (one shared through Route 53 from another VPC is not checked)"


def dns_suffix(region: str) -> str:
    """Return the DNS suffix of the Region's partition (``amazonaws.com`` for ``aws`` and ``aws-us-gov``)."""
    return next((suffix for prefix, suffix in DNS_SUFFIXES if region.startswith(prefix)), "amazonaws.com")


def in_aws_partition(region: str) -> bool:
    """
    Whether ``region`` is a Region of the ``aws`` partition, the one of STS's global endpoint.

    The global endpoint ``sts.amazonaws.com`` is "hosted in a single AWS Region, US East (N. Virginia)" (AWS
    General Reference, "AWS Security Token Service endpoints and quotas"); "you cannot use IAM credentials from
    one partition to interact with resources in a different partition" (AWS Fault Isolation Boundaries,
    "Partitions"): a cluster in ``aws-cn`` or ``aws-us-gov`` cannot assume a role there.
    """
    return not region.startswith(OTHER_PARTITIONS_PREFIXES)


def regional_sts_endpoint(region: str) -> str:
    """Return the Regional STS endpoint URL, e.g. ``https://sts.cn-north-1.amazonaws.com.cn``."""
    return f"https://sts.{region}.{dns_suffix(region)}"


def sts_endpoint_services(region: str) -> list[str]:
    """
    Return the names the STS interface endpoint service may have in ``region``.

    ``com.amazonaws.REGION.sts`` (AWS PrivateLink, "AWS services that integrate with AWS
    PrivateLink"); the China Regions name many services ``cn.com.amazonaws.REGION.SERVICE``
    (``DescribeVpcEndpointServices`` there), which form STS has is not confirmed here, so both count.
    """
    return _endpoint_services(region, "sts")


def _endpoint_services(region: str, service: str) -> list[str]:
    """``com.amazonaws.REGION.SERVICE``, and ``cn.com.amazonaws.REGION.SERVICE`` too in the China Regions."""
    names = [f"com.amazonaws.{region}.{service}"]
    return [*names, f"cn.com.amazonaws.{region}.{service}"] if region.startswith("cn-") else names


#: Why a prefix list's entries were not read (:attr:`UnreadPrefixList.reason`), each with its own remedy
#: (:func:`prefix_lists_fix`). ``GetManagedPrefixListEntries`` ("Gets information about the entries for a specified
#: managed prefix list", Amazon EC2 API Reference) refused: allowing it reads them.
ENTRIES_REFUSED = "entries refused"
#: ``DescribeManagedPrefixLists`` ("Describes your managed prefix lists and any AWS-managed prefix lists", Amazon EC2
#: API Reference), which tells a list answered with no entries from one not read, refused: allowing it tells them.
DESCRIBE_REFUSED = "describe refused"
#: A list the caller may not read: another account's, not shared with it (``GetManagedPrefixListEntries`` answered
#: it does not exist, or ``DescribeManagedPrefixLists`` does not show it). No permission of the caller's reads it;
#: its owner sharing it does ("Consumers can view the entries in a shared prefix list", Amazon VPC User Guide,
#: "Shared prefix list permissions"; "To share a prefix list, you must add it to a resource share", "Work with shared
#: prefix lists").
NOT_SHOWN = "not shown"
#: An AWS-managed list (``com.amazonaws…``) answered with no entries: AWS keeps its service's ranges there ("These
#: prefix lists are maintained by Amazon Web Services", Amazon VPC User Guide, "AWS-managed prefix lists"); nothing the
#: user grants or shares reads them.
AWS_MANAGED_EMPTY = "AWS-managed, answered empty"
#: A route to a ``vpce-…`` not described (the VPC owner's, in a shared subnet) whose list ``DescribePrefixLists`` was
#: refused to name: a gateway endpoint's or another endpoint's, not known. Allowing it names the list.
NAMES_REFUSED = "names refused"
#: A read that failed otherwise (throttled, an error not documented for this case): nothing to grant.
READ_FAILED = "read failed"
#: The action each refused read's fix names (``pure/checks/findings.py`` ``names_action``: a refused read's fix
#: names its action, so the report does not name it twice).
REFUSED_ACTIONS = {
    ENTRIES_REFUSED: "ec2:GetManagedPrefixListEntries",
    DESCRIBE_REFUSED: "ec2:DescribeManagedPrefixLists",
    NAMES_REFUSED: "ec2:DescribePrefixLists",
}


#: Why a passing live probe settles no doubt about whether a narrower route (a CIDR route, a prefix list's entry) takes
#: SOME of S3's or STS's addresses elsewhere (``probe_settles=False``): the probe reaches the one address its name
#: resolved to then, while S3 updates "the IP addresses associated with the Amazon S3 endpoint in DNS as needed"
#: (Amazon S3 User Guide, "DNS considerations"), and the most specific route that matches decides each address's way
#: (Amazon VPC User Guide, "How route priority works"): another address, another request, may take the narrower route
#: (to a blackhole, a deleted peering connection, a transit gateway). A doubt about the one way every address takes (a
#: default route past the VPC, an internet gateway without public IP addresses, the VPC's DNS) the probe does settle.
SOME_ADDRESSES = "a passing live probe reaches one of the endpoint's addresses, not each: it does not settle this"


@dataclass(frozen=True)
class UnreadPrefixList:
    """
    A route of the subnet's table to a prefix list whose entries were not read: the list, the route's target, why (as
    the detail says it, a refused read's explanation included), and the kind of reason, which picks the fix.
    """

    prefix_list: str
    why: str
    reason: str
    target: str = ""

    def __str__(self) -> str:
        return f"{self.prefix_list} to {self.target}: {self.why}"


def prefix_lists_fix(unread: tuple[UnreadPrefixList, ...]) -> str:
    """
    How to have the entries of ``unread`` checked, by the reason each was not read: the action to allow for a refused
    read, the owner's sharing for another account's list, a look at the list's ranges for an AWS-managed list answered
    empty or a read that failed. Never the live probe (:data:`SOME_ADDRESSES`): the doubt is whether an entry takes some
    of the endpoint's addresses, and the probe reaches one.
    """
    by_reason: dict[str, list[str]] = {}
    for item in unread:
        lists = by_reason.setdefault(item.reason, [])
        if item.prefix_list not in lists:
            lists.append(item.prefix_list)
    remedies, notes = [], []
    for reason, lists in by_reason.items():
        named = ", ".join(lists)
        if reason in REFUSED_ACTIONS:
            remedies.append(f"allow {REFUSED_ACTIONS[reason]} on {named}")
        elif reason == NOT_SHOWN:
            remedies.append(
                f"have the owner of {named} share it with this account through AWS RAM (another account's list is "
                "read once shared with this one: no permission of this account reads it before)"
            )
        elif reason == AWS_MANAGED_EMPTY:
            notes.append(f"{named}: AWS-managed, answered with no entries; nothing to allow or share reads its ranges")
        else:
            notes.append(f"{named}: the read failed; verify again once it answers")
    look = "check that their ranges hold none of the endpoint's addresses"
    fix = f"{'; '.join(remedies)} to check them, or {look}" if remedies else look
    return fix + (f" ({'; '.join(notes)})" if notes else "")


@dataclass(frozen=True)
class SubnetFacts:
    """
    What decides whether a subnet reaches STS.

    :param subnet_id: the cluster's subnet (``Ec2InstanceAttributes.Ec2SubnetId``).
    :param region: the cluster's Region.
    :param nat_route: the subnet's route table sends ``0.0.0.0/0`` to an available public NAT gateway whose own
        subnet sends ``0.0.0.0/0`` to an internet gateway (``hooks/network.py`` ``_nat_gateways``). A route to an
        instance or a network interface is egress not seen (``other_default_route``).
    :param internet_gateway_route: it sends ``0.0.0.0/0`` to an internet gateway (the instances need a
        public IP address to use it).
    :param public_ip_on_launch: the subnet gives instances a public IPv4 address.
    :param sts_interface_endpoint: the VPC has an available ``com.amazonaws.REGION.sts`` interface
        endpoint with private DNS enabled.
    :param other_default_route: the target of a ``0.0.0.0/0`` route to neither a NAT nor an internet
        gateway (e.g. ``"transit gateway tgw-0abc"``): egress this check cannot see past; empty if none.
    :param vpc_id: the subnet's VPC.
    :param dns_support: the VPC's ``enableDnsSupport`` (``DescribeVpcAttribute``), without which the
        Amazon-provided DNS server resolves no name (every way needs it) and an interface endpoint's private DNS does
        not answer; ``None`` when not read.
    :param dns_hostnames: the VPC's ``enableDnsHostnames``, likewise.
    :param dns_unread: why they could not be read (e.g. ``ec2:DescribeVpcAttribute`` refused).
    :param subnet_cidr: the subnet's IPv4 CIDR.
    :param instance_groups: the security groups of the cluster's instances (``Ec2InstanceAttributes``), by side
        (:class:`~.security_groups.NodeGroups`), or groups every instance holds.
    :param endpoint_groups: the security groups of the STS interface endpoint.
    :param endpoint_ingress: their inbound rules (``DescribeSecurityGroups``); ``None`` when not read (read
        only when that endpoint is the way to STS).
    :param ingress_unread: why they could not be read.
    :param s3_gateway_endpoint: an available S3 gateway endpoint of the cluster's Region
        (``com.amazonaws.REGION.s3``) is associated with the subnet's route table; read only without a route to
        the internet, else ``None``.
    :param s3_gateway_unread: why the routes to gateway endpoints only the route table shows could not be told
        (``s3_gateway_endpoint`` ``None``), e.g. ``ec2:DescribePrefixLists`` refused.
    :param s3_interface_endpoints: the service names of the VPC's available S3 interface endpoints (of any
        Region); read only without a route to the internet.
    :param s3_gateway_policies: the available S3 gateway endpoints of the cluster's Region on the subnet's route
        table, with their policies: read whatever the other routes (the endpoint's prefix-list route is the more
        specific one), for the policy every request to a bucket of that Region passes (``pure/endpoint_policy.py``).
    :param sts_endpoint_policies: the VPC's available STS interface endpoints with private DNS, with their policies.
    :param sts_endpoints_aaaa_only: those of the STS interface endpoints with private DNS whose DNS records are AAAA
        only (``DnsOptions.DnsRecordIpType`` ``ipv6``): the Regional name has no IPv4 address in the VPC.
    :param sts_endpoints_dns_off: the VPC's available STS interface endpoints without private DNS, with their policies:
        only their own ``vpce-…`` names, or a Route 53 private hosted zone naming them (not read), lead to them.
    :param route_table_unseen: ``DescribeRouteTables`` showed no route table for the subnet, though every subnet has
        one, its own or the VPC's main one ("Each subnet in your VPC must be associated with a route table", Amazon
        VPC User Guide, "Configure route tables"): its routes are not seen, not absent.
    :param public_routes: routes of the subnet's table to public IPv4 ranges narrower than ``0.0.0.0/0`` (e.g.
        ``"0.0.0.0/1 to NAT gateway nat-0a"``): the endpoint's addresses may be among them, which is not checked.
    :param public_routes_elsewhere: those of them whose target is no way to the internet (a transit gateway, a
        peering connection, a private NAT gateway...): the more specific route, they take what they cover away from a
        default route to a NAT or internet gateway.
    :param public_routes_one_way: every public IPv4 address takes one way past ``public_routes`` (blackhole ones among
        them): they all go to the default route's target, or, without a default route, to one target and together
        cover every public address (``0.0.0.0/1`` and ``128.0.0.0/1`` to one NAT gateway). A passing probe then
        settles a doubt about them: the most specific route sends each of the endpoint's addresses the probe's way.
    :param shared_by: the VPC owner's account when the subnet is shared with the caller's account through AWS RAM
        (``DescribeSubnets`` ``OwnerId`` is not the caller's): the owner's interface endpoints are not visible.
    :param prefix_lists_unread: routes of the subnet's table to a prefix list other than a gateway endpoint's whose
        entries could not be read (:class:`UnreadPrefixList`, ``"pl-… to TARGET: why"``): the STS and S3 addresses may
        be among them, and the most specific route decides, so no link that a route decides is a PASS or a FAIL.
    :param s3_gateway_bypass: without a route to the internet, the routes elsewhere that may take S3's addresses from
        the S3 gateway endpoint's prefix-list route: to a range overlapping an entry of S3's prefix list, as specific or
        more (the longest prefix wins, a static route wins on the same prefix, and of two prefix lists AWS picks one);
        with one, every such active route, to the NAT or internet gateway too: S3's requests may then go that way.
    :param s3_prefix_list_unread: why the entries of the S3 gateway endpoint's prefix list were not read (e.g.
        ``ec2:GetManagedPrefixListEntries`` refused): then ``s3_gateway_bypass`` is every public route elsewhere.
    :param s3_bypass_unjudged: with a way to the internet, the routes of ``s3_gateway_bypass`` to another target than
        the default route's (a second NAT gateway, say): that way's network ACL is not read, so the S3 link is not
        checked.
    :param nat_no_way_out: the public NAT gateways a route goes to whose own subnet has no route out of the VPC,
        described: a route to one carries nothing out, as a blackhole route.
    :param nat_s3_gateway_endpoints: the S3 gateway endpoints of the cluster's Region on the route tables of the
        subnets of the NAT gateways an active route that may hold S3's public addresses goes to: a route to a prefix
        list, or to an IPv4 range not wholly inside the private ranges (``0.0.0.0/0``, ``0.0.0.0/1``, ``52.0.0.0/8``:
        the longest prefix match decides, "How route priority works"); never those only a route to a private range or
        an IPv6 route goes to, which the IPv4 addresses of ``s3.REGION.amazonaws.com`` do not take; whether each
        NAT gateway reaches the internet or not. Where the subnet has an S3 gateway endpoint of its own, only those
        of the NAT gateways that reach the internet and that a route over S3's listed ranges goes to (the endpoint's
        prefix-list route takes the rest), the subnet's own left out. Requests to that Region's buckets through such
        a NAT gateway may meet them there, their policies not judged.
    :param routes_to_other_networks: routes (other than ``0.0.0.0/0``) to a transit gateway, a Cloud WAN core network,
        a peering connection or a virtual private gateway, as ``"CIDR to TARGET"``: an interface endpoint of another
        VPC, named through a Route 53 private hosted zone, may be reached that way (not seen).
    :param routes_to_endpoint_subnets: routes, active or blackhole, other than the local route, that may decide the way
        to the STS interface endpoint's subnets (a middlebox route more specific than the local route, or the local
        route's target replaced: Amazon VPC User Guide, "Subnet route tables"), as ``"CIDR to TARGET"``.
    :param s3_endpoints_dns_off: the VPC's available S3 interface endpoints without private DNS answering in the VPC,
        as ``(endpoint id, service name)``: read whatever the routes, since a Route 53 private hosted zone may name them.
    :param s3_private_dns_endpoints: the service names of the VPC's available S3 interface endpoints whose private
        DNS answers in the VPC (``PrivateDnsEnabled``, not only for inbound resolver endpoints): read whatever the
        routes, since S3's Regional name then resolves to them.
    :param dhcp_options_id: the VPC's DHCP option set (``DescribeVpcs`` ``DhcpOptionsId``), read with an STS interface
        endpoint with private DNS; empty when not read.
    :param dns_servers: its ``domain-name-servers`` when they do not include ``AmazonProvidedDNS``: the nodes ask
        those servers, never the VPC's Amazon DNS server, which alone answers from the endpoint's private hosted zone;
        empty when they include it, the VPC has no DHCP option set, or they were not read.
    :param dhcp_unread: why the VPC's DHCP options could not be read (e.g. ``ec2:DescribeDhcpOptions`` refused).
    :param packet_filters: the network ACLs on the ways out and the egress rules of the cluster's security groups
        (``pure/packet_filters.py``), which a way that would PASS must get through; ``hooks/network.py`` always reads
        them (a part it could not read says so, and leaves the link not checked). ``None``: facts made without them
        (not read at all), which judge the routes alone.
    """

    subnet_id: str
    region: str
    nat_route: bool
    internet_gateway_route: bool
    public_ip_on_launch: bool
    sts_interface_endpoint: bool
    other_default_route: str = ""
    vpc_id: str = ""
    dns_support: bool | None = None
    dns_hostnames: bool | None = None
    dns_unread: str = ""
    subnet_cidr: str = ""
    instance_groups: tuple[str, ...] | NodeGroups = ()
    endpoint_groups: tuple[str, ...] = ()
    endpoint_ingress: tuple[IngressRule, ...] | None = None
    ingress_unread: str = ""
    s3_gateway_endpoint: bool | None = None
    s3_gateway_unread: str = ""
    s3_interface_endpoints: tuple[str, ...] = ()
    s3_gateway_policies: tuple[EndpointPolicy, ...] = ()
    sts_endpoint_policies: tuple[EndpointPolicy, ...] = ()
    sts_endpoints_dns_off: tuple[EndpointPolicy, ...] = ()
    sts_endpoints_aaaa_only: tuple[str, ...] = ()
    shared_by: str = ""
    route_table_unseen: bool = False
    public_routes: tuple[str, ...] = ()
    public_routes_elsewhere: tuple[str, ...] = ()
    public_routes_one_way: bool = False
    s3_private_dns_endpoints: tuple[str, ...] = ()
    prefix_lists_unread: tuple[UnreadPrefixList, ...] = ()
    s3_gateway_bypass: tuple[str, ...] = ()
    s3_prefix_list_unread: str = ""
    s3_bypass_unjudged: tuple[str, ...] = ()
    nat_no_way_out: tuple[str, ...] = ()
    nat_s3_gateway_endpoints: tuple[str, ...] = ()
    routes_to_other_networks: tuple[str, ...] = ()
    routes_to_endpoint_subnets: tuple[str, ...] = ()
    s3_endpoints_dns_off: tuple[tuple[str, str], ...] = ()
    dhcp_options_id: str = ""
    dns_servers: tuple[str, ...] = ()
    dhcp_unread: str = ""
    packet_filters: PacketFilters | None = None

    @property
    def internet(self) -> bool:
        return self.nat_route or (self.internet_gateway_route and self.public_ip_on_launch)

    @property
    def public_ip_unknown(self) -> bool:
        """An internet gateway route without ``MapPublicIpOnLaunch``: whether EMR's instances get public IPs is not documented."""
        return self.internet_gateway_route and not self.public_ip_on_launch

    @property
    def dns_attributes_off(self) -> list[str]:
        """The VPC DNS attributes read as off (private DNS of an interface endpoint needs both on)."""
        attributes = ((DNS_SUPPORT, self.dns_support), (DNS_HOSTNAMES, self.dns_hostnames))
        return [name for name, value in attributes if value is False]

    @property
    def dns_attributes_read(self) -> bool:
        return self.dns_support is not None and self.dns_hostnames is not None


@dataclass(frozen=True)
class StsReachability:
    """The outcome: status (PASS/FAIL/NOT CHECKED), which endpoint EMRFS calls, why, and the fix."""

    status: str
    endpoint: str
    detail: str
    fix: str = ""
    #: Whether a passing live probe settles a "not checked" answer: not where the doubt is the core and task nodes'
    #: own way (their security groups), since the probe's step runs on the primary node only (EMR steps do: "Use Step
    #: to specify a cluster (job flow) step, which runs only on the master node", AWS CloudFormation, AWS::EMR::Step).
    probe_settles: bool = True
    #: The ways a PASS goes through (``pure/packet_filters.py``: NAT, internet gateway, STS or S3 endpoint), more than
    #: one when which one the requests take is not known; their network ACLs and security groups are judged after.
    ways: tuple[str, ...] = ()


def _through_the_filters(result: StsReachability, facts: SubnetFacts | None) -> StsReachability:
    """
    A PASS stands only if the network ACLs and the cluster's security groups on its ways let the requests through
    and their answers back (:func:`~.packet_filters.judge_ways`); any other answer is kept (the worst wins). A WARN
    (core or task nodes added later) is a PASS for the cluster as it is: its ways are judged too.
    """
    if result.status not in (PASS, WARN) or facts is None or facts.packet_filters is None or not result.ways:
        return result
    verdict = judge_ways(result.ways, facts.packet_filters, facts.instance_groups)
    if verdict.status == PASS:
        return result
    warned = result.status == WARN
    return StsReachability(
        verdict.status,
        result.endpoint,
        f"{result.detail}, but {verdict.detail}",
        "; ".join(fix for fix in (result.fix, verdict.fix) if fix) if warned else verdict.fix,
        probe_settles=verdict.probe_settles and (result.probe_settles or not warned),
        ways=result.ways,
    )


def _internet_way(facts: SubnetFacts) -> str:
    return NAT if facts.nat_route else INTERNET_GATEWAY


#: The outcome of :func:`s3_route_check`: the same shape, ``endpoint`` naming S3 of the bucket's Region.
Reachability = StsReachability


def s3_endpoint(region: str) -> str:
    """Return the Regional S3 endpoint URL, e.g. ``https://s3.eu-west-1.amazonaws.com``."""
    return f"https://s3.{region}.{dns_suffix(region)}"


def s3_route_check(bucket: str, bucket_region: str | None, facts: SubnetFacts) -> Reachability:
    """
    :func:`_s3_route` through the network ACLs and security groups on its way (:func:`_through_the_filters`).

    :param bucket_region: the bucket's Region (HeadBucket), ``None`` when not known.
    """
    return _through_the_filters(_s3_route(bucket, bucket_region, facts), facts)


def _s3_route(bucket: str, bucket_region: str | None, facts: SubnetFacts) -> Reachability:
    """
    Say whether EMRFS on a cluster in the subnet of ``facts`` reaches S3 for ``bucket`` of ``bucket_region``.

    PASS through a NAT or internet gateway route (any Region), or through an S3 gateway endpoint on the subnet's
    route table when the bucket is in the cluster's Region; FAIL when neither serves the bucket and nothing else
    may (a gateway endpoint serves only its own Region); not checked when the bucket's Region is unknown, when
    the VPC has an S3 interface endpoint (its DNS and Region decide) or a default route whose way on is not seen.

    :param bucket_region: the bucket's Region (HeadBucket), ``None`` when not known.
    """
    endpoint = s3_endpoint(bucket_region) if bucket_region else f"S3 for bucket {bucket}"
    private_dns = [name for name in facts.s3_private_dns_endpoints if bucket_region in (None, _service_region(name))]
    # As for STS (sts_endpoint_check): their private DNS, while the VPC's DNS attributes are on, takes the name
    # whatever the routes; with one off it answers nothing, and the routes or the gateway endpoint decide.
    if private_dns and not facts.dns_attributes_read and not facts.dns_attributes_off:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"the VPC's S3 interface endpoints {', '.join(private_dns)} have private DNS, which takes {endpoint}'s "
            f"name whatever the routes of subnet {facts.subnet_id} while the VPC's {DNS_SUPPORT} and {DNS_HOSTNAMES} "
            "are both true; they were not read" + (f": {facts.dns_unread}" if facts.dns_unread else ""),
            f"allow ec2:DescribeVpcAttribute on {facts.vpc_id or 'the VPC'} to check it" + _primary_only(facts, "s"),
            probe_settles=False,
        )
    if private_dns and not facts.dns_attributes_off:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"the VPC's S3 interface endpoints {', '.join(private_dns)} have private DNS and the VPC's {DNS_SUPPORT} "
            f"and {DNS_HOSTNAMES} are on: {endpoint} resolves to them whatever the routes of subnet "
            f"{facts.subnet_id}, and whether their security groups let the cluster in on HTTPS is not checked",
            "check that the endpoint's security groups allow TCP 443 from the subnet" + _primary_only(facts),
            probe_settles=False,
        )
    same_region = bucket_region == facts.region
    if facts.internet:
        return _s3_through_the_internet(facts, endpoint, same_region=same_region)
    if same_region and facts.s3_gateway_endpoint and facts.prefix_lists_unread:
        # An entry more specific than the gateway endpoint's wins ("How route priority works": longest prefix first);
        # which of two prefix lists with the same range to different targets wins is not taken as known.
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has an S3 gateway endpoint on its route table, but {_prefix_lists_unread(facts)}",
            prefix_lists_fix(facts.prefix_lists_unread),
            probe_settles=False,  # an entry may take some of S3's addresses: SOME_ADDRESSES
        )
    if same_region and facts.s3_gateway_endpoint and facts.s3_gateway_bypass:
        # The gateway endpoint's route is to S3's prefix list: a CIDR route or another list's entry more specific than
        # its entries, or a static route of the same prefix, wins ("How route priority works").
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has an S3 gateway endpoint on its route table, but routes public addresses "
            + (
                f"elsewhere ({', '.join(facts.s3_gateway_bypass)}), and the entries of S3's prefix list were not read "
                f"({facts.s3_prefix_list_unread})"
                if facts.s3_prefix_list_unread
                else f"overlapping S3's prefix list elsewhere ({', '.join(facts.s3_gateway_bypass)})"
            )
            + ": a more specific route, or a static route of the same prefix, wins over the gateway endpoint's "
            "prefix-list route; which of S3's addresses EMRFS uses is not checked",
            f"check that those ranges hold none of S3's addresses, or that their way on reaches S3 ({SOME_ADDRESSES})",
            probe_settles=False,  # those routes may take some of S3's addresses: SOME_ADDRESSES
        )
    if same_region and facts.nat_s3_gateway_endpoints:  # a NAT gateway's S3 gateway endpoints, theirs not judged
        return _nat_s3_gateway_endpoints(facts, endpoint)
    if same_region and facts.s3_gateway_endpoint:
        return _through_the_gateway_endpoint(facts, endpoint, bucket)
    if bucket_region is None or facts.s3_gateway_endpoint is None:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has no route to the internet, and "
            + ("the Region of bucket " + bucket if bucket_region is None else "its S3 gateway endpoints")
            + " could not be read"
            + (f" ({facts.s3_gateway_unread})" if bucket_region is not None and facts.s3_gateway_unread else ""),
            "the live probe (probe=True) proves it",
        )
    gateway = (
        f"the VPC's S3 gateway endpoint serves only buckets of {facts.region} (a gateway endpoint is available only "
        f"in the Region where it was created), and bucket {bucket} is in {bucket_region}"
        if facts.s3_gateway_endpoint
        else f"no S3 gateway endpoint ({' or '.join(s3_endpoint_services(facts.region))}) is on the subnet's route table"
    )
    return _no_s3_way_seen(facts, endpoint, bucket, bucket_region, gateway, same_region=same_region)


def _no_s3_way_seen(
    facts: SubnetFacts, endpoint: str, bucket: str, bucket_region: str, gateway: str, *, same_region: bool
) -> Reachability:
    """
    S3 without a route to the internet or a gateway endpoint serving the bucket (``gateway`` says why): not checked for
    the VPC's S3 interface endpoints or a way the check cannot judge (:func:`_unseen_ways`); else a FAIL.
    """
    if facts.s3_interface_endpoints:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has no route to the internet and {gateway}; the VPC has S3 interface "
            f"endpoints ({', '.join(facts.s3_interface_endpoints)}): whether EMRFS's requests for bucket {bucket} "
            "resolve to one serving its Region is not checked",
            "check that they serve the bucket's Region and that their security groups allow TCP 443 from the subnet"
            + _primary_only(facts),
            probe_settles=False,
        )
    unseen = _unseen_ways(facts, interface_endpoints=True)
    if unseen:
        hidden = bool(facts.shared_by or facts.routes_to_other_networks)  # an endpoint not visible here may serve it
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"{'; '.join(unseen)}; {gateway}",
            _unseen_fix(facts, endpoint, hidden=hidden),
            probe_settles=not hidden and not _some_addresses(facts),
        )
    return Reachability(
        FAIL,
        endpoint,
        f"subnet {facts.subnet_id} has no default route (0.0.0.0/0) out of the VPC{_nat_no_way_out(facts)}"
        + f" and {gateway}: every request of a write to bucket {bucket} fails",
        _nat_fix(facts)
        + (
            f"add a NAT gateway route to subnet {facts.subnet_id}, or an S3 interface endpoint of {bucket_region} "
            f"(cross-Region AWS PrivateLink), or use a bucket in {facts.region}"
            if not same_region
            else f"add a gateway endpoint {' or '.join(s3_endpoint_services(facts.region))} on the route table of subnet "
            f"{facts.subnet_id}, or a NAT gateway route"
        ),
    )


def _through_the_gateway_endpoint(facts: SubnetFacts, endpoint: str, bucket: str) -> Reachability:
    """
    PASS through the S3 gateway endpoint on the subnet's route table, once S3's name resolves (:func:`_dns_doubt`) to
    S3's public addresses, which its prefix-list route takes, and not to an interface endpoint's through a private hosted
    zone (:func:`_private_zone_doubt`).
    """
    doubt = _dns_doubt(facts, endpoint)
    if doubt:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has an S3 gateway endpoint on its route table, but {doubt}",
            _dns_fix(facts),
        )
    zone = _private_zone_doubt(facts, endpoint, sts=False)
    if zone:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has an S3 gateway endpoint on its route table, but {zone}",
            _private_zone_fix(facts, endpoint),
            probe_settles=False,
        )
    return Reachability(
        PASS,
        endpoint,
        f"subnet {facts.subnet_id} reaches bucket {bucket} through the S3 gateway endpoint on its route table",
        ways=(S3_GATEWAY,),
    )


def _s3_through_the_internet(facts: SubnetFacts, endpoint: str, *, same_region: bool) -> Reachability:
    """
    S3 through the subnet's route to the internet (:func:`_through_the_internet`), by the S3 gateway endpoint on its
    route table for a bucket of the cluster's Region; not checked when requests may meet an S3 gateway endpoint on a
    NAT gateway's own subnet whose policy is not judged (``nat_s3_gateway_endpoints``: with the subnet's own endpoint,
    only through a route to that NAT gateway over S3's listed ranges, "How route priority works").
    """
    gateway_endpoint = same_region and bool(facts.s3_gateway_policies)
    if same_region and facts.nat_s3_gateway_endpoints:
        return _nat_s3_gateway_endpoints(facts, endpoint)
    if not gateway_endpoint:
        return _through_the_internet(facts, endpoint, interface_endpoints=True)
    return _through_the_internet(facts, endpoint, interface_endpoints=True, gateway_endpoint=True)


def _nat_s3_gateway_endpoints(facts: SubnetFacts, endpoint: str) -> Reachability:
    """
    Not checked: requests to a bucket of the cluster's Region through the NAT gateway may meet the S3 gateway endpoints
    on its own subnet's route table (``nat_s3_gateway_endpoints``), whether that subnet routes the rest out or not.
    Where the subnet has its own S3 gateway endpoint, only S3's addresses a narrower route takes from it go to the NAT
    gateway: a passing probe, which reaches one address, does not settle that (:data:`SOME_ADDRESSES`); without one,
    every S3 address of the Region takes the NAT gateway's way, the probe's too.
    """
    own_endpoint = bool(facts.s3_gateway_endpoint or facts.s3_gateway_policies)
    return Reachability(
        NOT_CHECKED,
        endpoint,
        f"subnet {facts.subnet_id} reaches {endpoint} through a NAT gateway whose own subnet's route table "
        f"sends S3's prefix list to the S3 gateway endpoints {', '.join(facts.nat_s3_gateway_endpoints)} (a "
        "gateway endpoint's prefix-list route is more specific than any wider route there, or the only one: Amazon "
        'VPC User Guide, "How route priority works"): whether the requests meet them there, and what their policies say, is not checked',
        ("" if own_endpoint else "the live probe (probe=True) proves it; or ")
        + (
            # A route table holds one endpoint route per service (AWS PrivateLink Guide, "Gateway endpoints"): the
            # subnet's own is there already, so the way to the NAT gateway is what can change.
            "narrow the subnet's route to the NAT gateway over S3's listed ranges, or put the subnet's own S3 gateway "
            f"endpoint on the NAT gateway's subnet's route table instead ({SOME_ADDRESSES})"
            if own_endpoint
            else f"add that gateway endpoint to the route table of subnet {facts.subnet_id}, whose policy the "
            "verifier then judges"
        ),
        probe_settles=not own_endpoint,
    )


def _through_the_internet(
    facts: SubnetFacts, endpoint: str, *, interface_endpoints: bool, gateway_endpoint: bool = False, sts: bool = False
) -> Reachability:
    """
    PASS: the subnet reaches ``endpoint`` through a NAT gateway, or an internet gateway and public IP addresses; or,
    for S3 of the cluster's Region (``gateway_endpoint``), through the S3 gateway endpoint on its route table, whose
    prefix-list route is more specific than the default route (Amazon VPC User Guide, "How route priority works").

    Not checked while the VPC's DNS support is off or not read (:func:`_dns_doubt`): every way needs the name resolved.

    Not checked when a route to a public range narrower than the default route goes elsewhere than the internet
    (``public_routes_elsewhere``): EC2 routes by the most specific route that matches (Amazon VPC User Guide, "How
    route priority works"), and the endpoint's addresses may be in that range.

    Not checked in a subnet another account shares when an interface endpoint could serve ``endpoint``
    (``interface_endpoints``): there only the VPC owner makes interface endpoints (AWS Knowledge Center,
    "vpc-interface-endpoint-creation-errors": a participant's ``CreateVpcEndpoint`` is refused, "This operation does
    not support shared VPCs") and the caller cannot see them, while one with private DNS takes the service's name in
    the whole VPC whatever the routes (:func:`sts_endpoint_check`): its security groups and policy decide then.
    Likewise where a Route 53 private hosted zone may name an interface endpoint for it (:func:`_private_zone_doubt`).
    """
    via = "a NAT gateway" if facts.nat_route else "an internet gateway and public IP addresses"
    doubt = _dns_doubt(facts, endpoint)
    if doubt:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has a default route through {via}, but {doubt}",
            _dns_fix(facts),
        )
    if facts.prefix_lists_unread:  # their entries may be more specific than the default route
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has a default route through {via}, but {_prefix_lists_unread(facts)}",
            prefix_lists_fix(facts.prefix_lists_unread),
            probe_settles=False,  # an entry may take some of the endpoint's addresses: SOME_ADDRESSES
        )
    if facts.public_routes_elsewhere:  # the most specific route decides ("How route priority works")
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has a default route through {via}, but routes public addresses more "
            f"specifically elsewhere ({', '.join(facts.public_routes_elsewhere)}), and the most specific route decides: "
            f"whether {endpoint}'s addresses are among them is not checked",
            "check that those ranges hold none of the endpoint's addresses, or that their way on reaches it "
            f"({SOME_ADDRESSES})",
            probe_settles=False,  # they may take some of the endpoint's addresses: SOME_ADDRESSES
        )
    if facts.shared_by and interface_endpoints:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has a route through {via}, but it is shared by account {facts.shared_by} (AWS "
            f"RAM): an interface endpoint of that account with private DNS takes {endpoint}'s name whatever the "
            "routes, and that account's interface endpoints are not visible to this one",
            f"check in account {facts.shared_by} whether the VPC has such an endpoint, and that its security groups "
            "and policy let the cluster through" + _primary_only(facts),
            probe_settles=False,
        )
    zone = _private_zone_doubt(facts, endpoint, sts=sts) if interface_endpoints else ""
    if zone:
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has a route through {via}, but {zone}",
            _private_zone_fix(facts, endpoint),
            probe_settles=False,
        )
    if gateway_endpoint:  # its prefix-list route wins over the default route for S3 of its Region
        return _gateway_endpoint_over_the_internet(facts, endpoint, via)
    return Reachability(
        PASS, endpoint, f"subnet {facts.subnet_id} reaches {endpoint} through {via}", ways=(_internet_way(facts),)
    )


def _gateway_endpoint_over_the_internet(facts: SubnetFacts, endpoint: str, via: str) -> Reachability:
    """
    PASS through the S3 gateway endpoint, whose prefix-list route is more specific than the default route; or, where
    a route to the NAT or internet gateway as specific as one of S3's entries or more wins over it for that range
    (``s3_gateway_bypass``: Amazon VPC User Guide, "How route priority works"), through either: both ways are judged.
    """
    via = (
        "the S3 gateway endpoint on its route table (its prefix-list route is more specific than the default route "
        f"through {via})"
    )
    if not facts.s3_gateway_bypass:
        return Reachability(
            PASS, endpoint, f"subnet {facts.subnet_id} reaches {endpoint} through {via}", ways=(S3_GATEWAY,)
        )
    if facts.s3_bypass_unjudged:  # a NAT gateway other than the default route's: its own subnet's filters not read
        return Reachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} routes {', '.join(facts.s3_bypass_unjudged)}, which takes some of S3's "
            "addresses from the S3 gateway endpoint (a more specific route, or a static route of the same prefix, wins "
            "over a prefix-list route) to another target than the default route's: that way's network ACL is not "
            "judged",
            f"check that way's network ACL lets TCP 443 out and back ({SOME_ADDRESSES})",
            probe_settles=False,  # only S3's addresses those routes cover take that way: SOME_ADDRESSES
        )
    return Reachability(
        PASS,
        endpoint,
        f"subnet {facts.subnet_id} reaches {endpoint} through {via}, or, for S3's addresses its routes "
        f"{', '.join(facts.s3_gateway_bypass)} take from the endpoint (a more specific route, or a static route of the "
        "same prefix, wins over a prefix-list route), through that route"
        + (
            f" (the entries of S3's prefix list were not read: {facts.s3_prefix_list_unread})"
            if facts.s3_prefix_list_unread
            else ""
        ),
        ways=(S3_GATEWAY, _internet_way(facts)),
    )


def _private_zone_doubt(facts: SubnetFacts, endpoint: str, *, sts: bool) -> str:
    """
    Why a Route 53 private hosted zone may send ``endpoint``'s name to an interface endpoint whatever the default route
    (``""``: nothing suggests one).

    AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized access to VPC
    private endpoints": with private DNS off on the endpoint, a private hosted zone holding the service's full endpoint
    name, associated with the spoke VPCs, resolves that name to the hub VPC's interface endpoint, reached over a
    transit gateway. Such a zone is not read here (``route53:ListHostedZonesByVPC``): a route to another network
    (``routes_to_other_networks``), or an STS interface endpoint of the VPC with private DNS off (``sts``), may be
    that pattern, and then the endpoint's security groups and policy decide, not the NAT or internet gateway.
    """
    doubts = []
    # IPv4 ranges only: a zone's name resolves to the endpoint's IPv4 addresses, which no IPv6 route carries
    # (Amazon VPC User Guide, "How route priority works": IPv4 and IPv6 routes are independent of each other).
    ipv4 = [route for route in facts.routes_to_other_networks if ":" not in route.split(" ", 1)[0]]
    if ipv4:
        doubts.append(
            f"it routes {', '.join(ipv4)}: an interface endpoint of another VPC reached that way may take "
            f"{_authority(endpoint)}'s name through a Route 53 private hosted zone"
        )
    if sts and facts.sts_endpoints_dns_off:
        doubts.append(_dns_off_endpoints(facts))
    # Of the Region whose name it is: a zone names an endpoint of the service it stands for.
    s3_dns_off = [
        f"{endpoint_id} ({service})"
        for endpoint_id, service in facts.s3_endpoints_dns_off
        if f".{_service_region(service)}." in f".{_authority(endpoint)}."
    ]
    if not sts and s3_dns_off:
        doubts.append(
            f"the VPC's S3 interface endpoints {', '.join(s3_dns_off)} have private DNS off: a Route 53 private hosted "
            f"zone may name them for {_authority(endpoint)}, which is not read"
        )
    return "; and ".join(doubts)


def _dns_off_endpoints(facts: SubnetFacts) -> str:
    """The VPC's STS interface endpoints with private DNS off, as a doubt: a private hosted zone may name them."""
    ids = ", ".join(policy.endpoint_id for policy in facts.sts_endpoints_dns_off)
    return (
        f"the VPC's STS interface endpoint {ids} has private DNS off: STS's Regional name leads to it only where a "
        "Route 53 private hosted zone names it, which is not read"
    )


def _private_zone_fix(facts: SubnetFacts, endpoint: str) -> str:
    """The fix of a link :func:`_private_zone_doubt` leaves not checked."""
    vpc = facts.vpc_id or "VPC_ID"
    return (
        f"check whether a private hosted zone of the VPC names {_authority(endpoint)} (aws route53 "
        f"list-hosted-zones-by-vpc --vpc-id {vpc} --vpc-region {facts.region}), and if one does, that the endpoint it "
        "names lets every node of the cluster in on TCP 443 and that its policy allows the requests"
        + _primary_only(facts)
    )


def _dns_doubt(facts: SubnetFacts, endpoint: str) -> str:
    """
    Why ``endpoint``'s name may not resolve in the VPC (``""``: the VPC's ``enableDnsSupport`` was read as on).

    Every way to STS or S3 starts with resolving the endpoint's name. With DNS support off, "the Amazon provided DNS
    service in the VPC that resolves public DNS hostnames to IP addresses is not enabled" (Amazon EC2 API Reference,
    "ModifyVpcAttribute", ``EnableDnsSupport``): the name then resolves only through DNS servers a custom DHCP option
    set names, which the verifier does not read (``DescribeDhcpOptions``), so the link is not checked, never PASS.
    """
    if facts.dns_support is True:
        return ""
    if facts.dns_support is False:
        return (
            f"the VPC's {DNS_SUPPORT} is off: the Amazon-provided DNS server does not resolve {endpoint}'s name there, "
            "and whether DNS servers of a custom DHCP option set do is not checked (the VPC's DHCP options are not read)"
        )
    return (
        f"the VPC's {DNS_SUPPORT}, without which no name resolves through the Amazon-provided DNS server, was not read"
        + (f" ({facts.dns_unread})" if facts.dns_unread else "")
    )


def _dns_fix(facts: SubnetFacts) -> str:
    """The fix of a link :func:`_dns_doubt` leaves not checked."""
    vpc = facts.vpc_id or "VPC_ID"
    if facts.dns_support is False:
        return (
            f"aws ec2 modify-vpc-attribute --vpc-id {vpc} --{_kebab(DNS_SUPPORT)} '{{\"Value\":true}}' (the "
            "Amazon-provided DNS server then answers); or the live probe (probe=True) proves the custom DNS servers"
        )
    return (
        f"allow ec2:DescribeVpcAttribute on {facts.vpc_id or 'the VPC'} to check it, or run the live probe (probe=True)"
    )


def _nat_no_way_out(facts: SubnetFacts) -> str:
    """The routes to NAT gateways whose own subnet has no route out, named for a FAIL's detail (``""``: none)."""
    if not facts.nat_no_way_out:
        return ""
    return (
        f" (its route to {'; '.join(facts.nat_no_way_out)} carries nothing out: a public NAT gateway reaches the "
        'internet through its own subnet\'s route to an internet gateway, Amazon VPC User Guide, "NAT gateways")'
    )


def _nat_fix(facts: SubnetFacts) -> str:
    """The first fix of a FAIL whose NAT gateway has no way out (``""``: none)."""
    if not facts.nat_no_way_out:
        return ""
    return "add a route 0.0.0.0/0 to the VPC's internet gateway on the route table of the NAT gateway's subnet; or "


def _prefix_lists_unread(facts: SubnetFacts) -> str:
    """
    The routes to prefix lists whose entries were not read: they may hold the endpoint's addresses, and the most
    specific route that matches decides, a prefix list's entry as a CIDR route (Amazon VPC User Guide, "How route
    priority works").
    """
    return (
        f"subnet {facts.subnet_id} routes prefix lists whose entries were not read "
        f"({'; '.join(map(str, facts.prefix_lists_unread))})"
        ": whether the endpoint's addresses are among them is not checked"
    )


def _service_region(service_name: str) -> str:
    """The Region of an S3 endpoint service name (:data:`S3_SERVICE`); empty for another name."""
    found = S3_SERVICE.match(service_name)
    return found["region"] if found else ""


def s3_endpoints_in_path(facts: SubnetFacts, bucket_region: str | None) -> tuple[EndpointPolicy, ...] | None:
    """
    The S3 gateway endpoints a request to a bucket of ``bucket_region`` passes through: those on the subnet's route
    table when the bucket is in the cluster's Region (a gateway endpoint serves only its own Region), else none;
    ``None`` when the bucket's Region is not known and the table has one, or when an S3 interface endpoint of that
    Region with private DNS may take S3's name instead (:func:`s3_route_check`), or, for a bucket of its Region, a
    route to the NAT or internet gateway some of S3's addresses (``s3_gateway_bypass``, with a way to the internet).
    """
    if not facts.s3_gateway_policies:
        return ()
    if bucket_region is None or (
        not facts.dns_attributes_off and bucket_region in map(_service_region, facts.s3_private_dns_endpoints)
    ):
        return None
    # A gateway endpoint serves only buckets of its Region (Amazon VPC User Guide, "Gateway endpoints for Amazon S3"):
    # the routes taking S3's addresses from it leave only those in doubt.
    if facts.internet and facts.s3_gateway_bypass and bucket_region == facts.region:
        return None
    return facts.s3_gateway_policies if bucket_region == facts.region else ()


def sts_endpoints_in_path(facts: SubnetFacts, endpoint: str) -> tuple[EndpointPolicy, ...] | None:
    """
    The STS interface endpoints EMRFS's ``AssumeRole`` to ``endpoint`` passes through: with private DNS the Regional
    name resolves to them while the VPC's DNS attributes are on (:class:`SubnetFacts`); none for another endpoint or
    with an attribute off; ``None`` when the attributes were not read.

    An endpoint whose private DNS publishes AAAA records only (``sts_endpoints_aaaa_only``) is still the one in the
    path: its private hosted zone answers for the Regional name, and an A query it holds no record for gets NXDOMAIN,
    never public DNS (Route 53 Developer Guide, "Considerations when working with a private hosted zone": "Resolver
    doesn't forward the request to a public DNS resolver. Instead, it returns NXDOMAIN"). ``AssumeRole`` goes through
    it over IPv6 or fails: its policy's refusal fails the link either way (the IPv6 way itself is not checked).

    An interface endpoint's own DNS name (``vpce-ID-….sts.REGION.vpce.amazonaws.com``) leads to that endpoint, private
    DNS on or off (:func:`is_interface_endpoint_name`): that one of the VPC's, or ``None`` when it is none of them (its
    policy is not read).
    """
    if is_interface_endpoint_name(endpoint):
        named = [
            policy
            for policy in (*facts.sts_endpoint_policies, *facts.sts_endpoints_dns_off)
            if named_endpoint_id(endpoint).startswith(policy.endpoint_id + "-")
        ]
        return tuple(named[:1]) or None
    regional = f"sts.{facts.region}.{dns_suffix(facts.region)}"
    if not facts.sts_endpoint_policies or _authority(endpoint) not in (regional, regional + ":443"):
        return ()
    if endpoint_doubt(endpoint):  # it may be the Regional endpoint, read leniently: whether it is, is not known
        return None
    # AAAA records only (DnsRecordIpType ipv6) still take the name: the route link is not checked for it (_aaaa_only),
    # but the endpoint's policy is on the only way there is (sts_endpoints_in_path's docstring).
    if facts.dns_attributes_off:
        return ()
    if resolver_doubt(facts):  # the nodes may not ask the VPC's DNS server, which alone answers for the endpoint
        return None
    return facts.sts_endpoint_policies if facts.dns_attributes_read else None


def s3_endpoint_services(region: str) -> list[str]:
    """
    Return the names the S3 endpoint service may have in ``region``: ``com.amazonaws.REGION.s3``, and in the China
    Regions ``cn.com.amazonaws.REGION.s3`` too (as :func:`sts_endpoint_services`).
    """
    return _endpoint_services(region, "s3")


def dynamodb_endpoint_services(region: str) -> list[str]:
    """
    Return the names DynamoDB's gateway endpoint service, and its AWS-managed prefix list, may have in ``region``
    (``com.amazonaws.REGION.dynamodb``: Amazon VPC User Guide, "AWS-managed prefix lists"), as
    :func:`s3_endpoint_services`.
    """
    return _endpoint_services(region, "dynamodb")


def s3express_endpoint_services(region: str) -> list[str]:
    """
    Return the names S3 Express One Zone's gateway endpoint service, and its AWS-managed prefix list, may have in
    ``region`` (``com.amazonaws.REGION.s3express``: Amazon VPC User Guide, "AWS-managed prefix lists"), as
    :func:`s3_endpoint_services`. Not S3's: its endpoints "are different from standard Amazon S3 endpoints" (Amazon S3
    User Guide, "Step 1: Configure a gateway VPC endpoint to reach S3 Express One Zone directory buckets").
    """
    return _endpoint_services(region, "s3express")


def uses_regional_sts(release_label: str) -> bool:
    """Return whether EMRFS on this release calls the Regional STS endpoint by default."""
    version = parse_release_label(release_label, "release_label")
    since = REGIONAL_STS_SINCE.get(version[0])
    return version[0] > 6 or (since is not None and version >= since)


#: S3A's setting of the STS endpoint for the roles it assumes, which EMR fills from ``emrfs-site`` ``fs.s3.sts.endpoint``
#: (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping").
S3A_STS_ENDPOINT_PROPERTY = "fs.s3a.assumed.role.sts.endpoint"


#: What :func:`cluster_sts_check` names as the endpoint where S3A serves ``s3://`` and no setting names one: EMR
#: documents the Regional default for EMRFS only ("EMRFS uses the AWS Security Token Service (STS) ... Amazon EMR
#: release versions 5.31.0 and 6.1.0 and later make requests to Regional AWS STS endpoints": Amazon EMR Release
#: Guide, "Managing the default AWS Security Token Service endpoint"), and S3A's own setting is documented only as
#: "If unset, uses the default endpoint" (Apache Hadoop, "Working with IAM Assumed Roles", for its own assumed-role
#: provider, not EMR's role mappings).
S3A_DEFAULT_STS = "the STS endpoint S3A calls by default"


def s3a_default_sts(release_label: str, configurations: list[dict[str, Any]]) -> bool:
    """
    Whether S3A serves the cluster's ``s3://`` and calls STS at its own, undocumented, default: no ``core-site``
    ``fs.s3a.assumed.role.sts.endpoint``, and no ``emrfs-site`` ``fs.s3.sts.endpoint`` that EMR translates to it.
    """
    if not _s3a_serves(release_label, configurations):
        return False
    return not sts_endpoint_settings(release_label, configurations).get(STS_ENDPOINT_PROPERTY)


def _sites(configurations: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The properties of each classification of ``configurations`` (a later entry's value wins)."""
    sites: dict[str, dict[str, Any]] = {}
    for item in configurations:
        sites.setdefault(str(item.get("Classification")), {}).update(item.get("Properties") or {})
    return sites


def sts_endpoint_settings(release_label: str, configurations: list[dict[str, Any]]) -> dict[str, Any]:
    """
    The cluster's ``emrfs-site`` properties, with ``fs.s3.sts.endpoint`` as the ``s3://`` connector reads it.

    EMRFS reads ``emrfs-site`` ``fs.s3.sts.endpoint``. Where S3A serves ``s3://`` (7.10.0 on, unless ``core-site``
    ``fs.s3.impl`` keeps EMRFS) it is ``core-site`` ``fs.s3a.assumed.role.sts.endpoint``, which EMR fills from the
    EMRFS one only when it is not set itself: "The mapping process automatically occurs when S3A configurations are
    undefined while corresponding EMRFS configurations are present", and not at all with ``core-site``
    ``fs.s3a.emrfs.compatibility.enable`` false (same guide). This is the cluster's endpoint: a bucket's own (S3A's
    ``fs.s3a.bucket.BUCKET.assumed.role.sts.endpoint``, or EMRFS's bucket-level ``fs.s3.bucket.BUCKET.sts.endpoint``
    EMR translates for it) is the verifier's ``checks/sts_route.py``'s, which names it "not checked".
    """
    sites = _sites(configurations)
    emrfs, core = sites.get("emrfs-site", {}), sites.get("core-site", {})
    if not _s3a_serves(release_label, configurations):  # a label that is no release: sts_endpoint_check names the field
        return emrfs
    chosen = {key: value for key, value in emrfs.items() if key != STS_ENDPOINT_PROPERTY}
    if core.get(S3A_STS_ENDPOINT_PROPERTY):
        chosen[STS_ENDPOINT_PROPERTY] = core[S3A_STS_ENDPOINT_PROPERTY]
    elif hadoop_boolean(core.get(EMRFS_COMPATIBILITY_PROPERTY)) is not False and STS_ENDPOINT_PROPERTY in emrfs:
        chosen[STS_ENDPOINT_PROPERTY] = emrfs[STS_ENDPOINT_PROPERTY]
    return chosen


#: What :func:`cluster_sts_check` names as the endpoint where S3A serves ``s3://``, S3A's own setting names none and
#: whether EMR translates the ``emrfs-site`` one is not known (:func:`sts_translation_doubt`).
S3A_UNTRANSLATED_STS = "the STS endpoint S3A calls: emrfs-site's if EMR translates it, else its default"

#: What :func:`cluster_sts_check` names as the endpoint where which connector serves ``s3://`` is not known.
UNKNOWN_CONNECTOR_STS = "the STS endpoint the s3:// connector calls (EMRFS's or S3A's)"

#: The endpoints :func:`cluster_sts_check` names when which STS endpoint S3A calls is not known.
UNKNOWN_STS_ENDPOINTS = (S3A_DEFAULT_STS, S3A_UNTRANSLATED_STS, UNKNOWN_CONNECTOR_STS)


def sts_translation_doubt(release_label: str, configurations: list[dict[str, Any]]) -> str:
    """
    Why the cluster's STS endpoint S3A calls is not known for want of a readable translation switch (``""``: it is):
    S3A serves ``s3://``, ``core-site`` ``fs.s3a.assumed.role.sts.endpoint`` is not set, ``emrfs-site``
    ``fs.s3.sts.endpoint`` is, and ``core-site`` ``fs.s3a.emrfs.compatibility.enable`` is neither true nor false as
    Hadoop's ``Configuration.getBoolean`` reads it (:func:`~.cluster_config.hadoop_boolean`). The migration guide
    names ``false`` the value that turns the translation off; ``getBoolean`` answers another with its caller's default,
    which AWS does not give: S3A calls the ``emrfs-site`` endpoint, or its own default.
    """
    sites = _sites(configurations)
    core, emrfs = sites.get("core-site", {}), sites.get("emrfs-site", {})
    switch = core.get(EMRFS_COMPATIBILITY_PROPERTY)
    if switch is None or hadoop_boolean(switch) is not None or core.get(S3A_STS_ENDPOINT_PROPERTY):
        return ""
    if not emrfs.get(STS_ENDPOINT_PROPERTY) or not _s3a_serves(release_label, configurations):
        return ""
    return (
        f"core-site {EMRFS_COMPATIBILITY_PROPERTY}={switch!r} is neither true nor false as Hadoop reads a flag: "
        f"whether EMR translates emrfs-site {STS_ENDPOINT_PROPERTY}={emrfs[STS_ENDPOINT_PROPERTY]!r} to S3A's "
        f"{S3A_STS_ENDPOINT_PROPERTY} (so whether S3A calls it, or its own default) is not documented"
    )


def _s3a_serves(release_label: str, configurations: list[dict[str, Any]]) -> bool | None:
    """
    Whether S3A serves ``s3://`` on ``release_label`` with these ``Configurations`` (7.10.0 on, EMRFS not kept as
    Hadoop reads ``fs.s3.impl``); ``None``: not known (:func:`~.cluster_config.impl_connector`: a class neither
    EMRFS's nor S3A's once Java trims it, or before 7.10.0 any but EMRFS's). A FileContext class of ``s3://`` set
    (``fs.AbstractFileSystem.s3.impl``) does not change it: the link "FileContext writes" reports those writes.
    """
    try:
        version = parse_release_label(release_label, "release_label")
    except EmrfsXacctError:
        return False
    connector = impl_connector(version, _sites(configurations).get("core-site", {}).get("fs.s3.impl"))
    return None if connector is None else connector == "S3A"


def cluster_sts_check(
    release_label: str, facts: SubnetFacts | None, configurations: list[dict[str, Any]]
) -> StsReachability:
    """
    :func:`sts_endpoint_check` for a cluster of these ``Configurations``: with the endpoint its ``s3://`` connector
    reads (:func:`sts_endpoint_settings`), and not checked where S3A serves ``s3://`` and no setting names its
    endpoint (:func:`s3a_default_sts`): which one it then calls is not documented (:data:`S3A_DEFAULT_STS`).
    """
    region = facts.region if facts else "REGION"
    impl = _sites(configurations).get("core-site", {}).get("fs.s3.impl")
    if _s3a_serves(release_label, configurations) is None:
        version = parse_release_label(release_label, "release_label")
        return StsReachability(
            NOT_CHECKED,
            UNKNOWN_CONNECTOR_STS,
            f"{impl_doubt(version, impl)}: which connector serves s3://, so which STS endpoint it calls, is not known",
            f"set core-site fs.s3.impl to {EMRFS_IMPL} exactly, or remove it, to have it checked; the live probe "
            "(probe=True) proves the route",
        )
    untranslated = sts_translation_doubt(release_label, configurations)
    if untranslated:
        return StsReachability(
            NOT_CHECKED,
            S3A_UNTRANSLATED_STS,
            f"{release_label} serves s3:// with S3A, and {untranslated}",
            f"set core-site {EMRFS_COMPATIBILITY_PROPERTY} to true or false, or core-site {S3A_STS_ENDPOINT_PROPERTY} "
            f"(e.g. to {regional_sts_endpoint(region)}), to have it checked; the live probe (probe=True) proves the route",
        )
    if not s3a_default_sts(release_label, configurations):
        return sts_endpoint_check(
            release_label,
            facts,
            sts_endpoint_settings(release_label, configurations),
            **_sts_setting(release_label, configurations),
        )
    return StsReachability(
        NOT_CHECKED,
        S3A_DEFAULT_STS,
        f"{release_label} serves s3:// with S3A, and neither core-site {S3A_STS_ENDPOINT_PROPERTY} nor emrfs-site "
        f"{STS_ENDPOINT_PROPERTY} names the endpoint its role mappings call: EMR documents the Regional default "
        "for EMRFS only",
        f"set core-site {S3A_STS_ENDPOINT_PROPERTY} to {regional_sts_endpoint(region)} to have it checked; the "
        "live probe (probe=True) proves the route",
    )


def _sts_setting(release_label: str, configurations: list[dict[str, Any]]) -> dict[str, Any]:
    """
    The setting :func:`sts_endpoint_settings` took the cluster's STS endpoint from, and whether its connector trims it.

    S3A reads ``fs.s3a.assumed.role.sts.endpoint`` with Hadoop's ``Configuration.getTrimmed`` (Apache Hadoop,
    ``AssumedRoleCredentialProvider``), the ``emrfs-site`` value EMR translates to it as well; how EMRFS reads
    ``fs.s3.sts.endpoint`` is not documented (Amazon EMR Release Guide, "Managing the default AWS Security Token
    Service endpoint", shows only ``https://sts.amazonaws.com``).
    """
    core = _sites(configurations).get("core-site", {})
    if not _s3a_serves(release_label, configurations):
        return {"setting": f"emrfs-site {STS_ENDPOINT_PROPERTY}", "trimmed": False}
    if core.get(S3A_STS_ENDPOINT_PROPERTY):
        return {"setting": f"core-site {S3A_STS_ENDPOINT_PROPERTY}", "trimmed": True}
    return {"setting": f"emrfs-site {STS_ENDPOINT_PROPERTY} (translated for S3A)", "trimmed": True}


def sts_endpoint_check(
    release_label: str,
    facts: SubnetFacts | None,
    emrfs_site_properties: dict[str, Any] | None = None,
    *,
    setting: str = f"emrfs-site {STS_ENDPOINT_PROPERTY}",
    trimmed: bool = False,
) -> StsReachability:
    """
    :func:`_sts_endpoint` through the network ACLs and security groups on its way (:func:`_through_the_filters`).

    :param facts: ``None`` when the cluster runs in EC2-Classic/default networking the caller could not read.
    :param emrfs_site_properties: the cluster's ``emrfs-site`` properties.
    :param setting: the setting ``fs.s3.sts.endpoint``'s value was taken from, as a report names it.
    :param trimmed: whether the connector reads it with Hadoop's ``getTrimmed`` (S3A's).
    """
    found = _sts_endpoint(release_label, facts, emrfs_site_properties, setting=setting, trimmed=trimmed)
    return _through_the_filters(found, facts)


def _sts_endpoint(
    release_label: str,
    facts: SubnetFacts | None,
    emrfs_site_properties: dict[str, Any] | None = None,
    *,
    setting: str = f"emrfs-site {STS_ENDPOINT_PROPERTY}",
    trimmed: bool = False,
) -> StsReachability:
    """
    Say whether EMRFS on a cluster of ``release_label`` in the subnet of ``facts`` reaches STS.

    :param facts: ``None`` when the cluster runs in EC2-Classic/default networking the caller could not read.
    :param emrfs_site_properties: the cluster's ``emrfs-site`` properties (an ``fs.s3.sts.endpoint``
        override decides the endpoint).
    """
    override = (emrfs_site_properties or {}).get(STS_ENDPOINT_PROPERTY)
    region = facts.region if facts else "REGION"
    ignored = ""
    if override and not uses_regional_sts(release_label):
        override, ignored = None, f" ({STS_ENDPOINT_PROPERTY} is not used before 5.31.0 and 6.1.0)"
    if override:
        endpoint = java_trim(override) if trimmed else str(override)
        unreadable = _override_unreadable(endpoint, setting, region)
        if unreadable:
            return unreadable
        regional_host = f"sts.{region}.{dns_suffix(region)}"
        regional = _authority(endpoint) in (regional_host, regional_host + ":443")
    elif uses_regional_sts(release_label):
        endpoint, regional = regional_sts_endpoint(region), True
    else:
        endpoint, regional = f"https://{GLOBAL_STS_HOST}", False
    if facts is None:
        return StsReachability(
            NOT_CHECKED,
            endpoint,
            "the cluster's subnet is unknown; cannot check the route to STS",
            "the live probe (probe=True) proves it; or check the route of the cluster's subnet to " + endpoint,
        )
    undecided = _not_decided_by_the_route(
        endpoint, facts, overridden=bool(override), regional=regional, ignored=ignored
    )
    if undecided:
        return undecided
    dns_off: list[str] = []
    if regional and facts.sts_interface_endpoint:  # its private DNS, while on, takes the name whatever the routes
        dns_off = facts.dns_attributes_off
        if not dns_off:
            return _aaaa_only(facts, endpoint) or _past_the_resolver(
                facts, _past_the_routes_to_the_endpoint(facts, _through_sts_interface_endpoint(facts, endpoint))
            )
    if facts.internet:
        return _through_the_internet(facts, endpoint, interface_endpoints=regional, sts=True)
    return _no_way_seen(facts, endpoint, regional=regional, dns_off=dns_off, ignored=ignored)


def _aaaa_only(facts: SubnetFacts, endpoint: str) -> StsReachability | None:
    """
    Not checked when the STS interface endpoint's private DNS publishes AAAA records only (``DnsRecordIpType``
    ``ipv6``: "Create AAAA records for the private, Regional, and zonal DNS names", AWS PrivateLink Guide, "DNS record
    IP type"): an IPv4-only node finds no address for the Regional name, and the IPv4 rules judged here do not show the
    IPv6 way (AWS STS answers IPv6 clients: IAM User Guide, "Dual-stack endpoint support"); ``None`` otherwise.
    """
    if not facts.sts_endpoints_aaaa_only:
        return None
    return StsReachability(
        NOT_CHECKED,
        endpoint,
        f"the VPC's STS interface endpoint {', '.join(facts.sts_endpoints_aaaa_only)} takes {endpoint}'s name with "
        "private DNS, but its private DNS publishes AAAA records only (DnsRecordIpType ipv6): the IPv4 rules judged "
        "here do not show that way, and a node without an IPv6 address finds no address for the name",
        f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {facts.sts_endpoints_aaaa_only[0]} --dns-options "
        "DnsRecordIpType=dualstack, so the name has A records too; or the live probe (probe=True) proves it"
        + _primary_only(facts),
        probe_settles=False,
    )


def _no_way_seen(
    facts: SubnetFacts, endpoint: str, *, regional: bool, dns_off: list[str], ignored: str
) -> StsReachability:
    """
    STS without a route to the internet or an STS interface endpoint that answers: not checked for a way the check
    cannot judge (:func:`_unseen_ways`) or, with the VPC's DNS support off, for the endpoint DNS servers of a custom
    DHCP option set may name; else a FAIL.
    """
    endpoints = _endpoints_detail(endpoint, regional, dns_off)
    unseen = _unseen_ways(facts, interface_endpoints=regional)
    if regional and facts.sts_endpoints_dns_off:
        unseen.append(_dns_off_endpoints(facts))
        endpoints = endpoints.replace("STS interface endpoint:", "STS interface endpoint with private DNS:", 1)
    if unseen:
        # An endpoint not visible here (another account's, another VPC's, one only a private hosted zone names) may let
        # the primary node in and not the others.
        hidden = regional and bool(facts.shared_by or facts.routes_to_other_networks or facts.sts_endpoints_dns_off)
        return StsReachability(
            NOT_CHECKED,
            endpoint,
            f"{'; '.join(unseen)}; {endpoints}{ignored}",
            _unseen_fix(facts, endpoint, hidden=hidden),
            probe_settles=not hidden and not _some_addresses(facts),
        )
    if DNS_SUPPORT in dns_off:  # the endpoint is there: DNS servers of a custom DHCP option set may name it
        return StsReachability(
            NOT_CHECKED,
            endpoint,
            f"subnet {facts.subnet_id} has no default route (0.0.0.0/0) out of the VPC{_nat_no_way_out(facts)}, and "
            f"{endpoints}; {_dns_doubt(facts, endpoint)}{ignored}",
            _fix(facts, regional, dns_off) + "; or the live probe (probe=True) proves it",
        )
    return StsReachability(
        FAIL,
        endpoint,
        f"subnet {facts.subnet_id} has no default route (0.0.0.0/0) out of the VPC{_nat_no_way_out(facts)}"
        + f" and no way to {endpoint} ({endpoints}): every AssumeRole of a role mapping, and so every mapped "
        "S3 request, fails" + ignored,
        _nat_fix(facts) + _fix(facts, regional, dns_off),
    )


def _override_unreadable(endpoint: str, setting: str, region: str) -> StsReachability | None:
    """
    A FAIL for an override over HTTP; not checked where which endpoint it names is not known
    (:func:`endpoint_doubt`); ``None`` otherwise.
    """
    doubt = endpoint_doubt(endpoint)
    regional = f"sts.{region}.{dns_suffix(region)}"
    scheme = insecure_scheme(endpoint)
    if scheme.lower() == "http" and not doubt.startswith(PADDED):
        return StsReachability(
            FAIL,
            endpoint,
            f"the cluster's STS endpoint setting names {endpoint!r}, over {scheme}: "
            f"{STS_HTTPS_ONLY}, so every AssumeRole of a role mapping, and so every mapped S3 request, fails",
            f"name https://{_authority(endpoint).split(':', 1)[0]}",
        )
    if not doubt:
        return None
    return StsReachability(
        NOT_CHECKED,
        endpoint,
        f"{setting}={endpoint!r} {doubt}: which STS endpoint the connector calls, so the route to it and the "
        "policy of the STS interface endpoint it may pass, is not checked",
        f"write the endpoint as {regional} (or https://{regional}), or the live probe (probe=True) proves the route",
    )


#: How :func:`endpoint_doubt` begins when the value has white space around it.
PADDED = "has white space around it"
#: An endpoint's host as the verifier reads one: DNS labels (RFC 1123), any case.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?")


def endpoint_doubt(endpoint: str) -> str:
    """
    Why the STS endpoint a setting's value names is not known (``""``: it is its host).

    Read as a host, ``https://`` host, either with ``:443`` (HTTPS's default port) or a final ``/``, in any case.
    AWS documents only ``https://sts.amazonaws.com`` as a value (Amazon EMR Release Guide, "Managing the default AWS
    Security Token Service endpoint"): whether EMRFS trims white space around it (Hadoop's ``getTrimmed``, or
    ``get``, which keeps it), and what the AWS SDK for Java makes of a path, another port or another scheme (``http``
    is refused by STS itself: :data:`~.cluster_config.STS_HTTPS_ONLY`), is not documented. The value given here is
    the one the connector reads: S3A's is trimmed before (:func:`_sts_setting`).
    """
    if endpoint != java_trim(endpoint) or endpoint != endpoint.strip():
        return f"{PADDED}, and whether the connector trims it is not documented"
    scheme, rest = endpoint.split("://", 1) if "://" in endpoint else ("", endpoint)
    if scheme and scheme.lower() not in ("https", "http"):
        return f"names the scheme {scheme!r}, and what the connector makes of it is not documented"
    authority, slash, path = rest.partition("/")
    if slash and path:
        return f"names the path /{path}, and what the connector makes of a path is not documented"
    host, colon, port = authority.partition(":")
    if colon and port != "443":
        return f"names the port {port!r}, and STS answers HTTPS on 443"
    if not _HOST.fullmatch(host):
        return "names no host name alone (only a host, https://HOST, :443 and a final / are read)"
    return ""


def _not_decided_by_the_route(
    endpoint: str, facts: SubnetFacts, *, overridden: bool, regional: bool, ignored: str
) -> StsReachability | None:
    """The answer when the subnet's route does not decide it (an override not judged, the global endpoint outside ``aws``)."""
    if regional:
        return None
    unjudged = _override_not_judged(endpoint, facts) if overridden else None
    if unjudged:
        return unjudged
    if not in_aws_partition(facts.region):
        return _global_endpoint_of_another_partition(facts.region, endpoint, overridden=overridden, ignored=ignored)
    return None


def _global_endpoint_of_another_partition(
    region: str, endpoint: str, *, overridden: bool, ignored: str
) -> StsReachability:
    """
    STS's global endpoint for a cluster outside the ``aws`` partition (:func:`in_aws_partition`).

    Named by ``fs.s3.sts.endpoint``: a FAIL, whatever the route (the cluster's credentials are not of that
    partition). The default of releases before 5.31.0 and 6.1.0: not checked, since the Release Guide names only
    the ``aws`` partition's global endpoint and what EMRFS calls instead in this Region is not documented.
    """
    regional = regional_sts_endpoint(region)
    if overridden:
        return StsReachability(
            FAIL,
            endpoint,
            f"{STS_ENDPOINT_PROPERTY} names STS's global endpoint, which is in US East (N. Virginia) of the aws "
            f"partition: credentials of {region}'s partition do not work there, so every AssumeRole of a role "
            "mapping, and so every mapped S3 request, fails",
            f"name the Regional endpoint {regional}",
        )
    return StsReachability(
        NOT_CHECKED,
        endpoint,
        "releases before 5.31.0 and 6.1.0 call STS's global endpoint (Amazon EMR Release Guide), which is in the aws "
        f"partition and takes no credentials of {region}'s; which endpoint EMRFS of this release calls in {region} "
        "is not documented" + ignored,
        f"the live probe (probe=True) proves it; or use release 5.31.0, 6.1.0 or later, which calls {regional}",
    )


def _override_not_judged(endpoint: str, facts: SubnetFacts) -> StsReachability | None:
    """
    Not checked: an override naming neither the Regional nor the global STS endpoint; ``None`` for the global one.

    An interface endpoint's own DNS name (``vpce-…``) resolves to that endpoint with private DNS on or off,
    in whichever VPC it is. Another host (a FIPS or dual-stack STS endpoint, a proxy) may be reached through the
    internet, an interface endpoint of its own or another network: nothing the subnet's facts show.
    """
    if is_interface_endpoint_name(endpoint):
        return StsReachability(
            NOT_CHECKED,
            endpoint,
            f"{STS_ENDPOINT_PROPERTY} names an interface endpoint's own DNS name, which resolves to that endpoint "
            "with private DNS on or off; whether it is one this subnet reaches is not checked",
            "the live probe (probe=True) proves it; or check that the endpoint is in the cluster's VPC",
        )
    if _authority(endpoint) in (GLOBAL_STS_HOST, GLOBAL_STS_HOST + ":443"):
        return None
    regional = f"sts.{facts.region}.{dns_suffix(facts.region)}"
    return StsReachability(
        NOT_CHECKED,
        endpoint,
        f"{STS_ENDPOINT_PROPERTY} names {_authority(endpoint)!r}, neither STS's Regional endpoint ({regional}) nor "
        f"its global one: whether subnet {facts.subnet_id} reaches it is not checked",
        f"the live probe (probe=True) proves it; or name the Regional endpoint https://{regional}",
    )


def _unseen_ways(facts: SubnetFacts, *, interface_endpoints: bool) -> list[str]:
    """
    The ways out of a subnet with no seen way to the endpoint that the check cannot judge (:class:`SubnetFacts`): a
    default route past the VPC (egress not seen), an internet gateway route without ``MapPublicIpOnLaunch``, and,
    when an interface endpoint could serve the request (``interface_endpoints``), a subnet shared by another account.
    """
    unseen = []
    if facts.route_table_unseen:
        unseen.append(
            f"no route table of subnet {facts.subnet_id} is visible to the caller (every subnet has one): its routes "
            "are not seen"
        )
    if facts.prefix_lists_unread:
        unseen.append(_prefix_lists_unread(facts))
    if facts.public_routes:
        unseen.append(
            f"subnet {facts.subnet_id} routes public addresses ({', '.join(facts.public_routes)}): whether the "
            "endpoint's addresses are among them is not checked"
        )
    if facts.other_default_route:
        unseen.append(
            f"egress not seen: subnet {facts.subnet_id} sends 0.0.0.0/0 to {facts.other_default_route}, whose way on "
            "(e.g. a central egress VPC's NAT) is not checked"
        )
    if facts.public_ip_unknown:
        unseen.append(
            f"subnet {facts.subnet_id} sends 0.0.0.0/0 to an internet gateway but does not give instances public IPv4 "
            "addresses on launch (MapPublicIpOnLaunch false): whether EMR gives the cluster's instances public "
            'addresses anyway is not documented (Amazon EMR Management Guide, "Amazon VPC options")'
        )
    if facts.shared_by and interface_endpoints:
        unseen.append(
            f"subnet {facts.subnet_id} is shared by account {facts.shared_by} (AWS RAM): that account's interface "
            "endpoints serve the cluster but are not visible to this one"
        )
    if facts.routes_to_other_networks and interface_endpoints:
        # AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized access to
        # VPC private endpoints": spokes reach a hub VPC's interface endpoints over a transit gateway, the service's
        # name resolved to them through a Route 53 private hosted zone associated with the spoke VPC.
        unseen.append(
            f"subnet {facts.subnet_id} routes {', '.join(facts.routes_to_other_networks)}: an endpoint in another VPC "
            "is not seen (a hub VPC's interface endpoint, reached that way and named through a Route 53 private "
            "hosted zone, may serve the cluster)"
        )
    return unseen


def _unseen_fix(facts: SubnetFacts, endpoint: str, *, hidden: bool = False) -> str:
    """
    The fix of a link :func:`_unseen_ways` leaves not checked: the prefix lists' own remedy first, if any are unread;
    the probe, unless an endpoint not visible here (``hidden``) may serve the cluster: its security groups may let the
    primary node in, where the probe runs, and not the others.
    """
    check = f"check that the way out reaches {endpoint}"
    if hidden:
        check += ", and that an endpoint on it lets every node of the cluster in" + _primary_only(facts)
    if facts.prefix_lists_unread:
        return f"{prefix_lists_fix(facts.prefix_lists_unread)}; or {check}"
    if _some_addresses(facts):
        return f"{check} ({SOME_ADDRESSES})"
    return check if hidden else f"the live probe (probe=True) proves it; or {check}"


def _some_addresses(facts: SubnetFacts) -> bool:
    """
    Whether a doubt :func:`_unseen_ways` names is about a narrower route taking some of the endpoint's addresses (a
    route to public ranges, a prefix list whose entries were not read): a passing probe does not settle it
    (:data:`SOME_ADDRESSES`). A default route past the VPC, or an internet gateway route without public IP addresses, is
    the one way every address takes, the probe's request too: a passing probe settles that; so do routes to public
    ranges that send every address one way (``public_routes_one_way``: one target, the default route's, or halves of
    ``0.0.0.0/0`` to one NAT gateway without one).
    """
    return bool(facts.prefix_lists_unread or (facts.public_routes and not facts.public_routes_one_way))


def _primary_only(facts: SubnetFacts, plural: str = "") -> str:
    """
    Why a passing probe does not settle a doubt about an endpoint's security groups: it runs on the primary node only.
    Said only where the cluster may have core or task nodes (:func:`_probe_runs_on_every_node`).
    """
    if _probe_runs_on_every_node(facts):
        return ""
    return (
        " (the live probe runs on the primary node only: it does not show the core and task nodes' way through the "
        f"endpoint{plural}'s security groups)"
    )


def _probe_runs_on_every_node(facts: SubnetFacts) -> bool:
    """
    Whether the cluster has no core or task nodes (``NodeGroups.core_and_task_nodes`` False; not known: ``None``): its
    one node, the primary node, sends every EMRFS request and runs the live probe ("If the value is 1, the same
    instance serves as both the master and core and task node", EMR API Reference, "JobFlowInstancesDetail").
    """
    return isinstance(facts.instance_groups, NodeGroups) and facts.instance_groups.core_and_task_nodes is False


def _probe_settles_endpoint_groups(facts: SubnetFacts) -> bool:
    """
    Whether a passing probe settles a doubt about the STS interface endpoint's security groups: one set serves all its
    network interfaces (Amazon EC2 API Reference, "CreateVpcEndpoint", ``SecurityGroupIds``: "the security groups to
    associate with the endpoint network interfaces"), so the probe, let in from the cluster's only node, shows every
    request let in; unless the network ACLs or outbound rules on that way leave a doubt the probe does not settle.
    """
    if not _probe_runs_on_every_node(facts):
        return False
    if facts.packet_filters is None:
        return True
    verdict = judge_ways((STS_ENDPOINT,), facts.packet_filters, facts.instance_groups)
    return verdict.status in (PASS, WARN) or verdict.probe_settles


#: The VPC's DHCP options id when it has no DHCP option set (Amazon EC2 API Reference, "AssociateDhcpOptions": "or
#: default to associate no DHCP options with the VPC").
NO_DHCP_OPTIONS = "default"


def resolver_doubt(facts: SubnetFacts) -> str:
    """
    Why the nodes may not ask the VPC's Amazon DNS server, so never see an interface endpoint's private DNS (``""``:
    they do, as far as the VPC's DHCP options show).

    An interface endpoint's private DNS is a private hosted zone associated with the VPC (Amazon EC2 API Reference,
    "CreateVpcEndpoint", ``PrivateDnsEnabled``: "Indicates whether to associate a private hosted zone with the
    specified VPC"), and only the VPC's DNS server answers from a private hosted zone (AWS Knowledge Center,
    "vpc-enable-private-hosted-zone": queries for a private hosted zone are resolved only by the Amazon-provided VPC DNS
    server). The instances use the DNS servers of the VPC's DHCP option set (Amazon EC2 API Reference,
    "CreateDhcpOptions": ``domain-name-servers``, "The IP addresses of up to four DNS servers, or AmazonProvidedDNS";
    "all existing and newly launched instances in the VPC use this set of DHCP options"), in the order listed: a
    server other than the Amazon DNS server (``dns_servers``, the hook's ``_is_amazon_dns``) may forward to it, or
    answer STS's Regional name with its public addresses. Without a DHCP option set (``default``), Nitro instances get
    the Amazon DNS server and Xen ones none (Amazon VPC User Guide, "DHCP option set concepts",
    https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSetConcepts.html: "For EC2 instances built on Xen, no
    domain name servers will be configured"), and which the cluster's instances are is not read here.
    """
    named = f" {facts.dhcp_options_id}" if facts.dhcp_options_id else ""
    if facts.dns_servers:
        return (
            f"the VPC's DHCP option set{named} names DNS servers other than the VPC's Amazon DNS server "
            f"({', '.join(facts.dns_servers)}): the nodes ask them in that order, and only the VPC's Amazon DNS server "
            "answers from the endpoint's private DNS (a private hosted zone); whether they forward to it is not checked"
        )
    if facts.dhcp_options_id == NO_DHCP_OPTIONS:
        return (
            "the VPC has no DHCP option set (DhcpOptionsId default): Nitro instances then get the VPC's Amazon DNS "
            "server (169.254.169.253), Xen-based ones no DNS server at all, so no name resolves on them (Amazon VPC "
            'User Guide, "DHCP option set concepts"); which the cluster\'s instance types are is not checked'
        )
    if facts.dhcp_unread:
        owner = (
            f" (the set is account {facts.shared_by}'s, which shares the subnet: participants cannot view the VPC "
            'owner\'s resources, Amazon VPC User Guide, "Share your VPC subnets with other accounts")'
            if facts.shared_by
            else ""
        )
        return (
            "the VPC's DHCP options, whose DNS servers the nodes ask (the endpoint's private DNS answers only through "
            f"the VPC's Amazon DNS server), were not read: {facts.dhcp_unread}{owner}"
        )
    return ""


def _resolver_fix(facts: SubnetFacts, endpoint: str) -> str:
    """
    How to settle :func:`resolver_doubt`: by the reason the nodes may not ask the VPC's Amazon DNS server. The live
    probe is offered by the caller, only where a passing one settles the link (:data:`PROBE_PROVES`).

    Without a DHCP option set, the fix is an option set naming the Amazon DNS server only: which instances are Nitro
    or Xen is not read, so moving to Nitro types would not clear the link.
    """
    if facts.dns_servers:
        return (
            f"have the DNS servers of DHCP option set {facts.dhcp_options_id or 'DOPT_ID'} forward "
            f"{_authority(endpoint)} to the VPC's Amazon DNS server (e.g. through a Route 53 Resolver inbound "
            "endpoint), or associate an option set whose only domain-name-servers is AmazonProvidedDNS"
        )
    if facts.dhcp_options_id == NO_DHCP_OPTIONS:
        return "associate a DHCP option set whose only domain-name-servers is AmazonProvidedDNS with the VPC"
    if facts.shared_by:  # the owner's option set: allowing a read the participant is not answered helps nothing
        return (
            f"check in account {facts.shared_by} that the VPC's DHCP option set names only AmazonProvidedDNS as "
            "domain-name-servers"
        )
    if "was denied" in facts.dhcp_unread:
        action = "ec2:DescribeDhcpOptions" if "DescribeDhcpOptions" in facts.dhcp_unread else "ec2:DescribeVpcs"
        return f"allow {action} to check it"
    return "verify again once the read answers"


#: The live probe, offered in a fix only where a passing one settles the link (``probe_settles``).
PROBE_PROVES = "the live probe (probe=True) proves it"


def _public_answer(facts: SubnetFacts, endpoint: str) -> StsReachability | None:
    """
    The way STS's public addresses take, should DNS servers other than the VPC's Amazon DNS server answer its Regional
    name with them: the route to the internet, its network ACLs and security groups judged
    (:func:`_through_the_filters`). The most specific route decides for each address (Amazon VPC User Guide, "How
    route priority works"), so a narrower route elsewhere leaves it not checked, which a passing probe, reaching one
    address, does not settle. ``None`` when no such answer leads anywhere (no route to the internet), or none is given
    (no DHCP option set: a node gets the Amazon DNS server or none at all).
    """
    if facts.dhcp_options_id == NO_DHCP_OPTIONS or not facts.internet:
        return None
    return _through_the_filters(_through_the_internet(facts, endpoint, interface_endpoints=True, sts=True), facts)


def _past_the_resolver(facts: SubnetFacts, result: StsReachability) -> StsReachability:
    """
    A PASS (or WARN) through the STS interface endpoint's private DNS is not checked while the nodes may not ask the
    VPC's Amazon DNS server (:func:`resolver_doubt`). A passing probe settles it (unless the result itself was one it
    does not settle): the DHCP options serve every instance of the VPC, the probe's step and the job alike; not so
    without an option set, where a Xen core or task node may lack the DNS server the primary node has, nor where a
    public answer's way (:func:`_public_answer`) is one a passing probe does not settle.

    A FAIL there (the endpoint lets the cluster in nowhere, say) is not checked either when DNS servers other than the
    Amazon one may be asked (or were not read) and a route to the internet is there: they may resolve the name to
    STS's public addresses, which that way may reach; the probe settles it as it settles that way. Without one, or
    with that way refused too, the FAIL stands: neither way leads to STS.
    """
    doubt = resolver_doubt(facts)
    if not doubt or result.status not in (PASS, WARN, FAIL):
        return result
    public = _public_answer(facts, result.endpoint)
    if result.status == FAIL and (public is None or public.status == FAIL):
        return result
    unsettled = public is not None and public.status != FAIL and (not public.probe_settles or _some_addresses(facts))
    settles = (
        (result.status == FAIL or result.probe_settles)
        and (facts.dhcp_options_id != NO_DHCP_OPTIONS or _probe_runs_on_every_node(facts))
        and not unsettled
    )
    public_doubt = public if public is not None and public.status == NOT_CHECKED else None
    detail = f"{result.detail}, but {doubt}" + (
        f"; should they answer STS's public addresses: {public_doubt.detail}" if public_doubt else ""
    )
    fixes = (
        result.fix if result.status in (WARN, FAIL) else "",
        _resolver_fix(facts, result.endpoint),
        public_doubt.fix if public_doubt else "",
    )
    fix = "; and ".join(part for part in fixes if part) + (f"; or {PROBE_PROVES}" if settles else "")
    return StsReachability(NOT_CHECKED, result.endpoint, detail, fix, probe_settles=settles, ways=result.ways)


def _past_the_routes_to_the_endpoint(facts: SubnetFacts, result: StsReachability) -> StsReachability:
    """
    A PASS (or WARN) through the STS interface endpoint is not checked while a route of the subnet's table other than
    the local route may decide the way to the endpoint's subnets (``routes_to_endpoint_subnets``): a middlebox route
    more specific than the local route, or the local route's target replaced (Amazon VPC User Guide, "Subnet route
    tables"); the most specific route decides (Amazon EC2 API Reference, "CreateRoute"). A WARN's own fix is kept, and
    the probe is offered only where a passing one settles the link (not a WARN's core or task nodes added later).
    """
    if result.status not in (PASS, WARN) or not facts.routes_to_endpoint_subnets:
        return result
    fix = "check that the appliance forwards TCP 443 to the endpoint and back"
    if result.status == WARN:
        fix = f"{result.fix}; and {fix}"
    return StsReachability(
        NOT_CHECKED,
        result.endpoint,
        f"{result.detail}, but subnet {facts.subnet_id} routes {', '.join(facts.routes_to_endpoint_subnets)}, over the "
        "endpoint's subnets: an appliance or route on the way to the endpoint's subnet is not seen",
        f"{PROBE_PROVES}; or {fix}" if result.probe_settles else fix,
        probe_settles=result.probe_settles,
        ways=result.ways,
    )


def _through_sts_interface_endpoint(facts: SubnetFacts, endpoint: str) -> StsReachability:
    """
    Through the VPC's STS interface endpoint once its VPC DNS attributes were read as on; else not checked, unless a
    route to the internet takes the request should the name not resolve to the endpoint and the endpoint lets the
    cluster in (either way it arrives).
    """
    if not facts.dns_attributes_read:
        # DNS support read as on (hostnames not read): the name resolves, to the endpoint or to the public endpoint.
        either = (
            facts.dns_support is True
            and not _through_the_internet(facts, endpoint, interface_endpoints=True, sts=True).fix
        )
        # Should it resolve to the endpoint, a probe from the primary node shows nothing of the other nodes' way in.
        # A WARN (core or task nodes added later) lets in the cluster as it is: carried through.
        groups = _endpoint_security_groups(facts, endpoint)
        groups_pass = groups.status in (PASS, WARN)
        if facts.internet and either and groups_pass:
            return _core_and_task_nodes_added_later(
                facts,
                StsReachability(
                    PASS,
                    endpoint,
                    f"subnet {facts.subnet_id} reaches {endpoint} through the VPC's STS interface endpoint, whose "
                    "security groups let it in, or, should its private DNS be off, through "
                    + ("a NAT gateway" if facts.nat_route else "an internet gateway and public IP addresses"),
                    ways=(STS_ENDPOINT, _internet_way(facts)),
                ),
            )
        return StsReachability(
            NOT_CHECKED,
            endpoint,
            f"the VPC of subnet {facts.subnet_id} has an STS interface endpoint with private DNS, which works only "
            f"while the VPC's {DNS_SUPPORT} and {DNS_HOSTNAMES} are both true; they were not read"
            + (f": {facts.dns_unread}" if facts.dns_unread else "")
            + (f"; should it resolve to the endpoint, {groups.detail}" if groups.status == WARN else ""),
            f"allow ec2:DescribeVpcAttribute on {facts.vpc_id or 'the VPC'} to check it"
            + (f"; {groups.fix}" if groups.status == WARN else "" if groups_pass else _primary_only(facts)),
            probe_settles=groups_pass or (groups.status == NOT_CHECKED and groups.probe_settles),
        )
    return _endpoint_security_groups(facts, endpoint)


def _endpoint_security_groups(facts: SubnetFacts, endpoint: str) -> StsReachability:
    """PASS when the endpoint's security groups let the cluster in on HTTPS; FAIL when nothing can; else not checked."""
    groups = ", ".join(facts.endpoint_groups) or "none listed"
    if facts.endpoint_ingress is None:
        return StsReachability(
            NOT_CHECKED,
            endpoint,
            f"the inbound rules of the VPC's STS interface endpoint's security groups ({groups}) were not read"
            + (f": {facts.ingress_unread}" if facts.ingress_unread else ""),
            "allow ec2:DescribeSecurityGroups to check them" + _primary_only(facts),
            probe_settles=_probe_settles_endpoint_groups(facts),
        )
    access, why = https_access(facts.endpoint_ingress, facts.subnet_cidr, facts.instance_groups)
    via = f"the VPC's STS interface endpoint (security groups {groups}: {why})"
    if access == ALLOWED:
        return _core_and_task_nodes_added_later(
            facts,
            StsReachability(
                PASS, endpoint, f"subnet {facts.subnet_id} reaches {endpoint} through {via}", ways=(STS_ENDPOINT,)
            ),
        )
    if access == BLOCKED:
        return StsReachability(
            FAIL,
            endpoint,
            f"{endpoint} resolves to {via}: every AssumeRole of a role mapping, and so every mapped S3 request, fails"
            + (
                " (the subnet's route to the internet does not help: the name resolves to the endpoint)"
                if facts.internet
                else ""
            ),
            f"aws ec2 authorize-security-group-ingress --group-id {facts.endpoint_groups[0] if facts.endpoint_groups else 'SG_ID'} "
            f"--protocol tcp --port 443 --cidr {facts.subnet_cidr or 'SUBNET_CIDR'}",
        )
    return StsReachability(
        NOT_CHECKED,
        endpoint,
        f"{endpoint} resolves to {via}",
        "allow TCP 443 from the subnet's CIDR or the cluster's security groups" + _primary_only(facts),
        probe_settles=_probe_settles_endpoint_groups(facts),
    )


def _core_and_task_nodes_added_later(facts: SubnetFacts, result: StsReachability) -> StsReachability:
    """
    A cluster without core or task nodes (:class:`~.security_groups.NodeGroups`) let in by the endpoint's rules: a
    WARN if those rules would not let in core or task nodes added later (a resize, managed scaling).
    """
    groups = facts.instance_groups
    if not isinstance(groups, NodeGroups) or groups.core_and_task_nodes is not False or facts.endpoint_ingress is None:
        return result
    access, why = https_access(facts.endpoint_ingress, facts.subnet_cidr, replace(groups, core_and_task_nodes=True))
    if access == ALLOWED:
        return result
    return replace(
        result,
        status=WARN,
        detail=f"{result.detail}; but core or task nodes added later (a resize, managed scaling) may not be let in: "
        f"{why} (the cluster has no core or task nodes now, so every EMRFS request is sent from the primary node)",
        fix="allow TCP 443 from the subnet's CIDR or the core and task nodes' security groups "
        f"({', '.join(groups.core_and_task) or 'not known'}) on the endpoint's security groups",
        probe_settles=False,
    )


def _fix(facts: SubnetFacts, regional: bool, dns_off: list[str]) -> str:
    """How to give a subnet with no way to STS one: the VPC DNS attributes that are off, else an endpoint or NAT."""
    if dns_off:  # one attribute a request, DNS support first (Amazon EC2 API Reference, "ModifyVpcAttribute")
        return "; ".join(
            f"aws ec2 modify-vpc-attribute --vpc-id {facts.vpc_id or 'VPC_ID'} --{_kebab(name)} '{{\"Value\":true}}'"
            for name in dns_off
        )
    if regional:
        service = " or ".join(sts_endpoint_services(facts.region))
        return (
            f"add an interface VPC endpoint {service} with private DNS to the VPC, "
            f"or a NAT gateway route to subnet {facts.subnet_id}"
        )
    return (
        f"the global endpoint has no VPC endpoint: add a NAT gateway route to subnet {facts.subnet_id}, or use "
        f"a release that calls the Regional endpoint (5.31.0, 6.1.0 or later) with an STS interface endpoint"
    )


def _endpoints_detail(endpoint: str, regional: bool, dns_off: list[str]) -> str:
    """What the VPC offers on the way to ``endpoint``: its STS interface endpoint's DNS off, none, or none can."""
    if not dns_off:
        return f"STS interface endpoint: {NOT_IN_THIS_VPC}" if regional else "the global endpoint has none"
    return (
        f"the VPC's STS interface endpoint does not answer for {endpoint}: its private DNS needs {DNS_SUPPORT} "
        f"and {DNS_HOSTNAMES} true, and {' and '.join(dns_off)} {'are' if len(dns_off) > 1 else 'is'} off, so "
        "the name does not resolve to it"
        + (
            " (through the Amazon-provided DNS server, which then answers for the public endpoint)"
            if DNS_SUPPORT not in dns_off
            else ""
        )
    )


def _kebab(attribute: str) -> str:
    """``enableDnsSupport`` -> ``enable-dns-support`` (the AWS CLI's option name)."""
    return "".join(f"-{char.lower()}" if char.isupper() else char for char in attribute)


def is_interface_endpoint_name(endpoint: str) -> bool:
    """
    Whether ``endpoint`` is an interface endpoint's own DNS name (``vpce-....sts.REGION.vpce.amazonaws.com``).

    Those names resolve to the endpoint's network interfaces whether private DNS is on or not (AWS PrivateLink
    Guide, "Access an AWS service using an interface VPC endpoint", "DNS hostnames").
    """
    host = _authority(endpoint).split(":", 1)[0]
    return host.startswith("vpce-") and ".vpce." in host


def named_endpoint_id(endpoint: str) -> str:
    """The first label of an interface endpoint's own DNS name: ``vpce-ID-SUFFIX`` (``vpce-ID-SUFFIX-AZ`` for a zone's)."""
    return _authority(endpoint).split(".", 1)[0]


def _authority(endpoint: str) -> str:
    """
    The host (and port, if written) an endpoint URL or bare host name names, in lower case.

    ``https://STS.eu-west-1.amazonaws.com/`` is ``sts.eu-west-1.amazonaws.com``: DNS names are
    case-insensitive (RFC 4343); ``:443``, HTTPS's default port, names the same endpoint.
    """
    return java_trim(endpoint).split("://", 1)[-1].split("/", 1)[0].lower()
