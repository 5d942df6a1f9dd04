"""read_subnet_facts against moto's EC2: routes, the main route table, the STS interface endpoint."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from airflow_provider_emrfs_xacct.hooks import network
from airflow_provider_emrfs_xacct.pure.checks.findings import PROBE_FIX, UNKNOWN, Link, name_refused_reads
from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED, s3_route_check, sts_endpoint_check
from devstack.aws_pages import short_pages
from devstack.moto_stack import EMR_ACCOUNT, REGION, client
from devstack.testing import CallRecorder, moto_authorization_checked, moto_user

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import RefusedRead


def read_subnet_facts(ec2: Any, subnet: str, instance_groups: Any = None, **kwargs: Any) -> Any:
    """
    ``read_subnet_facts``, the cluster holding the VPC's default security group unless ``instance_groups`` says
    otherwise: its outbound rule allows all traffic to 0.0.0.0/0, as EMR's managed groups', so the routes decide.
    """
    if instance_groups is None:
        instance_groups = _default_groups(ec2, subnet)
    return network.read_subnet_facts(ec2, subnet, instance_groups, **kwargs)


def _default_groups(ec2: Any, subnet: str) -> list[str]:
    """The default security group of the subnet's VPC."""
    vpc = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"]
    named = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    return [group["GroupId"] for group in ec2.describe_security_groups(Filters=named)["SecurityGroups"]]


@pytest.fixture
def ec2(moto_url: str) -> Any:
    return client(moto_url, EMR_ACCOUNT, "ec2")


def associate_acl(ec2: Any, subnet: str, acl: str) -> None:
    """Associate ``subnet`` with network ACL ``acl`` in place of the one it has (its own, or the VPC's default)."""
    on = [{"Name": "association.subnet-id", "Values": [subnet]}]
    [current] = ec2.describe_network_acls(Filters=on)["NetworkAcls"]
    [association] = [item for item in current["Associations"] if item["SubnetId"] == subnet]
    ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)


def private_subnet(ec2: Any, network: str = "10.0") -> tuple[str, str]:
    """A new VPC (``<network>.0.0/16``) and a subnet in it with no route out; return their ids."""
    vpc = ec2.create_vpc(CidrBlock=f"{network}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{network}.1.0/24")["Subnet"]["SubnetId"]
    return vpc, subnet


def public_subnet(ec2: Any, vpc: str, cidr: str) -> str:
    """
    A subnet of its own route table with ``0.0.0.0/0`` to the VPC's internet gateway (attached once), where a public NAT
    gateway reaches the internet (Amazon VPC User Guide, "NAT gateways": "You create a public NAT gateway in a public
    subnet ... You route traffic from the NAT gateway to the internet gateway for the VPC").
    """
    attached = [{"Name": "attachment.vpc-id", "Values": [vpc]}]
    gateways = ec2.describe_internet_gateways(Filters=attached)["InternetGateways"]
    if gateways:
        gateway = gateways[0]["InternetGatewayId"]
    else:
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    subnet = str(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"])
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    return subnet


def add_sts_interface_endpoint(
    ec2: Any,
    vpc: str,
    subnet: str,
    security_group: str | None = None,
    region: str = REGION,
    *,
    private_dns: bool = True,
) -> str:
    """
    An STS interface endpoint with private DNS in the subnet (the Regional STS endpoint resolves to it), or without
    (``private_dns=False``); return its security group: ``security_group``, else a new one letting the VPC in on
    HTTPS (TCP 443).

    Private DNS needs the VPC's ``enableDnsSupport`` and ``enableDnsHostnames`` true (Amazon EC2 API Reference,
    "CreateVpcEndpoint", ``PrivateDnsEnabled``): a new VPC has DNS hostnames off (moto as AWS), so turn it on,
    one attribute a request (Amazon EC2 API Reference, "ModifyVpcAttribute").
    """
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    if security_group is None:
        security_group = endpoint_security_group(ec2, vpc)
        cidr = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"]
        allow_https(ec2, security_group, CidrIp=cidr)
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{region}.sts",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[security_group],
        PrivateDnsEnabled=private_dns,
    )
    return security_group


def add_s3_gateway_endpoint(ec2: Any, vpc: str, subnet: str, region: str = REGION) -> None:
    """An S3 gateway endpoint of ``region`` on the route table of ``subnet`` (its own, else the VPC's main one)."""
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["RouteTables"]
    if not tables:
        main = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
        tables = ec2.describe_route_tables(Filters=main)["RouteTables"]
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[table["RouteTableId"] for table in tables],
    )


def endpoint_security_group(ec2: Any, vpc: str, name: str = "sts-endpoint") -> str:
    """A new security group in the VPC; moto, as AWS, gives it no inbound rule."""
    return str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])


def allow_https(ec2: Any, group: str, **source: str) -> None:
    """Let TCP 443 in from ``CidrIp=...`` or ``SourceGroup=...``."""
    if "CidrIp" in source:
        ranges: dict[str, Any] = {"IpRanges": [{"CidrIp": source["CidrIp"]}]}
    else:
        ranges = {"UserIdGroupPairs": [{"GroupId": source["SourceGroup"]}]}
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, **ranges}]
    )


def test_private_subnet_has_no_way_to_sts(ec2: Any) -> None:
    _, subnet = private_subnet(ec2)
    recorder = CallRecorder().attach(ec2)
    facts = read_subnet_facts(ec2, subnet)
    assert not facts.internet
    assert not facts.sts_interface_endpoint
    assert facts.region == REGION
    assert sts_endpoint_check("emr-6.15.0", facts).status == "FAIL"
    assert recorder.mutating == []


