"""
A local evaluator of IAM policy logic, for checking the links of the chain without AWS's simulator.

Pure: standard library only. It follows AWS's evaluation logic (IAM User Guide, "Policy evaluation
logic", "How AWS enforcement code logic evaluates requests to allow or deny access", "Cross-account
policy evaluation logic", "Permissions boundaries for IAM entities") for the policy features this
chain meets: an explicit ``Deny`` wins, else an ``Allow`` is needed; ``Action``/``NotAction``,
``Resource``/``NotResource`` and ``Principal``/``NotPrincipal``; condition operators on strings,
ARNs (per ARN component), booleans, numbers, dates and IP addresses, with ``IfExists``, ``Null`` and
the ``ForAnyValue:``/``ForAllValues:`` set qualifiers; permissions boundaries.

Every answer is one of four: allowed, explicitly denied, not allowed by any statement, or
**undetermined**: a statement that could decide depends on something the evaluator cannot know
(a condition key whose value is only known when the job runs, such as ``aws:SourceIp``; an operator
it does not know; a policy variable; the name of a role session). It never guesses: the verifier
reports an undetermined link as "not checked".
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.merge import identity_key, parse_document
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn, partition_of_arn

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitly denied"
IMPLICIT_DENY = "not allowed by any statement"
UNDETERMINED = "undetermined"

#: A three-valued truth: True, False, or None (cannot be known here).
Tri = bool | None


@dataclass(frozen=True)
class Request:
    """
    One API request to evaluate.

    :param action: e.g. ``s3:PutObject``.
    :param resource: the ARN acted on.
    :param principal: the caller's ARN: the role's ARN for an assumed-role session; needed for
        resource-based policies (trust, bucket and key policies).
    :param context: condition keys and their values, e.g. ``{"s3:prefix": "out/"}``.
    :param known_absent: ``None`` (the default): every key not in ``context`` is absent from the
        request. Otherwise the context is partial: only keys in ``context`` or named here (a name
        ending in ``/`` names every key below it, e.g. ``aws:RequestTag/``) are known; a condition
        on any other key is undetermined.
    :param session_known: whether the role session's name is known. When it is not (EMRFS and EC2
        choose it), a ``Principal`` or ``NotPrincipal`` naming one session of the role is undetermined.
    :param has_boundary: the caller's role has a permissions boundary (it changes ``NotPrincipal``).
    """

    action: str
    resource: str
    principal: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    known_absent: frozenset[str] | None = None
    session_known: bool = False
    has_boundary: bool = False


@dataclass(frozen=True)
class Decision:
    """The outcome: allowed or not, why, and the statement that decided it (with the policy's name)."""

    allowed: bool
    reason: str
    statement: dict[str, Any] | None = None
    source: str | None = None
    #: For an undetermined decision: what could not be known.
    unknown: str = ""
    #: For a request no statement allows: the first ``Allow`` that names it (action, resource, principal) but whose
    #: ``Condition`` the request does not meet (the first with a Sid the caller prefers, if any such: see
    #: :func:`evaluate_access`), and its policy's name; ``None``: none.
    unmet: dict[str, Any] | None = None
    unmet_source: str | None = None
    #: For a request no statement allows: the first ``Deny`` that may apply to it (undetermined), or ``None``. The
    #: refusal stands without it, but a permission from outside the policies (a KMS grant, a bucket ACL) does not lift
    #: it: "No AWS principal has any permissions to a KMS key unless that permission is provided explicitly and never
    #: denied" (AWS KMS Developer Guide, "KMS key access and permissions"); "A grant can allow access to a KMS key,
    #: but not deny access" ("Grants in AWS KMS").
    maybe_deny: Decision | None = None

    @property
    def undetermined(self) -> bool:
        return self.reason == UNDETERMINED


class _Unknown(Exception):
    """Something a statement depends on cannot be known here."""


# Wildcards -------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Return whether ``value`` matches an IAM pattern with ``*`` and ``?`` wildcards."""
    return bool(_pattern(pattern, ignore_case).match(value))


@lru_cache(maxsize=4096)
def _resource_pattern(pattern: str) -> re.Pattern[str]:
    # AWS, "IAM JSON policy elements: Resource": wildcards work within an ARN segment (the parts
    # separated by colons); a "*" that is the last character of a segment may expand beyond the
    # colon boundaries.
    parts = []
    for index, char in enumerate(pattern):
        if char == "*":
            last_of_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if last_of_segment else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def resource_match(pattern: str, arn: str) -> bool:
    """Return whether a ``Resource`` pattern matches an ARN (``*`` alone matches every resource)."""
    return pattern == "*" or bool(_resource_pattern(pattern).match(arn))


#: Components of an ARN: arn, partition, service, Region, account, resource.
_ARN_COMPONENTS = 6


def arn_match(pattern: str, arn: str) -> bool:
    """
    ``ArnEquals``/``ArnLike``: each of the six colon-separated components is matched on its own,
    case-sensitively; wildcards do not cross components (IAM User Guide, "Condition operators":
    Amazon Resource Name (ARN) condition operators).
    """
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != _ARN_COMPONENTS or len(actual) != _ARN_COMPONENTS:
        return False
    return all(wildcard_match(w, a) for w, a in zip(wanted, actual, strict=True))


def _matches_any(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    return any(wildcard_match(str(pattern), value, ignore_case=ignore_case) for pattern in as_list(patterns))


def session_prefix(role_arn: str) -> str:
    """Return the start of every session ARN of a role: ``arn:aws:sts::ACCOUNT:assumed-role/NAME/``."""
    name = role_arn.split(":", 5)[-1].rsplit("/", 1)[-1]
    return f"arn:{partition_of_arn(role_arn)}:sts::{account_of_arn(role_arn)}:assumed-role/{name}/"


# Principals ------------------------------------------------------------------------------------

#: What a ``Principal`` value names, relative to a caller that is a session of a role (``*``: everyone).
ROLE, SESSION, ACCOUNT, ANYONE = "role", "session", "account", "anyone"


def _principal_kind(value: str, caller: str, session_known: bool) -> str | None:
    """Return which of the caller's identities ``value`` names: its role, one of its sessions, its account, or none."""
    if value == "*":
        return ANYONE
    if value == caller:
        return ROLE
    if caller and value.startswith(session_prefix(caller)):
        return SESSION
    account = account_of_arn(caller)
    if account and (value == account or value == f"arn:{partition_of_arn(caller)}:iam::{account}:root"):
        return ACCOUNT
    return None


def _session_in_another_case(value: str, caller: str) -> bool:
    """Return whether ``value`` is a session ARN of the caller's role with the role's name in another case."""
    prefix = session_prefix(caller)
    start, name = prefix[: prefix.rindex("/", 0, -1) + 1], prefix[prefix.rindex("/", 0, -1) + 1 :]
    return value.startswith(start) and value[len(start) :].lower().startswith(name.lower())


def _named(principal: Any, caller: str, session_known: bool) -> dict[str, Tri]:
    """Return, for each kind, whether the ``Principal`` element names the caller that way."""
    found: dict[str, Tri] = {}
    values = ["*"] if principal == "*" else as_list(principal.get("AWS")) if isinstance(principal, dict) else []
    if isinstance(principal, dict) and as_list(principal.get("CanonicalUser")):
        # S3 User Guide, "Principals": a canonical user ID is "an obfuscated form of the AWS account ID"; which
        # account it names is not known here (no read maps one to the other): the caller's account maybe.
        found[ACCOUNT] = None
    for value in values:
        kind = _principal_kind(str(value), caller, session_known)
        if kind is None and caller and identity_key(str(value)) == identity_key(caller):
            # The caller's role in another case: one role (names "aren't distinguished by case": IAM User Guide,
            # "IAM and AWS STS quotas"), but whether a resource policy's principal in that spelling matches it
            # is not documented: maybe.
            found[ROLE] = found.get(ROLE) or None
            continue
        if kind is None and caller and _session_in_another_case(str(value), caller):
            # A session of the caller's role, the name in another case: as undocumented as the role's ARN so spelt.
            found[SESSION] = found.get(SESSION) or None
            continue
        if kind is None:
            continue
        # The caller's own session name is not known: one naming a session may or may not be it.
        match: Tri = True if kind != SESSION else (None if not session_known else False)
        if found.get(kind) is not True:
            found[kind] = match
    return found


# Conditions -----------------------------------------------------------------------------------

_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
}

#: Operators the evaluator knows (without ``IfExists`` and set qualifiers); any other is unknown.
_KNOWN = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
    "Bool",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "IpAddress",
    "NotIpAddress",
}
_QUALIFIERS = ("", "ForAnyValue", "ForAllValues")


