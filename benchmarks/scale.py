"""
Scale: 10, 100 and 1,000 partners on one EMR account, and a backfill through AWS-like throttling.

Run from the repository root: ``python -m benchmarks.scale`` (``make bench``; ``--quick`` for 10 and 100
partners only).

Part 1, growth. Partners are added one after another, each by its DAG's chain::

    EnsureDestinationRoleOperator -> AttachAssumeRolePolicyOperator -> GrantKmsKeyUserOperator

All partners share the EMR account's ``EMR_EC2_DefaultRole`` (its assume-role grants pass the inline
policies' 10,240-character wall, less the 2,048 left to the role's other inline policies, at about 150 partners (149)
and spill into provider-owned managed policies).
In production each partner has its own bucket and key; the stand-in has one destination account, so
each group of 100 partners has a bucket whose default key is the group's (a key policy holds about
600 key users, KMS's 32 KB), and one security configuration (its role mappings; created once the
group is in).
Then every chain runs again (the steady state: 0 mutating calls expected), and the EMRFS-like writer
(``devstack.emrfs_writer.write_like_emrfs``) writes as every partner. Calls are counted per partner;
wall time per partner is the first run's.

At 1,000 partners (a fixed sample, to fit the test budget on a shared two-core machine): every one
of the 1,000 partners joins the shared documents (the EMR EC2 role's grants, the key users), 10 per
task run (100 runs of each operator, in order); only every 10th partner (100) gets its destination
role and is written as by the EMRFS-like writer. Its calls per partner are therefore lower than a
one-partner-per-run chain's and not comparable with the rows above.

Part 2, backfill. The same chains for N partners run concurrently on 8 threads (like parallel Airflow
workers) through ``devstack.fault_proxy.FaultProxy`` in its rate-limited mode, at a quarter of AWS's figures
(:data:`RATE_SCALE`; ``pure/quotas.py``: IAM burst 20 and 10 per second per API, assumed; KMS
PutKeyPolicy 15 per second, documented; STS 100 per second, assumed), with the protocol's default 1 s settle wait (concurrent
writers). Every throttled call is retried by botocore's standard retries; at the end every partner
must be in every shared document (nothing lost), and the time per partner should stay about flat.

Exit status 1 when a wall is reached below 1,000 partners, the steady state writes, a write fails,
or the backfill loses a partner.
"""

from __future__ import annotations

import benchmarks.airflow_home  # noqa: F401  (before Airflow is imported: a temporary AIRFLOW_HOME)

# isort: split

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.pure import spill
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.emrfs_writer import write_like_emrfs
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    MotoStack,
    Seeded,
    account_session,
    airflow_environment,
    seed,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, execute_as_task

SIZES = (10, 100, 1000)
GROUP = 100  # partners per key and per security configuration
SAMPLE_EVERY = 10  # at 1,000 partners the writer writes as every 10th partner
BACKFILL_SIZES = (10, 20, 40)
WORKERS = 8
#: The stand-in answers a call in tens of milliseconds on a loaded laptop, far slower than a client
#: near AWS: at AWS's own figures (per account) a backfill of 40 partners on 8 threads met no limit
#: here. The buckets are scaled down to a quarter so that a backfill meets them (IAM: burst 5, refill
#: 2.5 per second per API and account). At a tenth, 8 concurrent writers of the one shared assume-role
#: policy exhaust botocore's 10 attempts on GetRolePolicy for some partners (docs/scale.md).
RATE_SCALE = 0.25


def counts(recorder: CallRecorder) -> Counter[str]:
    """The writes and reads a recorder saw (STS, the connections assuming their roles, apart)."""
    return Counter(write=len(recorder.mutating), read=len(recorder.reads))


@dataclass
class Partner:
    index: int

    @property
    def role_name(self) -> str:
        return f"partner-{self.index:04d}-writer"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{self.role_name}"

    @property
    def bucket(self) -> str:
        group = self.index // GROUP
        return BUCKET if group == 0 else f"{BUCKET}-g{group}"

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/partners/{self.index:04d}/"


@dataclass
class Growth:
    size: int
    first: Counter[str]
    steady: Counter[str]
    seconds: float
    wall: str = ""
    written: int = 0
    sampled: int = 0
    spill_policies: int = 0
    failures: list[str] = field(default_factory=list)


def execute(operator: Any) -> Any:
    ti = RecordingTaskInstance(dag_id="emrfs_xacct_scale", task_id=operator.task_id)
    return execute_as_task(operator, {"ti": ti, "task_instance": ti})


