"""The emrfs-xacct command line against two-account moto: plan, apply, verify, revoke, and bad partner files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.policies.documents import ASSUME_POLICY_NAME, KEY_USERS_SID
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_EC2_ROLE, PROVISIONER_ROLE, REGION, Seeded, client
from tests.integration.partners import record_all_calls

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


def emrfs_xacct(command: str, path: Path, aws: Seeded, *extra: str) -> int:
    return cli.main(
        [
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
    )


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
    with record_all_calls() as calls:
        assert emrfs_xacct("plan", partner_file, aws) == 0
    assert calls.mutating == []
    assert state(aws, role_name) == before
    out = capsys.readouterr().out
    assert role_arn in out
    assert configuration in out

    # apply: creates everything.
    assert emrfs_xacct("apply", partner_file, aws) == 0
    after = state(aws, role_name)
    assert after["role"] == role_arn
    assert after["inline"] == ["emrfs-xacct-destination-access"]
    assert role_arn in json.dumps(after["assume"])
    [users] = [statement for statement in after["key_policy"]["Statement"] if statement.get("Sid") == KEY_USERS_SID]
    assert role_arn in json.dumps(users["Principal"])
    assert after["configurations"] == [configuration]

    # A second apply changes nothing.
    capsys.readouterr()
    with record_all_calls() as calls:
        assert emrfs_xacct("apply", partner_file, aws) == 0
    assert calls.mutating == []
    assert state(aws, role_name) == after

    # verify: healthy, then broken.
    capsys.readouterr()
    assert emrfs_xacct("verify", partner_file, aws) == 0
    assert '"healthy": true' in capsys.readouterr().out
    client(aws.url, EMR_ACCOUNT, "iam").delete_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)
    assert emrfs_xacct("verify", partner_file, aws) == 1
    out = capsys.readouterr().out
    assert '"healthy": false' in out
    assert "EMR role can assume destination role" in out
    assert emrfs_xacct("apply", partner_file, aws) == 0  # apply repairs it
    assert emrfs_xacct("verify", partner_file, aws) == 0

    # revoke (dry run first): the partner's access goes, and with --delete-role its role.
    with record_all_calls() as calls:
        assert emrfs_xacct("revoke", partner_file, aws, "--delete-role", "--dry-run") == 0
    assert calls.mutating == []
    assert emrfs_xacct("revoke", partner_file, aws, "--delete-role") == 0
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
    ],
    ids=["not-a-mapping", "missing-section", "not-yaml", "missing-key", "bad-prefix"],
)
def test_a_bad_partner_file_exits_2_with_a_clear_message(
    aws: Seeded, partner_file: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    partner_file.write_text(content)

    with record_all_calls() as calls:
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
