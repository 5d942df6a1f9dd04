"""
The network ACLs and the cluster's security groups on the ways the STS and S3 links would PASS through.

Expected verdicts are written by hand from AWS's rules: entries are processed "according to the rule numbers, in
ascending order" and the first match decides (Amazon EC2 API Reference, "CreateNetworkAclEntry"); ACLs are stateless,
so answers to the Amazon Linux client's ephemeral ports 32768-61000 need an inbound rule, and a NAT gateway's answers
1024-65535 (Amazon VPC User Guide, "Network ACLs", "Ephemeral ports"); an IPv6 entry never matches IPv4 traffic;
a security group whose egress rules were all removed lets nothing out (AWS CloudFormation, "AWS::EC2::SecurityGroup").
An STS interface endpoint's private DNS name "resolves to the private IP addresses of the endpoint network interfaces
in the VPC" (Amazon EC2 API Reference, "CreateVpcEndpoint"), one per subnet: a request may go to any of them and must
pass both the ACLs and the cluster's outbound rules for that one; one in the cluster's own subnet crosses no ACL. The live probe connects from one port to one address; S3 changes the
addresses behind its name (Amazon S3 User Guide, "DNS considerations"), so it does not show a rule covering some ports
or addresses only. A prefix list holds only its own service's ranges (Amazon VPC User Guide, "AWS-managed prefix
lists").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, WARN, verdict_with_probe
from airflow_provider_emrfs_xacct.pure.checks.sts_route import LINK_STATUS
from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED, SubnetFacts, s3_route_check, sts_endpoint_check
from airflow_provider_emrfs_xacct.pure.packet_filters import (
    INTERNET_GATEWAY,
    STS_ENDPOINT,
    AclEntry,
    EgressRule,
    NetworkAcl,
    PacketFilters,
    SubnetAcl,
    judge_ways,
)
from airflow_provider_emrfs_xacct.pure.security_groups import IngressRule, NodeGroups, has_core_or_task_nodes

ANY = "0.0.0.0/0"
GROUPS = NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",))
ALL_OUT = (EgressRule("-1", cidrs=(ANY,)),)


def default_acl(*extra: AclEntry, acl_id: str = "acl-1") -> NetworkAcl:
    """The VPC's default ACL (rule 100 allows all each way, * denies), with ``extra`` entries."""
    base = [
        AclEntry(n, egress, "-1", action, ANY)
        for egress in (True, False)
        for n, action in ((100, "allow"), (32767, "deny"))
    ]
    return NetworkAcl(acl_id, (*extra, *base))


def only(*entries: AclEntry, acl_id: str = "acl-1") -> NetworkAcl:
    """An ACL of these entries and the * rules."""
    return NetworkAcl(
        acl_id, (*entries, AclEntry(32767, True, "-1", "deny", ANY), AclEntry(32767, False, "-1", "deny", ANY))
    )


def facts(acl: NetworkAcl | None = None, egress: Any = "default", **kwargs: Any) -> SubnetFacts:
    """A subnet with a NAT route (its NAT gateway in subnet-nat) and these filters."""
    filters = {
        "cluster": SubnetAcl("subnet-emr", "10.0.1.0/24", default_acl() if acl is None else acl),
        "nat_subnets": (SubnetAcl("subnet-nat", "10.0.9.0/24", default_acl(acl_id="acl-nat")),),
        "egress": {"sg-primary": ALL_OUT, "sg-core": ALL_OUT} if egress == "default" else egress,
        **kwargs.pop("filters", {}),
    }
    base: dict[str, Any] = {
        "subnet_id": "subnet-emr",
        "region": "eu-west-1",
        "nat_route": True,
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": False,
        "dns_support": True,
        "dns_hostnames": True,
        "subnet_cidr": "10.0.1.0/24",
        "instance_groups": GROUPS,
        "packet_filters": PacketFilters(**filters),
    }
    return SubnetFacts(**{**base, **kwargs})


def sts(subnet: SubnetFacts) -> Any:
    return sts_endpoint_check("emr-6.15.0", subnet)


def test_the_default_acl_and_default_egress_pass_unchanged() -> None:
    assert (sts(facts()).status, s3_route_check("b", "us-east-1", facts()).status) == ("PASS", "PASS")


