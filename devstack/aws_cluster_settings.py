"""
Which credentials a Spark job's ``s3://`` writes get on a cluster, from its release, ``Configurations`` and
security configuration: what the EMRFS-like writer follows, read from AWS's pages (this project's verifier's code
is not used, so that the writer stays a judge of it).

:func:`credentials_of` answers one of

- ``MAPPINGS``: EMRFS routes each request by the role mappings (:func:`devstack.emrfs_writer.route`);
- ``INSTANCE_ROLE``: every request goes as the EC2 instance profile's role;
- ``REFUSED``: no request gets credentials that can write (the reason says why);
- ``UNKNOWN``: AWS does not document whose credentials the writes get: the writer cannot say whether the write
  succeeds, and must not count it as one.

The rules, each with its page:

- Before 5.10.0 no role mappings: "Amazon EMR versions 5.10.0 and later support IAM roles for EMRFS" (Amazon EMR
  Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"); every request goes as the instance
  profile ("EMRFS assumes the permissions policies that are attached to your Amazon EC2 instance profile").
- IMDSv2 required on a release whose EMR components call IMDSv1: "Amazon EMR supports IMDSv2 in Amazon EMR 5.23.1,
  5.27.1, 5.32 or later, and 6.2 or later. In these releases, Amazon EMR components use IMDSv2 for all IMDS calls"
  and "When you specify that IMDSv2 must be used, IMDSv1 no longer works" (Amazon EMR Management Guide, "Create a
  security configuration", metadata service requests): EMRFS gets no instance credentials, so assumes no role.
- From 7.10.0 ``s3://`` is S3A unless ``core-site`` ``fs.s3.impl`` keeps EMRFS (Amazon EMR Release Guide,
  "Migration guide: EMRFS to S3A filesystem"): see :func:`_s3a_credentials`. A ``fs.s3.impl`` naming neither EMRFS's
  class nor S3A's (a class of the customer's): ``UNKNOWN`` (:func:`emrfs_kept`). Before 7.10.0 a ``fs.s3.impl`` that is
  not EMRFS's, S3A's too: ``UNKNOWN``. A configuration classification overrides the defaults ("To override the
  default configuration for an application, you specify custom values in a configuration classification": Amazon EMR
  Release Guide, "Configure applications when you create a cluster"), so Hadoop serves ``s3://`` with that class,
  and the same guide documents the role mappings' translation to S3A from 7.10.0 only.
- ``emrfs-site`` ``fs.s3.canned.acl`` or ``fs.s3.storageClass`` not exactly a name the writer knows: what EMRFS puts on
  the uploads is not documented, ``UNKNOWN`` (:func:`_unknown_upload_setting`).
- A mapped role's session outside 900-3600 seconds: the instance profile's role session assumes it, which is role
  chaining, and "if you assume a role using role chaining and provide a DurationSeconds parameter value greater than
  one hour, the operation fails" (AWS STS API Reference, AssumeRole, DurationSeconds): ``MAPPINGS`` whose every
  ``AssumeRole`` of a mapped role is refused (``Credentials.session_refused``), while a write no mapping covers goes
  with the instance profile's credentials, which need no ``AssumeRole``. EMRFS's ``emrfs-site``
  ``fs.s3.sts.sessionDurationSeconds`` (whole seconds; another spelling ``UNKNOWN``); S3A's
  :func:`_chained_session_refused`.
- A routing section of the security configuration (runtime roles, Lake Formation, Apache Ranger): each hands some
  or all writes to other credentials (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps";
  "Considerations for Amazon EMR with Lake Formation"; "EMRFS S3 plugin": "EMRFS sends a request for credentials
  to the Secret Agent process"). The stand-in has no runtime role, Lake Formation or Ranger policy: ``UNKNOWN``.
  IAM Identity Center (``AuthenticationConfiguration.IdentityCenterConfiguration.EnableIdentityCenter``): such a
  cluster gets its S3 access from S3 Access Grants ("Working with S3 Access Grants on an IAM Identity Center enabled
  EMR cluster"), and AWS does not say whether the role mappings still apply: ``UNKNOWN``.
- ``fs.s3.customAWSCredentialsProvider`` or ``fs.s3.credentialsResolverClass``, in ``emrfs-site`` or in a Spark
  job's Hadoop configuration (``spark-defaults`` ``spark.hadoop.<name>``: "spark.hadoop.abc.def=xyz represents adding
  hadoop property abc.def=xyz", Spark, "Configuration"; EMRFS's ``fs.s3.*`` settings are Hadoop properties that a
  job may set: AWS Knowledge Center, "Access Amazon S3 Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon
  Athena", sets ``fs.s3.useRequesterPaysHeader`` with ``hadoopConfiguration().set``): credentials of a class of the
  customer's (Amazon EMR Release Guide, "Authorizing access to EMRFS data in Amazon S3"), which the stand-in cannot
  run: ``UNKNOWN``.
- S3 Access Grants (6.15.0 on), ``emrfs-site`` ``fs.s3.s3AccessGrants.enabled=true``: "When a Spark job makes a
  request for S3 data, Amazon S3 provides temporary credentials that are scoped to the specific bucket, prefix, or
  object" (Amazon EMR Management Guide, "Using Amazon S3 Access Grants with Amazon EMR"). The stand-in holds no
  grant, so with ``fs.s3.s3AccessGrants.fallbackToIAM=false`` the write is refused; with ``true`` a request without
  a grant falls back to an IAM role the page does not relate to the mappings, and unset the page gives no default:
  both ``UNKNOWN``. The same settings under ``spark-defaults`` (``spark.hadoop.``) also reach a Spark job: ``UNKNOWN``.
- The role mappings' own settings set by the cluster (:func:`_role_mapping_settings`): the security configuration's
  mappings reach EMRFS as ``fs.s3.authorization.roleMapping``, which EMR maps, with
  ``fs.s3.authorization.ugi.groupName.enabled``, to S3A's ``fs.s3a.authorization.roleMapping`` and
  ``fs.s3a.authorization.ugi.groupName.enabled``, and "The mapping process automatically occurs when S3A
  configurations are undefined while corresponding EMRFS configurations are present" (Amazon EMR Release Guide,
  "Migration guide: EMRFS to S3A filesystem"). Where S3A serves ``s3://``, S3A's own (``core-site``, or the written
  bucket's ``fs.s3a.bucket.BUCKET.`` form) keeps the security configuration's from being translated, translation
  switch on or off, and AWS documents no format of S3A's mappings; set but empty, whether EMR takes it as undefined
  is not documented; in ``emrfs-site``, whether S3A reads it there is not documented: ``UNKNOWN``. EMRFS's (``emrfs-site`` or ``core-site``, or the ``fs.s3.bucket.BUCKET.`` form)
  beside the security configuration's: which one EMRFS, or S3A translating it, follows is not documented:
  ``UNKNOWN``. The ``ugi.groupName.enabled`` twins, whose effect is not documented: ``UNKNOWN``.

A setting the writer follows that ``spark-defaults`` sets for Spark jobs (``spark.hadoop.<name>``) to another value
than its site file: which of the two the job's connector follows is not documented (``UNKNOWN``). A role mapping
setting's ``spark.hadoop.`` form is ``UNKNOWN`` whatever the site files say: unlike theirs, by that rule; like it, the
site's own is set.

A connector setting the writer follows that ``hive-site``, ``spark-hive-site``, ``hdfs-site``, ``mapred-site`` or
``yarn-site`` sets to another value than the site files (:func:`_other_file_setting`): those reach the Hadoop
configuration of the jobs that load them, after ``core-site.xml`` (Apache Hadoop API,
``org.apache.hadoop.conf.Configuration``; Spark, "Configuration", "Custom Hadoop/Hive Configuration"), and which
files a job on EMR loads is not documented: ``UNKNOWN``.

Hadoop reads a boolean setting trimmed and in any case, ``true`` or ``false`` (``Configuration.getBoolean``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

MAPPINGS = "mappings"
INSTANCE_ROLE = "instance role"
REFUSED = "refused"
UNKNOWN = "unknown"

EMRFS_IMPL = "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"
#: S3A's class (Apache Hadoop, ``core-default.xml``: ``fs.s3a.impl``, "The implementation class of the S3A Filesystem").
S3A_IMPL = "org.apache.hadoop.fs.s3a.S3AFileSystem"
#: emrfs-site's canned ACL names and the ``x-amz-acl`` header each sends (Hadoop's ``CannedAccessControlList``
#: names, as the Amazon EMR Release Guide's ``fs.s3.canned.acl`` example ``BucketOwnerFullControl`` shows).
CANNED_ACLS = {
    "Private": "private",
    "PublicRead": "public-read",
    "PublicReadWrite": "public-read-write",
    "AuthenticatedRead": "authenticated-read",
    "LogDeliveryWrite": "log-delivery-write",
    "BucketOwnerRead": "bucket-owner-read",
    "BucketOwnerFullControl": "bucket-owner-full-control",
    "AwsExecRead": "aws-exec-read",
}


@dataclass(frozen=True)
class Credentials:
    """Whose credentials the writes get, and why."""

    kind: str
    reason: str = ""
    #: Why STS refuses every ``AssumeRole`` of a mapped role (its session's duration), with ``MAPPINGS``; a write no
    #: mapping covers goes with the instance profile's credentials, with no ``AssumeRole``, and is not refused by it.
    session_refused: str = ""


def release(label: str | None) -> tuple[int, int, int] | None:
    """``emr-6.15.0`` as ``(6, 15, 0)``; ``None`` for no label or another shape."""
    found = re.fullmatch(r"emr-(\d+)\.(\d+)\.(\d+)", (label or "").strip())
    return None if found is None else (int(found[1]), int(found[2]), int(found[3]))


def site(configurations: list[dict[str, Any]], classification: str) -> dict[str, str]:
    """
    The properties of ``classification`` (top-level entries; a later entry's value wins), by their names trimmed as
    Hadoop reads them (its resource parser keeps a ``<name>``'s text ``trim()``-ed: Apache Hadoop,
    ``org.apache.hadoop.conf.Configuration``; Java's ``Properties.load`` skips the white space around a key too).
    """
    properties: dict[str, str] = {}
    for item in configurations:
        if item.get("Classification") == classification:
            properties.update(
                {str(name).strip(JAVA_TRIMMED): str(value) for name, value in (item.get("Properties") or {}).items()}
            )
    return properties


#: What Hadoop's ``Configuration.getTrimmed`` removes from each end of a value: Java's ``String.trim`` removes "any
#: character whose codepoint is less than or equal to 'U+0020'" and no other (Java SE API, ``String.trim``), unlike
#: Python's ``str.strip``, which also removes U+00A0, U+3000 and other Unicode spaces.
JAVA_TRIMMED = "".join(map(chr, range(0x21)))


def _same_ignoring_case(text: str, word: str) -> bool:
    """
    Java's ``String.equalsIgnoreCase`` (Java SE API): the same length, and each pair of characters equal, or equal once
    ``Character.toUpperCase`` maps each, or once ``Character.toLowerCase`` does; one character to one (a Python
    mapping to more than one character, as ``"ß".upper()``, leaves the character as it is). ``"falſe"`` (U+017F)
    is ``"false"``.
    """
    if len(text) != len(word):
        return False
    for mine, theirs in zip(text, word, strict=True):
        ups = [c.upper() if len(c.upper()) == 1 else c for c in (mine, theirs)]
        lows = [c.lower() if len(c.lower()) == 1 else c for c in (mine, theirs)]
        if mine != theirs and ups[0] != ups[1] and lows[0] != lows[1]:
            return False
    return True


def flag(properties: dict[str, str], name: str) -> bool | None:
    """
    A Hadoop boolean as ``Configuration.getBoolean`` reads it (Apache Hadoop, ``org.apache.hadoop.conf.Configuration``:
    ``getTrimmed``, then ``StringUtils.equalsIgnoreCase``, Java's ``String.equalsIgnoreCase``, with true/false):
    ``True``/``False``, or ``None`` when unset or neither (``getBoolean`` then takes its caller's default, not
    documented for these settings).
    """
    value = properties.get(name)
    if value is None:
        return None
    text = str(value).strip(JAVA_TRIMMED)
    return True if _same_ignoring_case(text, "true") else False if _same_ignoring_case(text, "false") else None


def emrfs_kept(core: dict[str, str]) -> bool | None:
    """
    Whether ``core-site`` ``fs.s3.impl`` keeps EMRFS as Hadoop loads it: ``Configuration.getClass`` takes the value
    through ``getTrimmed`` (Java's trim) to ``getClassByName``. ``True``: EMRFS's class; ``False``: unset or S3A's
    class; ``None``: anything else, a class of the customer's (a subclass or wrapper) or no class at all (EMRFS's
    name padded with a no-break space, say): what EMR then serves ``s3://`` with is not documented.
    """
    value = core.get("fs.s3.impl")
    if value is None:
        return False
    name = value.strip(JAVA_TRIMMED)
    return True if name == EMRFS_IMPL else False if name == S3A_IMPL else None


def _imds_v2(version: tuple[int, int, int]) -> bool:
    major, minor, patch = version
    if major == 5:
        return minor >= 32 or (minor, patch) in ((23, 1), (27, 1)) or (minor in (23, 27) and patch > 1)
    return major > 6 or (major == 6 and minor >= 2)


def credentials_of(
    label: str | None, configurations: list[dict[str, Any]], document: dict[str, Any], bucket: str | None = None
) -> Credentials:
    """
    Whose credentials a Spark job's ``s3://`` writes to ``bucket`` get on the cluster (see the module docstring);
    ``bucket`` ``None``: any bucket (every per-bucket S3A setting counts).
    """
    version = release(label)
    if version is None:
        return Credentials(UNKNOWN, f"release {label!r} is not read")
    imds = document.get("InstanceMetadataServiceConfiguration") or {}
    if str(imds.get("MinimumInstanceMetadataServiceVersion", "")).strip() == "2" and not _imds_v2(version):
        return Credentials(REFUSED, f"{label}'s EMR components call IMDSv1, which the security configuration turns off")
    odd = _unknown_upload_setting(site(configurations, "emrfs-site"))
    if odd:
        return Credentials(UNKNOWN, odd)
    if version < (5, 10, 0):
        return Credentials(INSTANCE_ROLE, f"{label} has no EMRFS role mappings")
    differing = _spark_differs(configurations, bucket)
    if differing:
        return Credentials(UNKNOWN, f"spark-defaults sets {differing} for Spark jobs, unlike the cluster's site file")
    carried = _other_file_setting(configurations, bucket)
    if carried:
        return Credentials(UNKNOWN, f"{carried}, unlike the cluster's site file: which one the job follows is unknown")
    unreadable = _unreadable_flag(configurations)
    if unreadable:
        return Credentials(
            UNKNOWN, f"{unreadable} is neither true nor false: how the connector reads it is not documented"
        )
    section = _routing_section(document)
    if section:
        return Credentials(UNKNOWN, f"the security configuration's {section} hands writes to other credentials")
    return _connector_credentials(label, version, configurations, bucket)


def _connector_credentials(
    label: str | None, version: tuple[int, int, int], configurations: list[dict[str, Any]], bucket: str | None
) -> Credentials:
    """Whose credentials the writes get through the connector ``core-site`` ``fs.s3.impl`` makes serve ``s3://``."""
    core = site(configurations, "core-site")
    kept = emrfs_kept(core)  # Hadoop reads core-site's
    if version >= (7, 10, 0) and kept is None:
        return Credentials(
            UNKNOWN,
            f"core-site fs.s3.impl={core['fs.s3.impl']!r} names neither EMRFS's nor S3A's class: the connector is unknown",
        )
    if version < (7, 10, 0) and "fs.s3.impl" in core and not kept:
        # Hadoop serves s3:// with that class on any release; AWS documents the role mappings' translation to S3A
        # from 7.10.0 only, and nothing of a customer's class.
        return Credentials(
            UNKNOWN,
            f"core-site fs.s3.impl={core['fs.s3.impl']!r} is not EMRFS's class on {label}, before 7.10.0: whether the "
            "role mappings reach what then serves s3:// is not documented",
        )
    if version >= (7, 10, 0) and not kept:
        return _s3a_credentials(label, configurations, bucket)
    return _emrfs_credentials(version, configurations, bucket)


def _unknown_upload_setting(emrfs: dict[str, str]) -> str:
    """
    ``emrfs-site`` ``fs.s3.canned.acl`` or ``fs.s3.storageClass`` set to a value that is not exactly one of the names
    the writer knows (:data:`CANNED_ACLS`; S3's own ``StorageClass`` values, from botocore's model of PutObject), as
    ``"NAME='VALUE' ..."``, or ``""``: what EMRFS puts on the uploads for another spelling (padded, in another case)
    is not documented, so whether they succeed is not known.
    """
    acl = emrfs.get("fs.s3.canned.acl")
    if acl and acl not in CANNED_ACLS:
        return f"fs.s3.canned.acl={acl!r} is no canned ACL name EMRFS documents: what the uploads carry is unknown"
    storage = emrfs.get("fs.s3.storageClass")
    if storage and storage not in storage_classes():
        return f"fs.s3.storageClass={storage!r} is no S3 storage class: what the uploads carry is unknown"
    return ""


@functools.cache
def storage_classes() -> tuple[str, ...]:
    """S3's ``StorageClass`` values (botocore's model of the S3 API)."""
    import botocore.session

    return tuple(botocore.session.get_session().get_service_model("s3").shape_for("StorageClass").metadata["enum"])


def _with_bucket_level(properties: dict[str, str], names: tuple[str, ...], bucket: str | None) -> list[str]:
    """
    Which of the ``fs.s3.<option>`` ``names`` ``properties`` sets, or their bucket-level ``fs.s3.bucket.BUCKET.<option>``
    for ``bucket`` (``None``: any bucket). EMR's translation to S3A "extends to bucket-level configurations" (Amazon EMR
    Release Guide, "Migration guide: EMRFS to S3A filesystem"), and AWS shows EMRFS's own bucket-level form of the
    SSE-KMS key only: what a bucket-level form of another option does is not documented.
    """
    found = []
    for name in properties:
        for option in names:
            tail = option.removeprefix("fs.s3.")
            bucket_level = name.startswith("fs.s3.bucket.") and name.endswith(f".{tail}")
            if name == option or (bucket_level and (bucket is None or name == f"fs.s3.bucket.{bucket}.{tail}")):
                found.append(name)
                break
    return found


#: The role mappings' own options, after ``fs.s3.`` (EMRFS) or ``fs.s3a.`` (S3A), each connector's name of them in the
#: table of the Amazon EMR Release Guide's "Migration guide: EMRFS to S3A filesystem".
ROLE_MAPPING_OPTIONS = ("authorization.roleMapping", "authorization.ugi.groupName.enabled")


def _role_mapping_settings(configurations: list[dict[str, Any]], scheme: str, bucket: str | None) -> dict[str, str]:
    """
    The role mappings' own settings of ``scheme`` (``"s3"``: EMRFS's ``fs.s3.<option>``; ``"s3a"``: S3A's
    ``fs.s3a.<option>``) the cluster sets, base or for ``bucket`` (``fs.s3.bucket.BUCKET.<option>``, EMRFS's form that
    the translation "extends to"; ``fs.s3a.bucket.BUCKET.<option>``, Hadoop's per-bucket one; ``None``: any bucket), in
    ``emrfs-site``, ``core-site`` (which every Hadoop file system's configuration loads) or as a Spark job's
    ``spark-defaults`` ``spark.hadoop.<name>``, as ``{"SITE NAME": value}``.
    """
    found: dict[str, str] = {}
    for classification in ("emrfs-site", "core-site", "spark-defaults"):
        prefix = "spark.hadoop." if classification == "spark-defaults" else ""
        for name, value in site(configurations, classification).items():
            option = name[len(prefix) :] if name.startswith(prefix) else ""
            stem = f"fs.{scheme}.bucket."
            for tail in ROLE_MAPPING_OPTIONS:
                bucket_level = (
                    option.startswith(stem) and option.endswith(f".{tail}") and len(option) > len(stem + tail) + 1
                )
                if option == f"fs.{scheme}.{tail}" or (
                    bucket_level and (bucket is None or option == f"{stem}{bucket}.{tail}")
                ):
                    found[f"{classification} {name}"] = value
    return found


def sts_endpoint_site(label: str | None, configurations: list[dict[str, Any]], bucket: str) -> dict[str, str]:
    """
    The cluster's ``emrfs-site``, its ``fs.s3.sts.endpoint`` being the STS endpoint the ``s3://`` connector calls for
    the mapped roles of ``bucket`` (what :func:`devstack.aws_network.sts_unreachable` judges).

    EMRFS reads ``emrfs-site`` ``fs.s3.sts.endpoint`` (Amazon EMR Release Guide, "Managing the default AWS Security
    Token Service endpoint"). Where S3A serves ``s3://`` (7.10.0 on, unless ``core-site`` ``fs.s3.impl`` keeps EMRFS)
    it reads ``core-site`` ``fs.s3a.bucket.BUCKET.assumed.role.sts.endpoint`` for that bucket ("When connecting to a
    bucket, all options explicitly set for that bucket will override the base fs.s3a. values": Apache Hadoop,
    "Hadoop-AWS module", "Configuring different S3 buckets with Per-Bucket Configuration"), else
    ``fs.s3a.assumed.role.sts.endpoint``, which EMR fills from the EMRFS one when it is not set, unless
    ``fs.s3a.emrfs.compatibility.enable=false`` (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
    filesystem", "EMRFS to S3A Configuration Mapping"); EMRFS's bucket-level ``fs.s3.bucket.BUCKET.sts.endpoint``,
    translated for that bucket, before the base ones, but beside S3A's own base one an endpoint not told (which of
    the two S3A reads is not documented).
    """
    emrfs = site(configurations, "emrfs-site")
    core = site(configurations, "core-site")
    version = release(label)
    before_s3a = version is not None and version < (7, 10, 0)
    if version is None or emrfs_kept(core) or (before_s3a and "fs.s3.impl" not in core):
        return emrfs
    chosen = {name: value for name, value in emrfs.items() if name != "fs.s3.sts.endpoint"}
    if emrfs_kept(core) is None or before_s3a:  # before 7.10.0: credentials_of's unknown connector too
        chosen["fs.s3.sts.endpoint"] = (
            f"EMRFS's or another's (core-site fs.s3.impl={core['fs.s3.impl']!r} is not EMRFS's class on {label})"
            if before_s3a
            else f"EMRFS's or S3A's (core-site fs.s3.impl={core['fs.s3.impl']!r} names neither EMRFS's nor S3A's class)"
        )
        return chosen
    switch = flag(core, "fs.s3a.emrfs.compatibility.enable")
    translating = switch is not False
    translated = emrfs.get("fs.s3.sts.endpoint") if translating else None
    bucket_level = emrfs.get(f"fs.s3.bucket.{bucket}.sts.endpoint") if translating else None
    own, base = (
        core.get(f"fs.s3a.bucket.{bucket}.assumed.role.sts.endpoint"),
        core.get("fs.s3a.assumed.role.sts.endpoint"),
    )
    if switch is None and "fs.s3a.emrfs.compatibility.enable" in core and not own and not base:
        # Neither true nor false (Hadoop's getBoolean then takes its caller's default, which the guide does not
        # give): whether EMR translates the EMRFS endpoint is not documented, so S3A calls it or its own default.
        emrfs_endpoint = bucket_level or translated
        if emrfs_endpoint:
            chosen["fs.s3.sts.endpoint"] = (
                f"{emrfs_endpoint} or S3A's default (whether EMR translates it is not documented: "
                "core-site fs.s3a.emrfs.compatibility.enable is neither true nor false)"
            )
            return chosen
    if not own and bucket_level and base and bucket_level.strip(JAVA_TRIMMED) != base.strip(JAVA_TRIMMED):
        # Whether S3A's own base setting keeps EMRFS's bucket-level one from being translated is not documented (the
        # guide's mapping occurs "when S3A configurations are undefined"): an endpoint the judge cannot tell.
        chosen["fs.s3.sts.endpoint"] = f"{base} or {bucket_level} (which one S3A reads is not documented)"
        return chosen
    # The translation "extends to bucket-level configurations" (same guide): EMRFS's fs.s3.bucket.BUCKET.sts.endpoint
    # is S3A's setting for that bucket, which wins over the base one (Hadoop's per-bucket rule).
    for endpoint in (own, bucket_level, base, translated):
        if endpoint:
            chosen["fs.s3.sts.endpoint"] = endpoint
            break
    return chosen


#: The settings the writer follows, by the site file it reads them from.
FOLLOWED = (
    ("emrfs-site", "fs.s3.canned.acl"),
    ("emrfs-site", "fs.s3.useRequesterPaysHeader"),
    ("emrfs-site", "fs.s3.enableServerSideEncryption"),
    ("emrfs-site", "fs.s3.serverSideEncryption.kms.keyId"),
    ("emrfs-site", "fs.s3.storageClass"),
    ("emrfs-site", "fs.s3n.ssl.enabled"),
    ("core-site", "fs.s3.impl"),
    ("core-site", "fs.s3a.emrfs.compatibility.enable"),
)
#: The settings the writer follows for the bucket it writes to, ``{bucket}`` standing for it: EMRFS's bucket-specific
#: SSE-KMS key (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": "a bucket-specific encryption
#: setting in EMRFS using 'fs.s3.bucket.amzn-s3-demo-bucket1.serverSideEncryption.kms.keyId'").
FOLLOWED_PER_BUCKET = (("emrfs-site", "fs.s3.bucket.{bucket}.serverSideEncryption.kms.keyId"),)


#: The boolean settings the writer follows (or that change what it would replay: client-side encryption).
FOLLOWED_FLAGS = (
    ("emrfs-site", "fs.s3.useRequesterPaysHeader"),
    ("emrfs-site", "fs.s3.enableServerSideEncryption"),
    ("emrfs-site", "fs.s3.cse.enabled"),
    ("emrfs-site", "fs.s3n.ssl.enabled"),
)


def _unreadable_flag(configurations: list[dict[str, Any]]) -> str:
    """A followed boolean setting (:data:`FOLLOWED_FLAGS`) set to neither ``true`` nor ``false`` (:func:`flag`), or ``""``."""
    for classification, name in FOLLOWED_FLAGS:
        properties = site(configurations, classification)
        if name in properties and flag(properties, name) is None:
            return f"{classification} {name}={properties[name]!r}"
    return ""


def _spark_differs(configurations: list[dict[str, Any]], bucket: str | None = None) -> str:
    """
    A followed setting that ``spark-defaults`` gives Spark jobs (``spark.hadoop.<name>``) another value of than its
    site file (as Hadoop reads both: :func:`as_hadoop_reads`), or ``""``: which of the two the job's connector follows
    is not documented. ``bucket`` ``None``: any bucket's (every ``spark.hadoop.`` bucket-specific one counts).
    """
    spark = site(configurations, "spark-defaults")
    per_bucket: list[tuple[str, str]] = []
    for classification, pattern in FOLLOWED_PER_BUCKET:
        if bucket is not None:
            per_bucket.append((classification, pattern.format(bucket=bucket)))
            continue
        head, tail = pattern.split("{bucket}")
        per_bucket.extend(
            (classification, name.removeprefix("spark.hadoop."))
            for name in spark
            if name.startswith(f"spark.hadoop.{head}") and name.endswith(tail)
        )
    for classification, name in (*FOLLOWED, *per_bucket):
        job, own = spark.get(f"spark.hadoop.{name}"), site(configurations, classification).get(name)
        if job is None:
            continue
        # As Hadoop reads both (as_hadoop_reads): TRUE for Spark jobs is the site's true, 1h its 3600.
        if own is None or as_hadoop_reads(name, job) != as_hadoop_reads(name, own):
            return name
    return ""


def _switched_on(value: Any) -> bool:
    """A security configuration's switch read as on: ``true``, or its text in any case."""
    return str(value).lower() == "true"


def _routing_section(document: dict[str, Any]) -> str:
    """
    The section of the security configuration that hands writes to other credentials, or ``""``. IAM Identity Center
    (``"EnableIdentityCenter": true``): such a cluster gets its S3 access from S3 Access Grants (Amazon EMR Management
    Guide, "Working with S3 Access Grants on an IAM Identity Center enabled EMR cluster",
    https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-idc-s3ag.html), and AWS does not say whether the role
    mappings still apply. Its switch is read as the runtime roles' one is.
    """
    authorization = document.get("AuthorizationConfiguration") or {}
    runtime = (authorization.get("IAMConfiguration") or {}).get("EnableApplicationScopedIAMRole")
    identity_center = (
        (document.get("AuthenticationConfiguration") or {}).get("IdentityCenterConfiguration") or {}
    ).get("EnableIdentityCenter")
    for section, on in (
        ("IAMConfiguration.EnableApplicationScopedIAMRole", _switched_on(runtime)),
        ("AuthenticationConfiguration.IdentityCenterConfiguration.EnableIdentityCenter", _switched_on(identity_center)),
        ("LakeFormationConfiguration", "LakeFormationConfiguration" in authorization),
        ("RangerConfiguration", "RangerConfiguration" in authorization),
    ):
        if on:
            return section
    return ""


def _emrfs_credentials(
    version: tuple[int, int, int], configurations: list[dict[str, Any]], bucket: str | None = None
) -> Credentials:
    """
    Where EMRFS serves ``s3://``: a credentials class of the customer's (its bucket-level form for ``bucket`` too,
    :func:`_with_bucket_level`), the role mappings' own EMRFS settings (:func:`_role_mapping_settings`), or S3 Access
    Grants, or the mappings.
    """
    emrfs = site(configurations, "emrfs-site")
    spark = site(configurations, "spark-defaults")
    job = {name.removeprefix("spark.hadoop."): value for name, value in spark.items()}
    for properties in (emrfs, job):
        for name in _with_bucket_level(
            properties, ("fs.s3.customAWSCredentialsProvider", "fs.s3.credentialsResolverClass"), bucket
        ):
            return Credentials(UNKNOWN, f"{name} gives EMRFS credentials of a class of its own")
    own = _role_mapping_settings(configurations, "s3", bucket)
    if own:
        return Credentials(
            UNKNOWN,
            f"{', '.join(own)} set beside the security configuration's role mappings: which EMRFS follows is not "
            "documented",
        )
    differing = _bucket_level_upload_setting(emrfs, bucket)
    if differing:
        return Credentials(
            UNKNOWN,
            f"emrfs-site {differing} is set unlike the base setting, and whether EMRFS reads that bucket-level form is "
            "not documented: what the uploads carry is unknown",
        )
    name = "fs.s3.sts.sessionDurationSeconds"
    refused = {setting: _session_refused(setting, emrfs[setting]) for setting in (name,) if setting in emrfs}
    # EMRFS's bucket-level form of the duration: whether EMRFS reads it AWS does not document (it shows that form for
    # the SSE-KMS key only); where it and the base one would fare differently, the writes are not known.
    bucket_name = f"fs.s3.bucket.{bucket}.sts.sessionDurationSeconds" if bucket else None
    if bucket_name in emrfs:
        refused[bucket_name] = _session_refused(bucket_name, emrfs[bucket_name])
    for setting, answer in refused.items():
        if answer is None:
            return Credentials(UNKNOWN, f"{setting}={emrfs[setting]!r} is not whole seconds")
    if bucket_name in refused and bool(refused[bucket_name]) != bool(refused.get(name, "")):
        return Credentials(
            UNKNOWN,
            f"{bucket_name} and {name} would fare differently, and whether EMRFS reads the first is not documented",
        )
    session_refused = refused.get(name) or refused.get(bucket_name or "", "") or ""
    credentials = _emrfs_route(version, emrfs, spark)
    if credentials.kind == MAPPINGS and session_refused:
        return Credentials(MAPPINGS, session_refused=session_refused)
    return credentials


#: EMRFS's settings of what its uploads carry that the writer follows in their base form (``emrfs-site``).
EMRFS_UPLOAD_OPTIONS = ("fs.s3.canned.acl", "fs.s3.storageClass", "fs.s3.useRequesterPaysHeader")


def _bucket_level_upload_setting(emrfs: dict[str, str], bucket: str | None) -> str:
    """
    The first ``fs.s3.bucket.BUCKET.<option>`` of :data:`EMRFS_UPLOAD_OPTIONS` set for ``bucket`` (``None``: any) to
    another value than the base ``fs.s3.<option>`` (a flag as Hadoop reads it, the rest trimmed as Java trims), or
    ``""``. AWS shows EMRFS's bucket-level form of the SSE-KMS key only (Amazon EMR Release Guide, "Migration guide:
    EMRFS to S3A filesystem"): whether EMRFS reads one of these is not documented, so the headers are not known.
    """
    for name in _with_bucket_level(emrfs, EMRFS_UPLOAD_OPTIONS, bucket):
        option = next(option for option in EMRFS_UPLOAD_OPTIONS if name.endswith("." + option.removeprefix("fs.s3.")))
        if name == option:
            continue
        if option == "fs.s3.useRequesterPaysHeader":
            same = flag(emrfs, name) is not None and flag(emrfs, name) == (flag(emrfs, option) or False)
        else:
            same = option in emrfs and emrfs[name].strip(JAVA_TRIMMED) == emrfs[option].strip(JAVA_TRIMMED)
        if not same:
            return name
    return ""


def _session_refused(setting: str, duration: str) -> str | None:
    """Why STS refuses an EMRFS session duration (``""``: it does not; ``None``: not whole seconds in ASCII digits, how
    EMRFS reads any other spelling, other scripts' digits too, is not documented), trimmed as Java trims (Hadoop's
    getters)."""
    if not re.fullmatch(r"[0-9]+", duration.strip(JAVA_TRIMMED)):
        return None
    low, high = CHAINED_SESSION_SECONDS
    if low <= int(duration.strip(JAVA_TRIMMED)) <= high:
        return ""
    return f"{setting}={duration!r} asks STS for a chained role session outside {low}-{high} seconds"


def _emrfs_route(version: tuple[int, int, int], emrfs: dict[str, str], spark: dict[str, str]) -> Credentials:
    """Whether EMRFS's role mappings route the writes, past its credentials class (S3 Access Grants or not)."""
    if version < (6, 15, 0):
        return Credentials(MAPPINGS)
    if flag(spark, "spark.hadoop.fs.s3.s3AccessGrants.enabled"):
        return Credentials(UNKNOWN, "spark-defaults turns on S3 Access Grants for the job")
    for properties, name in (
        (spark, "spark.hadoop.fs.s3.s3AccessGrants.enabled"),
        (emrfs, "fs.s3.s3AccessGrants.enabled"),
    ):
        if name in properties and flag(properties, name) is None:
            return Credentials(UNKNOWN, f"{name}={properties[name]!r} is neither true nor false: not documented")
    if not flag(emrfs, "fs.s3.s3AccessGrants.enabled"):
        return Credentials(MAPPINGS)
    fallback = flag(emrfs, "fs.s3.s3AccessGrants.fallbackToIAM")
    if fallback is False:
        return Credentials(REFUSED, "S3 Access Grants without fallback to IAM, and no grant covers the output")
    return Credentials(
        UNKNOWN,
        "S3 Access Grants with "
        + ("fallback to an IAM role not related to the mappings" if fallback else "no fallback setting"),
    )


#: S3A's options that give it credentials of its own (Apache Hadoop, "Hadoop-AWS module", "Authenticating with
#: S3"; "Working with IAM Assumed Roles"), also per bucket as ``fs.s3a.bucket.<bucket>.<option>``.
S3A_CREDENTIAL_OPTIONS = (
    "aws.credentials.provider",
    "access.key",
    "session.token",
    "assumed.role.arn",
    "credentials.resolver",
    # The Hadoop credential stores S3A reads its keys from: "fs.s3a.security.credential.provider.path which only lists
    # credential providers for S3A filesystems" (Apache Hadoop, "Hadoop-AWS module", "Protecting the AWS Credentials").
    "security.credential.provider.path",
)
#: The same page's store "global to all filesystems and secrets", not an ``fs.s3a.`` option.
HADOOP_CREDENTIAL_STORES = "hadoop.security.credential.provider.path"


def _s3a_credentials(label: str | None, configurations: list[dict[str, Any]], bucket: str | None) -> Credentials:
    """
    Where S3A serves ``s3://``: EMR translates the role mappings (``fs.s3.authorization.roleMapping`` to
    ``fs.s3a.authorization.roleMapping``) unless ``core-site`` ``fs.s3a.emrfs.compatibility.enable=false`` turns the
    translation off (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"); then S3A has no mapping
    and goes as the instance profile. S3A's own credential options, EMRFS's credentials resolver (translated to
    ``fs.s3a.credentials.resolver``), S3 Access Grants ("S3 access through the open-source S3A protocol" is not
    supported: Amazon EMR Management Guide, "Using Amazon S3 Access Grants with Amazon EMR") and the emrfs-site
    canned ACL and Requester Pays header (whose translation this writer does not know), S3A's own encryption
    options, the role mappings' own settings (S3A's whatever the switch says, EMRFS's translated:
    :func:`_role_mapping_settings`): ``UNKNOWN``. A role session duration outside STS's bounds of a chained session: every ``AssumeRole`` of a
    mapped role refused (:func:`_chained_session_refused`, ``Credentials.session_refused``). The request list replayed is EMRFS's (the writer does not model S3A's own
    committer).
    """
    job = {name[len("spark.hadoop.") :]: value for name, value in site(configurations, "spark-defaults").items()}
    job = {name: value for name, value in job.items() if name.startswith("fs.s3")}  # a Spark job's, as above
    core = site(configurations, "core-site")
    emrfs = {**site(configurations, "emrfs-site"), **job}
    s3a_own = _role_mapping_settings(configurations, "s3a", bucket)
    if s3a_own:
        empty = [name for name, value in s3a_own.items() if not value.strip(JAVA_TRIMMED)]
        return Credentials(
            UNKNOWN,
            f"{', '.join(empty)} set but empty: whether EMR takes it as undefined is not documented"
            if empty
            else f"{label} serves s3:// by S3A with {', '.join(s3a_own)}: EMR translates the security configuration's "
            "only where S3A's are undefined, and AWS documents no format or effect of S3A's own",
        )
    translation = flag(core, "fs.s3a.emrfs.compatibility.enable")
    if translation is None and "fs.s3a.emrfs.compatibility.enable" in core:
        return Credentials(UNKNOWN, "core-site fs.s3a.emrfs.compatibility.enable is neither true nor false")
    if translation is False:
        return Credentials(INSTANCE_ROLE, f"{label} serves s3:// by S3A, with the role mappings' translation off")
    translated = _role_mapping_settings(configurations, "s3", bucket)
    if translated:
        return Credentials(
            UNKNOWN,
            f"{', '.join(translated)} set beside the security configuration's role mappings: which one EMR translates "
            "to S3A is not documented",
        )
    core = {**core, **job}
    session = _chained_session_refused(core, emrfs, bucket)
    if session is not None and session.kind == UNKNOWN:
        return session
    own = [
        name
        for name in core
        if name.startswith("fs.s3a.")
        and name.endswith(S3A_CREDENTIAL_OPTIONS + S3A_ENCRYPTION_OPTIONS + S3A_UPLOAD_OPTIONS)
    ]
    own += [HADOOP_CREDENTIAL_STORES] if HADOOP_CREDENTIAL_STORES in core else []
    grants = [
        name
        for name, properties in (("fs.s3a.access.grants.enabled", core), ("fs.s3.s3AccessGrants.enabled", emrfs))
        if name in properties and flag(properties, name) is not False  # neither true nor false: not known either
    ]
    other = _with_bucket_level(emrfs, _S3A_UNKNOWN_TRANSLATION, bucket)
    found = [*own, *grants, *other]
    if found:
        return Credentials(UNKNOWN, f"{label} serves s3:// by S3A with {', '.join(found)}")
    return Credentials(MAPPINGS, session_refused=session.reason if session is not None else "")


#: S3A's own options of the encryption its uploads ask for (Apache Hadoop, "Working with Encrypted S3 Data"), also
#: per bucket: they win over the translated EMRFS ones, and this writer does not model them (``UNKNOWN``).
S3A_ENCRYPTION_OPTIONS = (
    "encryption.algorithm",
    "encryption.key",
    "server-side-encryption-algorithm",
    "server-side-encryption.key",
)

#: S3A's own options of what its requests carry: the canned ACL (``fs.s3a.acl.default``), the storage class
#: (``fs.s3a.create.storage.class``) and the Requester Pays header (``fs.s3a.requester.pays.enabled``) (Apache Hadoop,
#: "Hadoop-AWS module"), also per bucket ("all options explicitly set for that bucket will override the base fs.s3a.
#: values": same page, per-bucket configuration). The verifier reads them (its ``checks/contexts.py``); this writer
#: sends none of them, so where one is set the uploads' headers are not the writer's: ``UNKNOWN``.
S3A_UPLOAD_OPTIONS = (
    "acl.default",
    "create.storage.class",
    "requester.pays.enabled",
)

#: STS's bounds of a role session got by role chaining, as the mapped role's is (the instance profile's role session
#: assumes it): "The value can range from 900 seconds (15 minutes) up to the maximum session duration setting for the
#: role", and "if you assume a role using role chaining and provide a DurationSeconds parameter value greater than
#: one hour, the operation fails" (AWS STS API Reference, AssumeRole, DurationSeconds).
CHAINED_SESSION_SECONDS = (900, 3600)
#: Hadoop's time-duration suffixes (``Configuration.getTimeDuration``: ns, us, ms, s, m, h, d) in seconds.
_SECONDS_PER = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _chained_session_refused(core: dict[str, str], emrfs: dict[str, str], bucket: str | None) -> Credentials | None:
    """
    ``REFUSED`` when the session S3A asks for the mapped role of ``bucket`` is outside STS's bounds of a chained
    session: the bucket's own ``fs.s3a.bucket.BUCKET.assumed.role.session.duration``, which is that bucket's
    filesystem's alone ("By using per-filesystem configuration, it is possible to use different assumed roles for
    different buckets"), else S3A's ``fs.s3a.assumed.role.session.duration`` (a Hadoop duration, seconds without a
    suffix: Apache Hadoop, "Working with IAM Assumed Roles"), else ``emrfs-site`` ``fs.s3.sts.sessionDurationSeconds``,
    which EMR maps to it when it is not set (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem",
    "EMRFS to S3A Configuration Mapping"), whose mapping "extends to bucket-level configurations" (same guide): the
    bucket's ``emrfs-site`` ``fs.s3.bucket.BUCKET.sts.sessionDurationSeconds`` before the base one. Whether S3A's
    own base setting or that bucket-level one wins is not documented: both set and faring differently, ``UNKNOWN``.
    ``bucket`` ``None``: every one of these settings counts. ``UNKNOWN`` for a value the writer cannot read.
    """
    base = "fs.s3a.assumed.role.session.duration"
    emrfs_base = "fs.s3.sts.sessionDurationSeconds"

    def per_bucket(properties: dict[str, str], stem: str, option: str) -> dict[str, str]:
        return {
            name: value
            for name, value in properties.items()
            if name.startswith(stem)
            and name.endswith(option)
            and len(name) > len(stem + option)
            and (bucket is None or name == f"{stem}{bucket}{option}")
        }

    own = per_bucket(core, "fs.s3a.bucket.", ".assumed.role.session.duration")
    translated = per_bucket(emrfs, "fs.s3.bucket.", ".sts.sessionDurationSeconds")  # the translation is on
    if bucket is None:
        own.update({name: value for name, value in core.items() if name == base})
        own.update(translated)
        if base not in core:
            own.update({name: value for name, value in emrfs.items() if name == emrfs_base})
        return _worst_session(own)
    if own:
        return _worst_session(own)
    if base in core and translated:
        outcomes = [_worst_session({base: core[base]}), _worst_session(translated)]
        if (outcomes[0] and outcomes[0].kind) != (outcomes[1] and outcomes[1].kind):
            return Credentials(
                UNKNOWN,
                f"{base} and {', '.join(translated)} differ, and which one S3A reads for bucket {bucket} is not "
                "documented",
            )
        return outcomes[0]
    if base in core:
        return _worst_session({base: core[base]})
    if translated:
        return _worst_session(translated)
    return _worst_session({name: value for name, value in emrfs.items() if name == emrfs_base})


def duration_seconds(value: str) -> int | None:
    """
    A Hadoop duration in seconds as ``Configuration.getTimeDuration`` reads it (Java's ``String.trim``, then
    ``Long.parseLong``, which takes a sign, and a unit suffix; no suffix: seconds, the unit S3A gives), or ``None``.
    """
    found = re.fullmatch(r"([+-]?\d+)(ns|us|ms|s|m|h|d)?", value.strip(JAVA_TRIMMED).lower())
    return None if found is None else int(int(found[1]) * _SECONDS_PER[found[2] or "s"])


def _worst_session(settings: dict[str, str]) -> Credentials | None:
    """The first of ``settings`` (duration settings) the writer cannot read or STS refuses, as ``Credentials``."""
    low, high = CHAINED_SESSION_SECONDS
    for name, value in settings.items():
        seconds = duration_seconds(value)
        if seconds is None:
            return Credentials(UNKNOWN, f"{name}={value!r} is not a duration this writer reads")
        if not low <= seconds <= high:
            return Credentials(
                REFUSED, f"{name}={value!r} asks STS for a chained role session outside {low}-{high} seconds"
            )
    return None


#: emrfs-site settings whose effect on S3A this writer does not know (a credentials class, the upload ACL, the
#: Requester Pays header).
_S3A_UNKNOWN_TRANSLATION = (
    "fs.s3.credentialsResolverClass",
    "fs.s3.canned.acl",
    "fs.s3.useRequesterPaysHeader",
)


#: The classifications besides the site files and ``spark-defaults`` whose properties reach the Hadoop configuration of
#: the jobs that load them: HDFS's, MapReduce's and YARN's files, which Hadoop adds to a ``Configuration`` after
#: ``core-site.xml`` ("Applications may add additional resources, which are loaded subsequent to these resources in
#: the order they are added": Apache Hadoop API, ``org.apache.hadoop.conf.Configuration``), Hive's ``hive-site`` and
#: Spark's ``hive-site.xml`` (``spark-hive-site``: "You can copy and modify hdfs-site.xml, core-site.xml,
#: yarn-site.xml, hive-site.xml in Spark's classpath for each application": Spark, "Configuration"), and Tez's,
#: HBase's, HiveServer2's and Sqoop's files, which their jobs' configurations add (``TezConfiguration`` adds
#: ``tez-site.xml``; ``HBaseConfiguration.create`` "Creates a Configuration with HBase resources"; Apache Hive,
#: "AdminManual Configuration", ``hiveserver2-site.xml``; ``org.apache.sqoop.Sqoop`` adds ``sqoop-site.xml``).
OTHER_HADOOP_FILES = (
    "hdfs-site",
    "mapred-site",
    "yarn-site",
    "hive-site",
    "spark-hive-site",
    "tez-site",
    "hbase-site",
    "hiveserver2-site",
    "sqoop-site",
)
#: The connector options the writer follows, after ``fs.s3.``, ``fs.s3a.`` or a per-bucket stem (credentials classes,
#: role mappings, Access Grants, sessions, STS endpoint, the uploads' headers, the connector itself).
FOLLOWED_OPTIONS = (
    "impl",
    "emrfs.compatibility.enable",
    "customAWSCredentialsProvider",
    "credentialsResolverClass",
    *ROLE_MAPPING_OPTIONS,
    "s3AccessGrants.enabled",
    "s3AccessGrants.fallbackToIAM",
    "access.grants.enabled",
    "access.grants.fallback.to.iam",
    "sts.sessionDurationSeconds",
    "sts.endpoint",
    "assumed.role.session.duration",
    "assumed.role.sts.endpoint",
    "canned.acl",
    "useRequesterPaysHeader",
    "enableServerSideEncryption",
    "serverSideEncryption.kms.keyId",
    "storageClass",
    "cse.enabled",
    "ssl.enabled",
    *S3A_CREDENTIAL_OPTIONS,
    *S3A_ENCRYPTION_OPTIONS,
    *S3A_UPLOAD_OPTIONS,
)


#: The followed options Hadoop reads as booleans (``Configuration.getBoolean``: :func:`flag`) and as durations
#: (``Configuration.getTimeDuration``: :func:`duration_seconds`; S3A's role session, Apache Hadoop,
#: ``AssumedRoleCredentialProvider``). EMRFS's ``sts.sessionDurationSeconds`` is whole seconds (:func:`_session_refused`).
BOOLEAN_OPTIONS = (
    "emrfs.compatibility.enable",
    "authorization.ugi.groupName.enabled",
    "s3AccessGrants.enabled",
    "s3AccessGrants.fallbackToIAM",
    "access.grants.enabled",
    "access.grants.fallback.to.iam",
    "useRequesterPaysHeader",
    "enableServerSideEncryption",
    "cse.enabled",
    "ssl.enabled",
    "requester.pays.enabled",
)
DURATION_OPTIONS = ("assumed.role.session.duration",)


def as_hadoop_reads(name: str, value: str) -> object:
    """
    Followed option ``name``'s ``value`` as Hadoop reads it, to tell whether two files set the same: a boolean
    (:data:`BOOLEAN_OPTIONS`: ``TRUE`` is ``true``), a duration in seconds (:data:`DURATION_OPTIONS`: ``1h`` is
    ``3600``), else, or a value neither reads, the value trimmed as Java trims.
    """
    reading: object = None
    if name.endswith(tuple("." + option for option in BOOLEAN_OPTIONS)):
        reading = flag({name: value}, name)
    elif name.endswith(tuple("." + option for option in DURATION_OPTIONS)):
        reading = duration_seconds(value)
    return value.strip(JAVA_TRIMMED) if reading is None else reading


def _other_file_setting(configurations: list[dict[str, Any]], bucket: str | None) -> str:
    """
    A followed connector option (:data:`FOLLOWED_OPTIONS`) that a classification of :data:`OTHER_HADOOP_FILES` sets to
    another value than ``core-site``'s and ``emrfs-site``'s as Hadoop reads both (:func:`as_hadoop_reads`; not set
    there: another value), as ``"CLASSIFICATION NAME=VALUE"``, or ``""``. A per-bucket form of another bucket than
    ``bucket`` is left out (``None``: any bucket's counts).
    """
    both = (site(configurations, "emrfs-site"), site(configurations, "core-site"))
    for classification in OTHER_HADOOP_FILES:
        for name, value in site(configurations, classification).items():
            stem = next((stem for stem in ("fs.s3a.", "fs.s3.", "fs.s3n.") if name.startswith(stem)), None)
            if stem is None or not any(
                name == stem + option or name.endswith("." + option) for option in FOLLOWED_OPTIONS
            ):
                continue
            if (
                bucket is not None
                and name.startswith(f"{stem}bucket.")
                and not name.startswith(f"{stem}bucket.{bucket}.")
            ):
                continue
            if any(name in own and as_hadoop_reads(name, own[name]) == as_hadoop_reads(name, value) for own in both):
                continue
            if (
                name.endswith(("s3AccessGrants.enabled", "access.grants.enabled"))
                and flag({name: value}, name) is False
            ):
                continue  # turns nothing on
            return f"{classification} {name}={value!r}"
    return ""
