"""
Example: one shared cluster, several tenants, EMRFS role mappings by Hadoop user and group.

On a multi-tenant cluster, who writes decides which role EMRFS uses: jobs run as the Hadoop user
``partner_b_etl`` use partner B's destination role, members of the group ``finance`` use the
finance account's role, and everything under partner C's prefix uses partner C's role. Mappings are
evaluated top-down and the first match wins, so the most specific come first; the provider refuses
an identifier already covered by an earlier mapping, which would never apply. A request that
matches nothing uses the EC2 instance-profile role.

Connections: ``aws_emr_account`` (the EMR account) and one connection per destination account;
this example uses ``aws_destination_account`` for all three destination roles to stay short. Each
operator gets the account id it must act in (``expected_account_id``), as in ``emrfs_xacct_partner_export``;
``{"dry_run": true}`` plans every change and makes none.

``allow_emr_role_to_assume`` writes the EMR EC2 role's assume-role policy, which every partner's runs
write too: it takes the pool :data:`SHARED_DOCUMENTS_POOL` of one slot, so that they write it one at a
time, as ``emrfs_xacct_partner_export`` explains. So do the three ``ensure_*_role`` tasks: a tenant's
revoke (``emrfs_xacct_offboard_partner``, in the pool) writes its role's trust too, maybe while this DAG
runs. Create the pool before the first run, or those tasks are never scheduled (Airflow schedules no
task whose pool does not exist)::

    airflow pools set emrfs_xacct_shared_documents 1 "Writers of IAM and KMS documents partners share"

The shared cluster is kept alive for the tenants' jobs (``KeepJobFlowAliveWhenNoSteps``) and ended by its teardown,
``TerminateClusterOperator``, when the run ends, whatever happened: a cluster left running bills until someone
ends it, and every run launches a new one.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Param

from airflow_provider_emrfs_xacct.macros import as_text, aws_partition, run_stamp
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator

EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The Airflow pool of one slot for the tasks that write documents partners share (create it first: above).
SHARED_DOCUMENTS_POOL = "emrfs_xacct_shared_documents"
#: In the EMR connection's partition (``aws_partition``, a macro of this DAG): arn:aws-cn:… in China.
EMR_EC2_ROLE_ARN = (
    "arn:{{ aws_partition('aws_emr_account') }}:iam::{{ params.emr_account_id }}:role/EMR_EC2_DefaultRole"
)

with DAG(
    dag_id="emrfs_xacct_multi_tenant",
    description="EMRFS role mappings by Hadoop user and group on a shared cluster",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
    tags=["emrfs-xacct", "example"],
    user_defined_macros={"aws_partition": aws_partition, "run_stamp": run_stamp},
    user_defined_filters={"as_text": as_text},
    params={
        # No defaults for what names real resources: a run must be given them.
        "emr_account_id": Param(type="string", pattern=r"^[0-9]{12}$"),
        "destination_account_id": Param(type="string", pattern=r"^[0-9]{12}$"),
        "bucket": Param(type="string"),
        "release_label": Param("emr-7.10.0", type="string"),
        "dry_run": Param(False, type="boolean", description="Plan every change, make none"),
    },
) as dag:
    # as_text (airflow_provider_emrfs_xacct.macros.as_text): rendered as native objects, a whole template that
    # reads as a Python literal becomes one: a role or a security configuration named "2024" (valid names: IAM API
    # Reference, "CreateRole", RoleName; Amazon EMR API Reference, "CreateSecurityConfiguration", Name) would be the
    # number 2024, an account id 111111111111 a number. Flags and lists stay native; S3 URIs ("s3://…") never read
    # as a literal.
    in_emr_account = {"expected_account_id": "{{ params.emr_account_id | as_text }}", "dry_run": "{{ params.dry_run }}"}
    in_destination_account = {
        "expected_account_id": "{{ params.destination_account_id | as_text }}",
        "dry_run": "{{ params.dry_run }}",
    }

    roles = {
        tenant: EnsureDestinationRoleOperator(
            task_id=f"ensure_{tenant}_role",
            aws_conn_id=DESTINATION_CONN_ID,
            role_name=f"emrfs-{tenant}-writer",
            trusted_role_arns=[EMR_EC2_ROLE_ARN],
            s3_prefixes=[f"s3://{{{{ params.bucket }}}}/{tenant}/"],
            pool=SHARED_DOCUMENTS_POOL,  # the role's trust and permissions: a revoke of the tenant writes them too
            **in_destination_account,
        )
        for tenant in ("partner-b", "finance", "partner-c")
    }

    allow_assume = AttachAssumeRolePolicyOperator(
        task_id="allow_emr_role_to_assume",
        aws_conn_id=EMR_CONN_ID,
        destination_role_arns=[role.output for role in roles.values()],
        pool=SHARED_DOCUMENTS_POOL,  # the EMR EC2 role's policies: every partner's runs write them
        **in_emr_account,
    )

    # [START howto_operator_role_mappings_user_group]
    security_configuration = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-multi-tenant",
        role_mappings=[
            {"Role": roles["partner-b"].output, "IdentifierType": "User", "Identifiers": ["partner_b_etl"]},
            {"Role": roles["finance"].output, "IdentifierType": "Group", "Identifiers": ["finance"]},
            {
                "Role": roles["partner-c"].output,
                "IdentifierType": "Prefix",
                "Identifiers": ["s3://{{ params.bucket }}/partner-c/"],
            },
        ],
        **in_emr_account,
    )
    # [END howto_operator_role_mappings_user_group]

    cluster = LaunchClusterWithSecConfigOperator(
        task_id="launch_shared_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration.output,
        job_flow_overrides={
            "Name": "multi-tenant-{{ run_stamp(dag_run) }}",
            "ReleaseLabel": "{{ params.release_label | as_text }}",
            "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
            "Instances": {
                "InstanceGroups": [
                    {"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                ],
                # Kept alive for the tenants' jobs (Amazon EMR API Reference, "JobFlowInstancesConfig": EMR ends a
                # cluster after its last step by default); terminate_shared_cluster, the teardown below, ends it.
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
            # Asked by the service role's scoped policy AmazonEMRServicePolicy_v2 (see emrfs_xacct_partner_export).
            "Tags": [{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
        },
        **in_emr_account,
    )

    # The tenants' jobs go here, between the launch and the teardown: their steps, each run as its Hadoop user
    # (EmrAddStepsOperator, then EmrStepSensor with deferrable=True, as in emrfs_xacct_partner_export).
    tenant_jobs = EmptyOperator(task_id="tenant_jobs")
    # The leaf after the work, beside the teardown, as publish_results in emrfs_xacct_partner_export: with
    # on_failure_fail_dagrun=True the tasks upstream of the teardown no longer decide the run's state (Airflow's
    # DagRun._tis_for_dagrun_state), so without it a failed launch, whose teardown then finds no cluster and skips,
    # would end in a green run.
    tenant_jobs_done = EmptyOperator(task_id="tenant_jobs_done")

    # The cluster's teardown: it runs whatever happened upstream (and skips when no cluster was launched).
    # on_failure_fail_dagrun=True: a cluster it could not terminate (e.g. termination protected) fails the run
    # instead of leaving a green run and a billing cluster.
    terminate = TerminateClusterOperator(
        task_id="terminate_shared_cluster",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        **in_emr_account,  # a dry run plans the termination of a cluster the launch found, terminating nothing
    )

    (
        allow_assume
        >> cluster
        >> tenant_jobs
        >> [tenant_jobs_done, terminate.as_teardown(setups=cluster, on_failure_fail_dagrun=True)]
    )
