"""
Proof by disagreement: randomly broken set-ups, each judged by the verifier and by the EMRFS-like writer.

:func:`generate` draws a case from a seed: a partner as the provider provisions it (its destination
role policy and role mapping from the provider's builders; EMR EC2 role, KMS key, bucket and
security configuration named for the case, so that cases share one moto server without a reset) with one to three breakages drawn from :data:`BREAKAGES`: a ``Deny`` in any of the
documents, a permissions boundary, a missing key user, a wrong ARN in a mapping, a shadowing mapping,
an ownership setting, the identifier's trailing slash, a listing allowed only with ``s3:prefix``, a key
policy that leaves the role out with a KMS grant that may let it in, a ``User`` or ``Group`` mapping first …

:func:`judge` builds the case in moto, runs the verifier (``verify_chain`` through the provider's
hooks) and ``devstack.emrfs_writer.write_like_emrfs`` (whose authorization is principalmapper's, not
the verifier's evaluator), and returns both answers. The claim the tests check: no case where the
verifier says PASS and the writer is refused; every verifier FAIL with a successful write is listed
with its explanation.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.bucket_policy import emr_role_bucket_policy
from airflow_provider_emrfs_xacct.pure.bucket_policy import grant as bucket_policy_grant
from airflow_provider_emrfs_xacct.pure.documents import as_list, destination_permissions_policy, key_users_statement
from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from devstack.emrfs_writer import write_like_emrfs
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    REGION,
    client,
    create_principals,
    key_admin_arn,
    partition_of,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_emrfs_xacct.verify import Readers

RELEASE = "emr-6.15.0"
S3_ACTIONS = (
    "s3:PutObject",
    "s3:GetObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:AbortMultipartUpload",
    "s3:ListBucketMultipartUploads",
)
KMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
#: The Hadoop user and groups the writer's job runs as (what ``User``/``Group`` mappings match).
WRITER_USER, WRITER_GROUPS = "hadoop", ("hadoop",)


@dataclass
class Cluster:
    """
    The cluster a case of the cluster kind launches (:data:`CLUSTER_SETTINGS`): its release, ``Configurations``
    and the sections added to its security configuration.
    """

    release: str
    settings: list[str]
    configurations: list[dict[str, Any]] = field(default_factory=list)
    #: The Region it runs in (its partition: the ARNs its settings name).
    region: str = REGION
    security: dict[str, Any] = field(default_factory=dict)
    requester_pays: bool = False
    details: list[str] = field(default_factory=list)
    #: The subnet it launches in (``Ec2SubnetId``; ``None``: none given), for the network study.
    subnet: str | None = None

    def site(self, classification: str) -> dict[str, str]:
        """The properties of ``classification``, added if missing."""
        for item in self.configurations:
            if item["Classification"] == classification:
                return item["Properties"]  # type: ignore[no-any-return]
        item = {"Classification": classification, "Properties": {}}
        self.configurations.append(item)
        return item["Properties"]  # type: ignore[return-value]


@dataclass
class Case:
    """One set-up: its number (names), the breakages applied, and what was built."""

    number: int
    breakages: list[str]
    details: list[str] = field(default_factory=list)
    #: The cluster the case launches and passes to the verifier (``None``: no cluster, the release given).
    cluster: Cluster | None = None
    #: The Region both accounts act in (its partition: every ARN of the case).
    region: str = REGION
    #: The Region of the bucket and its key when not ``region`` (the network study's buckets of another Region).
    bucket_region: str | None = None
    #: Option (a): no role mapping; the bucket policy, the key policy and the EMR EC2 role's own policy grant it.
    option_a: bool = False

    @property
    def bucket_home(self) -> str:
        return self.bucket_region or self.region

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    @property
    def bucket(self) -> str:
        return f"diff-{self.number}-results"

    @property
    def emr_role(self) -> str:
        return f"emr-ec2-{self.number}"

    @property
    def emr_role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{EMR_ACCOUNT}:role/{self.emr_role}"

    @property
    def role(self) -> str:
        return f"writer-{self.number}"

    @property
    def role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{DESTINATION_ACCOUNT}:role/{self.role}"

    @property
    def configuration(self) -> str:
        return f"diff-{self.number}"

    @property
    def output(self) -> str:
        return f"s3://{self.bucket}/out/"


@dataclass
class World:
    """The documents of one case before they are written to moto (breakages edit these)."""

    url: str
    case: Case
    rng: random.Random
    emr_policy: dict[str, Any]
    trust: dict[str, Any]
    role_policy: dict[str, Any]
    extra_role_policy: dict[str, Any] | None = None
    boundary: dict[str, Any] | None = None
    key_policy: dict[str, Any] = field(default_factory=dict)
    bucket_policy: dict[str, Any] | None = None
    ownership: str = "BucketOwnerEnforced"
    mappings: list[dict[str, Any]] = field(default_factory=list)
    other_roles: list[str] = field(default_factory=list)
    #: Roles of the EMR account a breakage trusts instead (created: IAM refuses a trust policy naming none).
    trusted_instead: list[str] = field(default_factory=list)
    key_arn: str = ""
    #: KMS grants on the key (CreateGrant arguments other than KeyId), made once the roles exist.
    grants: list[dict[str, Any]] = field(default_factory=list)
    #: The cluster the case launched (the cluster kind), else ``None``.
    cluster_id: str | None = None
    #: The security configuration the case created (an option (a) case creates one only for its cluster's
    #: sections), else ``None``.
    configuration: str | None = None


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def provider_policy(bucket: str, key_arn: str) -> dict[str, Any]:
    """The destination role's policy as the provider writes it for ``s3://bucket/out/``, in the key's partition."""
    return destination_permissions_policy(key_arn.split(":")[1], [S3Location(bucket, "out/")], [key_arn])


def _statement_with(world: World, action: str) -> dict[str, Any]:
    return next(statement for statement in world.role_policy["Statement"] if action in as_list(statement["Action"]))


# Breakages -------------------------------------------------------------------------------------


def _deny_in_role_policy(world: World) -> str:
    action = world.rng.choice(S3_ACTIONS + KMS_ACTIONS)
    world.extra_role_policy = _doc({"Sid": "RandomDeny", "Effect": "Deny", "Action": action, "Resource": "*"})
    return f"destination role denies {action}"


def _deny_in_bucket_policy(world: World) -> str:
    bucket, partition = world.case.bucket, world.case.partition
    action = world.rng.choice(S3_ACTIONS)
    resource = world.rng.choice(
        [
            [f"arn:{partition}:s3:::{bucket}", f"arn:{partition}:s3:::{bucket}/*"],
            f"arn:{partition}:s3:::{bucket}/out_$folder$",
            f"arn:{partition}:s3:::{bucket}/out/_temporary*",
            f"arn:{partition}:s3:::{bucket}/elsewhere/*",
        ]
    )
    principal = world.rng.choice(["*", {"AWS": world.case.role_arn}, {"AWS": world.case.emr_role_arn}])
    return _bucket_deny(world, action, resource, principal)


def _bucket_deny(world: World, action: str, resource: str | list[str], principal: Any) -> str:
    statement = {"Sid": "RandomDeny", "Effect": "Deny", "Principal": principal, "Action": action, "Resource": resource}
    world.bucket_policy = _doc(*((world.bucket_policy or _doc())["Statement"]), statement)
    return f"bucket denies {action} on {resource} to {principal}"


def _deny_in_key_policy(world: World) -> str:
    return f"key policy denies {_key_deny(world, world.case.role_arn)}"


def _key_deny(world: World, principal_arn: str) -> str:
    """Add a ``Deny`` of a drawn KMS action to ``principal_arn`` to the key policy; return the action."""
    action = world.rng.choice(KMS_ACTIONS)
    world.key_policy["Statement"].append(
        {"Sid": "RandomDeny", "Effect": "Deny", "Principal": {"AWS": principal_arn}, "Action": action, "Resource": "*"}
    )
    return action


def _deny_assume_in_emr_policy(world: World) -> str:
    world.emr_policy["Statement"].append({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    return "EMR role denies sts:AssumeRole"


def _no_assume_policy(world: World) -> str:
    world.emr_policy["Statement"] = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:{world.case.partition}:s3:::emr-logs/*"}
    ]
    return "EMR role may not assume"


def _deny_in_trust(world: World) -> str:
    world.trust["Statement"].append(
        {"Effect": "Deny", "Principal": {"AWS": world.case.emr_role_arn}, "Action": "sts:AssumeRole"}
    )
    return "trust policy denies the EMR role"


def _trust_someone_else(world: World) -> str:
    other = world.case.emr_role_arn.replace("emr-ec2", "other")
    world.trusted_instead.append(other)
    world.trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{world.case.partition}:iam::{EMR_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
        if world.rng.random() < 0.3
        else {
            "Effect": "Allow",
            "Principal": {"AWS": other},
            "Action": "sts:AssumeRole",
        }
    )
    return f"trust policy trusts {world.trust['Statement'][0]['Principal']['AWS']}"


BOUNDARIES = {
    "sqs only": _doc({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}),
    "s3 only": _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    "s3 and kms": _doc({"Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"}),
    "all but deletes": _doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    ),
}


def _boundary(world: World) -> str:
    name = world.rng.choice(sorted(BOUNDARIES))
    world.boundary = json.loads(json.dumps(BOUNDARIES[name]))
    return f"boundary: {name}"


def _drop_key_users(world: World) -> str:
    also_root = world.rng.random() < 0.5
    world.key_policy["Statement"] = [
        statement
        for statement in world.key_policy["Statement"]
        if statement.get("Sid") != "KeyUsers" and not (also_root and statement.get("Sid") == "Root")
    ]
    return "key users removed" + (" with the root statement" if also_root else "")


def _wrong_arn(world: World) -> str:
    wrong = world.rng.choice(
        [
            world.case.role_arn.replace(":role/", ":role/team/"),
            world.case.role_arn.replace(DESTINATION_ACCOUNT, "333333333333"),
        ]
    )
    world.mappings[0]["Role"] = wrong
    return f"mapping names {wrong}"


def _shadowing_mapping(world: World) -> str:
    other = f"other-{world.case.number}"
    world.other_roles.append(other)
    identifier = world.rng.choice([f"s3://{world.case.bucket}/", f"s3://{world.case.bucket}/o"])
    world.mappings.insert(
        0,
        {
            "Role": f"arn:{world.case.partition}:iam::{DESTINATION_ACCOUNT}:role/{other}",
            "IdentifierType": "Prefix",
            "Identifiers": [identifier],
        },
    )
    return f"earlier mapping {identifier} to a role without S3 access"


def _ownership(world: World) -> str:
    world.ownership = world.rng.choice(["ObjectWriter", "BucketOwnerPreferred"])
    return f"ownership {world.ownership}"


def _trailing_slash(world: World) -> str:
    world.mappings[-1]["Identifiers"] = [f"s3://{world.case.bucket}/out/"]
    return "identifier with its trailing slash"


def _list_only_with_prefix(world: World) -> str:
    bucket = _statement_with(world, "s3:ListBucket")
    bucket["Action"] = [action for action in as_list(bucket["Action"]) if action != "s3:ListBucket"]
    world.role_policy["Statement"].append(
        {
            "Sid": "List",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:{world.case.partition}:s3:::{world.case.bucket}",
            "Condition": {"StringLike": {"s3:prefix": ["out/", "out/*"]}},
        }
    )
    return "s3:ListBucket only with an s3:prefix condition"


def _no_marker_grant(world: World) -> str:
    objects = _statement_with(world, "s3:PutObject")
    objects["Resource"] = [arn for arn in objects["Resource"] if not arn.endswith(("_$folder$", "/out"))]
    return "no grant on the prefix's own key and marker"


def _kms_grant_instead(world: World) -> str:
    """The key policy leaves the role out (and IAM policies out: no root statement); a grant may let it in."""
    world.key_policy["Statement"] = [
        statement for statement in world.key_policy["Statement"] if statement.get("Sid") not in ("KeyUsers", "Root")
    ]
    bucket_arn = f"arn:{world.case.partition}:s3:::{world.case.bucket}"
    grant: dict[str, Any] = {
        "GranteePrincipal": world.rng.choice([world.case.role_arn, world.case.emr_role_arn]),
        "Operations": world.rng.choice([["GenerateDataKey", "Decrypt"], ["GenerateDataKey"], ["Decrypt"]]),
    }
    constraint = world.rng.choice(
        [
            None,
            # S3's encryption context: the object's ARN, or the bucket's with an S3 Bucket Key (S3 User Guide,
            # "Using server-side encryption with AWS KMS keys (SSE-KMS)", "Encryption context").
            {"EncryptionContextSubset": {"aws:s3:arn": bucket_arn}},
            {"EncryptionContextEquals": {"aws:s3:arn": f"{bucket_arn}/out/part-00000"}},
        ]
    )
    if constraint is not None:
        grant["Constraints"] = constraint
    world.grants.append(grant)
    return f"key users removed with the root statement; grant {grant}"


def _user_or_group_mapping(world: World) -> str:
    """A ``User`` or ``Group`` mapping first: the writer runs as user ``hadoop`` of group ``hadoop``."""
    kind = world.rng.choice(["User", "Group"])
    name = world.rng.choice(["hadoop", "analysts"])
    other = f"user-{world.case.number}"
    role = world.rng.choice(
        [world.case.role_arn, f"arn:{world.case.partition}:iam::{DESTINATION_ACCOUNT}:role/{other}"]
    )
    if role.endswith(other):
        world.other_roles.append(other)
    world.mappings.insert(0, {"Role": role, "IdentifierType": kind, "Identifiers": [name]})
    return f"earlier {kind} mapping {name} to {role.rsplit('/', 1)[-1]}"


BREAKAGES: dict[str, Callable[[World], str]] = {
    "deny-in-role-policy": _deny_in_role_policy,
    "deny-in-bucket-policy": _deny_in_bucket_policy,
    # Not drawn: a bucket policy denying plain HTTP (aws:SecureTransport false). moto applied it to the writer's
    # plain-HTTP requests (a refusal AWS would not give EMRFS); the stand-in now leaves conditional statements to
    # the writer's judge, and tests/integration/test_partner_policies.py judges it (drawing it here would renumber
    # the cases the study's figures counted).
    "deny-in-key-policy": _deny_in_key_policy,
    "deny-assume-in-emr-policy": _deny_assume_in_emr_policy,
    "no-assume-policy": _no_assume_policy,
    "deny-in-trust": _deny_in_trust,
    "trust-someone-else": _trust_someone_else,
    "boundary": _boundary,
    "drop-key-users": _drop_key_users,
    "wrong-arn": _wrong_arn,
    "shadowing-mapping": _shadowing_mapping,
    "ownership": _ownership,
    "trailing-slash": _trailing_slash,
    "list-only-with-prefix": _list_only_with_prefix,
    "no-marker-grant": _no_marker_grant,
}
#: Kinds added after the study's first figures, drawn apart (a quarter of the cases get one) so that the
#: first kinds' cases keep their numbers: a case re-run by number is the case the figures counted.
ADDED: dict[str, Callable[[World], str]] = {
    "kms-grant-instead": _kms_grant_instead,
    "user-or-group-mapping": _user_or_group_mapping,
}


# Option (a) cases: the EMR EC2 role writes with its own credentials, granted on both sides -----------------------


def _a_deny_in_emr_policy(world: World) -> str:
    action = world.rng.choice(S3_ACTIONS + KMS_ACTIONS)
    world.emr_policy["Statement"].append({"Sid": "RandomDeny", "Effect": "Deny", "Action": action, "Resource": "*"})
    return f"EMR role denies {action}"


def _a_deny_in_bucket_policy(world: World) -> str:
    bucket, partition = world.case.bucket, world.case.partition
    action = world.rng.choice(S3_ACTIONS)
    resource = world.rng.choice(
        [
            f"arn:{partition}:s3:::{bucket}/*",
            f"arn:{partition}:s3:::{bucket}/out_$folder$",
            f"arn:{partition}:s3:::{bucket}",
        ]
    )
    principal = world.rng.choice(["*", {"AWS": world.case.emr_role_arn}])
    return _bucket_deny(world, action, resource, principal)


def _a_deny_in_key_policy(world: World) -> str:
    return f"key policy denies {_key_deny(world, world.case.emr_role_arn)} to the EMR role"


def _a_drop_bucket_statement(world: World) -> str:
    statements = (world.bucket_policy or _doc())["Statement"]
    dropped = statements.pop(world.rng.randrange(len(statements)))
    return f"bucket policy without {dropped['Sid']}"


def _a_drop_emr_statement(world: World) -> str:
    statements = world.emr_policy["Statement"]
    dropped = statements.pop(world.rng.randrange(len(statements)))
    return f"EMR role's policy without {dropped['Sid']}"


def _a_boundary(world: World) -> str:
    name = world.rng.choice(sorted(BOUNDARIES))
    world.boundary = json.loads(json.dumps(BOUNDARIES[name]))
    return f"EMR role's boundary: {name}"


def _a_list_only_with_prefix(world: World) -> str:
    listing = [item for item in world.emr_policy["Statement"] if "s3:ListBucket" in as_list(item["Action"])]
    for item in listing:  # none left when drop-emr-statement dropped it
        item["Condition"] = {"StringLike": {"s3:prefix": ["out/", "out/*"]}}
    return "EMR role's s3:ListBucket only with an s3:prefix condition" if listing else "no s3:ListBucket to condition"


#: The breakages of an option (a) case, drawn from its own generator (:func:`generate_option_a`).
OPTION_A_BREAKAGES: dict[str, Callable[[World], str]] = {
    "deny-in-emr-policy": _a_deny_in_emr_policy,
    "deny-in-bucket-policy": _a_deny_in_bucket_policy,
    "deny-in-key-policy": _a_deny_in_key_policy,
    "drop-bucket-statement": _a_drop_bucket_statement,
    "drop-emr-statement": _a_drop_emr_statement,
    "drop-key-users": _drop_key_users,
    "boundary": _a_boundary,
    "ownership": _ownership,
    "list-only-with-prefix": _a_list_only_with_prefix,
}
#: Option (a) cases are numbered from here: apart from the main study's, whose numbers keep their cases.
OPTION_A_FIRST = 10_000


# The cluster kind: the case launches its cluster with settings drawn from valid and breaking values ----------
#
# Each setting follows the AWS page the verifier's check of it cites (airflow_provider_emrfs_xacct/pure/checks/:
# release.py, access_grants.py, credential_settings.py, configuration.py's routing bypasses, contexts.py's canned
# ACL and Requester Pays header); the writer honours them by devstack/aws_cluster_settings.py.

#: Releases: with role mappings and IMDSv2 (6.15.0, 7.5.0, 5.36.0), without IMDSv2 (6.1.0, 5.31.0), without role
#: mappings (5.9.0), and S3A's (7.10.0, keeping EMRFS or not).
RELEASES = ("emr-6.15.0", "emr-7.5.0", "emr-5.36.0", "emr-6.1.0", "emr-5.31.0", "emr-5.9.0", "emr-7.10.0")
EMRFS_IMPL = "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"


def _access_grants(cluster: Cluster, rng: random.Random) -> str:
    emrfs = cluster.site("emrfs-site")
    emrfs["fs.s3.s3AccessGrants.enabled"] = rng.choice(["true", " TRUE ", "false"])
    fallback = rng.choice([None, "true", "false", " False"])
    if fallback is not None:
        emrfs["fs.s3.s3AccessGrants.fallbackToIAM"] = fallback
    return f"Access Grants {emrfs['fs.s3.s3AccessGrants.enabled']!r} fallback {fallback!r}"


def _access_grants_in_spark(cluster: Cluster, rng: random.Random) -> str:
    cluster.site("spark-defaults")["spark.hadoop.fs.s3.s3AccessGrants.enabled"] = "true"
    return "spark-defaults Access Grants"


def _custom_provider(cluster: Cluster, rng: random.Random) -> str:
    name = rng.choice(["fs.s3.customAWSCredentialsProvider", "fs.s3.credentialsResolverClass"])
    # emrfs-site, or a Spark job's Hadoop configuration: "spark.hadoop.abc.def=xyz represents adding hadoop property
    # abc.def=xyz" (Spark, "Configuration", "Custom Hadoop/Hive Configuration").
    classification, prefix = rng.choice([("emrfs-site", ""), ("spark-defaults", "spark.hadoop.")])
    cluster.site(classification)[prefix + name] = "com.example.PartnerCredentials"
    return f"{classification} {prefix}{name}"


def _s3a_translation_off(cluster: Cluster, rng: random.Random) -> str:
    cluster.site("core-site")["fs.s3a.emrfs.compatibility.enable"] = rng.choice(["false", " FALSE", "true"])
    return f"fs.s3a.emrfs.compatibility.enable {cluster.site('core-site')['fs.s3a.emrfs.compatibility.enable']!r}"


def _canned_acl(cluster: Cluster, rng: random.Random) -> str:
    acl = rng.choice(["BucketOwnerFullControl", "Private", "BucketOwnerRead"])
    classification, prefix = rng.choice([("emrfs-site", ""), ("spark-defaults", "spark.hadoop.")])
    cluster.site(classification)[f"{prefix}fs.s3.canned.acl"] = acl
    return f"canned ACL {acl} in {classification}"


def _requester_pays(cluster: Cluster, rng: random.Random) -> str:
    cluster.requester_pays = True
    header = rng.random() < 0.5
    classification, prefix = rng.choice([("emrfs-site", ""), ("spark-defaults", "spark.hadoop.")])
    if header:
        cluster.site(classification)[f"{prefix}fs.s3.useRequesterPaysHeader"] = "true"
    return f"Requester Pays bucket, header {f'on in {classification}' if header else 'off'}"


def _storage_class(cluster: Cluster, rng: random.Random) -> str:
    """EMRFS's storage class of uploads (migration guide's table: fs.s3.storageClass), which the writer sends."""
    storage_class = rng.choice(["STANDARD_IA", "INTELLIGENT_TIERING", " STANDARD "])
    cluster.site("emrfs-site")["fs.s3.storageClass"] = storage_class
    return f"storage class {storage_class!r}"


def _tls_off(cluster: Cluster, rng: random.Random) -> str:
    """EMRFS's TLS switch (migration guide's table: fs.s3n.ssl.enabled): the writer's aws:SecureTransport."""
    value = rng.choice(["false", " FALSE", "true"])
    cluster.site("emrfs-site")["fs.s3n.ssl.enabled"] = value
    return f"fs.s3n.ssl.enabled {value!r}"


