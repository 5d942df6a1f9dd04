"""
Imported first by a benchmark run as a program: a temporary ``AIRFLOW_HOME`` (removed at exit) unless one is
set, no example DAGs, and Airflow's logging at ERROR, before anything imports Airflow.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

if "AIRFLOW_HOME" not in os.environ:
    _AIRFLOW_HOME = tempfile.mkdtemp(prefix="emrfs-xacct-bench-airflow-")
    os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
    atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
