"""
The documentation site builds with warnings as errors, and its examples are the example DAGs' code.

One build (``sphinx-build -W --keep-going -b html``) per test session, shared by the checks below.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_emrfs_xacct import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MARKER = re.compile(r"# \[START (howto_\w+)\]")
INCLUDE = re.compile(r"```\{literalinclude\} (?P<path>\S+)\n(?P<options>(?::[^\n]*\n)*)```")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs-html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"
    assert "WARNING" not in result.stderr, result.stderr
    return out


def includes() -> list[tuple[Path, Path, str]]:
    """Every ``literalinclude`` of a how-to marker: (page, included file, marker)."""
    found = []
    for page in DOCS.rglob("*.md"):
        for match in INCLUDE.finditer(page.read_text()):
            marker = re.search(r':start-after: "\[START (howto_\w+)\]"', match["options"])
            if marker:
                found.append((page, (page.parent / match["path"]).resolve(), marker.group(1)))
    return found


def snippet(path: Path, marker: str) -> str:
    text = path.read_text()
    return text.split(f"# [START {marker}]\n", 1)[1].split(f"# [END {marker}]", 1)[0]


def page_text(site: Path, page: Path) -> str:
    built = site / page.relative_to(DOCS).with_suffix(".html")
    return html.unescape(re.sub(r"<[^>]+>", "", built.read_text()))


def test_every_dag_marker_is_shown_and_every_included_marker_exists() -> None:
    in_dags = {
        (path.resolve(), marker) for path in (ROOT / "dags").glob("*.py") for marker in MARKER.findall(path.read_text())
    }
    included = {(path, marker) for _, path, marker in includes()}
    assert len(in_dags) >= 10
    assert included == in_dags
    for path, marker in in_dags:
        assert path.read_text().count(f"# [END {marker}]") == 1, marker


def test_the_site_builds_and_shows_the_dags_code(site: Path) -> None:
    assert (site / "index.html").is_file()
    for page, path, marker in includes():
        text = page_text(site, page)
        first_line = snippet(path, marker).strip().splitlines()[0]
        assert first_line in text, f"{marker} not shown in {page.name}"


def test_the_api_reference_documents_every_operator(site: Path) -> None:
    api = (site / "api.html").read_text()
    for module in ("iam", "kms", "emr", "s3", "verify", "revoke", "assets"):
        names = re.findall(
            r"^class (\w+Operator)\(",
            (ROOT / "airflow_provider_emrfs_xacct" / "operators" / f"{module}.py").read_text(),
            re.M,
        )
        assert names, module
        for name in names:
            assert f'id="airflow_provider_emrfs_xacct.operators.{module}.{name}"' in api, name
    # The :param: fields are rendered as parameter lists, not as raw text.
    assert ":param" not in html.unescape(re.sub(r"<[^>]+>", "", api))


#: The packages and modules the API reference must cover whole: every operator, hook, link and check of the chain
#: ("One module per link of the chain"), the triggers the triggerer runs and the DAGs' macros.
REFERENCED = ("operators/*.py", "hooks/*.py", "links/*.py", "pure/checks/*.py", "triggers.py", "macros.py")


def test_the_api_reference_lists_every_module_it_promises() -> None:
    page = (DOCS / "api.md").read_text()
    package = ROOT / "airflow_provider_emrfs_xacct"
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for pattern in REFERENCED
        for path in sorted(package.glob(pattern))
        if path.name != "__init__.py"
    ]
    missing = [module for module in modules if f".. automodule:: {module}\n" not in page]
    assert not missing, f"docs/api.md has no automodule for {missing}"


def test_the_command_line_page_lists_every_partner_file_key(site: Path) -> None:
    text = (DOCS / "cli.md").read_text()
    for section, keys in cli.SCHEMA.items():
        for key in keys:
            assert f"| `{section}` | `{key}` |" in text, f"{section}.{key}"
    assert "python -m devstack serve" in page_text(site, DOCS / "cli.md")


def test_the_readmes_minimal_example_builds_the_pinned_chain_before_the_launch() -> None:
    """The README's example, as written (``{...}`` stands for the cluster's arguments), in a DAG."""
    from airflow.sdk import DAG

    [example] = re.findall(r"## A minimal example\n\n```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    namespace: dict[str, object] = {}
    with DAG(dag_id="readme_example", schedule=None) as dag:
        exec(compile(example, "README.md", "exec"), namespace)

    launch = dag.get_task("launch_cluster")
    group = [task for task in dag.tasks if task.task_id.startswith("partner_partner_b.")]
    assert {task.task_id.split(".", 1)[1] for task in group} >= {
        "ensure_destination_role",
        "allow_emr_role_to_assume",
        "grant_kms_key_user",
        "create_security_configuration",
        "verify_access",
    }
    assert launch.upstream_task_ids >= {"partner_partner_b.verify_access"}
    # "each side's tasks refuse another account": every task is pinned to its connection's account.
    accounts = {"aws_emr_account": "111111111111", "aws_destination_account": "222222222222"}
    for task in [*group, launch]:
        assert task.expected_account_id == accounts[task.aws_conn_id], task.task_id


TEST_REFERENCE = re.compile(r"(test_\w+\.py)::(test_\w+)")


def test_every_test_the_docs_name_exists() -> None:
    """A test named in the docs as the proof of a claim (``test_x.py::test_y``) is a test of that file today."""
    named = {
        (page.relative_to(ROOT).as_posix(), *found.groups())
        for page in [ROOT / "README.md", *DOCS.rglob("*.md")]
        for found in TEST_REFERENCE.finditer(page.read_text())
    }
    assert named
    missing = [
        (page, file, test)
        for page, file, test in sorted(named)
        if not any(
            re.search(rf"^(async )?def {test}\b", path.read_text(), re.M) for path in ROOT.glob(f"tests/**/{file}")
        )
    ]
    assert not missing, missing


def test_the_deferred_step_sensors_default_limit_is_the_one_the_airflow_page_gives() -> None:
    """docs/airflow.md, "Waiting for a step": a deferred ``EmrStepSensor`` gives up after ``max_attempts`` × ``poke_interval``."""
    from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

    sensor = EmrStepSensor(task_id="wait", job_flow_id="j-1", step_id="s-1", deferrable=True)

    assert (sensor.max_attempts, sensor.poke_interval) == (60, 60)
    text = " ".join((ROOT / "docs" / "airflow.md").read_text().split())
    assert "`max_attempts` × `poke_interval` (60 × 60 s, an hour, by default" in text
