"""The cluster reaches the STS endpoint EMRFS calls for the mapped roles' credentials."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    emrfs_bucket_setting,
    s3a_setting_name,
    serves_s3_with_s3a,
    site_property,
    translated_bucket_setting,
    translation_doubt,
    translation_off,
    undocumented_precedence,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, WARN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, Unreadable
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    base_setting_reaches_mappings,
    emrfs_setting_bucket,
    java_trim,
    s3a_setting_bucket,
)
from airflow_provider_emrfs_xacct.pure.network import (
    DEFAULT_REGIONS,
    NOT_CHECKED,
    S3A_STS_ENDPOINT_PROPERTY,
    STS_ENDPOINT_PROPERTY,
    is_global_sts,
)
from airflow_provider_emrfs_xacct.pure.security_config import bucket_mapped, mapped_bucket_prefixes

#: The link status of each answer of ``pure/network.py``.
LINK_STATUS = {"PASS": PASS, "FAIL": FAIL, NOT_CHECKED: UNKNOWN, "WARN": WARN}


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
    if found is None or state.security_configuration_name is None:  # the option (a) chain assumes no role
        return []
    if isinstance(found, Unreadable):
        return [Link(None, "cluster reaches STS", UNKNOWN, found.detail, fix="allow ec2:Describe* to check it")]
    status = LINK_STATUS[found.status]
    detail = f"{found.endpoint}: {found.detail}"
    base = Link(None, "cluster reaches STS", status, detail, fix=found.fix, probe_settles=found.probe_settles)
    if not _base_endpoint_reaches_mappings(state):
        return _per_bucket_endpoints(state)
    return [base, *_global_token_links(state, found.endpoint), *_per_bucket_endpoints(state)]


TOKEN_LINK = "STS tokens valid in the buckets' Regions"


def _global_token_links(state: ChainState, endpoint: str) -> list[Link]:
    """
    A "not checked" link where the mapped roles' sessions come from STS's global endpoint and a bucket is in an
    opt-in Region (or one not known): the global endpoint's version 1 tokens "do not work in manually enabled
    Regions" and version 2 tokens work in all (IAM API Reference, SetSecurityTokenServicePreferences). Which version
    the endpoint issues is an account setting (``GlobalEndpointTokenVersion`` of ``GetAccountSummary``), and AWS's
    page does not say whether the account calling STS (the EMR account) or the role's decides it: not read.
    """
    if not is_global_sts(endpoint):
        return []
    regions = {
        name: bucket.region
        for name, bucket in sorted(state.buckets.items())
        if isinstance(bucket, BucketState) and bucket.region not in DEFAULT_REGIONS
    }
    if not regions:
        return []
    where = ", ".join(f"{name} ({region or 'Region not known'})" for name, region in regions.items())
    return [
        Link(
            None,
            TOKEN_LINK,
            UNKNOWN,
            f"the mapped roles' sessions come from the global endpoint {endpoint}, whose version 1 tokens do not "
            f"work in Regions enabled manually, and the writes go to {where}; the global endpoint token version "
            "(GetAccountSummary GlobalEndpointTokenVersion) is not read",
            fix="launch a release that calls the Regional STS endpoint (5.31.0/6.1.0 on), or set the global endpoint "
            "token version to v2Token (iam:SetSecurityTokenServicePreferences) in the EMR and destination accounts; "
            "or run the live probe (probe=True)",
        )
    ]


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
    base = java_trim(_base_endpoint(state) or "")
    buckets = {
        bucket
        for configuration in state.cluster_configurations
        for name in configuration.get("Properties") or {}
        for bucket in (
            s3a_setting_bucket(name, S3A_STS_ENDPOINT_PROPERTY)
            if configuration.get("Classification") == "core-site"
            else emrfs_setting_bucket(name, STS_ENDPOINT_PROPERTY)
            if configuration.get("Classification") == "emrfs-site"
            else None,
        )
        if bucket is not None
    }
    # A bucket whose endpoint is not known (undocumented_precedence) may call the base one: not overridden.
    overridden = {
        bucket
        for bucket in buckets
        if (own := _bucket_endpoint(state, bucket)) is not None and java_trim(own[1]) != base
    }
    return base_setting_reaches_mappings(mapped_bucket_prefixes(state.security_configuration), overridden)


def _bucket_endpoint(state: ChainState, bucket: str) -> tuple[str, object] | None:
    """
    The setting S3A takes ``bucket``'s own STS endpoint from, with its value; ``None``: it reads the cluster's (or it is
    not known: :func:`~.contexts.undocumented_precedence`).

    Its ``core-site`` ``fs.s3a.bucket.BUCKET.assumed.role.sts.endpoint`` (Hadoop's per-bucket rule: "When connecting
    to a bucket, all options explicitly set for that bucket will override the base fs.s3a. values"), else the
    ``emrfs-site`` ``fs.s3.bucket.BUCKET.sts.endpoint`` EMR translates for that bucket (Amazon EMR Release Guide,
    "Migration guide: EMRFS to S3A filesystem": the mapping "extends to bucket-level configurations"), unless S3A's own
    base setting is set too: which of the two S3A reads then is not documented.
    """
    name = s3a_setting_name(state, S3A_STS_ENDPOINT_PROPERTY, bucket)
    if name not in (None, S3A_STS_ENDPOINT_PROPERTY):
        return f"core-site {name}", site_property(state, "core-site", name)
    translated = translated_bucket_setting(state, STS_ENDPOINT_PROPERTY, S3A_STS_ENDPOINT_PROPERTY, bucket)
    if translated is None or _endpoint_doubt(state, bucket):
        return None
    return f"emrfs-site {translated} (translated for S3A)", site_property(state, "emrfs-site", translated)


def _endpoint_doubt(state: ChainState, bucket: str) -> str | None:
    """
    Why the STS endpoint S3A calls for ``bucket``'s mapped roles is not known, where ``emrfs-site``'s bucket-level
    ``fs.s3.bucket.BUCKET.sts.endpoint`` may be translated for it: S3A's own base setting beside it
    (:func:`~.contexts.undocumented_precedence`), or a translation switch neither true nor false
    (:func:`~.contexts.translation_doubt`; the cluster's own endpoint is then ``pure/network.py``'s
    ``sts_translation_doubt``).
    """
    if translated_bucket_setting(state, STS_ENDPOINT_PROPERTY, S3A_STS_ENDPOINT_PROPERTY, bucket) is None:
        return None
    return undocumented_precedence(state, STS_ENDPOINT_PROPERTY, S3A_STS_ENDPOINT_PROPERTY, bucket) or (
        translation_doubt(state, STS_ENDPOINT_PROPERTY, S3A_STS_ENDPOINT_PROPERTY, bucket) or None
    )


@dataclass(frozen=True)
class OwnEndpoint:
    """A mapped bucket's own STS endpoint, other than the cluster's, that its mapped roles' ``AssumeRole`` may call."""

    bucket: str
    #: The setting and its value (or the two settings S3A may take it from).
    setting: str
    detail: str
    fix: str


def own_endpoints(state: ChainState) -> list[OwnEndpoint]:
    """
    Each bucket a role mapping may take whose mapped roles may call an STS endpoint other than the cluster's: the route
    check and the STS interface endpoint's policy (:func:`~.endpoints.sts_endpoint_decision`) judge only the cluster's
    (``pure/network.py``, :func:`sts_endpoint_settings`).

    Where S3A serves ``s3://``, a partner bucket's own STS endpoint (:func:`_bucket_endpoint`:
    ``fs.s3a.bucket.BUCKET.assumed.role.sts.endpoint``, or EMRFS's translated ``fs.s3.bucket.BUCKET.sts.endpoint``,
    which of the latter and S3A's own base one S3A reads being not documented): S3A reads it for that bucket ("When
    connecting to a bucket, all options explicitly set for that bucket will override the base fs.s3a. values": Apache
    Hadoop, "Hadoop-AWS module", per-bucket configuration). Where EMRFS may, :func:`_emrfs_bucket_endpoints`. Only
    a bucket a role mapping may take: no mapped role's credentials are asked for another's (one only ``s3_prefixes``
    names beside ``Prefix`` mappings of other buckets).
    """
    if state.cluster_configurations is None:
        return []
    mapped = mapped_bucket_prefixes(state.security_configuration)
    if not serves_s3_with_s3a(state):
        return _emrfs_bucket_endpoints(state, mapped)
    base = _base_endpoint(state)
    found = []
    for bucket in sorted(bucket for bucket in state.buckets if bucket_mapped(bucket, mapped)):
        unknown = _endpoint_doubt(state, bucket)
        if unknown:
            found.append(
                OwnEndpoint(
                    bucket,
                    unknown,
                    f"{unknown}: the STS endpoint S3A calls for its mapped roles is not checked",
                    fix="set one of the two only (or both to the same endpoint); the live probe (probe=True) proves it",
                )
            )
            continue
        own = _bucket_endpoint(state, bucket)
        if own is None:  # the bucket has no own setting: S3A reads the cluster's
            continue
        setting, value = own
        if java_trim(value) != java_trim(base or ""):
            found.append(
                OwnEndpoint(
                    bucket,
                    f"{setting}={value!r}",
                    f"{setting}={value!r}: S3A calls that STS endpoint for bucket {bucket}'s mapped roles, and "
                    "whether the cluster's subnet reaches it is not checked",
                    fix="the live probe (probe=True) proves it; or remove the per-bucket setting",
                )
            )
    return found


def _per_bucket_endpoints(state: ChainState) -> list[Link]:
    """A "not checked" link for each mapped bucket's own STS endpoint (:func:`own_endpoints`)."""
    return [Link(None, "cluster reaches STS", UNKNOWN, own.detail, fix=own.fix) for own in own_endpoints(state)]


def _emrfs_bucket_endpoints(state: ChainState, mapped: tuple[str, ...] | None) -> list[OwnEndpoint]:
    """
    Where EMRFS may serve ``s3://``, a mapped bucket's ``emrfs-site`` ``fs.s3.bucket.BUCKET.sts.endpoint`` other than
    the cluster's ``fs.s3.sts.endpoint``: whether EMRFS itself reads a bucket-level form is not documented (AWS shows
    one for the SSE-KMS key only: :func:`~.contexts.emrfs_readings`), so the endpoint it calls is not checked. Compared
    as written: whether EMRFS trims white space around either is not documented either (``endpoint_doubt`` of
    ``pure/network.py``).
    """
    base = str(site_property(state, "emrfs-site", STS_ENDPOINT_PROPERTY) or "")
    found = []
    for bucket in sorted(bucket for bucket in state.buckets if bucket_mapped(bucket, mapped)):
        name = emrfs_bucket_setting(STS_ENDPOINT_PROPERTY, bucket)
        own = site_property(state, "emrfs-site", name) if name else None
        if own is not None and str(own) != base:
            found.append(
                OwnEndpoint(
                    bucket,
                    f"emrfs-site {name}={own!r}",
                    f"emrfs-site {name}={own!r}: whether EMRFS reads this bucket-level form of {STS_ENDPOINT_PROPERTY} "
                    f"(so calls that STS endpoint for bucket {bucket}'s mapped roles) is not documented",
                    fix=f"set emrfs-site {STS_ENDPOINT_PROPERTY} only; the live probe (probe=True) proves the route",
                )
            )
    return found
