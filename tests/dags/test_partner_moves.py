"""
A partner that moves, through the example DAG with ``airflow dags test``: the rerun with the new
``destination_prefix`` writes there, keeps the old prefix's grant (the ensure operators only add), and says so in the
destination role's task and in the verifier's report (``tests/integration/test_journeys.py`` steps through the rest).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from devstack.testing import airflow_env, partner_export_conf, run_dag, task_logs

if TYPE_CHECKING:
    from pathlib import Path

    from devstack.moto_stack import Seeded


def test_the_rerun_after_a_move_says_the_old_prefix_stays(aws: Seeded, airflow_home: Path, tmp_path: Path) -> None:
    env = airflow_env(aws.url, airflow_home)
    old, new = f"s3://{aws.bucket}/mover/out/", f"s3://{aws.bucket}/mover/out-2026/"
    first = run_dag(env, partner_export_conf(aws, "mover", destination_prefix=old), tmp_path / "first.log", None)
    assert "keeps access this run did not ask for" not in first
    assert "access beyond this configuration" not in first

    second = run_dag(env, partner_export_conf(aws, "mover", destination_prefix=new), tmp_path / "second.log", None)

    role_log = task_logs(second)["ensure_destination_role"]
    assert f"keeps access this run did not ask for: prefixes {old}" in role_log
    verify_log = task_logs(second)["verify_cross_account_access"]
    assert re.search(r"access beyond this configuration +\| WARN", verify_log)
    assert "Cross-account EMRFS chain for emrfs-xacct-mover-" in verify_log
