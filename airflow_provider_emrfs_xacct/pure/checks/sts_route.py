"""The cluster reaches the STS endpoint EMRFS calls for the mapped roles' credentials."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, Unreadable
from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED

#: The link status of each answer of ``pure/network.py``.
LINK_STATUS = {"PASS": PASS, "FAIL": FAIL, NOT_CHECKED: UNKNOWN}


def audit(state: ChainState) -> list[Link]:
    """
    The cluster reaches the STS endpoint EMRFS calls for the mapped roles' credentials.

    Releases 5.31.0/6.1.0 and later call the Regional endpoint (Amazon EMR Release Guide, "Managing the
    default AWS Security Token Service endpoint"): a cluster in a private subnet needs an STS interface
    endpoint or a NAT route, or every mapped request fails. A default route to a transit gateway, a
    Gateway Load Balancer endpoint and the like is egress not seen: not checked (``pure/network.py``). An STS
    interface endpoint counts only while the VPC's DNS attributes its private DNS needs are on and its security
    groups let the cluster in on HTTPS; unread, or a source the check cannot tie to the cluster, the link is
    not checked.
    """
    found = state.sts_reachability
    if found is None:
        return []
    if isinstance(found, Unreadable):
        return [Link(None, "cluster reaches STS", UNKNOWN, found.detail, fix="allow ec2:Describe* to check it")]
    status = LINK_STATUS[found.status]
    return [Link(None, "cluster reaches STS", status, f"{found.endpoint}: {found.detail}", fix=found.fix)]
