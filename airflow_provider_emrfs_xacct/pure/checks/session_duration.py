"""
The role session the ``s3://`` connector asks STS for when it assumes a mapped role: 900 seconds to one hour.

The instance profile's role session assumes the mapped role, which is role chaining, and STS refuses a chained
session over one hour ("if you assume a role using role chaining and provide a DurationSeconds parameter value
greater than one hour, the operation fails"; "The value can range from 900 seconds (15 minutes)": AWS STS API
Reference, AssumeRole, DurationSeconds): every mapped write then fails. EMRFS reads ``emrfs-site``
``fs.s3.sts.sessionDurationSeconds`` (whole seconds, as the launch takes it); where S3A serves ``s3://`` it is
``core-site`` ``fs.s3a.assumed.role.session.duration`` (per bucket as ``fs.s3a.bucket.BUCKET.`` too), which EMR
fills from the EMRFS one when it is not set (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem",
"EMRFS to S3A Configuration Mapping"), read as a Hadoop duration (:func:`~.cluster_config.hadoop_duration_seconds`).
A cluster that sets neither gets no link: the connectors' defaults are not documented to exceed an hour. With the
release unknown, so the connector (:func:`~.contexts.s3a_may_serve_s3`), the link is judged only where both connectors
would fare alike (no setting counting as a pass), as the canned ACL and the Requester Pays header are; else it is
"not checked".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    connector_doubt,
    emrfs_bucket_setting,
    emrfs_setting_name,
    s3a_may_serve_s3,
    s3a_setting_name,
    serves_s3_with_s3a,
    site_property,
    translated_bucket_setting,
    translation_doubt,
    translation_off,
    undocumented_precedence,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_COMPATIBILITY_PROPERTY,
    MAX_CHAINED_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    S3A_SESSION_DURATION_PROPERTY,
    SESSION_DURATION_PROPERTY,
    hadoop_duration_seconds,
    java_trim,
)
from airflow_provider_emrfs_xacct.pure.security_config import bucket_mapped, mapped_bucket_prefixes

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

LINK = "role session duration"


def audit(state: ChainState) -> list[Link]:
    """One link per setting of the mapped roles' session duration that the cluster's connector reads."""
    if state.cluster_configurations is None or state.security_configuration_name is None:  # option (a): no role
        return []
    if serves_s3_with_s3a(state):
        return _s3a_links(state)
    emrfs = _emrfs_links(state)
    if not s3a_may_serve_s3(state):
        return emrfs
    s3a = _s3a_links(state)
    if _outcome(emrfs) == _outcome(s3a):
        return emrfs + [link for link in s3a if link not in emrfs]
    return [
        Link(
            None,
            LINK,
            UNKNOWN,
            f"{connector_doubt(state)}, so neither is its s3:// connector, and the two would fare "
            f"differently: EMRFS {_outcome(emrfs)} ({_details(emrfs)}), S3A {_outcome(s3a)} ({_details(s3a)})",
            fix=f"give both connectors a duration of {MIN_SESSION_SECONDS}-{MAX_CHAINED_SESSION_SECONDS} seconds "
            f"(emrfs-site {SESSION_DURATION_PROPERTY}, core-site {S3A_SESSION_DURATION_PROPERTY})",
        )
    ]


def _emrfs_links(state: ChainState) -> list[Link]:
    """
    EMRFS's ``emrfs-site`` setting, in whole seconds as the launch takes it. A bucket-level
    ``fs.s3.bucket.BUCKET.sts.sessionDurationSeconds`` of a bucket a mapping takes leaves it not checked: AWS documents
    EMRFS's bucket-level form of the SSE-KMS key only (:func:`~.contexts.emrfs_readings`); a base that fails fails
    only the buckets without that form or with one that fails too.
    """
    value = site_property(state, "emrfs-site", SESSION_DURATION_PROPERTY)
    seconds = _emrfs_seconds(value)
    mapped = mapped_bucket_prefixes(state.security_configuration)
    # Only the buckets a role mapping may take: another's writes go as the instance profile, with no session asked.
    buckets = [bucket for bucket in sorted(state.buckets) if bucket_mapped(bucket, mapped)]
    bucket_level = [
        name
        for bucket in buckets
        for name in [emrfs_bucket_setting(SESSION_DURATION_PROPERTY, bucket)]
        if name and site_property(state, "emrfs-site", name) is not None
    ]
    links = [] if value is None else [_link(f"emrfs-site {SESSION_DURATION_PROPERTY}", value, seconds, buckets)]
    if bucket_level and links[:1] and links[0].status == FAIL:
        # The base fails for sure only for the buckets without a bucket-level form or with one that fails too: for
        # the others it holds only if EMRFS does not read that form, which is not documented.
        sure = [bucket for bucket in buckets if _bucket_level_status(state, bucket) in (None, FAIL)]
        links = [_link(f"emrfs-site {SESSION_DURATION_PROPERTY}", value, seconds, sure)] if sure else []
    if bucket_level and not any(link.status == FAIL for link in links):
        links.append(
            Link(
                None,
                LINK,
                UNKNOWN,
                f"emrfs-site {', '.join(bucket_level)} is set: whether EMRFS reads a bucket-level form of "
                f"{SESSION_DURATION_PROPERTY} is not documented (AWS shows one for the SSE-KMS key only)",
                fix=f"set emrfs-site {SESSION_DURATION_PROPERTY} to {MIN_SESSION_SECONDS}-{MAX_CHAINED_SESSION_SECONDS} "
                "seconds and drop the bucket-level form",
            )
        )
    return links


def _emrfs_seconds(value: object) -> int | None:
    """An EMRFS duration in whole seconds, as the launch reads it (:func:`~.cluster_config.check_session_duration`)."""
    text = java_trim(value)
    return int(text) if text.isascii() and text.isdigit() else None


def _bucket_level_status(state: ChainState, bucket: str) -> str | None:
    """How EMRFS's bucket-level duration of ``bucket`` would fare if EMRFS read it (``None``: not set)."""
    name = emrfs_bucket_setting(SESSION_DURATION_PROPERTY, bucket)
    value = site_property(state, "emrfs-site", name) if name else None
    return None if value is None else _link("setting value", value, _emrfs_seconds(value), []).status


