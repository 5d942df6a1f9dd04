"""
The example chain followed by an EMRFS-like write (devstack/emrfs_writer.py) against two-account moto.

The writer routes each S3 request by the live security configuration, assumes the mapped role with
the EMR EC2 role's credentials, and is judged before sending by an authorization judge that is not
the provider's evaluator (principalmapper's policy simulation over the live trust, identity,
boundary, bucket and key policies; S3's 403-versus-404 rule). So a test here fails where AWS would
fail a real job: the chain must pass it, and breaking any one link must make the write fail at the
request AWS would refuse.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import (
    ASSUME_POLICY_NAME,
    DESTINATION_POLICY_NAME,
    KEY_USERS_SID,
    LIST_SID,
    as_list,
)
from devstack.emrfs_writer import WriteResult, write_like_emrfs
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import run_operator
from tests.integration.partners import (
    create_security_configuration,
    grant_key_users,
    mapping,
    provision_partner,
    role_arn,
    set_permissions_boundary,
)

if TYPE_CHECKING:
    from collections.abc import Callable

ROLE = "partner-writer"
PREFIX_KEY = "exports/partner-a"


def prefix(aws: Seeded) -> str:
    return f"s3://{aws.bucket}/{PREFIX_KEY}/"


def chain(aws: Seeded) -> str:
    """The example chain for one partner (role, assume-role policy, key user, security configuration)."""
    provision_partner(aws, ROLE, prefix(aws))
    return create_security_configuration([mapping(ROLE, prefix(aws))])


def write(aws: Seeded, configuration: str | None, output: str | None = None, **kwargs: Any) -> WriteResult:
    if configuration is None:  # no mapped role's account to look for the bucket in
        kwargs.setdefault("bucket_account", DESTINATION_ACCOUNT)
    return write_like_emrfs(
        aws.url,
        emr_account=EMR_ACCOUNT,
        instance_role=EMR_EC2_ROLE,
        security_configuration=configuration,
        output_uri=output or prefix(aws),
        **kwargs,
    )


def destination_policy(aws: Seeded) -> dict[str, Any]:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    return dict(iam.get_role_policy(RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"])


def put_destination_policy(aws: Seeded, policy: dict[str, Any]) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.put_role_policy(RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))


def test_the_example_chain_then_a_write_succeeds_as_the_destination_role(aws: Seeded) -> None:
    configuration = chain(aws)

    result = write(aws, configuration, files=3)

    assert result.success, result.summary()
    destination = role_arn(ROLE)
    # Every S3 request went out as the destination role, through its mapping (none fell back).
    assert result.roles_used == {destination}
    s3_requests = [r for r in result.requests if r.operation != "AssumeRole"]
    assert {r.matched for r in s3_requests} == {f"Prefix s3://{aws.bucket}/{PREFIX_KEY}"}
    assert [r.operation for r in result.requests].count("AssumeRole") == 1
    # The write exercised what a real one sends, the 404s of new paths included.
    operations = {r.operation for r in s3_requests}
    assert operations == {
        "HeadObject",
        "ListObjectsV2",
        "PutObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "ListMultipartUploads",
        "AbortMultipartUpload",
        "DeleteObject",
    }
    missing = [r for r in s3_requests if r.status == 404]
    assert {r.uri for r in missing} >= {
        f"s3://{aws.bucket}/{PREFIX_KEY}",
        f"s3://{aws.bucket}/{PREFIX_KEY}/",
        f"s3://{aws.bucket}/{PREFIX_KEY}_$folder$",
    }
    # What is left: the part files, _SUCCESS and the directory marker; _temporary is gone; all owned
    # by the destination account and encrypted with its key.
    keys = set(result.objects)
    assert f"{PREFIX_KEY}/_SUCCESS" in keys
    assert f"{PREFIX_KEY}_$folder$" in keys
    assert len([key for key in keys if "/part-" in key]) == 3
    assert not [key for key in keys if "_temporary" in key]
    for written in result.objects.values():
        assert written.owner_account == DESTINATION_ACCOUNT, written
        assert (written.encryption, written.kms_key_id) == ("aws:kms", aws.kms_key_arn), written
    # No multipart upload left pending.
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    assert not s3.list_multipart_uploads(Bucket=aws.bucket, Prefix=f"{PREFIX_KEY}/").get("Uploads")


def test_the_identifier_is_written_without_the_trailing_slash(aws: Seeded) -> None:
    configuration = chain(aws)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    document = json.loads(emr.describe_security_configuration(Name=configuration)["SecurityConfiguration"])
    [stored] = document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    assert stored["Identifiers"] == [f"s3://{aws.bucket}/{PREFIX_KEY}"]


def test_a_sibling_prefix_is_routed_to_the_partner_role_and_denied_there(aws: Seeded) -> None:
    """``s3://b/p`` also matches ``s3://b/p2/...``: those requests go to the partner's role, which may not write there."""
    configuration = chain(aws)

    result = write(aws, configuration, output=f"s3://{aws.bucket}/{PREFIX_KEY}2/")

    failure = result.first_failure
    assert failure is not None
    assert (failure.operation, failure.uri, failure.status) == ("HeadObject", f"s3://{aws.bucket}/{PREFIX_KEY}2", 403)
    assert failure.role_arn == role_arn(ROLE)
    assert "s3:GetObject" in failure.reason
    assert not result.objects


