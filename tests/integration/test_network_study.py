"""
The verifier's network links against the stand-in's network judge on random VPC layouts (``network_study.py``).

``make test`` runs a fixed sample of :data:`SAMPLE` layouts; the full study (:data:`STUDY` layouts) runs with
``EMRFS_XACCT_NET_STUDY=1`` (``make net-study``).

The claims, for ``cluster reaches STS`` and ``cluster reaches s3://BUCKET`` each: no PASS where the judge finds the
way blocked or cannot tell (a false PASS), no FAIL where the judge finds it reached (a false FAIL, which stops a
working pipeline); and no verdict PASS where the writer's request is refused or its outcome is unknown. A link
"not checked" where the judge is certain is counted and printed, not failed.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from devstack.moto_stack import REGION
from tests.integration.differential import forget_clients
from tests.integration.network_study import Outcome, judge
from tests.integration.test_differential import readers

SEED = 20261201
SAMPLE = 16
STUDY = 300
#: The judge's answer each link status must not meet.
CONTRADICTS = {"pass": ("blocked", "cannot tell"), "fail": ("reaches",)}


def run(numbers: int | list[int]) -> list[Outcome]:
    url = os.environ["EMRFS_XACCT_MOTO_URL"]
    forget_clients()
    shared = readers()
    chosen = range(numbers) if isinstance(numbers, int) else numbers
    return [judge(url, shared, number, SEED) for number in chosen]


def table(outcomes: list[Outcome]) -> str:
    rows = Counter(
        (link, status, judged)
        for outcome in outcomes
        for link, status, judged in (
            ("STS", outcome.sts_link, outcome.sts_judge),
            ("S3", outcome.s3_link, outcome.s3_judge),
            ("verdict", outcome.verdict, outcome.writer),
        )
    )
    return "\n".join(
        f"{link:8} {status:12} {judged:12} {count}" for (link, status, judged), count in sorted(rows.items())
    )


def defects(outcomes: list[Outcome]) -> list[str]:
    found = []
    for outcome in outcomes:
        for link, status, judged in (
            ("STS", outcome.sts_link, outcome.sts_judge),
            ("S3", outcome.s3_link, outcome.s3_judge),
        ):
            if status == "missing" or judged in CONTRADICTS.get(status, ()):
                found.append(f"{link} {status} where the judge says {judged}: {outcome.line()}")
        if outcome.verdict == "PASS" and outcome.writer != "writes":
            found.append(f"verdict PASS where the writer {outcome.writer}: {outcome.line()}")
    return found


@pytest.fixture
def moto_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EMRFS_XACCT_MOTO_URL", moto_url)
    return moto_url


def test_a_fixed_sample_of_network_layouts(moto_env: str) -> None:
    outcomes = run(SAMPLE)
    assert defects(outcomes) == []


@pytest.mark.skipif(not os.environ.get("EMRFS_XACCT_NET_STUDY"), reason="the full network study: make net-study")
def test_full_network_study(moto_env: str) -> None:
    chosen = [int(n) for n in os.environ.get("EMRFS_XACCT_NET_STUDY_CASES", "").split(",") if n.strip()]
    outcomes = run(chosen or STUDY)
    print(f"\nnetwork study, {len(outcomes)} layouts in {REGION} (link, verifier, judge, count):\n{table(outcomes)}")
    certain = [
        o.line()
        for o in outcomes
        for s, j in ((o.sts_link, o.sts_judge), (o.s3_link, o.s3_judge))
        if s == "not checked" and j != "cannot tell"
    ]
    print(f"not checked where the judge is certain: {len(certain)}")
    for line in certain:
        print("  " + line)
    found = defects(outcomes)
    assert found == [], "\n".join(found)
