"""
Whether a revoke ended the access when the EMR EC2 role is under a path and ``iam:GetRole`` of it is refused.

A role's ARN holds its path (IAM User Guide, "IAM identifiers", "IAM ARNs"), and a trust policy names the role by that
ARN (IAM User Guide, "AWS JSON policy elements: Principal"). Cross-account ``sts:AssumeRole`` needs both the caller's
identity policies and the role's trust policy to allow it (IAM User Guide, "Cross-account policy evaluation logic").
With ``GetRole`` refused the revoke judged the trust against the ARN built from the name, without the path: a
statement naming the role at its path did not match, and the revoke said the access ended (exit 0) while AWS still
allowed it.

IAM keeps a role named in a trust policy's ``Principal`` as its unique ID and shows it back as the role's ARN (IAM User
Guide, "AWS JSON policy elements: Principal": "When you save the policy, AWS transforms the ARN to a unique principal
ID", and "a reverse transformation back to the ARN when the trust policy is displayed"), and a role's name alone tells
it in its account (IAM API Reference, "CreateRole", ``RoleName``): so the ARN the trust policy shows for the role's
name, as read before the revoke's write (the provider's statement names it), is the role's, path included.
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
#: What the revoke cannot tell with ``iam:GetRole`` of the EMR EC2 role refused: a boundary could end the access
#: (IAM User Guide, "Permissions boundaries for IAM entities"), and only GetRole shows one (ListRoles does not).
WHETHER_BOUNDARY = f"whether role {ROLE} has a permissions boundary: iam:GetRole refused"
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


def add_trust_statement_last(aws: Seeded, role_name: str, statement: dict[str, object]) -> None:
    """Put someone's ``statement`` last in the destination role's trust."""
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam_b.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    iam_b.update_assume_role_policy(
        RoleName=role_name, PolicyDocument=json.dumps({**trust, "Statement": [*trust["Statement"], statement]})
    )


def store_trust_as_is(role_name: str, statements: list[dict[str, object]]) -> None:
    """
    Make ``statements`` (each on ``sts:AssumeRole``) the whole trust policy of the destination role in moto's own store,
    past the stand-in's checks: for a trust IAM cannot hold.
    """
    from moto.iam.models import iam_backends

    document = {
        "Version": "2012-10-17",
        "Statement": [{**statement, "Action": "sts:AssumeRole"} for statement in statements],
    }
    for backend in iam_backends[DESTINATION_ACCOUNT].values():
        for role in backend.roles.values():
            if role.name == role_name:
                role.assume_role_policy_document = json.dumps(document)
                return
    raise AssertionError(f"no role {role_name} in moto's store")


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


def test_a_role_under_a_path_not_read_is_judged_at_the_path_the_trust_shows(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``emr.ec2_role_name`` names ``custom-ec2``, made under ``/emr/``; a trust statement someone wrote names it by its
    ARN, path included. ``iam:GetRole`` of it refused, the trust policy as read before the revoke's write tells its
    path (the provider's statement and ``Ops`` name it so): judged there, the grant and ``Ops`` still let it assume
    the role (the judge says so), and only a permissions boundary, which GetRole alone shows, could end it: exit 5,
    ``access_not_checked`` naming that read (judged at the path-less ARN, the revoke said ended, exit 0).
    """
    role_name = applied(aws, partner_file, ROLE, "/emr/", capsys)
    statement = add_trust_statement(aws, role_name, PATHED)
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert judged(aws, role_name, PATHED).allowed
    assert status == cli.NOT_CHECKED, captured.err  # judged at the path-less ARN, it said ended (exit 0)
    result = json.loads(captured.out)
    assert result["summary"].startswith("Applied:"), result["summary"]
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [WHETHER_BOUNDARY]
    granted = (
        f"inline policy assume-any-role of role {ROLE} allows sts:AssumeRole on arn:aws:iam::{DESTINATION_ACCOUNT}"
    )
    assert f"{granted}:role/{role_name}" in captured.err
    assert "still trusts role custom-ec2 in a statement this provider did not write" in captured.err
    assert json.dumps(statement, sort_keys=True) in captured.err


def test_a_deny_naming_the_role_at_its_path_ends_the_access_when_the_role_cannot_be_read(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``custom-ec2`` under ``/emr/``, named by its name only, ``iam:GetRole`` of it refused; someone's ``Allow`` trusts
    the EMR account and someone's ``Deny`` names the role at its path. An explicit deny overrides the allow (IAM User
    Guide, "Policy evaluation logic"): the judge refuses. The revoke judged the path-less ARN (the ``Deny`` missed) and
    said the access goes on (exit 7); the provider's statement, as read before the write, tells the path: ended, exit 0.
    """
    role_name = applied(aws, partner_file, ROLE, "/emr/", capsys)
    add_trust_statement(aws, role_name, f"arn:aws:iam::{EMR_ACCOUNT}:root")
    deny = {"Sid": "NoCustom", "Effect": "Deny", "Principal": {"AWS": PATHED}, "Action": "sts:AssumeRole"}
    add_trust_statement_last(aws, role_name, deny)
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert not judged(aws, role_name, PATHED).allowed
    assert status == 0, captured.err
    result = json.loads(captured.out)
    assert (result["access_ended"], result["still_granted"], result["access_not_checked"]) == (True, [], [])


def test_an_arn_given_without_the_path_gives_way_to_the_one_the_trust_shows(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``emr.ec2_role_name`` gives ``custom-ec2``'s ARN without its path ``/emr/``: apply wrote the ARN ``GetRole`` shows
    into the trust, and someone's statement trusts it so too. With ``GetRole`` refused at the revoke the given ARN was
    taken as true, the statement missed, exit 0 while the judge allows: now the trust's ARN wins (with a warning),
    the statement is named, and whether a boundary ends the access is not known: exit 5.
    """
    role_name = applied(aws, partner_file, PATHLESS, "/emr/", capsys)
    statement = add_trust_statement(aws, role_name, PATHED)
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert judged(aws, role_name, PATHED).allowed
    assert status == cli.NOT_CHECKED, captured.err  # judged at the ARN given, it said ended (exit 0)
    result = json.loads(captured.out)
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [WHETHER_BOUNDARY]
    assert f"inline policy assume-any-role of role {ROLE} allows sts:AssumeRole" in captured.err
    assert json.dumps(statement, sort_keys=True) in captured.err
    assert f"emr_ec2_role_name gives {PATHLESS}, but the trust policy names role {ROLE} as {PATHED}" in captured.err


