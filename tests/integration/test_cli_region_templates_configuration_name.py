"""
Outside review J27 of the command line, against the stand-in:

* ``verify --security-configuration NAME`` naming a configuration EMR does not hold (a typo) is refused as ``revoke``
  refuses it (exit 2, naming the option), before any other read: it was exit 1, the link "security configuration
  exists" broken and the fix "create it", which a CI gate reads as an outage (OX248). The name worked out from the
  partner file keeps that broken link.
* ``AWS_REGION`` is read before ``AWS_DEFAULT_REGION`` and the profile's ``region`` when ``--region`` is not given, as
  the AWS CLI v2 reads it (AWS CLI User Guide, "Environment variables to configure the AWS CLI", ``AWS_REGION``; AWS
  SDKs and Tools Reference Guide, "AWS Region": the AWS CLI v2 uses any value in ``AWS_REGION`` before any value in
  ``AWS_DEFAULT_REGION``), for every client of both accounts, the ``sts:AssumeRole`` ones included (OX249); botocore
  reads only ``AWS_DEFAULT_REGION``.
* A partner file string holding a Jinja marker (``{{ ds }}`` copied from a DAG's templated prefix) is refused by
  ``plan``/``apply`` before any call: the command line renders nothing, and the text went into the role's policy as
  it was (OX250); ``revoke`` and ``verify``, which create nothing from the file, still take it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import botocore.client
import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from devstack.moto_stack import EMR_ACCOUNT, REGION
from devstack.testing import CallRecorder
from tests.integration.test_cli import cli_arguments, emrfs_xacct, partner_file, state

if TYPE_CHECKING:
    from pathlib import Path

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, imported for the tests below

OTHER_REGION = "eu-west-2"


# --- verify --security-configuration: a name EMR does not hold -------------------------------------------------------


def test_verify_refuses_a_security_configuration_that_does_not_exist_as_revoke_does(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0
    partner = cli.load_partner(partner_file)
    typo = "nope-xyz"
    capsys.readouterr()

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("verify", partner_file, aws, "--security-configuration", typo) == 2

    # Only the accounts' check (STS) before it, and nothing read after it.
    assert [call for call in calls.every if call[0] != "sts"] == [("emr", "DescribeSecurityConfiguration")]
    captured = capsys.readouterr()
    assert captured.out == ""
    expected = (
        f"emrfs-xacct: --security-configuration: the EMR account {EMR_ACCOUNT} has no security configuration "
        f"named {typo!r}: give the one the partner's clusters use (aws emr list-security-configurations), or "
    )
    assert captured.err.startswith(expected), captured.err
    assert "CreateEmrfsSecurityConfigOperator" not in captured.err

    # revoke refuses the same typo with the same words.
    before = state(aws, partner["destination"]["role_name"])
    assert emrfs_xacct("revoke", partner_file, aws, "--security-configuration", typo) == 2
    assert capsys.readouterr().err.startswith(expected)
    assert state(aws, partner["destination"]["role_name"]) == before


def test_verify_of_the_name_the_partner_file_gives_keeps_its_broken_link(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing applied: the configuration the file names is missing, a broken link (exit 1), not a refused option."""
    capsys.readouterr()
    assert emrfs_xacct("verify", partner_file, aws) == 1

    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "FAIL"
    exists = [link for link in report["links"] if link["link"] == "security configuration exists"]
    assert [link["status"] for link in exists] == ["fail"]


