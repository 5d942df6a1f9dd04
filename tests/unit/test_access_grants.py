"""
S3 Access Grants in the cluster's settings (Amazon EMR Management Guide, "Using Amazon S3 Access Grants with Amazon
EMR"): from 6.15.0, ``emrfs-site`` ``fs.s3.s3AccessGrants.enabled=true`` makes EMR get a Spark job's S3 credentials
from Access Grants; with ``fs.s3.s3AccessGrants.fallbackToIAM=false`` an IAM role is used only for actions Access
Grants does not support. Its writes then never go as a mapped role: FAIL, refused at launch. With the fallback on or
unset, or on S3A, what the write gets is not documented: not checked. The live probe (a ``hadoop fs`` step, not
Spark) is not run.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.findings import BYPASS_LINK, FAIL, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.state import ClusterState
from airflow_provider_emrfs_xacct.pure.cluster_config import EMRFS_IMPL, plan_launch
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.unit.test_chain import CONFIGURATION, EMR_ROLE, healthy_state
from tests.unit.test_cluster_config import overrides

ENABLED = "fs.s3.s3AccessGrants.enabled"
FALLBACK = "fs.s3.s3AccessGrants.fallbackToIAM"


def grants_links(release: str, *configurations: dict[str, object]) -> list[tuple[str, str]]:
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    return [(link.status, link.detail) for link in check_chain(state).links if link.link == BYPASS_LINK]


def emrfs_site(**properties: str) -> dict[str, object]:
    return {"Classification": "emrfs-site", "Properties": properties}


def test_access_grants_without_fallback_fail_the_route() -> None:
    [(status, detail)] = grants_links("emr-6.15.0", emrfs_site(**{ENABLED: " TRUE ", FALLBACK: "false"}))

    assert status == FAIL
    assert "S3 Access Grants" in detail
    assert FALLBACK in detail


@pytest.mark.parametrize("fallback", [{FALLBACK: "true"}, {}])
def test_access_grants_with_fallback_on_or_unset_are_not_checked(fallback: dict[str, str]) -> None:
    [(status, detail)] = grants_links("emr-7.1.0", emrfs_site(**{ENABLED: "true", **fallback}))

    assert status == UNKNOWN
    assert "not a mapped role" in detail


def test_access_grants_off_or_before_6_15_change_nothing() -> None:
    assert grants_links("emr-6.15.0", emrfs_site(**{ENABLED: "false", FALLBACK: "false"})) == []
    assert grants_links("emr-6.14.0", emrfs_site(**{ENABLED: "true", FALLBACK: "false"})) == []
    # The last value of a setting wins, as EMR merges the configurations.
    later_off = [emrfs_site(**{ENABLED: "true", FALLBACK: "false"}), emrfs_site(**{ENABLED: "false"})]
    assert grants_links("emr-6.15.0", *later_off) == []


def test_on_s3a_the_core_site_setting_is_read_and_not_checked() -> None:
    # 7.10.0 on, s3:// is S3A unless kept on EMRFS: "S3 access through the open-source S3A protocol" is listed as not
    # supported with Access Grants, while the S3A migration guide maps the setting to core-site.
    core = {"Classification": "core-site", "Properties": {"fs.s3a.access.grants.enabled": "true"}}
    [(status, _)] = grants_links("emr-7.10.0", core)
    assert status == UNKNOWN
    kept = {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}
    assert grants_links("emr-7.10.0", core, kept) == []  # EMRFS serves s3://; core-site's is for s3a://


def test_with_fs_s3_impl_no_class_hadoop_loads_the_connector_is_not_known() -> None:
    # Hadoop's Configuration.getClass trims fs.s3.impl with Java's String.trim, which keeps a no-break space: no class
    # loads, so whether EMRFS (Access Grants documented to replace the mappings: a FAIL) or S3A (not supported with
    # Access Grants) serves s3:// is not known. Python's strip read EMRFS kept: a FAIL on a guess.
    padded = {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL + "\u00a0"}}
    [(status, detail)] = grants_links("emr-7.10.0", emrfs_site(**{ENABLED: "true", FALLBACK: "false"}), padded)
    assert status == UNKNOWN
    assert "fs.s3.impl" in detail


def test_the_probe_is_not_run_with_access_grants_on() -> None:
    state = healthy_state()
    state.cluster = ClusterState("j-1", CONFIGURATION, "EMR_EC2_DefaultRole", EMR_ROLE.rsplit("/", 1)[1])
    state.cluster_configurations = [emrfs_site(**{ENABLED: "true", FALLBACK: "true"})]

    assert "S3 Access Grants" in probe_blocker(state)


def test_the_launch_refuses_access_grants_without_fallback() -> None:
    with pytest.raises(InvalidParameterError, match=f"emrfs_site_properties.{ENABLED}"):
        plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={ENABLED: "true", FALLBACK: "false"})
    given = overrides("emr-7.1.0", Configurations=[emrfs_site(**{ENABLED: "true", FALLBACK: "False"})])
    with pytest.raises(InvalidParameterError, match="S3 Access Grants"):
        plan_launch(given)

    # Documented only as a fallback to an IAM role: kept (the verifier says it is not checked).
    plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={ENABLED: "true", FALLBACK: "true"})
    # Without role mappings (option (b), a credentials provider) the setting is the user's own.
    plan_launch(
        overrides("emr-6.15.0"), uses_role_mappings=False, emrfs_site_properties={ENABLED: "true", FALLBACK: "false"}
    )


def test_spark_defaults_access_grants_are_not_checked() -> None:
    # spark.hadoop.* reaches a Spark job's Hadoop configuration; how it combines with emrfs-site is not documented.
    spark = {"Classification": "spark-defaults", "Properties": {f"spark.hadoop.{ENABLED}": "true"}}
    [(status, _)] = grants_links("emr-6.15.0", spark)
    assert status == UNKNOWN

    fallback_on = {"Classification": "spark-defaults", "Properties": {f"spark.hadoop.{FALLBACK}": "true"}}
    [(status, detail)] = grants_links("emr-6.15.0", emrfs_site(**{ENABLED: "true", FALLBACK: "false"}), fallback_on)
    assert status == UNKNOWN  # not FAIL: the Spark job may get the fallback
    assert "spark-defaults" in detail


def test_on_s3a_access_grants_without_fallback_are_not_checked_not_failed() -> None:
    # Where S3A serves s3:// (7.10.0 on, EMRFS not kept), the Management Guide lists "S3 access through the
    # open-source S3A protocol" as not supported with Access Grants: what the setting does there is not documented.
    [(status, detail)] = grants_links("emr-7.10.0", emrfs_site(**{ENABLED: "true", FALLBACK: "false"}))

    assert status == UNKNOWN
    assert "S3A" in detail


SPARK_ENABLED = {"Classification": "spark-defaults", "Properties": {f"spark.hadoop.{ENABLED}": "true"}}


@pytest.mark.parametrize(
    ("release", "configurations", "why"),
    [
        (None, [emrfs_site(**{ENABLED: "true", FALLBACK: "false"})], "the release is unknown"),
        (
            "emr-7.10.0",
            [emrfs_site(**{ENABLED: "true", FALLBACK: "false"})],
            "s3:// is served by S3A, which AWS lists as not supported with Access Grants",
        ),
        (
            "emr-6.15.0",
            [emrfs_site(**{ENABLED: "true", FALLBACK: " True"})],
            "a write with no grant falls back to the IAM role 'specified for job execution', which AWS does not "
            "relate to the role mappings",
        ),
        (
            "emr-6.15.0",
            [emrfs_site(**{ENABLED: "true", FALLBACK: "false"}), SPARK_ENABLED],
            "which of spark-defaults and emrfs-site a Spark job's EMRFS follows is not documented",
        ),
        (
            "emr-6.15.0",
            [SPARK_ENABLED],
            "which of spark-defaults and emrfs-site a Spark job's EMRFS follows is not documented",
        ),
        ("emr-6.15.0", [emrfs_site(**{ENABLED: "true"})], "the fallback's default is not documented"),
    ],
)
def test_each_reason_access_grants_are_not_checked_is_named(
    release: str | None, configurations: list[dict[str, object]], why: str
) -> None:
    """The reason is the claim: the release, S3A (not supported), the fallback's role, spark-defaults, the default."""
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = configurations
    [link] = [link for link in check_chain(state).links if link.link == BYPASS_LINK]
    assert link.status == UNKNOWN
    assert link.detail.endswith(f"the grants are not read, and {why}")
    assert (
        link.fix
        == "launch the cluster that writes to the partner without S3 Access Grants (fs.s3.s3AccessGrants.enabled)"
    )


