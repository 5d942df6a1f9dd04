"""
The KMS link judged on the key the uploads ask for (security configuration, its per-bucket overrides,
emrfs-site) rather than the bucket's default key, when the verifier could read it; "not checked" with the
reason when it could not.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import requested_encryption
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, Unreadable, requested_key_entry
from airflow_provider_emrfs_xacct.pure.documents import key_users_statement
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration
from devstack import emrfs_writer
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ROLE,
    KEY,
    PREFIX,
    ROLE,
    ROOT_STATEMENT,
    WRITE,
    by_name,
    document,
    healthy_state,
)
from tests.unit.test_chain_audit_fixes import OTHER_KEY, emr_role_writes_unmapped_keys, with_at_rest_s3_encryption

KMS = f"use bucket key for {PREFIX}"
READABLE = "encryption settings readable"
NOBODY: dict[str, Any] = {"Version": "2012-10-17", "Statement": []}


def asking_for_other_key(state: ChainState, *, users: list[str], key: str = OTHER_KEY) -> ChainState:
    """Uploads ask for ``key``; the verifier read it (DescribeKey, GetKeyPolicy) with these key users."""
    with_at_rest_s3_encryption(state, "SSE-KMS", key)
    state.requested_keys[requested_key_entry(key, state.buckets[BUCKET])] = OTHER_KEY
    state.key_policies[OTHER_KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT, key_users_statement(users))
    state.key_states[OTHER_KEY] = "Enabled"
    state.key_policies[KEY] = NOBODY  # the bucket's default key does not count
    return state


def test_the_requested_key_read_and_allowing_the_writer_passes() -> None:
    link = by_name(check_chain(asking_for_other_key(healthy_state(), users=[ROLE])))[KMS]

    assert link.status == PASS, link
    assert f"{ROLE} may use {OTHER_KEY} (the key every upload asks for)" in link.detail


def test_the_requested_key_not_allowing_the_writer_fails_with_the_key_user_fix() -> None:
    """S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)": uploads need kms:GenerateDataKey."""
    link = by_name(check_chain(asking_for_other_key(healthy_state(), users=[])))[KMS]

    assert link.status == FAIL, link
    assert f"kms:GenerateDataKey on {OTHER_KEY} as {ROLE}" in link.detail
    assert link.fix.startswith("GrantKmsKeyUserOperator with the destination role (command line: "), link.fix


def test_the_requested_key_pending_deletion_fails_with_the_fix_that_works() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    state.key_states[OTHER_KEY] = "PendingDeletion"

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert f"the key {OTHER_KEY} is PendingDeletion" in link.detail
    assert "kms:CancelKeyDeletion" in link.fix


def test_the_requested_multi_region_key_updating_its_primary_region_is_judged_on_its_policy() -> None:
    """AWS KMS Developer Guide, "Change the primary key in a set of multi-Region keys": Updating keys encrypt."""
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    state.key_states[OTHER_KEY] = "Updating"

    assert by_name(check_chain(state))[KMS].status == PASS


def test_a_requested_key_that_does_not_exist_fails() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    state.requested_keys[OTHER_KEY] = None

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert f"no such key in account {DESTINATION_ACCOUNT}" in link.detail


def test_a_requested_key_in_an_account_the_verifier_cannot_read_is_not_checked_with_the_reason() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    state.requested_keys[OTHER_KEY] = Unreadable("the key is in account 333333333333; the destination ...")

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "the key is in account 333333333333" in link.detail


def test_a_key_id_asked_for_by_a_writer_of_another_account_is_not_checked() -> None:
    """S3 API Reference, PutObject: a key id or alias is resolved in the account that sends the request."""
    state = emr_role_writes_unmapped_keys(healthy_state())
    asking_for_other_key(state, users=[ROLE, EMR_ROLE], key="alias/partner-results")

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "S3 resolves an alias or key id in the writer's account" in link.detail
    assert EMR_ROLE in link.detail
    assert "ARN" in link.fix


def test_a_key_alias_asked_for_by_writers_of_the_destination_account_is_judged() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE], key="alias/partner-results")

    assert by_name(check_chain(state))[KMS].status == PASS


def test_an_alias_read_in_another_region_does_not_judge_a_buckets_uploads() -> None:
    """
    An alias names a key of one Region (KMS Developer Guide, "Aliases in AWS KMS"), and S3 uses only a key of
    the bucket's own Region (S3 User Guide, SSE-KMS): the alias read for a bucket of us-east-1 is not the key
    uploads to a bucket of eu-west-1 ask for, so that bucket's link is "not checked", not passed on it.
    """
    state = healthy_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.region = "us-east-1"
    asking_for_other_key(state, users=[ROLE], key="alias/partner-results")
    assert by_name(check_chain(state))[KMS].status == PASS  # read in the bucket's own Region: judged

    bucket.region = "eu-west-1"
    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert "the key was not read" in link.detail


