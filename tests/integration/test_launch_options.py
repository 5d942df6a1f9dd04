"""
LaunchClusterWithSecConfigOperator's launch options against moto: option (b), release boundaries, merges.

What the cluster got is read back with ``DescribeCluster`` and ``ListBootstrapActions``: moto 5.2.5
keeps ``Configurations`` (nested ones included) and ``BootstrapActions`` (name, path, arguments, in
order) as sent. Each test also captures what ``RunJobFlow`` was sent (botocore's
``provide-client-params`` event on the hook's ``client_sending_once``) and checks that moto's answer agrees
with it, so a moto that dropped something would show up here rather than hide a wrong request.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.operators.s3 import GrantBucketAccessOperator
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    CREDENTIALS_PROVIDER_ACTION,
    EMRFS_AUXLIB,
    EMRFS_IMPL,
    S3A_IMPL,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.names import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    Seeded,
    client,
)
from devstack.testing import CallRecorder, RecordingTaskInstance, small_cluster

WITH_MAPPINGS = "emrfs-xacct-options-mappings-0123456789ab"
WITHOUT_MAPPINGS = "emrfs-xacct-options-encryption-0123456789ab"
JAR = "s3://emr-artifacts-a/auxlib/partner-credentials-1.0.jar"
CLASS = "com.example.emrfs.PartnerCredentialsProvider"
USER_CONFIGURATIONS = [
    {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},
    {"Classification": "emrfs-site", "Properties": {"fs.s3.maxRetries": "20"}},
    {
        "Classification": "spark-env",
        "Properties": {},
        "Configurations": [{"Classification": "export", "Properties": {"PYSPARK_PYTHON": "/usr/bin/python3"}}],
    },
]
USER_BOOTSTRAP_ACTIONS = [
    {"Name": "install-libs", "ScriptBootstrapAction": {"Path": "s3://emr-artifacts-a/bootstrap/libs.sh"}},
    {
        "Name": "tune-yarn",
        "ScriptBootstrapAction": {"Path": "s3://emr-artifacts-a/bootstrap/yarn.sh", "Args": ["--memory", "8g"]},
    },
]


def overrides(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = small_cluster("launch-options")
    arguments.update(changes)
    return arguments


def create_security_configurations(emr: Any) -> None:
    """One configuration with role mappings, one with only encryption settings."""
    mappings = {
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {
                "RoleMappings": [
                    {
                        "Role": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-writer",
                        "IdentifierType": "Prefix",
                        "Identifiers": ["s3://partner-results-b/daily/"],
                    }
                ]
            }
        }
    }
    encryption = {
        "EncryptionConfiguration": {
            "EnableInTransitEncryption": False,
            "EnableAtRestEncryption": True,
            "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {"EncryptionMode": "SSE-S3"}},
        }
    }
    emr.create_security_configuration(Name=WITH_MAPPINGS, SecurityConfiguration=json.dumps(mappings))
    emr.create_security_configuration(Name=WITHOUT_MAPPINGS, SecurityConfiguration=json.dumps(encryption))


@pytest.fixture
def emr(moto_url: str) -> Any:
    """A boto3 EMR client in the EMR account, with the two security configurations."""
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    create_security_configurations(emr)
    return emr


class Launch:
    """Runs the operator with every call recorded and the ``RunJobFlow`` parameters captured."""

    def __init__(self, operator: LaunchClusterWithSecConfigOperator) -> None:
        self.operator = operator
        self.recorder = CallRecorder().attach(operator.hook.conn)
        self.recorder.attach(operator.hook.client_sending_once)
        self.sent: list[dict[str, Any]] = []
        operator.hook.client_sending_once.meta.events.register("provide-client-params.emr.RunJobFlow", self._capture)
        self.ti = RecordingTaskInstance(task_id=operator.task_id)

    def _capture(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.append(copy.deepcopy(params))

    def run(self) -> Any:
        return self.operator.execute({"ti": self.ti, "task_instance": self.ti})


def make_operator(**kwargs: Any) -> LaunchClusterWithSecConfigOperator:
    arguments: dict[str, Any] = {
        "task_id": "launch_cluster",
        "aws_conn_id": EMR_CONN_ID,
        "emr_conn_id": None,
        "security_configuration": WITH_MAPPINGS,
        "job_flow_overrides": overrides(),
    }
    arguments.update(kwargs)
    return LaunchClusterWithSecConfigOperator(**arguments)


def launched(emr: Any, cluster_id: str) -> dict[str, Any]:
    return emr.describe_cluster(ClusterId=cluster_id)["Cluster"]


def bootstrap_actions(emr: Any, cluster_id: str) -> list[dict[str, Any]]:
    return emr.list_bootstrap_actions(ClusterId=cluster_id)["BootstrapActions"]


def as_listed(action: dict[str, Any]) -> dict[str, Any]:
    """The shape ``ListBootstrapActions`` answers for a ``RunJobFlow`` bootstrap action."""
    script = action["ScriptBootstrapAction"]
    return {"Name": action["Name"], "ScriptPath": script["Path"], "Args": script.get("Args", [])}


def test_credentials_provider_merges_into_user_configurations_and_bootstrap_actions(emr: Any) -> None:
    launch = Launch(
        make_operator(
            security_configuration=None,
            emrfs_credentials_provider={"jar": JAR, "class_name": CLASS},
            job_flow_overrides=overrides(
                Configurations=copy.deepcopy(USER_CONFIGURATIONS),
                BootstrapActions=copy.deepcopy(USER_BOOTSTRAP_ACTIONS),
            ),
        )
    )

    cluster_id = launch.run()

    # No security configuration to describe: find this task instance's cluster, launch, read the log URI.
    assert launch.recorder.calls == ["ListClusters", "RunJobFlow", "DescribeCluster"]
    expected_configurations = [
        USER_CONFIGURATIONS[0],
        {
            "Classification": "emrfs-site",
            "Properties": {"fs.s3.maxRetries": "20", "fs.s3.customAWSCredentialsProvider": CLASS},
        },
        USER_CONFIGURATIONS[2],
    ]
    (sent,) = launch.sent
    assert sent["Configurations"] == expected_configurations
    assert "SecurityConfiguration" not in sent
    ours = {
        "Name": CREDENTIALS_PROVIDER_ACTION,
        "ScriptBootstrapAction": {
            "Path": "file:/bin/bash",
            "Args": ["-c", f"sudo mkdir -p {EMRFS_AUXLIB} && sudo aws s3 cp {JAR} {EMRFS_AUXLIB}"],
        },
    }
    assert sent["BootstrapActions"] == [*USER_BOOTSTRAP_ACTIONS, ours]
    # Read back: moto kept what was sent.
    cluster = launched(emr, cluster_id)
    assert cluster["Configurations"] == expected_configurations
    assert "SecurityConfiguration" not in cluster
    assert bootstrap_actions(emr, cluster_id) == [as_listed(action) for action in sent["BootstrapActions"]]
    assert [action["Name"] for action in bootstrap_actions(emr, cluster_id)] == [
        "install-libs",
        "tune-yarn",
        CREDENTIALS_PROVIDER_ACTION,
    ]


def test_bad_credentials_provider_is_refused_before_any_aws_call(moto_url: str) -> None:
    launch = Launch(
        make_operator(emrfs_credentials_provider={"jar": "s3://emr-artifacts-a/p.zip", "class_name": CLASS})
    )

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "emrfs_credentials_provider.jar"
    assert launch.recorder.calls == []


def test_role_mappings_on_5_9_0_are_refused_before_run_job_flow(emr: Any) -> None:
    launch = Launch(make_operator(job_flow_overrides=overrides(ReleaseLabel="emr-5.9.0")))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.ReleaseLabel"
    assert "emr-5.10.0" in caught.value.problem
    assert launch.recorder.calls == ["DescribeSecurityConfiguration"]
    assert launch.sent == []
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize("imds_v2", [False, True], ids=["mappings", "mappings-and-imdsv2"])
def test_role_mappings_on_an_ami_version_are_refused_before_any_write(emr: Any, imds_v2: bool) -> None:
    """
    ``AmiVersion`` "Applies only to Amazon EMR AMI versions 3.x and 2.x" (Amazon EMR API Reference, "RunJobFlow"),
    earlier than role mappings (5.10.0: Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon
    S3"). The launch read ReleaseLabel only: it created the deleted configuration again and sent RunJobFlow.
    """
    document = json.loads(emr.describe_security_configuration(Name=WITH_MAPPINGS)["SecurityConfiguration"])
    if imds_v2:
        document["InstanceMetadataServiceConfiguration"] = {"MinimumInstanceMetadataServiceVersion": 2}
    name = security_configuration_name("emrfs-xacct-options", document)  # content-named: the document is known
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    emr.delete_security_configuration(Name=name)  # deleted before the launch: it would create it again
    ami = {key: value for key, value in overrides(AmiVersion="3.11.0").items() if key != "ReleaseLabel"}
    launch = Launch(
        make_operator(security_configuration=name, security_configuration_document=document, job_flow_overrides=ami)
    )

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.AmiVersion"
    assert "does not support role mappings" in caught.value.problem
    assert "emr-5.10.0" in caught.value.problem
    assert launch.recorder.calls == [
        "DescribeSecurityConfiguration"
    ]  # neither CreateSecurityConfiguration nor RunJobFlow
    assert launch.sent == []
    assert emr.list_clusters()["Clusters"] == []
    assert name not in [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]


def ami_version_overrides(**changes: Any) -> dict[str, Any]:
    """``job_flow_overrides`` of an AMI version (no ``ReleaseLabel``)."""
    return {key: value for key, value in overrides(AmiVersion="3.11.0", **changes).items() if key != "ReleaseLabel"}


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"emrfs_site_properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}}, "emrfs_site_properties"),
        ({"emrfs_credentials_provider": {"jar": JAR, "class_name": CLASS}}, "emrfs_credentials_provider"),
        (
            {"job_flow_overrides": ami_version_overrides(Configurations=copy.deepcopy(USER_CONFIGURATIONS))},
            "Configurations (the RunJobFlow argument)",
        ),
    ],
    ids=["emrfs-site-properties", "credentials-provider", "own-configurations"],
)
def test_configurations_on_an_ami_version_are_refused_before_run_job_flow(
    emr: Any, changes: dict[str, Any], needle: str
) -> None:
    """
    Option (a)'s canned ACL (what the bucket-policy grant returns) went in Configurations (emrfs-site), which are "For
    Amazon EMR releases 4.0 and later" (Amazon EMR API Reference, "RunJobFlow"): "When using an AMI version, you
    configure applications using bootstrap actions" (Amazon EMR Release Guide, "Customizing cluster and application
    configuration with earlier AMI versions of Amazon EMR"). RunJobFlow was sent with them.
    """
    arguments: dict[str, Any] = {"security_configuration": None, "job_flow_overrides": ami_version_overrides()}
    arguments.update(changes)
    launch = Launch(make_operator(**arguments))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.AmiVersion"
    assert needle in caught.value.problem
    assert "For Amazon EMR releases 4.0 and later" in caught.value.problem
    assert launch.recorder.calls == []
    assert launch.sent == []
    assert emr.list_clusters()["Clusters"] == []


def test_a_security_configuration_on_an_ami_version_is_refused_before_run_job_flow(emr: Any) -> None:
    """
    "The --release-label you specify must be 4.8.0 or later" (Amazon EMR Management Guide, "Specify a security
    configuration for an Amazon EMR cluster"): an encryption-only configuration was launched beside an AmiVersion.
    """
    launch = Launch(make_operator(security_configuration=WITHOUT_MAPPINGS, job_flow_overrides=ami_version_overrides()))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.AmiVersion"
    assert f"SecurityConfiguration {WITHOUT_MAPPINGS!r}" in caught.value.problem
    assert "emr-4.8.0 or later" in caught.value.problem
    assert "RunJobFlow" not in launch.recorder.calls
    assert launch.sent == []
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize("release", ["emr-4.0.0", "emr-4.7.2"])
def test_a_security_configuration_on_a_release_before_4_8_0_is_refused_before_any_write(emr: Any, release: str) -> None:
    """
    "The --release-label you specify must be 4.8.0 or later" (Amazon EMR Management Guide, "Specify a security
    configuration for an Amazon EMR cluster") holds for a ReleaseLabel as for an AmiVersion: an encryption-only
    configuration, deleted since its create task ran, was created again and launched on emr-4.7.2.
    """
    document = json.loads(emr.describe_security_configuration(Name=WITHOUT_MAPPINGS)["SecurityConfiguration"])
    name = security_configuration_name("emrfs-xacct-options", document)
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    emr.delete_security_configuration(Name=name)
    launch = Launch(
        make_operator(
            security_configuration=name,
            security_configuration_document=document,
            job_flow_overrides=overrides(ReleaseLabel=release),
        )
    )

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.ReleaseLabel"
    assert "emr-4.8.0 or later" in caught.value.problem
    assert launch.recorder.calls == ["DescribeSecurityConfiguration"]  # neither created again nor launched
    assert launch.sent == []
    assert name not in [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]]


def test_a_security_configuration_on_4_8_0_is_launched(emr: Any) -> None:
    launch = Launch(
        make_operator(security_configuration=WITHOUT_MAPPINGS, job_flow_overrides=overrides(ReleaseLabel="emr-4.8.0"))
    )

    launch.run()

    (sent,) = launch.sent
    assert (sent["ReleaseLabel"], sent["SecurityConfiguration"]) == ("emr-4.8.0", WITHOUT_MAPPINGS)


def test_an_ami_version_with_nothing_to_configure_is_launched(emr: Any) -> None:
    launch = Launch(make_operator(security_configuration=None, job_flow_overrides=ami_version_overrides()))

    launch.run()

    (sent,) = launch.sent
    assert sent["AmiVersion"] == "3.11.0"
    assert "Configurations" not in sent
    assert "SecurityConfiguration" not in sent


def test_role_mappings_on_5_10_0_are_launched(emr: Any) -> None:
    launch = Launch(make_operator(job_flow_overrides=overrides(ReleaseLabel="emr-5.10.0")))

    cluster_id = launch.run()

    cluster = launched(emr, cluster_id)
    assert cluster["ReleaseLabel"] == "emr-5.10.0"
    assert cluster["SecurityConfiguration"] == WITH_MAPPINGS
    assert "Configurations" not in launch.sent[0]


@pytest.mark.parametrize("security_configuration", [None, WITHOUT_MAPPINGS], ids=["none", "without-mappings"])
def test_5_9_0_without_role_mappings_is_launched(emr: Any, security_configuration: str | None) -> None:
    launch = Launch(
        make_operator(
            security_configuration=security_configuration,
            emrfs_credentials_provider={"jar": JAR, "class_name": CLASS},
            job_flow_overrides=overrides(ReleaseLabel="emr-5.9.0"),
        )
    )

    cluster_id = launch.run()

    cluster = launched(emr, cluster_id)
    assert cluster["ReleaseLabel"] == "emr-5.9.0"
    assert cluster.get("SecurityConfiguration") == security_configuration
    assert cluster["Configurations"] == [
        {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}}
    ]
    assert [action["Name"] for action in bootstrap_actions(emr, cluster_id)] == [CREDENTIALS_PROVIDER_ACTION]


@pytest.mark.parametrize(
    ("release", "keep_emrfs", "configurations", "note"),
    [
        pytest.param("emr-7.9.0", True, None, "emr-7.9.0 uses EMRFS for s3://.", id="7.9.0"),
        pytest.param(
            "emr-7.10.0",
            True,
            [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL, "fs.s3n.impl": EMRFS_IMPL}}],
            "fs.s3.impl and fs.s3n.impl keep EMRFS",
            id="7.10.0",
        ),
        pytest.param(
            "emr-7.11.0",
            True,
            [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL, "fs.s3n.impl": EMRFS_IMPL}}],
            "fs.s3.impl and fs.s3n.impl keep EMRFS",
            id="7.11.0",
        ),
        pytest.param("emr-7.10.0", False, None, "uses S3A for s3://; EMR translates", id="7.10.0-s3a"),
    ],
)
def test_s3_connector_by_release(
    emr: Any,
    capfd: pytest.CaptureFixture[str],
    release: str,
    keep_emrfs: bool,
    configurations: list[dict[str, Any]] | None,
    note: str,
) -> None:
    launch = Launch(make_operator(keep_emrfs=keep_emrfs, job_flow_overrides=overrides(ReleaseLabel=release)))

    cluster_id = launch.run()

    cluster = launched(emr, cluster_id)
    assert cluster["ReleaseLabel"] == release
    assert cluster["SecurityConfiguration"] == WITH_MAPPINGS
    assert launch.sent[0].get("Configurations") == configurations
    assert (cluster.get("Configurations") or None) == configurations  # moto answers [] for none
    assert note in capfd.readouterr().out  # the operator's log (Airflow's structlog writes to stdout)


def test_grant_bucket_access_canned_acl_flows_into_emrfs_site(aws: Seeded) -> None:
    s3 = client(aws.url, DESTINATION_ACCOUNT, "s3")
    s3.put_bucket_ownership_controls(
        Bucket=aws.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    grant = GrantBucketAccessOperator(
        task_id="grant_bucket_access",
        aws_conn_id=DESTINATION_CONN_ID,
        s3_prefixes=[f"s3://{aws.bucket}/exports/"],
        principal_arns=[aws.emr_ec2_role_arn],
        settle_seconds=0,
    )
    ti = RecordingTaskInstance(task_id="grant_bucket_access")
    ownership = grant.execute({"ti": ti, "task_instance": ti})
    assert ownership["emrfs_site_properties"] == {"fs.s3.canned.acl": "BucketOwnerFullControl"}
    launch = Launch(
        make_operator(
            security_configuration=None,
            emrfs_site_properties=ownership["emrfs_site_properties"],
            job_flow_overrides=overrides(Configurations=copy.deepcopy(USER_CONFIGURATIONS)),
        )
    )

    cluster_id = launch.run()

    emr = client(aws.url, EMR_ACCOUNT, "emr")
    configurations = launched(emr, cluster_id)["Configurations"]
    assert configurations == launch.sent[0]["Configurations"]
    assert configurations == [
        USER_CONFIGURATIONS[0],
        {
            "Classification": "emrfs-site",
            "Properties": {"fs.s3.maxRetries": "20", "fs.s3.canned.acl": "BucketOwnerFullControl"},
        },
        USER_CONFIGURATIONS[2],
    ]


def set_emr_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, extra: dict[str, Any]) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "emr", "extra": extra}))


def test_connection_extra_configurations_are_merged_not_dropped(emr: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The overrides carry no Configurations: what the launch adds joins the connection's, it does not replace them."""
    set_emr_connection(
        monkeypatch,
        "emr_with_configurations",
        {
            "ReleaseLabel": "emr-7.10.0",
            "Configurations": [
                {"Classification": "spark-defaults", "Properties": {"spark.dynamicAllocation.enabled": "true"}},
                {"Classification": "core-site", "Properties": {"hadoop.security.groups.cache.secs": "250"}},
            ],
        },
    )
    without = {key: value for key, value in overrides().items() if key != "ReleaseLabel"}
    launch = Launch(
        make_operator(
            emr_conn_id="emr_with_configurations",
            job_flow_overrides=without,
            emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"},
        )
    )

    cluster_id = launch.run()

    expected = [
        {"Classification": "spark-defaults", "Properties": {"spark.dynamicAllocation.enabled": "true"}},
        {
            "Classification": "core-site",
            "Properties": {
                "hadoop.security.groups.cache.secs": "250",
                "fs.s3.impl": EMRFS_IMPL,
                "fs.s3n.impl": EMRFS_IMPL,
            },
        },
        {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}},
    ]
    assert launch.sent[0]["Configurations"] == expected
    cluster = launched(emr, cluster_id)
    assert cluster["ReleaseLabel"] == "emr-7.10.0"  # from the connection
    assert cluster["Configurations"] == expected


def test_release_from_connection_extra_is_checked(emr: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    set_emr_connection(monkeypatch, "emr_old_release", {"ReleaseLabel": "emr-5.9.0"})
    without = {key: value for key, value in overrides().items() if key != "ReleaseLabel"}
    launch = Launch(make_operator(emr_conn_id="emr_old_release", job_flow_overrides=without))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "emr_conn_id 'emr_old_release' extra ReleaseLabel"  # where the value came from
    assert "RunJobFlow" not in launch.recorder.calls
    assert emr.list_clusters()["Clusters"] == []


def test_ami_version_from_connection_extra_is_refused_naming_the_extra(
    emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_emr_connection(monkeypatch, "emr_ami_version", {"AmiVersion": "3.11.0"})
    without = {key: value for key, value in overrides().items() if key != "ReleaseLabel"}
    launch = Launch(make_operator(emr_conn_id="emr_ami_version", job_flow_overrides=without))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "emr_conn_id 'emr_ami_version' extra AmiVersion"  # where the value came from
    assert "RunJobFlow" not in launch.recorder.calls
    assert emr.list_clusters()["Clusters"] == []


def test_null_tags_in_the_connection_extra_are_no_tags(emr: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # ``"Tags": null`` passes the extra's Tags check (null is no tags); adding the idempotency tag then
    # failed with "'NoneType' object is not iterable" instead of launching.
    set_emr_connection(monkeypatch, "emr_null_tags", {"Tags": None})
    without = {key: value for key, value in overrides().items() if key != "Tags"}
    launch = Launch(make_operator(emr_conn_id="emr_null_tags", job_flow_overrides=without))

    cluster_id = launch.run()

    assert [tag["Key"] for tag in launch.sent[0]["Tags"]] == [IDEMPOTENCY_TAG]
    assert [tag["Key"] for tag in launched(emr, cluster_id)["Tags"]] == [IDEMPOTENCY_TAG]


def test_conflicting_user_property_is_refused_before_run_job_flow(emr: Any) -> None:
    configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}}
    ]
    launch = Launch(
        make_operator(job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=configurations))
    )

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.Configurations[0].Properties.fs.s3.impl"
    assert "RunJobFlow" not in launch.recorder.calls
    assert emr.list_clusters()["Clusters"] == []


# Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": core-site
# fs.s3a.emrfs.compatibility.enable=false turns off the translation of fs.s3.authorization.roleMapping to S3A.
TRANSLATION_OFF = [{"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "False"}}]


def test_s3a_without_the_emrfs_translation_is_refused_before_run_job_flow(emr: Any) -> None:
    launch = Launch(
        make_operator(
            keep_emrfs=False, job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=TRANSLATION_OFF)
        )
    )

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.Configurations[0].Properties.fs.s3a.emrfs.compatibility.enable"
    assert launch.recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


def test_without_a_release_the_translation_switched_off_is_refused_as_on_7_10(emr: Any) -> None:
    """
    No ReleaseLabel ("Required: No", Amazon EMR API Reference, "RunJobFlow"): the release may be 7.10.0 or later, where
    S3A serves s3:// without keep_emrfs and the switch keeps the role mappings from it. It was launched.
    """
    without = {key: value for key, value in overrides(Configurations=TRANSLATION_OFF).items() if key != "ReleaseLabel"}
    launch = Launch(make_operator(keep_emrfs=False, job_flow_overrides=without))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == "job_flow_overrides.Configurations[0].Properties.fs.s3a.emrfs.compatibility.enable"
    assert "no ReleaseLabel given" in caught.value.problem
    assert launch.recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


def test_without_a_release_keep_emrfs_writes_emrfs_s_class_beside_the_provider(emr: Any) -> None:
    """
    No ReleaseLabel with keep_emrfs=True: EMRFS's class is written (Amazon EMR Release Guide, "Migration guide: EMRFS
    to S3A filesystem"), so the SDK v1 provider EMRFS loads serves s3:// on whatever release EMR runs. Only the
    emrfs-site provider setting was sent, which S3A ignores from 7.10.0.
    """
    without = {key: value for key, value in overrides().items() if key != "ReleaseLabel"}
    launch = Launch(
        make_operator(
            keep_emrfs=True, emrfs_credentials_provider={"jar": JAR, "class_name": CLASS}, job_flow_overrides=without
        )
    )

    cluster_id = launch.run()

    expected = [
        {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL, "fs.s3n.impl": EMRFS_IMPL}},
        {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}},
    ]
    assert "ReleaseLabel" not in launch.sent[0]
    assert launch.sent[0]["Configurations"] == expected
    assert launched(emr, cluster_id)["Configurations"] == expected


