"""
Example pipeline: provision cross-account EMRFS access for one partner, then write the results there.

Copy this file and adapt the params. It uses two AWS connections:

- ``aws_emr_account``: acts in the account that runs EMR (account A): IAM on the EMR EC2 role, EMR (security
  configurations, clusters, the job's step and its sensor).
- ``aws_destination_account``: acts in the account that owns the partner bucket and its KMS key
  (account B): IAM on the destination role, the key's policy, the bucket's settings (the verifier).

Every action each role needs, per operator, is in ``docs/permissions.md`` (the ``EMR`` and ``destination`` rows of
the operators below; ``docs/installation.md`` adds the Amazon provider's step and sensor).

In production each is an Airflow AWS connection whose extra carries a ``role_arn`` in its account.
Each operator also gets the account id it must act in (``expected_account_id``), so swapped or
mistyped connections are refused before anything changes.

Safe to unpause: it has no schedule (trigger it with its params, or give it one in your copy), and
the values that name real resources (partner, accounts, prefix, key) have no default, so a run
without them is refused instead of writing a placeholder into a policy. Trigger with
``{"dry_run": true}`` to plan the whole chain without changing anything: each provisioning task
returns what it would return (the role's ARN, the configuration's name …) and pushes its plan to
XCom under ``plan``; the launch logs its plan and is skipped, and so are the tasks after it.

The chain follows the AWS article "How do I set up cross-account access for EMRFS?": the
destination role in B (steps 1-2), the EMR EC2 role's permission to assume it (step 4), the role as
a key user of the bucket's KMS key, an EMR security configuration with an EMRFS role mapping for the
partner prefix (step 3), and a cluster launched with it (step 5). Every step is idempotent: a rerun
changes nothing, and a retried launch returns the cluster it already started. Before the job writes,
the verifier proves the chain: it reads every link in both accounts, then writes a probe object
through the cluster (``probe=True``); a broken link fails the run before any result is written, and
the cluster is still terminated (its teardown).

Create the pool :data:`SHARED_DOCUMENTS_POOL` (one slot) before the first run, or its three tasks are never
scheduled (Airflow schedules no task whose pool does not exist)::

    airflow pools set emrfs_xacct_shared_documents 1 "Writers of IAM and KMS documents partners share"

Every run, of this DAG or of another (up to ``max_active_runs`` at once, and backfills beside them), writes the
EMR EC2 role's assume-role policy and the key's policy, which partners share. The provider re-reads each after
writing and merges again what a concurrent writer overwrote, but IAM and KMS reads may lag behind writes, and
concurrent writers keep every change only while they lag less than about 0.2 s (AWS promises no bound): the
two tasks that write them take the pool, so that they write one at a time (``docs/safety.md``, "Reads that lag
behind writes"). So does ``ensure_destination_role``: the partner's destination role (its trust and permissions)
is written by the partner's revoke too (``emrfs_xacct_offboard_partner``, in the pool), which may run while an
export runs, and in one pool the later of the two wins. Use the same pool in every DAG that writes these documents.

The cluster's start, the verifier's probe step and the job's step are waited for in the triggerer
(``deferrable=True``), not in a worker slot: run
``airflow triggerer`` with the Amazon provider's ``aiobotocore`` extra (``pip install
'airflow-provider-emrfs-xacct[deferrable]'``).
"""

from __future__ import annotations

import pendulum
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.sdk import DAG, Param

from airflow_provider_emrfs_xacct.macros import as_text, aws_partition, run_stamp, under_prefix
from airflow_provider_emrfs_xacct.operators.assets import PublishPartnerPrefixOperator
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The Airflow pool of one slot for the tasks that write documents partners share (create it first: above).
SHARED_DOCUMENTS_POOL = "emrfs_xacct_shared_documents"
#: The job's command (``bash -c``): the run stamp is ``$1``, the object's S3 URI ``$2``, given as arguments of their
#: own and quoted, so that no value of the run (a prefix from its conf) is read as shell code or split at a space.
WRITE_RESULTS_SCRIPT = 'echo "results for $1" | hadoop fs -put -f - "$2"'

