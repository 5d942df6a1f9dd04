"""S3 hook: the destination bucket's policy and object ownership (option (a) of the AWS article)."""

from __future__ import annotations

from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urlsplit, urlunsplit

from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook
from botocore.exceptions import BotoCoreError, ClientError

from airflow_provider_emrfs_xacct.hooks.errors import (
    acting_account,
    error_code,
    error_message,
    is_access_denied,
    is_concurrent_write,
    naming_missing_principals,
    refuses_a_principal,
    retry_concurrent_writes,
)
from airflow_provider_emrfs_xacct.hooks.generic import EmrfsHookMixin
from airflow_provider_emrfs_xacct.pure import bucket_policy
from airflow_provider_emrfs_xacct.pure.bucket_policy import MAX_BUCKET_POLICY_BYTES, open_statements
from airflow_provider_emrfs_xacct.pure.converge import (
    DEFAULT_SETTINGS,
    ConvergeSettings,
    guard_writes,
    read_modify_write,
)
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError, PreconditionError
from airflow_provider_emrfs_xacct.pure.merge import (
    beyond_asked,
    document_size,
    parse_document,
    policy_text_within,
    principals_naming,
    refuse_orphaned_ids,
    same_meaning,
    unless_cleanup_blocked,
)
from airflow_provider_emrfs_xacct.pure.plan import UPDATE, Change

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from mypy_boto3_s3 import S3Client  # noqa: F401 (the hook's client type, named as a string below)

    from airflow_provider_emrfs_xacct.pure.validation import S3Location


def _drop_account_label(params: dict[str, Any], **_: Any) -> None:
    """Drop the ``{AccountId}.`` label botocore put in front of an S3 Control host (see ``EmrfsS3Hook.control``)."""
    parts = urlsplit(params["url"])
    label = f"{params.get('headers', {}).get('x-amz-account-id', '')}."
    if label != "." and parts.netloc.startswith(label):
        params["url"] = urlunsplit(parts._replace(netloc=parts.netloc[len(label) :]))


def refuse_orphaned_writes(current: dict[str, Any] | None, desired: dict[str, Any] | None, bucket: str) -> None:
    """
    Refuse to write a bucket policy that still names a deleted principal's unique ID (``AROA…``), before the write.

    S3 refuses such a policy whole ("Invalid principal in policy": AWS Knowledge Center,
    s3-invalid-principal-in-policy-error) without saying which principal: the write would be retried as a grant's
    principal not visible yet, then blamed on ``principal_arns``. The provider's statements have dropped theirs, a
    grant's as a revoke's (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.grant`, ``revoke``); one in a
    statement the provider did not write is named here.
    A policy left as it is (nothing to write, or deleted) is not judged.
    """
    if desired is not None and not same_meaning(desired, current):
        refuse_orphaned_ids(
            desired, None, f"the policy of bucket {bucket}", refused_by="S3 refuses every bucket policy"
        )


def bucket_policy_text(document: dict[str, Any], room: int = MAX_BUCKET_POLICY_BYTES) -> str:
    """
    Return the text a bucket policy is sent as: every character beyond ASCII escaped, unless that is over ``room``.

    S3 documents no character set for a bucket policy, only that it is JSON and its size ("Bucket policies and user
    policies", Amazon S3 User Guide: "JSON-based access policy language"; "Bucket policies are limited to 20 KB in
    size"): escaped, the text is ASCII, which JSON allows anywhere. An escape takes six bytes where UTF-8 takes two or
    three (a pair, twelve, where it takes four), so a policy holding others' text beyond ASCII (a ``Sid``, an ``s3:prefix``) can be over
    20 KB escaped, or longer than the text S3 answered, and well within it as itself: then it is sent as itself, in
    UTF-8, the shortest text of it (:func:`~airflow_provider_emrfs_xacct.pure.merge.policy_text`, ``utf8``). The IAM
    JSON grammar takes JSON's strings from RFC 7159 (IAM User Guide, "Grammar of the IAM JSON policy language"),
    whose JSON text "SHALL be encoded in UTF-8, UTF-16, or UTF-32"; that S3 takes a bucket policy's characters
    beyond ASCII as themselves is not documented (docs/limits.md), so they are sent so only then.

    :param room: the most bytes the escaped text may take: S3's 20 KB, or for a revoke, which only removes, the size
        of the text read, so that it never sends more than S3 held.
    """
    return policy_text_within(document, room, in_bytes=True, latin1=False)


