"""
The STS reachability check the verifier runs given the cluster's subnet.

AWS (Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint"): releases
5.31.0 and 6.1.0 and later call the Regional STS endpoint; earlier ones the global one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.findings import names_action
from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.network import (
    AWS_MANAGED_EMPTY,
    DESCRIBE_REFUSED,
    ENTRIES_REFUSED,
    NAMES_REFUSED,
    NOT_CHECKED,
    NOT_SHOWN,
    READ_FAILED,
    REFUSED_ACTIONS,
    S3A_DEFAULT_STS,
    SubnetFacts,
    UnreadPrefixList,
    cluster_sts_check,
    dns_suffix,
    dynamodb_endpoint_services,
    in_aws_partition,
    prefix_lists_fix,
    s3_endpoint_services,
    s3_route_check,
    s3a_default_sts,
    s3express_endpoint_services,
    sts_endpoint_check,
    sts_endpoint_settings,
    uses_regional_sts,
)
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule

#: An endpoint security group's rule letting the whole VPC in on HTTPS.
FROM_THE_VPC = (IngressRule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),)


def facts(**changes: object) -> SubnetFacts:
    """
    A subnet with no way out; its VPC's DNS attributes read as on and the STS endpoint's security group letting
    the VPC in on HTTPS, unless ``changes`` say otherwise.
    """
    values: dict[str, object] = {
        "nat_route": False,
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": False,
        "vpc_id": "vpc-0a",
        "dns_support": True,
        "dns_hostnames": True,
        "subnet_cidr": "10.0.1.0/24",
        "endpoint_groups": ("sg-0e",),
        "endpoint_ingress": FROM_THE_VPC,
    }
    values.update(changes)
    return SubnetFacts(subnet_id="subnet-0a", region="eu-west-1", **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("release", "regional"),
    [
        ("emr-5.30.2", False),
        ("emr-5.31.0", True),
        ("emr-5.36.2", True),
        ("emr-6.0.0", False),
        ("emr-6.0.1", False),
        ("emr-6.1.0", True),
        ("emr-6.15.0", True),
        ("emr-7.0.0", True),
        ("emr-4.9.6", False),
    ],
)
def test_release_boundaries(release: str, regional: bool) -> None:
    assert uses_regional_sts(release) is regional


def test_private_subnet_without_endpoint_or_nat_fails_with_the_fix() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts())
    assert result.status == "FAIL"
    assert result.endpoint == "https://sts.eu-west-1.amazonaws.com"
    assert "com.amazonaws.eu-west-1.sts" in result.fix
    assert "NAT" in result.fix


def test_private_subnet_with_sts_interface_endpoint_passes_on_regional_releases() -> None:
    assert sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True)).status == "PASS"


# The endpoint's private DNS needs the VPC's enableDnsSupport and enableDnsHostnames true (Amazon EC2 API
# Reference, "CreateVpcEndpoint", PrivateDnsEnabled: "To use a private hosted zone, you must set the following
# VPC attributes to true: enableDnsHostnames and enableDnsSupport"); with either off the Regional STS name
# does not resolve to the endpoint, and a private subnet has no way to STS. With enableDnsSupport off, though, no name
# resolves through the Amazon-provided DNS server at all ("ModifyVpcAttribute", EnableDnsSupport: "If disabled, the
# Amazon provided DNS service in the VPC that resolves public DNS hostnames to IP addresses is not enabled"): DNS
# servers of a custom DHCP option set, not read, may still name the endpoint: not checked, never FAIL.
@pytest.mark.parametrize(
    ("changes", "off", "status"),
    [
        ({"dns_support": False}, ["enableDnsSupport"], NOT_CHECKED),
        ({"dns_hostnames": False}, ["enableDnsHostnames"], "FAIL"),
        ({"dns_support": False, "dns_hostnames": False}, ["enableDnsSupport", "enableDnsHostnames"], NOT_CHECKED),
        ({"dns_support": None, "dns_hostnames": False}, ["enableDnsHostnames"], "FAIL"),  # one read off is enough
    ],
)
def test_the_sts_endpoint_s_private_dns_needs_both_vpc_dns_attributes(
    changes: dict[str, bool], off: list[str], status: str
) -> None:
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True, **changes))

    assert result.status == status
    if status == NOT_CHECKED:
        assert "custom DHCP option set" in result.detail
        assert result.fix.endswith("the live probe (probe=True) proves it")
        result = dataclasses.replace(result, fix=result.fix.removesuffix("; or the live probe (probe=True) proves it"))
    assert all(name in result.detail for name in off)
    assert "none in this VPC" not in result.detail  # the endpoint is there; its DNS is what is missing
    commands = [
        f"aws ec2 modify-vpc-attribute --vpc-id vpc-0a --{option}"
        for option in ("enable-dns-support" if name == "enableDnsSupport" else "enable-dns-hostnames" for name in off)
    ]
    # One attribute a request, DNS support first ("You can only enable DNS hostnames if you've enabled DNS
    # support", Amazon EC2 API Reference, "ModifyVpcAttribute").
    assert [part.split(" '")[0] for part in result.fix.split("; ")] == commands
    assert result.fix.count("'{\"Value\":true}'") == len(off)


def test_with_both_vpc_dns_attributes_on_the_sts_endpoint_passes() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True, dns_support=True, dns_hostnames=True))
    assert result.status == "PASS"


@pytest.mark.parametrize(
    "changes", [{"dns_support": None}, {"dns_hostnames": None}, {"dns_support": None, "dns_hostnames": None}]
)
def test_unread_vpc_dns_attributes_leave_the_sts_endpoint_not_checked(changes: dict[str, None]) -> None:
    refused = "ec2:DescribeVpcAttribute (enableDnsSupport) on vpc-0a was denied"
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True, dns_unread=refused, **changes))

    assert result.status == "NOT CHECKED"
    assert refused in result.detail
    assert "ec2:DescribeVpcAttribute on vpc-0a" in result.fix


def test_without_vpc_dns_support_no_way_passes() -> None:
    """
    Every way to STS or S3 starts with the endpoint's name resolved. With ``enableDnsSupport`` off, "the Amazon provided
    DNS service in the VPC that resolves public DNS hostnames to IP addresses is not enabled" (Amazon EC2 API Reference,
    "ModifyVpcAttribute", ``EnableDnsSupport``): a NAT route, an internet gateway or an S3 gateway endpoint is then
    not checked (DNS servers of a custom DHCP option set, not read, may resolve it), never PASS; unread, likewise.
    """
    ways = (
        {"nat_route": True},
        {"internet_gateway_route": True, "public_ip_on_launch": True},
        {"nat_route": True, "sts_interface_endpoint": True},
    )
    for way in ways:
        for release in ("emr-6.15.0", "emr-5.30.0"):
            result = sts_endpoint_check(release, facts(**way, dns_support=False, dns_hostnames=None))
            assert result.status == NOT_CHECKED, result.detail
            assert "enableDnsSupport is off" in result.detail
            assert "custom DHCP option set" in result.detail
            assert "--enable-dns-support" in result.fix
        assert s3_route_check("b", "us-east-1", facts(**way, dns_support=False)).status == NOT_CHECKED
        unread = facts(**way, dns_support=None, dns_hostnames=None, dns_unread="ec2:DescribeVpcAttribute was denied")
        assert sts_endpoint_check("emr-5.30.0", unread).status == NOT_CHECKED
        assert "ec2:DescribeVpcAttribute" in sts_endpoint_check("emr-5.30.0", unread).fix
        assert s3_route_check("b", "us-east-1", unread).status == NOT_CHECKED
        assert sts_endpoint_check(release, facts(**way)).status == "PASS"  # read as on: the routes decide
    gateway = facts(s3_gateway_endpoint=True, dns_support=False)
    assert s3_route_check("b", "eu-west-1", gateway).status == NOT_CHECKED
    assert s3_route_check("b", "eu-west-1", dataclasses.replace(gateway, dns_support=True)).status == "PASS"
    # No way at all stays a FAIL whatever resolves the name: there is nothing to reach.
    assert sts_endpoint_check("emr-6.15.0", facts(dns_support=False)).status == "FAIL"
    assert s3_route_check("b", "eu-west-1", facts(dns_support=False, s3_gateway_endpoint=False)).status == "FAIL"
    egress = sts_endpoint_check(
        "emr-6.15.0",
        facts(other_default_route="transit gateway tgw-0abc", sts_interface_endpoint=True, dns_support=False),
    )
    assert egress.status == NOT_CHECKED  # egress not seen decides the route: not checked, not advice
    assert "enableDnsSupport" in egress.detail


# The endpoint's security groups "control the traffic to the endpoint network interface from resources in your
# VPC" (Amazon VPC User Guide, "Interface VPC endpoints (AWS PrivateLink)"); they only allow ("You can specify
# allow rules, but not deny rules", "Security group rules").
def test_an_sts_endpoint_whose_security_groups_let_no_https_in_fails_with_the_rule_to_add() -> None:
    closed = (IngressRule("tcp", 22, 22, cidrs=("10.0.0.0/16",)), IngressRule("udp", 443, 443, cidrs=("0.0.0.0/0",)))
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True, endpoint_ingress=closed))

    assert result.status == "FAIL"
    assert "sg-0e" in result.detail
    assert "no inbound rule allows TCP 443" in result.detail
    assert (
        result.fix
        == "aws ec2 authorize-security-group-ingress --group-id sg-0e --protocol tcp --port 443 --cidr 10.0.1.0/24"
    )


def test_an_sts_endpoint_open_to_sources_not_matched_to_the_cluster_is_not_checked() -> None:
    # The VPC's default security group, given to an endpoint created without one, admits its own members only.
    default_group = (IngressRule("-1", groups=("sg-0default",)),)
    result = sts_endpoint_check(
        "emr-6.15.0", facts(sts_interface_endpoint=True, endpoint_ingress=default_group, instance_groups=("sg-0emr",))
    )

    assert result.status == NOT_CHECKED
    assert "sg-0default" in result.detail
    assert "probe" in result.fix


def test_unread_endpoint_security_groups_leave_the_sts_route_not_checked() -> None:
    refused = "ec2:DescribeSecurityGroups on sg-0e was denied"
    result = sts_endpoint_check(
        "emr-6.15.0", facts(sts_interface_endpoint=True, endpoint_ingress=None, ingress_unread=refused)
    )

    assert result.status == "NOT CHECKED"
    assert refused in result.detail
    assert "ec2:DescribeSecurityGroups" in result.fix


def test_the_global_endpoint_of_old_releases_needs_the_internet_route() -> None:
    result = sts_endpoint_check("emr-5.30.0", facts(sts_interface_endpoint=True))
    assert result.status == "FAIL"
    assert result.endpoint == "https://sts.amazonaws.com"
    assert "no VPC endpoint" in result.fix


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"nat_route": True}, "PASS"),
        ({"internet_gateway_route": True, "public_ip_on_launch": True}, "PASS"),
        ({"internet_gateway_route": True}, NOT_CHECKED),  # MapPublicIpOnLaunch false: EMR's public IPs not documented
        ({"public_ip_on_launch": True}, "FAIL"),
    ],
)
def test_routes_to_the_internet(changes: dict[str, bool], status: str) -> None:
    assert sts_endpoint_check("emr-5.30.0", facts(**changes)).status == status
    assert sts_endpoint_check("emr-7.10.0", facts(**changes)).status == status


def test_an_fs_s3_sts_endpoint_override_decides_the_endpoint() -> None:
    global_endpoint = {"fs.s3.sts.endpoint": "https://sts.amazonaws.com"}
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True), global_endpoint)
    assert result.status == "FAIL"
    assert result.endpoint == "https://sts.amazonaws.com"
    regional = {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}
    assert sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True), regional).status == "PASS"


@pytest.mark.parametrize(
    "override",
    [
        "https://sts.eu-west-1.amazonaws.com/",
        "sts.eu-west-1.amazonaws.com",
        # The HTTPS port written out and the host in capitals name the same endpoint: DNS names are
        # case-insensitive (RFC 4343), and 443 is HTTPS's default port (RFC 9110, "https URI Scheme").
        "https://sts.eu-west-1.amazonaws.com:443",
        "https://STS.EU-WEST-1.AMAZONAWS.COM",
    ],
)
def test_a_regional_override_is_recognised_however_written(override: str) -> None:
    # The VPC's STS interface endpoint with private DNS answers for the Regional name (module docstring): PASS,
    # not the global endpoint's FAIL.
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True), {"fs.s3.sts.endpoint": override})
    assert result.status == "PASS"
    assert result.fix == ""
    assert sts_endpoint_check("emr-6.15.0", facts(), {"fs.s3.sts.endpoint": override}).fix.startswith(
        "add an interface VPC endpoint com.amazonaws.eu-west-1.sts"
    )


@pytest.mark.parametrize(
    "override",
    [
        "https://proxy-sts.eu-west-1.amazonaws.com",
        "https://sts-fips.eu-west-1.amazonaws.com",
        "https://sts.eu-west-1.api.aws",
        "https://sts.proxy.example.com",
    ],
)
@pytest.mark.parametrize("changes", [{"sts_interface_endpoint": True}, {"nat_route": True}, {}])
def test_another_host_or_port_is_not_the_regional_endpoint_and_not_judged(
    override: str, changes: dict[str, bool]
) -> None:
    # The override may name any endpoint (Amazon EMR Release Guide, "Managing the default AWS Security Token
    # Service endpoint"): the Regional name's interface endpoint does not serve another host, and whether the
    # subnet reaches a FIPS, dual-stack or proxy host (through the internet, an endpoint of its own or another
    # network) is nothing the subnet's facts show: neither PASS nor FAIL.
    result = sts_endpoint_check("emr-6.15.0", facts(**changes), {"fs.s3.sts.endpoint": override})
    assert result.status == NOT_CHECKED
    assert "neither STS's Regional endpoint (sts.eu-west-1.amazonaws.com) nor its global one" in result.detail
    assert "https://sts.eu-west-1.amazonaws.com" in result.fix


@pytest.mark.parametrize("override", ["https://sts.amazonaws.com", "STS.AMAZONAWS.COM:443"])
def test_an_override_naming_the_global_endpoint_needs_the_internet_route(override: str) -> None:
    # The global endpoint has no VPC endpoint (AWS PrivateLink, "AWS services that integrate with AWS
    # PrivateLink" lists com.amazonaws.REGION.sts only).
    private = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True), {"fs.s3.sts.endpoint": override})
    assert private.status == "FAIL"
    assert sts_endpoint_check("emr-6.15.0", facts(nat_route=True), {"fs.s3.sts.endpoint": override}).status == "PASS"


def test_where_s3a_serves_s3_its_own_sts_endpoint_setting_decides() -> None:
    """
    From 7.10.0 s3:// is S3A unless core-site fs.s3.impl keeps EMRFS; S3A's fs.s3a.assumed.role.sts.endpoint is
    filled from emrfs-site fs.s3.sts.endpoint only "when S3A configurations are undefined", and not at all with
    fs.s3a.emrfs.compatibility.enable false (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem").
    """

    def check(release: str, **sites: dict[str, str]) -> str:
        configurations = [{"Classification": name, "Properties": props} for name, props in sites.items()]
        settings = sts_endpoint_settings(release, configurations)
        return sts_endpoint_check(release, facts(sts_interface_endpoint=True), settings).status

    global_s3a = {"fs.s3a.assumed.role.sts.endpoint": "https://sts.amazonaws.com"}
    global_emrfs = {"fs.s3.sts.endpoint": "https://sts.amazonaws.com"}
    regional_emrfs = {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}
    assert check("emr-7.10.0", **{"core-site": global_s3a}) == "FAIL"  # S3A's own: the global endpoint
    assert check("emr-7.10.0", **{"core-site": global_s3a, "emrfs-site": regional_emrfs}) == "FAIL"  # it wins
    assert check("emr-7.10.0", **{"emrfs-site": global_emrfs}) == "FAIL"  # translated
    off = {"fs.s3a.emrfs.compatibility.enable": "false"}
    assert check("emr-7.10.0", **{"core-site": off, "emrfs-site": global_emrfs}) == "PASS"  # not translated
    kept = {"fs.s3.impl": "com.amazon.ws.emr.hadoop.fs.EmrFileSystem", **global_s3a}
    assert check("emr-7.10.0", **{"core-site": kept}) == "PASS"  # EMRFS reads no fs.s3a.* setting
    assert check("emr-7.9.0", **{"core-site": global_s3a}) == "PASS"  # EMRFS before 7.10.0


@pytest.mark.parametrize("changes", [{"nat_route": True}, {"sts_interface_endpoint": True}, {}])
def test_where_s3a_serves_s3_without_an_endpoint_setting_the_route_to_sts_is_not_checked(
    changes: dict[str, bool],
) -> None:
    """
    EMR documents the Regional STS default for EMRFS only (Amazon EMR Release Guide, "Managing the default AWS
    Security Token Service endpoint": "EMRFS uses ... 5.31.0 and 6.1.0 and later make requests to Regional AWS STS
    endpoints"); for S3A, which serves s3:// from 7.10.0 ("Migration guide: EMRFS to S3A filesystem"), no page says
    which endpoint its role mappings call when no setting names one. Neither PASS (the NAT or interface endpoint may
    not be the way) nor FAIL (no way out may not matter).
    """
    configurations: list[dict[str, Any]] = []
    assert s3a_default_sts("emr-7.10.0", configurations)
    result = cluster_sts_check("emr-7.10.0", facts(**changes), configurations)
    assert result.status == NOT_CHECKED
    assert result.endpoint == S3A_DEFAULT_STS
    assert "fs.s3a.assumed.role.sts.endpoint" in result.detail
    assert "https://sts.eu-west-1.amazonaws.com" in result.fix


@pytest.mark.parametrize(
    ("release", "sites"),
    [
        ("emr-7.9.0", {}),  # EMRFS: the documented Regional default
        ("emr-7.10.0", {"core-site": {"fs.s3.impl": "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"}}),  # EMRFS kept
        ("emr-7.10.0", {"core-site": {"fs.s3a.assumed.role.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}}),
        ("emr-7.10.0", {"emrfs-site": {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}}),  # translated
    ],
)
def test_a_named_or_documented_sts_endpoint_is_judged_as_before(release: str, sites: dict[str, Any]) -> None:
    configurations = [{"Classification": name, "Properties": props} for name, props in sites.items()]
    assert not s3a_default_sts(release, configurations)
    assert cluster_sts_check(release, facts(sts_interface_endpoint=True), configurations).status == "PASS"


def test_with_the_translation_off_an_emrfs_endpoint_setting_does_not_name_s3as() -> None:
    configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "false"}},
        {"Classification": "emrfs-site", "Properties": {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}},
    ]
    assert s3a_default_sts("emr-7.10.0", configurations)


def test_before_5_31_0_and_6_1_0_the_override_is_not_used() -> None:
    # Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint": earlier releases
    # "send all AWS STS requests to a single global endpoint"; "When you use Amazon EMR release versions 5.31.0
    # and 6.1.0 and later, you can override the default AWS STS endpoint".
    regional = {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}
    for release in ("emr-5.30.0", "emr-6.0.0"):
        result = sts_endpoint_check(release, facts(sts_interface_endpoint=True), regional)
        assert result.status == "FAIL"
        assert result.endpoint == "https://sts.amazonaws.com"
        assert "fs.s3.sts.endpoint is not used before 5.31.0 and 6.1.0" in result.detail


@pytest.mark.parametrize("changes", [{}, {"nat_route": True}, {"sts_interface_endpoint": True}])
def test_an_override_naming_an_interface_endpoint_of_its_own_is_not_judged(changes: dict[str, bool]) -> None:
    # An interface endpoint's own DNS names (vpce-....sts.REGION.vpce.amazonaws.com) resolve to its network
    # interfaces whether private DNS is on or not (AWS PrivateLink Guide, "Access an AWS service using an interface
    # VPC endpoint", DNS hostnames): which VPC that endpoint is in is not read, so it is neither PASS nor FAIL.
    vpce = {"fs.s3.sts.endpoint": "https://vpce-0a1b2c3d4e5f67890-abcdefgh.sts.eu-west-1.vpce.amazonaws.com"}
    result = sts_endpoint_check("emr-6.15.0", facts(**changes), vpce)
    assert result.status == NOT_CHECKED
    assert result.endpoint == vpce["fs.s3.sts.endpoint"]
    assert "interface endpoint's own DNS name" in result.detail
    assert "probe" in result.fix


def test_unknown_subnet_is_not_checked() -> None:
    assert sts_endpoint_check("emr-6.15.0", None).status == NOT_CHECKED


def test_bad_release_label_names_the_field() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        sts_endpoint_check("6.15.0", facts())
    assert caught.value.field == "release_label"


# AWS Prescriptive Guidance, "Transit gateway configuration": spoke VPCs send 0.0.0.0/0 to the
# transit gateway and the egress VPC's NAT does the rest; the check cannot see past the VPC.
@pytest.mark.parametrize(
    "target",
    [
        "transit gateway tgw-0abc",
        "Gateway Load Balancer endpoint vpce-0abc",
        "Cloud WAN core network arn:aws:networkmanager::111122223333:core-network/core-network-0abc",
        "VPC peering connection pcx-0abc",
        "network interface eni-0abc",
        "local gateway lgw-0abc",
    ],
)
def test_a_default_route_to_another_target_is_egress_not_seen(target: str) -> None:
    result = sts_endpoint_check("emr-6.15.0", facts(other_default_route=target))  # type: ignore[arg-type]

    assert result.status == NOT_CHECKED
    assert result.detail.startswith("egress not seen")
    assert target in result.detail
    assert "none in this VPC (one shared through Route 53 from another VPC is not checked)" in result.detail


def test_no_default_route_and_no_endpoint_in_the_vpc_is_still_a_fail_worded_for_shared_endpoints() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts())

    assert result.status == "FAIL"
    assert "no default route" in result.detail
    assert "none in this VPC (one shared through Route 53 from another VPC is not checked)" in result.detail


@pytest.mark.parametrize(
    ("region", "endpoint", "services"),
    [
        # botocore data/partitions.json: aws-cn's dnsSuffix is amazonaws.com.cn
        (
            "cn-north-1",
            "https://sts.cn-north-1.amazonaws.com.cn",
            ["com.amazonaws.cn-north-1.sts", "cn.com.amazonaws.cn-north-1.sts"],
        ),
        ("cn-northwest-1", "https://sts.cn-northwest-1.amazonaws.com.cn", None),
        ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com", ["com.amazonaws.us-gov-west-1.sts"]),
        ("eu-west-1", "https://sts.eu-west-1.amazonaws.com", ["com.amazonaws.eu-west-1.sts"]),
    ],
)
def test_the_regional_sts_host_follows_the_partition(region: str, endpoint: str, services: list[str] | None) -> None:
    from airflow_provider_emrfs_xacct.pure.network import sts_endpoint_services

    china = SubnetFacts("subnet-0a", region, False, False, False, False)
    assert sts_endpoint_check("emr-6.15.0", china).endpoint == endpoint
    if services:
        assert sts_endpoint_services(region) == services
    # A Regional override in that partition is recognised as Regional (an STS endpoint works with it).
    with_endpoint = SubnetFacts(
        "subnet-0a",
        region,
        False,
        False,
        False,
        True,
        dns_support=True,
        dns_hostnames=True,
        subnet_cidr="10.0.1.0/24",
        endpoint_ingress=FROM_THE_VPC,
    )
    assert sts_endpoint_check("emr-6.15.0", with_endpoint, {"fs.s3.sts.endpoint": endpoint}).status == "PASS"


def test_the_dns_suffixes_match_botocore_s_partitions() -> None:
    import json
    import re
    from pathlib import Path

    import botocore

    from airflow_provider_emrfs_xacct.pure.network import dns_suffix

    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    for partition in data["partitions"]:
        for region in partition["regions"]:
            if not re.match(partition["regionRegex"], region):
                continue  # a pseudo-Region such as aws-global
            assert dns_suffix(region) == partition["outputs"]["dnsSuffix"], (partition["id"], region)


# The route to S3 of the bucket's Region ---------------------------------------------------------------------------
# Amazon VPC User Guide, "Gateway endpoints for Amazon S3": a gateway endpoint serves only buckets of its own Region;
# AWS PrivateLink Guide, "Cross-region enabled AWS services": an S3 interface endpoint may serve another Region.


@pytest.mark.parametrize(
    ("bucket_region", "changes", "status"),
    [
        ("us-east-1", {"nat_route": True}, "PASS"),  # through the internet: any Region
        ("us-east-1", {"internet_gateway_route": True, "public_ip_on_launch": True}, "PASS"),
        ("eu-west-1", {"s3_gateway_endpoint": True}, "PASS"),  # the gateway endpoint's own Region
        ("us-east-1", {"s3_gateway_endpoint": True}, "FAIL"),  # another Region: the gateway endpoint cannot serve it
        ("us-east-1", {"s3_gateway_endpoint": True, "internet_gateway_route": True}, NOT_CHECKED),  # public IP unknown
        ("us-east-1", {"s3_gateway_endpoint": True, "shared_by": "111111111111"}, NOT_CHECKED),  # owner's endpoints
        ("eu-west-1", {"s3_gateway_endpoint": False, "shared_by": "111111111111"}, NOT_CHECKED),
        ("eu-west-1", {"s3_gateway_endpoint": False}, "FAIL"),  # no way to S3 at all
        (
            "us-east-1",
            {"s3_gateway_endpoint": True, "s3_interface_endpoints": ("com.amazonaws.us-east-1.s3",)},
            NOT_CHECKED,
        ),
        ("us-east-1", {"s3_gateway_endpoint": True, "other_default_route": "transit gateway tgw-0a"}, NOT_CHECKED),
        (None, {"s3_gateway_endpoint": True}, NOT_CHECKED),  # the bucket's Region unknown
        ("eu-west-1", {}, NOT_CHECKED),  # the S3 endpoints not read
    ],
)
def test_the_route_to_s3_of_the_bucket_s_region(
    bucket_region: str | None, changes: dict[str, object], status: str
) -> None:
    assert s3_route_check("partner-b", bucket_region, facts(**changes)).status == status


def test_a_bucket_in_another_region_than_the_gateway_endpoint_fails_naming_both_regions_and_the_fixes() -> None:
    result = s3_route_check("partner-b", "us-east-1", facts(s3_gateway_endpoint=True))

    assert result.status == "FAIL"
    assert result.endpoint == "https://s3.us-east-1.amazonaws.com"
    assert "only buckets of eu-west-1" in result.detail
    assert "partner-b is in us-east-1" in result.detail
    assert "NAT gateway route to subnet subnet-0a" in result.fix
    assert "S3 interface endpoint of us-east-1" in result.fix


def test_no_s3_gateway_endpoint_in_the_cluster_s_region_fails_with_the_endpoint_to_add() -> None:
    result = s3_route_check("partner-b", "eu-west-1", facts(s3_gateway_endpoint=False))

    assert result.status == "FAIL"
    assert "com.amazonaws.eu-west-1.s3" in result.detail
    assert "gateway endpoint com.amazonaws.eu-west-1.s3 on the route table of subnet subnet-0a" in result.fix


def outside_aws(region: str, **changes: object) -> SubnetFacts:
    """:func:`facts` in ``region``."""
    return dataclasses.replace(facts(**changes), region=region)


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1"])
@pytest.mark.parametrize("changes", [{"sts_interface_endpoint": True}, {"nat_route": True}, {}])
def test_outside_the_aws_partition_the_endpoint_of_old_releases_is_not_known(
    region: str, changes: dict[str, bool]
) -> None:
    # The Release Guide's global endpoint (https://sts.amazonaws.com) is "hosted in a single AWS Region, US East
    # (N. Virginia)" (AWS General Reference, "AWS Security Token Service endpoints and quotas"), a Region of the
    # aws partition, whose credentials are not those of cn- or us-gov- Regions ("you cannot use IAM credentials
    # from one partition to interact with resources in a different partition", AWS Fault Isolation Boundaries,
    # "Partitions"): what EMRFS before 5.31.0 and 6.1.0 calls there is undocumented, neither PASS nor FAIL.
    result = sts_endpoint_check("emr-5.30.0", outside_aws(region, **changes))
    assert result.status == NOT_CHECKED
    assert "not documented" in result.detail
    assert f"https://sts.{region}.{dns_suffix(region)}" in result.fix


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1"])
@pytest.mark.parametrize("changes", [{"sts_interface_endpoint": True}, {"nat_route": True}])
def test_outside_the_aws_partition_an_override_naming_the_global_endpoint_fails(
    region: str, changes: dict[str, bool]
) -> None:
    override = {"fs.s3.sts.endpoint": "https://sts.amazonaws.com"}
    result = sts_endpoint_check("emr-6.15.0", outside_aws(region, **changes), override)
    assert result.status == "FAIL"
    assert "aws partition" in result.detail
    assert result.fix == f"name the Regional endpoint https://sts.{region}.{dns_suffix(region)}"


def test_in_aws_partition_matches_botocore_s_partitions() -> None:
    import json
    import re
    from pathlib import Path

    import botocore

    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    for partition in data["partitions"]:
        for region in partition["regions"]:
            if re.match(partition["regionRegex"], region):
                assert in_aws_partition(region) is (partition["id"] == "aws"), (partition["id"], region)


def test_an_internet_gateway_route_without_public_ip_on_launch_is_not_checked_never_a_fail() -> None:
    """
    Amazon EMR Management Guide, "Amazon VPC options", public subnets: "EMR clusters in a public subnet require a
    connected internet gateway" and "Amazon EMR cannot communicate with clusters in public subnets through a network
    address translation (NAT) device"; it does not say whether EMR gives the instances public IPv4 addresses when the
    subnet's MapPublicIpOnLaunch is false. A working cluster there must not stop the pipeline: not checked.
    """
    public_route = facts(internet_gateway_route=True, public_ip_on_launch=False)

    sts = sts_endpoint_check("emr-6.15.0", public_route)
    s3 = s3_route_check("partner-b", "us-east-1", dataclasses.replace(public_route, s3_gateway_endpoint=False))

    assert (sts.status, s3.status) == (NOT_CHECKED, NOT_CHECKED)
    assert "MapPublicIpOnLaunch false" in sts.detail
    assert "MapPublicIpOnLaunch false" in s3.detail
    assert sts_endpoint_check("emr-5.30.0", public_route).status == NOT_CHECKED  # the global endpoint too


@pytest.mark.parametrize(
    "route",
    [{"nat_route": True}, {"internet_gateway_route": True, "public_ip_on_launch": True}],
)
def test_with_private_dns_the_sts_endpoint_decides_whatever_the_route_to_the_internet(route: dict[str, bool]) -> None:
    """
    With private DNS the Regional STS name resolves to the endpoint's addresses (AWS PrivateLink Guide, "Access AWS
    services through AWS PrivateLink": "Traffic destined for the AWS service is resolved to the private IP addresses
    of the endpoint network interfaces using DNS"): a security group keeping the cluster out fails every AssumeRole,
    NAT route or not.
    """
    closed = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True, endpoint_ingress=(), **route))
    open_ = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True, **route))
    dns_off = sts_endpoint_check(
        "emr-6.15.0", facts(sts_interface_endpoint=True, endpoint_ingress=(), dns_hostnames=False, **route)
    )

    assert closed.status == "FAIL"
    assert "does not help" in closed.detail
    assert "authorize-security-group-ingress" in closed.fix
    assert open_.status == "PASS"
    assert "interface endpoint" in open_.detail
    assert dns_off.status == "PASS"  # the name resolves to the public endpoint: the route takes it
    assert sts_endpoint_check(
        "emr-5.30.0", facts(sts_interface_endpoint=True, endpoint_ingress=(), **route)
    ).status == (
        "PASS"  # the global endpoint: no interface endpoint answers for it
    )


def test_with_the_dns_attributes_unread_a_route_to_the_internet_passes_only_if_the_endpoint_lets_the_cluster_in() -> (
    None
):
    unread = {"sts_interface_endpoint": True, "dns_support": True, "dns_hostnames": None, "nat_route": True}

    assert sts_endpoint_check("emr-6.15.0", facts(**unread)).status == "PASS"  # either way it arrives
    # DNS support not read either: neither way is known to resolve (no name resolves without it).
    assert sts_endpoint_check("emr-6.15.0", facts(**{**unread, "dns_support": None})).status == NOT_CHECKED
    assert sts_endpoint_check("emr-6.15.0", facts(endpoint_ingress=(), **unread)).status == NOT_CHECKED
    assert sts_endpoint_check("emr-6.15.0", facts(endpoint_ingress=None, **unread)).status == NOT_CHECKED


def test_a_subnet_shared_by_another_account_with_no_endpoint_seen_is_not_checked() -> None:
    """
    Amazon VPC User Guide, "Share your VPC subnets with other accounts": "Participants cannot view, modify, or delete
    resources that belong to other participants or the VPC owner". The EMR account, a participant, sees none of the
    owner's interface endpoints (``DescribeVpcEndpoints`` answers none), though their private DNS serves its
    instances: these are the facts it reads, and no endpoint seen is not no endpoint.
    """
    participant = facts(shared_by="111111111111")

    result = sts_endpoint_check("emr-6.15.0", participant)

    assert result.status == NOT_CHECKED
    assert "shared by account 111111111111" in result.detail
    assert sts_endpoint_check("emr-5.30.0", participant).status == "FAIL"  # the global endpoint has no VPC endpoint
    assert sts_endpoint_check("emr-6.15.0", facts()).status == "FAIL"  # the caller's own VPC: none is none


def test_a_subnet_whose_route_table_is_not_visible_is_not_checked() -> None:
    """Every subnet has a route table ("Each subnet in your VPC must be associated with a route table", Amazon VPC User
    Guide, "Configure route tables"): none visible is routes not seen, not "no route"."""
    unseen = facts(route_table_unseen=True, s3_gateway_endpoint=False)

    assert sts_endpoint_check("emr-6.15.0", unseen).status == NOT_CHECKED
    assert sts_endpoint_check("emr-5.30.0", unseen).status == NOT_CHECKED
    assert s3_route_check("partner-b", "eu-west-1", unseen).status == NOT_CHECKED
    assert "no route table of subnet subnet-0a is visible" in s3_route_check("partner-b", "eu-west-1", unseen).detail


def test_routes_to_public_ranges_narrower_than_the_default_route_are_not_checked() -> None:
    """The most specific route decides (Amazon VPC User Guide, "How route priority works"): 0.0.0.0/1 and 128.0.0.0/1
    to a NAT gateway carry what 0.0.0.0/0 would, so no default route is not "no way out"."""
    split = facts(public_routes=("0.0.0.0/1 to NAT gateway nat-0a", "128.0.0.0/1 to NAT gateway nat-0a"))

    result = sts_endpoint_check("emr-6.15.0", split)

    assert result.status == NOT_CHECKED
    assert "0.0.0.0/1 to NAT gateway nat-0a" in result.detail
    assert s3_route_check("partner-b", "us-east-1", dataclasses.replace(split, s3_gateway_endpoint=False)).status == (
        NOT_CHECKED
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"nat_route": True},
        {"internet_gateway_route": True, "public_ip_on_launch": True},
        {"s3_gateway_endpoint": True},
    ],
    ids=["nat", "internet-gateway", "gateway-endpoint"],
)
def test_an_s3_interface_endpoint_with_private_dns_takes_the_name_whatever_the_routes(
    changes: dict[str, object],
) -> None:
    """
    With private DNS, S3's Regional name resolves to the interface endpoint's addresses in the VPC (AWS PrivateLink
    Guide, "Access AWS services through AWS PrivateLink"; Amazon S3 User Guide, "AWS PrivateLink for Amazon S3",
    "Private DNS"), so a NAT route or a gateway endpoint is not the way, and the endpoint (its security groups, not
    read) decides: not checked, never PASS. Of another Region it takes no name of the bucket's Region.
    """
    endpoint = ("com.amazonaws.eu-west-1.s3",)

    result = s3_route_check("partner-b", "eu-west-1", facts(**changes, s3_private_dns_endpoints=endpoint))

    assert result.status == NOT_CHECKED
    assert "com.amazonaws.eu-west-1.s3" in result.detail
    other = facts(**changes, s3_private_dns_endpoints=("com.amazonaws.us-west-2.s3",))
    assert s3_route_check("partner-b", "eu-west-1", other).status == "PASS"


def test_beside_an_s3_interface_endpoint_with_private_dns_the_gateway_endpoint_may_not_be_on_the_way() -> None:
    """
    S3's Regional name resolving to the interface endpoint (private DNS), the gateway endpoint's policy may not apply:
    its refusal must not be the FAIL of a request that goes elsewhere (``None``: not known which endpoint).
    """
    from airflow_provider_emrfs_xacct.pure.endpoint_policy import GATEWAY, EndpointPolicy
    from airflow_provider_emrfs_xacct.pure.network import s3_endpoints_in_path

    gateway = (EndpointPolicy("vpce-0a", GATEWAY),)
    plain = facts(s3_gateway_endpoint=True, s3_gateway_policies=gateway)
    beside = dataclasses.replace(plain, s3_private_dns_endpoints=("com.amazonaws.eu-west-1.s3",))
    elsewhere = dataclasses.replace(plain, s3_private_dns_endpoints=("com.amazonaws.us-west-2.s3",))

    assert s3_endpoints_in_path(plain, "eu-west-1") == gateway
    assert s3_endpoints_in_path(beside, "eu-west-1") is None
    assert s3_endpoints_in_path(elsewhere, "eu-west-1") == gateway


def test_a_shared_subnet_s_route_to_the_internet_is_not_the_way_the_owner_s_hidden_endpoints_take() -> None:
    """
    In a shared VPC only the owner makes interface endpoints (AWS Knowledge Center, "vpc-interface-endpoint-creation-
    errors": a participant's CreateVpcEndpoint is refused, "This operation does not support shared VPCs"), and the
    participant cannot see them (Amazon VPC User Guide, "Share your VPC subnets with other accounts"). With private
    DNS one takes the Regional name for the whole VPC whatever the routes ("CreateVpcEndpoint", ``PrivateDnsEnabled``:
    a private hosted zone associated with the VPC): so a NAT route is no PASS there, only not checked. The global
    endpoint, which no VPC endpoint serves, still passes through the NAT.
    """
    participant = facts(shared_by="111111111111", nat_route=True)

    sts = sts_endpoint_check("emr-6.15.0", participant)
    s3 = s3_route_check("partner-b", "eu-west-1", participant)

    assert sts.status == NOT_CHECKED, sts.detail
    assert "shared by account 111111111111" in sts.detail
    assert s3.status == NOT_CHECKED, s3.detail
    assert "shared by account 111111111111" in s3.detail
    assert sts_endpoint_check("emr-5.30.0", participant).status == "PASS"
    assert sts_endpoint_check("emr-6.15.0", facts(nat_route=True)).status == "PASS"  # the caller's own VPC
    assert s3_route_check("partner-b", "eu-west-1", facts(nat_route=True)).status == "PASS"


def test_a_narrower_public_route_elsewhere_is_no_pass_through_the_default_route() -> None:
    """The most specific route decides (Amazon VPC User Guide, "How route priority works"): 0.0.0.0/0 to a NAT or
    internet gateway does not carry what a narrower route to a transit gateway covers, where the endpoint may be."""
    elsewhere = ("52.94.0.0/16 to transit gateway tgw-0a",)
    for way in ({"nat_route": True}, {"internet_gateway_route": True, "public_ip_on_launch": True}):
        assert sts_endpoint_check("emr-6.15.0", facts(**way)).status == "PASS"
        routed = facts(**way, public_routes=elsewhere, public_routes_elsewhere=elsewhere)
        for result in (sts_endpoint_check("emr-6.15.0", routed), s3_route_check("partner-b", "us-east-1", routed)):
            assert result.status == NOT_CHECKED
            assert elsewhere[0] in result.detail


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"nat_route": True}, "PASS"),
        ({"internet_gateway_route": True, "public_ip_on_launch": True}, "PASS"),
        ({"s3_gateway_endpoint": True}, "PASS"),
        ({"s3_gateway_endpoint": False}, NOT_CHECKED),  # the interface endpoint may still be reached by its own name
    ],
    ids=["nat", "internet-gateway", "gateway-endpoint", "no-way-but-the-interface-endpoint"],
)
@pytest.mark.parametrize("off", ["dns_support", "dns_hostnames"])
def test_with_a_vpc_dns_attribute_off_an_s3_interface_endpoint_s_private_dns_takes_no_name(
    changes: dict[str, object], status: str, off: str
) -> None:
    # Without DNS support no name resolves through the Amazon-provided DNS server at all: no way passes
    # (test_without_vpc_dns_support_no_way_passes).
    status = NOT_CHECKED if off == "dns_support" else status
    """
    Private DNS answers only while the VPC's ``enableDnsSupport`` and ``enableDnsHostnames`` are both true (Amazon EC2
    API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``: "To use a private hosted zone, you must set the
    following VPC attributes to true: enableDnsHostnames and enableDnsSupport"): with one off, S3's Regional name is
    not the endpoint's, and the routes or the gateway endpoint decide, as without it; its gateway endpoint's policy
    is then on the way.
    """
    from airflow_provider_emrfs_xacct.pure.endpoint_policy import GATEWAY, EndpointPolicy
    from airflow_provider_emrfs_xacct.pure.network import s3_endpoints_in_path

    endpoint = ("com.amazonaws.eu-west-1.s3",)
    gateway = (EndpointPolicy("vpce-0a", GATEWAY),) if changes.get("s3_gateway_endpoint") else ()
    subnet = facts(
        **changes,
        **{off: False},
        s3_private_dns_endpoints=endpoint,
        s3_interface_endpoints=endpoint,
        s3_gateway_policies=gateway,
    )

    result = s3_route_check("partner-b", "eu-west-1", subnet)

    assert result.status == status, result.detail
    assert "resolves to them whatever the routes" not in result.detail
    assert s3_endpoints_in_path(subnet, "eu-west-1") == gateway


def test_an_s3_interface_endpoint_s_private_dns_with_the_vpc_dns_attributes_unread_is_not_checked() -> None:
    """Unread, the attributes leave it open whether the endpoint takes the name: not checked, and the detail says so."""
    subnet = facts(
        nat_route=True,
        dns_support=None,
        dns_hostnames=None,
        dns_unread="ec2:DescribeVpcAttribute (enableDnsSupport) on vpc-0a was denied",
        s3_private_dns_endpoints=("com.amazonaws.eu-west-1.s3",),
    )

    result = s3_route_check("partner-b", "eu-west-1", subnet)

    assert result.status == NOT_CHECKED
    assert "resolves to them whatever the routes" not in result.detail
    assert "enableDnsSupport" in result.detail
    assert "was denied" in result.detail
    assert "ec2:DescribeVpcAttribute" in result.fix


@pytest.mark.parametrize(
    ("service", "region"),
    [
        ("com.amazonaws.eu-west-1.s3", "eu-west-1"),
        ("cn.com.amazonaws.cn-north-1.s3", "cn-north-1"),
        ("com.amazonaws.eu-west-1.s3express", None),  # S3 Express One Zone (directory buckets)
        ("com.amazonaws.eu-west-1.s3-outposts", None),
        ("com.amazonaws.eu-west-1.s3.fips", None),
    ],
)
def test_only_s3_s_own_endpoint_service_is_taken_for_s3(service: str, region: str | None) -> None:
    """
    The hook keeps the VPC's endpoints whose service name :data:`S3_SERVICE` matches. S3 Express One Zone has an
    endpoint service of its own, ``com.amazonaws.REGION.s3express`` (Amazon EMR Serverless User Guide, "Get data into
    S3 Express One Zone with EMR Serverless"), for "Regional and Zonal API endpoints that are different from the
    standard Amazon S3 endpoints" (Amazon S3 User Guide, "Networking for directory buckets"): its private DNS takes
    no name of S3's, so it is not an S3 endpoint that decides the route of an ordinary bucket.
    """
    from airflow_provider_emrfs_xacct.pure.network import S3_SERVICE

    found = S3_SERVICE.match(service)

    assert (found["region"] if found else None) == region


def test_a_private_subnet_s_s3_route_not_checked_names_what_was_not_read() -> None:
    unknown_region = s3_route_check("partner-b", None, facts(s3_gateway_endpoint=True))
    gateways_unread = s3_route_check("partner-b", "eu-west-1", facts(s3_gateway_endpoint=None))

    assert unknown_region.status == gateways_unread.status == NOT_CHECKED
    assert unknown_region.detail == (
        "subnet subnet-0a has no route to the internet, and the Region of bucket partner-b could not be read"
    )
    assert gateways_unread.detail == (
        "subnet subnet-0a has no route to the internet, and its S3 gateway endpoints could not be read"
    )
    assert unknown_region.fix == gateways_unread.fix == "the live probe (probe=True) proves it"


#: A route of the subnet's table to a prefix list whose entries could not be read, as the hook names it.
UNREAD_LIST = UnreadPrefixList("pl-0b", "ec2:GetManagedPrefixListEntries was refused", ENTRIES_REFUSED, "tgw-0a")


@pytest.mark.parametrize(
    ("changes", "via"),
    [
        ({"nat_route": True}, "a NAT gateway"),
        ({"internet_gateway_route": True, "public_ip_on_launch": True}, "an internet gateway and public IP addresses"),
    ],
)
def test_a_default_route_beside_prefix_lists_not_read_leaves_sts_and_s3_not_checked(
    changes: dict[str, bool], via: str
) -> None:
    """
    A prefix list's entries route like CIDR routes and the most specific route that matches decides (Amazon VPC User
    Guide, "How route priority works"): entries not read may take STS's and S3's addresses from the default route.
    """
    subnet = facts(**changes, prefix_lists_unread=(UNREAD_LIST,))

    for result in (sts_endpoint_check("emr-6.15.0", subnet), s3_route_check("partner-b", "us-east-1", subnet)):
        assert result.status == NOT_CHECKED, result
        assert f"has a default route through {via}, but" in result.detail
        assert str(UNREAD_LIST) in result.detail
        assert result.fix.startswith("allow ec2:GetManagedPrefixListEntries on pl-0b")


def test_an_s3_gateway_endpoint_beside_prefix_lists_not_read_leaves_s3_not_checked() -> None:
    """
    The gateway endpoint's route is to S3's prefix list; another prefix list's entry of the same range or more
    specific may win ("How route priority works"), and which of two prefix lists wins is not documented.
    """
    subnet = facts(s3_gateway_endpoint=True, prefix_lists_unread=(UNREAD_LIST,))

    result = s3_route_check("partner-b", "eu-west-1", subnet)

    assert result.status == NOT_CHECKED, result
    assert "has an S3 gateway endpoint on its route table" in result.detail
    assert str(UNREAD_LIST) in result.detail
    assert "ec2:GetManagedPrefixListEntries" in result.fix


#: Each reason a prefix list's entries are left unread, and what the link's fix must say: the action of a refused read
#: (and no other), the owner's sharing through AWS RAM for another account's list, a look at the list's ranges for an
#: AWS-managed list answered empty or a read that failed; never the live probe, which reaches one of the endpoint's
#: addresses, not each (tests/unit/test_network_some_addresses.py).
LOOK = "check that their ranges hold none of the endpoint's addresses"
FIX_BY_REASON = [
    (ENTRIES_REFUSED, f"allow ec2:GetManagedPrefixListEntries on pl-0b to check them, or {LOOK}"),
    (DESCRIBE_REFUSED, f"allow ec2:DescribeManagedPrefixLists on pl-0b to check them, or {LOOK}"),
    (NAMES_REFUSED, f"allow ec2:DescribePrefixLists on pl-0b to check them, or {LOOK}"),
    (NOT_SHOWN, "have the owner of pl-0b share it with this account through AWS RAM"),
    (AWS_MANAGED_EMPTY, f"{LOOK} (pl-0b: AWS-managed, answered with no entries"),
    (READ_FAILED, f"{LOOK} (pl-0b: the read failed"),
]


@pytest.mark.parametrize(("reason", "fix"), FIX_BY_REASON, ids=[reason for reason, _ in FIX_BY_REASON])
@pytest.mark.parametrize("layout", ["NAT route", "S3 gateway endpoint", "no way out"])
def test_the_fix_of_a_prefix_list_not_read_names_the_reason_s_remedy(reason: str, fix: str, layout: str) -> None:
    """
    The entries are left unread for several reasons, each with its own remedy: a refused read's fix names its action
    (``findings.names_action``; the verifier then names no other), another account's list not shown to the caller is
    read once its owner shares it ("Consumers can view the entries in a shared prefix list", Amazon VPC User Guide,
    "Shared prefix list permissions"), no permission of the caller's reads it; an AWS-managed list answered empty has
    nothing to grant. The fix named ec2:GetManagedPrefixListEntries whatever the reason.
    """
    unread = UnreadPrefixList("pl-0b", "why", reason, "tgw-0a")
    changes: dict[str, Any] = {
        "NAT route": {"nat_route": True},
        "S3 gateway endpoint": {"s3_gateway_endpoint": True},
        "no way out": {"s3_gateway_endpoint": False},
    }[layout]
    subnet = facts(**changes, prefix_lists_unread=(unread,))
    results = [s3_route_check("partner-b", "eu-west-1", subnet)]  # the cluster's Region: its gateway endpoint serves it
    assert "has an S3 gateway endpoint on its route table, but" in results[0].detail or layout != "S3 gateway endpoint"
    if layout != "S3 gateway endpoint":
        results.append(sts_endpoint_check("emr-6.15.0", subnet))

    for result in results:
        assert result.status == NOT_CHECKED, result
        assert fix in result.fix, result.fix
        assert "probe=True" not in result.fix
        assert not result.probe_settles
        for action in REFUSED_ACTIONS.values():
            assert names_action(result.fix, action) == (REFUSED_ACTIONS.get(reason) == action), (action, result.fix)
        assert ("AWS RAM" in result.fix) == (reason == NOT_SHOWN)


def test_prefix_lists_unread_for_several_reasons_name_each_remedy_once() -> None:
    unread = (
        UnreadPrefixList("pl-0a", "refused", ENTRIES_REFUSED, "tgw-0a"),
        UnreadPrefixList("pl-0b", "not shown", NOT_SHOWN, "tgw-0a"),
        UnreadPrefixList("pl-0c", "refused", ENTRIES_REFUSED, "pcx-0a"),
        UnreadPrefixList("pl-0a", "refused", ENTRIES_REFUSED, "pcx-0a"),
    )

    assert prefix_lists_fix(unread) == (
        "allow ec2:GetManagedPrefixListEntries on pl-0a, pl-0c; have the owner of pl-0b share it with this account "
        "through AWS RAM (another account's list is read once shared with this one: no permission of this account "
        "reads it before) to check them, or check that their ranges hold none of the endpoint's addresses"
    )


def test_an_s3_gateway_endpoint_beside_a_route_taking_s3s_addresses_leaves_s3_not_checked() -> None:
    """A CIDR route inside an entry of S3's prefix list is more specific and wins ("How route priority works")."""
    subnet = facts(s3_gateway_endpoint=True, s3_gateway_bypass=("52.218.0.0/18 to tgw-0a",))

    result = s3_route_check("partner-b", "eu-west-1", subnet)

    assert result.status == NOT_CHECKED, result
    assert "52.218.0.0/18 to tgw-0a" in result.detail
    assert result.fix.startswith("check that those ranges hold none of S3's addresses")
    assert not result.probe_settles  # the probe reaches one of S3's addresses, not each
    assert s3_route_check("partner-b", "eu-west-1", facts(s3_gateway_endpoint=True)).status == "PASS"


@pytest.mark.parametrize("label", ["emr-7.10", "emr-7.10.0-custom"])
def test_a_release_label_that_is_no_release_is_refused_not_taken_for_s3a(label: str) -> None:
    assert not s3a_default_sts(label, [])
    with pytest.raises(InvalidParameterError, match="release_label"):
        cluster_sts_check(label, facts(), [])


def test_no_default_route_beside_prefix_lists_not_read_is_not_checked_rather_than_a_fail() -> None:
    """
    Without a way out the links fail; a prefix list whose entries were not read may route the endpoint's addresses
    elsewhere (a transit gateway that reaches them), so the answer is not known: not checked, naming the list.
    """
    subnet = facts(s3_gateway_endpoint=True, prefix_lists_unread=(UNREAD_LIST,))

    assert sts_endpoint_check("emr-6.15.0", facts()).status == "FAIL"
    for result in (sts_endpoint_check("emr-6.15.0", subnet), s3_route_check("partner-b", "us-east-1", subnet)):
        assert result.status == NOT_CHECKED, result
        assert str(UNREAD_LIST) in result.detail


def test_dynamodb_gateway_endpoint_service_names_are_its_prefix_lists() -> None:
    """
    The AWS-managed prefix list of DynamoDB's gateway endpoint is com.amazonaws.REGION.dynamodb (Amazon VPC User
    Guide, "AWS-managed prefix lists"): its route is no route elsewhere. In China Regions, named as S3's are.
    """
    assert dynamodb_endpoint_services("eu-west-1") == ["com.amazonaws.eu-west-1.dynamodb"]
    assert dynamodb_endpoint_services("cn-north-1") == [
        name.removesuffix(".s3") + ".dynamodb" for name in s3_endpoint_services("cn-north-1")
    ]


@pytest.mark.parametrize("endpoint", ["https://sts.eu-west-1.amazonaws.com", "https://sts.amazonaws.com"])
def test_with_the_translation_switch_unreadable_a_translated_sts_endpoint_is_not_checked(endpoint: str) -> None:
    """
    "To disable this automatic translation" core-site fs.s3a.emrfs.compatibility.enable = false (Amazon EMR Release
    Guide, "Migration guide: EMRFS to S3A filesystem"); "no" is neither true nor false as Hadoop's getBoolean reads
    it, so whether S3A calls emrfs-site's fs.s3.sts.endpoint or its own default is not documented (was PASS or FAIL).
    """
    configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "no"}},
        {"Classification": "emrfs-site", "Properties": {"fs.s3.sts.endpoint": endpoint}},
    ]
    result = cluster_sts_check("emr-7.10.0", facts(sts_interface_endpoint=True), configurations)
    assert result.status == NOT_CHECKED
    assert "fs.s3a.emrfs.compatibility.enable='no'" in result.detail
    assert "fs.s3.sts.endpoint" in result.detail
    # S3A's own setting is read either way; EMRFS kept for s3:// reads no switch.
    own = [
        *configurations,
        {"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.sts.endpoint": endpoint}},
    ]
    assert cluster_sts_check("emr-7.10.0", facts(sts_interface_endpoint=True), own).status != NOT_CHECKED
    kept = [*configurations, {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL_NAME}}]
    assert cluster_sts_check("emr-7.10.0", facts(sts_interface_endpoint=True), kept).status != NOT_CHECKED


