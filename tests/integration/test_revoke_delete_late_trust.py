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
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME, TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, Seeded, client, create_principals
from devstack.testing import run_operator
from tests.integration.partners import ensure_destination_role, provision_partner, role_arn
from tests.integration.test_revoke import PARTNER_2, PREFIX_2, key_users, revoker, role_exists, trust_policy

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
    [ours] = [item for item in trust_policy(aws, PARTNER_2)["Statement"] if item.get("Sid") == TRUST_SID]
    assert sorted(as_list(ours["Principal"]["AWS"])) == sorted([aws.emr_ec2_role_arn, OTHER_EMR_ROLE])
    policies = client(aws.url, DESTINATION_ACCOUNT, "iam").list_role_policies(RoleName=PARTNER_2)["PolicyNames"]
    assert policies == [DESTINATION_POLICY_NAME]  # its permissions kept
    # What landed is reported: the EMR side's write and the key write, no deletion.
    landed = {change.resource: change.action for change in operator.landed_changes}
    assert landed.get(f"kms key {aws.kms_key_arn} key policy") == "update", landed
    assert not [resource for resource in landed if resource.startswith(f"iam role {PARTNER_2}")], landed
    assert role_arn(PARTNER_2) not in (key_users(aws) or [])  # as reported: the other pipeline's grant restores it
