"""
A worker dies right after a mutating call succeeded; the task is retried. (And a whole run, rerun: nothing changes.)

For each operator and each of its mutating calls, the call is let through to moto and then a
botocore ``after-call`` handler raises, as if the worker had been killed before it could record
anything. A new operator instance then retries the task with the same task-instance identity. The
end state must equal that of an undisturbed run from the same start (read back with boto3 and
normalised), the retry must send only the mutating calls the dead try did not get to, and nothing
the provider does not own may change.
"""

from __future__ import annotations

import contextlib
import copy
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
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.s3 import (
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import (
    BUCKET,
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    Seeded,
    seed,
)
from devstack.testing import AFTER_CALL, CallRecorder, RecordingTaskInstance, run_operator, small_cluster
from tests.conftest import reset_moto
from tests.integration.partners import (
    AUDITOR_ARN,
    AUDITOR_STATEMENT,
    create_auditor,
    create_security_configuration,
    mapping,
    provision_partner,
)
from tests.integration.state import client, snapshot, without_ids
from tests.integration.test_scale import FULL, fill_inline

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROLE_NAME = "partner-a-writer"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE_NAME}"
#: The EMR EC2 role's first spill policy (docs/scale.md): where its grants go once its inline policy is full.
SPILL_NAME = spill.spill_name(documents.ASSUME_POLICY_NAME, EMR_EC2_ROLE, 2)
SPILL_ARN = f"arn:aws:iam::{EMR_ACCOUNT}:policy{spill.SPILL_PATH}{SPILL_NAME}"
PREFIX = f"s3://{BUCKET}/exports/partner-a/"
CONFIG_PREFIX = "emrfs-xacct-partner-a"
#: A security configuration the launch names (made by an earlier task; not the launch's to change).
LAUNCH_CONFIG = "emrfs-xacct-partner-a-0123456789ab"
#: What other people own: it must come out of every run exactly as it went in.
FOREIGN_CONFIG = "data-platform-at-rest-encryption"
FOREIGN_CLUSTER = "data-platform-adhoc"
FOREIGN_BUCKET_STATEMENT = {
    "Sid": "AuditorReadsEverything",
    "Effect": "Allow",
    "Principal": {"AWS": AUDITOR_ARN},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}
#: A second partner, provisioned next to the first: revoking the first must leave it as it was.
OTHER_ROLE_NAME = "partner-b-writer"
OTHER_PREFIX = f"s3://{BUCKET}/exports/partner-b/"
#: The provider's configurations, named by their content: two unused, one used by a running cluster.
CONFIG_DOCUMENTS = [
    {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": [mapping(f"partner-{n}", PREFIX)]}}}
    for n in "xyz"
]
UNUSED_CONFIGS = tuple(security_configuration_name(CONFIG_PREFIX, document) for document in CONFIG_DOCUMENTS[:2])
IN_USE_CONFIG = security_configuration_name(CONFIG_PREFIX, CONFIG_DOCUMENTS[2])
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
    f"/inline/{EMR_ROLE_POLICY_NAME}",
    f"/statement/{documents.TRUST_SID}",
    f"/statement/{documents.KEY_USERS_SID}",
    f"emr/security-configuration/{CONFIG_PREFIX}-",
    f"emr/cluster/tagged/{IDEMPOTENCY_TAG}",
    f"/s3/{BUCKET}/policy/statement/{documents.SID_PREFIX}",
    # The provider's spill policies (docs/scale.md), and their attachments to the EMR EC2 role.
    f"/iam/policy{spill.SPILL_PATH}",
    f"/attached/arn:aws:iam::{EMR_ACCOUNT}:policy{spill.SPILL_PATH}",
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
    create_auditor(aws)
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    iam.create_role(
        RoleName=ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [AUDITOR_STATEMENT]}),
        Tags=[{"Key": "owner", "Value": "partner-a"}],
    )
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="reference-data", PolicyDocument=json.dumps(FOREIGN_ROLE_POLICY))


