"""
The revoke's destination trust step and the way around it: ``remove_destination_trust`` against two-account moto.

Cross-account ``sts:AssumeRole`` needs both the caller's identity policies and the role's trust policy to allow it
(IAM User Guide, "Cross-account policy evaluation logic"): the revoke normally takes the EMR EC2 role out of both.
When the destination side cannot be changed (its connection may not, or a statement there must be fixed by hand),
each refusal comes before anything changed and names the argument that revokes the EMR side alone.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import AccessDeniedError, ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.merge import same_identity, same_role
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    PROVISIONER_ROLE,
    Seeded,
    client,
)
from devstack.testing import (
    ALLOW_EVERYTHING,
    CallRecorder,
    answer_denials_like_aws,
    moto_authorization,
    provisioner_roles,
    run_operator,
    sign_connections_as_moto_user,
)
from tests.integration.partners import (
    AUDITOR_STATEMENT,
    create_auditor,
    ensure_destination_role,
    grant_key_users,
    provision_partner,
    role_arn,
)
from tests.integration.state import changes, snapshot
from tests.integration.test_custom_ec2_role import PIPELINE_ROLE, create_pipeline_role
from tests.integration.test_revoke import (
    PARTNER_1,
    PREFIX_1,
    allow_assuming_any_role,
    assumable,
    key_users,
    may_assume,
    revoker,
    role_exists,
    trust_policy,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

WAY_OUT = "remove_destination_trust=False"
EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def trusted_by_us(aws: Seeded, role_name: str) -> list[str]:
    [ours] = [statement for statement in trust_policy(aws, role_name)["Statement"] if statement.get("Sid") == TRUST_SID]
    return as_list(ours["Principal"].get("AWS")) if ours["Effect"] == "Allow" else []


@pytest.fixture
def deny_in_destination(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """
    Yield a switch that denies one action to the destination connection's role (or, with ``in_account``, that
    account's connection's role) and turns moto's authorization on.

    The connections assume ``PROVISIONER_ROLE`` in each account; moto checks the identity policies of the
    credentials it issued once ``/moto-api/reset-auth`` is ``0`` (as tests/integration/test_faults.py does), so the
    connections' own keys become those of a user moto issued (as tests/integration/test_cli.py's ``denied``).
    """
    answer_denials_like_aws(monkeypatch)
    user = sign_connections_as_moto_user(aws.url, monkeypatch)

    def deny(action: str, in_account: str = DESTINATION_ACCOUNT) -> None:
        provisioner_roles(aws.url, user, {in_account: action})
        moto_authorization(aws.url, "0")

    try:
        yield deny
    finally:
        moto_authorization(aws.url, "inf")


def allow_everything_in_destination(aws: Seeded) -> None:
    """Take the Deny :func:`deny_in_destination` added out of the destination connection's role: allowed again."""
    client(aws.url, DESTINATION_ACCOUNT, "iam").put_role_policy(
        RoleName=PROVISIONER_ROLE,
        PolicyName="provisioner",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_EVERYTHING]}),
    )


@pytest.mark.parametrize("action", ["iam:GetRole", "iam:UpdateAssumeRolePolicy"])
def test_a_denied_trust_step_changes_nothing_and_names_the_argument_that_revokes_without_it(
    aws: Seeded, deny_in_destination: Callable[[str], None], action: str
) -> None:
    """
    ``GetRole`` is denied in the plan, ``UpdateAssumeRolePolicy`` in the apply (no plan read can tell): the trust
    step comes first, so either way nothing changed in either account and the partner's access stays whole. The
    message names the action and ``remove_destination_trust=False``, which then revokes the EMR side alone.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    trust = trust_policy(aws, PARTNER_1)
    deny_in_destination(action)
    moto_authorization(aws.url, "inf")
    before = snapshot(aws)
    moto_authorization(aws.url, "0")

    with pytest.raises(AccessDeniedError) as refused:
        run_operator(revoker(aws, PARTNER_1))

    message = str(refused.value)
    assert action in message
    assert "Nothing was changed in either account" in message
    assert WAY_OUT in message
    moto_authorization(aws.url, "inf")
    assert changes(before, snapshot(aws)) == {}

    moto_authorization(aws.url, "0")
    run_operator(revoker(aws, PARTNER_1, remove_destination_trust="False"))  # templated: rendered text

    moto_authorization(aws.url, "inf")
    assert assumable(aws) is None
    assert key_users(aws) is None
    assert trust_policy(aws, PARTNER_1) == trust  # the destination trust, left as it was


def an_orphaned_id_in_a_trust_statement_not_ours(aws: Seeded) -> str:
    """Someone's trust statement names a role deleted since: IAM shows its unique ID and refuses to save it."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    deleted = iam.create_role(RoleName="console-user", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]
    trust = trust_policy(aws, PARTNER_1)
    theirs = {"Sid": "Console", "Effect": "Allow", "Principal": {"AWS": deleted["Arn"]}, "Action": "sts:AssumeRole"}
    iam.update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps({**trust, "Statement": [*trust["Statement"], theirs]})
    )
    iam.delete_role(RoleName="console-user")
    return f"statement 'Console' names {deleted['RoleId']!r}"


