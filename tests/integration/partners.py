"""
Helpers shared by the verifier, revoke and offboarding tests: provisioning one partner with the
provider's operators. (Recording every AWS call: ``CallRecorder().everywhere()``, devstack/testing.py.)
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_CONN_ID, EMR_EC2_ROLE, Seeded
from devstack.testing import run_operator

NAME_PREFIX = "emrfs-xacct-test"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{name}"


def mapping(role_name: str, prefix: str) -> dict[str, Any]:
    return {"Role": role_arn(role_name), "IdentifierType": "Prefix", "Identifiers": [prefix]}


def provision_partner(aws: Seeded, role_name: str, prefix: str, emr_ec2_role: tuple[str, str] | None = None) -> str:
    """
    Run the chain's IAM and KMS operators for one partner (no security configuration); return the role ARN.

    :param emr_ec2_role: the EMR EC2 role to trust and grant, as ``(name, ARN)``; the seeded
        ``EMR_EC2_DefaultRole`` by default.
    """
    emr_role_name, emr_role_arn = emr_ec2_role or (EMR_EC2_ROLE, aws.emr_ec2_role_arn)
    arn, _, _ = run_operator(
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=role_name,
            trusted_role_arns=[emr_role_arn],
            s3_prefixes=[prefix],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        )
    )
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=emr_role_name,
            destination_role_arns=[arn],
            settle_seconds=0,
        )
    )
    run_operator(
        GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=aws.kms_key_arn,
            principal_arns=[arn],
            settle_seconds=0,
        )
    )
    assert arn == role_arn(role_name)
    return str(arn)


def create_security_configuration(mappings: list[dict[str, Any]], name_prefix: str = NAME_PREFIX) -> str:
    """Create (or reuse) the content-named security configuration with these mappings; return its name."""
    name, _, _ = run_operator(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=name_prefix,
            role_mappings=mappings,
        )
    )
    return str(name)
