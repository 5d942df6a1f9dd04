"""
EnsureDestinationRoleOperator and a destination role it did not make (outside review J44): one made between the task's
``GetRole`` and its ``CreateRole`` is checked as one the first read found, before anything is written to it; and what
a role that exists keeps of its own (its path, its tags) is warned about.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.quotas import QuotaExceededError
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import DESTINATION_ACCOUNT, Seeded, client
from devstack.testing import run_operator
from tests.integration.test_destination_role import ROLE_NAME, big_inline_policy, make_operator, trust_policy
from tests.integration.test_destination_role_guards import MANAGED_BY
from tests.integration.test_faults import through

if TYPE_CHECKING:
    from collections.abc import Callable

#: Someone else's role: trusted by EC2, no provider tag.
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Ec2", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
ADOPTED = "exists without the emrfs-xacct:managed-by tag"


def _warnings(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    out = capfd.readouterr()
    return out.out + out.err + "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def _before_create_role(make: Callable[[], None]) -> Callable[[str], None]:
    """A fault proxy ``intercept``: ``make`` runs once, at the task's first ``CreateRole``, before it reaches the stand-in."""
    made: list[str] = []

    def intercept(operation: str) -> None:
        if operation == "CreateRole" and not made:
            made.append(operation)
            make()

    return intercept


def _run_racing(aws: Seeded, monkeypatch: pytest.MonkeyPatch, make: Callable[[], None], **overrides: Any) -> FaultProxy:
    """Run the operator with ``make`` creating the role between its ``GetRole`` (none) and its ``CreateRole``."""
    with through(FaultProxy(aws.url, intercept=_before_create_role(make)), aws, monkeypatch) as proxy:
        try:
            run_operator(make_operator(aws, **overrides))
        finally:
            assert proxy.requests["CreateRole"] == 1  # the race happened: the role was missing at the first read
    return proxy


def test_a_role_made_before_create_role_is_warned_about_as_one_found(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    CreateRole answers EntityAlreadyExists (IAM API Reference, "CreateRole", "Errors") and the task merges into the
    role that is there: whoever its trust lets assume it gets every permission of its policies (IAM User Guide,
    "Cross-account policy evaluation logic"), so the role someone else made meanwhile is warned about as one found
    by the first read is, with its path.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    def someone_else() -> None:
        iam.create_role(RoleName=ROLE_NAME, Path="/team/", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))

    _run_racing(aws, monkeypatch, someone_else)
    logged = _warnings(caplog, capfd)
    assert ADOPTED in logged
    assert "exists with path /team/ (role_path / is used only when creating it)" in logged
    sids = [item.get("Sid") for item in trust_policy(iam)["Statement"]]
    assert sids == ["Ec2", "EmrfsXacctTrustEmrRoles"]  # merged into, the other statement kept