def test_a_writer_of_another_account_needs_its_own_policy_for_a_requested_key_by_arn() -> None:
    """AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key": key policy and IAM policy."""
    state = emr_role_writes_unmapped_keys(healthy_state())
    asking_for_other_key(state, users=[ROLE, EMR_ROLE])  # the EMR role's own policy names KEY only

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert f"on {OTHER_KEY} as {EMR_ROLE}" in link.detail


@pytest.mark.parametrize(
    ("asked", "status"),
    [
        (None, UNKNOWN),  # the bucket's default applies: its alias is resolved in the writer's account
        (KEY, PASS),  # the key by its full ARN: S3 uses the key the request names, not the default
        ("alias/partner-key", UNKNOWN),  # named exactly as the default: the header's alias, resolved there too
    ],
)
def test_uploads_naming_the_default_key_by_its_arn_are_judged_on_that_key_not_on_the_defaults_alias(
    asked: str | None, status: str
) -> None:
    """
    Option (a): the EMR EC2 role writes from another account than the bucket's, whose default encryption names the
    partner's key by alias. S3 resolves the default's alias in the writer's account, where the verifier reads no key
    (S3 API Reference, ServerSideEncryptionByDefault), so a write relying on it is not checked; but an upload that names the same key by its full ARN uses that key (S3 API Reference, PutObject,
    x-amz-server-side-encryption-aws-kms-key-id: "If the KMS key doesn't exist in the same account that's issuing the
    command, you must use the full Key ARN"), and is judged on the key's policies, not refused for the default's alias.
    """
    state = emr_role_writes_unmapped_keys(healthy_state())
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.kms_key_id, bucket.kms_key_arn = "alias/partner-key", KEY  # DescribeKey resolved the alias to KEY
    if asked is not None:
        with_at_rest_s3_encryption(state, "SSE-KMS", asked)

    link = by_name(check_chain(state))[KMS]

    assert link.status == status, link
    if status == PASS:
        assert f"{EMR_ROLE}, {ROLE} may use {KEY} (the key every upload asks for)" in link.detail
    elif asked is None:
        assert f"{EMR_ROLE} (not in the bucket's account {DESTINATION_ACCOUNT})" in link.detail
        assert "names its key by the alias name alias/partner-key" in link.detail
    else:  # the header's alias, which S3 uses instead of the default: said of the header
        assert "every upload asks for SSE-KMS with alias/partner-key" in link.detail
        assert "encrypted by default" not in link.detail


def test_the_stand_in_for_aws_s3_not_created_yet_is_judged_but_not_expected_of_the_probe_object() -> None:
    """
    Uploads ask for aws/s3 before KMS created it: the chain check judges the writers on ``key/not-created-yet``, but
    that is no key's ARN, since S3 creates the key under its own id on the first SSE-KMS write (Amazon S3 API
    Reference, ServerSideEncryptionByDefault): the probe is handed the alias, which it reads again once its object is
    written, not the stand-in, which the object's key never matches.
    """
    from airflow_provider_emrfs_xacct.pure.kms_keys import is_key_arn
    from airflow_provider_emrfs_xacct.verify import probe_encryption

    stand_in = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/not-created-yet"
    state = with_at_rest_s3_encryption(healthy_state(), "SSE-KMS", "alias/aws/s3")
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    state.requested_keys[requested_key_entry("alias/aws/s3", bucket)] = stand_in

    assert not is_key_arn(stand_in)
    assert is_key_arn(KEY)
    assert probe_encryption(state, BUCKET) == ["aws:kms", "alias/aws/s3"]


# Per-bucket overrides (Amazon EMR Management Guide, "Create a security configuration") -------------------


def with_override(state: ChainState, bucket: str, mode: str, key: str | None = None) -> ChainState:
    encryption = state.security_configuration["EncryptionConfiguration"]  # type: ignore[index]
    s3 = encryption["AtRestEncryptionConfiguration"]["S3EncryptionConfiguration"]
    s3.setdefault("Overrides", []).append(
        {"BucketName": bucket, "EncryptionMode": mode, **({"AwsKmsKey": key} if key else {})}
    )
    return state


def test_the_override_for_the_destination_bucket_wins() -> None:
    state = with_override(asking_for_other_key(healthy_state(), users=[]), BUCKET, "SSE-S3")

    assert requested_encryption(state, BUCKET) == ("AES256", None)
    link = by_name(check_chain(state))[KMS]
    assert link.status == PASS, link
    assert "SSE-S3" in link.detail


