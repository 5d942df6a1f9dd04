"""
Whether a revoke ended the access: in its result (``access_ended``, ``still_granted``) and the command line's status.

Cross-account ``sts:AssumeRole`` needs both the caller's identity policies and the role's trust policy to allow it (IAM
User Guide, "Cross-account policy evaluation logic"). A revoke whose check finds both still allowing it said so only in
a warning, and ``emrfs-xacct revoke`` exited 0, "done" (docs/cli.md), with a JSON that said nothing of it; a read of
that check failing after the writes (an HTTP 503 past the retries) failed the whole revoke as "partially applied"
(exit 4), though nothing was left to apply.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct import cli
from devstack import aws_judge
from devstack.emrfs_writer import read_principal
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, EC2_ONLY_TRUST, EMR_ACCOUNT, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import provision_partner
from tests.integration.test_cli import _edited, emrfs_xacct, partner_file  # noqa: F401 (a fixture)
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, allow_assuming_any_role, revoker
from tests.integration.test_revoke import may_assume as may_assume_as_judged

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

CUSTOM_EC2_ROLE = "custom-ec2"
ASSUME_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}
#: Someone's trust statement on the destination role: the EMR account, delegating to its identity policies.
EMR_ACCOUNT_TRUSTED = {
    "Sid": "EmrAccountOps",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"},
    "Action": "sts:AssumeRole",
}


def applied_with_custom_ec2_role(aws: Seeded, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Apply the partner file ``path`` with the EMR EC2 role ``custom-ec2``; return the destination role's name."""
    client(aws.url, EMR_ACCOUNT, "iam").create_role(RoleName=CUSTOM_EC2_ROLE, AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    partner = _edited(path, lambda p: p["emr"].update(ec2_role_name=CUSTOM_EC2_ROLE))
    assert emrfs_xacct("apply", path, aws) == 0, capsys.readouterr().err
    capsys.readouterr()
    return str(partner["destination"]["role_name"])


def trust_arn(aws: Seeded, role_name: str) -> str:
    """The destination role's ARN as IAM shows it."""
    return str(client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=role_name)["Role"]["Arn"])


def may_assume(aws: Seeded, role_name: str) -> aws_judge.Decision:
    """Whether ``custom-ec2`` may assume the destination role, as the stand-in's judge (not the provider) decides."""
    principal = read_principal(aws.url, f"arn:aws:iam::{EMR_ACCOUNT}:role/{CUSTOM_EC2_ROLE}")
    assert principal is not None
    role = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=role_name)["Role"]
    return aws_judge.authorize(
        principal,
        "sts:AssumeRole",
        role["Arn"],
        resource_policy=role["AssumeRolePolicyDocument"],
        resource_owner=DESTINATION_ACCOUNT,
        resource_policy_name="trust policy",
    )


