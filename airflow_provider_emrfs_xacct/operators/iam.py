"""Operators for the IAM side: the destination role (step 1) and the EMR EC2 role's permission to assume it (step 4)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.sdk.definitions._internal.types import NOTSET, ArgNotSet

from airflow_provider_emrfs_xacct.links.console import DestinationPrefixLink, DestinationRoleLink, EmrEc2RoleLink
from airflow_provider_emrfs_xacct.operators.base import (
    SAFETY_TEMPLATE_FIELDS,
    EmrfsXacctBaseOperator,
    LazyHookClass,
    take_pin,
)
from airflow_provider_emrfs_xacct.pure.names import ASSUME_POLICY_NAME

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook  # noqa: F401 (the operator's Generic argument)
    from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook


class EnsureDestinationRoleOperator(EmrfsXacctBaseOperator["EmrfsIamHook"]):
    """
    Ensure the destination role in the destination account (the account that owns the bucket).

    Creates the role if missing; otherwise adds the trusted roles to its trust policy, keeping every
    other statement and principal. A role made after this task's first read (``CreateRole`` answering
    ``EntityAlreadyExists``) is checked as one that read found, before anything is written to it. Keeps the provider's inline policy ``emrfs-xacct-destination-access``
    with least-privilege access to the prefixes and, when keys are given, the KMS key-user actions.
    Prefixes and keys already granted by that policy are kept; revoking is a separate step.
    ``s3:PutObjectAcl``, once ``object_acl`` granted it, is kept too.

    :param role_name: name of the destination role. (templated)
    :param trusted_role_arns: ARNs of the EMR EC2 instance-profile roles allowed to assume it. (templated)
    :param trusted_account_id: the account of the trusted roles (the EMR account): an ARN of another account is
        refused before any call. Given but resolved to ``None`` (a template, an upstream task's output, a mapped
        value), it is refused. (templated)
    :param trusted_aws_conn_id: a connection that acts in the account of the trusted roles (the EMR account):
        without ``trusted_account_id``, an ARN outside its account or partition is refused before anything is
        written (its account is read from its ``role_arn``, else with ``sts:GetCallerIdentity``, a read). Given but
        resolved to ``None``: boto3's default credential chain, as the Amazon provider reads a connection id of
        ``None``, is that connection. (templated)
    :param trusted_default_chain: with neither of those, check the trusted roles the same way against the account
        boto3's default credential chain acts in (the worker's own credentials: the EMR side's connection is
        ``None``). (default: False)
    :param s3_prefixes: ``s3://bucket/prefix/`` locations the role may read, write and delete under. (templated)
    :param kms_key_arns: ARNs of the customer-managed keys of the destination bucket(s). (templated)
    :param checked_ahead: values the tasks after this one will use, checked here with their rules before this
        task writes anything (a value known only at run time would otherwise be refused after this task and
        the ones before its own changed AWS): ``name_prefix`` (``CreateEmrfsSecurityConfigOperator``'s),
        ``policy_name`` (``AttachAssumeRolePolicyOperator``'s), ``release_label``
        (``VerifyCrossAccountAccessOperator``'s) and ``key_user_key`` (``GrantKmsKeyUserOperator``'s ``key_arn``
        on this task's connection: refused outside its Region and, once the account is read, outside its account).
        ``None`` is none, as for those tasks. ``partner_access`` passes the names and the release known only at run
        time, and its key. (templated)
    :param object_acl: the cluster sets ``emrfs-site`` ``fs.s3.canned.acl``, so every upload carries
        ``x-amz-acl`` and also needs ``s3:PutObjectAcl``: grant it on the prefixes' objects. Once granted it is
        kept, as the prefixes are (a run without it warns). (templated, default: False)
    :param role_path: IAM path of the role when created; a role that exists keeps its own (a run warns when it
        differs). (templated, default: ``/``)
    :param role_description: description of the role when created. (templated)
    :param max_session_duration: maximum session duration in seconds when created (role chaining caps
        EMRFS sessions at one hour anyway); a whole number from 3600 to 43200, or its rendered text.
        (templated, default: 3600)
    :param permissions_boundary: the ARN of a managed policy (in the connection's partition) ``CreateRole`` sets as
        the role's permissions boundary, for accounts that let roles be created only with one
        (``iam:PermissionsBoundary``); used only when creating it: a role that exists keeps its own (a run warns when
        it differs). (templated, default: none)
    :param role_tags: tags ``CreateRole`` adds beside the provider's own (keys 1-128 characters, values 0-256, IAM's
        tag characters, no ``aws:`` key, at most 49), for accounts that require tags at creation
        (``aws:RequestTag``); used only when creating it: a role that exists keeps its tags (a run warns naming those
        it lacks or holds with another value, keys compared without case). (templated)
    :param dry_run: only log the plan and return the ARN the role has, or will have. (templated, default: False)
    :param expected_account_id: the destination account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the destination account. (templated)
    :param region_name: the AWS Region of its clients; default: the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: the role's ARN (as ``GetRole`` shows it).
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.iam.EmrfsIamHook")
    template_fields: Sequence[str] = aws_template_fields(
        "role_name",
        "trusted_role_arns",
        "s3_prefixes",
        "kms_key_arns",
        "role_path",
        "role_description",
        "object_acl",
        "max_session_duration",
        "permissions_boundary",
        "role_tags",
        "trusted_account_id",
        "trusted_aws_conn_id",
        "checked_ahead",
        *SAFETY_TEMPLATE_FIELDS,
    )
    template_fields_renderers = {
        "trusted_role_arns": "json",
        "s3_prefixes": "json",
        "kms_key_arns": "json",
        "checked_ahead": "json",
        "role_tags": "json",
    }
    ui_color = "#e7d4f5"
    operator_extra_links = (DestinationRoleLink(), DestinationPrefixLink())

    def __init__(
        self,
        *,
        role_name: str,
        trusted_role_arns: list[str] | str,
        s3_prefixes: list[str] | str,
        kms_key_arns: list[str] | str | None = None,
        object_acl: bool | str = False,
        role_path: str = "/",
        role_description: str = "EMRFS cross-account destination role (managed by airflow-provider-emrfs-xacct)",
        max_session_duration: int | str = 3600,
        trusted_account_id: str | ArgNotSet | None = NOTSET,
        trusted_aws_conn_id: str | ArgNotSet | None = NOTSET,
        trusted_default_chain: bool = False,
        checked_ahead: dict[str, Any] | None = None,
        permissions_boundary: str | None = None,
        role_tags: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.role_name = role_name
        self.permissions_boundary = permissions_boundary
        self.role_tags = role_tags
        self.checked_ahead = checked_ahead
        #: Whether a pin was asked for (a template or an upstream task's output may resolve to ``None``).
        self.trusted_account_id, self._trusted_account_asked = take_pin(self, trusted_account_id, "trusted_account_id")
        #: Given and resolved to ``None``: the default chain, as the Amazon provider reads it (not "not checked").
        self.trusted_aws_conn_id, self._trusted_connection_asked = take_pin(
            self, trusted_aws_conn_id, "trusted_aws_conn_id"
        )
        self.trusted_default_chain = trusted_default_chain
        self.trusted_role_arns = trusted_role_arns
        self.s3_prefixes = s3_prefixes
        self.kms_key_arns = kms_key_arns
        self.object_acl = object_acl
        self.role_path = role_path
        self.role_description = role_description
        self.max_session_duration = max_session_duration

    def execute(self, context: Context) -> str:
        from airflow_provider_emrfs_xacct.hooks.errors import acting_account, explain_access_denied
        from airflow_provider_emrfs_xacct.hooks.iam_managed import MANAGED_BY_TAG
        from airflow_provider_emrfs_xacct.links.console import persist_links
        from airflow_provider_emrfs_xacct.pure import validation
        from airflow_provider_emrfs_xacct.pure.converge import Prefetched
        from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME, destination_permissions_policy
        from airflow_provider_emrfs_xacct.pure.merge import MAX_ROLE_INLINE_POLICIES_CHARS, require_iam_policy_length

        # 1. Validate everything (no AWS call).
        self.validate_safety()
        role_name = validation.validate_role_name(self.role_name, "role_name")
        # A service-linked role (its path in the ARN) gets no grant from the EMR account's tasks: refused before the trust.
        trusted = validation.require_list(self.trusted_role_arns, "trusted_role_arns", validation.validate_own_role_arn)
        locations = validation.require_list(self.s3_prefixes, "s3_prefixes", validation.parse_s3_location)
        keys = validation.validate_kms_key_arns(self.kms_key_arns, "kms_key_arns")
        object_acl = validation.validate_bool(self.object_acl, "object_acl")
        path = validation.validate_iam_path(self.role_path, "role_path")
        description = validation.validate_role_description(self.role_description, "role_description")
        max_session_duration = validation.validate_max_session_duration(
            self.max_session_duration, "max_session_duration"
        )
        self._check_ahead()
        settings = self.converge_settings
        partition = self.hook.conn_partition
        where = f"connection {self.aws_conn_id!r}"
        validation.require_partitions(trusted, partition, "trusted_role_arns", where)
        validation.require_partitions(keys, partition, "kms_key_arns", where)
        boundary = self._boundary(partition, where)
        # Airflow renders a dict's values, not its keys; a template for the whole dict gives its text.
        validation.refuse_rendered_text(self.role_tags, "role_tags", "dict")
        role_tags = validation.validate_role_tags(self.role_tags, "role_tags", MANAGED_BY_TAG["Key"])
        # Before anything is written in either account: the trust would otherwise name a role of an account other
        # than the EMR one's, which the assume grant (run after this task) refuses only once this role trusts it.
        self.require_trusted_here(trusted, partition)
        # What was asked must fit on its own (what is there only adds to it): refuse before touching the role.
        require_iam_policy_length(
            destination_permissions_policy(partition, locations, keys, object_acl=object_acl),
            MAX_ROLE_INLINE_POLICIES_CHARS,
            "s3_prefixes",
            f"the inline policy {DESTINATION_POLICY_NAME} of role {role_name}",
        )

        persist_links(context, self, role_name=role_name, location=locations[0], regional_hook=self.key_grant_hook)
        with explain_access_denied(self.hook):
            # 2. Read both documents and learn the account (from the role's ARN, else from STS).
            read_role = Prefetched.now(lambda: self.hook.get_role(role_name))
            role = read_role.document
            account = validation.account_of_arn(role["Arn"]) if role else acting_account(self.hook)
            self.check_expected_account(account, self.aws_conn_id)
            self._check_key_user_key(account, where)
            self._check_boundary(boundary, account, role, where)
            for index, arn in enumerate(trusted):
                validation.refuse_account(
                    arn,
                    account,
                    f"trusted_role_arns[{index}]",
                    where,
                    "the destination role must be in another account than the EMR EC2 role it trusts (are the "
                    "two connections swapped?)",
                )
            if role is not None:
                self._check_existing_role(role, trusted, path, boundary, role_tags)
            # Each apply below writes on these reads only while still in time (converge.py): the
            # trust policy's write and its settle wait come before the permissions policy's.
            inline = Prefetched.now(
                lambda: self.hook.get_inline_policy(role_name, DESTINATION_POLICY_NAME) if role else None
            )
            # 3. Plan both documents: every size and conflict is found before the first write.
            trust: dict[str, Any] = {
                "path": path,
                "description": description,
                "max_session_duration": max_session_duration,
                "permissions_boundary": boundary,
                "role_tags": role_tags,
            }
            role_arn, changes = self.hook.ensure_role_trusts(
                role_name, trusted, **trust, settings=settings, dry_run=True, role=read_role, account_id=account
            )
            # A role this run is about to create has no other inline policies to count (role_exists).
            access: dict[str, Any] = {
                "object_acl": object_acl,
                "partition": partition,
                "settings": settings,
                "current": inline,
                "role_exists": role is not None,
            }
            changes += self.hook.ensure_destination_access(role_name, locations, keys, **access, dry_run=True)

            def check_found(found: dict[str, Any]) -> None:
                # A role made since the first read (someone else's, CreateRole then answering EntityAlreadyExists):
                # checked as one that read found, and its inline policies counted, before its trust is written.
                self._check_existing_role(found, trusted, path, boundary, role_tags)
                access.update(current=None, role_exists=True)
                self.hook.ensure_destination_access(role_name, locations, keys, **access, dry_run=True)

            # 4. Apply.
            if not self.dry_run and changes:
                role_arn, changes = self.hook.ensure_role_trusts(
                    role_name,
                    trusted,
                    **trust,
                    settings=settings,
                    role=read_role,
                    account_id=account,
                    check_found=check_found,
                )
                changes += self.hook.ensure_destination_access(role_name, locations, keys, **access)
        if role is not None:
            self.warn_kept(role_name, role, inline.document, (locations, keys, trusted), object_acl=object_acl)
        self.report(context, changes)
        return role_arn

    def _check_ahead(self) -> None:
        """Check ``checked_ahead`` with the rules of the tasks that will use each value (no AWS call)."""
        from airflow_provider_emrfs_xacct.pure import validation
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
        from airflow_provider_emrfs_xacct.pure.security_config import validate_security_configuration_name_prefix

        def unless_none(rule: Any) -> Any:
            return lambda value, field: None if value is None else rule(value, field)

        rules = {
            "name_prefix": validate_security_configuration_name_prefix,
            "policy_name": validation.validate_policy_name,
            # The verifier's and the key grant's: None is no release to check, no key to grant (the grant skips).
            "release_label": unless_none(validation.parse_release_label),
            "key_user_key": unless_none(validation.validate_kms_key_arn),
        }
        ahead = self.checked_ahead or {}
        if not isinstance(ahead, dict):
            raise InvalidParameterError("checked_ahead", f"must be a dict, got {type(ahead).__name__}")
        for name, value in ahead.items():
            if name not in rules:
                raise InvalidParameterError("checked_ahead", f"has {name!r}; it takes {', '.join(sorted(rules))}")
            rules[name](value, f"checked_ahead.{name}")

    @cached_property
    def key_grant_hook(self) -> EmrfsKmsHook:
        """
        The KMS hook ``GrantKmsKeyUserOperator`` builds on this task's connection and settings (no call): its Region.

        Not this task's IAM hook's: IAM has one global endpoint per partition ("AWS Identity and Access Management
        endpoints and quotas"), and botocore names an IAM client's Region after it (``aws-global``,
        ``aws-cn-global``, ``aws-us-gov-global``) whatever Region the connection has; KMS is Regional.
        """
        from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook

        return self.other_hook(EmrfsKmsHook, self.aws_conn_id)

    def _check_key_user_key(self, account: str, where: str) -> None:
        """
        Refuse ``checked_ahead.key_user_key`` as the key grant on this connection will, in the same words.

        "Key policies are Regional. A key policy controls access only to a KMS key in the same Region" (AWS KMS
        Developer Guide, "Key policies in AWS KMS"), and PutKeyPolicy is not cross-account ("Cross-account use: No",
        AWS KMS API Reference, PutKeyPolicy). Only then: used alone, this role may be granted a key of any Region or
        account of its partition (the key's own policy, written by its account, must allow it too). The Region is
        the key grant's KMS client's (:attr:`key_grant_hook`), not this task's IAM client's.
        """
        from airflow_provider_emrfs_xacct.pure import validation

        key = (self.checked_ahead or {}).get("key_user_key")
        if key is not None:
            region = self.key_grant_hook.required_region("checked_ahead.key_user_key")
            validation.require_region(key, region, "checked_ahead.key_user_key", where)
            validation.require_account(key, account, "checked_ahead.key_user_key", where)

    def _boundary(self, partition: str, where: str) -> str | None:
        """Validate ``permissions_boundary`` (no AWS call): a managed policy ARN of the connection's partition."""
        from airflow_provider_emrfs_xacct.pure import validation

        if self.permissions_boundary is None:
            return None
        return validation.validate_policy_arn(self.permissions_boundary, "permissions_boundary", partition, where)

    def _check_boundary(self, boundary: str | None, account: str, role: dict[str, Any] | None, where: str) -> None:
        """
        Before any write, refuse a boundary ``CreateRole`` would: another account's (no call), and, when the role is
        to be created, one ``GetPolicy`` says is missing or not attachable (a role that exists keeps its own: no read).
        """
        from airflow_provider_emrfs_xacct.pure import validation

        if boundary is None:
            return
        validation.require_boundary_account(boundary, account, "permissions_boundary", where)
        if role is None:
            self.hook.check_permissions_boundary(boundary, "permissions_boundary")

    def _check_existing_role(
        self,
        role: dict[str, Any],
        trusted: list[str],
        path: str,
        boundary: str | None,
        role_tags: dict[str, str] | None,
    ) -> None:
        """Refuse a service-linked role; warn on what the role keeps of its own and on a partner's condition made moot."""
        from airflow_provider_emrfs_xacct.pure import validation

        validation.refuse_service_linked(str(role.get("Path", "")), str(role.get("Arn")), "role_name")
        self._warn_if_adopted(role, trusted)
        self._warn_tags_kept(role, role_tags)
        if role.get("Path", path) != path:
            self.log.warning(
                "Role %s exists with path %s (role_path %s is used only when creating it)",
                role["Arn"],
                role["Path"],
                path,
            )
        held = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary is not None and held != boundary:
            self.log.warning(
                "Role %s exists with permissions boundary %s, not %s: permissions_boundary and role_tags are used only "
                "when creating it; the role keeps its own boundary and tags",
                role["Arn"],
                held or "(none)",
                boundary,
            )
        self._warn_conditions_made_moot(role, trusted)

    def _warn_tags_kept(self, role: dict[str, Any], role_tags: dict[str, str] | None) -> None:
        """
        Warn when the role lacks a tag of ``role_tags``, or holds it with another value: it keeps its own tags.

        ``CreateRole`` alone takes them here. Keys compare without case, values with: IAM's tag keys are "not case
        sensitive, but case is preserved" (IAM User Guide, "Tagging IAM resources", "Case sensitivity"). ``GetRole``
        shows the tags (IAM API Reference, GetRole, ``Role.Tags``): no other read.
        """
        held = {str(tag.get("Key")).lower(): tag for tag in role.get("Tags") or [] if isinstance(tag, dict)}
        lacking = []
        for key, value in (role_tags or {}).items():
            tag = held.get(key.lower())
            if tag is None or tag.get("Value") != value:
                has = "none" if tag is None else f"{tag.get('Key')}={tag.get('Value')}"
                lacking.append(f"{key}={value} ({has})")
        if lacking:
            self.log.warning(
                "Role %s lacks role_tags %s: role_tags is used only when creating it; the role keeps its own tags "
                "(add them with iam:TagRole if they are needed)",
                role.get("Arn", role.get("RoleName")),
                ", ".join(lacking),
            )

    def _warn_conditions_made_moot(self, role: dict[str, Any], trusted: list[str]) -> None:
        """
        Warn when another statement trusts a role asked for only under a ``Condition`` the provider's makes moot.

        The provider's statement adds the role without one, and any Allow suffices absent a Deny (IAM User Guide,
        "Policy evaluation logic"): the other statement's condition then no longer restricts that role. The plan and
        the dry run say so too (this runs before either).
        """
        from airflow_provider_emrfs_xacct.pure.documents import TRUST_SID
        from airflow_provider_emrfs_xacct.pure.merge import conditional_trusts, parse_document

        trust = parse_document(role.get("AssumeRolePolicyDocument"))
        for arn in trusted:
            guarded = conditional_trusts(trust, arn, besides=TRUST_SID)
            if guarded:
                self.log.warning(
                    "Role %s trusts %s under a Condition in statement(s) %s; the provider's statement %s %s it "
                    "without one, so that condition no longer restricts it (any Allow suffices absent a Deny). To keep it, add "
                    "the same Condition to statement %s (the provider keeps a Condition added to its statement; only one "
                    "the EMR EC2 role's requests meet, or it can no longer assume the role) or a Deny of your own beside "
                    "it; see docs/howto/destination_role.md",
                    role.get("Arn", role.get("RoleName")),
                    arn,
                    "; ".join(guarded),
                    TRUST_SID,
                    "would allow (dry run)" if self.dry_run else "allows",
                    TRUST_SID,
                )

    def _warn_if_adopted(self, role: dict[str, Any], trusted: list[str]) -> None:
        """
        Warn when the role exists without the provider's tag (a role someone else made, or a typo in ``role_name``):
        whoever its trust lets assume it gets every permission its other policies grant (IAM User Guide,
        "Cross-account policy evaluation logic"), and this task adds the EMR EC2 roles to that trust. ``GetRole``
        shows the tags (IAM API Reference, GetRole, ``Role.Tags``): no other read.
        """
        from airflow_provider_emrfs_xacct.hooks.iam_managed import MANAGED_BY_TAG
        from airflow_provider_emrfs_xacct.pure.documents import DESTINATION_POLICY_NAME

        tags = {str(tag.get("Key")): str(tag.get("Value")) for tag in role.get("Tags") or [] if isinstance(tag, dict)}
        if tags.get(MANAGED_BY_TAG["Key"]) == MANAGED_BY_TAG["Value"]:
            return
        self.log.warning(
            "Role %s exists without the %s tag: this provider did not create it. Its trust is to let %s assume it, "
            "which gives them every permission of its policies, not only the provider's %s: check role_name, and "
            "review the role's other policies",
            role.get("Arn", role.get("RoleName")),
            MANAGED_BY_TAG["Key"],
            ", ".join(trusted),
            DESTINATION_POLICY_NAME,
        )

    def warn_kept(
        self,
        role_name: str,
        role: dict[str, Any],
        policy: dict[str, Any] | None,
        asked: tuple[list[Any], list[str], list[str]],
        *,
        object_acl: bool,
    ) -> None:
        """Log what the role's provider statements grant that this run did not ask for (kept: the provider only adds)."""
        from airflow_provider_emrfs_xacct.pure.merge import (
            KEPT_REMOVAL,
            kept_beyond_asked,
            kept_warning,
            parse_document,
        )

        trust = parse_document(role.get("AssumeRolePolicyDocument"))
        locations, keys, trusted = asked
        kept = kept_beyond_asked(policy, trust, locations, keys, trusted, object_acl=object_acl)
        if kept:
            sharers = "another pipeline or partner_access call may share the role and need it"
            self.log.warning("%s", kept_warning(f"Role {role_name}", kept, sharers, KEPT_REMOVAL))

    def require_trusted_here(self, trusted: list[str], partition: str) -> None:
        """
        Refuse a trusted role outside ``trusted_account_id``, else outside ``trusted_aws_conn_id``'s account and partition.

        No write: the pin needs no call; the connection's account is read from its ``role_arn``, else with
        ``sts:GetCallerIdentity``, which "No permissions are required to perform this operation" (STS API Reference,
        "GetCallerIdentity"). With ``trusted_default_chain`` and neither given, or a ``trusted_aws_conn_id`` given that
        resolved to ``None``, the account boto3's default credential chain acts in (the worker's own credentials, as an
        EMR side with ``aws_conn_id=None`` acts), read the same way. A
        ``trusted_account_id`` given that resolved to ``None`` (a template, an upstream task's output, a mapped
        value): refused (:func:`~airflow_provider_emrfs_xacct.operators.base.pinned_account`), as every account pin
        is. None of these: not checked (the roles may be of several accounts).
        """
        from airflow_provider_emrfs_xacct.hooks.errors import acting_account, explain_access_denied
        from airflow_provider_emrfs_xacct.operators.base import pinned_account, require_defined_connection
        from airflow_provider_emrfs_xacct.pure import validation

        pin = pinned_account(self.trusted_account_id, "trusted_account_id", self._trusted_account_asked)
        if pin is not None:
            account, where = pin, f"trusted_account_id ({pin})"
        elif self._trusted_connection_asked or validation.validate_bool(
            self.trusted_default_chain, "trusted_default_chain"
        ):
            conn_id = validation.validate_conn_id(
                self.trusted_aws_conn_id, "trusted_aws_conn_id", default_chain=self.trusted_aws_conn_id is None
            )
            require_defined_connection(conn_id, "trusted_aws_conn_id")
            hook = self.other_hook(self.aws_hook_class, conn_id)
            with explain_access_denied(hook):
                account = acting_account(hook)
            chain = (
                "trusted_aws_conn_id resolved to None" if self._trusted_connection_asked else "trusted_default_chain"
            )
            where = (
                f"connection {conn_id!r} (trusted_aws_conn_id)"
                if conn_id is not None
                else f"boto3's default credential chain, the worker's own credentials ({chain})"
            )
            partition = hook.conn_partition
        else:
            return
        for index, arn in enumerate(trusted):
            validation.require_role_here(arn, account, partition, f"trusted_role_arns[{index}]", where)


class AttachAssumeRolePolicyOperator(EmrfsXacctBaseOperator["EmrfsIamHook"]):
    """
    Allow the EMR EC2 role to assume the destination roles (in the EMR account).

    Keeps one provider-owned inline policy on the role that allows ``sts:AssumeRole`` on exactly the
    listed role ARNs plus those already there (other partners' DAGs share the role); never ``*``.

    :param emr_ec2_role_name: the EMR EC2 instance-profile role (the cluster's ``JobFlowRole``): its name, or its
        ARN (e.g. an upstream task's output), which must be in the connection's partition and account. (templated)
    :param destination_role_arns: ARNs of the destination roles to allow. (templated)
    :param policy_name: name of the inline policy. (templated, default: ``emrfs-xacct-assume-destination-roles``)
    :param managed_policies_per_role: the role's "managed policies per role" quota in force; roles that no
        longer fit the inline policies go into provider-owned managed policies up to it; a whole number, or its
        rendered text. (templated, default: 10, AWS's default; at most 20). See docs/scale.md.
    :param dry_run: only log the plan. (templated, default: False)
    :param expected_account_id: the EMR account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the EMR account. (templated)
    :param region_name: the AWS Region of its clients; default: the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: the inline policy's name.
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.iam.EmrfsIamHook")
    template_fields: Sequence[str] = aws_template_fields(
        "emr_ec2_role_name",
        "destination_role_arns",
        "policy_name",
        "managed_policies_per_role",
        *SAFETY_TEMPLATE_FIELDS,
    )
    template_fields_renderers = {"destination_role_arns": "json"}
    ui_color = "#e7d4f5"
    operator_extra_links = (EmrEc2RoleLink(),)

    def __init__(
        self,
        *,
        destination_role_arns: list[str] | str,
        emr_ec2_role_name: str = "EMR_EC2_DefaultRole",
        policy_name: str = ASSUME_POLICY_NAME,
        managed_policies_per_role: int | str = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.emr_ec2_role_name = emr_ec2_role_name
        self.destination_role_arns = destination_role_arns
        self.policy_name = policy_name
        self.managed_policies_per_role = managed_policies_per_role

    def execute(self, context: Context) -> str:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.links.console import persist_links
        from airflow_provider_emrfs_xacct.pure import validation
        from airflow_provider_emrfs_xacct.pure.quotas import MANAGED_POLICIES_PER_ROLE, require_valid_limit

        self.validate_safety()
        role_name = validation.validate_own_role_name(self.emr_ec2_role_name, "emr_ec2_role_name")
        managed_policies_per_role = require_valid_limit(
            MANAGED_POLICIES_PER_ROLE,
            validation.whole_number_of(self.managed_policies_per_role),
            "managed_policies_per_role",
        )
        arns = validation.require_list(
            self.destination_role_arns, "destination_role_arns", validation.validate_role_arn
        )
        policy_name = validation.validate_policy_name(self.policy_name, "policy_name")
        settings = self.converge_settings
        where = f"connection {self.aws_conn_id!r}"
        validation.require_partitions(arns, self.hook.conn_partition, "destination_role_arns", where)
        with explain_access_denied(self.hook):
            account = self.connection_account(self.hook)
            # By ARN: a role of another account or partition would be another role of that name here.
            validation.require_role_here(
                self.emr_ec2_role_name, account, self.hook.conn_partition, "emr_ec2_role_name", where
            )
            for index, arn in enumerate(arns):
                validation.refuse_account(
                    arn,
                    account,
                    f"destination_role_arns[{index}]",
                    where,
                    "a destination role must be in another account than the EMR EC2 role (are the two "
                    "connections swapped?)",
                )
            persist_links(context, self, emr_ec2_role_name=role_name)
            self.hook.role_field = "emr_ec2_role_name"
            changes = self.hook.ensure_assume_role_policy(
                role_name,
                arns,
                policy_name=policy_name,
                settings=settings,
                dry_run=self.dry_run,
                managed_policies_per_role=managed_policies_per_role,
            )
        self.report(context, changes)
        return policy_name
