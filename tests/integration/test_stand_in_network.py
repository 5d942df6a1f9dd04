"""
The stand-in's network judge (``devstack/aws_network.py``) on layouts built over real botocore: routes read by the most
specific match, the way to STS, and an S3 interface endpoint whose private DNS takes S3's name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.verify import probe_key, probe_step
from devstack.aws_network import (
    CANNOT_TELL,
    endpoints_on_the_way,
    kms_unreachable,
    regional_sts_region,
    s3_unreachable,
    sts_unreachable,
)
from devstack.emrfs_writer import _writer_for
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, REGION, client
from devstack.testing import launch_cluster, small_cluster
from tests.integration.test_network_facts import (
    add_s3_gateway_endpoint,
    add_sts_interface_endpoint,
    allow_https,
    default_route_table,
    endpoint_security_group,
    private_subnet,
    public_subnet,
)
from tests.integration.test_verify import PREFIX, Partner, partner

__all__ = ["partner"]  # the fixture, imported for the tests below

#: ``fs.s3.sts.endpoint`` naming the Regional STS endpoint of the cluster's Region, in the spellings the judge reads.
REGIONAL_OVERRIDES = [f"sts.{REGION}.amazonaws.com", f"https://sts.{REGION}.amazonaws.com"]


@pytest.fixture
def ec2(moto_url: str) -> Any:
    client(moto_url, DESTINATION_ACCOUNT, "s3").create_bucket(Bucket="judged")
    return client(moto_url, EMR_ACCOUNT, "ec2")


def nat_gateway(ec2: Any, vpc: str, cidr: str) -> str:
    """A public NAT gateway in a subnet of ``cidr`` routed to the VPC's internet gateway (as real set-ups are)."""
    public = public_subnet(ec2, vpc, cidr)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    return str(ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"])


def test_a_default_route_split_in_two_halves_reaches_the_internet(ec2: Any) -> None:
    """0.0.0.0/1 and 128.0.0.0/1 to a NAT gateway route every public address (Amazon VPC User Guide, "How route
    priority works"): S3 and both STS endpoints are reached; one half alone leaves the judge unable to tell."""
    vpc, subnet = private_subnet(ec2, "10.31")
    nat = nat_gateway(ec2, vpc, "10.31.2.0/24")
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/1", NatGatewayId=nat)
    half = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged")
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="128.0.0.0/1", NatGatewayId=nat)

    assert half is not None
    assert half.startswith(CANNOT_TELL)
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged") is None
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-5.30.0", {}) is None


def test_the_regional_sts_name_takes_the_interface_endpoint_the_global_one_needs_egress(ec2: Any) -> None:
    """A private subnet with an STS interface endpoint with private DNS reaches Regional STS (5.31.0, 6.1.0 and later)
    but not the global endpoint of earlier releases, nor the Regional one once the VPC's DNS hostnames are off."""
    vpc, subnet = private_subnet(ec2, "10.32")
    no_way = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    add_sts_interface_endpoint(ec2, vpc, subnet)

    regional = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.1.0", {})
    global_ = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.0.0", {})
    overridden = sts_unreachable(
        EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {"fs.s3.sts.endpoint": "https://sts.amazonaws.com"}
    )
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    hostnames_off = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})

    assert no_way is not None
    assert "no route to the internet" in no_way
    assert regional is None
    assert global_ is not None
    assert "sts.amazonaws.com" in global_
    assert not global_.startswith(CANNOT_TELL)
    assert overridden is not None
    assert not overridden.startswith(CANNOT_TELL)
    assert hostnames_off is not None
    assert not hostnames_off.startswith(CANNOT_TELL)


def test_an_interface_endpoint_that_takes_the_name_is_the_way_whatever_the_routes(ec2: Any) -> None:
    """With private DNS on, the Regional names of STS and S3 resolve to the interface endpoints (AWS PrivateLink Guide,
    "Access AWS services through AWS PrivateLink"; Amazon S3 User Guide, "AWS PrivateLink for Amazon S3"): a NAT route
    does not help when their security groups keep the subnet out on HTTPS; opening 443 to the subnet lets it in, and
    the S3 interface endpoint, not the gateway endpoint, is the one on the way."""
    vpc, subnet = private_subnet(ec2, "10.33")
    nat = nat_gateway(ec2, vpc, "10.33.2.0/24")
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    closed = endpoint_security_group(ec2, vpc)
    add_sts_interface_endpoint(ec2, vpc, subnet, security_group=closed)
    interface = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[closed],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[table]
    )
    blocked = (
        sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}),
        s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged"),
    )
    allow_https(ec2, closed, CidrIp="10.33.1.0/24")

    assert all(reason is not None and "security groups" in reason for reason in blocked), blocked
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None
    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged") is None
    on_the_way = endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.15.0", {})
    assert on_the_way["s3"].endpoint_id == interface
    assert not on_the_way["s3"].gateway


