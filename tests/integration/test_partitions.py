"""
The provisioning chain in the China Regions' partition (``aws-cn``), end to end over the stand-in.

moto serves each partition's IAM apart (its IAM backends are per account and partition) and answers
``GetCallerIdentity`` and ``CreateRole`` in ``cn-north-1`` with ``arn:aws-cn:`` ARNs, as AWS does ("ARNs for
Amazon Web Services in China": "In the Beijing and Ningxia Regions, the Amazon Resource Name (ARN) syntax
includes a cn"). The stand-in's principal judge (``devstack/aws_principals.py``) refuses a trust or key
policy naming a principal its account and partition do not have, and its bucket-policy judge
(``devstack/aws_policy_principals.py``) applies a statement to the ``aws-cn`` callers it names. Not proven here:
the verifier and the live probe in ``aws-cn`` (nor ``aws-us-gov``), and what S3 sends KMS there as
``kms:ViaService`` (undocumented: docs/limits.md).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.exceptions
import pytest

from airflow_provider_emrfs_xacct.macros import aws_partition
from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.s3 import RevokeBucketAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.aws_policy_principals import applies_to
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    PROVISIONER_ROLE,
    MotoStack,
    connection_uri_json,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.conftest import reset_moto

CHINA = "cn-north-1"
PREFIX = "s3://partner-results-cn/exports/"


def session(url: str, account: str) -> boto3.Session:
    """A session acting in ``account`` of the ``aws-cn`` partition (a role of it assumed through moto's STS)."""
    sts = boto3.client(
        "sts", endpoint_url=url, region_name=CHINA, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    role = f"arn:aws-cn:iam::{account}:role/{PROVISIONER_ROLE}"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="devstack")["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=CHINA,
    )


def in_china(url: str, account: str) -> str:
    """The stand-in's Airflow connection of ``account``, acting in ``aws-cn`` (``cn-north-1``)."""
    connection = json.loads(connection_uri_json(url, account))
    connection["extra"].update(role_arn=f"arn:aws-cn:iam::{account}:role/{PROVISIONER_ROLE}", region_name=CHINA)
    return json.dumps(connection)


@pytest.fixture
def china(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Both connections in ``aws-cn``; the EMR EC2 role in A and the bucket's key in B, as there."""
    url = moto_stack.url
    reset_moto(url)
    for conn_id, account in ((EMR_CONN_ID, EMR_ACCOUNT), (DESTINATION_CONN_ID, DESTINATION_ACCOUNT)):
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", in_china(url, account))
    monkeypatch.setenv("AWS_DEFAULT_REGION", CHINA)
    emr, destination = session(url, EMR_ACCOUNT), session(url, DESTINATION_ACCOUNT)
    ec2_trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    emr.client("iam", endpoint_url=url).create_role(
        RoleName=EMR_EC2_ROLE, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [ec2_trust]})
    )
    root = {"AWS": f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:root"}
    key_policy = {"Effect": "Allow", "Principal": root, "Action": "kms:*", "Resource": "*", "Sid": "Enable IAM"}
    key = destination.client("kms", endpoint_url=url).create_key(
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [key_policy]})
    )["KeyMetadata"]
    return {"url": url, "emr": emr, "destination": destination, "key_arn": key["Arn"]}


