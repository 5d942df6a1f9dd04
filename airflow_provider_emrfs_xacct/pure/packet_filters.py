"""
Do the network ACLs on the way, and the cluster's own security groups, let EMRFS's HTTPS out and its answers back?

Pure: standard library only. ``hooks/network.py`` reads the ACLs (``DescribeNetworkAcls``) and the egress rules of the
cluster's security groups (``DescribeSecurityGroups`` ``IpPermissionsEgress``); ``pure/network.py`` judges each way a
link would PASS through with :func:`judge_ways`.

AWS rules relied on:

- Network ACLs (Amazon EC2 API Reference, "CreateNetworkAclEntry"): "Each network ACL has a set of numbered ingress
  rules and a separate set of numbered egress rules. When determining whether a packet should be allowed in or out of a
  subnet associated with the ACL, we process the entries in the ACL according to the rule numbers, in ascending order":
  the first entry that matches decides; the ``*`` entry, which denies, is last (``RuleNumber`` 32767 in
  ``DescribeNetworkAcls``). Protocol ``-1`` is every protocol and port, ``6`` TCP with its ``PortRange``; an
  ``Ipv6CidrBlock`` entry never matches IPv4 traffic. ACLs are stateless, so the answers need rules of their own, and
  they filter only traffic crossing the subnet's boundary (Amazon VPC User Guide, "Network ACLs").
- Ephemeral ports (Amazon VPC User Guide, "Network ACLs", "Ephemeral ports"): the client picks its source port; the
  Amazon Linux kernel uses 32768-61000, a NAT gateway 1024-65535. An inbound rule covering only some of those ports
  drops some answers, not all: not checked, never a FAIL.
- Security groups are stateful (answers are let back in) and allow only; an instance holding several groups gets the
  union of their rules; "if you remove all egress rules that you added, we do not add egress rules, so no outbound
  traffic is allowed" (AWS CloudFormation, "AWS::EC2::SecurityGroup").

- An STS interface endpoint with private DNS on: its name "resolves to the private IP addresses of the endpoint network
  interfaces in the VPC" (Amazon EC2 API Reference, "CreateVpcEndpoint", ``PrivateDnsEnabled``), one interface per
  subnet of the endpoint. Each subnet is another address a request may go to, and a request to it must pass both the
  ACLs on the way to that subnet and the cluster's outbound rules for that address: for a side of the cluster, every
  interface dropped (by either) is a FAIL, some is not checked (the requests resolving to those addresses fail), and
  one in the cluster's own subnet crosses no ACL.
- "AWS-managed prefix lists are sets of IP address ranges for AWS services" (Amazon VPC User Guide, "AWS-managed prefix
  lists"): a security group rule naming one covers those ranges only. S3's (``com.amazonaws.<region>.s3``) holds S3's
  ranges, never the private address of an STS endpoint's interface, and there is none of STS.

Addresses: the internet, S3's and STS's public addresses are not known here. Only ``0.0.0.0/0`` certainly holds them; a
narrower public range may or may not; a private (RFC 1918) or shared (RFC 6598) range never does. A subnet's own CIDR
is known.

The live probe (``probe=True``) makes a few connections from the primary node, from one ephemeral port, to one of
S3's or STS's addresses, and S3 changes the addresses behind its name (Amazon S3 User Guide, "DNS considerations").
A doubt about some ports or some addresses (a return rule for part of the ephemeral ports, a rule to a narrower range
than the peer's, a subnet whose CIDR or ACL was not read, another endpoint interface) is therefore never settled by a
passing probe: those verdicts say ``probe_settles=False``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.security_groups import covers_tcp_443

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

HTTPS = (443, 443)
#: The Amazon Linux kernel's ephemeral ports, and a NAT gateway's (Amazon VPC User Guide, "Ephemeral ports").
CLIENT_PORTS = (32768, 61000)
NAT_PORTS = (1024, 65535)
ALL_PORTS = (0, 65535)
ALLOW, DENY, UNDETERMINED = "allow", "deny", "undetermined"
CERTAIN, MAYBE, NO = "certain", "maybe", "no"
#: The answers of the network checks (``pure/network.py`` too), whose ``NOT_CHECKED`` is for what they did not read or
#: cannot see (the link is "not checked"): each doubt here decides the write. The one ``WARN`` is for core or task
#: nodes a cluster has none of now (:func:`judge_by_side`): requests of ones added later would be dropped.
PASS, FAIL, NOT_CHECKED, WARN = "PASS", "FAIL", "NOT CHECKED", "WARN"
#: The private (RFC 1918) and shared (RFC 6598) IPv4 address space: no AWS public endpoint is there.
PRIVATE = tuple(
    ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class AclEntry:
    """One ``DescribeNetworkAcls`` entry: rule number, direction, protocol, action, IPv4 CIDR ("" for IPv6), ports."""

    rule_number: int
    egress: bool
    protocol: str
    action: str
    cidr: str = ""
    ports: tuple[int, int] | None = None


@dataclass(frozen=True)
class NetworkAcl:
    """A subnet's network ACL (``NetworkAclId`` and its entries)."""

    acl_id: str
    entries: tuple[AclEntry, ...] = ()


