"""
``emrfs-xacct revoke`` of a role the destination account does not have: ``destination_role_found`` in its JSON.

``GetRole`` answers ``NoSuchEntity`` for it (IAM API Reference, "GetRole", Errors). A mistyped ``role_name`` that
nothing names plans nothing: the command line says so instead of "the EMR EC2 role can assume no new session of the
destination role", and does not refuse it (a rerun after a revoke deleted the role is a no-op).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import yaml

from devstack.moto_stack import DESTINATION_ACCOUNT, client
from devstack.testing import CallRecorder
from tests.integration.test_cli import emrfs_xacct, partner_file, state

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, imported for the tests below

KEEP = "--keep-security-configuration"
NO_NEW_SESSION = "can assume no new session of the destination role"


def test_a_mistyped_role_name_revokes_nothing_and_says_so(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0
    partner = yaml.safe_load(partner_file.read_text())
    role_name = partner["destination"]["role_name"]
    before = state(aws, role_name)
    typo = partner_file.with_name("typo.yaml")
    typo.write_text(yaml.safe_dump({**partner, "destination": {**partner["destination"], "role_name": "typo-role"}}))
    capsys.readouterr()

    for dry_run in (("--dry-run",), ()):
        with CallRecorder().everywhere() as calls:
            assert emrfs_xacct("revoke", typo, aws, KEEP, *dry_run) == 0
        captured = capsys.readouterr()
        result = json.loads(captured.out)
        assert calls.mutating == []
        assert result["destination_role_found"] is False
        assert result["values"]["revoke"]["destination_role_found"] is False
        assert (
            f"has no role named typo-role (arn:aws:iam::{DESTINATION_ACCOUNT}:role/typo-role) and nothing names it"
            in captured.err
        )
        assert "Check destination.role_name in the partner file" in captured.err
        assert NO_NEW_SESSION not in captured.err
        assert "Security configuration kept as it is; nothing is revoked (see below)." in captured.err
    assert state(aws, role_name) == before  # the real role keeps its access

    # The real role: found, and the usual message.
    assert emrfs_xacct("revoke", partner_file, aws, KEEP) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["destination_role_found"] is True
    assert NO_NEW_SESSION in captured.err
    assert "nothing names it" not in captured.err


def test_a_role_deleted_by_hand_but_still_named_is_revoked_without_saying_nothing_is(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The role deleted by hand while the EMR EC2 role's grant and the key policy still name it: revoked, not "nothing".

    ``GetRole`` answers ``NoSuchEntity`` (IAM API Reference, "GetRole", Errors): ``destination_role_found`` is false,
    but the plan removes the grant and the key-policy principal, so "nothing is revoked" would be wrong.
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0
    role_name = yaml.safe_load(partner_file.read_text())["destination"]["role_name"]
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role_name, PolicyName=name)
    iam.delete_role(RoleName=role_name)
    capsys.readouterr()

    assert emrfs_xacct("revoke", partner_file, aws, KEEP) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["destination_role_found"] is False
    assert any(result["plan"].values()), result["plan"]
    assert "nothing is revoked" not in captured.err
    assert "nothing names it" not in captured.err
