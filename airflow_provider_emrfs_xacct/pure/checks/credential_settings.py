"""
Cluster settings that give the ``s3://`` connector credentials of its own, besides the role mappings.

AWS documents each as an alternative to the role mappings and nowhere says which wins when both are set, so each
makes the link "writes go through the role mappings" not checked:

- ``emrfs-site`` ``fs.s3.customAWSCredentialsProvider``, where EMRFS serves ``s3://``: a custom credentials provider
  is what "your Amazon EMR solution" uses when it "has demands beyond what IAM roles for EMRFS provides" (Amazon EMR
  Release Guide, "Authorizing access to EMRFS data in Amazon S3"). S3A does not take it over: "To use a custom S3
  credential provider, set the S3A configuration property fs.s3a.aws.credentials.provider" (Amazon EMR Release
  Guide, "Migration guide: EMRFS to S3A filesystem").
- ``emrfs-site`` ``fs.s3.credentialsResolverClass``, which that migration guide maps to S3A's
  ``fs.s3a.credentials.resolver``: a class that resolves EMRFS's credentials, not otherwise documented.
- The bucket-level forms of these two, ``fs.s3.bucket.BUCKET.<option>``, for a destination bucket: the guide's
  mapping "extends to bucket-level configurations", and whether EMRFS itself reads them is not documented
  (:func:`~.contexts.emrfs_readings`).
- Where S3A serves ``s3://`` (7.10.0 on without EMRFS kept, or the release unknown), ``core-site``
  ``fs.s3a.aws.credentials.provider``, ``fs.s3a.access.key``, ``fs.s3a.session.token``,
  ``fs.s3a.assumed.role.arn`` and ``fs.s3a.credentials.resolver`` (Apache Hadoop, "Hadoop-AWS module", "Authenticating with S3"; "Working with IAM
  Assumed Roles"; in ``emrfs-site`` too, whence whether S3A reads them AWS does not document), the Hadoop credential
  stores S3A reads ``fs.s3a.access.key``, ``fs.s3a.secret.key`` and ``fs.s3a.session.token`` from,
  ``fs.s3a.security.credential.provider.path`` ("which only lists credential providers for S3A filesystems") and
  ``hadoop.security.credential.provider.path`` ("global to all filesystems and secrets": same module, "Protecting the
  AWS Credentials"), and the same options per bucket: "All fs.s3a options other than a small set of unmodifiable
  values (currently fs.s3a.impl) can be set on a per-bucket basis" as ``fs.s3a.bucket.BUCKETNAME.<option>``,
  which "will override the base fs.s3a. values" for that bucket ("Configuring different S3 buckets with
  Per-Bucket Configuration"). EMR's S3A gets the role mappings by translation (Amazon EMR Release Guide,
  "Migration guide: EMRFS to S3A filesystem"), which does not say how they combine with these.
- Each of these as a Spark job's Hadoop property, ``spark-defaults`` ``spark.hadoop.<name>``: "spark.hadoop.abc.def=xyz
  represents adding hadoop property abc.def=xyz" (Spark, "Configuration", "Custom Hadoop/Hive Configuration"), and
  the connector reads its settings from the job's Hadoop configuration (AWS Knowledge Center, "Access Amazon S3
  Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena", sets EMRFS's ``fs.s3.useRequesterPaysHeader``
  with ``hadoopConfiguration().set``; AWS shows S3 Access Grants turned on as ``spark.hadoop.fs.s3.s3AccessGrants.*``).

The role mappings' own Hadoop properties (:data:`~.cluster_config.ROLE_MAPPING_PROPERTIES`) are found the same way
(:func:`role_mapping_audit`). The security configuration's role mappings reach EMRFS as ``fs.s3.authorization.roleMapping``,
which EMR translates, with ``fs.s3.authorization.ugi.groupName.enabled``, to S3A's ``fs.s3a.authorization.roleMapping``
and ``fs.s3a.authorization.ugi.groupName.enabled`` (Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A
Filesystem", "EMRFS to S3A Configuration Mapping"). A cluster or job that sets one itself:

- ``emrfs-site`` (or ``core-site``, which every Hadoop file system's configuration loads) ``fs.s3.authorization.roleMapping``,
  its bucket-level form for a destination bucket, or ``fs.s3.authorization.ugi.groupName.enabled``: which of the
  cluster's and the security configuration's EMRFS (or S3A, translated) follows AWS does not say: not checked.
- ``core-site`` ``fs.s3a.authorization.roleMapping`` or its per-bucket form for a destination bucket, where S3A serves
  ``s3://``: "The mapping process automatically occurs when S3A configurations are undefined while corresponding
  EMRFS configurations are present" (same guide), so S3A reads the cluster's and not the security configuration's.
  A mapping of it that takes the writes sends them as its role, which may be the same, and AWS documents no format of
  the value to tell whether it does (:data:`S3A_OWN_MAPPINGS_UNREAD`): not checked, never PASS or FAIL, in both
  chains. Where S3A serves ``s3://`` and a security configuration is verified, the link "s3:// connector" says so
  (``checks/release.py``, :func:`s3a_role_mappings`); elsewhere (the option (a) chain, no security configuration
  verified, the writes judged as the instance profile role's; or the release or ``fs.s3.impl`` not known) a link of
  its own (:func:`role_mapping_audit`). Its ``ugi.groupName.enabled`` twin, whose effect AWS does not document: not
  checked.
- S3A's in ``emrfs-site``, where S3A serves or may serve ``s3://``: EMR's S3A reads the EMRFS settings it translates,
  and whether it reads its own from there AWS does not document: not checked.
- Each as a Spark job's ``spark.hadoop.<name>``, or in a classification that reaches the Hadoop configuration of the
  jobs that load it (``hive-site``, ``spark-hive-site``, ``hdfs-site``, ``mapred-site``, ``yarn-site``, ``tez-site``,
  ``hbase-site``, ``hiveserver2-site``, ``sqoop-site``: :data:`~.cluster_config.OTHER_HADOOP_SITES`): which of it and
  the site files' those jobs' connector follows AWS does not say: not checked.

EMRFS consistent view (``emrfs-site`` ``fs.s3.consistent`` true) makes EMRFS keep its objects' metadata in a DynamoDB
table: "When you create a cluster and EMRFS CV is turned on, Amazon EMR creates an Amazon DynamoDB database to store
object metadata that it uses to track list and read-after-write consistency for S3 objects" (Amazon EMR Release Guide,
"Consistent view"; the table is ``fs.s3.consistent.metadata.tableName``, ``EmrFSMetadata`` by default: "Enable
consistent view"). Which credentials EMRFS uses for that table, and what becomes of a write whose metadata it cannot
record, AWS does not document, and no link reads the table's access: not checked (:func:`consistent_view_audit`). So is
a switch whose value is a Secrets Manager secret's ARN: ``DescribeCluster`` shows so a key given with the ``EMR.secret@``
annotation, and the cluster got the secret's value (Amazon EMR Release Guide, "Store sensitive configuration data in AWS
Secrets Manager"), which may be true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    connector_doubt,
    emrfs_bucket_setting,
    s3a_may_serve_s3,
    s3a_setting_name,
    serves_s3_with_s3a,
    site_property,
    translation_off,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import BYPASS_LINK, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    CONSISTENT_VIEW_PROPERTY,
    EMRFS_PROVIDER_PROPERTY,
    EMRFS_SITE_FILES,
    OTHER_HADOOP_SITES,
    ROLE_MAPPING_PROPERTIES,
    S3A_ROLE_MAPPING_PROPERTY,
    SPARK_HADOOP,
    hadoop_boolean,
    role_mapping_problem,
    role_mapping_setting,
    s3a_bucket_setting,
)
from airflow_provider_emrfs_xacct.pure.launched_cluster import shows_secret

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: The S3A options (after ``fs.s3a.`` or ``fs.s3a.bucket.<bucket>.``) that give S3A credentials of their own.
S3A_CREDENTIAL_OPTIONS = (
    "aws.credentials.provider",
    "access.key",
    "session.token",
    "assumed.role.arn",
    "credentials.resolver",
    "security.credential.provider.path",
)
#: Hadoop's credential stores of every file system, whence S3A reads its keys too (Apache Hadoop, "Hadoop-AWS module").
HADOOP_CREDENTIAL_PATH_PROPERTY = "hadoop.security.credential.provider.path"
#: Why S3A's own role mappings leave the role of the writes not known, in either chain: their value's format.
S3A_OWN_MAPPINGS_UNREAD = (
    ": a mapping that takes the writes under the verified prefixes sends them as its role, and AWS documents no "
    "format of the value, so whether it takes them is not known"
)
#: EMRFS's credential resolver class, which EMR maps to S3A's ``fs.s3a.credentials.resolver``.
EMRFS_RESOLVER_PROPERTY = "fs.s3.credentialsResolverClass"
CONSISTENT_VIEW_LINK = "EMRFS consistent view's DynamoDB table"


def audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per credential setting of the connector that serves ``s3://`` on the cluster, and per role
    mapping setting the links do not judge otherwise (:func:`role_mapping_audit`).
    """
    if state.cluster_configurations is None:  # listed among the unseen cluster settings (findings.CLUSTER_SETTINGS)
        return []
    s3a = s3a_may_serve_s3(state)
    emrfs = not serves_s3_with_s3a(state)  # EMRFS serves s3://, or may (the release or fs.s3.impl not known)
    base = [EMRFS_PROVIDER_PROPERTY, EMRFS_RESOLVER_PROPERTY] if emrfs else [EMRFS_RESOLVER_PROPERTY]
    s3a_names = (
        [
            *(name for option in S3A_CREDENTIAL_OPTIONS for name in s3a_forms(state, f"fs.s3a.{option}")),
            HADOOP_CREDENTIAL_PATH_PROPERTY,
        ]
        if s3a
        else []
    )
    emrfs_names = emrfs_forms(state, base)
    # core-site: Hadoop's, which every file system's configuration loads, EMRFS's too; S3A's in emrfs-site: EMR's S3A
    # reads the EMRFS settings it translates, from where AWS does not document (role_mapping_audit).
    every = [*emrfs_names, *s3a_names]
    found = settings_found(state, (("emrfs-site", every), ("core-site", every)))
    return [
        *(
            Link(
                None,
                BYPASS_LINK,
                UNKNOWN,
                f"{setting} is set: it gives the s3:// connector credentials of its own{_stores(setting)}, and AWS "
                "does not document whether the role mappings or it decide a write's credentials",
                fix=f"launch the cluster that writes to the partner without {setting.split(' ', 1)[1]}, or run the "
                "live probe and check the writer in CloudTrail",
            )
            for setting in found
        ),
        *role_mapping_audit(state),
        *consistent_view_audit(state),
    ]


