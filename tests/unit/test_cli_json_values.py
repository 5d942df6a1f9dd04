"""
The command line's checks of what it sends as JSON, of the endpoints it is given, and of its own clients' settings.

With the stand-in: ``tests/integration/test_cli_refused_input.py``. Here what needs no AWS call: a value JSON holds
is let through whatever its shape, the endpoints botocore ignores are not checked, and the client the command line
builds for its own calls has the operators' retries before it sends anything.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
from airflow_provider_emrfs_xacct.hooks.generic import EmrfsAwsHook
from airflow_provider_emrfs_xacct.operators.base import DEFAULT_BOTOCORE_CONFIG
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner.yaml"
PARTNER = yaml.safe_load(EXAMPLE.read_text())


@pytest.fixture(autouse=True)
def no_aws_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing of this machine's AWS settings."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)


def test_every_json_value_is_let_through_shared_parts_too() -> None:
    shared = {"Key": "value", "Numbers": [0, -1, 2**70, 1.5, 1e300]}
    document = {
        "EncryptionConfiguration": {"EnableAtRestEncryption": True, "Empty": {}, "Nothing": None},
        "Text": "café ☕ 𝄞",
        "A": shared,
        "B": [shared, shared, []],
    }

    cli.require_json_value(document, "security_configuration.base_configuration")

    assert json.loads(json.dumps(document)) == document


def test_a_list_holding_itself_is_refused_at_the_place_it_comes_back() -> None:
    looped: list[Any] = [1]
    looped.append({"Again": looped})

    with pytest.raises(InvalidParameterError) as refused:
        cli.require_json_value({"Foo": looped}, "security_configuration.role_mappings")

    assert refused.value.field == "security_configuration.role_mappings.Foo[1].Again"
    assert refused.value.problem.startswith("holds itself")


def test_a_partner_file_of_json_values_is_loaded_as_before(tmp_path: Path) -> None:
    """The example, with a security configuration of every documented kind of value, loads unchanged."""
    partner = yaml.safe_load(EXAMPLE.read_text())
    partner["security_configuration"]["base_configuration"] = {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": "true",
            "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}},
        },
        "AuthenticationConfiguration": {
            "KerberosConfiguration": {
                "Provider": "ClusterDedicatedKdc",
                "ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": 24},
            }
        },
    }
    path = tmp_path / "partner.yaml"
    path.write_text(yaml.safe_dump(partner))

    assert cli.load_partner(path) == partner


def options(*extra: str) -> Any:
    return cli.parser().parse_args(["plan", "partner.yaml", "--region", "us-east-1", *extra])


def test_an_environment_endpoint_is_checked_unless_botocore_ignores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    ``--endpoint-url`` given to the client wins over the configured endpoints, and ``ignore_configured_endpoint_urls``
    turns them off (AWS SDKs and Tools Reference Guide, "Service-specific endpoints"): neither is then refused.
    """
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:70000")
    with pytest.raises(InvalidParameterError) as refused:
        cli.validate_options(options(), PARTNER)
    assert refused.value.field == "AWS_ENDPOINT_URL_KMS"
    assert "(Port out of range 0-65535)" in refused.value.problem

    cli.validate_options(options("--endpoint-url", "http://127.0.0.1:5000"), PARTNER)
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    cli.validate_options(options(), PARTNER)


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "https://[::1]:443/path", "http://localhost"])
def test_an_endpoint_url_with_a_host_and_a_port_is_taken(url: str) -> None:
    assert cli.validate_endpoint_url(url, "--endpoint-url") == url


@pytest.mark.parametrize("url", ["ftp://host", "http://", "host:5000", "http://host:65536", "http://[::1"])
def test_an_endpoint_url_without_a_host_or_port_is_refused_naming_the_option(url: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        cli.validate_endpoint_url(url, "--endpoint-url")

    assert refused.value.field == "--endpoint-url"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's two connections, as :func:`cli.configure_connections` defines them (no AWS call here)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in (cli.EMR_CONN, cli.DESTINATION_CONN):
        monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", "")
    cli.configure_connections(options("--endpoint-url", "http://127.0.0.1:5000"))


@pytest.mark.parametrize(
    ("hook_class", "parameters"),
    [(EmrfsAwsHook, {"client_type": "sts"}), (EmrfsAwsHook, {"client_type": "iam"}), (EmrfsEmrHook, {})],
)
def test_the_command_lines_own_clients_have_the_operators_retries(
    connections: None, hook_class: type, parameters: dict[str, Any]
) -> None:
    """botocore's default is its legacy mode, 5 attempts (boto3 User Guide, "Retries"): not the operators'."""
    default = copy.deepcopy(DEFAULT_BOTOCORE_CONFIG)

    client = cli.cli_hook(hook_class, aws_conn_id=cli.EMR_CONN, **parameters).conn

    assert client.meta.config.retries == {
        "mode": "standard",
        "total_max_attempts": DEFAULT_BOTOCORE_CONFIG["retries"]["max_attempts"] + 1,
    }
    assert client.meta.config.connect_timeout == DEFAULT_BOTOCORE_CONFIG["connect_timeout"]
    assert client.meta.config.read_timeout == DEFAULT_BOTOCORE_CONFIG["read_timeout"]
    assert default == DEFAULT_BOTOCORE_CONFIG  # the operators' default is not changed by the client built with it


def test_the_command_lines_own_clients_take_aws_max_attempts(
    connections: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    client = cli.cli_hook(EmrfsAwsHook, aws_conn_id=cli.DESTINATION_CONN, client_type="sts").conn

    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}
