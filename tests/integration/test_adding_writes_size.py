"""
A write that adds is judged at the shortest text the service takes, and is sent no longer than was judged to fit.

Against the two-account moto server, whose size judges (``devstack/aws_quotas.py``) count what they are sent as AWS
documents: IAM in characters without white space (IAM User Guide, "IAM and AWS STS quotas": "IAM doesn't count white
space"), KMS in bytes (AWS KMS API Reference, "PutKeyPolicy": "The policy size limit is 32 KiB (32768 bytes)"). Both
take a no-break space (U+00A0) as itself (IAM API Reference, "UpdateAssumeRolePolicy" and "PutRolePolicy",
``PolicyDocument``: "The printable characters in the Basic Latin and Latin-1 Supplement character set (through
\\u00FF)"; AWS KMS API Reference, "PutKeyPolicy", ``Policy``: "Printable characters in the Basic Latin and Latin-1
Supplement character set"). The provider's usual text escapes it, six characters for one: before, a grant to a policy
padded with them, held well within the quota, was refused as if it were sent so, six times over the size AWS holds.
"""

from __future__ import annotations

import json
from typing import Any

import moto.kms.models
import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import policy_text
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from devstack.aws_quotas import KEY_POLICY_BYTES, iam_characters
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

SETTINGS = ConvergeSettings(settle_seconds=0, consistency_wait_seconds=2, first_backoff_seconds=0.1)
NBSP = "\u00a0"
ROLE_NAME = "partner-a-writer"
EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-00"
OTHER_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-01"
AUDIT_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/partner-audit"
PARTNER_A = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-a-writer"
PARTNER_B = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
DELETED_ID = "AROAEXAMPLEDELETED01"
#: IAM's default trust policy size (IAM User Guide, "IAM and AWS STS quotas"), the stand-in's unless raised.
TRUST_DEFAULT = 2048
INLINE_QUOTA = 10240


def compact(document: dict[str, Any]) -> str:
    """``document`` as text without spaces, every character as itself (the no-break spaces too)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def audit_statement(padding: str, action: str = "kms:DescribeKey") -> dict[str, Any]:
    """Someone's statement whose condition holds ``padding``."""
    return {
        "Sid": "PartnerAudit",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
        "Action": action,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": padding}},
    }


def seed_key_policy(aws: Seeded, users: list[str], padding: str) -> tuple[str, dict[str, Any]]:
    """The key policy with ``users`` as key users and a partner statement holding ``padding``, as KMS holds it."""
    theirs = audit_statement(padding)
    statements = [*aws.key_policy["Statement"], theirs, documents.key_users_statement(users)]
    text = compact({**aws.key_policy, "Statement": statements})
    key_id = aws.kms_key_arn.rpartition("/")[2]
    moto.kms.models.kms_backends[DESTINATION_ACCOUNT][REGION].keys[key_id].policy = text
    return text, theirs


def held_key_policy(aws: Seeded) -> dict[str, Any]:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    return dict(json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]))


def key_users(document: dict[str, Any]) -> list[str]:
    [ours] = [item for item in document["Statement"] if item.get("Sid") == documents.KEY_USERS_SID]
    return list(documents.as_list(ours["Principal"]["AWS"]))


def test_a_second_key_user_is_granted_beside_5400_no_break_spaces(aws: Seeded) -> None:
    """About 11 KB as KMS holds it, over 32 KB escaped: granted, sent within 32,768 bytes, the padding kept."""
    create_principals(aws.url, PARTNER_A, PARTNER_B)
    text, theirs = seed_key_policy(aws, [PARTNER_A], NBSP * 5400)
    assert len(text.encode()) < 12_000
    assert len(policy_text(json.loads(text)).encode()) > KEY_POLICY_BYTES

    with CallRecorder().everywhere() as recorder:
        changes = EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(
            aws.kms_key_arn, [PARTNER_A, PARTNER_B], settings=SETTINGS
        )

    assert changes
    assert recorder.mutating == ["PutKeyPolicy"]
    [sent] = [params["Policy"] for params in recorder.params_of("PutKeyPolicy")]
    assert len(sent.encode()) <= KEY_POLICY_BYTES
    held = held_key_policy(aws)
    assert theirs in held["Statement"]  # the padding exactly as it was
    assert sorted(key_users(held)) == [PARTNER_A, PARTNER_B]


