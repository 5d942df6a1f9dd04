"""
What JSON can hold, for the values the provider sends to AWS as JSON text as they are given.

Pure: standard library only. The security configuration is "The security configuration details in JSON format"
(Amazon EMR API Reference, CreateSecurityConfiguration, ``SecurityConfiguration``); its ``base_configuration`` is
kept as the user gives it, so what JSON has no value for is refused before any call, naming its place.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

if TYPE_CHECKING:
    from collections.abc import Callable


def python_kind(value: Any) -> str:
    """What ``value`` is, in a DAG author's words."""
    if isinstance(value, (datetime.date, datetime.time)):
        return f"a {type(value).__name__} ({value.isoformat()})"
    if isinstance(value, (bool, int, float, type(None))):  # as a key
        kind = "true or false" if isinstance(value, bool) else "null" if value is None else "a number"
        return f"{kind} ({value!r})"
    kinds: dict[type, str] = {bytes: "bytes", set: "a set", frozenset: "a set", tuple: "a tuple"}
    return kinds.get(type(value), f"a {type(value).__name__}")


@dataclass(frozen=True)
class ValueSource:
    """How the values were written, for the words of a refusal."""

    #: the words before the kind of a key that is no string ("that is", "YAML read as").
    key_read_as: str
    #: what a value is, in the writer's words (:func:`python_kind`).
    describe: Callable[[Any], str]
    #: how to write it instead.
    fix: str
    #: whether a tuple is sent as a list (``json.dumps`` writes one so); YAML reads pairs (``!!omap``) as tuples.
    tuple_is_list: bool = True
    #: how a value comes to hold itself, in the writer's words (with a leading space), or ``""``.
    cycle: str = ""


#: Values a DAG passes from Python.
PYTHON = ValueSource("that is", python_kind, "pass it as a string")


def require_json_value(value: Any, field: str, source: ValueSource = PYTHON) -> None:
    """
    Refuse what JSON cannot hold, naming its place (``field.Key``, ``field[N]``).

    JSON has strings, numbers, ``true``, ``false``, ``null``, arrays and objects, whose names are strings, and no
    ``Infinity`` or ``NaN`` (RFC 8259, 3. Values, 4. Objects, 6. Numbers); a string holds no unpaired surrogate
    (RFC 8259, 8.2 Unicode Characters); a value holding itself has no JSON text. A tuple is sent as a list.

    :raises InvalidParameterError: naming the first such value, or key, and what it is.
    """
    _require_json(value, field, (), source)


def _require_json(value: Any, field: str, holders: tuple[int, ...], source: ValueSource) -> None:
    """:func:`require_json_value` of ``value`` within the lists and objects ``holders`` (their ``id``)."""
    if not isinstance(value, (dict, list, tuple)) or (isinstance(value, tuple) and not source.tuple_is_list):
        problem = _not_json(value, source)
        if problem:
            raise InvalidParameterError(field, problem)
        return
    if id(value) in holders:
        raise InvalidParameterError(field, f"holds itself{source.cycle}: JSON has no cycles")
    holders = (*holders, id(value))
    if not isinstance(value, dict):
        for index, item in enumerate(value):
            _require_json(item, f"{field}[{index}]", holders, source)
        return
    for key, item in value.items():
        if not isinstance(key, str):
            text = _key_text(key)
            raise InvalidParameterError(
                f"{field}.{text}",
                f"is a key {source.key_read_as} {source.describe(key)}, but a JSON object's names are strings "
                f"(RFC 8259, 4. Objects): {source.fix} ('{text}')",
            )
        _require_json(item, f"{field}.{key}", holders, source)


def _key_text(key: Any) -> str:
    """A key as it was written: ``true``, ``null`` as JSON writes them, others as Python prints them."""
    import json

    return json.dumps(key) if isinstance(key, (bool, type(None))) else str(key)


def _not_json(value: Any, source: ValueSource) -> str:
    """Why ``value`` (no list or object) is no JSON value; ``""``: it is one."""
    if value is None or isinstance(value, (bool, int)):
        return ""
    if isinstance(value, float):
        return "" if math.isfinite(value) else f"is {value}, which JSON has no number for (RFC 8259, 6. Numbers)"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return (
                f"holds the unpaired surrogate \\u{ord(value[error.start]):04x}, which is no character (RFC 8259, 8.2)"
            )
        return ""
    return (
        f"is {source.describe(value)}, not a JSON value (a string, number, true, false, null, list or object): "
        f"{source.fix}"
    )
