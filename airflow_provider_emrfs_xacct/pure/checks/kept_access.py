"""
What a mapped destination role's provider statements grant beyond the chain checked: advice (WARN), never FAIL.

The ``ensure`` operators only add (docs/concepts.md, "What the provider owns"): a prefix, a key or a trusted EMR EC2
role an earlier run asked for stays when the partner moves, rotates its key or the pipeline takes another EMR EC2
role. The chain works either way; the report says what else the role grants so that nobody reads PASS as "only this".
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import WARN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.documents import (
    DESTINATION_POLICY_NAME,
    inline_policy_label,
    locations_in_permissions_policy,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.merge import KEPT_REMOVAL, kept_beyond_asked
from airflow_provider_emrfs_xacct.pure.security_config import read_mapping
from airflow_provider_emrfs_xacct.pure.validation import S3Location, parse_s3_location

LINK = "access beyond this configuration"


def audit(state: ChainState, mappings: list[Any]) -> list[Link]:
    """One WARN link per mapped destination role (at its first mapping) whose provider statements grant more."""
    roles: dict[str, tuple[int, list[str] | None]] = {}  # role ARN -> (first mapping, its prefixes; None: not known)
    for index, mapping in enumerate(mappings):
        read = read_mapping(mapping)
        if read.role is None:
            continue
        first, prefixes = roles.get(read.role, (index, []))
        identifiers = read.identifiers if read.kind == "Prefix" else state.prefixes_for_principal_mappings
        if prefixes is None or read.kind is None or read.problem is not None or not identifiers:
            prefixes = None  # where this mapping's writes go is not known (a User or Group mapping given no prefix)
        else:
            prefixes = [*prefixes, *identifiers]
        roles[read.role] = (first, prefixes)
    return [link for arn, (index, prefixes) in roles.items() if (link := _role_link(state, arn, index, prefixes))]


def _role_link(state: ChainState, arn: str, index: int, prefixes: list[str] | None) -> Link | None:
    role = state.destination_roles.get(arn)
    if not isinstance(role, RoleState) or role.unreadable:
        return None  # its own link says why
    found = dict(role.policies).get(inline_policy_label(DESTINATION_POLICY_NAME))
    policy = found if isinstance(found, dict) else None
    try:
        held_locations, held_keys = locations_in_permissions_policy(policy)
    except EmrfsXacctError:
        return None  # a provider statement the provider would refuse to write back: its task says so
    locations = _locations(prefixes, held_locations)
    keys = _keys_used(state, locations, held_keys)
    emr_role = state.emr_role
    # The EMR EC2 role checked not known: whom else the role trusts is not judged.
    trust, trusted = (role.trust_policy, [emr_role.arn]) if isinstance(emr_role, RoleState) else (None, [])
    kept = kept_beyond_asked(policy, trust, locations, keys, trusted)
    if not kept:
        return None
    return Link(
        index,
        LINK,
        WARN,
        f"{arn} also has, from the provider's statements, {'; '.join(kept)}, which this configuration's writes "
        "(its mappings, the EMR EC2 role checked) do not ask for. The ensure operators only add, so an earlier run's "
        "grant (a prefix or bucket the partner left, a key it replaced, an EMR EC2 role the pipeline no longer uses) "
        "stays until removed; another pipeline sharing the role may still need it, and reading the objects already "
        "written with a replaced key still needs that key",
        fix=f"if nothing needs it any more, remove it: {KEPT_REMOVAL}",
    )


def _locations(prefixes: list[str] | None, held: set[S3Location]) -> set[S3Location]:
    """The mapped prefixes as locations; those held (none judged) when not known or one cannot be read."""
    if prefixes is None:
        return set(held)
    try:
        return {parse_s3_location(prefix, "prefix", allow_bucket_root=True) for prefix in prefixes}
    except EmrfsXacctError:
        return set(held)  # its link is "not checked": where it routes is not known


def _keys_used(state: ChainState, locations: set[S3Location], held: set[str]) -> set[str]:
    """
    The keys the writes may use: the mapped buckets' default keys and the keys the uploads ask for.

    Judged only with the cluster's settings read (``emrfs-site`` may name any key) and every mapped bucket read;
    otherwise every key held counts as used (none named).
    """
    buckets = [state.buckets.get(location.bucket) for location in locations]
    if state.cluster_configurations is None or not all(isinstance(bucket, BucketState) for bucket in buckets):
        return set(held)
    used = {bucket.kms_key_arn for bucket in buckets if isinstance(bucket, BucketState) and bucket.kms_key_arn}
    return used | {key for key in state.requested_keys.values() if isinstance(key, str)}
