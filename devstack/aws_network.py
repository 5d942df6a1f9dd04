"""
The stand-in's judge of the way from a cluster's subnet to S3 of a bucket's Region, for the probe step.

moto runs no network: every request reaches every bucket. AWS does not: a subnet without a route to the internet
reaches S3 only through a VPC endpoint, and an S3 gateway endpoint serves only buckets of its own Region (Amazon VPC
User Guide, "Gateway endpoints for Amazon S3"; Amazon S3 User Guide, "AWS PrivateLink for Amazon S3", "Types of
VPC endpoints for Amazon S3"). This judge reads moto's own EC2 and S3 models (not the provider's code) for the
cluster's subnet: the route table that applies (the subnet's own, else the VPC's main one), its default route to an
internet gateway (with public IP addresses on launch) or a public NAT gateway or instance, and the VPC's available
S3 gateway endpoints on that table. An S3 interface endpoint (which may serve another Region), a default route
elsewhere (a transit gateway, a peering connection, ...) or to an internet gateway without public IP addresses on
launch leaves it undecided: the stand-in cannot tell, and says so.
A cluster without a subnet is not in a modelled network: not judged.

The probe's requests also pass the policies of the VPC endpoints on their way (:func:`endpoints_on_the_way`; AWS
PrivateLink Guide, "Control access to VPC endpoints using endpoint policies"), read from moto's own EC2 model (each
endpoint's ``policy_document``): the S3 gateway endpoint of the cluster's Region on the subnet's route table, for a
bucket of that Region, whatever the default route (its prefix-list route is the more specific one: Amazon VPC User
Guide, "How route priority works"); the STS interface endpoint with private DNS, for EMRFS's AssumeRole to the
Regional endpoint (releases 5.31.0, 6.1.0 and later without ``fs.s3.sts.endpoint``: Amazon EMR Release Guide,
"Managing the default AWS Security Token Service endpoint") while the VPC's DNS support and hostnames are on
(Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``). The writer judges each request against them
with :func:`devstack.aws_judge.endpoint_policy_allows`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from moto.ec2.models import ec2_backends
from moto.s3.models import s3_backends

#: The verdicts besides "reaches it" (``None``).
CANNOT_TELL = "the stand-in cannot tell whether the cluster's subnet reaches S3"


def s3_unreachable(account: str, region: str, subnet_id: str | None, bucket: str) -> str | None:
    """
    Why a cluster in ``subnet_id`` (``account``, ``region``) cannot reach S3 for ``bucket``; ``None`` when it can or
    there is no subnet; a sentence starting with :data:`CANNOT_TELL` when the stand-in cannot decide.
    """
    if not subnet_id or bucket not in s3_backends.bucket_accounts:
        return None
    partition, owner = s3_backends.bucket_accounts[bucket]
    bucket_region = s3_backends[owner][partition].buckets[bucket].region_name
    ec2 = ec2_backends[account][region]
    subnet = ec2.get_subnet(subnet_id)
    tables = _tables_of(ec2, subnet)
    defaults = [route for table in tables for route in table.routes if route.destination_cidr_block == "0.0.0.0/0"]
    for route in defaults:
        gateway_id = str(getattr(route.gateway, "id", "") or "")
        if route.instance is not None or (
            route.nat_gateway is not None and getattr(route.nat_gateway, "connectivity_type", "public") == "public"
        ):
            return None
        if gateway_id.startswith("igw-") and str(subnet.map_public_ip_on_launch).lower() == "true":
            return None
    table_ids = {table.id for table in tables}
    endpoints = [
        endpoint
        for endpoint in ec2.vpc_end_points.values()
        if endpoint.vpc_id == subnet.vpc_id and endpoint.state == "available" and endpoint.service_name.endswith(".s3")
    ]
    for endpoint in endpoints:
        if (
            endpoint.vpc_endpoint_type == "Gateway"
            and endpoint.service_name.endswith(f"com.amazonaws.{region}.s3")
            and table_ids & set(endpoint.route_table_ids or [])
            and bucket_region == region
        ):
            return None
    # Any default route left: egress past the VPC, or an internet gateway without public IPs on launch, which EMR may
    # give its instances anyway (the Amazon EMR Management Guide, "Amazon VPC options", does not say): undecided.
    elsewhere = defaults
    if any(endpoint.vpc_endpoint_type == "Interface" for endpoint in endpoints) or elsewhere:
        return f"{CANNOT_TELL} for bucket {bucket} ({bucket_region}): an S3 interface endpoint or egress past the VPC"
    return (
        f"subnet {subnet_id} ({region}) has no way to S3 of {bucket_region} for bucket {bucket}: no route to the "
        "internet, and no S3 gateway endpoint of the bucket's Region on its route table"
    )


def _tables_of(ec2: Any, subnet: Any) -> list[Any]:
    """The route table EC2 routes the subnet by: its explicitly associated one, else its VPC's main one."""
    tables = list(ec2.route_tables.values())
    own = [table for table in tables if subnet.id in table._associations.values()]
    return own or [table for table in tables if table.vpc_id == subnet.vpc_id and table.main_association_id]


