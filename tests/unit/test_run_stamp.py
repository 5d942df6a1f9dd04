"""``macros.run_stamp``: one name part per DAG run, valid in every AWS name the example DAGs put it in."""

from __future__ import annotations

import re

import pendulum
import pytest
from airflow.models.dagrun import DagRun
from airflow.utils.types import DagRunType

from airflow_provider_emrfs_xacct.macros import run_stamp
from airflow_provider_emrfs_xacct.pure.launch_arguments import validate_cluster_tags

RUN_AFTER = pendulum.datetime(2026, 12, 1, 10, 0, 0, tz="UTC")


def dag_run(run_id: str, dag_id: str = "export", run_type: DagRunType = DagRunType.MANUAL) -> DagRun:
    return DagRun(dag_id=dag_id, run_id=run_id, run_type=run_type, run_after=RUN_AFTER)


@pytest.mark.parametrize(
    ("run_id", "run_type"),
    [
        ("manual__2026-12-01T10:00:00.123456+00:00", DagRunType.MANUAL),
        ("backfill__2026-01-02T00:00:00+00:00", DagRunType.BACKFILL_JOB),
        ("asset_triggered__2026-12-01T10:00:00.123456+00:00", DagRunType.ASSET_TRIGGERED),
        ("rerun~" + "x" * 244, DagRunType.MANUAL),  # 250 characters Airflow's default allowed_run_id_pattern takes
    ],
)
def test_the_stamp_is_short_and_valid_in_emr_names_tags_and_s3_keys(run_id: str, run_type: DagRunType) -> None:
    stamp = run_stamp(dag_run(run_id, run_type=run_type))

    assert re.fullmatch(r"20261201T100000-[0-9a-f]{10}", stamp)
    validate_cluster_tags({"Tags": [{"Key": "run", "Value": stamp}]}, "Tags")


def test_runs_of_one_second_or_of_two_dags_get_different_stamps() -> None:
    stamps = {
        run_stamp(dag_run("manual__2026-12-01T10:00:00.100000+00:00")),
        run_stamp(dag_run("manual__2026-12-01T10:00:00.900000+00:00")),
        run_stamp(dag_run("manual__2026-12-01T10:00:00.100000+00:00", dag_id="other")),
    }

    assert len(stamps) == 3
