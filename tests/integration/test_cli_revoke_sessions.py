"""
``emrfs-xacct revoke``: ``sessions_may_last_until`` in its JSON, and what it says of the kept configuration's clusters.

Sessions assumed before the access ended keep the role's permissions until they expire (IAM User Guide, "Disabling
permissions for temporary security credentials"), an hour at most for EMRFS's chained sessions (IAM User Guide,
"Methods to assume a role"); IAM may take a few minutes to apply the change ("It might take a few minutes for policy
updates to take effect", the first page). With the access NOT ended (another grant of the EMR EC2 role and the trust
kept), EMRFS assumes the role again: the kept configuration's clusters go on writing, so "within the hour" would be
false. A dry run writes nothing: what it says of the clusters is what would happen.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client, create_principals
from tests.integration.test_cli import emrfs_xacct, partner_file
from tests.integration.test_revoke_sessions_until import HOUR, parsed, trust_also

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

__all__ = ["partner_file"]  # the fixture, imported for the tests below

EXPIRE = "fail once the role's sessions they hold expire"
KEEP = "--keep-security-configuration"
NOT_BOUNDED = "are not bounded by sessions_may_last_until"


def revoke_until(aws: Seeded, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[datetime, str, str]:
    """Revoke, keeping the configuration: the time it gives (checked against the clock), and its stderr."""
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert emrfs_xacct("revoke", path, aws, KEEP) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["access_ended"] is True
    until = result["sessions_may_last_until"]
    assert before + HOUR <= parsed(until) <= datetime.now(timezone.utc) + HOUR + timedelta(seconds=1)
    assert result["values"]["revoke"]["sessions_may_last_until"] == until
    assert result["also_trusted"] == []  # the trust names no one else
    return parsed(until), until, captured.err


def test_revoke_reports_until_when_sessions_may_last_and_a_rerun_too(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    first, until, err = revoke_until(aws, partner_file, capsys)
    assert f"{EXPIRE}, by {until} (sessions_may_last_until) plus the minutes IAM may take" in err
    assert f"the EMR EC2 role {EMR_EC2_ROLE} can assume no new session of the destination role" in err
    assert (
        f"EMRFS's sessions (role-chained, one hour at most) assumed before this revoke's check last until {until}"
        in err
    )
    assert NOT_BOUNDED not in err  # the trust names no one else

    # The rerun writes nothing: its own check's time, later than the first (conservative), never null.
    again, until, err = revoke_until(aws, partner_file, capsys)
    assert again >= first
    assert f"{EXPIRE}, by {until} (sessions_may_last_until)" in err
    assert "within an hour of the revoke that wrote" not in err


def test_a_dry_run_says_what_would_happen_and_gives_no_time(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    assert emrfs_xacct("revoke", partner_file, aws, KEEP, "--dry-run") == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["access_ended"] is True
    assert result["sessions_may_last_until"] is None  # nothing written
    assert "once this revoke is applied, their writes there would fail when the role's sessions" in captured.err
    assert EXPIRE not in captured.err
    assert "of the revoke that wrote" not in captured.err
    assert "assumed before this revoke's check last until" not in captured.err


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
    assert emrfs_xacct("revoke", partner_file, aws, KEEP, "--keep-destination-trust") == 7
    captured = capsys.readouterr()
    assert json.loads(captured.out)["sessions_may_last_until"] is None  # EMRFS assumes the role again
    err = captured.err
    assert "the access is NOT ended" in err
    assert EXPIRE not in err
    assert "within the hour" not in err
    assert "their writes there go on while the grant and trust named in still_granted stay" in err


def test_a_principal_the_trust_still_names_is_said_not_bounded_by_the_time(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The revoke keeps a trust statement someone else wrote for another principal: its sessions are not chained, so
    they may last up to the role's maximum session duration for AssumeRole callers, 12 hours at most (AWS STS API
    Reference, "AssumeRole", ``DurationSeconds``), and a service's are not bounded by it: "IAM role credentials
    provided by Amazon EC2 instances assigned to the role are not subject to the specified maximum session duration"
    (IAM API Reference, "UpdateRole", ``MaxSessionDuration``). The time does not bound them.
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0
    other = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-admin"
    create_principals(aws.url, other)
    trust_also(aws, "emrfs-partner-b-writer", other)
    capsys.readouterr()

    assert emrfs_xacct("revoke", partner_file, aws, KEEP) == 0
    captured = capsys.readouterr()
    result, err = json.loads(captured.out), captured.err
    until = result["sessions_may_last_until"]
    assert result["access_ended"] is True
    assert result["also_trusted"] == result["values"]["revoke"]["also_trusted"] == ["statement 'PartnerAdmin'"]
    assert (
        f"EMRFS's sessions (role-chained, one hour at most) assumed before this revoke's check last until {until}"
        in err
    )
    assert "still lets statement 'PartnerAdmin' assume it (also_trusted)" in err
    assert (
        "(up to the role's MaxSessionDuration for AssumeRole callers; not bounded by it for a service's credentials) "
        f"{NOT_BOUNDED}" in err
    )
    assert "12 hours at most), are not bounded" not in err