def _old_identifier_shape(aws: Seeded) -> str:
    """The provider's earlier shape: ``s3://b/p/``, which does not match ``s3://b/p`` nor ``s3://b/p_$folder$``."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    document = {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {"RoleMappings": [mapping(ROLE, f"s3://{aws.bucket}/{PREFIX_KEY}/")]}
        }
    }
    emr.create_security_configuration(Name="old-shape", SecurityConfiguration=json.dumps(document))
    return "old-shape"


def _without_statement(sid_prefix: str) -> Callable[[Seeded], None]:
    def breaks(aws: Seeded) -> None:
        policy = destination_policy(aws)
        policy["Statement"] = [s for s in policy["Statement"] if not s["Sid"].startswith(sid_prefix)]
        put_destination_policy(aws, policy)

    return breaks


def _without_action(action: str) -> Callable[[Seeded], None]:
    def breaks(aws: Seeded) -> None:
        policy = destination_policy(aws)
        for statement in policy["Statement"]:
            statement["Action"] = [a for a in as_list(statement["Action"]) if a != action]
        policy["Statement"] = [s for s in policy["Statement"] if s["Action"]]
        put_destination_policy(aws, policy)

    return breaks


def _list_conditioned_on_prefix(aws: Seeded) -> None:
    """The earlier shape: ListBucket only with s3:prefix, which a HEAD's 404 is not known to carry, nor with which."""
    policy = destination_policy(aws)
    for statement in policy["Statement"]:
        if statement["Sid"].startswith(LIST_SID):
            statement["Condition"] = {"StringLike": {"s3:prefix": [f"{PREFIX_KEY}/", f"{PREFIX_KEY}/*"]}}
    put_destination_policy(aws, policy)


def _without_own_key(aws: Seeded) -> None:
    policy = destination_policy(aws)
    own = f"arn:aws:s3:::{aws.bucket}/{PREFIX_KEY}"
    for statement in policy["Statement"]:
        statement["Resource"] = [r for r in as_list(statement["Resource"]) if r != own]
    put_destination_policy(aws, policy)


def _without_trust(aws: Seeded) -> None:
    other = f"arn:aws:iam::{EMR_ACCOUNT}:role/SomeOtherRole"
    create_principals(aws.url, other)  # IAM refuses a trust policy naming a role that does not exist
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": other},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))


def _without_assume_role_policy(aws: Seeded) -> None:
    client(aws.url, EMR_ACCOUNT, "iam").delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)


def _key_policy(aws: Seeded, keep: Callable[[dict[str, Any]], bool]) -> None:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    policy["Statement"] = [s for s in policy["Statement"] if keep(s)]
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))


def _without_key_user_nor_delegation(aws: Seeded) -> None:
    """No key-user statement and no root statement: the key policy no longer lets the role use the key."""
    _key_policy(aws, lambda s: s.get("Sid") not in (KEY_USERS_SID, "Enable IAM User Permissions"))


def _deny_in_bucket_policy(aws: Seeded) -> None:
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PartnerFreeze",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{aws.bucket}/{PREFIX_KEY}*",
            }
        ],
    }
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(deny))


