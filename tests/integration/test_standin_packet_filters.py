"""
The stand-in's network judge (``devstack/aws_network.py``) reads the packet filters on the way, over real botocore
against moto: the network ACLs of the cluster's subnet, of its NAT gateway's subnet and of the STS interface
endpoint's subnets (Amazon EC2 API Reference, "CreateNetworkAclEntry"; Amazon VPC User Guide, "Network ACLs") and the
egress rules of the primary node's security groups (AWS CloudFormation User Guide, "AWS::EC2::SecurityGroup"). Each
expected verdict is written by hand from those pages.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.verify import probe_step
from devstack.aws_network import CANNOT_TELL, s3_unreachable, sts_unreachable
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, REGION, Seeded, client
from devstack.testing import launch_cluster
from tests.integration.test_network_facts import associate_acl, default_route_table, private_subnet, public_subnet

BUCKET = "filtered"
RELEASE = "emr-6.15.0"


@pytest.fixture
def ec2(aws: Seeded) -> Any:
    client(aws.url, DESTINATION_ACCOUNT, "s3").create_bucket(Bucket=BUCKET)
    return client(aws.url, EMR_ACCOUNT, "ec2")


def behind_a_nat(ec2: Any, network: str) -> tuple[str, str, str]:
    """A private subnet whose ``0.0.0.0/0`` goes to a public NAT gateway in a public subnet: VPC, subnet, NAT subnet."""
    vpc, subnet = private_subnet(ec2, network)
    public = public_subnet(ec2, vpc, f"{network}.2.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_route(
        RouteTableId=default_route_table(ec2, vpc, subnet), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )
    return vpc, subnet, public


def own_acl(ec2: Any, vpc: str, subnet: str, *entries: dict[str, Any]) -> str:
    """A new network ACL of ``entries`` (rule number, egress, action, ...) associated with ``subnet``; its id."""
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for entry in entries:
        ec2.create_network_acl_entry(NetworkAclId=acl, **{"Protocol": "-1", "CidrBlock": "0.0.0.0/0", **entry})
    associate_acl(ec2, subnet, acl)
    return str(acl)


def rule(number: int, egress: bool, action: str, **more: Any) -> dict[str, Any]:
    return {"RuleNumber": number, "Egress": egress, "RuleAction": action, **more}


HTTPS = {"Protocol": "6", "PortRange": {"From": 443, "To": 443}}
ALLOW_ALL_IN, ALLOW_ALL_OUT = rule(100, False, "allow"), rule(100, True, "allow")


def test_the_default_network_acl_and_groups_let_the_probe_through(aws: Seeded, ec2: Any) -> None:
    """A VPC's default network ACL allows all traffic both ways, a new group's default egress rule all traffic out."""
    vpc, subnet, _ = behind_a_nat(ec2, "10.61")
    group = ec2.create_security_group(GroupName="primary", Description="primary", VpcId=vpc)["GroupId"]
    cluster = launch_cluster(aws, None, instances=managed_groups(ec2, vpc, subnet, group))

    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET, cluster) is None
    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {}, cluster) is None


def both_ways(subnet: str, cluster: str | None = None) -> tuple[str | None, str | None]:
    """The stand-in's answers for the probe's S3 write and its STS call from ``subnet``."""
    return (
        s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET, cluster),
        sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {}, cluster),
    )


def assert_dropped(verdict: str | None, *named: str) -> None:
    """A certain drop (not "cannot tell") whose reason names each of ``named``."""
    assert verdict is not None
    assert not verdict.startswith(CANNOT_TELL), verdict
    for part in named:
        assert part in verdict, verdict


def test_a_deny_of_https_out_before_an_allow_all_drops_the_request_at_its_rule(ec2: Any) -> None:
    """Entries are read by rule number, ascending; the first that matches decides: DENY 443 at 10 before ALLOW at 100."""
    vpc, subnet, _ = behind_a_nat(ec2, "10.62")
    acl = own_acl(ec2, vpc, subnet, rule(10, True, "deny", **HTTPS), ALLOW_ALL_OUT, ALLOW_ALL_IN)

    for verdict in both_ways(subnet):
        assert_dropped(verdict, acl, "rule 10", "outbound")


def test_an_allow_of_https_before_a_deny_all_lets_it_out_the_other_order_does_not(ec2: Any) -> None:
    """ALLOW 443 at 10 before DENY all at 20 passes the request; DENY at 10 before ALLOW 443 at 20 drops it."""
    vpc, subnet, _ = behind_a_nat(ec2, "10.63")
    own_acl(ec2, vpc, subnet, rule(10, True, "allow", **HTTPS), rule(20, True, "deny"), ALLOW_ALL_IN)
    vpc_2, subnet_2, _ = behind_a_nat(ec2, "10.64")
    acl_2 = own_acl(ec2, vpc_2, subnet_2, rule(10, True, "deny"), rule(20, True, "allow", **HTTPS), ALLOW_ALL_IN)

    assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET) is None
    denied = s3_unreachable(EMR_ACCOUNT, REGION, subnet_2, BUCKET)
    assert denied is not None
    assert acl_2 in denied, denied
    assert "rule 10" in denied, denied


def test_without_an_inbound_rule_for_the_answer_the_request_is_lost(ec2: Any) -> None:
    """Network ACLs are stateless: the answer to the client's ephemeral ports (32768-61000) needs an inbound rule."""
    vpc, subnet, _ = behind_a_nat(ec2, "10.65")
    acl = own_acl(
        ec2, vpc, subnet, ALLOW_ALL_OUT, rule(100, False, "allow", Protocol="6", PortRange={"From": 22, "To": 22})
    )

    assert_dropped(s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET), acl, "inbound", "32768-61000")


