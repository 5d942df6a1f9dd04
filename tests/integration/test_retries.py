"""
A worker dies right after a mutating call succeeded; the task is retried.

For each operator and each of its mutating calls, the call is let through to moto and then a
botocore ``after-call`` handler raises, as if the worker had been killed before it could record
anything. A new operator instance then retries the task with the same task-instance identity. The
end state must equal that of an undisturbed run from the same start (read back with boto3 and
normalised), the retry must send only the mutating calls the dead try did not get to, and nothing
the provider does not own may change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.policies import documents
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    EMR_SERVICE_ROLE,
    Seeded,
    seed,
)
from tests.conftest import CallRecorder, RecordingTaskInstance, reset_moto, run_operator
from tests.integration.state import client, snapshot, without_ids

if TYPE_CHECKING:
    from collections.abc import Callable

ROLE_NAME = "partner-a-writer"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
PREFIX = f"s3://{BUCKET}/exports/partner-a/"
CONFIG_PREFIX = "emrfs-xacct-partner-a"
#: A security configuration the launch names (made by an earlier task; not the launch's to change).
LAUNCH_CONFIG = "emrfs-xacct-partner-a-0123456789ab"
#: What other people own: it must come out of every run exactly as it went in.
FOREIGN_CONFIG = "data-platform-at-rest-encryption"
FOREIGN_CLUSTER = "data-platform-adhoc"
AUDITOR_STATEMENT = {
    "Sid": "PartnerAuditor",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::333333333333:role/Auditor"},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": "audit-7f3e"}},
}
FOREIGN_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadReference", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ref-data/*"}
    ],
}
#: Policies, statements and resources the provider owns; everything else is someone else's.
OWNED_PATTERNS = (
    f"/inline/{documents.DESTINATION_POLICY_NAME}",
    f"/inline/{documents.ASSUME_POLICY_NAME}",
    f"/statement/{documents.TRUST_SID}",
    f"/statement/{documents.KEY_USERS_SID}",
    f"emr/security-configuration/{CONFIG_PREFIX}-",
    f"emr/cluster/tagged/{IDEMPOTENCY_TAG}",
)


class WorkerDied(BaseException):
    """
    Raised right after a mutating call succeeded, as if the worker had been killed there.

    A ``BaseException``, like the ``SystemExit`` of a killed process: no ``except Exception`` in the
    provider may catch it and carry on.
    """


# What exists before the task runs ---------------------------------------------------------------


def foreign_security_configuration(aws: Seeded) -> None:
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=FOREIGN_CONFIG,
        SecurityConfiguration=json.dumps(
            {
                "EncryptionConfiguration": {
                    "EnableInTransitEncryption": False,
                    "EnableAtRestEncryption": True,
                    "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}},
                }
            }
        ),
    )


def existing_destination_role(aws: Seeded) -> None:
    """The destination role exists already, made by someone else, trusting an auditor only."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(
        RoleName=ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [AUDITOR_STATEMENT]}),
        Tags=[{"Key": "owner", "Value": "partner-a"}],
    )
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="reference-data", PolicyDocument=json.dumps(FOREIGN_ROLE_POLICY))


def plain_destination_role(aws: Seeded) -> None:
    """KMS refuses principals that do not exist; moto does not check, but keep the setup honest."""
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )


def launch_prerequisites(aws: Seeded) -> None:
    """The security configuration the launch names, and another team's running cluster."""
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    mapping = {"Role": ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}
    emr.create_security_configuration(
        Name=LAUNCH_CONFIG,
        SecurityConfiguration=json.dumps(
            {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [mapping]}}}
        ),
    )
    emr.run_job_flow(**job_flow(Name=FOREIGN_CLUSTER, Tags=[{"Key": "team", "Value": "data-platform"}]))


