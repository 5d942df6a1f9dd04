"""
The DAG that ``tests/dags/test_backfill.py`` runs with ``deferrable=True``: its waits run in a real triggerer.

It provisions a partner (destination role, the EMR EC2 role's permission to assume it, a security
configuration), launches a cluster with that configuration and waits for it in the triggerer
(``LaunchClusterWithSecConfigOperator`` with ``wait_for_completion`` and ``deferrable``: the
upstream ``EmrCreateJobFlowTrigger``), adds a step and waits for it there (``EmrAddStepsOperator``
with ``deferrable``: ``EmrAddStepsTrigger``, the step wait), verifies the chain with the live probe
and waits for the probe step there (``VerifyCrossAccountAccessOperator`` with ``probe`` and
``deferrable``; the stand-in runs the probe's write through EMRFS's routing), and terminates the
cluster, waiting in the triggerer again (``EmrTerminateJobFlowTrigger``). The triggers reach moto
through aiobotocore, with the connection's region, ``verify`` and the operators' ``botocore_config``.

It shares the backfill test's DAGs folder and moto, and touches neither the KMS key's policy nor
the seeded EMR EC2 role: its cluster runs with an EC2 role of its own (:data:`EMR_EC2_ROLE`, which
the test creates with its instance profile), its destination role uses the bucket's key through its
own IAM policy (the key policy delegates to the destination account's IAM), and its cluster's name
starts with ``deferred-``, the backfill's with ``backfill-``.
"""

from __future__ import annotations

import pendulum
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator, EmrTerminateJobFlowOperator
from airflow.sdk import DAG, Param

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

DAG_ID = "emrfs_xacct_deferred_test"
EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The cluster's EC2 role and instance profile (same name), created by the test before the run.
EMR_EC2_ROLE = "EMR_EC2_DeferredRole"
EMR_EC2_ROLE_ARN = f"arn:aws:iam::111111111111:role/{EMR_EC2_ROLE}"
PREFIX = "s3://partner-results-b/deferred-partner/"
#: The triggers poll every second: moto answers at once, the test wants speed (AWS needs minutes).
POLL_SECONDS = 1
#: Task ids that must go through the ``deferred`` state in the test.
DEFERRED_TASKS = ("launch_cluster", "write_results", "verify_cross_account_access", "terminate_cluster")

with DAG(
    dag_id=DAG_ID,
    description="Deferred-task test: launch, step, probe and terminate wait in the triggerer",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    default_args={"retries": 0},
    tags=["emrfs-xacct", "test"],
    # The seeded key's ARN: the test's run conf gives it (moto gives the key a random id).
    params={"kms_key_arn": Param(type="string")},
) as dag:
    destination_role = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-deferred-partner-writer",
        trusted_role_arns=[EMR_EC2_ROLE_ARN],
        s3_prefixes=[PREFIX],
        kms_key_arns=["{{ params.kms_key_arn }}"],
        settle_seconds=0.2,
    )

    allow_assume = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name=EMR_EC2_ROLE,
        destination_role_arns=[destination_role.output],
        settle_seconds=0.2,
    )

    security_configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-deferred",
        role_mappings=[{"Role": destination_role.output, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}],
        settle_seconds=0.2,
    )

    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration.output,
        job_flow_overrides={
            # run_id: every run has one, with or without a logical date.
            "Name": "deferred-{{ run_id }}",
            "ReleaseLabel": "emr-7.5.0",
            "Applications": [{"Name": "Spark"}],
            "Instances": {
                "MasterInstanceType": "m5.xlarge",
                "SlaveInstanceType": "m5.xlarge",
                "InstanceCount": 3,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            "JobFlowRole": EMR_EC2_ROLE,
            "ServiceRole": "EMR_DefaultRole",
        },
        wait_for_completion=True,
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=60,
    )

    write_results = EmrAddStepsOperator(
        task_id="write_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        steps=[
            {
                "Name": "write-results",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": ["bash", "-c", f"echo results | hadoop fs -put -f - {PREFIX}results.txt"],
                },
            }
        ],
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=60,
    )

    # The live probe: a step that writes through EMRFS, its wait deferred to the triggerer.
    verify = VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=security_configuration.output,
        emr_ec2_role_name=EMR_EC2_ROLE,
        cluster_id=cluster.output,
        probe=True,
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=60,
    )

    terminate = EmrTerminateJobFlowOperator(
        task_id="terminate_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=60,
    )

    allow_assume >> cluster
    write_results >> verify >> terminate
