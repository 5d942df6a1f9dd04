"""
Concurrent runs of the whole chain against one moto server, through a proxy that adds AWS's round trip.

KMS ``PutKeyPolicy`` and IAM ``PutRolePolicy`` replace the whole document and have no conditional
write, so concurrent runs that share a key or the EMR EC2 role can lose one another's change
(DESIGN.md, sections 4 and 5). moto answers in a couple of milliseconds and threads in one process
share one interpreter, so locally the race hides; here the runs are

- separate processes (forked from a fork server that imported Airflow once; each builds its own
  operators, hooks, sessions and clients), released together by a barrier once all are ready, and
- sent through :class:`~devstack.fault_proxy.FaultProxy` with a 50-100 ms round trip per call, so
  that the reads of concurrent writers really do come before one another's writes.

Verdicts depend on no timing: they are about the final documents (who is in them, what else is in
them). The processes are started once for the module and each job builds everything anew, so a
round shares nothing with the one before but the imported modules.

A naive read-modify-write (read, merge with the provider's own pure merge functions, write; no
wait, no read-back) is run once under the same setup and must lose updates: the check can see the bug.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.merge import (
    find_statement,
    merged_principals,
    merged_resources,
    parse_document,
    upsert_statement,
)
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    KEY_ADMIN_ARN,
    REGION,
    MotoStack,
    Seeded,
    airflow_environment,
    client,
    create_principals,
)
from devstack.testing import RecordingTaskInstance, small_cluster
from tests.conftest import use_connections

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: Concurrent runs per scenario (and worker processes).
RUNS = 16
#: Rounds of the many-partners scenario; each starts from a reset and reseeded moto. make test runs
#: the first; the others are marked perf (make bench runs them).
ROUNDS = 3
#: The proxy's round trip per call, drawn anew for every request (like AWS's 50-100 ms).
LATENCY_RANGE = (0.05, 0.10)
#: How long a writer waits after its write before reading back (``settle_seconds``). The protocol
#: needs every writer's read-to-write window (its read reaching moto to its write reaching moto) to
#: be shorter than this, with room to spare (see ``converge``). Through the proxy a window is one
#: round trip (50-100 ms) plus the writer's CPU time between the two calls. Measured by the writers
#: (read sent to write answered: an upper bound), with 16 writer processes on this 2-core machine
#: and other suites running: median 0.20-0.25 s, worst 0.25-0.35 s. 1.5 s is about five times the
#: worst, so that a process the scheduler stalls for a second still finishes inside the wait; the
#: windows are reported, and named in any failure message. (The operators' default, 1 s, passes
#: too; the extra half second costs about 15 s over the file.)
SETTLE_SECONDS = 1.5
#: Barrier and result time limits: long enough for 16 processes to import Airflow on 2 busy cores.
READY_TIMEOUT = 300.0
JOB_TIMEOUT = 300.0

EMR_EC2_ROLE_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
SEEDED_EMR_POLICY = "emr-ec2-own-bucket-access"
CONCURRENCY_DAG = "emrfs_xacct_concurrency"


# Partners ----------------------------------------------------------------------------------------


def role_name(partner: int) -> str:
    return f"partner-{partner:02d}-writer"


def role_arn(partner: int) -> str:
    return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{role_name(partner)}"


def prefix(partner: int) -> str:
    return f"s3://{BUCKET}/partner-{partner:02d}/"


# Jobs: what one run does, in a worker process or a thread -------------------------------------


@dataclass(frozen=True)
class Job:
    """
    One run, as sent to a worker (picklable).

    :param kind: ``chain`` (the five operators in order), ``shared`` (only the two that write
        documents all partners share: the key policy and the EMR EC2 role's inline policy), ``naive``
        (read, merge, write those two without the protocol) or ``ready`` (load everything and answer).
    :param url: the URL the connections point at (the proxy's).
    """

    kind: str
    partner: int = 0
    run_id: str = ""
    url: str = ""
    key_arn: str = ""
    settle_seconds: float = SETTLE_SECONDS


@dataclass
class Outcome:
    """What a run returns to the test."""

    partner: int
    run_id: str
    error: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    #: ``PutKeyPolicy`` / ``PutRolePolicy`` (on the EMR EC2 role) calls the run sent.
    key_writes: int = 0
    assume_writes: int = 0
    #: Seconds from sending a read of a shared document to the answer of the write that followed it,
    #: measured by the writer: an upper bound of the window the protocol must outlast.
    windows: list[float] = field(default_factory=list)
    #: Every mutating call the run sent (``CreateRole``, ``PutKeyPolicy``, ``RunJobFlow`` …).
    mutating: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _WindowMeter:
    """Measures read-to-write windows on a botocore client through its event system."""

    def __init__(self, outcome: Outcome, client: Any, service: str, read: str, write: str, counter: str) -> None:
        self.outcome, self.counter, self.read_sent = outcome, counter, 0.0
        client.meta.events.register(f"before-call.{service}.{read}", self._read)
        client.meta.events.register(f"after-call.{service}.{write}", self._written)

    def _read(self, **_: Any) -> None:
        self.read_sent = time.monotonic()

    def _written(self, **_: Any) -> None:
        self.outcome.windows.append(time.monotonic() - self.read_sent)
        setattr(self.outcome, self.counter, getattr(self.outcome, self.counter) + 1)


def _count_mutating(outcome: Outcome, operation: str) -> None:
    if not operation.startswith(("Get", "List", "Describe", "Head")):
        outcome.mutating.append(operation)


def _context(job: Job, task_id: str) -> dict[str, Any]:
    ti = RecordingTaskInstance(dag_id=CONCURRENCY_DAG, run_id=job.run_id, task_id=task_id)
    return {"ti": ti, "task_instance": ti}


def _prepare_chain(job: Job, outcome: Outcome) -> Callable[[], None]:
    """Build the run's operators and their clients; return what runs them in order."""
    from airflow_provider_emrfs_xacct.operators.emr import (
        CreateEmrfsSecurityConfigOperator,
        LaunchClusterWithSecConfigOperator,
    )
    from airflow_provider_emrfs_xacct.operators.iam import (
        AttachAssumeRolePolicyOperator,
        EnsureDestinationRoleOperator,
    )
    from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator

    partner, settle = job.partner, job.settle_seconds
    destination = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name=role_name(partner),
        trusted_role_arns=[EMR_EC2_ROLE_ARN],
        s3_prefixes=[prefix(partner)],
        kms_key_arns=[job.key_arn],
        settle_seconds=settle,
    )
    grant = GrantKmsKeyUserOperator(
        task_id="grant_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn=job.key_arn,
        principal_arns=[role_arn(partner)],
        settle_seconds=settle,
    )
    assume = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        destination_role_arns=[role_arn(partner)],
        settle_seconds=settle,
    )
    security_configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=f"emrfs-xacct-partner-{partner:02d}",
        role_mappings=[{"Role": role_arn(partner), "IdentifierType": "Prefix", "Identifiers": [prefix(partner)]}],
        settle_seconds=settle,
    )
    launch = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=None,  # the security configuration step's XCom, set below
        job_flow_overrides=small_cluster(f"partner-{partner:02d}-export"),
    )
    steps: list[tuple[str, Any]] = [
        ("role_arn", destination),
        ("key_arn", grant),
        ("policy_name", assume),
        ("security_configuration", security_configuration),
        ("cluster_id", launch),
    ]
    if job.kind == "shared":
        steps = steps[1:3]
    # Build every client now (each assumes its connection's role through STS), so that the runs,
    # released together, start their AWS calls together instead of one after another.
    clients = [operator.hook.conn for _, operator in steps]
    if job.kind == "chain":
        clients.append(launch.hook.client_sending_once)
    for built in clients:
        built.meta.events.register("before-call", lambda model, **_: _count_mutating(outcome, model.name))
    _WindowMeter(outcome, grant.hook.conn, "kms", "GetKeyPolicy", "PutKeyPolicy", "key_writes")
    _WindowMeter(outcome, assume.hook.conn, "iam", "GetRolePolicy", "PutRolePolicy", "assume_writes")

    def run() -> None:
        for output, operator in steps:
            if operator is launch:  # the security configuration's name, as its XCom would pass it
                launch.security_configuration = outcome.outputs["security_configuration"]
            outcome.outputs[output] = operator.execute(_context(job, operator.task_id))

    return run