def _s3a_links(state: ChainState) -> list[Link]:
    """
    None with the translation off (S3A then gets no role mapping); else S3A's setting for each destination bucket a role mapping may take, read as a Hadoop duration, a link a setting
    naming its buckets: a bucket no mapping takes (one only ``s3_prefixes`` names, beside ``Prefix`` mappings of other
    buckets) has no mapped role's session, and its per-bucket setting, or the base one it reads, is no chained
    session's (the launch's rule: :func:`~.cluster_config.check_s3a_session_duration`).
    """
    if translation_off(state):
        # core-site fs.s3a.emrfs.compatibility.enable=false: EMR translates no role mapping to S3A (the migration
        # guide), so S3A assumes no mapped role and asks for no such session (the s3:// connector link says so).
        return []
    mapped = mapped_bucket_prefixes(state.security_configuration)
    buckets: dict[tuple[str, str, str], list[str]] = {}
    unknown: list[Link] = []
    for bucket in sorted(state.buckets):
        setting = _s3a_setting(state, bucket) if bucket_mapped(bucket, mapped) else None
        doubt = undocumented_precedence(state, SESSION_DURATION_PROPERTY, S3A_SESSION_DURATION_PROPERTY, bucket)
        translated = translated_bucket_setting(state, SESSION_DURATION_PROPERTY, S3A_SESSION_DURATION_PROPERTY, bucket)
        if setting is not None and doubt and translated is not None:
            # S3A's own base setting (setting) or EMRFS's translated bucket-level one: judged where both fare alike.
            other = str(site_property(state, "emrfs-site", translated))
            if _status(setting[2]) != _status(other):
                unknown.append(
                    Link(
                        None,
                        LINK,
                        UNKNOWN,
                        f"{doubt}: one is within a chained role session's {MIN_SESSION_SECONDS}-"
                        f"{MAX_CHAINED_SESSION_SECONDS} seconds, the other is not",
                        fix=f"give both {MIN_SESSION_SECONDS}-{MAX_CHAINED_SESSION_SECONDS} seconds, or set one only",
                    )
                )
                continue
        untranslated = (
            translation_doubt(state, SESSION_DURATION_PROPERTY, S3A_SESSION_DURATION_PROPERTY, bucket)
            if setting
            else ""
        )
        if setting is not None and untranslated and _status(setting[2]) != PASS:
            # Translated, S3A asks for this duration; not, it asks for its own default, not documented to exceed an
            # hour (no link, as with no setting): judged only where both fare alike.
            unknown.append(
                Link(
                    None,
                    LINK,
                    UNKNOWN,
                    f"{untranslated}: translated, the mapped role's session for bucket {bucket} is not within a "
                    f"chained role session's {MIN_SESSION_SECONDS}-{MAX_CHAINED_SESSION_SECONDS} seconds; not, S3A "
                    "asks for its default",
                    fix=f"set core-site {EMRFS_COMPATIBILITY_PROPERTY} to true or false, and emrfs-site "
                    f"{setting[1]} to {MIN_SESSION_SECONDS}-{MAX_CHAINED_SESSION_SECONDS} seconds",
                )
            )
            continue
        if setting is not None:
            buckets.setdefault(setting, []).append(bucket)
    return [
        *(
            _link(
                f"{classification} {name}",
                value,
                hadoop_duration_seconds(value),
                buckets[(classification, name, value)],
            )
            for classification, name, value in sorted(buckets)
        ),
        *unknown,
    ]