def test_a_key_grant_rerun_dropping_a_deleted_id_is_not_refused(aws: Seeded) -> None:
    """The only change drops a deleted principal's ID: it only removes, is not judged, and sent no larger."""
    create_principals(aws.url, PARTNER_A)
    text, theirs = seed_key_policy(aws, [PARTNER_A, DELETED_ID], NBSP * 5400)
    assert len(policy_text(json.loads(text)).encode()) > KEY_POLICY_BYTES

    with CallRecorder().everywhere() as recorder:
        EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(aws.kms_key_arn, [PARTNER_A], settings=SETTINGS)

    assert recorder.mutating == ["PutKeyPolicy"]
    [sent] = [params["Policy"] for params in recorder.params_of("PutKeyPolicy")]
    assert len(sent.encode()) <= len(text.encode())
    held = held_key_policy(aws)
    assert theirs in held["Statement"]
    assert key_users(held) == [PARTNER_A]


def test_a_key_grant_rerun_dropping_a_deleted_id_past_the_providers_count_is_left_to_kms(aws: Seeded) -> None:
    """
    Held at 34,986 bytes of UTF-8 (``ü`` x 17,000), under 18,000 as Latin-1 bytes: KMS holds it, in an encoding it does
    not document ("Printable characters in the Basic Latin and Latin-1 Supplement character set": AWS KMS API
    Reference, "PutKeyPolicy"; docs/limits.md). The rerun that only drops a deleted principal's ID is not judged by the
    provider's count (OX267): it is sent, and KMS is left to judge it (the stand-in, counting UTF-8 bytes, refuses it;
    a KMS counting Latin-1 bytes would take it). Before, it was refused as if it added, and never sent.
    """
    create_principals(aws.url, PARTNER_A)
    text, _ = seed_key_policy(aws, [PARTNER_A, DELETED_ID], "ü" * 17_000)
    assert len(text.encode("latin-1")) < KEY_POLICY_BYTES < len(text.encode())

    with CallRecorder().everywhere() as recorder, pytest.raises(ClientError) as refused:
        EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(aws.kms_key_arn, [PARTNER_A], settings=SETTINGS)

    assert refused.value.response["Error"]["Code"] == "LimitExceededException"  # KMS's answer, not the provider's
    assert set(recorder.mutating) == {"PutKeyPolicy"}
    assert sorted(key_users(held_key_policy(aws))) == sorted(
        [PARTNER_A, DELETED_ID]
    )  # the refused write changed nothing