def a_role_of_that_name_at_another_path(aws: Seeded) -> str:
    """The destination role made again under ``/elsewhere/``, trusting as before; return its ARN."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = trust_policy(aws, PARTNER_1)
    for name in iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"]:
        iam.delete_role_policy(RoleName=PARTNER_1, PolicyName=name)
    iam.delete_role(RoleName=PARTNER_1)
    made = iam.create_role(RoleName=PARTNER_1, Path="/elsewhere/", AssumeRolePolicyDocument=json.dumps(trust))
    return str(made["Role"]["Arn"])


def test_a_role_of_that_name_at_another_path_is_the_role_named_and_its_trust_is_revoked(aws: Seeded) -> None:
    """
    "IAM user, group, role, and policy names must be unique within the account" (IAM API Reference, "CreateRole",
    ``RoleName``): the role ``GetRole`` answers for the name is the role named, whatever path the ARN given holds. The
    trust step takes the EMR EC2 role out of its trust; before, it refused ("not changing its trust policy") and
    advised ``remove_destination_trust=False``, which left that trust to any other grant of the EMR EC2 role.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    elsewhere = a_role_of_that_name_at_another_path(aws)
    assert elsewhere == role_arn(f"elsewhere/{PARTNER_1}") != role_arn(PARTNER_1)
    emr_role = aws.emr_ec2_role_arn

    run_operator(revoker(aws, PARTNER_1))

    assert emr_role not in trusted_by_us(aws, PARTNER_1)
    assert assumable(aws) is None
    assert key_users(aws) is None


