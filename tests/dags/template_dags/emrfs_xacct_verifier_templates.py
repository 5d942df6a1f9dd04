"""
A verifier whose probe waits are templated, as a DAG author templates the Amazon provider's EMR waits.

Run by ``tests/dags/test_dag_templates.py`` (``airflow dags test``): the security configuration,
cluster and waits come from the run's params, rendered as text (Airflow's default rendering).
"""

from __future__ import annotations

from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

DAG_ID = "emrfs_xacct_verifier_templates"

with DAG(DAG_ID, schedule=None, params={"security_configuration": "", "cluster_id": "", "delay": 1, "attempts": 5}):
    VerifyCrossAccountAccessOperator(
        task_id="verify_access",
        aws_conn_id="aws_emr_account",
        destination_aws_conn_id="aws_destination_account",
        security_configuration="{{ params.security_configuration }}",
        cluster_id="{{ params.cluster_id }}",
        release_label="emr-6.15.0",
        probe=True,
        waiter_delay="{{ params.delay }}",
        waiter_max_attempts="{{ params.attempts }}",
    )
