"""
The key link's encryption context where it is not known, and the client-side key the live probe does not settle.

S3 passes KMS each object's ARN as ``kms:EncryptionContext:aws:s3:arn``, or, with an S3 Bucket Key, the bucket's
("Configuring your bucket to use an S3 Bucket Key with SSE-KMS for new objects"); a KMS-encrypted PUT into a bucket
with S3 Bucket Keys enabled "will automatically use S3 Bucket Keys unless you disable the keys in the request header"
(Amazon S3 User Guide, "Configuring an S3 Bucket Key at the object level"), and EMRFS documents no setting of that
header (Amazon EMR Release Guide, "Specifying Amazon S3 encryption using EMRFS properties"). So where the bucket's
default encryption was not read, uploads asking for SSE-KMS may have either context: the calls are judged with both.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import bucket_arn_context, encryption_context_is_bucket
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RefusedRead
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    KEY,
    KMS,
    PREFIX,
    ROLE,
    by_name,
    document,
    healthy_state,
)
from tests.unit.test_chain_audit_fixes import OTHER_KEY, bucket_of, with_at_rest_s3_encryption

#: How the verifier words a refused ``GetBucketEncryption`` (``verify.read``), as the bucket's unread part says it.
REFUSED = (
    f"s3:GetEncryptionConfiguration on Bucket={BUCKET} was refused to the connection 'aws_destination_account' "
    f"(account {DESTINATION_ACCOUNT})"
)
OBJECTS = f"arn:aws:s3:::{BUCKET}/*"
THE_BUCKET = f"arn:aws:s3:::{BUCKET}"
#: A passing live probe that wrote under the prefix as the first mapping.
PROBE_PASSED = {"ok": True, "routes": {PREFIX + "_emrfs_xacct_probe/x": 0}}


def key_users_only_with(condition: dict[str, Any] | None) -> dict[str, Any]:
    """A key policy letting the writer use the key through S3 under ``condition`` only (no root delegation)."""
    statement = {
        "Sid": "KeyUsers",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        **({"Condition": condition} if condition else {}),
    }
    return document(ADMIN_STATEMENT, statement)


def unread_encryption(state: ChainState) -> ChainState:
    """The bucket's default encryption refused to the verifier, as ``verify.read_bucket`` leaves the bucket."""
    bucket = bucket_of(state)
    bucket.sse_algorithm = None
    bucket.kms_key_arn = None
    bucket.kms_key_id = None
    bucket.bucket_key_enabled = False
    bucket.unreadable["encryption"] = REFUSED
    state.refused_reads.append(
        RefusedRead(
            "s3:GetEncryptionConfiguration",
            "aws_destination_account",
            DESTINATION_ACCOUNT,
            f"Bucket={BUCKET}",
            "GetBucketEncryption",
            REFUSED,
        )
    )
    return state


def asking_for_the_key_with_encryption_unread(condition: dict[str, Any] | None) -> ChainState:
    """Every upload asks for SSE-KMS with KEY (the security configuration); the bucket's encryption was not read."""
    state = unread_encryption(with_at_rest_s3_encryption(healthy_state(), "SSE-KMS", KEY))
    state.requested_keys[KEY] = KEY  # DescribeKey on the key asked for
    state.key_policies[KEY] = key_users_only_with(condition)
    return state


