"""
The requests AWS builds for EMRFS: the S3 calls of a role session, the KMS calls S3 makes for it, and
EMRFS's ``sts:AssumeRole``, each with the condition keys it carries and those it is known not to carry.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_provider_emrfs_xacct.pure.bucket_policy import GRANT_HEADER_KEYS
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, RoleState
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    CANNED_ACLS,
    EMRFS_COMPATIBILITY_PROPERTY,
    S3A_CANNED_ACL,
    emrfs_kept,
    hadoop_boolean,
    impl_connector,
    impl_doubt,
    insecure_scheme,
    java_trim,
    parse_release_label,
    s3a_acl_doubt,
    s3a_bucket_setting,
)
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.evaluator import Request, evaluate_access
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.kms_keys import is_key_arn
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts, dns_suffix
from airflow_provider_emrfs_xacct.pure.requests import (
    OBJECT_ACL_ACTION,
    OBJECT_CREATION_OPERATION,
    S3Call,
    expand,
    expand_key,
)
from airflow_provider_emrfs_xacct.pure.security_config import at_rest_s3_encryption
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn, partition_of_arn, region_of_arn

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState
    from airflow_provider_emrfs_xacct.pure.key_scope import Policy

#: Condition keys a request from EMRFS is known not to carry (every other key not in the context
#: is unknown to the verifier, so a condition on it is "not checked").
_ABSENT_ALWAYS = frozenset(
    {
        # The role's tags are all read (GetRole): a tag it does not have is absent. EMRFS passes no
        # session tags.
        "aws:PrincipalTag/",
        "aws:RequestTag/",
        "aws:TagKeys",
        "aws:FederatedProvider",
        "s3:RequestObjectTag/",
        "s3:RequestObjectTagKeys",
        # A copy's headers (COPY_KEYS): keys of s3:PutObject's copy only (Service Authorization Reference, "Actions,
        # resources, and condition keys for Amazon S3"), which no STS or KMS request, nor any S3 request but a CopyObject
        # (the probe's, a job's rename: requests.RENAME_REQUESTS), carries (_add_operation_keys takes them out of those).
        "s3:x-amz-copy-source",
        "s3:x-amz-metadata-directive",
        # The ACL grant headers, which EMRFS never sends (the grant reads the same list: GRANT_HEADER_KEYS).
        *GRANT_HEADER_KEYS,
        "s3:x-amz-storage-class",  # on an upload, unless the cluster's settings may ask for one (upload_storage_class)
        "s3:x-amz-website-redirect-location",
        "s3:object-lock-mode",
        "s3:object-lock-retain-until-date",
        "s3:object-lock-remaining-retention-days",
        "s3:object-lock-legal-hold",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
        "s3:AccessPointNetworkOrigin",
        "s3:versionid",
        "sts:ExternalId",
        "sts:TransitiveTagKeys",
        "kms:GrantIsForAWSResource",
        "kms:GrantOperations",
        "kms:GrantConstraintType",
        "kms:ReEncryptOnSameKey",
        "kms:DataKeyPairSpec",
        "kms:MacAlgorithm",
    }
)
#: The keys of a service-to-service request: the resource an AWS service principal acts for, its account and its
#: organization. IAM User Guide, "AWS global condition context keys"
#: (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): "the aws:SourceAccount
#: condition key is only available when the call to your resource is made directly by an AWS service principal", and
#: the Availability of ``aws:SourceArn``, ``aws:SourceAccount``, ``aws:SourceOrgID`` and ``aws:SourceOrgPaths`` each
#: says the same (a service calling another "on behalf of" a resource, passing that resource's ARN). EMRFS's
#: ``sts:AssumeRole`` is signed by the EMR EC2 role's instance-profile session and its S3 calls by the destination
#: role's session, neither a service principal: both requests are known not to carry them (:data:`_ABSENT_DIRECT`), so
#: ``StringEquals`` on one fails a trust's Allow and ``StringNotEquals`` (or ``...IfExists``) on one applies a Deny.
#: Not on the KMS calls S3 makes for SSE-KMS (:func:`kms_request`): those are forward access sessions, "the
#: permissions of the identity calling an AWS service, combined with an AWS service's identity" (IAM User Guide,
#: "Forward access sessions"), whose page names only ``aws:CalledVia*`` and ``aws:ViaAWSService`` as set on them and
#: says nothing of these keys; whether such a request counts as "made directly by an AWS service principal" is not
#: documented, so there a condition on them stays "not checked".
SERVICE_SOURCE_KEYS = frozenset({"aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths"})
#: The keys EMRFS's own requests (its ``sts:AssumeRole`` and its S3 calls) are known not to carry.
_ABSENT_DIRECT = _ABSENT_ALWAYS | SERVICE_SOURCE_KEYS


def requested_encryption(state: ChainState, bucket: str) -> tuple[str | None, str | None] | None:
    """
    The server-side encryption every EMRFS upload to ``bucket`` asks for: ``(x-amz-server-side-encryption, key id)``.

    From the security configuration's at-rest S3 encryption, which overrides the cluster's ``emrfs-site``
    (Amazon EMR Release Guide, "Specifying Amazon S3 encryption using EMRFS properties"); its ``Overrides``
    entry for ``bucket``, if any, wins over its own mode and key (Amazon EMR Management Guide, "Create a
    security configuration", the example where "encryption exceptions are applied to individual S3
    buckets": ``Overrides`` of ``BucketName``, ``EncryptionMode``, ``AwsKmsKey``); else from ``emrfs-site``
    (``fs.s3.enableServerSideEncryption``, ``fs.s3.serverSideEncryption.kms.keyId``, the key's bucket-specific
    ``fs.s3.bucket.BUCKET.serverSideEncryption.kms.keyId`` winning for its bucket: :func:`emrfs_kms_key`). A client-side mode (``CSE-KMS``, ``CSE-Custom``) sends no server-side
    header; its own key is not checked. ``(None, None)``: no header, the bucket's default applies; ``None``: not
    known (no cluster read). S3 applies the bucket's default only to a request that "doesn't specify any
    server-side encryption" (S3 API Reference, ServerSideEncryptionRule, ApplyServerSideEncryptionByDefault).
    Also ``None`` where S3A serves ``s3://`` and what its uploads ask for is not read, or an ``emrfs-site`` switch is
    neither true nor false (:func:`encryption_not_known`).
    """
    if encryption_not_known(state, bucket):
        return None
    s3 = _at_rest_s3_encryption(state, bucket)
    if s3 is not None:
        mode = str(s3.get("EncryptionMode"))
        if mode == "SSE-S3":
            return "AES256", None
        if mode == "SSE-KMS":
            return "aws:kms", s3.get("AwsKmsKey")
        if mode.startswith("CSE-"):
            # Client-side: EMRFS encrypts before it uploads and asks for no server-side encryption ("SSE and
            # CSE are mutually exclusive"), and the security configuration overrides emrfs-site (Amazon EMR
            # Release Guide, "Specifying Amazon S3 encryption using EMRFS properties").
            return None, None
    if state.cluster_configurations is None:
        return None
    if hadoop_boolean(site_property(state, "emrfs-site", EMRFS_SSE)):
        key = emrfs_kms_key(state, bucket)
        return ("aws:kms", key) if key else ("AES256", None)
    return None, None


#: EMRFS's ``emrfs-site`` switch of server-side encryption (Amazon EMR Release Guide, "Specifying Amazon S3 encryption
#: using EMRFS properties").
EMRFS_SSE = "fs.s3.enableServerSideEncryption"
#: EMRFS's ``emrfs-site`` switch of client-side encryption (same page).
EMRFS_CSE = "fs.s3.cse.enabled"
#: EMRFS's ``emrfs-site`` KMS key of SSE-KMS uploads.
EMRFS_KMS_KEY = "fs.s3.serverSideEncryption.kms.keyId"


def encryption_not_known(state: ChainState, bucket: str) -> str:
    """
    Why the encryption uploads to ``bucket`` ask for is not known (``""``: it is): a security configuration whose
    ``EncryptionConfiguration`` is not of the Amazon EMR Management Guide's shape ("Create a security configuration":
    an ``EncryptionMode`` it does not list, say), which EMRFS may read as it likes, so neither as no encryption nor as
    the mode it resembles; S3A's own settings or the translation (:func:`s3a_encryption_setting`); or, without the
    security configuration's at-rest S3 encryption (which overrides ``emrfs-site``), an ``emrfs-site`` switch
    ``fs.s3.enableServerSideEncryption`` or ``fs.s3.cse.enabled`` set to neither true nor false as Hadoop reads a flag
    (:func:`hadoop_boolean`): how the connector reads such a value is not documented.
    """
    _, misshapen = at_rest_s3_encryption(state.security_configuration, bucket)
    if misshapen:
        return (
            f"the security configuration's {misshapen}: what encryption EMRFS asks for on uploads with it is not "
            'documented (Amazon EMR Management Guide, "Create a security configuration")'
        )
    unread = s3a_encryption_setting(state, bucket)
    if unread or state.cluster_configurations is None or _at_rest_s3_encryption(state, bucket) is not None:
        return unread
    for name in (EMRFS_SSE, EMRFS_CSE):
        value = site_property(state, "emrfs-site", name)
        if value is not None and hadoop_boolean(value) is None:
            return (
                f"emrfs-site {name}={value!r} is neither true nor false (trimmed, in any case): how the connector "
                "reads it, so whether uploads are encrypted, is not documented"
            )
    return ""


def emrfs_kms_key(state: ChainState, bucket: str) -> str | None:
    """
    The ``emrfs-site`` KMS key EMRFS's SSE-KMS uploads to ``bucket`` name: the bucket-specific
    ``fs.s3.bucket.BUCKET.serverSideEncryption.kms.keyId`` when set, else ``fs.s3.serverSideEncryption.kms.keyId``.

    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": "when you configure a bucket-specific
    encryption setting in EMRFS using 'fs.s3.bucket.amzn-s3-demo-bucket1.serverSideEncryption.kms.keyId' with a value
    of "XYZ", the system automatically maps this to the equivalent S3A configuration by setting 'fs.s3a.encryption.key'
    to "XYZ" for the specified bucket amzn-s3-demo-bucket1" (so S3A, where it serves ``s3://``, reads it the same way).
    """
    return emrfs_setting(state, EMRFS_KMS_KEY, bucket)


def emrfs_bucket_setting(name: str, bucket: str) -> str | None:
    """
    The bucket-level form ``fs.s3.bucket.BUCKET.OPTION`` of the ``emrfs-site`` setting ``name`` (``fs.s3.OPTION``);
    ``None`` for a name of another stem (``fs.s3n.…``), of which AWS shows no bucket-level form.

    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": the mapping of EMRFS settings to S3A's
    "extends to bucket-level configurations", its example ``fs.s3.bucket.amzn-s3-demo-bucket1.serverSideEncryption.
    kms.keyId`` mapped to S3A's ``fs.s3a.encryption.key`` "for the specified bucket".
    """
    return f"fs.s3.bucket.{bucket}.{name.removeprefix('fs.s3.')}" if name.startswith("fs.s3.") else None


def emrfs_setting_name(state: ChainState, name: str, bucket: str) -> str | None:
    """Which ``emrfs-site`` setting gives ``name`` for ``bucket``: its bucket-level form when set, else ``name`` when set."""
    return _first_set(state, "emrfs-site", (emrfs_bucket_setting(name, bucket), name))


def emrfs_setting(state: ChainState, name: str, bucket: str) -> str | None:
    """The ``emrfs-site`` setting ``name`` for ``bucket``, its bucket-level form winning (:func:`emrfs_setting_name`)."""
    return _value_of(state, "emrfs-site", emrfs_setting_name(state, name, bucket))


def _first_set(state: ChainState, classification: str, names: tuple[str | None, ...]) -> str | None:
    """The first of ``names`` the cluster sets in ``classification`` (``None``: none of them)."""
    return next((each for each in names if each and site_property(state, classification, each) is not None), None)


def _value_of(state: ChainState, classification: str, name: str | None) -> str | None:
    """The value of ``classification`` property ``name`` (``None`` for no name)."""
    return None if name is None else site_property(state, classification, name)


def emrfs_readings(state: ChainState, name: str, bucket: str) -> tuple[str | None, ...]:
    """
    The values EMRFS itself may read for ``name`` and ``bucket``: the ``emrfs-site`` setting, and its bucket-level form
    when set. AWS documents EMRFS's bucket-level form of the SSE-KMS key only (:func:`emrfs_kms_key`): whether EMRFS
    reads that of another option is not documented, so both are possible.
    """
    per_bucket = emrfs_bucket_setting(name, bucket)
    values = [site_property(state, "emrfs-site", name)]
    if per_bucket and site_property(state, "emrfs-site", per_bucket) is not None:
        values.append(site_property(state, "emrfs-site", per_bucket))
    return tuple(values)


def translated_name(state: ChainState, emrfs_name: str, bucket: str) -> str:
    """The ``emrfs-site`` setting EMR translates for S3A's reading of ``emrfs_name`` for ``bucket``, for messages."""
    return f"emrfs-site {emrfs_setting_name(state, emrfs_name, bucket) or emrfs_name} (translated for S3A)"