def _prepare_naive(job: Job, outcome: Outcome) -> Callable[[], None]:
    """
    The bug the protocol exists to prevent: read, merge, write once, trust the write.

    The merge is the provider's own (pure) one; only the settle-and-read-back is missing.
    """
    kms = client(job.url, DESTINATION_ACCOUNT, "kms")
    iam = client(job.url, EMR_ACCOUNT, "iam")
    _WindowMeter(outcome, kms, "kms", "GetKeyPolicy", "PutKeyPolicy", "key_writes")
    _WindowMeter(outcome, iam, "iam", "GetRolePolicy", "PutRolePolicy", "assume_writes")
    arn = role_arn(job.partner)

    def run() -> None:
        current = parse_document(kms.get_key_policy(KeyId=job.key_arn, PolicyName="default")["Policy"])
        statement = documents.key_users_statement(merged_principals(current, documents.KEY_USERS_SID, [arn]))
        kms.put_key_policy(
            KeyId=job.key_arn, PolicyName="default", Policy=json.dumps(upsert_statement(current, statement))
        )
        try:
            answer = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME)
            current = parse_document(answer["PolicyDocument"])
        except iam.exceptions.NoSuchEntityException:
            current = None
        resources = merged_resources(current, documents.ASSUME_SID, [arn])
        [statement] = documents.assume_role_policy(resources)["Statement"]
        iam.put_role_policy(
            RoleName=EMR_EC2_ROLE,
            PolicyName=documents.ASSUME_POLICY_NAME,
            PolicyDocument=json.dumps(upsert_statement(current, statement)),
        )

    return run


