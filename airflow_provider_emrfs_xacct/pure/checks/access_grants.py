"""
S3 Access Grants, turned on in the cluster's settings, take a Spark job's writes away from the role mappings.

From 6.15.0, ``emrfs-site`` ``fs.s3.s3AccessGrants.enabled=true`` makes EMR ask S3 Access Grants for the
credentials of a Spark job's S3 requests; ``fs.s3.s3AccessGrants.fallbackToIAM`` decides whether a request with
no grant falls back to "the IAM role that was specified for job execution" (Amazon EMR Management Guide, "Using
Amazon S3 Access Grants with Amazon EMR"). The page does not mention role mappings: where the write gets a grant's
credentials it does not go as the mapped role, and what the fallback's role is on a cluster with role mappings is
not documented. On S3A (7.10.0 on, ``s3://`` not kept on EMRFS) the same settings are ``core-site``
``fs.s3a.access.grants.*`` (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"), while the
Management Guide lists "S3 access through the open-source S3A protocol" as not supported with Access Grants: not
checked there. ``spark-defaults`` ``spark.hadoop.fs.s3.s3AccessGrants.*`` (the form AWS shows for EMR Serverless)
reaches a Spark job's Hadoop configuration; how it combines with ``emrfs-site`` is not documented: not checked.
The same switches in another classification that reaches a job's Hadoop configuration (``hive-site``...:
:data:`~.cluster_config.OTHER_HADOOP_SITES`): not checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    cluster_release,
    connector_doubt,
    serves_s3_with_s3a,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import BYPASS_LINK, FAIL, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    ACCESS_GRANTS_SINCE,
    access_grants,
    carried_access_grants,
    unreadable_access_grants,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

FIX = "launch the cluster that writes to the partner without S3 Access Grants (fs.s3.s3AccessGrants.enabled)"


def audit(state: ChainState) -> list[Link]:
    """A FAIL where the cluster's Access Grants settings are documented to replace the mappings, else "not checked"."""
    if state.cluster_configurations is None:  # listed among the unseen cluster settings (findings.CLUSTER_SETTINGS)
        return []
    version = cluster_release(state)
    if version is not None and version < ACCESS_GRANTS_SINCE:
        return []
    s3a = serves_s3_with_s3a(state)
    # With fs.s3.impl leaving the connector not known (connector_doubt; before 7.10.0 any class but EMRFS's): S3A's too.
    doubt = connector_doubt(state) if version is not None else ""
    classifications = ("emrfs-site", "spark-defaults", *(("core-site",) if s3a or doubt else ()))
    unreadable = unreadable_access_grants(state.cluster_configurations, classifications)
    if unreadable:
        return [
            Link(
                None,
                BYPASS_LINK,
                UNKNOWN,
                f"{unreadable} is neither true nor false as Hadoop reads a flag: whether S3 Access Grants take a Spark "
                "job's writes from the role mappings is not documented",
                fix=FIX,
            )
        ]
    found = access_grants(state.cluster_configurations, classifications)
    if found is None:
        return _carried_switches(state)
    if found.replaces_mappings and not s3a and not doubt and version is not None:
        return [
            Link(
                None,
                BYPASS_LINK,
                FAIL,
                f"{found.setting}: EMR gets a Spark job's S3 credentials from S3 Access Grants and falls back to an "
                "IAM role only for actions Access Grants does not support, so its writes to the partner never go as "
                'a mapped role (Amazon EMR Management Guide, "Using Amazon S3 Access Grants with Amazon EMR")',
                fix=FIX,
            )
        ]
    carried = _carried_switches(state)
    if carried:
        return carried
    why = (
        "the release is unknown"
        if version is None
        else f"{doubt}: which connector serves s3:// is not known"
        if doubt
        else "s3:// is served by S3A, which AWS lists as not supported with Access Grants"
        if s3a
        else "a write with no grant falls back to the IAM role 'specified for job execution', which AWS does not "
        "relate to the role mappings"
        if found.fallback == "true"
        else "which of spark-defaults and emrfs-site a Spark job's EMRFS follows is not documented"
        if found.spark_also or found.classification == "spark-defaults"
        else "the fallback's default is not documented"
    )
    return [
        Link(
            None,
            BYPASS_LINK,
            UNKNOWN,
            f"{found.setting}: a Spark job's writes that S3 Access Grants grants go out with the grant's credentials, "
            f"not a mapped role; the grants are not read, and {why}",
            fix=FIX,
        )
    ]


def _carried_switches(state: ChainState) -> list[Link]:
    """
    A "not checked" link when a classification of :data:`~.cluster_config.OTHER_HADOOP_SITES` sets an S3 Access Grants
    switch that may change what the jobs loading it get (:func:`~.cluster_config.carried_access_grants`): which of it
    and the site files' they follow AWS does not document.
    """
    for _, other, name, value in carried_access_grants(state.cluster_configurations or []):
        return [
            Link(
                None,
                BYPASS_LINK,
                UNKNOWN,
                f"{other} {name}={value!r} reaches the Hadoop configuration of the jobs that load {other}: "
                "S3 Access Grants may take their writes from the role mappings, and which of it and the site "
                "files' they follow AWS does not document",
                fix=FIX,
            )
        ]
    return []
