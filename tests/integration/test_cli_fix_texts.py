"""
What the command line prints after a revoke names what its user can do: ``--delete-role`` beside the operator's
``delete_destination_role=True``, and, for the verifier's failed link, both grants a revoke deleted (the trust and
the EMR EC2 role's assume-role policy: across accounts both must allow, IAM User Guide, "Cross-account policy
evaluation logic") with the command that writes them again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.integration.test_cli import emrfs_xacct, partner_file

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, imported for the tests below


def test_the_revoke_warning_names_the_option_and_verify_names_both_grants(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == 0
    err = capsys.readouterr().err
    assert "or delete the role (delete_destination_role=True; CLI: --delete-role)" in err, err

    assert _assume_link(aws, partner_file, capsys)["fix"] == (
        "the partner's access was revoked: EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns, "
        "and AttachAssumeRolePolicyOperator with this role in destination_role_arns (command line: emrfs-xacct apply)"
    )

    # Following the fix settles the link: apply writes both sides again.
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    assert _assume_link(aws, partner_file, capsys)["status"] == "pass"


def _assume_link(aws: Seeded, path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """The verifier's "EMR role can assume destination role" link, as the command line prints it."""
    emrfs_xacct("verify", path, aws)
    report = json.loads(capsys.readouterr().out)
    return next(link for link in report["links"] if link["link"] == "EMR role can assume destination role")
