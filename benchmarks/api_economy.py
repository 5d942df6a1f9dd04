"""
API economy: the AWS calls and wall time of the provider's chain against a hand-written minimal boto3 sequence.

Run from the repository root: ``python -m benchmarks.api_economy`` (``make bench``).

Scenario. N partners (1, 10, 100) share the EMR account's ``EMR_EC2_DefaultRole`` and the destination
bucket's KMS key; each partner has its own destination role, prefix and security configuration. Each
partner's chain is what its DAG runs before launching a cluster::

    EnsureDestinationRoleOperator -> AttachAssumeRolePolicyOperator -> GrantKmsKeyUserOperator
        -> CreateEmrfsSecurityConfigOperator

The chains of all N partners run one after another (the *first run*), then all of them again (the
*steady state*). Two contenders do the same work on the same moto server: the provider's operators
(their ``execute``, in this process) and a hand-written minimal boto3 sequence. Every call any
botocore client sends is counted through botocore's event system (``before-parameter-build``,
registered on every client as it is created).

Each round starts from ``POST /moto-api/reset`` and a fresh seed. So that the two contenders can
alternate chain by chain (provider, baseline, baseline, provider, ...) rather than run by run, the
baseline gets twins of the seeded resources in the same accounts: ``EMR_EC2_BaselineRole`` with the
same trust and inline policy as ``EMR_EC2_DefaultRole``, and a second key with the same key policy;
its partners' names have the same length as the provider's. Each contender thus starts from a fresh,
identical state and never sees the other's resources, and a burst of load on the machine falls on
both alike: alternating whole runs instead (with a reset between them) gave per-round ratios from
1.27 to 1.93 for one and the same code on a loaded two-core machine; chain by chain, 1.33 to 1.52.

The minimum per partner, and why:

- first run, 5 mutating calls: ``CreateRole`` (with the trust policy), ``PutRolePolicy`` (the
  destination role's access), ``PutRolePolicy`` on the shared EMR EC2 role (the partner's role joins
  the assume-role policy), ``PutKeyPolicy`` (the role joins the key users),
  ``CreateSecurityConfiguration``;
- first run, 5 reads: ``GetRole``, ``GetRolePolicy`` (destination role), ``GetRolePolicy`` (EMR
  role), ``GetKeyPolicy``, ``DescribeSecurityConfiguration``. ``PutRolePolicy`` and ``PutKeyPolicy``
  replace the whole document, so a shared document must be read to merge into it; and the steady
  state must make no mutating call, so every ensure reads before it creates (create-and-catch-
  ``EntityAlreadyExists`` would send a failing mutating call on every rerun). (For a role created a
  moment ago the destination role's ``GetRolePolicy`` could be skipped: 4 reads, at the price of
  carrying state between steps.)
- steady state: 0 mutating calls and the same 5 reads, one per resource.

The shared documents are read once per partner chain because each partner's chain runs as its own
tasks; one operator given all N role ARNs would read them once.

The baseline sends exactly that minimum: it reads each document once, writes only what is missing,
and never reads back. The provider also reads each document back after writing it (``converge.py``:
``PutRolePolicy``, ``UpdateAssumeRolePolicy`` and ``PutKeyPolicy`` have no conditional write, so a run
only stops once a read shows its change survived concurrent writers). Those read-backs are counted
and named. The provider runs with ``settle_seconds=0`` here: the settle wait is a deliberate safety
delay before that read-back, for concurrent runs, not API cost, and nothing runs concurrently here.

Wall time. In Airflow each task builds its own AWS client (STS ``AssumeRole`` plus botocore loading
the service model), whatever operator or boto3 code it runs; that setup is measured and shown
separately, and the ratio compares the work: both contenders build their clients once per round
(the provider's hooks are shared by every operator of the same hook class and connection), then the
timed part executes the chains, with the garbage collector paused as ``timeit`` does. The ratio is
the provider's total over the baseline's within a round; the table shows its median over the rounds.
Airflow's logging is set to ERROR so that the plan diffs do not flood the output (the provider
still renders them).

The launch (``LaunchClusterWithSecConfigOperator``) is the pipeline's work rather than
provisioning, and one cluster per partner would make both contenders measure moto launching N
clusters; it is measured once, on its own: the first launch of a task instance and its retry.

Exit status 1 when: the steady state makes a mutating call or reads a resource more than once in a
chain; a chain reads a resource again with no write in between; the provider sends a call beyond the
minimum that is not an explained read-back; the baseline does not send exactly the minimum (the
benchmark would be wrong); a contender's end state is wrong; a launch retry launches a cluster; or a
median wall-time ratio exceeds 1.5.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

if "AIRFLOW_HOME" not in os.environ:
    _AIRFLOW_HOME = tempfile.mkdtemp(prefix="emrfs-xacct-bench-airflow-")
    os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
    atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")

import argparse
import gc
import hashlib
import json
import statistics
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import botocore.client
import moto
import requests

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    EMR_SERVICE_ROLE,
    MotoStack,
    Seeded,
    account_session,
    airflow_environment,
    seed,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: Operation names that only read (the same rule as ``tests/conftest.py``'s ``CallRecorder``).
READ_PREFIXES = ("Get", "List", "Describe", "Head")
#: Services whose calls fetch credentials rather than touch a resource; counted apart.
CREDENTIAL_SERVICES = frozenset({"sts"})
SIZES = (1, 10, 100)
#: Rounds per size: small sizes are fast and noisy, so they get more.
ROUNDS = {1: 7, 10: 7, 100: 3}
MAX_RATIO = 1.5
#: Per partner chain: mutating calls and reads of the first run and of the steady state.
MINIMUM_PER_PARTNER = {"first": (5, 5), "steady": (0, 5)}
PHASES = ("first", "steady")
#: Why the provider sends a call the minimum does not, by operation.
EXTRA_CALL_REASONS = {
    "GetRole": "trust policy read back after UpdateAssumeRolePolicy (convergence check; none after CreateRole)",
    "GetRolePolicy": "inline policy read back after PutRolePolicy (convergence check): destination role and shared EMR role",
    "GetKeyPolicy": "key policy read back after PutKeyPolicy (convergence check on the shared key policy)",
}
SECURITY_CONFIG_HASH_LENGTH = 12

# The provider's owned names, which the baseline uses too so that both end states read the same.
TRUST_SID = "EmrfsXacctTrustEmrRoles"
ASSUME_SID = "EmrfsXacctAssumeDestinationRoles"
KEY_USERS_SID = "EmrfsXacctKeyUsers"
DESTINATION_POLICY = "emrfs-xacct-destination-access"
ASSUME_POLICY = "emrfs-xacct-assume-destination-roles"
KEY_USER_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]


# Call recording ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One AWS API call as botocore sent it (retries of the same call are not counted again)."""

    service: str
    operation: str
    resource: str

    @property
    def is_read(self) -> bool:
        return self.operation.startswith(READ_PREFIXES)

    @property
    def is_credentials(self) -> bool:
        return self.service in CREDENTIAL_SERVICES