def test_a_deny_at_a_lower_rule_number_before_an_allow_drops_every_request() -> None:
    result = sts(facts(default_acl(AclEntry(10, True, "6", "deny", ANY, (443, 443)))))
    assert result.status == "FAIL"
    assert "acl-1" in result.detail
    assert "(rule 10)" in result.detail  # the deny that decided, not the * rule (32767) behind it
    assert "32767" not in result.detail
    assert "outbound rule allowing TCP 443" in result.fix


def test_a_drop_by_the_star_rule_names_it() -> None:
    result = sts(facts(only(AclEntry(10, False, "-1", "allow", ANY))))
    assert result.status == "FAIL"
    assert "denies outbound TCP 443 to the internet (its * rule)" in result.detail


def test_an_allow_before_a_deny_decides() -> None:
    acl = only(AclEntry(5, True, "6", "allow", ANY, (443, 443)), AclEntry(6, False, "-1", "allow", ANY))
    assert sts(facts(acl)).status == "PASS"


def test_protocol_minus_one_deny_drops_https() -> None:
    assert sts(facts(default_acl(AclEntry(1, True, "-1", "deny", ANY)))).status == "FAIL"


def test_a_port_range_around_443_does_not_allow_it() -> None:
    acl = only(
        AclEntry(10, True, "6", "allow", ANY, (0, 442)),
        AclEntry(20, True, "6", "allow", ANY, (444, 65535)),
        AclEntry(30, False, "-1", "allow", ANY),
    )
    result = sts(facts(acl))
    assert result.status == "FAIL", result.detail


def test_ipv6_entries_never_match_ipv4_traffic() -> None:
    acl = NetworkAcl(
        "acl-1",
        (
            AclEntry(1, True, "-1", "allow", ""),  # ::/0, read without an IPv4 CIDR
            AclEntry(1, False, "-1", "allow", ""),
            AclEntry(32767, True, "-1", "deny", ANY),
            AclEntry(32767, False, "-1", "deny", ANY),
        ),
    )
    assert sts(facts(acl)).status == "FAIL"


def test_a_missing_return_rule_drops_the_answers() -> None:
    acl = only(AclEntry(10, True, "6", "allow", ANY, (443, 443)), AclEntry(10, False, "6", "allow", ANY, (22, 22)))
    result = sts(facts(acl))
    assert result.status == "FAIL"
    assert "inbound TCP 32768-61000" in result.detail


def after_a_passing_probe(result: Any) -> str:
    """The report's verdict once a live probe passed, with ``result`` its one not checked link (the route to STS)."""
    link = {"link": "route to STS", "status": UNKNOWN, "mapping": None, "prefix": None}
    return verdict_with_probe(
        [{**link, "probe_settles": result.probe_settles}], {"ok": True, "routes": {"s3://b/x": 0}}
    )[0]


def test_a_return_rule_for_only_some_ephemeral_ports_is_not_checked_and_a_passing_probe_does_not_settle_it() -> None:
    """Answers to ports 45001-61000 are dropped; the probe's connection from one port does not show them."""
    acl = only(
        AclEntry(10, True, "6", "allow", ANY, (443, 443)), AclEntry(10, False, "6", "allow", ANY, (32768, 45000))
    )
    result = sts(facts(acl))
    assert result.status == NOT_CHECKED
    assert not result.probe_settles
    assert "probe" not in result.fix
    assert after_a_passing_probe(result) == "NOT_CHECKED"


def test_a_narrow_public_allow_before_the_star_rule_is_not_checked() -> None:
    acl = only(AclEntry(10, True, "6", "allow", "52.0.0.0/8", (443, 443)), AclEntry(10, False, "-1", "allow", ANY))
    result = sts(facts(acl))
    assert result.status == NOT_CHECKED
    assert not result.probe_settles
    assert after_a_passing_probe(result) == "NOT_CHECKED"


def test_an_acl_read_without_its_star_rules_still_denies_what_no_entry_allows() -> None:
    # DescribeNetworkAcls lists the * entries (32767); an answer without them is judged as if they were there
    # ("If a packet doesn't match any of the numbered rules, it's denied": the * rule): a narrower allow alone is
    # a doubt, no entry at all a drop.
    narrow = NetworkAcl(
        "acl-1",
        (AclEntry(10, True, "6", "allow", "52.0.0.0/8", (443, 443)), AclEntry(10, False, "-1", "allow", ANY)),
    )
    result = sts(facts(narrow))
    assert result.status == NOT_CHECKED
    assert sts(facts(NetworkAcl("acl-1", ()))).status == "FAIL"


