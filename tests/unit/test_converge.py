"""Unit tests of the read-modify-write protocol, with in-memory documents and a recorded ``sleep``."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

import pytest

from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings, read_modify_write
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, VERSION, key_users_statement
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, NotConvergedError
from airflow_provider_emrfs_xacct.pure.merge import (
    find_statement,
    merged_principals,
    parse_document,
    upsert_statement,
)
from airflow_provider_emrfs_xacct.pure.plan import CREATE, DELETE, UPDATE

OURS = "arn:aws:iam::222222222222:role/PartnerWriter"
THEIRS = "arn:aws:iam::333333333333:role/OtherPipeline"
ADMIN = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
    "Action": "kms:*",
    "Resource": "*",
}
SETTINGS = ConvergeSettings(settle_seconds=2.0, max_attempts=4)
RESOURCE = "kms key k key policy"


def add_principal(principal: str):
    """A ``desire`` function: what is there, plus ``principal`` in the provider's key-users statement."""

    def desire(current: Any) -> dict[str, Any]:
        document = parse_document(current)
        principals = merged_principals(document, KEY_USERS_SID, [principal])
        return upsert_statement(document, key_users_statement(principals))

    return desire


def key_users(document: Any) -> list[str]:
    statement = find_statement(parse_document(document), KEY_USERS_SID)
    return [] if statement is None else list(statement["Principal"]["AWS"])


class Store:
    """One document in memory, read and written as copies, with every call recorded."""

    def __init__(self, document: Any = None) -> None:
        self.document = copy.deepcopy(document)
        self.reads = 0
        self.writes: list[tuple[Any, Any]] = []

    def read(self) -> Any:
        self.reads += 1
        return copy.deepcopy(self.document)

    def write(self, current: Any, desired: Any) -> None:
        self.writes.append((copy.deepcopy(current), copy.deepcopy(desired)))
        self.document = copy.deepcopy(desired)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def run(store: Store, sleeps: list[float], *, desire=None, write=None, settings=SETTINGS, dry_run=False):
    return read_modify_write(
        resource=RESOURCE,
        read=store.read,
        desire=desire or add_principal(OURS),
        write=write or store.write,
        settings=settings,
        dry_run=dry_run,
        sleep=sleeps.append,
    )


class TestSteadyState:
    def test_no_write_when_the_document_already_says_it(self, sleeps):
        document = upsert_statement({"Version": VERSION, "Statement": [ADMIN]}, key_users_statement([OURS]))
        store = Store(document)
        assert run(store, sleeps) == []
        assert store.writes == []
        assert sleeps == []
        assert store.reads == 1
        assert store.document == document

    def test_no_write_when_aws_returns_the_same_meaning_in_another_form(self, sleeps):
        # What IAM hands back: URL-encoded JSON, keys reordered, a one-element list as a plain string.
        returned = {
            "Statement": [
                ADMIN,
                {
                    "Resource": "*",
                    "Principal": {"AWS": OURS},
                    "Effect": "Allow",
                    "Action": list(reversed(key_users_statement([OURS])["Action"])),
                    "Sid": KEY_USERS_SID,
                },
            ],
            "Version": VERSION,
        }
        store = Store(quote(json.dumps(returned)))
        assert run(store, sleeps) == []
        assert store.writes == []

    def test_second_run_after_a_change_writes_nothing(self, sleeps):
        store = Store({"Version": VERSION, "Statement": [ADMIN]})
        assert len(run(store, sleeps)) == 1
        writes = len(store.writes)
        assert run(store, sleeps) == []
        assert len(store.writes) == writes


