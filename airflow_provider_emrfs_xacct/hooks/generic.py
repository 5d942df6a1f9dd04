"""A hook of any AWS service that shares its session within a task (:mod:`~airflow_provider_emrfs_xacct.session_scope`)."""

from __future__ import annotations

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from airflow_provider_emrfs_xacct.session_scope import SharedSessionHookMixin


class EmrfsAwsHook(SharedSessionHookMixin, AwsBaseHook):
    """
    ``AwsBaseHook`` (a client of the service ``client_type`` names) sharing its session within a task.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """
