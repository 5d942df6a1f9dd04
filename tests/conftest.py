"""
Shared test fixtures: a real moto server over HTTP with two accounts. The helpers (call recording,
the task instance, the small cluster, ``airflow dags test``) are in ``devstack/testing.py``.

Airflow reads the two AWS connections from environment variables; no metadata database is needed
to run an operator's ``execute``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

# An AIRFLOW_HOME of each test process's own: pytest-xdist's workers (make test runs two) inherit the
# controller's environment, so each worker takes a new one instead of sharing the controller's.
if "PYTEST_XDIST_WORKER" in os.environ or "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="emrfs-xacct-airflow-")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from typing import TYPE_CHECKING

import pytest
import requests
from hypothesis import settings

import devstack.shared_botocore_loader  # noqa: F401  (every boto3 session of the tests shares one loader)
from airflow_provider_emrfs_xacct.operators.base import SETTLE_SECONDS_ENV
from devstack import aws_shapes, testing
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    MotoStack,
    Seeded,
    airflow_environment,
    client,
    connection_uri_json,
    seed,
)

# The test-support layer lives in devstack/testing.py (shared with the benchmarks and the demo); these
# names stay importable from here for tests written against the older location.
from devstack.testing import CallRecorder as CallRecorder
from devstack.testing import RecordingTaskInstance as RecordingTaskInstance
from devstack.testing import (
    ServerRequests,
    airflow_cli,
    airflow_env,
    assert_changed_nothing,
    close_zygotes,
    install_call_recording,
    partner_export_conf,
    provisioned_state,
    record_moto_requests,
    run_dag,
    share_botocore_loader,
)
from devstack.testing import run_operator as run_operator
from tests.integration.state import snapshot

# moto's reads never lag behind its writes, so the wait after a write of a shared document (``settle_seconds``,
# 1 s by default) has nothing to wait for here: the tasks take 0 from the provider's option, in this process
# and in the Airflow processes it starts (they inherit the environment). The files that study concurrent
# writers, lagging reads or the wait itself are marked ``deployed_settle_wait`` and run with the option unset
# (:func:`deployed_settle_wait`). ``AIRFLOW__EMRFS_XACCT__SETTLE_SECONDS=1 make test`` runs every file with the wait.
os.environ.setdefault(SETTLE_SECONDS_ENV, "0")

# The property tests (hypothesis) draw the same inputs on every run of `make test`, so a failure in CI
# shows again on the next run and a green run is not luck of the draw; `make fuzz` runs them again and
# again with fresh random inputs (EMRFS_XACCT_HYPOTHESIS=explore) to look for new ones.
settings.register_profile("fixed", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False, database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("EMRFS_XACCT_HYPOTHESIS", "fixed"))

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import TypeAlias

    #: The ``changes_nothing`` fixture's type: ``changes_nothing(seeded, expected=())`` is a context manager.
    ChangesNothing: TypeAlias = Callable[..., AbstractContextManager[ServerRequests]]

#: Test files that use a costly session fixture of another file (``example_dag_runs``: two ``airflow
#: dags test`` runs), by the file they run with: one worker runs both, so the fixture is built once.
RUN_WITH = {"tests/integration/test_security_invariants.py": "tests/dags/test_example_dag.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With pytest-xdist's ``--dist loadfile``: one work unit per test file, the files of :data:`RUN_WITH` joined."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class JoinedFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return RUN_WITH.get(path, path)

    return JoinedFileScheduling(config, log)


# The tests' ``airflow dags test`` runs (devstack.testing.airflow_command) are forks of a process that
# imported Airflow once (devstack/airflow_zygote.py): Airflow's own command line, without its 13 s of
# imports and Execution API set-up per run. EMRFS_XACCT_AIRFLOW_FORKS=0 runs the executable instead.
testing.AIRFLOW_IN_FORKS = True


@pytest.fixture(scope="session", autouse=True)
def warm_airflow_processes() -> Iterator[None]:
    """Stop the warm Airflow processes the session started."""
    yield
    close_zygotes()


@pytest.fixture(scope="module", autouse=True)
def deployed_settle_wait(request: pytest.FixtureRequest) -> Iterator[None]:
    """In a test file marked ``deployed_settle_wait``, the ``[emrfs_xacct] settle_seconds`` option unset: tasks wait 1 s."""
    if request.node.get_closest_marker("deployed_settle_wait") is None:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SETTLE_SECONDS_ENV, raising=False)
        yield


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


# Instrumentation only: every call still goes to moto over HTTP. Installed once for the whole test
# session (see devstack/testing.py).
install_call_recording()
# AWS's server-side checks of request shapes (lengths, patterns, enums), which moto does not make
# (devstack/aws_shapes.py); Airflow processes get it through share_botocore_loader.
aws_shapes.install()


@pytest.fixture(scope="session")
def migrated_airflow_db(tmp_path_factory: pytest.TempPathFactory, moto_stack: MotoStack) -> Path:
    """An Airflow metadata database (SQLite), migrated once for the session: ``airflow_home`` copies it."""
    home = tmp_path_factory.mktemp("airflow-db-migrated")
    subprocess.run(
        [airflow_cli(), "db", "migrate"], env=airflow_env(moto_stack.url, home), check=True, capture_output=True
    )
    return home / "airflow.db"


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory, migrated_airflow_db: Path) -> Path:
    """An ``AIRFLOW_HOME`` of the test module's own, with a copy of the migrated database."""
    home = tmp_path_factory.mktemp("airflow-home")
    shutil.copy(migrated_airflow_db, home / "airflow.db")
    share_botocore_loader(home)
    return home


