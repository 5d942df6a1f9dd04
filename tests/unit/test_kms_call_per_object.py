"""
The KMS link judges S3's call for each object: without an S3 Bucket Key the encryption context is the object's ARN
(Amazon S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys": "an individual AWS KMS data key for
every object"; "Configuring your bucket to use an S3 Bucket Key with SSE-KMS for new objects": with one, the context
"will be the bucket Amazon Resource Name (ARN) and not the object ARN"), so a key policy Condition or a grant
constraint on it may allow some of the job's objects and refuse another.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
from tests.unit.test_chain import ADMIN_STATEMENT, BUCKET, KEY, KMS, ROLE, by_name, document, healthy_state

BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
SUCCESS = f"{BUCKET_ARN}/exports/_SUCCESS"
#: The objects of the job's write other than its _SUCCESS marker: the prefix's marker, the committer's temporary
#: directory's marker, a part file, and the source a renaming job copies it from (its CopyObject decrypts that source:
#: S3 API Reference, "CopyObject", "Permissions").
OTHERS = (
    f"{BUCKET_ARN}/exports_$folder$",
    f"{BUCKET_ARN}/exports/_temporary_$folder$",
    f"{BUCKET_ARN}/exports/part-00000",
    f"{BUCKET_ARN}/exports/_temporary/0/part-00000",
)


def _state_allowing(objects: list[str]) -> ChainState:
    """A key policy allowing the role's data keys only for ``objects`` (StringLike on the encryption context)."""
    state = healthy_state()
    state.key_policies[KEY] = document(
        ADMIN_STATEMENT,
        {
            "Sid": "DataOnly",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": objects}},
        },
    )
    return state


def _bucket(state: ChainState) -> BucketState:
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    return bucket


def test_a_key_policy_condition_refusing_one_object_fails_the_link_naming_it() -> None:
    """
    Hand-judged from the guide: the _SUCCESS PutObject's data key carries kms:EncryptionContext:aws:s3:arn =
    .../exports/_SUCCESS, which no pattern of the Condition matches, so KMS refuses it and the job's commit fails.
    """
    link = by_name(check_chain(_state_allowing(list(OTHERS))))[KMS]

    assert link.status == "fail", link
    assert link.detail.startswith(f"kms:GenerateDataKey on {KEY} as {ROLE}"), link.detail
    assert f"S3 makes this call for object {SUCCESS}" in link.detail
    assert "Sid DataOnly allows it only under its Condition" in link.detail
    # Every object the verifier names covered, but by exact ARNs: a Spark part file (part-00000-<uuid>-c000.csv) is
    # not one of them, so the Condition decides only some keys under the prefix and the probe's own object shows
    # nothing of the others (IAM User Guide, "IAM JSON policy elements: Condition operators": StringLike).
    exact = by_name(check_chain(_state_allowing([*OTHERS, SUCCESS])))[KMS]
    assert (exact.status, exact.probe_settles) == ("not checked", False), exact
    assert "decides only some keys under the prefix" in exact.detail
    # A pattern covering every key under the prefix (and the prefix's own marker): every call allowed.
    every = [f"{BUCKET_ARN}/exports/*", f"{BUCKET_ARN}/exports_$folder$"]
    assert by_name(check_chain(_state_allowing(every)))[KMS].status == "pass"
    # With a Bucket Key one context, the bucket's, for every object: a Condition on it allows every call, one on the
    # objects none, and the refusal is no one object's.
    on_bucket = _state_allowing([BUCKET_ARN])
    _bucket(on_bucket).bucket_key_enabled = True
    assert by_name(check_chain(on_bucket))[KMS].status == "pass"
    on_objects = _state_allowing([*OTHERS, SUCCESS])
    _bucket(on_objects).bucket_key_enabled = True
    refused = by_name(check_chain(on_objects))[KMS]
    assert refused.status == "fail"
    assert "for object" not in refused.detail  # the refusal is no one object's
    assert f"kms:EncryptionContext:aws:s3:arn={BUCKET_ARN}" in refused.detail


def _grant(grant_id: str, object_arn: str) -> dict[str, Any]:
    return {
        "GrantId": grant_id,
        "GranteePrincipal": ROLE,
        "Operations": ["GenerateDataKey", "Decrypt"],
        "Constraints": {"EncryptionContextEquals": {"aws:s3:arn": object_arn}},
    }


def test_grants_bound_to_some_objects_fail_the_link_naming_the_object_none_allows() -> None:
    """
    AWS KMS API Reference, GrantConstraints: EncryptionContextEquals allows the operation "only when the encryption
    context in the request is the same"; the key policy names administrators only, so the grants decide each call.
    """
    state = _state_allowing([])
    state.key_policies[KEY] = document(ADMIN_STATEMENT)
    state.key_grants[KEY] = [_grant(f"g-{index}", arn) for index, arn in enumerate(OTHERS)]

    link = by_name(check_chain(state))[KMS]

    assert link.status == "fail", link
    assert link.detail.startswith(f"kms:GenerateDataKey on {KEY} as {ROLE}"), link.detail
    assert f"S3 makes this call for object {SUCCESS}" in link.detail
    assert f"S3 sends the encryption context {{'aws:s3:arn': '{SUCCESS}'}}" in link.detail

    # A grant for each object the verifier names: a grant's EncryptionContextEquals names one object, and a job
    # writes others (a Spark part file's name is its own), so the link is not checked, and not settled by the probe.
    state.key_grants[KEY] = [*state.key_grants[KEY], _grant("g-success", SUCCESS)]  # type: ignore[list-item]
    exact = by_name(check_chain(state))[KMS]
    assert (exact.status, exact.probe_settles) == ("not checked", False), exact
    assert "which names one object: it decides only some keys under the prefix" in exact.detail
