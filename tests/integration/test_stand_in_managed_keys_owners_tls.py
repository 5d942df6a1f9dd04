"""
The stand-in's judges (devstack/emrfs_writer.py, devstack/aws_judge.py) on three rules they used to get wrong.

- An AWS managed key a bucket default (or an upload) names is judged as that key: of its own account and its own
  service. Its policy, AWS's, lets only callers of its account use it (``kms:CallerAccount``), through its own service
  (``kms:ViaService``) (AWS KMS Developer Guide, "kms:CallerAccount", "kms:ViaService", "AWS managed keys"; its alias is
  ``aws/<service-name>``: "Aliases in AWS KMS"). The writer used to judge any of them as the bucket owner's aws/s3.
- While a bucket is ``BucketOwnerEnforced`` "the bucket owner automatically owns and has full control over every object
  in the bucket. ACLs no longer affect permissions" (Amazon S3 User Guide, "Controlling ownership of objects and
  disabling ACLs for your bucket"), also objects another account wrote before the switch.
- An HTTPS request to S3 carries ``s3:TlsVersion`` (Service Authorization Reference, "Actions, resources, and condition
  keys for Amazon S3"), 1.2 or 1.3: "Amazon S3 supports TLS 1.2 and TLS 1.3" and negotiates the strongest the client
  supports (Amazon S3 User Guide, "Protecting data in transit with encryption"); which one EMRFS gets is not documented,
  so a decision that differs between them is not known. A plain HTTP request carries none.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator
from devstack.aws_network import EndpointOnTheWay
from devstack.emrfs_writer import put_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from devstack.testing import launch_cluster, run_operator
from tests.integration.test_emrfs_writer import PREFIX_KEY, _option_a, chain, prefix, write

if TYPE_CHECKING:
    from devstack.emrfs_writer import WriteResult


def default_key(aws: Seeded, key_id: str) -> None:
    """Make ``key_id`` the seeded bucket's default SSE-KMS key."""
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id}
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )


def managed_key(aws: Seeded, account: str, service: str) -> str:
    """The ARN of ``account``'s AWS managed key of ``service`` (KMS makes it on first use of its alias)."""
    metadata = client(aws.url, account, "kms").describe_key(KeyId=f"alias/aws/{service}")["KeyMetadata"]
    assert metadata["KeyManager"] == "AWS"
    return str(metadata["Arn"])


def refused_at_the_first_encrypted_write(aws: Seeded, result: WriteResult, needle: str) -> None:
    """The write stops at its first upload (the output's folder marker), refused the key's ``kms:GenerateDataKey``."""
    failure = result.first_failure
    assert failure is not None, result.summary()
    assert not result.unknown
    marker = f"s3://{aws.bucket}/{PREFIX_KEY}_$folder$"
    assert (failure.operation, failure.uri, failure.status) == ("PutObject", marker, 403), result.summary()
    assert "kms:GenerateDataKey" in failure.reason
    assert needle in failure.reason, failure.reason


# -- AWS managed keys: whose, and which service's ---------------------------------------------------------------------


def test_a_default_naming_the_owners_aws_ebs_key_refuses_the_owners_own_writer(aws: Seeded) -> None:
    """
    Before, judged as the bucket owner's aws/s3, which its own role may use: every PutObject was allowed. aws/ebs lets
    only EBS use it (``kms:ViaService``), and S3 is not EBS.
    """
    configuration = chain(aws)
    assert write(aws, configuration).success
    ebs = managed_key(aws, DESTINATION_ACCOUNT, "ebs")
    default_key(aws, ebs)

    result = write(aws, configuration)

    assert not result.success
    refused_at_the_first_encrypted_write(aws, result, "the AWS managed key aws/ebs")
    assert ebs in result.first_failure.reason  # type: ignore[union-attr]


def test_a_default_naming_another_accounts_aws_s3_key_refuses_the_owners_writer(aws: Seeded) -> None:
    """
    The EMR account's aws/s3 is not the bucket owner's: its policy lets only callers of the EMR account use it
    (``kms:CallerAccount``). Before, the destination role was judged on its own account's aws/s3 and allowed.
    """
    configuration = chain(aws)
    emr_s3 = managed_key(aws, EMR_ACCOUNT, "s3")
    default_key(aws, emr_s3)

    result = write(aws, configuration)

    assert not result.success
    refused_at_the_first_encrypted_write(aws, result, f"the AWS managed key aws/s3 of {EMR_ACCOUNT} ({emr_s3})")


