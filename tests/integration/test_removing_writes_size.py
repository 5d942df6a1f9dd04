"""
A write that only removes never sends more text than AWS holds, and is not refused by the provider's own size check.

Against the two-account moto server, whose size judges (``devstack/aws_quotas.py``) count what they are sent as AWS
documents: IAM in characters without white space (IAM User Guide, "IAM and AWS STS quotas": "IAM doesn't count white
space"), KMS in bytes (AWS KMS API Reference, "PutKeyPolicy": "The key policy size quota is 32 kilobytes (32768
bytes)"). Both take a no-break space (U+00A0) as itself: IAM API Reference, "UpdateAssumeRolePolicy" and
"PutRolePolicy", ``PolicyDocument``: "The printable characters in the Basic Latin and Latin-1 Supplement character set
(through \\u00FF)"; AWS KMS API Reference, "PutKeyPolicy", ``Policy``: "Printable characters in the Basic Latin and
Latin-1 Supplement character set". The provider's usual text sends it escaped, six characters for one: a partner's
statement padded with them, held well within the quota, would go past it on a revoke that only removes. Each write
below is sent once, no longer than what was read, the padding kept as it was.
"""

from __future__ import annotations

import json
from typing import Any

import moto.kms.models
import pytest

from airflow_provider_emrfs_xacct.hooks.iam import MANAGED_BY_TAG, EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    MAX_ROLE_INLINE_POLICIES_CHARS,
    MAX_TRUST_POLICY_CHARS,
    iam_policy_length,
    policy_text,
)
from airflow_provider_emrfs_xacct.pure.quotas import QuotaRefusedByAwsError
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from devstack.aws_quotas import KEY_POLICY_BYTES, iam_characters, raise_iam_quota
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    REGION,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import CallRecorder

#: A short wait for what the old code retried: its failure shows in seconds, not the default minute.
SETTINGS = ConvergeSettings(settle_seconds=0, consistency_wait_seconds=2, first_backoff_seconds=0.1)
NBSP = "\u00a0"
ROLE_NAME = "partner-a-writer"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-00"
OTHER_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-01"
AUDIT_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/partner-audit"
PARTNER_A = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-a-writer"
PARTNER_B = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"


def padded(document: dict[str, Any], statement: dict[str, Any]) -> str:
    """``document`` with ``statement`` added, as text with every character as itself (the no-break spaces too)."""
    return json.dumps({**document, "Statement": [*document["Statement"], statement]}, ensure_ascii=False)


def guard(count: int) -> dict[str, Any]:
    """A partner's Deny holding ``count`` no-break spaces."""
    return {
        "Sid": "PartnerGuard",
        "Effect": "Deny",
        "Action": "s3:DeleteBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": NBSP * count}},
    }


def test_a_trust_revoke_sends_no_more_than_iam_holds(aws: Seeded) -> None:
    """3,000 no-break spaces, the quota raised to 4,096: the revoke of one of two roles is sent, within it."""
    create_principals(aws.url, EMR_ROLE, OTHER_EMR_ROLE, AUDIT_ROLE)
    raise_iam_quota(DESTINATION_ACCOUNT, "AssumeRolePolicySizeQuota", MAX_TRUST_POLICY_CHARS)
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    hook.ensure_role_trusts(ROLE_NAME, [EMR_ROLE, OTHER_EMR_ROLE], settings=SETTINGS)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    audit = {
        "Sid": "PartnerAudit",
        "Effect": "Allow",
        "Principal": {"AWS": AUDIT_ROLE},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": NBSP * 3000}},
    }
    text = padded(iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"], audit)
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=text)
    assert iam_characters(text) <= MAX_TRUST_POLICY_CHARS < iam_characters(policy_text(json.loads(text)))

    with CallRecorder().everywhere() as recorder:
        changes = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).revoke_role_trust(
            ROLE_ARN, (EMR_ACCOUNT, "emr-ec2-pipeline-01"), settings=SETTINGS
        )

    assert changes
    assert recorder.mutating == ["UpdateAssumeRolePolicy"]
    [sent] = [params["PolicyDocument"] for params in recorder.params_of("UpdateAssumeRolePolicy")]
    assert iam_characters(sent) <= iam_characters(text)
    after = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    assert audit in after["Statement"]
    ours = next(item for item in after["Statement"] if item.get("Sid") == documents.TRUST_SID)
    assert documents.as_list(ours["Principal"]["AWS"]) == [EMR_ROLE]


def seed_key_policy(aws: Seeded, padding: str) -> tuple[str, dict[str, Any]]:
    """The key policy with both partners as key users and a partner statement holding ``padding``, as KMS holds it."""
    theirs = {
        "Sid": "PartnerAudit",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": padding}},
    }
    statements = [*aws.key_policy["Statement"], theirs, documents.key_users_statement([PARTNER_A, PARTNER_B])]
    text = json.dumps({**aws.key_policy, "Statement": statements}, ensure_ascii=False)
    key_id = aws.kms_key_arn.rpartition("/")[2]
    moto.kms.models.kms_backends[DESTINATION_ACCOUNT][REGION].keys[key_id].policy = text
    return text, theirs