# 1. The bucket's default encryption unread, the uploads asking for SSE-KMS -----------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"kms:EncryptionContext:aws:s3:arn": OBJECTS}},
        {"StringEquals": {"kms:EncryptionContext:aws:s3:arn": THE_BUCKET}},
    ],
    ids=["objects-only", "bucket-only"],
)
def test_a_key_policy_for_one_context_only_is_not_checked_naming_the_refused_read(condition: dict[str, Any]) -> None:
    """
    Judged with each object's ARN only, a statement pinned to object ARNs passed and one pinned to the bucket's ARN
    failed; which one S3 passes turns on the bucket's S3 Bucket Key, which was not read.
    """
    state = asking_for_the_key_with_encryption_unread(condition)

    report = check_chain(state)

    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert REFUSED in link.detail
    assert "each object's ARN" in link.detail
    assert "the bucket's ARN" in link.detail
    assert [read.action for read in link.refused_reads] == ["s3:GetEncryptionConfiguration"]
    assert "s3:GetEncryptionConfiguration" in link.fix
    assert link.statement  # the statement whose Condition one context does not meet
    # The read back's kms:Decrypt is no call of the probe's: a passing probe does not settle it.
    assert link.probe_settles is False
    links = [each.to_dict() for each in report.links]
    assert verdict_with_probe(links, PROBE_PASSED)[0] == VERDICT_NOT_CHECKED


def test_a_key_policy_allowing_both_contexts_passes_with_the_encryption_unread() -> None:
    state = asking_for_the_key_with_encryption_unread(
        {"StringLike": {"kms:EncryptionContext:aws:s3:arn": [OBJECTS, THE_BUCKET]}}
    )

    link = by_name(check_chain(state))[KMS]

    assert link.status == PASS, link
    assert f"{ROLE} may use {KEY} (the key every upload asks for)" in link.detail


def test_a_key_policy_refusing_both_contexts_fails_with_the_encryption_unread() -> None:
    other = "arn:aws:s3:::another-bucket"
    state = asking_for_the_key_with_encryption_unread(
        {"StringLike": {"kms:EncryptionContext:aws:s3:arn": [other, other + "/*"]}}
    )

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert "refused as well with the bucket's ARN as the encryption context" in link.detail
    assert REFUSED in link.detail


def grant(**constraints: dict[str, str]) -> dict[str, Any]:
    """A grant to the writer of the calls S3 makes for it (AWS KMS API Reference, GrantConstraints)."""
    return {
        "GrantId": "g-1",
        "GranteePrincipal": ROLE,
        "Operations": ["GenerateDataKey", "Decrypt"],
        **({"Constraints": constraints} if constraints else {}),
    }


@pytest.mark.parametrize(
    ("constraints", "status"),
    [
        ({"EncryptionContextEquals": {"aws:s3:arn": THE_BUCKET}}, UNKNOWN),
        ({"EncryptionContextSubset": {"aws:s3:arn": THE_BUCKET}}, UNKNOWN),
        ({}, PASS),
    ],
    ids=["equals-the-bucket", "subset-the-bucket", "unconstrained"],
)
def test_a_grant_follows_the_same_rule(constraints: dict[str, Any], status: str) -> None:
    """
    The key policy names its administrators only: a grant constrained to the bucket's ARN allows the calls with an S3
    Bucket Key only (it failed, judged with each object's ARN); an unconstrained one allows them with either.
    """
    state = asking_for_the_key_with_encryption_unread(None)
    state.key_policies[KEY] = document(ADMIN_STATEMENT)
    state.key_grants[KEY] = [grant(**constraints)]

    link = by_name(check_chain(state))[KMS]

    assert link.status == status, link
    if status == UNKNOWN:
        assert REFUSED in link.detail
        assert "grant g-1" in link.detail


def test_uploads_asking_for_nothing_with_the_encryption_unread_stay_not_checked_on_the_default() -> None:
    """No header: the bucket's default applies, and its key was not read (as before)."""
    state = unread_encryption(healthy_state())

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert link.detail == REFUSED


# The one rule, for the key link and the probe's (s3_access) ------------------------------------------------------


def test_the_rule_says_not_known_where_the_encryption_was_not_read_and_the_uploads_ask_for_sse_kms() -> None:
    state = asking_for_the_key_with_encryption_unread(None)
    bucket = bucket_of(state)

    why = bucket_arn_context(state, bucket, BUCKET)

    assert isinstance(why, str)
    assert REFUSED in why
    assert encryption_context_is_bucket(state, bucket, BUCKET) is False


