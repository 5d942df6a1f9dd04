"""
Checking every link of the cross-account EMRFS chain, from documents already read from AWS.

Pure: standard library only. :func:`check_chain` takes a :class:`ChainState` (what the verifier read
in both accounts) and returns one :class:`Link` per check and role mapping: pass, warn or fail, the
statement that decided it, and the fix for a failure.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from airflow_provider_emrfs_xacct.policies.cluster_config import (
    EMRFS_IMPL,
    ROLE_MAPPINGS_SINCE,
    S3A_DEFAULT_SINCE,
    parse_release_label,
    release_text,
)
from airflow_provider_emrfs_xacct.policies.documents import KEY_USER_ACTIONS
from airflow_provider_emrfs_xacct.policies.evaluator import Decision, Request, evaluate, evaluate_access
from airflow_provider_emrfs_xacct.policies.security_config import role_mappings_of
from airflow_provider_emrfs_xacct.policies.validation import S3Location, parse_s3_location

PASS, WARN, FAIL = "pass", "warn", "fail"
#: Name of the object the checks pretend to read and write under each prefix.
PROBE_KEY = "_emrfs_xacct_probe"


@dataclass
class RoleState:
    """A role as read from IAM: its ARN, trust policy, and identity policies (inline and managed) by name."""

    arn: str
    trust_policy: dict[str, Any] | None = None
    policies: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class BucketState:
    """A bucket as read from S3: owning account, policy, object ownership, default encryption key."""

    account: str
    policy: dict[str, Any] | None = None
    object_ownership: str = "ObjectWriter"
    sse_algorithm: str | None = None
    kms_key_arn: str | None = None


@dataclass
class ChainState:
    """Everything the checks need, read from both accounts."""

    emr_role: RoleState
    security_configuration_name: str
    security_configuration: dict[str, Any] | None
    destination_roles: dict[str, RoleState | None]
    buckets: dict[str, BucketState | None]
    key_policies: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    release_label: str | None = None
    cluster_configurations: list[dict[str, Any]] | None = None
    #: Prefixes to check for ``User``/``Group`` mappings, which name no prefix themselves.
    prefixes_for_principal_mappings: list[str] = field(default_factory=list)


@dataclass
class Link:
    """The result of one check."""

    mapping: int | None
    link: str
    status: str
    detail: str
    statement: str = ""
    fix: str = ""


@dataclass
class Report:
    """All links; the chain is healthy when none failed."""

    security_configuration: str
    links: list[Link]

    @property
    def healthy(self) -> bool:
        return all(link.status != FAIL for link in self.links)

    def to_dict(self) -> dict[str, Any]:
        return {
            "security_configuration": self.security_configuration,
            "healthy": self.healthy,
            "links": [asdict(link) for link in self.links],
        }

    def table(self) -> str:
        """A readable table: one row per link, with the deciding statement and the fix."""
        rows = [("#", "link", "status", "detail", "deciding statement", "fix")]
        for link in self.links:
            where = "-" if link.mapping is None else str(link.mapping)
            rows.append((where, link.link, link.status.upper(), link.detail, link.statement or "-", link.fix or "-"))
        widths = [min(90, max(len(row[column]) for row in rows)) for column in range(len(rows[0]))]
        lines = [" | ".join(cell[:90].ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
        lines.insert(1, "-+-".join("-" * width for width in widths))
        verdict = "HEALTHY" if self.healthy else "BROKEN"
        return f"Cross-account EMRFS chain for {self.security_configuration}: {verdict}\n" + "\n".join(lines)


def _cite(decision: Decision) -> str:
    if decision.statement is None:
        return ""
    sid = decision.statement.get("Sid")
    text = f"Sid {sid}" if sid else json.dumps(decision.statement, sort_keys=True)[:120]
    return f"{decision.source}: {text}"


def _account(arn: str) -> str:
    return arn.split(":")[4]


def check_chain(state: ChainState) -> Report:
    """Check every link of the chain for every role mapping of the security configuration."""
    links: list[Link] = []
    if state.security_configuration is None:
        links.append(
            Link(
                None,
                "security configuration exists",
                FAIL,
                f"{state.security_configuration_name} not found",
                fix="create it with CreateEmrfsSecurityConfigOperator",
            )
        )
        return Report(state.security_configuration_name, links)
    mappings = role_mappings_of(state.security_configuration)
    if not mappings:
        links.append(
            Link(
                None,
                "role mappings",
                FAIL,
                "the security configuration has no EMRFS role mappings",
                fix="add AuthorizationConfiguration.EmrFsConfiguration.RoleMappings",
            )
        )
    links.extend(_release_links(state))
    for index, mapping in enumerate(mappings):
        links.extend(_mapping_links(state, index, mapping, mappings))
    return Report(state.security_configuration_name, links)


def _release_links(state: ChainState) -> list[Link]:
    if state.release_label is None:
        return [
            Link(
                None,
                "release supports role mappings",
                WARN,
                "release label unknown (no cluster given)",
                fix="pass release_label or cluster_id to check it",
            )
        ]
    version = parse_release_label(state.release_label, "release_label")
    if version < ROLE_MAPPINGS_SINCE:
        return [
            Link(
                None,
                "release supports role mappings",
                FAIL,
                f"{state.release_label} ignores role mappings",
                fix=f"use {release_text(ROLE_MAPPINGS_SINCE)} or later",
            )
        ]
    links = [Link(None, "release supports role mappings", PASS, f"{state.release_label} supports role mappings")]
    if version >= S3A_DEFAULT_SINCE:
        impl = None
        for configuration in state.cluster_configurations or []:
            if configuration.get("Classification") == "core-site":
                impl = (configuration.get("Properties") or {}).get("fs.s3.impl")
        if impl == EMRFS_IMPL:
            links.append(
                Link(None, "s3:// connector", PASS, f"{state.release_label} defaults to S3A; fs.s3.impl keeps EMRFS")
            )
        elif state.cluster_configurations is None:
            links.append(
                Link(
                    None,
                    "s3:// connector",
                    WARN,
                    f"{state.release_label} defaults to S3A for s3://; cluster settings unknown",
                    fix="launch with LaunchClusterWithSecConfigOperator (keep_emrfs=True) or pass cluster_id",
                )
            )
        else:
            links.append(
                Link(
                    None,
                    "s3:// connector",
                    WARN,
                    f"{state.release_label} uses S3A for s3://; EMR translates the EMRFS role mappings",
                    fix=f"set core-site fs.s3.impl={EMRFS_IMPL} to keep EMRFS",
                )
            )
    return links


def _mapping_links(
    state: ChainState, index: int, mapping: dict[str, Any], mappings: list[dict[str, Any]]
) -> list[Link]:
    role_arn = str(mapping.get("Role"))
    kind = mapping.get("IdentifierType")
    identifiers = [str(value) for value in mapping.get("Identifiers", [])]
    links: list[Link] = []
    links.extend(_shadow_links(index, kind, identifiers, mappings))
    role = state.destination_roles.get(role_arn)
    if role is None:
        links.append(
            Link(
                index,
                "destination role exists",
                FAIL,
                f"{role_arn} not found",
                fix="create it with EnsureDestinationRoleOperator",
            )
        )
        return links
    links.append(_assume_link(state, index, role))
    prefixes = identifiers if kind == "Prefix" else state.prefixes_for_principal_mappings
    if not prefixes:
        links.append(
            Link(
                index,
                "access to prefixes",
                WARN,
                f"a {kind} mapping names no prefix to check",
                fix="pass s3_prefixes to the verifier",
            )
        )
    for prefix in prefixes:
        location = parse_s3_location(prefix, "prefix", allow_bucket_root=True)
        links.extend(_prefix_links(state, index, role, location))
    return links


def _shadow_links(index: int, kind: Any, identifiers: list[str], mappings: list[dict[str, Any]]) -> list[Link]:
    for earlier_index, earlier in enumerate(mappings[:index]):
        if earlier.get("IdentifierType") != kind:
            continue
        for identifier in identifiers:
            for earlier_identifier in earlier.get("Identifiers", []):
                if identifier == earlier_identifier or (
                    kind == "Prefix" and identifier.startswith(str(earlier_identifier))
                ):
                    return [
                        Link(
                            index,
                            "mapping not shadowed",
                            FAIL,
                            f"{identifier} is matched first by mapping {earlier_index} ({earlier_identifier})",
                            fix="put the narrower mapping first",
                        )
                    ]
    return [Link(index, "mapping not shadowed", PASS, "no earlier mapping matches its identifiers first")]


def _assume_link(state: ChainState, index: int, role: RoleState) -> Link:
    request = Request("sts:AssumeRole", role.arn, principal=state.emr_role.arn)
    decision = evaluate_access(
        request,
        identity_policies=state.emr_role.policies,
        resource_policies=[("trust policy", role.trust_policy)],
        resource_account=_account(role.arn),
        resource_policy_required=True,
    )
    if decision.allowed:
        return Link(
            index,
            "EMR role can assume destination role",
            PASS,
            f"{state.emr_role.arn} may assume {role.arn}",
            _cite(decision),
        )
    if not evaluate(state.emr_role.policies, request).allowed:
        fix = "AttachAssumeRolePolicyOperator with this role in destination_role_arns"
    else:
        fix = "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns"
    return Link(
        index, "EMR role can assume destination role", FAIL, f"sts:AssumeRole {decision.reason}", _cite(decision), fix
    )


def _prefix_links(state: ChainState, index: int, role: RoleState, location: S3Location) -> list[Link]:
    bucket = state.buckets.get(location.bucket)
    if bucket is None:
        return [
            Link(
                index,
                f"bucket {location.bucket}",
                FAIL,
                "bucket not found or not readable",
                fix="check the bucket name and the destination connection",
            )
        ]
    partition = role.arn.split(":")[1]
    bucket_arn = f"arn:{partition}:s3:::{location.bucket}"
    object_arn = f"{bucket_arn}/{location.prefix}{PROBE_KEY}"
    context = {"aws:SecureTransport": "true", "aws:PrincipalArn": role.arn, "aws:PrincipalAccount": _account(role.arn)}
    checks = [
        ("list", "s3:ListBucket", bucket_arn, {**context, "s3:prefix": location.prefix}),
        ("read", "s3:GetObject", object_arn, context),
        ("write", "s3:PutObject", object_arn, context),
        ("delete", "s3:DeleteObject", object_arn, context),
    ]
    links = []
    for verb, action, resource, request_context in checks:
        decision = evaluate_access(
            Request(action, resource, principal=role.arn, context=request_context),
            identity_policies=role.policies,
            resource_policies=[("bucket policy", bucket.policy)],
            resource_account=bucket.account,
        )
        links.append(
            Link(
                index,
                f"{verb} {location.uri}",
                PASS if decision.allowed else FAIL,
                f"{action} {decision.reason}",
                _cite(decision),
                "" if decision.allowed else _s3_fix(decision),
            )
        )
    links.append(_kms_link(state, index, role, bucket, location))
    links.append(_ownership_link(index, role, bucket, location))
    return links


def _s3_fix(decision: Decision) -> str:
    if decision.source == "bucket policy":
        return "the bucket policy denies it: change or narrow that statement (it is not the provider's)"
    if decision.statement is not None:
        return f"a Deny in {decision.source} blocks it: change that statement"
    return "EnsureDestinationRoleOperator with this prefix in s3_prefixes"


def _kms_link(state: ChainState, index: int, role: RoleState, bucket: BucketState, location: S3Location) -> Link:
    name = f"use bucket key for {location.uri}"
    if bucket.sse_algorithm not in ("aws:kms", "aws:kms:dsse"):
        return Link(index, name, PASS, f"default encryption is {bucket.sse_algorithm or 'none'}; no KMS key involved")
    key_arn = bucket.kms_key_arn
    if key_arn is None:
        return Link(index, name, PASS, "SSE-KMS with the AWS managed key aws/s3: usable within the account")
    key_policy = state.key_policies.get(key_arn)
    if key_policy is None:
        return Link(
            index,
            name,
            FAIL,
            f"cannot read the key policy of {key_arn}",
            fix="check that the key exists and the destination connection may kms:GetKeyPolicy",
        )
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        decision = evaluate_access(
            Request(action, key_arn, principal=role.arn, context={"kms:ViaService": "s3.amazonaws.com"}),
            identity_policies=role.policies,
            resource_policies=[("key policy", key_policy)],
            resource_account=_account(key_arn),
            resource_policy_required=True,
        )
        if not decision.allowed:
            return Link(
                index,
                name,
                FAIL,
                f"{action} on {key_arn} {decision.reason}",
                _cite(decision),
                "GrantKmsKeyUserOperator with the destination role",
            )
    return Link(
        index, name, PASS, f"{role.arn} may use {key_arn} ({', '.join(KEY_USER_ACTIONS[:2])}, …)", _cite(decision)
    )


def _ownership_link(index: int, role: RoleState, bucket: BucketState, location: S3Location) -> Link:
    name = f"owner of objects in {location.uri}"
    if _account(role.arn) == bucket.account:
        return Link(
            index,
            name,
            PASS,
            f"the writer ({role.arn}) is in the bucket's account {bucket.account}, which owns the objects",
        )
    if bucket.object_ownership == "BucketOwnerEnforced":
        return Link(index, name, PASS, "BucketOwnerEnforced: the bucket owner owns every object")
    if bucket.object_ownership == "BucketOwnerPreferred":
        return Link(
            index,
            name,
            WARN,
            "BucketOwnerPreferred: the bucket owner owns objects only if written with bucket-owner-full-control",
            fix="set emrfs-site fs.s3.canned.acl=BucketOwnerFullControl",
        )
    return Link(
        index,
        name,
        FAIL,
        f"ObjectWriter: objects stay owned by account {_account(role.arn)}",
        fix="switch the bucket to BucketOwnerEnforced (GrantBucketAccessOperator enforce_bucket_owner=True)",
    )
