"""
The stand-in's request-shape judge (``devstack/aws_shapes.py``) on values AWS's documentation says it
accepts or refuses, each limit cited from the operation's page of the service's API Reference.
"""

from __future__ import annotations

import ast
import io
import pathlib
from typing import Any

import botocore.session
import pytest

from devstack import aws_shapes

SESSION = botocore.session.get_session()


def refusal(service: str, operation: str, **params: Any) -> dict[str, Any] | None:
    return aws_shapes.refusal(SESSION.get_service_model(service).operation_model(operation), params)


def message(service: str, operation: str, **params: Any) -> str:
    answer = refusal(service, operation, **params)
    assert answer is not None, f"{operation} {params} was accepted"
    return str(answer["Error"]["Message"])


TRUST = '{"Version": "2012-10-17", "Statement": []}'


@pytest.mark.parametrize(
    ("role_name", "accepted"),
    [
        # IAM API Reference, CreateRole: RoleName "Minimum length of 1. Maximum length of 64.", pattern [\w+=,.@-]+
        ("r" * 64, True),
        ("r" * 65, False),
        ("emrfs-acme_1+=,.@-writer", True),
        ("partner writer", False),
        ("partners/writer", False),
        ("rôle", False),  # \w is ASCII in Java's patterns
    ],
)
def test_iam_role_names(role_name: str, accepted: bool) -> None:
    assert (refusal("iam", "CreateRole", RoleName=role_name, AssumeRolePolicyDocument=TRUST) is None) is accepted


def test_a_refusal_is_iams_validation_error_naming_the_member_and_the_limit() -> None:
    answer = refusal("iam", "CreateRole", RoleName="r" * 65, AssumeRolePolicyDocument=TRUST)

    assert answer is not None
    assert answer["Error"]["Code"] == "ValidationError"  # IAM API Reference, "Common Errors"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Message"] == (
        f"1 validation error detected: Value '{'r' * 65}' at 'roleName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )


def test_role_descriptions_are_latin_1() -> None:
    """IAM API Reference, CreateRole: Description at most 1000, pattern [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*."""
    create = {"RoleName": "r", "AssumeRolePolicyDocument": TRUST}
    assert refusal("iam", "CreateRole", **create, Description="Écrit les résultats\tde l'équipe") is None
    assert "pattern" in message("iam", "CreateRole", **create, Description="costs €")
    assert "less than or equal to 1000" in message("iam", "CreateRole", **create, Description="d" * 1001)


def test_policy_documents_are_latin_1() -> None:
    """IAM API Reference, PutRolePolicy: PolicyDocument pattern [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+."""
    put = {"RoleName": "r", "PolicyName": "p"}
    assert refusal("iam", "PutRolePolicy", **put, PolicyDocument='{"Sid": "caf\\u00e9 ok"}') is None
    assert "at 'policyDocument'" in message("iam", "PutRolePolicy", **put, PolicyDocument='{"Sid": "日本"}')


@pytest.mark.parametrize(
    ("key", "value", "refused_at"),
    [
        # IAM API Reference, Tag: Key 1-128 and Value 0-256 of [\p{L}\p{Z}\p{N}_.:/=+\-@]
        ("Cost Center", "Accounting: 1/2 = +@", None),
        ("部署", "経理 ٣", None),  # letters and digits of any script
        ("k" * 128, "v" * 256, None),
        ("k" * 129, "v", "tags.1.member.key"),
        ("k", "v" * 257, "tags.1.member.value"),
        ("team*", "v", "tags.1.member.key"),
        ("team", "a\tb", "tags.1.member.value"),  # a tab is not a separator (\p{Z})
    ],
)
def test_iam_tags(key: str, value: str, refused_at: str | None) -> None:
    answer = refusal("iam", "TagRole", RoleName="r", Tags=[{"Key": key, "Value": value}])
    if refused_at is None:
        assert answer is None
    else:
        assert answer is not None
        assert f"at '{refused_at}'" in answer["Error"]["Message"]


def test_kms_refuses_with_validation_exception() -> None:
    """KMS API Reference, PutKeyPolicy: PolicyName 1-128 of [\\w]+ (only ``default`` exists)."""
    assert refusal("kms", "PutKeyPolicy", KeyId="k", PolicyName="default", Policy=TRUST) is None
    answer = refusal("kms", "PutKeyPolicy", KeyId="k", PolicyName="my-policy", Policy=TRUST)
    assert answer is not None
    assert answer["Error"]["Code"] == "ValidationException"
    assert "at 'policyName'" in answer["Error"]["Message"]


