"""
The read-modify-write protocol for documents that have no conditional write.

Pure: standard library only; AWS calls come in as functions. IAM ``PutRolePolicy``,
``UpdateAssumeRolePolicy`` and KMS ``PutKeyPolicy`` replace the whole document, so two runs that
read, merge and write at the same time can lose one another's change. The protocol:

1. read the document and compute the desired one (a merge: what is there plus what we need);
2. if it already says the same, stop: nothing to write (the steady state);
3. write, wait ``settle_seconds`` (plus jitter) so that every writer that read before our write has
   written too, then go back to 1. We stop only once a read made *after* the wait shows our change,
   except after an atomic create (``CreateRole``): nobody wrote before it, and whoever writes after
   it has read our change and merges into it, so there is nothing to wait for or read back.

A writer whose change was overwritten sees it missing in step 1 and merges it in again. This holds
while every writer's read-to-write window is shorter than ``settle_seconds``.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.exceptions import NotConvergedError
from airflow_provider_emrfs_xacct.policies.merge import same_meaning
from airflow_provider_emrfs_xacct.policies.plan import CREATE, DELETE, UPDATE, Change

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class ConvergeSettings:
    """
    How hard to try.

    :param settle_seconds: wait after each write before reading back.
    :param max_attempts: writes allowed before giving up.
    :param consistency_wait_seconds: how long in all to keep retrying a write that failed with a
        transient error (IAM's eventual consistency: a principal or role created seconds ago).
    :param first_backoff_seconds: the first wait after such an error; each next wait doubles, up to 8 s.
    """

    settle_seconds: float = 1.0
    max_attempts: int = 10
    consistency_wait_seconds: float = 60.0
    first_backoff_seconds: float = 0.5


DEFAULT_SETTINGS = ConvergeSettings()
log = logging.getLogger(__name__)


def read_modify_write(
    *,
    resource: str,
    read: Callable[[], Any],
    desire: Callable[[Any], Any],
    write: Callable[[Any, Any], bool | None],
    settings: ConvergeSettings = DEFAULT_SETTINGS,
    dry_run: bool = False,
    is_transient: Callable[[Exception], bool] = lambda _error: False,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Change]:
    """
    Bring one document to ``desire(current)`` and return the change made (empty when none was needed).

    :param resource: names the document in the plan and in errors.
    :param read: returns the current document, ``None`` when it does not exist.
    :param desire: returns the desired document given the current one (``None``: delete it); must keep
        what it does not own.
    :param write: writes ``desired`` given ``current`` (``current`` is ``None`` for a create). It returns
        ``True`` when the write itself proves that the document holds the change, so that there is
        nothing to read back: a create that would have failed had the document existed (after it, a
        concurrent writer can only change the document by reading it, our change included, first).
    :param dry_run: only read and plan.
    :param is_transient: tells a write error worth retrying after a backoff (bounded by
        ``settings.consistency_wait_seconds``) from one to raise at once.
    """
    changes: list[Change] = []
    writes = 0
    waited, backoff = 0.0, settings.first_backoff_seconds
    while True:
        current = read()
        desired = desire(current)
        if (current is None and desired is None) or (current is not None and same_meaning(current, desired)):
            return changes
        if not changes:
            action = CREATE if current is None else DELETE if desired is None else UPDATE
            changes.append(Change(action, resource, current, desired))
        if dry_run:
            return changes
        if writes == settings.max_attempts:
            break
        try:
            settled = write(current, desired)
        except Exception as error:
            if not is_transient(error) or waited + backoff > settings.consistency_wait_seconds:
                raise
            log.info("%s: %s; AWS may not see a new principal yet, retrying in %.1f s", resource, error, backoff)
            sleep(backoff)
            waited, backoff = waited + backoff, min(backoff * 2, 8.0)
            continue
        writes += 1
        if settled is True:
            return changes
        if settings.settle_seconds:
            sleep(settings.settle_seconds * (1 + random.random() / 2))
    raise NotConvergedError(
        f"{resource}: our change was overwritten {settings.max_attempts} times in a row by concurrent "
        "writers; retry the task, or serialise the writers with an Airflow pool"
    )
