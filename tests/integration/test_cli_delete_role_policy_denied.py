"""
A revoke with ``--delete-role`` whose ``iam:DeleteRolePolicy`` is denied: the inline policy was not deleted, and the
report does not say it was.

IAM API Reference, "DeleteRole" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html): "Before
attempting to delete a role, remove the following attributes from the role: Inline policies (DeleteRolePolicy) ...";
a ``DeleteRolePolicy`` refused (IAM API Reference, "DeleteRolePolicy": ``AccessDenied`` when the caller's policies do
not allow ``iam:DeleteRolePolicy``) leaves the policy on the role. The hook tells the revoke each inline policy's
deletion only once it landed (OX228); the failed step's ``applied`` and its message name what changed (OX216).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME
from devstack.testing import moto_authorization
from tests.integration.test_cli import denied, emrfs_xacct, partner_file, state

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest

    from devstack.moto_stack import Seeded

__all__ = ["denied", "partner_file"]  # the fixtures, imported for the test below


def test_a_revoke_whose_delete_role_policy_is_denied_does_not_report_the_inline_policy_deleted(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    partner = cli.load_partner(partner_file)
    role_name = partner["destination"]["role_name"]
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    denied("iam:DeleteRolePolicy")

    assert (
        emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration", "--delete-role")
        == cli.PARTIALLY_APPLIED  # the assume-role policy and the key users were revoked before
    )

    moto_authorization(aws.url, "inf")
    after = state(aws, role_name)
    assert after["role"] == cli.destination_role_arn(partner)  # kept
    assert after["inline"] == [DESTINATION_POLICY_NAME]  # and its inline policy with it: the delete was denied
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["failed"]["step"] == "revoke"
    assert "iam:DeleteRolePolicy" in result["failed"]["error"]
    landed = {change["resource"]: change["action"] for change in result["failed"]["applied"]}
    assert f"iam role {role_name} inline policy {DESTINATION_POLICY_NAME}" not in landed, landed
    assert f"iam role {role_name}" not in landed
    assert "kept, without" not in captured.err  # nothing of the role was deleted
