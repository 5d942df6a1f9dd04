"""
The command line's report of an interruption (Ctrl-C, SIGTERM handled as Ctrl-C is, a reader that closed stdout):
what it says was changed, and that a second signal does not cut it short.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import types
from typing import TYPE_CHECKING, Any, TextIO

import pytest

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.plan import Change

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

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


class ReaderGone(io.StringIO):
    """A stdout whose reader closed it (``| less``, then ``q``): the JSON's write fails with EPIPE."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def _reader_gone_main(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str, finished: str | None
) -> tuple[int, str]:
    """``main`` for ``command`` whose run wrote ``finished`` (None: nothing), then its JSON to a closed stdout."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO, progress: cli.ApplyProgress) -> int:
        progress.finished = finished
        cli._emit({"applied": {}}, out)
        return 0

    err = io.StringIO()
    monkeypatch.setattr(cli, "run", run)
    monkeypatch.setattr(sys, "stdout", ReaderGone())
    monkeypatch.setattr(sys, "stderr", err)
    status = cli.main([command, str(tmp_path / "partner.yaml")])
    return status, err.getvalue()


def test_a_reader_that_closed_stdout_after_apply_is_told_the_changes_stay_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Python's documentation, the ``signal`` module, "Note on SIGPIPE": catch BrokenPipeError at the entry point."""
    status, err = _reader_gone_main(monkeypatch, tmp_path, "apply", "Applied: 1 added, 0 changed, 0 destroyed.")

    assert status == cli.INTERRUPTED  # as a Ctrl-C: the same report (docs/cli.md, the exit statuses)
    assert "Traceback" not in err
    assert err == (
        "emrfs-xacct: apply interrupted (stdout closed by its reader) after applying (Applied: 1 added, 0 changed, "
        "0 destroyed.): the changes stay made; run plan to see the state\n"
    )


def test_a_reader_that_closed_stdout_of_a_plan_is_told_nothing_was_changed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    status, err = _reader_gone_main(monkeypatch, tmp_path, "plan", None)

    assert status == cli.INTERRUPTED
    assert err == "emrfs-xacct: plan interrupted (stdout closed by its reader) before any change; nothing was changed\n"


def test_a_reader_that_closed_stdout_still_gets_the_report_of_a_partial_apply() -> None:
    err = io.StringIO()
    args = argparse.Namespace(command="revoke", debug=False)

    status = cli._failed(interrupted_revoke(KeyboardInterrupt()), args, ReaderGone(), err)

    assert status == cli.INTERRUPTED
    assert "the step itself: Applied: 0 added, 1 changed, 0 destroyed." in err.getvalue()


def test_after_revoke_wrote_everything_the_hint_is_a_revoke_that_runs_as_typed() -> None:
    """``revoke --dry-run`` alone is a usage error: revoke needs --security-configuration or --keep-…"""
    progress = cli.ApplyProgress(finished="Applied: 0 added, 2 changed, 0 destroyed.")
    err = io.StringIO()

    cli._failed(KeyboardInterrupt(), argparse.Namespace(command="revoke"), io.StringIO(), err, progress)

    assert err.getvalue().endswith("the changes stay made; run the same revoke with --dry-run to see the state\n")


STEPS = [types.SimpleNamespace(task_id="ensure_destination_role"), types.SimpleNamespace(task_id="grant")]