def _read_only_boundary(aws: Seeded) -> None:
    set_permissions_boundary(aws, ROLE, "read-only-boundary", "s3:GetObject")


def _no_mapping(aws: Seeded) -> str:
    return create_security_configuration([mapping(ROLE, f"s3://{aws.bucket}/somewhere-else/")], name_prefix="other")


HEAD_OWN_KEY = ("HeadObject", PREFIX_KEY)
FIRST_MARKER = ("PutObject", f"{PREFIX_KEY}_$folder$")


@pytest.mark.parametrize(
    ("breaks", "operation", "key", "role", "why"),
    [
        pytest.param(_without_trust, "AssumeRole", None, ROLE, "trust policy does not allow", id="trust"),
        pytest.param(
            _without_assume_role_policy, "AssumeRole", None, ROLE, "identity policies do not allow", id="assume-policy"
        ),
        pytest.param(
            _without_key_user_nor_delegation, *FIRST_MARKER, ROLE, "kms:GenerateDataKey", id="key-user-and-root"
        ),
        pytest.param(_without_statement(LIST_SID), *HEAD_OWN_KEY, ROLE, "s3:ListBucket", id="list-bucket"),
        pytest.param(_without_own_key, *HEAD_OWN_KEY, ROLE, "s3:GetObject", id="prefix-own-key"),
        pytest.param(
            _without_action("s3:ListBucketMultipartUploads"),
            "ListMultipartUploads",
            "",
            ROLE,
            "s3:ListBucketMultipartUploads",
            id="list-uploads",
        ),
        pytest.param(
            _without_action("s3:AbortMultipartUpload"), "AbortMultipartUpload", "", ROLE, "s3:Abort", id="abort"
        ),
        pytest.param(_without_action("s3:DeleteObject"), "DeleteObject", "", ROLE, "s3:DeleteObject", id="delete"),
        pytest.param(
            _deny_in_bucket_policy, *FIRST_MARKER, ROLE, "bucket policy denies it explicitly", id="bucket-deny"
        ),
        pytest.param(_read_only_boundary, *HEAD_OWN_KEY, ROLE, "s3:ListBucket", id="boundary"),
    ],
)
def test_breaking_one_link_fails_the_write_where_aws_would(
    aws: Seeded, breaks: Callable[[Seeded], None], operation: str, key: str | None, role: str, why: str
) -> None:
    configuration = chain(aws)
    breaks(aws)

    result = write(aws, configuration)

    failure = result.first_failure
    assert failure is not None, result.summary()
    assert failure.operation == operation, result.summary()
    assert failure.status == 403
    if operation == "AssumeRole":
        assert failure.uri == role_arn(role)
    else:
        assert failure.role_arn == role_arn(role)
        if key:
            assert failure.uri == f"s3://{aws.bucket}/{key}"
    assert why in failure.reason, failure.reason
    assert failure is result.requests[-1]  # the job stops at the first refusal


def test_a_listing_allowed_only_with_a_prefix_leaves_a_missing_keys_head_unknown(aws: Seeded) -> None:
    """
    A HEAD of a missing key answers 404 only with s3:ListBucket, else 403 (S3 API Reference, HeadObject,
    "Permissions"); which s3:prefix that implied check carries, if any, no AWS page says. With ListBucket allowed only
    under the prefix, the HEAD of the prefix's own key is not known (review J42), where the stand-in refused it, as it
    ran the check with no s3:prefix: a choice of its own.
    """
    configuration = chain(aws)
    _list_conditioned_on_prefix(aws)

    result = write(aws, configuration)

    assert result.first_failure is None, result.summary()
    assert f"HeadObject of missing s3://{aws.bucket}/{PREFIX_KEY}" in result.unknown, result.summary()
    assert "s3:prefix" in result.unknown, result.unknown


