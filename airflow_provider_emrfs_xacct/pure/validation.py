"""
Validation of the values users pass to the operators.

Pure: standard library only. Every function raises
:class:`~airflow_provider_emrfs_xacct.pure.exceptions.InvalidParameterError` naming the parameter.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

T = TypeVar("T")

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_ACCOUNT_ID = re.compile(r"^\d{12}$", re.ASCII)
# Region names of every partition above, as botocore's partition data (botocore/data/partitions.json,
# ``regionRegex``) describes them: ``us-east-1``, ``us-isob-east-1``, and the European Sovereign
# Cloud's ``eusc-de-east-1`` (four letters first).
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$", re.ASCII)
# IAM role names: 1-64 characters of letters, digits and ``+=,.@_-``.
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
# IAM paths: ``/`` or ``/seg/seg/`` with printable ASCII but no ``*``, spaces or empty segment (``//``),
# at most 512 characters.
_IAM_PATH = re.compile(r"^/(?:[\x21-\x29\x2b-\x2e\x30-\x7e]+/)*$", re.ASCII)
_KMS_KEY_ID = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", re.ASCII
)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", re.ASCII)
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$", re.ASCII)
# Characters that IAM would read as wildcards or policy variables inside an ARN.
_IAM_SPECIAL = ("*", "?", "${")
# The longest Hadoop user or group name taken as the identifier of a ``User``/``Group`` role mapping: the provider's
# own cap (AWS documents none), against a pasted text or file read as one name.
MAX_HADOOP_PRINCIPAL_LENGTH = 256
# Unicode categories no user or group name holds, refused in one: control (Cc: NUL, tab, U+0085), format (Cf: the
# zero-width space U+200B, a BOM, bidirectional marks) and line and paragraph separators (Zl U+2028, Zp U+2029), which
# a pasted or copied name carries unseen.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
#: On while ``emrfs-xacct revoke``/``verify`` read a partner file (:func:`identifiers_as_taken_before`).
_IDENTIFIERS_AS_BEFORE: contextvars.ContextVar[bool] = contextvars.ContextVar("identifiers_as_before", default=False)
# Two ARNs pasted into one string (``arn:…,arn:…`` or separated by spaces).
_JOINED_ARNS = re.compile(r"[,;\s]\s*arn:", re.ASCII)
# EMR release labels: ``emr-<major>.<minor>.<patch>`` (Amazon EMR Release Guide, "About Amazon EMR Releases").
_RELEASE = re.compile(r"^emr-([0-9]+)\.([0-9]+)\.([0-9]+)$", re.ASCII)
# Airflow's rule for connection ids (``airflow.models.connection.RE_SANITIZE_CONN_ID``, ``CONN_ID_MAX_LEN``):
# 1-250 letters, digits, ``_`` and ``#!()-.:/\``.
_CONN_ID = re.compile(r"^[\w#!()\-.:/\\]{1,250}$")


@dataclass(frozen=True)
class Arn:
    """The parts of an ARN."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


@dataclass(frozen=True, order=True)
class S3Location:
    """
    An ``s3://bucket/prefix/`` location; ``prefix`` is empty for the whole bucket, else ends with ``/``.
    """

    bucket: str
    prefix: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def stem(self) -> str:
        """The prefix without its trailing slash: the key of the directory itself (``""`` for the bucket)."""
        return self.prefix.rstrip("/")

    @property
    def mapping_identifier(self) -> str:
        """
        The EMRFS role-mapping identifier that routes every request of a write under this location.

        EMRFS matches ``Prefix`` identifiers as plain string prefixes of ``s3://bucket/key`` (EMR
        Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3", calls them "Amazon S3
        prefix", which S3 defines as "a string of characters at the beginning of the object key name":
        Amazon S3 User Guide, "Organizing objects using prefixes"). A Hadoop write
        under ``s3://b/p/`` also requests ``s3://b/p`` (getFileStatus of the directory) and the
        folder marker ``s3://b/p_$folder$``, which ``s3://b/p/`` does not match, so the identifier
        is written without the trailing slash: ``s3://b/p``. It also matches ``s3://b/p2/...``; those
        requests then go to this location's role, which is not allowed there (a deny, never a
        widening). The whole bucket keeps ``s3://b/`` (``s3://b`` would match other buckets).
        """
        return f"s3://{self.bucket}/{self.stem}" if self.prefix else self.uri


def require_str(value: Any, field: str) -> str:
    """Return ``value`` if it is a non-empty string without surrounding whitespace."""
    if not isinstance(value, str):
        raise InvalidParameterError(field, f"must be a string, got {type(value).__name__} {value!r}")
    if not value:
        raise InvalidParameterError(field, "must not be empty")
    if value != value.strip():
        raise InvalidParameterError(field, f"has leading or trailing whitespace: {value!r}")
    return value


