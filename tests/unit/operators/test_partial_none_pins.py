"""
An account pin given as a literal ``None`` to ``.partial()`` is no pin, as on a plain task (``operators/base.py``).

Airflow's "Dynamic Task Mapping": ``partial()`` holds the arguments every mapped instance shares, ``expand()`` the
mapped ones. A ``None`` from ``expand()`` (or ``expand_kwargs()``) may be an upstream task's output that resolved to
``None``: still refused ("resolved to None"), as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import DAG, BaseOperator

from airflow_provider_emrfs_xacct.operators.base import destination_account_pin
from airflow_provider_emrfs_xacct.operators.iam import AttachAssumeRolePolicyOperator, EnsureDestinationRoleOperator
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from airflow_provider_emrfs_xacct.operators.verify import VerifyCrossAccountAccessOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

ROLE_ARN = "arn:aws:iam::222222222222:role/emrfs-acme-writer"
REQUIRED: dict[type[BaseOperator], dict[str, Any]] = {
    AttachAssumeRolePolicyOperator: {"destination_role_arns": [ROLE_ARN]},
    EnsureDestinationRoleOperator: {"role_name": "r", "trusted_role_arns": [ROLE_ARN], "s3_prefixes": ["s3://b/p/"]},
    VerifyCrossAccountAccessOperator: {"security_configuration": "c", "destination_aws_conn_id": "d"},
    RevokePartnerAccessOperator: {"destination_role_arn": ROLE_ARN, "destination_aws_conn_id": "d"},
}


class ReadTheAccount(Exception):
    """Raised where the check would read an account through a connection (boto3's default chain for ``None``)."""


def use_pin(operator: Any, name: str) -> Any:
    """What the task does with the pin ``name`` before any AWS call: its account, or ``None`` (not checked)."""
    if name == "expected_account_id":
        return operator.expected_account()
    if name == "expected_destination_account_id":
        return destination_account_pin(operator)

    def read_the_account(*_: Any) -> Any:
        raise ReadTheAccount(name)

    operator.other_hook = read_the_account
    return operator.require_trusted_here([ROLE_ARN], "aws")


PINS = pytest.mark.parametrize(
    ("operator_class", "name"),
    [
        (AttachAssumeRolePolicyOperator, "expected_account_id"),
        (EnsureDestinationRoleOperator, "expected_account_id"),
        (VerifyCrossAccountAccessOperator, "expected_destination_account_id"),
        (RevokePartnerAccessOperator, "expected_destination_account_id"),
        (EnsureDestinationRoleOperator, "trusted_account_id"),
        (EnsureDestinationRoleOperator, "trusted_aws_conn_id"),
    ],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)


def mapped_instance(operator_class: type[BaseOperator], partial: dict[str, Any], mapped: dict[str, Any]) -> Any:
    """The instance Airflow builds of ``operator_class.partial(**partial).expand(**mapped)`` (one value each)."""
    with DAG("d", schedule=None):
        task = operator_class.partial(task_id="t", **REQUIRED[operator_class], **partial)  # type: ignore[attr-defined]
        expanded = task.expand(**{key: [value] for key, value in mapped.items()})
    return expanded.unmap(mapped)


def mapped_kwargs_instance(operator_class: type[BaseOperator], partial: dict[str, Any], mapped: dict[str, Any]) -> Any:
    """The instance Airflow builds of ``operator_class.partial(**partial).expand_kwargs([mapped])``."""
    with DAG("d", schedule=None):
        task = operator_class.partial(task_id="t", **REQUIRED[operator_class], **partial)  # type: ignore[attr-defined]
        expanded = task.expand_kwargs([mapped])
    return expanded.unmap(mapped)


@PINS
@pytest.mark.parametrize("expand", [mapped_instance, mapped_kwargs_instance], ids=["expand", "expand_kwargs"])
def test_a_none_given_to_partial_is_no_pin_as_on_a_plain_task(operator_class, name, expand):
    # Failed before: every mapped instance refused its pin as "resolved to None", or (trusted_aws_conn_id) read the
    # worker's own account through boto3's default chain, which the plain task given the same None does not.
    plain = operator_class(task_id="t", **REQUIRED[operator_class], **{name: None})
    mapped = expand(operator_class, {name: None}, {"aws_conn_id": "a"})
    assert getattr(mapped, name) is None
    assert use_pin(plain, name) is None
    assert use_pin(mapped, name) is None


@PINS
@pytest.mark.parametrize("expand", [mapped_instance, mapped_kwargs_instance], ids=["expand", "expand_kwargs"])
def test_a_none_an_expanded_pin_resolved_to_is_still_refused(operator_class, name, expand):
    mapped = expand(operator_class, {}, {name: None})
    if name == "trusted_aws_conn_id":
        # The roles are checked against the account boto3's default chain acts in (the worker's own).
        with pytest.raises(ReadTheAccount):
            use_pin(mapped, name)
        return
    with pytest.raises(InvalidParameterError, match="resolved to None") as refused:
        use_pin(mapped, name)
    assert refused.value.field == name
