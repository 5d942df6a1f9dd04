"""
Option (a) of the AWS article: the destination bucket's policy grants the EMR account's roles access.

Pure: standard library only. Each granted principal gets its own two statements (objects under its
prefixes; ``s3:ListBucket``, ``s3:ListBucketMultipartUploads`` and ``s3:GetBucketLocation`` on the bucket), with ``Sid``s derived from the principal, so granting
or revoking one principal never touches another's statements, nor any statement the provider did
not write (a ``Deny`` included). Statements of others under a principal's ``Sid``s (what a revoke left to the
principals someone added to them) keep those: the principal's next grant takes the next free ``Sid``s derived from it.
A grant or revoke also clears the provider's statements of principals deleted since, whose ``Sid``s no ARN finds any
more.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_provider_emrfs_xacct.pure.documents import (
    BUCKET_ACTIONS,
    BUCKET_LOCATION_ACTION,
    OBJECT_ACL_ACTION,
    OBJECT_ACL_SID,
    OBJECT_ACTIONS,
    SID_PREFIX,
    as_list,
    destination_permissions_policy,
    locations_in_permissions_policy,
    object_locations,
    object_resources,
    s3_arn,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, PreconditionError
from airflow_provider_emrfs_xacct.pure.kms_keys import is_key_arn
from airflow_provider_emrfs_xacct.pure.merge import (
    aws_principals,
    find_statement,
    identity_key,
    is_wildcard,
    live_principals,
    refuse_repeated_sid,
    remove_owned_statement,
    upsert_statement,
    without_deleted_ids,
    without_identities,
)
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn, partition_of_arn

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from airflow_provider_emrfs_xacct.pure.evaluator import Request
    from airflow_provider_emrfs_xacct.pure.validation import S3Location

#: S3's limit on the size of a bucket policy.
MAX_BUCKET_POLICY_BYTES = 20 * 1024
#: Object ownership settings and who owns an object another account writes.
OWNERS = {
    "BucketOwnerEnforced": "bucket owner (ACLs are disabled)",
    "BucketOwnerPreferred": "bucket owner, when the writer sends the bucket-owner-full-control ACL",
    "ObjectWriter": (
        "the writing account (the EMR account), not the bucket owner, which the bucket-owner-full-control ACL gives "
        "full control of them"
    ),
}
#: The ownerships under which the EMR account's writes need the ``bucket-owner-full-control`` canned ACL (ACLs
#: enabled): on ``BucketOwnerPreferred`` it makes the bucket owner the owner; on ``ObjectWriter`` the writer stays the
#: owner and, without it, the bucket owner has no permission on the object (S3 User Guide, "Policy examples for ACLs":
#: "objects that Dave uploads are owned by Account B, and Account A has no permissions on these objects"; "Controlling
#: ownership of objects and disabling ACLs for your bucket"), so the ACL gives it full control.
CANNED_ACL_OWNERSHIPS = ("BucketOwnerPreferred", "ObjectWriter")
#: EMRFS setting that makes every write send ``bucket-owner-full-control``.
CANNED_ACL_PROPERTIES = {"fs.s3.canned.acl": "BucketOwnerFullControl"}
#: EMRFS setting that makes every request carry ``x-amz-request-payer: requester``, without which S3 answers 403 to any
#: requester but the bucket owner on a Requester Pays bucket (S3 User Guide, "Downloading objects from Requester Pays
#: buckets": "Bucket owners do not need to add x-amz-request-payer to their requests"; AWS Knowledge Center, "Access
#: Amazon S3 Requester Pays buckets from AWS Glue, Amazon EMR, or Amazon Athena").
REQUESTER_PAYS_PROPERTIES = {"fs.s3.useRequesterPaysHeader": "true"}
#: Inline policy on the EMR EC2 role that lets it reach the partner's bucket and key (option (a)):
#: cross-account access needs the resource's policy *and* the caller's identity policy (IAM User
#: Guide, "Cross-account policy evaluation logic"; KMS Developer Guide, "Allowing users in other
#: accounts to use a KMS key").
EMR_ROLE_POLICY_NAME = "emrfs-xacct-bucket-access"
#: The AWS managed key for S3. Its key policy cannot be changed, so no other account can use it:
#: a cross-account writer needs a customer managed key (Amazon S3 User Guide, "Using server-side
#: encryption with AWS KMS keys (SSE-KMS)": cross-account operations need a customer managed key).
AWS_MANAGED_S3_ALIAS = "alias/aws/s3"
#: The prefix of the predefined aliases of AWS managed keys, one per service (``alias/aws/ebs``).
AWS_ALIAS_PREFIX = "alias/aws/"
#: The ``SSEAlgorithm`` values that encrypt with a KMS key: SSE-KMS and DSSE-KMS (Amazon S3 API Reference,
#: "ServerSideEncryptionByDefault": "Valid Values: AES256 | aws:kms | aws:kms:dsse").
SSE_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


_OBJECTS_PREFIX = f"{SID_PREFIX}Objects"
#: The ``Sid`` of either statement of a principal's pair; group 1: the objects statement's, group 2: the digest.
_PAIR_SID = re.compile(rf"{SID_PREFIX}(Objects|List)([0-9a-f]{{12}})", re.ASCII)


#: How many pairs of ``Sid``s a principal may be written under: its own (:func:`principal_sids`), then, while
#: statements of others hold those, the next ones (:func:`_pair_sids`).
_PAIR_CHOICES = 8


def principal_sids(principal_arn: str) -> tuple[str, str]:
    """Return the ``Sid``s of the objects and list statements of one principal."""
    digest = hashlib.sha256(principal_arn.encode()).hexdigest()[:12]
    return f"{SID_PREFIX}Objects{digest}", f"{SID_PREFIX}List{digest}"


def _pair_sids(principal_arn: str, choice: int) -> tuple[str, str]:
    """The principal's ``choice``-th pair of ``Sid``s: its own (``0``), else the hash of ``ARN#choice``."""
    return principal_sids(principal_arn if choice == 0 else f"{principal_arn}#{choice}")


