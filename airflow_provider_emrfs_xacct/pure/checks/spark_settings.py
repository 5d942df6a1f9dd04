"""
A Spark job's own Hadoop properties for the cluster settings the verifier reads.

``spark-defaults`` ``spark.hadoop.<name>`` sets Hadoop property ``<name>`` for every Spark job ("spark.hadoop.abc.def=
xyz represents adding hadoop property abc.def=xyz": Spark, "Configuration", "Custom Hadoop/Hive Configuration"), and
the ``s3://`` connector reads its settings from the job's Hadoop configuration (AWS Knowledge Center, "Access Amazon
S3 Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena", sets EMRFS's ``fs.s3.useRequesterPaysHeader``
with ``hadoopConfiguration().set``). The checks read these settings from ``emrfs-site`` or ``core-site``
(:mod:`.contexts`, :mod:`.release`); where ``spark-defaults`` gives one another value, AWS does not say which the
job's writes follow, so each such setting is "not checked". Credential settings, the role mappings' own settings
(``spark.hadoop.fs.s3.authorization.roleMapping``, ``spark.hadoop.fs.s3a.authorization.roleMapping``, their
``ugi.groupName.enabled`` twins and bucket-level forms: set at all, whatever the site files say, they are not checked)
and S3 Access Grants have links of their own (:mod:`.credential_settings`, :mod:`.access_grants`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import S3A_ENCRYPTION_OPTIONS, cluster_release, site_property
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_SITE_FILES,
    OTHER_HADOOP_SITES,
    SPARK_HADOOP,
    file_context_doubts,
    hadoop_reading,
    java_trim,
    nested_configurations,
    padded_connector_names,
    s3a_bucket_setting,
    spark_trimmed,
)
from airflow_provider_emrfs_xacct.pure.security_config import bucket_mapped, mapped_bucket_prefixes

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

SPARK_LINK = "Spark jobs' connector settings"
#: The classifications the live probe's process loads: its step runs ``hadoop fs -put`` (``verify.probe_step``),
#: whose Hadoop ``Configuration`` loads ``core-site.xml`` ("core-site.xml: Site-specific configuration for a given
#: hadoop installation": Apache Hadoop API, ``org.apache.hadoop.conf.Configuration``) and whose EMRFS loads
#: ``emrfs-site`` (:data:`~.cluster_config.EMRFS_SITE_FILES`). Not a Spark job's ``spark-defaults``, and none of
#: :data:`~.cluster_config.OTHER_HADOOP_SITES`: Hive's, Spark's ``hive-site.xml``, Tez's, HBase's, HiveServer2's and
#: Sqoop's files are their own jobs' resources, and HDFS's, MapReduce's and YARN's are added to a ``Configuration``
#: only once their classes load, which AWS does not document for a ``hadoop fs`` write to ``s3://``. A link on a
#: setting in any other classification is not settled by a passing probe (``probe_settles`` false).
PROBE_LOADS = EMRFS_SITE_FILES
#: The settings the checks read, by the classification they read them from.
READ_SETTINGS = (
    ("emrfs-site", "fs.s3.canned.acl"),
    ("emrfs-site", "fs.s3.useRequesterPaysHeader"),
    ("emrfs-site", "fs.s3.enableServerSideEncryption"),
    ("emrfs-site", "fs.s3.serverSideEncryption.kms.keyId"),
    ("emrfs-site", "fs.s3.cse.enabled"),
    ("emrfs-site", "fs.s3.cse.kms.keyId"),
    ("core-site", "fs.s3.impl"),
    ("core-site", "fs.s3a.emrfs.compatibility.enable"),
    ("emrfs-site", "fs.s3.sts.endpoint"),
    ("emrfs-site", "fs.s3.sts.sessionDurationSeconds"),
    ("emrfs-site", "fs.s3.storageClass"),
    ("emrfs-site", "fs.s3.serverSideEncryption.kms.customEncryptionContext"),
    ("emrfs-site", "fs.s3n.ssl.enabled"),
    ("emrfs-site", "fs.s3n.endpoint"),
)
#: The ``emrfs-site`` options the checks read per bucket, as ``fs.s3.bucket.BUCKET.<option>``
#: (:func:`.contexts.emrfs_setting`, :func:`.contexts.emrfs_readings`).
EMRFS_BUCKET_OPTIONS_READ = (
    "serverSideEncryption.kms.keyId",
    "canned.acl",
    "useRequesterPaysHeader",
    "storageClass",
    "serverSideEncryption.kms.customEncryptionContext",
    "sts.sessionDurationSeconds",
    "sts.endpoint",
)
#: The S3A options the checks read, base and per bucket (``fs.s3a.bucket.BUCKET.<option>``: :func:`.contexts.s3a_setting`,
#: :mod:`.sts_route`, :mod:`.session_duration`).
S3A_OPTIONS_READ = (
    "acl.default",
    "requester.pays.enabled",
    *S3A_ENCRYPTION_OPTIONS,
    "assumed.role.sts.endpoint",
    "assumed.role.session.duration",
    "create.storage.class",
    "encryption.context",
    "connection.ssl.enabled",
    "endpoint",
)


#: The S3A options only a mapped role's session reads: per bucket, read for a bucket a role mapping takes only.
MAPPED_ROLE_OPTIONS = ("assumed.role.sts.endpoint", "assumed.role.session.duration")
#: EMRFS's, the same (:mod:`.sts_route`, :mod:`.session_duration`).
EMRFS_MAPPED_ROLE_OPTIONS = ("sts.sessionDurationSeconds", "sts.endpoint")


def read_settings(state: ChainState) -> list[tuple[str, str]]:
    """
    The settings the checks read: :data:`READ_SETTINGS`, and ``core-site``'s S3A options, base and per bucket (those
    of :data:`MAPPED_ROLE_OPTIONS` for a bucket a role mapping takes: :mod:`.sts_route`, :mod:`.session_duration`).
    """
    mapped = mapped_bucket_prefixes(state.security_configuration)
    buckets = sorted(state.buckets)
    return [
        *READ_SETTINGS,
        *(
            ("emrfs-site", f"fs.s3.bucket.{bucket}.{option}")
            for option in EMRFS_BUCKET_OPTIONS_READ
            for bucket in buckets
            if option not in EMRFS_MAPPED_ROLE_OPTIONS or bucket_mapped(bucket, mapped)
        ),
        *(
            ("core-site", name)
            for option in S3A_OPTIONS_READ
            for name in (
                f"fs.s3a.{option}",
                *(
                    s3a_bucket_setting(f"fs.s3a.{option}", bucket)
                    for bucket in buckets
                    if option not in MAPPED_ROLE_OPTIONS or bucket_mapped(bucket, mapped)
                ),
            )
        ),
    ]


def judged_instead(name: str, value: str | None, classification: str, site: str | None, spark: bool = False) -> str:
    """
    What the links judge instead of ``value`` (another place's value of setting ``name``), ``classification``'s
    ``site`` value or its absence; ``""`` when ``value`` is not set or is ``site``'s as Hadoop reads both (``TRUE``
    and ``true``, ``1h`` and ``3600``: :func:`~.cluster_config.hadoop_reading`, as the launch compares them).
    """
    read = spark_trimmed(value) if spark else value
    if value is None or (site is not None and hadoop_reading(name, read) == hadoop_reading(name, site)):
        return ""
    return f"{classification}'s {site!r}" if site is not None else f"no {classification} value"


def audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per setting ``spark-defaults`` gives Spark jobs another value of than the site's, per
    ``emrfs-site`` setting ``core-site`` gives another value (:func:`core_site_audit`), per ``core-site`` setting
    ``emrfs-site`` gives another value (:func:`emrfs_site_audit`), and per setting another classification that reaches
    a job's Hadoop configuration gives another value (:func:`other_sites_audit`).
    """
    if state.cluster_configurations is None:  # listed among the unseen cluster settings (findings.CLUSTER_SETTINGS)
        return []
    links = [
        *core_site_audit(state),
        *emrfs_site_audit(state),
        *other_sites_audit(state),
        *padded_names_audit(state),
        *nested_configurations_audit(state),
        *file_context_audit(state),
    ]
    for classification, name in read_settings(state):
        job = site_property(state, "spark-defaults", SPARK_HADOOP + name)
        judged = judged_instead(name, job, classification, site_property(state, classification, name), spark=True)
        if not judged:
            continue
        links.append(
            Link(
                None,
                SPARK_LINK,
                UNKNOWN,
                f"spark-defaults {SPARK_HADOOP}{name}={job!r} sets it for every Spark job; the links judge {judged}, "
                "and AWS does not say which of the two a Spark job's writes follow",
                fix=f"set {name} in {classification} only, or the same value in both",
                # The probe writes with `hadoop fs`, not a Spark job: spark-defaults is not its configuration.
                probe_settles=False,
            )
        )
    return links


