"""
The task arguments every Airflow author sets (callbacks, timeouts, concurrency, retries) reach each operator.

Whether given to the operator, through the DAG's or a task group's ``default_args``, to ``partial()``,
or around ``task_groups.partner_access``: the provider's operators take their own parameters out of
``default_args`` (``take_contract_arguments``) and must leave Airflow's alone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk import DAG, TaskGroup

from airflow_provider_emrfs_xacct.operators.assets import PublishPartnerPrefixOperator
from airflow_provider_emrfs_xacct.task_groups import partner_access
from tests.unit.operators.test_base import OPERATORS


def on_failure(context: Any) -> None:
    """A failure callback (never called here)."""


def on_retry(context: Any) -> None:
    """A retry callback (never called here)."""


TASK_ARGUMENTS: dict[str, Any] = {
    "on_failure_callback": on_failure,
    "on_retry_callback": on_retry,
    "execution_timeout": timedelta(minutes=42),
    "max_active_tis_per_dag": 2,
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": 2.0,
}
ALL_OPERATORS = {**OPERATORS, PublishPartnerPrefixOperator: {"s3_prefix": "s3://b/p/"}}
CASES = pytest.mark.parametrize("operator_class", list(ALL_OPERATORS), ids=lambda cls: cls.__name__)


def task_arguments(task: Any) -> dict[str, Any]:
    """What the task holds of :data:`TASK_ARGUMENTS` (callbacks as Airflow keeps them, in a list)."""
    held = {name: getattr(task, name) for name in TASK_ARGUMENTS}
    for name in ("on_failure_callback", "on_retry_callback"):
        held[name] = held[name][0] if isinstance(held[name], list) and len(held[name]) == 1 else held[name]
    return held


@CASES
@pytest.mark.parametrize("given", ["to the operator", "as the DAG's default_args", "as a task group's default_args"])
def test_every_operator_keeps_the_task_arguments(operator_class: type, given: str) -> None:
    on_dag = TASK_ARGUMENTS if given == "as the DAG's default_args" else {}
    on_group = TASK_ARGUMENTS if given == "as a task group's default_args" else {}
    on_task = TASK_ARGUMENTS if given == "to the operator" else {}
    with DAG("d", schedule=None, default_args=on_dag), TaskGroup("g", default_args=on_group):
        task = operator_class(task_id="t", **ALL_OPERATORS[operator_class], **on_task)

    assert task_arguments(task) == TASK_ARGUMENTS


@CASES
def test_every_mapped_operator_keeps_the_task_arguments(operator_class: type) -> None:
    arguments = dict(ALL_OPERATORS[operator_class])
    mapped_name, mapped_value = arguments.popitem()
    with DAG("d", schedule=None):
        mapped = operator_class.partial(task_id="t", **arguments, **TASK_ARGUMENTS).expand(
            **{mapped_name: [mapped_value]}
        )
    task = mapped.unmap({mapped_name: mapped_value, **mapped.partial_kwargs})

    assert task_arguments(task) == TASK_ARGUMENTS


@pytest.mark.parametrize("given", ["as the DAG's default_args", "as an enclosing task group's default_args"])
def test_partner_access_tasks_keep_the_task_arguments(given: str) -> None:
    on_dag = TASK_ARGUMENTS if given == "as the DAG's default_args" else {}
    on_group = TASK_ARGUMENTS if given != "as the DAG's default_args" else {}
    with DAG("d", schedule=None, default_args=on_dag) as dag, TaskGroup("partners", default_args=on_group):
        partner_access(
            partner="acme",
            destination_prefix="s3://partner-results/acme/",
            kms_key_arn="arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            emr_ec2_role_arn="arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
        )

    assert len(dag.tasks) == 5
    assert [task_arguments(task) for task in dag.tasks] == [TASK_ARGUMENTS] * 5