def test_unread_cluster_settings_make_no_access_grants_link() -> None:
    # Listed among the unseen cluster settings instead (findings.CLUSTER_SETTINGS).
    state = healthy_state()
    state.cluster_configurations = None
    assert [link for link in check_chain(state).links if link.link == BYPASS_LINK] == []


@pytest.mark.parametrize("value", ["true\u00a0", "\u3000TRUE", "yes"])
def test_an_access_grants_switch_neither_true_nor_false_is_not_checked_and_refused_at_launch(value: str) -> None:
    # Hadoop's Configuration.getBoolean trims with Java's String.trim (characters up to U+0020 only) and compares
    # with true/false ignoring case; another value takes the caller's default, not documented here.
    [(status, detail)] = grants_links("emr-6.15.0", emrfs_site(**{ENABLED: value, FALLBACK: "false"}))
    assert status == UNKNOWN
    assert "neither true nor false" in detail

    with pytest.raises(InvalidParameterError) as caught:
        plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={ENABLED: value, FALLBACK: "false"})
    assert caught.value.field == f"emrfs_site_properties.{ENABLED}"


def test_a_fallback_with_a_space_java_keeps_is_not_read_as_false() -> None:
    [(status, _)] = grants_links("emr-6.15.0", emrfs_site(**{ENABLED: "true", FALLBACK: "false\u00a0"}))
    assert status == UNKNOWN  # not FAIL: "false\u00a0" is not false to Hadoop
    plan_launch(overrides("emr-6.15.0"), emrfs_site_properties={ENABLED: "true", FALLBACK: "false\u00a0"})