def test_an_override_naming_a_key_is_judged_on_that_key() -> None:
    state = with_at_rest_s3_encryption(healthy_state(), "SSE-S3")
    with_override(state, BUCKET, "SSE-KMS", OTHER_KEY)
    state.requested_keys[OTHER_KEY] = OTHER_KEY
    state.key_policies[OTHER_KEY] = NOBODY

    assert requested_encryption(state, BUCKET) == ("aws:kms", OTHER_KEY)
    link = by_name(check_chain(state))[KMS]
    assert link.status == FAIL, link
    assert OTHER_KEY in link.detail


def test_an_override_for_another_bucket_changes_nothing_here() -> None:
    state = with_override(asking_for_other_key(healthy_state(), users=[]), "some-other-bucket", "SSE-S3")

    assert requested_encryption(state, BUCKET) == ("aws:kms", OTHER_KEY)
    assert requested_encryption(state, "some-other-bucket") == ("AES256", None)
    assert by_name(check_chain(state))[KMS].status == FAIL


def test_a_bucket_policy_requiring_the_bucket_key_refuses_uploads_naming_another() -> None:
    """EMRFS sends x-amz-server-side-encryption-aws-kms-key-id with the key it asks for (s3: condition key)."""
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    state.key_policies[KEY] = document(ROOT_STATEMENT, key_users_statement([ROLE]))
    bucket = state.buckets[BUCKET]
    bucket.policy = document(  # type: ignore[union-attr]
        {
            "Sid": "OnlyTheBucketKey",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {  # a header naming another key: UploadPart carries none
                "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KEY},
                "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
            },
        }
    )

    refused = by_name(check_chain(state))[WRITE]
    assert refused.status == FAIL, refused
    assert "CreateMultipartUpload" in refused.detail
    with_at_rest_s3_encryption(state, "SSE-KMS", KEY)
    assert by_name(check_chain(state))[WRITE].status == PASS


def test_the_stand_ins_writer_asks_for_what_the_verifier_expects() -> None:
    """The writer (devstack, sharing no code with the verifier) reads the same settings the same way."""
    state = with_at_rest_s3_encryption(healthy_state(), "SSE-KMS", OTHER_KEY)
    with_override(state, "some-other-bucket", "SSE-S3")
    with_override(state, "a-third-bucket", "SSE-KMS", KEY)
    document = state.security_configuration
    assert isinstance(document, dict)
    for bucket in (BUCKET, "some-other-bucket", "a-third-bucket"):
        assert emrfs_writer.requested_encryption(document, {}, bucket) == requested_encryption(state, bucket)

    site = {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": OTHER_KEY}
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]
    assert emrfs_writer.requested_encryption({}, site, BUCKET) == requested_encryption(state, BUCKET)
    assert emrfs_writer.requested_encryption({}, site, BUCKET) == ("aws:kms", OTHER_KEY)
    assert emrfs_writer.requested_encryption({}, {}, BUCKET) == (None, None)


def test_client_side_encryption_in_the_security_configuration_asks_for_no_server_side_encryption() -> None:
    """
    Amazon EMR Release Guide, "Specifying Amazon S3 encryption using EMRFS properties": S3 SSE and CSE "are
    mutually exclusive", and the security configuration overrides the cluster configuration: with CSE-KMS
    there, an ``emrfs-site`` asking for SSE-KMS is not what the uploads send; the bucket's default applies.
    """
    site = {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": OTHER_KEY}
    state = with_at_rest_s3_encryption(healthy_state(), "CSE-KMS", OTHER_KEY)
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]
    document = state.security_configuration
    assert isinstance(document, dict)

    assert requested_encryption(state, BUCKET) == (None, None)
    assert emrfs_writer.requested_encryption(document, site, BUCKET) == (None, None)
    link = by_name(check_chain(state))[KMS]
    # Judged on the bucket's default key, which the writer may use; but EMRFS also calls KMS itself with the
    # client-side key, which the verifier does not judge: said, not a silent pass.
    assert link.status == UNKNOWN, link
    assert f"may use {KEY}" in link.detail
    assert f"CSE-KMS with {OTHER_KEY} (the security configuration)" in link.detail
    assert "probe" in link.fix


def test_client_side_encryption_in_emrfs_site_is_said_not_checked() -> None:
    """Amazon EMR Release Guide, "Specifying Amazon S3 encryption using EMRFS properties": fs.s3.cse.enabled."""
    state = healthy_state()
    site = {"fs.s3.cse.enabled": "true", "fs.s3.cse.kms.keyId": OTHER_KEY}
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]

    link = by_name(check_chain(state))[KMS]

    assert link.status == UNKNOWN, link
    assert f"with {OTHER_KEY} (emrfs-site fs.s3.cse.enabled)" in link.detail


