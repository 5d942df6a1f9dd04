"""
Option (a) when a partner moves (another prefix), as the destination role's route does (docs/safety.md, "A
partner's settings changed between runs"): the grants only add, so the old prefix stays, and it is no longer silent.
The revoke then takes out the role's statements, every prefix, and keeps everything else exactly.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.operators.s3 import (
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.pure.bucket_policy import granted_locations
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    EMR_SERVICE_ROLE,
    Seeded,
    client,
)
from devstack.testing import run_operator

if TYPE_CHECKING:
    import pytest

OLD, NEW = "s3://partner-results-b/exports/", "s3://partner-results-b/exports-2026/"
KEPT = "keeps access this run did not ask for"


def grant(aws: Seeded, prefix: str, *others: str) -> GrantBucketAccessOperator:
    return GrantBucketAccessOperator(
        task_id="grant_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        s3_prefixes=[prefix],
        principal_arns=[aws.emr_ec2_role_arn, *others],
        settle_seconds=0,
    )


def emr_role_access(prefix: str, **kwargs: Any) -> GrantEmrRoleBucketAccessOperator:
    return GrantEmrRoleBucketAccessOperator(
        task_id="grant_emr_role_bucket_access",
        aws_conn_id=EMR_CONN_ID,
        s3_prefixes=[prefix],
        settle_seconds=0,
        **kwargs,
    )


def warnings_of(capfd: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capfd.readouterr().out.splitlines() if KEPT in line]


def bucket_policy(aws: Seeded) -> dict[str, Any]:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    return dict(json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]))


def test_a_partner_moving_to_another_prefix_is_warned_by_both_grants_and_the_old_prefix_kept(
    aws: Seeded, capfd: pytest.CaptureFixture[str]
) -> None:
    run_operator(grant(aws, OLD))
    run_operator(emr_role_access(OLD))
    assert warnings_of(capfd) == []  # the first run asked for all there is

    run_operator(grant(aws, NEW))
    run_operator(emr_role_access(NEW))
    bucket_warning, role_warning = warnings_of(capfd)

    assert f"The policy of bucket {aws.bucket} for {aws.emr_ec2_role_arn} {KEPT}: prefixes {OLD}." in bucket_warning
    assert "RevokeBucketAccessOperator(" in bucket_warning
    assert f"Role {EMR_EC2_ROLE} {KEPT}: prefixes {OLD}." in role_warning
    # Kept, not taken away: another partner or pipeline using the role may still write there.
    assert {location.uri for location in granted_locations(bucket_policy(aws), aws.emr_ec2_role_arn)} == {OLD, NEW}


def test_the_emr_role_warning_does_not_name_another_buckets_prefixes(
    aws: Seeded, capfd: pytest.CaptureFixture[str]
) -> None:
    """Partners share the EMR EC2 role: another bucket's prefix is another partner's, not one this partner left."""
    run_operator(emr_role_access(OLD))
    run_operator(emr_role_access("s3://partner-results-c/out/"))

    assert warnings_of(capfd) == []


def test_the_emr_role_warning_does_not_name_a_replaced_key(aws: Seeded, capfd: pytest.CaptureFixture[str]) -> None:
    """docs/howto/bucket_policy.md: nor keys (which partner a key of the shared role is for is not known there)."""
    replaced = aws.kms_key_arn.rsplit("/", 1)[0] + "/0b7c9f2e-1111-4222-8333-444455556666"
    run_operator(emr_role_access(OLD, kms_key_arns=[replaced]))
    run_operator(emr_role_access(OLD, kms_key_arns=[aws.kms_key_arn]))

    assert warnings_of(capfd) == []


def test_the_revoke_after_a_move_takes_every_prefix_of_the_role_and_keeps_the_rest_exactly(aws: Seeded) -> None:
    run_operator(grant(aws, OLD))
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    theirs = {
        "Sid": "PartnerOwnReaders",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{aws.bucket}/*",
    }
    policy = bucket_policy(aws)
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({**policy, "Statement": [theirs, *policy["Statement"]]}))
    # Another principal the provider granted (a second EMR role sharing the bucket): not the revoke's to take.
    other = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_SERVICE_ROLE}"
    run_operator(grant(aws, NEW, other))
    others = [statement for statement in bucket_policy(aws)["Statement"] if other in json.dumps(statement)]
    assert others

    run_operator(
        RevokeBucketAccessOperator(
            task_id="revoke_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            bucket=aws.bucket,
            principal_arns=[aws.emr_ec2_role_arn],
            settle_seconds=0,
        )
    )

    assert bucket_policy(aws)["Statement"] == [theirs, *others]
    assert {location.uri for location in granted_locations(bucket_policy(aws), other)} == {NEW}
