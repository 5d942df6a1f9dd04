"""
STS through an interface endpoint's private DNS left not checked by the VPC's DHCP options: the way a public answer
takes is judged, and the fix offers the live probe only where a passing one settles the link (OX239, OX240).

- The nodes ask the DNS servers of the VPC's DHCP option set ("domain-name-servers - The IP addresses of up to four
  DNS servers, or AmazonProvidedDNS": Amazon EC2 API Reference, "CreateDhcpOptions"), and only the VPC's Amazon DNS
  server answers from the endpoint's private DNS, a private hosted zone (Amazon EC2 API Reference, "CreateVpcEndpoint",
  ``PrivateDnsEnabled``; AWS Knowledge Center, "vpc-enable-private-hosted-zone"): 10.0.0.10 may answer STS's
  Regional name with its public addresses, which then take the route to the internet.
- "we direct traffic using the most specific route that matches the traffic" (Amazon VPC User Guide, "How route
  priority works", https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html): 52.94.0.0/16 to a
  transit gateway takes those of STS's addresses it covers from the NAT gateway. A passing probe reaches one address,
  not each: it does not settle that way.
- Network ACL entries are processed in ascending rule number order, the first match deciding (Amazon EC2 API
  Reference, "CreateNetworkAclEntry"): a NAT gateway subnet denying TCP 443 out refuses the public answer's way too.
- With no DHCP option set, "For EC2 instances built on Xen, no domain name servers will be configured" (Amazon VPC
  User Guide, "DHCP option set concepts"); the verifier does not read the instance types, so "use Nitro instance
  types" would never clear the link, and the probe, from the primary node only, does not show a core node's DNS.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import VERDICT_NOT_CHECKED, VERDICT_PASS, verdict_with_probe
from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy
from airflow_provider_emrfs_xacct.pure.network import FAIL, NOT_CHECKED, SubnetFacts, sts_endpoint_check
from airflow_provider_emrfs_xacct.pure.packet_filters import AclEntry, EgressRule, NetworkAcl, PacketFilters, SubnetAcl
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule, NodeGroups

STS_ENDPOINT = (EndpointPolicy("vpce-sts", "Interface", None),)
ELSEWHERE = ("52.94.0.0/16 to tgw-0a",)
PROBE = "probe=True"
ANY = "0.0.0.0/0"
GROUPS = NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",))
PRIMARY_ONLY = (IngressRule("tcp", 443, 443, groups=("sg-primary",)),)


def facts(**changes: Any) -> SubnetFacts:
    """
    A subnet with a NAT route whose VPC has an STS interface endpoint with private DNS letting no one in on TCP 443,
    and a DHCP option set naming 10.0.0.10.
    """
    values: dict[str, Any] = {
        "nat_route": True,
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": True,
        "sts_endpoint_policies": STS_ENDPOINT,
        "vpc_id": "vpc-0a",
        "dns_support": True,
        "dns_hostnames": True,
        "subnet_cidr": "10.0.1.0/24",
        "endpoint_groups": ("sg-0e",),
        "endpoint_ingress": (),
        "dhcp_options_id": "dopt-0a",
        "dns_servers": ("10.0.0.10",),
    }
    values.update(changes)
    return SubnetFacts(subnet_id="subnet-0a", region="eu-west-1", **values)


def after_a_passing_probe(probe_settles: bool) -> str:
    link = {"link": "cluster reaches STS", "status": "not checked", "mapping": None, "prefix": "s3://b/"}
    probe = {"ok": True, "routes": {"s3://b/_emrfs_xacct_probe/x": 0}}
    return verdict_with_probe([{**link, "probe_settles": probe_settles}], probe)[0]


def acl(*entries: AclEntry, acl_id: str) -> NetworkAcl:
    """The VPC's default ACL (rule 100 allows all each way, * denies) after ``entries``."""
    rules = [
        AclEntry(n, egress, "-1", action, ANY)
        for egress in (True, False)
        for n, action in ((100, "allow"), (32767, "deny"))
    ]
    return NetworkAcl(acl_id, (*entries, *rules))


def test_a_fail_through_the_endpoint_left_to_a_nat_route_over_some_addresses_is_not_settled_by_a_probe() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts(public_routes=ELSEWHERE, public_routes_elsewhere=ELSEWHERE))

    assert result.status == NOT_CHECKED, result
    assert "tgw-0a" in result.detail  # the public answer's way, and why it is not checked
    assert not result.probe_settles, result  # OX239: the FAIL's probe_settles was carried over
    assert after_a_passing_probe(result.probe_settles) == VERDICT_NOT_CHECKED
    assert PROBE + ") proves it" not in result.fix
    assert "443" in result.fix
    assert "dopt-0a" in result.fix
    assert "those ranges" in result.fix