def run_job(job: Job, release: Callable[[], Any]) -> Outcome:
    """Prepare the run, wait at ``release`` for all the others, then run it; never raises."""
    outcome = Outcome(partner=job.partner, run_id=job.run_id)
    run: Callable[[], None] | None = None
    try:
        if job.kind in ("chain", "shared"):
            run = _prepare_chain(job, outcome)
        elif job.kind == "naive":
            run = _prepare_naive(job, outcome)
    except Exception:
        outcome.error = "preparing: " + traceback.format_exc()
    if job.kind == "ready":
        return outcome
    try:
        release()  # even after a failed preparation, so that the other runs are not held back
    except Exception:  # threading.BrokenBarrierError: another run never came
        outcome.error = (outcome.error or "") + "released: " + traceback.format_exc()
        return outcome
    started = time.monotonic()
    if run is not None:
        try:
            run()
        except Exception:
            outcome.error = traceback.format_exc()
    outcome.seconds = time.monotonic() - started
    return outcome


def prepare_writer_process() -> None:
    """
    Load once what every writer process needs: the operators, and botocore's models.

    Run by the fork server (see ``_concurrency_preload``), so that the workers it forks start warm;
    ``tests.conftest`` makes every botocore session share one loader, so the models stay loaded.
    """
    import airflow_provider_emrfs_xacct.operators.emr
    import airflow_provider_emrfs_xacct.operators.iam
    import airflow_provider_emrfs_xacct.operators.kms  # noqa: F401

    session = boto3.session.Session(aws_access_key_id="warm", aws_secret_access_key="up", region_name=REGION)
    for service in ("sts", "iam", "kms", "emr"):
        session.client(service, endpoint_url="http://127.0.0.1:9")  # loads the models; sends nothing


def _worker(index: int, inbox: Any, outbox: Any, barrier: Any) -> None:
    """A worker process: run each job it is sent, released together with the others by ``barrier``."""
    prepare_writer_process()  # nothing left to do when the fork server preloaded it
    while (job := inbox.get()) is not None:
        # The connections point at this job's proxy; Airflow reads them from the environment.
        os.environ.update(airflow_environment(job.url) if job.url else {})
        outcome = run_job(job, lambda: barrier.wait(READY_TIMEOUT))
        outbox.put((index, outcome))


