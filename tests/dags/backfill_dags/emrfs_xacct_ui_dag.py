"""
The DAG that the Airflow-native tests run: through the real API server without a logical date
(``tests/dags/test_backfill.py``), and with ``airflow dags test`` (``tests/dags/test_airflow_native.py``).

One partner's chain from the TaskGroup factory (one call), a launch, a step that writes under the
partner prefix and declares it as an Airflow Asset, a check that fails when the run's conf asks it
to (``fail_check``: a failing middle task), and the cluster's teardown. Names come from values every
run has (``run_after``, ``run_id``), never from the logical date, which an API-triggered run lacks.

It lies in the scheduler test's DAGs folder (``backfill_dags``), paused at creation: the scheduler
runs it only when a test triggers it. The bucket is the local stand-in's fixed one, so the asset is
known when the file is parsed.
"""

from __future__ import annotations

from airflow.sdk import DAG, Asset, Param, task
from emrfs_xacct_test_tasks import (
    DAG_ARGS,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    kms_key_param,
    launch_cluster,
    teardown,
    write_results,
)

from airflow_provider_emrfs_xacct.task_groups import partner_access

DAG_ID = "emrfs_xacct_ui_test"
PARTNER = "ui-partner"
PREFIX = f"s3://partner-results-b/{PARTNER}/"
RUN_STAMP = "{{ dag_run.run_after | ts_nodash }}"

with DAG(
    dag_id=DAG_ID,
    description="Airflow-native test: factory, links, teardown, asset, runs without a logical date",
    schedule=None,
    params={"kms_key_arn": kms_key_param(), "fail_check": Param(False, type="boolean")},
    **DAG_ARGS,
) as dag:
    access = partner_access(
        partner=PARTNER,
        destination_prefix=PREFIX,
        kms_key_arn="{{ params.kms_key_arn }}",
        emr_ec2_role_arn=f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}",
        release_label="emr-7.5.0",
        settle_seconds=0.2,
    )

    cluster = launch_cluster(
        f"ui-{PARTNER}-{RUN_STAMP}",
        access.security_configuration,
        instance_count=1,
        application="Hadoop",
        tags={"run_id": "{{ run_id }}"},
    )
    access.task_group >> cluster

    write = write_results(
        cluster,
        f"write-{RUN_STAMP}",
        "ok",
        f"{PREFIX}{RUN_STAMP}/results.txt",
        wait_for_completion=True,
        waiter_delay=1,
        outlets=[Asset(PREFIX)],
    )

    @task
    def check_results(fail: bool) -> None:
        if fail:
            raise RuntimeError("the check failed, as the run's conf asked (fail_check)")

    write >> check_results("{{ params.fail_check }}") >> teardown(cluster)