def _pair_for(policy: dict[str, Any] | None, principal_arn: str) -> tuple[str, tuple[str, str]]:
    """
    Return the spelling and ``Sid``s a grant writes the principal's statements under.

    Those already there for it (:func:`_held_as`; a second pair would grant it twice), else the first pair of
    ``Sid``s no statement holds: a revoke takes the role out of statements someone gave other principals too and
    leaves them to those, under the role's own ``Sid``s, which a new grant must not take over (it would drop them).
    ``policy`` is as :func:`grant` gives it, without deleted principals' IDs: a statement naming only such IDs, the
    role's own ones included once the role was deleted and created again, is no longer there to hold its ``Sid``s.
    """
    held = _held_as(policy, principal_arn)
    if held:
        return held[0]
    statements = [statement for statement in as_list((policy or {}).get("Statement")) if isinstance(statement, dict)]
    own = _pair_sids(principal_arn, 0)
    if any(
        statement.get("Sid") in own and not _names_others_only(statement, principal_arn) for statement in statements
    ):
        # Someone widened the role's own statements (to "*", its account, another kind of principal): the merge
        # refuses to write that back, naming it, rather than leaving it beside a new pair.
        return principal_arn, own
    taken = {statement.get("Sid") for statement in statements}
    for choice in range(_PAIR_CHOICES):
        sids = _pair_sids(principal_arn, choice)
        if not taken & set(sids):
            return principal_arn, sids
    raise ConflictError(
        f"the bucket policy's statements under the Sids of {principal_arn} ({', '.join(principal_sids(principal_arn))} "
        "and the ones after them) all hold other principals: move those into statements of your own, then grant again"
    )


def _names_others_only(statement: dict[str, Any], principal_arn: str) -> bool:
    """
    Whether ``statement``'s principals are other AWS principals, named one by one: none that still covers
    ``principal_arn`` (a wildcard, its account: IAM User Guide, "AWS JSON policy elements: Principal").
    """
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or set(principal) != {"AWS"} or "NotPrincipal" in statement:
        return False
    account = account_of_arn(principal_arn)
    root = f"arn:{partition_of_arn(principal_arn)}:iam::{account}:root"
    return all(
        isinstance(value, str) and not is_wildcard(value) and value not in (account, root)
        for value in as_list(principal["AWS"])
    )


def _held_as(policy: dict[str, Any] | None, principal_arn: str) -> list[tuple[str, tuple[str, str]]]:
    """
    Return ``(spelling, sids)`` of the principal's statements already in the policy, under any spelling of its name.

    IAM names are not distinguished by case, and the policy shows the role's own spelling once saved (see
    :func:`~.merge.identity_key`): ``…:role/emr_ec2_defaultrole`` finds the statements written for
    ``…:role/EMR_EC2_DefaultRole``, whose ``Sid`` comes from that spelling, also when someone added other
    principals to them (a revoke must still take the role out).

    The ``Sid`` is the hash of the spelling the grant was given, which the policy need not show: a role
    principal is saved as the role's unique ID and shown as the role's own ARN when the policy is displayed
    (IAM User Guide, "AWS JSON policy elements: Principal", IAM role principals). A hash cannot be undone, so a
    statement of the provider's listing the role is the role's own unless its ``Sid`` is the hash of another
    principal it lists (as listed, or with its name in lower case): that principal's statement, which someone
    added the role to, is not this role's. The statements whose ``Sid`` is the hash of the role's name (as
    listed, as given, or in lower case), or that list no one else, come first: a grant extends those. A statement
    of another principal whose grant was given a spelling neither listed nor in lower case cannot be told from
    the role's own; a revoke takes only the role out of it (the others keep it), so no access of the role is left
    in the provider's statements and nobody else's is taken. The list statement is judged the same way, for a pair
    whose objects statement someone took the role out of (ranked after every objects statement found). A hash
    of the role's name is also one of its later pairs' (:func:`_pair_sids`), and a statement not listing the role is
    never its own, whatever its ``Sid``.
    """
    # By rank: the objects statement found, then only the list statement (someone took the role out of the
    # objects one); each first where its Sid is the hash of the role's name or it lists no one else.
    ranked: list[tuple[int, int, str, str]] = []
    wanted = identity_key(principal_arn)
    for index, statement in enumerate(as_list((policy or {}).get("Statement"))):
        match = _PAIR_SID.fullmatch(str(statement.get("Sid"))) if isinstance(statement, dict) else None
        if match is None:
            continue
        principals = aws_principals(statement)
        spelling = next((held for held in principals if identity_key(held) == wanted), None)
        others = [held for held in principals if identity_key(held) != wanted]
        digest = match.group(2)
        if spelling is None or digest in _digests(*others):  # not listing the role, or another's statement
            continue
        sure = not others or digest in _digests(spelling, principal_arn)
        ranked.append((2 * (match.group(1) == "List") + (not sure), index, spelling, digest))
    found: dict[str, str] = {}
    for _, _, spelling, digest in sorted(ranked):
        found.setdefault(digest, spelling)
    return [
        (spelling, (f"{_OBJECTS_PREFIX}{digest}", f"{SID_PREFIX}List{digest}")) for digest, spelling in found.items()
    ]


def _digests(*principal_arns: str) -> set[str]:
    """
    The ``Sid`` digests of these principals as spelled and with their names in lower case (:func:`~.merge.identity_key`),
    of each of their pairs (:func:`_pair_sids`).
    """
    return {
        _pair_sids(str(spelling), choice)[0][len(_OBJECTS_PREFIX) :]
        for arn in principal_arns
        for spelling in (arn, identity_key(arn))
        for choice in range(_PAIR_CHOICES)
    }


def granted_locations(policy: dict[str, Any] | None, principal_arn: str) -> set[S3Location]:
    """Read back the locations the principal's object statement grants."""
    held = _held_as(policy, principal_arn)  # none: a grant writes a pair no statement holds (_pair_for)
    return object_locations(find_statement(policy, held[0][1][0])) if held else set()