def test_a_service_linked_role_made_before_create_role_is_refused_before_any_write_to_it(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    IAM refuses every change to a service-linked role (IAM API Reference, UpdateAssumeRolePolicy, "Errors":
    UnmodifiableEntity): one made meanwhile is refused naming role_name, as one the first read found, before any write.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    name = iam.create_service_linked_role(AWSServiceName="elasticmapreduce.amazonaws.com")["Role"]["RoleName"]
    iam.delete_role(RoleName=name)

    def emr() -> None:
        iam.create_service_linked_role(AWSServiceName="elasticmapreduce.amazonaws.com")

    with pytest.raises(InvalidParameterError, match="service-linked") as refused:
        _run_racing(aws, monkeypatch, emr, role_name=name)
    assert refused.value.field == "role_name"
    assert "AssumeRolePolicyDocument" in iam.get_role(RoleName=name)["Role"]


def test_a_role_made_before_create_role_has_its_other_inline_policies_counted_before_any_write(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    IAM counts all inline policies of a role together against 10,240 characters ("IAM and AWS STS quotas", role
    policy size): a role made meanwhile with another policy of 9,500 is not one with none to count. Refused before
    its trust is written, as for a role the first read found.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    def someone_else() -> None:
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[MANAGED_BY])
        document = json.dumps(big_inline_policy(9500))
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-extra", PolicyDocument=document)

    with pytest.raises(QuotaExceededError) as refused:
        _run_racing(aws, monkeypatch, someone_else)
    assert refused.value.field == "s3_prefixes"
    assert trust_policy(iam) == EC2_TRUST  # nothing written to it
    assert iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"] == ["team-extra"]


def emr_trust(aws: Seeded) -> dict[str, Any]:
    """Someone else's trust that already lets the EMR EC2 role assume the role: the task has no trust to write."""
    statement = {
        "Sid": "Team",
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": "sts:AssumeRole",
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_a_role_made_before_create_role_that_needs_no_trust_write_is_still_checked(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The role made meanwhile already trusts the EMR EC2 role, so its trust needs no write: it is checked all the same
    on the read that found it (regression review J45: the check ran only before a trust write, and the inline policy
    went into someone else's untagged role with no warning).
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    def someone_else() -> None:
        iam.create_role(RoleName=ROLE_NAME, Path="/team/", AssumeRolePolicyDocument=json.dumps(emr_trust(aws)))

    _run_racing(aws, monkeypatch, someone_else)
    logged = _warnings(caplog, capfd)
    assert ADOPTED in logged
    assert "exists with path /team/ (role_path / is used only when creating it)" in logged
    assert trust_policy(iam) == emr_trust(aws)  # nothing to write to its trust


def test_a_role_made_before_create_role_that_needs_no_trust_write_has_its_inline_policies_counted(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above, with another inline policy of 9,500 characters: refused naming s3_prefixes before any write."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")

    def someone_else() -> None:
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(emr_trust(aws)), Tags=[MANAGED_BY])
        document = json.dumps(big_inline_policy(9500))
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="team-extra", PolicyDocument=document)

    with pytest.raises(QuotaExceededError) as refused:
        _run_racing(aws, monkeypatch, someone_else)
    assert refused.value.field == "s3_prefixes"
    assert iam.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"] == ["team-extra"]


def test_an_existing_roles_other_path_is_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """``CreateRole`` alone sets a role's path (IAM API Reference, "CreateRole", Path): a role at /team/ keeps it."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(
        RoleName=ROLE_NAME, Path="/team/", AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[MANAGED_BY]
    )
    run_operator(make_operator(aws, role_path="/"))
    arn = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/team/{ROLE_NAME}"
    assert f"Role {arn} exists with path /team/ (role_path / is used only when creating it)" in _warnings(caplog, capfd)


@pytest.mark.parametrize(
    ("held", "asked", "warned"),
    [
        ([], {"Team": "data"}, "Team=data (none)"),
        ([{"Key": "Team", "Value": "ops"}], {"Team": "data"}, "Team=data (Team=ops)"),
        ([{"Key": "team", "Value": "ops"}], {"Team": "data"}, "Team=data (team=ops)"),
        ([{"Key": "team", "Value": "data"}], {"Team": "data", "Cost": ""}, "Cost= (none)"),
        ([{"Key": "team", "Value": "data"}], {"Team": "data"}, None),  # one key to IAM, the same value
        ([{"Key": "Team", "Value": "data"}, {"Key": "Other", "Value": "x"}], {"Team": "data"}, None),
    ],
)
def test_role_tags_an_existing_role_lacks_are_warned_about(
    aws: Seeded,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    held: list[dict[str, str]],
    asked: dict[str, str],
    warned: str | None,
) -> None:
    """
    ``CreateRole`` alone takes ``Tags`` here: a role that exists keeps its own, unchanged, and a run names the
    role_tags it lacks or holds with another value. Tag keys are compared without case: IAM's are "not case sensitive"
    (IAM User Guide, "Tagging IAM resources", "Case sensitivity"); values are.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[MANAGED_BY, *held])
    run_operator(make_operator(aws, role_tags=asked))
    logged = _warnings(caplog, capfd)
    assert (warned is not None) == ("role_tags" in logged), logged
    if warned is not None:
        assert f"lacks role_tags {warned}" in logged
        assert "role_tags is used only when creating it" in logged
    tags = iam.get_role(RoleName=ROLE_NAME)["Role"]["Tags"]
    assert sorted(tag["Key"] for tag in tags) == sorted(tag["Key"] for tag in [MANAGED_BY, *held])


def test_the_stand_in_answers_entity_already_exists_to_a_second_create_role(aws: Seeded) -> None:
    """What the race rests on (IAM API Reference, "CreateRole", "Errors": EntityAlreadyExists)."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    with pytest.raises(ClientError, match="EntityAlreadyExists"):
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
