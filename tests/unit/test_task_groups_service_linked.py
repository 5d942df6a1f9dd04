"""
partner_access refuses a service-linked EMR EC2 role ARN (path ``/aws-service-role/``) when the DAG is parsed (outside
review Z3): the destination role's trust named it, then the assume grant's write to it was refused.

IAM API Reference, "CreateServiceLinkedRole": "To attach a policy to this service-linked role, you must make the
request using the AWS service that depends on this role" (PutRolePolicy, "Errors": ``UnmodifiableEntity``).
"""

from __future__ import annotations

import pytest
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.task_groups import partner_access

SERVICE_LINKED = (
    "arn:aws:iam::111111111111:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup"
)


def test_a_service_linked_emr_ec2_role_arn_is_refused_when_the_dag_is_parsed() -> None:
    with DAG(dag_id="factory", schedule=None), pytest.raises(InvalidParameterError, match="service-linked") as refused:
        partner_access(partner="acme", destination_prefix="s3://partner-results/acme/", emr_ec2_role_arn=SERVICE_LINKED)
    assert refused.value.field == "partner_access(emr_ec2_role_arn=...)"


def test_a_role_under_another_path_is_not_refused() -> None:
    with DAG(dag_id="factory", schedule=None):
        partner_access(
            partner="acme",
            destination_prefix="s3://partner-results/acme/",
            emr_ec2_role_arn="arn:aws:iam::111111111111:role/emr/aws-service-role/EMR_EC2_DefaultRole",
        )
