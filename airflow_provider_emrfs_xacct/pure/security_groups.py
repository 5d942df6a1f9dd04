"""
Do an interface endpoint's security groups let the cluster's instances in on HTTPS?

Pure: standard library only. ``hooks/network.py`` reads the rules (``DescribeSecurityGroups``).

AWS (Amazon VPC User Guide, "Interface VPC endpoints (AWS PrivateLink)"): the security groups of an interface
endpoint's network interfaces "control the traffic to the endpoint network interface from resources in your
VPC"; without one named, the VPC's default security group is associated, whose own inbound rule admits only
members of that group. A security group allows, never denies (Amazon VPC User Guide, "Security group rules":
"You can specify allow rules, but not deny rules"): with no inbound rule covering TCP 443 at all, HTTPS to
the endpoint is refused whatever the source. A rule proves the cluster's instances in only when its source
is a CIDR holding the whole subnet or one of the instances' security groups; a prefix list, an IPv6 range, a
part of the subnet or another group may or may not: unsure.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

HTTPS_PORT = 443
ALLOWED, BLOCKED, UNSURE = "allowed", "blocked", "unsure"


@dataclass(frozen=True)
class IngressRule:
    """
    One inbound rule (``DescribeSecurityGroups`` ``IpPermissions``).

    :param protocol: ``IpProtocol``: ``"-1"`` (all), ``"tcp"`` or a protocol number.
    :param from_port: ``FromPort`` (``None`` with protocol ``-1``).
    :param to_port: ``ToPort``.
    :param cidrs: the IPv4 ranges (``IpRanges`` ``CidrIp``).
    :param groups: the source security groups (``UserIdGroupPairs`` ``GroupId``).
    :param other_sources: the sources this check does not match (IPv6 ranges, prefix lists), named.
    """

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidrs: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    other_sources: tuple[str, ...] = ()

    def covers_https(self) -> bool:
        """Whether the rule's protocol and ports include TCP 443."""
        if self.protocol == "-1":
            return True
        if self.protocol.lower() not in ("tcp", "6") or self.from_port is None or self.to_port is None:
            return False
        return self.from_port <= HTTPS_PORT <= self.to_port


def https_access(rules: tuple[IngressRule, ...], subnet_cidr: str, instance_groups: tuple[str, ...]) -> tuple[str, str]:
    """
    Say whether these inbound rules admit HTTPS from every instance of a subnet: (allowed/blocked/unsure, why).

    :param rules: the inbound rules of every security group of the endpoint.
    :param subnet_cidr: the cluster's subnet's IPv4 CIDR (empty if unknown).
    :param instance_groups: the security groups of the cluster's instances.
    """
    https = [rule for rule in rules if rule.covers_https()]
    if not https:
        return BLOCKED, "no inbound rule allows TCP 443"
    subnet = ipaddress.ip_network(subnet_cidr, strict=False) if subnet_cidr else None
    for rule in https:
        for cidr in rule.cidrs:
            if subnet is not None and subnet.subnet_of(ipaddress.ip_network(cidr, strict=False)):  # type: ignore[arg-type]
                return ALLOWED, f"an inbound rule allows TCP 443 from {cidr}, which holds subnet {subnet_cidr}"
        for group in rule.groups:
            if group in instance_groups:
                return ALLOWED, f"an inbound rule allows TCP 443 from {group}, a security group of the cluster"
    sources = sorted({source for rule in https for source in (*rule.cidrs, *rule.groups, *rule.other_sources)})
    return UNSURE, (
        f"TCP 443 is allowed only from {', '.join(sources) or 'no source'}, which this check does not match to the "
        f"cluster's instances (subnet {subnet_cidr or 'unknown'}, security groups "
        f"{', '.join(instance_groups) or 'unknown'})"
    )