# The example DAG's runs, made once: tests/dags checks what they provisioned, the security invariants
# check that they leaked no secret ---------------------------------------------------------------------


def connection_with_password(url: str, account: str, password: str) -> str:
    """The JSON form of a connection to ``account`` through moto, with ``password`` as its secret key."""
    connection = json.loads(connection_uri_json(url, account))
    connection["password"] = password
    return json.dumps(connection)


def moto_issued_credentials(url: str) -> list[str]:
    """Every access key, secret key and session token moto's STS issued since the reset."""
    state = requests.get(f"{url}/moto-api/data.json", timeout=30).json()
    issued = state.get("sts", {}).get("AssumedRole", [])
    return [role[key] for role in issued for key in ("access_key_id", "secret_access_key", "session_token")]


@dataclass
class ExampleDagRuns:
    """
    Two runs of the example DAG (``DAG_ID``) for partner ``acme`` with ``airflow dags test``, and what they left.

    The first run has a logical date, the rerun none. moto's state is read right after the runs (other
    tests reset moto afterwards); the ``AIRFLOW_HOME`` (logs, metadata database) stays for the session.
    """

    seeded: Seeded
    home: Path
    #: The environment of both runs: connections whose password is :attr:`secret`.
    env: dict[str, str]
    secret: str
    #: The output of the first run and of the rerun.
    outputs: list[str]
    #: Credentials moto issued before the runs (to the test process, seeding) and during them.
    issued_before: list[str]
    issued: list[str]
    #: ``provisioned_state(seeded, "emrfs-acme-writer")`` after both runs.
    state: dict[str, Any]
    #: Each cluster's steps (name: state), by cluster id.
    steps: dict[str, dict[str, str]]
    #: The keys left under the partner's prefix.
    left: list[str]
    #: What the rerun sent, and both accounts' documents (clusters left out) before and after it.
    rerun_requests: ServerRequests
    documents_before_rerun: dict[str, Any]
    documents_after_rerun: dict[str, Any]


