"""
A configuration property given with the ``EMR.secret@`` annotation is the property named after it.

Amazon EMR Release Guide, "Store sensitive configuration data in AWS Secrets Manager": "If you indicate that a key-value
pair contains an ARN for a secret stored in Secrets Manager, Amazon EMR retrieves this secret when it sends
configuration data to the cluster. Amazon EMR doesn't send the annotation when it uses external APIs to display the
configuration." So ``core-site`` ``EMR.secret@fs.s3a.emrfs.compatibility.enable`` reaches the cluster as
``fs.s3a.emrfs.compatibility.enable`` set to the secret's value, and ``emrfs-site``
``EMR.secret@fs.s3.authorization.roleMapping`` as role mappings replacing the security configuration's. Before, every
launch check compared the name as written, and each of these launched.

The launch reads every name without the annotation: what it refuses by name it refuses annotated, naming the annotated
field; what it judges by value it refuses, the secret being read by nobody. The refusal tests of
``tests/unit/test_role_mapping_settings.py`` are run here again with each key annotated and a secret's ARN as its value.
The verifier reads what ``DescribeCluster`` shows: the name without the annotation, the ARN as its value.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.credential_settings import CONSISTENT_VIEW_LINK
from airflow_provider_emrfs_xacct.pure.checks.findings import PASS, UNKNOWN, VERDICT_NOT_CHECKED, VERDICT_PASS
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_IMPL,
    OTHER_HADOOP_SITES,
    SECRET_VALUE_NOT_READ,
    CredentialsProvider,
    plan_launch,
)
from airflow_provider_emrfs_xacct.pure.launched_cluster import SECRET_ANNOTATION
from tests.unit import test_role_mapping_settings, test_sts_endpoint_scheme
from tests.unit.test_chain import healthy_state
from tests.unit.test_cluster_config import KEEP_ALIVE, overrides, refused

if TYPE_CHECKING:
    from collections.abc import Callable

#: A secret's ARN (Secrets Manager: "arn:aws:secretsmanager:Region:AccountId:secret:SecretName-6RandomCharacters").
SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:partner-settings-AbCdEf"
CONFIGURATIONS = "job_flow_overrides.Configurations"


def cases(test: Callable[..., Any]) -> list[tuple[Any, ...]]:
    """
    The parameter sets of an existing test, as pytest runs it: each of its ``parametrize`` marks' values (stacked
    marks combined), in the order of the test's own parameters (its fixtures left out).
    """
    marks = [mark for mark in getattr(test, "pytestmark", []) if mark.name == "parametrize"]
    names: list[str] = []
    tables: list[list[tuple[Any, ...]]] = []
    for mark in marks:
        argnames, argvalues = mark.args[0], mark.args[1]
        listed = [name.strip() for name in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        names.extend(listed)
        tables.append([tuple(getattr(value, "values", value)) if len(listed) > 1 else (value,) for value in argvalues])
    order = [name for name in test.__code__.co_varnames[: test.__code__.co_argcount] if name in names]
    combined = [sum(combination, ()) for combination in itertools.product(*tables)]
    return [tuple(case[names.index(name)] for name in order) for case in combined]


def secret(key: str) -> str:
    return SECRET_ANNOTATION + key


def site(classification: str, **properties: str) -> dict[str, Any]:
    return {"Classification": classification, "Properties": properties}


# --- The launch: the refusals by name, with each key annotated ----------------------------------------------------


@pytest.mark.parametrize(
    ("classification", "name", "release", "keep_emrfs"),
    cases(test_role_mapping_settings.test_the_launch_refuses_every_form_of_a_role_mapping_setting),
)
def test_the_launch_refuses_every_form_of_a_role_mapping_setting_given_as_a_secret(
    classification: str, name: str, release: str | None, keep_emrfs: bool
) -> None:
    configurations = [
        site("spark-defaults", **{"spark.executor.memory": "4g"}),
        site(classification, **{secret(name): SECRET}),
    ]

    refused(
        lambda: plan_launch(overrides(release, Configurations=configurations), keep_emrfs=keep_emrfs),
        f"{CONFIGURATIONS}[1].Properties.{secret(name)}",
        "security configuration",
        "Remove it",
        SECRET_VALUE_NOT_READ,
    )


@pytest.mark.parametrize(
    "name",
    [
        case[0]
        for case in cases(
            test_role_mapping_settings.test_the_launch_refuses_a_role_mapping_setting_in_emrfs_site_properties
        )
    ],
)
def test_the_launch_refuses_a_role_mapping_setting_in_emrfs_site_properties_given_as_a_secret(name: str) -> None:
    refused(
        lambda: plan_launch(overrides(), emrfs_site_properties={secret(name): SECRET}),
        f"emrfs_site_properties.{secret(name)}",
        "Remove it",
    )


def test_the_launch_refuses_an_instance_groups_own_role_mapping_setting_given_as_a_secret() -> None:
    own = [site("emrfs-site", **{secret("fs.s3.authorization.roleMapping"): SECRET})]
    instances = {
        "InstanceGroups": [
            {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2, "Configurations": own}
        ],
        **KEEP_ALIVE,
    }

    refused(
        lambda: plan_launch(overrides(Instances=instances)),
        "job_flow_overrides.Instances.InstanceGroups[0].Configurations[0].Properties."
        + secret("fs.s3.authorization.roleMapping"),
        "security configuration",
    )


def test_a_secret_no_check_judges_is_launched_as_given_unlike_a_role_mapping() -> None:
    """A secret is what the annotation is for (S3A's keys, a metastore's password): only the names checked are refused."""
    kept = [
        site("core-site", **{secret("fs.s3a.access.key"): SECRET, secret("fs.s3a.secret.key"): SECRET}),
        site("hive-site", **{secret("javax.jdo.option.ConnectionPassword"): SECRET}),
    ]

    plan = plan_launch(overrides("emr-7.10.0", Configurations=kept), keep_emrfs=False)

    assert plan.overrides["Configurations"] == kept
    refused(
        lambda: plan_launch(
            overrides(
                "emr-7.10.0",
                Configurations=[*kept, site("core-site", **{secret("fs.s3a.authorization.roleMapping"): SECRET})],
            ),
            keep_emrfs=False,
        ),
        f"{CONFIGURATIONS}[2].Properties.{secret('fs.s3a.authorization.roleMapping')}",
    )


# --- The launch: the refusals by value, a secret's being read by nobody -------------------------------------------


@pytest.mark.parametrize(
    ("release", "keep_emrfs", "configurations", "field"),
    [
        # The translation switch: its secret may be false, which leaves S3A's writes unmapped.
        ("emr-7.10.0", False, [site("core-site", **{secret("fs.s3a.emrfs.compatibility.enable"): SECRET})], 0),
        # The connector's class: its secret may name S3A's, or another.
        ("emr-6.15.0", True, [site("core-site", **{secret("fs.s3.impl"): SECRET})], 0),
        ("emr-7.10.0", False, [site("core-site", **{secret("fs.s3.impl"): SECRET})], 0),
        ("emr-7.10.0", True, [site("core-site", **{secret("fs.s3n.impl"): SECRET})], 0),
        # A session over the role-chaining cap, a canned ACL that is no name the connectors take.
        ("emr-6.15.0", True, [site("emrfs-site", **{secret("fs.s3.sts.sessionDurationSeconds"): SECRET})], 0),
        ("emr-6.15.0", True, [site("emrfs-site", **{secret("fs.s3.canned.acl"): SECRET})], 0),
        ("emr-7.10.0", False, [site("core-site", **{secret("fs.s3a.assumed.role.session.duration"): SECRET})], 0),
        # S3 Access Grants: on, or their fallback to IAM off, take the writes from the role mappings.
        ("emr-6.15.0", True, [site("emrfs-site", **{secret("fs.s3.s3AccessGrants.enabled"): SECRET})], 0),
        (
            "emr-6.15.0",
            True,
            [
                site(
                    "emrfs-site",
                    **{"fs.s3.s3AccessGrants.enabled": "true", secret("fs.s3.s3AccessGrants.fallbackToIAM"): SECRET},
                )
            ],
            0,
        ),
        # A value another place must match: a Spark job's, another classification's, emrfs-site's copy of core-site's.
        ("emr-7.10.0", True, [site("spark-defaults", **{secret("spark.hadoop.fs.s3.impl"): SECRET})], 0),
        ("emr-7.10.0", True, [site("hive-site", **{secret("fs.s3.impl"): SECRET})], 0),
        ("emr-7.10.0", True, [site("emrfs-site", **{secret("fs.s3.impl"): SECRET})], 0),
        # Set twice in one classification, plainly and as a secret: which one EMR sends is not documented.
        ("emr-7.10.0", True, [site("core-site", **{"fs.s3.impl": EMRFS_IMPL, secret("fs.s3.impl"): SECRET})], 0),
    ],
)
def test_a_setting_judged_by_its_value_given_as_a_secret_is_refused_naming_it(
    release: str, keep_emrfs: bool, configurations: list[dict[str, Any]], field: int
) -> None:
    key = list(configurations[field]["Properties"])[-1]

    refused(
        lambda: plan_launch(overrides(release, Configurations=configurations), keep_emrfs=keep_emrfs),
        f"{CONFIGURATIONS}[{field}].Properties.{key}",
        SECRET_VALUE_NOT_READ,
    )


@pytest.mark.parametrize(
    ("classification", "name"), [*test_sts_endpoint_scheme.SETTINGS, *test_sts_endpoint_scheme.ELSEWHERE]
)
def test_an_sts_endpoint_given_as_a_secret_is_refused_naming_it(classification: str, name: str) -> None:
    """Its scheme cannot be read: the ARN would pass as a bare host name, which the SDKs call over HTTPS."""
    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=[site(classification, **{secret(name): SECRET})])),
        f"{CONFIGURATIONS}[0].Properties.{secret(name)}",
        "cannot be judged",
        "HTTPS",
    )


def test_emrfs_site_properties_given_as_secrets_are_read_as_their_names() -> None:
    refused(
        lambda: plan_launch(overrides(), emrfs_site_properties={secret("fs.s3.canned.acl"): SECRET}),
        f"emrfs_site_properties.{secret('fs.s3.canned.acl')}",
        SECRET_VALUE_NOT_READ,
    )
    refused(
        lambda: plan_launch(
            overrides(),
            emrfs_site_properties={secret("fs.s3.customAWSCredentialsProvider"): SECRET},
            credentials_provider=CredentialsProvider("s3://emr-artifacts-a/auxlib/p.jar", "com.example.Provider"),
        ),
        f"emrfs_site_properties.{secret('fs.s3.customAWSCredentialsProvider')}",
        "emrfs_credentials_provider names 'com.example.Provider'",
    )


def test_an_instance_groups_own_connector_setting_given_as_a_secret_is_refused() -> None:
    own = [site("core-site", **{secret("fs.s3.impl"): SECRET})]
    instances = {
        "InstanceGroups": [
            {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2, "Configurations": own}
        ],
        **KEEP_ALIVE,
    }

    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Instances=instances)),
        f"job_flow_overrides.Instances.InstanceGroups[0].Configurations[0].Properties.{secret('fs.s3.impl')}",
        "InstanceGroupConfig",
    )


def test_a_padded_name_given_as_a_secret_is_refused() -> None:
    key = f" {secret('fs.s3.impl')}"

    refused(
        lambda: plan_launch(overrides("emr-7.10.0", Configurations=[site("core-site", **{key: SECRET})])),
        f"{CONFIGURATIONS}[0].Properties.{key}",
        "which Hadoop reads as 'fs.s3.impl'",
    )


@pytest.mark.parametrize("classification", ["emrfs-site", "core-site", *OTHER_HADOOP_SITES])
def test_consistent_view_given_as_a_secret_is_warned_of(classification: str) -> None:
    plan = plan_launch(overrides(Configurations=[site(classification, **{secret("fs.s3.consistent"): SECRET})]))

    [warning] = [warning for warning in plan.warnings if "consistent view" in warning]
    assert warning.startswith(f"{CONFIGURATIONS}[0].Properties.{secret('fs.s3.consistent')}=")
    assert "if the secret is true" in warning


# --- The verifier: what DescribeCluster shows ---------------------------------------------------------------------


def chain(*configurations: dict[str, Any], release: str = "emr-6.15.0") -> tuple[str, list[tuple[str, str, str]]]:
    state = healthy_state()
    state.release_label = release
    state.cluster_configurations = list(configurations)
    report = check_chain(state)
    return report.verdict, [(link.link, link.status, link.detail) for link in report.links if link.status != PASS]


@pytest.mark.parametrize("classification", ["emrfs-site", "core-site", "hive-site"])
def test_consistent_view_shown_as_a_secrets_arn_is_not_checked(classification: str) -> None:
    assert chain() == (VERDICT_PASS, [])

    verdict, links = chain(site(classification, **{"fs.s3.consistent": SECRET}))

    assert verdict == VERDICT_NOT_CHECKED
    [(_, status, detail)] = [link for link in links if link[0] == CONSISTENT_VIEW_LINK]
    assert status == UNKNOWN
    assert f"{classification} fs.s3.consistent={SECRET!r} is a Secrets Manager secret's ARN" in detail