def _outcome(links: list[Link]) -> str:
    """How a connector fares: its worst link (no setting: a pass, its default not documented to exceed an hour)."""
    statuses = {link.status for link in links}
    return next((status for status in (FAIL, UNKNOWN) if status in statuses), PASS)


def _details(links: list[Link]) -> str:
    return "; ".join(link.detail for link in links) or "no setting"


def _s3a_setting(state: ChainState, bucket: str) -> tuple[str, str, str] | None:
    """The setting S3A takes the duration from for ``bucket``: its per-bucket one, its own, or the translated one."""
    name = s3a_setting_name(state, S3A_SESSION_DURATION_PROPERTY, bucket)
    if name is not None:
        return "core-site", name, str(site_property(state, "core-site", name))
    # EMR translates EMRFS's setting, its bucket-level fs.s3.bucket.BUCKET.sts.sessionDurationSeconds first (the
    # migration guide: the mapping "extends to bucket-level configurations"); beside S3A's own base one, which of the
    # two S3A reads is not documented (_s3a_links).
    translated = emrfs_setting_name(state, SESSION_DURATION_PROPERTY, bucket)  # translation on (_s3a_links)
    if translated is None:
        return None
    return "emrfs-site", translated, str(site_property(state, "emrfs-site", translated))


def _link(setting: str, value: object, seconds: int | None, buckets: list[str]) -> Link:
    """The link of one setting, judged for the destination ``buckets`` it serves (named in a FAIL)."""
    bounds = f"{MIN_SESSION_SECONDS}-{MAX_CHAINED_SESSION_SECONDS} seconds"
    if seconds is None:
        return Link(
            None, LINK, UNKNOWN, f"{setting}={value!r} is not a duration the verifier reads", fix=f"use {bounds}"
        )
    if MIN_SESSION_SECONDS <= seconds <= MAX_CHAINED_SESSION_SECONDS:
        return Link(
            None, LINK, PASS, f"{setting}={value!r}: {seconds} seconds, within a chained role session's {bounds}"
        )
    return Link(
        None,
        LINK,
        FAIL,
        f"{setting}={value!r} asks STS for a {seconds}-second session of the mapped role, which the instance "
        f"profile's role session assumes by role chaining: STS refuses outside {bounds}, so every mapped write"
        f"{_to(buckets)} fails",
        fix=f"set {setting.split(' ', 1)[1]} to {MAX_CHAINED_SESSION_SECONDS} or less (and {MIN_SESSION_SECONDS} or more)",
    )


def _status(value: object) -> str:
    """How a duration setting of ``value`` fares (:func:`_link`)."""
    return _link("setting value", value, hadoop_duration_seconds(value), []).status


def _to(buckets: list[str]) -> str:
    """Where the writes a setting fails go: the destination buckets it was judged for (none: say nothing)."""
    if not buckets:
        return ""
    return f" to bucket {buckets[0]}" if len(buckets) == 1 else f" to buckets {', '.join(buckets)}"