def test_a_deny_of_a_narrower_public_range_first_is_not_settled_by_a_passing_probe() -> None:
    result = sts(facts(default_acl(AclEntry(50, True, "6", "deny", "52.0.0.0/8", (443, 443)))))
    assert result.status == NOT_CHECKED
    assert after_a_passing_probe(result) == "NOT_CHECKED"


def test_the_nat_subnet_s_acl_must_let_the_nat_s_answers_in() -> None:
    nat_acl = only(
        AclEntry(10, True, "-1", "allow", ANY),
        AclEntry(10, False, "6", "allow", "10.0.0.0/16", (443, 443)),
        acl_id="acl-nat",
    )
    result = sts(facts(filters={"nat_subnets": (SubnetAcl("subnet-nat", "10.0.9.0/24", nat_acl),)}))
    assert result.status == "FAIL"
    assert "acl-nat" in result.detail
    assert "1024-65535" in result.detail


def test_a_security_group_without_egress_rules_fails() -> None:
    result = sts(facts(egress={"sg-primary": ALL_OUT, "sg-core": ()}))
    assert result.status == "FAIL"
    assert "sg-core" in result.detail


def test_egress_only_to_a_narrow_cidr_is_not_checked_and_the_probe_does_not_settle_the_core_side() -> None:
    narrow = (EgressRule("tcp", 443, 443, cidrs=("52.94.0.0/16",)),)
    result = sts(facts(egress={"sg-primary": ALL_OUT, "sg-core": narrow}))
    assert result.status == NOT_CHECKED
    assert not result.probe_settles


def test_egress_only_to_a_narrow_range_on_the_primary_node_is_not_settled_by_a_passing_probe() -> None:
    narrow = (EgressRule("tcp", 443, 443, cidrs=("52.0.0.0/8",)),)
    result = sts(facts(egress={"sg-primary": narrow, "sg-core": ALL_OUT}))
    assert result.status == NOT_CHECKED
    assert "52.0.0.0/8" in result.detail
    assert after_a_passing_probe(result) == "NOT_CHECKED"


def test_egress_only_to_s3_s_prefix_list_through_a_nat_says_it_covers_s3_only() -> None:
    to_s3 = (EgressRule("tcp", 443, 443, prefix_lists=("pl-s3",)),)
    result = sts(facts(egress={"sg-primary": to_s3, "sg-core": to_s3}))
    assert result.status == NOT_CHECKED
    assert "only to prefix list pl-s3" in result.detail
    assert "none of STS's" in result.detail
    assert "a rule to S3's covers S3 only" in result.fix


def test_the_fix_for_a_prefix_list_is_a_runnable_command() -> None:
    subnet = facts(
        egress={"sg-primary": ALL_OUT, "sg-core": ()},
        nat_route=False,
        s3_gateway_endpoint=True,
        filters={"s3_prefix_lists": ("pl-s3",)},
    )
    result = s3_route_check("b", "eu-west-1", subnet)
    assert result.status == "FAIL"
    assert result.fix == (
        "aws ec2 authorize-security-group-egress --group-id sg-core --ip-permissions "
        "'IpProtocol=tcp,FromPort=443,ToPort=443,PrefixListIds=[{PrefixListId=pl-s3}]'"
    )


def test_egress_naming_s3_s_prefix_list_passes_on_the_gateway_endpoint_way() -> None:
    to_s3 = (EgressRule("tcp", 443, 443, prefix_lists=("pl-s3",)),)
    subnet = facts(
        egress={"sg-primary": to_s3, "sg-core": to_s3},
        nat_route=False,
        s3_gateway_endpoint=True,
        filters={"s3_prefix_lists": ("pl-s3",)},
    )
    assert s3_route_check("b", "eu-west-1", subnet).status == "PASS"


