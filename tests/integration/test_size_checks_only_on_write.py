"""
A rerun with nothing to write is never refused for a document's size; a run with something to write still is.

Against the two-account moto server. The document a rerun finds is held by the service, so the service took its size,
however it counts it: KMS's key policy "Up to 32 kilobytes (32,768 bytes)" (AWS KMS Developer Guide, "Quotas": the key
policy document size quota, not adjustable; "Create a key policy", "Key policy format"), in an encoding it does not
document for the Latin-1 characters it takes ("Printable characters in the Basic Latin and Latin-1 Supplement
character set"); IAM's managed policy 6,144 characters, "IAM doesn't count white space" (IAM User Guide, "IAM and AWS
STS quotas"), where the provider's usual text sends a no-break space escaped, six characters. The provider measures
on the safe side (UTF-8 bytes), so a document the service holds can be over its count: a rerun that finds the grants
in place writes nothing and raises nothing, as bucket, trust and inline policies already do
(``test_bucket_policy_beyond_ascii.py``, ``test_iam_rerun_past_provider_count.py``). A write that adds is judged at
the shortest text the service takes (``merge.policy_size``), and refused only where even that does not fit.
"""

from __future__ import annotations

import json
from typing import Any

import moto.kms.models
import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import MANAGED_BY_TAG, EmrfsIamHook
from airflow_provider_emrfs_xacct.hooks.iam_managed import NoRoomError
from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import (
    MAX_MANAGED_POLICY_CHARS,
    MAX_ROLE_INLINE_POLICIES_CHARS,
    iam_policy_length,
    policy_text,
)
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from devstack.aws_quotas import KEY_POLICY_BYTES, iam_characters
from devstack.moto_stack import (
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

SETTINGS = ConvergeSettings(settle_seconds=0)
PARTNER_A = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-a-writer"
PARTNER_B = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
#: Printable Latin-1: KMS and IAM take it as itself, one character, two bytes of UTF-8.
LATIN1 = "ü"
#: A no-break space: IAM takes it ("characters in the range U+0020 to U+00FF"), the provider sends it escaped.
NBSP = "\u00a0"


def seed_key_policy(aws: Seeded, principals: list[str], padding: str) -> str:
    """
    Put a key policy holding the provider's statement for ``principals`` and a partner's padded with ``padding``.

    Written in the stand-in's lower layer (moto's key), past its size judge (``devstack/aws_quotas.py``, which counts
    UTF-8 bytes as the provider does): a policy KMS holds, whatever its encoding counts. Returns the text held.
    """
    theirs = {
        "Sid": "PartnerAudit",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/Abteilung": padding}},
    }
    statements = [*aws.key_policy["Statement"], theirs, documents.key_users_statement(principals)]
    text = json.dumps({**aws.key_policy, "Statement": statements}, ensure_ascii=False, separators=(",", ":"))
    key_id = aws.kms_key_arn.rpartition("/")[2]
    moto.kms.models.kms_backends[DESTINATION_ACCOUNT][REGION].keys[key_id].policy = text
    return text


def stored_key_policy(aws: Seeded) -> str:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    return str(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])


@pytest.fixture
def partners(aws: Seeded) -> None:
    create_principals(aws.url, PARTNER_A, PARTNER_B)


@pytest.mark.parametrize("padding", [LATIN1 * 17_000, "x" * 33_000], ids=["latin1", "ascii"])
@pytest.mark.usefixtures("partners")
def test_a_key_policy_rerun_with_nothing_to_grant_writes_nothing_and_raises_nothing(aws: Seeded, padding: str) -> None:
    """
    ``ü`` × 17,000: 34,000 bytes of UTF-8, 17,000 characters or Latin-1 bytes; whichever KMS counts, it holds it. The
    ASCII padding is past any count: the rerun is not judged on what it does not write, whatever the reason.
    """
    text = seed_key_policy(aws, [PARTNER_A], padding)
    assert len(text.encode()) > KEY_POLICY_BYTES

    with CallRecorder().everywhere() as recorder:
        changes = EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(
            aws.kms_key_arn, [PARTNER_A], settings=SETTINGS
        )

    assert changes == []
    assert recorder.mutating == []
    assert stored_key_policy(aws) == text


@pytest.mark.usefixtures("partners")
def test_a_key_policy_grant_with_something_to_write_past_the_quota_is_still_refused(aws: Seeded) -> None:
    text = seed_key_policy(aws, [PARTNER_A], LATIN1 * 17_000)

    with CallRecorder().everywhere() as recorder, pytest.raises(QuotaExceededError, match="32768") as refused:
        EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).ensure_key_users(
            aws.kms_key_arn, [PARTNER_A, PARTNER_B], settings=SETTINGS
        )

    assert refused.value.field == "principal_arns"
    assert recorder.mutating == []
    assert stored_key_policy(aws) == text