def test_client_side_encryption_leaves_a_refused_bucket_key_failed() -> None:
    state = with_at_rest_s3_encryption(healthy_state(), "CSE-KMS", OTHER_KEY)
    state.key_policies[KEY] = NOBODY

    assert by_name(check_chain(state))[KMS].status == FAIL


def test_at_rest_encryption_given_as_text_is_read_as_the_grant_accepts_it() -> None:
    """
    ``CreateEmrfsSecurityConfigOperator`` accepts ``"EnableAtRestEncryption": "true"`` or ``"false"`` (AWS's own
    CSE-Custom example in the Amazon EMR Management Guide, "Create a security configuration", writes the booleans
    as strings), so the verifier reads them as the booleans, not as a configuration it cannot read; the stand-in's
    writer (no code shared) agrees. Any other text is still not read.
    """
    for text, expected in (("true", ("aws:kms", OTHER_KEY)), ("false", (None, None))):
        state = asking_for_other_key(healthy_state(), users=[ROLE])
        assert isinstance(state.security_configuration, dict)
        state.security_configuration["EncryptionConfiguration"]["EnableAtRestEncryption"] = text
        build_security_configuration(
            [], {"EncryptionConfiguration": state.security_configuration["EncryptionConfiguration"]}
        )  # the grant takes it

        assert requested_encryption(state, BUCKET) == expected, text
        assert emrfs_writer.requested_encryption(state.security_configuration, {}, BUCKET) == expected, text
        links = by_name(check_chain(state))
        assert READABLE not in links, links[READABLE]
        if text == "true":
            assert links[KMS].status == PASS, links[KMS]

    state = asking_for_other_key(healthy_state(), users=[ROLE])
    assert isinstance(state.security_configuration, dict)
    state.security_configuration["EncryptionConfiguration"]["EnableAtRestEncryption"] = "yes"
    assert by_name(check_chain(state))[READABLE].status == UNKNOWN


def test_an_encryption_mode_the_guide_does_not_list_is_not_read_as_no_encryption() -> None:
    """
    The Amazon EMR Management Guide ("Create a security configuration", "JSON Reference for Encryption Settings")
    lists ``"EncryptionMode" : "SSE-S3" | "SSE-KMS" | "CSE-KMS" | "CSE-Custom"``, and the grant refuses any other
    (``refuse_misshapen_fields``). A configuration made by hand with another (``sse-kms``) exists, and what EMRFS
    asks for with it is not documented: not checked, where it was read as no encryption and the uploads judged on
    the bucket's default key (PASS), in the section and in a per-bucket override alike.
    """
    for mode in ("sse-kms", "SSE_KMS", "AES256"):
        state = asking_for_other_key(healthy_state(), users=[ROLE])
        assert isinstance(state.security_configuration, dict)
        s3 = state.security_configuration["EncryptionConfiguration"]["AtRestEncryptionConfiguration"]
        s3["S3EncryptionConfiguration"]["EncryptionMode"] = mode
        with pytest.raises(InvalidParameterError):  # the grant refuses it
            build_security_configuration(
                [], {"EncryptionConfiguration": state.security_configuration["EncryptionConfiguration"]}
            )

        report = check_chain(state)
        links = by_name(report)
        assert links[READABLE].status == UNKNOWN, mode
        assert repr(mode).replace("'", '"') in links[READABLE].detail, links[READABLE]
        # Nor judged on the bucket's default key (it failed here, the default key not allowing the role, while the
        # uploads may ask for the key the role may use): the key link is not checked, naming the mode.
        assert links[KMS].status == UNKNOWN, links[KMS]
        assert f"EncryptionMode is {repr(mode).replace(chr(39), chr(34))}" in links[KMS].detail, links[KMS]
        assert report.verdict == "NOT_CHECKED", (mode, report.table())

    state = with_override(asking_for_other_key(healthy_state(), users=[ROLE]), BUCKET, "sse-s3")
    assert by_name(check_chain(state))[READABLE].status == UNKNOWN


# S3A serving s3:// (7.10.0 on) ----------------------------------------------------------------------------------


def on_s3a(state: ChainState, **core_site: str) -> ChainState:
    """A 7.10.0 cluster, whose s3:// is S3A (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem")."""
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = [{"Classification": "core-site", "Properties": core_site}]
    return state


