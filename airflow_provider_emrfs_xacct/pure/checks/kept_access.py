"""
What a mapped destination role's provider statements grant beyond the chain checked: advice (WARN), never FAIL.

The ``ensure`` operators only add (docs/concepts.md, "What the provider owns"): a prefix, a key or a trusted EMR EC2
role an earlier run asked for stays when the partner moves, rotates its key or the pipeline takes another EMR EC2
role. The chain works either way; the report says what else the role grants so that nobody reads PASS as "only this".
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.bucket_policy import SSE_KMS_ALGORITHMS
from airflow_provider_emrfs_xacct.pure.checks.findings import WARN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.documents import (
    DESTINATION_POLICY_NAME,
    inline_policy_label,
    locations_in_permissions_policy,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.kms_keys import is_key_arn
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

    Judged only with the cluster's settings read (``emrfs-site`` may name any key), every mapped bucket read, and
    every such key known by its ARN; otherwise every key held counts as used (none named). A key asked for that
    could not be described still counts when named by its key ARN: uploads with SSE-KMS need ``kms:GenerateDataKey`` on
    it, multipart uploads ``kms:Decrypt`` too (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys
    (SSE-KMS)", "Multipart upload API and permissions"); named by an alias or key id, which key it is is not known.
    """
    buckets = [state.buckets.get(location.bucket) for location in locations]
    if state.cluster_configurations is None:
        return set(held)
    used: set[str] = set()
    for keys in [
        *(_default_key(bucket) for bucket in buckets),
        *(_requested_key(entry, key) for entry, key in state.requested_keys.items()),
    ]:
        if keys is None:
            return set(held)
        used |= keys
    return used


def _default_key(bucket: object) -> set[str] | None:
    """The ARN of the key of a mapped bucket's default encryption (none: no SSE-KMS); ``None``: not known."""
    if not isinstance(bucket, BucketState) or "encryption" in bucket.unreadable:
        return None
    if bucket.sse_algorithm not in SSE_KMS_ALGORITHMS:
        return set()
    if bucket.kms_key_arn is not None:
        # A key DescribeKey did not resolve is left as the bucket names it, an alias or key id maybe: not its ARN.
        return {bucket.kms_key_arn} if is_key_arn(bucket.kms_key_arn) else None
    managed = bucket.aws_managed_key_arn  # aws/s3
    return {managed} if isinstance(managed, str) else None


def _requested_key(entry: str, key: str | Unreadable | None) -> set[str] | None:
    """
    The ARN of a key the uploads ask for (:attr:`ChainState.requested_keys`; none: no such key); ``None``: not known,
    a key named by an alias or key id that could not be described.
    """
    if isinstance(key, Unreadable):
        return {entry} if is_key_arn(entry) else None
    return set() if key is None else {key}