CORE_SITE_LINK = "EMRFS settings in core-site"


def core_site_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per ``emrfs-site`` setting the checks read that ``core-site`` gives another value.

    ``core-site.xml`` is one of the resources every Hadoop ``Configuration`` loads (Apache Hadoop API,
    ``org.apache.hadoop.conf.Configuration``: "core-site.xml: Site-specific configuration for a given hadoop
    installation"), EMRFS's too, which reads its settings from the job's Hadoop configuration (AWS Knowledge Center,
    "Access Amazon S3 Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena", sets EMRFS's
    ``fs.s3.useRequesterPaysHeader`` with ``hadoopConfiguration().set``). So an ``fs.s3.*`` property put in
    ``core-site`` reaches EMRFS, and which of it and ``emrfs-site``'s wins AWS does not document: the links, which
    judge ``emrfs-site``'s (or EMRFS's default where it sets none), cannot stand on it.
    """
    links = []
    for classification, name in read_settings(state):
        if classification != "emrfs-site":
            continue
        core = site_property(state, "core-site", name)
        site = site_property(state, "emrfs-site", name)
        if core is None or (site is not None and hadoop_reading(name, core) == hadoop_reading(name, site)):
            continue
        judged = f"emrfs-site's {site!r}" if site is not None else "EMRFS's default (emrfs-site sets none)"
        links.append(
            Link(
                None,
                CORE_SITE_LINK,
                UNKNOWN,
                f"core-site {name}={core!r} is in the Hadoop configuration EMRFS reads; the links judge {judged}, "
                "and AWS does not say which of the two EMRFS follows",
                fix=f"set {name} in emrfs-site only, or the same value in both",
            )
        )
    return links


EMRFS_SITE_LINK = "Hadoop settings in emrfs-site"


def emrfs_site_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per ``core-site`` setting the checks read (the ``s3://`` connector's class, the switch of
    the translation to S3A, S3A's options) that ``emrfs-site`` gives another value, both read as Hadoop reads them.

    AWS documents these in ``core-site.xml``: "add the following property to core-site.xml" for ``fs.s3.impl`` and
    ``fs.s3a.emrfs.compatibility.enable`` (Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"), and
    nowhere says what a copy in ``emrfs-site`` does, which EMRFS's own configuration loads
    (:data:`~.cluster_config.EMRFS_SITE_FILES`) and from which EMR's S3A reads the EMRFS settings it translates: the
    links, which judge ``core-site``'s (or the default where it sets none), cannot stand on it. The launch refuses it
    (``cluster_config._refuse_emrfs_site_core_settings``). The EMRFS settings of ``emrfs-site``'s own are not these.
    """
    links = []
    for classification, name in read_settings(state):
        if classification != "core-site":
            continue
        value = site_property(state, "emrfs-site", name)
        judged = judged_instead(name, value, classification, site_property(state, classification, name))
        if not judged:
            continue
        links.append(
            Link(
                None,
                EMRFS_SITE_LINK,
                UNKNOWN,
                f"emrfs-site {name}={value!r} is in the configuration EMRFS loads; the links judge {judged}, and AWS "
                f"documents {name} in core-site.xml and does not say what a copy in emrfs-site does",
                fix=f"set {name} in core-site only, or the same value in both",
            )
        )
    return links


