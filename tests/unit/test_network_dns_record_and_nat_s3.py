"""
Two network judgments whose read kept too little (review U1): an STS interface endpoint whose private DNS publishes
AAAA records only, and a NAT gateway without a way out whose subnet's route table holds an S3 gateway endpoint.

- ``DnsOptions.DnsRecordIpType`` is ``ipv4 | dualstack | ipv6 | service-defined`` (Amazon EC2 API Reference,
  "DnsOptions", "DnsOptionsSpecification"); ``ipv6`` creates only AAAA records for the private, Regional and zonal
  DNS names (AWS PrivateLink Guide, "DNS record IP type"), so an IPv4-only node finds no address for the Regional name
  there; AWS STS answers IPv6 clients (IAM User Guide, "Dual-stack endpoint support").
- A gateway endpoint's prefix-list route carries S3's traffic of its Region (AWS PrivateLink Guide, "Gateway
  endpoints"), and it is more specific than any default route (Amazon VPC User Guide, "How route priority works").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.hooks.network import read_subnet_facts
from airflow_provider_emrfs_xacct.pure.network import (
    NOT_CHECKED,
    sts_endpoint_check,
    sts_endpoints_in_path,
)
from tests.unit.test_network_reads import (
    _HTTPS_FROM_THE_VPC,
    ACCOUNT,
    REGION,
    S3_GATEWAY,
    S3_ROUTE,
    STS_ENDPOINT,
    TwoSubnets,
    behind_a_nat,
    links,
    table,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy
    from airflow_provider_emrfs_xacct.pure.network import StsReachability


def _sts_endpoint_with_dns_records(
    record_type: str | None,
) -> tuple[StsReachability, tuple[EndpointPolicy, ...] | None]:
    """The STS link and the endpoints in its path, the subnet's only way to STS a dual-stack STS interface endpoint."""
    endpoint = {**STS_ENDPOINT, "IpAddressType": "dualstack"}
    if record_type is not None:
        endpoint["DnsOptions"] = {"DnsRecordIpType": record_type}
    ec2 = TwoSubnets([table("rtb-emr", "subnet-emr")], endpoints=(endpoint,))
    ec2.groups = {"sg-vpce": {"IpPermissions": [_HTTPS_FROM_THE_VPC]}}
    facts = read_subnet_facts(ec2, "subnet-emr", ("sg-0emr",), ACCOUNT)
    sts = sts_endpoint_check("emr-6.15.0", facts)
    return sts, sts_endpoints_in_path(facts, sts.endpoint)


def test_an_sts_endpoint_whose_private_dns_publishes_aaaa_records_only_is_not_a_pass() -> None:
    """DnsRecordIpType ipv6: AAAA records only (AWS PrivateLink Guide, "DNS record IP type"); the IPv4 rules say nothing."""
    sts, in_path = _sts_endpoint_with_dns_records("ipv6")
    assert sts.status == NOT_CHECKED, sts.detail
    assert "AAAA records only" in sts.detail
    assert "vpce-sts" in sts.detail
    assert in_path is None


def test_an_sts_endpoint_with_a_records_still_passes() -> None:
    """ipv4, dualstack and service-defined create A records for the private DNS name; no DnsOptions is as before."""
    for record_type in ("ipv4", "dualstack", "service-defined", None):
        sts, in_path = _sts_endpoint_with_dns_records(record_type)
        assert sts.status == "PASS", (record_type, sts.detail)
        assert in_path
        assert in_path[0].endpoint_id == "vpce-sts"


def test_a_nat_gateway_without_a_way_out_but_with_an_s3_gateway_endpoint_leaves_same_region_writes_not_checked() -> (
    None
):
    """
    The NAT gateway's subnet has no default route, but its S3 gateway endpoint's route may carry S3's traffic of the
    cluster's Region: no certain FAIL there; STS and a bucket of another Region still have no way out.
    """
    ec2 = behind_a_nat(S3_ROUTE, endpoints=({**S3_GATEWAY, "RouteTableIds": ["rtb-nat"]},))
    sts, other_region = links(ec2)
    _, same_region = links(ec2, REGION)

    assert (sts.status, other_region.status) == ("FAIL", "FAIL")
    assert same_region.status == NOT_CHECKED, same_region.detail
    assert "vpce-s3" in same_region.detail
    assert "what their policies say, is not checked" in same_region.detail


def test_a_nat_gateway_without_a_way_out_or_an_s3_gateway_endpoint_still_fails_same_region_writes() -> None:
    _, same_region = links(behind_a_nat(), REGION)
    assert same_region.status == "FAIL", same_region.detail
