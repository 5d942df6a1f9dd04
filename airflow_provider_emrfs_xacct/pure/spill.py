"""
Where the EMR EC2 role's ``sts:AssumeRole`` grants go once its inline policies are full.

Pure: standard library only. A role's inline policies share 10,240 characters (about 170 destination
role ARNs); past that, the provider puts the ARNs that do not fit into customer managed policies of
its own (6,144 characters each, about 100 ARNs), named ``<policy_name>-2``, ``-3`` … under the path
:data:`SPILL_PATH` and attached to the role, as many as the role's managed-policy quota leaves free
(10 by default, counting the policies others attached). Each document keeps the provider's one
statement (:data:`~.documents.ASSUME_SID`) listing exact role ARNs, never ``*``.

:func:`place` decides, before any write, which document takes which new ARN, and refuses with the
quota and the remedy when they all would not fit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    find_statement,
    iam_policy_length,
    merged_resources,
    upsert_statement,
)
from airflow_provider_emrfs_xacct.pure.quotas import MANAGED_POLICIES_PER_ROLE, QuotaExceededError

if TYPE_CHECKING:
    from collections.abc import Iterable

#: The IAM path of the provider's managed policies (their ARNs read ``…:policy/emrfs-xacct/<name>``).
SPILL_PATH = "/emrfs-xacct/"
#: IAM's limit on a policy name.
MAX_POLICY_NAME = 128


def spill_name(policy_name: str, index: int) -> str:
    """Return the name of the provider's ``index``-th managed policy (the inline policy is the first)."""
    name = f"{policy_name}-{index}"
    if len(name) > MAX_POLICY_NAME:
        raise InvalidParameterError(
            "policy_name", f"too long to name the managed policies the grants move into ({name!r} > 128 characters)"
        )
    return name


def is_spill_arn(policy_arn: str, policy_name: str) -> bool:
    """Return whether an attached policy's ARN is one of the provider's managed policies for ``policy_name``."""
    head, _, name = policy_arn.rpartition("/")
    suffix = name[len(policy_name) + 1 :] if name.startswith(f"{policy_name}-") else ""
    return head.endswith(f":policy{SPILL_PATH.rstrip('/')}") and suffix.isdigit()


def held(document: dict[str, Any] | None) -> set[str]:
    """Return the role ARNs the provider's assume-role statement of a document lists."""
    if find_statement(document, documents.ASSUME_SID) is None:
        return set()
    return set(merged_resources(document, documents.ASSUME_SID, []))


def with_roles(document: dict[str, Any] | None, role_arns: Iterable[str]) -> dict[str, Any]:
    """Return ``document`` with ``role_arns`` added to the provider's statement (every other statement kept)."""
    [statement] = documents.assume_role_policy(merged_resources(document, documents.ASSUME_SID, role_arns))["Statement"]
    return upsert_statement(document, statement)


def fill(document: dict[str, Any] | None, pending: list[str], limit: int) -> list[str]:
    """
    Return the first of ``pending`` that fit into ``document`` within ``limit`` characters (IAM's count).

    Each ARN after the first adds its quoted length and a comma; the result is checked exactly.
    """
    chosen: list[str] = []
    size = 0
    for arn in pending:
        trial = iam_policy_length(with_roles(document, [arn])) if not chosen else size + len(json.dumps(arn)) + 1
        if trial > limit:
            break
        chosen.append(arn)
        size = trial
    while chosen and iam_policy_length(with_roles(document, chosen)) > limit:
        chosen.pop()
    return chosen


@dataclass
class Placement:
    """Which document takes which new ARN: the inline policy, existing managed policies, new ones."""

    inline: list[str] = field(default_factory=list)
    managed: dict[str, list[str]] = field(default_factory=dict)
    new: list[list[str]] = field(default_factory=list)


def place(
    pending: list[str],
    *,
    inline: dict[str, Any] | None,
    inline_room: int,
    managed: dict[str, dict[str, Any] | None],
    free_slots: int,
    role_name: str,
    slots_limit: int,
) -> Placement:
    """
    Spread ``pending`` ARNs over the inline policy, the provider's managed policies, then new ones.

    :param inline_room: characters the provider's inline policy may take (10,240 less the role's other
        inline policies).
    :param managed: the provider's managed policies already attached, by name.
    :param free_slots: managed policies the role can still take (its quota less those attached).
    :raises QuotaExceededError: naming the managed-policy quota and the remedy, before any write.
    """
    placement = Placement()
    rest = list(pending)
    placement.inline = fill(inline, rest, inline_room)
    rest = rest[len(placement.inline) :]
    for name in sorted(managed):
        if not rest:
            break
        chosen = fill(managed[name], rest, MAX_MANAGED_POLICY_CHARS)
        if chosen:
            placement.managed[name] = chosen
            rest = rest[len(chosen) :]
    while rest:
        if len(placement.new) == free_slots:
            raise QuotaExceededError(
                "destination_role_arns",
                MANAGED_POLICIES_PER_ROLE,
                slots_limit - free_slots + len(placement.new) + 1,
                f"role {role_name}'s attached managed policies ({len(rest)} destination role ARNs left over after "
                "its inline policies and the provider's managed policies are full)",
                slots_limit,
            )
        chosen = fill(None, rest, MAX_MANAGED_POLICY_CHARS)
        placement.new.append(chosen)
        rest = rest[len(chosen) :]
    return placement


def without_roles(document: dict[str, Any] | None, unwanted: set[str]) -> dict[str, Any] | None:
    """
    Return ``document`` without ``unwanted`` in the provider's statement; ``None`` once nothing is left in it.

    The statement goes once empty; the document goes once it has no statement left.
    """
    if document is None or find_statement(document, documents.ASSUME_SID) is None:
        return document
    remaining = sorted(held(document) - unwanted)
    if remaining:
        [statement] = documents.assume_role_policy(remaining)["Statement"]
        return upsert_statement(document, statement, dropping=unwanted)
    statements = [
        item
        for item in documents.as_list(document.get("Statement"))
        if not (isinstance(item, dict) and item.get("Sid") == documents.ASSUME_SID)
    ]
    return {**document, "Statement": statements} if statements else None
