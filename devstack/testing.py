"""
The support the tests, the benchmarks and the demo share (one of each).

- :class:`CallRecorder`: the AWS operations botocore clients send, recorded by a wrapper of
  ``BaseClient._make_api_call`` (:func:`install_call_recording`); instrumentation only, every call
  still goes to moto over HTTP.
- :class:`RecordingTaskInstance`, :func:`execute_as_task` and :func:`run_operator`: an operator's
  ``execute`` without Airflow's metadata database, XComs kept in a dict.
- :func:`small_cluster`: ``job_flow_overrides`` for a small cluster of the seeded EMR account; :func:`launch_cluster`
  launches one.
- :func:`moto_user`, :func:`sign_connections_as_moto_user`, :func:`provisioner_roles`, :func:`moto_authorization`
  (and its block and switch): moto's IAM authorization on, with identities it checks.
- :func:`airflow_env`, :func:`partner_export_conf`, :func:`run_dag`, :func:`count_changes`,
  :func:`show_plans`, :func:`provisioned_state`: the example DAGs run with ``airflow dags test`` and
  what they changed; :func:`record_moto_requests` and :func:`assert_changed_nothing`: every request a whole run
  sent (moto's recorder) and whether it changed more than it should.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import botocore.client
import requests

from airflow_provider_emrfs_xacct.cli import _TaskInstance
from devstack.fault_proxy import CREATES_AWS_MANAGED_KEY as CREATES_AWS_MANAGED_KEY
from devstack.fault_proxy import json_params
from devstack.fault_proxy import recorded_name as recorded_name
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    EMR_SERVICE_ROLE,
    PROVISIONER_ROLE,
    Seeded,
    airflow_environment,
    client,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, MutableMapping, Sequence

ROOT = Path(__file__).resolve().parent.parent
#: The example DAG the demo runs.
DAG_ID = "emrfs_xacct_partner_export"
#: Operation names that only read (``Simulate``: IAM's policy simulator evaluates, it changes nothing;
#: IAM API Reference, SimulatePrincipalPolicy).
READ_PREFIXES = ("Get", "List", "Describe", "Head", "Simulate")


def may_change(operation: str) -> bool:
    """
    Whether ``operation`` (as :func:`recorded_name` names it) may change something: not a read
    (:data:`READ_PREFIXES`), or one marked so (:data:`CREATES_AWS_MANAGED_KEY`).
    """
    return not operation.startswith(READ_PREFIXES) or CREATES_AWS_MANAGED_KEY in operation


#: The path of every S3 Control request (S3 Control API Reference: ``GET /v20180820/configuration/publicAccessBlock``).
S3_CONTROL_PATH = "/v20180820/"

# Call recording ----------------------------------------------------------------------------------

#: Recorders that record every client's calls made in the current thread (see CallRecorder.everything).
_RECORDING = threading.local()
#: Recorders listening to every botocore client of the process, any thread (see CallRecorder.everywhere).
_LISTENING: list[CallRecorder] = []
#: Called with ``(service, operation, parsed answer)`` after every call that succeeded, by any client.
AFTER_CALL: list[Callable[[str, str, Any], None]] = []
# botocore-stubs do not declare this private method; it exists in every botocore release.
_MAKE_API_CALL = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]


def _signer(client: Any) -> Any:
    """The frozen credentials (access key, secret, token) that sign this client's requests, or None."""
    credentials = client._request_signer._credentials
    return credentials.get_frozen_credentials() if credentials is not None else None


def _recorded_make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
    service = self.meta.service_model.service_name
    recorders = (*getattr(_RECORDING, "recorders", ()), *_LISTENING)
    # Only when asked: freezing refreshable credentials may itself call STS before this call.
    signer = _signer(self) if any(recorder.record_signers for recorder in recorders) else None
    for recorder in recorders:
        recorder.record_call(service, operation_name, api_params, signer)
    answer = _MAKE_API_CALL(self, operation_name, api_params)
    for callback in list(AFTER_CALL):
        callback(service, operation_name, answer)
    return answer


def install_call_recording() -> None:
    """
    Wrap ``BaseClient._make_api_call`` once for the process (idempotent).

    Every client of any session (those an operator builds for another account included) goes through
    it once per API call: paginated pages and waiter polls included, botocore's own retries below it.
    """
    botocore.client.BaseClient._make_api_call = _recorded_make_api_call  # type: ignore[attr-defined]