def test_the_trust_step_and_the_deletion_refuse_a_role_of_that_name_in_another_account_than_the_arn_given(
    aws: Seeded,
) -> None:
    """
    The one case the trust step still refuses the role its connection finds by the name: a role of another account
    (or partition) than the ARN given is another role. The operator refuses such an ARN before any call
    (``destination_role_arn`` must be in the destination connection's account); the hook refuses it too, writing
    nothing, and so does the deletion (which also refuses a role of that name at another path than the ARN given:
    ``test_revoke_role_paths.py``).
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    trust = trust_policy(aws, PARTNER_1)
    elsewhere = f"arn:aws:iam::333333333333:role/{PARTNER_1}"

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="of another account or partition"):
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).revoke_role_trust(elsewhere, (EMR_ACCOUNT, EMR_EC2_ROLE))

    assert calls.mutating == []
    assert trust_policy(aws, PARTNER_1) == trust

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="not deleting it"):
        EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).delete_provider_role(elsewhere, (EMR_ACCOUNT, EMR_EC2_ROLE))

    assert calls.mutating == []
    assert role_exists(aws, PARTNER_1)


@pytest.mark.parametrize("refusal", [an_orphaned_id_in_a_trust_statement_not_ours])
def test_a_trust_the_revoke_must_refuse_names_the_cause_and_the_argument_that_revokes_without_it(
    aws: Seeded, refusal: Callable[[Seeded], str]
) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    needle = refusal(aws)
    trust = trust_policy(aws, PARTNER_1)
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1))

    message = str(refused.value)
    assert needle in message
    assert "Nothing was changed in either account" in message
    assert WAY_OUT in message
    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}

    run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert assumable(aws) is None
    assert trust_policy(aws, PARTNER_1) == trust  # the destination trust, left as it was
    # A statement of someone else's naming only a deleted role's unique ID lets no one assume the role: its key
    # users go as asked (the role stays one only while someone else can assume it: test_revoke.py).
    assert key_users(aws) is None


@pytest.mark.parametrize(
    ("arguments", "fields"),
    [
        ({"delete_destination_role": True, "remove_destination_trust": False}, ["delete_destination_role", WAY_OUT]),
        ({"delete_destination_role": True, "remove_destination_trust": "false"}, ["delete_destination_role", WAY_OUT]),
        ({"remove_destination_trust": "no"}, ["remove_destination_trust: must be True or False"]),
    ],
)
def test_contradictory_or_unreadable_trust_arguments_are_refused_before_any_call(
    aws: Seeded, arguments: dict[str, Any], fields: list[str]
) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as refused:
        run_operator(revoker(aws, PARTNER_1, **arguments))

    for field in fields:
        assert field in str(refused.value)
    assert calls.calls == []
    assert role_exists(aws, PARTNER_1)


def test_the_trust_and_the_deletion_find_the_role_by_one_rule_its_name_in_any_case(aws: Seeded) -> None:
    """
    IAM names are not distinguished by case (IAM API Reference, "CreateRole", ``RoleName``): ``GetRole`` of
    ``partner-3-writer`` answers the role ``Partner-3-Writer``, whose ARN differs from the one given only in the
    name's case. Both destination steps take it for the role named (the trust step did, the deletion refused it),
    and a role of that name at another path too (``same_role``: the name alone tells a role in its account), while
    ``same_identity`` (the command line's check of a mapping's ARN) still tells the paths apart.
    """
    mixed = "Partner-3-Writer"
    provision_partner(aws, mixed, "s3://partner-results-b/partner-3/")
    given = role_arn(mixed.lower())

    run_operator(revoker(aws, mixed.lower(), delete_destination_role=True))

    assert not role_exists(aws, mixed)
    assert same_identity(role_arn(mixed), given)
    assert not same_identity(role_arn(f"Elsewhere/{mixed}"), role_arn(f"elsewhere/{mixed}"))
    assert not same_identity(role_arn(f"elsewhere/{mixed}"), given)
    assert same_role(role_arn(f"Elsewhere/{mixed}"), given)


def test_the_stand_in_finds_a_role_by_its_name_in_any_case(aws: Seeded) -> None:
    """IAM names are not distinguished by case (IAM API Reference, "CreateRole", ``RoleName``); moto's compare exactly."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    created = iam.create_role(RoleName="Mixed-Case-Role", Path="/team/", AssumeRolePolicyDocument=EC2_ONLY_TRUST)

    found = iam.get_role(RoleName="mixed-case-role")["Role"]

    assert found["Arn"] == created["Role"]["Arn"] == f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/team/Mixed-Case-Role"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="mixed-case-rol")
    # Nor can a second role take the name in another case ("you cannot create resources named both "MyResource"
    # and "myresource""), where moto compares it exactly: the lookup above would then find either.
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName="mixed-case-role", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    assert [role["Arn"] for role in iam.list_roles()["Roles"] if role["RoleName"].lower() == "mixed-case-role"] == [
        created["Role"]["Arn"]
    ]