def resource_of(service: str, operation: str, params: dict[str, Any]) -> str:
    """Name the document or object a call reads or writes."""
    if service == "iam":
        role, policy = params.get("RoleName"), params.get("PolicyName")
        return f"iam role {role} inline policy {policy}" if policy else f"iam role {role} trust policy"
    if service == "kms":
        return f"kms key {params.get('KeyId')} key policy"
    if service == "emr" and operation.endswith("SecurityConfiguration"):
        return f"emr security configuration {params.get('Name')}"
    if service == "emr" and "ClusterId" in params:
        return f"emr cluster {params['ClusterId']}"
    return f"{service} {operation}"


class CallLog:
    """Records every call of every botocore client created after :meth:`install`, while recording."""

    def __init__(self) -> None:
        self._calls: list[Call] | None = None

    def install(self) -> None:
        original = botocore.client.ClientCreator.create_client
        if getattr(original, "records_calls", False):
            return

        def create_client(creator: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(creator, *args, **kwargs)
            client.meta.events.register("before-parameter-build", self._record)
            return client

        create_client.records_calls = True  # type: ignore[attr-defined]
        botocore.client.ClientCreator.create_client = create_client

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self._calls is not None:
            service = model.service_model.service_name
            self._calls.append(Call(service, model.name, resource_of(service, model.name, params)))

    @contextmanager
    def recording(self) -> Iterator[list[Call]]:
        calls: list[Call] = []
        self._calls = calls
        try:
            yield calls
        finally:
            self._calls = None


CALL_LOG = CallLog()


def split(calls: list[Call]) -> tuple[list[Call], list[Call]]:
    """Return (resource calls, credential calls)."""
    return [c for c in calls if not c.is_credentials], [c for c in calls if c.is_credentials]


# Scenario ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """Partner ``index`` of one contender (``owner`` "p" or "b": same name lengths, disjoint resources)."""

    index: int
    owner: str

    @property
    def name_prefix(self) -> str:
        return f"partner-{self.owner}{self.index:03d}"

    @property
    def role_name(self) -> str:
        return f"{self.name_prefix}-writer"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{self.role_name}"

    @property
    def prefix(self) -> str:
        return f"{self.name_prefix}/"

    @property
    def location(self) -> str:
        return f"s3://{BUCKET}/{self.prefix}"

    def role_mappings(self) -> list[dict[str, Any]]:
        # The identifier the provider writes: without the trailing slash (see the README's identifier shape).
        return [{"Role": self.role_arn, "IdentifierType": "Prefix", "Identifiers": [self.location.rstrip("/")]}]


@dataclass
class TaskInstance:
    """The few task-instance attributes the operators' ``execute`` reads."""

    task_id: str
    dag_id: str = "emrfs_xacct_bench"
    run_id: str = "manual__2026-01-01T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


def emr_role_name(seeded: Seeded) -> str:
    return seeded.emr_ec2_role_arn.rsplit("/", 1)[-1]


def execute(operator: Any, ti: TaskInstance | None = None) -> Any:
    ti = ti or TaskInstance(task_id=operator.task_id)
    return operator.execute({"ti": ti, "task_instance": ti})


@dataclass
class RunResult:
    """One contender's run for one size: calls per partner chain and times per phase."""

    setup_calls: list[Call]
    chains: dict[str, list[list[Call]]]
    seconds: dict[str, float]
    setup_seconds: float
    config_names: list[str]


class Contender:
    name = ""
    owner = ""

    def __init__(self, url: str, seeded: Seeded) -> None:
        self.url = url
        self.seeded = seeded

    def setup(self) -> None:
        """Build the clients (credentials and service models)."""
        raise NotImplementedError

    def prepare(self, partner: Partner) -> Callable[[], str]:
        """Return the partner's chain, ready to run (untimed preparation); it returns the configuration name."""
        raise NotImplementedError


class ProviderChain(Contender):
    """The provider's operators, one chain per partner, each operator executed as its task would."""

    name = "provider"
    owner = "p"

    def __init__(self, url: str, seeded: Seeded) -> None:
        super().__init__(url, seeded)
        self.hooks: dict[tuple[type, str | None], Any] = {}

    def setup(self) -> None:
        for operator in self.operators(Partner(0, self.owner)):
            operator.hook.conn  # noqa: B018  (builds the client: AssumeRole and the service model)
            self.hooks[(operator.aws_hook_class, operator.aws_conn_id)] = operator.hook

    def operators(self, partner: Partner) -> list[Any]:
        common: dict[str, Any] = {"settle_seconds": 0}
        return [
            EnsureDestinationRoleOperator(
                task_id="ensure_destination_role",
                aws_conn_id=DESTINATION_CONN_ID,
                role_name=partner.role_name,
                trusted_role_arns=[self.seeded.emr_ec2_role_arn],
                s3_prefixes=[partner.location],
                kms_key_arns=[self.seeded.kms_key_arn],
                **common,
            ),
            AttachAssumeRolePolicyOperator(
                task_id="allow_assume_destination_role",
                aws_conn_id=EMR_CONN_ID,
                emr_ec2_role_name=emr_role_name(self.seeded),
                destination_role_arns=[partner.role_arn],
                **common,
            ),
            GrantKmsKeyUserOperator(
                task_id="grant_kms_key_user",
                aws_conn_id=DESTINATION_CONN_ID,
                key_arn=self.seeded.kms_key_arn,
                principal_arns=[partner.role_arn],
                **common,
            ),
            CreateEmrfsSecurityConfigOperator(
                task_id="create_security_configuration",
                aws_conn_id=EMR_CONN_ID,
                name_prefix=partner.name_prefix,
                role_mappings=partner.role_mappings(),
                **common,
            ),
        ]

    def prepare(self, partner: Partner) -> Callable[[], str]:
        operators = self.operators(partner)
        for operator in operators:
            # Share the hook (and so the client) of the same class and connection: cached_property.
            operator.__dict__["hook"] = self.hooks[(operator.aws_hook_class, operator.aws_conn_id)]

        def chain() -> str:
            result = None
            for operator in operators:
                result = execute(operator)
            return str(result)

        return chain


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def find_sid(document: dict[str, Any], sid: str) -> dict[str, Any] | None:
    return next((s for s in as_list(document.get("Statement")) if isinstance(s, dict) and s.get("Sid") == sid), None)


class MinimalBoto3(Contender):
    """
    A hand-written minimal boto3 sequence: one read per document, a write only where something is missing.

    It keeps the other statements of the shared documents (it must, to be the same work), but it does
    not read back after writing, validate its input, compare documents by meaning or render a plan.
    """

    name = "baseline"
    owner = "b"

    def setup(self) -> None:
        emr_account = account_session(self.url, EMR_ACCOUNT)
        destination = account_session(self.url, DESTINATION_ACCOUNT)
        self.iam_a = emr_account.client("iam", endpoint_url=self.url)
        self.emr_a = emr_account.client("emr", endpoint_url=self.url)
        self.iam_b = destination.client("iam", endpoint_url=self.url)
        self.kms_b = destination.client("kms", endpoint_url=self.url)

    def prepare(self, partner: Partner) -> Callable[[], str]:
        return lambda: self.chain(partner)

    def chain(self, partner: Partner) -> str:
        emr_role_arn, key_arn = self.seeded.emr_ec2_role_arn, self.seeded.kms_key_arn

        # 1-2. The destination role trusts the EMR EC2 role.
        try:
            trust = self.iam_b.get_role(RoleName=partner.role_name)["Role"]["AssumeRolePolicyDocument"]
        except self.iam_b.exceptions.NoSuchEntityException:
            trust_statement = {
                "Sid": TRUST_SID,
                "Effect": "Allow",
                "Principal": {"AWS": [emr_role_arn]},
                "Action": "sts:AssumeRole",
            }
            self.iam_b.create_role(
                RoleName=partner.role_name,
                AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust_statement]}),
                Tags=[{"Key": "emrfs-xacct:managed-by", "Value": "baseline"}],
            )
        else:
            if self.add_principal(trust, TRUST_SID, emr_role_arn, {"Action": "sts:AssumeRole"}):
                self.iam_b.update_assume_role_policy(RoleName=partner.role_name, PolicyDocument=json.dumps(trust))

        # 1. Its permissions: the prefix and the key.
        access = destination_access(partner, key_arn)
        if self.get_role_policy(self.iam_b, partner.role_name, DESTINATION_POLICY) != access:
            self.iam_b.put_role_policy(
                RoleName=partner.role_name, PolicyName=DESTINATION_POLICY, PolicyDocument=json.dumps(access)
            )

        # 4. The shared EMR EC2 role may assume it.
        emr_role = emr_role_name(self.seeded)
        assume = self.get_role_policy(self.iam_a, emr_role, ASSUME_POLICY) or {
            "Version": "2012-10-17",
            "Statement": [],
        }
        statement = find_sid(assume, ASSUME_SID)
        if statement is None:
            statement = {"Sid": ASSUME_SID, "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": []}
            assume["Statement"] = [*as_list(assume.get("Statement")), statement]
        if partner.role_arn not in as_list(statement["Resource"]):
            statement["Resource"] = sorted({*as_list(statement["Resource"]), partner.role_arn})
            self.iam_a.put_role_policy(RoleName=emr_role, PolicyName=ASSUME_POLICY, PolicyDocument=json.dumps(assume))

        # KMS: the role is a user of the shared key.
        key_policy = json.loads(self.kms_b.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
        if self.add_principal(
            key_policy, KEY_USERS_SID, partner.role_arn, {"Action": KEY_USER_ACTIONS, "Resource": "*"}
        ):
            self.kms_b.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(key_policy))

        # 3. The security configuration, named by its content.
        document = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": partner.role_mappings()}}}
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
        name = f"{partner.name_prefix}-{hashlib.sha256(canonical.encode()).hexdigest()[:SECURITY_CONFIG_HASH_LENGTH]}"
        try:
            self.emr_a.describe_security_configuration(Name=name)
        except self.emr_a.exceptions.InvalidRequestException:
            self.emr_a.create_security_configuration(Name=name, SecurityConfiguration=canonical)
        return name

    @staticmethod
    def get_role_policy(iam: Any, role_name: str, policy_name: str) -> dict[str, Any] | None:
        try:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        except iam.exceptions.NoSuchEntityException:
            return None
        return json.loads(document) if isinstance(document, str) else document

    @staticmethod
    def add_principal(document: dict[str, Any], sid: str, arn: str, rest: dict[str, Any]) -> bool:
        """Add ``arn`` to the AWS principals of statement ``sid`` (made if missing); return whether it changed."""
        statement = find_sid(document, sid)
        if statement is None:
            statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": []}, **rest}
            document["Statement"] = [*as_list(document.get("Statement")), statement]
        principals = as_list(statement["Principal"].get("AWS"))
        if arn in principals:
            return False
        statement["Principal"]["AWS"] = sorted({*principals, arn})
        return True


