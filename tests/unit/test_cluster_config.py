"""Unit tests of what the launch adds to RunJobFlow arguments: release checks, EMRFS settings, bootstrap actions."""

from __future__ import annotations

import copy
import shlex
from datetime import timedelta
from typing import Any

import pytest
from airflow.providers.amazon.aws.utils.waiter import WaitPolicy

from airflow_provider_emrfs_xacct.pure.checks.contexts import s3_connector_of, unknown_canned_acl
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    CREDENTIALS_PROVIDER_ACTION,
    EMRFS_AUXLIB,
    EMRFS_IMPL,
    KEEP_EMRFS_PROPERTIES,
    CredentialsProvider,
    add_bootstrap_action,
    check_wait_policy,
    merge_classification,
    parse_release_label,
    plan_launch,
    validate_cluster_name,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.unit.test_chain import BUCKET, healthy_state

JAR = "s3://emr-artifacts-a/auxlib/xacct-provider-1.2.jar"
CLASS = "com.example.emrfs.PartnerCredentialsProvider"
PROVIDER = CredentialsProvider(JAR, CLASS)
CONFIGURATIONS = "job_flow_overrides.Configurations"
KEEP_ALIVE = {"KeepJobFlowAliveWhenNoSteps": True}
USER_ACTIONS = [
    {"Name": "install-python-libs", "ScriptBootstrapAction": {"Path": "s3://emr-artifacts-a/bootstrap/pip.sh"}},
    {
        "Name": "tune-yarn",
        "ScriptBootstrapAction": {"Path": "s3://emr-artifacts-a/bootstrap/yarn.sh", "Args": ["--memory", "8g"]},
    },
]


def overrides(release: str | None = "emr-6.15.0", **changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"Name": "partner-export", "Instances": {"InstanceCount": 1, **KEEP_ALIVE}}
    if release is not None:
        arguments["ReleaseLabel"] = release
    arguments.update(changes)
    return arguments


def verified_connectors(configurations: list[dict[str, Any]]) -> set[str | None]:
    """The ``s3://`` connector the verifier reads from ``configurations`` on releases either side of 7.10.0."""
    found = set()
    for release in ("emr-6.15.0", "emr-7.9.0", "emr-7.10.0", "emr-8.0.0"):
        state = healthy_state()
        state.release_label = release
        state.cluster_configurations = configurations
        found.add(s3_connector_of(state))
    return found


