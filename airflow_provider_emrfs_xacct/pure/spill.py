"""
Where the EMR EC2 role's ``sts:AssumeRole`` grants go once its inline policies are full.

Pure: standard library only. A role's inline policies share 10,240 characters, of which the provider's takes about 150
destination role ARNs of 50 characters (:data:`INLINE_RESERVE` left to the others); past that, the provider puts the
ARNs that do not fit into customer managed policies of its own (6,144 characters each, about 110 ARNs), named
``<policy_name>-<role_name>-2``, ``-3`` … (:func:`spill_name`) under the path :data:`SPILL_PATH` and attached to the role, as many as the role's managed-policy quota
leaves free (10 by default, counting the policies others attached). Each document keeps the provider's
one statement (:data:`~.documents.ASSUME_SID`) listing exact role ARNs, never ``*``.

Each spill policy belongs to one role: IAM policy names are unique in an account whatever their path
(IAM API Reference, "CreatePolicy": "IAM user, group, role, and policy names must be unique within the
account"), so the role is in the name. Policies of the earlier, shared names ``<policy_name>-2`` …
(:func:`is_legacy_spill_name`) are still recognised; the hook writes to, attaches or deletes any of them
only while it carries the provider's tag (``ListPolicyTags``) and is attached to this role alone
(``ListEntitiesForPolicy``).

:func:`place` decides, before any write, which document takes which new ARN, and refuses with the
quota and the remedy when they all would not fit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    find_statement,
    merged_resources,
    policy_size,
    remove_owned_statement,
    upsert_statement,
    without_identities,
)
from airflow_provider_emrfs_xacct.pure.quotas import MANAGED_POLICIES_PER_ROLE, QuotaExceededError

if TYPE_CHECKING:
    from collections.abc import Iterable

#: The IAM path of the provider's managed policies (their ARNs read ``…:policy/emrfs-xacct/<name>``).
SPILL_PATH = "/emrfs-xacct/"
#: IAM's limit on a managed policy's name, ``[\w+=,.@-]{1,128}`` (IAM API Reference, "CreatePolicy";
#: IAM User Guide, "IAM and AWS STS quotas").
MAX_POLICY_NAME = 128
#: Room kept at the end of a name for ``-<index>`` (a role takes at most 20 managed policies).
INDEX_ROOM = 3
#: Characters of the role's shared inline budget (IAM User Guide, "IAM and AWS STS quotas": role policy size, all
#: inline policies of a role together, 10,240) the assume-role grant's inline policy leaves free for the role's other
#: inline policies: option (a)'s bucket grant (``GrantEmrRoleBucketAccessOperator``) and the account owner's own
#: policies must still grow. Filled to the last character, the next bucket or the owner's next ``PutRolePolicy``
#: adding twenty characters was refused, while the assume grants could have gone to a spill policy. Past it, the
#: grants spill to managed policies (:func:`place`); grants already inline stay there. The rule: the reserve is kept
#: only where the grants it would take can go to a managed policy, a spill policy with room or a free slot for a new one
#: (a spill costs a slot and ``iam:CreatePolicy``/``AttachRolePolicy``); where none can (the role at its quota), it is
#: filled rather than refusing what IAM accepts (the role's 10,240 characters together, whitespace not counted).
INLINE_RESERVE = 2_048
#: How long after IAM last wrote it (the policy's ``UpdateDate``) a spill policy attached to nothing is taken for a
#: concurrent grant's new policy, between its ``CreatePolicy`` and its ``AttachRolePolicy`` (:func:`in_flight`). A grant
#: creates every new policy (at most 19: IAM's 20 managed policies per role less one) before its first attach, each a
#: read, a write, the settle wait and a read-back, throttled and retried: minutes at most. The local clock read against
#: IAM's date is within five minutes of AWS's, or no request would have been answered (IAM User Guide, "AWS Signature
#: Version 4 for API requests": a request must reach AWS within five minutes of the time stamp in it).
IN_FLIGHT = timedelta(minutes=15)


def spill_stem(policy_name: str, role_name: str) -> str:
    """
    Return the stem of ``role_name``'s managed-policy names: ``<policy_name>-<role_name>``.

    A stem that would leave no room for ``-<index>`` within 128 characters (a role name has up to 64)
    is cut and ends with 12 hex digits of its SHA-256 instead, so that it stays one role's.
    """
    stem = f"{policy_name}-{role_name}"
    if len(stem) + INDEX_ROOM > MAX_POLICY_NAME:
        digest = hashlib.sha256(stem.encode()).hexdigest()[:12]
        stem = f"{stem[: MAX_POLICY_NAME - INDEX_ROOM - len(digest) - 1]}-{digest}"
    return stem


def spill_name(policy_name: str, role_name: str, index: int) -> str:
    """Return the name of ``role_name``'s ``index``-th managed policy (the inline policy is the first)."""
    return f"{spill_stem(policy_name, role_name)}-{index}"