@pytest.mark.parametrize(
    "core_site",
    [
        {"fs.s3a.encryption.algorithm": "SSE-KMS", "fs.s3a.encryption.key": KEY},
        {f"fs.s3a.bucket.{BUCKET}.encryption.algorithm": "AES256"},
    ],
)
def test_s3as_own_encryption_settings_leave_what_the_uploads_ask_for_unknown(core_site: dict[str, str]) -> None:
    """
    S3A's own core-site encryption settings win over the translated EMRFS ones ("The mapping process automatically
    occurs when S3A configurations are undefined": Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
    filesystem"). So what the uploads ask for is not the security configuration's: the verifier must not read
    OTHER_KEY as the uploads' key, nor the probe expect it (``verify._read_requested_key``, the probe's expected key).
    """
    state = on_s3a(with_at_rest_s3_encryption(healthy_state(), "SSE-KMS", OTHER_KEY), **core_site)

    assert requested_encryption(state, BUCKET) is None
    assert requested_encryption(on_s3a(healthy_state(), **core_site), BUCKET) is None  # nor "none asked for"


def test_with_the_translation_off_the_security_configurations_encryption_is_not_read_for_s3a() -> None:
    """
    core-site fs.s3a.emrfs.compatibility.enable=false turns off EMR's translation of the EMRFS settings to S3A
    (same guide): whether the security configuration's at-rest encryption still reaches S3A's uploads is not
    documented. The key they ask for is then not known, and the KMS link not checked, rather than judged on OTHER_KEY.
    """
    off = {"fs.s3a.emrfs.compatibility.enable": "false"}
    state = on_s3a(asking_for_other_key(healthy_state(), users=[ROLE]), **off)

    assert requested_encryption(state, BUCKET) is None
    link = by_name(check_chain(state))[KMS]
    assert link.status == UNKNOWN, link
    assert "fs.s3a.emrfs.compatibility.enable" in link.detail

    kept = {**off, "fs.s3.impl": "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"}  # EMRFS serves s3:// and reads it
    assert requested_encryption(on_s3a(asking_for_other_key(healthy_state(), users=[ROLE]), **kept), BUCKET) == (
        "aws:kms",
        OTHER_KEY,
    )
    assert requested_encryption(on_s3a(healthy_state(), **off), BUCKET) == (None, None)  # nothing asked anywhere


@pytest.mark.parametrize(
    ("emrfs_site", "named"),
    [
        (
            {"fs.s3.enableServerSideEncryption": "True", "fs.s3.serverSideEncryption.kms.keyId": OTHER_KEY},
            "emrfs-site fs.s3.enableServerSideEncryption",
        ),
        ({"fs.s3.cse.enabled": "true"}, "emrfs-site fs.s3.cse.enabled"),
    ],
)
def test_with_the_translation_off_emrfs_sites_encryption_is_not_read_for_s3a(
    emrfs_site: dict[str, str], named: str
) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": EMR translates the EMRFS settings of its
    mapping table (``fs.s3.enableServerSideEncryption``, ``fs.s3.serverSideEncryption.kms.keyId``, ...) to S3A's, and
    "To disable this automatic translation" core-site ``fs.s3a.emrfs.compatibility.enable`` is ``false``. With it
    off, whether emrfs-site's encryption still reaches S3A's uploads is not documented: the KMS link is not checked,
    naming the emrfs-site setting (in any case), rather than judged on
    the emrfs-site key. With the translation on, the SSE switch is translated to a value the guide does not give (not
    known either); with it off and nothing asked, no header.
    """
    state = on_s3a(asking_for_other_key(healthy_state(), users=[ROLE]))
    assert isinstance(state.security_configuration, dict)
    del state.security_configuration["EncryptionConfiguration"]  # the key is asked for by emrfs-site alone
    off = {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "false"}}
    state.cluster_configurations = [off, {"Classification": "emrfs-site", "Properties": emrfs_site}]

    assert requested_encryption(state, BUCKET) is None
    link = by_name(check_chain(state))[KMS]
    assert link.status == UNKNOWN, link
    assert f"whether {named} still reaches S3A's uploads is not documented" in link.detail
    assert "emr-7.10.0 uses S3A for s3://" in link.detail

    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": emrfs_site}]  # translation on
    if "fs.s3.enableServerSideEncryption" in emrfs_site:
        # Translated, but the guide gives no value of fs.s3a.encryption.algorithm for it: not known, named as the
        # setting (test_emrfs_sse_switch_under_s3a_is_not_read_as_an_algorithm).
        assert requested_encryption(state, BUCKET) is None
        assert "emrfs-site fs.s3.enableServerSideEncryption" in by_name(check_chain(state))[KMS].detail

    quiet = {name: "false" for name in emrfs_site if name.endswith(("Encryption", "enabled"))}
    state.cluster_configurations = [off, {"Classification": "emrfs-site", "Properties": quiet}]
    assert requested_encryption(state, BUCKET) == (None, None)  # nothing asked for: the bucket's default


@pytest.mark.parametrize("settings_read", [True, False])
def test_the_security_configurations_encryption_is_not_read_as_what_s3as_uploads_ask_for(settings_read: bool) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": its "EMRFS to S3A Configuration Mapping"
    table carries emrfs-site's encryption properties to S3A (``fs.s3.enableServerSideEncryption`` to
    ``fs.s3a.encryption.algorithm``, ``fs.s3.serverSideEncryption.kms.keyId / fs.s3.cse.kms.keyId`` to
    ``fs.s3a.encryption.key``) and says nothing of the security configuration's at-rest S3 encryption; no AWS page
    says S3A reads it. Where S3A serves s3:// (7.10.0 on, EMRFS not kept), the KMS link is not checked, naming why,
    rather than a PASS on the security configuration's key; also when the cluster's settings were not read (the
    release given alone: fs.s3.impl unknown, so S3A may serve s3://).
    """
    state = on_s3a(asking_for_other_key(healthy_state(), users=[ROLE]))
    if not settings_read:
        state.cluster_configurations = None

    assert requested_encryption(state, BUCKET) is None
    report = check_chain(state)
    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert "security configuration's at-rest S3 encryption asks for SSE-KMS" in link.detail
    assert "not documented" in link.detail
    assert report.verdict == "NOT_CHECKED", report.table()

    kept = on_s3a(asking_for_other_key(healthy_state(), users=[ROLE]), **{"fs.s3.impl": emrfs_writer_impl()})
    assert requested_encryption(kept, BUCKET) == ("aws:kms", OTHER_KEY)  # EMRFS serves s3:// and applies it
    assert by_name(check_chain(kept))[KMS].status == PASS


