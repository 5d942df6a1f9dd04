"""The emrfs-xacct command line against two-account moto: plan, apply, verify, revoke, and bad partner files."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_POLICY_NAME, DESTINATION_POLICY_NAME, KEY_USERS_SID
from airflow_provider_emrfs_xacct.pure.merge import document_size
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_EC2_ROLE,
    PROVISIONER_ROLE,
    REGION,
    Seeded,
    client,
)
from devstack.testing import (
    CallRecorder,
    answer_denials_like_aws,
    may_change,
    moto_authorization,
    moto_user,
    provisioner_roles,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner.yaml"


@pytest.fixture
def partner_file(aws: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example partner file with the seeded bucket key; plain credentials as on a laptop."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in (cli.EMR_CONN, cli.DESTINATION_CONN):  # the command line defines these: undo it after the test
        monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", "")
    partner = yaml.safe_load(EXAMPLE.read_text())
    assert partner["destination"]["s3_prefixes"] == [f"s3://{aws.bucket}/exports/"]
    partner["destination"]["kms_key_arns"] = [aws.kms_key_arn]
    path = tmp_path / "partner.yaml"
    path.write_text(yaml.safe_dump(partner))
    return path


def cli_arguments(command: str, path: Path, aws: Seeded, *extra: str) -> list[str]:
    """The command line's arguments for ``command`` on ``path``, through the two provisioner roles on the stand-in."""
    return [
        command,
        str(path),
        "--emr-role-arn",
        f"arn:aws:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--destination-role-arn",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--endpoint-url",
        aws.url,
        "--region",
        REGION,
        *extra,
    ]


def emrfs_xacct(command: str, path: Path, aws: Seeded, *extra: str) -> int:
    return cli.main(cli_arguments(command, path, aws, *extra))


def state(aws: Seeded, role_name: str) -> dict[str, Any]:
    """What the command line may change, read back from both accounts."""
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    kms, emr = client(aws.url, DESTINATION_ACCOUNT, "kms"), client(aws.url, EMR_ACCOUNT, "emr")
    try:
        assume = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    except ClientError:
        assume = None
    try:
        role = iam_b.get_role(RoleName=role_name)["Role"]["Arn"]
    except ClientError:
        role = None
    return {
        "assume": assume,
        "role": role,
        "inline": iam_b.list_role_policies(RoleName=role_name)["PolicyNames"] if role else None,
        "key_policy": json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"]),
        "configurations": sorted(item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]),
    }


def test_plan_apply_verify_revoke(aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    partner = cli.load_partner(partner_file)
    role_name = partner["destination"]["role_name"]
    role_arn = cli.destination_role_arn(partner)
    configuration = cli._current_configuration(partner)
    before = state(aws, role_name)
    assert before["role"] is None

    # plan: reads, prints the plan, changes nothing.
    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("plan", partner_file, aws) == 0
    assert calls.mutating == []
    assert state(aws, role_name) == before
    captured = capsys.readouterr()
    planned = json.loads(captured.out)  # stdout is the JSON result and nothing else
    assert planned["summary"] == "Plan: 4 to add, 1 to change, 0 to destroy."  # role+policy, assume, config; key
    assert [change["action"] for change in planned["plan"]["ensure_destination_role"]] == ["create", "create"]
    assert role_arn in captured.out
    assert configuration in captured.out
    # stderr shows the same plan to people: marked changes and the summary.
    assert "+ create iam role emrfs-partner-b-writer trust policy" in captured.err
    assert f"~ update kms key {aws.kms_key_arn} key policy" in captured.err
    assert captured.err.rstrip().endswith("Plan: 4 to add, 1 to change, 0 to destroy.")

    # apply: shows the whole plan, then creates everything.
    assert emrfs_xacct("apply", partner_file, aws) == 0
    captured = capsys.readouterr()
    applied = json.loads(captured.out)
    assert applied["plan"] == planned["plan"]
    assert applied["summary"] == "Applied: 4 added, 1 changed, 0 destroyed."
    assert applied["values"]["ensure_destination_role"] == role_arn
    assert applied["values"]["create_security_configuration"] == configuration
    assert captured.err.index("Plan: 4 to add") < captured.err.index("Applying") < captured.err.index("Applied: 4")
    after = state(aws, role_name)
    assert after["role"] == role_arn
    assert after["inline"] == ["emrfs-xacct-destination-access"]
    assert role_arn in json.dumps(after["assume"])
    [users] = [statement for statement in after["key_policy"]["Statement"] if statement.get("Sid") == KEY_USERS_SID]
    assert role_arn in json.dumps(users["Principal"])
    assert after["configurations"] == [configuration]

    # A second apply changes nothing.
    capsys.readouterr()
    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 0
    assert calls.mutating == []
    assert state(aws, role_name) == after
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"] == "No changes."
    assert captured.err.rstrip().endswith("No changes.")
    # plan says so too, with the same exit status (docs/cli.md: scripts read .summary).
    assert emrfs_xacct("plan", partner_file, aws) == 0
    assert json.loads(capsys.readouterr().out)["summary"] == "No changes."

    # verify: healthy, then broken.
    capsys.readouterr()
    assert emrfs_xacct("verify", partner_file, aws) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["healthy"] is True
    # --endpoint-url serves S3 Control too: the account-level Block Public Access setting was read.
    assert "Block Public Access" not in json.dumps([report["links"], report["not_checked"]])
    client(aws.url, EMR_ACCOUNT, "iam").delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)
    assert emrfs_xacct("verify", partner_file, aws) == 1
    out = capsys.readouterr().out
    assert '"healthy": false' in out
    assert "EMR role can assume destination role" in out
    assert emrfs_xacct("apply", partner_file, aws) == 0  # apply repairs it
    assert emrfs_xacct("verify", partner_file, aws) == 0

    # revoke (dry run first): the partner's access goes, and with --delete-role its role.
    capsys.readouterr()
    revoke = ("--security-configuration", configuration, "--delete-role")
    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("revoke", partner_file, aws, *revoke, "--dry-run") == 0
    assert calls.mutating == []
    dry = json.loads(capsys.readouterr().out)
    assert "- delete iam role" not in json.dumps(dry)  # JSON holds data; the marks are for people
    assert [change["action"] for change in dry["plan"]["revoke"]] == ["delete", "update", "delete"]
    assert emrfs_xacct("revoke", partner_file, aws, *revoke) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["summary"] == "Applied: 0 added, 1 changed, 2 destroyed."
    assert f"- delete iam role {role_name}" in captured.err
    revoked = state(aws, role_name)
    assert revoked["assume"] is None
    assert revoked["role"] is None
    assert revoked["key_policy"] == aws.key_policy
    assert revoked["configurations"] == [configuration]  # immutable and maybe in use: kept


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- just\n- a list\n", "must hold a mapping with 'emr', 'destination' and 'security_configuration'"),
        ("emr: {account_id: '111111111111'}\nsecurity_configuration: {name_prefix: x}\n", "section 'destination'"),
        ("emr: [unclosed\n", "not valid YAML or JSON"),
        (
            "emr: {account_id: '111111111111'}\n"
            "destination: {account_id: '222222222222', s3_prefixes: ['s3://partner-results-b/exports/']}\n"
            "security_configuration: {name_prefix: emrfs-xacct-partner-b}\n",
            "destination.role_name is missing",
        ),
        (
            "emr: {account_id: '111111111111'}\n"
            "destination: {account_id: '222222222222', role_name: w, s3_prefixes: ['partner-results-b/exports/']}\n"
            "security_configuration: {name_prefix: emrfs-xacct-partner-b}\n",
            "s3_prefixes[0]: must start with 's3://'",
        ),
        (  # PyYAML keeps the last of two equal keys: the role would be 'second'
            "emr: {account_id: '111111111111'}\n"
            "destination:\n"
            "  account_id: '222222222222'\n"
            "  role_name: first\n"
            "  s3_prefixes: ['s3://partner-results-b/exports/']\n"
            "  role_name: second\n"
            "security_configuration: {name_prefix: emrfs-xacct-partner-b}\n",
            "found the key 'role_name' twice (first on line 4)",
        ),
        (
            '{"emr": {"account_id": "111111111111"}, "destination": {"account_id": "222222222222", '
            '"role_name": "w", "s3_prefixes": ["s3://partner-results-b/exports/"]}, '
            '"security_configuration": {"name_prefix": "a"}, "security_configuration": {"name_prefix": "b"}}\n',
            "found the key 'security_configuration' twice",
        ),
    ],
    ids=["not-a-mapping", "missing-section", "not-yaml", "missing-key", "bad-prefix", "key-twice", "json-key-twice"],
)
def test_a_bad_partner_file_exits_2_with_a_clear_message(
    aws: Seeded, partner_file: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    partner_file.write_text(content)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 2

    assert calls.mutating == []
    err = capsys.readouterr().err
    assert err.startswith("emrfs-xacct: ")
    assert message in err
    assert "Traceback" not in err


def test_a_missing_partner_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.yaml"

    assert cli.main(["plan", str(missing)]) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"emrfs-xacct: {missing}: cannot read the partner file")


def _edited(partner_file: Path, edit: Any) -> dict[str, Any]:
    partner = yaml.safe_load(partner_file.read_text())
    edit(partner)
    partner_file.write_text(yaml.safe_dump(partner))
    return partner


def _other_region_key(partner: dict[str, Any]) -> None:
    key = partner["destination"]["kms_key_arns"][0]
    partner["destination"]["kms_key_arns"] = [key.replace(f":{REGION}:", ":eu-west-1:")]