def test_a_key_grant_over_32_kb_at_its_shortest_is_still_refused(aws: Seeded) -> None:
    """Held at 32,768 bytes at most: another key user does not fit however sent, refused naming principal_arns."""
    create_principals(aws.url, PARTNER_A, PARTNER_B)
    base, _ = seed_key_policy(aws, [PARTNER_A], "")
    text, _ = seed_key_policy(aws, [PARTNER_A], NBSP * ((KEY_POLICY_BYTES - len(base.encode())) // 2))
    assert KEY_POLICY_BYTES - 2 < len(text.encode()) <= KEY_POLICY_BYTES

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(
            aws.kms_key_arn, [PARTNER_A, PARTNER_B], settings=SETTINGS
        )

    assert refused.value.field == "principal_arns"
    # Counted at the shortest text, the ARN's few bytes over what KMS holds (escaped, it would be about 97 KB).
    assert KEY_POLICY_BYTES < refused.value.amount < len(text.encode()) + 2 * len(PARTNER_B)
    assert recorder.mutating == []


def seed_trust(aws: Seeded, room_left: int) -> tuple[Any, dict[str, Any]]:
    """The role trusting ``EMR_ROLE``, someone's statement beside it padded to ``room_left`` under IAM's 2,048."""
    create_principals(aws.url, EMR_ROLE, OTHER_EMR_ROLE, AUDIT_ROLE)
    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(ROLE_NAME, [EMR_ROLE], settings=SETTINGS)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    audit = {**audit_statement(""), "Principal": {"AWS": AUDIT_ROLE}, "Action": "sts:AssumeRole"}
    del audit["Resource"]
    base = iam_characters(compact({**trust, "Statement": [*trust["Statement"], audit]}))
    audit["Condition"]["StringEquals"]["aws:PrincipalTag/note"] = NBSP * (TRUST_DEFAULT - room_left - base)
    text = compact({**trust, "Statement": [*trust["Statement"], audit]})
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=text)  # judged by the stand-in: within 2,048
    assert iam_characters(text) == TRUST_DEFAULT - room_left
    return iam, audit


def test_a_trust_grant_beside_no_break_spaces_is_sent_within_the_default_quota(aws: Seeded) -> None:
    """Under IAM's default 2,048, over 4,096 escaped: a second trusted role is granted, sent as IAM counts within it."""
    iam, audit = seed_trust(aws, room_left=100)
    held = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    assert iam_characters(policy_text(held)) > 4096

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(
            ROLE_NAME, [EMR_ROLE, OTHER_EMR_ROLE], settings=SETTINGS
        )

    [sent] = [params["PolicyDocument"] for params in recorder.params_of("UpdateAssumeRolePolicy")]
    assert iam_characters(sent) <= TRUST_DEFAULT
    after = iam.get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    assert audit in after["Statement"]
    ours = next(item for item in after["Statement"] if item.get("Sid") == documents.TRUST_SID)
    assert sorted(documents.as_list(ours["Principal"]["AWS"])) == [EMR_ROLE, OTHER_EMR_ROLE]


def test_a_trust_grant_past_the_quota_ceiling_at_its_shortest_is_still_refused(aws: Seeded) -> None:
    """No escaping counted: a role too many past 4,096 as IAM counts is refused naming trusted_role_arns."""
    seed_trust(aws, room_left=100)
    many = [f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-{index:02d}" for index in range(60)]
    create_principals(aws.url, *many)

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(ROLE_NAME, many, settings=SETTINGS)

    assert refused.value.field == "trusted_role_arns"
    assert 4096 < refused.value.amount < 2048 + 60 * 60
    assert recorder.mutating == []


def seed_inline(aws: Seeded, room_left: int) -> tuple[Any, dict[str, Any], Any]:
    """The destination policy granting one prefix, someone's Deny beside it padded to ``room_left`` under 10,240."""
    create_principals(aws.url, EMR_ROLE)
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    hook.ensure_role_trusts(ROLE_NAME, [EMR_ROLE], settings=SETTINGS)
    kept = parse_s3_location(f"s3://{BUCKET}/exports/partner-a/", "s3_prefixes")
    hook.ensure_destination_access(ROLE_NAME, [kept], [aws.kms_key_arn], settings=SETTINGS)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    name = documents.DESTINATION_POLICY_NAME
    policy = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"]
    guard = {**audit_statement("", "s3:DeleteBucket"), "Effect": "Deny", "Principal": None, "Sid": "PartnerGuard"}
    del guard["Principal"]
    base = iam_characters(compact({**policy, "Statement": [*policy["Statement"], guard]}))
    guard["Condition"]["StringEquals"]["aws:PrincipalTag/note"] = NBSP * (INLINE_QUOTA - room_left - base)
    text = compact({**policy, "Statement": [*policy["Statement"], guard]})
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName=name, PolicyDocument=text)  # the stand-in judges it
    assert iam_characters(text) == INLINE_QUOTA - room_left
    return iam, guard, kept


def test_a_prefix_added_beside_no_break_spaces_is_sent_within_10240(aws: Seeded) -> None:
    """Within 10,240 as IAM counts, about 55,000 escaped: another prefix is granted, sent within the quota."""
    iam, guard, kept = seed_inline(aws, room_left=600)
    added = parse_s3_location(f"s3://{BUCKET}/exports/partner-b/", "s3_prefixes")

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [kept, added], [aws.kms_key_arn], settings=SETTINGS
        )

    [sent] = [params["PolicyDocument"] for params in recorder.params_of("PutRolePolicy")]
    assert iam_characters(sent) <= INLINE_QUOTA
    assert iam_characters(policy_text(json.loads(sent))) > INLINE_QUOTA  # the escaped text would not have fit
    after = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=documents.DESTINATION_POLICY_NAME)["PolicyDocument"]
    assert guard in after["Statement"]
    assert "exports/partner-b/" in json.dumps(after)


def test_a_prefix_past_10240_at_its_shortest_is_still_refused(aws: Seeded) -> None:
    """Ten characters left: a prefix does not fit however sent, refused naming s3_prefixes, nothing written."""
    _, _, kept = seed_inline(aws, room_left=10)
    added = parse_s3_location(f"s3://{BUCKET}/exports/partner-b/", "s3_prefixes")

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError) as refused:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [kept, added], [aws.kms_key_arn], settings=SETTINGS
        )

    assert refused.value.field == "s3_prefixes"
    assert INLINE_QUOTA < refused.value.amount < INLINE_QUOTA + 1000
    assert recorder.mutating == []