def writable_policy(
    current: dict[str, Any] | None, desired: dict[str, Any] | None, bucket: str, cleared: list[str], log: Any
) -> dict[str, Any] | None:
    """
    ``desired``, or ``current`` where the only change would be the provider's clean-up of deleted principals.

    S3 would refuse that write for a statement not the provider's naming a deleted principal
    (:func:`refuse_orphaned_writes`), and nothing else needs writing: the policy is left as it is, as it was before
    the clean-up existed, and the clean-up waits for a write someone's statement no longer blocks (logged; ``cleared``
    emptied). A change the grant or revoke itself needs is refused as before. The rule of a key or trust policy's
    (:func:`~airflow_provider_emrfs_xacct.pure.merge.unless_cleanup_blocked`).
    """
    written, held_back = unless_cleanup_blocked(
        current,
        desired,
        bucket_policy.owns_pair,
        partial(refuse_orphaned_writes, current, desired, bucket),
        f"the policy of bucket {bucket}",
    )
    if held_back:
        log.warning("%s", held_back)
        cleared.clear()
    return written


def blocked_public_policy_message(bucket: str, blocked_in: str, statements: list[str], aws_said: str) -> str:
    """The refusal of a public bucket policy's write under ``BlockPublicPolicy``: why, the statements, and the fix."""
    return (
        f"S3 refused to write the policy of bucket {bucket} (PutBucketPolicy: AccessDenied, {aws_said!r}) because "
        f"Block Public Access BlockPublicPolicy is on for {blocked_in} and the policy is public: S3 refuses every "
        "PutBucketPolicy of a public policy, while the policy it already had stays (S3 API Reference, "
        '"PublicAccessBlockConfiguration"). It is public through its statements that allow principals that are not '
        f"fixed: {'; '.join(statements)}. The provider keeps the statements it did not write, so every grant and "
        "revoke of this bucket is refused (a revoke cannot end an access until then). Make those statements "
        'non-public (fixed principals, or a condition limiting them to fixed values: S3 User Guide, "Blocking public '
        'access to your Amazon S3 storage", "The meaning of \'public\'") or remove them, or turn BlockPublicPolicy '
        f"off for {blocked_in} (S3 applies the most restrictive of the bucket's and the account's settings), then run "
        "again. The bucket policy was not changed; a retry alone fails the same way"
    )


def _judge_written(
    written: dict[str, Any],
    bucket: str,
    wanted: set[S3Location],
    sends_acl: dict[str, bool],
    still_refused: dict[str, list[dict[str, Any]]] | None,
    public_statements: list[str] | None,
) -> None:
    """
    Fill, for the grant's policy about to be written, what the partner's statements still refuse of each principal's
    uploads (``sends_acl``: whether it sends the canned ACL) and the statements that can make the policy public.
    """
    if still_refused is not None:
        still_refused.clear()
        for principal, acl in sends_acl.items():
            still_refused[principal] = bucket_policy.still_refused(written, principal, bucket, wanted, canned_acl=acl)
    if public_statements is not None:
        public_statements[:] = open_statements(written)


class _ExpectedOwner(TypedDict, total=False):
    """The ``ExpectedBucketOwner`` argument of S3's bucket calls, when the hook pins the owner."""

    ExpectedBucketOwner: str


def _name_refusal(error: ClientError) -> None:
    """
    A HEAD's refusal as every other access denial (``AccessDenied``): a HEAD answer has no body, so botocore names the
    error by its status, ``403`` (S3 API Reference, "HeadBucket", "HeadObject": "403 Forbidden").
    """
    if error_code(error) == "403":
        error.response.setdefault("Error", {})["Code"] = "AccessDenied"


def is_invalid_principal(error: Exception) -> bool:
    """Whether S3 refused a bucket policy for a principal it does not see (``MalformedPolicy`` "Invalid principal in policy")."""
    return refuses_a_principal(error, "MalformedPolicy")


def _public_access_settings(get_public_access_block: Callable[[], Any]) -> dict[str, Any]:
    """The Block Public Access settings a ``GetPublicAccessBlock`` (S3's or S3 Control's) answers; ``{}`` for none."""
    try:
        return dict(get_public_access_block()["PublicAccessBlockConfiguration"])
    except ClientError as error:
        if error_code(error) != "NoSuchPublicAccessBlockConfiguration":
            raise
        return {}


