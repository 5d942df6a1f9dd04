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
from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    cluster_release,
    connector_doubt,
    s3_connector_of,
    s3a_may_serve_s3,
    s3a_setting_name,
    site_property,
    translation_off,
    translation_unreadable,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, WARN, Link
from airflow_provider_emrfs_xacct.pure.checks.routing import (
    doubtful_before,
    plain_match,
    plain_route,
    why_may_match,
    writes_under,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, Unreadable
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_COMPATIBILITY_PROPERTY,
    S3A_ROLE_MAPPING_PROPERTY,
    java_trim,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.security_config import (
    read_mapping,
    role_mappings_of,
    role_mappings_problem,
    routing_bypasses,
)
from airflow_provider_emrfs_xacct.pure.validation import S3Location, parse_s3_location

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

CONFIGURATION_LINK = "cluster runs the security configuration"
ROLE_LINK = "cluster's instance profile role"
STATE_LINK = "cluster accepts jobs"
#: The states in which a cluster takes steps (EMR API Reference, AddJobFlowSteps: "You can only add steps to a
#: cluster that is in one of the following states: STARTING, BOOTSTRAPPING, RUNNING, or WAITING"). In any
#: other (TERMINATING, TERMINATED, TERMINATED_WITH_ERRORS) no job runs there, the live probe's step included.
STEP_STATES = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")
#: Where AWS documents S3A serving ``s3://`` from 7.10.0 and EMR's translation of EMRFS's settings (the role mappings
#: among them) to S3A's.
_GUIDE = 'Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem"'


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
                fix="pass the cluster_id of a running cluster launched with this configuration "
                "(command line: --cluster-id)",
            )
        )
    if state.security_configuration_name is None:
        links.append(_runs_none(state, cluster.cluster_id, cluster.security_configuration))
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


def _runs_none(state: ChainState, cluster_id: str, runs: str | None) -> Link:
    """
    The option (a) chain's cluster link: EMRFS sends the writes as the instance profile role where no role mapping
    takes them, so the cluster runs no security configuration, or one without mappings, or one whose mappings take
    none of the writes under the verified prefixes (:func:`_mapped_writes`).
    """
    document = state.security_configuration
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
    if isinstance(document, dict):
        return _mapped_writes(state, cluster_id, runs, document)
    why = document.detail if isinstance(document, Unreadable) else "how EMRFS reads its role mappings is not known"
    return _not_known(cluster_id, runs, f"whose role mappings were not read ({why})")


def _not_known(cluster_id: str, runs: str, why: str) -> Link:
    """The option (a) cluster link when the cluster's mappings may take the writes; the probe does not run then."""
    return Link(
        None,
        CONFIGURATION_LINK,
        UNKNOWN,
        f"{cluster_id} runs {runs}, {why}: they may send the writes as other roles than its instance profile role",
        fix=f"verify it with security_configuration={runs!r}, or run the writes on a cluster whose configuration "
        "has no role mappings",
        probe_settles=False,
    )


