"""
Example pipeline, option (a) of the AWS article: the partner bucket's policy grants the EMR role access.

Choose this instead of role mappings (``emrfs_xacct_partner_export``) when the partner prefers to
grant access in its bucket policy and no role should be created in its account. It needs no
security configuration: the EMR EC2 role writes with its own credentials. A cross-account write is
allowed only when both accounts allow it, so the chain has three links:

- the partner's bucket policy lets the EMR EC2 role reach the prefix (``GrantBucketAccessOperator``,
  which also refuses a bucket encrypted with the AWS managed key ``aws/s3``: no other account can use it);
- the bucket key's policy lets the EMR EC2 role use the key (``GrantKmsKeyUserOperator`` with the
  EMR role as principal, on the key the bucket really uses, from the first task's result);
- the EMR EC2 role's own identity policy allows the bucket and key actions
  (``GrantEmrRoleBucketAccessOperator``, in the EMR account).

Once the cluster runs, ``VerifyCrossAccountAccessOperator`` with ``security_configuration=None`` judges the three
links together for the prefix, as the EMR EC2 role's requests, and writes a probe object through the cluster.

Who owns the written objects depends on the bucket's object ownership setting:
``GrantBucketAccessOperator`` reads it and returns the EMRFS setting the cluster needs
(``fs.s3.canned.acl=BucketOwnerFullControl`` for ``BucketOwnerPreferred`` and ``ObjectWriter``), which flows by XCom
into the launch operator's ``emrfs_site_properties``.

Connections: ``aws_emr_account`` (account A) and ``aws_destination_account`` (account B), as in
``emrfs_xacct_partner_export``; each operator gets the account id it must act in (``expected_account_id``). Every
action each role needs, per operator, is in ``docs/permissions.md``.
Trigger with ``{"dry_run": true}`` to plan the three grants and the launch without changing anything, as there.

The three grants write documents other runs and partners share (the bucket policy, the key's policy, the
EMR EC2 role's policy): they take the pool :data:`SHARED_DOCUMENTS_POOL` of one slot, so that they write
one at a time, as ``emrfs_xacct_partner_export`` explains. Create it before the first run, or they are
never scheduled (Airflow schedules no task whose pool does not exist)::

    airflow pools set emrfs_xacct_shared_documents 1 "Writers of IAM and KMS documents partners share"

The cluster's start and the job's step are waited for in the triggerer (``deferrable=True``), not in a worker slot: run
``airflow triggerer`` with the Amazon provider's ``aiobotocore`` extra (``pip install
'airflow-provider-emrfs-xacct[deferrable]'``).
"""

from __future__ import annotations

import pendulum
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.sdk import DAG, Param, TriggerRule

from airflow_provider_emrfs_xacct.macros import as_text, aws_partition, run_stamp, under_prefix
from airflow_provider_emrfs_xacct.operators.assets import PublishPartnerPrefixOperator
from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator, GrantEmrRoleBucketAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The Airflow pool of one slot for the tasks that write documents partners share (create it first: above).
SHARED_DOCUMENTS_POOL = "emrfs_xacct_shared_documents"
#: The job's command (``bash -c``): the run stamp is ``$1``, the object's S3 URI ``$2``, given as arguments of their
#: own and quoted, so that no value of the run (a prefix from its conf) is read as shell code or split at a space.
WRITE_RESULTS_SCRIPT = 'echo "results for $1" | hadoop fs -put -f - "$2"'

