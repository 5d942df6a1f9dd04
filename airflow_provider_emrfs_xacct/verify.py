"""
Reading the live chain from both accounts through the provider's hooks, checking it, and the live probe.

Every read goes through a hook (:mod:`airflow_provider_emrfs_xacct.hooks`): one place reads a role,
a bucket, a key. A read AWS refuses never stops the verifier: that part becomes
:class:`~airflow_provider_emrfs_xacct.pure.checks.state.Unreadable`, its links "not checked", with the
denial (account, action, resource) explained as every access denial of the provider is
(:func:`~airflow_provider_emrfs_xacct.hooks.errors.denial_message`). The checks themselves are pure
(:mod:`airflow_provider_emrfs_xacct.pure.checks`, one module per link).
"""

from __future__ import annotations

import shlex
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoCoreConnectionError

from airflow_provider_emrfs_xacct.hooks.errors import (
    account_of,
    assumed_by_connection,
    connection_role_denial,
    credentials_problem,
    denial_message,
    error_code,
    http_status,
    is_access_denied,
    role_account,
    says_nothing_of_the_read,
)
from airflow_provider_emrfs_xacct.hooks.iam_managed import MANAGED_VERSION_REREAD_WAITS
from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    AWS_ALIAS_PREFIX,
    AWS_MANAGED_S3_ALIAS,
    SSE_KMS_ALGORITHMS,
    names_s3_managed_key,
    predefined_alias_service,
)
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.contexts import requested_encryption
from airflow_provider_emrfs_xacct.pure.checks.findings import ROLE_ASSUMPTIONS, refused_read_dict
from airflow_provider_emrfs_xacct.pure.checks.instance_settings import instance_configurations_of
from airflow_provider_emrfs_xacct.pure.checks.key_user import aws_managed_key_policy
from airflow_provider_emrfs_xacct.pure.checks.routing import probe_taker
from airflow_provider_emrfs_xacct.pure.checks.second_opinion import NOT_NOW, simulation_key
from airflow_provider_emrfs_xacct.pure.checks.state import (
    PROBE_KEY,
    BucketState,
    ChainState,
    ClusterState,
    OtherOwner,
    RefusedRead,
    RoleState,
    Unreadable,
    requested_key_entry,
)
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError
from airflow_provider_emrfs_xacct.pure.kms_keys import NOT_CREATED_YET, is_key_arn
from airflow_provider_emrfs_xacct.pure.merge import parse_document
from airflow_provider_emrfs_xacct.pure.network import (
    StsReachability,
    SubnetFacts,
    cluster_sts_check,
)
from airflow_provider_emrfs_xacct.pure.security_config import read_mapping, role_mappings_of
from airflow_provider_emrfs_xacct.pure.security_groups import NodeGroups, has_core_or_task_nodes
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn, parse_s3_location, region_of_arn

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
    from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
    from airflow_provider_emrfs_xacct.hooks.kms import EmrfsKmsHook
    from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
    from airflow_provider_emrfs_xacct.pure.checks.findings import Report

T = TypeVar("T")


@dataclass
class Readers:
    """The hooks the verifier reads through: the EMR account's IAM and EMR, the destination's IAM, S3, KMS."""

    emr_iam: EmrfsIamHook
    emr: EmrfsEmrHook
    iam: EmrfsIamHook
    s3: EmrfsS3Hook
    kms: EmrfsKmsHook


#: The services whose IAM actions are named as their API operations (Service Authorization Reference, "Actions,
#: resources, and condition keys for Amazon EC2" and the pages of IAM, AWS KMS, AWS STS, Amazon EMR; S3's are not:
#: ``HeadBucket`` is ``s3:ListBucket``): a refused operation of theirs is the action to grant.
ACTIONS_NAMED_AS_OPERATIONS = frozenset({"ec2", "iam", "kms", "sts", "elasticmapreduce"})


def refused_action(action: str, error: ClientError) -> str:
    """
    The action a read was refused: the refused call's own where actions are named as operations (also when the
    read makes several calls: ``read_subnet_facts`` sends ``DescribeSubnets``, ``DescribeRouteTables`` …), else
    ``action``. A refused STS role assumption (:data:`~.findings.ROLE_ASSUMPTIONS`) is the connection's own
    (:func:`~.hooks.errors.assumed_by_connection`), whatever the read: ``sts:AssumeRole``, ``sts:AssumeRoleWithSAML`` …
    """
    service = action.split(":", 1)[0]
    operation = getattr(error, "operation_name", "") or ""
    if operation in ROLE_ASSUMPTIONS:
        return f"sts:{operation}"
    if service not in ACTIONS_NAMED_AS_OPERATIONS or not operation:
        return action
    # Also for a label of several actions ("iam:ListRolePolicies/GetRolePolicy/..."), which is no IAM action.
    return f"{service}:{operation}"


#: Where :func:`read` records each refusal while :func:`recording_refusals` runs (``None``: not recorded). The one
#: piece of state beside the reads' answers: the helpers that call :func:`read` need not pass a list down.
_REFUSALS: ContextVar[list[RefusedRead] | None] = ContextVar("emrfs_xacct_refusals", default=None)


@contextmanager
def recording_refusals(into: list[RefusedRead]) -> Iterator[None]:
    """Record in ``into`` every read refused in the block (:func:`read`), each with its explanation once."""
    token = _REFUSALS.set(into)
    try:
        yield
    finally:
        _REFUSALS.reset(token)


def _record(refused: RefusedRead) -> None:
    refusals = _REFUSALS.get()
    if refusals is not None and refused not in refusals:
        refusals.append(refused)


def read(hook: Any, action: str, resource: str, call: Callable[[], T]) -> T | Unreadable:
    """
    Run one read; a refusal or a failure becomes :class:`Unreadable` with who was refused what, where. A refusal is
    also recorded, with that explanation, for the links it leaves not checked and the report's list of refused reads
    (:func:`recording_refusals`).

    Credentials AWS refuses (expired, not valid: :func:`~.hooks.errors.credentials_problem`) and throttling past the
    retries (:func:`~.hooks.errors.is_throttled`) say nothing about what is read: they are raised, as a task's other
    AWS errors are (retriable: new credentials may come, the rate falls; the command line's exit 6 and 3), not turned
    into links "not checked".

    :param action: the IAM action of the read's call; of its first call when it makes several (the refused one is
        named then: :func:`refused_action`).
    """
    try:
        return call()
    except ClientError as error:
        if says_nothing_of_the_read(error):
            raise
        action = refused_action(action, error)
        if is_access_denied(error):
            return _refused(hook, error, action, resource)
        return Unreadable(f"{action} on {resource} failed in account {account_of(hook)}: {error_code(error)} {error}")
    except (BotoCoreError, EmrfsXacctError) as error:
        if credentials_problem(error):  # none any more (an SSO session or a role's source that ended)
            raise
        return Unreadable(f"{action} on {resource} failed: {error}")


def _refused(hook: Any, error: ClientError, action: str, resource: str) -> Unreadable:
    """
    A refused read, explained and recorded: for the connection's own role assumption, on the role assumed and in its
    account (read from its ARN: no GetCallerIdentity, which would assume the role again).
    """
    role = assumed_by_connection(hook, error)
    if role is not None:
        resource, account, why = role, role_account(role), connection_role_denial(hook, error, role)
    else:
        account = account_of(hook)
        why = denial_message(error, action=action, resource=resource, account=account, conn_id=hook.aws_conn_id)
    _record(RefusedRead(action, hook.aws_conn_id, account, resource, error.operation_name, why))
    return Unreadable(why)


def _also(unreadable: str, another: str) -> str:
    """Every part of a role not read, each with its refused action to grant (not the first alone)."""
    return f"{unreadable}; {another}" if unreadable else another


def read_role(iam: EmrfsIamHook, role_name: str) -> RoleState | Unreadable | None:
    """Read a role: its ARN, trust policy, identity policies (inline and managed), boundary, tags."""
    role = read(iam, "iam:GetRole", f"RoleName={role_name}", lambda: iam.get_role(role_name))
    if role is None or isinstance(role, Unreadable):
        return role
    state = RoleState(str(role["Arn"]), parse_document(role.get("AssumeRolePolicyDocument")))
    policies = read(
        iam,
        "iam:ListRolePolicies/GetRolePolicy/ListAttachedRolePolicies/GetPolicyVersion",
        f"RoleName={role_name}",
        lambda: iam.get_role_policies(role_name),
    )
    if isinstance(policies, Unreadable):
        state.unreadable = f"its policies could not be read: {policies.detail}"
    else:
        state.policies = list(policies)
    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary_arn:
        boundary = read(
            iam,
            "iam:GetPolicyVersion",
            boundary_arn,
            lambda: iam.get_managed_policy(boundary_arn, reread_waits=MANAGED_VERSION_REREAD_WAITS),
        )
        if isinstance(boundary, Unreadable):
            state.unreadable = _also(state.unreadable, f"its permissions boundary could not be read: {boundary.detail}")
        else:
            state.boundary = (f"permissions boundary {boundary_arn.rsplit('/', 1)[-1]}", boundary)
    tags = read(iam, "iam:ListRoleTags", f"RoleName={role_name}", lambda: iam.get_role_tags(role))
    if isinstance(tags, Unreadable):
        state.unreadable = _also(state.unreadable, f"its tags could not be read: {tags.detail}")
    else:
        state.tags = tags
    return state


def pin_bucket_owner(readers: Readers) -> str:
    """
    Make every S3 call of ``readers.s3`` carry ``ExpectedBucketOwner``: the destination account.

    S3 refuses a request on a bucket another account owns with 403 (Amazon S3 User Guide, "Verifying bucket
    ownership with bucket owner condition"), so a mistyped or re-created bucket name of another account is
    never read as if it were the destination's. Returns the account (``(unknown)``, and no pin, when even
    that cannot be read).
    """
    account = account_of(readers.iam)
    if account.isdigit() and len(account) == 12:
        readers.s3.expected_bucket_owner = account
    return account


def _bucket_region(s3: EmrfsS3Hook, bucket: str) -> str | OtherOwner | None:
    """
    HeadBucket with the owner condition: the bucket's Region (``""``: not said), ``None`` when there is no such
    bucket. When S3 refuses it, HeadBucket again without: a bucket that answers then is another account's (the
    condition is all that differs), else the refusal stands.
    """
    try:
        return s3.bucket_region(bucket)
    except ClientError as error:
        if not (s3.expected_bucket_owner and is_access_denied(error)):
            raise
        try:
            found = s3.bucket_region(bucket, any_owner=True)
        except ClientError:
            raise error from None
        if found is not None:
            return OtherOwner(s3.expected_bucket_owner)
        raise


#: The bucket settings :func:`read_bucket` reads, in order: (what a refusal is filed under, the IAM action, the
#: :class:`BucketState` field, the :class:`EmrfsS3Hook` method). Bucket-level Block Public Access: RestrictPublicBuckets
#: and a public policy void the policy's cross-account grants.
BUCKET_READS = (
    ("policy", "s3:GetBucketPolicy", "policy", "get_bucket_policy"),
    ("ownership", "s3:GetBucketOwnershipControls", "object_ownership", "get_object_ownership"),
    ("public access block", "s3:GetBucketPublicAccessBlock", "restrict_public_buckets", "restricts_public_buckets"),
    ("policy status", "s3:GetBucketPolicyStatus", "policy_is_public", "bucket_policy_is_public"),
    ("request payment", "s3:GetBucketRequestPayment", "payer", "request_payer"),
    ("object lock", "s3:GetBucketObjectLockConfiguration", "object_lock_retention", "object_lock_default_retention"),
)


def read_bucket(s3: EmrfsS3Hook, bucket: str, account: str) -> BucketState | Unreadable | OtherOwner | None:
    """
    Read a bucket's Region, policy, object ownership, Block Public Access (RestrictPublicBuckets, whether its
    policy is public), request payment (Requester Pays), Object Lock default retention and default encryption,
    resolving its key through
    DescribeKey. A bucket another account owns (:func:`pin_bucket_owner`) is not read: :class:`OtherOwner`.
    """
    if not (account.isdigit() and len(account) == 12):  # account_of's "(unknown)": sts:GetCallerIdentity failed
        # Whose writes are another account's, and so need the bucket policy too, turns on the owner (IAM User
        # Guide, "Cross-account policy evaluation logic"): not known, the bucket is not judged as anyone's.
        return Unreadable(
            f"s3://{bucket}: the destination connection's account could not be read (sts:GetCallerIdentity), "
            "so the bucket's owner, which decides whose writes are cross-account, is not known"
        )
    region = read(s3, "s3:ListBucket", f"Bucket={bucket}", partial(_bucket_region, s3, bucket))
    if isinstance(region, (Unreadable, OtherOwner)):
        return region
    if region is None:
        return None
    state = BucketState(account=account, region=region or None)
    for label, action, attribute, method in BUCKET_READS:
        value = read(s3, action, f"Bucket={bucket}", partial(getattr(s3, method), bucket))
        if isinstance(value, Unreadable):
            state.unreadable[label] = value.detail
        else:
            setattr(state, attribute, value)
    if "public access block" not in state.unreadable:  # the same answer, kept by the hook: no second call
        state.block_public_acls = s3.blocks_public_acls(bucket)
    if state.object_ownership != "BucketOwnerEnforced":  # ACLs enabled, or not known: the ACL may grant access
        grants = read(s3, "s3:GetBucketAcl", f"Bucket={bucket}", lambda: s3.bucket_acl_grants_to_others(bucket))
        if isinstance(grants, Unreadable):
            state.unreadable["acl"] = grants.detail
        else:
            state.acl_grants = tuple(grants)
    encryption = read(
        s3, "s3:GetEncryptionConfiguration", f"Bucket={bucket}", lambda: s3.get_default_encryption(bucket)
    )
    if isinstance(encryption, Unreadable):
        state.unreadable["encryption"] = encryption.detail
        return state
    state.sse_algorithm = encryption.get("SSEAlgorithm")
    state.kms_key_id = encryption.get("KMSMasterKeyID")
    state.bucket_key_enabled = bool(encryption.get("BucketKeyEnabled"))
    return state


def key_region(key: str, bucket_region: str | None) -> str | None:
    """
    The Region KMS is asked about ``key`` in: a key ARN or alias ARN names its own Region
    (``arn:aws:kms:us-east-2:111122223333:key/...``: AWS KMS API Reference, DescribeKey, ``KeyId``), and a key is
    known only to KMS of its Region (AWS KMS Developer Guide, "AWS KMS keys": KMS keys are Regional), whatever the
    bucket's Region says; an alias name or key id is resolved in the Region the request goes to, the bucket's.
    ``None``: not known (the connection's Region is asked).
    """
    if key.startswith("arn:") and region_of_arn(key):
        return region_of_arn(key)
    return bucket_region or None


def not_found_in_guessed_region(kms: EmrfsKmsHook, key: str) -> Unreadable:
    """
    Why a key DescribeKey did not find is not said not to exist, when the Region asked was only the connection's:
    the bucket's Region was not said (HeadBucket), and KMS of another Region does not know the key (AWS KMS Developer
    Guide, "AWS KMS keys": KMS keys are Regional).
    """
    return Unreadable(
        f"KMS of Region {kms.conn_region_name} has no key {key}, but the bucket's Region was not said (HeadBucket), "
        f"so {kms.conn_region_name}, the destination connection's Region, was asked: the key may be one of the "
        "bucket's Region; name it by its key ARN"
    )


def resolve_key(kms: EmrfsKmsHook, configured: str) -> dict[str, Any] | Unreadable | None:
    """
    DescribeKey on the key the bucket names (an id, an ARN or an alias): its ARN, manager and state. Never on a
    predefined AWS alias, which would make KMS create the key: :func:`aws_managed_key_arn` first.
    """
    return read(kms, "kms:DescribeKey", configured, lambda: kms.describe_key(configured))


def read_chain_state(
    readers: Readers,
    *,
    security_configuration: str | None,
    emr_ec2_role_name: str = "EMR_EC2_DefaultRole",
    cluster_id: str | None = None,
    release_label: str | None = None,
    s3_prefixes: Iterable[str] = (),
    created_document: Callable[[], dict[str, Any] | None] | None = None,
) -> ChainState:
    """
    Read everything the checks need, from the EMR account and the destination account; every refused read in
    :attr:`ChainState.refused_reads`.

    :param created_document: when no cluster is named, returns the document the configuration's create
        task pushed (``None``: none), read only if the configuration is gone: the launch creates it again
        from that document, so the chain is checked with it (and a WARN says so).
    """
    refused: list[RefusedRead] = []
    with recording_refusals(refused):
        state = _read_chain_state(
            readers,
            security_configuration=security_configuration,
            emr_ec2_role_name=emr_ec2_role_name,
            cluster_id=cluster_id,
            release_label=release_label,
            s3_prefixes=s3_prefixes,
            created_document=created_document,
        )
    state.refused_reads = refused
    return state


def _read_chain_state(
    readers: Readers,
    *,
    security_configuration: str | None,
    emr_ec2_role_name: str,
    cluster_id: str | None,
    release_label: str | None,
    s3_prefixes: Iterable[str],
    created_document: Callable[[], dict[str, Any] | None] | None,
) -> ChainState:
    destination_account = pin_bucket_owner(readers)
    region = _region(readers.s3)
    emr_role = read_role(readers.emr_iam, emr_ec2_role_name)
    if security_configuration is None:  # the option (a) chain
        cluster = _read_cluster(readers.emr, cluster_id, release_label, readers.emr_iam)
        # The configuration the cluster runs, if any: its encryption settings apply (checks/cluster.py judges it).
        runs = cluster.identity.security_configuration if isinstance(cluster.identity, ClusterState) else None
        document = None if runs is None else _read_security_configuration(readers.emr, runs)
    else:
        document = _read_security_configuration(readers.emr, security_configuration)
    from_create_task = False
    if document is None and cluster_id is None and created_document is not None:
        document = created_document()
        from_create_task = document is not None
    if security_configuration is not None:
        cluster = _read_cluster(readers.emr, cluster_id, release_label, readers.emr_iam)
    mappings = [read_mapping(mapping) for mapping in role_mappings_of(document)]
    extra = list(s3_prefixes)
    roles: dict[str, RoleState | Unreadable | None] = {}
    for mapping in mappings:
        if mapping.role is not None:  # an unread Role is "not checked" (checks/chain.py)
            roles[mapping.role] = _read_mapped_role(readers.iam, mapping.role, destination_account)
    prefixes = {prefix for mapping in mappings if mapping.kind == "Prefix" for prefix in mapping.identifiers}
    buckets = _read_buckets(readers.s3, sorted(prefixes | set(extra)), destination_account)
    account_restrict = _read_account_restrict(readers.s3, destination_account) if buckets else None
    # The same answer, kept by the hook: no second call.
    account_block_acls = (
        readers.s3.account_blocks_public_acls(destination_account)
        if isinstance(account_restrict, bool)
        else account_restrict
    )
    key_policies: dict[str, dict[str, Any] | Unreadable | None] = {}
    key_states: dict[str, str] = {}
    key_kinds: dict[str, dict[str, str]] = {}
    for bucket in buckets.values():
        if isinstance(bucket, BucketState):
            _read_bucket_key(readers.kms, bucket, destination_account, key_policies, (key_states, key_kinds))
    state = ChainState(
        emr_role=emr_role,
        security_configuration_name=security_configuration,
        security_configuration=document,
        destination_roles=roles,
        buckets=buckets,
        key_policies=key_policies,
        key_states=key_states,
        key_kinds=key_kinds,
        release_label=cluster.release_label,
        ignored_release_label=cluster.ignored_release_label,
        cluster_configurations=cluster.configurations,
        instance_configurations=cluster.instance_configurations,
        prefixes_for_principal_mappings=extra,
        region=region,
        cluster_unreadable=cluster.unreadable,
        sts_reachability=cluster.sts,
        subnet=cluster.subnet,
        cluster=cluster.identity,
        emr_ec2_role_name=emr_ec2_role_name,
        account_restrict_public_buckets=account_restrict,
        account_block_public_acls=account_block_acls,
        security_configuration_from_create_task=from_create_task,
    )
    for name, bucket in buckets.items():
        if isinstance(bucket, BucketState):
            _read_requested_key(readers.kms, state, name, bucket, destination_account)
    return state


def _read_security_configuration(emr: EmrfsEmrHook, name: str) -> dict[str, Any] | Unreadable | None:
    return read(
        emr,
        "elasticmapreduce:DescribeSecurityConfiguration",
        f"Name={name}",
        lambda: emr.describe_security_configuration(name),
    )


