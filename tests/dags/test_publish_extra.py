"""
The example DAGs' publish task puts into its asset event's ``extra`` the run's stamp and the URI the job wrote.

A backfill emits many events of one prefix, and a DAG scheduled on it gets them together, each with only its
``source_run_id``: the ``extra`` (Airflow's ``OutletEventAccessor.add(asset, extra)``) tells it which
``<stamp>/results.txt`` each is for. Here the task renders and runs as in a run; ``airflow dags test`` storing the
event with it is in ``test_airflow_native.py`` (``emrfs_xacct_many_partners``).
"""

from __future__ import annotations

import runpy
from typing import Any

import pytest
from airflow.sdk import AssetAlias
from airflow.sdk.execution_time.context import OutletEventAccessors

from airflow_provider_emrfs_xacct.macros import run_stamp
from airflow_provider_emrfs_xacct.operators.assets import PARTNER_EXPORTS_ALIAS
from devstack.testing import ROOT
from tests.dags.test_airflow_native import airflow_dag_run
from tests.dags.test_example_write_steps import RUN_AFTER, RUN_ID, rendered_args

EXAMPLES = pytest.mark.parametrize(
    ("dag_file", "dag_id"),
    [
        ("emrfs_xacct_partner_export.py", "emrfs_xacct_partner_export"),
        ("emrfs_xacct_bucket_policy_export.py", "emrfs_xacct_bucket_policy_export"),
        ("emrfs_xacct_many_partners.py", "emrfs_xacct_many_partners"),
    ],
)


def published_extra(dag_file: str, dag_id: str, prefix: str, dag_run: Any) -> dict[str, Any]:
    """The ``extra`` of the event the example's publish task emits for a run giving ``prefix``."""
    dag = runpy.run_path(str(ROOT / "dags" / dag_file), run_name="__publish_extra__")["dag"]
    if dag_id == "emrfs_xacct_many_partners":
        task = dag.get_task("export_partner.publish_results")
        task.s3_prefix = prefix  # the partner's mapped value, as Airflow resolves it for the map index
    else:
        task = dag.get_task("publish_results")
    context: Any = {"dag": dag, "task": task, "params": {"destination_prefix": prefix}, "dag_run": dag_run}
    task.render_template_fields(context)
    events = OutletEventAccessors()
    task.execute({"outlet_events": events})
    [event] = events[AssetAlias(PARTNER_EXPORTS_ALIAS)].asset_alias_events
    return event.extra


@pytest.mark.parametrize("prefix", ["s3://partner-results/acme/", "s3://partner-results/exports"])
@EXAMPLES
def test_the_published_event_names_the_run_stamp_and_the_object_the_job_wrote(
    dag_file: str, dag_id: str, prefix: str
) -> None:
    dag_run = airflow_dag_run(dag_id, RUN_ID, RUN_AFTER)

    extra = published_extra(dag_file, dag_id, prefix, dag_run)

    assert extra == {"run_stamp": run_stamp(dag_run), "uri": rendered_args(dag_file, dag_id, prefix, dag_run)[-1]}
    assert extra["uri"] == f"s3://partner-results/{prefix.split('/')[3]}/{run_stamp(dag_run)}/results.txt"