def test_verify_of_a_security_configuration_that_exists_reads_on(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert emrfs_xacct("apply", partner_file, aws) == 0
    name = cli._current_configuration(cli.load_partner(partner_file))
    capsys.readouterr()

    assert emrfs_xacct("verify", partner_file, aws, "--security-configuration", name) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "PASS"


# --- AWS_REGION --------------------------------------------------------------------------------------------------------


@pytest.fixture
def client_regions(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The ``(service, Region)`` of every call any botocore client sends while the test runs (STS included)."""
    seen: list[tuple[str, str]] = []
    sending = botocore.client.BaseClient._make_api_call

    def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
        seen.append((client.meta.service_model.service_name, client.meta.region_name))
        return sending(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    return seen


def _without_region(partner_file: Path, aws: Seeded, command: str = "plan") -> list[str]:
    arguments = cli_arguments(command, partner_file, aws)
    del arguments[arguments.index("--region") : arguments.index("--region") + 2]
    return arguments


@pytest.mark.parametrize("default_region", [None, OTHER_REGION], ids=["aws-default-region-unset", "another-region"])
def test_aws_region_is_read_before_aws_default_region_by_every_client(
    aws: Seeded,
    partner_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    client_regions: list[tuple[str, str]],
    default_region: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))  # no profile's Region
    monkeypatch.setenv("AWS_REGION", REGION)
    if default_region is None:
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    else:
        monkeypatch.setenv("AWS_DEFAULT_REGION", default_region)

    assert cli.main(_without_region(partner_file, aws)) == 0, capsys.readouterr().err

    services = {service for service, _ in client_regions}
    assert {"sts", "iam", "kms", "emr"} <= services, services  # both accounts' assumed roles, then their reads
    assert {region for _, region in client_regions} == {REGION}, client_regions


def test_the_region_option_wins_over_aws_region(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, client_regions: list[tuple[str, str]]
) -> None:
    monkeypatch.setenv("AWS_REGION", OTHER_REGION)

    assert emrfs_xacct("plan", partner_file, aws) == 0

    assert client_regions
    assert {region for _, region in client_regions} == {REGION}


def test_no_region_anywhere_names_aws_region_and_aws_default_region(
    aws: Seeded, partner_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "")  # empty: not set

    with CallRecorder().everywhere() as calls:
        assert cli.main(_without_region(partner_file, aws)) == 2

    assert calls.every == []
    assert capsys.readouterr().err.startswith(
        "emrfs-xacct: --region: is needed: neither AWS_REGION, AWS_DEFAULT_REGION nor the default profile sets a "
        "Region for the emr connection"
    )


def test_an_aws_region_that_is_no_region_code_is_refused_naming_it(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_REGION", "US-EAST-1")

    with CallRecorder().everywhere() as calls:
        assert cli.main(_without_region(partner_file, aws)) == 2

    assert calls.every == []
    assert capsys.readouterr().err.startswith("emrfs-xacct: AWS_REGION: ")


# --- Jinja markers in a partner file -----------------------------------------------------------------------------------

TEMPLATED = {
    "expression": "exports/{{ ds }}/",
    "statement": "exports/{% if true %}x{% endif %}/",
    "comment": "exports/{# day #}/",
}


def _templated(partner_file: Path, aws: Seeded, key: str) -> None:
    partner = yaml.safe_load(partner_file.read_text())
    partner["destination"]["s3_prefixes"] = [f"s3://{aws.bucket}/{key}"]
    partner_file.write_text(yaml.safe_dump(partner))


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("key", TEMPLATED.values(), ids=TEMPLATED.keys())
def test_plan_and_apply_refuse_template_text_before_any_call(
    aws: Seeded, partner_file: Path, command: str, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _templated(partner_file, aws, key)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct(command, partner_file, aws) == 2

    assert calls.every == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"emrfs-xacct: {partner_file}: destination.s3_prefixes[0]: "), captured.err
    assert "partner files are not templated" in captured.err


@pytest.mark.parametrize(
    "command",
    [("revoke", "--keep-security-configuration", "--dry-run"), ("verify",)],
    ids=["revoke-dry-run", "verify"],
)
def test_revoke_and_verify_still_take_a_file_with_template_text(
    aws: Seeded, partner_file: Path, command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """A file an earlier ``apply`` took, its literal text written: its grants can still be verified and revoked."""
    _templated(partner_file, aws, TEMPLATED["expression"])
    capsys.readouterr()

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct(command[0], partner_file, aws, *command[1:])

    captured = capsys.readouterr()
    assert "not templated" not in captured.err
    assert calls.mutating == []
    assert status in (0, 1, cli.NOT_CHECKED), captured.err
    assert json.loads(captured.out)