@pytest.mark.parametrize(
    ("algorithm", "bucket_key", "asked", "expected"),
    [
        ("aws:kms", True, None, True),
        ("aws:kms", False, None, False),
        ("aws:kms:dsse", True, None, False),  # the default DSSE-KMS: S3 Bucket Keys "aren't supported"
        ("aws:kms", True, "SSE-KMS", True),
        ("AES256", True, "SSE-KMS", True),
        ("aws:kms", False, "SSE-KMS", False),
        ("aws:kms", True, "SSE-S3", False),
        ("aws:kms:dsse", False, "SSE-KMS", False),
    ],
)
def test_the_rule_where_the_bucket_was_read(
    algorithm: str, bucket_key: bool, asked: str | None, expected: bool
) -> None:
    state = healthy_state()
    if asked is not None:
        with_at_rest_s3_encryption(state, asked, KEY if asked == "SSE-KMS" else None)
    bucket = bucket_of(state)
    bucket.sse_algorithm = algorithm
    bucket.bucket_key_enabled = bucket_key

    assert bucket_arn_context(state, bucket, BUCKET) is expected
    assert encryption_context_is_bucket(state, bucket, BUCKET) is expected


# 2. The default DSSE-KMS with BucketKeyEnabled, the uploads asking for SSE-KMS ---------------------------------------


def dsse_default_with_a_bucket_key(state: ChainState) -> ChainState:
    """The bucket's default is DSSE-KMS with KEY, and BucketKeyEnabled is set."""
    bucket = bucket_of(state)
    bucket.sse_algorithm = "aws:kms:dsse"
    bucket.bucket_key_enabled = True
    return state


@pytest.mark.parametrize("key", [KEY, OTHER_KEY], ids=["the-defaults-key", "another-key"])
@pytest.mark.parametrize("pinned", [OBJECTS, THE_BUCKET], ids=["objects-only", "bucket-only"])
def test_sse_kms_uploads_to_a_dsse_bucket_with_a_bucket_key_are_not_checked_on_one_context(
    key: str, pinned: str
) -> None:
    """
    The uploads ask for SSE-KMS, so the algorithm is theirs, not the default's: whether S3 gives them the bucket's
    S3 Bucket Key on a bucket whose default is DSSE-KMS is not documented. With the default's own key the link was
    judged as DSSE-KMS (each object's ARN: a PASS or a FAIL) while the probe's rule took the bucket's ARN; with
    another key it took the bucket's ARN.
    """
    state = dsse_default_with_a_bucket_key(with_at_rest_s3_encryption(healthy_state(), "SSE-KMS", key))
    state.requested_keys[key] = key
    state.key_policies[key] = key_users_only_with({"StringLike": {"kms:EncryptionContext:aws:s3:arn": pinned}})

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "DSSE-KMS with BucketKeyEnabled set" in link.detail
    why = bucket_arn_context(state, bucket_of(state), BUCKET)
    assert isinstance(why, str)
    assert encryption_context_is_bucket(state, bucket_of(state), BUCKET) is False


def test_sse_kms_uploads_to_a_dsse_bucket_with_a_bucket_key_pass_where_both_contexts_are_allowed() -> None:
    state = dsse_default_with_a_bucket_key(with_at_rest_s3_encryption(healthy_state(), "SSE-KMS", KEY))
    state.key_policies[KEY] = key_users_only_with(None)

    assert by_name(check_chain(state))[KMS].status == PASS


# 3. Client-side encryption: the probe does not settle the key EMRFS uses itself --------------------------------------


