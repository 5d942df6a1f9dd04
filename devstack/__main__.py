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
import subprocess
from pathlib import Path

from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    PROVISIONER_ROLE,
    REGION,
    MotoStack,
    Seeded,
    seed,
)
from devstack.testing import (
    ROOT,
    airflow_cli,
    airflow_env,
    count_changes,
    partner_export_conf,
    provisioned_state,
    run_dag,
    show_plans,
)

PARTNER = "partner-b"


def demo() -> None:
    airflow_home = ROOT / ".airflow"
    airflow_home.mkdir(exist_ok=True)
    with MotoStack() as stack:
        seeded = seed(stack.url)
        print(
            f"Local AWS stand-in (moto) at {stack.url}: EMR account {EMR_ACCOUNT}, destination account {DESTINATION_ACCOUNT}"
        )
        env = airflow_env(stack.url, airflow_home)
        subprocess.run([airflow_cli(), "db", "migrate"], env=env, check=True, capture_output=True)
        conf = partner_export_conf(seeded, PARTNER, destination_prefix=f"s3://{seeded.bucket}/exports/")
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
            f"  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={REGION} "
            f"AWS_REGION={REGION}",
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