def test_a_later_step_refused_after_the_trust_went_leaves_less_access_says_no_nothing_changed_and_a_rerun_ends_it(
    aws: Seeded, deny_in_destination: Callable[[str], None]
) -> None:
    """
    ``kms:PutKeyPolicy`` denied: the plan reads pass, the trust and the EMR EC2 role's assume-role policy are written,
    the key policy refused. Left: less access, never more (the trust no longer names the EMR EC2 role, which then
    cannot assume the role whatever it holds: IAM User Guide, "Cross-account policy evaluation logic"); the message
    does not claim that nothing changed; a re-run once allowed finishes the job and changes nothing more after it.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    emr_role = role_arn(PARTNER_1).replace(DESTINATION_ACCOUNT, EMR_ACCOUNT).rsplit("/", 1)[0]
    deny_in_destination("kms:PutKeyPolicy")

    with pytest.raises(AccessDeniedError) as refused:
        run_operator(revoker(aws, PARTNER_1))

    assert "kms:PutKeyPolicy" in str(refused.value)
    assert "Nothing was changed" not in str(refused.value)
    moto_authorization(aws.url, "inf")
    assert not [arn for arn in trusted_by_us(aws, PARTNER_1) if arn.startswith(emr_role)]
    assert assumable(aws) is None
    assert key_users(aws) is not None  # the step refused

    allow_everything_in_destination(aws)  # once allowed: the stand-in judges the key policy call as AWS does
    run_operator(revoker(aws, PARTNER_1))
    assert key_users(aws) is None
    before = snapshot(aws)
    run_operator(revoker(aws, PARTNER_1))
    assert changes(before, snapshot(aws)) == {}


def test_the_dry_run_plan_lists_the_steps_in_the_order_they_are_written(aws: Seeded) -> None:
    """Trust first, then the EMR EC2 role's assume-role policy, then the key users: the plan shows the writes' order."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    before = snapshot(aws)

    result, _, _ = run_operator(revoker(aws, PARTNER_1, dry_run=True))

    resources = [str(change["resource"]) for change in result["plan"]]
    assert resources[0] == f"iam role {PARTNER_1} trust policy", resources
    assert resources[1].startswith("iam role "), resources
    assert resources[-1].startswith("kms key"), resources
    assert changes(before, snapshot(aws)) == {}