@dataclass(frozen=True)
class SubnetAcl:
    """A subnet on the way, its IPv4 CIDR ("" if not read) and its ACL (``None``: not read, ``unread`` says why)."""

    subnet_id: str
    cidr: str = ""
    acl: NetworkAcl | None = None
    unread: str = ""


@dataclass(frozen=True)
class EgressRule:
    """One outbound rule (``IpPermissionsEgress``): protocol, ports, and where to (IPv4, prefix lists, groups)."""

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidrs: tuple[str, ...] = ()
    prefix_lists: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def covers_https(self) -> bool:
        """Whether the rule's protocol and ports include TCP 443 (:func:`~.security_groups.covers_tcp_443`)."""
        return covers_tcp_443(self.protocol, self.from_port, self.to_port)


@dataclass(frozen=True)
class Peer:
    """
    The far end of a way: known IPv4 ``cidrs`` (a subnet), else public addresses not known (``cidrs`` empty); for a
    security group rule, the prefix lists and groups that name it too.
    """

    name: str
    cidrs: tuple[str, ...] = ()
    prefix_lists: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    #: Without ``cidrs``: public addresses (never in a private range), else an address of a subnet not read.
    public: bool = True
    #: Prefix lists certainly not holding the peer's address (S3's, for an STS endpoint's private interface).
    not_in_lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class PacketFilters:
    """
    The filters :func:`judge_ways` reads: the cluster's subnet's ACL, those of a public NAT gateway's subnets and of the
    STS interface endpoint's subnets, by subnet id; the egress rules of each of the cluster's groups (``None``: not
    read, ``egress_unread`` says why); the cluster's groups (``NodeGroups`` or a plain collection); S3's prefix lists
    (its gateway endpoint's route), and the STS interface endpoint's groups.
    """

    cluster: SubnetAcl
    nat_subnets: tuple[SubnetAcl, ...] = ()
    endpoint_subnets: tuple[SubnetAcl, ...] = ()
    egress: dict[str, tuple[EgressRule, ...]] | None = field(default_factory=dict)
    egress_unread: str = ""
    s3_prefix_lists: tuple[str, ...] = ()
    endpoint_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """What the filters say of a way: PASS, FAIL or NOT CHECKED, why, the fix, and whether the live probe settles it."""

    status: str
    detail: str = ""
    fix: str = ""
    probe_settles: bool = True


def _network(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr, strict=False)


def address_match(cidr: str, peer: Peer) -> str:
    """Whether an IPv4 ``cidr`` holds the peer's address: :data:`CERTAIN`, :data:`MAYBE` or :data:`NO`."""
    network = _network(cidr)
    if network.prefixlen == 0:
        return CERTAIN
    if not peer.cidrs:  # addresses not known: public ones are never in a private range
        return NO if peer.public and any(network.subnet_of(private) for private in PRIVATE) else MAYBE
    known = [_network(item) for item in peer.cidrs]
    if all(item.subnet_of(network) for item in known):
        return CERTAIN
    return MAYBE if any(item.overlaps(network) for item in known) else NO


