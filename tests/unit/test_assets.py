"""Partner prefixes as Airflow Assets (the run-time event is checked in tests/dags/test_airflow_native.py)."""

from __future__ import annotations

import logging
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
        self.extras: list[Any] = []

    def __getitem__(self, key: Any) -> Any:
        events = self

        class _Accessor:
            def add(self, asset: Asset, extra: Any = None) -> None:  # Airflow's OutletEventAccessor.add
                events.added.append((key, asset))
                events.extras.append(extra)

        return _Accessor()


def test_the_operator_adds_the_prefix_to_its_alias() -> None:
    own = Asset("s3://elsewhere/x/")
    operator = PublishPartnerPrefixOperator(task_id="publish", s3_prefix="s3://partner-results/acme/", outlets=[own])
    assert operator.outlets == [own, AssetAlias(PARTNER_EXPORTS_ALIAS)]
    events = _Events()

    returned = operator.execute({"outlet_events": events})  # type: ignore[typeddict-item]

    assert events.added == [(AssetAlias(PARTNER_EXPORTS_ALIAS), Asset("s3://partner-results/acme/"))]
    assert events.extras == [{}]  # no extra given: the event's is empty, as Airflow's own
    # What the task returns is what a consumer schedules on: Asset(returned) is the asset the event is for. Its URI
    # ("s3://partner-results/acme", the "/" stripped) is another asset: Airflow matches the name too.
    assert returned == "s3://partner-results/acme/"
    assert Asset(returned) == events.added[0][1]
    assert Asset(Asset("s3://partner-results/acme/").uri) != events.added[0][1]


@pytest.mark.parametrize(
    ("prefix", "name"),
    [
        # "#" starts a URI's fragment, which Airflow drops: unencoded, acme#2024/ was the asset of acme/.
        ("s3://partner-results/acme#2024/", "s3://partner-results/acme%232024/"),
        # Not ASCII: a URI holds the UTF-8 bytes percent-encoded (RFC 3986, 2.5); Airflow refuses it on MySQL.
        ("s3://partner-results/caf\u00e9/", "s3://partner-results/caf%C3%A9/"),
        ("s3://partner-results/a b/", "s3://partner-results/a%20b/"),
        # "%" itself, so that the key "a%20b/" is not the asset of "a b/".
        ("s3://partner-results/a%20b/", "s3://partner-results/a%2520b/"),
        # What a URI path holds as it is stays (RFC 3986, 3.3: pchar): a Hive-style partition keeps its asset.
        ("s3://partner-results/exports/dt=2024-01-01/", "s3://partner-results/exports/dt=2024-01-01/"),
    ],
)
def test_a_key_a_uri_cannot_hold_is_percent_encoded(prefix: str, name: str) -> None:
    operator = PublishPartnerPrefixOperator(task_id="publish", s3_prefix=prefix)
    events = _Events()

    returned = operator.execute({"outlet_events": events})  # type: ignore[typeddict-item]

    [(_, emitted)] = events.added
    assert (returned, emitted.name) == (name, name)
    assert emitted.uri == name.rstrip("/")
    assert Asset(returned) == emitted


def test_keys_that_differ_only_after_a_hash_are_two_asset_uris() -> None:
    # Unencoded, all three had the URI s3://partner-results/acme (the fragment dropped).
    uris = {prefix_asset(f"s3://partner-results/{key}/").uri for key in ("acme", "acme#2024", "acme#2025")}
    assert len(uris) == 3


def test_a_non_ascii_key_is_an_asset_on_mysql_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow refuses a name that is not ASCII where the metadata database is MySQL (its latin1 collation)."""
    import airflow.sdk.definitions.asset as airflow_assets

    monkeypatch.setattr(airflow_assets, "SQL_ALCHEMY_CONN", "mysql://airflow@db/airflow")

    assert prefix_asset("s3://partner-results/caf\u00e9/").name == "s3://partner-results/caf%C3%A9/"


def test_a_prefix_airflow_still_refuses_fails_the_task_at_once_naming_s3_prefix() -> None:
    """A key S3 takes (1000 bytes of UTF-8) is 3000 characters encoded; Airflow stores at most 1500."""
    from airflow.providers.common.compat.sdk import AirflowFailException

    operator = PublishPartnerPrefixOperator(task_id="publish", s3_prefix="s3://partner-results/" + "\u00e9" * 300)
    events = _Events()

    with pytest.raises(InvalidParameterError, match=r"^s3_prefix: cannot be an Airflow asset") as refused:
        operator.execute({"outlet_events": events})  # type: ignore[typeddict-item]

    assert isinstance(refused.value, AirflowFailException)  # not retried: every try would build the same name
    assert events.added == []


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


@pytest.mark.parametrize(
    "prefix",
    [
        "s3://partner-results/acme/",
        "s3://partner-results/exports/dt=2024-01-01/team:a@b/",
        "s3://partner-results/x_y-z.1/~a/",
    ],
)
def test_a_prefix_that_needs_no_encoding_keeps_the_asset_it_had(prefix: str) -> None:
    # Before the encoding, the asset was Asset(prefix) itself: consumers scheduled on it are still triggered.
    assert prefix_asset(prefix) == Asset(prefix)


def test_a_prefix_published_encoded_is_said_in_a_warning_naming_both(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    raw, encoded = "s3://partner-results/acme corp/", "s3://partner-results/acme%20corp/"
    operator = PublishPartnerPrefixOperator(task_id="publish", s3_prefix=raw)
    with caplog.at_level(logging.WARNING):
        capfd.readouterr()
        assert operator.execute({"outlet_events": _Events()}) == encoded  # type: ignore[typeddict-item]
    said = capfd.readouterr().out + capfd.readouterr().err + caplog.text
    assert f"{raw!r} is published as the asset {encoded!r}" in said

    plain = PublishPartnerPrefixOperator(task_id="plain", s3_prefix="s3://partner-results/acme/")
    with caplog.at_level(logging.WARNING):
        capfd.readouterr()
        plain.execute({"outlet_events": _Events()})  # type: ignore[typeddict-item]
    assert "percent-encoded" not in capfd.readouterr().out + caplog.text


@pytest.mark.parametrize("alias", ["{{ params.alias }}", "exports-{% if true %}x{% endif %}", "{# c #}exports"])
def test_a_templated_alias_is_refused_plain_and_mapped(alias: str) -> None:
    """``alias`` is no template field: the template would be the alias's name and no consumer would ever run."""
    with pytest.raises(InvalidParameterError, match=r"alias: .*not a template"):
        PublishPartnerPrefixOperator(task_id="p", s3_prefix="s3://b/acme/", alias=alias)
    with pytest.raises(InvalidParameterError, match=r"alias: .*\.partial\(\), not a template"):
        PublishPartnerPrefixOperator.partial(task_id="m", alias=alias)


