"""
What Airflow does with the provider's errors under ``retries`` (``airflow dags test``, the Task SDK's task runner).

An error a retry cannot mend (a bad field) fails the task on its first try; one that may pass (an access
denied while IAM's lag lasts) is retried. The DAG is ``retry_dags/emrfs_xacct_retries.py``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from devstack.testing import airflow_cli, airflow_env
from tests.dags.test_airflow_native import query

if TYPE_CHECKING:
    from devstack.moto_stack import MotoStack

RETRY_DAGS = Path(__file__).resolve().parent / "retry_dags"


def test_a_bad_field_fails_at_once_and_a_denial_is_retried(
    moto_stack: MotoStack, airflow_home: Path, tmp_path: Path
) -> None:
    env = {**airflow_env(moto_stack.url, airflow_home), "AIRFLOW__CORE__DAGS_FOLDER": str(RETRY_DAGS)}
    result = subprocess.run(
        [airflow_cli(), "dags", "test", "emrfs_xacct_retries"], env=env, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    (tmp_path / "retries.log").write_text(output)

    rows = query(
        env,
        "SELECT task_id, state, try_number, max_tries FROM task_instance WHERE dag_id = 'emrfs_xacct_retries'",
    )
    tries = {row.task_id: (row.state, row.try_number, row.max_tries) for row in rows}
    # retries=3 on both: the bad field ended after its first try, the denial passed on the second.
    assert tries["bad_field"] == ("failed", 1, 3), output[-4000:]
    assert tries["denied_once"] == ("success", 2, 3), output[-4000:]
    # The author still sees the provider's error, naming the field.
    assert "InvalidParameterError: trusted_role_arns[0]" in output