EMRFS_IMPL_NAME = "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"


def test_s3_express_one_zone_s_gateway_service_names_are_its_prefix_lists_and_not_s3_s() -> None:
    """``com.amazonaws.REGION.s3express`` (Amazon VPC User Guide, "AWS-managed prefix lists"), never S3's own."""
    assert s3express_endpoint_services("eu-west-1") == ["com.amazonaws.eu-west-1.s3express"]
    assert not set(s3express_endpoint_services("eu-west-1")) & set(s3_endpoint_services("eu-west-1"))


def test_with_fs_s3_impl_no_class_name_as_hadoop_reads_it_the_sts_endpoint_is_not_checked() -> None:
    """
    Hadoop's Configuration.getClass trims fs.s3.impl with Java's String.trim, which keeps a no-break space: no class
    of that name loads, so which connector serves s3:// (and which STS endpoint it calls) is not known. Python's strip
    read EMRFS kept, and judged EMRFS's endpoint (a FAIL here: the global endpoint with no internet route).
    """
    configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL_NAME + "\u00a0"}},
        {"Classification": "emrfs-site", "Properties": {"fs.s3.sts.endpoint": "https://sts.amazonaws.com"}},
    ]
    result = cluster_sts_check("emr-7.10.0", facts(sts_interface_endpoint=True), configurations)
    assert result.status == NOT_CHECKED
    assert f"fs.s3.impl={EMRFS_IMPL_NAME + chr(0xA0)!r}" in result.detail
    assert "fs.s3.impl" in result.fix
    # Trimmed as Java trims (ASCII spaces), EMRFS is kept and its endpoint judged.
    kept = [{**configurations[0], "Properties": {"fs.s3.impl": f" {EMRFS_IMPL_NAME}\n"}}, configurations[1]]
    assert cluster_sts_check("emr-7.10.0", facts(sts_interface_endpoint=True), kept).status != NOT_CHECKED