#: The values ``Bool`` and ``Null`` conditions compare with: the IAM User Guide ("Condition operators", Boolean
#: condition operators and "Condition operator to check existence of condition keys") writes only ``true`` and
#: ``false``, and says nothing of another spelling (``"True"``, ``"TRUE"``, ``"yes"``): such a value is not known
#: here, neither a match nor a mismatch. A JSON ``true``/``false`` is the text IAM compares (:func:`_condition_text`).
_BOOLEANS = frozenset({"true", "false"})


def _condition_text(value: Any) -> str:
    """A policy's condition value as the text IAM compares: JSON ``true``/``false`` as ``"true"``/``"false"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    """Return the context's value of ``key`` (``None`` if absent): condition key names are not case-sensitive."""
    if key in context:
        return context[key]
    lowered = key.lower()
    return next((value for name, value in context.items() if name.lower() == lowered), None)


def _known_absent(key: str, known_absent: frozenset[str] | None) -> bool:
    if known_absent is None:
        return True
    lowered = key.lower()
    return any(
        lowered == name.lower() or (name.endswith("/") and lowered.startswith(name.lower())) for name in known_absent
    )


def _date(value: str) -> float:
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _bool_matches(wanted: str, actual: str) -> bool | None:
    """``Bool``: the request's value against ``true``/``false`` (another spelling in the policy: not known, see _BOOLEANS)."""
    return actual.lower() == wanted if wanted in _BOOLEANS else None


