"""
What a bucket policy still lets a revoked role write (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.kept_writes`).

The revoke takes out the provider's statements only; a statement someone else wrote that names the role, its account
or everyone stays, and with the role's own policies allowing it the writes go on (IAM User Guide, "Cross-account
policy evaluation logic": the bucket policy and the caller's identity policies must both allow). An explicit
``Deny`` ends them (IAM User Guide, "Policy evaluation logic": "An explicit deny in any policy overrides any allows").
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure import bucket_policy
from airflow_provider_emrfs_xacct.pure.validation import S3Location

ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
OTHER = "arn:aws:iam::111111111111:role/JobFlowRole"
LOCATION = S3Location("b", "exports/")


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: Any, resource: Any, **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": resource, **more}


def kept(document: dict[str, Any] | None, principal: str = ROLE) -> list[tuple[str, bool]]:
    return [(kept.resource, kept.certain) for kept in bucket_policy.kept_writes(document, principal, "b", {LOCATION})]


def test_the_provider_s_own_statements_revoked_leave_nothing() -> None:
    granted = bucket_policy.grant(None, "aws", ROLE, {LOCATION})
    assert ("arn:aws:s3:::b/exports/part-00000", True) in kept(granted)  # before the revoke: the grant's own
    assert kept(bucket_policy.revoke(granted, ROLE)) == []


def test_a_hand_written_statement_naming_the_role_keeps_the_granted_prefix() -> None:
    granted = bucket_policy.grant(None, "aws", ROLE, {LOCATION})
    granted["Statement"].append(allow({"AWS": ROLE}, "arn:aws:s3:::b/exports/*", Sid="Legacy"))
    left = bucket_policy.revoke(granted, ROLE)
    found = bucket_policy.kept_writes(left, ROLE, "b", {LOCATION})
    assert [kept.resource for kept in found] == ["arn:aws:s3:::b/exports/part-00000", "arn:aws:s3:::b/exports/x"]
    assert all(kept.certain and kept.statement["Sid"] == "Legacy" for kept in found)


def test_a_statement_on_another_prefix_is_found_from_its_resource() -> None:
    """The revoke knows the prefixes the provider granted; one someone else granted is read from the statement."""
    document = policy(allow({"AWS": ROLE}, "arn:aws:s3:::b/archive/2024-*/data.csv"))
    assert kept(document) == [("arn:aws:s3:::b/archive/2024-x/data.csv", True)]


def test_the_role_s_account_and_everyone_keep_it_too() -> None:
    assert kept(policy(allow({"AWS": "111111111111"}, "arn:aws:s3:::b/*"))) != []
    assert kept(policy(allow("*", "arn:aws:s3:::b/*"))) != []
    assert kept(policy(allow({"AWS": "arn:aws:iam::111111111111:root"}, "*"))) == [
        ("arn:aws:s3:::b/exports/part-00000", True),
        ("arn:aws:s3:::b/part-00000", True),
    ]


def test_another_role_or_account_or_a_read_keeps_nothing() -> None:
    assert kept(policy(allow({"AWS": OTHER}, "arn:aws:s3:::b/*"))) == []
    assert kept(policy(allow({"AWS": "222222222222"}, "arn:aws:s3:::b/*"))) == []
    assert kept(policy({**allow({"AWS": ROLE}, "arn:aws:s3:::b/*"), "Action": "s3:GetObject"})) == []
    assert kept(policy(allow({"AWS": ROLE}, "arn:aws:s3:::other-bucket/*"))) == []


def test_an_explicit_deny_ends_it_and_a_conditional_one_leaves_it_uncertain_naming_the_allow() -> None:
    grant = allow({"AWS": ROLE}, "arn:aws:s3:::b/*")
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
    assert kept(policy(grant, deny)) == []
    conditional = {**deny, "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}
    found = bucket_policy.kept_writes(policy(grant, conditional), ROLE, "b", {LOCATION})
    assert len(found) == 3  # under the granted prefix, at the root, and the statement's own b/x
    assert all(not kept.certain and kept.statement == grant for kept in found)


def test_a_conditional_allow_may_keep_it() -> None:
    document = policy(allow({"AWS": ROLE}, "arn:aws:s3:::b/*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    found = bucket_policy.kept_writes(document, ROLE, "b", {LOCATION})
    assert found
    assert all(not kept.certain for kept in found)


def test_no_policy_keeps_nothing() -> None:
    assert kept(None) == []