@dataclass(frozen=True)
class EndpointOnTheWay:
    """A VPC endpoint a request of the probe passes: its id, whether it is a gateway endpoint, its policy."""

    endpoint_id: str
    gateway: bool
    policy: dict[str, Any]


def endpoints_on_the_way(
    account: str, region: str, subnet_id: str | None, bucket: str, release_label: str | None, emrfs_site: dict[str, str]
) -> dict[str, EndpointOnTheWay]:
    """
    The endpoints the probe's requests pass, by service (``"s3"``, ``"sts"``); none without a subnet.
    """
    if not subnet_id or bucket not in s3_backends.bucket_accounts:
        return {}
    partition, owner = s3_backends.bucket_accounts[bucket]
    bucket_region = s3_backends[owner][partition].buckets[bucket].region_name
    ec2 = ec2_backends[account][region]
    subnet = ec2.get_subnet(subnet_id)
    table_ids = {table.id for table in _tables_of(ec2, subnet)}
    found: dict[str, EndpointOnTheWay] = {}
    for endpoint in sorted(ec2.vpc_end_points.values(), key=lambda endpoint: endpoint.id):
        if endpoint.vpc_id != subnet.vpc_id or endpoint.state != "available":
            continue
        policy = json.loads(endpoint.policy_document)
        if (
            endpoint.vpc_endpoint_type == "Gateway"
            and endpoint.service_name.endswith(f"com.amazonaws.{region}.s3")
            and table_ids & set(endpoint.route_table_ids or [])
            and bucket_region == region
        ):
            found.setdefault("s3", EndpointOnTheWay(endpoint.id, True, policy))
        if (
            endpoint.vpc_endpoint_type == "Interface"
            and endpoint.service_name.endswith(f"com.amazonaws.{region}.sts")
            and str(endpoint.private_dns_enabled).lower() == "true"
            and _private_dns_answers(ec2.get_vpc(subnet.vpc_id))
            and _calls_regional_sts(release_label, emrfs_site)
        ):
            found.setdefault("sts", EndpointOnTheWay(endpoint.id, False, policy))
    return found


def _private_dns_answers(vpc: Any) -> bool:
    """An interface endpoint's private DNS answers only with the VPC's DNS support and DNS hostnames both on."""
    return all(str(value).lower() == "true" for value in (vpc.enable_dns_support, vpc.enable_dns_hostnames))


def _calls_regional_sts(release_label: str | None, emrfs_site: dict[str, str]) -> bool:
    """EMRFS calls the Regional STS endpoint: 5.31.0, 6.1.0 and later, without an ``fs.s3.sts.endpoint`` override."""
    found = re.fullmatch(r"emr-(\d+)\.(\d+)\.(\d+)", (release_label or "").strip())
    if found is None or "fs.s3.sts.endpoint" in emrfs_site:
        return False
    version = (int(found[1]), int(found[2]), int(found[3]))
    return version[0] >= 7 or version >= (6, 1, 0) or (version[0] == 5 and version >= (5, 31, 0))
