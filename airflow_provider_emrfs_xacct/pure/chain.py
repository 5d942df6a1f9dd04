"""
Checking every link of the cross-account EMRFS chain, from documents already read from AWS.

Pure: standard library only. :func:`check_chain` takes a :class:`ChainState` (what the verifier read
in both accounts) and returns one :class:`Link` per check and role mapping: pass, warn, fail or
"not checked" (a document could not be read, or the answer depends on something only known when the
job runs), the statement that decided it, and the fix for a failure. The report's verdict is
``PASS`` only when every link passed; it always lists what reading policies cannot see.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_IMPL,
    ROLE_MAPPINGS_SINCE,
    S3A_DEFAULT_SINCE,
    parse_release_label,
    release_text,
)
from airflow_provider_emrfs_xacct.pure.evaluator import (
    IMPLICIT_DENY,
    Decision,
    Request,
    evaluate_access,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.requests import STEPS, WRITE_REQUESTS, S3Call, expand
from airflow_provider_emrfs_xacct.pure.security_config import cross_type_shadowing, role_mappings_of
from airflow_provider_emrfs_xacct.pure.validation import S3Location, parse_s3_location

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.network import StsReachability

PASS, WARN, FAIL, UNKNOWN = "pass", "warn", "fail", "not checked"
VERDICT_PASS, VERDICT_FAIL, VERDICT_NOT_CHECKED = "PASS", "FAIL", "NOT_CHECKED"
#: Name of the object the live probe writes under each prefix.
PROBE_KEY = "_emrfs_xacct_probe"

#: What no policy the verifier reads can show, and how to check it. Listed in every report.
OUTSIDE_POLICIES: tuple[tuple[str, str], ...] = (
    (
        "AWS Organizations service control policies (SCPs) of both accounts",
        "run the live probe (probe=True); or, from the management account or a delegated administrator, "
        "organizations:ListPoliciesForTarget and DescribePolicy for both accounts",
    ),
    (
        "AWS Organizations resource control policies (RCPs) on the bucket and the key",
        "run the live probe; or organizations:ListPoliciesForTarget (type RESOURCE_CONTROL_POLICY) for the "
        "destination account",
    ),
    (
        "VPC endpoint policies of the cluster's S3, STS and KMS endpoints",
        "run the live probe; or ec2:DescribeVpcEndpoints in the EMR account and read each PolicyDocument",
    ),
    ("session policies passed when a role is assumed", "run the live probe (EMRFS passes none by default)"),
    ("object ACLs of objects that already exist under the prefix", "run the live probe (it checks the owner)"),
    ("KMS grants on the bucket's key", "run the live probe; or kms:ListGrants on the key"),
)


@dataclass(frozen=True)
class Unreadable:
    """A part of the chain the verifier could not read: who was refused what, where (or why not)."""

    detail: str


@dataclass
class RoleState:
    """
    A role as read from IAM: its ARN, trust policy, identity policies (inline and managed) by name,
    permissions boundary (name, document), tags.
    """

    arn: str
    trust_policy: dict[str, Any] | None = None
    policies: list[tuple[str, Any]] = field(default_factory=list)
    boundary: tuple[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: A part of the role that could not be read (its policies or boundary): its checks are "not checked".
    unreadable: str = ""


@dataclass
class BucketState:
    """A bucket as read from S3: owning account, policy, object ownership, default encryption key."""

    account: str
    policy: dict[str, Any] | None = None
    object_ownership: str = "ObjectWriter"
    sse_algorithm: str | None = None
    #: The key's ARN, resolved through DescribeKey (the bucket may name an alias or a key id).
    kms_key_arn: str | None = None
    #: The key as the bucket's encryption names it.
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False
    #: Parts that could not be read ("policy", "ownership", "encryption") and why.
    unreadable: dict[str, str] = field(default_factory=dict)


@dataclass
class ChainState:
    """Everything the checks need, read from both accounts."""

    emr_role: RoleState | Unreadable | None
    security_configuration_name: str
    security_configuration: dict[str, Any] | Unreadable | None
    destination_roles: dict[str, RoleState | Unreadable | None]
    buckets: dict[str, BucketState | Unreadable | None]
    key_policies: dict[str, dict[str, Any] | Unreadable | None] = field(default_factory=dict)
    #: KeyState from DescribeKey (``Enabled``, ``Disabled``, ``PendingDeletion`` …) by key ARN.
    key_states: dict[str, str] = field(default_factory=dict)
    release_label: str | None = None
    cluster_configurations: list[dict[str, Any]] | None = None
    #: Prefixes to check for ``User``/``Group`` mappings, which name no prefix themselves.
    prefixes_for_principal_mappings: list[str] = field(default_factory=list)
    region: str = "us-east-1"
    #: ``iam:SimulatePrincipalPolicy`` answers by (principal ARN, action, resource): ``allowed``,
    #: ``implicitDeny`` or ``explicitDeny``; ``None`` when not asked.
    simulations: dict[tuple[str, str, str], str] | None = None
    #: Why there is no second opinion (e.g. the endpoint does not offer the simulator).
    simulation_note: str = ""
    #: A cluster read that was refused.
    cluster_unreadable: str = ""
    #: Whether the live probe wrote and checked an object under every prefix.
    probe_passed: bool = False
    #: Whether the cluster's subnet reaches the STS endpoint EMRFS calls (``None``: no cluster subnet read).
    sts_reachability: StsReachability | Unreadable | None = None


@dataclass
class Link:
    """The result of one check."""

    mapping: int | None
    link: str
    status: str
    detail: str
    statement: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Evaluated:
    """One request the checks evaluated for a role: what the simulator is asked as a second opinion."""

    principal: str
    action: str
    resource: str
    context: dict[str, Any]
    #: Our identity-side answer (identity policies within the boundary): True, False or None.
    identity_allowed: bool | None


@dataclass
class Report:
    """All links, the verdict, and what reading policies cannot see."""

    security_configuration: str
    links: list[Link]
    not_checked: list[dict[str, str]] = field(default_factory=list)
    #: The identity-side requests evaluated (for the simulator's second opinion); not in the XCom.
    evaluated: list[Evaluated] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """No link failed (links may still be "not checked": see :attr:`verdict`)."""
        return all(link.status != FAIL for link in self.links)

    @property
    def verdict(self) -> str:
        """``FAIL`` if a link failed, else ``NOT_CHECKED`` if one could not be checked, else ``PASS``."""
        if not self.healthy:
            return VERDICT_FAIL
        if any(link.status == UNKNOWN for link in self.links):
            return VERDICT_NOT_CHECKED
        return VERDICT_PASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "security_configuration": self.security_configuration,
            "verdict": self.verdict,
            "healthy": self.healthy,
            "links": [asdict(link) for link in self.links],
            "not_checked": list(self.not_checked),
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
        outside = [f"  - {item['what']}: {item['how']}" for item in self.not_checked]
        tail = ["Not checked by reading policies:", *outside] if outside else []
        return f"Cross-account EMRFS chain for {self.security_configuration}: {self.verdict}\n" + "\n".join(
            lines + tail
        )


def _cite(decision: Decision) -> str:
    if decision.statement is None:
        return ""
    sid = decision.statement.get("Sid")
    text = f"Sid {sid}" if sid else json.dumps(decision.statement, sort_keys=True)[:120]
    return f"{decision.source}: {text}"


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 else "aws"


def check_chain(state: ChainState) -> Report:
    """Check every link of the chain for every role mapping of the security configuration."""
    links: list[Link] = []
    evaluated: list[Evaluated] = []
    report = Report(state.security_configuration_name, links, _outside(state), evaluated)
    configuration = state.security_configuration
    if isinstance(configuration, Unreadable):
        links.append(Link(None, "security configuration exists", UNKNOWN, configuration.detail))
        return report
    if configuration is None:
        links.append(
            Link(
                None,
                "security configuration exists",
                FAIL,
                f"{state.security_configuration_name} not found",
                fix="create it with CreateEmrfsSecurityConfigOperator",
            )
        )
        return report
    mappings = role_mappings_of(configuration)
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
    links.extend(_emr_role_links(state))
    links.extend(_release_links(state))
    links.extend(_sts_links(state))
    for index, mapping in enumerate(mappings):
        links.extend(_mapping_links(state, index, mapping, mappings, evaluated))
    links.extend(_second_opinion_links(state, evaluated))
    return report


def _outside(state: ChainState) -> list[dict[str, str]]:
    if state.probe_passed:
        return [{"what": what, "how": "covered by the live probe, which passed"} for what, _ in OUTSIDE_POLICIES]
    return [{"what": what, "how": how} for what, how in OUTSIDE_POLICIES]


def _emr_role_links(state: ChainState) -> list[Link]:
    if isinstance(state.emr_role, Unreadable):
        return [Link(None, "EMR EC2 role", UNKNOWN, state.emr_role.detail)]
    if state.emr_role is None:
        return [
            Link(
                None,
                "EMR EC2 role",
                FAIL,
                "the EMR EC2 role was not found in the EMR account",
                fix="check emr_ec2_role_name (the cluster's JobFlowRole)",
            )
        ]
    if state.emr_role.unreadable:
        return [Link(None, "EMR EC2 role", UNKNOWN, state.emr_role.unreadable)]
    return []


def _release_links(state: ChainState) -> list[Link]:
    if state.release_label is None:
        detail = state.cluster_unreadable or "release label unknown (no cluster given)"
        return [
            Link(
                None,
                "release supports role mappings",
                WARN,
                detail,
                fix="pass release_label or cluster_id to check it",
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
                f"{state.release_label} ignores role mappings",
                fix=f"use {release_text(ROLE_MAPPINGS_SINCE)} or later",
            )
        ]
    links = [Link(None, "release supports role mappings", PASS, f"{state.release_label} supports role mappings")]
    if version >= S3A_DEFAULT_SINCE:
        impl = _site_property(state, "core-site", "fs.s3.impl")
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
                    PASS,
                    # Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": EMR translates
                    # fs.s3.authorization.roleMapping to fs.s3a.authorization.roleMapping.
                    f"{state.release_label} uses S3A for s3://; EMR translates the EMRFS role mappings to S3A",
                )
            )
    return links


def _sts_links(state: ChainState) -> list[Link]:
    """
    The cluster reaches the STS endpoint EMRFS calls for the mapped roles' credentials.

    Releases 5.31.0/6.1.0 and later call the Regional endpoint (Amazon EMR Release Guide, "Managing the
    default AWS Security Token Service endpoint"): a cluster in a private subnet needs an STS interface
    endpoint or a NAT route, or every mapped request fails.
    """
    found = state.sts_reachability
    if found is None:
        return []
    if isinstance(found, Unreadable):
        return [Link(None, "cluster reaches STS", UNKNOWN, found.detail, fix="allow ec2:Describe* to check it")]
    return [Link(None, "cluster reaches STS", found.status.lower(), f"{found.endpoint}: {found.detail}", fix=found.fix)]


def _site_property(state: ChainState, classification: str, name: str) -> str | None:
    value = None
    for configuration in state.cluster_configurations or []:
        if configuration.get("Classification") == classification:
            value = (configuration.get("Properties") or {}).get(name, value)
    return value


def _mapping_links(
    state: ChainState,
    index: int,
    mapping: dict[str, Any],
    mappings: list[dict[str, Any]],
    evaluated: list[Evaluated],
) -> list[Link]:
    role_arn = str(mapping.get("Role"))
    kind = mapping.get("IdentifierType")
    identifiers = [str(value) for value in mapping.get("Identifiers", [])]
    links: list[Link] = []
    links.extend(_shadow_links(index, kind, identifiers, mappings))
    links.extend(_cross_type_shadow_links(index, mappings))
    role = state.destination_roles.get(role_arn)
    role_link = _role_link(index, role_arn, role)
    links.append(role_link)
    if role_link.status != PASS:
        return links
    assert isinstance(role, RoleState)
    links.append(_assume_link(state, index, role, evaluated))
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
        try:
            location = parse_s3_location(prefix, "prefix", allow_bucket_root=True)
        except EmrfsXacctError as error:
            links.append(Link(index, f"access to {prefix}", UNKNOWN, f"cannot check this identifier: {error}"))
            continue
        links.extend(_prefix_links(state, index, mappings, location, evaluated))
    return links


def _role_link(index: int, role_arn: str, role: RoleState | Unreadable | None) -> Link:
    name = "destination role"
    if isinstance(role, Unreadable):
        return Link(index, name, UNKNOWN, f"{role_arn}: {role.detail}")
    if role is None:
        return Link(
            index,
            name,
            FAIL,
            f"{role_arn} not found: EMRFS's AssumeRole on it will fail",
            fix="create it with EnsureDestinationRoleOperator, or name an existing role in the mapping",
        )
    if role.arn != role_arn:
        # EMRFS calls AssumeRole on the mapping's ARN: partition, account, path and name must all be the role's.
        return Link(
            index,
            name,
            FAIL,
            f"the mapping names {role_arn}, but the role of that name is {role.arn}: EMRFS's AssumeRole on the "
            "mapping's ARN will fail",
            fix=f"put {role.arn} in the mapping (CreateEmrfsSecurityConfigOperator)",
        )
    if role.unreadable:
        return Link(index, name, UNKNOWN, f"{role_arn}: {role.unreadable}")
    return Link(index, name, PASS, f"{role.arn} exists")


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


def _cross_type_shadow_links(index: int, mappings: list[dict[str, Any]]) -> list[Link]:
    """An earlier mapping of another type captures some of this mapping's requests (first match wins)."""
    return [
        Link(
            index,
            "mapping not captured by another type",
            WARN,
            shadow.message("mappings"),
            fix="put the narrower mapping first, or map both to the same role",
        )
        for shadow in cross_type_shadowing(mappings)
        if shadow.later == index
    ]


# Request contexts ------------------------------------------------------------------------------

#: Condition keys a request from EMRFS is known not to carry (every other key not in the context
#: is unknown to the verifier, so a condition on it is "not checked").
_ABSENT_ALWAYS = frozenset(
    {
        # The role's tags are all read (GetRole): a tag it does not have is absent. EMRFS passes no
        # session tags.
        "aws:PrincipalTag/",
        "aws:RequestTag/",
        "aws:TagKeys",
        "aws:FederatedProvider",
        "s3:RequestObjectTag/",
        "s3:RequestObjectTagKeys",
        "s3:x-amz-copy-source",
        "s3:x-amz-metadata-directive",
        "s3:x-amz-grant-full-control",
        "s3:x-amz-grant-read",
        "s3:x-amz-grant-read-acp",
        "s3:x-amz-grant-write",
        "s3:x-amz-grant-write-acp",
        "s3:x-amz-storage-class",
        "s3:x-amz-website-redirect-location",
        "s3:object-lock-mode",
        "s3:object-lock-retain-until-date",
        "s3:object-lock-remaining-retention-days",
        "s3:object-lock-legal-hold",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
        "s3:AccessPointNetworkOrigin",
        "s3:versionid",
        "sts:ExternalId",
        "sts:TransitiveTagKeys",
        "kms:GrantIsForAWSResource",
        "kms:GrantOperations",
        "kms:GrantConstraintType",
        "kms:ReEncryptOnSameKey",
        "kms:DataKeyPairSpec",
        "kms:MacAlgorithm",
    }
)

#: emrfs-site's canned ACL names and the x-amz-acl header EMRFS sends for them.
_CANNED_ACLS = {
    "Private": "private",
    "PublicRead": "public-read",
    "PublicReadWrite": "public-read-write",
    "AuthenticatedRead": "authenticated-read",
    "LogDeliveryWrite": "log-delivery-write",
    "BucketOwnerRead": "bucket-owner-read",
    "BucketOwnerFullControl": "bucket-owner-full-control",
    "AwsExecRead": "aws-exec-read",
}


def _upload_headers(state: ChainState) -> dict[str, str | None] | None:
    """
    The headers EMRFS puts on uploads that policies test (``s3:x-amz-acl``, ``s3:x-amz-server-side-encryption``).

    ``None`` when the cluster's settings are not known; a ``None`` value: the header is not sent.
    """
    if state.cluster_configurations is None:
        return None
    acl = _site_property(state, "emrfs-site", "fs.s3.canned.acl")
    sse: str | None = None
    configuration = state.security_configuration if isinstance(state.security_configuration, dict) else {}
    encryption = configuration.get("EncryptionConfiguration") or {}
    if encryption.get("EnableAtRestEncryption"):
        mode = ((encryption.get("AtRestEncryptionConfiguration") or {}).get("S3EncryptionConfiguration") or {}).get(
            "EncryptionMode"
        )
        sse = {"SSE-S3": "AES256", "SSE-KMS": "aws:kms"}.get(str(mode))
    if sse is None and str(_site_property(state, "emrfs-site", "fs.s3.enableServerSideEncryption")).lower() == "true":
        sse = "aws:kms" if _site_property(state, "emrfs-site", "fs.s3.serverSideEncryption.kms.keyId") else "AES256"
    return {"s3:x-amz-acl": _CANNED_ACLS.get(str(acl)) if acl else None, "s3:x-amz-server-side-encryption": sse}


def _principal_context(role: RoleState) -> dict[str, Any]:
    context: dict[str, Any] = {
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": _account(role.arn),
        "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalIsAWSService": "false",
    }
    for key, value in role.tags.items():
        context[f"aws:PrincipalTag/{key}"] = value
    return context


def s3_request(
    state: ChainState, role: RoleState, call: S3Call, bucket: BucketState, bucket_name: str, stem: str
) -> Request | None:
    """The request context AWS builds for one S3 call of a role session (``None``: not sent for this prefix)."""
    partition = _partition(role.arn)
    bucket_arn = f"arn:{partition}:s3:::{bucket_name}"
    absent = set(_ABSENT_ALWAYS)
    context = {
        **_principal_context(role),
        "aws:ResourceAccount": bucket.account,
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": state.region,
        "aws:ViaAWSService": "false",
    }
    if call.key is None:
        resource = bucket_arn
    else:
        key = expand(call.key, stem)
        if key is None:
            return None
        resource = f"{bucket_arn}/{key}"
    if call.list_prefix is not None:
        prefix = expand(call.list_prefix, stem)
        if prefix is None:
            return None
        if prefix:
            context["s3:prefix"] = prefix
        else:
            absent.add("s3:prefix")
        context["s3:delimiter"] = "/"
    else:
        absent.update({"s3:prefix", "s3:delimiter", "s3:max-keys"})
    headers = _upload_headers(state)
    if not call.headers:
        # UploadPart and the others carry no upload headers: a bucket policy denying s3:PutObject
        # without x-amz-server-side-encryption or x-amz-acl denies UploadPart (boto/botocore#471,
        # aws/aws-cli#1674).
        absent.update(
            {"s3:x-amz-acl", "s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id"}
        )
    elif headers is not None:
        for name, value in headers.items():
            if value is None:
                absent.add(name)
            else:
                context[name] = value
        if headers.get("s3:x-amz-server-side-encryption") != "aws:kms":
            absent.add("s3:x-amz-server-side-encryption-aws-kms-key-id")
    return Request(
        call.action,
        resource,
        principal=role.arn,
        context=context,
        known_absent=frozenset(absent),
        has_boundary=role.boundary is not None,
    )


def kms_request(state: ChainState, role: RoleState, action: str, bucket: BucketState, resource_arn: str) -> Request:
    """The request S3 sends to KMS with the role session's permissions (forward access)."""
    key_arn = str(bucket.kms_key_arn)
    context: dict[str, Any] = {
        **_principal_context(role),
        # KMS Developer Guide, "kms:ViaService": S3 calls KMS as s3.<region>.amazonaws.com.
        "kms:ViaService": f"s3.{state.region}.amazonaws.com",
        "kms:CallerAccount": _account(role.arn),
        "aws:ResourceAccount": _account(key_arn),
        "aws:RequestedRegion": state.region,
        # S3 User Guide, "Using server-side encryption with AWS KMS keys": the encryption context is
        # the object's ARN, or the bucket's with an S3 Bucket Key.
        "kms:EncryptionContext:aws:s3:arn": resource_arn,
        "kms:EncryptionContextKeys": ["aws:s3:arn"],
    }
    configured = bucket.kms_key_id or ""
    absent = set(_ABSENT_ALWAYS)
    if "alias/" in configured:
        context["kms:RequestAlias"] = "alias/" + configured.split("alias/", 1)[1]
    else:
        absent.add("kms:RequestAlias")
    return Request(
        action,
        key_arn,
        principal=role.arn,
        context=context,
        known_absent=frozenset(absent),
        has_boundary=role.boundary is not None,
    )


def assume_request(emr_role: RoleState, role: RoleState) -> Request:
    """``sts:AssumeRole`` on the destination role, sent by EMRFS with the EC2 instance profile's session."""
    context = {
        **_principal_context(emr_role),
        "aws:ResourceAccount": _account(role.arn),
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
    }
    return Request(
        "sts:AssumeRole",
        role.arn,
        principal=emr_role.arn,
        context=context,
        known_absent=_ABSENT_ALWAYS,
        has_boundary=emr_role.boundary is not None,
    )


# The links -------------------------------------------------------------------------------------


def _identity_side(request: Request, role: RoleState) -> bool | None:
    decision = evaluate_access(
        request,
        identity_policies=role.policies,
        resource_account=_account(request.principal),
        boundary=role.boundary,
    )
    return None if decision.undetermined else decision.allowed


def _assume_link(state: ChainState, index: int, role: RoleState, evaluated: list[Evaluated]) -> Link:
    name = "EMR role can assume destination role"
    emr_role = state.emr_role
    if not isinstance(emr_role, RoleState) or emr_role.unreadable:
        return Link(index, name, UNKNOWN, "the EMR EC2 role could not be read (see above)")
    request = assume_request(emr_role, role)
    decision = evaluate_access(
        request,
        identity_policies=emr_role.policies,
        resource_policies=[("trust policy", role.trust_policy)],
        resource_account=_account(role.arn),
        resource_policy_required=True,
        boundary=emr_role.boundary,
    )
    evaluated.append(
        Evaluated(
            emr_role.arn, request.action, request.resource, dict(request.context), _identity_side(request, emr_role)
        )
    )
    if decision.allowed:
        return Link(index, name, PASS, f"{emr_role.arn} may assume {role.arn}", _cite(decision))
    if decision.undetermined:
        return Link(
            index, name, UNKNOWN, f"sts:AssumeRole depends on {decision.unknown}", _cite(decision), _probe_fix()
        )
    if decision.statement is not None and decision.source != "trust policy":
        fix = f"a Deny in {decision.source} blocks it: change that statement"
    elif decision.source == "permissions boundary":
        fix = "the EMR EC2 role's permissions boundary must allow sts:AssumeRole on this role"
    elif decision.source == "identity":
        fix = "AttachAssumeRolePolicyOperator with this role in destination_role_arns"
    else:
        fix = "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns"
    return Link(index, name, FAIL, f"sts:AssumeRole {decision.reason}", _cite(decision), fix)


def _probe_fix() -> str:
    return "the answer is only known when the job runs: run the live probe (probe=True)"


def route(mappings: list[dict[str, Any]], uri: str, checking: int) -> int | None:
    """
    Return the index of the mapping EMRFS uses for ``uri`` (``None``: the EC2 instance profile role).

    Mappings apply top-down, the first match wins; a ``Prefix`` identifier matches as a plain string
    prefix of ``s3://bucket/key`` (EMR Management Guide, "Configure IAM roles for EMRFS requests to
    Amazon S3"). ``User``/``Group`` mappings are taken to match only when they are the mapping being
    checked (``checking``): the job is assumed to run as that user or group.
    """
    for index, mapping in enumerate(mappings):
        kind = mapping.get("IdentifierType")
        identifiers = [str(value) for value in mapping.get("Identifiers", [])]
        if kind == "Prefix" and any(uri.startswith(identifier) for identifier in identifiers):
            return index
        if kind in ("User", "Group") and index == checking:
            return index
    return None


@dataclass
class _Outcome:
    """The outcome of one request in a step."""

    call: str
    action: str
    decision: Decision
    role: str
    required: bool
    why_role: str


def _prefix_links(
    state: ChainState,
    index: int,
    mappings: list[dict[str, Any]],
    location: S3Location,
    evaluated: list[Evaluated],
) -> list[Link]:
    bucket = state.buckets.get(location.bucket)
    if isinstance(bucket, Unreadable):
        return [Link(index, f"bucket {location.bucket}", UNKNOWN, bucket.detail, fix=_probe_fix())]
    if bucket is None:
        return [
            Link(
                index,
                f"bucket {location.bucket}",
                FAIL,
                "bucket not found",
                fix="check the bucket name and the destination connection",
            )
        ]
    stem = location.prefix.rstrip("/")
    links: list[Link] = []
    writers: dict[str, RoleState] = {}
    kms_uses: list[tuple[RoleState, str, str]] = []
    for step in STEPS:
        outcomes: list[_Outcome] = []
        blocked = ""
        for call in (call for call in WRITE_REQUESTS if call.step == step):
            key = expand(call.key, stem) if call.key is not None else None
            if call.key is not None and key is None:
                continue
            uri = f"s3://{location.bucket}/{key}" if key is not None else f"s3://{location.bucket}/{stem}/"
            routed = route(mappings, uri, index)
            role, why_role, problem = _routed_role(state, mappings, routed)
            if role is None:
                blocked = blocked or f"{call.operation} {uri}: {problem}"
                continue
            if "policy" in bucket.unreadable:
                blocked = blocked or bucket.unreadable["policy"]
                continue
            request = s3_request(state, role, call, bucket, location.bucket, stem)
            if request is None:
                continue
            outcomes.append(
                _evaluate_s3(state, role, request, bucket, f"{call.operation} {uri}", call.required, why_role)
            )
            evaluated.append(
                Evaluated(
                    role.arn, request.action, request.resource, dict(request.context), _identity_side(request, role)
                )
            )
            if call.missing:
                listing = Request(
                    "s3:ListBucket",
                    f"arn:{_partition(role.arn)}:s3:::{location.bucket}",
                    principal=role.arn,
                    context={k: v for k, v in request.context.items()},
                    known_absent=(request.known_absent or frozenset()) | {"s3:prefix", "s3:delimiter", "s3:max-keys"},
                    has_boundary=request.has_boundary,
                )
                outcomes.append(
                    _evaluate_s3(
                        state,
                        role,
                        listing,
                        bucket,
                        f"404 (not 403) for HEAD of missing {uri}: s3:ListBucket without s3:prefix",
                        True,
                        why_role,
                    )
                )
            if call.action == "s3:PutObject":
                writers[role.arn] = role
            for action in call.kms:
                kms_uses.append((role, action, request.resource))
        links.append(_step_link(index, f"{step} {location.uri}", outcomes, blocked))
    links.append(_kms_link(state, index, bucket, location, kms_uses, evaluated))
    links.append(_ownership_link(index, list(writers.values()), bucket, location))
    return links


def _routed_role(
    state: ChainState, mappings: list[dict[str, Any]], routed: int | None
) -> tuple[RoleState | None, str, str]:
    if routed is None:
        role = state.emr_role
        why = "no mapping matches this key: the EC2 instance profile role"
        if isinstance(role, RoleState) and not role.unreadable:
            return role, why, ""
        return None, why, "sent as the EMR EC2 role, which could not be read"
    arn = str(mappings[routed].get("Role"))
    target = state.destination_roles.get(arn)
    if isinstance(target, RoleState) and target.arn == arn and not target.unreadable:
        return target, f"mapping {routed}", ""
    return None, f"mapping {routed}", f"sent as {arn} (mapping {routed}), which could not be checked (see its links)"


def _evaluate_s3(
    state: ChainState, role: RoleState, request: Request, bucket: BucketState, what: str, required: bool, why: str
) -> _Outcome:
    decision = evaluate_access(
        request,
        identity_policies=role.policies,
        resource_policies=[("bucket policy", bucket.policy)],
        resource_account=bucket.account,
        boundary=role.boundary,
    )
    return _Outcome(what, request.action, decision, role.arn, required, why)


def _step_link(index: int, name: str, outcomes: list[_Outcome], blocked: str) -> Link:
    refused = [o for o in outcomes if not o.decision.allowed and not o.decision.undetermined]
    hard = [o for o in refused if o.required]
    unknown = [o for o in outcomes if o.decision.undetermined]
    if hard:
        first = hard[0]
        return Link(
            index,
            name,
            FAIL,
            f"{first.call} as {first.role} ({first.why_role}): {first.action} {first.decision.reason}"
            + (f" ({len(hard)} requests refused)" if len(hard) > 1 else ""),
            _cite(first.decision),
            _s3_fix(first),
        )
    if blocked:
        return Link(index, name, UNKNOWN, blocked, fix=_probe_fix())
    if unknown:
        first = unknown[0]
        return Link(
            index,
            name,
            UNKNOWN,
            f"{first.call} as {first.role}: depends on {first.decision.unknown}",
            _cite(first.decision),
            _probe_fix(),
        )
    if refused:
        first = refused[0]
        return Link(
            index,
            name,
            WARN,
            f"{first.call} as {first.role}: {first.action} {first.decision.reason}",
            _cite(first.decision),
            _s3_fix(first),
        )
    cited = next((_cite(o.decision) for o in outcomes if o.decision.statement), "")
    return Link(index, name, PASS, f"{len(outcomes)} requests allowed", cited)


def _s3_fix(outcome: _Outcome) -> str:
    decision = outcome.decision
    if decision.statement is not None and decision.source == "bucket policy":
        return "the bucket policy denies it: change or narrow that statement (it is not the provider's)"
    if decision.statement is not None:
        return f"a Deny in {decision.source} blocks it: change that statement"
    if outcome.why_role.startswith("no mapping"):
        return (
            "this key is not covered by any mapping, so EMRFS sends it as the EMR EC2 role: map the prefix "
            "without its trailing slash (s3://bucket/prefix) so the prefix's own key and its _$folder$ marker "
            "go through the destination role"
        )
    if decision.source == "permissions boundary":
        return "the role's permissions boundary does not allow it: widen the boundary"
    if "404" in outcome.call:
        return "allow s3:ListBucket on the bucket without an s3:prefix condition (a HEAD carries none)"
    if decision.source == "resource" and decision.reason == IMPLICIT_DENY:
        return "the bucket policy must allow this role (it is in another account)"
    return "EnsureDestinationRoleOperator with this prefix in s3_prefixes"


def _kms_link(
    state: ChainState,
    index: int,
    bucket: BucketState,
    location: S3Location,
    uses: list[tuple[RoleState, str, str]],
    evaluated: list[Evaluated],
) -> Link:
    name = f"use bucket key for {location.uri}"
    if "encryption" in bucket.unreadable:
        return Link(index, name, UNKNOWN, bucket.unreadable["encryption"], fix=_probe_fix())
    if bucket.sse_algorithm not in ("aws:kms", "aws:kms:dsse"):
        return Link(index, name, PASS, f"default encryption is {bucket.sse_algorithm or 'none'}; no KMS key involved")
    key_arn = bucket.kms_key_arn
    if key_arn is None:
        return Link(index, name, PASS, "SSE-KMS with the AWS managed key aws/s3: usable within the account")
    key_policy = state.key_policies.get(key_arn)
    if isinstance(key_policy, Unreadable):
        return Link(index, name, UNKNOWN, f"key policy of {key_arn}: {key_policy.detail}", fix=_probe_fix())
    if key_policy is None:
        return Link(
            index,
            name,
            FAIL,
            f"the key {key_arn} of the bucket's default encryption does not exist",
            fix="check the bucket's default encryption",
        )
    key_state = state.key_states.get(key_arn, "Enabled")
    if key_state != "Enabled":
        return Link(index, name, FAIL, f"the key {key_arn} is {key_state}", fix="enable the key (kms:EnableKey)")
    bucket_arn = f"arn:{_partition(key_arn)}:s3:::{location.bucket}"
    last: Decision | None = None
    seen: set[tuple[str, str]] = set()
    for role, action, object_arn in uses:
        if (role.arn, action) in seen:
            continue
        seen.add((role.arn, action))
        resource = bucket_arn if bucket.bucket_key_enabled else object_arn
        request = kms_request(state, role, action, bucket, resource)
        decision = evaluate_access(
            request,
            identity_policies=role.policies,
            resource_policies=[("key policy", key_policy)],
            resource_account=_account(key_arn),
            resource_policy_required=True,
            boundary=role.boundary,
        )
        evaluated.append(Evaluated(role.arn, action, key_arn, dict(request.context), _identity_side(request, role)))
        if decision.undetermined:
            return Link(
                index,
                name,
                UNKNOWN,
                f"{action} on {key_arn} as {role.arn} depends on {decision.unknown}",
                _cite(decision),
                _probe_fix(),
            )
        if not decision.allowed:
            fix = (
                "the role's permissions boundary must allow the key"
                if decision.source == "permissions boundary"
                else f"a Deny in the {decision.source} blocks it: change that statement"
                if decision.statement is not None
                else "GrantKmsKeyUserOperator with the destination role"
            )
            return Link(
                index, name, FAIL, f"{action} on {key_arn} as {role.arn} {decision.reason}", _cite(decision), fix
            )
        last = decision
    roles = sorted({role.arn for role, _, _ in uses})
    return Link(
        index,
        name,
        PASS,
        f"{', '.join(roles)} may use {key_arn} through S3 ({', '.join(sorted({a for _, a, _ in uses}))})",
        _cite(last) if last is not None else "",
    )


def _ownership_link(index: int, writers: list[RoleState], bucket: BucketState, location: S3Location) -> Link:
    name = f"owner of objects in {location.uri}"
    if "ownership" in bucket.unreadable:
        return Link(index, name, UNKNOWN, bucket.unreadable["ownership"], fix=_probe_fix())
    foreign = sorted({_account(role.arn) for role in writers} - {bucket.account})
    if not foreign:
        return Link(
            index,
            name,
            PASS,
            f"the writers ({', '.join(sorted(role.arn for role in writers)) or 'none'}) are in the bucket's account "
            f"{bucket.account}, which owns the objects",
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
        f"ObjectWriter: objects stay owned by account {', '.join(foreign)}",
        fix="switch the bucket to BucketOwnerEnforced (GrantBucketAccessOperator enforce_bucket_owner=True)",
    )


def _second_opinion_links(state: ChainState, evaluated: list[Evaluated]) -> list[Link]:
    """Compare the identity side with ``iam:SimulatePrincipalPolicy`` where the connection could ask it."""
    if state.simulations is None:
        return []
    disagreements = []
    for item in evaluated:
        answer = state.simulations.get((item.principal, item.action, item.resource))
        if answer is None or item.identity_allowed is None:
            continue
        if (answer == "allowed") != item.identity_allowed:
            ours = "allowed" if item.identity_allowed else "denied"
            disagreements.append(
                f"{item.action} on {item.resource} as {item.principal}: simulator {answer}, local {ours}"
            )
    name = "second opinion (iam:SimulatePrincipalPolicy, identity side)"
    if disagreements:
        return [
            Link(
                None,
                name,
                UNKNOWN,
                f"{len(disagreements)} disagreement(s): " + "; ".join(disagreements[:5]),
                fix=_probe_fix(),
            )
        ]
    return [Link(None, name, PASS, f"the simulator agrees on {len(state.simulations)} request(s)")]