def _at_rest_s3_encryption(state: ChainState, bucket: str) -> dict[str, str] | None:
    """
    The security configuration's at-rest S3 encryption for ``bucket`` (its ``Overrides`` entry winning), or ``None``.

    A part of another shape is not read here (:func:`~.security_config.at_rest_s3_encryption`); the configuration's
    link names it, "not checked" (``checks/configuration.py``).
    """
    s3, _ = at_rest_s3_encryption(state.security_configuration, bucket)
    return s3


def client_side_encryption(state: ChainState, bucket: str) -> str:
    """
    How EMRFS encrypts uploads to ``bucket`` client-side, and with which key, as a phrase; ``""``: it does not.

    The security configuration's ``CSE-KMS``/``CSE-Custom`` (with its ``Overrides`` for the bucket), or, without
    at-rest S3 encryption there, ``emrfs-site`` ``fs.s3.cse.enabled`` with ``fs.s3.cse.kms.keyId`` (Amazon EMR
    Release Guide, "Specifying Amazon S3 encryption using EMRFS properties"). EMRFS then calls KMS itself (or
    the custom provider), not through S3: that key is not judged here.
    """
    s3 = _at_rest_s3_encryption(state, bucket)
    if s3 is not None:
        mode = str(s3.get("EncryptionMode"))
        if not mode.startswith("CSE-"):
            return ""
        key = s3.get("AwsKmsKey") or s3.get("EncryptionKeyProviderClass")
        return f"{mode} with {key} (the security configuration)" if key else f"{mode} (the security configuration)"
    if not hadoop_boolean(site_property(state, "emrfs-site", EMRFS_CSE)):
        return ""
    key = site_property(state, "emrfs-site", "fs.s3.cse.kms.keyId")
    return f"client-side encryption{f' with {key}' if key else ''} (emrfs-site fs.s3.cse.enabled)"


def _upload_headers(state: ChainState, bucket: str) -> dict[str, str | None] | None:
    """
    The headers EMRFS puts on uploads to ``bucket`` that policies test (``s3:x-amz-acl``,
    ``s3:x-amz-server-side-encryption``, ``s3:x-amz-server-side-encryption-aws-kms-key-id``).

    ``None`` when the cluster's settings are not known; a ``None`` value: the header is not sent; a header left
    out: not known (S3A's own encryption settings or an unreadable switch, :func:`encryption_not_known`; the canned ACL where the release,
    so the connector, is unknown and EMRFS's and S3A's differ, :func:`possible_canned_acls`, each of which
    :func:`acl_readings` then judges; the KMS key named otherwise than by its key ARN where a policy tests its value,
    :func:`key_id_value_unknown`).
    """
    if state.cluster_configurations is None:
        return None
    acls = possible_canned_acls(state, bucket)
    known = len(acls) == 1 and not unknown_canned_acl(state, bucket)
    headers: dict[str, str | None] = {"s3:x-amz-acl": acls[0]} if known else {}
    requested = requested_encryption(state, bucket)
    if requested is None:  # not known (encryption_not_known)
        return headers
    sse, key = requested
    headers["s3:x-amz-server-side-encryption"] = sse
    if sse != "aws:kms" or not key_id_value_unknown(state, bucket, key):
        headers[KMS_KEY_ID_CONDITION] = key if sse == "aws:kms" else None
    return headers


#: The condition key of the KMS key an upload names in ``x-amz-server-side-encryption-aws-kms-key-id``.
KMS_KEY_ID_CONDITION = "s3:x-amz-server-side-encryption-aws-kms-key-id"


def key_id_value_unknown(state: ChainState, bucket: str, key: str | None) -> bool:
    """
    Whether the value of ``s3:x-amz-server-side-encryption-aws-kms-key-id`` in uploads to ``bucket`` that name
    ``key`` is not known where a policy the uploads meet tests it.

    The header takes a key ID, key ARN or alias ("Key ID, Key ARN, or Key Alias": Amazon S3 API Reference,
    PutObject, ``x-amz-server-side-encryption-aws-kms-key-id``), and a policy pins the key by its ARN: "the AWS KMS key
    ID that Amazon S3 uses for object encryption must match the AWS KMS key ID in the policy, otherwise Amazon S3
    denies the request" (Amazon S3 User Guide, "Specifying server-side encryption with AWS KMS (SSE-KMS)"). What value
    the condition key then holds for a header naming the key by key id, alias name or alias ARN (the text sent, or the
    key ARN S3 resolves it to) AWS does not document: a condition on its value is not checked, even where the key ARN
    is known (:attr:`ChainState.requested_keys`). A key ARN is the same either way; and a policy that only tests whether
    the key is there (``Null``) does not depend on it.
    """
    if not key or is_key_arn(key):
        return False
    keys = frozenset({KMS_KEY_ID_CONDITION})
    return any(has_condition_on(document, keys, values_only=True) for document in _upload_policies(state, bucket))


def _upload_policies(state: ChainState, bucket: str) -> list[Any]:
    """The policies that may decide an upload to ``bucket`` sent as any role (whichever a mapping sends it as)."""
    target = state.buckets.get(bucket)
    roles = [role for role in (state.emr_role, *state.destination_roles.values()) if isinstance(role, RoleState)]
    return s3_deciding_policies(state, target.policy if isinstance(target, BucketState) else None, roles)


def s3_deciding_policies(state: ChainState, bucket_policy: Any, roles: list[RoleState]) -> list[Any]:
    """
    The policies that may decide an S3 request sent as one of ``roles`` to a bucket of policy ``bucket_policy``: that
    policy, each role's identity policies and boundary, and the S3 gateway endpoints' of the cluster's subnet.
    """
    documents: list[Any] = [bucket_policy]
    for role in roles:
        documents.extend(document for _, document in role.policies)
        documents.extend([role.boundary[1]] if role.boundary is not None else [])
    if isinstance(state.subnet, SubnetFacts):
        documents.extend(endpoint.document for endpoint in state.subnet.s3_gateway_policies)
    return documents


def s3_policies_named(state: ChainState, bucket: BucketState, role: RoleState) -> list[Policy]:
    """
    The policies that may decide an S3 request of ``role`` to ``bucket``, each with its name as a link cites it and
    whether it is resource-based: the bucket policy, the role's identity policies and boundary, and the S3 gateway
    endpoints' of the cluster's subnet (as :func:`s3_deciding_policies`).
    """
    policies: list[Policy] = [("bucket policy", bucket.policy, True)]
    policies.extend((name, document, False) for name, document in role.policies)
    policies.extend([(role.boundary[0], role.boundary[1], False)] if role.boundary is not None else [])
    if isinstance(state.subnet, SubnetFacts):
        policies.extend((endpoint.source, endpoint.document, True) for endpoint in state.subnet.s3_gateway_policies)
    return policies