def job_flow(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "Name": "partner-a-export",
        "ReleaseLabel": "emr-6.15.0",
        "Applications": [{"Name": "Spark"}],
        "Instances": {
            "MasterInstanceType": "m5.xlarge",
            "SlaveInstanceType": "m5.xlarge",
            "InstanceCount": 3,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        "JobFlowRole": EMR_EC2_ROLE,
        "ServiceRole": EMR_SERVICE_ROLE,
        "Tags": [{"Key": "team", "Value": "partner-exports"}],
    }
    arguments.update(changes)
    return arguments


# The operators ----------------------------------------------------------------------------------


def destination_role(aws: Seeded) -> EnsureDestinationRoleOperator:
    return EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name=ROLE_NAME,
        trusted_role_arns=[aws.emr_ec2_role_arn],
        s3_prefixes=[PREFIX],
        kms_key_arns=[aws.kms_key_arn],
        settle_seconds=0,
    )


def assume_role_policy(_aws: Seeded) -> AttachAssumeRolePolicyOperator:
    return AttachAssumeRolePolicyOperator(
        task_id="attach_assume_role_policy",
        aws_conn_id=EMR_CONN_ID,
        destination_role_arns=[ROLE_ARN],
        settle_seconds=0,
    )


def key_user(aws: Seeded) -> GrantKmsKeyUserOperator:
    return GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn=aws.kms_key_arn,
        principal_arns=[ROLE_ARN],
        settle_seconds=0,
    )


def security_configuration(_aws: Seeded) -> CreateEmrfsSecurityConfigOperator:
    return CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=CONFIG_PREFIX,
        role_mappings=[{"Role": ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
        settle_seconds=0,
    )


def launch(_aws: Seeded) -> LaunchClusterWithSecConfigOperator:
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=LAUNCH_CONFIG,
        job_flow_overrides=job_flow(),
    )


@dataclass(frozen=True)
class Case:
    """One operator, from one starting state."""

    make: Callable[[Seeded], Any]
    prepare: Callable[[Seeded], None] = foreign_security_configuration


CASES = {
    "destination-role-new": Case(destination_role),
    "destination-role-existing": Case(destination_role, existing_destination_role),
    "assume-role-policy": Case(assume_role_policy),
    "kms-key-user": Case(key_user, plain_destination_role),
    "security-configuration": Case(security_configuration),
    "launch-cluster": Case(launch, launch_prerequisites),
}
KILLS = [
    ("destination-role-new", "CreateRole"),
    ("destination-role-new", "PutRolePolicy"),
    ("destination-role-existing", "UpdateAssumeRolePolicy"),
    ("destination-role-existing", "PutRolePolicy"),
    ("assume-role-policy", "PutRolePolicy"),
    ("kms-key-user", "PutKeyPolicy"),
    ("security-configuration", "CreateSecurityConfiguration"),
    ("launch-cluster", "RunJobFlow"),
]


