"""
The read-modify-write protocol for documents that have no conditional write.

Pure: standard library only; AWS calls come in as functions. IAM ``PutRolePolicy``,
``UpdateAssumeRolePolicy`` and KMS ``PutKeyPolicy`` replace the whole document, so two runs that
read, merge and write at the same time can lose one another's change. The protocol:

1. read the document and compute the desired one (a merge: what is there plus what we need);
2. if it already says the same, stop: nothing to write (the steady state);
3. write, wait ``settle_seconds`` (plus jitter) so that every writer that read before our write has
   written too, then go back to 1. We stop only once a read made *after* the wait shows our change
   *and* the document as we left it (as we wrote it, or as the previous read showed it), except
   after an atomic create (``CreateRole``): nobody wrote before it, and whoever writes after it has
   read our change and merges into it, so there is nothing to wait for or read back.

A writer whose change was overwritten sees it missing in step 1 and merges it in again. Seeing our
change once is not enough when others wrote after us: writers that read before our write can hand a
document without our change on to writers that read after it, alternating with writers that carry
it, and a read can fall on a document with our change while the next writer holds one without it.
With ``settle_seconds`` 1 and no read-to-write window longer than 0.3 s::

    t=0.00  A writes {A}
    t=0.20  D writes {D}          (read at -0.10, before A's write)
    t=0.35  E writes {A,E}        (read at 0.10)
    t=0.50  F writes {D,F}        (read at 0.25)
    t=0.65  G writes {A,E,G}      (read at 0.40)
    t=0.80  H writes {D,F,H}      (read at 0.55)
    t=0.95  I writes {A,E,G,I}    (read at 0.70)
    t=1.00  A reads {A,E,G,I}: its change is there (J read {D,F,H} at 0.85)
    t=1.10  J writes {D,F,H,J}: A's change is lost

So when the document changed after our write, we wait once more and read again, and stop when it
has held still, with our change, for a whole wait.

The read-to-write window must stay shorter than the wait. An SDK that retries a throttled write with
backoff (AWS throttles per API; botocore's standard retries back off up to 20 s) would stretch it:
the write would land seconds after its read, over changes that other writers already saw held, and
those would be lost. So a write is not sent later than half the wait after its read
(:func:`guard_writes` installs the check on a client): it is dropped and the document read again.
When none of the write's requests was sent yet, that is at once; once one was, its answer may have
been lost after AWS applied it (botocore resends after a read timeout or a dropped connection, as
after throttling, which is not told apart here), so the write may have landed: the read waits
``settle_seconds`` first and the document is checked as after a write (stopping at once on a read
that shows our change can lose it, as above). The deadline is checked before each request is sent; what comes after it (opening a
connection, up to the 10 s connect timeout, and AWS's own processing) is the write's trip, which
the limit below assumes short beside the wait. The deadline counts from the read the
write is based on, also when that read was made before the protocol started (:class:`Prefetched`,
read to plan or beside a quota check): a prefetched document past its deadline is read again. Only
the requests of that read come before the write's: at a round trip of ``L`` each (IAM's one endpoint
is in us-east-1: 80-250 ms from Europe or Asia), a write based on a read of ``k`` requests is sent
``k x L`` after it. Whatever the write needs that does not depend on the document's content (a
policy's tag, what it is attached to, room among its versions) is ``prepare``d before that read, and
a write of several requests counts up to its first destructive one (:func:`lift_deadline`). Alternating two lines of documents takes a write
every read-to-write window, each from another writer (a writer waits after each of its writes):
this holds while every window is shorter than ``settle_seconds`` and concurrent writers do not keep
the document changing for the whole wait. With a great many concurrent writers, serialise them
with an Airflow pool.

All of this assumes that a read shows every write made before it. IAM and KMS are eventually
consistent (AWS KMS Developer Guide, "AWS KMS eventual consistency"; IAM User Guide, "Troubleshoot
IAM", "Changes that I make are not always immediately visible"): a read may lag behind the writes, by
an amount AWS does not bound. A lag counts twice: a writer whose read does not show our write yet
may write over it up to lag + its read-to-write window after it, and our read-back after the wait
shows the document as it was up to lag before. So the protocol keeps every change only while
``2 x lag + window < settle_seconds``, the window being at most half the wait (the deadline) plus a
write's trip: with ``settle_seconds`` 1 and 50 ms trips, reads lagging up to about 0.2 s
(``tests/unit/test_converge_lag.py`` studies it in simulated time, ``tests/integration/test_stale_reads.py``
through the stand-in). Writers serialised by a pool need less: each stops only once a read shows its
own change, and the next one reads at least ``settle_seconds`` after the last write; so while reads
lag less than ``settle_seconds``, even from replicas that lag independently, the next one's read shows
it (``tests/unit/test_converge_serialised.py``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, EmrfsXacctError, NotConvergedError
from airflow_provider_emrfs_xacct.pure.merge import same_meaning
from airflow_provider_emrfs_xacct.pure.plan import CREATE, DELETE, UPDATE, Change

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass(frozen=True)
class ConvergeSettings:
    """
    How hard to try.

    :param settle_seconds: wait after each write before reading back.
    :param max_attempts: writes allowed before giving up; also the extra waits for a document that
        others keep changing after our change is in (after those, the change is taken as held).
    :param consistency_wait_seconds: how long in all to keep retrying a write that failed with a
        transient error (IAM's eventual consistency: a principal or role created seconds ago).
    :param first_backoff_seconds: the first wait after such an error; each next wait doubles, up to 8 s.
    """

    settle_seconds: float = 1.0
    max_attempts: int = 10
    consistency_wait_seconds: float = 60.0
    first_backoff_seconds: float = 0.5


DEFAULT_SETTINGS = ConvergeSettings()
#: The longest wait between two sends of a write refused for IAM's lag or another write in progress.
MAX_BACKOFF_SECONDS = 8.0
log = logging.getLogger(__name__)
_NOT_WRITTEN = object()
#: The latest time (``time.monotonic``) the current thread's write may be sent, while a write runs.
_WRITE_DEADLINE = threading.local()


def next_backoff(wait: float) -> float:
    """The wait after ``wait``: twice as long, up to :data:`MAX_BACKOFF_SECONDS`."""
    return min(wait * 2, MAX_BACKOFF_SECONDS)


def consistency_waits(settings: ConvergeSettings) -> tuple[float, ...]:
    """
    The waits before sending a write again while IAM's lag refuses it, as a read-modify-write backs off
    (:meth:`_Attempts.back_off`): from ``first_backoff_seconds``, doubling up to 8 s, ``consistency_wait_seconds`` in all.
    """
    waits: list[float] = []
    wait = settings.first_backoff_seconds
    while wait > 0 and sum(waits) + wait <= settings.consistency_wait_seconds:
        waits.append(wait)
        wait = next_backoff(wait)
    return tuple(waits)


@dataclass(frozen=True)
class Prefetched:
    """
    A document read before :func:`read_modify_write` started (to plan, or to check a quota), and when.

    :param document: what the read returned (``None``: no document).
    :param read_at: ``time.monotonic()`` when that read began. A write may be based on it only within
        the same deadline as on any read (half the settle wait after it); once that has passed, the
        document is read again instead.
    """

    document: Any
    read_at: float

    @classmethod
    def now(cls, read: Callable[[], Any]) -> Prefetched:
        """Read with ``read`` and note when the read began."""
        read_at = time.monotonic()
        return cls(read(), read_at)

    def in_time(self, settle_seconds: float) -> bool:
        """Whether a write based on this read may still be sent (half the settle wait after it)."""
        return _in_time(self.read_at, settle_seconds)


class StaleReadError(EmrfsXacctError):
    """
    A write would have been sent too long after the read it is based on (throttled, retried): read again.

    :param sent: whether an earlier request of the same write was sent: its answer may have been lost
        after AWS applied it (botocore's standard retries resend after a read timeout or a dropped
        connection: Boto3 guide, "Retries", transient errors ``ConnectionError``, ``HTTPClientError``),
        so the write may have landed.
    """

    def __init__(self, message: str, *, sent: bool = False) -> None:
        super().__init__(message)
        self.sent = sent


def guard_writes(client: Any) -> Any:
    """
    Make an AWS SDK client refuse to send a request after the current write's deadline; return the client.

    Registered once per client on botocore's ``before-send`` event (emitted before every attempt, the
    retries included); outside a write there is no deadline and nothing is checked.
    """
    if not getattr(client.meta, "emrfs_xacct_guarded", False):
        client.meta.events.register("before-send", _refuse_stale_send)
        client.meta.emrfs_xacct_guarded = True
    return client


def _refuse_stale_send(**_: Any) -> None:
    deadline = getattr(_WRITE_DEADLINE, "at", None)
    if deadline is None:
        return
    if time.monotonic() > deadline:
        raise StaleReadError(
            "the write came too late after its read (throttled and retried); reading again",
            sent=getattr(_WRITE_DEADLINE, "sent", False),
        )
    _WRITE_DEADLINE.sent = True


def lift_deadline() -> None:
    """
    Let the rest of the current write be sent whatever the time: its first destructive request was sent in time.

    For a write of several requests that cannot be undone halfway (a managed policy's detach, then its
    delete): the deadline holds the request that commits to the write, and dropping the rest would only
    leave it half done.
    """
    _WRITE_DEADLINE.at = None


def _action(current: Any, desired: Any) -> str:
    """What a write from ``current`` to ``desired`` does (``None``: no document)."""
    return CREATE if current is None else DELETE if desired is None else UPDATE


def _same(left: Any, right: Any) -> bool:
    """Return whether two documents (``None``: none) say the same."""
    if left is None or right is None:
        return left is right
    return same_meaning(left, right)


def _settle(settings: ConvergeSettings, sleep: Callable[[float], None]) -> None:
    """Wait for the document to settle after a write (with jitter, so that racing writers spread out)."""
    if settings.settle_seconds:
        sleep(settings.settle_seconds * (1 + random.random() / 2))


@dataclass
class _Attempts:
    """What one :func:`read_modify_write` has done so far."""

    settings: ConvergeSettings
    resource: str
    writes: int = 0
    #: Reads that found our change in, but the document changed since: waits for other writers.
    waits: int = 0
    #: Time spent backing off after transient write errors, and the next backoff.
    waited: float = 0.0
    backoff: float = 0.0
    #: The document as we last wrote it, or as the read after that showed it.
    left: Any = _NOT_WRITTEN
    #: The action a preparation was made for when it took its read past the deadline (read again).
    prepared: str | None = None

    def may_write(self, prepare: Callable[[Any, Any], None] | None, current: Any, desired: Any, read_at: float) -> bool:
        """
        Prepare the write from ``current`` to ``desired``; ``False`` when that took the read past the
        write's deadline: read again, and write on that read without preparing again.

        :raises NotConvergedError: ``max_attempts`` writes were overwritten already.
        """
        if self.writes == self.settings.max_attempts:
            raise NotConvergedError(
                f"{self.resource}: our change was overwritten {self.writes} times in a row by concurrent "
                "writers; retry the task, or serialise the writers with an Airflow pool"
            )
        action = _action(current, desired)
        if self.prepared == action:
            self.prepared = None
            return True
        if prepare is not None:
            prepare(current, desired)
        if _in_time(read_at, self.settings.settle_seconds):
            return True
        log.info(
            "%s: the read (or the write's preparation) took past the write's deadline; reading again", self.resource
        )
        self.prepared = action
        return False

    def held(self, current: Any) -> bool:
        """
        Whether our change, found in ``current``, is taken as held.

        When someone wrote after us, a writer that read before that write may be about to write a
        document without our change: return ``False`` to wait until the document holds still.
        """
        if self.left is _NOT_WRITTEN or _same(current, self.left):
            return True
        if self.waits == self.settings.max_attempts:
            log.warning("%s: still changed by other writers; our change is in, and taken as held", self.resource)
            return True
        log.info("%s: changed by another writer since our write; waiting for it to settle", self.resource)
        self.left, self.waits = current, self.waits + 1
        return False

    def recover(
        self, error: Exception, is_transient: Callable[[Exception], bool], sleep: Callable[[float], None], desired: Any
    ) -> bool:
        """Wait before reading again after a failed write; ``False`` when the error is to be raised."""
        if isinstance(error, StaleReadError):
            return self.stale(error, sleep, desired)
        return is_transient(error) and self.back_off(error, sleep)

    def stale(self, error: StaleReadError, sleep: Callable[[float], None], desired: Any) -> bool:
        """
        Wait before reading again after a write dropped as too late: a moment (at random, up to the
        backoff) when nothing of it was sent; else the settle wait, as after a write, since an earlier
        request of it may have landed (its answer lost) and a read showing it is then no proof that it held.
        """
        if self.waited + self.backoff > self.settings.consistency_wait_seconds:
            return False
        log.info("%s: %s", self.resource, error)
        if error.sent:
            self.left = desired
            _settle(self.settings, sleep)
        else:
            sleep(self.backoff * random.random())
        self.waited += self.backoff
        return True

    def back_off(self, error: Exception, sleep: Callable[[float], None]) -> bool:
        """Wait before retrying a transient write error; ``False`` when the time for that is spent."""
        if self.waited + self.backoff > self.settings.consistency_wait_seconds:
            return False
        log.info("%s: %s; reading and writing again in %.1f s", self.resource, error, self.backoff)
        sleep(self.backoff)
        self.waited, self.backoff = self.waited + self.backoff, next_backoff(self.backoff)
        return True


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
    prefetched: Prefetched | None = None,
    prepare: Callable[[Any, Any], None] | None = None,
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
    :param prefetched: the document as a read just before showed it, used instead of the first read
        while a write based on it would still be in time (the write's deadline counts from that read).
    :param prepare: given ``(current, desired)``, does what a write needs that does not depend on the
        document's content (checks of tags or attachments, making room among versions); it may send
        requests, which must not change what the document grants. Called before each write attempt;
        when it (or ``desire``'s own reads) took the read past the write's deadline, the document is
        read again, once, and the write sent on that read without preparing again.
    """
    changes: list[Change] = []
    attempts = _Attempts(settings, resource, backoff=settings.first_backoff_seconds)
    with _naming_conflicts(resource):
        while True:
            read_at, current = _read(read, prefetched, settings.settle_seconds)
            prefetched = None
            desired = desire(current)
            if (current is None and desired is None) or (current is not None and same_meaning(current, desired)):
                if attempts.held(current):
                    return changes
                _settle(settings, sleep)
                continue
            if not changes:
                changes.append(Change(_action(current, desired), resource, current, desired))
            if dry_run:
                return changes
            if not attempts.may_write(prepare, current, desired, read_at):
                continue
            try:
                settled = _write_in_time(write, current, desired, read_at, settings.settle_seconds)
            except Exception as error:
                if not attempts.recover(error, is_transient, sleep, desired):
                    raise
                continue
            attempts.writes += 1
            attempts.left = desired
            if settled is True:
                return changes
            # Said now: a task killed in the wait (execution_timeout, marked failed) reports no plan, and its
            # retry finds the change in and plans none, so this line is all that tells what this try wrote.
            log.info(
                "%s: written (%s); reading it back after the settle wait to confirm it held",
                resource,
                _action(current, desired),
            )
            _settle(settings, sleep)