def grant(
    policy: dict[str, Any] | None,
    partition: str,
    principal_arn: str,
    locations: set[S3Location],
    *,
    object_acl: bool = False,
    cleared: list[str] | None = None,
) -> dict[str, Any]:
    """
    Return the policy with the principal's statements granting ``locations`` plus what they granted before.

    The provider's statements lose the unique IDs of principals deleted since first, as on a revoke
    (:func:`without_deleted_principals`), whoever they were granted to. A role deleted and created again under the
    same ARN has a new unique ID, which the old statements do not name: they grant it nothing (IAM User Guide, "AWS
    JSON policy elements: Principal", IAM role principals). Its own ``Sid``s, holding only the old role's ID, are
    free again, and the grant writes them anew for what it is given, as a first grant does.

    :param object_acl: also allow ``s3:PutObjectAcl`` (writes carry a canned ACL); once granted it is kept.
    :param cleared: filled with what went for deleted principals (for the log).
    """
    if policy is not None:
        policy, dropped = without_deleted_principals(policy)
        if cleared is not None:
            cleared.extend(dropped)
    locations = granted_locations(policy, principal_arn) | locations
    principal_arn, (objects_sid, list_sid) = _pair_for(policy, principal_arn)
    bucket = next(iter(locations)).bucket
    ordered = sorted(locations)
    held = find_statement(policy, objects_sid) or {}
    actions = list(OBJECT_ACTIONS)
    if object_acl or OBJECT_ACL_ACTION in as_list(held.get("Action")):
        actions = sorted([*actions, OBJECT_ACL_ACTION])
    policy = upsert_statement(
        policy,
        {
            "Sid": objects_sid,
            "Effect": "Allow",
            "Principal": {"AWS": principal_arn},
            "Action": actions,
            "Resource": [arn for location in ordered for arn in object_resources(partition, location)],
        },
    )
    return upsert_statement(
        policy,
        {
            "Sid": list_sid,
            "Effect": "Allow",
            "Principal": {"AWS": principal_arn},
            # Unconditioned, as for the destination role (documents.BUCKET_ACTIONS): a HEAD of a missing key
            # answers 404 only with s3:ListBucket, else 403, and AWS does not document the listing keys that
            # check carries (s3:prefix may be absent). The EMR role's own
            # policy grants s3:GetBucketLocation (emr_role_bucket_policy), which across accounts needs this
            # policy's Allow as well (documents.BUCKET_LOCATION_ACTION).
            "Action": [*BUCKET_ACTIONS, BUCKET_LOCATION_ACTION],
            "Resource": s3_arn(partition, bucket),
        },
    )


def revoke(
    policy: dict[str, Any] | None, principal_arn: str, *, cleared: list[str] | None = None
) -> dict[str, Any] | None:
    """
    Return the policy without the principal's statements (``None`` when no statement is left).

    A statement of the principal's that someone gave other principals too keeps them: only the revoked
    principal (in every spelling of its name) is taken out of it, so the revoke ends what the provider's
    statements granted the principal and nobody else's. It does not end the access a statement of others
    keeps (:func:`kept_writes`), nor, on a bucket that is not ``BucketOwnerEnforced``, what the principal's
    account keeps to the objects it wrote and still owns (:func:`kept_object_owners`). The provider's statements also lose the unique IDs of principals deleted since
    (:func:`without_deleted_principals`), whoever they were granted to.

    :param cleared: filled with what went for deleted principals (for the log).
    """
    if policy is None:
        return None
    sids = {*principal_sids(principal_arn), *(sid for _, pair in _held_as(policy, principal_arn) for sid in pair)}
    for sid in sorted(sids):  # every spelling of the role's name (see _held_as)
        refuse_repeated_sid(policy, sid)  # which statement under it is the provider's is not known
        statement = find_statement(policy, sid)
        remaining = _principal_without(statement, principal_arn)
        if statement is None:
            continue
        if not remaining:  # what someone added (an action, a resource) is refused, not removed with the statement
            written = _as_written(policy, sid, partition_of_arn(principal_arn), statement)
            policy = remove_owned_statement(policy, written, dropping=aws_principals(statement))
            continue
        policy = copy.deepcopy(policy)
        statements = as_list(policy["Statement"])
        statements[statements.index(statement)] = {**copy.deepcopy(statement), "Principal": remaining}
        policy["Statement"] = statements
    policy, dropped = without_deleted_principals(policy)
    if cleared is not None:
        cleared.extend(dropped)
    return policy if policy.get("Statement") else None


