"""
Proof by disagreement: the verifier against the EMRFS-like writer on randomly broken set-ups.

The writer (``devstack/emrfs_writer.py``) routes each request of a write as EMRFS does and is judged by
principalmapper's policy simulation (``devstack/aws_judge.py``), which shares no code with the
verifier's evaluator. ``make test`` runs a fixed sample of :data:`SAMPLE` cases; the full study
(:data:`STUDY` cases) runs with ``EMRFS_XACCT_STUDY=1`` (``make study``).

The claims: no case where the verifier says PASS and the writer's judge refuses a request (a refusal
by moto itself, after the judge allowed it, must be one of :data:`MOTO_ARTIFACTS`); every case where
the verifier says FAIL and the writer succeeds has one of the explanations in :data:`EXPLAINED`.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.verify import Readers
from devstack.moto_stack import DESTINATION_CONN_ID, EMR_CONN_ID, REGION, airflow_environment
from tests.integration.differential import OPTION_A_FIRST, Outcome, forget_clients, judge

if TYPE_CHECKING:
    from collections.abc import Callable

SEED = 20261129
SAMPLE = 24
STUDY = 500
#: Option (a) cases (``differential.generate_option_a``), numbered from ``OPTION_A_FIRST``: in the sample, in the study.
SAMPLE_A = 12
STUDY_A = 200


def readers() -> Readers:
    return Readers(
        emr_iam=EmrfsIamHook(aws_conn_id=EMR_CONN_ID),
        emr=EmrfsEmrHook(aws_conn_id=EMR_CONN_ID),
        iam=EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID),
        s3=EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID),
        kms=EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID),
    )


#: Why the verifier may say FAIL where the write succeeds.
EXPLAINED: dict[str, Callable[[Outcome], bool]] = {
    # The write succeeds, but the objects belong to the writer's account, not the bucket owner's: the
    # partner does not own what was written (the chain's promise), so the verifier fails it.
    "ownership": lambda outcome: (
        bool(outcome.failing)
        and all(link.startswith("owner of objects") for link in outcome.failing)
        and not outcome.objects_owned_by_bucket_owner
    ),
    # The verifier judges a User or Group mapping's role as if the job ran as that user or group (a "not
    # checked" link says so: checks/principal.py), and the mappings after it as if it did not: each failing
    # link is of a mapping the writer's Hadoop user never reaches, so it fails the writes of another user.
    # The verifier's request list deletes the output's own marker (``p_$folder$``) at job commit, which the writer's
    # list does not (AWS publishes no EMRFS request list: docs/stand_in.md); a Deny of exactly that delete fails the
    # verifier's "job commit" link alone, on the safe side, while the writer never sends it.
    "output-marker-delete": lambda outcome: (
        bool(outcome.failing)
        and all(link.startswith("job commit") for link in outcome.failing)
        and any("s3:DeleteObject" in detail and "out_$folder$" in detail for detail in outcome.case.details)
    ),
    "another-hadoop-user": lambda outcome: (
        bool(outcome.failing_mappings)
        and all(outcome.unreachable_for_the_writer(index) for index in outcome.failing_mappings)
    ),
}

#: Why the writer may be refused although the verifier says PASS: only refusals by moto itself, where
#: the writer's judge allowed the request and moto's partial policy checks did not (never the judge). None
#: is known: moto's bucket policy check that applied statements naming other principals to every caller
#: (case 421 of the study) is now the stand-in's (devstack/aws_policy_principals.py).
MOTO_ARTIFACTS: dict[str, Callable[[Outcome], bool]] = {}


def run(numbers: int | list[int], region: str = REGION) -> list[Outcome]:
    """Judge cases ``0 .. numbers - 1``, or the cases numbered in the list, in ``region`` (and its partition)."""
    url = os.environ["EMRFS_XACCT_MOTO_URL"]
    forget_clients()  # moto was reset for this test
    shared = readers()
    chosen = range(numbers) if isinstance(numbers, int) else numbers
    return [judge(url, shared, number, SEED, region) for number in chosen]


def chosen_cases() -> list[int]:
    """The case numbers of ``EMRFS_XACCT_STUDY_CASES`` ("12,57": re-run those cases of the study alone)."""
    return [int(number) for number in os.environ.get("EMRFS_XACCT_STUDY_CASES", "").split(",") if number.strip()]


def summary(outcomes: list[Outcome]) -> str:
    table = Counter((outcome.verdict, outcome.writer) for outcome in outcomes)
    return ", ".join(f"{verdict}/{writer}: {count}" for (verdict, writer), count in sorted(table.items()))


def check(outcomes: list[Outcome]) -> None:
    # Every failing link says how to fix it (README, "Why this provider").
    without_fix = [
        f"{outcome.line()}: {outcome.failing_without_fix}" for outcome in outcomes if outcome.failing_without_fix
    ]
    assert without_fix == [], "\n".join(without_fix)
    # A PASS where the writer cannot tell (the cluster's settings leave whose credentials the writes get
    # unknown) claims more than is known: it counts as a false PASS too.
    false_pass = [
        outcome.line()
        for outcome in outcomes
        if outcome.verdict == "PASS"
        and outcome.writer != "writes"
        and not any(rule(outcome) for rule in MOTO_ARTIFACTS.values())
    ]
    assert false_pass == [], "\n".join(false_pass)
    unexplained = [
        outcome.line()
        for outcome in outcomes
        if outcome.verdict == "FAIL"
        and outcome.writer == "writes"
        and not any(rule(outcome) for rule in EXPLAINED.values())
    ]
    assert unexplained == [], "\n".join(unexplained)


@pytest.fixture
def moto_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EMRFS_XACCT_MOTO_URL", moto_url)
    return moto_url


def test_a_fixed_sample_of_broken_set_ups(moto_env: str) -> None:
    outcomes = run(SAMPLE)
    print(summary(outcomes))
    for outcome in outcomes:
        print(outcome.line())
    check(outcomes)
    # The sample has every kind of answer: the verifier is not trivially always FAIL or PASS.
    verdicts = {outcome.verdict for outcome in outcomes}
    assert {"PASS", "FAIL"} <= verdicts
    assert any(outcome.writer_success for outcome in outcomes)
    assert any(not outcome.writer_success for outcome in outcomes)


def test_a_fixed_sample_of_broken_option_a_set_ups(moto_env: str) -> None:
    """Option (a): the verifier without a security configuration, the writer as the EMR EC2 role."""
    outcomes = run(list(range(OPTION_A_FIRST, OPTION_A_FIRST + SAMPLE_A)))
    print(summary(outcomes))
    for outcome in outcomes:
        print(outcome.line())
    check(outcomes)
    assert all(outcome.case.option_a and outcome.mappings == [] for outcome in outcomes)
    assert {"PASS", "FAIL"} <= {outcome.verdict for outcome in outcomes}
    assert any(outcome.writer_success for outcome in outcomes)
    assert any(not outcome.writer_success for outcome in outcomes)


def test_the_fixed_sample_in_aws_cn(moto_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    The same cases in ``cn-north-1``: every ARN of the case, the verifier's readers and the writer in ``aws-cn``
    ("ARNs for Amazon Web Services in China"). The claims hold there too.
    """
    for name, value in airflow_environment(moto_env, "cn-north-1").items():
        monkeypatch.setenv(name, value)

    outcomes = run(SAMPLE, "cn-north-1")

    print(summary(outcomes))
    for outcome in outcomes:
        print(outcome.line())
    check(outcomes)
    assert {"PASS", "FAIL"} <= {outcome.verdict for outcome in outcomes}
    assert any(outcome.writer_success for outcome in outcomes)
    assert all(outcome.case.role_arn.startswith("arn:aws-cn:") for outcome in outcomes)


@pytest.mark.skipif(not os.environ.get("EMRFS_XACCT_STUDY"), reason="the full study: EMRFS_XACCT_STUDY=1 (make study)")
def test_the_full_study(moto_env: str) -> None:
    outcomes = run(STUDY)
    option_a = run(list(range(OPTION_A_FIRST, OPTION_A_FIRST + STUDY_A)))
    report = [
        summary(outcomes),
        *(outcome.line() for outcome in outcomes),
        f"option (a): {summary(option_a)}",
        *(outcome.line() for outcome in option_a),
    ]
    outcomes += option_a
    path = os.environ.get("EMRFS_XACCT_STUDY_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as file:
            file.write("\n".join(report) + "\n")
    print("\n".join(report))
    check(outcomes)


@pytest.mark.skipif(not chosen_cases(), reason="cases of the study by number: EMRFS_XACCT_STUDY_CASES=12,57")
def test_chosen_cases_of_the_study(moto_env: str) -> None:
    outcomes = run(chosen_cases())
    print(summary(outcomes))
    for outcome in outcomes:
        print(outcome.line())
    check(outcomes)
