"""
AWS's server-side validation of request shapes, played before a request leaves botocore: :func:`install`.

AWS checks every request against the operation's input shape on the server: string and list lengths
(``max`` and ``min``), ``pattern`` and ``enum`` (e.g. IAM API Reference, "CreateRole": ``RoleName``
"Length Constraints: Minimum length of 1. Maximum length of 64.", "Pattern: [\\w+=,.@-]+"), and
refuses a request that breaks one with HTTP 400, changing nothing: "ValidationError: The input fails
to satisfy the constraints specified by an AWS service" (IAM API Reference, "Common Errors"). IAM and
STS (query protocol) answer that code; KMS and EMR (JSON protocol) answer ``ValidationException``,
the ``__type`` their answers carry. The message is not documented; this judge writes it as IAM's
answers read ("1 validation error detected: Value '...' at 'roleName' failed to satisfy constraint:
Member must have length less than or equal to 64"). botocore checks only required members, types and ``min``
(``botocore.validate.ParamValidator``); moto checks almost nothing. This judge reads the same
constraints from botocore's own service models, walks the request's parameters through the input
shape, and raises the service's validation error as a ``ClientError`` in place of sending the request.
The per-shape rules are built once per process, on an operation's first call (:func:`_input_rules`).

Patterns are Java regular expressions matched against the whole value (``String.matches``):
``\\w`` and ``\\d`` are ASCII, ``\\p{L}``-style classes are Unicode general categories (built from
:mod:`unicodedata` on first use), and a ``\\uD800\\uDC00``-style surrogate pair is the character it
encodes. Lengths count characters (UTF-16 code units for Java; characters here, the same below
U+10000), blobs count bytes.

Standard library and botocore only: ``devstack.testing.share_botocore_loader`` copies this file into
a test ``AIRFLOW_HOME``, whose Airflow processes cannot import ``devstack``.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import botocore.client

#: The error code each protocol's services answer a constraint broken with. IAM and STS (query):
#: ``ValidationError``; KMS and EMR (JSON): ``ValidationException``. S3 and EC2 check few members
#: in their models; their codes here (``InvalidArgument``, ``InvalidParameterValue``, their common
#: errors for an invalid argument) are this judge's choice.
VALIDATION_CODES = {
    "query": "ValidationError",
    "json": "ValidationException",
    "rest-json": "ValidationException",
    "rest-xml": "InvalidArgument",
    "ec2": "InvalidParameterValue",
}
#: The protocols whose services refuse a value outside a member's ``enum``. Not S3 (``rest-xml``):
#: its model's enums are not what it accepts (``PutBucketAcl``'s ``ACL`` lists no
#: ``log-delivery-write``, a canned ACL for buckets in the Amazon S3 User Guide, "Access control list
#: (ACL) overview", "Canned ACL"); nor EC2, whose enums this judge has no source for.
ENUMS_CHECKED = frozenset({"query", "json", "rest-json"})
#: How much of a refused value the message shows.
_SHOWN = 120


@functools.cache
def _categories() -> dict[str, list[list[int]]]:
    """Every Unicode general category (``Lu``, ``Zs`` ...) as ranges of code points: one pass, on first use."""
    ranges: dict[str, list[list[int]]] = {}
    start, current = 0, unicodedata.category("\0")
    for code, category in enumerate(map(unicodedata.category, map(chr, range(sys.maxunicode + 1)))):
        if category != current:
            ranges.setdefault(current, []).append([start, code - 1])
            start, current = code, category
    ranges.setdefault(current, []).append([start, sys.maxunicode])
    return ranges


def _category_class(category: str) -> str:
    """The characters of a Unicode general category (``L``, ``Lu`` ...) as ranges for a ``[...]`` class."""
    return "".join(
        re.escape(chr(low)) + ("-" + re.escape(chr(high)) if high > low else "")
        for name, ranges in sorted(_categories().items())
        if name.startswith(category)
        for low, high in ranges
    )


_SURROGATE_PAIR = re.compile(r"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", re.I)
#: A pattern's pieces: an escape (``\\p{L}``, ``\\u0020``, ``\\w``), a class bracket, or one character.
_PIECE = re.compile(r"\\p\{\w+\}|\\.|.", re.S)


@functools.cache
def java_pattern(pattern: str) -> re.Pattern[str]:
    """Translate a Java regular expression of a service model into Python's ``re``, ASCII like Java's."""

    def pair(match: re.Match[str]) -> str:
        high, low = int(match[1], 16), int(match[2], 16)
        return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"

    pieces, in_class = [], False
    for piece in _PIECE.findall(_SURROGATE_PAIR.sub(pair, pattern)):
        if piece.startswith("\\p{"):
            ranges = _category_class(piece[3:-1])
            piece = ranges if in_class else f"[{ranges}]"
        elif piece == "[":
            in_class = True
        elif piece == "]":
            in_class = False
        pieces.append(piece)
    return re.compile("".join(pieces), re.ASCII)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


@dataclass(frozen=True)
class _Rule:
    """The constraints of one shape, and the shapes of its parts by name (members, list member, map key and value)."""

    kind: str
    least: int | None
    most: int | None
    pattern: str | None
    enum: frozenset[str] | None
    #: ``(member name, its name in messages, its shape's name)``; a list's member and a map's key and value too.
    parts: tuple[tuple[str, str, str], ...]


def _add_rules(shape: Any, rules: dict[str, _Rule], enums: bool) -> None:
    """Add the rule of ``shape`` and of every shape under it to ``rules`` (by shape name; once each)."""
    if shape.name in rules:
        return
    kind = shape.type_name
    parts: dict[str, Any] = {}
    if kind == "structure":
        parts = dict(shape.members)
    elif kind == "list":
        parts = {"member": shape.member}
    elif kind == "map":
        parts = {"key": shape.key, "value": shape.value}
    pattern = shape.metadata.get("pattern") if kind == "string" else None
    if pattern:
        java_pattern(pattern)  # compiled now, once
    rules[shape.name] = _Rule(
        kind=kind,
        least=shape.metadata.get("min"),
        most=shape.metadata.get("max"),
        pattern=pattern,
        enum=frozenset(shape.enum) if enums and kind == "string" and shape.enum else None,
        parts=tuple((name, name[:1].lower() + name[1:], part.name) for name, part in parts.items()),
    )
    for part in parts.values():
        _add_rules(part, rules, enums)


def _size(rule: _Rule, value: Any) -> Any:
    """What ``min`` and ``max`` bound: a string's characters, a blob's bytes, a list's items, a number itself."""
    if rule.kind in ("string", "list", "map"):
        return len(value)
    if rule.kind == "blob":  # a file-like body (PutObject's, streamed) is not measured
        return (
            len(value.encode() if isinstance(value, str) else value)
            if isinstance(value, (str, bytes, bytearray))
            else None
        )
    return value if rule.kind in ("integer", "long", "float", "double") else None


