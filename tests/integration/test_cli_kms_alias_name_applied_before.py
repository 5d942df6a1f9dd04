"""
A partner file whose at-rest ``AwsKmsKey`` is an alias name, applied by a release before the key ARN was asked for.

"an AWS KMS customer master key (CMK) ARN must be specified as the AwsKmsKey value" (Amazon EMR Management Guide,
"Create a security configuration"): AWS documents the ARN form and does not say what EMR does with another, so such a
configuration may exist. ``plan`` and ``apply`` would create one and refuse the file before any write when EMR holds
no configuration of its name (a read: ``DescribeSecurityConfiguration``), and reuse one an earlier release made, with
a warning (OX242); ``verify`` creates nothing and takes the file as it is, and so does ``revoke`` (OX226): its grants
can be revoked without editing a field revoke does not use (which would name another configuration: the name is the
content's hash). ``revoke --security-configuration`` does create the configuration rebuilt without the partner's
mappings, keeping its keys as EMR holds them (an alias name too), with a warning naming the field: EMR already holds
that content, and refusing it would block taking the access away.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings
from devstack.moto_stack import EMR_ACCOUNT, client
from devstack.testing import CallRecorder
from tests.integration.test_cli import emrfs_xacct, partner_file

if TYPE_CHECKING:
    from pathlib import Path

    from devstack.moto_stack import Seeded

__all__ = ["partner_file"]  # the fixture, imported for the tests below

ALIAS_NAME = "alias/partner-key"
FIELD = (
    "security_configuration.base_configuration.EncryptionConfiguration.AtRestEncryptionConfiguration."
    "S3EncryptionConfiguration.AwsKmsKey"
)


def _with_alias_name(partner_file: Path) -> dict[str, Any]:
    partner = yaml.safe_load(partner_file.read_text())
    partner["security_configuration"]["base_configuration"] = {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": True,
            "AtRestEncryptionConfiguration": {
                "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": ALIAS_NAME}
            },
        }
    }
    partner_file.write_text(yaml.safe_dump(partner))
    return partner


@pytest.fixture
def applied_before(aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """
    The file applied as the release before the ARN rule did: its configuration created in EMR as it is (EMR's own
    answer to an alias name is not documented, the stand-in takes it), then ``apply``, the rule switched off, which
    reuses it and grants the rest. Returns the configuration's name.
    """
    _with_alias_name(partner_file)
    partner = cli.load_partner(partner_file)
    name = cli._current_configuration(partner)
    configuration = partner["security_configuration"]
    document = build_security_configuration(
        validate_role_mappings(cli.role_mappings(partner)), configuration["base_configuration"]
    )
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=name, SecurityConfiguration=json.dumps(document)
    )
    with monkeypatch.context() as patched:
        patched.setattr(cli, "refuse_keys_not_kms_arns_of", lambda *_: None)
        assert emrfs_xacct("apply", partner_file, aws) == 0
    return name


@pytest.mark.parametrize(
    "command",
    [
        ("revoke", "--keep-security-configuration", "--dry-run"),
        ("revoke", "--security-configuration", "{name}", "--dry-run"),
        ("verify", "--security-configuration", "{name}"),
        ("verify",),
    ],
    ids=["revoke-keep", "revoke-configuration", "verify-configuration", "verify"],
)
def test_revoke_and_verify_take_a_file_whose_at_rest_key_is_an_alias_name(
    aws: Seeded, partner_file: Path, applied_before: str, command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, each exited 2 "must be the ARN of a KMS key" from the file alone: the grants could not be revoked."""
    capsys.readouterr()
    extra = [argument.format(name=applied_before) for argument in command[1:]]

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct(command[0], partner_file, aws, *extra)

    captured = capsys.readouterr()
    assert f"emrfs-xacct: {partner_file}: {FIELD}" not in captured.err  # not refused
    assert calls.mutating == []
    if command[0] == "revoke":
        assert status == 0, captured.err
        result = json.loads(captured.out)
        assert result["plan"]["revoke"], result  # it plans to take back what the earlier apply granted
    else:
        assert status in (0, 1, cli.NOT_CHECKED), captured.err
        assert json.loads(captured.out)["verdict"]


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_plan_and_apply_still_refuse_it_before_any_call(
    aws: Seeded, partner_file: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    They would create the configuration, which EMR does not hold: the ARN the guide documents is asked for, naming
    the file and the field, before any write.
    """
    _with_alias_name(partner_file)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct(command, partner_file, aws) == 2

    assert calls.mutating == []
    assert ("emr", "DescribeSecurityConfiguration") in calls.every  # none of the name: it would be created
    err = capsys.readouterr().err
    assert err.startswith(f"emrfs-xacct: {partner_file}: {FIELD}: must be the ARN of a KMS key"), err
    assert f'got "{ALIAS_NAME}"' in err


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_plan_and_apply_rerun_after_an_earlier_release_applied_it(
    aws: Seeded, partner_file: Path, applied_before: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The configuration of the file's name exists (an earlier release applied the file): rerunning reuses it, with a
    warning naming the field, and changes nothing. Before, each exited 2 from the file alone (OX242).
    """
    capsys.readouterr()

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct(command, partner_file, aws)

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "CreateSecurityConfiguration" not in calls.calls
    assert f"{FIELD}: must be the ARN of a KMS key" in captured.err
    assert f"Security configuration {applied_before} exists already" in captured.err
    configurations = client(aws.url, EMR_ACCOUNT, "emr").list_security_configurations()["SecurityConfigurations"]
    assert [item["Name"] for item in configurations] == [applied_before]


def test_revoke_creates_the_rebuilt_configuration_keeping_the_alias_name(
    aws: Seeded, partner_file: Path, applied_before: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``revoke --security-configuration`` creates the configuration rebuilt without the partner's mappings: its
    at-rest key is kept as EMR holds it (not refused: EMR has that content already, and refusing would block taking
    the access away), and a warning names the field.
    """
    others = {"Role": f"arn:aws:iam::{EMR_ACCOUNT}:role/others", "IdentifierType": "Group", "Identifiers": ["others"]}
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    document = json.loads(emr.describe_security_configuration(Name=applied_before)["SecurityConfiguration"])
    document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"].append(others)
    emr.create_security_configuration(Name="with-others", SecurityConfiguration=json.dumps(document))

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct("revoke", partner_file, aws, "--security-configuration", "with-others")

    assert status == 0
    created = calls.params_of("CreateSecurityConfiguration")
    assert len(created) == 1, calls.calls
    rebuilt = json.loads(created[0]["SecurityConfiguration"])
    at_rest = rebuilt["EncryptionConfiguration"]["AtRestEncryptionConfiguration"]
    assert at_rest["S3EncryptionConfiguration"]["AwsKmsKey"] == ALIAS_NAME
    assert rebuilt["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"][0]["Identifiers"] == ["others"]
    err = capsys.readouterr().err
    assert f"{FIELD.split('.', 2)[2]} is kept as EMR holds it" in err, err
