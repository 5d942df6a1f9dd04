"""AttachAssumeRolePolicyOperator against moto: the EMR EC2 role may assume the destination roles (step 4)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator

POLICY_NAME = "emrfs-xacct-assume-destination-roles"
SEEDED_POLICY_NAME = "emr-ec2-own-bucket-access"
PARTNER_A_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-a-writer"
PARTNER_B_ROLE = "arn:aws:iam::333333333333:role/partners/partner-b-writer"


def make_operator(**overrides: Any) -> AttachAssumeRolePolicyOperator:
    arguments: dict[str, Any] = {
        "task_id": "attach_assume_role_policy",
        "aws_conn_id": EMR_CONN_ID,
        "destination_role_arns": [PARTNER_A_ROLE],
        "settle_seconds": 0,
    }
    arguments.update(overrides)
    return AttachAssumeRolePolicyOperator(**arguments)


def emr_role_state(iam: Any) -> dict[str, Any]:
    """Everything on the EMR EC2 role that the provider must not touch."""
    role = iam.get_role(RoleName=EMR_EC2_ROLE)["Role"]
    return {
        "trust": role["AssumeRolePolicyDocument"],
        "seeded": iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_POLICY_NAME)["PolicyDocument"],
        "attached": iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"],
        "profiles": [
            profile["InstanceProfileName"]
            for profile in iam.list_instance_profiles_for_role(RoleName=EMR_EC2_ROLE)["InstanceProfiles"]
        ],
    }


def test_first_run_allows_exactly_the_destination_role_and_a_second_run_changes_nothing(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    untouched = emr_role_state(iam)
    assert untouched["seeded"]["Statement"][0]["Sid"] == "OwnLogs"  # the seed is what we think it is

    result, recorder, ti = run_operator(make_operator())

    assert result == POLICY_NAME
    policy = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=POLICY_NAME)["PolicyDocument"]
    [allow] = policy["Statement"]
    assert allow["Effect"] == "Allow"
    assert as_list(allow["Action"]) == ["sts:AssumeRole"]
    assert as_list(allow["Resource"]) == [PARTNER_A_ROLE]  # the article's "*" is never written
    assert "Condition" not in allow
    assert sorted(iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]) == [SEEDED_POLICY_NAME, POLICY_NAME]
    assert emr_role_state(iam) == untouched
    assert recorder.mutating == ["PutRolePolicy"]
    [change] = ti.xcoms["plan"]
    assert change["action"] == "create"
    assert POLICY_NAME in change["resource"]
    assert change["before"] is None
    assert change["after"] == policy

    second, recorder, ti = run_operator(make_operator())
    assert second == POLICY_NAME
    assert recorder.mutating == []
    assert recorder.reads == ["GetRolePolicy"]
    assert ti.xcoms["plan"] == []
    assert iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=POLICY_NAME)["PolicyDocument"] == policy


def test_a_second_destination_role_is_added_to_the_first(aws: Seeded) -> None:
    run_operator(make_operator())
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    untouched = emr_role_state(iam)

    _, recorder, ti = run_operator(make_operator(destination_role_arns=PARTNER_B_ROLE))  # one ARN as a string

    policy = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=POLICY_NAME)["PolicyDocument"]
    [allow] = policy["Statement"]
    assert sorted(as_list(allow["Resource"])) == sorted([PARTNER_A_ROLE, PARTNER_B_ROLE])
    assert emr_role_state(iam) == untouched
    assert recorder.mutating == ["PutRolePolicy"]
    [change] = ti.xcoms["plan"]
    assert change["action"] == "update"
    assert as_list(change["before"]["Statement"][0]["Resource"]) == [PARTNER_A_ROLE]

    # Asking again for the first one alone removes nothing and writes nothing.
    _, recorder, _ = run_operator(make_operator())
    assert recorder.mutating == []


def test_foreign_statements_in_a_policy_of_the_same_name_are_kept(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    original = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_POLICY_NAME)["PolicyDocument"]

    # A DAG author points policy_name at the role's existing inline policy.
    result, recorder, _ = run_operator(make_operator(policy_name=SEEDED_POLICY_NAME))

    assert result == SEEDED_POLICY_NAME
    policy = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_POLICY_NAME)["PolicyDocument"]
    assert policy["Statement"][0] == original["Statement"][0]  # OwnLogs, exactly as it was
    assert len(policy["Statement"]) == 2
    assert as_list(policy["Statement"][1]["Resource"]) == [PARTNER_A_ROLE]
    assert recorder.mutating == ["PutRolePolicy"]
    assert iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"] == [SEEDED_POLICY_NAME]


def test_another_emr_role_and_policy_name_can_be_chosen(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    iam.create_role(RoleName="EMR_EC2_PartnerJobs", AssumeRolePolicyDocument=EC2_ONLY_TRUST)

    result, _, _ = run_operator(make_operator(emr_ec2_role_name="EMR_EC2_PartnerJobs", policy_name="partner-a-assume"))

    assert result == "partner-a-assume"
    assert iam.list_role_policies(RoleName="EMR_EC2_PartnerJobs")["PolicyNames"] == ["partner-a-assume"]
    assert SEEDED_POLICY_NAME in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    assert POLICY_NAME not in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]


def test_missing_emr_role_is_a_precondition_error(aws: Seeded) -> None:
    operator = make_operator(emr_ec2_role_name="EMR_EC2_NoSuchRole")
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everywhere() as recorder, pytest.raises(PreconditionError, match="EMR_EC2_NoSuchRole"):
        operator.execute({"ti": ti, "task_instance": ti})

    assert recorder.mutating == []  # ListAttachedRolePolicies (read before placing the grants) finds it missing
    assert "CreateRole" not in recorder.calls


def test_dry_run_changes_nothing_and_returns_the_plan(aws: Seeded) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")

    result, recorder, ti = run_operator(make_operator(dry_run=True))

    assert recorder.mutating == []
    assert result == POLICY_NAME
    [change] = ti.xcoms["plan"]
    assert change["action"] == "create"
    assert as_list(change["after"]["Statement"][0]["Resource"]) == [PARTNER_A_ROLE]
    assert POLICY_NAME not in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
