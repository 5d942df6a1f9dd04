"""
Whether an interface endpoint's security groups let a cluster's instances in on HTTPS.

AWS: security groups only allow ("You can specify allow rules, but not deny rules", Amazon VPC User Guide,
"Security group rules"); an endpoint's groups "control the traffic to the endpoint network interface from
resources in your VPC" (Amazon VPC User Guide, "Interface VPC endpoints (AWS PrivateLink)").
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.security_groups import (
    ALLOWED,
    BLOCKED,
    UNSURE,
    IngressRule,
    NodeGroups,
    https_access,
)

SUBNET = "10.0.1.0/24"
CLUSTER_GROUPS = NodeGroups(primary=("sg-0primary",), core_and_task=("sg-0core",))


@pytest.mark.parametrize(
    ("rules", "access"),
    [
        ((), BLOCKED),  # a new security group has no inbound rule
        ((IngressRule("tcp", 22, 22, cidrs=("0.0.0.0/0",)),), BLOCKED),
        ((IngressRule("udp", 443, 443, cidrs=("0.0.0.0/0",)),), BLOCKED),
        ((IngressRule("tcp", 444, 8443, cidrs=("0.0.0.0/0",)),), BLOCKED),
        ((IngressRule("-1", cidrs=("10.0.0.0/16",)),), ALLOWED),  # all traffic from the VPC
        ((IngressRule("tcp", 0, 65535, cidrs=(SUBNET,)),), ALLOWED),
        ((IngressRule("6", 443, 443, cidrs=("0.0.0.0/0",)),), ALLOWED),  # a protocol number
        ((IngressRule("tcp", 443, 443, groups=("sg-0core",)),), UNSURE),  # the primary node is not let in
        ((IngressRule("tcp", 443, 443, groups=("sg-0primary",)),), UNSURE),  # the core and task nodes are not
        ((IngressRule("tcp", 443, 443, groups=("sg-0primary", "sg-0core")),), ALLOWED),
        ((IngressRule("tcp", 443, 443, groups=("sg-0primary",)), IngressRule("-1", groups=("sg-0core",))), ALLOWED),
        ((IngressRule("tcp", 443, 443, cidrs=("10.0.1.0/28",)),), UNSURE),  # part of the subnet
        ((IngressRule("tcp", 443, 443, cidrs=("10.9.0.0/16",)),), UNSURE),  # another network: maybe not the cluster
        ((IngressRule("-1", groups=("sg-0default",)),), UNSURE),  # the default group's own members
        ((IngressRule("tcp", 443, 443, other_sources=("pl-0abc",)),), UNSURE),
        ((IngressRule("tcp", 443, 443, other_sources=("2001:db8::/32",)),), UNSURE),
    ],
)
def test_https_access(rules: tuple[IngressRule, ...], access: str) -> None:
    found, why = https_access(rules, SUBNET, CLUSTER_GROUPS)
    assert found == access, why


def test_without_the_cluster_s_groups_only_a_cidr_proves_access() -> None:
    rules = (IngressRule("tcp", 443, 443, groups=("sg-0primary", "sg-0core")),)
    assert https_access(rules, SUBNET, ())[0] == UNSURE
    assert https_access(rules, SUBNET, NodeGroups())[0] == UNSURE
    assert https_access(rules, SUBNET, NodeGroups(primary=("sg-0primary",)))[0] == UNSURE  # core/task groups unknown
    assert https_access(rules, "", CLUSTER_GROUPS)[0] == ALLOWED
    assert https_access((IngressRule("tcp", 443, 443, cidrs=("0.0.0.0/0",)),), "", ())[0] == UNSURE


#: ``ListInstanceGroups`` of a cluster with core nodes (EMR API Reference, "InstanceGroup").
CORE_NODES = [
    {"InstanceGroupType": "MASTER", "RequestedInstanceCount": 1},
    {"InstanceGroupType": "CORE", "RequestedInstanceCount": 2},
]


def test_a_cluster_without_core_or_task_nodes_has_its_primary_node_alone_let_in() -> None:
    """
    "If the value is 1, the same instance serves as both the master and core and task node" (EMR API Reference,
    "JobFlowInstancesDetail", ``InstanceCount``): DescribeCluster still names the core and task nodes' group, which no
    instance holds. A rule naming the primary node's group lets every instance in; with the instance groups not read,
    the core and task nodes are still to be let in.
    """
    from airflow_provider_emrfs_xacct.pure.checks.state import Unreadable
    from airflow_provider_emrfs_xacct.verify import _instance_security_groups

    instances = {"EmrManagedMasterSecurityGroup": "sg-primary", "EmrManagedSlaveSecurityGroup": "sg-core"}
    rules = (IngressRule("tcp", 443, 443, groups=("sg-primary",)),)
    primary_only = _instance_security_groups(instances, [{"InstanceGroupType": "CORE", "RequestedInstanceCount": 0}])
    unread = _instance_security_groups(instances, Unreadable("elasticmapreduce:ListInstanceGroups was refused"))

    assert primary_only.core_and_task_nodes is False
    assert https_access(rules, SUBNET, primary_only)[0] == ALLOWED
    assert (unread.core_and_task_nodes, unread.nodes_unread) == (
        None,
        "elasticmapreduce:ListInstanceGroups was refused",
    )
    assert https_access(rules, SUBNET, unread)[0] == UNSURE
    assert https_access(rules, SUBNET, _instance_security_groups(instances, CORE_NODES))[0] == UNSURE


def test_the_instances_groups_are_the_managed_and_additional_groups_of_every_node() -> None:
    """
    EMR API Reference, "Ec2InstanceAttributes": the managed and additional groups of the primary node
    (``EmrManagedMasterSecurityGroup``, ``AdditionalMasterSecurityGroups``) and of the core and task nodes
    (``EmrManagedSlaveSecurityGroup``, ``AdditionalSlaveSecurityGroups``), whose EMRFS calls STS too; the service
    access group (``ServiceAccessSecurityGroup``) is EMR's own.
    """
    from airflow_provider_emrfs_xacct.verify import _instance_security_groups

    groups = _instance_security_groups(
        {
            "EmrManagedMasterSecurityGroup": "sg-primary",
            "EmrManagedSlaveSecurityGroup": "sg-core",
            "AdditionalMasterSecurityGroups": ["sg-primary-extra"],
            "AdditionalSlaveSecurityGroups": ["sg-core-extra"],
            "ServiceAccessSecurityGroup": "sg-service",
        },
        CORE_NODES,
    )

    assert groups == NodeGroups(primary=("sg-primary", "sg-primary-extra"), core_and_task=("sg-core", "sg-core-extra"))
    assert sorted(groups) == ["sg-core", "sg-core-extra", "sg-primary", "sg-primary-extra"]


def test_a_rule_naming_one_node_role_s_group_does_not_let_the_other_in() -> None:
    """
    EMR API Reference, "Ec2InstanceAttributes": ``EmrManagedMasterSecurityGroup`` is the group "for the master node",
    ``EmrManagedSlaveSecurityGroup`` the one "for the core and task nodes" (the additional groups likewise). EMRFS
    calls STS from every node: an endpoint whose rule names only one side's group lets the other side's nodes out.
    Each side is let in by a rule naming any of its groups (every node of the side holds them all).
    """
    from airflow_provider_emrfs_xacct.verify import _instance_security_groups

    groups = _instance_security_groups(
        {
            "EmrManagedMasterSecurityGroup": "sg-primary",
            "EmrManagedSlaveSecurityGroup": "sg-core",
            "AdditionalMasterSecurityGroups": ["sg-primary-extra"],
            "AdditionalSlaveSecurityGroups": ["sg-core-extra"],
        },
        CORE_NODES,
    )
    primary_only = (IngressRule("tcp", 443, 443, groups=("sg-primary",)),)
    found, why = https_access(primary_only, SUBNET, groups)
    assert found == UNSURE
    assert "the core and task nodes (sg-core, sg-core-extra)" in why
    both = (IngressRule("tcp", 443, 443, groups=("sg-primary-extra", "sg-core-extra")),)
    assert https_access(both, SUBNET, groups)[0] == ALLOWED
    # Groups given as a plain collection (which node holds which not known): each must be let in.
    assert https_access(primary_only, SUBNET, ("sg-primary", "sg-core"))[0] == UNSURE
    assert https_access(primary_only, SUBNET, ("sg-primary",))[0] == ALLOWED
