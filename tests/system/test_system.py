"""
Run the system test DAG (``example_emrfs_xacct_system.py``) with ``dag.test()``.

Against real AWS only when both profile variables are set; against the two-account moto server always
(the same DAG, the moto connections). The run must succeed, and afterwards nothing the run created is
left in either account.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, MotoStack, client, connection_uri_json

HERE = Path(__file__).resolve().parent
EMR_PROFILE = "EMRFS_XACCT_SYSTEM_EMR_PROFILE"
DESTINATION_PROFILE = "EMRFS_XACCT_SYSTEM_DESTINATION_PROFILE"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def load_dag(monkeypatch: pytest.MonkeyPatch, env_id: str) -> Any:
    """Import the system DAG fresh, with this run's id, from a migrated Airflow home."""
    monkeypatch.setenv("EMRFS_XACCT_SYSTEM_ENV_ID", env_id)
    # dag.test() serializes the DAG from the configured DAGs folder (Airflow 3): put the file there.
    from airflow.configuration import conf

    dags_folder = Path(conf.get("core", "dags_folder"))
    dags_folder.mkdir(parents=True, exist_ok=True)
    target = dags_folder / "example_emrfs_xacct_system.py"
    if not target.exists():
        target.symlink_to(HERE / "example_emrfs_xacct_system.py")
    subprocess.run([AIRFLOW, "db", "migrate"], env=dict(os.environ), check=True, capture_output=True)
    sys.modules.pop("tests.system.example_emrfs_xacct_system", None)
    from tests.system import example_emrfs_xacct_system as system

    return system


def run_system_dag(monkeypatch: pytest.MonkeyPatch, env_id: str) -> tuple[Any, dict[str, str]]:
    """Run the DAG; return the module and the task states."""
    system = load_dag(monkeypatch, env_id)
    dag_run = system.dag.test()
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    return system, states


@pytest.mark.skipif(
    not (os.environ.get(EMR_PROFILE) and os.environ.get(DESTINATION_PROFILE)),
    reason=f"system test against AWS: set {EMR_PROFILE} and {DESTINATION_PROFILE} to two AWS profiles of two accounts",
)
def test_system_against_aws(monkeypatch: pytest.MonkeyPatch) -> None:  # pragma: no cover - needs AWS
    region = os.environ.get("EMRFS_XACCT_SYSTEM_REGION", "us-east-1")
    for conn, profile in (("EMR", EMR_PROFILE), ("DESTINATION", DESTINATION_PROFILE)):
        extra = {"profile_name": os.environ[profile], "region_name": region}
        monkeypatch.setenv(f"AIRFLOW_CONN_EMRFS_XACCT_SYSTEM_{conn}", json.dumps({"conn_type": "aws", "extra": extra}))
    _, states = run_system_dag(monkeypatch, os.environ.get("EMRFS_XACCT_SYSTEM_ENV_ID") or os.urandom(4).hex())
    assert states["watcher"] == "skipped", states
    assert all(state in ("success", "skipped") for state in states.values()), states


@pytest.mark.slow
def test_system_dag_against_moto(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same DAG against the two-account moto server: every task succeeds and nothing is left."""
    import requests

    requests.post(f"{moto_stack.url}/moto-api/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("AIRFLOW_CONN_EMRFS_XACCT_SYSTEM_EMR", connection_uri_json(moto_stack.url, EMR_ACCOUNT))
    monkeypatch.setenv(
        "AIRFLOW_CONN_EMRFS_XACCT_SYSTEM_DESTINATION", connection_uri_json(moto_stack.url, DESTINATION_ACCOUNT)
    )
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("EMRFS_XACCT_SYSTEM_EC2_MANAGED_POLICY", "")  # moto has no AWS managed policies
    # moto has no EMR_DefaultRole check and runs no step: write the object the probe step would write,
    # right before the verifier checks it (the same stand-in as tests/integration/test_verify.py).
    from airflow_provider_emrfs_xacct import verify as verify_module
    from airflow_provider_emrfs_xacct.verify import check_probe_object

    writer = client(moto_stack.url, DESTINATION_ACCOUNT, "s3")
    probes: list[str] = []

    def write_then_check(destination_s3: Any, uri: str, **kwargs: Any) -> dict[str, Any]:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        writer.put_object(Bucket=bucket, Key=key, Body=b"probe\n")  # the bucket's default encryption applies
        probes.append(uri)
        return check_probe_object(destination_s3, uri, **kwargs)

    monkeypatch.setattr(verify_module, "check_probe_object", write_then_check)

    system, states = run_system_dag(monkeypatch, "moto0001")

    assert states.pop("watcher") == "skipped", states
    assert set(states.values()) == {"success"}, states
    assert len(probes) == 1
    assert probes[0].startswith(system.PREFIX)
    # Nothing the run created is left in either account.
    name = system.NAME
    s3 = client(moto_stack.url, DESTINATION_ACCOUNT, "s3")
    assert name not in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    for account in (EMR_ACCOUNT, DESTINATION_ACCOUNT):
        iam = client(moto_stack.url, account, "iam")
        assert name not in [role["RoleName"] for role in iam.list_roles()["Roles"]]
    iam_a = client(moto_stack.url, EMR_ACCOUNT, "iam")
    assert name not in [p["InstanceProfileName"] for p in iam_a.list_instance_profiles()["InstanceProfiles"]]
    emr = client(moto_stack.url, EMR_ACCOUNT, "emr")
    assert not [c for c in emr.list_security_configurations()["SecurityConfigurations"] if c["Name"].startswith(name)]
    live = emr.list_clusters(ClusterStates=["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"])["Clusters"]
    assert not [c for c in live if c["Name"] == name]
    kms = client(moto_stack.url, DESTINATION_ACCOUNT, "kms")
    states_of_keys = [
        kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] for key in kms.list_keys()["Keys"]
    ]
    assert states_of_keys == ["PendingDeletion"]