def _entry_ports(entry: AclEntry) -> tuple[int, int] | None:
    """The TCP ports an entry matches (``None``: not TCP)."""
    if entry.protocol == "-1":
        return ALL_PORTS
    if entry.protocol not in ("6", "tcp"):
        return None
    return entry.ports or ALL_PORTS


#: The ``*`` entry's rule number in ``DescribeNetworkAcls`` answers.
STAR_RULE = 32767


def _matching(entries: list[AclEntry], port: int) -> Iterable[AclEntry]:
    """The IPv4 entries matching TCP ``port`` (not an IPv6 entry, nor another protocol or port), by rule number."""
    for entry in entries:
        ports = _entry_ports(entry)
        if not entry.cidr or ports is None or not ports[0] <= port <= ports[1]:
            continue  # an IPv6 entry, or another protocol or port
        yield entry


def _decide_port(entries: list[AclEntry], port: int, peer: Peer) -> tuple[str, int]:
    """The first entry (by rule number) certainly matching TCP ``port`` to or from ``peer`` decides; an earlier entry
    that may match with the other action leaves it undetermined. No entry: the ``*`` entry denies. With the number of
    that first entry (:data:`STAR_RULE` for ``*``)."""
    maybe: set[str] = set()
    for entry in _matching(entries, port):
        match = address_match(entry.cidr, peer)
        if match == MAYBE:
            maybe.add(entry.action)
        elif match == CERTAIN:
            return (UNDETERMINED if maybe - {entry.action} else entry.action), entry.rule_number
    return (UNDETERMINED if ALLOW in maybe else DENY), STAR_RULE


def acl_direction(acl: NetworkAcl, *, egress: bool, ports: tuple[int, int], peer: Peer) -> tuple[str, list[int]]:
    """
    Whether ``acl`` lets TCP to ``ports`` through in one direction to or from ``peer``: :data:`ALLOW` or :data:`DENY`
    only when every port of the range gets that answer, else :data:`UNDETERMINED`; with the numbers of the rules that
    decided (for a DENY, the first certainly matching deny of each part of the range; :data:`STAR_RULE` for ``*``).
    """
    entries = sorted((entry for entry in acl.entries if entry.egress == egress), key=lambda entry: entry.rule_number)
    bounds = {ports[0], ports[1] + 1}
    for entry in entries:
        low, high = _entry_ports(entry) or ports
        bounds.update(edge for edge in (low, high + 1) if ports[0] < edge <= ports[1])
    starts = sorted(edge for edge in bounds if edge <= ports[1])
    decided = [_decide_port(entries, start, peer) for start in starts]
    answers = {answer for answer, _ in decided}
    answer = answers.pop() if len(answers) == 1 else UNDETERMINED
    return answer, sorted({rule for _, rule in decided})


def _rules_named(rules: list[int]) -> str:
    """The deciding rules of a FAIL: ``rule 10``, ``rules 10, 20``, ``its * rule``, ``rule 10 and its * rule``."""
    numbered = [str(rule) for rule in rules if rule != STAR_RULE]
    named = [f"rule{'s' if len(numbered) > 1 else ''} {', '.join(numbered)}"] if numbered else []
    return " and ".join(named + (["its * rule"] if STAR_RULE in rules or not rules else []))


@dataclass(frozen=True)
class Crossing:
    """One direction to check in one subnet's ACL: egress or ingress, the TCP ports, the peer, and what it carries."""

    subnet: SubnetAcl
    egress: bool
    ports: tuple[int, int]
    peer: Peer
    what: str