def fresh(url: str, size: int) -> tuple[Seeded, list[str]]:
    """Reset moto, seed both accounts and make one key per group of partners (the seeded key's policy)."""
    requests.post(f"{url}/moto-api/reset", timeout=30).raise_for_status()
    _HOOKS.__dict__.clear()  # moto forgets the credentials the hooks' clients assumed: build them again
    seeded = seed(url)
    session = account_session(url, DESTINATION_ACCOUNT)
    kms, s3 = session.client("kms", endpoint_url=url), session.client("s3", endpoint_url=url)
    keys = [seeded.kms_key_arn]
    for group in range(1, -(-size // GROUP)):
        keys.append(kms.create_key(Policy=json.dumps(seeded.key_policy))["KeyMetadata"]["Arn"])
        bucket = Partner(group * GROUP).bucket
        s3.create_bucket(Bucket=bucket)
        default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keys[-1]}
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
        )
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
    return seeded, keys


#: One hook per (hook class, connection) and thread, shared by the operators a thread runs, as a
#: worker's tasks might reuse theirs: building a client (STS AssumeRole, loading the service model) is
#: not what is measured here. Per thread, so that each worker has its own botocore retry quota.
_HOOKS = threading.local()


def shared(operator: Any) -> Any:
    hooks = _HOOKS.__dict__.setdefault("hooks", {})
    key = (
        operator.aws_hook_class,
        operator.aws_conn_id,
        os.environ.get("AIRFLOW_CONN_" + str(operator.aws_conn_id).upper()),
    )
    if key not in hooks:
        hooks[key] = operator.hook
        hooks[key].conn  # noqa: B018  (builds the client once)
    operator.__dict__["hook"] = hooks[key]
    return operator


def chain(group: list[Partner], seeded: Seeded, key_arn: str, settle: float, *, roles: bool = True) -> list[Any]:
    """The operators that add ``group`` (the destination roles only for its sampled partners)."""
    common: dict[str, Any] = {"settle_seconds": settle}
    operators: list[Any] = [
        EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=partner.role_name,
            trusted_role_arns=[seeded.emr_ec2_role_arn],
            s3_prefixes=[partner.location],
            kms_key_arns=[key_arn],
            **common,
        )
        for partner in group
        if roles or partner.index % SAMPLE_EVERY == 0
    ]
    operators += [
        AttachAssumeRolePolicyOperator(
            task_id="allow_assume_destination_role",
            aws_conn_id=EMR_CONN_ID,
            destination_role_arns=[partner.role_arn for partner in group],
            **common,
        ),
        GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=key_arn,
            principal_arns=[partner.role_arn for partner in group],
            **common,
        ),
    ]
    return [shared(operator) for operator in operators]


def group_configuration(group: list[Partner]) -> str:
    """Create the security configuration of a group of partners; return its name."""
    mappings = [
        {"Role": p.role_arn, "IdentifierType": "Prefix", "Identifiers": [p.location.rstrip("/")]} for p in group
    ]
    operator = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=f"partners-{group[0].index:04d}",
        role_mappings=mappings,
        settle_seconds=0,
    )
    return str(execute(shared(operator)))