def test_the_same_fail_beside_a_plain_nat_route_is_settled_by_a_passing_probe() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts())

    assert result.status == NOT_CHECKED, result
    assert result.probe_settles
    assert result.fix.endswith("or the live probe (probe=True) proves it")
    assert after_a_passing_probe(result.probe_settles) == VERDICT_PASS


def test_the_fail_stands_when_the_public_answers_way_is_refused_too() -> None:
    """Both ways refused: the endpoint's security groups, and the NAT gateway subnet's ACL denying TCP 443 out."""
    deny_443 = AclEntry(10, True, "6", "deny", ANY, (443, 443))
    filters = PacketFilters(
        cluster=SubnetAcl("subnet-0a", "10.0.1.0/24", acl(acl_id="acl-1")),
        nat_subnets=(SubnetAcl("subnet-nat", "10.0.9.0/24", acl(deny_443, acl_id="acl-nat")),),
        egress={"sg-primary": (EgressRule("-1", cidrs=(ANY,)),), "sg-core": (EgressRule("-1", cidrs=(ANY,)),)},
    )

    result = sts_endpoint_check("emr-6.15.0", facts(instance_groups=GROUPS, packet_filters=filters))

    assert result.status == FAIL, result


def test_a_pass_through_the_endpoint_beside_a_nat_route_over_some_addresses_is_not_settled_by_a_probe() -> None:
    """The older PASS path: a public answer takes the NAT gateway, or the transit gateway for some addresses."""
    open_to_vpc = (IngressRule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),)
    over_some = {"public_routes": ELSEWHERE, "public_routes_elsewhere": ELSEWHERE}

    result = sts_endpoint_check("emr-6.15.0", facts(endpoint_ingress=open_to_vpc, **over_some))

    assert result.status == NOT_CHECKED, result
    assert not result.probe_settles, result
    assert PROBE not in result.fix
    assert sts_endpoint_check("emr-6.15.0", facts(endpoint_ingress=open_to_vpc)).probe_settles


def test_no_option_set_with_core_nodes_asks_for_an_amazon_dns_option_set_and_offers_no_probe() -> None:
    open_to_vpc = (IngressRule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),)
    no_set = {"nat_route": False, "dhcp_options_id": "default", "dns_servers": (), "endpoint_ingress": open_to_vpc}

    result = sts_endpoint_check("emr-6.15.0", facts(**no_set, instance_groups=GROUPS))

    assert result.status == NOT_CHECKED, result
    assert not result.probe_settles
    assert result.fix == "associate a DHCP option set whose only domain-name-servers is AmazonProvidedDNS with the VPC"
    assert "Nitro" not in result.fix
    alone = NodeGroups(("sg-1",), core_and_task_nodes=False)
    single = sts_endpoint_check("emr-6.15.0", facts(**no_set, instance_groups=alone))
    assert single.probe_settles
    assert single.fix.endswith("; or the live probe (probe=True) proves it")


def test_a_warn_under_custom_dns_keeps_its_own_fix_and_offers_no_probe() -> None:
    """The endpoint lets in sg-primary only, the cluster has no core or task nodes now: core nodes added later are not."""
    no_core = NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",), core_and_task_nodes=False)

    result = sts_endpoint_check(
        "emr-6.15.0", facts(nat_route=False, endpoint_ingress=PRIMARY_ONLY, instance_groups=no_core)
    )

    assert result.status == NOT_CHECKED, result
    assert not result.probe_settles
    assert "allow TCP 443 from" in result.fix
    assert "sg-core" in result.fix
    assert "dopt-0a" in result.fix
    assert PROBE not in result.fix


def test_a_warn_past_a_route_over_the_endpoint_subnet_keeps_its_own_fix_and_offers_no_probe() -> None:
    no_core = NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",), core_and_task_nodes=False)
    changes = {"nat_route": False, "dns_servers": (), "endpoint_ingress": PRIMARY_ONLY, "instance_groups": no_core}

    result = sts_endpoint_check("emr-6.15.0", facts(**changes, routes_to_endpoint_subnets=("10.0.2.0/24 to eni-0a",)))

    assert result.status == NOT_CHECKED, result
    assert not result.probe_settles
    assert "allow TCP 443 from" in result.fix
    assert "appliance" in result.fix
    assert PROBE not in result.fix
    passing = sts_endpoint_check(
        "emr-6.15.0",
        facts(
            **{**changes, "endpoint_ingress": (IngressRule("tcp", 443, 443, cidrs=("10.0.1.0/24",)),)},
            routes_to_endpoint_subnets=("10.0.2.0/24 to eni-0a",),
        ),
    )
    assert passing.status == NOT_CHECKED
    assert passing.probe_settles
    assert passing.fix.startswith("the live probe (probe=True) proves it; or check that the appliance")
