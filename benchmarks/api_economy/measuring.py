"""
Measuring: each round runs both contenders' chains (first run, then steady state) with every call recorded.

Both contenders build their clients before the timed part (:meth:`Contender.setup`, timed apart);
the chains then alternate one by one, with the garbage collector paused as ``timeit`` does. Calls are
recorded by ``devstack.testing.CallRecorder`` (every botocore client of the process, once per API
call: botocore's retries below it are not counted again), each named by the resource it touches.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from benchmarks.api_economy.accounts import check_end_state, fresh_accounts
from benchmarks.api_economy.contenders import Contender, MinimalBoto3, ProviderChain
from benchmarks.api_economy.scenario import PHASES, ROUNDS, Partner
from devstack.moto_stack import EMR_CONN_ID, MotoStack, airflow_environment
from devstack.testing import READ_PREFIXES, CallRecorder, RecordingTaskInstance, execute_as_task, small_cluster

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Services whose calls fetch credentials rather than touch a resource; counted apart.
CREDENTIAL_SERVICES = frozenset({"sts"})


@dataclass(frozen=True)
class Call:
    """One AWS API call as botocore sent it (retries of the same call are not counted again)."""

    service: str
    operation: str
    resource: str
    #: What else a mutating call changes: ``PutRolePolicy`` and ``DeleteRolePolicy`` change the role's inline policy names.
    also_changes: tuple[str, ...] = ()

    @property
    def is_read(self) -> bool:
        return self.operation.startswith(READ_PREFIXES)

    @property
    def is_credentials(self) -> bool:
        return self.service in CREDENTIAL_SERVICES


def resource_of(service: str, operation: str, params: dict[str, Any]) -> str:
    """
    Name the document or object a call reads or writes.

    A role's trust policy comes with the role (``GetRole``), apart from its inline policies, the list of their names
    (``ListRolePolicies``), the list of its managed policies (``ListAttachedRolePolicies``) and of its instance profiles
    (``ListInstanceProfilesForRole``): reads of two of them are two first reads, not one read repeated.
    """
    if service == "iam":
        return _iam_resource(operation, params)
    if service == "kms" and operation == "DescribeKey":
        return f"kms key {params.get('KeyId')} metadata"
    if service == "kms":
        return f"kms key {params.get('KeyId')} key policy"
    if service == "emr" and operation.endswith("SecurityConfiguration"):
        return f"emr security configuration {params.get('Name')}"
    if service == "emr" and "ClusterId" in params:
        return f"emr cluster {params['ClusterId']}"
    return f"{service} {operation}"


#: IAM operations on a role's lists rather than on one document, and the list each touches.
ROLE_LISTS = {
    "ListRolePolicies": "inline policy names",
    "ListAttachedRolePolicies": "attached policies",
    "AttachRolePolicy": "attached policies",
    "DetachRolePolicy": "attached policies",
    "ListInstanceProfilesForRole": "instance profiles",
    "AddRoleToInstanceProfile": "instance profiles",
    "RemoveRoleFromInstanceProfile": "instance profiles",
}


def _iam_resource(operation: str, params: dict[str, Any]) -> str:
    role, policy, policy_arn = params.get("RoleName"), params.get("PolicyName"), params.get("PolicyArn")
    if role and operation in ROLE_LISTS:
        return f"iam role {role} {ROLE_LISTS[operation]}"
    if role and policy:
        return f"iam role {role} inline policy {policy}"
    if role:
        return f"iam role {role} and its trust policy"
    if policy_arn:
        return f"iam managed policy {policy_arn}"
    return f"iam {operation}"


def also_changes(service: str, operation: str, params: dict[str, Any]) -> tuple[str, ...]:
    """The lists a write changes besides its document: an inline policy written or deleted is in its role's names."""
    if service == "iam" and operation in {"PutRolePolicy", "DeleteRolePolicy"}:
        return (f"iam role {params.get('RoleName')} {ROLE_LISTS['ListRolePolicies']}",)
    return ()


@contextmanager
def recording() -> Iterator[list[Call]]:
    """Record every call of every botocore client; the list is filled when the block ends."""
    recorder = CallRecorder()
    calls: list[Call] = []
    with recorder.everywhere():
        yield calls
    calls.extend(
        call_of(service, operation, params)
        for (service, operation), params in zip(recorder.every, recorder.params, strict=True)
    )


def call_of(service: str, operation: str, params: dict[str, Any]) -> Call:
    """The :class:`Call` botocore sent as ``operation`` of ``service`` with ``params``."""
    changes = () if operation.startswith(READ_PREFIXES) else also_changes(service, operation, params)
    return Call(service, operation, resource_of(service, operation, params), changes)


def split(calls: list[Call]) -> tuple[list[Call], list[Call]]:
    """Return (resource calls, credential calls)."""
    return [c for c in calls if not c.is_credentials], [c for c in calls if c.is_credentials]