def die_once_after(operator: Any, operation: str) -> list[dict[str, Any]]:
    """
    Make the operator's client raise :class:`WorkerDied` right after ``operation`` first succeeds.

    Return a list that receives the answer AWS gave to the call the worker did not live to see.
    """
    client_ = operator.hook.launch_client if operation == "RunJobFlow" else operator.hook.conn
    service = client_.meta.service_model.service_id.hyphenize()
    died: list[dict[str, Any]] = []

    def kill(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        if not died:
            assert http_response.status_code == 200  # the call really succeeded in AWS
            died.append(parsed)
            raise WorkerDied(f"worker killed right after {operation}")

    client_.meta.events.register(f"after-call.{service}.{operation}", kill)
    return died


def owned(path: str) -> bool:
    return any(pattern in path for pattern in OWNED_PATTERNS)


def created_by_provider(path: str) -> bool:
    """The destination role, when the provider created it (its metadata and trust policy are then the provider's)."""
    return (
        path.startswith(f"{DESTINATION_ACCOUNT}/iam/role/{ROLE_NAME}/")
        or path == f"{DESTINATION_ACCOUNT}/iam/role/{ROLE_NAME}"
    )


def foreign(state: dict[str, Any]) -> dict[str, Any]:
    return {path: value for path, value in state.items() if not owned(path)}


def reseed(aws: Seeded) -> Seeded:
    reset_moto(aws.url)
    return seed(aws.url)


def task_instance(operator: Any, try_number: int) -> RecordingTaskInstance:
    """The same task instance (dag, run, task, map index) on every try."""
    return RecordingTaskInstance(
        dag_id="partner_a_export",
        run_id="scheduled__2026-03-01T00:00:00+00:00",
        task_id=operator.task_id,
        map_index=-1,
        try_number=try_number,
    )


@dataclass(frozen=True)
class Reference:
    """An undisturbed run of a case: the state before and after, what it returned, its mutating calls."""

    start: dict[str, Any]
    end: dict[str, Any]
    result: Any
    mutating: list[str]


_REFERENCES: dict[str, Reference] = {}


def reference_run(case_name: str, aws: Seeded) -> tuple[Reference, Seeded]:
    """
    Return the undisturbed run of the case (made once per case, from a fresh seeding) and a fresh seeding.

    The states are normalised (random ids replaced), so they compare across seedings.
    """
    case = CASES[case_name]
    if case_name not in _REFERENCES:
        case.prepare(aws)
        start = snapshot(aws)
        operator = case.make(aws)
        result, calls, _ = run_operator(operator, task_instance(operator, 1))
        _REFERENCES[case_name] = Reference(start, snapshot(aws), without_ids(result, aws), calls.mutating)
        aws = reseed(aws)
    return _REFERENCES[case_name], aws


# The tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case_name", "operation"), [pytest.param(*kill, id="-".join(kill)) for kill in KILLS])
def test_retry_after_worker_died_after_mutating_call(aws: Seeded, case_name: str, operation: str) -> None:
    case = CASES[case_name]
    reference, aws = reference_run(case_name, aws)
    assert operation in reference.mutating, f"{case_name} never sends {operation}; the case tests nothing"
    assert reference.end != reference.start

    # The same start, but the worker dies right after the call succeeded.
    case.prepare(aws)
    first = case.make(aws)
    died = die_once_after(first, operation)
    first_calls = CallRecorder().attach(first.hook.conn)
    if hasattr(first.hook, "launch_client"):
        first_calls.attach(first.hook.launch_client)
    ti = task_instance(first, 1)
    with pytest.raises(WorkerDied):
        first.execute({"ti": ti, "task_instance": ti})
    assert len(died) == 1
    done = reference.mutating.index(operation) + 1
    assert first_calls.mutating == reference.mutating[:done]

    # The retry: a new operator instance, the same task instance.
    retry = case.make(aws)
    result, retry_calls, _ = run_operator(retry, task_instance(retry, 2))

    after = snapshot(aws)
    assert after == reference.end
    assert without_ids(result, aws) == reference.result
    # Only what the dead try did not get to; what it did is not repeated.
    assert retry_calls.mutating == reference.mutating[done:]
    # Nothing the provider does not own changed, and all that is new is the provider's.
    assert {path: after.get(path) for path in foreign(reference.start)} == foreign(reference.start)
    assert all(owned(path) or created_by_provider(path) for path in after.keys() - reference.start.keys())
    if operation == "RunJobFlow":
        # The retry returns the cluster the dead try launched, and it is the only one of this task instance.
        launched = died[0]["JobFlowId"]
        assert result == launched
        emr = client(aws.url, EMR_ACCOUNT, "emr")
        ours = [
            summary["Id"]
            for summary in emr.list_clusters()["Clusters"]
            if any(
                tag["Key"] == IDEMPOTENCY_TAG
                for tag in emr.describe_cluster(ClusterId=summary["Id"])["Cluster"]["Tags"]
            )
        ]
        assert ours == [launched]