def _shadowed(partner: dict[str, Any]) -> None:
    role = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{partner['destination']['role_name']}"
    partner["security_configuration"]["role_mappings"] = [
        {"Role": role, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/"]},
        {"Role": role, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/exports/"]},
    ]


#: Partner files that must be refused before any change, and what the error must say.
REFUSED = [
    (
        "typo-in-emr",
        lambda p: p["emr"].update(ec2_rolename="JobFlowRole"),
        "emr.ec2_rolename: unknown key (known keys: account_id, assume_policy_name, ec2_role_name, expected_account_id, release_label)"
        "; did you mean 'ec2_role_name'?",
    ),
    (
        "typo-in-destination",
        lambda p: p["destination"].update(kms_key_arn=p["destination"]["kms_key_arns"][0]),
        "destination.kms_key_arn: unknown key",
    ),
    ("unknown-section", lambda p: p.update(cluster={"release_label": "emr-7.5.0"}), "cluster: unknown key"),
    (
        "bad-name-prefix",
        lambda p: p["security_configuration"].update(name_prefix="-bad prefix"),
        "security_configuration.name_prefix: must be",
    ),
    ("shadowed-mapping", _shadowed, "security_configuration.role_mappings[1]"),
    (  # apply grants the EMR EC2 role the destination role only: the writes mapped to another would be refused
        "mapping-to-a-role-not-provisioned",
        lambda p: p["security_configuration"].update(
            role_mappings=[
                {
                    "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/someone-elses-writer",
                    "IdentifierType": "Prefix",
                    "Identifiers": p["destination"]["s3_prefixes"],
                }
            ]
        ),
        "security_configuration.role_mappings[0].Role: is "
        f"'arn:aws:iam::{DESTINATION_ACCOUNT}:role/someone-elses-writer', a role this partner file does not provision",
    ),
    (
        "bad-base-configuration",
        lambda p: p["security_configuration"].update(base_configuration=["not", "a", "mapping"]),
        "security_configuration.base_configuration",
    ),
    (  # AWS would refuse it at CreateSecurityConfiguration, the last step, after the first three were applied
        "base-configuration-field-of-another-type",
        lambda p: p["security_configuration"].update(
            base_configuration={"EncryptionConfiguration": {"EnableAtRestEncryption": "yes"}}
        ),
        "security_configuration.base_configuration.EncryptionConfiguration.EnableAtRestEncryption: must be true or "
        'false, got "yes"',
    ),
    (
        "key-in-another-region",
        _other_region_key,
        f"destination.kms_key_arns[0]: is a key of Region eu-west-1, but the destination connection acts in {REGION}",
    ),
    (
        "mapping-in-another-partition",
        lambda p: p["security_configuration"].update(
            role_mappings=[
                {
                    "Role": f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/{p['destination']['role_name']}",
                    "IdentifierType": "Prefix",
                    "Identifiers": p["destination"]["s3_prefixes"],
                }
            ]
        ),
        "security_configuration.role_mappings[0].Role: is a role of partition aws-cn, but the connections act in aws",
    ),
    (
        "key-in-another-account",
        lambda p: p["destination"].update(
            kms_key_arns=[p["destination"]["kms_key_arns"][0].replace(f":{DESTINATION_ACCOUNT}:", ":333333333333:")]
        ),
        "destination.kms_key_arns[0]: is a key of account 333333333333",
    ),
    (
        "pin-contradicts-account",
        lambda p: p["destination"].update(expected_account_id="333333333333"),
        "destination.expected_account_id: is 333333333333 but destination.account_id is 222222222222",
    ),
    (
        "wrong-account-in-file",
        lambda p: p["destination"].update(account_id="333333333333", kms_key_arns=[]),
        # The role ARN names its account: refused before any call (a profile's account, which nothing
        # names, is checked by sts:GetCallerIdentity: see the test of the documented profiles).
        "--destination-role-arn: is a role of account 222222222222, but the partner file's "
        "destination.account_id is 333333333333",
    ),
    ("bad-release-label", lambda p: p["emr"].update(release_label="7.5.0"), "emr.release_label"),
    (  # written unquoted, as 012345670123: YAML reads an octal number (1402433619), not the account
        "account-read-as-a-number",
        lambda p: p["emr"].update(account_id=0o12345670123),
        "emr.account_id: must be quoted ('123456789012'): YAML read it as the number 1402433619",
    ),
    ("keys-empty-string", lambda p: p["destination"].update(kms_key_arns=""), "destination.kms_key_arns[0]: must not"),
    # Given empty, not left out: refused as CreateEmrfsSecurityConfigOperator refuses it, not taken for the default.
    *(
        (
            f"role-mappings-empty-{kind}",
            lambda p, empty=empty: p["security_configuration"].update(role_mappings=empty),
            "security_configuration.role_mappings",
        )
        for kind, empty in (("list", []), ("object", {}), ("text", ""))
    ),
]


BASE_CONFIGURATION_REFUSED = [case for case in REFUSED if "base-configuration" in case[0]]


@pytest.mark.parametrize(
    ("edit", "message"),
    [case[1:] for case in BASE_CONFIGURATION_REFUSED],
    ids=[case[0] for case in BASE_CONFIGURATION_REFUSED],
)
def test_a_misshapen_base_configuration_is_refused_with_the_partner_file_before_any_aws_call(
    aws: Seeded, partner_file: Path, edit: Any, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    docs/cli.md, "Validate everything": the partner file's values are checked in the first phase, before the
    accounts' sts:GetCallerIdentity and the roles' iam:GetRole; the operators' own check of the same document
    comes only after those reads.
    """
    _edited(partner_file, edit)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 2

    assert calls.every == []
    assert message in capsys.readouterr().err


def _mapped_to_another_partners_role(partner: dict[str, Any]) -> None:
    """The file maps its prefixes to a role another partner file provisions (one configuration for both)."""
    partner["security_configuration"]["role_mappings"] = [
        {
            "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/someone-elses-writer",
            "IdentifierType": "Prefix",
            "Identifiers": partner["destination"]["s3_prefixes"],
        }
    ]


@pytest.mark.parametrize(
    "command", [("plan",), ("verify",), ("revoke", "--keep-security-configuration", "--dry-run")], ids=lambda c: c[0]
)
def test_only_plan_and_apply_refuse_a_mapping_to_a_role_they_do_not_provision(
    aws: Seeded, partner_file: Path, command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    docs/cli.md, "The partner file": only ``plan`` and ``apply`` write the file's role mappings; ``verify`` and
    ``revoke`` read the security configuration as it is, so a mapping to another partner's role is theirs to
    judge or revoke, not a mistake in the file.
    """
    _edited(partner_file, _mapped_to_another_partners_role)

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct(command[0], partner_file, aws, *command[1:])

    assert calls.mutating == []
    err = capsys.readouterr().err
    if command[0] == "plan":
        assert status == 2
        assert calls.every == []  # refused from the file alone, before the accounts are read
        assert err.startswith(
            f"emrfs-xacct: {partner_file}: security_configuration.role_mappings[0].Role: is "
            f"'arn:aws:iam::{DESTINATION_ACCOUNT}:role/someone-elses-writer', a role this partner file does not provision"
        )
    else:
        assert "does not provision" not in err
        assert status in (0, 1, cli.NOT_CHECKED), err
        assert calls.every != []  # it read the accounts


@pytest.mark.parametrize(("edit", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_apply_refuses_before_any_change(
    aws: Seeded, partner_file: Path, edit: Any, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    partner = _edited(partner_file, edit)
    before = state(aws, partner["destination"]["role_name"])

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 2

    assert calls.mutating == []
    assert state(aws, partner["destination"]["role_name"]) == before
    captured = capsys.readouterr()
    assert captured.out == ""  # no result: nothing on stdout
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_swapped_connections_are_refused_naming_the_accounts(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    swapped = [
        "apply",
        str(partner_file),
        "--emr-role-arn",
        f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--destination-role-arn",
        f"arn:aws:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--endpoint-url",
        aws.url,
        "--region",
        REGION,
    ]
    with CallRecorder().everywhere() as calls:
        assert cli.main(swapped) == 2

    # The role ARNs name their accounts: refused before any call (swapped profiles, which name none,
    # are refused by each connection's sts:GetCallerIdentity: see the test of the documented profiles).
    assert calls.every == []
    err = capsys.readouterr().err
    assert f"--emr-role-arn: is a role of account {DESTINATION_ACCOUNT}" in err
    assert f"emr.account_id is {EMR_ACCOUNT}" in err


#: Command-line options that must be refused, naming the option, before any AWS call (exit 2, as input).
BAD_OPTIONS = [
    ("role-arn-not-an-arn", ["--emr-role-arn", "not-an-arn"], "--emr-role-arn: is not an ARN"),
    (
        "role-arn-of-the-other-account",
        ["--destination-role-arn", f"arn:aws:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}"],
        f"--destination-role-arn: is a role of account {EMR_ACCOUNT}, but the partner file's "
        f"destination.account_id is {DESTINATION_ACCOUNT}",
    ),
    (
        "role-arn-not-a-role",
        ["--emr-role-arn", f"arn:aws:iam::{EMR_ACCOUNT}:user/me"],
        "--emr-role-arn: must be a role",
    ),
    ("unknown-profile", ["--destination-profile", "partner-c"], "--destination-profile: no profile 'partner-c'"),
    ("endpoint-without-scheme", ["--endpoint-url", "127.0.0.1:5000"], "--endpoint-url: must be an http:// or https://"),
    ("region-not-a-name", ["--region", "us east 1"], "--region: is not a Region name"),
    # botocore's validate_region_name takes both; "" would become the environment's Region.
    ("region-empty", ["--region", ""], "--region: is not a Region name"),
    ("region-in-capitals", ["--region", "US-EAST-1"], "--region: is not a Region name"),
]


@pytest.mark.parametrize(
    ("options", "message"), [case[1:] for case in BAD_OPTIONS], ids=[case[0] for case in BAD_OPTIONS]
)
def test_a_bad_option_exits_2_naming_it_before_any_aws_call(
    aws: Seeded,
    partner_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    Refused as input (2), not as an AWS call that failed (3) nor with a traceback: botocore's own
    errors (``Parameter validation failed``, ``Invalid endpoint``, ``The config profile (…) could not
    be found``) name no option.
    """
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))  # none: nothing of this machine's
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))

    with CallRecorder().everywhere() as calls:
        assert cli.main([*cli_arguments("apply", partner_file, aws), *options]) == 2

    assert calls.every == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"emrfs-xacct: {message}"), captured.err
    assert "Traceback" not in captured.err


def test_no_region_anywhere_exits_2_naming_the_option(
    aws: Seeded, partner_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No ``--region``, ``AWS_REGION``, ``AWS_DEFAULT_REGION`` or config file: botocore would fail at the first call (exit 3)."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    arguments = cli_arguments("apply", partner_file, aws)
    del arguments[arguments.index("--region") : arguments.index("--region") + 2]

    with CallRecorder().everywhere() as calls:
        assert cli.main(arguments) == 2

    assert calls.every == []
    assert capsys.readouterr().err.startswith(
        "emrfs-xacct: --region: is needed: neither AWS_REGION, AWS_DEFAULT_REGION nor the default profile sets a Region "
        "for the emr connection"
    )


def test_an_aws_profile_of_the_environment_that_does_not_exist_exits_2_naming_it(
    aws: Seeded, partner_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without ``--*-profile`` botocore takes ``AWS_PROFILE``; one that names no profile failed at the first call (3)."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_PROFILE", "partner-c")

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 2

    assert calls.every == []
    assert capsys.readouterr().err.startswith(
        "emrfs-xacct: AWS_PROFILE: no profile 'partner-c' in the AWS config or credentials files (or give --emr-profile)"
    )


def test_a_connection_that_fails_exits_3_and_changes_nothing(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 3, not 2 (the input was fine) nor 4 (nothing was applied): nothing answers at the endpoint."""
    import socket

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's setting: no retries of the refused connection
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    partner = cli.load_partner(partner_file)
    before = state(aws, partner["destination"]["role_name"])

    assert emrfs_xacct("apply", partner_file, dataclasses.replace(aws, url=nowhere)) == 3

    assert state(aws, partner["destination"]["role_name"]) == before
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "emrfs-xacct: the EMR connection (--emr-profile, --emr-role-arn): AWS call failed: Could not connect to the "
        f'endpoint URL: "{nowhere}/'
    )
    assert "is the endpoint up (--endpoint-url: is the stand-in running?)" in captured.err
    assert "Traceback" not in captured.err


def test_a_bug_exits_with_its_own_status_not_verifys_broken_link(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python's own exit status for an uncaught exception, 1, would read as "verify found a broken link"."""

    def bug(*_: Any, **__: Any) -> None:
        raise KeyError("links")  # what a bug in the report could raise

    monkeypatch.setattr(cli, "verify_operator", bug)  # a stand-in for a bug: nothing real raises one on purpose

    assert emrfs_xacct("verify", partner_file, aws) == cli.INTERNAL_ERROR

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" in captured.err
    assert "emrfs-xacct: unexpected error (a bug; please report it): KeyError('links')" in captured.err


def test_the_documented_profiles_reach_their_accounts_and_swapped_ones_are_refused(
    aws: Seeded, partner_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``--emr-profile emr-admin --destination-profile partner-b`` (docs/cli.md), without role ARNs: each
    profile's credentials are an IAM user's of its account (moto acts in the account of the key's user).
    """
    profiles = []
    for name, account in (("emr-admin", EMR_ACCOUNT), ("partner-b", DESTINATION_ACCOUNT)):
        iam = client(aws.url, account, "iam")
        iam.create_user(UserName="laptop")
        key = iam.create_access_key(UserName="laptop")["AccessKey"]
        profiles.append(
            f"[{name}]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
        )
    credentials = tmp_path / "credentials"
    credentials.write_text("\n".join(profiles))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))  # none: nothing of this machine's
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(variable)
    common = ["--endpoint-url", aws.url, "--region", REGION]

    assert (
        cli.main(
            ["plan", str(partner_file), "--emr-profile", "emr-admin", "--destination-profile", "partner-b", *common]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["summary"] == "Plan: 4 to add, 1 to change, 0 to destroy."

    swapped = ["--emr-profile", "partner-b", "--destination-profile", "emr-admin"]
    assert cli.main(["plan", str(partner_file), *swapped, *common]) == 2
    assert f"the EMR connection acts in account {DESTINATION_ACCOUNT}" in capsys.readouterr().err


def assert_pinned(partner: dict[str, Any]) -> None:
    """Every operator the command line builds pins the account of the connection it acts through."""
    revoke = cli.parser().parse_args(["revoke", "p.yaml", "--keep-security-configuration"])
    verify = cli.parser().parse_args(["verify", "p.yaml"])
    both = [cli.revoke_operator(partner, revoke, dry_run=True), cli.verify_operator(partner, verify)]
    operators = [*cli.provisioning_operators(partner, dry_run=True), *both]
    accounts = {cli.EMR_CONN: EMR_ACCOUNT, cli.DESTINATION_CONN: DESTINATION_ACCOUNT}
    assert len(operators) == 6  # role, assume, one key, configuration; revoke, verify
    for operator in operators:
        assert operator.expected_account_id == accounts[operator.aws_conn_id], operator.task_id
    for operator in both:  # they act through both connections: the destination one is pinned too
        assert operator.destination_aws_conn_id == cli.DESTINATION_CONN
        assert operator.expected_destination_account_id == DESTINATION_ACCOUNT, operator.task_id


def test_every_operator_is_pinned_to_the_files_accounts(partner_file: Path) -> None:
    assert_pinned(cli.load_partner(partner_file))  # no expected_account_id in the file: account_id


def test_one_key_given_as_a_string_is_one_key(aws: Seeded, partner_file: Path) -> None:
    partner = _edited(partner_file, lambda p: p["destination"].update(kms_key_arns=aws.kms_key_arn))
    operators = cli.provisioning_operators(cli.load_partner(partner_file), dry_run=True)
    assert [op.key_arn for op in operators if op.task_id.startswith("grant_kms")] == [aws.kms_key_arn]
    assert partner["destination"]["kms_key_arns"] == aws.kms_key_arn


def test_the_account_pin_is_accepted_and_holds(aws: Seeded, partner_file: Path) -> None:
    partner = _edited(
        partner_file,
        lambda p: (
            p["emr"].update(expected_account_id=EMR_ACCOUNT),
            p["destination"].update(expected_account_id=DESTINATION_ACCOUNT),
        ),
    )
    assert_pinned(partner)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("plan", partner_file, aws) == 0
    assert calls.mutating == []


def test_revoke_asks_what_to_do_with_the_security_configuration(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        emrfs_xacct("revoke", partner_file, aws)
    assert exit_info.value.code == 2
    assert (
        "one of the arguments --security-configuration --keep-security-configuration is required"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        emrfs_xacct("revoke", partner_file, aws, "--security-configuration", "x", "--keep-security-configuration")
    assert "not allowed with argument" in capsys.readouterr().err

    # Keeping it, explicitly: the grants go, the configuration stays and the output says so.
    assert emrfs_xacct("apply", partner_file, aws) == 0
    partner = cli.load_partner(partner_file)
    configuration = cli._current_configuration(partner)
    capsys.readouterr()
    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["security_configuration"] is None
    assert result["partner"] == "partner-b"  # as apply's JSON (docs/cli.md)
    assert "Security configuration kept as it is" in captured.err
    after = state(aws, partner["destination"]["role_name"])
    assert after["assume"] is None
    assert after["key_policy"] == aws.key_policy
    assert after["configurations"] == [configuration]
    # The destination side too: the role (kept) trusts nobody any more.
    trust = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=partner["destination"]["role_name"])
    assert [statement["Effect"] for statement in trust["Role"]["AssumeRolePolicyDocument"]["Statement"]] == ["Deny"]


def test_revoke_refuses_a_security_configuration_that_does_not_exist_before_any_change(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A mistyped ``--security-configuration`` is refused (2), naming it: it used to revoke the grants,
    skip the configuration with a logged warning and print ``security_configuration: null``, which
    docs/cli.md reads as "it held nothing but the partner's mappings" (the next clusters need none).
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0
    partner = cli.load_partner(partner_file)
    typo = cli._current_configuration(partner) + "x"
    before = state(aws, partner["destination"]["role_name"])
    capsys.readouterr()

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("revoke", partner_file, aws, "--security-configuration", typo) == 2

    assert calls.mutating == []
    assert state(aws, partner["destination"]["role_name"]) == before
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        f"emrfs-xacct: --security-configuration: the EMR account {EMR_ACCOUNT} has no security configuration "
        f"named {typo!r}"
    )


def test_verify_exits_0_only_when_every_link_was_checked_and_holds(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A cluster id that names no cluster (a typo) leaves the cluster's links "not checked": the verdict is
    NOT_CHECKED, and the exit status says so (5), not 0 ("every link holds"), which a CI gate would pass.
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0
    assert emrfs_xacct("verify", partner_file, aws) == 0
    capsys.readouterr()

    assert emrfs_xacct("verify", partner_file, aws, "--cluster-id", "j-0000000000000") == cli.NOT_CHECKED

    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "NOT_CHECKED"
    assert report["healthy"] is True  # no link failed
    assert "cluster runs the security configuration" in [
        link["link"] for link in report["links"] if link["status"] == "not checked"
    ]


@pytest.mark.parametrize("command", ["plan", "apply", "verify", "revoke"])
def test_each_sub_command_has_help_and_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: emrfs-xacct {command} " in text
    assert "example" in text
    assert f"  emrfs-xacct {command} examples/partner.yaml " in text
    assert "--endpoint-url" in text


def test_serve_then_the_command_line_prints_only_json(tmp_path: Path) -> None:
    """
    ``python -m devstack serve`` as documented, then the installed ``emrfs-xacct`` against it, as
    separate processes: stdout is one JSON document, stderr has no warning or traceback nor each step's
    details (those are for ``-v``); Ctrl-C stops it.
    """
    import os
    import re
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    partner = tmp_path / "partner.yaml"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    server = subprocess.Popen(
        [sys.executable, "-m", "devstack", "serve", "--partner-file", str(partner)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = []
        for line in server.stdout:
            banner.append(line)
            if line.startswith("Stop with Ctrl-C"):
                break
        text = "".join(banner)
        [url] = re.findall(r"running at (http://127\.0\.0\.1:\d+)", text)
        assert f"--endpoint-url {url}" in text
        command = re.search(r"  (emrfs-xacct plan .*?)\n\n", text, re.S)
        assert command is not None
        argv = command.group(1).replace("\\\n", " ").split()
        script = str(Path(sys.executable).with_name("emrfs-xacct"))
        result = subprocess.run(
            [script, *argv[1:]], env={**env, "AWS_DEFAULT_REGION": REGION}, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        plan = json.loads(result.stdout)
        assert plan["summary"] == "Plan: 4 to add, 1 to change, 0 to destroy."
        assert result.stderr.rstrip().endswith(plan["summary"])
        for noise in ("Traceback", "warning", "error", "deprecat", "Task Runner", "Dry run, nothing changed"):
            assert noise.lower() not in result.stderr.lower(), result.stderr
    finally:
        server.send_signal(signal.SIGINT)
        remaining, _ = server.communicate(timeout=60)
    assert server.returncode == 0
    assert "Local stack stopped." in remaining


@pytest.mark.perf  # a fresh process (Airflow sets its log level once, when first imported): about 7 s
def test_verbose_logs_each_steps_details(aws: Seeded, partner_file: Path) -> None:
    """``-v`` also logs each step's details (docs/cli.md), here each operator's log of its plan; stdout is the same."""
    import subprocess
    import sys

    script = str(Path(sys.executable).with_name("emrfs-xacct"))
    arguments = cli_arguments("plan", partner_file, aws)

    verbose = subprocess.run([script, *arguments, "-v"], capture_output=True, text=True, check=False)

    assert verbose.returncode == 0, verbose.stderr
    assert json.loads(verbose.stdout)["summary"] == "Plan: 4 to add, 1 to change, 0 to destroy."
    assert "Dry run, nothing changed. Plan:" in verbose.stderr


@pytest.fixture
def denied(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """
    The laptop's credentials are an IAM user's; yield a switch that denies ``action`` to the destination
    connection's role and turns moto's IAM authorization on (off again however the test ends).

    moto checks the identity policies of credentials it issued once ``/moto-api/reset-auth`` is ``0``.
    It answers a denial in XML whatever the protocol; AWS answers JSON-protocol services (KMS) with
    ``AccessDeniedException`` in JSON: the server runs in this process, so make it answer as AWS does.
    """
    answer_denials_like_aws(monkeypatch)
    user, key = moto_user(aws.url, "laptop")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])

    def deny(action: str) -> None:
        provisioner_roles(aws.url, user, {DESTINATION_ACCOUNT: action})
        moto_authorization(aws.url, "0")

    try:
        yield deny
    finally:
        moto_authorization(aws.url, "inf")


def test_apply_failing_after_changes_exits_4_with_what_was_applied(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """``kms:PutKeyPolicy`` denied (``GetKeyPolicy`` allowed, so the plan passes): the role and grant stay made."""
    partner = cli.load_partner(partner_file)
    role_arn = cli.destination_role_arn(partner)
    denied("kms:PutKeyPolicy")

    assert emrfs_xacct("apply", partner_file, aws) == cli.PARTIALLY_APPLIED

    moto_authorization(aws.url, "inf")
    after = state(aws, partner["destination"]["role_name"])
    assert after["role"] == role_arn
    assert role_arn in json.dumps(after["assume"])
    assert after["key_policy"] == aws.key_policy
    captured = capsys.readouterr()
    result = json.loads(captured.out)  # what was applied, for a script
    assert list(result["applied"]) == ["ensure_destination_role", "allow_emr_role_to_assume"]
    assert result["values"]["ensure_destination_role"] == role_arn
    assert result["summary"] == "Applied: 3 added, 0 changed, 0 destroyed."
    assert result["failed"]["step"] == "grant_kms_key_user_0"
    assert f"kms:PutKeyPolicy on KeyId={aws.kms_key_arn} was denied" in result["failed"]["error"]
    assert "emrfs-xacct: apply failed at step grant_kms_key_user_0, partially applied" in captured.err
    assert "nothing was changed" not in captured.err
    assert "Traceback" not in captured.err


def test_a_read_aws_denies_while_planning_exits_3_and_changes_nothing(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A denied call is an AWS call that failed (exit 3), not a refused input (2): the partner file is fine. The first
    read denied is the command line's own of the destination role's ARN, which the steps cannot do without (its path).
    """
    partner = cli.load_partner(partner_file)
    before = state(aws, partner["destination"]["role_name"])
    denied("iam:GetRole")

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 3

    moto_authorization(aws.url, "inf")
    assert calls.mutating == []
    assert state(aws, partner["destination"]["role_name"]) == before
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        "reading the destination role's ARN (iam:GetRole on RoleName=emrfs-partner-b-writer) through the destination "
        "connection: denied (AccessDenied" in captured.err
    )
    assert "(nothing was changed)" in captured.err


def test_revoke_failing_after_a_change_exits_4(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """The assume-role grant is removed, then the key policy write is denied: partially applied, not refused."""
    partner = cli.load_partner(partner_file)
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    denied("kms:PutKeyPolicy")

    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == cli.PARTIALLY_APPLIED

    moto_authorization(aws.url, "inf")
    after = state(aws, partner["destination"]["role_name"])
    assert after["assume"] is None  # removed before the denied write
    assert cli.destination_role_arn(partner) in json.dumps(after["key_policy"])
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["applied"] == {}  # no step before it
    assert result["failed"]["step"] == "revoke"
    assert "kms:PutKeyPolicy" in result["failed"]["error"]
    # What the step itself changed before the refused write is told: the trust and the assume-role grant.
    landed = {change["resource"]: change["action"] for change in result["failed"]["applied"]}
    assert landed == {
        f"iam role {partner['destination']['role_name']} trust policy": "update",
        f"iam role {partner['emr']['ec2_role_name']} inline policy {ASSUME_POLICY_NAME}": "delete",
    }, landed
    assert (
        "emrfs-xacct: revoke failed at step revoke, partially applied (before it: No changes.; the step itself: "
        "Applied: 0 added, 1 changed, 1 destroyed., and it may have made more)"
    ) in captured.err


def test_a_revoke_failing_at_delete_role_names_the_inline_policy_it_deleted_before(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``iam:DeleteRole`` denied after the role's inline policy was deleted (``DeleteRolePolicy`` first: IAM API
    Reference, "DeleteRole": "you must delete the items attached to the role manually, or the deletion fails"): that
    deletion is one of the writes the step made, and the report names it with the others (OX216).
    """
    partner = cli.load_partner(partner_file)
    role_name = partner["destination"]["role_name"]
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    denied("iam:DeleteRole")

    assert (
        emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration", "--delete-role")
        == cli.PARTIALLY_APPLIED
    )

    moto_authorization(aws.url, "inf")
    after = state(aws, role_name)
    assert after["role"] == cli.destination_role_arn(partner)  # kept
    assert after["inline"] == []  # its inline policy deleted before the denied DeleteRole
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["failed"]["step"] == "revoke"
    assert "iam:DeleteRole" in result["failed"]["error"]
    landed = {change["resource"]: change["action"] for change in result["failed"]["applied"]}
    assert landed[f"iam role {role_name} inline policy {DESTINATION_POLICY_NAME}"] == "delete", landed
    assert f"iam role {role_name}" not in landed  # not deleted
    assert "the step itself: Applied: 0 added, 1 changed, 2 destroyed., and it may have made more" in captured.err
    assert (
        f"The role is kept, without the provider's inline policy ({DESTINATION_POLICY_NAME}), already deleted"
        in captured.err
    )


@pytest.mark.parametrize(("value", "expected"), [(None, False), (True, True), ("false", False)])
def test_the_partner_files_object_acl_reaches_the_destination_role(
    partner_file: Path, value: Any, expected: bool
) -> None:
    if value is not None:
        _edited(partner_file, lambda p: p["destination"].update(object_acl=value))

    [role] = [
        op
        for op in cli.provisioning_operators(cli.load_partner(partner_file), dry_run=True)
        if op.task_id == "ensure_destination_role"
    ]

    assert role.object_acl is expected


def test_a_bad_object_acl_in_the_partner_file_exits_2_naming_it(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edited(partner_file, lambda p: p["destination"].update(object_acl="yes"))

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 2

    assert calls.mutating == []
    assert "destination.object_acl: must be True or False" in capsys.readouterr().err


def test_the_role_arns_are_built_in_the_connections_partition(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    In the China regions the stand-in's callers are ``arn:aws-cn:…``: the roles the command line names
    are built there, and a key of the ``aws`` partition is refused, naming the field, before any change.
    """
    in_china = [
        "plan",
        str(partner_file),
        "--emr-role-arn",
        f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--destination-role-arn",
        f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/{PROVISIONER_ROLE}",
        "--endpoint-url",
        aws.url,
        "--region",
        "cn-north-1",
    ]
    with CallRecorder().everywhere() as calls:
        assert cli.main(in_china) == 2
    assert calls.mutating == []
    err = capsys.readouterr().err
    assert "destination.kms_key_arns[0]: is a key of partition aws, but the connections act in aws-cn" in err

    partner = cli.load_partner(partner_file)
    partner[cli.PARTITION_KEY] = "aws-cn"
    role, assume, *_ = cli.provisioning_operators(partner, dry_run=True)
    assert role.trusted_role_arns == [f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"]
    assert assume.destination_role_arns == [f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-b-writer"]
    assert cli.destination_role_arn(partner) in json.dumps(cli.role_mappings(partner))


def test_an_emr_ec2_role_with_a_path_is_trusted_by_its_own_arn(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A role's ARN holds its path (IAM User Guide, "IAM identifiers", "IAM ARNs":
    ``arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access``), and IAM refuses a trust policy
    naming a role that does not exist ("Invalid principal in policy"): the trust names the role IAM shows.
    """
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    iam_a = client(aws.url, EMR_ACCOUNT, "iam")
    pathed = iam_a.create_role(
        RoleName="emr-ec2-pathed", Path="/emr/", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", **trust})
    )["Role"]["Arn"]
    partner = yaml.safe_load(partner_file.read_text())
    partner["emr"]["ec2_role_name"] = "emr-ec2-pathed"
    partner_file.write_text(yaml.safe_dump(partner))

    assert emrfs_xacct("apply", partner_file, aws) == 0

    role = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=partner["destination"]["role_name"])["Role"]
    principals = [statement["Principal"]["AWS"] for statement in role["AssumeRolePolicyDocument"]["Statement"]]
    assert principals in ([pathed], [[pathed]])
    assert pathed == f"arn:aws:iam::{EMR_ACCOUNT}:role/emr/emr-ec2-pathed"
    capsys.readouterr()


def run_emrfs_xacct(
    command: str, path: Path, aws: Seeded, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """The installed ``emrfs-xacct`` in a process of its own, as a user runs it, on the stand-in at ``aws.url``."""
    script = str(Path(sys.executable).with_name("emrfs-xacct"))
    argv = cli_arguments(command, path, aws, *extra)
    environment = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", **(env or {})}
    command = [sys.executable, "-c", AS_A_TERMINAL_STARTS_IT, script, *argv]
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


#: Run ``sys.argv[1:]`` with SIGINT neither ignored nor blocked, as a terminal's shell starts a command.
#: A process inherits both from the one that starts it (signal(7): dispositions set to ignore and the
#: signal mask are kept across execve): started from a test process that a background job began (which
#: ignores SIGINT) or that in-process Airflow code left ignoring or blocking it, the command line would
#: ignore the test's Ctrl-C and wait for the held request until the test's timeout.
AS_A_TERMINAL_STARTS_IT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda partner: partner["security_configuration"].update(
                role_mappings=[
                    {
                        "Role": f"arn:aws:iam::{EMR_ACCOUNT}:role/writer",
                        "IdentifierType": "Prefix",
                        "Identifiers": partner["destination"]["s3_prefixes"],
                    }
                ]
            ),
            "security_configuration.role_mappings[0].Role: is in account 111111111111",
            id="mapped-role-in-the-emr-account",
        ),
        pytest.param(
            lambda partner: partner["destination"].update(
                s3_prefixes=[f"s3://partner-results-b/exports/{'x' * 200}{index}/" for index in range(60)]
            ),
            "destination.s3_prefixes: the inline policy emrfs-xacct-destination-access of role",
            id="prefixes-over-the-policy-size",
        ),
    ],
)
def test_an_operators_refusal_names_the_partner_files_field_and_the_file(
    aws: Seeded, partner_file: Path, edit: Any, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    What only a step's dry run can refuse (the connection's account, a policy's size) names the file's
    field, as the file's own validation does, not the operator's argument (``role_mappings[0].Role``).
    """
    _edited(partner_file, edit)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 2

    assert calls.mutating == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"emrfs-xacct: {partner_file}: {message}" in captured.err
    assert "(step " in captured.err
    assert "nothing was changed" in captured.err


def test_one_account_for_both_sections_is_refused_naming_the_field_before_any_call(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def same_account(partner: dict[str, Any]) -> None:
        partner["destination"]["account_id"] = partner["emr"]["account_id"]
        partner["destination"]["kms_key_arns"] = []

    _edited(partner_file, same_account)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("plan", partner_file, aws) == 2

    assert calls.calls == []
    assert capsys.readouterr().err.startswith(
        f"emrfs-xacct: {partner_file}: destination.account_id: is emr.account_id too (111111111111)"
    )


@pytest.mark.parametrize(
    ("sent", "error", "said"),
    [(signal.SIGINT, "KeyboardInterrupt", "Ctrl-C"), (signal.SIGTERM, "SIGTERM", "SIGTERM")],
    ids=["ctrl-c", "ci-cancel-sigterm"],
)
def test_ctrl_c_while_applying_exits_130_saying_what_was_applied(
    aws: Seeded, partner_file: Path, sent: signal.Signals, error: str, said: str
) -> None:
    """
    A real SIGINT to the command line's process while the last step's write waits for its answer (the
    proxy holds that request): exit 130 (128 + SIGINT, as a shell reports it), the JSON of what was
    applied before the step, and no traceback. A CI cancel the same: GitHub Actions cancels a job by SIGINT, then
    SIGTERM 7.5 s later ("Workflow cancellation reference",
    https://docs.github.com/en/actions/reference/workflow-cancellation-reference); ``kill`` and other CI systems send
    SIGTERM alone.
    """
    process: subprocess.Popen[str] | None = None
    started = threading.Event()

    def interrupt(operation: str) -> str | None:
        if operation != "CreateSecurityConfiguration":
            return None
        started.wait(60)
        assert process is not None
        process.send_signal(sent)
        return "hold"

    with FaultProxy(aws.url, intercept=interrupt) as proxy:
        process = run_emrfs_xacct("apply", partner_file, dataclasses.replace(aws, url=proxy.url))
        started.set()
        out, err = process.communicate(timeout=120)

    assert process.returncode == cli.INTERRUPTED, err
    assert "Traceback" not in err
    result = json.loads(out)
    assert result["failed"] == {"step": "create_security_configuration", "error": error}
    assert sorted(result["applied"]) == ["allow_emr_role_to_assume", "ensure_destination_role", "grant_kms_key_user_0"]
    assert (
        f"emrfs-xacct: apply interrupted ({said}) at step create_security_configuration, partially applied "
        "(before it: Applied: 3 added, 1 changed, 0 destroyed." in err
    )
    partner = cli.load_partner(partner_file)
    assert state(aws, partner["destination"]["role_name"])["role"] is not None


#: STS calls of the connections opening their sessions: they change nothing in either account.
STS_SESSION_CALLS = ("AssumeRole", "GetCallerIdentity")


def test_ctrl_c_before_any_change_exits_130_saying_nothing_was_changed(aws: Seeded, partner_file: Path) -> None:
    process: subprocess.Popen[str] | None = None
    started = threading.Event()

    def interrupt(operation: str) -> str | None:
        if operation != "GetRole":  # a read of the plan phase, before any write
            return None
        started.wait(60)
        assert process is not None
        process.send_signal(signal.SIGINT)
        return "hold"

    with FaultProxy(aws.url, intercept=interrupt) as proxy:
        process = run_emrfs_xacct("apply", partner_file, dataclasses.replace(aws, url=proxy.url))
        started.set()
        out, err = process.communicate(timeout=120)

    assert process.returncode == cli.INTERRUPTED, err
    assert (out, "Traceback" in err) == ("", False)
    assert err.rstrip().endswith("emrfs-xacct: apply interrupted (Ctrl-C) before any change; nothing was changed")
    # The command line runs in its own process: what it sent is what the proxy saw (a CallRecorder here sees nothing).
    assert proxy.requests["GetRole"] >= 1
    sent_changes = [op for op in proxy.requests if may_change(op) and op not in STS_SESSION_CALLS]
    assert sent_changes == []


def test_expired_credentials_exit_6_naming_the_connection(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """STS answers an expired session token with ``ExpiredToken`` (HTTP 403), as AWS does (see cli.CREDENTIAL_ERROR_CODES)."""

    def expired(operation: str) -> tuple[int, str, str] | None:
        if operation == "GetCallerIdentity":
            return 403, "ExpiredToken", "The security token included in the request is expired"
        return None

    with FaultProxy(aws.url, intercept=expired) as proxy:
        assert emrfs_xacct("plan", partner_file, dataclasses.replace(aws, url=proxy.url)) == cli.NO_CREDENTIALS

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "emrfs-xacct: the EMR connection has no valid AWS credentials: An error occurred (ExpiredToken)"
    )
    assert "--emr-profile" in captured.err
    assert "Traceback" not in captured.err


def test_no_credentials_anywhere_exit_6_naming_the_connection(
    aws: Seeded, partner_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to fall back on

    assert emrfs_xacct("plan", partner_file, aws) == cli.NO_CREDENTIALS

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "emrfs-xacct: the EMR connection has no valid AWS credentials: Unable to locate credentials."
    )
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        pytest.param(
            (403, "ExpiredToken", "The security token included in the request is expired"),
            cli.NO_CREDENTIALS,
            "emrfs-xacct: step ensure_destination_role: the AWS credentials are missing, expired or not valid: An "
            "error occurred (ExpiredToken) when calling the GetRole operation: The security token included in the "
            "request is expired (nothing was changed)",
            id="expired-while-planning",
        ),
    ],
)
def test_an_aws_call_failing_while_planning_names_the_step_and_that_nothing_changed(
    aws: Seeded,
    partner_file: Path,
    answer: tuple[int, str, str],
    status: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    A call that fails after botocore's retries while planning names the step, and says nothing was changed.
    (A throttled call takes the same path, after the operators' 10 retries (11 attempts) with backoff: over a minute.)
    """

    get_roles: list[str] = []

    def a_steps_get_role(operation: str) -> tuple[int, str, str] | None:
        """The first two ``GetRole`` read the destination and EMR EC2 roles' ARNs (their own tests); answer the steps' ones."""
        if operation != "GetRole":
            return None
        get_roles.append(operation)
        return answer if len(get_roles) > 2 else None

    with FaultProxy(aws.url, intercept=a_steps_get_role) as proxy:
        assert emrfs_xacct("apply", partner_file, dataclasses.replace(aws, url=proxy.url)) == status

    assert proxy.requests["CreateRole"] == 0
    captured = capsys.readouterr()
    assert (captured.out, "Traceback" in captured.err) == ("", False)
    assert captured.err.rstrip() == message


def test_a_role_the_connection_may_not_assume_exits_3_naming_the_connection(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """STS refuses ``AssumeRole`` with ``AccessDenied`` (AWS STS API Reference, AssumeRole; moto assumes any role)."""
    denial = (
        403,
        "AccessDenied",
        "User: arn:aws:iam::222222222222:user/laptop is not authorized to perform: sts:AssumeRole on resource: "
        "arn:aws:iam::222222222222:role/airflow-provisioner",
    )

    with FaultProxy(aws.url, intercept=lambda operation: denial if operation == "AssumeRole" else None) as proxy:
        assert emrfs_xacct("plan", partner_file, dataclasses.replace(aws, url=proxy.url)) == 3

    captured = capsys.readouterr()
    assert (captured.out, "Traceback" in captured.err) == ("", False)
    assert captured.err.startswith(
        "emrfs-xacct: the EMR connection (--emr-profile, --emr-role-arn): AWS call failed: An error occurred "
        "(AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::222222222222:user/laptop is not "
        "authorized to perform: sts:AssumeRole"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'emr:\n  account_id: "111111111111"\n  ec2_role_name: [EMR_EC2_DefaultRole\n',
            "line 4, column 1: not valid YAML or JSON: expected ',' or ']', but got '<stream end>' (while parsing "
            "a flow sequence at line 3, column 18)",
        ),
        (
            '{"emr": {"account_id": "111111111111"},\n "destination": {"account_id": "222222222222" "role_name": "w"}}',
            "line 2, column 47: not valid YAML or JSON: expected ',' or '}', but got '<scalar>' (while parsing a flow "
            "mapping at line 2, column 17)",
        ),
    ],
    ids=["yaml", "json"],
)
def test_a_partner_file_that_does_not_parse_is_one_line_naming_the_line_and_column(
    tmp_path: Path, content: str, message: str
) -> None:
    """As a user runs it: no AWS call is needed to refuse it, and stderr is that one line, with the file's path."""
    path = tmp_path / "partner.yaml"
    path.write_text(content)

    result = subprocess.run(
        [str(Path(sys.executable).with_name("emrfs-xacct")), "plan", str(path), "--region", REGION],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"emrfs-xacct: {path}: {message}\n"


def test_version_prints_the_installed_version() -> None:
    """``emrfs-xacct --version`` (docs/cli.md), as a user runs it."""
    from airflow_provider_emrfs_xacct import __version__

    result = subprocess.run(
        [str(Path(sys.executable).with_name("emrfs-xacct")), "--version"], capture_output=True, text=True, check=False
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, f"emrfs-xacct {__version__}\n", "")


def test_debug_adds_the_traceback_and_keeps_the_message_and_the_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.yaml"

    assert cli.main(["plan", str(missing)]) == 2
    plain = capsys.readouterr().err
    assert cli.main(["plan", str(missing), "--debug"]) == 2
    debug = capsys.readouterr().err

    assert "Traceback" not in plain
    assert debug.startswith("Traceback (most recent call last):")
    assert debug.endswith(plain)


def _first_get_role(answer: tuple[int, str, str]) -> Callable[[str], tuple[int, str, str] | None]:
    """Answer the first ``GetRole`` (the command line reading the EMR EC2 role's ARN) with ``answer``; pass the rest."""
    answered: list[str] = []

    def intercept(operation: str) -> tuple[int, str, str] | None:
        if operation != "GetRole" or answered:
            return None
        answered.append(operation)
        return answer

    return intercept


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        pytest.param(
            (403, "ExpiredToken", "The security token included in the request is expired"),
            cli.NO_CREDENTIALS,
            "emrfs-xacct: reading the EMR EC2 role's ARN (iam:GetRole on RoleName=EMR_EC2_DefaultRole) through the EMR "
            "connection: the AWS credentials are missing, expired or not valid: An error occurred (ExpiredToken)",
            id="expired",
        ),
        pytest.param(
            (400, "Throttling", "Rate exceeded"),
            3,
            "emrfs-xacct: reading the EMR EC2 role's ARN (iam:GetRole on RoleName=EMR_EC2_DefaultRole) through the EMR "
            "connection: AWS call failed: An error occurred (Throttling) when calling the GetRole operation (reached "
            "max retries: 0)",
            id="throttled-past-its-retries",
        ),
    ],
)
def test_reading_the_emr_roles_arn_fails_with_the_clis_status_naming_the_call(
    aws: Seeded,
    partner_file: Path,
    answer: tuple[int, str, str],
    status: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    Not a silent fallback to the ARN built from the name: credentials AWS refuses exit 6, as everywhere else, and
    a call failing after botocore's retries exits 3, naming the call (one attempt here: ``AWS_MAX_ATTEMPTS``).
    """
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with FaultProxy(aws.url, intercept=_first_get_role(answer)) as proxy:
        assert emrfs_xacct("apply", partner_file, dataclasses.replace(aws, url=proxy.url)) == status

    assert proxy.requests["CreateRole"] == 0
    captured = capsys.readouterr()
    assert (captured.out, "Traceback" in captured.err) == ("", False)
    assert captured.err.startswith(message), captured.err


def test_an_emr_role_the_connection_may_not_read_falls_back_saying_so(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A denied ``GetRole`` (IAM's ``AccessDenied``) keeps the ARN built from the name, and says so: the trust then names
    no path, which IAM refuses for a role made under one (IAM User Guide, "IAM identifiers").
    """
    denial = (403, "AccessDenied", "User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized")
    with FaultProxy(aws.url, intercept=_first_get_role(denial)) as proxy:
        assert emrfs_xacct("plan", partner_file, dataclasses.replace(aws, url=proxy.url)) == 0

    err = capsys.readouterr().err
    assert (
        "emrfs-xacct: reading the EMR EC2 role's ARN (iam:GetRole on RoleName=EMR_EC2_DefaultRole) through the EMR "
        "connection: the EMR connection may not read it (grant it iam:GetRole) (AccessDenied); the destination role's "
        f"trust names arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}, the ARN built from the name, without a path"
    ) in err


def test_a_step_refused_while_applying_names_the_partner_files_field(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The key policy grows after the plan read it (another writer, while the first steps are applied): adding the
    destination role would cross KMS's 32 KB, and the step refuses it while applying (exit 4), naming the partner
    file's field as the plan phase does, not the operator's argument (``principal_arns``).
    """
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")

    def grow_the_key_policy(operation: str) -> None:
        if operation != "CreateRole":  # the first write of the apply phase
            return None
        policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
        padding = {
            "Sid": "OtherWriter",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:pad": ""}},
        }
        policy["Statement"].append(padding)
        padding["Condition"]["StringEquals"]["kms:EncryptionContext:pad"] = "x" * (32_700 - document_size(policy))
        kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))
        return None

    with FaultProxy(aws.url, intercept=grow_the_key_policy) as proxy:
        assert emrfs_xacct("apply", partner_file, dataclasses.replace(aws, url=proxy.url)) == cli.PARTIALLY_APPLIED

    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["failed"]["step"] == "grant_kms_key_user_0"
    assert result["failed"]["error"].startswith(f"{partner_file}: destination.role_name: the key policy of ")
    assert "principal_arns" not in captured.err + captured.out
    assert (
        f"emrfs-xacct: apply failed at step grant_kms_key_user_0, partially applied (before it: Applied: 3 added, 0 "
        f"changed, 0 destroyed.; the step itself may have made part of its changes): {partner_file}: "
        "destination.role_name: the key policy of "
    ) in captured.err


@pytest.mark.parametrize(
    ("cluster_id", "problem"),
    [
        ("", "must not be empty"),  # ``--cluster-id "$CLUSTER"`` with the variable unset: not "no cluster"
        ("j-2AXXXXXXGAPLF\n", "has leading or trailing whitespace"),
        ("j-" + "A" * 255, "must be at most 256 characters (RunJobFlow's JobFlowId limit), got 257"),
    ],
)
def test_verify_refuses_a_cluster_id_emr_cannot_have_before_any_aws_call(
    aws: Seeded, partner_file: Path, cluster_id: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("verify", partner_file, aws, "--cluster-id", cluster_id) == 2

    assert calls.every == []
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"emrfs-xacct: --cluster-id: {problem}"), captured.err


def test_aws_max_attempts_shortens_the_operators_retries(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``AWS_MAX_ATTEMPTS`` (botocore's variable: "the maximum number attempts to make on a request", AWS SDKs and Tools
    Reference Guide, "Retry behavior") reaches the steps' own calls too, which otherwise try 11 times with backoff (over a minute):
    a throttled read of a step's dry run is sent once, and the run exits 3 naming the step.
    """
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    throttled = (400, "ThrottlingException", "Rate exceeded")
    with FaultProxy(aws.url, intercept=lambda operation: throttled if operation == "GetKeyPolicy" else None) as proxy:
        assert emrfs_xacct("plan", partner_file, dataclasses.replace(aws, url=proxy.url)) == 3

    assert proxy.requests["GetKeyPolicy"] == 1
    err = capsys.readouterr().err
    assert (
        "emrfs-xacct: step grant_kms_key_user_0: AWS call failed: An error occurred (ThrottlingException) when calling "
        "the GetKeyPolicy operation (reached max retries: 0)"
    ) in err


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("AWS_MAX_ATTEMPTS", "ten", "must be a whole number of attempts >= 1, got 'ten'"),
        ("AWS_MAX_ATTEMPTS", "0", "must be a whole number of attempts >= 1, got '0'"),
        # A digit to str.isdigit, but no number to int(): exited 70, "unexpected error (a bug)".
        ("AWS_MAX_ATTEMPTS", "²", "must be a whole number of attempts >= 1, got '²'"),
        ("AWS_RETRY_MODE", "fast", "must be one of legacy, standard, adaptive, got 'fast'"),
    ],
)
def test_a_retry_setting_botocore_would_refuse_exits_2_naming_the_variable_before_any_call(
    aws: Seeded,
    partner_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    problem: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("plan", partner_file, aws) == 2

    assert calls.every == []
    assert capsys.readouterr().err.startswith(f"emrfs-xacct: {variable}: {problem}")


def test_a_destination_role_with_a_path_is_named_by_its_own_arn_and_revoked(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The destination role's ARN holds its path too (IAM User Guide, "IAM identifiers", "IAM ARNs"), and an existing
    role keeps its path (``role_path`` is used only when creating it): the EMR side's grant, the key users and the
    role mappings name the role IAM shows, and the revoke, which reads the role and refuses one whose ARN is not
    the one given, finds it.
    """
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    partner = yaml.safe_load(partner_file.read_text())
    name = partner["destination"]["role_name"]
    pathed = iam_b.create_role(RoleName=name, Path="/partners/", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]["Arn"]
    assert pathed == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partners/{name}"

    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    applied = json.loads(capsys.readouterr().out)
    assert pathed in json.dumps(applied["applied"]["allow_emr_role_to_assume"])
    assert pathed in json.dumps(applied["applied"]["create_security_configuration"])
    assert pathed in json.dumps(applied["applied"]["grant_kms_key_user_0"])

    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == 0, capsys.readouterr().err
    trust = iam_b.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    assert aws.emr_ec2_role_arn not in json.dumps(trust)


def test_verify_with_the_destination_roles_arn_unreadable_does_not_fail_a_configuration_it_cannot_name(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The configuration is named after its content, whose role mappings name the destination role's ARN, path
    included (IAM User Guide, "IAM identifiers"). With ``iam:GetRole`` denied to the destination connection the
    command line knows only the ARN built from the name, without the path: the configuration ``apply`` made for a
    role under a path has another name, so "not found" is not a broken link but one not checked (exit 5).
    """
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    name = yaml.safe_load(partner_file.read_text())["destination"]["role_name"]
    iam_b.create_role(RoleName=name, Path="/partners/", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    made = json.loads(capsys.readouterr().out)["values"]["create_security_configuration"]
    denied("iam:GetRole")

    status = emrfs_xacct("verify", partner_file, aws)

    moto_authorization(aws.url, "inf")
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert status == cli.NOT_CHECKED, captured.err
    assert report["verdict"] == "NOT_CHECKED"
    assert [link for link in report["links"] if link["status"] == "fail"] == []
    assert report["security_configuration"] != made  # the name built without the path: not the one apply made
    exists = next(link for link in report["links"] if link["link"] == "security configuration exists")
    assert exists["status"] == "not checked"
    assert "--security-configuration NAME" in exists["fix"]
    getrole = {
        "action": "iam:GetRole",
        "connection": cli.DESTINATION_CONN,
        "account": DESTINATION_ACCOUNT,
        "resource": f"RoleName={name}",
        "call": "GetRole",
    }
    assert exists["refused_reads"] == [getrole]
    assert getrole in report["refused_reads"]


def test_revoke_keeps_the_destination_trust_when_asked(partner_file: Path) -> None:
    partner = cli.load_partner(partner_file)
    base = ["revoke", "p.yaml", "--keep-security-configuration"]
    args = cli.parser().parse_args([*base, "--keep-destination-trust"])
    default = cli.parser().parse_args(base)

    assert cli.revoke_operator(partner, args, dry_run=True).remove_destination_trust is False
    assert cli.revoke_operator(partner, default, dry_run=True).remove_destination_trust is True


def test_keep_destination_trust_revokes_the_emr_side_and_leaves_the_trust_as_it_was(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    docs/cli.md: ``--keep-destination-trust`` leaves the destination role's trust policy as it is; the EMR side (the
    assume-role grant, the key users) is revoked. With ``--delete-role`` it is refused before any AWS call (exit 2).
    """
    partner = cli.load_partner(partner_file)
    role_name = partner["destination"]["role_name"]
    assert emrfs_xacct("apply", partner_file, aws) == 0
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam_b.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    assert aws.emr_ec2_role_arn in json.dumps(trust)
    capsys.readouterr()

    with CallRecorder().everywhere() as calls, pytest.raises(SystemExit) as usage:  # argparse's usage error
        emrfs_xacct(
            "revoke", partner_file, aws, "--keep-security-configuration", "--keep-destination-trust", "--delete-role"
        )
    assert (usage.value.code, calls.calls, calls.sts_calls) == (2, [], [])
    assert "argument --delete-role: not allowed with argument --keep-destination-trust" in capsys.readouterr().err

    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration", "--keep-destination-trust") == 0
    captured = capsys.readouterr()
    assert iam_b.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"] == trust
    after = state(aws, role_name)
    assert after["assume"] is None or cli.destination_role_arn(partner) not in json.dumps(after["assume"])
    assert cli.destination_role_arn(partner) not in json.dumps(after["key_policy"])
    assert "remove_destination_trust=False" in captured.err  # the operator's warning: the trust still names it
    assert "update iam role" not in json.dumps(json.loads(captured.out)["applied"])


def test_keep_destination_trust_with_a_boundary_it_may_not_read_exits_5(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    docs/cli.md, exit 5: the EMR EC2 role keeps a grant of ``sts:AssumeRole`` on ``*``, and its permissions boundary
    allows S3 alone, so it ends that grant (IAM User Guide, "Permissions boundaries for IAM entities": only what both
    allow). With the boundary's ``iam:GetPolicyVersion`` refused to the EMR connection, ``--keep-destination-trust``
    cannot tell: it exited 7 ("NOT ended", certain); now 5, ``access_not_checked`` naming the refused read.
    """
    assert emrfs_xacct("apply", partner_file, aws) == 0
    iam_a = client(aws.url, EMR_ACCOUNT, "iam")
    assume_any_role = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    iam_a.put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName="assume-any-role",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [assume_any_role]}),
    )
    s3_only = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    boundary = iam_a.create_policy(PolicyName="s3-only", PolicyDocument=json.dumps(s3_only))["Policy"]["Arn"]
    iam_a.put_role_permissions_boundary(RoleName=EMR_EC2_ROLE, PermissionsBoundary=boundary)
    capsys.readouterr()
    answer_denials_like_aws(monkeypatch)
    user, key = moto_user(aws.url, "laptop")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    provisioner_roles(aws.url, user, {EMR_ACCOUNT: "iam:GetPolicyVersion"})
    moto_authorization(aws.url, "0")
    try:
        status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration", "--keep-destination-trust")
    finally:
        moto_authorization(aws.url, "inf")

    captured = capsys.readouterr()
    assert status == cli.NOT_CHECKED, captured.err
    result = json.loads(captured.out)
    assert result["summary"].startswith("Applied:"), result["summary"]
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [f"the permissions boundary {boundary}: iam:GetPolicyVersion refused"]
    assert "whether the access is ended is NOT checked" in captured.err


def test_an_emr_ec2_role_iam_does_not_have_is_said_on_stderr_and_refused_before_any_change(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    docs/cli.md: a role IAM does not have (``NoSuchEntity``) keeps the ARN built from its name, stderr says so, and
    the steps then refuse it before any change.
    """
    partner = yaml.safe_load(partner_file.read_text())
    partner["emr"]["ec2_role_name"] = "EMR_EC2_NotMadeYet"
    partner_file.write_text(yaml.safe_dump(partner))

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct("apply", partner_file, aws)

    err = capsys.readouterr().err
    assert (status, calls.mutating) == (2, []), err
    assert (
        "reading the EMR EC2 role's ARN (iam:GetRole on RoleName=EMR_EC2_NotMadeYet) through the EMR connection: IAM "
        f"has no such role (NoSuchEntity); the destination role's trust names arn:aws:iam::{EMR_ACCOUNT}:role/"
        "EMR_EC2_NotMadeYet, the ARN built from the name"
    ) in err
    assert "nothing was changed" in err


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        pytest.param(
            (403, "ExpiredToken", "The security token included in the request is expired"),
            cli.NO_CREDENTIALS,
            "the AWS credentials are missing, expired or not valid: An error occurred (ExpiredToken)",
            id="expired",
        ),
        pytest.param(
            (400, "Throttling", "Rate exceeded"),
            3,
            "AWS call failed: An error occurred (Throttling) when calling the GetRole operation (reached max retries: 0)",
            id="throttled-past-its-retries",
        ),
        pytest.param(
            (403, "AccessDenied", "User: arn:aws:sts::222222222222:assumed-role/x/y is not authorized"),
            3,
            "denied (AccessDenied: User: arn:aws:sts::222222222222:assumed-role/x/y is not authorized). A role's ARN "
            "holds its path",
            id="denied-refuses-the-revoke",
        ),
    ],
)
def test_reading_the_destination_roles_arn_fails_with_the_clis_status_naming_the_call(
    aws: Seeded,
    partner_file: Path,
    answer: tuple[int, str, str],
    status: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    docs/cli.md: every sub-command reads the destination role's ARN (``iam:GetRole`` through the destination
    connection; ``revoke`` makes no read of the EMR EC2 role's, so it is the first ``GetRole``): credentials AWS
    refuses exit 6, a call failing after its retries 3, naming the call; a denial 3 too: the revoke finds the role's
    statements by its ARN, path included, which the ARN built from the name lacks.
    """
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with FaultProxy(aws.url, intercept=_first_get_role(answer)) as proxy:
        arguments = ("--keep-security-configuration", "--dry-run")
        assert emrfs_xacct("revoke", partner_file, dataclasses.replace(aws, url=proxy.url), *arguments) == status

    err = capsys.readouterr().err
    where = (
        "reading the destination role's ARN (iam:GetRole on RoleName=emrfs-partner-b-writer) through the destination "
        "connection: "
    )
    assert where + message in err, err
    assert "Traceback" not in err


def test_the_config_files_max_attempts_cuts_neither_the_command_lines_own_reads_nor_the_steps(
    aws: Seeded,
    partner_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    docs/cli.md: a client's own settings win over the config file (boto3 User Guide, "Configuration"), and the command
    line's clients have the operators' retry settings: a throttled read of the destination role's ARN is sent again,
    as a step's throttled read is, and the run goes on.
    """
    config = tmp_path / "config"
    config.write_text("[default]\nmax_attempts = 1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    throttled = (400, "Throttling", "Rate exceeded")
    # revoke reads no EMR EC2 role's ARN: its first GetRole is the command line's read of the destination role's.
    with FaultProxy(aws.url, intercept=_first_get_role(throttled)) as proxy:
        revoke = ("--keep-security-configuration", "--dry-run")
        assert emrfs_xacct("revoke", partner_file, dataclasses.replace(aws, url=proxy.url), *revoke) == 0, (
            capsys.readouterr().err
        )
    assert proxy.requests["GetRole"] >= 2  # the command line's read sent again

    once: list[str] = []

    def first_key_policy(operation: str) -> tuple[int, str, str] | None:
        if operation != "GetKeyPolicy" or once:
            return None
        once.append(operation)
        return throttled

    with FaultProxy(aws.url, intercept=first_key_policy) as proxy:
        assert emrfs_xacct("plan", partner_file, dataclasses.replace(aws, url=proxy.url)) == 0
    assert proxy.requests["GetKeyPolicy"] >= 2  # the step sent it again


def test_emr_ec2_role_name_takes_the_role_s_arn_as_the_operators_do(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The operators take the EMR EC2 role by its name or its ARN; the partner file took a name only: an ARN was
    # refused as a name ("emr.ec2_role_name: ...").
    arn = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"
    partner = yaml.safe_load(partner_file.read_text())
    partner["emr"]["ec2_role_name"] = arn
    partner_file.write_text(yaml.safe_dump(partner))

    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err

    role = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=partner["destination"]["role_name"])["Role"]
    principals = [statement["Principal"]["AWS"] for statement in role["AssumeRolePolicyDocument"]["Statement"]]
    assert principals in ([arn], [[arn]])
    assert partner["destination"]["role_name"] in json.dumps(state(aws, partner["destination"]["role_name"])["assume"])


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        (
            f"arn:aws:iam::333333333333:role/{EMR_EC2_ROLE}",
            "emr.ec2_role_name: is in account 333333333333, but the EMR account (emr.account_id 111111111111",
        ),
        (
            f"arn:aws-cn:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}",
            "emr.ec2_role_name: is in partition 'aws-cn', but the EMR account (emr.account_id 111111111111, "
            "partition 'aws') is in partition 'aws'",
        ),
    ],
    ids=["another-account", "another-partition"],
)
def test_an_emr_ec2_role_arn_outside_the_emr_account_or_partition_is_refused_before_any_write(
    aws: Seeded, partner_file: Path, arn: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    partner = yaml.safe_load(partner_file.read_text())
    partner["emr"]["ec2_role_name"] = arn
    partner_file.write_text(yaml.safe_dump(partner))

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 2

    assert calls.mutating == []
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err


def test_the_partner_files_assume_policy_name_is_written_by_apply_and_emptied_by_revoke(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``emr.assume_policy_name``: the EMR EC2 role's inline policy the grant writes, and the one the revoke takes the
    role out of (``AttachAssumeRolePolicyOperator`` and ``RevokePartnerAccessOperator``'s ``policy_name``): a revoke
    reading the default name would leave the grant there.
    """
    _edited(partner_file, lambda p: p["emr"].update(assume_policy_name="pipeline-assume-partners"))
    iam = client(aws.url, EMR_ACCOUNT, "iam")

    assert emrfs_xacct("apply", partner_file, aws) == 0
    assert iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"].count("pipeline-assume-partners") == 1
    assert state(aws, "emrfs-partner-b-writer")["assume"] is None  # nothing under the default name
    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration", "--keep-destination-trust") == 0

    assert "pipeline-assume-partners" not in iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
    assert "NOT ended" not in capsys.readouterr().err


def test_a_bad_assume_policy_name_in_the_partner_file_exits_2_naming_it(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edited(partner_file, lambda p: p["emr"].update(assume_policy_name="no spaces allowed"))

    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == 2

    assert calls.mutating == []
    assert "emr.assume_policy_name: must be 1-128 letters" in capsys.readouterr().err


def test_verify_checks_a_user_mappings_access_under_the_files_prefixes(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A User mapping names no prefix: the verifier checks its role's access under ``s3_prefixes`` only when given
    them. ``verify`` passes the file's ``destination.s3_prefixes`` (it passed none: the role's writes went unjudged).
    """
    partner = _edited(
        partner_file,
        lambda p: p["security_configuration"].update(
            role_mappings=[
                {
                    "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{p['destination']['role_name']}",
                    "IdentifierType": "User",
                    "Identifiers": ["hadoop"],
                }
            ]
        ),
    )
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()

    emrfs_xacct("verify", partner_file, aws)

    report = json.loads(capsys.readouterr().out)
    [prefix] = partner["destination"]["s3_prefixes"]
    written = [link for link in report["links"] if link["link"] == f"write files {prefix}"]
    assert [link["status"] for link in written] == ["pass"]


def test_verify_with_object_acl_and_no_cluster_is_not_checked(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    ``destination.object_acl: true`` says the clusters' uploads carry a canned ACL (x-amz-acl), which needs
    s3:PutObjectAcl and which a bucket with ACLs disabled may refuse; without a cluster to read it from, the links
    judged uploads without it and said PASS. Now the verdict is NOT_CHECKED, naming the link and ``--cluster-id``.
    """
    _edited(partner_file, lambda p: p["destination"].update(object_acl=True))
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()

    assert emrfs_xacct("verify", partner_file, aws) == cli.NOT_CHECKED

    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "NOT_CHECKED"
    [link] = [link for link in report["links"] if link["link"] == cli.CANNED_ACL_LINK]
    assert link["status"] == "not checked"
    assert "--cluster-id" in link["fix"]
    # A broken link stays FAIL: the unread canned ACL turns a PASS into NOT_CHECKED only.
    client(aws.url, EMR_ACCOUNT, "iam").delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)
    assert emrfs_xacct("verify", partner_file, aws) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "FAIL"
    assert cli.CANNED_ACL_LINK in [link["link"] for link in report["links"]]
    assert emrfs_xacct("apply", partner_file, aws) == 0  # apply repairs it
    _edited(partner_file, lambda p: p["destination"].update(object_acl=False))
    assert emrfs_xacct("verify", partner_file, aws) == 0


def test_verify_reads_the_security_configuration_and_ec2_role_it_is_given(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--security-configuration`` names the configuration verified, and ``emr.ec2_role_name`` the role whose
    permission to assume the destination role is judged, not the file's current configuration or the default role."""
    assert emrfs_xacct("apply", partner_file, aws) == 0
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    applied = emr.describe_security_configuration(Name=cli._current_configuration(cli.load_partner(partner_file)))
    emr.create_security_configuration(
        Name="emrfs-xacct-another-one", SecurityConfiguration=applied["SecurityConfiguration"]
    )
    capsys.readouterr()

    assert emrfs_xacct("verify", partner_file, aws, "--security-configuration", "emrfs-xacct-another-one") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["security_configuration"] == "emrfs-xacct-another-one"
    # A name EMR does not hold is refused (exit 2) as revoke refuses it, not read as a broken link (OX248).
    assert emrfs_xacct("verify", partner_file, aws, "--security-configuration", "emrfs-xacct-no-such-one") == 2
    assert capsys.readouterr().out == ""

    _edited(partner_file, lambda p: p["emr"].update(ec2_role_name="EMR_EC2_OtherRole"))
    assert emrfs_xacct("verify", partner_file, aws) == 1
    out = capsys.readouterr().out
    assert "the EMR EC2 role 'EMR_EC2_OtherRole' was not found" in out


def _one_mapping_object(partner: dict[str, Any]) -> None:
    """``security_configuration.role_mappings`` given as one mapping, not a list of one (docs/cli.md takes both)."""
    partner["security_configuration"]["role_mappings"] = {
        "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{partner['destination']['role_name']}",
        "IdentifierType": "Prefix",
        "Identifiers": partner["destination"]["s3_prefixes"],
    }


def test_role_mappings_given_as_one_mapping_work_as_a_list_of_one(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    One mapping object is a list of one (``validate_role_mappings``, as CreateEmrfsSecurityConfigOperator reads it):
    the command line reads the file's values once, normalised, so no later reader meets the object (the accounts'
    check iterated it and exited 70, "a bug").
    """
    listed = _edited(partner_file, lambda p: p["security_configuration"].update(role_mappings=[_mapping_of(p)]))
    as_read = cli.load_partner(partner_file)
    assert emrfs_xacct("plan", partner_file, aws) == 0, capsys.readouterr().err
    as_list = json.loads(capsys.readouterr().out)
    _edited(partner_file, _one_mapping_object)
    assert cli.load_partner(partner_file) == as_read

    assert emrfs_xacct("plan", partner_file, aws) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out) == as_list  # the same configuration, by the same name
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    assert emrfs_xacct("verify", partner_file, aws) == 0, capsys.readouterr().err
    capsys.readouterr()
    revoke = ("revoke", partner_file, aws, "--keep-security-configuration")
    assert emrfs_xacct(*revoke, "--dry-run") == 0, capsys.readouterr().err
    assert emrfs_xacct(*revoke) == 0, capsys.readouterr().err
    assert state(aws, listed["destination"]["role_name"])["assume"] is None


def _mapping_of(partner: dict[str, Any]) -> dict[str, Any]:
    one: dict[str, Any] = {}
    _one_mapping_object({"destination": partner["destination"], "security_configuration": one})
    return dict(one["role_mappings"])


def test_a_mapping_object_in_another_partition_is_refused_naming_it(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The accounts' check of the mappings' partition reads one mapping object as a list of one too (exit 2, not 70)."""

    def other_partition(partner: dict[str, Any]) -> None:
        _one_mapping_object(partner)
        mapping = partner["security_configuration"]["role_mappings"]
        mapping["Role"] = mapping["Role"].replace("arn:aws:", "arn:aws-cn:")

    _edited(partner_file, other_partition)
    with CallRecorder().everywhere() as calls:
        assert emrfs_xacct("verify", partner_file, aws) == 2
    assert calls.mutating == []
    assert "security_configuration.role_mappings[0].Role: is a role of partition aws-cn" in capsys.readouterr().err


#: Another section of a security configuration: its ``EncryptionConfiguration.EnableInTransitEncryption`` and
#: ``EnableAtRestEncryption`` (AWS Config Developer Guide, "emr-security-configuration-encryption-transit", "-rest").
BASE_CONFIGURATION = {"EncryptionConfiguration": {"EnableInTransitEncryption": False, "EnableAtRestEncryption": False}}


def test_each_value_is_read_once_in_the_shape_the_operators_read_it(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    A file giving each value in another shape the validators take (one prefix or key as a string, ``"True"``, the
    base configuration as JSON text, a null pin, one mapping object) loads as its twin of lists, ``true`` and
    objects, and plans the same: no later reader meets the other shape.
    """
    twin = _edited(
        partner_file,
        lambda p: (
            p["destination"].update(object_acl=True),
            p["security_configuration"].update(role_mappings=[_mapping_of(p)], base_configuration=BASE_CONFIGURATION),
        ),
    )
    canonical = cli.load_partner(partner_file)
    assert emrfs_xacct("plan", partner_file, aws) == 0, capsys.readouterr().err
    planned = json.loads(capsys.readouterr().out)

    def other_shapes(partner: dict[str, Any]) -> None:
        destination = partner["destination"]
        [prefix], [key] = destination["s3_prefixes"], destination["kms_key_arns"]
        destination.update(s3_prefixes=prefix, kms_key_arns=key, object_acl="True", expected_account_id=None)
        _one_mapping_object(partner)
        partner["security_configuration"]["role_mappings"]["Identifiers"] = prefix
        partner["security_configuration"]["base_configuration"] = json.dumps(BASE_CONFIGURATION)

    assert _edited(partner_file, other_shapes) != twin
    assert cli.load_partner(partner_file) == canonical
    assert emrfs_xacct("plan", partner_file, aws) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out) == planned
