"""Operators for option (a) of the AWS article: access through the destination bucket's policy."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_provider_emrfs_xacct.links.console import DestinationPrefixLink
from airflow_provider_emrfs_xacct.operators.base import SAFETY_TEMPLATE_FIELDS, EmrfsXacctBaseOperator, LazyHookClass

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook  # noqa: F401 (the operator's Generic argument)
    from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook  # noqa: F401 (the operator's Generic argument)
    from airflow_provider_emrfs_xacct.pure.plan import Change


#: The XCom key of what a bucket revoke leaves the principals' accounts through the objects they own.
KEPT_OBJECT_OWNERS_XCOM_KEY = "kept_object_owners"


class GrantBucketAccessOperator(EmrfsXacctBaseOperator["EmrfsS3Hook"]):
    """
    Grant the EMR account's roles access to prefixes through the destination bucket's policy (option (a)).

    Simpler than role mappings, but ownership depends on the bucket: the operator reads its object
    ownership and reports who will own what the EMR account writes. With ``BucketOwnerEnforced`` the
    bucket owner owns everything; with ``BucketOwnerPreferred`` only objects written with the
    ``bucket-owner-full-control`` ACL, so it returns the EMRFS setting ``fs.s3.canned.acl`` for the
    launch operator's ``emrfs_site_properties``; with ``ObjectWriter`` the EMR account keeps
    ownership, and the bucket owner has no permission on those objects unless they carry that ACL, so the
    setting is returned too: it warns, or with ``enforce_bucket_owner=True`` switches the bucket to
    ``BucketOwnerEnforced`` (which disables ACLs on the bucket; refused, before anything is written,
    while the bucket's ACL grants anyone but its owner, since S3 refuses the switch then). The switch is
    made after the bucket policy is written: a grant S3 refuses (a principal that does not exist) leaves
    the ownership as it was.

    A complete option (a) on an SSE-KMS bucket also needs the key policy to let the EMR role use the
    key (:class:`~airflow_provider_emrfs_xacct.operators.kms.GrantKmsKeyUserOperator` with the EMR
    role as principal and the returned ``kms_key_arn``) and the EMR role's own identity policy to allow
    the bucket and key actions (:class:`GrantEmrRoleBucketAccessOperator`). It reads the bucket's
    default encryption and refuses, before writing, an AWS managed key, ``aws/s3`` or another service's (its
    policy cannot be changed, so no other account can use it), a key named by alias name or key id (S3 would
    resolve it in the writer's account) and a key of another Region than the bucket's (S3 uses only the bucket's
    Region's keys). A key named by alias ARN is resolved to its key, judged, and its key ARN returned, with a
    warning (S3 documents only key ARNs for cross-account use). When writes carry the canned ACL, the grant
    includes ``s3:PutObjectAcl``. A bucket whose policy is public (a statement of the partner's own) while Block Public
    Access ``BlockPublicPolicy`` is on refuses every write of its policy: the task fails without retries, naming the
    setting and the statements (:meth:`~airflow_provider_emrfs_xacct.hooks.s3.EmrfsS3Hook.refuse_blocked_public_policy`).
    On a Requester Pays bucket (read before any write) the EMR account's requests need ``x-amz-request-payer`` (S3 User
    Guide, "Downloading objects from Requester Pays buckets"), which EMRFS sends with ``fs.s3.useRequesterPaysHeader``:
    the report asks for it. A policy written public under Block Public Access ``RestrictPublicBuckets`` grants no
    other account anything (S3 API Reference, "PublicAccessBlockConfiguration"): a WARNING says so, the task succeeds.

    :param s3_prefixes: ``s3://bucket/prefix/`` locations, all in one bucket. (templated)
    :param principal_arns: the EMR account's role ARNs (the EMR EC2 role). (templated)
    :param enforce_bucket_owner: switch an ``ObjectWriter`` or ``BucketOwnerPreferred`` bucket to
        ``BucketOwnerEnforced``; what the objects' ACLs grant, and another account's ownership of what it
        wrote, then no longer count (only the bucket ACL is checked: review the objects first). (templated,
        default: False)
    :param dry_run: only log the plan; the report says what ownership the bucket has now. (templated,
        default: False)
    :param expected_account_id: the bucket's account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the bucket's account; every S3 call carries it as
        ``ExpectedBucketOwner``, so a bucket of another account is refused by S3. (templated)
    :param region_name: the AWS Region of its clients; default: the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: ``{"bucket", "object_ownership", "objects_owned_by", "emrfs_site_properties", "kms_key_arn"}``
        (``kms_key_arn``: the key ARN of the bucket's default SSE-KMS key, ``None`` without one;
        ``emrfs_site_properties``: the canned ACL setting when the bucket is ``BucketOwnerPreferred`` or
        ``ObjectWriter`` or its policy refuses uploads without it, and ``fs.s3.useRequesterPaysHeader`` on a Requester
        Pays bucket, which also adds ``requester_pays: True``); with ``restrict_public_buckets`` (``{"on_for", "public_statements", "principals"}``)
        when ``RestrictPublicBuckets`` blocks the grant; with ``still_refused`` too, logged as a WARNING, when a
        partner's ``Deny`` still refuses a request of EMRFS's uploads under the policy written (``UploadPart`` or ``CompleteMultipartUpload``,
        which carry no ACL nor encryption header, say): ``[{"principal", "statement", "request", "s3_prefixes", "why", "fix"}]``
        (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.still_refused`). The ACL alone does not fix those.
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.s3.EmrfsS3Hook")
    template_fields: Sequence[str] = aws_template_fields(
        "s3_prefixes", "principal_arns", "enforce_bucket_owner", *SAFETY_TEMPLATE_FIELDS
    )
    template_fields_renderers = {"s3_prefixes": "json", "principal_arns": "json"}
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

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.links.console import persist_links
        from airflow_provider_emrfs_xacct.pure import validation
        from airflow_provider_emrfs_xacct.pure.bucket_policy import CANNED_ACL_OWNERSHIPS, ownership_report
        from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

        self.validate_safety()
        settings = self.converge_settings
        locations = validation.require_list(self.s3_prefixes, "s3_prefixes", validation.parse_s3_location)
        buckets = sorted({location.bucket for location in locations})
        if len(buckets) > 1:
            raise InvalidParameterError("s3_prefixes", f"must all be in one bucket, got {', '.join(buckets)}")
        bucket = buckets[0]
        # A service-linked role (its path in the ARN): the option (a) grant to it is refused, after this policy.
        principals = validation.require_list(self.principal_arns, "principal_arns", validation.validate_own_role_arn)
        enforce = validation.validate_bool(self.enforce_bucket_owner, "enforce_bucket_owner")
        partition, where = self.hook.conn_partition, f"connection {self.aws_conn_id!r}"
        # A bucket policy cannot grant a principal of another partition (S3 answers MalformedPolicy).
        validation.require_partitions(principals, partition, "principal_arns", where)
        persist_links(context, self, location=locations[0])
        with explain_access_denied(self.hook):
            account = self.connection_account(self.hook)
            for index, arn in enumerate(principals):
                validation.refuse_account(
                    arn,
                    account,
                    f"principal_arns[{index}]",
                    where,
                    "option (a) grants the EMR account's role access to another account's bucket (are the "
                    "connections swapped?)",
                )
            self.hook.expected_bucket_owner = account
            # Everything a read can refuse is checked before the first write (a principal that does not exist is
            # refused by the policy's write alone, which comes before the ownership switch: below).
            ownership = self.hook.get_object_ownership(bucket)
            encryption = self.hook.get_default_encryption(bucket)
            requester_pays = self.hook.request_payer(bucket) == "Requester"
            switch = enforce and ownership != "BucketOwnerEnforced"
            if switch:
                self.hook.refuse_acl_grants_to_others(bucket)
        key_arn = self._check_bucket_key(bucket, encryption.get("SSEAlgorithm"), encryption.get("KMSMasterKeyID"))
        # BucketOwnerPreferred or ObjectWriter: EMRFS sends the canned ACL, so the writer needs s3:PutObjectAcl too.
        object_acl = not switch and ownership in CANNED_ACL_OWNERSHIPS
        kept: dict[str, list[str]] = {}
        acl_required: set[str] = set()
        refused: dict[str, list[dict[str, Any]]] = {}
        public: list[str] = []
        with explain_access_denied(self.hook):
            # The grant before the switch. Whether a principal of another account exists, no read of this account
            # tells: S3 refuses the policy naming it ("Invalid principal in policy": AWS Knowledge Center,
            # s3-invalid-principal-in-policy-error), so only the write itself can. Written first, a refused grant
            # leaves the ownership as it was; the switch disables ACLs, which ends what object ACLs grant (S3 User
            # Guide, "Controlling ownership of objects and disabling ACLs for your bucket": "ACLs no longer affect
            # permissions"), and must not be made by a run that fails. A switch refused after the grant (its own
            # permission, s3:PutBucketOwnershipControls) leaves the grant on a bucket that keeps its ownership, as a
            # run without enforce_bucket_owner does, and fails the task before anything downstream writes; a rerun
            # writes no policy and tries the switch again (_enforce_owner).
            changes = self.hook.ensure_bucket_access(
                bucket,
                locations,
                principals,
                partition=partition,
                object_acl=object_acl,
                settings=settings,
                dry_run=self.dry_run,
                kept=kept,
                canned_acl_required=acl_required,
                still_refused=refused,
                public_statements=public,
            )
            if switch:
                changes += self._enforce_owner(bucket, ownership)
                ownership = "BucketOwnerEnforced" if not self.dry_run else ownership
        report = {
            **ownership_report(
                bucket, ownership, canned_acl_required=bool(acl_required), requester_pays=requester_pays
            ),
            "kms_key_arn": key_arn,
        }
        if requester_pays:
            self.log.info(
                "Bucket %s is Requester Pays: S3 refuses (403) every request of the EMR account's roles without "
                "x-amz-request-payer, which EMRFS sends only with fs.s3.useRequesterPaysHeader=true (emrfs_site_properties "
                "%s); the EMR account pays for those requests",
                bucket,
                report["emrfs_site_properties"],
            )
        if acl_required:
            self.log.info(
                "The policy of bucket %s refuses uploads by %s without the bucket-owner-full-control canned ACL: "
                "EMRFS must send it (emrfs_site_properties %s), and s3:PutObjectAcl is granted. The ACL lets by "
                "PutObject and CreateMultipartUpload, not UploadPart nor CompleteMultipartUpload, which carry none "
                "(see any warning below).",
                bucket,
                ", ".join(sorted(acl_required)),
                report["emrfs_site_properties"],
            )
        still = self.warn_still_refused(bucket, refused)
        if still:
            report["still_refused"] = still
        restricted = self.warn_restricted_public_policy(bucket, public, principals)
        if restricted:
            report["restrict_public_buckets"] = restricted
        if ownership == "ObjectWriter":
            self.log.warning(
                "Bucket %s has ObjectWriter ownership: objects the EMR account writes stay owned by the EMR "
                "account; the bucket owner has full control of them only through the bucket-owner-full-control ACL "
                "EMRFS sends with emrfs_site_properties %s (without it, none). Set enforce_bucket_owner=True to "
                "switch the bucket to BucketOwnerEnforced.",
                bucket,
                report["emrfs_site_properties"],
            )
        self.log.info("Objects written to %s will be owned by the %s", bucket, report["objects_owned_by"])
        self.warn_kept(bucket, kept)
        self.report(context, changes)
        return report

    def _enforce_owner(self, bucket: str, ownership: str) -> list[Change]:
        """
        Switch the bucket to ``BucketOwnerEnforced`` once the grant held; refused, log what the grant left.

        With the switch, the bucket owner owns every object in the bucket (S3 User Guide, "Controlling ownership of
        objects and disabling ACLs for your bucket"), so objects written before it are the owner's too once it holds.
        """
        try:
            return self.hook.ensure_bucket_owner_enforced(bucket, current=ownership, dry_run=self.dry_run)
        except Exception:
            self.log.error(
                "The policy of bucket %s grants the principals now, but its object ownership stays %s: the switch to "
                "BucketOwnerEnforced failed (below). Objects the EMR account writes meanwhile are its own until the "
                "switch holds; this task fails, so the tasks after it do not run. Run it again once the switch can be "
                "made: the policy is not written again",
                bucket,
                ownership,
            )
            raise

    def warn_still_refused(self, bucket: str, refused: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Log what the partner's statements still refuse of each principal's uploads; return it, principal named."""
        from airflow_provider_emrfs_xacct.pure.bucket_policy import still_refused_warning

        found = []
        for principal, refusals in sorted(refused.items()):
            if refusals:
                self.log.warning("%s", still_refused_warning(bucket, principal, refusals))
                found += [{"principal": principal, **entry} for entry in refusals]
        return found

    def warn_restricted_public_policy(
        self, bucket: str, statements: list[str], principals: list[str]
    ) -> dict[str, Any] | None:
        """
        Warn when S3 does not apply the grant: the policy written is public under ``RestrictPublicBuckets``; return what
        the report says of it (``None``: not so, or not known).

        Read only when the policy has a statement that can make it public (:func:`~airflow_provider_emrfs_xacct.pure.
        bucket_policy.open_statements`); not a failure: the partner owns the setting and those statements.
        """
        from airflow_provider_emrfs_xacct.pure.bucket_policy import restricted_public_policy_warning

        on_for = self.hook.restrict_public_buckets_on_for(bucket) if statements else None
        if on_for is None:
            return None
        self.log.warning("%s", restricted_public_policy_warning(bucket, on_for, statements, principals))
        return {"on_for": on_for, "public_statements": statements, "principals": principals}

    def warn_kept(self, bucket: str, kept: dict[str, list[str]]) -> None:
        """Log, per principal, the prefixes its statements keep that this run did not ask for (the grant only adds)."""
        from airflow_provider_emrfs_xacct.pure.merge import kept_warning

        for principal, items in kept.items():
            if items:
                removal = (
                    f"RevokeBucketAccessOperator(bucket={bucket!r}, principal_arns=[{principal!r}]) removes the "
                    "role's statements in this bucket (every prefix), then this operator with the prefixes still "
                    "wanted writes them again (run both while the role writes nothing there)"
                )
                sharers = "another partner or pipeline using the role may write there"
                self.log.warning(
                    "%s", kept_warning(f"The policy of bucket {bucket} for {principal}", items, sharers, removal)
                )

    def _check_bucket_key(self, bucket: str, algorithm: str | None, key_id: str | None) -> str | None:
        """
        Refuse a default key no other account can use, or S3 cannot encrypt with whatever the grants (its kind, its
        deletion: :func:`~airflow_provider_emrfs_xacct.pure.kms_keys.key_problem`, as the key grant judges it; another
        Region than the bucket's; an AWS managed key, S3's or another service's, told apart with ``ListAliases`` as
        the verifier and the key grant tell them); warn about one S3 cannot use until someone changes it (disabled,
        say); refuse an ARN that is neither a key ARN nor an alias ARN (it names no key). Return the key's ARN (``None``
        without SSE-KMS); a default naming its key by alias ARN is resolved
        with ``DescribeKey`` (AWS KMS API Reference, DescribeKey, ``KeyId``: "key ID, key ARN, alias name, or alias
        ARN"), judged as a key ARN is, and its key's ARN returned, which the key grant and the EMR role's grant take.
        """
        from airflow_provider_emrfs_xacct.pure.bucket_policy import SSE_KMS_ALGORITHMS, refuse_unusable_bucket_key

        if algorithm not in SSE_KMS_ALGORITHMS:
            return None
        # By its spelling first, before any call: aws/s3 or another service's predefined alias (DescribeKey on one
        # would make KMS create that key in the partner's account), an alias name, a bare key id, an ARN naming no
        # KMS key. What passes is a key ARN or an alias ARN.
        refuse_unusable_bucket_key(bucket, algorithm, key_id, None)
        assert key_id is not None
        self._refuse_key_of_another_region(bucket, key_id)
        return self._judge_described_key(bucket, algorithm, key_id)

    def _refuse_key_of_another_region(self, bucket: str, key_id: str) -> None:
        """
        Refuse a default key (or alias) ARN of another Region than the bucket's, read with ``HeadBucket``: "You can use
        only KMS keys that are available in the same AWS Region as the bucket" (Amazon S3 User Guide, "Specifying
        server-side encryption with AWS KMS (SSE-KMS)"). An alias and its key share a Region ("The KMS key must be
        in the same AWS account and Region as the alias", AWS KMS API Reference, UpdateAlias). ``HeadBucket``
        refused, or a Region S3 does not say, leaves it not checked, with a warning.
        """
        from botocore.exceptions import ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import is_access_denied
        from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
        from airflow_provider_emrfs_xacct.pure.validation import region_of_arn

        try:
            bucket_region = self.hook.bucket_region(bucket)
        except ClientError as error:
            if not is_access_denied(error):
                raise
            bucket_region = None
        key_region = region_of_arn(key_id)
        if not bucket_region:
            self.log.warning(
                "The Region of bucket %s was not read (s3:ListBucket, HeadBucket, refused or not said), so whether "
                "its default key %s is of the bucket's Region, the only Region's keys S3 uses, is not checked",
                bucket,
                key_id,
            )
        elif key_region != bucket_region:
            raise PreconditionError(
                f"bucket {bucket} is in Region {bucket_region}, but its default encryption names {key_id}, of Region "
                f"{key_region}: S3 uses only KMS keys of the bucket's Region, so no grant makes writes to it work. Set "
                f"the bucket's default encryption to a customer managed key of {bucket_region} (its key ARN)",
                field="s3_prefixes",
            )

    def _judge_described_key(self, bucket: str, algorithm: str, key_id: str) -> str:
        """
        Describe the default key (by its key or alias ARN) in its own Region and judge it; return its key ARN.

        An alias ARN not described (refused, or no such alias) is refused: no key ARN is known for the key grant and
        the EMR role's grant, which take only key ARNs. A key ARN not described is judged by its ARN alone.
        """
        from airflow_provider_emrfs_xacct.pure.bucket_policy import is_alias_arn, refuse_unusable_bucket_key
        from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
        from airflow_provider_emrfs_xacct.pure.kms_keys import key_problem
        from airflow_provider_emrfs_xacct.pure.validation import region_of_arn

        # Described in the key's own Region (the bucket's): KMS of another Region does not know it.
        kms = self.kms_hook.in_region(region_of_arn(key_id))
        metadata = kms.readable_key(key_id)
        alias = is_alias_arn(key_id)
        if metadata is None:
            if alias:
                raise PreconditionError(
                    f"bucket {bucket} is encrypted by default with the alias {key_id}, which kms:DescribeKey did not "
                    "resolve to a key (refused, or no such alias): the key grant and the EMR role's grant need its key "
                    "ARN. Allow kms:DescribeKey on it, or set the bucket's default encryption to the key ARN",
                    field="s3_prefixes",
                )
            return key_id
        key_arn = str(metadata.get("Arn") or key_id)
        manager = metadata.get("KeyManager")
        s3_managed = kms.is_s3_managed_key(metadata) if manager == "AWS" else True
        refuse_unusable_bucket_key(bucket, algorithm, key_arn, manager, s3_managed=s3_managed)
        if alias:
            self._warn_alias_default(bucket, key_id, key_arn)
        problem = key_problem(metadata)
        if problem is not None:
            said = f"bucket {bucket} is encrypted by default with {key_arn}, which {problem.problem}"
            if problem.refuse:
                raise PreconditionError(f"{said}; no grant makes writes to it work: {problem.fix}", field="s3_prefixes")
            self.log.warning("%s: every write fails until then; %s", said, problem.fix)
        return key_arn

    def _warn_alias_default(self, bucket: str, alias_arn: str, key_arn: str) -> None:
        """
        Warn that a default key named by alias ARN is not documented to work for the EMR account's writes.

        "If you are using encryption with cross-account or AWS service operations, you must use a fully qualified KMS
        key ARN" (Amazon S3 API Reference, "ServerSideEncryptionByDefault", ``KMSMasterKeyID``), and the EMR EC2 role
        writes from another account. Not refused: KMS itself takes an alias ARN across accounts ("To specify a KMS
        key in a different AWS account, you must use the key ARN or alias ARN", AWS KMS API Reference, DescribeKey),
        and whether S3 does is not documented either way; the grants go to the key behind it.
        """
        self.log.warning(
            "The default encryption of bucket %s names its key by the alias ARN %s (the key %s, which is granted). "
            'S3 documents only a key ARN for cross-account writes ("you must use a fully qualified KMS key ARN": '
            "Amazon S3 API Reference, ServerSideEncryptionByDefault), and the EMR EC2 role writes from another "
            "account: whether S3 resolves the alias for it is not documented. Set the bucket's default encryption to "
            "the key ARN %s (PutBucketEncryption)",
            bucket,
            alias_arn,
            key_arn,
            key_arn,
        )

    @cached_property
    def kms_hook(self) -> EmrfsKmsHook:
        """A KMS hook on the same connection, to tell a customer managed key from the AWS managed one."""
        from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook

        return self.other_hook(EmrfsKmsHook, self.aws_conn_id)


class GrantEmrRoleBucketAccessOperator(EmrfsXacctBaseOperator["EmrfsIamHook"]):
    """
    Option (a): let the EMR EC2 role reach the partner's bucket and key through its own identity policy.

    A cross-account request needs both sides: the bucket policy (or key policy) in the partner's account
    *and* an identity policy of the caller allowing the same actions (IAM User Guide, "Cross-account
    policy evaluation logic"; KMS Developer Guide, "Allowing users in other accounts to use a KMS key").
    Keeps one provider-owned inline policy ``emrfs-xacct-bucket-access`` on the role with the objects
    under the prefixes, listing of the whole bucket, the bucket's location, the key-user actions on the
    keys, and ``s3:PutObjectAcl`` when writes carry a canned ACL. What it held before is kept (other
    partners' runs share the role).

    :param emr_ec2_role_name: the EMR EC2 instance-profile role (the cluster's ``JobFlowRole``): its name, or its
        ARN (e.g. an upstream task's output), which must be in the connection's partition and account. (templated)
    :param s3_prefixes: the partner's ``s3://bucket/prefix/`` locations. (templated)
    :param kms_key_arns: the bucket's customer managed key(s), e.g. ``kms_key_arn`` of
        :class:`GrantBucketAccessOperator`'s result: key ARNs of the partner's account, never the connection's own
        (refused before any change: the signature of swapped connections). (templated)
    :param canned_acl: writes carry a canned ACL (``fs.s3.canned.acl``): also allow ``s3:PutObjectAcl``.
        (templated; ``True``/``False`` or their rendered text; default: False)
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
        "emr_ec2_role_name", "s3_prefixes", "kms_key_arns", "canned_acl", *SAFETY_TEMPLATE_FIELDS
    )
    template_fields_renderers = {"s3_prefixes": "json", "kms_key_arns": "json"}
    ui_color = "#c9e7f5"

    def __init__(
        self,
        *,
        s3_prefixes: list[str] | str,
        emr_ec2_role_name: str = "EMR_EC2_DefaultRole",
        kms_key_arns: list[str] | str | None = None,
        canned_acl: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.emr_ec2_role_name = emr_ec2_role_name
        self.s3_prefixes = s3_prefixes
        self.kms_key_arns = kms_key_arns
        self.canned_acl = canned_acl

    def execute(self, context: Context) -> str:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure import validation
        from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME, emr_role_bucket_policy
        from airflow_provider_emrfs_xacct.pure.merge import MAX_ROLE_INLINE_POLICIES_CHARS, require_iam_policy_length

        self.validate_safety()
        role_name = validation.validate_own_role_name(self.emr_ec2_role_name, "emr_ec2_role_name")
        locations = validation.require_list(self.s3_prefixes, "s3_prefixes", validation.parse_s3_location)
        keys = validation.validate_kms_key_arns(self.kms_key_arns, "kms_key_arns")
        # A templated flag: a DAG that renders templates as text (Airflow's default) gives "True"/"False".
        canned_acl = validation.validate_bool(self.canned_acl, "canned_acl")
        partition = self.hook.conn_partition
        validation.require_partitions(keys, partition, "kms_key_arns", f"connection {self.aws_conn_id!r}")
        require_iam_policy_length(
            emr_role_bucket_policy(partition, set(locations), set(keys), object_acl=canned_acl),
            MAX_ROLE_INLINE_POLICIES_CHARS,
            "s3_prefixes",
            f"the inline policy {EMR_ROLE_POLICY_NAME} of role {role_name}",
        )
        with explain_access_denied(self.hook):
            account = self.connection_account(self.hook)  # the EMR EC2 role is in this connection's account
            # By ARN: a role of another account or partition would be another role of that name here.
            where = f"connection {self.aws_conn_id!r}"
            validation.require_role_here(self.emr_ec2_role_name, account, partition, "emr_ec2_role_name", where)
            # Option (a) reaches a bucket and key of another account: its identity policy is needed only because they
            # are not the role's own account's (IAM User Guide, "Cross-account policy evaluation logic"). A key of
            # this account is the signature of swapped connections (the destination account has an
            # EMR_EC2_DefaultRole too): refused before the role's policy is read or written.
            for index, key in enumerate(keys):
                validation.refuse_account(
                    key,
                    account,
                    f"kms_key_arns[{index}]",
                    where,
                    "option (a) lets the EMR EC2 role use the partner's key, in another account (are the connections "
                    "swapped?)",
                )
            self.hook.role_field = "emr_ec2_role_name"
            kept: list[str] = []
            changes = self.hook.ensure_emr_role_bucket_access(
                role_name,
                locations,
                keys,
                object_acl=canned_acl,
                partition=partition,
                settings=self.converge_settings,
                dry_run=self.dry_run,
                kept=kept,
            )
        if kept:
            from airflow_provider_emrfs_xacct.pure.merge import kept_warning

            removal = (
                f"by hand, from the role's inline policy {EMR_ROLE_POLICY_NAME} (a prefix's ARNs from "
                "EmrfsXacctObjects: the next run keeps what is left and drops its bucket's grants when it was the "
                "bucket's last), and "
                "from the bucket policy with RevokeBucketAccessOperator (then GrantBucketAccessOperator with the "
                "prefixes still wanted)"
            )
            sharers = "partners share the EMR EC2 role, and another may write there"
            self.log.warning("%s", kept_warning(f"Role {role_name}", kept, sharers, removal))
        self.report(context, changes)
        return EMR_ROLE_POLICY_NAME  # in a dry run too: the plan is under the XCom key "plan"


class RevokeBucketAccessOperator(EmrfsXacctBaseOperator["EmrfsS3Hook"]):
    """
    Remove the statements :class:`GrantBucketAccessOperator` wrote for the principals; nothing else.

    Under Block Public Access ``BlockPublicPolicy``, a policy that keeps a public statement of others cannot be written:
    the task fails without retries naming the setting and the statements, and the access is not ended until they are
    made non-public or the setting is turned off.

    The revoke ends the bucket policy's grant only. It warns of what it leaves: a statement of others that still lets a
    principal write, and, on a bucket that is not ``BucketOwnerEnforced`` (or whose ownership it could not read), the
    objects the principals' accounts wrote and still own, which their roles keep reading and re-ACLing through their
    own policies (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.kept_object_owners`; also pushed to XCom
    under ``kept_object_owners``).

    :param bucket: the destination bucket. (templated)
    :param principal_arns: the role ARNs whose access to remove. (templated)
    :param dry_run: only log the plan. (templated, default: False)
    :param expected_account_id: the bucket's account; the connection must act in it. (templated)
    :param aws_conn_id: connection that acts in the bucket's account (sent as ``ExpectedBucketOwner``).
        (templated)
    :param region_name: the AWS Region of its clients; default: the connection's. (templated)
    :param verify: whether to verify TLS certificates, or the CA bundle to verify them with; default: the
        connection's. (templated)
    :param botocore_config: botocore client settings; default: the provider's standard-retry configuration.
    :param settle_seconds: after writing a document other runs may write too, wait this long before reading it
        back to confirm the change held; a finite number from 0 to 10**9. (default: the
        ``[emrfs_xacct] settle_seconds`` configuration option, 1.0 unless set)
    :return: the plan (list of changes).
    """

    aws_hook_class = LazyHookClass("airflow_provider_emrfs_xacct.hooks.s3.EmrfsS3Hook")
    template_fields: Sequence[str] = aws_template_fields("bucket", "principal_arns", *SAFETY_TEMPLATE_FIELDS)
    template_fields_renderers = {"principal_arns": "json"}
    ui_color = "#c9e7f5"

    def __init__(self, *, bucket: str, principal_arns: list[str] | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.principal_arns = principal_arns

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from airflow_provider_emrfs_xacct.hooks.errors import explain_access_denied
        from airflow_provider_emrfs_xacct.pure.validation import (
            require_list,
            require_partitions,
            validate_bucket_name,
            validate_role_arn,
        )

        self.validate_safety()
        settings = self.converge_settings
        bucket = validate_bucket_name(self.bucket, "bucket")
        principals = require_list(self.principal_arns, "principal_arns", validate_role_arn)
        # The grant refuses them (S3 answers MalformedPolicy): none is in the policy, and revoking it would do nothing.
        require_partitions(principals, self.hook.conn_partition, "principal_arns", f"connection {self.aws_conn_id!r}")
        with explain_access_denied(self.hook):
            self.hook.expected_bucket_owner = self.connection_account(self.hook)
            changes, before, after = self.hook.revoke_bucket_access(
                bucket, principals, settings=settings, dry_run=self.dry_run
            )
        self._warn_if_not_ended(bucket, principals, before, after)
        self._warn_of_kept_owners(context, bucket, principals)
        return self.report(context, changes)

    def _warn_of_kept_owners(self, context: Context, bucket: str, principals: list[str]) -> None:
        """
        Warn when objects the principals' accounts wrote keep their owner, so their roles keep them.

        Read after the revoke's write: a refused ``GetBucketOwnershipControls`` does not keep the revoke from ending
        the bucket policy's grant; the ownership is then not known, and the warning says so.
        """
        from botocore.exceptions import ClientError

        from airflow_provider_emrfs_xacct.hooks.errors import error_message, is_access_denied
        from airflow_provider_emrfs_xacct.pure.bucket_policy import kept_object_owners, kept_object_owners_warning

        ownership: str | None
        try:
            ownership = self.hook.get_object_ownership(bucket)
        except ClientError as error:
            if not is_access_denied(error):
                raise
            self.log.warning(
                "The object ownership of bucket %s could not be read (s3:GetBucketOwnershipControls: %s)",
                bucket,
                error_message(error),
            )
            ownership = None
        kept = kept_object_owners(bucket, ownership, principals)
        if kept is not None:
            self.log.warning("%s", kept_object_owners_warning(kept, principals))
            self.push_xcom(context, KEPT_OBJECT_OWNERS_XCOM_KEY, kept)

    def _warn_if_not_ended(
        self, bucket: str, principals: list[str], before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        """
        Warn, by statement, of what still lets a principal write to the bucket once the revoke is done.

        A statement the provider did not write, naming the role, its account or everyone, is kept as it is
        (:func:`~airflow_provider_emrfs_xacct.pure.bucket_policy.kept_writes`): the revoke says so instead of
        reporting the access ended. A role is judged under each ARN the policy named it by before the revoke (at any
        path: :func:`~airflow_provider_emrfs_xacct.pure.merge.principals_naming`), its own as S3 shows it; else as given.
        """
        import json

        from airflow_provider_emrfs_xacct.pure.bucket_policy import granted_locations, kept_writes
        from airflow_provider_emrfs_xacct.pure.merge import principals_naming

        for principal in [spelling for given in principals for spelling in principals_naming(before, given) or [given]]:
            by_statement: dict[str, list[str]] = {}
            undetermined: set[str] = set()
            for kept in kept_writes(after, principal, bucket, granted_locations(before, principal)):
                statement = json.dumps(kept.statement, sort_keys=True)
                by_statement.setdefault(statement, []).append(kept.resource)
                if not kept.certain:
                    undetermined.add(statement)
            for statement, resources in by_statement.items():
                self.log.warning(
                    "The access is NOT ended: a statement of the bucket policy of %s this provider did not write, "
                    "kept as it is, %s %s s3:PutObject on %s: %s. The writes end only while none of that role's own "
                    "policies allows them: remove that statement, or the principal from it, by hand",
                    bucket,
                    "may still allow (a condition is not known before a request)"
                    if statement in undetermined
                    else "still allows",
                    principal,
                    ", ".join(resources),
                    statement,
                )