def _mapped_writes(state: ChainState, cluster_id: str, runs: str, document: dict[str, Any]) -> Link:
    """
    The option (a) cluster link of a configuration with role mappings: FAIL where a readable ``Prefix`` mapping takes
    some of the writes under a verified prefix (any key under it: :func:`~.routing.writes_under`) and the mappings
    reach the connector that serves ``s3://`` there (:func:`_reach`), the writes then going as that mapping's role;
    PASS where every mapping is a ``Prefix`` one that :func:`~.routing.route` matches for none of them, since "If a
    request made through EMRFS doesn't match any identifier, EMRFS falls back to using the service role for cluster
    EC2 instances" (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"), the role the
    rest of the chain judges, or where the mappings do not reach S3A, which serves ``s3://``; otherwise not checked
    (:func:`_doubts`).
    """
    mappings = role_mappings_of(document)
    locations = _verified_locations(state)
    reaches = {location: _reach(state, location.bucket) for location in locations}
    caught = _caught(mappings, [location for location in locations if reaches[location][0] is True])
    if caught is not None:
        index, identifier, location, uri = caught
        role = read_mapping(mappings[index]).role
        return Link(
            None,
            CONFIGURATION_LINK,
            FAIL,
            f"{cluster_id} runs {runs}, whose mapping {index} (Prefix {identifier} -> {role}) takes writes under "
            f"{location.uri} ({uri}): {_sender(state)} sends them as that role, not as its instance profile role, "
            "which is what was verified",
            fix=f"verify it with security_configuration={runs!r} (its mappings' writes), or write only under "
            "prefixes none of its mappings takes",
        )
    doubts = _doubts(state, mappings, locations, reaches, role_mappings_problem(document))
    if doubts:
        return _not_known(cluster_id, runs, "; ".join(doubts))
    reached = ", ".join(location.uri for location in locations if reaches[location][0] is True)
    parts = (
        [
            f"whose role mappings (Prefix only) match none of the writes under {reached}: EMRFS sends a request that "
            'matches no identifier as its instance profile role (Amazon EMR Management Guide, "Configure IAM roles for '
            'EMRFS requests to Amazon S3": it "falls back to using the service role for cluster EC2 instances")'
        ]
        if reached
        else []
    )
    label = state.release_label or "its release"
    parts.extend(
        f"whose role mappings do not reach S3A, which serves s3:// on {label}, for the writes under {uris}: {why}"
        for why, uris in _unreached(locations, reaches).items()
    )
    return Link(None, CONFIGURATION_LINK, PASS, f"{cluster_id} runs {runs}, " + "; and ".join(parts))


def _unreached(locations: list[S3Location], reaches: dict[S3Location, tuple[bool | None, str]]) -> dict[str, str]:
    """Why the role mappings do not reach S3A, with the verified prefixes (joined) each reason holds for."""
    found: dict[str, list[str]] = {}
    for location in locations:
        reach, why = reaches[location]
        if reach is False:
            found.setdefault(why, []).append(location.uri)
    return {why: ", ".join(uris) for why, uris in found.items()}


def _sender(state: ChainState) -> str:
    """Who sends a write a mapping takes as its role: EMRFS, or S3A with the role mappings translated to it."""
    connector = s3_connector_of(state)
    if connector == "EMRFS":
        return "EMRFS"
    translated = f"with the role mappings translated to it ({_GUIDE})"
    return f"S3A, {translated}," if connector == "S3A" else f"EMRFS, or S3A {translated},"


def _reach(state: ChainState, bucket: str) -> tuple[bool | None, str]:
    """
    Whether the role mappings of the cluster's security configuration reach the connector that serves ``s3://`` for
    the writes to ``bucket``: ``(True, "")``; ``(False, why)``: they do not (S3A serves ``s3://`` without them);
    ``(None, why)``: not known.

    EMRFS applies them. Where S3A serves ``s3://`` (7.10.0 on, ``fs.s3.impl`` not keeping EMRFS), EMR translates
    ``fs.s3.authorization.roleMapping`` to ``fs.s3a.authorization.roleMapping`` (:data:`_GUIDE`, :func:`_s3a_reach`).
    With the connector not known (:func:`~.contexts.connector_doubt`): ``True`` only where the release alone is not
    known and ``fs.s3.impl`` is unset (EMRFS before 7.10.0, S3A with them translated from it, unless the cluster's
    S3A settings keep them out), else not known.
    """
    connector = s3_connector_of(state)
    if connector == "EMRFS":
        return True, ""
    reach, why = _s3a_reach(state, bucket)
    if connector == "S3A":
        return reach, why
    if reach is True and cluster_release(state) is None and site_property(state, "core-site", "fs.s3.impl") is None:
        return True, ""
    return None, f"which connector serves s3:// is not known ({connector_doubt(state)})" + (
        f", and if S3A does, {why}" if why else ""
    )


