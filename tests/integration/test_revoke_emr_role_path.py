"""
Whether a revoke ended the access when the EMR EC2 role is under a path and ``iam:GetRole`` of it is refused.

A role's ARN holds its path (IAM User Guide, "IAM identifiers", "IAM ARNs"), and a trust policy names the role by that
ARN (IAM User Guide, "AWS JSON policy elements: Principal"). Cross-account ``sts:AssumeRole`` needs both the caller's
identity policies and the role's trust policy to allow it (IAM User Guide, "Cross-account policy evaluation logic").
With ``GetRole`` refused the revoke judged the trust against the ARN built from the name, without the path: a
statement naming the role at its path did not match, and the revoke said the access ended (exit 0) while AWS still
allowed it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from airflow_provider_emrfs_xacct import cli
from devstack import aws_judge
from devstack.emrfs_writer import read_principal
from devstack.moto_stack import DESTINATION_ACCOUNT, EC2_ONLY_TRUST, EMR_ACCOUNT, client
from devstack.testing import answer_denials_like_aws, moto_authorization, moto_user, provisioner_roles, run_operator
from tests.integration.partners import provision_partner
from tests.integration.test_cli import _edited, emrfs_xacct, partner_file
from tests.integration.test_custom_ec2_role import PIPELINE_ROLE, create_pipeline_role
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, revoker
from tests.integration.test_revoke_options import deny_in_destination, trust_statement_of_someone_else

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from devstack.moto_stack import Seeded

__all__ = ["deny_in_destination", "partner_file"]  # the fixtures, imported for the tests below

ROLE = "custom-ec2"
PATHED = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr/{ROLE}"
PATHLESS = f"arn:aws:iam::{EMR_ACCOUNT}:role/{ROLE}"
ASSUME_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}


@pytest.fixture
def emr_get_role_refused(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[], None]]:
    """
    Yield a switch that denies ``iam:GetRole`` to the EMR connection's role (``PROVISIONER_ROLE`` of the EMR account)
    and turns moto's IAM authorization on (off again however the test ends), as test_cli.py's ``denied`` does for the
    destination connection.
    """
    answer_denials_like_aws(monkeypatch)
    user, key = moto_user(aws.url, "laptop")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])

    def deny() -> None:
        provisioner_roles(aws.url, user, {EMR_ACCOUNT: "iam:GetRole"})
        moto_authorization(aws.url, "0")

    try:
        yield deny
    finally:
        moto_authorization(aws.url, "inf")


def applied(aws: Seeded, path: Path, ec2_role: str, role_path: str, capsys: pytest.CaptureFixture[str]) -> str:
    """
    Make the EMR EC2 role ``custom-ec2`` at ``role_path``, apply the partner file with ``emr.ec2_role_name``
    ``ec2_role``, and give the role ``sts:AssumeRole`` on ``*`` (someone's); return the destination role's name.
    """
    iam_a = client(aws.url, EMR_ACCOUNT, "iam")
    iam_a.create_role(RoleName=ROLE, Path=role_path, AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    partner = _edited(path, lambda p: p["emr"].update(ec2_role_name=ec2_role))
    assert emrfs_xacct("apply", path, aws) == 0, capsys.readouterr().err
    capsys.readouterr()
    iam_a.put_role_policy(RoleName=ROLE, PolicyName="assume-any-role", PolicyDocument=json.dumps(ASSUME_ANY_ROLE))
    return str(partner["destination"]["role_name"])


def add_trust_statement(aws: Seeded, role_name: str, principal: str) -> dict[str, object]:
    """Put someone's statement ``Ops`` trusting ``principal`` first in the destination role's trust; return it."""
    statement = {"Sid": "Ops", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam_b.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    iam_b.update_assume_role_policy(
        RoleName=role_name, PolicyDocument=json.dumps({**trust, "Statement": [statement, *trust["Statement"]]})
    )
    return statement


def judged(aws: Seeded, role_name: str, principal_arn: str) -> aws_judge.Decision:
    """Whether the EMR EC2 role may assume the destination role, as the stand-in's judge decides (authorization off)."""
    moto_authorization(aws.url, "inf")
    principal = read_principal(aws.url, principal_arn)
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


def test_a_role_under_a_path_not_read_leaves_the_access_not_checked_not_ended(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``emr.ec2_role_name`` names ``custom-ec2``, made under ``/emr/``; a trust statement someone wrote names it by its
    ARN, path included. ``iam:GetRole`` of it refused, its path is not known: the statement may name it, so the
    revoke cannot say the access ended (it goes on: the judge says so): ``access_ended`` null, exit 5, and
    ``access_not_checked`` names the refused read.
    """
    role_name = applied(aws, partner_file, ROLE, "/emr/", capsys)
    add_trust_statement(aws, role_name, PATHED)
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert judged(aws, role_name, PATHED).allowed
    assert status == cli.NOT_CHECKED, captured.err
    result = json.loads(captured.out)
    assert result["summary"].startswith("Applied:"), result["summary"]
    assert result["access_ended"] is None
    assert result["still_granted"] == []
    [not_checked] = result["access_not_checked"]
    assert f"the ARN (path) of role {ROLE}: iam:GetRole refused" in not_checked
    assert PATHED in not_checked
    assert '"Sid": "Ops"' in not_checked
    assert "Whether the access is ended is NOT checked" in captured.err


def test_the_arn_given_with_its_path_is_used_when_the_role_cannot_be_read(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``emr.ec2_role_name`` gives the ARN, path included: with ``iam:GetRole`` refused the revoke judges the trust by
    that ARN (not one built from the name after the last ``/``), so it finds the access goes on (exit 7) and
    ``still_granted`` names the grant and the ``Ops`` trust statement.
    """
    role_name = applied(aws, partner_file, PATHED, "/emr/", capsys)
    statement = add_trust_statement(aws, role_name, PATHED)
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert judged(aws, role_name, PATHED).allowed
    assert status == cli.ACCESS_NOT_ENDED, captured.err
    result = json.loads(captured.out)
    assert result["access_ended"] is False
    assert result["access_not_checked"] == []
    [grant, trust] = result["still_granted"]
    assert grant["by"] == f"inline policy assume-any-role of role {ROLE}"
    assert trust["statement"] == statement
    assert trust["certain"] is True


def test_a_role_without_a_path_not_read_and_named_nowhere_still_ends_the_access(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``custom-ec2`` at ``/``, ``iam:GetRole`` of it refused, and the trust's other statement names another role of the
    EMR account (under ``/emr/``): nothing names ``custom-ec2`` at any path, so the revoke ends the access (the judge
    agrees) and says so, exit 0, as before.
    """
    role_name = applied(aws, partner_file, ROLE, "/", capsys)
    other = client(aws.url, EMR_ACCOUNT, "iam").create_role(
        RoleName="other-ec2", Path="/emr/", AssumeRolePolicyDocument=EC2_ONLY_TRUST
    )["Role"]["Arn"]
    add_trust_statement(aws, role_name, other)
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert not judged(aws, role_name, PATHLESS).allowed
    assert status == 0, captured.err
    result = json.loads(captured.out)
    assert (result["access_ended"], result["still_granted"], result["access_not_checked"]) == (True, [], [])


@pytest.mark.parametrize("given", ["name", "arn"])
def test_the_operator_judges_by_the_arn_given_else_leaves_a_pathed_trust_not_checked(
    aws: Seeded, deny_in_destination: Callable[..., None], given: str
) -> None:
    """
    The operator alone (as a DAG runs it): the pipeline role under ``/emr/`` holds ``sts:AssumeRole`` on ``*``, a trust
    statement someone wrote names it by its ARN, and ``iam:GetRole`` in the EMR account is refused. Given the name,
    the path is not known: ``access_ended`` ``None``, the refused read named. Given the ARN: its path is used, and the
    statement is found still trusting it.
    """
    pipeline_role_arn = create_pipeline_role(aws.url)
    provision_partner(aws, PARTNER_1, PREFIX_1, emr_ec2_role=(PIPELINE_ROLE, pipeline_role_arn))
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=PIPELINE_ROLE, PolicyName="assume-any-role", PolicyDocument=json.dumps(ASSUME_ANY_ROLE)
    )
    foreign = trust_statement_of_someone_else(aws, pipeline_role_arn)
    deny_in_destination("iam:GetRole", in_account=EMR_ACCOUNT)

    argument = PIPELINE_ROLE if given == "name" else pipeline_role_arn
    result, _, _ = run_operator(revoker(aws, PARTNER_1, emr_ec2_role_name=argument))

    if given == "name":
        assert (result["access_ended"], result["still_granted"]) == (None, [])
        [not_checked] = result["access_not_checked"]
        assert f"the ARN (path) of role {PIPELINE_ROLE}: iam:GetRole refused" in not_checked
        assert pipeline_role_arn in not_checked
    else:
        assert (result["access_ended"], result["access_not_checked"]) == (False, [])
        assert result["still_granted"][1]["statement"] == foreign
