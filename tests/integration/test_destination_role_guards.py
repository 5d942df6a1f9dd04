"""
EnsureDestinationRoleOperator against the stand-in: a partner's conditional trust made moot is warned about, the
role is created with a permissions boundary and extra tags when asked, and a service-linked role is refused
(outside review M4).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import run_operator
from tests.integration.test_destination_role import ROLE_ARN, ROLE_NAME, make_operator, trust_policy

MANAGED_BY = {"Key": "emrfs-xacct:managed-by", "Value": "airflow-provider-emrfs-xacct"}
BOUNDARY = f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/partner-boundary"


def _guarded(emr_role_arn: str) -> dict[str, Any]:
    return {
        "Sid": "PartnerOrgOnly",
        "Effect": "Allow",
        "Principal": {"AWS": emr_role_arn},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-partner1234", "sts:ExternalId": "xyz-123"}},
    }


def _warnings(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    out = capfd.readouterr()
    return out.out + out.err + "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_partners_conditional_trust_made_moot_is_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    """
    Any Allow suffices absent a Deny (IAM User Guide, "Policy evaluation logic"): the provider's unconditional
    statement for the EMR EC2 role makes the partner's Condition on the same role moot. A tagged role (no adoption
    warning) still gets a WARNING naming the statement and its condition keys, in the dry run too.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = {"Version": "2012-10-17", "Statement": [_guarded(aws.emr_ec2_role_arn)]}
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust), Tags=[MANAGED_BY])
    run_operator(make_operator(aws, dry_run=dry_run))
    logged = _warnings(caplog, capfd)
    assert "'PartnerOrgOnly' (condition keys aws:PrincipalOrgID, sts:ExternalId)" in logged
    assert "no longer restricts it" in logged
    assert ("would allow (dry run)" in logged) is dry_run


def test_a_condition_added_to_the_providers_statement_is_kept_and_not_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The way out the warning gives: the same Condition on EmrfsXacctTrustEmrRoles, which a run keeps."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    guarded = _guarded(aws.emr_ec2_role_arn)
    ours = {**guarded, "Sid": "EmrfsXacctTrustEmrRoles"}
    trust = {"Version": "2012-10-17", "Statement": [guarded, ours]}
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust), Tags=[MANAGED_BY])
    run_operator(make_operator(aws))
    assert "no longer restricts it" not in _warnings(caplog, capfd)
    statements = trust_policy(iam)["Statement"]
    assert all("Condition" in item for item in statements)


def test_the_role_is_created_with_the_boundary_and_tags_asked_for(aws: Seeded) -> None:
    """
    CreateRole takes PermissionsBoundary and Tags (IAM API Reference, "CreateRole"): accounts that allow it only
    with their boundary (iam:PermissionsBoundary) or tags (aws:RequestTag) let the role be created.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.create_policy(PolicyName="partner-boundary", PolicyDocument=json.dumps(document))
    _, recorder, _ = run_operator(
        make_operator(aws, permissions_boundary=BOUNDARY, role_tags={"CostCenter": "41200", "Team": "data eng"})
    )
    role = iam.get_role(RoleName=ROLE_NAME)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY
    tags = {tag["Key"]: tag["Value"] for tag in role["Tags"]}
    assert tags == {MANAGED_BY["Key"]: MANAGED_BY["Value"], "CostCenter": "41200", "Team": "data eng"}
    assert "CreateRole" in recorder.mutating


def test_an_existing_roles_other_boundary_is_kept_and_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A role that exists keeps its boundary and tags (CreateRole only sets them); a different one asked: a WARNING."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws))
    run_operator(make_operator(aws, permissions_boundary=BOUNDARY, role_tags={"Team": "x"}))
    assert "PermissionsBoundary" not in iam.get_role(RoleName=ROLE_NAME)["Role"]
    assert f"Role {ROLE_ARN} exists with permissions boundary (none), not {BOUNDARY}" in _warnings(caplog, capfd)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"permissions_boundary": "partner-boundary"}, "permissions_boundary"),
        ({"permissions_boundary": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner"}, "permissions_boundary"),
        ({"permissions_boundary": f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:policy/b"}, "permissions_boundary"),
        ({"role_tags": {"aws:team": "x"}}, "role_tags"),
        ({"role_tags": {"emrfs-xacct:managed-by": "me"}}, "role_tags"),
        ({"role_tags": {"k" * 129: "x"}}, "role_tags"),
        ({"role_tags": {"team": "v" * 257}}, "role_tags"),
        ({"role_tags": {"team": "a;b"}}, "role_tags"),
        ({"role_tags": {f"k{i}": "v" for i in range(50)}}, "role_tags"),
        ({"role_tags": ["team"]}, "role_tags"),
    ],
)
def test_a_bad_boundary_or_tag_is_refused_before_any_call(aws: Seeded, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        run_operator(make_operator(aws, **overrides))
    assert refused.value.field == field
    with pytest.raises(ClientError, match="NoSuchEntity"):  # no role created
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)


def test_an_aws_managed_boundary_and_49_tags_are_accepted(aws: Seeded) -> None:
    """An AWS managed policy may be the boundary (account ``aws``); 49 tags and the provider's make IAM's 50."""
    run_operator(
        make_operator(
            aws,
            permissions_boundary="arn:aws:iam::aws:policy/PowerUserAccess",
            role_tags={f"k{i}": "" for i in range(49)},
            dry_run=True,
        )
    )


def test_a_service_linked_role_is_refused_before_any_write(aws: Seeded) -> None:
    """
    IAM refuses every change to a service-linked role's trust and policies (IAM API Reference,
    UpdateAssumeRolePolicy, "Errors": UnmodifiableEntity; the stand-in answers so too): refused in the plan.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    created = iam.create_service_linked_role(AWSServiceName="elasticmapreduce.amazonaws.com")["Role"]
    with pytest.raises(ClientError, match="UnmodifiableEntity"):
        iam.update_assume_role_policy(RoleName=created["RoleName"], PolicyDocument=json.dumps({"Statement": []}))
    for dry_run in (True, False):
        with pytest.raises(InvalidParameterError, match="service-linked") as refused:
            run_operator(make_operator(aws, role_name=created["RoleName"], dry_run=dry_run))
        assert refused.value.field == "role_name"


def test_a_service_linked_emr_ec2_role_arn_is_refused_before_any_call(aws: Seeded) -> None:
    arn = f"arn:aws:iam::{EMR_ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup"
    operator = AttachAssumeRolePolicyOperator(
        task_id="allow",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name=arn,
        destination_role_arns=[ROLE_ARN],
        settle_seconds=0,
    )
    with pytest.raises(InvalidParameterError, match="service-linked") as refused:
        run_operator(operator)
    assert refused.value.field == "emr_ec2_role_name"