# The room other inline policies leave: IAM's 10,240 is for "the aggregate of all inline policies embedded in an IAM
# role" (IAM API Reference, "GetAccountSummary", ``RolePolicySizeQuota``; IAM User Guide, "IAM and AWS STS quotas").
OTHERS_NAME = "TheirsToo"


def other_inline_chars(iam: Any, role_name: str, ours: str) -> int:
    """The characters IAM counts for the role's inline policies other than ``ours``."""
    names = [name for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"] if name != ours]
    documents_held = [iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"] for name in names]
    return sum(iam_characters(compact(document)) for document in documents_held)


def add_other_inline(iam: Any, role_name: str, ours: str, others_total: int) -> None:
    """Someone's further inline policy bringing the role's inline policies other than ``ours`` to ``others_total``."""
    held = other_inline_chars(iam, role_name, ours)
    theirs = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TheirNote",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/notes/*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/note": ""}},
            }
        ],
    }
    base = iam_characters(compact(theirs))
    theirs["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalTag/note"] = "x" * (others_total - held - base)
    iam.put_role_policy(RoleName=role_name, PolicyName=OTHERS_NAME, PolicyDocument=compact(theirs))
    assert other_inline_chars(iam, role_name, ours) == others_total


def test_a_role_added_to_the_assume_policy_is_sent_within_what_the_other_inline_policies_leave(aws: Seeded) -> None:
    """
    About 6,000 characters of other inline policies: the usual text (the 1,000 no-break spaces escaped) fits 10,240
    alone but not beside them, so the shortest text is sent, within the room they leave.
    """
    create_principals(aws.url, PARTNER_A, PARTNER_B)
    name = documents.ASSUME_POLICY_NAME
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    hook.ensure_assume_role_policy(EMR_EC2_ROLE, [PARTNER_A], settings=SETTINGS)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
    guard = {**audit_statement(NBSP * 1000, "s3:DeleteBucket"), "Effect": "Deny", "Sid": "PartnerGuard"}
    del guard["Principal"]
    iam.put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName=name,
        PolicyDocument=compact({**policy, "Statement": [*policy["Statement"], guard]}),
    )
    add_other_inline(iam, EMR_EC2_ROLE, name, 6000)

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_assume_role_policy(
            EMR_EC2_ROLE, [PARTNER_A, PARTNER_B], settings=SETTINGS
        )

    assert recorder.mutating == ["PutRolePolicy"]
    [sent] = [params["PolicyDocument"] for params in recorder.params_of("PutRolePolicy")]
    assert iam_characters(sent) + 6000 <= INLINE_QUOTA
    usual = iam_characters(policy_text(json.loads(sent)))
    assert usual <= INLINE_QUOTA < usual + 6000  # alone it would fit: only the other policies' share rules it out
    after = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
    assert guard in after["Statement"]  # the Deny exactly as it was
    assert sorted(spill.held(after)) == [PARTNER_A, PARTNER_B]


def test_a_prefix_added_is_sent_within_what_the_other_inline_policies_leave(aws: Seeded) -> None:
    """
    About 5,000 characters of another inline policy: the usual destination policy fits 10,240 alone but not beside
    it, so the shortest text is sent, within the room it leaves.
    """
    iam, guard, kept = seed_inline(aws, room_left=INLINE_QUOTA - 2000)
    name = documents.DESTINATION_POLICY_NAME
    add_other_inline(iam, ROLE_NAME, name, 5000)
    added = parse_s3_location(f"s3://{BUCKET}/exports/partner-b/", "s3_prefixes")

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
            ROLE_NAME, [kept, added], [aws.kms_key_arn], settings=SETTINGS
        )

    assert recorder.mutating == ["PutRolePolicy"]
    [sent] = [params["PolicyDocument"] for params in recorder.params_of("PutRolePolicy")]
    assert iam_characters(sent) + 5000 <= INLINE_QUOTA
    usual = iam_characters(policy_text(json.loads(sent)))
    assert usual <= INLINE_QUOTA < usual + 5000  # alone it would fit: only the other policy's share rules it out
    after = iam.get_role_policy(RoleName=ROLE_NAME, PolicyName=name)["PolicyDocument"]
    assert guard in after["Statement"]  # the padding exactly as it was
    assert "exports/partner-b/" in json.dumps(after)