def destination_access(partner: Partner, key_arn: str) -> dict[str, Any]:
    """The destination role's least-privilege access: the same statements as the provider's."""
    bucket = f"arn:aws:s3:::{BUCKET}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EmrfsXacctObjects",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:DeleteObject",
                    "s3:GetObject",
                    "s3:ListMultipartUploadParts",
                    "s3:PutObject",
                ],
                "Resource": [
                    f"{bucket}/{partner.prefix}*",
                    f"{bucket}/{partner.prefix.rstrip('/')}",
                    f"{bucket}/{partner.prefix.rstrip('/')}_$folder$",
                ],
            },
            {
                "Sid": "EmrfsXacctList1",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"],
                "Resource": bucket,
            },
            {
                "Sid": "EmrfsXacctBucketLocation",
                "Effect": "Allow",
                "Action": "s3:GetBucketLocation",
                "Resource": [bucket],
            },
            {"Sid": "EmrfsXacctKmsKeyUse", "Effect": "Allow", "Action": KEY_USER_ACTIONS, "Resource": [key_arn]},
        ],
    }


# Running -----------------------------------------------------------------------------------------

#: The baseline's twin of ``EMR_EC2_DefaultRole`` (same trust and inline policy), in the same account.
BASELINE_EMR_ROLE = "EMR_EC2_BaselineRole"


