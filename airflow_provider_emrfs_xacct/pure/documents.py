"""
Builders of the policy documents the provider owns.

Pure: standard library only. Builders return dicts; callers ``json.dumps`` them at the AWS call.
Every statement the provider writes carries a ``Sid`` starting with :data:`SID_PREFIX`; that is
how it finds its own statements again and leaves every other statement alone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.names import ASSUME_POLICY_NAME as ASSUME_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.names import DESTINATION_POLICY_NAME as DESTINATION_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.validation import S3Location

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

VERSION = "2012-10-17"
SID_PREFIX = "EmrfsXacct"

TRUST_SID = "EmrfsXacctTrustEmrRoles"
ASSUME_SID = "EmrfsXacctAssumeDestinationRoles"
KEY_USERS_SID = "EmrfsXacctKeyUsers"
OBJECTS_SID = "EmrfsXacctObjects"
LIST_SID = "EmrfsXacctList"
BUCKET_LOCATION_SID = "EmrfsXacctBucketLocation"
KMS_USE_SID = "EmrfsXacctKmsKeyUse"
OBJECT_ACL_SID = "EmrfsXacctObjectAcl"
#: A PutObject that carries an ACL (``x-amz-acl``, as ``emrfs-site`` ``fs.s3.canned.acl`` makes EMRFS
#: send) needs ``s3:PutObjectAcl`` besides ``s3:PutObject`` (Amazon S3 API Reference, PutObject,
#: "Permissions": "To successfully change the objects ACL of your PutObject request, you must have the
#: s3:PutObjectAcl").
OBJECT_ACL_ACTION = "s3:PutObjectAcl"


#: What a KMS key user needs to read and write SSE-KMS objects (the console's "key users").
KEY_USER_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
#: Object actions a Hadoop/Spark write through EMRFS (or S3A) sends under the prefix, each with its reason
#: (the requests are listed in docs/stand_in.md, "What a write sends", and replayed by devstack/emrfs_writer.py):
OBJECT_ACTIONS = (
    # Abort the pending multipart upload of a failed or speculative task attempt (EMRFS S3-optimized
    # committer: uploads stay incomplete until task commit or abort; S3A committers likewise).
    "s3:AbortMultipartUpload",
    # Delete the job's ``_temporary/`` keys and folder markers at job commit; overwrite mode.
    "s3:DeleteObject",
    # HEAD (getFileStatus/exists) and GET of keys and markers; HEAD needs s3:GetObject.
    "s3:GetObject",
    # List the parts of a pending upload (S3A's and the committers' recovery and abort paths).
    "s3:ListMultipartUploadParts",
    # PUT of files and ``_$folder$`` markers, CreateMultipartUpload, UploadPart, CompleteMultipartUpload.
    "s3:PutObject",
)
#: Bucket actions of the same write, granted on the bucket ARN without an ``s3:prefix`` condition:
BUCKET_ACTIONS = (
    # HEAD of a missing key answers 404 only to a caller allowed s3:ListBucket on the bucket, else 403
    # (S3 API Reference, HeadObject, "Permissions"), and which listing keys that check carries AWS does
    # not document: a grant conditioned on s3:prefix may leave every exists()/getFileStatus() of a new path a 403.
    "s3:ListBucket",
    # ListMultipartUploads at job cleanup, to abort what failed tasks left pending (EMRFS
    # S3-optimized committer; S3A's committers and ``fs.s3a.multipart.purge``).
    "s3:ListBucketMultipartUploads",
)
#: The bucket's Region, for a client that does not know it (granted on the bucket ARN). Across accounts the
#: bucket policy must allow it too: "In a bucket's home Region, calls to the GetBucketLocation operation are
#: governed by the bucket's policy" (Amazon S3 API Reference, GetBucketLocation).
BUCKET_LOCATION_ACTION = "s3:GetBucketLocation"


def inline_policy_label(name: str) -> str:
    """How a role's inline policy ``name`` is labelled among its identity policies (the verifier's state, messages)."""
    return f"inline policy {name}"


def s3_arn(partition: str, bucket: str, key: str | None = None) -> str:
    """Return the ARN of a bucket, or of ``key`` inside it."""
    return f"arn:{partition}:s3:::{bucket}" if key is None else f"arn:{partition}:s3:::{bucket}/{key}"


def object_resources(partition: str, location: S3Location) -> list[str]:
    """
    Return the object ARNs a write under a prefix touches: everything below it, the directory's own
    key and its EMRFS folder marker.

    Hadoop's getFileStatus of ``s3://b/a/b`` sends HEAD ``a/b`` (outside ``a/b/*``), and EMRFS marks a
    directory ``a/b/`` with an empty object ``a/b_$folder$`` (also outside ``a/b/*``). Markers of
    directories below the prefix are inside ``a/b/*``.
    """
    stem = location.stem
    resources = [s3_arn(partition, location.bucket, f"{location.prefix}*")]
    if stem:
        resources += [s3_arn(partition, location.bucket, stem), s3_arn(partition, location.bucket, f"{stem}_$folder$")]
    return resources


def list_prefixes(location: S3Location) -> list[str]:
    """Return the ``s3:prefix`` values a listing of the prefix may use: the prefix itself and anything below it."""
    return [location.prefix, f"{location.prefix}*"]


def trust_statement(principal_arns: Iterable[str]) -> dict[str, Any]:
    """Return the trust-policy statement that lets the given roles call ``sts:AssumeRole``."""
    return {
        "Sid": TRUST_SID,
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(principal_arns))},
        "Action": "sts:AssumeRole",
    }


#: The value the revoke's statement for nobody compares the requester's account and ARN with (``StringEquals``): no
#: account ID and no ARN (an account ID is "a 12-digit number": AWS Account Management Reference Guide, "View AWS
#: account identifiers"; an ARN begins ``arn:``: IAM User Guide, "IAM identifiers"). ``StringEquals`` is an exact
#: match, and a key the request lacks matches nothing ("IAM JSON policy elements: Condition operators": "If the key
#: that you specify in a policy condition is not present in the request context, the values do not match and the
#: condition is false"), so a statement under it applies to no request at all.
TRUST_NOBODY_MARK = "none-revoked-by-emrfs-xacct"
#: Where the mark goes: the first of these the ``Condition`` someone added does not already compare (a key of one
#: ``StringEquals`` block holds one list of values, which match when any does: a second value there would match).
TRUST_NOBODY_MARK_KEYS = ("aws:PrincipalAccount", "aws:PrincipalArn")

#: The provider's trust statement once it trusts nobody and is the trust policy's only statement: ``Deny`` for
#: every principal (IAM User Guide, "AWS JSON policy elements: Principal", "All principals": ``{"AWS": "*"}``),
#: under a condition no request meets (:data:`TRUST_NOBODY_MARK`). It allows nobody ("Policy evaluation logic":
#: without an allow the request is denied), so the role is assumable by nobody, as without the statement; and it
#: refuses nobody either, so an ``Allow`` someone adds beside it later works (an explicit deny that applied would
#: override it). Not an empty ``Statement`` list: the grammar ("Grammar of the IAM JSON policy language":
#: ``"Statement" : [ <statement>, <statement>, ... ]``) and "IAM JSON policy elements: Statement" ("This element is
#: required") do not say that IAM saves a trust policy without any statement, nor a ``Principal`` naming nobody. The
#: next grant (:func:`~.merge.revokes_trust_nobody`) writes the normal statement in its place. A ``Condition``
#: someone added to the provider's statement stays on this one beside the mark (the conditions of a statement must
#: all hold: "IAM JSON policy elements: Condition", "evaluated using a logical AND"), and the next grant puts it back
#: on the statement it writes. Earlier releases wrote it without the mark (:func:`~.merge.revokes_trust_nobody`).
#: Its actions: see :data:`TRUST_NOBODY_ACTION_SETS`.
TRUST_NOBODY_STATEMENT: dict[str, Any] = {
    "Sid": TRUST_SID,
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": ["sts:AssumeRole", "sts:TagSession"],
    "Condition": {"StringEquals": {TRUST_NOBODY_MARK_KEYS[0]: TRUST_NOBODY_MARK}},
}
#: The actions a statement for nobody has, sorted: ``sts:AssumeRole`` alone (an earlier release's), or with
#: ``sts:TagSession`` (:data:`TRUST_NOBODY_STATEMENT`). That second action is there so that an earlier release,
#: which takes a statement for nobody to be one of ``sts:AssumeRole`` alone and copies its ``Condition`` (the mark
#: with it) onto the ``Allow`` its grant writes, which then matches no request, does not take this one for its own:
#: its grant refuses the statement's wildcard principal before any write. ``sts:TagSession`` is an action of a role
#: trust policy (IAM User Guide, "Pass session tags in AWS STS", "Permissions required to add session tags"), and a
#: ``Deny`` that applies to no request refuses nothing, whatever its actions. The statement an earlier release
#: wrote is still recognised (:func:`is_trust_nobody`).
TRUST_NOBODY_ACTION_SETS = (["sts:AssumeRole"], sorted(TRUST_NOBODY_STATEMENT["Action"]))


def is_trust_nobody(statement: Any) -> bool:
    """
    Return whether ``statement`` has the shape of :data:`TRUST_NOBODY_STATEMENT`, under any ``Condition`` or none,
    its actions either of :data:`TRUST_NOBODY_ACTION_SETS` (this release's, or an earlier one's).

    Whether a revoke left it is :func:`~.merge.revokes_trust_nobody`'s to say. One changed otherwise by hand is not.
    """
    if not isinstance(statement, dict):
        return False
    principal = statement.get("Principal")
    return (
        set(statement) - {"Condition"} == set(TRUST_NOBODY_STATEMENT) - {"Condition"}
        and isinstance(statement.get("Condition", {}), dict)
        and all(statement[key] == TRUST_NOBODY_STATEMENT[key] for key in ("Sid", "Effect"))
        and isinstance(principal, dict)
        and set(principal) == {"AWS"}
        and as_list(principal["AWS"]) == ["*"]
        and sorted(str(action) for action in as_list(statement["Action"])) in TRUST_NOBODY_ACTION_SETS
    )


def destination_permissions_policy(
    partition: str, locations: Iterable[S3Location], kms_key_arns: Iterable[str] = (), *, object_acl: bool = False
) -> dict[str, Any]:
    """
    Return the least-privilege permissions policy of the destination role.

    The object actions of a write (:data:`OBJECT_ACTIONS`) on each prefix's keys, its own key and its
    folder marker; :data:`BUCKET_ACTIONS` on each bucket, without an ``s3:prefix`` condition (a HEAD
    of a missing key needs ``s3:ListBucket`` to answer 404, and AWS does not document which listing keys
    that check carries): the role
    can therefore list every key name in those buckets, not read them; ``s3:GetBucketLocation``;
    the key-user actions on the given keys; with ``object_acl``, :data:`OBJECT_ACL_ACTION` on the
    prefixes' objects in a statement of its own (:data:`OBJECT_ACL_SID`), for uploads carrying a canned ACL.
    """
    locations = sorted(set(locations))
    buckets = sorted({location.bucket for location in locations})
    statements: list[dict[str, Any]] = [
        {
            "Sid": OBJECTS_SID,
            "Effect": "Allow",
            "Action": list(OBJECT_ACTIONS),
            "Resource": [arn for location in locations for arn in object_resources(partition, location)],
        }
    ]
    statements.append(
        {
            "Sid": LIST_SID,
            "Effect": "Allow",
            "Action": list(BUCKET_ACTIONS),
            "Resource": [s3_arn(partition, bucket) for bucket in buckets],
        }
    )
    statements.append(
        {
            "Sid": BUCKET_LOCATION_SID,
            "Effect": "Allow",
            "Action": BUCKET_LOCATION_ACTION,
            "Resource": [s3_arn(partition, bucket) for bucket in buckets],
        }
    )
    keys = sorted(set(kms_key_arns))
    if keys:
        statements.append({"Sid": KMS_USE_SID, "Effect": "Allow", "Action": list(KEY_USER_ACTIONS), "Resource": keys})
    if object_acl:
        statements.append(
            {
                "Sid": OBJECT_ACL_SID,
                "Effect": "Allow",
                "Action": OBJECT_ACL_ACTION,
                "Resource": [arn for location in locations for arn in object_resources(partition, location)],
            }
        )
    return {"Version": VERSION, "Statement": statements}


def is_legacy_list_sid(sid: str) -> bool:
    """Return whether ``sid`` is one of the per-bucket ``EmrfsXacctList1``, ``2`` … that earlier versions wrote."""
    number = sid[len(LIST_SID) :]
    return sid.startswith(LIST_SID) and number.isascii() and number.isdigit()


def is_owned_destination_sid(sid: str) -> bool:
    """Return whether a ``Sid`` in the destination role's inline policy is one the provider writes or wrote."""
    return sid in (OBJECTS_SID, LIST_SID, BUCKET_LOCATION_SID, KMS_USE_SID, OBJECT_ACL_SID) or is_legacy_list_sid(sid)


def statements_not_owned(policy: dict[str, Any] | None, owns: Callable[[str], bool]) -> list[str]:
    """Return the statements of ``policy`` whose ``Sid`` ``owns`` does not claim (by ``Sid``, or index without one)."""
    return [
        f"statement {statement['Sid']!r}"
        if isinstance(statement, dict) and statement.get("Sid")
        else f"statement [{index}]"
        for index, statement in enumerate(as_list((policy or {}).get("Statement")))
        if not (isinstance(statement, dict) and isinstance(statement.get("Sid"), str) and owns(statement["Sid"]))
    ]


#: What an older version's ``EmrfsXacctList<n>`` statement could hold: these actions on one bucket's ARN.
_LEGACY_LIST_ACTIONS = frozenset({*BUCKET_ACTIONS, BUCKET_LOCATION_ACTION})


def refuse_restricted_legacy_statements(policy: dict[str, Any] | None, buckets: Collection[str]) -> None:
    """
    Refuse to replace an old per-bucket ``EmrfsXacctList<n>`` statement that someone restricted or widened.

    The provider now writes one :data:`LIST_SID` statement for all buckets and drops the old ones.
    Dropping one that carries a ``Condition``, a changed ``Effect`` or any other key a person added
    would widen the grant; dropping one that holds an action or a resource someone added (another bucket,
    ``s3:GetObject``) would take that away: each is a :class:`ConflictError` naming the statement instead.

    :param buckets: the buckets the new :data:`LIST_SID` statement lists (those of the locations the policy grants):
        a bucket someone added to an old statement is kept there, not lost.
    """
    for statement in as_list((policy or {}).get("Statement")):
        if not isinstance(statement, dict) or not is_legacy_list_sid(str(statement.get("Sid"))):
            continue
        added = sorted(set(statement) - {"Sid", "Effect", "Action", "Resource"})
        if statement.get("Effect") != "Allow" or added:
            raise ConflictError(
                f"statement {statement['Sid']!r} (written by an older version of the provider) carries "
                f"{', '.join(added) or 'Effect ' + repr(statement.get('Effect'))}, which the provider did not write; "
                f"it now writes one statement {LIST_SID!r} for all buckets and would drop this one: move the "
                "restriction into a statement of your own (a Deny beside it), then remove the statement"
            )
        foreign = [str(action) for action in as_list(statement.get("Action")) if action not in _LEGACY_LIST_ACTIONS]
        resources = [str(resource) for resource in as_list(statement.get("Resource"))]
        # An older version wrote one bucket's ARN; a second one is someone's, lost unless the new statement lists it.
        foreign += [
            resource
            for resource in resources
            if not _bucket_of(resource) or (len(resources) > 1 and _bucket_of(resource) not in buckets)
        ]
        if foreign:
            raise ConflictError(
                f"statement {statement['Sid']!r} (written by an older version of the provider) holds "
                f"{', '.join(repr(value) for value in foreign)}, which the provider did not write; it now writes one "
                f"statement {LIST_SID!r} for all buckets and would drop this one with it: move it into a statement "
                "of your own, then run again"
            )


def refuse_losing_legacy_listing(
    policy: dict[str, Any] | None, buckets: Collection[str], dropping: Collection[str]
) -> None:
    """
    Refuse (:class:`ConflictError`) to replace an older version's ``EmrfsXacctList<n>`` whose bucket would be lost.

    Its bucket goes with the conversion to one :data:`LIST_SID` statement only when that statement lists it again
    (``buckets``) or it is among the left-behind grants the caller drops on purpose (``dropping``: judged by
    :func:`remains_of_removed_prefixes` and the role's other policies exactly as the current form's grants are).
    Otherwise a grant someone relies on is kept for them: the statement is refused, as a current-form grant that a
    run may not drop is.
    """
    for statement in policy_statements([policy]):
        arn = _legacy_listing_of(statement)
        if arn is not None and _bucket_of(arn) not in buckets and arn not in dropping:
            raise ConflictError(
                f"statement {statement['Sid']!r} (written by an older version of the provider) lists {arn}, where no "
                f"prefix of the provider's is left, and an Allow beside it in the same policy may rely on that "
                f"listing (without s3:ListBucket, a HeadObject of a missing key is a 403, not a 404); the provider now "
                f"writes one statement {LIST_SID!r} for all buckets and would drop this one. Nothing was changed: "
                "allow the listing in a statement of your own, or take that Allow off the bucket, or ask for a prefix "
                "in the bucket again, then run again"
            )


def _bucket_of(resource: str) -> str:
    """The bucket whose ARN (any partition) ``resource`` is, as an older version wrote it; ``""``: not a bucket's ARN."""
    prefix, separator, bucket = resource.partition(":::")
    plain = separator and prefix.startswith("arn:") and prefix.endswith(":s3") and bucket
    return bucket if plain and not any(char in bucket for char in "/*?") else ""


def object_locations(statement: dict[str, Any] | None) -> set[S3Location]:
    """
    Read back the prefixes of a provider-owned object statement (``arn:…:s3:::bucket/prefix/*``).

    A resource widened to a whole bucket or a wildcard prefix (``bucket/*``, ``bucket/a*/*``) is a
    :class:`ConflictError`: the provider never writes it back.
    """
    locations: set[S3Location] = set()
    for arn in as_list((statement or {}).get("Resource")):
        text = str(arn)
        bucket, _, key = text.split(":::", 1)[-1].partition("/")
        if not key.endswith("/*") and not _has_wildcard(text):
            continue  # the folder markers: derived from the prefixes again
        prefix = key[:-1]
        if not key.endswith("/*") or not prefix.strip("/") or _has_wildcard(bucket + prefix):
            raise ConflictError(
                f"statement {statement.get('Sid') if statement else None!r} holds the wildcard resource {text!r} "
                "(a whole bucket or a wildcard prefix); the provider never writes it back: remove it"
            )
        locations.add(S3Location(bucket, prefix))
    return locations


def locations_in_permissions_policy(policy: dict[str, Any] | None) -> tuple[set[S3Location], set[str]]:
    """Read back the prefixes and key ARNs that :func:`destination_permissions_policy` wrote."""
    locations: set[S3Location] = set()
    keys: set[str] = set()
    for statement in as_list((policy or {}).get("Statement")):  # one statement may stand alone, not in a list
        if not isinstance(statement, dict):
            continue
        resources = as_list(statement.get("Resource"))
        if statement.get("Sid") == OBJECTS_SID:
            locations |= object_locations(statement)
        elif statement.get("Sid") == KMS_USE_SID:
            for arn in resources:
                if not isinstance(arn, str) or _has_wildcard(arn):
                    raise ConflictError(
                        f"statement {KMS_USE_SID!r} holds the wildcard resource {arn!r}; the provider never "
                        "writes it back: remove it"
                    )
            keys.update(resources)
    return locations, keys


def remains_of_removed_prefixes(
    policy: dict[str, Any] | None, locations: Iterable[S3Location], listed_elsewhere: frozenset[str] = frozenset()
) -> set[str]:
    """
    Return the ARNs the provider's statements hold only for prefixes no longer among ``locations``.

    :func:`destination_permissions_policy` writes, for each prefix it reads back from ``EmrfsXacctObjects``, the
    prefix's own key and folder marker there, its three object ARNs in ``EmrfsXacctObjectAcl``, and its bucket in both
    ``EmrfsXacctList`` and ``EmrfsXacctBucketLocation``. A prefix taken out of ``EmrfsXacctObjects`` by hand (the
    documented way to remove one) leaves those behind: the next write drops them with it, instead of refusing them
    as additions of someone else. Only the provider's complete sets count (a bucket in both bucket statements, or in
    an older version's ``EmrfsXacctList<n>`` as it wrote it: :func:`_listed_buckets`; a prefix's key and marker both,
    its three ARNs in the ACL statement), and nothing of a bucket an ``Allow`` the
    provider does not own may cover (:func:`_buckets_named_by_others`: its grant there may rely on the provider's
    listing): an ARN added by hand in another shape is still refused, not dropped. A complete set added by hand
    cannot be told from one left behind. The role's other policies are the caller's to weigh before a bucket's grants
    go (:func:`refuse_dropping_what_other_policies_rely_on`).

    :param listed_elsewhere: buckets whose grants the role's policies surely hold besides the provider's
        (:func:`listing_held_elsewhere`): an ``Allow`` of someone else's there relies on nothing of the provider's.
    """
    kept = set(locations)
    statements = policy_statements([policy])
    held = _held_resources(statements)
    named = _buckets_named_by_others(statements, set().union(*held.values())) - listed_elsewhere
    remains = {arn for arn, bucket in _left_behind_buckets(held, kept).items() if not _named(bucket, named)}
    for arn in held[OBJECTS_SID] | held[OBJECT_ACL_SID]:
        location = _prefix_written_for(arn)
        if not isinstance(location, S3Location) or location in kept or _named(location.bucket, named):
            continue
        written = set(object_resources(arn.split(":", 2)[1], location))
        if written <= held[OBJECT_ACL_SID]:
            remains |= written
        if written - held[OBJECTS_SID] == {arn for arn in written if arn.endswith("*")}:  # its key and marker left
            remains |= written & held[OBJECTS_SID]
    return remains


def _held_resources(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """
    The resources of each of the provider's statements whose resources follow from the prefixes; under
    :data:`_LEGACY_LISTING`, the bucket ARNs of an older version's ``EmrfsXacctList<n>`` as it wrote them.
    """
    held: dict[str, set[str]] = {sid: set() for sid in (*_DERIVED_RESOURCE_SIDS, _LEGACY_LISTING)}
    for statement in statements:
        if statement.get("Sid") in held:
            held[statement["Sid"]].update(arn for arn in as_list(statement.get("Resource")) if isinstance(arn, str))
        elif (arn := _legacy_listing_of(statement)) is not None:
            held[_LEGACY_LISTING].add(arn)
    return held


def _listed_buckets(held: dict[str, set[str]]) -> set[str]:
    """
    The bucket ARNs the provider's listing grants hold, in either form: in both ``EmrfsXacctList`` and
    ``EmrfsXacctBucketLocation``, or in an older version's ``EmrfsXacctList<n>`` (which the next write replaces).
    """
    return (held[LIST_SID] & held[BUCKET_LOCATION_SID]) | held[_LEGACY_LISTING]


def _legacy_listing_of(statement: dict[str, Any]) -> str | None:
    """
    The bucket ARN of an older version's ``EmrfsXacctList<n>`` as it wrote it: an ``Allow`` of listing actions
    (:data:`_LEGACY_LIST_ACTIONS`) on one bucket's ARN, nothing else; ``None``: not one, or changed by hand.
    """
    resources = as_list(statement.get("Resource"))
    plain = (
        is_legacy_list_sid(str(statement.get("Sid")))
        and statement.get("Effect") == "Allow"
        and set(statement) <= {"Sid", "Effect", "Action", "Resource"}
        and all(action in _LEGACY_LIST_ACTIONS for action in as_list(statement.get("Action")))
    )
    return resources[0] if plain and len(resources) == 1 and _bucket_of(str(resources[0])) else None


def _left_behind_buckets(held: dict[str, set[str]], kept: set[S3Location]) -> dict[str, str]:
    """The bucket ARNs the provider's listing grants hold (:func:`_listed_buckets`) of no bucket of ``kept``."""
    kept_buckets = {location.bucket for location in kept}
    left = {arn: _prefix_written_for(arn) for arn in _listed_buckets(held)}
    return {arn: bucket for arn, bucket in left.items() if isinstance(bucket, str) and bucket not in kept_buckets}


