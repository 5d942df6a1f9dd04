"""
Can the cluster's subnet reach the STS endpoint EMRFS calls to assume the mapped role?

Pure: standard library only. The verifier reads the subnet's facts (``read_subnet_facts`` in
``hooks/network.py``) and calls :func:`sts_endpoint_check`.

AWS (Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint"): EMRFS
releases before 5.31.0 and 6.1.0 send every STS request to the global endpoint
``https://sts.amazonaws.com``; 5.31.0, 6.1.0 and later call the Regional endpoint
(``sts.REGION.amazonaws.com``) unless ``emrfs-site`` ``fs.s3.sts.endpoint`` says otherwise. A subnet
without a route to the internet (a private subnet without a NAT gateway) reaches a Regional STS
endpoint only through an STS interface VPC endpoint with private DNS (AWS PrivateLink, "AWS services
that integrate with AWS PrivateLink": ``com.amazonaws.REGION.sts``); the global endpoint has no VPC
endpoint, so it needs the internet route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_emrfs_xacct.pure.cluster_config import parse_release_label

#: The first releases of each line that call the Regional STS endpoint.
REGIONAL_STS_SINCE = {5: (5, 31, 0), 6: (6, 1, 0)}
STS_ENDPOINT_PROPERTY = "fs.s3.sts.endpoint"
PASS, WARN, FAIL = "PASS", "WARN", "FAIL"


@dataclass(frozen=True)
class SubnetFacts:
    """
    What decides whether a subnet reaches STS.

    :param subnet_id: the cluster's subnet (``Ec2InstanceAttributes.Ec2SubnetId``).
    :param region: the cluster's Region.
    :param nat_route: the subnet's route table sends ``0.0.0.0/0`` to a NAT gateway or NAT instance.
    :param internet_gateway_route: it sends ``0.0.0.0/0`` to an internet gateway (the instances need a
        public IP address to use it).
    :param public_ip_on_launch: the subnet gives instances a public IPv4 address.
    :param sts_interface_endpoint: the VPC has an available ``com.amazonaws.REGION.sts`` interface
        endpoint with private DNS enabled.
    """

    subnet_id: str
    region: str
    nat_route: bool
    internet_gateway_route: bool
    public_ip_on_launch: bool
    sts_interface_endpoint: bool

    @property
    def internet(self) -> bool:
        return self.nat_route or (self.internet_gateway_route and self.public_ip_on_launch)


@dataclass(frozen=True)
class StsReachability:
    """The outcome: status (PASS/WARN/FAIL), which endpoint EMRFS calls, why, and the fix."""

    status: str
    endpoint: str
    detail: str
    fix: str = ""


def uses_regional_sts(release_label: str) -> bool:
    """Return whether EMRFS on this release calls the Regional STS endpoint by default."""
    version = parse_release_label(release_label, "release_label")
    since = REGIONAL_STS_SINCE.get(version[0])
    return version[0] > 6 or (since is not None and version >= since)


def sts_endpoint_check(
    release_label: str, facts: SubnetFacts | None, emrfs_site_properties: dict[str, Any] | None = None
) -> StsReachability:
    """
    Say whether EMRFS on a cluster of ``release_label`` in the subnet of ``facts`` reaches STS.

    :param facts: ``None`` when the cluster runs in EC2-Classic/default networking the caller could not read.
    :param emrfs_site_properties: the cluster's ``emrfs-site`` properties (an ``fs.s3.sts.endpoint``
        override decides the endpoint).
    """
    override = (emrfs_site_properties or {}).get(STS_ENDPOINT_PROPERTY)
    region = facts.region if facts else "REGION"
    if override:
        endpoint = str(override)
        regional = endpoint.rstrip("/").endswith(f"sts.{region}.amazonaws.com")
    elif uses_regional_sts(release_label):
        endpoint, regional = f"https://sts.{region}.amazonaws.com", True
    else:
        endpoint, regional = "https://sts.amazonaws.com", False
    if facts is None:
        return StsReachability(WARN, endpoint, "the cluster's subnet is unknown; cannot check the route to STS")
    if facts.internet:
        via = "a NAT gateway" if facts.nat_route else "an internet gateway and public IP addresses"
        return StsReachability(PASS, endpoint, f"subnet {facts.subnet_id} reaches {endpoint} through {via}")
    if regional and facts.sts_interface_endpoint:
        return StsReachability(
            PASS, endpoint, f"subnet {facts.subnet_id} reaches {endpoint} through the VPC's STS interface endpoint"
        )
    if regional:
        fix = (
            f"add an interface VPC endpoint com.amazonaws.{facts.region}.sts with private DNS to the VPC, "
            f"or a NAT gateway route to subnet {facts.subnet_id}"
        )
    else:
        fix = (
            f"the global endpoint has no VPC endpoint: add a NAT gateway route to subnet {facts.subnet_id}, or use "
            f"a release that calls the Regional endpoint (5.31.0, 6.1.0 or later) with an STS interface endpoint"
        )
    return StsReachability(
        FAIL,
        endpoint,
        f"subnet {facts.subnet_id} has no route to the internet and no way to {endpoint}: every AssumeRole "
        "of a role mapping, and so every mapped S3 request, fails",
        fix,
    )