@dataclass
class CallRecorder:
    """
    Records the AWS operations botocore clients send.

    ``attach`` records one client's calls (botocore's event system); ``everything`` records every
    client's calls in this thread, including the clients hooks build for another account;
    ``everywhere`` records every client's calls in the whole process, any thread. STS calls
    (credentials, ``GetCallerIdentity``) are kept apart in ``sts_calls``.

    :param record_signers: also keep, in ``signers``, the frozen credentials that signed each call.
    """

    calls: list[str] = field(default_factory=list)
    sts_calls: list[str] = field(default_factory=list)
    #: Every operation as ``(service, operation)``, STS included (not for ``attach``).
    every: list[tuple[str, str]] = field(default_factory=list)
    #: The parameters of each call in ``every``, in the same order.
    params: list[dict[str, Any]] = field(default_factory=list)
    record_signers: bool = False
    #: With ``record_signers``: the frozen credentials (``access_key`` ...) of each call in ``every``.
    signers: list[Any] = field(default_factory=list)

    def attach(self, client: Any) -> CallRecorder:
        """Record the calls of this one client (through botocore's event system)."""
        client.meta.events.register("before-call", self._record)
        return self

    @contextlib.contextmanager
    def everything(self) -> Iterator[CallRecorder]:
        """Record, for the duration, the calls of every botocore client used in this thread."""
        install_call_recording()
        recorders = getattr(_RECORDING, "recorders", ())
        _RECORDING.recorders = (*recorders, self)
        try:
            yield self
        finally:
            _RECORDING.recorders = recorders

    @contextlib.contextmanager
    def everywhere(self) -> Iterator[CallRecorder]:
        """Record, for the duration, the calls of every botocore client in the process (any thread)."""
        install_call_recording()
        _LISTENING.append(self)
        try:
            yield self
        finally:
            _LISTENING.remove(self)

    def record_call(
        self, service: str, operation: str, params: dict[str, Any] | None = None, signer: Any = None
    ) -> None:
        self.every.append((service, operation))
        self.params.append(params or {})
        if self.record_signers:
            self.signers.append(signer)
        (self.sts_calls if service == "sts" else self.calls).append(recorded_name(operation, params))

    def _record(self, model: Any, params: Any = None, **_: Any) -> None:
        body = params.get("body") if isinstance(params, dict) else None  # the request as sent: JSON for KMS
        self.calls.append(recorded_name(model.name, json_params(model.name, body)))

    @property
    def mutating(self) -> list[str]:
        """Operations that may change something; STS (the connections assuming their roles) excluded."""
        return [name for name in self.calls if may_change(name)]

    @property
    def reads(self) -> list[str]:
        return [name for name in self.calls if name.startswith(READ_PREFIXES) and CREATES_AWS_MANAGED_KEY not in name]

    def of(self, service: str) -> list[str]:
        """The operations sent to ``service``, in order (not for ``attach``)."""
        return [name for called, name in self.every if called == service]

    def params_of(self, operation: str) -> list[dict[str, Any]]:
        """The parameters of each ``operation`` sent, in order (not for ``attach``)."""
        return [params for (_, name), params in zip(self.every, self.params, strict=True) if name == operation]


# Operators without Airflow's database ------------------------------------------------------------


@dataclass
class RecordingTaskInstance(_TaskInstance):
    """
    The command line's task instance (the few attributes an operator's ``execute`` reads, XComs kept
    in ``xcoms``), with a test DAG run's names as defaults.
    """

    task_id: str = "test_task"
    dag_id: str = "test_dag"
    run_id: str = "manual__2026-01-01T00:00:00+00:00"

    def xcom_pull(self, task_ids: str | None = None, key: str = "return_value", map_indexes: Any = None) -> Any:
        """Its own XComs only (what a task resumed after a deferral reads back); ``map_indexes`` its own, if given."""
        if task_ids not in (None, self.task_id) or map_indexes not in (None, self.map_index):
            return None
        return self.xcoms.get(key)