def test_keeping_the_trust_names_the_other_grant_that_still_reaches_the_role(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Cross-account sts:AssumeRole needs the identity side and the trust (IAM User Guide, "Cross-account policy
    evaluation logic"): with the trust left and the source article's ``"Resource": "*"`` grant on the EMR EC2 role,
    the access goes on (the judge says so), and the revoke says it is not ended, naming that policy.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert may_assume(aws, PARTNER_1).allowed
    output = capfd.readouterr().out + caplog.text
    assert "The access is NOT ended: inline policy assume-any-role" in output


def test_keeping_the_trust_names_a_copy_of_a_spill_policy_at_another_path(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A policy of a spill policy's name at ``/`` (someone's copy; IAM keeps a policy's name unique in the account
    whatever its path, IAM API Reference, "CreatePolicy") is not the provider's: the revoke leaves it, so the access
    it grants goes on (the judge says so), and the revoke says so, naming it, where it took it for revoked.
    """
    from airflow_provider_emrfs_xacct.pure import documents, spill

    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    name = spill.spill_name(documents.ASSUME_POLICY_NAME, EMR_EC2_ROLE, 2)
    copy = iam.create_policy(
        PolicyName=name, PolicyDocument=json.dumps(documents.assume_role_policy([role_arn(PARTNER_1)]))
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=copy)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert may_assume(aws, PARTNER_1).allowed
    assert f"The access is NOT ended: managed policy {name} ({copy})" in capfd.readouterr().out + caplog.text


def test_keeping_the_trust_without_another_grant_says_nothing_of_one(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    assert "NOT ended" not in capfd.readouterr().out + caplog.text


def test_keeping_the_trust_with_a_boundary_that_does_not_allow_assuming_raises_no_false_alarm(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A permissions boundary limits the EMR EC2 role to what it and the identity policies both allow (IAM User Guide,
    "Permissions boundaries for IAM entities"): with a boundary allowing only S3, the ``"Resource": "*"`` grant no
    longer lets the role assume anything (the judge says so), so keeping the trust ends the access: no warning.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    boundary = iam.create_policy(
        PolicyName="s3-only",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=EMR_EC2_ROLE, PermissionsBoundary=boundary)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    assert "NOT ended" not in capfd.readouterr().out + caplog.text


def test_a_dry_run_keeping_the_trust_without_another_grant_says_nothing_of_one(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    # The dry run leaves the provider's own sts:AssumeRole statement in place: the revoke would remove it, so it is
    # no grant that keeps the access after the revoke (the real run, above, says nothing either).
    provision_partner(aws, PARTNER_1, PREFIX_1)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False, dry_run=True))

    assert may_assume(aws, PARTNER_1).allowed  # nothing changed: the provider's statement still grants it
    assert "NOT ended" not in capfd.readouterr().out + caplog.text


#: A grant of sts:AssumeRole under a condition known only when the request is made (aws:SourceIp: IAM User Guide,
#: "AWS global condition context keys", the requester's IP address).
FROM_THE_VPC = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}


def test_keeping_the_trust_with_a_conditional_grant_warns_that_it_may_allow(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": FROM_THE_VPC}],
    }
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="assume-from-the-vpc", PolicyDocument=json.dumps(document)
    )

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    output = capfd.readouterr().out + caplog.text
    assert "The access is NOT ended: inline policy assume-from-the-vpc" in output
    assert "may allow (its condition is not known before a request)" in output


def test_a_boundary_allowing_under_a_condition_leaves_the_warning(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A boundary that allows sts:AssumeRole under a condition known only at the request may let it through (IAM User
    Guide, "Permissions boundaries for IAM entities": the effective permissions are where both allow): not known to
    end the access, so the warning stays, but as "may allow", not certain: the revoke said the grant "allows"
    (``certain`` true) though whether the boundary lets the request through depends on its source IP. The CLI's exit
    (``cli._revoke_status``) is the "NOT ended" one, as for a grant under a condition.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": FROM_THE_VPC}
    boundary = iam.create_policy(
        PolicyName="assume-from-the-vpc-only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=EMR_EC2_ROLE, PermissionsBoundary=boundary)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    output = capfd.readouterr().out + caplog.text
    assert "The access is NOT ended: inline policy assume-any-role" in output
    assert f"may allow (its permissions boundary {boundary} allows it only under a condition not known" in output
    assert " allows sts:AssumeRole" not in output
    assert (result["access_ended"], result["access_not_checked"]) == (False, [])
    assert result["still_granted"][0]["by"] == f"inline policy assume-any-role of role {EMR_EC2_ROLE}"
    assert result["still_granted"][0]["certain"] is False
    assert cli._revoke_status(result, io.StringIO(), planned=False) == cli.ACCESS_NOT_ENDED


def s3_only_boundary(aws: Seeded) -> str:
    """Make the EMR EC2 role's permissions boundary a policy allowing S3 alone; return its ARN."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    boundary = iam.create_policy(
        PolicyName="s3-only",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=EMR_EC2_ROLE, PermissionsBoundary=boundary)
    return str(boundary)


@pytest.mark.parametrize("action", ["iam:GetPolicyVersion", "iam:GetPolicy"])
def test_a_boundary_the_revoke_may_not_read_leaves_the_access_not_checked(
    aws: Seeded,
    deny_in_destination: Callable[..., None],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    action: str,
) -> None:
    """
    The boundary's document refused: the role may do only what its policies and its boundary both allow (IAM User
    Guide, "Permissions boundaries for IAM entities"), so with the boundary unknown whether the ``"Resource": "*"``
    grant still reaches the role is not known (here it does not: the judge refuses). The revoke said the access goes
    on, certain (``access_ended`` false, CLI exit 7); now ``access_ended`` null and ``access_not_checked`` names the
    refused read.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    boundary = s3_only_boundary(aws)
    deny_in_destination(action, in_account=EMR_ACCOUNT)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    moto_authorization(aws.url, "inf")  # the judge reads as the test, not as the denied connection
    assert not may_assume(aws, PARTNER_1).allowed
    assert result["plan"], result
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [f"the permissions boundary {boundary}: {action} refused"]
    output = capfd.readouterr().out + caplog.text
    assert "The access may NOT be ended" in output
    assert "The access is NOT ended" not in output


def test_the_emr_ec2_role_the_revoke_may_not_read_leaves_the_access_not_checked(
    aws: Seeded,
    deny_in_destination: Callable[..., None],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """
    ``iam:GetRole`` of the EMR EC2 role refused: whether it has a permissions boundary is not known (``ListRoles``
    does not return it, IAM API Reference, "ListRoles"), and one allowing S3 alone ends the ``"Resource": "*"`` grant
    (IAM User Guide, "Permissions boundaries for IAM entities"; the judge refuses). The revoke said the access goes on,
    certain; now ``access_ended`` null and ``access_not_checked`` names the refused ``iam:GetRole``.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    s3_only_boundary(aws)
    deny_in_destination("iam:GetRole", in_account=EMR_ACCOUNT)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    moto_authorization(aws.url, "inf")  # the judge reads as the test, not as the denied connection
    assert not may_assume(aws, PARTNER_1).allowed
    assert result["plan"], result
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [
        f"whether role {EMR_EC2_ROLE} has a permissions boundary: iam:GetRole refused"
    ]
    output = capfd.readouterr().out + caplog.text
    assert "The access may NOT be ended" in output
    assert "The access is NOT ended" not in output


def test_a_boundary_read_that_allows_assuming_keeps_the_access_not_ended_certain(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A boundary read and allowing ``sts:AssumeRole`` leaves the grant as it was: NOT ended, certain."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    boundary = iam.create_policy(
        PolicyName="everything", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [EVERYTHING]})
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=EMR_EC2_ROLE, PermissionsBoundary=boundary)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert may_assume(aws, PARTNER_1).allowed
    assert (result["access_ended"], result["access_not_checked"]) == (False, [])
    assert result["still_granted"][0]["certain"] is True
    assert "The access is NOT ended: inline policy assume-any-role" in capfd.readouterr().out + caplog.text


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_default_revoke_reads_nothing_more_of_the_emr_ec2_role(aws: Seeded, dry_run: bool) -> None:
    """
    With the trust removed (the default) the revoke ends the access itself: the check for another grant that keeps
    it (``iam:GetRole`` of the EMR EC2 role, its boundary's ``iam:GetPolicy``) is for ``remove_destination_trust=False``
    only, so a default user's policy (docs/permissions.md) needs no new permission, in the dry run either.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    boundary = iam.create_policy(
        PolicyName="everything",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [EVERYTHING]}),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=EMR_EC2_ROLE, PermissionsBoundary=boundary)
    allow_assuming_any_role(aws)  # what would make the check read the boundary

    with CallRecorder().everything() as recorder:
        run_operator(revoker(aws, PARTNER_1, dry_run=dry_run))

    reads = [
        (operation, params)
        for (service, operation), params in zip(recorder.every, recorder.params, strict=True)
        if service == "iam" and operation in ("GetRole", "GetPolicy", "GetPolicyVersion")
    ]
    assert [
        operation for operation, params in reads if EMR_EC2_ROLE in json.dumps(params) or boundary in json.dumps(params)
    ] == []


@pytest.mark.parametrize("action", ["iam:ListRolePolicies", "iam:GetPolicyVersion"])
def test_a_refused_read_of_the_other_grants_fails_nothing_the_revoke_did(
    aws: Seeded,
    deny_in_destination: Callable[..., None],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    action: str,
) -> None:
    """
    The still-assumable check reads the EMR EC2 role's policies after the writes: its ``iam:ListRolePolicies``, or the
    ``iam:GetPolicyVersion`` of a managed policy attached to the role, refused (permissions only that check needs,
    docs/permissions.md) leaves the revoke done and reported, with a warning that the access may not be ended, never a
    failed task whose writes no plan reports.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    managed = iam.create_policy(PolicyName="list-buckets", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=managed)
    deny_in_destination(action, in_account=EMR_ACCOUNT)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert result["plan"], result
    output = capfd.readouterr().out + caplog.text
    assert "The access may NOT be ended" in output
    assert action in output
    # Not checked, never "ended" (docs/howto/revoke.md): access_ended null, the refused call named, CLI exit 5.
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [f"the policies of role {EMR_EC2_ROLE}: {action} refused"]
    assert cli._revoke_status(result, io.StringIO(), planned=False) == cli.NOT_CHECKED