def _imds_v2(cluster: Cluster, rng: random.Random) -> str:
    version = rng.choice([1, 2, 2])
    cluster.security["InstanceMetadataServiceConfiguration"] = {
        "MinimumInstanceMetadataServiceVersion": version,
        "HttpPutResponseHopLimit": 1,
    }
    return f"IMDS minimum version {version}"


def _routing_section(cluster: Cluster, rng: random.Random) -> str:
    """A section of the security configuration that takes writes away from the role mappings (its guide's shape)."""
    role = f"arn:{partition_of(cluster.region)}:iam::{EMR_ACCOUNT}:role/EMR_EC2_DefaultRole"
    choice = rng.choice(["runtime roles", "Lake Formation", "Ranger EMRFS-S3", "Ranger Spark"])
    if choice == "runtime roles":
        section = {"IAMConfiguration": {"EnableApplicationScopedIAMRole": True}}
    elif choice == "Lake Formation":
        section = {
            "IAMConfiguration": {"EnableApplicationScopedIAMRole": True},
            "LakeFormationConfiguration": {"AuthorizedSessionTagValue": "Amazon EMR"},
        }
    else:
        # AWS's shape (Amazon EMR Management Guide, "Create the EMR security configuration" for Apache Ranger): the
        # plugins under RangerPluginConfigurations, each an App with its ClientSecretARN and PolicyRepositoryName.
        secret = f"arn:{partition_of(cluster.region)}:secretsmanager:{cluster.region}:{EMR_ACCOUNT}:secret"
        plugins = [{"App": "Spark", "ClientSecretARN": f"{secret}:spark", "PolicyRepositoryName": "amazon-emr-spark"}]
        if choice == "Ranger EMRFS-S3":
            plugins.append(
                {"App": "EMRFS-S3", "ClientSecretARN": f"{secret}:emrfs", "PolicyRepositoryName": "amazon-emr-emrfs"}
            )
        section = {
            "RangerConfiguration": {
                "AdminServerURL": "https://ranger.example.internal:6182",
                "RoleForRangerPluginsARN": role,
                "RoleForOtherAWSServicesARN": role,
                "AdminServerSecretARN": f"{secret}:admin",
                "RangerPluginConfigurations": plugins,
            }
        }
    cluster.security.setdefault("AuthorizationConfiguration", {}).update(section)
    return choice