def judge_crossing(crossing: Crossing) -> Verdict:
    """The ACL's verdict on one :class:`Crossing`; not read: not checked, naming ``ec2:DescribeNetworkAcls``."""
    subnet, direction = crossing.subnet, "outbound" if crossing.egress else "inbound"
    if subnet.acl is None:  # its rules may name some ports or addresses only: a passing probe does not show them
        return Verdict(
            NOT_CHECKED,
            f"the network ACL of subnet {subnet.subnet_id} was not read"
            + (f": {subnet.unread}" if subnet.unread else ""),
            f"allow ec2:DescribeNetworkAcls to check it (filter association.subnet-id={subnet.subnet_id})",
            probe_settles=False,
        )
    answer, rules = acl_direction(subnet.acl, egress=crossing.egress, ports=crossing.ports, peer=crossing.peer)
    if answer == ALLOW:
        return Verdict(PASS)
    ports = f"TCP {crossing.ports[0]}" + ("" if crossing.ports[0] == crossing.ports[1] else f"-{crossing.ports[1]}")
    where = f"{'to' if crossing.egress else 'from'} {crossing.peer.name}"
    fix = (
        f"add an {direction} rule allowing {ports} {where} "
        f"({_fix_cidr(crossing.peer)}) to {subnet.acl.acl_id}, numbered before any rule denying it"
    )
    if answer == DENY:
        return Verdict(
            FAIL,
            f"network ACL {subnet.acl.acl_id} of subnet {subnet.subnet_id} denies {direction} {ports} {where} "
            f"({_rules_named(rules)}), so {crossing.what} is dropped",
            fix,
        )
    # The doubt is about some ports or some addresses (a peer's public addresses, a subnet's many nodes, a subnet whose
    # CIDR was not read, where a rule may hold the primary node's or one address and not the rest): the probe's few
    # connections from one port to one address do not show the others.
    return Verdict(
        NOT_CHECKED,
        f"network ACL {subnet.acl.acl_id} of subnet {subnet.subnet_id} may deny {direction} {ports} {where} (its rules "
        f"name narrower ranges or only some of the ports, or deny before allowing), so {crossing.what} may be dropped "
        "(the live probe's few connections use one port and one address: they do not show the others)",
        fix,
        probe_settles=False,
    )


def _fix_cidr(peer: Peer) -> str:
    return ", ".join(peer.cidrs) if peer.cidrs else ANYWHERE


def group_sides(instance_groups: Collection[str]) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """
    The cluster's sides with their groups and whether the probe (on the primary node) runs there: the primary node and
    the core and task nodes of a ``NodeGroups``; a plain collection's groups are one side the probe may not show.
    """
    sides = getattr(instance_groups, "sides", None)
    if sides is not None:
        return tuple((side, groups, index == 0) for index, (side, groups) in enumerate(sides()))
    groups = tuple(sorted(set(instance_groups)))
    return ((f"the cluster's instances ({', '.join(groups) or 'security groups not known'})", groups, False),)


def _rule_match(rule: EgressRule, peer: Peer) -> str:
    """Whether an outbound rule covering TCP 443 certainly, maybe or never lets packets to ``peer`` out."""
    if set(rule.prefix_lists) & set(peer.prefix_lists) or set(rule.groups) & set(peer.groups):
        return CERTAIN
    found = {address_match(cidr, peer) for cidr in rule.cidrs}
    if CERTAIN in found:
        return CERTAIN
    lists = set(rule.prefix_lists) - set(peer.not_in_lists)  # another list may hold it (customer-managed: any range)
    return MAYBE if MAYBE in found or lists or rule.groups else NO


def judge_side(
    side: str, groups: tuple[str, ...], egress: dict[str, tuple[EgressRule, ...]], peer: Peer, *, primary: bool
) -> Verdict:
    """
    A side of the cluster lets TCP 443 out to ``peer`` when some rule of its groups certainly does. Not known or only
    maybe: not checked, which a passing probe does not settle (its rules may name some addresses only). A FAIL on the
    primary node's side would fail the probe too (``probe_settles``: a passing probe shows that way is not taken).
    """
    if not groups:
        return Verdict(
            NOT_CHECKED,
            f"the security groups of {side} are not known: their outbound rules are not checked",
            "name the cluster's security groups (its Ec2InstanceAttributes) so their outbound rules are checked",
            probe_settles=False,
        )
    rules = [rule for group in groups for rule in egress.get(group, ()) if rule.covers_https()]
    found = {_rule_match(rule, peer) for rule in rules}
    if CERTAIN in found:
        return Verdict(PASS)
    fix = _egress_fix(groups[0], peer)
    if MAYBE in found:
        named = [rule for rule in rules if _rule_match(rule, peer) == MAYBE]
        note = _prefix_list_note(named, peer)
        return Verdict(
            NOT_CHECKED,
            f"the outbound rules of {side} allow TCP 443 only to {_destinations(named)}, which this check does not "
            f"match to {peer.name}" + note,
            fix
            + (" (STS's addresses are in no AWS-managed prefix list: a rule to S3's covers S3 only)" if note else ""),
            probe_settles=False,
        )
    return Verdict(
        FAIL,
        f"no outbound rule of the security groups of {side} allows TCP 443 to {peer.name} (a security group allows "
        "only what its rules name; one whose egress rules were all removed lets nothing out"
        f"{_not_in_lists_note(rules, peer)}), so every request from those nodes to it is dropped",
        fix,
        probe_settles=primary,
    )