OTHER_SITES_LINK = "Connector settings in other Hadoop classifications"


def other_sites_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per setting the checks read that a classification of
    :data:`~.cluster_config.OTHER_HADOOP_SITES` (``hive-site``, ``spark-hive-site``, ``hdfs-site``, ``mapred-site``,
    ``yarn-site``, ``tez-site``, ``hbase-site``, ``hiveserver2-site``, ``sqoop-site``) gives another value than the
    site file the checks read it from, both read as Hadoop reads them.

    Those classifications reach the Hadoop configuration of the jobs that load them, after ``core-site.xml`` (a Hive
    job's ``HiveConf``, a Spark job's ``hive-site.xml``: Spark, "Configuration", "Custom Hadoop/Hive Configuration";
    HDFS's, MapReduce's and YARN's files, which Hadoop adds to every ``Configuration`` once their classes load: Apache
    Hadoop API, ``org.apache.hadoop.conf.Configuration``; Tez's ``TezConfiguration``, HBase's ``HBaseConfiguration``,
    HiveServer2's and Sqoop's files: :data:`~.cluster_config.OTHER_HADOOP_SITES`), where a later resource's value
    wins; which of them a job's writes follow depends on the files it loads, which AWS does not document for EMR.

    A passing live probe settles none of them (:data:`PROBE_LOADS`): its ``hadoop fs`` is not known to load any of
    these files, so its write does not show what a job that loads one does.
    """
    links = []
    for classification, name in read_settings(state):
        site = site_property(state, classification, name)
        for other in OTHER_HADOOP_SITES:
            value = site_property(state, other, name)
            judged = judged_instead(name, value, classification, site)
            if not judged:
                continue
            links.append(
                Link(
                    None,
                    OTHER_SITES_LINK,
                    UNKNOWN,
                    f"{other} {name}={value!r} reaches the Hadoop configuration of the jobs that load {other}; the "
                    f"links judge {judged}, and AWS does not say which of the two those jobs' writes follow",
                    fix=f"set {name} in {classification} only, or the same value in both",
                    probe_settles=other in PROBE_LOADS,
                )
            )
    return links


PADDED_NAMES_LINK = "Connector setting names"


def padded_names_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per S3 connector setting whose name the cluster writes with characters Hadoop trims from a
    property's name (:func:`~.cluster_config.padded_connector_names`): Hadoop reads ``"fs.s3.impl "`` as
    ``fs.s3.impl``, and the links, which read names as written, did not judge it. A passing live probe settles it
    only in a site file the probe loads (:data:`PROBE_LOADS`).
    """
    return [
        Link(
            None,
            PADDED_NAMES_LINK,
            UNKNOWN,
            f"{classification} {key!r} is {java_trim(key)!r} to Hadoop, which trims a property's name; the links read "
            "names as written and did not judge it",
            fix=f"write it {java_trim(key)!r}",
            probe_settles=classification in PROBE_LOADS,
        )
        for _, classification, key in padded_connector_names(state.cluster_configurations or [])
    ]


