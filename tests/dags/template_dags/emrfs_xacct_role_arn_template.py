"""
``partner_access`` with the EMR EC2 role's whole ARN from one template, as a DAG author keeps it in a Variable.

Run by ``tests/dags/test_dag_templates.py`` (``airflow dags test``); the ARN, prefix and key are the run's
params (the Variable's place), rendered as text.
"""

from __future__ import annotations

from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.task_groups import partner_access

DAG_ID = "emrfs_xacct_role_arn_template"

with DAG(DAG_ID, schedule=None, params={"emr_ec2_role_arn": "", "destination_prefix": "", "kms_key_arn": ""}):
    partner_access(
        partner="acme",
        destination_prefix="{{ params.destination_prefix }}",
        kms_key_arn="{{ params.kms_key_arn }}",
        emr_ec2_role_arn="{{ params.emr_ec2_role_arn }}",
        emr_aws_conn_id="aws_emr_account",
        destination_aws_conn_id="aws_destination_account",
    )
