"""``python -m benchmarks.api_economy``: print the figures; exit 1 when a check fails (``benchmarks/api_economy/checks.py``)."""

from __future__ import annotations

import benchmarks.airflow_home  # noqa: F401  (before Airflow is imported: a temporary AIRFLOW_HOME)

# isort: split

import argparse
import sys
import time

from benchmarks.api_economy.checks import all_failures
from benchmarks.api_economy.measuring import run
from benchmarks.api_economy.report import report
from benchmarks.api_economy.scenario import MAX_RATIO, SIZES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_economy", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of partners")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per size (default: 7, 7, 3 by size)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    figures, launch = run(args.sizes, args.rounds)
    print()
    print(report(figures, launch))
    print()
    print(f"Took {time.perf_counter() - started:.0f} s.")
    failures = all_failures(figures, launch)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(
        f"OK: the steady state makes no mutating call and reads each resource at most once per chain; "
        f"every wall-time ratio <= {MAX_RATIO}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
