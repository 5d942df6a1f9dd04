"""
Input the command line refuses exits 2 naming the file, its field or the option, before any AWS call; 70 is for bugs.

docs/cli.md: 2 "the input was refused (a partner file's field or an option, named in the message …)", 70 "an
unexpected error (a bug …)". Against the stand-in, so that input the command line let through reaches the code that
would have failed on it (the name of the security configuration, the first client). Also: every client the command
line builds for its own calls retries as the operators' do (docs/cli.md: "Each AWS call is retried as the operators
retry it").
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import botocore.client
import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.operators.base import DEFAULT_BOTOCORE_CONFIG
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, PROVISIONER_ROLE, REGION, Seeded
from devstack.testing import CallRecorder

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner.yaml"
ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-b-writer"
PREFIX = "s3://partner-results-b/exports/"


@pytest.fixture
def partner_file(aws: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example partner file (written as PyYAML writes it); plain credentials as on a laptop."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    for name in (cli.EMR_CONN, cli.DESTINATION_CONN):  # the command line defines these: undo it after the test
        monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", "")
    path = tmp_path / "partner.yaml"
    path.write_text(yaml.safe_dump(yaml.safe_load(EXAMPLE.read_text())))
    return path


def arguments(command: str, path: Path, aws: Seeded, *extra: str, endpoint: bool = True) -> list[str]:
    """``command`` on ``path`` through the two provisioner roles on the stand-in (``endpoint``: with --endpoint-url)."""
    return [
        command,
        str(path),
        "--emr-role-arn",
        f"arn:aws:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--destination-role-arn",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}",
        *(["--endpoint-url", aws.url] if endpoint else []),
        "--region",
        REGION,
        *extra,
    ]


def with_configuration(path: Path, key: str, value: str) -> None:
    """Write ``security_configuration.<key>: <value>`` (YAML as given) into the partner file."""
    text = path.read_text()
    line = "  name_prefix: emrfs-xacct-partner-b\n"
    assert line in text
    path.write_text(text.replace(line, f"{line}  {key}: {value}\n"))


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command line, which must refuse its input (2) before any AWS call; its last line on stderr."""
    with CallRecorder().everywhere() as calls:
        status = cli.main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert (status, calls.every) == (2, []), err
    return err.strip().splitlines()[-1]


#: ``security_configuration.base_configuration`` values YAML reads but JSON cannot hold: the place named, and what.
NOT_JSON = [
    pytest.param("{1: 2}", "base_configuration.1", "is a key YAML read as a number (1)", id="number-key"),
    pytest.param("{~: 2}", "base_configuration.null", "is a key YAML read as null (None)", id="null-key"),
    pytest.param("{Foo: 2020-01-01}", "base_configuration.Foo", "is a date (2020-01-01", id="date"),
    pytest.param("{Foo: !!binary aGVsbG8=}", "base_configuration.Foo", "is binary data (!!binary)", id="binary"),
    pytest.param("{Foo: !!set {a, b}}", "base_configuration.Foo", "is a set (!!set)", id="set"),
    pytest.param("{Foo: !!omap [a: 1]}", "base_configuration.Foo[0]", "is a pair (!!omap, !!pairs)", id="omap"),
    pytest.param("{Foo: .nan}", "base_configuration.Foo", "is nan, which JSON has no number for", id="nan"),
    pytest.param("{Foo: -.inf}", "base_configuration.Foo", "is -inf, which JSON has no number for", id="infinity"),
    pytest.param(
        "&x {EncryptionConfiguration: *x}",
        "base_configuration.EncryptionConfiguration",
        "holds itself (a YAML alias inside its own anchor",
        id="cycle",
    ),
    pytest.param(
        "{EncryptionConfiguration: {Foo: [1, {2020-01-02: x}]}}",
        "base_configuration.EncryptionConfiguration.Foo[1].2020-01-02",
        "is a key YAML read as a date (2020-01-02",
        id="nested-date-key",
    ),
    pytest.param(
        "'{\"Foo\": NaN}'", "base_configuration.Foo", "is nan, which JSON has no number for", id="json-text-with-nan"
    ),
    pytest.param('{Foo: "\\ud800"}', "base_configuration.Foo", "holds the unpaired surrogate \\ud800", id="surrogate"),
]


