"""
Helpers shared by the integration tests: provisioning one partner with the provider's operators (whole, or
one step), a permissions boundary on its role, a trust statement someone else wrote. (Recording every AWS
call: ``CallRecorder().everywhere()``, devstack/testing.py.)
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import run_operator

NAME_PREFIX = "emrfs-xacct-test"
#: Another account's auditor role (made by :func:`create_auditor`: a policy naming a role that does not exist is refused).
AUDITOR_ARN = "arn:aws:iam::333333333333:role/Auditor"
#: A trust statement someone else wrote on a destination role: another account's auditor, behind an external id.
AUDITOR_STATEMENT = {
    "Sid": "PartnerAuditor",
    "Effect": "Allow",
    "Principal": {"AWS": AUDITOR_ARN},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": "audit-7f3e"}},
}


def deny_outside_regions(approved: str) -> str:
    """
    The common "deny outside the approved Regions" policy (IAM User Guide, "AWS: Denies access to AWS based on the
    requested Region": ``NotAction`` IAM and STS, global services), approving ``approved`` only, as a JSON document.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "NotAction": ["iam:*", "sts:*"],
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:RequestedRegion": approved}},
                }
            ],
        }
    )


def create_auditor(aws: Seeded) -> None:
    """Create the auditor role of :data:`AUDITOR_STATEMENT` in its account, as a real one exists there."""
    create_principals(aws.url, AUDITOR_ARN)


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{name}"


def mapping(role_name: str, prefix: str) -> dict[str, Any]:
    return {"Role": role_arn(role_name), "IdentifierType": "Prefix", "Identifiers": [prefix]}


def destination_role_operator(
    aws: Seeded, role_name: str, prefix: str, **overrides: Any
) -> EnsureDestinationRoleOperator:
    """
    EnsureDestinationRoleOperator for ``role_name`` under ``prefix``, trusting the seeded EMR EC2 role with the seeded
    key; ``overrides`` replace or add arguments.
    """
    arguments: dict[str, Any] = {
        "task_id": "ensure_destination_role",
        "aws_conn_id": DESTINATION_CONN_ID,
        "role_name": role_name,
        "trusted_role_arns": [aws.emr_ec2_role_arn],
        "s3_prefixes": [prefix],
        "kms_key_arns": [aws.kms_key_arn],
        "settle_seconds": 0,
    }
    return EnsureDestinationRoleOperator(**{**arguments, **overrides})


def ensure_destination_role(
    aws: Seeded, role_name: str, prefix: str, trusted_role_arn: str | None = None, **extra: Any
) -> str:
    """Run EnsureDestinationRoleOperator (trusting the seeded EMR EC2 role unless told); return the role ARN."""
    trusted = [trusted_role_arn or aws.emr_ec2_role_arn]
    arn, _, _ = run_operator(destination_role_operator(aws, role_name, prefix, trusted_role_arns=trusted, **extra))
    return str(arn)


def grant_key_users(aws: Seeded, principal_arns: list[str], key_arn: str | None = None) -> None:
    """Run GrantKmsKeyUserOperator on ``key_arn`` (the seeded key unless told)."""
    run_operator(
        GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=key_arn or aws.kms_key_arn,
            principal_arns=principal_arns,
            settle_seconds=0,
        )
    )


def provision_partner(aws: Seeded, role_name: str, prefix: str, emr_ec2_role: tuple[str, str] | None = None) -> str:
    """
    Run the chain's IAM and KMS operators for one partner (no security configuration); return the role ARN.

    :param emr_ec2_role: the EMR EC2 role to trust and grant, as ``(name, ARN)``; the seeded
        ``EMR_EC2_DefaultRole`` by default.
    """
    emr_role_name, emr_role_arn = emr_ec2_role or (EMR_EC2_ROLE, aws.emr_ec2_role_arn)
    arn = ensure_destination_role(aws, role_name, prefix, emr_role_arn)
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=emr_role_name,
            destination_role_arns=[arn],
            settle_seconds=0,
        )
    )
    grant_key_users(aws, [arn])
    assert arn == role_arn(role_name)
    return arn


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


def set_permissions_boundary(aws: Seeded, role_name: str, policy_name: str, action: str | list[str]) -> Any:
    """
    Create a managed policy allowing only ``action`` (one or a list) and set it as the destination role's permissions boundary.

    Return the destination account's IAM client.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    boundary = iam.create_policy(
        PolicyName=policy_name,
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=role_name, PermissionsBoundary=boundary)
    return iam
