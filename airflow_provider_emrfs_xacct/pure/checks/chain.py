"""
The whole chain: every check in order, for every role mapping of the security configuration.

Each link is one check module's ``audit``; this module only walks the chain (the configuration,
the EMR EC2 role, the release, the route to STS, then per mapping its role, the assume permission and
each prefix's bucket, steps, key and objects' owner) and collects the :class:`Report`.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks import (
    access_grants,
    assume,
    bucket,
    cluster,
    configuration,
    credential_settings,
    cross_type,
    destination_role,
    emr_role,
    instance_settings,
    kept_access,
    key_user,
    object_lock,
    ownership,
    principal,
    release,
    s3_access,
    s3_route,
    second_opinion,
    session_duration,
    shadowing,
    spark_settings,
    sts_route,
)
from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    canned_acl_doubts,
    canned_acl_setting,
    possible_canned_acls,
    readable_canned_acl_names,
    unknown_canned_acl,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    BLOCK_PUBLIC_ACCESS,
    CLUSTER_SETTINGS,
    ENDPOINT_POLICIES,
    ENDPOINT_POLICIES_NOT_JUDGED,
    ENDPOINT_POLICIES_OF_THE_OWNER,
    OUTSIDE_POLICIES,
    PASS,
    S3_ROUTE,
    SESSION_POLICIES,
    STS_ACTIVATION,
    STS_ROUTE,
    UNKNOWN,
    WARN,
    Evaluated,
    Link,
    Report,
    name_refused_reads,
    once_each,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts
from airflow_provider_emrfs_xacct.pure.security_config import read_mapping, role_mappings_of
from airflow_provider_emrfs_xacct.pure.validation import S3Location, parse_s3_location


def check_chain(state: ChainState) -> Report:
    """
    Check every link of the chain for every role mapping of the security configuration; without one (option
    (a)), every link of the EMR EC2 role's writes under the given prefixes.
    """
    links: list[Link] = []
    evaluated: list[Evaluated] = []
    report = Report(
        state.security_configuration_name,
        links,
        _outside(state),
        evaluated,
        refused_reads=once_each(state.refused_reads),
    )
    links.extend(configuration.audit(state))
    if state.security_configuration_name is None:  # the option (a) chain: every prefix written as the EMR EC2 role
        _all_links(state, [], report)
    elif isinstance(state.security_configuration, dict):
        _all_links(state, role_mappings_of(state.security_configuration), report)
    links[:] = name_refused_reads(links, state.refused_reads)
    return report


def _all_links(state: ChainState, mappings: list[Any], report: Report) -> None:
    """Add the links of a security configuration that was read: the cluster's, and each mapping's."""
    links, evaluated = report.links, report.evaluated
    links.extend(emr_role.audit(state))
    links.extend(cluster.audit(state))
    links.extend(release.audit(state))
    links.extend(access_grants.audit(state))
    links.extend(credential_settings.audit(state))
    links.extend(session_duration.audit(state))
    links.extend(spark_settings.audit(state))
    links.extend(instance_settings.audit(state))
    links.extend(sts_route.audit(state))
    links.extend(s3_route.audit(state))
    links.extend(object_lock.audit(state))
    links.extend(_account_block_public_access(state))
    for index, mapping in enumerate(mappings):
        links.extend(_mapping_links(state, index, mapping, mappings, evaluated, report.grants_wanted))
    if state.security_configuration_name is None:
        # As the EMR EC2 role: the cluster link (checks/cluster.py) passes only where none of the cluster's own
        # mappings takes these writes, so routing them with none is routing them with its mappings.
        links.extend(
            _writer_links(state, None, state.prefixes_for_principal_mappings, [], evaluated, report.grants_wanted)
        )
    links.extend(kept_access.audit(state, mappings))
    links.extend(second_opinion.audit(state, evaluated))


def _endpoint_policies(state: ChainState) -> tuple[str, str]:
    """
    The endpoint policies' item of the unseen list: those on the cluster's path are judged in the links once its
    subnet was read, unless another account shares the subnet and holds them.
    """
    if not isinstance(state.subnet, SubnetFacts):
        return ENDPOINT_POLICIES
    return ENDPOINT_POLICIES_OF_THE_OWNER if state.subnet.shared_by else ENDPOINT_POLICIES_NOT_JUDGED


def _outside(state: ChainState) -> list[dict[str, str]]:
    endpoint_policies = _endpoint_policies(state)
    option_a = state.security_configuration_name is None  # assumes no role: no session policies, no STS
    unseen = [
        dict(zip(("what", "how"), endpoint_policies if item == ENDPOINT_POLICIES else item, strict=True))
        for item in OUTSIDE_POLICIES
        if not (option_a and item in (SESSION_POLICIES, STS_ACTIVATION))
    ]
    if state.cluster_configurations is None:
        unseen.append(dict(zip(("what", "how"), CLUSTER_SETTINGS, strict=True)))
    if state.sts_reachability is None:  # no link "cluster reaches STS": say so
        what, how = S3_ROUTE if option_a else STS_ROUTE
        unseen.append({"what": what, "how": how})  # a passing probe covers it (findings.covered_by_probe)
    account = state.account_restrict_public_buckets
    if not isinstance(account, bool):  # not read, or refused; the probe does not cover it
        what, how = BLOCK_PUBLIC_ACCESS
        unseen.append({"what": what, "how": how + (f"; the read was refused: {account.detail}" if account else "")})
    return unseen


def _account_block_public_access(state: ChainState) -> list[Link]:
    """
    A WARN link when the destination account's Block Public Access setting could not be read.

    Advice only: the setting decides a request only where it is of another account and the bucket policy is
    public (or its status unread), and those requests are "not checked" in their own links (``s3_access``).
    """
    account = state.account_restrict_public_buckets
    if not isinstance(account, Unreadable):
        return []
    return [
        Link(
            None,
            "account-level Block Public Access",
            WARN,
            f"not seen: {account.detail}. With RestrictPublicBuckets on for the account, a public bucket policy "
            "grants nothing to other accounts; the requests that depends on (of another account, to a bucket whose "
            "policy S3 calls public) are not checked in their links, the others do not depend on it",
            fix="allow s3:GetAccountPublicAccessBlock to the destination connection",
        )
    ]


def _mapping_links(
    state: ChainState,
    index: int,
    mapping: Any,
    mappings: list[Any],
    evaluated: list[Evaluated],
    grants_wanted: set[str],
) -> list[Link]:
    read = read_mapping(mapping)
    kind, identifiers = read.kind, read.identifiers
    links = [shadowing.audit(index, mappings), *cross_type.audit(index, mappings), *principal.audit(index, mapping)]
    if read.problem is not None:
        links.append(
            Link(
                index,
                "mapping has identifiers" if read.routes_known else "mapping readable",
                UNKNOWN,
                f"mapping {index} {read.problem}" if not isinstance(mapping, dict) else read.problem,
                fix="create a new security configuration with each mapping an object of a role ARN, Prefix, User or "
                "Group, and a list of strings as Identifiers, and launch with it",
            )
        )
    if read.role is None or kind is None:
        return links  # whose requests it takes, or as which role, is not known: its links are not checked
    role_arn = read.role
    role = state.destination_roles.get(role_arn)
    role_link = destination_role.audit(index, role_arn, role)
    links.append(role_link)
    if role_link.status != PASS:
        return links
    assert isinstance(role, RoleState)
    links.append(assume.audit(state, index, role, evaluated))
    prefixes = identifiers if kind == "Prefix" else state.prefixes_for_principal_mappings
    if not prefixes:
        links.append(
            Link(
                index,
                "access to prefixes",
                UNKNOWN,
                f"a {kind} mapping names no prefix: the access of its role where the job writes is not checked",
                fix="pass s3_prefixes (the prefixes this user's or group's job writes) to the verifier "
                "(command line: the partner file's destination.s3_prefixes)",
            )
        )
    links.extend(_writer_links(state, index, prefixes, mappings, evaluated, grants_wanted))
    return links


def _writer_links(
    state: ChainState,
    index: int | None,
    prefixes: list[str],
    mappings: list[Any],
    evaluated: list[Evaluated],
    grants_wanted: set[str],
) -> list[Link]:
    """The links of writes under each of ``prefixes`` by mapping ``index``'s role (``None``: the EMR EC2 role)."""
    links = []
    for prefix in prefixes:
        try:
            location = parse_s3_location(prefix, "prefix", allow_bucket_root=True)
        except EmrfsXacctError as error:
            # Nor does the live probe write under it (verify.probe_targets): its passing settles nothing here.
            detail = f"cannot check this identifier: {error}"
            links.append(Link(index, f"access to {prefix}", UNKNOWN, detail, prefix=prefix, probe_settles=False))
            continue
        for link in _prefix_links(state, index, mappings, location, evaluated, grants_wanted):
            link.prefix = location.uri  # what a probe must write under to settle it (findings.still_not_checked)
            links.append(link)
    return links