CLUSTER_SETTINGS: dict[str, Callable[[Cluster, random.Random], str]] = {
    "access-grants": _access_grants,
    "access-grants-in-spark": _access_grants_in_spark,
    "custom-credentials": _custom_provider,
    "canned-acl": _canned_acl,
    "requester-pays": _requester_pays,
    "imds": _imds_v2,
    "routing-section": _routing_section,
    "s3a-translation-off": _s3a_translation_off,
    "storage-class": _storage_class,
    "tls-off": _tls_off,
}
#: Settings that act from a release on: drawn with such a release more often (Access Grants from 6.15.0, S3A's
#: translation from 7.10.0).
SINCE = {"access-grants": ("emr-6.15.0", "emr-7.5.0", "emr-7.10.0"), "s3a-translation-off": ("emr-7.10.0",)}


def _draw_cluster(rng: random.Random, region: str) -> Cluster:
    """A release and 0 to 2 settings (none: a valid cluster), drawn from :data:`CLUSTER_SETTINGS`."""
    settings = rng.sample(sorted(CLUSTER_SETTINGS), rng.choice([0, 1, 1, 2]))
    recent = [release for name in settings for release in SINCE.get(name, ())]
    release = rng.choice(recent) if recent and rng.random() < 0.75 else rng.choice(RELEASES)
    cluster = Cluster(release, settings, region=region)
    cluster.details.append(cluster.release)
    if cluster.release == "emr-7.10.0" and rng.random() < 0.5:
        cluster.site("core-site")["fs.s3.impl"] = EMRFS_IMPL
        cluster.details.append("fs.s3.impl keeps EMRFS")
    cluster.details.extend(CLUSTER_SETTINGS[name](cluster, rng) for name in cluster.settings)
    return cluster