class TestCreateAndUpdate:
    def test_create_writes_once_then_reads_back(self, sleeps):
        store = Store(None)
        changes = run(store, sleeps)
        assert len(store.writes) == 1
        current, desired = store.writes[0]
        assert current is None  # a create is told there was nothing
        assert key_users(desired) == [OURS]
        assert store.reads == 2  # the read after the wait confirmed the change
        assert len(sleeps) == 1
        assert len(changes) == 1
        change = changes[0]
        assert change.action == CREATE
        assert change.resource == RESOURCE
        assert change.before is None
        assert change.after == desired

    def test_an_atomic_create_is_neither_waited_for_nor_read_back(self, sleeps):
        # A write returning True (CreateRole: it fails if the document exists) proves the change holds.
        store = Store(None)

        def create(current: Any, desired: Any) -> bool:
            store.write(current, desired)
            return True

        changes = run(store, sleeps, write=create)
        assert [change.action for change in changes] == [CREATE]
        assert len(store.writes) == 1
        assert store.reads == 1
        assert sleeps == []

    def test_only_true_ends_the_loop_without_a_read_back(self, sleeps):
        store = Store(None)

        def write_returning_a_response(current: Any, desired: Any) -> dict[str, Any]:
            store.write(current, desired)
            return {"ResponseMetadata": {"HTTPStatusCode": 200}}

        run(store, sleeps, write=write_returning_a_response)
        assert store.reads == 2
        assert len(sleeps) == 1

    def test_update_keeps_other_statements_and_reports_before_and_after(self, sleeps):
        original = {"Version": VERSION, "Id": "key-default-1", "Statement": [ADMIN]}
        store = Store(original)
        changes = run(store, sleeps)
        assert [change.action for change in changes] == [UPDATE]
        assert changes[0].before == original
        assert store.document["Statement"][0] == ADMIN
        assert store.document["Id"] == "key-default-1"
        assert key_users(store.document) == [OURS]
        assert len(store.writes) == 1
        assert store.reads == 2

    def test_waits_settle_seconds_plus_jitter_after_each_write(self, sleeps):
        run(Store({"Version": VERSION, "Statement": [ADMIN]}), sleeps)
        assert len(sleeps) == 1
        assert SETTINGS.settle_seconds <= sleeps[0] <= SETTINGS.settle_seconds * 1.5

    def test_no_sleep_when_settle_seconds_is_zero(self, sleeps):
        store = Store(None)
        changes = run(store, sleeps, settings=ConvergeSettings(settle_seconds=0, max_attempts=3))
        assert len(changes) == 1
        assert len(store.writes) == 1
        assert sleeps == []


class TestConcurrentWriters:
    def test_overwritten_change_is_merged_in_again(self, sleeps):
        store = Store({"Version": VERSION, "Statement": [ADMIN]})
        overwritten: list[bool] = []

        def write_then_lose_to_a_concurrent_writer(current: Any, desired: Any) -> None:
            store.write(current, desired)
            if not overwritten:
                # Another run read the same ``current`` before our write and writes its merge after ours.
                overwritten.append(True)
                store.document = add_principal(THEIRS)(current)

        changes = run(store, sleeps, write=write_then_lose_to_a_concurrent_writer)
        assert len(store.writes) == 2  # our first write was lost, so we wrote again
        assert len(sleeps) == 2
        assert store.reads == 3
        assert key_users(store.document) == sorted([OURS, THEIRS])  # both changes survive
        assert store.document["Statement"][0] == ADMIN
        assert len(changes) == 1  # the plan shows the change once
        assert changes[0].action == UPDATE

    def test_the_second_write_is_based_on_the_competitors_document(self, sleeps):
        store = Store({"Version": VERSION, "Statement": [ADMIN]})
        calls = []

        def write(current: Any, desired: Any) -> None:
            calls.append(current)
            store.write(current, desired)
            if len(calls) == 1:
                store.document = add_principal(THEIRS)(current)

        run(store, sleeps, write=write)
        assert key_users(calls[0]) == []
        assert key_users(calls[1]) == [THEIRS]

    def test_gives_up_after_max_attempts_against_an_always_overwriting_competitor(self, sleeps):
        original = {"Version": VERSION, "Statement": [ADMIN]}
        store = Store(original)

        def always_overwritten(current: Any, desired: Any) -> None:
            store.write(current, desired)
            store.document = add_principal(THEIRS)(original)

        with pytest.raises(NotConvergedError) as excinfo:
            run(store, sleeps, write=always_overwritten)
        assert len(store.writes) == SETTINGS.max_attempts
        assert len(sleeps) == SETTINGS.max_attempts
        assert store.reads == SETTINGS.max_attempts + 1
        message = str(excinfo.value)
        assert RESOURCE in message
        assert f"{SETTINGS.max_attempts} times" in message

    def test_a_competitor_that_gives_up_after_a_while_is_outlasted(self, sleeps):
        original = {"Version": VERSION, "Statement": [ADMIN]}
        store = Store(original)
        losses = SETTINGS.max_attempts - 1

        def overwritten_a_few_times(current: Any, desired: Any) -> None:
            store.write(current, desired)
            if len(store.writes) <= losses:
                store.document = copy.deepcopy(original)

        changes = run(store, sleeps, write=overwritten_a_few_times)
        assert len(changes) == 1
        assert len(store.writes) == losses + 1
        assert key_users(store.document) == [OURS]


