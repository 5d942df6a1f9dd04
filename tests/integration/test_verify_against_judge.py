"""
The verifier's verdict against the stand-in's judge, which shares no code with it.

Each case sets up a chain in the two-account moto server, runs VerifyCrossAccountAccessOperator, and
replays the write with the EMRFS-like writer (``devstack/emrfs_writer.py``), whose requests are judged
by ``devstack/aws_judge.py``: where the verifier says FAIL the write is refused, and the fix it names
makes both agree on success.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from devstack.emrfs_writer import WriteResult, write_like_emrfs
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
    s3control_client,
)
from devstack.testing import (
    CallRecorder,
    answer_denials_like_aws,
    launch_cluster,
    moto_authorization_checked,
    provisioner_roles,
    run_operator,
)
from tests.integration.partners import (
    create_security_configuration,
    ensure_destination_role,
    grant_key_users,
    mapping,
    provision_partner,
)
from tests.integration.test_option_a_chain import emr_role_access, grant
from tests.integration.test_verify import (
    KMS,
    PREFIX,
    ROLE_NAME,
    _with_sessions,
    hand_made_configuration,
    provider_key_statement,
    verifier,
)


def link(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in report["links"] if item["link"] == name)


def write(aws: Seeded, configuration: str, **kwargs: Any) -> WriteResult:
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=PREFIX,
        **kwargs,
    )


def set_default_encryption(aws: Seeded, **default: str) -> None:
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )


def emr_role_writes_unmapped_keys(aws: Seeded) -> str:
    """
    Option (a) for the EMR EC2 role, and a mapping written with its trailing slash (as the AWS article
    writes it): the prefix's own key and its ``_$folder$`` marker go through the EMR EC2 role of account A.
    """
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    run_operator(grant())
    grant_key_users(aws, [aws.emr_ec2_role_arn])
    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))
    return hand_made_configuration(
        aws, "hand-made-trailing-slash", [{"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}]
    )


def test_a_bucket_acl_grant_leaves_a_write_no_bucket_policy_allows_not_checked(aws: Seeded) -> None:
    """
    With ACLs enabled, S3 allows a request on the bucket policy or the bucket ACL (S3 User Guide, "Access control
    list (ACL) overview": WRITE on a bucket lets its grantee create objects in it). The verifier failed the EMR EC2
    role's writes that no bucket policy statement allows though the ACL may grant its account WRITE; an ACL names
    accounts by canonical ID, which it does not map, so they are now "not checked", naming the grant.
    """
    configuration = writes_no_bucket_policy_allows(aws)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    assert link(report, f"mkdirs {PREFIX}")["status"] == "fail", report

    grant_write_by_acl(aws, OTHER_CANONICAL_ID)
    other = OTHER_CANONICAL_ID
    with CallRecorder().everywhere() as calls:
        report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))

    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "not checked", mkdirs
    assert f"the bucket ACL, which grants WRITE to {other}" in mkdirs["detail"]
    assert "GetBucketAcl" in calls.calls
    # ACLs disabled (S3 refuses it while the ACL grants others): the ACL no longer counts, and is not read.
    s3.put_bucket_acl(Bucket=aws.bucket, ACL="private")
    set_ownership(aws, "BucketOwnerEnforced")
    with CallRecorder().everywhere() as calls:
        report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    assert link(report, f"mkdirs {PREFIX}")["status"] == "fail", report
    assert "GetBucketAcl" not in calls.calls


#: Another account's canonical user ID, as a bucket ACL names a grantee.
OTHER_CANONICAL_ID = "0f" * 32


def writes_no_bucket_policy_allows(aws: Seeded) -> str:
    """
    A partner's chain whose EMR EC2 role's writes no bucket policy statement allows (its identity side granted),
    on an ACL-enabled bucket (ObjectWriter); return the hand-made security configuration's name.
    """
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    grant_key_users(aws, [aws.emr_ec2_role_arn])
    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))  # its identity side; the bucket policy: none
    configuration = hand_made_configuration(
        aws, "hand-made-trailing-slash", [{"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}]
    )
    set_ownership(aws, "ObjectWriter")
    return configuration


def grant_write_by_acl(aws: Seeded, grantee: str) -> None:
    """Give ``grantee`` (a canonical user ID) WRITE on the bucket by its ACL, the owner keeping FULL_CONTROL."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    owner = s3.get_bucket_acl(Bucket=aws.bucket)["Owner"]
    s3.put_bucket_acl(
        Bucket=aws.bucket,
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "CanonicalUser", "ID": grantee}, "Permission": "WRITE"},
            ],
        },
    )