def generate(number: int, seed: int, region: str = REGION) -> Case:
    """
    Draw the breakages of case ``number`` (0 to 3 of them, and maybe one of :data:`ADDED`; none is the control),
    and whether it launches a cluster (the cluster kind, drawn apart like :data:`ADDED`; half of its cases keep no
    breakage, so that the cluster's settings are judged on a sound chain).
    """
    rng = random.Random(seed * 100_003 + number)
    count = rng.choice([0, 1, 1, 1, 2, 2, 3])
    breakages = rng.sample(sorted(BREAKAGES), count)
    added = random.Random(f"{seed} {number} added")
    if added.random() < 0.25:
        breakages.append(added.choice(sorted(ADDED)))
    clustered = random.Random(f"{seed} {number} cluster")
    cluster = _draw_cluster(clustered, region) if clustered.random() < CLUSTER_SHARE else None
    if cluster is not None and clustered.random() < 0.5:
        breakages = []  # the cluster's settings on an otherwise sound chain: what they alone do
    return Case(number, breakages, cluster=cluster, region=region)


#: The share of cases that launch their cluster (the cluster kind).
CLUSTER_SHARE = 0.25


def generate_option_a(number: int, seed: int, region: str = REGION) -> Case:
    """
    Draw option (a) case ``number`` (from :data:`OPTION_A_FIRST`): 0 to 3 of :data:`OPTION_A_BREAKAGES`, and whether
    it launches a cluster (then half of them keep no breakage), as :func:`generate` draws the main study's.
    """
    rng = random.Random(f"{seed} {number} option a")
    breakages = rng.sample(sorted(OPTION_A_BREAKAGES), rng.choice([0, 1, 1, 1, 2, 2, 3]))
    cluster = _draw_cluster(rng, region) if rng.random() < CLUSTER_SHARE else None
    if cluster is not None and rng.random() < 0.5:
        breakages = []
    return Case(number, breakages, cluster=cluster, region=region, option_a=True)


