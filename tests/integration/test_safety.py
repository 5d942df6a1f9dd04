"""
Nothing can hurt the accounts (issue 10), against two-account moto, counting the mutating calls of
every client in the process (the hooks an operator builds for the other account included):

- the account check: each operator learns the account its connection acts in and refuses, before any
  change, an input naming another account where it must be this one, and an ``expected_account_id``
  that is not it; every error names the accounts;
- whole ARNs: revoke deletes only the role with exactly the ARN given;
- provider-owned statements keep what a person added to restrict them and refuse a wildcard;
- everything is validated and planned before the first write (``settle_seconds=nan``, merged sizes);
- at most one cluster per task instance, found by its tag whatever its name, and never one launched
  with another security configuration.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.s3 import (
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.documents import (
    ASSUME_POLICY_NAME,
    ASSUME_SID,
    DESTINATION_POLICY_NAME,
    KEY_USERS_SID,
    OBJECTS_SID,
    TRUST_SID,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, EmrfsXacctError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, security_configuration_name
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    EMR_SERVICE_ROLE,
    REGION,
    Seeded,
    client,
    connection_uri_json,
    create_principals,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, run_operator
from tests.integration.partners import (
    create_security_configuration,
    destination_role_operator,
    grant_key_users,
    mapping,
    provision_partner,
    role_arn,
)

PARTNER, PREFIX = "partner-1-writer", "s3://partner-results-b/partner-1/"
OTHER_ACCOUNT = "333333333333"


def refused(operator: Any, error: type[Exception] = EmrfsXacctError) -> tuple[Exception, CallRecorder]:
    """Run the operator, expect ``error``; return it with every call any client made."""
    recorder = CallRecorder()
    ti = RecordingTaskInstance(task_id=operator.task_id)
    with recorder.everything(), pytest.raises(error) as excinfo:
        operator.execute({"ti": ti, "task_instance": ti})
    return excinfo.value, recorder


def ensure(aws: Seeded, **kwargs: Any) -> EnsureDestinationRoleOperator:
    return destination_role_operator(aws, PARTNER, PREFIX, **kwargs)


def operators(aws: Seeded, **kwargs: Any) -> dict[str, Any]:
    """One of each operator, with valid input for the seeded accounts."""
    launch_overrides = {
        "Name": "export",
        "ReleaseLabel": "emr-7.5.0",
        "Instances": {"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        "JobFlowRole": EMR_EC2_ROLE,
        "ServiceRole": EMR_SERVICE_ROLE,
    }
    common = {"settle_seconds": 0, **kwargs}
    return {
        "ensure": ensure(aws, **kwargs),
        "attach": AttachAssumeRolePolicyOperator(
            task_id="attach", aws_conn_id=EMR_CONN_ID, destination_role_arns=[role_arn(PARTNER)], **common
        ),
        "kms": GrantKmsKeyUserOperator(
            task_id="kms",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=aws.kms_key_arn,
            principal_arns=[role_arn(PARTNER)],
            **common,
        ),
        "configuration": CreateEmrfsSecurityConfigOperator(
            task_id="configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix="emrfs-xacct-safety",
            role_mappings=[mapping(PARTNER, PREFIX)],
            **common,
        ),
        "launch": LaunchClusterWithSecConfigOperator(
            task_id="launch",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=None,
            job_flow_overrides=launch_overrides,
            **{key: value for key, value in kwargs.items() if key != "settle_seconds"},
        ),
        "grant_bucket": GrantBucketAccessOperator(
            task_id="grant_bucket",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[PREFIX],
            principal_arns=[aws.emr_ec2_role_arn],
            **common,
        ),
        "emr_role_bucket": GrantEmrRoleBucketAccessOperator(
            task_id="emr_role_bucket",
            aws_conn_id=EMR_CONN_ID,
            s3_prefixes=[PREFIX],
            kms_key_arns=[aws.kms_key_arn] if aws.kms_key_arn else [],
            **common,
        ),
        "revoke_bucket": RevokeBucketAccessOperator(
            task_id="revoke_bucket",
            aws_conn_id=DESTINATION_CONN_ID,
            bucket=aws.bucket,
            principal_arns=[aws.emr_ec2_role_arn],
            **common,
        ),
        "revoke": RevokePartnerAccessOperator(
            task_id="revoke",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=role_arn(PARTNER),
            kms_key_arns=[aws.kms_key_arn],
            **common,
        ),
        "clean_up": DeleteUnusedSecurityConfigsOperator(
            task_id="clean_up", aws_conn_id=EMR_CONN_ID, name_prefix="emrfs-xacct-safety", **common
        ),
    }


def test_every_operator_takes_a_templated_expected_account_id_and_dry_run(connections: None) -> None:
    from tests.integration.test_dry_run import CASES

    built = operators(Seeded("", "", "", "", {}))
    assert {type(operator).__name__ for operator in built.values()} == {case.id for case in CASES}
    for operator in built.values():
        assert "expected_account_id" in operator.template_fields
        assert "dry_run" in operator.template_fields


# The account check -------------------------------------------------------------------------------


def test_an_expected_account_that_is_not_the_connections_is_refused_by_every_operator_before_any_change(
    aws: Seeded,
) -> None:
    for name, operator in operators(aws, expected_account_id=OTHER_ACCOUNT).items():
        error, recorder = refused(operator, InvalidParameterError)

        assert error.field == "expected_account_id", name
        assert OTHER_ACCOUNT in error.problem, name
        assert (EMR_ACCOUNT in error.problem) or (DESTINATION_ACCOUNT in error.problem), name
        assert recorder.mutating == [], name
        assert recorder.sts_calls.count("GetCallerIdentity") <= 2, name  # one per hook, cached
    # The right accounts pass (and a whole chain runs with them); a DAG rendering templates as native
    # objects hands the id over as a number, which is read back as the 12-digit id.
    for name, account in [("ensure", DESTINATION_ACCOUNT), ("attach", EMR_ACCOUNT), ("kms", int(DESTINATION_ACCOUNT))]:
        operator = operators(aws, expected_account_id=account)[name]
        _, recorder, _ = run_operator(operator)
        assert recorder.mutating, name


def test_swapped_connections_are_refused_before_any_change_naming_the_account(aws: Seeded) -> None:
    """The destination connection given the EMR account's connection, and the other way round."""
    # The destination account has an EMR_EC2_DefaultRole of its own (an account that runs EMR too): with the
    # connections swapped, option (a)'s grant to the EMR EC2 role would find that role and write into it.
    destination_iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    destination_iam.create_role(RoleName=EMR_EC2_ROLE, AssumeRolePolicyDocument=EC2_ONLY_TRUST)
    swapped_document = build_security_configuration([mapping(PARTNER, PREFIX)])  # its role: the destination's
    cases = [
        ensure(aws, aws_conn_id=EMR_CONN_ID),
        AttachAssumeRolePolicyOperator(
            task_id="attach", aws_conn_id=DESTINATION_CONN_ID, destination_role_arns=[role_arn(PARTNER)]
        ),
        GrantKmsKeyUserOperator(
            task_id="kms", aws_conn_id=EMR_CONN_ID, key_arn=aws.kms_key_arn, principal_arns=[role_arn(PARTNER)]
        ),
        CreateEmrfsSecurityConfigOperator(
            task_id="configuration",
            aws_conn_id=DESTINATION_CONN_ID,
            name_prefix="emrfs-xacct-safety",
            role_mappings=[mapping(PARTNER, PREFIX)],
        ),
        GrantBucketAccessOperator(
            task_id="grant_bucket",
            aws_conn_id=EMR_CONN_ID,
            s3_prefixes=[PREFIX],
            principal_arns=[aws.emr_ec2_role_arn],
        ),
        # Option (a)'s EMR side given the destination connection: the partner's key is then in "the EMR account".
        GrantEmrRoleBucketAccessOperator(
            task_id="grant_emr_role",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[PREFIX],
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        ),
        # The EMR side given the destination connection too: the destination role is then in "the EMR account".
        RevokePartnerAccessOperator(
            task_id="revoke",
            aws_conn_id=DESTINATION_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=role_arn(PARTNER),
            kms_key_arns=[aws.kms_key_arn],
            settle_seconds=0,
        ),
        # The launch given the destination connection, its configuration deleted (as by the clean-up) and its document
        # known: it would create the configuration, and launch, in the partner's account.
        LaunchClusterWithSecConfigOperator(
            task_id="launch",
            aws_conn_id=DESTINATION_CONN_ID,
            emr_conn_id=None,
            security_configuration=security_configuration_name("emrfs-xacct-safety", swapped_document),
            security_configuration_document=swapped_document,
            job_flow_overrides={
                "Name": "export",
                "ReleaseLabel": "emr-7.5.0",
                "Instances": {"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
                "JobFlowRole": EMR_EC2_ROLE,
                "ServiceRole": EMR_SERVICE_ROLE,
            },
        ),
    ]
    fields = {}
    for operator in cases:
        error, recorder = refused(operator, InvalidParameterError)

        assert recorder.mutating == [], operator.task_id
        assert "account" in error.problem, operator.task_id
        assert EMR_ACCOUNT in error.problem or DESTINATION_ACCOUNT in error.problem, operator.task_id
        fields[operator.task_id] = error.field
    # Each error names the field that holds the misplaced ARN (the table's "naming the field").
    assert fields == {
        "ensure_destination_role": "trusted_role_arns[0]",
        "attach": "destination_role_arns[0]",
        "kms": "key_arn",
        "configuration": "role_mappings[0].Role",
        "grant_bucket": "principal_arns[0]",
        "grant_emr_role": "kms_key_arns[0]",
        "revoke": "destination_role_arn",
        "launch": "security_configuration_document.AuthorizationConfiguration.EmrFsConfiguration.RoleMappings[0].Role",
    }
    # Nothing was written into the destination account's own EMR EC2 role.
    assert destination_iam.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"] == []
    # Nothing was created in the EMR account.
    assert PARTNER not in {role["RoleName"] for role in client(aws.url, EMR_ACCOUNT, "iam").list_roles()["Roles"]}


def test_a_key_of_another_account_is_refused_before_reading_or_writing_its_policy(aws: Seeded) -> None:
    foreign_key = aws.kms_key_arn.replace(DESTINATION_ACCOUNT, OTHER_ACCOUNT)
    operator = GrantKmsKeyUserOperator(
        task_id="kms", aws_conn_id=DESTINATION_CONN_ID, key_arn=foreign_key, principal_arns=[role_arn(PARTNER)]
    )

    error, recorder = refused(operator, InvalidParameterError)

    assert error.field == "key_arn"
    assert f"is in account {OTHER_ACCOUNT}, but connection" in error.problem
    assert DESTINATION_ACCOUNT in error.problem
    assert recorder.calls == []  # not even GetKeyPolicy
    # The connection assumes a role: its account is read from the role's ARN, without a call.
    assert recorder.sts_calls.count("GetCallerIdentity") == 0


def test_a_connection_without_a_role_is_checked_by_sts(aws: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    # Static keys, no role_arn: the account comes from sts:GetCallerIdentity (moto's account for
    # unknown keys is 123456789012), and a pin on another account is refused before any write.
    extra = {"region_name": REGION, "endpoint_url": aws.url, "service_config": {"sts": {"endpoint_url": aws.url}}}
    connection = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_STATIC_KEYS", json.dumps(connection))
    operator = GrantKmsKeyUserOperator(
        task_id="kms",
        aws_conn_id="static_keys",
        key_arn=aws.kms_key_arn,
        principal_arns=[role_arn(PARTNER)],
        expected_account_id=DESTINATION_ACCOUNT,
    )

    error, recorder = refused(operator, InvalidParameterError)

    assert error.field == "expected_account_id"
    assert "acts in account 123456789012" in error.problem
    assert recorder.sts_calls.count("GetCallerIdentity") == 1
    assert recorder.calls == []


def test_a_missing_emr_role_error_names_the_account(aws: Seeded) -> None:
    operator = AttachAssumeRolePolicyOperator(
        task_id="attach",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name="NoSuchRole",
        destination_role_arns=[role_arn(PARTNER)],
        settle_seconds=0,
    )

    error, recorder = refused(operator)

    assert f"does not exist in account {EMR_ACCOUNT}" in str(error)
    assert str(error).startswith("emr_ec2_role_name: IAM role 'NoSuchRole'")  # the operator's own parameter
    assert recorder.mutating == []  # found missing by the inline-quota read, before any write
    # A role created seconds ago may not be visible yet (IAM User Guide, "Changes that I make are not always
    # immediately visible"): the task keeps its Airflow retries.
    assert not isinstance(error, AirflowFailException)


def test_a_missing_emr_role_is_named_as_the_bucket_grant_names_it(aws: Seeded) -> None:
    operator = GrantEmrRoleBucketAccessOperator(
        task_id="grant_emr_role",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name="NoSuchRole",
        s3_prefixes=[f"s3://{aws.bucket}/partner/out/"],
        settle_seconds=0,
    )

    error, _ = refused(operator)

    assert str(error).startswith("emr_ec2_role_name: IAM role 'NoSuchRole' does not exist in account ")


@pytest.mark.parametrize(
    ("partition", "region", "account", "needle"),
    [
        pytest.param(
            "aws", REGION, OTHER_ACCOUNT, f"is in account {OTHER_ACCOUNT}, but connection", id="other-account"
        ),
        pytest.param("aws", "eu-west-1", DESTINATION_ACCOUNT, "is in region 'eu-west-1'", id="other-region"),
        pytest.param("aws-cn", "cn-north-1", DESTINATION_ACCOUNT, "partition 'aws-cn'", id="other-partition"),
    ],
)
def test_revoke_refuses_a_key_arn_its_destination_connection_cannot_change_before_any_change(
    aws: Seeded, partition: str, region: str, account: str, needle: str
) -> None:
    """``PutKeyPolicy`` acts on a key of the connection's own account, region and partition only (safety table)."""
    provisioned = provision_partner(aws, PARTNER, PREFIX)
    key_id = aws.kms_key_arn.rsplit("/", 1)[1]
    operator = RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=provisioned,
        kms_key_arns=[aws.kms_key_arn, f"arn:{partition}:kms:{region}:{account}:key/{key_id}"],
        settle_seconds=0,
    )

    error, recorder = refused(operator, InvalidParameterError)

    assert error.field == "kms_key_arns[1]"
    assert needle in error.problem
    assert recorder.mutating == []
    assume = client(aws.url, EMR_ACCOUNT, "iam").get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)
    assert assume["PolicyDocument"]["Statement"][0]["Resource"] in ([provisioned], provisioned)