def test_an_sts_endpoint_padded_with_a_space_java_keeps_is_not_the_regional_one() -> None:
    """
    Java's String.trim (Hadoop's getTrimmed) keeps a no-break space: "https://sts.eu-west-1.amazonaws.com" followed
    by one names no host STS answers as written, so the route is not checked, naming it; Python's strip read it as the
    Regional endpoint (a PASS through the STS interface endpoint). Whether EMRFS trims even ASCII white space around
    fs.s3.sts.endpoint is not documented (``tests/unit/test_sts_endpoint_reading.py``).
    """
    padded = {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com\u00a0"}
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True), padded)
    assert result.status == NOT_CHECKED
    assert repr("https://sts.eu-west-1.amazonaws.com\u00a0") in result.detail


@pytest.mark.parametrize(
    "override",
    ["http://sts.eu-west-1.amazonaws.com", "HTTP://sts.amazonaws.com", "http://sts.eu-west-1.amazonaws.com/x"],
)
@pytest.mark.parametrize("changes", [{"nat_route": True}, {"sts_interface_endpoint": True}])
def test_an_sts_endpoint_named_over_another_scheme_than_https_fails(override: str, changes: dict[str, bool]) -> None:
    """
    "Because the Query API returns sensitive information such as security credentials, you must use HTTPS with all
    API requests" (IAM User Guide, "Calling the IAM API using HTTP query requests", "HTTPS required"): an AssumeRole
    sent over HTTP does not get the credentials, however the subnet reaches the host.
    """
    result = sts_endpoint_check("emr-6.15.0", facts(**changes), {"fs.s3.sts.endpoint": override})
    assert result.status == "FAIL", result
    assert "AWS STS takes HTTPS only" in result.detail
    assert result.fix.startswith("name https://sts.")


