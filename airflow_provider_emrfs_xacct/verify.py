"""
Reading the live chain from both accounts, checking it, and the optional live write probe.

Works with plain boto3 clients, so the same code serves the Airflow operator (clients from hooks)
and the command line (clients from AWS profiles). The checks themselves are pure
(:mod:`airflow_provider_emrfs_xacct.policies.chain`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.errors import error_code
from airflow_provider_emrfs_xacct.policies.chain import (
    PROBE_KEY,
    BucketState,
    ChainState,
    Report,
    RoleState,
    check_chain,
)
from airflow_provider_emrfs_xacct.policies.merge import parse_document
from airflow_provider_emrfs_xacct.policies.security_config import role_mappings_of
from airflow_provider_emrfs_xacct.policies.validation import parse_s3_location, role_name_from_arn

#: Returns a boto3 client of the named service (``iam``, ``s3`` …) acting in one account.
ClientSource = Callable[[str], Any]
_MISSING = ("NoSuchEntity", "NoSuchBucket", "NotFoundException", "InvalidRequestException")


def _or_none(call: Callable[[], Any], *missing: str) -> Any:
    try:
        return call()
    except ClientError as error:
        if error_code(error) in (missing or _MISSING):
            return None
        raise


def read_role(iam: Any, role_name: str) -> RoleState | None:
    """Read a role with its trust policy and every identity policy (inline and attached managed)."""
    role = _or_none(lambda: iam.get_role(RoleName=role_name)["Role"], "NoSuchEntity")
    if role is None:
        return None
    policies: list[tuple[str, Any]] = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            policies.append((f"inline policy {name}", parse_document(document)))
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"][
                "Document"
            ]
            policies.append((f"managed policy {attached['PolicyName']}", parse_document(document)))
    return RoleState(role["Arn"], parse_document(role["AssumeRolePolicyDocument"]), policies)


def read_bucket(s3: Any, bucket: str, account: str) -> BucketState | None:
    """Read a bucket's policy, object ownership and default encryption (``None`` if it is not there)."""
    if _or_none(lambda: s3.head_bucket(Bucket=bucket), "NoSuchBucket", "404", "403") is None:
        return None
    policy = _or_none(lambda: parse_document(s3.get_bucket_policy(Bucket=bucket)["Policy"]), "NoSuchBucketPolicy")
    controls = _or_none(
        lambda: s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
        "OwnershipControlsNotFoundError",
    )
    rules = _or_none(
        lambda: s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"],
        "ServerSideEncryptionConfigurationNotFoundError",
    )
    default = (rules or [{}])[0].get("ApplyServerSideEncryptionByDefault", {})
    return BucketState(
        account=account,
        policy=policy,
        object_ownership=controls or "ObjectWriter",
        sse_algorithm=default.get("SSEAlgorithm"),
        kms_key_arn=default.get("KMSMasterKeyID"),
    )


