"""
``macros.run_stamp`` of a partitioned run: one stamp per partition, so a reprocessed partition overwrites its own.

Airflow 3.3's backfill with ``--reprocess-behavior`` does not clear a partitioned run: it creates a new one beside it
(``_create_backfill_dag_run_partitioned``, ``airflow/models/backfill.py``) whose run id ends in a random string
(``CronPartitionTimetable.generate_run_id``, ``airflow/timetables/trigger.py``), with the same ``run_after`` and
``partition_date`` (the partition's tick).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pendulum
from airflow.models.dagrun import DagRun
from airflow.utils.types import DagRunType

from airflow_provider_emrfs_xacct.macros import run_stamp

if TYPE_CHECKING:
    from datetime import datetime

TICK = pendulum.datetime(2024, 1, 1, tz="UTC")


def partition_run(
    run_id: str, key: str | None = "2024-01-01T00:00:00", *, dag_id: str = "export", run_after: datetime = TICK
) -> DagRun:
    return DagRun(
        dag_id=dag_id,
        run_id=run_id,
        run_type=DagRunType.BACKFILL_JOB,
        run_after=run_after,
        partition_key=key,
        partition_date=TICK if key else None,
    )


def test_a_reprocessed_partition_keeps_its_stamp() -> None:
    first = run_stamp(partition_run("backfill__2024-01-01T00:00:00+00:00__2024-01-01T00:00:00__jbehXWIh"))
    again = run_stamp(partition_run("backfill__2024-01-01T00:00:00+00:00__2024-01-01T00:00:00__R9yxEMzp"))

    assert first == again
    assert re.fullmatch(r"20240101T000000-[0-9a-f]{10}", first)


def test_a_manual_run_of_the_partition_takes_the_partition_date() -> None:
    backfilled = run_stamp(partition_run("backfill__2024-01-01T00:00:00+00:00__2024-01-01T00:00:00__jbehXWIh"))
    triggered = run_stamp(
        partition_run("manual__2026-12-01T10:00:00.123456+00:00", run_after=pendulum.datetime(2026, 12, 1, 10))
    )

    assert triggered == backfilled


def test_partitions_and_dags_get_different_stamps() -> None:
    stamps = {
        run_stamp(partition_run("backfill__a")),
        run_stamp(partition_run("backfill__a", key="2024-01-01T00:00:00+01:00")),
        run_stamp(partition_run("backfill__a", dag_id="other")),
        run_stamp(partition_run("backfill__a", key=None)),
    }

    assert len(stamps) == 4


def test_a_run_without_a_partition_keeps_the_stamp_of_its_run_id() -> None:
    """The stamp of earlier releases: runs still writing under it find their folders."""
    assert run_stamp(partition_run("backfill__2024-01-01T00:00:00+00:00", key=None)) == "20240101T000000-9219b35af2"


def test_a_run_id_equal_to_a_partition_key_gets_another_stamp() -> None:
    keyed = run_stamp(partition_run("backfill__a", key="2024-01-01T00:00:00"))
    named = run_stamp(partition_run("2024-01-01T00:00:00", key=None))

    assert keyed != named
