"""
Automated mutation study of the pure policy logic: mutants nobody picked by hand.

``benchmarks/mutation_sweep.py`` plants bugs chosen by people; this script generates them. For each
target module it walks the syntax tree (``ast``) and makes one small change at a time: a comparison
flipped (``<``/``<=``, ``==``/``!=``, ``in``/``not in``, ``is``/``is not``), ``and``/``or`` swapped, a
``not`` removed, a constant changed (``True``/``False``, a number plus one, a string emptied or
altered), ``+``/``-`` swapped, a returned value replaced by ``None``, or a statement replaced by
``pass``. Docstrings, imports and the text of raised errors are left alone.

Each mutant runs in a forked child process: the mutated module is compiled in memory and put in
``sys.modules`` before pytest starts, so the source files are never edited and no bytecode cache can
serve the original. The child runs that module's unit tests (``pytest -x -q``); a failure (or an
import error, or a timeout) kills the mutant. Not part of ``make test``; run it by hand::

    python -m benchmarks.auto_mutants merge                 # one target (see TARGETS)
    python -m benchmarks.auto_mutants merge spill --list    # the mutants, without running them
    python -m benchmarks.auto_mutants checks/contexts --only 12 40   # some mutants by number
    python -m benchmarks.auto_mutants validation --tests tests/unit/test_validation.py   # other tests

It prints each survivor (line, change) and a summary line per target. Survivors are not all test
gaps: an equivalent mutant changes nothing observable (a message, a redundant guard); judge each.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import os
import signal
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = "airflow_provider_emrfs_xacct"
TIMEOUT_SECONDS = 60

_U = "tests/unit/"
_CHECK_TESTS = [
    _U + "test_chain.py",
    _U + "test_chain_audit_fixes.py",
    _U + "test_requested_encryption.py",
    _U + "test_cross_type_shadowing.py",
    _U + "test_request_contexts.py",
]
# Each target module and the unit tests that cover it (found with grep: the tests that import it,
# directly or through documents.py).
TARGETS: dict[str, list[str]] = {
    "merge": [
        _U + "test_merge.py",
        _U + "test_documents.py",
        _U + "test_converge.py",
        _U + "test_converge_races.py",
        _U + "test_safety_rules.py",
        _U + "test_properties.py",
        _U + "test_quotas.py",
        _U + "test_revoke_keeps_additions.py",
        # merge's and bucket_policy's refusals are tested on the provider's documents in these two as well.
        _U + "test_foreign_statements_kept.py",
        _U + "test_principal_spelling.py",
    ],
    "security_config": [
        _U + "test_security_config.py",
        _U + "test_role_mappings_user_group.py",
        _U + "test_cross_type_shadowing.py",
        _U + "test_chain.py",
    ],
    "bucket_policy": [
        _U + "test_documents.py",
        _U + "test_option_a_documents.py",
        _U + "test_safety_rules.py",
        _U + "test_chain_audit_fixes.py",
        _U + "test_revoke_keeps_additions.py",
        _U + "test_foreign_statements_kept.py",
        _U + "test_principal_spelling.py",
    ],
    "spill": [_U + "test_quotas.py", _U + "test_chain.py", _U + "test_chain_audit_fixes.py"],
    # validate_bool (airflow5) is tested with the templated operator fields.
    "validation": [
        _U + "test_validation.py",
        _U + "test_documents.py",
        _U + "test_safety_rules.py",
        _U + "test_field_properties.py",
    ],
    "evaluator": [_U + "test_evaluator.py", *_CHECK_TESTS],
    # hadoop_boolean, the translation and Access Grants switches are also tested through the verifier; the canned
    # ACL and spark.hadoop.* refusals (review32, review33) with the launch's Spark/ACL tests, hadoop_reading also
    # through the verifier's Spark comparison.
    "cluster_config": [
        _U + "test_cluster_config.py",
        _U + "test_launch_spark_and_acl.py",
        _U + "test_spark_job_settings.py",
        _U + "test_access_grants.py",
        _U + "test_credential_settings.py",
        _U + "test_request_contexts.py",
        _U + "test_safety_rules.py",
        _U + "test_chain.py",
        _U + "test_chain_audit_fixes.py",
        _U + "test_hand_made_configurations.py",
        _U + "test_fs_s3_impl_before_s3a.py",
        _U + "test_imds_release.py",
    ],
    "converge": [
        _U + "test_converge.py",
        _U + "test_converge_lag.py",
        _U + "test_converge_races.py",
        _U + "test_stale_writes.py",
        _U + "test_safety_rules.py",
    ],
    "quotas": [_U + "test_quotas.py"],
    "network": [
        _U + "test_network.py",
        _U + "test_chain.py",
        _U + "test_endpoint_policies.py",
        _U + "test_chain_not_checked.py",
        _U + "test_probe_coverage.py",
    ],
    "deferred_kill": [_U + "test_deferred_kill_states.py"],
    "endpoint_policy": [_U + "test_endpoint_policies.py", _U + "test_network.py"],
    "kms_grants": [_U + "test_kms_grants.py"],
    "security_groups": [
        _U + "test_security_groups.py",
        _U + "test_network.py",
        _U + "test_chain_not_checked.py",
        _U + "test_chain.py",
    ],
    "launch_arguments": [_U + "test_launch_arguments.py", _U + "test_imds_release.py"],
    "names": [_U + "test_documents.py"],
    "plan": [_U + "test_plan.py", _U + "test_demo_output.py", _U + "test_converge.py"],
    "requests": [_U + "test_request_contexts.py", _U + "test_chain.py"],
    "documents": [
        _U + "test_documents.py",
        _U + "test_option_a_documents.py",
        _U + "test_merge.py",
        _U + "test_converge.py",
        _U + "test_converge_races.py",
        _U + "test_foreign_statements_kept.py",
        _U + "test_principal_spelling.py",
        _U + "test_properties.py",
        _U + "test_quotas.py",
        _U + "test_requested_encryption.py",
        _U + "test_safety_rules.py",
        _U + "test_security_invariants.py",
        _U + "test_chain.py",
        _U + "test_chain_audit_fixes.py",
    ],
}
for _path in sorted((ROOT / PKG / "pure" / "checks").glob("*.py")):
    if _path.stem != "__init__":
        TARGETS["checks/" + _path.stem] = _CHECK_TESTS
TARGETS["checks/endpoints"] = [_U + "test_endpoint_policies.py", *_CHECK_TESTS]
TARGETS["checks/access_grants"] = [_U + "test_access_grants.py", _U + "test_aws_cluster_settings.py", *_CHECK_TESTS]
TARGETS["checks/credential_settings"] = [
    _U + "test_credential_settings.py",
    _U + "test_aws_cluster_settings.py",
    *_CHECK_TESTS,
]
TARGETS["checks/object_lock"] = [_U + "test_chain_not_checked.py", *_CHECK_TESTS]
TARGETS["checks/principal"] = [
    _U + "test_routing_bypasses.py",
    _U + "test_identifiers_as_read.py",
    _U + "test_role_mappings_user_group.py",
    _U + "test_chain_not_checked.py",
    *_CHECK_TESTS,
]
TARGETS["checks/s3_route"] = [
    _U + "test_network.py",
    _U + "test_chain_not_checked.py",
    _U + "test_probe_coverage.py",
    *_CHECK_TESTS,
]
# The launch's Spark/ACL tests read the chain's Spark link too (a value Hadoop reads as the site file's is no link).
TARGETS["checks/spark_settings"] = [
    _U + "test_spark_job_settings.py",
    *_CHECK_TESTS,
    _U + "test_launch_spark_and_acl.py",
]
TARGETS["checks/session_duration"] = [
    _U + "test_spark_job_settings.py",
    _U + "test_aws_cluster_settings.py",
    *_CHECK_TESTS,
]
# s3a2's custom encryption context (contexts.custom_encryption_context, key_user's grants) is tested with grants.
# The bucket-level readings (s3a4, port25) are tested with the settings they leave not checked and the credentials'.
TARGETS["checks/contexts"] = [
    *_CHECK_TESTS,
    _U + "test_kms_grants.py",
    _U + "test_spark_job_settings.py",
    _U + "test_chain_not_checked.py",
    _U + "test_credential_settings.py",
    _U + "test_access_grants.py",
    _U + "test_fs_s3_impl_before_s3a.py",
    _U + "test_launch_spark_and_acl.py",
]
# A mapped bucket's own STS endpoint and the STS VPC endpoint policy (port25) are tested with the endpoints' policies.
TARGETS["checks/sts_route"] = [
    *_CHECK_TESTS,
    _U + "test_endpoint_policies.py",
    _U + "test_spark_job_settings.py",
    _U + "test_chain_not_checked.py",
]
# The IMDS links and fs.s3.impl before 7.10.0 (fsimpl) are tested in files of their own.
TARGETS["checks/release"] = [
    *_CHECK_TESTS,
    _U + "test_spark_job_settings.py",
    _U + "test_access_grants.py",
    _U + "test_imds_release.py",
    _U + "test_fs_s3_impl_before_s3a.py",
]
TARGETS["checks/key_user"] = [*_CHECK_TESTS, _U + "test_kms_grants.py"]
# name_refused_reads' tests build refusals as the hooks word them (hooks/errors.py), in test_chain_not_checked.py.
TARGETS["checks/findings"] = [_U + "test_chain_not_checked.py", *_CHECK_TESTS]

_COMPARE_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr}


@dataclass(frozen=True)
class Mutant:
    """One mutation site: its number in the module, line and what it changes."""

    number: int
    line: int
    change: str


class _Mutator(ast.NodeTransformer):
    """Walk the tree counting mutation sites; apply the one numbered ``target`` (or none: -1)."""

    def __init__(self, target: int = -1) -> None:
        self.target = target
        self.sites: list[Mutant] = []

    def _site(self, node: ast.AST, change: str) -> bool:
        number = len(self.sites)
        self.sites.append(Mutant(number, getattr(node, "lineno", 0), change))
        return number == self.target

    # Left alone: docstrings, imports, the text of raised errors, type annotations.
    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        new: list[ast.stmt] = []
        for index, statement in enumerate(body):
            is_docstring = index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            if is_docstring or isinstance(
                statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Pass, ast.Return)
            ):
                new.append(statement if is_docstring else self.visit(statement))
                continue
            if self._site(statement, f"drop statement: {ast.unparse(statement).splitlines()[0][:70]}"):
                new.append(ast.copy_location(ast.Pass(), statement))
                continue
            new.append(self.visit(statement))
        return new

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, field, self._body(value))
        for field, value in ast.iter_fields(node):
            is_body = field in ("body", "orelse", "finalbody") and isinstance(value, list) and value
            if (is_body and isinstance(value[0], ast.stmt)) or field in ("returns", "annotation", "decorator_list"):
                continue
            if isinstance(value, list):
                value[:] = [self.visit(item) if isinstance(item, ast.AST) else item for item in value]
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        for index, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap and self._site(node, f"{type(op).__name__} -> {swap.__name__}: {ast.unparse(node)[:70]}"):
                node.ops[index] = swap()
        return self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._site(node, f"{type(node.op).__name__} -> {other.__name__}: {ast.unparse(node)[:70]}"):
            node.op = other()
        return self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.op, ast.Not) and self._site(node, f"remove not: {ast.unparse(node)[:70]}"):
            return self.visit(node.operand)
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        swap = _BINOP_SWAPS.get(type(node.op))
        if swap and self._site(node, f"{type(node.op).__name__} -> {swap.__name__}: {ast.unparse(node)[:70]}"):
            node.op = swap()
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._site(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int):
            if self._site(node, f"{value} -> {value + 1}"):
                return ast.copy_location(ast.Constant(value + 1), node)
        elif isinstance(value, str):
            replacement = "" if value else "X"
            if value and len(value) > 1:
                replacement = value[:-1]
            if self._site(node, f"{value[:40]!r} -> {replacement[:40]!r}"):
                return ast.copy_location(ast.Constant(replacement), node)
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        returns_value = node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        )
        if returns_value and self._site(node, f"return None instead of: {ast.unparse(node.value)[:60]}"):
            return ast.copy_location(ast.Return(ast.Constant(None)), node)
        return self.generic_visit(node)


def module_path(target: str) -> Path:
    return ROOT / PKG / "pure" / (target + ".py")


def module_name(target: str) -> str:
    return f"{PKG}.pure." + target.replace("/", ".")


def list_mutants(target: str) -> list[Mutant]:
    mutator = _Mutator()
    mutator.visit(ast.parse(module_path(target).read_text()))
    return mutator.sites


def _mutated_code(target: str, number: int) -> types.CodeType:
    tree = ast.parse(module_path(target).read_text())
    mutator = _Mutator(number)
    tree = ast.fix_missing_locations(mutator.visit(copy.deepcopy(tree)))
    return compile(tree, str(module_path(target)), "exec")


def _run_child(target: str, number: int, tests: list[str]) -> int:
    """In the forked child: install the mutant in sys.modules, then run the tests."""
    import pytest

    signal.alarm(TIMEOUT_SECONDS)
    name = module_name(target)
    parent_name, _, short = name.rpartition(".")
    parent = importlib.import_module(parent_name)
    module = types.ModuleType(name)
    module.__file__ = str(module_path(target))
    module.__package__ = parent_name
    sys.modules[name] = module
    try:
        exec(_mutated_code(target, number), module.__dict__)
    except Exception:
        return 99  # the mutant does not even import: killed
    setattr(parent, short, module)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    # -o addopts= drops the project's options, so the marker filter is given again: a perf study (over two
    # minutes, e.g. test_converge_lag's full study) would time every mutant out, and so count it a survivor.
    options = [
        "-x",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-m",
        "not perf and not slow",
    ]
    return int(pytest.main([*options, *tests]))


def run_mutant(target: str, number: int, tests: list[str]) -> str:
    pid = os.fork()
    if pid == 0:
        code = 98
        try:
            code = _run_child(target, number, tests)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "timeout" if os.WTERMSIG(status) == signal.SIGALRM else "killed"
    return "survived" if os.WEXITSTATUS(status) == 0 else "killed"


def _preload_third_party() -> None:
    """Import, once in this parent, the libraries the tests' conftest imports (not this project's)."""
    listing = subprocess.run(
        [sys.executable, "-c", "import sys, tests.conftest; print('\\n'.join(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    own = (PKG, "devstack", "tests", "benchmarks", "__main__")
    for name in listing:
        if not name.startswith(own):
            try:
                importlib.import_module(name)
            except Exception:  # a module that only imports in its own context: skip it
                continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("targets", nargs="+", choices=sorted(TARGETS))
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--only", nargs="*", type=int, help="run only these mutant numbers")
    parser.add_argument("--tests", nargs="*", help="run these test files instead of the target's own")
    args = parser.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if not args.list:
        _preload_third_party()
    summary = []
    for target in args.targets:
        mutants = list_mutants(target)
        if args.only:
            mutants = [m for m in mutants if m.number in args.only]
        tests = args.tests or TARGETS[target]
        if not args.list and run_mutant(target, -1, tests) != "survived":
            raise SystemExit(f"{target}: the tests fail on the unmutated module; fix that first")
        survived = []
        for mutant in mutants:
            if args.list:
                print(f"{target} #{mutant.number} line {mutant.line}: {mutant.change}")
                continue
            outcome = run_mutant(target, mutant.number, tests)
            if outcome != "killed":
                survived.append(mutant)
                print(f"{target} #{mutant.number} line {mutant.line} {outcome}: {mutant.change}", flush=True)
        if not args.list:
            line = f"{target}: {len(mutants)} mutants, {len(mutants) - len(survived)} killed, {len(survived)} survived"
            summary.append(line)
            print(line, flush=True)
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