def s3_policies_unread(state: ChainState, bucket: BucketState, role: RoleState | None) -> str:
    """
    Why a policy that may decide an S3 request of ``role`` to ``bucket`` was not read (``""``: each was): the bucket
    policy, the role itself or a part of it, an S3 gateway endpoint's policy the answer did not hold.
    """
    if "policy" in bucket.unreadable:
        return f"the bucket policy: {bucket.unreadable['policy']}"
    if role is None or role.unreadable:
        return f"the role's policies: {role.unreadable if role is not None else 'the role was not read'}"
    subnet = state.subnet
    unread = (
        [each.endpoint_id for each in subnet.s3_gateway_policies if each.document is None]
        if isinstance(subnet, SubnetFacts)
        else []
    )
    return f"the policy of {', '.join(unread)}" if unread else ""


def encryption_context_is_bucket(state: ChainState, bucket: BucketState, bucket_name: str) -> bool:
    """
    Whether S3 passes KMS the bucket's ARN, not each object's, as the encryption context of the uploads to
    ``bucket_name``, for certain (:func:`bucket_arn_context`): not where that is not known.
    """
    return bucket_arn_context(state, bucket, bucket_name) is True


def bucket_arn_context(state: ChainState, bucket: BucketState, bucket_name: str) -> bool | str:
    """
    Whether S3 passes KMS the bucket's ARN (an S3 Bucket Key), not each object's, as the encryption context of the
    uploads to ``bucket_name``: ``True``, ``False``, or why that is not known.

    The algorithm is the one the uploads ask for (:func:`requested_encryption`), else the bucket's default (also where
    no cluster was read, as the key link judges it). "If you submit a PUT or COPY request for a KMS-encrypted object
    into a bucket with S3 Bucket Keys enabled, your object level operation will automatically use S3 Bucket Keys
    unless you disable the keys in the request header" (Amazon S3 User Guide, "Configuring an S3 Bucket Key at the
    object level"), and then "the encryption context will be the bucket Amazon Resource Name (ARN) and not the object
    ARN" ("Configuring your bucket to use an S3 Bucket Key with SSE-KMS for new objects"). EMRFS documents no setting
    of that header (Amazon EMR Release Guide, "Specifying Amazon S3 encryption using EMRFS properties"; the security
    configuration's at-rest S3 encryption has none: Amazon EMR Management Guide, "Create a security configuration");
    S3A's own encryption settings leave the encryption not known (:func:`encryption_not_known`). Not with DSSE-KMS
    ("Amazon S3 Bucket Keys aren't supported for dual-layer server-side encryption": "Using dual-layer server-side
    encryption with AWS KMS keys (DSSE-KMS)"). Not known: what the uploads ask for; the bucket's setting, when its
    default encryption was not read and the uploads ask for SSE-KMS; and, the default DSSE-KMS with
    ``BucketKeyEnabled`` set, whether uploads asking for SSE-KMS get an S3 Bucket Key, which AWS does not document.
    """
    unknown = encryption_not_known(state, bucket_name)
    if unknown:
        return unknown
    requested = requested_encryption(state, bucket_name)
    asked = requested[0] if requested is not None else None
    if asked not in (None, "aws:kms"):  # SSE-S3: S3 calls no KMS key
        return False
    if "encryption" in bucket.unreadable:
        return (
            "whether the bucket gives SSE-KMS uploads an S3 Bucket Key, so whether the encryption context is the "
            f"bucket's ARN or each object's, is not known: its default encryption was not read "
            f"({bucket.unreadable['encryption']})"
        )
    if asked is None:  # the bucket's default applies
        return bucket.bucket_key_enabled and bucket.sse_algorithm == "aws:kms"
    if bucket.bucket_key_enabled and bucket.sse_algorithm == "aws:kms:dsse":
        return (
            "the bucket's default is DSSE-KMS with BucketKeyEnabled set, and whether S3 gives uploads asking for "
            "SSE-KMS an S3 Bucket Key there (so the bucket's ARN as the encryption context, not each object's) is not "
            'documented (Amazon S3 User Guide, "Using dual-layer server-side encryption with AWS KMS keys '
            '(DSSE-KMS)": S3 Bucket Keys "aren\'t supported" for DSSE-KMS)'
        )
    return bucket.bucket_key_enabled


#: S3A's own settings of the encryption its uploads ask for, canonical and deprecated (Apache Hadoop, "Working with
#: Encrypted S3 Data": ``fs.s3a.encryption.algorithm`` ``AES256``, ``SSE-KMS``, ``DSSE-KMS``, ``CSE-KMS``...,
#: ``fs.s3a.encryption.key``), each also per bucket as ``fs.s3a.bucket.BUCKET.<option>``.
S3A_ENCRYPTION_OPTIONS = (
    "encryption.algorithm",
    "encryption.key",
    "server-side-encryption-algorithm",
    "server-side-encryption.key",
)


def s3a_encryption_setting(state: ChainState, bucket: str) -> str:
    """
    Why the encryption S3A's uploads to ``bucket`` ask for is not read here (``""``: nothing S3A sets itself).

    Where S3A serves ``s3://``, its own ``core-site`` encryption options win over the translated EMRFS ones ("The
    mapping process automatically occurs when S3A configurations are undefined": Amazon EMR Release Guide, "Migration
    guide: EMRFS to S3A filesystem"); how they combine with the security configuration's at-rest encryption is not
    documented, and S3A may read them from a credential provider too. So a cluster that sets one is not checked, as
    is one whose release (so the connector) is unknown. Nor is one whose ``core-site``
    ``fs.s3a.emrfs.compatibility.enable`` false turns off that translation (or, neither true nor false as Hadoop
    reads a flag, may: :func:`translation_unreadable`) while the security configuration or ``emrfs-site`` asks for
    encryption: what then reaches S3A's uploads is not documented; nor, with the translation
    on, one whose ``emrfs-site`` ``fs.s3.enableServerSideEncryption`` is true: the guide maps it to
    ``fs.s3a.encryption.algorithm`` without saying to which algorithm. Nor, whatever the cluster's
    settings (read or not), one whose security configuration has at-rest S3 encryption for ``bucket``: the guide's
    mapping table carries ``emrfs-site``'s encryption properties to S3A, and AWS documents no way for the security
    configuration's to reach S3A's uploads.
    """
    if not s3a_may_serve_s3(state):
        return ""
    uses = f"{state.release_label} uses" if state.release_label else "the unknown release may use"
    at_rest = _at_rest_s3_encryption(state, bucket)
    if at_rest is not None:
        # The guide's "EMRFS to S3A Configuration Mapping" table maps emrfs-site's encryption properties
        # (fs.s3.enableServerSideEncryption to fs.s3a.encryption.algorithm, fs.s3.serverSideEncryption.kms.keyId to
        # fs.s3a.encryption.key), and says nothing of the security configuration's at-rest S3 encryption.
        return (
            f"{uses} S3A for s3://, and the security configuration's at-rest S3 encryption asks for "
            f"{at_rest.get('EncryptionMode')}: whether it reaches S3A's uploads is not documented (AWS's migration "
            "guide maps emrfs-site's encryption properties to S3A, not the security configuration's"
            + (
                f"; core-site {EMRFS_COMPATIBILITY_PROPERTY}=false even turns that translation off)"
                if translation_off(state)
                else ")"
            )
        )
    if state.cluster_configurations is None:
        return ""
    for option in S3A_ENCRYPTION_OPTIONS:
        for name in (f"fs.s3a.{option}", s3a_bucket_setting(f"fs.s3a.{option}", bucket)):
            if java_trim(site_property(state, "core-site", name) or ""):
                return (
                    f"{uses} S3A for s3://, and core-site {name} sets the encryption S3A's uploads "
                    "ask for, which the verifier does not read (nor how it combines with the security configuration)"
                )
    if not translation_off(state) and hadoop_boolean(site_property(state, "emrfs-site", EMRFS_SSE)):
        # The guide's mapping table carries fs.s3.enableServerSideEncryption to fs.s3a.encryption.algorithm but
        # gives no value for it (EMRFS's "true" is no S3A algorithm: Apache Hadoop, "Working with Encrypted S3
        # Data", names AES256, SSE-KMS, DSSE-KMS, SSE-C, CSE-KMS...): SSE-S3 or SSE-KMS is not known.
        return (
            f"{uses} S3A for s3://, and emrfs-site {EMRFS_SSE}=true, which EMR maps to S3A's "
            "fs.s3a.encryption.algorithm with a value AWS's migration guide does not give: whether S3A's uploads ask "
            "for SSE-S3 or SSE-KMS (and with which key) is not known"
        )
    unreadable = translation_unreadable(state)
    if translation_off(state) or unreadable:
        asked = [
            source
            for source, set_here in (
                *(
                    (f"emrfs-site {name}", hadoop_boolean(site_property(state, "emrfs-site", name)) is True)
                    for name in (EMRFS_SSE, EMRFS_CSE)
                ),
            )
            if set_here
        ]
        switch = (
            f"{unreadable} is neither true nor false as Hadoop reads a flag (whether EMR translates the EMRFS settings "
            "to S3A is not documented)"
            if unreadable
            else f"core-site {EMRFS_COMPATIBILITY_PROPERTY}=false turns off EMR's translation of the EMRFS settings to S3A"
        )
        if asked:
            return (
                f"{state.release_label or 'the unknown release'} uses S3A for s3://, and {switch}: whether "
                f"{' and '.join(asked)} still reaches S3A's uploads is not documented"
            )
    return ""


#: EMRFS's ``emrfs-site`` storage class of uploads, and S3A's ``core-site`` one (Amazon EMR Release Guide, "Migration
#: guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping": ``fs.s3.storageClass`` to
#: ``fs.s3a.create.storage.class``).
EMRFS_STORAGE_CLASS = "fs.s3.storageClass"
S3A_STORAGE_CLASS = "fs.s3a.create.storage.class"