def _compare(base: str, wanted: str, actual: str) -> bool | None:
    if base in ("StringEquals", "StringNotEquals"):
        return actual == wanted
    if base in ("ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"):
        # "Each of the six colon-delimited components of the ARN is checked separately" (Condition operators):
        # what AWS does with a policy value of fewer components ("*", "arn:aws:iam::*") is not documented, and
        # a certain mismatch would make an ArnNotLike Deny certain.
        return arn_match(wanted, actual) if len(wanted.split(":", 5)) == _ARN_COMPONENTS else None
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.lower() == wanted.lower()
    if base in ("StringLike", "StringNotLike"):
        return wildcard_match(wanted, actual)
    if base == "Bool":
        return _bool_matches(wanted, actual)
    if base in ("IpAddress", "NotIpAddress"):
        try:
            return ipaddress.ip_address(actual) in ipaddress.ip_network(wanted, strict=False)
        except ValueError:  # a value this evaluator cannot read: not False, which NotIpAddress would turn into True
            return None
    if base.startswith(("Numeric", "Date")):
        try:
            left, right = (
                (float(actual), float(wanted)) if base.startswith("Numeric") else (_date(actual), _date(wanted))
            )
        except ValueError:  # the same: NumericNotEquals on an unreadable number is not known to hold
            return None
        operation = base.removeprefix("Numeric").removeprefix("Date")
        return {
            "Equals": left == right,
            "NotEquals": left == right,
            "LessThan": left < right,
            "LessThanEquals": left <= right,
            "GreaterThan": left > right,
            "GreaterThanEquals": left >= right,
        }.get(operation)
    return None  # an operator this evaluator does not know


def condition_holds(
    operator: str, key: str, wanted: Any, context: Mapping[str, Any], known_absent: frozenset[str] | None = None
) -> bool | None:
    """
    Return whether one condition (operator, key, values) holds.

    ``None``: it cannot be known here (an operator the evaluator does not know, a key whose value is
    not known, a policy variable in the wanted values).
    """
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if qualifier not in _QUALIFIERS or (base != "Null" and base not in _KNOWN):
        return None  # an operator this evaluator does not know, whether or not the key is there
    value = _lookup(context, key)
    present = value is not None
    if not present and not _known_absent(key, known_absent):
        return None  # the request carries the key, or not, as the job runs: not known here
    if any("${" in str(item) for item in as_list(wanted)):
        return None  # policy variables are not expanded
    wanted_values = [_condition_text(item) for item in as_list(wanted)]
    if base == "Null":
        if if_exists:
            return None
        if ("false" if present else "true") in wanted_values:
            return True
        return False if set(wanted_values) <= _BOOLEANS else None  # another spelling: see _BOOLEANS
    if not present:
        return _holds_without_value(base, qualifier, if_exists)
    return _holds_for_values(base, qualifier, [str(item) for item in as_list(value)], wanted_values)