def test_revoke_refuses_a_destination_role_of_another_partition_than_the_emr_connection_before_any_change(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    The revoke takes the role out of the EMR EC2 role's policies too: an EMR connection in another partition (here
    China's, ``arn:aws-cn:``: "ARNs for Amazon Web Services in China") holds no grant of it, since IAM does not grant
    across partitions. Refused naming the field, not a revoke that finds nothing on one side.
    """
    provisioned = provision_partner(aws, PARTNER, PREFIX)
    in_china = json.loads(connection_uri_json(aws.url, EMR_ACCOUNT))
    in_china["extra"]["region_name"] = "cn-north-1"
    monkeypatch.setenv(f"AIRFLOW_CONN_{EMR_CONN_ID.upper()}", json.dumps(in_china))
    operator = RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=provisioned,
        settle_seconds=0,
    )

    error, recorder = refused(operator, InvalidParameterError)

    assert error.field == "destination_role_arn"
    assert f"is in partition 'aws', but connection {EMR_CONN_ID!r} is in partition 'aws-cn'" in error.problem
    assert recorder.mutating == []
    trust = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"]
    assert aws.emr_ec2_role_arn in json.dumps(trust)


def test_an_expected_account_that_resolves_to_none_is_refused_by_every_operator_before_any_change(aws: Seeded) -> None:
    # A pin given as a template (here an unset param, rendered as a native object) that resolves to None: every
    # operator acted with whatever account its connection is in, the check asked for silently gone (failed before:
    # the operators ran their writes). As rendered as text ("None", not 12 digits), it is refused, naming the field.
    from airflow.sdk import DAG

    with DAG(dag_id="pin", schedule=None, params={"pin": None}, render_template_as_native_obj=True) as dag:
        built = operators(aws, expected_account_id="{{ params.pin }}")
    for name, operator in built.items():
        operator.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
        assert operator.expected_account_id is None, name
        error, recorder = refused(operator, InvalidParameterError)

        assert error.field == "expected_account_id", name
        assert "resolved to None" in error.problem, name
        assert recorder.mutating == [], name
    # Not given at all: no pin, and the operator acts (as before).
    _, recorder, _ = run_operator(operators(aws)["attach"])
    assert recorder.mutating


def test_an_expected_account_a_mapped_task_is_given_as_none_is_refused_before_any_change(aws: Seeded) -> None:
    # .partial(...).expand(expected_account_id=<an upstream task's list>): Airflow resolves the mapped value before it
    # builds the task's instance (MappedOperator.unmap), so the instance saw a plain None, read as "not pinned"
    # (failed before: the grant was written with the pin gone).
    from airflow.sdk import DAG

    with DAG(dag_id="mapped_pin", schedule=None):
        mapped = AttachAssumeRolePolicyOperator.partial(
            task_id="attach", aws_conn_id=EMR_CONN_ID, destination_role_arns=[role_arn(PARTNER)], settle_seconds=0
        ).expand(expected_account_id=[EMR_ACCOUNT, None])
    for account, refused_too in [(EMR_ACCOUNT, False), (None, True)]:
        operator = mapped.unmap({"expected_account_id": account})
        if refused_too:
            error, recorder = refused(operator, InvalidParameterError)
            assert error.field == "expected_account_id"
            assert recorder.mutating == []
        else:
            _, recorder, _ = run_operator(operator)
            assert recorder.mutating


def test_terminate_refuses_an_expected_account_that_is_not_the_connections_and_leaves_the_cluster(
    aws: Seeded,
) -> None:
    """The teardown pins its account like every other operator: a wrong pin terminates nothing."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(
        Name="export",
        ReleaseLabel="emr-7.5.0",
        Instances={"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole=EMR_EC2_ROLE,
        ServiceRole=EMR_SERVICE_ROLE,
    )["JobFlowId"]
    operator = TerminateClusterOperator(
        task_id="terminate", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster_id, expected_account_id=OTHER_ACCOUNT
    )

    error, recorder = refused(operator, InvalidParameterError)

    assert error.field == "expected_account_id"
    assert OTHER_ACCOUNT in error.problem
    assert EMR_ACCOUNT in error.problem
    assert recorder.mutating == []
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "WAITING"


# Whole ARNs: revoke ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "error", "needle"),
    [
        pytest.param(
            f"arn:aws:iam::{OTHER_ACCOUNT}:role/{PARTNER}",
            InvalidParameterError,
            f"is in account {OTHER_ACCOUNT}, but connection 'aws_destination_account' acts in account "
            f"{DESTINATION_ACCOUNT}",
            id="other-account",
        ),
        pytest.param(
            f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/other-path/{PARTNER}",
            ConflictError,
            f"is arn:aws:iam::{DESTINATION_ACCOUNT}:role/{PARTNER}, not",
            id="other-path",
        ),
        pytest.param(
            f"arn:aws-cn:iam::{DESTINATION_ACCOUNT}:role/{PARTNER}",
            InvalidParameterError,
            "partition 'aws-cn'",
            id="other-partition",
        ),
    ],
)
def test_revoke_with_delete_refuses_a_role_arn_that_is_not_the_roles_before_any_change(
    aws: Seeded, arn: str, error: type[Exception], needle: str
) -> None:
    provisioned = provision_partner(aws, PARTNER, PREFIX)
    operator = RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=arn,
        kms_key_arns=[aws.kms_key_arn],
        delete_destination_role=True,
        settle_seconds=0,
    )

    raised, recorder = refused(operator, error)

    assert needle in str(raised)
    assert recorder.mutating == []
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    assert iam_b.get_role(RoleName=PARTNER)["Role"]["Arn"] == provisioned
    assume = client(aws.url, EMR_ACCOUNT, "iam").get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)
    assert assume["PolicyDocument"]["Statement"][0]["Resource"] in ([provisioned], provisioned)