def test_sts_interface_endpoint_with_private_dns(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    facts = read_subnet_facts(ec2, subnet)
    assert facts.sts_interface_endpoint
    assert sts_endpoint_check("emr-6.15.0", facts).status == "PASS"
    assert sts_endpoint_check("emr-5.30.0", facts).status == "FAIL"  # global endpoint


def test_the_s3_endpoints_of_a_private_subnet(ec2: Any) -> None:
    """
    An S3 gateway endpoint counts only on the subnet's route table (Amazon EC2 API Reference, "VpcEndpoint",
    ``RouteTableIds``) and serves its own Region only (Amazon VPC User Guide, "Gateway endpoints for Amazon S3");
    an S3 interface endpoint of any Region is reported by its service name.
    """
    vpc, subnet = private_subnet(ec2)
    none = read_subnet_facts(ec2, subnet)
    other_vpc, _ = private_subnet(ec2, "10.1")
    add_s3_gateway_endpoint(ec2, other_vpc, _)  # another VPC's endpoint: not this subnet's
    elsewhere = read_subnet_facts(ec2, subnet)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    gateway = read_subnet_facts(ec2, subnet)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-west-2.s3", VpcEndpointType="Interface", SubnetIds=[subnet]
    )
    interface = read_subnet_facts(ec2, subnet)

    assert (none.s3_gateway_endpoint, none.s3_interface_endpoints) == (False, ())
    assert elsewhere.s3_gateway_endpoint is False
    assert gateway.s3_gateway_endpoint is True
    assert s3_route_check("b", REGION, gateway).status == "PASS"
    assert s3_route_check("b", "us-west-2", gateway).status == "FAIL"
    assert interface.s3_interface_endpoints == ("com.amazonaws.us-west-2.s3",)
    assert s3_route_check("b", "us-west-2", interface).status == NOT_CHECKED


def test_a_china_gateway_endpoint_under_the_cn_prefixed_service_name_counts(moto_url: str) -> None:
    """
    The China Regions name many endpoint services ``cn.com.amazonaws.REGION.SERVICE`` (``DescribeVpcEndpointServices``
    there), and which form S3 has is not confirmed (``pure/network.py``, :func:`s3_endpoint_services`): a gateway
    endpoint under the ``cn.`` name on the subnet's route table is the subnet's way to S3 of its Region, not a FAIL
    ("no S3 gateway endpoint") that would send the user to add one the VPC already has.
    """
    china = client(moto_url, EMR_ACCOUNT, "ec2", region="cn-north-1")
    vpc, subnet = private_subnet(china)
    tables = china.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    china.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="cn.com.amazonaws.cn-north-1.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[table["RouteTableId"] for table in tables],
    )

    facts = read_subnet_facts(china, subnet)

    assert facts.s3_gateway_endpoint is True
    assert s3_route_check("b", "cn-north-1", facts).status == "PASS"


@pytest.mark.parametrize(
    ("attribute", "option"),
    [("EnableDnsHostnames", "enable-dns-hostnames"), ("EnableDnsSupport", "enable-dns-support")],
)
def test_the_sts_endpoint_s_private_dns_needs_the_vpc_dns_attributes(ec2: Any, attribute: str, option: str) -> None:
    """
    "To use a private hosted zone, you must set the following VPC attributes to true: enableDnsHostnames and
    enableDnsSupport" (Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``). Turned off after
    the endpoint was made, the Regional STS name no longer resolves to it: a private subnet has no way to STS. With
    DNS support off no name resolves through the Amazon-provided DNS server at all ("ModifyVpcAttribute",
    ``EnableDnsSupport``): DNS servers of a custom DHCP option set (not read) may still name the endpoint: not checked.
    """
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    before = read_subnet_facts(ec2, subnet)

    ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": False}})
    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert (before.dns_support, before.dns_hostnames, before.vpc_id) == (True, True, vpc)
    assert sts_endpoint_check("emr-6.15.0", before).status == "PASS"
    assert facts.sts_interface_endpoint
    assert facts.dns_attributes_off == [attribute[0].lower() + attribute[1:]]
    command = f"aws ec2 modify-vpc-attribute --vpc-id {vpc} --{option} '{{\"Value\":true}}'"
    if attribute == "EnableDnsSupport":
        assert result.status == NOT_CHECKED
        assert "custom DHCP option set" in result.detail
        assert result.fix == f"{command}; or the live probe (probe=True) proves it"
    else:
        assert result.status == "FAIL"
        assert result.fix == command


def test_the_vpc_dns_support_is_read_for_every_way_and_turned_off_passes_none(ec2: Any) -> None:
    """
    Every way to STS or S3 starts with the name resolved, which the Amazon-provided DNS server does only with the
    VPC's ``enableDnsSupport`` on ("If disabled, the Amazon provided DNS service in the VPC that resolves public DNS
    hostnames to IP addresses is not enabled", Amazon EC2 API Reference, "ModifyVpcAttribute"): the attribute is read
    for a NAT route too, and off, the NAT route is not checked, never PASS.
    """
    vpc, subnet = private_subnet(ec2, "10.91")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public_subnet(ec2, vpc, "10.91.2.0/24"), AllocationId=allocation)
    ec2.create_route(
        RouteTableId=default_route_table(ec2, vpc, subnet),
        DestinationCidrBlock="0.0.0.0/0",
        NatGatewayId=nat["NatGateway"]["NatGatewayId"],
    )
    recorder = CallRecorder().attach(ec2)
    on = read_subnet_facts(ec2, subnet)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})
    off = read_subnet_facts(ec2, subnet)

    assert "DescribeVpcAttribute" in recorder.calls
    assert (on.dns_support, off.dns_support) == (True, False)
    assert sts_endpoint_check("emr-6.15.0", on).status == "PASS"
    assert s3_route_check("b", REGION, on).status == "PASS"
    for result in (sts_endpoint_check("emr-6.15.0", off), s3_route_check("b", REGION, off)):
        assert result.status == NOT_CHECKED, result.detail
        assert "enableDnsSupport is off" in result.detail


