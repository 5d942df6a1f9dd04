"""
``job_flow_overrides`` given with tuples where ``RunJobFlow`` takes lists.

botocore takes a tuple wherever the API takes a list (``botocore/validate.py``: a ``list`` shape is valid as
``(list, tuple)``), and Airflow's templater keeps a tuple a tuple, so a tuple reaches ``RunJobFlow`` as its list. The launch
makes every tuple a list once, where the overrides enter it (``parse_job_flow_overrides``): the checks then see an
instance group's and a fleet instance type's own ``Configurations`` (Amazon EMR API Reference, "InstanceGroupConfig" and
"InstanceTypeConfig", ``Configurations``) and take tuple ``Tags``, ``Configurations`` and ``Steps`` as botocore does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
)
from airflow_provider_emrfs_xacct.pure.cluster_config import S3A_IMPL, plan_launch
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.launch_arguments import parse_job_flow_overrides
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import run_operator, small_cluster

MASTER = {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}
#: A core group whose own core-site serves s3:// with S3A (refused as a list: tests/unit/test_instance_settings.py).
CORE = {
    "InstanceRole": "CORE",
    "InstanceType": "m5.xlarge",
    "InstanceCount": 2,
    "Configurations": ({"Classification": "core-site", "Properties": {"fs.s3.impl": S3A_IMPL}},),
}
#: A fleet instance type whose own emrfs-site sets the role mappings themselves.
FLEET = {
    "InstanceFleetType": "MASTER",
    "TargetOnDemandCapacity": 1,
    "InstanceTypeConfigs": (
        {
            "InstanceType": "m5.xlarge",
            "Configurations": (
                {
                    "Classification": "emrfs-site",
                    "Properties": {"fs.s3.authorization.roleMapping": "arn:aws:iam::111122223333:role/r:u:alice"},
                },
            ),
        },
    ),
}
TAGS = ({"Key": "team", "Value": "exports"},)
CONFIGURATIONS = ({"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},)
STEPS = (
    {
        "Name": "hello",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ("echo", "hello")},
    },
)


@pytest.mark.parametrize(
    ("instances", "field"),
    [
        (
            {"InstanceGroups": (MASTER, CORE)},
            "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties.fs.s3.impl",
        ),
        (
            {"InstanceFleets": (FLEET,)},
            "job_flow_overrides.Instances.InstanceFleets[0].InstanceTypeConfigs[0].Configurations[0].Properties."
            "fs.s3.authorization.roleMapping",
        ),
    ],
    ids=["instance-groups", "instance-fleets"],
)
def test_an_instance_setting_in_a_tuple_is_refused_naming_it(instances: dict[str, Any], field: str) -> None:
    """EMR applies a group's (a fleet type's) own Configurations to its instances: in a tuple as in a list."""
    overrides = parse_job_flow_overrides(
        {"ReleaseLabel": "emr-6.15.0", "Instances": {"KeepJobFlowAliveWhenNoSteps": True, **instances}}
    )

    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides)
    assert raised.value.field == field


def test_tuple_tags_configurations_and_steps_are_planned_as_lists() -> None:
    overrides = parse_job_flow_overrides(small_cluster("tuples", Tags=TAGS, Configurations=CONFIGURATIONS, Steps=STEPS))

    planned = plan_launch(overrides).overrides
    assert planned["Tags"] == [{"Key": "team", "Value": "exports"}]
    assert planned["Configurations"] == [CONFIGURATIONS[0]]
    assert planned["Steps"][0]["HadoopJarStep"]["Args"] == ["echo", "hello"]
    assert isinstance(planned["Steps"], list)
    # A Python-literal string gives tuples too ("({...},)"): read the same way.
    assert parse_job_flow_overrides(str({"Tags": TAGS}))["Tags"] == [{"Key": "team", "Value": "exports"}]


def test_a_launch_with_tuple_tags_and_steps_sends_them(moto_url: str) -> None:
    """The launch takes what the Amazon provider's EmrCreateJobFlowOperator passes to run_job_flow as botocore does."""
    task = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=None,  # option (a): no security configuration, none to read
        job_flow_overrides=small_cluster("tuples", Tags=TAGS, Configurations=CONFIGURATIONS, Steps=STEPS),
        wait_for_completion=False,
    )

    cluster_id, _, _ = run_operator(task)

    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert {"Key": "team", "Value": "exports"} in cluster["Tags"]
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert (step["Name"], step["Config"]["Args"]) == ("hello", ["echo", "hello"])


def test_a_tuple_of_role_mappings_is_read_as_its_list(moto_url: str) -> None:
    """The security configuration operator's role_mappings, given as a tuple, as a tuple of launch arguments is read."""
    mapping = {
        "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer",
        "IdentifierType": "Prefix",
        "Identifiers": ("s3://partner-results-b/acme/",),
    }
    task = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-acme",
        role_mappings=(mapping,),
    )

    name, _, _ = run_operator(task)

    sent = client(moto_url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=name)["SecurityConfiguration"]
    [written] = json.loads(sent)["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    assert written["Identifiers"] == ["s3://partner-results-b/acme"]


def test_a_tuple_inside_the_base_configuration_is_read_as_its_list(moto_url: str) -> None:
    """
    A tuple inside ``base_configuration`` (``Overrides``), as the hook sends it: a JSON array.

    ``CreateSecurityConfiguration`` takes the configuration as a JSON string (Amazon EMR API Reference,
    "CreateSecurityConfiguration", ``SecurityConfiguration``), which the hook writes with ``json.dumps``: a tuple is an
    array there, the ``Overrides`` list of the at-rest S3 encryption (Amazon EMR Management Guide, "Create a security
    configuration", "JSON Reference for Encryption Settings": per-bucket ``Overrides``,
    https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-create-security-configuration.html). Before, the checks
    refused it as "must be a list, got [...]", a message showing a list.
    """
    override = {"BucketName": "partner-results-b", "EncryptionMode": "SSE-S3"}
    base = {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": True,
            "AtRestEncryptionConfiguration": {
                "S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3", "Overrides": (override,)}
            },
        }
    }
    mapping = {
        "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer",
        "IdentifierType": "Prefix",
        "Identifiers": ["s3://partner-results-b/acme/"],
    }
    task = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-acme",
        role_mappings=[mapping],
        base_configuration=base,
    )

    name, _, _ = run_operator(task)

    sent = client(moto_url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=name)["SecurityConfiguration"]
    s3 = json.loads(sent)["EncryptionConfiguration"]["AtRestEncryptionConfiguration"]["S3EncryptionConfiguration"]
    assert s3["Overrides"] == [override]
    # The same content, given with lists, is the same configuration (its name hashes the content).
    as_lists = {**base}
    as_lists["EncryptionConfiguration"] = {
        **base["EncryptionConfiguration"],
        "AtRestEncryptionConfiguration": {
            "S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3", "Overrides": [override]}
        },
    }
    listed = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration_lists",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-acme",
        role_mappings=[mapping],
        base_configuration=as_lists,
    )
    assert run_operator(listed)[0] == name
