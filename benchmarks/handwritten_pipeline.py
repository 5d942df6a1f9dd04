"""
The example pipeline's ten steps written by hand: boto3 in ``PythonOperator`` tasks, the Amazon provider's EMR operators.

The parse-cost benchmark's second yardstick (``benchmarks/parse_cost.py``): what a DAG author writes
without the provider, with the same params, the same tasks and the same order as
``dags/emrfs_xacct_partner_export.py``. It is deliberately naive (it overwrites the policies it
touches, has no dry run, no account pin, no stale-write guard and a verifier that only writes one
object), so it is not an example to copy: it exists to show what Airflow itself charges for a DAG
of this shape, apart from what the provider adds.
"""

from __future__ import annotations

import json

import pendulum
from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.providers.amazon.aws.operators.emr import (
    EmrAddStepsOperator,
    EmrCreateJobFlowOperator,
    EmrTerminateJobFlowOperator,
)
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, AssetAlias, Param

EMR_CONN_ID = "aws_emr_account"
DESTINATION_CONN_ID = "aws_destination_account"
ALIAS = "emrfs-xacct-partner-exports"


def client(conn_id: str, service: str):
    return AwsBaseHook(aws_conn_id=conn_id, client_type=service).get_conn()


def ensure_destination_role(role_name: str, trusted: str, prefix: str, key_arn: str) -> str:
    iam = client(DESTINATION_CONN_ID, "iam")
    bucket, _, path = prefix.removeprefix("s3://").partition("/")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}],
    }
    try:
        arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    permissions = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::{bucket}/{path}*",
            },
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key_arn},
        ],
    }
    iam.put_role_policy(RoleName=role_name, PolicyName="emrfs-destination", PolicyDocument=json.dumps(permissions))
    return arn


def allow_emr_role_to_assume(emr_role_name: str, destination_role_arn: str) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": destination_role_arn}],
    }
    iam = client(EMR_CONN_ID, "iam")
    iam.put_role_policy(RoleName=emr_role_name, PolicyName="emrfs-assume", PolicyDocument=json.dumps(policy))


def grant_kms_key_user(key_arn: str, role_arn: str) -> None:
    kms = client(DESTINATION_CONN_ID, "kms")
    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    policy["Statement"].append(
        {
            "Sid": "emrfs-key-user",
            "Effect": "Allow",
            "Principal": {"AWS": role_arn},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
        }
    )
    kms.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(policy))


def create_security_configuration(partner: str, role_arn: str, prefix: str) -> str:
    name = f"emrfs-xacct-{partner}"
    configuration = {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {
                "RoleMappings": [{"Role": role_arn, "IdentifierType": "Prefix", "Identifiers": [prefix]}]
            }
        }
    }
    emr = client(EMR_CONN_ID, "emr")
    existing = [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]
    if name not in existing:
        emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(configuration))
    return name


def verify_cross_account_access(cluster_id: str, security_configuration: str, prefix: str) -> None:
    emr = client(EMR_CONN_ID, "emr")
    if emr.describe_cluster(ClusterId=cluster_id)["Cluster"].get("SecurityConfiguration") != security_configuration:
        raise RuntimeError(f"cluster {cluster_id} was not launched with {security_configuration}")
    step = {
        "Name": "probe",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["hadoop", "fs", "-touchz", f"{prefix}_probe"]},
    }
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step])["StepIds"][0]
    emr.get_waiter("step_complete").wait(ClusterId=cluster_id, StepId=step_id)


def publish_results(prefix: str, *, outlet_events) -> None:
    from airflow.sdk import Asset

    outlet_events[AssetAlias(ALIAS)].add(Asset(prefix))