def test_beside_a_nat_route_the_sts_endpoint_s_security_groups_decide(ec2: Any) -> None:
    """
    With private DNS the Regional STS name resolves to the endpoint, a NAT route or not (AWS PrivateLink Guide, "Access
    AWS services through AWS PrivateLink": "Traffic destined for the AWS service is resolved to the private IP
    addresses of the endpoint network interfaces using DNS"): a security group keeping the subnet out fails every
    AssumeRole, and the NAT route does not make it PASS.
    """
    vpc, subnet = private_subnet(ec2)
    public = public_subnet(ec2, vpc, "10.0.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    closed = endpoint_security_group(ec2, vpc)
    add_sts_interface_endpoint(ec2, vpc, subnet, security_group=closed)

    with_nat = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", with_nat)

    assert with_nat.nat_route
    assert (with_nat.dns_support, with_nat.dns_hostnames) == (True, True)
    assert result.status == "FAIL"
    assert closed in result.fix
    allow_https(ec2, closed, CidrIp="10.0.1.0/24")
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == "PASS"


@pytest.mark.parametrize(
    ("denied", "unread"), [("ec2:DescribeVpcAttribute", "dns_unread"), ("ec2:DescribeSecurityGroups", "ingress_unread")]
)
def test_a_refused_endpoint_read_leaves_the_sts_route_not_checked(
    moto_url: str, ec2: Any, denied: str, unread: str
) -> None:
    """
    With moto's IAM authorization on (``/moto-api/reset-auth`` ``0``: identity policies of moto's IAM users are
    checked), a reader allowed ``ec2:Describe*`` but denied one of the endpoint's reads reads the rest.
    """
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    facts = read_with_auth(moto_url, reader_denied(moto_url, denied), subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert facts.sts_interface_endpoint
    assert denied in getattr(facts, unread)
    assert result.status == "NOT CHECKED"
    assert getattr(facts, unread) in result.detail


def test_the_sts_endpoint_s_security_group_must_let_the_subnet_in_on_https(ec2: Any) -> None:
    """
    The endpoint's security groups "control the traffic to the endpoint network interface from resources in your
    VPC" (Amazon VPC User Guide, "Interface VPC endpoints (AWS PrivateLink)"), and a new one has no inbound rule:
    EMRFS's HTTPS requests to STS are refused until one lets the cluster's subnet in on TCP 443.
    """
    vpc, subnet = private_subnet(ec2)
    closed = endpoint_security_group(ec2, vpc)
    add_sts_interface_endpoint(ec2, vpc, subnet, closed)

    before = sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet))
    allow_https(ec2, closed, CidrIp="10.0.1.0/24")
    after = read_subnet_facts(ec2, subnet)

    assert before.status == "FAIL"
    assert before.fix == (
        f"aws ec2 authorize-security-group-ingress --group-id {closed} --protocol tcp --port 443 --cidr 10.0.1.0/24"
    )
    assert after.endpoint_groups == (closed,)
    assert after.subnet_cidr == "10.0.1.0/24"
    assert sts_endpoint_check("emr-6.15.0", after).status == "PASS"


def test_https_from_the_cluster_s_security_group_lets_its_instances_in(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    cluster_group = endpoint_security_group(ec2, vpc, "emr-core")
    endpoint_group = endpoint_security_group(ec2, vpc)
    allow_https(ec2, endpoint_group, SourceGroup=cluster_group)
    add_sts_interface_endpoint(ec2, vpc, subnet, endpoint_group)

    unknown_instances = sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet))
    known_instances = sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet, [cluster_group]))

    assert unknown_instances.status == NOT_CHECKED  # the rule names a group the check cannot tie to the cluster
    assert cluster_group in unknown_instances.detail
    assert known_instances.status == "PASS"


def test_an_sts_endpoint_past_the_first_page_counts(ec2: Any) -> None:
    """
    EC2 answers a ``NextToken`` while results are left (Amazon EC2 API Reference, "DescribeVpcEndpoints",
    "DescribeRouteTables"); the stand-in answers one item a page here, so a single call sees only the first.
    """
    vpc, subnet = private_subnet(ec2)
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.sts",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        PrivateDnsEnabled=False,
    )
    add_sts_interface_endpoint(ec2, vpc, subnet)

    with short_pages(1):
        first = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
        facts = read_subnet_facts(ec2, subnet)

    assert len(first["VpcEndpoints"]) == 1
    assert first["NextToken"]
    assert facts.sts_interface_endpoint
    assert sts_endpoint_check("emr-6.15.0", facts).status == "PASS"


def test_an_endpoint_for_another_service_does_not_count(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Interface", SubnetIds=[subnet]
    )
    assert not read_subnet_facts(ec2, subnet).sts_interface_endpoint


def subnet_behind_a_nat_gateway(ec2: Any) -> str:
    """A private subnet whose default route goes to a public NAT gateway; its id."""
    vpc, subnet = private_subnet(ec2)
    public = public_subnet(ec2, vpc, "10.0.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return subnet


def test_nat_route_in_the_subnets_own_table(ec2: Any) -> None:
    facts = read_subnet_facts(ec2, subnet_behind_a_nat_gateway(ec2))
    assert facts.nat_route
    assert sts_endpoint_check("emr-5.30.0", facts).status == "PASS"


def test_a_nat_gateway_reaches_the_internet_only_through_its_own_subnet_s_route(ec2: Any) -> None:
    """
    Amazon VPC User Guide, "NAT gateways": "You create a public NAT gateway in a public subnet ... You route traffic
    from the NAT gateway to the internet gateway for the VPC. Alternatively, you can use a public NAT gateway to connect
    to other VPCs or your on-premises network ... through a transit gateway or a virtual private gateway". A NAT gateway
    in a subnet of the VPC's main table with no route out is no way out (FAIL); one whose subnet sends 0.0.0.0/0 to a
    transit gateway is egress not seen; one whose subnet sends it to the internet gateway reaches the internet.
    """
    vpc, subnet = private_subnet(ec2, "10.92")
    table = default_route_table(ec2, vpc, subnet)
    stranded = ec2.create_subnet(VpcId=vpc, CidrBlock="10.92.2.0/24")["Subnet"]["SubnetId"]  # the main table's
    nat = ec2.create_nat_gateway(SubnetId=stranded, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])
    nat_id = nat["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)

    nowhere = read_subnet_facts(ec2, subnet)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    route, _ = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", **route)
    beyond = read_subnet_facts(ec2, subnet)
    ec2.delete_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    internet = read_subnet_facts(ec2, subnet)

    assert not nowhere.nat_route
    for result in (sts_endpoint_check("emr-6.15.0", nowhere), s3_route_check("b", REGION, nowhere)):
        assert result.status == "FAIL", result.detail
        assert f"{nat_id}, whose subnet {stranded} has no route out of the VPC" in result.detail
    for result in (sts_endpoint_check("emr-6.15.0", beyond), s3_route_check("b", REGION, beyond)):
        assert result.status == NOT_CHECKED, result.detail
        assert f"sends 0.0.0.0/0 to transit gateway {route['TransitGatewayId']}: egress not seen" in result.detail
    assert internet.nat_route
    assert sts_endpoint_check("emr-6.15.0", internet).status == "PASS"


def test_internet_gateway_in_the_main_table_needs_public_ips(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    facts = read_subnet_facts(ec2, subnet)
    assert facts.internet_gateway_route
    assert not facts.public_ip_on_launch
    # Whether EMR gives its instances public IPs there anyway is not documented (Amazon EMR Management Guide,
    # "Amazon VPC options"): not checked, never the FAIL that would stop a working cluster's pipeline.
    assert sts_endpoint_check("emr-6.15.0", facts).status == NOT_CHECKED
    assert s3_route_check("b", REGION, facts).status == NOT_CHECKED
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == "PASS"


# Centralised egress (AWS Prescriptive Guidance, "Transit gateway configuration": 0.0.0.0/0 to the
# transit gateway attachment, NAT in the egress VPC) and the other targets moto's EC2 routes to. The
# check cannot see past them: not checked, not the FAIL of a subnet with no default route at all.


def default_route_table(ec2: Any, vpc: str, subnet: str) -> str:
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return str(table)


def to_transit_gateway(ec2: Any, vpc: str, subnet: str) -> tuple[dict[str, str], str]:
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet])
    return {"TransitGatewayId": tgw}, f"transit gateway {tgw}"


