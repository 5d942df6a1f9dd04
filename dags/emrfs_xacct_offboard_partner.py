"""
Example pipeline: check one partner's cross-account EMRFS access, then remove it.

Triggered by hand (no schedule) with the partner's values; nothing has a default that would be
written, so unpausing it does nothing. It uses the two connections of ``emrfs_xacct_partner_export``,
and pins each to its account as that DAG does (``emr_account_id``, ``destination_account_id``): swapped
or mistyped connections are refused before anything changes. ``kms_key_arn`` is empty for a partner
whose bucket uses SSE-S3 (no key to revoke).

1. ``verify_before_offboarding`` reads every link of the chain in both accounts and records the
   report (``fail_on_broken=False``: a half-broken chain is still to be removed).
2. ``revoke_partner_access`` removes the destination role from the EMR EC2 role's assume-role policy
   and from the key users, takes the EMR EC2 role out of the destination role's trust policy (unless
   ``remove_destination_trust`` is false), and rebuilds the security configuration without the partner's
   mappings (configurations cannot change: the new name, if any mapping is left, is its return value).
3. ``delete_unused_security_configurations`` deletes this prefix's configurations that no active
   cluster uses and that are older than two days.

Trigger with ``{"dry_run": true}`` to see what the revoke and the cleanup would remove, removing nothing.

The revoke writes documents every partner's runs write too (the EMR EC2 role's assume-role policy, the
key's policy) and the destination role's trust, which the partner's own runs write
(``ensure_destination_role``): it takes the pool :data:`SHARED_DOCUMENTS_POOL` of one slot, as the grants
and ``ensure_destination_role`` of the other example DAGs do, so that a grant and the revoke write one at
a time (``docs/safety.md``, "A grant and a revoke of the same partner at once"). Create it before the first
run, or the revoke is never scheduled (Airflow schedules no task whose pool does not exist)::

    airflow pools set emrfs_xacct_shared_documents 1 "Writers of IAM and KMS documents partners share"
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_emrfs_xacct.macros import as_text
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The Airflow pool of one slot for the tasks that write documents partners share (create it first: above).
SHARED_DOCUMENTS_POOL = "emrfs_xacct_shared_documents"

with DAG(
    dag_id="emrfs_xacct_offboard_partner",
    description="Verify, then revoke one partner's cross-account EMRFS access",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
    user_defined_filters={"as_text": as_text},
    tags=["emrfs-xacct", "example"],
    params={
        "destination_role_arn": Param(type="string", pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/"),
        "emr_account_id": Param(type="string", pattern=r"^[0-9]{12}$", description="Account that runs EMR"),
        "destination_account_id": Param(
            type="string", pattern=r"^[0-9]{12}$", description="Account that owns the partner bucket and key"
        ),
        "kms_key_arn": Param(
            "",
            type="string",
            pattern=r"^$|^arn:aws[a-z-]*:kms:",
            description="The partner bucket's KMS key; empty when the bucket uses SSE-S3 (no key)",
        ),
        "security_configuration": Param(type="string", description="the configuration the partner's clusters use"),
        "name_prefix": Param(type="string", description="name prefix of the partner's security configurations"),
        "emr_ec2_role_name": Param("EMR_EC2_DefaultRole", type="string"),
        "remove_destination_trust": Param(
            True,
            type="boolean",
            description="take the EMR EC2 role out of the destination role's trust; false leaves it as it is",
        ),
        "dry_run": Param(False, type="boolean", description="Plan every removal, make none"),
    },
) as dag:
    # as_text (airflow_provider_emrfs_xacct.macros.as_text): rendered as native objects, a whole template that
    # reads as a Python literal becomes one: a role or a security configuration named "2024" (valid names: IAM API
    # Reference, "CreateRole", RoleName; Amazon EMR API Reference, "CreateSecurityConfiguration", Name) would be the
    # number 2024, an account id 111111111111 a number. Flags and lists stay native; S3 URIs ("s3://…") never read
    # as a literal.
    in_emr_account = {"expected_account_id": "{{ params.emr_account_id | as_text }}", "dry_run": "{{ params.dry_run }}"}

    # [START howto_operator_verify_cross_account_access]
    verify = VerifyCrossAccountAccessOperator(
        task_id="verify_before_offboarding",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        security_configuration="{{ params.security_configuration | as_text }}",
        emr_ec2_role_name="{{ params.emr_ec2_role_name | as_text }}",
        fail_on_broken=False,
        expected_destination_account_id="{{ params.destination_account_id | as_text }}",
        **in_emr_account,
    )
    # [END howto_operator_verify_cross_account_access]

    # [START howto_operator_revoke_partner_access]
    revoke = RevokePartnerAccessOperator(
        task_id="revoke_partner_access",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn="{{ params.destination_role_arn | as_text }}",
        emr_ec2_role_name="{{ params.emr_ec2_role_name | as_text }}",
        # Rendered as a native list: no key (SSE-S3) is [], not [""] (which is refused).
        kms_key_arns="{{ [params.kms_key_arn] if params.kms_key_arn else [] }}",
        security_configuration="{{ params.security_configuration | as_text }}",
        name_prefix="{{ params.name_prefix | as_text }}",
        delete_destination_role=False,  # the role stays, trusting the EMR EC2 role no more; True deletes it, if ours
        # False leaves the destination trust as it is (a destination connection that may not change it)
        remove_destination_trust="{{ params.remove_destination_trust }}",
        expected_destination_account_id="{{ params.destination_account_id | as_text }}",
        pool=SHARED_DOCUMENTS_POOL,  # the shared documents, in the grants' pool
        **in_emr_account,
    )
    # [END howto_operator_revoke_partner_access]

    # [START howto_operator_delete_unused_security_configs]
    delete_unused = DeleteUnusedSecurityConfigsOperator(
        task_id="delete_unused_security_configurations",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="{{ params.name_prefix | as_text }}",
        min_age_seconds=2 * 24 * 60 * 60,  # above the longest interval between launches: a daily pipeline's, and a day
        **in_emr_account,
    )
    # [END howto_operator_delete_unused_security_configs]

    verify >> revoke >> delete_unused