@pytest.mark.parametrize(
    ("configuration_for", "matched"),
    [
        pytest.param(_no_mapping, "instance role", id="no-mapping-for-the-prefix"),
        pytest.param(_old_identifier_shape, "instance role", id="identifier-with-trailing-slash"),
        pytest.param(lambda aws: None, "instance role", id="no-security-configuration"),
    ],
)
def test_a_request_no_mapping_routes_falls_back_to_the_instance_role_and_is_refused(
    aws: Seeded, configuration_for: Callable[[Seeded], str | None], matched: str
) -> None:
    chain(aws)
    configuration = configuration_for(aws)

    result = write(aws, configuration)

    failure = result.first_failure
    assert failure is not None
    # The very first request, getFileStatus of the output directory's own key, goes out as the EC2 role.
    assert failure is result.requests[0]
    assert (failure.operation, failure.uri, failure.status) == ("HeadObject", f"s3://{aws.bucket}/{PREFIX_KEY}", 403)
    assert failure.role_arn == aws.emr_ec2_role_arn
    assert failure.matched == matched
    assert "cross-account" in failure.reason


def test_the_key_policy_root_statement_alone_lets_the_same_account_role_use_the_key(aws: Seeded) -> None:
    """
    Without the key-user statement the write still succeeds while the key policy delegates to the
    destination account (its root statement) and the role's own policy allows the key actions (AWS KMS
    Developer Guide, "Key policies": the default key policy lets IAM policies grant access).
    """
    configuration = chain(aws)
    _key_policy(aws, lambda s: s.get("Sid") != KEY_USERS_SID)

    assert write(aws, configuration).success


def _option_a(aws: Seeded) -> None:
    """Option (a): bucket policy, the EMR role's own identity policy, and the key policy naming the EMR role."""
    run_operator(
        GrantBucketAccessOperator(
            task_id="grant_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[prefix(aws)],
            principal_arns=[aws.emr_ec2_role_arn],
            settle_seconds=0,
        )
    )
    grant_key_users(aws, [aws.emr_ec2_role_arn])
    # Cross-account, the EMR role's own identity policy must allow the same actions (IAM User Guide,
    # "Cross-account policy evaluation logic"); written here by hand.
    bucket = f"arn:aws:s3:::{aws.bucket}"
    identity = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                "Resource": [f"{bucket}/{PREFIX_KEY}/*", f"{bucket}/{PREFIX_KEY}", f"{bucket}/{PREFIX_KEY}_$folder$"],
            },
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"], "Resource": bucket},
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": aws.kms_key_arn},
        ],
    }
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="option-a-partner-access", PolicyDocument=json.dumps(identity)
    )


def test_option_a_write_succeeds_as_the_instance_role_and_the_bucket_owner_owns_it(aws: Seeded) -> None:
    _option_a(aws)

    result = write(aws, None)

    assert result.success, result.summary()
    assert result.roles_used == {aws.emr_ec2_role_arn}
    assert result.objects
    for written in result.objects.values():
        assert written.owner_account == DESTINATION_ACCOUNT  # BucketOwnerEnforced
        assert written.kms_key_id == aws.kms_key_arn


def test_option_a_object_writer_bucket_leaves_the_objects_to_the_emr_account(aws: Seeded) -> None:
    _option_a(aws)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )

    result = write(aws, None)

    assert result.success, result.summary()
    assert {written.owner_account for written in result.objects.values()} == {EMR_ACCOUNT}