@pytest.fixture
def refuse_from_now(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """
    Yield a switch that, from the next request on, denies one action to the connections' role in an account (the
    destination's unless given); until then they are allowed everything, checked by moto as ``deny_in_destination``.

    IAM evaluates every request against the policies in force when it is made, an explicit deny overriding any allow
    (IAM User Guide, "Policy evaluation logic", "How AWS enforcement code logic evaluates requests to allow or deny
    access"): a policy changed mid-run refuses the calls after it, as a permission taken away during a revoke does.
    """
    answer_denials_like_aws(monkeypatch)
    provisioner_roles(aws.url, sign_connections_as_moto_user(aws.url, monkeypatch), {})
    moto_authorization(aws.url, "0")

    def refuse(action: str, in_account: str = DESTINATION_ACCOUNT) -> None:
        statements = [EVERYTHING, {"Effect": "Deny", "Action": action, "Resource": "*"}]
        moto_authorization(aws.url, "inf")  # the change is the test's, not the connections'
        client(aws.url, in_account, "iam").put_role_policy(
            RoleName=PROVISIONER_ROLE,
            PolicyName="provisioner",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
        moto_authorization(aws.url, "0")

    try:
        yield refuse
    finally:
        moto_authorization(aws.url, "inf")


def test_a_refused_read_of_the_trust_after_the_writes_leaves_the_access_not_checked(
    aws: Seeded,
    refuse_from_now: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """
    The trust policy is read again after the writes (``iam:GetRole``, IAM API Reference, "GetRole": the role with its
    ``AssumeRolePolicyDocument``) to see whether another statement still trusts the EMR EC2 role (IAM User Guide,
    "Cross-account policy evaluation logic": the trust is needed too). Allowed in the plan and the writes, refused
    once they are done: the revoke is done and reported, and its result says the access is not checked, never ended
    (access_ended null, the refused call named: CLI exit 5, docs/howto/revoke.md).
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    checks = RevokePartnerAccessOperator._access_after_revoke

    def refused_once_written(operator: RevokePartnerAccessOperator, *args: Any) -> dict[str, Any]:
        refuse_from_now("iam:GetRole")
        return checks(operator, *args)

    monkeypatch.setattr(RevokePartnerAccessOperator, "_access_after_revoke", refused_once_written)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(revoker(aws, PARTNER_1))

    moto_authorization(aws.url, "inf")  # the judge reads as the test, not as the denied connection
    assert not may_assume(aws, PARTNER_1).allowed
    assert result["plan"], result
    assert (result["access_ended"], result["still_granted"]) == (None, [])
    assert result["access_not_checked"] == [f"the trust policy of {role_arn(PARTNER_1)}: iam:GetRole refused"]
    assert cli._revoke_status(result, io.StringIO(), planned=False) == cli.NOT_CHECKED
    assert "Whether another statement of the trust policy" in capfd.readouterr().out + caplog.text


# --- Trust statements the provider did not write -------------------------------------------------------------------

#: Named in the warning that a trust statement the provider did not write still trusts the EMR EC2 role.
KEPT = "in a statement this provider did not write, kept as it is"


def trust_statement_of_someone_else(aws: Seeded, principal: str) -> dict[str, Any]:
    """Put a statement of someone's own first in the trust policy of ``PARTNER_1``; return it as IAM holds it."""
    statement = {"Sid": "EmrAccountOps", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    trust = trust_policy(aws, PARTNER_1)
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps({**trust, "Statement": [statement, *trust["Statement"]]})
    )
    return trust_policy(aws, PARTNER_1)["Statement"][0]


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
@pytest.mark.parametrize("principal", ["account", "role"])
def test_a_trust_statement_of_someone_else_still_trusting_the_emr_role_is_kept_and_named(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], principal: str, dry_run: bool
) -> None:
    """
    Cross-account sts:AssumeRole needs the identity side and the trust (IAM User Guide, "Cross-account policy
    evaluation logic"). A statement someone wrote that trusts the EMR account (delegating to its identity policies:
    "How to use trust policies with IAM roles") or the EMR EC2 role itself is not the provider's to remove: it stays
    byte for byte, and with the source article's ``"Resource": "*"`` grant on the EMR EC2 role the access goes on (the
    judge says so). The revoke said nothing of it: it now names that statement, and says the access is not ended.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    trusted = f"arn:aws:iam::{EMR_ACCOUNT}:root" if principal == "account" else aws.emr_ec2_role_arn
    foreign = trust_statement_of_someone_else(aws, trusted)
    allow_assuming_any_role(aws)
    before = snapshot(aws)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, dry_run=dry_run))

    output = capfd.readouterr().out + caplog.text
    assert KEPT in output
    assert '"Sid": "EmrAccountOps"' in output
    assert "The access is NOT ended: inline policy assume-any-role" in output
    assert json.dumps(trust_policy(aws, PARTNER_1)["Statement"][0]) == json.dumps(foreign)
    assert may_assume(aws, PARTNER_1).allowed
    if dry_run:
        assert changes(before, snapshot(aws)) == {}
    else:
        assert result["plan"], result
        # The provider's statement went with its last role (beside another statement: docs/howto/revoke.md).
        assert [statement.get("Sid") for statement in trust_policy(aws, PARTNER_1)["Statement"]] == ["EmrAccountOps"]
        assert assumable(aws) is None


def test_a_trust_statement_of_someone_else_without_another_grant_is_named_and_the_access_ends(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The EMR side alone ends the access then (the judge says so): the statement is named, no 'NOT ended'."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    trust_statement_of_someone_else(aws, f"arn:aws:iam::{EMR_ACCOUNT}:root")

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1))

    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    output = capfd.readouterr().out + caplog.text
    assert KEPT in output
    assert "NOT ended" not in output


def test_a_trust_statement_for_another_account_is_not_named(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A statement trusting someone else (a partner's auditor) lets no EMR EC2 role in: nothing to warn of."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_auditor(aws)
    trust = trust_policy(aws, PARTNER_1)
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps({**trust, "Statement": [AUDITOR_STATEMENT, *trust["Statement"]]})
    )
    allow_assuming_any_role(aws)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1))

    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    output = capfd.readouterr().out + caplog.text
    assert KEPT not in output
    assert "NOT ended" not in output


# --- A grant under another policy_name -----------------------------------------------------------------------------

PIPELINE_POLICY = "pipeline-assume-partners"


def provision_under_another_policy_name(aws: Seeded) -> None:
    """Provision ``PARTNER_1`` with its assume grant in the EMR EC2 role's inline policy :data:`PIPELINE_POLICY`."""
    arn = ensure_destination_role(aws, PARTNER_1, PREFIX_1, aws.emr_ec2_role_arn)
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            destination_role_arns=[arn],
            policy_name=PIPELINE_POLICY,
            settle_seconds=0,
        )
    )
    grant_key_users(aws, [arn])
    assert may_assume(aws, PARTNER_1).allowed