def test_emr_names_and_their_surrogate_pair_pattern() -> None:
    """
    EMR API Reference, CreateSecurityConfiguration: Name at most 10280, pattern
    [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]* (characters past U+FFFF as surrogate pairs).
    """
    create = {"SecurityConfiguration": "{}"}
    assert refusal("emr", "CreateSecurityConfiguration", Name="n" * 10280, **create) is None
    assert refusal("emr", "CreateSecurityConfiguration", Name="émoji 😀", **create) is None
    assert "10280" in message("emr", "CreateSecurityConfiguration", Name="n" * 10281, **create)
    assert "pattern" in message("emr", "CreateSecurityConfiguration", Name="bell\x07", **create)


def test_nested_and_recursive_members() -> None:
    """EMR API Reference, RunJobFlow: Name at most 256; Configurations nest Configurations."""
    nested = [{"Classification": "a", "Configurations": [{"Classification": "b", "Properties": {"k": "v"}}]}]
    run = {"Instances": {}, "Configurations": nested}
    assert refusal("emr", "RunJobFlow", Name="n" * 256, **run) is None
    assert "at 'name'" in message("emr", "RunJobFlow", Name="n" * 257, **run)


def test_sts_session_names() -> None:
    """AWS STS API Reference, AssumeRole: RoleSessionName 2-64 of [\\w+=,.@-]*."""
    arn = "arn:aws:iam::111111111111:role/r"
    assert refusal("sts", "AssumeRole", RoleArn=arn, RoleSessionName="s" * 64) is None
    assert "at 'roleSessionName'" in message("sts", "AssumeRole", RoleArn=arn, RoleSessionName="s" * 65)
    assert "pattern" in message("sts", "AssumeRole", RoleArn=arn, RoleSessionName="airflow task")


def test_enums_are_checked_where_the_service_checks_them() -> None:
    """IAM API Reference, ListPolicies: Scope "Valid Values: All | AWS | Local". S3's model enums are not S3's rules."""
    assert "enum value set: [AWS, All, Local]" in message("iam", "ListPolicies", Scope="Mine")
    # KMS (JSON protocol) too: AWS KMS API Reference, GenerateDataKey, KeySpec "Valid Values: AES_256 | AES_128".
    assert "enum value set: [AES_128, AES_256]" in message("kms", "GenerateDataKey", KeyId="alias/k", KeySpec="AES_512")
    # Amazon S3 User Guide, "Access control list (ACL) overview", "Canned ACL": log-delivery-write is a
    # bucket's canned ACL, which PutBucketAcl's model enum does not list.
    assert refusal("s3", "PutBucketAcl", Bucket="b", ACL="log-delivery-write") is None


def test_a_file_like_body_is_not_measured_and_bytes_are() -> None:
    """S3 PutObject's ``Body`` is a blob: bytes are measured, a stream (what EMRFS-like writers send) passes."""
    assert refusal("s3", "PutObject", Bucket="b", Key="k", Body=io.BytesIO(b"results")) is None
    assert refusal("s3", "PutObject", Bucket="b", Key="k", Body=b"results") is None
    # A blob with limits: AWS KMS API Reference, Encrypt, Plaintext "Minimum length of 1. Maximum length of 4096".
    assert refusal("kms", "Encrypt", KeyId="alias/k", Plaintext=b"x" * 4096) is None
    assert "at 'plaintext'" in message("kms", "Encrypt", KeyId="alias/k", Plaintext=b"x" * 4097)


def test_every_pattern_of_the_services_used_compiles() -> None:
    for service in ("iam", "sts", "kms", "emr", "s3", "ec2", "s3control"):
        model = SESSION.get_service_model(service)
        for name in model.shape_names:
            pattern = model.shape_for(name).metadata.get("pattern")
            if pattern:
                aws_shapes.java_pattern(pattern)


def test_the_judge_imports_only_the_standard_library_and_botocore() -> None:
    """Airflow processes load a copy of it from ``$AIRFLOW_HOME/config``, where neither devstack nor the provider is."""
    tree = ast.parse(pathlib.Path(aws_shapes.__file__).read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {str(node.module) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    allowed = {"__future__", "botocore", "dataclasses", "functools", "re", "sys", "threading", "typing", "unicodedata"}
    assert {module.split(".")[0] for module in modules} <= allowed
