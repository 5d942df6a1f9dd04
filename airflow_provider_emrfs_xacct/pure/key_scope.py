"""
Which of the keys under a prefix a policy statement names: every one, none, or only some.

The verifier judges each object request of a write on one key of its table (``pure/requests.py``), but a job writes
keys that table does not know (Spark's ``part-00000-<uuid>-c000.csv``, ``partitionBy``'s ``k=v/`` folders). A
statement applies only to the resources its ``Resource``/``NotResource`` names (IAM User Guide, "IAM JSON policy
elements: Resource"; "Policy evaluation logic"), and a ``Condition`` on ``kms:EncryptionContext:aws:s3:arn`` only to
the calls whose encryption context it matches (AWS KMS Developer Guide, "AWS KMS condition keys"), which without an S3
Bucket Key is each object's ARN (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)";
"Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys"). A statement that names some keys under the prefix and not
others decides the judged key only; one that names every key there or none decides them all alike. An ``Allow`` of
some keys only decides none beside another ``Allow`` of its side that grants the request for every key alike.

The sets are compared exactly, as IAM matches: in ``Resource``, ``*`` is any run of characters and ``?`` one
character, within an ARN segment unless the ``*`` ends one ("IAM JSON policy elements: Resource"); in ``StringLike``
the same over the whole value, case-sensitively ("IAM JSON policy elements: Condition operators"); ``StringEquals``
compares the text exactly, ``StringEqualsIgnoreCase`` in any case, ``ArnLike``/``ArnEquals`` each of the six
colon-separated components on its own.

Pure: standard library and the provider's pure modules only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.evaluator import (
    ROLE,
    Request,
    _principal_applies,
    _target_applies,
    may_apply,
    wildcard_match,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import parse_document

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

#: How a pattern names a set of keys.
ALL, NONE, SOME = "all", "none", "some"
#: The condition key of the encryption context S3 passes to KMS (lower case: condition key names match in any case).
S3_ARN_CONTEXT = "kms:encryptioncontext:aws:s3:arn"
#: The condition key of a listing's ``prefix`` parameter (lower case, as :data:`S3_ARN_CONTEXT`).
S3_PREFIX = "s3:prefix"
#: How many sets of pattern positions one analysis may explore before it answers "not known".
_LIMIT = 20000
#: A policy to read: its name (as a link names it), its document, and whether it is resource-based (its ``Principal``
#: must name the caller).
Policy = tuple[str, Any, bool]


@dataclass(frozen=True)
class Keys:
    """Object ARNs: every ARN that starts with ``start`` (the keys under a prefix), or ``start`` alone (``exact``)."""

    start: str
    exact: bool = False


@dataclass(frozen=True)
class _Token:
    """One character of a pattern: a literal (``char``), or a wildcard (``char`` ``None``)."""

    char: str | None
    star: bool = False
    #: A wildcard that may match ``:`` (not one inside an ARN segment).
    colon: bool = True


_Tokens = tuple[_Token, ...]
_States = frozenset[tuple[int, int]]


def _tokens(pattern: str, *, segments: bool, literal: bool, ignore_case: bool) -> _Tokens:
    """
    A pattern's tokens. ``segments``: as a ``Resource`` ARN, where a wildcard stays within its segment unless it is a
    ``*`` that ends one; ``literal``: no wildcards (``StringEquals``).
    """
    tokens = []
    for index, char in enumerate(pattern):
        if literal or char not in "*?":
            tokens.append(_Token(char.lower() if ignore_case else char))
            continue
        ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
        tokens.append(_Token(None, star=char == "*", colon=not segments or (char == "*" and ends_segment)))
    return tuple(tokens)


def _closure(patterns: tuple[_Tokens, ...], states: set[tuple[int, int]]) -> _States:
    """``states`` with every position a ``*`` may be skipped to (it matches the empty run too)."""
    found, stack = set(states), list(states)
    while stack:
        index, position = stack.pop()
        tokens = patterns[index]
        if position < len(tokens) and tokens[position].star and (index, position + 1) not in found:
            found.add((index, position + 1))
            stack.append((index, position + 1))
    return frozenset(found)


def _step(patterns: tuple[_Tokens, ...], states: _States, char: str) -> _States:
    """The positions reached from ``states`` by one more character."""
    moved = set()
    for index, position in states:
        if position == len(patterns[index]):
            continue
        token = patterns[index][position]
        if token.char is not None:
            if token.char == char:
                moved.add((index, position + 1))
        elif token.colon or char != ":":
            moved.add((index, position) if token.star else (index, position + 1))
    return _closure(patterns, moved)


def _accepts(patterns: tuple[_Tokens, ...], states: _States) -> bool:
    return any(position == len(patterns[index]) for index, position in states)


def _other(alphabet: set[str]) -> str:
    """A character none of the patterns names, standing for every such character."""
    return next(chr(code) for code in range(1, 0x110000) if chr(code) not in alphabet)


def _continuations(patterns: tuple[_Tokens, ...], states: _States) -> str | None:
    """Whether every continuation (the empty one too) takes ``states`` to a match, none does, or only some."""
    alphabet = {token.char for tokens in patterns for token in tokens if token.char is not None} | {":"}
    alphabet.add(_other(alphabet))
    seen, queue, accepted = {states}, [states], set()
    while queue:
        current = queue.pop()
        accepted.add(_accepts(patterns, current))
        if len(accepted) == 2:
            return SOME
        for char in alphabet:
            following = _step(patterns, current, char)
            if following not in seen:
                if len(seen) >= _LIMIT:
                    return None
                seen.add(following)
                queue.append(following)
    return ALL if accepted == {True} else NONE


def keys_named(
    patterns: Iterable[Any], keys: Keys, *, segments: bool = False, literal: bool = False, ignore_case: bool = False
) -> str | None:
    """
    Whether ``patterns`` (a match of any one of them) name every string of ``keys``, none, or only some: :data:`ALL`,
    :data:`NONE` or :data:`SOME`; ``None``: not known (a policy variable, which is not expanded, or patterns too
    intricate to explore).

    :param segments: match as a ``Resource`` ARN (:func:`_tokens`).
    :param literal: no wildcards (``StringEquals``).
    :param ignore_case: match in any case (``StringEqualsIgnoreCase``).
    """
    texts = [_text(pattern) for pattern in patterns]
    if any("${" in text for text in texts):
        return None
    tokens = tuple(_tokens(text, segments=segments, literal=literal, ignore_case=ignore_case) for text in texts)
    states = _closure(tokens, {(index, 0) for index in range(len(tokens))})
    for char in keys.start.lower() if ignore_case else keys.start:
        states = _step(tokens, states, char)
    if keys.exact:
        return ALL if _accepts(tokens, states) else NONE
    return _continuations(tokens, states)


def decides_keys_alike(pattern: str, prefix: str) -> bool | None:
    """
    Whether ``pattern`` (``*`` any run of characters, ``?`` one character, case-sensitive) matches every string that
    starts with ``prefix`` or none of them (``True``), or some of them only (``False``); ``None``: not known.
    """
    named = keys_named([pattern], Keys(prefix))
    return None if named is None else named != SOME


def resources_named(patterns: Any, keys: Keys) -> str | None:
    """
    How a ``Resource`` (or ``NotResource``) list names ``keys``, as the evaluator matches it: over the whole ARN and
    within ARN segments alike (``evaluator._resource_covered``); where the two readings differ, not known.
    """
    texts = [_text(pattern) for pattern in as_list(patterns)]
    whole = keys_named(texts, keys)
    return whole if whole == keys_named(texts, keys, segments=True) else None


def _text(value: Any) -> str:
    """A policy value as the text IAM compares (a JSON ``true``/``false`` as ``"true"``/``"false"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_STRING_READINGS = {
    "StringLike": {},
    "StringNotLike": {},
    "StringEquals": {"literal": True},
    "StringNotEquals": {"literal": True},
    "StringEqualsIgnoreCase": {"literal": True, "ignore_case": True},
    "StringNotEqualsIgnoreCase": {"literal": True, "ignore_case": True},
}
_ARN_OPERATORS = frozenset({"ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"})


def condition_named(operator: str, values: Any, keys: Keys) -> str | None:
    """
    How one condition (``operator`` and its ``values``) on a key whose value names the object (its ARN, or a listing's
    prefix) names ``keys``: its negation names them as alike as it does. ``Null`` names them all alike (the key is
    there for each object, and for each listing under the prefix). Another operator (or an unknown set qualifier): not
    known.
    """
    qualifier, _, base = str(operator).rpartition(":")
    base = base.removesuffix("IfExists")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return None
    if base == "Null":
        return ALL
    texts = [_text(value) for value in as_list(values)]
    if base in _STRING_READINGS:
        return keys_named(texts, keys, **_STRING_READINGS[base])
    if base in _ARN_OPERATORS:
        return _arns_named(texts, keys)
    return None


def _arns_named(texts: list[str], keys: Keys) -> str | None:
    """
    ``ArnLike``/``ArnEquals``: each of the six colon-separated components matched on its own (IAM User Guide,
    "IAM JSON policy elements: Condition operators"); the keys differ in the last one only.
    """
    if any("${" in text for text in texts):
        return None
    actual = keys.start.split(":", 5)
    if len(actual) != 6:
        return None
    tails = []
    for text in texts:
        wanted = text.split(":", 5)
        if len(wanted) == 6 and all(wildcard_match(w, a) for w, a in zip(wanted[:5], actual[:5], strict=True)):
            tails.append(wanted[5])
    return keys_named(tails, Keys(actual[5], keys.exact))


def alike(keys: Sequence[Keys], named: Callable[..., str | None], *arguments: Any) -> bool:
    """Whether ``named(*arguments, each)`` names each of ``keys`` wholly, and all of them the same way."""
    found = {named(*arguments, each) for each in keys}
    return len(found) == 1 and found <= {ALL, NONE}


@dataclass(frozen=True)
class Telling:
    """A statement that may decide some of the keys otherwise than others: its policy, its place and what tells."""

    source: str
    #: Its position in the policy's ``Statement`` list (from 0; ``-1``: the policy does not parse).
    index: int
    statement: dict[str, Any]
    what: str

    def describe(self) -> str:
        """The statement by its ``Sid`` or position, its policy and what tells the keys apart."""
        if self.index < 0:
            return f"the {self.source} ({self.what})"
        sid = self.statement.get("Sid")
        name = f"statement {sid!r}" if sid else f"Statement[{self.index}]"
        return f"{name} of the {self.source} ({self.what})"


def first_telling(
    policies: Sequence[Policy],
    request: Request,
    keys: Sequence[Keys],
    *,
    by_context: bool = False,
    by_condition: str = "",
    boundary: str = "",
) -> Telling | None:
    """
    The first statement of ``policies`` that may decide ``request`` for some object and names the sets ``keys``
    otherwise than all alike (:func:`alike`): by its ``Resource``/``NotResource``, (``by_context``) by a
    ``Condition`` on ``kms:EncryptionContext:aws:s3:arn``, or by a ``Condition`` on the key ``by_condition`` (lower
    case; :data:`S3_PREFIX` for a listing). ``None``: every statement decides them alike. A policy that does not parse
    is taken to tell them apart.

    Whether a statement may decide the request is judged with what tells the keys apart left out (its resources, or
    its condition on that key): the request's action, principal and other conditions. An ``Allow`` beside another of
    its side that grants the request for every key alike decides none (:func:`_granted_anyway`).

    :param boundary: the name, among ``policies``, of the role's permissions boundary (a side of its own).
    """
    condition_key = S3_ARN_CONTEXT if by_context else by_condition
    scope = _Scope(policies, request, tuple(keys), condition_key, boundary)
    for source, document, resource_policy in policies:
        try:
            parsed = parse_document(document)
        except (ConflictError, ValueError):
            return Telling(source, -1, {}, "it does not parse")
        statements = as_list(parsed.get("Statement")) if isinstance(parsed, dict) else []
        for index, statement in enumerate(statements):
            if not isinstance(statement, dict):
                continue
            if condition_key:
                what = _condition_telling(statement, request, keys, resource_policy, condition_key)
            else:
                what = _resource_telling(statement, request, keys, resource_policy)
            if what and not _granted_anyway(scope, (source, resource_policy, index), statement):
                return Telling(source, index, statement, what)
    return None


@dataclass(frozen=True)
class _Scope:
    """What :func:`first_telling` judges: the policies, the request, the sets of keys and what tells them apart."""

    policies: Sequence[Policy]
    request: Request
    keys: tuple[Keys, ...]
    #: The condition key that tells the keys apart (lower case), or ``""``: the ``Resource``.
    condition_key: str
    #: The name of the permissions boundary among the policies (``""``: none).
    boundary: str

    def side(self, source: str, resource_policy: bool) -> tuple[bool, str]:
        """
        The policies that grant together: a resource-based policy alone (the bucket's, the key's, an endpoint's), the
        permissions boundary alone, the role's identity policies together.
        """
        return resource_policy, source if resource_policy or source == self.boundary else ""


def _granted_anyway(scope: _Scope, place: tuple[str, bool, int], statement: dict[str, Any]) -> bool:
    """
    Whether ``statement`` (at ``place``: its policy's name, whether it is resource-based, its index) is an ``Allow``
    that decides no key otherwise than the rest of its side does: another ``Allow`` there applies to the request for
    certain, by every principal kind ``statement`` may (:func:`_certain_kinds`), and names every key alike, so the
    side allows every key with or without ``statement``. A request is allowed where an ``Allow`` applies and no
    ``Deny`` does (IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access"; within
    one account "at least one Allow": "Policy evaluation for requests within a single account"); a ``Deny`` of some
    keys only still decides them.
    """
    if statement.get("Effect") != "Allow":
        return False
    source, resource_policy, index = place
    needed = set(_principal_applies(statement, scope.request)) if resource_policy else {ROLE}
    side = scope.side(source, resource_policy)
    for other_source, document, other_resource_policy in scope.policies:
        if scope.side(other_source, other_resource_policy) != side:
            continue
        try:
            parsed = parse_document(document)
        except (ConflictError, ValueError):
            continue
        statements = as_list(parsed.get("Statement")) if isinstance(parsed, dict) else []
        for at, other in enumerate(statements):
            if (other_source, at) == (source, index) or not isinstance(other, dict) or other.get("Effect") != "Allow":
                continue
            if needed <= _certain_kinds(other, scope.request, resource_policy) and _names_alike(other, scope):
                return True
    return False


def _certain_kinds(statement: dict[str, Any], request: Request, resource_policy: bool) -> set[str]:
    """By which principal kinds ``statement`` applies to ``request`` for certain (none where it may not)."""
    if _target_applies(statement, request)[0] is not True:
        return set()
    if not resource_policy:
        return {ROLE}
    return {kind for kind, applies in _principal_applies(statement, request).items() if applies is True}


def _names_alike(statement: dict[str, Any], scope: _Scope) -> bool:
    """Whether ``statement`` names every set of ``scope.keys`` alike, by what tells them apart."""
    if not scope.condition_key:
        element = next((name for name in ("Resource", "NotResource") if name in statement), "")
        return bool(element) and alike(scope.keys, resources_named, statement[element])
    condition = statement.get("Condition")
    pairs = [
        (operator, values)
        for operator, tests in (condition.items() if isinstance(condition, dict) else [])
        if isinstance(tests, dict)
        for key, values in tests.items()
        if str(key).lower() == scope.condition_key
    ]
    return all(alike(scope.keys, condition_named, operator, values) for operator, values in pairs)


def _resource_telling(statement: dict[str, Any], request: Request, keys: Sequence[Keys], resource_policy: bool) -> str:
    """What of ``statement`` names ``keys`` otherwise than alike, for a request it may decide (``""``: nothing)."""
    element = next((name for name in ("Resource", "NotResource") if name in statement), "")
    if not element:
        return ""
    unscoped = {name: value for name, value in statement.items() if name not in ("Resource", "NotResource")}
    if not may_apply(unscoped, request, resource_policy=resource_policy):
        return ""
    patterns = statement[element]
    if alike(keys, resources_named, patterns):
        return ""
    return f"its {element} {json.dumps(patterns)}"


def _condition_telling(
    statement: dict[str, Any], request: Request, keys: Sequence[Keys], resource_policy: bool, condition_key: str
) -> str:
    """
    What ``Condition`` on ``condition_key`` (the object's ARN in the encryption context, or a listing's prefix) names
    ``keys`` otherwise than alike (or ``""``).
    """
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return ""
    tests = [
        (operator, key, values)
        for operator, pairs in condition.items()
        if isinstance(pairs, dict)
        for key, values in pairs.items()
        if str(key).lower() == condition_key
    ]
    if not tests:
        return ""
    rest = {
        operator: {key: values for key, values in pairs.items() if str(key).lower() != condition_key}
        if isinstance(pairs, dict)
        else pairs
        for operator, pairs in condition.items()
    }
    others = {operator: pairs for operator, pairs in rest.items() if pairs != {}}
    if not may_apply({**statement, "Condition": others}, request, resource_policy=resource_policy):
        return ""
    for operator, key, values in tests:
        if not alike(keys, condition_named, operator, values):
            return f"its Condition {operator} on {key} {json.dumps(values)}"
    return ""
