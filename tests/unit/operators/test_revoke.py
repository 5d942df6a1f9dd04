"""The revoking operators: template fields, defaults, XCom shape."""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_emrfs_xacct.operators.base import PLAN_XCOM_KEY
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, client
from tests.conftest import run_operator
from tests.unit.operators.template_fields import SAFETY_FIELDS, validate_template_fields


def test_revoke_partner_access_template_fields_and_defaults():
    operator = RevokePartnerAccessOperator(
        task_id="r",
        destination_role_arn=f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/w",
        destination_aws_conn_id="aws_destination_account",
    )
    validate_template_fields(operator)
    assert {
        "destination_role_arn",
        "destination_aws_conn_id",
        "kms_key_arns",
        "delete_destination_role",
        "policy_name",
        *SAFETY_FIELDS,
    } <= set(operator.template_fields)
    assert operator.emr_ec2_role_name == "EMR_EC2_DefaultRole"
    assert operator.policy_name == "emrfs-xacct-assume-destination-roles"  # the grant's default
    assert operator.delete_destination_role is False
    assert operator.security_configuration is None


def test_delete_unused_template_fields_and_defaults():
    operator = DeleteUnusedSecurityConfigsOperator(task_id="d", name_prefix="p")
    validate_template_fields(operator)
    assert {"name_prefix", "min_age_seconds", *SAFETY_FIELDS} <= set(operator.template_fields)
    assert operator.min_age_seconds == 2 * 24 * 60 * 60  # above a daily pipeline's interval (docs/howto/revoke.md)


def test_delete_unused_xcom_shape_and_the_hook_method(moto_url):
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    ours, other = security_configuration_name("emrfs-xacct-acme", {}), "hand-made"
    for name in (ours, other):
        emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps({}))

    def delete(**kwargs: object) -> DeleteUnusedSecurityConfigsOperator:
        return DeleteUnusedSecurityConfigsOperator(
            task_id="delete_unused",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="emrfs-xacct-acme",
            min_age_seconds=0,
            **kwargs,
        )

    deleted, recorder, ti = run_operator(delete(dry_run=True))
    assert deleted == [ours]
    assert [entry["action"] for entry in ti.xcoms[PLAN_XCOM_KEY]] == ["delete"]
    assert recorder.mutating == []

    deleted, recorder, ti = run_operator(delete())
    assert deleted == [ours]
    assert recorder.mutating == ["DeleteSecurityConfiguration"]
    names = [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]
    assert names == [other]


def test_a_policy_read_s3_refuses_with_405_or_whose_text_names_a_key_twice_is_noted_not_taken_as_clean() -> None:
    """
    ``GetBucketPolicy`` by an identity outside the bucket owner's account that has the permission answers "405 Method
    Not Allowed" (S3 API Reference, "GetBucketPolicy"): the policy was not read, like a 403. A text naming a key twice
    is not read either (``parse_document`` refuses it). Both are noted for the warning; a bucket gone is no policy.
    """
    from botocore.exceptions import ClientError

    from airflow_provider_emrfs_xacct.operators.revoke import _read_noting
    from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError

    def answering(error: Exception) -> Any:
        def read(bucket: str) -> Any:
            raise error

        return read

    not_allowed = ClientError(
        {
            "Error": {
                "Code": "MethodNotAllowed",
                "Message": "The specified method is not allowed against this resource.",
            },
            "ResponseMetadata": {"HTTPStatusCode": 405},
        },
        "GetBucketPolicy",
    )
    twice = ConflictError("found the key 'Sid' twice")
    gone = ClientError(
        {"Error": {"Code": "NoSuchBucket", "Message": "The specified bucket does not exist"}}, "GetBucketPolicy"
    )
    unchecked: list[str] = []

    assert _read_noting(unchecked, "the bucket policy of reports", answering(not_allowed), "reports") is None
    assert _read_noting(unchecked, "the bucket policy of shared", answering(twice), "shared") is None
    assert _read_noting(unchecked, "the bucket policy of gone", answering(gone), "gone") is None

    assert unchecked == [
        "the bucket policy of reports (MethodNotAllowed: The specified method is not allowed against this resource.)",
        "the bucket policy of shared (found the key 'Sid' twice)",
    ]