@pytest.mark.parametrize("security_configuration", [WITHOUT_MAPPINGS, None])
def test_the_emrfs_translation_switch_without_role_mappings_is_launched(
    emr: Any, security_configuration: str | None
) -> None:
    launch = Launch(
        make_operator(
            security_configuration=security_configuration,
            keep_emrfs=False,
            job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=TRANSLATION_OFF),
        )
    )

    cluster_id = launch.run()

    assert launched(emr, cluster_id)["Configurations"] == TRANSLATION_OFF


# S3A's per-bucket option is that bucket's filesystem's only (Apache Hadoop, "Working with IAM Assumed Roles": "By
# using per-filesystem configuration, it is possible to use different assumed roles for different buckets"); the
# configuration WITH_MAPPINGS maps s3://partner-results-b/daily/ only, so a bucket of S3A's own assumed role (IAM user
# keys, no role chaining) may ask past an hour, while the mapped bucket's chained session may not (STS API Reference,
# AssumeRole, DurationSeconds).
def test_s3a_session_durations_are_judged_by_the_security_configurations_mapped_buckets(emr: Any) -> None:
    kept = [
        {
            "Classification": "core-site",
            "Properties": {
                "fs.s3a.bucket.raw-logs-a.assumed.role.session.duration": "4h",
                "fs.s3a.assumed.role.session.duration": "2h",
                "fs.s3a.bucket.partner-results-b.assumed.role.session.duration": "1h",
            },
        }
    ]
    launch = Launch(
        make_operator(keep_emrfs=False, job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=kept))
    )
    assert launched(emr, launch.run())["Configurations"] == kept

    mapped = "fs.s3a.bucket.partner-results-b.assumed.role.session.duration"
    refused = [{"Classification": "core-site", "Properties": {mapped: "4h"}}]
    launch = Launch(
        make_operator(keep_emrfs=False, job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=refused))
    )
    with pytest.raises(InvalidParameterError) as caught:
        launch.run()
    assert caught.value.field == f"job_flow_overrides.Configurations[0].Properties.{mapped}"
    assert launch.recorder.mutating == []


