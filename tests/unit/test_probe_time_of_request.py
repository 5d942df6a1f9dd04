"""
A passing live probe does not settle a link left not checked on the time of the request.

No request context of the verifier holds ``aws:CurrentTime`` ("the date and time of the request") or ``aws:EpochTime``
(the same "in epoch or Unix time"): IAM User Guide, "AWS global condition context keys"; a policy may open or close a
time window on them ("AWS: Allows access based on date and time"). A condition on one leaves its link not checked, and
the live probe, which writes before the job does, does not settle it: a ``Deny`` after midnight lets the probe by and
refuses the job's writes. A condition on a key whose value is the probe's and the job's alike is still settled by it:
``aws:MultiFactorAuthAge`` is only in the context of a session authenticated with MFA (same page), which no EMRFS
session is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.documents import key_users_statement
from tests.unit.test_chain import (
    ASSUME,
    BUCKET,
    KEY,
    KMS,
    PREFIX,
    ROOT_STATEMENT,
    WRITE,
    document,
    healthy_state,
)
from tests.unit.test_chain import ROLE as DESTINATION_ROLE

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: A probe that passed, having written under the mapping's prefix through mapping 0 (``probe.routes``).
PASSED: dict[str, Any] = {"ok": True, "routes": {f"{PREFIX}_emrfs_xacct_probe/x": 0}}
AFTER_MIDNIGHT = {"DateGreaterThan": {"aws:CurrentTime": "2026-12-08T00:00:00Z"}}
AFTER_EPOCH = {"NumericGreaterThan": {"aws:EpochTime": "1796688000"}}


def deny(sid: str, action: str, resource: str, condition: dict[str, Any], *, principal: bool = True) -> dict[str, Any]:
    statement = {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": resource, "Condition": condition}
    return {**statement, "Principal": "*"} if principal else statement


def in_bucket_policy(state: ChainState, condition: dict[str, Any]) -> str:
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        deny("UntilMidnight", "s3:PutObject", f"arn:aws:s3:::{BUCKET}/*", condition)
    )
    return WRITE


def in_identity_policy(state: ChainState, condition: dict[str, Any]) -> str:
    role = state.destination_roles[DESTINATION_ROLE]
    statement = deny("UntilMidnight", "s3:PutObject", "*", condition, principal=False)
    role.policies.append(("inline policy time-box", document(statement)))  # type: ignore[union-attr]
    return WRITE


def in_key_policy(state: ChainState, condition: dict[str, Any]) -> str:
    statement = deny("UntilMidnight", "kms:GenerateDataKey*", "*", condition)
    state.key_policies[KEY] = document(ROOT_STATEMENT, key_users_statement([DESTINATION_ROLE]), statement)
    return KMS


def in_trust_policy(state: ChainState, condition: dict[str, Any]) -> str:
    role = state.destination_roles[DESTINATION_ROLE]
    role.trust_policy["Statement"].append(deny("UntilMidnight", "sts:AssumeRole", "*", condition))  # type: ignore[union-attr]
    return ASSUME


PLACES = {
    "bucket": in_bucket_policy,
    "identity": in_identity_policy,
    "key": in_key_policy,
    "trust": in_trust_policy,
}


def link_and_verdict(state: ChainState, name: str) -> tuple[dict[str, Any], tuple[str, bool]]:
    links = [link.to_dict() for link in check_chain(state).links]
    return {link["link"]: link for link in links}[name], verdict_with_probe(links, PASSED)


@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
@pytest.mark.parametrize(
    ("condition", "value"), [(AFTER_MIDNIGHT, "2026-12-08T00:00:00Z"), (AFTER_EPOCH, "1796688000")]
)
def test_a_statement_on_the_time_of_the_request_is_not_settled_by_a_passing_probe(
    place: Any, condition: dict[str, Any], value: str
) -> None:
    state = healthy_state()
    link, verdict = link_and_verdict(state, place(state, condition))

    assert (link["status"], link["probe_settles"]) == (UNKNOWN, False), link
    assert "Sid UntilMidnight" in link["detail"]
    assert value in link["detail"]  # the date (or epoch) the statement compares
    assert "depends on the time of the request" in link["detail"]
    assert "time of the request" in link["fix"]
    assert verdict == (VERDICT_NOT_CHECKED, True)  # it used to be PASS: the job writes after the probe


def test_a_statement_on_a_key_the_probe_and_the_job_share_is_still_settled_by_it() -> None:
    state = healthy_state()
    link, verdict = link_and_verdict(
        state, in_bucket_policy(state, {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}})
    )

    assert (link["status"], link["probe_settles"]) == (UNKNOWN, True), link
    assert "time of the request" not in link["detail"]
    assert verdict == (VERDICT_PASS, True)