class EmrfsS3Hook(EmrfsHookMixin, AwsGenericHook["S3Client"]):
    """
    Interact with the destination bucket's policy and ownership controls, keeping what others wrote.

    Additional arguments (such as ``aws_conn_id``) may be specified and
    are passed down to the underlying AwsBaseHook.

    .. seealso::
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "s3"
        super().__init__(*args, **kwargs)
        #: When set, every call carries ``ExpectedBucketOwner``: S3 refuses it with 403 when another
        #: account owns the bucket (S3 API reference, ``ExpectedBucketOwner``).
        self.expected_bucket_owner: str | None = None

    def _owner(self, account: str | None = None) -> _ExpectedOwner:
        account = account or self.expected_bucket_owner
        return {"ExpectedBucketOwner": account} if account else {}

    def get_bucket_policy(self, bucket: str) -> dict[str, Any] | None:
        """Return the bucket policy, or ``None`` if the bucket has none."""
        return self._read_bucket_policy(bucket)[0]

    def _read_bucket_policy(self, bucket: str) -> tuple[dict[str, Any] | None, int]:
        """The bucket policy (``None``: none) and the size in UTF-8 of the text S3 answered (0 for none)."""
        try:
            policy = self.conn.get_bucket_policy(Bucket=bucket, **self._owner())["Policy"]
        except ClientError as error:
            if error_code(error) == "NoSuchBucketPolicy":
                return None, 0
            raise
        size = len(policy.encode("utf-8", "surrogatepass"))
        return parse_document(policy, f"the bucket policy of {bucket}", "bucket policy"), size

    def get_object_ownership(self, bucket: str) -> str:
        """Return the bucket's object ownership setting (``ObjectWriter`` when it has no ownership controls)."""
        try:
            rules = self.conn.get_bucket_ownership_controls(Bucket=bucket, **self._owner())["OwnershipControls"][
                "Rules"
            ]
        except ClientError as error:
            if error_code(error) == "OwnershipControlsNotFoundError":
                return "ObjectWriter"
            raise
        return str(rules[0]["ObjectOwnership"])

    def public_access_block(self, bucket: str, *, owner: str | None = None) -> dict[str, Any]:
        """
        Return the bucket-level Block Public Access settings (``{}`` without a configuration), read once per bucket.

        :param owner: the account expected to own the bucket (sent as ``ExpectedBucketOwner``).
        """
        # S3 API Reference, GetPublicAccessBlock (s3:GetBucketPublicAccessBlock); a bucket without a
        # configuration answers NoSuchPublicAccessBlockConfiguration.
        if (bucket, owner) not in self._public_access_blocks:
            self._public_access_blocks[(bucket, owner)] = _public_access_settings(
                lambda: self.conn.get_public_access_block(Bucket=bucket, **self._owner(owner))
            )
        return self._public_access_blocks[(bucket, owner)]

    @cached_property
    def _public_access_blocks(self) -> dict[tuple[str, str | None], dict[str, Any]]:
        return {}

    def restricts_public_buckets(self, bucket: str, *, owner: str | None = None) -> bool:
        """Return the bucket-level Block Public Access setting ``RestrictPublicBuckets`` (``False`` without one)."""
        return bool(self.public_access_block(bucket, owner=owner).get("RestrictPublicBuckets"))

    def blocks_public_acls(self, bucket: str, *, owner: str | None = None) -> bool:
        """Return the bucket-level Block Public Access setting ``BlockPublicAcls`` (``False`` without one)."""
        return bool(self.public_access_block(bucket, owner=owner).get("BlockPublicAcls"))

    def bucket_policy_is_public(self, bucket: str, *, owner: str | None = None) -> bool:
        """
        Return whether S3 considers the bucket policy public (``GetBucketPolicyStatus`` ``IsPublic``).

        :param owner: the account expected to own the bucket (sent as ``ExpectedBucketOwner``).
        """
        # S3 API Reference, GetBucketPolicyStatus (s3:GetBucketPolicyStatus); S3 User Guide, "Blocking
        # public access to your Amazon S3 storage", "The meaning of 'public'". No policy: nothing public.
        try:
            answer = self.conn.get_bucket_policy_status(Bucket=bucket, **self._owner(owner))
        except ClientError as error:
            if error_code(error) == "NoSuchBucketPolicy":
                return False
            raise
        return bool(answer["PolicyStatus"].get("IsPublic"))

    def restrict_public_buckets_on_for(self, bucket: str) -> str | None:
        """
        Where Block Public Access ``RestrictPublicBuckets`` is on (``bucket B``, else ``the bucket's account A``) while
        S3 calls the bucket's policy public (``GetBucketPolicyStatus``); ``None`` when not, or when a read is refused
        or fails (not known: nothing said).

        S3 applies "the most restrictive combination" of the bucket's and the account's settings (S3 API Reference,
        "PutPublicAccessBlock"); a configuration not there (NoSuchPublicAccessBlockConfiguration) is off.
        """
        try:
            if self.restricts_public_buckets(bucket):
                on_for = f"bucket {bucket}"
            else:
                account = self.expected_bucket_owner or acting_account(self)
                if not self.account_restricts_public_buckets(account):
                    return None
                on_for = f"the bucket's account {account}"
            return on_for if self.bucket_policy_is_public(bucket) else None
        except (ClientError, BotoCoreError):
            return None

    def request_payer(self, bucket: str) -> str:
        """
        Return who pays for the bucket's requests: ``BucketOwner`` (the default) or ``Requester``.

        S3 API Reference, GetBucketRequestPayment (``s3:GetBucketRequestPayment``), ``Payer``.
        """
        return str(self.conn.get_bucket_request_payment(Bucket=bucket, **self._owner()).get("Payer") or "BucketOwner")

    def object_lock_default_retention(self, bucket: str) -> dict[str, Any] | None:
        """
        Return the bucket's Object Lock default retention (``Mode`` and ``Days`` or ``Years``), or ``None`` when
        Object Lock is not enabled or sets no default retention.

        S3 API Reference, GetObjectLockConfiguration (``s3:GetBucketObjectLockConfiguration``); a bucket without
        an Object Lock configuration answers ``ObjectLockConfigurationNotFoundError``.
        """
        try:
            answer = self.conn.get_object_lock_configuration(Bucket=bucket, **self._owner())
        except ClientError as error:
            if error_code(error) == "ObjectLockConfigurationNotFoundError":
                return None
            raise
        configuration = answer.get("ObjectLockConfiguration") or {}
        if configuration.get("ObjectLockEnabled") != "Enabled":
            return None
        retention = (configuration.get("Rule") or {}).get("DefaultRetention")
        return dict(retention) if retention else None

    @cached_property
    def control(self) -> Any:
        """
        An S3 Control client of the same connection (session, region, botocore config), for account-level reads.

        S3 Control puts the account in the host name (``{AccountId}.s3-control.<region>.amazonaws.com``, from
        botocore's endpoint rules; ``inject_host_prefix`` does not change that). A local stand-in that serves
        every account on one host sets ``service_config: {"s3control": {"account_id_in_host": false}}`` in the
        connection's extra: the label is then dropped from the URL before the request is signed. Not set (AWS),
        nothing changes.
        """
        session = self.get_session(region_name=self.region_name)
        client = session.client(
            "s3control",
            endpoint_url=self.conn_config.get_service_endpoint_url("s3control"),
            config=self.config,
            verify=self.verify,
        )
        if self.conn_config.get_service_config("s3control").get("account_id_in_host") is False:
            client.meta.events.register("before-call.s3-control", _drop_account_label)
        return client

    def account_public_access_block(self, account: str) -> dict[str, Any]:
        """
        Return the account-level Block Public Access settings (``{}`` without a configuration), read once.

        S3 Control API Reference, GetPublicAccessBlock (``s3:GetAccountPublicAccessBlock``): "the effective
        account-level configuration"; an account without one answers NoSuchPublicAccessBlockConfiguration.
        """
        if account not in self._account_public_access_blocks:
            self._account_public_access_blocks[account] = _public_access_settings(
                lambda: self.control.get_public_access_block(AccountId=account)
            )
        return self._account_public_access_blocks[account]

    @cached_property
    def _account_public_access_blocks(self) -> dict[str, dict[str, Any]]:
        return {}

    def account_restricts_public_buckets(self, account: str) -> bool:
        """Return the account-level Block Public Access setting ``RestrictPublicBuckets`` (``False`` without one)."""
        return bool(self.account_public_access_block(account).get("RestrictPublicBuckets"))

    def account_blocks_public_acls(self, account: str) -> bool:
        """Return the account-level Block Public Access setting ``BlockPublicAcls`` (``False`` without one)."""
        return bool(self.account_public_access_block(account).get("BlockPublicAcls"))

    def bucket_region(self, bucket: str, *, any_owner: bool = False) -> str | None:
        """
        Return the Region of the bucket, ``""`` when S3 does not say it, ``None`` when there is no such bucket
        (``HeadBucket``; a 404 is "no bucket", a refusal is raised).

        S3 API Reference, HeadBucket: the response's ``x-amz-bucket-region`` (``BucketRegion``) is "the Region
        where the bucket is located".

        :param any_owner: do not send ``ExpectedBucketOwner`` (to tell a bucket of another account from a
            refusal).
        """
        try:
            response = self.conn.head_bucket(Bucket=bucket, **({} if any_owner else self._owner()))
        except ClientError as error:
            if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
                return None
            _name_refusal(error)
            raise
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        return str(response.get("BucketRegion") or headers.get("x-amz-bucket-region") or "")

    def get_default_encryption(self, bucket: str) -> dict[str, Any]:
        """
        Return the bucket's default encryption: ``SSEAlgorithm``, ``KMSMasterKeyID`` (as configured: a key
        id, ARN or alias), ``BucketKeyEnabled``; empty when the bucket has none.
        """
        try:
            rules = self.conn.get_bucket_encryption(Bucket=bucket, **self._owner())[
                "ServerSideEncryptionConfiguration"
            ]["Rules"]
        except ClientError as error:
            if error_code(error) == "ServerSideEncryptionConfigurationNotFoundError":
                return {}
            raise
        rule = rules[0] if rules else {}
        return {
            **rule.get("ApplyServerSideEncryptionByDefault", {}),
            "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled")),
        }

    def head_object(self, bucket: str, key: str) -> dict[str, Any] | None:
        """Return the object's metadata (``HeadObject``), ``None`` if it does not exist; a refusal is ``AccessDenied``."""
        try:
            return dict(self.conn.head_object(Bucket=bucket, Key=key, **self._owner()))
        except ClientError as error:
            if error_code(error) in ("404", "NoSuchKey", "NotFound"):
                return None
            _name_refusal(error)
            raise

    def object_owner_id(self, bucket: str, key: str) -> str | None:
        """Return the canonical user id owning an object (from a listing with ``FetchOwner``)."""
        listing = self.conn.list_objects_v2(Bucket=bucket, Prefix=key, FetchOwner=True, **self._owner())
        return next(
            (str(item.get("Owner", {}).get("ID")) for item in listing.get("Contents", []) if item["Key"] == key), None
        )

    def bucket_owner_id(self, bucket: str) -> str:
        """Return the canonical user id of the bucket's owner."""
        return str(self.conn.get_bucket_acl(Bucket=bucket, **self._owner())["Owner"]["ID"])

    def delete_object(self, bucket: str, key: str, version_id: str | None = None) -> dict[str, Any]:
        """
        Delete one object (the probe's own), or with ``version_id`` that version or delete marker for good.

        Without a version id, a bucket with versioning enabled or suspended keeps the data as a noncurrent version
        under a new delete marker; with one, S3 deletes that version and adds no marker (Amazon S3 User Guide,
        "Deleting object versions from a versioning-enabled bucket"), which needs ``s3:DeleteObjectVersion``
        (Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3").
        Returns S3's answer (``DeleteMarker``, ``VersionId``).
        """
        if version_id is None:
            return dict(self.conn.delete_object(Bucket=bucket, Key=key, **self._owner()))
        return dict(self.conn.delete_object(Bucket=bucket, Key=key, VersionId=version_id, **self._owner()))

    def versions_of(self, bucket: str, prefix: str, keys: Iterable[str]) -> list[dict[str, Any]]:
        """
        Return every version and delete marker of exactly ``keys``, all under ``prefix`` (``ListObjectVersions``,
        which needs ``s3:ListBucketVersions``).

        Each as ``{"Key", "VersionId", "DeleteMarker": bool}``; a key that only begins like one of them is not one.
        """
        wanted = set(keys)
        found: list[dict[str, Any]] = []
        paginator = self.conn.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix, **self._owner()):
            entries: list[tuple[Mapping[str, Any], bool]] = [(item, False) for item in page.get("Versions", [])]
            entries += [(item, True) for item in page.get("DeleteMarkers", [])]
            found += [
                {"Key": item["Key"], "VersionId": item["VersionId"], "DeleteMarker": marker}
                for item, marker in entries
                if item.get("Key") in wanted
            ]
        return found

    def bucket_acl_grants_to_others(self, bucket: str) -> list[tuple[str, str]]:
        """Return ``(grantee, permission)`` of each grant of the bucket's ACL to anyone but its owner (GetBucketAcl)."""
        acl = self.conn.get_bucket_acl(Bucket=bucket, **self._owner())
        owner = (acl.get("Owner") or {}).get("ID")
        others = []
        for grant in acl.get("Grants", []):
            grantee: Mapping[str, Any] = grant.get("Grantee") or {}
            if grantee.get("Type") == "CanonicalUser" and grantee.get("ID") == owner:
                continue
            who = grantee.get("URI") or grantee.get("EmailAddress") or grantee.get("ID") or str(grantee)
            others.append((str(who), str(grant.get("Permission"))))
        return others

    def refuse_acl_grants_to_others(self, bucket: str) -> None:
        """
        Refuse to switch a bucket to ``BucketOwnerEnforced`` while its ACL grants anyone but its owner.

        S3 refuses that switch (``InvalidBucketAclWithObjectOwnership``): the grants must move to the
        bucket policy and the ACL be reset to private first (Amazon S3 User Guide, "Prerequisites for
        disabling ACLs"). Checked before anything is written, so the bucket policy is not changed either.
        """
        others = [f"{permission} to {who}" for who, permission in self.bucket_acl_grants_to_others(bucket)]
        if others:
            raise PreconditionError(
                f"the ACL of bucket {bucket} grants {', '.join(others)}; S3 refuses "
                "BucketOwnerEnforced while the bucket ACL grants anyone but the owner. Move those grants into the "
                "bucket policy, reset the ACL (PutBucketAcl with ACL=private), then run again. Nothing was changed",
                field="enforce_bucket_owner",
            )

    def ensure_bucket_access(
        self,
        bucket: str,
        locations: Iterable[S3Location],
        principal_arns: Iterable[str],
        *,
        partition: str | None = None,
        object_acl: bool = False,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
        kept: dict[str, list[str]] | None = None,
        canned_acl_required: set[str] | None = None,
        still_refused: dict[str, list[dict[str, Any]]] | None = None,
        public_statements: list[str] | None = None,
    ) -> list[Change]:
        """
        Grant each principal access to the locations through its own bucket-policy statements.

        :param partition: of the statements' ARNs (``arn:aws-cn:s3:::…`` in China); default: the connection's.
        :param object_acl: also grant ``s3:PutObjectAcl`` (the writes carry a canned ACL).
        :param kept: filled with what each principal's statements held, as last read, beyond ``locations``
            (:func:`~airflow_provider_emrfs_xacct.pure.merge.beyond_asked`): kept, since the grant only adds.
        :param canned_acl_required: filled with the principals whose uploads the policy, as last read, refuses
            without ``bucket-owner-full-control`` (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.
            requires_canned_acl`): they must send it, and are granted ``s3:PutObjectAcl`` too.
        :param still_refused: filled, per principal, with the partner's ``Deny`` statements that still refuse a
            request of its EMRFS uploads under the policy written (:func:`~airflow_provider_emrfs_xacct.pure.
            bucket_policy.still_refused`): the canned ACL lets by ``PutObject``, never ``UploadPart`` nor
            ``CompleteMultipartUpload``, which carry none. Kept as they are: the provider does not change what it did not write.
        :param public_statements: filled with the policy written's statements that can make S3 call it public
            (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.open_statements`), all the partner's: under
            ``RestrictPublicBuckets`` a public policy grants no other account anything (:meth:`restrict_public_buckets_on_for`).

        The provider's statements of principals deleted since, shown by their unique IDs, go (or lose those IDs),
        whoever they were written for, logged, as on a revoke (:func:`~airflow_provider_emrfs_xacct.pure.
        bucket_policy.grant`): a principal's own statements once its role was deleted and created again, too.
        """
        wanted, principals = set(locations), list(principal_arns)
        partition = partition or self.conn_partition
        cleared: list[str] = []

        def desire(current: dict[str, Any] | None) -> dict[str, Any]:
            if kept is not None:
                for principal in principals:
                    kept[principal] = beyond_asked(bucket_policy.granted_locations(current, principal), wanted)
            if canned_acl_required is not None:
                canned_acl_required.clear()
            policy = current
            dropped: list[str] = []  # for deleted principals; a read-back after the write finds none left
            sends_acl: dict[str, bool] = {}
            for principal in principals:
                acl_required = bucket_policy.requires_canned_acl(current, principal, bucket, wanted)
                if acl_required and canned_acl_required is not None:
                    canned_acl_required.add(principal)
                sends_acl[principal] = object_acl or acl_required
                policy = bucket_policy.grant(
                    policy, partition, principal, wanted, object_acl=object_acl or acl_required, cleared=dropped
                )
            assert policy is not None
            written = writable_policy(current, policy, bucket, dropped, self.log)
            assert written is not None  # current, when kept, is a policy: it held the clean-up's statements
            # Judged only when there is something to write: a rerun leaves the policy as S3 holds it, whatever its
            # size, and the size is that of the shortest text S3 can be sent (bucket_policy_text).
            if not same_meaning(current, written) and document_size(written, utf8=True) > MAX_BUCKET_POLICY_BYTES:
                raise InvalidParameterError(
                    "principal_arns", f"the policy of bucket {bucket} would exceed S3's 20 KB limit for bucket policies"
                )
            cleared.extend(note for note in dropped if note not in cleared)
            _judge_written(written, bucket, wanted, sends_acl, still_refused, public_statements)
            return written

        # S3 refuses a bucket policy naming a principal that is not valid, or a deleted user or role, with
        # MalformedPolicy "Invalid principal in policy" (AWS Knowledge Center, s3-invalid-principal-in-policy-error).
        # A role created seconds ago may not be visible yet (IAM User Guide, "Changes that I make are not always
        # immediately visible"): waited out for a bounded time, as IAM's and KMS's refusals are; still refused
        # then, raised naming the field. (A deleted principal's unique ID in a statement of others is refused the
        # same way, and S3 does not say which principal it refused: refuse_orphaned_writes names it first.) This
        # write is the only check that a principal of another account exists (the bucket's connection cannot read
        # that account's IAM), so GrantBucketAccessOperator sends it before the ownership switch.
        with naming_missing_principals(
            is_invalid_principal,
            "principal_arns",
            f"the policy of bucket {bucket}",
            principals,
            settings.consistency_wait_seconds,
        ):
            changes = self._converge_policy(
                bucket,
                desire,
                settings=settings,
                dry_run=dry_run,
                is_transient=lambda error: is_concurrent_write(error) or is_invalid_principal(error),
            )
        self._log_cleared(bucket, cleared, dry_run)
        return changes

    def revoke_bucket_access(
        self,
        bucket: str,
        principal_arns: Iterable[str],
        *,
        settings: ConvergeSettings = DEFAULT_SETTINGS,
        dry_run: bool = False,
    ) -> tuple[list[Change], dict[str, Any] | None, dict[str, Any] | None]:
        """
        Remove the principals' statements; every other statement stays.

        A role's statements go under every ARN that names it there, at any path, its name in any case
        (:func:`~airflow_provider_emrfs_xacct.pure.merge.principals_naming`): the grant was given the role's ARN as
        IAM shows it (its path), while the revoke may be given the ARN built from its name. The provider's statements
        of principals deleted since, shown by their unique IDs, which no ARN names any more, go too (or lose those
        IDs), whoever they were written for, logged (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.revoke`).

        :return: the changes, the policy as first read, and as the revoke leaves it (or, planned, would).
        """
        principals = list(principal_arns)
        seen: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
        cleared: list[str] = []

        def desire(current: dict[str, Any] | None) -> dict[str, Any] | None:
            policy = current
            dropped: list[str] = []  # for deleted principals; a read-back after the write finds none left
            # Each as given, and under each ARN the policy names it by (another path, another case of its name).
            for principal in dict.fromkeys(
                spelling for given in principals for spelling in (given, *principals_naming(current, given))
            ):
                policy = bucket_policy.revoke(policy, principal, cleared=dropped)
            policy = writable_policy(current, policy, bucket, dropped, self.log)
            seen.append((current, policy))
            cleared.extend(note for note in dropped if note not in cleared)
            return policy

        changes = self._converge_policy(bucket, desire, settings=settings, dry_run=dry_run, shrinking=True)
        self._log_cleared(bucket, cleared, dry_run)
        return changes, seen[0][0], seen[-1][1]

    def _log_cleared(self, bucket: str, cleared: list[str], dry_run: bool) -> None:
        """Warn of the provider's statements of deleted principals a grant or a revoke dropped (``cleared``), if any."""
        if cleared:
            self.log.warning(
                "The policy of bucket %s %s the provider's statements of principals deleted since, shown by their "
                "unique IDs (they grant no one anything, not even a role of that name created again, and S3 refuses "
                "every bucket policy keeping them): %s",
                bucket,
                "would lose (dry run)" if dry_run else "lost",
                "; ".join(cleared),
            )

    def ensure_bucket_owner_enforced(
        self, bucket: str, *, current: str | None = None, dry_run: bool = False
    ) -> list[Change]:
        """
        Switch the bucket to ``BucketOwnerEnforced`` (ACLs disabled, the bucket owner owns every object).

        Sent by :class:`~airflow_provider_emrfs_xacct.operators.s3.GrantBucketAccessOperator` after its bucket policy
        was written: a grant S3 refuses leaves the ownership as it was.

        :param current: the ownership setting if already read.
        """
        current = current or self.get_object_ownership(bucket)
        if current == "BucketOwnerEnforced":
            return []
        change = Change(
            UPDATE,
            f"s3 bucket {bucket} object ownership",
            {"ObjectOwnership": current},
            {"ObjectOwnership": "BucketOwnerEnforced"},
        )
        if not dry_run:
            retry_concurrent_writes(
                self.conn.put_bucket_ownership_controls,
                Bucket=bucket,
                OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                **self._owner(),
            )
        return [change]

    def _converge_policy(
        self,
        bucket: str,
        desire: Any,
        *,
        settings: ConvergeSettings,
        dry_run: bool,
        is_transient: Callable[[Exception], bool] = is_concurrent_write,
        shrinking: bool = False,
    ) -> list[Change]:
        """
        Bring the bucket's policy to ``desire(current)``.

        :param shrinking: the change only removes (a revoke): the text sent is no longer than the text read.
        """
        sent: list[dict[str, Any]] = []
        read_bytes = 0  # the size of the text the last read answered, in UTF-8

        def read() -> dict[str, Any] | None:
            nonlocal read_bytes
            policy, read_bytes = self._read_bucket_policy(bucket)
            return policy

        def write(_current: Any, desired: dict[str, Any] | None) -> None:
            guard_writes(self.conn)  # a write throttled and retried past its deadline is dropped and read again
            if desired is None:  # no statement left: S3 refuses an empty policy, so delete it
                self.conn.delete_bucket_policy(Bucket=bucket, **self._owner())
            else:
                sent.append(desired)
                room = min(MAX_BUCKET_POLICY_BYTES, read_bytes) if shrinking else MAX_BUCKET_POLICY_BYTES
                self.conn.put_bucket_policy(Bucket=bucket, Policy=bucket_policy_text(desired, room), **self._owner())

        try:
            return read_modify_write(
                resource=f"s3 bucket {bucket} policy",
                read=read,
                desire=desire,
                write=write,
                settings=settings,
                dry_run=dry_run,
                # S3's MalformedPolicy is a fault in the document: raised at once with what S3 said, not retried
                # (but for a grant's principal not visible yet, above); OperationAborted (another change of the
                # bucket in progress) is read and written again.
                is_transient=is_transient,
            )
        except ClientError as error:
            if sent and error.operation_name == "PutBucketPolicy" and is_access_denied(error):
                self.refuse_blocked_public_policy(bucket, sent[-1], error)
            raise

    def refuse_blocked_public_policy(self, bucket: str, policy: dict[str, Any], error: ClientError) -> None:
        """
        Tell S3's ``AccessDenied`` to a bucket policy's write that ``BlockPublicPolicy`` refused from any other.

        S3 API Reference, "PublicAccessBlockConfiguration", ``BlockPublicPolicy``: S3 rejects "calls to PUT Bucket
        policy if the specified bucket policy allows public access", and "Enabling this setting doesn't affect existing
        bucket policies"; S3 answers ``AccessDenied`` ("Automated Security Response on AWS", "Issues with specific
        remediations": "An error occurred (AccessDenied) when calling the PutBucketPolicy operation: Access Denied",
        for a policy whose public statements were kept). The grant and the revoke keep what they did not write, so
        they would be refused on every try, blamed on ``s3:PutBucketPolicy``. Read only after such a refusal: the
        bucket's Block Public Access, else the account's (S3 uses "the most restrictive combination" of both: S3 API
        Reference, "PutPublicAccessBlock"), then whether S3 calls the bucket's policy public (``GetBucketPolicyStatus``:
        the statements of others that ``policy`` kept are its own), and ``policy``'s statements that can make it so
        (:func:`open_statements`). A read refused or failing leaves S3's refusal as it is.

        :raises PreconditionError: ``BlockPublicPolicy`` is on and the policy is public (not retriable).
        """
        try:
            if self.public_access_block(bucket).get("BlockPublicPolicy"):
                blocked_in = f"bucket {bucket}"
            else:
                account = self.expected_bucket_owner or acting_account(self)
                if not self.account_public_access_block(account).get("BlockPublicPolicy"):
                    return
                blocked_in = f"the bucket's account {account}"
            if not self.bucket_policy_is_public(bucket):
                return
        except (ClientError, BotoCoreError):
            return
        statements = open_statements(policy)
        if statements:
            raise PreconditionError(
                blocked_public_policy_message(bucket, blocked_in, statements, error_message(error))
            ) from error