def to_gateway_load_balancer_endpoint(ec2: Any, vpc: str, subnet: str) -> tuple[dict[str, str], str]:
    vpce = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.vpce.eu-west-1.vpce-svc-0abc", VpcEndpointType="GatewayLoadBalancer"
    )["VpcEndpoint"]["VpcEndpointId"]
    return {"VpcEndpointId": vpce}, f"Gateway Load Balancer endpoint {vpce}"


def to_peering(ec2: Any, vpc: str, subnet: str) -> tuple[dict[str, str], str]:
    hub = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=hub)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    return {"VpcPeeringConnectionId": pcx}, f"VPC peering connection {pcx}"


def to_network_interface(ec2: Any, vpc: str, subnet: str) -> tuple[dict[str, str], str]:
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    return {"NetworkInterfaceId": eni}, f"network interface {eni}"


@pytest.mark.parametrize(
    "target", [to_transit_gateway, to_gateway_load_balancer_endpoint, to_peering, to_network_interface]
)
def test_a_default_route_past_the_vpc_is_egress_not_seen(ec2: Any, target: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    table = default_route_table(ec2, vpc, subnet)
    route, named = target(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **route)

    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert not facts.internet
    assert facts.other_default_route == named
    assert result.status == NOT_CHECKED
    assert named in result.detail
    assert "none in this VPC (one shared through Route 53 from another VPC is not checked)" in result.detail


def test_a_transit_gateway_route_that_is_not_the_default_route_is_no_egress_but_may_reach_a_hub_s_endpoint(
    ec2: Any,
) -> None:
    """
    A spoke VPC reaches a hub VPC's interface endpoints over a transit gateway, their names resolved through a Route 53
    private hosted zone (AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure",
    "Centralized access to VPC private endpoints"): no egress, but not a FAIL of the Regional endpoints either.
    """
    vpc, subnet = private_subnet(ec2)
    table = default_route_table(ec2, vpc, subnet)
    route, _ = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="172.16.0.0/12", **route)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.other_default_route == ""
    for result in (sts_endpoint_check("emr-6.15.0", facts), s3_route_check("b", REGION, facts)):
        assert result.status == NOT_CHECKED, result.detail
        assert f"172.16.0.0/12 to transit gateway {route['TransitGatewayId']}" in result.detail
        assert "an endpoint in another VPC is not seen" in result.detail
    assert sts_endpoint_check("emr-5.30.0", facts).status == "FAIL"  # the global endpoint has no VPC endpoint


def test_a_private_nat_gateway_is_egress_not_seen(ec2: Any) -> None:
    """
    A private NAT gateway reaches other VPCs or on-premises networks, not the internet (Amazon VPC User
    Guide, "NAT gateways": "if you route traffic from the private NAT gateway to the internet gateway, the
    internet gateway drops the traffic"): a default route to one is egress not seen, not the way to STS.
    """
    vpc, subnet = private_subnet(ec2)
    nat = ec2.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)

    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert not facts.nat_route
    assert facts.other_default_route == f"private NAT gateway {nat}"
    assert result.status == NOT_CHECKED
    assert f"private NAT gateway {nat}" in result.detail