def test_egress_naming_the_sts_endpoint_s_group_passes() -> None:
    to_endpoint = (EgressRule("tcp", 443, 443, groups=("sg-endpoint",)),)
    subnet = facts(
        egress={"sg-primary": to_endpoint, "sg-core": to_endpoint},
        nat_route=False,
        sts_interface_endpoint=True,
        endpoint_groups=("sg-endpoint",),
        endpoint_ingress=(IngressRule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),),
        filters={
            "endpoint_subnets": (SubnetAcl("subnet-vpce", "10.0.2.0/24", default_acl(acl_id="acl-vpce")),),
            "endpoint_groups": ("sg-endpoint",),
        },
    )
    assert sts(subnet).status == "PASS"


def test_an_acl_not_read_leaves_the_link_not_checked() -> None:
    unread = SubnetAcl("subnet-emr", "10.0.1.0/24", None, "ec2:DescribeNetworkAcls was denied")
    result = sts(facts(filters={"cluster": unread}))
    assert result.status == NOT_CHECKED
    assert "ec2:DescribeNetworkAcls" in result.fix


ENDPOINT_INGRESS = (IngressRule("tcp", 443, 443, cidrs=("10.0.0.0/16",)),)


def own_range_only(acl_id: str, cidr: str) -> NetworkAcl:
    """An ACL letting traffic in and out to its own subnet's range only."""
    return only(AclEntry(100, True, "-1", "allow", cidr), AclEntry(100, False, "-1", "allow", cidr), acl_id=acl_id)


def behind_an_sts_endpoint(*subnets: SubnetAcl, egress: Any = "default", **filters: Any) -> SubnetFacts:
    """
    The cluster's subnet with an STS interface endpoint (private DNS on) in ``subnets``, the cluster's groups allowing
    all out unless ``egress`` says otherwise, and other ``filters``.
    """
    return facts(
        egress=egress,
        nat_route=False,
        sts_interface_endpoint=True,
        endpoint_groups=("sg-endpoint",),
        endpoint_ingress=ENDPOINT_INGRESS,
        filters={"endpoint_subnets": subnets, "endpoint_groups": ("sg-endpoint",), **filters},
    )


def test_an_sts_endpoint_interface_dropped_in_one_subnet_of_two_is_not_checked_naming_it() -> None:
    result = sts(
        behind_an_sts_endpoint(
            SubnetAcl("subnet-b", "10.0.2.0/24", default_acl(acl_id="acl-b")),
            SubnetAcl("subnet-c", "10.0.3.0/24", own_range_only("acl-c", "10.0.3.0/24")),
        )
    )
    assert result.status == NOT_CHECKED, result.detail
    assert "network interface in subnet subnet-c is not reachable" in result.detail
    assert not result.probe_settles  # the probe's request resolved to one address


def test_an_sts_endpoint_dropped_in_every_subnet_fails() -> None:
    result = sts(
        behind_an_sts_endpoint(
            SubnetAcl("subnet-b", "10.0.2.0/24", own_range_only("acl-b", "10.0.2.0/24")),
            SubnetAcl("subnet-c", "10.0.3.0/24", own_range_only("acl-c", "10.0.3.0/24")),
        )
    )
    assert result.status == "FAIL"
    assert "acl-b" in result.detail
    assert "acl-c" in result.detail


def test_an_sts_endpoint_interface_in_the_cluster_s_own_subnet_is_never_a_fail() -> None:
    result = sts(
        behind_an_sts_endpoint(
            SubnetAcl("subnet-emr", "10.0.1.0/24", default_acl()),
            SubnetAcl("subnet-c", "10.0.3.0/24", own_range_only("acl-c", "10.0.3.0/24")),
        )
    )
    assert result.status == NOT_CHECKED, result.detail
    assert "subnet subnet-c is not reachable" in result.detail


def test_one_way_dropped_for_the_core_nodes_only_is_not_settled_by_a_passing_probe() -> None:
    """The probe runs on the primary node: it passing does not show the core nodes' way is not the one dropped."""
    to_endpoint = (EgressRule("tcp", 443, 443, cidrs=("10.0.2.0/24",)),)
    filters = PacketFilters(
        cluster=SubnetAcl("subnet-emr", "10.0.1.0/24", default_acl()),
        endpoint_subnets=(SubnetAcl("subnet-vpce", "10.0.2.0/24", default_acl(acl_id="acl-vpce")),),
        egress={"sg-primary": ALL_OUT, "sg-core": to_endpoint},
    )
    verdict = judge_ways((INTERNET_GATEWAY, STS_ENDPOINT), filters, GROUPS)
    assert verdict.status == NOT_CHECKED
    assert not verdict.probe_settles


