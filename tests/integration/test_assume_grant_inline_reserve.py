"""
The assume-role grant leaves a reserve of the EMR EC2 role's inline budget: option (a) can still grow beside it.

IAM User Guide, "IAM and AWS STS quotas": all inline policies of a role together hold 10,240 characters (role policy
size). Outside review U6: after many assume grants the provider's inline policy took all of it to within one ARN,
and ``ensure_emr_role_bucket_access`` (``GrantEmrRoleBucketAccessOperator``, option (a)) for a second bucket on the
same role was refused (``QuotaExceededError`` on ``s3_prefixes``), while the grants could have spilled to a managed
policy (``pure/spill.py``, ``INLINE_RESERVE``).
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import MAX_ROLE_INLINE_POLICIES_CHARS, stored_policy_length
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, REGION, Seeded, client

SETTINGS = ConvergeSettings(settle_seconds=0)


def key(n: int) -> str:
    return f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/00000000-0000-4000-8000-{n:012d}"


def inline_chars(iam: Any) -> int:
    """The characters IAM counts for the role's inline policies together (the text it answers, no whitespace)."""
    total = 0
    for name in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]:
        answer = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
        total += stored_policy_length(answer if isinstance(answer, str) else json.dumps(answer))
    return total


def test_option_a_grows_beside_assume_grants_past_the_inline_wall(aws: Seeded) -> None:
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    hook.ensure_emr_role_bucket_access(EMR_EC2_ROLE, [S3Location(aws.bucket, "p0/")], [key(1)], settings=SETTINGS)
    partners = [f"arn:aws:iam::{900000000000 + i // 10:012d}:role/emrfs-partner-writer-{i:04d}" for i in range(200)]
    hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners, settings=SETTINGS)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    attached = iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    assert any(spill.is_spill_arn(item["PolicyArn"], documents.ASSUME_POLICY_NAME, EMR_EC2_ROLE) for item in attached)
    assert MAX_ROLE_INLINE_POLICIES_CHARS - inline_chars(iam) >= spill.INLINE_RESERVE

    # Option (a) for a second bucket, on the same role (was refused: QuotaExceededError on s3_prefixes).
    hook.ensure_emr_role_bucket_access(
        EMR_EC2_ROLE, [S3Location(f"{aws.bucket}-2", "p1/")], [key(2)], settings=SETTINGS
    )
    assert inline_chars(iam) <= MAX_ROLE_INLINE_POLICIES_CHARS
    # A rerun of the assume grant with nothing new writes nothing, and takes none of the reserve back.
    assert hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners, settings=SETTINGS) == []


def test_a_role_at_its_managed_policy_quota_fills_the_reserve_rather_than_refusing(aws: Seeded) -> None:
    """
    Regression review X2: with 10 managed policies attached (IAM's default quota, IAM User Guide, "IAM and AWS STS
    quotas") and 140 partners inline, the 141st was refused (QuotaExceededError) though the role's 10,240 inline
    characters still held it, as IAM accepts: with no spill policy possible, the reserve is filled, not a wall.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    owner = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    attached = len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"])
    for n in range(10 - attached):
        arn = iam.create_policy(PolicyName=f"owner-{n}", PolicyDocument=json.dumps(owner))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)
    partners = [f"arn:aws:iam::{900000000000 + i // 10:012d}:role/emrfs-partner-writer-{i:04d}" for i in range(141)]
    granted = documents.assume_role_policy(partners[:140])
    iam.put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME, PolicyDocument=json.dumps(granted)
    )
    assert MAX_ROLE_INLINE_POLICIES_CHARS - inline_chars(iam) < spill.INLINE_RESERVE  # the reserve already entered

    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    assert hook.ensure_assume_role_policy(EMR_EC2_ROLE, partners, settings=SETTINGS)
    answer = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME)["PolicyDocument"]
    assert partners[140] in spill.held(json.loads(answer) if isinstance(answer, str) else answer)
    assert len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]) == 10  # no spill policy
    assert inline_chars(iam) <= MAX_ROLE_INLINE_POLICIES_CHARS