def _egress_fix(group: str, peer: Peer) -> str:
    """The AWS CLI command adding an outbound TCP 443 rule to ``peer``'s range or prefix list."""
    command = f"aws ec2 authorize-security-group-egress --group-id {group} "
    if peer.prefix_lists:
        return (
            command + "--ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,"
            f"PrefixListIds=[{{PrefixListId={peer.prefix_lists[0]}}}]'"
        )
    return command + f"--protocol tcp --port 443 --cidr {_fix_cidr(peer)}"


def _destinations(rules: list[EgressRule]) -> str:
    """What outbound rules name: ranges, prefix lists, security groups."""
    named = [cidr for rule in rules for cidr in rule.cidrs]
    named += [f"prefix list {item}" for rule in rules for item in rule.prefix_lists]
    named += [f"security group {item}" for rule in rules for item in rule.groups]
    return ", ".join(dict.fromkeys(named))


def _not_in_lists_note(rules: list[EgressRule], peer: Peer) -> str:
    """What rules to prefix lists not holding the peer's address leave out (Amazon VPC User Guide, "AWS-managed
    prefix lists": S3's holds S3's public ranges)."""
    lists = [item for rule in rules for item in rule.prefix_lists if item in peer.not_in_lists]
    if not lists:
        return ""
    return (
        f"; a rule to S3's prefix list {', '.join(dict.fromkeys(lists))} covers S3's public addresses only, not "
        "this private one"
    )


def _prefix_list_note(rules: list[EgressRule], peer: Peer) -> str:
    """On a way through public addresses, what a rule to a prefix list covers (Amazon VPC User Guide, "AWS-managed
    prefix lists": S3's is ``com.amazonaws.<region>.s3``; STS has none)."""
    lists = [item for rule in rules for item in rule.prefix_lists]
    if not lists or not peer.public or peer.cidrs:
        return ""
    return (
        f" (a rule to a prefix list covers only the addresses in it: S3's prefix list holds S3's addresses of its "
        f"Region and none of STS's, so {', '.join(dict.fromkeys(lists))} may let S3's requests out and not STS's; "
        "which service a prefix list is of is not read here)"
    )


def judge_groups(filters: PacketFilters, instance_groups: Collection[str], peer: Peer) -> Verdict:
    """
    Each side of the cluster must let TCP 443 out to ``peer``; the rules not read: not checked, which a passing probe
    does not settle even from a cluster's only node: they may name some of the peer's addresses only (module
    docstring).
    """
    egress = filters.egress
    if egress is None:
        probe = (
            "the live probe's few connections reach one address: they do not show the others"
            if getattr(instance_groups, "core_and_task_nodes", True) is False
            else "the live probe runs on the primary node only: it does not show the core and task nodes' way"
        )
        return Verdict(
            NOT_CHECKED,
            "the outbound rules of the cluster's security groups were not read"
            + (f": {filters.egress_unread}" if filters.egress_unread else ""),
            f"allow ec2:DescribeSecurityGroups to check them ({probe})",
            probe_settles=False,
        )
    return judge_by_side(
        instance_groups,
        lambda sides: worst(judge_side(side, groups, egress, peer, primary=primary) for side, groups, primary in sides),
    )


Sides = tuple[tuple[str, tuple[str, ...], bool], ...]


