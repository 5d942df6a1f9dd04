"""
STS through an interface endpoint's private DNS is no PASS while the VPC's DHCP options name DNS servers of their own
without ``AmazonProvidedDNS`` (OX223).

The endpoint's private DNS is a private hosted zone associated with the VPC (Amazon EC2 API Reference,
"CreateVpcEndpoint", ``PrivateDnsEnabled``), which only the VPC's Amazon DNS server answers from (AWS Knowledge Center,
"vpc-enable-private-hosted-zone"); the instances ask the DNS servers of the VPC's DHCP option set (Amazon EC2 API
Reference, "CreateDhcpOptions": ``domain-name-servers``, "The IP addresses of up to four DNS servers, or
AmazonProvidedDNS"). Servers of their own may answer STS's Regional name with its public addresses, which a private
subnet without a NAT gateway does not reach. The probe asks the same servers as the job: a passing one settles it.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import VERDICT_PASS, verdict_with_probe
from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy
from airflow_provider_emrfs_xacct.pure.network import (
    FAIL,
    NOT_CHECKED,
    PASS,
    SubnetFacts,
    sts_endpoint_check,
    sts_endpoints_in_path,
)
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule, NodeGroups

REGIONAL = "https://sts.eu-west-1.amazonaws.com"
STS_ENDPOINT = (EndpointPolicy("vpce-sts", "Interface", None),)


def facts(**changes: Any) -> SubnetFacts:
    """A private subnet whose VPC has an STS interface endpoint with private DNS letting the VPC in on HTTPS."""
    values: dict[str, Any] = {
        "nat_route": False,
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": True,
        "sts_endpoint_policies": STS_ENDPOINT,
        "vpc_id": "vpc-0a",
        "dns_support": True,
        "dns_hostnames": True,
        "subnet_cidr": "10.0.1.0/24",
        "endpoint_groups": ("sg-0e",),
        "endpoint_ingress": (IngressRule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),),
    }
    values.update(changes)
    return SubnetFacts(subnet_id="subnet-0a", region="eu-west-1", **values)


def test_own_dns_servers_without_the_amazon_dns_server_leave_sts_through_the_endpoint_not_checked() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts(dhcp_options_id="dopt-0a", dns_servers=("10.0.0.10", "10.0.0.11")))

    assert result.status == NOT_CHECKED, result
    assert "dopt-0a" in result.detail
    assert "10.0.0.10, 10.0.0.11" in result.detail
    assert "AmazonProvidedDNS" in result.fix
    assert "dopt-0a" in result.fix
    assert result.probe_settles  # the probe asks the same DNS servers as the job
    link = {"link": "cluster reaches STS", "status": "not checked", "mapping": None, "prefix": "s3://b/"}
    probe = {"ok": True, "routes": {"s3://b/_emrfs_xacct_probe/x": 0}}
    assert verdict_with_probe([{**link, "probe_settles": result.probe_settles}], probe)[0] == VERDICT_PASS
    # Whether the requests pass the endpoint, so its policy, is not known either.
    assert sts_endpoints_in_path(facts(dns_servers=("10.0.0.10",)), REGIONAL) is None


def test_beside_a_nat_route_own_dns_servers_leave_it_not_checked_too() -> None:
    """The endpoint's security groups alone were judged: a public answer takes the NAT gateway, whose filters were not."""
    result = sts_endpoint_check("emr-6.15.0", facts(nat_route=True, dns_servers=("10.0.0.10",)))

    assert result.status == NOT_CHECKED, result


def test_an_option_set_naming_only_the_amazon_dns_server_passes() -> None:
    """The hook leaves ``dns_servers`` empty when every listed server is the Amazon DNS server (OX225)."""
    assert sts_endpoint_check("emr-6.15.0", facts(dhcp_options_id="dopt-0a")).status == PASS
    assert sts_endpoints_in_path(facts(dhcp_options_id="dopt-0a"), REGIONAL) == STS_ENDPOINT


