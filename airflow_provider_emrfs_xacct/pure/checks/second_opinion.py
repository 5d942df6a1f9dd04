"""The IAM policy simulator agrees with the local evaluation of the identity side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.findings import PASS, PROBE_FIX, UNKNOWN, Evaluated, Link

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: What to do when the simulator was throttled or unavailable for now.
RETRY_FIX = "run the verifier again once IAM answers iam:SimulatePrincipalPolicy, or run the live probe (probe=True)"


def audit(state: ChainState, evaluated: list[Evaluated]) -> list[Link]:
    """
    Compare the identity side with ``iam:SimulatePrincipalPolicy`` where the connection could ask it.

    No link when it could not be asked (``state.simulations`` ``None``: not offered, not allowed). Asked but not
    answered for now (``state.simulations`` set, with ``state.simulation_note`` saying it was throttled or
    unavailable once the retries ran out): the link is not checked, as for a disagreement, so a ``PASS`` never
    rests on a second opinion it did not get.
    """
    if state.simulations is None:
        return []
    disagreements = []
    compared = 0
    for item in evaluated:
        answer = state.simulations.get((item.principal, item.action, item.resource))
        if answer is None or item.identity_allowed is None:
            continue
        compared += 1
        if (answer == "allowed") != item.identity_allowed:
            ours = "allowed" if item.identity_allowed else "denied"
            disagreements.append(
                f"{item.action} on {item.resource} as {item.principal}: simulator {answer}, local {ours}"
            )
    name = "second opinion (iam:SimulatePrincipalPolicy, identity side)"
    if state.simulation_note:  # asked, and the simulator did not answer every request
        found = f"; {len(disagreements)} disagreement(s): " + "; ".join(disagreements[:5]) if disagreements else ""
        return [Link(None, name, UNKNOWN, f"not obtained: {state.simulation_note}{found}", fix=RETRY_FIX)]
    if disagreements:
        return [
            Link(
                None,
                name,
                UNKNOWN,
                f"{len(disagreements)} disagreement(s): " + "; ".join(disagreements[:5]),
                fix=PROBE_FIX,
            )
        ]
    # The requests compared, not the simulator's answers: one the local side left undetermined is not agreed on.
    return [Link(None, name, PASS, f"the simulator agrees on {compared} request(s)")]