def drops_https_in(acl_id: str) -> NetworkAcl:
    """The default ACL with a deny of inbound TCP 443 from anywhere before its allow."""
    return default_acl(AclEntry(10, False, "6", "deny", ANY, (443, 443)), acl_id=acl_id)


def https_to(*cidrs: str) -> tuple[EgressRule, ...]:
    return (EgressRule("tcp", 443, 443, cidrs=cidrs),)


def test_each_sts_endpoint_interface_dropped_one_by_its_acl_the_other_by_the_groups_fails() -> None:
    """A request goes to one interface and must pass both the ACLs and the groups for it: here none gets through."""
    result = sts(
        behind_an_sts_endpoint(
            SubnetAcl("subnet-b", "10.0.2.0/24", drops_https_in("acl-b")),  # its ACL drops the requests
            SubnetAcl("subnet-c", "10.0.3.0/24", default_acl(acl_id="acl-c")),  # no group lets them out to it
            egress={"sg-primary": https_to("10.0.2.0/24"), "sg-core": https_to("10.0.2.0/24")},
        )
    )
    assert result.status == "FAIL", result.detail
    assert "acl-b" in result.detail
    assert "network interface in subnet subnet-c" in result.detail
    assert "--cidr 10.0.3.0/24" in result.fix


def test_the_primary_node_cut_off_from_every_sts_endpoint_interface_fails_though_the_core_nodes_reach_one() -> None:
    """Subnet-b's ACL drops every request to it; the primary node's groups let nothing out to subnet-c's."""
    result = sts(
        behind_an_sts_endpoint(
            SubnetAcl("subnet-b", "10.0.2.0/24", drops_https_in("acl-b")),
            SubnetAcl("subnet-c", "10.0.3.0/24", default_acl(acl_id="acl-c")),
            egress={"sg-primary": https_to("10.0.2.0/24"), "sg-core": https_to("10.0.2.0/24", "10.0.3.0/24")},
        )
    )
    assert result.status == "FAIL", result.detail
    assert "primary node (sg-primary) allows TCP 443 to the STS endpoint's network interface in subnet subnet-c" in (
        result.detail
    )
    assert "sg-core" not in result.detail


def test_each_side_reaching_another_sts_endpoint_interface_is_not_checked_naming_the_side() -> None:
    """Neither side is cut off (each reaches one interface), but each side's requests to the other one are dropped."""
    result = sts(
        behind_an_sts_endpoint(
            SubnetAcl("subnet-b", "10.0.2.0/24", default_acl(acl_id="acl-b")),
            SubnetAcl("subnet-c", "10.0.3.0/24", default_acl(acl_id="acl-c")),
            egress={"sg-primary": https_to("10.0.2.0/24"), "sg-core": https_to("10.0.3.0/24")},
        )
    )
    assert result.status == NOT_CHECKED, result.detail
    assert not result.probe_settles
    assert "network interface in subnet subnet-c is not reachable from the primary node (sg-primary)" in result.detail
    assert "network interface in subnet subnet-b is not reachable from the core and task nodes (sg-core)" in (
        result.detail
    )


TO_S3_LIST = (EgressRule("tcp", 443, 443, prefix_lists=("pl-s3",)),)


def test_egress_only_to_s3_s_prefix_list_fails_on_the_sts_endpoint_way_and_another_list_stays_not_checked() -> None:
    """
    S3's AWS-managed prefix list holds S3's public ranges, never the endpoint interface's private address; a
    customer-managed list may hold any range, and an endpoint subnet whose CIDR was not read any address.
    """

    def judged(egress: tuple[EgressRule, ...], cidr: str = "10.0.2.0/24") -> Any:
        return sts(
            behind_an_sts_endpoint(
                SubnetAcl("subnet-b", cidr, default_acl(acl_id="acl-b")),
                egress={"sg-primary": egress, "sg-core": egress},
                s3_prefix_lists=("pl-s3",),
            )
        )

    result = judged(TO_S3_LIST)
    assert result.status == "FAIL", result.detail
    assert "a rule to S3's prefix list pl-s3 covers S3's public addresses only" in result.detail
    assert "--group-id sg-primary --protocol tcp --port 443 --cidr 10.0.2.0/24" in result.fix
    other = judged((EgressRule("tcp", 443, 443, prefix_lists=("pl-s3", "pl-corp")),))
    assert other.status == NOT_CHECKED, other.detail
    assert "prefix list pl-corp" in other.detail
    assert judged(TO_S3_LIST, cidr="").status == NOT_CHECKED