def upload_storage_class(state: ChainState, bucket: str) -> bool | None:
    """
    Whether uploads to ``bucket`` may carry ``x-amz-storage-class`` (the ``s3:x-amz-storage-class`` condition key):
    ``False`` only when the cluster's settings were read and neither connector that may serve ``s3://`` sets a
    storage class for the bucket (EMRFS's ``fs.s3.storageClass``; S3A's ``fs.s3a.create.storage.class``, per bucket
    too, or the EMRFS one as EMR translates it: :func:`s3a_reading`); ``None``: not known (settings unread).

    A class set is taken as sent, its value not modelled: a condition on the key is then "not checked".
    """
    if state.cluster_configurations is None:
        return None
    emrfs = emrfs_readings(state, EMRFS_STORAGE_CLASS, bucket) if not serves_s3_with_s3a(state) else ()
    s3a = s3a_readings(state, EMRFS_STORAGE_CLASS, S3A_STORAGE_CLASS, bucket) if s3a_may_serve_s3(state) else ()
    return any(java_trim(value) for value in (*emrfs, *s3a) if value is not None)


#: EMRFS's ``emrfs-site`` custom encryption context of SSE-KMS uploads, and S3A's ``core-site`` one (Amazon EMR Release
#: Guide, "Migration guide: EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping":
#: ``fs.s3.serverSideEncryption.kms.customEncryptionContext`` to ``fs.s3a.encryption.context``).
EMRFS_ENCRYPTION_CONTEXT = "fs.s3.serverSideEncryption.kms.customEncryptionContext"
S3A_ENCRYPTION_CONTEXT = "fs.s3a.encryption.context"


def custom_encryption_context(state: ChainState, bucket: str) -> str:
    """
    The setting that gives SSE-KMS uploads to ``bucket`` an encryption context of the cluster's own (``""``: none
    set, or the cluster's settings not read): EMRFS's ``emrfs-site`` one, or where S3A serves (or may serve) ``s3://``
    S3A's ``fs.s3a.encryption.context`` (per bucket too, or the EMRFS one as EMR translates it: :func:`s3a_reading`).

    S3 then calls KMS with more than ``aws:s3:arn`` in the encryption context: its other pairs are not modelled, so
    ``kms:EncryptionContextKeys`` is not known and a grant's encryption-context constraint is not judged.
    """
    if state.cluster_configurations is None:
        return ""
    if not serves_s3_with_s3a(state):
        # EMRFS's bucket-level form too: whether EMRFS reads it is not documented (emrfs_readings).
        for name in (EMRFS_ENCRYPTION_CONTEXT, emrfs_bucket_setting(EMRFS_ENCRYPTION_CONTEXT, bucket)):
            if name and java_trim(site_property(state, "emrfs-site", name) or ""):
                return f"emrfs-site {name}"
    if s3a_may_serve_s3(state) and any(
        java_trim(value or "")
        for value in s3a_readings(state, EMRFS_ENCRYPTION_CONTEXT, S3A_ENCRYPTION_CONTEXT, bucket)
    ):
        own = s3a_setting_name(state, S3A_ENCRYPTION_CONTEXT, bucket)
        return f"core-site {own}" if own else translated_name(state, EMRFS_ENCRYPTION_CONTEXT, bucket)
    return ""


#: The switch of TLS on the connector's requests: EMRFS's ``fs.s3n.ssl.enabled`` (an EMRFS configuration name in the
#: migration guide's "EMRFS to S3A Configuration Mapping"), which EMR maps to S3A's ``fs.s3a.connection.ssl.enabled``
#: ("Enables or disables SSL connections to AWS services": Apache Hadoop, ``core-default.xml``).
EMRFS_SSL = "fs.s3n.ssl.enabled"
S3A_SSL = "fs.s3a.connection.ssl.enabled"


def connector_settings(state: ChainState, emrfs: str, s3a: str, bucket: str) -> list[tuple[str, str | None]]:
    """
    The setting each connector that may serve ``s3://`` reads for ``bucket``, named as the cluster's Configurations
    hold it, with its value: EMRFS's ``emrfs-site`` ``emrfs``, and S3A's ``s3a`` (its per-bucket form first, else
    EMRFS's translated for S3A: :func:`s3a_reading`).
    """
    settings: list[tuple[str, str | None]] = []
    if not serves_s3_with_s3a(state):
        settings.append((f"emrfs-site {emrfs}", site_property(state, "emrfs-site", emrfs)))
    if s3a_may_serve_s3(state):
        own = s3a_setting_name(state, s3a, bucket)
        name = f"core-site {own}" if own else f"emrfs-site {emrfs} (translated for S3A)"
        settings.append((name, s3a_reading(state, emrfs, s3a, bucket)))
    return settings


def tls_turned_off(state: ChainState, bucket: str) -> str:
    """
    The setting that turns TLS off, or may, for requests to ``bucket`` of a connector that may serve ``s3://`` (``""``:
    none, or the cluster's settings not read): :func:`tls_off`. Such requests may go over plain HTTP, so
    ``aws:SecureTransport`` is not known (a bucket policy's usual Deny on it is then not checked, not passed).
    """
    return tls_off(state, bucket)[0]


def tls_off(state: ChainState, bucket: str) -> tuple[str, bool]:
    """
    The setting that turns TLS off, or may, for requests to ``bucket`` (``""``: none, or the cluster's settings not
    read), and whether it certainly does.

    A TLS switch (:data:`EMRFS_SSL`, :data:`S3A_SSL`, per bucket too) set to anything but true as Hadoop's
    ``Configuration.getBoolean`` reads it (trimmed, any case: :func:`~.cluster_config.hadoop_boolean`); or an S3
    endpoint setting (:data:`EMRFS_ENDPOINT`, :data:`S3A_ENDPOINT`) written as a URL of another scheme than ``https``
    (Apache Hadoop, "Working with Third-party S3 Stores": ``fs.s3a.endpoint`` "can be a URL or a hostname"; what the
    connector does with the URL's scheme beside the TLS switch is not documented, so it may send plain HTTP).

    Certain only where the connector that serves ``s3://`` is known, reads the switch false in every reading it may
    make (:func:`s3a_readings`; a value neither true nor false is read as Hadoop's caller chooses, which is not
    documented), and is given no endpoint URL whose own scheme might decide instead.
    """
    if state.cluster_configurations is None:
        return "", False
    settings = connector_settings(state, EMRFS_SSL, S3A_SSL, bucket)
    # A value neither true nor false (hadoop_boolean): how the connector reads it is not documented, so TLS may be off.
    switch = next((name for name, value in settings if value is not None and hadoop_boolean(value) is not True), "")
    if switch:
        return switch, _tls_certainly_off(state, bucket)
    return plain_http_endpoint(state, bucket), False


def _tls_certainly_off(state: ChainState, bucket: str) -> bool:
    """Whether the known ``s3://`` connector reads its TLS switch false for ``bucket`` whatever reading it makes."""
    connector = s3_connector_of(state)
    if connector is None or any("://" in java_trim(value or "") for _, value in _endpoint_settings(state, bucket)):
        return False
    if connector == "EMRFS":  # AWS shows no bucket-level form of the fs.s3n.* settings (emrfs_bucket_setting)
        readings: tuple[str | None, ...] = (site_property(state, "emrfs-site", EMRFS_SSL),)
    else:
        readings = s3a_readings(state, EMRFS_SSL, S3A_SSL, bucket)
    return all(hadoop_boolean(value) is False for value in readings)


def plain_http_endpoint(state: ChainState, bucket: str) -> str:
    """
    The S3 endpoint setting of a connector that may serve ``s3://`` written as a URL of another scheme than
    ``https`` for ``bucket``, as ``"SETTING=VALUE"`` (``""``: none): the connector may then send plain HTTP
    (:func:`tls_off`).
    """
    return next(
        (f"{name}={java_trim(value)}" for name, value in _endpoint_settings(state, bucket) if insecure_scheme(value)),
        "",
    )


#: The S3 endpoint a connector is pointed at: EMRFS's ``fs.s3n.endpoint`` (an EMRFS configuration name in the
#: migration guide's "EMRFS to S3A Configuration Mapping"), which EMR maps to S3A's ``fs.s3a.endpoint``.
EMRFS_ENDPOINT = "fs.s3n.endpoint"
S3A_ENDPOINT = "fs.s3a.endpoint"


def s3_endpoint_setting(state: ChainState, bucket: str) -> str:
    """
    The setting, with its value, that points a connector that may serve ``s3://`` at an S3 endpoint of its own for
    ``bucket`` (``""``: none, or the cluster's settings not read). The route the subnet's facts show is the one to S3's
    Regional name; the way to another endpoint is not read.
    """
    if state.cluster_configurations is None:
        return ""
    settings = _endpoint_settings(state, bucket)
    return next((f"{name}={java_trim(value)}" for name, value in settings if value and java_trim(value)), "")


def _endpoint_settings(state: ChainState, bucket: str) -> list[tuple[str, str | None]]:
    """The S3 endpoint setting each connector that may serve ``s3://`` reads for ``bucket``."""
    return connector_settings(state, EMRFS_ENDPOINT, S3A_ENDPOINT, bucket)


def bucket_of_s3_arn(arn: str) -> str:
    """The bucket of an S3 bucket or object ARN (``arn:aws:s3:::bucket/key``)."""
    return arn.split(":::", 1)[-1].split("/", 1)[0]


#: The ``emrfs-site`` setting that makes EMRFS send ``x-amz-request-payer: requester``.
REQUESTER_PAYS_HEADER = "fs.s3.useRequesterPaysHeader"
#: The ``core-site`` setting that makes S3A send it.
S3A_REQUESTER_PAYS = "fs.s3a.requester.pays.enabled"


def canned_acl(state: ChainState, bucket: str) -> str | None:
    """
    The ``x-amz-acl`` header the ``s3://`` connector puts on uploads to ``bucket``, or ``None``.

    EMRFS: ``emrfs-site`` ``fs.s3.canned.acl``. Where S3A serves ``s3://``, ``core-site`` ``fs.s3a.acl.default`` (or its
    per-bucket form, :func:`s3a_setting`), which EMR fills from ``fs.s3.canned.acl`` when it is not set itself
    (:func:`connector_setting`). With the release unknown, EMRFS's (:func:`possible_canned_acls` has both).
    """
    return _acl_header(connector_setting(state, "fs.s3.canned.acl", S3A_CANNED_ACL, bucket))