def _holds_without_value(base: str, qualifier: str, if_exists: bool) -> bool:
    """Whether a condition holds on a request known not to carry its key."""
    if if_exists or qualifier == "ForAllValues":
        return True
    if qualifier == "ForAnyValue":
        return False  # no request value, so none that matches (negated operators included)
    return base in _NEGATED


def _holds_for_values(base: str, qualifier: str, actual_values: list[str], wanted_values: list[str]) -> bool | None:
    """
    Whether a condition holds for the request's values of its key (``None``: cannot be known here).

    A key's several policy values are ORed, under a negated operator NORed (IAM User Guide, "Conditions with multiple
    context keys or values": "those values are evaluated using a logical OR", "... using a logical NOR"). So one value
    that certainly matches decides, whatever another value is (:func:`_or`): the condition holds (positive operators)
    or does not (negated ones). Likewise a request's several values: any must hold (``ForAnyValue``, or none said), or
    all (``ForAllValues``).
    """
    negated = base in _NEGATED

    def one(actual: str) -> bool | None:
        matched = _or(*(_compare(base, item, actual) for item in wanted_values))
        return None if matched is None else matched != negated

    outcomes = [one(actual) for actual in actual_values]
    if None in outcomes:  # not known, unless a value that is decides alone
        return _and(*outcomes) if qualifier == "ForAllValues" else _or(*outcomes)
    if qualifier == "ForAllValues":
        return all(outcomes)
    return any(outcomes)


def conditions_hold(
    conditions: Any, context: Mapping[str, Any], known_absent: frozenset[str] | None = None
) -> tuple[Tri, str]:
    """Return whether every condition of a statement holds (``None``: it cannot be known), and what was not known."""
    if not conditions:
        return True, ""
    if not isinstance(conditions, dict):
        return None, "a malformed Condition element"
    unknown = ""
    for operator, pairs in conditions.items():
        if not isinstance(pairs, dict):
            return None, f"a malformed {operator} condition"
        for key, wanted in pairs.items():
            result = condition_holds(operator, key, wanted, context, known_absent)
            if result is None:
                unknown = unknown or f"condition {operator} on {key}"
            elif not result:
                return False, ""
    return (None, unknown) if unknown else (True, "")


# Statements and policies ----------------------------------------------------------------------


def _and(*values: Tri) -> Tri:
    if any(value is False for value in values):
        return False
    return None if any(value is None for value in values) else True


def _or(*values: Tri) -> Tri:
    if any(value is True for value in values):
        return True
    return None if any(value is None for value in values) else False


def _resource_covered(patterns: Any, resource: str) -> Tri:
    """
    Whether a ``Resource`` list covers the resource. Where matching per ARN segment and matching the
    whole string disagree (a mid-segment ``*`` before a ``:`` inside the resource, e.g. an S3 key with
    a colon), or a policy variable is involved, the answer is undetermined.
    """
    patterns = [str(pattern) for pattern in as_list(patterns)]
    plain = [pattern for pattern in patterns if "${" not in pattern]
    by_segment = any(resource_match(pattern, resource) for pattern in plain)
    whole = any(pattern == "*" or wildcard_match(pattern, resource) for pattern in plain)
    if by_segment and whole:
        return True
    if by_segment != whole or len(plain) != len(patterns):
        return None
    return False


def _target_applies(statement: dict[str, Any], request: Request) -> tuple[Tri, str]:
    """Whether the statement's action, resource and conditions cover the request (not its principal)."""
    if "Action" in statement and not _matches_any(statement["Action"], request.action, ignore_case=True):
        return False, ""
    if "NotAction" in statement and _matches_any(statement["NotAction"], request.action, ignore_case=True):
        return False, ""
    unknown = ""
    covered: Tri = True
    if "Resource" in statement:
        covered = _resource_covered(statement["Resource"], request.resource)
    elif "NotResource" in statement:
        inside = _resource_covered(statement["NotResource"], request.resource)
        covered = None if inside is None else not inside
    if covered is False:
        return False, ""
    if covered is None:
        unknown = "a policy variable in the statement's resources"
    holds, why = conditions_hold(statement.get("Condition"), request.context, request.known_absent)
    return _and(covered, holds), unknown or why