# Building a case in moto -----------------------------------------------------------------------


@cache
def _client(url: str, account: str, service: str, region: str = REGION) -> Any:
    return client(url, account, service, region)  # type: ignore[arg-type]


def forget_clients() -> None:
    """
    Drop the cached clients: after a reset moto forgets the credentials it issued, and answers their requests
    in its default account (a key policy naming the case's roles is then refused as naming none that exists).
    """
    _client.cache_clear()


def _create_bucket(url: str, case: Case) -> Any:
    """Create the case's bucket in its Region (S3 API Reference, CreateBucket: ``LocationConstraint`` outside
    us-east-1); return the destination account's S3 client."""
    s3 = _client(url, DESTINATION_ACCOUNT, "s3", case.bucket_home)
    if case.bucket_home == "us-east-1":
        s3.create_bucket(Bucket=case.bucket)
    else:
        s3.create_bucket(Bucket=case.bucket, CreateBucketConfiguration={"LocationConstraint": case.bucket_home})
    return s3


def _key_owner_statements(case: Case) -> list[dict[str, Any]]:
    """The key policy's statements for its account (``Root``, which _drop_key_users may drop) and administrators."""
    return [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{case.partition}:iam::{DESTINATION_ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Admins",
            "Effect": "Allow",
            "Principal": {"AWS": key_admin_arn(case.region)},
            "Action": "kms:*",
            "Resource": "*",
        },
    ]