def emrfs_writer_impl() -> str:
    """The class AWS's migration guide sets as ``fs.s3.impl`` to keep EMRFS."""
    return "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"


def test_an_emrfs_bucket_specific_kms_key_is_the_one_its_uploads_ask_for() -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": "a bucket-specific encryption setting in
    EMRFS using 'fs.s3.bucket.amzn-s3-demo-bucket1.serverSideEncryption.kms.keyId'", mapped to S3A's
    ``fs.s3a.encryption.key`` "for the specified bucket". The uploads to that bucket ask for that key, not the base
    ``fs.s3.serverSideEncryption.kms.keyId``: judged on it (it was judged on the base key), by the verifier and the
    stand-in's writer alike; another bucket's setting changes nothing here. Under S3A (7.10.0) the key is translated
    the same way, but the algorithm ``fs.s3.enableServerSideEncryption`` maps to is not given: not known there
    (:func:`test_emrfs_sse_switch_under_s3a_is_not_read_as_an_algorithm`).
    """
    site = {
        "fs.s3.enableServerSideEncryption": "true",
        "fs.s3.serverSideEncryption.kms.keyId": KEY,
        f"fs.s3.bucket.{BUCKET}.serverSideEncryption.kms.keyId": OTHER_KEY,
    }
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]

    assert requested_encryption(state, BUCKET) == ("aws:kms", OTHER_KEY)
    assert requested_encryption(state, "some-other-bucket") == ("aws:kms", KEY)
    assert emrfs_writer.requested_encryption({}, site, BUCKET) == ("aws:kms", OTHER_KEY)
    assert emrfs_writer.requested_encryption({}, site, "some-other-bucket") == ("aws:kms", KEY)

    # The verifier judges the bucket-specific key: unread, the link is not checked rather than passed on KEY.
    link = by_name(check_chain(state))[KMS]
    assert link.status == UNKNOWN, link
    assert f"asks for SSE-KMS with {OTHER_KEY}" in link.detail
    assert "the key was not read" in link.detail

    state.requested_keys[requested_key_entry(OTHER_KEY, state.buckets[BUCKET])] = OTHER_KEY
    state.key_policies[OTHER_KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT, key_users_statement([ROLE]))
    state.key_states[OTHER_KEY] = "Enabled"
    state.key_policies[KEY] = NOBODY
    assert by_name(check_chain(state))[KMS].status == PASS

    s3a = healthy_state()
    s3a.release_label = "emr-7.10.0"
    s3a.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]
    assert requested_encryption(s3a, BUCKET) is None


@pytest.mark.parametrize("release", ["emr-7.10.0", None])
def test_emrfs_sse_switch_under_s3a_is_not_read_as_an_algorithm(release: str | None) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping":
    ``fs.s3.enableServerSideEncryption`` maps to ``fs.s3a.encryption.algorithm``, and the key to
    ``fs.s3a.encryption.key``; the guide does not say which algorithm ``true`` becomes (EMRFS's SSE-KMS with a key,
    SSE-S3 without: "Specifying Amazon S3 encryption using EMRFS properties"). Where S3A serves (or, the release
    unknown, may serve) ``s3://``, what the uploads ask for is not known: the KMS link is not checked naming the
    setting, rather than a PASS on EMRFS's reading (it passed). With EMRFS kept, EMRFS's reading stands.
    """
    site = {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": OTHER_KEY}
    state = asking_for_other_key(healthy_state(), users=[ROLE])
    state.security_configuration = healthy_state().security_configuration  # no at-rest S3 encryption there
    state.release_label = release
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]

    assert requested_encryption(state, BUCKET) is None
    report = check_chain(state)
    link = by_name(report)[KMS]
    assert link.status == UNKNOWN, link
    assert "fs.s3.enableServerSideEncryption=true" in link.detail
    assert "fs.s3a.encryption.algorithm" in link.detail
    assert report.verdict == "NOT_CHECKED", report.table()

    state.cluster_configurations.append(
        {"Classification": "core-site", "Properties": {"fs.s3.impl": emrfs_writer_impl()}}
    )
    state.release_label = "emr-7.10.0"
    assert requested_encryption(state, BUCKET) == ("aws:kms", OTHER_KEY)
    assert by_name(check_chain(state))[KMS].status == PASS