def plain_destination_role(aws: Seeded) -> None:
    """KMS refuses principals that do not exist; moto does not check, but keep the setup honest."""
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=EC2_ONLY_TRUST)


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
    arguments: dict[str, Any] = small_cluster(
        "partner-a-export", Applications=[{"Name": "Spark"}], Tags=[{"Key": "team", "Value": "partner-exports"}]
    )
    arguments.update(changes)
    return arguments


# The operators ----------------------------------------------------------------------------------

#: What a prepare step made that the case's operator names (set before each run of the case).
_PREPARED: dict[str, str] = {}


#: Stand-ins in the operators' arguments, filled in when an operator is built: the seeded key and
#: EMR EC2 role (random or per seeding), and the security configuration a prepare step made.
KEY, EMR_ROLE, PREPARED_CONFIG = "<seeded-kms-key-arn>", "<seeded-emr-ec2-role-arn>", "<prepared-configuration>"

#: Each operator the cases run, with its arguments.
OPERATORS: dict[str, tuple[type, dict[str, Any]]] = {
    "destination-role": (
        EnsureDestinationRoleOperator,
        {
            "task_id": "ensure_destination_role",
            "aws_conn_id": DESTINATION_CONN_ID,
            "role_name": ROLE_NAME,
            "trusted_role_arns": [EMR_ROLE],
            "s3_prefixes": [PREFIX],
            "kms_key_arns": [KEY],
            "settle_seconds": 0,
        },
    ),
    "assume-role-policy": (
        AttachAssumeRolePolicyOperator,
        {
            "task_id": "attach_assume_role_policy",
            "aws_conn_id": EMR_CONN_ID,
            "destination_role_arns": [ROLE_ARN],
            "settle_seconds": 0,
        },
    ),
    "kms-key-user": (
        GrantKmsKeyUserOperator,
        {
            "task_id": "grant_kms_key_user",
            "aws_conn_id": DESTINATION_CONN_ID,
            "key_arn": KEY,
            "principal_arns": [ROLE_ARN],
            "settle_seconds": 0,
        },
    ),
    "security-configuration": (
        CreateEmrfsSecurityConfigOperator,
        {
            "task_id": "create_security_configuration",
            "aws_conn_id": EMR_CONN_ID,
            "name_prefix": CONFIG_PREFIX,
            "role_mappings": [{"Role": ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
            "settle_seconds": 0,
        },
    ),
    "launch-cluster": (
        LaunchClusterWithSecConfigOperator,
        {
            "task_id": "launch_cluster",
            "aws_conn_id": EMR_CONN_ID,
            "emr_conn_id": None,
            "security_configuration": LAUNCH_CONFIG,
            "job_flow_overrides": job_flow(),
        },
    ),
    "grant-bucket-access": (
        GrantBucketAccessOperator,
        {
            "task_id": "grant_bucket_access",
            "aws_conn_id": DESTINATION_CONN_ID,
            "s3_prefixes": [PREFIX],
            "principal_arns": [EMR_ROLE],
            "settle_seconds": 0,
        },
    ),
    "emr-role-bucket-access": (
        GrantEmrRoleBucketAccessOperator,
        {
            "task_id": "grant_emr_role_bucket_access",
            "aws_conn_id": EMR_CONN_ID,
            "s3_prefixes": [PREFIX],
            "kms_key_arns": [KEY],
            "settle_seconds": 0,
        },
    ),
    "revoke-bucket-access": (
        RevokeBucketAccessOperator,
        {
            "task_id": "revoke_bucket_access",
            "aws_conn_id": DESTINATION_CONN_ID,
            "bucket": BUCKET,
            "principal_arns": [EMR_ROLE],
            "settle_seconds": 0,
        },
    ),
    "revoke-partner": (
        RevokePartnerAccessOperator,
        {
            "task_id": "revoke_partner",
            "aws_conn_id": EMR_CONN_ID,
            "destination_aws_conn_id": DESTINATION_CONN_ID,
            "destination_role_arn": ROLE_ARN,
            "emr_ec2_role_name": EMR_EC2_ROLE,
            "kms_key_arns": [KEY],
            "security_configuration": PREPARED_CONFIG,  # the one two_partners made
            "name_prefix": CONFIG_PREFIX,
            "delete_destination_role": True,
            "settle_seconds": 0,
        },
    ),
    "delete-unused": (
        DeleteUnusedSecurityConfigsOperator,
        {
            "task_id": "delete_unused_security_configurations",
            "aws_conn_id": EMR_CONN_ID,
            "name_prefix": CONFIG_PREFIX,
            "min_age_seconds": 0,
        },
    ),
}


def build(name: str, aws: Seeded, **changes: Any) -> Any:
    """A new instance of the operator ``name`` of :data:`OPERATORS`, its stand-ins filled in, ``changes`` applied."""
    cls, arguments = OPERATORS[name]
    known = {
        KEY: aws.kms_key_arn,
        EMR_ROLE: aws.emr_ec2_role_arn,
        PREPARED_CONFIG: _PREPARED.get("security_configuration"),
    }

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(item) for item in value]
        return known.get(value, value) if isinstance(value, str) else copy.deepcopy(value)

    return cls(**{key: fill(value) for key, value in {**arguments, **changes}.items()})


def foreign_bucket_statement(aws: Seeded) -> None:
    """Someone else's statement in the bucket policy, and the usual foreign security configuration."""
    foreign_security_configuration(aws)
    create_auditor(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [FOREIGN_BUCKET_STATEMENT]}),
    )


