"""
``airflow_provider_emrfs_xacct.preload`` in ``airflow_local_settings.py``: Airflow's real DAG processor
parses DAG files with the provider already imported, and they parse as before.

The judge is the DAG processor itself: a probe DAG file records, in its tag, whether the provider's
operator modules were already loaded when its parse began; the example DAG must parse with no
import error either way. Without the two lines in ``airflow_local_settings.py`` they were not.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.preload import import_parse_time_modules, parse_time_modules
from devstack.testing import ROOT, airflow_cli

if TYPE_CHECKING:
    from pathlib import Path

PROBE = """
import sys

from airflow.sdk import DAG

preloaded = all(name in sys.modules for name in {modules!r})
with DAG("preload_probe", schedule=None, tags=[f"preloaded={{preloaded}}"]):
    pass
"""

LOCAL_SETTINGS = """
from airflow_provider_emrfs_xacct.preload import import_parse_time_modules

import_parse_time_modules()
"""


def parse_once(env: dict[str, str], home: Path) -> tuple[set[str], list[str], set[str]]:
    """Run the DAG processor once over the folder; return the probe's tags, import errors and DAG ids."""
    result = subprocess.run(
        [airflow_cli(), "dag-processor", "--num-runs", "1"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(home / "airflow.db") as db:
        tags = {name for (name,) in db.execute("SELECT name FROM dag_tag WHERE dag_id = 'preload_probe'")}
        errors = [text for (text,) in db.execute("SELECT stacktrace FROM import_error")]
        dags = {dag_id for (dag_id,) in db.execute("SELECT dag_id FROM dag")}
    return tags, errors, dags


def test_the_dag_processor_parses_with_the_provider_preloaded(tmp_path):
    home, dags = tmp_path / "home", tmp_path / "dags"
    dags.mkdir()
    modules = parse_time_modules()
    (dags / "preload_probe.py").write_text(PROBE.format(modules=modules))
    shutil.copy(ROOT / "dags" / "emrfs_xacct_partner_export.py", dags)
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    }
    migrate = subprocess.run([airflow_cli(), "db", "migrate"], env=env, capture_output=True, text=True, check=False)
    assert migrate.returncode == 0, migrate.stderr[-3000:]

    tags, errors, parsed = parse_once(env, home)
    assert (tags, errors) == ({"preloaded=False"}, [])  # the control: Airflow alone does not load them
    assert "emrfs_xacct_partner_export" in parsed

    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "airflow_local_settings.py").write_text(LOCAL_SETTINGS)
    tags, errors, parsed = parse_once(env, home)
    assert (tags, errors) == ({"preloaded=True"}, [])
    assert "emrfs_xacct_partner_export" in parsed


def test_the_preloaded_modules_are_the_operator_modules_and_the_task_group_factory():
    # Every module the provider metadata lists as operators, then task_groups, the macros the example DAGs use and
    # what partner_access checks its arguments with when the DAG is parsed; each importable, and nothing a task
    # needs only when it runs.
    modules = import_parse_time_modules()
    factory_checks = [
        "airflow_provider_emrfs_xacct.pure.validation",
        "airflow_provider_emrfs_xacct.pure.security_config",
    ]
    assert modules[-4:] == [
        "airflow_provider_emrfs_xacct.task_groups",
        "airflow_provider_emrfs_xacct.macros",
        *factory_checks,
    ]
    assert "airflow_provider_emrfs_xacct.operators.iam" in modules
    assert all(name in sys.modules for name in modules)
    assert not any(".hooks." in name or (".pure." in name and name not in factory_checks) for name in modules)


def test_partner_access_loads_nothing_at_parse_time_that_the_preload_does_not():
    # A DAG file calling partner_access, parsed in a fresh interpreter after the preload: no provider module
    # is imported by the parse itself (the DAG processor's forks would import it again on every parse).
    script = """
import sys
from airflow_provider_emrfs_xacct.preload import import_parse_time_modules
import_parse_time_modules()
before = {name for name in sys.modules if name.startswith("airflow_provider_emrfs_xacct")}
from airflow.sdk import DAG
from airflow_provider_emrfs_xacct.task_groups import partner_access
with DAG("preload_factory_probe", schedule=None):
    partner_access(
        partner="acme",
        role_name="emrfs-partner-acme-writer",
        destination_prefix="s3://acme-results/exports/",
        emr_ec2_role_arn="arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
        destination_account_id="222222222222",
    )
after = {name for name in sys.modules if name.startswith("airflow_provider_emrfs_xacct")}
print(sorted(after - before))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
