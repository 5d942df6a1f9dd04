"""
The command line's report of an interruption (Ctrl-C, or a CI cancel's SIGTERM) says what was changed.

Real signals to a real ``emrfs-xacct`` process on the stand-in: after the apply phase finished its writes (its
stdout a small pipe nobody reads, as a pager or a slow log reader leaves it), and in the middle of it.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct import cli
from tests.integration.test_cli import (
    AS_A_TERMINAL_STARTS_IT,
    cli_arguments,
    emrfs_xacct,
    partner_file,
    state,
)

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded

#: Linux's ``F_SETPIPE_SZ`` (fcntl(2)): a pipe of one page, full long before the JSON is written.
SMALL_PIPE = 4096
REVOKE = ("--keep-security-configuration",)
__all__ = ["partner_file"]  # the fixture, imported for the tests below


def _blocked_on_stdout(command: str, path: Path, aws: Seeded, tmp_path: Path, *extra: str) -> tuple[int, str, bytes]:
    """
    Run ``command`` with its stdout a small pipe not read until a SIGINT sent once ``Applied:`` is on stderr
    (the JSON's write blocks, as on a pager the user quits); return the exit status, stderr and stdout.
    """
    script = str(Path(sys.executable).with_name("emrfs-xacct"))
    environment = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, SMALL_PIPE)
    stderr = tmp_path / f"{command}.err"
    with stderr.open("w") as err:
        argv = [sys.executable, "-c", AS_A_TERMINAL_STARTS_IT, script, *cli_arguments(command, path, aws, *extra)]
        process = subprocess.Popen(argv, env=environment, stdout=write_end, stderr=err)
    os.close(write_end)
    deadline = time.monotonic() + 60
    while "Applied:" not in stderr.read_text() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # in the JSON's write, blocked on the full pipe
    assert process.poll() is None, stderr.read_text()
    process.send_signal(signal.SIGINT)
    with os.fdopen(read_end, "rb") as out:
        written = out.read()
    process.wait(timeout=60)
    return process.returncode, stderr.read_text(), written


def test_ctrl_c_after_apply_wrote_everything_says_the_changes_stay_made(
    aws: Seeded, partner_file: Path, tmp_path: Path
) -> None:
    status, err, _ = _blocked_on_stdout("apply", partner_file, aws, tmp_path)

    assert status == cli.INTERRUPTED, err
    assert "nothing was changed" not in err
    assert "Traceback" not in err
    assert err.rstrip().endswith(
        "emrfs-xacct: apply interrupted (Ctrl-C) after applying (Applied: 4 added, 1 changed, 0 destroyed.): "
        "the changes stay made; run plan to see the state"
    )
    partner = cli.load_partner(partner_file)
    assert state(aws, partner["destination"]["role_name"])["role"] is not None


def test_ctrl_c_after_revoke_wrote_everything_says_the_access_is_revoked(
    aws: Seeded, partner_file: Path, tmp_path: Path
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0

    status, err, _ = _blocked_on_stdout("revoke", partner_file, aws, tmp_path, *REVOKE)

    assert status == cli.INTERRUPTED, err
    assert "nothing was changed" not in err
    assert err.rstrip().endswith(
        "emrfs-xacct: revoke interrupted (Ctrl-C) after applying (Applied: 0 added, 2 changed, 1 destroyed.): "
        "the changes stay made; run the same revoke with --dry-run to see the state"
    )


def test_a_pager_quit_before_the_json_of_apply_says_the_changes_stay_made(aws: Seeded, partner_file: Path) -> None:
    """
    ``emrfs-xacct apply … | less``, quit (``q``) while the plan scrolls on stderr: the JSON's write fails with EPIPE
    (BrokenPipeError: Python ignores SIGPIPE), reported as an interruption, not as a bug; nothing fails again at the
    interpreter's exit (Python's documentation, the ``signal`` module, "Note on SIGPIPE"). Exit status 130, as for
    a Ctrl-C (docs/cli.md, the exit statuses).
    """
    script = str(Path(sys.executable).with_name("emrfs-xacct"))
    environment = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    read_end, write_end = os.pipe()
    argv = [sys.executable, "-c", AS_A_TERMINAL_STARTS_IT, script, *cli_arguments("apply", partner_file, aws)]
    process = subprocess.Popen(argv, env=environment, stdout=write_end, stderr=subprocess.PIPE, text=True)
    os.close(write_end)
    os.close(read_end)  # the pager quit
    _, err = process.communicate(timeout=120)

    assert process.returncode == cli.INTERRUPTED, err
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert err.rstrip().endswith(
        "emrfs-xacct: apply interrupted (stdout closed by its reader) after applying (Applied: 4 added, 1 changed, "
        "0 destroyed.): the changes stay made; run plan to see the state"
    )
