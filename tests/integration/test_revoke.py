"""
RevokePartnerAccessOperator and DeleteUnusedSecurityConfigsOperator against two-account moto.

Two partners share the EMR EC2 role's assume-role policy and the bucket key's key-users statement;
revoking one must leave the other, and every statement the provider did not write, exactly as it was.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.pure.documents import (
    ASSUME_POLICY_NAME,
    ASSUME_SID,
    DESTINATION_POLICY_NAME,
    KEY_USERS_SID,
    TRUST_NOBODY_MARK,
    TRUST_NOBODY_STATEMENT,
    TRUST_SID,
    as_list,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    build_security_configuration,
    security_configuration_name,
    validate_role_mappings,
    without_generated_fields,
)
from devstack import aws_judge
from devstack.emrfs_writer import read_principal
from devstack.emrfs_writer import route as emrfs_route
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    REGION,
    Seeded,
    client,
    create_principals,
)
from devstack.testing import CallRecorder, run_operator, small_cluster
from tests.integration.partners import (
    AUDITOR_STATEMENT,
    NAME_PREFIX,
    create_auditor,
    create_security_configuration,
    ensure_destination_role,
    grant_key_users,
    mapping,
    provision_partner,
    role_arn,
)
from tests.integration.state import changes, snapshot
from tests.integration.test_links_and_teardown import state_filtered_lists_leave_out
from tests.integration.test_verify import ASSUME as VERIFY_ASSUME
from tests.integration.test_verify import expect_broken, failing

PARTNER_1, PREFIX_1 = "partner-1-writer", "s3://partner-results-b/partner-1/"
PARTNER_2, PREFIX_2 = "partner-2-writer", "s3://partner-results-b/partner-2/"
SEEDED_EMR_POLICY = "emr-ec2-own-bucket-access"


def revoker(aws: Seeded, role_name: str, **kwargs: Any) -> RevokePartnerAccessOperator:
    arguments: dict[str, Any] = {
        "task_id": "revoke_partner",
        "aws_conn_id": EMR_CONN_ID,
        "destination_aws_conn_id": DESTINATION_CONN_ID,
        "destination_role_arn": role_arn(role_name),
        "emr_ec2_role_name": EMR_EC2_ROLE,
        "kms_key_arns": [aws.kms_key_arn],
        "settle_seconds": 0,
    }
    arguments.update(kwargs)
    return RevokePartnerAccessOperator(**arguments)


def assume_policy(aws: Seeded) -> dict[str, Any] | None:
    try:
        response = client(aws.url, EMR_ACCOUNT, "iam").get_role_policy(
            RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return None
    document = response["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


def assumable(aws: Seeded) -> list[str] | None:
    policy = assume_policy(aws)
    if policy is None:
        return None
    [statement] = [statement for statement in policy["Statement"] if statement.get("Sid") == ASSUME_SID]
    return sorted(as_list(statement["Resource"]))


def key_policy(aws: Seeded) -> dict[str, Any]:
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    return json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])


def key_users(aws: Seeded) -> list[str] | None:
    statements = [statement for statement in key_policy(aws)["Statement"] if statement.get("Sid") == KEY_USERS_SID]
    return sorted(as_list(statements[0]["Principal"]["AWS"])) if statements else None


def seeded_emr_policy(aws: Seeded) -> Any:
    return client(aws.url, EMR_ACCOUNT, "iam").get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=SEEDED_EMR_POLICY)[
        "PolicyDocument"
    ]


def configuration(aws: Seeded, name: str) -> dict[str, Any] | None:
    try:
        text = client(aws.url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=name)["SecurityConfiguration"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "InvalidRequestException":
            raise
        return None
    return json.loads(text)


def role_exists(aws: Seeded, name: str) -> bool:
    try:
        client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return False
    return True


def mappings_of(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    assert document is not None
    return document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]


@pytest.fixture
def two_partners(aws: Seeded) -> str:
    """Two partners provisioned with the operators, sharing the EMR role and the key; return the configuration."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)
    assert assumable(aws) == [role_arn(PARTNER_1), role_arn(PARTNER_2)]
    assert key_users(aws) == [role_arn(PARTNER_1), role_arn(PARTNER_2)]
    return create_security_configuration([mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)])


def test_revoking_one_partner_keeps_the_other_and_everything_not_ours(aws: Seeded, two_partners: str) -> None:
    seeded_policy = seeded_emr_policy(aws)

    with CallRecorder().everywhere() as calls:
        result, _, ti = run_operator(
            revoker(aws, PARTNER_1, security_configuration=two_partners, name_prefix=NAME_PREFIX)
        )

    # The shared documents lose partner 1 only.
    assert assumable(aws) == [role_arn(PARTNER_2)]
    assert key_users(aws) == [role_arn(PARTNER_2)]
    policy = key_policy(aws)
    assert policy["Statement"][:2] == aws.key_policy["Statement"]  # the seeded statements, exactly and first
    assert policy["Id"] == aws.key_policy["Id"]
    assert seeded_emr_policy(aws) == seeded_policy
    assert role_exists(aws, PARTNER_1)  # not asked to delete it
    # A new configuration, named by its content, holds only partner 2's mapping; the old one stays
    # (clusters may still run with it).
    expected = build_security_configuration(validate_role_mappings([mapping(PARTNER_2, PREFIX_2)]))
    new_name = security_configuration_name(NAME_PREFIX, expected)
    assert result["security_configuration"] == new_name
    assert configuration(aws, new_name) == expected
    assert mappings_of(configuration(aws, two_partners)) == validate_role_mappings(
        [mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)]
    )
    # The plan says what changed, and went to XCom.
    assert ti.xcoms["plan"] == result["plan"]
    assert [(change["action"], change["resource"].split()[0]) for change in result["plan"]] == [
        ("update", "iam"),  # the destination role's trust, first: its refusals come before any change
        ("update", "iam"),
        ("update", "kms"),
        ("create", "emr"),
    ]
    assert result["plan"][0]["resource"] == f"iam role {PARTNER_1} trust policy"
    assert sorted(calls.mutating) == [
        "CreateSecurityConfiguration",
        "PutKeyPolicy",
        "PutRolePolicy",
        "UpdateAssumeRolePolicy",
    ]

    # Revoking again changes nothing at all.
    with CallRecorder().everywhere() as calls:
        again, _, _ = run_operator(
            revoker(aws, PARTNER_1, security_configuration=two_partners, name_prefix=NAME_PREFIX)
        )
    assert calls.mutating == []
    assert again["plan"] == []
    assert again["security_configuration"] == new_name

    # Revoking the last partner deletes the inline policy and drops the key-users statement.
    last, _, _ = run_operator(revoker(aws, PARTNER_2, security_configuration=new_name, name_prefix=NAME_PREFIX))
    assert assume_policy(aws) is None
    assert key_users(aws) is None
    assert key_policy(aws) == aws.key_policy
    assert seeded_emr_policy(aws) == seeded_policy
    assert last["security_configuration"] is None  # no mapping left: clusters need none for these partners
    assert configuration(aws, new_name) is not None


