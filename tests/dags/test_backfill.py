"""
A real backfill: the Airflow scheduler (LocalExecutor), DAG processor, triggerer and API server run a
backfill of several partners at once against moto, and the shared KMS key policy and EMR EC2 role
policy lose no partner; and a DAG whose waits are deferred runs them in the real triggerer.

The test starts the four Airflow components as subprocesses sharing a temporary ``AIRFLOW_HOME`` and
a real metadata database: PostgreSQL, started by the test itself (``devstack.postgres``: the server
binaries come from a wheel, so nothing but Python is needed). moto keeps running in this process
(the ``moto_stack`` fixture). It backfills :data:`DATES` logical dates of
``backfill_dags/emrfs_xacct_backfill_dag.py`` (one partner per date) with ``--max-active-runs``
:data:`MAX_ACTIVE_RUNS`, waits for every run to finish, and then reads back from the database and
from moto what happened. The deferred DAG's run (``backfill_dags/emrfs_xacct_deferred_dag.py``) goes
on at the same time: it shares no document with the backfill and mostly waits in the triggerer.

The backfill is created while the DAG is still paused and the DAG is unpaused afterwards, so that the
scheduler takes up the runs only once they are all there and :data:`MAX_ACTIVE_RUNS` of them start
together. (On SQLite, which these tests used before, ``airflow backfill create`` could also fail
with "database is locked" while the scheduler worked; PostgreSQL waits for row locks instead, so the
command is run once.)
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
import requests
import sqlalchemy
from moto.core.responses import ActionResult, PaginatedResult
from moto.core.utils import utcnow
from moto.emr.responses import ElasticMapReduceResponse
from sqlalchemy.pool import NullPool

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import idempotency_key
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME, KEY_USERS_SID
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, client, seed
from devstack.postgres import PostgresServer
from devstack.testing import airflow_env, share_botocore_loader
from tests.dags.backfill_dags.emrfs_xacct_deferred_dag import DAG_ID as DEFERRED_DAG_ID
from tests.dags.backfill_dags.emrfs_xacct_deferred_dag import DEFERRED_TASKS
from tests.dags.backfill_dags.emrfs_xacct_deferred_dag import EMR_EC2_ROLE as DEFERRED_EMR_EC2_ROLE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from devstack.moto_stack import MotoStack, Seeded

# Three runs at once write the shared documents: the provider's default settle wait (tests/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.deployed_settle_wait]

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAGS_FOLDER = Path(__file__).resolve().parent / "backfill_dags"
DAG_ID = "emrfs_xacct_backfill_test"
#: Four daily logical dates, at most three runs at once: three start together (writers of the shared key policy and
#: EMR EC2 role policy at once), the fourth waits for a slot.
DATES = [f"2024-01-0{day}" for day in range(1, 5)]
MAX_ACTIVE_RUNS = 3
#: Bound on the wait for the backfill to finish: it took 130 s on a lightly loaded 2-core machine
#: and 333 s with other test suites loading it (load average 19).
RUN_TIMEOUT_SECONDS = 480
#: Bound on the deferred DAG's run from its trigger (launch, step, probe and terminate each wait in the
#: triggerer), beside the backfill: it took 196 s with other test suites loading the machine.
DEFERRED_RUN_TIMEOUT_SECONDS = 480
#: How often the watch reads the deferred run's task states: well inside each wait (:data:`EMR_TRANSITION_SECONDS`).
DEFERRED_POLL_SECONDS = 0.3
STARTUP_TIMEOUT_SECONDS = 180
SEEDED_EMR_EC2_POLICY = "emr-ec2-own-bucket-access"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
#: The DAGs the DAG processor must have stored before the tests start.
DAG_IDS = (DAG_ID, DEFERRED_DAG_ID)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_datetime(value: Any) -> datetime:
    """A timestamp column as an aware datetime (PostgreSQL hands back datetimes; SQLite would hand back text)."""
    assert value is not None, "a finished run or task instance has a start and an end"
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def max_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    """The largest number of half-open ``[start, end)`` intervals that hold one instant in common."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    best = current = 0
    for _, step in events:  # at equal instants an end (-1) sorts before a start (+1)
        current += step
        best = max(best, current)
    return best