class WorkerProcesses:
    """Worker processes forked from a fork server, started once, each running one job per batch."""

    def __init__(self, count: int) -> None:
        # Not "fork": this process runs moto's and the proxy's threads. Not "spawn" either: 16
        # processes each importing Airflow take minutes of CPU on two cores. The fork server is a
        # fresh single-threaded interpreter that imports Airflow and the provider once (preload) and
        # forks each worker from that, as Airflow's LocalExecutor and Celery workers fork task
        # processes from a parent that has Airflow imported. Each worker builds its own operators,
        # hooks, botocore sessions and STS credentials.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([f"{__package__}._concurrency_preload"])
        self.barrier = context.Barrier(count)
        self.outbox = context.Queue()
        self.inboxes = [context.Queue() for _ in range(count)]
        self.processes = [
            context.Process(target=_worker, args=(index, inbox, self.outbox, self.barrier), daemon=True)
            for index, inbox in enumerate(self.inboxes)
        ]

    def start(self) -> float:
        """Start the workers and wait until every one has imported Airflow and the provider; return seconds."""
        started = time.monotonic()
        for process in self.processes:
            process.start()
        outcomes = self.run([Job(kind="ready") for _ in self.processes])
        assert [outcome.error for outcome in outcomes] == [None] * len(outcomes)
        return time.monotonic() - started

    def run(self, jobs: list[Job]) -> list[Outcome]:
        """Give job *i* to worker *i*; return the outcomes in the jobs' order."""
        assert len(jobs) == len(self.processes)
        self.barrier.reset()  # nobody waits at it between batches; undoes a batch that broke it
        for inbox, job in zip(self.inboxes, jobs, strict=True):
            inbox.put(job)
        outcomes: dict[int, Outcome] = {}
        deadline = time.monotonic() + JOB_TIMEOUT
        while len(outcomes) < len(jobs):
            dead = [process.pid for process in self.processes if not process.is_alive()]
            assert not dead, f"worker processes {dead} died"
            try:
                index, outcome = self.outbox.get(timeout=min(5.0, max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                assert time.monotonic() < deadline, f"only {len(outcomes)} of {len(jobs)} runs answered"
                continue
            outcomes[index] = outcome
        return [outcomes[index] for index in range(len(jobs))]

    def stop(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def run_in_threads(jobs: list[Job]) -> list[Outcome]:
    """Run the jobs in threads of this process, released together."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Outcome | None] = [None] * len(jobs)

    def target(index: int) -> None:
        outcomes[index] = run_job(jobs[index], lambda: barrier.wait(READY_TIMEOUT))

    threads = [threading.Thread(target=target, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOB_TIMEOUT)
    assert all(outcome is not None for outcome in outcomes), "a thread did not finish"
    return [outcome for outcome in outcomes if outcome is not None]


# Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy(moto_stack: MotoStack) -> Iterator[FaultProxy]:
    with FaultProxy(moto_stack.url, latency_seconds=LATENCY_RANGE) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def workers() -> Iterator[WorkerProcesses]:
    pool = WorkerProcesses(RUNS)
    try:
        seconds = pool.start()
        print(f"\n{RUNS} worker processes ready in {seconds:.1f} s")
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def via_proxy(aws: Seeded, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """Seeded moto (directly, quickly), with this process's connections pointing at the proxy."""
    use_connections(monkeypatch, proxy.url)
    return aws


# Reading the end state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the provider must leave as it is, read right after seeding."""

    key_policy: dict[str, Any]
    emr_role_trust: dict[str, Any]
    emr_role_policy: dict[str, Any]


def snapshot(aws: Seeded) -> Snapshot:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    return Snapshot(
        key_policy=json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]),
        emr_role_trust=parse_document(iam.get_role(RoleName=EMR_EC2_ROLE)["Role"]["AssumeRolePolicyDocument"]) or {},
        emr_role_policy=parse_document(
            iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_EMR_POLICY)["PolicyDocument"]
        )
        or {},
    )


def key_users(aws: Seeded, before: Snapshot) -> list[str]:
    """Return the principals of the provider's key-policy statement, after checking the rest is intact."""
    policy = json.loads(
        client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")[
            "Policy"
        ]
    )
    ours = [statement for statement in policy["Statement"] if statement.get("Sid") == documents.KEY_USERS_SID]
    others = [statement for statement in policy["Statement"] if statement.get("Sid") != documents.KEY_USERS_SID]
    assert others == before.key_policy["Statement"], "a key-policy statement the provider did not write changed"
    assert {key: value for key, value in policy.items() if key != "Statement"} == {
        key: value for key, value in before.key_policy.items() if key != "Statement"
    }
    assert len(ours) == 1
    assert ours[0]["Effect"] == "Allow"
    assert set(as_list(ours[0]["Action"])) == set(documents.KEY_USER_ACTIONS)
    return [str(arn) for arn in as_list(ours[0]["Principal"]["AWS"])]


