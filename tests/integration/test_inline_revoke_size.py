"""
A revoke that shrinks an inline policy is not refused for its size, and never sends more than IAM held.

IAM counts a role's inline policies in characters, white space aside (IAM User Guide, "IAM and AWS STS quotas": "Role
policy size cannot exceed 10,240 characters", "IAM doesn't count white space"), and takes a no-break space as itself
("characters in the range U+0020 to U+00FF"; IAM API Reference, "PutRolePolicy", ``PolicyDocument``'s pattern). The
provider sends one escaped, six characters, so a partner's statement padded with them can be over the provider's
count while IAM (the stand-in, which counts what it is sent: ``devstack/aws_quotas.py``) holds it well within. The
size is judged only on a write that adds: a revoke, which only removes, is not judged, and it sends the characters
IAM takes as themselves when its usual text would be longer than what IAM answered, as a bucket policy's revoke does
(``hooks/s3.py``, ``shrinking``).
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import MAX_ROLE_INLINE_POLICIES_CHARS, iam_policy_length, policy_text
from devstack.aws_quotas import iam_characters
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, Seeded, client
from devstack.testing import CallRecorder

SETTINGS = ConvergeSettings(settle_seconds=0)
PARTNER_A = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-a-writer"
PARTNER_B = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer"
NBSP = "\u00a0"


def padding(count: int) -> dict[str, Any]:
    """A partner's statement holding ``count`` no-break spaces: one character each to IAM, six as the provider sends."""
    return {
        "Sid": "PartnerGuard",
        "Effect": "Deny",
        "Action": "s3:DeleteBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/note": NBSP * count}},
    }


def seed(aws: Seeded, count: int) -> tuple[Any, dict[str, Any], str]:
    """The EMR EC2 role's assume-role policy granting both partners beside the padding, sent as itself."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    document = {
        "Version": "2012-10-17",
        "Statement": [*documents.assume_role_policy([PARTNER_A, PARTNER_B])["Statement"], padding(count)],
    }
    text = json.dumps(document, ensure_ascii=False)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME, PolicyDocument=text)
    return iam, document, text


def held(iam: Any) -> dict[str, Any]:
    return dict(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME)["PolicyDocument"])


def test_a_revoke_shrinking_an_inline_policy_over_the_providers_count_is_not_refused(aws: Seeded) -> None:
    iam, document, text = seed(aws, 2_000)
    assert iam_characters(text) <= MAX_ROLE_INLINE_POLICIES_CHARS < iam_policy_length(document)

    with CallRecorder().everywhere() as recorder:
        changes = EmrfsIamHook(aws_conn_id=EMR_CONN_ID).revoke_assume_role(EMR_EC2_ROLE, [PARTNER_B], settings=SETTINGS)

    assert changes
    assert recorder.mutating == ["PutRolePolicy"]
    [sent] = [params["PolicyDocument"] for params in recorder.params_of("PutRolePolicy")]
    assert iam_characters(sent) < iam_characters(text)  # no more than IAM held
    after = held(iam)
    ours = next(item for item in after["Statement"] if item.get("Sid") == documents.ASSUME_SID)
    assert documents.as_list(ours["Resource"]) == [PARTNER_A]
    assert padding(2_000) in after["Statement"]


def test_a_revoke_whose_usual_text_is_no_longer_than_what_iam_held_sends_it(aws: Seeded) -> None:
    """Two no-break spaces: the provider's usual text (escaped) is sent, as for any write."""
    iam, _, _ = seed(aws, 2)

    with CallRecorder().everywhere() as recorder:
        EmrfsIamHook(aws_conn_id=EMR_CONN_ID).revoke_assume_role(EMR_EC2_ROLE, [PARTNER_B], settings=SETTINGS)

    [sent] = [params["PolicyDocument"] for params in recorder.params_of("PutRolePolicy")]
    assert sent == policy_text(held(iam))
    assert "\\u00a0" in sent
    assert padding(2) in held(iam)["Statement"]