def bash_words(command: str) -> list[str]:
    """Split a command line as a POSIX shell would: quotes respected, ``;``, ``&&``, ``(`` … separate words."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def refused(call: Any, field: str, *needles: str) -> InvalidParameterError:
    with pytest.raises(InvalidParameterError) as caught:
        call()
    assert caught.value.field == field
    for needle in needles:
        assert needle in caught.value.problem, f"{needle!r} not in {caught.value.problem!r}"
    return caught.value


class TestParseReleaseLabel:
    @pytest.mark.parametrize(
        ("label", "version"),
        [
            ("emr-5.9.0", (5, 9, 0)),
            ("emr-5.10.0", (5, 10, 0)),
            ("emr-6.15.0", (6, 15, 0)),
            ("emr-7.10.0", (7, 10, 0)),
            ("emr-7.11.2", (7, 11, 2)),
        ],
    )
    def test_valid(self, label: str, version: tuple[int, int, int]) -> None:
        assert parse_release_label(label) == version

    def test_versions_compare_as_numbers_not_text(self) -> None:
        assert parse_release_label("emr-5.9.0") < parse_release_label("emr-5.10.0")
        assert parse_release_label("emr-7.9.0") < parse_release_label("emr-7.10.0") < parse_release_label("emr-7.11.0")

    @pytest.mark.parametrize(
        "label",
        ["7.10.0", "emr-7.10", "emr-7.10.0-latest", "EMR-7.10.0", "emr-7.x.0", "emr-7.10.0.1", "ami-3.11.0", "emr-"],
    )
    def test_invalid(self, label: str) -> None:
        refused(lambda: parse_release_label(label), "job_flow_overrides.ReleaseLabel", "EMR release label", repr(label))

    @pytest.mark.parametrize(
        ("label", "needle"),
        [(None, "must be a string"), (7, "must be a string"), ("", "empty"), ("emr-7.10.0\n", "whitespace")],
    )
    def test_not_a_string(self, label: Any, needle: str) -> None:
        refused(lambda: parse_release_label(label), "job_flow_overrides.ReleaseLabel", needle)

    def test_field_can_be_named(self) -> None:
        refused(lambda: parse_release_label("latest", "release_label"), "release_label")


class TestReleaseBoundaries:
    def test_role_mappings_before_5_10_0_are_refused(self) -> None:
        given = overrides("emr-5.9.0")
        error = refused(
            lambda: plan_launch(given, uses_role_mappings=True), "job_flow_overrides.ReleaseLabel", "emr-5.10.0"
        )
        assert "emr-5.9.0" in error.problem
        assert "role mappings" in error.problem

    def test_role_mappings_on_5_10_0_are_accepted(self) -> None:
        plan = plan_launch(overrides("emr-5.10.0"), uses_role_mappings=True)
        assert plan.overrides["ReleaseLabel"] == "emr-5.10.0"
        assert "Configurations" not in plan.overrides
        assert plan.notes == ["emr-5.10.0 uses EMRFS for s3://."]

    def test_5_9_0_without_role_mappings_is_accepted_with_a_credentials_provider(self) -> None:
        plan = plan_launch(overrides("emr-5.9.0"), uses_role_mappings=False, credentials_provider=PROVIDER)
        assert plan.overrides["Configurations"] == [
            {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}}
        ]
        assert plan.overrides["BootstrapActions"] == [PROVIDER.bootstrap_action()]
        assert "emr-5.9.0 uses EMRFS for s3://." in plan.notes

    def test_without_release_label_keep_emrfs_writes_emrfs_s_class_and_the_notes_say_so(self) -> None:
        # The release may be 7.10.0 or later, where only core-site fs.s3.impl keeps EMRFS (Amazon EMR Release Guide,
        # "Migration guide: EMRFS to S3A filesystem"); keep_emrfs=True wrote nothing without a ReleaseLabel.
        plan = plan_launch(overrides(None), uses_role_mappings=True)
        assert "ReleaseLabel" not in plan.overrides
        assert plan.overrides["Configurations"] == [
            {"Classification": "core-site", "Properties": KEEP_EMRFS_PROPERTIES}
        ]
        assert len(plan.notes) == 2
        assert "No ReleaseLabel" in plan.notes[0]
        assert "fs.s3.impl and fs.s3n.impl keep EMRFS for s3:// and s3n:// on whatever release" in plan.notes[1]
        assert plan.warnings == []
        # Without keep_emrfs nothing is written, and the connector is not known.
        plan = plan_launch(overrides(None), uses_role_mappings=True, keep_emrfs=False)
        assert "Configurations" not in plan.overrides
        assert len(plan.notes) == 1
        assert "S3 connector unless EMRFS is kept for s3://, is not known" in plan.notes[0]

    def test_ami_version_with_role_mappings_is_refused(self) -> None:
        """
        ``AmiVersion`` "Applies only to Amazon EMR AMI versions 3.x and 2.x" (Amazon EMR API Reference, "RunJobFlow");
        role mappings need 5.10.0 or later (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to
        Amazon S3"). It was planned as a launch without a release, the floor not checked.
        """
        given = overrides(None, AmiVersion="3.11.0")
        error = refused(
            lambda: plan_launch(given, uses_role_mappings=True),
            "job_flow_overrides.AmiVersion",
            "'3.11.0'",
            "AMI version",
            "does not support role mappings",
            "ReleaseLabel emr-5.10.0 or later",
        )
        assert "RunningAmiVersion" not in error.problem

    @pytest.mark.parametrize("uses_role_mappings", [False, True], ids=["unmapped", "mapped"])
    def test_ami_version_with_imds_v2_required_is_refused(self, uses_role_mappings: bool) -> None:
        """Amazon EMR Management Guide, "Create a security configuration": IMDSv2 in EMR's components from 5.23.1."""
        refused(
            lambda: plan_launch(
                overrides(None, AmiVersion="2.4.11"), uses_role_mappings=uses_role_mappings, imds_v2_required=True
            ),
            "job_flow_overrides.AmiVersion",
            "'2.4.11'",
            "role mappings" if uses_role_mappings else "predates IMDSv2",
        )

    def test_ami_version_without_role_mappings_is_planned_as_without_a_release(self) -> None:
        plan = plan_launch(overrides(None, AmiVersion="3.11.0"), uses_role_mappings=False)
        assert plan.overrides["AmiVersion"] == "3.11.0"
        assert "Configurations" not in plan.overrides
        assert len(plan.notes) == 1
        assert "No ReleaseLabel" in plan.notes[0]

    def test_ami_version_with_emrfs_site_properties_is_refused(self) -> None:
        """
        Option (a)'s canned ACL went in Configurations (emrfs-site), which are "For Amazon EMR releases 4.0 and later"
        (Amazon EMR API Reference, "RunJobFlow"); "When using an AMI version, you configure applications using
        bootstrap actions" (Amazon EMR Release Guide, "Customizing cluster and application configuration with earlier
        AMI versions of Amazon EMR"). It was planned with only the "release not known" note.
        """
        error = refused(
            lambda: plan_launch(
                overrides(None, AmiVersion="3.11.0"),
                uses_role_mappings=False,
                emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"},
            ),
            "job_flow_overrides.AmiVersion",
            "'3.11.0'",
            "emrfs_site_properties (fs.s3.canned.acl)",
            "For Amazon EMR releases 4.0 and later",
            "job_flow_overrides.ReleaseLabel emr-4.0.0 or later",
        )
        assert "bootstrap actions" in error.problem

    def test_ami_version_with_a_credentials_provider_is_refused(self) -> None:
        """The provider's class is named in Configurations (emrfs-site), which an AMI version does not take."""
        refused(
            lambda: plan_launch(
                overrides(None, AmiVersion="3.11.0"),
                uses_role_mappings=False,
                credentials_provider=PROVIDER,
                release_field="emr_conn_id 'emr_default' extra ReleaseLabel",
            ),
            "job_flow_overrides.AmiVersion",
            f"emrfs_credentials_provider ({CLASS})",
            "emr_conn_id 'emr_default' extra ReleaseLabel emr-4.0.0 or later",
        )

    @pytest.mark.parametrize(
        ("changes", "needle"),
        [
            (
                {"Configurations": [{"Classification": "core-site", "Properties": {"io.file.buffer.size": "65536"}}]},
                "but Configurations (the RunJobFlow argument) is given",
            ),
            (
                {
                    "Instances": {
                        **KEEP_ALIVE,
                        "InstanceGroups": [
                            {
                                "InstanceRole": "MASTER",
                                "InstanceType": "m5.xlarge",
                                "InstanceCount": 1,
                                "Configurations": [{"Classification": "yarn-site", "Properties": {"a": "b"}}],
                            }
                        ],
                    }
                },
                "but job_flow_overrides.Instances.InstanceGroups[0].Configurations is given",
            ),
            ({"Configurations": []}, "but Configurations (the RunJobFlow argument) is given"),
        ],
        ids=["cluster", "instance-group", "empty"],
    )
    def test_ami_version_with_own_configurations_is_refused(self, changes: dict[str, Any], needle: str) -> None:
        """Whether EMR refuses them or launches without them is not documented: either way they never apply."""
        refused(
            lambda: plan_launch(overrides(None, AmiVersion="3.11.0", **changes), uses_role_mappings=False),
            "job_flow_overrides.AmiVersion",
            needle,
            "not documented",
        )

    def test_ami_version_with_a_security_configuration_without_role_mappings_is_refused(self) -> None:
        """
        "The --release-label you specify must be 4.8.0 or later" (Amazon EMR Management Guide, "Specify a security
        configuration for an Amazon EMR cluster"): an encryption-only configuration was planned beside an AmiVersion.
        """
        refused(
            lambda: plan_launch(
                overrides(None, AmiVersion="3.11.0", SecurityConfiguration="encryption-only"), uses_role_mappings=False
            ),
            "job_flow_overrides.AmiVersion",
            "SecurityConfiguration 'encryption-only'",
            "4.8.0 or later",
            "job_flow_overrides.ReleaseLabel emr-4.8.0 or later",
        )

    def test_ami_version_with_bootstrap_actions_and_nothing_to_configure_is_planned(self) -> None:
        """An AMI version configures applications "using bootstrap actions": those are kept, nothing is added."""
        plan = plan_launch(
            overrides(None, AmiVersion="3.11.0", BootstrapActions=USER_ACTIONS),
            uses_role_mappings=False,
            emrfs_site_properties={},
        )
        assert plan.overrides["AmiVersion"] == "3.11.0"
        assert plan.overrides["BootstrapActions"] == USER_ACTIONS
        assert "Configurations" not in plan.overrides

    @pytest.mark.parametrize("uses_role_mappings", [False, True], ids=["unmapped", "mapped"])
    def test_ami_version_beside_a_release_label_is_refused_naming_both(self, uses_role_mappings: bool) -> None:
        """Which of the two a cluster given both runs is not documented (Amazon EMR API Reference, "RunJobFlow")."""
        given = overrides("emr-6.15.0", AmiVersion="3.11.0")
        refused(
            lambda: plan_launch(
                given,
                uses_role_mappings=uses_role_mappings,
                release_field="emr_conn_id 'emr_default' extra ReleaseLabel",
            ),
            "job_flow_overrides.AmiVersion",
            "'3.11.0'",
            "emr_conn_id 'emr_default' extra ReleaseLabel 'emr-6.15.0'",
            "not documented",
        )

    def test_an_ami_version_s_note_says_emrfs_serves_s3_not_that_the_connector_is_not_known(self) -> None:
        """
        EMRFS is what "all Amazon EMR clusters use" for S3 until S3A replaced it "Starting from the EMR 7.10.0 release"
        (Amazon EMR Release Guide, "EMR File System (EMRFS)"); an AMI version (2.x, 3.x) comes long before. The note
        said the release, and so the S3 connector, was not known.
        """
        plan = plan_launch(overrides(None, AmiVersion="3.11.0"), uses_role_mappings=False, keep_emrfs=False)
        assert len(plan.notes) == 1
        assert "AmiVersion '3.11.0'" in plan.notes[0]
        assert "uses EMRFS for s3://" in plan.notes[0]
        assert "not known" not in plan.notes[0]

    def test_bad_release_label_is_refused(self) -> None:
        refused(lambda: plan_launch(overrides("emr-latest")), "job_flow_overrides.ReleaseLabel", "'emr-latest'")

    def test_7_9_0_stays_on_emrfs_without_fs_s3_impl(self) -> None:
        plan = plan_launch(overrides("emr-7.9.0"), keep_emrfs=True)
        assert "Configurations" not in plan.overrides
        assert plan.notes == ["emr-7.9.0 uses EMRFS for s3://."]

    @pytest.mark.parametrize("release", ["emr-7.10.0", "emr-7.11.0", "emr-7.11.3"])
    def test_s3a_releases_get_fs_s3_impl_with_keep_emrfs(self, release: str) -> None:
        plan = plan_launch(overrides(release), keep_emrfs=True)
        # What AWS's S3A migration guide sets to keep EMRFS: fs.s3.impl (and fs.s3n.impl for s3n://).
        assert plan.overrides["Configurations"] == [
            {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL, "fs.s3n.impl": EMRFS_IMPL}}
        ]
        assert EMRFS_IMPL == "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"
        assert "fs.s3a.impl" not in KEEP_EMRFS_PROPERTIES  # s3a:// URIs stay on S3A
        (note,) = plan.notes
        assert note.startswith(f"{release} uses S3A for s3:// by default")
        assert "fs.s3.impl and fs.s3n.impl keep EMRFS" in note
        assert "s3a:// URIs stay on S3A" in note
        assert "role mappings apply on both connectors" in note

    @pytest.mark.parametrize("release", ["emr-7.10.0", "emr-7.11.3"])
    def test_s3a_releases_without_keep_emrfs_get_nothing(self, release: str) -> None:
        plan = plan_launch(overrides(release), keep_emrfs=False)
        assert "Configurations" not in plan.overrides
        (note,) = plan.notes
        # AWS's migration guide: fs.s3.authorization.roleMapping -> fs.s3a.authorization.roleMapping.
        assert note.startswith(f"{release} uses S3A for s3://; EMR translates the role mappings")
        assert "so the role mappings apply" in note
        assert "do not apply" not in note

    def test_keep_emrfs_false_does_not_touch_a_user_fs_s3_impl(self) -> None:
        user = [{"Classification": "core-site", "Properties": {"fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}}]
        plan = plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=False)
        assert plan.overrides["Configurations"] == user

    def test_keep_emrfs_conflicts_with_a_user_s3a_impl(self) -> None:
        user = [
            {"Classification": "spark", "Properties": {"maximizeResourceAllocation": "true"}},
            {"Classification": "core-site", "Properties": {"fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}},
        ]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=True),
            f"{CONFIGURATIONS}[1].Properties.fs.s3.impl",
            "S3AFileSystem",
            EMRFS_IMPL,
        )

    @pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.9.0", None])
    @pytest.mark.parametrize("name", ["fs.s3.impl", "fs.s3n.impl"])
    def test_keep_emrfs_refuses_a_filesystem_class_hadoop_cannot_load(self, release: str | None, name: str) -> None:
        # Hadoop's Configuration.getClass takes getTrimmed (Java's String.trim: characters up to U+0020 only), then
        # getClassByName: EMRFS's name padded with a no-break space loads no class, on any release. Before 7.10.0
        # (or with the release not given) the launch writes no fs.s3.impl, so nothing refused it.
        user = [{"Classification": "core-site", "Properties": {name: EMRFS_IMPL + "\u00a0"}}]
        refused(
            lambda: plan_launch(overrides(release, Configurations=user), keep_emrfs=True),
            f"{CONFIGURATIONS}[0].Properties.{name}",
            "String.trim",
            EMRFS_IMPL,
        )
        # Java trims ASCII spaces: EMRFS's name, kept as the user wrote it (with no release, as from 7.10.0, keep_emrfs
        # writes the other of the two beside it).
        trimmed = [{"Classification": "core-site", "Properties": {name: f" {EMRFS_IMPL}\n"}}]
        written = {} if release else {key: EMRFS_IMPL for key in KEEP_EMRFS_PROPERTIES if key != name}
        assert plan_launch(overrides(release, Configurations=trimmed), keep_emrfs=True).overrides["Configurations"] == [
            {"Classification": "core-site", "Properties": {**trimmed[0]["Properties"], **written}}
        ]

    @pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0", None])
    def test_without_keep_emrfs_a_filesystem_class_hadoop_cannot_load_is_refused_too(self, release: str | None) -> None:
        # With keep_emrfs=False the padded name was accepted, and the verifier then named the connector not known
        # (checks/contexts.py, connector_doubt) on the cluster the launch made (failed before the fix).
        user = [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL + "\u00a0"}}]
        refused(
            lambda: plan_launch(overrides(release, Configurations=user), keep_emrfs=False),
            f"{CONFIGURATIONS}[0].Properties.fs.s3.impl",
            "String.trim",
            EMRFS_IMPL,
        )

    @pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0", None])
    def test_fs_s3n_impl_naming_another_class_is_refused_only_with_keep_emrfs(self, release: str | None) -> None:
        # fs.s3n.impl serves s3n:// only (Hadoop loads "fs." + scheme + ".impl"): another class there leaves s3:// alone,
        # unless keep_emrfs, which asks EMRFS for s3n:// too (the migration guide's two settings). Untested both ways.
        user = [{"Classification": "core-site", "Properties": {"fs.s3n.impl": "com.example.fs.Other"}}]
        plan = plan_launch(overrides(release, Configurations=user), keep_emrfs=False)
        assert plan.overrides["Configurations"] == user
        refused(
            lambda: plan_launch(overrides(release, Configurations=user), keep_emrfs=True),
            f"{CONFIGURATIONS}[0].Properties.fs.s3n.impl",
            EMRFS_IMPL,
        )
        # No class name at all once Java trims it: refused without keep_emrfs too, as fs.s3.impl is.
        padded = [{"Classification": "core-site", "Properties": {"fs.s3n.impl": EMRFS_IMPL + "\u00a0"}}]
        refused(
            lambda: plan_launch(overrides(release, Configurations=padded), keep_emrfs=False),
            f"{CONFIGURATIONS}[0].Properties.fs.s3n.impl",
            "String.trim",
        )

    def test_without_keep_emrfs_the_configurations_own_fs_s3_impl_keeping_emrfs_is_emrfs(self) -> None:
        # From 7.10.0 S3A serves s3:// unless core-site fs.s3.impl names EMRFS (Amazon EMR Release Guide, "Migration
        # guide: EMRFS to S3A filesystem"), whoever sets it: the launch took S3A from keep_emrfs=False alone, so it
        # refused the translation switched off (the mappings do apply to s3://) and took an SDK v2 provider class
        # EMRFS cannot load, while the verifier reads the cluster's EMRFS (failed before the fix).
        kept = {"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}
        off = {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "false"}}
        plan = plan_launch(overrides("emr-7.10.0", Configurations=[kept, off]), keep_emrfs=False)
        (note,) = plan.notes
        assert "core-site fs.s3.impl keeps EMRFS for s3://" in note
        assert "s3a:// URIs get no role mapping" in note
        assert note in plan.warnings
        assert plan.overrides["Configurations"] == [kept, off]  # nothing written by the launch
        refused(
            lambda: plan_launch(
                overrides("emr-7.10.0", Configurations=[kept]),
                keep_emrfs=False,
                credentials_provider=TestCredentialsProviderInterface.V2,
            ),
            "emrfs_credentials_provider.interface",
            "EMRFS",
        )

    def test_a_credentials_provider_beside_role_mappings_is_warned_about(self) -> None:
        """
        Amazon EMR Release Guide, "Authorizing access to EMRFS data in Amazon S3": a custom credentials provider is the
        alternative to IAM roles for EMRFS; which decides a write's credentials when both are set is not documented.
        """
        plan = plan_launch(overrides("emr-6.15.0"), credentials_provider=PROVIDER, uses_role_mappings=True)
        assert [warning.split(" is set")[0] for warning in plan.warnings] == [
            "emrfs-site fs.s3.customAWSCredentialsProvider"
        ]
        assert "role mappings" in plan.warnings[0]
        assert (
            plan_launch(overrides("emr-6.15.0"), credentials_provider=PROVIDER, uses_role_mappings=False).warnings == []
        )

    def test_notes_name_the_credentials_provider(self) -> None:
        plan = plan_launch(overrides("emr-7.10.0"), credentials_provider=PROVIDER)
        assert any(
            CLASS in note and JAR in note and "com.amazonaws.auth.AWSCredentialsProvider" in note for note in plan.notes
        )
        assert any("fs.s3.impl and fs.s3n.impl keep EMRFS" in note for note in plan.notes)


