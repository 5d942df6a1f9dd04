"""
The launch refuses an STS endpoint setting over another scheme than HTTPS.

"Because the Query API returns sensitive information such as security credentials, you must use HTTPS with all API
requests" (IAM User Guide, "Calling the IAM API using HTTP query requests", "HTTPS required"): EMRFS's and S3A's
AssumeRole of every role mapping would fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.cluster_config import OTHER_HADOOP_SITES, plan_launch
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.unit.test_cluster_config import CONFIGURATIONS, overrides

SETTINGS = [
    ("emrfs-site", "fs.s3.sts.endpoint"),
    ("emrfs-site", "fs.s3.bucket.partner-results.sts.endpoint"),
    ("core-site", "fs.s3a.assumed.role.sts.endpoint"),
    ("core-site", "fs.s3a.bucket.partner-results.assumed.role.sts.endpoint"),
]


@pytest.mark.parametrize(("classification", "setting"), SETTINGS)
@pytest.mark.parametrize("value", ["http://sts.us-east-1.amazonaws.com", " HTTP://sts.amazonaws.com"])
def test_an_sts_endpoint_over_http_is_refused_naming_the_setting(classification: str, setting: str, value: str) -> None:
    user = [{"Classification": classification, "Properties": {setting: value}}]
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides("emr-7.10.0", Configurations=user))
    assert raised.value.field == f"{CONFIGURATIONS}[0].Properties.{setting}"
    assert "AWS STS takes HTTPS only" in str(raised.value)


def test_the_emrfs_site_properties_argument_is_checked_too() -> None:
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides(), emrfs_site_properties={"fs.s3.sts.endpoint": "http://sts.us-east-1.amazonaws.com"})
    assert raised.value.field == "emrfs_site_properties.fs.s3.sts.endpoint"


@pytest.mark.parametrize("value", ["https://sts.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com", "HTTPS://x"])
def test_https_or_a_bare_host_is_kept_as_given(value: str) -> None:
    user: list[dict[str, Any]] = [{"Classification": "emrfs-site", "Properties": {"fs.s3.sts.endpoint": value}}]
    plan = plan_launch(overrides(Configurations=user))
    kept = [entry for entry in plan.overrides["Configurations"] if entry["Classification"] == "emrfs-site"]
    assert kept[0]["Properties"]["fs.s3.sts.endpoint"] == value


#: The same settings where they reach other jobs' Hadoop configuration: a Spark job's as ``spark.hadoop.<name>``
#: (Spark, "Configuration", "Custom Hadoop/Hive Configuration"), and the other site files some jobs load.
ELSEWHERE = [
    ("spark-defaults", "spark.hadoop.fs.s3.sts.endpoint"),
    ("spark-defaults", "spark.hadoop.fs.s3a.assumed.role.sts.endpoint"),
    ("spark-defaults", "spark.hadoop.fs.s3.bucket.partner-results.sts.endpoint"),
    ("spark-defaults", "spark.hadoop.fs.s3a.bucket.partner-results.assumed.role.sts.endpoint"),
    *((classification, "fs.s3.sts.endpoint") for classification in OTHER_HADOOP_SITES),
    ("hive-site", "fs.s3a.assumed.role.sts.endpoint"),
    ("mapred-site", "fs.s3a.bucket.partner-results.assumed.role.sts.endpoint"),
]


@pytest.mark.parametrize(("classification", "setting"), ELSEWHERE)
@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
def test_an_sts_endpoint_over_http_in_another_hadoop_classification_is_refused_naming_it(
    classification: str, setting: str, release: str
) -> None:
    user = [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}},
        {"Classification": classification, "Properties": {setting: "http://sts.us-east-1.amazonaws.com"}},
    ]
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides(release, Configurations=user))
    assert raised.value.field == f"{CONFIGURATIONS}[1].Properties.{setting}"
    assert "AWS STS takes HTTPS only" in str(raised.value)