# Apache Hadoop's org.apache.hadoop.conf.Configuration.getBoolean reads a flag with getTrimmed and equalsIgnoreCase
# "true"/"false" (its source, as vendored in apache/flink's flink-fs-hadoop-shaded); any other value gets the caller's
# default, which AWS does not document for EMRFS's switches. One reading everywhere: trimmed, any case; another
# value is not known (never read as off).
@pytest.mark.parametrize("value", [" true", "TRUE ", "\ttrue\n"])
def test_the_encryption_switches_are_read_trimmed_in_any_case(value: str) -> None:
    site = {"fs.s3.enableServerSideEncryption": value, "fs.s3.serverSideEncryption.kms.keyId": OTHER_KEY}
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]

    assert requested_encryption(state, BUCKET) == ("aws:kms", OTHER_KEY)  # was (None, None): untrimmed " true"
    assert emrfs_writer.requested_encryption({}, site, BUCKET) == ("aws:kms", OTHER_KEY)

    cse = healthy_state()
    cse.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {"fs.s3.cse.enabled": value}}]
    link = by_name(check_chain(cse))[KMS]
    assert link.status == UNKNOWN, link
    assert "fs.s3.cse.enabled" in link.detail


@pytest.mark.parametrize("name", ["fs.s3.enableServerSideEncryption", "fs.s3.cse.enabled"])
@pytest.mark.parametrize("value", ["yes", "1", "on", "", "tru e"])
def test_an_encryption_switch_neither_true_nor_false_is_not_known(name: str, value: str) -> None:
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": {name: value}}]

    assert requested_encryption(state, BUCKET) is None
    link = by_name(check_chain(state))[KMS]
    assert link.status == UNKNOWN, link
    assert f"{name}={value!r}" in link.detail
    # The stand-in's judge does not decide such a cluster either (devstack/aws_cluster_settings.py).
    from devstack.aws_cluster_settings import UNKNOWN as STAND_IN_UNKNOWN
    from devstack.aws_cluster_settings import credentials_of

    mapped = state.security_configuration
    assert isinstance(mapped, dict)
    assert credentials_of("emr-6.15.0", state.cluster_configurations, mapped, BUCKET).kind == STAND_IN_UNKNOWN


@pytest.mark.parametrize("space", ["\u00a0", "\u2003"])
def test_an_encryption_switch_padded_with_what_java_does_not_trim_is_not_known(space: str) -> None:
    """
    Java's String.trim (Hadoop's getTrimmed) removes only characters up to U+0020: "true" and a no-break space is
    neither true nor false to getBoolean. It was read as true, and the KMS link judged on the requested key.
    """
    site = {"fs.s3.enableServerSideEncryption": f"true{space}", "fs.s3.serverSideEncryption.kms.keyId": OTHER_KEY}
    state = healthy_state()
    state.cluster_configurations = [{"Classification": "emrfs-site", "Properties": site}]

    assert requested_encryption(state, BUCKET) is None
    link = by_name(check_chain(state))[KMS]
    assert link.status == UNKNOWN, link
    assert "fs.s3.enableServerSideEncryption" in link.detail


def test_with_the_translation_switch_unreadable_emrfs_sites_client_side_encryption_is_not_read_for_s3a() -> None:
    """
    With the switch off, whether emrfs-site's fs.s3.cse.enabled reaches S3A's uploads is not documented (above); on,
    the uploads ask for no server-side encryption. Set to "no", neither true nor false as Hadoop's getBoolean reads
    it, which of the two holds is not documented either: not known, naming the switch (was read as on: no header).
    """
    state = on_s3a(asking_for_other_key(healthy_state(), users=[ROLE]))
    assert isinstance(state.security_configuration, dict)
    del state.security_configuration["EncryptionConfiguration"]
    state.cluster_configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "no"}},
        {"Classification": "emrfs-site", "Properties": {"fs.s3.cse.enabled": "true"}},
    ]

    assert requested_encryption(state, BUCKET) is None
    link = by_name(check_chain(state))[KMS]
    assert link.status == UNKNOWN, link
    assert "fs.s3a.emrfs.compatibility.enable='no'" in link.detail
    assert "emrfs-site fs.s3.cse.enabled" in link.detail


