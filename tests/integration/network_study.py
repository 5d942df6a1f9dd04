"""
The verifier's network links against the stand-in's network judge, on random VPC layouts.

The differential study (``differential.py``) builds no VPC: its clusters run in no subnet, so the verifier's route
and endpoint links are never compared with an independent judge there. This study does. :func:`generate` draws a
layout from a seed: the subnet's own route table or the VPC's main one; a default route to an internet gateway, a
public or private NAT gateway, a transit gateway, a peering connection, nothing, or the same split in
``0.0.0.0/1`` + ``128.0.0.0/1``; sometimes a route to a customer-managed prefix list of public, private or no
ranges to a transit gateway, of ``0.0.0.0/0`` to a public NAT gateway or of public ranges to a private one, or a
DynamoDB or S3 Express One Zone gateway endpoint, beside it; ``MapPublicIpOnLaunch``; an S3 gateway endpoint on the subnet's table, on another
table or none; S3 and STS interface endpoints with or without private DNS, their security groups open to the
subnet on HTTPS (from the VPC's range, from the cluster's EMR-managed groups or from the primary node's alone) or
not; the VPC's DNS attributes; endpoint policies allowing everything, or refusing the bucket, the
role or another account's resources; the bucket in the cluster's Region or another; a release before or after
Regional STS (5.31.0, 6.1.0), sometimes ``fs.s3.sts.endpoint``; where a public NAT gateway's own subnet sends its
traffic (an internet gateway, nothing, a transit gateway: Amazon VPC User Guide, "NAT gateways", "You route traffic
from the NAT gateway to the internet gateway for the VPC"); and sometimes a route of private ranges to a transit
gateway, the way to a hub VPC's endpoints (AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network
Infrastructure", "Centralized access to VPC private endpoints"). And the packet filters on the way: the network ACL
of the cluster's subnet, of the NAT gateways' subnets and of the STS interface endpoint's subnet outside the cluster's
(:data:`ACL_ENTRIES`: the VPC's default one, a deny of HTTPS at a low rule, one of a narrower range, no inbound rule for
the answer or one for part of the ephemeral ports; Amazon EC2 API Reference, "CreateNetworkAclEntry"; Amazon VPC User
Guide, "Network ACLs", "Ephemeral ports"); the STS interface endpoint's network interfaces in the cluster's subnet,
another or both; and the egress rules of the cluster's EMR-managed security groups (:data:`EGRESS`: all traffic, the
default; none; HTTPS to a narrower range, to S3's prefix list or anywhere), the core and task nodes' the same or left
open.

:func:`judge` builds the partner as the differential study does (no breakage: the IAM, KMS and bucket side is
sound), launches the cluster in the layout's subnet, runs ``verify_chain`` (no probe) and reads its links
``cluster reaches STS`` and ``cluster reaches s3://BUCKET`` and its verdict; then asks the stand-in's judge
(``devstack/aws_network.py``: moto's EC2 and EMR models read from AWS's documented rules, not the provider's code)
whether STS and S3 are reached from the cluster's primary node, and, when both are, writes as the probe does (``put_like_emrfs``) through the endpoints on
the way (their policies judged by ``devstack/aws_judge.py``).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devstack.aws_network import CANNOT_TELL, endpoints_on_the_way, s3_unreachable, sts_unreachable
from devstack.moto_stack import EMR_ACCOUNT, REGION
from tests.integration.differential import WRITER_GROUPS, WRITER_USER, Case, Cluster, _client, build
from tests.integration.test_network_facts import associate_acl

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.verify import Readers

OTHER_REGION = "eu-west-1"
#: Where the subnet's table sends public addresses.
DEFAULT_ROUTES = (
    "internet-gateway",
    "nat-gateway",
    "private-nat-gateway",
    "none",
    "split-internet-gateway",
    "split-nat-gateway",
    "transit-gateway",
    "peering",
)
#: Releases before and after Regional STS (Amazon EMR Release Guide, "Managing the default AWS Security Token
#: Service endpoint").
RELEASES = ("emr-5.30.0", "emr-6.0.0", "emr-5.31.0", "emr-6.1.0", "emr-6.15.0", "emr-7.5.0")
ENDPOINT_STATES = ("none", "private-dns", "no-private-dns")
GATEWAY_STATES = ("none", "on-table", "off-table")
POLICIES = ("none", "allow-all", "deny-bucket", "deny-role", "own-account-only")
#: A route to a customer-managed prefix list beside the default route: none; public or private ranges to a transit
#: gateway (a prefix list's entries are routed as CIDR routes: Amazon VPC User Guide, "How route priority works");
#: ``0.0.0.0/0`` to a public NAT gateway (the default route where no static one is); public ranges to a private NAT
#: gateway (no way to the internet: "NAT gateways"); an empty list to a transit gateway (it routes nothing: a customer
#: list may hold no entry, "CreateManagedPrefixList"). Or a DynamoDB or an S3 Express One Zone gateway endpoint on the
#: table, whose route to its service's AWS-managed list carries only that service's traffic (the S3 Express one is
#: not S3's gateway endpoint).
PREFIX_LIST_ROUTES = (
    "none",
    "none",
    "none",
    "none",
    "public-transit-gateway",
    "private-transit-gateway",
    "default-nat-gateway",
    "public-private-nat-gateway",
    "dynamodb-gateway",
    "s3express-gateway",
    "empty-transit-gateway",
)
#: The prefix lists' entries: public ranges (the kind AWS endpoints' addresses are in), a private one, everything.
PREFIX_LIST_ENTRIES = {
    "public": ("52.94.0.0/16", "3.5.0.0/19"),
    "private": ("172.16.0.0/12",),
    "default": ("0.0.0.0/0",),
    "empty": (),
}
#: Where a public NAT gateway's own subnet sends ``0.0.0.0/0``: the internet gateway (most often, as real set-ups do),
#: nowhere (no route out), or a transit gateway (its way on not seen).
NAT_SUBNETS = ("internet", "internet", "internet", "no-route", "transit-gateway")
#: Network ACLs by kind, their entries (rule number, egress, action, protocol, ports, IPv4 CIDR); "default" is the VPC's
#: default ACL, which allows all traffic both ways (Amazon VPC User Guide, "Network ACLs", "Default network ACL"). The
#: ``*`` rule denies what no entry matches; the Amazon Linux kernel's ephemeral ports are 32768-61000, a NAT gateway's
#: 1024-65535 ("Ephemeral ports"): 32768-45000 lets some answers in, not all.
ANYWHERE = "0.0.0.0/0"
_ALL_OUT, _ALL_IN = (100, True, "allow", "-1", None, ANYWHERE), (100, False, "allow", "-1", None, ANYWHERE)
ACL_ENTRIES: dict[str, tuple[tuple[int, bool, str, str, tuple[int, int] | None, str], ...]] = {
    "deny-https-out": ((10, True, "deny", "6", (443, 443), ANYWHERE), _ALL_OUT, _ALL_IN),
    "deny-narrow": ((10, True, "deny", "6", (443, 443), "52.0.0.0/8"), _ALL_OUT, _ALL_IN),
    "no-return": (_ALL_OUT, (100, False, "allow", "6", (443, 443), ANYWHERE)),
    "partial-return": (
        _ALL_OUT,
        (90, False, "allow", "6", (443, 443), ANYWHERE),
        (100, False, "allow", "6", (32768, 45000), ANYWHERE),
    ),
    "deny-https-in": ((10, False, "deny", "6", (443, 443), ANYWHERE), _ALL_OUT, _ALL_IN),
    "no-return-out": (_ALL_IN, (100, True, "allow", "6", (443, 443), ANYWHERE)),
    "partial-return-out": (_ALL_IN, (100, True, "allow", "6", (32768, 45000), ANYWHERE)),
}
#: The ACL of the cluster's subnet, of a NAT gateway's subnet (HTTPS in from the cluster's, out to the internet, the
#: answer back in), of the STS interface endpoint's subnet (HTTPS in, the answer out): the default half the time.
CLUSTER_ACLS = (
    "default",
    "default",
    "default",
    "default",
    "deny-https-out",
    "deny-narrow",
    "no-return",
    "partial-return",
)
NAT_ACLS = ("default", "default", "default", "deny-https-out", "no-return", "partial-return")
ENDPOINT_ACLS = ("default", "default", "default", "deny-https-in", "no-return-out", "partial-return-out")
#: Where the STS interface endpoint's network interfaces are: the cluster's subnet, another, both.
STS_SUBNETS = ("own", "own", "other", "both")
#: The egress rules of the cluster's EMR-managed groups: EMR's all traffic to 0.0.0.0/0 (Amazon EMR Management Guide,
#: "Working with Amazon EMR-managed security groups"); none; TCP 443 to a narrower public range, to S3's prefix list, or
#: anywhere. moto's EMR adds the all-traffic rule at the launch: the others replace it after.
EGRESS = ("default", "default", "default", "none", "narrow", "s3-prefix-list", "https-anywhere")
#: The source of the open endpoints' inbound HTTPS rule: the VPC's range; the cluster's EMR-managed groups, the primary
#: node's and the core and task nodes' (a rule whose source is a security group lets in the resources associated with
#: it: Amazon VPC User Guide, "Security group rules", "Security group referencing"); the primary node's group alone.
ENDPOINT_SOURCES = ("range", "range", "groups", "primary-group")


@dataclass
class Layout:
    """One drawn network layout of a case."""

    number: int
    own_table: bool
    default_route: str
    public_ip: bool
    dns: tuple[bool, bool]
    s3_gateway: str
    s3_gateway_policy: str
    s3_interface: str
    s3_interface_policy: str
    sts_interface: str
    sts_interface_policy: str
    endpoints_open: bool
    bucket_region: str
    release: str
    sts_override: str | None
    prefix_list: str = "none"
    nat_subnet: str = "internet"
    hub_route: bool = False
    cluster_acl: str = "default"
    nat_acl: str = "default"
    sts_subnets: str = "own"
    endpoint_acl: str = "default"
    egress: str = "default"
    #: The core and task nodes' group gets the primary node's egress rules (else EMR's all traffic).
    core_egress_same: bool = True
    #: The open endpoints' inbound rule's source (:data:`ENDPOINT_SOURCES`).
    endpoint_source: str = "range"

    def line(self) -> str:
        return (
            f"{'own' if self.own_table else 'main'} table, 0/0 {self.default_route}, public ip {self.public_ip}, dns "
            f"{self.dns}, s3 gw {self.s3_gateway}/{self.s3_gateway_policy}, s3 if {self.s3_interface}/"
            f"{self.s3_interface_policy}, sts if {self.sts_interface}/{self.sts_interface_policy}, endpoint sg "
            f"{'open' if self.endpoints_open else 'closed'}, bucket in {self.bucket_region}, {self.release}"
            + (f", fs.s3.sts.endpoint {self.sts_override}" if self.sts_override else "")
            + (f", prefix list {self.prefix_list}" if self.prefix_list != "none" else "")
            + (f", NAT subnet {self.nat_subnet}" if self.nat_subnet != "internet" else "")
            + (", 172.16.0.0/12 to a hub's transit gateway" if self.hub_route else "")
            + (f", cluster ACL {self.cluster_acl}" if self.cluster_acl != "default" else "")
            + (f", NAT subnet ACL {self.nat_acl}" if self.nat_acl != "default" else "")
            + (f", sts if subnets {self.sts_subnets}" if self.sts_subnets != "own" else "")
            + (f", endpoint sg from {self.endpoint_source}" if self.endpoint_source != "range" else "")
            + (f", endpoint subnet ACL {self.endpoint_acl}" if self.endpoint_acl != "default" else "")
            + (
                f", egress {self.egress}{'' if self.core_egress_same else ' (core open)'}"
                if self.egress != "default"
                else ""
            )
        )


def generate(number: int, seed: int) -> Layout:
    """Draw layout ``number``: each setting apart, so that every combination may come up."""
    rng = random.Random(seed * 1_000_003 + number)
    release = rng.choice(RELEASES)
    override = None
    if rng.random() < 0.15:
        override = rng.choice([f"https://sts.{REGION}.amazonaws.com", "https://sts.amazonaws.com"])
    return Layout(
        number=number,
        own_table=rng.random() < 0.5,
        # No way out three times as often: there the endpoints, their Regions and DNS decide alone.
        default_route=rng.choice((*DEFAULT_ROUTES, "none", "none")),
        public_ip=rng.random() < 0.5,
        dns=rng.choice([(True, True), (True, True), (True, False), (False, False)]),
        s3_gateway=rng.choice(GATEWAY_STATES),
        s3_gateway_policy=rng.choice(POLICIES),
        s3_interface=rng.choice(("none", *ENDPOINT_STATES)),  # none half the time: more layouts the judge decides
        s3_interface_policy=rng.choice(POLICIES),
        sts_interface=rng.choice(ENDPOINT_STATES),
        sts_interface_policy=rng.choice(POLICIES),
        endpoints_open=rng.random() < 0.75,
        bucket_region=REGION if rng.random() < 0.6 else OTHER_REGION,
        release=release,
        sts_override=override,
        prefix_list=rng.choice(PREFIX_LIST_ROUTES),  # drawn after the others: their settings stay as they were
        nat_subnet=rng.choice(NAT_SUBNETS),
        hub_route=rng.random() < 0.15,
        # The packet filters, drawn after the others: their settings stay as they were.
        cluster_acl=rng.choice(CLUSTER_ACLS),
        nat_acl=rng.choice(NAT_ACLS),
        sts_subnets=rng.choice(STS_SUBNETS),
        endpoint_acl=rng.choice(ENDPOINT_ACLS),
        egress=rng.choice(EGRESS),
        core_egress_same=rng.random() < 0.6,
        endpoint_source=rng.choice(ENDPOINT_SOURCES),  # drawn last: the other settings stay as they were
    )


def _policy(kind: str, case: Case, service: str) -> str | None:
    """An endpoint policy of ``kind`` (``none``: the default, full access) for the case's requests."""
    if kind == "none":
        return None
    everything = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    if kind == "allow-all":
        statements = [everything]
    elif kind == "deny-bucket":
        bucket = [f"arn:aws:s3:::{case.bucket}", f"arn:aws:s3:::{case.bucket}/*"]
        statements = [everything, {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": bucket}]
    elif kind == "deny-role":
        # The caller through this endpoint: the destination role for S3, the EMR EC2 role for STS's AssumeRole.
        caller = case.role_arn if service == "s3" else case.emr_role_arn
        deny = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": caller}},
        }
        statements = [everything, deny]
    else:  # a data perimeter: only resources of the EMR account (the partner's bucket and role are not)
        statements = [{**everything, "Condition": {"StringEquals": {"aws:ResourceAccount": EMR_ACCOUNT}}}]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass
class Network:
    """What :func:`build_network` made."""

    vpc: str
    subnet: str
    groups: list[str] = field(default_factory=list)


def build_network(url: str, layout: Layout, case: Case) -> Network:
    """Create the layout's VPC, subnet, routes and endpoints in the EMR account of moto."""
    ec2 = _client(url, EMR_ACCOUNT, "ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    support, hostnames = layout.dns
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": support})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": hostnames})
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": layout.public_ip})
    own_acl(ec2, vpc, subnet, layout.cluster_acl)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    table = main
    if layout.own_table:
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    _default_route(ec2, layout, vpc, table)
    _prefix_list_route(ec2, layout, vpc, table)
    if layout.hub_route:
        hub = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="172.16.0.0/12", TransitGatewayId=hub)
    if layout.s3_gateway != "none":
        elsewhere = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        extra = {"PolicyDocument": policy} if (policy := _policy(layout.s3_gateway_policy, case, "s3")) else {}
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.s3",
            VpcEndpointType="Gateway",
            RouteTableIds=[table if layout.s3_gateway == "on-table" else elsewhere],
            **extra,
        )
    group = ec2.create_security_group(GroupName=f"endpoints-{layout.number}", Description="endpoints", VpcId=vpc)
    if layout.endpoints_open and layout.endpoint_source == "range":
        ec2.authorize_security_group_ingress(
            GroupId=group["GroupId"],
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
            ],
        )
    for service, state, kind in (
        ("s3", layout.s3_interface, layout.s3_interface_policy),
        ("sts", layout.sts_interface, layout.sts_interface_policy),
    ):
        if state == "none":
            continue
        extra = {"PolicyDocument": policy} if (policy := _policy(kind, case, service)) else {}
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=_endpoint_subnets(ec2, layout, vpc, subnet) if service == "sts" else [subnet],
            SecurityGroupIds=[group["GroupId"]],
            PrivateDnsEnabled=state == "private-dns",
            **extra,
        )
    return Network(vpc, subnet, [group["GroupId"]])


