"""
EnsureDestinationRoleOperator against the stand-in: a partner's conditional trust made moot is warned about, the
role is created with a permissions boundary and extra tags when asked, and a service-linked role is refused
(outside review M4).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.pure.documents import TRUST_NOBODY_STATEMENT
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from airflow_provider_emrfs_xacct.pure.validation import validate_policy_arn
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.test_destination_role import ROLE_ARN, ROLE_NAME, make_operator, trust_policy

MANAGED_BY = {"Key": "emrfs-xacct:managed-by", "Value": "airflow-provider-emrfs-xacct"}
BOUNDARY = f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/partner-boundary"
#: CreateRole's ``PermissionsBoundary``: "Length Constraints: Minimum length of 20. Maximum length of 2048." (IAM API
#: Reference, "CreateRole" and "PutRolePermissionsBoundary"; botocore's model: ``arnType``, min 20, max 2048).
BOUNDARY_MAX = 2048


def _boundary_of_length(length: int) -> str:
    """A customer managed policy ARN of ``length`` characters, made long by its path."""
    prefix = f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/"
    return f"{prefix}{'p' * (length - len(prefix) - 2)}/b"


def _guarded(emr_role_arn: str) -> dict[str, Any]:
    return {
        "Sid": "PartnerOrgOnly",
        "Effect": "Allow",
        "Principal": {"AWS": emr_role_arn},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-partner1234", "sts:ExternalId": "xyz-123"}},
    }


def _warnings(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> str:
    out = capfd.readouterr()
    return out.out + out.err + "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_partners_conditional_trust_made_moot_is_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    """
    Any Allow suffices absent a Deny (IAM User Guide, "Policy evaluation logic"): the provider's unconditional
    statement for the EMR EC2 role makes the partner's Condition on the same role moot. A tagged role (no adoption
    warning) still gets a WARNING naming the statement and its condition keys, in the dry run too.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = {"Version": "2012-10-17", "Statement": [_guarded(aws.emr_ec2_role_arn)]}
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust), Tags=[MANAGED_BY])
    run_operator(make_operator(aws, dry_run=dry_run))
    logged = _warnings(caplog, capfd)
    assert "'PartnerOrgOnly' (condition keys aws:PrincipalOrgID, sts:ExternalId)" in logged
    assert "no longer restricts it" in logged
    assert ("would allow (dry run)" in logged) is dry_run


def test_a_condition_added_to_the_providers_statement_is_kept_and_not_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The way out the warning gives: the same Condition on EmrfsXacctTrustEmrRoles, which a run keeps."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    guarded = _guarded(aws.emr_ec2_role_arn)
    ours = {**guarded, "Sid": "EmrfsXacctTrustEmrRoles"}
    trust = {"Version": "2012-10-17", "Statement": [guarded, ours]}
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust), Tags=[MANAGED_BY])
    run_operator(make_operator(aws))
    assert "no longer restricts it" not in _warnings(caplog, capfd)
    statements = trust_policy(iam)["Statement"]
    assert all("Condition" in item for item in statements)


