"""The tables ``make bench`` prints (the same as ``docs/performance.md`` shows)."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import TYPE_CHECKING

import moto

from benchmarks.api_economy.checks import extra_operations, minimum
from benchmarks.api_economy.measuring import (
    classify_reads,
    counts,
    extra_calls,
    flat,
    max_reads_per_resource,
    split,
)
from benchmarks.api_economy.scenario import EXTRA_CALL_REASONS, PHASES

if TYPE_CHECKING:
    from benchmarks.api_economy.measuring import Call, Figures, LaunchFigures


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def describe(counter: Counter[str], per: int) -> str:
    parts = []
    for operation, count in sorted(counter.items()):
        amount = f"{count // per}/partner" if count % per == 0 else f"{count} in all"
        parts.append(f"{operation} x{amount}")
    return ", ".join(parts) or "none"


def header() -> list[str]:
    return [
        f"API economy of the provider's chain vs a hand-written minimal boto3 sequence (moto {moto.__version__} "
        "over HTTP on loopback).",
        "settle_seconds=0 for the provider: nothing runs concurrently here, and the settle wait is a deliberate "
        "safety delay before the read-back of a shared document, not API cost.",
        "Per partner chain: EnsureDestinationRole -> AttachAssumeRolePolicy -> GrantKmsKeyUser -> "
        "CreateEmrfsSecurityConfig; N partners share the EMR EC2 role and the KMS key.",
    ]


def calls_row(figure: Figures, phase: str) -> str:
    provider_chains = figure.provider.chains[phase]
    baseline_calls = flat(figure.baseline.chains[phase])
    total, mutating, reads = counts(flat(provider_chains))
    kinds = classify_reads(provider_chains)
    minimum_mutating, minimum_reads = minimum(figure, phase)
    baseline_total, baseline_mutating, baseline_reads = counts(baseline_calls)
    worst, _ = max_reads_per_resource(provider_chains)
    extra = extra_calls(flat(provider_chains), baseline_calls)
    repeated = f" + {kinds['repeated']} repeated" if kinds["repeated"] else ""
    return (
        f"| {figure.size} | {phase} | {total} | {mutating} | {reads} ({kinds['first']} + "
        f"{kinds['read-back']}{repeated}) | {minimum_mutating + minimum_reads} ({minimum_mutating} + "
        f"{minimum_reads}) | {baseline_total} ({baseline_mutating} + {baseline_reads}) | {worst} | "
        f"{describe(extra, figure.size)} |"
    )


def calls_table(figures: list[Figures]) -> list[str]:
    return [
        "AWS calls per run of all N chains (STS credential calls counted apart, below):",
        "",
        "| N | run | provider calls | mutating | reads (first + read-back after own write) | minimum "
        "(mutating + reads) | baseline (mutating + reads) | most reads of one resource in a chain | "
        "provider's calls beyond the minimum |",
        "|---:|---|---:|---:|---|---|---|---:|---|",
        *(calls_row(figure, phase) for figure in figures for phase in PHASES),
        "",
        *(
            f"- {operation}: {EXTRA_CALL_REASONS.get(operation, 'NOT EXPECTED: investigate')}"
            for operation in sorted(extra_operations(figures))
        ),
    ]


def sts_lines(figures: list[Figures]) -> list[str]:
    lines = ["STS calls (credentials, not resources), per run of one size:"]
    identity_calls = 0
    for figure in figures:
        for result in (figure.provider, figure.baseline):
            calls = result.setup_calls + [call for phase in PHASES for call in flat(result.chains[phase])]
            sts = Counter(call.operation for call in split(calls)[1])
            identity_calls += sts["GetCallerIdentity"]
            lines.append(f"  N={figure.size:<3} {result.name:<8}: {dict(sts) or 'none'}")
    lines.append(
        "  The provider assumes the connection's role once per hook (one hook per operator class and connection "
        f"here; in Airflow, once per task), the baseline once per account. GetCallerIdentity calls: {identity_calls}."
    )
    return lines


def wall_time_table(figures: list[Figures]) -> list[str]:
    lines = [
        "Wall time of the chains (clients built beforehand by both; contenders alternating chain by chain; "
        "median over rounds):",
        "",
        "| N | run | provider ms (median) | baseline ms (median) | ratio provider/baseline (median of the rounds' "
        "ratios) | ratio range | rounds |",
        "|---:|---|---:|---:|---:|---|---:|",
    ]
    for figure in figures:
        for phase in PHASES:
            ratios = figure.ratios[phase]
            lines.append(
                f"| {figure.size} | {phase} | {ms(statistics.median(figure.provider_seconds[phase]))} | "
                f"{ms(statistics.median(figure.baseline_seconds[phase]))} | {statistics.median(ratios):.2f} | "
                f"{min(ratios):.2f}-{max(ratios):.2f} | {len(ratios)} |"
            )
    provider_setup = statistics.median([s for f in figures for s in f.setup_seconds["provider"]])
    baseline_setup = statistics.median([s for f in figures for s in f.setup_seconds["baseline"]])
    lines += [
        "",
        f"Client setup, not in the ratio: building all clients once took {ms(provider_setup)} ms for the provider "
        f"(4 hooks) and {ms(baseline_setup)} ms for the baseline (2 sessions, 4 clients), median over all rounds. "
        "Each AwsBaseHook builds its own botocore sessions (one to assume the connection's role, one for the "
        "client) and so loads its service models again; in Airflow every task builds its client once, whatever "
        "code it runs.",
    ]
    return lines


def launch_lines(launch: LaunchFigures) -> list[str]:
    lines = ["Launch, measured once (LaunchClusterWithSecConfigOperator, partner 0's configuration):"]
    for label, calls, least in (
        ("first launch", launch.first, "ListClusters, RunJobFlow (RunJobFlow has no client token)"),
        ("retry of the same task instance", launch.retry, "ListClusters, DescribeCluster (tags are only in it)"),
    ):
        resource_calls, credential_calls = split(calls)
        total, mutating, reads = counts(calls)
        sequence = ", ".join(c.operation for c in resource_calls)
        lines.append(
            f"  {label}: {total} calls ({mutating} mutating + {reads} reads): {sequence}; STS: {len(credential_calls)}"
        )
        lines.append(f"    minimum: {least}")
    lines.append(
        "  Beyond the minimum: DescribeSecurityConfiguration (the operator refuses a missing configuration and "
        "checks the release label against its role mappings), GetInstanceProfile (the instance profile must hold a "
        "role of its own name) and ListAttachedRolePolicies (a service role with AmazonEMRServicePolicy_v2 needs the "
        "cluster, its subnets and security groups tagged), all before RunJobFlow; and, after the launch, "
        "DescribeCluster for the upstream EmrCreateJobFlowOperator's logs link (get_log_uri); on a retry that second "
        "DescribeCluster reads the cluster the idempotency check has just described. STS: the hook's client and its "
        "single-attempt launch client share the connection's session (session_scope.py)."
    )
    lines.extend(run_launch_lines(launch))
    return lines


def run_launch_lines(launch: LaunchFigures) -> list[str]:
    """The DescribeCluster calls of the launches of one DAG run: each first try reads its siblings' clusters."""
    if not launch.run_first:
        return []
    size = len(launch.run_first)

    def describes(records: list[list[Call]]) -> list[int]:
        return [sum(call.operation == "DescribeCluster" for call in calls) for calls in records]

    first, retry = describes(launch.run_first), describes(launch.run_retry)
    return [
        f"Launches of one DAG run ({size} mapped launches, distinct cluster names), then a retry of each:",
        f"  DescribeCluster per first try: {', '.join(map(str, first))} (total {sum(first)}: the search reads "
        f"the {size * (size - 1) // 2} clusters launched before each in the run's window, plus one logs-link "
        "read per launch)",
        f"  DescribeCluster per retry: {', '.join(map(str, retry))} (total {sum(retry)}: its own cluster, "
        "named as it, first, plus the logs-link read)",
        "  A first try cannot skip the search: Airflow's try_number 1 does not prove that no earlier try "
        "launched (docs/scale.md).",
    ]


def report(figures: list[Figures], launch: LaunchFigures) -> str:
    """All the tables, as text."""
    sections = [header(), calls_table(figures), sts_lines(figures), wall_time_table(figures), launch_lines(launch)]
    return "\n\n".join("\n".join(section) for section in sections)