def _read_requested_key(
    kms: EmrfsKmsHook, state: ChainState, bucket_name: str, bucket: BucketState, destination_account: str
) -> None:
    """
    Resolve the key the uploads to the bucket ask for, when it is not the bucket's default key, and read its
    policy and state into ``state`` (:attr:`ChainState.requested_keys`).

    DescribeKey takes a key id, key ARN, alias name or alias ARN; a key of another account only by ARN (AWS
    KMS API Reference, DescribeKey, KeyId). A key ARN or alias ARN of another account than the destination
    connection's is not read; an alias or key id is resolved here in the destination account and the bucket's
    Region, which is where S3 resolves it for writers of that account (S3 API Reference, PutObject,
    x-amz-server-side-encryption-aws-kms-key-id); the check says when writers are in another account. The AWS
    managed key named by its predefined alias (``alias/aws/s3``, by name or ARN) is read without DescribeKey, which
    would create it (:func:`aws_managed_key_arn`), and judged with the policy AWS gives it, as the bucket's.
    """
    sse, key = requested_encryption(state, bucket_name) or (None, None)
    if sse != "aws:kms" or not key or key in (bucket.kms_key_arn, bucket.kms_key_id):
        return
    entry = requested_key_entry(key, bucket)
    if entry in state.requested_keys:
        return
    if key.startswith("arn:") and account_of_arn(key) != destination_account:
        state.requested_keys[entry] = Unreadable(
            f"the key is in account {account_of_arn(key)}; the destination connection acts in account "
            f"{destination_account} and cannot read it"
        )
        return
    region = key_region(key, bucket.region)  # S3 of the bucket's Region resolves and uses it (_read_bucket_key)
    kms = kms.in_region(region)
    managed = aws_managed_key_arn(kms, key, destination_account, region)
    if managed is not None:
        state.requested_keys[entry] = managed
        if isinstance(managed, str):
            # Judged as the bucket's aws/s3 is (checks/key_user.py): with the policy AWS gives it, which nobody can
            # change; one not created yet has no grants either (none to read: ListGrants would find no key).
            state.key_policies.setdefault(managed, aws_managed_key_policy(destination_account, managed))
            state.key_kinds.setdefault(managed, {"KeyManager": "AWS"})
            if managed.endswith(f":key/{NOT_CREATED_YET}"):
                state.key_grants.setdefault(managed, [])
        return
    described = resolve_key(kms, key)
    if not isinstance(described, dict):
        guessed = described is None and not region
        state.requested_keys[entry] = not_found_in_guessed_region(kms, key) if guessed else described
        return
    state.requested_keys[entry] = _read_described_key(
        kms, described, destination_account, state.key_policies, (state.key_states, state.key_kinds)
    )


def _read_account_restrict(s3: EmrfsS3Hook, account: str) -> bool | Unreadable | None:
    """
    The destination account's Block Public Access RestrictPublicBuckets (s3control GetPublicAccessBlock): S3
    applies the most restrictive of it and the bucket's own (S3 API Reference, GetPublicAccessBlock).
    """
    if not (account.isdigit() and len(account) == 12):
        return None
    return read(
        s3,
        "s3:GetAccountPublicAccessBlock",
        f"AccountId={account}",
        lambda: s3.account_restricts_public_buckets(account),
    )


def _region(s3: EmrfsS3Hook) -> str:
    """The destination connection's region (the connection's, else the hook's, else us-east-1)."""
    try:
        return str(s3.conn_region_name)
    except Exception:
        return s3.region_name or "us-east-1"


@dataclass
class _ClusterFacts:
    """What the checks take from a running cluster: its release, configurations and route to STS."""

    release_label: str | None
    #: A ``release_label`` given beside the cluster that is not its own release (the checks judge the cluster's).
    ignored_release_label: str | None = None
    configurations: list[dict[str, Any]] | None = None
    #: Each instance group's or fleet instance type's own configurations, named (``None``: no cluster read).
    instance_configurations: list[tuple[str, list[dict[str, Any]]]] | Unreadable | None = None
    unreadable: str = ""
    sts: StsReachability | Unreadable | None = None
    #: The cluster's subnet's routes and endpoints (``None``: no cluster subnet read), for the route to S3.
    subnet: SubnetFacts | Unreadable | None = None
    identity: ClusterState | Unreadable | None = None


def _read_cluster(
    emr: EmrfsEmrHook, cluster_id: str | None, release_label: str | None, emr_iam: EmrfsIamHook
) -> _ClusterFacts:
    """
    DescribeCluster (when a cluster is named): its release, configurations, security configuration and
    instance profile's role (iam:GetInstanceProfile in the EMR account) and, with a subnet, its route to STS. With
    the cluster not read, its release is unknown (a ``release_label`` given beside it is named, not judged); read, its
    own ``ReleaseLabel`` is its release, none when it shows none (an AMI-version cluster: ``checks/release.py``).
    """
    facts = _ClusterFacts(release_label)
    if cluster_id is None:
        return facts
    cluster = read(
        emr,
        "elasticmapreduce:DescribeCluster",
        f"ClusterId={cluster_id}",
        lambda: emr.describe_cluster(cluster_id),
    )
    if isinstance(cluster, Unreadable):
        # The cluster's release is unknown, not the release_label given beside it (for a check without a cluster, and
        # maybe stale: judged, an old one FAILed the release link): the links that depend on it are not checked.
        facts.release_label = None
        hint = f" (release_label {release_label!r} was given; the cluster's own release was not read)"
        facts.unreadable = cluster.detail + (hint if release_label is not None else "")
        facts.identity = cluster
        return facts
    profile = (cluster.get("Ec2InstanceAttributes") or {}).get("IamInstanceProfile")
    facts.identity = ClusterState(
        cluster_id,
        cluster.get("SecurityConfiguration"),
        profile,
        _profile_role(emr_iam, profile),
        (cluster.get("Status") or {}).get("State"),
    )
    # The release the cluster runs decides its connector and settings, not a release_label given beside it (which
    # is for a check without a cluster: a stale one would judge EMRFS's settings on an S3A cluster).
    # Said in the report (a WARN naming both), not silently dropped: the caller's label may be stale or a typo.
    # A cluster without a ReleaseLabel runs no release label at all: "The release label applies only to Amazon EMR
    # releases version 4.0 and later. Earlier versions use AmiVersion" (Amazon EMR API Reference, "Cluster"), and
    # checks/release.py judges that, never the label given beside it.
    own = cluster.get("ReleaseLabel") or None
    if release_label is not None and str(release_label).strip() != own:
        facts.ignored_release_label = release_label
    facts.release_label = own
    facts.configurations = cluster.get("Configurations", [])
    fleets = cluster.get("InstanceCollectionType") == "INSTANCE_FLEET"
    collections = read(
        emr,
        f"elasticmapreduce:{'ListInstanceFleets' if fleets else 'ListInstanceGroups'}",
        f"ClusterId={cluster_id}",
        lambda: emr.instance_collections(cluster_id, fleets),
    )
    facts.instance_configurations = (
        collections if isinstance(collections, Unreadable) else instance_configurations_of(collections, fleets)
    )
    instances = cluster.get("Ec2InstanceAttributes") or {}
    subnet = instances.get("Ec2SubnetId")
    if subnet and facts.release_label:
        groups = _instance_security_groups(instances, collections)
        answered_around: list[RefusedRead] = []  # the refusals the hook reads past (ec2:DescribeNatGateways …)
        subnet_facts = read(
            emr, "ec2:DescribeSubnets", f"SubnetId={subnet}", partial(emr.subnet_facts, subnet, groups, answered_around)
        )
        for refused in answered_around:
            _record(refused)
        facts.subnet = subnet_facts
        facts.sts = (
            subnet_facts
            if isinstance(subnet_facts, Unreadable)
            else cluster_sts_check(facts.release_label, subnet_facts, facts.configurations)
        )
    return facts


def _instance_security_groups(instances: dict[str, Any], collections: list[dict[str, Any]] | Unreadable) -> NodeGroups:
    """
    The security groups of a cluster's instances by side (EMR API Reference, "Ec2InstanceAttributes":
    ``EmrManagedMasterSecurityGroup`` "for the master node" and ``AdditionalMasterSecurityGroups``;
    ``EmrManagedSlaveSecurityGroup`` "for the core and task nodes" and ``AdditionalSlaveSecurityGroups``; the service
    access group is EMR's, not theirs): an endpoint's rule naming one side's group lets in only that side's nodes.
    ``DescribeCluster`` names the core and task nodes' groups even for a cluster without such nodes: whether it has
    any is read from its instance groups or fleets (``collections``; :func:`~.security_groups.has_core_or_task_nodes`).
    """

    primary = (
        instances.get("EmrManagedMasterSecurityGroup"),
        *instances.get("AdditionalMasterSecurityGroups", []),
    )
    core_and_task = (
        instances.get("EmrManagedSlaveSecurityGroup"),
        *instances.get("AdditionalSlaveSecurityGroups", []),
    )
    return NodeGroups(
        primary=tuple(sorted({str(group) for group in primary if group})),
        core_and_task=tuple(sorted({str(group) for group in core_and_task if group})),
        core_and_task_nodes=None if isinstance(collections, Unreadable) else has_core_or_task_nodes(collections),
        nodes_unread=collections.detail if isinstance(collections, Unreadable) else "",
    )


def _profile_role(iam: EmrfsIamHook, profile: str | None) -> str | Unreadable | None:
    """The name of the role in an instance profile (named by name or ARN), read with iam:GetInstanceProfile."""
    if not profile:
        return None
    name = profile.rsplit("/", 1)[-1]
    answer = read(
        iam,
        "iam:GetInstanceProfile",
        f"InstanceProfileName={name}",
        lambda: iam.conn.get_instance_profile(InstanceProfileName=name),
    )
    if isinstance(answer, Unreadable):
        return answer
    roles = answer["InstanceProfile"].get("Roles") or []
    return str(roles[0]["RoleName"]) if roles else None


def _read_buckets(
    s3: EmrfsS3Hook, prefixes: list[str], destination_account: str
) -> dict[str, BucketState | Unreadable | OtherOwner | None]:
    """Read each bucket the prefixes name, once."""
    buckets: dict[str, BucketState | Unreadable | OtherOwner | None] = {}
    for prefix in prefixes:
        try:
            name = parse_s3_location(prefix, "prefix", allow_bucket_root=True).bucket
        except EmrfsXacctError:
            continue  # the checks report the identifier itself
        if name not in buckets:
            buckets[name] = read_bucket(s3, name, destination_account)
    return buckets