class TestMergeWithUserConfigurations:
    def test_existing_classifications_keep_the_users_other_properties(self) -> None:
        user = [
            {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},
            {"Classification": "core-site", "Properties": {"hadoop.security.groups.cache.secs": "250"}},
            {
                "Classification": "emrfs-site",
                "Properties": {"fs.s3.consistent": "false", "fs.s3.maxRetries": "20"},
            },
        ]
        plan = plan_launch(
            overrides("emr-7.10.0", Configurations=user),
            credentials_provider=PROVIDER,
            emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"},
        )
        assert plan.overrides["Configurations"] == [
            {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},
            {
                "Classification": "core-site",
                "Properties": {
                    "hadoop.security.groups.cache.secs": "250",
                    "fs.s3.impl": EMRFS_IMPL,
                    "fs.s3n.impl": EMRFS_IMPL,
                },
            },
            {
                "Classification": "emrfs-site",
                "Properties": {
                    "fs.s3.consistent": "false",
                    "fs.s3.maxRetries": "20",
                    "fs.s3.canned.acl": "BucketOwnerFullControl",
                    "fs.s3.customAWSCredentialsProvider": CLASS,
                },
            },
        ]

    def test_nested_configurations_of_other_classifications_are_kept(self) -> None:
        user = [
            {
                "Classification": "spark-env",
                "Properties": {},
                "Configurations": [{"Classification": "export", "Properties": {"PYSPARK_PYTHON": "/usr/bin/python3"}}],
            }
        ]
        plan = plan_launch(overrides("emr-7.10.0", Configurations=user))
        assert plan.overrides["Configurations"] == [
            *user,
            {"Classification": "core-site", "Properties": dict(KEEP_EMRFS_PROPERTIES)},
        ]

    def test_the_same_value_set_by_the_user_is_fine(self) -> None:
        user = [
            {"Classification": "core-site", "Properties": dict(KEEP_EMRFS_PROPERTIES)},
            {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}},
        ]
        plan = plan_launch(overrides("emr-7.10.0", Configurations=user), credentials_provider=PROVIDER)
        assert plan.overrides["Configurations"] == user

    def test_a_conflicting_emrfs_site_value_is_refused(self) -> None:
        user = [
            {"Classification": "core-site", "Properties": {}},
            {
                "Classification": "emrfs-site",
                "Properties": {"fs.s3.customAWSCredentialsProvider": "com.other.Provider"},
            },
        ]
        error = refused(
            lambda: plan_launch(overrides("emr-6.15.0", Configurations=user), credentials_provider=PROVIDER),
            f"{CONFIGURATIONS}[1].Properties.fs.s3.customAWSCredentialsProvider",
            "'com.other.Provider'",
            repr(CLASS),
        )
        assert str(error).startswith(f"{CONFIGURATIONS}[1].Properties.fs.s3.customAWSCredentialsProvider: ")

    def test_a_conflicting_canned_acl_is_refused(self) -> None:
        user = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "Private"}}]
        refused(
            lambda: plan_launch(
                overrides("emr-6.15.0", Configurations=user),
                emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"},
            ),
            f"{CONFIGURATIONS}[0].Properties.fs.s3.canned.acl",
            "'Private'",
        )

    def test_emrfs_site_properties_may_not_contradict_the_credentials_provider(self) -> None:
        """A property the user set to another value is an error, not overwritten: emrfs_site_properties too."""
        with pytest.raises(InvalidParameterError) as caught:
            plan_launch(
                overrides("emr-6.15.0"),
                credentials_provider=PROVIDER,
                emrfs_site_properties={"fs.s3.customAWSCredentialsProvider": "com.other.Provider"},
            )
        assert "fs.s3.customAWSCredentialsProvider" in caught.value.field
        assert "com.other.Provider" in caught.value.problem

    def test_emrfs_site_properties_with_the_providers_class_are_fine(self) -> None:
        plan = plan_launch(
            overrides("emr-6.15.0"),
            credentials_provider=PROVIDER,
            emrfs_site_properties={"fs.s3.customAWSCredentialsProvider": CLASS},
        )
        assert plan.overrides["Configurations"] == [
            {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}}
        ]

    def test_a_classification_without_properties_gets_them(self) -> None:
        user = [{"Classification": "emrfs-site"}]
        result = merge_classification(user, "emrfs-site", {"fs.s3.canned.acl": "BucketOwnerFullControl"}, "f")
        assert result == [
            {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl"}}
        ]
        assert user == [{"Classification": "emrfs-site"}]

    @pytest.mark.parametrize("spelled", ["TRUE", "True", " true", "true"])
    def test_a_switch_the_user_set_as_hadoop_reads_it_the_same_is_kept_as_spelled(self, spelled: str) -> None:
        # Option (a)'s grant asks for the Requester Pays header ("true") on a cluster whose emrfs-site already sets it
        # as Hadoop's Configuration.getBoolean reads it (case-insensitively, trimmed): the same setting, not a conflict.
        user = [{"Classification": "emrfs-site", "Properties": {"fs.s3.useRequesterPaysHeader": spelled}}]
        result = merge_classification(user, "emrfs-site", {"fs.s3.useRequesterPaysHeader": "true"}, CONFIGURATIONS)
        assert result == user

    def test_a_switch_the_user_set_off_conflicts(self) -> None:
        user = [{"Classification": "emrfs-site", "Properties": {"fs.s3.useRequesterPaysHeader": "FALSE"}}]
        refused(
            lambda: merge_classification(user, "emrfs-site", {"fs.s3.useRequesterPaysHeader": "true"}, CONFIGURATIONS),
            f"{CONFIGURATIONS}[0].Properties.fs.s3.useRequesterPaysHeader",
        )

    def test_a_canned_acl_padded_with_a_space_still_conflicts(self) -> None:
        # hadoop_reading keeps a canned ACL's raw text: how EMRFS reads a padded one is not documented.
        user = [{"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "BucketOwnerFullControl "}}]
        refused(
            lambda: merge_classification(
                user, "emrfs-site", {"fs.s3.canned.acl": "BucketOwnerFullControl"}, CONFIGURATIONS
            ),
            f"{CONFIGURATIONS}[0].Properties.fs.s3.canned.acl",
        )

    @pytest.mark.parametrize("properties", [None, ["fs.s3.canned.acl"], "fs.s3.canned.acl=Private"])
    def test_a_classification_whose_properties_are_not_a_dict_is_refused(self, properties: Any) -> None:
        user = [
            {"Classification": "spark", "Properties": {}},
            {"Classification": "emrfs-site", "Properties": properties},
        ]
        refused(
            lambda: merge_classification(user, "emrfs-site", {"fs.s3.canned.acl": "x"}, CONFIGURATIONS),
            f"{CONFIGURATIONS}[1].Properties",
        )

    @pytest.mark.parametrize("configurations", [{"Classification": "core-site"}, "core-site", [["core-site"]]])
    def test_configurations_must_be_a_list_of_dicts(self, configurations: Any) -> None:
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=configurations)),
            CONFIGURATIONS,
            "must be a list of classifications",
        )

    def test_nothing_to_add_leaves_configurations_as_given(self) -> None:
        user = [{"Classification": "spark", "Properties": {"maximizeResourceAllocation": "true"}}]
        plan = plan_launch(overrides("emr-6.15.0", Configurations=user))
        assert plan.overrides["Configurations"] == user
        assert plan.overrides["Configurations"] is not user


class TestBootstrapActions:
    def test_user_actions_are_kept_in_order_with_ours_appended(self) -> None:
        plan = plan_launch(overrides("emr-6.15.0", BootstrapActions=USER_ACTIONS), credentials_provider=PROVIDER)
        assert plan.overrides["BootstrapActions"] == [*USER_ACTIONS, PROVIDER.bootstrap_action()]

    def test_an_identical_action_is_not_duplicated(self) -> None:
        actions = [USER_ACTIONS[0], PROVIDER.bootstrap_action(), USER_ACTIONS[1]]
        plan = plan_launch(overrides("emr-6.15.0", BootstrapActions=actions), credentials_provider=PROVIDER)
        assert plan.overrides["BootstrapActions"] == actions

    def test_a_different_action_with_our_name_is_refused(self) -> None:
        ours = PROVIDER.bootstrap_action()
        other = {"Name": CREDENTIALS_PROVIDER_ACTION, "ScriptBootstrapAction": {"Path": "s3://elsewhere/x.sh"}}
        refused(
            lambda: plan_launch(
                overrides("emr-6.15.0", BootstrapActions=[USER_ACTIONS[0], other]), credentials_provider=PROVIDER
            ),
            "job_flow_overrides.BootstrapActions[1]",
            CREDENTIALS_PROVIDER_ACTION,
        )
        # The same name with the other JAR is also a different action.
        refused(
            lambda: add_bootstrap_action(
                [CredentialsProvider("s3://emr-artifacts-a/other.jar", CLASS).bootstrap_action()], ours, "actions"
            ),
            "actions[0]",
        )

    def test_without_a_credentials_provider_user_actions_are_left_alone(self) -> None:
        plan = plan_launch(overrides("emr-7.10.0", BootstrapActions=USER_ACTIONS))
        assert plan.overrides["BootstrapActions"] == USER_ACTIONS

    @pytest.mark.parametrize("actions", [{"Name": "x"}, "install.sh", [USER_ACTIONS[0], "install.sh"], [["Name", "x"]]])
    def test_bootstrap_actions_must_be_a_list_of_dicts(self, actions: Any) -> None:
        refused(
            lambda: plan_launch(overrides("emr-6.15.0", BootstrapActions=actions), credentials_provider=PROVIDER),
            "job_flow_overrides.BootstrapActions",
        )

    def test_the_action_copies_the_jar_into_auxlib(self) -> None:
        action = PROVIDER.bootstrap_action()
        assert action["Name"] == CREDENTIALS_PROVIDER_ACTION
        assert action["ScriptBootstrapAction"]["Path"] == "file:/bin/bash"
        flag, command = action["ScriptBootstrapAction"]["Args"]
        assert flag == "-c"
        assert command == f"sudo mkdir -p {EMRFS_AUXLIB} && sudo aws s3 cp {JAR} {EMRFS_AUXLIB}"
        assert EMRFS_AUXLIB == "/usr/share/aws/emr/emrfs/auxlib/"

    @pytest.mark.parametrize(
        "jar",
        [
            "s3://emr-artifacts-a/auxlib/$(curl evil.example).jar",
            "s3://emr-artifacts-a/auxlib/a;reboot;.jar",
            "s3://emr-artifacts-a/auxlib/my provider `id`.jar",
        ],
    )
    def test_the_jar_location_cannot_inject_shell_commands(self, jar: str) -> None:
        """The JAR goes into a ``bash -c`` line run as root on every node: it must stay one literal argument."""
        try:
            provider = CredentialsProvider.parse({"jar": jar, "class_name": CLASS})
        except InvalidParameterError:
            return  # refusing it is safe too
        command = provider.bootstrap_action()["ScriptBootstrapAction"]["Args"][1]
        assert bash_words(command) == [
            "sudo",
            "mkdir",
            "-p",
            EMRFS_AUXLIB,
            "&&",
            "sudo",
            "aws",
            "s3",
            "cp",
            jar,
            EMRFS_AUXLIB,
        ]


class TestInputsAreNotMutated:
    def test_plan_launch_leaves_its_arguments_alone(self) -> None:
        given = overrides(
            "emr-7.10.0",
            Configurations=[
                {"Classification": "core-site", "Properties": {"io.file.buffer.size": "65536"}},
                {"Classification": "emrfs-site", "Properties": {"fs.s3.maxRetries": "20"}},
            ],
            BootstrapActions=copy.deepcopy(USER_ACTIONS),
            Tags=[{"Key": "team", "Value": "data"}],
        )
        site = {"fs.s3.canned.acl": "BucketOwnerFullControl"}
        before, site_before = copy.deepcopy(given), dict(site)

        plan = plan_launch(given, credentials_provider=PROVIDER, emrfs_site_properties=site)

        assert given == before
        assert site == site_before
        assert plan.overrides != given
        assert plan.overrides["Configurations"][0]["Properties"]["fs.s3.impl"] == EMRFS_IMPL
        # Changing the result does not reach back into the input either.
        plan.overrides["Configurations"][1]["Properties"]["x"] = "y"
        plan.overrides["BootstrapActions"][0]["ScriptBootstrapAction"]["Path"] = "changed"
        assert given == before

    def test_merge_and_append_return_copies(self) -> None:
        configurations = [{"Classification": "core-site", "Properties": {"a": "1"}}]
        actions = copy.deepcopy(USER_ACTIONS)
        merged = merge_classification(configurations, "core-site", {"b": "2"}, "f")
        appended = add_bootstrap_action(actions, PROVIDER.bootstrap_action(), "f")
        assert configurations == [{"Classification": "core-site", "Properties": {"a": "1"}}]
        assert actions == USER_ACTIONS
        assert merged[0]["Properties"] == {"a": "1", "b": "2"}
        assert len(appended) == 3
        unchanged = add_bootstrap_action(appended, PROVIDER.bootstrap_action(), "f")
        assert unchanged == appended
        assert unchanged is not appended