def test_a_refused_bucket_acl_read_leaves_a_write_no_bucket_policy_allows_not_checked(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    As above, but the destination connection's role is denied s3:GetBucketAcl (S3 API Reference, GetBucketAcl):
    the ACL, which may grant WRITE (S3 User Guide, "Access control list (ACL) overview"), is not known, so the
    write no bucket policy allows is "not checked", never FAIL, and the refused read is listed.
    """
    configuration = writes_no_bucket_policy_allows(aws)
    grant_write_by_acl(aws, OTHER_CANONICAL_ID)
    answer_denials_like_aws(monkeypatch)
    provisioner_roles(aws.url, None, {DESTINATION_ACCOUNT: "s3:GetBucketAcl"})
    operator = _with_sessions(verifier(configuration, fail_on_broken=False))
    with moto_authorization_checked(aws.url):
        report, _, _ = run_operator(operator)

    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "not checked", mkdirs
    assert "s3:GetBucketAcl" in mkdirs["fix"], mkdirs
    assert "s3:GetBucketAcl" in [read["action"] for read in report["refused_reads"]], report["refused_reads"]


def test_the_aws_managed_key_fails_a_writer_of_another_account_as_aws_refuses_it(aws: Seeded) -> None:
    """
    aws/s3 is usable only within its account (S3 User Guide, "Using server-side encryption with AWS KMS
    keys (SSE-KMS)"; the judge: "AWS managed keys cannot be used across accounts").
    """
    configuration = emr_role_writes_unmapped_keys(aws)
    before, _, _ = run_operator(verifier(configuration))
    assert before["verdict"] == "PASS", before
    assert write(aws, configuration).success

    set_default_encryption(aws, SSEAlgorithm="aws:kms")  # no KMSMasterKeyID: the AWS managed key aws/s3

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    key = link(report, KMS)
    assert key["status"] == "fail", key
    assert f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}" in key["detail"]
    assert "aws/s3" in key["detail"]
    assert "customer managed key" in key["fix"]
    assert report["verdict"] == "FAIL"
    refused = write(aws, configuration).first_failure
    assert refused is not None
    assert refused.role_arn == aws.emr_ec2_role_arn
    assert "AWS managed key aws/s3" in refused.reason

    set_default_encryption(aws, SSEAlgorithm="aws:kms", KMSMasterKeyID=aws.kms_key_arn)  # the fix: the key's ARN
    after, _, _ = run_operator(verifier(configuration))
    assert after["verdict"] == "PASS"
    assert write(aws, configuration).success


def test_option_b_writes_to_an_aws_managed_key_bucket_with_the_key_grant_changing_nothing(aws: Seeded) -> None:
    """
    The destination role is of the bucket's own account, which the policy of the AWS managed key aws/s3 lets
    use it through S3 (AWS KMS Developer Guide, "kms:CallerAccount"): the key grant on aws/s3 changes nothing
    (it cannot, and need not), the verifier passes, and the judge lets the write through.
    """
    set_default_encryption(aws, SSEAlgorithm="aws:kms")  # no KMSMasterKeyID: the AWS managed key aws/s3
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]
    before = kms.get_key_policy(KeyId=managed, PolicyName="default")["Policy"]

    grant_key_users(aws, [role_arn], key_arn=managed)

    assert kms.get_key_policy(KeyId=managed, PolicyName="default")["Policy"] == before
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    report, _, _ = run_operator(verifier(configuration))
    assert report["verdict"] == "PASS", report
    assert link(report, KMS)["status"] == "pass"
    result = write(aws, configuration)
    assert result.success, result.first_failure


def test_a_key_named_by_alias_is_not_checked_for_a_writer_of_another_account_whose_own_alias_decides(
    aws: Seeded,
) -> None:
    """
    S3 resolves an alias in the requester's account ("This behavior can result in data that's encrypted with a KMS key
    that belongs to the requester, and not the bucket owner": S3 API Reference, ServerSideEncryptionByDefault): the
    write of the EMR EC2 role is refused where its account has no such alias, and let through where it has one naming
    a key it may use. The verifier reads neither: "not checked" (it failed), naming the key ARN as the fix.
    """
    configuration = emr_role_writes_unmapped_keys(aws)
    client(aws.url, DESTINATION_ACCOUNT, "kms").create_alias(
        AliasName="alias/partner-results", TargetKeyId=aws.kms_key_arn
    )
    set_default_encryption(aws, SSEAlgorithm="aws:kms", KMSMasterKeyID="alias/partner-results")

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    key = link(report, KMS)
    assert key["status"] == "not checked", key
    assert "names its key by the alias name alias/partner-results" in key["detail"]
    assert f"the key's ARN ({aws.kms_key_arn})" in key["fix"]
    refused = write(aws, configuration).first_failure
    assert refused is not None
    assert refused.role_arn == aws.emr_ec2_role_arn
    assert "requester's account" in refused.reason

    kms_a = client(aws.url, EMR_ACCOUNT, "kms")
    own_key = kms_a.create_key()["KeyMetadata"]["Arn"]
    kms_a.create_alias(AliasName="alias/partner-results", TargetKeyId=own_key)
    uses_it = {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": own_key}
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=aws.emr_ec2_role_arn.rsplit("/", 1)[1],
        PolicyName="its-own-key",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [uses_it]}),
    )
    result = write(aws, configuration)
    assert result.success, result.first_failure


# A mapped role's session over an hour (emrfs-site fs.s3.sts.sessionDurationSeconds) ------------------------------


@pytest.mark.parametrize(
    ("release", "site"),
    [
        ("emr-6.15.0", {"Classification": "emrfs-site", "Properties": {"fs.s3.sts.sessionDurationSeconds": "7200"}}),
        ("emr-7.10.0", {"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "2h"}}),
    ],
)
def test_a_session_over_an_hour_fails_the_mapped_assume_role_only(aws: Seeded, release: str, site: Any) -> None:
    """
    STS refuses the AssumeRole of a chained session over an hour (AWS STS API Reference, AssumeRole,
    DurationSeconds), which is the mapped role's only: a write no mapping covers goes with the instance profile's
    credentials from the instance metadata, with no AssumeRole (Amazon EC2 User Guide, "Retrieve security
    credentials from instance metadata"), and is judged on the EMR EC2 role's own permissions.
    """
    configuration = emr_role_writes_unmapped_keys(aws)
    cluster_id = launch_cluster(aws, configuration, ReleaseLabel=release, Configurations=[site])

    mapped = write(aws, configuration, cluster_id=cluster_id, files=1).first_failure
    unmapped = write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=f"s3://{aws.bucket}/elsewhere/",
        cluster_id=cluster_id,
        files=1,
    )

    assert mapped is not None
    assert mapped.operation == "AssumeRole", mapped
    assert "900-3600 seconds" in mapped.reason, mapped.reason
    assert unmapped.requests, unmapped.unknown
    assert {record.role_arn for record in unmapped.requests} == {aws.emr_ec2_role_arn}
    assert "AssumeRole" not in {record.operation for record in unmapped.requests}


def test_an_emrfs_bucket_level_session_duration_is_s3as_for_that_bucket(aws: Seeded) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": the mapping of EMRFS settings to S3A's
    "extends to bucket-level configurations": emrfs-site fs.s3.bucket.BUCKET.sts.sessionDurationSeconds is the
    bucket's S3A session (fs.s3a.assumed.role.session.duration). Two hours there fail its mapped writes (STS refuses
    a chained session over one hour) whatever the base one says: the verifier fails it, the judge refuses the
    AssumeRole, and the launch refuses it before RunJobFlow (tests/unit/test_cluster_config.py).
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    properties = {
        "fs.s3.sts.sessionDurationSeconds": "3600",
        f"fs.s3.bucket.{aws.bucket}.sts.sessionDurationSeconds": "7200",
    }
    site = {"Classification": "emrfs-site", "Properties": properties}
    cluster_id = launch_cluster(aws, configuration, ReleaseLabel="emr-7.10.0", Configurations=[site])

    report, _, _ = run_operator(
        verifier(configuration, cluster_id=cluster_id, release_label="emr-7.10.0", fail_on_broken=False)
    )
    duration = link(report, "role session duration")
    assert duration["status"] == "fail", duration
    assert f"fs.s3.bucket.{aws.bucket}.sts.sessionDurationSeconds" in duration["detail"]
    refused = write(aws, configuration, cluster_id=cluster_id, files=1).first_failure
    assert refused is not None
    assert refused.operation == "AssumeRole", refused
    assert "900-3600 seconds" in refused.reason, refused.reason


def test_a_buckets_own_s3a_session_duration_is_the_one_its_mapped_role_gets(aws: Seeded) -> None:
    """
    S3A's per-bucket option wins over the base one for that bucket alone (Apache Hadoop, "Working with IAM Assumed
    Roles": "By using per-filesystem configuration, it is possible to use different assumed roles for different
    buckets"): the destination bucket's one hour is its mapped role's session, whatever the base one and another
    bucket's say; verifier and judge agree the write goes.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    properties = {
        "fs.s3a.assumed.role.session.duration": "2h",
        f"fs.s3a.bucket.{aws.bucket}.assumed.role.session.duration": "1h",
        "fs.s3a.bucket.raw-logs-a.assumed.role.session.duration": "4h",
    }
    site = {"Classification": "core-site", "Properties": properties}
    cluster_id = launch_cluster(aws, configuration, ReleaseLabel="emr-7.10.0", Configurations=[site])

    report, _, _ = run_operator(
        verifier(configuration, cluster_id=cluster_id, release_label="emr-7.10.0", fail_on_broken=False)
    )
    duration = link(report, "role session duration")
    assert duration["status"] == "pass", duration
    assert "release_label given is the cluster's" not in {each["link"] for each in report["links"]}  # the same
    result = write(aws, configuration, cluster_id=cluster_id, files=1)
    assert result.success, result.summary()


@pytest.mark.parametrize(("duration", "fails"), [("7200", True), ("3600", False)])
def test_an_emrfs_bucket_level_session_duration_is_s3as_for_its_bucket(aws: Seeded, duration: str, fails: bool) -> None:
    """
    EMR translates emrfs-site fs.s3.sts.sessionDurationSeconds to S3A's fs.s3a.assumed.role.session.duration, and the
    translation "extends to bucket-level configurations" (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
    filesystem"): the bucket's own 2h asks STS for a chained session it refuses (AWS STS API Reference, AssumeRole,
    DurationSeconds), whatever the base one says. The verifier FAILed it while the judge wrote with the base hour.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    properties = {
        "fs.s3.sts.sessionDurationSeconds": "3600",
        f"fs.s3.bucket.{aws.bucket}.sts.sessionDurationSeconds": duration,
    }
    site = {"Classification": "emrfs-site", "Properties": properties}
    cluster_id = launch_cluster(aws, configuration, ReleaseLabel="emr-7.10.0", Configurations=[site])

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))
    result = write(aws, configuration, cluster_id=cluster_id, files=1)

    statuses = {item["status"] for item in report["links"] if item["link"] == "role session duration"}
    assert statuses == ({"fail"} if fails else {"pass"}), report["links"]
    assert result.success is not fails, result.summary()
    if fails:
        assert result.first_failure is not None
        assert result.first_failure.operation == "AssumeRole", result.first_failure


def test_the_session_duration_of_a_bucket_no_mapping_takes_fails_nothing(aws: Seeded) -> None:
    """
    A bucket only ``s3_prefixes`` names, beside the mapping of another bucket, has no mapped role: its writes go with
    the instance profile's credentials, with no AssumeRole, so the base 2h (which the mapped bucket's own 1h
    overrides for it) asks STS for no chained session (AWS STS API Reference, AssumeRole, DurationSeconds). The
    launch keeps such a cluster; the verifier failed it while the judge writes to both buckets.
    """
    configuration = emr_role_writes_unmapped_keys(aws)
    other = "unmapped-results-c"
    client(aws.url, DESTINATION_ACCOUNT, "s3").create_bucket(Bucket=other)
    properties = {
        "fs.s3a.assumed.role.session.duration": "2h",
        f"fs.s3a.bucket.{aws.bucket}.assumed.role.session.duration": "1h",
    }
    site = {"Classification": "core-site", "Properties": properties}
    cluster_id = launch_cluster(aws, configuration, ReleaseLabel="emr-7.10.0", Configurations=[site])

    report, _, _ = run_operator(
        verifier(configuration, cluster_id=cluster_id, s3_prefixes=[f"s3://{other}/out/"], fail_on_broken=False)
    )

    duration = [item for item in report["links"] if item["link"] == "role session duration"]
    assert [item["status"] for item in duration] == ["pass"], duration
    assert write(aws, configuration, cluster_id=cluster_id, files=1).success
    unmapped = write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=f"s3://{other}/out/",
        cluster_id=cluster_id,
        files=1,
    )
    assert unmapped.requests, unmapped.unknown
    assert "AssumeRole" not in {record.operation for record in unmapped.requests}


def test_the_clusters_own_release_is_judged_not_a_release_label_given_beside_it(aws: Seeded) -> None:
    """
    A 7.10.0 cluster serves s3:// with S3A, whose 2h session of the mapped role STS refuses (AWS STS API Reference,
    AssumeRole, DurationSeconds); release_label (for a check without a cluster) naming 6.15.0 must not make the
    verifier judge EMRFS's settings instead and pass.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    site = {"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "2h"}}
    cluster_id = launch_cluster(aws, configuration, ReleaseLabel="emr-7.10.0", Configurations=[site])

    report, _, _ = run_operator(
        verifier(configuration, cluster_id=cluster_id, release_label="emr-6.15.0", fail_on_broken=False)
    )

    assert report["verdict"] == "FAIL", report
    assert link(report, "role session duration")["status"] == "fail"
    given = link(report, "release_label given is the cluster's")  # not dropped without a word: a WARN naming both
    assert given["status"] == "warn", given
    assert "'emr-6.15.0'" in given["detail"]
    assert "runs emr-7.10.0" in given["detail"]
    refused = write(aws, configuration, cluster_id=cluster_id, files=1).first_failure
    assert refused is not None
    assert refused.operation == "AssumeRole", refused


