"""
The example DAGs and every operator as the DAG processor stores them and the API server reads them back.

Airflow 3 serializes each DAG to JSON (``DagSerialization.to_dict``) for the scheduler, the API server and
the UI, which never import the DAG file: what they show of a task (template fields, colour, extra links) is
what survives ``to_dict`` -> JSON -> ``from_dict``. The extra links come back as ``XComOperatorLink``s
reading the URL the task runner stored under each link's ``xcom_key`` when the task ended
(``airflow/sdk/execution_time/task_runner.py``, ``finalize``).
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import DAG
from airflow.serialization.serialized_objects import DagSerialization

from airflow_provider_emrfs_xacct.links.console import ALL_LINKS
from airflow_provider_emrfs_xacct.operators.assets import PublishPartnerPrefixOperator
from airflow_provider_emrfs_xacct.operators.emr import (
    CreateEmrfsSecurityConfigOperator,
    LaunchClusterWithSecConfigOperator,
    TerminateClusterOperator,
)
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.kms import GrantKmsKeyUserOperator
from airflow_provider_emrfs_xacct.operators.revoke import (
    DeleteUnusedSecurityConfigsOperator,
    RevokePartnerAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.s3 import (
    GrantBucketAccessOperator,
    GrantEmrRoleBucketAccessOperator,
    RevokeBucketAccessOperator,
)
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
KEY = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PREFIXES = ["s3://partner-results/acme/", "s3://partner-results/{{ params.partner }}/"]
#: What the UI shows of a task, and must read as the operator class says.
SHOWN = ("template_fields", "template_ext", "template_fields_renderers", "ui_color", "ui_fgcolor", "task_type")


def example_dags() -> list[Any]:
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    bag.collect_dags(dag_folder=str(ROOT / "tests" / "system" / "example_emrfs_xacct_system.py"))
    assert not bag.import_errors, bag.import_errors
    assert len(bag.dags) >= 6
    return list(bag.dags.values())


def every_operator_mapped() -> DAG:
    """Each operator as ``.partial().expand()``, with dicts, lists and nested values in its template fields."""
    with DAG("emrfs_xacct_mapped", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:
        EnsureDestinationRoleOperator.partial(
            task_id="role", role_name="emrfs-acme-writer", trusted_role_arns=[ROLE], dry_run="{{ params.dry }}"
        ).expand(s3_prefixes=[PREFIXES, PREFIXES[:1]])
        AttachAssumeRolePolicyOperator.partial(task_id="assume").expand(destination_role_arns=[[ROLE]])
        GrantKmsKeyUserOperator.partial(task_id="key", key_arn=KEY).expand(principal_arns=[[ROLE], [ROLE]])
        CreateEmrfsSecurityConfigOperator.partial(
            task_id="config", name_prefix="emrfs-xacct-acme", base_configuration={"A": {"B": [1, {"C": None}]}}
        ).expand(role_mappings=[[{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": PREFIXES}]])
        LaunchClusterWithSecConfigOperator.partial(
            task_id="launch",
            job_flow_overrides={"Name": "{{ run_id }}", "Steps": [{"HadoopJarStep": {"Args": ["s3://b/job.json"]}}]},
            emrfs_site_properties={"fs.s3.canned.acl": "BucketOwnerFullControl"},
            deferrable=True,
        ).expand(security_configuration=["emrfs-xacct-a", "emrfs-xacct-b"])
        TerminateClusterOperator.partial(task_id="teardown", deferrable=True).expand(job_flow_id=["j-1"])
        GrantBucketAccessOperator.partial(task_id="bucket", principal_arns=[ROLE]).expand(s3_prefixes=[PREFIXES])
        GrantEmrRoleBucketAccessOperator.partial(task_id="emr_role", emr_ec2_role_name="r").expand(
            s3_prefixes=[PREFIXES]
        )
        RevokeBucketAccessOperator.partial(task_id="unbucket", bucket="partner-results").expand(principal_arns=[[ROLE]])
        RevokePartnerAccessOperator.partial(task_id="revoke", destination_aws_conn_id="d").expand(
            destination_role_arn=[ROLE]
        )
        DeleteUnusedSecurityConfigsOperator.partial(task_id="cleanup").expand(name_prefix=["emrfs-xacct-acme"])
        VerifyCrossAccountAccessOperator.partial(
            task_id="verify", destination_aws_conn_id="d", s3_prefixes=PREFIXES, deferrable=True
        ).expand(security_configuration=["emrfs-xacct-a"])
        PublishPartnerPrefixOperator.partial(task_id="publish").expand(s3_prefix=PREFIXES)
    return dag


def round_trip(dag: Any) -> Any:
    encoded = DagSerialization.to_dict(dag)
    DagSerialization.validate_schema(encoded)
    # Plain JSON, as the DAG processor stores it: no object that only Python's repr would show.
    return DagSerialization.from_dict(json.loads(json.dumps(encoded, allow_nan=False)))


def listed(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("dag", [*example_dags(), every_operator_mapped()], ids=lambda dag: dag.dag_id)
def test_every_task_reads_back_as_its_operator_declares_it(dag: Any) -> None:
    back = round_trip(dag)

    assert set(back.task_dict) == set(dag.task_dict)
    for task_id, task in dag.task_dict.items():
        stored = back.task_dict[task_id]
        for attribute in SHOWN:
            assert listed(getattr(stored, attribute)) == listed(getattr(task, attribute)), (task_id, attribute)
        assert stored.is_mapped == task.is_mapped, task_id
        # The extra links by name, each reading the XCom key the task runner stores its URL under.
        links = {link.name: link.xcom_key for link in task.operator_extra_links}
        assert {link.name: link.xcom_key for link in stored.operator_extra_links} == links, task_id


def test_the_provider_links_survive_with_the_keys_the_task_runner_writes() -> None:
    back = round_trip(every_operator_mapped())
    names = {
        task_id: {link.name: link.xcom_key for link in task.operator_extra_links}
        for task_id, task in back.task_dict.items()
    }
    assert names["role"] == {
        "IAM Destination Role": "_link_DestinationRoleLink",
        "S3 Destination Prefix": "_link_DestinationPrefixLink",
    }
    assert names["key"] == {"KMS Key": "_link_KmsKeyLink"}
    assert names["config"] == {"EMR Security Configurations": "_link_SecurityConfigurationLink"}
    assert names["launch"]["EMR Security Configurations"] == "_link_SecurityConfigurationLink"
    assert names["bucket"] == {"S3 Destination Prefix": "_link_DestinationPrefixLink"}
    # Every link the provider registers is on some operator, under a name of its own.
    assert {link.name for link in ALL_LINKS} <= {name for links in names.values() for name in links}


def takes_a_list_or_dict(operator_class: type, field: str) -> bool:
    """Whether the operator's own ``__init__`` declares ``field`` as a list or a dict (its annotation's text)."""
    for cls in operator_class.__mro__:
        parameter = inspect.signature(cls.__init__).parameters.get(field) if "__init__" in vars(cls) else None
        if parameter is not None:
            return bool(re.search(r"\b(list|dict|Sequence|Mapping)\[", str(parameter.annotation)))
    return False


def test_every_list_or_dict_template_field_is_shown_as_json_in_the_rendered_template_view() -> None:
    # As the Amazon provider declares its EMR operators' (EmrCreateJobFlowOperator: job_flow_overrides, EmrAddStepsOperator:
    # steps): without a renderer the UI shows the Python repr of a rendered list of ARNs or prefixes on one line.
    back = round_trip(every_operator_mapped())

    missing = [
        (task_id, field)
        for task_id, task in back.task_dict.items()
        for field in task.template_fields
        if takes_a_list_or_dict(dag_operator_class(task), field) and task.template_fields_renderers.get(field) != "json"
    ]
    assert missing == []


def dag_operator_class(task: Any) -> type:
    """The operator class a serialized task (mapped or not) was built from."""
    return next(
        cls
        for cls in (
            EnsureDestinationRoleOperator,
            AttachAssumeRolePolicyOperator,
            GrantKmsKeyUserOperator,
            CreateEmrfsSecurityConfigOperator,
            LaunchClusterWithSecConfigOperator,
            TerminateClusterOperator,
            GrantBucketAccessOperator,
            GrantEmrRoleBucketAccessOperator,
            RevokeBucketAccessOperator,
            RevokePartnerAccessOperator,
            DeleteUnusedSecurityConfigsOperator,
            VerifyCrossAccountAccessOperator,
            PublishPartnerPrefixOperator,
        )
        if cls.__name__ == task.task_type
    )
