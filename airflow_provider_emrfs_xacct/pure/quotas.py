"""
Every AWS quota the provider meets, with its value, whether it can be raised, its source and the remedy.

Pure: standard library only. The provider refuses, before any write, a request that would cross a
hard limit (:func:`require_within`), naming the quota, the figure, its AWS page and what to do
instead. Adjustable account-wide counts (roles, instance profiles, customer managed policies,
security configurations) are written down but not counted in advance: reading them would cost calls
on every run, and AWS itself refuses the create past them (``LimitExceeded``), before anything changes.

Request rates are what the rate-limited stand-in (``devstack/fault_proxy.py``) plays: a token bucket
per (service, API) with ``burst`` tokens refilled at ``rate`` per second. Where AWS documents a figure
it is used; where it does not (IAM and STS publish no per-API rate), the assumption is stated. KMS
documents requests per second: the bucket holds one second's worth.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

IAM_QUOTAS_PAGE = 'IAM User Guide, "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)'
IAM_POLICY_SIZE_PAGE = (
    'AWS Knowledge Center, "How do I increase the default managed policy or character size limit for an IAM '
    'role or user?" (https://repost.aws/knowledge-center/iam-increase-policy-size)'
)
IAM_VERSIONS_PAGE = (
    'IAM API Reference, "CreatePolicyVersion" (https://docs.aws.amazon.com/IAM/latest/APIReference/'
    "API_CreatePolicyVersion.html)"
)
KMS_PUT_KEY_POLICY_PAGE = (
    'AWS KMS API Reference, "PutKeyPolicy" (Policy: "The key policy size quota is 32 kilobytes (32768 bytes)"; '
    "https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html)"
)
KMS_REQUESTS_PAGE = (
    'AWS KMS Developer Guide, "Request quotas" (https://docs.aws.amazon.com/kms/latest/developerguide/'
    "requests-per-second.html)"
)
EMR_QUOTAS_PAGE = (
    'Amazon EMR Management Guide, "What are Amazon EMR Service Quotas" (https://docs.aws.amazon.com/emr/latest/'
    'ManagementGuide/emr-service-limits-what-are.html) and AWS General Reference, "Amazon EMR endpoints and '
    'quotas" (https://docs.aws.amazon.com/general/latest/gr/emr.html)'
)
STS_THROTTLING_PAGE = (
    'AWS Knowledge Center, "How do I resolve API throttling or Rate exceeded errors for IAM and AWS STS?" '
    "(https://repost.aws/knowledge-center/iam-sts-throttling-error)"
)

#: The remedy for every wall of the shared EMR EC2 role (see docs/scale.md).
ROLE_PER_GROUP = (
    "give each pipeline or group of partners its own EMR EC2 instance-profile role (the operators' "
    "emr_ec2_role_name), which also isolates the partners' hosts from each other"
)


@dataclass(frozen=True)
class Quota:
    """
    One AWS quota.

    :param name: the quota's name as AWS writes it.
    :param value: the default value (``None``: AWS documents no figure the provider could find).
    :param unit: what ``value`` counts.
    :param adjustable: whether Service Quotas can raise it.
    :param maximum: how far it can be raised, where documented.
    :param source: the AWS documentation page.
    :param remedy: what a user does when the provider refuses at this quota.
    :param enforced: whether the provider refuses, before any write, a request that would cross it.
    """

    name: str
    value: float | None
    unit: str
    adjustable: bool
    maximum: float | None
    source: str
    remedy: str
    enforced: bool = False


ROLE_INLINE_POLICIES_CHARS = Quota(
    "Role policy size (all inline policies of a role together)",
    10240,
    "characters without whitespace",
    False,
    None,
    IAM_QUOTAS_PAGE,
    "the provider moves destination role ARNs that do not fit into provider-owned managed policies; for other "
    f"inline policies of the role, {ROLE_PER_GROUP}",
    enforced=True,
)
MANAGED_POLICY_CHARS = Quota(
    "Managed policy size",
    6144,
    "characters without whitespace",
    False,
    None,
    f"{IAM_QUOTAS_PAGE}; {IAM_POLICY_SIZE_PAGE}",
    "the provider starts another provider-owned managed policy",
    enforced=True,
)
MANAGED_POLICIES_PER_ROLE = Quota(
    "Managed policies attached to an IAM role",
    10,
    "policies",
    True,
    20,
    f"{IAM_QUOTAS_PAGE}; {IAM_POLICY_SIZE_PAGE}",
    "raise 'Managed policies per role' in Service Quotas (up to 20) and pass managed_policies_per_role, or "
    + ROLE_PER_GROUP,
    enforced=True,
)
POLICY_VERSIONS = Quota(
    "Versions of a managed policy",
    5,
    "versions",
    False,
    None,
    f"{IAM_QUOTAS_PAGE}; {IAM_VERSIONS_PAGE}",
    "none needed: the provider deletes the oldest non-default version before writing a sixth",
)
TRUST_POLICY_CHARS = Quota(
    "Role trust policy length",
    2048,
    "characters without whitespace",
    True,
    4096,
    IAM_QUOTAS_PAGE,
    "raise 'Role trust policy length' in Service Quotas (up to 4,096), or trust fewer roles per destination role "
    "(one destination role per group of EMR EC2 roles)",
    enforced=True,
)
ROLES_PER_ACCOUNT = Quota(
    "Roles in an AWS account",
    1000,
    "roles",
    True,
    None,
    IAM_QUOTAS_PAGE,
    "raise it in Service Quotas; each partner's destination role is in the partner's own account",
)
INSTANCE_PROFILES_PER_ACCOUNT = Quota(
    "Instance profiles in an AWS account",
    1000,
    "instance profiles",
    True,
    None,
    IAM_QUOTAS_PAGE,
    "raise it in Service Quotas; one instance-profile role per group of partners, not per partner",
)
CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT = Quota(
    "Customer managed policies in an AWS account",
    1500,
    "policies",
    True,
    None,
    IAM_QUOTAS_PAGE,
    "raise it in Service Quotas; the provider creates at most managed_policies_per_role per EMR EC2 role",
)
KEY_POLICY_BYTES = Quota(
    "Key policy document size",
    32768,
    "bytes",
    False,
    None,
    KMS_PUT_KEY_POLICY_PAGE,
    "use one key per partner or per group of partners (in production each partner's bucket has its own key)",
    enforced=True,
)
EMR_SECURITY_CONFIGURATIONS = Quota(
    "Security configurations per account and Region",
    None,
    "security configurations",
    True,
    None,
    f"{EMR_QUOTAS_PAGE} (the figure is listed in the Service Quotas console; not found in the pages searched)",
    "share one security configuration between the partners of a pipeline (its role mappings list every "
    "destination role), and delete unused ones (DeleteUnusedSecurityConfigsOperator)",
)

#: Every quota, in the order of docs/scale.md.
QUOTAS = (
    ROLE_INLINE_POLICIES_CHARS,
    MANAGED_POLICY_CHARS,
    MANAGED_POLICIES_PER_ROLE,
    POLICY_VERSIONS,
    TRUST_POLICY_CHARS,
    ROLES_PER_ACCOUNT,
    INSTANCE_PROFILES_PER_ACCOUNT,
    CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT,
    KEY_POLICY_BYTES,
    EMR_SECURITY_CONFIGURATIONS,
)


@dataclass(frozen=True)
class RequestRate:
    """
    A request-rate quota as a token bucket: ``burst`` calls at once, refilled at ``rate`` calls per second.

    :param documented: ``True`` where the figure is AWS's; else ``basis`` states the assumption.
    """

    service: str
    operations: tuple[str, ...]
    burst: float
    rate: float
    documented: bool
    basis: str


#: The API request rates the stand-in's rate-limited mode plays (per account and Region).
REQUEST_RATES = (
    RequestRate(
        "elasticmapreduce",
        ("*",),
        5,
        0.5,
        False,
        f"{EMR_QUOTAS_PAGE}: EMR throttles each API with a burst and a refill rate; the page's worked figures "
        "(burst 5, refill 0.5 per second, for AddInstanceFleet) are applied to every EMR API, as an assumption",
    ),
    RequestRate("kms", ("PutKeyPolicy",), 15, 15, True, f"{KMS_REQUESTS_PAGE}: PutKeyPolicy, 15 per second"),
    RequestRate("kms", ("GetKeyPolicy",), 1000, 1000, True, f"{KMS_REQUESTS_PAGE}: GetKeyPolicy, 1,000 per second"),
    RequestRate("kms", ("DescribeKey",), 2000, 2000, True, f"{KMS_REQUESTS_PAGE}: DescribeKey, 2,000 per second"),
    RequestRate(
        "kms",
        ("*",),
        5,
        5,
        False,
        f"{KMS_REQUESTS_PAGE}: most management APIs (CreateKey, UpdateAlias …) have 5 per second, assumed "
        "for any other",
    ),
    RequestRate(
        "iam",
        ("*",),
        20,
        10,
        False,
        f"{STS_THROTTLING_PAGE}: IAM throttles per account and publishes no per-API figure; assumed burst 20, "
        "refill 10 per second for each API",
    ),
    RequestRate(
        "sts",
        ("*",),
        100,
        100,
        False,
        f"{STS_THROTTLING_PAGE}: STS publishes no per-API figure; assumed 100 per second",
    ),
)


def request_rate(service: str, operation: str) -> RequestRate:
    """Return the token bucket for one API: its own figure, else its service's ``*`` entry."""
    for entry in REQUEST_RATES:
        if entry.service == service and operation in entry.operations:
            return entry
    for entry in REQUEST_RATES:
        if entry.service == service and "*" in entry.operations:
            return entry
    raise KeyError(f"no request rate for {service}:{operation}")


