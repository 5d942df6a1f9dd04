"""
A spill policy just created, then refused by its ``AttachRolePolicy``: IAM's lag is waited out, any other
refusal leaves no policy of this run attached to nothing.

IAM is eventually consistent: right after ``CreatePolicy`` the attach, and the delete, can answer ``NoSuchEntity``
for the policy (IAM User Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible"). IAM
documents only that ``NoSuchEntity``'s "error message describes the resource" (IAM API Reference, "AttachRolePolicy");
the messages below ("Policy <ARN> does not exist or is not attachable.", "The role with name <name> cannot be found.")
are the wording observed, not documented: worded otherwise, the attach fails at once and the policy is deleted. A
policy attached to nothing grants nothing (IAM User Guide, "Managed policies and inline policies"), and a later grant
would take it for an in-flight one. Against the two-account moto server, through a proxy that answers the attach (and
the delete) of a policy created through it.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, Seeded, client
from tests.conftest import run_operator
from tests.integration.test_faults import skip_backoffs, through
from tests.integration.test_scale import (
    FULL,
    SPILL_2,
    SPILL_ARN,
    attach,
    fill_inline,
    granted,
    partners,
)

#: IAM's answer, as observed, for a policy it does not see (yet); the role's is "The role with name ... cannot be found."
NOT_ATTACHABLE = "Policy {arn} does not exist or is not attachable."
#: One wait of 0.5 s, then the bound: two attaches in all.
SHORT_WAIT = ConvergeSettings(settle_seconds=0, consistency_wait_seconds=1.0, first_backoff_seconds=0.5)


class RefusingNewPolicyAttach(FaultProxy):
    """The first ``times`` AttachRolePolicy naming a policy created through the proxy answer ``answer``."""

    def __init__(self, upstream: str, *, times: int, answer: tuple[int, str, str] | None = None) -> None:
        super().__init__(upstream)
        self.times, self.answer = times, answer
        self.created: set[str] = set()
        self.attaches = 0

    def _consistency_error(self, service: str, form: dict[str, str], body: bytes) -> tuple[int, str, str] | None:
        arn = form.get("PolicyArn", "")
        if form.get("Action") != "AttachRolePolicy" or arn.rsplit("/", 1)[-1] not in self.created:
            return None
        with self.lock:
            self.attaches += 1
            if self.attaches > self.times:
                return None
        return self.answer or (404, "NoSuchEntity", NOT_ATTACHABLE.format(arn=arn))

    def _note_created(self, service: str, form: dict[str, str], status: int) -> None:
        if form.get("Action") == "CreatePolicy" and status == 200:
            self.created.add(form["PolicyName"])


def spill_policies(iam: Any) -> list[tuple[str, int]]:
    """Every policy under the provider's path, with what it is attached to."""
    found = iam.list_policies(Scope="Local", PathPrefix=spill.SPILL_PATH)["Policies"]
    return [(policy["PolicyName"], policy["AttachmentCount"]) for policy in found]