class TestCredentialsProviderParse:
    def test_valid(self) -> None:
        assert CredentialsProvider.parse({"jar": JAR, "class_name": CLASS}) == PROVIDER

    def test_a_jar_at_the_bucket_root_and_an_inner_class_are_fine(self) -> None:
        provider = CredentialsProvider.parse(
            {"jar": "s3://emr-artifacts-a/p.jar", "class_name": "com.example.Outer$Inner"}
        )
        assert provider == CredentialsProvider("s3://emr-artifacts-a/p.jar", "com.example.Outer$Inner")

    @pytest.mark.parametrize(
        ("jar", "needle"),
        [
            ("https://emr-artifacts-a.s3.amazonaws.com/p.jar", "s3://"),
            ("/usr/share/aws/emr/emrfs/auxlib/p.jar", "s3://"),
            ("s3:///p.jar", "names no bucket"),
            ("s3://Bad_Bucket/p.jar", ""),
            ("s3://emr-artifacts-a/lib/*/p.jar", "wildcards"),
            ("s3://emr-artifacts-a/lib//p.jar", "path segment"),
            ("", "empty"),
            (None, "must be a string"),
        ],
    )
    def test_bad_jar_location(self, jar: Any, needle: str) -> None:
        refused(
            lambda: CredentialsProvider.parse({"jar": jar, "class_name": CLASS}),
            "emrfs_credentials_provider.jar",
            needle,
        )

    @pytest.mark.parametrize(
        "jar", ["s3://emr-artifacts-a/p.zip", "s3://emr-artifacts-a/lib/", "s3://emr-artifacts-a/p.JAR.txt"]
    )
    def test_not_a_jar(self, jar: str) -> None:
        refused(
            lambda: CredentialsProvider.parse({"jar": jar, "class_name": CLASS}),
            "emrfs_credentials_provider.jar",
            ".jar",
        )

    @pytest.mark.parametrize(
        "class_name",
        [
            "PartnerCredentialsProvider",
            "com.example.",
            "com..example.P",
            "1com.example.P",
            "com.example.P;x",
            "com example.P",
        ],
    )
    def test_bad_class_name(self, class_name: str) -> None:
        refused(
            lambda: CredentialsProvider.parse({"jar": JAR, "class_name": class_name}),
            "emrfs_credentials_provider.class_name",
            "fully qualified Java class name",
        )

    @pytest.mark.parametrize(
        "value",
        [
            {"jar": JAR, "class_name": CLASS, "args": ["x"]},
            {"jar": JAR},
            {"jar": JAR, "className": CLASS},
            [JAR, CLASS],
            f"{JAR} {CLASS}",
            None,
        ],
    )
    def test_wrong_shape_or_extra_keys(self, value: Any) -> None:
        refused(lambda: CredentialsProvider.parse(value), "emrfs_credentials_provider", "'jar' and 'class_name'")