def test_the_endpoint_policies_on_the_way_are_read_beside_a_nat_route(ec2: Any) -> None:
    """
    The S3 gateway endpoint on the subnet's route table and the STS interface endpoint with private DNS are read with
    their ``PolicyDocument`` (Amazon EC2 API Reference, "VpcEndpoint"), a NAT route or not: the endpoint's prefix-list
    route is more specific than 0.0.0.0/0 (Amazon VPC User Guide, "How route priority works"), so S3 of the Region
    still goes through it; another VPC's endpoint is not read.
    """
    vpc, subnet = private_subnet(ec2, "10.13")
    public = public_subnet(ec2, vpc, "10.13.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    other_vpc, other_subnet = private_subnet(ec2, "10.14")
    add_s3_gateway_endpoint(ec2, other_vpc, other_subnet)
    policy = {"Statement": [{"Sid": "Own", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    for endpoint in endpoints:
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], PolicyDocument=json.dumps(policy))

    facts = read_subnet_facts(ec2, subnet)

    assert facts.nat_route
    by_type = {endpoint["VpcEndpointType"]: endpoint["VpcEndpointId"] for endpoint in endpoints}
    assert [(item.endpoint_id, item.endpoint_type) for item in facts.s3_gateway_policies] == [
        (by_type["Gateway"], "Gateway")
    ]
    assert [(item.endpoint_id, item.endpoint_type) for item in facts.sts_endpoint_policies] == [
        (by_type["Interface"], "Interface")
    ]
    assert all(
        json.loads(item.document) == policy for item in (*facts.s3_gateway_policies, *facts.sts_endpoint_policies)
    )


def as_a_participant(ec2: Any) -> None:
    """
    Make ``ec2`` read what an account a subnet is shared with reads: none of the VPC owner's endpoints or NAT gateways
    (Amazon VPC User Guide, "Share your VPC subnets with other accounts": "Participants cannot view, modify, or delete
    resources that belong to other participants or the VPC owner"), while the route table still shows their routes.
    moto does not model AWS RAM subnet sharing, so the answers of moto's owner view are emptied of those resources.
    """

    def hide(parsed: dict[str, Any], **_: Any) -> None:
        for key in ("VpcEndpoints", "NatGateways"):
            if key in parsed:
                parsed[key] = []

    for operation in ("DescribeVpcEndpoints", "DescribeNatGateways"):
        ec2.meta.events.register(f"after-call.ec2.{operation}", hide)


def test_a_participant_s_gateway_endpoint_route_is_not_read_as_no_route(ec2: Any) -> None:
    """
    The owner's S3 gateway endpoint shows as its route on the subnet's table (prefix list ``pl-…`` to ``vpce-…``,
    AWS PrivateLink Guide, "Gateway endpoints"), named by ``DescribePrefixLists``: a same-Region bucket PASSES, with
    the endpoint's unseen policy undetermined; the owner's interface endpoints are not seen: not checked.
    """
    vpc, subnet = private_subnet(ec2, "10.21")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    owner_view = read_subnet_facts(ec2, subnet)
    as_a_participant(ec2)

    participant = read_subnet_facts(ec2, subnet, account_id="999999999999")

    assert owner_view.s3_gateway_endpoint
    assert participant.s3_gateway_endpoint
    assert s3_route_check("b", REGION, participant).status == "PASS"
    assert [policy.document for policy in participant.s3_gateway_policies] == [None]
    assert (owner_view.shared_by, participant.shared_by) == ("", EMR_ACCOUNT)  # the subnet's owner is not the caller
    assert s3_route_check("b", "us-west-2", participant).status == NOT_CHECKED  # the owner's interface endpoints
    assert sts_endpoint_check("emr-6.15.0", participant).status == NOT_CHECKED


def reader_denied(moto_url: str, action: str, *also: str) -> Any:
    """An EC2 client of a moto IAM user allowed ``ec2:Describe*`` (and ``also``) but ``action`` (enforced once auth is on)."""
    statements = [
        {"Effect": "Allow", "Action": ["ec2:Describe*", *also], "Resource": "*"},
        {"Effect": "Deny", "Action": action, "Resource": "*"},
    ]
    _, key = moto_user(moto_url, "reader-denied-" + action.split(":")[1].lower(), statements)
    return boto3.client(
        "ec2",
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def read_with_auth(moto_url: str, reader: Any, subnet: str, **kwargs: Any) -> Any:
    """``read_subnet_facts`` with moto's IAM authorization on (``/moto-api/reset-auth`` ``0``), then off again."""
    kwargs.setdefault("instance_groups", _default_groups(reader, subnet))  # read before the refusals apply
    with moto_authorization_checked(moto_url):
        return read_subnet_facts(reader, subnet, **kwargs)


def test_a_participant_refused_describe_prefix_lists_leaves_the_way_to_s3_not_checked(moto_url: str, ec2: Any) -> None:
    """
    The owner's gateway endpoint is named only by ``DescribePrefixLists`` (its route ``pl-…`` to ``vpce-…``): a
    participant refused that read does not know what the route serves, so the way to S3 is not checked, never the
    FAIL of "no gateway endpoint" (docs/permissions.md: "refused, not checked").
    """
    vpc, subnet = private_subnet(ec2, "10.24")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    reader = reader_denied(moto_url, "ec2:DescribePrefixLists")
    as_a_participant(reader)

    facts = read_with_auth(moto_url, reader, subnet, account_id="999999999999")

    assert facts.s3_gateway_endpoint is None  # not read, not "none"
    assert s3_route_check("b", REGION, facts).status == NOT_CHECKED


def test_a_refused_describe_nat_gateways_is_egress_not_seen(moto_url: str, ec2: Any) -> None:
    """A NAT gateway the reader may not describe may be private: egress not seen, not checked, no error raised."""
    vpc, subnet = private_subnet(ec2, "10.25")
    public = public_subnet(ec2, vpc, "10.25.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_route(
        RouteTableId=default_route_table(ec2, vpc, subnet), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )

    facts = read_with_auth(moto_url, reader_denied(moto_url, "ec2:DescribeNatGateways"), subnet)

    assert not facts.nat_route
    assert nat in facts.other_default_route
    assert sts_endpoint_check("emr-6.15.0", facts).status == NOT_CHECKED


def _grants(detail: str, refused: list[RefusedRead]) -> str:
    """The fix ``findings.name_refused_reads`` gives a link not checked with this detail."""
    (link,) = name_refused_reads([Link(None, "route", UNKNOWN, detail, fix=PROBE_FIX)], refused)
    return link.fix


def test_a_refused_network_read_is_granted_by_the_links_it_leaves_not_checked(moto_url: str, ec2: Any) -> None:
    """
    A NAT gateway the reader may not describe leaves the STS route not checked, and a participant refused
    ``DescribePrefixLists`` the way to S3: each link's detail says the refusal, so its fix names the action to allow
    (the answer is known once the read is allowed), not only the live probe.
    """
    vpc, subnet = private_subnet(ec2, "10.26")
    public = public_subnet(ec2, vpc, "10.26.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_route(
        RouteTableId=default_route_table(ec2, vpc, subnet), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )
    refused: list[RefusedRead] = []
    facts = read_with_auth(moto_url, reader_denied(moto_url, "ec2:DescribeNatGateways"), subnet, refused=refused)

    sts = sts_endpoint_check("emr-6.15.0", facts)

    assert [item.action for item in refused] == ["ec2:DescribeNatGateways"]
    assert sts.status == NOT_CHECKED
    assert "allow ec2:DescribeNatGateways" in _grants(sts.detail, refused), sts.detail

    vpc, subnet = private_subnet(ec2, "10.27")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    reader = reader_denied(moto_url, "ec2:DescribePrefixLists")
    as_a_participant(reader)
    refused = []
    facts = read_with_auth(moto_url, reader, subnet, account_id="999999999999", refused=refused)

    s3 = s3_route_check("b", REGION, facts)

    assert "ec2:DescribePrefixLists" in [item.action for item in refused], refused
    assert s3.status == NOT_CHECKED
    assert "allow ec2:DescribePrefixLists" in _grants(s3.detail, refused), s3.detail


def test_a_participant_s_nat_gateway_not_described_is_egress_not_seen(ec2: Any) -> None:
    """The owner's NAT gateway, which the participant cannot describe, may be private: not a PASS, nor a FAIL."""
    vpc, subnet = private_subnet(ec2, "10.22")
    as_a_participant(ec2)
    public = public_subnet(ec2, vpc, "10.22.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    with_nat = read_subnet_facts(ec2, subnet, account_id="999999999999")

    assert not with_nat.nat_route
    assert nat in with_nat.other_default_route
    assert sts_endpoint_check("emr-6.15.0", with_nat).status == NOT_CHECKED


def test_a_subnet_whose_route_tables_the_caller_cannot_see_is_not_checked(ec2: Any) -> None:
    """
    A subnet always has a route table, its own or the VPC's main one ("Each subnet in your VPC must be associated with
    a route table", Amazon VPC User Guide, "Configure route tables"); ``DescribeRouteTables`` answering none (a
    participant not shown the owner's tables) is routes not seen: not checked, never the FAIL of "no route".
    """
    _, subnet = private_subnet(ec2, "10.23")

    def hide(parsed: dict[str, Any], **_: Any) -> None:
        parsed["RouteTables"] = []

    ec2.meta.events.register("after-call.ec2.DescribeRouteTables", hide)
    facts = read_subnet_facts(ec2, subnet)

    assert facts.route_table_unseen
    assert sts_endpoint_check("emr-6.15.0", facts).status == NOT_CHECKED
    assert s3_route_check("b", REGION, facts).status == NOT_CHECKED


def test_a_default_route_split_in_two_halves_is_not_read_as_no_route(ec2: Any) -> None:
    """
    0.0.0.0/1 and 128.0.0.0/1 to a NAT gateway carry every public address, as 0.0.0.0/0 would (the most specific route
    decides: Amazon VPC User Guide, "How route priority works"): not checked, never "no default route"; a route to a
    private range (RFC 1918) holds no AWS public endpoint and changes nothing.
    """
    vpc, subnet = private_subnet(ec2, "10.24")
    public = public_subnet(ec2, vpc, "10.24.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="192.168.0.0/16", NatGatewayId=nat)
    private_only = read_subnet_facts(ec2, subnet)
    for half in ("0.0.0.0/1", "128.0.0.0/1"):
        ec2.create_route(RouteTableId=table, DestinationCidrBlock=half, NatGatewayId=nat)

    facts = read_subnet_facts(ec2, subnet)

    assert private_only.public_routes == ()
    assert sts_endpoint_check("emr-6.15.0", private_only).status == "FAIL"
    assert facts.public_routes == (f"0.0.0.0/1 to NAT gateway {nat}", f"128.0.0.0/1 to NAT gateway {nat}")
    assert sts_endpoint_check("emr-6.15.0", facts).status == NOT_CHECKED
    assert s3_route_check("b", REGION, facts).status == NOT_CHECKED


def test_the_usual_layouts_pass_both_links(ec2: Any) -> None:
    """
    The two layouts the Amazon EMR Management Guide ("Amazon VPC options") describes PASS both links, whatever the
    "not checked" exits: a private subnet whose own table sends 0.0.0.0/0 to a NAT gateway in a public subnet, with
    an S3 gateway endpoint and no STS endpoint; and a public subnet (internet gateway, MapPublicIpOnLaunch true).
    """
    vpc, subnet = private_subnet(ec2, "10.31")
    public = public_subnet(ec2, vpc, "10.31.2.0/24")
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_table = default_route_table(ec2, vpc, public)
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    add_s3_gateway_endpoint(ec2, vpc, subnet)

    for layout in (subnet, public):
        facts = read_subnet_facts(ec2, layout, account_id=EMR_ACCOUNT)
        assert sts_endpoint_check("emr-6.15.0", facts).status == "PASS", layout
        assert sts_endpoint_check("emr-5.30.0", facts).status == "PASS", layout
        for region in (REGION, "us-west-2"):
            assert s3_route_check("b", region, facts).status == "PASS", (layout, region)


def test_an_s3_interface_endpoint_with_private_dns_is_read_beside_a_nat_route(ec2: Any) -> None:
    """
    With private DNS, S3's Regional name resolves to the interface endpoint whatever the routes (Amazon S3 User Guide,
    "AWS PrivateLink for Amazon S3", "Private DNS"): beside a NAT route the link is not checked (the endpoint's
    security groups decide); without private DNS the NAT route is the way unless a Route 53 private hosted zone names
    the endpoint (AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized
    access to VPC private endpoints"), which is not read: not checked either, naming the endpoint; a bucket of another
    Region than the endpoint's: PASS.
    """
    vpc, subnet = private_subnet(ec2, "10.32")
    public = public_subnet(ec2, vpc, "10.32.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # private DNS needs it (a new VPC: off)
    for private_dns in (False, True):
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.s3",
            VpcEndpointType="Interface",
            SubnetIds=[subnet],
            PrivateDnsEnabled=private_dns,
        )
        if not private_dns:
            without = read_subnet_facts(ec2, subnet)

    with_private_dns = read_subnet_facts(ec2, subnet)

    [(endpoint_id, service)] = without.s3_endpoints_dns_off
    assert endpoint_id.startswith("vpce-")
    assert service == f"com.amazonaws.{REGION}.s3"
    result = s3_route_check("b", REGION, without)
    assert result.status == NOT_CHECKED
    assert f"{endpoint_id} ({service}) have private DNS off" in result.detail
    assert s3_route_check("b", "us-west-2", without).status == "PASS"
    assert with_private_dns.s3_private_dns_endpoints == (f"com.amazonaws.{REGION}.s3",)
    assert s3_route_check("b", REGION, with_private_dns).status == NOT_CHECKED
    assert s3_route_check("b", "us-west-2", with_private_dns).status == "PASS"  # another Region's name


def test_a_refused_describe_vpc_endpoints_is_named_as_the_call_refused(moto_url: str, ec2: Any) -> None:
    """
    The verifier reads the subnet's facts in one :func:`verify.read` named for its first call (``DescribeSubnets``):
    a later call refused (``DescribeVpcEndpoints``, which a reader of subnets and routes alone lacks) must be named
    in the denial and its "Grant ..." advice, never the call that passed.
    """
    from types import SimpleNamespace

    from airflow_provider_emrfs_xacct.pure.checks.state import Unreadable
    from airflow_provider_emrfs_xacct.verify import read

    _, subnet = private_subnet(ec2)
    reader = reader_denied(moto_url, "ec2:DescribeVpcEndpoints")
    hook = SimpleNamespace(aws_conn_id="aws_emr_account")  # account_of: "(unknown)" for it, as for any failed read

    with moto_authorization_checked(moto_url):
        facts = read(hook, "ec2:DescribeSubnets", f"SubnetId={subnet}", lambda: read_subnet_facts(reader, subnet))

    assert isinstance(facts, Unreadable)
    assert facts.detail.startswith("ec2:DescribeVpcEndpoints on "), facts.detail
    assert "Grant ec2:DescribeVpcEndpoints" in facts.detail
    assert "Grant ec2:DescribeSubnets" not in facts.detail


def test_an_s3_gateway_endpoint_on_another_route_table_of_the_vpc_does_not_count(ec2: Any) -> None:
    """
    A gateway endpoint serves the subnets whose route table it is on (Amazon EC2 API Reference, "VpcEndpoint",
    ``RouteTableIds``: "(Gateway endpoint) The IDs of the route tables associated with the endpoint").
    """
    vpc, subnet = private_subnet(ec2, "10.41")
    own = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=own, SubnetId=subnet)
    other = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[other]
    )

    facts = read_subnet_facts(ec2, subnet)

    assert facts.s3_gateway_endpoint is False
    assert s3_route_check("b", REGION, facts).status == "FAIL"


def test_a_narrower_public_route_elsewhere_takes_its_range_from_the_default_nat_route(ec2: Any) -> None:
    """
    EC2 routes by the most specific route that matches (Amazon VPC User Guide, "How route priority works": the longest
    prefix first): with 0.0.0.0/0 to a NAT gateway and 52.94.0.0/16 to a transit gateway, requests to that range go to
    the transit gateway, whose way on is not seen. STS and S3 may have addresses there: not checked, never PASS. A
    narrower route to the same NAT gateway changes nothing.
    """
    vpc, subnet = private_subnet(ec2, "10.25")
    public = public_subnet(ec2, vpc, "10.25.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="54.0.0.0/8", NatGatewayId=nat)
    through_the_nat = read_subnet_facts(ec2, subnet)
    target, name = to_transit_gateway(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="52.94.0.0/16", **target)

    facts = read_subnet_facts(ec2, subnet)

    assert through_the_nat.public_routes_elsewhere == ()
    assert sts_endpoint_check("emr-6.15.0", through_the_nat).status == "PASS"
    assert facts.public_routes_elsewhere == (f"52.94.0.0/16 to {name}",)
    for result in (sts_endpoint_check("emr-6.15.0", facts), s3_route_check("b", REGION, facts)):
        assert result.status == NOT_CHECKED, result
        assert f"52.94.0.0/16 to {name}" in result.detail


def test_a_narrower_blackhole_route_takes_its_range_from_the_default_nat_route(ec2: Any) -> None:
    """
    A route narrower than the default route whose target is gone (``blackhole``: Amazon EC2 API Reference, "Route",
    ``State``) is still the most specific route for its range: route priority is by prefix alone (Amazon VPC User
    Guide, "Route priority", "Longest prefix match") and no documented rule hands its range to the wider NAT route,
    so requests to STS or S3 addresses there may be dropped. Not checked, never PASS; the stand-in cannot tell either.
    """
    from devstack.aws_network import CANNOT_TELL, sts_unreachable

    vpc, subnet = private_subnet(ec2, "10.43")
    public = public_subnet(ec2, vpc, "10.43.2.0/24")
    nats = [
        ec2.create_nat_gateway(SubnetId=public, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])[
            "NatGateway"
        ]["NatGatewayId"]
        for _ in range(2)
    ]
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nats[0])
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="52.94.0.0/16", NatGatewayId=nats[1])
    ec2.delete_nat_gateway(NatGatewayId=nats[1])

    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    facts = read_subnet_facts(ec2, subnet)

    assert [route["State"] for route in routes if route.get("DestinationCidrBlock") == "52.94.0.0/16"] == ["blackhole"]
    assert facts.nat_route
    assert facts.public_routes == ()  # it carries nothing: no way out of its own
    assert [route.split(" to ")[0] for route in facts.public_routes_elsewhere] == ["52.94.0.0/16"]
    for result in (sts_endpoint_check("emr-6.15.0", facts), s3_route_check("b", REGION, facts)):
        assert result.status == NOT_CHECKED, result
        assert "52.94.0.0/16" in result.detail
    assert (sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) or "").startswith(CANNOT_TELL)