def is_legacy_spill_name(name: str, policy_name: str) -> bool:
    """Return whether ``name`` is an earlier, role-less spill name ``<policy_name>-<n>`` (shared by every role), in any case."""
    return name.lower().startswith(f"{policy_name.lower()}-") and name[len(policy_name) + 1 :].isdigit()


def is_own_spill_name(name: str, policy_name: str, role_name: str) -> bool:
    """
    Return whether ``name`` is one of ``role_name``'s own spill-policy names (``<stem>-<n>``), not an earlier shared one.

    Compared without case: IAM role and policy names are not distinguished by case (IAM API Reference,
    "CreateRole", "CreatePolicy"), so ``EMR_EC2_DefaultRole`` and ``emr_ec2_defaultrole`` are one role
    with one set of names. (A stem cut to fit, ending in a hash, is recognised only under the spelling it was made from.)
    """
    stem = spill_stem(policy_name, role_name)
    return name.lower().startswith(f"{stem.lower()}-") and name[len(stem) + 1 :].isdigit()


def is_spill_arn(policy_arn: str, policy_name: str, role_name: str) -> bool:
    """
    Return whether an attached policy's ARN is one of the provider's managed policies for ``role_name``.

    True for ``role_name``'s own names and for the earlier shared names; whether the policy is attached
    to this role alone is for the caller to check.
    """
    name = policy_arn.rpartition("/")[2]
    own = is_own_spill_name(name, policy_name, role_name)
    return _at_spill_path(policy_arn) and (own or is_legacy_spill_name(name, policy_name))


def same_role_spill(policy_arn: str, other_arn: str) -> bool:
    """
    Return whether ``other_arn`` is a spill policy of the same role as ``policy_arn``, one of its own names.

    Both under :data:`SPILL_PATH`, named ``<stem>-<n>`` with one stem (:func:`spill_stem`), in any case (IAM policy
    names are not distinguished by case, "CreatePolicy"); the stem is ``policy_arn``'s name less its ``-<n>``.
    """
    stem, _, index = policy_arn.rpartition("/")[2].rpartition("-")
    other = other_arn.rpartition("/")[2]
    return (
        index.isdigit()
        and _at_spill_path(policy_arn)
        and _at_spill_path(other_arn)
        and other.lower().startswith(f"{stem.lower()}-")
        and other[len(stem) + 1 :].isdigit()
    )


def has_room(document: dict[str, Any] | None, role_arns: Iterable[str], limit: int = MAX_MANAGED_POLICY_CHARS) -> bool:
    """
    Return whether the provider's statement of ``document`` can take one more of ``role_arns`` within ``limit``.

    Measured as the write that adds it is judged and sent (:func:`~.merge.policy_size`, :func:`fill`).
    """
    return any(policy_size(with_roles(document, [arn])) <= limit for arn in role_arns)


def written_ago(last_written: datetime | None, now: datetime) -> timedelta | None:
    """Return how long before ``now`` a policy was last written (``None``: no date); a date without a zone is UTC."""
    if last_written is None:
        return None
    if last_written.tzinfo is None:  # IAM's dates are ISO 8601 in UTC
        last_written = last_written.replace(tzinfo=timezone.utc)
    return now - last_written


def in_flight(last_written: datetime | None, now: datetime) -> bool:
    """
    Return whether a spill policy attached to nothing was written too recently to be taken for a left-over one.

    A concurrent grant's new policy waits for its ``AttachRolePolicy`` while the grant creates the others; a revoke
    killed after its ``DetachRolePolicy``, or a grant killed before its attach, leaves one that waits for nothing. IAM
    shows no difference but the time: ``UpdateDate``, "when the policy was last updated" (the creation of its latest
    version; IAM API Reference, "Policy" data type). Within :data:`IN_FLIGHT` of ``now`` (or after it: the clocks
    differ), it is taken as in flight; ``None`` (no date answered): not.
    """
    ago = written_ago(last_written, now)
    return ago is not None and ago < IN_FLIGHT