@pytest.fixture(scope="session")
def example_dag_runs(
    moto_stack: MotoStack, migrated_airflow_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> ExampleDagRuns:
    """
    The example DAG run twice (:class:`ExampleDagRuns`), once for the session.

    ``tests/dags/test_example_dag.py`` checks what the runs provisioned and that the rerun changed
    nothing; ``tests/integration/test_security_invariants.py`` checks that the connections' password
    and moto's credentials appear nowhere the runs wrote. The connections carry a password of their
    own (moto accepts any secret key), so that there is a secret to look for.
    """
    reset_moto(moto_stack.url)
    seeded = seed(moto_stack.url)
    home = tmp_path_factory.mktemp("airflow-home-example-dag")
    shutil.copy(migrated_airflow_db, home / "airflow.db")
    share_botocore_loader(home)
    secret = f"Pw-{uuid.uuid4().hex}-do-not-leak"
    env = {
        **airflow_env(moto_stack.url, home),
        # The example DAG's runs, as the README's main job runs them: with the ``airflow`` executable itself.
        "EMRFS_XACCT_AIRFLOW_FORKS": "0",
        f"AIRFLOW_CONN_{EMR_CONN_ID.upper()}": connection_with_password(moto_stack.url, EMR_ACCOUNT, secret),
        f"AIRFLOW_CONN_{DESTINATION_CONN_ID.upper()}": connection_with_password(
            moto_stack.url, DESTINATION_ACCOUNT, secret
        ),
    }
    before = moto_issued_credentials(moto_stack.url)  # issued to this process while seeding
    conf = partner_export_conf(seeded, "acme")
    first = run_dag(env, conf, home / "run-1.log", "2026-03-01")
    documents_before_rerun = provisioned_documents(seeded)
    # No logical date: the DAG names its cluster and output from values every run has (run_after).
    with record_moto_requests(tmp_path_factory.mktemp("example-dag-rerun-requests")) as rerun_requests:
        second = run_dag(env, conf, home / "run-2.log", None)
    documents_after_rerun = provisioned_documents(seeded)
    emr_a = client(seeded.url, EMR_ACCOUNT, "emr")
    steps = {
        summary["Id"]: {
            step["Name"]: step["Status"]["State"] for step in emr_a.list_steps(ClusterId=summary["Id"])["Steps"]
        }
        for summary in emr_a.list_clusters()["Clusters"]
    }
    s3_b = client(seeded.url, DESTINATION_ACCOUNT, "s3")
    listed = s3_b.list_objects_v2(Bucket=seeded.bucket, Prefix="acme/out/").get("Contents", [])
    return ExampleDagRuns(
        seeded=seeded,
        home=home,
        env=env,
        secret=secret,
        outputs=[first, second],
        issued_before=before,
        issued=[value for value in moto_issued_credentials(moto_stack.url) if value not in before],
        state=provisioned_state(seeded, "emrfs-acme-writer"),
        steps=steps,
        left=[item["Key"] for item in listed],
        rerun_requests=rerun_requests,
        documents_before_rerun=documents_before_rerun,
        documents_after_rerun=documents_after_rerun,
    )


def provisioned_documents(seeded: Seeded) -> dict[str, Any]:
    """Both accounts' documents (``tests/integration/state.py``'s snapshot), clusters left out: each run makes one."""
    return {path: value for path, value in snapshot(seeded).items() if "/emr/cluster/" not in path}


@pytest.fixture
def changes_nothing(tmp_path: Path) -> ChangesNothing:
    """
    ``with changes_nothing(seeded, expected):`` fails unless the block (a whole DAG run, in any process) sent no
    mutating operation but ``expected`` and left both accounts' documents as they were.
    """

    @contextlib.contextmanager
    def watch(seeded: Seeded, expected: Sequence[str] = ()) -> Iterator[ServerRequests]:
        before = provisioned_documents(seeded)
        with record_moto_requests(tmp_path) as served:
            yield served
        assert_changed_nothing(served, before, provisioned_documents(seeded), expected)

    return watch
