"""
The S3 requests a Hadoop/Spark write through EMRFS sends for one output prefix: a pure data table.

The verifier checks every one of them, each with the role EMRFS would use for its key (the first
role mapping whose identifier is a string prefix of ``s3://bucket/key``, else the EC2 instance
profile role). The table follows the request list of the EMRFS-like writer of the local stand-in
(``devstack/emrfs_writer.py``): output ``s3://b/p/`` with ``p`` the prefix without its slash.

Pure: standard library and the provider's pure modules only.
"""

from __future__ import annotations

from dataclasses import dataclass

# The action an upload carrying ``x-amz-acl`` also needs (see :attr:`S3Call.headers`).
from airflow_provider_emrfs_xacct.pure.documents import OBJECT_ACL_ACTION as OBJECT_ACL_ACTION

#: ``s3:ObjectCreationOperation``, by the S3 operations whose value AWS documents (S3 User Guide, "Enforce conditional
#: writes on Amazon S3 buckets"): its example bucket policy denies ``s3:PutObject`` under ``"Bool":
#: {"s3:ObjectCreationOperation": "true"}`` so that "All PutObject and CompleteMultipartUpload requests" must carry the
#: header, and says CopyObject requests are refused by it: the three carry ``true``. The key exempts "the
#: CreateMultipartUpload, UploadPart, and UploadPartCopy operations" (not ``true``; ``false`` or absent it does not say:
#: not known, so not here). The verifier's requests (``checks/contexts.py``) and the bucket grant's
#: (``bucket_policy.still_refused``) both take it from here.
OBJECT_CREATION_OPERATION = {"PutObject": "true", "CopyObject": "true", "CompleteMultipartUpload": "true"}

#: A file name the checks use for "a file under the prefix". A job writes other names (Spark's
#: ``part-00000-<uuid>-c000.csv``, ``partitionBy``'s ``k=v/part-…``), so a statement that names some keys under the
#: prefix and not others is not judged on it (:func:`under_prefix`, ``pure/key_scope.py``).
PART = "part-00000"


@dataclass(frozen=True)
class S3Call:
    """
    One request of the write.

    :param step: the Hadoop step that sends it (the verifier reports one link per step).
    :param operation: the S3 API operation.
    :param action: the IAM action S3 authorizes it as (Amazon S3 User Guide, "Actions, resources,
        and condition keys for Amazon S3").
    :param key: the object key, ``{p}`` standing for the prefix without its slash; ``None`` for a
        request on the bucket.
    :param list_prefix: the ``prefix`` parameter of a listing (the ``s3:prefix`` condition key).
    :param delimiter: the ``delimiter`` parameter of a listing (the ``s3:delimiter`` condition key); ``None``
        for a recursive listing, which sends none (a recursive ``delete``: Hadoop lists every key under the
        path, not one level; the stand-in's writer sends none either).
    :param missing: a ``HEAD`` of a key that does not exist yet: S3 answers 404 only to a caller
        allowed ``s3:ListBucket`` on the bucket, 403 otherwise (S3 API Reference, HeadObject:
        "If you have the s3:ListBucket permission on the bucket, Amazon S3 returns an HTTP status
        code 404 (Not Found) error. If you don't have the s3:ListBucket permission, Amazon S3
        returns an HTTP status code 403 (Forbidden) error"); Hadoop fails on the 403. The page does not say
        whether that implied ``s3:ListBucket`` carries ``s3:prefix``, ``s3:delimiter`` or ``s3:max-keys``, nor
        with which values (no AWS page does): a result a condition on them decides is "not checked"
        (``checks/s3_access.py``, ``LISTING_KEYS_404_UNKNOWN``).
    :param kms: the KMS actions S3 calls with the caller's permissions for this request when the
        bucket's default encryption is SSE-KMS (S3 User Guide, "Using server-side encryption with
        AWS KMS keys": uploads need ``kms:GenerateDataKey``, reads ``kms:Decrypt``, multipart
        uploads both).
    :param required: the write fails without it (``False``: only a warning).
    """

    step: str
    operation: str
    action: str
    key: str | None
    list_prefix: str | None = None
    delimiter: str | None = "/"
    missing: bool = False
    kms: tuple[str, ...] = ()
    required: bool = True
    #: Carries the upload headers (x-amz-acl, x-amz-server-side-encryption). With ``x-amz-acl`` (a
    #: canned ACL) the request also needs :data:`OBJECT_ACL_ACTION` on the object (S3 API Reference,
    #: PutObject, "Permissions": "To successfully change the objects ACL of your PutObject request,
    #: you must have the s3:PutObjectAcl").
    headers: bool = False
    #: The key a CopyObject copies from (``{p}`` as in :attr:`key`): the request carries ``s3:x-amz-copy-source``
    #: (``checks/contexts.py``, ``COPY_SOURCE_KEY``); ``None`` for every other request.
    source: str | None = None


