"""
RevokePartnerAccessOperator's key users, judged just before the key writes, from the trust as it stands then.

The key users are the destination role's: while its trust policy lets another pipeline's EMR EC2 role assume it, taking
it out of them would end that pipeline's SSE-KMS writes (S3 User Guide, "Using server-side encryption with AWS KMS
keys": an upload needs ``kms:GenerateDataKey`` on the key). Another pipeline's ``EnsureDestinationRoleOperator`` may
add its role to the trust after the plan read it, or a read just before may not show it yet (IAM User Guide,
"Troubleshoot IAM": "Changes that I make are not always immediately visible"). Before, the revoke decided once, before
its plan, and still took the role out of the key users. The concurrent writer is injected by running the real grant
inside the revoke's own step (every AWS call stays real, against the moto server).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME, OBJECTS_SID, TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, ConflictError
from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client, create_principals
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import ensure_destination_role, provision_partner, role_arn
from tests.integration.test_revoke import (
    NIGHTLY_EMR_ROLE,
    PARTNER_1,
    PREFIX_1,
    key_users,
    revoker,
    role_exists,
    trust_policy,
)

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    from collections.abc import Callable


def written_during(
    monkeypatch: pytest.MonkeyPatch, step: str, write: Callable[[], object], hook_class: type = EmrfsIamHook
) -> list[bool]:
    """
    Make the apply's ``step`` of ``hook_class`` (not the plan's) first run ``write`` (someone else's, real).

    Return a list that holds ``True`` once ``write`` ran.
    """
    real = getattr(hook_class, step)
    injected: list[bool] = []

    def racing(self: EmrfsIamHook, *arguments: Any, **keywords: Any) -> Any:
        if not keywords.get("dry_run") and not injected:
            injected.append(True)
            write()
        return real(self, *arguments, **keywords)

    monkeypatch.setattr(hook_class, step, racing)
    return injected


def nightly_granted_during(aws: Seeded, monkeypatch: pytest.MonkeyPatch, step: str) -> list[bool]:
    """Make the apply's ``step`` of ``EmrfsIamHook`` first run another pipeline's grant of the role."""
    return written_during(
        monkeypatch, step, lambda: ensure_destination_role(aws, PARTNER_1, PREFIX_1, NIGHTLY_EMR_ROLE)
    )


def key_changes(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [change for change in result["plan"] if change["resource"].startswith("kms ")]


def test_a_pipeline_trusted_after_the_plan_keeps_the_role_a_key_user(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """
    Another pipeline's grant adds its EMR EC2 role to the trust after the plan judged the keys: the trust step keeps
    it, and the key users keep the role, with the warning; the plan reported holds no key change.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_principals(aws.url, NIGHTLY_EMR_ROLE)
    injected = nightly_granted_during(aws, monkeypatch, "revoke_role_trust")

    result, _, _ = run_operator(revoker(aws, PARTNER_1))

    assert injected
    [ours] = [statement for statement in trust_policy(aws, PARTNER_1)["Statement"] if statement.get("Sid") == TRUST_SID]
    assert as_list(ours["Principal"]["AWS"]) == [NIGHTLY_EMR_ROLE]  # the trust step kept the other pipeline
    assert role_arn(PARTNER_1) in (key_users(aws) or [])
    assert key_changes(result) == []  # no key change listed that was not made
    assert [change["resource"].split()[0] for change in result["plan"]] == ["iam", "iam"]
    assert result["access_ended"] is True  # this pipeline's access: the trust and its assume grant
    logged = capfd.readouterr().out + caplog.text
    assert "stays a key user" in logged
    assert "EMR_EC2_NightlyRole" in logged


def test_a_pipeline_trusted_after_the_plan_keeps_the_key_users_with_the_trust_kept(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``remove_destination_trust=False``: the trust is not written, and the keys are judged again just before their
    writes (here, after the EMR side's write, when the other pipeline's grant lands).
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_principals(aws.url, NIGHTLY_EMR_ROLE)
    injected = nightly_granted_during(aws, monkeypatch, "revoke_assume_role")

    result, _, _ = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert injected
    assert role_arn(PARTNER_1) in (key_users(aws) or [])
    assert key_changes(result) == []
    assert [change["resource"].split()[0] for change in result["plan"]] == ["iam"]  # the assume grant alone


def test_a_role_nobody_else_assumes_goes_from_the_key_users_judged_after_the_trust_write(aws: Seeded) -> None:
    """
    Nobody else is trusted: the late judgement does not keep everything, the role goes from the key users, and the
    trust it judged is read after the trust write, right before the key policy's write.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    assert role_arn(PARTNER_1) in (key_users(aws) or [])

    with CallRecorder().everywhere() as calls:
        result, _, _ = run_operator(revoker(aws, PARTNER_1))

    assert role_arn(PARTNER_1) not in (key_users(aws) or [])
    assert [change["action"] for change in key_changes(result)] == ["update"]
    operations = [operation for _, operation in calls.every]
    trust_written = max(index for index, name in enumerate(operations) if name == "UpdateAssumeRolePolicy")
    key_written = operations.index("PutKeyPolicy")
    assert trust_written < key_written
    read_between = [
        index
        for index in range(trust_written + 1, key_written)
        if operations[index] == "GetRole" and calls.params[index].get("RoleName") == PARTNER_1
    ]
    assert read_between


def test_a_pipeline_trusted_after_the_plan_keeps_the_role_and_its_key_users_when_deleting(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``delete_destination_role=True``: another pipeline's grant adds its EMR EC2 role to the trust after the plan read
    it (here, during the EMR side's write). The deletion is refused, as its own trust check refuses it, but before the
    key writes: the role stays, and stays a key user (that pipeline's SSE-KMS writes go on). Before, the role left the
    key users first, and only then was the deletion refused.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_principals(aws.url, NIGHTLY_EMR_ROLE)
    injected = nightly_granted_during(aws, monkeypatch, "revoke_assume_role")

    with pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert injected
    assert "EMR_EC2_NightlyRole" in str(refused.value)
    assert "deleting it would end their access" in str(refused.value)
    assert role_exists(aws, PARTNER_1)
    assert role_arn(PARTNER_1) in (key_users(aws) or [])


def test_an_instance_profile_added_after_the_plan_keeps_the_role_and_its_key_users_when_deleting(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``delete_destination_role=True``: someone puts the role in an instance profile after the plan read it (here,
    during the EMR side's write). Every refusal of the deletion runs again before the key writes, this one too: the
    deletion is refused (IAM refuses ``DeleteRole`` for a role in an instance profile, IAM API Reference,
    "DeleteRole"), the role stays, and stays a key user, so EC2 instances with that profile keep their SSE-KMS writes
    (S3 User Guide, "Using server-side encryption with AWS KMS keys"). Before, only the trust was checked again: the
    role left the key users, and only then was the deletion refused.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    def profile() -> None:
        iam.create_instance_profile(InstanceProfileName="nightly-ec2")
        iam.add_role_to_instance_profile(InstanceProfileName="nightly-ec2", RoleName=PARTNER_1)

    injected = written_during(monkeypatch, "revoke_assume_role", profile)

    with pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert injected
    assert f"role {PARTNER_1} is in instance profile nightly-ec2" in str(refused.value)
    assert role_exists(aws, PARTNER_1)
    assert role_arn(PARTNER_1) in (key_users(aws) or [])


def test_deleting_the_role_checks_it_in_the_plan_and_before_the_key_writes_not_again_after_them(aws: Seeded) -> None:
    """
    ``delete_destination_role=True`` with a key: the deletion's refusals read the role in the plan and again just
    before the key writes; the deletion goes on that second read, as the key and security-configuration writes since
    do not touch the role, but for the trust (``GetRole``, test_revoke_delete_late_trust.py) and the provider's inline
    policy, read again just before the deletes. Before, every read of the checks (``GetRole``, ``ListRolePolicies``, ``GetRolePolicy``,
    ``ListAttachedRolePolicies``, ``ListInstanceProfilesForRole``) was sent a third time after the key writes, and
    the checks before the plan (the keys the role's policy grants, the buckets) read that policy twice.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)

    with CallRecorder().everywhere() as calls:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert not role_exists(aws, PARTNER_1)
    operations = [operation for _, operation in calls.every]
    checks = [
        index
        for index, name in enumerate(operations)
        if name == "ListInstanceProfilesForRole" and calls.params[index].get("RoleName") == PARTNER_1
    ]
    assert len(checks) == 2
    assert checks[-1] < operations.index("PutKeyPolicy")
    policy_reads = [
        index
        for index, name in enumerate(operations)
        if name == "GetRolePolicy"
        and calls.params[index] == {"RoleName": PARTNER_1, "PolicyName": DESTINATION_POLICY_NAME}
    ]
    # The checks before the plan, the plan's, the one before the key writes, and the one just before DeleteRolePolicy.
    assert len(policy_reads) == 4
    [deleted] = [
        index
        for index, name in enumerate(operations)
        if name == "DeleteRolePolicy" and calls.params[index].get("RoleName") == PARTNER_1
    ]
    assert policy_reads[-1] == deleted - 1


def test_an_instance_profile_added_during_the_key_writes_has_delete_role_refused(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``delete_destination_role=True``: someone puts the role in an instance profile after the last check, during the key
    writes. ``DeleteRole`` itself refuses a role in an instance profile (IAM API Reference, "DeleteRole":
    ``DeleteConflict``): the deletion is refused, naming the profile, and the role stays, so its checks need not be
    read again after the key writes.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    def profile() -> None:
        iam.create_instance_profile(InstanceProfileName="nightly-ec2")
        iam.add_role_to_instance_profile(InstanceProfileName="nightly-ec2", RoleName=PARTNER_1)

    injected = written_during(monkeypatch, "revoke_key_users", profile, EmrfsKmsHook)

    with pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert injected
    assert "instance profile nightly-ec2 came since it was checked" in str(refused.value)
    assert role_exists(aws, PARTNER_1)


def test_a_statement_added_to_the_providers_inline_policy_during_the_key_writes_keeps_the_role(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``delete_destination_role=True``: someone adds a statement to the provider's inline policy after the last check,
    during the key writes. IAM deletes an inline policy whatever it holds (IAM API Reference, "DeleteRolePolicy": a
    role name and a policy name, no condition), so the policy is read again just before its delete: the deletion is
    refused, naming the statement, and the role and the statement stay. Before, the policy was deleted on the names
    read before the key writes, and the statement lost with it.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    added = {"Sid": "NightlyExtra", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::nightly/*"}

    injected = written_during(
        monkeypatch,
        "revoke_key_users",
        lambda: put_destination_policy(aws, lambda items: [*items, added]),
        EmrfsKmsHook,
    )

    with pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert injected
    assert "statement 'NightlyExtra', which this provider did not write" in str(refused.value)
    assert "changed since the deletion's check read it" in str(refused.value)
    assert role_exists(aws, PARTNER_1)
    kept = iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    assert added in as_list(kept["Statement"])


def put_destination_policy(aws: Seeded, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """Someone else's read and ``PutRolePolicy`` of the provider's inline policy, its statements ``edit``-ed."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    policy["Statement"] = edit(as_list(policy["Statement"]))
    iam.put_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))


def test_an_owned_statement_edited_during_the_key_writes_keeps_the_role(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``delete_destination_role=True``: someone widens the provider's own objects statement after the last check, during
    the key writes. Every statement still has a ``Sid`` the provider writes, but the policy no longer reads as the
    deletion's check read it, and IAM deletes it whatever it holds (IAM API Reference, "DeleteRolePolicy": a role name
    and a policy name, no condition): the deletion is refused, the role and the edit kept.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)

    def widened(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, "Resource": "*"} if item.get("Sid") == OBJECTS_SID else item for item in statements]

    injected = written_during(
        monkeypatch, "revoke_key_users", lambda: put_destination_policy(aws, widened), EmrfsKmsHook
    )

    with pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert injected
    assert f"its inline policy {DESTINATION_POLICY_NAME} changed" in str(refused.value)
    assert "changed since the deletion's check read it" in str(refused.value)
    assert "which this provider did not write" not in str(refused.value)
    assert role_exists(aws, PARTNER_1)
    kept = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role_policy(
        RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME
    )["PolicyDocument"]
    [objects] = [item for item in as_list(kept["Statement"]) if item.get("Sid") == OBJECTS_SID]
    assert objects["Resource"] == "*"


def test_the_providers_inline_policy_deleted_during_the_key_writes_has_the_role_deleted(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    ``delete_destination_role=True``: someone deletes the provider's inline policy after the last check, during the key
    writes. Nothing of it is left to lose: the read just before its ``DeleteRolePolicy`` finds it gone, which is no
    change to refuse, IAM answers that ``DeleteRolePolicy`` ``NoSuchEntity`` (IAM API Reference, "DeleteRolePolicy"),
    taken as done, and the role is deleted.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    def deleted() -> None:
        iam.delete_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)

    injected = written_during(monkeypatch, "revoke_key_users", deleted, EmrfsKmsHook)

    run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert injected
    assert not role_exists(aws, PARTNER_1)


@dataclass(frozen=True)
class IamErrorAnswer:
    """The body of an IAM error answer (``code``), as a raw HTTP stream botocore reads."""

    code: str

    def stream(self, **_: Any) -> Any:
        yield (
            '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
            f"<Code>{self.code}</Code><Message>{self.code}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
        ).encode()


def answering_the_first_delete(
    monkeypatch: pytest.MonkeyPatch, answer: Callable[[Any], AWSResponse | None]
) -> list[str]:
    """
    Have ``answer(request)`` answer the first ``DeleteRolePolicy`` of :data:`PARTNER_1` the revoke sends (``None``: sent
    to moto), on every IAM client of the hook that deletes the role; return the list of those sends, as they happen.
    """
    sent: list[str] = []

    def first_answered(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if f"RoleName={PARTNER_1}" not in body:
            return None
        sent.append("DeleteRolePolicy")
        return answer(request) if len(sent) == 1 else None

    real = EmrfsIamHook.delete_provider_role

    def racing(self: EmrfsIamHook, *arguments: Any, **keywords: Any) -> Any:
        # On the hook's client and on the one it sends its DeleteRolePolicy with (botocore's retries off).
        for events in (self.conn.meta.events, self.client_sending_once.meta.events):
            events.register_first("before-send.iam.DeleteRolePolicy", first_answered, unique_id="first-answered")
        return real(self, *arguments, **keywords)

    monkeypatch.setattr(EmrfsIamHook, "delete_provider_role", racing)
    return sent


@pytest.mark.parametrize(
    ("code", "status"), [("ConcurrentModification", 409), ("Throttling", 400), ("ServiceFailure", 500)]
)
def test_a_statement_put_while_delete_role_policy_waits_to_be_sent_again_keeps_the_role(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, code: str, status: int
) -> None:
    """
    ``delete_destination_role=True``: IAM refuses the revoke's ``DeleteRolePolicy`` for a while, and someone's
    ``PutRolePolicy`` adding a statement to the policy lands meanwhile. ``ConcurrentModification`` (HTTP 409: "The
    request was rejected because multiple requests to change this object were submitted simultaneously", IAM API
    Reference, e.g. "DeleteRole", Errors; IAM answers it to writes whose page does not list it too,
    hashicorp/terraform-provider-aws#34371) says such a write is under way; ``Throttling`` and ``ServiceFailure`` (HTTP
    500, a documented error of "DeleteRolePolicy") are what botocore's standard retries send a call again after, up to
    20 s later (Boto3 guide, "Retries"). IAM deletes an inline policy whatever it holds ("DeleteRolePolicy": a role name
    and a policy name, no condition): the delete is sent again only by the revoke, after reading the policy again, so
    the deletion is refused naming the statement, the role and the statement kept. Before, it was sent again on the
    read before the first send (by the revoke after a 409, by botocore after the others), and the statement was lost
    with the role.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    added = {"Sid": "NightlyExtra", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::nightly/*"}

    def theirs_lands(request: Any) -> AWSResponse:
        put_destination_policy(aws, lambda statements: [*statements, added])
        return AWSResponse(request.url, status, {"Content-Type": "text/xml"}, IamErrorAnswer(code))

    sent = answering_the_first_delete(monkeypatch, theirs_lands)

    with pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert sent == ["DeleteRolePolicy"]  # not sent again: the read before it found the statement
    assert "statement 'NightlyExtra', which this provider did not write" in str(refused.value)
    assert role_exists(aws, PARTNER_1)
    kept = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role_policy(
        RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME
    )["PolicyDocument"]
    assert added in as_list(kept["Statement"])


def test_a_delete_role_policy_whose_answer_is_lost_is_sent_again_and_the_role_deleted(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The revoke's ``DeleteRolePolicy`` reaches IAM, which deletes the policy, but its answer is lost (a read timeout,
    which botocore's standard retries would send again: Boto3 guide, "Retries"). The revoke sends it again itself, after
    reading the policy (gone: nothing to lose), IAM answers ``NoSuchEntity`` (IAM API Reference, "DeleteRolePolicy"),
    taken as done, and the role is deleted.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)

    def lost(request: Any) -> AWSResponse:
        client(aws.url, DESTINATION_ACCOUNT, "iam").delete_role_policy(
            RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME
        )
        raise ReadTimeoutError(endpoint_url=request.url)

    sent = answering_the_first_delete(monkeypatch, lost)

    run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert sent == ["DeleteRolePolicy", "DeleteRolePolicy"]
    assert not role_exists(aws, PARTNER_1)


def test_a_refused_delete_role_policy_names_the_role_and_the_grant_to_make(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The destination connection may not ``iam:DeleteRolePolicy`` (IAM answers ``AccessDenied``, HTTP 403): the
    revoke fails naming the action and the role it was refused on, the resource the action is granted on (Service
    Authorization Reference, IAM: ``DeleteRolePolicy`` on ``role``), as every refusal of the hook's calls does, though
    this one call goes through the hook's client that sends each call once.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)

    def refused(request: Any) -> AWSResponse:
        return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, IamErrorAnswer("AccessDenied"))

    answering_the_first_delete(monkeypatch, refused)

    with pytest.raises(AccessDeniedError) as denied:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert f"iam:DeleteRolePolicy on RoleName={PARTNER_1} " in str(denied.value)
    assert "(unknown)" not in str(denied.value)
    assert role_exists(aws, PARTNER_1)


def test_a_read_before_delete_role_policy_throttled_past_its_retries_is_raised_not_tried_again(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The read of the provider's inline policy just before its ``DeleteRolePolicy`` is answered ``Throttling`` past its
    own retries (botocore's, here one attempt): the revoke fails with it at once, nothing deleted, instead of going round
    the delete's own resends (each a read with its full retries, up to 11 times: many minutes to give up).
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    reads: list[str] = []

    def throttled(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if f"RoleName={PARTNER_1}" not in body:
            return None
        reads.append("GetRolePolicy")
        return AWSResponse(request.url, 400, {"Content-Type": "text/xml"}, IamErrorAnswer("Throttling"))

    real = EmrfsIamHook._delete_inline_unchanged

    def throttling_reads(self: EmrfsIamHook, *arguments: Any) -> None:
        self.conn.meta.events.register_first("before-send.iam.GetRolePolicy", throttled, unique_id="throttled")
        real(self, *arguments)

    monkeypatch.setattr(EmrfsIamHook, "_delete_inline_unchanged", throttling_reads)

    with pytest.raises(ClientError, match="Throttling"):
        run_operator(
            revoker(aws, PARTNER_1, delete_destination_role=True, botocore_config={"retries": {"max_attempts": 0}})
        )

    assert reads == ["GetRolePolicy"]
    assert role_exists(aws, PARTNER_1)
    assert client(aws.url, DESTINATION_ACCOUNT, "iam").get_role_policy(
        RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME
    )
