"""
A rerun with nothing to write is not refused for a document's length as the provider counts it.

IAM holds the document, so IAM took its length (IAM User Guide, "IAM and AWS STS quotas": a role trust policy up to
4,096 characters when raised, all inline policies of a role 10,240; "IAM doesn't count white space"). The provider
counts on the safe side, a character it sends escaped as the six it is sent as (``merge.iam_policy_length``): a
no-break space someone wrote as itself, which IAM takes ("characters in the range U+0020 to U+00FF") and the stand-in
counts once, is six there. The quota check is for what a run writes, so a rerun that finds every grant in place
writes nothing and raises nothing, as a bucket policy's (``test_bucket_policy_beyond_ascii.py``). A run that has
something to add is still judged, at the shortest text IAM takes (``merge.policy_size``: the no-break spaces as
themselves; IAM API Reference, "UpdateAssumeRolePolicy" and "PutRolePolicy", ``PolicyDocument``: "The printable
characters in the Basic Latin and Latin-1 Supplement character set (through \\u00FF)"), and refused when the
addition does not fit even so, as the stand-in's judge (``devstack/aws_quotas.py``) refuses that text put directly.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_ROLE_INLINE_POLICIES_CHARS,
    MAX_TRUST_POLICY_CHARS,
    iam_policy_length,
)
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
#: What the padding leaves of a quota as IAM counts: fewer characters than any ARN a grant adds.
ROOM_LEFT = 10


def with_padding(document: dict[str, Any], statement: dict[str, Any]) -> str:
    """``document`` with ``statement`` added, as text with every character as itself (the no-break spaces too)."""
    return json.dumps({**document, "Statement": [*document["Statement"], statement]}, ensure_ascii=False)


def padded_to(document: dict[str, Any], statement: dict[str, Any], size: int) -> str:
    """:func:`with_padding`, the condition of ``statement`` filled with no-break spaces to ``size`` as IAM counts."""
    base = iam_characters(with_padding(document, statement))
    statement["Condition"]["StringEquals"]["aws:PrincipalTag/note"] = NBSP * (size - base)
    text = with_padding(document, statement)
    assert iam_characters(text) == size
    return text


@pytest.fixture
def trusted_role(aws: Seeded) -> tuple[Any, str]:
    """
    The role trusting ``EMR_ROLE``, and a partner statement of no-break spaces: ``ROOM_LEFT`` characters under 4,096
    as IAM counts (each once), far past it as the provider's usual text counts (each escaped, six).
    """
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
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": ""}},
    }
    text = padded_to(trust, padding, MAX_TRUST_POLICY_CHARS - ROOM_LEFT)
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=text)  # IAM (the stand-in) takes it
    assert iam_policy_length(json.loads(text)) > MAX_TRUST_POLICY_CHARS  # past it as the provider's usual text
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


def test_a_trust_change_past_4096_as_iam_counts_is_still_refused(trusted_role: tuple[Any, str]) -> None:
    """
    Ten characters left under 4,096: another trusted role does not fit even with the no-break spaces as themselves.
    The stand-in refuses that text put directly; the grant is refused naming trusted_role_arns, nothing written.
    """
    iam, _ = trusted_role
    before = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    added = json.loads(json.dumps(before))
    [ours] = [statement for statement in added["Statement"] if statement.get("Sid") == documents.TRUST_SID]
    ours["Principal"]["AWS"] = [*documents.as_list(ours["Principal"]["AWS"]), OTHER_EMR_ROLE]
    shortest = json.dumps(added, ensure_ascii=False, separators=(",", ":"))
    assert iam_characters(shortest) > MAX_TRUST_POLICY_CHARS
    with pytest.raises(ClientError, match="LimitExceeded"):
        iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=shortest)

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            ROLE_NAME, [EMR_ROLE, OTHER_EMR_ROLE], settings=SETTINGS
        )

    assert refused.value.field == "trusted_role_arns"
    assert MAX_TRUST_POLICY_CHARS < refused.value.amount < MAX_TRUST_POLICY_CHARS + 2 * len(OTHER_EMR_ROLE)
    assert recorder.mutating == []
    assert iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"] == before


@pytest.fixture
def inline_policy(trusted_role: tuple[Any, str], aws: Seeded) -> Any:
    """
    The destination role's inline policy, with a partner statement of no-break spaces: ``ROOM_LEFT`` characters under
    10,240 as IAM counts (each once; the role has no other inline policy), far past it as the provider's usual text.
    """
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
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": ""}},
    }
    assert iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"] == [name]
    text = padded_to(policy, padding, MAX_ROLE_INLINE_POLICIES_CHARS - ROOM_LEFT)
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=name, PolicyDocument=text)  # IAM (the stand-in) takes it
    assert iam_policy_length(json.loads(text)) > MAX_ROLE_INLINE_POLICIES_CHARS  # past it as the usual text
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


def test_an_inline_change_past_10240_as_iam_counts_is_still_refused(inline_policy: Any, aws: Seeded) -> None:
    """
    Ten characters left under 10,240: another prefix does not fit even with the no-break spaces as themselves. The
    stand-in refuses the policy with no more than the prefix's object ARN added; the grant, which adds that and more,
    is refused naming s3_prefixes, nothing written.
    """
    name = documents.DESTINATION_POLICY_NAME
    more = parse_s3_location(f"s3://{BUCKET}/exports/partner-b/", "s3_prefixes")
    before = inline_policy.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"]
    added = json.loads(json.dumps(before))
    held_arn, added_arn = (f"arn:aws:s3:::{BUCKET}/exports/{partner}/*" for partner in ("partner-a", "partner-b"))
    [objects] = [item for item in added["Statement"] if held_arn in documents.as_list(item.get("Resource"))]
    objects["Resource"] = [*documents.as_list(objects["Resource"]), added_arn]
    least = json.dumps(added, ensure_ascii=False, separators=(",", ":"))
    assert iam_characters(least) > MAX_ROLE_INLINE_POLICIES_CHARS
    with pytest.raises(ClientError, match="LimitExceeded"):
        inline_policy.put_role_policy(RoleName=ROLE_NAME, PolicyName=name, PolicyDocument=least)

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [LOCATION, more], [aws.kms_key_arn], settings=SETTINGS
        )

    assert refused.value.field == "s3_prefixes"
    assert iam_characters(least) <= refused.value.amount < MAX_ROLE_INLINE_POLICIES_CHARS + 1000
    assert recorder.mutating == []
    assert inline_policy.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"] == before