def test_an_inbound_https_rule_of_another_port_or_range_keeps_the_subnet_out_one_of_part_of_it_is_not_told(
    ec2: Any,
) -> None:
    """An interface endpoint's security group "must allow traffic on port 443 from the resources in your VPC" (AWS
    PrivateLink Guide, "Access an AWS service using an interface VPC endpoint"): a rule for another port, or for
    HTTPS from a range apart from the subnet, keeps it out; one from part of the subnet may or may not hold the
    primary node (the judge cannot tell); one holding the subnet lets it in."""
    vpc, subnet = private_subnet(ec2, "10.34")
    group = endpoint_security_group(ec2, vpc)
    add_sts_interface_endpoint(ec2, vpc, subnet, security_group=group)
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.34.0.0/16"}]}],
    )
    another_port = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    allow_https(ec2, group, CidrIp="10.99.0.0/16")
    another_range = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    allow_https(ec2, group, CidrIp="10.34.1.0/25")
    part_of_it = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {})
    allow_https(ec2, group, CidrIp="10.34.0.0/16")

    assert "security groups" in (another_port or ""), another_port
    assert not another_port.startswith(CANNOT_TELL), another_port
    assert "security groups" in (another_range or ""), another_range
    assert not another_range.startswith(CANNOT_TELL), another_range
    assert (part_of_it or "").startswith(CANNOT_TELL), part_of_it
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None


def _cluster_in(moto_url: str, subnet: str, master: str, core: str) -> str:
    """A cluster in ``subnet`` whose EMR-managed groups are ``master`` (the primary node's) and ``core``."""
    instances = {"Ec2SubnetId": subnet, "EmrManagedMasterSecurityGroup": master, "EmrManagedSlaveSecurityGroup": core}
    arguments = small_cluster(name="group-sourced")
    arguments["Instances"] = {**arguments["Instances"], **instances}
    return str(client(moto_url, EMR_ACCOUNT, "emr").run_job_flow(**arguments)["JobFlowId"])


def test_an_endpoint_rule_whose_source_is_the_primary_node_s_group_lets_it_in(ec2: Any, moto_url: str) -> None:
    """
    A rule whose source is a security group lets in the resources associated with that group (Amazon VPC User Guide,
    "Security group rules", "Security group referencing"): the STS, KMS and S3 interface endpoints whose group lets
    HTTPS in from the EMR-managed groups let the primary node in (the probe runs there). Only from the core and task
    nodes' group, from a prefix list, or with the cluster's groups not known: the judge cannot tell, it does not refuse.
    """
    vpc, subnet = private_subnet(ec2, "10.36")
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    master, core = (endpoint_security_group(ec2, vpc, name) for name in ("emr-master", "emr-core"))
    endpoints = endpoint_security_group(ec2, vpc, "endpoints")
    add_sts_interface_endpoint(ec2, vpc, subnet, security_group=endpoints)
    for service in ("kms", "s3"):
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=[subnet],
            SecurityGroupIds=[endpoints],
            PrivateDnsEnabled=True,
        )
    cluster_id = _cluster_in(moto_url, subnet, master, core)
    [listed] = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.s3"]}]
    )["PrefixLists"]
    ec2.authorize_security_group_ingress(
        GroupId=endpoints,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "PrefixListIds": [{"PrefixListId": listed["PrefixListId"]}],
            }
        ],
    )
    allow_https(ec2, endpoints, SourceGroup=core)

    def judged(cluster: str | None) -> list[str | None]:
        return [
            sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}, cluster),
            kms_unreachable(EMR_ACCOUNT, REGION, subnet, cluster),
            s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged", cluster),
        ]

    core_only = judged(cluster_id)
    allow_https(ec2, endpoints, SourceGroup=master)

    assert all((reason or "").startswith(CANNOT_TELL) for reason in core_only), core_only
    assert judged(cluster_id) == [None, None, None]
    assert all((reason or "").startswith(CANNOT_TELL) for reason in judged(None))