def require_list(value: Any, field: str, item: Callable[[Any, str], T], *, allow_empty: bool = False) -> list[T]:
    """
    Validate a list parameter, each element with ``item``; refuse duplicates.

    A single string stands for a one-element list (what an XCom pull of one ARN renders to).
    """
    if isinstance(value, str):
        refuse_rendered_text(value, field, "list")
        value = [value]
    if not isinstance(value, Sequence) or isinstance(value, (bytes, bytearray)):
        raise InvalidParameterError(field, f"must be a list, got {type(value).__name__} {value!r}")
    if not value and not allow_empty:
        raise InvalidParameterError(field, "must not be empty")
    result = [item(element, f"{field}[{index}]") for index, element in enumerate(value)]
    seen: set[Any] = set()
    for index, element in enumerate(result):
        if element in seen:
            raise InvalidParameterError(f"{field}[{index}]", f"duplicates an earlier element: {element}")
        seen.add(element)
    return result


#: How a list or a dict reads once a template renders it as text (``str()`` of it, or its JSON).
_RENDERED_START = {"list": ("[", "("), "dict": ("{",)}


def refuse_rendered_text(value: Any, field: str, what: str) -> None:
    """
    Refuse a string that looks like a rendered ``what`` (``"list"`` or ``"dict"``), naming ``field``.

    A template field holding ``"{{ ti.xcom_pull(...) }}"`` or ``"{{ params.x }}"`` gets the value's text in a
    DAG that renders templates as text (Airflow's default); ``render_template_as_native_obj=True`` gives the object.
    """
    if isinstance(value, str) and value.lstrip().startswith(_RENDERED_START[what]):
        raise InvalidParameterError(
            field,
            f"got the string {value!r}, which looks like a rendered {what}; pass a {what}, or set "
            "render_template_as_native_obj=True on the DAG",
        )


def kind_of(value: Any) -> str:
    """
    Describe ``value`` by its type and length, not its content.

    For a container or text of ``RunJobFlow`` arguments: it may hold a secret that Airflow masks only under its
    own key (a Hive metastore's ``javax.jdo.option.ConnectionPassword`` in a classification), not in a message.
    """
    if isinstance(value, (dict, list, tuple, str)):
        return f"{type(value).__name__} (length {len(value)})"
    return type(value).__name__


