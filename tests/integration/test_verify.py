"""
VerifyCrossAccountAccessOperator against two-account moto: a provisioned partner is healthy; each link
broken for real in moto is reported (and the operator that repairs it makes the chain healthy again);
the live probe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct import verify as verify_module
from airflow_provider_emrfs_xacct.exceptions import EmrfsXacctError, InvalidParameterError
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.policies.chain import PROBE_KEY
from airflow_provider_emrfs_xacct.policies.documents import ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.verify import check_probe_object, probe_key, probe_step
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    EMR_SERVICE_ROLE,
    KEY_ADMIN_ARN,
    Seeded,
    client,
)
from tests.conftest import RecordingTaskInstance, run_operator
from tests.integration.partners import create_security_configuration, mapping, provision_partner, record_all_calls

if TYPE_CHECKING:
    from collections.abc import Callable

ROLE_NAME = "partner-b-writer"
PREFIX = "s3://partner-results-b/exports/"
RELEASE = "emr-6.15.0"

ASSUME = "EMR role can assume destination role"
WRITE = f"write {PREFIX}"
KMS = f"use bucket key for {PREFIX}"
SHADOW = "mapping not shadowed"


@dataclass(frozen=True)
class Partner:
    aws: Seeded
    role_arn: str
    configuration: str


@pytest.fixture
def partner(aws: Seeded) -> Partner:
    role_arn = provision_partner(aws, ROLE_NAME, PREFIX)
    return Partner(aws, role_arn, create_security_configuration([mapping(ROLE_NAME, PREFIX)]))


def verifier(configuration: str, **kwargs: Any) -> VerifyCrossAccountAccessOperator:
    arguments: dict[str, Any] = {
        "task_id": "verify_cross_account_access",
        "aws_conn_id": EMR_CONN_ID,
        "destination_aws_conn_id": DESTINATION_CONN_ID,
        "security_configuration": configuration,
        "release_label": RELEASE,
    }
    arguments.update(kwargs)
    return VerifyCrossAccountAccessOperator(**arguments)


def failing(report: dict[str, Any]) -> list[tuple[int | None, str]]:
    return [(link["mapping"], link["link"]) for link in report["links"] if link["status"] == "fail"]


def expect_broken(configuration: str) -> tuple[str, dict[str, Any]]:
    """Run the verifier, which must fail; return its error message and the report it pushed first."""
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(EmrfsXacctError) as caught:
        run_operator(verifier(configuration), ti)
    assert "report" in ti.xcoms, "the report must be pushed before the task fails"
    report = ti.xcoms["report"]
    assert report["healthy"] is False
    return str(caught.value), report


def test_a_provisioned_partner_is_healthy_and_verifying_changes_nothing(partner: Partner) -> None:
    with record_all_calls() as calls:
        result, _, ti = run_operator(verifier(partner.configuration))

    assert result["healthy"] is True
    assert result["security_configuration"] == partner.configuration
    assert ti.xcoms["report"] == result
    assert {link["status"] for link in result["links"]} == {"pass"}
    assert {link["link"] for link in result["links"]} >= {
        ASSUME,
        f"list {PREFIX}",
        f"read {PREFIX}",
        WRITE,
        f"delete {PREFIX}",
        KMS,
        f"owner of objects in {PREFIX}",
        SHADOW,
        "release supports role mappings",
    }
    json.dumps(result)  # XCom needs plain values
    # It read both accounts and changed nothing.
    assert calls.mutating == []
    assert "GetRole" in calls.of("iam")
    assert "GetKeyPolicy" in calls.of("kms")
    assert "GetBucketPolicy" in calls.of("s3")
    assert "DescribeSecurityConfiguration" in calls.of("emr")


def _delete_assume_policy(aws: Seeded) -> None:
    client(aws.url, EMR_ACCOUNT, "iam").delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)


def _repair_assume_policy(aws: Seeded, role_arn: str) -> None:
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="repair", aws_conn_id=EMR_CONN_ID, destination_role_arns=[role_arn], settle_seconds=0
        )
    )


def _trust_someone_else(aws: Seeded) -> None:
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=ROLE_NAME,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:role/SomeOtherRole"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )


def _repair_trust(aws: Seeded, role_arn: str) -> None:
    run_operator(
        EnsureDestinationRoleOperator(
            task_id="repair",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=ROLE_NAME,
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[PREFIX],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        )
    )


def _deny_writes_in_bucket_policy(aws: Seeded) -> None:
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(
        Bucket=aws.bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "FreezeExports",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{aws.bucket}/exports/*",
                    }
                ],
            }
        ),
    )


def _repair_bucket_policy(aws: Seeded, role_arn: str) -> None:
    client(aws.url, DESTINATION_ACCOUNT, "s3").delete_bucket_policy(Bucket=aws.bucket)


def _drop_key_users_and_root(aws: Seeded) -> None:
    # Only here, in a test: without the root statement nobody but the admins could use the key.
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    assert [statement["Sid"] for statement in policy["Statement"]] == [
        "Enable IAM User Permissions",
        "Allow access for Key Administrators",
        "EmrfsXacctKeyUsers",
    ]
    policy["Statement"] = [
        statement for statement in policy["Statement"] if statement["Principal"]["AWS"] == KEY_ADMIN_ARN
    ]
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))


def _repair_key_users(aws: Seeded, role_arn: str) -> None:
    run_operator(
        GrantKmsKeyUserOperator(
            task_id="repair",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=aws.kms_key_arn,
            principal_arns=[role_arn],
            settle_seconds=0,
        )
    )


@dataclass(frozen=True)
class Break:
    id: str
    breaks: Callable[[Seeded], None]
    link: str
    #: Text the failing link's deciding statement must contain ("" for an implicit deny).
    statement: str
    fix: str
    repair: Callable[[Seeded, str], None]


BREAKS = [
    Break(
        "assume-role-policy-deleted",
        _delete_assume_policy,
        ASSUME,
        "",
        "AttachAssumeRolePolicyOperator",
        _repair_assume_policy,
    ),
    Break(
        "trust-policy-rewritten",
        _trust_someone_else,
        ASSUME,
        "",
        "EnsureDestinationRoleOperator",
        _repair_trust,
    ),
    Break(
        "bucket-policy-denies-writes",
        _deny_writes_in_bucket_policy,
        WRITE,
        "bucket policy: Sid FreezeExports",
        "the bucket policy denies it",
        _repair_bucket_policy,
    ),
    Break(
        "key-users-and-root-removed",
        _drop_key_users_and_root,
        KMS,
        "",
        "GrantKmsKeyUserOperator",
        _repair_key_users,
    ),
]


@pytest.mark.parametrize("case", BREAKS, ids=[case.id for case in BREAKS])
def test_a_link_broken_in_aws_fails_the_task_and_its_fix_repairs_it(partner: Partner, case: Break) -> None:
    case.breaks(partner.aws)

    message, report = expect_broken(partner.configuration)

    assert failing(report) == [(0, case.link)]
    [link] = [link for link in report["links"] if link["link"] == case.link]
    assert link["statement"] == case.statement
    assert case.fix in link["fix"]
    assert f"{case.link}: " in message
    assert case.fix in message

    # The fix the report names makes the chain healthy again.
    case.repair(partner.aws, partner.role_arn)
    result, _, _ = run_operator(verifier(partner.configuration))
    assert result["healthy"] is True


def test_a_shadowing_mapping_in_another_configuration_is_reported(partner: Partner) -> None:
    # The provider refuses to create such a configuration; someone made it by hand.
    shadowed = "hand-made-shadowed"
    client(partner.aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=shadowed,
        SecurityConfiguration=json.dumps(
            {
                "AuthorizationConfiguration": {
                    "EmrFsConfiguration": {
                        "RoleMappings": [
                            mapping(ROLE_NAME, PREFIX),
                            mapping(ROLE_NAME, f"{PREFIX}daily/"),
                        ]
                    }
                }
            }
        ),
    )

    message, report = expect_broken(shadowed)

    assert report["security_configuration"] == shadowed
    assert failing(report) == [(1, SHADOW)]
    assert f"{SHADOW}: {PREFIX}daily/ is matched first by mapping 0" in message
    # The provider's own configuration is untouched and still healthy.
    result, _, _ = run_operator(verifier(partner.configuration))
    assert result["healthy"] is True


def test_fail_on_broken_false_returns_the_report(partner: Partner) -> None:
    _delete_assume_policy(partner.aws)

    result, _, ti = run_operator(verifier(partner.configuration, fail_on_broken=False))

    assert result["healthy"] is False
    assert failing(result) == [(0, ASSUME)]
    assert ti.xcoms["report"] == result


def test_a_missing_security_configuration_is_reported(partner: Partner) -> None:
    message, report = expect_broken("emrfs-xacct-test-000000000000")

    assert failing(report) == [(None, "security configuration exists")]
    assert "not found" in message


# --- The live probe -----------------------------------------------------------------------------------


def test_probe_step_writes_through_hadoop_fs_to_the_probe_uri() -> None:
    uri = probe_key(PREFIX)
    other = probe_key("s3://partner-results-b/exports")  # the trailing slash is added

    assert uri.startswith(f"{PREFIX}{PROBE_KEY}/")
    assert other.startswith(f"{PREFIX}{PROBE_KEY}/")
    assert uri != other  # every probe writes its own object
    step = probe_step(uri)
    assert step["ActionOnFailure"] == "CONTINUE"  # a failed probe must not kill the cluster
    assert step["HadoopJarStep"]["Jar"] == "command-runner.jar"
    args = step["HadoopJarStep"]["Args"]
    assert args[:2] == ["bash", "-c"]
    assert args[2].endswith(f"| hadoop fs -put -f - {uri}")


def head(s3: Any, uri: str) -> dict[str, Any] | None:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey"):
            raise
        return None


def put(s3: Any, uri: str, **encryption: str) -> None:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    s3.put_object(Bucket=bucket, Key=key, Body=b"emrfs-xacct-probe\n", **encryption)


def test_check_probe_object_accepts_an_sse_kms_object_and_deletes_it(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    put(s3, uri, ServerSideEncryption="aws:kms", SSEKMSKeyId=aws.kms_key_arn)

    outcome = check_probe_object(s3, uri, expected_key_arn=aws.kms_key_arn, owner_account_id=DESTINATION_ACCOUNT)

    assert outcome["ok"] is True
    assert outcome["problems"] == []
    assert outcome["exists"] is True
    assert outcome["encryption"] == "aws:kms"
    assert aws.kms_key_arn.endswith(outcome["kms_key"].split("/")[-1])
    assert outcome["owner_is_bucket_owner"] is True
    assert head(s3, uri) is None


def test_check_probe_object_reports_an_object_without_the_bucket_key(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)
    put(s3, uri, ServerSideEncryption="AES256")

    outcome = check_probe_object(s3, uri, expected_key_arn=aws.kms_key_arn, owner_account_id=DESTINATION_ACCOUNT)

    assert outcome["ok"] is False
    assert outcome["exists"] is True
    [problem] = outcome["problems"]
    assert f"expected SSE-KMS with {aws.kms_key_arn}" in problem
    assert "AES256" in problem
    assert head(s3, uri) is None  # deleted even when the check failed


def test_check_probe_object_reports_a_missing_object(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    uri = probe_key(PREFIX)

    outcome = check_probe_object(s3, uri, expected_key_arn=aws.kms_key_arn, owner_account_id=DESTINATION_ACCOUNT)

    assert outcome == {"exists": False, "ok": False, "problems": [f"{uri} was not written"]}


def launch_cluster(aws: Seeded, configuration: str) -> str:
    """A cluster of the EMR account with the security configuration; moto keeps it WAITING."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    return str(
        emr.run_job_flow(
            Name="partner-export",
            ReleaseLabel=RELEASE,
            Instances={
                "MasterInstanceType": "m5.xlarge",
                "SlaveInstanceType": "m5.xlarge",
                "InstanceCount": 1,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            JobFlowRole=EMR_EC2_ROLE,
            ServiceRole=EMR_SERVICE_ROLE,
            SecurityConfiguration=configuration,
        )["JobFlowId"]
    )