def _principal_applies(statement: dict[str, Any], request: Request) -> dict[str, Tri]:
    """
    For a resource-based policy: by which of the caller's identities the statement applies to it.

    Returns ``{kind: Tri}``; an empty dict means it does not apply. ``NotPrincipal`` in a ``Deny``
    exempts a role session only when it names the session, its role and its account (IAM User Guide,
    "AWS JSON policy elements: NotPrincipal"), and never a principal with a permissions boundary
    ("Permissions boundaries for IAM entities"); in an ``Allow`` (which AWS does not support) it grants
    no one for sure.
    """
    if "Principal" in statement:
        return {
            kind: value
            for kind, value in _named(statement["Principal"], request.principal, request.session_known).items()
            if value is not False
        }
    if "NotPrincipal" in statement:
        named = _named(statement["NotPrincipal"], request.principal, request.session_known)
        if statement.get("Effect") == "Deny":
            if request.has_boundary:
                return {ROLE: True}
            everyone = named.get(ANYONE, False)
            exempt = _or(everyone, _and(named.get(SESSION, False), named.get(ROLE, False), named.get(ACCOUNT, False)))
            return {} if exempt is True else {ROLE: None if exempt is None else True}
        # An Allow: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not
        # supported" (the NotPrincipal page): what AWS makes of it is not said, so it grants nobody for sure:
        # the principals it lists not at all, any other one maybe (undetermined, never a pass).
        listed = _or(*named.values()) if named else False
        return {} if listed is True else {ROLE: None}
    return {ROLE: True}


@dataclass
class _Scan:
    """What the statements of some policies say about one request."""

    deny: Decision | None = None
    maybe_deny: Decision | None = None
    #: By principal kind (identity policies: all under ROLE): the first statement that allows, certainly or maybe.
    allow: dict[str, Decision] = field(default_factory=dict)
    maybe_allow: dict[str, Decision] = field(default_factory=dict)
    #: The first ``Allow`` that would apply but for its ``Condition``, which the request does not meet (the first with
    #: a Sid in ``prefer`` once one is met).
    unmet: tuple[dict[str, Any], str] | None = None
    prefer: frozenset[str] = frozenset()

    def denied(self, source: str | None, maybe_deny: Decision | None = None) -> Decision:
        """
        No statement allows: name the one whose condition is not met, if any, and a ``Deny`` that may apply
        (:attr:`Decision.maybe_deny`: this scan's unless ``maybe_deny`` names one of another policy).
        """
        statement, name = self.unmet if self.unmet is not None else (None, None)
        undetermined = maybe_deny or self.maybe_deny
        return Decision(
            False, IMPLICIT_DENY, source=source, unmet=statement, unmet_source=name, maybe_deny=undetermined
        )

    def may_name_unmet(self, statement: dict[str, Any]) -> bool:
        """
        Whether ``statement``, if it fails only by its ``Condition``, is to be named :attr:`unmet`: none is yet, or it
        has a preferred Sid and the one named has not. Cheap: only those statements are then asked.
        """
        if self.unmet is None:
            return True
        return bool(self.prefer) and self._preferred(statement) and not self._preferred(self.unmet[0])

    def _preferred(self, statement: dict[str, Any]) -> bool:
        sid = statement.get("Sid")
        return isinstance(sid, str) and sid in self.prefer

    def allows(self, *kinds: str) -> Tri:
        if any(kind in self.allow for kind in kinds):
            return True
        return None if any(kind in self.maybe_allow for kind in kinds) else False

    def first(self, *kinds: str) -> Decision | None:
        for table in (self.allow, self.maybe_allow):
            for kind in kinds:
                if kind in table:
                    return table[kind]
        return None

    def record(self, kind: str, applies: Tri, statement: dict[str, Any], name: str, unknown: str) -> None:
        """Note a statement that applies to the request (``applies``: certainly, or ``None``: maybe)."""
        effect = statement.get("Effect")
        if effect == "Deny":
            if applies is True and self.deny is None:
                self.deny = Decision(False, EXPLICIT_DENY, statement, name)
            elif applies is None and self.maybe_deny is None:
                self.maybe_deny = Decision(False, UNDETERMINED, statement, name, unknown)
        elif effect == "Allow":
            if applies is True:
                self.allow.setdefault(kind, Decision(True, ALLOWED, statement, name))
            else:
                self.maybe_allow.setdefault(kind, Decision(False, UNDETERMINED, statement, name, unknown))