def test_an_endpoint_service_name_of_an_undocumented_form_is_not_told_and_china_hosts_end_in_cn(moto_url: str) -> None:
    """
    AWS documents the endpoint service names ``com.amazonaws.REGION.SERVICE`` (AWS PrivateLink Guide, "AWS services
    that integrate with AWS PrivateLink"), not ``cn.com.amazonaws.cn-north-1.sts``: with such an STS interface
    endpoint, neither "no way to STS" nor an endpoint on the way, but "cannot tell". The China Regions' endpoint domain
    is ``.amazonaws.com.cn`` (Amazon Web Services in China, "Beijing Region Endpoints").
    """
    china = "cn-north-1"
    ec2 = client(moto_url, EMR_ACCOUNT, "ec2", region=china)
    client(moto_url, DESTINATION_ACCOUNT, "s3").create_bucket(Bucket="judged-china")
    vpc, subnet = private_subnet(ec2, "10.37")
    no_way = sts_unreachable(EMR_ACCOUNT, china, subnet, "emr-6.15.0", {})
    group = add_sts_interface_endpoint(ec2, vpc, subnet)
    [documented] = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[documented["VpcEndpointId"]])
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"cn.com.amazonaws.{china}.sts",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[group],
        PrivateDnsEnabled=True,
    )

    assert f"sts.{china}.amazonaws.com.cn" in (no_way or ""), no_way
    assert not (no_way or "").startswith(CANNOT_TELL), no_way
    undocumented = sts_unreachable(EMR_ACCOUNT, china, subnet, "emr-6.15.0", {})
    assert (undocumented or "").startswith(CANNOT_TELL), undocumented
    assert "not a documented form" in (undocumented or ""), undocumented
    assert "sts" not in endpoints_on_the_way(EMR_ACCOUNT, china, subnet, "judged-china", "emr-6.15.0", {})


def test_an_s3_interface_endpoint_takes_no_name_of_a_bucket_of_another_region(ec2: Any, moto_url: str) -> None:
    """Its private DNS answers for S3's names of its own Region (Amazon S3 User Guide, "AWS PrivateLink for Amazon
    S3", "Private DNS"): a bucket of another Region is reached by the NAT route, whatever the endpoint's groups."""
    elsewhere = client(moto_url, DESTINATION_ACCOUNT, "s3", region="us-west-2")
    elsewhere.create_bucket(Bucket="judged-elsewhere", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    vpc, subnet = private_subnet(ec2, "10.35")
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    nat = nat_gateway(ec2, vpc, "10.35.2.0/24")
    ec2.create_route(
        RouteTableId=default_route_table(ec2, vpc, subnet), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        SecurityGroupIds=[endpoint_security_group(ec2, vpc)],  # no inbound rule
        PrivateDnsEnabled=True,
    )

    same_region = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged")
    reached = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged-elsewhere")
    elsewhere.delete_bucket(Bucket="judged-elsewhere")  # the fixture's reset knows the Region of its own buckets only

    assert "security groups" in (same_region or ""), same_region
    assert reached is None, reached


@pytest.mark.parametrize("private", ["10.0.0.0/8", "100.64.0.0/10"])
def test_a_route_of_private_addresses_is_no_way_to_the_public_endpoints(ec2: Any, private: str) -> None:
    """S3 and STS answer on public addresses; a request goes by the most specific route that holds its address
    (Amazon VPC User Guide, "How route priority works"), so a route of private (RFC 1918) or shared (RFC 6598)
    addresses to a transit gateway is never theirs: beside a default route to a NAT gateway, S3 and STS are reached,
    as the verifier's ``PRIVATE_RANGES`` has it."""
    vpc, subnet = private_subnet(ec2, "10.36")
    nat = nat_gateway(ec2, vpc, "10.36.2.0/24")
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet])
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=private, TransitGatewayId=tgw)

    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged") is None
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) is None


def test_a_nat_gateway_reaches_the_internet_only_through_its_own_subnet_s_internet_gateway(ec2: Any) -> None:
    """
    Amazon VPC User Guide, "NAT gateways": "You create a public NAT gateway in a public subnet ... You route traffic
    from the NAT gateway to the internet gateway for the VPC. Alternatively, you can use a public NAT gateway to connect
    to other VPCs or your on-premises network ... through a transit gateway or a virtual private gateway". The judge
    reads the NAT gateway's own subnet's table: no route out is no way; a transit gateway there, it cannot tell.
    """
    vpc, subnet = private_subnet(ec2, "10.37")
    stranded = ec2.create_subnet(VpcId=vpc, CidrBlock="10.37.2.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=stranded, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_route(
        RouteTableId=default_route_table(ec2, vpc, subnet), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )
    nowhere = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged")
    table = default_route_table(ec2, vpc, stranded)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=tgw)

    assert nowhere is not None
    assert not nowhere.startswith(CANNOT_TELL), nowhere
    assert (s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged") or "").startswith(CANNOT_TELL)
    assert (sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) or "").startswith(CANNOT_TELL)