def judge_by_side(instance_groups: Collection[str], judge: Callable[[Sides], Verdict]) -> Verdict:
    """
    ``judge`` on the sides of the cluster (:func:`group_sides`). With no core or task nodes (``NodeGroups``
    ``core_and_task_nodes`` False), every EMRFS request is sent from the primary node (``pure/security_groups.py``):
    their side is judged apart, and what it would drop is a WARN about nodes added later. Whether it has any not read:
    a FAIL that the primary node's side alone does not give is not checked, naming that read.
    """
    sides = group_sides(instance_groups)
    nodes = getattr(instance_groups, "core_and_task_nodes", True)
    found = judge(sides)
    if nodes is False:
        side, groups = instance_groups.core_and_task_side()  # type: ignore[attr-defined]
        return worst([found, _added_later(judge(((side, groups, False),)))])
    if nodes is None and found.status == FAIL and judge(sides[:1]).status != FAIL:
        unread = getattr(instance_groups, "nodes_unread", "") or "the cluster's instance groups or fleets were not read"
        return Verdict(
            NOT_CHECKED,
            f"{found.detail}, if the cluster has core or task nodes, which is not known ({unread}); a cluster of only "
            "a primary node sends every request from it",
            f"{found.fix}; or allow elasticmapreduce:ListInstanceGroups and elasticmapreduce:ListInstanceFleets so "
            "the verifier knows whether the cluster has core or task nodes",
            probe_settles=False,
        )
    return found


def _added_later(verdict: Verdict) -> Verdict:
    """What the core and task nodes' side of a cluster without such nodes would drop: a WARN, or PASS."""
    if verdict.status == PASS:
        return verdict
    return Verdict(
        WARN,
        f"{verdict.detail} (the cluster has no core or task nodes now, so every EMRFS request is sent from the "
        "primary node: this is about core or task nodes added later, by a resize or managed scaling)",
        verdict.fix,
        probe_settles=False,
    )


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The worst verdict (FAIL, then NOT CHECKED, then WARN), their details joined (each once); PASS when every one
    passes."""
    found = list(verdicts)
    for status in (FAIL, NOT_CHECKED, WARN):
        bad = [verdict for verdict in found if verdict.status == status]
        if bad:
            return Verdict(
                status,
                "; ".join(dict.fromkeys(verdict.detail for verdict in bad)),
                "; ".join(dict.fromkeys(verdict.fix for verdict in bad)),
                probe_settles=all(verdict.probe_settles for verdict in bad),
            )
    return Verdict(PASS)


#: The ways a link may PASS through (``StsReachability.ways``).
NAT, INTERNET_GATEWAY, STS_ENDPOINT, S3_GATEWAY = "nat", "internet gateway", "sts endpoint", "s3 gateway endpoint"
THE_INTERNET = Peer("the internet")


def crossings(way: str, filters: PacketFilters) -> list[Crossing]:
    """The ACL crossings of a way (:data:`NAT`, :data:`INTERNET_GATEWAY`, :data:`S3_GATEWAY`)."""
    cluster = filters.cluster
    peer = Peer("S3's addresses") if way == S3_GATEWAY else THE_INTERNET
    found = _leaving(cluster, peer)
    if way == NAT:
        subnet_peer = _subnet_peer(f"subnet {cluster.subnet_id}", cluster.cidr)
        for nat in filters.nat_subnets:
            found += [
                Crossing(nat, False, HTTPS, subnet_peer, "the HTTPS request into the NAT gateway's subnet"),
                Crossing(nat, True, HTTPS, THE_INTERNET, "the HTTPS request out of the NAT gateway's subnet"),
                Crossing(nat, False, NAT_PORTS, THE_INTERNET, "the answer to the NAT gateway"),
                Crossing(nat, True, CLIENT_PORTS, subnet_peer, "the answer from the NAT gateway to the cluster"),
            ]
    return found


def _subnet_peer(name: str, cidr: str) -> Peer:
    """A subnet as a peer: its CIDR, or, not read, an address that may be in any range."""
    return Peer(name, (cidr,)) if cidr else Peer(name + " (CIDR not read)", public=False)


def _leaving(cluster: SubnetAcl, peer: Peer) -> list[Crossing]:
    return [
        Crossing(cluster, True, HTTPS, peer, "every HTTPS request of the cluster"),
        Crossing(cluster, False, CLIENT_PORTS, peer, "the answer to the cluster's HTTPS requests"),
    ]


def _endpoint_crossings(cluster: SubnetAcl, subnet: SubnetAcl) -> list[Crossing]:
    """The way to the STS endpoint's interface in ``subnet``: both ACLs, each way; none in the cluster's own subnet."""
    if subnet.subnet_id == cluster.subnet_id:
        return []  # traffic inside one subnet crosses no network ACL
    cluster_peer = _subnet_peer(f"subnet {cluster.subnet_id}", cluster.cidr)
    peer = _subnet_peer(f"the STS endpoint's subnet {subnet.subnet_id}", subnet.cidr)
    return [
        *_leaving(cluster, peer),
        Crossing(subnet, False, HTTPS, cluster_peer, "the HTTPS request into the STS endpoint's subnet"),
        Crossing(subnet, True, CLIENT_PORTS, cluster_peer, "the STS endpoint's answer"),
    ]


def _endpoint_acls(filters: PacketFilters, subnet: SubnetAcl) -> Verdict:
    """The ACLs on the way to the STS endpoint's interface in ``subnet``."""
    return worst(judge_crossing(item) for item in _endpoint_crossings(filters.cluster, subnet))


