"""What the verifier read from both accounts: the input of every check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.network import StsReachability, SubnetFacts

#: Name of the object the live probe writes under each prefix.
PROBE_KEY = "_emrfs_xacct_probe"


@dataclass(frozen=True)
class Unreadable:
    """A part of the chain the verifier could not read: who was refused what, where (or why not)."""

    detail: str


@dataclass(frozen=True)
class RefusedRead:
    """
    A read AWS refused the verifier: the action to grant, to which connection (of which account), and for what.

    Made where the refusal is caught (``verify.read``, or the hook that answered around it), never recovered from
    a message: the links whose detail holds its :attr:`explanation` carry it (``findings.name_refused_reads``).
    """

    action: str
    connection: str | None
    account: str
    #: What was being read (``RoleName=…``, ``Bucket=…``, a key's ARN).
    resource: str
    #: The API operation AWS refused (``GetRole``, ``HeadBucket``); ``""``: not known.
    call: str = ""
    #: The sentence the verifier wrote for it where it was caught, as it stands in the details of the parts it left
    #: unread (``""``: none of them says it, e.g. a refusal the hook answered around without a word).
    explanation: str = ""

    @property
    def key(self) -> tuple[str, str | None, str, str]:
        """What to grant, to whom, on what: the same read refused again (another message, another call) is one."""
        return (self.action, self.connection, self.account, self.resource)


@dataclass(frozen=True)
class OtherOwner:
    """
    A bucket that another account owns: S3 refused it with ``ExpectedBucketOwner`` set to the destination
    account (403), and answers for it without that condition.
    """

    expected_account: str


@dataclass
class RoleState:
    """
    A role as read from IAM: its ARN, trust policy, identity policies (inline and managed) by name,
    permissions boundary (name, document), tags.
    """

    arn: str
    trust_policy: dict[str, Any] | None = None
    policies: list[tuple[str, Any]] = field(default_factory=list)
    boundary: tuple[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: A part of the role that could not be read (its policies or boundary): its checks are "not checked".
    unreadable: str = ""


@dataclass
class BucketState:
    """A bucket as read from S3: owning account, policy, object ownership, default encryption key, payer."""

    account: str
    policy: dict[str, Any] | None = None
    #: The bucket's Region (HeadBucket ``x-amz-bucket-region``), where S3 authorizes its requests; ``None``: not known.
    region: str | None = None
    object_ownership: str = "ObjectWriter"
    sse_algorithm: str | None = None
    #: The key's ARN, resolved through DescribeKey (the bucket may name an alias or a key id).
    kms_key_arn: str | None = None
    #: The key as the bucket's encryption names it.
    kms_key_id: str | None = None
    #: DescribeKey's ``KeyManager`` (``AWS`` for ``aws/s3``, ``CUSTOMER``), when read.
    kms_key_manager: str | None = None
    #: For a ``KeyManager`` ``AWS`` key, whether ``alias/aws/s3`` names it (``names_s3_managed_key``): ``False``,
    #: another service's (``aws/ebs``: AWS KMS Developer Guide, "AWS managed keys", one per service); ``None``: not
    #: known (``ListAliases`` refused). Read by ``verify._read_bucket_key``.
    kms_key_s3_managed: bool | None = True
    #: The ARN of the AWS managed key ``aws/s3`` when the default encryption uses it (DescribeKey), or why it
    #: was not read; ``None``: not read.
    aws_managed_key_arn: str | Unreadable | None = None
    bucket_key_enabled: bool = False
    #: The bucket-level Block Public Access setting RestrictPublicBuckets (GetPublicAccessBlock; none: False).
    restrict_public_buckets: bool = False
    #: The bucket-level Block Public Access setting BlockPublicAcls (the same read; none: False).
    block_public_acls: bool = False
    #: ``(grantee, permission)`` of each grant of the bucket's ACL to anyone but its owner (GetBucketAcl), read
    #: where ACLs are enabled (Object Ownership not ``BucketOwnerEnforced``); a refused read is in ``unreadable``.
    acl_grants: tuple[tuple[str, str], ...] = ()
    #: S3's own answer whether the bucket policy is public (GetBucketPolicyStatus ``IsPublic``).
    policy_is_public: bool = False
    #: Who pays for its requests (GetBucketRequestPayment ``Payer``): ``BucketOwner`` or ``Requester``.
    payer: str = "BucketOwner"
    #: Its Object Lock default retention (GetObjectLockConfiguration ``Rule.DefaultRetention``); ``None``: none.
    object_lock_retention: dict[str, Any] | None = None
    #: Parts that could not be read ("policy", "ownership", "encryption", "public access block",
    #: "policy status", "request payment", "object lock") and why.
    unreadable: dict[str, str] = field(default_factory=dict)


@dataclass
class ClusterState:
    """What DescribeCluster says the cluster runs: its security configuration and instance profile's role."""

    cluster_id: str
    security_configuration: str | None
    instance_profile: str | None
    #: The role name in the instance profile (iam:GetInstanceProfile); ``None``: the profile has none.
    role: str | Unreadable | None
    #: DescribeCluster's ``Status.State`` (``WAITING``, ``TERMINATED`` …); ``None``: not read.
    state: str | None = None


