"""
Option (a)'s bucket default key as the grants judge it, against the two-account moto server (the stand-in describes
the keys of predefined AWS aliases as AWS managed: ``devstack/aws_managed_keys.py``).

- A default naming its key by alias ARN is resolved with ``DescribeKey``, which takes "key ID, key ARN, alias name,
  or alias ARN" (AWS KMS API Reference, DescribeKey, ``KeyId``); the key behind it is judged as a key ARN is, before
  any write, and its key ARN returned for the next two links, which take key ARNs only. Not refused, but warned: S3
  documents only a key ARN for cross-account use ("If you are using encryption with cross-account or AWS service
  operations, you must use a fully qualified KMS key ARN", Amazon S3 API Reference, "ServerSideEncryptionByDefault").
- An AWS managed key of another service than S3 (``aws/ebs``) is not ``aws/s3``: its policy, AWS's, lets only that
  service use it (AWS KMS Developer Guide, "Permissions for AWS services in key policies"; "kms:ViaService"), and "you
  can only change the key policy for a customer managed key" ("Change a key policy"). Told apart with ``ListAliases``
  as the verifier tells it.
- A key of another Region than the bucket's: "You can use only KMS keys that are available in the same AWS Region as
  the bucket" (Amazon S3 User Guide, "Specifying server-side encryption with AWS KMS (SSE-KMS)").
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, GrantEmrRoleBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    REGION,
    Seeded,
    account_session,
    client,
)
from devstack.testing import CallRecorder, run_operator

PREFIX = "s3://partner-results-b/exports/"
ALIAS = "alias/partner"
ALIAS_ARN = f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:{ALIAS}"
DENIED_LIST_ALIASES = (400, "AccessDeniedException", "User is not authorized to perform: kms:ListAliases")


def grant(**kwargs: Any) -> GrantBucketAccessOperator:
    arguments: dict[str, Any] = {
        "task_id": "grant_bucket_access",
        "aws_conn_id": DESTINATION_CONN_ID,
        "s3_prefixes": [PREFIX],
        "principal_arns": [f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"],
        "settle_seconds": 0,
    }
    arguments.update(kwargs)
    return GrantBucketAccessOperator(**arguments)


def grant_key(key_arn: str, **kwargs: Any) -> GrantKmsKeyUserOperator:
    arguments: dict[str, Any] = {
        "task_id": "grant_kms_key_user",
        "aws_conn_id": DESTINATION_CONN_ID,
        "key_arn": key_arn,
        "principal_arns": [f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"],
        "settle_seconds": 0,
    }
    arguments.update(kwargs)
    return GrantKmsKeyUserOperator(**arguments)


def refused(operator: Any) -> tuple[PreconditionError, CallRecorder]:
    """Run the operator, expect a :class:`PreconditionError`; return it with every call any client made."""
    with CallRecorder().everywhere() as recorder, pytest.raises(PreconditionError) as caught:
        run_operator(operator)
    return caught.value, recorder


def encrypt_bucket(aws: Seeded, key_id: str, bucket: str | None = None) -> None:
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id}
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=bucket or aws.bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )


def aliased_key(aws: Seeded, kind: str = "symmetric") -> str:
    """A new key of the destination account named by :data:`ALIAS`, of ``kind``; return its key ARN."""
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    arguments: dict[str, Any] = {"Policy": json.dumps(aws.key_policy)}
    if kind == "RSA_2048":
        arguments.update(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    metadata = kms.create_key(**arguments)["KeyMetadata"]
    if kind == "PendingDeletion":  # moto's ScheduleKeyDeletion takes the key id, not its ARN
        kms.schedule_key_deletion(KeyId=metadata["KeyId"], PendingWindowInDays=7)
    kms.create_alias(AliasName=ALIAS, TargetKeyId=metadata["KeyId"])
    return str(metadata["Arn"])


def managed_key(aws: Seeded, service: str) -> str:
    """The ARN of the destination account's AWS managed key of ``service`` (the stand-in makes it on first use)."""
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    metadata = kms.describe_key(KeyId=f"alias/aws/{service}")["KeyMetadata"]
    assert metadata["KeyManager"] == "AWS"  # the stand-in, as KMS
    return str(metadata["Arn"])