def _scan(
    policies: Sequence[tuple[str, Any]],
    request: Request,
    *,
    resource_policy: bool,
    prefer: frozenset[str] = frozenset(),
) -> _Scan:
    scan = _Scan(prefer=prefer)
    for name, document in policies:
        parsed = parse_document(document)
        for statement in as_list((parsed or {}).get("Statement")):
            if isinstance(statement, dict):
                _scan_statement(scan, name, statement, request, resource_policy=resource_policy)
    return scan


#: Why a statement whose action and resource match may or may not name the caller, by the way it would name it.
_PRINCIPAL_UNKNOWN = {
    SESSION: "the name of the role session",
    ROLE: "whether the statement's principal is the caller's role (another spelling of its name, or NotPrincipal)",
    ACCOUNT: "which account the statement's canonical user ID names",
    ANYONE: "whether the statement's principal is the caller",
}


def _scan_statement(
    scan: _Scan, name: str, statement: dict[str, Any], request: Request, *, resource_policy: bool
) -> None:
    target, why = _target_applies(statement, request)
    if target is False:
        if scan.may_name_unmet(statement) and _only_condition_unmet(
            statement, request, resource_policy=resource_policy
        ):
            scan.unmet = (statement, name)
        return
    kinds = _principal_applies(statement, request) if resource_policy else {ROLE: True}
    for kind, principal in kinds.items():
        applies = _and(target, principal)
        if applies is not False:
            scan.record(kind, applies, statement, name, why if target is None else _PRINCIPAL_UNKNOWN[kind])


def may_apply(statement: dict[str, Any], request: Request, *, resource_policy: bool) -> bool:
    """
    Whether ``statement`` may apply to ``request``: its action, resource and ``Condition`` (and, in a resource-based
    policy, its principal) are not known not to cover it.
    """
    if _target_applies(statement, request)[0] is False:
        return False
    return not resource_policy or bool(_principal_applies(statement, request))


def _only_condition_unmet(statement: dict[str, Any], request: Request, *, resource_policy: bool) -> bool:
    """Whether an ``Allow`` would apply to the request (action, resource, principal) but for its ``Condition``."""
    if statement.get("Effect") != "Allow" or not statement.get("Condition"):
        return False
    unconditioned = {key: value for key, value in statement.items() if key != "Condition"}
    if _target_applies(unconditioned, request)[0] is not True:
        return False
    return not resource_policy or any(_principal_applies(statement, request).values())


def evaluate(
    policies: Sequence[tuple[str, dict[str, Any] | str | None]],
    request: Request,
    *,
    resource_policy: bool = False,
    direct_only: bool = False,
) -> Decision:
    """
    Evaluate one request against named policies of one kind (identity or resource-based).

    :param policies: ``(name, document)`` pairs; documents may be JSON text or ``None``.
    :param resource_policy: the documents are resource-based (their ``Principal`` must match).
    :param direct_only: count only ``Allow`` statements whose ``Principal`` names the caller itself
        (or everyone), not its account; ``Deny`` statements count as always.
    """
    scan = _scan(policies, request, resource_policy=resource_policy)
    kinds = (ROLE, SESSION, ANYONE) if direct_only else (ROLE, SESSION, ANYONE, ACCOUNT)
    if scan.deny is not None:
        return scan.deny
    allowed = scan.allows(*kinds)
    if allowed is False:
        return scan.denied(None)
    if scan.maybe_deny is not None:
        return scan.maybe_deny
    decision = scan.first(*kinds)
    assert decision is not None
    return decision


