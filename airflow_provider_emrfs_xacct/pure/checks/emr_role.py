"""The EMR EC2 role (the cluster's instance profile role) exists and could be read."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, Unreadable


def audit(state: ChainState) -> list[Link]:
    """Return a link only when the EMR EC2 role is missing or could not be read."""
    if isinstance(state.emr_role, Unreadable):
        return [Link(None, "EMR EC2 role", UNKNOWN, state.emr_role.detail)]
    if state.emr_role is None:
        return [
            Link(
                None,
                "EMR EC2 role",
                FAIL,
                f"the EMR EC2 role {state.emr_ec2_role_name!r} was not found in the EMR account",
                fix="check emr_ec2_role_name (the cluster's JobFlowRole)",
            )
        ]
    if state.emr_role.unreadable:
        return [Link(None, "EMR EC2 role", UNKNOWN, state.emr_role.unreadable)]
    return []
