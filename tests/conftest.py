"""
Shared test fixtures: a real moto server over HTTP with two accounts. The helpers (call recording,
the task instance, the small cluster, ``airflow dags test``) are in ``devstack/testing.py``.

Airflow reads the two AWS connections from environment variables; no metadata database is needed
to run an operator's ``execute``.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="emrfs-xacct-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from typing import TYPE_CHECKING

import botocore.loaders
import botocore.session
import pytest
import requests

from devstack.moto_stack import MotoStack, Seeded, airflow_environment, seed

# The test-support layer lives in devstack/testing.py (shared with the benchmarks and the demo); these
# names stay importable from here for tests written against the older location.
from devstack.testing import CallRecorder as CallRecorder
from devstack.testing import RecordingTaskInstance as RecordingTaskInstance
from devstack.testing import airflow_cli, airflow_env, install_call_recording
from devstack.testing import run_operator as run_operator

if TYPE_CHECKING:
    from pathlib import Path

# Every boto3 session (each hook makes one) would read and parse botocore's endpoint and service
# model files again; in tests, where hundreds of sessions are made, share one loader and its cache.
botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)  # type: ignore[attr-defined]


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
    return home