def test_ipv6_entries_are_not_read_for_the_ipv4_request(ec2: Any) -> None:
    """An IPv6 entry (Ipv6CidrBlock) is apart from the IPv4 ones: DENY ::/0 at 10 passes over, DENY at 20 decides."""
    vpc, subnet, _ = behind_a_nat(ec2, "10.66")
    ipv6_deny = {"RuleNumber": 10, "Egress": True, "RuleAction": "deny", "Protocol": "-1", "Ipv6CidrBlock": "::/0"}
    acl = own_acl(ec2, vpc, subnet, rule(20, True, "deny", **HTTPS), ALLOW_ALL_OUT, ALLOW_ALL_IN)
    ec2.create_network_acl_entry(NetworkAclId=acl, **ipv6_deny)

    verdict = s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET)

    assert verdict is not None
    assert "rule 20" in verdict, verdict
    assert "rule 10" not in verdict, verdict


def test_a_narrower_entry_ahead_of_the_deciding_one_leaves_it_untold(ec2: Any) -> None:
    """DENY 443 to 52.216.0.0/15 at 10 may hold S3's address, or not: the stand-in has no S3 address ranges."""
    vpc, subnet, _ = behind_a_nat(ec2, "10.67")
    own_acl(ec2, vpc, subnet, rule(10, True, "deny", CidrBlock="52.216.0.0/15", **HTTPS), ALLOW_ALL_OUT, ALLOW_ALL_IN)

    assert (s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET) or "").startswith(CANNOT_TELL)


def test_the_nat_gateway_s_subnet_acl_is_on_the_way_too(ec2: Any) -> None:
    """Through a NAT gateway the request leaves the gateway's subnet too: its ACL denying 443 out drops it."""
    vpc, subnet, public = behind_a_nat(ec2, "10.68")
    acl = own_acl(ec2, vpc, public, rule(10, True, "deny", **HTTPS), ALLOW_ALL_OUT, ALLOW_ALL_IN)

    for verdict in both_ways(subnet):
        assert_dropped(verdict, acl, public, "rule 10")


def managed_groups(ec2: Any, vpc: str, subnet: str, primary: str) -> dict[str, Any]:
    """``Instances`` of a cluster in ``subnet`` with ``primary`` as its primary node's managed group."""
    core = ec2.create_security_group(GroupName=f"core-{primary}", Description="core", VpcId=vpc)["GroupId"]
    return {"Ec2SubnetId": subnet, "EmrManagedMasterSecurityGroup": primary, "EmrManagedSlaveSecurityGroup": core}


