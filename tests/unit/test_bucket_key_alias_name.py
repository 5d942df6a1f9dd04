"""
The bucket's key named by an alias name or a bare key id, for a writer of another account than the bucket's (the
EMR EC2 role under option (a), for the keys no mapping takes: ``emr_role_writes_unmapped_keys``).

An alias name: "If you use a KMS key alias instead, then AWS KMS resolves the key within the requester's account.
This behavior can result in data that's encrypted with a KMS key that belongs to the requester, and not the bucket
owner" (Amazon S3 API Reference, ServerSideEncryptionByDefault, KMSMasterKeyID): the write may succeed with a key of
the writer's account, which the verifier does not read, so not checked (it was a FAIL). A key id is "the globally
unique identifier for the KMS key" (AWS KMS API Reference, KeyMetadata; AWS KMS Developer Guide, "Key identifiers
(KeyId)"): one of the bucket's account names no key of the writer's, and "If the KMS key doesn't exist in the same
account that's issuing the command, you must use the full Key ARN not the Key ID" (S3 API Reference, PutObject,
``x-amz-server-side-encryption-aws-kms-key-id``): failing.
"""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, requested_key_entry
from tests.unit.test_chain import DESTINATION_ACCOUNT, EMR_ROLE, KEY, by_name, healthy_state
from tests.unit.test_chain_audit_fixes import (
    KMS,
    OTHER_KEY,
    bucket_of,
    emr_role_writes_unmapped_keys,
    with_at_rest_s3_encryption,
)

ALIAS = "alias/partner-results"
KEY_ID = KEY.rsplit("/", 1)[1]


def default_named(key_id: str) -> ChainState:
    """The bucket's default encryption names ``KEY`` as ``key_id`` (DescribeKey resolved it); the EMR role writes too."""
    state = emr_role_writes_unmapped_keys(healthy_state())
    bucket = bucket_of(state)
    bucket.kms_key_id, bucket.kms_key_arn, bucket.kms_key_manager = key_id, KEY, "CUSTOMER"
    return state


def test_a_default_key_by_alias_name_is_not_checked_for_a_writer_of_another_account() -> None:
    link = by_name(check_chain(default_named(ALIAS)))[KMS]

    assert link.status == UNKNOWN, link
    assert f"{EMR_ROLE} (not in the bucket's account {DESTINATION_ACCOUNT})" in link.detail
    assert f"names its key by the alias name {ALIAS}, which S3 resolves in the writer's account" in link.detail
    assert link.fix.startswith(f"set the bucket's default encryption to the key's ARN ({KEY})")
    # By its key ARN, the key is the bucket's for every writer: judged on its policy.
    assert by_name(check_chain(default_named(KEY)))[KMS].status == PASS


def test_a_default_key_by_bare_key_id_still_fails_naming_the_key_it_is() -> None:
    link = by_name(check_chain(default_named(KEY_ID)))[KMS]

    assert link.status == FAIL, link
    assert f"{EMR_ROLE} (not in the bucket's account {DESTINATION_ACCOUNT}) cannot use it" in link.detail
    assert f"a key id names one key only, here {KEY}" in link.detail
    assert "full ARN" in link.fix


def test_uploads_asking_for_the_defaults_alias_are_said_of_the_header() -> None:
    """S3 uses the key the header names instead of the default (S3 API Reference, ServerSideEncryptionRule)."""
    state = with_at_rest_s3_encryption(default_named(ALIAS), "SSE-KMS", ALIAS)

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert f"every upload asks for SSE-KMS with {ALIAS}" in link.detail
    assert "by default" not in link.detail
    assert "ARN" in link.fix


def test_uploads_asking_for_a_key_id_of_the_buckets_account_fail_for_a_writer_of_another() -> None:
    """The default's key id in the header, or another key's read in the bucket's account: no key of the writer's."""
    state = with_at_rest_s3_encryption(default_named(KEY_ID), "SSE-KMS", KEY_ID)
    link = by_name(check_chain(state))[KMS]
    assert link.status == FAIL, link
    assert f"every upload asks for SSE-KMS with {KEY_ID}" in link.detail
    assert "by default" not in link.detail
    assert link.fix == f"name the key by its ARN ({KEY}) in the security configuration or emrfs-site"

    other_id = OTHER_KEY.rsplit("/", 1)[1]
    state = with_at_rest_s3_encryption(default_named(KEY), "SSE-KMS", other_id)
    state.requested_keys[requested_key_entry(other_id, bucket_of(state))] = OTHER_KEY
    assert by_name(check_chain(state))[KMS].status == FAIL
