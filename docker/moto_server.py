"""
The ``moto`` service of ``docker-compose.yml``: the local AWS stand-in, seeded with the two accounts.

It is the test suite's stand-in (``devstack.moto_stack``: EMR steps complete at once, the verifier's
probe step writes through EMRFS's routing or fails where AWS would refuse it; the same
seeded roles, bucket and KMS key) but listening on all of the container's interfaces, so that the
Airflow containers reach it as ``http://moto:5000``. Once the accounts are seeded it prints what the
example DAG needs (the KMS key ARN is new on every start) and writes it as JSON to the ready file,
which the compose healthcheck waits for.

Environment: ``MOTO_HOST`` (default ``0.0.0.0``), ``MOTO_PORT`` (default ``5000``, ``0`` for any free
port), ``MOTO_READY_FILE`` (default ``/tmp/moto-seeded.json``).
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

from devstack.moto_stack import BUCKET, DESTINATION_ACCOUNT, EMR_ACCOUNT, MotoStack, seed


def main() -> None:
    host = os.environ.get("MOTO_HOST", "0.0.0.0")
    port = int(os.environ.get("MOTO_PORT", "5000"))
    ready_file = Path(os.environ.get("MOTO_READY_FILE", "/tmp/moto-seeded.json"))
    ready_file.unlink(missing_ok=True)

    server = MotoStack(port=port, host=host).start()
    bound_port = server.port
    seeded = seed(server.url)
    facts = {
        "port": bound_port,
        "emr_account": EMR_ACCOUNT,
        "destination_account": DESTINATION_ACCOUNT,
        "emr_ec2_role_arn": seeded.emr_ec2_role_arn,
        "bucket": seeded.bucket,
        "kms_key_arn": seeded.kms_key_arn,
        "dag_conf": {
            "partner": "partner-b",
            "emr_account_id": EMR_ACCOUNT,
            "destination_account_id": DESTINATION_ACCOUNT,
            "destination_prefix": f"s3://{BUCKET}/exports/",
            "kms_key_arn": seeded.kms_key_arn,
        },
    }
    print(f"moto listening on {host}:{bound_port}, accounts seeded:\n{json.dumps(facts, indent=2)}", flush=True)
    # Written whole or not at all: a reader polling for the file (the tests, the compose healthcheck)
    # never sees it empty or half written (os.replace is atomic on POSIX within one file system).
    partial = ready_file.with_name(ready_file.name + ".partial")
    partial.write_text(json.dumps(facts))
    os.replace(partial, ready_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
