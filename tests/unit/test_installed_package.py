"""
What a user installing the wheel gets: the command line's help, flags and version, and the build's manifest.

The wheel holds only the ``airflow_provider_emrfs_xacct`` packages (setup.cfg); ``devstack/``,
``examples/``, ``dags/`` and ``docs/`` are in the source distribution only (MANIFEST.in).
"""

from __future__ import annotations

import argparse
import ast
import configparser
import re
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from setuptools import find_packages

import airflow_provider_emrfs_xacct
from airflow_provider_emrfs_xacct import cli

ROOT = Path(__file__).resolve().parents[2]


def wheel_packages() -> set[str]:
    """The packages setup.cfg puts in the wheel."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    include = config["options.packages.find"]["include"].split()
    return set(find_packages(ROOT, include=include))


def sub_parsers() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def help_texts() -> list[str]:
    return [cli.parser().format_help(), *(sub.format_help() for sub in sub_parsers().values())]


def test_the_help_names_nothing_the_wheel_does_not_install_without_saying_where_it_is() -> None:
    """``pip install`` gives neither ``devstack`` nor ``examples/``: the help says they come with the sources."""
    installed = wheel_packages()
    assert "airflow_provider_emrfs_xacct.pure" in installed
    assert not {"devstack", "tests", "benchmarks"} & installed
    for text in help_texts():
        for paragraph in re.split(r"\n\s*\n", text):
            # The example command lines take the user's own file as their argument.
            prose = "\n".join(line for line in paragraph.splitlines() if not line.strip().startswith("emrfs-xacct "))
            modules = re.findall(r"python -m ([\w.]+)", prose)
            files = re.findall(r"\b((?:examples|dags|docs|devstack)/[\w./-]+)", prose)
            outside = [m for m in modules if m not in installed] + files
            if outside:
                assert "source distribution" in " ".join(prose.split()), (outside, paragraph)


def test_emrfs_xacct_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.split() == ["emrfs-xacct", airflow_provider_emrfs_xacct.__version__]
    assert version("airflow-provider-emrfs-xacct") == airflow_provider_emrfs_xacct.__version__


def documented_command_lines() -> list[tuple[str, str]]:
    """Every ``emrfs-xacct SUB ...`` line of the docs, README and the help's examples (continuations joined)."""
    sources = {
        str(path.relative_to(ROOT)): path.read_text() for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    }
    sources["emrfs-xacct --help"] = "\n".join(help_texts())
    found = []
    for where, text in sources.items():
        joined = re.sub(r"\\\n\s*", " ", text)
        for match in re.finditer(r"emrfs-xacct (plan|apply|verify|revoke)\b(?:[^\n`|]|\|(?!\s*jq))*", joined):
            found.append((where, match.group(0)))
    return found


def test_every_documented_sub_command_and_flag_exists() -> None:
    lines = documented_command_lines()
    assert {line.split()[1] for _, line in lines} == {"plan", "apply", "verify", "revoke"}
    subs = sub_parsers()
    for where, line in lines:
        command = line.split()[1]
        options = {option for action in subs[command]._actions for option in action.option_strings}
        for flag in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", line):
            assert flag in options, f"{where}: `{line}`: {command} has no {flag}"


def test_every_file_the_manifest_includes_exists() -> None:
    """A pattern matching nothing is a warning in every build, and a file the source distribution misses."""
    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        words = line.split()
        if words and words[0] in ("include", "graft"):
            for pattern in words[1:]:
                assert list(ROOT.glob(pattern)), f"MANIFEST.in: {line!r}: no {pattern}"


def declared_requirements(extra: str | None = None) -> dict[str, str]:
    """The requirements of ``install_requires`` (or of the extra ``extra``), by package name."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    text = config["options"]["install_requires"] if extra is None else config["options.extras_require"][extra]
    lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return {re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0]: line for line in lines}


def test_every_extra_bounds_a_package_as_install_requires_does() -> None:
    """An extra naming a package again (the Amazon provider with aiobotocore) keeps the install's bounds."""
    from packaging.requirements import Requirement

    base = {name: Requirement(line).specifier for name, line in declared_requirements().items()}
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    for extra in config["options.extras_require"]:
        for name, line in declared_requirements(extra).items():
            if name in base:
                assert Requirement(line).specifier == base[name], f"[{extra}] {line}: install_requires has {base[name]}"