@pytest.mark.parametrize("override", ["https://sts.eu-west-1.amazonaws.com", "sts.eu-west-1.amazonaws.com"])
def test_an_sts_endpoint_named_over_https_or_by_its_host_alone_is_judged_by_the_route(override: str) -> None:
    # A bare host name: the AWS SDKs' default protocol is HTTPS.
    assert sts_endpoint_check("emr-6.15.0", facts(nat_route=True), {"fs.s3.sts.endpoint": override}).status == "PASS"


@pytest.mark.parametrize(
    ("changes", "doubt"),
    [
        ({"routes_to_other_networks": ("10.0.0.0/8 to transit gateway tgw-0a",)}, "tgw-0a"),
        (
            {"sts_endpoints_dns_off": (EndpointPolicy("vpce-0hub", "Interface", None),)},
            "vpce-0hub has private DNS off",
        ),
    ],
    ids=["route-to-a-hub", "endpoint-with-private-dns-off"],
)
def test_a_nat_route_is_not_a_pass_where_a_private_hosted_zone_may_name_an_sts_endpoint(
    changes: dict[str, Any], doubt: str
) -> None:
    """
    AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network Infrastructure", "Centralized access to VPC
    private endpoints": a Route 53 private hosted zone associated with the VPC resolves the service's full endpoint name
    to an interface endpoint (of a hub VPC reached over a transit gateway, or one whose private DNS is off), whatever
    the default route: that endpoint's security groups and policy decide then, not the NAT gateway. Zones are not read.
    """
    result = sts_endpoint_check("emr-6.15.0", facts(nat_route=True, **changes))

    assert result.status == NOT_CHECKED, result
    assert doubt in result.detail
    assert "list-hosted-zones-by-vpc" in result.fix
    assert not result.probe_settles  # the probe runs on the primary node only
    assert sts_endpoint_check("emr-6.15.0", facts(nat_route=True)).status == "PASS"
    if "routes_to_other_networks" in changes:  # S3's name too
        assert s3_route_check("b", "eu-west-1", facts(nat_route=True, **changes)).status == NOT_CHECKED