def own_acl(ec2: Any, vpc: str, subnet: str, kind: str) -> None:
    """Associate ``subnet`` with a new network ACL of :data:`ACL_ENTRIES` ``kind`` (``default``: leave the VPC's)."""
    if kind == "default":
        return
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, egress, action, protocol, ports, cidr in ACL_ENTRIES[kind]:
        ranges = {"PortRange": {"From": ports[0], "To": ports[1]}} if ports else {}
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=number,
            Egress=egress,
            RuleAction=action,
            Protocol=protocol,
            CidrBlock=cidr,
            **ranges,
        )
    associate_acl(ec2, subnet, acl)


def _endpoint_subnets(ec2: Any, layout: Layout, vpc: str, subnet: str) -> list[str]:
    """
    The STS interface endpoint's subnets (:data:`STS_SUBNETS`): another is in another Availability Zone (one subnet a
    zone: Amazon EC2 API Reference, "CreateVpcEndpoint", ``SubnetIds``), with the layout's endpoint ACL.
    """
    if layout.sts_subnets == "own":
        return [subnet]
    zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]]
    [own] = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"]
    zone = next(zone for zone in zones if zone != own["AvailabilityZone"])
    other = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.4.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
    own_acl(ec2, vpc, other, layout.endpoint_acl)
    return [other] if layout.sts_subnets == "other" else [subnet, other]


