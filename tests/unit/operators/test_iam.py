"""EnsureDestinationRoleOperator and AttachAssumeRolePolicyOperator: template fields, defaults, XCom shape."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.links.console import DestinationPrefixLink, DestinationRoleLink, EmrEc2RoleLink
from airflow_provider_emrfs_xacct.operators.base import DEFAULT_BOTOCORE_CONFIG, PLAN_XCOM_KEY
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_CONN_ID
from tests.conftest import run_operator
from tests.unit.operators.template_fields import AWS_FIELDS, SAFETY_FIELDS, validate_template_fields

EMR_ROLE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_DefaultRole"
PLAN_ENTRY_KEYS = {"action", "resource", "before", "after"}


def destination_role(**kwargs: object) -> EnsureDestinationRoleOperator:
    return EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-acme-writer",
        trusted_role_arns=[EMR_ROLE_ARN],
        s3_prefixes=["s3://partner-results-b/acme/"],
        **kwargs,
    )


def test_ensure_destination_role_template_fields():
    operator = destination_role()
    validate_template_fields(operator)
    assert set(operator.template_fields) == {
        "role_name",
        "trusted_role_arns",
        "trusted_account_id",
        "checked_ahead",
        "s3_prefixes",
        "kms_key_arns",
        "trusted_aws_conn_id",
        "role_path",
        "role_description",
        "object_acl",
        "max_session_duration",
        "permissions_boundary",
        "role_tags",
        *SAFETY_FIELDS,
        *AWS_FIELDS,
    }


def test_ensure_destination_role_defaults():
    operator = destination_role()
    assert operator.kms_key_arns is None
    assert operator.role_path == "/"
    assert operator.max_session_duration == 3600
    assert operator.settle_seconds is None  # the [emrfs_xacct] settle_seconds option's, when the task runs
    assert operator.botocore_config == DEFAULT_BOTOCORE_CONFIG
    assert operator.last_plan is None


def test_ensure_destination_role_xcom_shape(moto_url):
    # Empty accounts: the dry run plans the role's creation and returns the ARN it will have.
    arn, recorder, ti = run_operator(destination_role(dry_run=True))
    assert arn == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"
    # The plan, and the fields of the console links (under each link's key).
    assert set(ti.xcoms) == {PLAN_XCOM_KEY, DestinationRoleLink.key, DestinationPrefixLink.key}
    plan = ti.xcoms[PLAN_XCOM_KEY]
    assert plan
    assert all(set(entry) == PLAN_ENTRY_KEYS for entry in plan)
    assert plan[0]["action"] == "create"
    assert recorder.mutating == []


def test_attach_assume_role_policy_template_fields_and_defaults():
    operator = AttachAssumeRolePolicyOperator(task_id="a", destination_role_arns=["x"])
    validate_template_fields(operator)
    assert {"emr_ec2_role_name", "destination_role_arns", "policy_name", "managed_policies_per_role"} <= set(
        operator.template_fields
    )
    assert operator.emr_ec2_role_name == "EMR_EC2_DefaultRole"
    assert operator.policy_name == ASSUME_POLICY_NAME == "emrfs-xacct-assume-destination-roles"


def test_attach_assume_role_policy_xcom_shape(aws):
    operator = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        destination_role_arns=[f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"],
        dry_run="True",  # as a template renders it
    )
    name, recorder, ti = run_operator(operator)
    assert name == ASSUME_POLICY_NAME
    assert operator.dry_run is True
    # The EMR EC2 role's console link, as the destination role operator has its role's (it had none).
    assert [type(link) for link in operator.operator_extra_links] == [EmrEc2RoleLink]
    assert ti.xcoms[EmrEc2RoleLink.key]["role_name"] == "EMR_EC2_DefaultRole"
    assert [entry["resource"] for entry in ti.xcoms[PLAN_XCOM_KEY]] == [
        f"iam role EMR_EC2_DefaultRole inline policy {ASSUME_POLICY_NAME}"
    ]
    assert recorder.mutating == []