def canned_acl_setting(state: ChainState, bucket: str) -> str:
    """
    The setting the ``s3://`` connector takes the canned ACL of uploads to ``bucket`` from (:func:`canned_acl`), for
    messages: S3A's own per-bucket or base one when set, else ``emrfs-site`` ``fs.s3.canned.acl`` (translated for S3A).
    """
    if not serves_s3_with_s3a(state):
        return "emrfs-site fs.s3.canned.acl"
    read_from = s3a_setting_name(state, S3A_CANNED_ACL, bucket)
    return (
        f"core-site {read_from}"
        if read_from
        else f"emrfs-site {emrfs_setting_name(state, 'fs.s3.canned.acl', bucket) or 'fs.s3.canned.acl'}"
    )


def possible_canned_acls(state: ChainState, bucket: str) -> tuple[str | None, ...]:
    """
    The ``x-amz-acl`` headers uploads to ``bucket`` may carry: :func:`canned_acl` when the ``s3://`` connector is known;
    with the release unknown (so the connector: EMRFS before 7.10.0, S3A from it), EMRFS's and S3A's when they differ.
    Where EMRFS may serve ``s3://``, an ``emrfs-site`` ``fs.s3.bucket.BUCKET.canned.acl`` adds its header: whether
    EMRFS reads that bucket-level form is not documented (:func:`emrfs_readings`).
    """
    if state.cluster_configurations is None:
        return (canned_acl(state, bucket),)
    possible: list[str | None] = []
    if not serves_s3_with_s3a(state):
        possible.extend(_acl_header(value) for value in emrfs_readings(state, "fs.s3.canned.acl", bucket))
    if s3a_may_serve_s3(state):
        possible.extend(_acl_header(value) for value in s3a_readings(state, "fs.s3.canned.acl", S3A_CANNED_ACL, bucket))
    return tuple(dict.fromkeys(possible))


def acl_readings(state: ChainState, call: S3Call, bucket: str, request: Request) -> tuple[Request, ...]:
    """
    ``request`` with each ``x-amz-acl`` header the upload may carry where which one is not known: one request per
    header :func:`possible_canned_acls` gives (``None``: no header, ``s3:x-amz-acl`` then known absent); else
    ``(request,)``.

    Left as it is: a call that carries no upload headers, one whose header is known, or not known at all (no
    cluster settings read, or a value that is no canned ACL name: :func:`unknown_canned_acl`). S3 API Reference,
    PutObject, "Permissions": an upload with an ACL needs ``s3:PutObjectAcl`` too; PublicAccessBlockConfiguration,
    ``BlockPublicAcls``: "PUT Object calls fail if the request includes a public ACL". Each header asks for
    something else, so each is judged (:meth:`.s3_access._Prefix.send`).
    """
    if not call.headers or state.cluster_configurations is None or unknown_canned_acl(state, bucket):
        return (request,)
    acls = possible_canned_acls(state, bucket)
    if len(acls) == 1:
        return (request,)
    return tuple(_with_acl(request, acl) for acl in acls)


def _with_acl(request: Request, acl: str | None) -> Request:
    """``request`` carrying ``x-amz-acl`` ``acl`` (``None``: none)."""
    context = {name: value for name, value in request.context.items() if name != "s3:x-amz-acl"}
    absent = set(request.known_absent or ()) - {"s3:x-amz-acl"}
    if acl is None:
        absent.add("s3:x-amz-acl")
    else:
        context["s3:x-amz-acl"] = acl
    return replace(request, context=context, known_absent=frozenset(absent))


def canned_acl_doubts(state: ChainState, bucket: str) -> list[str]:
    """
    Why the canned ACL uploads to ``bucket`` carry is not known where :func:`possible_canned_acls` has more than one:
    the release (so the connector) unknown; S3A's reading not known (:func:`undocumented_precedence`,
    :func:`translation_doubt`); EMRFS's bucket-level form beside its base one (:func:`emrfs_readings`).
    """
    doubts = []
    if cluster_release(state) is None:
        doubts.append("the cluster's release, so its s3:// connector (EMRFS before 7.10.0, S3A from it), is unknown")
    elif connector_doubt(state):
        doubts.append(f"{connector_doubt(state)}, so its s3:// connector (EMRFS or S3A) is unknown")
    if s3a_may_serve_s3(state):
        doubt = undocumented_precedence(state, "fs.s3.canned.acl", S3A_CANNED_ACL, bucket) or translation_doubt(
            state, "fs.s3.canned.acl", S3A_CANNED_ACL, bucket
        )
        doubts.extend([doubt] if doubt else [])
    emrfs = emrfs_readings(state, "fs.s3.canned.acl", bucket) if not serves_s3_with_s3a(state) else ()
    if len({_acl_header(value) for value in emrfs}) > 1:
        doubts.append(
            f"emrfs-site {emrfs_bucket_setting('fs.s3.canned.acl', bucket)} and fs.s3.canned.acl differ, and whether "
            "EMRFS reads the bucket-level form of this setting is not documented"
        )
    return doubts


def one_canned_acl_fix(state: ChainState, bucket: str) -> str:
    """How to make the canned ACL of uploads to ``bucket`` known where :func:`possible_canned_acls` has more than one."""
    if cluster_release(state) is None:
        return (
            "pass release_label to know the cluster's s3:// connector (EMRFS before 7.10.0, S3A from it; command line: "
            "emr.release_label in the partner file, or --cluster-id)"
        )
    settings = [f"emrfs-site fs.s3.canned.acl and {emrfs_bucket_setting('fs.s3.canned.acl', bucket)}"]
    if s3a_may_serve_s3(state):
        settings.append(
            f"core-site {S3A_CANNED_ACL} and {s3a_bucket_setting(S3A_CANNED_ACL, bucket)}, or core-site "
            f"{EMRFS_COMPATIBILITY_PROPERTY} true or false"
        )
    return f"give every canned ACL setting the connector may read for bucket {bucket} one value ({'; '.join(settings)})"


def unknown_canned_acl(state: ChainState, bucket: str) -> str:
    """
    Why the canned ACL of uploads to ``bucket`` is not known for a value no canned ACL name of :data:`CANNED_ACLS`
    (``""``: every value the connector may read is one, or empty, or unset): which ACL, if any, the connector then
    sends, or whether it starts at all, AWS does not document.
    """
    if state.cluster_configurations is None:
        return ""
    values = [*(emrfs_readings(state, "fs.s3.canned.acl", bucket) if not serves_s3_with_s3a(state) else ())]
    s3a = s3a_readings(state, "fs.s3.canned.acl", S3A_CANNED_ACL, bucket) if s3a_may_serve_s3(state) else ()
    values.extend(s3a)
    odd = [value for value in values if value and value not in CANNED_ACLS]
    doubt = next((s3a_acl_doubt(value) for value in s3a if s3a_acl_doubt(value)), "")
    if not odd and doubt:
        return (
            f"the canned ACL setting S3A reads for bucket {bucket} ({canned_acl_setting(state, bucket)}) holds a name "
            f"S3A may not read: {doubt}, so which x-amz-acl the uploads carry is not known"
        )
    if not odd:
        return ""
    return (
        f"the canned ACL setting the connector reads for bucket {bucket} ({canned_acl_setting(state, bucket)}) holds "
        f"{odd[0]!r}, which is no canned ACL name AWS documents ({', '.join(CANNED_ACLS)}, exactly: S3A reads "
        "fs.s3a.acl.default untrimmed): which x-amz-acl the uploads carry is not known"
    )


def readable_canned_acl_names(state: ChainState) -> tuple[str, ...]:
    """The canned ACL names the ``s3://`` connector is known to read: :data:`S3A_DOUBTFUL_ACLS` left out where S3A may."""
    return tuple(name for name in CANNED_ACLS if not (s3a_may_serve_s3(state) and s3a_acl_doubt(name)))


def _acl_header(setting: str | None) -> str | None:
    """The ``x-amz-acl`` header a canned ACL setting sends (``None``: none); another value stays as it is (not known)."""
    return CANNED_ACLS.get(setting, setting) if setting else None


def connector_setting(state: ChainState, emrfs_name: str, s3a_name: str, bucket: str) -> str | None:
    """
    The value of a setting as the cluster's ``s3://`` connector reads it for ``bucket``: ``emrfs-site`` ``emrfs_name``
    for EMRFS; where S3A serves ``s3://`` (:func:`serves_s3_with_s3a`), :func:`s3a_reading`. With the release unknown,
    the EMRFS setting.
    """
    if not serves_s3_with_s3a(state):
        return site_property(state, "emrfs-site", emrfs_name)
    return s3a_reading(state, emrfs_name, s3a_name, bucket)


def s3a_reading(state: ChainState, emrfs_name: str, s3a_name: str, bucket: str) -> str | None:
    """
    The value of a setting as S3A reads it for ``bucket``: ``core-site`` ``s3a_name`` for the bucket
    (:func:`s3a_setting`), else the EMRFS setting as EMR translates it. Amazon EMR Release Guide, "Migration guide:
    EMRFS to S3A filesystem", "EMRFS to S3A Configuration Mapping" (``fs.s3.canned.acl`` to ``fs.s3a.acl.default``,
    ``fs.s3.useRequesterPaysHeader`` to ``fs.s3a.requester.pays.enabled``, ...): "The mapping process automatically
    occurs when S3A configurations are undefined while corresponding EMRFS configurations are present", unless
    ``core-site`` ``fs.s3a.emrfs.compatibility.enable`` is false; EMRFS's bucket-level form for ``bucket`` first.
    """
    s3a = s3a_setting(state, s3a_name, bucket)
    if s3a is not None:
        return s3a
    # The translation "extends to bucket-level configurations" (same guide): EMRFS's fs.s3.bucket.BUCKET.OPTION
    # becomes S3A's setting for that bucket, which wins over the base one (:func:`emrfs_setting`).
    return None if translation_off(state) else emrfs_setting(state, emrfs_name, bucket)


