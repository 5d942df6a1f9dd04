"""The command line's report of an interruption: what it says was changed, and SIGTERM handled as Ctrl-C is."""

from __future__ import annotations

import argparse
import io
import os
import signal

import pytest

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.plan import Change

TRUST = Change("update", "iam role partner-writer trust policy", {"Statement": []}, {"Statement": []}).to_dict()


def interrupted_revoke(error: BaseException) -> cli.PartiallyAppliedError:
    """A revoke interrupted in its one step, after its trust write landed."""
    failed = {"step": "revoke", "error": str(error) or type(error).__name__, "applied": [TRUST]}
    result = {"applied": {}, "values": {}, "summary": cli._applied_line({}), "failed": failed}
    return cli.PartiallyAppliedError(result, "revoke", error)


def test_an_interrupted_revoke_names_the_writes_of_its_step_that_landed() -> None:
    err = io.StringIO()

    status = cli._failed(
        interrupted_revoke(KeyboardInterrupt()), argparse.Namespace(command="revoke"), io.StringIO(), err
    )

    assert status == cli.INTERRUPTED
    assert (
        "emrfs-xacct: revoke interrupted (Ctrl-C) at step revoke, partially applied (before it: No changes.; "
        "the step itself: Applied: 0 added, 1 changed, 0 destroyed., and it may have made "
        "more).\n" in err.getvalue()
    )


class QuitReader(io.StringIO):
    """A stdout whose reader quit: the JSON's write is interrupted by Ctrl-C."""

    def write(self, text: str) -> int:
        raise KeyboardInterrupt


def test_ctrl_c_in_the_json_of_a_partial_apply_still_says_what_was_applied() -> None:
    err = io.StringIO()
    args = argparse.Namespace(command="revoke", debug=False)

    try:
        status = cli._failed(interrupted_revoke(KeyboardInterrupt()), args, QuitReader(), err)
    except KeyboardInterrupt:  # (not let through: it would stop the test run)
        pytest.fail("the Ctrl-C in the JSON's write ended the report")

    assert status == cli.INTERRUPTED
    assert "the step itself: Applied: 0 added, 1 changed, 0 destroyed." in err.getvalue()


def test_an_interruption_after_every_write_says_the_changes_stay() -> None:
    err = io.StringIO()
    progress = cli.ApplyProgress(finished="Applied: 1 added, 0 changed, 0 destroyed.")

    status = cli._failed(KeyboardInterrupt(), argparse.Namespace(command="apply"), io.StringIO(), err, progress)

    assert status == cli.INTERRUPTED
    assert err.getvalue() == (
        "emrfs-xacct: apply interrupted (Ctrl-C) after applying (Applied: 1 added, 0 changed, 0 destroyed.): the "
        "changes stay made; run plan to see the state\n"
    )


def _terminate_this_process() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    signal.sigtimedwait([], 1)  # (Python runs the handler between bytecodes; this leaves it the time)


class HandlerBeforeRanError(Exception):
    """Raised by the test's own SIGTERM handler: the command line's was not installed."""


def _test_handler(_signal: int, _frame: object) -> None:
    raise HandlerBeforeRanError


def test_sigterm_raises_keyboard_interrupt_in_the_block_and_the_handler_before_is_restored() -> None:
    before = signal.signal(signal.SIGTERM, _test_handler)  # never Python's default here: it would end the test run
    try:
        with pytest.raises(KeyboardInterrupt, match=f"^{cli.TERMINATED}$"), cli._sigterm_as_interrupt():
            _terminate_this_process()

        assert signal.getsignal(signal.SIGTERM) is _test_handler
    finally:
        signal.signal(signal.SIGTERM, before)
