"""
A revoke deleting the destination role reads its trust again just before its deletes (review J29, OX245).

``delete_destination_role=True`` runs the deletion's refusals just before its key-policy writes; the deletes come
after those writes (each with its settle wait and read-back) and the security configuration's rebuild. Another
pipeline's ``EnsureDestinationRoleOperator`` may add its EMR EC2 role to the same role's trust in that window (one role
may trust many EMR EC2 roles: docs/scale.md). IAM deletes a role whatever its trust says (IAM API Reference,
"DeleteRole": a role name, no condition), so the revoke reads the trust again (``GetRole``) right before its first
``DeleteRolePolicy`` and refuses the deletion when someone else is trusted. Before, the deletion went on the read made
before the key writes: the other pipeline's role was deleted under it, and both tasks succeeded.

The two pipelines run in two real threads against the moto server: a spy on ``refuse_deleting`` (it records, and
changes nothing) starts the other pipeline's grant right after the revoke's last check, and a spy on the revoke's key
writes holds them until that grant is done, so that the grant lands in the window every time.

The refusal names its field (``delete_destination_role``) and its way out in both spellings, the operator's and the
command line's (review J32, OX258): ``emrfs-xacct revoke --delete-role`` then says ``--delete-role``, not the
operator's argument, as its other refusals of a deletion do (``cli.file_field``).
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME, TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client, create_principals
from devstack.testing import run_operator
from tests.integration.partners import ensure_destination_role, provision_partner, role_arn
from tests.integration.test_cli import emrfs_xacct, partner_file
from tests.integration.test_revoke import PARTNER_2, PREFIX_2, key_users, revoker, role_exists, trust_policy

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["partner_file"]  # the fixture, imported for the command line's test below

#: The other pipeline's EMR EC2 role, trusted by the same destination role.
OTHER_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-other"


def grant_during_key_writes(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Thread, dict[str, Any]]:
    """
    Start the other pipeline's grant (a thread) right after the revoke's last deletion check; hold the revoke's key
    writes until it is done. Return the thread and what it did (``"grant"``: the role ARN, or the exception).
    """
    checked, granted = threading.Event(), threading.Event()
    checks: list[bool] = []
    done: dict[str, Any] = {}
    refuse_deleting, revoke_key_users = EmrfsIamHook.refuse_deleting, EmrfsKmsHook.revoke_key_users

    def recording(self: EmrfsIamHook, *arguments: Any, **keywords: Any) -> Any:
        answer = refuse_deleting(self, *arguments, **keywords)
        checks.append(True)
        if len(checks) == 2:  # the plan's, then the one just before the key writes
            checked.set()
        return answer

    def held(self: EmrfsKmsHook, *arguments: Any, **keywords: Any) -> Any:
        if not keywords.get("dry_run"):
            granted.wait(60)
        return revoke_key_users(self, *arguments, **keywords)

    def grant() -> None:
        checked.wait(60)
        try:
            done["grant"] = ensure_destination_role(aws, PARTNER_2, PREFIX_2, OTHER_EMR_ROLE)
        except Exception as error:  # reported to the test, which asserts on it
            done["grant"] = error
        granted.set()

    monkeypatch.setattr(EmrfsIamHook, "refuse_deleting", recording)
    monkeypatch.setattr(EmrfsKmsHook, "revoke_key_users", held)
    thread = threading.Thread(target=grant)
    thread.start()
    return thread, done


def test_a_pipeline_trusted_during_the_key_writes_keeps_the_role_it_assumes(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The other pipeline's grant lands after the revoke's last check, during its key writes: the deletion is refused
    before any delete, naming that role; the role stays with both principals in its trust, and its inline policy; the
    key write that landed is reported (``landed_changes``), and the refusal names the key.
    """
    provision_partner(aws, PARTNER_2, PREFIX_2)
    create_principals(aws.url, OTHER_EMR_ROLE)
    thread, done = grant_during_key_writes(aws, monkeypatch)
    operator = revoker(aws, PARTNER_2, delete_destination_role=True, settle_seconds=1)

    try:
        with pytest.raises(ConflictError) as refused:
            run_operator(operator)
    finally:
        thread.join(120)

    assert done["grant"] == role_arn(PARTNER_2)  # the other pipeline's grant succeeded
    assert role_exists(aws, PARTNER_2), "the revoke deleted the role another pipeline's grant had just trusted"
    message = str(refused.value)
    assert OTHER_EMR_ROLE in message
    assert "since the check before the key writes" in message
    assert f"kms key {aws.kms_key_arn}" in message
    assert "Nothing of the role was deleted: it is kept with its trust policy and its permissions" in message
    # Its field and its way out, for a DAG author and for a command line user alike (OX258).
    assert refused.value.field == "delete_destination_role"
    assert message.startswith("delete_destination_role: ")
    assert "(GrantKmsKeyUserOperator; CLI: emrfs-xacct apply with their partner file)" in message
    assert message.endswith(
        "(delete_destination_role=False revokes the access and keeps the role; CLI: without --delete-role)"
    )
    [ours] = [item for item in trust_policy(aws, PARTNER_2)["Statement"] if item.get("Sid") == TRUST_SID]
    assert sorted(as_list(ours["Principal"]["AWS"])) == sorted([aws.emr_ec2_role_arn, OTHER_EMR_ROLE])
    policies = client(aws.url, DESTINATION_ACCOUNT, "iam").list_role_policies(RoleName=PARTNER_2)["PolicyNames"]
    assert policies == [DESTINATION_POLICY_NAME]  # its permissions kept
    # What landed is reported: the EMR side's write and the key write, no deletion.
    landed = {change.resource: change.action for change in operator.landed_changes}
    assert landed.get(f"kms key {aws.kms_key_arn} key policy") == "update", landed
    assert not [resource for resource in landed if resource.startswith(f"iam role {PARTNER_2}")], landed
    assert role_arn(PARTNER_2) not in (key_users(aws) or [])  # as reported: the other pipeline's grant restores it