def test_option_a_writes_under_the_emr_accounts_own_aws_s3_key(aws: Seeded) -> None:
    """
    The EMR role of account A calls KMS (through S3) as a caller of A, the key's own account: AWS's policy of A's aws/s3
    allows it. Before, the judge took the bucket owner's aws/s3 and refused A.
    """
    _option_a(aws)
    emr_s3 = managed_key(aws, EMR_ACCOUNT, "s3")
    default_key(aws, emr_s3)

    result = write(aws, None)

    assert result.success, result.summary()
    assert result.roles_used == {aws.emr_ec2_role_arn}
    assert {written.kms_key_id for written in result.objects.values()} == {emr_s3}
    # The same default refuses the bucket owner's role, of another account than the key's.
    refused_at_the_first_encrypted_write(aws, write(aws, chain(aws)), "AWS managed keys cannot be used across accounts")


def test_option_a_is_refused_under_the_emr_accounts_aws_ebs_key(aws: Seeded) -> None:
    _option_a(aws)
    default_key(aws, managed_key(aws, EMR_ACCOUNT, "ebs"))

    refused_at_the_first_encrypted_write(aws, write(aws, None), "its policy allows its use only through ebs")


def test_uploads_asking_for_aws_ebs_by_alias_are_refused(aws: Seeded) -> None:
    """
    The key an upload names (``AwsKmsKey`` of the security configuration) is resolved in the requester's account, and
    is its aws/ebs: before, judged on aws/s3's policy and allowed.
    """
    configuration = chain(aws)
    document = json.loads(
        client(aws.url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=configuration)["SecurityConfiguration"]
    )
    document["EncryptionConfiguration"] = {
        "EnableInTransitEncryption": False,
        "EnableAtRestEncryption": True,
        "AtRestEncryptionConfiguration": {
            "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": "alias/aws/ebs"}
        },
    }
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name="uploads-ask-for-aws-ebs", SecurityConfiguration=json.dumps(document)
    )

    result = write(aws, "uploads-ask-for-aws-ebs")

    refused_at_the_first_encrypted_write(aws, result, "the AWS managed key aws/ebs")


# -- Object Ownership switched to BucketOwnerEnforced -----------------------------------------------------------------