def _read_bucket_key(
    kms: EmrfsKmsHook,
    bucket: BucketState,
    destination_account: str,
    key_policies: dict[str, dict[str, Any] | Unreadable | None],
    described_as: tuple[dict[str, str], dict[str, dict[str, str]]],
) -> None:
    """
    Resolve the bucket's default KMS key and read its policy into ``key_policies`` (its state and kind into
    ``described_as``: :func:`_read_described_key`),
    with KMS of the bucket's Region: S3 uses a key of the bucket's own Region only (Amazon S3 User Guide, "Using
    server-side encryption with AWS KMS keys (SSE-KMS)"), and ``alias/aws/s3`` or a key id names a key of the
    Region the request is sent to (AWS KMS Developer Guide, "AWS managed keys": one per service and Region). A key
    named by key or alias ARN is read in the ARN's Region (:func:`key_region`); one not found where the Region was
    only the connection's guess is not checked (:func:`not_found_in_guessed_region`), never "does not exist".
    """
    if bucket.sse_algorithm not in SSE_KMS_ALGORITHMS:
        return  # no KMS key
    configured = bucket.kms_key_id or AWS_MANAGED_S3_ALIAS  # none named: S3 uses aws/s3
    region = key_region(configured, bucket.region)
    kms = kms.in_region(region)
    managed = aws_managed_key_arn(kms, configured, destination_account, region)
    if managed is not None:
        # The AWS managed key aws/s3: its ARN, for judging the writers' own policies on it (checks/key_user.py).
        bucket.aws_managed_key_arn = managed
        if bucket.kms_key_id:
            bucket.kms_key_manager = "AWS"
        return
    key = resolve_key(kms, configured)
    if key is None or isinstance(key, Unreadable):
        bucket.kms_key_arn = configured
        guessed = key is None and not region
        key_policies[configured] = not_found_in_guessed_region(kms, configured) if guessed else key
        return
    bucket.kms_key_manager = key.get("KeyManager")
    if key.get("KeyManager") == "AWS":
        # aws/s3, whose policy is AWS's own (checks/key_user.py), only if its alias names this key: AWS has a
        # managed key per service (AWS KMS Developer Guide, "AWS managed keys"), another service's is not S3's.
        s3_key = read(kms, "kms:ListAliases", AWS_MANAGED_S3_ALIAS, lambda: kms.alias_target(AWS_MANAGED_S3_ALIAS))
        arn = str(key["Arn"])
        if isinstance(s3_key, Unreadable):
            bucket.aws_managed_key_arn, bucket.kms_key_s3_managed = s3_key, None
        elif names_s3_managed_key(s3_key, key):
            bucket.aws_managed_key_arn = arn
        else:
            bucket.aws_managed_key_arn, bucket.kms_key_s3_managed = other_service_key(arn), False
        return
    bucket.kms_key_arn = _read_described_key(kms, key, destination_account, key_policies, described_as)


def other_service_key(key: str) -> Unreadable:
    """
    Why an AWS managed key of another service than S3 (``alias/aws/ebs``) is not judged: its key policy is AWS's,
    kept by AWS ("When a service uses AWS owned keys or AWS managed keys, the service establishes and maintains the
    key policies": AWS KMS Developer Guide, "Permissions for AWS services in key policies"), and the ones AWS shows
    allow its use only through that service (``kms:ViaService``: AWS KMS Developer Guide, "kms:CallerAccount").
    """
    return Unreadable(
        f"{key} is the AWS managed key of another AWS service than S3, whose key policy AWS keeps and which lets only "
        "that service use it: S3 is not known to be able to; name a customer managed key (its ARN), or aws/s3"
    )


def predefined_aws_alias(key_id: str) -> str | None:
    """The predefined AWS alias (``alias/aws/s3``) ``key_id`` names, by name or by ARN; ``None`` for anything else."""
    service = predefined_alias_service(key_id)
    return None if service is None else f"{AWS_ALIAS_PREFIX}{service}"


def aws_managed_key_arn(
    kms: EmrfsKmsHook, key_id: str, account: str | None = None, region: str | None = None
) -> str | Unreadable | None:
    """
    The ARN of the AWS managed key ``key_id`` names when it is a predefined AWS alias (:func:`predefined_aws_alias`),
    without creating it; ``None`` when it is not one (:func:`resolve_key` then describes it). Every key the verifier
    and the probe resolve goes through here first: the bucket's default key, the key the uploads ask for, the key
    the probe object must be under.

    :param kms: KMS of the Region the alias is resolved in (the bucket's: :meth:`EmrfsKmsHook.in_region`).
    :param account: the destination account, whose key it is (``None``: the alias ARN's, else the hook's).
    :param region: the key's Region in its ARN (``None``: the hook's).

    Read with ``ListAliases`` (:meth:`EmrfsKmsHook.alias_target`), not ``DescribeKey``, which on a predefined alias
    with no key yet makes KMS create the key (AWS KMS API Reference, "DescribeKey"): a change in the partner's
    account that a verifier, and a dry run, must not make. Not created yet, S3 has KMS create it on the first write
    encrypted with it, and its policy is AWS's own whatever its id: the writers' policies are judged on
    :data:`~airflow_provider_emrfs_xacct.pure.kms_keys.NOT_CREATED_YET` in its place, which a statement
    naming the account's keys by wildcard matches and one naming a key by its id cannot.
    """
    alias = predefined_aws_alias(key_id)
    if alias is None:
        return None
    if alias != AWS_MANAGED_S3_ALIAS:
        return other_service_key(alias)
    if account is not None and key_id.startswith("arn:") and account_of_arn(key_id) != account:
        # Its policy, AWS's, lets only principals of its own account use it (AWS KMS Developer Guide,
        # "kms:CallerAccount"): not the destination account's aws/s3, which ListAliases would find here.
        return Unreadable(
            f"{key_id} is the AWS managed key aws/s3 of account {account_of_arn(key_id)}, not of the destination "
            f"account {account}: its policy lets only principals of its own account use it; name a customer "
            "managed key (its ARN)"
        )
    target = read(kms, "kms:ListAliases", alias, lambda: kms.alias_target(alias))
    if isinstance(target, Unreadable):
        return target
    if account is None:
        account = account_of_arn(key_id) if key_id.startswith("arn:") else account_of(kms)
    region = region or kms.conn_region_name
    return f"arn:{kms.conn_partition}:kms:{region}:{account}:key/{target or NOT_CREATED_YET}"


def _read_described_key(
    kms: EmrfsKmsHook,
    described: dict[str, Any],
    destination_account: str,
    key_policies: dict[str, dict[str, Any] | Unreadable | None],
    described_as: tuple[dict[str, str], dict[str, dict[str, str]]],
) -> str:
    """
    Record a key DescribeKey returned (its state and kind into ``described_as``: :attr:`ChainState.key_states`,
    :attr:`ChainState.key_kinds`) and read its policy once into
    ``key_policies`` (a key of another account than the destination connection's cannot be read); return its ARN.
    """
    arn = str(described["Arn"])
    key_states, key_kinds = described_as
    key_states[arn] = str(described.get("KeyState", "Enabled"))
    key_kinds[arn] = {
        field: str(described[field]) for field in ("KeySpec", "KeyUsage", "KeyManager") if described.get(field)
    }
    if account_of_arn(arn) != destination_account:
        key_policies[arn] = Unreadable(
            f"the key is in account {account_of_arn(arn)}; the destination connection acts in account "
            f"{destination_account} and cannot read its policy"
        )
    elif arn not in key_policies:
        key_policies[arn] = read(kms, "kms:GetKeyPolicy", arn, partial(kms.read_key_policy, arn))
    return arn


def _read_mapped_role(iam: EmrfsIamHook, arn: str, destination_account: str) -> RoleState | Unreadable | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        return Unreadable(f"{arn} is not an IAM role ARN")
    if parts[4] != destination_account:
        return Unreadable(
            f"the role is in account {parts[4]}; the destination connection acts in account "
            f"{destination_account} and cannot read it (give the verifier a connection to that account: the live "
            "probe writes as the destination account's roles only)"
        )
    # Role names are unique in an account whatever their path: GetRole by name finds the role, and the
    # checks compare its whole ARN (partition, account, path, name) with the mapping's.
    return read_role(iam, parts[5].rsplit("/", 1)[-1])


#: Answers of ``iam:SimulatePrincipalPolicy`` that mean "not now" rather than "not available": the throttling codes
#: botocore's standard retries count as throttling (``botocore/retries/standard.py``), and IAM's ``ServiceUnavailable``
#: (IAM API Reference, "Common Errors": "ThrottlingException – The request was denied due to request throttling. HTTP
#: Status Code: 400"; "ServiceUnavailable – The request has failed due to a temporary failure of the server. HTTP
#: Status Code: 503").
TRANSIENT_SIMULATOR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "InternalFailure",
    }
)


def _transient_simulator_error(error: Exception) -> bool:
    """
    Whether ``error`` (what the simulator call raised once the provider's retries ran out) says "throttled or
    unavailable for now": a throttling code, a 5xx other than ``501 NotImplemented`` (an endpoint without the
    simulator: the local stand-in), or a connection that failed or timed out.
    """
    if isinstance(error, ClientError):
        status = http_status(error)
        return error_code(error) in TRANSIENT_SIMULATOR_CODES or (
            status >= 500 and status != 501 and error_code(error) != "NotImplemented"
        )
    return isinstance(error, (BotoCoreConnectionError, HTTPClientError))


def _simulator_note(account: str, error: Exception) -> str:
    """Why ``account``'s ``iam:SimulatePrincipalPolicy`` gave no (more) answers, from what the call raised."""
    why = (error_code(error) or http_status(error) if isinstance(error, ClientError) else None) or type(error).__name__
    if _transient_simulator_error(error):
        return (
            f"iam:SimulatePrincipalPolicy is {NOT_NOW} ({why}, after the provider's retries) in {account}: the "
            "second opinion was not obtained; verify again later"
        )
    if isinstance(error, ClientError):
        return f"iam:SimulatePrincipalPolicy is not available to this connection ({why}) in {account}: not asked there"
    # e.g. botocore cannot parse an HTTP 500 page: no second opinion there, no crash
    return f"iam:SimulatePrincipalPolicy could not be called ({why}) in {account}: not asked there"