def restrict_egress(url: str, layout: Layout, cluster_id: str | None) -> None:
    """
    Give the cluster's EMR-managed groups the layout's egress rules (:data:`EGRESS`), after the launch (moto's EMR adds
    an all-traffic rule to them then): the primary node's group, and the core and task nodes' when they are the same.
    """
    if layout.egress == "default" or cluster_id is None:
        return
    ec2, emr = _client(url, EMR_ACCOUNT, "ec2", REGION), _client(url, EMR_ACCOUNT, "emr", REGION)
    attributes = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Ec2InstanceAttributes"]
    groups = [attributes["EmrManagedMasterSecurityGroup"]]
    if layout.core_egress_same:
        groups.append(attributes["EmrManagedSlaveSecurityGroup"])
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    rules = {
        "none": [],
        "narrow": [{**https, "IpRanges": [{"CidrIp": "52.0.0.0/8"}]}],
        "https-anywhere": [{**https, "IpRanges": [{"CidrIp": ANYWHERE}]}],
    }
    if layout.egress == "s3-prefix-list":
        named = [{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.s3"]}]
        [listed] = ec2.describe_managed_prefix_lists(Filters=named)["PrefixLists"]
        rules["s3-prefix-list"] = [{**https, "PrefixListIds": [{"PrefixListId": listed["PrefixListId"]}]}]
    for group in groups:
        ec2.revoke_security_group_egress(
            GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": ANYWHERE}]}]
        )
        if rules[layout.egress]:
            ec2.authorize_security_group_egress(GroupId=group, IpPermissions=rules[layout.egress])


def open_to_the_cluster(url: str, layout: Layout, cluster_id: str | None, network: Network) -> None:
    """
    Let HTTPS into the open endpoints' group from the cluster's EMR-managed groups (:data:`ENDPOINT_SOURCES`), after
    the launch that names them: the primary node's, and the core and task nodes' unless ``primary-group``.
    """
    if not layout.endpoints_open or layout.endpoint_source == "range" or cluster_id is None:
        return
    ec2, emr = _client(url, EMR_ACCOUNT, "ec2", REGION), _client(url, EMR_ACCOUNT, "emr", REGION)
    attributes = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Ec2InstanceAttributes"]
    sources = [attributes["EmrManagedMasterSecurityGroup"]]
    if layout.endpoint_source == "groups":
        sources.append(attributes["EmrManagedSlaveSecurityGroup"])
    pairs = [{"GroupId": source} for source in sources]
    for group in network.groups:
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": pairs}],
        )


def _internet_gateway(ec2: Any, vpc: str) -> str:
    """The VPC's internet gateway, attached on first use (a VPC has one at most)."""
    attached = [{"Name": "attachment.vpc-id", "Values": [vpc]}]
    gateways = ec2.describe_internet_gateways(Filters=attached)["InternetGateways"]
    if gateways:
        return str(gateways[0]["InternetGatewayId"])
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    return str(gateway)


def _nat_gateway(ec2: Any, vpc: str, cidr: str, *, private: bool, nat_subnet: str, acl: str) -> str:
    """
    A NAT gateway in a subnet of its own (``cidr``, its network ACL of kind ``acl``) whose route table sends
    ``0.0.0.0/0`` where ``nat_subnet`` says (:data:`NAT_SUBNETS`; a private NAT gateway's subnet is left with its local
    route).
    """
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
    own_acl(ec2, vpc, subnet, acl)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    if not private and nat_subnet == "internet":
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=_internet_gateway(ec2, vpc))
    elif not private and nat_subnet == "transit-gateway":
        gateway = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=gateway)
    extra = {} if private else {"AllocationId": ec2.allocate_address(Domain="vpc")["AllocationId"]}
    nat = ec2.create_nat_gateway(SubnetId=subnet, ConnectivityType="private" if private else "public", **extra)
    return str(nat["NatGateway"]["NatGatewayId"])


