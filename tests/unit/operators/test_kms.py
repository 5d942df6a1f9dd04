"""GrantKmsKeyUserOperator: template fields, defaults, XCom shape."""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.operators.base import PLAN_XCOM_KEY
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, KEY_ADMIN_ARN
from tests.conftest import run_operator
from tests.unit.operators.template_fields import AWS_FIELDS, SAFETY_FIELDS, validate_template_fields


def test_template_fields_and_defaults():
    operator = GrantKmsKeyUserOperator(task_id="k", key_arn="k", principal_arns=["p"])
    validate_template_fields(operator)
    assert set(operator.template_fields) == {"key_arn", "principal_arns", *SAFETY_FIELDS, *AWS_FIELDS}
    assert operator.dry_run is False
    assert operator.settle_seconds is None  # the [emrfs_xacct] settle_seconds option's, when the task runs
    assert [link.name for link in operator.operator_extra_links] == ["KMS Key"]


def test_xcom_shape(aws):
    principal = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"
    operator = GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn=aws.kms_key_arn,
        principal_arns=[principal],
        expected_account_id=DESTINATION_ACCOUNT,
        dry_run=True,
    )
    key_arn, recorder, ti = run_operator(operator)
    assert key_arn == aws.kms_key_arn
    (change,) = ti.xcoms[PLAN_XCOM_KEY]
    assert change["action"] == "update"
    assert KEY_ADMIN_ARN in str(change["before"])  # the statements the provider did not write are in the plan
    assert principal in str(change["after"])
    assert recorder.mutating == []


def test_a_key_resolved_to_none_skips_only_when_asked(connections):
    from airflow.providers.common.compat.sdk import AirflowSkipException

    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
    from devstack.testing import CallRecorder

    def grant(**kwargs):
        return GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user", aws_conn_id=DESTINATION_CONN_ID, key_arn=None, principal_arns=["p"], **kwargs
        )

    with CallRecorder().everywhere() as calls:
        with pytest.raises(AirflowSkipException, match="No KMS key"):
            run_operator(grant(skip_without_key=True))
        with pytest.raises(InvalidParameterError, match="key_arn: must be a string"):
            run_operator(grant())
    assert calls.every == []
