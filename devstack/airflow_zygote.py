"""
``airflow`` commands run in forks of one process that has imported Airflow once: the tests' DAG runs.

Each ``airflow dags test`` in a fresh interpreter spends most of its CPU before the first task: importing
Airflow (about 7 s on a two-core machine) and building the in-process Execution API (Cadwyn's versioned
routers, about 6 s), the same every time. This process, started with the environment of the runs, does both
once and then runs each command in a child it forks, as Airflow's own executors fork a warm parent
(``[core] execute_tasks_new_python_interpreter`` false, the default). A child is a new process: what one run
changes (module state, the database connection pool, the Execution API's event-loop thread, which is started
only in the child) dies with it, and the next run starts from the same state again. The command line, its
parser and the task runner are Airflow's own (``airflow.__main__.main``).

Protocol (one JSON object per line): the request ``{"argv": [...], "env": {...}, "stdout": path, "stderr":
path}`` on stdin; the answer ``{"returncode": n}`` on stdout once the child has exited. The child takes the
request's environment whole. Standard library, Airflow, boto3 and the provider only: it runs as a script,
without ``devstack`` on ``sys.path``. ``devstack.testing.airflow_command`` starts and talks to it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback


def warm() -> None:
    """Import what every ``airflow dags test`` imports, and build the Execution API's routes (no thread)."""
    import airflow.__main__  # noqa: F401  (Airflow, its configuration and settings)
    from airflow.cli import cli_parser
    from airflow.cli.commands import dag_command  # noqa: F401  (loaded lazily by the parser otherwise)
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    cli_parser.get_parser()
    # What the first request would do in the child (Cadwyn.__call__): it builds routes only; the event
    # loop and its thread (InProcessExecutionAPI.transport) are made by the child that uses them.
    app = in_process_api_server().app
    if not app._cadwyn_initialized:
        app._cadwyn_initialize()
    preload()
    others = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
    if others:
        raise SystemExit(f"airflow_zygote: threads running before the first fork (unsafe to fork): {others}")


def preload() -> None:
    """
    Load, once, what every test run loads before its first AWS call: the provider's parse-time modules (as a
    deployment following ``airflow_provider_emrfs_xacct.preload`` does), the Amazon provider's AWS hook and EMR
    operators, and botocore's models of the services the provider calls (read through the one loader that
    ``airflow_local_settings`` shares, when the Airflow home has the tests' copy). What a task imports when it runs
    is still imported by the child.
    """
    import boto3
    from airflow.providers.amazon.aws.hooks import base_aws  # noqa: F401
    from airflow.providers.amazon.aws.operators import emr  # noqa: F401

    from airflow_provider_emrfs_xacct.preload import import_parse_time_modules

    import_parse_time_modules()
    session = boto3.Session(aws_access_key_id="warm", aws_secret_access_key="warm", region_name="us-east-1")
    for service in ("ec2", "emr", "iam", "kms", "s3", "s3control", "sts"):
        session.client(service)  # builds its endpoint rules and service model; sends nothing


def run_child(request: dict) -> None:
    """In the forked child: take the request's environment and files, run the command, exit with its status."""
    os.environ.clear()
    os.environ.update(request["env"])
    stdin = os.open(os.devnull, os.O_RDONLY)  # not the parent's request pipe
    os.dup2(stdin, 0)
    os.close(stdin)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    status = 0
    try:
        from airflow import settings

        # The parent's connection pool is not this process's (SQLAlchemy, "Using Connection Pools with
        # Multiprocessing or os.fork()": dispose(close=False) in the child).
        engine = getattr(settings, "engine", None)
        if engine is not None:
            engine.dispose(close=False)
        from airflow.__main__ import main

        sys.argv = ["airflow", *request["argv"]]
        main()
    except SystemExit as exit_:
        code = exit_.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        if not isinstance(code, int) and code is not None:
            print(code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def serve() -> None:
    """Answer requests until stdin closes."""
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the parent's own output (none expected) must not mix with the answers
    warm()
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            run_child(request)
        _, wait_status = os.waitpid(pid, 0)
        answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(wait_status)}) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve()
