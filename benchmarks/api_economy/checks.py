"""The benchmark's pass/fail conditions, each a function returning its failures (empty: passed)."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from benchmarks.api_economy.measuring import classify_reads, counts, extra_calls, flat, max_reads_per_resource
from benchmarks.api_economy.scenario import (
    CHECK_READS,
    EXTRA_CALL_REASONS,
    MAX_RATIO,
    MINIMUM_PER_PARTNER,
    PHASES,
    QUOTA_READS,
)

if TYPE_CHECKING:
    from benchmarks.api_economy.measuring import Figures, LaunchFigures


def minimum(figure: Figures, phase: str) -> tuple[int, int]:
    """The least mutating calls and reads all of ``figure.size`` chains need in ``phase``."""
    mutating, reads = MINIMUM_PER_PARTNER[phase]
    return figure.size * mutating, figure.size * reads


def baseline_not_minimal(figures: list[Figures]) -> list[str]:
    """The baseline must send exactly the minimum, or the benchmark is wrong."""
    return [
        f"N={figure.size} {phase}: the baseline does not send the minimum"
        for figure in figures
        for phase in PHASES
        if counts(flat(figure.baseline.chains[phase]))[1:] != minimum(figure, phase)
    ]


def beyond_minimum(figures: list[Figures]) -> list[str]:
    """
    No more mutating calls and first reads than the minimum (quota and check reads apart: :data:`QUOTA_READS`,
    :data:`CHECK_READS`);
    no read repeats one with no write between.
    """
    failures = []
    for figure in figures:
        for phase in PHASES:
            chains = figure.provider.chains[phase]
            _, mutating, _ = counts(flat(chains))
            kinds = classify_reads(chains)
            quota_reads = sum(call.is_read and call.operation in QUOTA_READS | CHECK_READS for call in flat(chains))
            minimum_mutating, minimum_reads = minimum(figure, phase)
            if mutating > minimum_mutating or kinds["first"] - quota_reads > minimum_reads:
                failures.append(
                    f"N={figure.size} {phase}: {mutating} mutating calls and {kinds['first']} first reads, "
                    f"minimum {minimum_mutating} and {minimum_reads}"
                )
            if kinds["repeated"]:
                failures.append(
                    f"N={figure.size} {phase}: {kinds['repeated']} reads repeat a read with no write between"
                )
    return failures


def steady_state_not_minimal(figures: list[Figures]) -> list[str]:
    """The steady state makes no mutating call and reads each resource once per chain."""
    failures = []
    for figure in figures:
        chains = figure.provider.chains["steady"]
        _, mutating, reads = counts(flat(chains))
        worst, where = max_reads_per_resource(chains)
        _, minimum_reads = minimum(figure, "steady")
        if mutating:
            failures.append(f"N={figure.size} steady state: {mutating} mutating calls")
        if worst > 1:
            failures.append(f"N={figure.size} steady state: {where} read {worst} times in one chain")
        if reads > minimum_reads:
            failures.append(f"N={figure.size} steady state: {reads} reads, minimum {minimum_reads}")
    return failures


def extra_operations(figures: list[Figures]) -> set[str]:
    """The operations the provider sends beyond the baseline's, over every size and phase."""
    return {
        operation
        for figure in figures
        for phase in PHASES
        for operation in extra_calls(flat(figure.provider.chains[phase]), flat(figure.baseline.chains[phase]))
    }


def unexplained_calls(figures: list[Figures]) -> list[str]:
    """Every call beyond the minimum is an explained read-back (:data:`EXTRA_CALL_REASONS`)."""
    return [
        f"unexpected extra call {operation}"
        for operation in sorted(extra_operations(figures) - set(EXTRA_CALL_REASONS))
    ]


def slow_ratios(figures: list[Figures]) -> list[str]:
    """The median wall-time ratio provider/baseline is at most :data:`MAX_RATIO`."""
    return [
        f"N={figure.size} {phase}: wall-time ratio {ratio:.2f} > {MAX_RATIO}"
        for figure in figures
        for phase in PHASES
        if (ratio := statistics.median(figure.ratios[phase])) > MAX_RATIO
    ]


def launch_retry_failures(launch: LaunchFigures) -> list[str]:
    """A retry of the launch's task instance finds its cluster and launches nothing."""
    failures = []
    if not launch.same_cluster:
        failures.append("launch retry returned another cluster")
    if counts(launch.retry)[1]:
        failures.append("launch retry made a mutating call")
    if not launch.run_same_clusters:
        failures.append("a retry of one of the run's launches returned another cluster")
    if any(counts(calls)[1] for calls in launch.run_retry):
        failures.append("a retry of one of the run's launches made a mutating call")
    return failures


def wrong_end_states(figures: list[Figures]) -> list[str]:
    """Both contenders' end states are right (checked in each size's first round)."""
    return [
        f"N={figure.size} {result.name}: {problem}"
        for figure in figures
        for result in (figure.provider, figure.baseline)
        for problem in result.end_state_problems[:10]
    ]


def all_failures(figures: list[Figures], launch: LaunchFigures) -> list[str]:
    return [
        *wrong_end_states(figures),
        *baseline_not_minimal(figures),
        *beyond_minimum(figures),
        *steady_state_not_minimal(figures),
        *unexplained_calls(figures),
        *slow_ratios(figures),
        *launch_retry_failures(launch),
    ]