def object_writer_bucket(aws: Seeded) -> None:
    """A bucket still on ``ObjectWriter`` ownership (objects owned by whoever writes them)."""
    foreign_bucket_statement(aws)
    client(aws.url, DESTINATION_ACCOUNT, "s3").put_bucket_ownership_controls(
        Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )


def granted_bucket(aws: Seeded) -> None:
    """The EMR role was granted bucket access before (by the provider), next to someone else's statement."""
    foreign_bucket_statement(aws)
    run_operator(build("grant-bucket-access", aws))


def granted_bucket_only(aws: Seeded) -> None:
    """The EMR role was granted bucket access before, and the bucket policy holds nothing else."""
    foreign_security_configuration(aws)
    run_operator(build("grant-bucket-access", aws))


def two_partners(aws: Seeded) -> None:
    """Two partners provisioned by the provider (sharing the EMR role's and the key's statements), one configuration."""
    foreign_security_configuration(aws)
    provision_partner(aws, ROLE_NAME, PREFIX)
    provision_partner(aws, OTHER_ROLE_NAME, OTHER_PREFIX)
    _PREPARED["security_configuration"] = create_security_configuration(
        [mapping(ROLE_NAME, PREFIX), mapping(OTHER_ROLE_NAME, OTHER_PREFIX)], name_prefix=CONFIG_PREFIX
    )


def past_the_inline_wall(aws: Seeded) -> None:
    """The EMR EC2 role's inline policy full (earlier grants): its next grant goes into a spill policy (docs/scale.md)."""
    foreign_security_configuration(aws)
    fill_inline(client(aws.url, EMR_ACCOUNT, "iam"), FULL)


def more_spill_versions(aws: Seeded, count: int, *role_arns: str) -> None:
    """``count`` more versions of the spill policy, each holding ``role_arns`` (earlier writes of the same grants)."""
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    for _ in range(count):
        iam.create_policy_version(
            PolicyArn=SPILL_ARN,
            PolicyDocument=json.dumps(documents.assume_role_policy(list(role_arns))),
            SetAsDefault=True,
        )


def spill_policy_at_five_versions(aws: Seeded) -> None:
    """Past the wall, the spill policy holds partner b, at IAM's five versions: the next write deletes one first."""
    past_the_inline_wall(aws)
    other = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{OTHER_ROLE_NAME}"
    run_operator(build("assume-role-policy", aws, destination_role_arns=[other]))
    more_spill_versions(aws, 4, other)


def partner_in_a_spill_policy(aws: Seeded) -> None:
    """
    Partner a provisioned past the wall: its grant alone in the spill policy, which has three versions.

    Revoked, the policy is emptied: its other versions, then the policy itself are deleted, once detached
    (IAM API Reference, "DeletePolicy").
    """
    past_the_inline_wall(aws)
    provision_partner(aws, ROLE_NAME, PREFIX)
    more_spill_versions(aws, 2, ROLE_ARN)


