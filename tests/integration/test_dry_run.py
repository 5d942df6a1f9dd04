"""
dry_run=True on every operator that changes anything: it reads, returns the plan, logs it as a
before/after diff, and makes no mutating call in either account.

All cases share one provisioned state (a dry run changes nothing, and each case checks that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from airflow.providers.common.compat.sdk import AirflowSkipException
from botocore.exceptions import ClientError

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
from airflow_provider_emrfs_xacct.pure.plan import (
    DIFF_INDENT,
    DRY_RUN_HEADING,
    SYMBOLS,
    Change,
    Summary,
    plan_message,
)
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    EMR_SERVICE_ROLE,
    MotoStack,
    Seeded,
    client,
    seed,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, captured_logs, run_operator, small_cluster
from tests.conftest import reset_moto, use_connections
from tests.integration.partners import (
    NAME_PREFIX,
    create_security_configuration,
    mapping,
    provision_partner,
    role_arn,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

PARTNER_1, PREFIX_1 = "partner-1-writer", "s3://partner-results-b/partner-1/"
PARTNER_2, PREFIX_2 = "partner-2-writer", "s3://partner-results-b/partner-2/"


@dataclass(frozen=True)
class World:
    aws: Seeded
    configuration: str


@pytest.fixture(scope="module")
def world(moto_stack: MotoStack) -> Iterator[World]:
    """Partner 1 provisioned (chain and bucket-policy option); partner 2 not yet."""
    with pytest.MonkeyPatch.context() as patch:
        reset_moto(moto_stack.url)
        use_connections(patch, moto_stack.url)
        aws = seed(moto_stack.url)
        provision_partner(aws, PARTNER_1, PREFIX_1)
        configuration = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])
        run_operator(
            GrantBucketAccessOperator(
                task_id="grant_bucket_access",
                aws_conn_id=DESTINATION_CONN_ID,
                s3_prefixes=[PREFIX_1],
                principal_arns=[aws.emr_ec2_role_arn],
                settle_seconds=0,
            )
        )
        yield World(aws, configuration)


def snapshot(aws: Seeded) -> dict[str, Any]:
    """Everything any of the operators could change, in both accounts."""
    iam_a, iam_b = client(aws.url, EMR_ACCOUNT, "iam"), client(aws.url, DESTINATION_ACCOUNT, "iam")
    s3, kms, emr = (
        client(aws.url, DESTINATION_ACCOUNT, "s3"),
        client(aws.url, DESTINATION_ACCOUNT, "kms"),
        client(aws.url, EMR_ACCOUNT, "emr"),
    )
    roles = {}
    for role in iam_b.list_roles()["Roles"]:
        name = role["RoleName"]
        inline = {
            policy: iam_b.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            for policy in iam_b.list_role_policies(RoleName=name)["PolicyNames"]
        }
        roles[name] = (role["AssumeRolePolicyDocument"], inline)
    try:
        bucket_policy = s3.get_bucket_policy(Bucket=aws.bucket)["Policy"]
    except ClientError:
        bucket_policy = None
    return {
        "emr_role_policies": {
            policy: iam_a.get_role_policy(RoleName=EMR_EC2_ROLE, PolicyName=policy)["PolicyDocument"]
            for policy in iam_a.list_role_policies(RoleName=EMR_EC2_ROLE)["PolicyNames"]
        },
        "destination_roles": roles,
        "key_policy": kms.get_key_policy(KeyId=aws.kms_key_arn, PolicyName="default")["Policy"],
        "bucket_policy": bucket_policy,
        "ownership": s3.get_bucket_ownership_controls(Bucket=aws.bucket)["OwnershipControls"],
        "configurations": sorted(item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]),
        "clusters": emr.list_clusters()["Clusters"],
    }


@dataclass(frozen=True)
class DryRun:
    id: str
    build: Callable[[World], Any]
    #: The plan's (action, resource start) pairs.
    changes: list[tuple[str, str]]
    #: Lines the logged diff must hold ("+"/"-" and the text without indentation), given the world.
    lines: Callable[[World], list[str]]
    #: What a dry run returns: the same kind of value as a real run (the ARN the role will have, the
    #: configuration's name …); checked given the world and the plan.
    returns: Callable[[World, Any, Any], bool] = lambda _w, _result, _plan: True
    #: The launch cannot know a cluster id before RunJobFlow: a dry run ends the task as skipped.
    skips: bool = False


def _quoted(text: str) -> str:
    return json.dumps(text)


CASES = [
    DryRun(
        "EnsureDestinationRoleOperator",
        lambda w: EnsureDestinationRoleOperator(
            task_id="ensure_destination_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=PARTNER_2,
            trusted_role_arns=[w.aws.emr_ec2_role_arn],
            s3_prefixes=[PREFIX_2],
            kms_key_arns=[w.aws.kms_key_arn],
            dry_run=True,
        ),
        [("create", f"iam role {PARTNER_2}"), ("create", f"iam role {PARTNER_2}")],
        lambda w: [
            f"+{_quoted(w.aws.emr_ec2_role_arn)}",
            f'+"arn:aws:s3:::{w.aws.bucket}/partner-2/*",',
        ],
        lambda _w, result, _plan: result == role_arn(PARTNER_2),  # the ARN the role will have
    ),
    DryRun(
        "AttachAssumeRolePolicyOperator",
        lambda w: AttachAssumeRolePolicyOperator(
            task_id="allow_emr_role_to_assume",
            aws_conn_id=EMR_CONN_ID,
            destination_role_arns=[role_arn(PARTNER_2)],
            dry_run=True,
        ),
        [("update", f"iam role {EMR_EC2_ROLE}")],
        lambda w: [
            f"-{_quoted(role_arn(PARTNER_1))}",
            f"+{_quoted(role_arn(PARTNER_1))},",
            f"+{_quoted(role_arn(PARTNER_2))}",
        ],
        lambda _w, result, _plan: result == "emrfs-xacct-assume-destination-roles",
    ),
    DryRun(
        "GrantKmsKeyUserOperator",
        lambda w: GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn=w.aws.kms_key_arn,
            principal_arns=[role_arn(PARTNER_2)],
            dry_run=True,
        ),
        [("update", "kms key")],
        lambda w: [
            f"-{_quoted(role_arn(PARTNER_1))}",
            f"+{_quoted(role_arn(PARTNER_1))},",
            f"+{_quoted(role_arn(PARTNER_2))}",
        ],
        lambda w, result, _plan: result == w.aws.kms_key_arn,
    ),
    DryRun(
        "CreateEmrfsSecurityConfigOperator",
        lambda w: CreateEmrfsSecurityConfigOperator(
            task_id="create_security_configuration",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=NAME_PREFIX,
            role_mappings=[mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)],
            dry_run=True,
        ),
        [("create", f"emr security configuration {NAME_PREFIX}-")],
        lambda w: [f'+"Role": {_quoted(role_arn(PARTNER_2))}', f"+{_quoted(PREFIX_2.rstrip('/'))}"],
        # The content-derived name the configuration will have, the one the plan creates.
        lambda _w, result, plan: plan[0]["resource"] == f"emr security configuration {result}",
    ),
    DryRun(
        "LaunchClusterWithSecConfigOperator",
        lambda w: LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=w.configuration,
            job_flow_overrides=small_cluster("partner-export"),
            dry_run=True,
        ),
        [("create", "emr cluster partner-export")],
        lambda w: [
            f'+"SecurityConfiguration": {_quoted(w.configuration)},',
            '+"Key": "emrfs-xacct:idempotency-key",',
        ],
        skips=True,
    ),
    DryRun(
        "GrantBucketAccessOperator",
        lambda w: GrantBucketAccessOperator(
            task_id="grant_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            s3_prefixes=[PREFIX_1, PREFIX_2],
            principal_arns=[w.aws.emr_ec2_role_arn],
            dry_run=True,
        ),
        [("update", "s3 bucket")],
        lambda w: [
            f'-"arn:aws:s3:::{w.aws.bucket}/partner-1_$folder$"',
            f'+"arn:aws:s3:::{w.aws.bucket}/partner-1_$folder$",',
            f'+"arn:aws:s3:::{w.aws.bucket}/partner-2/*",',
            f'+"arn:aws:s3:::{w.aws.bucket}/partner-2",',
            f'+"arn:aws:s3:::{w.aws.bucket}/partner-2_$folder$"',
        ],
        lambda w, result, _plan: result["bucket"] == w.aws.bucket and "plan" not in result,
    ),
    DryRun(
        "GrantEmrRoleBucketAccessOperator",
        lambda w: GrantEmrRoleBucketAccessOperator(
            task_id="grant_emr_role_bucket_access",
            aws_conn_id=EMR_CONN_ID,
            s3_prefixes=[PREFIX_2],
            kms_key_arns=[w.aws.kms_key_arn],
            dry_run=True,
        ),
        [("create", f"iam role {EMR_EC2_ROLE}")],
        lambda w: [f'+"arn:aws:s3:::{w.aws.bucket}/partner-2/*",', f"+{_quoted(w.aws.kms_key_arn)}"],
        lambda _w, result, _plan: result == "emrfs-xacct-bucket-access",
    ),
    DryRun(
        "RevokeBucketAccessOperator",
        lambda w: RevokeBucketAccessOperator(
            task_id="revoke_bucket_access",
            aws_conn_id=DESTINATION_CONN_ID,
            bucket=w.aws.bucket,
            principal_arns=[w.aws.emr_ec2_role_arn],
            dry_run=True,
        ),
        [("delete", "s3 bucket")],
        lambda w: [f'-"AWS": {_quoted(w.aws.emr_ec2_role_arn)}', "-}"],
        lambda _w, result, plan: result == plan,
    ),
    DryRun(
        "RevokePartnerAccessOperator",
        lambda w: RevokePartnerAccessOperator(
            task_id="revoke_partner",
            aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            destination_role_arn=role_arn(PARTNER_1),
            kms_key_arns=[w.aws.kms_key_arn],
            security_configuration=w.configuration,
            name_prefix=NAME_PREFIX,
            delete_destination_role=True,
            dry_run=True,
        ),
        # Partner 1 is the only one: its mapping leaves no configuration to create.
        [("delete", f"iam role {EMR_EC2_ROLE}"), ("update", "kms key"), ("delete", f"iam role {PARTNER_1}")],
        lambda w: [
            f"-{_quoted(role_arn(PARTNER_1))}",
            f"-{_quoted(role_arn(PARTNER_1))}",
            f'-"Arn": {_quoted(role_arn(PARTNER_1))},',
        ],
        # The dry run's check judges the planned result: the access would be ended.
        lambda _w, result, plan: (
            {key: result[key] for key in ("security_configuration", "plan", "access_ended", "still_granted")}
            == {"security_configuration": None, "plan": plan, "access_ended": True, "still_granted": []}
        ),
    ),
    DryRun(
        "DeleteUnusedSecurityConfigsOperator",
        lambda w: DeleteUnusedSecurityConfigsOperator(
            task_id="delete_unused_security_configurations",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=NAME_PREFIX,
            min_age_seconds=0,
            dry_run=True,
        ),
        [("delete", "emr security configuration")],
        lambda w: [f'-"Name": {_quoted(w.configuration)}'],
        lambda w, result, _plan: result == [w.configuration],
    ),
]


def test_every_operator_that_changes_anything_is_covered() -> None:
    import airflow_provider_emrfs_xacct.operators.emr as emr
    import airflow_provider_emrfs_xacct.operators.iam as iam
    import airflow_provider_emrfs_xacct.operators.kms as kms
    import airflow_provider_emrfs_xacct.operators.revoke as revoke
    import airflow_provider_emrfs_xacct.operators.s3 as s3
    from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

    operators = {
        name
        for module in (emr, iam, kms, revoke, s3)
        for name, value in vars(module).items()
        if name.endswith("Operator") and getattr(value, "__module__", "") == module.__name__
    }
    assert VerifyCrossAccountAccessOperator.__name__ not in operators  # it only reads
    # The launch's teardown terminates only the cluster its run launched: in a dry run the launch
    # launched none and skipped, and the teardown finds none and skips too.
    operators.discard("TerminateClusterOperator")
    assert operators == {case.id for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_dry_run_plans_logs_a_diff_and_changes_nothing(world: World, case: DryRun) -> None:
    before = snapshot(world.aws)
    operator = case.build(world)

    ti = RecordingTaskInstance(task_id=operator.task_id)
    result = None
    with captured_logs() as logs, CallRecorder().everywhere() as calls:
        if case.skips:
            with pytest.raises(AirflowSkipException):
                run_operator(operator, ti)
        else:
            result, _, _ = run_operator(operator, ti)

    assert calls.mutating == []
    assert snapshot(world.aws) == before
    plan = ti.xcoms["plan"]
    assert case.returns(world, result, plan)
    assert len(plan) == len(case.changes)
    for change, (action, resource) in zip(plan, case.changes, strict=True):
        assert change["action"] == action
        assert change["resource"].startswith(resource)
        assert change["before"] != change["after"]
    # The logged plan reads like Terraform's: a marked line per change, its diff under it, a summary.
    [logged] = [str(entry["event"]) for entry in logs if str(entry["event"]).startswith(DRY_RUN_HEADING)]
    assert logged == plan_message([Change(**change) for change in plan], dry_run=True)
    assert logged.endswith("\n" + Summary.of(plan).plan_line())
    for change in plan:
        assert f"{SYMBOLS[change['action']]} {change['action']} {change['resource']}" in logged.splitlines()
    # Diff lines (indented under their change) as "+"/"-"/" " and the text without its indentation.
    diff_lines = {line[4:5] + line[5:].strip() for line in logged.splitlines() if line.startswith(DIFF_INDENT)}
    for line in case.lines(world):
        assert line in diff_lines, f"{line!r} not in the logged diff:\n{logged}"


def test_launch_dry_run_plans_nothing_once_this_task_instance_launched(aws: Seeded) -> None:
    # Runs after the shared-world cases (it resets moto); the launch is at most once per task instance.
    configuration = create_security_configuration([mapping(PARTNER_1, PREFIX_1)])

    def launcher(task_id: str, **kwargs: Any) -> LaunchClusterWithSecConfigOperator:
        return LaunchClusterWithSecConfigOperator(
            task_id=task_id,
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=configuration,
            job_flow_overrides={
                "Name": "partner-export",
                "ReleaseLabel": "emr-6.15.0",
                "Instances": {"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
                "JobFlowRole": EMR_EC2_ROLE,
                "ServiceRole": EMR_SERVICE_ROLE,
            },
            **kwargs,
        )

    cluster_id, _, _ = run_operator(launcher("launch_cluster"))

    # The same task instance: its cluster exists, so the dry run returns its id and plans nothing.
    same, recorder, ti = run_operator(launcher("launch_cluster", dry_run=True))
    assert same == cluster_id
    assert ti.xcoms["plan"] == []
    assert recorder.mutating == []
    # Another task instance would launch: the plan says so, and the task skips (no id to return yet).
    ti = RecordingTaskInstance(task_id="launch_another_cluster")
    with CallRecorder().everywhere() as calls, pytest.raises(AirflowSkipException):
        run_operator(launcher("launch_another_cluster", dry_run=True), ti)
    assert [change["action"] for change in ti.xcoms["plan"]] == ["create"]
    assert calls.mutating == []
    assert [cluster["Id"] for cluster in client(aws.url, EMR_ACCOUNT, "emr").list_clusters()["Clusters"]] == [
        cluster_id
    ]