def test_option_a_without_the_bucket_policy_fails_at_the_first_request(aws: Seeded) -> None:
    _option_a(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").delete_bucket_policy(Bucket=aws.bucket)

    result = write(aws, None)

    failure = result.first_failure
    assert failure is result.requests[0]
    assert failure is not None
    assert (failure.operation, failure.uri, failure.status) == ("HeadObject", f"s3://{aws.bucket}/{PREFIX_KEY}", 403)
    assert "bucket policy does not allow it" in failure.reason


def test_option_a_without_the_key_policy_grant_fails_at_the_first_encrypted_write(aws: Seeded) -> None:
    _option_a(aws)
    _key_policy(aws, lambda s: s.get("Sid") != KEY_USERS_SID)  # the root statement of B does not cover account A

    failure = write(aws, None).first_failure

    assert failure is not None
    assert (failure.operation, failure.uri) == ("PutObject", f"s3://{aws.bucket}/{PREFIX_KEY}_$folder$")
    assert "kms:GenerateDataKey" in failure.reason


def test_a_second_write_overwrites_and_errorifexists_stops_before_writing(aws: Seeded) -> None:
    configuration = chain(aws)
    first = write(aws, configuration)
    assert first.success, first.summary()

    second = write(aws, configuration)

    assert second.success, second.summary()
    deleted = {r.uri for r in second.requests if r.operation == "DeleteObject"}
    assert {f"s3://{aws.bucket}/{key}" for key in first.objects} <= deleted  # the first output was replaced
    assert not set(first.objects) & set(second.objects) - {f"{PREFIX_KEY}/_SUCCESS", f"{PREFIX_KEY}_$folder$"}
    refused = write(aws, configuration, mode="errorifexists")
    assert refused.first_failure is not None
    assert (refused.first_failure.operation, refused.first_failure.status) == ("FileAlreadyExists", 409)
    assert not [r for r in refused.requests if r.operation in ("PutObject", "DeleteObject")]


def _configuration(aws: Seeded, name: str, mappings: list[dict[str, Any]]) -> str:
    """A security configuration written directly (no provider validation), as someone else might have."""
    document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": mappings}}}
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=name, SecurityConfiguration=json.dumps(document)
    )
    return name


def test_user_and_group_mappings_route_by_the_hadoop_user_first_match_across_types(aws: Seeded) -> None:
    chain(aws)
    own_prefix = mapping(ROLE, f"s3://{aws.bucket}/{PREFIX_KEY}")
    user = {"Role": role_arn(ROLE), "IdentifierType": "User", "Identifiers": ["partner_a_etl"]}
    assert write(aws, _configuration(aws, "by-user", [user]), user="partner_a_etl").success
    # Another Hadoop user matches nothing and falls back to the EC2 role, refused cross-account.
    fallback = write(aws, "by-user", user="someone_else").first_failure
    assert fallback is not None
    assert (fallback.role_arn, fallback.matched) == (aws.emr_ec2_role_arn, "instance role")
    # An earlier Group mapping to another role captures the group's requests to this prefix (first match
    # wins across types): that role does not exist here, so AssumeRole is refused.
    other = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/finance-reader"
    group_first = [{"Role": other, "IdentifierType": "Group", "Identifiers": ["finance"]}, own_prefix]
    captured = write(aws, _configuration(aws, "group-first", group_first), groups=("hadoop", "finance"))
    assert captured.first_failure is not None
    assert (captured.first_failure.operation, captured.first_failure.uri) == ("AssumeRole", other)
    assert captured.first_failure.matched == "Group finance"
    assert write(aws, "group-first", groups=("hadoop",)).success