def evaluate_access(
    request: Request,
    *,
    identity_policies: Sequence[tuple[str, Any]],
    resource_policies: Sequence[tuple[str, Any]] = (),
    resource_account: str,
    resource_policy_required: bool = False,
    boundary: tuple[str, Any] | None = None,
    prefer_unmet_sids: Collection[str] = (),
) -> Decision:
    """
    Evaluate a request of a role session as AWS does across identity policies, boundary and resource policy.

    An explicit deny in any of them wins. Within the resource's account (IAM User Guide, "How AWS
    enforcement code logic evaluates requests to allow or deny access"): a resource policy naming
    the role session itself allows on its own; one naming the role's ARN (or everyone) allows, but is
    limited by an implicit deny in the role's permissions boundary; one naming only the account
    delegates to the identity policies, which must then allow, within the boundary. For S3
    (``resource_policy_required=False``) an identity policy allowing within the boundary also
    suffices in the same account. For KMS key policies and role trust policies
    (``resource_policy_required=True``) the resource policy must allow. Across accounts
    ("Cross-account policy evaluation logic") the identity side (within its boundary) and the
    resource policy must both allow.

    :param prefer_unmet_sids: for a refusal, the :attr:`Decision.unmet` to name: the first ``Allow`` with one of these
        Sids that fails only by its ``Condition`` rather than an earlier one without (a caller's own statement, whose
        Condition is the fix, before another's).
    """
    request = (
        request if request.has_boundary == (boundary is not None) else _with_boundary(request, boundary is not None)
    )
    prefer = frozenset(prefer_unmet_sids)
    identity = _scan(identity_policies, request, resource_policy=False, prefer=prefer)
    resource = _scan(resource_policies, request, resource_policy=True, prefer=prefer)
    bound = _scan([boundary], request, resource_policy=False, prefer=prefer) if boundary is not None else None
    sources = [identity, resource] + ([bound] if bound is not None else [])
    for scan in sources:
        if scan.deny is not None:
            return scan.deny

    identity_ok = identity.allows(ROLE)
    boundary_ok: Tri = True if bound is None else bound.allows(ROLE)
    same_account = account_of_arn(request.principal) == resource_account
    direct, by_role, by_account = resource.allows(SESSION), resource.allows(ROLE), resource.allows(ACCOUNT)
    by_anyone = resource.allows(ANYONE)
    resource_ok = _or(direct, by_role, by_account, by_anyone)
    parts = {SESSION: direct, ROLE: by_role, ANYONE: by_anyone, ACCOUNT: by_account}
    parts |= {_IDENTITY: identity_ok, _BOUNDARY: boundary_ok}
    combine = partial(_combine, same_account=same_account, resource_policy_required=resource_policy_required)
    result = combine(parts)

    maybe_deny = next((scan.maybe_deny for scan in sources if scan.maybe_deny is not None), None)
    if result is False:
        # Name the side that did not allow; keep a Deny that may apply, whichever policy holds it.
        if resource_ok is False and (resource_policy_required or not same_account):
            return resource.denied("resource", maybe_deny)
        if boundary_ok is False and (identity_ok is not False or by_role is not False):
            assert bound is not None
            return bound.denied("permissions boundary", maybe_deny)
        return (identity if identity.unmet is not None else resource).denied("identity", maybe_deny)
    if maybe_deny is not None:
        return maybe_deny
    if result is None:
        anyone_capped = same_account and by_anyone is True and boundary_ok is not True
        maybe = _maybe_grants(identity, resource, bound)
        grants = [maybe[part] for part in _deciding(parts, combine)]
        return _undetermined(resource, grants, anyone_capped=anyone_capped)
    return _granting(identity, resource, resource_policy_required=resource_policy_required, same_account=same_account)


#: The parts of an answer besides the resource policy's grants (by the principal kind they name): the identity
#: policies' and the permissions boundary's grants to the role.
_IDENTITY, _BOUNDARY = "identity policies", "permissions boundary"


