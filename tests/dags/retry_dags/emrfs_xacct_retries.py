"""
A DAG with the retries of a scheduled ETL DAG (``retries=3``), run by ``tests/dags/test_retries.py``.

``bad_field`` is given a trusted role that is not an ARN: every try would fail the same way, so the
first fails the task. ``denied_once`` is denied on its first try as a role granted seconds before may
be (IAM's lag), and succeeds on its retry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError


class DeniedOnceOperator(EnsureDestinationRoleOperator):
    """Denied on its first try, as IAM may be while a new grant spreads; granted on the next."""

    def execute(self, context: Any) -> str:
        if context["ti"].try_number == 1:
            raise AccessDeniedError(
                "account 111111111111 denied iam:GetRole on role/emrfs-acme-writer (not in effect yet)"
            )
        return "granted"


with DAG(
    "emrfs_xacct_retries",
    schedule=None,
    # retry_delay 0: the test waits for nothing; the decision to retry is what is tested.
    # The destination connection the test's environment defines: every task refuses one Airflow does not have.
    default_args={"retries": 3, "retry_delay": timedelta(0), "aws_conn_id": "aws_destination_account"},
):
    EnsureDestinationRoleOperator(
        task_id="bad_field",
        role_name="emrfs-acme-writer",
        trusted_role_arns=["emr-ec2-role"],
        s3_prefixes=["s3://partner-bucket/acme/"],
    )
    DeniedOnceOperator(
        task_id="denied_once",
        role_name="emrfs-acme-writer",
        trusted_role_arns=["arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"],
        s3_prefixes=["s3://partner-bucket/acme/"],
    )
