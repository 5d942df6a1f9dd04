"""
Each public operator's and hook's docstring lists the parameters it takes, as the API reference shows them.

Sphinx renders a class's ``:param`` fields as its parameter list (docs/api.md); parameters inherited
from a base class are not shown on the subclass, so every parameter a user passes to an operator is
listed on the operator itself, as the Amazon provider lists ``aws_conn_id``, ``region_name``,
``verify`` and ``botocore_config`` on each of its operators. A template field says so: ``(templated``.

The rule for an operator (:func:`user_parameters`): every named parameter of the ``__init__`` of each class of
its hierarchy that is this provider's or the Amazon provider's (an upstream operator's too: the launch's
``emr_conn_id``, ``deferrable``, ``waiter_delay`` …), every parameter of the provider's contract tables, and every
template field. Airflow's own ``BaseOperator`` parameters (``task_id``, ``retries`` …) are not listed, as the Amazon
provider lists none; nor is ``AwsBaseOperator``'s ``region`` (:data:`NOT_USER_PARAMETERS`).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
from airflow.sdk import BaseHook, BaseOperator

from airflow_provider_emrfs_xacct import hooks, operators
from airflow_provider_emrfs_xacct.operators.base import (
    AwsConnectionMixin,
    EmrfsXacctOperatorMixin,
    SettleSecondsMixin,
)


def public_classes(package: Any, base: type) -> list[type]:
    found = []
    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(info.name)
        found += [
            value
            for name, value in vars(module).items()
            if inspect.isclass(value)
            and issubclass(value, base)
            and value.__module__ == module.__name__
            and not name.startswith("_")
            and "Base" not in name
        ]
    return found


def documented(cls: type) -> dict[str, str]:
    """``{parameter: its text}`` of the class docstring's ``:param`` fields."""
    fields = re.split(r"\n(?=:param |:return|:raises)", inspect.getdoc(cls) or "")
    return {match[1]: match[2] for match in (re.match(r":param (\w+):(.*)", f, re.S) for f in fields) if match}


def own_parameters(cls: type) -> set[str]:
    """What the provider's own constructors and contract tables take (not Airflow's or the Amazon provider's)."""
    taken: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("airflow_provider_emrfs_xacct"):
            continue
        init = vars(klass).get("__init__")
        if init is not None:
            init = inspect.unwrap(init)
            taken |= {
                name
                for name, parameter in inspect.signature(init).parameters.items()
                if name != "self" and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
            }
    for mixin, table in (
        (EmrfsXacctOperatorMixin, EmrfsXacctOperatorMixin.contract_parameters),
        (SettleSecondsMixin, SettleSecondsMixin.settle_parameters),
        (AwsConnectionMixin, AwsConnectionMixin.aws_parameters),
    ):
        if issubclass(cls, mixin):
            taken |= set(table)
    return taken


#: Named parameters of an Amazon-provider ``__init__`` that are not a user's to pass: ``AwsBaseOperator`` takes
#: ``region`` only for ``.partial``'s signature check ("Required for `.partial` signature check") and ignores it;
#: none of the Amazon provider's operators documents it.
NOT_USER_PARAMETERS = frozenset({"region"})

#: The modules whose classes' ``__init__`` parameters an operator's user passes: this provider's and the Amazon
#: provider's (not Airflow's ``BaseOperator``'s, which no operator lists).
USER_PARAMETER_MODULES = ("airflow_provider_emrfs_xacct", "airflow.providers.amazon")


def user_parameters(cls: type) -> set[str]:
    """
    Every parameter a user passes to the operator ``cls``: the named ``__init__`` parameters of each class of its
    hierarchy that is this provider's or the Amazon provider's, the contract tables', and every template field.
    """
    taken = own_parameters(cls) | set(getattr(cls, "template_fields", ()))
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None or not klass.__module__.startswith(USER_PARAMETER_MODULES):
            continue
        taken |= {
            name
            for name, parameter in inspect.signature(inspect.unwrap(init)).parameters.items()
            if name != "self" and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
        }
    return taken - NOT_USER_PARAMETERS


def every_parameter(cls: type) -> set[str]:
    """Every named constructor parameter anywhere in the class's hierarchy (the upstream operator's too)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is not None and klass is not object:
            names |= set(inspect.signature(inspect.unwrap(init)).parameters) - {"self", "args", "kwargs"}
    return names | own_parameters(cls)


OPERATORS = public_classes(operators, BaseOperator)
HOOKS = public_classes(hooks, BaseHook)


def test_the_classes_are_found() -> None:
    assert len(OPERATORS) >= 13
    assert len(HOOKS) >= 4


@pytest.mark.parametrize("cls", OPERATORS + HOOKS, ids=lambda cls: cls.__name__)
def test_every_parameter_is_listed_and_every_listed_one_is_taken(cls: type) -> None:
    listed = documented(cls)
    assert not own_parameters(cls) - set(listed), f"{cls.__name__}: not in its docstring"
    assert not set(listed) - every_parameter(cls), f"{cls.__name__}: listed but not taken"


@pytest.mark.parametrize("cls", OPERATORS, ids=lambda cls: cls.__name__)
def test_every_parameter_a_user_passes_is_listed_inherited_ones_too(cls: type) -> None:
    """The upstream operator's parameters and the AWS connection's too (``aws_conn_id``, ``region_name`` …)."""
    missing = sorted(user_parameters(cls) - set(documented(cls)))
    assert not missing, f"{cls.__name__}: not in its docstring: {missing}"


def test_the_rule_covers_what_the_upstream_operators_take() -> None:
    """``user_parameters`` reaches the Amazon provider's ``__init__`` (not only this provider's) and skips Airflow's."""
    from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator, TerminateClusterOperator

    launch, teardown = user_parameters(LaunchClusterWithSecConfigOperator), user_parameters(TerminateClusterOperator)
    for name in ("aws_conn_id", "region_name", "verify", "botocore_config", "emr_conn_id", "deferrable"):
        assert name in launch, name
    for name in ("region_name", "verify", "waiter_delay", "waiter_max_attempts", "deferrable"):
        assert name in teardown, name
    assert not {"task_id", "retries", "region"} & (launch | teardown)


@pytest.mark.parametrize("cls", OPERATORS, ids=lambda cls: cls.__name__)
def test_a_listed_template_field_says_templated_and_no_other_does(cls: type) -> None:
    listed = documented(cls)
    fields = set(cls.template_fields)  # type: ignore[attr-defined]
    unmarked = {name for name, text in listed.items() if name in fields and "(templated" not in text}
    assert not unmarked, f"{cls.__name__}: template fields not marked templated"
    marked = {name for name, text in listed.items() if name not in fields and "templated" in text}
    assert not marked, f"{cls.__name__}: marked templated but not a template field"


@pytest.mark.parametrize(
    "cls", [cls for cls in OPERATORS if "settle_seconds" in documented(cls)], ids=lambda c: c.__name__
)
def test_settle_seconds_is_described_with_the_bound_validation_enforces(cls: type) -> None:
    """``validate_positive_number`` refuses more than ``MAX_SECONDS`` (10**9): each operator's own entry says so."""
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
    from airflow_provider_emrfs_xacct.pure.validation import MAX_SECONDS, validate_positive_number

    with pytest.raises(InvalidParameterError):
        validate_positive_number(MAX_SECONDS + 1, "settle_seconds")
    assert MAX_SECONDS == 10**9
    assert "from 0 to 10**9" in " ".join(documented(cls)["settle_seconds"].split()), cls.__name__
