"""
AWS console links for what the provider's operators provision, in the Amazon provider's style.

Each link is a :class:`~airflow.providers.amazon.aws.links.base_aws.BaseAwsLink`: the operator calls
``Link.persist(context=..., operator=..., region_name=..., aws_partition=..., **fields)`` while it
runs, which stores the fields in XCom under the link's ``key``; when the task ends, Airflow's task
runner renders each link of ``operator_extra_links`` and stores the URL, which the API server's
Extra Links endpoint (and the UI) show. A link whose fields are missing renders as ``""`` (no link).

The console opens in whatever account the browser is signed in to: the destination role, the
key and the bucket prefix are in the destination account, the security configuration in the EMR
account. AWS does not document console URLs as an interface; these follow the URLs the console
itself shows (and, for S3 and the console domain per partition, the Amazon provider's links), and
only their format is tested here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator, Context

    from airflow_provider_emrfs_xacct.pure.validation import S3Location


class _QuotingLink(BaseAwsLink):
    """A link whose fields named in ``quoted`` are URL-escaped (``/`` kept) before formatting."""

    quoted: ClassVar[tuple[str, ...]] = ()

    def format_link(self, **kwargs: Any) -> str:
        if not kwargs.get("aws_domain"):  # a partition the console has no domain for
            return ""
        fields = {k: quote(str(v), safe="/") if k in self.quoted and v is not None else v for k, v in kwargs.items()}
        if any(fields.get(name) in (None, "") for name in self.quoted):
            return ""
        return super().format_link(**fields)


class DestinationRoleLink(_QuotingLink):
    """The destination role in the IAM console (a global service: no region in the URL)."""

    name = "IAM Destination Role"
    key = "emrfs_xacct_destination_role"
    format_str = BASE_AWS_CONSOLE_LINK + "/iam/home#/roles/details/{role_name}"
    quoted = ("role_name",)


class EmrEc2RoleLink(DestinationRoleLink):
    """The EMR EC2 instance-profile role (in the EMR account) in the IAM console, as the destination role's link."""

    name = "IAM EMR EC2 Role"
    key = "emrfs_xacct_emr_ec2_role"


class KmsKeyLink(_QuotingLink):
    """The customer-managed KMS key in the KMS console, in the key's own region."""

    name = "KMS Key"
    key = "emrfs_xacct_kms_key"
    format_str = BASE_AWS_CONSOLE_LINK + "/kms/home?region={region_name}#/kms/keys/{key_id}"
    quoted = ("key_id",)


class SecurityConfigurationLink(_QuotingLink):
    """
    The EMR console's security configurations page, in the EMR account's region.

    The console has no documented per-configuration URL, so this opens the list; the configuration's
    name is the task's return value (XCom) and is in its log.
    """

    name = "EMR Security Configurations"
    key = "emrfs_xacct_security_configuration"
    format_str = BASE_AWS_CONSOLE_LINK + "/emr/home?region={region_name}#/securityConfigs"
    quoted = ("security_configuration",)


class DestinationPrefixLink(_QuotingLink):
    """The destination bucket, opened at the partner prefix, in the S3 console."""

    name = "S3 Destination Prefix"
    key = "emrfs_xacct_destination_prefix"
    format_str = BASE_AWS_CONSOLE_LINK + "/s3/buckets/{bucket}?region={region_name}&prefix={prefix}&showversions=false"
    quoted = ("bucket", "prefix")


#: Every link class, for the provider metadata's ``extra-links``.
ALL_LINKS = (DestinationRoleLink, KmsKeyLink, SecurityConfigurationLink, DestinationPrefixLink, EmrEc2RoleLink)


def persist_links(
    context: Context,
    operator: BaseOperator,
    *,
    role_name: str | None = None,
    location: S3Location | None = None,
    key_arn: str | None = None,
    security_configuration: str | None = None,
    emr_ec2_role_name: str | None = None,
    regional_hook: Any = None,
) -> None:
    """
    Persist the console links for what the operator works on (validated values only).

    Needs ``operator.hook`` (an ``AwsBaseHook``) for the connection's region and partition, or
    ``regional_hook`` for the region when ``operator.hook`` is an IAM one: IAM has one global endpoint per
    partition ("AWS Identity and Access Management endpoints and quotas") and botocore names an IAM client's
    region after it (``aws-global``). The key link uses the key's own region. Makes no AWS call, and like
    ``BaseAwsLink.persist`` it never fails the task (a link that could not be stored, or whose region is
    not known, is simply not shown).
    """
    hook = operator.hook  # type: ignore[attr-defined]
    where = {"context": context, "operator": operator, "aws_partition": hook.conn_partition}
    region = _region_of(regional_hook or hook)
    if role_name is not None:
        DestinationRoleLink.persist(**where, region_name=region, role_name=role_name)
    if location is not None and region:
        DestinationPrefixLink.persist(**where, region_name=region, bucket=location.bucket, prefix=location.prefix)
    if key_arn is not None:
        # arn:partition:kms:region:account:key/id, validated by the operator.
        _, _, _, key_region, _, resource = key_arn.split(":", 5)
        KmsKeyLink.persist(**where, region_name=key_region, key_id=resource.split("/", 1)[-1])
    if emr_ec2_role_name is not None:
        EmrEc2RoleLink.persist(**where, region_name=region, role_name=emr_ec2_role_name)
    if security_configuration is not None:
        SecurityConfigurationLink.persist(**where, region_name=region, security_configuration=security_configuration)


def _region_of(hook: Any) -> str:
    """The region ``hook``'s client calls; empty when none is configured (botocore's ``NoRegionError``)."""
    from botocore.exceptions import NoRegionError

    try:
        return str(hook.conn_region_name)
    except NoRegionError:
        return ""