def second_opinion(readers: Readers, state: ChainState, report: Report) -> None:
    """
    Ask ``iam:SimulatePrincipalPolicy`` about the identity side of every request the checks evaluated.

    The EMR role is asked about through the EMR account's connection, the destination roles through the
    destination's (IAM simulates the caller's own account's entities), once per distinct request, context included:
    the answer holds for the ``ContextEntries`` sent (IAM API Reference, "SimulatePrincipalPolicy"). Each call has the
    provider's standard retries (throttling, 5xx). A connection whose answer shows its simulator is not available
    (the local stand-in answers ``NotImplemented``; a connection may not be allowed to call it) or that stays
    throttled or unavailable once the retries ran out is not asked again; the other one still is, and the answers
    obtained are kept in ``state.simulations``, ``state.simulation_note`` naming the account not (fully) asked and
    why. ``state.simulations`` stays ``None`` only when no answer was obtained and none was cut short (no second
    opinion, and none claimed); a transient failure is reported by :func:`~.pure.checks.second_opinion.audit` as a
    link not checked (the verdict is not ``PASS`` on a second opinion it did not get).
    """
    emr_arn = state.emr_role.arn if isinstance(state.emr_role, RoleState) else None
    answers: dict[tuple[str, ...], str] = {}
    notes: dict[str, str] = {}  # by account: why its simulator gave no (more) answers
    for item in report.evaluated:
        account, hook = (
            ("the EMR account", readers.emr_iam)
            if item.principal == emr_arn
            else ("the destination account", readers.iam)
        )
        key = simulation_key(item.principal, item.action, item.resource, item.context)
        if key in answers or account in notes:
            continue
        try:
            answers[key] = hook.simulate_principal_policy(item.principal, item.action, item.resource, item.context)
        except Exception as error:
            notes[account] = _simulator_note(account, error)
    state.simulation_note = "; ".join(notes.values())
    cut_short = NOT_NOW in state.simulation_note
    state.simulations = answers if answers or cut_short else None


def read_key_grants(kms: EmrfsKmsHook, state: ChainState, key_arns: Iterable[str]) -> None:
    """
    Read the grants of each key into :attr:`ChainState.key_grants` (a refusal, or a failure, as why not), with KMS
    of the key's Region: KMS authorizes through grants too (AWS KMS Developer Guide, "KMS key access and
    permissions"), so a key policy that does not allow a writer does not settle its link. A refusal is added to
    :attr:`ChainState.refused_reads`.
    """
    with recording_refusals(state.refused_reads):
        for arn in sorted(key_arns):
            regional = kms.in_region(region_of_arn(arn))
            state.key_grants[arn] = read(regional, "kms:ListGrants", arn, partial(regional.list_grants, arn))


def verify_chain(readers: Readers, *, simulate: bool = True, **kwargs: Any) -> tuple[Report, ChainState]:
    """Read the chain (see :func:`read_chain_state`), ask the simulator for a second opinion, check every link."""
    state = read_chain_state(readers, **kwargs)
    report = check_chain(state)
    if report.grants_wanted:  # the policies do not allow a writer's KMS call: a grant may
        read_key_grants(readers.kms, state, report.grants_wanted)
        report = check_chain(state)
    if simulate and report.evaluated:
        second_opinion(readers, state, report)
        if state.simulations is not None:
            report = check_chain(state)
    return report, state


# The live probe -------------------------------------------------------------------------------


def probe_key(prefix: str) -> str:
    """Return a fresh S3 location under ``prefix`` for one probe object."""
    location = parse_s3_location(prefix, "prefix", allow_bucket_root=True)
    return f"{location.uri}{PROBE_KEY}/{uuid.uuid4().hex}"


def probe_targets(state: ChainState, destination_account: str | None) -> tuple[list[str], list[dict[str, Any]]]:
    """
    Where the live probe writes, and what it leaves out (``not_probed``: ``{"identifier", "mapping", "why", "how"}``,
    ``how``: how else to check it).

    The verification is about the destination account, the one ``destination_aws_conn_id`` acts in: the roles it
    reads and judges are that account's, and every S3 call of the verifier, the probe's checks and deletes included,
    carries ``ExpectedBucketOwner`` set to it (:func:`pin_bucket_owner`), which S3 refuses on a bucket another account
    owns (Amazon S3 User Guide, "Verifying bucket ownership with bucket owner condition": the request fails). So the
    probe writes under a ``Prefix`` identifier only where its mapping names a role of the destination account (by its
    ARN; another account's role is another tenant's, whose writes this verification neither judges nor makes), the
    identifier is of the ``s3://bucket/prefix`` form the Amazon EMR Management Guide shows ("Configure IAM roles for
    EMRFS requests to Amazon S3") with a bucket name of S3's rules (Amazon S3 User Guide, "Bucket naming rules"; an
    ``s3a://`` identifier, or an old bucket name with capitals or underscores, names no key the probe can write and
    check), its bucket was read as the destination account's (``HeadBucket`` with the owner condition answered):
    elsewhere the verifier could neither check nor delete its object; and each write of the probe there is known to go
    as that mapping's role (:func:`~.routing.probe_taker`): EMRFS uses the first mapping that matches (the same
    guide), so an earlier mapping that may take it (a ``User``/``Group`` mapping, one not read, one whose identifier
    matches it or EMRFS may match otherwise) may send it as its own role, perhaps another tenant's (and a write whose
    route is not known settles nothing of the mapping). With no ``Prefix`` identifier in the
    configuration (option (a), or a configuration without), the prefixes given (``s3_prefixes``), by the same bucket
    rule. Each one left out is not probed, its links keep what the reads found.

    :param destination_account: the account every S3 call of the verifier expects as the bucket owner (``None``: not
        known, so no bucket is known to be the destination account's, and nothing is probed).
    """
    document = state.security_configuration
    if state.security_configuration_name is None:  # option (a): the cluster's own mappings are not the verified ones
        document = None
    elif not isinstance(document, dict):
        why = "the security configuration was not read, so the prefixes its mappings take are not known"
        how = "let the EMR connection read it (elasticmapreduce:DescribeSecurityConfiguration), then verify again"
        return [], [{"identifier": None, "mapping": None, "why": why, "how": how}]
    mapped = [(index, read_mapping(mapping)) for index, mapping in enumerate(role_mappings_of(document))]
    candidates: list[tuple[int | None, str | None, str]] = [
        (index, read.role, value) for index, read in mapped if read.kind == "Prefix" for value in read.identifiers
    ] or [(None, None, value) for value in state.prefixes_for_principal_mappings]
    targets: list[str] = []
    left_out: list[dict[str, Any]] = []
    for index, role, identifier in candidates:
        why, how = _not_probed(state, destination_account, index, role, identifier)
        if why:
            left_out.append({"identifier": identifier, "mapping": index, "why": why, "how": how})
        elif identifier not in targets:
            targets.append(identifier)
    return targets, left_out


#: How to check what the probe does not write under, in a bucket or as a role of another account.
ELSEWHERE = "verify that account's chain with a connection to it (a verifier and probe of its own)"


def _not_probed(
    state: ChainState, destination_account: str | None, index: int | None, role: str | None, identifier: str
) -> tuple[str, str]:
    """
    Why the probe does not write under ``identifier`` (of mapping ``index``, as ``role``), and how else to check it;
    ``("", "")``: it does.
    """
    if not destination_account:
        return (
            "the destination connection's account was not read, so no bucket is known to be the destination "
            "account's: the probe writes only where the verifier can check and delete its object",
            "let the destination connection read its own account (sts:GetCallerIdentity), then verify again",
        )
    if index is not None and (role is None or account_of_arn(role) != destination_account):
        whose = (
            "its mapping's role could not be read"
            if role is None
            else f"its role {role} is not of the destination account {destination_account}"
        )
        return (
            f"{whose}: the probe writes only as the destination account's roles, never as another account's role "
            "or in its buckets",
            ELSEWHERE,
        )
    try:
        location = parse_s3_location(identifier, "identifier", allow_bucket_root=True)
    except EmrfsXacctError as error:
        problem = getattr(error, "problem", str(error))
        return (
            f"not of the s3://bucket/prefix form the probe writes under ({problem})",
            "whether EMRFS matches it is not documented: a job's own write under it shows which role it gets",
        )
    shell = _put_cannot_write(location.prefix)
    if shell:
        return shell
    taker = "" if index is None else probe_taker(role_mappings_of(state.security_configuration), str(role), location)
    if taker:
        return (
            f'{taker}; EMRFS uses the first mapping that matches (Amazon EMR Management Guide, "Configure IAM roles '
            f"for EMRFS requests to Amazon S3\"), so the probe's write is not known to go as {role} (mapping {index}): "
            "the probe writes only where each of its writes is known to go as its mapping's role, never as another "
            "tenant's role",
            f"make mapping {index} of the documented shape (its Identifiers a list of s3://bucket/prefix strings) and "
            "let no mapping before it take its prefix (a User or Group mapping, one not read, or one of another role "
            "whose identifier matches or may match it: put this mapping first, or give that one an s3://bucket/prefix "
            "identifier that does not match), then run the probe again",
        )
    bucket = location.bucket
    read = state.buckets.get(bucket)
    if isinstance(read, BucketState) and read.account == destination_account:
        return "", ""
    if isinstance(read, OtherOwner):
        seen = f"is not owned by the destination account {destination_account}"
    elif isinstance(read, Unreadable):
        seen = f"could not be read as the destination account's ({read.detail})"
    else:
        seen = f"was not found as a bucket of the destination account {destination_account}"
    return (
        f"bucket {bucket} {seen}: the probe writes only in the destination account's buckets, where the verifier "
        "can check and delete its object",
        "settle the bucket's link first (its fix), then run the probe again; if another account owns it, " + ELSEWHERE,
    )


#: What makes ``hadoop fs -put`` read its destination as a glob (``[``, ``{``: a lone ``]`` or ``}`` is no pattern,
#: Hadoop's ``GlobPattern``), escape (``\\``) or refuse it (``:``).
#: A space, ``%`` or a non-ASCII character is none of these: Hadoop's ``Path`` (and the shell's ``PathData``, which
#: builds put's destination) makes its URI with java.net.URI's multi-argument constructor, which quotes a space and
#: ``%`` (``%`` always) and keeps a non-ASCII character ("Any other characters are preserved", its javadoc:
#: ``toString()`` keeps it, ``toASCIIString()`` encodes it), and the key is the path decoded again, so the probe
#: writes the key as given, ``%20`` staying ``%20``: such a prefix is probed (its routing is a maybe either way,
#: ``checks/routing.py`` :func:`uri_escaped`, AWS not saying which form EMRFS compares, and the probe settles it).
NOT_FOR_PUT = "[{\\:"


