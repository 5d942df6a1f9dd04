"""
What the launch adds to ``RunJobFlow`` arguments: release checks, EMRFS settings, bootstrap actions.

Pure: standard library only. Merges never clobber what the user wrote: a property the user set to
another value, or a bootstrap action of the same name that differs, is a conflict that names the field.
"""

from __future__ import annotations

import copy
import functools
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.launched_cluster import SECRET_ANNOTATION, is_secret, property_name
from airflow_provider_emrfs_xacct.pure.security_config import bucket_mapped, validate_emr_name
from airflow_provider_emrfs_xacct.pure.validation import (
    kind_of,
    parse_release_label,
    parse_s3_location,
    require_dicts,
    require_str,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import timedelta

#: Role mappings in security configurations need this release or later.
ROLE_MAPPINGS_SINCE = (5, 10, 0)
#: From this release on, ``s3://`` (and ``s3n://``, ``s3a://``) go through S3A instead of EMRFS unless
#: ``fs.s3.impl`` says otherwise. EMR translates ``fs.s3.authorization.roleMapping`` (the security
#: configuration's role mappings) to ``fs.s3a.authorization.roleMapping``, so role mappings apply on
#: both connectors (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem").
S3A_DEFAULT_SINCE = (7, 10, 0)
EMRFS_IMPL = "com.amazon.ws.emr.hadoop.fs.EmrFileSystem"
#: S3A's filesystem class: Apache Hadoop, ``core-default.xml``, ``fs.s3a.impl`` ``org.apache.hadoop.fs.s3a.S3AFileSystem``,
#: "The implementation class of the S3A Filesystem", the connector EMR serves ``s3://`` with from 7.10.0 (same guide).
S3A_IMPL = "org.apache.hadoop.fs.s3a.S3AFileSystem"
#: ``core-site`` switch of that translation. Same guide: "By default, this configuration mapping feature
#: is automatically activated. To disable this automatic translation, add the following property to
#: core-site.xml: fs.s3a.emrfs.compatibility.enable = false". Off, S3A gets no role mappings.
EMRFS_COMPATIBILITY_PROPERTY = "fs.s3a.emrfs.compatibility.enable"
#: What AWS's migration guide sets in ``core-site`` to keep EMRFS for ``s3://`` and ``s3n://``.
#: ``s3a://`` URIs stay on S3A whatever is set here.
KEEP_EMRFS_PROPERTIES = {"fs.s3.impl": EMRFS_IMPL, "fs.s3n.impl": EMRFS_IMPL}
#: The classes Hadoop's FileContext API serves ``s3://`` and ``s3n://`` with: ``AbstractFileSystem.createFileSystem``
#: takes the class for a scheme from ``fs.AbstractFileSystem.<scheme>.impl``, not from ``fs.<scheme>.impl`` (Apache
#: Hadoop, ``core-default.xml``: ``fs.AbstractFileSystem.s3a.impl`` ``org.apache.hadoop.fs.s3a.S3A``, "The
#: implementation class of the S3A AbstractFileSystem"; API ``org.apache.hadoop.fs.s3a.S3A``: "S3A implementation of
#: AbstractFileSystem. This impl delegates to the S3AFileSystem"). Spark's streaming checkpoints and YARN's log
#: aggregation write through it. AWS's migration guide names only ``fs.s3.impl`` and ``fs.s3n.impl`` for keeping
#: EMRFS; AWS pairs each connector's ``fs.s3.impl`` with its own FileContext class (:data:`FILE_CONTEXT_CLASSES`). Any
#: other class (or one of the other connector's) leaves what serves those writes not known: with role mappings or
#: ``keep_emrfs`` the launch refuses it (:func:`_refuse_file_context_classes`), and the verifier says "not checked"
#: for the FileContext writes only (:func:`file_context_doubts`), judging ``fs.s3.impl``'s connector as before.
#: ``fs.AbstractFileSystem.s3a.impl`` is ``s3a://``'s, S3A whatever is kept for ``s3://`` (as ``fs.s3a.impl``): an S3
#: connector setting (:func:`s3_connector_name`) like ``fs.s3a.impl``.
FILE_CONTEXT_PROPERTIES = ("fs.AbstractFileSystem.s3.impl", "fs.AbstractFileSystem.s3n.impl")
FILE_CONTEXT_PREFIX = "fs.AbstractFileSystem."
#: The FileContext class of each connector. EMRFS's: Amazon EMR on EKS Development Guide, "Getting started with the
#: Spark operator for Amazon EMR on EKS", "Use Amazon S3 for storage", lists under "# EMRFS filesystem"
#: ``fs.s3.impl: com.amazon.ws.emr.hadoop.fs.EmrFileSystem`` and ``fs.AbstractFileSystem.s3.impl:
#: org.apache.hadoop.fs.s3.EMRFSDelegate`` ("If you use Amazon EMR releases 7.2.0 and higher, the configurations are
#: included by default"). S3A's: Amazon EMR Management Guide, "Upload data to Amazon S3 Express One Zone", sets
#: ``fs.s3.impl`` ``org.apache.hadoop.fs.s3a.S3AFileSystem`` with ``fs.AbstractFileSystem.s3.impl``
#: ``org.apache.hadoop.fs.s3a.S3A`` (and the same pair for ``s3n``).
FILE_CONTEXT_CLASSES = {"EMRFS": "org.apache.hadoop.fs.s3.EMRFSDelegate", "S3A": "org.apache.hadoop.fs.s3a.S3A"}
#: EMRFS reads the role session duration from this ``emrfs-site`` property, S3A through EMR's translation to
#: ``fs.s3a.assumed.role.session.duration`` when that is not set itself (:data:`S3A_SESSION_DURATION_PROPERTY`).
SESSION_DURATION_PROPERTY = "fs.s3.sts.sessionDurationSeconds"
#: EMRFS assumes the mapped role with the instance profile's own role credentials: role chaining,
#: which STS caps at one hour ("The requested DurationSeconds exceeds the 1 hour session limit for
#: roles assumed by role chaining"; AWS STS API Reference, AssumeRole, DurationSeconds). STS's
#: minimum session is 900 seconds.
MAX_CHAINED_SESSION_SECONDS = 3600
MIN_SESSION_SECONDS = 900
#: S3A's own setting of that duration, the one the migration guide's table maps ``fs.s3.sts.sessionDurationSeconds``
#: to; an S3A setting that is defined wins over the translated EMRFS one ("The mapping process automatically occurs
#: when S3A configurations are undefined": Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem",
#: "EMRFS to S3A Configuration Mapping"). Also per bucket, ``fs.s3a.bucket.BUCKET.assumed.role.session.duration``.
S3A_SESSION_DURATION_PROPERTY = "fs.s3a.assumed.role.session.duration"
#: Hadoop reads it as a time duration whose unit defaults to seconds (``AssumedRoleCredentialProvider``:
#: ``conf.getTimeDuration(ASSUMED_ROLE_SESSION_DURATION, ..., TimeUnit.SECONDS)``; Apache Hadoop, "Working with IAM
#: Assumed Roles": default ``30m``, "Range: 15m to 1h"). ``Configuration.getTimeDuration`` trims and lower-cases the
#: value, takes the first of these suffixes it ends with, and ``Long.parseLong`` of the rest; the conversion to
#: seconds truncates (``TimeUnit.convert``). Each suffix with the seconds it stands for, as (numerator, denominator).
HADOOP_DURATION_SUFFIXES = (
    ("ns", 1, 10**9),
    ("us", 1, 10**6),
    ("ms", 1, 1000),
    ("s", 1, 1),
    ("m", 60, 1),
    ("h", 3600, 1),
    ("d", 86400, 1),
)
#: The two kinds of custom credentials provider classes (option (b)). EMRFS loads AWS SDK for Java v1
#: providers (Amazon EMR Release Guide, "Authorizing access to EMRFS data in Amazon S3"); S3A, built
#: on SDK v2, loads SDK v2 providers (Apache Hadoop, "Upgrading S3A to AWS SDK V2": custom providers
#: "will need to be updated to now implement software.amazon.awssdk.auth.credentials.AwsCredentialsProvider").
SDK_V1 = "sdk_v1"
SDK_V2 = "sdk_v2"
PROVIDER_INTERFACES = {
    SDK_V1: "com.amazonaws.auth.AWSCredentialsProvider",
    SDK_V2: "software.amazon.awssdk.auth.credentials.AwsCredentialsProvider",
}
#: Where each connector is told which custom credentials provider to use.
EMRFS_PROVIDER_PROPERTY = "fs.s3.customAWSCredentialsProvider"
S3A_PROVIDER_PROPERTY = "fs.s3a.aws.credentials.provider"
#: The Hadoop properties of the role mappings themselves. The security configuration's role mappings reach EMRFS as
#: ``fs.s3.authorization.roleMapping``, and the Amazon EMR Release Guide's "Migration Guide: EMRFS to S3A Filesystem"
#: ("EMRFS to S3A Configuration Mapping") maps it, and ``fs.s3.authorization.ugi.groupName.enabled``, to S3A's
#: ``fs.s3a.authorization.roleMapping`` and ``fs.s3a.authorization.ugi.groupName.enabled``: "The mapping process
#: automatically occurs when S3A configurations are undefined while corresponding EMRFS configurations are present",
#: and "extends to bucket-level configurations". A cluster or job that sets one itself replaces or changes the
#: mappings the partner's writes go by (:func:`role_mapping_setting`): the verifier fails or leaves them not checked
#: (``checks/credential_settings.py``, ``checks/release.py``), the launch refuses them (:func:`_refuse_role_mapping_settings`).
EMRFS_ROLE_MAPPING_PROPERTY = "fs.s3.authorization.roleMapping"
S3A_ROLE_MAPPING_PROPERTY = "fs.s3a.authorization.roleMapping"
EMRFS_GROUP_NAME_PROPERTY = "fs.s3.authorization.ugi.groupName.enabled"
S3A_GROUP_NAME_PROPERTY = "fs.s3a.authorization.ugi.groupName.enabled"
#: Each EMRFS role mapping property with the S3A one EMR translates it to (same guide, same table).
ROLE_MAPPING_PROPERTIES = {
    EMRFS_ROLE_MAPPING_PROPERTY: S3A_ROLE_MAPPING_PROPERTY,
    EMRFS_GROUP_NAME_PROPERTY: S3A_GROUP_NAME_PROPERTY,
}
#: ``spark-defaults`` ``spark.hadoop.<name>`` sets Hadoop property ``<name>`` for every Spark job ("spark.hadoop.abc.def=
#: xyz represents adding hadoop property abc.def=xyz": Spark, "Configuration", "Custom Hadoop/Hive Configuration").
SPARK_HADOOP = "spark.hadoop."
#: The classifications besides ``core-site``, ``emrfs-site`` and ``spark-defaults`` whose properties reach the Hadoop
#: configuration of the jobs that load them, where an ``fs.s3…`` one sets the S3 connector for those jobs:
#: ``hdfs-site``, ``mapred-site`` and ``yarn-site``, which HDFS, MapReduce and YARN add to every Hadoop
#: ``Configuration`` after ``core-site.xml`` ("Applications may add additional resources, which are loaded subsequent
#: to these resources in the order they are added": Apache Hadoop API, ``org.apache.hadoop.conf.Configuration``; a
#: later resource's value wins), ``hive-site`` (Hive's configuration, ``HiveConf``, a Hadoop ``Configuration``) and
#: ``spark-hive-site`` (Spark's ``hive-site.xml``: "You can copy and modify hdfs-site.xml, core-site.xml,
#: yarn-site.xml, hive-site.xml in Spark's classpath for each application": Spark, "Configuration", "Custom
#: Hadoop/Hive Configuration"), and the EMR classifications of the other files a job's Hadoop ``Configuration`` loads
#: (Amazon EMR Release Guide, each release's "Configuration classifications"): ``tez-site`` ("Change values in Tez's
#: tez-site.xml file"; "You can customize Tez by setting values using the tez-site configuration classification":
#: "Configuring Tez"), which Tez's ``TezConfiguration``, a Hadoop ``Configuration``, adds as a resource for Hive and
#: Pig on Tez (Apache Tez API, ``org.apache.tez.dag.api.TezConfiguration``); ``hbase-site`` ("Change values in HBase's
#: hbase-site.xml file"), which ``HBaseConfiguration.create`` adds to a Hadoop ``Configuration`` for HBase and the
#: jobs that use it ("Creates a Configuration with HBase resources": Apache HBase API, ``HBaseConfiguration``;
#: Apache HBase Reference Guide, "hbase-site.xml and hbase-default.xml"); ``hiveserver2-site`` ("Change values in
#: Hive Server2's hiveserver2-site.xml file"), which the ``HiveConf`` of HiveServer2's queries reads besides
#: ``hive-site.xml`` ("HiveServer2-specific configuration values in hiveserver2-site.xml": Apache Hive, "AdminManual
#: Configuration"); and ``sqoop-site`` ("Change values in Sqoop's sqoop-site.xml file"), a default resource of every
#: ``Configuration`` of a Sqoop job (Apache Sqoop, ``org.apache.sqoop.Sqoop``:
#: ``Configuration.addDefaultResource("sqoop-site.xml")``). Not here: the files of servers that run no job,
#: ``httpfs-site`` (HttpFS, "HTTP endpoint for HDFS operations") and ``hadoop-kms-site`` (the KMS, "Cryptographic key
#: management server based on Hadoop's KeyProvider API": same guide, each release's "Component versions"), and
#: ``pig-properties``, a properties file of no Hadoop ``Configuration``. Which of their value and the site file's a
#: job's connector follows depends on which of these its configuration loads, which AWS does not document for EMR.
OTHER_HADOOP_SITES = (
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
#: The site files EMRFS's own configuration loads: ``emrfs-site`` and ``core-site`` (Hadoop's, which every file
#: system's configuration loads).
EMRFS_SITE_FILES = ("emrfs-site", "core-site")
#: The classifications whose properties are Hadoop properties of some job (``spark-defaults``' as ``spark.hadoop.``).
HADOOP_PROPERTY_CLASSIFICATIONS = (*EMRFS_SITE_FILES, "spark-defaults", *OTHER_HADOOP_SITES)
#: The canned ACL names EMRFS's ``emrfs-site`` ``fs.s3.canned.acl`` and S3A's ``core-site`` ``fs.s3a.acl.default`` are
#: read with, and the ``x-amz-acl`` header each sends: the names Hadoop's ``core-default.xml`` gives for
#: ``fs.s3a.acl.default`` ("Value may be Private, PublicRead, PublicReadWrite, AuthenticatedRead, LogDeliveryWrite,
#: BucketOwnerRead, or BucketOwnerFullControl"), the Amazon EMR Release Guide's ``fs.s3.canned.acl`` example being
#: ``BucketOwnerFullControl``; ``AwsExecRead``, the SDK's name of ``aws-exec-read``. Exactly: S3A reads the setting with
#: ``Configuration.get``, untrimmed, and takes the ACL by its enum name (Apache Hadoop, ``S3AFileSystem.initCannedAcls``:
#: ``conf.get(CANNED_ACL, DEFAULT_CANNED_ACL)``, then ``AWSCannedACL.valueOf``, which throws for any other spelling);
#: how EMRFS reads another spelling (padded, another case, the header's own ``bucket-owner-full-control``) AWS does not
#: document. The verifier knows these only (``checks/contexts.py``), and the launch takes these only
#: (:func:`check_canned_acls`).
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
#: The names of :data:`CANNED_ACLS` S3A may not hold: Apache Hadoop's S3A on the AWS SDK v2 takes the ACL by
#: ``AWSCannedACL.valueOf``, an enum (Apache Hadoop, ``org.apache.hadoop.fs.s3a.AWSCannedACL``, "Enum to map AWS SDK V1
#: Acl values to SDK V2") with no ``LogDeliveryWrite``, whose ``aws-exec-read`` is ``AwsExecRead`` in one version and
#: ``AWS_EXEC_READ`` in another; which Hadoop EMR's S3A is built on AWS does not document.
S3A_DOUBTFUL_ACLS = ("LogDeliveryWrite", "AwsExecRead")
#: The canned ACL settings by the site file each is read from (their per-bucket forms too: :func:`canned_acl_setting`).
EMRFS_CANNED_ACL = "fs.s3.canned.acl"
S3A_CANNED_ACL = "fs.s3a.acl.default"
#: Where EMRFS loads extra JARs (custom credentials providers) from.
EMRFS_AUXLIB = "/usr/share/aws/emr/emrfs/auxlib/"
CREDENTIALS_PROVIDER_ACTION = "emrfs-xacct-install-credentials-provider"
#: ``RunJobFlow``'s keep-alive switch. Amazon EMR API Reference, "JobFlowInstancesConfig":
#: "KeepJobFlowAliveWhenNoSteps: Specifies whether the cluster should remain available after
#: completing all steps. Defaults to false." Without it a cluster launched with no steps terminates
#: as soon as it has started.
KEEP_ALIVE_FIELD = "job_flow_overrides.Instances.KeepJobFlowAliveWhenNoSteps"
#: EMR's limit on a cluster's name: Amazon EMR API Reference, RunJobFlow, ``Name``: "Maximum length of
#: 256", with the pattern of every EMR name (``XmlStringMaxLen256``).
MAX_CLUSTER_NAME_LENGTH = 256
#: EMR's limit on a cluster id: RunJobFlow's ``JobFlowId`` is an ``XmlStringMaxLen256`` too.
MAX_CLUSTER_ID_LENGTH = 256
_JAVA_CLASS = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$")
#: Why the launch cannot judge the value of a property whose key carries the ``EMR.secret@`` annotation
#: (:func:`~.launched_cluster.property_name`): every check reads the property by the name EMR sends, and a check that
#: judges its value sees the secret's ARN, which no setting takes, so it refuses it.
SECRET_VALUE_NOT_READ = (
    "its key carries the EMR.secret@ annotation, so the cluster gets the value of the Secrets Manager secret it names, "
    'which the launch does not read (EMR "retrieves this secret when it sends configuration data to the cluster": '
    'Amazon EMR Release Guide, "Store sensitive configuration data in AWS Secrets Manager")'
)
_P = ParamSpec("_P")


def validate_cluster_name(value: Any, field: str) -> str:
    """Validate a cluster's ``Name`` as ``RunJobFlow`` constrains it: at most 256 characters of EMR's name pattern."""
    return validate_emr_name(value, field, MAX_CLUSTER_NAME_LENGTH, "RunJobFlow's limit")


def validate_cluster_id(value: Any, field: str) -> str:
    """
    Validate a cluster id (``j-…``) before it is sent: a string of at most 256 characters of EMR's name pattern.

    The form EMR returns it in and takes it back (Amazon EMR API Reference: RunJobFlow's ``JobFlowId`` and
    AddJobFlowSteps' ``JobFlowId`` are ``XmlStringMaxLen256``, "Maximum length of 256. Pattern:
    [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*"). Only that much is checked
    here: which ids exist is EMR's to say. A value of another type (a list or a number from a template
    rendered as a native object) would otherwise fail in botocore, naming no field; leading or trailing
    whitespace (a pasted id), which names no cluster, is refused by :func:`validate_emr_name`.
    """
    return validate_emr_name(value, field, MAX_CLUSTER_ID_LENGTH, "RunJobFlow's JobFlowId limit")


def release_text(version: tuple[int, int, int]) -> str:
    return "emr-" + ".".join(str(part) for part in version)


@dataclass(frozen=True)
class CredentialsProvider:
    """
    A custom credentials provider: the JAR's S3 location, the class, and the interface it implements.

    ``interface`` is :data:`SDK_V1` (``com.amazonaws.auth.AWSCredentialsProvider``, what EMRFS loads)
    or :data:`SDK_V2` (``software.amazon.awssdk.auth.credentials.AwsCredentialsProvider``, what S3A
    loads); ``None`` lets the launch infer it from the release and ``keep_emrfs``.
    """

    jar: str
    class_name: str
    interface: str | None = None

    @classmethod
    def parse(cls, value: Any, field: str = "emrfs_credentials_provider") -> CredentialsProvider:
        if (
            not isinstance(value, dict)
            or not {"jar", "class_name"} <= set(value)
            or not set(value) <= {"jar", "class_name", "interface"}
        ):
            raise InvalidParameterError(
                field,
                f"must be a dict with the keys 'jar' and 'class_name' (and optionally 'interface'), got {value!r}",
            )
        interface = value.get("interface")
        if interface is not None and interface not in PROVIDER_INTERFACES:
            raise InvalidParameterError(
                f"{field}.interface",
                f"must be {SDK_V1!r} ({PROVIDER_INTERFACES[SDK_V1]}, for EMRFS) or {SDK_V2!r} "
                f"({PROVIDER_INTERFACES[SDK_V2]}, for S3A), got {interface!r}",
            )
        jar = require_str(value["jar"], f"{field}.jar")
        parse_s3_location(jar.rsplit("/", 1)[0] + "/", f"{field}.jar", allow_bucket_root=True)
        if not jar.endswith(".jar"):
            raise InvalidParameterError(f"{field}.jar", f"must be the s3:// location of a .jar file, got {jar!r}")
        class_name = require_str(value["class_name"], f"{field}.class_name")
        if not _JAVA_CLASS.match(class_name):
            raise InvalidParameterError(
                f"{field}.class_name", f"must be a fully qualified Java class name, got {class_name!r}"
            )
        return cls(jar, class_name, interface)

    def bootstrap_action(self) -> dict[str, Any]:
        """The bootstrap action that copies the JAR into EMRFS's auxlib folder on every node."""
        return {
            "Name": CREDENTIALS_PROVIDER_ACTION,
            "ScriptBootstrapAction": {
                "Path": "file:/bin/bash",
                # Quoted: the JAR's name is user input, and this line runs as root on every node.
                "Args": [
                    "-c",
                    f"sudo mkdir -p {EMRFS_AUXLIB} && sudo aws s3 cp {shlex.quote(self.jar)} {EMRFS_AUXLIB}",
                ],
            },
        }


def merge_classification(
    configurations: list[dict[str, Any]], classification: str, properties: dict[str, str], field: str
) -> list[dict[str, Any]]:
    """
    Return ``configurations`` with ``properties`` added to ``classification`` (created if missing).

    A property the user already set to the same value as Hadoop reads it (:func:`hadoop_reading`: ``TRUE`` for
    ``true``) is fine, kept as the user spelled it; to another value, a conflict, in any of the classification's
    entries (given twice, each is read: which one EMR keeps for a property both set is not documented). The properties
    go into its last entry.
    """
    result = copy.deepcopy(configurations)
    last = None
    for index, configuration in enumerate(result):
        if configuration.get("Classification") != classification:
            continue
        existing = configuration.setdefault("Properties", {})
        if not isinstance(existing, dict):
            raise InvalidParameterError(
                f"{field}[{index}].Properties", f"must be a dict of strings, got {kind_of(existing)}"
            )
        written = {property_name(key): key for key in existing}  # EMR.secret@NAME sets NAME
        for key, value in properties.items():
            given = written.get(property_name(key), key)
            if given in existing and (given != key or not _reads_alike(key, existing[given], value)):
                raise InvalidParameterError(
                    f"{field}[{index}].Properties.{given}",
                    f"is {existing[given]!r}, but cross-account access needs {value!r}",
                )
        last = existing
    if last is None:
        result.append({"Classification": classification, "Properties": dict(properties)})
    else:
        last.update({key: value for key, value in properties.items() if key not in last})
    return result


def _reads_alike(key: str, value: object, other: object) -> bool:
    """Whether Hadoop reads two values of property ``key`` as one setting (:func:`hadoop_reading`)."""
    name = property_name(key)
    return value == other or hadoop_reading(name, value) == hadoop_reading(name, other)


def _refuse_conflicting_repeats(configurations: list[dict[str, Any]]) -> None:
    """
    Refuse a property two entries of the same cluster-level classification set to different values (as Hadoop reads
    them: :func:`hadoop_reading`): which one EMR
    keeps is not documented (Amazon EMR API Reference, ``Configuration``), and the launch's checks, which read the
    later one (:func:`site_of`), could pass a value EMR replaces with the other.
    """
    seen: dict[tuple[str, str], tuple[int, Any]] = {}
    for index, configuration in enumerate(configurations):
        properties = configuration.get("Properties")
        if not isinstance(properties, dict):
            continue
        for key, value in properties.items():
            # By the name EMR sends: "EMR.secret@NAME" and "NAME" in one entry set one property too.
            name = property_name(key)
            where = (str(configuration.get("Classification")), name)
            if where in seen and hadoop_reading(name, seen[where][1]) != hadoop_reading(name, value):
                raise InvalidParameterError(
                    f"job_flow_overrides.Configurations[{index}].Properties.{key}",
                    f"is {value!r}, but Configurations[{seen[where][0]}] ({where[0]} too) sets {name} to "
                    f"{seen[where][1]!r}: which one EMR keeps is not documented; set it once",
                )
            seen.setdefault(where, (index, value))


def _refuse_names_not_strings(
    configurations: list[dict[str, Any]], field: str = "job_flow_overrides.Configurations"
) -> None:
    """
    Refuse a property named by anything but a string, at any depth (a Python DAG's ``{5: "x"}``): ``RunJobFlow``'s
    ``Properties`` is a map of strings to strings (Amazon EMR API Reference, "Configuration"), and the launch's
    checks read names as text.
    """
    for index, configuration in enumerate(configurations):
        if not isinstance(configuration, dict):
            continue
        properties = configuration.get("Properties")
        for key in properties if isinstance(properties, dict) else ():
            if not isinstance(key, str):
                raise InvalidParameterError(
                    f"{field}[{index}].Properties", f"must be named by strings, got the name {key!r} ({kind_of(key)})"
                )
        nested = configuration.get("Configurations")
        if isinstance(nested, list):
            _refuse_names_not_strings(nested, f"{field}[{index}].Configurations")


def padded_connector_names(configurations: list[dict[str, Any]]) -> Iterator[tuple[int, str, str]]:
    """
    Each S3 connector setting of ``configurations`` (a name starting ``fs.s3``, ``spark-defaults``' as
    ``spark.hadoop.fs.s3…``, in :data:`HADOOP_PROPERTY_CLASSIFICATIONS`) whose name is written with characters
    Java trims (:func:`java_trim`: spaces, tabs, new lines), as ``(index, classification, name as written)``.

    Hadoop reads a property's name trimmed (Apache Hadoop, ``org.apache.hadoop.conf.Configuration``: its resource
    parser keeps a ``<name>``'s text ``trim()``-ed), and Java's ``Properties.load``, which reads ``spark-defaults.conf``
    for Spark, skips the white space around a key: ``"fs.s3.impl "`` sets ``fs.s3.impl``, while the launch's and the
    verifier's checks read names as written (without the ``EMR.secret@`` annotation: :func:`trimmed_key`).
    """
    for index, configuration in enumerate(configurations):
        classification = configuration.get("Classification")
        properties = configuration.get("Properties")
        if classification not in HADOOP_PROPERTY_CLASSIFICATIONS or not isinstance(properties, dict):
            continue
        for key in properties:
            if _padded_connector_name(key):
                yield index, str(classification), str(key)


def trimmed_key(key: object) -> str:
    """
    A ``Configurations`` key with the name it sets trimmed as Hadoop trims a property's name (:func:`java_trim`), its
    ``EMR.secret@`` annotation kept: ``"EMR.secret@ fs.s3.impl"`` is ``"EMR.secret@fs.s3.impl"``.
    """
    text = java_trim(key)
    name = property_name(text)
    return text[: len(text) - len(name)] + java_trim(name)


def hadoop_property_name(key: object) -> str:
    """The name of the Hadoop property a ``Configurations`` key sets: trimmed (:func:`trimmed_key`), no annotation."""
    return property_name(trimmed_key(key))


def _padded_connector_name(key: object) -> bool:
    """Whether ``key`` names an S3 connector setting (``fs.s3…``, ``spark.hadoop.fs.s3…``) with padding Hadoop trims."""
    return trimmed_key(key) != str(key) and s3_connector_name(hadoop_property_name(key).removeprefix(SPARK_HADOOP))


def s3_connector_name(name: str) -> bool:
    """
    Whether Hadoop property ``name`` is an S3 connector setting: ``fs.s3…`` (EMRFS's, S3A's, ``s3n://``'s, per bucket
    too), or the FileContext class of an S3 scheme, ``fs.AbstractFileSystem.s3…`` (:data:`FILE_CONTEXT_PROPERTIES`).
    """
    return name.startswith(("fs.s3", f"{FILE_CONTEXT_PREFIX}s3"))


def _refuse_padded_names(configurations: list[dict[str, Any]], emrfs_site: dict[str, Any]) -> None:
    """Refuse an S3 connector setting whose name is padded (:func:`padded_connector_names`), naming it as written."""
    padded = [
        (f"job_flow_overrides.Configurations[{index}].Properties.{key}", key)
        for index, _, key in padded_connector_names(configurations)
    ]
    padded.extend((f"emrfs_site_properties.{key}", str(key)) for key in emrfs_site if _padded_connector_name(key))
    for field_name, key in padded:
        raise InvalidParameterError(
            field_name,
            f"is named {key!r}, which Hadoop reads as {hadoop_property_name(key)!r} (it trims a property's name), "
            f"while the launch and the verifier read names as written: write it {trimmed_key(key)!r}",
        )


def add_bootstrap_action(actions: list[dict[str, Any]], action: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """Return ``actions`` with ``action`` appended, unless an identical one is there; a different one of that name conflicts."""
    for index, existing in enumerate(actions):
        if existing.get("Name") == action["Name"]:
            if existing != action:
                raise InvalidParameterError(
                    f"{field}[{index}]", f"a different bootstrap action is named {action['Name']!r}"
                )
            return copy.deepcopy(actions)
    return [*copy.deepcopy(actions), action]


@dataclass(frozen=True)
class LaunchPlan:
    """The ``RunJobFlow`` arguments to send, and what the log should say about them (``warnings`` as warnings)."""

    overrides: dict[str, Any]
    notes: list[str]
    warnings: list[str] = field(default_factory=list)


def _noting_secrets(plan: Callable[_P, LaunchPlan]) -> Callable[_P, LaunchPlan]:
    """
    Have each refusal of ``plan`` that names a property given with the ``EMR.secret@`` annotation say that the value
    it judged is the secret's ARN, not what the cluster gets (:data:`SECRET_VALUE_NOT_READ`).
    """

    @functools.wraps(plan)
    def planned(*args: _P.args, **kwargs: _P.kwargs) -> LaunchPlan:
        try:
            return plan(*args, **kwargs)
        except InvalidParameterError as error:
            if SECRET_ANNOTATION not in error.field or SECRET_VALUE_NOT_READ in error.problem:
                raise
            raise InvalidParameterError(
                error.field, f"{error.problem} (the value judged is the secret's ARN: {SECRET_VALUE_NOT_READ})"
            ) from error

    return planned


@_noting_secrets
def plan_launch(
    overrides: dict[str, Any],
    *,
    uses_role_mappings: bool = True,
    keep_emrfs: bool = True,
    credentials_provider: CredentialsProvider | None = None,
    emrfs_site_properties: dict[str, str] | None = None,
    imds_v2_required: bool = False,
    mapped_buckets: tuple[str, ...] | None = None,
    instances_field: str = "job_flow_overrides.Instances",
    release_field: str = "job_flow_overrides.ReleaseLabel",
) -> LaunchPlan:
    """
    Add what cross-account access needs to ``RunJobFlow`` arguments, checking the release label.

    A cluster that would terminate as soon as it has started (no ``Steps`` and
    ``Instances.KeepJobFlowAliveWhenNoSteps`` not true) is refused: the steps other tasks add later
    would never run. With ``Steps`` it terminates after them, as meant (a note says so).

    :param overrides: the ``RunJobFlow`` arguments (``job_flow_overrides`` over the ``emr_conn_id`` extra).
    :param uses_role_mappings: the cluster relies on a security configuration's role mappings
        (refused before 5.10.0).
    :param keep_emrfs: on 7.10.0 and later, and with no ``ReleaseLabel`` (the release may be one), set ``fs.s3.impl``
        and ``fs.s3n.impl`` (what AWS's S3A migration guide sets) so that ``s3://`` and ``s3n://`` stay on EMRFS on any
        release (:func:`s3_connector`). Role mappings apply
        either way (EMR translates them for S3A) unless ``core-site``
        ``fs.s3a.emrfs.compatibility.enable`` is false: then, with role mappings, ``keep_emrfs=False``
        is refused, and with ``keep_emrfs=True`` ``s3a://`` URIs (always S3A) get no mapping.
    :param credentials_provider: option (b) of the article: a custom credentials provider. Its
        interface must match the connector: SDK v1 for EMRFS, SDK v2 for S3A.
    With role mappings, a setting of the role mappings themselves (:func:`role_mapping_setting`: ``emrfs-site``
    ``fs.s3.authorization.roleMapping``, ``core-site`` ``fs.s3a.authorization.roleMapping``, their
    ``ugi.groupName.enabled`` twins, bucket-level forms for a bucket a role mapping may take, ``spark-defaults``
    ``spark.hadoop.`` forms, ``emrfs_site_properties``, an instance group's own) is refused before anything is
    written (:func:`_refuse_role_mapping_settings`): it would replace or change the security configuration's.
    With role mappings or ``keep_emrfs``, ``fs.AbstractFileSystem.s3.impl`` or ``fs.AbstractFileSystem.s3n.impl`` (the
    class Hadoop's FileContext API serves ``s3://``/``s3n://`` with: :data:`FILE_CONTEXT_PROPERTIES`) set anywhere
    ``fs.s3.impl`` is read is refused unless it is the FileContext class of the connector that serves the scheme
    (:data:`FILE_CONTEXT_CLASSES`, :func:`_refuse_file_context_classes`); so is a non-empty
    ``Configurations`` nested under a classification of Hadoop properties (:func:`_refuse_nested_configurations`).
    A canned ACL setting that is no canned ACL name (:func:`check_canned_acls`), and a ``spark-defaults``
    ``spark.hadoop.<name>`` giving Spark jobs another value of a setting the launch reads from a site file
    (:func:`_refuse_spark_overrides`), are refused.

    :param emrfs_site_properties: more ``emrfs-site`` settings, e.g. ``fs.s3.canned.acl``. A role session
        duration over one hour (the role-chaining cap) is refused there, in an ``emrfs-site`` classification, and,
        where S3A's translated mappings apply (7.10.0 on, or the release unknown), as ``core-site``
        ``fs.s3a.assumed.role.session.duration``, or its per-bucket form for a bucket a role mapping may take
        (``mapped_buckets``; the base one unless every such bucket has a per-bucket one).
    :param imds_v2_required: the security configuration requires IMDSv2 (:func:`requires_imds_v2`): a release whose
        EMR components still call IMDSv1 is refused (:func:`speaks_imds_v2`), whoever gives EMRFS its credentials.
    :param mapped_buckets: the buckets the role mappings may take requests for
        (:func:`~.security_config.mapped_bucket_prefixes`); ``None``: any bucket.
    :param instances_field: how a refusal names ``Instances`` (the overrides', or the ``emr_conn_id`` extra's), where
        an instance group's or fleet instance type's own S3 connector setting other than the cluster's is refused
        (:func:`instance_overrides`).
    :param release_field: how a refusal names ``ReleaseLabel`` (the overrides', or the ``emr_conn_id`` extra's).
    An ``AmiVersion`` (an AMI version, 2.x or 3.x, whatever its value) is refused with role mappings or
    ``imds_v2_required``, and beside a ``ReleaseLabel`` (:func:`_check_ami_version`), naming
    :data:`AMI_VERSION_FIELD`; so is one with anything the launch would put in ``Configurations``
    (``emrfs_site_properties``, ``credentials_provider``), the arguments' own ``Configurations`` (an instance group's
    or fleet instance type's too) or a ``SecurityConfiguration`` (:func:`_refuse_ami_version_settings`): AMI versions
    take none of them. Without them it is planned as a launch without a ``ReleaseLabel``.
    """
    notes: list[str] = []
    result = copy.deepcopy(overrides)
    configurations, actions = _launch_lists(result)
    _refuse_names_not_strings(configurations)
    _refuse_nested_configurations(configurations, "job_flow_overrides.Configurations")
    _refuse_conflicting_repeats(configurations)
    _refuse_padded_names(configurations, emrfs_site_properties or {})
    _check_keep_alive(result, notes)
    if not isinstance(keep_emrfs, bool):
        raise InvalidParameterError("keep_emrfs", f"must be True or False, got {keep_emrfs!r}")
    label = result.get("ReleaseLabel")
    # IMDSv1 off on a release whose EMR components call it (Amazon EMR Management Guide, "Create a security
    # configuration": "Amazon EMR supports IMDSv2 in Amazon EMR 5.23.1, 5.27.1, 5.32 or later, and 6.2 or later. In these
    # releases, Amazon EMR components use IMDSv2 for all IMDS calls"; "When you specify that IMDSv2 must be used, IMDSv1
    # no longer works") breaks those components, whoever gives EMRFS its credentials: refused as the verifier fails it.
    _check_ami_version(
        result.get("AmiVersion"),
        label,
        uses_role_mappings,
        imds_v2_required=imds_v2_required,
        release_field=release_field,
    )
    _refuse_ami_version_settings(result, emrfs_site_properties, credentials_provider, instances_field, release_field)
    version = _release_version(
        label,
        uses_role_mappings,
        notes,
        imds_v2_required=imds_v2_required,
        field=release_field,
        security_configuration=result.get("SecurityConfiguration"),
        ami_version=result.get("AmiVersion"),
    )
    _check_filesystem_classes(configurations, keep_emrfs, version)
    _refuse_file_context_classes(configurations, version, keep_emrfs, uses_role_mappings)
    emrfs_site = dict(emrfs_site_properties or {})
    _refuse_role_mapping_settings(configurations, emrfs_site, mapped_buckets, uses_role_mappings=uses_role_mappings)
    check_session_duration(emrfs_site, "emrfs_site_properties")
    check_sts_endpoint_schemes(emrfs_site, "emrfs_site_properties")
    check_canned_acls(emrfs_site, "emrfs_site_properties", "emrfs-site")
    _check_site_canned_acls(configurations)
    translation_off = emrfs_translation_off(configurations, version) if uses_role_mappings else None
    # s3a:// (and s3:// without keep_emrfs) is S3A from 7.10.0, whose translated role mappings assume the role for
    # the duration S3A's own setting names when it is defined.
    s3a_mappings = uses_role_mappings and translation_off is None and (version is None or version >= S3A_DEFAULT_SINCE)
    _check_site_session_durations(configurations, s3a_mappings, mapped_buckets)
    _check_site_sts_endpoint_schemes(configurations)
    if s3a_mappings:
        check_translated_bucket_durations(emrfs_site, "emrfs_site_properties", mapped_buckets, site_of(configurations))
    connector = s3_connector(version, keep_emrfs, configurations)
    core_site: dict[str, str] = {}
    if credentials_provider is not None:
        interface = provider_interface(credentials_provider, connector, label, keep_emrfs)
        _set_provider_property(credentials_provider, interface, emrfs_site, core_site)
        result["BootstrapActions"] = add_bootstrap_action(
            actions,
            credentials_provider.bootstrap_action(),
            "job_flow_overrides.BootstrapActions",
        )
        notes.append(
            f"{connector or 'The S3 connector'} loads credentials provider {credentials_provider.class_name} "
            f"({PROVIDER_INTERFACES[interface]}) from {credentials_provider.jar}."
        )
    # The translation is off only on a release that translates (7.10.0 on, or not known: emrfs_translation_off), where
    # S3A serves s3://, or may (the release not known), unless EMRFS is kept for it (s3_connector).
    if translation_off is not None and connector != "EMRFS":
        serves = (
            f"{label} serves s3:// with S3A"
            if version is not None
            else f"S3A may serve s3:// (no ReleaseLabel given: the release may be {release_text(S3A_DEFAULT_SINCE)} or later)"
        )
        raise InvalidParameterError(
            f"job_flow_overrides.Configurations[{translation_off}].Properties.{EMRFS_COMPATIBILITY_PROPERTY}",
            f"is false, which turns off EMR's translation of the EMRFS settings to S3A, role mappings included "
            f"(fs.s3.authorization.roleMapping); with keep_emrfs=False and no core-site fs.s3.impl keeping EMRFS, "
            f"{serves}, so the "
            "security configuration's role mappings would not apply to any write (they would go out as the EC2 "
            "instance profile). Remove the property, or keep EMRFS for s3:// (keep_emrfs=True)",
        )
    # S3A serves s3://, or may: unless EMRFS serves it (s3_connector), as the verifier reads the cluster.
    if connector != "EMRFS":
        _refuse_s3a_doubtful_acls(configurations, emrfs_site, version is None)
    # With role mappings, where EMRFS serves s3://, or may (no ReleaseLabel): as the translation and ACL checks above.
    doubt = _access_grants_doubt(version, keep_emrfs, configurations) if uses_role_mappings else None
    _refuse_access_grants(doubt, configurations, emrfs_site)
    connector_notes = _connector_notes(
        version,
        label,
        keep_emrfs and "AmiVersion" not in result,  # an AMI version takes no Configurations, and is EMRFS's
        core_site,
        translation_off is not None,
        connector == "EMRFS" and not keep_emrfs,
    )
    notes.extend(connector_notes)
    warnings = _termination_warnings(result)
    if translation_off is not None:  # not refused: EMRFS kept for s3://, and s3a:// URIs get no role mapping
        warnings.extend(connector_notes)
    warnings.extend(consistent_view_warnings(configurations, emrfs_site))
    for classification, properties in (
        ("core-site", _not_kept_yet(core_site, configurations)),
        ("emrfs-site", emrfs_site),
    ):
        if properties:
            configurations = merge_classification(
                configurations, classification, properties, "job_flow_overrides.Configurations"
            )
    _refuse_spark_overrides(configurations, mapped_buckets)
    _refuse_core_site_emrfs_settings(configurations, mapped_buckets)
    _refuse_emrfs_site_core_settings(configurations, emrfs_site, mapped_buckets)
    _refuse_other_site_settings(configurations, mapped_buckets, uses_role_mappings)
    _refuse_instance_overrides(
        result.get("Instances"), configurations, instances_field, uses_role_mappings, mapped_buckets, version
    )
    warnings.extend(_provider_beside_mappings(configurations, uses_role_mappings))
    if configurations:
        result["Configurations"] = configurations
    return LaunchPlan(result, notes, warnings)


#: The credential settings of a connector's own, by the site file they are read from (the verifier's
#: ``checks/credential_settings.py`` reads the same).
_CREDENTIAL_SETTINGS = (
    ("emrfs-site", EMRFS_PROVIDER_PROPERTY),
    ("emrfs-site", "fs.s3.credentialsResolverClass"),
    ("core-site", S3A_PROVIDER_PROPERTY),
)


def _provider_beside_mappings(configurations: list[dict[str, Any]], uses_role_mappings: bool) -> list[str]:
    """
    A warning per credential setting of a cluster that relies on role mappings: the Amazon EMR Release Guide
    ("Authorizing access to EMRFS data in Amazon S3") offers the security configuration's IAM roles for EMRFS and a
    custom credentials provider as alternatives ("Alternatively, if your Amazon EMR solution has demands beyond what
    IAM roles for EMRFS provides, you can define a custom credentials provider class"), and does not say which decides
    a write's credentials when both are set: the verifier leaves such a cluster "not checked", which no probe settles.
    """
    return [
        f"{where} {name} is set on a cluster whose writes rely on the security configuration's role mappings: "
        "AWS does not document whether the mappings or the credentials provider decide a write's credentials, so the "
        "verifier reports the cluster not checked (no probe settles it); launch the partner's cluster without it"
        for _, name in _CREDENTIAL_SETTINGS
        # Both site files, which EMRFS's configuration loads (S3A's from emrfs-site: not documented), and the other
        # classifications, which reach the jobs that load them.
        for where in (*EMRFS_SITE_FILES, *OTHER_HADOOP_SITES)
        if uses_role_mappings and site_of(configurations, where).get(name) is not None
    ]


#: EMRFS consistent view's switch: "When set to true, this property configures EMRFS to use DynamoDB to provide
#: consistency" (Amazon EMR Release Guide, "Configure consistent view").
CONSISTENT_VIEW_PROPERTY = "fs.s3.consistent"


_CONSISTENT_VIEW_ON = (
    "turns on EMRFS consistent view: EMRFS records each write in a DynamoDB table, with credentials AWS does not "
    "document, so the verifier leaves that table's access not checked. Amazon S3 is strongly consistent since December "
    "2020 and AWS says consistent view is no longer needed: remove the setting"
)


def consistent_view_warnings(configurations: list[dict[str, Any]], emrfs_site: dict[str, Any]) -> list[str]:
    """
    A warning per classification of Hadoop properties that turns EMRFS consistent view on (``fs.s3.consistent``,
    ``spark.hadoop.`` in ``spark-defaults``, read as Hadoop reads a flag): EMRFS then keeps each write's metadata in a
    DynamoDB table, with credentials AWS does not document, which the verifier leaves not checked. It is no longer
    needed: "With the release of Amazon S3 strong read-after-write consistency on December 1, 2020, you no longer need
    to use EMRFS consistent view" (Amazon EMR Release Guide, "Consistent view").

    :param emrfs_site: the ``emrfs_site_properties`` the launch adds.
    """
    sites = [("emrfs_site_properties", "emrfs-site", emrfs_site)]
    sites.extend(site_classifications(configurations, classifications=HADOOP_PROPERTY_CLASSIFICATIONS))
    places = [
        (f"{place}.{key}", value)
        for place, classification, properties in sites
        for key, value in properties.items()  # EMR.secret@NAME sets NAME: property_name
        if property_name(key) == (SPARK_HADOOP if classification == "spark-defaults" else "") + CONSISTENT_VIEW_PROPERTY
    ]
    hidden = [  # a secret's value (the EMR.secret@ annotation), which the launch does not read, may be true
        f"{place}={value!r} is a secret's ARN: if the secret is true, it {_CONSISTENT_VIEW_ON}"
        for place, value in places
        if SECRET_ANNOTATION in place
    ]
    return [
        f"{place}={value!r} {_CONSISTENT_VIEW_ON}"  # true as Hadoop reads a flag
        for place, value in places
        if hadoop_boolean(value)
    ] + hidden


def _not_kept_yet(core_site: dict[str, str], configurations: list[dict[str, Any]]) -> dict[str, str]:
    """
    ``core_site`` without the :data:`KEEP_EMRFS_PROPERTIES` the configurations already set to EMRFS's class as Hadoop
    reads it (trimmed: :func:`emrfs_kept`), which are kept as written: " EmrFileSystem\n" keeps EMRFS as the verifier
    reads it, and conflicted with the value ``keep_emrfs`` writes.
    """
    existing = site_of(configurations)
    return {
        name: value
        for name, value in core_site.items()
        if name not in KEEP_EMRFS_PROPERTIES or not emrfs_kept(existing.get(name))
    }


def _check_filesystem_classes(
    configurations: list[dict[str, Any]], keep_emrfs: bool, version: tuple[int, int, int] | None
) -> None:
    """
    Refuse a ``core-site`` ``fs.s3.impl`` or ``fs.s3n.impl`` with which the ``s3://`` connector is not known
    (:func:`impl_connector` ``None``) where that decides what the launch promises.

    A value that is no class name as Hadoop reads it (EMRFS's name padded with a no-break space, say) is refused on
    any release: ``Configuration.getClass`` would load no class for ``s3://`` (the verifier says "not known"). A class
    neither EMRFS's nor S3A's: with ``keep_emrfs`` EMRFS is asked for, on any release, and another class serves
    ``s3://`` instead; without it, from 7.10.0 (or the release not known) the launch would take S3A as serving
    ``s3://`` (the role mappings translated, an SDK v2 credentials provider) where AWS does not document what that
    class does. Before 7.10.0 any ``fs.s3.impl`` but EMRFS's, S3A's too: Hadoop loads that class for ``s3://``, and
    whether the role mappings reach it is not documented (:func:`impl_doubt`). On 7.10.0 and later ``keep_emrfs``
    writes EMRFS's name there itself, and S3A's conflicts (:func:`merge_classification`); with the release not known
    it writes EMRFS's name there too (:func:`s3_connector`), and S3A's is refused here.
    """
    before_s3a = version is not None and version < S3A_DEFAULT_SINCE
    for index, configuration in enumerate(configurations):
        properties = configuration.get("Properties")
        if configuration.get("Classification") != "core-site" or not isinstance(properties, dict):
            continue
        for key, value in properties.items():
            name = property_name(key)  # EMR.secret@fs.s3.impl too: its value, a secret's, is not known here
            if name not in KEEP_EMRFS_PROPERTIES:
                continue
            kept = emrfs_kept(value)
            if name == "fs.s3.impl":
                # EMRFS's own class; S3A's from 7.10.0 without keep_emrfs (with it, a conflict with what it writes).
                s3a_allowed = kept is False and not before_s3a and (not keep_emrfs or version is not None)
                if kept or s3a_allowed:
                    continue
            elif kept is not None or (_JAVA_CLASS.match(java_trim(value)) and not keep_emrfs):
                continue  # fs.s3n.impl: s3n:// only
            if keep_emrfs:
                fix = f"keep_emrfs=True needs {EMRFS_IMPL!r}"
            elif before_s3a:
                fix = f"set {EMRFS_IMPL!r} or remove it"
            else:
                fix = f"set it to {S3A_IMPL!r} or remove it (S3A), or keep EMRFS (keep_emrfs=True)"
            # S3A's own class is no doubt: with the release not known, keep_emrfs writes EMRFS's class there.
            why = (
                f"core-site {name}={value!r} is S3A's class, which Hadoop loads for s3:// (on 7.10.0 and later, "
                "which a launch with no ReleaseLabel may run), where keep_emrfs=True writes EMRFS's class"
                if kept is False and version is None
                else impl_doubt(version, value, name)
            )
            raise InvalidParameterError(
                f"job_flow_overrides.Configurations[{index}].Properties.{key}",
                f"is not known to serve s3:// with EMRFS's role mappings: {why}; {fix}",
            )


def _termination_warnings(overrides: dict[str, Any]) -> list[str]:
    """
    Warn about ``Instances.TerminationProtected``: EMR then refuses ``TerminateJobFlows``.

    Amazon EMR Management Guide, "Using termination protection": "With termination protection
    enabled, the TerminateJobFlows action in the Amazon EMR API does not work ... The API returns an error".
    """
    instances = overrides.get("Instances")
    protected = instances.get("TerminationProtected") if isinstance(instances, dict) else None
    if str(protected).lower() != "true":
        return []
    return [
        "Instances.TerminationProtected is true: EMR will refuse to terminate this cluster, so its teardown "
        "(TerminateClusterOperator) cannot end it and fails, leaving it running and billing, unless the teardown "
        "sets disable_termination_protection=True."
    ]


def _check_keep_alive(overrides: dict[str, Any], notes: list[str]) -> None:
    """Refuse a cluster that would terminate once started: no ``Steps`` and no keep-alive (EMR defaults it to false)."""
    instances = overrides.get("Instances")
    keep_alive = instances.get("KeepJobFlowAliveWhenNoSteps") if isinstance(instances, dict) else None
    if keep_alive is not None and not isinstance(keep_alive, bool):
        raise InvalidParameterError(KEEP_ALIVE_FIELD, f"must be True or False, got {keep_alive!r}")
    if keep_alive:
        return
    if require_dicts(overrides.get("Steps", []), "job_flow_overrides.Steps", "steps"):
        notes.append(
            "Instances.KeepJobFlowAliveWhenNoSteps is not true: the cluster terminates after its last step "
            "(job_flow_overrides.Steps); steps other tasks add must be added before then."
        )
        return
    raise InvalidParameterError(
        KEEP_ALIVE_FIELD,
        f"is {'false' if keep_alive is False else 'not set (EMR defaults it to false)'} and there are no Steps, so "
        "EMR would terminate the cluster as soon as it has started: the steps other tasks add later "
        "(EmrAddStepsOperator, the verifier's probe) would never run, and wait_for_completion would fail after the "
        "startup cost. Set it to True and end the cluster with TerminateClusterOperator as the teardown, or give "
        "the work as job_flow_overrides.Steps (an Instances in job_flow_overrides replaces the whole Instances "
        "of the emr_conn_id extra)",
    )


#: ``WaitPolicy.WAIT_FOR_STEPS_COMPLETION``'s value (the Amazon provider's ``WaitPolicy`` is a ``str`` enum).
WAIT_FOR_STEPS_COMPLETION = "wait_for_steps_completion"


def check_wait_policy(
    overrides: dict[str, Any],
    wait_policy: Any,
    *,
    waiter_max_attempts: int,
    waiter_delay: int,
    instances_field: str = "job_flow_overrides.Instances",
    execution_timeout: timedelta | None = None,
) -> None:
    """
    Refuse waiting for the end of a cluster that stays up: ``WAIT_FOR_STEPS_COMPLETION`` with
    ``KeepJobFlowAliveWhenNoSteps`` true and no ``AutoTerminationPolicy``, or one whose ``IdleTimeout`` is as long as
    the wait (``waiter_max_attempts`` x ``waiter_delay``, the deferred trigger's too, or the task's
    ``execution_timeout`` when shorter) or longer.

    That wait is the Amazon provider's ``job_flow_terminated`` waiter (its ``waiters/emr.json``: success on
    ``TERMINATED`` only); KeepJobFlowAliveWhenNoSteps "Specifies whether the cluster should remain available after
    completing all steps" (Amazon EMR API Reference, "JobFlowInstancesConfig"); an ``AutoTerminationPolicy`` ends it
    after ``IdleTimeout``, "the amount of idle time in seconds after which the cluster automatically terminates"
    (Amazon EMR API Reference, "AutoTerminationPolicy"), counted once the cluster is up and idle (no pending steps,
    no active YARN application: Amazon EMR Management Guide, "Using an auto-termination policy").
    """
    if wait_policy != WAIT_FOR_STEPS_COMPLETION:
        return
    instances = overrides.get("Instances")
    if not isinstance(instances, dict) or instances.get("KeepJobFlowAliveWhenNoSteps") is not True:
        return
    auto_termination = overrides.get("AutoTerminationPolicy")
    if auto_termination is None:
        raise InvalidParameterError(
            "wait_policy",
            f"is WAIT_FOR_STEPS_COMPLETION, which waits for the cluster to end (TERMINATED), but "
            f"{instances_field}.KeepJobFlowAliveWhenNoSteps is true and there is no AutoTerminationPolicy, so the "
            "cluster never ends by itself: the task would poll for waiter_max_attempts x waiter_delay while it bills, "
            "then terminate it and fail, on every retry. Use WaitPolicy.WAIT_FOR_COMPLETION to wait for the cluster "
            "to be up (and end it with TerminateClusterOperator as the teardown), or set "
            "KeepJobFlowAliveWhenNoSteps=False with the work as Steps so that it ends after them, or give an "
            "AutoTerminationPolicy (it ends once idle)",
        )
    _check_idle_timeout(auto_termination, _wait_bound(waiter_max_attempts, waiter_delay, execution_timeout))


def _wait_bound(waiter_max_attempts: int, waiter_delay: int, execution_timeout: timedelta | None) -> tuple[int, str]:
    """
    The seconds the task's wait may last, and how a refusal names that bound.

    ``waiter_max_attempts`` x ``waiter_delay``, or the task's ``execution_timeout`` when shorter: Airflow then stops
    the task (in the worker: ``on_kill`` ends the cluster; deferred: the deferral is capped at the time left, and the
    resumed task ends the cluster and fails).
    """
    wait_seconds = waiter_max_attempts * waiter_delay
    waiter = (
        f"the wait (waiter_max_attempts x waiter_delay = {waiter_max_attempts} x {waiter_delay} = {wait_seconds} s)"
    )
    execution_timeout = applied_execution_timeout(execution_timeout)
    if execution_timeout is None or execution_timeout.total_seconds() >= wait_seconds:
        return wait_seconds, waiter
    timeout_seconds = int(execution_timeout.total_seconds())
    return timeout_seconds, f"the task's execution_timeout ({timeout_seconds} s, shorter than {waiter})"


def applied_execution_timeout(execution_timeout: timedelta | None) -> timedelta | None:
    """
    The task's ``execution_timeout`` as Airflow applies it: ``None`` for none, and for ``timedelta(0)`` too.

    The Task SDK's task runner times the task only ``if task.execution_timeout:`` (``airflow.sdk.execution_time.
    task_runner._run_execute_callable``), and ``[core] default_task_execution_timeout = 0`` gives every task
    ``timedelta(0)``: no timeout, not one already run out.
    """
    return execution_timeout or None


def _check_idle_timeout(auto_termination: Any, bound: tuple[int, str]) -> None:
    """
    Refuse an ``IdleTimeout`` the wait (``bound``: its seconds and name, :func:`_wait_bound`) cannot outlast: the
    cluster still has to start before its idle time counts.

    Only an int, as EMR takes it ("Type: Long"), is compared; without one there is nothing to compare: the API
    reference documents no default (Amazon EMR API Reference, "AutoTerminationPolicy").
    """
    idle_timeout = auto_termination.get("IdleTimeout") if isinstance(auto_termination, dict) else None
    if not isinstance(idle_timeout, int) or isinstance(idle_timeout, bool):
        return
    wait_seconds, wait_named = bound
    if idle_timeout < wait_seconds:
        return
    raise InvalidParameterError(
        "wait_policy",
        f"is WAIT_FOR_STEPS_COMPLETION, which waits for the cluster to end (TERMINATED), but its "
        f"AutoTerminationPolicy.IdleTimeout is {idle_timeout} s, as long as {wait_named} or longer: the idle time "
        "counts only once the cluster is up and idle, so it cannot end before the wait runs out, and the task would "
        "poll while it bills, then terminate it and fail, on every retry. Lower IdleTimeout well below the wait, or "
        "raise waiter_max_attempts or waiter_delay (and execution_timeout) past the cluster's start plus its "
        "IdleTimeout, or use WaitPolicy.WAIT_FOR_COMPLETION to wait for the cluster to be up",
    )


def _launch_lists(overrides: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the ``Configurations`` and ``BootstrapActions`` of ``RunJobFlow`` arguments, refusing other shapes."""
    return (
        require_dicts(overrides.get("Configurations", []), "job_flow_overrides.Configurations", "classifications"),
        require_dicts(
            overrides.get("BootstrapActions", []), "job_flow_overrides.BootstrapActions", "bootstrap actions"
        ),
    )


#: How a refusal names ``RunJobFlow``'s ``AmiVersion`` (the operator names the ``emr_conn_id`` extra's where only the
#: extra gives it, as every ``job_flow_overrides.<key>`` refusal).
AMI_VERSION_FIELD = "job_flow_overrides.AmiVersion"


def ami_version_problem(version: str) -> str:
    """
    Why a cluster of an AMI version (``version`` names it) cannot apply role mappings: the one reading of
    ``AmiVersion`` the launch (:func:`plan_launch`) and the verifier (``checks/release.py``) share.

    ``AmiVersion`` "Applies only to Amazon EMR AMI versions 3.x and 2.x. For Amazon EMR releases 4.0 and later,
    ReleaseLabel is used" (Amazon EMR API Reference, "RunJobFlow"), whatever its value; role mappings need release
    5.10.0 or later (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3").
    """
    return (
        f'{version} is an AMI version (2.x or 3.x: AmiVersion "Applies only to Amazon EMR AMI versions 3.x and 2.x", '
        'Amazon EMR API Reference, "RunJobFlow"), which does not support role mappings (they need release '
        f'{release_text(ROLE_MAPPINGS_SINCE)} or later: Amazon EMR Management Guide, "Configure IAM roles for EMRFS '
        'requests to Amazon S3")'
    )


def _check_ami_version(
    ami: Any, label: Any, uses_role_mappings: bool, *, imds_v2_required: bool, release_field: str
) -> None:
    """
    Refuse an ``AmiVersion`` (``None``: not given) beside a ``ReleaseLabel``, or with role mappings, or with a
    security configuration that requires IMDSv2.

    Any value is an AMI version, 2.x or 3.x (:func:`ami_version_problem`): earlier than 5.10.0 (role mappings) and
    than 5.23.1 (IMDSv2 in EMR's components, :data:`IMDS_FIELD`). With a ``ReleaseLabel`` too, the two name releases
    AWS documents apart (``ReleaseLabel`` "applies only to Amazon EMR releases version 4.0 and later. Earlier versions
    use AmiVersion": Amazon EMR API Reference, "Cluster"), and which one a cluster given both runs is not documented:
    every release check of the launch would judge a release the cluster may not run.
    """
    if ami is None:
        return
    if label is not None:
        raise InvalidParameterError(
            AMI_VERSION_FIELD,
            f"{ami!r} is given with {release_field} {label!r}: AmiVersion is for the AMI versions (2.x, 3.x), "
            'ReleaseLabel for releases 4.0 and later (Amazon EMR API Reference, "RunJobFlow", "Cluster"), and which '
            "one a cluster given both runs is not documented. Give only one (ReleaseLabel for role mappings)",
        )
    if uses_role_mappings:
        raise InvalidParameterError(
            AMI_VERSION_FIELD,
            f"{ami_version_problem(f'AmiVersion {ami!r}')}. Use ReleaseLabel {release_text(ROLE_MAPPINGS_SINCE)} or "
            "later instead",
        )
    if imds_v2_required:
        raise InvalidParameterError(
            AMI_VERSION_FIELD,
            f"{imds_v2_problem(f'AmiVersion {ami!r} (an AMI version, 2.x or 3.x)')}. Use ReleaseLabel emr-5.32.0, "
            "emr-6.2.0 or later instead, or a configuration without that setting",
        )


#: Why an AMI version takes no ``Configurations``: they are "For Amazon EMR releases 4.0 and later" (Amazon EMR API
#: Reference, "RunJobFlow"; an instance group's own "Amazon EMR releases 4.x or later": "InstanceGroupConfig"), and "When
#: using an AMI version, you configure applications using bootstrap actions" (Amazon EMR Release Guide, "Customizing
#: cluster and application configuration with earlier AMI versions of Amazon EMR"). Whether EMR refuses them beside an
#: ``AmiVersion`` or launches without them is not documented: either way no cluster runs with them.
AMI_VERSION_NO_CONFIGURATIONS = (
    'Configurations are "For Amazon EMR releases 4.0 and later" (Amazon EMR API Reference, "RunJobFlow"; an instance '
    'group\'s own: "Amazon EMR releases 4.x or later", "InstanceGroupConfig"), and "When using an AMI version, you '
    'configure applications using bootstrap actions" (Amazon EMR Release Guide, "Customizing cluster and application '
    'configuration with earlier AMI versions of Amazon EMR"); whether EMR refuses them beside an AmiVersion or launches '
    "without them is not documented, and either way no cluster runs with them"
)
#: The first release that takes ``Configurations`` (:data:`AMI_VERSION_NO_CONFIGURATIONS`).
CONFIGURATIONS_SINCE = (4, 0, 0)
#: The first release a security configuration launches with: "The --release-label you specify must be 4.8.0 or later"
#: (Amazon EMR Management Guide, "Specify a security configuration for an Amazon EMR cluster").
SECURITY_CONFIGURATION_SINCE = (4, 8, 0)


def _ami_version_settings(
    result: dict[str, Any],
    emrfs_site_properties: dict[str, str] | None,
    credentials_provider: CredentialsProvider | None,
    instances_field: str,
) -> Iterator[tuple[str, str, tuple[int, int, int]]]:
    """
    What the launch would give an AMI-version cluster that needs a release label: each with how it is named, why and
    the first release that takes it (:func:`_refuse_ami_version_settings`).
    """
    if emrfs_site_properties:
        names = ", ".join(sorted(str(key) for key in emrfs_site_properties))
        yield (
            "emrfs_site_properties",
            f"({names}) would go in Configurations (emrfs-site): {AMI_VERSION_NO_CONFIGURATIONS}",
            CONFIGURATIONS_SINCE,
        )
    if credentials_provider is not None:
        yield (
            "emrfs_credentials_provider",
            f"({credentials_provider.class_name}) would be named in Configurations (emrfs-site "
            f"{EMRFS_PROVIDER_PROPERTY}, or core-site {S3A_PROVIDER_PROPERTY}): {AMI_VERSION_NO_CONFIGURATIONS}",
            CONFIGURATIONS_SINCE,
        )
    if "Configurations" in result:  # an empty list too: whether EMR takes it beside an AmiVersion is not documented
        yield (
            "Configurations",
            f"(the RunJobFlow argument) is given: {AMI_VERSION_NO_CONFIGURATIONS}",
            CONFIGURATIONS_SINCE,
        )
    for place, _ in launch_instance_configurations(result.get("Instances"), instances_field):
        yield place, f"is given: {AMI_VERSION_NO_CONFIGURATIONS}", CONFIGURATIONS_SINCE
    name = result.get("SecurityConfiguration")
    if name is not None:
        yield (
            f"SecurityConfiguration {name!r}",
            'is given: a security configuration needs release 4.8.0 or later ("The --release-label you specify must be '
            '4.8.0 or later": Amazon EMR Management Guide, "Specify a security configuration for an Amazon EMR '
            'cluster")',
            SECURITY_CONFIGURATION_SINCE,
        )


def _refuse_ami_version_settings(
    result: dict[str, Any],
    emrfs_site_properties: dict[str, str] | None,
    credentials_provider: CredentialsProvider | None,
    instances_field: str,
    release_field: str,
) -> None:
    """
    Refuse an ``AmiVersion`` (an AMI version, 2.x or 3.x) with what needs a release label (:func:`_ami_version_settings`):
    ``Configurations``, the launch's own (``emrfs_site_properties``, the credentials provider's setting) or the
    arguments' (the cluster's, an instance group's or fleet instance type's), and a ``SecurityConfiguration``. Named as
    :func:`_check_ami_version` names it, :data:`AMI_VERSION_FIELD`, with the setting in the problem.
    """
    ami = result.get("AmiVersion")
    if ami is None:
        return
    for where, why, since in _ami_version_settings(
        result, emrfs_site_properties, credentials_provider, instances_field
    ):
        raise InvalidParameterError(
            AMI_VERSION_FIELD,
            f'{ami!r} is an AMI version (2.x or 3.x: AmiVersion "Applies only to Amazon EMR AMI versions 3.x and '
            f'2.x", Amazon EMR API Reference, "RunJobFlow"), but {where} {why}. Launch with {release_field} '
            f"{release_text(since)} or later instead of AmiVersion",
        )


def _release_version(
    label: Any,
    uses_role_mappings: bool,
    notes: list[str],
    *,
    imds_v2_required: bool = False,
    field: str = "job_flow_overrides.ReleaseLabel",
    security_configuration: Any = None,
    ami_version: Any = None,
) -> tuple[int, int, int] | None:
    """
    Parse the release label (``None``: not given), refusing a release without role mappings when they are used,
    one a ``security_configuration`` (its name) cannot launch with (:data:`SECURITY_CONFIGURATION_SINCE`), and one
    whose EMR components cannot call IMDSv2 when the security configuration requires it (``imds_v2_required``: and
    the writes' credentials come from the instance profile, mapped or not).

    Without a release label the note says the release is not known, or, with an ``ami_version`` (``AmiVersion``), that
    the cluster runs an AMI version, whose ``s3://`` EMRFS serves: EMRFS is what "all Amazon EMR clusters use" for S3
    until S3A replaced it as the default "Starting from the EMR 7.10.0 release" (Amazon EMR Release Guide, "EMR File
    System (EMRFS)"), and an AMI version (2.x, 3.x) comes before release 4.0.
    """
    version = parse_release_label(label, field) if label is not None else None
    if version is None and ami_version is not None:
        notes.append(
            f"No ReleaseLabel given but AmiVersion {ami_version!r}: the cluster runs an AMI version (2.x or 3.x, "
            "earlier than every release label), which uses EMRFS for s3://."
        )
    elif version is None:
        notes.append(
            "No ReleaseLabel given (neither in job_flow_overrides nor in the emr_conn_id extra): the release, and so the "
            "S3 connector unless EMRFS is kept for s3://, is not known to the launch's checks."
        )
    elif uses_role_mappings and version < ROLE_MAPPINGS_SINCE:
        raise InvalidParameterError(
            field,
            f"{label} does not support EMRFS role mappings; they need {release_text(ROLE_MAPPINGS_SINCE)} or later",
        )
    elif security_configuration is not None and version < SECURITY_CONFIGURATION_SINCE:
        raise InvalidParameterError(
            field,
            f"{label} cannot launch with security configuration {security_configuration!r}: a security configuration "
            f'needs {release_text(SECURITY_CONFIGURATION_SINCE)} or later ("The --release-label you specify must be '
            '4.8.0 or later": Amazon EMR Management Guide, "Specify a security configuration for an Amazon EMR '
            'cluster")',
        )
    elif imds_v2_required and not speaks_imds_v2(version):
        raise InvalidParameterError(
            field,
            f"{imds_v2_problem(str(label))}. Use a later release, or a configuration without that setting",
        )
    return version


#: Amazon EMR Management Guide, "Create a security configuration", "Configure metadata service requests to
#: Amazon EC2 instances": "Amazon EMR supports IMDSv2 in Amazon EMR 5.23.1, 5.27.1, 5.32 or later, and 6.2 or
#: later. In these releases, Amazon EMR components use IMDSv2 for all IMDS calls. ... When you specify that
#: IMDSv2 must be used, IMDSv1 no longer works."
IMDS_FIELD = "InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion"


def speaks_imds_v2(version: tuple[int, int, int]) -> bool:
    """Whether EMR's own components (EMRFS among them) call IMDSv2 on this release (see :data:`IMDS_FIELD`)."""
    major, minor, patch = version
    if major == 5:
        return minor >= 32 or (minor in (23, 27) and patch >= 1)
    return major > 6 or (major == 6 and minor >= 2)


def requires_imds_v2(document: Any) -> bool:
    """Whether a security configuration turns IMDSv1 off (``MinimumInstanceMetadataServiceVersion`` 2)."""
    imds = document.get("InstanceMetadataServiceConfiguration") if isinstance(document, dict) else None
    return isinstance(imds, dict) and str(imds.get("MinimumInstanceMetadataServiceVersion")).strip() == "2"


def imds_v2_problem(label: str) -> str:
    """Why a release whose EMR components call IMDSv1 cannot run a configuration that requires IMDSv2."""
    return (
        f"{label} predates IMDSv2 in EMR's own components (5.23.1, 5.27.1, 5.32.0 and later, 6.2.0 and later), and "
        f"the security configuration's {IMDS_FIELD} 2 turns IMDSv1 off: EMRFS there cannot get the instance "
        "profile's credentials, which assume the mapped roles (Amazon EMR Management Guide, \"Create a security "
        'configuration", metadata service requests)'
    )


def _set_provider_property(
    provider: CredentialsProvider, interface: str, emrfs_site: dict[str, str], core_site: dict[str, str]
) -> None:
    """Name the credentials provider in the connector's setting: emrfs-site for SDK v1 (EMRFS), core-site for S3A."""
    key = next((key for key in emrfs_site if property_name(key) == EMRFS_PROVIDER_PROPERTY), EMRFS_PROVIDER_PROPERTY)
    if interface == SDK_V1:
        given = emrfs_site.get(key, provider.class_name)
        if given != provider.class_name or key != EMRFS_PROVIDER_PROPERTY:  # a secret's value is not known
            raise InvalidParameterError(
                f"emrfs_site_properties.{key}",
                f"is {given!r}, but emrfs_credentials_provider names {provider.class_name!r}",
            )
        emrfs_site[EMRFS_PROVIDER_PROPERTY] = provider.class_name
        return
    if key in emrfs_site:
        raise InvalidParameterError(
            f"emrfs_site_properties.{key}",
            f"names an EMRFS (SDK v1) provider, but s3:// is served by S3A here and "
            f"emrfs_credentials_provider names the SDK v2 class {provider.class_name!r}",
        )
    core_site[S3A_PROVIDER_PROPERTY] = provider.class_name


#: S3 Access Grants on EMR: from 6.15.0, ``emrfs-site`` turns them on (Amazon EMR Management Guide, "Using Amazon S3
#: Access Grants with Amazon EMR"); the Release Guide's "Migration guide: EMRFS to S3A filesystem" maps both settings
#: to S3A's ``core-site`` ``fs.s3a.access.grants.enabled`` and ``fs.s3a.access.grants.fallback.to.iam``.
ACCESS_GRANTS_SINCE = (6, 15, 0)
ACCESS_GRANTS_PROPERTIES = {
    "emrfs-site": ("fs.s3.s3AccessGrants.enabled", "fs.s3.s3AccessGrants.fallbackToIAM"),
    "core-site": ("fs.s3a.access.grants.enabled", "fs.s3a.access.grants.fallback.to.iam"),
    # Spark passes "spark.hadoop.*" properties to the Hadoop configuration of its jobs (Spark documentation,
    # "Custom Hadoop/Hive Configuration"); how they combine with emrfs-site for EMRFS is not documented.
    "spark-defaults": ("spark.hadoop.fs.s3.s3AccessGrants.enabled", "spark.hadoop.fs.s3.s3AccessGrants.fallbackToIAM"),
}


@dataclass(frozen=True)
class AccessGrants:
    """S3 Access Grants turned on in a cluster's configurations: where, and its fallback to IAM as set."""

    classification: str
    #: The fallback setting's value (trimmed, lower case), ``None`` when it is not set (its default is not documented).
    fallback: str | None
    #: ``spark-defaults`` sets one of them too (``spark.hadoop.*``): which value a Spark job's EMRFS uses is not known.
    spark_also: bool = False

    @property
    def setting(self) -> str:
        enabled, fallback = ACCESS_GRANTS_PROPERTIES[self.classification]
        shown = "not set" if self.fallback is None else f"={self.fallback}"
        also = "; spark-defaults sets spark.hadoop.fs.s3.s3AccessGrants.* too" if self.spark_also else ""
        return f"{self.classification} {enabled}=true ({fallback} {shown}{also})"

    @property
    def replaces_mappings(self) -> bool:
        """
        Whether AWS documents that a Spark job's writes then never go as a role mapping's role.

        "When a Spark job makes a request for S3 data, Amazon S3 provides temporary credentials that are scoped to the
        specific bucket, prefix, or object", and EMR uses an IAM role instead only "If a user attempts to perform an
        action that S3 Access Grants doesn't support ... when the fallbackToIAM configuration is true" (Amazon EMR
        Management Guide, "Using Amazon S3 Access Grants with Amazon EMR"): with it false, an upload (which S3 Access
        Grants supports) gets the grant's credentials or none. With it true, or unset, a write with no grant falls back
        to "the IAM role that was specified for job execution", which the page does not relate to the role mappings.
        """
        return self.classification == "emrfs-site" and self.fallback == "false" and not self.spark_also


#: What Hadoop's ``getTrimmed`` removes from each end of a value: Java's ``String.trim`` removes "any character whose
#: codepoint is less than or equal to 'U+0020'" and no other (Java SE API, ``String.trim``); Python's ``str.strip``
#: also removes a no-break space (U+00A0), U+2003, U+3000, U+0085..., which Java keeps.
JAVA_TRIMMED = "".join(map(chr, range(0x21)))


def java_trim(value: object) -> str:
    """A setting's value as Hadoop's ``Configuration.getTrimmed`` gives it: Java's ``String.trim`` (:data:`JAVA_TRIMMED`)."""
    return str(value).strip(JAVA_TRIMMED)


def java_equals_ignore_case(text: str, other: str) -> bool:
    """
    Java's ``String.equalsIgnoreCase`` (Java SE API): "Two strings are considered equal ignoring case if they are of
    the same length and corresponding characters in the two strings are equal ignoring case", two characters being
    the same if "The two characters are the same (as compared by the == operator)", or "Applying the method
    Character.toUpperCase(char) to each character produces the same result", or likewise ``Character.toLowerCase``.

    Per character, unlike Python's ``lower()`` of the whole: ``"falſe"`` (U+017F, long s, whose upper case is ``S``)
    equals ``"false"``. ``Character`` maps one character to one (Unicode's simple case mapping): a character whose
    Python mapping has more than one character (``"ß".upper()`` is ``"SS"``) is taken as unmapped.
    """

    def one(char: str, mapped: str) -> str:
        return mapped if len(mapped) == 1 else char

    return len(text) == len(other) and all(
        a == b or one(a, a.upper()) == one(b, b.upper()) or one(a, a.lower()) == one(b, b.lower())
        for a, b in zip(text, other, strict=True)
    )


def hadoop_boolean(value: object) -> bool | None:
    """
    A boolean setting's value as Hadoop's ``Configuration.getBoolean`` reads it: trimmed, ``true`` or ``false`` in
    any case (Apache Hadoop, ``org.apache.hadoop.conf.Configuration``: ``getBoolean`` takes ``getTrimmed(name)``, that
    is Java's ``String.trim`` (:data:`JAVA_TRIMMED`), and compares it with ``StringUtils.equalsIgnoreCase``, which is
    Java's ``String.equalsIgnoreCase``: :func:`java_equals_ignore_case`, so ``"falſe"`` is false); ``None`` when unset
    or another value, which ``getBoolean`` answers with the caller's default (not documented for EMRFS's or S3A's
    settings): every reader here takes it as not known.
    """
    if value is None:
        return None
    text = java_trim(value)
    return True if java_equals_ignore_case(text, "true") else False if java_equals_ignore_case(text, "false") else None


def emrfs_kept(value: object) -> bool | None:
    """
    Whether a ``core-site`` ``fs.s3.impl`` of ``value`` keeps EMRFS for ``s3://`` (Amazon EMR Release Guide,
    "Migration guide: EMRFS to S3A filesystem": from 7.10.0 S3A serves ``s3://`` unless it names
    :data:`EMRFS_IMPL`), read as Hadoop reads it: ``FileSystem.getFileSystemClass`` takes
    ``Configuration.getClass("fs." + scheme + ".impl", null)``, which trims the value with ``getTrimmed`` (Java's
    ``String.trim``, :data:`JAVA_TRIMMED`) and loads the class of that name.

    ``True``: EMRFS's class; ``False``: unset, or S3A's own class (:data:`S3A_IMPL`); ``None``: any other value, which
    AWS's documentation does not relate to either connector: a class of the customer's (a subclass or wrapper of
    either), or no Java class name once trimmed (``EMRFS_IMPL`` padded with a no-break space, say, which Hadoop fails
    to load). What then serves ``s3://`` is not known.
    """
    if value is None:
        return False
    text = java_trim(value)
    return True if text == EMRFS_IMPL else False if text == S3A_IMPL else None


def emrfs_impl_doubt(value: object, name: str = "fs.s3.impl") -> str:
    """Why ``core-site`` ``name`` (``fs.s3.impl``) of ``value`` leaves the ``s3://`` connector not known (:func:`emrfs_kept`)."""
    if _JAVA_CLASS.match(java_trim(value)):
        return (
            f"core-site {name}={value!r} names a class that is neither EMRFS's ({EMRFS_IMPL}) nor S3A's ({S3A_IMPL}): "
            "what serves s3:// through it (EMRFS's role mappings, S3A's translated ones, or neither) AWS does not "
            "document"
        )
    return (
        f"core-site {name}={value!r} is no class name as Hadoop reads it (Configuration.getClass trims with "
        "Java's String.trim, which keeps a no-break space)"
    )


def impl_connector(version: tuple[int, int, int] | None, impl: object) -> str | None:
    """
    Which connector serves ``s3://`` on release ``version`` (``None``: not known) with ``core-site`` ``fs.s3.impl``
    ``impl`` (``None``: unset): ``"EMRFS"``, ``"S3A"``, or ``None`` when AWS does not document it.

    A configuration classification overrides the application's defaults ("To override the default configuration for
    an application, you specify custom values in a configuration classification": Amazon EMR Release Guide,
    "Configure applications when you create a cluster"), and Hadoop serves ``s3://`` with the class ``fs.s3.impl``
    names (:func:`emrfs_kept`), on any release. EMRFS's class: EMRFS. Unset: the release's own connector, EMRFS
    before 7.10.0, S3A from it (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"). S3A's class:
    S3A from 7.10.0, with the role mappings translated (same guide); before 7.10.0 the guide's translation is not
    documented (the 7.7.0 and 7.9.0 Hadoop release notes name S3A role mapping support and an automatic EMRFS to
    S3A configuration mapping, without saying that a security configuration's role mappings reach it): ``None``.
    Any other class: ``None`` on every release.
    """
    kept = emrfs_kept(impl)
    if kept:
        return "EMRFS"
    if version is None:
        return None
    if version < S3A_DEFAULT_SINCE:
        return "EMRFS" if impl is None else None
    return "S3A" if kept is False else None


def impl_doubt(version: tuple[int, int, int] | None, impl: object, name: str = "fs.s3.impl") -> str:
    """Why ``core-site`` ``name`` of ``impl`` on release ``version`` leaves the ``s3://`` connector not known (:func:`impl_connector`)."""
    if version is not None and version < S3A_DEFAULT_SINCE and emrfs_kept(impl) is False and impl is not None:
        return (
            f"core-site {name}={impl!r} has Hadoop serve s3:// with S3A on {release_text(version)}, before "
            f"{release_text(S3A_DEFAULT_SINCE)}: AWS documents EMR's translation of the role mappings to S3A from "
            f'{release_text(S3A_DEFAULT_SINCE)} only (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A '
            "filesystem\"), so whether the security configuration's role mappings reach these writes is not documented"
        )
    return emrfs_impl_doubt(impl, name)


def _access_grants_values(
    configurations: list[dict[str, Any]], classifications: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """The Access Grants settings of each of ``classifications``, the last value of each winning as EMR merges them."""
    values: dict[str, dict[str, str]] = {}
    for classification in classifications:
        names = ACCESS_GRANTS_PROPERTIES[classification]
        values[classification] = {}
        for configuration in configurations:
            properties = configuration.get("Properties")
            if configuration.get("Classification") == classification and isinstance(properties, dict):
                properties = {property_name(key): value for key, value in properties.items()}  # EMR.secret@NAME: NAME
                values[classification].update({name: str(properties[name]) for name in names if name in properties})
    return values


def access_grants(configurations: list[dict[str, Any]], classifications: tuple[str, ...]) -> AccessGrants | None:
    """
    S3 Access Grants as the configurations turn them on in one of ``classifications`` (the last value of each
    setting wins, read as Hadoop's ``Configuration.getBoolean`` reads a flag: :func:`hadoop_boolean`), or ``None``.
    """
    values = _access_grants_values(configurations, classifications)
    for classification in classifications:
        enabled, fallback = ACCESS_GRANTS_PROPERTIES[classification]
        if hadoop_boolean(values[classification].get(enabled)) is True:
            set_fallback = values[classification].get(fallback)
            return AccessGrants(
                classification,
                None if set_fallback is None else java_trim(set_fallback).lower(),
                spark_also=classification != "spark-defaults" and bool(values.get("spark-defaults")),
            )
    return None


def unreadable_access_grants(configurations: list[dict[str, Any]], classifications: tuple[str, ...]) -> str:
    """
    The first of ``classifications`` whose Access Grants switch is set to neither true nor false as Hadoop reads a
    flag (:func:`hadoop_boolean`), as ``"CLASSIFICATION NAME='VALUE'"``, or ``""``: whether Access Grants are on is
    then not documented.
    """
    values = _access_grants_values(configurations, classifications)
    for classification in classifications:
        enabled = ACCESS_GRANTS_PROPERTIES[classification][0]
        value = values[classification].get(enabled)
        if value is not None and hadoop_boolean(value) is None:
            return f"{classification} {enabled}={value!r}"
    return ""


def _access_grants_doubt(
    version: tuple[int, int, int] | None, keep_emrfs: bool, configurations: list[dict[str, Any]]
) -> str | None:
    """
    Whether EMRFS serves ``s3://`` on a release with S3 Access Grants (6.15.0 on): ``""`` where it does, why it may
    where the release is not known (no ``ReleaseLabel``), ``None`` where it does not (before 6.15.0, or S3A's).

    With the release not known, the connector is :func:`s3_connector`'s on 6.15.0 (the first release with Access
    Grants, where EMRFS serves ``s3://`` unless the configurations name another class): EMRFS there means EMRFS may
    serve ``s3://`` with Access Grants, as the translation and canned ACL checks take S3A as possible.
    """
    if version is not None:
        emrfs = version >= ACCESS_GRANTS_SINCE and s3_connector(version, keep_emrfs, configurations) == "EMRFS"
        return "" if emrfs else None
    if s3_connector(ACCESS_GRANTS_SINCE, keep_emrfs, configurations) != "EMRFS":
        return None
    serves = (
        "and EMRFS is kept for s3:// on any release"
        if s3_connector(None, keep_emrfs, configurations) == "EMRFS"
        else f"and EMRFS serves s3:// before {release_text(S3A_DEFAULT_SINCE)}"
    )
    return f" (no ReleaseLabel given: the release may be {release_text(ACCESS_GRANTS_SINCE)} or later, {serves})"


def _refuse_access_grants(doubt: str | None, configurations: list[dict[str, Any]], emrfs_site: dict[str, str]) -> None:
    """
    Refuse S3 Access Grants with no fallback to IAM where EMRFS serves ``s3://``, or may (``doubt``, from
    :func:`_access_grants_doubt`; ``None``: it does not), with role mappings: a Spark job's writes would get no role
    mapping (:attr:`AccessGrants.replaces_mappings`). Amazon EMR Management Guide, "Using Amazon S3 Access Grants with
    Amazon EMR": Access Grants from 6.15.0.
    """
    if doubt is None:
        return
    merged = [*configurations, {"Classification": "emrfs-site", "Properties": emrfs_site}]
    for place, classification, properties in site_classifications(
        merged, classifications=("emrfs-site", "spark-defaults")
    ):
        for key in properties:
            if is_secret(key) and property_name(key) in ACCESS_GRANTS_PROPERTIES[classification]:
                raise InvalidParameterError(
                    f"{place}.{key}" if properties is not emrfs_site else f"emrfs_site_properties.{key}",
                    f"is {properties[key]!r}: {SECRET_VALUE_NOT_READ}, so whether S3 Access Grants, which take a Spark "
                    f"job's writes from the role mappings, are on (and fall back to IAM) cannot be judged{doubt}. "
                    "Set it in plain text, or remove it for this cluster",
                )
    unreadable = unreadable_access_grants(merged, ("emrfs-site", "spark-defaults"))
    if unreadable:
        classification, setting = unreadable.split(" ", 1)
        name = setting.split("=", 1)[0]
        where = (
            "emrfs_site_properties"
            if classification == "emrfs-site" and name in emrfs_site
            else f"job_flow_overrides.Configurations[{classification}].Properties"
        )
        raise InvalidParameterError(
            f"{where}.{name}",
            f"is {setting.split('=', 1)[1]}, neither true nor false as Hadoop's Configuration.getBoolean reads it "
            "(trimmed of characters up to U+0020, in any case): whether S3 Access Grants, which take a Spark job's "
            f"writes from the role mappings, are on is not documented{doubt}. Set it to true or false",
        )
    found = access_grants(merged, ("emrfs-site", "spark-defaults"))
    if found is None or not found.replaces_mappings:
        return
    enabled = ACCESS_GRANTS_PROPERTIES["emrfs-site"][0]
    where = (
        "emrfs_site_properties" if enabled in emrfs_site else "job_flow_overrides.Configurations[emrfs-site].Properties"
    )
    raise InvalidParameterError(
        f"{where}.{enabled}",
        f"is true with {found.setting.split('(', 1)[1].rstrip(')')}{doubt}: EMR then gets a Spark job's S3 "
        "credentials from S3 Access Grants and uses an IAM role only for actions Access Grants does not support, so no "
        "write to the partner would go as the security configuration's mapped role (Amazon EMR Management Guide, "
        '"Using Amazon S3 Access Grants with Amazon EMR"). Remove it for this cluster',
    )


def emrfs_translation_off(
    configurations: list[dict[str, Any]], version: tuple[int, int, int] | None = None
) -> int | None:
    """
    Return the index of the ``core-site`` that sets ``fs.s3a.emrfs.compatibility.enable`` to false as Hadoop reads
    a flag (:func:`hadoop_boolean`), or ``None``; refuse a value that is neither true nor false, with which whether
    EMR translates the role mappings to S3A is not documented, on a release ``version`` that translates them (7.10.0
    on, or ``None``: not known). Before 7.10.0 the switch is no part of the launch (nor of the verifier's
    ``checks/release.py``): the translation is 7.10.0's (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A
    filesystem").
    """
    if version is not None and version < S3A_DEFAULT_SINCE:
        return None
    for index, configuration in enumerate(configurations):
        properties = configuration.get("Properties")
        if configuration.get("Classification") != "core-site" or not isinstance(properties, dict):
            continue
        for key, value in properties.items():
            if property_name(key) != EMRFS_COMPATIBILITY_PROPERTY:
                continue
            reading = hadoop_boolean(value)  # a secret's ARN (EMR.secret@): neither, its value not known here
            if reading is None:
                raise InvalidParameterError(
                    f"job_flow_overrides.Configurations[{index}].Properties.{key}",
                    f"is {value!r}, neither true nor false as Hadoop's Configuration.getBoolean reads it (trimmed of "
                    "characters up to U+0020, in any case): whether EMR then translates the role mappings to S3A is "
                    "not documented. Set it to true or false",
                )
            if reading is False:
                return index
    return None


def _connector_notes(
    version: tuple[int, int, int] | None,
    label: Any,
    keep_emrfs: bool,
    core_site: dict[str, str],
    translation_off: bool = False,
    kept_by_configurations: bool = False,
) -> list[str]:
    """
    Say which connector serves ``s3://``; on S3A releases with ``keep_emrfs``, and with the release not known (it may be
    one), add the settings that keep EMRFS (``kept_by_configurations``: the configurations' own ``fs.s3.impl`` keeps
    it, :func:`s3_connector`).
    """
    if version is not None and version < S3A_DEFAULT_SINCE:
        return [f"{label} uses EMRFS for s3://."]
    if keep_emrfs or kept_by_configurations:
        if keep_emrfs:
            core_site.update(KEEP_EMRFS_PROPERTIES)
        return [_kept_note(version, label, keep_emrfs, translation_off)]
    if version is None:
        return []
    return [
        f"{label} uses S3A for s3://; EMR translates the role mappings (fs.s3.authorization.roleMapping) "
        "and the other EMRFS settings for it, so the role mappings apply."
    ]


def _kept_note(version: tuple[int, int, int] | None, label: Any, keep_emrfs: bool, translation_off: bool) -> str:
    """The note of a launch that keeps EMRFS for ``s3://`` on a release that may serve it with S3A (:func:`_connector_notes`)."""
    applies = (
        f"The role mappings apply to s3:// and s3n:// only: {EMRFS_COMPATIBILITY_PROPERTY}=false turns off "
        "their translation to S3A, so s3a:// URIs get no role mapping (they go out as the EC2 instance profile)."
        if translation_off
        else "The role mappings apply on both connectors."
    )
    kept = (
        "fs.s3.impl and fs.s3n.impl keep EMRFS for s3:// and s3n://"
        if keep_emrfs
        else "the configurations' core-site fs.s3.impl keeps EMRFS for s3://"
    )
    if version is None:
        return (
            f"With no ReleaseLabel, {kept} on whatever release EMR runs (before {release_text(S3A_DEFAULT_SINCE)} they "
            f"name the class that serves them anyway; from it on, s3a:// URIs stay on S3A). {applies}"
        )
    return f"{label} uses S3A for s3:// by default; {kept} (s3a:// URIs stay on S3A). {applies}"


def s3_connector(
    version: tuple[int, int, int] | None, keep_emrfs: bool, configurations: list[dict[str, Any]]
) -> str | None:
    """
    Return which connector serves ``s3://`` on a cluster the launch plans: ``"EMRFS"``, ``"S3A"``, or ``None`` when not
    known (without ``keep_emrfs``, the release not known). Every check of the launch that depends on it reads this.

    ``keep_emrfs``: EMRFS on any release. From 7.10.0, and with the release not known, it writes ``core-site``
    ``fs.s3.impl`` naming EMRFS's class (:func:`_connector_notes`), which AWS sets to keep EMRFS (Amazon EMR Release
    Guide, "Migration guide: EMRFS to S3A filesystem"); before 7.10.0 that class is what serves ``s3://`` ("EMRFS
    s3://": Amazon EMR Management Guide, "Work with storage and file systems"), and a configuration classification
    only overrides the default (Amazon EMR Release Guide, "Configure applications when you create a cluster"), so
    writing it where the release is not known changes nothing there. Another ``fs.s3.impl`` is refused with it
    (:func:`_check_filesystem_classes`). Without ``keep_emrfs``: the configurations' own ``core-site`` ``fs.s3.impl``
    on the release, read as Hadoop reads it (:func:`impl_connector`), as the verifier reads the cluster's: EMRFS kept
    by the DAG's own setting is EMRFS's (``None`` for a value that names no class). A FileContext class
    (:data:`FILE_CONTEXT_PROPERTIES`) changes nothing here: it serves the FileContext writes only
    (:func:`file_context_doubts`).
    """
    if keep_emrfs:
        return "EMRFS"
    impl = site_of(configurations).get("fs.s3.impl")
    return impl_connector(version, impl)


def provider_interface(provider: CredentialsProvider, connector: str | None, label: Any, keep_emrfs: bool) -> str:
    """
    Return the interface the custom credentials provider must implement, refusing a mismatch (``label``: the
    ``ReleaseLabel``, ``None`` when not given).

    EMRFS loads SDK v1 ``com.amazonaws.auth.AWSCredentialsProvider`` classes, S3A SDK v2
    ``software.amazon.awssdk.auth.credentials.AwsCredentialsProvider`` classes: a class of the other
    kind fails on the cluster at its first S3 request, so it is refused here.
    """
    field = "emrfs_credentials_provider.interface"
    if connector is None:
        if provider.interface is None:
            raise InvalidParameterError(
                field,
                "must be given when ReleaseLabel is not: with keep_emrfs=False the connector (EMRFS before "
                f"{release_text(S3A_DEFAULT_SINCE)}, S3A from it on) and so the interface cannot be inferred",
            )
        return provider.interface
    required = SDK_V1 if connector == "EMRFS" else SDK_V2
    if provider.interface is not None and provider.interface != required:
        launch = f"{label} with" if label is not None else "A launch with no ReleaseLabel and"
        why = (
            f"{launch} keep_emrfs={keep_emrfs} serves s3:// with {connector}, which loads "
            f"{PROVIDER_INTERFACES[required]} classes ({required!r}), but the class is declared {provider.interface!r} "
            f"({PROVIDER_INTERFACES[provider.interface]})"
        )
        hint = (
            "; use keep_emrfs=True for an SDK v1 class"
            if required == SDK_V2
            else "; use keep_emrfs=False on 7.10.0+ for an SDK v2 class"
        )
        raise InvalidParameterError(field, why + hint)
    return required


def _check_site_session_durations(
    configurations: list[dict[str, Any]], s3a_mappings: bool, mapped_buckets: tuple[str, ...] | None
) -> None:
    """
    Check the role session durations of the ``emrfs-site`` classifications, and of ``core-site``: EMRFS's own property
    there too (every Hadoop ``Configuration`` loads ``core-site.xml``, EMRFS's included: Apache Hadoop API,
    ``org.apache.hadoop.conf.Configuration``), and S3A's for S3A's mappings.
    """
    core_site = site_of(configurations)
    for place, classification, properties in site_classifications(configurations):
        check_session_duration(properties, place)
        if classification == "emrfs-site":
            if s3a_mappings:
                check_translated_bucket_durations(properties, place, mapped_buckets, core_site)
        elif s3a_mappings:
            check_s3a_session_duration(properties, place, mapped_buckets, core_site)


def _check_site_sts_endpoint_schemes(configurations: list[dict[str, Any]]) -> None:
    """
    Check the STS endpoints named in every classification of Hadoop properties (:data:`HADOOP_PROPERTY_CLASSIFICATIONS`),
    which reach some job's Hadoop configuration (``spark-defaults`` as ``spark.hadoop.<name>``).
    """
    for place, classification, properties in site_classifications(
        configurations, classifications=HADOOP_PROPERTY_CLASSIFICATIONS
    ):
        check_sts_endpoint_schemes(properties, place, classification)


def site_classifications(
    configurations: list[dict[str, Any]],
    field: str = "job_flow_overrides.Configurations",
    classifications: tuple[str, ...] = EMRFS_SITE_FILES,
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """
    Each classification of ``configurations`` (named ``field``) among ``classifications`` (by default ``emrfs-site``
    and ``core-site``) with properties: its field, name, properties.
    """
    for index, configuration in enumerate(configurations):
        properties = configuration.get("Properties")
        classification = configuration.get("Classification")
        if classification in classifications and isinstance(properties, dict):
            yield f"{field}[{index}].Properties", str(classification), properties


def check_session_duration(properties: dict[str, Any], field: str) -> None:
    """
    Refuse ``fs.s3.sts.sessionDurationSeconds`` outside 900-3600 seconds.

    EMRFS gets the mapped role's credentials by role chaining (the instance profile's role session
    assumes the destination role), and STS refuses a chained session longer than one hour.
    """
    for key, value in properties.items():
        if property_name(key) == SESSION_DURATION_PROPERTY:
            _check_session_seconds(value, f"{field}.{key}")


def _check_session_seconds(value: object, field: str) -> None:
    """Refuse an EMRFS role session duration ``value`` (named ``field``) outside 900-3600 seconds."""
    text = java_trim(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    # Java's String.trim (:data:`JAVA_TRIMMED`), as Hadoop's getters trim: "1800\u00a0" is no number to them.
    # ASCII digits only: str.isdigit() also holds for "²" (int() then raises ValueError) and other scripts' digits.
    if not (text.isascii() and text.isdigit()) or not MIN_SESSION_SECONDS <= int(text) <= MAX_CHAINED_SESSION_SECONDS:
        raise InvalidParameterError(
            field,
            f"must be whole seconds from {MIN_SESSION_SECONDS} to {MAX_CHAINED_SESSION_SECONDS}, got {value!r}: "
            "EMRFS assumes the mapped role by role chaining, which STS caps at one hour",
        )


#: AWS STS takes HTTPS only: "Because the Query API returns sensitive information such as security credentials, you
#: must use HTTPS with all API requests" (IAM User Guide, "Calling the IAM API using HTTP query requests", "HTTPS
#: required").
STS_HTTPS_ONLY = (
    'AWS STS takes HTTPS only ("you must use HTTPS with all API requests": IAM User Guide, "Calling the IAM API using '
    'HTTP query requests")'
)


def insecure_scheme(endpoint: Any) -> str:
    """
    The scheme of an endpoint URL other than ``https`` (``""``: ``https``, or a bare host name, which the AWS SDKs
    call over HTTPS, their default protocol).
    """
    text = java_trim(endpoint) if isinstance(endpoint, str) else ""
    scheme = text.split("://", 1)[0] if "://" in text else "https"
    return "" if scheme.lower() == "https" else scheme


def is_sts_endpoint_setting(name: str) -> bool:
    """Whether a Hadoop property names an STS endpoint of EMRFS or S3A (their own, or a bucket's)."""
    return name.startswith(("fs.s3.", "fs.s3a.")) and name.endswith(".sts.endpoint")


def check_sts_endpoint_schemes(properties: dict[str, Any], field: str, classification: str = "emrfs-site") -> None:
    """
    Refuse an STS endpoint setting (:func:`is_sts_endpoint_setting`) of a scheme other than ``https``.

    :param classification: where ``properties`` are given: of ``spark-defaults`` only the ``spark.hadoop.<name>``
        properties are Hadoop properties, which Spark adds to its jobs' Hadoop configuration (Spark, "Custom
        Hadoop/Hive Configuration"); of the others, every one.
    """
    for name, value in properties.items():
        hadoop_name = property_name(name) if isinstance(name, str) else ""
        if classification == "spark-defaults":
            hadoop_name = _spark_hadoop_setting(hadoop_name) or ""
        if not is_sts_endpoint_setting(hadoop_name):
            continue
        if is_secret(name):
            raise InvalidParameterError(
                f"{field}.{name}",
                f"is {value!r}: {SECRET_VALUE_NOT_READ}, so whether it names an https endpoint cannot be judged "
                f"({STS_HTTPS_ONLY}). Set it in plain text",
            )
        scheme = insecure_scheme(value)
        if scheme:
            raise InvalidParameterError(
                f"{field}.{name}",
                f"names {value!r}, over {scheme}: {STS_HTTPS_ONLY}, so every AssumeRole of a role mapping would fail; "
                "name it https://HOST or by its host name alone",
            )


def site_of(configurations: list[dict[str, Any]], classification: str = "core-site") -> dict[str, Any]:
    """
    The properties of every ``classification`` of ``configurations``, later ones winning, by the names EMR sends
    (:func:`~.launched_cluster.property_name`: ``EMR.secret@NAME`` is ``NAME``, its value the secret's ARN).
    """
    merged: dict[str, Any] = {}
    for configuration in configurations:
        if configuration.get("Classification") == classification and isinstance(configuration.get("Properties"), dict):
            merged.update({property_name(key): value for key, value in configuration["Properties"].items()})
    return merged


def emrfs_setting_bucket(setting: str, name: str) -> str | None:
    """
    The bucket whose ``emrfs-site`` bucket-level form ``fs.s3.bucket.BUCKET.OPTION`` of ``name`` (``fs.s3.OPTION``)
    ``setting`` is (``None``: it is not one).
    """
    option = f".{name.removeprefix('fs.s3.')}"
    if not (setting.startswith("fs.s3.bucket.") and setting.endswith(option)):
        return None
    return setting[len("fs.s3.bucket.") : -len(option)] or None


def check_translated_bucket_durations(
    properties: dict[str, Any], field: str, mapped_buckets: tuple[str, ...] | None, core_site: dict[str, Any]
) -> None:
    """
    Refuse an ``emrfs-site`` ``fs.s3.bucket.BUCKET.sts.sessionDurationSeconds`` outside 900-3600 seconds where EMR
    translates it for S3A's mapped role of ``BUCKET``: a bucket a role mapping may take (``mapped_buckets``) whose own
    ``core-site`` ``fs.s3a.bucket.BUCKET.assumed.role.session.duration`` is not set (a defined S3A setting wins).

    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": the mapping of EMRFS settings to S3A's
    "extends to bucket-level configurations", ``fs.s3.sts.sessionDurationSeconds`` mapped to
    ``fs.s3a.assumed.role.session.duration``. Whether S3A's own base ``fs.s3a.assumed.role.session.duration`` keeps
    the bucket-level one from being translated is not documented, so it may reach the mapped role either way. Read as
    S3A reads the translated value (:func:`hadoop_duration_seconds`), capped as every chained session is.
    """
    for name, value in properties.items():
        bucket = emrfs_setting_bucket(property_name(name), SESSION_DURATION_PROPERTY)
        if bucket is None or not bucket_mapped(bucket, mapped_buckets):
            continue
        if s3a_bucket_setting(S3A_SESSION_DURATION_PROPERTY, bucket) in core_site:
            continue
        seconds = hadoop_duration_seconds(value)
        if seconds is None or not MIN_SESSION_SECONDS <= seconds <= MAX_CHAINED_SESSION_SECONDS:
            raise InvalidParameterError(
                f"{field}.{name}",
                f"must be a duration from {MIN_SESSION_SECONDS} to {MAX_CHAINED_SESSION_SECONDS} seconds, got "
                f"{value!r}: EMR translates it for S3A's mapped role of bucket {bucket}, which S3A assumes by role chaining, "
                "which STS caps at one hour",
            )


def s3a_bucket_setting(name: str, bucket: str) -> str:
    """
    The per-bucket form ``fs.s3a.bucket.BUCKET.OPTION`` of the S3A setting ``name`` (``fs.s3a.OPTION``): Apache Hadoop,
    "Hadoop-AWS module", "Configuring different S3 buckets with Per-Bucket Configuration".
    """
    return f"fs.s3a.bucket.{bucket}.{name.removeprefix('fs.s3a.')}"


def s3a_setting_bucket(setting: str, name: str) -> str | None:
    """The bucket whose per-bucket form of ``name`` (:func:`s3a_bucket_setting`) ``setting`` is (``None``: it is not one)."""
    option = f".{name.removeprefix('fs.s3a.')}"
    if not (setting.startswith("fs.s3a.bucket.") and setting.endswith(option)):
        return None
    return setting[len("fs.s3a.bucket.") : -len(option)]


def check_s3a_session_duration(
    properties: dict[str, Any],
    field: str,
    mapped_buckets: tuple[str, ...] | None = None,
    core_site: dict[str, Any] | None = None,
) -> None:
    """
    Refuse S3A's ``fs.s3a.assumed.role.session.duration`` (or a per-bucket one) outside 900-3600 seconds where it
    reaches a mapped role's session.

    Where S3A's translated role mappings assume the mapped role they do it with the instance profile's role session,
    as EMRFS does: role chaining, capped at one hour (:data:`MAX_CHAINED_SESSION_SECONDS`). The value is read as
    Hadoop reads it (:data:`HADOOP_DURATION_SUFFIXES`): ``"1h"``, ``"45m"``, ``"3600"`` (seconds). A bucket's own
    ``fs.s3a.bucket.BUCKET.`` option wins over the base one for that bucket only ("per-filesystem configuration":
    Apache Hadoop, "Working with IAM Assumed Roles"), so a per-bucket one of a bucket no role mapping takes
    (``mapped_buckets``: :func:`~.security_config.mapped_bucket_prefixes`) is not a mapped role's (S3A's own
    ``AssumedRoleCredentialProvider`` of IAM user keys is no role chaining and may ask up to the role's maximum),
    and the base one is no mapped role's when every bucket a mapping takes has its own in ``core_site``.
    """
    overridden = {
        bucket
        for name in (core_site if core_site is not None else properties)
        if (bucket := s3a_setting_bucket(property_name(name), S3A_SESSION_DURATION_PROPERTY)) is not None
    }
    for name, value in properties.items():
        bucket = s3a_setting_bucket(property_name(name), S3A_SESSION_DURATION_PROPERTY)
        if property_name(name) == S3A_SESSION_DURATION_PROPERTY:
            reaches = base_setting_reaches_mappings(mapped_buckets, overridden)
        elif bucket is not None:
            reaches = bucket_mapped(bucket, mapped_buckets)
        else:
            continue
        seconds = hadoop_duration_seconds(value)
        if reaches and (seconds is None or not MIN_SESSION_SECONDS <= seconds <= MAX_CHAINED_SESSION_SECONDS):
            raise InvalidParameterError(
                f"{field}.{name}",
                f"must be a duration from {MIN_SESSION_SECONDS} seconds (15m) to {MAX_CHAINED_SESSION_SECONDS} "
                f"seconds (1h), such as '1h' or '3600', got {value!r}: S3A assumes the mapped role by role chaining, "
                "which STS caps at one hour",
            )


def base_setting_reaches_mappings(mapped_buckets: tuple[str, ...] | None, overridden: set[str]) -> bool:
    """
    Whether S3A's base ``fs.s3a.OPTION`` is read for some mapped role: a bucket a role mapping may take
    (``mapped_buckets``: :func:`~.security_config.mapped_bucket_prefixes`) is not among the ``overridden`` buckets,
    those whose own ``fs.s3a.bucket.BUCKET.OPTION`` S3A reads instead (Apache Hadoop, "Hadoop-AWS module",
    "Configuring different S3 buckets with Per-Bucket Configuration").
    """
    if mapped_buckets is None:
        return True
    # "bucket/" names one bucket; a prefix without the slash may be the start of many names, not all overridden.
    return any(not prefix.endswith("/") or prefix[:-1] not in overridden for prefix in mapped_buckets)


def hadoop_duration_seconds(value: Any) -> int | None:
    """
    A Hadoop time duration whose unit defaults to seconds, in whole seconds; ``None`` if Hadoop cannot parse it.

    Apache Hadoop, ``org.apache.hadoop.conf.Configuration.getTimeDuration``: the value trimmed with Java's
    ``String.trim`` (:data:`JAVA_TRIMMED`, not Python's ``strip``: a no-break space stays), its unit suffix taken off,
    the rest read by ``Long.parseLong``.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = java_trim(value).lower()
    suffix, numerator, denominator = next(
        (unit for unit in HADOOP_DURATION_SUFFIXES if text.endswith(unit[0])), ("", 1, 1)
    )
    text = text[: len(text) - len(suffix)]
    # Long.parseLong: an optional sign and decimal digits (Character.digit takes any script's, as \d and int() do).
    if not re.fullmatch(r"[+-]?\d+", text):
        return None
    return int(text) * numerator // denominator


def canned_acl_setting(name: str, classification: str) -> bool:
    """
    Whether ``name`` in ``classification`` is a canned ACL setting: ``emrfs-site`` ``fs.s3.canned.acl`` or its
    bucket-level form ``fs.s3.bucket.BUCKET.canned.acl`` (which EMR translates for S3A, and EMRFS may read: the
    verifier reads both), ``core-site`` ``fs.s3a.acl.default`` or its per-bucket form.
    """
    if classification == "emrfs-site":
        return _emrfs_canned_acl(name)
    if classification == "core-site":
        return _s3a_canned_acl(name)
    return False


def _emrfs_canned_acl(name: str) -> bool:
    """Whether ``name`` is EMRFS's ``fs.s3.canned.acl`` or its bucket-level form."""
    return name == EMRFS_CANNED_ACL or emrfs_setting_bucket(name, EMRFS_CANNED_ACL) is not None


def _s3a_canned_acl(name: str) -> bool:
    """Whether ``name`` is S3A's ``fs.s3a.acl.default`` or its per-bucket form."""
    return name == S3A_CANNED_ACL or bool(s3a_setting_bucket(name, S3A_CANNED_ACL))


def spark_trimmed(value: object) -> object:
    """
    A ``spark-defaults`` value as Spark hands it to a job's Hadoop configuration: Spark loads
    ``spark-defaults.conf`` with ``java.util.Properties`` and trims each value as Java trims but keeps a carriage
    return or line feed (Apache Spark, ``Utils.getPropertiesFromFile``: ``trimExceptCRLF``, "preserves natural line
    delimiters"), then sets ``spark.hadoop.<name>`` as ``<name>`` unchanged (``SparkHadoopUtil``,
    ``appendSparkHadoopConfigs``: ``hadoopConf.set(key.substring("spark.hadoop.".length), value)``). A value that is
    no string is kept.
    """
    if not isinstance(value, str):
        return value
    kept = "".join(char for char in JAVA_TRIMMED if char not in "\r\n")
    start = len(value) - len(value.lstrip(kept))
    end = len(value.rstrip(kept))
    return value[start:end] if start < end else ""


def check_canned_acls(properties: dict[str, Any], field: str, classification: str) -> None:
    """
    Refuse a canned ACL setting (:func:`canned_acl_setting`) that is not exactly one of :data:`CANNED_ACLS`' names (or
    empty: no ACL). S3A takes the ACL by its enum name and fails on another spelling; what EMRFS sends for one AWS does
    not document, so the verifier could not tell which ACL, if any, the uploads carry (which decides who owns them).
    """
    for name, value in properties.items():
        if not canned_acl_setting(property_name(name), classification) or (
            isinstance(value, str) and value in ("", *CANNED_ACLS)
        ):
            continue
        text = java_trim(value).lower() if isinstance(value, str) else ""
        meant = next((acl for acl, header in CANNED_ACLS.items() if text in (header, acl.lower())), None)
        hint = f"; for {value!r} set {meant!r}" if meant else ""
        raise InvalidParameterError(
            f"{field}.{name}",
            f"is {value!r}, which is no canned ACL name: EMRFS and S3A take the ACL by its enum name, exactly one of "
            f"{', '.join(CANNED_ACLS)} (S3A reads it untrimmed and refuses any other spelling: Apache Hadoop, "
            "S3AFileSystem.initCannedAcls; what EMRFS sends for one AWS does not document, so which ACL the uploads "
            f"carry, and so who owns them, could not be checked){hint}",
        )


def _check_site_canned_acls(
    configurations: list[dict[str, Any]], field: str = "job_flow_overrides.Configurations"
) -> None:
    """
    :func:`check_canned_acls` of every ``emrfs-site`` and ``core-site`` classification of ``configurations`` (named
    ``field``).
    """
    for place, classification, properties in site_classifications(configurations, field):
        check_canned_acls(properties, place, classification)


def s3a_acl_doubt(value: object) -> str:
    """Why S3A may not read canned ACL name ``value`` (:data:`S3A_DOUBTFUL_ACLS`), or ``""``."""
    if value not in S3A_DOUBTFUL_ACLS:
        return ""
    return (
        f"S3A takes the ACL by Hadoop's AWSCannedACL.valueOf (on the AWS SDK v2), whose enum holds no LogDeliveryWrite "
        f"and names aws-exec-read AwsExecRead or AWS_EXEC_READ depending on the Hadoop version, which AWS does not "
        f"document for EMR's S3A: whether S3A reads {value!r} at all is not known"
    )


def _refuse_s3a_doubtful_acls(
    configurations: list[dict[str, Any]], emrfs_site: dict[str, str], release_unknown: bool = False
) -> None:
    """
    Refuse a canned ACL setting S3A reads (its own, or EMRFS's translated) naming :data:`S3A_DOUBTFUL_ACLS`.
    ``release_unknown``: no ``ReleaseLabel`` given, so S3A may serve ``s3://`` (the release may be 7.10.0 or later,
    and EMRFS is not kept: :func:`s3_connector`).
    """
    where = (
        "S3A may serve s3:// on this cluster (no ReleaseLabel given, in job_flow_overrides or the EMR connection: "
        "the release EMR runs may be 7.10.0 or later, and with keep_emrfs=False nothing the launch writes keeps EMRFS)"
        if release_unknown
        else "S3A serves s3:// on this cluster"
    )
    keep = (
        "keep EMRFS for s3:// (keep_emrfs=True, or core-site fs.s3.impl set to EMRFS's class)"
        if release_unknown
        else "keep EMRFS for s3:// (keep_emrfs=True)"
    )
    given = [("emrfs_site_properties", "emrfs-site", emrfs_site), *site_classifications(configurations)]
    for place, classification, properties in given:
        for name, value in properties.items():
            doubt = s3a_acl_doubt(value) if canned_acl_setting(property_name(name), classification) else ""
            if doubt:
                raise InvalidParameterError(
                    f"{place}.{name}",
                    f"is {value!r}, and {where}: {doubt}. Use another canned ACL (such as BucketOwnerFullControl), "
                    f"or {keep}",
                )


#: The settings the launch reads from a site file (the ``s3://`` connector, the role mappings' translation, the
#: credentials providers, the mapped roles' session duration, the canned ACL), by that file; per-bucket forms too
#: (:func:`launch_site_file`).
LAUNCH_SITE_SETTINGS = {
    "fs.s3.impl": "core-site",
    **dict.fromkeys(FILE_CONTEXT_PROPERTIES, "core-site"),
    EMRFS_COMPATIBILITY_PROPERTY: "core-site",
    EMRFS_PROVIDER_PROPERTY: "emrfs-site",
    S3A_PROVIDER_PROPERTY: "core-site",
    SESSION_DURATION_PROPERTY: "emrfs-site",
    S3A_SESSION_DURATION_PROPERTY: "core-site",
    EMRFS_CANNED_ACL: "emrfs-site",
    S3A_CANNED_ACL: "core-site",
}


#: The per-bucket forms of :data:`LAUNCH_SITE_SETTINGS` the launch reads: how a form names its bucket, of which
#: setting, in which site file.
_PER_BUCKET_SETTINGS = (
    (emrfs_setting_bucket, SESSION_DURATION_PROPERTY, "emrfs-site"),
    (emrfs_setting_bucket, EMRFS_CANNED_ACL, "emrfs-site"),
    (s3a_setting_bucket, S3A_SESSION_DURATION_PROPERTY, "core-site"),
    (s3a_setting_bucket, S3A_CANNED_ACL, "core-site"),
)


def _per_bucket_form(name: str) -> tuple[str, str] | None:
    """The site file and bucket of ``name`` when it is a per-bucket form of :data:`_PER_BUCKET_SETTINGS`, or ``None``."""
    for setting_bucket, base, site_file in _PER_BUCKET_SETTINGS:
        if bucket := setting_bucket(name, base):
            return site_file, bucket
    return None


def launch_site_file(name: str) -> str | None:
    """The site file the launch reads Hadoop property ``name`` from (:data:`LAUNCH_SITE_SETTINGS`), or ``None``."""
    if name in LAUNCH_SITE_SETTINGS:
        return LAUNCH_SITE_SETTINGS[name]
    form = _per_bucket_form(name)
    return form[0] if form else None


#: The options, after ``fs.s3.``, ``fs.s3n.``, ``fs.s3a.`` or a per-bucket stem, that the launch and the verifier read
#: as Hadoop booleans (:func:`hadoop_boolean`): the S3A translation switch, the Requester Pays header, EMRFS's SSE and
#: CSE switches, TLS.
HADOOP_BOOLEAN_OPTIONS = (
    "emrfs.compatibility.enable",
    "useRequesterPaysHeader",
    "requester.pays.enabled",
    "enableServerSideEncryption",
    "cse.enabled",
    "ssl.enabled",
)


def hadoop_reading(name: str, value: object) -> object:
    """
    Hadoop property ``name``'s ``value`` as the launch and the verifier read it, to tell whether two spellings are the
    same setting (a ``spark-defaults`` ``spark.hadoop.<name>`` and the site file's, another classification's and the
    site file's): a switch of :data:`HADOOP_BOOLEAN_OPTIONS` as Hadoop reads a flag (:func:`hadoop_boolean`: ``TRUE``
    is ``true``), S3A's role session duration, base or per bucket, as a Hadoop duration
    (:func:`hadoop_duration_seconds`: ``1h`` is ``3600``; Apache Hadoop, ``AssumedRoleCredentialProvider``:
    ``conf.getTimeDuration(ASSUMED_ROLE_SESSION_DURATION, ..., TimeUnit.SECONDS)``); else, or a value neither reads,
    the value trimmed as Java trims (:func:`java_trim`). A canned ACL setting's, base or per bucket
    (``fs.s3.canned.acl``, ``fs.s3a.acl.default``, whichever classification sets it), is its raw text: S3A reads it
    untrimmed and how EMRFS reads a padded one AWS does not document (:data:`CANNED_ACLS`), so
    ``BucketOwnerFullControl`` followed by a space is another setting than ``BucketOwnerFullControl``. A
    ``spark-defaults`` value is to be given as Spark hands it to Hadoop (:func:`spark_trimmed`).
    """
    if _emrfs_canned_acl(name) or _s3a_canned_acl(name):
        return str(value)
    reading: object = None
    if name.startswith("fs.s3") and name.endswith(tuple(f".{option}" for option in HADOOP_BOOLEAN_OPTIONS)):
        reading = hadoop_boolean(value)
    elif name == S3A_SESSION_DURATION_PROPERTY or s3a_setting_bucket(name, S3A_SESSION_DURATION_PROPERTY):
        reading = hadoop_duration_seconds(value)
    return java_trim(value) if reading is None else reading


def _other_site_values(
    configurations: list[dict[str, Any]],
    classification: str,
    setting_of: Callable[[str], str | None],
    mapped_buckets: tuple[str, ...] | None,
) -> Iterator[tuple[int, str, str, Any, str, Any]]:
    """
    Each property of ``classification``'s entries that sets a setting the launch reads from another site file
    (:func:`launch_site_file`) to another value than that file's, both read as Hadoop reads them
    (:func:`hadoop_reading`, a ``spark-defaults`` value after Spark's trimming: :func:`spark_trimmed`; not set there:
    another value too), as ``(index, key, setting, value, site file, its value)``. A per-bucket form of a bucket no
    role mapping takes (``mapped_buckets``: :func:`~.security_config.mapped_bucket_prefixes`; ``None``: any bucket)
    is no mapped write's, and is left out.

    :param setting_of: the Hadoop property a key of ``classification`` sets (``None``: none).
    """
    sites = {site_file: site_of(configurations, site_file) for site_file in EMRFS_SITE_FILES}
    for index, configuration in enumerate(configurations):
        properties = configuration.get("Properties")
        if configuration.get("Classification") != classification or not isinstance(properties, dict):
            continue
        for key, value in properties.items():
            name = setting_of(property_name(key))
            site_file = launch_site_file(name) if name is not None else None
            if name is None or site_file is None or site_file == classification:
                continue
            form = _per_bucket_form(name)
            if form is not None and not bucket_mapped(form[1], mapped_buckets):
                continue
            own = sites[site_file].get(name)
            read = spark_trimmed(value) if classification == "spark-defaults" else value
            if own is not None and hadoop_reading(name, read) == hadoop_reading(name, own):
                continue
            yield index, str(key), name, value, site_file, own


def _spark_hadoop_setting(key: str) -> str | None:
    """The Hadoop property a ``spark-defaults`` key sets (``spark.hadoop.<name>``: :data:`SPARK_HADOOP`), or ``None``."""
    return key.removeprefix(SPARK_HADOOP) if key.startswith(SPARK_HADOOP) else None


def _refuse_spark_overrides(
    configurations: list[dict[str, Any]], mapped_buckets: tuple[str, ...] | None = None
) -> None:
    """
    Refuse a ``spark-defaults`` ``spark.hadoop.<name>`` of a setting the launch reads from a site file
    (:func:`launch_site_file`) set to another value than that file's (:func:`_other_site_values`): Spark adds it to
    every Spark job's Hadoop configuration (:data:`SPARK_HADOOP`), where it wins over the site file's, so a Spark job
    would get a connector, credentials, session or ACL that neither the launch nor the verifier checked (the verifier
    leaves such a setting "not checked": ``checks/spark_settings.py``). A per-bucket form of a bucket no role mapping
    takes is kept.
    """
    for index, key, name, value, classification, own in _other_site_values(
        configurations, "spark-defaults", _spark_hadoop_setting, mapped_buckets
    ):
        shown = f"is {own!r}" if own is not None else "is not set"
        raise InvalidParameterError(
            f"job_flow_overrides.Configurations[{index}].Properties.{key}",
            f"is {value!r} for every Spark job, but {classification} {name} {shown}: Spark adds spark.hadoop.* "
            'properties to its jobs\' Hadoop configuration (Spark, "Custom Hadoop/Hive Configuration"), so a Spark '
            f"job would not follow the {classification} value the launch and the verifier read (its s3:// "
            "connector, credentials, role session or canned ACL would go unchecked). Set "
            f"{name} in {classification} only, or the same value in both",
        )


def _refuse_core_site_emrfs_settings(
    configurations: list[dict[str, Any]], mapped_buckets: tuple[str, ...] | None = None
) -> None:
    """
    Refuse a ``core-site`` value of an ``emrfs-site`` setting the launch reads other than ``emrfs-site``'s
    (:func:`_other_site_values`). Every Hadoop ``Configuration`` loads ``core-site.xml`` (Apache Hadoop API,
    ``org.apache.hadoop.conf.Configuration``), EMRFS's too, and which of the two EMRFS follows is not documented: the
    launch and the verifier read ``emrfs-site``'s (the verifier leaves such a setting "not checked":
    ``checks/spark_settings.py``). A per-bucket form of a bucket no role mapping takes is kept.
    """
    for index, key, name, value, _, own in _other_site_values(configurations, "core-site", str, mapped_buckets):
        shown = f"is {own!r}" if own is not None else "is not set"
        raise InvalidParameterError(
            f"job_flow_overrides.Configurations[{index}].Properties.{key}",
            f"is {value!r} in core-site, but emrfs-site {name} {shown}: EMRFS's Hadoop configuration loads "
            "core-site too, and which of the two it follows is not documented, while the launch and the verifier "
            f"read emrfs-site's. Set {name} in emrfs-site only (emrfs_site_properties), or the same value in both",
        )


def _refuse_emrfs_site_core_settings(
    configurations: list[dict[str, Any]], emrfs_site: dict[str, Any], mapped_buckets: tuple[str, ...] | None = None
) -> None:
    """
    Refuse an ``emrfs-site`` value of a ``core-site`` setting the launch reads (:func:`_other_site_values`: the
    ``s3://`` connector's class, the switch of the translation to S3A, S3A's credentials provider, role session and
    canned ACL) other than ``core-site``'s. AWS documents these in ``core-site.xml`` (Amazon EMR Release Guide,
    "Migration guide: EMRFS to S3A filesystem": ``fs.s3.impl``, ``fs.s3a.emrfs.compatibility.enable``; Apache Hadoop,
    "Hadoop-AWS module", S3A's options) and does not say what a copy in ``emrfs-site`` does, which EMRFS's own
    configuration loads (:data:`EMRFS_SITE_FILES`): the launch and the verifier read ``core-site``'s (the verifier
    leaves such a setting "not checked": ``checks/spark_settings.py``). A per-bucket form of a bucket no role mapping
    takes is kept. A setting of ``emrfs_site_properties`` (``emrfs_site``), merged into ``emrfs-site``, is named there.
    """
    for index, key, name, value, _, own in _other_site_values(configurations, "emrfs-site", str, mapped_buckets):
        shown = f"is {own!r}" if own is not None else "is not set"
        raise InvalidParameterError(
            f"emrfs_site_properties.{key}"
            if key in emrfs_site
            else f"job_flow_overrides.Configurations[{index}].Properties.{key}",
            f"is {value!r} in emrfs-site, but core-site {name} {shown}: AWS documents {name} in core-site.xml and "
            "does not say what a copy in emrfs-site does (EMRFS's configuration loads emrfs-site too), while the "
            f"launch and the verifier read core-site's. Set {name} in core-site only, or the same value in both",
        )


def _refuse_other_site_settings(
    configurations: list[dict[str, Any]], mapped_buckets: tuple[str, ...] | None, uses_role_mappings: bool
) -> None:
    """
    Refuse, in a classification of :data:`OTHER_HADOOP_SITES` (``hive-site``, ``hdfs-site``...), a setting the launch
    reads from a site file (:func:`launch_site_file`) set to another value than that file's
    (:func:`_other_site_values`), and, with role mappings, an S3 Access Grants switch
    (:data:`ACCESS_GRANTS_PROPERTIES`): the jobs that load that classification would follow a connector, credentials,
    role session, canned ACL or Access Grants that neither the launch nor the verifier checked (the verifier leaves
    such a setting "not checked": ``checks/spark_settings.py``). A per-bucket form of a bucket no role mapping takes is
    kept; role mapping settings there are refused with the others (:data:`ROLE_MAPPING_CLASSIFICATIONS`).
    """
    for classification in OTHER_HADOOP_SITES:
        for index, key, name, value, site_file, own in _other_site_values(
            configurations, classification, str, mapped_buckets
        ):
            shown = f"is {own!r}" if own is not None else "is not set"
            raise InvalidParameterError(
                f"job_flow_overrides.Configurations[{index}].Properties.{key}",
                f"is {value!r} in {classification}, but {site_file} {name} {shown}: {classification} reaches the "
                f"Hadoop configuration of the jobs that load it, after core-site (Apache Hadoop API, "
                '"org.apache.hadoop.conf.Configuration"), so those jobs would not follow the '
                f"{site_file} value the launch and the verifier read (their s3:// connector, credentials, role session "
                f"or canned ACL would go unchecked). Set {name} in {site_file} only, or the same value in both",
            )
    if not uses_role_mappings:
        return
    for index, other, key, value in carried_access_grants(configurations):
        site_file = next(site for site, names in ACCESS_GRANTS_PROPERTIES.items() if property_name(key) in names)
        if property_name(key) == ACCESS_GRANTS_PROPERTIES[site_file][0]:
            fix = "Remove it for this cluster, or set it to false"
        elif hadoop_boolean(value) is None:  # in the site file too, it would still be read as neither
            fix = f"Remove it for this cluster, or set true or false in {site_file} and here alike"
        else:
            fix = f"Remove it for this cluster, or set it in {site_file} too, to the same value"
        raise InvalidParameterError(
            f"job_flow_overrides.Configurations[{index}].Properties.{key}",
            f"is {value!r} in {other}: S3 Access Grants take a job's writes from the role mappings "
            '(Amazon EMR Management Guide, "Using Amazon S3 Access Grants with Amazon EMR"), and the launch '
            f"and the verifier read their switches from emrfs-site (core-site for S3A), not {other}. " + fix,
        )


def carried_access_grants(configurations: list[dict[str, Any]]) -> Iterator[tuple[int, str, str, Any]]:
    """
    Each S3 Access Grants switch (:data:`ACCESS_GRANTS_PROPERTIES`, EMRFS's and S3A's names) a classification of
    :data:`OTHER_HADOOP_SITES` sets that may change what the jobs loading it get, or the other site file of
    :data:`EMRFS_SITE_FILES` (S3A's ``core-site`` switches in ``emrfs-site``, EMRFS's ``emrfs-site`` ones in
    ``core-site``: EMRFS's configuration loads both, and which of the two it follows, or whether S3A reads its own from
    ``emrfs-site``, AWS does not document), as ``(index, classification, name as written, value)``: the on switch other
    than false, or the fallback other than its site file's, each read as Hadoop reads a flag (:func:`hadoop_boolean`).
    An on switch set to false turns nothing on, and is kept.
    """
    for site_file in EMRFS_SITE_FILES:
        enabled, fallback = ACCESS_GRANTS_PROPERTIES[site_file]
        own = site_of(configurations, site_file).get(fallback)
        others = (*OTHER_HADOOP_SITES, *(site for site in EMRFS_SITE_FILES if site != site_file))
        for index, configuration in enumerate(configurations):
            other = configuration.get("Classification")
            properties = configuration.get("Properties")
            if other not in others or not isinstance(properties, dict):
                continue
            for key, value in properties.items():
                name, reading = property_name(key), hadoop_boolean(value)
                if (name == enabled and reading is not False) or (
                    name == fallback and (reading is None or own is None or reading != hadoop_boolean(own))
                ):
                    yield index, str(other), str(key), value


#: The classifications the role mapping settings (:func:`role_mapping_setting`) are read from: ``emrfs-site`` (EMRFS's),
#: ``core-site`` (Hadoop's, which every file system's configuration loads, EMRFS's too), ``spark-defaults`` as a Spark
#: job's ``spark.hadoop.<name>`` (:data:`SPARK_HADOOP`) and the other classifications that reach a job's Hadoop
#: configuration (:data:`OTHER_HADOOP_SITES`), as the verifier reads them (``checks/credential_settings.py``).
#: S3A's in ``emrfs-site`` too: EMR's S3A reads the EMRFS settings it translates, from where AWS does not document.
ROLE_MAPPING_CLASSIFICATIONS = HADOOP_PROPERTY_CLASSIFICATIONS


def role_mapping_setting(name: str) -> tuple[str, str | None] | None:
    """
    ``(property, bucket)`` when Hadoop property ``name`` sets role mappings (:data:`ROLE_MAPPING_PROPERTIES`): the
    property itself (``bucket`` ``None``), or a bucket-level form, EMRFS's ``fs.s3.bucket.BUCKET.authorization.…``
    (:func:`emrfs_setting_bucket`: the translation to S3A "extends to bucket-level configurations", Amazon EMR Release
    Guide, "Migration Guide: EMRFS to S3A Filesystem") or S3A's ``fs.s3a.bucket.BUCKET.authorization.…``
    (:func:`s3a_setting_bucket`: S3A reads it over the base one for ``BUCKET``); ``None``: no role mapping setting.
    """
    for emrfs, s3a in ROLE_MAPPING_PROPERTIES.items():
        if name in (emrfs, s3a):
            return name, None
        if bucket := emrfs_setting_bucket(name, emrfs) or s3a_setting_bucket(name, s3a):
            return emrfs if name.startswith("fs.s3.") else s3a, bucket
    return None


def role_mapping_settings(
    configurations: list[dict[str, Any]],
) -> Iterator[tuple[int, str, str, Any, str, str | None]]:
    """
    Each role mapping setting (:func:`role_mapping_setting`) of ``configurations``' :data:`ROLE_MAPPING_CLASSIFICATIONS`:
    its classification's index, the classification, the key as written (``spark.hadoop.`` included), its value, the
    property it sets and its bucket (``None``: every bucket's).
    """
    for index, classification, key, value, name in hadoop_settings(configurations, ROLE_MAPPING_CLASSIFICATIONS):
        found = role_mapping_setting(name)
        if found is not None:
            yield index, classification, key, value, *found


def hadoop_settings(
    configurations: list[dict[str, Any]], classifications: tuple[str, ...] = HADOOP_PROPERTY_CLASSIFICATIONS
) -> Iterator[tuple[int, str, str, Any, str]]:
    """
    Each property of ``configurations``' ``classifications`` that sets a Hadoop property, as ``(index,
    classification, key as written, value, the Hadoop property it sets)``: by the name EMR sends
    (:func:`~.launched_cluster.property_name`), ``spark-defaults``' ``spark.hadoop.<name>`` as ``<name>``
    (:data:`SPARK_HADOOP`; its other keys set none).
    """
    for index, configuration in enumerate(configurations):
        classification = configuration.get("Classification")
        properties = configuration.get("Properties")
        if classification not in classifications or not isinstance(properties, dict):
            continue
        for key, value in properties.items():
            name = property_name(key)
            if classification == "spark-defaults":
                if not name.startswith(SPARK_HADOOP):
                    continue
                name = name.removeprefix(SPARK_HADOOP)
            yield index, str(classification), str(key), value, name


def file_context_doubts(
    configurations: list[dict[str, Any]], version: tuple[int, int, int] | None, keep_emrfs: bool = False
) -> Iterator[tuple[int, str, str | None, str]]:
    """
    Each setting of :data:`FILE_CONTEXT_PROPERTIES` in a classification of Hadoop properties (:func:`hadoop_settings`)
    that names another class than the FileContext class (:data:`FILE_CONTEXT_CLASSES`) of the connector serving its
    scheme on release ``version`` (``None``: not known): EMRFS with ``keep_emrfs``, else as ``core-site``
    ``fs.<scheme>.impl`` gives it (:func:`impl_connector`). As ``(index, key as written, that connector, why)``.
    """
    sites = site_of(configurations)
    for index, classification, key, value, name in hadoop_settings(configurations):
        if name not in FILE_CONTEXT_PROPERTIES:
            continue
        scheme = name.removeprefix(FILE_CONTEXT_PREFIX).removesuffix(".impl")
        connector = "EMRFS" if keep_emrfs else impl_connector(version, sites.get(f"fs.{scheme}.impl"))
        if connector is None or java_trim(value) != FILE_CONTEXT_CLASSES[connector]:
            yield index, key, connector, _file_context_problem(f"{classification} {key}={value!r}", scheme, connector)


def _file_context_problem(setting: str, scheme: str, connector: str | None) -> str:
    """Why ``setting``, the FileContext class of ``scheme``, is a doubt where ``connector`` serves it (``None``: not known)."""
    serves = (
        f"which connector serves {scheme}:// is not known"
        if connector is None
        else f"{connector} serves {scheme}://, whose FileContext class is {FILE_CONTEXT_CLASSES[connector]}"
    )
    return (
        f"{setting} sets the class Hadoop's FileContext API serves {scheme}:// with (Spark's streaming checkpoints, "
        f"YARN's log aggregation), and {serves}: what serves these writes through another class (their role mappings, "
        "credentials, ACLs) AWS does not document"
    )


def _refuse_file_context_classes(
    configurations: list[dict[str, Any]],
    version: tuple[int, int, int] | None,
    keep_emrfs: bool,
    uses_role_mappings: bool,
) -> None:
    """
    With role mappings or ``keep_emrfs``, refuse a setting of :data:`FILE_CONTEXT_PROPERTIES` in ``configurations``
    that is not the FileContext class of the connector serving its scheme (:func:`file_context_doubts`): the writes
    through FileContext would go by a class neither EMRFS's kept ``fs.s3.impl`` nor the role mappings are known to
    reach.
    """
    if not (keep_emrfs or uses_role_mappings):
        return
    for index, key, connector, why in file_context_doubts(configurations, version, keep_emrfs):
        fix = f"set {FILE_CONTEXT_CLASSES[connector]} or remove it" if connector else "remove it"
        raise InvalidParameterError(
            f"job_flow_overrides.Configurations[{index}].Properties.{key}",
            f"is set: {why}. The launch keeps EMRFS (keep_emrfs) or relies on the security configuration's role "
            f"mappings, which these writes may not get: {fix}",
        )


def nested_configurations(configurations: list[dict[str, Any]]) -> Iterator[tuple[int, str]]:
    """
    Each classification of Hadoop properties (:data:`HADOOP_PROPERTY_CLASSIFICATIONS`; not an ``-env`` one, which keeps
    its ``export``) of ``configurations`` with a non-empty ``Configurations`` nested under it, as ``(index,
    classification)``: Amazon EMR API Reference, "Configuration": ``Configurations`` is "A list of additional
    configurations to apply within a configuration object", and what EMR does with one nested under a site file AWS
    does not document, while the launch's and the verifier's checks read the top-level classifications only.
    """
    for index, configuration in enumerate(configurations):
        classification = configuration.get("Classification")
        if classification in HADOOP_PROPERTY_CLASSIFICATIONS and configuration.get("Configurations"):
            yield index, str(classification)


def _refuse_nested_configurations(configurations: list[dict[str, Any]], field: str) -> None:
    """Refuse a ``Configurations`` nested under a classification of Hadoop properties (:func:`nested_configurations`)."""
    for index, classification in nested_configurations(configurations):
        raise InvalidParameterError(
            f"{field}[{index}].Configurations",
            f"is nested under {classification}: what EMR does with configurations nested under a site file's "
            'classification is not documented (Amazon EMR API Reference, "Configuration"), and the launch and the '
            "verifier check top-level classifications only. Give each classification at top level",
        )


def role_mapping_problem(setting: str, prop: str) -> str:
    """
    Why ``setting`` (``"CLASSIFICATION KEY"``), which sets role mapping property ``prop``, leaves the partner's writes on
    mappings the security configuration did not give, for the launch's refusal and the verifier's links.
    """
    guide = 'Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem"'
    if prop == S3A_ROLE_MAPPING_PROPERTY:
        return (
            f"{setting} sets S3A's role mappings themselves ({prop}), which S3A then reads instead of the security "
            "configuration's: EMR translates those (EMRFS's fs.s3.authorization.roleMapping) to S3A only where S3A's "
            'are undefined ("The mapping process automatically occurs when S3A configurations are undefined while '
            f'corresponding EMRFS configurations are present": {guide})'
        )
    if prop == EMRFS_ROLE_MAPPING_PROPERTY:
        return (
            f"{setting} sets the role mappings themselves ({prop}), the property the security configuration's role "
            f"mappings reach EMRFS as (and S3A, translated to {S3A_ROLE_MAPPING_PROPERTY}: {guide}); which of the two "
            "the connector follows AWS does not say"
        )
    return (
        f"{setting} sets {prop}, a setting of the role mappings' own (the guide's table maps "
        f"{EMRFS_GROUP_NAME_PROPERTY} to {S3A_GROUP_NAME_PROPERTY} beside the role mappings: {guide}), whose effect "
        "on which mapping a request matches AWS does not document"
    )


def _refuse_role_mapping_settings(
    configurations: list[dict[str, Any]],
    emrfs_site: dict[str, Any],
    mapped_buckets: tuple[str, ...] | None,
    field: str = "job_flow_overrides.Configurations",
    *,
    uses_role_mappings: bool = True,
) -> None:
    """
    Refuse a role mapping setting (:func:`role_mapping_setting`) in ``configurations`` (named ``field``) or
    ``emrfs_site`` (``emrfs_site_properties``) of a cluster that ``uses_role_mappings``: the partner's writes would go
    by role mappings that are not the security configuration's, or not only (:func:`role_mapping_problem`). A
    bucket-level form of a bucket no role mapping takes (``mapped_buckets``:
    :func:`~.security_config.mapped_bucket_prefixes`; ``None``: any bucket) is no mapped write's, and is kept.
    """
    if not uses_role_mappings:  # the cluster's own mappings are then the only ones, as it asked
        return
    found = [
        (f"emrfs_site_properties.{name}", f"emrfs_site_properties {name}", value, *read)
        for name, value in emrfs_site.items()
        if (read := role_mapping_setting(property_name(name))) is not None
    ]
    found.extend(
        (f"{field}[{index}].Properties.{key}", f"{classification} {key}", value, prop, bucket)
        for index, classification, key, value, prop, bucket in role_mapping_settings(configurations)
    )
    for place, setting, value, prop, bucket in found:
        if bucket is not None and not bucket_mapped(bucket, mapped_buckets):
            continue
        raise InvalidParameterError(
            place,
            f"is {value!r}: {role_mapping_problem(setting, prop)}. The partner's writes would go by role mappings "
            "neither the launch nor the verifier checks. Remove it: the role mappings belong in the security "
            "configuration (security_configuration)",
        )


#: The classifications whose S3 connector settings (:func:`connector_setting`) an instance group's or fleet instance
#: type's own ``Configurations`` may not give another value than the cluster's (:data:`OTHER_HADOOP_SITES` too).
INSTANCE_CHECKED_CLASSIFICATIONS = HADOOP_PROPERTY_CLASSIFICATIONS


def connector_setting(classification: str, name: str) -> bool:
    """
    Whether ``name`` of ``classification`` is an S3 connector setting: a ``core-site`` or ``emrfs-site`` property
    ``fs.s3…`` (EMRFS's and S3A's, ``s3n://``'s, per bucket too) or ``fs.AbstractFileSystem.s3…``
    (:func:`s3_connector_name`), the same in a classification of :data:`OTHER_HADOOP_SITES`, or its ``spark-defaults``
    ``spark.hadoop.`` form.
    """
    name = hadoop_property_name(name)  # as Hadoop reads a property's name (padded_connector_names)
    if classification == "spark-defaults":
        if not name.startswith(SPARK_HADOOP):
            return False
        name = name.removeprefix(SPARK_HADOOP)
    return classification in INSTANCE_CHECKED_CLASSIFICATIONS and s3_connector_name(name)


def instance_overrides(
    cluster_configurations: list[dict[str, Any]],
    own_configurations: list[dict[str, Any]],
    version: tuple[int, int, int] | None = None,
) -> Iterator[tuple[int, str, str, Any, Any]]:
    """
    Each S3 connector setting (:func:`connector_setting`) that an instance group's or fleet instance type's own
    ``own_configurations`` give another value than the cluster's ``cluster_configurations`` (both read as Hadoop reads
    them: :func:`hadoop_reading`, so a canned ACL by its raw text; ``spark-defaults``' after Spark's trimming), or
    that the cluster's do not set: its classification's index in ``own_configurations``, the classification, the
    setting, its value there and the cluster's (``None``: not set). A FileContext class the cluster does not set
    counts as the cluster's when it is that of the connector serving its scheme on release ``version``
    (:func:`_default_file_context`), as the cluster's own setting of it is accepted (:func:`file_context_doubts`).

    EMR applies them to that group's instances over the cluster's: "You can specify a separate configuration for each
    instance group (master, core, and task)" (Amazon EMR API Reference, ``InstanceGroupConfig``, ``Configurations``;
    ``InstanceTypeConfig`` for a fleet's instance types, and ``ModifyInstanceGroups`` for a running cluster's), so the
    jobs' tasks there use a connector, role mappings, credentials, session, encryption or ACL that the launch and the
    verifier, which read the cluster's settings, did not judge.
    """
    for index, configuration in enumerate(own_configurations):
        classification = configuration.get("Classification")
        properties = configuration.get("Properties")
        if classification not in INSTANCE_CHECKED_CLASSIFICATIONS or not isinstance(properties, dict):
            continue
        cluster = site_of(cluster_configurations, str(classification))
        for key, value in properties.items():
            name = str(key)
            if not connector_setting(str(classification), name):
                continue
            theirs = cluster.get(hadoop_property_name(name))  # the name as Hadoop reads it (padded_connector_names)
            hadoop_name = hadoop_property_name(name).removeprefix(SPARK_HADOOP)
            if theirs is not None and _same_reading(str(classification), hadoop_name, value, theirs):
                continue
            if theirs is None and _cluster_default(
                cluster_configurations, str(classification), hadoop_name, value, version
            ):
                continue
            yield index, str(classification), name, value, theirs


def _cluster_default(
    cluster_configurations: list[dict[str, Any]],
    classification: str,
    name: str,
    value: object,
    version: tuple[int, int, int] | None,
) -> bool:
    """
    Whether a group's own ``classification`` value of Hadoop property ``name``, which the cluster's same classification
    does not set, is what the cluster's instances have without it: its site file's own value (``spark-defaults``:
    :func:`_site_files_own`) or the FileContext class it has by default (:func:`_default_file_context`).
    """
    if classification == "spark-defaults" and _site_files_own(cluster_configurations, name, value):
        return True
    return _default_file_context(cluster_configurations, classification, name, value, version)


def _default_file_context(
    cluster_configurations: list[dict[str, Any]],
    classification: str,
    name: str,
    value: object,
    version: tuple[int, int, int] | None,
) -> bool:
    """
    Whether ``value`` of :data:`FILE_CONTEXT_PROPERTIES` ``name``, which no classification of the cluster's sets
    (:func:`hadoop_settings`), is the FileContext class of the connector serving its scheme on release ``version``
    (:data:`FILE_CONTEXT_CLASSES`; the connector as the cluster's ``core-site`` ``fs.<scheme>.impl`` gives it,
    :func:`impl_connector`). The cluster's instances then have that class: EMRFS's is "included by default" from
    7.2.0 (Amazon EMR on EKS Development Guide, "Use Amazon S3 for storage"), and the cluster's own setting of it is
    accepted on any release (:func:`file_context_doubts`), so the group's changes nothing the launch and the verifier
    did not judge.
    """
    if name not in FILE_CONTEXT_PROPERTIES:
        return False
    if any(setting == name for *_, setting in hadoop_settings(cluster_configurations)):
        return False
    scheme = name.removeprefix(FILE_CONTEXT_PREFIX).removesuffix(".impl")
    connector = impl_connector(version, site_of(cluster_configurations).get(f"fs.{scheme}.impl"))
    return connector is not None and _same_reading(classification, name, value, FILE_CONTEXT_CLASSES[connector])


def _site_files_own(cluster_configurations: list[dict[str, Any]], name: str, value: object) -> bool:
    """
    Whether a ``spark-defaults`` ``spark.hadoop.<name>`` value (after Spark's trimming) is the cluster's site file's own
    value of ``name`` (:func:`launch_site_file`), which a Spark job's Hadoop configuration holds without it: then it
    changes nothing there.
    """
    site_file = launch_site_file(name)
    site = None if site_file is None else site_of(cluster_configurations, site_file).get(name)
    return site is not None and hadoop_reading(name, spark_trimmed(value)) == hadoop_reading(name, site)


def _same_reading(classification: str, name: str, value: object, other: object) -> bool:
    """
    Whether ``classification``'s two values of Hadoop property ``name`` are the same setting (:func:`hadoop_reading`;
    ``spark-defaults``' after Spark's trimming: :func:`spark_trimmed`).
    """
    if classification == "spark-defaults":
        value, other = spark_trimmed(value), spark_trimmed(other)
    return hadoop_reading(name, value) == hadoop_reading(name, other)


def launch_instance_configurations(instances: Any, field: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """
    The own ``Configurations`` of each instance group and each fleet instance type of ``RunJobFlow``'s ``Instances``
    (named ``field``), with their field, refusing a shape that is no list of classifications.
    """
    if not isinstance(instances, dict):
        return
    groups = instances.get("InstanceGroups")
    for index, group in enumerate(groups if isinstance(groups, list) else []):
        if isinstance(group, dict) and group.get("Configurations") is not None:
            place = f"{field}.InstanceGroups[{index}].Configurations"
            yield place, require_dicts(group["Configurations"], place, "classifications")
    fleets = instances.get("InstanceFleets")
    for index, fleet in enumerate(fleets if isinstance(fleets, list) else []):
        types = fleet.get("InstanceTypeConfigs") if isinstance(fleet, dict) else None
        for number, instance_type in enumerate(types if isinstance(types, list) else []):
            if isinstance(instance_type, dict) and instance_type.get("Configurations") is not None:
                place = f"{field}.InstanceFleets[{index}].InstanceTypeConfigs[{number}].Configurations"
                yield place, require_dicts(instance_type["Configurations"], place, "classifications")


def _refuse_instance_overrides(
    instances: Any,
    configurations: list[dict[str, Any]],
    field: str,
    role_mappings: bool = False,
    mapped_buckets: tuple[str, ...] | None = None,
    version: tuple[int, int, int] | None = None,
) -> None:
    """
    Refuse an instance group's or fleet instance type's own S3 connector setting (:func:`instance_overrides`, on release
    ``version``); with ``role_mappings``, first its own role mapping setting, as the cluster's
    (:func:`_refuse_role_mapping_settings`), and its own canned ACL setting that is no canned ACL name, as the cluster's (:func:`check_canned_acls`).
    """
    for place, own in launch_instance_configurations(instances, field):
        _refuse_nested_configurations(own, place)
        _refuse_role_mapping_settings(own, {}, mapped_buckets, place, uses_role_mappings=role_mappings)
        _check_site_canned_acls(own, place)
        for index, classification, name, value, theirs in instance_overrides(configurations, own, version):
            shown = f"is {theirs!r}" if theirs is not None else "does not set it"
            raise InvalidParameterError(
                f"{place}[{index}].Properties.{name}",
                f"is {value!r} on these instances, where the cluster's {classification} {shown}: EMR applies an "
                "instance group's (or fleet instance type's) own Configurations to its instances over the cluster's "
                '(Amazon EMR API Reference, InstanceGroupConfig: "You can specify a separate configuration for each '
                'instance group"), so the tasks there would write through an S3 connector setting neither the '
                "launch nor the verifier checks (its connector, role mappings, credentials, session, encryption or "
                f"ACL). Set it in job_flow_overrides.Configurations for the whole cluster, or the same value here",
            )