NO_CORE_NODES = NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",), core_and_task_nodes=False)
NODES_NOT_READ = NodeGroups(
    primary=("sg-primary",),
    core_and_task=("sg-core",),
    core_and_task_nodes=None,
    nodes_unread="elasticmapreduce:ListInstanceGroups was refused",
)


def test_a_cluster_without_core_or_task_nodes_is_judged_on_its_primary_node_and_warns_about_added_ones() -> None:
    """
    "If the value is 1, the same instance serves as both the master and core and task node" (EMR API Reference,
    "JobFlowInstancesDetail", ``InstanceCount``): no instance holds the core and task nodes' group, and every EMRFS
    request is sent from the primary node. Their group letting nothing out drops no request now: a WARN about core or
    task nodes added later (a resize, managed scaling), never a FAIL a passing probe cannot clear.
    """
    subnet = facts(egress={"sg-primary": ALL_OUT, "sg-core": ()}, instance_groups=NO_CORE_NODES)
    found = sts(subnet), s3_route_check("b", "eu-west-1", subnet)
    assert [result.status for result in found] == ["WARN", "WARN"], [result.detail for result in found]
    for result in found:
        assert "no core or task nodes now" in result.detail
        assert "added later" in result.detail
        assert "so every request from those nodes to it is dropped" in result.detail
        assert "sg-core" in result.fix
    assert LINK_STATUS[found[0].status] == WARN


def test_core_and_task_nodes_present_or_assumed_still_fail() -> None:
    for groups in (GROUPS, NodeGroups(primary=("sg-primary",), core_and_task=("sg-core",), core_and_task_nodes=True)):
        subnet = facts(egress={"sg-primary": ALL_OUT, "sg-core": ()}, instance_groups=groups)
        assert (sts(subnet).status, s3_route_check("b", "eu-west-1", subnet).status) == ("FAIL", "FAIL")


def test_whether_the_cluster_has_core_or_task_nodes_not_read_leaves_their_side_s_fail_not_checked() -> None:
    subnet = facts(egress={"sg-primary": ALL_OUT, "sg-core": ()}, instance_groups=NODES_NOT_READ)
    for result in (sts(subnet), s3_route_check("b", "eu-west-1", subnet)):
        assert result.status == NOT_CHECKED, result.detail
        assert "elasticmapreduce:ListInstanceGroups was refused" in result.detail
        assert "if the cluster has core or task nodes" in result.detail
        assert not result.probe_settles  # the probe runs on the primary node


def test_the_primary_node_s_own_drop_stays_a_fail_whatever_the_core_and_task_nodes() -> None:
    for groups in (NO_CORE_NODES, NODES_NOT_READ):
        subnet = facts(egress={"sg-primary": (), "sg-core": ALL_OUT}, instance_groups=groups)
        result = sts(subnet)
        assert result.status == "FAIL", result.detail
        assert "sg-primary" in result.detail


def test_a_cluster_without_core_or_task_nodes_through_an_sts_endpoint_is_judged_on_its_primary_node() -> None:
    """The core and task nodes' group cut off from every interface of the endpoint: a WARN only, without such nodes."""
    subnet = behind_an_sts_endpoint(
        SubnetAcl("subnet-b", "10.0.2.0/24", default_acl(acl_id="acl-b")),
        egress={"sg-primary": ALL_OUT, "sg-core": ()},
    )
    assert sts(subnet).status == "FAIL"
    result = sts(replace(subnet, instance_groups=NO_CORE_NODES))
    assert result.status == "WARN", result.detail
    assert "network interface in subnet subnet-b" in result.detail
    assert sts(replace(subnet, instance_groups=NODES_NOT_READ)).status == NOT_CHECKED


