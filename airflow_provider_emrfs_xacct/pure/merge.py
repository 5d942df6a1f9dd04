"""
Merging the provider's statements into documents that others also write, and comparing by meaning.

Pure: standard library only. Statements the provider did not write are carried over as the very
same objects, in the same order; only the provider's own statement (found by its ``Sid``) changes.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from airflow_provider_emrfs_xacct.pure.documents import (
    DESTINATION_POLICY_NAME,
    KEY_USERS_SID,
    OBJECT_ACL_SID,
    OBJECTS_SID,
    SID_PREFIX,
    TRUST_NOBODY_MARK,
    TRUST_NOBODY_MARK_KEYS,
    TRUST_NOBODY_STATEMENT,
    TRUST_SID,
    VERSION,
    as_list,
    is_trust_nobody,
    locations_in_permissions_policy,
    trust_statement,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.quotas import (
    MANAGED_POLICY_CHARS,
    ROLE_INLINE_POLICIES_CHARS,
    TRUST_POLICY_CHARS,
    require_within,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from airflow_provider_emrfs_xacct.pure.validation import S3Location

_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
# Unique ids IAM shows in place of a principal that was deleted (roles AROA…, users AIDA…).
_UNIQUE_ID = re.compile(r"^A[A-Z]{3}[A-Z0-9]{12,}$", re.ASCII)
# Principals that stand for a whole account: ``arn:PARTITION:iam::ACCOUNT:root`` or a bare account id.
_ACCOUNT_PRINCIPAL = re.compile(r"^(?:arn:[a-z-]+:iam::[0-9]{12}:root|[0-9]{12})$", re.ASCII)
# A user's or role's ARN: the name (after the path) is what IAM does not distinguish by case.
_USER_OR_ROLE_ARN = re.compile(r"^(arn:[a-z-]+:iam::[0-9]{12}:(?:role|user)/(?:[^/]*/)*)([^/]+)$", re.ASCII)
#: Characters that make a policy value match more than one thing.
WILDCARD_CHARS = ("*", "?")
#: Statement keys that invert what they name: in a statement the provider owns, each widens it.
_INVERTED_KEYS = ("NotPrincipal", "NotAction", "NotResource")


#: What to do about a name given twice in one JSON object, by the kind of document it is in.
REPEATED_NAME_ADVICE = {
    "policy": "merge them by hand into one",
    # IAM API Reference, "UpdateAssumeRolePolicy", "PutRolePolicy", "CreatePolicyVersion" (SetAsDefault): each
    # replaces the document (a managed policy's by a new default version).
    "trust policy": (
        "merge them by hand into one and put the trust policy back (UpdateAssumeRolePolicy: aws iam "
        "update-assume-role-policy)"
    ),
    "inline policy": "merge them by hand into one and put the policy back (PutRolePolicy: aws iam put-role-policy)",
    "managed policy": (
        "merge them by hand into one and make that the default version (CreatePolicyVersion with SetAsDefault: aws "
        "iam create-policy-version --set-as-default)"
    ),
    # AWS KMS API Reference, "PutKeyPolicy"; Amazon S3 API Reference, "PutBucketPolicy": each replaces the policy.
    "key policy": "merge them by hand into one and put the key policy back (PutKeyPolicy: aws kms put-key-policy)",
    "bucket policy": (
        "merge them by hand into one and put the bucket policy back (PutBucketPolicy: aws s3api put-bucket-policy)"
    ),
    # The Amazon EMR API Reference (and botocore's EMR service model) has CreateSecurityConfiguration,
    # DescribeSecurityConfiguration, ListSecurityConfigurations and DeleteSecurityConfiguration only: no update.
    "security configuration": (
        "a security configuration cannot be edited (EMR has no UpdateSecurityConfiguration): create a new one, "
        "under another name, with them merged into one, and launch with it (security_configuration, or another "
        "name_prefix); delete this one (DeleteSecurityConfiguration) once no cluster uses it"
    ),
}


def parse_document(
    document: str | dict[str, Any] | None, what: str | None = None, kind: str = "policy"
) -> dict[str, Any] | None:
    """
    Return a policy document as a dict, decoding JSON text and IAM's URL-encoded JSON.

    An unquoted number of a policy is kept as its text (:class:`PolicyNumber`), which :func:`policy_text` sends back
    as it was: IAM takes numbers without quotation marks (IAM User Guide, "Grammar of the IAM JSON policy language":
    "Quotation marks are optional for numeric and Boolean values"), and a ``float`` would write someone's ``1.10`` as
    ``1.1``, ``12345678901234567890.5`` rounded, ``1e400`` as ``Infinity`` (not JSON). A security configuration's
    numbers stay Python numbers: it is sent with ``json.dumps`` and named by its content's hash.

    :param what: names the document in errors (else "policy document", and a read-modify-write names it).
    :param kind: the kind of document (a key of :data:`REPEATED_NAME_ADVICE`): what a refusal advises.
    :raises ConflictError: a name appears twice in one JSON object (two ``StringEquals`` in one ``Condition``,
        say). KMS and S3 keep a policy as the text they were sent (AWS KMS API Reference, GetKeyPolicy;
        Amazon S3 API Reference, GetBucketPolicy), IAM answers its documents as URL-encoded text (IAM API
        Reference, "GetRolePolicy", "GetPolicyVersion"; read as text by ``hooks.iam_managed.iam_document``), and
        AWS does not document which of the two it applies; a parser keeps one, so a document written back would
        lose the other without anyone seeing it. Given a dict, there is no text left to judge: pass the text.
    """
    if document is None or isinstance(document, dict):
        return document
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    numbers: dict[str, Any] = {} if kind == "security configuration" else _NUMBERS_AS_TEXT
    try:
        parsed = json.loads(text, object_pairs_hook=_object_without_repeated_names, **numbers)
    except _RepeatedName as error:
        raise ConflictError(
            f"{what or 'policy document'}: {error}; a reader keeps only one (which one AWS applies is not documented): {REPEATED_NAME_ADVICE[kind]}",
            document=what,
        ) from None
    if not isinstance(parsed, dict):
        raise ConflictError(f"{what or 'policy document'} is not a JSON object: {document!r}", document=what)
    return parsed


class PolicyNumber(str):
    """
    An unquoted JSON number of a policy document, as its text (``1.10``, ``1e400``): :func:`policy_text` sends it
    back unquoted and unchanged. A ``str`` elsewhere, as IAM compares condition values as text (:func:`_condition_value`).
    """

    __slots__ = ()


def _policy_int(text: str) -> int | PolicyNumber:
    """An unquoted whole number: an ``int`` when it writes back as the same text, else its text (``-0``, 5,000 digits)."""
    try:
        number = int(text)
    except ValueError:  # past Python's digit limit for int conversion (sys.get_int_max_str_digits)
        return PolicyNumber(text)
    return number if str(number) == text else PolicyNumber(text)


#: ``json.loads`` arguments that keep a policy's numbers as written (see :func:`parse_document`).
_NUMBERS_AS_TEXT: dict[str, Any] = {"parse_float": PolicyNumber, "parse_int": _policy_int}


class _RepeatedName(Exception):
    """A name given twice in one JSON object (``parse_document`` adds the advice for its kind of document)."""


def load_argument_text(text: str, field: str, *, python_literal: bool = False) -> Any:
    """
    An argument given as text (a rendered template): JSON, else (``python_literal``) a Python literal, refusing a name
    given twice in one object, which ``json.loads`` and ``ast.literal_eval`` would each keep the last of without
    anyone seeing the other (RFC 8259: "The names within an object SHOULD be unique").

    :raises json.JSONDecodeError: not JSON (and not a Python literal where one is taken: ``ValueError`` and the
        others ``ast.literal_eval`` raises).
    :raises InvalidParameterError: a name given twice, naming ``field``.
    """
    try:
        try:
            return json.loads(text, object_pairs_hook=_object_without_repeated_names)
        except json.JSONDecodeError:
            if not python_literal:
                raise
            tree = ast.parse(text.strip(), mode="eval")
            for node in ast.walk(tree):
                if isinstance(node, ast.Dict):
                    seen: dict[Any, str] = {}
                    for key, value in zip(node.keys, node.values, strict=True):
                        if key is None:  # a ** unpacking: no literal, refused below
                            continue
                        name = ast.literal_eval(key)
                        if name in seen:
                            raise InvalidParameterError(
                                field,
                                f"{name!r} appears twice in one dict ({seen[name]} and {ast.unparse(value)}): a "
                                "reader keeps only one; give it once",
                            ) from None
                        seen[name] = ast.unparse(value)
            return ast.literal_eval(tree)
    except _RepeatedName as error:
        raise InvalidParameterError(field, f"{error}: a reader keeps only one; give it once") from None


def _object_without_repeated_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """One JSON object as a dict; a name given twice is a :class:`_RepeatedName` naming it and both values."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _RepeatedName(
                f"{name!r} appears twice in one JSON object ({json.dumps(result[name])} and {json.dumps(value)})"
            )
        result[name] = value
    return result


def normalize(document: str | dict[str, Any] | None) -> Any:
    """
    Return a canonical form of a policy document for comparison by meaning.

    Single values and one-element lists compare equal, order inside ``Action``/``Resource``/
    ``Principal`` lists does not matter, and key order does not matter. Statement order is kept.
    """
    parsed = parse_document(document)
    if parsed is None:
        return None
    result = {key: value for key, value in parsed.items() if key != "Statement"}
    result["Statement"] = [_normalize_statement(statement) for statement in as_list(parsed.get("Statement"))]
    return _sorted_keys(result)


