"""
A WARN through the STS interface endpoint's private DNS (the endpoint lets in the primary node only, and the cluster
has no core or task nodes: "core or task nodes added later") is not checked while the VPC's DHCP option set names
other DNS servers, and a passing probe does not settle it (OX237, OX238).

- The nodes ask the option set's servers ("domain-name-servers - The IP addresses of up to four DNS servers, or
  AmazonProvidedDNS"; "all existing and newly launched instances in the VPC use this set of DHCP options": Amazon EC2
  API Reference, "CreateDhcpOptions"), and only the VPC's Amazon DNS server answers from the endpoint's private DNS, a
  private hosted zone associated with the VPC (Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``;
  AWS Knowledge Center, "vpc-enable-private-hosted-zone"): whether 10.0.0.10 forwards to it is not known.
- "If the value is 1, the same instance serves as both the master and core and task node" (Amazon EMR API Reference,
  "JobFlowInstancesDetail", ``InstanceCount``): the probe, on the primary node, shows nothing of core or task nodes
  added later, which the endpoint's security groups do not let in: the WARN's part is not settled by it.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import VERDICT_NOT_CHECKED, VERDICT_PASS, verdict_with_probe
from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy
from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED, WARN, SubnetFacts, sts_endpoint_check
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule, NodeGroups

STS_ENDPOINT = (EndpointPolicy("vpce-sts", "Interface", None),)
NO_CORE_NODES = NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",), core_and_task_nodes=False)
PRIMARY_ONLY = (IngressRule("tcp", 443, 443, groups=("sg-primary",)),)
PASSING_PROBE = {"ok": True, "routes": {"s3://b/_emrfs_xacct_probe/x": 0}}


def facts(**changes: Any) -> SubnetFacts:
    """
    A private subnet whose VPC has an STS interface endpoint with private DNS letting in sg-primary only, for a cluster
    without core or task nodes, and a DHCP option set naming 10.0.0.10.
    """
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
        "endpoint_ingress": PRIMARY_ONLY,
        "instance_groups": NO_CORE_NODES,
        "dhcp_options_id": "dopt-0a",
        "dns_servers": ("10.0.0.10",),
    }
    values.update(changes)
    return SubnetFacts(subnet_id="subnet-0a", region="eu-west-1", **values)


def settled_by_a_passing_probe(probe_settles: bool) -> str:
    link = {"link": "cluster reaches STS", "status": "not checked", "mapping": None, "prefix": "s3://b/"}
    return verdict_with_probe([{**link, "probe_settles": probe_settles}], PASSING_PROBE)[0]


def test_a_warn_through_the_endpoint_is_not_checked_under_custom_dns_servers_and_a_probe_does_not_settle_it() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts())

    assert result.status == NOT_CHECKED, result  # OX237: the WARN was kept as it was
    assert "10.0.0.10" in result.detail
    assert "dopt-0a" in result.detail
    assert "added later" in result.detail  # the WARN's doubt is carried
    assert "dopt-0a" in result.fix
    assert not result.probe_settles, result  # OX238: a passing probe settled the core and task nodes' part
    assert settled_by_a_passing_probe(result.probe_settles) == VERDICT_NOT_CHECKED


def test_the_same_endpoint_with_the_amazon_dns_server_only_warns() -> None:
    """The hook leaves ``dns_servers`` empty when every server is the Amazon DNS server: the WARN stands alone."""
    result = sts_endpoint_check("emr-6.15.0", facts(dns_servers=()))

    assert result.status == WARN, result
    assert not result.probe_settles


def test_letting_the_subnet_in_leaves_only_the_dns_doubt_which_a_passing_probe_settles() -> None:
    """
    The endpoint lets the subnet's CIDR in, core and task nodes added later too: only the DNS doubt is left, and the
    probe asks the same DNS servers as the job (the option set serves every instance of the VPC).
    """
    open_to_subnet = (IngressRule("tcp", 443, 443, cidrs=("10.0.1.0/24",)),)

    result = sts_endpoint_check("emr-6.15.0", facts(endpoint_ingress=open_to_subnet))

    assert result.status == NOT_CHECKED, result
    assert "added later" not in result.detail
    assert result.probe_settles
    assert settled_by_a_passing_probe(result.probe_settles) == VERDICT_PASS