def test_a_role_named_at_two_other_paths_only_leaves_the_access_not_checked(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``custom-ec2`` under ``/emr/``, named by its name only, ``iam:GetRole`` of it refused, and the provider's trust
    statement already gone: someone's ``Allow`` trusts the EMR account, and someone's ``Deny`` names ``custom-ec2``
    under ``/other/`` and under ``/team/``. IAM cannot hold that trust (it shows the one role by its one ARN, and
    refuses a principal that does not exist, as the stand-in does), so it is written into moto's store directly.
    Nothing tells the path, and the ``Deny`` may be the role's: the revoke said the access goes on, certain (exit 7);
    now ``access_ended`` null, exit 5, ``access_not_checked`` naming the refused read and the ``Deny``.
    """
    role_name = applied(aws, partner_file, ROLE, "/emr/", capsys)
    other, team = (f"arn:aws:iam::{EMR_ACCOUNT}:role/{path}/{ROLE}" for path in ("other", "team"))
    store_trust_as_is(
        role_name,
        [
            {"Sid": "Ops", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{EMR_ACCOUNT}:root"}},
            {"Sid": "NotThere", "Effect": "Deny", "Principal": {"AWS": [other, team]}},
        ],
    )
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert status == cli.NOT_CHECKED, captured.err
    result = json.loads(captured.out)
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    [not_checked] = result["access_not_checked"]
    assert (
        f"the ARN (path) of role {ROLE}: iam:GetRole refused, and the trust policy names it at 2 paths" in not_checked
    )
    assert f"judges {other} otherwise" in not_checked
    assert '"Sid": "NotThere"' in not_checked
    assert "Whether the access is ended is NOT checked" in captured.err


def test_the_arn_given_with_its_path_is_used_when_the_role_cannot_be_read(
    aws: Seeded,
    partner_file: Path,  # test_cli's fixture
    emr_get_role_refused: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    ``emr.ec2_role_name`` gives the ARN, path included: with ``iam:GetRole`` refused the revoke judges the trust by
    that ARN (not one built from the name after the last ``/``), so it finds the grant and the ``Ops`` trust statement
    still letting it assume the role: not ended unless a boundary (not read) ends it, exit 5 (exit 0 before).
    """
    role_name = applied(aws, partner_file, PATHED, "/emr/", capsys)
    statement = add_trust_statement(aws, role_name, PATHED)
    emr_get_role_refused()

    status = emrfs_xacct("revoke", partner_file, aws, "--keep-security-configuration")

    captured = capsys.readouterr()
    assert judged(aws, role_name, PATHED).allowed
    assert status == cli.NOT_CHECKED, captured.err  # judged at the ARN built from the name, it said ended (exit 0)
    result = json.loads(captured.out)
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [WHETHER_BOUNDARY]
    granted = (
        f"inline policy assume-any-role of role {ROLE} allows sts:AssumeRole on arn:aws:iam::{DESTINATION_ACCOUNT}"
    )
    assert f"{granted}:role/{role_name}" in captured.err
    assert json.dumps(statement, sort_keys=True) in captured.err


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
def test_the_operator_judges_by_the_arn_the_trust_shows_given_the_name_or_the_arn(
    aws: Seeded, deny_in_destination: Callable[..., None], given: str
) -> None:
    """
    The operator alone (as a DAG runs it): the pipeline role under ``/emr/`` holds ``sts:AssumeRole`` on ``*``, a trust
    statement someone wrote names it by its ARN, and ``iam:GetRole`` in the EMR account is refused. Given the name or
    the ARN, the trust policy as read before the revoke's write shows the path: the statement is found still trusting
    it, and the access is not checked only for the boundary GetRole would show.
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

    # Found still trusting it (given the name, it used to leave the access not checked for the path, and judged at
    # another path it would be ended); whether a boundary ends it is not known with GetRole refused.
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [
        f"whether role {PIPELINE_ROLE} has a permissions boundary: iam:GetRole refused"
    ]
    trust = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=PARTNER_1)["Role"]["AssumeRolePolicyDocument"]
    assert foreign in trust["Statement"]  # kept as it is, and it still trusts the role at its path