def test_refused_dhcp_options_leave_it_not_checked_naming_the_permission() -> None:
    refused = "ec2:DescribeDhcpOptions on dopt-0a was denied: AccessDenied"

    result = sts_endpoint_check("emr-6.15.0", facts(dhcp_options_id="dopt-0a", dhcp_unread=refused))

    assert result.status == NOT_CHECKED, result
    assert refused in result.detail
    assert "allow ec2:DescribeDhcpOptions" in result.fix
    failed = sts_endpoint_check("emr-6.15.0", facts(dhcp_unread="ec2:DescribeVpcs on vpc-0a failed: Throttled"))
    assert failed.status == NOT_CHECKED
    assert "allow" not in failed.fix


def test_without_the_endpoint_the_dhcp_options_change_nothing() -> None:
    """No PASS rests on private DNS: the route decides (a FAIL stays a FAIL)."""
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=False, dns_servers=("10.0.0.10",)))

    assert result.status == "FAIL"


def test_a_fail_through_the_endpoint_is_not_checked_when_other_servers_may_resolve_it_beside_a_nat_route() -> None:
    """
    The endpoint lets no one in on TCP 443, but the nodes ask 10.0.0.10 first: it may answer STS's public addresses,
    which the NAT gateway reaches. The fix names both the endpoint's rule and the option set.
    """
    closed = {"nat_route": True, "dhcp_options_id": "dopt-0a", "dns_servers": ("10.0.0.10",), "endpoint_ingress": ()}

    result = sts_endpoint_check("emr-6.15.0", facts(**closed))

    assert result.status == NOT_CHECKED, result
    assert "10.0.0.10" in result.detail
    assert "dopt-0a" in result.fix
    assert "443" in result.fix
    # Without a route to the internet, either answer leads nowhere: the FAIL stands.
    assert sts_endpoint_check("emr-6.15.0", facts(**{**closed, "nat_route": False})).status == FAIL
    # With the Amazon DNS server alone, the name resolves to the endpoint: the FAIL stands.
    assert sts_endpoint_check("emr-6.15.0", facts(**{**closed, "dns_servers": ()})).status == FAIL


def test_no_dhcp_option_set_is_a_doubt_naming_nitro_and_xen() -> None:
    """
    Amazon VPC User Guide, "DHCP option set concepts": with no DHCP option set, Nitro instances get 169.254.169.253,
    "For EC2 instances built on Xen, no domain name servers will be configured".
    """
    result = sts_endpoint_check("emr-6.15.0", facts(dhcp_options_id="default"))

    assert result.status == NOT_CHECKED, result
    assert "Nitro" in result.detail
    assert "Xen" in result.detail
    assert "AmazonProvidedDNS" in result.fix
    assert not result.probe_settles  # a Xen core node may lack the DNS server the primary node has
    alone = sts_endpoint_check(
        "emr-6.15.0", facts(dhcp_options_id="default", instance_groups=NodeGroups(("sg-1",), core_and_task_nodes=False))
    )
    assert alone.probe_settles
    assert sts_endpoints_in_path(facts(dhcp_options_id="default"), REGIONAL) is None


def test_a_participant_unread_option_set_asks_the_owner_not_a_permission() -> None:
    """
    Amazon VPC User Guide, "Share your VPC subnets with other accounts": "Participants cannot view, modify, or delete
    resources that belong to other participants or the VPC owner": the owner's option set may not be read by the
    participant whatever it is allowed, so the fix is the owner's check, not an action to allow.
    """
    unread = "ec2:DescribeDhcpOptions on dopt-0a failed: InvalidDhcpOptionID.NotFound"

    result = sts_endpoint_check("emr-6.15.0", facts(shared_by="222222222222", dhcp_unread=unread))

    assert result.status == NOT_CHECKED, result
    assert "222222222222" in result.detail
    assert "check in account 222222222222" in result.fix
    assert "allow" not in result.fix
    assert "verify again" not in result.fix