def unused_configurations(aws: Seeded) -> None:
    """Two of the provider's configurations nobody uses, one a running cluster uses, and a foreign one."""
    foreign_security_configuration(aws)
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    for name, document in zip((*UNUSED_CONFIGS, IN_USE_CONFIG), CONFIG_DOCUMENTS, strict=True):
        emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    emr.run_job_flow(**job_flow(Name="partner-a-running", SecurityConfiguration=IN_USE_CONFIG))


#: The parts of a return value that tell what this try did, not what the task achieved: the plan lists the changes
#: this try made, and a revoke's ``sessions_may_last_until`` is an hour after this try's check that the access ended
#: (the time of that check, after every write, whichever try wrote; ``tests/integration/test_revoke_sessions_until.py``
#: asserts it).
PER_TRY = ("plan", "sessions_may_last_until")


def without_plan(result: Any) -> Any:
    """A return value without what is per try (:data:`PER_TRY`)."""
    if isinstance(result, dict):
        return {key: value for key, value in result.items() if key not in PER_TRY}
    if isinstance(result, list) and result and all(isinstance(item, dict) and "action" in item for item in result):
        return "<plan>"
    if result == []:
        return "<plan>"
    return result


@dataclass(frozen=True)
class Case:
    """One operator, from one starting state."""

    #: The operator (a key of :data:`OPERATORS`) and what its arguments change.
    operator: str
    prepare: Callable[[Seeded], None] = foreign_security_configuration
    changes: tuple[tuple[str, Any], ...] = ()
    #: What else the case's operator owns and may change or delete (paths of the snapshot).
    owns: tuple[str, ...] = ()
    #: The part of the operator's return value that a retry must give back as an undisturbed run does.
    comparable: Callable[[Any], Any] = lambda result: without_plan(result)

    def make(self, aws: Seeded) -> Any:
        return build(self.operator, aws, **dict(self.changes))


CASES = {
    "destination-role-new": Case("destination-role"),
    "destination-role-existing": Case("destination-role", existing_destination_role),
    "assume-role-policy": Case("assume-role-policy"),
    "kms-key-user": Case("kms-key-user", plain_destination_role),
    "security-configuration": Case("security-configuration"),
    "launch-cluster": Case("launch-cluster", launch_prerequisites),
    "grant-bucket-access": Case("grant-bucket-access", foreign_bucket_statement),
    # Asked to switch the bucket to BucketOwnerEnforced: the ownership setting is the operator's to change.
    "grant-bucket-access-enforce-owner": Case(
        "grant-bucket-access",
        object_writer_bucket,
        changes=(("enforce_bucket_owner", True),),
        owns=(f"{DESTINATION_ACCOUNT}/s3/{BUCKET}/ownership",),
    ),
    "emr-role-bucket-access": Case("emr-role-bucket-access"),
    "revoke-bucket-access": Case("revoke-bucket-access", granted_bucket),
    # Its statements were the only ones: the policy itself goes, as the undisturbed run removes it.
    "revoke-bucket-access-last-statement": Case(
        "revoke-bucket-access", granted_bucket_only, owns=(f"{DESTINATION_ACCOUNT}/s3/{BUCKET}/policy",)
    ),
    # The destination role the provider created (tagged as such) is the revoke's to delete.
    "revoke-partner": Case("revoke-partner", two_partners, owns=(f"{DESTINATION_ACCOUNT}/iam/role/{ROLE_NAME}",)),
    # The default revoke: the role is kept, the EMR EC2 role goes from its trust (UpdateAssumeRolePolicy).
    "revoke-partner-keep-role": Case("revoke-partner", two_partners, changes=(("delete_destination_role", False),)),
    # Past the inline wall (docs/scale.md): the grant creates the spill policy and attaches it ...
    "assume-role-policy-spill": Case("assume-role-policy", past_the_inline_wall),
    # ... or, the policy at five versions, deletes the oldest and writes a new default one.
    "assume-role-policy-spill-versions": Case("assume-role-policy", spill_policy_at_five_versions),
    # The revoke empties the spill policy: its other versions go, then it is detached and deleted.
    "revoke-partner-spill": Case(
        "revoke-partner",
        partner_in_a_spill_policy,
        changes=(("delete_destination_role", False), ("security_configuration", None)),
    ),
    # It returns the names this try deleted: the state shows that the retry deleted the rest.
    "delete-unused-configurations": Case("delete-unused", unused_configurations, comparable=lambda _names: "<names>"),
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
    ("grant-bucket-access", "PutBucketPolicy"),
    ("grant-bucket-access-enforce-owner", "PutBucketPolicy"),
    ("grant-bucket-access-enforce-owner", "PutBucketOwnershipControls"),
    ("emr-role-bucket-access", "PutRolePolicy"),
    ("revoke-bucket-access", "PutBucketPolicy"),
    ("revoke-bucket-access-last-statement", "DeleteBucketPolicy"),
    ("revoke-partner", "PutRolePolicy"),
    ("revoke-partner", "PutKeyPolicy"),
    ("revoke-partner", "CreateSecurityConfiguration"),
    ("revoke-partner", "DeleteRolePolicy"),
    ("revoke-partner", "DeleteRole"),
    ("revoke-partner-keep-role", "UpdateAssumeRolePolicy"),
    ("revoke-partner-keep-role", "PutRolePolicy"),
    ("revoke-partner-keep-role", "PutKeyPolicy"),
    ("revoke-partner-keep-role", "CreateSecurityConfiguration"),
    ("assume-role-policy-spill", "CreatePolicy"),
    ("assume-role-policy-spill", "AttachRolePolicy"),
    ("assume-role-policy-spill-versions", "DeletePolicyVersion"),
    ("assume-role-policy-spill-versions", "CreatePolicyVersion"),
    ("revoke-partner-spill", "DeletePolicyVersion"),
    ("revoke-partner-spill", "DetachRolePolicy"),
    ("revoke-partner-spill", "DeletePolicy"),
    ("delete-unused-configurations", "DeleteSecurityConfiguration"),
]