class TestCredentialsProviderInterface:
    """
    EMRFS loads SDK v1 ``com.amazonaws.auth.AWSCredentialsProvider`` classes; S3A (the 7.10.0+
    default) SDK v2 ``software.amazon.awssdk.auth.credentials.AwsCredentialsProvider`` classes
    (Apache Hadoop, "Upgrading S3A to AWS SDK V2").
    """

    V1 = CredentialsProvider(JAR, CLASS, "sdk_v1")
    V2 = CredentialsProvider(JAR, CLASS, "sdk_v2")

    def test_parse_takes_the_interface(self) -> None:
        parsed = CredentialsProvider.parse({"jar": JAR, "class_name": CLASS, "interface": "sdk_v2"})
        assert parsed.interface == "sdk_v2"
        assert CredentialsProvider.parse({"jar": JAR, "class_name": CLASS}).interface is None

    def test_parse_refuses_an_unknown_interface(self) -> None:
        refused(
            lambda: CredentialsProvider.parse({"jar": JAR, "class_name": CLASS, "interface": "v2"}),
            "emrfs_credentials_provider.interface",
            "software.amazon.awssdk.auth.credentials.AwsCredentialsProvider",
        )

    @pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.9.0", "emr-7.10.0", "emr-7.11.0"])
    def test_emrfs_takes_sdk_v1_in_emrfs_site(self, release: str) -> None:
        plan = plan_launch(overrides(release), keep_emrfs=True, credentials_provider=self.V1)
        site = {c["Classification"]: c["Properties"] for c in plan.overrides["Configurations"]}
        assert site["emrfs-site"] == {"fs.s3.customAWSCredentialsProvider": CLASS}
        assert "fs.s3a.aws.credentials.provider" not in site.get("core-site", {})

    @pytest.mark.parametrize("release", ["emr-7.10.0", "emr-7.11.0"])
    def test_s3a_takes_sdk_v2_in_core_site(self, release: str) -> None:
        plan = plan_launch(overrides(release), keep_emrfs=False, credentials_provider=self.V2)
        assert plan.overrides["Configurations"] == [
            {"Classification": "core-site", "Properties": {"fs.s3a.aws.credentials.provider": CLASS}}
        ]
        assert plan.overrides["BootstrapActions"] == [self.V2.bootstrap_action()]
        assert any("software.amazon.awssdk.auth.credentials.AwsCredentialsProvider" in note for note in plan.notes)

    def test_inferred_from_release_and_keep_emrfs(self) -> None:
        s3a = plan_launch(overrides("emr-7.10.0"), keep_emrfs=False, credentials_provider=PROVIDER)
        emrfs = plan_launch(overrides("emr-7.10.0"), keep_emrfs=True, credentials_provider=PROVIDER)
        old = plan_launch(overrides("emr-7.9.0"), keep_emrfs=False, credentials_provider=PROVIDER)
        assert s3a.overrides["Configurations"][0]["Properties"] == {"fs.s3a.aws.credentials.provider": CLASS}
        assert {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}} in (
            emrfs.overrides["Configurations"]
        )
        assert old.overrides["Configurations"] == [
            {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}}
        ]

    def test_sdk_v1_class_under_s3a_is_refused(self) -> None:
        error = refused(
            lambda: plan_launch(overrides("emr-7.10.0"), keep_emrfs=False, credentials_provider=self.V1),
            "emrfs_credentials_provider.interface",
            "S3A",
            "software.amazon.awssdk.auth.credentials.AwsCredentialsProvider",
            "keep_emrfs=True",
        )
        assert "com.amazonaws.auth.AWSCredentialsProvider" in error.problem

    @pytest.mark.parametrize(("release", "keep"), [("emr-6.15.0", False), ("emr-7.10.0", True), ("emr-7.9.0", True)])
    def test_sdk_v2_class_under_emrfs_is_refused(self, release: str, keep: bool) -> None:
        refused(
            lambda: plan_launch(overrides(release), keep_emrfs=keep, credentials_provider=self.V2),
            "emrfs_credentials_provider.interface",
            "EMRFS",
            "com.amazonaws.auth.AWSCredentialsProvider",
        )

    @pytest.mark.parametrize(
        ("keep", "configurations"),
        [(True, []), (False, [{"Classification": "core-site", "Properties": {"fs.s3.impl": EMRFS_IMPL}}])],
        ids=["keep_emrfs", "fs.s3.impl"],
    )
    def test_sdk_v2_class_under_emrfs_with_no_release_label_names_the_launch_not_none(
        self, keep: bool, configurations: list[dict[str, Any]]
    ) -> None:
        """The refusal said "None with keep_emrfs=True serves s3:// with EMRFS" for a launch with no ReleaseLabel."""
        error = refused(
            lambda: plan_launch(
                overrides(None, Configurations=configurations), keep_emrfs=keep, credentials_provider=self.V2
            ),
            "emrfs_credentials_provider.interface",
            f"A launch with no ReleaseLabel and keep_emrfs={keep} serves s3:// with EMRFS",
        )
        assert "None" not in error.problem

    def test_unknown_release_without_keep_emrfs_needs_the_interface(self) -> None:
        refused(
            lambda: plan_launch(overrides(None), keep_emrfs=False, credentials_provider=PROVIDER),
            "emrfs_credentials_provider.interface",
            "ReleaseLabel",
        )
        plan = plan_launch(overrides(None), keep_emrfs=False, credentials_provider=self.V2)
        assert plan.overrides["Configurations"][0]["Properties"] == {"fs.s3a.aws.credentials.provider": CLASS}

    def test_unknown_release_with_keep_emrfs_keeps_emrfs_for_the_provider(self) -> None:
        """
        With no ReleaseLabel ("Required: No", Amazon EMR API Reference, "RunJobFlow") the release may be 7.10.0 or
        later, where S3A serves s3:// unless core-site fs.s3.impl names EMRFS's class, and S3A takes a custom provider
        from fs.s3a.aws.credentials.provider only (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
        filesystem"). keep_emrfs=True wrote only emrfs-site's provider setting and noted "EMRFS loads ...": on such a
        release S3A ignored it and the writes went as the instance profile. Now it writes EMRFS's class, which serves
        s3:// before 7.10.0 anyway, so the SDK v1 class and the note hold on any release, as the verifier reads it.
        """
        plan = plan_launch(overrides(None), keep_emrfs=True, credentials_provider=PROVIDER)
        assert plan.overrides["Configurations"] == [
            {"Classification": "core-site", "Properties": KEEP_EMRFS_PROPERTIES},
            {"Classification": "emrfs-site", "Properties": {"fs.s3.customAWSCredentialsProvider": CLASS}},
        ]
        assert any(note.startswith(f"EMRFS loads credentials provider {CLASS}") for note in plan.notes)
        # The verifier reads the written class as EMRFS's on whatever release the cluster turns out to run.
        assert verified_connectors(plan.overrides["Configurations"]) == {"EMRFS"}
        # An SDK v2 class is refused, as with a release where keep_emrfs keeps EMRFS.
        refused(
            lambda: plan_launch(overrides(None), keep_emrfs=True, credentials_provider=self.V2),
            "emrfs_credentials_provider.interface",
            "EMRFS",
        )

    @pytest.mark.parametrize("value", ["LogDeliveryWrite", "AwsExecRead"])
    def test_unknown_release_canned_acl_reads_the_connector_as_the_rest_of_the_launch(self, value: str) -> None:
        """
        A canned ACL S3A's AWSCannedACL.valueOf may not read is refused where S3A serves s3://, or may. With no
        ReleaseLabel and keep_emrfs=True, EMRFS's class is written, so EMRFS serves s3:// on any release: accepted, and
        known to the verifier. Without keep_emrfs it stays refused.
        """
        acl = {"fs.s3.canned.acl": value}
        plan = plan_launch(overrides(None), keep_emrfs=True, emrfs_site_properties=acl)
        assert plan.overrides["Configurations"] == [
            {"Classification": "core-site", "Properties": KEEP_EMRFS_PROPERTIES},
            {"Classification": "emrfs-site", "Properties": acl},
        ]
        assert verified_connectors(plan.overrides["Configurations"]) == {"EMRFS"}
        state = healthy_state()
        state.release_label = "emr-7.10.0"
        state.cluster_configurations = plan.overrides["Configurations"]
        assert unknown_canned_acl(state, BUCKET) == ""
        refused(
            lambda: plan_launch(overrides(None), keep_emrfs=False, emrfs_site_properties=acl),
            "emrfs_site_properties.fs.s3.canned.acl",
            "ReleaseLabel",
            "keep_emrfs=True",
        )

    def test_unknown_release_with_translation_off_reads_as_7_10(self) -> None:
        """
        core-site fs.s3a.emrfs.compatibility.enable=false turns off EMR's translation of the role mappings to S3A
        (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"). With no ReleaseLabel the release may be
        7.10.0 or later: without keep_emrfs S3A may serve s3:// with no role mapping, refused as on emr-7.10.0; with
        keep_emrfs, EMRFS's class written and the s3a:// warning, as on emr-7.10.0. Both were accepted silently.
        """
        off = [{"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "false"}}]
        for release in (None, "emr-7.10.0"):
            refused(
                lambda release=release: plan_launch(
                    overrides(release, Configurations=off), uses_role_mappings=True, keep_emrfs=False
                ),
                f"{CONFIGURATIONS}[0].Properties.fs.s3a.emrfs.compatibility.enable",
                "role mappings",
                "keep_emrfs=True",
            )
            plan = plan_launch(overrides(release, Configurations=off), uses_role_mappings=True, keep_emrfs=True)
            assert plan.overrides["Configurations"] == [
                {"Classification": "core-site", "Properties": {**off[0]["Properties"], **KEEP_EMRFS_PROPERTIES}}
            ]
            (warning,) = plan.warnings
            assert "s3a:// URIs get no role mapping" in warning
            assert warning in plan.notes
        error = refused(
            lambda: plan_launch(overrides(None, Configurations=off), uses_role_mappings=True, keep_emrfs=False),
            f"{CONFIGURATIONS}[0].Properties.fs.s3a.emrfs.compatibility.enable",
        )
        assert "no ReleaseLabel given" in error.problem
        assert "None serves" not in error.problem

    def test_an_emrfs_provider_property_with_an_s3a_provider_is_refused(self) -> None:
        refused(
            lambda: plan_launch(
                overrides("emr-7.10.0"),
                keep_emrfs=False,
                credentials_provider=self.V2,
                emrfs_site_properties={"fs.s3.customAWSCredentialsProvider": CLASS},
            ),
            "emrfs_site_properties.fs.s3.customAWSCredentialsProvider",
            "SDK v2",
        )

    def test_keep_emrfs_must_be_a_bool(self) -> None:
        refused(lambda: plan_launch(overrides("emr-7.10.0"), keep_emrfs="false"), "keep_emrfs", "True or False")  # type: ignore[arg-type]


class TestSessionDuration:
    """EMRFS assumes the mapped role by role chaining; STS caps a chained session at one hour."""

    @pytest.mark.parametrize("value", ["900", "3600", 1800, " 3600"])
    def test_up_to_an_hour_is_accepted(self, value: Any) -> None:
        plan = plan_launch(overrides(), emrfs_site_properties={"fs.s3.sts.sessionDurationSeconds": value})
        assert plan.overrides["Configurations"][0]["Properties"]["fs.s3.sts.sessionDurationSeconds"] == value

    # "3600²" and "٣٦٠٠" pass str.isdigit(); the first made int() raise a bare ValueError naming no field.
    @pytest.mark.parametrize(
        "value",
        # "0x708": Hadoop's getInt/getLong would read it as hexadecimal 1800; how EMRFS reads it is not documented.
        ["3601", "7200", 43200, "899", "0", "-5", "1h", "", None, True, 3600.0, "3600²", "٣٦٠٠", "0x708", "0X708"],
    )
    def test_emrfs_site_properties_outside_900_3600_are_refused(self, value: Any) -> None:
        refused(
            lambda: plan_launch(overrides(), emrfs_site_properties={"fs.s3.sts.sessionDurationSeconds": value}),
            "emrfs_site_properties.fs.s3.sts.sessionDurationSeconds",
            "one hour",
        )

    def test_the_users_emrfs_site_classification_is_checked_too(self) -> None:
        user = [
            {"Classification": "core-site", "Properties": {}},
            {"Classification": "emrfs-site", "Properties": {"fs.s3.sts.sessionDurationSeconds": "14400"}},
        ]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user)),
            f"{CONFIGURATIONS}[1].Properties.fs.s3.sts.sessionDurationSeconds",
            "role chaining",
        )

    @pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0"])
    def test_emrfs_s_duration_put_in_core_site_is_checked_too(self, release: str) -> None:
        """Every Hadoop Configuration loads core-site.xml (Apache Hadoop API, Configuration), EMRFS's too."""
        user = [{"Classification": "core-site", "Properties": {"fs.s3.sts.sessionDurationSeconds": "7200"}}]
        refused(
            lambda: plan_launch(overrides(release, Configurations=user)),
            f"{CONFIGURATIONS}[0].Properties.fs.s3.sts.sessionDurationSeconds",
            "role chaining",
        )
        # Within range, it is still another value than emrfs-site's (none): which one EMRFS follows is not documented.
        user[0]["Properties"] = {"fs.s3.sts.sessionDurationSeconds": "1800"}
        refused(
            lambda: plan_launch(overrides(release, Configurations=user)),
            f"{CONFIGURATIONS}[0].Properties.fs.s3.sts.sessionDurationSeconds",
            "emrfs-site fs.s3.sts.sessionDurationSeconds is not set",
        )
        same = {"fs.s3.sts.sessionDurationSeconds": "1800"}
        plan = plan_launch(overrides(release, Configurations=user), emrfs_site_properties=same)
        assert plan.overrides["Configurations"][0]["Properties"]["fs.s3.sts.sessionDurationSeconds"] == "1800"

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("fs.s3.canned.acl", "PublicRead"),
            ("fs.s3.canned.acl", "bucket-owner-full-control"),  # not even a canned ACL name
            ("fs.s3.customAWSCredentialsProvider", "com.example.Provider"),
            ("fs.s3.bucket.partner-bucket.canned.acl", "Private"),
        ],
    )
    def test_an_emrfs_setting_the_launch_reads_put_in_core_site_is_refused(self, name: str, value: str) -> None:
        user = [{"Classification": "core-site", "Properties": {name: value}}]
        refused(
            lambda: plan_launch(overrides(Configurations=user)),
            f"{CONFIGURATIONS}[0].Properties.{name}",
            "in core-site",
            "emrfs-site",
        )

    # S3A's own setting, which the migration guide's table maps fs.s3.sts.sessionDurationSeconds to and which wins
    # over the translated one (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"), is a Hadoop
    # time duration in seconds by default (Apache Hadoop, "Working with IAM Assumed Roles": "Range: 15m to 1h").
    @pytest.mark.parametrize(
        "name", ["fs.s3a.assumed.role.session.duration", "fs.s3a.bucket.partner-bucket.assumed.role.session.duration"]
    )
    # "0x708": Long.parseLong reads no hexadecimal (limits.md: "never read as 1800").
    @pytest.mark.parametrize(
        "value", ["2h", "3601", "7200s", "61m", "1d", "14m", "899", "1 h", "", "soon", True, "0x708", "-0x708"]
    )
    @pytest.mark.parametrize("keep_emrfs", [False, True])  # s3a:// URIs are S3A either way
    def test_s3a_own_duration_over_an_hour_is_refused_on_s3a_releases(
        self, name: str, value: Any, keep_emrfs: bool
    ) -> None:
        user = [{"Classification": "core-site", "Properties": {name: value}}]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=keep_emrfs),
            f"{CONFIGURATIONS}[0].Properties.{name}",
            "role chaining",
            "one hour",
        )

    @pytest.mark.parametrize("value", ["1h", "1H", " 60m ", "3600", "3600s", "15m", "900", "3600000ms", "+1800"])
    def test_s3a_own_duration_up_to_an_hour_is_accepted(self, value: str) -> None:
        user = [{"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": value}}]
        plan = plan_launch(overrides("emr-7.11.0", Configurations=user), keep_emrfs=False)
        assert plan.overrides["Configurations"][0]["Properties"]["fs.s3a.assumed.role.session.duration"] == value

    @pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2003"])
    @pytest.mark.parametrize(
        ("classification", "name"),
        [("core-site", "fs.s3a.assumed.role.session.duration"), ("emrfs-site", "fs.s3.sts.sessionDurationSeconds")],
    )
    def test_a_duration_padded_with_a_space_java_keeps_is_refused(
        self, space: str, classification: str, name: str
    ) -> None:
        # Hadoop's Configuration.getTimeDuration trims with Java's String.trim (up to U+0020 only) before
        # Long.parseLong, which refuses "1800\u00a0": not 1800 seconds (it was accepted, Python's strip taking the
        # space off). EMRFS's whole seconds: how it reads them is not documented, so only ASCII digits after Java's trim.
        user = [{"Classification": classification, "Properties": {name: f"1800{space}"}}]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user)),
            f"{CONFIGURATIONS}[0].Properties.{name}",
            "role chaining",
        )

    def test_s3a_own_duration_is_checked_when_the_release_is_unknown(self) -> None:
        user = [{"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "2h"}}]
        refused(
            lambda: plan_launch(overrides(None, Configurations=user)),
            f"{CONFIGURATIONS}[0].Properties.fs.s3a.assumed.role.session.duration",
            "one hour",
        )

    @pytest.mark.parametrize(
        ("release", "extra"),
        [
            ("emr-7.9.0", {}),  # s3a:// is EMRFS before 7.10.0: S3A's setting is not the mappings'
            ("emr-7.10.0", {"fs.s3a.emrfs.compatibility.enable": "false"}),  # S3A gets no mappings (keep_emrfs)
        ],
    )
    def test_s3a_own_duration_is_not_read_where_s3a_has_no_mappings(self, release: str, extra: dict[str, str]) -> None:
        user = [{"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "2h", **extra}}]
        plan = plan_launch(overrides(release, Configurations=user))
        assert plan.overrides["Configurations"][0]["Properties"]["fs.s3a.assumed.role.session.duration"] == "2h"

    # A bucket's own fs.s3a.bucket.BUCKET. option is that bucket's filesystem's only ("By using per-filesystem
    # configuration, it is possible to use different assumed roles for different buckets": Apache Hadoop, "Working
    # with IAM Assumed Roles"); the mapped role is assumed only for a request a role mapping takes. With the
    # security configuration's Prefix mappings known, a setting no mapped role's session reads is not refused.
    @pytest.mark.parametrize("mapped", [("partner-bucket/",), ("partner-bucket/", "other/")])
    def test_a_per_bucket_duration_of_a_bucket_no_mapping_takes_is_kept(self, mapped: tuple[str, ...]) -> None:
        properties = {"fs.s3a.bucket.logs.assumed.role.session.duration": "4h"}
        user = [{"Classification": "core-site", "Properties": properties}]
        plan = plan_launch(overrides("emr-7.10.0", Configurations=user), mapped_buckets=mapped, keep_emrfs=False)
        assert plan.overrides["Configurations"][0]["Properties"] == properties

    @pytest.mark.parametrize(
        "mapped",
        [
            None,  # a User or Group mapping (or mappings not read): any bucket
            ("partner-bucket/",),
            ("partner",),  # s3://partner, a plain string prefix, takes s3://partner-bucket/... too
        ],
    )
    def test_a_per_bucket_duration_of_a_mapped_bucket_is_refused(self, mapped: tuple[str, ...] | None) -> None:
        name = "fs.s3a.bucket.partner-bucket.assumed.role.session.duration"
        user = [{"Classification": "core-site", "Properties": {name: "4h"}}]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), mapped_buckets=mapped),
            f"{CONFIGURATIONS}[0].Properties.{name}",
            "role chaining",
        )

    # EMR translates emrfs-site fs.s3.sts.sessionDurationSeconds to S3A's, and the translation "extends to
    # bucket-level configurations" when S3A's own is undefined (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
    # filesystem"): a mapped bucket's fs.s3.bucket.BUCKET.sts.sessionDurationSeconds over an hour is its mapped role's
    # chained session, which STS refuses; the verifier FAILed the cluster the launch kept.
    @pytest.mark.parametrize("mapped", [None, ("partner-bucket/",)])
    def test_an_emrfs_bucket_level_duration_of_a_mapped_bucket_is_refused_for_s3a(
        self, mapped: tuple[str, ...] | None
    ) -> None:
        name = "fs.s3.bucket.partner-bucket.sts.sessionDurationSeconds"
        user = [{"Classification": "emrfs-site", "Properties": {name: "7200"}}]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), mapped_buckets=mapped),
            f"{CONFIGURATIONS}[0].Properties.{name}",
            "role chaining",
        )
        refused(
            lambda: plan_launch(overrides("emr-7.10.0"), emrfs_site_properties={name: "2h"}, mapped_buckets=mapped),
            f"emrfs_site_properties.{name}",
            "role chaining",
        )

    @pytest.mark.parametrize(
        ("release", "mapped", "core"),
        [
            ("emr-7.10.0", ("other/",), {}),  # no mapping takes the bucket
            ("emr-7.10.0", None, {"fs.s3a.bucket.partner-bucket.assumed.role.session.duration": "1h"}),
            ("emr-7.10.0", None, {"fs.s3a.emrfs.compatibility.enable": "false"}),  # no translation (keep_emrfs)
            (
                "emr-7.9.0",
                None,
                {},
            ),  # EMRFS: its reading of the bucket-level form is not documented (verifier: unknown)
        ],
    )
    def test_an_emrfs_bucket_level_duration_s3a_does_not_read_is_kept(
        self, release: str, mapped: tuple[str, ...] | None, core: dict[str, str]
    ) -> None:
        name = "fs.s3.bucket.partner-bucket.sts.sessionDurationSeconds"
        user = [
            {"Classification": "core-site", "Properties": core},
            {"Classification": "emrfs-site", "Properties": {name: "7200"}},
        ]
        plan = plan_launch(overrides(release, Configurations=user), mapped_buckets=mapped, keep_emrfs=True)
        assert plan.overrides["Configurations"][1]["Properties"] == {name: "7200"}

    def test_an_emrfs_bucket_level_duration_beside_s3as_own_base_one_is_refused(self) -> None:
        # Whether S3A's defined base fs.s3a.assumed.role.session.duration keeps the bucket-level EMRFS one from being
        # translated ("when S3A configurations are undefined": same guide) is not documented: it may reach the role.
        name = "fs.s3.bucket.partner-bucket.sts.sessionDurationSeconds"
        user = [
            {"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "1h"}},
            {"Classification": "emrfs-site", "Properties": {name: "7200"}},
        ]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=True),
            f"{CONFIGURATIONS}[1].Properties.{name}",
            "role chaining",
        )

    def test_the_base_duration_is_kept_when_every_mapped_bucket_has_its_own(self) -> None:
        user = [
            {"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "2h"}},
            {"Classification": "core-site", "Properties": {"fs.s3a.bucket.a.assumed.role.session.duration": "1h"}},
        ]
        plan = plan_launch(overrides("emr-7.10.0", Configurations=user), mapped_buckets=("a/",), keep_emrfs=False)
        assert plan.overrides["Configurations"][:2] == user

    @pytest.mark.parametrize(
        "mapped",
        [
            None,
            ("a/", "b/"),  # b has no own setting: the base one is its mapped role's
            ("a",),  # s3://a takes ab/... too, which has no own setting
            ("ab",),  # s3://ab takes ab/..., which has no own setting (a's is not ab's)
        ],
    )
    def test_the_base_duration_is_refused_when_a_mapped_bucket_reads_it(self, mapped: tuple[str, ...] | None) -> None:
        properties = {
            "fs.s3a.assumed.role.session.duration": "2h",
            "fs.s3a.bucket.a.assumed.role.session.duration": "1h",
        }
        user = [{"Classification": "core-site", "Properties": properties}]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), mapped_buckets=mapped),
            f"{CONFIGURATIONS}[0].Properties.fs.s3a.assumed.role.session.duration",
            "role chaining",
        )

    # S3A reads its options from Hadoop's configuration, whose site file is core-site.xml (Apache Hadoop, "Hadoop-AWS
    # module", where every fs.s3a option is set there); Spark passes only spark.hadoop.* on to Hadoop ("adding
    # configuration spark.hadoop.abc.def=xyz represents adding hadoop property abc.def=xyz": Spark documentation,
    # "Configuration", "Custom Hadoop/Hive Configuration"): a per-bucket duration written elsewhere is no bucket's
    # own, and another per-bucket option is not its duration.
    @pytest.mark.parametrize(
        "elsewhere",
        [
            {"Classification": "spark-defaults", "Properties": {"fs.s3a.bucket.a.assumed.role.session.duration": "1h"}},
            {"Classification": "core-site", "Properties": {"fs.s3a.bucket.a.acl.default": "BucketOwnerFullControl"}},
            # an option of 29 characters: the bucket's name cut from it as if it were the duration's would be "a"
            {"Classification": "core-site", "Properties": {"fs.s3a.bucket.a.downgrade.syncable.exceptions": "true"}},
        ],
    )
    def test_the_base_duration_is_refused_when_only_other_settings_name_the_bucket(
        self, elsewhere: dict[str, Any]
    ) -> None:
        user = [
            {"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "2h"}},
            elsewhere,
        ]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), mapped_buckets=("a/",)),
            f"{CONFIGURATIONS}[0].Properties.fs.s3a.assumed.role.session.duration",
            "role chaining",
        )

    @pytest.mark.parametrize(
        "properties",
        [
            {"fs.s3a.bucket.partner-bucket.acl.default": "BucketOwnerFullControl"},
            # beside a bucket's own duration, before or after it
            {
                "fs.s3a.acl.default": "BucketOwnerFullControl",
                "fs.s3a.bucket.partner-bucket.assumed.role.session.duration": "1h",
            },
            {
                "fs.s3a.bucket.partner-bucket.assumed.role.session.duration": "1h",
                "fs.s3a.acl.default": "BucketOwnerFullControl",
            },
        ],
    )
    def test_other_per_bucket_options_are_not_read_as_a_duration(self, properties: dict[str, str]) -> None:
        user = [{"Classification": "core-site", "Properties": properties}]
        plan = plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=False)
        assert plan.overrides["Configurations"][0]["Properties"] == properties

    # Amazon EMR API Reference, "Configuration": Properties is optional (Required: No); a classification that holds
    # only nested Configurations has none.
    @pytest.mark.parametrize("classification", ["emrfs-site", "core-site"])
    def test_a_classification_without_properties_is_taken(self, classification: str) -> None:
        user = [{"Classification": classification, "Configurations": []}]
        plan = plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=False)
        assert {"Classification": classification, "Configurations": []} in plan.overrides["Configurations"]

    def test_other_classifications_are_not_read_for_it(self) -> None:
        user = [{"Classification": "spark-defaults", "Properties": {"fs.s3.sts.sessionDurationSeconds": "7200"}}]
        plan = plan_launch(overrides(Configurations=user))
        assert plan.overrides["Configurations"] == user

    # Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": the mapping of EMRFS settings to S3A's
    # "extends to bucket-level configurations", fs.s3.sts.sessionDurationSeconds mapped to S3A's
    # fs.s3a.assumed.role.session.duration: fs.s3.bucket.BUCKET.sts.sessionDurationSeconds is that bucket's S3A
    # session, capped at one hour as every chained one (AWS STS API Reference, AssumeRole, DurationSeconds).
    BUCKET_LEVEL = "fs.s3.bucket.partner-bucket.sts.sessionDurationSeconds"

    @pytest.mark.parametrize("mapped", [None, ("partner-bucket/",), ("partner",)])
    @pytest.mark.parametrize("value", ["7200", "3601", "899", "soon"])
    def test_a_bucket_level_emrfs_duration_of_a_mapped_bucket_is_refused_on_s3a_releases(
        self, mapped: tuple[str, ...] | None, value: str
    ) -> None:
        user = [{"Classification": "emrfs-site", "Properties": {self.BUCKET_LEVEL: value}}]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), mapped_buckets=mapped),
            f"{CONFIGURATIONS}[0].Properties.{self.BUCKET_LEVEL}",
            "partner-bucket",
            "role chaining",
        )

    def test_a_bucket_level_emrfs_duration_given_as_emrfs_site_properties_is_refused(self) -> None:
        refused(
            lambda: plan_launch(overrides(None), emrfs_site_properties={self.BUCKET_LEVEL: "7200"}),
            f"emrfs_site_properties.{self.BUCKET_LEVEL}",
            "role chaining",
        )

    def test_a_bucket_level_emrfs_duration_is_refused_beside_s3a_own_base_setting(self) -> None:
        # Whether S3A's defined base setting keeps the bucket-level one from being translated is not documented.
        user = [
            {"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.session.duration": "1h"}},
            {"Classification": "emrfs-site", "Properties": {self.BUCKET_LEVEL: "7200"}},
        ]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=False),
            f"{CONFIGURATIONS}[1].Properties.{self.BUCKET_LEVEL}",
        )

    @pytest.mark.parametrize(
        ("release", "core", "mapped"),
        [
            ("emr-7.10.0", {}, ("other/",)),  # a bucket no role mapping takes
            ("emr-7.10.0", {"fs.s3a.bucket.partner-bucket.assumed.role.session.duration": "1h"}, None),  # S3A's own
            ("emr-7.10.0", {"fs.s3a.emrfs.compatibility.enable": "false"}, None),  # not translated
            ("emr-7.9.0", {}, None),  # EMRFS everywhere, whose bucket-level reading is not documented
        ],
    )
    def test_a_bucket_level_emrfs_duration_s3a_does_not_take_is_kept(
        self, release: str, core: dict[str, str], mapped: tuple[str, ...] | None
    ) -> None:
        user = [
            {"Classification": "core-site", "Properties": core},
            {
                "Classification": "emrfs-site",
                "Properties": {self.BUCKET_LEVEL: "7200", "fs.s3.sts.sessionDurationSeconds": "3600"},
            },
        ]
        plan = plan_launch(overrides(release, Configurations=user), mapped_buckets=mapped)
        assert plan.overrides["Configurations"][1]["Properties"][self.BUCKET_LEVEL] == "7200"


