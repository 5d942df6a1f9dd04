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
    assert sts_endpoint_check("emr-6.15.0", read_subnet_facts(ec2, subnet)).status == PASS  # no option set yet

    options = dhcp_options(ec2, vpc, "10.0.0.10", "10.0.0.11")
    facts = read_subnet_facts(ec2, subnet)
    result = sts_endpoint_check("emr-6.15.0", facts)

    assert (facts.dhcp_options_id, facts.dns_servers) == (options, ("10.0.0.10", "10.0.0.11"))
    assert result.status == NOT_CHECKED, result
    assert options in result.detail

    dhcp_options(ec2, vpc, "10.0.0.10", "AmazonProvidedDNS")
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
