"""The provider's hooks name their caller in the user agent as the Amazon provider's do, without reading source files."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook, AwsGenericHook

from airflow_provider_emrfs_xacct.hooks.generic import CallerFromFramesMixin, EmrfsAwsHook

if TYPE_CHECKING:
    import pytest


def callers() -> tuple[str, str]:
    """``Caller/`` of the user agent a provider hook and an Amazon-provider hook build here."""
    return (
        EmrfsAwsHook(aws_conn_id=None, client_type="sts")._get_caller(),
        AwsBaseHook(aws_conn_id=None, client_type="sts")._get_caller(),
    )


class PartnerExportOperator:
    def execute(self) -> tuple[str, str]:
        return self.nested()

    def nested(self) -> tuple[str, str]:
        return callers()


class BaseSensorOperator:  # the class name for which the Amazon provider looks for ``poke`` instead
    def execute(self) -> tuple[str, str]:
        return self.poke()

    def poke(self) -> tuple[str, str]:
        return callers()


def execute() -> tuple[str, str]:  # an ``execute`` with no ``self``: the Amazon provider answers "Unknown"
    return callers()


def test_the_caller_is_the_class_whose_execute_is_on_the_stack_as_the_amazon_provider_finds_it() -> None:
    assert PartnerExportOperator().execute() == ("PartnerExportOperator", "PartnerExportOperator")
    assert BaseSensorOperator().execute() == ("BaseSensorOperator", "BaseSensorOperator")
    assert execute() == ("Unknown", "Unknown")


def test_without_an_operator_the_executor_search_answers_as_the_amazon_providers() -> None:
    ours, theirs = callers()
    assert ours == theirs


def test_no_source_file_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def stack_read(*_: object, **__: object) -> None:
        raise AssertionError("inspect.stack() reads every frame's source file")

    monkeypatch.setattr(inspect, "stack", stack_read)
    # The Amazon provider's search fails and its _get_caller answers "Unknown"; the provider's walks the frames.
    assert PartnerExportOperator().execute() == ("PartnerExportOperator", "Unknown")


def test_the_methods_replaced_are_the_amazon_providers() -> None:
    # Renamed upstream, the replacements would go unused (the user agent still right, its cost back): say so here.
    assert {"_find_operator_class_name", "_find_executor_class_name", "_get_caller"} <= set(vars(AwsGenericHook))
    assert EmrfsAwsHook._find_operator_class_name is CallerFromFramesMixin._find_operator_class_name
