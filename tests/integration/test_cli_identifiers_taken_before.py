"""
``User``/``Group`` identifiers an earlier release took, which ``plan``/``apply`` now refuse (OX227): a URI of another
spelling than ``s3://`` (``S3://``), an ARN in upper case, a format character (U+200E, the left-to-right mark).

"The users and groups in a role mapping are Hadoop users and groups that are defined on the cluster" (Amazon EMR
Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): the guide sets no character rule, and the
stricter rules are the provider's, for mappings it creates. ``revoke`` and ``verify`` create no mapping from the file:
they take it as the release before did, so a partner an earlier ``apply`` granted can still be verified and its
grants taken back (before, each exited 2 from the file alone).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from devstack.moto_stack import DESTINATION_ACCOUNT
from devstack.testing import CallRecorder
from tests.integration.test_cli import emrfs_xacct, partner_file

if TYPE_CHECKING:
    from pathlib import Path

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, imported for the tests below

TAKEN_BEFORE = {
    "uri_upper_case": "S3://partner-results/exports/",
    "arn_upper_case": "ARN:aws:iam::1:role/x",
    "format_character": "analysts\u200e",
}


def _with_group(partner_file: Path, identifier: str) -> None:
    partner = yaml.safe_load(partner_file.read_text())
    role = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{partner['destination']['role_name']}"
    partner["security_configuration"]["role_mappings"] = [
        {"Role": role, "IdentifierType": "Group", "Identifiers": [identifier]},
        {"Role": role, "IdentifierType": "Prefix", "Identifiers": partner["destination"]["s3_prefixes"]},
    ]
    partner_file.write_text(yaml.safe_dump(partner))


@pytest.mark.parametrize("identifier", TAKEN_BEFORE.values(), ids=TAKEN_BEFORE.keys())
@pytest.mark.parametrize(
    "command",
    [("revoke", "--keep-security-configuration", "--dry-run"), ("verify",)],
    ids=["revoke-dry-run", "verify"],
)
def test_revoke_and_verify_take_identifiers_an_earlier_release_took(
    aws: Seeded, partner_file: Path, identifier: str, command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    _with_group(partner_file, identifier)
    capsys.readouterr()

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct(command[0], partner_file, aws, *command[1:])

    captured = capsys.readouterr()
    assert "is not a valid Hadoop user or group name" not in captured.err
    assert "takes Hadoop group names" not in captured.err
    assert calls.mutating == []
    if command[0] == "revoke":
        assert status == 0, captured.err
        assert json.loads(captured.out)["plan"], captured.out
    else:
        assert status in (0, 1, cli.NOT_CHECKED), captured.err
        assert json.loads(captured.out)["verdict"]


@pytest.mark.parametrize("identifier", TAKEN_BEFORE.values(), ids=TAKEN_BEFORE.keys())
def test_plan_still_refuses_them(
    aws: Seeded, partner_file: Path, identifier: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``plan``/``apply`` create the mappings: the stricter rules stand, before any call."""
    _with_group(partner_file, identifier)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("plan", partner_file, aws) == 2

    assert calls.every == []
    err = capsys.readouterr().err
    assert "security_configuration.role_mappings[0].Identifiers[0]" in err, err