def policy_of(aws: Seeded) -> str | None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    try:
        return str(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
    except s3.exceptions.ClientError:
        return None


@pytest.mark.parametrize(
    ("kind", "needle"), [("RSA_2048", "has KeySpec RSA_2048"), ("PendingDeletion", "is PendingDeletion")]
)
def test_a_key_s3_cannot_use_behind_an_alias_arn_is_refused_before_any_write(
    aws: Seeded, kind: str, needle: str
) -> None:
    """docs/howto/bucket_policy.md: such a key is refused "before writing anything", named by alias ARN too."""
    key_arn = aliased_key(aws, kind)
    encrypt_bucket(aws, ALIAS_ARN)
    before = policy_of(aws)

    error, recorder = refused(grant())

    assert error.field == "s3_prefixes"
    assert str(error).startswith(f"s3_prefixes: bucket {aws.bucket} is encrypted by default with {key_arn}, which")
    assert needle in str(error)
    assert recorder.mutating == []
    assert recorder.params_of("DescribeKey") == [{"KeyId": ALIAS_ARN}]
    assert policy_of(aws) == before


def test_an_alias_arn_default_returns_its_key_arn_which_the_next_links_take(
    aws: Seeded, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The report's ``kms_key_arn`` is the key's ARN, not the alias ARN that ``GrantKmsKeyUserOperator`` and
    ``GrantEmrRoleBucketAccessOperator`` refuse ("must be a key ARN, not an alias ARN") after the bucket write; the
    alias default is warned about (S3 documents only a key ARN for cross-account use), not refused.
    """
    key_arn = aliased_key(aws)
    encrypt_bucket(aws, ALIAS_ARN)

    capfd.readouterr()
    report, recorder, _ = run_operator(grant())
    logged = capfd.readouterr().out

    assert report["kms_key_arn"] == key_arn
    assert recorder.mutating == ["PutBucketPolicy"]
    warned = [line for line in logged.splitlines() if f"names its key by the alias ARN {ALIAS_ARN}" in line]
    assert warned, logged
    assert "fully qualified KMS key ARN" in warned[0]
    assert f"Set the bucket's default encryption to the key ARN {key_arn}" in warned[0]
    # The next two links of the example DAG take what the report gives.
    assert run_operator(grant_key(report["kms_key_arn"]))[0] == key_arn
    name, _, _ = run_operator(
        GrantEmrRoleBucketAccessOperator(
            task_id="grant_emr_role_bucket_access",
            aws_conn_id=EMR_CONN_ID,
            s3_prefixes=[PREFIX],
            kms_key_arns=report["kms_key_arn"],
            settle_seconds=0,
        )
    )
    assert name == EMR_ROLE_POLICY_NAME


def test_a_key_arn_default_is_not_warned_about(aws: Seeded, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    report, _, _ = run_operator(grant())

    assert report["kms_key_arn"] == aws.kms_key_arn
    assert "alias ARN" not in capfd.readouterr().out


def test_an_alias_arn_naming_no_key_is_refused_before_any_write(aws: Seeded) -> None:
    """No key ARN for the next links, and S3 could not encrypt with it: refused, not passed on as the alias ARN."""
    encrypt_bucket(aws, ALIAS_ARN)

    error, recorder = refused(grant())

    assert error.field == "s3_prefixes"
    assert f"the alias {ALIAS_ARN}, which kms:DescribeKey did not resolve to a key" in str(error)
    assert recorder.mutating == []


@pytest.mark.parametrize("spelling", ["alias/aws/ebs", f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:alias/aws/ebs"])
def test_a_default_naming_another_services_predefined_alias_is_refused_without_creating_its_key(
    aws: Seeded, spelling: str
) -> None:
    """
    Refused by its spelling, before any KMS call: DescribeKey on a predefined alias with no key yet makes KMS create
    the AWS managed key (AWS KMS API Reference, DescribeKey, ``KeyId``), a change in the partner's account.
    """
    encrypt_bucket(aws, spelling)

    error, recorder = refused(grant())

    assert "the AWS managed key of another AWS service than S3" in str(error)
    assert recorder.of("kms") == []
    assert recorder.mutating == []


def test_another_services_aws_managed_key_by_its_key_arn_is_refused_naming_it(aws: Seeded) -> None:
    """Before, any ``KeyManager`` ``AWS`` key was called ``aws/s3``; ListAliases now tells which it is."""
    ebs = managed_key(aws, "ebs")
    encrypt_bucket(aws, ebs)

    error, recorder = refused(grant())

    assert str(error).startswith(
        f"s3_prefixes: bucket {aws.bucket} is encrypted by default with {ebs}, the AWS managed"
    )
    assert "another AWS service than S3" in str(error)
    assert "aws/s3" not in str(error)
    assert recorder.of("kms") == ["DescribeKey", "ListAliases"]
    assert recorder.mutating == []


def test_an_aws_managed_default_key_is_refused_also_when_list_aliases_is_denied(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devstack.fault_proxy import FaultProxy
    from tests.conftest import use_connections

    encrypt_bucket(aws, managed_key(aws, "s3"))
    deny = DENIED_LIST_ALIASES
    with FaultProxy(aws.url, intercept=lambda operation: deny if operation == "ListAliases" else None) as proxy:
        use_connections(monkeypatch, proxy.url)
        error, recorder = refused(grant())

    assert proxy.requests["ListAliases"] == 1
    assert "an AWS managed key (aws/s3, or another service's: kms:ListAliases was refused" in str(error)
    assert recorder.mutating == []


def test_a_default_key_of_another_region_than_the_bucket_is_refused_before_any_write(aws: Seeded) -> None:
    """
    The bucket in eu-west-1, its default the seeded key of us-east-1: before, the key was described in its own Region
    and returned, and every write failed; now refused naming ``s3_prefixes``, both Regions and the fix.
    """
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.create_bucket(Bucket="partner-results-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    encrypt_bucket(aws, aws.kms_key_arn, bucket="partner-results-eu")

    error, recorder = refused(grant(s3_prefixes=["s3://partner-results-eu/exports/"]))

    assert error.field == "s3_prefixes"
    assert "bucket partner-results-eu is in Region eu-west-1" in str(error)
    assert f"names {aws.kms_key_arn}, of Region {REGION}" in str(error)
    assert recorder.mutating == []
    assert "DescribeKey" not in recorder.calls


def test_a_default_key_of_the_buckets_own_other_region_is_granted(aws: Seeded) -> None:
    """The same bucket of eu-west-1 with a key of eu-west-1: described there, granted, its ARN returned."""
    kms = account_session(aws.url, DESTINATION_ACCOUNT).client("kms", endpoint_url=aws.url, region_name="eu-west-1")
    key_arn = str(kms.create_key(Policy=json.dumps(aws.key_policy))["KeyMetadata"]["Arn"])
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.create_bucket(Bucket="partner-results-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    encrypt_bucket(aws, key_arn, bucket="partner-results-eu")

    report, recorder, _ = run_operator(grant(s3_prefixes=["s3://partner-results-eu/exports/"]))

    assert report["kms_key_arn"] == key_arn
    assert recorder.mutating == ["PutBucketPolicy"]


def test_a_bucket_region_not_readable_is_said_and_the_grant_goes_on(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """``s3:ListBucket`` (HeadBucket) refused: the Region is not checked, and the log says so (docs/permissions.md)."""
    from devstack.fault_proxy import FaultProxy
    from tests.conftest import use_connections

    denied = (403, "AccessDenied", "Access Denied")
    with FaultProxy(aws.url, intercept=lambda operation: denied if operation == "s3 HEAD" else None) as proxy:
        use_connections(monkeypatch, proxy.url)
        capfd.readouterr()
        report, recorder, _ = run_operator(grant())

    assert proxy.requests["s3 HEAD"] == 1
    assert report["kms_key_arn"] == aws.kms_key_arn
    assert recorder.mutating == ["PutBucketPolicy"]
    assert f"The Region of bucket {aws.bucket} was not read" in capfd.readouterr().out


def test_the_key_grant_refuses_another_services_aws_managed_key_naming_key_arn(aws: Seeded) -> None:
    """
    Before, any AWS managed key passed as ``aws/s3``: the grant of ``aws/ebs`` to a principal of its account succeeded
    changing nothing, though S3 can never encrypt with it. Refused now, naming ``key_arn``, before any write.
    """
    ebs = managed_key(aws, "ebs")
    principal = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-writer"
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(
        RoleName="partner-writer", AssumeRolePolicyDocument=EC2_ONLY_TRUST
    )

    error, recorder = refused(grant_key(ebs, principal_arns=[principal]))

    assert error.field == "key_arn"
    assert str(error).startswith(f"key_arn: {ebs}, the AWS managed key of another AWS service than S3")
    assert recorder.of("kms") == ["GetKeyPolicy", "DescribeKey", "ListAliases"]
    assert recorder.mutating == []


def test_the_key_grant_of_aws_s3_still_changes_nothing(aws: Seeded) -> None:
    s3_key = managed_key(aws, "s3")
    principal = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-writer"
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(
        RoleName="partner-writer", AssumeRolePolicyDocument=EC2_ONLY_TRUST
    )

    result, recorder, ti = run_operator(grant_key(s3_key, principal_arns=[principal]))

    assert result == s3_key
    assert recorder.mutating == []
    assert ti.xcoms["plan"] == []


@pytest.mark.parametrize("service", ["s3", "ebs"])
def test_the_key_grant_says_which_service_is_not_checked_when_list_aliases_is_denied(
    aws: Seeded, service: str, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Not passed silently: the warning names the key, the refused action and what it leaves unchecked."""
    from devstack.fault_proxy import FaultProxy
    from tests.conftest import use_connections

    key = managed_key(aws, service)
    principal = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-writer"
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(
        RoleName="partner-writer", AssumeRolePolicyDocument=EC2_ONLY_TRUST
    )
    deny = DENIED_LIST_ALIASES
    with FaultProxy(aws.url, intercept=lambda operation: deny if operation == "ListAliases" else None) as proxy:
        use_connections(monkeypatch, proxy.url)
        capfd.readouterr()
        result, recorder, _ = run_operator(grant_key(key, principal_arns=[principal]))
        logged = capfd.readouterr().out

    assert result == key
    assert proxy.requests["ListAliases"] == 1
    assert recorder.mutating == []
    warned = [line for line in logged.splitlines() if "kms:ListAliases was denied" in line]
    assert warned, logged
    assert key in warned[0]
    assert "is not checked" in warned[0]


@pytest.mark.parametrize(
    "key_id",
    [
        "arn:aws:s3:::partner-results-b",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-b-writer",
        f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:grant/0123456789abcdef",
    ],
)
def test_a_default_naming_an_arn_that_is_no_kms_key_is_refused_before_any_write(aws: Seeded, key_id: str) -> None:
    """
    A KMS key is named by key id, key ARN, alias name or alias ARN (AWS KMS API Reference, DescribeKey, ``KeyId``), and
    S3 stores the value without checking it (Amazon S3 API Reference, PutBucketEncryption): any other ARN names no key,
    and is refused by the task that read the bucket, naming s3_prefixes, not returned as the key ARN for later tasks.
    """
    encrypt_bucket(aws, key_id)
    before = policy_of(aws)

    error, recorder = refused(grant())

    assert error.field == "s3_prefixes"
    assert f"bucket {aws.bucket} is encrypted by default with {key_id!r} (KMSMasterKeyID)" in str(error)
    assert "names no KMS key" in str(error)
    assert recorder.mutating == []
    assert recorder.params_of("DescribeKey") == []
    assert policy_of(aws) == before