def without_deleted_principals(policy: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """
    Return the policy without the unique IDs of deleted principals in the provider's statements, and what went.

    Once a role (or user) is deleted, a resource policy shows its unique ID (``AROA…``, ``AIDA…``) in its place, and
    the ``Sid`` the grant hashed from the spelling it was given matches no ARN any more: a revoke by the role's ARN
    could not find those statements. The ID grants nobody anything, not even a role of that name created again, whose
    ID is a new one (IAM User Guide, "AWS JSON policy elements: Principal", IAM role principals: the ARN is saved as
    the role's unique ID, shown once the role is deleted), and S3 refuses every ``PutBucketPolicy`` that keeps it (AWS
    Knowledge Center, s3-invalid-principal-in-policy-error: "confirm that the user or role wasn't deleted"). So a
    statement of the provider's pattern (:data:`_PAIR_SID`) whose ``Principal`` names only such IDs is dropped,
    whatever was added to it, and such IDs are taken out of one that still names someone else. Statements the provider
    did not write are not touched: one naming such an ID is refused by name before the write (``refuse_orphaned_ids``).
    The same clean-up as a key or trust policy's (:func:`~airflow_provider_emrfs_xacct.pure.merge.without_deleted_ids`).
    """
    return without_deleted_ids(policy, owns_pair)


def owns_pair(sid: str) -> bool:
    """Whether ``sid`` is one of the provider's pairs of a principal's statements (:data:`_PAIR_SID`)."""
    return _PAIR_SID.fullmatch(sid) is not None


class KeptWrite(NamedTuple):
    """An object a kept statement still lets the principal write: the statement, and whether it surely does."""

    resource: str
    statement: dict[str, Any]
    certain: bool


def kept_writes(
    policy: dict[str, Any] | None, principal_arn: str, bucket: str, locations: Iterable[S3Location]
) -> list[KeptWrite]:
    """
    Return each object of ``bucket`` the policy still lets the principal write, with the ``Allow`` that does.

    Asked of the policy a revoke leaves: an object under each of ``locations`` (those the principal's statements
    granted), one at the bucket's root and one each ``Resource`` of the policy names in the bucket (its wildcards
    filled in), as ``s3:PutObject``. A statement the provider did not write (naming the role, its account or
    everyone) keeps the access while the role's own policies allow it too (IAM User Guide, "Cross-account policy
    evaluation logic"). An explicit ``Deny`` ends it ("An explicit deny in any policy overrides any allows"); a
    condition, of the ``Allow`` or of a ``Deny``, is not known before a request: not ``certain``.
    """
    from airflow_provider_emrfs_xacct.pure.evaluator import Request, evaluate
    from airflow_provider_emrfs_xacct.pure.requests import PART  # "a file under the prefix", as the verifier asks

    if policy is None:
        return []
    base = f"{s3_arn(partition_of_arn(principal_arn), bucket)}/"
    resources = {f"{base}{location.prefix}{PART}" for location in locations}
    resources.add(f"{base}{PART}")
    statements = [statement for statement in as_list(policy.get("Statement")) if isinstance(statement, dict)]
    for statement in statements:
        for pattern in as_list(statement.get("Resource")):
            if isinstance(pattern, str) and pattern.startswith(base) and "${" not in pattern:
                resources.add(pattern.replace("*", "x").replace("?", "x"))
    allows = {**policy, "Statement": [statement for statement in statements if statement.get("Effect") == "Allow"]}
    kept = []
    for resource in sorted(resources):
        request = Request("s3:PutObject", resource, principal_arn, known_absent=frozenset())
        granting = evaluate([("bucket policy", allows)], request, resource_policy=True)
        if not (granting.allowed or granting.undetermined) or granting.statement is None:
            continue
        decision = evaluate([("bucket policy", policy)], request, resource_policy=True)
        if decision.allowed or decision.undetermined:
            kept.append(KeptWrite(resource, granting.statement, decision.allowed and granting.allowed))
    return kept


def kept_object_owners(
    bucket: str, object_ownership: str | None, principal_arns: Iterable[str]
) -> dict[str, Any] | None:
    """
    Say what a revoke leaves the principals through the objects their accounts wrote and still own.

    Unless the bucket is ``BucketOwnerEnforced``, an object another account writes stays that account's (on
    ``ObjectWriter``; on ``BucketOwnerPreferred`` without the ``bucket-owner-full-control`` ACL: S3 User Guide,
    "Controlling ownership of objects and disabling ACLs for your bucket"), and S3 judges a request on it in the object
    owner's context: "If the AWS account that owns the object is also the parent account to which the IAM principal
    belongs, it can configure object permissions in a user policy" (S3 User Guide, "How Amazon S3 authorizes a request
    for an object operation"). So the roles keep reading (``s3:GetObject``) and re-ACLing those objects through their
    own policies, with no ``Allow`` of the bucket policy; the revoke ends only the bucket policy's grant.

    :param object_ownership: the bucket's setting; ``None``: it could not be read.
    :return: ``None`` on a ``BucketOwnerEnforced`` bucket (the bucket owner owns every object); else
        ``{"bucket", "object_ownership", "accounts", "fix"}``.
    """
    if object_ownership == "BucketOwnerEnforced":
        return None
    return {
        "bucket": bucket,
        "object_ownership": object_ownership,
        "accounts": sorted({account_of_arn(arn) for arn in principal_arns}),
        "fix": (
            "switch the bucket to BucketOwnerEnforced (GrantBucketAccessOperator with enforce_bucket_owner=True, or "
            "PutBucketOwnershipControls), which makes the bucket owner the owner of every object, or copy those "
            "objects over themselves as the bucket owner"
        ),
    }


def kept_object_owners_warning(kept: dict[str, Any], principal_arns: Iterable[str]) -> str:
    """The WARNING for what :func:`kept_object_owners` found."""
    ownership, bucket = kept["object_ownership"], kept["bucket"]
    setting = (
        f"Bucket {bucket} has {ownership} ownership"
        if ownership is not None
        else f"The object ownership of bucket {bucket} could not be read, so it may not be BucketOwnerEnforced"
    )
    return (
        f"{setting}: objects that account {', '.join(kept['accounts'])} wrote there (unless "
        "written with the bucket-owner-full-control ACL on BucketOwnerPreferred) keep that account as their owner, "
        f"and {', '.join(sorted(principal_arns))} and the account's other roles keep reading (s3:GetObject) and "
        're-ACLing them through their own policies, with no Allow of the bucket policy (S3 User Guide, "How Amazon '
        "S3 authorizes a request for an object operation\"). The revoke ended only the bucket policy's grant. To end "
        f"that access: {kept['fix']}"
    )


def _as_written(policy: dict[str, Any], sid: str, partition: str, statement: dict[str, Any]) -> dict[str, Any]:
    """
    The principal's statement ``sid`` as :func:`grant` writes it at its widest (with ``s3:PutObjectAcl``).

    Its resources are those of the locations its objects statement grants; with no location to read them from,
    those the statement holds (its actions are still checked).
    """
    objects_sid = f"{_OBJECTS_PREFIX}{sid[-12:]}"
    locations = object_locations(find_statement(policy, objects_sid))
    if locations:
        written = as_list(
            grant(None, partition, "arn:aws:iam::000000000000:role/shape", locations, object_acl=True)["Statement"]
        )
        shape = written[0] if sid == objects_sid else written[1]
        return {**shape, "Sid": sid, "Principal": statement.get("Principal")}
    actions = (
        sorted([*OBJECT_ACTIONS, OBJECT_ACL_ACTION])
        if sid == objects_sid
        else [*BUCKET_ACTIONS, BUCKET_LOCATION_ACTION]
    )
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": statement.get("Principal"),
        "Action": actions,
        "Resource": statement.get("Resource"),
    }


def _principal_without(statement: dict[str, Any] | None, principal_arn: str) -> dict[str, Any]:
    """
    The ``Principal`` of ``statement`` without ``principal_arn`` (any spelling) and deleted principals' IDs.

    Empty when nobody else is left. A ``Principal`` that is not a mapping (``"*"``, put there by hand) is
    refused: the provider writes its statements for one role, and cannot tell what revoking would mean.
    """
    if statement is None:
        return {}
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        raise ConflictError(
            f"statement {statement.get('Sid')!r} grants {principal!r}, not {principal_arn} alone: revoking it would "
            "take the others' access away; move them into a statement of your own, then revoke again"
        )
    remaining = dict(principal)
    others = live_principals(without_identities(as_list(principal.get("AWS")), [principal_arn]))
    # A wildcard (``{"AWS": "*"}`` is everyone, as ``"*"``: IAM User Guide, "AWS JSON policy elements:
    # Principal") or the role's own account still grants the role: taking its ARN out revokes nothing.
    account = account_of_arn(principal_arn)
    root = f"arn:{partition_of_arn(principal_arn)}:iam::{account}:root"
    covering = [value for value in others if is_wildcard(value) or value in (account, root)]
    if covering:
        raise ConflictError(
            f"statement {statement.get('Sid')!r} grants {covering[0]!r}, which still covers {principal_arn}: revoking "
            "the role from it would leave its access; move that principal into a statement of your own (or remove "
            "it), then revoke again"
        )
    if others:
        remaining["AWS"] = others if len(others) > 1 else others[0]
    else:
        remaining.pop("AWS", None)
    return remaining