def _broken(rule: _Rule, value: Any) -> list[str]:
    """The constraints of ``rule`` that ``value`` itself breaks (its parts aside), as AWS words them."""
    size = _size(rule, value)
    what = "value" if rule.kind in ("integer", "long", "float", "double") else "length"
    broken = []
    if size is not None and rule.most is not None and size > rule.most:
        broken.append(f"Member must have {what} less than or equal to {rule.most}")
    if size is not None and rule.least is not None and size < rule.least:
        broken.append(f"Member must have {what} greater than or equal to {rule.least}")
    if rule.pattern and isinstance(value, str) and not java_pattern(rule.pattern).fullmatch(value):
        broken.append(f"Member must satisfy regular expression pattern: {rule.pattern}")
    if rule.enum is not None and value not in rule.enum:
        broken.append(f"Member must satisfy enum value set: [{', '.join(sorted(rule.enum))}]")
    return broken


def _walk(rules: dict[str, _Rule], name: str, value: Any, path: str, problems: list[tuple[str, Any, str]]) -> None:
    """Add to ``problems`` each ``(member path, value, constraint)`` that ``value`` (of shape ``name``) breaks."""
    rule = rules[name]
    problems.extend((path, value, constraint) for constraint in _broken(rule, value))
    if rule.kind == "structure":
        for member, shown, part in rule.parts:
            if value.get(member) is not None:
                _walk(rules, part, value[member], f"{path}.{shown}" if path else shown, problems)
    elif rule.kind == "list":
        for index, item in enumerate(value, 1):
            _walk(rules, rule.parts[0][2], item, f"{path}.{index}.member", problems)
    elif rule.kind == "map":
        for key, item in value.items():
            _walk(rules, rule.parts[0][2], key, f"{path}.key", problems)
            _walk(rules, rule.parts[1][2], item, f"{path}.{key}", problems)


