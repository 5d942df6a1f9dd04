"""
A DAG author's life with a partner over months, step by step through the operators against two-account moto:
the partner moves to another prefix and bucket, rotates its key, the EMR EC2 role becomes a per-pipeline role.

The ``ensure`` operators only add (other pipelines may share a destination role: docs/concepts.md, "What the
provider owns"), so what an earlier run granted stays. Each step checks that this is said, by the run that keeps
it (a warning naming what is kept and how to remove it) and by the verifier (a WARN link), and that the way it
names to remove it removes exactly that and leaves the chain the user now asks for passing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME, DESTINATION_POLICY_NAME, KEY_USERS_SID
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from devstack.moto_stack import DESTINATION_ACCOUNT, DESTINATION_CONN_ID, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.integration.partners import create_security_configuration, grant_key_users, mapping, provision_partner
from tests.integration.test_cli import emrfs_xacct, partner_file  # noqa: F401 (a fixture)
from tests.integration.test_custom_ec2_role import PIPELINE_ROLE, create_pipeline_role
from tests.integration.test_revoke import revoker
from tests.integration.test_verify import verifier

if TYPE_CHECKING:
    from pathlib import Path

ROLE = "partner-b-writer"
KEPT_LINK = "access beyond this configuration"
OLD_PREFIX, NEW_PREFIX = "s3://partner-results-b/exports/", "s3://partner-results-b/exports-2026/"


def kept_warnings(capfd: pytest.CaptureFixture[str]) -> list[str]:
    """The warnings of what a run keeps without asking for it, logged since the last call (Airflow's task log)."""
    return [line for line in capfd.readouterr().out.splitlines() if "keeps access this run did not ask for" in line]


def report_of(configuration: str, **kwargs: Any) -> dict[str, Any]:
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    run_operator(verifier(configuration, **kwargs), ti)
    return dict(ti.xcoms["report"])


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {link["link"]: link["status"] for link in report["links"]}


def test_a_partner_moving_to_another_prefix_is_told_the_old_prefix_stays(
    aws: Seeded, capfd: pytest.CaptureFixture[str]
) -> None:
    provision_partner(aws, ROLE, OLD_PREFIX)
    create_security_configuration([mapping(ROLE, OLD_PREFIX)])
    kept_warnings(capfd)
    provision_partner(aws, ROLE, NEW_PREFIX)  # the DAG's destination_prefix changed; the rerun
    configuration = create_security_configuration([mapping(ROLE, NEW_PREFIX)])

    (warning,) = kept_warnings(capfd)
    assert OLD_PREFIX in warning
    assert NEW_PREFIX not in warning
    assert DESTINATION_POLICY_NAME in warning  # where to take it out
    # The provider kept it: only adds (docs/concepts.md). What is asked for is there too.
    policy = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role_policy(
        RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME
    )["PolicyDocument"]
    assert "arn:aws:s3:::partner-results-b/exports/*" in json.dumps(policy)

    # A run that asks for the same again: the same warning, no change.
    kept_warnings(capfd)
    _, calls = ensure_destination_role_with(aws, NEW_PREFIX, [aws.kms_key_arn])
    assert calls.mutating == []
    assert len(kept_warnings(capfd)) == 1

    # The verifier passes the new chain and says what else the role has, with the same remedy.
    report = report_of(configuration)
    assert report["verdict"] == "PASS"
    (kept,) = [link for link in report["links"] if link["link"] == KEPT_LINK]
    assert kept["status"] == "warn"
    assert OLD_PREFIX in kept["detail"]
    assert NEW_PREFIX not in kept["detail"]
    assert DESTINATION_POLICY_NAME in kept["fix"]

    # Removed by hand as the warning says: the next run keeps what is left and says nothing.
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    for statement in policy["Statement"]:
        if statement["Sid"] == "EmrfsXacctObjects":
            statement["Resource"] = [
                arn
                for arn in statement["Resource"]
                if "/exports/" not in arn and not arn.endswith(("/exports", "/exports_$folder$"))
            ]
    iam_b.put_role_policy(RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))
    kept_warnings(capfd)
    provision_partner(aws, ROLE, NEW_PREFIX)
    assert kept_warnings(capfd) == []
    assert "/exports/*" not in json.dumps(
        iam_b.get_role_policy(RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    )
    report = report_of(configuration)
    assert report["verdict"] == "PASS"
    assert KEPT_LINK not in statuses(report)


def test_a_partner_moving_to_another_bucket_loses_the_old_bucket_when_its_prefix_is_removed_by_hand(
    aws: Seeded, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The old bucket's prefix taken out of ``EmrfsXacctObjects`` by hand, as the warning says, was its last there: the
    next run drops the bucket's listing and location grants with it (they were written for that prefix alone),
    where it refused them as someone else's before, and keeps a statement someone added to the policy.
    """
    new_bucket = "partner-archive-b"
    client(aws.url, DESTINATION_ACCOUNT, "s3").create_bucket(Bucket=new_bucket)  # us-east-1, the seeded Region
    provision_partner(aws, ROLE, OLD_PREFIX)
    kept_warnings(capfd)
    ensure_destination_role_with(aws, f"s3://{new_bucket}/exports/", [aws.kms_key_arn])
    (warning,) = kept_warnings(capfd)
    assert OLD_PREFIX in warning

    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = iam_b.get_role_policy(RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    for statement in policy["Statement"]:
        if statement["Sid"] == "EmrfsXacctObjects":
            statement["Resource"] = [arn for arn in statement["Resource"] if f":::{aws.bucket}/" not in arn]
    audit = {"Sid": "Audit", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{aws.bucket}/*"}
    policy["Statement"].append(audit)
    iam_b.put_role_policy(RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))

    ensure_destination_role_with(aws, f"s3://{new_bucket}/exports/", [aws.kms_key_arn])
    assert kept_warnings(capfd) == []
    after = iam_b.get_role_policy(RoleName=ROLE, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    ours = [statement for statement in after["Statement"] if statement["Sid"] != "Audit"]
    assert aws.bucket not in json.dumps(ours)
    assert {statement["Sid"]: statement["Resource"] for statement in ours if "List" in statement["Sid"]} == {
        "EmrfsXacctList": [f"arn:aws:s3:::{new_bucket}"]
    }
    assert audit in after["Statement"]


def test_a_new_emr_ec2_role_is_told_the_old_one_stays_trusted_and_its_revoke_leaves_the_new_chain(
    aws: Seeded, capfd: pytest.CaptureFixture[str]
) -> None:
    provision_partner(aws, ROLE, OLD_PREFIX)
    configuration = create_security_configuration([mapping(ROLE, OLD_PREFIX)])
    pipeline_role_arn = create_pipeline_role(aws.url)
    kept_warnings(capfd)
    provision_partner(aws, ROLE, OLD_PREFIX, emr_ec2_role=(PIPELINE_ROLE, pipeline_role_arn))

    (warning,) = kept_warnings(capfd)
    assert aws.emr_ec2_role_arn in warning
    assert pipeline_role_arn not in warning
    assert "RevokePartnerAccessOperator" in warning
    # Both roles reach the partner's bucket now: the old one's grant and trust were kept.
    report = report_of(configuration, emr_ec2_role_name=PIPELINE_ROLE)
    assert report["verdict"] == "PASS"
    (kept,) = [link for link in report["links"] if link["link"] == KEPT_LINK]
    assert f"trusted EMR EC2 roles {aws.emr_ec2_role_arn}" in kept["detail"]
    assert "RevokePartnerAccessOperator" in kept["fix"]
    assert report_of(configuration, emr_ec2_role_name=EMR_EC2_ROLE)["verdict"] == "PASS"

    # The revoke the warning names, dry run first: only the old role's trust and grant.
    plan, _, _ = run_operator(revoker(aws, ROLE, kms_key_arns=None, security_configuration=None, dry_run=True))
    assert [change["resource"] for change in plan["plan"]] == [
        f"iam role {ROLE} trust policy",
        f"iam role {EMR_EC2_ROLE} inline policy {ASSUME_POLICY_NAME}",
    ]
    key_policy_before = client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(
        KeyId=aws.kms_key_arn, PolicyName="default"
    )["Policy"]
    run_operator(revoker(aws, ROLE, kms_key_arns=None, security_configuration=None))
    assert (
        client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")[
            "Policy"
        ]
        == key_policy_before
    )
    assert (
        ASSUME_POLICY_NAME
        not in client(aws.url, EMR_ACCOUNT, "iam").list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    )
    report = report_of(configuration, emr_ec2_role_name=PIPELINE_ROLE)
    assert report["verdict"] == "PASS"
    assert KEPT_LINK not in statuses(report)
    kept_warnings(capfd)
    provision_partner(aws, ROLE, OLD_PREFIX, emr_ec2_role=(PIPELINE_ROLE, pipeline_role_arn))
    assert kept_warnings(capfd) == []


def test_a_partner_rotating_its_key_is_told_the_old_key_stays(aws: Seeded, capfd: pytest.CaptureFixture[str]) -> None:
    provision_partner(aws, ROLE, OLD_PREFIX)
    configuration = create_security_configuration([mapping(ROLE, OLD_PREFIX)])
    # The partner replaces the bucket's key and schedules the old one's deletion.
    kms_b = client(aws.url, DESTINATION_ACCOUNT, "kms")
    new_key = kms_b.create_key(Description="new bucket key", Policy=json.dumps(aws.key_policy))["KeyMetadata"]["Arn"]
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_encryption(
        Bucket=aws.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": new_key}}]
        },
    )
    # moto's ScheduleKeyDeletion takes no ARN (HTTP 500), AWS's takes either (AWS KMS API Reference).
    kms_b.schedule_key_deletion(KeyId=aws.kms_key_arn.rsplit("/", 1)[1], PendingWindowInDays=7)
    # Before the DAG names the new key, the verifier says the writes' key is not the role's.
    with pytest.raises(EmrfsXacctError):
        report_of(configuration)

    kept_warnings(capfd)
    role_arn, _ = ensure_destination_role_with(aws, OLD_PREFIX, [new_key])
    grant_key_users(aws, [role_arn], new_key)
    (warning,) = kept_warnings(capfd)
    assert f"KMS keys {aws.kms_key_arn}" in warning
    assert new_key not in warning
    assert KEY_USERS_SID in warning
    assert report_of(configuration)["verdict"] == "PASS"


def ensure_destination_role_with(aws: Seeded, prefix: str, keys: list[str]) -> tuple[str, CallRecorder]:
    """Run EnsureDestinationRoleOperator for the partner's role with ``prefix`` and ``keys``; return its ARN and calls."""
    arn, calls, _ = run_operator(
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=ROLE,
            trusted_role_arns=[aws.emr_ec2_role_arn],
            s3_prefixes=[prefix],
            kms_key_arns=keys,
            settle_seconds=0,
        )
    )
    return str(arn), calls


def test_two_partners_on_one_emr_ec2_role_revoking_one_on_the_command_line_leaves_the_other_whole(
    aws: Seeded,
    partner_file: Path,  # noqa: F811 (test_cli's fixture)
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Dry run first, then the revoke; the other partner's grant, trust, key use and configuration stay, and it passes."""
    other = yaml.safe_load(partner_file.read_text())
    other.update(partner="partner-c")
    other["destination"].update(role_name="emrfs-partner-c-writer", s3_prefixes=[f"s3://{aws.bucket}/partner-c/"])
    other["security_configuration"]["name_prefix"] = "emrfs-xacct-partner-c"
    other_file = tmp_path / "partner-c.yaml"
    other_file.write_text(yaml.safe_dump(other))
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    assert emrfs_xacct("apply", other_file, aws) == 0
    other_configuration = json.loads(capsys.readouterr().out)["values"]["create_security_configuration"]
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    other_trust = iam_b.get_role(RoleName="emrfs-partner-c-writer")["Role"]["AssumeRolePolicyDocument"]
    other_policy = iam_b.get_role_policy(RoleName="emrfs-partner-c-writer", PolicyName=DESTINATION_POLICY_NAME)[
        "PolicyDocument"
    ]

    revoke = ("--keep-security-configuration",)
    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("revoke", partner_file, aws, *revoke, "--dry-run") == 0
    assert calls.mutating == []
    planned = json.loads(capsys.readouterr().out)["plan"]["revoke"]
    assert emrfs_xacct("revoke", partner_file, aws, *revoke) == 0
    assert json.loads(capsys.readouterr().out)["applied"]["revoke"] == planned

    other_arn = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-c-writer"
    assume = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    assert [statement["Resource"] for statement in assume["Statement"]] in ([[other_arn]], [other_arn])
    key_policy = json.loads(
        client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")[
            "Policy"
        ]
    )
    (users,) = [statement for statement in key_policy["Statement"] if statement.get("Sid") == KEY_USERS_SID]
    assert users["Principal"]["AWS"] in (other_arn, [other_arn])
    assert iam_b.get_role(RoleName="emrfs-partner-c-writer")["Role"]["AssumeRolePolicyDocument"] == other_trust
    policy = iam_b.get_role_policy(RoleName="emrfs-partner-c-writer", PolicyName=DESTINATION_POLICY_NAME)
    assert policy["PolicyDocument"] == other_policy
    assert emrfs_xacct("verify", other_file, aws) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "PASS"
    assert KEPT_LINK not in statuses(report)
    assert report["security_configuration"] == other_configuration
