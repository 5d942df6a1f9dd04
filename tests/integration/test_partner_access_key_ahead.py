"""
``partner_access``: a ``kms_key_arn`` the key grant will refuse is refused by ``ensure_destination_role`` first.

Both tasks act through the destination connection. ``PutKeyPolicy`` is not cross-account ("Cross-account use: No",
AWS KMS API Reference, PutKeyPolicy) and "key policies are Regional. A key policy controls access only to a KMS key in
the same Region" (AWS KMS Developer Guide, "Key policies in AWS KMS"): ``grant_kms_key_user`` refuses a key of another
Region or account than its connection's. It ran after the destination role was written (and the assume grant and the
security configuration, beside it): every retry failed there again, the role left granting the key (review P6).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import BUCKET, DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_CONN_ID, Seeded
from devstack.testing import CallRecorder, run_operator

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"
OTHER_REGION_KEY = f"arn:aws:kms:eu-west-1:{DESTINATION_ACCOUNT}:key/{KEY_ID}"
OTHER_ACCOUNT_KEY = f"arn:aws:kms:us-east-1:333333333333:key/{KEY_ID}"
FOREIGN_KEYS = pytest.mark.parametrize(
    "key", [OTHER_REGION_KEY, OTHER_ACCOUNT_KEY], ids=["other-region", "other-account"]
)


def group_tasks(aws: Seeded, key: Any, params: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """The destination role's task and the key grant of a partner ``acme`` group, rendered with ``params``."""
    from airflow.sdk import DAG

    from airflow_provider_emrfs_xacct.task_groups import partner_access

    with DAG(dag_id="key_ahead", schedule=None, params=params or {}) as dag:
        partner_access(
            partner="acme",
            destination_prefix=f"s3://{BUCKET}/acme/",
            kms_key_arn=key,
            emr_ec2_role_arn=aws.emr_ec2_role_arn,
            emr_aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            settle_seconds=0,
        )
    tasks = dag.get_task("partner_acme.ensure_destination_role"), dag.get_task("partner_acme.grant_kms_key_user")
    tasks[1].principal_arns = [ROLE_ARN]  # what the role's output (XComArg) resolves to
    for task in tasks:
        task.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    return tasks


def refusal(task: Any) -> tuple[InvalidParameterError, CallRecorder]:
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(task)
    return refused.value, calls


@FOREIGN_KEYS
@pytest.mark.parametrize("templated", [False, True], ids=["string", "template"])
def test_a_key_the_key_grant_refuses_is_refused_by_the_first_task_before_any_write(
    aws: Seeded, key: str, templated: bool
) -> None:
    # Before the fix the role (and its key actions on that key) was written, and only the key grant refused the key.
    role, grant = group_tasks(aws, "{{ params.key }}" if templated else key, {"key": key})
    error, calls = refusal(role)
    assert error.field == "partner_access(kms_key_arn=...)", error
    assert calls.mutating == []
    grants_error, _ = refusal(grant)
    assert str(error) == str(grants_error)  # the same rule, the same words


def test_a_key_of_the_connections_region_and_account_lets_the_role_be_written(aws: Seeded) -> None:
    role, _ = group_tasks(aws, aws.kms_key_arn)
    role_arn, calls, _ = run_operator(role)
    assert role_arn == ROLE_ARN
    assert calls.mutating


@FOREIGN_KEYS
def test_used_alone_the_destination_role_may_grant_a_key_of_another_region_or_account(aws: Seeded, key: str) -> None:
    # IAM grants a key of any Region or account of the partition (the key's own policy must allow it too): only the
    # key grant of partner_access, on the destination connection, cannot write that key's policy.
    role = EnsureDestinationRoleOperator(
        task_id="role_alone",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-alone-writer",
        trusted_role_arns=[aws.emr_ec2_role_arn],
        s3_prefixes=[f"s3://{BUCKET}/alone/"],
        kms_key_arns=[key],
        settle_seconds=0,
    )
    role_arn, calls, _ = run_operator(role)
    assert role_arn.endswith(":role/emrfs-alone-writer")
    assert calls.mutating