def ownership_report(
    bucket: str, object_ownership: str, *, canned_acl_required: bool = False, requester_pays: bool = False
) -> dict[str, Any]:
    """
    Say who will own the objects the EMR account writes, and which EMRFS settings its requests need.

    :param canned_acl_required: the bucket policy refuses the principal's uploads without ``bucket-owner-full-control``
        (:func:`requires_canned_acl`): the setting is needed whatever the ownership.
    :param requester_pays: the bucket is Requester Pays (``GetBucketRequestPayment`` ``Payer`` ``Requester``): EMRFS
        must send the header (:data:`REQUESTER_PAYS_PROPERTIES`), and the report says ``requester_pays: True``.
    """
    send_acl = canned_acl_required or object_ownership in CANNED_ACL_OWNERSHIPS
    report: dict[str, Any] = {
        "bucket": bucket,
        "object_ownership": object_ownership,
        "objects_owned_by": OWNERS[object_ownership],
        "emrfs_site_properties": {
            **(CANNED_ACL_PROPERTIES if send_acl else {}),
            **(REQUESTER_PAYS_PROPERTIES if requester_pays else {}),
        },
    }
    if requester_pays:
        report["requester_pays"] = True
    return report


def restricted_public_policy_warning(bucket: str, on_for: str, statements: list[str], principals: list[str]) -> str:
    """
    The WARNING of a grant S3 does not apply: the policy is public while ``RestrictPublicBuckets`` is on (S3 API
    Reference, "PublicAccessBlockConfiguration", ``RestrictPublicBuckets``: "public and cross-account access within any
    public bucket policy, including non-public delegation to specific accounts, is blocked").
    """
    return (
        f"The policy of bucket {bucket} grants {', '.join(principals)}, but S3 does not apply that grant: Block Public "
        f"Access RestrictPublicBuckets is on for {on_for} and S3 calls the policy public, which blocks every "
        "cross-account access the policy grants, to named accounts and roles too (S3 API Reference, "
        '"PublicAccessBlockConfiguration"), so the EMR EC2 role\'s requests are refused. It is public through its '
        f"statements that allow principals that are not fixed: {'; '.join(statements)}. Make those statements "
        'non-public (fixed principals, or a condition limiting them to fixed values: S3 User Guide, "Blocking public '
        'access to your Amazon S3 storage", "The meaning of \'public\'") or remove them, or turn RestrictPublicBuckets '
        f"off for {on_for} (S3 applies the most restrictive of the bucket's and the account's settings)"
    )


def requires_canned_acl(
    policy: dict[str, Any] | None, principal_arn: str, bucket: str, locations: Iterable[S3Location]
) -> bool:
    """
    Whether a ``Deny`` of the bucket policy refuses the principal's uploads under ``locations`` without the
    ``bucket-owner-full-control`` canned ACL, and lets them by with it.

    The statement AWS recommends for a bucket that is ``BucketOwnerPreferred`` ("update your bucket policy to require
    the bucket-owner-full-control canned ACL for all PUT requests": S3 User Guide, "Disabling ACLs for all new buckets
    and enforcing Object Ownership"), which stays when the bucket is switched to ``BucketOwnerEnforced``; S3 takes
    that ACL on such a bucket ("All S3 PUT requests must either specify the bucket-owner-full-control canned ACL or
    not specify an ACL", S3 User Guide, "Troubleshooting" of Object Ownership). Only the ACL is known of the
    request: a ``Deny`` that may refuse it without the ACL (its other conditions not known here) and surely does not
    with it makes the ACL required, sending it being harmless; one the ACL does not change does not. Required is not
    sufficient: ``UploadPart`` and ``CompleteMultipartUpload`` carry no ACL, so such a ``Deny`` still refuses EMRFS's
    multipart uploads (:func:`still_refused` names it).
    """
    from airflow_provider_emrfs_xacct.pure.evaluator import Request, evaluate
    from airflow_provider_emrfs_xacct.pure.requests import PART

    if policy is None:
        return False
    statements = [statement for statement in as_list(policy.get("Statement")) if isinstance(statement, dict)]
    # Each Deny alone, beside an Allow of everything: what refuses the upload, and what only may (undetermined). One
    # at a time: another Deny the ACL does not change (HTTPS only, an encryption header) says nothing of this one.
    everything = {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}
    denies = [statement for statement in statements if statement.get("Effect") == "Deny"]
    base = f"{s3_arn(partition_of_arn(principal_arn), bucket)}/"
    for location in locations:
        resource = f"{base}{location.prefix}{PART}"
        bare_request = Request(
            "s3:PutObject", resource, principal_arn, known_absent=frozenset({"s3:x-amz-acl", *GRANT_HEADER_KEYS})
        )
        acl_request = Request(
            "s3:PutObject",
            resource,
            principal_arn,
            {"s3:x-amz-acl": "bucket-owner-full-control"},
            known_absent=frozenset(GRANT_HEADER_KEYS),
        )
        for deny in denies:
            alone = [("bucket policy", {**policy, "Statement": [deny, everything]})]
            bare = evaluate(alone, bare_request, resource_policy=True)
            with_acl = evaluate(alone, acl_request, resource_policy=True)
            maybe_refused_bare = bare.undetermined or not bare.allowed
            surely_let_by_with_acl = with_acl.allowed and not with_acl.undetermined
            if maybe_refused_bare and surely_let_by_with_acl:
                return True
    return False


#: The upload headers (condition keys) whose absence the grant knows of EMRFS's writes: ``UploadPart`` carries none of
#: them ("x-amz-acl" is not among its headers: aws/aws-cli#1674; its encryption is CreateMultipartUpload's: S3 API
#: Reference, UploadPart), nor does ``CompleteMultipartUpload`` (its headers are the SSE-C key's, the checksums and
#: ``If-Match``/``If-None-Match``: S3 API Reference, CompleteMultipartUpload), and the ``emrfs_site_properties`` the
#: grant returns ask for no encryption header, so the uploads they configure rely on the bucket's default encryption.
#: Lower case, as condition keys compare.
UPLOAD_HEADER_KEYS = (
    "s3:x-amz-acl",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
)
#: The ACL grant headers (condition keys) EMRFS never sends: its one ACL setting is the canned ACL, ``x-amz-acl``
#: (``fs.s3.canned.acl``), so a condition that needs one of them (S3 User Guide, "Policy examples for ACLs", "Require
#: the x-amz-full-control header") is never met by its requests. The verifier reads the same list
#: (``pure/checks/contexts.py``). Lower case, as condition keys compare.
GRANT_HEADER_KEYS = (
    "s3:x-amz-grant-full-control",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-write-acp",
)
#: The condition key that tells an upload's requests apart (S3 User Guide, "Enforce conditional writes on Amazon S3
#: buckets"), lower case.
OBJECT_CREATION_KEY = "s3:objectcreationoperation"


