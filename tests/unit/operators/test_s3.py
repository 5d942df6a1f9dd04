"""Option (a)'s operators: template fields, defaults, XCom shape."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.operators.base import PLAN_XCOM_KEY
from airflow_provider_emrfs_xacct.operators.s3 import (
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME
from devstack.moto_stack import BUCKET, EMR_ACCOUNT, EMR_CONN_ID
from tests.conftest import run_operator
from tests.unit.operators.template_fields import AWS_FIELDS, SAFETY_FIELDS, validate_template_fields

EMR_ROLE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_DefaultRole"


def test_grant_bucket_access_template_fields_and_defaults():
    operator = GrantBucketAccessOperator(task_id="g", s3_prefixes=["s3://b/p/"], principal_arns=[EMR_ROLE_ARN])
    validate_template_fields(operator)
    assert set(operator.template_fields) == {
        "s3_prefixes",
        "principal_arns",
        "enforce_bucket_owner",
        *SAFETY_FIELDS,
        *AWS_FIELDS,
    }
    assert operator.enforce_bucket_owner is False


def test_grant_emr_role_bucket_access_template_fields_and_defaults():
    operator = GrantEmrRoleBucketAccessOperator(task_id="g", s3_prefixes=["s3://b/p/"])
    validate_template_fields(operator)
    assert {"emr_ec2_role_name", "s3_prefixes", "kms_key_arns", "canned_acl"} <= set(operator.template_fields)
    assert operator.emr_ec2_role_name == "EMR_EC2_DefaultRole"
    assert operator.kms_key_arns is None
    assert operator.canned_acl is False


def test_revoke_bucket_access_template_fields():
    operator = RevokeBucketAccessOperator(task_id="r", bucket="b", principal_arns=[EMR_ROLE_ARN])
    validate_template_fields(operator)
    assert {"bucket", "principal_arns", *SAFETY_FIELDS} <= set(operator.template_fields)


def test_grant_emr_role_bucket_access_xcom_shape(aws):
    operator = GrantEmrRoleBucketAccessOperator(
        task_id="grant_emr_role_bucket_access",
        aws_conn_id=EMR_CONN_ID,
        s3_prefixes=[f"s3://{BUCKET}/acme/"],
        kms_key_arns=[aws.kms_key_arn],
        dry_run=True,
    )
    name, recorder, ti = run_operator(operator)
    assert name == EMR_ROLE_POLICY_NAME  # in a dry run too
    (change,) = ti.xcoms[PLAN_XCOM_KEY]
    assert change["action"] == "create"
    assert f"arn:aws:s3:::{BUCKET}/acme/*" in str(change["after"])
    assert recorder.mutating == []