def _normalize_statement(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    result = dict(statement)
    for key in _LIST_ELEMENTS:
        if key in result:
            result[key] = _canonical_set(as_list(result[key]))
    for key in ("Principal", "NotPrincipal"):
        if isinstance(result.get(key), dict):
            result[key] = {kind: _canonical_set(as_list(values)) for kind, values in result[key].items()}
    if isinstance(result.get("Condition"), dict):
        result["Condition"] = {
            operator: {
                name: _canonical_set([_condition_value(v) for v in as_list(values)]) for name, values in pairs.items()
            }
            if isinstance(pairs, dict)
            else pairs
            for operator, pairs in result["Condition"].items()
        }
    return result


def _condition_value(value: Any) -> Any:
    """IAM compares condition values as text: ``1`` and ``"1"``, ``true`` and ``"true"`` mean the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, PolicyNumber):  # an unquoted number, as written (1.10 is not 1.1 as text)
        return str(value)
    return value


def _canonical_set(values: Iterable[Any]) -> list[Any]:
    """
    Return ``values`` without duplicates, in a canonical order, whatever their types.

    Sorted by their canonical JSON text, so that a foreign statement mixing numbers, strings or
    objects in one list compares without ``TypeError``.
    """
    unique = {json.dumps(value, sort_keys=True, default=str): value for value in values}
    return [unique[key] for key in sorted(unique)]


def _sorted_keys(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


def same_meaning(left: str | dict[str, Any] | None, right: str | dict[str, Any] | None) -> bool:
    """Return whether two policy documents are equal once normalised."""
    return normalize(left) == normalize(right)


def find_statement(document: dict[str, Any] | None, sid: str) -> dict[str, Any] | None:
    """Return the statement with this ``Sid``, or ``None``."""
    for statement in as_list((document or {}).get("Statement")):
        if isinstance(statement, dict) and statement.get("Sid") == sid:
            return statement
    return None


def refuse_repeated_sid(document: dict[str, Any] | None, sid: str) -> None:
    """
    Refuse a policy holding several statements with the provider's ``sid``: which one is the provider's is not known.

    IAM asks that a ``Sid`` be unique within a policy (IAM User Guide, "IAM JSON policy elements: Sid"), but a key
    policy's ``Sid`` is an optional "arbitrary string" (AWS KMS Developer Guide, "Create a key policy", "Elements in a key policy"): a person may
    have written a statement of their own under the provider's ``Sid``. Writing or removing "the" statement would
    replace or drop theirs with it.
    """
    sids = [item.get("Sid") for item in as_list((document or {}).get("Statement")) if isinstance(item, dict)]
    if sids.count(sid) > 1:
        raise ConflictError(
            f"the policy holds several statements with Sid {sid!r}, the provider's; one of them is not the provider's "
            "and which one is not known: give the others another Sid by hand"
        )


def upsert_statement(
    document: dict[str, Any] | None, statement: dict[str, Any], *, dropping: Iterable[str] = ()
) -> dict[str, Any]:
    """
    Return a copy of ``document`` with ``statement`` in place of the one with the same ``Sid``.

    A new statement goes last. Every other statement, and every other top-level key, is kept. The
    statement is the provider's: what a person added to restrict it is carried over and a widening
    is refused (see :func:`owned_statement`).

    :param dropping: values the caller removes on purpose (a revoked role ARN), not a conflict.
    """
    result = copy.deepcopy(document) if document else {"Version": VERSION, "Statement": []}
    statements = as_list(result.get("Statement"))
    sids = [item.get("Sid") if isinstance(item, dict) else None for item in statements]
    refuse_repeated_sid(result, statement["Sid"])
    statement = owned_statement(document, statement, dropping=dropping)
    if statement["Sid"] in sids:
        statements[sids.index(statement["Sid"])] = statement
    else:
        statements.append(statement)
    result["Statement"] = statements
    return result


def merge_owned_statements(
    document: dict[str, Any] | None,
    desired: dict[str, Any],
    owns: Callable[[str], bool],
    *,
    widest: dict[str, Any] | None = None,
    dropping: Iterable[Any] = (),
) -> dict[str, Any]:
    """
    Return ``document`` with the provider's statements of ``desired`` in it; every other statement kept.

    The provider's statements (those whose ``Sid`` ``owns``) that ``desired`` no longer has are
    dropped; a statement someone else wrote into the same document (a ``Deny``, say) stays in place.

    Every statement of the provider's in ``document``, kept or dropped, is refused with a ``NotPrincipal``,
    ``NotAction`` or ``NotResource`` (:func:`_refuse_inverted`), as a write of it is (:func:`owned_statement`):
    a ``NotResource`` "matches every resource except those specified" (IAM User Guide, "IAM JSON policy elements:
    NotResource"), so a statement whose ``Resource`` someone replaced with one names no resource the provider reads
    back, and would otherwise be dropped without a word, the edit with it.

    :param widest: the provider's statements as it writes them at their widest (those ``desired`` may leave
        out): one about to be dropped that holds more than its form there (an action or resource someone added)
        is refused as its write would be (:func:`owned_statement`), not dropped with what was added.
    :param dropping: values the caller removes on purpose from the provider's statements, not a conflict.
    """
    result = copy.deepcopy(document) if document else {"Version": desired.get("Version", VERSION), "Statement": []}
    wanted = {statement["Sid"] for statement in desired["Statement"]}
    for item in as_list(result.get("Statement")):
        sid = item.get("Sid") if isinstance(item, dict) else None
        if isinstance(sid, str) and owns(sid):
            refuse_repeated_sid(result, sid)  # the ones dropped too: every statement of the Sid would go
            _refuse_inverted(item, f"statement {sid!r}", _WRITING if sid in wanted else _DROPPING)
        shape = find_statement(widest, sid) if isinstance(sid, str) and owns(sid) and sid not in wanted else None
        if shape is not None:
            _refuse_widening(item, shape, f"statement {sid!r}", set(dropping))
    result["Statement"] = [
        item
        for item in as_list(result.get("Statement"))
        if not (isinstance(item, dict) and isinstance(item.get("Sid"), str) and owns(item["Sid"]))
        or item.get("Sid") in wanted
    ]
    for statement in desired["Statement"]:
        result = upsert_statement(result, statement, dropping=dropping)
    return result


def is_wildcard(value: Any) -> bool:
    """Return whether a policy value matches more than one thing (holds ``*`` or ``?``)."""
    return isinstance(value, str) and any(char in value for char in WILDCARD_CHARS)


def widens_principal(value: Any) -> bool:
    """Return whether a principal stands for more than one role: a wildcard, a whole account, not text."""
    return not isinstance(value, str) or is_wildcard(value) or bool(_ACCOUNT_PRINCIPAL.match(value))


def _principal_values(principal: Any) -> dict[str, list[Any]]:
    if principal is None:
        return {}
    if isinstance(principal, dict):
        return {str(kind): as_list(values) for kind, values in principal.items()}
    return {"*": as_list(principal)}  # ``"Principal": "*"``: everyone


def owned_statement(
    document: dict[str, Any] | None, statement: dict[str, Any], *, dropping: Iterable[str] = ()
) -> dict[str, Any]:
    """
    Return the provider's ``statement`` with what a person added to restrict its current version.

    The rule for a statement the provider owns (found by its ``Sid``):

    - a restriction someone added is kept: its ``Condition`` (the provider's own condition keys win
      where both set the same key);
    - a widening is never written back: a wildcard or whole-account principal (``"*"``,
      ``arn:aws:iam::*:role/*``, ``…:root``), a principal of a type the provider does not write
      (``Service``, ``Federated`` …: principals in one statement are alternatives, so each is one
      more who is allowed), an action or resource the provider does not write, a
      ``NotPrincipal``/``NotAction``/``NotResource``, or an ``Effect`` changed away from the
      provider's. Each is a :class:`ConflictError` naming the statement and the value.

    :param dropping: values the caller removes on purpose (a revoked role ARN), not a conflict.
    """
    sid = statement["Sid"]
    current = find_statement(document, sid)
    if current is None:
        return statement
    _refuse_widening(current, statement, f"statement {sid!r}", set(dropping))
    result = dict(statement)
    if isinstance(current.get("Condition"), dict):
        condition = copy.deepcopy(current["Condition"])
        for operator, pairs in (statement.get("Condition") or {}).items():
            held = condition.get(operator)
            condition[operator] = {**(held if isinstance(held, dict) else {}), **pairs}
        result["Condition"] = condition
    return result


#: What the refusals of :func:`_refuse_widening` say is not done, and the way out: on a write, on a removal.
_WRITING = (
    "not writing it back",
    "move it into a statement of your own, or restrict the provider's with a Condition or a Deny beside it",
)
_REMOVING = (
    "removing the statement with the last of its principals or resources would drop it",
    "move it into a statement of your own, then revoke again",
)
_DROPPING = (
    "dropping the statement, from which the provider reads back no resource of its own, would drop it",
    "move it into a statement of your own, or put the statement's Resource back, then run again",
)


def _refuse_widening(
    current: dict[str, Any],
    statement: dict[str, Any],
    name: str,
    dropped: set[Any],
    *,
    outcome: tuple[str, str] = _WRITING,
) -> None:
    """
    Raise :class:`ConflictError` when ``current`` is wider than the provider's ``statement`` (see :func:`owned_statement`).

    :param outcome: what is not done and the way out, for the message (:data:`_WRITING`, :data:`_REMOVING`).
    """
    not_done, fix = outcome
    if current.get("Effect") != statement.get("Effect"):
        raise ConflictError(
            f"{name} has Effect {current.get('Effect')!r}, the provider writes {statement.get('Effect')!r}; "
            f"{not_done}: fix it by hand"
        )
    _refuse_inverted(current, name, outcome)
    _refuse_wider_principals(current, statement, name, f"{not_done}: {fix}")
    _refuse_dropped_principals(current, statement, name, dropped)
    for key in ("Action", "Resource"):
        allowed = {json.dumps(value) for value in as_list(statement.get(key))} | {
            json.dumps(value) for value in dropped
        }
        for value in as_list(current.get(key)):
            if json.dumps(value) not in allowed:
                kind = "wildcard " if is_wildcard(value) else ""
                raise ConflictError(
                    f"{name} holds the {kind}{key.lower()} {value!r}, which the provider does not write; "
                    f"{not_done}: {fix}"
                )


def _refuse_inverted(current: dict[str, Any], name: str, outcome: tuple[str, str]) -> None:
    """
    Refuse a ``NotPrincipal``, ``NotAction`` or ``NotResource`` in the provider's statement ``current``.

    Each matches everything but what it names (IAM User Guide, "IAM JSON policy elements: NotResource", "NotAction",
    "NotPrincipal"): in an ``Allow`` it widens the statement, and the provider never writes one.

    :param outcome: what is not done and the way out, for the message (:data:`_WRITING`, :data:`_REMOVING` …).
    """
    not_done, fix = outcome
    for key in _INVERTED_KEYS:
        if key in current:
            raise ConflictError(f"{name} has {key} {current[key]!r}, which widens it; {not_done}: {fix}")


def _refuse_wider_principals(current: dict[str, Any], statement: dict[str, Any], name: str, refusal: str) -> None:
    """
    Refuse a wildcard or whole-account principal, or a principal of a type the provider does not write.

    IAM User Guide, "AWS JSON policy elements: Principal": each principal listed is one who may use the
    statement (in a trust policy, who can assume the role); none narrows another.
    """
    written = _principal_values(statement.get("Principal"))
    for kind, values in _principal_values(current.get("Principal")).items():
        if kind != "*" and kind not in written:
            raise ConflictError(
                f"{name} holds the {kind} principal {values[0] if len(values) == 1 else values!r}, which the "
                f"provider does not write and which widens it; {refusal}"
            )
        for value in values:
            if kind == "*" or widens_principal(value):
                raise ConflictError(
                    f"{name} holds the wildcard principal {value!r}, which the provider never writes (a wildcard or "
                    f"whole-account principal); {refusal}"
                )


def _refuse_dropped_principals(
    current: dict[str, Any], statement: dict[str, Any], name: str, dropped: set[Any]
) -> None:
    """
    Refuse to write the provider's statement without a principal its current version holds, unless dropped on purpose.

    A principal someone added to the provider's statement (a second role beside the one a bucket-policy
    statement names) has access through it; writing the statement without it would take that away
    silently. Unique IDs of deleted principals (``AROA…``) are not principals any more and may go.
    """
    written = _principal_values(statement.get("Principal"))
    for kind, values in _principal_values(current.get("Principal")).items():
        for value in values:
            lost = value not in written.get(kind, []) and value not in dropped
            if lost and not (isinstance(value, str) and _UNIQUE_ID.match(value)):
                raise ConflictError(
                    f"{name} holds the principal {value!r}, which the provider did not write; writing the "
                    "statement without it would take its access away: move it into a statement of your own"
                )


def remove_owned_statement(
    document: dict[str, Any], written: dict[str, Any], *, dropping: Iterable[Any] = ()
) -> dict[str, Any]:
    """
    Return a copy of ``document`` without the provider's statement ``written["Sid"]``, refusing to drop what others added.

    ``written`` is the statement as the provider writes it for what the current one holds. A grant, or a revoke
    that leaves something in the statement, refuses to write it back without an action, resource or principal
    someone added to it (:func:`owned_statement`); removing the statement with its last role or resource drops
    them as surely, so the same rule applies here, before any write: anything the current statement holds beyond
    ``written`` (and ``dropping``, what the caller removes on purpose) is a :class:`ConflictError` naming it. Its
    ``Condition`` goes with it: it only narrowed what is removed.
    """
    refuse_repeated_sid(document, written["Sid"])
    current = find_statement(document, written["Sid"])
    if current is not None:
        _refuse_widening(current, written, f"statement {written['Sid']!r}", set(dropping), outcome=_REMOVING)
    return remove_statement(document, written["Sid"])


def remove_statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    """Return a copy of ``document`` without the statement with this ``Sid``."""
    result = copy.deepcopy(document)
    result["Statement"] = [
        item for item in as_list(result.get("Statement")) if not (isinstance(item, dict) and item.get("Sid") == sid)
    ]
    return result


def aws_principals(statement: dict[str, Any] | None, element: str = "Principal") -> list[str]:
    """Return the ``AWS`` entries of a statement's ``Principal`` (or of ``element``: ``NotPrincipal``)."""
    principal = (statement or {}).get(element)
    if isinstance(principal, dict):
        return [str(value) for value in as_list(principal.get("AWS"))]
    return []


def other_principals(statement: dict[str, Any] | None) -> list[str]:
    """Return, for messages, the principals of a statement that are not ``Principal.AWS`` values: ``"*"``, a service's …"""
    return [
        repr(value) if kind == "*" else f"{kind} principal {value!r}"
        for kind, values in _principal_values((statement or {}).get("Principal")).items()
        if kind != "AWS"
        for value in values
    ]


def refuse_ending_others(
    statement: dict[str, Any] | None,
    sid: str,
    *,
    verb: str = "trusts",
    why: str = "with its last role",
    loss: str = "their access",
    then: str = "revoke again",
    what: str | None = None,
) -> None:
    """
    Refuse to remove the provider's ``statement`` while it holds a principal the provider never writes.

    Principals of one statement are alternatives (IAM User Guide, "AWS JSON policy elements: Principal"): a
    service's or ``"*"`` someone put into the provider's statement would lose what it grants with the statement.

    :param what: names the document (its ``ConflictError`` names it too).
    :raises ConflictError: naming the statement and those principals.
    """
    others = other_principals(statement)
    if others:
        raise ConflictError(
            f"{what + ': ' if what else ''}statement {sid!r} also {verb} {', '.join(others)}, which the provider does "
            f"not write; removing the statement {why} would end {loss}: move them into a statement of your own, "
            f"then {then}",
            document=what,
        )


def live_principals(principals: Iterable[str]) -> list[str]:
    """Drop unique ids (``AROA…``) that IAM shows in place of principals that were deleted."""
    return [value for value in principals if not _UNIQUE_ID.match(value)]


def without_deleted_ids(document: dict[str, Any], owns: Callable[[str], bool]) -> tuple[dict[str, Any], list[str]]:
    """
    Return ``document`` without the unique IDs of deleted principals in the provider's statements, and what went.

    The provider's statements are those whose ``Sid`` ``owns``. Once a user or role is deleted, a trust, key or bucket
    policy shows its unique ID (``AROA…``, ``AIDA…``) in its place; the ID grants nobody anything, not even a
    principal of that name created again, whose ID is a new one (IAM User Guide, "AWS JSON policy elements:
    Principal", IAM role principals). Such IDs are taken out of a statement that still names someone else, and a
    statement naming only such IDs goes, whatever was added to it. Statements not the provider's are left as they
    are (:func:`refuse_orphaned_ids` names one).
    """
    kept: list[Any] = []
    dropped: list[str] = []
    for statement in as_list(document.get("Statement")):
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        values = as_list(principal.get("AWS")) if isinstance(principal, dict) else []
        deleted = [value for value in values if isinstance(value, str) and not live_principals([value])]
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if not deleted or not isinstance(sid, str) or not owns(sid):
            kept.append(statement)
            continue
        assert isinstance(principal, dict)
        left = {kind: value for kind, value in principal.items() if kind != "AWS"}
        others = [value for value in values if value not in deleted]
        if others:
            left["AWS"] = others if len(others) > 1 else others[0]
        names = ", ".join(deleted)
        if left:
            kept.append({**copy.deepcopy(statement), "Principal": left})
            dropped.append(f"{names} taken out of statement {sid!r}")
        else:
            dropped.append(f"statement {sid!r}, which named only {names}")
    if not dropped:
        return document, []
    return {**copy.deepcopy(document), "Statement": copy.deepcopy(kept)}, dropped


def unless_cleanup_blocked(
    current: dict[str, Any] | None,
    desired: dict[str, Any] | None,
    owns: Callable[[str], bool],
    refuse: Callable[[], None],
    what: str,
) -> tuple[dict[str, Any] | None, str]:
    """
    Return ``desired``, or ``current`` where the clean-up of deleted principals is all that would change and is refused.

    IAM, KMS and S3 refuse to save a trust, key or bucket policy that still names a deleted principal's unique ID
    ("Invalid principal in policy": AWS Knowledge Center, iam-trust-policy-error and
    s3-invalid-principal-in-policy-error; "Policy contains a statement with one or more invalid principals":
    kms-policy-error-invalid-principals). The provider's statements drop theirs on every write
    (:func:`without_deleted_ids`), but a statement someone else wrote naming one is not the provider's to edit:
    ``refuse`` raises :class:`ConflictError` naming it. When dropping the provider's own IDs is all the write would
    change (a grant already made, a revoke of a role no longer there), nothing is written and the run succeeds, as
    before that clean-up existed: it waits for a write that statement no longer blocks. A change the run needs for
    itself is refused as before.

    :param owns: tells the provider's statements by their ``Sid``.
    :param refuse: raises the refusal of writing ``desired`` (nothing when it may be written, or needs no write).
    :param what: names the document, for the warning.
    :return: the document to write (``current``: nothing to write), and the warning to log when the clean-up is
        held back (``""`` otherwise).
    """
    try:
        refuse()
    except ConflictError as refusal:
        if current is None:
            raise
        cleaned, cleared = without_deleted_ids(current, owns)
        if not cleared or not same_meaning(desired, cleaned):
            raise
        return current, (
            f"{what[:1].upper()}{what[1:]} is left as it is: nothing else to change in it, and dropping the unique "
            f"IDs of deleted principals from the provider's statements ({'; '.join(cleared)}) would be refused: "
            f"{refusal}"
        )
    return desired, ""


def refuse_orphaned_ids(
    document: dict[str, Any] | None,
    own_sid: str | None,
    what: str,
    *,
    refused_by: str = "KMS refuses every key policy",
) -> None:
    """
    Refuse a key, trust or bucket policy whose statements, other than the provider's, name a deleted principal's ID.

    KMS refuses every key policy that still names one ("Policy contains a statement with one or more
    invalid principals"; AWS Knowledge Center, kms-policy-error-invalid-principals), IAM every trust
    policy ("Invalid principal in policy"; AWS Knowledge Center, iam-trust-policy-error), and the
    provider never edits a statement it did not write: only a person can remove it. Such an ID in ``NotPrincipal``
    is refused too: AWS documents the transformation for ``Principal``, and ``NotPrincipal`` names principals the
    same way (IAM User Guide, "AWS JSON policy elements: NotPrincipal"); an ID shown there is one AWS stored.

    S3 refuses a bucket policy naming a deleted role or user as well ("Invalid principal in policy"; AWS Knowledge
    Center, s3-invalid-principal-in-policy-error).

    :param own_sid: the provider's statement, whose deleted principals the caller drops; ``None``: every statement
        is judged (a bucket policy as it is about to be written).
    :param refused_by: who refuses what, for the message.
    """
    for index, statement in enumerate(as_list((document or {}).get("Statement"))):
        if not isinstance(statement, dict) or (own_sid is not None and statement.get("Sid") == own_sid):
            continue
        for element in ("Principal", "NotPrincipal"):
            orphaned = [
                value
                for value in aws_principals(statement, element)
                if isinstance(value, str) and _UNIQUE_ID.match(value)
            ]
            if orphaned:
                sid = statement.get("Sid")
                name = f"statement {sid!r}" if sid else f"statement [{index}] (no Sid)"
                # A bucket policy (own_sid None): a grant or a revoke has already dropped the IDs of the provider's
                # statement pairs (bucket_policy.grant, revoke); one left is in a statement it does not clear.
                advice = (
                    "it is the provider's statement of a principal deleted since: revoke that principal's access (its "
                    "ARN), or remove the statement by hand, then run again"
                    if isinstance(sid, str) and sid.startswith(SID_PREFIX) and own_sid is not None
                    else f"the provider does not edit statements it did not write: remove {orphaned[0]!r} from that "
                    "statement by hand, then run again"
                )
                raise ConflictError(
                    f"{what}: {name} names {orphaned[0]!r}, the unique ID AWS shows for a deleted principal; "
                    f"{refused_by} that still names it, and {advice}",
                    document=what,
                )


def trusted_besides(trust: dict[str, Any] | None, own_sid: str, account: str, role_name: str) -> list[str]:
    """
    Return whom else than role ``role_name`` of ``account`` a trust policy lets assume its role.

    Each ``Allow`` statement the provider did not write (by ``Sid``, or index without one) and each principal
    of the provider's statement (``own_sid``) that is not that role, in any spelling of its name (see
    :func:`identity_key`); the unique ID of a deleted principal (``AROA…``) counts for nobody, and so does a
    statement naming only such IDs, that role, or both (someone's statement trusting the revoked role itself: it is
    not someone else). A statement naming anyone else beside them, or a principal of another kind, counts, when it
    allows assuming the role (:func:`allows_assume_role`).
    """
    others: list[str] = []
    for index, statement in enumerate(as_list((trust or {}).get("Statement"))):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or not allows_assume_role(statement):
            continue
        if statement.get("Sid") != own_sid:
            if not _names_only(statement, lambda value: _is_role(value, account, role_name)):
                others.append(f"statement {statement['Sid']!r}" if statement.get("Sid") else f"statement [{index}]")
            continue
        for kind, values in _principal_values(statement.get("Principal")).items():
            for value in values:
                if (
                    kind == "AWS"
                    and isinstance(value, str)
                    and (_UNIQUE_ID.match(value) or _is_role(value, account, role_name))
                ):
                    continue
                others.append(str(value) if kind == "AWS" else f"{kind}: {value}")
    return others


#: The actions that assume a role: ``sts:AssumeRole``, and how federated principals assume it (IAM User Guide, "Pass
#: session tags in AWS STS", "Session tagging operations"). ``sts:TagSession`` and ``sts:SetSourceIdentity`` are
#: actions of their own, allowed beside one of these (same page, "Permissions required to add session tags").
ASSUME_ROLE_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")


def allows_assume_role(statement: dict[str, Any], actions: tuple[str, ...] = ASSUME_ROLE_ACTIONS) -> bool:
    """
    Whether a trust policy statement's ``Action`` may allow one of ``actions`` (:data:`ASSUME_ROLE_ACTIONS`), or its
    ``NotAction`` leaves one out; neither: it may. Matched as the evaluator matches actions: "The prefix and the action name are
    case insensitive", with ``*`` and ``?`` wildcards (IAM User Guide, "IAM JSON policy elements: Action"); a value
    that is no string may allow any (in ``Action``) and leaves out none (in ``NotAction``).
    """
    from airflow_provider_emrfs_xacct.pure.evaluator import wildcard_match  # the evaluator imports this module

    def named(patterns: Any, action: str, *, not_a_string: bool) -> bool:
        return any(
            wildcard_match(pattern, action, ignore_case=True) if isinstance(pattern, str) else not_a_string
            for pattern in as_list(patterns)
        )

    if "Action" in statement:
        return any(named(statement["Action"], action, not_a_string=True) for action in actions)
    if "NotAction" in statement:
        return not all(named(statement["NotAction"], action, not_a_string=False) for action in actions)
    return True


def _names_only(statement: dict[str, Any], revoked: Callable[[str], bool]) -> bool:
    """
    Whether a statement's principals are all ``AWS`` principals that are unique IDs of deleted principals
    (``AROA…``), who assume nothing, or ``revoked`` (the role a revoke takes out). A ``NotPrincipal`` (everyone but
    those named) is not.
    """
    principals = _principal_values(statement.get("Principal"))
    values = [value for kind_values in principals.values() for value in kind_values]
    return (
        bool(values)
        and set(principals) == {"AWS"}
        and "NotPrincipal" not in statement
        and all(isinstance(value, str) and (_UNIQUE_ID.match(value) or revoked(value)) for value in values)
    )


def trust_without_role(trust: dict[str, Any] | None, account: str, role_name: str) -> dict[str, Any] | None:
    """
    Return the trust policy without role ``role_name`` of ``account`` in the provider's statement; all else kept.

    The role goes in every spelling of its name and path (see :func:`_is_role`), and with it every unique ID of
    a deleted principal (``AROA…``) the statement holds: IAM shows the role so once it was deleted (and re-created),
    and refuses to save a trust policy still naming one ("Invalid principal in policy"; AWS Knowledge Center,
    iam-trust-policy-error). Left with no principal, the statement goes; if it was the policy's only statement,
    :data:`~.documents.TRUST_NOBODY_STATEMENT` takes its place (IAM does not document saving a trust policy
    without statements), with the ``Condition`` someone added to the provider's statement beside its mark
    (:func:`trust_nobody_condition`), for the next grant to put back (:func:`kept_trust_condition`): it refuses nobody,
    alone or beside statements added later. Beside other statements the statement goes with its ``Condition``.
    Every other statement is carried over unchanged, in its place.

    :raises ConflictError: the statement also holds a principal the provider does not write (a service, ``"*"``):
        principals of one statement are alternatives, and removing the statement would end their access.
    """
    ours = find_statement(trust, TRUST_SID)
    if trust is None or ours is None or is_trust_nobody(ours):
        return trust
    held = aws_principals(ours)
    remaining = [value for value in live_principals(held) if not _is_role(value, account, role_name)]
    if remaining == held:
        return trust
    if remaining:
        return upsert_statement(
            trust, trust_statement(remaining), dropping={value for value in held if value not in remaining}
        )
    refuse_ending_others(ours, TRUST_SID)
    result = remove_owned_statement(trust, trust_statement(live_principals(held)))
    if not result["Statement"]:
        nobody = copy.deepcopy(TRUST_NOBODY_STATEMENT)
        nobody["Condition"] = trust_nobody_condition(ours.get("Condition"))
        result["Statement"] = [nobody]
    return result


def trust_nobody_condition(condition: Any) -> dict[str, Any]:
    """
    Return ``condition`` (someone's, of the provider's trust statement) with :data:`~.documents.TRUST_NOBODY_MARK`.

    The mark compares the first key of :data:`~.documents.TRUST_NOBODY_MARK_KEYS` that the ``StringEquals`` block of
    ``condition`` does not (key names in any case: "IAM JSON policy elements: Condition", "Condition key names are not
    case-sensitive"): a key it compares already holds values that match when any does, so the mark there would let
    them match. Its other blocks stay as they are; all must hold, and the mark never does.

    :raises ConflictError: that block compares every such key already.
    """
    result = copy.deepcopy(condition) if isinstance(condition, dict) else {}
    operator = next((name for name in result if str(name).lower() == "stringequals"), "StringEquals")
    block = result.setdefault(operator, {})
    held = {str(key).lower() for key in block} if isinstance(block, dict) else set(_MARK_KEYS)
    for key in TRUST_NOBODY_MARK_KEYS:
        if key.lower() not in held:
            block[key] = TRUST_NOBODY_MARK
            return result
    raise ConflictError(
        f"statement {TRUST_SID!r} would lose its last role, and its Condition already compares "
        f"{' and '.join(TRUST_NOBODY_MARK_KEYS)} under {operator}: the statement the revoke leaves in its place could "
        "not keep that Condition without refusing the principals it matches; move the Condition to a statement of "
        "your own (or change it), then run again"
    )


_MARK_KEYS = frozenset(key.lower() for key in TRUST_NOBODY_MARK_KEYS)


def _trust_nobody_mark(condition: Any) -> tuple[str, str] | None:
    """Return the ``StringEquals`` block and key of ``condition`` holding :data:`~.documents.TRUST_NOBODY_MARK`."""
    for operator, block in (condition if isinstance(condition, dict) else {}).items():
        if str(operator).lower() != "stringequals" or not isinstance(block, dict):
            continue
        for key, value in block.items():
            if str(key).lower() in _MARK_KEYS and as_list(value) == [TRUST_NOBODY_MARK]:
                return operator, key
    return None


def without_trust_nobody_mark(condition: Any) -> dict[str, Any]:
    """Return ``condition`` without :data:`~.documents.TRUST_NOBODY_MARK` (``{}`` if nothing else is left)."""
    result = copy.deepcopy(condition) if isinstance(condition, dict) else {}
    mark = _trust_nobody_mark(result)
    if mark is not None:
        operator, key = mark
        del result[operator][key]
        if not result[operator]:
            del result[operator]
    return result


def revokes_trust_nobody(trust: dict[str, Any] | None) -> dict[str, Any] | None:
    """
    Return the statement for nobody a revoke left in ``trust`` (:data:`~.documents.TRUST_NOBODY_STATEMENT`), or ``None``.

    It is the revoke's wherever it stands when it carries :data:`~.documents.TRUST_NOBODY_MARK` (it refuses nobody)
    or no ``Condition`` (an earlier release's, which a grant takes out). An earlier release kept someone's
    ``Condition`` on it without the mark: that one is the revoke's only while it is the trust policy's only statement,
    as the revoke wrote it. Beside other statements such a ``Deny`` refuses every principal its condition matches
    (IAM User Guide, "Policy evaluation logic": an explicit deny overrides any allow), and it cannot be told from a
    restriction someone wrote under the provider's ``Sid``, which a grant must not drop (it refuses it instead:
    :func:`merged_principals`).
    """
    statement = find_statement(trust, TRUST_SID)
    if statement is None or not is_trust_nobody(statement):
        return None
    condition = statement.get("Condition")
    if not condition or _trust_nobody_mark(condition) is not None:
        return statement
    if len(as_list((trust or {}).get("Statement"))) != 1:
        return None
    return statement


def without_trust_nobody(trust: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the trust policy without the revoke's statement for nobody (:func:`revokes_trust_nobody`), for a grant."""
    if revokes_trust_nobody(trust) is not None:
        return remove_statement(trust or {}, TRUST_SID)
    return trust


def kept_trust_condition(trust: dict[str, Any] | None) -> dict[str, Any]:
    """
    Return the ``Condition`` a revoke kept on its statement for nobody in ``trust``, without its mark (``{}``: none).

    Someone added it to the provider's statement before the revoke (see :func:`trust_without_role`).
    """
    return without_trust_nobody_mark((revokes_trust_nobody(trust) or {}).get("Condition"))


def granted_trust_statement(trust: dict[str, Any] | None, principal_arns: Iterable[str]) -> dict[str, Any]:
    """
    Return the provider's trust statement for ``principal_arns``, for a grant to merge into ``trust``.

    It carries the ``Condition`` a revoke kept (:func:`kept_trust_condition`).
    """
    statement = trust_statement(principal_arns)
    kept_condition = kept_trust_condition(trust)
    if kept_condition:
        statement["Condition"] = kept_condition
    return statement


def _is_role(value: str, account: str, role_name: str) -> bool:
    """Return whether an ARN names role ``role_name`` (any path, any case) of ``account``."""
    match = _USER_OR_ROLE_ARN.match(value)
    return (
        match is not None
        and match.group(1).split(":")[4] == account
        and ":role/" in match.group(1)
        and match.group(2).lower() == role_name.lower()
    )


def identity_key(value: Any) -> Any:
    """
    Return what tells IAM users and roles apart in an ARN: the ARN with the name's case folded.

    IAM names are unique without regard to case (IAM API Reference, "CreateRole", ``RoleName``: "Names
    are not distinguished by case. For example, you cannot create resources named both "MyResource"
    and "myresource""), so ``…:role/EMR_EC2_DefaultRole`` and ``…:role/emr_ec2_defaultrole`` name the
    same role, and a resource policy shows the role's own spelling once saved (IAM User Guide, "AWS
    JSON policy elements: Principal": the ARN is transformed to the role's unique ID when the policy is
    saved, and back to the ARN when it is displayed). Anything else is returned as it is.
    """
    if not isinstance(value, str):
        return value
    match = _USER_OR_ROLE_ARN.match(value)
    return value if match is None else match.group(1) + match.group(2).lower()


def same_identity(shown: str, given: str) -> bool:
    """
    Return whether two ARNs name the same IAM user or role: partition, account and path exactly, the name in any case.

    IAM names are unique without regard to case (see :func:`identity_key`), so ``GetRole`` finds the one role of
    a name in whatever case it is asked for; its path is part of its ARN and is compared as written.
    """
    return bool(identity_key(shown) == identity_key(given))


def without_identities(values: Iterable[Any], unwanted: Iterable[Any]) -> list[Any]:
    """Return ``values`` without those naming the same user or role as one of ``unwanted`` (see :func:`identity_key`)."""
    dropped = {identity_key(value) for value in unwanted}
    return [value for value in values if identity_key(value) not in dropped]


def names_any(values: Iterable[Any], wanted: Iterable[Any]) -> bool:
    """Return whether ``values`` name one of the users or roles ``wanted`` names, in any spelling (see :func:`identity_key`)."""
    return bool({identity_key(value) for value in values} & {identity_key(value) for value in wanted})


def _role_key(value: Any) -> tuple[str, str, str] | None:
    """``(partition, account, name in lower case)`` of a role ARN without wildcards; ``None`` for anything else."""
    match = _USER_OR_ROLE_ARN.match(value) if isinstance(value, str) else None
    if match is None or is_wildcard(value):
        return None
    _, partition, _, _, account, resource = match.group(1).split(":", 5)
    return (partition, account, match.group(2).lower()) if resource.startswith("role/") else None


def same_role(shown: Any, given: Any) -> bool:
    """
    Return whether ``shown`` names the IAM role ``given`` names: same partition and account, the name in any case,
    whatever the path either holds.

    A role's name alone tells it in its account: "IAM user, group, role, and policy names must be unique within the
    account. Names are not distinguished by case" (IAM API Reference, "CreateRole", ``RoleName``), while its ARN
    holds its path (IAM User Guide, "IAM identifiers", "IAM ARNs"): ``…:role/team/writer`` and ``…:role/writer`` of
    one account name one role, which only one of them spells as IAM shows it. So a revoke given either takes both
    out. Another account's or partition's role of that name is another role. A value with a wildcard someone wrote,
    a user, or anything else is compared as :func:`same_identity` compares it (the path exactly).
    """
    if identity_key(shown) == identity_key(given):
        return True
    key = _role_key(shown)
    return key is not None and key == _role_key(given)


def roles_named(values: Iterable[Any], wanted: Iterable[Any]) -> list[str]:
    """Return the ``values`` (in their order, once each) that name one of the roles ``wanted`` names (:func:`same_role`)."""
    wanted = list(wanted)
    found: list[str] = []
    for value in values:
        if isinstance(value, str) and value not in found and any(same_role(value, role) for role in wanted):
            found.append(value)
    return found


def without_roles_named(values: Iterable[Any], unwanted: Iterable[Any]) -> list[Any]:
    """Return ``values`` without those naming one of the roles ``unwanted`` names, at any path (:func:`same_role`)."""
    unwanted = list(unwanted)
    return [value for value in values if not any(same_role(value, role) for role in unwanted)]


def names_role(values: Iterable[Any], wanted: Iterable[Any]) -> bool:
    """Return whether ``values`` name one of the roles ``wanted`` names, at any path (:func:`same_role`)."""
    return bool(roles_named(values, wanted))


def principals_naming(document: dict[str, Any] | None, role_arn: str) -> list[str]:
    """
    Return the ARNs by which ``Principal.AWS`` of the document's statements names the role of ``role_arn``
    (:func:`same_role`: any path, the name in any case), in the document's order.
    """
    held = [
        value
        for statement in as_list((document or {}).get("Statement"))
        if isinstance(statement, dict)
        for value in aws_principals(statement)
    ]
    return roles_named(held, [role_arn])


def resources_naming(documents: Iterable[dict[str, Any] | None], role_arn: str) -> list[str]:
    """
    Return the ARNs by which the ``Resource`` of the documents' statements names the role of ``role_arn``
    (:func:`same_role`: any path, the name in any case), in the documents' order.
    """
    held = [
        value
        for document in documents
        for statement in as_list((document or {}).get("Statement"))
        if isinstance(statement, dict)
        for value in as_list(statement.get("Resource"))
    ]
    return roles_named(held, [role_arn])


def statements_naming(document: dict[str, Any] | None, principal_arn: str, *, besides: str | None = None) -> list[str]:
    """
    Return, for messages, the statements of a resource policy naming ``principal_arn`` as a principal.

    A statement names it in ``Principal.AWS`` or ``NotPrincipal.AWS``. Each is given by its ``Sid`` in quotes, or
    ``#N`` (its place) without one; the role's name in any case, at any path, counts (see :func:`same_role`: the
    one role of that name in its account). A resource policy (key, bucket or trust policy) keeps a principal as
    its unique ID: once the principal is deleted, the policy
    shows that ID instead, and KMS, S3 and IAM refuse to save a policy keeping it (see ``docs/howto/revoke.md``).
    ``NotPrincipal`` counts too, on the safe side: AWS documents the transformation for ``Principal`` only, and
    ``NotPrincipal`` names principals as ``Principal`` does (IAM User Guide, "AWS JSON policy elements:
    NotPrincipal": "The syntax for specifying NotPrincipal is the same as for specifying AWS JSON policy elements:
    Principal"), so whether it keeps the unique ID is not proven (``docs/limits.md``). A ``Condition`` value such as
    ``aws:PrincipalArn`` does not count: "AWS does not convert condition key ARNs to IDs" (IAM User Guide, "AWS JSON
    policy elements: Principal", IAM role principals).

    :param besides: the ``Sid`` of a statement left out (the one the caller changes itself).
    """
    return [
        repr(statement["Sid"]) if isinstance(statement.get("Sid"), str) else f"#{index}"
        for index, statement in enumerate(as_list((document or {}).get("Statement")))
        if isinstance(statement, dict)
        and (besides is None or statement.get("Sid") != besides)
        and names_role(aws_principals(statement) + aws_principals(statement, "NotPrincipal"), [principal_arn])
    ]


def grants_assume_role(statement: Any, principal_arn: str) -> bool:
    """
    Return whether a trust statement unconditionally lets ``principal_arn`` call ``sts:AssumeRole``: its ``Action``
    or ``NotAction`` matched as IAM matches them, in any case and with wildcards (:func:`surely_allows_assume_role`).
    """
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Condition" in statement:
        return False
    held = {identity_key(value) for value in aws_principals(statement)}
    return identity_key(principal_arn) in held and surely_allows_assume_role(statement)


def surely_allows_assume_role(statement: dict[str, Any]) -> bool:
    """
    Whether a statement's ``Action`` surely allows ``sts:AssumeRole`` (a value that is no string may not; a statement
    with neither ``Action`` nor ``NotAction``, which IAM refuses, does not).
    """
    written = statement.get("Action", statement.get("NotAction"))
    return (
        bool(as_list(written))
        and all(isinstance(value, str) for value in as_list(written))
        and allows_assume_role(statement, ("sts:AssumeRole",))
    )


def conditional_trusts(document: dict[str, Any] | None, principal_arn: str, *, besides: str) -> list[str]:
    """
    Describe, for a warning, the statements that let ``principal_arn`` call ``sts:AssumeRole`` only under a ``Condition``.

    Each as its ``Sid`` in quotes (``#N`` without one) and its condition keys. A statement naming the role (any path:
    :func:`same_role`) counts, and so does one naming its account (``arn:PARTITION:iam::ACCOUNT:root`` or the bare
    account id): the usual ``sts:ExternalId`` trust names the other account, which lets its administrators delegate
    to the role (STS API Reference, "AssumeRole", ``ExternalId``; IAM User Guide, "AWS JSON policy elements:
    Principal", AWS account principals); and so does one naming everyone (``"*"``, as the usual org-wide trust under
    ``aws:PrincipalOrgID`` does: :func:`_names_everyone`). Only while no statement but ``besides`` (the provider's)
    trusts it unconditionally: the provider's then adds it unconditionally, and an Allow in any statement suffices
    absent a Deny (IAM User Guide, "Policy evaluation logic"), so the condition no longer restricts it. ``[]`` when
    another statement already trusts it without one (the condition restricts nothing then; matched as the conditional
    ones are) or when the provider's statement carries a ``Condition`` the grant keeps (:func:`owned_statement`;
    after a revoke, one kept beside the mark: :func:`kept_trust_condition`). A statement is left out when someone's
    ``Deny`` statements naming the role (or everyone) for ``sts:AssumeRole`` hold, together, all its condition keys
    (or one has no ``Condition``): an explicit deny overrides any allow (same page), so they keep the restriction; a
    Deny under other keys restricts something else ("The difference between explicit and implicit denies": a Deny
    applies only where it matches).
    """
    statements = as_list((document or {}).get("Statement"))
    others = [
        (index, item) for index, item in enumerate(statements) if isinstance(item, dict) and item.get("Sid") != besides
    ]
    if _keeps_own_condition(find_statement(document, besides)) or any(
        _trusts_under_condition(item, principal_arn, conditioned=False) for _, item in others
    ):
        return []
    denies = [item for _, item in others if _denies_assume_role(item, principal_arn)]
    if any("Condition" not in item for item in denies):
        return []  # a Deny of the role with no Condition: it cannot assume the role at all
    found = []
    for index, item in others:
        if not _trusts_under_condition(item, principal_arn):
            continue
        keys = _condition_keys(item)
        if all(_kept_by(test, denies) for test in _tests(item)):
            continue  # the role's Denies keep every test of its condition
        label = repr(item["Sid"]) if isinstance(item.get("Sid"), str) else f"#{index}"
        found.append(f"{label} (condition keys {', '.join(sorted(keys))})")
    return found


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    """The condition keys of a statement's ``Condition``, as written (none: an empty set)."""
    condition = statement.get("Condition")
    pairs = condition.values() if isinstance(condition, dict) else []
    return {key for each in pairs if isinstance(each, dict) for key in each}


#: Each condition operator that tests a single-valued key, and the one that denies exactly what it does not allow.
NEGATED_OPERATORS = {
    "stringequals": "stringnotequals",
    "stringequalsignorecase": "stringnotequalsignorecase",
    "stringlike": "stringnotlike",
    "arnequals": "arnnotequals",
    "arnlike": "arnnotlike",
    "numericequals": "numericnotequals",
    "ipaddress": "notipaddress",
}


def _tests(statement: dict[str, Any]) -> list[tuple[str, str, frozenset[str]]]:
    """
    A statement's condition as its tests: (operator, key, values), operator and key in lower case ("Condition key
    names are not case-sensitive", IAM User Guide, "IAM JSON policy elements: Condition"), values as strings.
    """
    condition = statement.get("Condition")
    tests = []
    for operator, pairs in condition.items() if isinstance(condition, dict) else []:
        for key, values in pairs.items() if isinstance(pairs, dict) else []:
            tests.append((str(operator).lower(), str(key).lower(), frozenset(str(value) for value in as_list(values))))
    return tests


def _kept_by(test: tuple[str, str, frozenset[str]], denies: list[dict[str, Any]]) -> bool:
    """
    Whether one of ``denies`` keeps an Allow's ``test``: a Deny whose whole ``Condition`` is that test negated
    (:data:`NEGATED_OPERATORS`, ``...IfExists`` too), on the same key, of no value the Allow does not allow. The keys of
    one condition are ANDed, so a Deny of several applies only where all hold; a negated operator with several values
    denies only what matches none, so a value the Allow refuses would pass (IAM User Guide, "Conditions with multiple
    context keys or values"); a ``ForAnyValue:`` set operator is false for an absent key (same guide, "Set operators
    for multivalued context keys"). Anything else (``Null``, ``Bool``, a set operator): not kept, and the warning stays.
    """
    operator, key, values = test
    negated = NEGATED_OPERATORS.get(operator)
    if negated is None:
        return False
    for deny in denies:
        tests = _tests(deny)
        if len(tests) != 1:
            continue
        deny_operator, deny_key, deny_values = tests[0]
        if deny_key == key and deny_operator.removesuffix("ifexists") == negated and deny_values <= values:
            return True
    return False


def _keeps_own_condition(ours: dict[str, Any] | None) -> bool:
    """
    Return whether the provider's statement carries a ``Condition`` a grant keeps.

    A revoke's statement for nobody (:func:`~.documents.is_trust_nobody`) does not: a grant replaces it, putting back
    only the ``Condition`` kept beside its mark (:func:`kept_trust_condition`).
    """
    if ours is None or "Condition" not in ours:
        return False
    return not is_trust_nobody(ours) or bool(without_trust_nobody_mark(ours.get("Condition")))


def _account_principals(principal_arn: str) -> set[str]:
    """Return the two spellings of the account of ``principal_arn`` as a principal: its ``root`` ARN and its id."""
    parts = principal_arn.split(":", 5)
    return {parts[4], f"arn:{parts[1]}:iam::{parts[4]}:root"} if len(parts) == 6 and parts[4] else set()


def _names_everyone(statement: dict[str, Any]) -> bool:
    """
    Return whether a statement's ``Principal`` is ``"*"``, as a string or in its ``AWS`` list: every principal, the
    role among them (IAM User Guide, "AWS JSON policy elements: Principal", All principals). IAM accepts no other
    wildcard there (same page: none may match part of a principal's name or ARN), so nothing else is matched as one.
    """
    return statement.get("Principal") == "*" or "*" in aws_principals(statement)


def _trusts_under_condition(statement: dict[str, Any], principal_arn: str, *, conditioned: bool = True) -> bool:
    """
    Return whether an Allow lets the role (any path), its account or everyone (``"*"``: :func:`_names_everyone`, as
    the usual org-wide trust under ``aws:PrincipalOrgID`` does) call ``sts:AssumeRole`` under a ``Condition``
    (``conditioned=False``: without one, its ``Action`` surely allowing it). A statement naming the role only through
    its account or ``"*"`` whose condition the role's ARN and account decide alone (``aws:PrincipalArn``, for a role
    the role's ARN, and ``aws:PrincipalAccount``: IAM User Guide, "AWS global condition context keys") either never
    let the role in (another account's, another role's) or lets it in whatever the request: nothing is made moot.
    """
    if statement.get("Effect") != "Allow" or isinstance(statement.get("Condition"), dict) != conditioned:
        return False
    if not conditioned and "Condition" in statement:
        return False
    held = aws_principals(statement)
    the_role = names_role(held, [principal_arn])
    named = the_role or bool(set(held) & _account_principals(principal_arn)) or _names_everyone(statement)
    if not conditioned:
        return named and surely_allows_assume_role(statement)
    if named and not the_role:
        from airflow_provider_emrfs_xacct.pure.evaluator import conditions_hold

        context = {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": principal_arn.split(":")[4]}
        if conditions_hold(statement["Condition"], context, frozenset())[0] is not None:
            return False  # decided by the principal alone: never this role's, or not restricting it
    return named and allows_assume_role(statement, ("sts:AssumeRole",))


def _denies_assume_role(statement: dict[str, Any], principal_arn: str) -> bool:
    """
    Return whether a Deny names the role (any path), or everyone (:func:`_names_everyone`), for ``sts:AssumeRole``,
    under a ``Condition`` or none; it keeps restricting the role only where its condition keys cover the Allow's
    (:func:`conditional_trusts`).
    """
    return (
        statement.get("Effect") == "Deny"
        and (names_role(aws_principals(statement), [principal_arn]) or _names_everyone(statement))
        and allows_assume_role(statement, ("sts:AssumeRole",))
    )


_UNKNOWN_TRUST_NOBODY = (
    "statement {sid!r} is a Deny of sts:AssumeRole for every principal under a Condition, beside other statements: "
    "a revoke of an earlier release left it so (with the Condition someone had added to the provider's statement), "
    "or it was written by hand, and the provider cannot tell which. While it stands it refuses every principal its "
    "Condition matches, whatever the other statements allow. Remove it (or keep it as a restriction of your own "
    "under another Sid), run again, and add the Condition back to statement {sid!r} if it was meant for it"
)


def merged_principals(
    document: dict[str, Any] | None, sid: str, wanted: Iterable[str], *, skip_if_granted: bool = False
) -> list[str]:
    """
    Return the principals the provider's statement should hold: what it holds now plus ``wanted``.

    A wanted principal already held under another spelling of its name is not added again (see
    :func:`identity_key`). With ``skip_if_granted``, a wanted principal that another statement already
    trusts unconditionally is not added either.
    """
    ours = find_statement(document, sid)
    if is_trust_nobody(ours):
        raise ConflictError(_UNKNOWN_TRUST_NOBODY.format(sid=sid))
    current = live_principals(aws_principals(ours))
    for value in current:
        if widens_principal(value):
            raise ConflictError(
                f"statement {sid!r} holds the wildcard principal {value!r}; the provider never writes a wildcard "
                "or whole-account principal back: remove it, or restrict the statement with a Condition"
            )
    others = [item for item in as_list((document or {}).get("Statement")) if item is not ours]
    result = list(current)
    held = {identity_key(value) for value in result}
    for arn in wanted:
        if identity_key(arn) in held:
            continue
        if skip_if_granted and any(grants_assume_role(statement, arn) for statement in others):
            continue
        result.append(arn)
        held.add(identity_key(arn))
    return sorted(set(result))


def merged_resources(document: dict[str, Any] | None, sid: str, wanted: Iterable[str]) -> list[str]:
    """Return the provider's statement's resources plus ``wanted``, sorted and without duplicates."""
    ours = find_statement(document, sid)
    held = as_list((ours or {}).get("Resource"))
    for value in held:
        if not isinstance(value, str) or is_wildcard(value):
            raise ConflictError(
                f"statement {sid!r} holds the wildcard resource {value!r}; the provider never writes it back: "
                "remove it, or allow it in a statement of your own"
            )
    return sorted(set(held) | set(wanted))


def policy_text(document: dict[str, Any], *, latin1: bool = True, utf8: bool = False) -> str:
    """
    Return the text a policy is sent as: JSON without the spaces after ``,`` and ``:``.

    KMS and S3 limit the policy they are sent in bytes (AWS KMS Developer Guide, "Create a key policy", "Elements in a
    key policy": "Up to 32 kilobytes (32,768 bytes)"; Amazon S3 User Guide, "Bucket policies and user policies":
    "limited to 20 KB in size"), and document no exception for white space as IAM does ("IAM doesn't count white
    space"): every space sent counts. IAM and KMS take the printable characters of Basic Latin and Latin-1 Supplement
    as they are (IAM User Guide, "IAM and AWS STS quotas": "characters in the range U+0020 to U+00FF"; AWS KMS
    Developer Guide, "Create a key policy": "Printable characters in the Basic Latin and Latin-1 Supplement character
    set"; both APIs' ``Pattern`` ``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+``): ``é`` is sent as itself, two bytes
    in UTF-8, not as the six of ``\\u00e9``, which counted against the quotas as much. Any other character is sent as
    its JSON escape, made of those characters.

    An unquoted number read from a document (:class:`PolicyNumber`) is sent as it was written.

    :param latin1: ``False`` for S3, which documents no character set for a bucket policy: every character beyond
        ASCII is sent escaped, as JSON allows anywhere.
    :param utf8: every character as itself, in UTF-8 (but for the escapes JSON requires, and a lone surrogate, which
        UTF-8 cannot carry, escaped): the shortest text of the document, for a bucket policy whose escaped text would
        not fit (``hooks.s3.bucket_policy_text``). It wins over ``latin1``.
    """
    if utf8:
        text = _json_text(document, ensure_ascii=False)
        return _SURROGATE.sub(lambda match: json.dumps(match.group())[1:-1], text)
    if not latin1:
        return _json_text(document, ensure_ascii=True)
    text = _json_text(document, ensure_ascii=False)
    return _ESCAPED_IN_POLICIES.sub(lambda match: json.dumps(match.group())[1:-1], text)


def shortest_policy_text(document: dict[str, Any], *, latin1: bool = True) -> str:
    """
    Return the shortest text of ``document`` a service takes: :func:`policy_text`, but every Latin-1 character as itself.

    IAM and KMS take every character of their ``PolicyDocument`` / ``Policy`` pattern ``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+``
    as itself (IAM API Reference, "UpdateAssumeRolePolicy" and "PutRolePolicy": "The printable characters in the Basic
    Latin and Latin-1 Supplement character set (through \\u00FF)"; AWS KMS API Reference, "PutKeyPolicy": "Printable
    characters in the Basic Latin and Latin-1 Supplement character set"), a no-break space (U+00A0) among them, which
    :func:`policy_text` escapes: one character, two bytes, where its escape takes six. Any other character is sent as
    its JSON escape (a character beyond the BMP as a pair), as it must be. No text of ``document`` a service holds is
    shorter, as IAM counts (whitespace aside) or in bytes: it holds the characters beyond Latin-1 escaped too.

    :param latin1: ``False`` for S3, which documents no character set: every character as itself, in UTF-8
        (:func:`policy_text`, ``utf8``).
    """
    if not latin1:
        return policy_text(document, utf8=True)
    text = _json_text(document, ensure_ascii=False)
    return _OUTSIDE_POLICY_PATTERN.sub(lambda match: json.dumps(match.group())[1:-1], text)


def policy_text_within(document: dict[str, Any], room: int, *, in_bytes: bool = False, latin1: bool = True) -> str:
    """
    Return :func:`policy_text` of ``document``, unless it is longer than ``room``: then :func:`shortest_policy_text`.

    :param room: in characters as IAM counts them (:func:`stored_policy_length`), or in UTF-8 bytes (``in_bytes``,
        as KMS and S3 limit a policy).
    """
    text = policy_text(document, latin1=latin1)
    if text_size(text, in_bytes=in_bytes) <= room:
        return text
    return shortest_policy_text(document, latin1=latin1)


def written_text(
    current: dict[str, Any] | None,
    desired: dict[str, Any],
    *,
    read: str | None = None,
    in_bytes: bool = False,
    shrinking: bool = False,
    room: int | None = None,
) -> str:
    """
    Return the text to send for ``desired``: :func:`policy_text`, but never longer than what the service holds when
    ``desired`` only removes from ``current`` (:func:`only_removes`, or ``shrinking``: the caller's revoke), nor than
    ``room`` when it adds (:func:`policy_text_within`).

    A write that adds is judged for size as :func:`policy_size` measures it, its shortest text; it sends
    :func:`policy_text` if that fits ``room`` (the limit, or what other policies leave of it), else the shortest text,
    so that what is sent never exceeds what was judged to fit.

    A write that only removes must not send more than the service held (and then took for its size): the provider's
    usual text escapes a no-break space held as itself, six characters for one, which could take a revoke past the
    quota. Such a write sends :func:`policy_text` if it is no longer than ``read`` (the text the service answered,
    URL-decoded), or than :func:`shortest_policy_text` of ``current`` when the text is not at hand (no text of it the
    service holds is shorter); else its own shortest text, no longer than that.

    :param in_bytes: measured in UTF-8 bytes (KMS), not in characters without whitespace (IAM).
    :param room: for a write that adds; ``None``: :func:`policy_text` as it is.
    """
    if current is None or not (shrinking or only_removes(current, desired)):
        return policy_text(desired) if room is None else policy_text_within(desired, room, in_bytes=in_bytes)
    held = shortest_policy_text(current) if read is None else read
    return policy_text_within(desired, text_size(held, in_bytes=in_bytes), in_bytes=in_bytes)


def text_size(text: str, *, in_bytes: bool = False) -> int:
    """The size of a policy's text: its UTF-8 bytes (``in_bytes``), else its characters as IAM counts them."""
    return len(text.encode("utf-8", "surrogatepass")) if in_bytes else stored_policy_length(text)


def policy_size(document: dict[str, Any], *, in_bytes: bool = False) -> int:
    """
    Return the size every provider size check judges: that of :func:`shortest_policy_text`, the shortest text IAM and
    KMS take (:func:`text_size`: UTF-8 bytes for KMS's 32,768, else IAM's count, whitespace aside).

    No text of the document the service can be sent is shorter, so a document refused at this size would be refused
    whatever text were sent; the write then sends :func:`policy_text_within` the same room (:func:`written_text`), so
    that what is sent never exceeds what was judged to fit. :func:`iam_policy_length` counts the usual text instead.
    """
    return text_size(shortest_policy_text(document), in_bytes=in_bytes)


def only_removes(current: dict[str, Any] | None, desired: dict[str, Any] | None) -> bool:
    """
    Whether ``desired`` is ``current`` with things taken out only: each key and value it holds is in ``current``, and
    each list holds no more items, each in the list of ``current`` it replaces (a value beside a list of it counts as
    within it; a list in place of a single value does not: its brackets are more text). Its text is then never
    longer than ``current``'s, sent alike. ``None`` (a delete, or nothing to start from) is not.
    """
    if current is None or desired is None:
        return False
    return _within(desired, current)


def _within(small: Any, big: Any) -> bool:
    """:func:`only_removes` for one value."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(key in big and _within(value, big[key]) for key, value in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and len(small) <= len(big) and all(_within_one(item, big) for item in small)
    if isinstance(big, list):
        return _within_one(small, big)
    return type(small) is type(big) and small == big


def _within_one(item: Any, items: list[Any]) -> bool:
    """Whether ``item`` is within one of ``items``."""
    return any(_within(item, other) for other in items)


def _json_text(value: Any, *, ensure_ascii: bool) -> str:
    """``json.dumps`` without spaces, but a :class:`PolicyNumber` as its own text, unquoted."""
    if isinstance(value, PolicyNumber):
        return str.__str__(value)
    if isinstance(value, dict):
        items = (
            json.dumps(key if isinstance(key, str) else json.dumps(key), ensure_ascii=ensure_ascii)
            + ":"
            + _json_text(item, ensure_ascii=ensure_ascii)
            for key, item in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_text(item, ensure_ascii=ensure_ascii) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


#: What :func:`policy_text` escapes: all but printable ASCII and printable Latin-1 (``json.dumps`` escapes controls).
_ESCAPED_IN_POLICIES = re.compile("[^\u0020-\u007e\u00a1-\u00ff]")
#: What IAM and KMS do not take in a policy as itself (their pattern ``[\u0009\u000A\u000D\u0020-\u00FF]+``): what
#: :func:`shortest_policy_text` escapes (``json.dumps`` has escaped the controls already).
_OUTSIDE_POLICY_PATTERN = re.compile("[^\t\n\r\u0020-\u00ff]")
#: What :func:`policy_text` escapes in UTF-8 text: a lone surrogate (a JSON escape read may hold one).
_SURROGATE = re.compile("[\ud800-\udfff]")


def document_size(document: dict[str, Any], *, latin1: bool = True, utf8: bool = False) -> int:
    """
    Return the size in UTF-8 bytes of a document's text: by default, the shortest text KMS takes (:func:`policy_size`,
    what a key policy's size check judges); with ``latin1=False`` or ``utf8``, :func:`policy_text` so made.
    """
    if latin1 and not utf8:
        return policy_size(document, in_bytes=True)
    return len(policy_text(document, latin1=latin1, utf8=utf8).encode())


#: IAM quotas, in characters without whitespace (the figures and their sources are in :mod:`.quotas`).
#: A role's trust policy: 2,048 by default, raisable to 4,096 (only that ceiling is checked; IAM refuses
#: the rest itself). All inline policies of a role together: 10,240. A managed policy: 6,144.
MAX_TRUST_POLICY_CHARS = int(TRUST_POLICY_CHARS.maximum or 0)
MAX_ROLE_INLINE_POLICIES_CHARS = int(ROLE_INLINE_POLICIES_CHARS.value or 0)
MAX_MANAGED_POLICY_CHARS = int(MANAGED_POLICY_CHARS.value or 0)
_SIZE_QUOTAS = {
    MAX_TRUST_POLICY_CHARS: TRUST_POLICY_CHARS,
    MAX_ROLE_INLINE_POLICIES_CHARS: ROLE_INLINE_POLICIES_CHARS,
    MAX_MANAGED_POLICY_CHARS: MANAGED_POLICY_CHARS,
}


def iam_policy_length(document: dict[str, Any]) -> int:
    """
    Return the length IAM counts for :func:`policy_text` of ``document``: its characters, whitespace excluded.

    The provider's size checks judge :func:`policy_size` instead, the shortest text IAM takes.
    """
    return stored_policy_length(policy_text(document))


def stored_policy_length(text: str) -> int:
    """
    Return the length IAM counts for a policy it holds as ``text`` (URL-decoded): its characters, whitespace excluded.

    For a policy the provider does not write (another inline policy of the role): IAM counts the text it was sent
    (IAM User Guide, "IAM and AWS STS quotas": "Role policy size cannot exceed 10,240 characters", "IAM doesn't count
    white space"), and ``GetRolePolicy`` answers that text (IAM API Reference, "GetRolePolicy": "URL-encoded compliant
    with RFC 3986"). Re-serialising the parsed document would count what the provider would send instead: an ``é``
    someone sent as ``\\u00e9`` (Python's ``json.dumps``) once, not six times. Whether IAM counts such an escape as
    the six characters sent or the one it means is not documented: the six are counted, on the safe side. Which
    characters are the "white space" IAM does not count is not documented either: only JSON's (space, tab, line feed,
    carriage return: RFC 8259, 2. JSON Grammar) are left out, and a no-break space (U+00A0) or next line (U+0085),
    which IAM takes in a policy ("characters in the range U+0020 to U+00FF"), is counted, on the safe side.
    """
    return len(text) - sum(text.count(space) for space in _JSON_WHITESPACE)


#: The whitespace of JSON's grammar (RFC 8259, 2. JSON Grammar): what :func:`stored_policy_length` leaves uncounted.
_JSON_WHITESPACE = " \t\n\r"


def require_iam_policy_length(document: dict[str, Any], limit: int, field: str, what: str) -> dict[str, Any]:
    """
    Refuse (naming ``field``, the IAM quota and the remedy) a policy document that IAM would refuse as too long.

    Measured as :func:`policy_size` (its shortest text): the write sends :func:`policy_text_within` ``limit``.
    """
    require_within(_SIZE_QUOTAS[limit], policy_size(document), field, what, limit=limit)
    return document


#: How to remove what :func:`kept_beyond_asked` names, once nothing needs it (the warning's and the verifier's fix).
#: A replaced key may still be needed: a bucket's default encryption is "the default server-side encryption to apply
#: to new objects in the bucket" (S3 API Reference, "ServerSideEncryptionRule"; changing it leaves the objects already
#: there as they were: S3 User Guide, "Specifying server-side encryption with Amazon S3 managed keys (SSE-S3)"), and
#: reading an SSE-KMS object needs ``kms:Decrypt`` on its key (S3 User Guide, "Using server-side encryption with AWS
#: KMS keys"; ``pure/requests.py``).
KEPT_REMOVAL = (
    "a trusted EMR EC2 role with RevokePartnerAccessOperator(emr_ec2_role_name=<that role>, kms_key_arns=None, "
    "security_configuration=None) (command line: revoke with that emr.ec2_role_name, kms_key_arns: [] and "
    "--keep-security-configuration), which also removes that role's assume-role grant; a prefix or a key by hand, "
    f"from the destination role's inline policy {DESTINATION_POLICY_NAME} (a prefix's ARNs from {OBJECTS_SID}: the "
    "next run keeps what is left and drops what was written for that prefix alone, its bucket's grants when it was "
    f"the bucket's last), and the role from that key's key-policy statement {KEY_USERS_SID}; a replaced key only "
    "once nothing reads the "
    "objects written with it any more (S3 does not re-encrypt them when the bucket's default key changes, and reading "
    "one needs kms:Decrypt on its own key)"
)


def kept_beyond_asked(
    policy: dict[str, Any] | None,
    trust: dict[str, Any] | None,
    locations: Iterable[S3Location],
    keys: Iterable[str],
    trusted: Iterable[str],
    *,
    object_acl: bool = True,
) -> list[str]:
    """
    Return, for a warning, what the provider's statements of a destination role grant that a run did not ask for.

    :param object_acl: the run asked for ``s3:PutObjectAcl`` (``False``: the provider's statement granting it, kept
        from an earlier run, is named too).

    The ``ensure`` operators only add (another pipeline may share the role), so a prefix, a key or a trusted EMR EC2
    role an earlier run asked for stays when a run asks for another: one item per kind, ``[]`` when nothing else is
    held. Read from the provider's inline policy (``policy``, as :func:`locations_in_permissions_policy` reads it)
    and its trust statement (``EmrfsXacctTrustEmrRoles`` of ``trust``, an ``Allow``; the unique IDs of deleted roles
    are left out: the next write drops them); statements the provider did not write are not the provider's to name.
    """
    held_locations, held_keys = locations_in_permissions_policy(policy)
    items = beyond_asked(held_locations, locations, held_keys, keys)
    if not object_acl and find_statement(policy, OBJECT_ACL_SID) is not None:
        items.append("s3:PutObjectAcl on the prefixes' objects (object_acl=True of an earlier run)")
    statement = find_statement(trust, TRUST_SID)
    if statement is not None and statement.get("Effect") == "Allow":
        roles = sorted(set(without_identities(live_principals(aws_principals(statement)), trusted)))
        if roles:
            items.append("trusted EMR EC2 roles " + ", ".join(roles))
    return items


def beyond_asked(
    held_locations: Iterable[S3Location],
    locations: Iterable[S3Location],
    held_keys: Iterable[str] = (),
    keys: Iterable[str] = (),
) -> list[str]:
    """
    Return the prefixes and keys a provider grant holds that a run did not ask for: one item per kind, ``[]`` when
    none. The rule every route's warning shares (the destination role's :func:`kept_beyond_asked`, the bucket
    policy's statements of a principal, the EMR EC2 role's option (a) policy): the ``ensure`` operators only add.
    """
    items = []
    prefixes = sorted(location.uri for location in set(held_locations) - set(locations))
    if prefixes:
        items.append("prefixes " + ", ".join(prefixes))
    other_keys = sorted(set(held_keys) - set(keys))
    if other_keys:
        items.append("KMS keys " + ", ".join(other_keys))
    return items


def kept_warning(holder: str, kept: list[str], sharers: str, removal: str) -> str:
    """
    The WARNING a run logs for what a provider grant keeps that it did not ask for (:func:`beyond_asked`).

    :param holder: what holds it (``Role emrfs-acme-writer``, ``The policy of bucket b for role …``).
    :param sharers: who else may need it (the ensure operators only add for them).
    :param removal: how to remove it once nothing needs it.
    """
    return (
        f"{holder} keeps access this run did not ask for: {'; '.join(kept)}. The ensure operators only add "
        f"({sharers}). If nothing needs it any more, remove it: {removal}"
    )