@pytest.mark.parametrize("protected", [True, "true", "True"])
def test_termination_protection_is_a_warning_naming_the_teardown_opt_in(protected: Any) -> None:
    # Amazon EMR Management Guide, "Using termination protection": TerminateJobFlows "does not work".
    arguments = overrides(Instances={"InstanceCount": 1, **KEEP_ALIVE, "TerminationProtected": protected})

    plan = plan_launch(arguments)

    (warning,) = plan.warnings
    assert "TerminationProtected" in warning
    assert "TerminateClusterOperator" in warning
    assert "disable_termination_protection=True" in warning
    assert plan.overrides["Instances"]["TerminationProtected"] == protected  # passed through as written


@pytest.mark.parametrize("protected", [False, "false", None])
def test_no_warning_without_termination_protection(protected: Any) -> None:
    instances: dict[str, Any] = {"InstanceCount": 1, **KEEP_ALIVE}
    if protected is not None:
        instances["TerminationProtected"] = protected
    assert plan_launch(overrides(Instances=instances)).warnings == []


class TestKeepAlive:
    """
    Amazon EMR API Reference, "JobFlowInstancesConfig": KeepJobFlowAliveWhenNoSteps "Specifies whether
    the cluster should remain available after completing all steps. Defaults to false."
    """

    FIELD = "job_flow_overrides.Instances.KeepJobFlowAliveWhenNoSteps"
    STEP = {"Name": "export", "ActionOnFailure": "TERMINATE_CLUSTER", "HadoopJarStep": {"Jar": "command-runner.jar"}}

    @pytest.mark.parametrize(
        "instances", [{"InstanceCount": 1}, {"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": False}]
    )
    @pytest.mark.parametrize("steps", [None, []])
    def test_no_steps_and_no_keep_alive_is_refused(self, instances: dict[str, Any], steps: Any) -> None:
        arguments = overrides(Instances=instances)
        if steps is not None:
            arguments["Steps"] = steps

        error = refused(lambda: plan_launch(arguments), self.FIELD, "no Steps", "terminate", "TerminateClusterOperator")

        assert "Set it to True" in error.problem
        assert "emr_conn_id extra" in error.problem
        # What the error says to do is launched as given, without a note.
        arguments["Instances"] = {**instances, "KeepJobFlowAliveWhenNoSteps": True}
        plan = plan_launch(arguments)
        assert plan.overrides["Instances"]["KeepJobFlowAliveWhenNoSteps"] is True
        assert not any("KeepJobFlowAliveWhenNoSteps" in note for note in plan.notes)

    def test_no_instances_at_all_is_refused(self) -> None:
        arguments = {key: value for key, value in overrides().items() if key != "Instances"}
        refused(lambda: plan_launch(arguments), self.FIELD, "defaults it to false")

    @pytest.mark.parametrize("value", ["true", "True", 1])
    def test_a_value_that_is_not_a_boolean_is_refused(self, value: Any) -> None:
        arguments = overrides(Instances={"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": value})
        refused(lambda: plan_launch(arguments), self.FIELD, "must be True or False", repr(value))

    @pytest.mark.parametrize("keep_alive", [None, False])
    def test_steps_without_keep_alive_terminate_after_them_with_a_note(self, keep_alive: bool | None) -> None:
        instances: dict[str, Any] = {"InstanceCount": 1}
        if keep_alive is not None:
            instances["KeepJobFlowAliveWhenNoSteps"] = keep_alive
        arguments = overrides(Instances=instances, Steps=[self.STEP])

        plan = plan_launch(arguments)

        assert plan.overrides["Instances"] == instances
        assert plan.overrides["Steps"] == [self.STEP]
        assert any("terminates after its last step" in note for note in plan.notes)
        assert plan.warnings == []

    def test_steps_must_be_a_list_of_steps(self) -> None:
        arguments = overrides(Instances={"InstanceCount": 1}, Steps="export")
        refused(lambda: plan_launch(arguments), "job_flow_overrides.Steps", "list of steps")