@dataclass
class ChainState:
    """Everything the checks need, read from both accounts."""

    emr_role: RoleState | Unreadable | None
    #: ``None``: the option (a) chain, a cluster launched without a security configuration, whose EMRFS sends every
    #: request as the EC2 instance profile role (``prefixes_for_principal_mappings`` then names what it writes).
    security_configuration_name: str | None
    security_configuration: dict[str, Any] | Unreadable | None
    destination_roles: dict[str, RoleState | Unreadable | None]
    buckets: dict[str, BucketState | Unreadable | OtherOwner | None]
    key_policies: dict[str, dict[str, Any] | Unreadable | None] = field(default_factory=dict)
    #: KeyState from DescribeKey (``Enabled``, ``Disabled``, ``PendingDeletion`` …) by key ARN.
    key_states: dict[str, str] = field(default_factory=dict)
    #: The kind of a key from DescribeKey by key ARN: its ``KeySpec``, ``KeyUsage`` and ``KeyManager`` (as DescribeKey
    #: names them; ``KeyManager`` ``AWS`` also for aws/s3 read by its alias); a key not here, or a field not in it: not
    #: judged (``pure/kms_keys.py``).
    key_kinds: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The keys the uploads ask for (security configuration, emrfs-site) other than a bucket's default key, as
    #: named there (by :func:`requested_key_entry`), resolved by DescribeKey in the destination account: the
    #: key's ARN (its policy and state in ``key_policies``, ``key_states``), ``None`` when no such key is there,
    #: or why it was not read.
    requested_keys: dict[str, str | Unreadable | None] = field(default_factory=dict)
    #: The grants of a key by its ARN (``kms:ListGrants``, every page), or why they were not read. Read only for the
    #: keys whose policies do not allow a writer's KMS call (``verify.verify_chain``); a key not here: not read.
    key_grants: dict[str, list[dict[str, Any]] | Unreadable] = field(default_factory=dict)
    release_label: str | None = None
    #: A ``release_label`` given beside ``cluster_id`` that is not the cluster's own release (``release_label``
    #: above, which the checks judge); ``None``: none given, or the same.
    ignored_release_label: str | None = None
    cluster_configurations: list[dict[str, Any]] | None = None
    #: Each instance group's or fleet instance type's own configurations, named (ListInstanceGroups,
    #: ListInstanceFleets), or why they were not read; ``None``: no cluster read.
    instance_configurations: list[tuple[str, list[dict[str, Any]]]] | Unreadable | None = None
    #: Prefixes to check for ``User``/``Group`` mappings, which name no prefix themselves.
    prefixes_for_principal_mappings: list[str] = field(default_factory=list)
    region: str = "us-east-1"
    #: ``iam:SimulatePrincipalPolicy`` answers by (principal ARN, action, resource, request context as sorted JSON:
    #: :func:`~.second_opinion.simulation_key`): ``allowed``, ``implicitDeny`` or ``explicitDeny``; ``None`` when not
    #: asked.
    simulations: dict[tuple[str, ...], str] | None = None
    #: Why there is no second opinion (e.g. the endpoint does not offer the simulator).
    simulation_note: str = ""
    #: A cluster read that was refused.
    cluster_unreadable: str = ""
    #: The cluster named by ``cluster_id`` (``None``: none named).
    cluster: ClusterState | Unreadable | None = None
    #: The EMR EC2 role the verifier read (``emr_ec2_role_name``).
    emr_ec2_role_name: str = "EMR_EC2_DefaultRole"
    #: The destination account's Block Public Access RestrictPublicBuckets (s3control GetPublicAccessBlock, the
    #: effective account-level setting; none: False). ``None``: not read, listed as unseen.
    account_restrict_public_buckets: bool | Unreadable | None = None
    #: The destination account's Block Public Access BlockPublicAcls (the same read as the one above).
    account_block_public_acls: bool | Unreadable | None = None
    #: The configuration was gone and ``security_configuration`` is its create task's document instead (no
    #: cluster named): the launch creates it again from that document, same name and content.
    security_configuration_from_create_task: bool = False
    #: Whether the cluster's subnet reaches the STS endpoint EMRFS calls (``None``: no cluster subnet read).
    sts_reachability: StsReachability | Unreadable | None = None
    #: The cluster's subnet's routes and S3 endpoints, for the route to each bucket's S3 (``None``: not read).
    subnet: SubnetFacts | Unreadable | None = None
    #: Every read AWS refused in this run, in the order they were made (the same read refused again with another
    #: explanation too: each part it left unread says its own): a link names the refusals behind it, and the report
    #: lists each read once (another refused read may hide behind a link's).
    refused_reads: list[RefusedRead] = field(default_factory=list)


def requested_key_entry(key: str, bucket: BucketState) -> str:
    """
    The entry of :attr:`ChainState.requested_keys` for ``key`` asked for by uploads to ``bucket``.

    A key ARN names one key. An alias or key id names a key of the Region S3 resolves it in, the bucket's (S3
    uses only a key of the bucket's Region: S3 User Guide, "Using server-side encryption with AWS KMS keys
    (SSE-KMS)"; aliases are per Region: KMS Developer Guide, "Aliases in AWS KMS"): one alias asked for by
    buckets of two Regions is two keys.
    """
    return key if key.startswith("arn:") else f"{key} in {bucket.region or 'an unknown Region'}"
