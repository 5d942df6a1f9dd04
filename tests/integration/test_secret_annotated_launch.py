"""
LaunchClusterWithSecConfigOperator against moto: a setting given with the ``EMR.secret@`` annotation is refused as the
plain one is, naming the annotated field, before any write.

EMR "retrieves this secret when it sends configuration data to the cluster" and "doesn't send the annotation" (Amazon
EMR Release Guide, "Store sensitive configuration data in AWS Secrets Manager"): ``EMR.secret@NAME`` sets ``NAME`` on
the cluster, to the secret's value. The refusal tests of ``test_launch_options.py`` are run here again with each key
of their configurations annotated and a secret's ARN as its value; before, each of these launched.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.integration import test_launch_options as options
from tests.integration.test_launch_options import (
    TRANSLATION_OFF,
    Launch,
    emr,  # noqa: F401 (a fixture)
    instance_groups,
    make_operator,
    overrides,
)
from tests.unit.test_secret_annotated_settings import SECRET, cases, secret


def annotated(configurations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``configurations`` with each property's key annotated and a secret's ARN as its value."""
    result = copy.deepcopy(configurations)
    for configuration in result:
        configuration["Properties"] = {secret(key): SECRET for key in configuration.get("Properties", {})}
    return result


def annotated_field(field: str) -> str:
    """The field of a refusal (``…Properties.NAME``, ``emrfs_site_properties.NAME``) with its property annotated."""
    head, separator, name = field.rpartition(".Properties.")
    if not separator:
        head, separator, name = field.partition(".")
    return f"{head}{separator}{secret(name)}"


def refused_before_any_write(launch: Launch, field: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        launch.run()

    assert caught.value.field == field
    assert "secret" in caught.value.problem
    assert launch.recorder.mutating == []
    assert launch.sent == []


@pytest.mark.parametrize(
    ("release", "keep_emrfs", "configurations", "field", "dry_run"),
    cases(options.test_a_clusters_own_role_mappings_are_refused_before_any_write),
)
def test_a_clusters_own_role_mappings_given_as_secrets_are_refused_before_any_write(
    emr: Any,  # noqa: F811 (the fixture)
    release: str,
    keep_emrfs: bool,
    configurations: list[dict[str, Any]],
    field: str,
    dry_run: bool,
) -> None:
    launch = Launch(
        make_operator(
            keep_emrfs=keep_emrfs,
            dry_run=dry_run,
            job_flow_overrides=overrides(ReleaseLabel=release, Configurations=annotated(configurations)),
        )
    )

    refused_before_any_write(launch, annotated_field(field))
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize(
    ("core_configurations", "field", "dry_run"),
    cases(options.test_an_instance_groups_own_connector_setting_is_refused_before_any_write),
)
def test_an_instance_groups_own_connector_setting_given_as_a_secret_is_refused_before_any_write(
    emr: Any,  # noqa: F811 (the fixture)
    core_configurations: list[dict[str, Any]],
    field: str,
    dry_run: bool,
) -> None:
    arguments = overrides(ReleaseLabel="emr-7.10.0", Instances=instance_groups(annotated(core_configurations)))
    launch = Launch(make_operator(job_flow_overrides=arguments, dry_run=dry_run))

    refused_before_any_write(launch, annotated_field(field))
    assert emr.list_clusters()["Clusters"] == []


@pytest.mark.parametrize(
    ("configurations", "emrfs_site_properties", "field"),
    cases(options.test_settings_the_verifier_could_not_judge_are_refused_before_run_job_flow),
)
def test_settings_the_verifier_could_not_judge_given_as_secrets_are_refused_before_run_job_flow(
    emr: Any,  # noqa: F811 (the fixture)
    configurations: list[dict[str, Any]],
    emrfs_site_properties: dict[str, str] | None,
    field: str,
) -> None:
    site = None if emrfs_site_properties is None else {secret(key): SECRET for key in emrfs_site_properties}
    launch = Launch(
        make_operator(
            job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=annotated(configurations)),
            emrfs_site_properties=site,
        )
    )

    refused_before_any_write(launch, annotated_field(field))
    assert emr.list_clusters()["Clusters"] == []


def test_s3a_with_the_translation_switch_given_as_a_secret_is_refused_before_run_job_flow(
    emr: Any,  # noqa: F811 (the fixture)
) -> None:
    """Its secret may be false, which leaves every S3A write unmapped (the plain ``false`` is refused)."""
    launch = Launch(
        make_operator(
            keep_emrfs=False,
            job_flow_overrides=overrides(ReleaseLabel="emr-7.10.0", Configurations=annotated(TRANSLATION_OFF)),
        )
    )

    refused_before_any_write(
        launch, f"job_flow_overrides.Configurations[0].Properties.{secret('fs.s3a.emrfs.compatibility.enable')}"
    )
    assert emr.list_clusters()["Clusters"] == []