@dataclass(frozen=True)
class Accounts:
    """What each contender starts from: the seeded EMR EC2 role and key, and the baseline's twins."""

    provider: Seeded
    baseline: Seeded


def fresh_accounts(url: str) -> Accounts:
    """
    Reset moto and seed both accounts; give the baseline a twin of the EMR EC2 role and of the key.

    The contenders then touch disjoint resources of the same shape (their own shared role policy, key
    policy, destination roles and configurations), so their chains can alternate one by one.
    """
    requests.post(f"{url}/moto-api/reset", timeout=30).raise_for_status()
    seeded = seed(url)
    iam_a = account_session(url, EMR_ACCOUNT).client("iam", endpoint_url=url)
    role = iam_a.get_role(RoleName=EMR_EC2_ROLE)["Role"]
    twin = iam_a.create_role(
        RoleName=BASELINE_EMR_ROLE, AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"])
    )["Role"]
    for name in iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]:
        document = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
        iam_a.put_role_policy(RoleName=BASELINE_EMR_ROLE, PolicyName=name, PolicyDocument=json.dumps(document))
    kms_b = account_session(url, DESTINATION_ACCOUNT).client("kms", endpoint_url=url)
    key = kms_b.create_key(Description="partner results bucket key", Policy=json.dumps(seeded.key_policy))
    return Accounts(
        provider=seeded,
        baseline=replace(seeded, emr_ec2_role_arn=twin["Arn"], kms_key_arn=key["KeyMetadata"]["Arn"]),
    )