def _prefix_list_route(ec2: Any, layout: Layout, vpc: str, table: str) -> None:
    """Add the layout's route to a customer-managed prefix list (:data:`PREFIX_LIST_ROUTES`), or its DynamoDB gateway
    endpoint."""
    kind = layout.prefix_list
    if kind == "none":
        return
    if kind.endswith("-gateway") and kind.split("-", 1)[0] in ("dynamodb", "s3express"):
        service = kind.split("-", 1)[0]
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{service}", VpcEndpointType="Gateway", RouteTableIds=[table]
        )
        return
    entries = [{"Cidr": cidr} for cidr in PREFIX_LIST_ENTRIES[kind.split("-", 1)[0]]]
    listed = ec2.create_managed_prefix_list(
        PrefixListName=f"egress-{layout.number}", MaxEntries=max(len(entries), 1), AddressFamily="IPv4", Entries=entries
    )["PrefixList"]["PrefixListId"]
    target: dict[str, str]
    if kind.endswith("transit-gateway"):
        target = {"TransitGatewayId": ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]}
    else:
        private = kind.endswith("private-nat-gateway")
        nat = _nat_gateway(ec2, vpc, "10.0.3.0/24", private=private, nat_subnet="internet", acl=layout.nat_acl)
        target = {"NatGatewayId": nat}
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=listed, **target)


