"""
A rerun with nothing to write is not refused for a document's length as the provider counts it.

IAM holds the document, so IAM took its length (IAM User Guide, "IAM and AWS STS quotas": a role trust policy up to
4,096 characters when raised, all inline policies of a role 10,240; "IAM doesn't count white space"). The provider
counts on the safe side, a character it sends escaped as the six it is sent as (``merge.iam_policy_length``): a
no-break space someone wrote as itself, which IAM takes ("characters in the range U+0020 to U+00FF") and the stand-in
counts once, is six there. The quota check is for what a run writes, so a rerun that finds every grant in place
writes nothing and raises nothing, as a bucket policy's (``test_bucket_policy_beyond_ascii.py``); a run that has
something to write is still judged.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import MAX_ROLE_INLINE_POLICIES_CHARS, MAX_TRUST_POLICY_CHARS
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from devstack.aws_quotas import iam_characters, raise_iam_quota
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import CallRecorder

ROLE_NAME = "partner-a-writer"
EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-00"
OTHER_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-01"
AUDIT_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/partner-audit"
LOCATION = parse_s3_location(f"s3://{BUCKET}/exports/partner-a/", "s3_prefixes")
SETTINGS = ConvergeSettings(settle_seconds=0)
NBSP = "\u00a0"


def with_padding(document: dict[str, Any], statement: dict[str, Any]) -> str:
    """``document`` with ``statement`` added, as text with every character as itself (the no-break spaces too)."""
    return json.dumps({**document, "Statement": [*document["Statement"], statement]}, ensure_ascii=False)


@pytest.fixture
def trusted_role(aws: Seeded) -> tuple[Any, str]:
    """The role trusting ``EMR_ROLE``, and a partner statement padded past 4,096 as the provider counts it."""
    create_principals(aws.url, EMR_ROLE, OTHER_EMR_ROLE, AUDIT_ROLE)
    raise_iam_quota(DESTINATION_ACCOUNT, "AssumeRolePolicySizeQuota", MAX_TRUST_POLICY_CHARS)
    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(ROLE_NAME, [EMR_ROLE], settings=SETTINGS)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    padding = {
        "Sid": "PartnerAudit",
        "Effect": "Allow",
        "Principal": {"AWS": AUDIT_ROLE},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": NBSP * 3000}},
    }
    text = with_padding(trust, padding)
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=text)
    assert iam_characters(text) <= MAX_TRUST_POLICY_CHARS  # IAM (the stand-in) took it
    return iam, text


def test_a_trust_rerun_with_nothing_to_add_writes_nothing_and_raises_nothing(trusted_role: tuple[Any, str]) -> None:
    iam, _ = trusted_role
    before = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]

    with CallRecorder().everywhere() as recorder:
        _, changes = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            ROLE_NAME, [EMR_ROLE], settings=SETTINGS
        )

    assert changes == []
    assert recorder.mutating == []
    assert iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"] == before


def test_a_trust_change_past_the_providers_count_is_still_refused(trusted_role: tuple[Any, str]) -> None:
    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            ROLE_NAME, [EMR_ROLE, OTHER_EMR_ROLE], settings=SETTINGS
        )

    assert refused.value.field == "trusted_role_arns"
    assert recorder.mutating == []


@pytest.fixture
def inline_policy(trusted_role: tuple[Any, str], aws: Seeded) -> Any:
    """The destination role's inline policy, with a partner statement padded past 10,240 as the provider counts it."""
    iam, _ = trusted_role
    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
        ROLE_NAME, [LOCATION], [aws.kms_key_arn], settings=SETTINGS
    )
    name = documents.DESTINATION_POLICY_NAME
    policy = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"]
    padding = {
        "Sid": "PartnerGuard",
        "Effect": "Deny",
        "Action": "s3:DeleteBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": NBSP * 7000}},
    }
    text = with_padding(policy, padding)
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=name, PolicyDocument=text)
    assert iam_characters(text) <= MAX_ROLE_INLINE_POLICIES_CHARS  # IAM (the stand-in) took it
    return iam


def test_an_inline_rerun_with_nothing_to_add_writes_nothing_and_raises_nothing(inline_policy: Any, aws: Seeded) -> None:
    name = documents.DESTINATION_POLICY_NAME
    before = inline_policy.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"]

    with CallRecorder().everywhere() as recorder:
        changes = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [LOCATION], [aws.kms_key_arn], settings=SETTINGS
        )

    assert changes == []
    assert recorder.mutating == []
    assert inline_policy.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"] == before


def test_an_inline_change_past_the_providers_count_is_still_refused(inline_policy: Any, aws: Seeded) -> None:
    more = parse_s3_location(f"s3://{BUCKET}/exports/partner-b/", "s3_prefixes")

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [LOCATION, more], [aws.kms_key_arn], settings=SETTINGS
        )

    assert refused.value.field == "s3_prefixes"
    assert recorder.mutating == []