def run_round(url: str, size: int, round_number: int, *, check: bool) -> dict[str, RunResult]:
    """
    From a fresh reset and seed, run both contenders' chains for ``size`` partners: first run, then steady state.

    Chains alternate one by one (provider, baseline, baseline, provider, ...), so that a burst of load
    on the machine falls on both contenders alike; calls are recorded per contender and per chain.
    """
    accounts = fresh_accounts(url)
    contenders: list[Contender] = [ProviderChain(url, accounts.provider), MinimalBoto3(url, accounts.baseline)]
    setup_calls: dict[str, list[Call]] = {}
    setup_seconds: dict[str, float] = {}
    for contender in contenders:
        gc.collect()
        with CALL_LOG.recording() as calls:
            started = time.perf_counter()
            contender.setup()
            setup_seconds[contender.name] = time.perf_counter() - started
        setup_calls[contender.name] = calls
    partners = {c.name: [Partner(index, c.owner) for index in range(size)] for c in contenders}
    chains: dict[str, dict[str, list[list[Call]]]] = {c.name: {} for c in contenders}
    seconds: dict[str, dict[str, float]] = {c.name: {} for c in contenders}
    names: dict[str, list[str]] = {c.name: [] for c in contenders}
    for phase in PHASES:
        prepared = {c.name: [c.prepare(partner) for partner in partners[c.name]] for c in contenders}
        for contender in contenders:
            chains[contender.name][phase] = []
            seconds[contender.name][phase] = 0.0
        gc.collect()
        gc.disable()  # as timeit does: a collection's cost depends on what else lives in the process
        try:
            for index in range(size):
                order = contenders if (index + round_number) % 2 == 0 else contenders[::-1]
                for contender in order:
                    with CALL_LOG.recording() as calls:
                        started = time.perf_counter()
                        name = prepared[contender.name][index]()
                        seconds[contender.name][phase] += time.perf_counter() - started
                    chains[contender.name][phase].append(calls)
                    if phase == "first":
                        names[contender.name].append(name)
        finally:
            gc.enable()
    if check:
        for contender in contenders:
            problems = check_end_state(url, contender.seeded, partners[contender.name], names[contender.name])
            if problems:
                raise SystemExit(f"{contender.name}: wrong end state:\n  " + "\n  ".join(problems[:10]))
    return {
        c.name: RunResult(setup_calls[c.name], chains[c.name], seconds[c.name], setup_seconds[c.name], names[c.name])
        for c in contenders
    }