def _put_cannot_write(key: str) -> tuple[str, str] | None:
    """
    Why ``hadoop fs -put`` cannot write the probe's object under the S3 prefix ``key``, and how else to check it.

    S3 keys may hold these characters (Amazon S3 User Guide, "Naming Amazon S3 objects"), and a job writes its output
    path as given (Spark's ``new Path(...)``, no glob); but the shell expands put's destination as a glob (Apache
    Hadoop "FileSystem Shell": put, and its paths are glob patterns): ``[`` or ``{`` makes a pattern that matches no new
    object ("No such file or directory"), ``\\`` escapes the character after it (the write lands at another key),
    and Hadoop's ``Path`` refuses a segment holding ``:`` ("Relative path in absolute URI"). So the step would fail, or
    write elsewhere, for a prefix the job can write to: a FAIL of a working link.
    """
    held = sorted(set(key) & set(NOT_FOR_PUT))
    if not held:
        return None
    return (
        f"the prefix holds {' '.join(held)}: `hadoop fs -put` expands its destination as a glob (Apache Hadoop "
        '"FileSystem Shell": put; [ and { open glob patterns, \\ escapes, and a path segment with : is refused as '
        '"Relative path in absolute URI"), so the probe cannot write there',
        "a job's own write under it shows whether the link works (a job writes its output path as given, no glob): "
        "run one and check its output there",
    )


def probe_step(probe_uri: str) -> dict[str, Any]:
    """
    An EMR step that writes a small object through the cluster's ``s3://`` file system, the path the
    job's own writes take (EMRFS, so the role mappings apply; ``hadoop fs`` resolves ``s3://`` as Spark does).

    The URI is quoted for bash: an S3 key may hold any character but control characters (Amazon S3 User
    Guide, "Naming Amazon S3 objects"), ``;``, quotes and backquotes included, and the prefix comes from the
    security configuration's role mappings or the task's arguments; unquoted, bash on the cluster would run
    what follows a ``;`` with the cluster's role.
    """
    return {
        "Name": "emrfs-xacct-probe",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["bash", "-c", f"echo emrfs-xacct-probe | hadoop fs -put -f - {shlex.quote(probe_uri)}"],
        },
    }


def expected_key(kms: EmrfsKmsHook, configured: str | None) -> tuple[str | None, str | None]:
    """
    The ARN of the key the bucket's default encryption names (an alias or id resolved through DescribeKey; the AWS
    managed key's predefined alias through ListAliases, which creates nothing: :func:`aws_managed_key_arn`), and why
    the key is not compared when that is ``None`` (``None`` too when nothing names a key): the text the probe says
    (``key_not_compared``). ``None`` when it could not be resolved to a key ARN (:func:`is_key_arn`): a key ARN names
    its key even unread, an alias or key id unresolved does not match HeadObject's key ARN.

    Called once the probe object is written: the AWS managed key ``aws/s3`` not created when the chain was read has
    been by then, since "Amazon S3 automatically creates an AWS KMS key (aws/s3) in your AWS account the first time
    that you add an object encrypted with SSE-KMS to a bucket" (Amazon S3 API Reference,
    ServerSideEncryptionByDefault), and ``ListAliases`` names it. Still not there (KMS is eventually consistent), its
    id is not known, and the stand-in the chain check judged (``key/``:data:`NOT_CREATED_YET`) is not its ARN: a
    probe comparing the object's key with it would fail a correct write.
    """
    if not configured:
        return None, None
    kms = kms.in_region(key_region(configured, None))  # a key or alias ARN in its own Region
    managed = aws_managed_key_arn(kms, configured)
    if isinstance(managed, Unreadable):
        return None, f"{configured} names an AWS managed key not judged: {managed.detail}"
    if managed is not None:
        if is_key_arn(managed):
            return managed, None
        return None, (
            f"{configured} names the AWS managed key aws/s3, and ListAliases shows no key behind it yet (S3 creates it "
            'on the first SSE-KMS write: Amazon S3 API Reference, "ServerSideEncryptionByDefault"), so its ARN is not '
            "known: only SSE-KMS is checked"
        )
    key = resolve_key(kms, configured)
    resolved = str(key["Arn"]) if isinstance(key, dict) else configured
    if is_key_arn(resolved):
        return resolved, None
    return None, f"{configured} was not resolved to a key ARN" + (
        f": {key.detail}" if isinstance(key, Unreadable) else ""
    )


def probe_encryption(state: ChainState, bucket: str) -> list[str | None] | None:
    """
    ``[x-amz-server-side-encryption, key]`` the uploads to ``bucket`` ask for (:func:`requested_encryption`), the key
    as the chain check resolved it (:attr:`ChainState.requested_keys`, or the bucket's default key it names) when it
    did: the probe compares HeadObject's key ARN with a key ARN only (:func:`is_key_arn`). ``None``: not known.
    """
    asked = requested_encryption(state, bucket)
    if asked is None:
        return None
    sse, key = asked
    if key is None or is_key_arn(key):
        return [sse, key]
    read = state.buckets.get(bucket)
    if isinstance(read, BucketState):
        if key in (read.kms_key_arn, read.kms_key_id) and is_key_arn(read.kms_key_arn):
            return [sse, read.kms_key_arn]
        resolved = state.requested_keys.get(requested_key_entry(key, read))
        if isinstance(resolved, str) and is_key_arn(resolved):
            return [sse, resolved]
    return [sse, key]  # not resolved: not compared (the operator says so)


def check_probe_object(
    s3: EmrfsS3Hook, probe_uri: str, *, expected_key_arn: str | None, expected_sse: str | None = None
) -> dict[str, Any]:
    """
    Check, from the destination account, the object the probe step wrote; then delete what it wrote, whatever the
    check found: a read the check needs that failed, or a refused ``HeadObject``, is a problem of the outcome (``ok``
    false), not raised; a refused read of the owner check's own leaves it not checked (``ok`` ``None``, below), and so
    does a read answered for the credentials, the rate or a fault of AWS's (:func:`_not_about_the_write`).

    :param expected_key_arn: the ARN of the key the object must be encrypted with (the bucket's default key,
        or the one the uploads ask for), already resolved; ``None``: no key to compare.
    :param expected_sse: the encryption the uploads ask for (``AES256`` or ``aws:kms``, see
        :func:`~airflow_provider_emrfs_xacct.pure.checks.contexts.requested_encryption`), which S3 applies instead
        of the bucket's default; ``None``: they ask for none.
    :return: ``{"exists", "encryption", "kms_key", "owner_is_bucket_owner", "ok", "problems", "left"}``; ``left``:
        what the cleanup could not delete, where and why (:func:`delete_probe_writes`). ``ok`` is ``None`` (not
        checked, not failed) when the object is there as the write must leave it as far as was read, but a read of the
        verifier's own that tells its owner was refused (:func:`_owners`): ``not_checked`` then says what was not
        checked, naming the refused read, and ``refused_reads`` lists them as the report does.
    """
    bucket, _, key = probe_uri.removeprefix("s3://").partition("/")
    other: OtherOwner | None = None
    try:
        outcome = _check_probe_object(s3, bucket, key, probe_uri, expected_key_arn, expected_sse)
    except (ClientError, BotoCoreError) as error:
        other = _pinned_out(s3, bucket, error)
        # A read refused (an ObjectWriter bucket where the write went as the EMR account: the destination's own
        # permissions "don't apply to objects that are owned by other AWS accounts", Amazon S3 User Guide, "Bucket
        # policies for Amazon S3") or failed: not a pass, and the object is still deleted below. Refused for the
        # verifier's own owner condition alone (another account's bucket), or answered for the verifier's credentials
        # or rate (SlowDown: "Please reduce your request rate", Amazon S3 API Reference, "Error responses"): not
        # checked, nothing to say of the write.
        outcome = (
            _not_the_destinations(probe_uri, bucket, other)
            if other is not None
            else _not_checked_for(probe_uri, error)
            if _not_about_the_write(error)
            else {"exists": None, "ok": False, "problems": [f"{probe_uri} could not be checked: {error}"]}
        )
    finally:
        # Whatever the check did, what the probe wrote is deleted; what stays is said, with the delete's own error.
        # Not in another account's bucket: S3 refuses the deletes for the owner condition as it did the check.
        left = _cleanup(s3, bucket, key) if other is None else [_left_elsewhere(probe_uri, bucket, other)]
    return {**outcome, "left": left}


def _not_about_the_write(error: Exception) -> bool:
    """
    Whether the probe object's check failed for the verifier's credentials or AWS's rate or fault, not the write:
    :func:`~.hooks.errors.says_nothing_of_the_read`, or an HTTP 5xx (Amazon S3 API Reference, "Error responses":
    ``SlowDown`` and ``ServiceUnavailable``, 503, ``InternalError``, 500). A HEAD's answer has no body, so a
    throttled ``HeadObject`` reaches botocore as its status alone (code ``503``), and so does an expired or invalid
    token (``ExpiredToken``, ``InvalidToken``: 400, "Error responses"). A ``HeadObject`` answered 400 is not known to
    be about the write either way (:func:`_head_400`): not checked, never failed.
    """
    if not isinstance(error, ClientError):
        return says_nothing_of_the_read(error)
    status = http_status(error)
    return says_nothing_of_the_read(error) or status >= 500 or _head_400(error)


def _head_400(error: Exception) -> bool:
    """
    Whether ``error`` is a ``HeadObject`` answered 400: "if the HEAD request generates an error, it returns a generic
    code, such as 400 Bad Request [...] It's not possible to retrieve the exact exception of these error codes" (Amazon
    S3 API Reference, "HeadObject"). It is an expired or invalid token (``ExpiredToken``, ``InvalidToken``), or an
    object written with SSE-C, whose metadata a HEAD without its key cannot read (the same page; S3A writes SSE-C
    with ``fs.s3a.encryption.algorithm``): which one is not known.
    """
    return isinstance(error, ClientError) and error.operation_name == "HeadObject" and http_status(error) == 400