with DAG(
    dag_id="handwritten_emrfs_partner_export",
    description="Provision cross-account EMRFS access by hand, then write results into the partner's bucket",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    render_template_as_native_obj=True,
    max_active_runs=8,
    tags=["benchmark"],
    params={
        "partner": Param(type="string", pattern=r"^[a-z0-9-]{1,40}$", description="Short partner name"),
        "emr_account_id": Param(type="string", pattern=r"^[0-9]{12}$", description="Account that runs EMR"),
        "destination_account_id": Param(
            type="string", pattern=r"^[0-9]{12}$", description="Account that owns the partner bucket and key"
        ),
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
    emr_ec2_role_arn = "arn:aws:iam::{{ params.emr_account_id }}:role/{{ params.emr_ec2_role_name }}"
    destination_role = PythonOperator(
        task_id="ensure_destination_role",
        python_callable=ensure_destination_role,
        op_args=[
            "emrfs-{{ params.partner }}-writer",
            emr_ec2_role_arn,
            "{{ params.destination_prefix }}",
            "{{ params.kms_key_arn }}",
        ],
    )
    allow_assume = PythonOperator(
        task_id="allow_emr_role_to_assume",
        python_callable=allow_emr_role_to_assume,
        op_args=["{{ params.emr_ec2_role_name }}", destination_role.output],
    )
    grant_key = PythonOperator(
        task_id="grant_kms_key_user",
        python_callable=grant_kms_key_user,
        op_args=["{{ params.kms_key_arn }}", destination_role.output],
    )
    security_configuration = PythonOperator(
        task_id="create_security_configuration",
        python_callable=create_security_configuration,
        op_args=["{{ params.partner }}", destination_role.output, "{{ params.destination_prefix }}"],
    )
    cluster = EmrCreateJobFlowOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        job_flow_overrides={
            "Name": "export-{{ params.partner }}-{{ dag_run.run_after | ts_nodash }}",
            "ReleaseLabel": "{{ params.release_label }}",
            "SecurityConfiguration": "{{ ti.xcom_pull(task_ids='create_security_configuration') }}",
            "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
            "Instances": {
                "InstanceGroups": [
                    {"Name": "Primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                    {"Name": "Core", "InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            "JobFlowRole": "{{ params.emr_ec2_role_name }}",
            "ServiceRole": "EMR_DefaultRole",
            "Tags": [{"Key": "partner", "Value": "{{ params.partner }}"}],
        },
        wait_for_completion=True,
        waiter_delay=30,
        waiter_max_attempts=60,
    )
    verify = PythonOperator(
        task_id="verify_cross_account_access",
        python_callable=verify_cross_account_access,
        op_args=[cluster.output, security_configuration.output, "{{ params.destination_prefix }}"],
    )
    write_results = EmrAddStepsOperator(
        task_id="write_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        steps=[
            {
                "Name": "write-results-{{ dag_run.run_after | ts_nodash }}",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": [
                        "bash",
                        "-c",
                        'echo "results for $1" | hadoop fs -put -f - "$2"',  # the values as arguments: never run
                        "write-results",
                        "{{ dag_run.run_after | ts_nodash }}",
                        "{{ params.destination_prefix }}{{ dag_run.run_after | ts_nodash }}/results.txt",
                    ],
                },
            }
        ],
    )
    wait_for_results = EmrStepSensor(
        task_id="wait_for_results",
        aws_conn_id=EMR_CONN_ID,
        job_flow_id=cluster.output,
        step_id="{{ ti.xcom_pull(task_ids='write_results')[0] }}",
        poke_interval=30,
        timeout=6 * 60 * 60,
    )
    publish = PythonOperator(
        task_id="publish_results",
        python_callable=publish_results,
        op_args=["{{ params.destination_prefix }}"],
        outlets=[AssetAlias(ALIAS)],
    )
    terminate = EmrTerminateJobFlowOperator(
        task_id="terminate_cluster", aws_conn_id=EMR_CONN_ID, job_flow_id=cluster.output
    )

    [allow_assume, grant_key, security_configuration] >> cluster
    cluster >> verify >> write_results
    write_results >> wait_for_results >> [publish, terminate.as_teardown(setups=cluster)]
