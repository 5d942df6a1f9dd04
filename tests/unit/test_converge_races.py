"""
The interleaving of ``converge``'s docstring, scripted against the real ``read_modify_write``.

Writers that read before our write and writers that read after it alternate, each read-to-write
window far shorter than ``settle_seconds``; our read after the wait falls on a document with our
change while writer J, holding one without it, is about to write. Stopping at that read loses the
change; the protocol must notice that the document changed since our write and look again.
"""

from __future__ import annotations

import copy
from typing import Any

from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings, StaleReadError, read_modify_write
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, VERSION, key_users_statement
from airflow_provider_emrfs_xacct.pure.merge import find_statement, merged_principals, upsert_statement
from tests.unit.test_converge import ADMIN  # the key's administrators, as in a default key policy

BASE = {"Version": VERSION, "Statement": [ADMIN]}
SETTINGS = ConvergeSettings(settle_seconds=1.0, max_attempts=4)


def arn(writer: str) -> str:
    return f"arn:aws:iam::222222222222:role/writer-{writer}"


def add(writer: str, document: dict[str, Any]) -> dict[str, Any]:
    """What ``writer`` writes after reading ``document``: the provider's merge."""
    principals = merged_principals(document, KEY_USERS_SID, [arn(writer)])
    return upsert_statement(document, key_users_statement(principals))


def writers_in(document: dict[str, Any]) -> set[str]:
    statement = find_statement(document, KEY_USERS_SID)
    principals = [] if statement is None else statement["Principal"]["AWS"]
    return {principal.rsplit("-", 1)[1] for principal in principals}


class World:
    """The key policy, and the other writers' writes, landing while A waits or right after A reads."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = copy.deepcopy(BASE)
        self.reads = 0
        self.writes = 0
        self.during_wait: list[list[dict[str, Any]]] = []  # documents written during A's 1st, 2nd … wait
        self.after_read: dict[int, dict[str, Any]] = {}  # read number -> document written just after it

    def read(self) -> dict[str, Any]:
        self.reads += 1
        seen = copy.deepcopy(self.document)
        if self.reads in self.after_read:
            self.document = self.after_read[self.reads]
        return seen

    def write(self, _current: Any, desired: dict[str, Any]) -> None:
        self.writes += 1
        self.document = copy.deepcopy(desired)

    def sleep(self, _seconds: float) -> None:
        if self.during_wait:
            for document in self.during_wait.pop(0):
                self.document = document


def script(world: World) -> None:
    """The docstring's timeline. A writes {A} at t=0 (having read BASE)."""
    a = add("A", BASE)
    d = add("D", BASE)  # t=0.20, read at -0.10: before A's write
    e = add("E", a)  # t=0.35, read at 0.10
    f = add("F", d)  # t=0.50, read at 0.25
    g = add("G", e)  # t=0.65, read at 0.40
    h = add("H", f)  # t=0.80, read at 0.55
    i = add("I", g)  # t=0.95, read at 0.70
    j = add("J", h)  # t=1.10, read at 0.85
    world.during_wait = [[d, e, f, g, h, i]]
    world.after_read = {2: j}  # A's read after its wait is the 2nd; J's write lands right after it


def converge(world: World) -> Any:
    """Writer A adds its statement to the world's document; return the changes."""
    return read_modify_write(
        resource="kms key k key policy",
        read=world.read,
        desire=lambda current: add("A", current),
        write=world.write,
        settings=SETTINGS,
        sleep=world.sleep,
    )


def test_a_change_seen_once_while_others_alternate_is_not_lost() -> None:
    world = World()
    script(world)

    changes = converge(world)

    assert len(changes) == 1
    assert "A" in writers_in(world.document)  # stopping at the 2nd read would have lost it to J
    assert world.document["Statement"][0] == ADMIN
    # Read 2 showed {A,E,G,I}, not what A wrote: A waited and read again, found J's {D,F,H,J},
    # merged into it, waited, and found the document as it left it.
    assert world.reads == 4
    assert world.writes == 2
    assert writers_in(world.document) == {"A", "D", "F", "H", "J"}


def test_no_extra_wait_when_nobody_wrote_after_us() -> None:
    world = World()

    converge(world)

    assert (world.reads, world.writes) == (2, 1)


def test_a_merge_by_another_writer_after_ours_costs_one_more_wait_then_stops() -> None:
    world = World()
    world.during_wait = [[add("B", add("A", BASE))]]  # B read our document and merged into it

    converge(world)

    assert (world.reads, world.writes) == (3, 1)
    assert writers_in(world.document) == {"A", "B"}


def test_a_document_that_never_holds_still_is_taken_as_held_after_max_attempts_waits() -> None:
    world = World()
    world.during_wait = [[add(str(n), add("A", BASE))] for n in range(SETTINGS.max_attempts + 1)]

    changes = converge(world)

    assert len(changes) == 1
    assert world.writes == 1
    assert world.reads == 2 + SETTINGS.max_attempts


def statement(sid: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": arn(sid)}, "Action": "s3:GetObject", "Resource": "*"}


def without_a(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """A revoke of A as a bucket policy's: drop A's statement, delete the policy once nothing is left."""
    if document is None:
        return None
    left = [item for item in document["Statement"] if item["Sid"] != "A"]
    return {"Version": VERSION, "Statement": left} if left else None


def test_a_delete_seen_once_while_others_alternate_is_not_lost() -> None:
    # A deletes the policy that held only its statement. D read before the delete and writes A's statement
    # back with its own; E read after it and writes a new policy without A's. A's read after its wait
    # falls on E's policy (A's change is in) while J, who read D's, is about to write A's statement back.
    world = World()
    world.document = {"Version": VERSION, "Statement": [statement("A")]}
    d = {"Version": VERSION, "Statement": [statement("A"), statement("D")]}
    e = {"Version": VERSION, "Statement": [statement("E")]}
    j = {"Version": VERSION, "Statement": [statement("A"), statement("D"), statement("J")]}
    world.during_wait = [[d, e]]
    world.after_read = {2: j}

    read_modify_write(
        resource="s3 bucket b policy",
        read=world.read,
        desire=without_a,
        write=world.write,
        settings=SETTINGS,
        sleep=world.sleep,
    )

    # The document changed after A's delete: A waited, read J's policy, and removed its statement again.
    assert world.document == {"Version": VERSION, "Statement": [statement("D"), statement("J")]}
    assert world.writes == 2


def test_a_dropped_write_that_may_have_landed_is_checked_like_a_write() -> None:
    # A's write is applied by AWS but its answer is lost; botocore's resend comes past the deadline and
    # is dropped (StaleReadError, sent). The docstring's interleaving follows: A's read after the wait
    # shows its change, in a document changed since, while J is about to write one without it.
    world = World()
    script(world)
    dropped: list[bool] = []

    def write(current: Any, desired: dict[str, Any]) -> None:
        world.write(current, desired)
        if not dropped:
            dropped.append(True)
            raise StaleReadError("the resend came too late", sent=True)

    read_modify_write(
        resource="kms key k key policy",
        read=world.read,
        desire=lambda current: add("A", current),
        write=write,
        settings=SETTINGS,
        sleep=world.sleep,
    )

    assert writers_in(world.document) == {"A", "D", "F", "H", "J"}  # stopping at the 2nd read lost A to J
    assert world.writes == 2
