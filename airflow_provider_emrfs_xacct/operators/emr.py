"""Operators for the EMR side: the security configuration (step 3) and the cluster launch (step 5)."""

from __future__ import annotations

import ast
import hashlib
import json
from typing import TYPE_CHECKING, Any, cast

from airflow.providers.amazon.aws.operators.emr import EmrCreateJobFlowOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.providers.common.compat.sdk import AirflowNotFoundException

from airflow_provider_emrfs_xacct.exceptions import InvalidParameterError, PreconditionError
from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG, EmrfsEmrHook
from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
from airflow_provider_emrfs_xacct.operators.base import DEFAULT_BOTOCORE_CONFIG, EmrfsXacctBaseOperator
from airflow_provider_emrfs_xacct.policies.security_config import (
    build_security_configuration,
    security_configuration_name,
    validate_role_mappings,
)
from airflow_provider_emrfs_xacct.policies.validation import validate_name_prefix

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context


class CreateEmrfsSecurityConfigOperator(EmrfsXacctBaseOperator[EmrfsEmrHook]):
    """
    Create an EMR security configuration with EMRFS role mappings (in the EMR account).

    Security configurations cannot be changed, so the name is ``<name_prefix>-<hash of the content>``:
    the same content reuses the same configuration, changed content creates a new one.

    :param name_prefix: start of the configuration's name. (templated)
    :param role_mappings: EMRFS role mappings in AWS's shape, evaluated top-down:
        ``[{"Role": arn, "IdentifierType": "Prefix" | "User" | "Group", "Identifiers": [...]}]``. (templated)
    :param base_configuration: other sections of the configuration (``EncryptionConfiguration`` …),
        combined with the role mappings. (templated)
    :param dry_run: only log the plan. (default: False)
    :param aws_conn_id: connection that acts in the EMR account.
    :return: the configuration's name.
    """

    aws_hook_class = EmrfsEmrHook
    template_fields: Sequence[str] = aws_template_fields("name_prefix", "role_mappings", "base_configuration")
    template_fields_renderers = {"role_mappings": "json", "base_configuration": "json"}
    ui_color = "#f9c915"

    def __init__(
        self,
        *,
        name_prefix: str,
        role_mappings: list[dict[str, Any]],
        base_configuration: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name_prefix = name_prefix
        self.role_mappings = role_mappings
        self.base_configuration = base_configuration

    def execute(self, context: Context) -> Any:
        mappings = validate_role_mappings(self.role_mappings, "role_mappings")
        document = build_security_configuration(mappings, self.base_configuration)
        name = security_configuration_name(self.name_prefix, document)
        with explain_access_denied(self.hook):
            changes = self.hook.ensure_security_configuration(name, document, dry_run=self.plan_only)
        plan = self.report(context, changes)
        return plan if self.plan_only else name


class LaunchClusterWithSecConfigOperator(EmrCreateJobFlowOperator):
    """
    Launch an EMR cluster with a security configuration, at most once per task instance.

    Everything :class:`~airflow.providers.amazon.aws.operators.emr.EmrCreateJobFlowOperator` offers
    (``emr_conn_id``, waiting, deferrable mode, links), plus: sets ``SecurityConfiguration``; refuses
    to launch when that configuration does not exist; tags the cluster with an idempotency key made
    from the DAG id, run id, task id and map index, so that a retried task returns the cluster it
    already launched (while it is active) instead of launching a second one.

    :param security_configuration: name of the security configuration, e.g. the XCom of
        :class:`CreateEmrfsSecurityConfigOperator`. (templated)
    :param job_flow_overrides: ``RunJobFlow`` arguments, as for the upstream operator. (templated)
    :param botocore_config: defaults to the provider's standard-retry configuration.
    :return: the cluster (job flow) id.
    """

    aws_hook_class = EmrfsEmrHook
    template_fields: Sequence[str] = (*EmrCreateJobFlowOperator.template_fields, "security_configuration")

    def __init__(self, *, security_configuration: str, botocore_config: dict | None = None, **kwargs: Any) -> None:
        super().__init__(
            botocore_config=DEFAULT_BOTOCORE_CONFIG if botocore_config is None else botocore_config, **kwargs
        )
        self.security_configuration = security_configuration

    def execute(self, context: Context) -> str | None:
        name = validate_name_prefix(self.security_configuration, "security_configuration", max_length=256)
        overrides = self._overrides_dict()
        given = overrides.get("SecurityConfiguration")
        if given not in (None, name):
            raise InvalidParameterError(
                "job_flow_overrides.SecurityConfiguration", f"is {given!r} but security_configuration is {name!r}"
            )
        with explain_access_denied(self.hook):
            if cast("EmrfsEmrHook", self.hook).describe_security_configuration(name) is None:
                raise PreconditionError(
                    f"security_configuration: EMR security configuration {name!r} does not exist in this account "
                    "and region; create it first (CreateEmrfsSecurityConfigOperator)"
                )
        key = idempotency_key(context)
        # The hook overlays the overrides on the emr_conn_id extra key by key: keep the connection's
        # Tags when the overrides have none, or adding the idempotency tag would drop them.
        user_tags = overrides["Tags"] if "Tags" in overrides else self._emr_connection_tags()
        tags = [tag for tag in user_tags if tag.get("Key") != IDEMPOTENCY_TAG]
        self.job_flow_overrides = {
            **overrides,
            "SecurityConfiguration": name,
            "Tags": [*tags, {"Key": IDEMPOTENCY_TAG, "Value": key}],
        }
        self.log.info("Launching with security configuration %s, idempotency key %s", name, key)
        with explain_access_denied(self.hook):
            return super().execute(context)

    def _emr_connection_tags(self) -> list[dict[str, Any]]:
        """Return the ``Tags`` of the ``RunJobFlow`` configuration kept in the ``emr_conn_id`` extra."""
        if not self.emr_conn_id:
            return []
        try:
            tags = self.hook.get_connection(self.emr_conn_id).extra_dejson.get("Tags") or []
        except AirflowNotFoundException:
            return []
        if not isinstance(tags, list) or not all(isinstance(tag, dict) for tag in tags):
            raise InvalidParameterError(
                f"emr_conn_id {self.emr_conn_id!r} extra Tags",
                f"must be a list of {{'Key', 'Value'}} dicts, got {tags!r}",
            )
        return tags

    def _overrides_dict(self) -> dict[str, Any]:
        overrides = self.job_flow_overrides
        if isinstance(overrides, str):
            try:
                overrides = json.loads(overrides)
            except json.JSONDecodeError:
                overrides = ast.literal_eval(overrides)
        if not isinstance(overrides, dict):
            raise InvalidParameterError(
                "job_flow_overrides", f"must be a dict of RunJobFlow arguments, got {overrides!r}"
            )
        tags = overrides.get("Tags", [])
        if not isinstance(tags, list) or not all(isinstance(tag, dict) for tag in tags):
            raise InvalidParameterError(
                "job_flow_overrides.Tags", f"must be a list of {{'Key', 'Value'}} dicts, got {tags!r}"
            )
        return dict(overrides)


def idempotency_key(context: Context) -> str:
    """Return a key that is the same for every try of one task instance and differs between instances."""
    ti = context["ti"]
    identity = json.dumps([ti.dag_id, ti.run_id, ti.task_id, ti.map_index])
    return hashlib.sha256(identity.encode()).hexdigest()[:32]
