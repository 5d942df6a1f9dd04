"""
read_subnet_facts reads the VPC's DHCP options (``DescribeVpcs`` ``DhcpOptionsId``, ``DescribeDhcpOptions``) beside an
STS interface endpoint with private DNS, against moto's EC2 (OX223).

Only the VPC's Amazon DNS server answers from the endpoint's private hosted zone (AWS Knowledge Center,
"vpc-enable-private-hosted-zone"), and the instances ask the ``domain-name-servers`` of the VPC's DHCP option set
(Amazon EC2 API Reference, "CreateDhcpOptions", "AssociateDhcpOptions"): servers of their own without
``AmazonProvidedDNS`` leave STS through the endpoint not checked.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED, PASS, sts_endpoint_check
from devstack.moto_stack import EMR_ACCOUNT, client
from tests.integration.test_network_facts import (
    add_sts_interface_endpoint,
    private_subnet,
    read_subnet_facts,
    read_with_auth,
    reader_denied,
)


@pytest.fixture
def ec2(moto_url: str) -> Any:
    return client(moto_url, EMR_ACCOUNT, "ec2")


def dhcp_options(ec2: Any, vpc: str, *servers: str) -> str:
    """A DHCP option set naming ``servers`` as ``domain-name-servers``, associated with the VPC; return its id."""
    created = ec2.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name-servers", "Values": list(servers)}])
    options = str(created["DhcpOptions"]["DhcpOptionsId"])
    ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=vpc)
    return options


def test_own_dns_servers_leave_sts_through_the_endpoint_not_checked(ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    # The stand-in, as AWS, gives a new VPC its Region's default option set: AmazonProvidedDNS (devstack/aws_vpc_states.py).
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == PASS

    options = dhcp_options(ec2, vpc, "10.0.0.10", "10.0.0.11")
    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert (facts.dhcp_options_id, facts.dns_servers) == (options, ("10.0.0.10", "10.0.0.11"))
    assert result.status == NOT_CHECKED, result
    assert options in result.detail

    # The nodes ask the listed servers in order, the custom one first: AmazonProvidedDNS among them settles nothing (OX225).
    dhcp_options(ec2, vpc, "10.0.0.10", "AmazonProvidedDNS")
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == NOT_CHECKED

    dhcp_options(ec2, vpc, "AmazonProvidedDNS")
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == PASS


def test_a_refused_describe_dhcp_options_leaves_it_not_checked_naming_the_permission(moto_url: str, ec2: Any) -> None:
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    options = dhcp_options(ec2, vpc, "AmazonProvidedDNS")
    refused: list[Any] = []

    facts = read_with_auth(moto_url, reader_denied(moto_url, "ec2:DescribeDhcpOptions"), subnet, refused=refused)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert "ec2:DescribeDhcpOptions" in facts.dhcp_unread
    assert options in facts.dhcp_unread
    assert result.status == NOT_CHECKED, result
    assert "allow ec2:DescribeDhcpOptions" in result.fix
    assert [item.action for item in refused] == ["ec2:DescribeDhcpOptions"]


@pytest.mark.parametrize("server", ["169.254.169.253", "10.0.0.2", "amazonprovideddns", "fd00:ec2::253"])
def test_the_amazon_dns_server_named_by_its_address_or_in_any_case_passes(ec2: Any, server: str) -> None:
    """
    Amazon VPC User Guide, "Understanding Amazon DNS" (AmazonDNS-concepts.html): the Amazon DNS server is at
    169.254.169.253, fd00:ec2::253 and the primary VPC CIDR's base plus two (10.0.0.2 in 10.0.0.0/16) (OX225).
    """
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    dhcp_options(ec2, vpc, server)

    facts = read_subnet_facts(ec2, subnet)

    assert facts.dns_servers == ()
    assert sts_endpoint_check("emr-6.15.0", facts).status == PASS
    dhcp_options(ec2, vpc, "10.0.0.3")  # not the VPC's base plus two: a server of its own
    assert read_subnet_facts(ec2, subnet).dns_servers == ("10.0.0.3",)


def test_a_vpc_with_no_dhcp_option_set_leaves_sts_through_the_endpoint_not_checked(ec2: Any) -> None:
    """
    No DHCP option set (``default``): Xen instances get no DNS server (Amazon VPC User Guide, "DHCP option set
    concepts"): not a PASS; a passing probe settles it only where the primary node is the only one.
    """
    vpc, subnet = private_subnet(ec2)
    add_sts_interface_endpoint(ec2, vpc, subnet)
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)

    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert facts.dhcp_options_id == "default"
    assert result.status == NOT_CHECKED, result
    assert "Xen" in result.detail
    assert "Nitro" in result.detail
    assert "AmazonProvidedDNS" in result.fix
