"""
A passing live probe does not settle a route doubt about SOME of S3's or STS's addresses (OX222).

The probe reaches the one address its name resolved to then; S3 updates "the IP addresses associated with the Amazon S3
endpoint in DNS as needed" (Amazon S3 User Guide, "DNS considerations"), and the most specific route that matches
decides each address's way (Amazon VPC User Guide, "How route priority works"). So where a narrower route (a CIDR
route, a prefix list's entry) may take some of the endpoint's addresses elsewhere, the link stays not checked after a
passing probe, and its fix does not say the probe proves it. A doubt about the one way every address takes (a default
route past the VPC, an internet gateway without public IP addresses) the probe still settles.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.findings import VERDICT_PASS, verdict_with_probe
from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy
from airflow_provider_emrfs_xacct.pure.network import (
    ENTRIES_REFUSED,
    NOT_CHECKED,
    READ_FAILED,
    Reachability,
    SubnetFacts,
    UnreadPrefixList,
    s3_route_check,
    sts_endpoint_check,
)

#: A narrower route to a deleted peering connection: the most specific route, a blackhole for what it covers.
BLACKHOLE = ("52.216.0.0/15 to VPC peering connection pcx-1 (blackhole)",)
UNREAD = (UnreadPrefixList("pl-0a", "ec2:GetManagedPrefixListEntries on pl-0a was denied", ENTRIES_REFUSED, "tgw-0a"),)
UNREAD_FAILED = (UnreadPrefixList("pl-0b", "ec2:GetManagedPrefixListEntries on pl-0b failed", READ_FAILED, "tgw-0a"),)
GATEWAY = (EndpointPolicy("vpce-s3", "Gateway", None),)


def facts(**changes: Any) -> SubnetFacts:
    """A subnet without a way out, its VPC's DNS attributes read as on, unless ``changes`` say otherwise."""
    values: dict[str, Any] = {
        "nat_route": False,
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": False,
        "vpc_id": "vpc-0a",
        "dns_support": True,
        "dns_hostnames": True,
        "subnet_cidr": "10.0.1.0/24",
    }
    values.update(changes)
    return SubnetFacts(subnet_id="subnet-0a", region="eu-west-1", **values)


def s3(subnet: SubnetFacts) -> Reachability:
    return s3_route_check("partner-b", "eu-west-1", subnet)


def sts(subnet: SubnetFacts) -> Reachability:
    return sts_endpoint_check("emr-6.15.0", subnet)


def verdict_after_a_passing_probe(result: Reachability) -> str:
    link = {
        "link": "cluster reaches s3://partner-b",
        "status": result.status.lower(),
        "mapping": None,
        "prefix": "s3://partner-b/",
        "probe_settles": result.probe_settles,
    }
    verdict, _ = verdict_with_probe([link], {"ok": True, "routes": {"s3://partner-b/_emrfs_xacct_probe/x": 0}})
    return verdict


#: Each branch whose doubt is whether a narrower route takes SOME of the endpoint's addresses.
SOME_ADDRESSES = {
    # A NAT default route beside a narrower route elsewhere (public_routes_elsewhere).
    "NAT, narrower route elsewhere (S3)": lambda: s3(
        facts(nat_route=True, public_routes=BLACKHOLE, public_routes_elsewhere=BLACKHOLE)
    ),
    "NAT, narrower route elsewhere (STS)": lambda: sts(
        facts(nat_route=True, public_routes=BLACKHOLE, public_routes_elsewhere=BLACKHOLE)
    ),
    # A NAT default route beside a prefix list whose entries were not read.
    "NAT, prefix list unread (S3)": lambda: s3(facts(nat_route=True, prefix_lists_unread=UNREAD)),
    "NAT, prefix list unread (STS)": lambda: sts(facts(nat_route=True, prefix_lists_unread=UNREAD_FAILED)),
    # No route out, an S3 gateway endpoint beside a prefix list not read, or a route over S3's entries elsewhere.
    "gateway endpoint, prefix list unread": lambda: s3(facts(s3_gateway_endpoint=True, prefix_lists_unread=UNREAD)),
    "gateway endpoint, bypass": lambda: s3(
        facts(s3_gateway_endpoint=True, s3_gateway_bypass=("52.216.0.0/15 to transit gateway tgw-1",))
    ),
    # A NAT default route, the gateway endpoint, and a route over S3's entries to a second NAT gateway.
    "gateway endpoint, bypass to another NAT": lambda: s3(
        facts(
            nat_route=True,
            s3_gateway_policies=GATEWAY,
            s3_gateway_bypass=("52.216.0.0/15 to NAT gateway nat-0b",),
            s3_bypass_unjudged=("52.216.0.0/15 to NAT gateway nat-0b",),
        )
    ),
    # No route out but narrower public routes, or prefix lists not read (_unseen_ways).
    "no default route, public routes (S3)": lambda: s3(
        facts(s3_gateway_endpoint=False, public_routes=("52.216.0.0/15 to NAT gateway nat-0a",))
    ),
    "no default route, public routes (STS)": lambda: sts(facts(public_routes=("52.216.0.0/15 to NAT gateway nat-0a",))),
    "no default route, prefix list unread (STS)": lambda: sts(facts(prefix_lists_unread=UNREAD)),
    "no default route, prefix list unread (S3)": lambda: s3(
        facts(s3_gateway_endpoint=False, prefix_lists_unread=UNREAD_FAILED)
    ),
    # The NAT gateway's own S3 gateway endpoint, reached only over S3's ranges a narrower route takes from the subnet's.
    "NAT gateway's S3 endpoint beside the subnet's own": lambda: s3(
        facts(
            nat_route=True,
            s3_gateway_policies=GATEWAY,
            nat_s3_gateway_endpoints=("vpce-nat-s3",),
        )
    ),
}


@pytest.mark.parametrize("case", list(SOME_ADDRESSES))
def test_a_passing_probe_does_not_settle_a_route_over_some_of_the_addresses(case: str) -> None:
    result = SOME_ADDRESSES[case]()

    assert result.status == NOT_CHECKED, result
    assert result.probe_settles is False, result
    assert "proves it" not in result.fix, result.fix
    assert "run the live probe" not in result.fix, result.fix
    assert verdict_after_a_passing_probe(result) != VERDICT_PASS


#: Each branch whose doubt is the one way every address takes: the probe's request takes it too.
ONE_WAY = {
    "default route past the VPC (S3)": lambda: s3(
        facts(s3_gateway_endpoint=False, other_default_route="transit gateway tgw-0a")
    ),
    "default route past the VPC (STS)": lambda: sts(facts(other_default_route="transit gateway tgw-0a")),
    "internet gateway without public IPs": lambda: sts(facts(internet_gateway_route=True)),
    "NAT gateway's S3 endpoint, no endpoint of the subnet's": lambda: s3(
        facts(nat_route=True, nat_s3_gateway_endpoints=("vpce-nat-s3",))
    ),
}


@pytest.mark.parametrize("case", list(ONE_WAY))
def test_a_passing_probe_still_settles_the_one_way_every_address_takes(case: str) -> None:
    result = ONE_WAY[case]()

    assert result.status == NOT_CHECKED, result
    assert result.probe_settles is True, result
    assert "the live probe (probe=True) proves it" in result.fix
    assert verdict_after_a_passing_probe(result) == VERDICT_PASS
