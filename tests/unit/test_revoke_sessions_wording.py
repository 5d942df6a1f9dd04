"""
What ``emrfs-xacct revoke`` says of the sessions of whom else the trust still lets assume the role (``also_trusted``).

``MaxSessionDuration`` bounds what an ``AssumeRole*`` caller may request, and "IAM role credentials provided by Amazon
EC2 instances assigned to the role are not subject to the specified maximum session duration" (IAM API Reference,
"UpdateRole", ``MaxSessionDuration``): a service's credentials are not bounded by it, so "12 hours at most" is wrong
for them.
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.cli import _sessions_message

RESULT = {"sessions_may_last_until": "2026-01-01T01:00:00Z", "also_trusted": ["Service: ec2.amazonaws.com"]}


def test_also_trusted_sessions_are_bounded_for_assume_role_callers_only() -> None:
    message = _sessions_message(RESULT, "revoked", "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole")

    assert "still lets Service: ec2.amazonaws.com assume it (also_trusted)" in message
    assert (
        "their sessions (up to the role's MaxSessionDuration for AssumeRole callers; not bounded by it for a "
        "service's credentials) are not bounded by sessions_may_last_until." in message
    )
    assert "12 hours at most" not in message


def test_no_one_else_says_nothing_of_them() -> None:
    message = _sessions_message({**RESULT, "also_trusted": []}, "revoked", "role")

    assert "also_trusted" not in message
