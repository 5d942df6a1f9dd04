"""
The test DAGs' folder on ``sys.path``, as Airflow puts its DAGs folder there: the DAG files in
``backfill_dags`` import the tasks they share (``emrfs_xacct_test_tasks``) by the module's name.
"""

from __future__ import annotations

import sys
from pathlib import Path

BACKFILL_DAGS = str(Path(__file__).resolve().parent / "backfill_dags")
if BACKFILL_DAGS not in sys.path:
    sys.path.append(BACKFILL_DAGS)