class UploadRequest(NamedTuple):
    """
    A request of EMRFS's uploads S3 authorizes as ``s3:PutObject``: whether it carries the upload headers. Its
    ``s3:ObjectCreationOperation`` is :data:`~.requests.OBJECT_CREATION_OPERATION`'s (not there: not ``true``, but
    whether ``false`` or absent is not documented).
    """

    operation: str
    headers: bool


#: EMRFS's upload requests, all authorized as ``s3:PutObject`` (Service Authorization Reference, "Actions, resources,
#: and condition keys for Amazon S3"; S3 User Guide, "Multipart upload API and permissions"). By their
#: ``s3:ObjectCreationOperation`` (:data:`~.requests.OBJECT_CREATION_OPERATION`), exempting the multipart requests by
#: that key still refuses ``CompleteMultipartUpload``, which carries it ``true`` and no upload header: every multipart
#: upload fails at its completion.
UPLOAD_REQUESTS = (
    UploadRequest("PutObject", headers=True),
    UploadRequest("CreateMultipartUpload", headers=True),
    UploadRequest("UploadPart", headers=False),
    UploadRequest("CompleteMultipartUpload", headers=False),
)
#: What a partner can change so that EMRFS's multipart uploads pass a Deny on an upload header (the provider keeps a
#: statement it did not write). Exempting requests by ``s3:ObjectCreationOperation`` does not do it: the key cannot
#: tell ``CompleteMultipartUpload`` from ``PutObject``.
MULTIPART_FIX = (
    "the partner denies only a header present and wrong: the same key also under Null false, which a request without "
    "the header does not meet, so that uploads without it take the bucket's default encryption (for x-amz-acl: or the "
    "bucket is switched to BucketOwnerEnforced, enforce_bucket_owner=True, where the bucket owner owns every object "
    "whatever the ACL, and the Deny is removed). Exempting the multipart requests with the s3:ObjectCreationOperation "
    'condition key does not do (S3 User Guide, "Enforce conditional writes on Amazon S3 buckets": it exempts only '
    "CreateMultipartUpload, UploadPart and UploadPartCopy): CompleteMultipartUpload carries it true, as PutObject "
    "does, and no x-amz-acl nor encryption header, so every multipart upload is refused at its completion. The "
    "provider does not change a statement it did not write"
)
#: The same for an upload that carries the headers (PutObject, CreateMultipartUpload) and relies on the bucket's
#: default encryption.
HEADER_FIX = (
    "the partner denies only a header present and wrong (the same key also under Null false), so that uploads without "
    "it take the bucket's default encryption; the cluster sending the header (emrfs-site "
    "fs.s3.enableServerSideEncryption, with fs.s3.serverSideEncryption.kms.keyId for SSE-KMS) lets PutObject and "
    "CreateMultipartUpload by, never UploadPart nor CompleteMultipartUpload, which carry no such header; the provider "
    "does not change a statement it did not write"
)
#: The same for a Deny on an ACL grant header (:data:`GRANT_HEADER_KEYS`), which no EMRFS request carries.
GRANT_FIX = (
    "EMRFS cannot send an x-amz-grant-* header (its one ACL setting, fs.s3.canned.acl, sends the canned ACL, "
    'x-amz-acl): the partner accepts x-amz-acl: bucket-owner-full-control instead (S3 User Guide, "Policy examples '
    'for ACLs", "Granting s3:PutObject permission with a condition on the x-amz-acl header"), denying only an '
    "x-amz-acl present and other (the key also under Null false), since UploadPart and CompleteMultipartUpload carry "
    "no ACL, or drops the condition; the provider does not change a statement it did not write"
)
#: The same for a Deny that refuses whatever the request's upload headers.
OTHER_FIX = "the partner narrows that Deny; the provider does not change a statement it did not write"


def still_refused(
    policy: dict[str, Any] | None,
    principal_arn: str,
    bucket: str,
    locations: Iterable[S3Location],
    *,
    canned_acl: bool,
) -> list[dict[str, Any]]:
    """
    Name each ``Deny`` of ``policy`` that still refuses a request of the principal's EMRFS uploads.

    Judged with the provider's evaluator, as :func:`requires_canned_acl` judges the ACL: ``PutObject`` and
    ``CreateMultipartUpload`` with the ``bucket-owner-full-control`` canned ACL when ``canned_acl`` (else without)
    and no encryption header (the settings the grant returns ask for none), ``UploadPart`` and
    ``CompleteMultipartUpload`` with neither, known absent (:data:`UPLOAD_HEADER_KEYS`), each with its
    ``s3:ObjectCreationOperation`` (:data:`UPLOAD_REQUESTS`; one not documented is judged both ``false`` and absent).
    For a negated operator an absent key makes the condition true (IAM User Guide, "IAM JSON policy elements: Condition
    operators"), so a ``Deny`` of ``s3:PutObject`` unless ``s3:x-amz-acl`` is ``bucket-owner-full-control`` refuses
    every ``UploadPart`` and ``CompleteMultipartUpload``: sending the ACL does not suffice, nor does exempting the
    multipart requests by ``s3:ObjectCreationOperation``. Only a ``Deny`` that surely applies is named; one depending
    on a key the grant cannot know (``aws:SecureTransport``) is left to the verifier.

    :return: ``{"statement": Sid or index, "request", "s3_prefixes", "why", "fix"}`` per statement and request.
    """
    if policy is None:
        return []
    statements = as_list(policy.get("Statement"))
    denies = [(index, deny) for index, deny in enumerate(statements) if isinstance(deny, dict)]
    found: dict[tuple[Any, str], dict[str, Any]] = {}
    for location in sorted(locations):
        for upload in UPLOAD_REQUESTS:
            requests = _upload_requests(principal_arn, bucket, location, upload, canned_acl=canned_acl)
            for index, deny in denies:
                if deny.get("Effect") != "Deny" or not _surely_denies(policy, deny, requests):
                    continue
                name = deny.get("Sid") or index
                entry = found.setdefault((name, upload.operation), _refusal(name, upload, deny, requests[0].context))
                entry["s3_prefixes"].append(location.uri)
    return list(found.values())


def _surely_denies(policy: dict[str, Any], deny: dict[str, Any], requests: list[Request]) -> bool:
    """Whether ``deny`` alone, beside an Allow of every upload, explicitly refuses every one of ``requests``."""
    from airflow_provider_emrfs_xacct.pure.evaluator import EXPLICIT_DENY, evaluate

    everything = {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}
    alone = [("bucket policy", {**policy, "Statement": [deny, everything]})]
    return all(evaluate(alone, request, resource_policy=True).reason == EXPLICIT_DENY for request in requests)


