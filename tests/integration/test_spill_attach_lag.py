"""
A spill policy just created, then refused by its ``AttachRolePolicy``: IAM's lag is waited out, any other
refusal leaves no policy of this run attached to nothing.

IAM is eventually consistent: right after ``CreatePolicy`` the attach can answer ``NoSuchEntity`` "Policy ... does
not exist or is not attachable" (IAM User Guide, "Troubleshoot IAM", "Changes that I make are not always
immediately visible"; IAM API Reference, "AttachRolePolicy", ``NoSuchEntity``: "The error message describes the
resource"). A policy attached to nothing grants nothing (IAM User Guide, "Managed policies and inline policies"),
and a later grant would take it for an in-flight one. Against the two-account moto server, through a proxy that
answers the attach of a policy created through it.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, Seeded, client
from tests.conftest import run_operator
from tests.integration.test_faults import through
from tests.integration.test_scale import FULL, SPILL_2, SPILL_ARN, attach, fill_inline, granted, partners

#: IAM's answer for a policy it does not see (yet); the role's is "The role with name ... cannot be found."
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