def bucket_grants(arns: Iterable[str]) -> set[str]:
    """Return the bucket ARNs among ``arns`` (what :func:`remains_of_removed_prefixes` drops of a bucket's listing)."""
    return {arn for arn in arns if isinstance(_prefix_written_for(arn), str)}


def policy_statements(policies: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Return the statements of ``policies`` (one may stand alone, not in a list; ``None``: a policy gone)."""
    return [
        statement
        for policy in policies
        for statement in as_list((policy or {}).get("Statement"))
        if isinstance(statement, dict)
    ]


#: The actions of the provider's two bucket grants (``EmrfsXacctList``, ``EmrfsXacctBucketLocation``): every one
#: of them must be held elsewhere before they may go (a team's multipart clean-up lists its uploads too).
_BUCKET_GRANT_ACTIONS = (*BUCKET_ACTIONS, BUCKET_LOCATION_ACTION)


def refuse_dropping_what_other_policies_rely_on(
    policy_name: str, dropped: Iterable[str], others: Iterable[tuple[str, dict[str, Any] | None]]
) -> None:
    """
    Refuse (:class:`ConflictError`) to drop a bucket's grants that the role's other identity policies rely on.

    IAM combines every identity policy of the role ("Policy evaluation for requests within a single account", IAM
    User Guide), and without ``s3:ListBucket`` a ``HeadObject`` of a missing key is a 403, not a 404 (Amazon S3 API
    Reference, "HeadObject", "Permissions"): an ``Allow`` of another policy that may cover the bucket's objects relies
    on the provider's listing, unless the other policies themselves allow the bucket's actions (:func:`_bucket_grants_held`:
    then dropping the provider's takes nothing away, as with the AWS managed ``AmazonElasticMapReduceforEC2Role``'s
    ``s3:*`` on ``*``: "AmazonElasticMapReduceforEC2Role - AWS Managed Policy").

    :param policy_name: the provider's policy the prefix was taken out of, for the message.
    :param dropped: the bucket ARNs whose grants would go (:func:`bucket_grants`).
    :param others: ``(name, document)`` of the role's other identity policies, inline and attached managed.
    """
    policies = list(others)
    relying = {}
    for arn in sorted(dropped):
        names = _policies_relying_on(policies, arn)
        if names and not _bucket_grants_held(policies, arn):
            relying[arn] = names
    if relying:
        named = "; ".join(f"{arn} ({', '.join(names)})" for arn, names in relying.items())
        raise ConflictError(
            f"dropping the bucket grants that a prefix taken out of {policy_name} by hand left behind would take away "
            f"a listing the role's other policies rely on: {named}. They may allow access to the bucket's objects and "
            f"do not themselves allow {', '.join(_BUCKET_GRANT_ACTIONS)} on it with certainty (without "
            "s3:ListBucket, a HeadObject of a missing key is a 403, not a 404). Nothing was changed: allow those "
            "actions on the bucket in one of those policies, or take their Allow off the bucket, or ask for a prefix "
            "in the bucket again, then run again"
        )


def kept_for_statements_of_others(policy: dict[str, Any] | None, locations: Iterable[S3Location]) -> set[str]:
    """
    The bucket ARNs whose grants a prefix taken out by hand left behind, kept only because an ``Allow`` of someone
    else's in ``policy`` itself may cover them (:func:`_buckets_named_by_others`).
    """
    statements = policy_statements([policy])
    held = _held_resources(statements)
    named = _buckets_named_by_others(statements, set().union(*held.values()))
    return {arn for arn, bucket in _left_behind_buckets(held, set(locations)).items() if _named(bucket, named)}


def statements_of_others(policy_name: str, policy: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """``(label, document)`` of the statements of the provider's policy ``policy_name`` that are not the provider's."""
    statements = [
        statement
        for statement in policy_statements([policy])
        if not (isinstance(statement.get("Sid"), str) and is_owned_destination_sid(statement["Sid"]))
    ]
    return f"{inline_policy_label(policy_name)} (its statements not the provider's)", {"Statement": statements}


def listing_held_elsewhere(arns: Iterable[str], policies: list[tuple[str, dict[str, Any] | None]]) -> frozenset[str]:
    """The buckets of ``arns`` on which ``policies`` alone surely allow every action of the provider's bucket grants."""
    return frozenset(
        bucket
        for arn in arns
        if isinstance(bucket := _prefix_written_for(arn), str) and _bucket_grants_held(policies, arn)
    )


def _policies_relying_on(policies: list[tuple[str, dict[str, Any] | None]], arn: str) -> list[str]:
    """The names of ``policies`` holding an ``Allow`` that may cover the bucket ``arn`` or its objects (:func:`_covers_bucket`)."""
    partition, bucket = arn.split(":")[1], arn.split(":", 5)[5]
    return [
        name
        for name, document in policies
        if any(
            statement.get("Effect") != "Deny"
            and _may_allow_s3(statement)
            and _covers_bucket(statement, partition, bucket)
            for statement in policy_statements([document])
        )
    ]


def _bucket_grants_held(policies: list[tuple[str, dict[str, Any] | None]], arn: str) -> bool:
    """
    Whether ``policies`` alone surely allow the provider's bucket actions on the bucket ``arn``.

    Judged by the local evaluator, every condition key unknown: a ``Condition`` on either side, or anything else it
    cannot know, is not certain, and the bucket's grants are kept.
    """
    from airflow_provider_emrfs_xacct.pure.evaluator import Request, evaluate

    return all(
        evaluate(policies, Request(action=action, resource=arn, known_absent=frozenset())).allowed
        for action in _BUCKET_GRANT_ACTIONS
    )


#: The provider's statements whose resources follow from the prefixes in ``EmrfsXacctObjects``.
_DERIVED_RESOURCE_SIDS = (OBJECTS_SID, OBJECT_ACL_SID, LIST_SID, BUCKET_LOCATION_SID)
#: Where :func:`_held_resources` puts the buckets of an older version's ``EmrfsXacctList<n>`` statements.
_LEGACY_LISTING = f"{LIST_SID}<n>"


def _buckets_named_by_others(statements: list[dict[str, Any]], arns: Iterable[str]) -> frozenset[str]:
    """
    The buckets of ``arns`` (S3 ARNs of the provider's statements) that an ``Allow`` the provider does not own may
    cover, when it may allow an S3 action (:func:`_may_allow_s3`); a ``Deny`` takes access away and relies on no
    grant of the provider's. When in doubt, a bucket is covered (its grants are kept).
    """
    others = [
        statement
        for statement in statements
        if not (isinstance(statement.get("Sid"), str) and is_owned_destination_sid(statement["Sid"]))
        and statement.get("Effect") != "Deny"
        and _may_allow_s3(statement)
    ]
    named = set()
    for arn in arns:
        parts = arn.split(":", 5)
        if len(parts) < 6 or parts[2] != "s3":
            continue
        bucket = parts[5].partition("/")[0]
        if any(_covers_bucket(statement, parts[1], bucket) for statement in others):
            named.add(bucket)
    return frozenset(named)


def _named(bucket: str, named: frozenset[str]) -> bool:
    """Return whether ``bucket`` is among those an ``Allow`` of someone else may cover (:func:`_buckets_named_by_others`)."""
    return bucket in named


def _may_allow_s3(statement: dict[str, Any]) -> bool:
    """
    Whether the statement's ``Action`` may name an S3 action, or its ``NotAction`` leaves one out (neither: it may).

    "The prefix and the action name are case insensitive" (IAM User Guide, "IAM JSON policy elements: Action"), and
    ``*`` and ``?`` are wildcards there; a ``NotAction`` only rules S3 out when one of its values covers ``s3:*``.
    """
    if "Action" in statement:
        return any(
            not isinstance(action, str) or bool(_glob_states(action.lower(), "s3:"))
            for action in as_list(statement["Action"])
        )
    return "NotAction" not in statement or not any(
        isinstance(action, str) and _open(action.lower(), _glob_states(action.lower(), "s3:"))
        for action in as_list(statement["NotAction"])
    )


def _covers_bucket(statement: dict[str, Any], partition: str, bucket: str) -> bool:
    """
    Whether the statement may apply to ``bucket`` or an object in it.

    A ``Resource`` may when one of its values may match the bucket's ARN or an object's (its wildcards, policy
    variables as ``*``, and case aside: matched widely). A ``NotResource`` "matches every resource except those
    specified" (IAM User Guide, "IAM JSON policy elements: NotResource"): it covers the bucket unless its values
    surely match every object of the bucket and the bucket's ARN itself (:func:`_excludes`). Neither (which AWS
    refuses to save): covered.
    """
    if "Resource" in statement or "NotResource" not in statement:
        resources = as_list(statement.get("Resource", "*"))
        if any(not isinstance(arn, str) or _may_match(arn, partition, bucket) for arn in resources):
            return True
        if "NotResource" not in statement:
            return False
    excluded = [_excludes(arn, partition, bucket) for arn in as_list(statement["NotResource"]) if isinstance(arn, str)]
    return not (any(objects for objects, _ in excluded) and any(itself for _, itself in excluded))


def _may_match(pattern: str, partition: str, bucket: str) -> bool:
    """Whether the ARN pattern may match ``bucket``'s ARN or one of its objects' (case and policy variables aside)."""
    pattern = re.sub(r"\$\{[^}]*\}", "*", pattern.lower())
    states = _glob_states(pattern, s3_arn(partition, bucket).lower())
    return _ends(pattern, states) or bool(_glob_states(pattern, "/", states))


def _excludes(pattern: str, partition: str, bucket: str) -> tuple[bool, bool]:
    """
    Whether the ARN pattern surely matches every object of ``bucket``, and the bucket's ARN itself.

    Judged segment by segment (IAM User Guide, "IAM JSON policy elements: Resource": wildcards stand "within the
    individual segments of an ARN (the parts separated by colons)"), exactly as written: a policy variable, another
    shape or another partition is not sure to match.
    """
    if pattern == "*":
        return True, True
    parts = pattern.split(":", 5)
    fixed = ("arn", partition, "s3", "", "")
    if (
        "${" in pattern
        or len(parts) < 6
        or not all(_ends(part, _glob_states(part, want)) for part, want in zip(parts[:5], fixed, strict=True))
    ):
        return False, False
    states = _glob_states(parts[5], bucket)
    return _open(parts[5], _glob_states(parts[5], "/", states)), _ends(parts[5], states)


def _glob_states(pattern: str, text: str, states: Collection[int] = (0,)) -> frozenset[int]:
    """
    The positions in ``pattern`` a match may be at after ``text``, from ``states`` (``*``: any characters, ``?``: one).

    Empty: no string starting with ``text`` matches.
    """
    reached = _past_stars(pattern, states)
    for char in text:
        reached = _past_stars(
            pattern,
            [
                index + (pattern[index] != "*")
                for index in reached
                if index < len(pattern) and pattern[index] in (char, "?", "*")
            ],
        )
    return reached


def _past_stars(pattern: str, states: Iterable[int]) -> frozenset[int]:
    """``states`` and the positions after the ``*`` each stands at (a ``*`` may match nothing)."""
    reached = set()
    for index in states:
        reached.add(index)
        while index < len(pattern) and pattern[index] == "*":
            index += 1
            reached.add(index)
    return frozenset(reached)


def _ends(pattern: str, states: Iterable[int]) -> bool:
    """Whether ``pattern`` matches the text read so far whole (only ``*`` left after one of ``states``)."""
    return any(not pattern[index:].strip("*") for index in states)


def _open(pattern: str, states: Iterable[int]) -> bool:
    """Whether ``pattern`` matches the text read so far followed by any text at all (only ``*``, at least one, left)."""
    return any(pattern[index:] and not pattern[index:].strip("*") for index in states)


def _prefix_written_for(arn: Any) -> S3Location | str | None:
    """
    Return what :func:`object_resources` or a bucket statement wrote ``arn`` for: a prefix (its ``prefix/*``, key or
    folder marker), a bucket (its ARN), ``None`` for anything else (a wildcard, not an S3 ARN, not text).
    """
    if not isinstance(arn, str) or not arn.startswith("arn:") or ":s3:::" not in arn:
        return None
    bucket, slash, key = arn.split(":s3:::", 1)[1].partition("/")
    if not slash:
        return None if _has_wildcard(bucket) else bucket
    stem = key[:-2] if key.endswith("/*") else key.removesuffix("_$folder$")
    if not bucket or not stem or _has_wildcard(bucket + stem) or stem.endswith("/"):
        return None
    return S3Location(bucket, f"{stem}/")


def _has_wildcard(text: str) -> bool:
    """Return whether an ARN part holds a policy wildcard (``*`` or ``?``)."""
    return any(char in text for char in "*?")


def assume_role_policy(destination_role_arns: Iterable[str]) -> dict[str, Any]:
    """Return the EMR EC2 role's inline policy allowing ``sts:AssumeRole`` on exactly these roles."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": ASSUME_SID,
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": sorted(set(destination_role_arns)),
            }
        ],
    }


def key_users_statement(principal_arns: Iterable[str]) -> dict[str, Any]:
    """Return the key-policy statement making the principals key users (``Resource: *`` is this key)."""
    return {
        "Sid": KEY_USERS_SID,
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(principal_arns))},
        "Action": list(KEY_USER_ACTIONS),
        "Resource": "*",
    }


def as_list(value: Any) -> list[Any]:
    """Return a policy element that may be a single value or a list as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