NESTED_LINK = "Nested configurations"


def nested_configurations_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per classification of Hadoop properties with ``Configurations`` nested under it
    (:func:`~.cluster_config.nested_configurations`): what EMR does with them AWS does not document (Amazon EMR API
    Reference, "Configuration"), and the links read the top-level classifications only.
    """
    return [
        Link(
            None,
            NESTED_LINK,
            UNKNOWN,
            f"{classification} (Configurations[{index}]) has Configurations nested under it: what EMR does with "
            "configurations nested under a site file's classification is not documented (Amazon EMR API Reference, "
            '"Configuration"), and the links read top-level classifications only',
            fix="give each classification at top level",
            probe_settles=False,
        )
        for index, classification in nested_configurations(state.cluster_configurations or [])
    ]


FILE_CONTEXT_LINK = "FileContext writes"


def file_context_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per FileContext class of ``s3://`` or ``s3n://`` that is not that of the connector serving
    the scheme (:func:`~.cluster_config.file_context_doubts`): what serves the writes through it AWS does not document.
    The other links judge what ``fs.s3.impl`` serves, which it does not change; the live probe writes through the
    FileSystem API, not FileContext.
    """
    return [
        Link(
            None,
            FILE_CONTEXT_LINK,
            UNKNOWN,
            why,
            fix="remove it, or set the FileContext class of the connector that serves the scheme",
            probe_settles=False,
        )
        for *_, why in file_context_doubts(state.cluster_configurations or [], cluster_release(state))
    ]
