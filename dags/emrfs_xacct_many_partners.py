"""
Example: provision many partners at once, one call and one cluster per partner, with dynamic task mapping.

The partner list is a param (a run's conf can replace it), so the number of partners is known only
at run time: ``partner_settings`` turns it into one set of arguments per partner, and the mapped
task group ``export_partner`` runs once per partner (``.expand_kwargs``). Inside it, one call of
:func:`~airflow_provider_emrfs_xacct.task_groups.partner_access` builds the partner's chain (the
destination role, the EMR EC2 role's permission to assume it, the key user, the security
configuration and the verifier); then a cluster is launched with that partner's security
configuration, a step writes under the partner prefix, the prefix is published as an Airflow
Asset, and the cluster is terminated by the launch's teardown.

Partners share the EMR EC2 role's assume-role policy and, here, one KMS key, and their map indexes
run at the same time. The operators re-read each shared document after writing and merge again what a
concurrent writer overwrote, but IAM and KMS reads may lag behind writes, and concurrent writers keep
every change only while reads lag less than about 0.2 s, which AWS does not promise (``docs/safety.md``,
"Reads that lag behind writes"): so the two tasks of each partner that write them
(``allow_emr_role_to_assume`` and ``grant_kms_key_user``) take the pool :data:`SHARED_DOCUMENTS_POOL`
of one slot (``partner_access(shared_documents_pool=...)``) and write one partner at a time. So does
its ``ensure_destination_role``, which writes the partner's destination role (its trust and permissions),
which the partner's revoke (``emrfs_xacct_offboard_partner``, in the same pool) writes too, maybe while
an export runs. Create the pool before the first run, or those tasks are never scheduled (Airflow
schedules no task whose pool does not exist)::

    airflow pools set emrfs_xacct_shared_documents 1 "Writers of IAM and KMS documents partners share"

Use the same pool in every DAG that writes these documents. A partner whose bucket has no
customer-managed key (SSE-S3) leaves ``kms_key_arn`` out: its key grant skips. Every provider task
is pinned to its account (``emr_account_id``, ``destination_account_id``), so swapped connections
are refused before any change. ``{"dry_run": true}`` plans every partner's chain
and launch and changes nothing (the verifier reports the chain as it is, before the planned changes).

Connections: ``aws_emr_account`` (the EMR account) and ``aws_destination_account`` (the partners'
account, which holds their bucket and its key; use one DAG per destination account, or per-partner
connection ids in ``partner_settings``). Every action each role needs, per operator, is in ``docs/permissions.md``.

Each partner's cluster start and step are waited for in the triggerer (``deferrable=True``), not in a worker slot: run
``airflow triggerer`` with the Amazon provider's ``aiobotocore`` extra (``pip install
'airflow-provider-emrfs-xacct[deferrable]'``).

Each partner launches its own cluster in every run: a run of N partners has N clusters up at once, and runs at once
(``max_active_runs``, plus a backfill's ``--max-active-runs``) multiply them. Since the waits hold no worker slot,
no other Airflow setting caps the clusters up: keep runs x partners within EMR's active clusters quota and their
instances' vCPUs within EC2's On-Demand quotas (``docs/scale.md``, "The quotas"; ``docs/airflow.md``, "Backfills:
what to set").
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.sdk import DAG, Param, task, task_group

from airflow_provider_emrfs_xacct.macros import as_text, aws_partition, run_stamp, under_prefix
from airflow_provider_emrfs_xacct.operators.assets import PublishPartnerPrefixOperator
from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.task_groups import partner_access, partner_names

EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The Airflow pool of one slot for the tasks that write documents partners share (create it first: above).
SHARED_DOCUMENTS_POOL = "emrfs_xacct_shared_documents"
#: The job's command (``bash -c``): the run stamp is ``$1``, the object's S3 URI ``$2``, given as arguments of their
#: own and quoted, so that no value of the run (a prefix from its conf) is read as shell code or split at a space.
WRITE_RESULTS_SCRIPT = 'echo "results for $1" | hadoop fs -put -f - "$2"'
#: In the EMR connection's partition (``aws_partition``, a macro of this DAG): arn:aws-cn:… in China.
EMR_EC2_ROLE_ARN = (
    "arn:{{ aws_partition('aws_emr_account') }}:iam::{{ params.emr_account_id }}:role/EMR_EC2_DefaultRole"
)

with DAG(
    dag_id="emrfs_xacct_many_partners",
    description="Cross-account EMRFS access for many partners: a mapped task group, one cluster per partner",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
    tags=["emrfs-xacct", "example"],
    user_defined_macros={"aws_partition": aws_partition, "run_stamp": run_stamp, "under_prefix": under_prefix},
    user_defined_filters={"as_text": as_text},
    params={
        # No defaults for what names real resources: a run must be given them (safe to unpause).
        "emr_account_id": Param(type="string", pattern=r"^[0-9]{12}$"),
        "destination_account_id": Param(
            type="string", pattern=r"^[0-9]{12}$", description="Account that owns the partners' bucket and key"
        ),
        "partners": Param(
            type="array",
            description="One object per partner: name, destination_prefix (s3://bucket/prefix/), "
            "kms_key_arn (optional: none for an SSE-S3 bucket)",
        ),
        "release_label": Param("emr-7.5.0", type="string"),
        "dry_run": Param(False, type="boolean", description="Plan every change, make none"),
    },
) as dag:

    @task
    def partner_settings(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """
        One set of arguments of ``export_partner`` per partner (names derived from the partner's).

        The run's params come from the task's context, as the objects they are: a ``"{{ params.partners }}"``
        argument would reach the task as text in a DAG that renders templates as text (Airflow's default).
        """
        # A refusal here is the same on every try: it fails the task at once, retries or not (docs/airflow.md).
        from airflow_provider_emrfs_xacct.operators.failures import provider_errors_failing_without_retry

        with provider_errors_failing_without_retry():
            return settings_of_partners((params or {})["partners"], (params or {})["release_label"])

    def settings_of_partners(partners: list[dict[str, Any]], release_label: str) -> list[dict[str, Any]]:
        """``partner_settings``' list, refusing a partner that makes no valid or a shared role name."""
        settings = []
        seen: dict[str, int] = {}
        for index, partner in enumerate(partners):
            unknown = sorted(set(partner) - {"name", "destination_prefix", "kms_key_arn"})
            if unknown or not partner.get("name") or not partner.get("destination_prefix"):
                raise InvalidParameterError(
                    f"params.partners[{index}]",
                    f"needs name and destination_prefix (kms_key_arn is optional), got {sorted(partner)}",
                )
            name = partner["name"]
            # Before any task changes AWS: a name that makes an invalid role name or name prefix is refused here.
            role_name, name_prefix = partner_names(name, f"params.partners[{index}].name")
            # IAM role names "are not distinguished by case" (IAM API Reference, "CreateRole"): two partners whose
            # names differ only in case would share one destination role, each map index adding its prefix to it.
            earlier = seen.setdefault(role_name.lower(), index)
            if earlier != index:
                raise InvalidParameterError(
                    f"params.partners[{index}].name",
                    f"{name!r} makes the role name {role_name!r}, which IAM does not tell apart from "
                    f"params.partners[{earlier}]'s (role names are not distinguished by case)",
                )
            settings.append(
                {
                    "role_name": role_name,
                    "name_prefix": name_prefix,
                    "destination_prefix": partner["destination_prefix"],
                    "kms_key_arn": partner.get("kms_key_arn"),
                    "cluster_name": f"export-{name}",
                    "release_label": release_label,
                }
            )
        return settings

    @task
    def cluster_overrides(cluster_name: str, release_label: str, run_stamp: str) -> dict[str, Any]:
        """The partner's ``RunJobFlow`` arguments."""
        return {
            "Name": f"{cluster_name}-{run_stamp}",
            "ReleaseLabel": release_label,
            "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
            "Instances": {
                "InstanceGroups": [
                    {"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
            # Asked by the service role's scoped policy AmazonEMRServicePolicy_v2 (see emrfs_xacct_partner_export).
            "Tags": [{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
        }

    @task
    def write_steps(destination_prefix: str, run_stamp: str) -> list[dict[str, Any]]:
        """
        The step that writes the partner's results under its prefix, through EMRFS.

        The stamp and the URI are arguments of ``bash -c`` (``$1``, ``$2``), not part of its script: the prefix comes
        from the run's conf, and one with a ``;`` or a space would be run or split by bash on the primary node.
        """
        # Under the prefix as granted: s3://b/exports is granted as exports/* (under_prefix adds the slash).
        uri = under_prefix(destination_prefix, run_stamp, "results.txt")
        return [
            {
                "Name": f"write-results-{run_stamp}",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": ["bash", "-c", WRITE_RESULTS_SCRIPT, "write-results", run_stamp, uri],
                },
            }
        ]

    @task_group
    def export_partner(
        role_name: str,
        name_prefix: str,
        destination_prefix: str,
        kms_key_arn: str | None,
        cluster_name: str,
        release_label: str,
    ) -> None:
        # One call builds the partner's whole chain and returns what the launch needs.
        # as_text (macros.as_text): rendered as native objects, an account id 111111111111 would be a number (see
        # emrfs_xacct_partner_export). dry_run stays native (a bool). The partner's names come from partner_settings'
        # XCom, as the strings it returned.
        access = partner_access(
            group_id="access",
            role_name=role_name,
            name_prefix=name_prefix,
            destination_prefix=destination_prefix,
            kms_key_arn=kms_key_arn,
            emr_ec2_role_arn=EMR_EC2_ROLE_ARN,
            release_label=release_label,
            emr_aws_conn_id=EMR_CONN_ID,
            destination_aws_conn_id=DESTINATION_CONN_ID,
            emr_account_id="{{ params.emr_account_id | as_text }}",
            destination_account_id="{{ params.destination_account_id | as_text }}",
            dry_run="{{ params.dry_run }}",
            shared_documents_pool=SHARED_DOCUMENTS_POOL,  # one partner at a time writes the shared documents
        )
        stamp = "{{ run_stamp(dag_run) }}"  # the macro, rendered in the task (the DAG's user_defined_macros)
        cluster = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=access.security_configuration,
            job_flow_overrides=cluster_overrides(cluster_name, release_label, stamp),
            wait_for_completion=True,
            deferrable=True,  # the cluster's start is waited for in the triggerer: every 30 s, up to 30 min
            waiter_delay=30,
            waiter_max_attempts=60,
            expected_account_id="{{ params.emr_account_id | as_text }}",
            dry_run="{{ params.dry_run }}",  # the launch logs its plan and is skipped, and so are the tasks after it
        )
        access.task_group >> cluster
        write_results = EmrAddStepsOperator(
            task_id="write_results",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id=cluster.output,
            steps=write_steps(destination_prefix, stamp),
            wait_for_completion=True,
            deferrable=True,  # waits in the triggerer, not in a worker slot: every 30 s, up to 6 h
            waiter_delay=30,
            waiter_max_attempts=720,
        )
        # Its event's extra names the object write_steps wrote. The prefix is this partner's mapped value, which no
        # template can read: extra is rendered after s3_prefix, so task.s3_prefix is the partner's prefix there.
        publish_results = PublishPartnerPrefixOperator(
            task_id="publish_results",
            s3_prefix=destination_prefix,
            extra={"run_stamp": stamp, "uri": "{{ under_prefix(task.s3_prefix, run_stamp(dag_run), 'results.txt') }}"},
        )
        terminate = TerminateClusterOperator(
            task_id="terminate_cluster",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id=cluster.output,
            expected_account_id="{{ params.emr_account_id | as_text }}",
            dry_run="{{ params.dry_run }}",
        )
        # A cluster the teardown could not terminate fails the run; publish_results stays the leaf
        # after the write, so a failed write fails it too.
        write_results >> [publish_results, terminate.as_teardown(setups=cluster, on_failure_fail_dagrun=True)]

    export_partner.expand_kwargs(partner_settings())