def test_keeping_emrfs_with_the_translation_off_warns_for_s3a_uris(emr: Any, capfd: pytest.CaptureFixture[str]) -> None:
    launch = Launch(
        make_operator(job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=TRANSLATION_OFF))
    )

    cluster_id = launch.run()

    properties = launched(emr, cluster_id)["Configurations"][0]["Properties"]
    assert properties == {
        "fs.s3a.emrfs.compatibility.enable": "False",
        "fs.s3.impl": EMRFS_IMPL,
        "fs.s3n.impl": EMRFS_IMPL,
    }
    assert "s3a:// URIs get no role mapping" in capfd.readouterr().out


@pytest.mark.parametrize("emr_conn_id", ["emr_prodution", ""], ids=repr)
def test_an_emr_connection_airflow_does_not_have_is_refused_before_any_call(
    emr: Any, monkeypatch: pytest.MonkeyPatch, emr_conn_id: str
) -> None:
    """
    The Amazon provider would launch with an empty initial configuration ("If this is None or empty or the
    connection does not exist, then an empty initial configuration is used", ``EmrCreateJobFlowOperator``):
    the extra's network, roles and tags silently gone. Refused, naming the field, before any call.
    """
    set_emr_connection(monkeypatch, "emr_production", {"Tags": [{"Key": "team", "Value": "exports"}]})
    launch = Launch(make_operator(emr_conn_id=emr_conn_id))

    with pytest.raises(InvalidParameterError) as refused:
        launch.run()

    assert refused.value.field == "emr_conn_id", refused.value
    assert launch.recorder.calls == [], launch.recorder.calls
    assert launch.sent == []