def test_the_chain_is_built_in_aws_cn_with_its_arns(china: dict[str, Any]) -> None:
    url, key_arn = china["url"], china["key_arn"]
    assert key_arn.startswith(f"arn:aws-cn:kms:{CHINA}:{DESTINATION_ACCOUNT}:key/")
    # As the example DAGs build it (their aws_partition macro), from the EMR connection.
    emr_ec2_role_arn = f"arn:{aws_partition(EMR_CONN_ID)}:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    assert emr_ec2_role_arn == f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"

    role_arn, _, _ = run_operator(
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name="emrfs-partner-cn-writer",
            trusted_role_arns=[emr_ec2_role_arn],
            s3_prefixes=[PREFIX],
            kms_key_arns=[key_arn],
            expected_account_id=DESTINATION_ACCOUNT,
            settle_seconds=0,
        )
    )
    assert role_arn == f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-cn-writer"
    for operator in (
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
            destination_role_arns=[role_arn],
            settle_seconds=0,
        ),
        GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=key_arn,
            principal_arns=[role_arn],
            settle_seconds=0,
        ),
    ):
        run_operator(operator)
    configuration, _, _ = run_operator(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="emrfs-xacct-partner-cn",
            role_mappings=[{"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
            settle_seconds=0,
        )
    )

    iam_b = china["destination"].client("iam", endpoint_url=url)
    role = iam_b.get_role(RoleName="emrfs-partner-cn-writer")["Role"]
    assert json.dumps(role["AssumeRolePolicyDocument"]).count(emr_ec2_role_arn) == 1
    (name,) = iam_b.list_role_policies(RoleName="emrfs-partner-cn-writer")["PolicyNames"]
    permissions = iam_b.get_role_policy(RoleName="emrfs-partner-cn-writer", PolicyName=name)["PolicyDocument"]
    resources = {resource for statement in permissions["Statement"] for resource in statement["Resource"]}
    assert "arn:aws-cn:s3:::partner-results-cn" in resources
    assert "arn:aws-cn:s3:::partner-results-cn/exports/*" in resources
    assert key_arn in resources
    assert not [resource for resource in resources if resource.startswith("arn:aws:")]
    iam_a = china["emr"].client("iam", endpoint_url=url)
    (assume_policy,) = iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    assume = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=assume_policy)["PolicyDocument"]
    assert assume["Statement"][0]["Resource"] in ([role_arn], role_arn)
    kms_b = china["destination"].client("kms", endpoint_url=url)
    key_policy = json.loads(kms_b.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    assert role_arn in json.dumps(key_policy["Statement"][-1]["Principal"])
    emr_a = china["emr"].client("emr", endpoint_url=url)
    written = json.loads(emr_a.describe_security_configuration(Name=configuration)["SecurityConfiguration"])
    assert role_arn in json.dumps(written)


def test_aws_partition_refuses_a_connection_airflow_does_not_have() -> None:
    """
    The Amazon hook falls back to boto3's default chain for a connection Airflow does not have ("Unable to find AWS
    Connection ID"), so the macro would answer the worker's own partition (``aws``), not the one meant: refused,
    naming the call and the way out, with no AWS call.
    """
    with CallRecorder().everything() as recorder, pytest.raises(InvalidParameterError) as refused:
        aws_partition("emr_china_mistyped")

    assert "aws_partition('emr_china_mistyped')" in str(refused.value)
    assert "define the connection, or pass None" in str(refused.value)
    assert recorder.every == []


def test_an_emr_ec2_role_of_the_aws_partition_is_refused_in_aws_cn_before_any_call(china: dict[str, Any]) -> None:
    """Mixed partitions (the EMR EC2 role in ``aws``, the destination in ``aws-cn``): refused naming the field."""
    operator = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-partner-cn-writer",
        trusted_role_arns=[f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"],
        s3_prefixes=[PREFIX],
        kms_key_arns=[china["key_arn"]],
        settle_seconds=0,
    )
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everything() as recorder, pytest.raises(InvalidParameterError) as refused:
        operator.execute({"ti": ti, "task_instance": ti})

    assert refused.value.field == "trusted_role_arns[0]"
    assert "is in partition 'aws', but connection 'aws_destination_account' is in partition 'aws-cn'" in str(
        refused.value
    )
    assert recorder.mutating == []


AWS_DESTINATION_ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-cn-writer"
AWS_KEY = f"arn:aws:kms:{CHINA}:{DESTINATION_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CN_DESTINATION_ROLE = AWS_DESTINATION_ROLE.replace("arn:aws:", "arn:aws-cn:")


def writing_operators(china: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Each writing operator given one ARN of the ``aws`` partition in ``aws-cn``, with the field it must name."""
    from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
    from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, GrantEmrRoleBucketAccessOperator

    emr_role = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    revoke = {"aws_conn_id": EMR_CONN_ID, "destination_aws_conn_id": DESTINATION_CONN_ID, "settle_seconds": 0}
    return {
        "attach": (
            AttachAssumeRolePolicyOperator(
                task_id="attach",
                aws_conn_id=EMR_CONN_ID,
                destination_role_arns=[AWS_DESTINATION_ROLE],
                emr_ec2_role_name=EMR_EC2_ROLE,
                settle_seconds=0,
            ),
            "destination_role_arns[0]",
        ),
        "key-user": (
            GrantKmsKeyUserOperator(
                task_id="key_user",
                aws_conn_id=DESTINATION_CONN_ID,
                key_arn=china["key_arn"],
                principal_arns=[AWS_DESTINATION_ROLE],
                settle_seconds=0,
            ),
            "principal_arns[0]",
        ),
        "key": (
            GrantKmsKeyUserOperator(
                task_id="key",
                aws_conn_id=DESTINATION_CONN_ID,
                key_arn=AWS_KEY,
                principal_arns=[CN_DESTINATION_ROLE],
                settle_seconds=0,
            ),
            "key_arn",
        ),
        "security-configuration": (
            CreateEmrfsSecurityConfigOperator(
                task_id="create",
                aws_conn_id=EMR_CONN_ID,
                name_prefix="emrfs-xacct-cn",
                role_mappings=[{"Role": AWS_DESTINATION_ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
            ),
            "role_mappings[0].Role",
        ),
        "bucket-grant": (
            GrantBucketAccessOperator(
                task_id="grant",
                aws_conn_id=DESTINATION_CONN_ID,
                s3_prefixes=[PREFIX],
                principal_arns=[emr_role],
                settle_seconds=0,
            ),
            "principal_arns[0]",
        ),
        "emr-role-bucket": (
            GrantEmrRoleBucketAccessOperator(
                task_id="emr_role",
                aws_conn_id=EMR_CONN_ID,
                s3_prefixes=[PREFIX],
                emr_ec2_role_name=EMR_EC2_ROLE,
                kms_key_arns=[AWS_KEY],
                settle_seconds=0,
            ),
            "kms_key_arns[0]",
        ),
        "revoke": (
            RevokePartnerAccessOperator(
                task_id="revoke", destination_role_arn=AWS_DESTINATION_ROLE, emr_ec2_role_name=EMR_EC2_ROLE, **revoke
            ),
            "destination_role_arn",
        ),
        "revoke-key": (
            RevokePartnerAccessOperator(
                task_id="revoke_key",
                destination_role_arn=CN_DESTINATION_ROLE,
                kms_key_arns=[AWS_KEY],
                emr_ec2_role_name=EMR_EC2_ROLE,
                **revoke,
            ),
            "kms_key_arns[0]",
        ),
    }


@pytest.mark.parametrize(
    "case",
    ["attach", "key-user", "key", "security-configuration", "bucket-grant", "emr-role-bucket", "revoke", "revoke-key"],
)
def test_every_writing_operator_refuses_an_arn_of_another_partition_before_any_write(
    china: dict[str, Any], case: str
) -> None:
    """
    IAM credentials of one partition cannot act on another's resources ("You cannot use IAM credentials from one
    partition to interact with resources in a different partition": AWS Fault Isolation Boundaries, "Partitions"):
    each operator refuses such an ARN naming the field, and writes nothing.
    """
    if case == "bucket-grant":
        china["destination"].client("s3", endpoint_url=china["url"]).create_bucket(
            Bucket="partner-results-cn", CreateBucketConfiguration={"LocationConstraint": CHINA}
        )
    operator, field = writing_operators(china)[case]
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everything() as recorder, pytest.raises(InvalidParameterError) as refused:
        operator.execute({"ti": ti, "task_instance": ti})

    assert refused.value.field == field
    assert "partition" in str(refused.value)
    assert recorder.mutating == []


def test_a_bucket_revoke_for_a_principal_of_another_partition_is_refused_before_any_write(
    china: dict[str, Any],
) -> None:
    """
    A bucket policy cannot name a principal of another partition (S3 answers MalformedPolicy), so the grant never
    wrote one: revoking one would plan nothing and succeed, leaving the intended principal's access in place. The
    revoke refuses it naming the field, as the grant does (README, "Partitions other than aws").
    """
    china["destination"].client("s3", endpoint_url=china["url"]).create_bucket(
        Bucket="partner-results-cn", CreateBucketConfiguration={"LocationConstraint": CHINA}
    )
    operator = RevokeBucketAccessOperator(
        task_id="revoke_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        bucket="partner-results-cn",
        principal_arns=[f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"],
        settle_seconds=0,
    )
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everything() as recorder, pytest.raises(InvalidParameterError) as refused:
        operator.execute({"ti": ti, "task_instance": ti})

    assert refused.value.field == "principal_arns[0]"
    assert "is in partition 'aws', but connection 'aws_destination_account' is in partition 'aws-cn'" in str(
        refused.value
    )
    assert recorder.mutating == []


def test_the_stand_in_applies_a_bucket_policy_statement_to_the_aws_cn_caller_it_names(china: dict[str, Any]) -> None:
    """
    The stand-in's bucket-policy judge (``devstack/aws_policy_principals.py``) in ``aws-cn``: a ``Deny`` naming
    another role leaves the caller's upload alone, one naming the caller's account root refuses it.
    """
    url, destination = china["url"], china["destination"]
    caller = f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}"
    statement = {"Effect": "Deny", "Principal": {"AWS": f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:root"}}
    assert applies_to(statement, caller, DESTINATION_ACCOUNT) is True
    assert not applies_to(
        {"Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"}}, caller, DESTINATION_ACCOUNT
    )

    other = "emr-ec2-other"
    china["emr"].client("iam", endpoint_url=url).create_role(
        RoleName=other,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    s3 = destination.client("s3", endpoint_url=url)
    s3.create_bucket(Bucket="judge-cn", CreateBucketConfiguration={"LocationConstraint": CHINA})
    statuses = []
    for principal in (f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/{other}", f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:root"):
        deny = {
            "Effect": "Deny",
            "Principal": {"AWS": principal},
            "Action": "s3:PutObject",
            "Resource": "arn:aws-cn:s3:::judge-cn/*",
        }
        s3.put_bucket_policy(Bucket="judge-cn", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
        try:
            statuses.append(
                s3.put_object(Bucket="judge-cn", Key="out/part-0", Body=b"x")["ResponseMetadata"]["HTTPStatusCode"]
            )
        except botocore.exceptions.ClientError as error:
            statuses.append(error.response["ResponseMetadata"]["HTTPStatusCode"])
    assert statuses == [200, 403]


def test_the_verifier_refuses_connections_of_two_partitions_before_reading(
    china: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The EMR connection in ``aws-cn``, the destination one in ``aws``: no chain can cross them ("you cannot use IAM
    credentials from one partition to interact with resources in a different partition", AWS Fault Isolation
    Boundaries, "Partitions"), so the verifier says so, naming the field, instead of reporting links as broken.
    """
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{DESTINATION_CONN_ID.upper()}", connection_uri_json(china["url"], DESTINATION_ACCOUNT)
    )
    operator = VerifyCrossAccountAccessOperator(
        task_id="verify_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration="emrfs-xacct-partner-cn",
        emr_ec2_role_name=EMR_EC2_ROLE,
    )
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with CallRecorder().everything() as recorder, pytest.raises(InvalidParameterError) as refused:
        operator.execute({"ti": ti, "task_instance": ti})

    assert refused.value.field == "destination_aws_conn_id"
    assert "acts in partition 'aws'" in refused.value.problem
    assert "'aws-cn'" in refused.value.problem
    # Only the connections' own credentials (a role_arn connection assumes its role when its client is made).
    assert {call for call in recorder.every if call != ("sts", "AssumeRole")} == set()


def test_the_hooks_write_policies_in_their_connections_partition_by_default(china: dict[str, Any]) -> None:
    """A hook called without ``partition`` (a DAG author's own task) writes ``arn:aws-cn:`` ARNs in China, not ``arn:aws:``."""
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
    from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

    url, destination, emr = china["url"], china["destination"], china["emr"]
    location, settings = parse_s3_location(PREFIX, "prefix"), ConvergeSettings(settle_seconds=0)
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    iam_b = destination.client("iam", endpoint_url=url)
    iam_b.create_role(
        RoleName="own-writer", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
    destination.client("s3", endpoint_url=url).create_bucket(
        Bucket=location.bucket, CreateBucketConfiguration={"LocationConstraint": CHINA}
    )

    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_destination_access(
        "own-writer", [location], [], settings=settings
    )
    EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_emr_role_bucket_access(EMR_EC2_ROLE, [location], [], settings=settings)
    emr_ec2_role_arn = f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    EmrfsS3Hook(aws_conn_id=DESTINATION_CONN_ID).ensure_bucket_access(
        location.bucket, [location], [emr_ec2_role_arn], settings=settings
    )

    (name,) = iam_b.list_role_policies(RoleName="own-writer")["PolicyNames"]
    iam_a = emr.client("iam", endpoint_url=url)
    (emr_policy,) = iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    bucket_policy = destination.client("s3", endpoint_url=url).get_bucket_policy(Bucket=location.bucket)["Policy"]
    for document in (
        iam_b.get_role_policy(RoleName="own-writer", PolicyName=name)["PolicyDocument"],
        iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=emr_policy)["PolicyDocument"],
        json.loads(bucket_policy),
    ):
        listed = [statement["Resource"] for statement in document["Statement"]]
        resources = [resource for value in listed for resource in ([value] if isinstance(value, str) else value)]
        assert f"arn:aws-cn:s3:::{location.bucket}" in resources
        assert not [resource for resource in resources if resource.startswith("arn:aws:")]
