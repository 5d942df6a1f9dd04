"""The domain logic imports neither AWS SDKs nor Airflow (design section 2: pure, stdlib only)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import airflow_provider_emrfs_xacct

PACKAGE = Path(airflow_provider_emrfs_xacct.__file__).parent
PURE_MODULES = sorted(PACKAGE.joinpath("pure").rglob("*.py"))


def imported_top_level_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda path: path.name)
def test_pure_module_imports_only_the_standard_library_and_the_package(path):
    allowed = set(sys.stdlib_module_names) | {"airflow_provider_emrfs_xacct"}
    assert imported_top_level_modules(path) - allowed == set()


def test_the_pure_modules_were_found():
    names = {path.name for path in PURE_MODULES}
    assert {"validation.py", "documents.py", "merge.py", "security_config.py", "plan.py", "converge.py"} <= names
