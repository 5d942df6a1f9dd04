"""
The command line against the stand-in, on what a regression review found in its configuration, Region and template
checks:

* ``verify --security-configuration NAME`` reads the configuration before the verifier, to refuse a name EMR does not
  hold (OX248). A read that fails (denied) is no such answer: the command goes on, and the verifier reports the link
  not checked (exit 5), judging the rest, as it did before that pre-check (OX254); it exited 3 with no report.
* The error of a key of another Region than the connections' names what chose that Region: ``AWS_REGION`` when it
  did, not ``--region``, which was not given; so does the Region advice of credentials AWS does not know.
* ``plan``/``apply`` refuse template text only in values written to AWS: the ``partner`` label, only echoed in the
  output, may hold ``{#42}``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import EMR_ACCOUNT, REGION
from devstack.testing import (
    CallRecorder,
    answer_denials_like_aws,
    moto_authorization,
    moto_user,
    provisioner_roles,
)
from tests.integration.test_cli import cli_arguments, emrfs_xacct, partner_file
from tests.integration.test_cli_region_templates_configuration_name import _without_region

if TYPE_CHECKING:
    from pathlib import Path

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, imported for the tests below

CONFIGURATION_READ = "elasticmapreduce:DescribeSecurityConfiguration"


# --- verify --security-configuration NAME, its read denied ------------------------------------------------------------


def _deny_to_the_emr_connection(aws: Seeded, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """
    Sign as an IAM user moto issued, whose connections' roles allow everything but ``action`` in the EMR account, and
    turn moto's IAM authorization on (off again by the caller). AWS answers a denied EMR call (a JSON-protocol
    service) with ``AccessDeniedException``: the in-process server is made to answer so.
    """
    answer_denials_like_aws(monkeypatch)
    user, key = moto_user(aws.url, "laptop")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    provisioner_roles(aws.url, user, {EMR_ACCOUNT: action})
    moto_authorization(aws.url, "0")


def test_verify_named_configuration_read_denied(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``DescribeSecurityConfiguration`` denied: no answer that the name is unknown, so nothing is refused; the verifier
    reads it again, is denied again, and reports that link not checked, naming the action to grant.
    ``revoke``, which changes things, still stops on the denied read (exit 3).
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0
    partner = cli.load_partner(partner_file)
    name = cli._current_configuration(partner)
    capsys.readouterr()
    _deny_to_the_emr_connection(aws, monkeypatch, CONFIGURATION_READ)
    try:
        status = emrfs_xacct("verify", partner_file, aws, "--security-configuration", name)
        captured = capsys.readouterr()
        with CallRecorder().everywhere() as calls:
            revoked = emrfs_xacct("revoke", partner_file, aws, "--security-configuration", name)
        revoke_err = capsys.readouterr().err
    finally:
        moto_authorization(aws.url, "inf")

    assert status == cli.NOT_CHECKED, captured.err
    report = json.loads(captured.out)
    assert report["verdict"] == "NOT_CHECKED"
    links = {link["link"]: link for link in report["links"]}
    exists = links["security configuration exists"]
    assert exists["status"] == "not checked", exists
    assert CONFIGURATION_READ in exists["fix"], exists
    assert [read["action"] for read in report["refused_reads"]] == [CONFIGURATION_READ]
    assert revoked == 3, revoke_err
    assert calls.mutating == []
    assert "DescribeSecurityConfiguration" in revoke_err


# --- the Region's source, named -----------------------------------------------------------------------------------


def _key_of_another_region(partner_file: Path) -> None:
    partner = yaml.safe_load(partner_file.read_text())
    key = partner["destination"]["kms_key_arns"][0]
    partner["destination"]["kms_key_arns"] = [key.replace(f":{REGION}:", ":eu-west-1:")]
    partner_file.write_text(yaml.safe_dump(partner))


@pytest.mark.parametrize(
    ("variables", "with_option", "source"),
    [
        ({"AWS_REGION": REGION}, False, "AWS_REGION"),
        ({"AWS_REGION": "eu-west-2"}, True, "--region"),
        ({"AWS_REGION": "", "AWS_DEFAULT_REGION": REGION}, False, "AWS_DEFAULT_REGION"),
        ({"AWS_REGION": "", "AWS_DEFAULT_REGION": None, "AWS_CONFIG_FILE": "{profile}"}, False, "the profile's region"),
    ],
    ids=["aws-region", "option", "aws-default-region", "profile"],
)
def test_the_key_region_error_names_what_chose_the_region(
    aws: Seeded,
    partner_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    variables: dict[str, str | None],
    with_option: bool,
    source: str,
) -> None:
    _key_of_another_region(partner_file)
    profile = tmp_path / "config"
    profile.write_text(f"[default]\nregion = {REGION}\n")  # the default profile's Region, botocore's last source
    for variable, value in variables.items():
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value.format(profile=profile))
    arguments = cli_arguments_for(partner_file, aws, with_option=with_option)

    assert cli.main(arguments) == 2

    err = capsys.readouterr().err
    assert (
        f"destination.kms_key_arns[0]: is a key of Region eu-west-1, but the destination connection acts in {REGION} "
        f"({source}) (nothing was changed)"
    ) in err, err


def cli_arguments_for(partner_file: Path, aws: Seeded, *, with_option: bool) -> list[str]:
    """``plan``'s arguments, ``--region`` given (:data:`REGION`) or left out."""
    return cli_arguments("plan", partner_file, aws) if with_option else _without_region(partner_file, aws)


def test_the_region_advice_names_aws_region(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Credentials AWS does not know: the Region may be the cause, and ``AWS_REGION`` chose it."""
    monkeypatch.setenv("AWS_REGION", REGION)

    def unknown(operation: str) -> tuple[int, str, str] | None:
        if operation == "GetCallerIdentity":
            return 403, "InvalidClientTokenId", "The security token included in the request is invalid."
        return None

    with FaultProxy(aws.url, intercept=unknown) as proxy:
        arguments = _without_region(partner_file, dataclasses.replace(aws, url=proxy.url))
        assert cli.main(arguments) == cli.NO_CREDENTIALS

    err = capsys.readouterr().err
    assert f"the Region ({REGION}) is not enabled for this account or is of another partition (AWS_REGION)" in err, err


# --- template text in a value never written to AWS ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_partner_label_with_template_text_is_taken(
    aws: Seeded, partner_file: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The label is echoed in the output only: nothing of it reaches AWS."""
    partner = yaml.safe_load(partner_file.read_text())
    partner["partner"] = "Acme {#42}"
    partner_file.write_text(yaml.safe_dump(partner))

    assert emrfs_xacct(command, partner_file, aws) == 0, capsys.readouterr().err

    assert json.loads(capsys.readouterr().out)["partner"] == "Acme {#42}"
