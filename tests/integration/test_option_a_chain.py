"""
Option (a) as a complete chain on an SSE-KMS bucket, against the two-account moto server.

A cross-account write needs the resource side (the bucket policy; the key policy) *and* the caller's
identity policy (IAM User Guide, "Cross-account policy evaluation logic"; KMS Developer Guide,
"Allowing users in other accounts to use a KMS key"). The AWS managed key ``aws/s3`` cannot be used
across accounts (its key policy cannot be changed); the stand-in describes the key of ``alias/aws/s3`` as AWS
managed (``tests/integration/test_stand_in_managed_keys.py``), so its refusal is shown here end to end, and each
``KeyManager`` on the pure ``refuse_unusable_bucket_key``; the bucket settings S3 stores are shown here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, GrantEmrRoleBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    EMR_ROLE_POLICY_NAME,
    OBJECT_ACL_SID,
    principal_sids,
    refuse_unusable_bucket_key,
)
from airflow_provider_emrfs_xacct.pure.documents import KEY_USERS_SID, KMS_USE_SID, OBJECTS_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from devstack.aws_judge import authorize
from devstack.emrfs_writer import read_principal
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.integration.partners import grant_key_users

PREFIX = "s3://partner-results-b/exports/"


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


def emr_role_access(**kwargs: Any) -> GrantEmrRoleBucketAccessOperator:
    arguments: dict[str, Any] = {
        "task_id": "grant_emr_role_bucket_access",
        "aws_conn_id": EMR_CONN_ID,
        "s3_prefixes": [PREFIX],
        "settle_seconds": 0,
    }
    arguments.update(kwargs)
    return GrantEmrRoleBucketAccessOperator(**arguments)


def failing(operator: Any, error: type[Exception]) -> tuple[Any, CallRecorder]:
    """
    Run ``operator`` to its ``error``, recording every botocore client of the process, not only the operator's own:
    the bucket grant reads keys through its own KMS client, and ``DescribeKey`` on a predefined AWS alias counts as
    a write (AWS KMS API Reference, "DescribeKey": "KMS associates the alias with an AWS managed key").
    """
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everywhere() as recorder, pytest.raises(error) as caught:
        operator.execute({"ti": ti, "task_instance": ti})
    return caught.value, recorder


def by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {statement.get("Sid"): statement for statement in document["Statement"]}


def test_the_whole_chain_covers_bucket_key_and_emr_role(aws: Seeded) -> None:
    """Bucket policy (B), key policy (B) and the EMR role's identity policy (A) all name the EMR role."""
    report, _, _ = run_operator(grant())
    assert report["kms_key_arn"] == aws.kms_key_arn  # the bucket's default key, for the next two steps

    grant_key_users(aws, [aws.emr_ec2_role_arn], report["kms_key_arn"])
    name, recorder, _ = run_operator(emr_role_access(kms_key_arns=report["kms_key_arn"]))

    assert name == EMR_ROLE_POLICY_NAME
    assert recorder.mutating == ["PutRolePolicy"]
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = by_sid(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"])
    assert "s3:PutObject" in policy[OBJECTS_SID]["Action"]
    assert f"arn:aws:s3:::{aws.bucket}/exports/*" in policy[OBJECTS_SID]["Resource"]
    assert policy[KMS_USE_SID]["Resource"] == [aws.kms_key_arn]
    assert OBJECT_ACL_SID not in policy  # BucketOwnerEnforced: no ACL is sent
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    key_policy = by_sid(json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]))
    assert key_policy[KEY_USERS_SID]["Principal"]["AWS"] in ([aws.emr_ec2_role_arn], aws.emr_ec2_role_arn)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    bucket_policy = by_sid(json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]))
    assert principal_sids(aws.emr_ec2_role_arn)[0] in bucket_policy
    # The seeded policy of the EMR role is kept.
    assert "emr-ec2-own-bucket-access" in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]

    _, again, _ = run_operator(emr_role_access(kms_key_arns=report["kms_key_arn"]))
    assert again.mutating == []