@contextmanager
def _naming_conflicts(resource: str) -> Iterator[None]:
    """Name ``resource`` in a conflict found in it: the task log says "iam role r trust policy: statement ..."."""
    try:
        yield
    except ConflictError as error:
        error.naming(resource)
        raise


def _read(read: Callable[[], Any], prefetched: Prefetched | None, settle: float) -> tuple[float, Any]:
    """Return when the read began and the document: the prefetched one while still in time, else a new read."""
    if prefetched is not None and _in_time(prefetched.read_at, settle):
        return prefetched.read_at, prefetched.document
    read_at = time.monotonic()
    return read_at, read()


def _deadline(read_at: float, settle: float) -> float | None:
    """The latest time a write based on a read begun at ``read_at`` may be sent (none without a settle wait)."""
    return read_at + settle / 2 if settle else None


def _in_time(read_at: float, settle: float) -> bool:
    """Whether a write based on a read begun at ``read_at`` may still be sent."""
    deadline = _deadline(read_at, settle)
    return deadline is None or time.monotonic() <= deadline


def _write_in_time(
    write: Callable[[Any, Any], bool | None], current: Any, desired: Any, read_at: float, settle: float
) -> bool | None:
    """Run ``write`` with the current thread's send deadline at half the settle wait after the read (none if 0)."""
    _WRITE_DEADLINE.at, _WRITE_DEADLINE.sent = _deadline(read_at, settle), False
    try:
        return write(current, desired)
    finally:
        _WRITE_DEADLINE.at = None
