"""
A security configuration that requires IMDSv2 on a release whose EMR components still call IMDSv1.

Amazon EMR Management Guide, "Create a security configuration", metadata service requests: "Amazon EMR supports
IMDSv2 in Amazon EMR 5.23.1, 5.27.1, 5.32 or later, and 6.2 or later. In these releases, Amazon EMR components
use IMDSv2 for all IMDS calls. ... When you specify that IMDSv2 must be used, IMDSv1 no longer works." EMRFS
gets the instance profile's credentials, which assume the mapped roles, from IMDS: the launch refuses such a
release and the verifier fails it.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.release import IMDS_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    CredentialsProvider,
    parse_release_label,
    plan_launch,
    requires_imds_v2,
    speaks_imds_v2,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.unit.test_chain import healthy_state

IMDS_V2 = {"MinimumInstanceMetadataServiceVersion": 2, "HttpPutResponseHopLimit": 1}
WITHOUT_IMDS_V2 = ["emr-5.10.0", "emr-5.23.0", "emr-5.27.0", "emr-5.31.0", "emr-6.0.0", "emr-6.1.1"]
WITH_IMDS_V2 = ["emr-5.23.1", "emr-5.27.1", "emr-5.32.0", "emr-5.36.2", "emr-6.2.0", "emr-6.15.0", "emr-7.10.0"]


def launch_arguments(label: str) -> dict[str, Any]:
    return {"Name": "partner-export", "ReleaseLabel": label, "Instances": {"KeepJobFlowAliveWhenNoSteps": True}}


@pytest.mark.parametrize("label", WITHOUT_IMDS_V2)
def test_the_launch_refuses_a_release_without_imds_v2_when_the_configuration_requires_it(label: str) -> None:
    with pytest.raises(InvalidParameterError) as excinfo:
        plan_launch(launch_arguments(label), uses_role_mappings=True, imds_v2_required=True)

    assert excinfo.value.field == "job_flow_overrides.ReleaseLabel"
    assert label in excinfo.value.problem
    assert "MinimumInstanceMetadataServiceVersion" in excinfo.value.problem


@pytest.mark.parametrize("label", WITHOUT_IMDS_V2)
def test_the_launch_refuses_it_without_role_mappings_too(label: str) -> None:
    """
    Option (a): no role mapping, every write goes as the instance profile, whose credentials EMRFS gets from IMDS
    too; it launched, while the verifier failed the release (before, the refusal came with role mappings only).
    """
    with pytest.raises(InvalidParameterError) as excinfo:
        plan_launch(launch_arguments(label), uses_role_mappings=False, imds_v2_required=True)

    assert excinfo.value.field == "job_flow_overrides.ReleaseLabel"
    assert label in excinfo.value.problem


@pytest.mark.parametrize("uses_role_mappings", [False, True])
def test_a_credentials_provider_does_not_spare_an_old_release(uses_role_mappings: bool) -> None:
    """
    The release's EMR components call IMDSv1, whoever gives EMRFS its credentials: refused as the verifier and the
    stand-in's judge refuse it (before, a credentials provider without role mappings launched and verified FAIL).
    """
    provider = CredentialsProvider("s3://emr-artifacts-a/p.jar", "com.example.Provider")

    with pytest.raises(InvalidParameterError) as excinfo:
        plan_launch(
            launch_arguments("emr-6.1.0"),
            uses_role_mappings=uses_role_mappings,
            imds_v2_required=True,
            credentials_provider=provider,
        )

    assert excinfo.value.field == "job_flow_overrides.ReleaseLabel"
    assert "emr-6.1.0" in excinfo.value.problem


@pytest.mark.parametrize("label", WITH_IMDS_V2)
def test_the_launch_accepts_a_release_with_imds_v2(label: str) -> None:
    plan = plan_launch(launch_arguments(label), uses_role_mappings=True, imds_v2_required=True)

    assert plan.overrides["ReleaseLabel"] == label


@pytest.mark.parametrize("label", WITHOUT_IMDS_V2)
def test_the_launch_accepts_an_old_release_when_imdsv1_stays_on(label: str) -> None:
    assert plan_launch(launch_arguments(label), uses_role_mappings=True).overrides["ReleaseLabel"] == label


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"InstanceMetadataServiceConfiguration": IMDS_V2}, True),
        ({"InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": 1}}, False),
        ({}, False),
        (None, False),
    ],
)
def test_requires_imds_v2(document: Any, expected: bool) -> None:
    assert requires_imds_v2(document) is expected


@pytest.mark.parametrize(
    ("label", "expected"), [*((label, False) for label in WITHOUT_IMDS_V2), *((label, True) for label in WITH_IMDS_V2)]
)
def test_the_release_boundaries(label: str, expected: bool) -> None:
    assert speaks_imds_v2(parse_release_label(label)) is expected


@pytest.mark.parametrize(("label", "status"), [("emr-6.1.0", "fail"), ("emr-6.2.0", None)])
def test_the_verifier_fails_a_release_without_imds_v2_when_the_configuration_requires_it(
    label: str, status: str | None
) -> None:
    state = healthy_state()
    assert isinstance(state.security_configuration, dict)
    state.security_configuration["InstanceMetadataServiceConfiguration"] = dict(IMDS_V2)
    state.release_label = label

    report = check_chain(state)

    links = {link.link: link for link in report.links}
    if status is None:
        assert IMDS_LINK not in links
    else:
        assert links[IMDS_LINK].status == status
        assert report.verdict == "FAIL"
