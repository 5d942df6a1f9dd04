"""The EMR operators: security configuration, launch and terminate (template fields, defaults, XCom shape)."""

from __future__ import annotations

import datetime
import json
import math
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from airflow.providers.amazon.aws.operators.emr import EmrCreateJobFlowOperator, EmrTerminateJobFlowOperator

from airflow_provider_emrfs_xacct.operators.base import PLAN_XCOM_KEY
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import run_operator, small_cluster
from tests.unit.operators.template_fields import SAFETY_FIELDS, validate_template_fields

if TYPE_CHECKING:
    from pathlib import Path

ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"


def security_configuration(**kwargs: object) -> CreateEmrfsSecurityConfigOperator:
    return CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-acme",
        role_mappings=[{"Role": ROLE_ARN, "IdentifierType": "Prefix", "Identifiers": ["s3://partner-results-b/acme/"]}],
        **kwargs,
    )


def test_security_configuration_template_fields_and_defaults():
    operator = security_configuration()
    validate_template_fields(operator)
    assert {"name_prefix", "role_mappings", "base_configuration", *SAFETY_FIELDS} <= set(operator.template_fields)
    assert operator.base_configuration is None


def test_security_configuration_xcom_shape(moto_url):
    name, recorder, ti = run_operator(security_configuration(dry_run=True))
    assert name.startswith("emrfs-xacct-acme-")
    (change,) = ti.xcoms[PLAN_XCOM_KEY]
    assert (change["action"], change["resource"]) == ("create", f"emr security configuration {name}")
    assert change["after"]["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"][0]["Role"] == ROLE_ARN
    assert recorder.mutating == []


def test_a_base_configuration_field_of_another_type_is_refused_before_any_call(moto_url):
    """Airflow users get the partner file's check too: EMR would refuse it only at CreateSecurityConfiguration."""
    from devstack.testing import CallRecorder

    base = {"EncryptionConfiguration": {"EnableAtRestEncryption": "yes"}}
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as raised:
        run_operator(security_configuration(base_configuration=base, expected_account_id=EMR_ACCOUNT))

    assert raised.value.field == "base_configuration.EncryptionConfiguration.EnableAtRestEncryption"
    assert calls.every == []


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        pytest.param(datetime.date(2026, 1, 2), "base_configuration.Tags.Since", "is a date (2026-01-02)", id="date"),
        pytest.param({"a"}, "base_configuration.Tags.Since", "is a set, not a JSON value", id="set"),
        pytest.param(math.nan, "base_configuration.Tags.Since", "is nan, which JSON has no number", id="nan"),
        pytest.param({1: "x"}, "base_configuration.Tags.Since.1", "is a key that is a number (1)", id="number-key"),
    ],
)
def test_a_base_configuration_value_json_has_none_for_is_refused_naming_it_before_any_call(
    moto_url: str, value: object, field: str, problem: str
) -> None:
    """
    EMR takes the configuration "in JSON format" (Amazon EMR API Reference, CreateSecurityConfiguration); a value
    JSON has none for is named before any call, not found by ``json.dumps`` with a TypeError naming no field.
    """
    from devstack.testing import CallRecorder

    base = {"Tags": {"Since": value}}
    with CallRecorder().everywhere() as calls, pytest.raises(InvalidParameterError) as raised:
        run_operator(security_configuration(base_configuration=base, expected_account_id=EMR_ACCOUNT))

    assert (raised.value.field, raised.value.problem[: len(problem)]) == (field, problem)
    assert calls.every == []


def test_a_base_configuration_tuple_is_sent_as_the_list_json_writes(moto_url: str) -> None:
    name, _, _ = run_operator(security_configuration(base_configuration={"Tags": {"Kept": ("a", 1)}}))

    sent = client(moto_url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=name)["SecurityConfiguration"]
    assert json.loads(sent)["Tags"] == {"Kept": ["a", 1]}


def test_launch_template_fields_and_defaults():
    operator = LaunchClusterWithSecConfigOperator(task_id="launch", security_configuration="c")
    validate_template_fields(operator)
    assert set(EmrCreateJobFlowOperator.template_fields) < set(operator.template_fields)
    assert {
        "security_configuration",
        "emrfs_credentials_provider",
        "emrfs_site_properties",
        "keep_emrfs",
        *SAFETY_FIELDS,
    } <= set(operator.template_fields)
    assert operator.keep_emrfs is True
    assert operator.emrfs_credentials_provider is None
    assert operator.emrfs_site_properties is None
    assert "EMR Security Configurations" in [link.name for link in operator.operator_extra_links]
    # Every dict field is shown as JSON in the UI's Rendered Template view, as upstream's job_flow_overrides.
    dict_fields = [
        "job_flow_overrides",
        "security_configuration_document",
        "emrfs_credentials_provider",
        "emrfs_site_properties",
    ]
    renderers = {field: operator.template_fields_renderers.get(field) for field in dict_fields}
    assert renderers == dict.fromkeys(dict_fields, "json")