def test_bucket_owner_preferred_grants_put_object_acl_on_both_sides(aws: Seeded) -> None:
    """EMRFS sends the canned ACL there; a PutObject with an ACL needs s3:PutObjectAcl (S3 API Reference, PutObject)."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    report, _, _ = run_operator(grant())
    assert report["emrfs_site_properties"] == {"fs.s3.canned.acl": "BucketOwnerFullControl"}
    bucket_policy = by_sid(json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]))
    assert "s3:PutObjectAcl" in bucket_policy[principal_sids(aws.emr_ec2_role_arn)[0]]["Action"]

    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn], canned_acl=True))
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = by_sid(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"])
    assert policy[OBJECT_ACL_SID]["Action"] == "s3:PutObjectAcl"
    assert f"arn:aws:s3:::{aws.bucket}/exports/*" in policy[OBJECT_ACL_SID]["Resource"]

    # Once granted, a later run without the ACL keeps it (another partner's writes may need it).
    _, recorder, _ = run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))
    assert recorder.mutating == []


def test_a_bucket_owner_preferred_bucket_switched_to_enforced_gets_no_put_object_acl(aws: Seeded) -> None:
    """
    Switched to BucketOwnerEnforced (``enforce_bucket_owner=True``), the bucket needs no ACL from EMRFS: the grant
    names no ``fs.s3.canned.acl`` and no ``s3:PutObjectAcl`` (docs/limits.md: granted "only on a
    BucketOwnerPreferred bucket"; least privilege).
    """
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )

    report, _, _ = run_operator(grant(enforce_bucket_owner=True))

    assert report["object_ownership"] == "BucketOwnerEnforced"
    assert report["emrfs_site_properties"] == {}
    statements = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])["Statement"]
    actions = [action for statement in statements for action in as_list(statement["Action"])]
    assert "s3:PutObject" in actions
    assert "s3:PutObjectAcl" not in actions


def test_a_second_partner_joins_the_emr_role_policy(aws: Seeded) -> None:
    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))
    run_operator(emr_role_access(s3_prefixes=["s3://partner-results-c/out/"]))
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = by_sid(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"])
    assert f"arn:aws:s3:::{aws.bucket}/exports/*" in policy[OBJECTS_SID]["Resource"]
    assert "arn:aws:s3:::partner-results-c/out/*" in policy[OBJECTS_SID]["Resource"]
    assert policy[KMS_USE_SID]["Resource"] == [aws.kms_key_arn]


def test_a_partners_prefix_removed_by_hand_takes_its_bucket_with_it_on_the_next_run(aws: Seeded) -> None:
    """
    The operator's warning says to remove a prefix no longer needed by hand from the EMR EC2 role's inline policy
    ("the next run keeps what is left"): when it was the bucket's last, the next run drops the bucket's listing and
    location grants written for it, where it refused them as someone else's before.
    """
    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))
    run_operator(emr_role_access(s3_prefixes=["s3://partner-results-c/out/"]))
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"]
    objects = by_sid(policy)[OBJECTS_SID]
    objects["Resource"] = [arn for arn in objects["Resource"] if ":::partner-results-c/" not in arn]
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME, PolicyDocument=json.dumps(policy))

    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))

    after = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"]
    assert "partner-results-c" not in json.dumps(after)
    assert by_sid(after)["EmrfsXacctList"]["Resource"] == [f"arn:aws:s3:::{aws.bucket}"]


@pytest.mark.parametrize(
    ("key_id", "needle"),
    [
        (None, "AWS managed key aws/s3"),
        ("alias/aws/s3", "AWS managed key aws/s3"),
        (f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:alias/aws/s3", "AWS managed key aws/s3"),
        ("alias/partner-key", "named by alias or key id"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "named by alias or key id"),
    ],
)
def test_unusable_default_keys_are_refused_before_any_write(aws: Seeded, key_id: str | None, needle: str) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    default: dict[str, Any] = {"SSEAlgorithm": "aws:kms"}
    if key_id is not None:
        default["KMSMasterKeyID"] = key_id
    s3.put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )
    error, recorder = failing(grant(), PreconditionError)
    assert str(error).startswith(f"s3_prefixes: bucket {aws.bucket} is encrypted by default with")
    assert needle in str(error)
    assert recorder.mutating == []
    assert "GetBucketEncryption" in recorder.calls


def test_sse_s3_bucket_needs_no_key(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    report, _, _ = run_operator(grant())
    assert report["kms_key_arn"] is None


@pytest.mark.parametrize("manager", ["AWS"])
def test_a_key_arn_kms_describes_as_aws_managed_is_refused(manager: str) -> None:
    arn = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(PreconditionError, match="AWS managed key aws/s3"):
        refuse_unusable_bucket_key("partner-results-b", "aws:kms", arn, manager)
    refuse_unusable_bucket_key("partner-results-b", "aws:kms", arn, "CUSTOMER")
    refuse_unusable_bucket_key("partner-results-b", "aws:kms", arn, None)  # cannot tell: the ARN decides


def test_switching_to_bucket_owner_enforced_is_refused_while_the_acl_grants_others(aws: Seeded) -> None:
    """S3 refuses BucketOwnerEnforced while the bucket ACL grants others (S3 User Guide, "Prerequisites for disabling ACLs")."""
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.put_bucket_acl(Bucket=aws.bucket, ACL="log-delivery-write")
    error, recorder = failing(grant(enforce_bucket_owner=True), PreconditionError)
    assert str(error).startswith("enforce_bucket_owner: the ACL of bucket")
    assert "http://acs.amazonaws.com/groups/s3/LogDelivery" in str(error)
    assert "bucket policy" in str(error)
    assert recorder.mutating == []  # not even the bucket policy
    assert "GetBucketAcl" in recorder.calls
    with pytest.raises(Exception, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=aws.bucket)

    s3.put_bucket_acl(Bucket=aws.bucket, ACL="private")
    report, recorder, _ = run_operator(grant(enforce_bucket_owner=True))
    assert report["object_ownership"] == "BucketOwnerEnforced"
    assert recorder.mutating == ["PutBucketPolicy", "PutBucketOwnershipControls"]  # the grant before the switch


@pytest.mark.parametrize("native", [False, True], ids=["rendered-as-text", "native"])
def test_emr_role_access_takes_canned_acl_rendered_by_the_dag(aws: Seeded, native: bool) -> None:
    """
    ``canned_acl`` is a template field (the bucket-policy example DAG templates it): a DAG that renders templates
    as text, Airflow's default, gives it ``"True"``, as it gives ``dry_run``; both must be read as the flag.
    """
    from types import SimpleNamespace

    from airflow.sdk import DAG

    with DAG(f"canned_acl_{native}", schedule=None, render_template_as_native_obj=native) as dag:
        task = emr_role_access(kms_key_arns=[aws.kms_key_arn], canned_acl="{{ 'fs.s3.canned.acl' | length > 0 }}")
    task.render_template_fields({"dag": dag, "task": task, "params": {}, "ti": SimpleNamespace()})
    assert task.canned_acl == (True if native else "True")  # what Airflow rendered

    run_operator(task)

    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = by_sid(iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"])
    assert policy[OBJECT_ACL_SID]["Action"] == "s3:PutObjectAcl"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"emr_ec2_role_name": "bad role"}, "emr_ec2_role_name"),
        ({"s3_prefixes": ["s3://partner-results-b/"]}, "s3_prefixes[0]"),
        ({"kms_key_arns": ["alias/aws/s3"]}, "kms_key_arns[0]"),
        ({"canned_acl": "yes"}, "canned_acl"),
    ],
)
def test_emr_role_access_refuses_bad_input_before_any_call(
    connections: None, arguments: dict[str, Any], field: str
) -> None:
    error, recorder = failing(emr_role_access(**arguments), InvalidParameterError)
    assert error.field == field
    assert recorder.calls == []


@pytest.mark.parametrize("dry_run", [False, True])
def test_emr_role_access_past_the_roles_inline_policy_quota_is_refused_before_the_write(
    aws: Seeded, dry_run: bool
) -> None:
    """
    IAM counts all inline policies of a role together against 10,240 characters ("IAM and AWS STS
    quotas", role policy size; the stand-in plays it, devstack/aws_quotas.py). The plan now counts the
    role's other inline policies, so a dry run says so too, and no PutRolePolicy meets IAM's raw LimitExceeded.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    used = sum(
        len(
            json.dumps(
                iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"], separators=(",", ":")
            )
        )
        for name in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    )
    extra = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
    }
    extra["Statement"][0]["Sid"] = "P" * (9800 - used - len(json.dumps(extra, separators=(",", ":"))))
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="team-extra", PolicyDocument=json.dumps(extra))
    names = sorted(iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"])

    error, recorder = failing(emr_role_access(dry_run=dry_run), QuotaExceededError)

    assert error.field == "s3_prefixes"
    assert "with the role's other inline policies (9800)" in str(error)
    assert recorder.mutating == []
    assert sorted(iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]) == names