def test_a_revoke_keeping_the_role_warns_that_sessions_assumed_before_it_outlive_it(
    aws: Seeded, two_partners: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Temporary credentials "are valid through the expiration period and cannot be revoked", their permissions
    evaluated at each request (IAM User Guide, "Permissions for temporary security credentials"): the trust and
    the grant a revoke removes stop new sessions only, and the role's permissions policy stays. Said in the dry run,
    in the revoke, with the ways to end them; not by a rerun that changes nothing, nor by a revoke deleting the role.
    """
    arn = role_arn(PARTNER_1)

    def said() -> str:
        text = capfd.readouterr().out + caplog.text
        caplog.clear()
        return text

    with caplog.at_level(logging.WARNING):
        said()
        run_operator(revoker(aws, PARTNER_1, security_configuration=None, dry_run=True))
        assert f"Once this revoke is applied, sessions of role {arn} assumed before it keep" in said()
        run_operator(revoker(aws, PARTNER_1, security_configuration=None))
        warned = said()
        assert f"Sessions of role {arn} assumed before it keep the role's permissions until they expire" in warned
        assert "terminate those clusters" in warned
        assert "Revoke IAM role temporary security credentials" in warned
        run_operator(revoker(aws, PARTNER_1, security_configuration=None))
        assert "assumed before it keep" not in said()
        run_operator(revoker(aws, PARTNER_2, security_configuration=None, delete_destination_role=True))
        assert "assumed before it keep" not in said()


def test_a_revoke_names_the_kept_mapping_that_takes_the_partners_prefix_over(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    EMRFS uses the first mapping that matches, else the EMR role for EC2 (Amazon EMR Management Guide, "Configure IAM
    roles for EMRFS requests to Amazon S3"): once partner 1's mapping is gone, partner 2's wider prefix over the same
    bucket takes partner 1's keys, on clusters launched with the rebuilt configuration. The revoke says so, in the
    dry run and when applied; the stand-in's router, not the code under test, shows where those writes go.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)
    whole_bucket = "s3://partner-results-b/"
    given = create_security_configuration([mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, whole_bucket)])
    with caplog.at_level(logging.WARNING):
        capfd.readouterr()
        run_operator(revoker(aws, PARTNER_1, security_configuration=given, name_prefix=NAME_PREFIX, dry_run=True))
        planned = capfd.readouterr().out + caplog.text
        assert "On clusters launched with" in planned
        assert "would be sent with that role's credentials" in planned
        caplog.clear()
        result, _, _ = run_operator(revoker(aws, PARTNER_1, security_configuration=given, name_prefix=NAME_PREFIX))
    warned = capfd.readouterr().out + caplog.text
    assert f"Security configuration {given} without the mappings of {role_arn(PARTNER_1)}" in warned
    assert (
        f"requests under {PREFIX_1.rstrip('/')}, which went as {role_arn(PARTNER_1)} (mapping 0), go as "
        f"{role_arn(PARTNER_2)} (mapping 1)" in warned
    )
    assert f"On clusters launched with {result['security_configuration']} those requests are sent with" in warned
    rebuilt = mappings_of(configuration(aws, result["security_configuration"]))
    routed = emrfs_route(rebuilt, f"{PREFIX_1}part-00000", aws.emr_ec2_role_arn, "hadoop")
    assert routed.role_arn == role_arn(PARTNER_2)


def test_a_revoke_of_a_prefix_no_kept_mapping_reaches_names_none(
    aws: Seeded, two_partners: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.WARNING):
        capfd.readouterr()
        result, _, _ = run_operator(
            revoker(aws, PARTNER_1, security_configuration=two_partners, name_prefix=NAME_PREFIX)
        )
    said = capfd.readouterr().out + caplog.text
    assert "Sessions of role" in said  # the revoke's warnings are read here
    assert "On clusters launched with" not in said
    rebuilt = mappings_of(configuration(aws, result["security_configuration"]))
    routed = emrfs_route(rebuilt, f"{PREFIX_1}part-00000", aws.emr_ec2_role_arn, "hadoop")
    assert routed.role_arn == aws.emr_ec2_role_arn  # no mapping: the EMR role for EC2


def test_a_key_user_deleted_meanwhile_is_not_written_back(aws: Seeded, two_partners: str) -> None:
    """
    KMS shows a deleted role as its unique ID and refuses a key policy still naming it (Knowledge Center,
    kms-policy-error-invalid-principals; the stand-in plays both, devstack/aws_principals.py).
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    reader = iam.create_role(RoleName="partner-3-reader", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]
    grant_key_users(aws, [reader["Arn"]])
    # Partner 1's role is deleted outside the provider (its inline policy first, as IAM requires).
    deleted = iam.get_role(RoleName=PARTNER_1)["Role"]
    for name in iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"]:
        iam.delete_role_policy(RoleName=PARTNER_1, PolicyName=name)
    iam.delete_role(RoleName=PARTNER_1)
    assert key_users(aws) == sorted([deleted["RoleId"], role_arn(PARTNER_2), reader["Arn"]])

    run_operator(revoker(aws, PARTNER_2, security_configuration=two_partners, name_prefix=NAME_PREFIX))

    assert key_users(aws) == [reader["Arn"]]
    assert key_policy(aws)["Statement"][:2] == aws.key_policy["Statement"]


def test_revoking_the_last_mapping_keeps_the_configurations_other_sections(aws: Seeded) -> None:
    """
    A configuration also sets encryption and IMDS: without the last mapping, the next clusters still
    need those sections, so the rebuilt configuration keeps them (its sections are independent:
    CloudFormation User Guide, "AWS::EMR::SecurityConfiguration"; Amazon EMR Management Guide, "Use
    security configurations to set up cluster security").
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    base = {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": True,
            "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}},
        },
        "InstanceMetadataServiceConfiguration": {
            "MinimumInstanceMetadataServiceVersion": 2,
            "HttpPutResponseHopLimit": 1,
        },
    }
    name, _, _ = run_operator(
        CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=NAME_PREFIX,
            role_mappings=[mapping(PARTNER_1, PREFIX_1)],
            base_configuration=base,
        )
    )

    result, _, _ = run_operator(revoker(aws, PARTNER_1, security_configuration=name, name_prefix=NAME_PREFIX))

    assert result["security_configuration"] == security_configuration_name(NAME_PREFIX, base)
    assert configuration(aws, result["security_configuration"]) == base
    assert [change["resource"] for change in result["plan"] if change["action"] == "create"] == [
        f"emr security configuration {result['security_configuration']}"
    ]
    assert configuration(aws, name) is not None  # clusters may still run with it


def test_revoking_one_partner_from_a_configuration_with_runtime_roles_keeps_the_other_with_a_warning(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A configuration EMR holds with runtime roles (which take writes from the role mappings: the provider's create
    refuses it) and two partners' mappings: revoking one partner rebuilt it through the create's checks, which
    refused the whole revoke naming ``base_configuration``. Taking a mapping out grants nothing: the rebuilt
    configuration keeps the other partner's mapping and the section, and the log says what stays.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)
    runtime_roles = {"IAMConfiguration": {"EnableApplicationScopedIAMRole": True}}
    document = {
        "AuthorizationConfiguration": {
            **runtime_roles,
            "EmrFsConfiguration": {"RoleMappings": [mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)]},
        }
    }
    name = f"{NAME_PREFIX}-runtime-roles"
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=name, SecurityConfiguration=json.dumps(document)
    )

    with caplog.at_level(logging.WARNING):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, security_configuration=name, name_prefix=NAME_PREFIX))

    # EMR (and the stand-in) add the ExternalId of the new configuration ("Runtime roles for Amazon EMR steps")
    rebuilt = without_generated_fields(configuration(aws, result["security_configuration"]))
    assert rebuilt == {
        "AuthorizationConfiguration": {
            **runtime_roles,
            "EmrFsConfiguration": {"RoleMappings": [mapping(PARTNER_2, PREFIX_2)]},
        }
    }
    assert assumable(aws) == [role_arn(PARTNER_2)]
    output = capfd.readouterr().out + caplog.text  # the task's logger writes to the task log (stdout here)
    assert f"Security configuration {name} keeps AuthorizationConfiguration.IAMConfiguration" in output


def test_a_security_configuration_emr_does_not_have_gives_none_with_a_warning_and_the_rest_is_revoked(
    aws: Seeded, two_partners: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A name EMR has no configuration by (a DAG's retry after a cleanup) is skipped with a warning, not refused, and
    the result is ``None`` as for a configuration left with nothing: the operator's docstring says both.
    """
    gone = f"{NAME_PREFIX}-0123456789ab"

    result, recorder, _ = run_operator(revoker(aws, PARTNER_1, security_configuration=gone, name_prefix=NAME_PREFIX))

    assert result["security_configuration"] is None
    assert "CreateSecurityConfiguration" not in recorder.mutating
    assert f"Security configuration {gone} not found; nothing to rebuild" in capfd.readouterr().out + caplog.text
    assert assumable(aws) == [role_arn(PARTNER_2)]  # the rest of the revoke went through
    assert key_users(aws) == [role_arn(PARTNER_2)]
    assert configuration(aws, two_partners) is not None  # the one in use is not touched


def test_dry_run_revoke_plans_everything_and_changes_nothing(aws: Seeded, two_partners: str) -> None:
    before = (assume_policy(aws), key_policy(aws))

    with CallRecorder().everywhere() as calls:
        result, _, _ = run_operator(
            revoker(
                aws,
                PARTNER_1,
                security_configuration=two_partners,
                name_prefix=NAME_PREFIX,
                delete_destination_role=True,
                dry_run=True,
            )
        )

    assert calls.mutating == []
    assert (assume_policy(aws), key_policy(aws)) == before
    assert role_exists(aws, PARTNER_1)
    assert configuration(aws, result["security_configuration"]) is None  # named, not created
    assert [change["action"] for change in result["plan"]] == ["update", "update", "create", "delete"]
    assert result["plan"][3]["resource"] == f"iam role {PARTNER_1}"


@pytest.mark.parametrize("provisioned", ["whole", "role-only"])
def test_a_dry_run_revoke_plans_exactly_what_the_revoke_then_does(aws: Seeded, provisioned: str) -> None:
    """The plan a dry run shows is the list of changes the revoke makes right after (whole partner or half provisioned)."""
    if provisioned == "whole":
        provision_partner(aws, PARTNER_1, PREFIX_1)
        provision_partner(aws, PARTNER_2, PREFIX_2)
        arguments: dict[str, Any] = {
            "security_configuration": create_security_configuration(
                [mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)]
            ),
            "name_prefix": NAME_PREFIX,
        }
    else:  # a provisioning that stopped after the destination role: no grant in the EMR account, no key user
        ensure_destination_role(aws, PARTNER_1, PREFIX_1)
        arguments = {}

    planned, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True, dry_run=True, **arguments))
    done, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True, **arguments))

    assert planned == {**done, "sessions_may_last_until": None}  # the dry run wrote nothing: no session to wait for
    assert done["plan"][-1]["resource"] == f"iam role {PARTNER_1}"
    assert not role_exists(aws, PARTNER_1)


