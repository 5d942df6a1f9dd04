"""
Writers serialised by an Airflow pool of one slot while reads lag behind writes, in simulated time.

The same model of AWS as ``test_converge_lag.py`` (its ``World``), but the writers run one after
another, each starting as soon as the one before returned (a pool slot handed on at once: the worst
case; Airflow's scheduler adds seconds). A serialised writer stops only once a read shows its own
change, so the next one reads after that; whether that read shows it too depends on the replicas:

- one replica lagging the same for every reader (what the stand-in's fault proxy plays): reads are
  never older than a read before them, so nothing is lost whatever the lag;
- replicas lagging independently, each read its own lag (AWS promises no more: IAM User Guide,
  "Troubleshoot IAM", "Changes that I make are not always immediately visible"; AWS CloudTrail User
  Guide, "Managing data consistency in CloudTrail": a change "(or other AWS services) ... takes time
  to become visible from all possible endpoints"): the next writer's read may come from a replica that
  has not seen the change the writer before saw held, and write over it. From one writer's last
  write to the next writer's first read there is at least the settle wait, so nothing is lost while
  reads lag less than ``settle_seconds``; past it, changes are lost.
"""

from __future__ import annotations

import random
from collections import Counter

from tests.unit.test_converge_lag import Case, World, race

SETTLE = 1.0
#: Cases of each study (fast: simulated time).
SAMPLE = 40


class SerialisedWorld(World):
    """One thread runs ``writers`` grants one after another, as tasks sharing a pool of one slot."""

    def __init__(self, case: Case, writers: int) -> None:
        super().__init__(case)
        self.writers = writers

    def work(self, index: int) -> None:
        for name in range(self.writers):
            self.grant(str(name))


def study(seed: int, lags: tuple[float, float], full_lag: float) -> Counter[str]:
    """Run serialised races of 2-5 writers (lag drawn from ``lags``); count the changes lost and the writers that raised."""
    draw = random.Random(seed)
    tally: Counter[str] = Counter()
    for _ in range(SAMPLE):
        case = Case(draw.randrange(2**32), SETTLE, draw.uniform(*lags), (0.0,), full_lag=full_lag)
        race(SerialisedWorld(case, draw.randint(2, 5)), tally)
    return tally


def test_one_replica_lagging_alike_for_every_reader_loses_nothing_at_four_times_the_wait() -> None:
    """The stand-in's model (``tests/integration/test_stale_reads.py``): every read the whole lag, 3-4.5 s."""
    tally = study(seed=31, lags=(3.0, 4.5), full_lag=1.0)

    assert (tally["cases"], tally["lost"], tally["raised"]) == (SAMPLE, 0, 0), tally


def test_independent_replicas_lose_nothing_while_reads_lag_less_than_the_settle_wait() -> None:
    tally = study(seed=32, lags=(0.0, 0.95 * SETTLE), full_lag=0.5)

    assert (tally["cases"], tally["lost"], tally["raised"]) == (SAMPLE, 0, 0), tally


def test_independent_replicas_lose_changes_of_serialised_writers_past_the_settle_wait() -> None:
    """What docs/safety.md said was safe (serialised writers, reads 4 s behind, settle 1 s) loses changes here."""
    tally = study(seed=33, lags=(3.0, 4.5), full_lag=0.5)

    assert tally["cases with a loss"] > 0, tally


class OutsideThePoolWorld(SerialisedWorld):
    """The pool's writers one after another, and one writer outside the pool (the command line, a second deployment)."""

    def work(self, index: int) -> None:
        if index == 0:
            super().work(0)
        else:
            self.grant("outside")


def test_a_writer_outside_the_pool_loses_changes_where_the_pool_alone_loses_none() -> None:
    """
    docs/safety.md, "Writers outside the pool": a pool limits only the tasks given it (Airflow documentation,
    "Pools"), so the command line beside pooled grants is an unserialised writer, and reads lagging 0.5-0.9 s,
    which serialised writers bear with the default wait, lose changes (the pool's as well as its own).
    """
    draw = random.Random(34)
    alone: Counter[str] = Counter()
    beside: Counter[str] = Counter()
    for _ in range(SAMPLE):
        seed, lag, start, writers = (
            draw.randrange(2**32),
            draw.uniform(0.5, 0.9),
            draw.uniform(0, 4 * SETTLE),
            draw.randint(2, 5),
        )
        race(SerialisedWorld(Case(seed, SETTLE, lag, (0.0,), full_lag=0.5), writers), alone)
        race(OutsideThePoolWorld(Case(seed, SETTLE, lag, (0.0, start), full_lag=0.5), writers), beside)

    assert (alone["cases"], alone["lost"], alone["raised"]) == (SAMPLE, 0, 0), alone
    assert beside["cases with a loss"] > 0, beside
