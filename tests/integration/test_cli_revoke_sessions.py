"""
``emrfs-xacct revoke``: ``sessions_may_last_until`` in its JSON, and what it says of the kept configuration's clusters.

Sessions assumed before the revoke keep the role's permissions until they expire (IAM User Guide, "Disabling
permissions for temporary security credentials"), an hour at most for EMRFS's chained sessions (IAM User Guide,
"Methods to assume a role"). With the access NOT ended (another grant of the EMR EC2 role and the trust kept), EMRFS
assumes the role again: the kept configuration's clusters go on writing, so "within the hour" would be false.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from devstack.moto_stack import EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from tests.integration.test_cli import emrfs_xacct, partner_file
from tests.integration.test_revoke_sessions_until import HOUR, parsed

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

__all__ = ["partner_file"]  # the fixture, imported for the tests below

EXPIRE = "fail once the role's sessions they hold expire"


def test_revoke_reports_until_when_sessions_may_last_and_null_when_rerun(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import datetime, timedelta, timezone

    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["access_ended"] is True
    until = result["sessions_may_last_until"]
    assert before + HOUR <= parsed(until) <= datetime.now(timezone.utc) + HOUR + timedelta(seconds=2)
    assert result["values"]["revoke"]["sessions_may_last_until"] == until
    assert f"{EXPIRE}, by {until} (sessions_may_last_until)" in captured.err
    assert f"may keep its permissions until {until} (sessions_may_last_until)" in captured.err

    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["sessions_may_last_until"] is None  # the first run's time holds
    assert f"{EXPIRE}, within an hour of the revoke that wrote" in captured.err


def test_kept_configuration_writes_go_on_while_the_access_is_not_ended(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName="someones-any-role",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    capsys.readouterr()
    arguments = ("--keep-security-configuration", "--keep-destination-trust")
    assert emrfs_xacct("revoke", partner_file, aws, *arguments) == 7
    err = capsys.readouterr().err
    assert "the access is NOT ended" in err
    assert EXPIRE not in err
    assert "within the hour" not in err
    assert "their writes there go on while the grant and trust named in still_granted stay" in err
