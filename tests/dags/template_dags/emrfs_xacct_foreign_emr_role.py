"""
``partner_access`` given the EMR EC2 role's ARN only at run time (a template, an upstream task's output), unpinned
or pinned by a template: an ARN of another account than the EMR connection's must be refused before any write.

Run by ``tests/dags/test_dag_templates.py`` (``airflow dags test``): one DAG, one partner per way the ARN (and pin)
arrive, so that one run refuses all three; the partners' chains share nothing.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_emrfs_xacct.task_groups import partner_access

PARAMS = {"emr_ec2_role_arn": "", "destination_prefix": "", "kms_key_arn": "", "emr_account_id": ""}
CONNECTIONS = {"emr_aws_conn_id": "aws_emr_account", "destination_aws_conn_id": "aws_destination_account"}
SHARED = {"destination_prefix": "{{ params.destination_prefix }}", "kms_key_arn": "{{ params.kms_key_arn }}"}

with DAG("emrfs_xacct_foreign_emr_role", schedule=None, params=PARAMS):

    @task
    def emr_ec2_role(params: dict[str, Any] | None = None) -> str:
        """Stands for a task that creates or looks up the EMR EC2 role and returns its ARN."""
        return str((params or {})["emr_ec2_role_arn"])

    # The ARN from a template, the EMR connection's account the only pin.
    partner_access(partner="via-template", emr_ec2_role_arn="{{ params.emr_ec2_role_arn }}", **SHARED, **CONNECTIONS)
    # The ARN an upstream task returned.
    partner_access(partner="via-xcom", emr_ec2_role_arn=emr_ec2_role(), **SHARED, **CONNECTIONS)
    # The ARN from a template, pinned to an account by another template.
    partner_access(
        partner="pinned",
        emr_ec2_role_arn="{{ params.emr_ec2_role_arn }}",
        emr_account_id="{{ params.emr_account_id }}",
        **SHARED,
        **CONNECTIONS,
    )
