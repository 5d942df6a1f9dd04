"""
A policy that pins the KMS key of uploads by its key ARN (``s3:x-amz-server-side-encryption-aws-kms-key-id``),
judged against uploads that name that key by key id or alias.

The header takes a key ID, key ARN or alias (Amazon S3 API Reference, PutObject,
``x-amz-server-side-encryption-aws-kms-key-id``); a policy names the key ARN, and "the AWS KMS key ID that Amazon S3
uses for object encryption must match the AWS KMS key ID in the policy, otherwise Amazon S3 denies the request"
(Amazon S3 User Guide, "Specifying server-side encryption with AWS KMS (SSE-KMS)"). What the condition key holds when
the header names the key otherwise than by its ARN is not documented: such a condition is not checked (it was a FAIL
on the text as written); one on the key's presence alone (``Null``) still decides.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState, requested_key_entry
from tests.unit.test_chain import BUCKET, KEY, ROLE, WRITE, WRITE_STEPS, by_name, document, healthy_state
from tests.unit.test_chain_audit_fixes import OTHER_KEY, with_at_rest_s3_encryption

#: The condition key of the header naming the key (S3 User Guide, "Specifying server-side encryption with AWS KMS").
KMS_KEY_ID_CONDITION = "s3:x-amz-server-side-encryption-aws-kms-key-id"
KEY_ID = KEY.rsplit("/", 1)[1]
ALIAS = "alias/partner-results"
MKDIRS = WRITE_STEPS[0]


def deny_unless(condition: dict[str, Any]) -> dict[str, Any]:
    """A bucket policy statement refusing uploads whose key header meets ``condition``."""
    return {
        "Sid": "OnlyThePartnersKey",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": condition,
    }


#: The statement of the S3 User Guide's example: uploads naming a key must name this one (parts carry no header).
PINNED = deny_unless({"StringNotEquals": {KMS_KEY_ID_CONDITION: KEY}, "Null": {KMS_KEY_ID_CONDITION: "false"}})


def uploads_naming(named: str, statement: dict[str, Any], *, site: bool = False) -> ChainState:
    """
    The destination role (the bucket's and the key's account) writes with SSE-KMS, the key named ``named`` in the
    security configuration (or emrfs-site), resolved by DescribeKey to ``KEY``; the bucket policy holds ``statement``.
    """
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    if site:
        properties = {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": named}
        state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": properties}]
    else:
        with_at_rest_s3_encryption(state, "SSE-KMS", named)
    if named != KEY:
        state.requested_keys[requested_key_entry(named, bucket)] = KEY
    bucket.policy = document(statement)
    return state


@pytest.mark.parametrize(
    ("named", "site"), [(KEY_ID, False), (ALIAS, False), (ALIAS, True)], ids=["key-id", "alias", "emrfs-site-alias"]
)
def test_a_policy_pinning_the_key_arn_is_not_checked_for_uploads_naming_it_otherwise(named: str, site: bool) -> None:
    report = check_chain(uploads_naming(named, PINNED, site=site))

    links = by_name(report)
    assert not [link for link in report.links if link.status == FAIL], report.links
    for step in WRITE_STEPS:
        assert links[step].status == UNKNOWN, links[step]
        assert f"depends on condition StringNotEquals on {KMS_KEY_ID_CONDITION}" in links[step].detail
    assert report.verdict == "NOT_CHECKED"
    # Named by its key ARN, the header is the text the policy names: judged, as before.
    assert check_chain(uploads_naming(KEY, PINNED, site=site)).verdict == "PASS"
    other = deny_unless({"StringNotEquals": {KMS_KEY_ID_CONDITION: OTHER_KEY}, "Null": {KMS_KEY_ID_CONDITION: "false"}})
    assert by_name(check_chain(uploads_naming(KEY, other, site=site)))[WRITE].status == FAIL


def test_a_condition_on_the_keys_presence_alone_still_decides() -> None:
    """``Null`` tests whether the header is there, which it is, whatever S3 makes of its value."""
    sends_none = deny_unless({"Null": {KMS_KEY_ID_CONDITION: "true"}})
    sends_one = deny_unless({"Null": {KMS_KEY_ID_CONDITION: "false"}})
    any_key = deny_unless({"StringNotLike": {KMS_KEY_ID_CONDITION: "arn:aws:kms:*:key/*"}})

    # mkdirs sends one PutObject, with the headers (the write's parts carry none: a Deny of no key refuses them).
    assert by_name(check_chain(uploads_naming(ALIAS, sends_none)))[MKDIRS].status == PASS
    assert by_name(check_chain(uploads_naming(ALIAS, sends_one)))[MKDIRS].status == FAIL
    assert by_name(check_chain(uploads_naming(ALIAS, any_key)))[MKDIRS].status == UNKNOWN


def test_the_value_is_unknown_only_where_a_policy_tests_it() -> None:
    """Every policy an upload meets counts: the bucket's, the writers' own (and boundaries), the S3 endpoints'."""
    from airflow_provider_emrfs_xacct.pure.checks.contexts import key_id_value_unknown

    state = uploads_naming(ALIAS, deny_unless({"Null": {KMS_KEY_ID_CONDITION: "true"}}))
    assert not key_id_value_unknown(state, BUCKET, ALIAS)
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    tests_it = {"Statement": [{"Condition": {"ForAnyValue:StringEquals": {KMS_KEY_ID_CONDITION.upper(): KEY}}}]}
    role.boundary = ("boundary", json.dumps(tests_it))  # as text, the key in another case

    assert key_id_value_unknown(state, BUCKET, ALIAS)
    assert key_id_value_unknown(state, BUCKET, KEY_ID)
    assert not key_id_value_unknown(state, BUCKET, KEY)
    assert not key_id_value_unknown(state, BUCKET, None)