# Canned ACLs (emrfs-site fs.s3.canned.acl) -------------------------------------------------------


def cluster_with_canned_acl(aws: Seeded, configuration: str, acl: str) -> str:
    """A cluster whose EMRFS puts ``acl`` on every upload."""
    site = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": acl}}]
    return launch_cluster(aws, configuration, Configurations=site)


def set_ownership(aws: Seeded, ownership: str) -> None:
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]}
    )


def allow_put_object_acl(aws: Seeded) -> None:
    """What EnsureDestinationRoleOperator does not grant: s3:PutObjectAcl on the prefix, in a policy of one's own."""
    client(aws.url, DESTINATION_ACCOUNT, "iam").put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="object-acl",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:PutObjectAcl", "Resource": f"arn:aws:s3:::{aws.bucket}/exports*"}
                ],
            }
        ),
    )


def test_a_canned_acl_needs_put_object_acl_as_aws_requires(aws: Seeded) -> None:
    """S3 API Reference, PutObject, "Permissions": changing the object's ACL needs s3:PutObjectAcl."""
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    set_ownership(aws, "BucketOwnerPreferred")
    cluster_id = cluster_with_canned_acl(aws, configuration, "BucketOwnerFullControl")

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    assert report["verdict"] == "FAIL"
    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "fail", mkdirs
    assert "s3:PutObjectAcl" in mkdirs["detail"]
    assert "s3:PutObjectAcl" in mkdirs["fix"]
    refused = write(aws, configuration, canned_acl="bucket-owner-full-control").first_failure
    assert refused is not None
    assert refused.role_arn == role_arn
    assert "s3:PutObjectAcl" in refused.reason

    allow_put_object_acl(aws)
    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id))
    assert report["verdict"] == "PASS", report
    result = write(aws, configuration, canned_acl="bucket-owner-full-control")
    assert result.success, result.summary()
    assert {item.owner_account for item in result.objects.values()} == {DESTINATION_ACCOUNT}