ELSEWHERE_KEY = OTHER_KEY.replace(":us-east-1:", ":eu-west-1:")


@pytest.mark.parametrize(
    "asked",
    [ELSEWHERE_KEY, f"arn:aws:kms:eu-west-1:{DESTINATION_ACCOUNT}:alias/aws/s3"],
    ids=["key ARN", "aws/s3 alias ARN"],
)
def test_a_requested_key_of_another_region_fails_naming_the_region_rule(asked: str) -> None:
    """
    Amazon EMR Management Guide, "Create keys and certificates for data encryption with Amazon EMR": the key "must
    be created in the same Region as your Amazon EMR cluster instance and the Amazon S3 buckets used with EMRFS".
    Its policy allows the writer, so only the Region rule can fail it.
    """
    state = asking_for_other_key(healthy_state(), users=[ROLE], key=asked)
    state.requested_keys[requested_key_entry(asked, state.buckets[BUCKET])] = OTHER_KEY

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert f"{asked} is in Region eu-west-1, not in the bucket's Region us-east-1" in link.detail
    assert link.fix.startswith("name a KMS key of us-east-1")


def test_the_bucket_default_key_of_another_region_fails_naming_the_region_rule() -> None:
    state = healthy_state()
    state.buckets[BUCKET].kms_key_id = KEY.replace(":us-east-1:", ":eu-west-1:")
    state.buckets[BUCKET].kms_key_arn = KEY  # what a stand-in ignoring the ARN's Region would describe

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert "the key of the bucket's default encryption" in link.detail
    assert "is in Region eu-west-1, not in the bucket's Region us-east-1" in link.detail


def test_a_key_of_the_bucket_region_named_by_arn_still_passes() -> None:
    state = healthy_state()
    state.buckets[BUCKET].kms_key_id = KEY

    assert by_name(check_chain(state))[KMS].status == PASS


def test_a_bucket_of_unknown_region_is_judged_by_the_key_reads() -> None:
    state = asking_for_other_key(healthy_state(), users=[ROLE], key=ELSEWHERE_KEY)
    state.requested_keys[requested_key_entry(ELSEWHERE_KEY, state.buckets[BUCKET])] = OTHER_KEY
    state.buckets[BUCKET].region = None

    assert "is in Region" not in by_name(check_chain(state))[KMS].detail


def test_the_aws_managed_key_refusing_a_writer_of_another_account_names_a_fix_that_can_work() -> None:
    """
    AWS KMS Developer Guide, "AWS managed keys": their key policies cannot be changed, and let only principals of
    their own account use them ("kms:CallerAccount"). The fix said to change that policy's Condition.
    """
    from airflow_provider_emrfs_xacct.pure.checks.key_user import aws_managed_key_policy

    alias = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/aws/s3"
    managed = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/aws-s3-key"
    state = with_at_rest_s3_encryption(emr_role_writes_unmapped_keys(healthy_state()), "SSE-KMS", alias)
    state.requested_keys[requested_key_entry(alias, state.buckets[BUCKET])] = managed
    state.key_policies[managed] = aws_managed_key_policy(DESTINATION_ACCOUNT, managed)
    state.key_kinds[managed] = {"KeyManager": "AWS"}  # as verify._read_requested_key records it

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert EMR_ROLE in link.detail
    assert "change that Condition" not in link.fix
    assert link.fix.startswith(f"{managed} is an AWS managed key (aws/s3)")
    assert "name a customer managed key of that account by its ARN" in link.fix
    assert "GrantKmsKeyUserOperator" in link.fix


def test_a_customer_key_refusing_on_its_condition_still_names_the_condition() -> None:
    """The same refusal on a customer managed key (its policy AWS's text) keeps the Condition fix: it can change."""
    from airflow_provider_emrfs_xacct.pure.checks.key_user import aws_managed_key_policy

    state = asking_for_other_key(emr_role_writes_unmapped_keys(healthy_state()), users=[ROLE])
    state.key_policies[OTHER_KEY] = aws_managed_key_policy(DESTINATION_ACCOUNT, KEY)
    state.key_kinds[OTHER_KEY] = {"KeyManager": "CUSTOMER"}

    link = by_name(check_chain(state))[KMS]

    assert link.status == FAIL, link
    assert "change that Condition" in link.fix