def test_a_revoke_that_leaves_the_access_exits_7_and_says_what_still_grants_it(
    aws: Seeded,
    partner_file: Path,  # noqa: F811 (test_cli's fixture)
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``custom-ec2`` also holds ``sts:AssumeRole`` on ``*``, and the destination role's trust a statement trusting the
    EMR account: both still allow the assume after the revoke (the judge says so), so the revoke is done but the
    access is not ended: exit 7, not 0 ("done"), and the JSON names both.
    """
    role_name = applied_with_custom_ec2_role(aws, partner_file, capsys)
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=CUSTOM_EC2_ROLE, PolicyName="assume-any-role", PolicyDocument=json.dumps(ASSUME_ANY_ROLE)
    )
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam_b.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    iam_b.update_assume_role_policy(
        RoleName=role_name,
        PolicyDocument=json.dumps({**trust, "Statement": [EMR_ACCOUNT_TRUSTED, *trust["Statement"]]}),
    )

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    assert status == 7, capsys.readouterr().err
    assert cli.ACCESS_NOT_ENDED == 7

    assert may_assume(aws, role_name).allowed
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["summary"].startswith("Applied:"), result["summary"]
    assert result["access_ended"] is False
    assert result["values"]["revoke"]["access_ended"] is False  # the operator's own result (its XCom)
    by = [entry["by"] for entry in result["still_granted"]]
    assert by == [
        f"inline policy assume-any-role of role {CUSTOM_EC2_ROLE}",
        f"the trust policy of {trust_arn(aws, role_name)}",
    ]
    assert result["still_granted"][1]["statement"]["Sid"] == "EmrAccountOps"
    assert all(entry["certain"] for entry in result["still_granted"])
    assert "The access is NOT ended" in captured.err
    assert "emrfs-xacct: revoke done, but the access is NOT ended" in captured.err


def test_a_revoke_that_ends_the_access_exits_0_saying_so(
    aws: Seeded,
    partner_file: Path,  # noqa: F811 (test_cli's fixture)
    capsys: pytest.CaptureFixture[str],
) -> None:
    role_name = applied_with_custom_ec2_role(aws, partner_file, capsys)

    assert emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration") == 0

    assert not may_assume(aws, role_name).allowed
    result = json.loads(capsys.readouterr().out)
    assert (result["access_ended"], result["still_granted"], result["access_not_checked"]) == (True, [], [])


def test_a_read_of_the_check_failing_after_the_writes_leaves_the_revoke_done_and_not_checked(
    aws: Seeded,
    partner_file: Path,  # noqa: F811 (test_cli's fixture)
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    The destination role's ``GetRole`` answers HTTP 503 past its retries once the revoke's last write (the key policy)
    is made: the writes are all done, so the revoke is too (not "partially applied", exit 4), with a warning that the
    access was not checked, ``access_ended`` null and the command line's "not checked" status, 5.
    """
    partner = cli.load_partner(partner_file)
    role_name = partner["destination"]["role_name"]
    assert emrfs_xacct("apply", partner_file, aws) == 0
    capsys.readouterr()
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # retried once, then failing (botocore retries a 503)
    written: list[str] = []

    def unavailable_after_the_writes(operation: str) -> tuple[int, str, str] | None:
        if operation == "PutKeyPolicy":
            written.append(operation)
        if operation == "GetRole" and written:
            return (503, "ServiceUnavailable", "Service Unavailable")
        return None

    with FaultProxy(aws.url, intercept=unavailable_after_the_writes) as proxy:
        status = emrfs_xacct(
            "revoke", partner_file, dataclasses.replace(aws, url=proxy.url), "--keep-security-configuration"
        )

    captured = capsys.readouterr()
    assert status == cli.NOT_CHECKED, captured.err
    assert written
    result = json.loads(captured.out)
    assert "failed" not in result
    assert result["summary"] == "Applied: 0 added, 2 changed, 1 destroyed.", result["summary"]
    assert result["access_ended"] is None
    assert result["still_granted"] == []
    assert "ServiceUnavailable" in result["access_not_checked"][0]
    assert "is ended is NOT checked: a read after the revoke failed" in captured.err
    role_arn = trust_arn(aws, role_name)
    assert role_arn not in json.dumps(
        client(aws.url, DESTINATION_ACCOUNT, "kms").get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")
    )


def test_the_operator_succeeds_and_its_result_says_the_access_is_not_ended(aws: Seeded) -> None:
    """
    In Airflow the task succeeds (its writes are done) and its result (XCom ``return_value``) says what still grants
    the access: with the trust kept, the EMR EC2 role's ``sts:AssumeRole`` grant on ``*`` (the judge says so).
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)

    result, _, _ = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert may_assume_as_judged(aws, PARTNER_1).allowed
    assert result["plan"]
    assert result["access_ended"] is False
    [grant, trust] = result["still_granted"]
    assert grant["by"].startswith("inline policy assume-any-role of role ")
    assert grant["statement"] == ASSUME_ANY_ROLE["Statement"][0]
    assert trust["statement"] is None
    assert "remove_destination_trust=False" in trust["by"]
