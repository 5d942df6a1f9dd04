"""A write sent too long after its read (throttled and retried by the SDK) is dropped and the document read again."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure import converge
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings, StaleReadError, guard_writes, read_modify_write


def doc(*statements: str) -> dict[str, Any]:
    return {"Statement": list(statements)}


def adding(current: dict[str, Any], statement: str) -> dict[str, Any]:
    held = current["Statement"]
    return current if statement in held else doc(*held, statement)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Events:
    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def register(self, name: str, handler: Any) -> None:
        assert name == "before-send"
        self.handlers.append(handler)


class Meta:
    def __init__(self) -> None:
        self.events = Events()


class Client:
    """Stands for a botocore client: ``send`` runs the ``before-send`` handlers as botocore does per attempt."""

    def __init__(self) -> None:
        self.meta = Meta()
        self.sent: list[Any] = []

    def send(self, document: Any) -> None:
        for handler in self.meta.events.handlers:
            handler(request=None)
        self.sent.append(document)


def test_guard_registers_once() -> None:
    client = Client()
    guard_writes(client)
    guard_writes(client)
    assert len(client.meta.events.handlers) == 1


def test_a_late_write_is_not_sent_and_the_document_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(converge.time, "monotonic", clock)
    client = guard_writes(Client())
    store: dict[str, Any] = {"doc": doc("a")}
    reads: list[Any] = []
    sleeps: list[float] = []

    def read() -> Any:
        reads.append(store["doc"])
        return store["doc"]

    def write(_current: Any, desired: Any) -> None:
        if len(client.sent) == 0 and len(reads) == 1:
            clock.now += 0.6  # throttled: the SDK's retry would go out 0.6 s after the read (settle 1 s)
        client.send(desired)
        store["doc"] = desired

    changes = read_modify_write(
        resource="doc",
        read=read,
        desire=lambda current: adding(current, "b"),
        write=write,
        settings=ConvergeSettings(settle_seconds=1.0),
        sleep=sleeps.append,
    )

    assert changes  # the change was made
    # Nothing of the late write was sent: a moment (up to the 0.5 s backoff) before reading again, not
    # the settle wait a write that may have landed gets; then the settle wait after the write.
    assert len(sleeps) == 2
    assert sleeps[0] <= 0.5
    assert sleeps[1] >= 1.0
    assert store["doc"] == doc("a", "b")
    assert len(client.sent) == 1  # the late attempt was never sent
    assert len(reads) == 3  # read, (dropped write), read again, write, read back (unguarded: 2)


def test_without_a_settle_wait_nothing_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(converge.time, "monotonic", clock)
    client = guard_writes(Client())

    def write(_current: Any, desired: Any) -> None:
        clock.now += 100
        client.send(desired)

    read_modify_write(
        resource="doc",
        read=lambda: doc() if not client.sent else client.sent[-1],
        desire=lambda current: adding(current, "b"),
        write=write,
        settings=ConvergeSettings(settle_seconds=0),
    )
    assert client.sent == [doc("b")]


def test_outside_a_write_there_is_no_deadline() -> None:
    client = guard_writes(Client())
    client.send("read")  # a read: no deadline set, nothing refused
    assert client.sent == ["read"]
    converge._WRITE_DEADLINE.at = 0.0
    try:
        with pytest.raises(StaleReadError):
            client.send("late")
    finally:
        converge._WRITE_DEADLINE.at = None


def test_a_write_always_too_late_is_given_up_once_the_consistency_wait_is_spent() -> None:
    # Throttled on every attempt, nothing of it sent: each retry counts one backoff (0.5 s) against the
    # 2 s budget, which is not doubled (it is no transient error), and the fifth drop is raised.
    attempts: list[Any] = []
    sleeps: list[float] = []

    def write(_current: Any, desired: Any) -> None:
        attempts.append(desired)
        raise StaleReadError("too late")

    with pytest.raises(StaleReadError):
        read_modify_write(
            resource="doc",
            read=lambda: doc("a"),
            desire=lambda current: adding(current, "b"),
            write=write,
            settings=ConvergeSettings(settle_seconds=1.0, consistency_wait_seconds=2.0, first_backoff_seconds=0.5),
            sleep=sleeps.append,
        )
    assert len(attempts) == 5  # retried after waits counted 0.5, 1.0, 1.5 and 2.0 s; 2.5 would pass 2 s
    # Before each retry a moment at random, up to the backoff (not the settle wait: nothing was sent).
    assert len(sleeps) == 4
    assert all(0 <= seconds <= 0.5 for seconds in sleeps)


def test_a_preparation_past_the_deadline_is_followed_by_a_new_read_and_a_write_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The preparation (tags, attachments, room among versions: requests that do not depend on the document)
    # takes 0.6 s of round trips; the write then goes out on a read made after it, not on the old one,
    # with no backoff, and the preparation is not repeated.
    clock = Clock()
    monkeypatch.setattr(converge.time, "monotonic", clock)
    client = guard_writes(Client())
    store: dict[str, Any] = {"doc": doc("a")}
    events: list[str] = []
    sleeps: list[float] = []

    def read() -> Any:
        events.append("read")
        clock.now += 0.1
        return store["doc"]

    def prepare(_current: Any, _desired: Any) -> None:
        events.append("prepare")
        clock.now += 0.6
        store["doc"] = doc("a", "c")  # another writer, between the first read and the write

    def write(_current: Any, desired: Any) -> None:
        events.append("write")
        client.send(desired)
        store["doc"] = desired

    read_modify_write(
        resource="doc",
        read=read,
        desire=lambda current: adding(current, "b"),
        prepare=prepare,
        write=write,
        settings=ConvergeSettings(settle_seconds=1.0),
        sleep=sleeps.append,
    )

    assert events == ["read", "prepare", "read", "write", "read"]
    assert client.sent == [doc("a", "c", "b")]  # based on the read after the preparation: c is kept
    assert len(sleeps) == 1  # the settle wait after the write only


def test_a_preparation_in_time_costs_no_read() -> None:
    events: list[str] = []
    store: dict[str, Any] = {"doc": doc("a")}

    def write(_current: Any, desired: Any) -> None:
        events.append("write")
        store["doc"] = desired

    read_modify_write(
        resource="doc",
        read=lambda: events.append("read") or store["doc"],
        desire=lambda current: adding(current, "b"),
        prepare=lambda _current, _desired: events.append("prepare"),
        write=write,
        settings=ConvergeSettings(settle_seconds=1.0),
        sleep=lambda _seconds: None,
    )
    assert events == ["read", "prepare", "write", "read"]


def test_after_its_first_destructive_request_the_rest_of_a_write_is_sent_whatever_the_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A detach sent in time, then a delete that would go out past the deadline: sent, not dropped halfway.
    clock = Clock()
    monkeypatch.setattr(converge.time, "monotonic", clock)
    client = guard_writes(Client())
    store: dict[str, Any] = {"doc": doc("a")}

    def write(_current: Any, desired: Any) -> None:
        client.send("detach")
        converge.lift_deadline()
        clock.now += 5
        client.send("delete")
        store["doc"] = desired

    read_modify_write(
        resource="doc",
        read=lambda: store["doc"],
        desire=lambda _current: None,
        write=write,
        settings=ConvergeSettings(settle_seconds=1.0),
        sleep=lambda _seconds: None,
    )
    assert client.sent == ["detach", "delete"]
    assert converge._WRITE_DEADLINE.at is None
