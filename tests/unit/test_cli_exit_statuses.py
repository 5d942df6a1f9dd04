"""
The command line's exit statuses are the numbers docs/cli.md documents, not whatever the constants hold.

The integration tests compare a run's status with ``cli.INTERRUPTED`` and the like, so a constant changed to
another number (1, which ``verify`` keeps for a broken link) would pass them; a CI script reads the number.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

from airflow_provider_emrfs_xacct import cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def documented_statuses() -> dict[int, str]:
    """The rows of docs/cli.md's "Exit status" table: status -> meaning."""
    text = DOCS.read_text()
    table = text[text.index("Exit status (the same for every sub-command") :]
    return {int(row[1]): row[2] for row in re.finditer(r"^\| (\d+) \| (.+) \|$", table, re.MULTILINE)}


def test_each_named_status_is_the_documented_number() -> None:
    documented = documented_statuses()

    assert (cli.PARTIALLY_APPLIED, cli.NOT_CHECKED, cli.NO_CREDENTIALS) == (4, 5, 6)
    assert cli.INTERNAL_ERROR == 70  # sysexits.h's EX_SOFTWARE
    assert cli.INTERRUPTED == 130 == 128 + signal.SIGINT  # as shells report a process SIGINT ended
    assert documented[4].startswith("a step failed while applying")
    assert documented[5].startswith("`verify` found no broken link but could not check one")
    assert documented[6].startswith("a connection has no AWS credentials")
    assert documented[70].startswith("an unexpected error (a bug")
    assert documented[130].startswith("interrupted (Ctrl-C)")
    assert cli.ACCESS_NOT_ENDED == 7
    assert documented[7].startswith("`revoke` made its changes (with `--dry-run`: planned them) but does not end")
    assert sorted(documented) == [0, 1, 2, 3, 4, 5, 6, 7, 70, 130]