def build(url: str, case: Case, seed: int) -> World:
    """Create the case's resources in moto, its breakages applied."""
    rng = random.Random(seed * 7_919 + case.number)
    kms = _client(url, DESTINATION_ACCOUNT, "kms", case.bucket_home)
    key_policy = _doc(
        *_key_owner_statements(case),
        {
            "Sid": "KeyUsers",
            "Effect": "Allow",
            "Principal": {"AWS": case.role_arn},
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Resource": "*",
        },
    )
    key_arn = kms.create_key(Description=f"differential case {case.number}")["KeyMetadata"]["Arn"]
    world = World(
        url=url,
        case=case,
        rng=rng,
        emr_policy=_doc({"Sid": "Assume", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": case.role_arn}),
        trust=_doc({"Effect": "Allow", "Principal": {"AWS": case.emr_role_arn}, "Action": "sts:AssumeRole"}),
        role_policy=provider_policy(case.bucket, key_arn),
        key_policy=key_policy,
        mappings=validate_role_mappings(
            [{"Role": case.role_arn, "IdentifierType": "Prefix", "Identifiers": [case.output]}]
        ),
        key_arn=key_arn,
    )
    case.details = [{**BREAKAGES, **ADDED}[name](world) for name in case.breakages]

    # KMS, IAM and S3 refuse a policy naming a principal that does not exist: every role is made before a
    # policy names it (the key administrators' role, the roles a breakage trusts, then the case's own).
    create_principals(url, key_admin_arn(case.region), *world.trusted_instead)
    iam_a, iam_b = _client(url, EMR_ACCOUNT, "iam", case.region), _client(url, DESTINATION_ACCOUNT, "iam", case.region)
    ec2_trust = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    iam_a.create_role(RoleName=case.emr_role, AssumeRolePolicyDocument=json.dumps(ec2_trust))
    iam_a.put_role_policy(RoleName=case.emr_role, PolicyName="assume", PolicyDocument=json.dumps(world.emr_policy))
    arguments: dict[str, Any] = {}
    if world.boundary is not None:
        boundary = iam_b.create_policy(PolicyName=f"boundary-{case.number}", PolicyDocument=json.dumps(world.boundary))
        arguments["PermissionsBoundary"] = boundary["Policy"]["Arn"]
    iam_b.create_role(RoleName=case.role, AssumeRolePolicyDocument=json.dumps(world.trust), **arguments)
    iam_b.put_role_policy(RoleName=case.role, PolicyName="access", PolicyDocument=json.dumps(world.role_policy))
    if world.extra_role_policy is not None:
        iam_b.put_role_policy(
            RoleName=case.role, PolicyName="guard", PolicyDocument=json.dumps(world.extra_role_policy)
        )
    for other in world.other_roles:
        iam_b.create_role(RoleName=other, AssumeRolePolicyDocument=json.dumps(world.trust))
    if world.other_roles:
        world.emr_policy["Statement"][0]["Resource"] = [
            case.role_arn,
            *(f"arn:{case.partition}:iam::{DESTINATION_ACCOUNT}:role/{other}" for other in world.other_roles),
        ]
        iam_a.put_role_policy(RoleName=case.emr_role, PolicyName="assume", PolicyDocument=json.dumps(world.emr_policy))
    kms.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(world.key_policy))
    for grant in world.grants:
        kms.create_grant(KeyId=key_arn, **grant)

    _make_bucket(url, case, world, bucket_key=rng.random() < 0.5)
    cluster = case.cluster
    document: dict[str, Any] = {"AuthorizationConfiguration": {"EmrFsConfiguration": {"RoleMappings": world.mappings}}}
    if cluster is not None:
        document.update(
            {name: value for name, value in cluster.security.items() if name != "AuthorizationConfiguration"}
        )
        document["AuthorizationConfiguration"].update(cluster.security.get("AuthorizationConfiguration", {}))
    emr = _client(url, EMR_ACCOUNT, "emr", case.region)
    emr.create_security_configuration(Name=case.configuration, SecurityConfiguration=json.dumps(document))
    world.configuration = case.configuration
    _launch(url, case, world)
    return world


def _make_bucket(url: str, case: Case, world: World, *, bucket_key: bool) -> None:
    """The case's bucket: SSE-KMS with its key, its ownership, its policy and Requester Pays as drawn."""
    s3 = _create_bucket(url, case)
    s3.put_bucket_encryption(
        Bucket=case.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": world.key_arn},
                    "BucketKeyEnabled": bucket_key,
                }
            ]
        },
    )
    s3.put_bucket_ownership_controls(
        Bucket=case.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": world.ownership}]}
    )
    if world.bucket_policy is not None:
        s3.put_bucket_policy(Bucket=case.bucket, Policy=json.dumps(world.bucket_policy))
    if case.cluster is not None and case.cluster.requester_pays:
        s3.put_bucket_request_payment(Bucket=case.bucket, RequestPaymentConfiguration={"Payer": "Requester"})