def test_without_dns_support_or_with_a_route_to_a_hub_the_judge_cannot_tell(ec2: Any) -> None:
    """
    Without the VPC's DNS support "the Amazon provided DNS service in the VPC that resolves public DNS hostnames to IP
    addresses is not enabled" (Amazon EC2 API Reference, "ModifyVpcAttribute"): a NAT route's way is not told. A
    private range routed to a transit gateway may reach a hub VPC's interface endpoints ("Centralized access to VPC
    private endpoints"): a subnet with no way out otherwise is not told either, save for STS's global endpoint.
    """
    vpc, subnet = private_subnet(ec2, "10.38")
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_gateway(ec2, vpc, "10.38.2.0/24")
    )
    reached = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged")
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})
    no_dns = s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged")
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="172.16.0.0/12", TransitGatewayId=tgw)

    assert reached is None
    assert (no_dns or "").startswith(CANNOT_TELL), no_dns
    assert (s3_unreachable(EMR_ACCOUNT, REGION, subnet, "judged") or "").startswith(CANNOT_TELL)
    assert (sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", {}) or "").startswith(CANNOT_TELL)
    global_ = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-5.30.0", {})
    assert global_ is not None
    assert not global_.startswith(CANNOT_TELL), global_


@pytest.mark.parametrize("override", REGIONAL_OVERRIDES)
def test_an_override_naming_the_regional_endpoint_passes_the_sts_interface_endpoint(ec2: Any, override: str) -> None:
    """
    ``fs.s3.sts.endpoint`` naming the Regional endpoint of the cluster's Region (Amazon EMR Release Guide, "Managing
    the default AWS Security Token Service endpoint") is the name the STS interface endpoint's private DNS answers for
    (AWS PrivateLink Guide, "Access AWS services through AWS PrivateLink"): the endpoint that makes STS reachable is
    the one whose policy the AssumeRole passes (it used to be left off the way for any override). Another Region's
    Regional endpoint is not this endpoint's name: not on the way, and its reachability is not told.
    """
    vpc, subnet = private_subnet(ec2, "10.51")
    add_sts_interface_endpoint(ec2, vpc, subnet)
    site = {"fs.s3.sts.endpoint": override}
    elsewhere = {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}

    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", site) is None
    assert "sts" in endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.15.0", site)
    assert "sts" in endpoints_on_the_way(
        EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.15.0", {"fs.s3.sts.endpoint": override.upper() + "/"}
    )
    assert "sts" not in endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.15.0", elsewhere)
    assert (sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", elsewhere) or "").startswith(CANNOT_TELL)
    assert "sts" not in endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.0.0", site)


@pytest.mark.parametrize(
    ("override", "sts_region"),
    [
        *((override, REGION) for override in REGIONAL_OVERRIDES),
        ("https://sts.eu-west-1.amazonaws.com", "eu-west-1"),
        ("https://sts.amazonaws.com", None),
    ],
)
def test_the_assume_role_of_an_override_requests_the_region_of_the_endpoint_it_names(
    partner: Partner, override: str, sts_region: str | None
) -> None:
    """
    ``aws:RequestedRegion`` is "the AWS Region that was called in the request" (IAM User Guide, "AWS global condition
    context keys"): an override naming ``sts.R.amazonaws.com`` calls R (it used to be left out for any override). The
    global endpoint's is left out as before.
    """
    cluster_id = launch_cluster(
        partner.aws,
        partner.configuration,
        Configurations=[{"Classification": "emrfs-site", "Properties": {"fs.s3.sts.endpoint": override}}],
    )

    writer, _ = _writer_for(
        partner.aws.url,
        EMR_ACCOUNT,
        EMR_EC2_ROLE,
        partner.configuration,
        f"{PREFIX}probe",
        "hadoop",
        ("hadoop",),
        None,
        cluster_id,
        REGION,
    )

    assert writer.sts_region == sts_region


@pytest.mark.parametrize("override", REGIONAL_OVERRIDES)
def test_an_sts_endpoint_policy_refuses_the_assume_role_to_the_regional_endpoint_an_override_names(
    partner: Partner, override: str
) -> None:
    """
    A private subnet with no route out, whose STS interface endpoint (private DNS, the VPC's DNS attributes on, HTTPS
    in from the VPC) denies ``sts:AssumeRole``; ``fs.s3.sts.endpoint`` names the Regional endpoint. The call goes to
    the endpoint, whose policy refuses it (AWS PrivateLink Guide, "Access AWS services through AWS PrivateLink";
    "Control access to VPC endpoints using endpoint policies"): the probe step fails at AssumeRole (it completed).
    """
    ec2 = client(partner.aws.url, EMR_ACCOUNT, "ec2")
    vpc, subnet = private_subnet(ec2, "10.52")
    add_sts_interface_endpoint(ec2, vpc, subnet)
    add_s3_gateway_endpoint(ec2, vpc, subnet)
    [endpoint] = [
        item["VpcEndpointId"]
        for item in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
        if item["VpcEndpointType"] == "Interface"
    ]
    statements = [
        {"Sid": "Everything", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NoAssumeRole", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"},
    ]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PolicyDocument=json.dumps({"Statement": statements}))
    cluster_id = launch_cluster(
        partner.aws,
        partner.configuration,
        name="private-export",
        instances={"Ec2SubnetId": subnet},
        Configurations=[{"Classification": "emrfs-site", "Properties": {"fs.s3.sts.endpoint": override}}],
    )
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")

    [step_id] = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[probe_step(probe_key(PREFIX))])["StepIds"]

    status = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]
    assert status["State"] == "FAILED", status
    message = status["FailureDetails"]["Message"]
    assert "AssumeRole" in message
    assert f"VPC endpoint policy of {endpoint}" in message


