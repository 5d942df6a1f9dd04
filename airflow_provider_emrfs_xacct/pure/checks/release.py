"""The cluster's release applies EMRFS role mappings, and its ``s3://`` connector keeps them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    cluster_release,
    connector_doubt,
    keeps_emrfs,
    s3_connector_of,
    translation_off,
    translation_unreadable,
)
from airflow_provider_emrfs_xacct.pure.checks.credential_settings import S3A_OWN_MAPPINGS_UNREAD, s3a_role_mappings
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, S3A_REQUESTS_LINK, UNKNOWN, WARN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import ClusterState
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_COMPATIBILITY_PROPERTY,
    EMRFS_IMPL,
    ROLE_MAPPINGS_SINCE,
    S3A_DEFAULT_SINCE,
    ami_version_problem,
    imds_v2_problem,
    java_trim,
    parse_release_label,
    release_text,
    requires_imds_v2,
    speaks_imds_v2,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.security_config import imds_problem

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState


#: The link of a release whose EMR components cannot call IMDSv2 while the configuration requires it.
IMDS_LINK = "release calls IMDSv2"


#: The link of a ``release_label`` given beside ``cluster_id`` that is not the cluster's release.
GIVEN_RELEASE_LINK = "release_label given is the cluster's"


def audit(state: ChainState) -> list[Link]:
    """
    Check the release label against the first release with role mappings, and the S3A default; WARN of a
    ``release_label`` given beside the cluster that is not the cluster's own (which is the one judged).
    """
    return [*_ignored_release_link(state), *_release_links(state)]


def _ignored_release_link(state: ChainState) -> list[Link]:
    if state.ignored_release_label is None:
        return []
    runs = (
        f"runs {state.release_label}: the checks judge {state.release_label}, the cluster's own release"
        if state.release_label is not None
        else "shows no ReleaseLabel (an AMI-version cluster, its RunningAmiVersion): the checks judge the cluster's "
        "own release, not the one given"
    )
    return [
        Link(
            None,
            GIVEN_RELEASE_LINK,
            WARN,
            f"release_label {state.ignored_release_label!r} was given, but the cluster (cluster_id) {runs}",
            fix="remove release_label (it is for a check without a cluster) or give the cluster's release",
        )
    ]


def _ami_version_cluster_link(cluster: ClusterState) -> Link:
    """
    The FAIL of a cluster DescribeCluster shows without a ``ReleaseLabel``: one of the AMI versions (2.x, 3.x).

    "The release label applies only to Amazon EMR releases version 4.0 and later. Earlier versions use AmiVersion"
    (Amazon EMR API Reference, "Cluster"; ``AmiVersion`` "Applies only to Amazon EMR AMI versions 3.x and 2.x":
    "RunJobFlow"), and role mappings need release 5.10.0 or later (Amazon EMR Management Guide, "Configure IAM roles
    for EMRFS requests to Amazon S3"): :func:`~.cluster_config.ami_version_problem`, the reading the launch refuses an
    ``AmiVersion`` with role mappings by. A ``release_label`` given beside the cluster is not judged in its place.
    """
    return Link(
        None,
        "release supports role mappings",
        FAIL,
        f'cluster {cluster.cluster_id} shows no ReleaseLabel (DescribeCluster), which "applies only to Amazon EMR '
        'releases version 4.0 and later. Earlier versions use AmiVersion" (Amazon EMR API Reference, "Cluster"): '
        f"{ami_version_problem('its RunningAmiVersion')}",
        fix=f"launch the cluster with ReleaseLabel {release_text(ROLE_MAPPINGS_SINCE)} or later",
    )


def _release_links(state: ChainState) -> list[Link]:
    if state.security_configuration_name is None:
        # The option (a) chain maps no role, so which releases apply role mappings does not matter; the IMDS version
        # the cluster's own configuration asks for does (its credentials come from IMDS), and so does which connector
        # serves s3:// (the requests it sends, S3A's own role mappings on s3a:// URIs).
        return [*_imds_links_of_any_release(state), *_option_a_connector_links(state)]
    if state.release_label is None and isinstance(state.cluster, ClusterState):
        return [_ami_version_cluster_link(state.cluster)]
    if state.release_label is None:
        # Not checked: a release before 5.10.0 does not support role mappings
        # (AWS documents them from 5.10.0 on, not what an older release does with them), and 7.10.0 on may serve s3:// by S3A.
        detail = state.cluster_unreadable or "release label unknown (no cluster given)"
        return [
            Link(
                None,
                "release supports role mappings",
                UNKNOWN,
                detail,
                fix="check cluster_id, and that the EMR connection may describe it (elasticmapreduce:DescribeCluster)"
                if state.cluster_unreadable
                else "pass release_label or cluster_id to check it (command line: emr.release_label in the partner "
                "file, or --cluster-id)",
            )
        ]
    try:
        version = parse_release_label(state.release_label, "release_label")
    except EmrfsXacctError as error:
        return [Link(None, "release supports role mappings", UNKNOWN, str(error))]
    if version < ROLE_MAPPINGS_SINCE:
        return [
            Link(
                None,
                "release supports role mappings",
                FAIL,
                f"{state.release_label} does not support role mappings",
                fix=f"use {release_text(ROLE_MAPPINGS_SINCE)} or later",
            )
        ]
    links = [Link(None, "release supports role mappings", PASS, f"{state.release_label} supports role mappings")]
    links.extend(_imds_links(state, state.release_label, version))
    if version >= S3A_DEFAULT_SINCE:
        links.extend(_connector_links(state, state.release_label))
    elif doubt := connector_doubt(state):
        # Before 7.10.0 too, Hadoop serves s3:// with the class core-site fs.s3.impl names (checks EMRFS's otherwise).
        links.append(
            Link(
                None,
                "s3:// connector",
                UNKNOWN,
                f"{state.release_label} serves s3:// with EMRFS by default; {doubt}: which connector "
                "serves s3://, and whether the role mappings apply there, is not known",
                fix=f"set core-site fs.s3.impl to {EMRFS_IMPL} exactly, or remove it",
            )
        )
    return links


def _connector_links(state: ChainState, label: str) -> list[Link]:
    """The links of which connector serves ``s3://`` (and ``s3a://``) on a release that defaults to S3A."""
    links: list[Link] = []
    # Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": core-site
    # fs.s3a.emrfs.compatibility.enable=false disables the translation of the EMRFS settings
    # (fs.s3.authorization.roleMapping among them) to S3A.
    # A value neither true nor false as Hadoop reads a flag: whether EMR translates is not documented.
    unreadable = translation_unreadable(state)
    off_translation = translation_off(state)
    kept = keeps_emrfs(state)
    if kept is None:
        # A class neither EMRFS's nor S3A's (or none Hadoop loads): what then serves s3:// AWS does not document.
        links.append(
            Link(
                None,
                "s3:// connector",
                UNKNOWN,
                f"{label} defaults to S3A; {connector_doubt(state)}: which connector serves s3:// is not known",
                fix=f"set core-site fs.s3.impl to {EMRFS_IMPL} exactly (LaunchClusterWithSecConfigOperator "
                "keep_emrfs=True), or remove it",
            )
        )
    elif kept:
        links.append(Link(None, "s3:// connector", PASS, f"{label} defaults to S3A; fs.s3.impl keeps EMRFS"))
        links.extend(_s3a_uri_links(state))
    elif own := _s3a_own_role_mappings(state, label):
        links.extend(own)
    elif unreadable:
        links.append(Link(None, "s3:// connector", UNKNOWN, _not_known(unreadable), fix=_NOT_KNOWN_FIX))
    elif off_translation:
        links.append(
            Link(
                None,
                "s3:// connector",
                FAIL,
                f"{label} uses S3A for s3:// and {_OFF}: no write gets the mapped role "
                "(they go out as the EC2 instance profile)",
                fix=f"launch without {EMRFS_COMPATIBILITY_PROPERTY}=false, or keep EMRFS for s3:// "
                "(LaunchClusterWithSecConfigOperator keep_emrfs=True)",
            )
        )
    elif state.cluster_configurations is None:
        links.append(
            Link(
                None,
                "s3:// connector",
                UNKNOWN,
                f"{label} defaults to S3A for s3://; whether the cluster turns off EMR's translation "
                f"of the role mappings to S3A (core-site {EMRFS_COMPATIBILITY_PROPERTY}) is unknown: no cluster "
                "settings were read",
                fix="pass cluster_id to check it (command line: --cluster-id; or launch with "
                "LaunchClusterWithSecConfigOperator keep_emrfs=True)",
            )
        )
    else:
        links.extend((_translated_link(state, label), _s3a_requests(label)))
    return links


_OFF = f"core-site {EMRFS_COMPATIBILITY_PROPERTY}=false turns off EMR's translation of the role mappings to S3A"
_NOT_KNOWN_FIX = f"set core-site {EMRFS_COMPATIBILITY_PROPERTY} to true or false"


def _not_known(unreadable: str) -> str:
    return (
        f"{unreadable} is neither true nor false as Hadoop reads a flag: whether EMR translates the role mappings "
        "to S3A is not documented"
    )


def _option_a_connector_links(state: ChainState) -> list[Link]:
    """
    The option (a) chain's links of the connector that serves ``s3://``, on a release read or given.

    The write links judge EMRFS's requests as the instance profile role's. Where S3A serves ``s3://`` (7.10.0 on,
    ``fs.s3.impl`` not keeping EMRFS: Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem") the
    requests are S3A's, which AWS does not list (:func:`_s3a_requests`), with or without a security configuration;
    where ``fs.s3.impl`` names a class not known to serve it with EMRFS or S3A (:func:`~.contexts.connector_doubt`),
    neither the requests nor the credentials of the writes are known. With EMRFS kept on 7.10.0+, ``s3a://`` URIs are
    S3A's, and S3A's own role mappings send those they take as their roles (:func:`_s3a_own_uri_link`).
    """
    label = state.release_label
    version = cluster_release(state)
    if label is None or version is None:
        return []  # no release (a cluster without one is an AMI version: EMRFS); one not valid has its own link
    connector = s3_connector_of(state)
    if connector is None:
        return [
            Link(
                None,
                "s3:// connector",
                UNKNOWN,
                f"{connector_doubt(state)}: which connector serves s3:// on {label}, so with which requests and which "
                "credentials the writes go, is not known",
                fix=f"set core-site fs.s3.impl to {EMRFS_IMPL} exactly, or remove it",
                probe_settles=False,
            )
        ]
    if connector == "S3A":
        unread = "" if state.cluster_configurations is not None else " (by default: no cluster settings were read)"
        return [_s3a_requests(f"{label}{unread}")]
    own = _s3a_own_uri_link(state) if version >= S3A_DEFAULT_SINCE else None
    return [own] if own is not None else []


def _s3a_own_uri_link(state: ChainState) -> Link | None:
    """
    The WARN of S3A's own role mappings (:func:`~.credential_settings.s3a_role_mappings`) on a 7.10.0+ cluster whose
    ``s3://`` EMRFS serves: ``s3a://`` URIs (always S3A) go by them, or ``None``.
    """
    own = s3a_role_mappings(state)
    if not own:
        return None
    names = ", ".join(setting for setting, _ in own)
    instead = (
        "(a mapping that takes a write sends it as its role), not as the instance profile role, which is what was "
        "verified"
        if state.security_configuration_name is None
        else "not by the security configuration's, which EMR translates to S3A only where S3A's are undefined "
        '(Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem")'
    )
    return Link(
        None,
        "s3a:// connector",
        WARN,
        f"{names} set S3A's own role mappings: s3a:// URIs (always S3A) go by them {instead}",
        fix=f"write through s3:// only, or remove {names.replace('core-site ', '')}",
    )


def _s3a_uri_links(state: ChainState) -> list[Link]:
    """The links of ``s3a://`` URIs (always S3A) on a 7.10.0+ cluster whose ``s3://`` EMRFS serves."""
    own = _s3a_own_uri_link(state)
    links = [own] if own is not None else []
    if translation_off(state):
        links.append(
            Link(
                None,
                "s3a:// connector",
                WARN,
                f"{_OFF}: s3a:// URIs (always S3A) get no role mapping and go out as the EC2 instance profile",
                fix=f"write through s3:// only, or remove {EMRFS_COMPATIBILITY_PROPERTY}=false",
            )
        )
    elif unreadable := translation_unreadable(state):
        links.append(Link(None, "s3a:// connector", UNKNOWN, _not_known(unreadable), fix=_NOT_KNOWN_FIX))
    return links


def _translated_link(state: ChainState, label: str) -> Link:
    """
    The link "s3:// connector" of a cluster whose ``s3://`` S3A serves with the translation on: a PASS where S3A has no
    role mappings of its own for a destination bucket (:func:`~.credential_settings.s3a_role_mappings`); an empty one
    (those not empty: :func:`_s3a_own_role_mappings`) is not checked.
    """
    if own := s3a_role_mappings(state):
        names = ", ".join(setting for setting, _ in own)
        return Link(
            None,
            "s3:// connector",
            UNKNOWN,
            f"{label} uses S3A for s3://, and {names} is set but empty: EMR translates the security "
            "configuration's role mappings to S3A only where S3A's are undefined (Amazon EMR Release Guide, "
            '"Migration Guide: EMRFS to S3A Filesystem"), and whether an empty value counts as undefined AWS '
            "does not say",
            fix=f"remove {names.replace('core-site ', '')} from the cluster's core-site configuration",
        )
    return Link(
        None,
        "s3:// connector",
        PASS,
        # Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem": EMR translates
        # fs.s3.authorization.roleMapping to fs.s3a.authorization.roleMapping, "when S3A configurations are
        # undefined while corresponding EMRFS configurations are present": S3A's own is not set here
        # (s3a_role_mappings: neither fs.s3a.authorization.roleMapping nor a destination bucket's own).
        f"{label} uses S3A for s3://; EMR translates the EMRFS role mappings to S3A (S3A sets none of its own)",
    )


def _s3a_own_role_mappings(state: ChainState, label: str) -> list[Link]:
    """
    The "not checked" link "s3:// connector" of a cluster whose S3A, serving ``s3://``, has role mappings of its own
    for a destination bucket (not empty once trimmed), with :func:`_s3a_requests`; or none.

    Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem": EMR maps ``fs.s3.authorization.roleMapping``
    (the security configuration's mappings) to ``fs.s3a.authorization.roleMapping``, and "The mapping process
    automatically occurs when S3A configurations are undefined while corresponding EMRFS configurations are present":
    with S3A's own defined, whatever the translation switch says, S3A reads the cluster's mappings, not the security
    configuration's. They may route the writes to the same role, but AWS documents no format of their value
    (:data:`~.credential_settings.S3A_OWN_MAPPINGS_UNREAD`, as the option (a) chain says of them): never PASS or FAIL.
    A passing live probe does not settle it: its routes are read from the security configuration's mappings.
    """
    own = [setting for setting, value in s3a_role_mappings(state) if java_trim(value)]
    if not own:
        return []
    names = ", ".join(own)
    link = Link(
        None,
        "s3:// connector",
        UNKNOWN,
        f"{label} uses S3A for s3://, and {names} sets S3A's own role mappings, which S3A reads instead of the "
        'security configuration\'s: EMR translates those to S3A only "when S3A configurations are undefined" (Amazon '
        'EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem"); S3A chooses the IAM role of a request by '
        f"user, group or S3 prefix with them (Amazon EMR 7.7.0 - Hadoop release notes){S3A_OWN_MAPPINGS_UNREAD}, "
        "so the partner's writes may not go by the security configuration's role mappings",
        fix=f"remove {names.replace('core-site ', '')} from the cluster's core-site configuration (the role mappings "
        "belong in the security configuration), or check the writer of the partner's writes in CloudTrail",
        probe_settles=False,
    )
    return [link, _s3a_requests(label)]


def _s3a_requests(label: str) -> Link:
    """
    The "not checked" link of a cluster whose ``s3://`` is S3A: the write links judge EMRFS's requests.

    AWS documents which EMRFS settings reach S3A (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
    filesystem") and that S3A supports role mappings by user, group or S3 prefix (Amazon EMR 7.7.0 - Hadoop release
    notes, a "New Feature"), but no list of the requests S3A and its committers send (their ``__magic`` paths,
    multipart uploads, ``/`` directory markers: the same guide, "directories created using S3A file system end
    with a '/' suffix"), nor how S3A matches an ``s3a://`` URI against the mappings' ``s3://`` prefix identifiers.
    The live probe writes one object through ``s3://``: it does not settle the committers' requests.
    """
    return Link(
        None,
        S3A_REQUESTS_LINK,
        UNKNOWN,
        f"{label} uses S3A for s3://: the write links judge EMRFS's requests (docs/stand_in.md); AWS documents no "
        "list of the requests S3A and its committers send (__magic paths, multipart uploads, '/' directory markers), "
        "nor how S3A matches an s3a:// URI against the mappings' s3:// prefixes",
        fix="keep EMRFS for s3:// (core-site fs.s3.impl=com.amazon.ws.emr.hadoop.fs.EmrFileSystem; "
        "LaunchClusterWithSecConfigOperator keep_emrfs=True) and write through s3://",
    )


def _imds_links_of_any_release(state: ChainState) -> list[Link]:
    """:func:`_imds_links` of the release read or given; none when it is not known or not valid."""
    if state.release_label is None:
        return []
    try:
        version = parse_release_label(state.release_label, "release_label")
    except EmrfsXacctError:
        return []
    return _imds_links(state, state.release_label, version)


def _imds_links(state: ChainState, label: str, version: tuple[int, int, int]) -> list[Link]:
    """The IMDSv2 link for a release whose EMR components call IMDSv1: FAIL if IMDSv1 is off, not checked if unread."""
    links: list[Link] = []
    if requires_imds_v2(state.security_configuration) and not speaks_imds_v2(version):
        links.append(
            Link(
                None,
                IMDS_LINK,
                FAIL,
                imds_v2_problem(label),
                fix="use 5.32.0, 6.2.0 or a later release, or a security configuration without "
                "MinimumInstanceMetadataServiceVersion 2",
            )
        )
    imds = imds_problem(state.security_configuration)
    if imds is not None and not speaks_imds_v2(version):
        links.append(
            Link(
                None,
                IMDS_LINK,
                UNKNOWN,
                f"{imds}: whether it turns IMDSv1 off, which {label}'s EMR components need, is not known",
                fix="use 5.32.0, 6.2.0 or a later release, or a security configuration with "
                "MinimumInstanceMetadataServiceVersion 1 or 2",
            )
        )
    return links
