"""
``Configurations`` nested under any classification of Hadoop properties, not only ``core-site``: refused, not checked.

The Amazon EMR API Reference ("Configuration") says only that ``Configurations`` is "A list of additional
configurations to apply within a configuration object"; what EMR does with one nested under a site file is not
documented. docs/limits.md promises the launch's refusal and the verifier's "not checked" for every classification
of :data:`HADOOP_PROPERTY_CLASSIFICATIONS` (``core-site``, ``emrfs-site``, ``spark-defaults``, the other site files),
at the cluster's level and in an instance group's own ``Configurations``.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.checks.spark_settings import NESTED_LINK
from airflow_provider_emrfs_xacct.pure.cluster_config import HADOOP_PROPERTY_CLASSIFICATIONS, plan_launch
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from tests.unit.test_chain import by_name, healthy_state
from tests.unit.test_file_context_classes import FIELD, _overrides, _site

EVERY = pytest.mark.parametrize("classification", HADOOP_PROPERTY_CLASSIFICATIONS)
GROUP = "instance group core (ig-1, CORE)"


def _nested(classification: str) -> dict[str, Any]:
    """``classification`` with an ``emrfs-site`` role mapping setting nested under it."""
    inner = _site("emrfs-site", **{"fs.s3.authorization.roleMapping": "x"})
    return {"Classification": classification, "Properties": {}, "Configurations": [inner]}


@EVERY
def test_the_launch_refuses_configurations_nested_under_it(classification: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(_overrides("emr-6.15.0", _nested(classification)), uses_role_mappings=True)
    assert raised.value.field == f"{FIELD}[0].Configurations"
    assert f"is nested under {classification}" in str(raised.value)


@EVERY
def test_the_launch_refuses_them_in_an_instance_group_s_own_configurations(classification: str) -> None:
    overrides = _overrides("emr-6.15.0", instances={"InstanceGroups": [{"Configurations": [_nested(classification)]}]})
    with pytest.raises(InvalidParameterError) as raised:
        plan_launch(overrides, uses_role_mappings=True)
    assert raised.value.field == "job_flow_overrides.Instances.InstanceGroups[0].Configurations[0].Configurations"


@EVERY
def test_the_verifier_leaves_them_not_checked(classification: str) -> None:
    state = healthy_state()
    state.cluster_configurations = [_nested(classification)]

    report = check_chain(state)

    link = by_name(report)[NESTED_LINK]
    assert link.status == UNKNOWN
    assert f"{classification} (Configurations[0])" in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED


@EVERY
def test_the_verifier_leaves_an_instance_group_s_not_checked(classification: str) -> None:
    state = healthy_state()
    state.instance_configurations = [(GROUP, [_nested(classification)])]

    report = check_chain(state)

    link = by_name(report)[NESTED_LINK]
    assert link.status == UNKNOWN
    assert f"{GROUP}'s {classification} (Configurations[0])" in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED
