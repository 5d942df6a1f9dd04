"""
Deleting the destination role leaves no policy naming it behind: bucket policies and other roles' trust policies.

A resource policy keeps a role principal as the role's unique ID; once the role is deleted, the policy shows that
ID (``AROA…``) in its place (IAM User Guide, "AWS JSON policy elements: Principal"), and S3 refuses every
``PutBucketPolicy`` keeping it, "Invalid principal in policy" (AWS Knowledge Center,
"s3-invalid-principal-in-policy-error"), as IAM refuses such a trust policy (Knowledge Center,
"iam-trust-policy-error"). The stand-in plays both (``devstack/aws_principals.py``, its own code): these tests show
the owners' next edit failing when the revoke deletes the role regardless, and the revoke refusing before any write.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME, OBJECTS_SID, as_list
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from devstack.aws_pages import short_pages
from devstack.moto_stack import DESTINATION_ACCOUNT, EC2_ONLY_TRUST, EMR_ACCOUNT, Seeded, client
from devstack.testing import CallRecorder, run_operator
from tests.integration.partners import provision_partner, role_arn
from tests.integration.state import changes, snapshot

if TYPE_CHECKING:
    from collections.abc import Callable
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, revoker, role_exists
from tests.integration.test_revoke_options import deny_in_destination  # noqa: F401 (a fixture)


def auditor_statement(aws: Seeded) -> dict[str, Any]:
    """A statement of the bucket owner's own, naming the partner's role (the provider never writes it)."""
    return {
        "Sid": "PartnerReadsItsReports",
        "Effect": "Allow",
        "Principal": {"AWS": role_arn(PARTNER_1)},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{aws.bucket}/reports/*",
    }


def test_delete_destination_role_refuses_a_bucket_policy_naming_the_role_before_any_write(aws: Seeded) -> None:
    """
    Deleted regardless, the role would show as its unique ID in the bucket policy, and the owner could not save it
    back (the stand-in's judge); so the revoke refuses, dry run and real run alike, naming bucket and statement.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    policy = {"Version": "2012-10-17", "Statement": [auditor_statement(aws)]}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))
    before = snapshot(aws)

    for dry_run in (True, False):
        with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
            run_operator(revoker(aws, PARTNER_1, delete_destination_role=True, dry_run=dry_run))
        assert calls.mutating == []
        message = str(refused.value)
        assert message.startswith("delete_destination_role: ")
        assert f"the bucket policy of {aws.bucket} (statement 'PartnerReadsItsReports')" in message
        assert "delete_destination_role=False" in message
    assert changes(before, snapshot(aws)) == {}
    assert role_exists(aws, PARTNER_1)
    # What the refusal spares: S3 refuses the policy back once the role is gone (the stand-in's judge).
    client(aws.url, DESTINATION_ACCOUNT, "iam").delete_role_policy(
        RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME
    )
    client(aws.url, DESTINATION_ACCOUNT, "iam").delete_role(RoleName=PARTNER_1)
    shown = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]
    assert role_arn(PARTNER_1) not in shown
    with pytest.raises(ClientError, match="Invalid principal in policy"):
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=shown)


def test_delete_destination_role_refuses_another_roles_trust_policy_naming_the_role_before_any_write(
    aws: Seeded,
) -> None:
    """Role chaining: another role of the destination account trusting the role would keep its unique ID."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": role_arn(PARTNER_1)}, "Action": "sts:AssumeRole"}],
    }
    chained = iam.create_role(RoleName="partner-1-reports-reader", AssumeRolePolicyDocument=json.dumps(trust))
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}
    assert f"the trust policy of {chained['Role']['Arn']} (statement #0)" in str(refused.value)


def test_a_granted_bucket_whose_policy_cannot_be_read_is_named_as_not_checked_before_any_write(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A bucket of another account: ``GetBucketPolicy`` with ``ExpectedBucketOwner`` of the destination account is
    refused (403, S3 User Guide, "Verifying bucket ownership with bucket owner condition"). Not taken as clean:
    the warning names it, in the dry run too; the role is deleted all the same.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    elsewhere = "emr-account-shared-reports"
    client(aws.url, EMR_ACCOUNT, "s3").create_bucket(Bucket=elsewhere)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    for statement in policy["Statement"]:
        if statement["Sid"] == OBJECTS_SID:
            statement["Resource"] = [*as_list(statement["Resource"]), f"arn:aws:s3:::{elsewhere}/partner-1/*"]
    iam.put_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))

    for dry_run in (True, False):
        caplog.clear()
        capfd.readouterr()
        with caplog.at_level(logging.WARNING):
            run_operator(revoker(aws, PARTNER_1, delete_destination_role=True, dry_run=dry_run))
        output = capfd.readouterr().out + caplog.text
        [warning] = [line for line in output.splitlines() if "NOT checked" in line]
        assert f"the bucket policy of {elsewhere} (AccessDenied" in warning
        assert f"the bucket policy of {aws.bucket}" not in warning  # read, and clean
        assert role_exists(aws, PARTNER_1) is dry_run


def test_a_trust_policy_naming_the_role_only_in_its_own_trust_does_not_refuse(aws: Seeded) -> None:
    """The role's own trust policy goes with it; an unrelated role's trust is not a reason to refuse."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(
        RoleName="unrelated", AssumeRolePolicyDocument=EC2_ONLY_TRUST
    )

    run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert not role_exists(aws, PARTNER_1)


def test_the_plan_names_the_tags_and_permissions_boundary_that_go_with_the_deleted_role(aws: Seeded) -> None:
    """
    ``DeleteRole`` does not ask for tags or a permissions boundary to go first (IAM API Reference, "DeleteRole"), so
    the role takes someone's tag and the boundary with it: the plan, dry run and real run alike, names them.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    boundary = iam.create_policy(
        PolicyName="partner-boundary",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=PARTNER_1, PermissionsBoundary=boundary)
    iam.tag_role(RoleName=PARTNER_1, Tags=[{"Key": "cost-center", "Value": "partners"}])

    planned, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True, dry_run=True))
    result, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert planned["plan"] == result["plan"]
    deleted = result["plan"][-1]["before"]
    assert deleted["Tags"]["cost-center"] == "partners"
    assert deleted["PermissionsBoundary"] == boundary
    assert not role_exists(aws, PARTNER_1)


@pytest.mark.parametrize(
    ("action", "not_checked"),
    [
        ("s3:GetBucketPolicy", "the bucket policy of {bucket} (AccessDenied"),
        ("iam:ListRoles", "the trust policies of the roles of account {account} (AccessDenied"),
    ],
)
def test_a_policy_read_refused_to_the_destination_connection_is_named_as_not_checked(
    aws: Seeded,
    deny_in_destination: Callable[[str], None],  # noqa: F811 (the fixture imported above)
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    action: str,
    not_checked: str,
) -> None:
    """A refused read is not a clean policy: the warning names what was not checked; the role is deleted."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    deny_in_destination(action)
    capfd.readouterr()

    with caplog.at_level(logging.WARNING):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    output = capfd.readouterr().out + caplog.text
    [warning] = [line for line in output.splitlines() if "NOT checked" in line]
    assert not_checked.format(bucket=aws.bucket, account=DESTINATION_ACCOUNT) in warning
    assert (result["plan"][-1]["action"], result["plan"][-1]["resource"]) == ("delete", f"iam role {PARTNER_1}")


def test_the_trust_policy_check_reads_a_thousand_roles_per_listroles_page_and_still_finds_the_last(
    aws: Seeded,
) -> None:
    """
    ``ListRoles`` answers 100 roles a page unless ``MaxItems`` says more, up to 1,000 (IAM API Reference,
    "ListRoles": "If you do not include this parameter, the number of items defaults to 100"; ``MaxItems``, valid
    range 1 to 1000), and 1,000 is also the default quota of roles per account (IAM User Guide, "IAM and AWS STS
    quotas"). So past 100 roles a revoke deleting its role read every page of 100: ``N`` partners' revokes sent
    about ``N²/100`` ``ListRoles``. With 1,000 a page, one request; the trust policy naming the role, on a role
    listed past the first 100, is still found and refused the same way.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    for index in range(100):
        iam.create_role(RoleName=f"bystander-{index:03d}", AssumeRolePolicyDocument=json.dumps(EC2_ONLY_TRUST))
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": role_arn(PARTNER_1)}, "Action": "sts:AssumeRole"}],
    }
    chained = iam.create_role(RoleName="zz-partner-1-reports-reader", AssumeRolePolicyDocument=json.dumps(trust))
    assert len(iam.list_roles()["Roles"]) == 100  # a page of IAM's default size ends before it

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert f"the trust policy of {chained['Role']['Arn']} (statement #0)" in str(refused.value)
    assert calls.of("iam").count("ListRoles") == 1
    assert [params.get("MaxItems") for params in calls.params_of("ListRoles")] == [1000]


def test_a_granted_bucket_deleted_since_has_no_policy_left_and_the_role_is_deleted(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A bucket the role's policy still grants but that was deleted since (``GetBucketPolicy`` answers ``NoSuchBucket``,
    S3 API Reference, "GetBucketPolicy"/"Error responses") has no policy left to keep the role's ID: no refusal, no
    "NOT checked", the role is deleted.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    gone = "partner-1-bucket-deleted-since"
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    for statement in policy["Statement"]:
        if statement["Sid"] == OBJECTS_SID:
            statement["Resource"] = [*as_list(statement["Resource"]), f"arn:aws:s3:::{gone}/partner-1/*"]
    iam.put_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))
    with pytest.raises(ClientError, match="NoSuchBucket"):
        client(aws.url, DESTINATION_ACCOUNT, "s3").get_bucket_policy(Bucket=gone)
    capfd.readouterr()

    with caplog.at_level(logging.WARNING):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert "NOT checked" not in capfd.readouterr().out + caplog.text
    assert not role_exists(aws, PARTNER_1)


def test_the_roles_own_trust_policy_naming_it_goes_with_it_and_does_not_refuse(aws: Seeded) -> None:
    """
    The role's own trust policy is deleted with it (IAM API Reference, "DeleteRole"), so a statement there naming the
    role (here a Deny of its own session re-assuming it, which the deletion's trust check does not count as access)
    keeps no unique ID anywhere: the role is deleted.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=PARTNER_1)["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"].append(
        {"Sid": "NoSelfAssume", "Effect": "Deny", "Principal": {"AWS": role_arn(PARTNER_1)}, "Action": "sts:AssumeRole"}
    )
    iam.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))

    run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert not role_exists(aws, PARTNER_1)


def test_other_roles_trust_naming_the_role_past_the_first_page_of_list_roles_refuses(aws: Seeded) -> None:
    """
    IAM may answer ``ListRoles`` in pages shorter than ``MaxItems``, flagging ``IsTruncated`` (IAM API Reference,
    "ListRoles"); the stand-in answers one role a page here: each role trusting the partner's role is read, on
    whatever page it comes.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": role_arn(PARTNER_1)}, "Action": "sts:AssumeRole"}],
    }
    chained = [
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        for name in ("partner-1-reports-reader", "partner-1-audit-reader")
    ]

    with short_pages(1), pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    for arn in chained:  # one page holds one role: both named, so every page was read
        assert f"the trust policy of {arn} (statement #0)" in str(refused.value)
    assert role_exists(aws, PARTNER_1)


def test_delete_destination_role_refuses_a_not_principal_naming_the_role_and_not_a_condition_naming_it(
    aws: Seeded,
) -> None:
    """
    AWS documents the unique-ID transformation for ``Principal`` only; ``NotPrincipal`` names principals as
    ``Principal`` does (IAM User Guide, "AWS JSON policy elements: NotPrincipal"), so a statement naming the role there
    is refused too (the safe side, ``docs/limits.md``). A condition value naming it is not: "AWS does not convert
    condition key ARNs to IDs" (IAM User Guide, "AWS JSON policy elements: Principal"): the role is deleted, and the
    owner saves the policy back unchanged.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    resources = [f"arn:aws:s3:::{aws.bucket}", f"arn:aws:s3:::{aws.bucket}/*"]
    by_condition = {
        "Sid": "PartnerNeverDeletes",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": resources,
        "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn(PARTNER_1)}},
    }
    by_not_principal = {
        "Sid": "OnlyThePartnerAndTheOwner",
        "Effect": "Deny",
        "NotPrincipal": {"AWS": [role_arn(PARTNER_1), f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"]},
        "Action": "s3:PutObjectTagging",
        "Resource": resources,
    }
    s3.put_bucket_policy(
        Bucket=aws.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [by_condition, by_not_principal]})
    )
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}
    assert f"the bucket policy of {aws.bucket} (statement 'OnlyThePartnerAndTheOwner')" in str(refused.value)
    assert "PartnerNeverDeletes" not in str(refused.value)

    policy = {"Version": "2012-10-17", "Statement": [by_condition]}
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(policy))
    run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))
    assert not role_exists(aws, PARTNER_1)
    shown = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]
    assert json.loads(shown)["Statement"] == [by_condition]
    s3.put_bucket_policy(Bucket=aws.bucket, Policy=shown)
