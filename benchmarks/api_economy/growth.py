"""
``python -m benchmarks.api_economy.growth``: how the launch's and the revoke's calls grow with the partners.

Over the local moto server (call counts are exact; nothing is timed):

- **Launch.** ``N`` mapped launches of one DAG run (first tries, one after another), each ``RunJobFlow``
  throttled once on its first attempt (``ThrottlingException`` answered by the stand-in's fault proxy, as EMR
  answers a throttled call), then each retried (try 2). ``ListClusters`` has no tags, so each first try's search
  describes the clusters its siblings launched before it, and searches again after the throttled attempt.
- **Revoke.** ``N`` partners provisioned, then each revoked with ``delete_destination_role=True``, whose check
  reads the trust policy of every role of the destination account (``ListRoles``); with ``--extra-roles``
  other roles are created first (an account nearer its quota of 1,000 roles).
"""

from __future__ import annotations

import benchmarks.airflow_home  # noqa: F401  (before Airflow is imported: a temporary AIRFLOW_HOME)

# isort: split

import argparse
import json
import os
from dataclasses import dataclass

from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from benchmarks.api_economy.accounts import fresh_accounts
from benchmarks.api_economy.contenders import ProviderChain
from benchmarks.api_economy.measuring import Call, measure_run_launches, recording
from benchmarks.api_economy.scenario import Partner
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    MotoStack,
    airflow_environment,
    client,
)
from devstack.testing import RecordingTaskInstance, execute_as_task

#: The numbers of partners measured by default.
SIZES = (1, 10, 50)


@dataclass(frozen=True)
class LaunchGrowth:
    size: int
    #: ``DescribeCluster`` of each first try (the search's twice, around the throttled attempt, and the logs link's).
    first: list[int]
    #: ``DescribeCluster`` of each retry.
    retry: list[int]
    #: Each retry returned the cluster its first try launched.
    same_clusters: bool


@dataclass(frozen=True)
class RevokeGrowth:
    size: int
    roles: int
    #: ``ListRoles`` pages of each revoke.
    list_roles: list[int]
    #: All calls (STS apart) of each revoke.
    calls: list[int]


def count(calls: list[Call], operation: str) -> int:
    return sum(call.operation == operation for call in calls)


def launch_growth(url: str, size: int) -> LaunchGrowth:
    """Launch ``size`` clusters of one run through a proxy throttling each try's first ``RunJobFlow``, then retry each."""
    throttled: set[int] = set()
    seen = [0]

    def throttle_every_other_launch(operation: str) -> tuple[int, str, str] | None:
        if operation != "RunJobFlow":
            return None
        seen[0] += 1
        if seen[0] % 2 == 0:  # the attempt after a throttled one goes through
            return None
        throttled.add(seen[0])
        return 400, "ThrottlingException", "Rate exceeded"

    saved = dict(os.environ)
    with FaultProxy(url, intercept=throttle_every_other_launch) as proxy:
        os.environ.update(airflow_environment(proxy.url))
        try:
            first, retry, same = measure_run_launches(url, size)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    if len(throttled) != size:
        raise AssertionError(f"expected {size} throttled RunJobFlow, saw {len(throttled)}")
    return LaunchGrowth(
        size, [count(calls, "DescribeCluster") for calls in first], [count(c, "DescribeCluster") for c in retry], same
    )


def revoke_growth(url: str, size: int, extra_roles: int = 0) -> RevokeGrowth:
    """Provision ``size`` partners (and ``extra_roles`` other roles), then revoke each, deleting its role."""
    seeded = fresh_accounts(url).provider
    iam = client(url, DESTINATION_ACCOUNT, "iam")
    for index in range(extra_roles):
        iam.create_role(RoleName=f"bystander-{index:04d}", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    provider = ProviderChain(url, seeded)
    provider.setup()
    partners = [Partner(index, provider.owner) for index in range(size)]
    for partner in partners:
        provider.prepare(partner)()
    roles = len([role for page in iam.get_paginator("list_roles").paginate() for role in page["Roles"]])
    list_roles, calls = [], []
    for partner in partners:
        operator = RevokePartnerAccessOperator(
            task_id="revoke_partner",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=partner.role_arn,
            emr_ec2_role_name=EMR_EC2_ROLE,
            kms_key_arns=[seeded.kms_key_arn],
            delete_destination_role=True,
            settle_seconds=0,
        )
        ti = RecordingTaskInstance(dag_id="emrfs_xacct_bench", task_id="revoke_partner")
        with recording() as recorded:
            execute_as_task(operator, {"ti": ti, "task_instance": ti})
        list_roles.append(count(recorded, "ListRoles"))
        calls.append(sum(call.service != "sts" for call in recorded))
    return RevokeGrowth(size, roles, list_roles, calls)


def report(launches: list[LaunchGrowth], revokes: list[RevokeGrowth]) -> str:
    lines = [
        "Launches of one DAG run (each first try's RunJobFlow throttled once), DescribeCluster:",
        "| N | first tries, all | per first try (1st .. last) | retries, all | retries found their cluster |",
        "|---:|---:|---|---:|---|",
    ]
    for row in launches:
        lines.append(
            f"| {row.size} | {sum(row.first)} | {row.first[0]} .. {row.first[-1]} | {sum(row.retry)} | "
            f"{'yes' if row.same_clusters else 'NO'} |"
        )
    lines += [
        "",
        "Revokes deleting the destination role, one per partner:",
        "| N | roles in the destination account | ListRoles per revoke | ListRoles, all | calls per revoke |",
        "|---:|---:|---|---:|---|",
    ]
    for revoke in revokes:
        lines.append(
            f"| {revoke.size} | {revoke.roles} | {min(revoke.list_roles)}-{max(revoke.list_roles)} | "
            f"{sum(revoke.list_roles)} | {min(revoke.calls)}-{max(revoke.calls)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_economy.growth", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of partners")
    parser.add_argument("--extra-roles", type=int, default=200, help="other roles for the last revoke row")
    args = parser.parse_args(argv)
    with MotoStack() as stack:
        os.environ.update(airflow_environment(stack.url))
        launches = [launch_growth(stack.url, size) for size in args.sizes]
        revokes = [revoke_growth(stack.url, size) for size in args.sizes]
        if args.extra_roles:
            revokes.append(revoke_growth(stack.url, args.sizes[-1], args.extra_roles))
    print(report(launches, revokes))
    failures = [f"N={row.size}: a retry returned another cluster" for row in launches if not row.same_clusters]
    print(json.dumps({"failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
