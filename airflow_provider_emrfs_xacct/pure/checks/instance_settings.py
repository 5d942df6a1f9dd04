"""
An instance group's or fleet instance type's own S3 connector settings.

EMR applies an instance group's own ``Configurations`` to its instances over the cluster's: "You can specify a separate
configuration for each instance group (master, core, and task)" (Amazon EMR API Reference, ``InstanceGroupConfig``;
``InstanceTypeConfig`` for a fleet's instance types; ``ModifyInstanceGroups`` changes a running cluster's). The links
judge the cluster's settings (``DescribeCluster``'s ``Configurations``); where a group gives an S3 connector setting
another value (:func:`~.cluster_config.instance_overrides`: as Hadoop reads both, a canned ACL by its raw text, so
``BucketOwnerFullControl`` padded with a space is another value), the tasks that run there write through a connector,
role mappings, credentials, session, encryption or ACL no link judged, so each such setting is "not checked".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.checks.contexts import cluster_release
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import NESTED_LINK
from airflow_provider_emrfs_xacct.pure.checks.state import Unreadable
from airflow_provider_emrfs_xacct.pure.cluster_config import instance_overrides, nested_configurations

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

INSTANCE_LINK = "instance groups' connector settings"


def audit(state: ChainState) -> list[Link]:
    """One "not checked" link per S3 connector setting an instance group or fleet instance type sets otherwise."""
    found = state.instance_configurations
    if found is None or state.cluster_configurations is None:  # no cluster read: listed among the unseen settings
        return []
    if isinstance(found, Unreadable):
        detail = f"{found.detail}; the links judge the cluster's settings only"
        return [Link(None, INSTANCE_LINK, UNKNOWN, detail, probe_settles=False)]  # the probe runs on the primary node
    links = []
    for where, own in found:
        links.extend(_nested_links(where, own))
        for _, classification, name, value, theirs in instance_overrides(
            state.cluster_configurations, own, cluster_release(state)
        ):
            judged = f"the cluster's {theirs!r}" if theirs is not None else f"no cluster-wide {classification} value"
            links.append(
                Link(
                    None,
                    INSTANCE_LINK,
                    UNKNOWN,
                    f"{where} sets {classification} {name}={value!r} for its instances, over the cluster's "
                    f"configurations; the links judge {judged}, so the tasks that run there are not judged",
                    fix=f"set {name} in the cluster's {classification} only, or the same value in both (a running "
                    "cluster's instance group: aws emr modify-instance-groups with its Configurations)",
                    # The probe's step runs on the primary node only ("Use Step to specify a cluster (job flow)
                    # step, which runs only on the master node": AWS CloudFormation, AWS::EMR::Step), and a group's
                    # asked configuration may not be the one it ran under: no group's own setting is the probe's.
                    probe_settles=False,
                )
            )
    return links


def _nested_links(where: str, own: list[dict[str, Any]]) -> list[Link]:
    """
    One "not checked" link per classification of Hadoop properties with ``Configurations`` nested under it in ``where``'s
    own ``own`` (:func:`~.cluster_config.nested_configurations`): the links read top-level properties only, and what
    EMR does with them AWS does not document (as :func:`~.spark_settings.nested_configurations_audit`).
    """
    return [
        Link(
            None,
            NESTED_LINK,
            UNKNOWN,
            f"{where}'s {classification} (Configurations[{index}]) has Configurations nested under it: what EMR does "
            "with configurations nested under a site file's classification is not documented (Amazon EMR API "
            'Reference, "Configuration"), and the links read top-level classifications only',
            fix="give each classification at top level, in the cluster's Configurations",
            probe_settles=False,
        )
        for index, classification in nested_configurations(own)
    ]


def instance_configurations_of(
    collections: list[dict[str, Any]], fleets: bool
) -> list[tuple[str, list[dict[str, Any]]]]:
    """
    The own ``Configurations`` of each instance group (``ListInstanceGroups``: as last asked for, and as last
    applied when that differs) or, with ``fleets``, of each fleet's instance types (``ListInstanceFleets``), each
    named for a report: what EMR applies to those instances over the cluster's ``Configurations``.
    """
    if fleets:
        return [
            (f"instance fleet {fleet.get('Name') or fleet['Id']} ({fleet['Id']}) type {spec['InstanceType']}", own)
            for fleet in collections
            for spec in fleet.get("InstanceTypeSpecifications", [])
            if (own := [dict(item) for item in spec.get("Configurations", [])])
        ]
    found: list[tuple[str, list[dict[str, Any]]]] = []
    for group in collections:
        name = f"instance group {group.get('Name') or group['Id']} ({group['Id']}, {group.get('InstanceGroupType')})"
        asked = [dict(item) for item in group.get("Configurations", [])]
        applied = [dict(item) for item in group.get("LastSuccessfullyAppliedConfigurations", [])]
        if asked:
            found.append((name, asked))
        if applied and applied != asked:
            found.append((f"{name}, as last applied", applied))
    return found