class TestWaitPolicy:
    """
    ``WaitPolicy.WAIT_FOR_STEPS_COMPLETION`` waits with the Amazon provider's ``job_flow_terminated`` waiter
    (``waiters/emr.json``: success on ``TERMINATED`` only). Amazon EMR API Reference, "JobFlowInstancesConfig":
    KeepJobFlowAliveWhenNoSteps "Specifies whether the cluster should remain available after completing all steps";
    "AutoTerminationPolicy": IdleTimeout is "the amount of idle time in seconds after which the cluster automatically
    terminates".
    """

    STEPS = [TestKeepAlive.STEP]
    #: The Amazon provider's defaults: waiter_max_attempts 60 x waiter_delay 60, a wait of 3600 s.
    WAITS: dict[str, int] = {"waiter_max_attempts": 60, "waiter_delay": 60}

    @pytest.mark.parametrize("steps", [None, STEPS])
    @pytest.mark.parametrize("wait_policy", [WaitPolicy.WAIT_FOR_STEPS_COMPLETION, "wait_for_steps_completion"])
    def test_waiting_for_the_end_of_a_cluster_kept_alive_is_refused(self, steps: Any, wait_policy: Any) -> None:
        arguments = overrides() if steps is None else overrides(Steps=steps)

        error = refused(
            lambda: check_wait_policy(
                arguments, wait_policy, **self.WAITS, instances_field="emr_conn_id extra Instances"
            ),
            "wait_policy",
            "emr_conn_id extra Instances.KeepJobFlowAliveWhenNoSteps is true",
            "never ends",
            "WAIT_FOR_COMPLETION",
            "AutoTerminationPolicy",
            "KeepJobFlowAliveWhenNoSteps=False",
        )
        assert "TERMINATED" in error.problem

    @pytest.mark.parametrize("idle_timeout", [3600, 3601, 604800], ids=["equal", "above", "a-week"])
    def test_an_idle_timeout_the_wait_cannot_outlast_is_refused(self, idle_timeout: int) -> None:
        """
        Amazon EMR Management Guide, "Using an auto-termination policy": a cluster is idle only once up with no
        pending steps and no active YARN application, so it starts and then idles IdleTimeout seconds before it ends:
        an IdleTimeout as long as the wait (waiter_max_attempts x waiter_delay) or longer cannot end it in time.
        """
        arguments = overrides(AutoTerminationPolicy={"IdleTimeout": idle_timeout})

        refused(
            lambda: check_wait_policy(arguments, WaitPolicy.WAIT_FOR_STEPS_COMPLETION, **self.WAITS),
            "wait_policy",
            f"AutoTerminationPolicy.IdleTimeout is {idle_timeout} s",
            "waiter_max_attempts x waiter_delay = 60 x 60 = 3600 s",
            "WAIT_FOR_COMPLETION",
            "Lower IdleTimeout",
            "raise waiter_max_attempts",
        )

    @pytest.mark.parametrize(
        ("arguments", "wait_policy"),
        [
            pytest.param(
                overrides(AutoTerminationPolicy={"IdleTimeout": 600}), WaitPolicy.WAIT_FOR_STEPS_COMPLETION, id="idle"
            ),
            # No IdleTimeout: the API reference documents no default for it (Amazon EMR API Reference,
            # "AutoTerminationPolicy"), so none to compare; a value EMR does not take as an int is botocore's to refuse.
            pytest.param(
                overrides(AutoTerminationPolicy={}), WaitPolicy.WAIT_FOR_STEPS_COMPLETION, id="idle-timeout-absent"
            ),
            pytest.param(
                overrides(AutoTerminationPolicy={"IdleTimeout": "7200"}),
                WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
                id="idle-timeout-not-int",
            ),
            pytest.param(
                overrides(Instances={"InstanceCount": 1}, Steps=STEPS, AutoTerminationPolicy={"IdleTimeout": 7200}),
                "wait_for_steps_completion",
                id="ends-after-steps-idle-long",
            ),
            pytest.param(
                overrides(Instances={"InstanceCount": 1}, Steps=STEPS),
                "wait_for_steps_completion",
                id="ends-after-steps",
            ),
            pytest.param(
                overrides(Instances={"InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": False}, Steps=STEPS),
                "wait_for_steps_completion",
                id="keep-alive-false",
            ),
            pytest.param(overrides(), WaitPolicy.WAIT_FOR_COMPLETION, id="wait-up"),
            pytest.param(overrides(), None, id="no-wait"),
        ],
    )
    def test_a_wait_that_can_end_is_allowed(self, arguments: dict[str, Any], wait_policy: Any) -> None:
        check_wait_policy(arguments, wait_policy, **self.WAITS)

    @pytest.mark.parametrize("idle_timeout", [1800, 3000], ids=["equal", "above"])
    def test_an_idle_timeout_the_execution_timeout_cannot_outlast_is_refused(self, idle_timeout: int) -> None:
        """
        The task's wait ends at its ``execution_timeout`` when that is shorter than waiter_max_attempts x waiter_delay
        (Airflow stops the task; on_kill, or the resumed deferral, ends the cluster): an IdleTimeout ("the amount of
        idle time in seconds after which the cluster automatically terminates", Amazon EMR API Reference,
        "AutoTerminationPolicy") as long as that timeout or longer cannot end the cluster in time.
        """
        arguments = overrides(AutoTerminationPolicy={"IdleTimeout": idle_timeout})

        refused(
            lambda: check_wait_policy(
                arguments,
                WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
                **self.WAITS,
                execution_timeout=timedelta(minutes=30),
            ),
            "wait_policy",
            f"AutoTerminationPolicy.IdleTimeout is {idle_timeout} s",
            "execution_timeout (1800 s, shorter than the wait (waiter_max_attempts x waiter_delay = 60 x 60 = 3600 s))",
        )

    @pytest.mark.parametrize(
        ("execution_timeout", "idle_timeout"),
        [(None, 3000), (timedelta(0), 3000), (timedelta(hours=2), 3000), (timedelta(minutes=30), 1799)],
        ids=["no-timeout", "zero-timeout-is-none", "timeout-above-the-wait", "idle-below-the-timeout"],
    )
    def test_an_idle_timeout_below_both_bounds_is_allowed(
        self, execution_timeout: timedelta | None, idle_timeout: int
    ) -> None:
        arguments = overrides(AutoTerminationPolicy={"IdleTimeout": idle_timeout})

        check_wait_policy(
            arguments, WaitPolicy.WAIT_FOR_STEPS_COMPLETION, **self.WAITS, execution_timeout=execution_timeout
        )

    def test_a_zero_execution_timeout_is_none_and_keeps_the_waiter_bound(self) -> None:
        """
        ``timedelta(0)`` is no timeout to Airflow: the Task SDK's task runner times the task only
        ``if task.execution_timeout:`` (``airflow.sdk.execution_time.task_runner._run_execute_callable``), and
        ``[core] default_task_execution_timeout = 0`` gives every task ``timedelta(0)``.
        """
        arguments = overrides(AutoTerminationPolicy={"IdleTimeout": 3600})

        error = refused(
            lambda: check_wait_policy(
                arguments, WaitPolicy.WAIT_FOR_STEPS_COMPLETION, **self.WAITS, execution_timeout=timedelta(0)
            ),
            "wait_policy",
            "as long as the wait (waiter_max_attempts x waiter_delay = 60 x 60 = 3600 s) or longer",
        )
        assert "execution_timeout (" not in error.problem

    def test_an_execution_timeout_above_the_wait_keeps_the_waiter_bound(self) -> None:
        arguments = overrides(AutoTerminationPolicy={"IdleTimeout": 3600})

        error = refused(
            lambda: check_wait_policy(
                arguments,
                WaitPolicy.WAIT_FOR_STEPS_COMPLETION,
                **self.WAITS,
                execution_timeout=timedelta(hours=2),
            ),
            "wait_policy",
            "as long as the wait (waiter_max_attempts x waiter_delay = 60 x 60 = 3600 s) or longer",
        )
        assert "execution_timeout (" not in error.problem


class TestEmrfsTranslationSwitch:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": from 7.10.0 EMR translates
    the EMRFS settings (fs.s3.authorization.roleMapping among them) to S3A, and "To disable this
    automatic translation", core-site fs.s3a.emrfs.compatibility.enable = false.
    """

    PROPERTY = "fs.s3a.emrfs.compatibility.enable"

    def configurations(self, value: Any) -> list[dict[str, Any]]:
        return [
            {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}},
            {"Classification": "core-site", "Properties": {self.PROPERTY: value}},
        ]

    @pytest.mark.parametrize("value", ["false", "FALSE", " False ", False])
    @pytest.mark.parametrize("release", ["emr-7.10.0", "emr-7.12.0", "emr-8.0.0"])
    def test_role_mappings_on_s3a_without_translation_are_refused(self, value: Any, release: str) -> None:
        arguments = overrides(release, Configurations=self.configurations(value))

        with pytest.raises(InvalidParameterError) as caught:
            plan_launch(arguments, uses_role_mappings=True, keep_emrfs=False)

        assert caught.value.field == f"{CONFIGURATIONS}[1].Properties.{self.PROPERTY}"
        assert "role mappings" in caught.value.problem
        assert "keep_emrfs=True" in caught.value.problem

    @pytest.mark.parametrize("value", ["false", "FALSE"])
    def test_keeping_emrfs_warns_that_s3a_uris_get_no_mapping(self, value: str) -> None:
        plan = plan_launch(overrides("emr-7.10.0", Configurations=self.configurations(value)), keep_emrfs=True)

        (note,) = plan.notes
        assert "s3a:// URIs get no role mapping" in note
        assert "apply on both connectors" not in note
        assert note in plan.warnings
        core_site = plan.overrides["Configurations"][1]["Properties"]
        assert core_site[self.PROPERTY] == value  # the user's setting is kept as written
        assert core_site["fs.s3.impl"] == EMRFS_IMPL

    @pytest.mark.parametrize("value", ["true", "TRUE", None])
    @pytest.mark.parametrize("keep_emrfs", [True, False])
    def test_translation_on_or_absent_keeps_the_mappings(self, value: str | None, keep_emrfs: bool) -> None:
        configurations = None if value is None else self.configurations(value)
        arguments = overrides("emr-7.10.0", **({"Configurations": configurations} if configurations else {}))

        plan = plan_launch(arguments, keep_emrfs=keep_emrfs)

        assert "no role mapping" not in " ".join(plan.notes)
        assert plan.warnings == []

    @pytest.mark.parametrize("classification", ["spark-defaults", "hadoop-env"])
    def test_the_switch_counts_only_in_core_site(self, classification: str) -> None:
        """The guide's switch is a core-site.xml property: the same name in another classification is not it."""
        configurations = [{"Classification": classification, "Properties": {self.PROPERTY: "false"}}]

        plan = plan_launch(overrides("emr-7.10.0", Configurations=configurations), keep_emrfs=False)

        assert plan.warnings == []
        assert "so the role mappings apply" in plan.notes[0]

    @pytest.mark.parametrize("value", ["false\u00a0", "\u3000FALSE", "off"])
    @pytest.mark.parametrize("keep_emrfs", [True, False])
    def test_a_switch_neither_true_nor_false_is_refused(self, value: str, keep_emrfs: bool) -> None:
        # Hadoop's Configuration.getBoolean trims with Java's String.trim (up to U+0020 only), true/false in any
        # case; another value takes the caller's default, which the migration guide does not document.
        arguments = overrides("emr-7.10.0", Configurations=self.configurations(value))

        with pytest.raises(InvalidParameterError) as caught:
            plan_launch(arguments, uses_role_mappings=True, keep_emrfs=keep_emrfs)

        assert caught.value.field == f"{CONFIGURATIONS}[1].Properties.{self.PROPERTY}"
        assert "neither true nor false" in caught.value.problem

    @pytest.mark.parametrize("release", ["emr-7.9.0", "emr-6.15.0"])
    def test_releases_before_s3a_are_unaffected(self, release: str) -> None:
        plan = plan_launch(overrides(release, Configurations=self.configurations("false")), keep_emrfs=False)

        assert plan.notes == [f"{release} uses EMRFS for s3://."]
        assert plan.warnings == []

    @pytest.mark.parametrize("release", ["emr-7.9.0", "emr-6.15.0"])
    def test_a_switch_neither_true_nor_false_before_s3a_is_unaffected(self, release: str) -> None:
        # The translation is 7.10.0's (the migration guide); before it the verifier reads no switch either
        # (checks/release.py): refusing it here refused a cluster the verifier passes.
        plan = plan_launch(overrides(release, Configurations=self.configurations("off")), keep_emrfs=False)

        assert plan.notes == [f"{release} uses EMRFS for s3://."]

    def test_a_switch_neither_true_nor_false_is_refused_with_the_release_unknown(self) -> None:
        arguments = overrides(None, Configurations=self.configurations("off"))
        with pytest.raises(InvalidParameterError) as caught:
            plan_launch(arguments, uses_role_mappings=True, keep_emrfs=True)
        assert caught.value.field == f"{CONFIGURATIONS}[1].Properties.{self.PROPERTY}"

    def test_without_role_mappings_the_switch_is_the_user_s_business(self) -> None:
        arguments = overrides("emr-7.10.0", Configurations=self.configurations("false"))
        plan = plan_launch(arguments, uses_role_mappings=False, keep_emrfs=False)
        assert plan.warnings == []


