"""
An instance group's or fleet instance type's own S3 connector settings.

EMR applies them to that group's instances over the cluster's ("You can specify a separate configuration for each
instance group (master, core, and task)": Amazon EMR API Reference, ``InstanceGroupConfig``, ``Configurations``), so the
launch, which checks the cluster's, refuses one that differs, and the verifier, which judges the cluster's, leaves it
"not checked".
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.instance_settings import INSTANCE_LINK
from airflow_provider_emrfs_xacct.pure.checks.state import Unreadable
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_IMPL,
    S3A_IMPL,
    instance_overrides,
    launch_instance_configurations,
    plan_launch,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.unit.test_chain import healthy_state, statuses

CLUSTER = [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}]


def site(classification: str, **properties: str) -> list[dict[str, Any]]:
    return [{"Classification": classification, "Properties": {k.replace("_", "."): v for k, v in properties.items()}}]


@pytest.mark.parametrize(
    ("own", "expected"),
    [
        # The cluster's value, spelt as Hadoop reads it the same (trimmed), is no override.
        (site("core-site", fs_s3_impl=f"\t{EMRFS_IMPL} "), []),
        (site("core-site", fs_s3_impl=S3A_IMPL), [("core-site", "fs.s3.impl", S3A_IMPL, EMRFS_IMPL)]),
        # A setting the cluster does not give: the group's is the only one its instances read.
        (
            site("emrfs-site", fs_s3_canned_acl="BucketOwnerFullControl"),
            [("emrfs-site", "fs.s3.canned.acl", "BucketOwnerFullControl", None)],
        ),
        # S3A's and s3n://'s settings, and a Spark job's spark.hadoop. form, are connector settings too.
        (
            site("core-site", fs_s3a_assumed_role_session_duration="12h"),
            [("core-site", "fs.s3a.assumed.role.session.duration", "12h", None)],
        ),
        (
            [{"Classification": "spark-defaults", "Properties": {"spark.hadoop.fs.s3.impl": S3A_IMPL}}],
            [("spark-defaults", "spark.hadoop.fs.s3.impl", S3A_IMPL, None)],
        ),
        # A Spark job's spark.hadoop. form of the cluster's own site file value (core-site's fs.s3.impl here) changes
        # nothing in that job's Hadoop configuration, which holds the site file's value without it.
        ([{"Classification": "spark-defaults", "Properties": {"spark.hadoop.fs.s3.impl": f" {EMRFS_IMPL}"}}], []),
        # yarn-site reaches the Hadoop configuration of the jobs that load it, after core-site (Apache Hadoop API,
        # org.apache.hadoop.conf.Configuration: later resources), so its fs.s3 settings are connector settings too.
        (site("yarn-site", fs_s3_impl=S3A_IMPL), [("yarn-site", "fs.s3.impl", S3A_IMPL, None)]),
        # Not connector settings: a Spark job's own memory, YARN's own, an unrelated Hadoop property.
        ([{"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}}], []),
        ([{"Classification": "yarn-site", "Properties": {"yarn.nodemanager.vmem-check-enabled": "false"}}], []),
        (site("core-site", hadoop_tmp_dir="/mnt/tmp"), []),
    ],
    ids=[
        "same-as-hadoop-reads",
        "s3a",
        "not-set-cluster-wide",
        "s3a-option",
        "spark-hadoop",
        "spark-hadoop-of-the-site-file",
        "yarn",
        "spark",
        "yarn-own",
        "other",
    ],
)
def test_instance_overrides(own: list[dict[str, Any]], expected: list[tuple[str, str, str, str | None]]) -> None:
    found = [
        (classification, name, value, theirs)
        for _, classification, name, value, theirs in instance_overrides(CLUSTER, own)
    ]

    assert found == expected


@pytest.mark.parametrize("classification", ["tez-site", "hbase-site", "hiveserver2-site", "sqoop-site"])
def test_a_groups_own_tez_hbase_hiveserver2_or_sqoop_site_connector_setting_is_an_override(classification: str) -> None:
    """
    Tez's TezConfiguration, HBaseConfiguration, HiveServer2's HiveConf and Sqoop load these files into a job's Hadoop
    configuration (Amazon EMR Release Guide, "Configuring Tez", "Configuration classifications"): a group's own
    fs.s3 setting there reaches the tasks on its instances, and the launch refuses it, the verifier leaves it open.
    """
    own = site(classification, fs_s3_impl=S3A_IMPL)

    assert [(c, n, v, theirs) for _, c, n, v, theirs in instance_overrides(CLUSTER, own)] == [
        (classification, "fs.s3.impl", S3A_IMPL, None)
    ]
    groups = [
        {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
        {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2, "Configurations": own},
    ]
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(
            {"ReleaseLabel": "emr-6.15.0", "Instances": {"KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": groups}}
        )
    assert (
        raised.value.field == "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties.fs.s3.impl"
    )
    state = healthy_state()
    state.cluster_configurations = CLUSTER
    state.instance_configurations = [("instance group core (ig-1, CORE)", own)]
    [link] = [link for link in check_chain(state).links if link.link == INSTANCE_LINK]
    assert link.status == UNKNOWN
    assert f"{classification} fs.s3.impl" in link.detail


def test_the_configurations_of_groups_and_fleet_instance_types_are_each_named() -> None:
    instances = {
        "InstanceGroups": [{"InstanceRole": "MASTER"}, {"InstanceRole": "CORE", "Configurations": CLUSTER}],
        "InstanceFleets": [{"InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}, {"Configurations": []}]}],
    }

    places = [place for place, _ in launch_instance_configurations(instances, "extra Instances")]

    assert places == [
        "extra Instances.InstanceGroups[1].Configurations",
        "extra Instances.InstanceFleets[0].InstanceTypeConfigs[1].Configurations",
    ]


def test_a_fleet_instance_types_configurations_that_are_no_list_are_refused() -> None:
    instances = {"InstanceFleets": [{"InstanceTypeConfigs": [{"Configurations": {"Classification": "core-site"}}]}]}

    with pytest.raises(InvalidParameterError) as caught:
        list(launch_instance_configurations(instances, "job_flow_overrides.Instances"))

    assert caught.value.field == "job_flow_overrides.Instances.InstanceFleets[0].InstanceTypeConfigs[0].Configurations"


def test_the_launch_refuses_a_fleet_instance_types_own_connector_setting_naming_where_instances_came_from() -> None:
    overrides = {
        "ReleaseLabel": "emr-7.10.0",
        "Instances": {
            "KeepJobFlowAliveWhenNoSteps": True,
            "InstanceFleets": [
                {"InstanceFleetType": "MASTER", "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
                {
                    "InstanceFleetType": "CORE",
                    "InstanceTypeConfigs": [
                        {"InstanceType": "m5.xlarge"},
                        {"InstanceType": "r5.xlarge", "Configurations": site("core-site", fs_s3_impl=S3A_IMPL)},
                    ],
                },
            ],
        },
    }

    with pytest.raises(InvalidParameterError) as caught:
        plan_launch(overrides, instances_field="emr_conn_id 'emr_default' extra Instances")

    assert caught.value.field == (
        "emr_conn_id 'emr_default' extra Instances.InstanceFleets[1].InstanceTypeConfigs[1].Configurations[0]"
        ".Properties.fs.s3.impl"
    )
    assert repr(EMRFS_IMPL) in str(caught.value)  # the cluster's, which keep_emrfs writes


def test_the_verifier_leaves_an_instance_groups_own_connector_setting_not_checked() -> None:
    state = healthy_state()
    state.cluster_configurations = CLUSTER
    before = statuses(check_chain(state))
    state.instance_configurations = [
        ("instance group core (ig-1, CORE)", site("core-site", fs_s3_impl=S3A_IMPL)),
        ("instance group task (ig-2, TASK)", site("yarn-site", yarn_x="1")),
    ]

    report = check_chain(state)

    [link] = [link for link in report.links if link.link == INSTANCE_LINK]
    assert link.status == UNKNOWN
    assert "instance group core (ig-1, CORE) sets core-site fs.s3.impl" in link.detail
    assert repr(EMRFS_IMPL) in link.detail
    assert INSTANCE_LINK not in before
    # Only the new link: the others still judge the cluster's settings.
    assert {name: status for name, status in statuses(report).items() if name != INSTANCE_LINK} == before


@pytest.mark.parametrize("found", [[], [("instance group core (ig-1, CORE)", CLUSTER)]], ids=["none", "the-same"])
def test_the_verifier_adds_nothing_for_groups_that_agree_with_the_cluster(found: list[Any]) -> None:
    state = healthy_state()
    state.cluster_configurations = CLUSTER
    state.instance_configurations = found

    assert INSTANCE_LINK not in statuses(check_chain(state))


def test_the_verifier_names_an_unread_groups_list() -> None:
    state = healthy_state()
    state.instance_configurations = Unreadable("elasticmapreduce:ListInstanceGroups was refused")

    [link] = [link for link in check_chain(state).links if link.link == INSTANCE_LINK]

    assert link.status == UNKNOWN
    assert link.detail.startswith("elasticmapreduce:ListInstanceGroups was refused")


def test_the_hook_reads_each_fleet_instance_types_and_each_groups_own_configurations() -> None:
    """
    moto launches no instance fleets (it has no ``ListInstanceFleets``): the answers here are botocore's, checked
    against the EMR model by its ``Stubber`` (``InstanceFleet.InstanceTypeSpecifications[].Configurations``;
    ``InstanceGroup.Configurations`` and ``LastSuccessfullyAppliedConfigurations``: Amazon EMR API Reference).
    """
    from botocore.stub import Stubber

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook

    hook = EmrfsEmrHook(aws_conn_id=None, region_name="us-east-1")
    s3a = site("core-site", fs_s3_impl=S3A_IMPL)
    with Stubber(hook.conn) as stub:
        stub.add_response(
            "list_instance_fleets",
            {
                "InstanceFleets": [
                    {
                        "Id": "if-1",
                        "Name": "core",
                        "InstanceTypeSpecifications": [
                            {"InstanceType": "m5.xlarge"},
                            {"InstanceType": "r5.xlarge", "Configurations": s3a},
                        ],
                    }
                ]
            },
            {"ClusterId": "j-1"},
        )
        stub.add_response(
            "list_instance_groups",
            {
                "InstanceGroups": [
                    {"Id": "ig-1", "Name": "primary", "InstanceGroupType": "MASTER"},
                    {
                        "Id": "ig-2",
                        "Name": "core",
                        "InstanceGroupType": "CORE",
                        "Configurations": s3a,
                        "LastSuccessfullyAppliedConfigurations": CLUSTER,
                    },
                ]
            },
            {"ClusterId": "j-1"},
        )

        fleets = hook.instance_configurations("j-1", fleets=True)
        groups = hook.instance_configurations("j-1", fleets=False)

    assert fleets == [("instance fleet core (if-1) type r5.xlarge", s3a)]
    assert groups == [
        ("instance group core (ig-2, CORE)", s3a),
        ("instance group core (ig-2, CORE), as last applied", CLUSTER),
    ]


def test_the_launch_keeps_a_groups_spark_form_of_the_site_file_value_the_launch_writes() -> None:
    # On 7.10.0 keep_emrfs writes core-site fs.s3.impl (EMRFS's class): a core group's spark-defaults giving Spark jobs
    # that same class is kept; another class is still refused naming the field.
    def launch(value: str) -> dict[str, Any]:
        own = [{"Classification": "spark-defaults", "Properties": {"spark.hadoop.fs.s3.impl": value}}]
        group = {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2, "Configurations": own}
        request = {
            "ReleaseLabel": "emr-7.10.0",
            "Instances": {"KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": [group]},
        }
        return plan_launch(request).overrides

    assert launch(EMRFS_IMPL)["Instances"]["InstanceGroups"][0]["Configurations"][0]["Properties"] == {
        "spark.hadoop.fs.s3.impl": EMRFS_IMPL
    }
    with pytest.raises(InvalidParameterError) as refused:
        launch(S3A_IMPL)
    assert refused.value.field.endswith("InstanceGroups[0].Configurations[0].Properties.spark.hadoop.fs.s3.impl")
