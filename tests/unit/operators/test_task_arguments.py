"""
The task arguments every Airflow author sets (callbacks, timeouts, concurrency, retries) reach each operator.

Whether given to the operator, through the DAG's or a task group's ``default_args``, to ``partial()``,
or around ``task_groups.partner_access``: the provider's operators take their own parameters out of
``default_args`` (``take_contract_arguments``) and must leave Airflow's alone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
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


AIRFLOW_DOC = Path(__file__).resolve().parents[3] / "docs" / "airflow.md"
#: The tasks whose ``trigger_rule`` docs/airflow.md says ``partner_access`` sets, by (``verify_access``, a key given).
TRIGGER_RULE_SET = {
    (True, True): {"verify_access"},
    (True, False): {"verify_access"},
    (False, True): {"create_security_configuration"},
    (False, False): set(),
}
#: The three tasks that write documents another run writes too: ``shared_documents_pool`` is their pool.
SHARED_DOCUMENT_WRITERS = {"ensure_destination_role", "allow_emr_role_to_assume", "grant_kms_key_user"}


def _task_arguments_bullet() -> str:
    """docs/airflow.md's bullet "Airflow's task arguments are the author's", its lines joined."""
    text = AIRFLOW_DOC.read_text().split("- **Airflow's task arguments are the author's.**", 1)[1]
    return " ".join(line.strip() for line in text.split("\n- ", 1)[0].splitlines())


@pytest.mark.parametrize(("verify_access", "key"), list(TRIGGER_RULE_SET), ids=lambda value: str(value))
@pytest.mark.parametrize("pool", [None, "emrfs_xacct_shared_documents"])
def test_partner_access_sets_only_the_trigger_rules_and_pools_the_docs_name(
    verify_access: bool, key: bool, pool: str | None
) -> None:
    """
    With ``default_args={"trigger_rule": "all_done"}``, every task keeps ``all_done`` but those docs/airflow.md names:
    ``verify_access``, and without it, with a key, ``create_security_configuration`` (after the key grant, which may
    skip); the pool is the author's but for the shared documents' writers when ``shared_documents_pool`` is given.
    """
    bullet = _task_arguments_bullet()
    assert "sets only `trigger_rule`, to `none_failed_min_one_success`, on `verify_access` and" in bullet
    assert "with `verify_access=False` and a `kms_key_arn`, on `create_security_configuration`" in bullet
    assert "with `shared_documents_pool`, the `pool` of the three tasks" in bullet

    authors = {"trigger_rule": "all_done", "pool": "authors_pool"}
    with DAG("d", schedule=None, default_args=authors) as dag:
        partner_access(
            partner="acme",
            destination_prefix="s3://partner-results/acme/",
            kms_key_arn="arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab" if key else None,
            emr_ec2_role_arn="arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole",
            verify_access=verify_access,
            shared_documents_pool=pool,
        )

    tasks = {task.task_id.rsplit(".", 1)[-1]: task for task in dag.tasks}
    assert ("verify_access" in tasks) is verify_access
    assert ("grant_kms_key_user" in tasks) is key
    set_here = TRIGGER_RULE_SET[(verify_access, key)]
    assert {name: str(getattr(task.trigger_rule, "value", task.trigger_rule)) for name, task in tasks.items()} == {
        name: "none_failed_min_one_success" if name in set_here else "all_done" for name in tasks
    }
    pooled = SHARED_DOCUMENT_WRITERS if pool else set()
    assert {name: task.pool for name, task in tasks.items()} == {
        name: pool if name in pooled else "authors_pool" for name in tasks
    }
