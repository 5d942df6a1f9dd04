"""
The API-economy benchmark's pass/fail conditions (``benchmarks/api_economy``), run by ``make bench``.

Marker ``perf``: ``make test`` deselects these (the measurement takes minutes and its wall-time
ratio needs a quiet machine). The figures are printed (``-s``) before the checks; the scenario and
the minimum per partner are in ``docs/performance.md``. ``EMRFS_XACCT_BENCH_SIZES`` (e.g. ``"1 10"``)
and ``EMRFS_XACCT_BENCH_ROUNDS`` measure fewer partners or rounds.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import botocore.hooks
import botocore.loaders
import botocore.session
import pytest

from benchmarks.api_economy import checks
from benchmarks.api_economy.measuring import run
from benchmarks.api_economy.report import report
from benchmarks.api_economy.scenario import SIZES
from devstack import shared_botocore_loader

if TYPE_CHECKING:
    from benchmarks.api_economy.measuring import Figures, LaunchFigures

pytestmark = pytest.mark.perf


@pytest.fixture(scope="module")
def measured() -> tuple[list[Figures], LaunchFigures]:
    sizes = [int(size) for size in os.environ.get("EMRFS_XACCT_BENCH_SIZES", "").split()] or list(SIZES)
    rounds = int(os.environ.get("EMRFS_XACCT_BENCH_ROUNDS", "0")) or None
    with pytest.MonkeyPatch.context() as patch:
        # As ``python -m benchmarks.api_economy`` measures: every session loads its own service models and
        # works out its own event names (tests/conftest.py shares both), and the plans are not logged.
        patch.setattr(botocore.session, "create_loader", botocore.loaders.create_loader)
        patch.setattr(botocore.hooks.EventAliaser, "__init__", shared_botocore_loader.botocore_aliaser_init)
        logging.disable(logging.WARNING)
        try:
            figures, launch = run(sizes, rounds)
        finally:
            logging.disable(logging.NOTSET)
    print("\n" + report(figures, launch))
    return figures, launch


def test_both_contenders_end_states_are_right(measured: tuple[list[Figures], LaunchFigures]) -> None:
    assert checks.wrong_end_states(measured[0]) == []


def test_the_baseline_sends_exactly_the_minimum(measured: tuple[list[Figures], LaunchFigures]) -> None:
    assert checks.baseline_not_minimal(measured[0]) == []


def test_no_more_writes_or_first_reads_than_the_minimum_and_no_repeated_read(
    measured: tuple[list[Figures], LaunchFigures],
) -> None:
    assert checks.beyond_minimum(measured[0]) == []


def test_the_steady_state_writes_nothing_and_reads_each_resource_once(
    measured: tuple[list[Figures], LaunchFigures],
) -> None:
    assert checks.steady_state_not_minimal(measured[0]) == []


def test_every_call_beyond_the_minimum_is_an_explained_read_back(measured: tuple[list[Figures], LaunchFigures]) -> None:
    assert checks.unexplained_calls(measured[0]) == []


def test_the_wall_time_ratio_is_at_most_1_5(measured: tuple[list[Figures], LaunchFigures]) -> None:
    assert checks.slow_ratios(measured[0]) == []


def test_a_launch_retry_launches_nothing(measured: tuple[list[Figures], LaunchFigures]) -> None:
    assert checks.launch_retry_failures(measured[1]) == []
