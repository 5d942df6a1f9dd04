"""docker/moto_server.py (the compose stack's moto service) runs outside Docker: seeded, steps complete, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.moto_stack import BUCKET, DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, client
from devstack.testing import small_cluster

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def moto_service(tmp_path: Path):
    """Start the script as the container does (by path, devstack on PYTHONPATH), on loopback and a free port."""
    ready_file = tmp_path / "seeded.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MOTO_HOST": "127.0.0.1",
        "MOTO_PORT": "0",
        "MOTO_READY_FILE": str(ready_file),
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "docker" / "moto_server.py")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready_file.exists():
            assert process.poll() is None, f"moto_server.py exited early:\n{process.stdout.read()}"
            assert time.monotonic() < deadline, "moto_server.py did not seed within 60 s"
            time.sleep(0.1)
        yield process, json.loads(ready_file.read_text())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_moto_service_seeds_both_accounts_and_stops_on_sigterm(moto_service) -> None:
    process, facts = moto_service
    url = f"http://127.0.0.1:{facts['port']}"

    assert facts["emr_account"] == EMR_ACCOUNT
    assert facts["destination_account"] == DESTINATION_ACCOUNT
    assert facts["dag_conf"] == {
        "partner": "partner-b",
        "emr_account_id": facts["emr_account"],
        "destination_account_id": facts["destination_account"],
        "destination_prefix": f"s3://{BUCKET}/exports/",
        "kms_key_arn": facts["kms_key_arn"],
    }
    kms = client(url, DESTINATION_ACCOUNT, "kms")
    assert kms.describe_key(KeyId=facts["kms_key_arn"])["KeyMetadata"]["Arn"] == facts["kms_key_arn"]
    iam = client(url, EMR_ACCOUNT, "iam")
    assert iam.get_role(RoleName=EMR_EC2_ROLE)["Role"]["Arn"] == facts["emr_ec2_role_arn"]
    # devstack's moto extension is on: a step completes at once (the example DAG waits for one).
    emr = client(url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**small_cluster("probe", "emr-7.5.0"))["JobFlowId"]
    step_id = emr.add_job_flow_steps(
        JobFlowId=cluster_id,
        Steps=[{"Name": "s", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]}}],
    )["StepIds"][0]
    assert emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]["State"] == "COMPLETED"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
