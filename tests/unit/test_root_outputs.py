"""
Outputs at the bucket's root: a ``Prefix`` mapping of ``s3://bucket/`` (the security configuration accepts it).

Its requests are judged as any prefix's: the listing of the root (prefix empty, ``delimiter=/``) included.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings
from tests.unit.test_chain import BUCKET, ROLE, by_name, destination_role, document, healthy_state, mappings

WHOLE = f"s3://{BUCKET}/"


def _whole_bucket_state(*bucket_statements: dict[str, Any]) -> ChainState:
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", WHOLE))
    state.destination_roles[ROLE] = destination_role(prefixes=(WHOLE,))
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = document(*bucket_statements) if bucket_statements else None
    return state


def _deny_listing(operator: str, key: str, value: str) -> dict[str, Any]:
    return {
        "Sid": "DenyListing",
        "Effect": "Deny",
        "Principal": {"AWS": ROLE},
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{BUCKET}",
        "Condition": {operator: {key: value}},
    }


def test_the_security_configuration_accepts_a_mapping_of_the_bucket_root() -> None:
    # So the verifier meets the root: a root output is not refused before it.
    checked = validate_role_mappings([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [WHOLE]}])
    assert checked[0]["Identifiers"] == [WHOLE]


def test_the_listing_of_the_root_is_judged_with_its_delimiter() -> None:
    # Reading the output back lists the root one level deep (ListObjectsV2 delimiter=/): a bucket policy that
    # denies that listing fails the read back, as it does for any prefix.
    state = _whole_bucket_state(_deny_listing("StringEquals", "s3:delimiter", "/"))

    links = by_name(check_chain(state))

    read_back = links[f"read back {WHOLE}"]
    assert read_back.status == FAIL, read_back
    assert f"ListObjectsV2 {WHOLE} " in read_back.detail
    assert "s3:ListBucket" in read_back.detail


def test_a_condition_on_the_prefix_of_the_root_listing_is_not_checked() -> None:
    # The root listing sends an empty prefix or none; whether S3 then sees s3:prefix as "" or absent is not
    # documented (IAM User Guide, "Amazon S3: Allows IAM users access to their S3 home directory,
    # programmatically and in the console" grants it with s3:prefix ""): neither passed nor failed.
    state = _whole_bucket_state(_deny_listing("StringEquals", "s3:prefix", ""))

    read_back = by_name(check_chain(state))[f"read back {WHOLE}"]

    assert read_back.status == UNKNOWN, read_back
    assert "s3:prefix" in read_back.detail


def test_the_requests_on_the_bucket_are_shown_at_the_root_without_a_double_slash() -> None:
    state = _whole_bucket_state(_deny_listing("StringEquals", "s3:delimiter", "/"))

    report = check_chain(state)

    assert f"s3://{BUCKET}//" not in report.table()
    assert f"ListObjectsV2 {WHOLE} " in by_name(report)[f"output directory lookup {WHOLE}"].detail


def test_a_healthy_mapping_of_the_root_passes() -> None:
    report = check_chain(_whole_bucket_state())

    assert report.verdict == VERDICT_PASS, report.table()
    listed = [item for item in report.evaluated if item.action == "s3:ListBucket" and item.principal == ROLE]
    assert any(item.context.get("s3:delimiter") == "/" and "s3:prefix" not in item.context for item in listed)