@pytest.mark.usefixtures("partners")
def test_a_key_policy_revoke_that_shrinks_it_is_never_refused_for_its_size(aws: Seeded) -> None:
    """Over 32,768 bytes as held; the revoke removes a principal, and the text it sends fits the stand-in's judge."""
    room = KEY_POLICY_BYTES - len(seed_key_policy(aws, [PARTNER_A, PARTNER_B], "").encode())
    text = seed_key_policy(aws, [PARTNER_A, PARTNER_B], "x" * (room + len(PARTNER_B) // 2))
    assert len(text.encode()) > KEY_POLICY_BYTES

    with CallRecorder().everywhere() as recorder:
        EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID).revoke_key_users(aws.kms_key_arn, [PARTNER_B], settings=SETTINGS)

    assert recorder.mutating == ["PutKeyPolicy"]
    held = json.loads(stored_key_policy(aws))
    [ours] = [statement for statement in held["Statement"] if statement.get("Sid") == documents.KEY_USERS_SID]
    assert documents.as_list(ours["Principal"]["AWS"]) == [PARTNER_A]
    assert len(stored_key_policy(aws).encode()) < len(text.encode())


SPILL_NAME = spill.spill_name(documents.ASSUME_POLICY_NAME, EMR_EC2_ROLE, 2)
SPILL_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:policy{spill.SPILL_PATH}{SPILL_NAME}"
#: A partner's statement in the spill policy: 1,500 no-break spaces, one character each to IAM, six to the provider.
PADDING = {
    "Sid": "PartnerGuard",
    "Effect": "Deny",
    "Action": "s3:DeleteBucket",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalTag/note": NBSP * 1_500}},
}


def test_a_spill_policy_holding_the_roles_past_the_providers_count_is_not_written_nor_refused(aws: Seeded) -> None:
    """
    The provider's spill policy holds the roles already, with a partner statement of no-break spaces: IAM (the
    stand-in) counts each once and took it, the provider counts the six of the escape it would send. Writing into it
    (``_ensure_spill_policy``, as a grant whose roles a concurrent grant added since its plan) writes nothing: the
    room is judged only when there is something to add.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    arns = [PARTNER_A, PARTNER_B]
    document = {"Version": "2012-10-17", "Statement": [*documents.assume_role_policy(arns)["Statement"], PADDING]}
    text = json.dumps(document, ensure_ascii=False)
    assert iam_characters(text) <= MAX_MANAGED_POLICY_CHARS < iam_policy_length(document)
    assert NBSP * 1_500 not in policy_text(document)  # sent escaped, six characters each
    iam.create_policy(PolicyName=SPILL_NAME, Path=spill.SPILL_PATH, PolicyDocument=text, Tags=[MANAGED_BY_TAG])
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)

    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    with CallRecorder().everywhere() as recorder:
        changes = hook._ensure_spill_policy(EMR_EC2_ROLE, SPILL_NAME, SPILL_ARN, arns, SETTINGS, False)

    assert changes == []
    assert recorder.mutating == []
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]] == ["v1"]


def test_a_spill_policy_without_room_for_a_new_role_at_its_shortest_is_still_full(aws: Seeded) -> None:
    """
    A role to add is judged, at the shortest text IAM takes (``merge.policy_size``: the no-break spaces as themselves;
    IAM API Reference, "CreatePolicyVersion", ``PolicyDocument``: "through \\u00FF"): padded to ten characters under
    6,144 as IAM counts, the policy has no room for another role however sent. The stand-in refuses the version with
    it; the provider refuses it (``NoRoomError``) before any write.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    guard = json.loads(json.dumps(PADDING))
    document = {"Version": "2012-10-17", "Statement": [*documents.assume_role_policy([PARTNER_A])["Statement"], guard]}
    guard["Condition"]["StringEquals"]["aws:PrincipalTag/note"] = ""
    base = iam_characters(json.dumps(document, ensure_ascii=False))
    guard["Condition"]["StringEquals"]["aws:PrincipalTag/note"] = NBSP * (MAX_MANAGED_POLICY_CHARS - 10 - base)
    text = json.dumps(document, ensure_ascii=False)
    assert iam_characters(text) == MAX_MANAGED_POLICY_CHARS - 10
    iam.create_policy(PolicyName=SPILL_NAME, Path=spill.SPILL_PATH, PolicyDocument=text, Tags=[MANAGED_BY_TAG])
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)
    added = spill.with_roles(document, [PARTNER_B])
    shortest = json.dumps(added, ensure_ascii=False, separators=(",", ":"))
    assert iam_characters(shortest) > MAX_MANAGED_POLICY_CHARS
    with pytest.raises(ClientError, match="LimitExceeded"):
        iam.create_policy_version(PolicyArn=SPILL_ARN, PolicyDocument=shortest, SetAsDefault=True)

    with CallRecorder().everywhere() as recorder, pytest.raises(NoRoomError):
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID)._ensure_spill_policy(
            EMR_EC2_ROLE, SPILL_NAME, SPILL_ARN, [PARTNER_B], SETTINGS, False
        )

    assert recorder.mutating == []
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]] == ["v1"]