@pytest.mark.parametrize("gone", ["nat-gateway-deleted", "internet-gateway-detached"])
def test_a_blackhole_default_route_is_no_way_out(ec2: Any, gone: str) -> None:
    """
    A route whose target is no longer there is ``blackhole`` (Amazon EC2 API Reference, "Route", ``State``: "the
    route's target isn't available (for example, the specified gateway isn't attached to the VPC, or the specified
    NAT instance has been terminated)"): it carries nothing, so neither the verifier nor the stand-in's network judge
    (``devstack/aws_network.py``) counts it as a way to STS or S3.
    """
    from devstack.aws_network import s3_unreachable, sts_unreachable

    vpc, subnet = private_subnet(ec2, "10.42")
    table = default_route_table(ec2, vpc, subnet)
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    if gone == "nat-gateway-deleted":
        public = public_subnet(ec2, vpc, "10.42.2.0/24")
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.delete_nat_gateway(NatGatewayId=nat)
    else:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    s3 = client(ec2.meta.endpoint_url, EMR_ACCOUNT, "s3")
    bucket = f"blackhole-{gone}"
    s3.create_bucket(Bucket=bucket)  # in REGION (us-east-1: no LocationConstraint)

    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    facts = read_subnet_facts(ec2, subnet)

    assert [route["State"] for route in routes if route.get("DestinationCidrBlock") == "0.0.0.0/0"] == ["blackhole"]
    assert not facts.internet
    assert facts.public_routes == ()
    assert sts_endpoint_check("emr-6.15.0", facts).status == "FAIL"
    assert s3_route_check(bucket, REGION, facts).status == "FAIL"
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is not None
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, bucket) is not None


