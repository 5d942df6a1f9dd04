"""Sphinx configuration of the provider's documentation (``sphinx-build -W --keep-going -b html docs docs/_build/html``)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# autodoc imports the operators, which import Airflow: keep it from touching a real deployment.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="emrfs-xacct-docs-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_provider_emrfs_xacct import __version__  # noqa: E402

project = "airflow-provider-emrfs-xacct"
author = "airflow-provider-emrfs-xacct maintainers"
copyright = "the airflow-provider-emrfs-xacct maintainers; Apache License 2.0"
version = release = __version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.viewcode"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3

# The API reference: members in source order, each documented once (no inherited members: those
# are Airflow's and the Amazon provider's, documented there).
autodoc_default_options = {"members": True, "member-order": "bysource", "show-inheritance": True}
autodoc_typehints = "description"
autodoc_class_signature = "separated"

html_theme = "alabaster"
html_title = f"airflow-provider-emrfs-xacct {release}"