def _not_checked_for(probe_uri: str, error: Exception) -> dict[str, Any]:
    """A probe object's outcome when its check failed for the credentials, the rate or a fault: not checked, not failed."""
    if _head_400(error):
        why = (
            f"{probe_uri} was not checked: HeadObject answered 400 without a body: an expired or invalid token, or an "
            f"object written with SSE-C (core-site fs.s3a.encryption.algorithm), whose metadata needs its key: {error}"
        )
    else:
        why = (
            f"{probe_uri} was not checked: AWS answered for the verifier's credentials, its request rate or a fault "
            f"of its own, not the write: {error}"
        )
    return {"exists": None, "ok": None, "problems": [], "not_checked": [why]}


def _pinned_out(s3: EmrfsS3Hook, bucket: str, error: Exception) -> OtherOwner | None:
    """
    The bucket's other owner when S3 refused ``error``'s request for the verifier's own owner condition alone: with
    ``ExpectedBucketOwner`` set, ``HeadBucket`` refused, and answered without it (:func:`_bucket_region`; Amazon S3
    User Guide, "Verifying bucket ownership with bucket owner condition": a request whose expected owner is not the
    bucket's fails). ``None`` otherwise: the destination account's bucket, or a refusal not known to be the
    condition's.
    """
    if not (isinstance(error, ClientError) and is_access_denied(error)):
        return None
    return _other_owner(s3, bucket)


def _other_owner(s3: EmrfsS3Hook, bucket: str) -> OtherOwner | None:
    """The bucket's other owner when ``HeadBucket`` shows another account owns it (:func:`_bucket_region`), else ``None``."""
    if not s3.expected_bucket_owner:
        return None
    try:
        found = _bucket_region(s3, bucket)
    except (ClientError, BotoCoreError):
        return None
    return found if isinstance(found, OtherOwner) else None


def _not_the_destinations(probe_uri: str, bucket: str, other: OtherOwner) -> dict[str, Any]:
    """A probe object's outcome in a bucket another account owns: not checked (``ok`` ``None``), never failed."""
    why = (
        f"bucket {bucket} is not owned by the destination account {other.expected_account}: S3 refuses the "
        f"verifier's requests there, which carry ExpectedBucketOwner={other.expected_account}, so {probe_uri} was "
        "neither checked nor deleted"
    )
    return {"exists": None, "ok": None, "problems": [], "not_checked": [why]}


def _left_elsewhere(probe_uri: str, bucket: str, other: OtherOwner) -> str:
    """What a probe leaves in a bucket another account owns, which the verifier does not delete."""
    return (
        f"{probe_uri} (and {PUT_TEMPORARY_SUFFIX}) may be in bucket {bucket}, which is not owned by the destination "
        f"account {other.expected_account}: not deleted (S3 refuses the verifier's ExpectedBucketOwner there); "
        "delete it from the bucket owner's account"
    )


def _cleanup(s3: EmrfsS3Hook, bucket: str, key: str) -> list[str]:
    """:func:`delete_probe_writes`, its own failure said as what stays (``left``) instead of raised."""
    try:
        return list(delete_probe_writes(s3, bucket, key)["left"])
    except (ClientError, BotoCoreError) as error:
        return [
            f"s3://{bucket}/{key} (or {PUT_TEMPORARY_SUFFIX}) may still be there: it could not be looked at or "
            f"deleted: {error}; delete it by hand"
        ]


def _check_probe_object(
    s3: EmrfsS3Hook, bucket: str, key: str, probe_uri: str, expected_key_arn: str | None, expected_sse: str | None
) -> dict[str, Any]:
    """The checks of :func:`check_probe_object`, without its cleanup."""
    head = s3.head_object(bucket, key)
    if head is None:
        return {"exists": False, "ok": False, "problems": [f"{probe_uri} was not written"]}
    problems: list[str] = []
    encryption = head.get("ServerSideEncryption")
    kms_key = head.get("SSEKMSKeyId")
    kms = encryption in SSE_KMS_ALGORITHMS
    if expected_sse == "AES256" and encryption != "AES256":
        problems.append(f"expected SSE-S3 (AES256, as the uploads ask), got {encryption} {kms_key}")
    elif expected_key_arn and (not kms or kms_key != expected_key_arn):
        problems.append(f"expected SSE-KMS with {expected_key_arn}, got {encryption} {kms_key}")
    elif expected_sse == "aws:kms" and not kms:
        problems.append(f"expected SSE-KMS (as the uploads ask), got {encryption}")
    owners = _owners(s3, bucket, key)
    outcome: dict[str, Any] = {"exists": True, "encryption": encryption, "kms_key": kms_key}
    if isinstance(owners, OwnersNotRead):  # a read the owner check needs was not answered: the owner is not known
        outcome["owner_is_bucket_owner"] = None
        outcome["not_checked"] = [f"whether {probe_uri} is owned by the bucket owner: {why}" for why in owners.why]
        outcome["refused_reads"] = [refused_read_dict(refused) for refused in owners.refused]
    else:
        owner, bucket_owner = owners
        outcome["owner_is_bucket_owner"] = owner == bucket_owner
        if owner != bucket_owner:
            problems.append(f"the object is owned by {owner}, not by the bucket owner")
    # A problem found fails the probe; with none, an owner not read leaves it not checked (None), not passed.
    outcome["ok"] = False if problems else (None if "not_checked" in outcome else True)
    outcome["problems"] = problems
    return outcome


class OwnersNotRead(NamedTuple):
    """Why the probe object's owner check was not made (:func:`_owners`): its reads refused, or not answered."""

    #: One sentence a read not answered, as the outcome's ``not_checked`` says it.
    why: list[str]
    #: The refused reads among them, to grant (the outcome's ``refused_reads``).
    refused: list[RefusedRead]


def _owners(s3: EmrfsS3Hook, bucket: str, key: str) -> tuple[str | None, str] | OwnersNotRead:
    """
    The canonical ids of the probe object's owner and of its bucket's owner; why they were not read instead, when a
    read was refused or answered for the verifier's credentials, its rate or a fault of AWS's.

    The object's owner comes from ``ListObjectsV2`` with ``FetchOwner`` (``s3:ListBucket``: Amazon S3 API Reference,
    "ListObjectsV2", "To use this action in an Identity and Access Management (IAM) policy, you must have
    permissions to perform the s3:ListBucket action"; "The owner field is not present in ListObjectsV2 by
    default"), the bucket's from ``GetBucketAcl`` (``s3:GetBucketAcl``, "GetBucketAcl"). These are the verifier's
    own reads, made after the write went through: a refusal, or an answer for the verifier's credentials or rate
    or a fault of AWS's (:func:`_not_about_the_write`), says nothing about the write, so the owner is not
    checked (naming the read), not failed. A refused ``HeadObject`` is not among them: it may be the object's own
    answer (one another account owns refuses the bucket owner's reads: Amazon S3 User Guide, "Bucket policies for
    Amazon S3"), and fails the probe (:func:`check_probe_object`).
    """
    reads: tuple[tuple[str, Callable[[], str | None]], ...] = (
        ("s3:ListBucket", lambda: s3.object_owner_id(bucket, key)),
        ("s3:GetBucketAcl", lambda: s3.bucket_owner_id(bucket)),
    )
    answers: list[str | None] = []
    unread = OwnersNotRead([], [])
    for action, call in reads:
        try:
            answers.append(call())
        except (ClientError, BotoCoreError) as error:
            # Answered for the verifier's credentials, rate or a fault of AWS's (botocore's own credentials errors
            # too): as refused, the owner not checked, and a problem the object's encryption already showed is kept
            # (the write is not in question here).
            if isinstance(error, ClientError) and is_access_denied(error):
                refused = _refused_owner_read(s3, bucket, action, error)
                unread.refused.append(refused)
                unread.why.append(refused.explanation)
            elif _not_about_the_write(error):
                operation = f" ({error.operation_name})" if isinstance(error, ClientError) else ""
                unread.why.append(f"{action}{operation} on Bucket={bucket} was not answered: {error}")
            else:
                raise
    if unread.why:
        return unread
    return answers[0], str(answers[1])


def _refused_owner_read(s3: EmrfsS3Hook, bucket: str, action: str, error: ClientError) -> RefusedRead:
    """The refused read of :func:`_owners`, named as the report names refused reads."""
    account, resource = account_of(s3), f"Bucket={bucket}"
    why = denial_message(error, action=action, resource=resource, account=account, conn_id=s3.aws_conn_id)
    return RefusedRead(action, s3.aws_conn_id, account, resource, error.operation_name, why)


#: The states in which a step may still run and write (EMR API Reference, StepStatus: ``State``).
STEP_MAY_RUN = ("PENDING", "CANCEL_PENDING", "RUNNING")
#: ``hadoop fs -put`` writes ``<destination>._COPYING_`` and renames it when done (Hadoop FileSystem Shell guide,
#: ``put``: "-d: Skip creation of temporary file with the suffix ._COPYING_"); a step cancelled mid-put leaves it.
PUT_TEMPORARY_SUFFIX = "._COPYING_"


