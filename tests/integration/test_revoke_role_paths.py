"""
A revoke given the ARN built from a role's name revokes the role made under a path, against two-account moto.

"IAM user, group, role, and policy names must be unique within the account. Names are not distinguished by case"
(IAM API Reference, "CreateRole", ``RoleName``): ``…:role/pathed`` and ``…:role/team/pathed`` of one account name
one role, whose ARN as IAM shows it holds its path (IAM User Guide, "IAM identifiers"). The grant, the key users,
the role mappings and the bucket policy name the role as IAM shows it. Before, the revoke looked for the ARN it was
given, path and all: the default run refused the role at "another path" and advised
``remove_destination_trust=False``, which then found nothing, planned nothing and said "No changes." while the
partner kept its access; ``RevokeBucketAccessOperator`` did the same. The deletion alone, which cannot be undone,
still wants the role's ARN as IAM shows it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator
from airflow_provider_emrfs_xacct.pure.bucket_policy import principal_sids
from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack import aws_judge
from devstack.emrfs_writer import read_principal
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import (
    NAME_PREFIX,
    create_security_configuration,
    ensure_destination_role,
    grant_key_users,
    mapping,
    provision_partner,
    role_arn,
)
from tests.integration.state import changes, snapshot
from tests.integration.test_bucket_policy import ANALYTICS_READ, DENY_INSECURE, by_sid, grant, policy_of, revoke
from tests.integration.test_revoke import (
    PARTNER_2,
    PREFIX_1,
    PREFIX_2,
    assumable,
    configuration,
    key_users,
    mappings_of,
    revoker,
    role_exists,
    trust_policy,
)

NAME = "pathed"
PATHED = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/team/{NAME}"
PATHLESS = role_arn(NAME)
#: Another account's role of the same name: another role, which the revoke keeps.
OTHER_ACCOUNTS = f"arn:aws:iam::333333333333:role/{NAME}"


def attach_assume_grant(aws: Seeded, arns: list[str]) -> None:
    run_operator(
        AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            emr_ec2_role_name=EMR_EC2_ROLE,
            destination_role_arns=arns,
            settle_seconds=0,
        )
    )


@pytest.fixture
def pathed(aws: Seeded) -> str:
    """
    The partner's role made under ``/team/``, granted as IAM shows it (trust, assume grant, key users, a mapping),
    beside partner 2 (at ``/``) and another account's role of the same name; return the configuration's name.
    """
    assert ensure_destination_role(aws, NAME, PREFIX_1, role_path="/team/") == PATHED
    provision_partner(aws, PARTNER_2, PREFIX_2)
    create_principals(aws.url, OTHER_ACCOUNTS)
    attach_assume_grant(aws, [PATHED, OTHER_ACCOUNTS])
    grant_key_users(aws, [PATHED])
    assert assumable(aws) == sorted([PATHED, OTHER_ACCOUNTS, role_arn(PARTNER_2)])
    assert key_users(aws) == sorted([PATHED, role_arn(PARTNER_2)])
    assert may_assume_pathed(aws).allowed
    pathed_mapping = {**mapping(NAME, PREFIX_1), "Role": PATHED}
    return create_security_configuration([pathed_mapping, mapping(PARTNER_2, PREFIX_2)])


def may_assume_pathed(aws: Seeded) -> aws_judge.Decision:
    """Whether the EMR EC2 role may assume the pathed role, as the stand-in's judge (not the provider's) decides."""
    principal = read_principal(aws.url, aws.emr_ec2_role_arn)
    assert principal is not None
    return aws_judge.authorize(
        principal,
        "sts:AssumeRole",
        PATHED,
        resource_policy=trust_policy(aws, NAME),
        resource_owner=DESTINATION_ACCOUNT,
        resource_policy_name="trust policy",
    )


def emr_roles_trusted(aws: Seeded) -> list[str]:
    """The roles the provider's trust statement of the pathed role allows (none once gone, or the Deny for nobody)."""
    ours = [statement for statement in trust_policy(aws, NAME)["Statement"] if statement.get("Sid") == TRUST_SID]
    return [
        arn for statement in ours if statement["Effect"] == "Allow" for arn in as_list(statement["Principal"]["AWS"])
    ]