class TestClusterName:
    """Amazon EMR API Reference, RunJobFlow, ``Name``: "Maximum length of 256" (``XmlStringMaxLen256``)."""

    def test_256_characters_are_accepted(self) -> None:
        assert validate_cluster_name("n" * 256, "job_flow_overrides.Name") == "n" * 256

    def test_257_characters_are_refused(self) -> None:
        refused(lambda: validate_cluster_name("n" * 257, "job_flow_overrides.Name"), "job_flow_overrides.Name", "256")


@pytest.mark.parametrize("neighbour", ["!", "X"])
def test_a_flag_is_trimmed_of_characters_up_to_u0020_only(neighbour: str) -> None:
    """
    Hadoop's Configuration.getBoolean compares getTrimmed(name), Java's String.trim, with "true"/"false" ignoring
    case; String.trim removes "any character whose codepoint is less than or equal to 'U+0020' (the space character)"
    and no other (Java SE API, String.trim). "!" (U+0021, the first character above) and a letter are kept, so
    "true!" is neither true nor false: getBoolean gives the caller's default, not known here.
    """
    from airflow_provider_emrfs_xacct.pure.cluster_config import hadoop_boolean

    assert hadoop_boolean("\x00\x20TRUE\x20\x00") is True
    assert hadoop_boolean(f"true{neighbour}") is None
    assert hadoop_boolean(f"{neighbour}false") is None


@pytest.mark.parametrize(("value", "reading"), [("FALſE", False), ("falſe", False), ("TrUe", True), ("ſ", None)])
def test_a_flag_is_compared_as_javas_equals_ignore_case(value: str, reading: bool | None) -> None:
    """
    Hadoop's Configuration.getBoolean compares with StringUtils.equalsIgnoreCase, Java's String.equalsIgnoreCase:
    characters are the same if "Applying the method Character.toUpperCase(char) to each character produces the same
    result" (Java SE API), so U+017F (long s, upper case S) matches "s": "falſe" is false (Python's lower() kept it).
    """
    from airflow_provider_emrfs_xacct.pure.cluster_config import hadoop_boolean, java_equals_ignore_case

    assert hadoop_boolean(value) is reading
    assert java_equals_ignore_case("straße", "STRASSE") is False  # one character to one, not Python's "SS"
    assert java_equals_ignore_case("ı", "I") is True  # U+0131's upper case is I


def test_the_translation_switch_read_as_java_reads_it_refuses_s3a_without_mappings() -> None:
    # "falſe" is false to Hadoop: EMR's translation is off, so keep_emrfs=False would leave s3:// unmapped (it was
    # refused as "neither true nor false", which misread it).
    user = [{"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "falſe"}}]
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=False),
        f"{CONFIGURATIONS}[0].Properties.fs.s3a.emrfs.compatibility.enable",
        "turns off EMR's translation",
    )


CUSTOM_FILESYSTEMS = ["com.example.fs.WrappedEmrFileSystem", "com.amazon.ws.emr.hadoop.fs.EmrFileSystem$Sub"]


@pytest.mark.parametrize("impl", CUSTOM_FILESYSTEMS)
@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.10.0", None])
def test_keep_emrfs_refuses_another_filesystem_class(impl: str, release: str | None) -> None:
    # A class of the customer's serves s3:// instead of EMRFS (Hadoop's FileSystem loads fs.s3.impl): keep_emrfs=True
    # asks for EMRFS. Before 7.10.0 (or without a release) nothing refused it.
    user = [{"Classification": "core-site", "Properties": {"fs.s3.impl": impl}}]
    refused(
        lambda: plan_launch(overrides(release, Configurations=user), keep_emrfs=True),
        f"{CONFIGURATIONS}[0].Properties.fs.s3.impl",
        "neither EMRFS's",
        EMRFS_IMPL,
    )


@pytest.mark.parametrize("impl", CUSTOM_FILESYSTEMS)
@pytest.mark.parametrize("release", ["emr-7.10.0", None])
def test_s3a_launch_refuses_another_filesystem_class(impl: str, release: str | None) -> None:
    # keep_emrfs=False took S3A (translated role mappings, an SDK v2 provider) as serving s3://: with a class neither
    # EMRFS's nor S3A's, what serves it AWS does not document.
    user = [{"Classification": "core-site", "Properties": {"fs.s3.impl": impl}}]
    refused(
        lambda: plan_launch(overrides(release, Configurations=user), keep_emrfs=False),
        f"{CONFIGURATIONS}[0].Properties.fs.s3.impl",
        "neither EMRFS's",
        "org.apache.hadoop.fs.s3a.S3AFileSystem",
    )
    # Before 7.10.0 too: Hadoop serves s3:// with the class fs.s3.impl names on any release (it was launched as given,
    # as "EMRFS": tests/unit/test_fs_s3_impl_before_s3a.py).
    refused(
        lambda: plan_launch(overrides("emr-7.9.0", Configurations=user), keep_emrfs=False),
        f"{CONFIGURATIONS}[0].Properties.fs.s3.impl",
        "neither EMRFS's",
        EMRFS_IMPL,
    )


class TestRepeatedClassifications:
    """Which entry EMR keeps for a property two entries of one classification set is not documented."""

    def test_a_property_two_entries_set_otherwise_is_refused(self) -> None:
        user = [
            {"Classification": "core-site", "Properties": {"fs.s3.impl": "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"}},
            {"Classification": "core-site", "Properties": {"fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}},
        ]
        refused(
            lambda: plan_launch(overrides("emr-7.10.0", Configurations=user), keep_emrfs=True),
            f"{CONFIGURATIONS}[1].Properties.fs.s3.impl",
            "Configurations[0]",
            "not documented",
        )

    def test_the_same_value_as_hadoop_reads_it_is_no_conflict(self) -> None:
        user = [
            {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "true"}},
            {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "TRUE"}},
        ]
        sent = plan_launch(overrides("emr-7.10.0", Configurations=user)).overrides["Configurations"]
        assert [entry["Properties"]["fs.s3a.emrfs.compatibility.enable"] for entry in sent] == ["true", "TRUE"]

    def test_a_setting_the_launch_adds_meets_every_entry_and_goes_into_the_last(self) -> None:
        user = [
            {"Classification": "emrfs-site", "Properties": {"fs.s3.canned.acl": "Private"}},
            {"Classification": "emrfs-site", "Properties": {"fs.s3.maxRetries": "20"}},
        ]
        refused(
            lambda: plan_launch(
                overrides(Configurations=user), emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"}
            ),
            f"{CONFIGURATIONS}[0].Properties.fs.s3.canned.acl",
            "'Private'",
        )
        user[0]["Properties"] = {"fs.s3.consistent": "false"}
        plan = plan_launch(
            overrides(Configurations=user), emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"}
        )
        sent = plan.overrides["Configurations"]
        assert sent[0] == user[0]
        assert sent[1]["Properties"] == {"fs.s3.maxRetries": "20", "fs.s3.canned.acl": "BucketOwnerFullControl"}


class TestAccessGrantsWithNoReleaseLabel:
    """
    S3 Access Grants from 6.15.0 with ``fs.s3.s3AccessGrants.fallbackToIAM=false``: EMR gets a Spark job's S3
    credentials from Access Grants, so no write goes as the mapped role (Amazon EMR Management Guide, "Using Amazon S3
    Access Grants with Amazon EMR"). With no ReleaseLabel the release may be 6.15.0 or later; a launch that EMRFS serves,
    or may serve (before 7.10.0 by default: Amazon EMR Release Guide, "EMR File System (EMRFS)"), was planned as if
    the release were before 6.15.0, while the same launch was refused on emr-6.15.0 and emr-7.5.0.
    """

    ENABLED = "fs.s3.s3AccessGrants.enabled"
    NO_FALLBACK = {ENABLED: "true", "fs.s3.s3AccessGrants.fallbackToIAM": "false"}
    FIELD = f"emrfs_site_properties.{ENABLED}"

    @pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.5.0", None])
    def test_refused_with_keep_emrfs_on_any_release_or_none(self, release: str | None) -> None:
        error = refused(
            lambda: plan_launch(overrides(release), uses_role_mappings=True, emrfs_site_properties=self.NO_FALLBACK),
            self.FIELD,
            "no write to the partner would go as the security configuration's mapped role",
        )
        if release is None:
            assert "the release may be emr-6.15.0 or later, and EMRFS is kept for s3:// on any release" in error.problem

    def test_refused_without_keep_emrfs_where_emrfs_serves_s3_before_7_10_0(self) -> None:
        refused(
            lambda: plan_launch(
                overrides(None),
                uses_role_mappings=True,
                keep_emrfs=False,
                emrfs_site_properties=self.NO_FALLBACK,
            ),
            self.FIELD,
            "the release may be emr-6.15.0 or later, and EMRFS serves s3:// before emr-7.10.0",
        )

    def test_a_switch_neither_true_nor_false_is_refused_too(self) -> None:
        refused(
            lambda: plan_launch(
                overrides(None),
                uses_role_mappings=True,
                emrfs_site_properties={**self.NO_FALLBACK, self.ENABLED: "yes"},
            ),
            self.FIELD,
            "not documented (no ReleaseLabel given: the release may be emr-6.15.0 or later",
        )

    def test_planned_where_emrfs_does_not_serve_s3_or_without_role_mappings_or_with_the_fallback(self) -> None:
        s3a = [{"Classification": "core-site", "Properties": {"fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem"}}]
        plan_launch(
            overrides(None, Configurations=s3a),
            uses_role_mappings=True,
            keep_emrfs=False,
            emrfs_site_properties=self.NO_FALLBACK,
        )
        plan_launch(overrides(None), uses_role_mappings=False, emrfs_site_properties=self.NO_FALLBACK)
        plan_launch(overrides("emr-6.14.0"), uses_role_mappings=True, emrfs_site_properties=self.NO_FALLBACK)
        fallback = {**self.NO_FALLBACK, "fs.s3.s3AccessGrants.fallbackToIAM": "true"}
        plan_launch(overrides(None), uses_role_mappings=True, emrfs_site_properties=fallback)
