"""
RevokeBucketAccessOperator ends the role's access when its grant was given another spelling of the role's name.

S3 keeps a role principal as the role's unique ID and shows the role's own ARN (IAM User Guide, "AWS JSON policy
elements: Principal"); the stand-in keeps the text it was sent, so the policy is put back here as S3 would show it
after a grant given ``…:role/emr_ec2_defaultrole``, with a second principal a bucket admin added to the objects
statement. Before, the revoke found neither statement (their ``Sid`` is hashed from the spelling the grant was
given), wrote nothing, warned of nothing, and the role kept its access.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import principal_sids
from airflow_provider_emrfs_xacct.pure.merge import aws_principals, names_any
from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client, create_principals
from devstack.testing import CallRecorder, run_operator
from tests.integration.test_bucket_policy import (
    ANALYTICS_READ,
    DENY_INSECURE,
    OTHER_EMR_ROLE,
    by_sid,
    grant,
    policy_of,
    revoke,
)


@pytest.fixture
def s3(aws: Seeded) -> Any:
    """The destination account's S3 client; the bucket starts with a policy the provider did not write."""
    create_principals(aws.url, ANALYTICS_READ["Principal"]["AWS"], OTHER_EMR_ROLE)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    document = {"Version": "2012-10-17", "Statement": [DENY_INSECURE, ANALYTICS_READ]}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(document))
    return s3


def held_by(policy: dict[str, Any] | None, role: str) -> list[str]:
    """The statements of ``policy`` that name ``role`` (any spelling)."""
    return [
        str(statement.get("Sid"))
        for statement in (policy or {}).get("Statement", [])
        if names_any(aws_principals(statement), [role])
    ]


def test_a_revoke_ends_access_granted_under_another_spelling_beside_a_principal_added_since(
    aws: Seeded, s3: Any
) -> None:
    real = aws.emr_ec2_role_arn
    head, name = real.rsplit("/", 1)
    typed = f"{head}/{name.lower()}"
    assert typed != real
    run_operator(grant(aws, [typed]))
    policy = policy_of(s3, aws.bucket)
    objects_sid, list_sid = principal_sids(typed)
    # As S3 shows it once saved (the role's own spelling), with a bucket admin's second principal on the objects.
    statements = by_sid(policy)
    statements[objects_sid]["Principal"] = {"AWS": [real, OTHER_EMR_ROLE]}
    statements[list_sid]["Principal"] = {"AWS": real}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))
    before = policy_of(s3, aws.bucket)

    with CallRecorder().everywhere() as calls:
        run_operator(revoke(aws, [real]))

    assert calls.mutating == ["PutBucketPolicy"]  # before: none, and the role kept both statements
    after = policy_of(s3, aws.bucket)
    assert held_by(after, real) == []
    assert by_sid(after)[objects_sid] == {**by_sid(before)[objects_sid], "Principal": {"AWS": OTHER_EMR_ROLE}}
    assert list_sid not in by_sid(after)
    assert by_sid(after)[DENY_INSECURE["Sid"]] == DENY_INSECURE
    assert by_sid(after)[ANALYTICS_READ["Sid"]] == ANALYTICS_READ