def read_chain_state(
    *,
    emr: ClientSource,
    destination: ClientSource,
    security_configuration: str,
    emr_ec2_role_name: str = "EMR_EC2_DefaultRole",
    cluster_id: str | None = None,
    release_label: str | None = None,
    s3_prefixes: Iterable[str] = (),
) -> ChainState:
    """Read everything the checks need: the EMR account through ``emr``, the destination account through ``destination``."""
    emr_role = read_role(emr("iam"), emr_ec2_role_name)
    if emr_role is None:
        raise LookupError(f"emr_ec2_role_name: role {emr_ec2_role_name!r} not found in the EMR account")
    emr_client = emr("emr")
    document = _or_none(
        lambda: parse_document(
            emr_client.describe_security_configuration(Name=security_configuration)["SecurityConfiguration"]
        )
    )
    configurations = None
    if cluster_id is not None:
        cluster = emr_client.describe_cluster(ClusterId=cluster_id)["Cluster"]
        release_label = release_label or cluster.get("ReleaseLabel")
        configurations = cluster.get("Configurations", [])
    mappings = role_mappings_of(document)
    extra = list(s3_prefixes)
    iam_b, s3_b, kms_b = destination("iam"), destination("s3"), destination("kms")
    roles = {str(m["Role"]): read_role(iam_b, role_name_from_arn(str(m["Role"]))) for m in mappings}
    prefixes = {p for m in mappings if m.get("IdentifierType") == "Prefix" for p in m.get("Identifiers", [])} | set(
        extra
    )
    account = destination("sts").get_caller_identity()["Account"]
    buckets = {
        bucket: read_bucket(s3_b, bucket, account)
        for bucket in sorted({parse_s3_location(p, "prefix", allow_bucket_root=True).bucket for p in prefixes})
    }
    key_policies: dict[str, Any] = {}
    for bucket in buckets.values():
        if bucket is not None and bucket.kms_key_arn:
            key = _or_none(lambda k=bucket.kms_key_arn: kms_b.describe_key(KeyId=k)["KeyMetadata"])  # type: ignore[misc]
            if key is None:
                key_policies[bucket.kms_key_arn] = None
                continue
            bucket.kms_key_arn = key["Arn"]
            if key.get("KeyManager") == "AWS":
                bucket.kms_key_arn = None  # aws/s3: its policy allows every principal of the account through S3
                continue
            key_policies[key["Arn"]] = parse_document(
                kms_b.get_key_policy(KeyId=key["Arn"], PolicyName="default")["Policy"]
            )
    return ChainState(
        emr_role=emr_role,
        security_configuration_name=security_configuration,
        security_configuration=document,
        destination_roles=roles,
        buckets=buckets,
        key_policies=key_policies,
        release_label=release_label,
        cluster_configurations=configurations,
        prefixes_for_principal_mappings=extra,
    )


def verify_chain(**kwargs: Any) -> Report:
    """Read the chain (see :func:`read_chain_state`) and check every link."""
    return check_chain(read_chain_state(**kwargs))


# The live probe -------------------------------------------------------------------------------


def probe_key(prefix: str) -> str:
    """Return a fresh S3 location under ``prefix`` for one probe object."""
    location = parse_s3_location(prefix, "prefix", allow_bucket_root=True)
    return f"{location.uri}{PROBE_KEY}/{uuid.uuid4().hex}"


def probe_step(probe_uri: str) -> dict[str, Any]:
    """An EMR step that writes a small object through EMRFS (``hadoop fs``), so the role mapping applies."""
    return {
        "Name": "emrfs-xacct-probe",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["bash", "-c", f"echo emrfs-xacct-probe | hadoop fs -put -f - {probe_uri}"],
        },
    }


def check_probe_object(
    s3: Any, probe_uri: str, *, expected_key_arn: str | None, owner_account_id: str
) -> dict[str, Any]:
    """
    Check, from the destination account, the object the probe step wrote; then delete it.

    :return: ``{"exists", "encryption", "kms_key", "owner_is_bucket_owner", "ok", "problems"}``.
    """
    location = parse_s3_location(probe_uri.rsplit("/", 1)[0] + "/", "probe_uri")
    key = f"{location.prefix}{probe_uri.rsplit('/', 1)[1]}"
    head = _or_none(lambda: s3.head_object(Bucket=location.bucket, Key=key), "404", "NoSuchKey")
    problems: list[str] = []
    if head is None:
        return {"exists": False, "ok": False, "problems": [f"{probe_uri} was not written"]}
    encryption = head.get("ServerSideEncryption")
    kms_key = head.get("SSEKMSKeyId")
    if expected_key_arn and (
        encryption != "aws:kms" or not kms_key or not expected_key_arn.endswith(kms_key.split("/")[-1])
    ):
        problems.append(f"expected SSE-KMS with {expected_key_arn}, got {encryption} {kms_key}")
    owner: dict[str, Any] = next(
        (
            item.get("Owner", {})
            for item in s3.list_objects_v2(Bucket=location.bucket, Prefix=key, FetchOwner=True).get("Contents", [])
        ),
        {},
    )
    bucket_owner = s3.get_bucket_acl(Bucket=location.bucket)["Owner"]
    owned = owner.get("ID") == bucket_owner.get("ID")
    if not owned:
        problems.append(
            f"the object is owned by {owner.get('ID')}, not by the bucket owner of account {owner_account_id}"
        )
    s3.delete_object(Bucket=location.bucket, Key=key)
    return {
        "exists": True,
        "encryption": encryption,
        "kms_key": kms_key,
        "owner_is_bucket_owner": owned,
        "ok": not problems,
        "problems": problems,
    }