def test_the_event_carries_the_extra_as_rendered_and_none_is_an_empty_one() -> None:
    """A backfill's many events of one prefix reach a consumer together: ``extra`` tells them apart."""
    from airflow.sdk.execution_time.context import OutletEventAccessors

    extra = {"run_stamp": "{{ params.stamp }}", "uri": "{{ task.s3_prefix }}{{ params.stamp }}/results.txt"}
    operator = PublishPartnerPrefixOperator(task_id="publish", s3_prefix="{{ params.prefix }}", extra=extra)
    assert operator.extra == extra  # as given, until the task renders it
    operator.render_template_fields(
        {"params": {"prefix": "s3://partner-results/acme/", "stamp": "20260301T000000-0123456789"}, "task": operator}  # type: ignore[typeddict-unknown-key]
    )
    events = OutletEventAccessors()

    operator.execute({"outlet_events": events})  # type: ignore[typeddict-item]

    [event] = events[AssetAlias(PARTNER_EXPORTS_ALIAS)].asset_alias_events
    assert event.dest_asset_key.name == "s3://partner-results/acme/"
    assert event.extra == {
        "run_stamp": "20260301T000000-0123456789",
        "uri": "s3://partner-results/acme/20260301T000000-0123456789/results.txt",  # s3_prefix is rendered first
    }
    without = OutletEventAccessors()
    PublishPartnerPrefixOperator(task_id="plain", s3_prefix="s3://bucket/acme/").execute({"outlet_events": without})  # type: ignore[typeddict-item]
    assert [e.extra for e in without[AssetAlias(PARTNER_EXPORTS_ALIAS)].asset_alias_events] == [{}]


@pytest.mark.parametrize(
    "extra",
    [
        "run_stamp=x",  # a template that rendered to text, not a dict
        ["s3://b/acme/x/results.txt"],
        {1: "x"},  # JSON keys are strings: stored as "1"
        {"nested": {2: "x"}},
        {"stamp": ("a", "b")},  # stored as a list
        {"at": object()},
        {"ratio": float("nan")},  # no JSON value
    ],
    ids=["text", "list", "int-key", "nested-int-key", "tuple", "object", "nan"],
)
def test_an_extra_that_is_not_a_dict_of_json_values_fails_naming_extra_before_any_event(extra: Any) -> None:
    from airflow.providers.common.compat.sdk import AirflowFailException

    operator = PublishPartnerPrefixOperator(task_id="publish", s3_prefix="s3://partner-results/acme/", extra=extra)
    events = _Events()

    with pytest.raises(InvalidParameterError, match=r"^extra: must be a dict of JSON values") as refused:
        operator.execute({"outlet_events": events})  # type: ignore[typeddict-item]

    assert isinstance(refused.value, AirflowFailException)  # rendered the same on every try
    assert events.added == []


def test_an_extra_rendered_as_a_dict_s_text_fails_naming_extra_and_the_fix_before_any_event() -> None:
    # Airflow's default rendering gives a whole template its text: '{"stamp": "2024"}', not the dict. Before, it was
    # refused as any string, without the render_template_as_native_obj hint the other dict fields give.
    from airflow.sdk import DAG

    with DAG(dag_id="publish", schedule=None, params={"extra": {"stamp": "2024"}}) as dag:
        operator = PublishPartnerPrefixOperator(
            task_id="publish", s3_prefix="s3://partner-results/acme/", extra="{{ params.extra | tojson }}"
        )
    operator.render_template_fields({"params": dag.params}, jinja_env=dag.get_template_env())
    assert operator.extra == '{"stamp": "2024"}'
    events = _Events()

    with pytest.raises(InvalidParameterError) as refused:
        operator.execute({"outlet_events": events})  # type: ignore[typeddict-item]

    assert refused.value.field == "extra"
    assert "looks like a rendered dict" in refused.value.problem
    assert "render_template_as_native_obj=True" in refused.value.problem
    assert events.added == []