with DAG(
    dag_id="emrfs_xacct_partner_export",
    description="Provision cross-account EMRFS access, then write results into the partner's bucket",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    max_active_runs=8,
    tags=["emrfs-xacct", "example"],
    # ARNs name their partition (arn:aws-cn:… in China, arn:aws-us-gov:… in GovCloud): taken from the
    # connection when a task runs, so this file works unchanged in every partition.
    user_defined_macros={"aws_partition": aws_partition, "run_stamp": run_stamp, "under_prefix": under_prefix},
    user_defined_filters={"as_text": as_text},
    params={
        # No defaults for what names real resources: a run must be given them.
        "partner": Param(type="string", pattern=r"^[a-z0-9-]{1,40}$", description="Short partner name"),
        "emr_account_id": Param(type="string", pattern=r"^[0-9]{12}$", description="Account that runs EMR"),
        "destination_account_id": Param(
            type="string", pattern=r"^[0-9]{12}$", description="Account that owns the partner bucket and key"
        ),
        # Safer: an EC2 role and instance profile of this pipeline's own (e.g. "emr-ec2-partner-b"), not
        # the shared EMR_EC2_DefaultRole. EMRFS role mappings isolate applications, not hosts: anyone on
        # any cluster launched with a profile can assume every role that profile's role may assume.
        "emr_ec2_role_name": Param(
            "EMR_EC2_DefaultRole",
            type="string",
            description="The cluster's EC2 role; one per pipeline or partner keeps partners apart",
        ),
        "destination_prefix": Param(type="string", description="s3://bucket/prefix/ in the partner account"),
        "kms_key_arn": Param(type="string", description="The partner bucket's customer-managed KMS key"),
        "release_label": Param("emr-7.5.0", type="string"),
        "dry_run": Param(False, type="boolean", description="Plan every change, make none"),
    },
) as dag:
    # as_text (airflow_provider_emrfs_xacct.macros.as_text): rendered as native objects, a whole template that
    # reads as a Python literal becomes one: a role or a security configuration named "2024" (valid names: IAM API
    # Reference, "CreateRole", RoleName; Amazon EMR API Reference, "CreateSecurityConfiguration", Name) would be the
    # number 2024, an account id 111111111111 a number. Flags and lists stay native; S3 URIs ("s3://…") never read
    # as a literal.
    # In the EMR connection's partition: arn:aws-cn:iam::… in China, arn:aws-us-gov:iam::… in GovCloud.
    emr_ec2_role_arn = "arn:{{ aws_partition('aws_emr_account') }}:iam::{{ params.emr_account_id }}:role/{{ params.emr_ec2_role_name }}"
    in_emr_account = {"expected_account_id": "{{ params.emr_account_id | as_text }}", "dry_run": "{{ params.dry_run }}"}
    in_destination_account = {
        "expected_account_id": "{{ params.destination_account_id | as_text }}",
        "dry_run": "{{ params.dry_run }}",
    }

    # [START howto_operator_ensure_destination_role]
    destination_role = EnsureDestinationRoleOperator(
        task_id="ensure_destination_role",
        aws_conn_id=DESTINATION_CONN_ID,
        role_name="emrfs-{{ params.partner }}-writer",
        trusted_role_arns=[emr_ec2_role_arn],
        s3_prefixes=["{{ params.destination_prefix }}"],
        kms_key_arns=["{{ params.kms_key_arn | as_text }}"],
        # The role's trust and permissions: the partner's revoke (emrfs_xacct_offboard_partner) writes them too,
        # maybe while this DAG runs; in one pool the later of the two wins (docs/safety.md).
        pool=SHARED_DOCUMENTS_POOL,
        **in_destination_account,
    )
    # [END howto_operator_ensure_destination_role]

    # [START howto_operator_attach_assume_role_policy]
    allow_assume = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name="{{ params.emr_ec2_role_name | as_text }}",
        destination_role_arns=[destination_role.output],
        pool=SHARED_DOCUMENTS_POOL,  # the EMR EC2 role's policies: every partner's runs write them
        **in_emr_account,
    )
    # [END howto_operator_attach_assume_role_policy]

    # [START howto_operator_grant_kms_key_user]
    grant_key = GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn="{{ params.kms_key_arn | as_text }}",
        principal_arns=[destination_role.output],
        pool=SHARED_DOCUMENTS_POOL,  # the key's policy: every run of a partner using this key writes it
        **in_destination_account,
    )
    # [END howto_operator_grant_kms_key_user]

    # [START howto_operator_create_emrfs_security_config]
    security_configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-{{ params.partner }}",
        role_mappings=[
            {
                "Role": destination_role.output,
                "IdentifierType": "Prefix",
                "Identifiers": ["{{ params.destination_prefix }}"],
            }
        ],
        **in_emr_account,
    )
    # [END howto_operator_create_emrfs_security_config]

    # [START howto_operator_launch_cluster_with_sec_config]
    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration.output,
        job_flow_overrides={
            "Name": "export-{{ params.partner }}-{{ run_stamp(dag_run) }}",
            "ReleaseLabel": "{{ params.release_label | as_text }}",
            "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
            "Instances": {
                "InstanceGroups": [
                    {"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                    {"Name": "Core", "InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            # The instance profile of the role's own name: EMR supports no other (Amazon EMR Management Guide,
            # "Customize IAM roles with Amazon EMR"); the launch refuses one that holds another role.
            "JobFlowRole": "{{ params.emr_ec2_role_name | as_text }}",
            "ServiceRole": "EMR_DefaultRole",
            # The scoped (v2) managed policy of EMR's service role, AmazonEMRServicePolicy_v2 (that of
            # EMR_DefaultRole_V2, AWS's default now), provisions only clusters with this tag (Amazon EMR Management
            # Guide, "Service role for Amazon EMR (EMR role)"; its subnet and security groups not made by EMR need it
            # too); without it the cluster ends TERMINATED_WITH_ERRORS. A service role with the deprecated policy
            # ignores it.
            "Tags": [
                {"Key": "partner", "Value": "{{ params.partner | as_text }}"},
                {"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"},
            ],
        },
        wait_for_completion=True,
        deferrable=True,  # the cluster's start (minutes) is waited for in the triggerer: every 30 s, up to 30 min
        waiter_delay=30,
        waiter_max_attempts=60,
        **in_emr_account,
    )
    # [END howto_operator_launch_cluster_with_sec_config]

    # [START howto_operator_verify_with_probe]
    # Before the job writes: every link of the chain, read in both accounts, then a live write through
    # the cluster's s3:// file system (an EMR step), checked from the destination account and deleted.
    verify = VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=security_configuration.output,
        emr_ec2_role_name="{{ params.emr_ec2_role_name | as_text }}",
        cluster_id=cluster.output,
        probe=True,
        deferrable=True,  # the probe step is waited for in the triggerer: every 30 s, up to 30 min
        waiter_delay=30,
        waiter_max_attempts=60,
        expected_destination_account_id="{{ params.destination_account_id | as_text }}",
        **in_emr_account,
    )
    # [END howto_operator_verify_with_probe]

    # The job: anything that writes through EMRFS (s3://) under the partner prefix is written with
    # the destination role's credentials, thanks to the role mapping. Here, a one-line file.
    write_results = EmrAddStepsOperator(
        task_id="write_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        steps=[
            {
                "Name": "write-results-{{ run_stamp(dag_run) }}",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    # The stamp and the URI reach bash as arguments ($1, $2), never as part of the script: a
                    # prefix from the run's conf with a ";" or a space would otherwise be run or split by bash on
                    # the primary node, as the instance profile's role (Airflow's BashOperator docs warn of the
                    # same for dag_run.conf). command-runner.jar runs the step's Args as the command and its
                    # arguments (Amazon EMR Release Guide, "Run commands and scripts on an Amazon EMR cluster").
                    "Args": [
                        "bash",
                        "-c",
                        WRITE_RESULTS_SCRIPT,
                        "write-results",
                        "{{ run_stamp(dag_run) }}",
                        # Under the prefix as granted: s3://b/exports is granted as exports/* (under_prefix adds
                        # the slash a plain "{{ params.destination_prefix }}..." would leave out).
                        "{{ under_prefix(params.destination_prefix, run_stamp(dag_run), 'results.txt') }}",
                    ],
                },
            }
        ],
    )

    # Waits in the triggerer, not in a worker slot, checking every 30 s for up to 6 h (max_attempts; a deferred
    # sensor's limit is max_attempts x poke_interval, its timeout is for the worker's poke mode).
    wait_for_results = EmrStepSensor(
        task_id="wait_for_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        step_id="{{ ti.xcom_pull(task_ids='write_results')[0] }}",
        deferrable=True,
        poke_interval=30,
        max_attempts=6 * 60 * 2,
        timeout=6 * 60 * 60,
    )

    # Downstream DAGs can be scheduled on the partner prefix: prefix_asset("s3://bucket/prefix/"). The
    # prefix is a param, known only at run time, so it is published through an asset alias once the
    # step sensor has seen the write finish (not when the step is merely submitted).
    # Its event's extra names the object the job wrote (the step's URI above), so a consumer given many events of the
    # prefix at once (a backfill) knows which <stamp>/results.txt each is for.
    publish_results = PublishPartnerPrefixOperator(
        task_id="publish_results",
        s3_prefix="{{ params.destination_prefix }}",
        extra={
            "run_stamp": "{{ run_stamp(dag_run) }}",
            "uri": "{{ under_prefix(params.destination_prefix, run_stamp(dag_run), 'results.txt') }}",
        },
    )

    # The cluster's teardown: it runs whatever happened upstream (and skips when no cluster was
    # launched). on_failure_fail_dagrun=True: a cluster it could not terminate (e.g. termination
    # protected) fails the run instead of leaving a green run and a billing cluster. A failed write
    # still fails the run: publish_results, not the teardown, is the leaf after the work.
    terminate = TerminateClusterOperator(
        task_id="terminate_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        **in_emr_account,  # a dry run plans the termination of a cluster the launch found, terminating nothing
    )

    [allow_assume, grant_key] >> cluster
    verify >> write_results
    (
        write_results
        >> wait_for_results
        >> [publish_results, terminate.as_teardown(setups=cluster, on_failure_fail_dagrun=True)]
    )