def _launch(url: str, case: Case, world: World) -> None:
    """Launch the case's cluster (the cluster kind) with its security configuration, if it has one."""
    cluster = case.cluster
    if cluster is None:
        return
    iam_a, emr = _client(url, EMR_ACCOUNT, "iam", case.region), _client(url, EMR_ACCOUNT, "emr", case.region)
    iam_a.create_instance_profile(InstanceProfileName=case.emr_role)
    iam_a.add_role_to_instance_profile(InstanceProfileName=case.emr_role, RoleName=case.emr_role)
    world.cluster_id = emr.run_job_flow(
        Name=f"diff-{case.number}",
        ReleaseLabel=cluster.release,
        Instances={
            "MasterInstanceType": "m5.xlarge",
            "InstanceCount": 1,
            "KeepJobFlowAliveWhenNoSteps": True,
            **({"Ec2SubnetId": cluster.subnet} if cluster.subnet else {}),
        },
        JobFlowRole=case.emr_role,
        ServiceRole="EMR_DefaultRole",
        **({"SecurityConfiguration": world.configuration} if world.configuration else {}),
        Configurations=cluster.configurations,
    )["JobFlowId"]


def build_option_a(url: str, case: Case, seed: int) -> World:
    """
    Create option (a) case ``case`` in moto as the provider's three grants leave it (``GrantBucketAccessOperator``,
    ``GrantKmsKeyUserOperator`` for the EMR EC2 role, ``GrantEmrRoleBucketAccessOperator``), its breakages applied.
    No role mapping: a security configuration only for its cluster's drawn sections.
    """
    rng = random.Random(seed * 7_919 + case.number)
    kms = _client(url, DESTINATION_ACCOUNT, "kms", case.bucket_home)
    key_arn = kms.create_key(Description=f"option (a) case {case.number}")["KeyMetadata"]["Arn"]
    location = S3Location(case.bucket, "out/")
    world = World(
        url=url,
        case=case,
        rng=rng,
        emr_policy=emr_role_bucket_policy(case.partition, {location}, {key_arn}),
        trust=_doc(),
        role_policy=_doc(),
        key_policy=_doc(
            *_key_owner_statements(case),
            {**key_users_statement([case.emr_role_arn]), "Sid": "KeyUsers"},  # the name _drop_key_users drops
        ),
        bucket_policy=bucket_policy_grant(None, case.partition, case.emr_role_arn, {location}),
        key_arn=key_arn,
    )
    case.details = [OPTION_A_BREAKAGES[name](world) for name in case.breakages]
    create_principals(url, key_admin_arn(case.region))
    iam_a = _client(url, EMR_ACCOUNT, "iam", case.region)
    ec2_trust = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    arguments: dict[str, Any] = {}
    if world.boundary is not None:
        boundary = iam_a.create_policy(PolicyName=f"boundary-{case.number}", PolicyDocument=json.dumps(world.boundary))
        arguments["PermissionsBoundary"] = boundary["Policy"]["Arn"]
    iam_a.create_role(RoleName=case.emr_role, AssumeRolePolicyDocument=json.dumps(ec2_trust), **arguments)
    iam_a.put_role_policy(
        RoleName=case.emr_role, PolicyName="bucket-access", PolicyDocument=json.dumps(world.emr_policy)
    )
    kms.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(world.key_policy))
    _make_bucket(url, case, world, bucket_key=rng.random() < 0.5)
    if case.cluster is not None and case.cluster.security:
        emr = _client(url, EMR_ACCOUNT, "emr", case.region)
        emr.create_security_configuration(
            Name=case.configuration, SecurityConfiguration=json.dumps(case.cluster.security)
        )
        world.configuration = case.configuration
    _launch(url, case, world)
    return world


