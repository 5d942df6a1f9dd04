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

EMR gives the primary node and the core and task nodes groups of their own (EMR API Reference,
"Ec2InstanceAttributes": ``EmrManagedMasterSecurityGroup``, "The identifier of the Amazon EC2 security group for the
master node", ``EmrManagedSlaveSecurityGroup``, "... for the core and task nodes", and likewise
``AdditionalMasterSecurityGroups`` and ``AdditionalSlaveSecurityGroups``), and EMRFS calls STS from every node: a
rule naming a group lets in only the nodes that hold it, so each side must be let in (:class:`NodeGroups`).

A cluster may have no core or task nodes: "If the value is 1, the same instance serves as both the master and core and
task node" (EMR API Reference, "JobFlowInstancesDetail", ``InstanceCount``; also a cluster of only a MASTER instance
group or fleet). ``DescribeCluster`` still names the core and task nodes' groups, but no instance holds them and every
EMRFS request is sent from the primary node: that side is then not judged (``core_and_task_nodes``), and what would
drop requests of core or task nodes added later is a warning (``pure/packet_filters.py``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator

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
        return covers_tcp_443(self.protocol, self.from_port, self.to_port)


def covers_tcp_443(protocol: str, from_port: int | None, to_port: int | None) -> bool:
    """
    Whether a security group rule's ``IpProtocol`` and ports include TCP 443: ``-1`` is every protocol and port;
    ``tcp`` (or ``6``) holds its ports in ``FromPort``-``ToPort`` (a TCP rule without them is not taken to).
    """
    if protocol == "-1":
        return True
    if protocol.lower() not in ("tcp", "6") or from_port is None or to_port is None:
        return False
    return from_port <= HTTPS_PORT <= to_port


@dataclass(frozen=True)
class NodeGroups:
    """
    The security groups of a cluster's instances by side (``Ec2InstanceAttributes``): the primary node's (its managed
    and additional groups), and the core and task nodes'. Every node of a side holds each group of that side. As a
    collection, every group of either side (sorted).
    """

    primary: tuple[str, ...] = ()
    core_and_task: tuple[str, ...] = ()
    #: Whether the cluster has core or task nodes (:func:`has_core_or_task_nodes`): ``False`` none, ``None`` not read
    #: (``nodes_unread`` says why).
    core_and_task_nodes: bool | None = True
    nodes_unread: str = ""

    def sides(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each side with nodes (not read: as if it had), named, with its groups."""
        primary = (f"the primary node ({', '.join(self.primary) or 'security groups not known'})", self.primary)
        if self.core_and_task_nodes is False:
            return (primary,)
        return (primary, self.core_and_task_side())

    def core_and_task_side(self) -> tuple[str, tuple[str, ...]]:
        """The core and task nodes' side, named, with its groups (whether or not it has nodes)."""
        return (
            f"the core and task nodes ({', '.join(self.core_and_task) or 'security groups not known'})",
            self.core_and_task,
        )

    def _all(self) -> list[str]:
        return sorted({*self.primary, *self.core_and_task})

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, group: object) -> bool:
        return group in self.primary or group in self.core_and_task


def has_core_or_task_nodes(collections: list[dict[str, Any]]) -> bool:
    """
    Whether a cluster has core or task nodes, from its ``ListInstanceGroups`` or ``ListInstanceFleets`` answer: a CORE
    or TASK group asking for or running an instance (``RequestedInstanceCount``, ``RunningInstanceCount``), or fleet
    with a target or provisioned capacity (``TargetOnDemandCapacity``, ``TargetSpotCapacity``,
    ``ProvisionedOnDemandCapacity``, ``ProvisionedSpotCapacity``; EMR API Reference, "InstanceGroup", "InstanceFleet").
    """
    counts = (
        "RequestedInstanceCount",
        "RunningInstanceCount",
        "TargetOnDemandCapacity",
        "TargetSpotCapacity",
        "ProvisionedOnDemandCapacity",
        "ProvisionedSpotCapacity",
    )
    return any(
        (item.get("InstanceGroupType") or item.get("InstanceFleetType")) in ("CORE", "TASK")
        and any(int(item.get(count) or 0) > 0 for count in counts)
        for item in collections
    )


def _sides(instance_groups: Collection[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """
    The sides of the cluster each to be let in, with their groups: the primary node and the core and task nodes of
    :class:`NodeGroups`; for a plain collection, which instance holds which group is not known, so each group alone
    (every instance holds one of them: a rule naming each lets them all in).
    """
    if isinstance(instance_groups, NodeGroups):
        return instance_groups.sides()
    return tuple((f"the instances holding {group}", (group,)) for group in sorted(set(instance_groups)))


def https_access(rules: tuple[IngressRule, ...], subnet_cidr: str, instance_groups: Collection[str]) -> tuple[str, str]:
    """
    Say whether these inbound rules admit HTTPS from every instance of a subnet: (allowed/blocked/unsure, why).

    A CIDR rule holding the subnet lets every instance in. Otherwise each side of :class:`NodeGroups` must be let in
    by a rule naming one of its groups: a rule naming only the primary node's group leaves the core and task nodes
    out. Of groups given as a plain collection, which instance holds which is not known: each must be let in.

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
    named = {group for rule in https for group in rule.groups}
    sides = _sides(instance_groups)
    let_in = [(side, groups, sorted(named & set(groups))) for side, groups in sides]
    everyone = ", ".join(sorted(instance_groups)) or "unknown"
    if let_in and all(found for _, _, found in let_in):
        by_side = "; ".join(f"from {', '.join(found)} for {side}" for side, _, found in let_in)
        return ALLOWED, f"inbound rules allow TCP 443 {by_side}"
    left_out = [side for side, _, found in let_in if not found] or [
        "the cluster's instances (security groups not known)"
    ]
    sources = sorted({source for rule in https for source in (*rule.cidrs, *rule.groups, *rule.other_sources)})
    return UNSURE, (
        f"TCP 443 is allowed only from {', '.join(sources) or 'no source'}, which this check does not match to "
        f"{' and '.join(left_out)} (subnet {subnet_cidr or 'unknown'}, security groups {everyone}): EMRFS calls STS "
        "from every node"
    )
