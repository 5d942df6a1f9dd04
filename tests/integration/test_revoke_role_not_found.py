"""
A revoke whose ``destination_role_arn`` names no role (a typo) and that nothing names: ``destination_role_found``.

IAM's ``GetRole`` answers ``NoSuchEntity`` for a role the account does not have (IAM API Reference, "GetRole",
Errors: "The request was rejected because it referenced a resource entity that does not exist"). Such a revoke plans
nothing and would report ``access_ended`` true while the real partner role keeps its access: it warns, naming the ARN
and the account, and reports ``destination_role_found`` false. It is not refused: a rerun after a revoke deleted the
role must stay a no-op (no mutating call).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from devstack.moto_stack import DESTINATION_ACCOUNT, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import provision_partner, role_arn
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, assumable, key_users, revoker

if TYPE_CHECKING:
    import pytest

    from devstack.moto_stack import Seeded

    Logs = tuple[pytest.LogCaptureFixture, pytest.CaptureFixture[str]]

TYPO = "partner-1-writr"
NOTHING_REVOKED = "and nothing names it"


def warnings_naming(logs: Logs, arn: str) -> list[str]:
    """The warnings that say no role of ``arn``'s name was found and nothing was revoked (the task log is stdout)."""
    caplog, capfd = logs
    text = capfd.readouterr().out + caplog.text
    caplog.clear()
    return [line for line in text.splitlines() if NOTHING_REVOKED in line and f"destination_role_arn {arn}:" in line]


def test_a_mistyped_destination_role_changes_nothing_and_says_so(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    before = (assumable(aws), key_users(aws))
    caplog.set_level(logging.WARNING)
    logs = (caplog, capfd)
    warnings_naming(logs, "")  # what the provisioning logged

    with CallRecorder().everywhere() as calls:
        result, _, _ = run_operator(revoker(aws, TYPO))

    assert calls.mutating == []
    assert result["plan"] == []
    assert result["destination_role_found"] is False
    [warning] = warnings_naming(logs, role_arn(TYPO))
    assert f"account {DESTINATION_ACCOUNT} has no role named {TYPO}" in warning
    assert "so nothing was revoked" in warning
    assert "Check destination_role_arn, unless this is a rerun after a revoke deleted the role" in warning
    assert (assumable(aws), key_users(aws)) == before  # the real partner role keeps its access

    # A dry run says the same.
    planned, _, _ = run_operator(revoker(aws, TYPO, dry_run=True))
    assert planned["destination_role_found"] is False
    assert warnings_naming(logs, role_arn(TYPO))


def test_a_real_revoke_finds_the_role_and_a_rerun_after_its_deletion_does_not(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    caplog.set_level(logging.WARNING)
    logs = (caplog, capfd)

    done, _, _ = run_operator(revoker(aws, PARTNER_1))
    assert done["plan"] != []
    assert done["destination_role_found"] is True
    again, _, _ = run_operator(revoker(aws, PARTNER_1))  # the role is still there: a rerun changes nothing
    assert again["plan"] == []
    assert again["destination_role_found"] is True
    assert warnings_naming(logs, role_arn(PARTNER_1)) == []

    deleted, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))
    assert deleted["plan"][-1]["resource"] == f"iam role {PARTNER_1}"
    assert deleted["destination_role_found"] is True
    assert warnings_naming(logs, role_arn(PARTNER_1)) == []

    # Reruns after the deletion, deleting or not: no mutating call, the role not found, said.
    for arguments in ({"delete_destination_role": True}, {}):
        with CallRecorder().everywhere() as calls:
            rerun, _, _ = run_operator(revoker(aws, PARTNER_1, **arguments))
        assert calls.mutating == []
        assert rerun["plan"] == []
        assert rerun["destination_role_found"] is False
        assert rerun["access_ended"] is True
        assert len(warnings_naming(logs, role_arn(PARTNER_1))) == 1


def test_a_role_deleted_by_hand_but_still_named_is_revoked_without_the_warning(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The role deleted by hand (not by the revoke) while the EMR EC2 role's grant and the key policy still name it.

    ``GetRole`` answers ``NoSuchEntity`` (IAM API Reference, "GetRole", Errors): ``destination_role_found`` is
    false, but the grant and the key-policy principal are still revoked, so the "nothing was revoked" warning would be
    wrong.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    caplog.set_level(logging.WARNING)
    logs = (caplog, capfd)
    warnings_naming(logs, "")  # what the provisioning logged
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    for name in iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"]:
        iam.delete_role_policy(RoleName=PARTNER_1, PolicyName=name)
    iam.delete_role(RoleName=PARTNER_1)

    result, _, _ = run_operator(revoker(aws, PARTNER_1))

    assert result["destination_role_found"] is False
    assert result["plan"] != []
    assert warnings_naming(logs, role_arn(PARTNER_1)) == []
    assert (assumable(aws), key_users(aws)) == (None, None)  # the grant and the key-policy statement are gone