def test_ensure_destination_role_object_acl_lets_canned_acl_uploads_through_as_aws_requires(aws: Seeded) -> None:
    """
    S3 API Reference, PutObject, "Permissions"; the fix the verifier names is the operator's object_acl, and the grant,
    once made, stays through a later run without it (another pipeline sharing the role may rely on it).
    """
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    set_ownership(aws, "BucketOwnerPreferred")
    cluster_id = cluster_with_canned_acl(aws, configuration, "BucketOwnerFullControl")

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))
    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "fail", mkdirs
    assert "EnsureDestinationRoleOperator object_acl=True" in mkdirs["fix"]
    refused = write(aws, configuration, canned_acl="bucket-owner-full-control").first_failure
    assert refused is not None
    assert refused.role_arn == role_arn
    assert "s3:PutObjectAcl" in refused.reason

    ensure_destination_role(aws, ROLE_NAME, PREFIX, object_acl=True)
    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id))
    assert report["verdict"] == "PASS", report
    result = write(aws, configuration, canned_acl="bucket-owner-full-control")
    assert result.success, result.summary()

    ensure_destination_role(aws, ROLE_NAME, PREFIX)  # a later run without it keeps the grant
    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id))
    assert report["verdict"] == "PASS", report
    assert write(aws, configuration, canned_acl="bucket-owner-full-control").success


@pytest.mark.parametrize("level", ["bucket", "account"])
def test_block_public_acls_refuses_a_public_canned_acl_as_aws_does(aws: Seeded, level: str) -> None:
    """
    S3 API Reference, "PublicAccessBlockConfiguration", BlockPublicAcls: "PUT Object calls fail if the request
    includes a public ACL", whatever the policies allow; S3 applies the bucket's and the account's settings
    ("GetPublicAccessBlock"). The verifier fails the upload steps; the stand-in's writer is refused (403).
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    ensure_destination_role(aws, ROLE_NAME, PREFIX, object_acl=True)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    set_ownership(aws, "BucketOwnerPreferred")
    cluster_id = cluster_with_canned_acl(aws, configuration, "PublicRead")
    settings = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False}
    if level == "bucket":
        client(aws.url, DESTINATION_ACCOUNT, "s3").put_public_access_block(
            Bucket=aws.bucket, PublicAccessBlockConfiguration={**settings, "RestrictPublicBuckets": False}
        )
    else:
        s3control_client(aws.url, DESTINATION_ACCOUNT).put_public_access_block(
            AccountId=DESTINATION_ACCOUNT, PublicAccessBlockConfiguration={**settings, "RestrictPublicBuckets": False}
        )

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    assert report["verdict"] == "FAIL", report
    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "fail", mkdirs
    assert "BlockPublicAcls" in mkdirs["detail"]
    assert f"the {'bucket' if level == 'bucket' else 'destination account'}" in mkdirs["detail"]
    assert "fs.s3.canned.acl" in mkdirs["fix"]
    refused = write(aws, configuration, canned_acl="public-read").first_failure
    assert refused is not None
    assert "BlockPublicAcls" in refused.reason

    # A canned ACL that is not public goes through.
    cluster_id = cluster_with_canned_acl(aws, configuration, "BucketOwnerFullControl")
    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id))
    assert report["verdict"] == "PASS", report
    result = write(aws, configuration, canned_acl="bucket-owner-full-control")
    assert result.success, result.summary()


def test_on_a_bucket_owner_enforced_bucket_the_stand_in_still_asks_for_put_object_acl(aws: Seeded) -> None:
    """
    Whether S3 asks for s3:PutObjectAcl on an upload with x-amz-acl to a bucket with ACLs disabled is not
    documented (docs/limits.md, "not proven here"): the stand-in keeps the stricter side and asks for it on every
    bucket, and the verifier calls the step "not checked", never PASS nor FAIL.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    cluster_id = cluster_with_canned_acl(aws, configuration, "BucketOwnerFullControl")  # BucketOwnerEnforced

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "not checked", mkdirs
    assert "s3:PutObjectAcl" in mkdirs["detail"]
    refused = write(aws, configuration, canned_acl="bucket-owner-full-control").first_failure
    assert refused is not None
    assert "s3:PutObjectAcl" in refused.reason


def test_a_bucket_owner_enforced_bucket_refuses_another_canned_acl_as_aws_does(aws: Seeded) -> None:
    """S3 User Guide, Object Ownership "Troubleshooting": AccessControlListNotSupported."""
    provision_partner(aws, ROLE_NAME, PREFIX)
    allow_put_object_acl(aws)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    cluster_id = cluster_with_canned_acl(aws, configuration, "BucketOwnerRead")  # the bucket is BucketOwnerEnforced

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    owner = link(report, f"owner of objects in {PREFIX}")
    assert owner["status"] == "fail", owner
    assert "AccessControlListNotSupported" in owner["detail"]
    assert [item["link"] for item in report["links"] if item["status"] == "fail"] == [owner["link"]]
    refused = write(aws, configuration, canned_acl="bucket-owner-read").first_failure
    assert refused is not None
    assert refused.status == 400
    assert "AccessControlListNotSupported" in refused.reason


# The cluster's own security configuration and instance profile -----------------------------------