def inline_policy_names(aws: Seeded) -> list[str]:
    return client(aws.url, EMR_ACCOUNT, "iam").list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]


def test_a_grant_under_another_policy_name_is_revoked_given_that_name(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The grant's ``policy_name`` given to the revoke: the EMR side goes, so keeping the trust ends the access."""
    provision_under_another_policy_name(aws)
    assert PIPELINE_POLICY in inline_policy_names(aws)

    with caplog.at_level("WARNING"):
        result, _, _ = run_operator(
            revoker(aws, PARTNER_1, policy_name=PIPELINE_POLICY, remove_destination_trust=False)
        )

    assert PIPELINE_POLICY not in inline_policy_names(aws)
    assert f"iam role {EMR_EC2_ROLE} inline policy {PIPELINE_POLICY}" in [c["resource"] for c in result["plan"]]
    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    assert "NOT ended" not in capfd.readouterr().out + caplog.text


def test_a_grant_under_another_policy_name_is_named_when_the_revoke_is_given_the_default(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The revoke takes the role out of its ``policy_name`` only: the provider's statement in another policy is a grant
    it leaves, which with the trust kept still reaches the role (the judge says so). The warning named no grant
    (it left the provider's statement out wherever it was); it names that policy now.
    """
    provision_under_another_policy_name(aws)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))

    assert PIPELINE_POLICY in inline_policy_names(aws)
    assert may_assume(aws, PARTNER_1).allowed
    assert f"The access is NOT ended: inline policy {PIPELINE_POLICY}" in capfd.readouterr().out + caplog.text


@pytest.mark.parametrize("policy_name", ["", "has/slash", "has space", "x" * 129, 42])
def test_a_bad_policy_name_is_refused_naming_it_before_any_change(aws: Seeded, policy_name: Any) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError, match="policy_name"):
        run_operator(revoker(aws, PARTNER_1, policy_name=policy_name))

    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}


def test_a_trust_statement_naming_an_emr_ec2_role_on_a_path_is_named(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A role's ARN carries its path (IAM User Guide, "IAM identifiers"), and a trust policy names the role by it: the
    statement is matched against the EMR EC2 role's ARN as ``GetRole`` answers it, not one built from its name.
    """
    pipeline_role_arn = create_pipeline_role(aws.url)
    provision_partner(aws, PARTNER_1, PREFIX_1, emr_ec2_role=(PIPELINE_ROLE, pipeline_role_arn))
    foreign = trust_statement_of_someone_else(aws, pipeline_role_arn)

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1, emr_ec2_role_name=PIPELINE_ROLE))

    assert KEPT in capfd.readouterr().out + caplog.text
    assert json.dumps(trust_policy(aws, PARTNER_1)["Statement"][0]) == json.dumps(foreign)
