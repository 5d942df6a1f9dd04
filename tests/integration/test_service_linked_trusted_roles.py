"""
A service-linked role given as the EMR EC2 role, by an ARN showing its path (``/aws-service-role/``), is refused
naming the field before any write: the destination role's trust, the bucket policy, the task group at parse time
and the command line (outside review Z3). It was written into the trust (or the bucket policy), then the next step's
write to the role was refused (``UnmodifiableEntity``): a partial apply.

IAM API Reference, "CreateServiceLinkedRole": "The service controls the attached policies and when the role can be
deleted ... To attach a policy to this service-linked role, you must make the request using the AWS service that
depends on this role"; "PutRolePolicy", "Errors": ``UnmodifiableEntity`` ("service-linked roles are protected AWS
resources"). IAM User Guide, "Using service-linked roles": such a role's path is ``/aws-service-role/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.test_bucket_policy import grant
from tests.integration.test_cli_refused_input import arguments, partner_file
from tests.integration.test_destination_role import make_operator

if TYPE_CHECKING:
    from pathlib import Path

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, imported for the tests below


def service_linked_role(aws: Seeded) -> dict[str, Any]:
    """EMR's service-linked role in the EMR account, as IAM makes it (under ``/aws-service-role/``)."""
    role = client(aws.url, EMR_ACCOUNT, "iam").create_service_linked_role(
        AWSServiceName="elasticmapreduce.amazonaws.com"
    )["Role"]
    assert role["Path"].startswith("/aws-service-role/"), role
    return dict(role)


def destination_roles(aws: Seeded) -> list[str]:
    return sorted(role["RoleName"] for role in client(aws.url, DESTINATION_ACCOUNT, "iam").list_roles()["Roles"])


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_destination_role_trusting_a_service_linked_role_is_refused_before_any_write(
    aws: Seeded, dry_run: bool
) -> None:
    arn = service_linked_role(aws)["Arn"]
    before = destination_roles(aws)
    operator = make_operator(aws, trusted_role_arns=[aws.emr_ec2_role_arn, arn], dry_run=dry_run)
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError, match="service-linked") as refused:
        run_operator(operator)
    assert refused.value.field == "trusted_role_arns[1]"
    assert (calls.every, destination_roles(aws)) == ([], before)


def test_a_bucket_policy_granting_a_service_linked_role_is_refused_before_any_write(aws: Seeded) -> None:
    arn = service_linked_role(aws)["Arn"]
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError, match="service-linked") as refused:
        run_operator(grant(aws, [aws.emr_ec2_role_arn, arn]))
    assert refused.value.field == "principal_arns[1]"
    assert calls.every == []


@pytest.mark.parametrize("given", ["RoleName", "Arn"])
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_the_command_line_refuses_a_service_linked_emr_ec2_role_before_the_steps(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str], command: str, given: str
) -> None:
    """
    By its name the role's ARN is read (``iam:GetRole``, path included) and refused; by its ARN, refused as given.
    Exit 2, as the command line's other refusals, and no role made in the destination account.
    """
    role = service_linked_role(aws)
    data = yaml.safe_load(partner_file.read_text())
    data["emr"]["ec2_role_name"] = role[given]
    partner_file.write_text(yaml.safe_dump(data))
    before = destination_roles(aws)
    with CallRecorder().everywhere() as calls:
        status = cli.main(arguments(command, partner_file, aws))
    captured = capsys.readouterr()
    assert (status, captured.out, calls.mutating) == (2, "", []), captured.err
    last = captured.err.strip().splitlines()[-1]
    assert f"emr.ec2_role_name: names the service-linked role {role['Arn']}" in last, last
    assert last.endswith("(nothing was changed)"), last
    assert destination_roles(aws) == before