def test_the_role_is_created_with_the_boundary_and_tags_asked_for(aws: Seeded) -> None:
    """
    CreateRole takes PermissionsBoundary and Tags (IAM API Reference, "CreateRole"): accounts that allow it only
    with their boundary (iam:PermissionsBoundary) or tags (aws:RequestTag) let the role be created.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.create_policy(PolicyName="partner-boundary", PolicyDocument=json.dumps(document))
    _, recorder, _ = run_operator(
        make_operator(aws, permissions_boundary=BOUNDARY, role_tags={"CostCenter": "41200", "Team": "data eng"})
    )
    role = iam.get_role(RoleName=ROLE_NAME)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY
    tags = {tag["Key"]: tag["Value"] for tag in role["Tags"]}
    assert tags == {MANAGED_BY["Key"]: MANAGED_BY["Value"], "CostCenter": "41200", "Team": "data eng"}
    assert "CreateRole" in recorder.mutating


def test_an_existing_roles_other_boundary_is_kept_and_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A role that exists keeps its boundary and tags (CreateRole only sets them); a different one asked: a WARNING."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    run_operator(make_operator(aws))
    run_operator(make_operator(aws, permissions_boundary=BOUNDARY, role_tags={"Team": "x"}))
    assert "PermissionsBoundary" not in iam.get_role(RoleName=ROLE_NAME)["Role"]
    assert f"Role {ROLE_ARN} exists with permissions boundary (none), not {BOUNDARY}" in _warnings(caplog, capfd)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"permissions_boundary": "partner-boundary"}, "permissions_boundary"),
        ({"permissions_boundary": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner"}, "permissions_boundary"),
        ({"permissions_boundary": f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:policy/b"}, "permissions_boundary"),
        ({"permissions_boundary": _boundary_of_length(BOUNDARY_MAX + 1)}, "permissions_boundary"),  # OX266
        ({"role_tags": {"aws:team": "x"}}, "role_tags"),
        ({"role_tags": {"emrfs-xacct:managed-by": "me"}}, "role_tags"),
        ({"role_tags": {"k" * 129: "x"}}, "role_tags"),
        ({"role_tags": {"team": "v" * 257}}, "role_tags"),
        ({"role_tags": {"team": "a;b"}}, "role_tags"),
        ({"role_tags": {"Team": "a", "team": "b"}}, "role_tags"),  # one key to IAM (OX265)
        ({"role_tags": {f"k{i}": "v" for i in range(50)}}, "role_tags"),
        ({"role_tags": ["team"]}, "role_tags"),
    ],
)
def test_a_bad_boundary_or_tag_is_refused_before_any_call(aws: Seeded, overrides: dict[str, Any], field: str) -> None:
    """
    Each is refused naming its field before any call: tag keys that differ only in case among them, IAM's tag keys
    of a role being "not case sensitive, but case is preserved. This means that you cannot have separate Department
    and department tag keys" (IAM User Guide, "Tagging IAM resources", "Case sensitivity"; AWS STS API Reference,
    "AssumeRole", Tags), and a boundary ARN longer than CreateRole takes.
    """
    with pytest.raises(InvalidParameterError) as refused:
        run_operator(make_operator(aws, **overrides))
    assert refused.value.field == field
    with pytest.raises(ClientError, match="NoSuchEntity"):  # no role created
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)


def test_a_boundary_arn_of_the_longest_length_is_accepted() -> None:
    """CreateRole's longest ``PermissionsBoundary`` (2048 characters) is taken; one character more is refused."""
    longest = _boundary_of_length(BOUNDARY_MAX)
    assert len(longest) == BOUNDARY_MAX
    assert validate_policy_arn(longest, "permissions_boundary", "aws", "the destination role") == longest
    with pytest.raises(InvalidParameterError) as refused:
        validate_policy_arn(longest + "b", "permissions_boundary", "aws", "the destination role")
    assert refused.value.field == "permissions_boundary"


def test_an_aws_managed_boundary_and_49_tags_are_accepted(aws: Seeded) -> None:
    """An AWS managed policy may be the boundary (account ``aws``); 49 tags and the provider's make IAM's 50."""
    run_operator(
        make_operator(
            aws,
            permissions_boundary="arn:aws:iam::aws:policy/PowerUserAccess",
            role_tags={f"k{i}": "" for i in range(49)},
            dry_run=True,
        )
    )