def _at_spill_path(policy_arn: str) -> bool:
    """Return whether a managed policy's ARN puts it under the provider's path :data:`SPILL_PATH`."""
    return policy_arn.rpartition("/")[0].endswith(f":policy{SPILL_PATH.rstrip('/')}")


def managed_policy_label(policy_arn: str, policy_name: str) -> str:
    """
    Return how a role's attached managed policy is named among its policies (``get_role_policies``).

    By its name under the provider's path :data:`SPILL_PATH`; elsewhere with its ARN too, so that a policy of a spill
    policy's name at another path (someone's copy: IAM keeps a policy's name unique in the account whatever its path,
    "CreatePolicy") is not taken for one the revoke changes (:func:`as_revoked`), which the hook never writes.
    """
    at_spill_path = _at_spill_path(policy_arn)
    return f"managed policy {policy_name}" if at_spill_path else f"managed policy {policy_name} ({policy_arn})"


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

    Measured at the shortest text IAM takes (:func:`~.merge.policy_size`: a no-break space someone's statement holds
    counts one, not the six of its escape), as the write that adds them is judged and sent
    (:func:`~.merge.written_text` with the same room); IAM takes every character "in the range U+0020 to U+00FF"
    (IAM User Guide, "IAM and AWS STS quotas"). Each ARN after the first adds its quoted length and a comma: an ARN is
    ASCII (role names are alphanumeric and ``+=,.@_-``, same page), the same in either text. The result is checked
    exactly.
    """
    chosen: list[str] = []
    size = 0
    for arn in pending:
        trial = policy_size(with_roles(document, [arn])) if not chosen else size + len(json.dumps(arn)) + 1
        if trial > limit:
            break
        chosen.append(arn)
        size = trial
    while chosen and policy_size(with_roles(document, chosen)) > limit:
        chosen.pop()
    return chosen


def assume_inline_room(inline_room: int) -> int:
    """
    Return the characters new grants may fill the provider's inline policy to: ``inline_room`` less :data:`INLINE_RESERVE`.

    An inline policy already longer is kept as it is (:func:`fill` adds nothing to it; no ARN is moved out).
    """
    return inline_room - INLINE_RESERVE


@dataclass
class Placement:
    """Which document takes which new ARN: the inline policy, existing managed policies, new ones."""

    inline: list[str] = field(default_factory=list)
    managed: dict[str, list[str]] = field(default_factory=dict)
    new: list[list[str]] = field(default_factory=list)
    #: The characters the inline policy was filled to (the hook writes it with the same room).
    inline_room: int = 0


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

    Each document is measured at the shortest text IAM takes (:func:`fill`), as the writes that follow judge it. The
    inline policy is filled to ``inline_room`` less :data:`INLINE_RESERVE`, then the managed policies there, then new
    ones within ``free_slots``; only what is left then goes into the reserve (up to the whole ``inline_room``, rather
    than refused), :attr:`Placement.inline_room` saying which room the inline policy is written with.

    :param inline_room: characters the role's inline policies leave to the provider's (10,240 less the role's
        other inline policies).
    :param managed: the provider's managed policies already attached, by name.
    :param free_slots: managed policies the role can still take (its quota less those attached).
    :raises QuotaExceededError: naming the managed-policy quota and the remedy, before any write; naming
        ``managed_policies_per_role`` when the role holds more than it says and a new policy is needed.
    """
    placement, rest = _spread(pending, inline, managed, free_slots, room=assume_inline_room(inline_room))
    if rest and free_slots >= 0:  # a negative count: the quota given is wrong, say so rather than fill the reserve
        rest = _into_reserve(placement, inline, rest, inline_room)
    if rest:
        raise _no_slot(role_name, free_slots, slots_limit, len(placement.new), len(rest))
    return placement