@pytest.mark.parametrize("emr_conn_id", ["emr_default", None], ids=repr)
def test_the_default_emr_connection_undefined_or_none_launches_from_the_overrides_alone(
    emr: Any, monkeypatch: pytest.MonkeyPatch, emr_conn_id: str | None
) -> None:
    """``emr_default`` undefined keeps the Amazon provider's documented meaning (an empty initial configuration), as ``None``."""
    monkeypatch.delenv("AIRFLOW_CONN_EMR_DEFAULT", raising=False)
    launch = Launch(make_operator(emr_conn_id=emr_conn_id))

    cluster_id = launch.run()

    assert launched(emr, cluster_id)["Name"] == "launch-options"


@pytest.mark.parametrize(
    ("configurations", "emrfs_site_properties", "field"),
    [
        # Spark adds spark.hadoop.* to every Spark job's Hadoop configuration (Spark, "Custom Hadoop/Hive
        # Configuration"): Spark jobs would write through S3A while keep_emrfs promised EMRFS (launched before, the
        # verifier saying "not checked").
        (
            [{"Classification": "spark-defaults", "Properties": {"spark.hadoop.fs.s3.impl": S3A_IMPL}}],
            None,
            "job_flow_overrides.Configurations[0].Properties.spark.hadoop.fs.s3.impl",
        ),
        # The S3 header's spelling, which S3A's AWSCannedACL.valueOf refuses and the verifier calls "not known".
        ([], {"fs.s3.canned.acl": "bucket-owner-full-control"}, "emrfs_site_properties.fs.s3.canned.acl"),
    ],
    ids=["spark-jobs-own-connector", "canned-acl-header-spelling"],
)
def test_settings_the_verifier_could_not_judge_are_refused_before_run_job_flow(
    emr: Any, configurations: list[dict[str, Any]], emrfs_site_properties: dict[str, str] | None, field: str
) -> None:
    launch = Launch(
        make_operator(
            job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=configurations),
            emrfs_site_properties=emrfs_site_properties,
        )
    )

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == field
    assert launch.recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