def a_deleted_role_in_a_statement_not_ours(aws: Seeded) -> str:
    """A statement someone added to the key policy names a role deleted since: KMS shows its unique ID."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    deleted = iam.create_role(RoleName="console-user", AssumeRolePolicyDocument=EC2_ONLY_TRUST)["Role"]
    theirs = {"Sid": "ConsoleDecrypt", "Effect": "Allow", "Principal": {"AWS": deleted["Arn"]}, "Action": "kms:Decrypt"}
    policy = key_policy(aws)
    policy["Statement"].append({**theirs, "Resource": "*"})
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))
    iam.delete_role(RoleName="console-user")
    return f"names {deleted['RoleId']!r}"


def a_wildcard_in_the_key_users_statement(aws: Seeded) -> str:
    """Someone widened the provider's key-users statement to every principal."""
    policy = key_policy(aws)
    [ours] = [statement for statement in policy["Statement"] if statement.get("Sid") == KEY_USERS_SID]
    ours["Principal"]["AWS"] = [*as_list(ours["Principal"]["AWS"]), "*"]
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))
    return "'*'"


def a_wildcard_in_the_assume_role_statement(aws: Seeded) -> str:
    """
    Someone widened the provider's assume-role statement to every role of the destination account.

    Kept by the revoke, the EMR EC2 role could still assume the revoked role through it (OX264).
    """
    policy = assume_policy(aws)
    assert policy is not None
    [ours] = [statement for statement in policy["Statement"] if statement.get("Sid") == ASSUME_SID]
    wildcard = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/*"
    ours["Resource"] = [*as_list(ours["Resource"]), wildcard]
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME, PolicyDocument=json.dumps(policy)
    )
    return repr(wildcard)


@pytest.mark.parametrize(
    "refusal",
    [
        a_deleted_role_in_a_statement_not_ours,
        a_wildcard_in_the_key_users_statement,
        a_wildcard_in_the_assume_role_statement,
    ],
    ids=["orphan", "wildcard", "assume-wildcard"],
)
def test_a_key_policy_the_revoke_must_refuse_is_refused_before_any_write(
    aws: Seeded, two_partners: str, refusal: Any
) -> None:
    """
    The safety table: a key policy the revoke may not write (a deleted role's unique ID in a statement
    not ours, which KMS refuses to save; a wildcard in the provider's statement) is a ``ConflictError``
    before any write, in either account: the EMR EC2 role's assume-role policy, written first, too. So is a
    wildcard resource someone added to the provider's assume-role statement, which the revoke would write back.
    """
    needle = refusal(aws)
    held = assumable(aws)
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(
            revoker(
                aws,
                PARTNER_1,
                security_configuration=two_partners,
                name_prefix=NAME_PREFIX,
                delete_destination_role=True,
            )
        )

    assert needle in str(refused.value)
    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}
    assert held is not None
    assert {role_arn(PARTNER_1), role_arn(PARTNER_2)} <= set(held)
    assert assumable(aws) == held


def test_delete_destination_role_deletes_a_role_the_provider_created(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)

    result, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert not role_exists(aws, PARTNER_1)
    assert assume_policy(aws) is None
    assert key_users(aws) is None
    assert result["plan"][-1]["action"] == "delete"
    assert result["plan"][-1]["before"]["Arn"] == role_arn(PARTNER_1)

    # Gone already: a rerun has nothing left to do.
    with CallRecorder().everywhere() as calls:
        again, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))
    assert calls.mutating == []
    assert again["plan"] == []


@pytest.mark.parametrize(("rendered", "deleted"), [("false", False), (" False ", False), ("true", True)])
def test_delete_destination_role_rendered_as_text_is_read_as_the_flag(
    aws: Seeded, rendered: str, deleted: bool
) -> None:
    """
    ``delete_destination_role`` is templated (docs/airflow.md): a DAG rendering templates as text, Airflow's default,
    gives ``"false"``, which is true to Python. Read as the flag: ``"false"`` keeps the role (a revoke that deleted it
    would end the partner's role for good), ``"true"`` deletes it.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)

    run_operator(revoker(aws, PARTNER_1, delete_destination_role=rendered))

    assert role_exists(aws, PARTNER_1) is not deleted
    assert assume_policy(aws) is None


def test_delete_destination_role_takes_the_role_out_of_the_keys_its_policy_grants_not_only_those_given(
    aws: Seeded,
) -> None:
    """
    A key policy naming a deleted role shows its unique ID (IAM User Guide, "AWS JSON policy elements: Principal";
    the stand-in plays it, devstack/aws_principals.py), and KMS refuses every ``PutKeyPolicy`` keeping it
    (Knowledge Center, "kms-policy-error-invalid-principals"): the key the role's policy grants loses the role
    first, though ``kms_key_arns`` does not name it; the dry run plans that write too.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)

    planned, _, _ = run_operator(revoker(aws, PARTNER_1, kms_key_arns=None, delete_destination_role=True, dry_run=True))
    result, _, _ = run_operator(revoker(aws, PARTNER_1, kms_key_arns=None, delete_destination_role=True))

    assert not role_exists(aws, PARTNER_1)
    assert key_users(aws) == [role_arn(PARTNER_2)]  # no AROA... left in its place, partner 2 kept
    assert f"kms key {aws.kms_key_arn} key policy" in [change["resource"] for change in result["plan"]]
    assert planned["plan"] == result["plan"]
    # The key administrators' own edits go through afterwards.
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(key_policy(aws)))


def test_delete_destination_role_refuses_a_granted_key_its_connection_cannot_change_before_any_write(
    aws: Seeded,
) -> None:
    """
    A key in another account or Region: key policies are Regional and ``PutKeyPolicy`` does not work across
    accounts (KMS Developer Guide, "Key policies in AWS KMS"; "Allowing users in other accounts to use a KMS key"),
    so the revoke cannot take the role out of it: it refuses by name before any change, rather than leave an ID.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = json.loads(
        json.dumps(iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"])
    )
    third = f"arn:aws:kms:{REGION}:{EMR_ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444444444444"
    other_region = f"arn:aws:kms:eu-west-3:{DESTINATION_ACCOUNT}:key/0f0f0f0f-1111-2222-3333-555555555555"
    for statement in policy["Statement"]:
        if statement["Sid"] == "EmrfsXacctKmsKeyUse":
            statement["Resource"] = [*as_list(statement["Resource"]), third, other_region]
    iam.put_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}
    message = str(refused.value)
    assert message.startswith("delete_destination_role: ")
    assert third in message
    assert other_region in message
    assert "delete_destination_role=False" in message


def test_delete_destination_role_passes_over_a_granted_key_deleted_since(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A key the role's policy still grants but KMS deleted since (after its waiting period "KMS deletes the KMS key, its
    key material, and all KMS data associated with it": AWS KMS API Reference, "ScheduleKeyDeletion"; ``GetKeyPolicy``
    answers ``NotFoundException``) has no key policy left to keep the role's ID: the deletion goes on, saying so,
    rather than fail on a key ``kms_key_arns`` never named, "create the key first".
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = json.loads(
        json.dumps(iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"])
    )
    deleted = f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/0f0f0f0f-1111-2222-3333-666666666666"
    for statement in policy["Statement"]:
        if statement["Sid"] == "EmrfsXacctKmsKeyUse":
            statement["Resource"] = [*as_list(statement["Resource"]), deleted]
    iam.put_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))

    with caplog.at_level(logging.INFO):
        planned, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True, dry_run=True))
        result, _, _ = run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert not role_exists(aws, PARTNER_1)
    assert key_users(aws) is None
    assert planned["plan"] == result["plan"]
    assert not any(deleted in str(change["resource"]) for change in result["plan"])
    assert f"{deleted}, which the role's policy grants, does not exist" in capfd.readouterr().out + caplog.text


def test_delete_destination_role_refuses_a_key_statement_of_someone_else_naming_the_role_before_any_write(
    aws: Seeded,
) -> None:
    """The revoke changes only the provider's key-users statement: the role's ID would stay in someone else's."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    policy = key_policy(aws)
    theirs = {
        "Sid": "AuditReads",
        "Effect": "Allow",
        "Principal": {"AWS": role_arn(PARTNER_1)},
        "Action": "kms:DescribeKey",
        "Resource": "*",
    }
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    kms.put_key_policy(
        KeyId=aws.kms_key_arn,
        PolicyName="default",
        Policy=json.dumps({**policy, "Statement": [*policy["Statement"], theirs]}),
    )
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}
    message = str(refused.value)
    assert message.startswith("delete_destination_role: ")
    assert f"the key policy of {aws.kms_key_arn} names {role_arn(PARTNER_1)} in statement 'AuditReads'" in message


def test_delete_destination_role_refuses_a_role_made_by_hand(aws: Seeded) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(
        RoleName=PARTNER_1,
        AssumeRolePolicyDocument=EC2_ONLY_TRUST,
        Tags=[{"Key": "team", "Value": "partner-1"}],
    )

    with pytest.raises(ConflictError, match=f"role {PARTNER_1} has no emrfs-xacct:managed-by tag") as refused:
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert role_exists(aws, PARTNER_1)
    # The author reads which field made the task delete, which role in which connection, and the way out.
    message = str(refused.value)
    assert message.startswith("delete_destination_role: ")
    assert f"not deleting {role_arn(PARTNER_1)} (connection 'aws_destination_account')" in message
    assert "delete it by hand, or revoke without deleting it" in message


def test_delete_destination_role_refuses_a_role_of_that_name_at_another_path(aws: Seeded) -> None:
    """
    Role names are unique in an account whatever the path ("IAM user, group, role, and policy names must be
    unique within the account", IAM API Reference, CreateRole): ``GetRole`` finds this one by its name.
    """
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(
        RoleName=PARTNER_1,
        Path="/elsewhere/",
        AssumeRolePolicyDocument=EC2_ONLY_TRUST,
        Tags=[{"Key": "emrfs-xacct:managed-by", "Value": "airflow-provider-emrfs-xacct"}],
    )

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="/elsewhere/"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert role_exists(aws, PARTNER_1)


def test_delete_destination_role_refuses_a_role_with_another_policy(aws: Seeded) -> None:
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.put_role_policy(
        RoleName=PARTNER_1,
        PolicyName="added-by-the-partner",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::elsewhere/*"}],
            }
        ),
    )

    with pytest.raises(ConflictError, match="added-by-the-partner"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert role_exists(aws, PARTNER_1)
    assert sorted(iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"]) == [
        "added-by-the-partner",
        "emrfs-xacct-destination-access",
    ]


def test_delete_destination_role_refuses_a_role_with_an_attached_policy_before_any_change(aws: Seeded) -> None:
    """
    A managed policy someone attached makes the role theirs too: refused by the check, naming the policy, before
    any change (IAM would refuse ``DeleteRole`` anyway, "Cannot delete entity, must detach all policies first",
    IAM API Reference, "DeleteRole", but only after the provider's inline policy was deleted).
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    reads = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::partner-batch/*"}
    theirs = iam.create_policy(
        PolicyName="partner-batch-reads", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [reads]})
    )["Policy"]
    iam.attach_role_policy(RoleName=PARTNER_1, PolicyArn=theirs["Arn"])

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="partner-batch-reads"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert role_exists(aws, PARTNER_1)
    assert iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"] == ["emrfs-xacct-destination-access"]


def test_delete_destination_role_refuses_a_role_whose_own_policy_holds_someone_elses_statement(aws: Seeded) -> None:
    """
    The provider keeps a statement someone wrote into its inline policy (ensure_destination_access);
    ``DeleteRolePolicy`` would take it with the role. Refused before any change, naming the statement.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    policy = iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    policy["Statement"].append(
        {"Sid": "PartnerLookups", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}
    )
    iam.put_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(policy))

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="'PartnerLookups'"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert role_exists(aws, PARTNER_1)
    kept = iam.get_role_policy(RoleName=PARTNER_1, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    assert (json.loads(kept) if isinstance(kept, str) else kept) == policy


def test_delete_destination_role_refuses_a_role_in_an_instance_profile_before_deleting_anything(aws: Seeded) -> None:
    """
    IAM refuses ``DeleteRole`` for a role in an instance profile (IAM API Reference, "DeleteRole": remove
    it from its instance profiles first, ``RemoveRoleFromInstanceProfile``; ``DeleteConflict``). Such a
    role is someone's EC2 role too: refused before anything changes, as for a foreign policy.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_instance_profile(InstanceProfileName="partner-batch")
    iam.add_role_to_instance_profile(InstanceProfileName="partner-batch", RoleName=PARTNER_1)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="instance profile partner-batch"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []  # refused by the check before any change (nor the grants revoked)
    assert role_exists(aws, PARTNER_1)
    assert iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"] == ["emrfs-xacct-destination-access"]


def test_a_policy_attached_between_the_checks_and_delete_role_is_refused_by_name_at_once(aws: Seeded) -> None:
    """
    IAM has no conditional delete: a policy attached after the checks is seen only by ``DeleteRole``'s
    ``DeleteConflict`` ("Cannot delete entity, must detach all policies first", IAM API Reference, "DeleteRole").
    That is not IAM's lag after the provider's own ``DeleteRolePolicy`` (waited out): refused at once, naming it.
    """
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook

    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    reads = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::partner-batch/*"}
    theirs = iam.create_policy(
        PolicyName="partner-batch-reads", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [reads]})
    )["Policy"]
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    attached: list[str] = []

    def attach_meanwhile(**_: Any) -> None:
        if not attached:
            attached.append(theirs["Arn"])
            iam.attach_role_policy(RoleName=PARTNER_1, PolicyArn=theirs["Arn"])

    # The hook's client, and the one it sends its DeleteRolePolicy with (botocore's retries off).
    for iam_client in (hook.conn, hook.client_sending_once):
        iam_client.meta.events.register("before-send.iam.DeleteRolePolicy", attach_meanwhile)
    calls = CallRecorder().attach(hook.conn).attach(hook.client_sending_once)
    with pytest.raises(ConflictError, match="managed policy partner-batch-reads") as refused:
        hook.delete_provider_role(role_arn(PARTNER_1), (EMR_ACCOUNT, EMR_EC2_ROLE))

    # Named as every refusal of the role deletion: the field, the role and its connection, the way out.
    assert str(refused.value).startswith("delete_destination_role: ")
    assert f"not deleting {role_arn(PARTNER_1)} (connection {DESTINATION_CONN_ID!r})" in str(refused.value)
    assert "revoke without deleting it" in str(refused.value)

    assert calls.mutating == ["DeleteRolePolicy", "DeleteRole"]  # not sent again as if IAM lagged
    assert role_exists(aws, PARTNER_1)
    assert iam.list_attached_role_policies(RoleName=PARTNER_1)["AttachedPolicies"][0]["PolicyArn"] == theirs["Arn"]


def test_an_inline_policy_put_between_the_checks_and_delete_role_is_refused_by_name_at_once(aws: Seeded) -> None:
    """
    As a policy attached meanwhile: an inline policy someone put on the role after the checks makes ``DeleteRole``
    answer ``DeleteConflict`` ("Cannot delete entity, must delete policies first", IAM API Reference,
    "DeleteRole"). It is not among the policies the provider deleted, so not IAM's lag: refused at once, naming it.
    """
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook

    provision_partner(aws, PARTNER_1, PREFIX_1)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    notes = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::partner-notes/*"}
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    put: list[str] = []

    def put_meanwhile(**_: Any) -> None:
        if not put:
            put.append("partner-notes")
            iam.put_role_policy(
                RoleName=PARTNER_1,
                PolicyName="partner-notes",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [notes]}),
            )

    # The hook's client, and the one it sends its DeleteRolePolicy with (botocore's retries off).
    for iam_client in (hook.conn, hook.client_sending_once):
        iam_client.meta.events.register("before-send.iam.DeleteRolePolicy", put_meanwhile)
    calls = CallRecorder().attach(hook.conn).attach(hook.client_sending_once)
    with pytest.raises(ConflictError, match="inline policy partner-notes"):
        hook.delete_provider_role(role_arn(PARTNER_1), (EMR_ACCOUNT, EMR_EC2_ROLE))

    assert calls.mutating == ["DeleteRolePolicy", "DeleteRole"]  # not sent again as if IAM lagged
    assert role_exists(aws, PARTNER_1)
    assert iam.list_role_policies(RoleName=PARTNER_1)["PolicyNames"] == ["partner-notes"]


def test_the_role_deletion_logs_each_delete_as_it_lands(aws: Seeded, caplog: pytest.LogCaptureFixture) -> None:
    """
    A task killed while ``DeleteRole`` waits out IAM's lag (``execution_timeout``) pushes no plan, and its retry
    finds the inline policy gone and plans none: the log says what was deleted, before ``DeleteRole`` is sent.
    """
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook

    provision_partner(aws, PARTNER_1, PREFIX_1)
    hook = EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID)
    caplog.set_level(logging.INFO)
    logged_before_delete_role: list[str] = []

    def note_the_log(**_: Any) -> None:
        logged_before_delete_role.extend(record.getMessage() for record in caplog.records)

    hook.conn.meta.events.register("before-send.iam.DeleteRole", note_the_log)
    hook.delete_provider_role(role_arn(PARTNER_1), (EMR_ACCOUNT, EMR_EC2_ROLE))

    deleted_policy = f"iam role {PARTNER_1} inline policy emrfs-xacct-destination-access: deleted"
    assert deleted_policy in logged_before_delete_role
    assert f"iam role {PARTNER_1}: deleted" in [record.getMessage() for record in caplog.records]
    assert not role_exists(aws, PARTNER_1)


def test_delete_destination_role_refuses_a_role_another_emr_role_still_assumes(aws: Seeded) -> None:
    """
    A destination role that trusts another pipeline's EMR EC2 role too is not deleted with one pipeline's revoke.

    ``DeleteRole`` takes the role from every principal its trust policy lets assume it (IAM API Reference,
    "DeleteRole": "Make sure that you do not have any Amazon EC2 instances running with the role you are
    about to delete"; anyone assuming it loses access): refused before any change, naming the principal.
    """
    emr_iam = client(aws.url, EMR_ACCOUNT, "iam")
    nightly = emr_iam.create_role(RoleName="EMR_EC2_NightlyRole", AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    provision_partner(aws, PARTNER_1, PREFIX_1)
    ensure_destination_role(aws, PARTNER_1, PREFIX_1, nightly["Role"]["Arn"])

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="EMR_EC2_NightlyRole"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert role_exists(aws, PARTNER_1)
    assert assumable(aws) == [role_arn(PARTNER_1)]


def test_delete_destination_role_refuses_a_role_with_a_trust_statement_of_someone_else(aws: Seeded) -> None:
    """A trust statement the provider did not write (an auditor's) is someone else's access: not deleted with the role."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_auditor(aws)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=PARTNER_1)["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"].append(AUDITOR_STATEMENT)
    iam.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="PartnerAuditor"):
        run_operator(revoker(aws, PARTNER_1, delete_destination_role=True))

    assert calls.mutating == []
    assert role_exists(aws, PARTNER_1)


@pytest.mark.parametrize(
    "principal",
    [{"AWS": "ROLE", "Service": "logs.us-east-1.amazonaws.com"}, "*"],
    ids=["service-beside-the-role", "everyone"],
)
def test_revoking_the_last_key_user_refuses_a_principal_someone_else_put_in_the_statement(
    aws: Seeded, principal: Any
) -> None:
    """
    The key-users statement holds, beside the revoked role, a principal the provider never writes (a service,
    or ``"*"``): dropping the emptied statement would end that principal's use of the key, which is not the
    partner's to lose (principals of one statement are alternatives: IAM User Guide, "AWS JSON policy
    elements: Principal"). Refused before any write, as a grant refuses such a statement.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = key_policy(aws)
    for item in policy["Statement"]:
        if item.get("Sid") == KEY_USERS_SID:
            item["Principal"] = {**principal, "AWS": role_arn(PARTNER_1)} if isinstance(principal, dict) else principal
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match=r"logs\.us-east-1|'\*'"):
        run_operator(revoker(aws, PARTNER_1))

    assert calls.mutating == []
    assert key_policy(aws) == policy
    assert assumable(aws) == [role_arn(PARTNER_1)]


def test_revoking_the_last_key_user_refuses_a_statement_of_someone_else_under_the_provider_s_sid(aws: Seeded) -> None:
    """
    The key policy holds, beside the provider's key-users statement, one someone wrote under the same ``Sid`` (a
    key policy's ``Sid`` is an optional "arbitrary string": AWS KMS Developer Guide, "Create a key policy", "Elements in a key policy"; only IAM
    asks it to be unique). Removing the provider's emptied statement by its ``Sid`` removed theirs too, and their role
    lost the key: refused before any write, as a grant refuses such a policy.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    policy = key_policy(aws)
    theirs = {
        "Sid": KEY_USERS_SID,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DESTINATION_ACCOUNT}:root"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }
    policy["Statement"].append(theirs)
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy))

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match="several statements with Sid"):
        run_operator(revoker(aws, PARTNER_1))

    assert calls.mutating == []
    assert key_policy(aws) == policy
    assert assumable(aws) == [role_arn(PARTNER_1)]


# --- DeleteUnusedSecurityConfigsOperator --------------------------------------------------------------


def launch(emr: Any, configuration_name: str) -> str:
    return str(
        emr.run_job_flow(
            **small_cluster(f"uses-{configuration_name}", "emr-6.15.0"),
            SecurityConfiguration=configuration_name,
        )["JobFlowId"]
    )


def names(emr: Any) -> set[str]:
    return {item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]}


def cleaner(**kwargs: Any) -> DeleteUnusedSecurityConfigsOperator:
    return DeleteUnusedSecurityConfigsOperator(
        task_id="delete_unused_security_configurations", aws_conn_id=EMR_CONN_ID, name_prefix=NAME_PREFIX, **kwargs
    )


def test_only_the_providers_unused_configurations_are_deleted(aws: Seeded) -> None:
    in_use = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    used_by_terminated = create_security_configuration([mapping(PARTNER_2, PREFIX_2)])
    unused = create_security_configuration([mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    by_hand = {
        "team-made-config",
        f"{NAME_PREFIX}-handmade",
        f"{NAME_PREFIX}-0123456789abcdef",
        f"{NAME_PREFIX}-{'0' * 12}",
    }
    for name in by_hand:  # another name, our prefix without a content hash, or one whose hash is not its content's
        emr.create_security_configuration(Name=name, SecurityConfiguration="{}")
    waiting = launch(emr, in_use)
    terminated = launch(emr, used_by_terminated)
    emr.terminate_job_flows(JobFlowIds=[terminated])
    assert emr.describe_cluster(ClusterId=waiting)["Cluster"]["Status"]["State"] == "WAITING"
    assert emr.describe_cluster(ClusterId=terminated)["Cluster"]["Status"]["State"] == "TERMINATED"
    everything = {in_use, used_by_terminated, unused} | by_hand
    assert names(emr) == everything

    # With the default minimum age (two days), nothing this fresh is deleted; nor with a day as a template renders it
    # (min_age_seconds is templated: docs/howto/revoke.md, "a number of seconds or its rendered text").
    for arguments in ({}, {"min_age_seconds": "86400"}):
        deleted, recorder, _ = run_operator(cleaner(**arguments))
        assert deleted == []
        assert recorder.mutating == []
        assert names(emr) == everything

    # Without it, the provider's configurations no active cluster uses go; the one in use stays.
    deleted, recorder, ti = run_operator(cleaner(min_age_seconds=0))
    assert sorted(deleted) == sorted([used_by_terminated, unused])
    assert sorted(recorder.mutating) == ["DeleteSecurityConfiguration"] * 2
    assert names(emr) == {in_use} | by_hand
    assert [change["resource"] for change in ti.xcoms["plan"]] == [
        f"emr security configuration {name}" for name in deleted
    ]

    # Nothing more to do.
    deleted, recorder, _ = run_operator(cleaner(min_age_seconds=0))
    assert deleted == []
    assert recorder.mutating == []


@pytest.mark.parametrize("state", ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"])
def test_a_configuration_used_by_a_cluster_not_terminated_is_kept(aws: Seeded, state: str) -> None:
    """
    Every state of a cluster not terminated keeps its configuration, not only WAITING (which moto's clusters reach
    at once), and no delete is sent for it.

    EMR's refusal to delete a configuration in use is not in the EMR API Reference (docs/howto/revoke.md), so the
    cleanup reads the clusters itself. ClusterState (EMR API Reference, "ClusterStatus"): STARTING, BOOTSTRAPPING,
    RUNNING and WAITING clusters run with their configuration, a TERMINATING one still may; the cluster is set to
    ``state`` in the stand-in, as ``ListClusters`` and ``DescribeCluster`` then show it.
    """
    from moto.emr.models import emr_backends

    in_use = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster_id = launch(emr, in_use)
    emr_backends[EMR_ACCOUNT][REGION].clusters[cluster_id].state = state
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == state

    deleted, recorder, _ = run_operator(cleaner(min_age_seconds=0))

    assert deleted == []
    assert recorder.mutating == []
    assert in_use in names(emr)


def test_dry_run_cleanup_deletes_nothing(aws: Seeded) -> None:
    unused = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")

    deleted, recorder, ti = run_operator(cleaner(min_age_seconds=0, dry_run=True))

    assert deleted == [unused]
    assert recorder.mutating == []
    assert names(emr) == {unused}
    assert ti.xcoms["plan"] == [
        {
            "action": "delete",
            "resource": f"emr security configuration {unused}",
            "before": {"Name": unused},
            "after": None,
        }
    ]


def test_revoking_a_role_by_another_spelling_of_its_name_removes_it_everywhere(aws: Seeded, two_partners: str) -> None:
    """
    IAM names are not distinguished by case (IAM API Reference, "CreateRole", ``RoleName``): a revoke
    naming ``partner-3-writer`` is about the role ``Partner-3-Writer``. Its grants (the EMR role's
    sts:AssumeRole, the key users, the role mapping) go; the other partners' stay as they were.
    """
    mixed, prefix = "Partner-3-Writer", "s3://partner-results-b/partner-3/"
    provision_partner(aws, mixed, prefix)
    configuration_name = create_security_configuration(
        [mapping(PARTNER_1, PREFIX_1), mapping(mixed, prefix), mapping(PARTNER_2, PREFIX_2)]
    )
    assert role_arn(mixed) in (assumable(aws) or [])
    assert role_arn(mixed) in (key_users(aws) or [])

    result, _, _ = run_operator(
        revoker(
            aws,
            mixed.lower(),
            security_configuration=configuration_name,
            name_prefix=NAME_PREFIX,
        )
    )

    assert assumable(aws) == [role_arn(PARTNER_1), role_arn(PARTNER_2)]
    assert key_users(aws) == [role_arn(PARTNER_1), role_arn(PARTNER_2)]
    assert mappings_of(configuration(aws, result["security_configuration"])) == validate_role_mappings(
        [mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)]
    )


def test_cleanup_keeps_a_configuration_whose_text_gives_a_name_twice_and_deletes_the_others(aws: Seeded) -> None:
    """
    A configuration under our prefix whose JSON gives one name twice cannot be the provider's (it sends JSON it
    dumped from a dict): it is kept as another's, and the cleanup goes on, as for any content not the name's.

    Reading it raises the ``ConflictError`` of repeated names (``merge.parse_document``), which fails the task
    without retries: before, one such configuration stopped the cleanup of every other.
    """
    unused = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    repeated = f"{NAME_PREFIX}-{'0' * 12}"
    emr.create_security_configuration(
        Name=repeated, SecurityConfiguration='{"EncryptionConfiguration": {}, "EncryptionConfiguration": {}}'
    )

    deleted, recorder, _ = run_operator(cleaner(min_age_seconds=0))

    assert deleted == [unused]
    assert recorder.mutating == ["DeleteSecurityConfiguration"]
    assert names(emr) == {repeated}


def test_a_configuration_of_a_cluster_a_state_filtered_list_leaves_out_is_kept_and_no_delete_is_sent(
    aws: Seeded,
) -> None:
    """
    A list filtered by state may leave out a cluster changing state (Amazon EMR API Reference, "ListClusters",
    ``ClusterStates``: "Clusters that change state while this action runs may be not be returned as expected").
    The cleanup lists without that filter: the cluster's configuration is in use, and no delete is even sent
    (before, the delete was sent and only EMR's refusal, when it refuses, kept it).
    """
    in_use = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    unused = create_security_configuration([mapping(PARTNER_2, PREFIX_2)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster_id = launch(emr, in_use)
    operator = cleaner(min_age_seconds=0)
    sent = state_filtered_lists_leave_out(operator.hook.conn, {cluster_id})

    deleted, recorder, _ = run_operator(operator)

    assert sent  # the cleanup listed the clusters
    assert deleted == [unused]
    assert recorder.mutating == ["DeleteSecurityConfiguration"]  # the unused one's only
    assert names(emr) == {in_use}


def test_a_cluster_launched_after_the_cleanup_read_the_clusters_keeps_its_configuration(aws: Seeded) -> None:
    """
    A pipeline launches with the configuration while the cleanup checks the candidates (after its first list of
    the clusters): the clusters are listed again just before the deletes, and the configuration is kept.
    """
    name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    operator = cleaner(min_age_seconds=0)
    launched: list[str] = []

    def launch_while_the_candidates_are_checked(**_: Any) -> None:
        if not launched:
            launched.append(launch(emr, name))

    operator.hook.conn.meta.events.register(
        "before-call.emr.DescribeSecurityConfiguration", launch_while_the_candidates_are_checked
    )

    deleted, recorder, ti = run_operator(operator)

    assert launched
    assert deleted == []
    assert recorder.mutating == ["RunJobFlow"]  # the pipeline's; no delete: kept by the second read, not by EMR
    assert ti.xcoms["plan"] == []
    assert name in names(emr)
    assert emr.describe_cluster(ClusterId=launched[0])["Cluster"]["SecurityConfiguration"] == name


def test_a_configuration_emr_refuses_to_delete_as_in_use_is_kept_and_the_others_go(aws: Seeded) -> None:
    """
    A cluster launched after the cleanup's last read of the clusters, just before its delete: EMR refuses to delete
    a configuration clusters not terminated use (``InvalidRequestException``, played by the stand-in:
    ``devstack/aws_deletes.py``). The cleanup keeps it, leaves it out of its result and plan, and goes on.
    """
    refused = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    unused = create_security_configuration([mapping(PARTNER_2, PREFIX_2)])
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    operator = cleaner(min_age_seconds=0)
    launched: list[str] = []

    def launch_just_before_the_delete(params: dict[str, Any], **_: Any) -> None:
        if params.get("Name") == refused and not launched:
            launched.append(launch(emr, refused))

    operator.hook.conn.meta.events.register(
        "before-parameter-build.emr.DeleteSecurityConfiguration", launch_just_before_the_delete
    )

    deleted, recorder, ti = run_operator(operator)

    assert launched
    assert deleted == [unused]
    # Refused for one (the pipeline's RunJobFlow came just before), done for the other.
    assert recorder.mutating.count("DeleteSecurityConfiguration") == 2
    assert [change["resource"] for change in ti.xcoms["plan"]] == [f"emr security configuration {unused}"]
    assert names(emr) == {refused}


#: The longest name prefix CreateEmrfsSecurityConfigOperator accepts (EMR's 256 characters, less ``-<hash>``).
LONG_PREFIX = "p" * 230


def test_a_long_prefix_the_create_accepts_is_cleaned_up_and_revoked_and_a_longer_one_is_refused(aws: Seeded) -> None:
    """
    A configuration made with a 201-243 character prefix can be revoked from and cleaned up (before, both
    operators refused any prefix over 200); 244 characters, more than the create accepts, are refused naming
    ``name_prefix`` before any call.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)
    made = create_security_configuration(
        [mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)], name_prefix=LONG_PREFIX
    )
    emr = client(aws.url, EMR_ACCOUNT, "emr")

    for operator in (
        revoker(aws, PARTNER_2, security_configuration=made, name_prefix="p" * 244),
        DeleteUnusedSecurityConfigsOperator(
            task_id="delete_unused_security_configurations", aws_conn_id=EMR_CONN_ID, name_prefix="p" * 244
        ),
    ):
        with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as caught:
            run_operator(operator)
        assert caught.value.field == "name_prefix"
        assert calls.calls == []

    result, _, _ = run_operator(revoker(aws, PARTNER_2, security_configuration=made, name_prefix=LONG_PREFIX))
    rebuilt = result["security_configuration"]
    assert rebuilt.startswith(f"{LONG_PREFIX}-")
    assert mappings_of(configuration(aws, rebuilt)) == validate_role_mappings([mapping(PARTNER_1, PREFIX_1)])

    deleted, _, _ = run_operator(
        DeleteUnusedSecurityConfigsOperator(
            task_id="delete_unused_security_configurations",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=LONG_PREFIX,
            min_age_seconds=0,
        )
    )
    assert sorted(deleted) == sorted([made, rebuilt])
    assert not {made, rebuilt} & names(emr)


# The destination side: the trust statement ---------------------------------------------------------------------

#: Any other sts:AssumeRole grant the EMR EC2 role may hold (the source article's own example; a managed policy).
ASSUME_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}
NIGHTLY_EMR_ROLE = f"arn:aws:iam::{EMR_ACCOUNT}:role/EMR_EC2_NightlyRole"


def trust_policy(aws: Seeded, role_name: str) -> dict[str, Any]:
    document = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=role_name)["Role"][
        "AssumeRolePolicyDocument"
    ]
    return json.loads(document) if isinstance(document, str) else document


def may_assume(aws: Seeded, role_name: str) -> aws_judge.Decision:
    """Whether the EMR EC2 role may assume the role, as the stand-in's judge (not the provider's code) decides."""
    principal = read_principal(aws.url, aws.emr_ec2_role_arn)
    assert principal is not None
    return aws_judge.authorize(
        principal,
        "sts:AssumeRole",
        role_arn(role_name),
        resource_policy=trust_policy(aws, role_name),
        resource_owner=DESTINATION_ACCOUNT,
        resource_policy_name="trust policy",
    )


def allow_assuming_any_role(aws: Seeded) -> None:
    client(aws.url, EMR_ACCOUNT, "iam").put_role_policy(
        RoleName=EMR_EC2_ROLE, PolicyName="assume-any-role", PolicyDocument=json.dumps(ASSUME_ANY_ROLE)
    )


def test_revoke_ends_the_trust_though_the_emr_role_may_assume_any_role(aws: Seeded) -> None:
    """
    Cross-account sts:AssumeRole needs the role's trust policy to allow the caller besides the caller's identity
    policies (IAM User Guide, "Cross-account policy evaluation logic"): with another grant of sts:AssumeRole on
    ``*`` left on the EMR EC2 role, only the trust stops it. Another EMR role the provider trusts stays, and so does
    a statement someone else wrote, byte for byte.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_principals(aws.url, NIGHTLY_EMR_ROLE)
    ensure_destination_role(aws, PARTNER_1, PREFIX_1, NIGHTLY_EMR_ROLE)
    create_auditor(aws)
    trust = trust_policy(aws, PARTNER_1)
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps({**trust, "Statement": [AUDITOR_STATEMENT, *trust["Statement"]]})
    )
    foreign = trust_policy(aws, PARTNER_1)["Statement"][0]
    allow_assuming_any_role(aws)
    assert may_assume(aws, PARTNER_1).allowed

    run_operator(revoker(aws, PARTNER_1))

    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    assert assume_policy(aws) is None  # the EMR side too
    after = trust_policy(aws, PARTNER_1)
    assert json.dumps(after["Statement"][0]) == json.dumps(foreign)  # someone else's statement, byte for byte
    [ours] = [statement for statement in after["Statement"] if statement.get("Sid") == TRUST_SID]
    assert (ours["Effect"], as_list(ours["Principal"]["AWS"])) == ("Allow", [NIGHTLY_EMR_ROLE])

    # A second revoke changes nothing; the next grant restores the access.
    with CallRecorder().everywhere() as calls:
        again, _, _ = run_operator(revoker(aws, PARTNER_1))
    assert (calls.mutating, again["plan"]) == ([], [])
    ensure_destination_role(aws, PARTNER_1, PREFIX_1)
    assert may_assume(aws, PARTNER_1).allowed
    assert json.dumps(trust_policy(aws, PARTNER_1)["Statement"][0]) == json.dumps(foreign)


def test_revoke_keeps_the_key_users_of_a_role_another_pipeline_still_assumes(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The key users are the destination role's: while its trust still lets another pipeline's EMR EC2 role assume it,
    taking it out of them would end that pipeline's SSE-KMS writes (S3 User Guide, "Using server-side encryption with
    AWS KMS keys"). This pipeline's access ends with the trust and its assume grant; the key users stay, with a warning.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_principals(aws.url, NIGHTLY_EMR_ROLE)
    ensure_destination_role(aws, PARTNER_1, PREFIX_1, NIGHTLY_EMR_ROLE)
    assert role_arn(PARTNER_1) in (key_users(aws) or [])

    run_operator(revoker(aws, PARTNER_1))

    assert not may_assume(aws, PARTNER_1).allowed
    assert role_arn(PARTNER_1) in (key_users(aws) or [])
    logged = capfd.readouterr().out + caplog.text
    assert "stays a key user" in logged
    assert "EMR_EC2_NightlyRole" in logged
    # Once the other pipeline is revoked too, the key users go with it.
    run_operator(revoker(aws, PARTNER_1, emr_ec2_role_name="EMR_EC2_NightlyRole"))
    assert role_arn(PARTNER_1) not in (key_users(aws) or [])


def test_revoking_the_only_trusted_role_leaves_a_statement_that_allows_nobody(aws: Seeded) -> None:
    """
    IAM does not document saving a trust policy without statements (nor a principal naming nobody, which the
    stand-in refuses): the provider's statement becomes a Deny for everyone, which the verifier reports and the
    next grant turns back into the normal statement.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    configuration_name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])

    planned, _, _ = run_operator(revoker(aws, PARTNER_1, dry_run=True))
    with CallRecorder().everywhere() as calls:
        done, _, _ = run_operator(revoker(aws, PARTNER_1))

    assert planned == {**done, "sessions_may_last_until": None}  # the dry run wrote nothing: no session to wait for
    assert "UpdateAssumeRolePolicy" in calls.mutating
    assert trust_policy(aws, PARTNER_1) == {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT]}
    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    message, report = expect_broken(configuration_name)
    assert failing(report) == [(0, VERIFY_ASSUME)], message  # the role's own permissions are still whole
    [link] = [link for link in report["links"] if link["link"] == VERIFY_ASSUME]
    assert "EnsureDestinationRoleOperator" in link["fix"]

    with CallRecorder().everywhere() as calls:
        again, _, _ = run_operator(revoker(aws, PARTNER_1))
    assert (calls.mutating, again["plan"]) == ([], [])

    ensure_destination_role(aws, PARTNER_1, PREFIX_1)
    [ours] = trust_policy(aws, PARTNER_1)["Statement"]
    assert (ours["Sid"], ours["Effect"], as_list(ours["Principal"]["AWS"])) == (
        TRUST_SID,
        "Allow",
        [aws.emr_ec2_role_arn],
    )
    assert may_assume(aws, PARTNER_1).allowed


def test_a_trust_statement_the_revoke_must_refuse_is_refused_before_any_write(aws: Seeded) -> None:
    """A service someone added to the provider's trust statement would lose the role with its last role: refused."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    trust = trust_policy(aws, PARTNER_1)
    trust["Statement"][0]["Principal"]["Service"] = "ec2.amazonaws.com"
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps(trust)
    )
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError, match=r"ec2\.amazonaws\.com"):
        run_operator(revoker(aws, PARTNER_1))

    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}


def test_an_emr_role_deleted_and_created_again_leaves_the_trust_by_its_old_unique_id(aws: Seeded) -> None:
    """
    IAM shows a deleted role in a trust policy as its unique ID, which the role created again under the same name
    does not have (IAM User Guide, "AWS JSON policy elements: Principal"), and refuses to save a trust policy still
    naming it (Knowledge Center, iam-trust-policy-error; the stand-in plays both): the revoke drops it.
    """
    name = "EMR_EC2_PartnerJobs"
    arn = f"arn:aws:iam::{EMR_ACCOUNT}:role/{name}"
    create_principals(aws.url, arn)
    provision_partner(aws, PARTNER_1, PREFIX_1, emr_ec2_role=(name, arn))
    emr_iam = client(aws.url, EMR_ACCOUNT, "iam")
    old_id = emr_iam.get_role(RoleName=name)["Role"]["RoleId"]
    for policy in emr_iam.list_role_policies(RoleName=name)["PolicyNames"]:
        emr_iam.delete_role_policy(RoleName=name, PolicyName=policy)
    emr_iam.delete_role(RoleName=name)
    create_principals(aws.url, arn)
    assert old_id in json.dumps(trust_policy(aws, PARTNER_1))

    run_operator(revoker(aws, PARTNER_1, emr_ec2_role_name=name))

    assert trust_policy(aws, PARTNER_1) == {"Version": "2012-10-17", "Statement": [TRUST_NOBODY_STATEMENT]}


def test_a_condition_someone_added_to_the_trust_statement_survives_revoke_then_grant(aws: Seeded) -> None:
    """
    The revoke keeps it on its statement for nobody (a Deny with a condition allows nobody either: IAM User Guide,
    "The difference between explicit and implicit denies"); the next grant puts it back on the statement it writes,
    and the judge applies it: a condition the EMR EC2 role meets lets it assume the role again, one it does not
    meet keeps it out.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)
    configuration_name = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = trust_policy(aws, PARTNER_1)
    trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:PrincipalAccount": EMR_ACCOUNT}}
    iam.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))
    condition = trust_policy(aws, PARTNER_1)["Statement"][0]["Condition"]

    run_operator(revoker(aws, PARTNER_1))

    [nobody] = trust_policy(aws, PARTNER_1)["Statement"]
    # Beside its mark, on the ARN: the Condition compares the account already (merge.trust_nobody_condition).
    marked = {"StringEquals": {**condition["StringEquals"], "aws:PrincipalArn": TRUST_NOBODY_MARK}}
    assert nobody == {**TRUST_NOBODY_STATEMENT, "Condition": marked}
    decision = may_assume(aws, PARTNER_1)
    assert not decision.allowed, decision.reason
    message, report = expect_broken(configuration_name)  # the verifier says the access was revoked
    [link] = [link for link in report["links"] if link["link"] == VERIFY_ASSUME]
    assert "access was revoked" in link["fix"], message
    with CallRecorder().everywhere() as calls:
        again, _, _ = run_operator(revoker(aws, PARTNER_1))
    assert (calls.mutating, again["plan"]) == ([], [])

    ensure_destination_role(aws, PARTNER_1, PREFIX_1)
    [ours] = trust_policy(aws, PARTNER_1)["Statement"]
    assert (ours["Effect"], as_list(ours["Principal"]["AWS"]), ours["Condition"]) == (
        "Allow",
        [aws.emr_ec2_role_arn],
        condition,
    )
    assert may_assume(aws, PARTNER_1).allowed
    # The condition is in force: one the role does not meet keeps it out.
    ours["Condition"] = {"StringEquals": {"aws:PrincipalAccount": "333333333333"}}
    iam.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps({**trust, "Statement": [ours]}))
    assert not may_assume(aws, PARTNER_1).allowed


def test_a_condition_lost_with_the_statement_beside_others_is_named_in_a_warning(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Beside another statement the provider's goes with its last role; the revoke says its condition goes too."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    create_auditor(aws)
    trust = trust_policy(aws, PARTNER_1)
    trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:PrincipalAccount": EMR_ACCOUNT}}
    client(aws.url, DESTINATION_ACCOUNT, "iam").update_assume_role_policy(
        RoleName=PARTNER_1, PolicyDocument=json.dumps({**trust, "Statement": [AUDITOR_STATEMENT, *trust["Statement"]]})
    )

    with caplog.at_level("WARNING"):
        run_operator(revoker(aws, PARTNER_1))

    assert trust_policy(aws, PARTNER_1)["Statement"] == [AUDITOR_STATEMENT]
    output = capfd.readouterr().out + caplog.text
    assert f'Condition {{"StringEquals": {{"aws:PrincipalAccount": "{EMR_ACCOUNT}"}}}}' in output


def _add_action(document: dict[str, Any], sid: str, action: str) -> dict[str, Any]:
    for item in as_list(document["Statement"]):
        if item.get("Sid") == sid:
            item["Action"] = sorted({*as_list(item["Action"]), action})
    return document


def _assume_with(aws: Seeded, action: str) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    policy = _add_action(assume_policy(aws) or {}, ASSUME_SID, action)
    iam.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME, PolicyDocument=json.dumps(policy))


def _trust_with(aws: Seeded, action: str) -> None:
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    document = iam.get_role(RoleName=PARTNER_1)["Role"]["AssumeRolePolicyDocument"]
    trust = _add_action(json.loads(document) if isinstance(document, str) else document, TRUST_SID, action)
    iam.update_assume_role_policy(RoleName=PARTNER_1, PolicyDocument=json.dumps(trust))


def _key_users_with(aws: Seeded, action: str) -> None:
    policy = _add_action(key_policy(aws), KEY_USERS_SID, action)
    client(aws.url, DESTINATION_ACCOUNT, "kms").put_key_policy(
        KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(policy)
    )


@pytest.mark.parametrize(
    ("add", "action"),
    [(_assume_with, "sts:TagSession"), (_trust_with, "sts:SetSourceIdentity"), (_key_users_with, "kms:CreateGrant")],
    ids=["assume-role policy", "trust policy", "key users"],
)
def test_revoking_the_last_role_refuses_an_action_someone_added_to_the_provider_s_statement(
    aws: Seeded, add: Any, action: str
) -> None:
    """
    Someone added an action to the provider's statement; revoking the last role removed the statement, and the
    action with it: the revoke covers the roles it revokes only. A revoke that leaves a role in the statement (or a
    grant) refuses to write it back without the action; removing it is refused alike, before any write.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    add(aws, action)
    before = snapshot(aws)

    with CallRecorder().everywhere() as calls, pytest.raises(ConflictError) as refused:
        run_operator(revoker(aws, PARTNER_1, remove_destination_trust=True))

    assert f"holds the action {action!r}" in str(refused.value)
    assert "revoke again" in str(refused.value)
    assert calls.mutating == []
    assert changes(before, snapshot(aws)) == {}