#: The step of a rename: the name of its link before the prefix (:data:`RENAME_REQUESTS`).
RENAME_STEP = "rename"
#: The jobs that send it, for the rename link's messages.
RENAMING_JOBS = (
    "jobs that do not use the EMRFS S3-optimized committer (Hive INSERTs without hive.blobstore.use.output-committer, "
    "RDD saveAsTextFile/saveAsHadoopFile, any Hadoop FileOutputCommitter job) rename their output with a CopyObject "
    "and fail; Spark SQL/DataFrame/Dataset writes through the S3-optimized committer do not rename"
)
#: The rename of a job that does not use the EMRFS S3-optimized committer. Amazon EMR Release Guide, "Use the EMRFS
#: S3-optimized committer": the committer avoids "list and rename operations", is "used for Spark jobs that use Spark
#: SQL, DataFrames, or Datasets", and "There are circumstances under which the committer is not used" ("Requirements
#: for the EMRFS S3-optimized committer"); "Enabling Hive EMRFS S3 optimized committer": Hive uses its own only with
#: ``hive.blobstore.use.output-committer`` true. Such a job (Hive, an RDD's saveAsTextFile, a Hadoop
#: FileOutputCommitter) writes under ``{p}/_temporary/`` (or ``.hive-staging``) and renames to the final key; S3 has
#: no rename, a rename is a copy and a delete (S3 User Guide, "Copying, moving, and renaming objects"). The CopyObject
#: is authorized as ``s3:PutObject`` on the target, carrying ``s3:x-amz-copy-source``, with ``s3:GetObject`` on the
#: source (Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3"; S3 API Reference,
#: CopyObject, "Permissions"). The verifier cannot know which job will run: not required, a refusal WARNs
#: (``checks/s3_access.py``); the copy carries the upload headers as the job's uploads do. Under SSE-KMS the copy
#: decrypts its source and encrypts its target with the caller's permissions (S3 API Reference, "CopyObject",
#: "Permissions": an SSE-KMS source needs ``kms:Decrypt``, an SSE-KMS target ``kms:GenerateDataKey``; Hadoop-AWS's
#: "IAM Role permissions for working with SSE-KMS": renaming "requires the permission to decrypt the data, as it is
#: decrypted and then reencrypted as it is copied"): ``kms:Decrypt`` goes with the read of the source, whose ARN is
#: its encryption context, ``kms:GenerateDataKey`` with the CopyObject, the target's.
RENAME_REQUESTS: tuple[S3Call, ...] = (
    S3Call(
        RENAME_STEP, "GetObject", "s3:GetObject", f"{{p}}/_temporary/0/{PART}", kms=("kms:Decrypt",), required=False
    ),
    S3Call(
        RENAME_STEP,
        "CopyObject",
        "s3:PutObject",
        f"{{p}}/{PART}",
        kms=("kms:GenerateDataKey",),
        required=False,
        headers=True,
        source=f"{{p}}/_temporary/0/{PART}",
    ),
    S3Call(RENAME_STEP, "DeleteObject", "s3:DeleteObject", f"{{p}}/_temporary/0/{PART}", required=False),
)