@contextlib.contextmanager
def die_once_after(operation: str) -> Iterator[list[dict[str, Any]]]:
    """
    Raise :class:`WorkerDied` right after ``operation`` first succeeds, whichever client sent it.

    Yield a list that receives the answer AWS gave to the call the worker did not live to see.
    """
    died: list[dict[str, Any]] = []

    def kill(_service: str, name: str, answer: dict[str, Any]) -> None:
        if name == operation and not died:
            assert answer["ResponseMetadata"]["HTTPStatusCode"] in (200, 204)  # it really succeeded in AWS
            died.append(answer)
            raise WorkerDied(f"worker killed right after {operation}")

    AFTER_CALL.append(kill)
    try:
        yield died
    finally:
        AFTER_CALL.remove(kill)


def owned(path: str) -> bool:
    return any(pattern in path for pattern in OWNED_PATTERNS)


def created_by_provider(path: str) -> bool:
    """The destination role, when the provider created it (its metadata and trust policy are then the provider's)."""
    return (
        path.startswith(f"{DESTINATION_ACCOUNT}/iam/role/{ROLE_NAME}/")
        or path == f"{DESTINATION_ACCOUNT}/iam/role/{ROLE_NAME}"
    )


def foreign(state: dict[str, Any], also_owned: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        path: value
        for path, value in state.items()
        if not owned(path) and not any(path == mine or path.startswith(f"{mine}/") for mine in also_owned)
    }


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
        _REFERENCES[case_name] = Reference(
            start, snapshot(aws), without_ids(case.comparable(result), aws), calls.mutating
        )
        aws = reseed(aws)
    return _REFERENCES[case_name], aws


# The tests --------------------------------------------------------------------------------------


def test_every_operator_that_changes_anything_is_retried() -> None:
    """The claim is "for every operator that changes anything": the dry-run table lists them all (the teardown aside)."""
    from tests.integration.test_dry_run import CASES as DRY_RUNS

    assert {cls.__name__ for cls, _ in OPERATORS.values()} == {case.id for case in DRY_RUNS}
    assert {CASES[case].operator for case, _ in KILLS} == set(OPERATORS)
    assert {case for case, _ in KILLS} == set(CASES)  # a case no kill lands in is a reference for nothing
    assert len(set(KILLS)) == len(KILLS)