# The security configuration's role mappings reach EMRFS as fs.s3.authorization.roleMapping, which EMR translates to
# S3A's fs.s3a.authorization.roleMapping "when S3A configurations are undefined while corresponding EMRFS
# configurations are present" (Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem"): a cluster that
# sets either itself writes to the partner by mappings that are not (only) the security configuration's. Launched
# before, the S3A one with the note "so the role mappings apply".
@pytest.mark.parametrize(
    ("release", "keep_emrfs", "configurations", "field"),
    [
        (
            "emr-6.15.0",
            True,
            [{"Classification": "emrfs-site", "Properties": {"fs.s3.authorization.roleMapping": "x"}}],
            "job_flow_overrides.Configurations[0].Properties.fs.s3.authorization.roleMapping",
        ),
        (
            "emr-7.10.0",
            False,
            [{"Classification": "core-site", "Properties": {"fs.s3a.authorization.roleMapping": ""}}],
            "job_flow_overrides.Configurations[0].Properties.fs.s3a.authorization.roleMapping",
        ),
        (
            "emr-7.10.0",
            False,
            [
                {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},
                {
                    "Classification": "spark-defaults",
                    "Properties": {"spark.hadoop.fs.s3a.bucket.partner-results-b.authorization.roleMapping": "x"},
                },
            ],
            "job_flow_overrides.Configurations[1].Properties.spark.hadoop.fs.s3a.bucket.partner-results-b."
            "authorization.roleMapping",
        ),
    ],
    ids=["emrfs-site", "s3a-core-site-empty", "spark-jobs-per-bucket"],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_clusters_own_role_mappings_are_refused_before_any_write(
    emr: Any, release: str, keep_emrfs: bool, configurations: list[dict[str, Any]], field: str, dry_run: bool
) -> None:
    launch = Launch(
        make_operator(
            keep_emrfs=keep_emrfs,
            dry_run=dry_run,
            job_flow_overrides=overrides(ReleaseLabel=release, Configurations=configurations),
        )
    )

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == field
    assert "Remove it" in str(caught.value)
    assert launch.recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


def test_a_role_mapping_of_a_bucket_no_mapping_takes_is_launched(emr: Any) -> None:
    # WITH_MAPPINGS maps s3://partner-results-b/daily/ only: S3A's own mappings of another bucket are no partner write's.
    configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.bucket.raw-logs-a.authorization.roleMapping": "x"}}
    ]
    launch = Launch(
        make_operator(
            keep_emrfs=False, job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=configurations)
        )
    )

    cluster_id = launch.run()

    assert launched(emr, cluster_id)["Configurations"] == configurations


