"""Operator for the KMS side: the destination role as a key user of the bucket's key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_provider_emrfs_xacct.links.console import KmsKeyLink
from airflow_provider_emrfs_xacct.operators.base import SAFETY_TEMPLATE_FIELDS, EmrfsXacctBaseOperator, LazyHookClass

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook  # noqa: F401 (the operator's Generic argument)


class GrantKmsKeyUserOperator(EmrfsXacctBaseOperator["EmrfsKmsHook"]):
    """
    Make principals key users of a customer-managed KMS key (in the key's account).

    Adds them to one provider-owned key-policy statement (``Sid`` ``EmrfsXacctKeyUsers``); every other
    statement stays as it was. Never bypasses the policy lockout safety check. After writing, reads
    the policy back and merges again until the statement holds the principals, so concurrent runs
    that share the key do not lose one another's principals.

    :param key_arn: ARN of the key (not an alias: ``PutKeyPolicy`` takes "the key ID or key ARN of the KMS key",
        AWS KMS API Reference, PutKeyPolicy, and a key policy belongs to the key). Read with ``DescribeKey`` once
        the grant would change its policy, before the write (in a dry run too; a rerun that changes nothing
        does not read it): a key S3 cannot encrypt with whatever the grant (asymmetric, HMAC, scheduled for
        deletion) is refused; a key S3 cannot use until someone changes it (disabled, waiting for imported key material, in a
        disconnected custom key store) is granted with a warning. An AWS managed key (``aws/s3``), whose policy
        nobody may change, already lets the principals of its account use it through S3: nothing is granted; a
        principal of another account is refused. (templated)
    :param principal_arns: role ARNs to make key users. (templated)
    :param skip_without_key: skip the task (``AirflowSkipException``) when ``key_arn`` resolves to ``None``,
        e.g. an XCom or mapped argument of a partner whose bucket has no customer-managed key; otherwise
        ``None`` is refused. (default: False)
    :param dry_run: only log the plan. (templated, default: False)
    :param expected_account_id: the key's account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the key's account (``PutKeyPolicy`` cannot cross
        accounts). (templated)
    :param region_name: the AWS Region of its clients; default: the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: the key's ARN.
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.kms.EmrfsKmsHook")
    template_fields: Sequence[str] = aws_template_fields("key_arn", "principal_arns", *SAFETY_TEMPLATE_FIELDS)
    template_fields_renderers = {"principal_arns": "json"}
    ui_color = "#f5e3c4"
    operator_extra_links = (KmsKeyLink(),)

    def __init__(
        self, *, key_arn: str | None, principal_arns: list[str] | str, skip_without_key: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.key_arn = key_arn
        self.principal_arns = principal_arns
        self.skip_without_key = skip_without_key

    def execute(self, context: Context) -> str:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.links.console import persist_links
        from airflow_provider_emrfs_xacct.pure import validation

        if self.key_arn is None and self.skip_without_key is True:
            from airflow.providers.common.compat.sdk import AirflowSkipException

            raise AirflowSkipException("No KMS key (key_arn is None): nothing to grant")
        self.validate_safety()
        settings = self.converge_settings
        key_arn = validation.validate_kms_key_arn(self.key_arn, "key_arn")
        principals = validation.require_list(self.principal_arns, "principal_arns", validation.validate_role_arn)
        # PutKeyPolicy acts on a key of the connection's own partition, region (and account) only.
        where = f"connection {self.aws_conn_id!r}"
        region = self.hook.required_region("key_arn")  # before conn_partition, which needs a Region too
        validation.require_partition(key_arn, self.hook.conn_partition, "key_arn", where)
        validation.require_region(key_arn, region, "key_arn", where)
        validation.require_partitions(principals, validation.partition_of_arn(key_arn), "principal_arns", "the key")
        persist_links(context, self, key_arn=key_arn)
        with explain_access_denied(self.hook):
            # PutKeyPolicy cannot act on a key of another account ("Cross-account use: No", KMS API
            # reference, PutKeyPolicy): refuse it here, naming both accounts, before any call on the key.
            validation.require_account(key_arn, self.connection_account(self.hook), "key_arn", where)
            # A key S3 cannot encrypt with (its kind, its deletion) is refused before the write; one it cannot use
            # until someone enables it is granted with a warning (the verifier fails both, naming the fix).
            changes = self.hook.ensure_key_users(key_arn, principals, settings=settings, dry_run=self.dry_run)
        self.report(context, changes)
        return key_arn