def require_dicts(value: Any, field: str, what: str) -> list[dict[str, Any]]:
    """Return ``value`` if it is a list of dicts; else refuse it, naming ``field``, ``what`` it must hold and the type found."""
    if not isinstance(value, list):
        raise InvalidParameterError(field, f"must be a list of {what}, got {kind_of(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidParameterError(field, f"must be a list of {what}, got {kind_of(item)} at [{index}]")
    return value


def validate_account_id(value: Any, field: str) -> str:
    """Validate a 12-digit AWS account id."""
    value = require_str(value, field)
    if not _ACCOUNT_ID.fullmatch(value):
        raise InvalidParameterError(field, f"must be a 12-digit AWS account id, got {value!r}")
    return value


def validate_role_name(value: Any, field: str) -> str:
    """Validate an IAM role name (1-64 of letters, digits and ``+=,.@_-``)."""
    value = require_str(value, field)
    if not _ROLE_NAME.fullmatch(value):
        raise InvalidParameterError(
            field, f"is not a valid IAM role name (1-64 letters, digits or '+=,.@_-'): {value!r}"
        )
    return value


def validate_iam_path(value: Any, field: str) -> str:
    """Validate an IAM path such as ``/`` or ``/partners/``."""
    value = require_str(value, field)
    if len(value) > 512 or not _IAM_PATH.fullmatch(value):
        raise InvalidParameterError(
            field, f"must be an IAM path that starts and ends with '/' (e.g. '/partners/'), got {value!r}"
        )
    return value


def parse_arn(value: Any, field: str, *, service: str) -> Arn:
    """Split an ARN, checking its partition, service, account and the absence of wildcards."""
    value = require_str(value, field)
    if _JOINED_ARNS.search(value) or value.count("arn:") > 1:
        raise InvalidParameterError(field, f"must be one ARN; this looks like several joined together: {value!r}")
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise InvalidParameterError(field, f"is not an ARN (arn:partition:service:region:account:resource): {value!r}")
    arn = Arn(*parts[1:])
    if arn.partition not in PARTITIONS:
        raise InvalidParameterError(field, f"has unknown partition {arn.partition!r} in {value!r}")
    if arn.service != service:
        raise InvalidParameterError(
            field, f"must be an ARN of service {service!r}, got service {arn.service!r} in {value!r}"
        )
    if not _ACCOUNT_ID.fullmatch(arn.account):
        raise InvalidParameterError(field, f"has account {arn.account!r}, not a 12-digit account id, in {value!r}")
    if any(special in value for special in _IAM_SPECIAL):
        raise InvalidParameterError(field, f"must name one resource exactly; wildcards are refused: {value!r}")
    return arn


def validate_role_arn(value: Any, field: str) -> str:
    """Validate an IAM role ARN such as ``arn:aws:iam::111122223333:role/path/Name``."""
    arn = parse_arn(value, field, service="iam")
    if arn.region:
        raise InvalidParameterError(field, f"IAM ARNs have no region, got {arn.region!r} in {value!r}")
    kind, _, rest = arn.resource.partition("/")
    if kind != "role" or not rest:
        raise InvalidParameterError(field, f"must be a role ARN (…:role/NAME), got resource {arn.resource!r}")
    if rest.endswith("/"):  # the name after the last '/' would be empty: "must not be empty" named no ARN
        raise InvalidParameterError(
            field, f"ends with '/': a role ARN ends with the role name (…:role/path/Name), got {value!r}"
        )
    path, _, name = rest.rpartition("/")
    validate_role_name(name, field)
    if "/" in rest:  # a path; ``role//Name`` has an empty one, which IAM refuses
        validate_iam_path(f"/{path}/", field)
    return str(arn)


def role_name_from_arn(role_arn: str) -> str:
    """Return the role name (last path segment) of a validated role ARN."""
    return role_arn.rsplit("/", 1)[1]


def validate_kms_key_arns(value: Any, field: str) -> list[str]:
    """Validate an optional list of KMS key ARNs: ``None`` or ``[]`` is none, a string stands for one key."""
    return require_list([] if value is None else value, field, validate_kms_key_arn, allow_empty=True)


def validate_kms_key_arn(value: Any, field: str) -> str:
    """Validate a KMS key ARN (not an alias: key policies and IAM grants need the key itself)."""
    arn = parse_arn(value, field, service="kms")
    if not _REGION.fullmatch(arn.region):
        raise InvalidParameterError(field, f"must have a region, got {arn.region!r} in {value!r}")
    kind, _, key_id = arn.resource.partition("/")
    if kind == "alias":
        raise InvalidParameterError(field, f"must be a key ARN, not an alias ARN: {value!r}")
    if kind != "key" or not _KMS_KEY_ID.fullmatch(key_id):
        raise InvalidParameterError(
            field, f"must be a key ARN (…:key/KEY-ID), got resource {arn.resource!r}{_key_id_case_hint(kind, key_id)}"
        )
    return str(arn)


def _key_id_case_hint(kind: str, key_id: str) -> str:
    """
    Why a ``key/`` resource whose id would be one in lower case is refused; ``""`` for any other.

    KMS writes key ids in lower-case hex, ``1234abcd-12ab-34cd-56ef-1234567890ab`` and, for a multi-Region key,
    ``mrk-1234abcd12ab34cd56ef1234567890ab`` (AWS KMS Developer Guide, "Key identifiers (KeyId)",
    https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id), and a policy's ``Resource`` is matched
    against the key ARN as KMS writes it, case included (IAM User Guide, "IAM JSON policy elements: Resource").
    """
    if kind == "key" and key_id != key_id.lower() and _KMS_KEY_ID.fullmatch(key_id.lower()):
        return ": key ids are lower-case hex; use the ARN DescribeKey shows"
    return ""


def validate_region_name(value: Any, field: str) -> str:
    """
    Validate a Region code such as ``us-east-1``: of a partition above (:data:`_REGION`), at most 50 characters (a
    Region is named by its code, "for example, us-east-1": AWS Account Management API Reference, "Region",
    ``RegionName``). ``""`` and ``US-EAST-1``, which botocore's own check takes, are refused.
    """
    if not isinstance(value, str) or len(value) > 50 or not _REGION.fullmatch(value):
        raise InvalidParameterError(field, f"is not a Region name such as us-east-1: {value!r}")
    return value


def validate_bucket_name(value: Any, field: str) -> str:
    """Validate an S3 bucket name against S3's general-purpose bucket naming rules."""
    value = require_str(value, field)
    problem = None
    if not _BUCKET.fullmatch(value):
        problem = "3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit"
    elif ".." in value or ".-" in value or "-." in value:
        problem = "no '..', '.-' or '-.'"
    elif _IPV4.fullmatch(value):
        problem = "not formatted as an IP address"
    elif value.startswith(("xn--", "sthree-", "amzn-s3-demo-")):
        problem = "no reserved prefix 'xn--', 'sthree-' or 'amzn-s3-demo-'"
    elif value.endswith(("-s3alias", "--ol-s3", "--x-s3", ".mrap", "--table-s3")):
        problem = "no reserved suffix such as '-s3alias' or '--ol-s3'"
    if problem:
        raise InvalidParameterError(field, f"bucket name {value!r} breaks S3 naming rules ({problem})")
    return value


#: S3 object keys are at most 1,024 bytes of UTF-8, prefix and delimiters included (Amazon S3 User Guide, "Naming
#: Amazon S3 objects"); a granted prefix leaves room for the names of the objects under it.
KEY_MAX_BYTES = 1024
PREFIX_MAX_BYTES = 1000


def parse_s3_location(
    value: Any, field: str, *, allow_bucket_root: bool = False, max_key_bytes: int = PREFIX_MAX_BYTES
) -> S3Location:
    """
    Parse ``s3://bucket/prefix``; the prefix is normalised to end with ``/``.

    The whole bucket (``s3://bucket/``) is refused unless ``allow_bucket_root``. A prefix is at most
    ``PREFIX_MAX_BYTES`` of UTF-8, leaving room for the object names under it; an object's own URI may take
    ``max_key_bytes=KEY_MAX_BYTES``.
    """
    value = require_str(value, field)
    if not value.startswith("s3://"):
        raise InvalidParameterError(field, f"must start with 's3://' (s3://bucket/prefix/), got {value!r}")
    bucket, _, key = value[len("s3://") :].partition("/")
    if not bucket:
        raise InvalidParameterError(field, f"names no bucket: {value!r}")
    validate_bucket_name(bucket, field)
    if any(special in key for special in ("*", "?", "$")):
        raise InvalidParameterError(field, f"must be a literal prefix; wildcards and '$' are refused: {value!r}")
    if key.startswith("/") or "//" in key or any(part in (".", "..") for part in key.split("/")):
        raise InvalidParameterError(field, f"has an empty, '.' or '..' path segment: {value!r}")
    if not key and not allow_bucket_root:
        raise InvalidParameterError(
            field, f"must name a prefix inside the bucket (s3://{bucket}/some/prefix/); whole-bucket access is refused"
        )
    if _utf8_length(key) > max_key_bytes or any(ord(char) < 32 for char in key):
        what = "key prefix" if max_key_bytes < KEY_MAX_BYTES else "key"
        raise InvalidParameterError(
            field,
            f"is not a valid S3 {what} (at most {max_key_bytes} bytes of UTF-8, no control characters): {value!r}",
        )
    if key and not key.endswith("/"):
        key += "/"
    return S3Location(bucket, key)


def _utf8_length(text: str) -> int:
    """Return the UTF-8 length of ``text``; a lone surrogate (not encodable) counts as too long."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return 1 << 30


def require_partition(arn: str, partition: str, field: str, where: str) -> str:
    """
    Refuse a (validated) ARN outside ``partition``: IAM and KMS cannot grant across partitions.

    IAM would answer ``MalformedPolicyDocument``, which is retried as eventual consistency first.
    """
    actual = partition_of_arn(arn)
    if actual != partition:
        raise InvalidParameterError(
            field, f"is in partition {actual!r}, but {where} is in partition {partition!r}: {arn!r}"
        )
    return arn


def require_partitions(arns: Sequence[str], partition: str, field: str, where: str) -> None:
    """Refuse any (validated) ARN of the list ``field`` outside ``partition`` (see :func:`require_partition`)."""
    for index, arn in enumerate(arns):
        require_partition(arn, partition, f"{field}[{index}]", where)


def require_region(arn: str, region: str | None, field: str, where: str) -> str:
    """
    Refuse a (validated) ARN of a Region other than ``region``: KMS acts on the keys of its own Region only.

    "Unlike IAM policies, which are global, key policies are Regional. A key policy controls access
    only to a KMS key in the same Region" (KMS Developer Guide, "Key policies in AWS KMS").
    """
    actual = region_of_arn(arn)
    if actual != region:
        raise InvalidParameterError(field, f"is in region {actual!r}, but {where} acts in region {region!r}")
    return arn


def validate_role_name_or_arn(value: Any, field: str) -> tuple[str, str | None]:
    """
    Validate a role given by its name, or by its ARN (an upstream task's output): return the name and the ARN's account.

    A role name holds no ``/`` (IAM API Reference, "CreateRole", ``RoleName``: "upper and lowercase alphanumeric
    characters with no spaces. You can also include any of the following characters: _+=,.@-"), so the name is the
    ARN's last ``/`` part, after any path. The account is ``None`` for a name: the caller checks an ARN's against its connection's.
    """
    if isinstance(value, str) and value.startswith("arn:"):
        arn = validate_role_arn(value, field)
        return arn.rsplit("/", 1)[1], account_of_arn(arn)
    return validate_role_name(value, field), None


def require_role_here(value: Any, account: str, partition: str, field: str, where: str) -> None:
    """
    Refuse a role given by its ARN (:func:`validate_role_name_or_arn`) outside ``where``'s partition or account.

    The role is acted on, or read, by its name in ``where``'s account: "IAM user, group, role, and policy names must be
    unique within the account" (IAM API Reference, "CreateRole", ``RoleName``), whatever their path, so a role of that
    name there is the ARN's only if the ARN's partition and account are ``where``'s (a role of another partition is
    another role: :func:`require_partition`). A name is taken as it is.
    """
    if isinstance(value, str) and value.startswith("arn:"):
        require_partition(value, partition, field, where)
        require_account(value, account, field, where)


def validate_max_session_duration(value: Any, field: str) -> int:
    """Validate an IAM role's maximum session duration: whole seconds from 3600 to 43200, or their rendered text."""
    number = whole_number_of(value)
    if isinstance(number, bool) or not isinstance(number, int) or not 3600 <= number <= 43200:
        raise InvalidParameterError(
            field, f"must be a whole number of seconds from 3600 to 43200, got {type(value).__name__} {value!r}"
        )
    return number


def validate_role_description(value: Any, field: str) -> str:
    """Validate an IAM role description: at most 1000 characters IAM accepts (tab, newline, Latin-1)."""
    if not isinstance(value, str):
        raise InvalidParameterError(field, f"must be a string, got {type(value).__name__} {value!r}")
    if len(value) > 1000 or not re.fullmatch(r"[\t\n\r\x20-\x7e\xa1-\xff]*", value):
        raise InvalidParameterError(
            field, f"must be at most 1000 printable ASCII or Latin-1 characters, got {value[:80]!r}"
        )
    return value


def validate_hadoop_principal(value: Any, field: str) -> str:
    """
    Validate a Hadoop user or group name, the identifier of a ``User`` or ``Group`` role mapping.

    "The users and groups in a role mapping are Hadoop users and groups that are defined on the cluster" (Amazon EMR
    Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): the guide sets no character rule, and a
    cluster's names take many: Active Directory groups through a cross-realm trust (``domain users``,
    ``Domain Admins``), names that start with a digit (``1user``), machine accounts (``host$``), Kerberos principals
    (``user/host@REALM``). Refused is only what is surely a mistake: an empty name, one with leading or trailing
    whitespace (pasted), a comma (several names joined into one identifier: each is its own list entry), an ARN in any
    case (a role put among the identifiers), a URI of any scheme (``s3://``, ``S3://``, ``s3a://``: a prefix put among
    them), a ``*`` (a wildcard the guide does not document for users or groups), a control, format or line/paragraph
    separator character (:data:`_INVISIBLE_CATEGORIES`:
    U+200B, U+2028), a Kerberos principal with an empty part (``etl/host@``, ``/host@REALM``), more than
    :data:`MAX_HADOOP_PRINCIPAL_LENGTH` characters. How EMR passes the mappings to EMRFS on the
    cluster (the ``emrfs-site`` property ``fs.s3.authorization.roleMapping``) is not documented, so no other character
    is known to separate anything there.
    """
    value = require_str(value, field)
    problem = _hadoop_principal_problem(value)
    if problem is not None:
        raise InvalidParameterError(field, f"is not a valid Hadoop user or group name ({problem}): {value!r}")
    return value


@contextlib.contextmanager
def identifiers_as_taken_before() -> Iterator[None]:
    """
    For its duration (this thread or task), take ``User``/``Group`` identifiers as the release before OX227 did: an
    ARN only in lower case (``arn:``), a URI only as ``s3://`` (a ``Prefix``'s), of the invisible characters only
    control ones (Unicode Cc). For ``emrfs-xacct revoke`` and ``verify``, which create no mapping from the file (they
    compute the configuration's name and take the partner's grants back): a file an earlier ``apply`` took
    (``S3://partner-results/exports/``, ``ARN:aws:iam::1:role/x``, ``analysts`` with U+200E) can still be revoked and
    verified; ``plan``/``apply``, which create the mappings, keep every rule.
    """
    token = _IDENTIFIERS_AS_BEFORE.set(True)
    try:
        yield
    finally:
        _IDENTIFIERS_AS_BEFORE.reset(token)


def identifiers_taken_as_before() -> bool:
    """Whether :func:`identifiers_as_taken_before` is on."""
    return _IDENTIFIERS_AS_BEFORE.get()


def _hadoop_principal_problem(value: str) -> str | None:
    """What makes ``value`` surely not a user's or group's name (empty or padded: :func:`require_str`), or ``None``."""
    strict = not _IDENTIFIERS_AS_BEFORE.get()  # off for revoke/verify: what the release before OX227 took
    if "," in value:
        return "a comma: give each user or group as its own identifier"
    if value[:4] == "arn:" or (strict and value[:4].lower() == "arn:"):  # ARN:aws:… too: a role, in any case
        return "an ARN: the mapping's role goes in Role, its identifiers are users or groups on the cluster"
    if strict and "://" in value:  # s3://, S3://, s3a://: a prefix put among the users or groups (OX227)
        return "a URI: put s3://bucket/prefix/ identifiers in a Prefix mapping"
    if "*" in value:
        return "a wildcard: EMRFS matches a user or group by its name, and AWS documents no pattern"
    if any(unicodedata.category(char) in (_INVISIBLE_CATEGORIES if strict else {"Cc"}) for char in value):
        return "a control character (Unicode categories Cc, Cf, Zl, Zp: unseen in a pasted name)"
    name, at, realm = value.rpartition("@")
    if at and not (realm and all(name.split("/"))):
        return "a Kerberos principal (primary/instance@REALM) with an empty part"
    if len(value) > MAX_HADOOP_PRINCIPAL_LENGTH:
        return f"more than {MAX_HADOOP_PRINCIPAL_LENGTH} characters"
    return None


def validate_name_prefix(value: Any, field: str, *, max_length: int = 200) -> str:
    """Validate a name prefix made of letters, digits, ``.``, ``_`` and ``-``."""
    value = require_str(value, field)
    if len(value) > max_length or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
        raise InvalidParameterError(
            field,
            f"must be 1-{max_length} letters, digits, '.', '_' or '-' starting with a letter or digit, got {value!r}",
        )
    return value


#: The longest name of an IAM inline policy (IAM API Reference, "PutRolePolicy", ``PolicyName``: 1-128 characters).
MAX_POLICY_NAME_LENGTH = 128


def validate_policy_name(value: Any, field: str) -> str:
    """
    Validate the name of an inline policy: 1-128 letters, digits and ``_+=,.@-``.

    IAM API Reference, "PutRolePolicy", ``PolicyName``: pattern ``[\\w+=,.@-]+``, "upper and lowercase alphanumeric
    characters with no spaces. You can also include any of the following characters: _+=,.@-".
    """
    value = require_str(value, field)
    if len(value) > MAX_POLICY_NAME_LENGTH or not re.fullmatch(r"[A-Za-z0-9_+=,.@-]+", value):
        raise InvalidParameterError(
            field, f"must be 1-{MAX_POLICY_NAME_LENGTH} letters, digits or any of _+=,.@- (no spaces), got {value!r}"
        )
    return value


#: The most seconds a duration parameter may hold: what ``time.sleep`` (a C ``time_t``, 32 bits on some
#: platforms) and ``datetime.timedelta`` take everywhere; a larger number fails there with
#: ``OverflowError``, after a write for ``settle_seconds``. About 31 years.
MAX_SECONDS = 10**9


def whole_number_of(value: Any) -> Any:
    """
    A whole number's text as a template renders it (``"3600"``, Airflow's default rendering) as the number; else ``value``.

    Only decimal digits, with surrounding whitespace: isdecimal, not isdigit, since a superscript (``"²"``) is a
    digit that ``int()`` refuses (a ValueError naming no field). Anything else is left to the caller to refuse.
    """
    return int(value.strip()) if isinstance(value, str) and value.strip().isdecimal() else value


def validate_positive_number(value: Any, field: str) -> float:
    """
    Validate a finite number from zero to :data:`MAX_SECONDS` (``nan`` and ``inf`` are refused).

    Its text as a template renders it (``"86400"``, ``"0.5"``) is taken as the number; other text is refused.
    """
    number = value
    if isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value.strip(), flags=re.ASCII):
        number = float(value.strip())
    if (
        isinstance(number, bool)
        or not isinstance(number, (int, float))
        or not math.isfinite(number)
        or not 0 <= number <= MAX_SECONDS
    ):
        raise InvalidParameterError(
            field, f"must be a finite number >= 0 and at most {MAX_SECONDS:,} seconds, got {value!r}"
        )
    return float(number)


def validate_whole_number(value: Any, field: str, minimum: int) -> int:
    """
    Validate a whole number from ``minimum`` to :data:`MAX_SECONDS`, or its text as a template renders it (``"30"``).

    For a waiter's ``waiter_delay`` (seconds) and ``waiter_max_attempts``: botocore's waiter takes whole
    numbers (``WaiterConfig`` ``Delay``, ``MaxAttempts``), so ``2.5`` is refused rather than cut to ``2``.
    """
    number = whole_number_of(value)
    if isinstance(number, bool) or not isinstance(number, int) or not minimum <= number <= MAX_SECONDS:
        raise InvalidParameterError(
            field, f"must be a whole number from {minimum} to {MAX_SECONDS:,}, got {type(value).__name__} {value!r}"
        )
    return number


def validate_bool(value: Any, field: str) -> bool:
    """
    Validate a flag that may arrive rendered by a template: a bool, or ``"true"``/``"false"`` in any case.

    Anything else (``"yes"``, ``1``, ``"Flase"``) is refused rather than guessed.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidParameterError(field, f"must be True or False, got {type(value).__name__} {value!r}")


def account_of_arn(arn: str) -> str:
    """Return the account id of an ARN (``""`` when ``arn`` has no account field)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 else ""


def region_of_arn(arn: str) -> str:
    """Return the Region of an ARN (``arn:partition:service:region:account:resource``; ``""`` when it has none)."""
    parts = arn.split(":", 5)
    return parts[3] if len(parts) == 6 else ""


def partition_of_arn(arn: str) -> str:
    """Return the partition of an ARN (``aws`` when ``arn`` has no partition field)."""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) > 1 else "aws"


