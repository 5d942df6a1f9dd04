"""
A local evaluator of IAM policy logic, for checking the links of the chain without AWS's simulator.

Pure: standard library only. It follows AWS's evaluation logic for the policy features this chain
meets: an explicit ``Deny`` wins, else an ``Allow`` is needed; ``Action``/``NotAction``,
``Resource``/``NotResource`` and ``Principal``/``NotPrincipal`` with ``*`` and ``?`` wildcards
(actions case-insensitively); condition operators on strings, ARNs, booleans and numbers, with
``IfExists``, ``Null`` and the ``ForAnyValue:``/``ForAllValues:`` set qualifiers. Policy variables
(``${aws:username}``) are not expanded. A statement with a condition operator the evaluator does
not know is treated cautiously: such an ``Allow`` does not apply, such a ``Deny`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.policies.documents import as_list
from airflow_provider_emrfs_xacct.policies.merge import parse_document

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitly denied"
IMPLICIT_DENY = "not allowed by any statement"


@dataclass(frozen=True)
class Request:
    """
    One API request to evaluate.

    :param action: e.g. ``s3:PutObject``.
    :param resource: the ARN acted on.
    :param principal: the caller's ARN (a role ARN for an assumed-role session); needed for
        resource-based policies (trust, bucket and key policies).
    :param context: condition keys and their values, e.g. ``{"s3:prefix": "out/"}``.
    """

    action: str
    resource: str
    principal: str = ""
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """The outcome: allowed or not, why, and the statement that decided it (with the policy's name)."""

    allowed: bool
    reason: str
    statement: dict[str, Any] | None = None
    source: str | None = None


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Return whether ``value`` matches an IAM pattern with ``*`` and ``?`` wildcards."""
    return bool(_pattern(pattern, ignore_case).match(value))


def _matches_any(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    return any(wildcard_match(str(pattern), value, ignore_case=ignore_case) for pattern in as_list(patterns))


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def principal_matches(principal: Any, caller: str) -> bool:
    """
    Return whether a ``Principal`` element names the caller.

    ``*`` matches anyone; an account (``123456789012`` or ``arn:aws:iam::123456789012:root``)
    matches every principal of that account (which then still needs its own identity policy).
    """
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in as_list(principal.get("AWS")):
        value = str(value)
        if value == "*" or value == caller:
            return True
        if re.fullmatch(r"\d{12}", value) and value == _account_of(caller):
            return True
        if value.endswith(":root") and _account_of(value) == _account_of(caller):
            return True
    return False


# Conditions -----------------------------------------------------------------------------------

_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NumericNotEquals",
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
}
_QUALIFIERS = ("", "ForAnyValue", "ForAllValues")


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    """Return the context's value of ``key``: condition key names are not case-sensitive."""
    if key in context:
        return context[key]
    lowered = key.lower()
    return next((value for name, value in context.items() if name.lower() == lowered), None)


def _compare(base: str, wanted: str, actual: str) -> bool | None:
    if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        return actual == wanted
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.lower() == wanted.lower()
    if base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        return wildcard_match(wanted, actual)
    if base == "Bool":
        return actual.lower() == wanted.lower()
    if base.startswith("Numeric"):
        try:
            left, right = float(actual), float(wanted)
        except ValueError:
            return False
        return {
            "NumericEquals": left == right,
            "NumericNotEquals": left == right,
            "NumericLessThan": left < right,
            "NumericLessThanEquals": left <= right,
            "NumericGreaterThan": left > right,
            "NumericGreaterThanEquals": left >= right,
        }.get(base)
    return None  # an operator this evaluator does not know


def condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, Any]) -> bool | None:
    """Return whether one condition (operator, key, values) holds; ``None`` when the operator is unknown."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    value = _lookup(context, key)
    present = value is not None
    if qualifier not in _QUALIFIERS:
        return None
    if base == "Null" and not if_exists:
        return any(str(item).lower() == ("false" if present else "true") for item in as_list(wanted))
    if base not in _KNOWN:
        return None  # unknown, whether or not the key is there
    if not present:
        if if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False  # no request value, so none that matches (negated operators included)
        return base in _NEGATED
    actual_values = [str(item) for item in as_list(value)]
    wanted_values = [str(value) for value in as_list(wanted)]
    negated = base in _NEGATED

    def one(actual: str) -> bool | None:
        results = [_compare(base, value, actual) for value in wanted_values]
        if any(result is None for result in results):
            return None
        matched = any(results)
        return not matched if negated else matched

    outcomes = [one(actual) for actual in actual_values]
    if any(outcome is None for outcome in outcomes):
        return None
    if qualifier == "ForAllValues":
        return all(outcomes)
    return any(outcomes)


def conditions_hold(conditions: Any, context: Mapping[str, Any]) -> bool | None:
    """Return whether every condition of a statement holds (``None``: an unknown operator)."""
    if not conditions:
        return True
    if not isinstance(conditions, dict):
        return None
    unknown = False
    for operator, pairs in conditions.items():
        if not isinstance(pairs, dict):
            return None
        for key, wanted in pairs.items():
            result = condition_holds(operator, key, wanted, context)
            if result is None:
                unknown = True
            elif not result:
                return False
    return None if unknown else True


# Statements and policies ----------------------------------------------------------------------


def statement_applies(statement: dict[str, Any], request: Request, *, resource_policy: bool) -> bool | None:
    """Return whether a statement covers the request (``None``: it depends on an unknown condition)."""
    if resource_policy:
        if "Principal" in statement and not principal_matches(statement["Principal"], request.principal):
            return False
        if "NotPrincipal" in statement and principal_matches(statement["NotPrincipal"], request.principal):
            return False
    if "Action" in statement and not _matches_any(statement["Action"], request.action, ignore_case=True):
        return False
    if "NotAction" in statement and _matches_any(statement["NotAction"], request.action, ignore_case=True):
        return False
    if "Resource" in statement and not _matches_any(statement["Resource"], request.resource):
        return False
    if "NotResource" in statement and _matches_any(statement["NotResource"], request.resource):
        return False
    return conditions_hold(statement.get("Condition"), request.context)


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
    allow: Decision | None = None
    for name, document in policies:
        parsed = parse_document(document)
        for statement in as_list((parsed or {}).get("Statement")):
            if not isinstance(statement, dict):
                continue
            applies = statement_applies(statement, request, resource_policy=resource_policy)
            effect = statement.get("Effect")
            if effect == "Deny" and applies is not False:
                return Decision(False, EXPLICIT_DENY, statement, name)
            if effect == "Allow" and applies is True and allow is None:
                if direct_only and not names_principal_directly(statement.get("Principal"), request.principal):
                    continue
                allow = Decision(True, ALLOWED, statement, name)
    return allow or Decision(False, IMPLICIT_DENY)


def names_principal_directly(principal: Any, caller: str) -> bool:
    """Return whether a ``Principal`` element names the caller's own ARN or everyone (``*``), not its account."""
    if principal == "*":
        return True
    return isinstance(principal, dict) and bool({caller, "*"} & {str(value) for value in as_list(principal.get("AWS"))})