def test_a_service_linked_role_is_refused_before_any_write(aws: Seeded) -> None:
    """
    IAM refuses every change to a service-linked role's trust and policies (IAM API Reference,
    UpdateAssumeRolePolicy, "Errors": UnmodifiableEntity; the stand-in answers so too): refused in the plan.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    created = iam.create_service_linked_role(AWSServiceName="elasticmapreduce.amazonaws.com")["Role"]
    with pytest.raises(ClientError, match="UnmodifiableEntity"):
        iam.update_assume_role_policy(RoleName=created["RoleName"], PolicyDocument=json.dumps({"Statement": []}))
    for dry_run in (True, False):
        with pytest.raises(InvalidParameterError, match="service-linked") as refused:
            run_operator(make_operator(aws, role_name=created["RoleName"], dry_run=dry_run))
        assert refused.value.field == "role_name"


def test_a_service_linked_emr_ec2_role_arn_is_refused_before_any_call(aws: Seeded) -> None:
    arn = f"arn:aws:iam::{EMR_ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup"
    operator = AttachAssumeRolePolicyOperator(
        task_id="allow",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name=arn,
        destination_role_arns=[ROLE_ARN],
        settle_seconds=0,
    )
    with pytest.raises(InvalidParameterError, match="service-linked") as refused:
        run_operator(operator)
    assert refused.value.field == "emr_ec2_role_name"


# Regression review N1 (of e6e8d128): the warning's blind spots, the boundary of another account, the stand-in's
# missing boundary, a service-linked EMR EC2 role given by ARN to the option (a) grant, and role_tags rendered as text.


def _trusting(iam: Any, *statements: dict[str, Any]) -> None:
    trust = {"Version": "2012-10-17", "Statement": list(statements)}
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust), Tags=[MANAGED_BY])


def test_the_revokes_statement_for_nobody_does_not_hide_the_warning(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """After a revoke the provider's place holds a Deny under its mark; the grant replaces it with an unconditional Allow."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    _trusting(iam, dict(TRUST_NOBODY_STATEMENT), _guarded(aws.emr_ec2_role_arn))
    run_operator(make_operator(aws))
    ours = next(item for item in trust_policy(iam)["Statement"] if item.get("Sid") == "EmrfsXacctTrustEmrRoles")
    assert ours["Effect"] == "Allow"
    assert "Condition" not in ours
    assert "'PartnerOrgOnly' (condition keys aws:PrincipalOrgID, sts:ExternalId)" in _warnings(caplog, capfd)


def test_a_partner_condition_added_after_a_revoke_is_warned_about_on_the_next_grant(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    from tests.integration.partners import ensure_destination_role, provision_partner
    from tests.integration.test_revoke import PARTNER_1, PREFIX_1, allow_assuming_any_role, revoker
    from tests.integration.test_revoke import trust_policy as trust_of

    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    run_operator(revoker(aws, PARTNER_1))
    [nobody] = trust_of(aws, PARTNER_1)["Statement"]
    trust = {"Version": "2012-10-17", "Statement": [nobody, _guarded(aws.emr_ec2_role_arn)]}
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))
    capfd.readouterr()
    caplog.clear()
    ensure_destination_role(aws, PARTNER_1, PREFIX_1)
    assert "no longer restricts it" in _warnings(caplog, capfd)