#: Characters the EMR EC2 role's other inline policies leave of IAM's 10,240: too few for any assume-role policy.
INLINE_LEFT = 60


def fill_other_inline_policies(iam: Any, left: int) -> None:
    """Add an inline policy to the EMR EC2 role so that its other inline policies leave ``left`` characters."""
    held = sum(
        iam_characters(json.dumps(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]))
        for name in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    )
    statement = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*", "Condition": {"StringEquals": {}}}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    base = iam_characters(
        json.dumps(
            {**document, "Statement": [{**statement, "Condition": {"StringEquals": {"aws:PrincipalTag/note": ""}}}]}
        )
    )
    statement["Condition"]["StringEquals"]["aws:PrincipalTag/note"] = "x" * (
        MAX_ROLE_INLINE_POLICIES_CHARS - left - held - base
    )
    text = json.dumps(document)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="PartnerFiller", PolicyDocument=text)
    assert held + iam_characters(text) == MAX_ROLE_INLINE_POLICIES_CHARS - left


@pytest.mark.parametrize("slots", [1, None], ids=["one-slot", "default-slots"])
@pytest.mark.usefixtures("partners")
def test_a_spill_policy_with_room_at_its_shortest_takes_the_role_to_add(aws: Seeded, slots: int | None) -> None:
    """
    The spill placement measures as the write does, at the shortest text IAM takes (``merge.policy_size``; IAM User
    Guide, "IAM and AWS STS quotas": "characters in the range U+0020 to U+00FF"; IAM API Reference,
    "CreatePolicyVersion", ``PolicyDocument``: "through \\u00FF"). The inline policy has no room; the spill policy
    holds partner A and a partner's 1,500 no-break spaces, with B under 2,000 of IAM's 6,144 characters but over
    9,000 as the usual text escapes them. Before, the placement counted the escapes: with one managed-policy slot the
    grant was refused at the quota, with the default ten it created and attached a needless ``-3``.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_other_inline_policies(iam, INLINE_LEFT)
    document = {
        "Version": "2012-10-17",
        "Statement": [*documents.assume_role_policy([PARTNER_A])["Statement"], PADDING],
    }
    iam.create_policy(
        PolicyName=SPILL_NAME,
        Path=spill.SPILL_PATH,
        PolicyDocument=json.dumps(document, ensure_ascii=False),
        Tags=[MANAGED_BY_TAG],
    )
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=SPILL_ARN)
    added = spill.with_roles(document, [PARTNER_B])
    assert iam_characters(json.dumps(added, ensure_ascii=False)) <= MAX_MANAGED_POLICY_CHARS < iam_policy_length(added)
    quota = {} if slots is None else {"managed_policies_per_role": slots}

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_assume_role_policy(
            EMR_EC2_ROLE, [PARTNER_A, PARTNER_B], settings=SETTINGS, **quota
        )

    assert recorder.mutating == ["CreatePolicyVersion"]
    assert [call["PolicyArn"] for call in recorder.params_of("CreatePolicyVersion")] == [SPILL_ARN]
    attached = iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    assert [item["PolicyArn"] for item in attached] == [SPILL_ARN]
    version = iam.get_policy(PolicyArn=SPILL_ARN)["Policy"]["DefaultVersionId"]
    held = iam.get_policy_version(PolicyArn=SPILL_ARN, VersionId=version)["PolicyVersion"]["Document"]
    assert spill.held(held) == {PARTNER_A, PARTNER_B}
    assert iam_characters(json.dumps(held, ensure_ascii=False)) <= MAX_MANAGED_POLICY_CHARS
    assert PADDING in held["Statement"]
