"""
The cluster named by ``cluster_id`` runs the verified security configuration and EMR EC2 role.

Role mappings apply only on a cluster launched with that security configuration, and EMRFS assumes the
mapped roles (and sends the keys no mapping covers) as the role of the cluster's instance profile (EMR
Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"). DescribeCluster gives both:
``Cluster.SecurityConfiguration`` ("The name of the security configuration applied to the cluster")
and ``Ec2InstanceAttributes.IamInstanceProfile`` (EMR API Reference, Cluster, Ec2InstanceAttributes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.checks import access_grants
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, WARN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, Unreadable
from airflow_provider_emrfs_xacct.pure.security_config import (
    read_mapping,
    role_mappings_of,
    role_mappings_problem,
    routing_bypasses,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

CONFIGURATION_LINK = "cluster runs the security configuration"
ROLE_LINK = "cluster's instance profile role"
STATE_LINK = "cluster accepts jobs"
#: The states in which a cluster takes steps (EMR API Reference, AddJobFlowSteps: "You can only add steps to a
#: cluster that is in one of the following states: STARTING, BOOTSTRAPPING, RUNNING, or WAITING"). In any
#: other (TERMINATING, TERMINATED, TERMINATED_WITH_ERRORS) no job runs there, the live probe's step included.
STEP_STATES = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")


def audit(state: ChainState) -> list[Link]:
    """Compare the cluster's security configuration and instance-profile role with the verified ones."""
    cluster = state.cluster
    if cluster is None:
        return []
    if isinstance(cluster, Unreadable):
        return [Link(None, CONFIGURATION_LINK, UNKNOWN, cluster.detail), Link(None, ROLE_LINK, UNKNOWN, cluster.detail)]
    links = []
    if cluster.state is not None and cluster.state not in STEP_STATES:
        links.append(
            Link(
                None,
                STATE_LINK,
                WARN,
                f"{cluster.cluster_id} is {cluster.state}: it takes no step (only {', '.join(STEP_STATES)}), so no "
                "job runs there and the live probe cannot; the links below judge its settings only",
                fix="pass the cluster_id of a running cluster launched with this configuration",
            )
        )
    if state.security_configuration_name is None:
        links.append(_runs_none(cluster.cluster_id, cluster.security_configuration, state.security_configuration))
    elif cluster.security_configuration == state.security_configuration_name:
        links.append(
            Link(None, CONFIGURATION_LINK, PASS, f"{cluster.cluster_id} runs {cluster.security_configuration}")
        )
    else:
        links.append(
            Link(
                None,
                CONFIGURATION_LINK,
                FAIL,
                f"{cluster.cluster_id} runs {cluster.security_configuration or 'no security configuration'}, not "
                f"{state.security_configuration_name}: its EMRFS applies none of the verified role mappings",
                fix="verify the configuration the cluster runs, or launch a cluster with this one "
                "(LaunchClusterWithSecConfigOperator; a running cluster's configuration cannot be changed)",
            )
        )
    profile = cluster.instance_profile or "no instance profile"
    if isinstance(cluster.role, Unreadable):
        links.append(
            Link(
                None,
                ROLE_LINK,
                UNKNOWN,
                f"the role of instance profile {profile}: {cluster.role.detail}",
                fix=f"allow iam:GetInstanceProfile to the EMR connection (the verifier checked {state.emr_ec2_role_name})",
            )
        )
    elif cluster.role is not None and cluster.role.lower() == state.emr_ec2_role_name.lower():
        # IAM User Guide, "IAM and AWS STS quotas", "IAM name requirements": role names are unique within the
        # account and "aren't distinguished by case": two spellings name one role.
        links.append(Link(None, ROLE_LINK, PASS, f"instance profile {profile} has the role {cluster.role}"))
    else:
        links.append(
            Link(
                None,
                ROLE_LINK,
                FAIL,
                f"instance profile {profile} has {('the role ' + cluster.role) if cluster.role else 'no role'}, not "
                f"emr_ec2_role_name {state.emr_ec2_role_name}: EMRFS on this cluster calls AWS as that role",
                fix=f"run the verifier with emr_ec2_role_name={cluster.role}" if cluster.role else "",
            )
        )
    return links


