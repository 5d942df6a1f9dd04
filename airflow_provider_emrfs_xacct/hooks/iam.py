"""IAM hook: the destination role (account B) and the EMR EC2 role's assume-role policy (account A)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.converge import DEFAULT_SETTINGS, ConvergeSettings, read_modify_write
from airflow_provider_emrfs_xacct.exceptions import PreconditionError
from airflow_provider_emrfs_xacct.hooks.errors import error_code
from airflow_provider_emrfs_xacct.policies import documents
from airflow_provider_emrfs_xacct.policies.merge import (
    merged_principals,
    merged_resources,
    parse_document,
    remove_statement,
    upsert_statement,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from airflow_provider_emrfs_xacct.policies.plan import Change
    from airflow_provider_emrfs_xacct.policies.validation import S3Location

#: Tag put on every role the provider creates (revoke deletes only roles carrying it).
MANAGED_BY_TAG = {"Key": "emrfs-xacct:managed-by", "Value": "airflow-provider-emrfs-xacct"}


def is_eventually_consistent(error: Exception) -> bool:
    """
    Return whether an IAM error may be IAM not yet seeing something created seconds ago.

    ``MalformedPolicyDocument`` is what IAM answers for a trusted principal it does not see yet (our
    documents are validated before they are sent); ``NoSuchEntity`` reaches here only for a role
    this hook has just created.
    """
    return isinstance(error, ClientError) and error_code(error) in ("MalformedPolicyDocument", "NoSuchEntity")


class EmrfsIamHook(AwsBaseHook):
    """
    Interact with AWS IAM for cross-account EMRFS access, with idempotent ``ensure_*`` methods.

    Additional arguments (such as ``aws_conn_id``) may be specified and
    are passed down to the underlying AwsBaseHook.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "iam"
        super().__init__(*args, **kwargs)
        #: Roles this hook created; IAM may not show them to the next call for a few seconds.
        self.created_roles: set[str] = set()

    # Reads --------------------------------------------------------------------------------------

    def get_role(self, role_name: str) -> dict[str, Any] | None:
        """Return the role as ``GetRole`` describes it, or ``None`` if there is none."""
        try:
            return self.conn.get_role(RoleName=role_name)["Role"]
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                return None
            raise

    def get_inline_policy(self, role_name: str, policy_name: str) -> dict[str, Any] | None:
        """Return an inline policy document of the role, or ``None`` if it has none by that name."""
        try:
            response = self.conn.get_role_policy(RoleName=role_name, PolicyName=policy_name)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                return None
            raise
        return parse_document(response["PolicyDocument"])

    # Ensures ------------------------------------------------------------------------------------

    def ensure_role_trusts(
        self,
        role_name: str,
        trusted_role_arns: Iterable[str],
        *,
        path: str = "/",
        description: str = "",
        max_session_duration: int = 3600,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
    ) -> tuple[str, list[Change]]:
        """
        Create the role if missing, or add the trusted roles to its trust policy.

        Every other trust statement and principal is kept as it was.

        :return: the role's ARN and the change made (or, in a dry run, planned).
        """
        trusted = list(trusted_role_arns)
        seen: dict[str, Any] = {}

        def read() -> dict[str, Any] | None:
            seen["role"] = self.get_role(role_name)
            return None if seen["role"] is None else parse_document(seen["role"]["AssumeRolePolicyDocument"])

        def desire(current: dict[str, Any] | None) -> dict[str, Any] | None:
            principals = merged_principals(current, documents.TRUST_SID, trusted, skip_if_granted=True)
            if principals or current is None:
                return upsert_statement(current, documents.trust_statement(principals))
            # Other statements trust every role asked for; ours, if there, held only deleted roles.
            return remove_statement(current, documents.TRUST_SID)

        def write(current: dict[str, Any] | None, desired: dict[str, Any]) -> None:
            if current is None:
                try:
                    self.conn.create_role(
                        RoleName=role_name,
                        Path=path,
                        Description=description,
                        MaxSessionDuration=max_session_duration,
                        AssumeRolePolicyDocument=json.dumps(desired),
                        Tags=[MANAGED_BY_TAG],
                    )
                    self.created_roles.add(role_name)
                except ClientError as error:
                    if error_code(error) != "EntityAlreadyExists":
                        raise
                    self.log.info("Role %s was created concurrently; merging into it", role_name)
                return
            self.conn.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(desired))

        changes = read_modify_write(
            resource=f"iam role {role_name} trust policy",
            read=read,
            desire=desire,
            write=write,
            settings=settings,
            dry_run=dry_run,
            is_transient=is_eventually_consistent,
        )
        if seen["role"] is not None:
            return str(seen["role"]["Arn"]), changes
        return f"arn:{self.conn_partition}:iam::{self.account_id}:role{path}{role_name}", changes

    def ensure_destination_access(
        self,
        role_name: str,
        locations: Iterable[S3Location],
        kms_key_arns: Iterable[str],
        *,
        partition: str = "aws",
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
    ) -> list[Change]:
        """
        Keep the provider's inline permissions policy on the destination role.

        Prefixes and keys already in the policy are kept (other runs may have added them).
        """
        wanted_locations, wanted_keys = set(locations), set(kms_key_arns)

        def desire(current: dict[str, Any] | None) -> dict[str, Any]:
            held_locations, held_keys = documents.locations_in_permissions_policy(current)
            return documents.destination_permissions_policy(
                partition, held_locations | wanted_locations, held_keys | wanted_keys
            )

        return self._ensure_inline_policy(
            role_name, documents.DESTINATION_POLICY_NAME, desire, settings=settings, dry_run=dry_run
        )

    def ensure_assume_role_policy(
        self,
        role_name: str,
        destination_role_arns: Iterable[str],
        *,
        policy_name: str = documents.ASSUME_POLICY_NAME,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
    ) -> list[Change]:
        """Keep the provider's inline policy allowing ``sts:AssumeRole`` on the listed roles, and those already there."""
        wanted = list(destination_role_arns)

        def desire(current: dict[str, Any] | None) -> dict[str, Any]:
            return documents.assume_role_policy(merged_resources(current, documents.ASSUME_SID, wanted))

        return self._ensure_inline_policy(role_name, policy_name, desire, settings=settings, dry_run=dry_run)

    def _ensure_inline_policy(
        self, role_name: str, policy_name: str, desire: Any, *, settings: ConvergeSettings, dry_run: bool
    ) -> list[Change]:
        def write(_current: Any, desired: dict[str, Any]) -> None:
            try:
                self.conn.put_role_policy(
                    RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(desired)
                )
            except ClientError as error:
                if error_code(error) == "NoSuchEntity" and role_name not in self.created_roles:
                    raise PreconditionError(
                        f"role_name: IAM role {role_name!r} does not exist in this account"
                    ) from error
                raise

        return read_modify_write(
            resource=f"iam role {role_name} inline policy {policy_name}",
            read=lambda: self.get_inline_policy(role_name, policy_name),
            desire=desire,
            write=write,
            settings=settings,
            dry_run=dry_run,
            is_transient=is_eventually_consistent,
        )
