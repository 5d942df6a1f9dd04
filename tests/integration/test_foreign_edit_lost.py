"""
A known limit, pinned: an edit by a person or another tool that lands between a grant's read and its write is replaced.

KMS replaces the whole key policy on each ``PutKeyPolicy`` and offers no conditional write (AWS KMS API Reference,
"PutKeyPolicy"); S3's ``PutBucketPolicy`` and IAM's policy writes likewise. The provider re-reads and merges, and its
pool serialises its own writers, but a writer that does neither is not seen (docs/safety.md, "People and other
tools"). If this test ever fails, the provider has learnt to keep such an edit: update the docs with it.
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import parse_document
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, client, create_principals
from tests.integration.test_stale_reads import principal

PERSON = {
    "Sid": "SecurityTeamAudit",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
    "Action": "kms:DescribeKey",
    "Resource": "*",
}


def test_a_person_s_edit_between_the_grant_s_read_and_write_is_replaced_with_no_error(aws: Any) -> None:
    create_principals(aws.url, principal(1))
    person = client(aws.url, DESTINATION_ACCOUNT, "kms")
    hook = EmrfsKmsHook(aws_conn_id=DESTINATION_CONN_ID)
    saved: list[str] = []

    def save_first(**_: Any) -> None:  # the person's console save lands between the grant's read and its write
        if saved:
            return
        policy = parse_document(person.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
        policy["Statement"].append(PERSON)
        person.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))
        saved.append(PERSON["Sid"])

    hook.conn.meta.events.register("before-call.kms.PutKeyPolicy", save_first)
    changes = hook.ensure_key_users(aws.kms_key_arn, [principal(1)], settings=ConvergeSettings(settle_seconds=1.0))

    after = parse_document(person.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    sids = [statement.get("Sid") for statement in after["Statement"]]
    assert saved == ["SecurityTeamAudit"]  # the edit did land first
    assert [change.action for change in changes] == ["update"]  # and the grant succeeded, with no error
    assert "SecurityTeamAudit" not in sids  # yet the edit is gone
    assert "EmrfsXacctKeyUsers" in sids