def _heads(s3: EmrfsS3Hook, bucket: str, keys: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """
    ``HeadObject`` of each key: those there, and those whose HEAD was refused (not known: S3 answers 403 for a
    missing key without ``s3:ListBucket``, S3 API Reference, "HeadObject": "If you don't have the s3:ListBucket
    permission, Amazon S3 returns an HTTP status code 403 Forbidden"; and for an object another account owns) or
    answered 400 (:func:`_head_400`: an SSE-C object among them, which a plain ``DeleteObject`` deletes: S3 API
    Reference, "DeleteObject", takes no encryption key).
    """
    present: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    for name in keys:
        try:
            head = s3.head_object(bucket, name)
        except ClientError as error:
            if not (is_access_denied(error) or _head_400(error)):
                raise
            unknown.append(name)
            continue
        if head is not None:
            present[name] = head
    return present, unknown


def _delete_current(s3: EmrfsS3Hook, bucket: str, names: Iterable[str], left: list[str]) -> bool:
    """
    A plain ``DeleteObject`` of each key; a refused one is added to ``left``. Returns whether S3 answered with a
    delete marker: the bucket keeps versions (S3 API Reference, "DeleteObject": ``x-amz-delete-marker``). On a key
    that is not there it succeeds in an unversioned bucket (S3 API Reference, "DeleteObject": "If there isn't a null
    version, Amazon S3 does not remove any objects but will still respond that the command was successful").
    """
    versioned = False
    for name in names:
        try:
            versioned = bool(s3.delete_object(bucket, name).get("DeleteMarker")) or versioned
        except ClientError as error:
            if not is_access_denied(error):
                raise
            left.append(
                f"s3://{bucket}/{name} may still be there: DeleteObject was refused: {error}; delete it by hand"
            )
    return versioned


def delete_probe_writes(s3: EmrfsS3Hook, bucket: str, key: str) -> dict[str, Any]:
    """
    Delete what the probe wrote at ``key``: its object, and the ``<key>._COPYING_`` its put renames (or leaves).

    In a bucket whose versioning is enabled or suspended, ``DeleteObject`` without a version id only adds a delete
    marker, and the data stays as a noncurrent version; ``DeleteObject`` with ``VersionId`` deletes that version, or
    that delete marker, for good (Amazon S3 User Guide, "Deleting object versions from a versioning-enabled bucket";
    S3 API Reference, "DeleteObject"). The put's rename is a copy and a delete, so ``._COPYING_`` leaves a version and a
    delete marker there too, and so does a put cut short (Hadoop deletes its ``._COPYING_`` without a version id):
    then neither key is current, and their versions are still listed. So in such a bucket every version and delete marker of exactly these two keys
    (``ListObjectVersions``) is deleted by its id: they are all the probe's, whose key ends in a fresh ``uuid4`` under
    the probe's folder that nobody else writes. ``HeadObject`` answers a version id (``x-amz-version-id``) only in such
    a bucket, and ``DeleteObject``'s answer says when it added a marker: an unversioned bucket where the probe wrote
    needs no permission beyond ``s3:GetObject`` and ``s3:DeleteObject`` (where neither key is there, also
    ``s3:ListBucketVersions``; refused, what may stay is said). A refused ``HeadObject`` (no ``s3:ListBucket``, or
    an object another account owns) leaves it unknown whether the key is there: it is deleted all the same, and only a
    refused ``DeleteObject`` is said as what may stay. What cannot be deleted (``s3:ListBucketVersions`` or
    ``s3:DeleteObjectVersion`` refused, an Object Lock retention) is said by key and version; an object whose version
    could not be deleted is still hidden behind a delete marker, and that is said too.

    :return: ``{"deleted": whether what the probe wrote was there and is gone (``False``: nothing was there, or
        something stays, said in ``left``; ``None``: not known, a HEAD was refused and none showed one, deleted all
        the same), "left": [what stays, where, why]}``.
    """
    keys = (key, key + PUT_TEMPORARY_SUFFIX)
    heads, unknown = _heads(s3, bucket, keys)
    present = [name for name in keys if name in heads]
    was_there: bool | None = True if present else (None if unknown else False)
    versioned = any(head.get("VersionId") for head in heads.values())
    refused: list[str] = []
    if (present or unknown) and not versioned:
        # DeleteMarker in the answer: versioning was enabled since the write; the data stays under it, cleaned below.
        versioned = _delete_current(s3, bucket, [*present, *unknown], refused)
        if not versioned:  # a plain delete in a bucket that keeps versions always answers a delete marker
            return _cleanup_outcome(was_there, refused)
    where = f"s3://{bucket}/{key}"
    try:
        # Neither key current (a put cut short, whose ._COPYING_ Hadoop deleted without a version id): no HEAD tells
        # whether the bucket keeps versions, and in one that does "a simple DELETE request ... doesn't specify a
        # version ID ... the object is not deleted" but hidden behind a delete marker (Amazon S3 User Guide,
        # "Working with delete markers"). So the two exact keys' versions and markers are listed then too; an
        # unversioned bucket lists none of keys that are not there.
        entries = s3.versions_of(bucket, key, keys)
    except (ClientError, BotoCoreError) as error:
        if not present and not unknown:
            return {
                "deleted": False,
                "left": [
                    f"{where} (and {PUT_TEMPORARY_SUFFIX}): neither is there, and their versions could not be "
                    f"listed (ListObjectVersions needs s3:ListBucketVersions: {error}): if the bucket keeps object "
                    "versions, a write cut short left its data there as noncurrent versions under delete markers; "
                    "delete those two keys' versions by version id"
                ],
            }
        left = [
            f"{where} (and {PUT_TEMPORARY_SUFFIX}): the bucket keeps object versions, and they could not be listed "
            f"(ListObjectVersions needs s3:ListBucketVersions: {error}): the probe's data stays there as noncurrent "
            "versions; delete them by hand"
        ]
        return _cleanup_outcome(was_there, [*refused, *left, *_hide(s3, bucket, present)])
    left, kept = [], set()
    for entry in entries:
        try:
            s3.delete_object(bucket, entry["Key"], entry["VersionId"])
        except (ClientError, BotoCoreError) as error:
            kept.add(entry["Key"])
            what = "delete marker" if entry["DeleteMarker"] else "version"
            # Object Lock protects object versions, not delete markers (Amazon S3 User Guide, "Locking objects with
            # Object Lock"): only a version's refusal may be a retention's or a legal hold's.
            lock = (
                ""
                if entry["DeleteMarker"]
                else ", unless an Object Lock retention or legal hold keeps it (then it stays until the retention ends "
                "or the hold is removed; a GOVERNANCE retention is lifted early only with s3:BypassGovernanceRetention: "
                'Amazon S3 User Guide, "Locking objects with Object Lock")'
            )
            left.append(
                f"s3://{bucket}/{entry['Key']} {what} {entry['VersionId']} stays: DeleteObject with its VersionId was "
                f"refused: it needs s3:DeleteObjectVersion{lock}: {error}"
            )
    hidden = _hide(s3, bucket, [name for name in present if name in kept])
    return _cleanup_outcome(was_there, [*refused, *left, *hidden])


def _cleanup_outcome(was_there: bool | None, left: list[str]) -> dict[str, Any]:
    """:func:`delete_probe_writes`' answer: deleted only where something was (or may have been) there and nothing stays."""
    return {"deleted": False if left else was_there, "left": left}


def _hide(s3: EmrfsS3Hook, bucket: str, names: Iterable[str]) -> list[str]:
    """Put a delete marker over each current probe object whose versions could not be deleted; say what stays."""
    said = []
    for name in names:
        try:
            marker = s3.delete_object(bucket, name).get("VersionId")
        except (ClientError, BotoCoreError) as error:
            said.append(f"s3://{bucket}/{name} is still there: DeleteObject was refused: {error}")
            continue
        said.append(
            f"s3://{bucket}/{name}: hidden behind delete marker {marker}, its data kept as a noncurrent version"
        )
    return said


def abandon_probe(emr: EmrfsEmrHook, s3: EmrfsS3Hook, cluster_id: str, steps: dict[str, str]) -> dict[str, Any]:
    """
    Clean up after a probe whose wait ended before its steps did: cancel them, delete what they wrote.

    EMR API Reference, CancelSteps: "Cancels a pending step or steps in a running cluster" (PENDING or RUNNING
    from release 5.28.0, PENDING only before); "CancelSteps is idempotent but asynchronous; it does not
    guarantee that a step will be canceled". So each step's state is read back after the request, then its
    object is deleted if it is there; a step that may still run may still write its object later: that URI is
    reported, for someone to delete (a cancelled step writes nothing). Steps already ended are not cancelled.
    The states are read with ``DescribeStep`` (``elasticmapreduce:DescribeStep``, Service Authorization Reference,
    "Actions, resources, and condition keys for Amazon Elastic MapReduce"); refused, a state is unknown: that step
    is cancelled and reported as one that may still write.
    A put cut short leaves its temporary ``<object>._COPYING_``, deleted the same way.
    Each step's state as first read, before any cancel, is kept too (``state_before_cancel``): a step the verifier
    cancelled while PENDING never ran, one that had FAILED did (``pure.checks.findings.cut_short``).

    :param steps: ``{probe uri: step id}``.
    :return: ``{"steps": {uri: {"step", "state", "state_before_cancel", "deleted", "may_still_write"}},
        "problems": [...]}``.
    """
    problems: list[str] = []

    def state_of(step_id: str) -> str | None:
        try:
            return str(emr.conn.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]["State"])
        except (ClientError, BotoCoreError):
            return None  # not known: it may still run

    states = {uri: state_of(step_id) for uri, step_id in steps.items()}
    before_cancel = dict(states)
    running = [uri for uri, state in states.items() if state is None or state in STEP_MAY_RUN]
    if running:  # a step that ended (a refused write: FAILED) needs no cancelling
        try:
            emr.conn.cancel_steps(ClusterId=cluster_id, StepIds=[steps[uri] for uri in running])
        except (ClientError, BotoCoreError) as error:
            problems.append(f"the probe steps could not be cancelled (CancelSteps): {error}")
        states.update({uri: state_of(steps[uri]) for uri in running})
    outcomes: dict[str, Any] = {}
    for uri, step_id in steps.items():
        state = states[uri]
        deleted, left = _abandon_writes(s3, uri)
        problems.extend(left)
        may_still_write = state is None or state in STEP_MAY_RUN
        if may_still_write:
            problems.append(
                f"probe step {step_id} is {state or 'in an unknown state'} after CancelSteps: it may still write "
                f"{uri}; delete it if it appears"
            )
        outcomes[uri] = {
            "step": step_id,
            "state": state,
            "state_before_cancel": before_cancel[uri],
            "deleted": deleted,
            "may_still_write": may_still_write,
        }
    return {"steps": outcomes, "problems": problems}


def _abandon_writes(s3: EmrfsS3Hook, uri: str) -> tuple[bool | None, list[str]]:
    """
    Delete what an abandoned probe step wrote at ``uri`` (:func:`delete_probe_writes`): whether it was deleted, and
    what may stay. What stays in a bucket another account owns is said as such: S3 refuses the verifier's requests
    there for its owner condition (:func:`_other_owner`), not for anything the destination account could grant.
    """
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:  # the object, or what a put cut short left, with their versions in a versioned bucket
        cleanup = delete_probe_writes(s3, bucket, key)
    except (ClientError, BotoCoreError) as error:
        cleanup = {
            "deleted": False,
            "left": [f"s3://{bucket}/{key} (or {PUT_TEMPORARY_SUFFIX}) could not be looked at or deleted: {error}"],
        }
    other = _other_owner(s3, bucket) if cleanup["left"] else None
    if other is not None:
        return False, [_left_elsewhere(uri, bucket, other)]
    return cleanup["deleted"], list(cleanup["left"])