def test_the_operator_probe_adds_the_step_checks_the_object_and_deletes_it(
    partner: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    moto runs no step: the test writes the object the step would write, after the step was added and
    before the operator checks it, by wrapping the check the operator calls.
    """
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    s3 = client(partner.aws.url, DESTINATION_ACCOUNT, "s3")
    checked: list[str] = []

    def write_then_check(destination_s3: Any, uri: str, **kwargs: Any) -> dict[str, Any]:
        put(s3, uri, ServerSideEncryption="aws:kms", SSEKMSKeyId=partner.aws.kms_key_arn)
        checked.append(uri)
        return check_probe_object(destination_s3, uri, **kwargs)

    monkeypatch.setattr(verify_module, "check_probe_object", write_then_check)

    result, _, ti = run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True))

    [uri] = checked
    assert uri.startswith(f"{PREFIX}{PROBE_KEY}/")
    assert result["healthy"] is True
    assert result["probe"]["ok"] is True
    assert result["probe"]["problems"] == []
    assert result["probe"]["objects"][uri]["encryption"] == "aws:kms"
    assert ti.xcoms["report"] == result
    # The step the operator added writes exactly that object through EMRFS.
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Name"] == "emrfs-xacct-probe"
    assert step["Config"]["Args"][-1].endswith(f"hadoop fs -put -f - {uri}")
    assert head(s3, uri) is None  # the probe object is deleted afterwards


def test_the_operator_probe_fails_the_task_when_nothing_was_written(partner: Partner) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")

    with pytest.raises(EmrfsXacctError, match=r"the live probe failed: .*was not written"):
        run_operator(verifier(partner.configuration, cluster_id=cluster_id, probe=True), ti)

    report = ti.xcoms["report"]
    assert report["healthy"] is True  # every link checks out on paper ...
    assert report["probe"]["ok"] is False  # ... but the live write did not happen


def test_probe_needs_a_cluster(partner: Partner) -> None:
    with pytest.raises(InvalidParameterError, match="cluster_id"):
        run_operator(verifier(partner.configuration, probe=True))
