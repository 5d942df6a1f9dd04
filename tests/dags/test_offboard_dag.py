"""The offboarding example DAG (verify, revoke, delete unused configurations), run with ``airflow dags test``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME, KEY_USERS_SID
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, Seeded, client
from devstack.testing import airflow_cli, airflow_env, count_changes, run_dag
from tests.integration.partners import NAME_PREFIX, create_security_configuration, mapping, provision_partner

if TYPE_CHECKING:
    from pathlib import Path

AIRFLOW = airflow_cli()
DAG_ID = "emrfs_xacct_offboard_partner"


def test_offboard_partner_dag(aws: Seeded, airflow_home: Path, tmp_path: Path) -> None:
    prefix = f"s3://{aws.bucket}/acme/"
    role_arn = provision_partner(aws, "emrfs-acme-writer", prefix)
    configuration = create_security_configuration([mapping("emrfs-acme-writer", prefix)])
    conf = {
        "destination_role_arn": role_arn,
        "kms_key_arn": aws.kms_key_arn,
        "security_configuration": configuration,
        "name_prefix": NAME_PREFIX,
    }

    output = run_dag(airflow_env(aws.url, airflow_home), conf, tmp_path / "offboard.log", "2026-04-01", dag_id=DAG_ID)

    for task_id in ("verify_before_offboarding", "revoke_partner_access", "delete_unused_security_configurations"):
        assert f"starting task_id={task_id} " in output, task_id
    assert "PASS" in output  # the verifier's table: the chain was whole before
    assert count_changes(output) == 2  # the assume-role policy (deleted: empty), the key-users statement
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    assert ASSUME_POLICY_NAME not in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    key_policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    assert key_policy == aws.key_policy
    assert KEY_USERS_SID not in json.dumps(key_policy)
    # The destination role stays (delete_destination_role=False); the configuration is younger than a day.
    client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName="emrfs-acme-writer")
    names = [
        item["Name"]
        for item in client(aws.url, EMR_ACCOUNT, "emr").list_security_configurations()["SecurityConfigurations"]
    ]
    assert names == [configuration]