@pytest.mark.parametrize(
    ("package", "too_old", "imports"),
    [
        # airflow_provider_emrfs_xacct imports TriggerRule from airflow.sdk (task SDK 1.0, Airflow 3.0.0,
        # lacks it) and DuplicateTaskIdFound from airflow.sdk.exceptions (task SDK 1.1, Airflow 3.1.0, lacks it).
        ("apache-airflow", ["3.0.0", "3.1.0"], ["3.2.0", "3.3.2"]),
        # Amazon provider 9.0.0 imports airflow.utils.log.secrets_masker, which Airflow 3 has not; 9.10.0 to
        # 9.36.0 import, but their EMR triggers take no region_name, verify or botocore_config, which the
        # deferred launch, teardown and probe pass (9.37.0 adds them; docs/installation.md, "Versions tested").
        ("apache-airflow-providers-amazon", ["9.0.0", "9.10.0", "9.36.0"], ["9.37.0", "9.39.0"]),
        # triggers.in_thread passes sync_to_async an executor: asgiref 3.3.1's sync_to_async(func=None,
        # thread_sensitive=True) takes none and raises TypeError in every trigger; 3.3.2 adds the argument.
        ("asgiref", ["2.3.0", "3.3.1"], ["3.3.2", "3.13.0"]),
    ],
)
def test_the_declared_lower_bounds_exclude_releases_the_package_cannot_run_with(
    package: str, too_old: list[str], imports: list[str]
) -> None:
    from packaging.requirements import Requirement

    specifier = Requirement(declared_requirements()[package]).specifier
    assert not [release for release in too_old if release in specifier]
    assert all(release in specifier for release in imports)


def imported_at_run_time(tree: ast.Module) -> set[str]:
    """The top-level modules a source file imports, except under ``if TYPE_CHECKING:`` (never run)."""
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_package_the_provider_imports_is_declared_in_install_requires() -> None:
    """
    A module the wheel imports comes from a distribution ``install_requires`` names, not one that only happens to
    arrive with another (``asgiref`` came with Airflow, ``botocore`` with boto3: their bounds were theirs, not ours).
    """
    from importlib.metadata import packages_distributions

    from packaging.utils import canonicalize_name

    declared = {canonicalize_name(name) for name in declared_requirements()}
    distributions = packages_distributions()
    package_dir = Path(airflow_provider_emrfs_xacct.__file__).parent
    undeclared = {}
    for source in sorted(package_dir.rglob("*.py")):
        for module in imported_at_run_time(ast.parse(source.read_text())):
            if module in sys.stdlib_module_names or module == "airflow_provider_emrfs_xacct":
                continue
            providers = {canonicalize_name(name) for name in distributions.get(module, [])}
            if not providers & declared:
                undeclared[module] = (
                    f"{source.relative_to(package_dir)}: from {sorted(providers) or 'nothing installed'}"
                )
    assert not undeclared, undeclared


def test_the_python_the_readme_asks_for_installs_every_pinned_distribution() -> None:
    # The README's commands install constraints.txt's pins: each one's Requires-Python (as installed here) must
    # admit the oldest Python the README and the Makefile accept.
    import re
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    readme = (ROOT / "README.md").read_text()
    oldest = re.search(r"Python (\d+\.\d+\.\d+) or later and make", readme)
    assert oldest, "the README names the oldest Python its commands take"
    assert f"sys.version_info >= ({oldest[1].replace('.', ', ')})" in (ROOT / "Makefile").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==", (ROOT / "constraints.txt").read_text(), re.MULTILINE)
    refused = []
    for name in pins:
        try:
            wanted = metadata.metadata(name).get("Requires-Python")
        except metadata.PackageNotFoundError:
            continue  # pinned for another platform or extra, not installed here
        if wanted and not SpecifierSet(wanted).contains(oldest[1]):
            refused.append(f"{name} (Requires-Python {wanted})")
    assert not refused, f"Python {oldest[1]} cannot install: {refused}"
