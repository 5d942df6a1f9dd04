"""
A live probe whose wait ended before its steps did: judged by the steps' states before the verifier cancelled them.

Amazon EMR API Reference, "StepStatus" (State ``PENDING | CANCEL_PENDING | RUNNING | COMPLETED | CANCELLED | FAILED |
INTERRUPTED``); "pending steps in queue transition to running state in the order they were submitted" (Amazon EMR
Management Guide, "Considerations for running multiple steps in parallel"): a step still ``PENDING`` never started.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.verify import cut_short_probe, with_probe
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    PROBE_DID_NOT_RUN_FIX,
    PROBE_NOT_CHECKED_FIX,
    cut_short,
    probe_not_checked,
    verdict_with_probe,
)
from tests.unit.operators.test_verify import links_pass_report


def abandoned(*states: str | None, key: str = "state_before_cancel") -> dict[str, Any]:
    """``verify.abandon_probe``'s outcomes of steps first read in ``states``, each cancelled since."""
    return {
        f"s3://b/p/_emrfs_xacct_probe/{index}": {"step": f"s-{index}", "state": "CANCELLED", key: state}
        for index, state in enumerate(states)
    }


@pytest.mark.parametrize(
    "states",
    [
        {"s-1": "FAILED"},
        {"s-1": "INTERRUPTED"},
        {"s-1": "PENDING", "s-2": "FAILED"},
        {"s-1": None, "s-2": "INTERRUPTED"},
        {"s-1": "RUNNING", "s-2": "FAILED"},
    ],
)
def test_a_step_that_failed_fails_the_probe(states: dict[str, str | None]) -> None:
    assert cut_short(states) is None


def test_steps_all_still_pending_did_not_run() -> None:
    why = cut_short({"s-1": "PENDING", "s-2": "PENDING"})
    assert why is not None
    assert why.startswith("the probe did not run: its step(s) s-1, s-2 were still PENDING")


@pytest.mark.parametrize(
    ("states", "said"),
    [
        ({"s-1": "RUNNING"}, "step s-1 was RUNNING when cancelled"),
        ({"s-1": "CANCEL_PENDING"}, "step s-1 was CANCEL_PENDING when cancelled"),
        ({"s-1": None}, "step s-1 in a state not read"),
        ({"s-1": "CANCELLED"}, "step s-1 was already CANCELLED"),
        ({"s-1": "COMPLETED", "s-2": "PENDING"}, "step s-1 COMPLETED, its object deleted before it was checked"),
        ({}, "the states of its steps were not read"),
    ],
)
def test_a_step_that_may_have_run_leaves_the_probe_not_known(states: dict[str, str | None], said: str) -> None:
    why = cut_short(states)
    assert why is not None
    assert why.startswith("whether the probe's writes went through is not known: ")
    assert said in why


def test_a_probe_that_did_not_run_is_not_checked_with_how_to_let_it_run() -> None:
    probe = cut_short_probe(["the probe step did not complete: max attempts"], abandoned("PENDING"))

    assert probe["ok"] is None
    assert probe["problems"] == ["the probe step did not complete: max attempts"]
    assert probe["abandoned"] == abandoned("PENDING")
    assert probe_not_checked(probe) == [
        {"what": f"live probe: {probe['not_checked'][0]}", "how": PROBE_DID_NOT_RUN_FIX}
    ]
    report = with_probe(links_pass_report(), probe)
    assert (report["verdict"], report["healthy"]) == ("NOT_CHECKED", True)
    assert verdict_with_probe(report["links"], probe) == ("NOT_CHECKED", True)


def test_a_probe_with_a_failed_step_stays_failed() -> None:
    probe = cut_short_probe(["the probe step did not complete: step s-0 FAILED"], abandoned("FAILED"))

    assert (probe["ok"], "not_checked" in probe) == (False, False)
    assert (with_probe(links_pass_report(), probe)["verdict"]) == "FAIL"


def test_a_failure_the_wait_saw_counts_when_the_clean_up_could_not_read_the_state() -> None:
    assert cut_short_probe(["..."], abandoned(None))["ok"] is None
    assert cut_short_probe(["..."], abandoned(None), {"s-0": "FAILED"})["ok"] is False
    # Only a failure: a state the wait saw earlier (PENDING) may have moved on before the cancel.
    assert "did not run" not in cut_short_probe(["..."], abandoned(None), {"s-0": "PENDING"})["not_checked"][0]
    assert cut_short_probe(["..."], None, {"s-0": "INTERRUPTED"})["ok"] is False


def test_outcomes_without_the_state_before_the_cancel_are_not_known() -> None:
    # A trigger's event from before the state was kept: CANCELLED is its state after its own cancel.
    probe = cut_short_probe(["..."], abandoned("PENDING", key="older"))
    assert probe["ok"] is None
    assert "in a state not read" in probe["not_checked"][0]
    assert cut_short_probe(["steps lost"], None)["ok"] is None


def test_other_probes_not_checked_keep_their_fix() -> None:
    probe = {"ok": None, "problems": [], "objects": {}, "not_checked": ["the owner: refused"]}
    assert probe_not_checked(probe) == [{"what": "live probe: the owner: refused", "how": PROBE_NOT_CHECKED_FIX}]