def _spread(
    pending: list[str],
    inline: dict[str, Any] | None,
    managed: dict[str, dict[str, Any] | None],
    free_slots: int,
    *,
    room: int,
) -> tuple[Placement, list[str]]:
    """Return :func:`place`'s placement with the inline policy filled to ``room``, and the ARNs nothing took."""
    placement = Placement(inline_room=room)
    rest = list(pending)
    placement.inline = fill(inline, rest, room)
    rest = rest[len(placement.inline) :]
    for name in sorted(managed):
        if not rest:
            break
        chosen = fill(managed[name], rest, MAX_MANAGED_POLICY_CHARS)
        if chosen:
            placement.managed[name] = chosen
            rest = rest[len(chosen) :]
    while rest:
        if len(placement.new) >= free_slots:  # negative: more attached than managed_policies_per_role says
            break
        chosen = fill(None, rest, MAX_MANAGED_POLICY_CHARS)
        placement.new.append(chosen)
        rest = rest[len(chosen) :]
    return placement, rest


def _into_reserve(placement: Placement, inline: dict[str, Any] | None, rest: list[str], inline_room: int) -> list[str]:
    """
    Put ``rest``, which no managed policy can take, into the inline policy's reserve; return what even that cannot hold.

    The reserve takes only this overflow: the managed policies were filled first (regression review Y1).
    """
    wanted = placement.inline + rest
    taken = fill(inline, wanted, inline_room)
    if len(taken) < len(wanted):
        return wanted[len(taken) :]
    placement.inline = wanted
    placement.inline_room = inline_room
    return []


def _no_slot(role_name: str, free_slots: int, slots_limit: int, planned: int, left: int) -> QuotaExceededError:
    """Return the refusal of one more spill policy: the quota reached, or ``managed_policies_per_role`` below it."""
    attached = slots_limit - free_slots
    if free_slots < 0:
        return QuotaExceededError(
            "managed_policies_per_role",
            MANAGED_POLICIES_PER_ROLE,
            attached + 1,
            f"role {role_name} holds {attached} attached policies, more than managed_policies_per_role={slots_limit} "
            "(the account's quota is likely raised: pass it); with a spill policy for the destination role ARNs "
            "left over, they",
            slots_limit,
        )
    return QuotaExceededError(
        "destination_role_arns",
        MANAGED_POLICIES_PER_ROLE,
        attached + planned + 1,
        f"role {role_name}'s attached managed policies ({left} destination role ARNs left over after "
        "its inline policies and the provider's managed policies are full)",
        slots_limit,
    )


def without_roles(document: dict[str, Any] | None, unwanted: set[str]) -> dict[str, Any] | None:
    """
    Return ``document`` without ``unwanted`` in the provider's statement; ``None`` once nothing is left in it.

    The statement goes once empty; the document goes once it has no statement left.
    """
    if document is None or find_statement(document, documents.ASSUME_SID) is None:
        return document
    holds = held(document)
    remaining = sorted(without_identities(holds, unwanted))  # every spelling of the name (identity_key)
    if remaining:
        [statement] = documents.assume_role_policy(remaining)["Statement"]
        return upsert_statement(document, statement, dropping=holds - set(remaining))
    # What someone added to the statement (an action, a resource) is refused, not removed with it.
    result = remove_owned_statement(document, documents.assume_role_policy(holds)["Statement"][0])
    return result if result["Statement"] else None


def as_revoked(
    policies: Iterable[tuple[str, dict[str, Any] | None]], policy_name: str, role_name: str, unwanted: set[str]
) -> list[tuple[str, dict[str, Any] | None]]:
    """
    Return a role's identity policies, ``(label, document)`` as the IAM hook reads them, as a revoke leaves them.

    The revoke takes ``unwanted`` out of the provider's statement in the inline policy ``policy_name`` and in the
    role's managed policies for more roles (:func:`is_own_spill_name`, :func:`is_legacy_spill_name`) only: the
    same statement in another policy (a grant under another ``policy_name``) is not the revoke's, and stays.
    """
    revoked = {documents.inline_policy_label(policy_name)}
    managed = "managed policy "
    return [
        (
            label,
            without_roles(document, unwanted)
            if label in revoked
            or (
                label.startswith(managed)
                and (
                    is_own_spill_name(label.removeprefix(managed), policy_name, role_name)
                    or is_legacy_spill_name(label.removeprefix(managed), policy_name)
                )
            )
            else document,
        )
        for label, document in policies
    ]
