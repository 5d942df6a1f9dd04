"""
The command line reads ``[emrfs_xacct] settle_seconds`` as a task does.

docs/safety.md, "Writers outside the pool": the command line runs outside the DAGs' pool, and the way it is told to
wait longer for reads that lag behind writes is ``AIRFLOW__EMRFS_XACCT__SETTLE_SECONDS``. A value it ignored would
leave it at the default wait without a word; a value it read is validated, so a bad one is refused as input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.operators.base import SETTLE_SECONDS_ENV
from devstack.testing import CallRecorder
from tests.integration.test_cli import cli_arguments, partner_file  # noqa: F401  (the fixture)

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from devstack.moto_stack import Seeded


def test_a_bad_settle_seconds_in_the_environment_is_refused_by_apply_before_any_aws_call(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(SETTLE_SECONDS_ENV, "soon")

    with CallRecorder().everywhere() as calls:
        status = cli.main(cli_arguments("apply", partner_file, aws))

    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert SETTLE_SECONDS_ENV in captured.err, captured.err
    assert calls.mutating == [], calls.mutating