def _fake_execute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each step changes one document when applied, and plans nothing (its dry run's plan is empty)."""
    monkeypatch.setattr(cli, "execute", lambda operator: (operator.task_id, [TRUST]))


def _signal_after_the_first_step(dry: bool) -> Iterator[types.SimpleNamespace]:
    """The steps, applied: SIGTERM's ``KeyboardInterrupt`` lands once the first is done, before the next begins."""
    if dry:
        yield from STEPS
        return
    yield STEPS[0]
    raise KeyboardInterrupt(cli.TERMINATED)  # (where the loop takes its next step: CPython runs handlers there)


def _apply(operators: Any, progress: cli.ApplyProgress | None = None) -> cli.PartiallyAppliedError:
    try:
        with pytest.raises(cli.PartiallyAppliedError) as raised:
            cli.plan_and_apply(operators, apply=True, err=io.StringIO(), refused=None, progress=progress)  # type: ignore[arg-type]
    except KeyboardInterrupt:  # (not let through: it would stop the test run)
        pytest.fail("a plain KeyboardInterrupt: the report would say nothing was changed, with no JSON")
    return raised.value


def test_a_signal_between_two_steps_reports_what_was_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_execute(monkeypatch)
    failure = _apply(_signal_after_the_first_step)
    out, err = io.StringIO(), io.StringIO()

    status = cli._failed(failure, argparse.Namespace(command="apply", debug=False), out, err)

    assert status == cli.INTERRUPTED
    result = json.loads(out.getvalue())
    assert list(result["applied"]) == ["ensure_destination_role"]
    assert result["failed"] == {"step": None, "error": "SIGTERM"}
    assert "nothing was changed" not in err.getvalue()
    assert err.getvalue().startswith(
        "emrfs-xacct: apply interrupted (SIGTERM) after step ensure_destination_role, the steps after it (if any) "
        "not begun (Applied: 0 added, 1 changed, 0 destroyed.).\n"
    )


class InterruptedSummary(cli.ApplyProgress):
    """A progress whose summary is never told: SIGTERM lands as the apply phase's summary is made."""

    def __setattr__(self, name: str, value: object) -> None:
        if value is not None:
            raise KeyboardInterrupt(cli.TERMINATED)
        super().__setattr__(name, value)


def test_a_signal_in_the_summary_after_every_step_reports_what_was_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_execute(monkeypatch)
    failure = _apply(lambda dry: STEPS, InterruptedSummary())

    assert failure.step is None
    assert list(failure.result["applied"]) == ["ensure_destination_role", "grant"]
    assert failure.result["summary"] == "Applied: 0 added, 2 changed, 0 destroyed."


def test_a_signal_before_the_first_step_begins_says_nothing_was_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted_at_once(dry: bool) -> Iterator[types.SimpleNamespace]:
        if not dry:
            raise KeyboardInterrupt
        yield from STEPS

    _fake_execute(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        cli.plan_and_apply(interrupted_at_once, apply=True, err=io.StringIO(), refused=None)  # type: ignore[arg-type]


def test_an_embedding_programs_sigterm_handler_is_left_in_place(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """signal.getsignal / signal.signal: ours replaces only the default action, the console script's case."""
    calls: list[int] = []

    def shut_down(number: int, _frame: object) -> None:  # the embedding program's own
        calls.append(number)

    before = signal.signal(signal.SIGTERM, shut_down)
    monkeypatch.setattr(cli, "run", lambda *_: os.kill(os.getpid(), signal.SIGTERM) or 0)  # a kill meant for it
    try:
        status = cli.main(["plan", str(tmp_path / "partner.yaml")])
        after = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, before)

    assert (status, calls) == (0, [signal.SIGTERM])
    assert after is shut_down


def test_sigterm_ignored_by_an_embedding_program_stays_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    monkeypatch.setattr(cli, "run", lambda *_: os.kill(os.getpid(), signal.SIGTERM) or 0)
    try:
        status = cli.main(["plan", str(tmp_path / "partner.yaml")])
        after = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, before)

    assert (status, after) == (0, signal.SIG_IGN)


#: Run ``cli.main`` as the console script does (SIGTERM's default action, SIGINT Python's handler), in a process of
#: its own: a SIGTERM with no handler would end the test run. ``{code}``: what the command's run does.
IN_A_PROCESS = """
import os, signal, sys
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.signal(signal.SIGINT, signal.default_int_handler)
from airflow_provider_emrfs_xacct import cli
{code}
sys.exit(cli.main(["plan", "partner.yaml"]))
"""


def _in_a_process(code: str) -> subprocess.CompletedProcess[str]:
    script = IN_A_PROCESS.format(code=textwrap.dedent(code))
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)