def _allow_object_acl_to_the_emr_role(aws: Seeded) -> None:
    """Uploads with a canned ACL also need ``s3:PutObjectAcl`` (S3 API Reference, PutObject): both sides of option (a)."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    identity = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="option-a-partner-access")["PolicyDocument"]
    identity = json.loads(identity) if isinstance(identity, str) else identity
    identity["Statement"][0]["Action"].append("s3:PutObjectAcl")
    iam.put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="option-a-partner-access", PolicyDocument=json.dumps(identity)
    )
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    bucket_policy = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
    for statement in bucket_policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if "s3:PutObject" in actions:
            statement["Action"] = [*actions, "s3:PutObjectAcl"]
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(bucket_policy))


@pytest.mark.parametrize(
    ("canned_acl", "readable"), [(None, False), ("bucket-owner-full-control", True)], ids=["private", "bofc"]
)
def test_objects_the_emr_account_owns_are_not_the_bucket_owners_to_read(
    aws: Seeded, canned_acl: str | None, readable: bool
) -> None:
    """
    On an ``ObjectWriter`` bucket the EMR account A owns what its instance role wrote (S3 User Guide,
    "Controlling ownership of objects"), and B's bucket policy does not grant B's own role reading it: "These
    permissions don't apply to objects that are owned by other AWS accounts" ("Bucket policies for Amazon S3";
    "How Amazon S3 authorizes a request for an object operation"). A later write as B's mapped role stops at
    the first HEAD of A's folder marker, unless A's uploads carried ``bucket-owner-full-control``, whose ACL
    grants B. A itself reads its objects again.
    """
    _option_a(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    if canned_acl:
        _allow_object_acl_to_the_emr_role(aws)
    first = write(aws, None, canned_acl=canned_acl)
    assert first.success, first.summary()
    assert {written.owner_account for written in first.objects.values()} == {EMR_ACCOUNT}
    again = write(aws, None, canned_acl=canned_acl)
    assert again.success, again.summary()  # the owner reads its own objects with its identity policy

    second = write(aws, chain(aws))

    if readable:
        assert second.success, second.summary()
        assert {written.owner_account for written in second.objects.values()} == {DESTINATION_ACCOUNT}
        return
    failure = second.first_failure
    assert failure is not None
    assert (failure.operation, failure.uri, failure.status) == (
        "HeadObject",
        f"s3://{aws.bucket}/{PREFIX_KEY}_$folder$",
        403,
    )
    assert f"object ACL of its owner {EMR_ACCOUNT}" in failure.reason


@pytest.mark.parametrize(
    "mapped_arn",
    [
        pytest.param(f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE.upper()}", id="name-in-another-case"),
        pytest.param(f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/elsewhere/{ROLE}", id="another-path"),
    ],
)
def test_a_mapping_not_naming_the_roles_own_arn_is_not_assumed(aws: Seeded, mapped_arn: str) -> None:
    # The stand-in's IAM finds a role by its name in any case (devstack/aws_principals.py get_role), and by name
    # alone; STS does not: "When you assume a role using AWS STS API or AWS CLI, make sure to use the exact name of
    # your role in the ARN. Role names are case sensitive when you assume a role" (IAM User Guide, "Troubleshoot IAM
    # roles", "I can't assume a role"; the verifier FAILs the link). Whether it accepts another path is not
    # documented: the judge refuses that too (at least as strict as AWS). The EMR EC2 role may assume any role here,
    # so that only the mapping's spelling is judged.
    chain(aws)
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName="assume-any",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
        ),
    )
    configuration = _configuration(
        aws,
        "spelled-otherwise",
        [{"Role": mapped_arn, "IdentifierType": "Prefix", "Identifiers": [f"s3://{aws.bucket}/{PREFIX_KEY}"]}],
    )

    result = write(aws, configuration)

    failure = result.first_failure
    assert failure is not None, result.summary()
    assert (failure.operation, failure.uri, failure.status) == ("AssumeRole", mapped_arn, 403), result.summary()
    assert "not the role's own" in failure.reason, failure.reason
    if ROLE.upper() in mapped_arn:
        assert "role names are case sensitive when a role is assumed" in failure.reason, failure.reason


@pytest.mark.parametrize(
    ("condition", "allowed"),
    [
        ({"Bool": {"aws:SecureTransport": "true"}}, False),  # not one of S3's keys: the statement stays public
        ({"StringEquals": {"aws:SourceVpce": "vpce-0partner0000000"}}, True),  # a fixed aws:SourceVpce: non-public
    ],
    ids=["tls-only", "fixed-endpoint"],
)
def test_restrict_public_buckets_follows_s3s_meaning_of_public_not_motos(
    aws: Seeded, condition: dict[str, Any], allowed: bool
) -> None:
    """
    S3 User Guide, "Blocking public access to your Amazon S3 storage", "The meaning of 'public'": a grant to everyone is
    non-public only when limited to fixed values of the listed keys (``aws:SourceVpce`` among them, not
    ``aws:SecureTransport``); S3 API Reference, PublicAccessBlockConfiguration, RestrictPublicBuckets: then "public and
    cross-account access within any public bucket policy, including non-public delegation to specific accounts, is
    blocked". moto's GetBucketPolicyStatus, which the writer read, calls any statement with a Condition non-public, so
    option (a)'s cross-account write went through beside a public statement.
    """
    _option_a(aws)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    current = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
    current["Statement"].append(
        {
            "Sid": "PublicReports",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{aws.bucket}/public/*",
            "Condition": condition,
        }
    )
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(current))
    s3.put_public_access_block(
        Bucket=aws.bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )

    result = write(aws, None)

    assert result.success is allowed, result.summary()
    if not allowed:
        failure = result.first_failure
        assert failure is not None
        assert failure.status == 403
        assert "RestrictPublicBuckets" in failure.reason
