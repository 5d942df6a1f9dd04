"""
Helpers shared by the verifier, revoke, command-line and dry-run tests: provisioning one partner
with the provider's operators, and recording every AWS call any client in the process sends.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore.client

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_CONN_ID, EMR_EC2_ROLE, Seeded
from tests.conftest import READ_PREFIXES, run_operator

if TYPE_CHECKING:
    from collections.abc import Iterator

NAME_PREFIX = "emrfs-xacct-test"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{name}"


def mapping(role_name: str, prefix: str) -> dict[str, Any]:
    return {"Role": role_arn(role_name), "IdentifierType": "Prefix", "Identifiers": [prefix]}


def provision_partner(aws: Seeded, role_name: str, prefix: str) -> str:
    """Run the chain's IAM and KMS operators for one partner (no security configuration); return the role ARN."""
    arn, _, _ = run_operator(
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=role_name,
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[prefix],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        )
    )
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
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


@dataclass
class AllCalls:
    """Every AWS operation sent by any botocore client while recording, as ``(service, operation)``."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    @property
    def mutating(self) -> list[str]:
        """Operations that may change something; STS (the connections assuming their roles) excluded."""
        return [
            f"{service}:{name}"
            for service, name in self.calls
            if service != "sts" and not name.startswith(READ_PREFIXES)
        ]

    def of(self, service: str) -> list[str]:
        return [name for called, name in self.calls if called == service]


@contextlib.contextmanager
def record_all_calls() -> Iterator[AllCalls]:
    """
    Record the calls of every client, including those an operator's hooks make for other accounts.

    Patches ``BaseClient._make_api_call`` for the duration: the test's own clients must not be used
    inside the block, or their calls are recorded too.
    """
    recorded = AllCalls()
    original = botocore.client.BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        recorded.calls.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    try:
        yield recorded
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
