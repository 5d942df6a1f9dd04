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
  Assumed Roles"), and the same options per bucket: "All fs.s3a options other than a small set of unmodifiable
  values (currently fs.s3a.impl) can be set on a per-bucket basis" as ``fs.s3a.bucket.BUCKETNAME.<option>``,
  which "will override the base fs.s3a. values" for that bucket ("Configuring different S3 buckets with
  Per-Bucket Configuration"). EMR's S3A gets the role mappings by translation (Amazon EMR Release Guide,
  "Migration guide: EMRFS to S3A filesystem"), which does not say how they combine with these.
- Each of these as a Spark job's Hadoop property, ``spark-defaults`` ``spark.hadoop.<name>``: "spark.hadoop.abc.def=xyz
  represents adding hadoop property abc.def=xyz" (Spark, "Configuration", "Custom Hadoop/Hive Configuration"), and
  the connector reads its settings from the job's Hadoop configuration (AWS Knowledge Center, "Access Amazon S3
  Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena", sets EMRFS's ``fs.s3.useRequesterPaysHeader``
  with ``hadoopConfiguration().set``; AWS shows S3 Access Grants turned on as ``spark.hadoop.fs.s3.s3AccessGrants.*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    emrfs_bucket_setting,
    s3a_may_serve_s3,
    serves_s3_with_s3a,
    site_property,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import BYPASS_LINK, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.cluster_config import (
    EMRFS_PROVIDER_PROPERTY,
    SPARK_HADOOP,
    s3a_bucket_setting,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: The S3A options (after ``fs.s3a.`` or ``fs.s3a.bucket.<bucket>.``) that give S3A credentials of their own.
S3A_CREDENTIAL_OPTIONS = (
    "aws.credentials.provider",
    "access.key",
    "session.token",
    "assumed.role.arn",
    "credentials.resolver",
)
#: EMRFS's credential resolver class, which EMR maps to S3A's ``fs.s3a.credentials.resolver``.
EMRFS_RESOLVER_PROPERTY = "fs.s3.credentialsResolverClass"


def audit(state: ChainState) -> list[Link]:
    """One "not checked" link per credential setting of the connector that serves ``s3://`` on the cluster."""
    if state.cluster_configurations is None:  # listed among the unseen cluster settings (findings.CLUSTER_SETTINGS)
        return []
    s3a = s3a_may_serve_s3(state)
    emrfs = not serves_s3_with_s3a(state)  # EMRFS serves s3://, or may (the release or fs.s3.impl not known)
    base = [EMRFS_PROVIDER_PROPERTY, EMRFS_RESOLVER_PROPERTY] if emrfs else [EMRFS_RESOLVER_PROPERTY]
    # Their bucket-level forms too: S3A reads them translated for the bucket, EMRFS may (emrfs_readings).
    names = [
        *base,
        *(each for name in base for bucket in sorted(state.buckets) if (each := emrfs_bucket_setting(name, bucket))),
    ]
    found = [f"emrfs-site {name}" for name in names if site_property(state, "emrfs-site", name) is not None]
    if s3a:
        buckets = sorted(state.buckets)
        for option in S3A_CREDENTIAL_OPTIONS:
            s3a_names = [f"fs.s3a.{option}", *(s3a_bucket_setting(f"fs.s3a.{option}", bucket) for bucket in buckets)]
            found.extend(
                f"core-site {name}" for name in s3a_names if site_property(state, "core-site", name) is not None
            )
            names.extend(s3a_names)
    # The same settings as a Spark job's Hadoop properties (spark-defaults spark.hadoop.<name>).
    found.extend(
        f"spark-defaults {SPARK_HADOOP}{name}"
        for name in names
        if site_property(state, "spark-defaults", SPARK_HADOOP + name) is not None
    )
    return [
        Link(
            None,
            BYPASS_LINK,
            UNKNOWN,
            f"{setting} is set: it gives the s3:// connector credentials of its own, and AWS does not document "
            "whether the role mappings or it decide a write's credentials",
            fix=f"launch the cluster that writes to the partner without {setting.split(' ', 1)[1]}, or run the "
            "live probe and check the writer in CloudTrail",
        )
        for setting in found
    ]
