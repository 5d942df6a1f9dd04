"""
The partner file's ``destination.permissions_boundary`` and ``destination.role_tags``: sent with ``CreateRole`` only.

An account may let ``iam:CreateRole`` through only with a given boundary (``iam:PermissionsBoundary``: IAM User
Guide, "Permissions boundaries for IAM entities", the delegation example) or tags (``aws:RequestTag``: IAM User
Guide, "Controlling access during AWS requests"); ``CreateRole`` takes both ("PermissionsBoundary: The ARN of the
managed policy that is used to set the permissions boundary for the role"; "Tags": IAM API Reference, "CreateRole").
Without these keys the command line's ``plan`` passed there and ``apply`` was denied at its first step.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, REGION, Seeded, client
from devstack.testing import CallRecorder
from tests.integration.test_cli import cli_arguments, partner_file  # noqa: F401 (a fixture)
from tests.integration.test_cli_refused_input import refused

if TYPE_CHECKING:
    from pathlib import Path

BOUNDARY_DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def with_destination(path: Path, **values: Any) -> None:
    """Set ``destination.<key>: <value>`` in the partner file (written as PyYAML writes it)."""
    partner = yaml.safe_load(path.read_text())
    partner["destination"].update(values)
    path.write_text(yaml.safe_dump(partner))


def test_the_boundary_and_tags_are_set_when_apply_creates_the_role(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A customer managed boundary of the destination account, and tags beside the provider's own."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    boundary = iam.create_policy(PolicyName="emrfs-boundary", PolicyDocument=json.dumps(BOUNDARY_DOCUMENT))["Policy"]
    with_destination(partner_file, permissions_boundary=boundary["Arn"], role_tags={"team": "data", "cost": "42"})
    role_name = cli.load_partner(partner_file)["destination"]["role_name"]

    assert cli.main(cli_arguments("apply", partner_file, aws)) == 0, capsys.readouterr().err

    role = iam.get_role(RoleName=role_name)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary["Arn"]
    tags = {tag["Key"]: tag["Value"] for tag in role["Tags"]}
    assert tags["team"] == "data"
    assert tags["cost"] == "42"
    assert tags["emrfs-xacct:managed-by"] == "airflow-provider-emrfs-xacct"


def test_an_existing_role_keeps_its_boundary_with_a_warning(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Used only when creating the role (IAM API Reference, "CreateRole"; a role that exists is not re-created)."""
    assert cli.main(cli_arguments("apply", partner_file, aws)) == 0
    capsys.readouterr()
    with_destination(partner_file, permissions_boundary="arn:aws:iam::aws:policy/PowerUserAccess")
    role_name = cli.load_partner(partner_file)["destination"]["role_name"]

    assert cli.main(cli_arguments("apply", partner_file, aws)) == 0

    assert "PermissionsBoundary" not in client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=role_name)["Role"]
    assert "permissions_boundary and role_tags are used only when creating it" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("boundary", "problem"),
    [
        pytest.param("PowerUserAccess", "must be a managed policy ARN", id="a-name"),
        pytest.param(f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/Boundary", "must be a managed policy ARN", id="a-role"),
        pytest.param(12, "must be a string", id="a-number"),
        # A customer managed policy is attached in its own account (IAM User Guide, "Define custom IAM permissions
        # with customer managed policies"): CreateRole would refuse it, after the plan passed.
        pytest.param(
            f"arn:aws:iam::{EMR_ACCOUNT}:policy/Boundary", f"is a policy of account {EMR_ACCOUNT}", id="other-account"
        ),
    ],
)
def test_a_bad_boundary_is_refused_naming_the_field_before_any_call(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    boundary: Any,
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with_destination(partner_file, permissions_boundary=boundary)

    line = refused(cli_arguments("plan", partner_file, aws), capsys)

    assert line.startswith(f"emrfs-xacct: {partner_file}: destination.permissions_boundary: {problem}"), line


def test_a_boundary_of_another_partition_is_refused_before_any_write(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Partitions have separate IAMs (AWS Fault Isolation Boundaries, "Partitions"): told once the connections are."""
    with_destination(partner_file, permissions_boundary=f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:policy/Boundary")

    with CallRecorder().everywhere() as calls:
        status = cli.main(cli_arguments("apply", partner_file, aws))

    err = capsys.readouterr().err
    assert (status, calls.mutating) == (2, []), err
    assert "destination.permissions_boundary: is in partition 'aws-cn'" in err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        pytest.param({"aws:team": "data"}, "has key 'aws:team'", id="aws-prefix"),
        pytest.param({"emrfs-xacct:managed-by": "me"}, "has key 'emrfs-xacct:managed-by'", id="provider-key"),
        pytest.param({"team": 5}, "the value of 'team' must be a string", id="a-number"),  # YAML reads 5 so
        pytest.param({"team": "a;b"}, "the value of 'team' must be 0-256 letters", id="a-character"),
        pytest.param(["team"], "must be a dict of tag keys to values", id="a-list"),
    ],
)
def test_bad_role_tags_are_refused_naming_the_field_before_any_call(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    tags: Any,
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """IAM's tag rules (IAM API Reference, "Tag"; IAM User Guide, "Tagging IAM resources")."""
    with_destination(partner_file, role_tags=tags)

    line = refused(cli_arguments("plan", partner_file, aws), capsys)

    assert line.startswith(f"emrfs-xacct: {partner_file}: destination.role_tags: {problem}"), line


def test_a_key_of_another_region_is_refused_saying_nothing_was_changed(
    aws: Seeded,
    partner_file: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    As ``check_accounts``'s other refusals say it: only ``GetCallerIdentity`` was sent.

    "KMS keys are specific to the Amazon Web Services Region that they are created in" (Amazon RDS API Reference,
    CreateDBInstanceReadReplica, KmsKeyId).
    """
    with_destination(partner_file, kms_key_arns=[aws.kms_key_arn.replace(f":{REGION}:", ":eu-west-1:")])

    with CallRecorder().everywhere() as calls:
        status = cli.main(cli_arguments("apply", partner_file, aws))

    err = capsys.readouterr().err
    assert (status, calls.mutating) == (2, []), err
    line = err.strip().splitlines()[-1]
    assert "destination.kms_key_arns[0]: is a key of Region eu-west-1" in line
    assert line.endswith("(nothing was changed)"), line