def _s3a_reach(state: ChainState, bucket: str) -> tuple[bool | None, str]:
    """
    :func:`_reach` where S3A serves ``s3://``. EMR translates the role mappings to S3A "when S3A configurations are
    undefined while corresponding EMRFS configurations are present" (:data:`_GUIDE`): S3A's own for ``bucket`` (its
    per-bucket form, else the base one, :func:`~.contexts.s3a_setting_name`), not empty once trimmed, keeps them out
    (their own link judges them, ``checks/credential_settings.py``); set but empty, whether EMR takes it as undefined
    is not said. "Users who wish to disable this automatic translation can do so" with ``core-site``
    ``fs.s3a.emrfs.compatibility.enable`` false (same guide, :func:`~.contexts.translation_off`): then none reaches
    S3A, which sends the writes as the instance profile role; a value neither true nor false as Hadoop reads a flag
    (:func:`~.contexts.translation_unreadable`) leaves that not documented.
    """
    if state.cluster_configurations is None:
        return None, (
            f"the cluster's settings were not read: whether core-site {EMRFS_COMPATIBILITY_PROPERTY} turns off EMR's "
            "translation of the role mappings to S3A is not known"
        )
    own = s3a_setting_name(state, S3A_ROLE_MAPPING_PROPERTY, bucket)
    if own is not None and java_trim(site_property(state, "core-site", own)):
        return False, (
            f"S3A reads core-site {own}, the cluster's own role mappings (judged in their own link), and EMR "
            f'translates the security configuration\'s to S3A only "when S3A configurations are undefined" ({_GUIDE})'
        )
    if translation_off(state):
        return False, (
            f"core-site {EMRFS_COMPATIBILITY_PROPERTY}=false turns off EMR's translation of the role mappings to S3A "
            f"({_GUIDE}), so S3A sends the writes as the instance profile role"
        )
    if own is not None:
        return None, (
            f'core-site {own} is set but empty: EMR translates the role mappings to S3A only "when S3A '
            f'configurations are undefined" ({_GUIDE}), and whether an empty value counts as undefined AWS does not say'
        )
    if unreadable := translation_unreadable(state):
        return None, (
            f"{unreadable} is neither true nor false as Hadoop reads a flag: whether EMR translates the role mappings "
            f"to S3A ({_GUIDE}) is not documented"
        )
    return True, ""


def _verified_locations(state: ChainState) -> list[S3Location]:
    """The verified prefixes as locations (one that cannot be read has its own "not checked" link: ``chain.py``)."""
    locations = []
    for prefix in state.prefixes_for_principal_mappings:
        try:
            locations.append(parse_s3_location(prefix, "prefix", allow_bucket_root=True))
        except EmrfsXacctError:
            continue
    return locations


def _caught(mappings: list[Any], locations: list[S3Location]) -> tuple[int, str, S3Location, str] | None:
    """
    The first readable ``Prefix`` mapping that :func:`~.routing.route` sends a write under ``locations`` to, with
    its identifier that matches (:func:`~.routing.prefix_matches`: one ending inside a bucket's name, ``s3://b``
    for ``s3://b2/...``, may match only, :func:`_doubts`), the location and the write's URI; ``None``: none does.
    Whatever comes before it (a ``User`` or ``Group`` mapping, one not read), the write goes as some mapping's role.
    An identifier holding a character a URI percent-encodes may not match (:func:`~.routing.escaped_route`): the
    first mapping with a plain one that matches (:func:`~.routing.plain_route`) is taken as caught, for an escaped one
    before it takes the write or leaves it to the next that matches (the Amazon EMR Management Guide, "Configure IAM
    roles for EMRFS requests to Amazon S3": the first that matches; the fallback only when none does); none such,
    :func:`_doubts` names it.
    """
    readable = [mapping if read_mapping(mapping).problem is None else None for mapping in mappings]
    for location in locations:
        for uri in writes_under(location, mappings):
            index = plain_route(readable, uri)  # no User/Group mapping is taken to match
            if index is not None:
                identifier = plain_match(read_mapping(mappings[index]), uri)
                return index, str(identifier), location, uri
    return None


