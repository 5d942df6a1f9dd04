"""
Merging the provider's statements into documents that others also write, and comparing by meaning.

Pure: standard library only. Statements the provider did not write are carried over as the very
same objects, in the same order; only the provider's own statement (found by its ``Sid``) changes.
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from airflow_provider_emrfs_xacct.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.policies.documents import VERSION, as_list

if TYPE_CHECKING:
    from collections.abc import Iterable

_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
# Unique ids IAM shows in place of a principal that was deleted (roles AROA…, users AIDA…).
_UNIQUE_ID = re.compile(r"^A[A-Z]{3}[A-Z0-9]{12,}$")


def parse_document(document: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """Return a policy document as a dict, decoding JSON text and IAM's URL-encoded JSON."""
    if document is None or isinstance(document, dict):
        return document
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    parsed = json.loads(text)
    if not isinstance(parsed, dict):
        raise ConflictError(f"policy document is not a JSON object: {document!r}")
    return parsed


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
            result[key] = sorted(set(as_list(result[key])))
    for key in ("Principal", "NotPrincipal"):
        if isinstance(result.get(key), dict):
            result[key] = {kind: sorted(set(as_list(values))) for kind, values in result[key].items()}
    if isinstance(result.get("Condition"), dict):
        result["Condition"] = {
            operator: {name: sorted(set(as_list(values))) for name, values in pairs.items()}
            if isinstance(pairs, dict)
            else pairs
            for operator, pairs in result["Condition"].items()
        }
    return result


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


def upsert_statement(document: dict[str, Any] | None, statement: dict[str, Any]) -> dict[str, Any]:
    """
    Return a copy of ``document`` with ``statement`` in place of the one with the same ``Sid``.

    A new statement goes last. Every other statement, and every other top-level key, is kept.
    """
    result = copy.deepcopy(document) if document else {"Version": VERSION, "Statement": []}
    statements = as_list(result.get("Statement"))
    sids = [item.get("Sid") if isinstance(item, dict) else None for item in statements]
    if sids.count(statement["Sid"]) > 1:
        raise ConflictError(f"the policy holds several statements with Sid {statement['Sid']!r}; fix it by hand")
    if statement["Sid"] in sids:
        statements[sids.index(statement["Sid"])] = statement
    else:
        statements.append(statement)
    result["Statement"] = statements
    return result


def remove_statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    """Return a copy of ``document`` without the statement with this ``Sid``."""
    result = copy.deepcopy(document)
    result["Statement"] = [
        item for item in as_list(result.get("Statement")) if not (isinstance(item, dict) and item.get("Sid") == sid)
    ]
    return result


def aws_principals(statement: dict[str, Any] | None) -> list[str]:
    """Return the ``Principal.AWS`` entries of a statement."""
    principal = (statement or {}).get("Principal")
    if isinstance(principal, dict):
        return [str(value) for value in as_list(principal.get("AWS"))]
    return []


def live_principals(principals: Iterable[str]) -> list[str]:
    """Drop unique ids (``AROA…``) that IAM shows in place of principals that were deleted."""
    return [value for value in principals if not _UNIQUE_ID.match(value)]


def grants_assume_role(statement: Any, principal_arn: str) -> bool:
    """Return whether a trust statement unconditionally lets ``principal_arn`` call ``sts:AssumeRole``."""
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Condition" in statement:
        return False
    actions = as_list(statement.get("Action"))
    return principal_arn in aws_principals(statement) and any(
        action in ("sts:AssumeRole", "sts:*", "*") for action in actions
    )


def merged_principals(
    document: dict[str, Any] | None, sid: str, wanted: Iterable[str], *, skip_if_granted: bool = False
) -> list[str]:
    """
    Return the principals the provider's statement should hold: what it holds now plus ``wanted``.

    With ``skip_if_granted``, a wanted principal that another statement already trusts
    unconditionally is not added again.
    """
    ours = find_statement(document, sid)
    current = live_principals(aws_principals(ours))
    others = [item for item in as_list((document or {}).get("Statement")) if item is not ours]
    result = list(current)
    for arn in wanted:
        if arn in result:
            continue
        if skip_if_granted and any(grants_assume_role(statement, arn) for statement in others):
            continue
        result.append(arn)
    return sorted(set(result))


def merged_resources(document: dict[str, Any] | None, sid: str, wanted: Iterable[str]) -> list[str]:
    """Return the provider's statement's resources plus ``wanted``, sorted and without duplicates."""
    ours = find_statement(document, sid)
    return sorted({str(value) for value in as_list((ours or {}).get("Resource"))} | set(wanted))


def document_size(document: dict[str, Any]) -> int:
    """Return the size in bytes of a document as it will be sent."""
    return len(json.dumps(document).encode())


#: IAM quotas, in characters without whitespace. A role's trust policy: 2,048 by default, raisable to
#: 4,096 (only that ceiling is checked; IAM refuses the rest itself). All inline policies of a role together: 10,240.
MAX_TRUST_POLICY_CHARS = 4096
MAX_ROLE_INLINE_POLICIES_CHARS = 10240


def iam_policy_length(document: dict[str, Any]) -> int:
    """Return the length IAM counts against its quotas: the characters sent, whitespace excluded."""
    return len("".join(json.dumps(document).split()))


def require_iam_policy_length(document: dict[str, Any], limit: int, field: str, what: str) -> dict[str, Any]:
    """Refuse (naming ``field``) a policy document that IAM would refuse as too long."""
    length = iam_policy_length(document)
    if length > limit:
        raise InvalidParameterError(field, f"{what} would be {length} characters, over IAM's {limit}-character limit")
    return document