def _upload_requests(
    principal_arn: str, bucket: str, location: S3Location, upload: UploadRequest, *, canned_acl: bool
) -> list[Request]:
    """
    The evaluator's requests for ``upload`` of a file under ``location``, its headers known sent or absent: one with
    its ``s3:ObjectCreationOperation``, or, where that is not documented, one with ``false`` and one without the key.
    """
    from airflow_provider_emrfs_xacct.pure.evaluator import Request as EvaluatorRequest
    from airflow_provider_emrfs_xacct.pure.requests import OBJECT_CREATION_OPERATION, PART

    context = {"s3:x-amz-acl": "bucket-owner-full-control"} if upload.headers and canned_acl else {}
    resource = f"{s3_arn(partition_of_arn(principal_arn), bucket)}/{location.prefix}{PART}"
    absent = frozenset(key for key in (*UPLOAD_HEADER_KEYS, *GRANT_HEADER_KEYS) if key not in context)
    documented = OBJECT_CREATION_OPERATION.get(upload.operation)
    creation = [documented] if documented is not None else ["false", None]
    return [
        EvaluatorRequest(
            "s3:PutObject",
            resource,
            principal_arn,
            {**context, OBJECT_CREATION_KEY: value} if value is not None else context,
            known_absent=absent if value is not None else absent | {OBJECT_CREATION_KEY},
        )
        for value in creation
    ]