#: ``fs.s3.sts.endpoint`` values naming the Regional STS endpoint of the cluster's Region with HTTPS's port written out.
PORT_443_OVERRIDES = [f"https://sts.{REGION}.amazonaws.com:443", f"sts.{REGION}.amazonaws.com:443/"]
#: Values the stand-in does not read as an endpoint it can tell: white space around it (kept unless the reader trims,
#: and EMRFS's reader is not published), a path (the SDK sends its requests under it), another scheme or port.
NOT_TOLD_OVERRIDES = [
    f" https://sts.{REGION}.amazonaws.com",
    f"https://sts.{REGION}.amazonaws.com\t",
    f"https://sts.{REGION}.amazonaws.com/sts",
    f"http://sts.{REGION}.amazonaws.com",
    f"https://sts.{REGION}.amazonaws.com:8443",
]


def test_port_443_names_the_same_sts_endpoint_and_white_space_or_a_path_is_not_told(ec2: Any) -> None:
    """
    The AWS SDK for Java, which EMRFS uses, takes an endpoint as a host name or a URL (AWS SDK for Java API Reference,
    ``AmazonWebServiceClient.setEndpoint``), and 443 is HTTPS's default port (RFC 9110, "https URI Scheme"): with the
    port written out an override names the same Regional endpoint, which the STS interface endpoint's private DNS takes
    (it was not told). The global endpoint so written is the global endpoint: no way from a subnet with no route out.
    """
    vpc, subnet = private_subnet(ec2, "10.53")
    add_sts_interface_endpoint(ec2, vpc, subnet)

    for override in PORT_443_OVERRIDES:
        site = {"fs.s3.sts.endpoint": override}
        assert regional_sts_region("emr-6.15.0", site, REGION) == REGION, override
        assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", site) is None, override
        assert "sts" in endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.15.0", site), override
    global_ = {"fs.s3.sts.endpoint": "https://sts.amazonaws.com:443/"}
    assert regional_sts_region("emr-6.15.0", global_, REGION) is None
    verdict = sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", global_)
    assert verdict is not None
    assert not verdict.startswith(CANNOT_TELL), verdict
    assert "sts.amazonaws.com" in verdict
    for override in NOT_TOLD_OVERRIDES:
        site = {"fs.s3.sts.endpoint": override}
        assert regional_sts_region("emr-6.15.0", site, REGION) is None, override
        assert (sts_unreachable(EMR_ACCOUNT, REGION, subnet, "emr-6.15.0", site) or "").startswith(CANNOT_TELL), (
            override
        )
        assert "sts" not in endpoints_on_the_way(EMR_ACCOUNT, REGION, subnet, "judged", "emr-6.15.0", site), override
