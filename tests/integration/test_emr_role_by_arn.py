"""
The EMR EC2 role given by its ARN (an upstream task's output) to every operator that takes ``emr_ec2_role_name``.

Each acts on, or reads, the role of that name in its connection's account ("IAM user, group, role, and policy names
must be unique within the account", IAM API Reference, "CreateRole", ``RoleName``; a path does not tell two roles
apart), so an ARN of another account or another partition names another role: refused naming the field before any
call that changes anything. The revoke and the bucket grant, which took a name only, refused the ARN that
``partner_access`` and the assume grant take, so the DAG that granted could not revoke with the same argument.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantEmrRoleBucketAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
)
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import provision_partner, role_arn

PARTNER, PREFIX = "partner-1-writer", "s3://partner-results-b/partner-1/"


def assume_grant(aws: Seeded, emr_ec2_role_name: str, **kwargs: Any) -> AttachAssumeRolePolicyOperator:
    return AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name=emr_ec2_role_name,
        destination_role_arns=[role_arn(PARTNER)],
        settle_seconds=0,
        **kwargs,
    )


def bucket_grant(aws: Seeded, emr_ec2_role_name: str, **kwargs: Any) -> GrantEmrRoleBucketAccessOperator:
    return GrantEmrRoleBucketAccessOperator(
        task_id="grant_emr_role_bucket_access",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name=emr_ec2_role_name,
        s3_prefixes=[f"s3://{BUCKET}/acme/"],
        settle_seconds=0,
        **kwargs,
    )


def revoke(aws: Seeded, emr_ec2_role_name: str, **kwargs: Any) -> RevokePartnerAccessOperator:
    return RevokePartnerAccessOperator(
        task_id="revoke_partner",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=role_arn(PARTNER),
        emr_ec2_role_name=emr_ec2_role_name,
        kms_key_arns=[aws.kms_key_arn],
        settle_seconds=0,
        **kwargs,
    )


def verifier(aws: Seeded, emr_ec2_role_name: str, **kwargs: Any) -> VerifyCrossAccountAccessOperator:
    return VerifyCrossAccountAccessOperator(
        task_id="verify_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration="emrfs-xacct-acme-0123456789ab",
        emr_ec2_role_name=emr_ec2_role_name,
        release_label="emr-7.5.0",
        fail_on_broken=False,
        **kwargs,
    )


OPERATORS = {"assume grant": assume_grant, "bucket grant": bucket_grant, "revoke": revoke, "verifier": verifier}


@pytest.mark.parametrize("make", OPERATORS.values(), ids=OPERATORS.keys())
def test_every_operator_takes_the_emr_ec2_role_by_its_arn_as_by_its_name(aws: Seeded, make: Any) -> None:
    provision_partner(aws, PARTNER, PREFIX)
    by_name, _, by_name_ti = run_operator(make(aws, EMR_EC2_ROLE, dry_run=True))
    by_arn, recorder, by_arn_ti = run_operator(make(aws, aws.emr_ec2_role_arn, dry_run=True))
    assert recorder.mutating == []
    if isinstance(by_name, dict) and "links" in by_name:  # the verifier's report: the same links, judged alike
        assert [(link["link"], link["status"]) for link in by_arn["links"]] == [
            (link["link"], link["status"]) for link in by_name["links"]
        ]
    else:
        assert by_arn == by_name
        assert by_arn_ti.xcoms.get("plan") == by_name_ti.xcoms.get("plan")


def _elsewhere(aws: Seeded, where: str) -> tuple[str, str]:
    """The seeded role's ARN in another account, or with the same account id in another partition; what is named."""
    if where == "account":
        return aws.emr_ec2_role_arn.replace(f":{EMR_ACCOUNT}:", ":333333333333:"), "is in account 333333333333"
    partition = "aws-cn" if where == "China" else "aws-us-gov"
    return aws.emr_ec2_role_arn.replace("arn:aws:", f"arn:{partition}:"), f"is in partition {partition!r}"


@pytest.mark.parametrize("where", ["account", "China", "GovCloud"])
@pytest.mark.parametrize("make", OPERATORS.values(), ids=OPERATORS.keys())
def test_an_emr_ec2_role_arn_of_another_account_or_partition_is_refused_before_any_change(
    aws: Seeded, make: Any, where: str
) -> None:
    # The role of that name in the connection's account is another role: the assume grant and the verifier
    # refused another account's ARN but took another partition's with the connection's account id; the revoke and
    # the bucket grant took no ARN at all.
    provision_partner(aws, PARTNER, PREFIX)
    arn, named = _elsewhere(aws, where)
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(make(aws, arn))
    assert refused.value.field == "emr_ec2_role_name"
    assert named in refused.value.problem
    assert calls.mutating == []