def test_a_primary_group_without_egress_lets_nothing_out(aws: Seeded, ec2: Any) -> None:
    """
    Security groups allow only: once the group's egress rule is revoked (after the launch: EMR edits only inbound
    rules of managed groups, Amazon EMR Management Guide, "Working with Amazon EMR-managed security groups") no
    outbound traffic is allowed; an egress rule to a narrower range may hold S3's address, or not.
    """
    vpc, subnet, _ = behind_a_nat(ec2, "10.69")
    group = ec2.create_security_group(GroupName="closed", Description="closed", VpcId=vpc)["GroupId"]
    cluster = launch_cluster(aws, None, instances=managed_groups(ec2, vpc, subnet, group))
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )

    closed = both_ways(subnet, cluster)
    https_to_a_range = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "52.0.0.0/8"}]}
    ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[https_to_a_range])
    narrower = s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET, cluster)

    for verdict in closed:
        assert_dropped(verdict, group, "egress")
    assert (narrower or "").startswith(CANNOT_TELL), narrower


def test_the_probe_step_fails_on_the_primary_node_s_security_groups(aws: Seeded, ec2: Any) -> None:
    """The stand-in's probe step (``devstack/moto_stack.py``) judges the cluster's own primary group, not the subnet's."""
    vpc, subnet, _ = behind_a_nat(ec2, "10.70")
    group = ec2.create_security_group(GroupName="probe", Description="probe", VpcId=vpc)["GroupId"]
    cluster = launch_cluster(aws, None, instances=managed_groups(ec2, vpc, subnet, group))
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    emr = client(aws.url, EMR_ACCOUNT, "emr")

    [step_id] = emr.add_job_flow_steps(JobFlowId=cluster, Steps=[probe_step(f"s3://{BUCKET}/probe")])["StepIds"]
    step = emr.describe_step(ClusterId=cluster, StepId=step_id)["Step"]

    assert step["Status"]["State"] == "FAILED", step["Status"]
    assert group in step["Status"]["FailureDetails"]["Message"], step["Status"]


def behind_an_sts_endpoint(ec2: Any, network: str, where: str, *, open_to: str = "") -> tuple[str, str, str]:
    """
    A subnet with no route out, in a VPC with DNS support and hostnames on, whose STS interface endpoint with private
    DNS (its group open on HTTPS to ``open_to``, by default the VPC) has its network interfaces in the subnet (``own``),
    in another subnet (``other``, ``<network>.4.0/24``) or in both: VPC, subnet, other subnet.
    """
    vpc, subnet = private_subnet(ec2, network)
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
    other = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{network}.4.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"sts-{network}", Description="sts", VpcId=vpc)["GroupId"]
    https_in = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [{"CidrIp": open_to or f"{network}.0.0/16"}],
    }
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[https_in])
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.sts",
        VpcEndpointType="Interface",
        SubnetIds={"own": [subnet], "other": [other], "both": [subnet, other]}[where],
        SecurityGroupIds=[group],
        PrivateDnsEnabled=True,
    )
    return vpc, subnet, other


def test_the_sts_endpoint_s_subnet_acl_denying_https_in_drops_the_request(ec2: Any) -> None:
    """The request enters the endpoint's subnet on TCP 443: its ACL denying that at rule 10 drops it."""
    vpc, subnet, other = behind_an_sts_endpoint(ec2, "10.71", "other")
    acl = own_acl(ec2, vpc, other, rule(10, False, "deny", **HTTPS), ALLOW_ALL_OUT, ALLOW_ALL_IN)

    verdict = sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {})

    assert_dropped(verdict, acl, other, "inbound", "rule 10")


def test_the_sts_endpoint_s_answer_needs_an_outbound_rule_of_its_subnet_acl(ec2: Any) -> None:
    """Stateless: the endpoint's answer leaves its subnet to the cluster's ephemeral ports (32768-61000)."""
    vpc, subnet, other = behind_an_sts_endpoint(ec2, "10.72", "other")
    acl = own_acl(ec2, vpc, other, ALLOW_ALL_IN, rule(100, True, "allow", **HTTPS))

    verdict = sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {})

    assert_dropped(verdict, acl, "outbound", "32768-61000")


