"""
The read-modify-write protocol for documents that have no conditional write.

Pure: standard library only; AWS calls come in as functions. IAM ``PutRolePolicy``,
``UpdateAssumeRolePolicy`` and KMS ``PutKeyPolicy`` replace the whole document, so two runs that
read, merge and write at the same time can lose one another's change. The protocol:

1. read the document and compute the desired one (a merge: what is there plus what we need);
2. if it already says the same, stop: nothing to write (the steady state);
3. write, wait ``settle_seconds`` (plus jitter) so that every writer that read before our write has
   written too, then go back to 1. We stop only once a read made *after* the wait shows our change.

A writer whose change was overwritten sees it missing in step 1 and merges it in again. This holds
while every writer's read-to-write window is shorter than ``settle_seconds``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.exceptions import NotConvergedError
from airflow_provider_emrfs_xacct.policies.merge import same_meaning
from airflow_provider_emrfs_xacct.policies.plan import CREATE, UPDATE, Change

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class ConvergeSettings:
    """
    How hard to try.

    :param settle_seconds: wait after each write before reading back.
    :param max_attempts: writes allowed before giving up.
    """

    settle_seconds: float = 1.0
    max_attempts: int = 10


DEFAULT_SETTINGS = ConvergeSettings()


def read_modify_write(
    *,
    resource: str,
    read: Callable[[], Any],
    desire: Callable[[Any], Any],
    write: Callable[[Any, Any], None],
    settings: ConvergeSettings = DEFAULT_SETTINGS,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Change]:
    """
    Bring one document to ``desire(current)`` and return the change made (empty when none was needed).

    :param resource: names the document in the plan and in errors.
    :param read: returns the current document, ``None`` when it does not exist.
    :param desire: returns the desired document given the current one; must keep what it does not own.
    :param write: writes ``desired`` given ``current`` (``current`` is ``None`` for a create).
    :param dry_run: only read and plan.
    """
    changes: list[Change] = []
    for _attempt in range(settings.max_attempts + 1):
        current = read()
        desired = desire(current)
        if current is not None and same_meaning(current, desired):
            return changes
        if not changes:
            changes.append(Change(CREATE if current is None else UPDATE, resource, current, desired))
        if dry_run:
            return changes
        if _attempt == settings.max_attempts:
            break
        write(current, desired)
        if settings.settle_seconds:
            sleep(settings.settle_seconds * (1 + random.random() / 2))
    raise NotConvergedError(
        f"{resource}: our change was overwritten {settings.max_attempts} times in a row by concurrent "
        "writers; retry the task, or serialise the writers with an Airflow pool"
    )
