"""
A writer of another account than the bucket's, whose default encryption names an AWS managed key by its ARN: the
FAIL says whose key it is. AWS has one managed key per service (AWS KMS Developer Guide, "AWS managed keys": their
aliases have the form ``aws/<service-name>``, "Aliases in AWS KMS"), and S3 stores whatever key id it is given
(Amazon S3 API Reference, PutBucketEncryption): EBS's key (``aws/ebs``) used to be named "the AWS managed key
aws/s3" in the detail, though verify read it as another service's.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct import verify
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
from tests.unit.test_chain import BUCKET, DESTINATION_ACCOUNT, EMR_ROLE, by_name, healthy_state
from tests.unit.test_chain_audit_fixes import KMS, _AliasesOnlyKms, emr_role_writes_unmapped_keys

ALIASES = {"alias/aws/ebs": "ebs0000-managed", "alias/aws/s3": "s30000-managed"}


def default_key_by_arn(key_id: str) -> ChainState:
    """The bucket's default names the AWS managed key ``key_id`` by ARN, read as verify reads it; the EMR role writes."""
    described = {"Arn": key_id, "KeyId": key_id.rsplit("/", 1)[1], "KeyManager": "AWS", "KeyState": "Enabled"}
    bucket = BucketState(
        account=DESTINATION_ACCOUNT,
        object_ownership="BucketOwnerEnforced",
        sse_algorithm="aws:kms",
        kms_key_id=key_id,
        region="us-east-1",
    )
    policies: dict[str, Any] = {}
    verify._read_bucket_key(_AliasesOnlyKms(ALIASES, described), bucket, DESTINATION_ACCOUNT, policies, ({}, {}))  # type: ignore[arg-type]
    state = emr_role_writes_unmapped_keys(healthy_state())
    state.buckets[BUCKET] = bucket
    state.key_policies = policies
    return state


def key_arn(key_id: str) -> str:
    return f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/{key_id}"


def test_another_service_s_key_by_arn_is_named_so_for_a_writer_of_another_account() -> None:
    ebs = key_arn("ebs0000-managed")

    link = by_name(check_chain(default_key_by_arn(ebs)))[KMS]

    assert link.status == FAIL, link
    assert f"{EMR_ROLE} (not in the bucket's account {DESTINATION_ACCOUNT}) cannot use it" in link.detail
    assert f"{ebs}, the AWS managed key of another AWS service than S3" in link.detail
    assert "aws/s3" not in link.detail
    assert "customer managed key" in link.fix


def test_s3_s_own_key_by_arn_is_still_named_aws_s3() -> None:
    s3_key = key_arn("s30000-managed")

    link = by_name(check_chain(default_key_by_arn(s3_key)))[KMS]

    assert link.status == FAIL, link
    assert f"the AWS managed key aws/s3 ({s3_key})" in link.detail
    assert "another AWS service" not in link.detail
