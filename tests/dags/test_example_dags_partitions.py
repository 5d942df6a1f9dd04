"""
The example DAGs build the EMR EC2 role's ARN in the EMR connection's partition, not ``arn:aws:`` everywhere.

An ARN names its partition: ``arn:aws-cn:`` in the China Regions ("ARNs for Amazon Web Services in China":
"In the Beijing and Ningxia Regions, the Amazon Resource Name (ARN) syntax includes a cn"), ``arn:aws-us-gov:``
in AWS GovCloud (US) (AWS General Reference, "Amazon Resource Names (ARNs)", ``partition``). A DAG author who
copies an example into ``aws-cn`` must get a role ARN there without editing it.
"""

from __future__ import annotations

import json
import runpy
from typing import Any

import pytest

from devstack.testing import ROOT

PARAMS = {
    "partner": "acme",
    "emr_account_id": "111111111111",
    "destination_account_id": "222222222222",
    "emr_ec2_role_name": "EMR_EC2_DefaultRole",
    "destination_prefix": "s3://partner-bucket/acme/",
}


def rendered(dag_file: str, task_id: str, field: str) -> Any:
    """A field of a task of the DAG, rendered as the task renders it."""
    dag = runpy.run_path(str(ROOT / "dags" / dag_file), run_name="__partitions__")["dag"]
    task = dag.get_task(task_id)
    return task.render_template(getattr(task, field), {"params": PARAMS}, dag.get_template_env())


@pytest.mark.parametrize(
    ("dag_file", "task_id", "field"),
    [
        ("emrfs_xacct_partner_export.py", "ensure_destination_role", "trusted_role_arns"),
        ("emrfs_xacct_many_partners.py", "export_partner.access.ensure_destination_role", "trusted_role_arns"),
        ("emrfs_xacct_multi_tenant.py", "ensure_finance_role", "trusted_role_arns"),
        ("emrfs_xacct_bucket_policy_export.py", "grant_bucket_access", "principal_arns"),
        ("emrfs_xacct_bucket_policy_export.py", "grant_kms_key_user", "principal_arns"),
    ],
)
@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-1", "aws")]
)
def test_the_emr_role_arn_is_in_the_emr_connections_partition(
    monkeypatch: pytest.MonkeyPatch, dag_file: str, task_id: str, field: str, region: str, partition: str
) -> None:
    connection = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": {"region_name": region}}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_EMR_ACCOUNT", json.dumps(connection))

    expected = [f"arn:{partition}:iam::111111111111:role/EMR_EC2_DefaultRole"]
    assert rendered(dag_file, task_id, field) == expected


def test_an_undefined_connection_is_refused_by_name_not_taken_for_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Amazon hook falls back to boto3's default chain for a connection Airflow does not have ("Unable to find
    # AWS Connection ID '...', switching to empty"): the macro would say "aws" whatever the connection's partition.
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    monkeypatch.delenv("AIRFLOW_CONN_AWS_EMR_ACCOUNT", raising=False)
    with pytest.raises(InvalidParameterError, match=r"aws_partition\('aws_emr_account'\).*does not have"):
        rendered("emrfs_xacct_partner_export.py", "ensure_destination_role", "trusted_role_arns")
