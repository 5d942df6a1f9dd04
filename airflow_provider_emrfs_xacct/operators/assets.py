"""Operator that publishes a partner prefix as an Airflow Asset once the results are written there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetAlias, BaseOperator

from airflow_provider_emrfs_xacct.operators.failures import FailsWithoutRetryMixin

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context
    from airflow.sdk.definitions.mappedoperator import OperatorPartial

#: The alias through which partner prefixes are published when they are known only at run time.
PARTNER_EXPORTS_ALIAS = "emrfs-xacct-partner-exports"


#: The characters RFC 3986 allows as they are in a URI's path (``pchar``, beside the unreserved ones, which
#: ``quote`` never encodes), and the ``/`` between segments: every other character of a key is percent-encoded.
_PATH_SAFE = "/!$&'()*+,;=:@"


def prefix_asset(s3_prefix: str) -> Asset:
    """
    The Airflow Asset of a partner prefix: ``Asset("s3://bucket/prefix/")``, its key part percent-encoded.

    Airflow asks for a URI that conforms to RFC 3986 and, for a name that cannot be written so, the name
    percent-encoded (Airflow documentation, "Asset Definitions"); it drops a URI's fragment and query, so
    ``acme#2024/`` unencoded would be the asset of ``acme/``. Characters a URI path allows as they are
    (``dt=2024-01-01/``) stay; ``#``, ``%``, a space and non-ASCII ones are encoded (``café/``: ``caf%C3%A9/``).
    The asset's name keeps the trailing ``/``, its URI does not (Airflow strips it): schedule on ``Asset(name)``.
    """
    from urllib.parse import quote

    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
    from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

    location = parse_s3_location(s3_prefix, "s3_prefix")
    uri = f"s3://{location.bucket}/{quote(location.prefix, safe=_PATH_SAFE)}"
    try:
        return Asset(uri)
    except ValueError as error:  # e.g. longer than Airflow stores once encoded: no retry changes that
        raise InvalidParameterError("s3_prefix", f"cannot be an Airflow asset as {uri!r}: {error}") from error


class PublishPartnerPrefixOperator(FailsWithoutRetryMixin, BaseOperator):
    """
    Emit an asset event for a partner prefix, so that DAGs scheduled on it run.

    When the prefix is known when the DAG is parsed, declare it on the task that writes instead:
    ``outlets=[Asset("s3://bucket/prefix/")]``. When it comes from params, a run's conf or an
    upstream task, it cannot be an outlet (outlets are fixed at parse time): put this operator right
    after the task that confirms the write (e.g. the step sensor, not the task that only submits the
    step). It adds the prefix's asset (:func:`prefix_asset`: ``Asset("s3://bucket/prefix/")``, a key
    with characters a URI cannot hold percent-encoded) to the asset alias ``alias`` (an outlet of this
    task), which emits an event for that asset: a DAG with ``schedule=[Asset(name)]``, the name this
    task returns, or ``schedule=[AssetAlias(alias)]`` is then triggered. Not ``Asset(uri)``: Airflow
    strips the URI's trailing ``/`` and keeps it in the name, and finds an asset by both.

    Mapped (``.partial(...).expand(s3_prefix=...)``), the alias is declared when ``.partial()`` is
    called, since Airflow runs no ``__init__`` for a mapped task when it parses the DAG: give
    ``alias`` to ``.partial()``, not to ``.expand()``.

    :param s3_prefix: ``s3://bucket/prefix/`` the results were written under. (templated)
    :param alias: name of the asset alias. (default: ``emrfs-xacct-partner-exports``)
    :param extra: the event's ``extra``, a dict of JSON values (str keys), e.g. the run's stamp and the URI of the
        object the job wrote: a consumer given many events of the prefix (a backfill) tells them apart by it. Rendered
        after ``s3_prefix``: ``{{ task.s3_prefix }}`` in it is the rendered prefix. Anything else fails the task,
        naming ``extra``, before the event is added: a string too, and a whole template that renders a dict as its
        text (Airflow's default rendering) with the fix, ``render_template_as_native_obj=True``. (templated)
    :return: the asset's name (``s3://bucket/prefix/``, percent-encoded as above): ``Asset(name)`` is the
        asset the event is for.
    """

    template_fields: Sequence[str] = ("s3_prefix", "extra")
    template_fields_renderers = {"extra": "json"}
    ui_color = "#d4e7f5"

    def __init__(
        self,
        *,
        s3_prefix: str,
        alias: str = PARTNER_EXPORTS_ALIAS,
        extra: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        _refuse_alias_not_named(alias, "")
        super().__init__(**kwargs)
        # After Airflow took the task's own outlets (one or a list, given or from default_args); a mapped
        # task's instance already has it from ``partial``.
        if AssetAlias(alias) not in self.outlets:
            self.add_outlets([AssetAlias(alias)])
        self.s3_prefix = s3_prefix
        self.alias = alias
        self.extra = extra

    @classmethod
    def partial(cls, **kwargs: Any) -> OperatorPartial:
        """
        Declare the alias as an outlet of the mapped task too, as ``__init__`` does for a task that is not mapped.

        The serialised DAG holds a mapped task's outlets as ``.partial()`` got them: without the alias
        there, its dependencies (the UI's DAG dependencies and asset graph) lack this DAG producing the
        alias. The events of a run are accepted either way: Airflow takes them from the outlets of the
        task instance, built by ``__init__`` (``tests/dags/test_mapped_launch.py``).
        """
        alias = kwargs.get("alias", PARTNER_EXPORTS_ALIAS)
        _refuse_alias_not_named(alias, " given to .partial()")
        partial = super().partial(**kwargs)
        outlets = partial.kwargs.get("outlets")  # given, from default_args, or Airflow's default (shared: not changed)
        outlets = [] if outlets is None else list(outlets) if isinstance(outlets, (list, tuple)) else [outlets]
        partial.kwargs["outlets"] = [*outlets, AssetAlias(alias)]
        return partial

    def execute(self, context: Context) -> str:
        asset = prefix_asset(self.s3_prefix)
        extra = _event_extra(self.extra)
        if asset.name != self.s3_prefix:
            self.log.warning(
                "The prefix %r is published as the asset %r, its key percent-encoded: a DAG scheduled on "
                "Asset(%r) is another asset and is not triggered; schedule it on Asset(%r) or prefix_asset(%r)",
                self.s3_prefix,
                asset.name,
                self.s3_prefix,
                asset.name,
                self.s3_prefix,
            )
        context["outlet_events"][AssetAlias(self.alias)].add(asset, extra=extra)
        self.log.info(
            "Published asset %s (uri %s, extra %s) through the alias %s: schedule on Asset(%r)",
            asset.name,
            asset.uri,
            extra,
            self.alias,
            asset.name,
        )
        return asset.name


def _refuse_alias_not_named(alias: Any, where: str) -> None:
    """
    Refuse an ``alias`` that is not its name when the DAG is parsed: no string, or a Jinja template. ``alias`` is
    no template field ("Only the template fields of an operator are rendered": Airflow, "Operators", Jinja
    Templating), so ``"{{ params.alias }}"`` would name the alias literally and no DAG scheduled on
    ``AssetAlias(name)`` would ever run.
    """
    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

    if not isinstance(alias, str):
        raise InvalidParameterError("alias", f"must be the asset alias's name (a str){where}, not {alias!r}")
    if any(mark in alias for mark in ("{{", "{%", "{#")):
        raise InvalidParameterError(
            "alias",
            f"must be the asset alias's name when the DAG is parsed{where}, not a template ({alias!r}): alias is not "
            "a template field, so a consumer scheduled on AssetAlias(name) would never run",
        )


def _event_extra(extra: Any) -> dict[str, Any]:
    """
    The event's ``extra`` as rendered, refused naming ``extra`` unless a dict of JSON values with str keys.

    Airflow stores an asset event's ``extra`` as JSON (its SDK's ``OutletEventAccessor.add(asset, extra)``: a
    ``dict[str, JsonValue]``): a value JSON cannot hold as it is (an object, a tuple, a NaN, an int key) would fail
    the task only when it reports the event, after it ran, or be stored as another value.
    """
    import json

    from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
    from airflow_provider_emrfs_xacct.pure.validation import refuse_rendered_text

    if extra is None:
        return {}
    # A dict rendered as its text (Airflow's default rendering: '{"stamp": "2024"}') is refused with the fix, as the
    # other dict fields are; any other string too, below.
    refuse_rendered_text(extra, "extra", "dict")
    try:
        held = isinstance(extra, dict) and json.loads(json.dumps(extra, allow_nan=False)) == extra
    except (TypeError, ValueError, RecursionError):
        held = False
    if not held:
        raise InvalidParameterError(
            "extra",
            f"must be a dict of JSON values with str keys (str, int, float, bool, None, list, dict), not {extra!r}",
        )
    return dict(extra)