def test_the_cluster_s_acl_judges_the_way_to_an_endpoint_interface_in_another_subnet_only(ec2: Any) -> None:
    """
    An ACL controls traffic in and out of its subnet ("Network ACLs"): the cluster's ACL denying all traffic out at
    rule 10 leaves an interface in its own subnet reached, and drops the way to one in another subnet.
    """
    vpc, subnet, _ = behind_an_sts_endpoint(ec2, "10.73", "own")
    own_acl(ec2, vpc, subnet, rule(10, True, "deny"), ALLOW_ALL_OUT, ALLOW_ALL_IN)
    vpc_2, subnet_2, _ = behind_an_sts_endpoint(ec2, "10.74", "other")
    acl_2 = own_acl(ec2, vpc_2, subnet_2, rule(10, True, "deny"), ALLOW_ALL_OUT, ALLOW_ALL_IN)

    assert sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {}) is None
    denied = sts_unreachable(EMR_ACCOUNT, REGION, subnet_2, RELEASE, {})
    assert denied is not None
    assert not denied.startswith(CANNOT_TELL), denied
    assert acl_2 in denied, denied
    assert "rule 10" in denied, denied


def test_an_endpoint_with_one_interface_reached_and_one_dropped_cannot_be_told(ec2: Any) -> None:
    """The name resolves to both interfaces' addresses ("CreateVpcEndpoint", PrivateDnsEnabled): either may be used."""
    vpc, subnet, other = behind_an_sts_endpoint(ec2, "10.75", "both")
    own_acl(ec2, vpc, other, rule(10, False, "deny", **HTTPS), ALLOW_ALL_OUT, ALLOW_ALL_IN)

    assert (sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {}) or "").startswith(CANNOT_TELL)


def test_an_egress_rule_to_the_endpoint_s_subnet_reaches_that_interface_only(aws: Seeded, ec2: Any) -> None:
    """
    The primary node's only egress rule, HTTPS to the endpoint's subnet, surely lets the request to an interface there
    out; with another interface in the cluster's subnet, which no rule lets it reach, either may be used; a rule to a
    public range reaches neither.
    """
    vpc, subnet, _ = behind_an_sts_endpoint(ec2, "10.76", "other")
    vpc_2, subnet_2, _ = behind_an_sts_endpoint(ec2, "10.77", "both")
    verdicts = []
    for here, there, cidr in (
        (vpc, subnet, "10.76.4.0/24"),
        (vpc_2, subnet_2, "10.77.4.0/24"),
        (vpc_2, subnet_2, "52.0.0.0/8"),
    ):
        group = ec2.create_security_group(GroupName=f"to-{cidr}", Description="primary", VpcId=here)["GroupId"]
        cluster = launch_cluster(aws, None, instances=managed_groups(ec2, here, there, group))
        ec2.revoke_security_group_egress(
            GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[https])
        verdicts.append(sts_unreachable(EMR_ACCOUNT, REGION, there, RELEASE, {}, cluster))

    reached, either, neither = verdicts
    assert reached is None, reached
    assert (either or "").startswith(CANNOT_TELL), either
    assert neither is not None
    assert not neither.startswith(CANNOT_TELL), neither


def test_an_own_sts_endpoint_taking_the_name_leaves_no_hub_endpoint_to_reach(ec2: Any) -> None:
    """
    A route of private ranges to a transit gateway may reach a hub VPC's endpoint named by a private hosted zone, but
    not where the VPC's own endpoint with private DNS takes the name: a VPC is associated with one hosted zone of a
    name (Amazon Route 53 API Reference, "AssociateVPCWithHostedZone", ConflictingDomainExists). Its group closed to the
    cluster's subnet, the request is dropped.
    """
    vpc, subnet, _ = behind_an_sts_endpoint(ec2, "10.78", "own", open_to="192.168.0.0/24")
    hub = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_route(
        RouteTableId=default_route_table(ec2, vpc, subnet), DestinationCidrBlock="172.16.0.0/12", TransitGatewayId=hub
    )

    verdict = sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {})

    assert_dropped(verdict, "security groups")


