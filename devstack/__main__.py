"""
The local AWS stand-in's two commands.

``python -m devstack demo`` runs the example DAG end to end against it: starts a moto server with two
seeded accounts, runs the example DAG twice with ``airflow dags test``, prints the plan each task
applied in the first run (its diffs) and each task's summary in the second (which must change
nothing), prints what was provisioned in each account as read back from AWS, and stops the server.

``python -m devstack serve`` starts the stand-in on its own, seeded, prints its endpoint URL and the
settings to try the ``emrfs-xacct`` command line against it, and runs until Ctrl-C.
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
    PROVISIONER_ROLE,
    REGION,
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


#: A task's plan in ``airflow dags test`` output: the message (one or many lines) between the level and the logger.
_PLAN_MESSAGE = re.compile(
    r"\[info\s*\] (?P<message>(?:No changes\.|Dry run, nothing changed\. Plan:\n|Changes made:\n).*?)"
    r" \[airflow\.task\.operators\.airflow_provider_emrfs_xacct\.",
    re.S,
)
_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(?P<task_id>\S+)")
_APPLIED = re.compile(r"^Applied: (\d+) added, (\d+) changed, (\d+) destroyed\.$", re.M)


def task_plans(output: str) -> list[tuple[str, str]]:
    """Return ``(task_id, logged plan)`` for each plan the provider's operators logged, in order."""
    starts = [(match.start(), match["task_id"]) for match in _TASK_START.finditer(output)]
    plans = []
    for match in _PLAN_MESSAGE.finditer(output):
        task_id = next((task for position, task in reversed(starts) if position < match.start()), "?")
        plans.append((task_id, match["message"].rstrip()))
    return plans


def count_changes(output: str) -> int:
    """Count the changes the provider's operators applied, from their ``Applied: …`` summary lines."""
    return sum(
        sum(int(n) for n in applied.groups()) for _, plan in task_plans(output) for applied in _APPLIED.finditer(plan)
    )


def show_plans(output: str, *, diffs: bool) -> str:
    """Return each task's logged plan (with its diffs, or only its summary line), indented under its task id."""
    parts = []
    for task_id, plan in task_plans(output):
        text = plan if diffs else plan.splitlines()[-1]
        if diffs and text.startswith("Changes made:\n"):
            text = text.removeprefix("Changes made:\n")
        parts.append(f"  {task_id}:\n" + "\n".join(f"    {line}" if line else "" for line in text.splitlines()))
    return "\n".join(parts)


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
            "emr_account_id": EMR_ACCOUNT,
            "destination_account_id": DESTINATION_ACCOUNT,
            "destination_prefix": f"s3://{seeded.bucket}/exports/",
            "kms_key_arn": seeded.kms_key_arn,
        }
        for run, logical_date in enumerate(("2026-11-01", "2026-11-02"), start=1):
            output = run_dag(env, conf, airflow_home / f"demo-run-{run}.log", logical_date)
            print(f"\nRun {run} ({logical_date}) succeeded: the provider applied {count_changes(output)} change(s).")
            # The first run shows what each task changed; the second, where nothing changes, each task's summary.
            print(show_plans(output, diffs=run == 1))
        print("\nProvisioned state, read back from AWS:")
        print(json.dumps(provisioned_state(seeded, f"emrfs-{PARTNER}-writer"), indent=2, default=str))
    print("\nLocal stack stopped. Logs of the two runs are in .airflow/demo-run-*.log")


def try_it(seeded: Seeded, partner_file: Path) -> str:
    """Return the settings and commands to try the ``emrfs-xacct`` command line against the stand-in."""
    role = f"role/{PROVISIONER_ROLE}"
    flags = (
        f"--endpoint-url {seeded.url} --region {REGION} \\\n"
        f"      --emr-role-arn arn:aws:iam::{EMR_ACCOUNT}:{role} \\\n"
        f"      --destination-role-arn arn:aws:iam::{DESTINATION_ACCOUNT}:{role}"
    )
    return "\n".join(
        [
            f"Local AWS stand-in (moto) running at {seeded.url}",
            f"  EMR account {EMR_ACCOUNT}: roles {EMR_EC2_ROLE} and EMR_DefaultRole",
            f"  destination account {DESTINATION_ACCOUNT}: bucket {seeded.bucket}, KMS key {seeded.kms_key_arn}",
            f"  a partner file for these accounts and this key: {partner_file}",
            "",
            "Try the command line in another shell (moto accepts any credentials; the role ARNs pick the account):",
            "",
            "  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=" + REGION,
            f"  emrfs-xacct plan {partner_file} {flags}",
            "",
            "and the same with apply, verify, and revoke --keep-security-configuration.",
            "Stop with Ctrl-C.",
        ]
    )


def serve(port: int, host: str, partner_file: Path | None) -> None:
    """Run the seeded stand-in until Ctrl-C (or SIGTERM), printing how to use it."""
    import signal
    import tempfile
    import threading

    import yaml

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # also when started in the background, where SIGINT is ignored
    stack = MotoStack(port=port, host=host).start()
    try:
        seeded = seed(stack.url)
        partner = yaml.safe_load((ROOT / "examples" / "partner.yaml").read_text())
        partner["destination"]["kms_key_arns"] = [seeded.kms_key_arn]
        if partner_file is None:
            partner_file = Path(tempfile.mkdtemp(prefix="emrfs-xacct-")) / "partner.yaml"
        partner_file.write_text(yaml.safe_dump(partner, sort_keys=False))
        print(try_it(seeded, partner_file), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        print("Local stack stopped.", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devstack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the example DAG twice against the local stand-in and show the plans")
    serving = commands.add_parser(
        "serve",
        help="start the seeded local stand-in on its own (until Ctrl-C) to try the command line against",
        epilog="example: python -m devstack serve --port 5000",
    )
    serving.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    serving.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serving.add_argument(
        "--partner-file", type=Path, help="where to write a partner file for the seeded accounts (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.port, args.host, args.partner_file)
    else:
        demo()


if __name__ == "__main__":
    main()
