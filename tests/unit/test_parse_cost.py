"""
What a DAG file pays for using the provider: the operator modules import no run-time-only code.

Airflow's DAG processor parses every DAG file again and again, each time in a fresh process. Defining
an operator needs its class, template fields and docstring; the hooks, the convergence protocol, the
policy evaluator, the chain checks and the plan's diff rendering are needed only when a task runs, so
the operator modules load them then. This test fails when such an import moves to module level. The
time it saves is measured by ``benchmarks/parse_cost.py`` (``make bench``), not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPERATOR_MODULES = sorted(
    f"airflow_provider_emrfs_xacct.operators.{path.stem}"
    for path in (ROOT / "airflow_provider_emrfs_xacct" / "operators").glob("*.py")
    if path.stem != "__init__"
)
#: The only modules of the pure core a DAG file may load when it is parsed: constants and exception
#: types. Everything else there (validation, documents, plans and their diff rendering, the evaluator,
#: the chain checks, whatever their module names become) is needed only when a task runs.
PURE_ALLOWED_AT_PARSE = frozenset(
    {
        "airflow_provider_emrfs_xacct.pure",
        "airflow_provider_emrfs_xacct.pure.exceptions",
        "airflow_provider_emrfs_xacct.pure.names",
    }
)
#: Needed only when a task runs, named explicitly (the pure core is checked against the allow-list).
RUN_TIME_ONLY = (
    "airflow_provider_emrfs_xacct.hooks.iam",
    "airflow_provider_emrfs_xacct.hooks.kms",
    "airflow_provider_emrfs_xacct.hooks.emr",
    "airflow_provider_emrfs_xacct.hooks.s3",
    "airflow_provider_emrfs_xacct.hooks.errors",
    "airflow_provider_emrfs_xacct.verify",
    "airflow_provider_emrfs_xacct.pure.converge",
    "airflow_provider_emrfs_xacct.pure.evaluator",
    "airflow_provider_emrfs_xacct.pure.validation",
    "airflow_provider_emrfs_xacct.pure.checks",
    "difflib",
)


def run_time_only_among(loaded: set[str]) -> list[str]:
    """The modules of ``loaded`` that only a running task needs (empty when parsing stays cheap)."""
    pure = [name for name in loaded if name.startswith("airflow_provider_emrfs_xacct.pure")]
    hooks = [name for name in loaded if name.startswith("airflow_provider_emrfs_xacct.hooks")]
    named = [name for name in RUN_TIME_ONLY if name in loaded]
    return sorted({*(name for name in pure if name not in PURE_ALLOWED_AT_PARSE), *hooks, *named})


def modules_loaded_by(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter (as the DAG processor would) and return what it imported."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def loaded_by_operators() -> set[str]:
    return modules_loaded_by("\n".join(f"import {name}" for name in OPERATOR_MODULES))


def test_every_operator_module_is_covered():
    assert "airflow_provider_emrfs_xacct.operators.iam" in OPERATOR_MODULES
    assert len(OPERATOR_MODULES) >= 6


def test_operator_modules_import_no_run_time_code(loaded_by_operators):
    assert run_time_only_among(loaded_by_operators) == []


def test_the_partner_access_factory_imports_no_run_time_code():
    loaded = modules_loaded_by("import airflow_provider_emrfs_xacct.task_groups")
    assert "airflow_provider_emrfs_xacct.task_groups" in loaded
    assert run_time_only_among(loaded) == []


def test_parsing_the_example_dag_loads_no_run_time_code():
    # Parsing also builds every operator: the constructors must not load what execute needs.
    loaded = modules_loaded_by("import runpy\nrunpy.run_path('dags/emrfs_xacct_partner_export.py', run_name='__dag__')")
    assert "airflow_provider_emrfs_xacct.operators.emr" in loaded
    assert run_time_only_among(loaded) == []


@pytest.mark.parametrize(
    "module",
    [
        "airflow_provider_emrfs_xacct.pure.validation",
        "airflow_provider_emrfs_xacct.pure.checks",
        "airflow_provider_emrfs_xacct.pure.checks.assume",
        "airflow_provider_emrfs_xacct.hooks.errors",
        "difflib",
    ],
)
def test_the_check_catches_a_module_level_import(module):
    # What a module-level import of ``module`` in an operator module would add to the loaded set.
    assert run_time_only_among({"airflow_provider_emrfs_xacct.pure.names", module}) == [module]


def test_the_run_time_code_is_still_reachable_from_the_operators():
    # The check above is only meaningful if those modules are what the operators use when they run:
    # resolving each operator's hook class imports its hook module.
    loaded = modules_loaded_by(
        "from airflow_provider_emrfs_xacct.operators.iam import EnsureDestinationRoleOperator\n"
        "assert EnsureDestinationRoleOperator.aws_hook_class.__name__ == 'EmrfsIamHook'"
    )
    assert "airflow_provider_emrfs_xacct.hooks.iam" in loaded
    assert "airflow_provider_emrfs_xacct.pure.converge" in loaded
    assert run_time_only_among(loaded) != []


def test_an_operator_can_be_built_without_loading_its_hook():
    loaded = modules_loaded_by(
        "from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator\n"
        "GrantKmsKeyUserOperator(task_id='t', key_arn='k', principal_arns=['p'])"
    )
    assert "airflow_provider_emrfs_xacct.hooks.kms" not in loaded


def test_the_hand_written_yardstick_has_the_example_dags_shape():
    # benchmarks/parse_cost.py compares the example DAG with the same pipeline written by hand: that
    # comparison means something only while both have the same tasks, edges and params.
    import runpy

    def shape(path: Path) -> tuple:
        dag = runpy.run_path(str(path), run_name="__shape__")["dag"]
        edges = {(task.task_id, downstream) for task in dag.tasks for downstream in task.downstream_task_ids}
        return set(dag.task_dict), edges, set(dag.params)

    example = shape(ROOT / "dags" / "emrfs_xacct_partner_export.py")
    by_hand = shape(ROOT / "benchmarks" / "handwritten_pipeline.py")
    assert by_hand[0] == example[0]
    assert by_hand[2] == example[2]
    assert by_hand[1] == example[1]


def test_the_dag_processor_sampler_loads_a_dag_file_as_airflow_does_and_times_it_in_a_fork():
    # benchmarks/dag_processor_sampler.py: the file is loaded under Airflow's module name for it (as
    # python_importer.py does), and a forked child's CPU time comes back; the parent loads nothing.
    from airflow.utils.file import get_unique_dag_module_name

    from benchmarks.dag_processor_sampler import in_forked_child, load_dag_file

    stock = str(ROOT / "benchmarks" / "stock_emr_pipeline.py")
    name = get_unique_dag_module_name(stock)
    assert name not in sys.modules
    assert in_forked_child(lambda: load_dag_file(stock)) > 0
    assert name not in sys.modules
    load_dag_file(stock)
    try:
        assert sys.modules[name].dag.dag_id == "stock_emr_partner_export"
    finally:
        del sys.modules[name]
    with pytest.raises(SystemExit, match="forked sample failed"):
        in_forked_child(lambda: 1 / 0)


@pytest.fixture(scope="module")
def preloaded() -> set[str]:
    """What the preload imports, in a fresh interpreter."""
    return modules_loaded_by(
        "from airflow_provider_emrfs_xacct.preload import import_parse_time_modules\nimport_parse_time_modules()"
    )


@pytest.mark.parametrize("dag_file", sorted(path.name for path in (ROOT / "dags").glob("*.py")))
def test_the_preload_has_every_provider_module_an_example_dag_loads(dag_file, preloaded):
    # airflow_provider_emrfs_xacct.preload is for the modules DAG files import from the provider: one it lacks is
    # imported again by every parse (the example DAGs' user_defined_macros, macros.aws_partition, for one).
    from airflow_provider_emrfs_xacct.preload import parse_time_modules

    loaded = modules_loaded_by(f"import runpy\nrunpy.run_path('dags/{dag_file}', run_name='__dag__')")
    provider = {name for name in loaded if name.startswith("airflow_provider_emrfs_xacct")}
    assert sorted(provider - preloaded) == [], parse_time_modules()
