"""The offboarding example DAG (verify, revoke, delete unused configurations), run with ``airflow dags test``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME, KEY_USERS_SID
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, Seeded, client
from devstack.testing import airflow_env, count_changes, run_dag, run_operator
from tests.integration.partners import (
    NAME_PREFIX,
    create_security_configuration,
    ensure_destination_role,
    mapping,
    provision_partner,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import ChangesNothing

DAG_ID = "emrfs_xacct_offboard_partner"


def offboard_conf(role_arn: str, configuration: str, **changes: Any) -> dict[str, Any]:
    """The run configuration of the offboarding DAG, both accounts pinned."""
    return {
        "emr_account_id": EMR_ACCOUNT,
        "destination_account_id": DESTINATION_ACCOUNT,
        "destination_role_arn": role_arn,
        "security_configuration": configuration,
        "name_prefix": NAME_PREFIX,
        **changes,
    }


def test_offboard_partner_dag(aws: Seeded, airflow_home: Path, tmp_path: Path) -> None:
    prefix = f"s3://{aws.bucket}/acme/"
    role_arn = provision_partner(aws, "emrfs-acme-writer", prefix)
    configuration = create_security_configuration([mapping("emrfs-acme-writer", prefix)])
    conf = offboard_conf(role_arn, configuration, kms_key_arn=aws.kms_key_arn)

    output = run_dag(airflow_env(aws.url, airflow_home), conf, tmp_path / "offboard.log", "2026-04-01", dag_id=DAG_ID)

    for task_id in ("verify_before_offboarding", "revoke_partner_access", "delete_unused_security_configurations"):
        assert f"starting task_id={task_id} " in output, task_id
    assert "PASS" in output  # the verifier's table: the chain was whole before
    # The assume-role policy (deleted: empty), the key-users statement, the destination role's trust.
    assert count_changes(output) == 3
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    assert ASSUME_POLICY_NAME not in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    key_policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    assert key_policy == aws.key_policy
    assert KEY_USERS_SID not in json.dumps(key_policy)
    # The destination role stays (delete_destination_role=False), trusting nobody; the configuration is younger
    # than a day.
    role = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName="emrfs-acme-writer")["Role"]
    assert [statement["Effect"] for statement in role["AssumeRolePolicyDocument"]["Statement"]] == ["Deny"]
    names = [
        item["Name"]
        for item in client(aws.url, EMR_ACCOUNT, "emr").list_security_configurations()["SecurityConfigurations"]
    ]
    assert names == [configuration]


def test_offboard_partner_dag_as_a_dry_run_plans_the_removals_and_removes_nothing(
    aws: Seeded, airflow_home: Path, tmp_path: Path, changes_nothing: ChangesNothing
) -> None:
    prefix = f"s3://{aws.bucket}/acme/"
    role_arn = provision_partner(aws, "emrfs-acme-writer", prefix)
    configuration = create_security_configuration([mapping("emrfs-acme-writer", prefix)])
    conf = offboard_conf(role_arn, configuration, kms_key_arn=aws.kms_key_arn, dry_run=True)
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    assume_before = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    key_policy_before = kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]
    trust_before = iam_b.get_role(RoleName="emrfs-acme-writer")["Role"]["AssumeRolePolicyDocument"]

    with changes_nothing(aws):  # no mutating call at all, both accounts' documents as before
        output = run_dag(
            airflow_env(aws.url, airflow_home), conf, tmp_path / "offboard-dry-run.log", "2026-04-02", dag_id=DAG_ID
        )

    assert count_changes(output) == 0
    assert "Dry run, nothing changed. Plan:" in output  # the revoke's three removals, planned
    assert "state=failed" not in output
    assert (
        iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"] == assume_before
    )
    assert kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"] == key_policy_before
    assert iam_b.get_role(RoleName="emrfs-acme-writer")["Role"]["AssumeRolePolicyDocument"] == trust_before
    names = [
        item["Name"]
        for item in client(aws.url, EMR_ACCOUNT, "emr").list_security_configurations()["SecurityConfigurations"]
    ]
    assert names == [configuration]


def test_offboard_a_partner_without_a_kms_key(aws: Seeded, airflow_home: Path, tmp_path: Path) -> None:
    """An SSE-S3 partner: no kms_key_arn (the param's default, empty) revokes with no key and no KMS call."""
    prefix = f"s3://{aws.bucket}/keyless/"
    role_arn = ensure_destination_role(aws, "emrfs-keyless-writer", prefix)
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
            destination_role_arns=[role_arn],
            settle_seconds=0,
        )
    )
    configuration = create_security_configuration([mapping("emrfs-keyless-writer", prefix)])

    output = run_dag(
        airflow_env(aws.url, airflow_home),
        offboard_conf(role_arn, configuration),
        tmp_path / "offboard-keyless.log",
        "2026-04-02",
        dag_id=DAG_ID,
    )

    assert "starting task_id=delete_unused_security_configurations " in output
    assert count_changes(output) == 2  # the assume-role policy (deleted: empty), the trust; no key
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    assert ASSUME_POLICY_NAME not in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    assert json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]) == aws.key_policy


@pytest.mark.parametrize("pin", ["emr_account_id", "destination_account_id"])
def test_a_connection_in_another_account_is_refused_before_any_change(
    aws: Seeded, airflow_home: Path, tmp_path: Path, pin: str, changes_nothing: ChangesNothing
) -> None:
    prefix = f"s3://{aws.bucket}/pinned/"
    role_arn = provision_partner(aws, "emrfs-pinned-writer", prefix)
    configuration = create_security_configuration([mapping("emrfs-pinned-writer", prefix)])
    conf = offboard_conf(role_arn, configuration, kms_key_arn=aws.kms_key_arn, **{pin: "333333333333"})
    log = tmp_path / "offboard-pinned.log"

    # No mutating call at all (the run stops at its first task), both accounts' documents as before.
    with changes_nothing(aws), pytest.raises(SystemExit):  # run_dag: the run failed
        run_dag(airflow_env(aws.url, airflow_home), conf, log, "2026-04-03", dag_id=DAG_ID)

    output = log.read_text()
    field = "expected_account_id" if pin == "emr_account_id" else "expected_destination_account_id"
    assert f"{field}: connection " in output
    assert "not in account 333333333333; nothing was" in output
    # The verifier, the first task, is refused itself: it reads nothing in an account it was not pinned to.
    assert "starting task_id=verify_before_offboarding " in output
    assert "starting task_id=revoke_partner_access " not in output
    assert count_changes(output) == 0
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    assert ASSUME_POLICY_NAME in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    assert KEY_USERS_SID in kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]