def test_revoke_bucket_access_refuses_a_bucket_name_with_a_key(connections: None) -> None:
    operator = RevokeBucketAccessOperator(
        task_id="revoke_bucket",
        aws_conn_id=DESTINATION_CONN_ID,
        bucket="partner-results-b/x",
        principal_arns=[f"arn:aws:iam::{EMR_ACCOUNT}:role/{EMR_EC2_ROLE}"],
    )

    error, recorder = refused(operator, InvalidParameterError)

    assert error.field == "bucket"
    assert recorder.calls == []
    assert recorder.sts_calls == []


# Provider-owned statements ----------------------------------------------------------------------


def _edit_statement(document: dict[str, Any], sid: str, **fields: Any) -> dict[str, Any]:
    for statement in document["Statement"]:
        if statement.get("Sid") == sid:
            statement.update(fields)
    return document


RESTRICTION = {"StringEquals": {"aws:PrincipalTag/team": "exports"}}


def test_what_a_person_adds_to_restrict_provider_statements_survives_the_next_change(aws: Seeded) -> None:
    provision_partner(aws, PARTNER, PREFIX)
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    kms = client(aws.url, DESTINATION_ACCOUNT, "kms")
    # A person restricts the trust statement, the key-users statement, the destination role's object statement
    # and the assume-role statement, and adds a Deny to the destination role's inline policy and to the
    # assume-role policy (docs/safety.md, "The rule for the statements the provider owns": each of them).
    trust = _edit_statement(iam_b.get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"], TRUST_SID)
    trust = _edit_statement(trust, TRUST_SID, Condition=RESTRICTION)
    iam_b.update_assume_role_policy(RoleName=PARTNER, PolicyDocument=json.dumps(trust))
    key_policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    key_policy = _edit_statement(key_policy, KEY_USERS_SID, Condition=RESTRICTION)
    kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(key_policy))
    deny = {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    access = iam_b.get_role_policy(RoleName=PARTNER, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    access["Statement"].append(deny)
    access = _edit_statement(access, OBJECTS_SID, Condition=RESTRICTION)
    iam_b.put_role_policy(RoleName=PARTNER, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(access))
    assume = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    assume = _edit_statement(assume, ASSUME_SID, Condition=RESTRICTION)
    assume_deny = {"Sid": "NoProdRoles", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}
    assume["Statement"].append(assume_deny)
    iam_a.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME, PolicyDocument=json.dumps(assume))

    # The next runs change each document (a second EMR role, a second prefix, a second key user).
    second_emr_role = f"arn:aws:iam::{EMR_ACCOUNT}:role/JobFlowRole"
    create_principals(aws.url, second_emr_role, role_arn("partner-2-writer"))  # IAM and KMS refuse missing ones
    _, recorder, _ = run_operator(
        ensure(aws, trusted_role_arns=[aws.emr_ec2_role_arn, second_emr_role], s3_prefixes=[PREFIX, PREFIX + "more/"])
    )
    assert recorder.mutating == ["UpdateAssumeRolePolicy", "PutRolePolicy"]
    grant_key_users(aws, [role_arn("partner-2-writer")])
    attach = operators(aws)["attach"]
    attach.destination_role_arns = [role_arn(PARTNER), role_arn("partner-2-writer")]
    _, recorder, _ = run_operator(attach)
    assert recorder.mutating == ["PutRolePolicy"]

    trust = iam_b.get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"]
    [ours] = [statement for statement in trust["Statement"] if statement.get("Sid") == TRUST_SID]
    assert ours["Condition"] == RESTRICTION
    assert sorted(ours["Principal"]["AWS"]) == sorted([aws.emr_ec2_role_arn, second_emr_role])
    access = iam_b.get_role_policy(RoleName=PARTNER, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    assert deny in access["Statement"]
    [objects] = [statement for statement in access["Statement"] if statement.get("Sid") == OBJECTS_SID]
    assert objects["Condition"] == RESTRICTION
    assert any("partner-1/more/" in resource for resource in objects["Resource"])  # the change was written
    key_policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
    [users] = [statement for statement in key_policy["Statement"] if statement.get("Sid") == KEY_USERS_SID]
    assert users["Condition"] == RESTRICTION
    assert role_arn("partner-2-writer") in users["Principal"]["AWS"]
    assume = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME)["PolicyDocument"]
    [ours] = [statement for statement in assume["Statement"] if statement.get("Sid") == ASSUME_SID]
    assert ours["Condition"] == RESTRICTION
    assert sorted(ours["Resource"]) == sorted([role_arn(PARTNER), role_arn("partner-2-writer")])
    assert assume_deny in assume["Statement"]


@pytest.mark.parametrize(
    "where", ["trust", "key-users", "assume-role", "destination", "bucket", "emr-role-bucket", "revoke-bucket"]
)
def test_a_wildcard_someone_put_into_a_provider_statement_is_refused_not_written_back(aws: Seeded, where: str) -> None:
    provision_partner(aws, PARTNER, PREFIX)
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    kms, s3 = client(aws.url, DESTINATION_ACCOUNT, "kms"), client(aws.url, DESTINATION_ACCOUNT, "s3")
    new_role = role_arn("partner-2-writer")
    if where == "trust":
        trust = iam_b.get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"]
        trust = _edit_statement(trust, TRUST_SID, Principal={"AWS": [aws.emr_ec2_role_arn, "*"]})
        iam_b.update_assume_role_policy(RoleName=PARTNER, PolicyDocument=json.dumps(trust))
        operator, wildcard = ensure(aws, trusted_role_arns=[f"arn:aws:iam::{EMR_ACCOUNT}:role/JobFlowRole"]), "'*'"
    elif where == "key-users":
        key_policy = json.loads(kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"])
        key_policy = _edit_statement(key_policy, KEY_USERS_SID, Principal={"AWS": "*"})
        kms.put_key_policy(KeyId=aws.kms_key_arn, PolicyName="default", Policy=json.dumps(key_policy))
        operator = operators(aws)["kms"]
        operator.principal_arns = [new_role]
        wildcard = "'*'"
    elif where == "assume-role":
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EmrfsXacctAssumeDestinationRoles",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": [role_arn(PARTNER), "arn:aws:iam::*:role/*"],
                }
            ],
        }
        iam_a.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=ASSUME_POLICY_NAME, PolicyDocument=json.dumps(document))
        operator = operators(aws)["attach"]
        operator.destination_role_arns = [new_role]
        wildcard = "'arn:aws:iam::*:role/*'"
    elif where == "destination":
        access = iam_b.get_role_policy(RoleName=PARTNER, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
        access = _edit_statement(access, "EmrfsXacctObjects", Resource=["arn:aws:s3:::partner-results-b/*"])
        iam_b.put_role_policy(RoleName=PARTNER, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(access))
        operator, wildcard = ensure(aws, s3_prefixes=[PREFIX + "more/"]), "'arn:aws:s3:::partner-results-b/*'"
    elif where == "emr-role-bucket":
        run_operator(operators(aws)["emr_role_bucket"])
        policy = iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME)["PolicyDocument"]
        widened = next(statement for statement in policy["Statement"] if statement["Sid"].startswith("EmrfsXacct"))
        widened["Action"] = ["s3:*"]
        iam_a.put_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=EMR_ROLE_POLICY_NAME, PolicyDocument=json.dumps(policy))
        operator = operators(aws)["emr_role_bucket"]
        operator.s3_prefixes = [PREFIX + "more/"]
        wildcard = "'s3:*'"
    else:
        run_operator(operators(aws)["grant_bucket"])
        bucket = json.loads(s3.get_bucket_policy(Bucket=aws.bucket)["Policy"])
        for statement in bucket["Statement"]:
            statement["Principal"] = {"AWS": "*"}
        s3.put_bucket_policy(Bucket=aws.bucket, Policy=json.dumps(bucket))
        if where == "revoke-bucket":
            operator = operators(aws)["revoke_bucket"]
        else:
            operator = operators(aws)["grant_bucket"]
            operator.s3_prefixes = [PREFIX + "more/"]
        wildcard = "'*'"

    error, recorder = refused(operator, ConflictError)

    assert "EmrfsXacct" in str(error)  # names the statement
    assert wildcard in str(error)
    assert recorder.mutating == []


