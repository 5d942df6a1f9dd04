"""The example DAG: it parses cleanly, and runs end to end with ``airflow dags test`` against moto."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.__main__ import DAG_ID, ROOT, airflow_env, count_changes, provisioned_state, run_dag
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, MotoStack, Seeded

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory, moto_stack: MotoStack) -> Path:
    home = tmp_path_factory.mktemp("airflow-home")
    subprocess.run([AIRFLOW, "db", "migrate"], env=airflow_env(moto_stack.url, home), check=True, capture_output=True)
    return home


def test_example_dag_parses_with_the_chain_in_order() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    dag = bag.dags[DAG_ID]
    upstream = {task_id: sorted(dag.get_task(task_id).upstream_task_ids) for task_id in dag.task_ids}
    assert upstream["allow_emr_role_to_assume"] == ["ensure_destination_role"]
    assert upstream["grant_kms_key_user"] == ["ensure_destination_role"]
    assert upstream["create_security_configuration"] == ["ensure_destination_role"]
    assert upstream["launch_cluster"] == [
        "allow_emr_role_to_assume",
        "create_security_configuration",
        "grant_kms_key_user",
    ]
    assert upstream["terminate_cluster"] == ["launch_cluster", "wait_for_results"]


def test_provider_is_registered_with_airflow(moto_stack: MotoStack, airflow_home: Path) -> None:
    result = subprocess.run(
        [AIRFLOW, "providers", "list", "--output", "json"],
        env=airflow_env(moto_stack.url, airflow_home),
        capture_output=True,
        text=True,
        check=True,
    )
    packages = {provider["package_name"] for provider in json.loads(result.stdout)}
    assert "airflow-provider-emrfs-xacct" in packages


def test_airflow_dags_test_provisions_both_accounts_and_a_rerun_changes_nothing(
    aws: Seeded, airflow_home: Path, tmp_path: Path
) -> None:
    env = airflow_env(aws.url, airflow_home)
    conf = {"partner": "acme", "destination_prefix": f"s3://{aws.bucket}/acme/out/", "kms_key_arn": aws.kms_key_arn}

    first = run_dag(env, conf, tmp_path / "run-1.log", "2026-03-01")
    # No logical date: the DAG names its cluster and output from values every run has (run_after).
    second = run_dag(env, conf, tmp_path / "run-2.log", None)

    assert count_changes(first) == 5  # trust+role, permissions, assume-role policy, key policy, security configuration
    assert count_changes(second) == 0
    state = provisioned_state(aws, "emrfs-acme-writer")
    destination = state[f"destination account {DESTINATION_ACCOUNT}"]
    emr = state[f"EMR account {EMR_ACCOUNT}"]
    role_arn = destination["role"]
    assert role_arn == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"
    assert destination["trust policy"]["Statement"][0]["Principal"]["AWS"] == [aws.emr_ec2_role_arn]
    key_users = [s for s in destination["key policy"]["Statement"] if s.get("Sid") == "EmrfsXacctKeyUsers"]
    assert key_users[0]["Principal"]["AWS"] == [role_arn]
    assert destination["key policy"]["Statement"][:2] == aws.key_policy["Statement"]
    assume = emr["EMR_EC2_DefaultRole inline policies"]["emrfs-xacct-assume-destination-roles"]
    assert assume["Statement"][0]["Resource"] == [role_arn]
    assert "emr-ec2-own-bucket-access" in emr["EMR_EC2_DefaultRole inline policies"]
    (name, configuration), *others = emr["security configurations"].items()
    assert others == []
    assert configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == [
        {"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [f"s3://{aws.bucket}/acme/out"]}
    ]
    assert len(emr["clusters"]) == 2  # one per DAG run, both terminated by the teardown
    for cluster in emr["clusters"]:
        assert cluster["security configuration"] == name
        assert cluster["state"] == "TERMINATED"
        assert "emrfs-xacct:idempotency-key" in cluster["tags"]
        assert re.fullmatch(r"export-acme-\d{8}T\d{6}", cluster["name"])
    assert len({cluster["name"] for cluster in emr["clusters"]}) == 2