def provision(partners: list[Partner], seeded: Seeded, keys: list[str], settle: float, batch: int = 1) -> str:
    """Add the partners ``batch`` at a time, in order; return the first wall's message ('' if none)."""
    for start in range(0, len(partners), batch):
        group = partners[start : start + batch]
        try:
            for operator in chain(group, seeded, keys[group[0].index // GROUP], settle, roles=batch == 1):
                execute(operator)
        except InvalidParameterError as wall:
            return f"partner {group[0].index + 1}: {str(wall).split('. Remedy')[0]}"
    return ""


def grow(url: str, size: int) -> Growth:
    """Part 1 for ``size`` partners."""
    seeded, keys = fresh(url, size)
    partners = [Partner(index) for index in range(size)]
    batch = 1 if size <= 100 else SAMPLE_EVERY
    with CallRecorder().everywhere() as first:
        start = time.perf_counter()
        wall = provision(partners, seeded, keys, 0, batch)
        seconds = time.perf_counter() - start
    result = Growth(size, counts(first), Counter(), seconds, wall=wall)
    if wall:
        return result
    with CallRecorder().everywhere() as steady:
        provision(partners, seeded, keys, 0, batch)
    result.steady = counts(steady)
    configurations = [group_configuration(partners[i : i + GROUP]) for i in range(0, size, GROUP)]
    sample = partners if size <= 100 else partners[::SAMPLE_EVERY]
    result.sampled = len(sample)
    for partner in sample:
        written = write_like_emrfs(
            url,
            emr_account=EMR_ACCOUNT,
            instance_role=EMR_EC2_ROLE,
            security_configuration=configurations[partner.index // GROUP],
            output_uri=partner.location,
            bucket_account=DESTINATION_ACCOUNT,
        )
        if written.success:
            result.written += 1
        else:
            result.failures.append(f"partner {partner.index}: {written.first_failure}")
    iam = account_session(url, EMR_ACCOUNT).client("iam", endpoint_url=url)
    attached = iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    result.spill_policies = sum(
        spill.is_spill_arn(a["PolicyArn"], "emrfs-xacct-assume-destination-roles", EMR_EC2_ROLE) for a in attached
    )
    return result


@dataclass
class Backfill:
    size: int
    seconds: float
    calls: int
    throttled: int
    lost: list[str]


def backfill(url: str, size: int, rate_scale: float = RATE_SCALE) -> Backfill:
    """Part 2 for ``size`` partners: concurrent chains through the rate-limited proxy (AWS's figures x ``rate_scale``)."""
    seeded, keys = fresh(url, size)
    partners = [Partner(index) for index in range(size)]
    with FaultProxy(url, rate_limits=True, rate_scale=rate_scale) as proxy:
        saved = {name: os.environ.get(name) for name in airflow_environment(proxy.url)}
        os.environ.update(airflow_environment(proxy.url))
        try:
            with CallRecorder().everywhere() as recorder:
                start = time.perf_counter()
                with ThreadPoolExecutor(WORKERS) as pool:
                    list(pool.map(lambda p: provision([p], seeded, keys, 1.0), partners))
                seconds = time.perf_counter() - start
            calls = len(recorder.calls)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        throttled = sum(proxy.throttled.values())
    return Backfill(size, seconds, calls, throttled, lost_partners(url, partners, keys))


def lost_partners(url: str, partners: list[Partner], keys: list[str]) -> list[str]:
    """Return every partner missing from a shared document (the EMR role's grants, the key users)."""
    iam = account_session(url, EMR_ACCOUNT).client("iam", endpoint_url=url)
    kms = account_session(url, DESTINATION_ACCOUNT).client("kms", endpoint_url=url)
    granted = spill.held(
        iam.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName="emrfs-xacct-assume-destination-roles")["PolicyDocument"]
    )
    for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=item["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=item["PolicyArn"], VersionId=policy["DefaultVersionId"])
        granted |= spill.held(version["PolicyVersion"]["Document"])
    users: set[str] = set()
    for key in keys:
        key_policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        users |= {arn for statement in key_policy["Statement"] for arn in _principals(statement)}
    lost = [f"{p.role_name} (EMR EC2 role)" for p in partners if p.role_arn not in granted]
    return lost + [f"{p.role_name} (key users)" for p in partners if p.role_arn not in users]


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal", {})
    values = principal.get("AWS", []) if isinstance(principal, dict) else []
    return [values] if isinstance(values, str) else list(values)


def report(growth: list[Growth], backfills: list[Backfill]) -> list[str]:
    """Print both tables; return what failed."""
    failures: list[str] = []
    print("\nScale, part 1: partners added one after another on one EMR EC2 role (moto, no throttling)")
    print(
        "| partners | calls/partner first run (writes+reads) | ms/partner | steady-state writes | reads/partner steady | spill policies | EMRFS-like writes ok | first wall |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for g in growth:
        first = f"{(g.first['write'] + g.first['read']) / g.size:.1f} ({g.first['write'] / g.size:.1f}+{g.first['read'] / g.size:.1f})"
        label = f"{g.size}*" if g.size > 100 else str(g.size)
        print(
            f"| {label} | {first} | {1000 * g.seconds / g.size:.0f} | {g.steady['write']} | {g.steady['read'] / g.size:.1f} "
            f"| {g.spill_policies} | {g.written}/{g.sampled} | {g.wall or 'none'} |"
        )
        failures += [f"{g.size} partners: wall {g.wall}"] * bool(g.wall) + g.failures
        if g.steady["write"]:
            failures.append(f"{g.size} partners: the steady state made {g.steady['write']} writes")
    if any(g.size > 100 for g in growth):
        print("* a fixed sample: all partners join the shared documents, 10 per task run; every 10th gets its role")
    if backfills:
        print(
            f"\nScale, part 2: backfill, chains on {WORKERS} threads through the rate-limited stand-in "
            f"(AWS figures x {RATE_SCALE})"
        )
        print("| partners | seconds | s/partner | calls | throttled and retried | partners lost |")
        print("|---:|---:|---:|---:|---:|---:|")
        for b in backfills:
            print(
                f"| {b.size} | {b.seconds:.1f} | {b.seconds / b.size:.2f} | {b.calls} | {b.throttled} | {len(b.lost)} |"
            )
            failures += [f"backfill {b.size}: lost {b.lost}"] * bool(b.lost)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true", help="10 and 100 partners, smaller backfills")
    args = parser.parse_args(argv)
    sizes = SIZES[:2] if args.quick else SIZES
    with MotoStack() as stack:
        for name, value in airflow_environment(stack.url).items():
            os.environ[name] = value
        growth = [grow(stack.url, size) for size in sizes]
        backfills = [backfill(stack.url, size) for size in (BACKFILL_SIZES[:2] if args.quick else BACKFILL_SIZES)]
    failures = report(growth, backfills)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