def _stores(setting: str) -> str:
    """
    How a credential store path (``setting``) gives S3A credentials, or ``""``.

    Apache Hadoop, "Hadoop-AWS module", "Protecting the AWS Credentials": S3A reads ``fs.s3a.access.key``,
    ``fs.s3a.secret.key`` and ``fs.s3a.session.token`` from the Hadoop credential providers that
    ``hadoop.security.credential.provider.path`` lists, "global to all filesystems and secrets", and
    ``fs.s3a.security.credential.provider.path`` "which only lists credential providers for S3A filesystems".
    """
    if not setting.endswith("credential.provider.path"):
        return ""
    return (
        " (S3A reads fs.s3a.access.key, fs.s3a.secret.key and fs.s3a.session.token from the Hadoop credential stores "
        'it lists: Apache Hadoop, "Hadoop-AWS module")'
    )


def consistent_view_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per place that turns EMRFS consistent view on (``fs.s3.consistent`` true as Hadoop reads a
    flag, :func:`~.cluster_config.hadoop_boolean`) where EMRFS serves, or may serve, ``s3://``: ``emrfs-site``,
    ``core-site``, a classification of :data:`~.cluster_config.OTHER_HADOOP_SITES`, or a Spark job's
    ``spark.hadoop.fs.s3.consistent`` (:func:`settings_found`). Each write then also depends on EMRFS's DynamoDB
    metadata table, whose access no link reads; never a FAIL: AWS documents no effect on the write's credentials.

    The live probe (``hadoop fs``, EMRFS with the site files) settles the site files' switch only: it loads neither a
    Spark job's properties nor the other classifications' files.
    """
    if state.cluster_configurations is None or serves_s3_with_s3a(state):
        return []
    links = []
    for setting in settings_found(state, tuple((site, [CONSISTENT_VIEW_PROPERTY]) for site in EMRFS_SITE_FILES)):
        classification, key = setting.split(" ", 1)
        value = site_property(state, classification, key)
        # A secret's ARN: the value of a key given with the EMR.secret@ annotation, which the cluster got instead.
        secret = shows_secret(value)
        if hadoop_boolean(value) is not True and not secret:
            continue
        probe = classification in EMRFS_SITE_FILES
        links.append(
            Link(
                None,
                CONSISTENT_VIEW_LINK,
                UNKNOWN,
                f"{setting}={value!r} "
                + (
                    "is a Secrets Manager secret's ARN, whose value the cluster got and the verifier does not read: if "
                    "true, it "
                    if secret
                    else ""
                )
                + "turns EMRFS consistent view on: EMRFS keeps the objects' metadata in a DynamoDB "
                "table (emrfs-site fs.s3.consistent.metadata.tableName, EmrFSMetadata by default); which credentials "
                "it uses for that table, and what becomes of a write it cannot record there, AWS does not document, "
                "and no link reads the table's access",
                fix=f"launch the cluster that writes to the partner without {key} in {classification} (consistent view "
                "reached end of standard support for future Amazon EMR releases on June 1, 2023: Amazon EMR Release "
                'Guide, "Consistent view")' + (", or run the live probe" if probe else ""),
                probe_settles=probe,
            )
        )
    return links


def emrfs_forms(state: ChainState, names: list[str]) -> list[str]:
    """
    ``names`` (``emrfs-site`` settings) with their bucket-level forms for the destination buckets: S3A reads them
    translated for the bucket, EMRFS may (:func:`~.contexts.emrfs_readings`).
    """
    buckets = sorted(state.buckets)
    return [*names, *(each for name in names for bucket in buckets if (each := emrfs_bucket_setting(name, bucket)))]


def s3a_forms(state: ChainState, name: str) -> list[str]:
    """S3A setting ``name`` and its per-bucket forms for the destination buckets (:func:`~.cluster_config.s3a_bucket_setting`)."""
    return [name, *(s3a_bucket_setting(name, bucket) for bucket in sorted(state.buckets))]


def settings_found(state: ChainState, names: tuple[tuple[str, list[str]], ...]) -> list[str]:
    """
    Which of ``names`` (each classification with the Hadoop properties read from it) the cluster sets, as
    ``"CLASSIFICATION NAME"``: in that classification, each in a classification that reaches the Hadoop
    configuration of the jobs that load it (:data:`~.cluster_config.OTHER_HADOOP_SITES`: ``hive-site``...), and each
    as a Spark job's Hadoop property (``spark-defaults`` ``spark.hadoop.<name>``).
    """
    found = [
        f"{classification} {name}"
        for classification, listed in names
        for name in listed
        if site_property(state, classification, name) is not None
    ]
    spark = dict.fromkeys(name for _, listed in names for name in listed)  # once each, in order
    found.extend(
        f"{other} {name}"
        for other in OTHER_HADOOP_SITES
        for name in spark
        if site_property(state, other, name) is not None
    )
    found.extend(
        f"spark-defaults {SPARK_HADOOP}{name}"
        for name in spark
        if site_property(state, "spark-defaults", SPARK_HADOOP + name) is not None
    )
    return found


def s3a_role_mappings(state: ChainState) -> list[tuple[str, str]]:
    """
    The ``core-site`` S3A role mappings the cluster sets itself for the destination buckets, as
    ``("core-site NAME", value)``: ``fs.s3a.authorization.roleMapping``, or a bucket's own per-bucket form, which S3A
    reads over it for that bucket (:func:`~.contexts.s3a_setting_name`). Where S3A serves ``s3://`` it reads these, not
    the security configuration's, which EMR translates to S3A only where they are undefined (Amazon EMR Release Guide,
    "Migration Guide: EMRFS to S3A Filesystem"): ``checks/release.py`` judges them. Without a bucket, the base one.
    """
    if state.cluster_configurations is None:
        return []
    names = [s3a_setting_name(state, S3A_ROLE_MAPPING_PROPERTY, bucket) for bucket in sorted(state.buckets)]
    if not state.buckets:
        names = [s3a_setting_name(state, S3A_ROLE_MAPPING_PROPERTY, "")]
    return [
        (f"core-site {name}", str(site_property(state, "core-site", name)))
        for name in dict.fromkeys(names)
        if name is not None
    ]


def role_mapping_audit(state: ChainState) -> list[Link]:
    """
    One "not checked" link per role mapping setting (:func:`~.cluster_config.role_mapping_setting`) the connector that
    serves, or may serve, ``s3://`` reads for a destination bucket, but those ``checks/release.py`` judges
    (:func:`s3a_role_mappings`, where S3A serves ``s3://`` and a security configuration is verified).

    EMRFS's: where EMRFS serves (or may serve) ``s3://``, and where S3A does unless ``core-site``
    ``fs.s3a.emrfs.compatibility.enable`` false turns the translation off (the link "s3:// connector" fails that).
    S3A's: where S3A serves or may serve ``s3://`` (with EMRFS kept, ``s3a://`` URIs only: the release's WARN). In the
    option (a) chain (no security configuration verified) ``checks/release.py`` judges no mapping: S3A's own, which
    S3A reads where it serves ``s3://``, may send the writes as another role than the instance profile role, and AWS
    documents no format of their value to tell whether they take the writes under the verified prefixes.
    """
    if state.cluster_configurations is None:
        return []
    s3a_serves = serves_s3_with_s3a(state)
    emrfs_names = (
        emrfs_forms(state, list(ROLE_MAPPING_PROPERTIES)) if not (s3a_serves and translation_off(state)) else []
    )
    s3a_names = (
        [name for prop in ROLE_MAPPING_PROPERTIES.values() for name in s3a_forms(state, prop)]
        if s3a_may_serve_s3(state)
        else []
    )
    option_a = state.security_configuration_name is None
    # The release judges S3A's own only where a security configuration is verified (its "s3:// connector" link).
    judged = {setting for setting, _ in s3a_role_mappings(state)} if s3a_serves and not option_a else set()
    # core-site: Hadoop's, which every file system's configuration loads, EMRFS's too; S3A's in emrfs-site: EMR's S3A
    # reads the EMRFS settings it translates, from where AWS does not document.
    every = [*emrfs_names, *s3a_names]
    found = settings_found(state, (("emrfs-site", every), ("core-site", every)))
    links = []
    for setting in found:
        if setting in judged:
            continue
        classification, key = setting.split(" ", 1)
        name = key.removeprefix(SPARK_HADOOP) if classification == "spark-defaults" else key
        prop = (role_mapping_setting(name) or (name, None))[0]
        problem = (
            _option_a_s3a_problem(setting, prop)
            if option_a and prop == S3A_ROLE_MAPPING_PROPERTY
            else role_mapping_problem(setting, prop)
        )
        goes = (
            "the partner's writes may not go as the instance profile role, which is what was verified"
            if option_a
            else "the partner's writes may not go by the security configuration's role mappings"
        )
        links.append(
            Link(
                None,
                BYPASS_LINK,
                UNKNOWN,
                f"{problem}{_role_mapping_why(state, classification, prop)}: {goes}",
                fix=f"remove {key} from the cluster's {classification} configuration ("
                + (
                    "option (a) writes as the instance profile role"
                    if option_a
                    else "the role mappings belong in the security configuration"
                )
                + "), or run the live probe and check the writer in CloudTrail",
            )
        )
    return links


def _option_a_s3a_problem(setting: str, prop: str) -> str:
    """
    Why S3A's own role mappings (``setting``, of property ``prop``) leave the option (a) chain's writes not known to go
    as the instance profile role.

    S3A chooses the IAM role by user, group or S3 prefix with its role mappings (Amazon EMR 7.7.0 - Hadoop release
    notes, a "New Feature"), and EMR maps EMRFS's ``fs.s3.authorization.roleMapping`` to ``fs.s3a.authorization.
    roleMapping`` (Amazon EMR Release Guide, "Migration Guide: EMRFS to S3A Filesystem"), but no AWS page gives the
    format of that value: which writes a value sends as which role cannot be read from it.
    """
    return (
        f"{setting} sets S3A's role mappings themselves ({prop}), by which S3A chooses the IAM role of a request by "
        'user, group or S3 prefix (Amazon EMR 7.7.0 - Hadoop release notes; Amazon EMR Release Guide, "Migration '
        "Guide: EMRFS to S3A Filesystem\", maps EMRFS's fs.s3.authorization.roleMapping to it)"
        + S3A_OWN_MAPPINGS_UNREAD
    )


def _role_mapping_why(state: ChainState, classification: str, prop: str) -> str:
    """Why a role mapping setting of ``prop`` in ``classification`` is read as it is, or ``""``."""
    if classification == "spark-defaults":
        return (
            "; it is every Spark job's own Hadoop property, and which of it and the site files' a Spark job's "
            "connector follows AWS does not say"
        )
    if classification in OTHER_HADOOP_SITES:
        return (
            f"; {classification} reaches the Hadoop configuration of the jobs that load it, and which of it and the "
            "site files' their connector follows AWS does not say"
        )
    if prop in ROLE_MAPPING_PROPERTIES.values() and classification == "emrfs-site":
        return "; whether S3A reads its own settings from emrfs-site AWS does not document"
    if prop == S3A_ROLE_MAPPING_PROPERTY and (doubt := connector_doubt(state)):
        return f"; whether S3A serves s3:// here is not known ({doubt})"
    return ""