def only_https_to(ec2: Any, aws: Seeded, vpc: str, subnet: str, name: str, **to: Any) -> str:
    """A cluster in ``subnet`` whose primary group's only egress rule is TCP 443 to ``to`` (ranges, prefix lists)."""
    group = ec2.create_security_group(GroupName=name, Description="primary", VpcId=vpc)["GroupId"]
    cluster = launch_cluster(aws, None, instances=managed_groups(ec2, vpc, subnet, group))
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ec2.authorize_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, **to}]
    )
    return cluster


def s3_gateway_list(ec2: Any, vpc: str, subnet: str) -> str:
    """An S3 gateway endpoint on the subnet's route table; the prefix list its route goes to."""
    table = default_route_table(ec2, vpc, subnet)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[table]
    )
    [routes] = [item["Routes"] for item in ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]]
    [listed] = [route["DestinationPrefixListId"] for route in routes if route.get("DestinationPrefixListId")]
    return str(listed)


def test_an_egress_rule_only_to_s3_s_prefix_list_does_not_reach_an_sts_endpoint(aws: Seeded, ec2: Any) -> None:
    """
    S3's AWS-managed prefix list holds S3's (public) IP address ranges (Amazon VPC User Guide, "AWS-managed prefix
    lists": "sets of IP address ranges for AWS services"), never the private address of an STS interface endpoint's
    network interface: a primary group whose only egress rule is HTTPS to that list lets no request out to STS there,
    in the cluster's subnet or another, by the list's name or as the S3 gateway endpoint's; the same rule lets the
    request to S3 through the gateway endpoint out.
    """
    named = [{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.s3"]}]
    [managed] = ec2.describe_managed_prefix_lists(Filters=named)["PrefixLists"]
    verdicts = []
    for network, where in (("10.79", "own"), ("10.80", "other")):
        vpc, subnet, _ = behind_an_sts_endpoint(ec2, network, where)
        gateway_list = s3_gateway_list(ec2, vpc, subnet)
        for number, listed in enumerate((managed["PrefixListId"], gateway_list)):
            cluster = only_https_to(
                ec2, aws, vpc, subnet, f"to-s3-{number}-{network}", PrefixListIds=[{"PrefixListId": listed}]
            )
            verdicts.append(sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {}, cluster))
            assert s3_unreachable(EMR_ACCOUNT, REGION, subnet, BUCKET, cluster) is None

    assert len(verdicts) == 4
    for verdict in verdicts:
        assert_dropped(verdict, "security groups")


def test_each_sts_endpoint_subnet_dropped_by_its_acl_or_by_the_groups_drops_the_request(aws: Seeded, ec2: Any) -> None:
    """
    The name resolves to each network interface's address ("CreateVpcEndpoint", PrivateDnsEnabled): with interfaces
    in the cluster's subnet and another, the other's ACL denying HTTPS in at rule 10 and the primary group's egress
    rules, HTTPS to S3's prefix list and to the other subnet's range, reaching the cluster's own subnet by neither,
    every way is dropped, one by the ACL, one by the groups.
    """
    vpc, subnet, other = behind_an_sts_endpoint(ec2, "10.81", "both")
    acl = own_acl(ec2, vpc, other, rule(10, False, "deny", **HTTPS), ALLOW_ALL_OUT, ALLOW_ALL_IN)
    listed = s3_gateway_list(ec2, vpc, subnet)
    cluster = only_https_to(
        ec2,
        aws,
        vpc,
        subnet,
        "both-ways",
        PrefixListIds=[{"PrefixListId": listed}],
        IpRanges=[{"CidrIp": "10.81.4.0/24"}],
    )

    verdict = sts_unreachable(EMR_ACCOUNT, REGION, subnet, RELEASE, {}, cluster)

    assert_dropped(verdict, acl, "security groups")