def _doubts(
    state: ChainState,
    mappings: list[Any],
    locations: list[S3Location],
    reaches: dict[S3Location, tuple[bool | None, str]],
    problem: str | None,
) -> list[str]:
    """
    Why the writes under ``locations`` the mappings may reach (:func:`_reach`) are not known to match none of them,
    or to fall back to the instance profile role if they do not: mappings not read; a ``User`` or ``Group`` mapping,
    which takes every write of its user or group whatever the prefix, while whom the job runs as is not seen
    (``checks/principal.py``); an identifier EMRFS may match otherwise (:func:`~.routing.doubtful_before`); whether
    they reach the connector at all, or S3A's fallback (:func:`_reach_doubts`).
    """
    if not locations:
        return ["which writes its role mappings take is not known: no prefix to judge was given (s3_prefixes)"]
    judged = [location for location in locations if reaches[location][0] is not False]
    if not judged:  # S3A serves s3:// and none of the mappings reaches it (_s3a_reach)
        return []
    doubts = [f"its role mappings are not read as the guide shows them ({problem})"] if problem is not None else []
    for index, mapping in enumerate(mappings):
        read = read_mapping(mapping)
        if read.problem is not None:
            doubts.append(f"mapping {index} could not be read ({read.problem}): it may take the writes")
        elif read.kind in ("User", "Group"):
            names = ", ".join(repr(value) for value in read.identifiers)
            doubts.append(
                f"mapping {index} ({read.kind} {names} -> {read.role}) takes every write of a job that runs as that "
                "Hadoop user or group, whatever the prefix, and whom the job runs as is not seen here (AWS does not "
                "document which user an EMR step or Spark on YARN runs as)"
            )
    doubts.extend(_otherwise_matched(mappings, judged))
    return doubts + _reach_doubts(state, mappings, judged, reaches)


def _otherwise_matched(mappings: list[Any], locations: list[S3Location]) -> list[str]:
    """Each readable mapping with an identifier EMRFS may match for a write under ``locations``, said once."""
    found: dict[int, tuple[str, str]] = {}
    for location in locations:
        for uri in writes_under(location, mappings):
            for index, identifier, read in doubtful_before(mappings, None, uri):
                if read.problem is None:
                    found.setdefault(index, (identifier, uri))
    return [
        f"mapping {index}'s Prefix identifier {identifier!r} is {why_may_match(identifier, uri)}, and whether EMRFS "
        f"matches it for {uri} is not documented"
        for index, (identifier, uri) in sorted(found.items())
    ]


def _reach_doubts(
    state: ChainState,
    mappings: list[Any],
    locations: list[S3Location],
    reaches: dict[S3Location, tuple[bool | None, str]],
) -> list[str]:
    """
    Each ``location`` whose writes a mapping takes where the mappings may not reach the connector (:func:`_reach`);
    and, where S3A serves, or may serve, ``s3://`` (from 7.10.0) with the role mappings translated to it, or maybe
    so (:data:`_GUIDE`), that AWS documents EMRFS's fallback to the instance profile role, not S3A's. With the
    translation off S3A gets no role mappings (:func:`_s3a_reach`): not here.
    """
    doubts = []
    label = state.release_label or "a release not known"
    for location in locations:
        reach, why = reaches[location]
        caught = _caught(mappings, [location]) if reach is None else None
        if caught is not None:
            index, identifier, _, uri = caught
            doubts.append(
                f"mapping {index} (Prefix {identifier} -> {read_mapping(mappings[index]).role}) takes writes under "
                f"{location.uri} ({uri}) wherever the role mappings reach the connector that serves s3://, and {why}"
            )
        elif s3a_may_serve_s3(state):
            doubts.append(
                f"S3A serves or may serve s3:// on {label} and {why or 'EMR translates them'}: AWS documents that "
                "EMRFS sends a request no mapping matches as the instance profile role, not what S3A does"
            )
    return list(dict.fromkeys(doubts))


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