def test_a_key_users_revoke_sends_no_more_bytes_than_kms_holds(aws: Seeded) -> None:
    """10,000 no-break spaces: about 21 KB as KMS holds them, about 61 KB escaped."""
    create_principals(aws.url, PARTNER_A, PARTNER_B)
    text, theirs = seed_key_policy(aws, NBSP * 10_000)
    assert len(text.encode()) <= KEY_POLICY_BYTES < len(policy_text(json.loads(text)).encode())

    with CallRecorder().everywhere() as recorder:
        changes = EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).revoke_key_users(
            aws.kms_key_arn, [PARTNER_B], settings=SETTINGS
        )

    assert changes
    assert recorder.mutating == ["PutKeyPolicy"]
    [sent] = [params["Policy"] for params in recorder.params_of("PutKeyPolicy")]
    assert len(sent.encode()) <= len(text.encode())
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    held = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    assert theirs in held["Statement"]
    [ours] = [item for item in held["Statement"] if item.get("Sid") == documents.KEY_USERS_SID]
    assert documents.as_list(ours["Principal"]["AWS"]) == [PARTNER_A]


def test_an_inline_ensure_that_only_drops_a_removed_prefix_is_sent_and_not_refused(aws: Seeded) -> None:
    """
    A prefix of another bucket taken out of ``EmrfsXacctObjects`` by hand: its bucket's grants left behind go on the
    next grant, which only removes, in a policy padded past 10,240 as the provider counts it (not as IAM does).
    """
    create_principals(aws.url, EMR_ROLE)
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    hook.ensure_role_trusts(ROLE_NAME, [EMR_ROLE], settings=SETTINGS)
    kept = parse_s3_location(f"s3://{BUCKET}/exports/partner-a/", "s3_prefixes")
    gone = parse_s3_location("s3://partner-archive-b/exports/partner-a/", "s3_prefixes")
    hook.ensure_destination_access(ROLE_NAME, [kept, gone], [aws.kms_key_arn], settings=SETTINGS)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    name = documents.DESTINATION_POLICY_NAME
    policy = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"]
    objects = next(item for item in policy["Statement"] if item.get("Sid") == documents.OBJECTS_SID)
    objects["Resource"] = [arn for arn in objects["Resource"] if "partner-archive-b" not in arn]  # by hand
    text = padded(policy, guard(7_000))
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=name, PolicyDocument=text)
    assert iam_characters(text) <= MAX_ROLE_INLINE_POLICIES_CHARS < iam_policy_length(json.loads(text))

    with CallRecorder().everywhere() as recorder:
        changes = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [kept], [aws.kms_key_arn], settings=SETTINGS
        )

    assert changes
    assert recorder.mutating == ["PutRolePolicy"]
    [sent] = [params["PolicyDocument"] for params in recorder.params_of("PutRolePolicy")]
    assert iam_characters(sent) <= iam_characters(text)
    after = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"]
    assert guard(7_000) in after["Statement"]
    assert "partner-archive-b" not in json.dumps(after)
    assert BUCKET in json.dumps(after)


SPILL_NAME = spill.spill_name(documents.ASSUME_POLICY_NAME, EMR_EC2_ROLE, 2)
SPILL_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:policy{spill.SPILL_PATH}{SPILL_NAME}"


@pytest.fixture
def padded_spill(aws: Seeded) -> tuple[Any, str]:
    """The provider's spill policy granting both partners, someone's Deny of 1,500 no-break spaces put beside."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    document = {
        "Version": "2012-10-17",
        "Statement": [*documents.assume_role_policy([PARTNER_A, PARTNER_B])["Statement"], guard(1_500)],
    }
    text = json.dumps(document, ensure_ascii=False)
    assert iam_characters(text) <= MAX_MANAGED_POLICY_CHARS < iam_policy_length(document)
    iam.create_policy(PolicyName=SPILL_NAME, Path=spill.SPILL_PATH, PolicyDocument=text, Tags=[MANAGED_BY_TAG])
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)
    return iam, text


def default_document(iam: Any) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=SPILL_ARN)["Policy"]["DefaultVersionId"]
    return dict(iam.get_policy_version(PolicyArn=SPILL_ARN, VersionId=version)["PolicyVersion"]["Document"])


def test_a_spill_policy_revoke_sends_no_more_than_iam_holds(padded_spill: tuple[Any, str]) -> None:
    iam, text = padded_spill

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).revoke_assume_role(EMR_EC2_ROLE, [PARTNER_B], settings=SETTINGS)

    assert recorder.mutating == ["CreatePolicyVersion"]
    [sent] = [params["PolicyDocument"] for params in recorder.params_of("CreatePolicyVersion")]
    assert iam_characters(sent) <= iam_characters(text)
    after = default_document(iam)
    assert guard(1_500) in after["Statement"]
    ours = next(item for item in after["Statement"] if item.get("Sid") == documents.ASSUME_SID)
    assert documents.as_list(ours["Resource"]) == [PARTNER_A]


def test_a_spill_version_refused_for_its_size_is_not_retried(padded_spill: tuple[Any, str]) -> None:
    """
    A version over the managed policy size (IAM User Guide, "IAM and AWS STS quotas": 6,144 characters) is refused
    with ``LimitExceeded``, as the five versions' quota is: no waiting lifts it, so it is raised at once, not sent
    again and no version deleted to make room.
    """
    iam, _ = padded_spill
    bigger = {"Version": "2012-10-17", "Statement": [guard(1_500), {**guard(6_000), "Sid": "More"}]}

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaRefusedByAwsError, match="Managed policy size"):
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID)._converge_spill_policy(
            EMR_EC2_ROLE, SPILL_ARN, SPILL_NAME, lambda _current: bigger, SETTINGS, False
        )

    assert recorder.mutating == ["CreatePolicyVersion"]
    assert guard(1_500) in default_document(iam)["Statement"]