#: Per service model (name, API version, whether enums are checked): its shapes' rules by shape name.
_RULES: dict[tuple[str, str, bool], dict[str, _Rule]] = {}
#: Per operation: the rules of its service and its input shape's name (``None``: no input), built on first use.
_OPERATIONS: dict[tuple[str, str, str], tuple[dict[str, _Rule], str] | None] = {}
_BUILDING = threading.Lock()


def _input_rules(operation_model: Any) -> tuple[dict[str, _Rule], str] | None:
    """The rules of the operation's input, built on first use (under a lock: clients run in many threads)."""
    service = operation_model.service_model
    key = (service.service_name, service.api_version, operation_model.name)
    if key not in _OPERATIONS:
        with _BUILDING:
            if key not in _OPERATIONS:
                shape = operation_model.input_shape
                enums = service.protocol in ENUMS_CHECKED
                rules = _RULES.setdefault((*key[:2], enums), {})
                if shape is not None:
                    _add_rules(shape, rules, enums)
                _OPERATIONS[key] = (rules, shape.name) if shape is not None else None
    return _OPERATIONS[key]


def problems_of(operation_model: Any, params: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """The constraints of ``operation_model``'s input shape that ``params`` break, each ``(member path, value, constraint)``."""
    found = _input_rules(operation_model)
    problems: list[tuple[str, Any, str]] = []
    if found is not None:
        rules, name = found
        _walk(rules, name, params, "", problems)
    return problems


def refusal(operation_model: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """The error answer AWS would give ``params`` (a parsed error response), or ``None`` when they pass."""
    problems = problems_of(operation_model, params)
    if not problems:
        return None
    count = len(problems)
    detail = "; ".join(
        f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: {constraint}"
        for path, value, constraint in problems
    )
    code = VALIDATION_CODES.get(operation_model.service_model.protocol, "ValidationException")
    message = f"{count} validation error{'s' if count > 1 else ''} detected: {detail}"
    return {"Error": {"Code": code, "Message": message, "Type": "Sender"}, "ResponseMetadata": {"HTTPStatusCode": 400}}


# botocore-stubs do not declare this private method; it exists in every botocore release.
_CONVERT = botocore.client.BaseClient._convert_to_request_dict  # type: ignore[attr-defined]


def _judged_convert_to_request_dict(self: Any, api_params: Any, operation_model: Any, *args: Any, **kwargs: Any) -> Any:
    request = _CONVERT(self, api_params, operation_model, *args, **kwargs)  # botocore's own validation first
    answer = refusal(operation_model, api_params)
    if answer is not None:
        raise self.exceptions.from_code(answer["Error"]["Code"])(answer, operation_model.name)
    return request


_judged_convert_to_request_dict.judges_shapes = True  # type: ignore[attr-defined]


def install() -> None:
    """
    Judge every request of every botocore client of the process (idempotent).

    ``BaseClient._convert_to_request_dict`` serialises a request's parameters (after botocore's own
    validation and the handlers that add parameters) once per API call, before signing and sending.
    """
    if not getattr(botocore.client.BaseClient._convert_to_request_dict, "judges_shapes", False):  # type: ignore[attr-defined]
        botocore.client.BaseClient._convert_to_request_dict = _judged_convert_to_request_dict  # type: ignore[attr-defined]