def s3a_readings(state: ChainState, emrfs_name: str, s3a_name: str, bucket: str) -> tuple[str | None, ...]:
    """
    The values S3A may read for ``bucket``: :func:`s3a_reading`, and EMRFS's translated bucket-level one too where
    S3A's own base setting differs from it and which of the two S3A reads is not documented
    (:func:`undocumented_precedence`).
    """
    reading = s3a_reading(state, emrfs_name, s3a_name, bucket)
    if translation_doubt(state, emrfs_name, s3a_name, bucket):
        return reading, None  # translated, or not (S3A's own setting is not set)
    translated = translated_bucket_setting(state, emrfs_name, s3a_name, bucket)
    if translated is None or not undocumented_precedence(state, emrfs_name, s3a_name, bucket):
        return (reading,)
    return reading, site_property(state, "emrfs-site", translated)


def translation_doubt(state: ChainState, emrfs_name: str, s3a_name: str, bucket: str) -> str:
    """
    Why S3A's reading of ``s3a_name`` for ``bucket`` is not known for want of a readable translation switch (``""``:
    it is known): S3A may serve ``s3://``, ``core-site`` ``fs.s3a.emrfs.compatibility.enable`` is neither true nor
    false (:func:`translation_unreadable`), S3A sets ``s3a_name`` for ``bucket`` neither per bucket nor as its base
    setting, and ``emrfs-site`` sets ``emrfs_name`` (or its bucket-level form). The migration guide names ``false``
    the switch that turns the translation off; Hadoop's ``Configuration.getBoolean`` answers another value with its
    caller's default, which AWS does not give: S3A reads the EMRFS value, or nothing.
    """
    unreadable = translation_unreadable(state)
    if not unreadable or not s3a_may_serve_s3(state) or s3a_setting_name(state, s3a_name, bucket) is not None:
        return ""
    name = emrfs_setting_name(state, emrfs_name, bucket)
    if name is None:
        return ""
    return (
        f"{unreadable} is neither true nor false as Hadoop reads a flag: whether EMR translates emrfs-site "
        f"{name}={site_property(state, 'emrfs-site', name)!r} to S3A's {s3a_name} for bucket {bucket} is not "
        "documented"
    )


def s3a_setting_name(state: ChainState, name: str, bucket: str) -> str | None:
    """
    Which ``core-site`` setting S3A reads ``name`` (``fs.s3a.OPTION``) from for ``bucket``: its per-bucket form
    ``fs.s3a.bucket.BUCKET.OPTION`` when set, else ``name`` when set (``None``: neither). Apache Hadoop, "Hadoop-AWS
    module", "Configuring different S3 buckets with Per-Bucket Configuration": "All fs.s3a options other than a small
    set of unmodifiable values (currently fs.s3a.impl) can be set on a per-bucket basis", and "When connecting to a
    bucket, all options explicitly set for that bucket will override the base fs.s3a. values".
    """
    return _first_set(state, "core-site", (s3a_bucket_setting(name, bucket), name))


def translated_bucket_setting(state: ChainState, emrfs_name: str, s3a_name: str, bucket: str) -> str | None:
    """
    The ``emrfs-site`` bucket-level setting ``fs.s3.bucket.BUCKET.OPTION`` of ``emrfs_name`` that EMR translates into
    S3A's setting ``s3a_name`` for ``bucket``, when set and translated: the translation is on and S3A's own per-bucket
    ``fs.s3a.bucket.BUCKET.OPTION`` is not set (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem":
    the mapping "extends to bucket-level configurations" and "automatically occurs when S3A configurations are
    undefined while corresponding EMRFS configurations are present").
    """
    name = emrfs_bucket_setting(emrfs_name, bucket)
    if name is None or translation_off(state) or site_property(state, "emrfs-site", name) is None:
        return None
    return None if site_property(state, "core-site", s3a_bucket_setting(s3a_name, bucket)) is not None else name


def undocumented_precedence(state: ChainState, emrfs_name: str, s3a_name: str, bucket: str) -> str | None:
    """
    Why S3A's reading of ``s3a_name`` for ``bucket`` is not known, or ``None``: S3A's own base ``s3a_name`` and EMRFS's
    translated bucket-level form (:func:`translated_bucket_setting`) are both set, to different values. The migration
    guide does not say whether S3A's defined base setting keeps the bucket-level EMRFS one from being translated
    (its rule: the mapping occurs "when S3A configurations are undefined"), nor which one wins if it is.
    """
    translated = translated_bucket_setting(state, emrfs_name, s3a_name, bucket)
    base = site_property(state, "core-site", s3a_name)
    if translated is None or base is None:
        return None
    value = site_property(state, "emrfs-site", translated)
    if java_trim(value) == java_trim(base):
        return None
    return (
        f"core-site {s3a_name}={base!r} and emrfs-site {translated}={value!r} (which EMR translates for S3A) differ, "
        f"and which one S3A reads for bucket {bucket} is not documented"
    )


def s3a_setting(state: ChainState, name: str, bucket: str) -> str | None:
    """The ``core-site`` S3A setting ``name`` as S3A reads it for ``bucket`` (:func:`s3a_setting_name`)."""
    return _value_of(state, "core-site", s3a_setting_name(state, name, bucket))


def s3_connector_of(state: ChainState) -> str | None:
    """
    The cluster's ``s3://`` connector, ``"EMRFS"`` or ``"S3A"``, from its release and ``core-site`` ``fs.s3.impl``, as
    the launch reads them (:func:`~.cluster_config.impl_connector`); ``None``: not known. A FileContext class of
    ``s3://`` leaves it as it is: it serves the FileContext writes only (:func:`~.spark_settings.file_context_audit`).
    """
    return impl_connector(cluster_release(state), site_property(state, "core-site", "fs.s3.impl"))


def serves_s3_with_s3a(state: ChainState) -> bool:
    """Whether S3A serves the cluster's ``s3://``: release 7.10.0 or later, and ``fs.s3.impl`` does not keep EMRFS."""
    return s3_connector_of(state) == "S3A"


def s3a_may_serve_s3(state: ChainState) -> bool:
    """
    Whether S3A serves, or may serve, the cluster's ``s3://``: :func:`serves_s3_with_s3a`, or the release unknown, or
    the class ``fs.s3.impl`` names not known to serve it with EMRFS or S3A (:func:`connector_doubt`).
    """
    return s3_connector_of(state) != "EMRFS"


def translation_off(state: ChainState) -> bool:
    """
    Whether ``core-site`` ``fs.s3a.emrfs.compatibility.enable`` turns off EMR's translation of EMRFS settings.

    ``core-site``'s only, where AWS documents the switch ("add the following property to core-site.xml": Amazon EMR
    Release Guide, "Migration guide: EMRFS to S3A filesystem"); another value in ``emrfs-site`` (or another
    classification) makes its own link not checked (:func:`~.spark_settings.emrfs_site_audit`). A key given with the
    ``EMR.secret@`` annotation shows here under its plain name with the secret's ARN as its value (``DescribeCluster``),
    neither true nor false: :func:`translation_unreadable`.
    """
    return hadoop_boolean(site_property(state, "core-site", EMRFS_COMPATIBILITY_PROPERTY)) is False


def translation_unreadable(state: ChainState) -> str:
    """
    ``core-site`` ``fs.s3a.emrfs.compatibility.enable`` set to neither true nor false as Hadoop reads it
    (:func:`hadoop_boolean`), as ``"core-site NAME='VALUE'"``, or ``""``: whether EMR translates the EMRFS settings
    is then not documented.
    """
    value = site_property(state, "core-site", EMRFS_COMPATIBILITY_PROPERTY)
    return (
        ""
        if value is None or hadoop_boolean(value) is not None
        else f"core-site {EMRFS_COMPATIBILITY_PROPERTY}={value!r}"
    )


def sends_requester_pays_header(state: ChainState, bucket: str) -> bool | str:
    """
    Whether the cluster's ``s3://`` connector puts ``x-amz-request-payer: requester`` on every request to ``bucket``;
    a text saying why it is not known instead.

    EMRFS sends it with ``emrfs-site`` ``fs.s3.useRequesterPaysHeader=true`` (AWS Knowledge Center, "Access
    Amazon S3 Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena"), S3A with ``core-site``
    ``fs.s3a.requester.pays.enabled=true``, or its per-bucket form (Apache Hadoop, "Hadoop-AWS module: Integration
    with Amazon Web Services", Requester Pays buckets; HADOOP-14661; :func:`s3a_setting`). From 7.10.0 ``s3://`` is S3A unless ``fs.s3.impl``
    keeps EMRFS, and EMR translates the EMRFS setting to S3A's when S3A's is not set (Amazon EMR Release Guide,
    "Migration guide: EMRFS to S3A filesystem": :func:`connector_setting`). With the release unknown, the connector
    is too: known only when both would do the same.
    """
    if state.cluster_configurations is None:
        return f"the cluster's emrfs-site {REQUESTER_PAYS_HEADER} was not read (pass cluster_id)"
    emrfs = site_flag(state, "emrfs-site", REQUESTER_PAYS_HEADER)
    own = s3a_setting(state, S3A_REQUESTER_PAYS, bucket)  # per bucket too
    unreadable = [
        f"{site_file} {name}={value!r}"
        for site_file, name in (
            ("emrfs-site", REQUESTER_PAYS_HEADER),
            ("emrfs-site", emrfs_bucket_setting(REQUESTER_PAYS_HEADER, bucket)),
            ("core-site", s3a_setting_name(state, S3A_REQUESTER_PAYS, bucket) if s3a_may_serve_s3(state) else None),
        )
        if name and (value := site_property(state, site_file, name)) is not None and hadoop_boolean(value) is None
    ]
    if unreadable:
        return (
            f"{', '.join(unreadable)} is neither true nor false (trimmed, in any case): how the connector reads it is "
            "not documented"
        )
    translated = _true(emrfs_setting(state, REQUESTER_PAYS_HEADER, bucket)) and not translation_off(state)
    s3a = _true(own) if own is not None else translated
    doubt = undocumented_precedence(state, REQUESTER_PAYS_HEADER, S3A_REQUESTER_PAYS, bucket) or translation_doubt(
        state, REQUESTER_PAYS_HEADER, S3A_REQUESTER_PAYS, bucket
    )
    if (
        doubt
        and s3a_may_serve_s3(state)
        and len({_true(value) for value in s3a_readings(state, REQUESTER_PAYS_HEADER, S3A_REQUESTER_PAYS, bucket)}) > 1
    ):
        return doubt
    if (
        not serves_s3_with_s3a(state)
        and len({_true(value) for value in emrfs_readings(state, REQUESTER_PAYS_HEADER, bucket)}) > 1
    ):
        return (
            f"emrfs-site {emrfs_bucket_setting(REQUESTER_PAYS_HEADER, bucket)} and {REQUESTER_PAYS_HEADER} disagree, and "
            "whether EMRFS reads the bucket-level form of this setting is not documented"
        )
    unknown = connector_doubt(state)
    if not unknown:
        return s3a if serves_s3_with_s3a(state) else emrfs  # EMRFS reads no fs.s3a.* setting
    if s3a == emrfs:
        return emrfs
    return (
        f"emrfs-site {REQUESTER_PAYS_HEADER} and core-site {S3A_REQUESTER_PAYS} disagree for the two connectors, and "
        f"{unknown} (so the s3:// connector is not known)"
    )


