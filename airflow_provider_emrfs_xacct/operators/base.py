"""What the provider's operators share: dry run, the convergence settings, the plan in the log and XCom."""

from __future__ import annotations

import copy
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import AwsHookType

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.converge import ConvergeSettings
    from airflow_provider_emrfs_xacct.policies.plan import Change

#: botocore settings used when the operator is given none: standard retries (throttling, 5xx and
#: dropped connections are retried with exponential backoff), up to 10 attempts per call.
DEFAULT_BOTOCORE_CONFIG: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 10},
    "connect_timeout": 10,
    "read_timeout": 60,
}


def default_botocore_config() -> dict[str, Any]:
    """
    A fresh copy of :data:`DEFAULT_BOTOCORE_CONFIG` for one operator.

    botocore rewrites the ``retries`` dict it is given (``max_attempts`` becomes
    ``total_max_attempts``), so a shared dict would change under every operator after the first client.
    """
    return copy.deepcopy(DEFAULT_BOTOCORE_CONFIG)


#: XCom key under which every operator pushes its plan (the list of changes it made or would make).
PLAN_XCOM_KEY = "plan"


class LazyHookClass:
    """
    The ``aws_hook_class`` of an operator, named by import path and imported on first use.

    DAG files are parsed again and again; the hooks (and the policy logic they use) are needed only
    when a task runs. ``EnsureDestinationRoleOperator.aws_hook_class`` still returns the class.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        module, _, name = self.path.rpartition(".")
        return getattr(import_module(module), name)


class LazyHookMixin:
    """Check ``aws_hook_class`` without importing it (``AwsBaseHookMixin`` would, in every constructor)."""

    def validate_attributes(self) -> None:
        declared = next(
            (vars(cls)["aws_hook_class"] for cls in type(self).__mro__ if "aws_hook_class" in vars(cls)), None
        )
        if not isinstance(declared, (LazyHookClass, type)):
            raise AttributeError(f"Class attribute '{type(self).__name__}.aws_hook_class' should be set.")


class EmrfsXacctBaseOperator(LazyHookMixin, AwsBaseOperator[AwsHookType], Generic[AwsHookType]):
    """
    Base of the provider's provisioning operators.

    :param dry_run: only read the current state and log the plan; change nothing. (default: False)
    :param settle_seconds: after writing a document that other runs may write too, wait this long
        before reading it back to confirm the change held (see ``converge``). (default: 1.0)
    :param botocore_config: as for every AWS operator; defaults to :data:`DEFAULT_BOTOCORE_CONFIG`.
    """

    def __init__(
        self,
        *,
        dry_run: bool = False,
        settle_seconds: float = 1.0,
        botocore_config: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            botocore_config=default_botocore_config() if botocore_config is None else botocore_config, **kwargs
        )
        self.plan_only = dry_run  # BaseOperator.dry_run is a method
        self.settle_seconds = settle_seconds

    @property
    def converge_settings(self) -> ConvergeSettings:
        from airflow_provider_emrfs_xacct.converge import ConvergeSettings
        from airflow_provider_emrfs_xacct.policies.validation import validate_positive_number

        return ConvergeSettings(settle_seconds=validate_positive_number(self.settle_seconds, "settle_seconds"))

    def report(self, context: Context, changes: list[Change]) -> list[dict[str, Any]]:
        """
        Log the plan, push it to XCom under ``plan`` and return it as plain values.

        The log reads ``No changes.``, or the changes marked ``+``/``~``/``-`` with their diffs and a
        summary line (``Plan: 1 to add, 0 to change, 0 to destroy.`` in a dry run, ``Applied: 1 added,
        0 changed, 0 destroyed.`` otherwise); see :func:`~airflow_provider_emrfs_xacct.policies.plan.plan_message`.
        """
        from airflow_provider_emrfs_xacct.policies.plan import plan_message

        self.log.info("%s", plan_message(changes, dry_run=self.plan_only))
        plan = [change.to_dict() for change in changes]
        if self.do_xcom_push:
            context["ti"].xcom_push(key=PLAN_XCOM_KEY, value=plan)
        return plan
