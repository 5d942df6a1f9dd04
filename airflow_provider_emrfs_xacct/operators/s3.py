"""Operators for option (a) of the AWS article: access through the destination bucket's policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_provider_emrfs_xacct.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
from airflow_provider_emrfs_xacct.links.console import DestinationPrefixLink, persist_links
from airflow_provider_emrfs_xacct.operators.base import SAFETY_TEMPLATE_FIELDS, EmrfsXacctBaseOperator, LazyHookClass
from airflow_provider_emrfs_xacct.policies.bucket_policy import ownership_report
from airflow_provider_emrfs_xacct.policies.validation import (
    parse_s3_location,
    refuse_account,
    require_list,
    require_partition,
    validate_bool,
    validate_bucket_name,
    validate_role_arn,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook  # noqa: F401 (the operator's Generic argument)


class GrantBucketAccessOperator(EmrfsXacctBaseOperator["EmrfsS3Hook"]):
    """
    Grant the EMR account's roles access to prefixes through the destination bucket's policy (option (a)).

    Simpler than role mappings, but ownership depends on the bucket: the operator reads its object
    ownership and reports who will own what the EMR account writes. With ``BucketOwnerEnforced`` the
    bucket owner owns everything; with ``BucketOwnerPreferred`` only objects written with the
    ``bucket-owner-full-control`` ACL, so it returns the EMRFS setting ``fs.s3.canned.acl`` for the
    launch operator's ``emrfs_site_properties``; with ``ObjectWriter`` the EMR account keeps
    ownership: it warns, or with ``enforce_bucket_owner=True`` switches the bucket to
    ``BucketOwnerEnforced`` (which disables ACLs on the bucket).

    :param s3_prefixes: ``s3://bucket/prefix/`` locations, all in one bucket. (templated)
    :param principal_arns: the EMR account's role ARNs (the EMR EC2 role). (templated)
    :param enforce_bucket_owner: switch an ``ObjectWriter`` or ``BucketOwnerPreferred`` bucket to
        ``BucketOwnerEnforced``. (templated, default: False)
    :param dry_run: only log the plan; the report says what ownership the bucket has now. (templated,
        default: False)
    :param expected_account_id: the bucket's account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the bucket's account; every S3 call carries it as
        ``ExpectedBucketOwner``, so a bucket of another account is refused by S3.
    :return: ``{"bucket", "object_ownership", "objects_owned_by", "emrfs_site_properties"}``.
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.s3.EmrfsS3Hook")
    template_fields: Sequence[str] = aws_template_fields(
        "s3_prefixes", "principal_arns", "enforce_bucket_owner", *SAFETY_TEMPLATE_FIELDS
    )
    ui_color = "#c9e7f5"
    operator_extra_links = (DestinationPrefixLink(),)

    def __init__(
        self,
        *,
        s3_prefixes: list[str] | str,
        principal_arns: list[str] | str,
        enforce_bucket_owner: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.s3_prefixes = s3_prefixes
        self.principal_arns = principal_arns
        self.enforce_bucket_owner = enforce_bucket_owner

    def execute(self, context: Context) -> Any:
        self.validate_safety()
        settings = self.converge_settings
        locations = require_list(self.s3_prefixes, "s3_prefixes", parse_s3_location)
        buckets = sorted({location.bucket for location in locations})
        if len(buckets) > 1:
            raise InvalidParameterError("s3_prefixes", f"must all be in one bucket, got {', '.join(buckets)}")
        bucket = buckets[0]
        principals = require_list(self.principal_arns, "principal_arns", validate_role_arn)
        enforce = validate_bool(self.enforce_bucket_owner, "enforce_bucket_owner")
        partition, where = self.hook.conn_partition, f"connection {self.aws_conn_id!r}"
        for index, arn in enumerate(principals):
            # A bucket policy cannot grant a principal of another partition (S3 answers MalformedPolicy).
            require_partition(arn, partition, f"principal_arns[{index}]", where)
        persist_links(context, self, location=locations[0])
        with explain_access_denied(self.hook):
            account = self.connection_account(self.hook)
            for index, arn in enumerate(principals):
                refuse_account(
                    arn,
                    account,
                    f"principal_arns[{index}]",
                    where,
                    "option (a) grants the EMR account's role access to another account's bucket (are the "
                    "connections swapped?)",
                )
            self.hook.expected_bucket_owner = account
            changes = self.hook.ensure_bucket_access(
                bucket, locations, principals, partition=partition, settings=settings, dry_run=self.plan_only
            )
            ownership = self.hook.get_object_ownership(bucket)
            if enforce and ownership != "BucketOwnerEnforced":
                changes += self.hook.ensure_bucket_owner_enforced(bucket, current=ownership, dry_run=self.plan_only)
                ownership = "BucketOwnerEnforced" if not self.plan_only else ownership
        report = ownership_report(bucket, ownership)
        if ownership == "ObjectWriter":
            self.log.warning(
                "Bucket %s has ObjectWriter ownership: objects the EMR account writes stay owned by the EMR "
                "account. Set enforce_bucket_owner=True to switch the bucket to BucketOwnerEnforced.",
                bucket,
            )
        self.log.info("Objects written to %s will be owned by the %s", bucket, report["objects_owned_by"])
        self.report(context, changes)
        return report


class RevokeBucketAccessOperator(EmrfsXacctBaseOperator["EmrfsS3Hook"]):
    """
    Remove the statements :class:`GrantBucketAccessOperator` wrote for the principals; nothing else.

    :param bucket: the destination bucket. (templated)
    :param principal_arns: the role ARNs whose access to remove. (templated)
    :param dry_run: only log the plan. (templated, default: False)
    :param expected_account_id: the bucket's account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the bucket's account (sent as ``ExpectedBucketOwner``).
    :return: the plan (list of changes).
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.s3.EmrfsS3Hook")
    template_fields: Sequence[str] = aws_template_fields("bucket", "principal_arns", *SAFETY_TEMPLATE_FIELDS)
    ui_color = "#c9e7f5"

    def __init__(self, *, bucket: str, principal_arns: list[str] | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.principal_arns = principal_arns

    def execute(self, context: Context) -> Any:
        self.validate_safety()
        settings = self.converge_settings
        bucket = validate_bucket_name(self.bucket, "bucket")
        principals = require_list(self.principal_arns, "principal_arns", validate_role_arn)
        with explain_access_denied(self.hook):
            self.hook.expected_bucket_owner = self.connection_account(self.hook)
            changes = self.hook.revoke_bucket_access(bucket, principals, settings=settings, dry_run=self.plan_only)
        return self.report(context, changes)