def _prefix_links(
    state: ChainState,
    index: int | None,
    mappings: list[Any],
    location: S3Location,
    evaluated: list[Evaluated],
    grants_wanted: set[str],
) -> list[Link]:
    found = state.buckets.get(location.bucket)
    if not isinstance(found, BucketState):
        return [bucket.audit(index, location, found)]
    access = s3_access.audit(state, index, mappings, location, found, evaluated)
    key_link = key_user.audit(state, index, found, location, access.kms_uses, evaluated, grants_wanted)
    if access.kms_unjudged and key_link.status in (PASS, WARN):
        # Requests whose role is not known make S3 call KMS too: the key may refuse that role.
        key_link = Link(
            index,
            key_link.link,
            UNKNOWN,
            f"{access.kms_unjudged[0]}: its KMS calls are not judged ({key_link.detail})",
            fix="settle why that request's role is not known (its link above), then verify again",
            probe_settles=access.kms_unjudged_probed,
        )
    return [*access.links, key_link, _ownership(state, index, access, found, location)]


def _ownership(
    state: ChainState, index: int | None, access: s3_access.PrefixAccess, found: BucketState, location: S3Location
) -> Link:
    """
    The ownership link for the canned ACL the uploads carry; where that ACL is not known (the release, so the
    connector, unknown and EMRFS's and S3A's settings differing: :func:`possible_canned_acls`), the answer both
    give, else not checked. Its writers are the roles the uploads go as, those whose policies could not be read
    among them; an upload whose role is not known keeps it from passing on the writers' account.
    """
    unknown = unknown_canned_acl(state, location.bucket)
    if unknown:
        return Link(
            index,
            f"owner of objects in {location.uri}",
            UNKNOWN,
            unknown,
            fix=f"set {canned_acl_setting(state, location.bucket)} to one of "
            f"{', '.join(readable_canned_acl_names(state))} exactly, "
            "or remove it",
        )
    acls = possible_canned_acls(state, location.bucket)
    links = [
        ownership.audit(
            index,
            list(access.writers.values()),
            found,
            location,
            acl,
            settings_read=state.cluster_configurations is not None,
            acl_setting=canned_acl_setting(state, location.bucket),
            unjudged=next(iter(access.writers_unjudged), ""),
            unjudged_probed=access.writers_unjudged_probed,
        )
        for acl in acls
    ]
    if len({link.status for link in links}) == 1:
        return links[0]
    sent = " or ".join(f"x-amz-acl {acl}" if acl else "no ACL" for acl in acls)
    doubts = canned_acl_doubts(state, location.bucket)
    return Link(
        index,
        links[0].link,
        UNKNOWN,
        f"{'; '.join(doubts)}: the uploads to bucket {location.bucket} carry {sent} "
        f"({'; '.join(link.detail for link in links)})",
        fix="pass release_label to check it (command line: emr.release_label in the partner file, or --cluster-id)"
        if state.release_label is None
        else "set one canned ACL setting the connector reads for the bucket (core-site fs.s3a.acl.default for S3A), "
        "or core-site fs.s3a.emrfs.compatibility.enable to true or false",
    )
