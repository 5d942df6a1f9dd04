"""
The stand-in's judges on EMRFS's client-side encryption, the order of its quota and principal judges, and role paths.

1. CSE-KMS (devstack/emrfs_writer.py): "the Amazon S3 encryption and decryption takes place in the EMRFS client on your
   cluster ... The client can use keys provided by AWS KMS (CSE-KMS)" (Amazon EMR Release Guide, "Amazon S3
   client-side encryption"). EMRFS asks KMS for a data key itself, with the request's credentials: a CSE key whose
   policy lets nobody encrypt refuses the write (and the probe step), where the stand-in wrote it. What it cannot
   judge (a custom provider, a condition on the undocumented encryption context) is unknown, never a success.
2. The size quotas count the document as sent (AWS KMS API Reference, "PutKeyPolicy": "The key policy size quota is
   32 kilobytes (32768 bytes)"; IAM User Guide, "IAM and AWS STS quotas": whitespace not counted), not as the
   principal judge re-serialises it to store it: a principal's case no longer changes the count.
3. A principal's role name is compared without regard to case ("Names are not distinguished by case", IAM API
   Reference, "CreateRole"), its path exactly: AWS documents nothing of a path's case (IAM User Guide, "IAM
   identifiers", "Friendly names and paths"), so the stricter reading stands.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.verify import probe_step
from devstack.emrfs_writer import KMS_MATERIALS_PROVIDER, WriteResult, write_like_emrfs
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, Seeded, client
from devstack.testing import launch_cluster, run_operator
from tests.integration.partners import mapping, provision_partner, role_arn

ROLE = "partner-writer"
PREFIX_KEY = "exports/partner-cse"
ROOT = f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"
#: Key administration only: nobody may encrypt with the key.
ADMIN = {
    "Sid": "KeyAdministration",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
    "Resource": "*",
}


def prefix(aws: Seeded) -> str:
    return f"s3://{aws.bucket}/{PREFIX_KEY}/"


def key_with(aws: Seeded, *statements: dict[str, Any]) -> str:
    """
    A key of the destination account with the administration statement and ``statements``; its ARN. The partner's chain
    is provisioned first (its role must exist to be named).
    """
    provision_partner(aws, ROLE, prefix(aws))
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = {"Version": "2012-10-17", "Statement": [ADMIN, *statements]}
    return str(kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"])


def encrypt_for_role(**condition: Any) -> dict[str, Any]:
    """A key policy statement letting the destination role ask for data keys (under ``condition``, if given)."""
    statement = {
        "Sid": "PartnerEncrypts",
        "Effect": "Allow",
        "Principal": {"AWS": role_arn(ROLE)},
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "*",
    }
    return {**statement, "Condition": condition} if condition else statement


def configuration(aws: Seeded, s3_encryption: dict[str, Any] | None) -> str:
    """A security configuration mapping the partner's prefix, with ``s3_encryption`` at rest if given."""
    at_rest = {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": True,
            "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": s3_encryption},
        }
    }
    name, _, _ = run_operator(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="emrfs-xacct-cse",
            role_mappings=[mapping(ROLE, prefix(aws))],
            base_configuration=at_rest if s3_encryption is not None else None,
        )
    )
    return str(name)


def write(aws: Seeded, name: str, **kwargs: Any) -> WriteResult:
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=name,
        output_uri=prefix(aws),
        files=1,
        **kwargs,
    )


def data_key_calls(result: WriteResult) -> list[Any]:
    return [record for record in result.requests if record.operation == "GenerateDataKey"]


# 1. EMRFS's own KMS call for client-side encryption ------------------------------------------------------------------


@pytest.mark.parametrize("allowed", [False, True], ids=["nobody-encrypts", "control"])
def test_a_cse_kms_key_nobody_may_encrypt_with_refuses_the_write(aws: Seeded, allowed: bool) -> None:
    """
    The security configuration's at-rest ``CSE-KMS`` names a key whose policy lets nobody ask for a data key: EMRFS's
    own ``kms:GenerateDataKey`` is refused (KMS's 400), nothing is uploaded. The stand-in judged only the bucket's
    default key and wrote. The control lets the role encrypt: the write passes, each upload preceded by the call.
    """
    key = key_with(aws, *([encrypt_for_role()] if allowed else []))
    name = configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key})

    result = write(aws, name)

    calls = data_key_calls(result)
    assert calls, result.summary()
    assert {call.uri for call in calls} == {key}
    assert {call.role_arn for call in calls} == {role_arn(ROLE)}
    if allowed:
        assert result.success, result.summary()
        assert all(call.status == 200 for call in calls)
        return
    assert not result.success
    assert not result.unknown, result.unknown
    failure = result.first_failure
    assert failure is not None
    assert (failure.operation, failure.status) == ("GenerateDataKey", 400), result.summary()
    assert "kms:GenerateDataKey" in failure.reason
    assert not [record for record in result.requests if record.operation in ("PutObject", "CreateMultipartUpload")]


