"""The cluster reaches the STS endpoint EMRFS calls for the mapped roles' credentials."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    s3a_setting_name,
    serves_s3_with_s3a,
    site_property,
    translation_off,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, Unreadable
from airflow_provider_emrfs_xacct.pure.cluster_config import base_setting_reaches_mappings, s3a_setting_bucket
from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED, S3A_STS_ENDPOINT_PROPERTY, STS_ENDPOINT_PROPERTY
from airflow_provider_emrfs_xacct.pure.security_config import bucket_mapped, mapped_bucket_prefixes

#: The link status of each answer of ``pure/network.py``.
LINK_STATUS = {"PASS": PASS, "FAIL": FAIL, NOT_CHECKED: UNKNOWN}


def audit(state: ChainState) -> list[Link]:
    """
    The cluster reaches the STS endpoint EMRFS calls for the mapped roles' credentials.

    Releases 5.31.0/6.1.0 and later call the Regional endpoint (Amazon EMR Release Guide, "Managing the
    default AWS Security Token Service endpoint"): a cluster in a private subnet needs an STS interface
    endpoint or a NAT route, or every mapped request fails. A default route to a transit gateway, a
    Gateway Load Balancer endpoint and the like is egress not seen: not checked (``pure/network.py``). An STS
    interface endpoint counts only while the VPC's DNS attributes its private DNS needs are on and its security
    groups let the cluster in on HTTPS; unread, or a source the check cannot tie to the cluster, the link is
    not checked. Where S3A serves ``s3://`` and every bucket a role mapping may take has its own STS endpoint
    (:func:`_base_endpoint_reaches_mappings`), the cluster's endpoint is no mapped role's: not judged.
    """
    found = state.sts_reachability
    if found is None:
        return []
    if isinstance(found, Unreadable):
        return [Link(None, "cluster reaches STS", UNKNOWN, found.detail, fix="allow ec2:Describe* to check it")]
    status = LINK_STATUS[found.status]
    base = Link(None, "cluster reaches STS", status, f"{found.endpoint}: {found.detail}", fix=found.fix)
    return [*([base] if _base_endpoint_reaches_mappings(state) else []), *_per_bucket_endpoints(state)]


def _base_endpoint(state: ChainState) -> str | None:
    """The cluster's STS endpoint as S3A reads it: ``core-site``'s, else the ``emrfs-site`` one EMR translates."""
    base = site_property(state, "core-site", S3A_STS_ENDPOINT_PROPERTY)
    if base is None and not translation_off(state):
        base = site_property(state, "emrfs-site", STS_ENDPOINT_PROPERTY)  # translated (Migration guide: EMRFS to S3A)
    return base


def _base_endpoint_reaches_mappings(state: ChainState) -> bool:
    """
    Whether some mapped role's ``AssumeRole`` goes to the cluster's STS endpoint (the one the route check judged).

    EMRFS has no per-bucket STS endpoint: always (and with the release unknown EMRFS may serve ``s3://``). Where S3A
    serves it, a bucket's own ``fs.s3a.bucket.BUCKET.assumed.role.sts.endpoint`` overrides the base one for that
    bucket ("When connecting to a bucket, all options explicitly set for that bucket will override the base fs.s3a.
    values": Apache Hadoop, "Hadoop-AWS module", "Configuring different S3 buckets with Per-Bucket Configuration"):
    not when every bucket a role mapping may take names another endpoint of its own (the rule of the role session
    duration, :func:`~.cluster_config.check_s3a_session_duration`).
    """
    if state.cluster_configurations is None or not serves_s3_with_s3a(state):
        return True
    base = str(_base_endpoint(state) or "").strip()
    names = {
        name
        for configuration in state.cluster_configurations
        if configuration.get("Classification") == "core-site"
        for name in configuration.get("Properties") or {}
    }
    overridden = {
        bucket
        for name in names
        if (bucket := s3a_setting_bucket(name, S3A_STS_ENDPOINT_PROPERTY)) is not None
        and str(site_property(state, "core-site", name)).strip() != base
    }
    return base_setting_reaches_mappings(mapped_bucket_prefixes(state.security_configuration), overridden)


def _per_bucket_endpoints(state: ChainState) -> list[Link]:
    """
    Where S3A serves ``s3://``, a partner bucket's own ``fs.s3a.bucket.BUCKET.assumed.role.sts.endpoint`` other than the
    cluster's: S3A reads it for that bucket ("When connecting to a bucket, all options explicitly set for that bucket
    will override the base fs.s3a. values": Apache Hadoop, "Hadoop-AWS module", per-bucket configuration), and the
    route check above judged only the cluster's endpoint (``pure/network.py``, :func:`sts_endpoint_settings`). Only
    a bucket a role mapping may take: no mapped role's credentials are asked for another's (one only ``s3_prefixes``
    names beside ``Prefix`` mappings of other buckets).
    """
    if state.cluster_configurations is None or not serves_s3_with_s3a(state):
        return []
    base = _base_endpoint(state)
    links = []
    mapped = mapped_bucket_prefixes(state.security_configuration)
    for bucket in sorted(bucket for bucket in state.buckets if bucket_mapped(bucket, mapped)):
        name = s3a_setting_name(state, S3A_STS_ENDPOINT_PROPERTY, bucket)
        if name in (None, S3A_STS_ENDPOINT_PROPERTY):  # the bucket has no own setting: S3A reads the cluster's
            continue
        own = site_property(state, "core-site", name)
        if str(own).strip() != str(base or "").strip():
            links.append(
                Link(
                    None,
                    "cluster reaches STS",
                    UNKNOWN,
                    f"core-site {name}={own!r}: S3A calls that STS endpoint for bucket {bucket}'s mapped roles, and "
                    "whether the cluster's subnet reaches it is not checked",
                    fix="the live probe (probe=True) proves it; or remove the per-bucket setting",
                )
            )
    return links