def _private(cidrs: tuple[str, ...]) -> bool:
    """Whether every range is private or shared space (:data:`PRIVATE`): none of S3's public ranges is there."""
    return bool(cidrs) and all(any(_network(cidr).subnet_of(block) for block in PRIVATE) for cidr in cidrs)


def _interface_peer(filters: PacketFilters, subnet: SubnetAcl) -> Peer:
    """
    The STS endpoint's interface in ``subnet`` as the cluster's outbound rules see it: an address of the subnet's CIDR,
    the endpoint's groups; a private address is in none of S3's prefix lists (module docstring).
    """
    cidrs = (subnet.cidr,) if subnet.cidr else ()
    return Peer(
        f"the STS endpoint's network interface in subnet {subnet.subnet_id}" + ("" if cidrs else " (CIDR not read)"),
        cidrs,
        groups=filters.endpoint_groups,
        public=False,
        not_in_lists=filters.s3_prefix_lists if _private(cidrs) else (),
    )


#: For each side of the cluster (``""``: all alike), by endpoint subnet, the verdicts on the way to its interface.
InterfaceWays = dict[str, dict[str, list[Verdict]]]


def judge_endpoint(filters: PacketFilters, instance_groups: Collection[str]) -> Verdict:
    """
    The STS interface endpoint's way. Its private DNS name resolves to its interfaces, one per subnet (module
    docstring), and a request to one must get through both the ACLs on the way to that subnet and the outbound rules
    of the cluster's groups for that interface's address: each side of the cluster is judged across the interfaces
    (:func:`_across_interfaces`). No subnet known, or no outbound rule read: the groups are judged once.
    """
    subnets, egress = filters.endpoint_subnets, filters.egress
    acls = {subnet.subnet_id: _endpoint_acls(filters, subnet) for subnet in subnets}
    if not subnets or egress is None:
        groups = judge_groups(filters, instance_groups, group_peer(STS_ENDPOINT, filters))
        return worst([_across_interfaces({"": {key: [value] for key, value in acls.items()}}), groups])
    return judge_by_side(
        instance_groups,
        lambda sides: _across_interfaces(
            {
                side: {
                    subnet.subnet_id: [
                        acls[subnet.subnet_id],
                        judge_side(side, groups, egress, _interface_peer(filters, subnet), primary=primary),
                    ]
                    for subnet in subnets
                }
                for side, groups, primary in sides
            }
        ),
    )