@pytest.mark.parametrize("value", ["on demand", "t rue"])
def test_a_switch_neither_true_nor_false_in_the_configurations_is_refused_naming_its_field(value: str) -> None:
    """
    A value with a space inside (Java's String.trim keeps it: neither true nor false to Configuration.getBoolean) set
    in job_flow_overrides' emrfs-site, not in emrfs_site_properties, is refused naming that Configurations field, with
    the value as written.
    """
    given = overrides("emr-6.15.0", Configurations=[emrfs_site(**{ENABLED: value, FALLBACK: "false"})])
    with pytest.raises(InvalidParameterError) as caught:
        plan_launch(given)
    assert caught.value.field == f"job_flow_overrides.Configurations[emrfs-site].Properties.{ENABLED}"
    assert repr(value) in str(caught.value)


def test_access_grants_without_fallback_in_the_configurations_are_refused_naming_that_field() -> None:
    given = overrides("emr-7.1.0", Configurations=[emrfs_site(**{ENABLED: "TRUE", FALLBACK: "false"})])
    with pytest.raises(InvalidParameterError) as caught:
        plan_launch(given)
    assert caught.value.field == f"job_flow_overrides.Configurations[emrfs-site].Properties.{ENABLED}"


def test_the_launch_reads_an_fs_s3_impl_the_dag_sets_itself_as_the_verifier_does() -> None:
    # keep_emrfs=False on 7.10.0, but the DAG's own core-site fs.s3.impl keeps EMRFS for s3:// (Hadoop reads it:
    # Configuration.getClass). The verifier then FAILs Access Grants without fallback; the launch, which took the
    # connector from keep_emrfs alone (S3A), accepted the cluster (failed before the fix).
    kept = {"Classification": "core-site", "Properties": {"fs.s3.impl": f" {EMRFS_IMPL}\t"}}
    grants = emrfs_site(**{ENABLED: "true", FALLBACK: "false"})
    [(status, _)] = grants_links("emr-7.10.0", grants, kept)
    assert status == FAIL
    with pytest.raises(InvalidParameterError, match="S3 Access Grants"):
        plan_launch(overrides("emr-7.10.0", Configurations=[grants, kept]), keep_emrfs=False)
