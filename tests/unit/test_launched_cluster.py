"""
``pure.launched_cluster``: what a retried launch compares of the active cluster its key finds, as AWS shows it.

The shapes of ``DescribeCluster``'s ``Cluster`` are the Amazon EMR API Reference's ("DescribeCluster", "Cluster",
"Ec2InstanceAttributes"); a property given with the ``EMR.secret@`` annotation is shown without it, its value the
secret's ARN (Amazon EMR Release Guide, "Store sensitive configuration data in AWS Secrets Manager").
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.launched_cluster import Difference, launch_differences

SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:metastore-password"
LAUNCH: dict[str, Any] = {
    "Name": "partner-export",
    "ReleaseLabel": "emr-7.10.0",
    "JobFlowRole": "EMR_EC2_DefaultRole",
    "ServiceRole": "arn:aws:iam::111111111111:role/service-roles/EMR_DefaultRole_V2",
    "Configurations": [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}},
        {
            "Classification": "hive-site",
            "Properties": {"EMR.secret@javax.jdo.option.ConnectionPassword": SECRET},
        },
        {
            "Classification": "hadoop-env",
            "Configurations": [{"Classification": "export", "Properties": {"JAVA_HOME": "/usr/lib/jvm/java-17"}}],
        },
    ],
}
#: The cluster that launch started, as DescribeCluster shows it.
SHOWN: dict[str, Any] = {
    "Id": "j-OLD",
    "ReleaseLabel": "emr-7.10.0",
    "ServiceRole": "EMR_DefaultRole_V2",
    "Ec2InstanceAttributes": {"IamInstanceProfile": "EMR_EC2_DefaultRole"},
    "Configurations": [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}},
        {"Classification": "hive-site", "Properties": {"javax.jdo.option.ConnectionPassword": SECRET}},
        {
            "Classification": "hadoop-env",
            "Properties": {},
            "Configurations": [
                {"Classification": "export", "Properties": {"JAVA_HOME": "/usr/lib/jvm/java-17"}, "Configurations": []}
            ],
        },
    ],
}


def test_the_cluster_a_launch_started_shows_no_difference() -> None:
    assert launch_differences(LAUNCH, SHOWN) == []


def test_the_instance_profile_is_compared_by_name() -> None:
    shown = {**SHOWN, "Ec2InstanceAttributes": {"IamInstanceProfile": "emr-ec2-partner-b"}}

    assert launch_differences(LAUNCH, shown) == [
        Difference("JobFlowRole", "'emr-ec2-partner-b' on the cluster, 'EMR_EC2_DefaultRole' asked for")
    ]
    arn = {**LAUNCH, "JobFlowRole": "arn:aws:iam::111111111111:instance-profile/EMR_EC2_DefaultRole"}
    assert launch_differences(arn, SHOWN) == []
    # IAM does not document that instance profile names are not told by case (role names are not): compared as written.
    assert [d.field for d in launch_differences({**LAUNCH, "JobFlowRole": "emr_ec2_defaultrole"}, SHOWN)] == [
        "JobFlowRole"
    ]


def test_the_service_role_is_compared_by_name_without_its_case() -> None:
    assert launch_differences({**LAUNCH, "ServiceRole": "emr_defaultrole_v2"}, SHOWN) == []
    assert [d.field for d in launch_differences({**LAUNCH, "ServiceRole": "EMR_DefaultRole"}, SHOWN)] == ["ServiceRole"]


def test_a_property_is_named_by_its_classifications_and_its_value_is_not_shown() -> None:
    changed = {
        **LAUNCH,
        "Configurations": [
            {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}},
            {"Classification": "hive-site", "Properties": {"EMR.secret@javax.jdo.option.ConnectionPassword": "x"}},
            {
                "Classification": "hadoop-env",
                "Configurations": [{"Classification": "export", "Properties": {"JAVA_HOME": "/usr/lib/jvm/java-21"}}],
            },
            {"Classification": "core-site", "Properties": {"fs.s3.impl": "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"}},
        ],
    }

    differences = launch_differences(changed, SHOWN)

    assert [(d.field, d.detail) for d in differences] == [
        ("Configurations", "core-site property 'fs.s3.impl': not set on the cluster, set by the launch"),
        (
            "Configurations",
            "hadoop-env > export property 'JAVA_HOME': set to another value on the cluster than by the launch",
        ),
        (
            "Configurations",
            "hive-site property 'javax.jdo.option.ConnectionPassword': set to another value on the cluster than by "
            "the launch",
        ),
    ]
    assert all(SECRET not in d.detail and "java-" not in d.detail for d in differences)


def test_what_either_side_does_not_give_is_not_compared() -> None:
    bare = {"Id": "j-OLD", "Ec2InstanceAttributes": {}}

    assert launch_differences(LAUNCH, bare) == []
    assert launch_differences({"Name": "partner-export"}, {**SHOWN, "Configurations": []}) == []
    assert [d.detail for d in launch_differences({"Name": "partner-export"}, SHOWN)] == [
        "emrfs-site property 'fs.s3.canned.acl': set on the cluster, not by the launch",
        "hadoop-env > export property 'JAVA_HOME': set on the cluster, not by the launch",
        "hive-site property 'javax.jdo.option.ConnectionPassword': set on the cluster, not by the launch",
    ]