def require_account(arn: str, account: str, field: str, where: str) -> str:
    """
    Refuse a (validated) ARN outside ``account``: the resource must be in the account ``where`` acts in.

    The message names both accounts, so that swapped connections are obvious.
    """
    actual = account_of_arn(arn)
    if actual != account:
        raise InvalidParameterError(field, f"is in account {actual}, but {where} acts in account {account}: {arn!r}")
    return arn


def refuse_account(arn: str, account: str, field: str, where: str, why: str) -> str:
    """Refuse a (validated) ARN inside ``account`` (e.g. a destination role in the EMR account)."""
    if account_of_arn(arn) == account:
        raise InvalidParameterError(field, f"is in account {account}, the account {where} acts in; {why}: {arn!r}")
    return arn


def parse_release_label(value: Any, field: str = "job_flow_overrides.ReleaseLabel") -> tuple[int, int, int]:
    """Return the version of a release label such as ``emr-7.10.0``."""
    value = require_str(value, field)
    match = _RELEASE.fullmatch(value)
    if not match:
        raise InvalidParameterError(field, f"must be an EMR release label such as 'emr-7.5.0', got {value!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def validate_conn_id(value: Any, field: str, *, default_chain: bool) -> str | None:
    """
    Validate an Airflow connection id as Airflow spells them; ``None`` only with ``default_chain``.

    The Amazon provider's hooks read ``None`` or ``""`` as "use boto3's default credential chain"
    (``AwsGenericHook``: "If this is None or empty then the default boto3 behaviour is used"): the
    worker's own credentials, in whatever account they are. ``""`` (a template rendered empty) is refused
    always; ``None`` is refused where acting in the wrong account must not happen silently.

    :param default_chain: whether ``None`` (the worker's own credentials) is accepted.
    """
    if value is None:
        if default_chain:
            return None
        raise InvalidParameterError(
            field,
            "must name an Airflow connection: None would act with the worker's own credentials (boto3's "
            "default chain), in whatever account they are",
        )
    value = require_str(value, field)
    if not _CONN_ID.fullmatch(value):
        raise InvalidParameterError(
            field, f"must be an Airflow connection id (1-250 letters, digits and _#!()-.:/\\), got {value!r}"
        )
    return value


#: A managed policy's ARN: ``arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME``, ACCOUNT 12 digits or ``aws`` (an
#: AWS managed policy); a policy name is 1-128 of ``[\w+=,.@-]`` (IAM API Reference, "CreatePolicy", PolicyName).
_POLICY_ARN = re.compile(
    r"^arn:([a-z-]+):iam::(\d{12}|aws):policy/(?:[\x21-\x29\x2b-\x2e\x30-\x7e]+/)*[\w+=,.@-]{1,128}$",
    re.ASCII,  # IAM names and account ids are ASCII: ``\d`` and ``\w`` match no other digit or letter
)
#: IAM's tag characters: letters, separators, numbers and ``_.:/=+-@`` (IAM API Reference, "Tag": Pattern
#: ``[\p{L}\p{Z}\p{N}_.:/=+\-@]``), told by their Unicode category.
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
#: "You can add up to 50 tags to an IAM resource" (IAM User Guide, "Tagging IAM resources", "Rules for tagging").
MAX_ROLE_TAGS = 50


def validate_policy_arn(value: Any, field: str, partition: str, where: str) -> str:
    """Validate a managed policy ARN in ``partition``, that of ``where`` (a boundary: IAM API Reference, "CreateRole")."""
    value = require_str(value, field)
    matched = _POLICY_ARN.fullmatch(value)
    if not matched or matched.group(1) not in PARTITIONS or len(value) > 2048:
        raise InvalidParameterError(
            field, f"must be a managed policy ARN (arn:{partition}:iam::ACCOUNT:policy/NAME), got {value!r}"
        )
    return require_partition(value, partition, field, where)


def require_boundary_account(arn: str, account: str, field: str, where: str) -> str:
    """
    Refuse a (validated) boundary policy ARN of another account than ``account`` (the role's); ``aws`` is AWS's own.

    A customer managed policy is attached to identities of its own account: "Customer managed policies are standalone
    policies that you manage in your own AWS account. You can then attach the policies to identities (users, groups,
    and roles) in your AWS account" (IAM User Guide, "Define custom IAM permissions with customer managed policies");
    ``CreateRole`` refuses another account's.
    """
    actual = account_of_arn(arn)
    if actual not in (account, "aws"):
        raise InvalidParameterError(
            field,
            f"is a policy of account {actual}, but the role is created in account {account} ({where}): a permissions "
            f"boundary is a managed policy of the role's own account or an AWS managed one (account aws): {arn!r}",
        )
    return arn


def _tag_text(value: Any, what: str, field: str, lengths: tuple[int, int]) -> str:
    import unicodedata

    if not isinstance(value, str):
        raise InvalidParameterError(field, f"{what} must be a string, got {type(value).__name__} {value!r}")
    allowed = all(char in _TAG_PUNCTUATION or unicodedata.category(char)[0] in "LZN" for char in value)
    if not lengths[0] <= len(value) <= lengths[1] or not allowed:
        raise InvalidParameterError(
            field,
            f"{what} must be {lengths[0]}-{lengths[1]} letters, digits, spaces and _.:/=+-@ (IAM's tag rules), "
            f"got {value[:80]!r}",
        )
    return value


def validate_role_tags(value: Any, field: str, reserved_key: str) -> dict[str, str]:
    """
    Validate tags for ``CreateRole`` with IAM's rules (IAM API Reference, "Tag"; IAM User Guide, "Tagging IAM resources").

    Keys 1-128 characters, values 0-256, not beginning with ``aws:`` (reserved for AWS), none given twice in any
    case, none equal to ``reserved_key`` (the provider's own tag, added beside them), at most
    :data:`MAX_ROLE_TAGS` with it. ``None`` is none.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParameterError(field, f"must be a dict of tag keys to values, got {type(value).__name__}")
    seen: set[str] = set()
    for key, text in value.items():
        _tag_text(key, "a key", field, (1, 128))
        _tag_text(text, f"the value of {key!r}", field, (0, 256))
        if key.lower().startswith("aws:") or key.lower() == reserved_key.lower() or key.lower() in seen:
            raise InvalidParameterError(
                field, f"has key {key!r}: keys starting with 'aws:', {reserved_key!r} and a key twice are refused"
            )
        seen.add(key.lower())
    if len(value) + 1 > MAX_ROLE_TAGS:
        raise InvalidParameterError(
            field, f"has {len(value)} tags; with the provider's own a role takes at most {MAX_ROLE_TAGS}"
        )
    return {str(key): str(text) for key, text in value.items()}


#: The path of every service-linked role (IAM User Guide, "Using service-linked roles").
SERVICE_LINKED_PATH = "/aws-service-role/"


def refuse_service_linked(path: str, arn: str, field: str) -> None:
    """
    Refuse a role of the service-linked path: IAM refuses every change to its trust and policies.

    "The request was rejected because service-linked roles are protected AWS resources" (IAM API Reference,
    UpdateAssumeRolePolicy, PutRolePolicy and AttachRolePolicy, "Errors": ``UnmodifiableEntity``).
    """
    if path.startswith(SERVICE_LINKED_PATH):
        raise InvalidParameterError(
            field,
            f"names the service-linked role {arn} (path {path}): IAM refuses every change to its trust and "
            "policies (UnmodifiableEntity); name a role of your own",
        )


def role_path_of_arn(arn: str) -> str:
    """Return the path of a validated role ARN (``/`` without one)."""
    rest = arn.split(":", 5)[5].partition("/")[2]
    return "/" + rest.rpartition("/")[0] + "/" if "/" in rest else "/"


def validate_own_role_arn(value: Any, field: str) -> str:
    """
    Validate a role ARN (:func:`validate_role_arn`) and refuse one whose path is the service-linked one.

    Such a role is the service's: "The service controls the attached policies" (IAM API Reference,
    "CreateServiceLinkedRole"), so the grant that follows a trust or a bucket policy naming it is refused. An ARN
    without a path cannot tell: that is left to the reads of the role.
    """
    arn = validate_role_arn(value, field)
    refuse_service_linked(role_path_of_arn(arn), arn, field)
    return arn


def validate_own_role_name(value: Any, field: str) -> str:
    """
    Return the name of a role given by name or ARN (:func:`validate_role_name_or_arn`), refusing an ARN whose path is the
    service-linked one (:func:`validate_own_role_arn`); a name alone shows no path: IAM refuses the first write to it.
    """
    role_name, account = validate_role_name_or_arn(value, field)
    if account is not None:
        validate_own_role_arn(value, field)
    return role_name