@pytest.mark.parametrize(
    "client_side",
    [
        lambda state: with_at_rest_s3_encryption(state, "CSE-KMS", OTHER_KEY),
        lambda state: setattr(
            state,
            "cluster_configurations",
            [
                {
                    "Classification": "emrfs-site",
                    "Properties": {"fs.s3.cse.enabled": "true", "fs.s3.cse.kms.keyId": OTHER_KEY},
                }
            ],
        ),
    ],
    ids=["security-configuration", "emrfs-site"],
)
def test_a_passing_probe_does_not_settle_the_client_side_key(client_side: Any) -> None:
    """
    The probe's one ``hadoop fs -put`` makes EMRFS encrypt one upload; the job's objects are also "decrypted after
    they are downloaded" (Amazon EMR Release Guide, "Amazon S3 client-side encryption"), a kms:Decrypt the probe never
    calls. It was settled: the verdict PASS after a passing probe.
    """
    state = healthy_state()
    client_side(state)

    report = check_chain(state)

    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert "encrypted client-side" in link.detail
    assert link.probe_settles is False
    assert "kms:Decrypt" in link.fix
    assert "probe=True" not in link.fix
    links = [each.to_dict() for each in report.links]
    assert [each["link"] for each in links if each["status"] != PASS] == [KMS]
    assert verdict_with_probe(links, PROBE_PASSED)[0] == VERDICT_NOT_CHECKED


def org_only_data_keys(state: ChainState) -> None:
    """A key policy whose data keys depend on ``aws:PrincipalOrgID`` (not read: not checked; the same on every node)."""
    decrypt = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}
    data_keys = {
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:GenerateDataKey*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    }
    state.key_policies[KEY] = document(ADMIN_STATEMENT, decrypt, data_keys)


@pytest.mark.parametrize("with_client_side", [True, False], ids=["client-side", "control"])
def test_a_client_side_key_is_not_settled_when_the_bucket_key_link_is_not_checked_either(
    with_client_side: bool,
) -> None:
    """
    The rule above holds whether the bucket's key passed or was itself not checked: a passing probe settled the
    latter, and the client-side key with it (the verdict PASS, the detail silent on it). The control shows the probe
    settles the bucket key's doubt without client-side encryption.
    """
    state = healthy_state()
    org_only_data_keys(state)
    if with_client_side:
        with_at_rest_s3_encryption(state, "CSE-KMS", OTHER_KEY)

    report = check_chain(state)

    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert "aws:PrincipalOrgID" in link.detail
    links = [each.to_dict() for each in report.links]
    if with_client_side:
        assert "encrypted client-side" in link.detail
        assert link.probe_settles is False
        assert "kms:Decrypt" in link.fix
        assert "probe=True" not in link.fix
        assert verdict_with_probe(links, PROBE_PASSED)[0] == VERDICT_NOT_CHECKED
    else:
        assert link.probe_settles is True
        assert verdict_with_probe(links, PROBE_PASSED)[0] == VERDICT_PASS


@pytest.mark.parametrize("tls_doubt", ["no", "maybe"])
def test_a_client_side_key_is_not_settled_when_tls_is_in_doubt_either(tls_doubt: str) -> None:
    """
    A TLS setting neither true nor false leaves the key link not checked on plain HTTP; that link was returned before
    the client-side key was looked at: silent on it, settled by a passing probe (the verdict PASS).
    """
    state = healthy_state()
    state.cluster_configurations = [
        {
            "Classification": "emrfs-site",
            "Properties": {
                "fs.s3.cse.enabled": "true",
                "fs.s3.cse.kms.keyId": OTHER_KEY,
                "fs.s3n.ssl.enabled": tls_doubt,
            },
        }
    ]

    report = check_chain(state)

    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert "encrypted client-side" in link.detail
    assert link.probe_settles is False
    links = [each.to_dict() for each in report.links]
    assert verdict_with_probe(links, PROBE_PASSED)[0] == VERDICT_NOT_CHECKED


def test_a_passing_probe_still_settles_what_it_shows_without_client_side_encryption() -> None:
    """The control: the same chain without client-side encryption passes, probe or not."""
    links = [each.to_dict() for each in check_chain(healthy_state()).links]

    assert verdict_with_probe(links, PROBE_PASSED)[0] == VERDICT_PASS