def _refusal(name: Any, upload: UploadRequest, deny: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """Say why ``deny`` refuses ``upload`` and what the partner can change."""
    tested = _tested_keys(deny, UPLOAD_HEADER_KEYS)
    grants = _tested_keys(deny, GRANT_HEADER_KEYS)
    missing = [key for key in tested if key not in context] + grants
    operation = upload.operation
    if missing:
        carried = (
            "the settings returned ask EMRFS for no encryption header (its uploads rely on the bucket's default "
            "encryption)"
            if upload.headers
            else f"{operation} carries no x-amz-acl nor encryption header ({_NO_HEADERS[operation]})"
        )
        why = (
            f"it refuses a request without {', '.join(missing)} (for a negated operator, ...IfExists or Null true, "
            f'an absent key meets the condition: IAM User Guide, "IAM JSON policy elements: Condition operators"); '
            f"{'EMRFS never sends an x-amz-grant-* header' if grants else carried}"
        )
        fix = GRANT_FIX if grants else HEADER_FIX if upload.headers else MULTIPART_FIX
        return {"statement": name, "request": operation, "s3_prefixes": [], "why": why, "fix": fix}
    why = (
        "the bucket-owner-full-control canned ACL EMRFS sends does not meet it"
        if tested
        else "it refuses the request whatever its upload headers"
    )
    return {"statement": name, "request": operation, "s3_prefixes": [], "why": why, "fix": OTHER_FIX}


def _tested_keys(deny: dict[str, Any], keys: Iterable[str]) -> list[str]:
    """The keys of ``keys`` a condition of ``deny`` tests, lower case, sorted."""
    condition = deny.get("Condition")
    wanted = set(keys)
    return sorted(
        {
            key.lower()
            for pairs in (condition.values() if isinstance(condition, dict) else ())
            if isinstance(pairs, dict)
            for key in pairs
            if key.lower() in wanted
        }
    )


#: Where AWS says a request without the upload headers has none (:data:`UPLOAD_HEADER_KEYS`), and what it carries.
_NO_HEADERS = {
    "UploadPart": "aws/aws-cli#1674",
    "CompleteMultipartUpload": "S3 API Reference, CompleteMultipartUpload; it carries s3:ObjectCreationOperation "
    'true, as PutObject does: S3 User Guide, "Enforce conditional writes on Amazon S3 buckets"',
}


def still_refused_warning(bucket: str, principal_arn: str, refusals: list[dict[str, Any]]) -> str:
    """The WARNING for what :func:`still_refused` found: the grant alone does not make these uploads pass."""
    named = "; ".join(
        f"statement {entry['statement']!r} refuses {entry['request']}: {entry['why']}" for entry in refusals
    )
    fixes = " / ".join(dict.fromkeys(entry["fix"] for entry in refusals))
    return (
        f"The policy of bucket {bucket} still refuses uploads by {principal_arn} whatever this grant (and the "
        f"canned ACL it may ask for) does, so EMRFS's writes fail: {named}. Fix: {fixes}"
    )


def predefined_alias_service(key_id: str | None) -> str | None:
    """
    The AWS service whose predefined alias ``key_id`` names (``s3`` for ``alias/aws/s3`` or its alias ARN), else
    ``None``: "The alias/aws/ prefix is reserved for AWS managed keys" (AWS KMS API Reference, CreateAlias,
    ``AliasName``), one per service ("AWS managed keys", AWS KMS Developer Guide).
    """
    if not key_id:
        return None
    name = key_id.split(":", 5)[5] if key_id.startswith("arn:") and key_id.count(":") >= 5 else key_id
    return name.removeprefix(AWS_ALIAS_PREFIX) if name.startswith(AWS_ALIAS_PREFIX) else None


def is_alias_arn(key_id: str | None) -> bool:
    """Whether ``key_id`` is a KMS alias ARN (``arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME``)."""
    parts = (key_id or "").split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "kms" and parts[5].startswith("alias/")


def names_s3_managed_key(s3_alias_target: str | None, metadata: dict[str, Any]) -> bool:
    """
    Whether ``alias/aws/s3`` names the AWS managed key ``DescribeKey`` described (``metadata``): its ``TargetKeyId``
    (``ListAliases``) is the key's id or ARN. AWS has one managed key per service ("AWS managed keys", AWS KMS
    Developer Guide); another service's (``aws/ebs``) is not S3's (the verifier's rule, ``verify._read_bucket_key``).
    """
    return bool(s3_alias_target) and s3_alias_target in (metadata.get("KeyId"), metadata.get("Arn"))


def other_service_key_problem(key: str) -> str:
    """
    Why S3 can never encrypt with an AWS managed key of another service (``aws/ebs``): "When a service uses AWS owned
    keys or AWS managed keys, the service establishes and maintains the key policies" (AWS KMS Developer Guide,
    "Permissions for AWS services in key policies"), and the ones AWS shows let only that service use it
    (``kms:ViaService``: AWS KMS Developer Guide, "kms:ViaService"); "you can only change the key policy for a
    customer managed key" (AWS KMS Developer Guide, "Change a key policy").
    """
    return (
        f"{key}, the AWS managed key of another AWS service than S3: its key policy, which AWS keeps and nobody may "
        "change, lets only that service use it (kms:ViaService), so S3 cannot encrypt with it for anyone"
    )


def refuse_unusable_bucket_key(
    bucket: str,
    algorithm: str | None,
    key_id: str | None,
    key_manager: str | None,
    *,
    s3_managed: bool | None = True,
) -> None:
    """
    Refuse a bucket whose default encryption no other account can write with.

    :param algorithm: the default encryption's ``SSEAlgorithm`` (``None`` without default encryption).
    :param key_id: its ``KMSMasterKeyID`` as stored (``None``: the AWS managed key ``aws/s3``).
    :param key_manager: ``DescribeKey``'s ``KeyManager`` for the key (``AWS`` or ``CUSTOMER``), if read.
    :param s3_managed: for a ``KeyManager`` ``AWS`` key, whether ``alias/aws/s3`` names it
        (:func:`names_s3_managed_key`); ``False``: another service's; ``None``: not known (``ListAliases`` refused).
    :raises PreconditionError: naming ``s3_prefixes``: an AWS managed key, ``aws/s3`` (by default, alias or ARN) or
        another service's (by its predefined alias, or described so), whose policy cannot be changed; or a key named
        by alias name or bare key id, which S3 resolves in the *writer's* account for a cross-account write
        (Amazon S3 API Reference, ServerSideEncryptionByDefault, KMSMasterKeyID); or an ARN that is neither a key
        ARN nor an alias ARN, which names no KMS key.
    """
    if algorithm not in SSE_KMS_ALGORITHMS:
        return
    where = f"bucket {bucket} is encrypted by default with"
    fix = (
        "Encrypt the bucket with a customer managed key (PutBucketEncryption with its key ARN) and make the EMR EC2 "
        "role a user of that key"
    )
    service = "s3" if key_id is None else predefined_alias_service(key_id)
    if service is None and key_manager == "AWS":
        if s3_managed is None:
            raise PreconditionError(
                f"{where} {key_id}, an AWS managed key (aws/s3, or another service's: kms:ListAliases was refused, "
                "so which is not known): its key policy cannot be changed, so the EMR account can never use it. "
                f"{fix}",
                field="s3_prefixes",
            )
        service = "s3" if s3_managed else "another"
    if key_id is None or service == "s3":
        raise PreconditionError(
            f"{where} the AWS managed key aws/s3 ({key_id or 'no KMSMasterKeyID'}): its key policy cannot be "
            f"changed, so the EMR account can never use it. {fix}",
            field="s3_prefixes",
        )
    if service is not None:
        raise PreconditionError(f"{where} {other_service_key_problem(key_id)}. {fix}", field="s3_prefixes")
    if not key_id.startswith("arn:"):
        raise PreconditionError(
            f"{where} KMS key {key_id!r} named by alias or key id: S3 resolves it in the writer's account for a "
            "cross-account write. Set the bucket's default encryption to the key's full ARN",
            field="s3_prefixes",
        )
    if not (is_key_arn(key_id) or is_alias_arn(key_id)):
        # A KMS key is named by its key id, key ARN, alias name or alias ARN (AWS KMS API Reference, DescribeKey,
        # KeyId; AWS KMS Developer Guide, "Key identifiers (KeyId)"); S3 does not check the value it stores (Amazon S3
        # API Reference, PutBucketEncryption), so any other ARN names no key S3 could encrypt with.
        raise PreconditionError(
            f"{where} {key_id!r} (KMSMasterKeyID), an ARN that is neither a KMS key ARN "
            "(arn:PARTITION:kms:REGION:ACCOUNT:key/ID) nor an alias ARN (…:alias/NAME), so it names no KMS key. "
            f"{fix}",
            field="s3_prefixes",
        )


def emr_role_bucket_policy(
    partition: str, locations: set[S3Location], kms_key_arns: set[str], *, object_acl: bool = False
) -> dict[str, Any]:
    """
    Return the EMR EC2 role's identity policy for option (a): the bucket actions and the key's use.

    The same least-privilege shape as the destination role's policy (objects under the prefixes, listing
    of the whole bucket, the bucket's location, the key-user actions on the keys), plus ``s3:PutObjectAcl``
    when writes carry a canned ACL.
    """
    return destination_permissions_policy(partition, locations, kms_key_arns, object_acl=object_acl)


def emr_role_policy_holds(policy: dict[str, Any] | None) -> tuple[set[S3Location], set[str], bool]:
    """Read back what :func:`emr_role_bucket_policy` granted (prefixes, keys, whether the ACL action)."""
    locations, keys = locations_in_permissions_policy(policy)
    return locations, keys, find_statement(policy, OBJECT_ACL_SID) is not None


#: The principal kinds S3 counts as fixed, given values without a wildcard or a policy variable (S3 User Guide,
#: "Blocking public access to your Amazon S3 storage", "The meaning of 'public'": "A fixed AWS principal, user, role,
#: or service principal"; its example grant to ``{"Federated": "graph.facebook.com"}`` is public).
_FIXED_PRINCIPAL_KINDS = frozenset({"AWS", "Service"})


def _fixed_principal(statement: Mapping[str, Any]) -> bool:
    """Whether a statement's ``Principal`` names fixed AWS or service principals only (no ``NotPrincipal``)."""
    principal = statement.get("Principal")
    if "NotPrincipal" in statement or not isinstance(principal, dict) or not principal:
        return False
    return all(
        kind in _FIXED_PRINCIPAL_KINDS
        and bool(as_list(values))
        and all(isinstance(value, str) and not is_wildcard(value) and "${" not in value for value in as_list(values))
        for kind, values in principal.items()
    )


def open_statements(policy: Mapping[str, Any] | None) -> list[str]:
    """
    Name the ``Allow`` statements of a bucket policy whose principals are not fixed ones: those that can make S3 call it
    public (S3 User Guide, "Blocking public access to your Amazon S3 storage", "The meaning of 'public'": a policy
    is non-public only if it grants "only to fixed values", a fixed principal or one of the listed condition keys).

    Each by its ``Sid``, else its text (cut at 160 characters); one with a ``Condition`` is said to be public unless that
    condition limits it to fixed values, which is left to S3 (``GetBucketPolicyStatus``).
    """
    named = []
    for statement in as_list((policy or {}).get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or _fixed_principal(statement):
            continue
        text = json.dumps(statement, sort_keys=True)
        name = (
            f"Sid {statement['Sid']!r}" if statement.get("Sid") else (text if len(text) <= 160 else f"{text[:157]}...")
        )
        if "Condition" in statement:
            name += " (public unless its Condition limits it to fixed values)"
        named.append(name)
    return named