@pytest.mark.parametrize(("case_name", "operation"), [pytest.param(*kill, id="-".join(kill)) for kill in KILLS])
def test_retry_after_worker_died_after_mutating_call(aws: Seeded, case_name: str, operation: str) -> None:
    case = CASES[case_name]
    reference, aws = reference_run(case_name, aws)
    assert operation in reference.mutating, f"{case_name} never sends {operation}; the case tests nothing"
    assert reference.end != reference.start

    # The same start, but the worker dies right after the call succeeded.
    case.prepare(aws)
    first = case.make(aws)
    ti = task_instance(first, 1)
    with die_once_after(operation) as died, CallRecorder().everywhere() as first_calls, pytest.raises(WorkerDied):
        first.execute({"ti": ti, "task_instance": ti})
    assert len(died) == 1
    done = reference.mutating.index(operation) + 1
    assert first_calls.mutating == reference.mutating[:done]

    # The retry: a new operator instance, the same task instance.
    retry = case.make(aws)
    result, retry_calls, _ = run_operator(retry, task_instance(retry, 2))

    after = snapshot(aws)
    assert after == reference.end
    expected = reference.result
    if operation == "DeleteRole":  # the dead try deleted the role: the retry finds none (warned: docs/howto/revoke.md)
        expected = {**expected, "destination_role_found": False}
    assert without_ids(case.comparable(result), aws) == expected
    # Only what the dead try did not get to; what it did is not repeated.
    assert retry_calls.mutating == reference.mutating[done:]
    # Nothing the provider does not own changed, and all that is new is the provider's.
    untouchable = foreign(reference.start, case.owns)
    assert {path: after.get(path) for path in untouchable} == untouchable
    new = after.keys() - reference.start.keys()
    assert all(owned(path) or created_by_provider(path) or path not in foreign({path: 0}, case.owns) for path in new)
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


def test_every_kind_of_mutating_call_of_each_case_is_a_kill_point(aws: Seeded) -> None:
    """
    "Killed right after each kind of mutating call": every operation a case's undisturbed run sends (from
    any client) is a kill point of that case or of another case of the same operator, so a new write in
    an operator (a spill policy's attach, a trust update) cannot go untested. After the kill tests the
    undisturbed runs are known already (made once per case); run alone, this makes them.
    """
    kill_points: dict[str, set[str]] = {}
    for case_name, operation in KILLS:
        kill_points.setdefault(CASES[case_name].operator, set()).add(operation)
    missing: dict[str, list[str]] = {}
    for case_name, case in CASES.items():
        reference, aws = reference_run(case_name, aws)
        if gaps := set(reference.mutating) - kill_points[case.operator]:
            missing[case_name] = sorted(gaps)
    assert missing == {}, f"mutating calls no worker is killed after: {missing}"


@pytest.mark.parametrize("case_name", list(CASES))
def test_a_rerun_after_a_whole_run_sends_no_mutating_call_and_changes_nothing(aws: Seeded, case_name: str) -> None:
    """
    The README's "a rerun makes no mutating call", for every operator that changes anything: after an
    undisturbed run, the same task run again (a new operator instance, the next try) sends no mutating
    call through any client of the process, and both accounts read back exactly as the first run left
    them (a launch returns the cluster the first run launched).
    """
    case = CASES[case_name]
    case.prepare(aws)
    first = case.make(aws)
    result, first_calls, _ = run_operator(first, task_instance(first, 1))
    assert first_calls.mutating, f"{case_name} changed nothing on its first run; the case tests nothing"
    after_first = snapshot(aws)

    rerun = case.make(aws)
    with CallRecorder().everywhere() as calls:
        again, _, _ = run_operator(rerun, task_instance(rerun, 2))

    assert calls.mutating == []
    assert snapshot(aws) == after_first
    if case.operator == "launch-cluster":
        assert again == result