def test_an_s3_interface_endpoint_whose_private_dns_serves_only_the_inbound_resolver_takes_no_name(ec2: Any) -> None:
    """
    ``PrivateDnsOnlyForInboundResolverEndpoint`` "routes traffic that originates from the VPC to the gateway endpoint
    and traffic that originates from on-premises to the interface endpoint" (Amazon EC2 API Reference,
    "DnsOptionsSpecification"): S3's name in the VPC stays the gateway endpoint's, so the link is decided by it, for
    the verifier and the stand-in alike; with private DNS for every resolver the interface endpoint takes the name.
    """
    from devstack.aws_network import s3_unreachable

    vpc, subnet = private_subnet(ec2, "10.43")
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[endpoint_security_group(ec2, vpc, "s3-endpoint")],  # lets nobody in
        PrivateDnsEnabled=True,
        DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": True},
    )["VpcEndpoint"]
    s3 = client(ec2.meta.endpoint_url, EMR_ACCOUNT, "s3")
    s3.create_bucket(Bucket="inbound-only")

    described = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"][0]
    inbound_only = read_subnet_facts(ec2, subnet)
    inbound_only_judged = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "inbound-only")
    ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": False}
    )
    every_resolver = read_subnet_facts(ec2, subnet)

    assert described["DnsOptions"]["PrivateDnsOnlyForInboundResolverEndpoint"] is True
    assert inbound_only.s3_private_dns_endpoints == ()
    assert s3_route_check("inbound-only", REGION, inbound_only).status == "PASS"
    assert inbound_only_judged is None
    assert every_resolver.s3_private_dns_endpoints == (f"com.amazonaws.{REGION}.s3",)
    assert s3_route_check("inbound-only", REGION, every_resolver).status == NOT_CHECKED
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "inbound-only") is not None  # its groups let nobody in