@pytest.mark.parametrize(("value", "field", "problem"), NOT_JSON)
def test_a_base_configuration_json_cannot_hold_is_refused_naming_its_place(
    aws: Seeded, partner_file: Path, value: str, field: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """EMR takes the security configuration as JSON (Amazon EMR API Reference, CreateSecurityConfiguration)."""
    with_configuration(partner_file, "base_configuration", value)

    line = refused(arguments("plan", partner_file, aws), capsys)

    assert line.startswith(f"emrfs-xacct: {partner_file}: security_configuration.{field}: {problem}")


@pytest.mark.parametrize(
    ("mapping", "field", "problem"),
    [
        pytest.param(
            f"{{Role: '{ROLE}', IdentifierType: Prefix, Identifiers: ['{PREFIX}'], 1: 2, foo: 3}}",
            "role_mappings[0].1",
            "is a key YAML read as a number (1)",
            id="number-key-beside-an-unknown-one",
        ),
        pytest.param(
            f"{{Role: '{ROLE}', IdentifierType: Prefix, Identifiers: ['{PREFIX}'], true: 2, foo: 3}}",
            "role_mappings[0].true",
            "is a key YAML read as true or false (True)",
            id="boolean-key",
        ),
        pytest.param(
            f"{{Role: '{ROLE}', IdentifierType: Prefix, Identifiers: [!!binary aGVsbG8=]}}",
            "role_mappings[0].Identifiers[0]",
            "is binary data (!!binary)",
            id="binary-identifier",
        ),
    ],
)
def test_role_mappings_json_cannot_hold_are_refused_naming_their_place(
    aws: Seeded, partner_file: Path, mapping: str, field: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with_configuration(partner_file, "role_mappings", f"[{mapping}]")

    line = refused(arguments("plan", partner_file, aws), capsys)

    assert line.startswith(f"emrfs-xacct: {partner_file}: security_configuration.{field}: {problem}")


def test_an_anchor_used_twice_is_json_and_planned(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An alias outside its own anchor is a copy, which JSON holds: not taken for a cycle."""
    shared = "{InstanceMetadataServiceConfiguration: &a {MinimumInstanceMetadataServiceVersion: 2}, Foo: *a}"
    with_configuration(partner_file, "base_configuration", shared)

    assert cli.main(arguments("plan", partner_file, aws)) == 0, capsys.readouterr().err


def with_comment(text: str, comment: bytes, encoding: str = "utf-8") -> bytes:
    """The partner file's text encoded, with a comment line of ``comment`` (bytes as they are) in it."""
    before, line, after = text.partition("  name_prefix:")
    return before.encode(encoding) + comment + "\n".encode(encoding) + (line + after).encode(encoding)


@pytest.mark.parametrize(
    ("comment", "encoding", "problem"),
    [
        pytest.param("  # café".encode("latin-1"), "utf-8", "is 0xe9, which is not utf-8", id="latin-1"),
        pytest.param(b"  # \x81", "utf-8", "is 0x81, which is not utf-8 (invalid start byte)", id="stray-byte"),
        pytest.param(  # no byte order mark: read as UTF-8, its zero bytes are characters YAML does not allow
            "  # x".encode("utf-16-le"),
            "utf-16-le",
            "is #x0000: special characters are not allowed",
            id="utf-16-no-bom",
        ),
    ],
)
def test_a_file_neither_utf8_nor_utf16_is_refused_naming_the_position(
    aws: Seeded, partner_file: Path, comment: bytes, encoding: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = with_comment(partner_file.read_text(), comment, encoding)
    partner_file.write_bytes(data)

    line = refused(arguments("plan", partner_file, aws), capsys)

    assert line.startswith(f"emrfs-xacct: {partner_file}: ")
    assert problem in line
    if "0x" in problem:  # the byte's own position in the file
        byte = bytes([int(problem.split("0x")[1][:2], 16)])
        assert f"byte {data.index(byte)} (counted from 0) {problem}" in line
    else:
        assert "character 1 (counted from 0)" in line


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8")],
)
def test_a_utf16_or_bom_file_is_read_as_its_utf8_twin(
    aws: Seeded, partner_file: Path, bom: bytes, encoding: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """YAML tells UTF-16 by its byte order mark (Windows PowerShell 5.1's ``>`` writes UTF-16 LE with one)."""
    text = partner_file.read_text().replace("  name_prefix:", "  # café ☕ 𝄞\n  name_prefix:")
    partner_file.write_bytes(bom + text.encode(encoding))
    twin = partner_file.with_name("utf8.yaml")
    twin.write_text(text, encoding="utf-8")

    assert cli.load_partner(partner_file) == cli.load_partner(twin)
    assert cli.main(arguments("plan", partner_file, aws)) == 0, capsys.readouterr().err


def test_a_file_nested_too_deeply_is_refused(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_configuration(partner_file, "base_configuration", "{Foo: " + "[" * 2000 + "]" * 2000 + "}")

    line = refused(arguments("plan", partner_file, aws), capsys)

    assert line == f"emrfs-xacct: {partner_file}: not read: its lists or mappings are nested too deeply"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:99999", "Port out of range 0-65535"),
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://[::1]:99999", "Port out of range 0-65535"),
        ("http://127.0.0.1:port", "Port could not be cast to integer value"),
    ],
)
def test_an_endpoint_url_botocore_cannot_read_is_refused_naming_the_option(
    aws: Seeded, partner_file: Path, url: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = arguments("plan", partner_file, aws)
    argv[argv.index("--endpoint-url") + 1] = url

    line = refused(argv, capsys)

    assert line.startswith(f"emrfs-xacct: --endpoint-url: must be an http:// or https:// URL with a host, got {url!r}")
    assert why in line


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM"])
def test_an_environment_endpoint_botocore_cannot_read_is_refused_naming_the_variable(
    aws: Seeded, partner_file: Path, variable: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    Without --endpoint-url botocore takes these (AWS SDKs and Tools Reference Guide, "Service-specific endpoints"); the
    others go to the stand-in (a service's own variable wins over ``AWS_ENDPOINT_URL``).
    """
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    monkeypatch.setenv(variable, "http://[::1")

    line = refused(arguments("plan", partner_file, aws, endpoint=False), capsys)

    assert line.startswith(
        f"emrfs-xacct: {variable}: must be an http:// or https:// URL with a host, got 'http://[::1'"
    )
    assert line.endswith("(Invalid IPv6 URL)")


@pytest.mark.parametrize(
    ("settings", "where"),
    [
        ("endpoint_url = http://127.0.0.1:99999\n", "endpoint_url"),
        (  # a service's own endpoint wins over the profile's (the stand-in's)
            "endpoint_url = {url}\nservices = local\n[services local]\niam =\n  endpoint_url = http://[::1\n",
            "services 'local', iam endpoint_url",
        ),
    ],
)
def test_a_profile_endpoint_botocore_cannot_read_is_refused_naming_the_profile(
    aws: Seeded,
    partner_file: Path,
    settings: str,
    where: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile laptop]\n" + settings.format(url=aws.url))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    argv = [*arguments("plan", partner_file, aws, endpoint=False), "--emr-profile", "laptop"]

    line = refused(argv, capsys)

    assert line.startswith(f"emrfs-xacct: the AWS config file's profile 'laptop' (--emr-profile): {where}: must be")


#: A client's retry settings as botocore keeps them, for the operators' default (``max_attempts`` counts the retries).
STANDARD = {"mode": "standard", "total_max_attempts": DEFAULT_BOTOCORE_CONFIG["retries"]["max_attempts"] + 1}


@pytest.fixture
def client_settings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, Any], Any, Any]]:
    """Each AWS call of the test, sent as before: its service, operation, and its client's retries and timeouts."""
    seen: list[tuple[str, str, dict[str, Any], Any, Any]] = []
    send = botocore.client.BaseClient._make_api_call

    def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
        config = client.meta.config
        service = client.meta.service_model.service_name
        seen.append((service, operation, dict(config.retries or {}), config.connect_timeout, config.read_timeout))
        return send(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    return seen


def test_the_command_lines_own_calls_retry_as_the_operators_do(
    aws: Seeded, partner_file: Path, client_settings: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The accounts' check (and the sts:AssumeRole of --*-role-arn beneath it), both roles' ARNs and revoke's read of
    --security-configuration: botocore's standard retries with the operators' attempts and timeouts, not its legacy
    default of 5 attempts (boto3 User Guide, "Retries"; AWS SDKs and Tools Reference Guide, "Retry behavior").
    """
    assert cli.main(arguments("plan", partner_file, aws)) == 0, capsys.readouterr().err
    argv = arguments("revoke", partner_file, aws, "--security-configuration", "no-such-configuration", "--dry-run")
    assert cli.main(argv) == 2  # the EMR account has no such configuration: read, then refused
    assert "no security configuration named 'no-such-configuration'" in capsys.readouterr().err

    operations = {(service, operation) for service, operation, *_ in client_settings}
    assert {("sts", "AssumeRole"), ("sts", "GetCallerIdentity"), ("iam", "GetRole")} <= operations
    assert ("emr", "DescribeSecurityConfiguration") in operations
    expected = (STANDARD, DEFAULT_BOTOCORE_CONFIG["connect_timeout"], DEFAULT_BOTOCORE_CONFIG["read_timeout"])
    assert [call for call in client_settings if tuple(call[2:]) != expected] == []


@pytest.mark.parametrize(
    ("environment", "retries"),
    [
        ({"AWS_MAX_ATTEMPTS": "2"}, {"mode": "standard", "total_max_attempts": 2}),
        ({"AWS_RETRY_MODE": "adaptive"}, {**STANDARD, "mode": "adaptive"}),
    ],
)
def test_the_command_lines_own_calls_take_the_retry_variables_as_the_steps_do(
    aws: Seeded,
    partner_file: Path,
    client_settings: list[Any],
    environment: dict[str, str],
    retries: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/cli.md: ``AWS_MAX_ATTEMPTS`` and ``AWS_RETRY_MODE`` reach every call of the run, the steps' included."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert cli.main(arguments("plan", partner_file, aws)) == 0, capsys.readouterr().err

    assert {("sts", "GetCallerIdentity"), ("iam", "GetRole")} <= {(call[0], call[1]) for call in client_settings}
    assert [call for call in client_settings if call[2] != retries] == []