def test_emrfs_site_cse_with_a_kms_key_is_judged_the_same(aws: Seeded) -> None:
    """``emrfs-site`` ``fs.s3.cse.enabled`` with ``fs.s3.cse.kms.keyId`` (no at-rest configuration): refused too."""
    key = key_with(aws)
    name = configuration(aws, None)
    site = {
        "fs.s3.cse.enabled": "true",
        "fs.s3.cse.encryptionMaterialsProvider": KMS_MATERIALS_PROVIDER,
        "fs.s3.cse.kms.keyId": key,
    }
    cluster_id = launch_cluster(aws, name, Configurations=[{"Classification": "emrfs-site", "Properties": site}])

    result = write(aws, name, cluster_id=cluster_id)

    failure = result.first_failure
    assert failure is not None, result.summary()
    assert (failure.operation, failure.uri, failure.status) == ("GenerateDataKey", key, 400)


def test_a_key_allowed_only_through_s3_refuses_emrfs_s_own_call(aws: Seeded) -> None:
    """
    A key policy allowing the role only ``kms:ViaService`` S3 (AWS KMS Developer Guide, "kms:ViaService"): EMRFS's
    client-side call comes from no service, so KMS refuses it.
    """
    key = key_with(aws, encrypt_for_role(StringEquals={"kms:ViaService": "s3.us-east-1.amazonaws.com"}))
    name = configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key})

    result = write(aws, name)

    failure = result.first_failure
    assert failure is not None, result.summary()
    assert failure.operation == "GenerateDataKey"