def test_with_dns_hostnames_off_an_s3_interface_endpoint_s_private_dns_leaves_the_routes_to_decide(ec2: Any) -> None:
    """
    An interface endpoint's private DNS needs the VPC's ``enableDnsSupport`` and ``enableDnsHostnames`` true (Amazon
    EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``); a new VPC has DNS hostnames off (moto as AWS). So
    the attributes are read for an S3 endpoint with private DNS too, once with an STS endpoint beside it, and with
    hostnames off the NAT route or the gateway endpoint decides, as for the stand-in's judge.
    """
    from devstack.aws_network import s3_unreachable

    vpc, subnet = private_subnet(ec2, "10.44")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[endpoint_security_group(ec2, vpc, "s3-endpoint")],  # lets nobody in
        PrivateDnsEnabled=True,
    )
    s3 = client(ec2.meta.endpoint_url, EMR_ACCOUNT, "s3")
    s3.create_bucket(Bucket="hostnames-off")
    recorder = CallRecorder().attach(ec2)

    facts = read_subnet_facts(ec2, subnet)
    result = s3_route_check("hostnames-off", REGION, facts)
    reads_for_s3 = recorder.calls.count("DescribeVpcAttribute")
    add_sts_interface_endpoint(ec2, vpc, subnet)  # turns DNS hostnames on
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    recorder = CallRecorder().attach(ec2)
    read_subnet_facts(ec2, subnet)
    reads_for_both = recorder.calls.count("DescribeVpcAttribute")

    assert (facts.dns_support, facts.dns_hostnames) == (True, False)
    assert facts.s3_private_dns_endpoints == (f"com.amazonaws.{REGION}.s3",)
    assert result.status == "PASS", result.detail
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "hostnames-off") is None
    assert reads_for_s3 == reads_for_both == 2  # one per attribute


def test_an_sts_endpoint_with_private_dns_off_is_read_and_leaves_the_route_not_checked_not_failed(ec2: Any) -> None:
    """
    With private DNS off, STS's Regional name leads to the endpoint only through a Route 53 private hosted zone naming
    it (AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized access to
    VPC private endpoints"), which the verifier does not read: the endpoint is there, so "none in this VPC" and a FAIL
    would be wrong; its policy is kept for a cluster naming it by its own DNS name.
    """
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet, private_dns=False)
    (endpoint,) = [
        item["VpcEndpointId"] for item in ec2.describe_vpc_endpoints()["VpcEndpoints"] if item["VpcId"] == vpc
    ]

    facts = read_subnet_facts(ec2, subnet)

    assert not facts.sts_interface_endpoint
    assert [policy.endpoint_id for policy in facts.sts_endpoints_dns_off] == [endpoint]
    result = sts_endpoint_check("emr-6.15.0", facts)
    assert result.status == NOT_CHECKED, result
    assert f"{endpoint} has private DNS off" in result.detail
    assert not result.probe_settles


def test_a_network_acl_denying_outbound_https_fails_the_links_and_unread_it_is_not_checked(
    moto_url: str, ec2: Any
) -> None:
    """
    Entries are processed by rule number, ascending, the first match deciding (Amazon EC2 API Reference,
    "CreateNetworkAclEntry"): rule 10 denying TCP 443 out comes before the default ACL's rule 100 allowing all.
    """
    vpc, subnet = private_subnet(ec2, "10.41")
    public = public_subnet(ec2, vpc, "10.41.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == "PASS"

    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (True, False):
        ec2.create_network_acl_entry(
            NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=egress, CidrBlock="0.0.0.0/0"
        )
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=10,
        Protocol="6",
        RuleAction="deny",
        Egress=True,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 443, "To": 443},
    )
    associate_acl(ec2, subnet, acl)

    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)
    assert result.status == "FAIL", result.detail
    assert acl in result.detail
    assert "rule 10" in result.detail
    assert s3_route_check("b", REGION, facts).status == "FAIL"

    refused: list[RefusedRead] = []
    unread = read_with_auth(moto_url, reader_denied(moto_url, "ec2:DescribeNetworkAcls"), subnet, refused=refused)
    assert sts_endpoint_check("emr-6.15.0", unread).status == NOT_CHECKED
    assert "ec2:DescribeNetworkAcls" in [item.action for item in refused]


def test_an_sts_endpoint_unreachable_in_one_of_its_subnets_is_not_checked_not_failed(ec2: Any) -> None:
    """
    The endpoint's private DNS name "resolves to the private IP addresses of the endpoint network interfaces in the
    VPC" (Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``), one per subnet: the interface in the
    cluster's own subnet crosses no network ACL, so another subnet's ACL letting in only its own range drops the
    requests resolving to that interface, not all of them.
    """
    vpc, subnet = private_subnet(ec2, "10.43")
    other = ec2.create_subnet(VpcId=vpc, CidrBlock="10.43.2.0/24")["Subnet"]["SubnetId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
    group = ec2.create_security_group(GroupName="sts-endpoint", Description="sts endpoint", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.43.0.0/16"}]}],
    )
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.sts",
        VpcEndpointType="Interface",
        SubnetIds=[subnet, other],
        SecurityGroupIds=[group],
        PrivateDnsEnabled=True,
    )
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (True, False):
        ec2.create_network_acl_entry(
            NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=egress, CidrBlock="10.43.2.0/24"
        )
    associate_acl(ec2, other, acl)

    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert {item.subnet_id for item in facts.packet_filters.endpoint_subnets} == {subnet, other}
    assert result.status == NOT_CHECKED, result.detail
    assert f"network interface in subnet {other} is not reachable" in result.detail
    assert acl in result.detail
    assert not result.probe_settles
