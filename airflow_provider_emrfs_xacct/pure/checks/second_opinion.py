"""The IAM policy simulator agrees with the local evaluation of the identity side."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.checks.findings import PASS, UNKNOWN, Evaluated, Link

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: What to do when the simulator was throttled or unavailable for now.
RETRY_FIX = "run the verifier again once IAM answers iam:SimulatePrincipalPolicy"
#: A disagreement is about the requests it names, which the live probe (one upload under the prefix, as the mapping it
#: goes through) mostly does not send: a passing probe does not settle it.
DISAGREEMENT_FIX = (
    "compare the role's identity policies with each request named (the simulator and the provider's evaluation "
    "disagree on it, context included); the live probe does not settle it: it sends one upload, not these requests"
)
#: What a note says of a simulator that was asked and did not answer for now (throttled, 5xx, no connection).
NOT_NOW = "throttled or unavailable for now"
#: Context keys that tell apart requests of one action on one resource, named in a disagreement.
DISTINGUISHING_KEYS = ("s3:prefix", "kms:EncryptionContext:aws:s3:arn")


def simulation_key(principal: str, action: str, resource: str, context: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """
    The request the simulator is asked about: principal, action, resource and the context sent with it.

    IAM API Reference, "SimulatePrincipalPolicy": ``ContextEntries`` are the values used "to evaluate" the policies'
    conditions, so the answer holds for that context only (a ``s3:prefix`` per ``ListBucket``, an
    ``kms:EncryptionContext:aws:s3:arn`` per object's data key).
    """
    return principal, action, resource, json.dumps(context, sort_keys=True, default=str)


def _answer(simulations: Mapping[Any, str], item: Evaluated) -> tuple[tuple[str, str, str, str], str | None]:
    """The simulator's answer on ``item``'s request (``None``: not asked)."""
    key = simulation_key(item.principal, item.action, item.resource, item.context)
    return key, simulations.get(key)


def _disagreements(simulations: Mapping[Any, str], evaluated: list[Evaluated]) -> tuple[list[str], int]:
    """The requests on which the simulator and the local side disagree, and how many distinct requests compared."""
    compared: set[tuple[str, str, str, str]] = set()
    disagreements = []
    for item in evaluated:
        key, answer = _answer(simulations, item)
        if answer is None or item.identity_allowed is None or key in compared:
            continue
        compared.add(key)
        if (answer == "allowed") != item.identity_allowed:
            ours = "allowed" if item.identity_allowed else "denied"
            told = ", ".join(f"{name} {item.context[name]}" for name in DISTINGUISHING_KEYS if name in item.context)
            told = f" ({told})" if told else ""
            disagreements.append(
                f"{item.action} on {item.resource}{told} as {item.principal}: simulator {answer}, local {ours}"
            )
    return disagreements, len(compared)


def audit(state: ChainState, evaluated: list[Evaluated]) -> list[Link]:
    """
    Compare the identity side with ``iam:SimulatePrincipalPolicy`` where the connections could ask it.

    Answers are looked up per request, context included (:func:`simulation_key`). No link when no simulator could
    be asked (``state.simulations`` ``None``: not offered, not allowed). One account's simulator not available: the
    link compares the other's answers and names the account not asked (``state.simulation_note``). Asked but not
    answered for now (the note says :data:`NOT_NOW`): the link is not checked, as for a disagreement, so a ``PASS``
    never rests on a second opinion it did not get. Neither is settled by a passing live probe (``probe_settles``):
    the requests in question are the ones named, which the probe's one upload does not send.
    """
    if state.simulations is None:
        return []
    disagreements, compared = _disagreements(state.simulations, evaluated)
    name = "second opinion (iam:SimulatePrincipalPolicy, identity side)"
    found = f"{len(disagreements)} disagreement(s): " + "; ".join(disagreements[:5]) if disagreements else ""
    if NOT_NOW in state.simulation_note:  # asked, and a simulator did not answer every request
        return [
            Link(
                None,
                name,
                UNKNOWN,
                f"not obtained: {state.simulation_note}{'; ' + found if found else ''}",
                fix=RETRY_FIX,
                probe_settles=False,
            )
        ]
    unasked = f"; {state.simulation_note}" if state.simulation_note else ""  # one account's simulator not available
    if disagreements:
        return [Link(None, name, UNKNOWN, f"{found}{unasked}", fix=DISAGREEMENT_FIX, probe_settles=False)]
    # The requests compared, not the simulator's answers: one the local side left undetermined is not agreed on.
    return [Link(None, name, PASS, f"the simulator agrees on {compared} request(s){unasked}")]