def test_a_condition_on_the_encryption_context_leaves_the_write_unknown(aws: Seeded) -> None:
    """
    The encryption context EMRFS's client sends is not documented: a key policy conditioned on it cannot be judged, so
    the write is neither a success nor a refusal.
    """
    condition = {"StringEquals": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{aws.bucket}/*"}}
    key = key_with(aws, encrypt_for_role(**condition))
    name = configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key})

    result = write(aws, name)

    assert result.unknown, result.summary()
    assert "kms:EncryptionContext" in result.unknown
    assert not result.success
    assert result.first_failure is None, result.summary()


def test_cse_custom_is_unknown_not_a_success(aws: Seeded) -> None:
    """A custom key provider's calls are its own (Amazon EMR Release Guide, "Amazon S3 client-side encryption")."""
    name = configuration(
        aws, {"EncryptionMode": "CSE-Custom", "S3Object": "s3://b/p.jar", "EncryptionKeyProviderClass": "P"}
    )

    result = write(aws, name)

    assert "CSE-Custom" in result.unknown, result.summary()
    assert not result.success
    assert not result.requests


def test_the_probe_step_fails_on_a_cse_key_nobody_may_encrypt_with(aws: Seeded) -> None:
    """moto_stack's step runner fails the verifier's probe step where EMRFS's CSE call is refused (was COMPLETED)."""
    key = key_with(aws)
    name = configuration(aws, {"EncryptionMode": "CSE-KMS", "AwsKmsKey": key})
    cluster_id = launch_cluster(aws, name)
    emr = client(aws.url, EMR_ACCOUNT, "emr")

    [step_id] = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[probe_step(f"{prefix(aws)}probe")])["StepIds"]
    step = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]

    assert step["Status"]["State"] == "FAILED", step["Status"]
    assert "GenerateDataKey" in step["Status"]["FailureDetails"]["Message"]


# 2. The size quotas count the document as sent -----------------------------------------------------------------------


def oversized_key_policy(principal: str) -> tuple[str, int]:
    """A key policy naming ``principal``, compact under 32,768 bytes but over it as sent (indented); and its compact size."""
    statements = [
        {
            "Sid": f"Deny{index:04d}",
            "Effect": "Deny",
            "Principal": {"AWS": principal},
            "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
            "Resource": "*",
        }
        for index in range(120)
    ]
    document = {"Version": "2012-10-17", "Statement": [{**ADMIN, "Action": "kms:*"}, *statements]}
    compact = len(json.dumps(document, separators=(",", ":")).encode())
    return json.dumps(document, indent=24), compact


@pytest.mark.parametrize("spelling", ["own", "other case"])
def test_an_oversized_key_policy_is_refused_whatever_the_case_of_its_principal(aws: Seeded, spelling: str) -> None:
    """
    KMS measures the policy sent: over 32,768 bytes it is ``LimitExceededException``, however the principals are spelled.
    The principal judge re-serialised a policy naming a role in another case before the quota judge counted it, so the
    same policy was accepted.
    """
    emr_role = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE if spelling == 'own' else EMR_EC2_ROLE.lower()}"
    sent, compact = oversized_key_policy(emr_role)
    assert compact < 32768 < len(sent.encode())
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    before = kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]

    with pytest.raises(ClientError) as refused:
        kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=sent)

    assert refused.value.response["Error"]["Code"] == "LimitExceededException"
    assert kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"] == before
    with pytest.raises(ClientError) as created:
        kms.create_key(Policy=sent)
    assert created.value.response["Error"]["Code"] == "LimitExceededException"


def trust_with(principal: str, characters: int) -> str:
    """A trust policy naming ``principal`` of ``characters`` characters without whitespace, padded with ``é``."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": ""}},
    }
    document = {"Version": "2012-10-17", "Statement": [statement]}
    size = len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
    statement["Condition"]["StringEquals"]["aws:PrincipalTag/team"] = "é" * (characters - size)
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    assert len(text) == characters
    return text


@pytest.mark.parametrize("spelling", ["own", "other case"])
def test_a_trust_policy_at_the_quota_is_accepted_whatever_the_case_of_its_principal(aws: Seeded, spelling: str) -> None:
    """
    A trust policy of exactly 2,048 characters as sent is accepted (IAM User Guide, "IAM and AWS STS quotas"), naming
    a role in another case too: the re-serialised text (``é`` escaped as ``\\u00e9``) is not what IAM counts.
    """
    emr_role = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE if spelling == 'own' else EMR_EC2_ROLE.lower()}"
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    iam.create_role(RoleName="at-the-quota", AssumeRolePolicyDocument=trust_with(emr_role, 2048))
    iam.update_assume_role_policy(RoleName="at-the-quota", PolicyDocument=trust_with(emr_role, 2048))

    saved = iam.get_role(RoleName="at-the-quota")["Role"]["AssumeRolePolicyDocument"]
    saved = json.loads(saved) if isinstance(saved, str) else saved
    assert saved["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    with pytest.raises(ClientError) as refused:
        iam.update_assume_role_policy(RoleName="at-the-quota", PolicyDocument=trust_with(emr_role, 2049))
    assert refused.value.response["Error"]["Code"] == "LimitExceeded"


# 3. A role principal's path is compared exactly, its name without regard to case -------------------------------------


def test_a_role_principal_names_its_path_exactly_and_its_name_in_any_case(aws: Seeded) -> None:
    """
    The role ``PathRole`` at ``/Svc/``: named ``role/svc/PathRole`` (the path in another case) it is a principal that
    does not exist, refused in a key and a bucket policy; ``role/Svc/pathrole`` is the role, shown back in its own
    spelling. The judge compared the whole ARN lower-cased, path included.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = {"Version": "2012-10-17", "Statement": [{**ADMIN, "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}]}
    own = iam.create_role(RoleName="PathRole", Path="/Svc/", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    assert own == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/Svc/PathRole"
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")

    def key_policy(principal: str) -> str:
        statement = {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:Decrypt"}
        return json.dumps(
            {"Version": "2012-10-17", "Statement": [{**ADMIN, "Action": "kms:*"}, {**statement, "Resource": "*"}]}
        )

    other_path = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/svc/PathRole"
    with pytest.raises(ClientError) as refused:
        kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=key_policy(other_path))
    assert refused.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": other_path},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{aws.bucket}/*",
            }
        ],
    }
    with pytest.raises(ClientError) as refused_bucket:
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(bucket_policy))
    assert refused_bucket.value.response["Error"]["Code"] == "MalformedPolicy"

    other_name = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/Svc/pathrole"
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=key_policy(other_name))
    shown = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    assert shown["Statement"][1]["Principal"]["AWS"] == own
