"""
The tasks the test DAGs of this folder build alike: the partner's chain, the launch, a step that
writes under the partner prefix, and the cluster's teardown, with the stand-in's accounts and short waits.

This folder is the DAGs folder of ``tests/dags/test_backfill.py``, which Airflow puts on ``sys.path``:
the DAG files import this module by its name (``tests/dags/conftest.py`` puts the folder on
``sys.path`` for pytest too), and ``.airflowignore`` keeps the DAG processor from parsing it as a DAG file.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pendulum
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.sdk import Param

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator

EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The stand-in's EMR account and its seeded EMR EC2 role (``devstack/moto_stack.py``).
EMR_ACCOUNT = "111111111111"
EMR_EC2_ROLE = "EMR_EC2_DefaultRole"
#: Short waits after a shared-document write: the tests want speed; the default (1 s) is for real AWS.
SETTLE_SECONDS = 0.2
#: What every test DAG here is built with (``DAG(..., **DAG_ARGS)``): no retry hides a failure.
DAG_ARGS: dict[str, Any] = {
    "start_date": pendulum.datetime(2024, 1, 1, tz="UTC"),
    "render_template_as_native_obj": True,
    "default_args": {"retries": 0},
    "tags": ["emrfs-xacct", "test"],
}
#: The EMR waits poll every second: moto answers at once (AWS needs minutes).
WAITS = {"waiter_delay": 1, "waiter_max_attempts": 60}


def kms_key_param() -> Param:
    """The ``kms_key_arn`` param: the test's run conf gives the seeded key's ARN (moto gives it a random id)."""
    return Param("arn:aws:kms:us-east-1:222222222222:key/00000000-0000-0000-0000-000000000000", type="string")


class Chain(NamedTuple):
    destination_role: EnsureDestinationRoleOperator
    allow_assume: AttachAssumeRolePolicyOperator
    grant_key: GrantKmsKeyUserOperator | None
    security_configuration: CreateEmrfsSecurityConfigOperator


def partner_chain(partner: str, prefix: str, *, emr_ec2_role: str = EMR_EC2_ROLE, grant_key: bool = True) -> Chain:
    """
    The partner's chain as top-level tasks: destination role, the EMR EC2 role's permission, key user, configuration.

    :param partner: the partner's name (may be a template): role ``emrfs-<partner>-writer``,
        configuration names ``emrfs-xacct-<partner>-...``.
    :param prefix: the partner's ``s3://bucket/prefix/``.
    :param emr_ec2_role: the EMR EC2 role (in the EMR account) that the destination role trusts.
    :param grant_key: make the destination role a user of the key (``{{ params.kms_key_arn }}``) in its policy.
    """
    destination_role = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name=f"emrfs-{partner}-writer",
        trusted_role_arns=[f"arn:aws:iam::{EMR_ACCOUNT}:role/{emr_ec2_role}"],
        s3_prefixes=[prefix],
        kms_key_arns=["{{ params.kms_key_arn }}"],
        settle_seconds=SETTLE_SECONDS,
    )
    allow_assume = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name=emr_ec2_role,
        destination_role_arns=[destination_role.output],
        settle_seconds=SETTLE_SECONDS,
    )
    key_user = None
    if grant_key:
        key_user = GrantKmsKeyUserOperator(
            task_id="grant_kms_key_user",
            aws_conn_id=DESTINATION_CONN_ID,
            key_arn="{{ params.kms_key_arn }}",
            principal_arns=[destination_role.output],
            settle_seconds=SETTLE_SECONDS,
        )
    security_configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=f"emrfs-xacct-{partner}",
        role_mappings=[{"Role": destination_role.output, "IdentifierType": "Prefix", "Identifiers": [prefix]}],
        settle_seconds=SETTLE_SECONDS,
    )
    return Chain(destination_role, allow_assume, key_user, security_configuration)


def launch_cluster(
    name: str,
    security_configuration: Any,
    *,
    job_flow_role: str = EMR_EC2_ROLE,
    instance_count: int = 3,
    application: str = "Spark",
    tags: dict[str, str] | None = None,
    **waits: Any,
) -> LaunchClusterWithSecConfigOperator:
    """
    ``launch_cluster``: an ``emr-7.5.0`` cluster of m5.xlarge instances, waited for (every second unless ``waits``).

    :param name: the cluster's name (may be a template).
    :param security_configuration: the configuration's name (an ``XComArg``).
    :param job_flow_role: the instance profile of the cluster's EC2 role.
    :param tags: the cluster's tags.
    :param waits: more arguments of the launch (``deferrable`` ...), over :data:`WAITS`.
    """
    instances: dict[str, Any] = {"MasterInstanceType": "m5.xlarge"}
    if instance_count > 1:
        instances["SlaveInstanceType"] = "m5.xlarge"
    instances["InstanceCount"] = instance_count
    overrides: dict[str, Any] = {
        "Name": name,
        "ReleaseLabel": "emr-7.5.0",
        "Applications": [{"Name": application}],
        "Instances": {**instances, "KeepJobFlowAliveWhenNoSteps": True},
        "JobFlowRole": job_flow_role,
        "ServiceRole": "EMR_DefaultRole",
    }
    if tags:
        overrides["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
    return LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration,
        job_flow_overrides=overrides,
        wait_for_completion=True,
        **{**WAITS, **waits},
    )


def write_results(cluster: LaunchClusterWithSecConfigOperator, name: str, text: str, uri: str, **kwargs: Any) -> Any:
    """
    ``write_results``: a step on the cluster that writes ``text`` to ``uri`` through EMRFS (``hadoop fs -put``).

    :param kwargs: more arguments of the ``EmrAddStepsOperator`` (its wait, ``outlets`` ...).
    """
    step = {
        "Name": name,
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            # text and uri as arguments of their own, not shell code (as the example DAGs do)
            "Args": ["bash", "-c", 'echo "$1" | hadoop fs -put -f - "$2"', "write-results", text, uri],
        },
    }
    return EmrAddStepsOperator(
        task_id="write_results", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output, steps=[step], **kwargs
    )


def teardown(cluster: LaunchClusterWithSecConfigOperator) -> Any:
    """``terminate_cluster``, the launch's teardown: it runs whatever happened upstream."""
    terminate = TerminateClusterOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output
    )
    return terminate.as_teardown(setups=cluster)
