"""
The command line and a destination role under a path: the role's ARN holds its path (IAM User Guide, "IAM
identifiers", "IAM ARNs"), so a sub-command that cannot read it stops instead of acting on the ARN built from the
name, a mapping naming the role without its path is refused, and a denied key-policy read is a denial naming the file.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import yaml

from airflow_provider_emrfs_xacct import cli
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, EC2_ONLY_TRUST, EMR_ACCOUNT, client
from devstack.testing import CallRecorder, moto_authorization
from tests.integration.test_cli import _edited, denied, emrfs_xacct, partner_file, state

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest

    from devstack.moto_stack import Seeded

ROLE = "emrfs-partner-b-writer"
PATHED = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partners/{ROLE}"
PATHLESS = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE}"
__all__ = ["denied", "partner_file"]  # the fixtures, imported for the tests below


def make_pathed_role(aws: Seeded) -> str:
    """The destination role, made under ``/partners/`` before any apply (an existing role keeps its path)."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    arn = str(iam.create_role(RoleName=ROLE, Path="/partners/", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]["Arn"])
    assert arn == PATHED
    return arn


def mapped_to(role: str) -> Callable[[dict[str, Any]], None]:
    """An edit of the partner file: its prefixes mapped to ``role`` by a mapping of its own."""

    def edit(partner: dict[str, Any]) -> None:
        partner["security_configuration"]["role_mappings"] = [
            {"Role": role, "IdentifierType": "Prefix", "Identifiers": partner["destination"]["s3_prefixes"]}
        ]

    return edit


