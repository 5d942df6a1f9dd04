"""
``python -m devstack demo``: run the example DAG end to end against the local AWS stand-in.

Starts a moto server with two seeded accounts, runs the example DAG twice with ``airflow dags test``
(the second run must change nothing), prints what was provisioned in each account as read back
from AWS, and stops the server.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    MotoStack,
    Seeded,
    airflow_environment,
    client,
    seed,
)

ROOT = Path(__file__).resolve().parent.parent
DAG_ID = "emrfs_xacct_partner_export"
PARTNER = "partner-b"


def airflow_env(url: str, airflow_home: Path) -> dict[str, str]:
    """Return the environment for an Airflow CLI that uses the repo's DAGs and the local stack."""
    return {
        **os.environ,
        **airflow_environment(url),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }


def run_dag(
    env: dict[str, str], conf: dict[str, Any], log_file: Path, logical_date: str | None, dag_id: str = DAG_ID
) -> str:
    """
    Run an example DAG (the partner export unless ``dag_id``) with ``airflow dags test``; return its output.

    Without ``logical_date`` the command is given none (``airflow dags test`` then uses the current time).
    """
    airflow = str(Path(sys.executable).with_name("airflow"))
    date = [logical_date] if logical_date else []
    command = [airflow, "dags", "test", dag_id, *date, "--conf", json.dumps(conf)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    log_file.write_text(output)
    if result.returncode != 0 or "state=failed" in output or "DagRunState.FAILED" in output:
        sys.stderr.write(output[-6000:])
        raise SystemExit(f"airflow dags test failed (exit {result.returncode}); full log: {log_file}")
    return output


def count_changes(output: str) -> int:
    """Count the changes the provider's operators applied, from their ``Applied:`` log lines."""
    return sum(int(n) for n in re.findall(r"Applied:\s*\n(\d+) change\(s\):", output))


def provisioned_state(seeded: Seeded, role_name: str) -> dict[str, Any]:
    """Read back from AWS what the provider provisioned in each account."""
    url = seeded.url
    iam_b, kms_b = client(url, DESTINATION_ACCOUNT, "iam"), client(url, DESTINATION_ACCOUNT, "kms")
    iam_a, emr_a = client(url, EMR_ACCOUNT, "iam"), client(url, EMR_ACCOUNT, "emr")
    role = iam_b.get_role(RoleName=role_name)["Role"]
    clusters = [
        emr_a.describe_cluster(ClusterId=summary["Id"])["Cluster"] for summary in emr_a.list_clusters()["Clusters"]
    ]
    security_configurations = {
        name: json.loads(emr_a.describe_security_configuration(Name=name)["SecurityConfiguration"])
        for name in sorted({cluster["SecurityConfiguration"] for cluster in clusters})
    }
    return {
        f"destination account {DESTINATION_ACCOUNT}": {
            "role": role["Arn"],
            "trust policy": role["AssumeRolePolicyDocument"],
            "inline policies": {
                name: iam_b.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
                for name in iam_b.list_role_policies(RoleName=role_name)["PolicyNames"]
            },
            "key policy": json.loads(kms_b.get_key_policy(KeyId=seeded.kms_key_arn, PolicyName="default")["Policy"]),
        },
        f"EMR account {EMR_ACCOUNT}": {
            f"{EMR_EC2_ROLE} inline policies": {
                name: iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
                for name in iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
            },
            "security configurations": security_configurations,
            "clusters": [
                {
                    "id": cluster["Id"],
                    "name": cluster["Name"],
                    "state": cluster["Status"]["State"],
                    "security configuration": cluster["SecurityConfiguration"],
                    "tags": {tag["Key"]: tag["Value"] for tag in cluster["Tags"]},
                }
                for cluster in clusters
            ],
        },
    }


def demo() -> None:
    airflow_home = ROOT / ".airflow"
    airflow_home.mkdir(exist_ok=True)
    with MotoStack() as stack:
        seeded = seed(stack.url)
        print(
            f"Local AWS stand-in (moto) at {stack.url}: EMR account {EMR_ACCOUNT}, destination account {DESTINATION_ACCOUNT}"
        )
        env = airflow_env(stack.url, airflow_home)
        airflow = str(Path(sys.executable).with_name("airflow"))
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        conf = {
            "partner": PARTNER,
            "destination_prefix": f"s3://{seeded.bucket}/exports/",
            "kms_key_arn": seeded.kms_key_arn,
        }
        for run, logical_date in enumerate(("2026-11-01", "2026-11-02"), start=1):
            output = run_dag(env, conf, airflow_home / f"demo-run-{run}.log", logical_date)
            print(f"Run {run} ({logical_date}) succeeded: the provider applied {count_changes(output)} change(s).")
        print("\nProvisioned state, read back from AWS:")
        print(json.dumps(provisioned_state(seeded, f"emrfs-{PARTNER}-writer"), indent=2, default=str))
    print("\nLocal stack stopped. Logs of the two runs are in .airflow/demo-run-*.log")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("command", choices=["demo"])
    parser.parse_args()
    demo()


if __name__ == "__main__":
    main()