def test_an_sts_endpoint_letting_in_only_the_primary_node_s_group_warns_about_core_nodes_added_later() -> None:
    """An endpoint's rule naming one group lets in only the instances holding it (Amazon VPC User Guide,
    "Security group referencing"); without core or task nodes, none other sends a request now."""
    subnet = replace(
        behind_an_sts_endpoint(SubnetAcl("subnet-b", "10.0.2.0/24", default_acl(acl_id="acl-b"))),
        endpoint_ingress=(IngressRule("tcp", 443, 443, groups=("sg-primary",)),),
    )
    assert sts(subnet).status == NOT_CHECKED
    result = sts(replace(subnet, instance_groups=NO_CORE_NODES))
    assert result.status == "WARN", result.detail
    assert "may not be let in" in result.detail
    assert "sg-core" in result.fix


def test_core_or_task_nodes_are_read_from_the_instance_groups_or_fleets() -> None:
    """EMR API Reference, "InstanceGroup" (``RequestedInstanceCount``, ``RunningInstanceCount``) and "InstanceFleet"
    (``TargetOnDemandCapacity``, ``TargetSpotCapacity``, the provisioned capacities)."""
    primary = {"InstanceGroupType": "MASTER", "RequestedInstanceCount": 1, "RunningInstanceCount": 1}
    assert not has_core_or_task_nodes([primary])
    assert not has_core_or_task_nodes([primary, {"InstanceGroupType": "TASK", "RequestedInstanceCount": 0}])
    assert has_core_or_task_nodes([primary, {"InstanceGroupType": "CORE", "RequestedInstanceCount": 2}])
    assert has_core_or_task_nodes([primary, {"InstanceGroupType": "TASK", "RunningInstanceCount": 1}])
    fleet = {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1}
    assert not has_core_or_task_nodes([fleet, {"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 0}])
    assert has_core_or_task_nodes([fleet, {"InstanceFleetType": "CORE", "TargetSpotCapacity": 4}])


PRIMARY_ONLY_WORDING = "the live probe runs on the primary node only"


def test_dns_not_read_an_sts_endpoint_letting_in_only_the_primary_node_s_group_warns_without_core_nodes() -> None:
    """
    With ``enableDnsHostnames`` not read, the name resolves to the endpoint or, its private DNS off, through the NAT
    gateway: either way arrives when the endpoint lets the cluster in. Without core or task nodes, a rule naming the
    primary node's group lets in every instance there is ("If the value is 1, the same instance serves as both the
    master and core and task node", EMR API Reference, "JobFlowInstancesDetail"): the endpoint's WARN about nodes
    added later is carried, not a NOT CHECKED a passing probe could not clear.
    """
    subnet = facts(
        dns_hostnames=None,
        sts_interface_endpoint=True,
        endpoint_groups=("sg-endpoint",),
        endpoint_ingress=(IngressRule("tcp", 443, 443, groups=("sg-primary",)),),
        filters={"endpoint_subnets": (SubnetAcl("subnet-emr", "10.0.1.0/24", default_acl()),)},
    )
    with_core_nodes = sts(subnet)
    assert with_core_nodes.status == NOT_CHECKED, with_core_nodes.detail
    assert not with_core_nodes.probe_settles
    result = sts(replace(subnet, instance_groups=NO_CORE_NODES))
    assert result.status == "WARN", result.detail
    assert "added later" in result.detail
    assert "sg-core" in result.fix
    not_read = sts(replace(subnet, instance_groups=NO_CORE_NODES, nat_route=False))  # no other way: not checked
    assert not_read.status == NOT_CHECKED, not_read.detail
    assert "added later" in not_read.detail
    assert "sg-core" in not_read.fix
    assert not_read.probe_settles
    assert after_a_passing_probe(not_read) == "PASS"


def endpoint_groups_in_doubt(instance_groups: NodeGroups, *subnets: SubnetAcl, **kwargs: Any) -> SubnetFacts:
    """Behind an STS endpoint whose inbound rules were not read (``ingress`` None) or let in part of the subnet."""
    subnet = behind_an_sts_endpoint(*(subnets or (SubnetAcl("subnet-emr", "10.0.1.0/24", default_acl()),)))
    return replace(subnet, instance_groups=instance_groups, **kwargs)


def test_the_sts_endpoint_s_inbound_rules_not_read_are_settled_by_a_passing_probe_without_core_nodes() -> None:
    """
    An endpoint's security groups "control the traffic to the endpoint network interface" (Amazon VPC User Guide,
    "Interface VPC endpoints (AWS PrivateLink)"): let in from the cluster's only node, the primary node where the probe
    runs, every request is. With core or task nodes, or not knowing, the probe does not show theirs.
    """
    unread = {"endpoint_ingress": None, "ingress_unread": "ec2:DescribeSecurityGroups was denied"}
    result = sts(endpoint_groups_in_doubt(NO_CORE_NODES, **unread))
    assert result.status == NOT_CHECKED, result.detail
    assert result.probe_settles
    assert PRIMARY_ONLY_WORDING not in result.fix
    assert after_a_passing_probe(result) == "PASS"
    for groups in (GROUPS, NODES_NOT_READ):
        kept = sts(endpoint_groups_in_doubt(groups, **unread))
        assert kept.status == NOT_CHECKED, kept.detail
        assert not kept.probe_settles
        assert PRIMARY_ONLY_WORDING in kept.fix


def test_the_sts_endpoint_letting_in_part_of_the_subnet_is_settled_by_a_passing_probe_without_core_nodes() -> None:
    """A rule for part of the subnet may hold the primary node's address: without other nodes, the probe shows it."""
    part = {"endpoint_ingress": (IngressRule("tcp", 443, 443, cidrs=("10.0.1.0/28",)),)}
    result = sts(endpoint_groups_in_doubt(NO_CORE_NODES, **part))
    assert result.status == NOT_CHECKED, result.detail
    assert result.probe_settles
    assert PRIMARY_ONLY_WORDING not in result.fix
    kept = sts(endpoint_groups_in_doubt(GROUPS, **part))
    assert (kept.probe_settles, PRIMARY_ONLY_WORDING in kept.fix) == (False, True)


def test_a_passing_probe_does_not_settle_the_sts_endpoint_s_rules_where_one_interface_may_be_dropped() -> None:
    """The probe reaches one of the endpoint's interfaces: another subnet's ACL dropping its own is not shown."""
    subnets = (
        SubnetAcl("subnet-a", "10.0.1.0/24", default_acl(acl_id="acl-a")),
        SubnetAcl("subnet-b", "10.0.2.0/24", own_range_only("acl-b", "10.0.2.0/24")),
    )
    result = sts(endpoint_groups_in_doubt(NO_CORE_NODES, *subnets, endpoint_ingress=None))
    assert result.status == NOT_CHECKED, result.detail
    assert not result.probe_settles


def test_the_cluster_s_outbound_rules_not_read_stay_unsettled_without_core_nodes_naming_the_addresses() -> None:
    """
    Unread outbound rules may name part of the peer's addresses, which the probe's one address does not show (as a
    rule read to a narrower range: the module's docstring): not settled even from the only node, and the note about
    the core and task nodes is not made when there are none.
    """
    unread = {"egress": None, "egress_unread": "ec2:DescribeSecurityGroups was denied"}
    result = sts(facts(instance_groups=NO_CORE_NODES, filters=unread))
    assert result.status == NOT_CHECKED, result.detail
    assert not result.probe_settles
    assert PRIMARY_ONLY_WORDING not in result.fix
    assert "one address" in result.fix
    assert PRIMARY_ONLY_WORDING in sts(facts(filters=unread)).fix


def test_the_s3_interface_endpoints_doubts_do_not_name_core_nodes_a_cluster_has_none_of() -> None:
    """The S3 interface endpoints' private DNS with the VPC's DNS attributes on, or not read: no note about core nodes
    a cluster has none of."""
    subnet = facts(s3_private_dns_endpoints=("com.amazonaws.eu-west-1.s3",))
    for dns_hostnames in (True, None):
        each = replace(subnet, dns_hostnames=dns_hostnames)
        assert PRIMARY_ONLY_WORDING in s3_route_check("b", "eu-west-1", each).fix
        result = s3_route_check("b", "eu-west-1", replace(each, instance_groups=NO_CORE_NODES))
        assert result.status == NOT_CHECKED, result.detail
        assert PRIMARY_ONLY_WORDING not in result.fix