def _across_interfaces(ways: InterfaceWays) -> Verdict:
    """
    A side whose every interface is dropped (a FAIL on the way to each): FAIL. Some dropped: not checked naming them,
    the requests resolving to those addresses fail, which a passing probe (one address) does not rule out. None: the
    worst of the rest.
    """
    dropped = {
        side: [subnet for subnet, found in by_subnet.items() if any(item.status == FAIL for item in found)]
        for side, by_subnet in ways.items()
    }
    cut_off = [side for side, by_subnet in ways.items() if by_subnet and len(dropped[side]) == len(by_subnet)]
    if cut_off or not any(dropped.values()):
        return worst(item for side in (cut_off or ways) for found in ways[side].values() for item in found)
    failed = [item for side in ways for subnet in dropped[side] for item in ways[side][subnet] if item.status == FAIL]
    doubts = worst(
        item
        for side, by_subnet in ways.items()
        for subnet, found in by_subnet.items()
        if subnet not in dropped[side]
        for item in found
    )
    return Verdict(
        NOT_CHECKED,
        "; ".join(
            dict.fromkeys(
                [worst(failed).detail, *([doubts.detail] if doubts.detail else []), *_unreachable(ways, dropped)]
            )
        ),
        "; ".join(dict.fromkeys(item.fix for item in [*failed, doubts] if item.fix)),
        probe_settles=False,
    )


def _unreachable(ways: InterfaceWays, dropped: dict[str, list[str]]) -> list[str]:
    """The interfaces not reachable, naming the side when the sides differ."""
    alike = len({tuple(found) for found in dropped.values()}) == 1
    notes = []
    for side, found in dropped.items():
        if not found:
            continue
        others = [subnet for subnet in ways[side] if subnet not in found]
        many = len(found) > 1
        notes.append(
            f"the STS endpoint's network interface{'s' * many} in subnet{'s' * many} {', '.join(found)} "
            f"{'are' if many else 'is'} not reachable{'' if alike else f' from {side}'}, so the requests its name "
            f"resolves to {'those' if many else 'that'} address{'es' * many} fail (its interfaces in "
            f"subnet{'s' * (len(others) > 1)} {', '.join(others)} may carry the others)"
        )
    return notes


def group_peer(way: str, filters: PacketFilters) -> Peer:
    """Where the cluster's security groups must let TCP 443 go on a way."""
    if way == S3_GATEWAY:
        return Peer(
            "S3's prefix list " + (", ".join(filters.s3_prefix_lists) or ""), prefix_lists=filters.s3_prefix_lists
        )
    if way == STS_ENDPOINT:
        cidrs = tuple(subnet.cidr for subnet in filters.endpoint_subnets if subnet.cidr)
        complete = len(cidrs) == len(filters.endpoint_subnets) and cidrs
        return Peer(
            "the STS interface endpoint (subnets "
            + (", ".join(s.subnet_id for s in filters.endpoint_subnets) or "not known")
            + ")",
            cidrs if complete else (),
            groups=filters.endpoint_groups,
            public=False,
        )
    return THE_INTERNET


def judge_way(way: str, filters: PacketFilters, instance_groups: Collection[str]) -> Verdict:
    """The network ACLs and the cluster's security groups on one way."""
    if way == STS_ENDPOINT:
        return judge_endpoint(filters, instance_groups)
    acls = worst(judge_crossing(crossing) for crossing in crossings(way, filters))
    return worst([acls, judge_groups(filters, instance_groups, group_peer(way, filters))])


def judge_ways(ways: tuple[str, ...], filters: PacketFilters, instance_groups: Collection[str]) -> Verdict:
    """
    The filters on the ways a link may take (more than one when which one is not known): a FAIL only when every way is
    dropped, PASS when none may be, else not checked.
    """
    verdicts = [judge_way(way, filters, instance_groups) for way in ways]
    if all(verdict.status == FAIL for verdict in verdicts):
        return worst(verdicts)
    judged = worst(verdicts)
    if judged.status == FAIL:  # another way may carry it; a passing probe settles it only if it shows every doubt
        settles = all(verdict.probe_settles for verdict in verdicts if verdict.status != PASS)
        return Verdict(NOT_CHECKED, judged.detail + " (on one of the ways it may take)", judged.fix, settles)
    return judged