WRITE_REQUESTS: tuple[S3Call, ...] = (
    # getFileStatus(s3://b/p) before the job writes (checkOutputSpecs): the object p, then the directory markers
    # p/ (S3A's: "it just appends a '/' to the directory name") and p_$folder$ (s3n's, which EMRFS writes) (Hadoop-AWS,
    # "Controlling the S3A Directory Marker Behavior", "Background: Directory Markers: what and why?"), then a
    # listing of p/. Each HEAD goes as the role its own key routes to: an identifier s3://b/p/ leaves p to the EC2
    # instance profile role, whose s3:ListBucket then decides the 404 of the missing p.
    S3Call("output directory lookup", "HeadObject", "s3:GetObject", "{p}", missing=True),
    S3Call("output directory lookup", "HeadObject", "s3:GetObject", "{p}/", missing=True),
    S3Call("output directory lookup", "HeadObject", "s3:GetObject", "{p}_$folder$", missing=True),
    S3Call("output directory lookup", "ListObjectsV2", "s3:ListBucket", None, list_prefix="{p}/"),
    # mkdirs(p/_temporary/0): FileOutputCommitter.setupJob
    S3Call("mkdirs", "HeadObject", "s3:GetObject", "{p}/_temporary/0", missing=True),
    S3Call("mkdirs", "ListObjectsV2", "s3:ListBucket", None, list_prefix="{p}/_temporary/0/"),
    S3Call("mkdirs", "PutObject", "s3:PutObject", "{p}_$folder$", kms=("kms:GenerateDataKey",), headers=True),
    S3Call(
        "mkdirs", "PutObject", "s3:PutObject", "{p}/_temporary_$folder$", kms=("kms:GenerateDataKey",), headers=True
    ),
    # create(p/part-i) and the task's multipart upload (the EMRFS S3-optimized committer; a job without it uploads
    # to {p}/_temporary/ alike, then renames: RENAME_REQUESTS)
    S3Call("write files", "HeadObject", "s3:GetObject", f"{{p}}/{PART}", missing=True),
    S3Call(
        "write files",
        "CreateMultipartUpload",
        "s3:PutObject",
        f"{{p}}/{PART}",
        kms=("kms:GenerateDataKey", "kms:Decrypt"),
        headers=True,
    ),
    S3Call("write files", "UploadPart", "s3:PutObject", f"{{p}}/{PART}", kms=("kms:GenerateDataKey", "kms:Decrypt")),
    S3Call("write files", "CompleteMultipartUpload", "s3:PutObject", f"{{p}}/{PART}", kms=("kms:Decrypt",)),
    S3Call("write files", "ListParts", "s3:ListMultipartUploadParts", f"{{p}}/{PART}", required=False),
    # job cleanup: pending uploads of failed or speculative attempts. EMRFS sends a prefix, but s3:prefix,
    # s3:delimiter and s3:max-keys are condition keys of s3:ListBucket only, not of
    # s3:ListBucketMultipartUploads (Service Authorization Reference, "Actions, resources, and condition keys
    # for Amazon S3"): absent from this request's context (no list_prefix).
    S3Call("abort pending uploads", "ListMultipartUploads", "s3:ListBucketMultipartUploads", None),
    S3Call("abort pending uploads", "AbortMultipartUpload", "s3:AbortMultipartUpload", f"{{p}}/{PART}"),
    # the rename of a job without the S3-optimized committer (RENAME_REQUESTS), before its job commit
    *RENAME_REQUESTS,
    # job commit: FileOutputCommitter.commitJob deletes _temporary and writes _SUCCESS
    S3Call("job commit", "ListObjectsV2", "s3:ListBucket", None, list_prefix="{p}/_temporary", delimiter=None),
    S3Call("job commit", "DeleteObject", "s3:DeleteObject", "{p}/_temporary_$folder$"),
    S3Call("job commit", "DeleteObject", "s3:DeleteObject", "{p}_$folder$"),
    S3Call("job commit", "HeadObject", "s3:GetObject", "{p}/_SUCCESS", missing=True),
    S3Call("job commit", "PutObject", "s3:PutObject", "{p}/_SUCCESS", kms=("kms:GenerateDataKey",), headers=True),
    # reading the output back (Spark's listing, a downstream job)
    S3Call("read back", "ListObjectsV2", "s3:ListBucket", None, list_prefix="{p}/"),
    S3Call("read back", "GetObject", "s3:GetObject", f"{{p}}/{PART}", kms=("kms:Decrypt",)),
)

#: The steps, in the order a write sends them.
STEPS: tuple[str, ...] = tuple(dict.fromkeys(call.step for call in WRITE_REQUESTS))


def expand(template: str, stem: str) -> str | None:
    """
    Return a key or listing prefix of the table for one prefix: ``{p}`` is the prefix without its slash.

    For the bucket's root (``stem`` empty) the keys of the directory itself (``{p}``, ``{p}/``,
    ``{p}_$folder$``) do not exist: ``None``. The listing of the root itself (``{p}/``) is a listing with an
    empty prefix: ``""`` (a caller that wants a key refuses it).
    """
    if stem:
        return template.replace("{p}", stem)
    if template.startswith("{p}/"):
        return template[4:]
    return None if template.startswith("{p}") else template


def expand_key(template: str, stem: str) -> str | None:
    """Return an object key of the table for one prefix; ``None`` where the bucket's root has no such key."""
    return expand(template, stem) or None


def under_prefix(template: str) -> bool:
    """
    Whether a key of the table (``{p}/…``) lies under the prefix, where it stands for every key a job may write
    there: the table names a few (:data:`PART`, ``_SUCCESS``, the ``_temporary`` markers), a job writes others. The
    prefix's own keys (``{p}``, ``{p}_$folder$``) are the names EMRFS sends.
    """
    return template.startswith("{p}/")