#: An identity policy statement allowing everything.
ALLOW_EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def moto_authorization(url: str, unchecked: str) -> str:
    """
    Turn moto's IAM authorization on or off: ``/moto-api/reset-auth`` takes how many more requests go unchecked
    (``"0"``: check the identity policies of the credentials moto issued from the next request; ``"inf"``: never).
    Return the threshold it replaced (``"inf"`` when authorization was off).
    """
    response = requests.post(f"{url}/moto-api/reset-auth", data=unchecked, timeout=10)
    response.raise_for_status()
    return str(response.json()["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])


@contextlib.contextmanager
def moto_authorization_checked(url: str) -> Iterator[None]:
    """Check moto's IAM authorization inside the block (from its first request); off again however it ends."""
    moto_authorization(url, "0")
    try:
        yield
    finally:
        moto_authorization(url, "inf")


def moto_authorization_switch(url: str) -> Iterator[Callable[[], None]]:
    """
    For a fixture (``yield from``): yield a switch that turns moto's IAM authorization on (see
    :func:`moto_authorization`); off again however the test ends.
    """

    def switch_on() -> None:
        moto_authorization(url, "0")

    try:
        yield switch_on
    finally:
        moto_authorization(url, "inf")


def moto_user(
    url: str, name: str, statements: Sequence[dict[str, Any]] = (ALLOW_EVERYTHING,), account: str = EMR_ACCOUNT
) -> tuple[str, dict[str, Any]]:
    """
    Make an IAM user of ``account`` whose identity policy allows ``statements`` (everything unless given); return its
    ARN and an access key of it (``AccessKeyId``, ``SecretAccessKey``): moto checks only the credentials it issued.
    """
    iam = client(url, account, "iam")
    user = str(iam.create_user(UserName=name)["User"]["Arn"])
    iam.put_user_policy(
        UserName=name,
        PolicyName="identity",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
    )
    return user, iam.create_access_key(UserName=name)["AccessKey"]


def sign_connections_as_moto_user(url: str, monkeypatch: Any) -> str:
    """
    Make every Airflow connection sign as an IAM user moto issued (``airflow`` in the EMR account, allowed
    everything): moto checks only the credentials it issued. Return the user's ARN.
    """
    user, key = moto_user(url, "airflow")
    for name, value in airflow_environment(url).items():
        if name.startswith("AIRFLOW_CONN_"):
            connection = json.loads(value)
            connection.update(login=key["AccessKeyId"], password=key["SecretAccessKey"])
            monkeypatch.setenv(name, json.dumps(connection))
    return user


def provisioner_roles(
    url: str,
    user: str | None,
    denied: dict[str, str],
    allowed: Sequence[dict[str, Any]] = (ALLOW_EVERYTHING,),
) -> None:
    """
    Make ``PROVISIONER_ROLE``, which the connections assume, in each account: allowed ``allowed`` (everything unless
    given) but the action ``denied`` names for that account. It trusts ``user`` (the connections' signer, see
    :func:`sign_connections_as_moto_user`), or with ``None`` EC2 only, as the seeded roles: moto does not check the
    trust of a cross-account ``AssumeRole``, and the connections' static ``testing`` keys are then not checked.
    """
    if user is None:
        trust_policy = EC2_ONLY_TRUST
    else:
        trust = {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"}
        trust_policy = json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    for account in (EMR_ACCOUNT, DESTINATION_ACCOUNT):
        statements = list(allowed)
        if account in denied:
            statements.append({"Effect": "Deny", "Action": denied[account], "Resource": "*"})
        iam = client(url, account, "iam")
        iam.create_role(RoleName=PROVISIONER_ROLE, AssumeRolePolicyDocument=trust_policy)
        iam.put_role_policy(
            RoleName=PROVISIONER_ROLE,
            PolicyName="provisioner",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )


def use_workers_own_credentials(url: str, monkeypatch: Any) -> None:
    """Point boto3's default credential chain (``aws_conn_id=None``: the worker's own) at the server: moto's default account."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "worker")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "worker")


def answer_denials_like_aws(monkeypatch: Any) -> None:
    """
    Make the in-process moto server answer a denied JSON-protocol request (KMS, EMR) and a denied S3 Control
    request as AWS does.

    moto answers a denial in XML whatever the protocol (its authorization has service-specific errors
    only for IAM, S3 and EC2, getmoto/moto#2300), so botocore would read a KMS or EMR denial as error
    code ``403``; AWS answers ``AccessDeniedException`` in JSON (HTTP 400). moto's XML is the query protocol's
    (``ErrorResponse``/``Errors``/``Error``), in which botocore finds no code for S3 Control (REST-XML); AWS answers
    S3's REST error, ``Error`` with ``Code`` ``AccessDenied``, 403 (Amazon S3 API Reference, "Error responses":
    "REST error responses", whose list of codes also holds S3 Control's, such as Storage Lens's and Access Grants').
    Query-protocol denials (IAM) are left as moto writes them, which is AWS's form. ``monkeypatch`` undoes it
    after the test.
    """
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import AccessDeniedError as MotoAccessDenied
    from moto.core.exceptions import JsonRESTError

    authorize_action = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action

    def deny_like_aws(self: Any, resource: str = "*") -> None:
        try:
            authorize_action(self, resource)
        except MotoAccessDenied as denial:
            if str(getattr(self, "raw_path", "")).startswith(S3_CONTROL_PATH):
                raise S3StyleDenial(denial.message) from denial
            if not self.headers.get("X-Amz-Target"):  # query protocol (IAM): moto's XML is AWS's
                raise
            raise JsonRESTError("AccessDeniedException", denial.message) from denial

    class S3StyleDenial(JsonRESTError):
        """S3's REST error document (``<Error><Code>AccessDenied</Code>…``), HTTP 403."""

        code = 403

        def __init__(self, message: str) -> None:
            super().__init__("AccessDenied", message)
            self.description = f"<Error><Code>AccessDenied</Code><Message>{escape(message)}</Message></Error>"
            self.content_type = "application/xml"

    monkeypatch.setattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_normal_action", deny_like_aws)


def execute_as_task(operator: Any, context: Any) -> Any:
    """
    Run ``operator.execute(context)`` as Airflow's task runner runs it.

    The runner sets ``ExecutorSafeguard``'s tracker to the task in a copy of the context
    (``_run_execute_callable`` in ``airflow/sdk/execution_time/task_runner.py``); without it Airflow
    logs "... cannot be called outside of the Task Runner!" on every call, work a real task never
    does and that the benchmarks would otherwise time on the provider's side only.
    """
    from airflow.sdk.bases.operator import ExecutorSafeguard

    task_context = contextvars.copy_context()
    task_context.run(ExecutorSafeguard.tracker.set, operator)
    return task_context.run(operator.execute, context)


def execute_with_airflows_timeout(operator: Any, ti: RecordingTaskInstance) -> Any:
    """
    Run ``operator.execute`` through the code of Airflow's task runner that applies ``execution_timeout``: past it
    (``AirflowTaskTimeout``) the runner calls ``operator.on_kill`` and raises again.

    That code is ``_run_execute_callable`` of ``airflow/sdk/execution_time/task_runner.py`` from Airflow 3.3 on; in
    Airflow 3.2 (the floor ``setup.cfg`` declares) the same lines are inline in ``_execute_task``, which runs here
    with the task instance's task set and no resumed deferral (as a first try; it also sets the ``AIRFLOW_CTX_*``
    environment variables of the task, restored after).
    """
    from airflow.sdk.execution_time import task_runner

    context = {"ti": ti, "task_instance": ti}
    if hasattr(task_runner, "_run_execute_callable"):  # Airflow 3.3 and later
        return task_runner._run_execute_callable(context, operator.execute, operator)
    import structlog

    ti.task = operator  # type: ignore[attr-defined]
    ti._ti_context_from_server = None  # type: ignore[attr-defined]
    environ = dict(os.environ)
    try:
        return task_runner._execute_task(context, ti, structlog.get_logger())
    finally:
        os.environ.clear()
        os.environ.update(environ)


@contextlib.contextmanager
def captured_logs() -> Iterator[list[MutableMapping[str, Any]]]:
    """
    ``structlog.testing.capture_logs`` that holds: Airflow is imported first.

    Importing ``airflow`` configures structlog (``settings.initialize``), which puts Airflow's processors back in
    place of the capture; a test whose operator is the first thing to import Airflow captured nothing, and one
    asserting that no warning was logged passed on an empty list.
    """
    import airflow.settings  # noqa: F401  (its import configures logging)
    import structlog.testing

    with structlog.testing.capture_logs() as logs:
        yield logs


def run_operator(
    operator: Any, ti: RecordingTaskInstance | None = None
) -> tuple[Any, CallRecorder, RecordingTaskInstance]:
    """
    Run ``operator.execute`` with the calls of every client it uses recorded; return (result, recorder, task instance).

    Every client: the operator's hook's, the EMR hook's launch client, and those of the hooks an
    operator builds for the other account (revoke). STS calls are in ``recorder.sts_calls``.
    """
    ti = ti or RecordingTaskInstance(task_id=operator.task_id)
    recorder = CallRecorder()
    with recorder.everything():
        result = execute_as_task(operator, {"ti": ti, "task_instance": ti})
    return result, recorder, ti


def small_cluster(name: str = "partner-export", release_label: str = "emr-6.15.0", **changes: Any) -> dict[str, Any]:
    """
    ``job_flow_overrides`` (``RunJobFlow`` arguments) for a one-node cluster with the seeded EMR roles.

    moto keeps it ``WAITING``: it stays alive without steps. ``changes`` replace top-level arguments.
    """
    return {
        "Name": name,
        "ReleaseLabel": release_label,
        "Instances": {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        "JobFlowRole": EMR_EC2_ROLE,
        "ServiceRole": EMR_SERVICE_ROLE,
        **changes,
    }


def launch_cluster(
    seeded: Seeded, security_configuration: str | None, *, instances: dict[str, Any] | None = None, **changes: Any
) -> str:
    """
    Launch a :func:`small_cluster` (``changes`` as there: ``name``, ``release_label`` or top-level arguments) in the
    seeded EMR account with ``security_configuration`` (``None``: none, option (a)); ``instances`` are added to its
    ``Instances`` (``Ec2SubnetId`` ...). Return its id.
    """
    arguments = small_cluster(**changes)
    arguments["Instances"] = {**arguments["Instances"], **(instances or {})}
    if security_configuration is not None:
        arguments["SecurityConfiguration"] = security_configuration
    emr = client(seeded.url, EMR_ACCOUNT, "emr")
    return str(emr.run_job_flow(**arguments)["JobFlowId"])


# The example DAGs with ``airflow dags test`` -----------------------------------------------------


def airflow_env(url: str, airflow_home: Path) -> dict[str, str]:
    """Return the environment for an Airflow CLI that uses the repo's DAGs and the local stack."""
    return {
        **os.environ,
        **airflow_environment(url),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }


def share_botocore_loader(airflow_home: Path) -> None:
    """
    Give the Airflow processes of ``airflow_home`` one botocore loader each (``devstack/shared_botocore_loader.py``)
    and the request-shape judge (``devstack/aws_shapes.py``).

    Airflow imports ``airflow_local_settings`` from ``$AIRFLOW_HOME/config``, which it puts on ``sys.path``.
    """
    config = airflow_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("shared_botocore_loader.py"), config / "airflow_local_settings.py")
    shutil.copyfile(Path(__file__).with_name("aws_shapes.py"), config / "aws_shapes.py")


def partner_export_conf(seeded: Seeded, partner: str, **changes: Any) -> dict[str, Any]:
    """The run configuration of the example DAG (``DAG_ID``) for ``partner`` in the seeded accounts."""
    return {
        "partner": partner,
        "emr_account_id": EMR_ACCOUNT,
        "destination_account_id": DESTINATION_ACCOUNT,
        "destination_prefix": f"s3://{seeded.bucket}/{partner}/out/",
        "kms_key_arn": seeded.kms_key_arn,
        **changes,
    }


def airflow_cli() -> str:
    """The ``airflow`` command of this Python environment."""
    return str(Path(sys.executable).with_name("airflow"))


#: Run :func:`airflow_command`'s commands in forks of a warm Airflow process (``devstack/airflow_zygote.py``)
#: instead of the ``airflow`` executable: the tests set it (``tests/conftest.py``; ``EMRFS_XACCT_AIRFLOW_FORKS=0``
#: runs them with the executable again); the demo keeps the executable.
AIRFLOW_IN_FORKS = False
#: The warm processes, by the environment they were started with (the newest last; two at most).
_ZYGOTES: dict[tuple[tuple[str, str], ...], subprocess.Popen[str]] = {}


def _zygote_key(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, value) for name, value in env.items() if name != "PYTEST_CURRENT_TEST"))


def warm_process(env: dict[str, str]) -> subprocess.Popen[str] | None:
    """The running warm Airflow process of ``env`` (pytest's per-test variable aside), if there is one."""
    zygote = _ZYGOTES.get(_zygote_key(env))
    return zygote if zygote is not None and zygote.poll() is None else None


def _zygote(env: dict[str, str]) -> subprocess.Popen[str]:
    """The warm Airflow process started with ``env`` (pytest's per-test variable aside), started if need be."""
    running = warm_process(env)
    if running is not None:
        return running
    key = _zygote_key(env)
    while len(_ZYGOTES) >= 2:
        _close_zygote(_ZYGOTES.pop(next(iter(_ZYGOTES))))
    script = str(Path(__file__).with_name("airflow_zygote.py"))
    _ZYGOTES[key] = subprocess.Popen(
        [sys.executable, script], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return _ZYGOTES[key]


def _close_zygote(zygote: subprocess.Popen[str]) -> None:
    with contextlib.suppress(OSError):
        assert zygote.stdin is not None
        zygote.stdin.close()
    try:
        zygote.wait(timeout=30)
    except subprocess.TimeoutExpired:
        zygote.kill()


def _disable_forks(reason: str) -> None:
    """Run this session's later commands with the ``airflow`` executable, saying why."""
    global AIRFLOW_IN_FORKS
    AIRFLOW_IN_FORKS = False
    sys.stderr.write(f"{reason}: the airflow executable runs the commands from now on\n")


def close_zygotes() -> None:
    """Stop the warm Airflow processes (at the end of a test session)."""
    while _ZYGOTES:
        _close_zygote(_ZYGOTES.popitem()[1])


def airflow_command(argv: list[str], env: dict[str, str], scratch: Path) -> subprocess.CompletedProcess[str]:
    """
    Run ``airflow *argv`` with ``env``: in a fork of a warm Airflow process when :data:`AIRFLOW_IN_FORKS`
    (its output through files in ``scratch``), else (or with ``EMRFS_XACCT_AIRFLOW_FORKS=0`` in ``env`` or this
    process's environment) with the ``airflow`` executable.
    """
    executable = [airflow_cli(), *argv]
    if not AIRFLOW_IN_FORKS or env.get("EMRFS_XACCT_AIRFLOW_FORKS", os.environ.get("EMRFS_XACCT_AIRFLOW_FORKS")) == "0":
        return subprocess.run(executable, env=env, capture_output=True, text=True, check=False)
    zygote = _zygote(env)
    assert zygote.stdin is not None
    assert zygote.stdout is not None
    scratch.mkdir(parents=True, exist_ok=True)
    stdout, stderr = scratch / "airflow.stdout", scratch / "airflow.stderr"
    request = {"argv": argv, "env": env, "stdout": str(stdout), "stderr": str(stderr)}
    try:
        zygote.stdin.write(json.dumps(request) + "\n")
        zygote.stdin.flush()
        answer = zygote.stdout.readline()
    except OSError:
        answer = ""
    if not answer:  # it could not start (its own message is on stderr): it forked nothing, the executable runs
        _disable_forks(f"the warm Airflow process exited ({zygote.wait()}) before answering airflow {argv}")
        return subprocess.run(executable, env=env, capture_output=True, text=True, check=False)
    returncode = json.loads(answer)["returncode"]
    return subprocess.CompletedProcess(executable, returncode, stdout.read_text(), stderr.read_text())


def run_dag(
    env: dict[str, str], conf: dict[str, Any], log_file: Path, logical_date: str | None, dag_id: str = DAG_ID
) -> str:
    """
    Run an example DAG (the partner export unless ``dag_id``) with ``airflow dags test``; return its output.

    Without ``logical_date`` the command is given none (``airflow dags test`` then uses the current time).
    """
    date = [logical_date] if logical_date else []
    result = airflow_command(["dags", "test", dag_id, *date, "--conf", json.dumps(conf)], env, log_file.parent)
    output = result.stdout + result.stderr
    log_file.write_text(output)
    if result.returncode != 0 or "state=failed" in output or "DagRunState.FAILED" in output:
        sys.stderr.write(output[-6000:])
        raise SystemExit(f"airflow dags test failed (exit {result.returncode}); full log: {log_file}")
    return output


#: A task's plan in ``airflow dags test`` output: the message (one or many lines) between the level and the logger.
#: A launch that changed nothing names its cluster after ``No changes to the accounts' set-up;`` instead.
_PLAN_MESSAGE = re.compile(
    r"\[info\s*\] (?P<message>(?:No changes(?:\.| to the accounts' set-up;)|Dry run, nothing changed\. Plan:\n|"
    r"Changes made:\n).*?)"
    r" \[airflow\.task\.operators\.airflow_provider_emrfs_xacct\.",
    re.S,
)
_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(?P<task_id>\S+)")
_APPLIED = re.compile(r"^Applied: (\d+) added, (\d+) changed, (\d+) destroyed\.$", re.M)


def task_plans(output: str) -> list[tuple[str, str]]:
    """Return ``(task_id, logged plan)`` for each plan the provider's operators logged, in order."""
    starts = [(match.start(), match["task_id"]) for match in _TASK_START.finditer(output)]
    plans = []
    for match in _PLAN_MESSAGE.finditer(output):
        task_id = next((task for position, task in reversed(starts) if position < match.start()), "?")
        plans.append((task_id, match["message"].rstrip()))
    return plans


def task_logs(output: str) -> dict[str, str]:
    """Return each task's part of ``airflow dags test`` output (it runs one task at a time), by task id."""
    starts = [(match.start(), match["task_id"]) for match in _TASK_START.finditer(output)]
    ends = [position for position, _ in starts[1:]] + [len(output)]
    return {task_id: output[start:end] for (start, task_id), end in zip(starts, ends, strict=True)}


def count_changes(output: str) -> int:
    """Count the changes the provider's operators applied, from their ``Applied: …`` summary lines."""
    return sum(
        sum(int(n) for n in applied.groups()) for _, plan in task_plans(output) for applied in _APPLIED.finditer(plan)
    )


def show_plans(output: str, *, diffs: bool) -> str:
    """Return each task's logged plan (with its diffs, or only its summary line), indented under its task id."""
    parts = []
    for task_id, plan in task_plans(output):
        text = plan if diffs else plan.splitlines()[-1]
        if diffs and text.startswith("Changes made:\n"):
            text = text.removeprefix("Changes made:\n")
        parts.append(f"  {task_id}:\n" + "\n".join(f"    {line}" if line else "" for line in text.splitlines()))
    return "\n".join(parts)


def provisioned_state(seeded: Seeded, role_name: str) -> dict[str, Any]:
    """Read back from AWS what the provider provisioned in each account."""
    url = seeded.url
    iam_b, kms_b = client(url, DESTINATION_ACCOUNT, "iam"), client(url, DESTINATION_ACCOUNT, "kms")
    iam_a, emr_a = client(url, EMR_ACCOUNT, "iam"), client(url, EMR_ACCOUNT, "emr")
    role = iam_b.get_role(RoleName=role_name)["Role"]
    clusters = [
        emr_a.describe_cluster(ClusterId=summary["Id"])["Cluster"] for summary in emr_a.list_clusters()["Clusters"]
    ]
    security_configurations = {
        name: json.loads(emr_a.describe_security_configuration(Name=name)["SecurityConfiguration"])
        for name in sorted({cluster["SecurityConfiguration"] for cluster in clusters})
    }
    return {
        f"destination account {DESTINATION_ACCOUNT}": {
            "role": role["Arn"],
            "trust policy": role["AssumeRolePolicyDocument"],
            "inline policies": {
                name: iam_b.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
                for name in iam_b.list_role_policies(RoleName=role_name)["PolicyNames"]
            },
            "key policy": json.loads(kms_b.get_key_policy(KeyId=seeded.kms_key_arn, PolicyName="default")["Policy"]),
        },
        f"EMR account {EMR_ACCOUNT}": {
            f"{EMR_EC2_ROLE} inline policies": {
                name: iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=name)["PolicyDocument"]
                for name in iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
            },
            "security configurations": security_configurations,
            "clusters": [
                {
                    "id": cluster["Id"],
                    "name": cluster["Name"],
                    "state": cluster["Status"]["State"],
                    "security configuration": cluster["SecurityConfiguration"],
                    "tags": {tag["Key"]: tag["Value"] for tag in cluster["Tags"]},
                }
                for cluster in clusters
            ],
        },
    }


# What a whole ``airflow dags test`` run sent (the runs are other processes: moto records them) ------------------

#: The STS calls that only open the connections' sessions (they change nothing in either account).
STS_SESSION_CALLS = ("AssumeRole", "GetCallerIdentity", "GetSessionToken")
_SIGNED_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


@functools.cache
def _s3_routes() -> list[tuple[str, bool, frozenset[str], frozenset[str], str]]:
    """
    Each S3 operation's route in botocore's model: ``(method, names an object, query words, headers, operation)``.

    The query words and headers are those the route always carries: its URI's literal words and its required
    members sent in the query string or a header (``UploadPartCopy``: ``partNumber``, ``uploadId``,
    ``x-amz-copy-source``).
    """
    import botocore.session

    model = botocore.session.get_session().get_service_model("s3")
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        path, _, query = operation.http["requestUri"].partition("?")
        words = {word.split("=", 1)[0] for word in query.split("&") if word and not word.startswith("x-id")}
        headers: set[str] = set()
        shape = operation.input_shape
        members = shape.members if shape is not None else {}
        for member in shape.required_members if shape is not None else ():
            location = members[member].serialization
            if location.get("location") == "querystring":
                words.add(location["name"])
            elif location.get("location") == "header":
                headers.add(location["name"].lower())
        routes.append((operation.http["method"], "{Key+}" in path, frozenset(words), frozenset(headers), name))
    return routes


def _s3_operation(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> str:
    """The S3 operation of a path-style request, by botocore's model (the most specific route that fits)."""
    if "x-id" in query:
        return query["x-id"][0]
    names_object = "/" in path.strip("/")
    sent = {header.lower() for header in headers}
    fits = [
        (len(words) + len(required), name)
        for route_method, route_object, words, required, name in _s3_routes()
        if route_method == method and route_object == names_object and words <= query.keys() and required <= sent
    ]
    return max(fits)[1] if fits else f"s3 {method} {path} (no route)"


def recorded_operation(entry: dict[str, Any]) -> str:
    """The AWS operation of one request moto's recorder logged (query ``Action``, JSON target, else S3's route)."""
    headers = entry.get("headers") or {}
    target = next((value for name, value in headers.items() if name.lower() == "x-amz-target"), None)
    if target:
        operation = str(target).rsplit(".", 1)[-1]
        return recorded_name(operation, json_params(operation, _recorded_body(entry)))
    parts = urlsplit(entry["url"])
    query = parse_qs(parts.query, keep_blank_values=True)
    form = parse_qs(_recorded_body(entry).decode(errors="replace")) if entry["method"] == "POST" else {}
    action = (form.get("Action") or query.get("Action") or [None])[0]
    if action:
        return action
    if parts.path.startswith("/moto-api/"):
        return f"moto-api {parts.path}"
    scope = _SIGNED_SERVICE.search(next((v for k, v in headers.items() if k.lower() == "authorization"), ""))
    if scope is None or scope.group(1) != "s3":
        return f"{scope.group(1) if scope else 'unsigned'} {entry['method']} {parts.path}"
    return _s3_operation(entry["method"], parts.path, query, headers)


def _recorded_body(entry: dict[str, Any]) -> bytes:
    body = entry.get("body") or ""
    return base64.b64decode(body) if entry.get("body_encoded") else str(body).encode()


@dataclass
class ServerRequests:
    """The operations moto served while :func:`record_moto_requests` was recording, in order."""

    operations: list[str] = field(default_factory=list)

    def mutating(self) -> list[str]:
        """Every operation that may change something: not a read (:data:`READ_PREFIXES`), not an STS session call."""
        return [
            name
            for name in self.operations
            if may_change(name) and name not in STS_SESSION_CALLS and not name.startswith("moto-api ")
        ]

    def unexpected(self, expected: Sequence[str] = ()) -> list[str]:
        """The mutating operations beyond ``expected`` (an operation named twice there may be sent twice), sorted."""
        return sorted((Counter(self.mutating()) - Counter(expected)).elements())


@contextlib.contextmanager
def record_moto_requests(scratch: Path) -> Iterator[ServerRequests]:
    """
    Record every request the moto server of this process serves inside the block, from any process.

    Uses moto's request recorder (``moto.moto_api.recorder``: moto docs, "Recorder"), writing to a file in
    ``scratch`` removed after; the ``airflow dags test`` runs are other processes, which a :class:`CallRecorder`
    cannot see. Reads what every request named, S3's too (a proxy in front of moto counts S3 requests by method).
    """
    from moto.moto_api import recorder

    log = scratch / "moto-requests.jsonl"
    previous = recorder._location
    recorder._location = str(log)
    recorder.reset_recording()
    recorder.start_recording()
    result = ServerRequests()
    try:
        yield result
    finally:
        recorder.stop_recording()
        recorder._location = previous
        entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        log.unlink()  # it holds the requests' signatures and session tokens: kept nowhere
        result.operations[:] = [recorded_operation(entry) for entry in entries]


def assert_changed_nothing(
    served: ServerRequests, before: dict[str, Any], after: dict[str, Any], expected: Sequence[str] = ()
) -> None:
    """
    Fail unless a run sent no mutating operation beyond ``expected`` and left the documents ``before`` as ``after``.

    ``before`` and ``after``: snapshots of both accounts (``tests/integration/state.py``), clusters left out.
    """
    unexpected = served.unexpected(expected)
    if unexpected:
        raise AssertionError(f"mutating operations not expected: {unexpected}; all mutating: {served.mutating()}")
    changed = {
        path: (before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    }
    if changed:
        raise AssertionError(f"the run changed documents (path: (before, after)): {changed}")