def test_terminate_template_fields_and_defaults():
    operator = TerminateClusterOperator(task_id="terminate")
    validate_template_fields(operator)
    assert set(EmrTerminateJobFlowOperator.template_fields) < set(operator.template_fields)
    assert "disable_termination_protection" in operator.template_fields
    assert operator.job_flow_id is None
    assert operator.launch_task_id is None


def test_terminate_dry_run_plans_the_termination_and_terminates_nothing(moto_url):
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**small_cluster("export", "emr-7.5.0"))["JobFlowId"]

    def terminate(**kwargs: object) -> TerminateClusterOperator:
        return TerminateClusterOperator(
            task_id="terminate",
            aws_conn_id=EMR_CONN_ID,
            job_flow_id=cluster_id,
            expected_account_id=EMR_ACCOUNT,
            **kwargs,
        )

    result, recorder, ti = run_operator(terminate(dry_run="true"))  # as a template renders it
    assert result is None
    assert ti.xcoms[PLAN_XCOM_KEY] == [
        {
            "action": "delete",
            "resource": f"emr cluster {cluster_id}",
            "before": {"ClusterId": cluster_id},
            "after": None,
        }
    ]
    assert recorder.mutating == []
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] not in ("TERMINATING", "TERMINATED")

    _, recorder, _ = run_operator(terminate())
    assert recorder.mutating == ["TerminateJobFlows"]
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] in ("TERMINATING", "TERMINATED")


def render_launch(task: Any, dag: Any) -> Any:
    """Render ``task``'s template fields as the task runner does (a mapped task: its map index 1); return the task rendered."""
    context: dict[str, Any] = {
        "dag": dag,
        "dag_run": SimpleNamespace(conf={}),
        "params": {"partner": "acme"},
        "ti": SimpleNamespace(map_index=1, run_id="manual__1", dag_id=dag.dag_id, task_id=task.task_id),
    }
    task.render_template_fields(context)
    return context.get("task", task)


@pytest.mark.parametrize("native", [False, True], ids=["strings", "native"])
@pytest.mark.parametrize("mapped", [False, True], ids=["plain", "mapped"])
def test_a_launch_renders_strings_ending_in_json_as_text(native: bool, mapped: bool) -> None:
    """
    The upstream ``template_ext`` (``.json``) reads a ``job_flow_overrides`` that names a file; any other string
    ending in ``.json`` (a step argument, a configuration name, an ``emrfs-site`` value) is text, not a file name.
    """
    from airflow.sdk import DAG

    steps = [
        {
            "Name": "run",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["s3://b/job.json", "{{ params.partner }}"]},
        }
    ]
    arguments = {
        "security_configuration": "emrfs-xacct-{{ params.partner }}.json",
        "emrfs_site_properties": {"fs.s3.example": "s3://b/{{ params.partner }}/settings.json"},
    }
    with DAG(
        f"render_{native}_{mapped}", schedule=None, render_template_as_native_obj=native, params={"partner": "acme"}
    ) as dag:
        if mapped:
            task: Any = LaunchClusterWithSecConfigOperator.partial(task_id="launch", **arguments).expand(
                job_flow_overrides=[{"Name": "a", "Steps": steps}, {"Name": "b", "Steps": steps}]
            )
        else:
            task = LaunchClusterWithSecConfigOperator(
                task_id="launch", job_flow_overrides={"Name": "b", "Steps": steps}, **arguments
            )

    rendered = render_launch(task, dag)

    assert rendered.job_flow_overrides["Name"] == "b"
    assert rendered.job_flow_overrides["Steps"][0]["HadoopJarStep"]["Args"] == ["s3://b/job.json", "acme"]
    assert rendered.security_configuration == "emrfs-xacct-acme.json"
    assert rendered.emrfs_site_properties == {"fs.s3.example": "s3://b/acme/settings.json"}


def test_a_launch_still_reads_job_flow_overrides_from_a_json_file(tmp_path: Path) -> None:
    from airflow.sdk import DAG

    (tmp_path / "overrides.json").write_text('{"Name": "export-{{ params.partner }}", "Steps": []}')
    with DAG("render_file", schedule=None, template_searchpath=str(tmp_path), params={"partner": "acme"}) as dag:
        task = LaunchClusterWithSecConfigOperator(
            task_id="launch", security_configuration="c", job_flow_overrides="overrides.json"
        )

    rendered = render_launch(task, dag)

    assert json.loads(rendered.job_flow_overrides) == {"Name": "export-acme", "Steps": []}