class TestDelete:
    """``desire`` returning ``None`` deletes the document (revoke of the last grant)."""

    def test_a_delete_is_read_back_once_and_taken_as_held(self, sleeps):
        original = {"Version": VERSION, "Statement": [ADMIN]}
        store = Store(original)
        changes = run(store, sleeps, desire=lambda _current: None)
        assert [(change.action, change.before, change.after) for change in changes] == [(DELETE, original, None)]
        assert store.writes == [(original, None)]
        assert store.document is None
        # One wait and one read-back showing no document, as we left it: not a document "changed since".
        assert store.reads == 2
        assert len(sleeps) == 1

    def test_nothing_to_delete_writes_nothing(self, sleeps):
        store = Store(None)
        assert run(store, sleeps, desire=lambda _current: None) == []
        assert store.writes == []
        assert store.reads == 1
        assert sleeps == []


class TestDryRun:
    def test_create_is_planned_not_written(self, sleeps):
        store = Store(None)
        changes = run(store, sleeps, dry_run=True)
        assert store.writes == []
        assert sleeps == []
        assert store.document is None
        assert [change.action for change in changes] == [CREATE]
        assert key_users(changes[0].after) == [OURS]

    def test_update_is_planned_not_written(self, sleeps):
        original = {"Version": VERSION, "Statement": [ADMIN]}
        store = Store(original)

        def must_not_write(current: Any, desired: Any) -> None:
            raise AssertionError("a dry run wrote")

        changes = run(store, sleeps, write=must_not_write, dry_run=True)
        assert [change.action for change in changes] == [UPDATE]
        assert changes[0].before == original
        assert store.document == original
        assert store.reads == 1

    def test_steady_state_plans_nothing(self, sleeps):
        store = Store(upsert_statement({"Version": VERSION, "Statement": [ADMIN]}, key_users_statement([OURS])))
        assert run(store, sleeps, dry_run=True) == []
        assert store.writes == []


def test_default_settings_are_sane():
    settings = ConvergeSettings()
    assert settings.settle_seconds > 0
    assert settings.max_attempts >= 1


class TransientError(Exception):
    """Stands for IAM's ``MalformedPolicyDocument: Invalid principal`` right after the principal was created."""


def is_transient(error: Exception) -> bool:
    return isinstance(error, TransientError)


class TestTransientWriteErrors:
    def run_with(self, store: Store, sleeps: list[float], write, settings: ConvergeSettings) -> list:
        return read_modify_write(
            resource=RESOURCE,
            read=store.read,
            desire=add_principal(OURS),
            write=write,
            settings=settings,
            is_transient=is_transient,
            sleep=sleeps.append,
        )

    def test_a_transient_error_is_retried_after_a_backoff_and_re_read(self, sleeps):
        store = Store({"Version": VERSION, "Statement": [ADMIN]})
        failures = [TransientError("Invalid principal")]

        def write(current: Any, desired: Any) -> None:
            if failures:
                raise failures.pop()
            store.write(current, desired)

        settings = ConvergeSettings(settle_seconds=2.0, max_attempts=1, first_backoff_seconds=0.5)
        changes = self.run_with(store, sleeps, write, settings)
        assert [change.action for change in changes] == [UPDATE]
        assert key_users(store.document) == [OURS]
        assert len(store.writes) == 1
        assert store.reads == 3  # first read, re-read after the backoff, read-back after the write
        assert sleeps[0] == 0.5
        assert 2.0 <= sleeps[1] <= 3.0
        assert len(sleeps) == 2

    def test_transient_errors_do_not_use_up_write_attempts(self, sleeps):
        store = Store(None)
        failures = [TransientError("x")] * 3

        def write(current: Any, desired: Any) -> None:
            if failures:
                raise failures.pop()
            store.write(current, desired)

        settings = ConvergeSettings(settle_seconds=0, max_attempts=1, first_backoff_seconds=0.5)
        assert len(self.run_with(store, sleeps, write, settings)) == 1
        assert sleeps == [0.5, 1.0, 2.0]
        assert key_users(store.document) == [OURS]

    def test_gives_up_once_the_consistency_wait_is_spent_and_raises_the_error(self, sleeps):
        store = Store({"Version": VERSION, "Statement": [ADMIN]})
        error = TransientError("Invalid principal")

        def write(current: Any, desired: Any) -> None:
            raise error

        settings = ConvergeSettings(consistency_wait_seconds=10.0, first_backoff_seconds=0.5)
        with pytest.raises(TransientError) as excinfo:
            self.run_with(store, sleeps, write, settings)
        assert excinfo.value is error
        assert sleeps == [0.5, 1.0, 2.0, 4.0]  # the next 8 s would pass the 10 s budget
        assert sum(sleeps) <= settings.consistency_wait_seconds
        assert store.document == {"Version": VERSION, "Statement": [ADMIN]}

    def test_a_backoff_that_ends_exactly_at_the_consistency_wait_is_still_taken(self, sleeps):
        store = Store(None)
        failures = [TransientError("x")] * 4

        def write(current: Any, desired: Any) -> None:
            if failures:
                raise failures.pop()
            store.write(current, desired)

        # 0.5 + 1 + 2 + 4 = 7.5 s: the fourth backoff ends at the budget, not past it.
        settings = ConvergeSettings(settle_seconds=0, consistency_wait_seconds=7.5, first_backoff_seconds=0.5)
        assert len(self.run_with(store, sleeps, write, settings)) == 1
        assert sleeps == [0.5, 1.0, 2.0, 4.0]
        assert key_users(store.document) == [OURS]

    def test_backoff_doubles_up_to_eight_seconds(self, sleeps):
        def write(current: Any, desired: Any) -> None:
            raise TransientError("x")

        settings = ConvergeSettings(consistency_wait_seconds=40.0, first_backoff_seconds=0.5)
        with pytest.raises(TransientError):
            self.run_with(Store(None), sleeps, write, settings)
        assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]  # 39.5 s; 8 more would pass 40

    def test_other_errors_are_raised_at_once(self, sleeps):
        store = Store(None)
        calls = []

        def write(current: Any, desired: Any) -> None:
            calls.append(desired)
            raise PermissionError("AccessDenied")

        with pytest.raises(PermissionError):
            self.run_with(store, sleeps, write, SETTINGS)
        assert len(calls) == 1
        assert sleeps == []

    def test_by_default_no_error_is_transient(self, sleeps):
        def write(current: Any, desired: Any) -> None:
            raise TransientError("x")

        with pytest.raises(TransientError):
            run(Store(None), sleeps, write=write)
        assert sleeps == []


# A document read before the protocol starts (to plan, or for a quota check) is written on only
# while a write based on it is in time; the write's deadline counts from that read, not from when
# the protocol started. Without this, a read followed by throttled, retried reads was written on
# seconds later, over changes that other writers had already seen held (the rate-limited backfill
# lost partners from the shared assume-role policy: tests/integration/test_rate_limits.py).


def _adding_ours(current: Any) -> dict[str, Any]:
    return {**(current or {}), "ours": True}


def test_a_prefetched_read_too_old_to_write_on_is_read_again():
    import time

    from airflow_provider_emrfs_xacct.pure.converge import Prefetched

    reads: list[str] = []
    written_on: list[Any] = []

    def read() -> dict[str, Any]:
        reads.append("read")
        return {"others": "newer"}

    def write(current: Any, desired: Any) -> bool:
        written_on.append(current)
        return True

    old = Prefetched({"others": "older"}, time.monotonic() - 0.6)  # past half of the 1 s settle wait
    read_modify_write(
        resource="doc",
        read=read,
        desire=_adding_ours,
        write=write,
        settings=ConvergeSettings(settle_seconds=1.0),
        sleep=lambda _seconds: None,
        prefetched=old,
    )
    assert reads == ["read"]
    assert written_on == [{"others": "newer"}]


