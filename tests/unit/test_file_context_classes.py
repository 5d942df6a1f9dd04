"""
FileContext classes of ``s3://``/``s3n://`` and ``Configurations`` nested under a site file: the launch and the verifier.

Hadoop's FileContext API (``AbstractFileSystem.createFileSystem``) takes the class for a scheme from
``fs.AbstractFileSystem.<scheme>.impl``, not ``fs.<scheme>.impl`` (Apache Hadoop, ``core-default.xml``:
``fs.AbstractFileSystem.s3a.impl``, "The implementation class of the S3A AbstractFileSystem"); Spark's streaming
checkpoints and YARN's log aggregation write through it. AWS's "Migration guide: EMRFS to S3A filesystem" (Amazon EMR
Release Guide) names only ``fs.s3.impl``/``fs.s3n.impl`` for keeping EMRFS: which FileContext class keeps EMRFS's role
mappings is not documented. The launch accepted ``fs.AbstractFileSystem.s3.impl`` (while refusing the same class
through ``fs.s3.impl``), and the verifier judged the cluster as EMRFS's.

Amazon EMR API Reference, "Configuration": ``Configurations`` is "A list of additional configurations to apply within
a configuration object"; what EMR does with a site file nested under another is not documented, and the launch's and
the verifier's checks read top-level classifications only (a nested role mapping setting was launched unrefused).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import s3_connector_of
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.checks.instance_settings import INSTANCE_LINK
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import FILE_CONTEXT_LINK, NESTED_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_IMPL,
    S3A_IMPL,
    CredentialsProvider,
    instance_overrides,
    plan_launch,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.network import NOT_CHECKED, cluster_sts_check
from tests.unit.test_chain import CONNECTOR, by_name, healthy_state

S3A_FILE_CONTEXT = "org.apache.hadoop.fs.s3a.S3A"
#: EMRFS's FileContext class: Amazon EMR on EKS Development Guide, "Getting started with the Spark operator for Amazon
#: EMR on EKS", "Use Amazon S3 for storage" ("# EMRFS filesystem": beside fs.s3.impl EmrFileSystem).
EMRFS_FILE_CONTEXT = "org.apache.hadoop.fs.s3.EMRFSDelegate"
CUSTOM = "com.example.fs.WrappedS3Fs"
FIELD = "job_flow_overrides.Configurations"


def _overrides(release: str, *configurations: dict[str, Any], instances: dict | None = None) -> dict:
    return {
        "Name": "c",
        "ReleaseLabel": release,
        "Instances": {"KeepJobFlowAliveWhenNoSteps": True, **(instances or {})},
        "Configurations": list(configurations),
    }


def _site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


def test_6_15_0_without_keep_emrfs_refuses_s3a_s_file_context_class() -> None:
    # Was launched: FileContext writes to s3:// went through S3A on 6.15.0, with no role mappings before 7.10.0.
    overrides = _overrides("emr-6.15.0", _site("core-site", **{"fs.AbstractFileSystem.s3.impl": S3A_FILE_CONTEXT}))
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True, keep_emrfs=False)
    assert raised.value.field == f"{FIELD}[0].Properties.fs.AbstractFileSystem.s3.impl"
    assert "FileContext" in str(raised.value)


@pytest.mark.parametrize("name", ["fs.AbstractFileSystem.s3.impl", "fs.AbstractFileSystem.s3n.impl"])
def test_7_10_0_keep_emrfs_refuses_a_custom_file_context_class(name: str) -> None:
    # Was launched with the note that fs.s3.impl keeps EMRFS, while FileContext writes went by the custom class.
    overrides = _overrides("emr-7.10.0", _site("core-site", **{name: CUSTOM}))
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True, keep_emrfs=True)
    assert raised.value.field == f"{FIELD}[0].Properties.{name}"
    assert CUSTOM in str(raised.value)


@pytest.mark.parametrize(
    ("classification", "key"),
    [
        ("spark-defaults", "spark.hadoop.fs.AbstractFileSystem.s3.impl"),
        ("hive-site", "fs.AbstractFileSystem.s3.impl"),
        ("emrfs-site", "fs.AbstractFileSystem.s3n.impl"),
        ("core-site", "EMR.secret@fs.AbstractFileSystem.s3.impl"),
    ],
)
def test_the_other_spellings_are_refused(classification: str, key: str) -> None:
    overrides = _overrides("emr-7.10.0", _site(classification, **{key: CUSTOM}))
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True, keep_emrfs=True)
    assert raised.value.field == f"{FIELD}[0].Properties.{key}"


def test_an_instance_group_s_own_file_context_class_is_refused() -> None:
    group = {
        "InstanceRole": "CORE",
        "Configurations": [_site("core-site", **{"fs.AbstractFileSystem.s3.impl": CUSTOM})],
    }
    overrides = _overrides("emr-7.10.0", instances={"InstanceGroups": [group]})
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True, keep_emrfs=True)
    assert raised.value.field == (
        "job_flow_overrides.Instances.InstanceGroups[0].Configurations[0].Properties.fs.AbstractFileSystem.s3.impl"
    )


def test_without_role_mappings_or_keep_emrfs_a_file_context_class_is_launched() -> None:
    overrides = _overrides("emr-7.10.0", _site("core-site", **{"fs.AbstractFileSystem.s3.impl": CUSTOM}))
    plan = plan_launch(overrides, uses_role_mappings=False, keep_emrfs=False)
    assert plan.overrides["Configurations"] == overrides["Configurations"]


def test_s3a_s_own_file_context_class_stays_allowed() -> None:
    # s3a:// is S3A's whatever is kept for s3://, as fs.s3a.impl is: not refused.
    overrides = _overrides("emr-7.10.0", _site("core-site", **{"fs.AbstractFileSystem.s3a.impl": S3A_FILE_CONTEXT}))
    plan_launch(overrides, uses_role_mappings=True, keep_emrfs=True)


def test_emrfs_site_nested_under_core_site_is_refused() -> None:
    # Was launched: the nested role mapping setting was never read, while at top level it is refused.
    nested = {
        "Classification": "core-site",
        "Properties": {},
        "Configurations": [_site("emrfs-site", **{"fs.s3.authorization.roleMapping": "x"})],
    }
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(_overrides("emr-6.15.0", nested), uses_role_mappings=True)
    assert raised.value.field == f"{FIELD}[0].Configurations"


def test_configurations_nested_in_an_instance_group_s_site_file_are_refused() -> None:
    nested = {"Classification": "core-site", "Configurations": [_site("emrfs-site", **{"fs.s3.canned.acl": "Private"})]}
    overrides = _overrides("emr-6.15.0", instances={"InstanceGroups": [{"Configurations": [nested]}]})
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True)
    assert raised.value.field == "job_flow_overrides.Instances.InstanceGroups[0].Configurations[0].Configurations"


def test_an_env_classification_keeps_its_export() -> None:
    env = {"Classification": "hadoop-env", "Configurations": [_site("export", JAVA_HOME="/usr/lib/jvm/java")]}
    plan = plan_launch(_overrides("emr-6.15.0", env), uses_role_mappings=True)
    assert plan.overrides["Configurations"] == [env]


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
@pytest.mark.parametrize(
    "site",
    [
        _site("core-site", **{"fs.s3.impl": EMRFS_IMPL, "fs.AbstractFileSystem.s3.impl": S3A_FILE_CONTEXT}),
        _site("spark-defaults", **{"spark.hadoop.fs.AbstractFileSystem.s3n.impl": CUSTOM}),
    ],
)
def test_the_verifier_leaves_the_file_context_writes_not_checked(release: str, site: dict[str, Any]) -> None:
    # Was a PASS: the connector judged EMRFS's from fs.s3.impl alone. What fs.s3.impl serves stays judged.
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [site]

    report = check_chain(state)

    links = by_name(report)
    assert links[FILE_CONTEXT_LINK].status == UNKNOWN, links[FILE_CONTEXT_LINK]
    assert "fs.AbstractFileSystem.s3" in links[FILE_CONTEXT_LINK].detail
    assert CONNECTOR not in links or "fs.AbstractFileSystem" not in links[CONNECTOR].detail
    assert report.verdict == VERDICT_NOT_CHECKED


def test_the_sts_route_is_judged_for_fs_s3_impl_s_connector_beside_a_file_context_class() -> None:
    # The FileContext writes have their own link; which connector fs.s3.impl gives, and so which STS endpoint it
    # calls, a FileContext class does not change.
    configurations = [_site("core-site", **{"fs.s3.impl": EMRFS_IMPL, "fs.AbstractFileSystem.s3.impl": CUSTOM})]
    reachability = cluster_sts_check("emr-7.10.0", None, configurations)
    assert "fs.AbstractFileSystem" not in reachability.detail, reachability
    unknown = cluster_sts_check("emr-7.10.0", None, [_site("core-site", **{"fs.s3.impl": CUSTOM})])
    assert unknown.status == NOT_CHECKED
    assert "fs.s3.impl" in unknown.detail


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
def test_the_sts_route_takes_emrfs_s_own_file_context_class_where_emrfs_serves_s3(release: str) -> None:
    # Before 7.10.0 EMRFS serves s3:// with fs.s3.impl unset; from 7.10.0 only where fs.s3.impl names it: its
    # FileContext class is then no doubt on the route, whatever the release.
    impl = {} if release == "emr-6.15.0" else {"fs.s3.impl": EMRFS_IMPL}
    configurations = [_site("core-site", **impl, **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT})]
    reachability = cluster_sts_check(release, None, configurations)
    assert "fs.AbstractFileSystem" not in reachability.detail, reachability


def test_the_verifier_leaves_nested_configurations_not_checked() -> None:
    state = healthy_state()
    state.cluster_configurations = [
        {"Classification": "core-site", "Configurations": [_site("emrfs-site", **{"fs.s3.canned.acl": "Private"})]}
    ]

    report = check_chain(state)

    nested = by_name(report)[NESTED_LINK]
    assert nested.status == UNKNOWN
    assert "core-site" in nested.detail
    assert report.verdict == VERDICT_NOT_CHECKED


# The FileContext class serves FileContext writes only: what fs.s3.impl serves stays what every other check judges.


def _provider(interface: str | None) -> CredentialsProvider:
    return CredentialsProvider("s3://jars/p.jar", "com.example.Provider", interface)


def test_emrfs_s_file_context_class_leaves_6_15_0_emrfs_s_for_the_credentials_provider() -> None:
    # Was accepted: any FileContext class made the connector unknown, so an SDK v2 provider went unjudged on EMRFS.
    overrides = _overrides("emr-6.15.0", _site("core-site", **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT}))
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=False, keep_emrfs=False, credentials_provider=_provider("sdk_v2"))
    assert raised.value.field == "emrfs_credentials_provider.interface"
    assert "EMRFS" in str(raised.value)


def test_with_a_file_context_class_the_interface_is_still_inferred() -> None:
    # Was refused as "must be given when ReleaseLabel is not", though ReleaseLabel was given.
    overrides = _overrides("emr-6.15.0", _site("core-site", **{"fs.AbstractFileSystem.s3.impl": CUSTOM}))
    plan = plan_launch(overrides, uses_role_mappings=False, keep_emrfs=False, credentials_provider=_provider(None))
    assert any("EMRFS loads credentials provider" in note for note in plan.notes), plan.notes


def test_a_file_context_class_does_not_make_6_15_0_s3a_s_for_the_acl_check() -> None:
    # Was refused with "S3A serves s3:// on this cluster": EMRFS serves it on 6.15.0.
    overrides = _overrides(
        "emr-6.15.0",
        _site("emrfs-site", **{"fs.s3.canned.acl": "AwsExecRead"}),
        _site("core-site", **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT}),
    )
    plan_launch(overrides, uses_role_mappings=False, keep_emrfs=False)


@pytest.mark.parametrize("name", ["fs.AbstractFileSystem.s3.impl", "fs.AbstractFileSystem.s3n.impl"])
@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
def test_emrfs_s_file_context_class_is_launched_where_emrfs_is_kept(release: str, name: str) -> None:
    # Was refused whatever its value: AWS documents it as EMRFS's FileContext class.
    overrides = _overrides(release, _site("core-site", **{name: EMRFS_FILE_CONTEXT}))
    plan_launch(overrides, uses_role_mappings=True, keep_emrfs=True)


def test_emrfs_s_file_context_class_is_launched_where_the_release_serves_emrfs() -> None:
    overrides = _overrides("emr-6.15.0", _site("core-site", **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT}))
    plan_launch(overrides, uses_role_mappings=True, keep_emrfs=False)


def test_s3a_s_file_context_class_is_launched_beside_s3a_s_fs_s3_impl() -> None:
    # Amazon EMR Management Guide, "Upload data to Amazon S3 Express One Zone", pairs the two classes.
    site = _site("core-site", **{"fs.s3.impl": S3A_IMPL, "fs.AbstractFileSystem.s3.impl": S3A_FILE_CONTEXT})
    plan_launch(_overrides("emr-7.10.0", site), uses_role_mappings=True, keep_emrfs=False)


@pytest.mark.parametrize(
    ("release", "keep_emrfs", "value"),
    [
        ("emr-7.10.0", False, EMRFS_FILE_CONTEXT),  # S3A serves s3:// there
        ("emr-7.10.0", True, S3A_FILE_CONTEXT),  # EMRFS is kept
        ("emr-6.15.0", False, S3A_FILE_CONTEXT),  # EMRFS serves s3:// before 7.10.0
    ],
)
def test_the_other_connector_s_file_context_class_is_refused(release: str, keep_emrfs: bool, value: str) -> None:
    overrides = _overrides(release, _site("core-site", **{"fs.AbstractFileSystem.s3.impl": value}))
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True, keep_emrfs=keep_emrfs)
    assert raised.value.field == f"{FIELD}[0].Properties.fs.AbstractFileSystem.s3.impl"


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
def test_the_verifier_passes_emrfs_s_file_context_class_beside_emrfs(release: str) -> None:
    # Was "not checked" for the connector: what fs.s3.impl serves was made unknown by any FileContext class.
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [
        _site("core-site", **{"fs.s3.impl": EMRFS_IMPL, "fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT})
    ]

    report = check_chain(state)

    assert s3_connector_of(state) == "EMRFS"
    assert FILE_CONTEXT_LINK not in by_name(report)
    assert report.verdict == check_chain(healthy_state()).verdict


def test_a_file_context_class_leaves_what_fs_s3_impl_serves_to_the_other_links() -> None:
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    state.cluster_configurations = [_site("core-site", **{"fs.AbstractFileSystem.s3.impl": CUSTOM})]

    assert s3_connector_of(state) == "EMRFS"
    assert by_name(check_chain(state))[FILE_CONTEXT_LINK].status == UNKNOWN


# An instance group's own Configurations: the verifier read their top-level properties only.


def test_the_verifier_leaves_an_instance_group_s_nested_configurations_not_checked() -> None:
    # Was a PASS, while the launch refuses them (_refuse_instance_overrides).
    state = healthy_state()
    nested = _site("emrfs-site", **{"fs.s3.authorization.roleMapping": "..."})
    own = [{"Classification": "core-site", "Properties": {}, "Configurations": [nested]}]
    state.instance_configurations = [("instance group core (ig-1, CORE)", own)]

    report = check_chain(state)

    link = by_name(report)[NESTED_LINK]
    assert link.status == UNKNOWN
    assert "instance group core (ig-1, CORE)" in link.detail
    assert "core-site (Configurations[0])" in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED


def test_an_instance_group_s_file_context_class_is_not_checked() -> None:
    state = healthy_state()
    own = [_site("core-site", **{"fs.AbstractFileSystem.s3.impl": CUSTOM})]
    state.instance_configurations = [("instance group core (ig-1, CORE)", own)]

    report = check_chain(state)

    link = by_name(report)[INSTANCE_LINK]
    assert link.status == UNKNOWN
    assert "fs.AbstractFileSystem.s3.impl" in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED


# An instance group's own FileContext class where the cluster sets none: refused and "not checked", while the same value
# cluster-wide is accepted. EMRFSDelegate is EMRFS's FileContext class, "included by default" from 7.2.0 (Amazon EMR on
# EKS Development Guide, "Use Amazon S3 for storage"): a group's copy of the connector's own class changes nothing.

_GROUP = {"Name": "core", "InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1}


def _group_with(*own: dict[str, Any]) -> dict[str, Any]:
    return {"InstanceGroups": [{**_GROUP, "Configurations": list(own)}]}


@pytest.mark.parametrize(
    ("release", "keep_emrfs", "own"),
    [
        ("emr-6.15.0", False, _site("core-site", **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT})),
        ("emr-6.15.0", False, _site("core-site", **{"fs.AbstractFileSystem.s3n.impl": EMRFS_FILE_CONTEXT})),
        (
            "emr-6.15.0",
            False,
            _site("spark-defaults", **{"spark.hadoop.fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT}),
        ),
        ("emr-7.10.0", True, _site("core-site", **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT})),
        ("emr-7.10.0", False, _site("core-site", **{"fs.AbstractFileSystem.s3.impl": S3A_FILE_CONTEXT})),
    ],
)
def test_an_instance_group_s_own_connector_file_context_class_is_launched(
    release: str, keep_emrfs: bool, own: dict[str, Any]
) -> None:
    # Was refused: "where the cluster's core-site does not set it".
    overrides = _overrides(release, instances=_group_with(own))
    plan = plan_launch(overrides, uses_role_mappings=True, keep_emrfs=keep_emrfs)
    assert plan.overrides["Instances"]["InstanceGroups"][0]["Configurations"] == [own]


@pytest.mark.parametrize(
    ("release", "keep_emrfs", "value"),
    [
        ("emr-6.15.0", False, S3A_FILE_CONTEXT),  # the other connector's class
        ("emr-7.10.0", False, EMRFS_FILE_CONTEXT),  # S3A serves s3:// there
        ("emr-6.15.0", False, CUSTOM),
    ],
)
def test_an_instance_group_s_other_file_context_class_is_still_refused(
    release: str, keep_emrfs: bool, value: str
) -> None:
    own = _site("core-site", **{"fs.AbstractFileSystem.s3.impl": value})
    overrides = _overrides(release, instances=_group_with(own))
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True, keep_emrfs=keep_emrfs)
    assert raised.value.field.endswith("InstanceGroups[0].Configurations[0].Properties.fs.AbstractFileSystem.s3.impl")


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.2.0"])
def test_the_verifier_passes_an_instance_group_s_emrfs_file_context_class(release: str) -> None:
    # Was NOT_CHECKED on "instance groups' connector settings", while the same value cluster-wide passes.
    state = healthy_state()
    state.release_label = release
    own = [_site("core-site", **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT})]
    state.instance_configurations = [("instance group core (ig-1, CORE)", own)]

    report = check_chain(state)

    assert INSTANCE_LINK not in by_name(report)
    assert report.verdict == check_chain(healthy_state()).verdict


def test_the_verifier_leaves_an_instance_group_s_s3a_file_context_class_beside_emrfs_not_checked() -> None:
    state = healthy_state()
    state.release_label = "emr-6.15.0"
    own = [_site("core-site", **{"fs.AbstractFileSystem.s3.impl": S3A_FILE_CONTEXT})]
    state.instance_configurations = [("instance group core (ig-1, CORE)", own)]

    assert by_name(check_chain(state))[INSTANCE_LINK].status == UNKNOWN


def test_a_group_s_connector_file_context_class_is_compared_with_the_cluster_s_own_setting() -> None:
    # The cluster sets another class (here in hdfs-site): the group's EMRFSDelegate is another value there.
    cluster = [_site("hdfs-site", **{"fs.AbstractFileSystem.s3.impl": CUSTOM})]
    own = [_site("core-site", **{"fs.AbstractFileSystem.s3.impl": EMRFS_FILE_CONTEXT})]

    found = [(c, n, v, theirs) for _, c, n, v, theirs in instance_overrides(cluster, own, (6, 15, 0))]

    assert found == [("core-site", "fs.AbstractFileSystem.s3.impl", EMRFS_FILE_CONTEXT, None)]
    assert list(instance_overrides([], own, (6, 15, 0))) == []
    assert len(list(instance_overrides([], own))) == 1  # the release not known: which connector serves s3:// is not
