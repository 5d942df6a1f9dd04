"""
Mapped launches and verifiers after a cleanup, and a mapped publish: ``tests/dags/test_mapped_launch.py``.

Each create task is mapped over two partners; a cleanup then deletes the configurations it has just
ensured (``min_age_seconds`` tiny: no cluster uses them yet). The verifier and one launch are mapped
with ``.expand(security_configuration=create.output)``, another launch with ``.expand_kwargs(...)``
over the other create task's output, a third with ``.partial(security_configuration=create.output)``
of an unmapped create task: Airflow gives the first two each instance's ``__init__`` the resolved name,
not ``create.output``, and each must still find its create task's document and go on with it. The
publish task is mapped over the partners' prefixes.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG

from airflow_provider_emrfs_xacct.operators.assets import PublishPartnerPrefixOperator
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

DAG_ID = "emrfs_xacct_mapped_launch"
EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
#: The stand-in's destination account and seeded partner bucket (``devstack/moto_stack.py``).
DESTINATION_ACCOUNT = "222222222222"
BUCKET = "partner-results-b"
PARTNERS = ["mapped-a", "mapped-b"]
#: The name prefix of each create task's configurations (the cleanup after it deletes that prefix's).
EXPAND_PREFIX = "emrfs-xacct-expand"
EXPAND_KWARGS_PREFIX = "emrfs-xacct-expand-kwargs"
PARTIAL_PREFIX = "emrfs-xacct-partial"
CLUSTER = {
    "Name": "mapped",
    "ReleaseLabel": "emr-6.15.0",
    "Instances": {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
    "JobFlowRole": "EMR_EC2_DefaultRole",
    "ServiceRole": "EMR_DefaultRole",
}


def role_name(partner: str) -> str:
    return f"emrfs-{partner}-writer"


def prefix(partner: str) -> str:
    return f"s3://{BUCKET}/{partner}/"


def role_mappings(partner: str) -> list[dict[str, Any]]:
    role = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{role_name(partner)}"
    return [{"Role": role, "IdentifierType": "Prefix", "Identifiers": [prefix(partner)]}]


def launch_arguments(name: str) -> dict[str, Any]:
    return {"security_configuration": name}


with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    default_args={"retries": 0},
    tags=["emrfs-xacct", "test"],
):

    def create_then_cleanup(name_prefix: str) -> Any:
        create = CreateEmrfsSecurityConfigOperator.partial(
            task_id=f"create_{name_prefix}", aws_conn_id=EMR_CONN_ID, name_prefix=name_prefix
        ).expand(role_mappings=[role_mappings(partner) for partner in PARTNERS])
        cleanup = DeleteUnusedSecurityConfigsOperator(
            task_id=f"cleanup_{name_prefix}", aws_conn_id=EMR_CONN_ID, name_prefix=name_prefix, min_age_seconds=0.001
        )
        create >> cleanup
        return create, cleanup

    create, cleanup = create_then_cleanup(EXPAND_PREFIX)
    verify = VerifyCrossAccountAccessOperator.partial(
        task_id="verify_expand",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        release_label="emr-6.15.0",
    ).expand(security_configuration=create.output)
    launch = LaunchClusterWithSecConfigOperator.partial(
        task_id="launch_expand",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        job_flow_overrides=CLUSTER,
        wait_for_completion=False,
    ).expand(security_configuration=create.output)
    cleanup >> verify >> launch

    create_for_kwargs, cleanup_for_kwargs = create_then_cleanup(EXPAND_KWARGS_PREFIX)
    launch_for_kwargs = LaunchClusterWithSecConfigOperator.partial(
        task_id="launch_expand_kwargs",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        job_flow_overrides=CLUSTER,
        wait_for_completion=False,
    ).expand_kwargs(create_for_kwargs.output.map(launch_arguments))
    cleanup_for_kwargs >> launch_for_kwargs

    # Mapped over something else, given an unmapped create task's output in .partial(): the instance
    # gets create.output itself (MappedOperator.unmap passes the partial arguments as they are).
    create_one = CreateEmrfsSecurityConfigOperator(
        task_id=f"create_{PARTIAL_PREFIX}",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=PARTIAL_PREFIX,
        role_mappings=role_mappings(PARTNERS[0]),
    )
    cleanup_one = DeleteUnusedSecurityConfigsOperator(
        task_id=f"cleanup_{PARTIAL_PREFIX}", aws_conn_id=EMR_CONN_ID, name_prefix=PARTIAL_PREFIX, min_age_seconds=0.001
    )
    launch_partial = LaunchClusterWithSecConfigOperator.partial(
        task_id="launch_partial",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=create_one.output,
        wait_for_completion=False,
    ).expand(job_flow_overrides=[CLUSTER])
    create_one >> cleanup_one >> launch_partial

    publish = PublishPartnerPrefixOperator.partial(task_id="publish_results").expand(
        s3_prefix=[prefix(partner) for partner in PARTNERS]
    )
    [launch, launch_for_kwargs, launch_partial] >> publish