def test_a_cluster_running_another_security_configuration_fails_and_is_not_probed(aws: Seeded) -> None:
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    other = hand_made_configuration(aws, "hand-made-no-mappings", [])
    cluster_id = launch_cluster(aws, other)

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, probe=True, fail_on_broken=False))

    found = link(report, "cluster runs the security configuration")
    assert found["status"] == "fail", found
    assert other in found["detail"]
    assert "probe" not in report
    assert client(aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"] == []


def test_a_cluster_with_another_instance_profile_role_fails(aws: Seeded) -> None:
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    iam.create_role(RoleName="OtherJobFlowRole", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    iam.create_instance_profile(InstanceProfileName="OtherJobFlowRole")  # EMR: a profile named as its role
    iam.add_role_to_instance_profile(InstanceProfileName="OtherJobFlowRole", RoleName="OtherJobFlowRole")
    cluster_id = launch_cluster(aws, configuration, JobFlowRole="OtherJobFlowRole")

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    found = link(report, "cluster's instance profile role")
    assert found["status"] == "fail", found
    assert found["fix"] == "run the verifier with emr_ec2_role_name=OtherJobFlowRole"
    assert report["verdict"] == "FAIL"


def test_an_instance_profile_that_cannot_be_read_is_not_checked_and_the_probe_is_not_run(aws: Seeded) -> None:
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    cluster_id = launch_cluster(aws, configuration, JobFlowRole="NoSuchProfile")  # moto does not check it

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, probe=True))

    found = link(report, "cluster's instance profile role")
    assert found["status"] == "not checked", found
    assert "iam:GetInstanceProfile" in found["detail"]
    assert report["verdict"] == "NOT_CHECKED"
    assert report["probe"]["ok"] is None
    assert "cluster's instance profile role" in report["probe"]["skipped"]
    assert client(aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"] == []


# S3 Block Public Access (bucket level) ------------------------------------------------------------

PUBLIC_STATEMENT = {
    "Sid": "PublicReports",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::{bucket}/public/*",
}


def set_bucket_policy(aws: Seeded, *, public: bool) -> None:
    """The bucket policy as it is, plus (or minus) one statement that allows everyone."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
    statements = [item for item in policy["Statement"] if item.get("Sid") != "PublicReports"]
    if public:
        statements.append({**PUBLIC_STATEMENT, "Resource": PUBLIC_STATEMENT["Resource"].format(bucket=aws.bucket)})
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps({**policy, "Statement": statements}))


def test_restrict_public_buckets_voids_a_public_policys_grant_to_the_emr_role_as_aws_does(aws: Seeded) -> None:
    """
    S3 API Reference, PublicAccessBlockConfiguration, RestrictPublicBuckets: "public and cross-account access
    within any public bucket policy, including non-public delegation to specific accounts, is blocked".
    """
    configuration = emr_role_writes_unmapped_keys(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_public_access_block(
        Bucket=aws.bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    set_bucket_policy(aws, public=True)

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))

    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "fail", mkdirs
    assert aws.emr_ec2_role_arn in mkdirs["detail"]
    assert "RestrictPublicBuckets" in mkdirs["detail"]
    assert "non-public" in mkdirs["fix"]
    assert report["verdict"] == "FAIL"
    refused = write(aws, configuration).first_failure
    assert refused is not None
    assert refused.role_arn == aws.emr_ec2_role_arn
    assert "RestrictPublicBuckets" in refused.reason

    set_bucket_policy(aws, public=False)  # the fix the verifier names: a policy S3 does not call public
    after, _, _ = run_operator(verifier(configuration))
    assert after["verdict"] == "PASS", after
    assert write(aws, configuration).success


def test_the_verifier_reads_block_public_access_with_the_expected_bucket_owner(aws: Seeded) -> None:
    """S3 API Reference, GetPublicAccessBlock, GetBucketPolicyStatus, GetBucketRequestPayment: x-amz-expected-bucket-owner."""
    configuration = emr_role_writes_unmapped_keys(aws)

    with CallRecorder().everything() as recorder:
        run_operator(verifier(configuration))

    sent = {
        operation: params
        for (service, operation), params in zip(recorder.every, recorder.params, strict=True)
        if service == "s3"
    }
    for operation in ("GetPublicAccessBlock", "GetBucketPolicyStatus", "GetBucketRequestPayment"):
        assert sent[operation].get("ExpectedBucketOwner") == DESTINATION_ACCOUNT, sent.get(operation)


# S3 Block Public Access (account level) -----------------------------------------------------------


def set_account_restrict_public_buckets(aws: Seeded, on: bool) -> None:
    """The destination account's Block Public Access (S3 Control PutPublicAccessBlock / DeletePublicAccessBlock)."""
    control = s3control_client(aws.url, DESTINATION_ACCOUNT)
    if not on:
        control.delete_public_access_block(AccountId=DESTINATION_ACCOUNT)
        return
    control.put_public_access_block(
        AccountId=DESTINATION_ACCOUNT,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )


def test_account_level_restrict_public_buckets_voids_a_public_policys_grant_as_aws_does(aws: Seeded) -> None:
    """
    S3 API Reference, GetPublicAccessBlock: S3 "uses the most restrictive combination of the bucket-level and
    account-level settings"; PublicAccessBlockConfiguration, RestrictPublicBuckets. The bucket has no setting of
    its own: only the account's restricts it.
    """
    configuration = emr_role_writes_unmapped_keys(aws)
    set_bucket_policy(aws, public=True)
    before, _, _ = run_operator(verifier(configuration))
    assert before["verdict"] == "PASS", before  # no Block Public Access anywhere: the public policy's grants count
    assert "account-level Block Public Access" not in json.dumps(before["not_checked"])  # it was read
    assert write(aws, configuration).success

    set_account_restrict_public_buckets(aws, on=True)

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "fail", mkdirs
    assert aws.emr_ec2_role_arn in mkdirs["detail"]
    assert "RestrictPublicBuckets is on for the destination account" in mkdirs["detail"]
    assert "the destination account (PutPublicAccessBlock)" in mkdirs["fix"]
    assert report["verdict"] == "FAIL"
    refused = write(aws, configuration).first_failure
    assert refused is not None
    assert refused.role_arn == aws.emr_ec2_role_arn
    assert "RestrictPublicBuckets" in refused.reason

    set_account_restrict_public_buckets(aws, on=False)  # one of the fixes the verifier names
    after, _, _ = run_operator(verifier(configuration))
    assert after["verdict"] == "PASS", after
    assert write(aws, configuration).success


def test_an_account_level_setting_that_cannot_be_read_is_a_warning_not_a_failure(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused s3:GetAccountPublicAccessBlock (S3 answers 403 AccessDenied): listed as not seen, the rest checked."""
    configuration = emr_role_writes_unmapped_keys(aws)
    set_account_restrict_public_buckets(aws, on=True)

    def refuse(self: EmrfsS3Hook, account: str) -> bool:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetPublicAccessBlock")

    monkeypatch.setattr(EmrfsS3Hook, "account_restricts_public_buckets", refuse)

    report, _, _ = run_operator(verifier(configuration))

    warning = link(report, "account-level Block Public Access")
    assert warning["status"] == "warn", warning
    assert "s3:GetAccountPublicAccessBlock" in warning["detail"]
    assert report["verdict"] == "PASS"  # the bucket policy is not public: the setting would change nothing
    [unseen] = [item for item in report["not_checked"] if "account-level Block Public Access" in item["what"]]
    assert "refused" in unseen["how"]


# The key the uploads ask for (not the bucket's default) ------------------------------------------------

#: Two ways a cluster asks for its own SSE-KMS key on every upload: the security configuration's at-rest S3
#: encryption (its per-bucket Overrides: tests/unit/test_requested_encryption.py), the cluster's emrfs-site
#: (Amazon EMR Release Guide, "Specifying Amazon S3 encryption using EMRFS properties").
ASK_FOR_KEY = ["security configuration", "emrfs-site"]


def other_key(aws: Seeded) -> str:
    """A second customer managed key of the destination account, whose key users are nobody yet."""
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    return str(kms.create_key(Description="uploads key", Policy=json.dumps(aws.key_policy))["KeyMetadata"]["Arn"])


def asking_for(aws: Seeded, how: str, key_arn: str) -> tuple[str, str | None]:
    """A security configuration (and a cluster) whose uploads ask for SSE-KMS with ``key_arn``."""
    s3 = {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key_arn}
    at_rest = {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": True,
            "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": s3},
        }
    }
    name, _, _ = run_operator(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="emrfs-xacct-sse-kms",
            role_mappings=[mapping(ROLE_NAME, PREFIX)],
            base_configuration=None if how == "emrfs-site" else at_rest,
        )
    )
    if how != "emrfs-site":
        return str(name), None
    site = {"fs.s3.enableServerSideEncryption": "true", "fs.s3.serverSideEncryption.kms.keyId": key_arn}
    return str(name), launch_cluster(
        aws, str(name), Configurations=[{"Classification": "emrfs-site", "Properties": site}]
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("EncryptionMode", "sse-kms"), ("EnableAtRestEncryption", "yes")],
    ids=["mode-sse-kms", "switch-yes"],
)
def test_an_encryption_configuration_of_another_shape_is_not_judged_on_the_bucket_s_default_key(
    aws: Seeded, field: str, value: str
) -> None:
    """
    A security configuration made by hand (EMR stores the JSON it is given) whose at-rest S3 encryption is not of the
    Amazon EMR Management Guide's shape ("Create a security configuration": ``EncryptionMode`` one of ``SSE-S3``,
    ``SSE-KMS``, ``CSE-KMS``, ``CSE-Custom``; ``EnableAtRestEncryption`` true or false): what EMRFS asks for on
    uploads with it is not documented. The bucket's default key allows the role, the key named nobody: the
    verifier's key link is "not checked", naming the field (it passed, judged on the default key), and the
    stand-in's writer cannot tell either (it wrote as if no encryption were asked for).
    """
    provision_partner(aws, ROLE_NAME, PREFIX)  # a key user of the bucket's default key only
    configuration, _ = asking_for(aws, "security configuration", other_key(aws))
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    document = json.loads(emr.describe_security_configuration(Name=configuration)["SecurityConfiguration"])
    encryption = document["EncryptionConfiguration"]
    if field == "EncryptionMode":
        encryption["AtRestEncryptionConfiguration"]["S3EncryptionConfiguration"][field] = value
    else:
        encryption[field] = value
    name = f"hand-made-{field}"
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    cluster_id = launch_cluster(aws, name)

    report, _, _ = run_operator(verifier(name, cluster_id=cluster_id, fail_on_broken=False))

    key = link(report, KMS)
    assert key["status"] == "not checked", key
    assert f'{field} is "{value}"' in key["detail"], key
    assert link(report, "encryption settings readable")["status"] == "not checked"
    assert report["verdict"] == "NOT_CHECKED", report["links"]
    result = write(aws, name, cluster_id=cluster_id, files=1)
    assert result.unknown, (result.first_failure, result.success)
    assert f"{field} {value!r}" in result.unknown, result.unknown


@pytest.mark.parametrize("how", ASK_FOR_KEY)
def test_uploads_asking_for_a_key_of_another_account_leave_the_key_not_checked(aws: Seeded, how: str) -> None:
    """
    docs/howto/verify.md: the key the uploads ask for "is \"not checked\", with the reason, when the key is in another
    account than the destination connection's": that connection cannot read its policy (AWS KMS API Reference,
    GetKeyPolicy: "Cross-account use: No. You cannot perform this operation on a KMS key in a different AWS
    account."), so neither PASS nor a FAIL on a policy never read (DescribeKey in the destination account finds no
    such key: "no such key" would be a false alarm).
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    region = aws.kms_key_arn.split(":")[3]
    key_arn = f"arn:aws:kms:{region}:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    configuration, cluster_id = asking_for(aws, how, key_arn)

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    key = link(report, KMS)
    assert key["status"] == "not checked", key
    assert f"every upload asks for SSE-KMS with {key_arn}" in key["detail"]
    assert (
        f"the key is in account 333333333333; the destination connection acts in account {DESTINATION_ACCOUNT} "
        "and cannot read it"
    ) in key["detail"]
    assert report["verdict"] == "NOT_CHECKED", report["links"]


@pytest.mark.parametrize("how", ASK_FOR_KEY)
def test_uploads_asking_for_another_key_are_judged_on_it_as_aws_does(aws: Seeded, how: str) -> None:
    """
    S3 encrypts with the key the upload names (S3 API Reference, ServerSideEncryptionRule: the default applies
    only when a request "doesn't specify any server-side encryption"), with the requester's permissions on it
    (S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)").
    """
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)  # a key user of the bucket's default key only
    key_arn = other_key(aws)
    configuration, cluster_id = asking_for(aws, how, key_arn)

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))
    key = link(report, KMS)
    assert key["status"] == "fail", key
    assert f"on {key_arn} as {role_arn}" in key["detail"]
    assert key["fix"].startswith("GrantKmsKeyUserOperator with the destination role (command line: "), key["fix"]
    refused = write(aws, configuration, cluster_id=cluster_id, files=1).first_failure
    assert refused is not None
    assert refused.role_arn == role_arn
    assert f"on {key_arn}" in refused.reason

    grant_key_users(aws, [role_arn], key_arn)  # the fix the verifier names
    after, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id))
    assert after["verdict"] == "PASS", after
    assert "the key every upload asks for" in link(after, KMS)["detail"]
    result = write(aws, configuration, cluster_id=cluster_id, files=1)
    assert result.success, result.summary()
    assert {item.kms_key_id for item in result.objects.values()} == {key_arn}  # S3 used the key asked for


def test_uploads_asking_for_a_key_pending_deletion_fail_as_aws_refuses_them(aws: Seeded) -> None:
    """AWS KMS Developer Guide, "Key states of AWS KMS keys": a key pending deletion encrypts nothing."""
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    key_arn = other_key(aws)
    grant_key_users(aws, [role_arn], key_arn)
    configuration, _ = asking_for(aws, "security configuration", key_arn)
    client(aws.url, DESTINATION_ACCOUNT, "kms").schedule_key_deletion(
        KeyId=key_arn.rsplit("/", 1)[1], PendingWindowInDays=7
    )

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    key = link(report, KMS)
    assert key["status"] == "fail", key
    assert f"the key {key_arn} is PendingDeletion" in key["detail"]
    refused = write(aws, configuration, files=1).first_failure
    assert refused is not None
    assert "PendingDeletion" in refused.reason


# Requester Pays buckets (the stand-in's judge: devstack/aws_request_payer.py) ----------------------------


def cluster_with_requester_pays_header(aws: Seeded, configuration: str, header: str) -> str:
    """A cluster whose emrfs-site sets fs.s3.useRequesterPaysHeader to ``header``."""
    site = [{"Classification": "emrfs-site", "Properties": {"fs.s3.useRequesterPaysHeader": header}}]
    return launch_cluster(aws, configuration, Configurations=site)


def test_a_requester_pays_bucket_refuses_the_emr_role_without_the_header_as_aws_does(aws: Seeded) -> None:
    """
    S3 User Guide, "Downloading objects from Requester Pays buckets": without x-amz-request-payer "Amazon S3
    returns a 403 error", bucket owners need no header; EMRFS sends it with emrfs-site
    fs.s3.useRequesterPaysHeader=true (AWS Knowledge Center, "Access Amazon S3 Requester Pays buckets from AWS
    Glue, Amazon EMR, or Amazon Athena").
    """
    configuration = emr_role_writes_unmapped_keys(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_request_payment(
        Bucket=aws.bucket, RequestPaymentConfiguration={"Payer": "Requester"}
    )
    cluster_id = cluster_with_requester_pays_header(aws, configuration, "false")

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "fail", mkdirs
    assert aws.emr_ec2_role_arn in mkdirs["detail"]
    assert "Requester Pays" in mkdirs["detail"]
    assert "fs.s3.useRequesterPaysHeader=true" in mkdirs["fix"]
    assert link(report, f"write files {PREFIX}")["status"] == "pass"  # the destination role: the owner's account
    assert report["verdict"] == "FAIL"
    refused = write(aws, configuration, cluster_id=cluster_id).first_failure
    assert refused is not None
    assert refused.role_arn == aws.emr_ec2_role_arn
    assert refused.status == 403
    assert "moto answered 403" in refused.reason  # S3 (the stand-in's judge) refused what was sent

    without_cluster, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    assert link(without_cluster, f"mkdirs {PREFIX}")["status"] == "not checked"

    cluster_id = cluster_with_requester_pays_header(aws, configuration, "true")  # the fix the verifier names
    after, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id))
    assert after["verdict"] == "PASS", after
    result = write(aws, configuration, cluster_id=cluster_id)
    assert result.success, result.summary()
    assert aws.emr_ec2_role_arn in result.roles_used


def test_a_refused_request_payment_read_leaves_the_emr_roles_links_not_checked(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused s3:GetBucketRequestPayment (S3 answers 403 AccessDenied): never a PASS for a writer of another account."""
    configuration = emr_role_writes_unmapped_keys(aws)
    cluster_id = cluster_with_requester_pays_header(aws, configuration, "false")

    def refuse(self: EmrfsS3Hook, bucket: str) -> str:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetBucketRequestPayment")

    monkeypatch.setattr(EmrfsS3Hook, "request_payer", refuse)

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))

    mkdirs = link(report, f"mkdirs {PREFIX}")
    assert mkdirs["status"] == "not checked", mkdirs
    assert "s3:GetBucketRequestPayment" in mkdirs["detail"]
    assert link(report, f"write files {PREFIX}")["status"] == "pass"  # the destination role: the owner's account
    assert report["verdict"] == "NOT_CHECKED"


# Encryption context: S3 Bucket Keys, and none with DSSE-KMS --------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "pinned_to", "allowed"),
    [
        ("aws:kms:dsse", "objects", True),
        ("aws:kms:dsse", "bucket", False),
        ("aws:kms", "bucket", True),
        ("aws:kms", "objects", False),
    ],
)
def test_a_key_policy_pinned_to_an_encryption_context_is_judged_as_s3_fills_it(
    aws: Seeded, algorithm: str, pinned_to: str, allowed: bool
) -> None:
    """
    S3 puts the object's ARN in the encryption context of its KMS calls, or the bucket's with an S3 Bucket Key
    (Amazon S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys"); "Amazon S3 Bucket Keys
    aren't supported for dual-layer server-side encryption with AWS KMS keys (DSSE-KMS)" (Amazon S3 User
    Guide, "Using dual-layer server-side encryption with AWS KMS keys (DSSE-KMS)"), whatever BucketKeyEnabled
    says. The key users' statement is pinned to one of the two; the verifier and the writer agree.
    """
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    current = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    [users] = [statement for statement in current["Statement"] if statement.get("Sid") == "EmrfsXacctKeyUsers"]
    context_arn = f"arn:aws:s3:::{aws.bucket}" + ("/*" if pinned_to == "objects" else "")
    users["Condition"] = {"StringLike": {"kms:EncryptionContext:aws:s3:arn": context_arn}}
    admins = [statement for statement in current["Statement"] if statement.get("Sid") != "Enable IAM User Permissions"]
    admins.append(provider_key_statement(aws))  # the verifier's reads, without the root statement
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps({**current, "Statement": admins}))
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": algorithm,
                        "KMSMasterKeyID": aws.kms_key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    result = write(aws, configuration, files=1)

    key = link(report, KMS)
    assert key["status"] == ("pass" if allowed else "fail"), key
    assert result.success is allowed, result.summary()
    if not allowed:
        assert result.first_failure is not None
        assert result.first_failure.role_arn == role_arn
        assert "kms:" in result.first_failure.reason


# Storage class and plain HTTP (emrfs-site fs.s3.storageClass, fs.s3n.ssl.enabled) ----------------------------


@pytest.mark.parametrize(
    ("site", "deny", "verdict"),
    [
        (
            # S3 API Reference, CreateMultipartUpload/PutObject: x-amz-storage-class, the s3:x-amz-storage-class key.
            {"fs.s3.storageClass": "STANDARD_IA"},
            {
                "Sid": "OnlyStandard",
                "Action": "s3:PutObject",
                "Condition": {"Null": {"s3:x-amz-storage-class": "false"}},
            },
            "NOT_CHECKED",
        ),
        (
            # IAM User Guide, aws:SecureTransport: whether the request was sent with TLS. On the seeded SSE-KMS bucket
            # S3 also refuses the uploads over plain HTTP whatever the policies (S3 API Reference, PutObject): FAIL.
            {"fs.s3n.ssl.enabled": "false"},
            {"Sid": "DenyInsecureTransport", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            "FAIL",
        ),
    ],
    ids=["storage-class", "plain-http"],
)
def test_a_cluster_setting_the_verifier_cannot_value_is_not_a_pass_where_the_judge_refuses(
    aws: Seeded, site: dict[str, str], deny: dict[str, Any], verdict: str
) -> None:
    """
    EMRFS settings of the migration guide's table (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
    filesystem"): a storage class on uploads, TLS turned off. The writer now sends them (it sent neither), so the
    judge refuses the uploads a bucket policy denies on them; the verifier, which takes such a key as not known, says
    "not checked" on those steps, never PASS (TLS off on an SSE-KMS bucket fails the key link). Without the setting
    both pass.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    client(aws.url, DESTINATION_ACCOUNT, "iam").put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="deny-on-the-setting",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": "*", **deny}]}
        ),
    )
    plain = launch_cluster(aws, configuration, Configurations=[{"Classification": "emrfs-site", "Properties": {}}])
    assert run_operator(verifier(configuration, cluster_id=plain))[0]["verdict"] == "PASS"
    assert write(aws, configuration, cluster_id=plain).success

    cluster_id = launch_cluster(
        aws, configuration, Configurations=[{"Classification": "emrfs-site", "Properties": site}]
    )
    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))
    assert report["verdict"] == verdict, report
    assert link(report, f"write files {PREFIX}")["status"] == "not checked"
    refused = write(aws, configuration, cluster_id=cluster_id).first_failure
    assert refused is not None
    assert refused.status == 403
    assert deny["Sid"] in refused.reason or "denied" in refused.reason


def test_tls_turned_off_on_an_sse_kms_bucket_fails_as_s3_refuses_its_objects_over_plain_http(aws: Seeded) -> None:
    """
    Amazon S3 API Reference, PutObject, x-amz-server-side-encryption-aws-kms-key-id: "All GET and PUT requests for an
    object protected by AWS KMS fail if they're not made via SSL or using SigV4" (400 "Requests specifying Server Side
    Encryption with AWS KMS managed keys must be made over a secure connection"), whatever the policies allow. No
    policy here tests aws:SecureTransport: the verifier passed this chain, and the stand-in wrote it. Both now refuse
    it; the fix the verifier names (TLS on) makes both pass; an SSE-S3 bucket is not refused for it.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    plain = [{"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": "false"}}]
    cluster_id = launch_cluster(aws, configuration, Configurations=plain)

    report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))
    assert report["verdict"] == "FAIL", report
    key = link(report, KMS)
    assert key["status"] == "fail", key
    assert "emrfs-site fs.s3n.ssl.enabled" in key["detail"]
    assert key["fix"] == "remove emrfs-site fs.s3n.ssl.enabled from the cluster's configuration, or set it to true"
    refused = write(aws, configuration, cluster_id=cluster_id, files=1).first_failure
    assert refused is not None
    assert refused.status == 400
    assert "must be made over a secure connection" in refused.reason

    secure = [{"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": "true"}}]  # the fix named
    fixed = launch_cluster(aws, configuration, Configurations=secure)
    assert run_operator(verifier(configuration, cluster_id=fixed))[0]["verdict"] == "PASS"
    assert write(aws, configuration, cluster_id=fixed, files=1).success

    set_default_encryption(aws, SSEAlgorithm="AES256")
    assert run_operator(verifier(configuration, cluster_id=cluster_id))[0]["verdict"] == "PASS"
    written = write(aws, configuration, cluster_id=cluster_id, files=1)
    assert written.success, written.summary()


# core-site fs.s3.impl before 7.10.0 --------------------------------------------------------------------------------


@pytest.mark.parametrize("impl", ["org.apache.hadoop.fs.s3a.S3AFileSystem", "com.example.fs.WrappedEmrFileSystem"])
def test_before_7_10_a_filesystem_class_not_emrfs_s_is_not_a_pass_and_the_writes_are_not_counted(
    aws: Seeded, impl: str
) -> None:
    """
    A configuration classification overrides the defaults (Amazon EMR Release Guide, "Configure applications when you
    create a cluster") and Hadoop serves s3:// with the class fs.s3.impl names, on any release; AWS documents the role
    mappings' translation to S3A from 7.10.0 only. The verifier passed such a 6.15.0 cluster and the writer routed
    EMRFS's mappings (both read fs.s3.impl from 7.10.0 only); now "not checked" and unknown. EMRFS's own class: PASS.
    """
    provision_partner(aws, ROLE_NAME, PREFIX)
    configuration = create_security_configuration([mapping(ROLE_NAME, PREFIX)])
    for value, verdict in ((impl, "NOT_CHECKED"), ("com.amazon.ws.emr.hadoop.fs.EmrFileSystem", "PASS")):
        site = {"Classification": "core-site", "Properties": {"fs.s3.impl": value}}
        cluster_id = launch_cluster(aws, configuration, ReleaseLabel="emr-6.15.0", Configurations=[site])
        report, _, _ = run_operator(verifier(configuration, cluster_id=cluster_id, fail_on_broken=False))
        assert report["verdict"] == verdict, report
        # docs/limits.md: the verifier's "s3:// connector" link is "not checked" naming the setting and the fix.
        connector = [link for link in report["links"] if link["link"] == "s3:// connector"]
        if verdict == "NOT_CHECKED":
            [link] = connector
            assert link["status"] == "not checked", link
            assert f"fs.s3.impl={value!r}" in link["detail"], link
            assert "com.amazon.ws.emr.hadoop.fs.EmrFileSystem" in link["fix"], link
        else:
            assert connector == [], connector
        result = write(aws, configuration, cluster_id=cluster_id)
        assert bool(result.unknown) == (verdict == "NOT_CHECKED"), result.unknown
        assert result.success == (verdict == "PASS")


def test_uploads_asking_for_an_asymmetric_key_fail_as_aws_refuses_them(aws: Seeded) -> None:
    """
    "Amazon S3 only supports symmetric encryption KMS keys" (Amazon S3 API Reference, "Encryption"): a key policy
    naming the role does not make an RSA key usable, so the verifier fails it naming the key's kind (as the grant
    refuses it), and the stand-in's writer refuses the upload.
    """
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    users = {"Sid": "EmrfsXacctKeyUsers", "Effect": "Allow", "Principal": {"AWS": role_arn}}
    policy = {
        **aws.key_policy,
        "Statement": [*aws.key_policy["Statement"], {**users, "Action": "kms:*", "Resource": "*"}],
    }
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    created = kms.create_key(Policy=json.dumps(policy), KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    key_arn = str(created["KeyMetadata"]["Arn"])
    configuration, _ = asking_for(aws, "security configuration", key_arn)

    report, _, _ = run_operator(verifier(configuration, fail_on_broken=False))
    key = link(report, KMS)
    assert key["status"] == "fail", key
    assert f"the key {key_arn} has KeySpec RSA_2048" in key["detail"]
    assert "SYMMETRIC_DEFAULT" in key["fix"]
    refused = write(aws, configuration, files=1).first_failure
    assert refused is not None
    assert "RSA_2048" in refused.reason