def test_the_command_line_names_its_option_when_a_pipeline_is_trusted_during_the_key_writes(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``emrfs-xacct revoke --keep-security-configuration --delete-role`` with another EMR EC2 role added to the trust
    during the revoke's key writes (review J32): the deletion is refused after those writes (exit 4, partially
    applied), and the refusal names the option the user gave, ``--delete-role``, and what to run instead, not only
    the operator's ``delete_destination_role`` and ``GrantKmsKeyUserOperator``.
    """
    partner = cli.load_partner(partner_file)
    role_name = partner["destination"]["role_name"]
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    capsys.readouterr()
    create_principals(aws.url, OTHER_EMR_ROLE)
    revoke_key_users = EmrfsKmsHook.revoke_key_users

    def trusting_another(self: EmrfsKmsHook, *arguments: Any, **keywords: Any) -> Any:
        """The revoke's key write, after which the trust's statement names another pipeline's role, as its grant does."""
        answer = revoke_key_users(self, *arguments, **keywords)
        trust = trust_policy(aws, role_name)
        [ours] = [item for item in trust["Statement"] if item.get("Sid") == TRUST_SID]
        if not keywords.get("dry_run") and OTHER_EMR_ROLE not in as_list(ours["Principal"]["AWS"]):
            ours["Principal"]["AWS"] = [*as_list(ours["Principal"]["AWS"]), OTHER_EMR_ROLE]
            client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
                RoleName=role_name, PolicyDocument=json.dumps(trust)
            )
        return answer

    monkeypatch.setattr(EmrfsKmsHook, "revoke_key_users", trusting_another)

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration", "--delete-role")

    captured = capsys.readouterr()
    assert status == cli.PARTIALLY_APPLIED, captured.err
    assert role_exists(aws, role_name)
    error = json.loads(captured.out)["failed"]["error"]
    assert error.startswith(f"--delete-role: role {role_name} is trusted by {OTHER_EMR_ROLE} too"), error
    assert "delete_destination_role: " not in captured.err + error
    assert "(GrantKmsKeyUserOperator; CLI: emrfs-xacct apply with their partner file)" in error
    assert error.endswith(
        "(delete_destination_role=False revokes the access and keeps the role; CLI: without --delete-role)"
    )
