"""Partner prefixes as Airflow Assets (the run-time event is checked in tests/dags/test_airflow_native.py)."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import Asset, AssetAlias

from airflow_provider_emrfs_xacct.operators.assets import (
    PARTNER_EXPORTS_ALIAS,
    PublishPartnerPrefixOperator,
    prefix_asset,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError


def test_prefix_asset_is_the_normalised_prefix() -> None:
    assert prefix_asset("s3://partner-results/acme/out").name == "s3://partner-results/acme/out/"
    assert prefix_asset("s3://partner-results/acme/out/") == Asset("s3://partner-results/acme/out/")


@pytest.mark.parametrize("prefix", ["s3://partner-results/", "https://partner-results/acme/", "", None])
def test_a_bad_prefix_names_the_parameter(prefix: Any) -> None:
    with pytest.raises(InvalidParameterError, match="s3_prefix"):
        prefix_asset(prefix)


class _Events:
    def __init__(self) -> None:
        self.added: list[tuple[Any, Asset]] = []

    def __getitem__(self, key: Any) -> Any:
        events = self

        class _Accessor:
            def add(self, asset: Asset) -> None:
                events.added.append((key, asset))

        return _Accessor()


def test_the_operator_adds_the_prefix_to_its_alias() -> None:
    own = Asset("s3://elsewhere/x/")
    operator = PublishPartnerPrefixOperator(task_id="publish", s3_prefix="s3://partner-results/acme/", outlets=[own])
    assert operator.outlets == [own, AssetAlias(PARTNER_EXPORTS_ALIAS)]
    events = _Events()

    uri = operator.execute({"outlet_events": events})  # type: ignore[typeddict-item]

    assert events.added == [(AssetAlias(PARTNER_EXPORTS_ALIAS), Asset("s3://partner-results/acme/"))]
    assert uri == Asset("s3://partner-results/acme/").uri


@pytest.mark.parametrize("how", ["one", "default_args"])
def test_the_alias_is_added_to_outlets_given_as_airflow_takes_them(how: str) -> None:
    """``outlets`` may be one asset, or come from ``default_args`` (Airflow's ``BaseOperator``)."""
    from airflow.sdk import DAG

    own = Asset("s3://elsewhere/x/")
    with DAG("assets", schedule=None, default_args={"outlets": [own]} if how == "default_args" else {}):
        operator = PublishPartnerPrefixOperator(
            task_id="publish", s3_prefix="s3://partner-results/acme/", **({"outlets": own} if how == "one" else {})
        )

    assert operator.outlets == [own, AssetAlias(PARTNER_EXPORTS_ALIAS)]


def test_a_mapped_task_declares_its_alias_at_parse_time_and_its_instances_once() -> None:
    """Airflow runs no ``__init__`` for a mapped task when parsing: ``partial`` declares the alias (given there)."""
    import pendulum
    from airflow.sdk import DAG

    own = Asset("s3://elsewhere/x/")
    with DAG("mapped_publish", schedule=None, start_date=pendulum.datetime(2026, 1, 1), default_args={"outlets": own}):
        default = PublishPartnerPrefixOperator.partial(task_id="default").expand(s3_prefix=["s3://b/a/", "s3://b/b/"])
        named = PublishPartnerPrefixOperator.partial(task_id="named", alias="exports").expand(s3_prefix=["s3://b/a/"])

    assert default.outlets == [own, AssetAlias(PARTNER_EXPORTS_ALIAS)]
    assert named.outlets == [own, AssetAlias("exports")]
    # The instance Airflow builds to run (MappedOperator.unmap) has the alias once.
    assert default.unmap({"s3_prefix": "s3://b/a/"}).outlets == [own, AssetAlias(PARTNER_EXPORTS_ALIAS)]
    with pytest.raises(InvalidParameterError, match="alias"):
        PublishPartnerPrefixOperator.partial(task_id="bad", alias=AssetAlias("exports"))
