"""
Shared test fixtures: a real moto server over HTTP with two accounts, and botocore call recording.

Airflow reads the two AWS connections from environment variables; no metadata database is needed
to run an operator's ``execute``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="emrfs-xacct-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

import botocore.client
import botocore.loaders
import botocore.session
import pytest
import requests

from devstack.moto_stack import MotoStack, Seeded, airflow_environment, seed

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Every boto3 session (each hook makes one) would read and parse botocore's endpoint and service
# model files again; in tests, where hundreds of sessions are made, share one loader and its cache.
botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)  # type: ignore[attr-defined]

READ_PREFIXES = ("Get", "List", "Describe", "Head")


@pytest.fixture(scope="session")
def moto_stack():
    """One moto server for the session; each test that uses ``aws`` starts from a reset state."""
    with MotoStack() as stack:
        yield stack


def use_connections(patch: pytest.MonkeyPatch, url: str) -> None:
    """Point the two Airflow connections (and the default region) at ``url``."""
    for name, value in airflow_environment(url).items():
        patch.setenv(name, value)


def reset_moto(url: str) -> None:
    """Empty every account of the moto server."""
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()


@pytest.fixture
def aws(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """Reset moto, seed both accounts, and point the Airflow connections at them."""
    reset_moto(moto_stack.url)
    use_connections(monkeypatch, moto_stack.url)
    return seed(moto_stack.url)


@pytest.fixture
def moto_url(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> str:
    """
    A reset moto with the two connections pointing at it.

    Unlike ``aws`` it seeds nothing: moto's EMR reads no IAM role, bucket or key, and seeding would be
    most of each test's time.
    """
    reset_moto(moto_stack.url)
    use_connections(monkeypatch, moto_stack.url)
    return moto_stack.url


@pytest.fixture
def connections(moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the two connections (no reset, no seeding): for tests that must fail before any AWS call."""
    use_connections(monkeypatch, moto_stack.url)


#: Recorders that record every client's calls made in the current thread (see CallRecorder.everything).
_RECORDING = threading.local()
#: Recorders listening to every botocore client of the process, any thread (see CallRecorder.everywhere).
_LISTENING: list[CallRecorder] = []
#: Called with ``(service, operation, parsed answer)`` after every call that succeeded, by any client.
AFTER_CALL: list[Callable[[str, str, Any], None]] = []
_MAKE_API_CALL = botocore.client.BaseClient._make_api_call


def _recorded_make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
    service = self.meta.service_model.service_name
    for recorder in (*getattr(_RECORDING, "recorders", ()), *_LISTENING):
        recorder.record_call(service, operation_name)
    answer = _MAKE_API_CALL(self, operation_name, api_params)
    for callback in list(AFTER_CALL):
        callback(service, operation_name, answer)
    return answer


# Instrumentation only: every call still goes to moto over HTTP. Installed once for the whole test
# session: every client of any session (the ones an operator makes for another account or builds on
# the fly included) goes through ``BaseClient._make_api_call``, once per API call (paginated pages and
# waiter polls included; botocore's own retries below it).
botocore.client.BaseClient._make_api_call = _recorded_make_api_call  # type: ignore[method-assign]


@dataclass
class CallRecorder:
    """
    Records the AWS operations botocore clients send.

    ``attach`` records one client's calls (botocore's event system); ``everything`` records every
    client's calls in this thread, including the clients hooks build for another account;
    ``everywhere`` records every client's calls in the whole process, any thread. STS calls
    (credentials, ``GetCallerIdentity``) are kept apart in ``sts_calls``.
    """

    calls: list[str] = field(default_factory=list)
    sts_calls: list[str] = field(default_factory=list)
    #: Every operation as ``(service, operation)``, STS included (not for ``attach``).
    every: list[tuple[str, str]] = field(default_factory=list)

    def attach(self, client: Any) -> CallRecorder:
        """Record the calls of this one client (through botocore's event system)."""
        client.meta.events.register("before-call", self._record)
        return self

    @contextlib.contextmanager
    def everything(self) -> Iterator[CallRecorder]:
        recorders = getattr(_RECORDING, "recorders", ())
        _RECORDING.recorders = (*recorders, self)
        try:
            yield self
        finally:
            _RECORDING.recorders = recorders

    @contextlib.contextmanager
    def everywhere(self) -> Iterator[CallRecorder]:
        """Record, for the duration, the calls of every botocore client in the process (any thread)."""
        _LISTENING.append(self)
        try:
            yield self
        finally:
            _LISTENING.remove(self)

    def record_call(self, service: str, operation: str) -> None:
        self.every.append((service, operation))
        (self.sts_calls if service == "sts" else self.calls).append(operation)

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    @property
    def mutating(self) -> list[str]:
        return [name for name in self.calls if not name.startswith(READ_PREFIXES)]

    @property
    def reads(self) -> list[str]:
        return [name for name in self.calls if name.startswith(READ_PREFIXES)]


@dataclass
class RecordingTaskInstance:
    """The few task-instance attributes an operator's ``execute`` reads, with XComs kept in a dict."""

    dag_id: str = "test_dag"
    run_id: str = "manual__2026-01-01T00:00:00+00:00"
    task_id: str = "test_task"
    map_index: int = -1
    try_number: int = 1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


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
        result = operator.execute({"ti": ti, "task_instance": ti})
    return result, recorder, ti