def _default_route(ec2: Any, layout: Layout, vpc: str, table: str) -> None:
    """Route public addresses of ``table`` to the target the layout's default route names (:data:`DEFAULT_ROUTES`)."""
    kind = layout.default_route
    if kind == "none":
        return
    split = kind.startswith("split-")
    target: dict[str, str]
    if kind.endswith("internet-gateway"):
        target = {"GatewayId": _internet_gateway(ec2, vpc)}
    elif kind.endswith("nat-gateway"):
        private = kind == "private-nat-gateway"
        nat = _nat_gateway(ec2, vpc, "10.0.2.0/24", private=private, nat_subnet=layout.nat_subnet, acl=layout.nat_acl)
        target = {"NatGatewayId": nat}
    elif kind == "transit-gateway":
        gateway = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
        target = {"TransitGatewayId": gateway}
    else:  # peering
        peer = ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
        connection = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer)["VpcPeeringConnection"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=connection["VpcPeeringConnectionId"])
        target = {"VpcPeeringConnectionId": connection["VpcPeeringConnectionId"]}
    for cidr in ("0.0.0.0/1", "128.0.0.0/1") if split else ("0.0.0.0/0",):
        ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, **target)


@dataclass
class Outcome:
    """The verifier's and the judge's answers for one layout."""

    layout: Layout
    #: The verifier's links: ``cluster reaches STS`` and ``cluster reaches s3://BUCKET`` (pass, fail, not checked,
    #: or missing), and its verdict.
    sts_link: str
    s3_link: str
    verdict: str
    #: The judge: ``reaches``, ``blocked`` or ``cannot tell``, for STS and S3; the write through the endpoints.
    sts_judge: str
    s3_judge: str
    writer: str
    details: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"case {self.layout.number}: STS {self.sts_link}/{self.sts_judge}, S3 {self.s3_link}/{self.s3_judge}, "
            f"verdict {self.verdict}/{self.writer} [{self.layout.line()}] " + " | ".join(self.details)
        )


