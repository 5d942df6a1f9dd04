"""
A ``permissions_boundary`` that does not exist (or cannot be one) is refused naming the field before any write.

``CreateRole`` refuses a boundary policy that does not exist or cannot be attached; its answer is not documented (its
"Errors" name none for a boundary: IAM API Reference, "CreateRole"), ``PutRolePermissionsBoundary``'s are ``NoSuchEntity``
and ``PolicyNotAttachable`` (same reference, "PutRolePermissionsBoundary", "Errors"), as the stand-in plays it. The plan and
the dry run passed such a boundary and ``apply`` failed at ``CreateRole`` without naming the field (outside review H2):
the role to be created, its boundary is read with ``GetPolicy`` (IAM API Reference, "GetPolicy") before any write.
One that does not exist may be one created seconds before, not visible yet (IAM User Guide, "Troubleshoot IAM",
"Changes that I make are not always immediately visible"): a retriable :class:`PreconditionError`, as a missing role
or key is (regression review J8); one that cannot be attached (an AWS service role policy) stays a permanent
:class:`InvalidParameterError`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.test_cli import cli_arguments, partner_file  # noqa: F401 (a fixture)
from tests.integration.test_cli_role_options import with_destination
from tests.integration.test_destination_role import ROLE_NAME, make_operator
from tests.integration.test_revoke_options import deny_in_destination  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

MISSING = f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/typo-boundary"
DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def _boundary(aws: Seeded) -> str:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    return str(iam.create_policy(PolicyName="partner-boundary", PolicyDocument=json.dumps(DOCUMENT))["Policy"]["Arn"])


def _no_role(aws: Seeded, role_name: str = ROLE_NAME) -> None:
    with pytest.raises(ClientError, match="NoSuchEntity"):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=role_name)


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("boundary", [MISSING, "arn:aws:iam::aws:policy/NoSuchAwsPolicy"])
def test_a_boundary_that_does_not_exist_is_refused_before_any_write(aws: Seeded, dry_run: bool, boundary: str) -> None:
    """
    Before: the dry run passed, and the run failed at CreateRole with NoSuchEntity naming no field. Retriable: a
    policy made seconds before (an upstream task) may not be visible yet (regression review J8: it was not).
    """
    with CallRecorder().everywhere() as calls, pytest.raises(PreconditionError, match="does not exist") as refused:
        run_operator(make_operator(aws, permissions_boundary=boundary, dry_run=dry_run))
    assert (refused.value.field, refused.value.retriable) == ("permissions_boundary", True)
    assert "GetPolicy" in calls.calls
    assert calls.mutating == []
    _no_role(aws)


def test_an_existing_boundary_is_read_once_and_the_role_created(aws: Seeded) -> None:
    """An AWS managed policy too: GetPolicy answers it for every account (the stand-in as AWS, loaded or not)."""
    for boundary in (_boundary(aws), "arn:aws:iam::aws:policy/PowerUserAccess"):
        with CallRecorder().everywhere() as calls:
            run_operator(make_operator(aws, permissions_boundary=boundary, role_name=f"r-{boundary[-5:]}"))
        assert calls.calls.count("GetPolicy") == 1
        assert "CreateRole" in calls.mutating


def test_a_rerun_on_the_role_it_created_does_not_read_the_boundary_again(aws: Seeded) -> None:
    """A role that exists keeps its own boundary (CreateRole only sets it): nothing to check, no extra call."""
    boundary = _boundary(aws)
    run_operator(make_operator(aws, permissions_boundary=boundary))
    with CallRecorder().everywhere() as calls:
        run_operator(make_operator(aws, permissions_boundary=boundary))
    assert "GetPolicy" not in calls.calls
    assert calls.mutating == []


def test_a_boundary_it_may_not_read_is_warned_about_and_the_role_created(
    aws: Seeded,
    deny_in_destination: Callable[..., None],  # noqa: F811
    capfd: pytest.CaptureFixture[str],
) -> None:
    """iam:GetPolicy refused: not checked, said so in a WARNING; CreateRole still judges the boundary itself."""
    boundary = _boundary(aws)
    deny_in_destination("iam:GetPolicy")
    run_operator(make_operator(aws, permissions_boundary=boundary))
    logged = capfd.readouterr()
    assert f"permissions_boundary {boundary} not checked (iam:GetPolicy refused" in logged.out + logged.err
    role = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary


def test_create_roles_refusal_of_the_boundary_names_the_field(aws: Seeded) -> None:
    """
    The read not made (the hook called alone): CreateRole's NoSuchEntity is raised naming permissions_boundary,
    retriable as Airflow retried it before the field was named (regression review J8).
    """
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
    from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings

    hook = EmrfsIamHook(aws_conn_id=make_operator(aws).aws_conn_id)
    with pytest.raises(PreconditionError, match="does not exist") as refused:
        hook.ensure_role_trusts(
            ROLE_NAME,
            [aws.emr_ec2_role_arn],
            permissions_boundary=MISSING,
            settings=ConvergeSettings(settle_seconds=0, consistency_wait_seconds=0),
        )
    assert (refused.value.field, refused.value.retriable) == ("permissions_boundary", True)
    _no_role(aws)


def test_the_plan_refuses_a_boundary_that_does_not_exist_naming_the_files_field(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    Before: plan passed (exit 0) and apply failed at CreateRole; now exit 2 naming the file's field, no write. A
    missing precondition about a value exits 2 as a refused input does (docs/cli.md, "Exit status"), retriable or not.
    """
    with_destination(partner_file, permissions_boundary=MISSING)
    role_name = cli.load_partner(partner_file)["destination"]["role_name"]
    for command in ("plan", "apply"):
        with CallRecorder().everywhere() as calls:
            status = cli.main(cli_arguments(command, partner_file, aws))
        err = capsys.readouterr().err
        assert (status, calls.mutating) == (2, []), err
        last: Any = err.strip().splitlines()[-1]
        assert "destination.permissions_boundary: the managed policy" in last, err
        assert "does not exist" in last
        assert "may not be visible yet" in last
    _no_role(aws, role_name)


SERVICE_ROLE_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy"


def test_the_stand_in_refuses_a_service_role_policy_as_a_boundary(aws: Seeded) -> None:
    """
    As IAM: GetPolicy answers IsAttachable false; CreateRole PolicyNotAttachable as PutRolePermissionsBoundary documents
    it ("AWS service role policies can only be attached to the service-linked role for that service": IAM API
    Reference, "PutRolePermissionsBoundary", "Errors"; CreateRole's answer is not documented). Before (regression
    review J8): IsAttachable true, and the role was created.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    assert iam.get_policy(PolicyArn=SERVICE_ROLE_POLICY)["Policy"]["IsAttachable"] is False
    assert iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")["Policy"]["IsAttachable"] is True
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    with pytest.raises(ClientError, match="PolicyNotAttachable"):
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=trust, PermissionsBoundary=SERVICE_ROLE_POLICY)
    _no_role(aws)


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_service_role_policy_as_boundary_is_refused_before_any_write(aws: Seeded, dry_run: bool) -> None:
    """Permanent (not retriable): refused naming permissions_boundary after GetPolicy, before any write."""
    with (
        CallRecorder().everywhere() as calls,
        pytest.raises(InvalidParameterError, match="cannot be attached to a role") as refused,
    ):
        run_operator(make_operator(aws, permissions_boundary=SERVICE_ROLE_POLICY, dry_run=dry_run))
    assert (refused.value.field, refused.value.retriable) == ("permissions_boundary", False)
    assert "GetPolicy" in calls.calls
    assert calls.mutating == []
    _no_role(aws)