def test_a_fresh_prefetched_read_saves_a_read_and_its_write_deadline_counts_from_it():
    import time

    from airflow_provider_emrfs_xacct.pure import converge

    deadlines: list[float] = []

    def write(current: Any, desired: Any) -> bool:
        deadlines.append(converge._WRITE_DEADLINE.at)
        return True

    # Read 0.1 s ago, with a 10 s settle wait: in time for 4.9 s more, however busy the machine (with
    # a 1 s wait, a 0.4 s stall between these lines would have made it stale).
    fresh = converge.Prefetched({"others": "now"}, time.monotonic() - 0.1)
    read_modify_write(
        resource="doc",
        read=lambda: pytest.fail("the prefetched read was still in time"),
        desire=_adding_ours,
        write=write,
        settings=ConvergeSettings(settle_seconds=10.0),
        sleep=lambda _seconds: None,
        prefetched=fresh,
    )
    assert deadlines == [fresh.read_at + 5.0]


def test_the_read_after_a_write_is_a_new_read_even_while_the_prefetched_one_is_in_time():
    import time

    from airflow_provider_emrfs_xacct.pure.converge import Prefetched

    store = Store({"others": "now"})
    # Read 0.1 s ago with a 10 s settle wait: still in time after the (recorded, instant) wait.
    fresh = Prefetched({"others": "now"}, time.monotonic() - 0.1)
    changes = read_modify_write(
        resource="doc",
        read=store.read,
        desire=_adding_ours,
        write=store.write,
        settings=ConvergeSettings(settle_seconds=10.0, max_attempts=3),
        sleep=lambda _seconds: None,
        prefetched=fresh,
    )
    assert len(changes) == 1
    assert len(store.writes) == 1  # the read-back showed our write, not the prefetched document again
    assert store.reads == 1
    assert store.document == {"others": "now", "ours": True}


def test_no_write_deadline_is_left_behind_after_a_write():
    from airflow_provider_emrfs_xacct.pure import converge

    store = Store(None)
    read_modify_write(
        resource="doc",
        read=store.read,
        desire=_adding_ours,
        write=store.write,
        settings=ConvergeSettings(settle_seconds=1.0),
        sleep=lambda _seconds: None,
    )
    # The reads that follow (and any other call on a guarded client) are not held to the write's deadline.
    assert getattr(converge._WRITE_DEADLINE, "at", None) is None


def test_prefetched_now_notes_when_the_read_began_and_is_in_time_for_half_the_wait(monkeypatch):
    from airflow_provider_emrfs_xacct.pure import converge

    now = [100.0]
    monkeypatch.setattr(converge.time, "monotonic", lambda: now[0])

    def slow_read() -> dict[str, Any]:
        now[0] += 0.3  # the read itself takes 0.3 s: the deadline counts from when it began
        return {"others": "now"}

    prefetched = converge.Prefetched.now(slow_read)
    assert prefetched == converge.Prefetched({"others": "now"}, 100.0)
    assert prefetched.in_time(1.0) is True  # 100.3 <= 100.5
    now[0] = 100.6
    assert prefetched.in_time(1.0) is False
    assert prefetched.in_time(2.0) is True


@pytest.mark.parametrize("dry_run", [True, False], ids=["plan", "apply"])
def test_a_conflict_names_the_document_it_was_found_in(dry_run: bool) -> None:
    """A merge names the statement, not the document; the task log says which document of which resource."""

    def refuse(_current: Any) -> Any:
        raise ConflictError("statement 'EmrfsXacctTrust' holds the Service principal 'ec2.amazonaws.com'")

    with pytest.raises(ConflictError) as refused:
        read_modify_write(
            resource="iam role emrfs-acme-writer trust policy",
            read=lambda: {"Statement": []},
            desire=refuse,
            write=lambda _current, _desired: None,
            dry_run=dry_run,
        )

    assert str(refused.value) == (
        "iam role emrfs-acme-writer trust policy: statement 'EmrfsXacctTrust' holds the Service principal "
        "'ec2.amazonaws.com'"
    )
    assert refused.value.document == "iam role emrfs-acme-writer trust policy"


def test_a_conflict_that_names_its_document_is_not_named_twice() -> None:
    def refuse(_current: Any) -> Any:
        raise ConflictError("the key policy of k: statement 'x' also grants y", document="the key policy of k")

    with pytest.raises(ConflictError, match=r"^the key policy of k: statement 'x' also grants y$"):
        read_modify_write(resource="kms key k key policy", read=dict, desire=refuse, write=lambda _c, _d: None)
