"""
``core-site`` ``fs.s3.impl`` on a release before 7.10.0: the launch, the verifier and the stand-in read it alike.

A configuration classification overrides the application's defaults ("To override the default configuration for an
application, you specify custom values in a configuration classification. A configuration classification corresponds
to a configuration XML file for an application": Amazon EMR Release Guide, "Configure applications when you create a
cluster"), and Hadoop loads the class ``fs.s3.impl`` names for ``s3://`` (``FileSystem.getFileSystemClass``:
``conf.getClass("fs." + scheme + ".impl", null)``), on any release. Before 7.10.0 AWS documents EMRFS serving
``s3://`` and EMR's translation of the role mappings to S3A only from 7.10.0 (Amazon EMR Release Guide, "Migration
guide: EMRFS to S3A filesystem"): with S3A's class, or another, there, whether the security configuration's role
mappings reach the writes is not documented. All three took EMRFS (the mappings) whatever ``fs.s3.impl`` said.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, S3A_IMPL, plan_launch
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.aws_cluster_settings import MAPPINGS, credentials_of
from devstack.aws_cluster_settings import UNKNOWN as STAND_IN_UNKNOWN
from tests.unit.test_chain import CONNECTOR, by_name, healthy_state

OTHER = "com.example.fs.WrappedEmrFileSystem"
MAPPED = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": []}}}


def _overrides(release: str | None, impl: str) -> dict:
    overrides: dict = {
        "Name": "c",
        "Instances": {"KeepJobFlowAliveWhenNoSteps": True},
        "Configurations": [{"Classification": "core-site", "Properties": {"fs.s3.impl": impl}}],
    }
    if release is not None:
        overrides["ReleaseLabel"] = release
    return overrides


@pytest.mark.parametrize("keep_emrfs", [True, False])
@pytest.mark.parametrize("impl", [S3A_IMPL, OTHER])
@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.9.0"])
def test_the_launch_refuses_fs_s3_impl_not_emrfs_before_7_10(release: str, impl: str, keep_emrfs: bool) -> None:
    # Was launched with "uses EMRFS for s3://" (keep_emrfs=False, or S3A's class with keep_emrfs=True).
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(_overrides(release, impl), uses_role_mappings=True, keep_emrfs=keep_emrfs)
    assert raised.value.field == "job_flow_overrides.Configurations[0].Properties.fs.s3.impl"
    assert EMRFS_IMPL in str(raised.value)
    # Why, by the class: S3A's, whose role mappings AWS documents from 7.10.0 only; another, which AWS relates to neither.
    if impl == S3A_IMPL:
        assert f"has Hadoop serve s3:// with S3A on {release}, before emr-7.10.0" in str(raised.value)
    else:
        assert "names a class that is neither EMRFS's" in str(raised.value)


def test_keep_emrfs_without_a_release_refuses_s3a_s_class() -> None:
    # Without ReleaseLabel keep_emrfs writes EMRFS's class as on any release: S3A's own class conflicts with it.
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(_overrides(None, S3A_IMPL), uses_role_mappings=True, keep_emrfs=True)
    assert raised.value.field == "job_flow_overrides.Configurations[0].Properties.fs.s3.impl"
    # Named as S3A's class (it said "a class that is neither EMRFS's nor S3A's" of S3A's own class).
    assert "is S3A's class" in str(raised.value)
    assert "neither EMRFS's nor S3A's" not in str(raised.value)


def test_without_keep_emrfs_or_a_release_s3a_s_class_is_launched_as_given() -> None:
    # As with fs.s3.impl unset, the release the EMR connection gives decides the connector (the launch's note says
    # so, the verifier reads it): S3A's class from 7.10.0 is S3A, as unset is. No test said so (auto_mutants: refusing it passed).
    plan = plan_launch(_overrides(None, S3A_IMPL), uses_role_mappings=True, keep_emrfs=False)
    assert plan.overrides["Configurations"] == _overrides(None, S3A_IMPL)["Configurations"]
    assert any("is not known to the launch's checks" in note for note in plan.notes)


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.9.0"])
def test_emrfs_s_own_class_before_7_10_is_launched_as_given(release: str) -> None:
    plan = plan_launch(_overrides(release, f" {EMRFS_IMPL}\n"), uses_role_mappings=True, keep_emrfs=False)
    assert plan.overrides["Configurations"] == _overrides(release, f" {EMRFS_IMPL}\n")["Configurations"]


@pytest.mark.parametrize("impl", [S3A_IMPL, OTHER])
@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.9.0"])
def test_the_verifier_leaves_the_connector_not_known_before_7_10(release: str, impl: str) -> None:
    # Was no connector link at all before 7.10.0, and the chain judged EMRFS's role mappings: a PASS.
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = [{"Classification": "core-site", "Properties": {"fs.s3.impl": impl}}]

    report = check_chain(state)

    connector = by_name(report)[CONNECTOR]
    assert connector.status == UNKNOWN, connector
    assert f"fs.s3.impl={impl!r}" in connector.detail
    assert EMRFS_IMPL in (connector.fix or "")
    assert report.verdict == VERDICT_NOT_CHECKED


@pytest.mark.parametrize("impl", [EMRFS_IMPL, None])
def test_the_verifier_keeps_emrfs_before_7_10_when_fs_s3_impl_is_emrfs_s_or_unset(impl: str | None) -> None:
    state = healthy_state()
    state.release_label = "emr-7.9.0"
    properties = {"fs.s3.impl": impl} if impl else {"fs.defaultFS": "hdfs:///"}
    state.cluster_configurations = [{"Classification": "core-site", "Properties": properties}]

    report = check_chain(state)

    assert CONNECTOR not in by_name(report)
    assert report.healthy


@pytest.mark.parametrize("impl", [S3A_IMPL, OTHER])
@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.9.0"])
def test_the_stand_in_does_not_count_the_writes_before_7_10(release: str, impl: str) -> None:
    # Was MAPPINGS: the writer routed EMRFS's role mappings whatever class served s3://.
    credentials = credentials_of(release, [{"Classification": "core-site", "Properties": {"fs.s3.impl": impl}}], MAPPED)
    assert credentials.kind == STAND_IN_UNKNOWN
    assert impl in credentials.reason
    kept = [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}]
    assert credentials_of(release, kept, MAPPED).kind == MAPPINGS


@pytest.mark.parametrize("name", ["fs.s3.impl", "fs.s3n.impl"])
def test_keep_emrfs_takes_emrfs_s_class_as_hadoop_reads_it_on_7_10(name: str) -> None:
    # Hadoop trims the value (Configuration.getClass: getTrimmed), and the verifier passes " EmrFileSystem\n" as
    # keeping EMRFS (tests/unit/test_chain.py); keep_emrfs=True (the default) refused it as a conflict with the value
    # it writes (failed before). Kept as written, the other property added.
    padded = f" {EMRFS_IMPL}\n"
    configurations = [{"Classification": "core-site", "Properties": {name: padded}}]
    overrides = {**_overrides("emr-7.10.0", EMRFS_IMPL), "Configurations": configurations}
    plan = plan_launch(overrides, uses_role_mappings=True, keep_emrfs=True)
    (core,) = [c for c in plan.overrides["Configurations"] if c["Classification"] == "core-site"]
    assert core["Properties"] == {"fs.s3.impl": EMRFS_IMPL, "fs.s3n.impl": EMRFS_IMPL, name: padded}