def assumable_roles(aws: Seeded, before: Snapshot) -> list[str]:
    """Return the roles the EMR EC2 role may assume, after checking its other policies are intact."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    role = iam.get_role(RoleName=EMR_EC2_ROLE)["Role"]
    assert parse_document(role["AssumeRolePolicyDocument"]) == before.emr_role_trust
    assert sorted(iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]) == sorted(
        [SEEDED_EMR_POLICY, documents.ASSUME_POLICY_NAME]
    )
    seeded = iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_EMR_POLICY)["PolicyDocument"]
    assert parse_document(seeded) == before.emr_role_policy, "the EMR role's own inline policy changed"
    policy = parse_document(
        iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=documents.ASSUME_POLICY_NAME)["PolicyDocument"]
    )
    assert policy is not None
    assert len(as_list(policy["Statement"])) == 1
    statement = find_statement(policy, documents.ASSUME_SID)
    assert statement is not None
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["sts:AssumeRole"]
    return [str(arn) for arn in as_list(statement["Resource"])]


def security_configuration_names() -> list[str]:
    """
    Return the names of the EMR account's security configurations, read from moto's own state.

    The server runs in this process; moto does not implement ``ListSecurityConfigurations``.
    """
    from moto.emr.models import emr_backends

    return sorted(emr_backends[EMR_ACCOUNT][REGION].security_configurations)


def failures(outcomes: list[Outcome]) -> list[str]:
    return [f"run {outcome.run_id}: {outcome.error}" for outcome in outcomes if outcome.error]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def describe(outcomes: list[Outcome]) -> str:
    windows = [window for outcome in outcomes for window in outcome.windows]
    calls = Counter(name for outcome in outcomes for name in outcome.mutating)
    return (
        f"mutating calls {dict(sorted(calls.items()))}; "
        f"writes PutKeyPolicy={sum(o.key_writes for o in outcomes)} (at most {max(o.key_writes for o in outcomes)} "
        f"by one run), PutRolePolicy={sum(o.assume_writes for o in outcomes)} "
        f"(at most {max(o.assume_writes for o in outcomes)}), "
        f"read-to-write windows median {percentile(windows, 0.5):.3f} s, 95th percentile "
        f"{percentile(windows, 0.95):.3f} s, max {percentile(windows, 1.0):.3f} s (settle_seconds {SETTLE_SECONDS}), "
        f"slowest run {max(o.seconds for o in outcomes):.1f} s"
    )


# 1. Concurrency, same partner --------------------------------------------------------------------


def check_same_partner(aws: Seeded, before: Snapshot, outcomes: list[Outcome]) -> None:
    assert failures(outcomes) == []
    arn = role_arn(0)
    for name in ("role_arn", "key_arn", "policy_name", "security_configuration"):
        assert len({outcome.outputs[name] for outcome in outcomes}) == 1, name
    assert outcomes[0].outputs["role_arn"] == arn
    assert outcomes[0].outputs["key_arn"] == aws.kms_key_arn
    assert outcomes[0].outputs["policy_name"] == documents.ASSUME_POLICY_NAME

    # One destination role (beside the seeded key administrators' role), trusting the EMR EC2 role once,
    # with one permissions policy.
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    key_admin = KEY_ADMIN_ARN.rsplit("/", 1)[1]
    assert sorted(role["RoleName"] for role in iam_b.list_roles()["Roles"]) == sorted([key_admin, role_name(0)])
    trust = parse_document(iam_b.get_role(RoleName=role_name(0))["Role"]["AssumeRolePolicyDocument"])
    [trust_statement] = as_list(trust["Statement"])  # type: ignore[index]
    assert as_list(trust_statement["Principal"]["AWS"]) == [EMR_EC2_ROLE_ARN]
    assert iam_b.list_role_policies(RoleName=role_name(0))["PolicyNames"] == [documents.DESTINATION_POLICY_NAME]

    # The shared documents hold the principal exactly once, and everything else as seeded.
    assert key_users(aws, before) == [arn]
    assert assumable_roles(aws, before) == [arn]

    # One security configuration; one cluster per run (each run is another task instance), each
    # launched with it and tagged with its own run's idempotency key.
    [name] = security_configuration_names()
    assert outcomes[0].outputs["security_configuration"] == name
    clusters = {outcome.outputs["cluster_id"] for outcome in outcomes}
    assert len(clusters) == RUNS
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    listed = emr.list_clusters()["Clusters"]
    assert {cluster["Id"] for cluster in listed} == clusters
    keys = set()
    for cluster_id in clusters:
        cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        assert cluster["SecurityConfiguration"] == name
        keys |= {tag["Value"] for tag in cluster["Tags"] if tag["Key"] == "emrfs-xacct:idempotency-key"}
    assert len(keys) == RUNS


def same_partner_jobs(aws: Seeded, proxy: FaultProxy) -> list[Job]:
    return [
        Job(kind="chain", partner=0, run_id=f"manual__same-partner-{run:02d}", url=proxy.url, key_arn=aws.kms_key_arn)
        for run in range(RUNS)
    ]


def test_same_partner_in_threads(via_proxy: Seeded, proxy: FaultProxy) -> None:
    before = snapshot(via_proxy)

    outcomes = run_in_threads(same_partner_jobs(via_proxy, proxy))

    print(f"\nsame partner, {RUNS} threads: {describe(outcomes)}")
    check_same_partner(via_proxy, before, outcomes)


def test_same_partner_in_processes(via_proxy: Seeded, proxy: FaultProxy, workers: WorkerProcesses) -> None:
    before = snapshot(via_proxy)

    outcomes = workers.run(same_partner_jobs(via_proxy, proxy))

    print(f"\nsame partner, {RUNS} processes: {describe(outcomes)}")
    check_same_partner(via_proxy, before, outcomes)


# 2. Concurrency, many partners sharing the key and the EMR EC2 role -------------------------------
#
# Each run is the part of a partner's chain that writes the shared documents: GrantKmsKeyUser, then
# AttachAssumeRolePolicy. The other three operators write only the partner's own role, security
# configuration and cluster (test 1 races those); run first, they would only spread the writers out
# in time (the destination role alone settles twice) and so weaken the race on the shared documents.
# Released at the barrier, the 16 runs hit the key policy at once: the same timing as the naive run.


def create_partner_roles(aws: Seeded) -> None:
    """The partners' destination roles, which these runs name in the key policy (KMS refuses roles that do not exist)."""
    create_principals(aws.url, *(role_arn(partner) for partner in range(RUNS)))