@dataclass
class Outcome:
    """Both answers for one case."""

    case: Case
    verdict: str
    failing: list[str]
    not_checked: list[str]
    writer_success: bool
    writer_failure: str
    objects_owned_by_bucket_owner: bool
    #: Who refused the write: "judge" (the writer's authorization, principalmapper) or "moto" (the
    #: judge allowed the request and moto's own, partial, policy checks refused it).
    refused_by: str = ""
    refused_role: str = ""
    #: The mapping of each failing link (``None``: a link of the whole chain), and the case's mappings.
    failing_mappings: list[int | None] = field(default_factory=list)
    mappings: list[dict[str, Any]] = field(default_factory=list)
    #: Why the writer cannot tell whether the write succeeds (the cluster's settings), else "".
    writer_unknown: str = ""
    #: The failing links that name no fix (README: the verifier "says which one is broken and how to fix it").
    failing_without_fix: list[str] = field(default_factory=list)

    def unreachable_for_the_writer(self, index: int | None) -> bool:
        """
        Whether mapping ``index`` takes no request of the writer's user, whatever the key: a ``User``/``Group``
        mapping of another user or group, or a mapping after one of the writer's user or groups (first match
        wins, across identifier types).
        """
        if index is None:
            return False
        own = [position for position, mapping in enumerate(self.mappings) if _names_the_writer(mapping)]
        mapping = self.mappings[index]
        other_principal = mapping.get("IdentifierType") in ("User", "Group") and not _names_the_writer(mapping)
        return other_principal or any(position < index for position in own)

    @property
    def writer(self) -> str:
        """The writer's answer: "writes", "refused" or "unknown"."""
        return "unknown" if self.writer_unknown else "writes" if self.writer_success else "refused"

    def line(self) -> str:
        cluster = self.case.cluster
        details = [*self.case.details, *([f"cluster {', '.join(cluster.details)}"] if cluster else [])]
        answer = {
            "writes": "succeeds",
            "refused": f"refused: {self.writer_failure}",
            "unknown": f"unknown: {self.writer_unknown}",
        }[self.writer]
        return (
            f"case {self.case.number} [{'; '.join(details) or 'no breakage'}]: verifier {self.verdict} "
            f"{self.failing or self.not_checked or ''}, writer {answer}"
        )


def _names_the_writer(mapping: dict[str, Any]) -> bool:
    identifiers = mapping.get("Identifiers", [])
    return (mapping.get("IdentifierType") == "User" and WRITER_USER in identifiers) or (
        mapping.get("IdentifierType") == "Group" and any(group in identifiers for group in WRITER_GROUPS)
    )


def judge(url: str, readers: Readers, number: int, seed: int, region: str = REGION) -> Outcome:
    """Build case ``number`` in ``region`` (and its partition) and ask the verifier and the writer."""
    from airflow_provider_emrfs_xacct.verify import verify_chain

    case = generate_option_a(number, seed, region) if number >= OPTION_A_FIRST else generate(number, seed, region)
    world = build_option_a(url, case, seed) if case.option_a else build(url, case, seed)
    report, _ = verify_chain(
        readers,
        simulate=False,
        security_configuration=None if case.option_a else case.configuration,
        emr_ec2_role_name=case.emr_role,
        # A cluster's release is read from it (DescribeCluster), as a DAG's verify task after the launch does.
        release_label=None if world.cluster_id else RELEASE,
        cluster_id=world.cluster_id,
        s3_prefixes=[case.output],  # what a User or Group mapping's role must write (the job's output)
    )
    written = write_like_emrfs(
        url,
        emr_account=EMR_ACCOUNT,
        instance_role=case.emr_role,
        security_configuration=world.configuration,
        output_uri=case.output,
        user=WRITER_USER,
        groups=WRITER_GROUPS,
        files=1,
        bucket_account=DESTINATION_ACCOUNT,
        cluster_id=world.cluster_id,
        region=case.region,
    )
    failure = written.first_failure
    owned = all(item.owner_account == DESTINATION_ACCOUNT for item in written.objects.values())
    return Outcome(
        case,
        report.verdict,
        [link.link for link in report.links if link.status == "fail"],
        [link.link for link in report.links if link.status == "not checked"],
        written.success,
        "" if failure is None else f"{failure.operation} {failure.uri} as {failure.role_arn}: {failure.reason}",
        owned,
        "" if failure is None else "moto" if failure.allowed or failure.reason.startswith("moto") else "judge",
        "" if failure is None else failure.role_arn,
        [link.mapping for link in report.links if link.status == "fail"],
        world.mappings,
        written.unknown,
        [link.link for link in report.links if link.status == "fail" and not link.fix.strip()],
    )