@pytest.mark.parametrize("principal", [f"arn:aws:iam::{EMR_ACCOUNT}:root", EMR_ACCOUNT])
def test_the_emr_accounts_external_id_trust_made_moot_is_warned_about(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], principal: str
) -> None:
    """
    The standard ExternalId trust names the EMR account (STS API Reference, "AssumeRole", ExternalId), whose roles it
    lets assume the role under the condition; the provider's statement lets the EMR EC2 role without it.
    """
    condition = {"StringEquals": {"sts:ExternalId": "xyz-123"}}
    ext = {"Sid": "PartnerExternalId", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    _trusting(client(aws.url, DESTINATION_ACCOUNT, "iam"), {**ext, "Condition": condition})
    run_operator(make_operator(aws))
    assert "'PartnerExternalId' (condition keys sts:ExternalId)" in _warnings(caplog, capfd)


def test_a_deny_of_your_own_beside_it_stops_the_warning(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The warning's second way out: an explicit deny overrides any allow (IAM User Guide, "Policy evaluation logic"), one
    Deny a key of the partner's condition (org and ExternalId); a Deny of the org alone leaves the ExternalId moot.
    """
    guarded = _guarded(aws.emr_ec2_role_arn)
    org = {
        **guarded,
        "Sid": "MyDenyOrg",
        "Effect": "Deny",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-partner1234"}},
    }
    external_id = {**org, "Sid": "MyDenyExternalId", "Condition": {"StringNotEquals": {"sts:ExternalId": "xyz-123"}}}
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    _trusting(iam, guarded, org)
    run_operator(make_operator(aws))
    assert "no longer restricts it" in _warnings(caplog, capfd)

    trust = {"Version": "2012-10-17", "Statement": [guarded, org, external_id]}
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(trust))
    caplog.clear()
    run_operator(make_operator(aws))
    assert "no longer restricts it" not in _warnings(caplog, capfd)


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_boundary_of_another_account_is_refused_before_any_write(aws: Seeded, dry_run: bool) -> None:
    """
    A customer managed policy is attached to identities of its own account (IAM User Guide, "Define custom IAM
    permissions with customer managed policies"): CreateRole would refuse the EMR account's.
    """
    boundary = f"arn:aws:iam::{EMR_ACCOUNT}:policy/partner-boundary"
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    client(aws.url, EMR_ACCOUNT, "iam").create_policy(
        PolicyName="partner-boundary", PolicyDocument=json.dumps(document)
    )
    with (
        CallRecorder().everywhere() as calls,
        pytest.raises(InvalidParameterError, match=f"is a policy of account {EMR_ACCOUNT}") as refused,
    ):
        run_operator(make_operator(aws, permissions_boundary=boundary, dry_run=dry_run))
    assert refused.value.field == "permissions_boundary"
    assert calls.mutating == []
    with pytest.raises(ClientError, match="NoSuchEntity"):
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE_NAME)


def test_the_stand_in_refuses_a_create_role_whose_boundary_does_not_exist(aws: Seeded) -> None:
    """CreateRole answers NoSuchEntity for an entity that does not exist (IAM API Reference, CreateRole, "Errors")."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    for boundary in (f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/typo-boundary", "arn:aws:iam::aws:policy/NoSuchOne"):
        with pytest.raises(ClientError, match="NoSuchEntity"):
            iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary)
    with pytest.raises(PreconditionError, match="does not exist"):  # read with GetPolicy first (retriable: IAM's lag)
        run_operator(make_operator(aws, permissions_boundary=f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/typo"))
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName=ROLE_NAME)
    run_operator(make_operator(aws, permissions_boundary="arn:aws:iam::aws:policy/PowerUserAccess"))
    assert iam.get_role(RoleName=ROLE_NAME)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(
        ":policy/PowerUserAccess"
    )


def test_a_boundary_with_other_digits_is_refused(aws: Seeded) -> None:
    """An account id is 12 ASCII digits; a policy name IAM's ASCII characters (IAM API Reference, CreatePolicy)."""
    for boundary in ("arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:policy/b", f"arn:aws:iam::{DESTINATION_ACCOUNT}:policy/bé"):
        with pytest.raises(InvalidParameterError, match="managed policy ARN") as refused:
            run_operator(make_operator(aws, permissions_boundary=boundary))
        assert refused.value.field == "permissions_boundary"


def test_role_tags_rendered_as_text_are_refused_naming_the_field(aws: Seeded) -> None:
    """A template for the whole dict renders to its text (Airflow renders templates as text by default)."""
    with pytest.raises(InvalidParameterError, match="looks like a rendered dict") as refused:
        run_operator(make_operator(aws, role_tags="{'Team': 'data'}"))
    assert refused.value.field == "role_tags"


def test_a_service_linked_emr_ec2_role_arn_is_refused_by_the_option_a_grant(aws: Seeded) -> None:
    """IAM refuses PutRolePolicy on a service-linked role (IAM API Reference, PutRolePolicy, "Errors": UnmodifiableEntity)."""
    from tests.integration.test_option_a_chain import emr_role_access

    iam = client(aws.url, EMR_ACCOUNT, "iam")
    arn = iam.create_service_linked_role(AWSServiceName="elasticmapreduce.amazonaws.com")["Role"]["Arn"]
    for dry_run in (True, False):
        with (
            CallRecorder().everywhere() as calls,
            pytest.raises(InvalidParameterError, match="service-linked") as refused,
        ):
            run_operator(emr_role_access(emr_ec2_role_name=arn, dry_run=dry_run))
        assert refused.value.field == "emr_ec2_role_name"
        assert calls.mutating == []