def test_the_emr_role_policy_keeps_what_others_put_into_it(aws: Seeded) -> None:
    """
    A ``Deny`` beside the provider's statements and a ``Condition`` on one of them (a person restricting
    the EMR role's access) stay when another partner's prefix is added, as in every document the provider
    shares (docs/safety.md, "The rule for the statements the provider owns").
    """
    run_operator(emr_role_access(kms_key_arns=[aws.kms_key_arn]))
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"]
    vpc_only = {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    no_deletes = {
        "Sid": "NoDeletesByHand",
        "Effect": "Deny",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{aws.bucket}/*",
    }
    by_sid(policy)[OBJECTS_SID]["Condition"] = vpc_only
    policy["Statement"].insert(0, no_deletes)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME, PolicyDocument=json.dumps(policy))

    run_operator(emr_role_access(s3_prefixes=["s3://partner-results-c/out/"]))

    after = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"]
    assert after["Statement"][0] == no_deletes
    assert by_sid(after)[OBJECTS_SID]["Condition"] == vpc_only
    assert "arn:aws:s3:::partner-results-c/out/*" in by_sid(after)[OBJECTS_SID]["Resource"]


def test_the_aws_managed_key_of_another_region_is_refused_by_its_arn(aws: Seeded) -> None:
    """
    A bucket of another Region than the connection's whose default names aws/s3 by its key ARN: the key is
    described in its own Region (KMS keys are Regional: AWS KMS Developer Guide, "AWS KMS keys"), so it is
    told from a customer managed key and refused, as in the connection's Region.
    """
    from devstack.moto_stack import account_session

    kms = account_session(aws.url, DESTINATION_ACCOUNT).client("kms", endpoint_url=aws.url, region_name="eu-west-1")
    managed = str(kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"])
    assert kms.describe_key(KeyId=managed)["KeyMetadata"]["KeyManager"] == "AWS"  # the stand-in, as KMS
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.create_bucket(Bucket="partner-results-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_encryption(
        Bucket="partner-results-eu",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": managed}}]
        },
    )

    error, recorder = failing(grant(s3_prefixes=["s3://partner-results-eu/exports/"]), PreconditionError)

    assert "the AWS managed key aws/s3" in str(error)
    assert recorder.mutating == []


def test_every_s3_action_the_emr_role_policy_grants_is_allowed_by_the_bucket_policy_too(aws: Seeded) -> None:
    """
    Across accounts an identity grant alone allows nothing: the bucket policy must allow the same action (IAM User
    Guide, "Cross-account policy evaluation logic"). That holds for ``s3:GetBucketLocation`` as well: "In a bucket's
    home Region, calls to the GetBucketLocation operation are governed by the bucket's policy" (Amazon S3 API
    Reference, GetBucketLocation). Asked of the stand-in's judge, with the documents as moto stores them.
    """
    report, _, _ = run_operator(grant())
    run_operator(emr_role_access(kms_key_arns=report["kms_key_arn"]))
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    identity = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"]
    asked = [
        (action, resource.replace("*", "part-00000"))
        for statement in as_list(identity["Statement"])
        for action in as_list(statement["Action"])
        if action.startswith("s3:")
        for resource in as_list(statement["Resource"])
    ]
    assert ("s3:GetBucketLocation", f"arn:aws:s3:::{aws.bucket}") in asked
    principal = read_principal(aws.url, aws.emr_ec2_role_arn)
    assert principal is not None
    bucket_policy = json.loads(
        client(aws.url, DESTINATION_ACCOUNT, "s3").get_bucket_policy(Bucket=aws.bucket)["Policy"]
    )

    refused = [
        decision.reason
        for action, resource in asked
        if not (
            decision := authorize(
                principal, action, resource, resource_policy=bucket_policy, resource_owner=DESTINATION_ACCOUNT
            )
        ).allowed
    ]

    assert refused == []


def _encrypt_bucket_with_new_key(aws: Seeded, kind: str) -> str:
    """Make the bucket's default encryption a new key of the destination account, of ``kind``; return its ARN."""
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    arguments: dict[str, Any] = {"Policy": json.dumps(aws.key_policy)}
    if kind == "RSA_2048":
        arguments.update(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    metadata = kms.create_key(**arguments)["KeyMetadata"]
    if kind == "PendingDeletion":  # moto's ScheduleKeyDeletion and DisableKey take the key id, not its ARN
        kms.schedule_key_deletion(KeyId=metadata["KeyId"], PendingWindowInDays=7)
    elif kind == "Disabled":
        kms.disable_key(KeyId=metadata["KeyId"])
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": metadata["Arn"]}
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )
    return str(metadata["Arn"])


@pytest.mark.parametrize(
    ("kind", "needle"),
    [("RSA_2048", "has KeySpec RSA_2048"), ("PendingDeletion", "is PendingDeletion")],
)
def test_a_default_key_s3_cannot_encrypt_with_is_refused_before_any_write(aws: Seeded, kind: str, needle: str) -> None:
    """
    The bucket policy cannot make writes work with a bucket key S3 cannot encrypt with (pure/kms_keys.py: "Amazon
    S3 only supports symmetric encryption KMS keys", Amazon S3 API Reference, "Encryption"; a key pending deletion):
    refused as GrantKmsKeyUserOperator refuses it, before any write, naming the bucket and the fix.
    """
    key_arn = _encrypt_bucket_with_new_key(aws, kind)

    error, recorder = failing(grant(), PreconditionError)

    assert str(error).startswith(f"s3_prefixes: bucket {aws.bucket} is encrypted by default with {key_arn}, which")
    assert needle in str(error)
    assert recorder.mutating == []


def test_a_disabled_default_key_is_granted_with_a_warning(aws: Seeded, capfd: pytest.CaptureFixture[str]) -> None:
    key_arn = _encrypt_bucket_with_new_key(aws, "Disabled")
    capfd.readouterr()

    report, recorder, _ = run_operator(grant())

    assert report["kms_key_arn"] == key_arn
    assert recorder.mutating == ["PutBucketPolicy"]
    warned = [line for line in capfd.readouterr().out.splitlines() if f"{key_arn}, which is Disabled" in line]
    assert warned
    assert "kms:EnableKey" in warned[0]


def test_a_default_key_the_connection_may_not_describe_is_judged_by_its_arn_alone(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    docs/permissions.md: ``kms:DescribeKey`` refused to the grant's connection, the bucket's key "is judged by its ARN
    alone": the grant goes on (a connection granted before the check keeps working), and a key it would have refused
    from DescribeKey (here pending deletion) is not told apart; the verifier, which describes the key, fails it.
    """
    from devstack.fault_proxy import FaultProxy
    from tests.conftest import use_connections

    key_arn = _encrypt_bucket_with_new_key(aws, "PendingDeletion")
    denied = (400, "AccessDeniedException", "User is not authorized to perform: kms:DescribeKey")
    with FaultProxy(aws.url, intercept=lambda operation: denied if operation == "DescribeKey" else None) as proxy:
        use_connections(monkeypatch, proxy.url)
        report, recorder, _ = run_operator(grant())

    assert proxy.requests["DescribeKey"] == 1
    assert report["kms_key_arn"] == key_arn
    assert recorder.mutating == ["PutBucketPolicy"]
