"""The provider's metadata lists what the package holds, and Airflow reads it as the UI shows it."""

from __future__ import annotations

import configparser
import importlib
import inspect
import json
import pkgutil
from importlib.metadata import distribution
from pathlib import Path

import jsonschema
import pytest
from airflow.sdk import BaseHook, BaseOperator

import airflow_provider_emrfs_xacct
from airflow_provider_emrfs_xacct import hooks, operators
from airflow_provider_emrfs_xacct.get_provider_info import DOCUMENTATION_URL, get_provider_info

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "airflow-provider-emrfs-xacct"


def modules_defining(package: object, base: type) -> set[str]:
    """Modules of ``package`` that define a concrete (non-base, non-mixin) subclass of ``base``."""
    found = set()
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):  # type: ignore[attr-defined]
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, base)
                and value.__module__ == module.__name__
                and "Base" not in name
                and not name.endswith("Mixin")
            ):
                found.add(module.__name__)
    return found


def listed(kind: str) -> list[str]:
    return [module for entry in get_provider_info()[kind] for module in entry["python-modules"]]


def test_every_operator_module_is_listed() -> None:
    found = modules_defining(operators, BaseOperator)
    assert "airflow_provider_emrfs_xacct.operators.revoke" in found
    assert set(listed("operators")) == found
    assert len(listed("operators")) == len(set(listed("operators")))


def test_every_hook_module_is_listed() -> None:
    found = modules_defining(hooks, BaseHook)
    assert {"airflow_provider_emrfs_xacct.hooks.iam", "airflow_provider_emrfs_xacct.hooks.emr"} <= found
    assert set(listed("hooks")) == found
    assert len(listed("hooks")) == len(set(listed("hooks")))


def test_the_metadata_follows_airflows_schema() -> None:
    schema_path = Path(importlib.import_module("airflow").__file__).parent / "provider_info.schema.json"  # type: ignore[arg-type]
    jsonschema.validate(get_provider_info(), json.loads(schema_path.read_text()))
    assert get_provider_info()["versions"] == [airflow_provider_emrfs_xacct.__version__]


def test_the_documentation_url_is_the_packages_documentation_project_url() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    urls = dict(
        (part.strip() for part in line.split("=", 1))
        for line in config["metadata"]["project_urls"].strip().splitlines()
    )
    assert get_provider_info()["documentation-url"] == DOCUMENTATION_URL == urls["Documentation"]
    # No placeholder: the project has no repository or documentation host of its own yet, so every URL
    # is its package page (docs/development.md, "Where the project lives").
    assert config["metadata"]["url"] == DOCUMENTATION_URL == "https://pypi.org/project/airflow-provider-emrfs-xacct/"
    assert all(url.startswith(DOCUMENTATION_URL) for url in urls.values()), urls
    # The source distribution the "Source Code" URL lists holds the docs and the examples.
    manifest = (ROOT / "MANIFEST.in").read_text().splitlines()
    assert {"graft docs", "graft dags", "graft tests"} <= set(manifest)


def test_airflow_sees_the_provider_with_its_documentation_url() -> None:
    """What Admin > Providers shows (Airflow 3.3 reads the URL from the installed package's metadata)."""
    from airflow.providers_manager import ProvidersManager

    provider = ProvidersManager().providers[PACKAGE]
    assert provider.version == airflow_provider_emrfs_xacct.__version__
    assert provider.data["documentation-url"] == DOCUMENTATION_URL
    assert "airflow_provider_emrfs_xacct.operators.revoke" in [
        module for entry in provider.data["operators"] for module in entry["python-modules"]
    ]


@pytest.mark.parametrize("name", ["LICENSE", "airflow_provider_emrfs_xacct/py.typed"])
def test_the_package_ships_its_license_and_type_marker(name: str) -> None:
    assert (ROOT / name).is_file()
    files = {str(path) for path in distribution(PACKAGE).files or []}
    if name == "LICENSE":
        text = (ROOT / name).read_text()
        assert text.lstrip().startswith("Apache License\n                        Version 2.0, January 2004")
        assert "END OF TERMS AND CONDITIONS" in text
        assert distribution(PACKAGE).metadata["License"] == "Apache-2.0"
    else:
        # Installed in editable mode the package is the source tree itself; the wheel takes py.typed as package data.
        config = configparser.ConfigParser()
        config.read(ROOT / "setup.cfg")
        assert "py.typed" in config["options.package_data"]["airflow_provider_emrfs_xacct"]
    assert files  # the distribution is installed


def test_authors_and_project_urls_are_in_the_package_metadata() -> None:
    metadata = distribution(PACKAGE).metadata
    assert metadata["Author"]
    urls = {entry.split(",", 1)[0].strip(): entry.split(",", 1)[1].strip() for entry in metadata.get_all("Project-URL")}
    assert {"Documentation", "Source Code"} <= set(urls)


def test_airflow_knows_the_deployment_name_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """``[emrfs_xacct] deployment_name`` is declared: Airflow gives its default; the environment sets it."""
    from airflow.providers.common.compat.sdk import conf

    from airflow_provider_emrfs_xacct.operators.emr import deployment_name

    monkeypatch.delenv("AIRFLOW__EMRFS_XACCT__DEPLOYMENT_NAME", raising=False)
    assert conf.get("emrfs_xacct", "deployment_name") == ""  # an undeclared option would raise, with no fallback
    assert deployment_name() is None
    monkeypatch.setenv("AIRFLOW__EMRFS_XACCT__DEPLOYMENT_NAME", " staging ")
    assert deployment_name() == "staging"


def test_airflow_knows_the_settle_seconds_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """``[emrfs_xacct] settle_seconds`` is declared: Airflow gives the provider's default; the environment sets it."""
    from airflow.providers.common.compat.sdk import conf

    from airflow_provider_emrfs_xacct.operators.base import (
        DEFAULT_SETTLE_SECONDS,
        SETTLE_SECONDS_ENV,
        configured_settle_seconds,
    )

    monkeypatch.delenv(SETTLE_SECONDS_ENV, raising=False)
    assert conf.get("emrfs_xacct", "settle_seconds") == str(DEFAULT_SETTLE_SECONDS)  # undeclared: it would raise
    assert configured_settle_seconds() == 1.0
    monkeypatch.setenv(SETTLE_SECONDS_ENV, " 0.25 ")
    assert configured_settle_seconds() == 0.25