# Validate and plan everything before the first write ---------------------------------------------


# The safety table: "not a finite number >= 0 (nan, inf, text that is no number), or above 10^9 s" (a number's
# text, "1" as a template renders it, is the number: validation.validate_positive_number).
@pytest.mark.parametrize("value", [float("nan"), float("inf"), "one second", "1s", -1, 10**9 + 1])
def test_settle_seconds_that_is_not_a_finite_number_is_refused_by_every_operator_before_any_call(
    connections: None, value: Any
) -> None:
    for name, operator in operators(
        Seeded(
            "",
            "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
            "partner-results-b",
            "arn:aws:kms:us-east-1:222222222222:key/00000000-0000-0000-0000-000000000000",
            {},
        ),
        settle_seconds=value,
    ).items():
        if name == "launch":
            continue  # waits with waiter_delay, not settle_seconds
        error, recorder = refused(operator, InvalidParameterError)
        assert error.field == "settle_seconds", name
        assert recorder.calls == [], name
        assert recorder.sts_calls == [], name


def test_the_merged_inline_policy_too_long_is_refused_before_the_trust_policy_changes(aws: Seeded) -> None:
    provision_partner(aws, PARTNER, PREFIX)
    iam_b = client(aws.url, DESTINATION_ACCOUNT, "iam")
    access = iam_b.get_role_policy(RoleName=PARTNER, PolicyName=DESTINATION_POLICY_NAME)["PolicyDocument"]
    # Someone's own statement makes the policy nearly full (within IAM's 10,240 characters, which the
    # stand-in enforces); the provider keeps it, so adding the prefixes overflows.
    filler = [f"arn:aws:s3:::partner-results-b/someone-else/{index:04d}/x" for index in range(160)]
    access["Statement"].append({"Sid": "TheirOwn", "Effect": "Allow", "Action": "s3:GetObject", "Resource": filler})
    iam_b.put_role_policy(RoleName=PARTNER, PolicyName=DESTINATION_POLICY_NAME, PolicyDocument=json.dumps(access))
    trust_before = iam_b.get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"]
    operator = ensure(
        aws,
        trusted_role_arns=[aws.emr_ec2_role_arn, f"arn:aws:iam::{EMR_ACCOUNT}:role/JobFlowRole"],
        s3_prefixes=[PREFIX, *(f"s3://partner-results-b/p{index}/" for index in range(20))],
    )

    error, recorder = refused(operator, InvalidParameterError)

    assert error.field == "s3_prefixes"
    assert "10240" in error.problem
    assert recorder.mutating == []  # the trust policy was planned, not written
    assert iam_b.get_role(RoleName=PARTNER)["Role"]["AssumeRolePolicyDocument"] == trust_before


