"""
The DAG that ``tests/dags/test_backfill.py`` backfills with a real scheduler (LocalExecutor) against moto.

Each daily run provisions a different partner, derived from its logical date (``partner-YYYYMMDD``),
and every run shares the destination account's KMS key and the EMR account's EMR EC2 role: the
runs of a backfill write the same key policy and the same inline policy at the same time. The key's
ARN comes from the backfill's run conf (moto gives the seeded key a random id).

This folder is the DAGs folder of that test only: Airflow 3.3 re-reads a DAG from its file, so the
file must lie in the folder the scheduler and the DAG processor are pointed at. The file name does
not match pytest's ``test_*.py`` / ``*_test.py`` patterns, so pytest does not collect it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param
from emrfs_xacct_test_tasks import DAG_ARGS, kms_key_param, launch_cluster, partner_chain, teardown

DAG_ID = "emrfs_xacct_backfill_test"
PARTNER = "partner-{{ ds_nodash }}"
PREFIX = "s3://{{ params.bucket }}/" + PARTNER + "/"

with DAG(
    dag_id=DAG_ID,
    description="Backfill test: one partner per logical date, all sharing one KMS key and one EMR EC2 role",
    schedule="@daily",
    # Past end_date and no catchup: the scheduler creates no run of its own, only the backfill's.
    end_date=pendulum.datetime(2024, 1, 31, tz="UTC"),
    catchup=False,
    max_active_runs=8,
    max_active_tasks=32,
    params={"kms_key_arn": kms_key_param(), "bucket": Param("partner-results-b", type="string")},
    **DAG_ARGS,
) as dag:
    chain = partner_chain(PARTNER, PREFIX)
    cluster = launch_cluster("backfill-" + PARTNER, chain.security_configuration.output, tags={"partner": PARTNER})
    [chain.allow_assume, chain.grant_key] >> cluster
    teardown(cluster)