@dataclass
class AirflowStack:
    """Airflow's API server, scheduler and DAG processor as subprocesses sharing one ``AIRFLOW_HOME``."""

    home: Path
    env: dict[str, str]
    db_url: str
    api_url: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def cli(self, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(self.describe(result))
        return result

    @staticmethod
    def describe(result: subprocess.CompletedProcess[str]) -> str:
        command = " ".join(result.args[1:])
        return f"airflow {command} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"

    def start(self, name: str, *args: str) -> None:
        log = (self.home / f"{name}.log").open("wb")
        # A session of its own, so that stop() can end the component together with its children.
        self.processes[name] = subprocess.Popen(
            [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def assert_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"airflow {name} exited with {process.returncode}\n{self.diagnostics()}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def query(self, sql: str, **params: Any) -> list[Any]:
        engine = sqlalchemy.create_engine(self.db_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return list(connection.execute(sqlalchemy.text(sql), params))
        finally:
            engine.dispose()

    def diagnostics(self) -> str:
        """The tails of the components' logs and of the task logs (those with errors, else all), for a failure."""
        parts = []
        for name in COMPONENTS:
            path = self.home / f"{name}.log"
            if path.exists():
                parts.append(f"===== {name}.log (tail) =====\n{path.read_text(errors='replace')[-4000:]}")
        task_logs = sorted(
            path for dag_id in DAG_IDS for path in (self.home / "logs").glob(f"dag_id={dag_id}/**/*.log")
        )
        failing = [path for path in task_logs if '"level":"error"' in path.read_text(errors="replace")]
        for path in failing or task_logs:
            text = path.read_text(errors="replace")
            parts.append(f"===== {path.relative_to(self.home)} (tail) =====\n{text[-4000 if failing else -1000 :]}")
        return "\n".join(parts)

    @contextmanager
    def diagnosed(self) -> Iterator[None]:
        """Print the diagnostics when the block fails (pytest shows them with the failure)."""
        try:
            yield
        except BaseException:
            print(self.diagnostics())
            raise


@pytest.fixture(scope="module")
def seeded(moto_stack: MotoStack) -> Seeded:
    requests.post(f"{moto_stack.url}/moto-api/reset", timeout=10).raise_for_status()
    return seed(moto_stack.url)


@pytest.fixture(scope="module")
def seeded_emr_ec2_role(seeded: Seeded) -> dict[str, Any]:
    """What the EMR EC2 role held before the backfill: its trust policy and the seeded inline policy."""
    iam_a = client(seeded.url, EMR_ACCOUNT, "iam")
    return {
        "trust": iam_a.get_role(RoleName=EMR_EC2_ROLE)["Role"]["AssumeRolePolicyDocument"],
        "policy": iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_EMR_EC2_POLICY)["PolicyDocument"],
    }


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this module's own, removed with its data at the end."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module")
def airflow_stack(
    tmp_path_factory: pytest.TempPathFactory, moto_stack: MotoStack, seeded: Seeded, postgres: PostgresServer
) -> Iterator[AirflowStack]:
    home = tmp_path_factory.mktemp("airflow-backfill-home")
    port = free_port()
    db_url = postgres.create_database("airflow")
    env = {
        **airflow_env(moto_stack.url, home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # Room for every task of three runs at once (each run has up to three tasks in parallel), and
        # for the deferred DAG's run going on beside them.
        "AIRFLOW__CORE__PARALLELISM": "20",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "32",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__WORKERS": "1",
        # The scheduler signs the tasks' Execution API tokens, the API server checks them: one secret.
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        # The scheduler serves task logs on this port (default 8793: taken when two such tests run at once),
        # the triggerer the triggers' logs on this one (default 8794).
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        # Parse the DAG file once; re-parsing every 30 s only costs CPU here.
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        # Each task parses its DAG file when it starts; with a dozen tasks starting at once on a
        # loaded 2-core machine that took over the default 30 s ("DagBag import timeout").
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "180",
    }
    stack = AirflowStack(home=home, env=env, db_url=db_url, api_url=f"http://127.0.0.1:{port}")
    share_botocore_loader(home)
    stack.cli("db", "migrate", timeout=300)
    try:
        stack.start("api-server", "api-server", "--port", str(port), "--host", "127.0.0.1", "--workers", "1")
        stack.start("scheduler", "scheduler")
        stack.start("dag-processor", "dag-processor")
        stack.start("triggerer", "triggerer")
        with stack.diagnosed():
            wait_until_ready(stack)
        yield stack
    finally:
        stack.stop()


def wait_until_ready(stack: AirflowStack) -> None:
    """Wait until the API server answers, the triggerer runs and the DAG processor has stored the DAGs."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    api_up = triggerer_up = False
    stored: set[str] = set()
    while time.monotonic() < deadline:
        stack.assert_alive()
        if not api_up:
            with suppress(requests.RequestException):
                api_up = requests.get(f"{stack.api_url}/api/v2/monitor/health", timeout=5).status_code == 200
        if not triggerer_up:
            triggerer_up = bool(stack.query("SELECT 1 FROM job WHERE job_type = 'TriggererJob' AND state = 'running'"))
        stored = {row.dag_id for row in stack.query("SELECT DISTINCT dag_id FROM serialized_dag")}
        if api_up and triggerer_up and stored >= set(DAG_IDS):
            return
        time.sleep(2)
    raise AssertionError(
        f"not ready after {STARTUP_TIMEOUT_SECONDS} s: api server up {api_up}, triggerer up {triggerer_up}, "
        f"DAGs stored {sorted(stored)}"
    )


def create_backfill(stack: AirflowStack, conf: dict[str, Any]) -> None:
    """``airflow backfill create`` over :data:`DATES`, once."""
    command = ("backfill", "create", "--dag-id", DAG_ID, "--from-date", DATES[0], "--to-date", DATES[-1])
    stack.cli(*command, "--max-active-runs", str(MAX_ACTIVE_RUNS), "--dag-run-conf", json.dumps(conf))


@dataclass
class BackfillResult:
    runs: list[Any]
    task_instances: list[Any]
    polled_max_running: int
    seconds: float


@pytest.fixture(scope="module")
def backfill(airflow_stack: AirflowStack, seeded: Seeded, deferred_watch: DeferredWatch) -> BackfillResult:
    """
    The backfill, while the deferred DAG's run (started just before, :func:`deferred_watch`) goes on.

    The two share no document (see ``backfill_dags/emrfs_xacct_deferred_dag.py``), and the deferred run
    spends most of its time waiting in the triggerer: run together, the stack pays for the longer of the
    two instead of their sum.
    """
    stack = airflow_stack
    with stack.diagnosed():
        started = time.monotonic()
        # Create the backfill while the DAG is still paused, so that the scheduler takes up its runs
        # only once they are all there (see the module docstring), then unpause it.
        create_backfill(stack, {"kms_key_arn": seeded.kms_key_arn, "bucket": seeded.bucket})
        stack.cli("dags", "unpause", DAG_ID)
        polled_max_running = 0
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while True:
            stack.assert_alive()
            states = [row.state for row in stack.query("SELECT state FROM dag_run WHERE dag_id = :d", d=DAG_ID)]
            polled_max_running = max(polled_max_running, states.count("running"))
            if len(states) >= len(DATES) and all(state in ("success", "failed") for state in states):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"backfill not finished after {RUN_TIMEOUT_SECONDS} s: run states {states}")
            time.sleep(1)
        seconds = time.monotonic() - started
        runs = stack.query(
            "SELECT run_id, run_type, logical_date, state, start_date, end_date, backfill_id "
            "FROM dag_run WHERE dag_id = :d ORDER BY logical_date",
            d=DAG_ID,
        )
        task_instances = stack.query(
            "SELECT run_id, task_id, state, try_number, start_date, end_date FROM task_instance WHERE dag_id = :d",
            d=DAG_ID,
        )
    print(f"backfill of {len(runs)} runs finished in {seconds:.0f} s")
    return BackfillResult(runs, task_instances, polled_max_running, seconds)


def role_arn(logical_date: datetime) -> str:
    return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-{logical_date:%Y%m%d}-writer"


def test_all_runs_succeed_with_three_active_at_once(airflow_stack: AirflowStack, backfill: BackfillResult) -> None:
    with airflow_stack.diagnosed():
        assert [as_datetime(run.logical_date).date().isoformat() for run in backfill.runs] == DATES
        assert {run.run_type for run in backfill.runs} == {"backfill"}
        assert len({run.backfill_id for run in backfill.runs}) == 1
        assert {run.run_id: run.state for run in backfill.runs} == {run.run_id: "success" for run in backfill.runs}
        assert len(backfill.task_instances) == 6 * len(DATES)
        failed = [(ti.run_id, ti.task_id, ti.state) for ti in backfill.task_instances if ti.state != "success"]
        assert failed == []

        # Runs active at once: from the runs' own start and end (the scheduler sets them when a run
        # leaves the queue and when it finishes), and from their tasks (first task start to last task end).
        concurrent_runs = max_overlap(
            [(as_datetime(run.start_date), as_datetime(run.end_date)) for run in backfill.runs]
        )
        spans: dict[str, tuple[datetime, datetime]] = {}
        for ti in backfill.task_instances:
            start, end = as_datetime(ti.start_date), as_datetime(ti.end_date)
            first, last = spans.get(ti.run_id, (start, end))
            spans[ti.run_id] = (min(first, start), max(last, end))
        concurrent_task_spans = max_overlap(list(spans.values()))
        # The writers of the shared key policy and of the shared EMR role policy, running at once.
        writers = {
            task_id: max_overlap(
                [
                    (as_datetime(ti.start_date), as_datetime(ti.end_date))
                    for ti in backfill.task_instances
                    if ti.task_id == task_id
                ]
            )
            for task_id in ("grant_kms_key_user", "allow_emr_role_to_assume")
        }
        print(
            f"max runs active at once: {concurrent_runs} (run start/end), {backfill.polled_max_running} (polled "
            f"states), {concurrent_task_spans} (task start/end); shared-policy writers at once: {writers}"
        )
        assert concurrent_runs == MAX_ACTIVE_RUNS  # at least three at once, and no more than the backfill allows
        assert backfill.polled_max_running <= MAX_ACTIVE_RUNS
        assert concurrent_task_spans == MAX_ACTIVE_RUNS
        # The lost-update check below means something only if writers of one document overlapped.
        assert min(writers.values()) >= 2


def test_each_run_launched_exactly_one_cluster(
    airflow_stack: AirflowStack, backfill: BackfillResult, seeded: Seeded
) -> None:
    emr_a = client(seeded.url, EMR_ACCOUNT, "emr")
    clusters = [
        emr_a.describe_cluster(ClusterId=summary["Id"])["Cluster"]
        for page in emr_a.get_paginator("list_clusters").paginate()
        for summary in page["Clusters"]
    ]
    clusters = [cluster for cluster in clusters if cluster["Name"].startswith("backfill-")]  # not the deferred DAG's
    with airflow_stack.diagnosed():
        assert len(clusters) == len(backfill.runs)
        for run in backfill.runs:
            ti = SimpleNamespace(dag_id=DAG_ID, run_id=run.run_id, task_id="launch_cluster", map_index=-1)
            dag_run = SimpleNamespace(start_date=as_datetime(run.start_date))  # the key's deployment part
            key = idempotency_key({"ti": ti, "dag_run": dag_run})  # type: ignore[typeddict-item]
            tagged = [c for c in clusters if {"Key": IDEMPOTENCY_TAG, "Value": key} in c["Tags"]]
            assert len(tagged) == 1, f"{run.run_id}: {len(tagged)} clusters with its idempotency key"
            (cluster,) = tagged
            partner = f"partner-{as_datetime(run.logical_date):%Y%m%d}"
            assert cluster["Name"] == f"backfill-{partner}"
            assert cluster["Status"]["State"] == "TERMINATED"
            assert cluster["SecurityConfiguration"].startswith(f"emrfs-xacct-{partner}-")


def test_shared_key_and_emr_role_hold_every_partner(
    airflow_stack: AirflowStack, backfill: BackfillResult, seeded: Seeded, seeded_emr_ec2_role: dict[str, Any]
) -> None:
    expected = sorted(role_arn(as_datetime(run.logical_date)) for run in backfill.runs)
    kms_b = client(seeded.url, DESTINATION_ACCOUNT, "kms")
    iam_a = client(seeded.url, EMR_ACCOUNT, "iam")
    iam_b = client(seeded.url, DESTINATION_ACCOUNT, "iam")
    key_policy = json.loads(kms_b.get_key_policy(KeyId=seeded.kms_key_arn, PolicyName="default")["Policy"])
    assume = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    with airflow_stack.diagnosed():
        # No lost update: the key-user statement and the assume-role policy name every partner's role.
        key_users = [s for s in key_policy["Statement"] if s.get("Sid") == KEY_USERS_SID]
        assert len(key_users) == 1
        assert sorted(key_users[0]["Principal"]["AWS"]) == expected
        assert len(assume["Statement"]) == 1
        assert sorted(assume["Statement"][0]["Resource"]) == expected
        # What the provider did not write is as seeded.
        assert [s for s in key_policy["Statement"] if s.get("Sid") != KEY_USERS_SID] == seeded.key_policy["Statement"]
        assert {k: v for k, v in key_policy.items() if k != "Statement"} == {
            k: v for k, v in seeded.key_policy.items() if k != "Statement"
        }
        assert sorted(iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]) == sorted(
            [ASSUME_POLICY_NAME, SEEDED_EMR_EC2_POLICY]
        )
        role = iam_a.get_role(RoleName=EMR_EC2_ROLE)["Role"]
        assert role["AssumeRolePolicyDocument"] == seeded_emr_ec2_role["trust"]
        own = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_EMR_EC2_POLICY)["PolicyDocument"]
        assert own == seeded_emr_ec2_role["policy"]
        # Each partner's destination role trusts the EMR EC2 role.
        for arn in expected:
            trust = iam_b.get_role(RoleName=arn.rsplit("/", 1)[1])["Role"]["AssumeRolePolicyDocument"]
            assert [s["Principal"]["AWS"] for s in trust["Statement"]] == [[seeded.emr_ec2_role_arn]]


#: How long a cluster of the deferred DAG stays STARTING, its step RUNNING and its termination
#: TERMINATING (AWS takes minutes for each: the states of ClusterStatus and StepStatus in the EMR API
#: reference). moto reaches the end state inside the call; then a trigger fires at its first poll,
#: within a second of the deferral, and Airflow 3.3 can fail the task: the scheduler handles the
#: trigger's event before the worker's report of the deferral, which then looks like a state changed
#: externally (apache/airflow issues 66374 and 72716). On a loaded machine the scheduler took 6 s to
#: handle that report.
EMR_TRANSITION_SECONDS = 20


def _young(since: Any) -> bool:
    return since is not None and (utcnow() - since).total_seconds() < EMR_TRANSITION_SECONDS


def _cluster_as_seen(cluster: Any) -> Any:
    """A young cluster still STARTING, a just-terminated one still TERMINATING."""
    shown = None
    if cluster.state in ("WAITING", "RUNNING") and _young(cluster.creation_datetime):
        shown = "STARTING"
    elif cluster.state == "TERMINATED" and _young(cluster.end_datetime):
        shown = "TERMINATING"
    if shown is None:
        return cluster
    seen = copy.copy(cluster)
    seen.state = shown
    return seen


def _step_as_seen(step: Any) -> Any:
    """A young completed step still RUNNING."""
    if step.state != "COMPLETED" or not _young(step.creation_date_time):
        return step
    seen = copy.copy(step)
    seen.state = "RUNNING"
    return seen


def _slow(cluster_id: str, backend: Any) -> bool:
    return str(backend.describe_cluster(cluster_id).name).startswith("deferred-")


def _describe_cluster(self: ElasticMapReduceResponse) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    return ActionResult({"Cluster": _cluster_as_seen(cluster) if _slow(cluster.id, self.backend) else cluster})


def _describe_step(self: ElasticMapReduceResponse) -> ActionResult:
    cluster_id = self._get_param("ClusterId")
    step = self.backend.describe_step(cluster_id, self._get_param("StepId"))
    return ActionResult({"Step": _step_as_seen(step) if step and _slow(cluster_id, self.backend) else step})


_MOTO_LIST_STEPS = ElasticMapReduceResponse.list_steps


def _list_steps(self: ElasticMapReduceResponse) -> PaginatedResult:
    cluster_id = self._get_param("ClusterId")
    if not _slow(cluster_id, self.backend):
        return _MOTO_LIST_STEPS(self)
    states = self._get_param("StepStates", [])
    steps = [_step_as_seen(s) for s in self.backend.list_steps(cluster_id, step_ids=self._get_param("StepIds", []))]
    return PaginatedResult({"Steps": [s for s in steps if not states or s.state in states]})


#: The answers of moto's EMR that :func:`emr_takes_time` replaces.
_SLOW_EMR_ANSWERS = {"describe_cluster": _describe_cluster, "describe_step": _describe_step, "list_steps": _list_steps}


@pytest.fixture(scope="module")
def emr_takes_time() -> Iterator[None]:
    """
    moto's EMR, as DescribeCluster, DescribeStep and ListSteps show it, takes :data:`EMR_TRANSITION_SECONDS` per transition.

    Only for the deferred DAG's clusters (named ``deferred-...``), and only in what those calls answer:
    moto's own state (what ListClusters and every other call see) is left as it is. moto serves from
    this process, so patching its response class here changes what the server answers.
    """
    originals = {name: getattr(ElasticMapReduceResponse, name) for name in _SLOW_EMR_ANSWERS}
    for name, method in _SLOW_EMR_ANSWERS.items():
        setattr(ElasticMapReduceResponse, name, method)
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(ElasticMapReduceResponse, name, method)


@dataclass
class DeferredRun:
    run: dict[str, Any]
    task_instances: dict[str, dict[str, Any]]
    #: Every state the API showed for each task while the run went on.
    states_seen: dict[str, set[str]]


def create_instance_role(seeded: Seeded, name: str) -> None:
    """An EC2 role with its instance profile (same name) in the EMR account, as a cluster's JobFlowRole."""
    iam_a = client(seeded.url, EMR_ACCOUNT, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam_a.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam_a.create_instance_profile(InstanceProfileName=name)
    iam_a.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


@dataclass
class DeferredWatch:
    """
    The deferred DAG's run, triggered; a thread of its own polls the API for its tasks' states.

    The thread starts with the run and polls every :data:`DEFERRED_POLL_SECONDS` until the run ends, whatever
    the test process does meanwhile: the backfill's set-up runs Airflow's CLI, which on a loaded machine took
    longer than a deferral lasts, and a watch polled only from the backfill's loop missed the launch's.
    """

    api: requests.Session
    base: str
    run_id: str
    #: Every state the API showed for each task while the run went on.
    states_seen: dict[str, set[str]] = field(default_factory=dict)
    instances: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] | None = None
    error: BaseException | None = None
    _thread: threading.Thread | None = None

    def poll(self) -> dict[str, Any] | None:
        """Read the run's task instances once; return the run when it has ended, else None."""
        instances = self.api.get(f"{self.base}/dagRuns/{self.run_id}/taskInstances", timeout=30).json()[
            "task_instances"
        ]
        for ti in instances:
            self.states_seen.setdefault(ti["task_id"], set()).add(str(ti["state"]))
        self.instances = instances
        run = self.api.get(f"{self.base}/dagRuns/{self.run_id}", timeout=30).json()
        return run if run["state"] in ("success", "failed") else None

    def start(self) -> None:
        """Poll in a daemon thread until the run ends or :data:`DEFERRED_RUN_TIMEOUT_SECONDS` pass."""

        def watch() -> None:
            deadline = time.monotonic() + DEFERRED_RUN_TIMEOUT_SECONDS
            try:
                while (run := self.poll()) is None and time.monotonic() < deadline:
                    time.sleep(DEFERRED_POLL_SECONDS)
                self.run = run
            except BaseException as error:  # handed to the test by wait()
                self.error = error

        self._thread = threading.Thread(target=watch, name=f"watch-{self.run_id}", daemon=True)
        self._thread.start()

    def wait(self, alive: Callable[[], None]) -> dict[str, Any]:
        """Return the ended run once the thread has seen it end; ``alive`` raises if the stack died meanwhile."""
        assert self._thread is not None
        while self._thread.is_alive():
            alive()
            self._thread.join(timeout=1)
        if self.error is not None:
            raise self.error
        if self.run is None:
            raise AssertionError(f"deferred run not finished after {DEFERRED_RUN_TIMEOUT_SECONDS} s")
        return self.run


@pytest.fixture(scope="module")
def deferred_watch(
    airflow_stack: AirflowStack, emr_takes_time: None, api: requests.Session, seeded: Seeded
) -> DeferredWatch:
    """
    One run of the deferred DAG, triggered through the REST API without a logical date.

    Its cluster's EC2 role is created first (the seeded one is the backfill's). Each of its waits lasts
    :data:`EMR_TRANSITION_SECONDS` or more, so polling every second (the backfill's loop) or faster
    (:func:`deferred_run`) sees each task deferred.
    """
    stack = airflow_stack
    create_instance_role(seeded, DEFERRED_EMR_EC2_ROLE)
    base = f"{stack.api_url}/api/v2/dags/{DEFERRED_DAG_ID}"
    with stack.diagnosed():
        api.patch(base, json={"is_paused": False}, timeout=30).raise_for_status()
        created = api.post(
            f"{base}/dagRuns", json={"logical_date": None, "conf": {"kms_key_arn": seeded.kms_key_arn}}, timeout=30
        )
        assert created.status_code == 200, created.text
    watch = DeferredWatch(requests.Session(), base, created.json()["dag_run_id"])
    watch.api.headers.update(api.headers)  # a session of its own: the thread polls beside the test's calls
    watch.start()
    return watch


@pytest.fixture(scope="module")
def deferred_run(airflow_stack: AirflowStack, deferred_watch: DeferredWatch) -> DeferredRun:
    """
    The deferred DAG's run (:func:`deferred_watch`), once it has ended.

    The API is polled for the run's task instances until the run ends; what the triggerer did is read
    from its logs afterwards.
    """
    stack, watch = airflow_stack, deferred_watch
    with stack.diagnosed():
        run = watch.wait(stack.assert_alive)
    print(f"deferred run {watch.run_id}: {run['state']}; states seen through the API: {watch.states_seen}")
    return DeferredRun(run, {ti["task_id"]: ti for ti in watch.instances}, watch.states_seen)


def trigger_logs(stack: AirflowStack, run_id: str, task_id: str) -> list[Path]:
    """The logs the triggerer wrote for a task's triggers (``<task log>.trigger.<trigger id>.log``)."""
    folder = stack.home / "logs" / f"dag_id={DEFERRED_DAG_ID}" / f"run_id={run_id}" / f"task_id={task_id}"
    return sorted(folder.glob("attempt=*.log.trigger.*.log"))


def test_deferred_tasks_wait_in_the_triggerer(
    airflow_stack: AirflowStack, deferred_run: DeferredRun, seeded: Seeded, api: requests.Session
) -> None:
    stack, run = airflow_stack, deferred_run.run
    with stack.diagnosed():
        # A run without a logical date (triggered through the API as the UI does) succeeds.
        assert run["logical_date"] is None
        assert run["state"] == "success", run
        assert {task: ti["state"] for task, ti in deferred_run.task_instances.items()} == dict.fromkeys(
            deferred_run.task_instances, "success"
        )
        for task_id in DEFERRED_TASKS:
            ti = deferred_run.task_instances[task_id]
            # The API showed the task deferred while its trigger waited.
            assert "deferred" in deferred_run.states_seen[task_id], deferred_run.states_seen
            # One try: the task deferred and resumed (a deferral is not a retry).
            assert ti["try_number"] == 1, ti
            # The triggerer ran the task's trigger and it fired: the trigger's log, beside the task's.
            logs = trigger_logs(stack, run["dag_run_id"], task_id)
            assert logs, f"no trigger log for {task_id}: it never deferred, or no triggerer ran its trigger"
            events = [json.loads(line)["event"] for path in logs for line in path.read_text().splitlines()]
            assert "Trigger fired event" in events, events
            # It polled AWS while the cluster or step was not there yet ("... in progress: STARTING",
            # "Steps are still in non-terminal state"), then fired.
            waiting = [e for e in events if "in progress" in e or "non-terminal" in e]
            assert waiting, events
            assert events.index(waiting[0]) < events.index("Trigger fired event"), events
        emr_a = client(seeded.url, EMR_ACCOUNT, "emr")
        clusters = [
            emr_a.describe_cluster(ClusterId=summary["Id"])["Cluster"]
            for page in emr_a.get_paginator("list_clusters").paginate()
            for summary in page["Clusters"]
        ]
        launched = [c for c in clusters if c["Name"] == f"deferred-{run['dag_run_id']}"]
        assert len(launched) == 1, launched
        (cluster,) = launched
        assert cluster["Status"]["State"] == "TERMINATED"
        assert cluster["SecurityConfiguration"].startswith("emrfs-xacct-deferred-")
        steps = emr_a.list_steps(ClusterId=cluster["Id"])["Steps"]
        assert sorted((step["Name"], step["Status"]["State"]) for step in steps) == [
            ("emrfs-xacct-probe", "COMPLETED"),
            ("write-results", "COMPLETED"),
        ]
        # The verifier's probe went through the stand-in's EMRFS routing and its object was checked.
        verified = api.get(
            f"{stack.api_url}/api/v2/dags/{DEFERRED_DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/"
            "verify_cross_account_access/xcomEntries/report",
            timeout=30,
        )
        assert verified.status_code == 200, verified.text
        report = verified.json()["value"]
        report = json.loads(report) if isinstance(report, str) else report
        assert report["verdict"] == "PASS", report
        assert report["probe"]["ok"] is True, report["probe"]


# ---------------------------------------------------------------------------------------------------
# Through the API server, as the UI does: runs without a logical date, Extra Links, teardown, assets.
# These run after the backfill's tests above (the ``ui_runs`` fixture depends on ``backfill``), which
# count the clusters and partners in moto: the runs below add one partner and two clusters.
# ---------------------------------------------------------------------------------------------------

UI_DAG_ID = "emrfs_xacct_ui_test"  # backfill_dags/emrfs_xacct_ui_dag.py
UI_PARTNER = "ui-partner"
UI_GROUP = "partner_ui_partner"
CONSOLE = "https://console.aws.amazon.com"


@pytest.fixture(scope="module")
def api(airflow_stack: AirflowStack) -> requests.Session:
    """A session on the public REST API, signed in as the simple auth manager's generated admin."""
    passwords = json.loads((airflow_stack.home / "simple_auth_manager_passwords.json.generated").read_text())
    user, password = next(iter(passwords.items()))
    response = requests.post(
        f"{airflow_stack.api_url}/auth/token", json={"username": user, "password": password}, timeout=30
    )
    response.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


@dataclass
class UiRuns:
    ok: dict[str, Any]
    failing: dict[str, Any]


@pytest.fixture(scope="module")
def ui_runs(airflow_stack: AirflowStack, backfill: BackfillResult, seeded: Seeded, api: requests.Session) -> UiRuns:
    """Two runs of the UI test DAG triggered through the REST API with ``logical_date`` null, one failing."""
    stack = airflow_stack
    base = f"{stack.api_url}/api/v2/dags/{UI_DAG_ID}"
    with stack.diagnosed():
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not stack.query("SELECT 1 FROM serialized_dag WHERE dag_id = :d", d=UI_DAG_ID):
            assert time.monotonic() < deadline, f"{UI_DAG_ID} not parsed after {STARTUP_TIMEOUT_SECONDS} s"
            time.sleep(2)
        api.patch(base, json={"is_paused": False}, timeout=30).raise_for_status()
        run_ids = {}
        for name, fail in (("ok", False), ("failing", True)):
            body: dict[str, Any] = {
                "logical_date": None,
                "conf": {"kms_key_arn": seeded.kms_key_arn, "fail_check": fail},
            }
            response = api.post(f"{base}/dagRuns", json=body, timeout=30)
            assert response.status_code == 200, response.text
            run_ids[name] = response.json()["dag_run_id"]
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while True:
            stack.assert_alive()
            runs = {name: api.get(f"{base}/dagRuns/{run_id}", timeout=30).json() for name, run_id in run_ids.items()}
            if all(run["state"] in ("success", "failed") for run in runs.values()):
                break
            states = {name: run["state"] for name, run in runs.items()}
            assert time.monotonic() < deadline, f"runs not finished after {RUN_TIMEOUT_SECONDS} s: {states}"
            time.sleep(2)
    return UiRuns(ok=runs["ok"], failing=runs["failing"])


def task_states(api: requests.Session, stack: AirflowStack, run_id: str) -> dict[str, str]:
    url = f"{stack.api_url}/api/v2/dags/{UI_DAG_ID}/dagRuns/{run_id}/taskInstances"
    return {ti["task_id"]: ti["state"] for ti in api.get(url, timeout=30).json()["task_instances"]}


def extra_links(api: requests.Session, stack: AirflowStack, run_id: str, task_id: str) -> dict[str, str | None]:
    url = f"{stack.api_url}/api/v2/dags/{UI_DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/links"
    response = api.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json()["extra_links"])


def ui_cluster(seeded: Seeded, run_id: str) -> dict[str, Any]:
    """The one cluster of the UI test DAG tagged with ``run_id``."""
    emr = client(seeded.url, EMR_ACCOUNT, "emr")
    ours = [
        emr.describe_cluster(ClusterId=summary["Id"])["Cluster"]
        for summary in emr.list_clusters()["Clusters"]
        if summary["Name"].startswith(f"ui-{UI_PARTNER}-")
    ]
    (cluster,) = [c for c in ours if {"Key": "run_id", "Value": run_id} in c["Tags"]]
    return cluster


def test_a_run_triggered_without_a_logical_date_succeeds(
    airflow_stack: AirflowStack, ui_runs: UiRuns, api: requests.Session, seeded: Seeded
) -> None:
    run = ui_runs.ok
    with airflow_stack.diagnosed():
        assert run["logical_date"] is None
        assert run["run_type"] == "manual"
        assert run["state"] == "success", task_states(api, airflow_stack, run["dag_run_id"])
        assert set(task_states(api, airflow_stack, run["dag_run_id"]).values()) == {"success"}
        # The names come from run_after: the cluster is named after it and tagged with the run id.
        cluster = ui_cluster(seeded, run["dag_run_id"])
        stamp = datetime.fromisoformat(run["run_after"].replace("Z", "+00:00")).strftime("%Y%m%dT%H%M%S")
        assert cluster["Name"] == f"ui-{UI_PARTNER}-{stamp}"
        assert cluster["Status"]["State"] == "TERMINATED"  # by the teardown


def test_extra_links_through_the_api_server(
    airflow_stack: AirflowStack, ui_runs: UiRuns, api: requests.Session, seeded: Seeded
) -> None:
    run_id = ui_runs.ok["dag_run_id"]
    region = "us-east-1"
    key_id = seeded.kms_key_arn.rsplit("/", 1)[1]
    security_configurations = f"{CONSOLE}/emr/home?region={region}#/securityConfigs"
    with airflow_stack.diagnosed():
        assert extra_links(api, airflow_stack, run_id, f"{UI_GROUP}.ensure_destination_role") == {
            "IAM Destination Role": f"{CONSOLE}/iam/home#/roles/details/emrfs-{UI_PARTNER}-writer",
            "S3 Destination Prefix": f"{CONSOLE}/s3/buckets/{seeded.bucket}?region={region}"
            f"&prefix={UI_PARTNER}/&showversions=false",
        }
        assert extra_links(api, airflow_stack, run_id, f"{UI_GROUP}.grant_kms_key_user") == {
            "KMS Key": f"{CONSOLE}/kms/home?region={region}#/kms/keys/{key_id}"
        }
        assert extra_links(api, airflow_stack, run_id, f"{UI_GROUP}.create_security_configuration") == {
            "EMR Security Configurations": security_configurations
        }
        launch = extra_links(api, airflow_stack, run_id, "launch_cluster")
        assert launch["EMR Security Configurations"] == security_configurations
        assert str(launch["EMR Cluster"]).startswith(f"{CONSOLE}/emr/home?region={region}#/clusterDetails/j-")


def test_a_failing_middle_task_fails_the_run_and_the_teardown_still_terminates(
    airflow_stack: AirflowStack, ui_runs: UiRuns, api: requests.Session, seeded: Seeded
) -> None:
    run = ui_runs.failing
    with airflow_stack.diagnosed():
        states = task_states(api, airflow_stack, run["dag_run_id"])
        assert run["logical_date"] is None
        assert states["check_results"] == "failed"
        assert states["terminate_cluster"] == "success"
        assert run["state"] == "failed"  # the teardown's success does not make the run a success
        assert ui_cluster(seeded, run["dag_run_id"])["Status"]["State"] == "TERMINATED"


def test_the_writing_task_emits_its_asset_event(airflow_stack: AirflowStack, ui_runs: UiRuns) -> None:
    prefix = f"s3://partner-results-b/{UI_PARTNER}/"
    with airflow_stack.diagnosed():
        events = airflow_stack.query(
            "SELECT a.name, e.source_task_id, e.source_run_id FROM asset_event e JOIN asset a ON a.id = e.asset_id "
            "WHERE e.source_dag_id = :d ORDER BY e.source_run_id",
            d=UI_DAG_ID,
        )
        # Both runs wrote (the failing one failed after the write), so both emitted the prefix's event.
        assert sorted((event.name, event.source_task_id, event.source_run_id) for event in events) == sorted(
            (prefix, "write_results", run["dag_run_id"]) for run in (ui_runs.ok, ui_runs.failing)
        )