def not_ended(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings that the access is NOT ended (the task's logger writes to the task log: stdout here)."""
    said = capfd.readouterr().out.splitlines() + [record.getMessage() for record in caplog.records]
    return list(dict.fromkeys(line for line in said if "The access is NOT ended" in line))


@pytest.mark.parametrize("options", [{}, {"remove_destination_trust": False}], ids=["default", "keep-trust"])
def test_a_revoke_by_the_arn_built_from_the_name_revokes_the_role_made_under_a_path(
    aws: Seeded, pathed: str, options: dict[str, Any]
) -> None:
    trust = trust_policy(aws, NAME)

    result, _, _ = run_operator(revoker(aws, NAME, security_configuration=pathed, name_prefix=NAME_PREFIX, **options))

    assert revoker(aws, NAME).destination_role_arn == PATHLESS
    assert result["plan"], result
    # Before: the default run refused "the role named pathed ... is …/team/pathed", and a run keeping the trust
    # planned nothing; the grant, the key users and the mapping still named the role.
    assert assumable(aws) == sorted([OTHER_ACCOUNTS, role_arn(PARTNER_2)])  # another account's role is another role
    assert key_users(aws) == [role_arn(PARTNER_2)]
    kept = mappings_of(configuration(aws, result["security_configuration"]))
    assert [item["Role"] for item in kept] == [role_arn(PARTNER_2)]
    if options.get("remove_destination_trust") is False:
        assert trust_policy(aws, NAME) == trust  # left as it was
    else:
        assert aws.emr_ec2_role_arn not in emr_roles_trusted(aws)
    assert not may_assume_pathed(aws).allowed  # the stand-in's judge: neither side allows it any more


def test_the_deletion_alone_wants_the_role_s_arn_as_iam_shows_it(aws: Seeded, pathed: str) -> None:
    """
    A deletion cannot be undone: by the ARN built from the name it is refused before any change, naming the role's
    ARN and the ways on; by that ARN it deletes the role, and its other steps revoke it as the revoke without it does.
    """
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, NAME, delete_destination_role=True))

    assert f"is {PATHED}, not {PATHLESS}; not deleting it" in str(refused.value)
    assert "delete_destination_role=False" in str(refused.value)
    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}

    run_operator(revoker(aws, NAME, destination_role_arn=PATHED, delete_destination_role=True))

    assert not role_exists(aws, NAME)
    assert assumable(aws) == sorted([OTHER_ACCOUNTS, role_arn(PARTNER_2)])
    assert key_users(aws) == [role_arn(PARTNER_2)]


def test_a_dry_run_by_the_arn_built_from_the_name_plans_what_the_revoke_then_does(aws: Seeded, pathed: str) -> None:
    planned, _, _ = run_operator(
        revoker(aws, NAME, security_configuration=pathed, name_prefix=NAME_PREFIX, dry_run=True)
    )
    assert assumable(aws) == sorted([PATHED, OTHER_ACCOUNTS, role_arn(PARTNER_2)])  # nothing changed

    done, _, _ = run_operator(revoker(aws, NAME, security_configuration=pathed, name_prefix=NAME_PREFIX))

    resources = [str(change["resource"]) for change in planned["plan"]]
    assert resources == [str(change["resource"]) for change in done["plan"]]
    assert f"iam role {NAME} trust policy" in resources
    assert any(resource.startswith("kms key") for resource in resources), resources


SOMEONES_GRANT = "someones-assume-grant"


@pytest.fixture
def someones_grant(aws: Seeded) -> None:
    """A grant of the EMR EC2 role's that is not the provider's: ``sts:AssumeRole`` on the pathed role by its ARN."""
    statement = {"Sid": "Theirs", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": PATHED}
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE,
        PolicyName=SOMEONES_GRANT,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )


def test_keeping_the_trust_warns_of_a_grant_naming_the_role_by_its_path(
    aws: Seeded,
    pathed: str,
    someones_grant: None,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """
    With the trust kept, a grant of someone's on the role's ARN (path included) keeps the access: the warning judges
    every ARN the EMR EC2 role's policies name the role by. Before, it judged the ARN built from the name, which that
    grant's ``Resource`` does not match, and said nothing.
    """
    with caplog.at_level(logging.WARNING):
        run_operator(revoker(aws, NAME, remove_destination_trust=False))

    assert may_assume_pathed(aws).allowed  # the stand-in's judge agrees: someone's grant and the trust still allow it
    warnings = not_ended(capfd, caplog)
    assert warnings, "no warning"  # before: none
    assert all(f"inline policy {SOMEONES_GRANT}" in warning for warning in warnings), warnings
    assert all(f"sts:AssumeRole on {PATHED} " in warning for warning in warnings), warnings


def test_a_trust_statement_of_someones_is_judged_on_the_role_s_arn_as_iam_shows_it(
    aws: Seeded,
    pathed: str,
    someones_grant: None,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """
    The default run reads the trust policy again after the revoke (``GetRole``): a statement of someone's still
    trusting the EMR EC2 role, with someone's grant on the role's ARN as IAM shows it, keeps the access, and the
    warning says so on that ARN.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = trust_policy(aws, NAME)
    theirs = {
        "Sid": "Theirs",
        "Effect": "Allow",
        "Principal": {"AWS": aws.emr_ec2_role_arn},
        "Action": "sts:AssumeRole",
    }
    iam.update_assume_role_policy(
        RoleName=NAME, PolicyDocument=json.dumps({**trust, "Statement": [*trust["Statement"], theirs]})
    )

    with caplog.at_level(logging.WARNING):
        run_operator(revoker(aws, NAME))

    assert aws.emr_ec2_role_arn not in emr_roles_trusted(aws)
    assert may_assume_pathed(aws).allowed
    warnings = not_ended(capfd, caplog)
    assert warnings, "no warning"
    assert all(f"sts:AssumeRole on {PATHED} " in warning for warning in warnings), warnings
    assert all('"Sid": "Theirs"' in warning for warning in warnings), warnings


# RevokeBucketAccessOperator -----------------------------------------------------------------------------------

EMR_WRITER = "emr-writer"
EMR_PATHED = f"arn:aws:iam::{EMR_ACCOUNT}:role/emr/{EMR_WRITER}"
EMR_PATHLESS = f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_WRITER}"


@pytest.fixture
def bucket_granted(aws: Seeded) -> Any:
    """The bucket's policy: two statements of the provider's for a role made under ``/emr/``, beside others'."""
    create_principals(aws.url, ANALYTICS_READ["Principal"]["AWS"])
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    made = iam.create_role(RoleName=EMR_WRITER, Path="/emr/", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]
    assert made["Arn"] == EMR_PATHED
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_INSECURE, ANALYTICS_READ]})
    )
    run_operator(grant(aws, [EMR_PATHED]))
    assert set(principal_sids(EMR_PATHED)) <= set(by_sid(policy_of(s3, aws.bucket)))
    return s3


def test_a_bucket_revoke_by_the_arn_built_from_the_name_takes_out_the_pathed_roles_statements(
    aws: Seeded, bucket_granted: Any
) -> None:
    with CallRecorder().everywhere() as calls:
        plan, _, _ = run_operator(revoke(aws, [EMR_PATHLESS]))

    assert plan, plan  # before: [] and the bucket policy unchanged
    assert calls.mutating == ["PutBucketPolicy"]
    after = by_sid(policy_of(bucket_granted, aws.bucket))
    assert set(after) == {DENY_INSECURE["Sid"], ANALYTICS_READ["Sid"]}
    assert after[DENY_INSECURE["Sid"]] == DENY_INSECURE
    assert after[ANALYTICS_READ["Sid"]] == ANALYTICS_READ


def test_a_bucket_revoke_warns_of_a_kept_statement_naming_the_role_by_its_path(
    aws: Seeded, bucket_granted: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """A statement of someone's granting the role by its ARN as S3 shows it keeps the writes: said, on that ARN."""
    policy = policy_of(bucket_granted, aws.bucket)
    assert policy is not None
    theirs = {
        "Sid": "Theirs",
        "Effect": "Allow",
        "Principal": {"AWS": EMR_PATHED},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{aws.bucket}/exports/*",
    }
    bucket_granted.put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({**policy, "Statement": [*policy["Statement"], theirs]})
    )

    with caplog.at_level(logging.WARNING):
        run_operator(revoke(aws, [EMR_PATHLESS]))

    assert by_sid(policy_of(bucket_granted, aws.bucket))["Theirs"] == theirs
    warnings = not_ended(capfd, caplog)
    assert warnings, "no warning"
    assert all(EMR_PATHED in warning for warning in warnings), warnings
