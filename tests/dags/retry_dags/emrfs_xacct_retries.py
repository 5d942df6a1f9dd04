"""
A DAG with the retries of a scheduled ETL DAG (``retries=3``), run by ``tests/dags/test_retries.py``.

``bad_field`` is given a trusted role that is not an ARN: every try would fail the same way, so the
first fails the task. ``denied_once`` is denied on its first try as a role granted seconds before may
be (IAM's lag), and succeeds on its retry. The ``*_while_rendering`` tasks are refused while Airflow renders
their templates, before ``execute``: the ``aws_partition`` macro naming a connection Airflow does not have, in
a provider operator and in the Amazon provider's ``EmrAddStepsOperator``, and an operator's own template hook
(``render_template``), unmapped and mapped; each rendering is the same on every try.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.macros import aws_partition
from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, InvalidParameterError

#: A trusted role ARN in the partition of a connection Airflow does not have.
MISSING_CONNECTION_ARN = "arn:{{ aws_partition('aws_not_defined') }}:iam::111111111111:role/EMR_EC2_DefaultRole"


class DeniedOnceOperator(EnsureDestinationRoleOperator):
    """Denied on its first try, as IAM may be while a new grant spreads; granted on the next."""

    def execute(self, context: Any) -> str:
        if context["ti"].try_number == 1:
            raise AccessDeniedError(
                "account 111111111111 denied iam:GetRole on role/emrfs-acme-writer (not in effect yet)"
            )
        return "granted"


class RefusesWhileRenderingOperator(EnsureDestinationRoleOperator):
    """Refuses a rendered ``role_name`` in its own template hook, before ``execute``."""

    def render_template(self, content: Any, context: Any, jinja_env: Any = None, seen_oids: Any = None) -> Any:
        rendered = super().render_template(content, context, jinja_env, seen_oids)
        if rendered == "refused-while-rendering":
            raise InvalidParameterError("role_name", "refused by the operator's own template hook")
        return rendered


with DAG(
    "emrfs_xacct_retries",
    schedule=None,
    # retry_delay 0: the test waits for nothing; the decision to retry is what is tested.
    # The destination connection the test's environment defines: every task refuses one Airflow does not have.
    default_args={"retries": 3, "retry_delay": timedelta(0), "aws_conn_id": "aws_destination_account"},
    user_defined_macros={"aws_partition": aws_partition},
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
    EnsureDestinationRoleOperator(
        task_id="macro_refused_while_rendering",
        role_name="emrfs-acme-writer",
        trusted_role_arns=[MISSING_CONNECTION_ARN],
        s3_prefixes=["s3://partner-bucket/acme/"],
    )
    EmrAddStepsOperator(
        task_id="macro_refused_while_rendering_stock",
        job_flow_id="j-NOTLAUNCHED",
        steps=[
            {
                "Name": "write",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["echo", MISSING_CONNECTION_ARN]},
            }
        ],
    )
    RefusesWhileRenderingOperator(
        task_id="hook_refused_while_rendering",
        role_name="refused-while-rendering",
        trusted_role_arns=["arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"],
        s3_prefixes=["s3://partner-bucket/acme/"],
    )
    RefusesWhileRenderingOperator.partial(
        task_id="hook_refused_while_rendering_mapped",
        role_name="refused-while-rendering",
        trusted_role_arns=["arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"],
    ).expand(s3_prefixes=[["s3://partner-bucket/acme/"]])