def test_a_rendered_dry_run_flag_plans_and_a_bad_one_is_refused(aws: Seeded) -> None:
    arn, recorder, ti = run_operator(ensure(aws, dry_run="True"))
    assert arn == role_arn(PARTNER)
    assert recorder.mutating == []
    assert [change["action"] for change in ti.xcoms["plan"]] == ["create", "create"]

    error, recorder = refused(ensure(aws, dry_run="ture"), InvalidParameterError)
    assert error.field == "dry_run"
    assert recorder.calls == []


@pytest.mark.parametrize("value", ["ture", "yes", 1, None])
def test_a_dry_run_flag_that_is_not_a_bool_is_refused_by_every_operator_before_any_call(
    connections: None, value: Any
) -> None:
    """The safety table: ``dry_run`` neither a bool nor the text ``true``/``false`` is refused by all (a typo must not write)."""
    seeded = Seeded(
        "",
        "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
        "partner-results-b",
        "arn:aws:kms:us-east-1:222222222222:key/00000000-0000-0000-0000-000000000000",
        {},
    )
    every = {
        **operators(seeded, dry_run=value),
        "terminate": TerminateClusterOperator(
            task_id="terminate", aws_conn_id=EMR_CONN_ID, job_flow_id="j-0123456789ABC", dry_run=value
        ),
    }
    for name, operator in every.items():
        error, recorder = refused(operator, InvalidParameterError)
        assert error.field == "dry_run", name
        assert recorder.calls == [], name
        assert recorder.sts_calls == [], name