def _kind(quota: Quota) -> str:
    if quota.adjustable:
        return f"adjustable up to {quota.maximum:g}" if quota.maximum else "adjustable"
    return "a hard limit"


class QuotaExceededError(InvalidParameterError):
    """A request would cross an AWS quota; raised before any write, naming the quota and the remedy."""

    def __init__(self, field: str, quota: Quota, amount: float, what: str, limit: float | None = None) -> None:
        self.quota = quota
        self.amount = amount
        limit = quota.value if limit is None else limit
        super().__init__(
            field,
            f"{what} would be {amount:g} {quota.unit}, over the limit of {limit:g} set by AWS's quota "
            f"'{quota.name}' ({_kind(quota)}; {quota.source}). Remedy: {quota.remedy}",
        )


class QuotaRefusedByAwsError(InvalidParameterError):
    """
    AWS itself refused a write at one of its quotas, at the value in force in the account; that write changed nothing.

    Raised where the provider cannot know the value in force before writing (an adjustable quota
    someone may have raised, or not): IAM refuses such a write with ``LimitExceeded`` and changes
    nothing (IAM API Reference, the "Errors" of CreateRole, UpdateAssumeRolePolicy, CreatePolicy and
    AttachRolePolicy). Such writes are sent before the others of their task, so that a refusal leaves
    everything as it was; where one came after writes that landed (the k-th spill policy's attach), the
    raiser ends the message with what they were (``hooks/iam.py``, ``_say_what_was_written``). Unlike
    :class:`QuotaExceededError`, it comes after the refused write, and knows no amount or limit.

    :param or_quota: another quota the same error code answers for the same write, with what is known of it and
        what to do (``or_why``; default: its remedy): both are named, AWS's message saying which (IAM API Reference, "CreatePolicy", ``LimitExceeded``:
        "The error message describes the limit exceeded").
    """

    def __init__(
        self, field: str, quota: Quota, what: str, aws_message: str, *, or_quota: Quota | None = None, or_why: str = ""
    ) -> None:
        self.quota = quota
        self.or_quota = or_quota
        at = f"at its quota '{quota.name}' as set in this account"
        if or_quota is not None:
            at = f"at one of two quotas (AWS's message says which): '{quota.name}' as set in this account"
        message = (
            f"AWS refused {what}: {aws_message!r}, {at} (default {quota.value:g} {quota.unit}, {_kind(quota)}; "
            f"{quota.source}). That write changed nothing. Remedy: {quota.remedy}"
        )
        if or_quota is not None:
            message += (
                f". Or '{or_quota.name}' ({or_quota.value:g} {or_quota.unit}, {_kind(or_quota)}; {or_quota.source}): "
                f"{or_why or 'Remedy then: ' + or_quota.remedy}"
            )
        super().__init__(field, message)


def require_within(quota: Quota, amount: float, field: str, what: str, *, limit: float | None = None) -> None:
    """
    Refuse (naming ``field``, the quota and the remedy) an ``amount`` over ``limit`` (default: the quota's value).

    :param limit: the value in force when it differs from the default (a raised adjustable quota).
    """
    ceiling = quota.value if limit is None else limit
    if ceiling is not None and amount > ceiling:
        raise QuotaExceededError(field, quota, amount, what, ceiling)


def require_valid_limit(quota: Quota, limit: int, field: str) -> int:
    """Check a user-given quota value: a whole number from 1 to the quota's documented maximum."""
    ceiling = quota.maximum or quota.value
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1 or (ceiling and limit > ceiling):
        raise InvalidParameterError(
            field, f"must be a whole number from 1 to {ceiling:g} (AWS's '{quota.name}' quota), got {limit!r}"
        )
    return limit