def _judged(reason: str | None) -> str:
    return "reaches" if reason is None else "cannot tell" if reason.startswith(CANNOT_TELL) else "blocked"


def judge(url: str, readers: Readers, number: int | Layout, seed: int) -> Outcome:
    """
    Build layout ``number`` (drawn from ``seed``, or a layout given whole) with a sound partner, and ask the verifier
    and the stand-in's judge.
    """
    from airflow_provider_emrfs_xacct.verify import verify_chain
    from devstack.emrfs_writer import put_like_emrfs

    layout = number if isinstance(number, Layout) else generate(number, seed)
    # Case numbers apart from the differential study's (names of roles and buckets in the shared moto server).
    cluster = Cluster(layout.release, [])
    case = Case(100_000 + layout.number, [], cluster=cluster, region=REGION, bucket_region=layout.bucket_region)
    site = {"fs.s3.sts.endpoint": layout.sts_override} if layout.sts_override else {}
    if site:
        cluster.configurations.append({"Classification": "emrfs-site", "Properties": site})
    network = build_network(url, layout, case)
    cluster.subnet = network.subnet
    world = build(url, case, seed)
    restrict_egress(url, layout, world.cluster_id)
    open_to_the_cluster(url, layout, world.cluster_id, network)
    report, _ = verify_chain(
        readers,
        simulate=False,
        security_configuration=case.configuration,
        emr_ec2_role_name=case.emr_role,
        cluster_id=world.cluster_id,
        s3_prefixes=[case.output],
    )
    links = {link.link: link for link in report.links}
    sts_link, s3_link = links.get("cluster reaches STS"), links.get(f"cluster reaches s3://{case.bucket}")
    details = [f"{link.link}: {link.detail}" for link in (sts_link, s3_link) if link is not None]
    details += [
        f"{link.link}: {link.detail}"
        for link in report.links
        if link.status == "fail" and link not in (sts_link, s3_link)
    ]
    sts_reason = sts_unreachable(EMR_ACCOUNT, REGION, network.subnet, layout.release, site, world.cluster_id)
    s3_reason = s3_unreachable(EMR_ACCOUNT, REGION, network.subnet, case.bucket, world.cluster_id)
    details += [f"judge: {reason}" for reason in (sts_reason, s3_reason) if reason]
    sts_judge, s3_judge = _judged(sts_reason), _judged(s3_reason)
    if "blocked" in (sts_judge, s3_judge):
        writer = "refused"
    elif "cannot tell" in (sts_judge, s3_judge):
        writer = "cannot tell"
    else:
        written = put_like_emrfs(
            url,
            emr_account=EMR_ACCOUNT,
            instance_role=case.emr_role,
            security_configuration=case.configuration,
            uri=f"{case.output}network-study",
            body=b"network study\n",
            user=WRITER_USER,
            groups=WRITER_GROUPS,
            cluster_id=world.cluster_id,
            endpoints=endpoints_on_the_way(EMR_ACCOUNT, REGION, network.subnet, case.bucket, layout.release, site),
            region=REGION,
        )
        failure = written.first_failure
        writer = "cannot tell" if written.unknown else "writes" if failure is None else "refused"
        if failure is not None:
            details.append(f"writer: {failure.operation} {failure.uri} as {failure.role_arn}: {failure.reason}")
        elif written.unknown:
            details.append(f"writer: {written.unknown}")
    return Outcome(
        layout,
        sts_link.status if sts_link else "missing",
        s3_link.status if s3_link else "missing",
        report.verdict,
        sts_judge,
        s3_judge,
        writer,
        details,
    )