def evaluate_access(
    request: Request,
    *,
    identity_policies: Sequence[tuple[str, Any]],
    resource_policies: Sequence[tuple[str, Any]] = (),
    resource_account: str,
    resource_policy_required: bool = False,
) -> Decision:
    """
    Evaluate a request as AWS does across the caller's identity policies and the resource's policy.

    An explicit deny in either wins. Within the resource's account, a resource policy naming the
    caller itself (or everyone) allows on its own; one naming only the caller's account delegates to
    the identity policies, which must then allow. For S3 (``resource_policy_required=False``):
    within the bucket's account an allow in the identity policies also suffices; across accounts
    both must allow. For KMS key policies and role trust policies (``resource_policy_required=True``)
    the resource policy must allow, and unless it names the caller itself in the same account, the
    identity policies must allow too.
    """
    identity = evaluate(identity_policies, request)
    resource = evaluate(resource_policies, request, resource_policy=True)
    for decision in (identity, resource):
        if decision.reason == EXPLICIT_DENY:
            return decision
    same_account = _account_of(request.principal) == resource_account
    if same_account:
        direct = evaluate(resource_policies, request, resource_policy=True, direct_only=True)
        if direct.allowed:
            return direct
    if resource_policy_required:
        if not resource.allowed:
            return resource
        return identity if not identity.allowed else resource
    if same_account:
        return identity
    return identity if not identity.allowed else resource if not resource.allowed else identity