def test_sigterm_is_reported_as_ctrl_c_and_the_default_restored_in_the_console_script() -> None:
    done = _in_a_process(
        """
        def run(*_):
            os.kill(os.getpid(), signal.SIGTERM)
            return 0
        cli.run = run
        status = cli.main(["plan", "partner.yaml"])
        print(status, signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        """
    )

    assert done.stdout.split()[:2] == ["130", "True"], done.stderr
    assert "plan interrupted (SIGTERM) before any change; nothing was changed" in done.stderr


@pytest.mark.parametrize("second", ["SIGTERM", "SIGINT"])
def test_a_second_signal_while_the_report_is_written_does_not_cut_it_short(second: str) -> None:
    done = _in_a_process(
        f"""
        def run(*_):
            raise KeyboardInterrupt(cli.TERMINATED)
        report = cli._interrupted
        def interrupted(*args):
            os.kill(os.getpid(), signal.{second})  # a second Ctrl-C, or a CI's SIGTERM after its SIGINT
            return report(*args)
        cli.run, cli._interrupted = run, interrupted
        """
    )

    assert done.returncode == cli.INTERRUPTED, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.endswith("plan interrupted (SIGTERM) before any change; nothing was changed\n")


def test_a_second_signal_while_the_partial_report_is_built_does_not_drop_it() -> None:
    """The apply phase builds its partial report with the signals ignored (``_apply``): a second one waits."""
    done = _in_a_process(
        """
        import types
        from airflow_provider_emrfs_xacct.pure.plan import Change
        TRUST = Change("update", "iam role partner-writer trust policy", {}, {}).to_dict()
        def steps(dry):
            return [types.SimpleNamespace(task_id=name, dry=dry) for name in ("ensure_destination_role", "grant")]
        def execute(operator):
            if operator.task_id == "grant" and not operator.dry:
                raise KeyboardInterrupt  # the first Ctrl-C, in the second step applied
            return operator.task_id, [TRUST]
        report = cli._stopped
        def stopped(*args):
            os.kill(os.getpid(), signal.SIGINT)  # the second, while the report is built
            return report(*args)
        def run(args, out, err, progress):
            cli.plan_and_apply(steps, apply=True, err=err, refused=None, progress=progress)
            return 0
        cli.execute, cli._stopped, cli.run = execute, stopped, run
        """
    )

    assert done.returncode == cli.INTERRUPTED, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["failed"] == {"step": "grant", "error": "KeyboardInterrupt"}
    assert "interrupted (Ctrl-C) at step grant, partially applied" in done.stderr


def test_a_second_signal_on_the_partial_reports_way_up_stands_for_that_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Past ``_apply``, before ``main`` ignores signals: the report it replaced (``__context__``) is the one said."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO, progress: cli.ApplyProgress) -> int:
        try:
            raise interrupted_revoke(KeyboardInterrupt())
        except cli.PartiallyAppliedError:
            raise KeyboardInterrupt from None  # (a second Ctrl-C as it unwinds; its __context__ stays the report)

    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(cli, "run", run)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)

    status = cli.main(["revoke", str(tmp_path / "partner.yaml"), "--keep-security-configuration"])

    assert status == cli.INTERRUPTED
    assert json.loads(out.getvalue())["failed"]["step"] == "revoke"
    assert "nothing was changed" not in err.getvalue()
    assert "revoke interrupted (Ctrl-C) at step revoke, partially applied" in err.getvalue()


@pytest.mark.parametrize(
    ("raised", "status"),
    [(cli.EmrfsXacctError("partner.yaml: partner: is required"), 2), (BrokenPipeError(32, "Broken pipe"), 130)],
    ids=["a-refusal", "its-applied-line"],
)
def test_a_reader_that_closed_stderr_too_leaves_the_status(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raised: BaseException, status: int
) -> None:
    """``2>&1 | head``: the message cannot be written either; the status still says what happened, not Python's 1."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO, progress: cli.ApplyProgress) -> int:
        progress.finished = "Applied: 1 added, 0 changed, 0 destroyed."
        raise raised

    monkeypatch.setattr(cli, "run", run)
    monkeypatch.setattr(sys, "stdout", ReaderGone())
    monkeypatch.setattr(sys, "stderr", ReaderGone())

    assert cli.main(["apply", str(tmp_path / "partner.yaml")]) == status