# At most one cluster per task instance --------------------------------------------------------


def launcher(configuration: str, name: str) -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=configuration,
        job_flow_overrides={
            "Name": name,
            "ReleaseLabel": "emr-7.5.0",
            "Instances": {"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
            "JobFlowRole": EMR_EC2_ROLE,
            "ServiceRole": EMR_SERVICE_ROLE,
        },
    )


def test_a_retry_finds_its_cluster_by_tag_whatever_its_name_and_refuses_one_of_another_configuration(
    moto_url: str,
) -> None:
    first = create_security_configuration([mapping(PARTNER, PREFIX)])
    second = create_security_configuration(
        [mapping(PARTNER, PREFIX), mapping("partner-2-writer", "s3://partner-results-b/partner-2/")]
    )
    cluster_id, _, _ = run_operator(launcher(first, "export-2026-01-01T00:00:00"))

    # A retry whose name rendered differently (a timestamp in it) returns the same cluster.
    again, recorder, _ = run_operator(launcher(first, "export-2026-01-01T00:05:00"))
    assert again == cluster_id
    assert "RunJobFlow" not in recorder.mutating

    # The same task instance asked for another configuration: refused, not handed the old access.
    error, recorder = refused(launcher(second, "export"), ConflictError)
    assert cluster_id in str(error)
    assert first in str(error)
    assert second in str(error)
    assert recorder.mutating == []
    clusters = client(moto_url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]
    assert [cluster["Id"] for cluster in clusters] == [cluster_id]