def many_partner_jobs(aws: Seeded, proxy: FaultProxy, kind: str, round_: int) -> list[Job]:
    return [
        Job(kind=kind, partner=partner, run_id=f"manual__round-{round_}", url=proxy.url, key_arn=aws.kms_key_arn)
        for partner in range(RUNS)
    ]


@pytest.mark.parametrize(
    "round_", [round_ if round_ == 0 else pytest.param(round_, marks=pytest.mark.perf) for round_ in range(ROUNDS)]
)
def test_many_partners_lose_no_update(
    via_proxy: Seeded, proxy: FaultProxy, workers: WorkerProcesses, round_: int
) -> None:
    create_partner_roles(via_proxy)
    before = snapshot(via_proxy)

    outcomes = workers.run(many_partner_jobs(via_proxy, proxy, "shared", round_))

    users, assumable = key_users(via_proxy, before), assumable_roles(via_proxy, before)
    print(
        f"\nmany partners, round {round_}: {len(set(users))}/{RUNS} key users, "
        f"{len(set(assumable))}/{RUNS} assumable roles; {describe(outcomes)}"
    )
    assert failures(outcomes) == []
    everyone = sorted(role_arn(partner) for partner in range(RUNS))
    assert sorted(users) == everyone, describe(outcomes)
    assert sorted(assumable) == everyone, describe(outcomes)
    assert {outcome.outputs["key_arn"] for outcome in outcomes} == {via_proxy.kms_key_arn}
    assert {outcome.outputs["policy_name"] for outcome in outcomes} == {documents.ASSUME_POLICY_NAME}


def test_naive_read_modify_write_loses_updates(via_proxy: Seeded, proxy: FaultProxy, workers: WorkerProcesses) -> None:
    """Without the settle-and-read-back, the same setup loses most updates: the checks above can fail."""
    create_partner_roles(via_proxy)
    before = snapshot(via_proxy)

    outcomes = workers.run(many_partner_jobs(via_proxy, proxy, "naive", 0))

    assert failures(outcomes) == []
    users, assumable = key_users(via_proxy, before), assumable_roles(via_proxy, before)
    print(
        f"\nnaive read-modify-write: {len(set(users))}/{RUNS} key users, "
        f"{len(set(assumable))}/{RUNS} assumable roles; {describe(outcomes)}"
    )
    assert len(set(users)) < RUNS
    assert len(set(assumable)) < RUNS
    # Still, nothing it did not write was touched (the merge is right; only the protocol is missing).
    assert set(users) <= {role_arn(partner) for partner in range(RUNS)}