def check_end_state(url: str, seeded: Seeded, partners: list[Partner], names: list[str]) -> list[str]:
    """Read back (unrecorded) that every partner is provisioned and the seeded key statements survived."""
    iam_a = account_session(url, EMR_ACCOUNT).client("iam", endpoint_url=url)
    emr_a = account_session(url, EMR_ACCOUNT).client("emr", endpoint_url=url)
    destination = account_session(url, DESTINATION_ACCOUNT)
    iam_b = destination.client("iam", endpoint_url=url)
    kms_b = destination.client("kms", endpoint_url=url)
    problems: list[str] = []
    assume = MinimalBoto3.get_role_policy(iam_a, emr_role_name(seeded), ASSUME_POLICY) or {}
    assumable = set(as_list((find_sid(assume, ASSUME_SID) or {}).get("Resource")))
    if len(assumable) != len(partners):
        problems.append(f"the EMR EC2 role may assume {len(assumable)} roles, not {len(partners)}")
    key_policy = json.loads(kms_b.get_key_policy(KeyId=seeded.kms_key_arn, PolicyName="default")["Policy"])
    key_users = set(as_list(((find_sid(key_policy, KEY_USERS_SID) or {}).get("Principal") or {}).get("AWS")))
    if len(key_users) != len(partners):
        problems.append(f"the key has {len(key_users)} key users, not {len(partners)}")
    for statement in seeded.key_policy["Statement"]:
        if statement not in key_policy["Statement"]:
            problems.append(f"seeded key statement {statement['Sid']!r} was changed or dropped")
    for partner, name in zip(partners, names, strict=True):
        trust = iam_b.get_role(RoleName=partner.role_name)["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        trusted = as_list(((find_sid(trust, TRUST_SID) or {}).get("Principal") or {}).get("AWS"))
        if trusted != [seeded.emr_ec2_role_arn]:
            problems.append(f"{partner.role_name} trusts {trusted}, not the EMR EC2 role alone")
        access = MinimalBoto3.get_role_policy(iam_b, partner.role_name, DESTINATION_POLICY)
        if access is None or f"{partner.prefix}*" not in json.dumps(access):
            problems.append(f"{partner.role_name} has no access to {partner.location}")
        if partner.role_arn not in assumable:
            problems.append(f"the EMR EC2 role may not assume {partner.role_arn}")
        if partner.role_arn not in key_users:
            problems.append(f"{partner.role_arn} is not a key user")
        configuration = json.loads(emr_a.describe_security_configuration(Name=name)["SecurityConfiguration"])
        mappings = configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
        if mappings != partner.role_mappings():
            problems.append(f"security configuration {name} maps {mappings}")
    return problems


# Figures -----------------------------------------------------------------------------------------


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
                last[call.resource] = "write"
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


@dataclass
class LaunchFigures:
    first: list[Call]
    retry: list[Call]
    same_cluster: bool


def measure_launch(url: str) -> LaunchFigures:
    """Launch one cluster for partner 0's configuration, then retry the same task instance."""
    seeded = fresh_accounts(url).provider
    provider = ProviderChain(url, seeded)
    provider.setup()
    name = provider.prepare(Partner(0, provider.owner))()
    overrides = {
        "Name": "partner-p000-export",
        "ReleaseLabel": "emr-6.15.0",
        "Applications": [{"Name": "Spark"}],
        "Instances": {
            "MasterInstanceType": "m5.xlarge",
            "SlaveInstanceType": "m5.xlarge",
            "InstanceCount": 3,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        "JobFlowRole": EMR_EC2_ROLE,
        "ServiceRole": EMR_SERVICE_ROLE,
    }
    ti = TaskInstance(task_id="launch_cluster")
    ids = []
    records = []
    for _attempt in ("first", "retry"):
        operator = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=name,
            job_flow_overrides=overrides,
        )
        with CALL_LOG.recording() as calls:
            ids.append(execute(operator, ti))
        records.append(calls)
    return LaunchFigures(records[0], records[1], ids[0] == ids[1])


# Report ------------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def describe(counter: Counter[str], per: int) -> str:
    parts = []
    for operation, count in sorted(counter.items()):
        amount = f"{count // per}/partner" if count % per == 0 else f"{count} in all"
        parts.append(f"{operation} x{amount}")
    return ", ".join(parts) or "none"


def report(figures: list[Figures], launch: LaunchFigures) -> list[str]:
    """Print the tables; return the failures."""
    failures: list[str] = []
    print()
    print(
        f"API economy of the provider's chain vs a hand-written minimal boto3 sequence (moto {moto.__version__} "
        "over HTTP on loopback)."
    )
    print(
        "settle_seconds=0 for the provider: nothing runs concurrently here, and the settle wait is a deliberate "
        "safety delay before the read-back of a shared document, not API cost."
    )
    print(
        "Per partner chain: EnsureDestinationRole -> AttachAssumeRolePolicy -> GrantKmsKeyUser -> "
        "CreateEmrfsSecurityConfig; N partners share the EMR EC2 role and the KMS key."
    )
    print()
    print("AWS calls per run of all N chains (STS credential calls counted apart, below):")
    print()
    print(
        "| N | run | provider calls | mutating | reads (first + read-back after own write) | minimum "
        "(mutating + reads) | baseline (mutating + reads) | most reads of one resource in a chain | "
        "provider's calls beyond the minimum |"
    )
    print("|---:|---|---:|---:|---|---|---|---:|---|")
    for figure in figures:
        for phase in PHASES:
            provider_chains = figure.provider.chains[phase]
            baseline_calls = flat(figure.baseline.chains[phase])
            total, mutating, reads = counts(flat(provider_chains))
            kinds = classify_reads(provider_chains)
            minimum_mutating, minimum_reads = (figure.size * n for n in MINIMUM_PER_PARTNER[phase])
            baseline_total, baseline_mutating, baseline_reads = counts(baseline_calls)
            worst, where = max_reads_per_resource(provider_chains)
            extra = extra_calls(flat(provider_chains), baseline_calls)
            repeated = f" + {kinds['repeated']} repeated" if kinds["repeated"] else ""
            print(
                f"| {figure.size} | {phase} | {total} | {mutating} | {reads} ({kinds['first']} + "
                f"{kinds['read-back']}{repeated}) | {minimum_mutating + minimum_reads} ({minimum_mutating} + "
                f"{minimum_reads}) | {baseline_total} ({baseline_mutating} + {baseline_reads}) | {worst} | "
                f"{describe(extra, figure.size)} |"
            )
            if (baseline_mutating, baseline_reads) != (minimum_mutating, minimum_reads):
                failures.append(f"N={figure.size} {phase}: the baseline does not send the minimum")
            if mutating > minimum_mutating or kinds["first"] > minimum_reads:
                failures.append(
                    f"N={figure.size} {phase}: {mutating} mutating calls and {kinds['first']} first reads, "
                    f"minimum {minimum_mutating} and {minimum_reads}"
                )
            if kinds["repeated"]:
                failures.append(
                    f"N={figure.size} {phase}: {kinds['repeated']} reads repeat a read with no write between"
                )
            if phase == "steady":
                if mutating:
                    failures.append(f"N={figure.size} steady state: {mutating} mutating calls")
                if worst > 1:
                    failures.append(f"N={figure.size} steady state: {where} read {worst} times in one chain")
                if reads > minimum_reads:
                    failures.append(f"N={figure.size} steady state: {reads} reads, minimum {minimum_reads}")
    explained = set()
    for figure in figures:
        explained |= set(extra_calls(flat(figure.provider.chains["first"]), flat(figure.baseline.chains["first"])))
        explained |= set(extra_calls(flat(figure.provider.chains["steady"]), flat(figure.baseline.chains["steady"])))
    print()
    for operation in sorted(explained):
        print(f"- {operation}: {EXTRA_CALL_REASONS.get(operation, 'NOT EXPECTED: investigate')}")
        if operation not in EXTRA_CALL_REASONS:
            failures.append(f"unexpected extra call {operation}")

    print()
    print("STS calls (credentials, not resources), per run of one size:")
    for figure in figures:
        for name, result in (("provider", figure.provider), ("baseline", figure.baseline)):
            sts = Counter(c.operation for c in result.setup_calls if c.is_credentials)
            for phase in PHASES:
                sts += Counter(c.operation for c in split(flat(result.chains[phase]))[1])
            print(f"  N={figure.size:<3} {name:<8}: {dict(sts) or 'none'}")
    identity_calls = sum(
        call.operation == "GetCallerIdentity"
        for figure in figures
        for result in (figure.provider, figure.baseline)
        for call in result.setup_calls + flat(result.chains["first"]) + flat(result.chains["steady"])
    )
    print(
        "  The provider assumes the connection's role once per hook (one hook per operator class and connection "
        f"here; in Airflow, once per task), the baseline once per account. GetCallerIdentity calls: {identity_calls}."
    )
    print()
    print(
        "Wall time of the chains (clients built beforehand by both; contenders alternating chain by chain; median over rounds):"
    )
    print()
    print(
        "| N | run | provider ms (median) | baseline ms (median) | ratio provider/baseline (median of the rounds' "
        "ratios) | ratio range | rounds |"
    )
    print("|---:|---|---:|---:|---:|---|---:|")
    for figure in figures:
        for phase in PHASES:
            ratio = statistics.median(figure.ratios[phase])
            print(
                f"| {figure.size} | {phase} | {ms(statistics.median(figure.provider_seconds[phase]))} | "
                f"{ms(statistics.median(figure.baseline_seconds[phase]))} | {ratio:.2f} | "
                f"{min(figure.ratios[phase]):.2f}-{max(figure.ratios[phase]):.2f} | {len(figure.ratios[phase])} |"
            )
            if ratio > MAX_RATIO:
                failures.append(f"N={figure.size} {phase}: wall-time ratio {ratio:.2f} > {MAX_RATIO}")
    print()
    provider_setup = statistics.median([s for f in figures for s in f.setup_seconds["provider"]])
    baseline_setup = statistics.median([s for f in figures for s in f.setup_seconds["baseline"]])
    print(
        f"Client setup, not in the ratio: building all clients once took {ms(provider_setup)} ms for the provider "
        f"(4 hooks) and {ms(baseline_setup)} ms for the baseline (2 sessions, 4 clients), median over all rounds. "
        "Each AwsBaseHook builds its own botocore sessions (one to assume the connection's role, one for the "
        "client) and so loads its service models again; in Airflow every task builds its client once, whatever "
        "code it runs."
    )

    print()
    print("Launch, measured once (LaunchClusterWithSecConfigOperator, partner 0's configuration):")
    for label, calls, minimum in (
        ("first launch", launch.first, "ListClusters, RunJobFlow (RunJobFlow has no client token)"),
        ("retry of the same task instance", launch.retry, "ListClusters, DescribeCluster (tags are only in it)"),
    ):
        resource_calls, credential_calls = split(calls)
        total, mutating, reads = counts(calls)
        sequence = ", ".join(c.operation for c in resource_calls)
        print(
            f"  {label}: {total} calls ({mutating} mutating + {reads} reads): {sequence}; STS: {len(credential_calls)}"
        )
        print(f"    minimum: {minimum}")
    if not launch.same_cluster:
        failures.append("launch retry returned another cluster")
    if counts(launch.retry)[1]:
        failures.append("launch retry made a mutating call")
    print(
        "  Beyond the minimum: DescribeSecurityConfiguration (the operator refuses a missing configuration and "
        "checks the release label against its role mappings) and, after the launch, DescribeCluster for the "
        "upstream EmrCreateJobFlowOperator's logs link (get_log_uri); on a retry that second DescribeCluster reads "
        "the cluster the idempotency check has just described. Two STS AssumeRole: the hook's client and its "
        "single-attempt launch client build separate sessions."
    )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of partners")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per size (default: 7, 7, 3 by size)")
    args = parser.parse_args(argv)

    CALL_LOG.install()
    started = time.perf_counter()
    with MotoStack() as stack:
        os.environ.update(airflow_environment(stack.url))
        print("warming up (one discarded round at N=1)", file=sys.stderr, flush=True)
        run_round(stack.url, 1, 0, check=False)
        figures = []
        for size in args.sizes:
            size_started = time.perf_counter()
            figures.append(measure(stack.url, size, args.rounds or ROUNDS.get(size, 3)))
            print(f"  N={size}: {time.perf_counter() - size_started:.0f} s", file=sys.stderr, flush=True)
        launch = measure_launch(stack.url)
    failures = report(figures, launch)
    print()
    print(f"Took {time.perf_counter() - started:.0f} s.")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(
        f"OK: the steady state makes no mutating call and reads each resource at most once per chain; "
        f"every wall-time ratio <= {MAX_RATIO}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