def _runs_none(cluster_id: str, runs: str | None, document: dict[str, Any] | Unreadable | None) -> Link:
    """
    The option (a) chain's cluster link: EMRFS sends every request as the instance profile role where no role
    mappings apply, so the cluster runs no security configuration or one without mappings (``document``, read).
    """
    if runs is None:
        return Link(
            None,
            CONFIGURATION_LINK,
            PASS,
            f"{cluster_id} runs no security configuration: EMRFS sends every request as its instance profile role",
        )
    if isinstance(document, dict) and not role_mappings_of(document) and role_mappings_problem(document) is None:
        return Link(
            None,
            CONFIGURATION_LINK,
            PASS,
            f"{cluster_id} runs {runs}, which has no EMRFS role mappings: EMRFS sends every request as its instance "
            "profile role",
        )
    if isinstance(document, dict) and role_mappings_of(document):
        return Link(
            None,
            CONFIGURATION_LINK,
            FAIL,
            f"{cluster_id} runs {runs}, whose EMRFS role mappings may send the writes as other roles than its "
            "instance profile role, which is what was verified",
            fix=f"verify it with security_configuration={runs!r}",
        )
    why = document.detail if isinstance(document, Unreadable) else "how EMRFS reads its role mappings is not known"
    return Link(
        None,
        CONFIGURATION_LINK,
        UNKNOWN,
        f"{cluster_id} runs {runs}, whose role mappings were not read ({why}): they may send the writes as other "
        "roles than its instance profile role",
        fix=f"verify it with security_configuration={runs!r}",
    )


def probe_blocker(state: ChainState) -> str:
    """
    Why the live probe must not run on the cluster (it would not prove this chain), or ``""``.

    Besides a cluster that does not run the verified configuration and role: a configuration with a section that
    takes writes away from the role mappings (:func:`~.security_config.routing_bypasses`; the probe's step has no
    runtime role, so it would not write as the job's steps do), and one whose mappings all name users or groups.
    The probe is an EMR step, and AWS does not document which Hadoop user a step runs as (the role mappings'
    users are "Hadoop users and groups that are defined on the cluster", passed to EMRFS "in the context of the
    application using it": Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"),
    so its write would not show that a user's or group's writes get the mapped role.

    And a destination bucket with an Object Lock default retention (:func:`_locked_buckets`): the probe's object
    could not be deleted.
    """
    refused = [link for link in audit(state) if link.status != PASS]
    if state.cluster is None:
        return "no cluster was read"
    reasons = [f"{link.link}: {link.detail}" for link in refused]
    # S3 Access Grants: the probe's step (hadoop fs, not Spark) would not write as the job's Spark writes do.
    reasons.extend(f"{link.link}: {link.detail}" for link in access_grants.audit(state))
    reasons.extend(_locked_buckets(state))
    configuration = state.security_configuration
    if isinstance(configuration, dict):
        reasons.extend(f"{bypass.field} {bypass.problem}" for bypass in routing_bypasses(configuration))
        mappings = role_mappings_of(configuration)
        if mappings and all(read_mapping(mapping).kind in ("User", "Group") for mapping in mappings):
            reasons.append(
                "the role mappings name users or groups only, and which Hadoop user an EMR step (the probe) runs as "
                "is not documented: its write would not show that their writes get the mapped role"
            )
    return "; ".join(reasons)


def _locked_buckets(state: ChainState) -> list[str]:
    """
    Why the probe must not write to the destination buckets with an Object Lock default retention.

    Object Lock works only in versioned buckets, and a retention period protects the object version: it "can't be
    overwritten or deleted" for the period in compliance mode, nor without ``s3:BypassGovernanceRetention`` in
    governance mode, while a delete without a version id only adds a delete marker on top of it (Amazon S3 User
    Guide, "Locking objects with Object Lock", "Retention modes"; "Deleting object versions from a
    versioning-enabled bucket"). The bucket's default retention gives the probe's object one: the verifier's
    delete would leave its version in the partner's bucket until the retention ends. A bucket whose Object Lock
    configuration could not be read may have one (in compliance mode nobody can lift it, not even the root user):
    the probe does not write there either.
    """
    reasons = []
    for bucket, read in sorted(state.buckets.items()):
        if not isinstance(read, BucketState):
            continue
        if read.object_lock_retention:
            retention = ", ".join(f"{key} {value}" for key, value in sorted(read.object_lock_retention.items()))
            reasons.append(
                f"bucket {bucket} has an Object Lock default retention ({retention}): the probe's object would get "
                "it, and its version could not be deleted before the retention ends (a delete only adds a delete "
                "marker)"
            )
        elif "object lock" in read.unreadable:
            reasons.append(
                f"the Object Lock configuration of bucket {bucket} was not read ({read.unreadable['object lock']}): "
                "a default retention would lock the probe's object, which could then not be deleted before it ends; "
                "allow s3:GetBucketObjectLockConfiguration on the bucket to probe it"
            )
    return reasons
