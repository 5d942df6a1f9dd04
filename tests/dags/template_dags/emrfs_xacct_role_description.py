"""
A destination role described from the run's params, as a DAG author templates its other fields.

Run by ``tests/dags/test_dag_templates.py`` (``airflow dags test``).
"""

from __future__ import annotations

from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator

with DAG(
    "emrfs_xacct_role_description",
    schedule=None,
    params={"partner": "acme", "emr_ec2_role_arn": "", "destination_prefix": "", "kms_key_arn": ""},
):
    EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id="aws_destination_account",
        role_name="emrfs-{{ params.partner }}-writer",
        role_description="EMRFS writer for partner {{ params.partner }}",
        trusted_role_arns=["{{ params.emr_ec2_role_arn }}"],
        s3_prefixes=["{{ params.destination_prefix }}"],
        kms_key_arns=["{{ params.kms_key_arn }}"],
    )