def _principal_context(role: RoleState) -> dict[str, Any]:
    context: dict[str, Any] = {
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": account_of_arn(role.arn),
        "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalIsAWSService": "false",
    }
    for key, value in role.tags.items():
        context[f"aws:PrincipalTag/{key}"] = value
    return context


def s3_request(
    state: ChainState, role: RoleState, call: S3Call, bucket: BucketState, bucket_name: str, stem: str
) -> Request | None:
    """The request context AWS builds for one S3 call of a role session (``None``: not sent for this prefix)."""
    bucket_arn = f"arn:{partition_of_arn(role.arn)}:s3:::{bucket_name}"
    key = expand_key(call.key, stem) if call.key is not None else ""
    if key is None:
        return None
    absent = set(_ABSENT_DIRECT)
    context = {
        **_principal_context(role),
        "aws:ResourceAccount": bucket.account,
        # s3:ResourceAccount: "the AWS Account ID of the bucket owner" (Service Authorization Reference, "Actions,
        # resources, and condition keys for Amazon S3"), the key data-perimeter endpoint policies test.
        "s3:ResourceAccount": bucket.account,
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
    }
    if bucket.region and not s3_endpoint_setting(state, bucket_name):
        # IAM User Guide, aws:RequestedRegion: the Region the request is made to. S3 serves a bucket only in
        # its own Region (a request sent elsewhere is answered with the bucket's Region to send it to), so
        # it is the bucket's, not the destination connection's; when not known, a condition on it is "not checked".
        # A connector pointed at an S3 endpoint of its own sends its requests to that endpoint's Region, which the
        # verifier does not read from the setting: not known either.
        context["aws:RequestedRegion"] = bucket.region
    if tls_turned_off(state, bucket_name):
        del context["aws:SecureTransport"]  # may be plain HTTP: not known
    if not _add_listing(call, stem, context, absent):
        return None
    _add_upload_headers(state, call, bucket_name, context, absent)
    _add_operation_keys(call, context, absent)
    return Request(
        call.action,
        f"{bucket_arn}/{key}" if call.key is not None else bucket_arn,
        principal=role.arn,
        context=context,
        known_absent=frozenset(absent),
        has_boundary=role.boundary is not None,
    )


def _add_listing(call: S3Call, stem: str, context: dict[str, Any], absent: set[str]) -> bool:
    """Add the ``s3:prefix``/``s3:delimiter`` of a listing, or mark them absent (``False``: this listing is not sent)."""
    if call.list_prefix is None:
        absent.update({"s3:prefix", "s3:delimiter", "s3:max-keys"})
        return True
    prefix = expand(call.list_prefix, stem)
    if prefix is None:
        return False
    if prefix:
        context["s3:prefix"] = prefix
    # The listing of the bucket's root sends an empty prefix (or none): whether S3 then sees s3:prefix as ""
    # or absent is not documented (IAM User Guide, "Amazon S3: Allows IAM users access to their S3 home
    # directory, programmatically and in the console", grants the root listing with s3:prefix ""), so it is
    # left unknown: a condition on it is "not checked".
    if call.delimiter is not None:
        context["s3:delimiter"] = call.delimiter
    else:
        absent.add("s3:delimiter")
    return True


#: The condition keys of the headers an upload carries, which its parts and completion do not
#: (:func:`_add_upload_headers`): a statement testing one tells an UploadPart from a PutObject.
UPLOAD_HEADER_KEYS = frozenset(
    {
        "s3:x-amz-acl",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-storage-class",
    }
)


def _add_upload_headers(
    state: ChainState, call: S3Call, bucket: str, context: dict[str, Any], absent: set[str]
) -> None:
    """Add the upload headers a call carries, or mark them absent."""
    if not call.headers:
        # UploadPart and the others carry no upload headers: a bucket policy denying s3:PutObject
        # without x-amz-server-side-encryption or x-amz-acl denies UploadPart (boto/botocore#471,
        # aws/aws-cli#1674).
        absent.update(UPLOAD_HEADER_KEYS - {"s3:x-amz-storage-class"})  # that one is in _ABSENT_ALWAYS
        return
    if upload_storage_class(state, bucket) is not False:
        absent.discard("s3:x-amz-storage-class")  # sent, or may be: a condition on it is not checked
    headers = _upload_headers(state, bucket)
    if headers is None:
        return
    for name, value in headers.items():
        if value is None:
            absent.add(name)
        else:
            context[name] = value


#: ``s3:x-amz-copy-source``, a condition key of ``s3:PutObject`` (Service Authorization Reference, "Actions, resources,
#: and condition keys for Amazon S3"): the source a CopyObject names in its ``x-amz-copy-source`` header. A copy carries
#: it; in which form EMRFS's rename sends it (``bucket/key``, as the S3 User Guide's "Bucket policy examples using
#: condition keys" compares it, a leading slash, URL-encoding) is not documented, so its value is not known: a ``Null``
#: test of it is decided, a condition comparing its value is not (:data:`VALUE_NOT_KNOWN`).
COPY_SOURCE_KEY = "s3:x-amz-copy-source"
#: ``s3:x-amz-metadata-directive``, the same page's key of a copy's ``x-amz-metadata-directive`` header (``COPY`` or
#: ``REPLACE``), which a copy may carry: whether EMRFS's rename sends it, and which, is not documented (not known).
METADATA_DIRECTIVE_KEY = "s3:x-amz-metadata-directive"
#: The keys of a copy only: every request of the job's write (no copy) is known not to carry them.
COPY_KEYS = frozenset({COPY_SOURCE_KEY, METADATA_DIRECTIVE_KEY})
#: The keys a copy carries whose value is not known (:data:`COPY_SOURCE_KEY`), lower case as :func:`has_condition_on`
#: takes them.
VALUE_NOT_KNOWN = frozenset({COPY_SOURCE_KEY.lower()})
#: ``s3:ObjectCreationOperation``: its value by operation is :data:`~.requests.OBJECT_CREATION_OPERATION`; no value is
#: documented for another action than ``s3:PutObject`` (the ``s3:PutObjectAcl`` of an upload's ACL).
OBJECT_CREATION_KEY = "s3:ObjectCreationOperation"


def _add_operation_keys(call: S3Call, context: dict[str, Any], absent: set[str]) -> None:
    """
    Add the ``s3:ObjectCreationOperation`` of an upload whose value is documented; a copy's keys, absent from every
    request (``_ABSENT_ALWAYS``), are not known on a copy.
    """
    value = OBJECT_CREATION_OPERATION.get(call.operation) if call.action == "s3:PutObject" else None
    if value is not None:
        context[OBJECT_CREATION_KEY] = value
    if call.operation == "CopyObject":
        absent.difference_update(COPY_KEYS)


def as_action(request: Request, action: str) -> Request:
    """
    ``request`` as S3 checks it for another ``action`` (the ``s3:PutObjectAcl`` of an upload's ACL): its
    ``s3:ObjectCreationOperation``, documented for ``s3:PutObject`` only, then not known.
    """
    if action == "s3:PutObject" or OBJECT_CREATION_KEY not in request.context:
        return replace(request, action=action)
    context = {key: value for key, value in request.context.items() if key != OBJECT_CREATION_KEY}
    return replace(request, action=action, context=context)


class KmsUse(NamedTuple):
    """One KMS call S3 makes for a request of the write (S3 User Guide, "Using server-side encryption with AWS KMS keys")."""

    role: RoleState
    action: str
    object_arn: str
    #: The request names the key S3 uses: it carries the upload headers (or the bucket's default applies to it).
    #: ``False`` for an ``UploadPart``, a ``CompleteMultipartUpload`` or a ``GetObject``, for which S3 uses the key
    #: it recorded for the upload or the object.
    names_key: bool
    #: The live probe's write goes the same route (:mod:`.routing`): as the same role, so it makes this call too.
    probed: bool
    #: The step of the write whose request makes it (``requests.S3Call.step``; ``""``: not said).
    step: str = ""


class ProbeRequest(NamedTuple):
    """A request the live probe's write sends as the role its key routes to: a passing probe shows it allowed."""

    #: The IAM action S3 authorizes it as.
    action: str
    #: It carries the upload headers (x-amz-acl, x-amz-server-side-encryption…: :data:`UPLOAD_HEADER_KEYS`).
    headers: bool
    #: The KMS calls S3 makes for it with the role's permissions, as (action, the request names the key).
    kms: tuple[tuple[str, bool], ...] = ()