@dataclass
class RunResult:
    """One contender's run for one size: calls per partner chain and times per phase."""

    name: str
    setup_calls: list[Call]
    setup_seconds: float
    chains: dict[str, list[list[Call]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    config_names: list[str] = field(default_factory=list)
    #: What :func:`check_end_state` found wrong (checked in a size's first round only).
    end_state_problems: list[str] = field(default_factory=list)


def set_up(contender: Contender) -> RunResult:
    """Build the contender's clients, recorded and timed."""
    gc.collect()
    with recording() as calls:
        started = time.perf_counter()
        contender.setup()
        seconds = time.perf_counter() - started
    return RunResult(contender.name, calls, seconds)


def run_phase(contenders: list[Contender], results: list[RunResult], partners: int, phase: str, turn: int) -> None:
    """Run every partner's chain of each contender, alternating (provider, baseline, baseline, provider, ...)."""
    prepared = [[c.prepare(Partner(index, c.owner)) for index in range(partners)] for c in contenders]
    for result in results:
        result.chains[phase], result.seconds[phase] = [], 0.0
    gc.collect()
    gc.disable()  # as timeit does: a collection's cost depends on what else lives in the process
    try:
        for index in range(partners):
            order = [0, 1] if (index + turn) % 2 == 0 else [1, 0]
            for which in order:
                with recording() as calls:
                    started = time.perf_counter()
                    name = prepared[which][index]()
                    results[which].seconds[phase] += time.perf_counter() - started
                results[which].chains[phase].append(calls)
                if phase == "first":
                    results[which].config_names.append(name)
    finally:
        gc.enable()


def run_round(url: str, size: int, round_number: int, *, check: bool) -> dict[str, RunResult]:
    """
    From a fresh reset and seed, run both contenders' chains for ``size`` partners: first run, then steady state.

    Chains alternate one by one, so that a burst of load on the machine falls on both contenders
    alike; calls are recorded per contender and per chain.
    """
    accounts = fresh_accounts(url)
    contenders: list[Contender] = [ProviderChain(url, accounts.provider), MinimalBoto3(url, accounts.baseline)]
    results = [set_up(contender) for contender in contenders]
    for phase in PHASES:
        run_phase(contenders, results, size, phase, round_number)
    if check:
        for contender, result in zip(contenders, results, strict=True):
            partners = [Partner(index, contender.owner) for index in range(size)]
            result.end_state_problems = check_end_state(url, contender.seeded, partners, result.config_names)
    return {result.name: result for result in results}


@dataclass
class Figures:
    """What one size produced over all its rounds."""

    size: int
    provider: RunResult
    baseline: RunResult
    ratios: dict[str, list[float]]
    provider_seconds: dict[str, list[float]]
    baseline_seconds: dict[str, list[float]]
    setup_seconds: dict[str, list[float]]


def flat(chains: list[list[Call]]) -> list[Call]:
    return [call for chain in chains for call in chain]


def counts(calls: list[Call]) -> tuple[int, int, int]:
    resource_calls, _ = split(calls)
    reads = sum(call.is_read for call in resource_calls)
    return len(resource_calls), len(resource_calls) - reads, reads


def max_reads_per_resource(chains: list[list[Call]]) -> tuple[int, str]:
    """Return the most reads one chain made of one resource, and that resource."""
    worst, where = 0, "-"
    for chain in chains:
        per_resource = Counter(call.resource for call in split(chain)[0] if call.is_read)
        for resource, reads in per_resource.items():
            if reads > worst:
                worst, where = reads, resource
    return worst, where


def classify_reads(chains: list[list[Call]]) -> Counter[str]:
    """
    Count each chain's reads: ``first`` of a resource, ``read-back`` (after the chain wrote it), or
    ``repeated`` (read again with no write in between: pure waste).
    """
    kinds: Counter[str] = Counter()
    for chain in chains:
        last: dict[str, str] = {}
        for call in split(chain)[0]:
            if call.is_read:
                previous = last.get(call.resource)
                kinds["first" if previous is None else "read-back" if previous == "write" else "repeated"] += 1
                last[call.resource] = "read"
            else:
                for resource in (call.resource, *call.also_changes):
                    last[resource] = "write"
    return kinds


def extra_calls(provider: list[Call], baseline: list[Call]) -> Counter[str]:
    """Calls the provider sent beyond the baseline's, by operation."""
    return Counter(c.operation for c in split(provider)[0]) - Counter(c.operation for c in split(baseline)[0])


def measure(url: str, size: int, rounds: int) -> Figures:
    ratios: dict[str, list[float]] = {phase: [] for phase in PHASES}
    provider_seconds: dict[str, list[float]] = {phase: [] for phase in PHASES}
    baseline_seconds: dict[str, list[float]] = {phase: [] for phase in PHASES}
    setup_seconds: dict[str, list[float]] = {"provider": [], "baseline": []}
    first: dict[str, RunResult] = {}
    for round_number in range(rounds):
        results = run_round(url, size, round_number, check=round_number == 0)
        for name, result in results.items():
            first.setdefault(name, result)
            setup_seconds[name].append(result.setup_seconds)
            for phase in PHASES:
                if [len(c) for c in result.chains[phase]] != [len(c) for c in first[name].chains[phase]]:
                    print(f"note: {name} {phase} call counts differ between rounds at N={size}", file=sys.stderr)
        for phase in PHASES:
            provider, baseline = results["provider"].seconds[phase], results["baseline"].seconds[phase]
            provider_seconds[phase].append(provider)
            baseline_seconds[phase].append(baseline)
            ratios[phase].append(provider / baseline)
        print(
            f"  N={size:<3} round {round_number + 1}/{rounds}: ratio first {ratios['first'][-1]:.2f}, "
            f"steady {ratios['steady'][-1]:.2f}",
            file=sys.stderr,
            flush=True,
        )
    return Figures(
        size, first["provider"], first["baseline"], ratios, provider_seconds, baseline_seconds, setup_seconds
    )


#: Launches of one DAG run measured together (mapped instances of one launch task), first tries then retries.
RUN_LAUNCHES = 10


@dataclass
class LaunchFigures:
    first: list[Call]
    retry: list[Call]
    same_cluster: bool
    #: The calls of each first try of :data:`RUN_LAUNCHES` launches of one DAG run, in launch order.
    run_first: list[list[Call]] = field(default_factory=list)
    #: The calls of each one's retry (try 2), in the same order.
    run_retry: list[list[Call]] = field(default_factory=list)
    #: Each retry returned the cluster its first try launched.
    run_same_clusters: bool = True


def measure_launch(url: str) -> LaunchFigures:
    """Launch one cluster for partner 0's configuration, then retry the same task instance."""
    seeded = fresh_accounts(url).provider
    provider = ProviderChain(url, seeded)
    provider.setup()
    name = provider.prepare(Partner(0, provider.owner))()
    ti = RecordingTaskInstance(dag_id="emrfs_xacct_bench", task_id="launch_cluster")
    context: Any = {"ti": ti, "task_instance": ti}
    ids = []
    records = []
    for _attempt in ("first", "retry"):
        operator = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=name,
            job_flow_overrides=small_cluster("partner-p000-export"),
        )
        with recording() as calls:
            ids.append(execute_as_task(operator, context))
        records.append(calls)
    run_first, run_retry, run_same = measure_run_launches(url)
    return LaunchFigures(records[0], records[1], ids[0] == ids[1], run_first, run_retry, run_same)


def measure_run_launches(url: str, size: int = RUN_LAUNCHES) -> tuple[list[list[Call]], list[list[Call]], bool]:
    """
    Launch ``size`` clusters in one DAG run (one mapped launch task), then retry each.

    Each first try's search reads the clusters its siblings launched before it (``ListClusters`` has no tags):
    the run's launches send about ``N²/2`` ``DescribeCluster`` in all.
    """
    from datetime import datetime, timedelta, timezone

    from airflow.sdk.api.datamodels._generated import DagRun, DagRunState, DagRunType

    seeded = fresh_accounts(url).provider
    provider = ProviderChain(url, seeded)
    provider.setup()
    name = provider.prepare(Partner(0, provider.owner))()
    run = DagRun(
        dag_id="emrfs_xacct_bench",
        run_id="scheduled__2026-01-02T00:00:00+00:00",
        logical_date=None,
        data_interval_start=None,
        data_interval_end=None,
        run_after=datetime.now(timezone.utc) - timedelta(minutes=5),
        start_date=datetime.now(timezone.utc) - timedelta(minutes=5),
        end_date=None,
        run_type=DagRunType.SCHEDULED,
        state=DagRunState.RUNNING,
        consumed_asset_events=[],
        partition_key=None,
    )
    records: dict[int, list[list[Call]]] = {1: [], 2: []}
    ids: dict[int, list[str]] = {1: [], 2: []}
    for try_number in (1, 2):
        for index in range(size):
            operator = LaunchClusterWithSecConfigOperator(
                task_id="launch_cluster",
                aws_conn_id=EMR_CONN_ID,
                emr_conn_id=None,
                security_configuration=name,
                job_flow_overrides=small_cluster(f"partner-p{index:03d}-export"),
            )
            ti = RecordingTaskInstance(
                dag_id=run.dag_id, task_id="launch_cluster", run_id=run.run_id, map_index=index, try_number=try_number
            )
            with recording() as calls:
                ids[try_number].append(execute_as_task(operator, {"ti": ti, "task_instance": ti, "dag_run": run}))
            records[try_number].append(calls)
    return records[1], records[2], ids[1] == ids[2]


def run(sizes: list[int], rounds: int | None = None) -> tuple[list[Figures], LaunchFigures]:
    """Start a moto server, warm up, measure every size (``rounds`` each, or :data:`ROUNDS`) and the launch."""
    with MotoStack() as stack:
        os.environ.update(airflow_environment(stack.url))
        print("warming up (one discarded round at N=1)", file=sys.stderr, flush=True)
        run_round(stack.url, 1, 0, check=False)
        figures = []
        for size in sizes:
            started = time.perf_counter()
            figures.append(measure(stack.url, size, rounds or ROUNDS.get(size, 3)))
            print(f"  N={size}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        return figures, measure_launch(stack.url)