def test_revoke_that_cannot_read_a_pathed_roles_arn_refuses_instead_of_saying_no_changes(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The revoke finds the role by its ARN, path included, in the EMR EC2 role's grant and the key policy: with
    ``iam:GetRole`` denied, the ARN built from the name is another role's, and a revoke by it said "No changes."
    (exit 0) while both still named the role. It stops before any change (exit 3), naming the refused read, with
    ``--keep-destination-trust`` and ``--dry-run`` too.
    """
    assert cli.load_partner(partner_file)["destination"]["role_name"] == ROLE
    make_pathed_role(aws)
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    capsys.readouterr()
    before = state(aws, ROLE)
    assert PATHED in json.dumps(before["assume"])
    assert PATHED in json.dumps(before["key_policy"])
    denied("iam:GetRole")

    for extra in (("--keep-destination-trust",), ("--keep-destination-trust", "--dry-run"), ()):
        with CallRecorder().everywhere() as calls:
            status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration", *extra)
        captured = capsys.readouterr()
        assert (status, captured.out, calls.mutating) == (3, "", []), (extra, captured.err)
        assert (
            f"reading the destination role's ARN (iam:GetRole on RoleName={ROLE}) through the destination connection: "
            "denied (AccessDenied" in captured.err
        )
        assert "A role's ARN holds its path" in captured.err
        assert f"{PATHLESS}, the ARN built from the name, is another role's" in captured.err
        assert "Grant the destination connection iam:GetRole on the role" in captured.err
        assert "(nothing was changed)" in captured.err

    moto_authorization(aws.url, "inf")
    assert state(aws, ROLE) == before


def test_a_mapping_naming_the_destination_role_without_its_path_is_refused_before_any_write(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    docs/cli.md: ``plan`` and ``apply`` refuse (exit 2, naming ``security_configuration.role_mappings[N].Role``) a
    mapping to a role apply does not let the EMR EC2 role assume: the path-less ARN of a role made under a path
    names no role (IAM User Guide, "IAM identifiers"). Its ARN as IAM shows it is taken.
    """
    make_pathed_role(aws)
    _edited(partner_file, mapped_to(PATHLESS))

    for command in ("plan", "apply"):
        with CallRecorder().everywhere() as calls:
            status = emrfs_xacct(command, partner_file, aws)
        captured = capsys.readouterr()
        assert (status, captured.out, calls.mutating) == (2, "", []), captured.err
        assert captured.err.startswith(
            f"emrfs-xacct: {partner_file}: security_configuration.role_mappings[0].Role: is {PATHLESS!r}, but "
            f"destination.role_name is {PATHED!r} as IAM shows it: a role's ARN holds its path"
        ), captured.err

    _edited(partner_file, mapped_to(PATHED))
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    assert PATHED in json.dumps(json.loads(capsys.readouterr().out)["applied"]["create_security_configuration"])


def test_a_mapping_naming_a_path_the_role_apply_creates_does_not_have_is_refused(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A role IAM does not have yet is created at ``/`` by apply: a mapping naming it under a path names another role."""
    _edited(partner_file, mapped_to(PATHED))

    with CallRecorder().everywhere() as calls:
        status = emrfs_xacct("apply", partner_file, aws)

    captured = capsys.readouterr()
    assert (status, calls.mutating) == (2, []), captured.err
    assert (
        f"security_configuration.role_mappings[0].Role: is {PATHED!r}, but destination.role_name is {PATHLESS!r} as "
        "apply creates it (IAM has no such role yet)"
    ) in captured.err


def test_verify_with_the_files_own_mappings_fails_a_configuration_it_named_without_the_role(
    aws: Seeded, partner_file: Path, denied: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """
    With ``security_configuration.role_mappings`` in the file, the configuration's name comes from the file alone,
    not from the destination role's ARN: a denied ``iam:GetRole`` does not make "not found" uncertain, and the link
    stays broken (exit 1), not "not checked" with a detail saying the name was worked out from the role's ARN.
    """
    _edited(partner_file, mapped_to(PATHLESS))
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    made = json.loads(capsys.readouterr().out)["values"]["create_security_configuration"]
    client(aws.url, EMR_ACCOUNT, "emr").delete_security_configuration(Name=made)
    denied("iam:GetRole")

    status = emrfs_xacct("verify", partner_file, aws)

    moto_authorization(aws.url, "inf")
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["security_configuration"] == made
    exists = next(link for link in report["links"] if link["link"] == "security configuration exists")
    assert exists["status"] == "fail", exists
    assert "worked out from the destination role's ARN" not in exists["detail"]
    assert (status, report["verdict"]) == (1, "FAIL"), captured.err


def _key_policy_denied(after: int) -> Callable[[str], tuple[int, str, str] | None]:
    """Answer ``GetKeyPolicy`` with KMS's denial once ``after`` of them went through (AWS KMS API Reference, "Common Errors")."""
    seen: list[str] = []

    def intercept(operation: str) -> tuple[int, str, str] | None:
        if operation != "GetKeyPolicy":
            return None
        seen.append(operation)
        if len(seen) <= after:
            return None
        return (400, "AccessDeniedException", "User is not authorized to perform: kms:GetKeyPolicy")

    return intercept


def test_a_denied_key_policy_read_exits_3_naming_the_files_key(
    aws: Seeded, partner_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    docs/cli.md: a denied call exits 3 (not 2, "the input was refused"), and what a step refuses names the partner
    file's field: ``destination.kms_key_arns[0]``, not the operator's ``key_arn``. While applying (exit 4) the
    field is named too, the error kept a denial.
    """
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    key = cli.load_partner(partner_file)["destination"]["kms_key_arns"][0]
    with FaultProxy(aws.url, intercept=_key_policy_denied(after=0)) as proxy:
        status = emrfs_xacct("plan", partner_file, dataclasses.replace(aws, url=proxy.url))
    captured = capsys.readouterr()
    assert (status, captured.out) == (3, ""), captured.err
    assert (
        f"emrfs-xacct: {partner_file}: destination.kms_key_arns[0]: kms:GetKeyPolicy on KeyId={key} was denied in "
        f"account {DESTINATION_ACCOUNT}"
    ) in captured.err
    assert "(step grant_kms_key_user_0; nothing was changed)" in captured.err

    # The plan's read goes through, the apply's is denied: partially applied, the step's error naming the file's key.
    with FaultProxy(aws.url, intercept=_key_policy_denied(after=1)) as proxy:
        status = emrfs_xacct("apply", partner_file, dataclasses.replace(aws, url=proxy.url))
    captured = capsys.readouterr()
    assert status == cli.PARTIALLY_APPLIED, captured.err
    failed = json.loads(captured.out)["failed"]
    assert failed["step"] == "grant_kms_key_user_0"
    assert failed["error"].startswith(
        f"{partner_file}: destination.kms_key_arns[0]: kms:GetKeyPolicy on KeyId={key} was denied"
    ), failed
    assert yaml.safe_load(partner_file.read_text())["destination"]["kms_key_arns"] == [key]

    # The revoke reads the key policy too: a denial there is a denial (exit 3), not a refused input (2).
    with FaultProxy(aws.url, intercept=_key_policy_denied(after=0)) as proxy:
        status = emrfs_xacct(
            "revoke", partner_file, dataclasses.replace(aws, url=proxy.url), "--keep-security-configuration"
        )
    captured = capsys.readouterr()
    assert (status, captured.out) == (3, ""), captured.err
    # Named as the revoke's own kms_key_arns[0] gave it: the file's key, not the grant operator's key_arn.
    assert (
        f"emrfs-xacct: {partner_file}: destination.kms_key_arns[0]: kms:GetKeyPolicy on KeyId={key} was denied in "
        f"account {DESTINATION_ACCOUNT}"
    ) in captured.err
    assert "(step revoke; nothing was changed)" in captured.err


def test_revoke_of_a_pathed_role_deleted_by_hand_takes_it_out_of_the_emr_ec2_roles_grant(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    The partner deletes its role (made under ``/partners/``) by hand after ``apply``: ``GetRole`` answers
    ``NoSuchEntity``, and the revoke is given the ARN built from the name, without the path. A role's name alone tells
    it in its account (IAM API Reference, "CreateRole", ``RoleName``: names "must be unique within the account"), so
    the revoke takes every ARN of that name out of the grant. Before, it exited 0 while the EMR EC2 role's grant still
    allowed ``sts:AssumeRole`` on ``…:role/partners/…``, which a role made again at that path would answer.
    """
    make_pathed_role(aws)
    assert emrfs_xacct("apply", partner_file, aws) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert PATHED in json.dumps(state(aws, ROLE)["assume"])
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        iam.delete_role_policy(RoleName=ROLE, PolicyName=name)
    iam.delete_role(RoleName=ROLE)

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert status == 0, captured.err
    after = state(aws, ROLE)
    assert after["role"] is None
    assert PATHED not in json.dumps(after["assume"])  # before: still granted
    assert PATHED not in json.dumps(after["key_policy"])


def test_a_mapping_naming_the_destination_role_in_another_case_is_refused_before_any_write(
    aws: Seeded, partner_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    IAM finds a role by its name in any case, but a policy's ``Resource`` compares the name as written (IAM User
    Guide, "IAM JSON policy elements: Resource": "the IAM user name is case sensitive"): apply grants the EMR EC2
    role ``sts:AssumeRole`` on the role as IAM spells it, so a mapping spelling it otherwise names a role EMRFS may
    not assume. Before, ``plan`` and ``apply`` took it (exit 0) and ``verify`` then failed the chain (exit 5).
    Refused (exit 2) before any write, naming the field and IAM's spelling, as a mapping without the path is.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    shown = str(
        iam.create_role(RoleName="pathed-writer", Path="/team/", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]["Arn"]
    )
    assert shown == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/team/pathed-writer"
    other_case = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/team/Pathed-Writer"

    def to_the_pathed_writer(role: str) -> Callable[[dict[str, Any]], None]:
        def edit(partner: dict[str, Any]) -> None:
            partner["destination"]["role_name"] = "pathed-writer"
            mapped_to(role)(partner)

        return edit

    _edited(partner_file, to_the_pathed_writer(other_case))
    for command in ("plan", "apply"):
        with CallRecorder().everywhere() as calls:
            status = emrfs_xacct(command, partner_file, aws)
        captured = capsys.readouterr()
        assert (status, captured.out, calls.mutating) == (2, "", []), captured.err
        assert captured.err.startswith(
            f"emrfs-xacct: {partner_file}: security_configuration.role_mappings[0].Role: is {other_case!r}, but "
            f"destination.role_name is {shown!r} as IAM shows it"
        ), captured.err
        assert "the name is spelt in another case, and in a policy's Resource it is case sensitive" in captured.err
        assert f"Map them to {shown!r}" in captured.err

    _edited(partner_file, to_the_pathed_writer(shown))
    assert emrfs_xacct("plan", partner_file, aws) == 0, capsys.readouterr().err