def test_objects_of_another_account_are_the_bucket_owners_once_acls_are_disabled(aws: Seeded) -> None:
    """
    Option (a) on an ``ObjectWriter`` bucket leaves the EMR account A owning its objects, which the bucket owner's role
    may not read (test_emrfs_writer.py). ``enforce_bucket_owner=True`` switches the bucket to ``BucketOwnerEnforced``:
    from then on the bucket owner owns every object, A's included, and its mapped role reads and replaces them. Before,
    the judge kept A as their owner: 403 on the HEAD of A's folder marker, "object ACL of its owner".
    """
    _option_a(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    first = write(aws, None)
    assert first.success, first.summary()
    assert {written.owner_account for written in first.objects.values()} == {EMR_ACCOUNT}
    run_operator(
        GrantBucketAccessOperator(
            task_id="grant_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[prefix(aws)],
            principal_arns=[aws.emr_ec2_role_arn],
            enforce_bucket_owner=True,
            settle_seconds=0,
        )
    )
    ownership = client(aws.url, DESTINATION_ACCOUNT, "s3").get_bucket_ownership_controls(Bucket=aws.bucket)
    assert ownership["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
    configuration = chain(aws)

    # A's objects, still there (the job stops at the existing output), are read back as the bucket owner's.
    kept = write(aws, configuration, mode="errorifexists")
    assert kept.first_failure is not None
    assert (kept.first_failure.operation, kept.first_failure.status) == ("FileAlreadyExists", 409), kept.summary()
    assert set(kept.objects) == set(first.objects)
    assert {written.owner_account for written in kept.objects.values()} == {DESTINATION_ACCOUNT}

    second = write(aws, configuration)

    assert second.success, second.summary()
    assert second.objects
    assert {written.owner_account for written in second.objects.values()} == {DESTINATION_ACCOUNT}


# -- s3:TlsVersion ------------------------------------------------------------------------------------------------------


def tls_guard(aws: Seeded, operator: str, version: str) -> None:
    """A bucket policy that denies every S3 action when ``operator`` holds of ``s3:TlsVersion`` and ``version``."""
    statement = {
        "Sid": "TlsGuard",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{aws.bucket}", f"arn:aws:s3:::{aws.bucket}/*"],
        "Condition": {operator: {"s3:TlsVersion": version}},
    }
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def test_a_deny_below_tls_1_3_leaves_the_write_unknown_nothing_sent(aws: Seeded) -> None:
    """Denied at TLS 1.2, allowed at 1.3: not known. Before, the key was absent, the Deny never applied: a success."""
    configuration = chain(aws)
    tls_guard(aws, "NumericLessThan", "1.3")

    result = write(aws, configuration)

    assert "s3:TlsVersion" in result.unknown, result.summary()
    assert "which TLS version EMRFS negotiates is not documented" in result.unknown
    assert not result.success
    assert result.first_failure is None
    assert [record.operation for record in result.requests] == ["AssumeRole"]  # no S3 request was sent


@pytest.mark.parametrize(
    ("operator", "version", "succeeds"),
    [
        ("NumericLessThan", "1.2", True),  # holds for neither 1.2 nor 1.3: never applies
        ("NumericGreaterThanEquals", "1.2", False),  # holds for both: always applies (before: never)
        ("Null", "true", True),  # an HTTPS request carries the key (before: absent, always denied)
    ],
)
def test_a_tls_condition_the_same_for_1_2_and_1_3_is_decided(
    aws: Seeded, operator: str, version: str, succeeds: bool
) -> None:
    configuration = chain(aws)
    tls_guard(aws, operator, version)

    result = write(aws, configuration)

    assert not result.unknown, result.unknown
    assert result.success is succeeds, result.summary()
    if not succeeds:
        failure = result.first_failure
        assert failure is not None
        assert (failure.operation, failure.status) == ("HeadObject", 403)
        assert "bucket policy denies it explicitly" in failure.reason


def test_a_bucket_policy_grant_on_tls_1_2_or_later_lets_option_a_write(aws: Seeded) -> None:
    """
    Cross-account the bucket policy must allow (IAM User Guide, "Cross-account policy evaluation logic"); its grant
    conditioned on ``NumericGreaterThanEquals s3:TlsVersion 1.2`` holds for both versions. Before: refused.
    """
    _option_a(aws)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
    for statement in policy["Statement"]:
        if statement["Effect"] == "Allow":
            statement["Condition"] = {"NumericGreaterThanEquals": {"s3:TlsVersion": "1.2"}}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))

    result = write(aws, None)

    assert result.success, result.summary()


def test_a_plain_http_request_carries_no_tls_version(aws: Seeded) -> None:
    """
    With ``emrfs-site`` ``fs.s3n.ssl.enabled`` false (and an SSE-S3 bucket, which S3 serves over HTTP) the requests carry
    no ``s3:TlsVersion``: a Deny on ``Null s3:TlsVersion`` refuses them, one below 1.3 does not apply.
    """
    configuration = chain(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    plain = [{"Classification": "emrfs-site", "Properties": {"fs.s3n.ssl.enabled": "false"}}]
    cluster_id = launch_cluster(aws, configuration, Configurations=plain)

    tls_guard(aws, "NumericLessThan", "1.3")
    below = write(aws, configuration, cluster_id=cluster_id, files=1)
    assert below.success, below.summary()
    tls_guard(aws, "Null", "true")
    refused = write(aws, configuration, cluster_id=cluster_id, files=1)
    assert not refused.unknown
    assert refused.first_failure is not None
    assert (refused.first_failure.operation, refused.first_failure.status) == ("HeadObject", 403)
    assert write(aws, configuration, files=1).success  # the same policy over HTTPS


@pytest.mark.parametrize("gateway", [True, False], ids=["gateway", "interface"])
def test_through_an_s3_interface_endpoint_the_tls_version_is_1_2(aws: Seeded, gateway: bool) -> None:
    """
    "TLS 1.3 is supported in all S3 endpoints, except for AWS PrivateLink for Amazon S3" (Amazon S3 User Guide,
    "Protecting data in transit with encryption"): through an interface endpoint a Deny below 1.3 always applies, and
    the probe's PUT is refused; through a gateway endpoint the version is 1.2 or 1.3, not known.
    """
    configuration = chain(aws)
    tls_guard(aws, "NumericLessThan", "1.3")
    everyone = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    endpoint = EndpointOnTheWay("vpce-0123456789abcdef0", gateway, everyone, "vpc-0123456789abcdef0")

    result = put_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        uri=f"{prefix(aws)}probe",
        body=b"probe\n",
        endpoints={"s3": endpoint},
    )

    if gateway:
        assert "s3:TlsVersion" in result.unknown, result.summary()
        assert result.first_failure is None
        return
    assert not result.unknown, result.unknown
    failure = result.first_failure
    assert failure is not None, result.summary()
    assert (failure.operation, failure.status) == ("HeadObject", 403)
    assert "bucket policy denies it explicitly" in failure.reason
