"""Operator that publishes a partner prefix as an Airflow Asset once the results are written there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetAlias, BaseOperator

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

#: The alias through which partner prefixes are published when they are known only at run time.
PARTNER_EXPORTS_ALIAS = "emrfs-xacct-partner-exports"


def prefix_asset(s3_prefix: str) -> Asset:
    """The Airflow Asset of a partner prefix: ``Asset("s3://bucket/prefix/")`` (the prefix ends with ``/``)."""
    from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location

    return Asset(parse_s3_location(s3_prefix, "s3_prefix").uri)


class PublishPartnerPrefixOperator(BaseOperator):
    """
    Emit an asset event for a partner prefix, so that DAGs scheduled on it run.

    When the prefix is known when the DAG is parsed, declare it on the task that writes instead:
    ``outlets=[Asset("s3://bucket/prefix/")]``. When it comes from params, a run's conf or an
    upstream task, it cannot be an outlet (outlets are fixed at parse time): put this operator right
    after the task that confirms the write (e.g. the step sensor, not the task that only submits the
    step). It adds ``Asset("s3://bucket/prefix/")`` to the asset alias ``alias`` (an outlet of this
    task), which emits an event for that asset: a DAG with ``schedule=[Asset("s3://bucket/prefix/")]``
    or ``schedule=[AssetAlias(alias)]`` is then triggered.

    :param s3_prefix: ``s3://bucket/prefix/`` the results were written under. (templated)
    :param alias: name of the asset alias. (default: ``emrfs-xacct-partner-exports``)
    :return: the asset's URI.
    """

    template_fields: Sequence[str] = ("s3_prefix",)
    ui_color = "#d4e7f5"

    def __init__(self, *, s3_prefix: str, alias: str = PARTNER_EXPORTS_ALIAS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # After Airflow took the task's own outlets (one or a list, given or from default_args).
        self.add_outlets([AssetAlias(alias)])
        self.s3_prefix = s3_prefix
        self.alias = alias

    def execute(self, context: Context) -> str:
        asset = prefix_asset(self.s3_prefix)
        context["outlet_events"][AssetAlias(self.alias)].add(asset)
        self.log.info("Published asset %s through the alias %s", asset.uri, self.alias)
        return asset.uri
