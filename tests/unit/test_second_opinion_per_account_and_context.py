"""
The simulator's second opinion is asked per account and per request context, and keeps what it obtained.

The hooks here are plain stand-ins answering as IAM would (IAM API Reference, "SimulatePrincipalPolicy": the answer
is for the ``ContextEntries`` given; a connection without ``iam:SimulatePrincipalPolicy`` is answered
``AccessDenied``); the expected verdicts are written by hand.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure.checks import second_opinion as opinion
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import PASS, UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.verify import second_opinion
from tests.unit.test_chain import EMR_ROLE, ROLE, by_name, healthy_state

OPINION = "second opinion (iam:SimulatePrincipalPolicy, identity side)"


class Simulator:
    """Answers each request with ``answer(action, context)``; records what was asked."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str, str, dict[str, Any]]] = []

    def simulate_principal_policy(self, principal: str, action: str, resource: str, context: dict[str, Any]) -> str:
        self.asked.append((principal, action, resource, dict(context)))
        return str(self.answer(action, context))


class Refused:
    """A connection that may not call the simulator."""

    def __init__(self) -> None:
        self.asked = 0

    def simulate_principal_policy(self, *_: Any) -> str:
        self.asked += 1
        error = {"Code": "AccessDenied", "Message": "not authorized to perform iam:SimulatePrincipalPolicy"}
        raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 403}}, "SimulatePrincipalPolicy")


def test_a_deny_from_the_emr_accounts_simulator_is_kept_when_the_destinations_refuses() -> None:
    # The EMR account's simulator says the EMR role may not call sts:AssumeRole; the partner's connection may not
    # ask its simulator. Before, the first refusal dropped every answer and the verdict was PASS.
    state = healthy_state()
    emr, destination = Simulator(lambda *_: "implicitDeny"), Refused()
    second_opinion(SimpleNamespace(emr_iam=emr, iam=destination), state, check_chain(state))

    report = check_chain(state)

    link = by_name(report)[OPINION]
    assert link.status == UNKNOWN
    assert f"sts:AssumeRole on {ROLE} as {EMR_ROLE}: simulator implicitDeny, local allowed" in link.detail
    assert "not available to this connection (AccessDenied) in the destination account" in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED
    assert destination.asked == 1  # refused once: its other requests are not asked again
    assert [action for _, action, _, _ in emr.asked] == ["sts:AssumeRole"]


def test_an_agreeing_account_passes_only_on_what_it_answered_and_names_the_one_not_asked() -> None:
    state = healthy_state()
    second_opinion(SimpleNamespace(emr_iam=Simulator(lambda *_: "allowed"), iam=Refused()), state, check_chain(state))

    link = by_name(check_chain(state))[OPINION]

    assert link.status == PASS
    assert link.detail.startswith("the simulator agrees on 1 request(s); ")  # the EMR role's sts:AssumeRole only
    assert "in the destination account" in link.detail


def test_each_request_context_is_asked_and_a_deny_for_one_object_is_found() -> None:
    # IAM would deny the data key of the _SUCCESS object and the listing of exports/_temporary only (a condition
    # on the context). Before, one context per (principal, action, resource) was sent and 30 requests "agreed".
    def iam(action: str, context: dict[str, Any]) -> str:
        denied = str(context.get("kms:EncryptionContext:aws:s3:arn", "")).endswith("/_SUCCESS")
        return "implicitDeny" if denied or context.get("s3:prefix") == "exports/_temporary" else "allowed"

    state = healthy_state()
    simulator = Simulator(iam)
    first = check_chain(state)
    second_opinion(SimpleNamespace(emr_iam=simulator, iam=simulator), state, first)

    link = by_name(check_chain(state))[OPINION]

    sent = {str(context.get("kms:EncryptionContext:aws:s3:arn")) for _, action, _, context in simulator.asked}
    assert "arn:aws:s3:::partner-results-b/exports/_SUCCESS" in sent
    assert link.status == UNKNOWN
    assert link.detail.startswith("2 disagreement(s): ")
    assert "(s3:prefix exports/_temporary)" in link.detail
    assert "(kms:EncryptionContext:aws:s3:arn arn:aws:s3:::partner-results-b/exports/_SUCCESS)" in link.detail
    # One call per distinct request: no request is asked twice.
    assert len(simulator.asked) == len({opinion.simulation_key(*asked) for asked in simulator.asked})


def test_agreement_counts_the_distinct_requests_asked() -> None:
    state = healthy_state()
    simulator = Simulator(lambda *_: "allowed")
    first = check_chain(state)
    second_opinion(SimpleNamespace(emr_iam=simulator, iam=simulator), state, first)

    link = by_name(check_chain(state))[OPINION]

    assert link.status == PASS
    assert link.detail == f"the simulator agrees on {len(simulator.asked)} request(s)"
    assert len(simulator.asked) < len(first.evaluated)  # the same request evaluated twice is one request


def test_a_passing_probe_does_not_settle_a_disagreement_on_requests_it_does_not_send() -> None:
    """
    The simulator's answer holds for the request and context it was asked (IAM API Reference,
    "SimulatePrincipalPolicy", ``ContextEntries``): a disagreement on the ``_SUCCESS`` object's data key, or on the
    marker the EMR EC2 role writes, is not settled by the probe's one upload under the prefix; the report stays
    NOT_CHECKED, also once a probe passed.
    """
    from airflow_provider_emrfs_xacct.pure.checks.findings import verdict_with_probe

    state = healthy_state()
    first = check_chain(state)
    state.simulations = {
        opinion.simulation_key(item.principal, item.action, item.resource, item.context): (
            "implicitDeny" if "_SUCCESS" in item.resource + str(item.context) else "allowed"
        )
        for item in first.evaluated
    }

    report = check_chain(state)
    link = by_name(report)["second opinion (iam:SimulatePrincipalPolicy, identity side)"]
    links = [each.to_dict() for each in report.links]

    assert link.status == UNKNOWN, link
    assert "_SUCCESS" in link.detail
    assert not link.probe_settles
    probed = {"ok": True, "routes": {"s3://partner-results-b/exports/_emrfs_xacct_probe/x": 0}}
    assert verdict_with_probe(links, probed) == (VERDICT_NOT_CHECKED, True)