def test_an_sts_endpoint_with_private_dns_off_and_no_other_way_is_not_checked_not_failed() -> None:
    off = facts(sts_endpoints_dns_off=(EndpointPolicy("vpce-0off", "Interface", None),))

    result = sts_endpoint_check("emr-6.15.0", off)

    assert result.status == NOT_CHECKED, result
    assert "vpce-0off has private DNS off" in result.detail
    assert "STS interface endpoint with private DNS: none in this VPC" in result.detail
    assert sts_endpoint_check("emr-6.15.0", facts()).status == "FAIL"  # no endpoint at all: still a FAIL
    assert sts_endpoint_check("emr-5.30.0", off).status == "FAIL"  # the global endpoint has no VPC endpoint


@pytest.mark.parametrize(
    ("changes", "doubt"),
    [
        (
            {"s3_gateway_endpoint": True, "routes_to_other_networks": ("10.0.0.0/8 to transit gateway tgw-0a",)},
            "tgw-0a",
        ),
        ({"nat_route": True, "s3_endpoints_dns_off": (("vpce-0s3", "com.amazonaws.eu-west-1.s3"),)}, "vpce-0s3"),
        (
            {"s3_gateway_endpoint": True, "s3_endpoints_dns_off": (("vpce-0s3", "com.amazonaws.eu-west-1.s3"),)},
            "vpce-0s3",
        ),
    ],
    ids=["gateway-endpoint-beside-a-hub-route", "nat-beside-an-s3-endpoint-dns-off", "gateway-beside-dns-off"],
)
def test_s3_s_route_is_not_a_pass_where_a_private_hosted_zone_may_name_an_s3_interface_endpoint(
    changes: dict[str, Any], doubt: str
) -> None:
    """
    As for STS: a private hosted zone naming S3's Regional endpoint sends the name to an interface endpoint (a hub's,
    or the VPC's own with private DNS off: AWS whitepaper "Building a Scalable and Secure Multi-VPC AWS Network
    Infrastructure", "Centralized access to VPC private endpoints"), past the gateway endpoint's prefix-list route and
    the NAT gateway alike. Without such routes or endpoints, the same ways PASS.
    """
    result = s3_route_check("b", "eu-west-1", facts(**changes))

    assert result.status == NOT_CHECKED, result
    assert doubt in result.detail
    assert "private hosted zone" in result.detail
    assert not result.probe_settles
    plain = {key: value for key, value in changes.items() if key in ("nat_route", "s3_gateway_endpoint")}
    assert s3_route_check("b", "eu-west-1", facts(**plain)).status == "PASS"
