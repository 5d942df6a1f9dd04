"""KMS hook: key users in the key policy of the destination bucket's key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.errors import (
    FieldAccessDeniedError,
    account_of,
    denial_message,
    error_code,
    error_message,
    is_access_denied,
    naming_missing_principals,
    refuses_a_principal,
)
from airflow_provider_emrfs_xacct.hooks.generic import EmrfsHookMixin
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    AWS_MANAGED_S3_ALIAS,
    names_s3_managed_key,
    other_service_key_problem,
)
from airflow_provider_emrfs_xacct.pure.converge import (
    DEFAULT_SETTINGS,
    ConvergeSettings,
    guard_writes,
    read_modify_write,
)
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from airflow_provider_emrfs_xacct.pure.kms_keys import key_problem
from airflow_provider_emrfs_xacct.pure.merge import (
    aws_principals,
    document_size,
    find_statement,
    live_principals,
    merged_principals,
    only_removes,
    parse_document,
    refuse_ending_others,
    refuse_orphaned_ids,
    remove_owned_statement,
    same_meaning,
    unless_cleanup_blocked,
    upsert_statement,
    without_roles_named,
    written_text,
)
from airflow_provider_emrfs_xacct.pure.quotas import KEY_POLICY_BYTES, require_within
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from mypy_boto3_kms import KMSClient  # noqa: F401 (the hook's client type, named as a string below)

    from airflow_provider_emrfs_xacct.pure.plan import Change


class KeyCheck(NamedTuple):
    """What :meth:`EmrfsKmsHook.check_key_usable` found: a warning to log, and whether a grant is needed at all."""

    warning: str = ""
    grant_needed: bool = True


#: KMS's limit on the size of a key policy (see :data:`~airflow_provider_emrfs_xacct.pure.quotas.KEY_POLICY_BYTES`).
MAX_KEY_POLICY_BYTES = int(KEY_POLICY_BYTES.value or 0)


def is_invalid_principal(error: Exception) -> bool:
    """
    Return whether KMS refused the policy only because it does not see a principal yet.

    The KMS API reference (PutKeyPolicy, ``Policy``): "The principals in the key policy must exist and
    be visible to KMS. When you create a new Amazon Web Services principal, you might need to enforce a
    delay before including the new principal in a key policy"; KMS then answers
    ``MalformedPolicyDocumentException`` "Policy contains a statement with one or more invalid
    principals" (Knowledge Center, "kms-policy-error-invalid-principals"). That one is retried with a
    bounded backoff; any other ``MalformedPolicyDocumentException`` is raised at once.
    """
    return refuses_a_principal(error, "MalformedPolicyDocumentException")


class EmrfsKmsHook(EmrfsHookMixin, AwsGenericHook["KMSClient"]):
    """
    Interact with AWS KMS key policies, keeping every statement the provider did not write.

    ``PutKeyPolicy`` cannot be called across accounts: use a connection to the key's account.
    The policy lockout safety check is never bypassed.

    Additional arguments (such as ``aws_conn_id``) may be specified and
    are passed down to the underlying AwsBaseHook.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "kms"
        super().__init__(*args, **kwargs)
        #: The caller's parameter that gave the key, named by the errors about it (``kms_key_arns[0]`` in a revoke).
        self.key_field = "key_arn"

    def in_region(self, region: str | None) -> EmrfsKmsHook:
        """
        This hook, or one of the same connection in ``region`` when that is known and another Region.

        KMS keys and aliases are Regional: a key is described, and an alias or key id resolved, only by KMS of
        its own Region (AWS KMS Developer Guide, "AWS KMS keys"; "Aliases in AWS KMS").
        """
        from airflow_provider_emrfs_xacct.links.console import _region_of

        # The connection's own Region is read only to compare: with none configured (botocore's NoRegionError),
        # ``region`` is still known, and KMS is called there.
        if not region or region == _region_of(self):
            return self
        return EmrfsKmsHook(aws_conn_id=self.aws_conn_id, region_name=region, verify=self.verify, config=self.config)

    def required_region(self, field: str) -> str:
        """
        The Region this hook's KMS client calls, which ``field``'s key must be of; refused when none is configured.

        boto3 takes the Region from the client's ``region_name`` (the connection's extra ``region_name``), else the
        ``AWS_DEFAULT_REGION`` variable, else the ``region`` of the profile in ``~/.aws/config`` (Boto3 documentation,
        "Configuration"); botocore reads no ``AWS_REGION``. With none, building the client fails with botocore's
        ``NoRegionError`` ("You must specify a region"), which names neither the connection nor the field.
        """
        from airflow_provider_emrfs_xacct.links.console import _region_of
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

        region = _region_of(self)
        if not region:
            raise InvalidParameterError(
                f"aws_conn_id {self.aws_conn_id!r} extra region_name",
                f"is not set, and neither AWS_DEFAULT_REGION nor the AWS config file's profile gives a Region (botocore "
                f"does not read AWS_REGION): KMS is Regional, and {field} must be a key of the connection's Region. "
                "Set region_name in the connection's extra to the key's Region",
            )
        return region

    def readable_key(self, key_arn: str) -> dict[str, Any] | None:
        """:meth:`describe_key`, ``None`` also when this connection may not describe the key."""
        try:
            return self.describe_key(key_arn)
        except ClientError as error:
            if error_code(error) == "AccessDeniedException":
                return None
            raise

    def get_key_policy(self, key_arn: str) -> dict[str, Any]:
        """
        Return the key's ``default`` key policy.

        :raises FieldAccessDeniedError: ``kms:GetKeyPolicy`` was denied, naming :attr:`key_field` (a denial, not a refused
            input: AWS KMS API Reference, "Common Errors", ``AccessDeniedException``: "You do not have sufficient
            access to perform this action").
        :raises PreconditionError: the key does not exist (``NotFoundException``), naming :attr:`key_field`.
        """
        try:
            response = self.conn.get_key_policy(KeyId=key_arn, PolicyName="default")
        except ClientError as error:
            # Either may pass on its own: KMS's API is eventually consistent, and for a few seconds (at times
            # minutes) after a change commands may still answer NotFoundException for a key just created, or
            # deny a permission just granted (AWS KMS Developer Guide, "AWS KMS eventual consistency"). So the
            # task keeps its retries (operators/failures.py): an AccessDeniedError is retriable.
            if is_access_denied(error):
                denial = denial_message(
                    error,
                    action="kms:GetKeyPolicy",
                    resource=f"KeyId={key_arn}",
                    account=account_of(self),
                    conn_id=self.aws_conn_id,
                )
                raise FieldAccessDeniedError(
                    f"{denial} The key must be in the connection's own account, and its key policy must allow it",
                    field=self.key_field,
                ) from error
            if error_code(error) == "NotFoundException":
                raise PreconditionError(
                    f"kms:GetKeyPolicy on {key_arn} failed for connection {self.aws_conn_id!r} "
                    f"({error_code(error)}: {error_message(error)}); the key must exist in the connection's own "
                    "account: check the key's id and region, or create the key first",
                    retriable=True,
                    field=self.key_field,
                ) from error
            raise
        document = parse_document(response["Policy"], f"the key policy of {key_arn}", "key policy")
        assert document is not None
        return document

    def describe_key(self, key_id: str) -> dict[str, Any] | None:
        """Return the key's metadata (``Arn``, ``KeyManager``, ``KeyState`` …); ``key_id`` may be an alias; ``None`` if none."""
        try:
            return dict(self.conn.describe_key(KeyId=key_id)["KeyMetadata"])
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return None
            raise

    def alias_target(self, alias_name: str) -> str | None:
        """
        Return the key id ``alias_name`` (``alias/aws/s3``) points to, read with ``ListAliases``; ``None`` for none.

        A read that creates nothing: ``DescribeKey`` on a predefined AWS alias with no key yet makes KMS create the
        AWS managed key (AWS KMS API Reference, "DescribeKey", ``KeyId``), while ``ListAliases`` shows such an alias
        without ``TargetKeyId``: "predefined aliases that AWS has created but has not yet associated with a KMS key"
        ("ListAliases").
        """
        for page in self.conn.get_paginator("list_aliases").paginate():
            for alias in page["Aliases"]:
                if alias.get("AliasName") == alias_name:
                    return alias.get("TargetKeyId")
        return None

    def check_key_usable(self, key_arn: str, principal_arns: Sequence[str]) -> KeyCheck:
        """
        Refuse a key no key-user grant makes S3 writes work with; warn about one S3 cannot use now.

        Read with ``DescribeKey`` before any write and judged by
        :func:`~airflow_provider_emrfs_xacct.pure.kms_keys.key_problem`, as the verifier judges it: an asymmetric or
        HMAC key, or a key scheduled for deletion, is a :class:`PreconditionError` naming ``key_arn``; a key disabled,
        waiting for its key material or in a disconnected custom key store is granted (the grant is right once
        someone enables it) with a warning naming the fix. Nothing to say, also when the key does not exist
        (``GetKeyPolicy`` then says so, naming the fix). A denied ``DescribeKey`` is said in the warning: the key's
        manager, kind and state are then not checked.

        An AWS managed key needs no grant, and can have none: "you can only change the key policy for a customer
        managed key" (AWS KMS Developer Guide, "Change a key policy"), and the policy AWS gives it lets every
        principal of its account use it through the AWS service, nobody else (AWS KMS Developer Guide,
        "kms:CallerAccount"; the verifier judges it so). Principals of its account need nothing
        (``grant_needed`` False); one of another account is refused naming it. Only S3's, ``aws/s3``: an AWS managed
        key of another service (``aws/ebs``), told apart with ``ListAliases`` as the verifier tells it
        (:meth:`is_s3_managed_key`), is refused naming :attr:`key_field`; ``ListAliases`` denied, the warning says so.
        """
        try:
            metadata = self.describe_key(key_arn)
        except ClientError as error:
            if not is_access_denied(error):
                raise
            return KeyCheck(
                f"kms:DescribeKey on {key_arn} was denied to connection {self.aws_conn_id!r}, so whether S3 can "
                "encrypt with the key (its manager, kind and state) is not checked; allow kms:DescribeKey to check it"
            )
        if metadata is not None and metadata.get("KeyManager") == "AWS":
            return self._check_aws_managed_key(key_arn, metadata, principal_arns)
        problem = None if metadata is None else key_problem(metadata)
        if problem is None:
            return KeyCheck()
        if problem.refuse:
            raise PreconditionError(
                f"{key_arn} {problem.problem}; a key-user grant cannot make writes to the bucket work: {problem.fix}",
                field="key_arn",
            )
        return KeyCheck(
            f"{key_arn} {problem.problem}: the principals are made key users, but every write to a bucket encrypted "
            f"with it fails until then; {problem.fix}"
        )

    def is_s3_managed_key(self, metadata: dict[str, Any]) -> bool | None:
        """
        Whether the AWS managed key ``metadata`` describes is S3's ``aws/s3``: ``alias/aws/s3`` names it in this hook's
        Region (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.names_s3_managed_key`, the verifier's rule),
        read with ``ListAliases`` (:meth:`alias_target`); ``None`` when ``ListAliases`` was denied.
        """
        try:
            target = self.alias_target(AWS_MANAGED_S3_ALIAS)
        except ClientError as error:
            if not is_access_denied(error):
                raise
            return None
        return names_s3_managed_key(target, metadata)

    def _check_aws_managed_key(self, key_arn: str, metadata: dict[str, Any], principal_arns: Sequence[str]) -> KeyCheck:
        """
        An AWS managed key: refuse another service's (``aws/ebs``), which S3 can never use (its policy, AWS's, lets
        only that service use it: AWS KMS Developer Guide, "kms:ViaService"; "you can only change the key policy for
        a customer managed key", "Change a key policy"), and a principal of another account; no grant otherwise.
        ``ListAliases`` denied: which service's it is, is said not to be checked.
        """
        s3_managed = self.is_s3_managed_key(metadata)
        if s3_managed is False:
            raise PreconditionError(
                f"{other_service_key_problem(key_arn)}; a key-user grant cannot change that: encrypt the bucket with a "
                "customer managed key and grant that one",
                field=self.key_field,
            )
        key_account = account_of_arn(key_arn)
        for index, principal in enumerate(principal_arns):
            if account_of_arn(principal) != key_account:
                raise PreconditionError(
                    f"{principal} is in account {account_of_arn(principal)}, but {key_arn} is an AWS managed "
                    f"key: only principals of its account {key_account} may use it, and its key policy cannot "
                    "be changed; encrypt the bucket with a customer managed key and grant that one",
                    field=f"principal_arns[{index}]",
                )
        if s3_managed:
            return KeyCheck(grant_needed=False)
        return KeyCheck(
            f"kms:ListAliases was denied to connection {self.aws_conn_id!r}, so whether {key_arn} is S3's AWS managed "
            f"key {AWS_MANAGED_S3_ALIAS} or another service's (which S3 cannot use, and no grant changes) is not "
            "checked; allow kms:ListAliases to check it",
            grant_needed=False,
        )

    def read_key_policy(self, key_arn: str) -> dict[str, Any] | None:
        """Return the ``default`` key policy, ``None`` if the key does not exist; other errors are raised as they are."""
        try:
            policy = self.conn.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
            return parse_document(policy, f"the key policy of {key_arn}", "key policy")
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return None
            raise

    def list_grants(self, key_arn: str) -> list[dict[str, Any]]:
        """
        Return every grant of the key, all pages: ``ListGrants`` answers ``Truncated`` and ``NextMarker`` while more
        are left (AWS KMS API Reference, ListGrants: "To get the next set of results, pass the NextMarker value in
        the Marker parameter of the next request"). Errors are raised as they are.
        """
        grants: list[dict[str, Any]] = []
        for page in self.conn.get_paginator("list_grants").paginate(KeyId=key_arn):
            grants.extend(dict(grant) for grant in page.get("Grants", []))
        return grants

    def ensure_key_users(
        self,
        key_arn: str,
        principal_arns: Iterable[str],
        *,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
    ) -> list[Change]:
        """
        Make the principals key users through the provider's own key-policy statement.

        The key's kind and state are read (:meth:`check_key_usable`) once a change is planned, before it is
        written (in a dry run too): a key S3 cannot encrypt with is refused, one it cannot use until someone
        enables it is granted with a warning. A key policy that already holds the principals is not described
        again, so a rerun costs no more reads than before the check (the verifier judges the key on every run).

        An AWS managed key is left as it is for principals of its account, which may use it already.

        The key policy's size is judged only when there is something to write: KMS holds the policy a rerun finds, so
        KMS took its size, however it counts it ("Up to 32 kilobytes (32,768 bytes)": AWS KMS Developer Guide, "Create
        a key policy"; "Quotas": the key policy document size quota, not adjustable). What a grant adds is measured
        as its shortest text KMS takes (:func:`~.merge.policy_size`: no spaces, every printable Latin-1 character as
        itself, a no-break space too, any other character as its escape: AWS KMS API Reference, "PutKeyPolicy",
        ``Policy``: "Printable characters in the Basic Latin and Latin-1 Supplement character set", "The policy size
        limit is 32 KiB (32768 bytes)"), in UTF-8 bytes, and is sent escaped as usual if that fits, else as that
        shortest text; in which encoding KMS counts a character beyond ASCII is not documented (docs/limits.md). A
        write that only removes (a revoke, a rerun dropping a deleted principal's ID) is never judged, and is sent no
        longer than KMS holds (:func:`~.merge.written_text`).

        :raises QuotaExceededError: the policy to write is over 32,768 bytes (``principal_arns``).
        :raises PreconditionError: the key is one S3 cannot encrypt with (asymmetric, HMAC, scheduled for
            deletion), or an AWS managed key and a principal of another account, which may never use it.
        """
        wanted = list(principal_arns)
        check: KeyCheck | None = None

        def desire(current: dict[str, Any]) -> dict[str, Any]:
            nonlocal check
            principals = merged_principals(current, documents.KEY_USERS_SID, wanted)
            # Before the key is described: a rerun whose only change is a clean-up KMS would refuse writes nothing.
            desired = self._writable(
                key_arn, current, upsert_statement(current, documents.key_users_statement(principals))
            )
            if same_meaning(desired, current):
                return current  # nothing to write: the key policy stays as KMS holds it, whatever its size
            if check is None:
                check = self._checked_key(key_arn, wanted)
            if not check.grant_needed:
                return current
            # Judged only when there is something to add: KMS holds the policy a rerun finds, so it took its size,
            # and a change that only removes is sent no longer than that (written_text). What is judged is the
            # shortest text KMS takes (merge.document_size, merge.policy_size), and no more is sent (write below).
            if only_removes(current, desired):
                return desired
            require_within(KEY_POLICY_BYTES, document_size(desired), "principal_arns", f"the key policy of {key_arn}")
            return desired

        # Still refused after the bounded wait: a principal that does not exist.
        refusal = naming_missing_principals(
            is_invalid_principal,
            "principal_arns",
            f"the key policy of {key_arn}",
            wanted,
            settings.consistency_wait_seconds,
        )
        with refusal:
            return self._converge_key_policy(key_arn, desire, settings=settings, dry_run=dry_run)

    def _checked_key(self, key_arn: str, wanted: list[str]) -> KeyCheck:
        """:meth:`check_key_usable`, its warning logged, and said when an AWS managed key needs no grant."""
        check = self.check_key_usable(key_arn, wanted)
        if check.warning:
            self.log.warning("%s", check.warning)
        if not check.grant_needed:
            self.log.info(
                "%s is an AWS managed key: its own key policy lets every principal of its account use it "
                "through S3, so nothing is granted",
                key_arn,
            )
        return check

    def revoke_key_users(
        self,
        key_arn: str,
        principal_arns: Iterable[str],
        *,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
    ) -> list[Change]:
        """
        Remove principals from the provider's key-users statement (dropping it once empty); nothing else changes.

        A role goes under every ARN that names it, at any path, its name in any case
        (:func:`~airflow_provider_emrfs_xacct.pure.merge.same_role`): the key users name the role as IAM showed it
        (its path), while the revoke may be given the ARN built from its name. Unique IDs of deleted principals in
        that statement are removed too.
        """
        unwanted = set(principal_arns)

        def desire(current: dict[str, Any]) -> dict[str, Any]:
            ours = find_statement(current, documents.KEY_USERS_SID)
            if ours is None:
                return current
            # A deleted principal shows as its unique ID, which KMS refuses to be written back (Knowledge
            # Center, kms-policy-error-invalid-principals): dropped, as on the grant path.
            # Every ARN of a revoked role goes, at any path, its name in any case (same_role).
            held = live_principals(aws_principals(ours))
            remaining = without_roles_named(held, unwanted)
            if remaining:
                return upsert_statement(
                    current, documents.key_users_statement(remaining), dropping=set(held) - set(remaining)
                )
            # Principals of one statement are alternatives (IAM User Guide, "AWS JSON policy elements:
            # Principal"): one the provider never writes (a service, "*") would lose the key with the statement.
            refuse_ending_others(
                ours,
                documents.KEY_USERS_SID,
                verb="grants",
                loss="their use of the key",
                what=f"the key policy of {key_arn}",
            )
            # An action someone added (kms:CreateGrant, say) is refused, not removed with the statement.
            return remove_owned_statement(current, documents.key_users_statement(held))

        return self._converge_key_policy(key_arn, desire, settings=settings, dry_run=dry_run)

    def _converge_key_policy(
        self, key_arn: str, desire: Any, *, settings: ConvergeSettings, dry_run: bool
    ) -> list[Change]:
        """
        Keep the key policy at ``desire(current)``, never bypassing the lockout safety check.

        A change to a policy that KMS would refuse for an orphaned unique ID in a statement the provider
        did not write is a :class:`ConflictError` before the write (see :func:`refuse_orphaned_ids`), unless the
        clean-up of the provider's own deleted principals is all it would change (:meth:`_writable`).
        """

        def checked_desire(current: dict[str, Any]) -> dict[str, Any]:
            return self._writable(key_arn, current, desire(current))

        def write(current: dict[str, Any], desired: dict[str, Any]) -> None:
            guard_writes(self.conn)
            # A change that only removes (a revoke) is sent no longer, in bytes, than the policy KMS holds, one that
            # adds no longer than 32 KB: its Latin-1 characters as themselves where the escaped text would not fit
            # (AWS KMS API Reference, "PutKeyPolicy", Policy: "Printable characters in the Basic Latin and Latin-1
            # Supplement character set"; "The key policy size quota is 32 kilobytes").
            text = written_text(current, desired, in_bytes=True, room=MAX_KEY_POLICY_BYTES)
            self.conn.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=text)

        return read_modify_write(
            resource=f"kms key {key_arn} key policy",
            read=lambda: self.get_key_policy(key_arn),
            desire=checked_desire,
            write=write,
            settings=settings,
            dry_run=dry_run,
            is_transient=is_invalid_principal,
        )

    def _writable(self, key_arn: str, current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        """
        ``desired``, or ``current`` where the only change would be the clean-up of deleted principals KMS refuses.

        KMS refuses every key policy still naming a deleted principal's unique ID ("Policy contains a statement with
        one or more invalid principals": AWS Knowledge Center, kms-policy-error-invalid-principals). The provider's
        statement drops theirs; one in a statement the provider did not write is named before the write
        (:class:`ConflictError`), or, when dropping the provider's own is all the write would change, the key policy
        is left as it is with a warning naming it
        (:func:`~airflow_provider_emrfs_xacct.pure.merge.unless_cleanup_blocked`).
        """
        what = f"the key policy of {key_arn}"

        def refuse() -> None:
            if not same_meaning(desired, current):
                refuse_orphaned_ids(current, documents.KEY_USERS_SID, what)

        written, warning = unless_cleanup_blocked(
            current, desired, lambda sid: sid == documents.KEY_USERS_SID, refuse, what
        )
        if warning:
            self.log.warning("%s", warning)
        assert written is not None  # current, when kept, is a key policy: it held the clean-up's statement
        return written