with DAG(
    dag_id="emrfs_xacct_bucket_policy_export",
    description="Cross-account EMRFS access through the partner's bucket policy (option (a))",
    schedule=None,  # safe to unpause: runs only when triggered with its params
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    tags=["emrfs-xacct", "example"],
    # ARNs in the EMR connection's partition (arn:aws-cn:… in China): see emrfs_xacct_partner_export.
    user_defined_macros={"aws_partition": aws_partition, "run_stamp": run_stamp, "under_prefix": under_prefix},
    user_defined_filters={"as_text": as_text},
    params={
        # No defaults for what names real resources: a run must be given them.
        "partner": Param(type="string", pattern=r"^[a-z0-9-]{1,40}$"),
        "emr_account_id": Param(type="string", pattern=r"^[0-9]{12}$"),
        "destination_account_id": Param(type="string", pattern=r"^[0-9]{12}$"),
        "emr_ec2_role_name": Param("EMR_EC2_DefaultRole", type="string"),
        "destination_prefix": Param(type="string"),
        "enforce_bucket_owner": Param(
            False, type="boolean", description="Switch an ObjectWriter bucket to BucketOwnerEnforced"
        ),
        "release_label": Param("emr-7.5.0", type="string"),
        "dry_run": Param(False, type="boolean", description="Plan every change, make none"),
    },
) as dag:
    # as_text (airflow_provider_emrfs_xacct.macros.as_text): rendered as native objects, a whole template that
    # reads as a Python literal becomes one: a role or a security configuration named "2024" (valid names: IAM API
    # Reference, "CreateRole", RoleName; Amazon EMR API Reference, "CreateSecurityConfiguration", Name) would be the
    # number 2024, an account id 111111111111 a number. Flags and lists stay native; S3 URIs ("s3://…") never read
    # as a literal.
    emr_ec2_role_arn = "arn:{{ aws_partition('aws_emr_account') }}:iam::{{ params.emr_account_id }}:role/{{ params.emr_ec2_role_name }}"
    in_emr_account = {"expected_account_id": "{{ params.emr_account_id | as_text }}", "dry_run": "{{ params.dry_run }}"}
    in_destination_account = {
        "expected_account_id": "{{ params.destination_account_id | as_text }}",
        "dry_run": "{{ params.dry_run }}",
    }

    # [START howto_operator_grant_bucket_access]
    bucket_access = GrantBucketAccessOperator(
        task_id="grant_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        s3_prefixes=["{{ params.destination_prefix }}"],
        principal_arns=[emr_ec2_role_arn],
        enforce_bucket_owner="{{ params.enforce_bucket_owner }}",
        pool=SHARED_DOCUMENTS_POOL,  # the bucket policy: runs of partners sharing the bucket write it
        **in_destination_account,
    )
    # [END howto_operator_grant_bucket_access]

    # The key the bucket encrypts with by default (an SSE-KMS partner bucket), as read by the first task; a bucket
    # with SSE-S3, every bucket's default encryption, has none (None): the task skips.
    grant_key = GrantKmsKeyUserOperator(
        task_id="grant_kms_key_user",
        aws_conn_id=DESTINATION_CONN_ID,
        key_arn="{{ ti.xcom_pull(task_ids='grant_bucket_access')['kms_key_arn'] }}",
        principal_arns=[emr_ec2_role_arn],
        skip_without_key=True,
        pool=SHARED_DOCUMENTS_POOL,  # the key's policy
        **in_destination_account,
    )

    emr_role_access = GrantEmrRoleBucketAccessOperator(
        task_id="grant_emr_role_bucket_access",
        aws_conn_id=EMR_CONN_ID,
        emr_ec2_role_name="{{ params.emr_ec2_role_name | as_text }}",
        s3_prefixes=["{{ params.destination_prefix }}"],
        kms_key_arns="{{ ti.xcom_pull(task_ids='grant_bucket_access')['kms_key_arn'] or [] }}",
        # The canned ACL's setting alone: the report's emrfs_site_properties may hold the Requester Pays header too.
        canned_acl="{{ 'fs.s3.canned.acl' in ti.xcom_pull(task_ids='grant_bucket_access')['emrfs_site_properties'] }}",
        pool=SHARED_DOCUMENTS_POOL,  # the EMR EC2 role's policy
        **in_emr_account,
    )

    # [START howto_operator_launch_cluster_bucket_policy]
    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=None,
        trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,  # runs after a skipped key grant, not a failed one
        emrfs_site_properties="{{ ti.xcom_pull(task_ids='grant_bucket_access')['emrfs_site_properties'] }}",
        job_flow_overrides={
            "Name": "export-{{ params.partner }}-{{ run_stamp(dag_run) }}",
            "ReleaseLabel": "{{ params.release_label | as_text }}",
            "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
            "Instances": {
                "InstanceGroups": [
                    {"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            "JobFlowRole": "{{ params.emr_ec2_role_name | as_text }}",
            "ServiceRole": "EMR_DefaultRole",
            # Asked by the service role's scoped policy AmazonEMRServicePolicy_v2 (see emrfs_xacct_partner_export).
            "Tags": [{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
        },
        wait_for_completion=True,
        deferrable=True,  # the cluster's start is waited for in the triggerer: every 30 s, up to 30 min
        waiter_delay=30,
        waiter_max_attempts=60,
        **in_emr_account,
    )
    # [END howto_operator_launch_cluster_bucket_policy]

    # [START howto_operator_verify_bucket_policy]
    # Before the job writes: the EMR EC2 role's writes under the prefix, judged on the bucket policy, the key policy
    # and the role's own policies, then a live write through the cluster's s3:// file system (an EMR step), checked
    # from the destination account and deleted. No security configuration: the cluster must run none with mappings.
    verify = VerifyCrossAccountAccessOperator(
        task_id="verify_cross_account_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration=None,
        s3_prefixes=["{{ params.destination_prefix }}"],
        emr_ec2_role_name="{{ params.emr_ec2_role_name | as_text }}",
        cluster_id=cluster.output,
        probe=True,
        deferrable=True,  # the probe step is waited for in the triggerer: every 30 s, up to 30 min
        waiter_delay=30,
        waiter_max_attempts=60,
        expected_destination_account_id="{{ params.destination_account_id | as_text }}",
        **in_emr_account,
    )
    # [END howto_operator_verify_bucket_policy]

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

    # Downstream DAGs can be scheduled on the partner prefix: prefix_asset("s3://bucket/prefix/").
    # Its event's extra names the object the job wrote (the step's URI), for a consumer given many events at once.
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
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output, **in_emr_account
    )

    bucket_access >> [grant_key, emr_role_access] >> cluster
    verify >> write_results
    (
        write_results
        >> wait_for_results
        >> [publish_results, terminate.as_teardown(setups=cluster, on_failure_fail_dagrun=True)]
    )