def instance_groups(core_configurations: list[dict[str, Any]]) -> dict[str, Any]:
    """``Instances`` with a primary and a core group, the core group's own ``Configurations`` given."""
    return {
        "InstanceGroups": [
            {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {
                "InstanceRole": "CORE",
                "InstanceType": "m5.xlarge",
                "InstanceCount": 2,
                "Configurations": core_configurations,
            },
        ],
        "KeepJobFlowAliveWhenNoSteps": True,
    }


@pytest.mark.parametrize(
    ("core_configurations", "field"),
    [
        # S3A for s3:// with the translation off: the core nodes' writes would get no role mapping, while the
        # cluster's own configurations (keep_emrfs's EMRFS) pass every check.
        (
            [
                {
                    "Classification": "core-site",
                    "Properties": {"fs.s3.impl": S3A_IMPL, "fs.s3a.emrfs.compatibility.enable": "false"},
                }
            ],
            "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties.fs.s3.impl",
        ),
        # Over the role-chaining cap of one hour, which the cluster-wide emrfs-site refuses.
        (
            [{"Classification": "emrfs-site", "Properties": {"fs.s3.sts.sessionDurationSeconds": "43200"}}],
            "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties.fs.s3.sts.sessionDurationSeconds",
        ),
        (
            [{"Classification": "spark-defaults", "Properties": {"spark.hadoop.fs.s3.canned.acl": "PublicRead"}}],
            "job_flow_overrides.Instances.InstanceGroups[1].Configurations[0].Properties.spark.hadoop.fs.s3.canned.acl",
        ),
    ],
    ids=["s3a-without-mappings", "session-over-the-cap", "spark-canned-acl"],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_an_instance_groups_own_connector_setting_is_refused_before_any_write(
    emr: Any, core_configurations: list[dict[str, Any]], field: str, dry_run: bool
) -> None:
    arguments = overrides(ReleaseLabel="emr-7.10.0", Instances=instance_groups(core_configurations))
    launch = Launch(make_operator(job_flow_overrides=arguments, dry_run=dry_run))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == field
    assert "InstanceGroupConfig" in str(caught.value)
    assert launch.recorder.mutating == []
    assert emr.list_clusters()["Clusters"] == []


def test_an_instance_groups_own_settings_that_agree_with_the_cluster_are_launched_and_listed(emr: Any) -> None:
    core = [
        # What keep_emrfs writes cluster-wide, spelt as Hadoop reads it the same; and a setting no check reads.
        {"Classification": "core-site", "Properties": {"fs.s3.impl": f" {EMRFS_IMPL}\n"}},
        {"Classification": "yarn-site", "Properties": {"yarn.nodemanager.vmem-check-enabled": "false"}},
    ]
    launch = Launch(
        make_operator(job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Instances=instance_groups(core)))
    )

    cluster_id = launch.run()

    listed = {
        group["InstanceGroupType"]: group for group in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
    }
    assert listed["CORE"]["Configurations"] == core
    assert launch.sent[0]["Instances"]["InstanceGroups"][1]["Configurations"] == core


def test_an_instance_groups_own_setting_from_the_connection_extra_is_refused_naming_the_extra(
    emr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = [{"Classification": "core-site", "Properties": {"fs.s3.impl": S3A_IMPL}}]
    set_emr_connection(monkeypatch, "emr_groups", {"Instances": instance_groups(core)})
    arguments = overrides(ReleaseLabel="emr-7.10.0")
    del arguments["Instances"]
    launch = Launch(make_operator(emr_conn_id="emr_groups", job_flow_overrides=arguments))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == (
        "emr_conn_id 'emr_groups' extra Instances.InstanceGroups[1].Configurations[0].Properties.fs.s3.impl"
    )
    assert launch.recorder.mutating == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (
            {"Configurations": [{"Classification": "hive-site", "Properties": {"fs.s3.impl": S3A_IMPL}}]},
            "emr_conn_id 'emr_settings' extra Configurations[0].Properties.fs.s3.impl",
        ),
        (
            {"Configurations": [{"Classification": "core-site", "Properties": {"fs.s3.impl ": S3A_IMPL}}]},
            "emr_conn_id 'emr_settings' extra Configurations[0].Properties.fs.s3.impl ",
        ),
        ({"Steps": "spark-submit job.py"}, "emr_conn_id 'emr_settings' extra Steps"),
        ({"BootstrapActions": ["install.sh"]}, "emr_conn_id 'emr_settings' extra BootstrapActions"),
        # What botocore's model refuses (RunJobFlow's StepConfig: Name is a required string), named there too.
        ({"Steps": [{"Name": 1, "HadoopJarStep": {"Jar": "j.jar"}}]}, "emr_conn_id 'emr_settings' extra Steps[0].Name"),
        ({"Steps": [{"HadoopJarStep": {"Jar": "j.jar"}}]}, "emr_conn_id 'emr_settings' extra Steps[0].Name"),
        ({"LogUri": 7}, "emr_conn_id 'emr_settings' extra LogUri"),
    ],
    ids=["other-classification", "padded-name", "steps", "bootstrap-actions", "step-name", "step-no-name", "log-uri"],
)
def test_a_cluster_setting_from_the_connection_extra_is_refused_naming_the_extra(
    emr: Any, monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any], field: str
) -> None:
    """The overrides leave Configurations to the connection's extra: the refusal named job_flow_overrides, which the
    DAG author did not write it in."""
    set_emr_connection(monkeypatch, "emr_settings", extra)
    arguments = overrides(ReleaseLabel="emr-7.10.0")
    arguments.pop("Configurations", None)
    launch = Launch(make_operator(emr_conn_id="emr_settings", job_flow_overrides=arguments))

    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == field
    assert launch.recorder.mutating == []