def test_a_new_spill_policy_iam_does_not_show_yet_is_attached_once_it_does(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attach answers NoSuchEntity for the policy just created: sent again, the grant goes through."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    new = partners(FULL, 5)

    with through(RefusingNewPolicyAttach(aws.url, times=1), aws, monkeypatch) as proxy:
        run_operator(attach(destination_role_arns=new))

    assert proxy.attaches == 2
    assert spill_policies(iam) == [(SPILL_2, 1)]
    assert granted(iam)[SPILL_2] == set(new)
    _, again, _ = run_operator(attach(destination_role_arns=new))
    assert again.mutating == []


def test_a_new_spill_policy_iam_never_shows_is_refused_naming_the_field_and_deleted(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Still NoSuchEntity for it past ``consistency_wait_seconds``: a clear error, and no policy left unattached."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)

    with through(RefusingNewPolicyAttach(aws.url, times=100), aws, monkeypatch) as proxy:
        hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
        with pytest.raises(PreconditionError) as refused:
            hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners(FULL, 5), settings=SHORT_WAIT)

    assert proxy.attaches == 2  # the first, and one after the only wait within the bound
    assert refused.value.field == "destination_role_arns"
    assert refused.value.retriable
    assert "1 s" in str(refused.value)
    assert NOT_ATTACHABLE.format(arn=SPILL_ARN) in str(refused.value)
    assert spill_policies(iam) == []


@pytest.mark.parametrize(
    "answer",
    [
        (403, "AccessDenied", "User is not authorized to perform: iam:AttachRolePolicy"),
        (404, "NoSuchEntity", f"The role with name {EMR_EC2_ROLE} cannot be found."),
    ],
    ids=["denied", "role-gone"],
)
def test_a_new_spill_policy_whose_attach_fails_otherwise_is_deleted_at_once(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, answer: tuple[int, str, str]
) -> None:
    """
    Any other refusal of the attach (denied; the EMR EC2 role itself not found: not the new policy's lag) is raised
    after one attach, and the policy made for it is deleted again.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)

    with through(RefusingNewPolicyAttach(aws.url, times=100, answer=answer), aws, monkeypatch) as proxy:
        hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
        with pytest.raises(ClientError) as refused:
            hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners(FULL, 5), settings=SHORT_WAIT)

    assert refused.value.response["Error"]["Code"] == answer[1]
    assert proxy.attaches == 1
    assert spill_policies(iam) == []


class LaggingDeleteToo(RefusingNewPolicyAttach):
    """
    Also the first ``delete_lags`` DeletePolicy of a policy created through the proxy answer ``NoSuchEntity``: IAM's
    lag after ``CreatePolicy`` holds for its delete as for its attach (IAM User Guide, "Troubleshoot IAM", "Changes
    that I make are not always immediately visible").
    """

    def __init__(self, upstream: str, *, times: int, delete_lags: int) -> None:
        super().__init__(upstream, times=times)
        self.delete_lags, self.deletes = delete_lags, 0

    def _consistency_error(self, service: str, form: dict[str, str], body: bytes) -> tuple[int, str, str] | None:
        arn = form.get("PolicyArn", "")
        if form.get("Action") != "DeletePolicy" or arn.rsplit("/", 1)[-1] not in self.created:
            return super()._consistency_error(service, form, body)
        with self.lock:
            self.deletes += 1
            if self.deletes > self.delete_lags:
                return None
        return 404, "NoSuchEntity", f"Policy {arn} was not found."


def said(caplog: pytest.LogCaptureFixture, level: int, *words: str) -> list[str]:
    """The log records at ``level`` or above that contain every one of ``words``."""
    return [r.getMessage() for r in caplog.records if r.levelno >= level and all(w in r.getMessage() for w in words)]


def test_a_new_spill_policy_whose_delete_iam_does_not_show_yet_is_deleted_once_it_does(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The clean-up's DeletePolicy answers NoSuchEntity once (IAM's lag): sent again, nothing is left."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    caplog.set_level(logging.INFO)

    with through(LaggingDeleteToo(aws.url, times=100, delete_lags=1), aws, monkeypatch) as proxy:
        hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
        with pytest.raises(PreconditionError):
            hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners(FULL, 5), settings=SHORT_WAIT)

    assert proxy.deletes == 2
    assert spill_policies(iam) == []
    assert said(caplog, logging.INFO, SPILL_ARN, "deleted")


def test_a_new_spill_policy_whose_delete_iam_never_shows_is_named_with_how_to_delete_it(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """
    Its DeletePolicy still answers NoSuchEntity after ``consistency_wait_seconds``: the policy may be left, so it
    is not said deleted; a warning and the error name it and how to delete it.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    caplog.set_level(logging.INFO)

    with through(LaggingDeleteToo(aws.url, times=100, delete_lags=100), aws, monkeypatch) as proxy:
        hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
        with pytest.raises(PreconditionError) as refused:
            hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners(FULL, 5), settings=SHORT_WAIT)

    how = f"aws iam delete-policy --policy-arn {SPILL_ARN}"
    assert proxy.deletes == 2  # the first, and one after the only wait within the bound
    assert spill_policies(iam) == [(SPILL_2, 0)]
    assert how in str(refused.value)
    assert said(caplog, logging.WARNING, SPILL_ARN, how)
    assert not said(caplog, logging.DEBUG, SPILL_ARN, "deleted")


@pytest.mark.parametrize("times", [1, 100], ids=["denied", "not-shown"])
def test_a_spill_policy_created_again_after_a_concurrent_revoke_is_deleted_when_its_attach_fails(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, times: int
) -> None:
    """
    A concurrent revoke deleted the spill policy the grant wrote into; the grant creates it again, and that attach
    fails (denied; IAM still not showing it after the wait): the policy created again is deleted, the error raised.
    Left, it would hold the grant attached to nothing, and a later grant would take it for an in-flight one's.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    revoked, granted_now = partners(FULL, 2)
    run_operator(attach(destination_role_arns=[revoked]))
    denied = (403, "AccessDenied", "User is not authorized to perform: iam:AttachRolePolicy")

    with through(
        RefusingNewPolicyAttach(aws.url, times=times, answer=denied if times == 1 else None), aws, monkeypatch
    ) as proxy:
        grant, concurrent_revoke = EmrfsIamHook(aws_conn_id=EMR_CONN_ID), EmrfsIamHook(aws_conn_id=EMR_CONN_ID)

        def revoke_lands(**_: Any) -> None:
            if not proxy.created:  # the revoke's delete, based on its read of {revoked} before this write
                concurrent_revoke._delete_spill_policy(SPILL_ARN, EMR_EC2_ROLE)

        grant.conn.meta.events.register("after-call.iam.CreatePolicyVersion", revoke_lands)
        with pytest.raises((ClientError, PreconditionError)):
            grant.ensure_assume_role_policy(EMR_EC2_ROLE, [granted_now], settings=SHORT_WAIT)

    assert proxy.created == {SPILL_2}
    assert spill_policies(iam) == []


#: IAM's answer to a call the caller may not make (IAM API Reference, "Common Errors": ``AccessDenied``, HTTP 403).
DENIED = (403, "AccessDenied", "User is not authorized to perform: iam:AttachRolePolicy")


class _DeniedDelete:
    """The body of IAM's ``AccessDenied`` answer to a ``DeletePolicy``, as a raw HTTP stream botocore reads."""

    def stream(self, **_: Any) -> Any:
        yield (
            b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
            b"<Code>AccessDenied</Code><Message>not authorized to perform: iam:DeletePolicy</Message></Error>"
            b"<RequestId>r</RequestId></ErrorResponse>"
        )


@pytest.mark.parametrize("failure", ["no-answer", "denied"])
def test_a_clean_up_delete_that_gets_no_answer_names_the_policy_and_the_others_are_still_deleted(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    """
    The grant creates three spill policies; the first attach is denied. The clean-up's DeletePolicy of the first gets
    no answer (``EndpointConnectionError`` on every attempt, after botocore's retries: Boto3 guide, "Retries"), or is
    denied itself (IAM API Reference, "Common Errors": ``AccessDenied``, HTTP 403): the attach's denial is raised, not
    the delete's failure, naming the policy kept and how to delete it, and the other two are still deleted.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    skip_backoffs(monkeypatch)  # botocore's waits between its attempts (standard mode, and legacy's below)
    monkeypatch.setattr("botocore.retryhandler.delay_exponential", lambda **_: 0.0)
    caplog.set_level(logging.INFO)
    unanswered: list[str] = []

    def unreachable(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if SPILL_ARN in unquote(body):
            unanswered.append(SPILL_ARN)
            if failure == "denied":
                return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _DeniedDelete())
            raise EndpointConnectionError(endpoint_url=request.url)
        return None

    with through(RefusingNewPolicyAttach(aws.url, times=100, answer=DENIED), aws, monkeypatch) as proxy:
        hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
        hook.conn.meta.events.register("before-send.iam.DeletePolicy", unreachable)
        with pytest.raises(ClientError) as refused:
            hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners(FULL, 300), settings=SHORT_WAIT)

    assert len(proxy.created) == 3
    assert proxy.attaches == 1
    assert len(unanswered) > (1 if failure == "no-answer" else 0)  # botocore's retries of a lost answer only
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert f"{SPILL_ARN}, created by this run, kept (deleting it failed: " in str(refused.value)
    assert f"aws iam delete-policy --policy-arn {SPILL_ARN}" in str(refused.value)
    assert spill_policies(iam) == [(SPILL_2, 0)]
    assert len(said(caplog, logging.INFO, "deleted (created for this refused grant")) == 2


def fill_role_with_others_policies(iam: Any) -> None:
    """Attach others' managed policies to the EMR EC2 role up to IAM's default quota of 10 ("IAM and AWS STS quotas")."""
    attached = len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"])
    statement = {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
    for index in range(10 - attached):
        document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        arn = iam.create_policy(PolicyName=f"team-policy-{index}", PolicyDocument=document)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)


class DenyingReadsAfterADelete(FaultProxy):
    """Once a ``DeletePolicy`` went through, ``ListAttachedRolePolicies`` answers ``AccessDenied``; counts deletes."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.deletes: list[str] = []

    def _consistency_error(self, service: str, form: dict[str, str], body: bytes) -> tuple[int, str, str] | None:
        if form.get("Action") == "DeletePolicy":
            self.deletes.append(form["PolicyArn"])
        if form.get("Action") == "ListAttachedRolePolicies" and self.deletes:
            return 403, "AccessDenied", "User is not authorized to perform: iam:ListAttachedRolePolicies"
        return None


def test_a_spill_policy_the_quota_refusal_deleted_is_not_deleted_again_when_the_read_after_it_fails(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """
    IAM refuses the attach at the role's quota (``LimitExceeded``: IAM API Reference, "AttachRolePolicy"); the policy
    just created is deleted, then the read of what took the slot is denied. That policy is gone: the clean-up does not
    send its DeletePolicy again (answered ``NoSuchEntity``, waited on, then warned about as maybe left, falsely); the
    two others created for the grant are deleted.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    fill_role_with_others_policies(iam)
    caplog.set_level(logging.INFO)

    with through(DenyingReadsAfterADelete(aws.url), aws, monkeypatch) as proxy:
        hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
        with pytest.raises(ClientError, match="ListAttachedRolePolicies") as refused:
            hook.ensure_assume_role_policy(
                EMR_EC2_ROLE, partners(FULL, 300), settings=SHORT_WAIT, managed_policies_per_role=20
            )

    assert proxy.deletes.count(SPILL_ARN) == 1
    assert len(proxy.deletes) == 3
    assert spill_policies(iam) == []
    assert not said(caplog, logging.WARNING, SPILL_ARN)
    assert "may be left" not in str(refused.value)
    assert said(caplog, logging.INFO, SPILL_ARN, "deleted")
