"""
The PostgreSQL server the scheduler tests start for themselves (``devstack/postgres.py``).

It starts from the wheel's binaries with nothing installed on the machine, gives a database that
SQLAlchemy (Airflow's driver, psycopg2) reaches over loopback, and leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import psutil
import pytest
import sqlalchemy
from sqlalchemy.pool import NullPool

import devstack.postgres as postgres
from devstack.postgres import PostgresServer

if TYPE_CHECKING:
    from pathlib import Path


def server_version(url: str) -> int:
    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sqlalchemy.text("SHOW server_version_num")).scalar_one())
    finally:
        engine.dispose()


def test_starts_gives_a_database_and_leaves_nothing_behind() -> None:
    with PostgresServer() as server:
        url = server.create_database("airflow_probe")
        assert url.startswith("postgresql+psycopg2://")
        assert "@127.0.0.1:" in url
        # A version Airflow 3 supports ("Set up a Database Backend": PostgreSQL 14 to 18).
        assert 140000 <= server_version(url) < 190000
        assert server.process is not None
        pid, root = server.process.pid, server.root
        assert (root / "data" / "PG_VERSION").is_file()
        if os.geteuid() == 0:  # PostgreSQL refuses root: the server runs as an unprivileged user
            assert psutil.Process(pid).uids().real != 0
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not root.exists()


def test_database_names_are_checked() -> None:
    server = PostgresServer()
    try:
        with pytest.raises(ValueError, match="database name"):
            server.create_database("airflow; DROP DATABASE postgres")
    finally:
        server.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user")
def test_binaries_the_server_user_cannot_reach_are_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As under a private home: a copy of the wheel's layout in a directory only root may enter.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    bin_dir = postgres.binaries()
    package = bin_dir.parent.parent
    shutil.copytree(bin_dir.parent, private / package.name / bin_dir.parent.name, symlinks=True)
    libs = package.with_name(f"{package.name}.libs")
    if libs.is_dir():
        shutil.copytree(libs, private / libs.name, symlinks=True)
    monkeypatch.setattr(postgres, "binaries", lambda: private / package.name / bin_dir.parent.name / "bin")
    with PostgresServer() as server:
        assert private not in server.bin.parents
        assert server.root in server.bin.parents
        assert server_version(server.create_database("airflow_probe")) >= 140000