def _combine(parts: dict[str, Tri], *, same_account: bool, resource_policy_required: bool) -> Tri:
    """
    Whether the request is allowed, from whether each part allows it: the resource policy by the kind of principal it
    names (``SESSION``, ``ROLE``, ``ANYONE``, ``ACCOUNT``), the identity policies and the permissions boundary (IAM
    User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access"; "Cross-account policy
    evaluation logic": across accounts both the identity side and the resource policy must allow).
    """
    session, role, anyone, account = parts[SESSION], parts[ROLE], parts[ANYONE], parts[ACCOUNT]
    identity, bound = parts[_IDENTITY], parts[_BOUNDARY]
    # AWS documents that a boundary limits a grant to the role's ARN and not one to the session, but not
    # which of the two a grant to everyone ("*") is: with a boundary that does not allow, it is not known.
    anyone_ok = _and(anyone, True if bound is True else None)
    if same_account and resource_policy_required:
        return _or(session, anyone_ok, _and(role, bound), _and(account, identity, bound))
    if same_account:
        return _or(session, anyone_ok, _and(role, bound), _and(identity, bound))
    return _and(identity, bound, _or(session, role, anyone, account))


def _deciding(parts: dict[str, Tri], combine: Callable[[dict[str, Tri]], Tri]) -> list[str]:
    """
    The undetermined parts an undetermined answer depends on: those whose answer changes the request's for some
    answer of the other undetermined ones (two may decide only together: in one account a grant to everyone counts
    only if the boundary allows, see :func:`_combine`). At most six parts: at most 64 answers to combine.
    """
    undecided = [part for part, value in parts.items() if value is None]
    # The answer for each assignment: bit ``index`` of ``mask`` set when ``undecided[index]`` allows.
    answers = [
        combine(parts | {part: bool(mask >> index & 1) for index, part in enumerate(undecided)})
        for mask in range(1 << len(undecided))
    ]
    return [
        part
        for index, part in enumerate(undecided)
        if any(answers[mask] != answers[mask | 1 << index] for mask in range(len(answers)) if not mask >> index & 1)
    ]


def _maybe_grants(identity: _Scan, resource: _Scan, bound: _Scan | None) -> dict[str, Decision | None]:
    """Each part's first grant that may apply (``None``: none); the parts in the order an answer names them."""
    grants = {kind: resource.maybe_allow.get(kind) for kind in (SESSION, ROLE, ANYONE, ACCOUNT)}
    grants[_IDENTITY] = identity.maybe_allow.get(ROLE)
    grants[_BOUNDARY] = None if bound is None else bound.maybe_allow.get(ROLE)
    return grants


def _undetermined(resource: _Scan, grants: Sequence[Decision | None], *, anyone_capped: bool) -> Decision:
    """
    The statement an undetermined answer depends on: a grant to everyone a boundary may limit, else a grant that may
    apply of a part the answer depends on (``grants``, in order: the resource side's, the identity's, the boundary's).
    Never a certain ``Allow``, nor a grant of a part already decided (a cross-account request the trust policy
    certainly allows depends on the identity side: "Cross-account policy evaluation logic"): it decided nothing, and
    a boundary's grants nothing at all (IAM API Reference, "PutRolePermissionsBoundary": a boundary "does not grant
    permissions").
    """
    granted = resource.allow.get(ANYONE)
    if anyone_capped and granted is not None:
        why = 'whether the permissions boundary limits a grant to everyone ("*")'
        return Decision(False, UNDETERMINED, granted.statement, granted.source, why)
    maybe = next((grant for grant in grants if grant is not None), None)
    return maybe or Decision(False, UNDETERMINED, unknown="a statement's principal or condition")


def _granting(identity: _Scan, resource: _Scan, *, resource_policy_required: bool, same_account: bool) -> Decision:
    """The statement that grants an allowed request."""
    if resource_policy_required:
        order = [resource.allow.get(kind) for kind in (SESSION, ROLE, ANYONE, ACCOUNT)]
    elif same_account:
        order = [resource.allow.get(kind) for kind in (SESSION, ROLE, ANYONE)] + [identity.allow.get(ROLE)]
    else:
        order = [identity.allow.get(ROLE)]
    for decision in order:
        if decision is not None:
            return decision
    raise AssertionError("an allowed request has an allowing statement")


def _with_boundary(request: Request, has_boundary: bool) -> Request:
    return Request(
        request.action,
        request.resource,
        request.principal,
        request.context,
        request.known_absent,
        request.session_known,
        has_boundary,
    )