#: What the live probe's ``echo … | hadoop fs -put -f - PREFIX<probe key>/<uuid>`` (``verify.probe_step``) sends and a
#: passing probe (its object there, encrypted and owned as the job's must be) shows allowed: the getFileStatus of the
#: destination (``-f`` overwrites it "if it already exists"), a HEAD of a key that is not there, whose 404 S3 answers
#: only to a caller allowed ``s3:ListBucket`` (S3 API Reference, HeadObject), and its listing; the one small PutObject
#: of ``<key>._COPYING_`` ("-d: Skip creation of temporary file with the suffix ._COPYING_": Apache Hadoop, "FileSystem
#: Shell", put), with the cluster's upload headers and so the ``s3:PutObjectAcl`` of its canned ACL (S3 API Reference,
#: PutObject, "Permissions"); and its rename, a copy on S3 (S3 User Guide, "Copying, moving, and renaming objects"),
#: which reads the source (``s3:GetObject``: S3 API Reference, CopyObject). S3 calls KMS for the PutObject as for any
#: upload that names the key (S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)": an upload
#: needs ``kms:GenerateDataKey``).
#:
#: Not here, so a passing probe settles no link left not checked on them: the rename's ``DeleteObject`` of
#: ``._COPYING_`` (the probe checks its object, not that ``._COPYING_`` is gone, and whether the put fails when that
#: delete is refused is not documented), the multipart uploads and their listing and abort
#: (``s3:ListBucketMultipartUploads``, ``s3:AbortMultipartUpload``, ``s3:ListMultipartUploadParts``), a multipart
#: upload's ``kms:Decrypt`` and its parts' data keys (S3 User Guide, "Multipart upload API and permissions"), and
#: whether the copy makes S3 call KMS the same way, which AWS does not document. The rename's ``s3:PutObject`` carries
#: ``s3:x-amz-copy-source`` (:data:`COPY_SOURCE_KEY`), which the uploads of a write through the S3-optimized committer
#: do not (a job's rename does: ``requests.RENAME_REQUESTS``): a statement that refuses it is judged apart
#: (``s3_access._Prefix.probe_rename``), and its ``s3:PutObject`` here stands for the put of ``._COPYING_`` only.
PROBE_REQUESTS = (
    ProbeRequest("s3:GetObject", False),
    ProbeRequest("s3:ListBucket", False),
    ProbeRequest("s3:PutObject", True, (("kms:GenerateDataKey", True),)),
    ProbeRequest(OBJECT_ACL_ACTION, True),
)
#: The KMS calls S3 makes for the probe's requests (:data:`PROBE_REQUESTS`), as (action, the request names the key).
PROBE_KMS_CALLS = tuple(call for request in PROBE_REQUESTS for call in request.kms)
#: The S3 requests of the probe (:data:`PROBE_REQUESTS`), as (action, carries the upload headers).
PROBE_S3_CALLS = frozenset((request.action, request.headers) for request in PROBE_REQUESTS)


def has_condition_on(document: Any, keys: frozenset[str], *, values_only: bool = False) -> bool:
    """
    Whether a statement of a policy ``document`` (parsed, or its JSON text) has a ``Condition`` on one of ``keys``
    (lower case; condition keys are matched in any case). Text that is no JSON is taken to test them.

    :param values_only: count only conditions on a key's value: with any operator but ``Null`` (``...IfExists`` too).
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return True
    for statement in as_list(document.get("Statement") if isinstance(document, dict) else None):
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        for operator, pairs in condition.items() if isinstance(condition, dict) else ():
            if values_only and str(operator).rpartition(":")[2].removesuffix("IfExists") == "Null":
                continue
            if isinstance(pairs, dict) and any(str(name).lower() in keys for name in pairs):
                return True
    return False


def kms_request(
    state: ChainState,
    role: RoleState,
    action: str,
    key_arn: str,
    resource_arn: str,
) -> Request:
    """
    The request S3 sends to KMS with the role session's permissions (forward access).

    ``kms:RequestAlias`` is not known, neither set nor absent, however the uploads or the bucket's default name the
    key: the condition holds when "the value of the KeyId parameter in the request" is a matching alias name or alias
    ARN (AWS KMS Developer Guide, "AWS KMS condition keys", kms:RequestAlias), and which KeyId S3 sends to KMS for
    SSE-KMS no page says: for a ``PutObject`` that names the key by alias, an ``UploadPart`` that names none (its
    SSE-KMS headers are CreateMultipartUpload's: S3 API Reference, UploadPart), or the ``kms:Decrypt`` S3 makes with
    the key it recorded. A condition on it leaves the call not known (review J38).
    """
    # The Region is the key's, not the connection's: S3 uses a KMS key only in the bucket's own Region
    # (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)": the key must be in
    # the same Region as the bucket), so S3 of that Region calls KMS of that Region. A bucket of another
    # Region than the destination connection's would otherwise be judged as s3.<connection's region>.
    region = region_of_arn(key_arn) or state.region
    context: dict[str, Any] = {
        **_principal_context(role),
        "kms:CallerAccount": account_of_arn(role.arn),
        "aws:ResourceAccount": account_of_arn(key_arn),
        "aws:RequestedRegion": region,
        # IAM User Guide, "Forward access sessions": S3 calls KMS for SSE-KMS with a forward access session,
        # and "the aws:ViaAWSService condition key is set to true whenever FAS requests are made".
        "aws:ViaAWSService": "true",
        # S3 User Guide, "Using server-side encryption with AWS KMS keys": the encryption context is
        # the object's ARN, or the bucket's with an S3 Bucket Key (which the bucket's setting turns on for
        # uploads that ask for SSE-KMS too: "Configuring an S3 Bucket Key at the object level").
        "kms:EncryptionContext:aws:s3:arn": resource_arn,
    }
    if not custom_encryption_context(state, bucket_of_s3_arn(resource_arn)):
        context["kms:EncryptionContextKeys"] = ["aws:s3:arn"]  # else more keys: not known
    if dns_suffix(region) == "amazonaws.com":
        # KMS Developer Guide, "kms:ViaService": S3 calls KMS as s3.<region>.amazonaws.com. Where endpoints
        # end otherwise (aws-cn: amazonaws.com.cn; the ISO partitions) the value is not documented: left
        # out of the context and not known absent, so a condition on it is not checked.
        context["kms:ViaService"] = f"s3.{region}.amazonaws.com"
    return Request(
        action,
        key_arn,
        principal=role.arn,
        context=context,
        # Not SERVICE_SOURCE_KEYS: a forward access session's are not documented; nor kms:RequestAlias (above).
        known_absent=_ABSENT_ALWAYS,
        has_boundary=role.boundary is not None,
    )


def assume_request(emr_role: RoleState, role: RoleState) -> Request:
    """``sts:AssumeRole`` on the destination role, sent by EMRFS with the EC2 instance profile's session."""
    context = {
        **_principal_context(emr_role),
        "aws:ResourceAccount": account_of_arn(role.arn),
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
    }
    return Request(
        "sts:AssumeRole",
        role.arn,
        principal=emr_role.arn,
        context=context,
        known_absent=_ABSENT_DIRECT,
        has_boundary=emr_role.boundary is not None,
    )


def site_property(state: ChainState, classification: str, name: str) -> str | None:
    """The last value of a cluster setting (``classification`` property ``name``), or ``None``."""
    value = None
    for configuration in state.cluster_configurations or []:
        if configuration.get("Classification") == classification:
            value = (configuration.get("Properties") or {}).get(name, value)
    return value


def cluster_release(state: ChainState) -> tuple[int, int, int] | None:
    """The cluster's release as ``(major, minor, patch)``; ``None`` when its label is not known or not readable."""
    if not state.release_label:
        return None
    try:
        return parse_release_label(state.release_label, "release_label")
    except EmrfsXacctError:
        return None


def keeps_emrfs(state: ChainState) -> bool | None:
    """
    Whether ``core-site`` ``fs.s3.impl`` keeps EMRFS (from 7.10.0 ``s3://`` is S3A otherwise), as Hadoop reads it
    (:func:`~.cluster_config.emrfs_kept`): ``None`` when not known (a class neither EMRFS's nor S3A's once Java trims it, or none).

    ``core-site``'s only, where AWS documents it (same guide as :func:`translation_off`); another value in
    ``emrfs-site`` makes its own link not checked (:func:`~.spark_settings.emrfs_site_audit`). A secret's ARN (a key
    given with the ``EMR.secret@`` annotation, as ``DescribeCluster`` shows it) names no class: ``None``.
    """
    return emrfs_kept(site_property(state, "core-site", "fs.s3.impl"))


def connector_doubt(state: ChainState) -> str:
    """
    Why the cluster's ``s3://`` connector is not known (``""``: it is, or no cluster settings were read): its release
    is not known, or ``core-site`` ``fs.s3.impl`` names a class not known to serve it with EMRFS or S3A there: neither
    EMRFS's nor S3A's as Hadoop reads it, or, before 7.10.0, any but EMRFS's (:func:`s3_connector_of`).
    """
    version = cluster_release(state)
    if version is None:
        return "the cluster's release is not known"
    if s3_connector_of(state) is None:
        return impl_doubt(version, site_property(state, "core-site", "fs.s3.impl"))
    return ""


def _true(value: str | None) -> bool:
    """Whether a boolean setting's value is true as Hadoop reads it (:func:`hadoop_boolean`)."""
    return hadoop_boolean(value) is True


def site_flag(state: ChainState, classification: str, name: str) -> bool:
    """Whether a boolean cluster setting is true as Hadoop reads it (:func:`hadoop_boolean`)."""
    return hadoop_boolean(site_property(state, classification, name)) is True


def identity_side(request: Request, role: RoleState) -> bool | None:
    """Whether the role's identity policies within its boundary allow ``request`` (``None``: undetermined)."""
    decision = evaluate_access(
        request,
        identity_policies=role.policies,
        resource_account=account_of_arn(request.principal),
        boundary=role.boundary,
    )
    return None if decision.undetermined else decision.allowed
