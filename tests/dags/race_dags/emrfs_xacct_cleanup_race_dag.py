"""
The cleanup between each partner's create and launch, in a mapped task group: ``tests/dags/test_cleanup_race.py``.

The many-partners DAG's wiring (``partner_access`` in a task group mapped over partners, the launch
given ``access.security_configuration``), with ``DeleteUnusedSecurityConfigsOperator`` run between the
group's create task and the launch, as a cleanup DAG might: it deletes the configuration the create
task has just ensured (``min_age_seconds`` tiny: no cluster uses it yet), and each launch must still
start a cluster with its own partner's configuration, same name and content.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task_group

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator
from airflow_provider_emrfs_xacct.task_groups import partner_access

DAG_ID = "emrfs_xacct_cleanup_race"
EMR_CONN_ID = "aws_emr_account"
#: The stand-in's EMR account, seeded roles and partner bucket (``devstack/moto_stack.py``).
EMR_EC2_ROLE_ARN = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
BUCKET = "partner-results-b"
PARTNERS = ["race-a", "race-b"]

with DAG(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    render_template_as_native_obj=True,
    default_args={"retries": 0},
    tags=["emrfs-xacct", "test"],
):

    @task_group
    def export_partner(role_name: str, name_prefix: str, destination_prefix: str) -> None:
        access = partner_access(
            group_id="access",
            role_name=role_name,
            name_prefix=name_prefix,
            destination_prefix=destination_prefix,
            emr_ec2_role_arn=EMR_EC2_ROLE_ARN,
            verify_access=False,
            settle_seconds=0.2,
        )
        cleanup = DeleteUnusedSecurityConfigsOperator(
            task_id="delete_unused_security_configurations",
            aws_conn_id=EMR_CONN_ID,
            name_prefix=name_prefix,
            min_age_seconds=0.001,
        )
        cluster = LaunchClusterWithSecConfigOperator(
            task_id="launch_cluster",
            aws_conn_id=EMR_CONN_ID,
            emr_conn_id=None,
            security_configuration=access.security_configuration,
            job_flow_overrides={
                "Name": "race",
                "ReleaseLabel": "emr-6.15.0",
                "Instances": {
                    "MasterInstanceType": "m5.xlarge",
                    "InstanceCount": 1,
                    "KeepJobFlowAliveWhenNoSteps": True,
                },
                "JobFlowRole": "EMR_EC2_DefaultRole",
                "ServiceRole": "EMR_DefaultRole",
            },
            wait_for_completion=False,
        )
        access.task_group >> cleanup >> cluster

    export_partner.expand_kwargs(
        [
            {
                "role_name": f"emrfs-{partner}-writer",
                "name_prefix": f"emrfs-xacct-{partner}",
                "destination_prefix": f"s3://{BUCKET}/{partner}/",
            }
            for partner in PARTNERS
        ]
    )
