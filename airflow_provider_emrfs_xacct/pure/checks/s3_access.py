"""
Each step of an EMRFS write under a prefix is allowed: the destination permissions and the bucket policy.

Every request of :data:`~airflow_provider_emrfs_xacct.pure.requests.WRITE_REQUESTS` is sent as the role
EMRFS routes it to (:mod:`~airflow_provider_emrfs_xacct.pure.checks.routing`) and evaluated against that
role's identity policies, its boundary and the bucket policy; one link per step. On a Requester Pays bucket
a role of another account is refused unless EMRFS sends ``x-amz-request-payer`` (:func:`requester_pays`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    COPY_KEYS,
    COPY_SOURCE_KEY,
    PROBE_KMS_CALLS,
    PROBE_S3_CALLS,
    REQUESTER_PAYS_HEADER,
    S3A_REQUESTER_PAYS,
    UPLOAD_HEADER_KEYS,
    VALUE_NOT_KNOWN,
    KmsUse,
    acl_readings,
    as_action,
    canned_acl_doubts,
    encryption_context_is_bucket,
    has_condition_on,
    identity_side,
    one_canned_acl_fix,
    s3_deciding_policies,
    s3_policies_named,
    s3_policies_unread,
    s3_request,
    sends_requester_pays_header,
)
from airflow_provider_emrfs_xacct.pure.checks.endpoints import s3_endpoint_decision
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    PROBE_FIX,
    PROBE_RENAME_LINK,
    UNKNOWN,
    WARN,
    Evaluated,
    Link,
    cite,
    condition_shown,
    names_a_deny,
    not_settled_by_probe,
    some_keys_only,
    unmet_fix,
)
from airflow_provider_emrfs_xacct.pure.checks.grant_fixes import bucket_policy_fix, prefix_identity_fix
from airflow_provider_emrfs_xacct.pure.checks.per_node import (
    per_node_doubt,
    time_doubt,
    unsettled_in_time,
    unsettled_per_node,
)
from airflow_provider_emrfs_xacct.pure.checks.routing import route, routed_role, routed_writer
from airflow_provider_emrfs_xacct.pure.checks.state import PROBE_KEY, Unreadable
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.endpoint_policy import ENDPOINT_SOURCE, through_endpoint
from airflow_provider_emrfs_xacct.pure.evaluator import (
    IMPLICIT_DENY,
    UNDETERMINED,
    Decision,
    Request,
    evaluate_access,
    resource_match,
    wildcard_match,
)
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.key_scope import S3_PREFIX, Keys, Policy, Telling, first_telling
from airflow_provider_emrfs_xacct.pure.merge import parse_document
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts
from airflow_provider_emrfs_xacct.pure.requests import (
    OBJECT_ACL_ACTION,
    RENAME_STEP,
    RENAMING_JOBS,
    STEPS,
    WRITE_REQUESTS,
    S3Call,
    expand_key,
    under_prefix,
)
from airflow_provider_emrfs_xacct.pure.validation import S3Location, account_of_arn, partition_of_arn

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, RoleState


#: The S3 operations of the probe's requests (:data:`~.contexts.PROBE_REQUESTS`): its getFileStatus, put and rename.
PROBE_OPERATIONS = frozenset({"HeadObject", "ListObjectsV2", "PutObject", "CopyObject"})
#: Condition keys that tell apart the operations of one action: ``s3:ObjectCreationOperation`` (S3 User Guide,
#: "Enforce conditional writes on Amazon S3 buckets": a policy must "specify the s3:ObjectCreationOperation condition
#: key to exempt the CreateMultipartUpload, UploadPart, and UploadPartCopy operations"). A statement testing it may
#: decide a multipart upload otherwise than the probe's PutObject (lower case, as :func:`has_condition_on` takes them).
OPERATION_KEYS = frozenset({"s3:objectcreationoperation"})
#: The actions :data:`OPERATION_KEYS` may tell operations apart in: the same page documents the key for object uploads
#: only (PutObject, CopyObject, CompleteMultipartUpload, and the multipart operations it exempts), which S3 authorizes
#: as ``s3:PutObject`` (Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3"), and
#: an upload's canned ACL as ``s3:PutObjectAcl`` (whether that request carries the key is not documented: counted).
#: A read is no object creation: the probe's HEAD and the job's GET are both ``s3:GetObject``, alike to every key.
OPERATION_KEY_ACTIONS = frozenset({"s3:PutObject", OBJECT_ACL_ACTION})
#: The condition keys a listing sets from its own parameters: ``s3:prefix``, ``s3:delimiter`` and ``s3:max-keys`` are
#: keys of the ``s3:ListBucket`` request (Service Authorization Reference, "Actions, resources, and condition keys for
#: Amazon S3"), and IAM decides each request on its own context (IAM User Guide, "Policy evaluation logic"). The
#: probe's listing (of ``PREFIX<probe key>/<uuid>/``, with the delimiter and max-keys its ``hadoop fs`` sends) never
#: has a job's prefix, so a statement testing one of them may decide a job's listing otherwise than the probe's, and
#: the root listing's ``s3:prefix`` is not known at all (:func:`~.contexts.s3_request`). Lower case, as
#: :func:`has_condition_on` takes them.
LISTING_KEYS = frozenset({"s3:prefix", "s3:delimiter", "s3:max-keys"})
#: The action S3 authorizes a listing (``ListObjectsV2``) as.
LISTING_ACTION = "s3:ListBucket"
#: What is not known of the ``s3:ListBucket`` S3 checks before answering 404 (not 403) to a HEAD or GET of a missing
#: key (S3 API Reference, HeadObject, "Permissions": "If you have the s3:ListBucket permission on the bucket, Amazon S3
#: returns an HTTP status code 404 ... If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status
#: code 403"): the page, and no other AWS page, says which of :data:`LISTING_KEYS` that implied check carries, nor with
#: which values (review J39: it was judged with all three absent).
LISTING_KEYS_404_UNKNOWN = (
    "a condition on s3:prefix, s3:delimiter or s3:max-keys, which AWS does not document for the s3:ListBucket S3 "
    'checks before this 404 (HeadObject, "Permissions")'
)
#: How the fix of a step left not checked on :data:`LISTING_KEYS_404_UNKNOWN` begins (:func:`_listing_keys_404_fix`).
LISTING_KEYS_404_FIX = (
    "AWS does not document whether the s3:ListBucket behind a missing key's 404 carries s3:prefix, s3:delimiter or "
    "s3:max-keys, nor with which values"
)
#: The probe's part of that fix, where a passing probe settles the step: its HEAD of a missing key meets the same check
#: (:data:`~.contexts.PROBE_REQUESTS`), and no statement tests the value of ``s3:prefix`` (:meth:`_Prefix.probe_sends`).
LISTING_KEYS_404_PROBE = "run the live probe (probe=True), whose HEAD of a missing key S3 checks the same way"
#: The condition keys whose value in that check may depend on the key HEADed (were S3 to fill ``s3:prefix`` from it,
#: which no page says it does or does not): the probe's HEAD, of its own key, is never the job's.
LISTING_KEYS_BY_KEY = frozenset({"s3:prefix"})


@dataclass
class PrefixAccess:
    """What the steps found under one prefix: a link per step, the roles that write, their KMS uses."""

    links: list[Link] = field(default_factory=list)
    #: The roles that put objects, by ARN (for the objects' owner), those whose policies could not be read among them.
    writers: dict[str, RoleState] = field(default_factory=dict)
    #: The uploads whose role is not known (why): the owner link cannot pass on their account.
    writers_unjudged: list[str] = field(default_factory=list)
    #: Whether every such upload goes the live probe's route, whose object's owner the probe checks.
    writers_unjudged_probed: bool = True
    #: Every KMS call S3 makes for the requests.
    kms_uses: list[KmsUse] = field(default_factory=list)
    #: The requests that make S3 call KMS as a role not known (why): the key link cannot pass without them.
    kms_unjudged: list[str] = field(default_factory=list)
    #: Whether every such request goes the live probe's route (:meth:`_Prefix.probed`), so its write makes them too.
    kms_unjudged_probed: bool = True


def audit(
    state: ChainState,
    index: int | None,
    mappings: list[Any],
    location: S3Location,
    bucket: BucketState,
    evaluated: list[Evaluated],
) -> PrefixAccess:
    """
    Evaluate every request of an EMRFS write under ``location`` for mapping ``index``.

    :param evaluated: each identity-side request is appended here, for the simulator's second opinion.
    """
    prefix = _Prefix(state, index, mappings, location, bucket, location.prefix.rstrip("/"), evaluated)
    access = PrefixAccess()
    steps: dict[str, list[_Outcome]] = {}
    raw: dict[str, tuple[Link, bool]] = {}
    for step in STEPS:
        outcomes: list[_Outcome] = []
        blocked = []
        for call in (call for call in WRITE_REQUESTS if call.step == step):
            sent = len(outcomes)
            probed = prefix.probed(call)
            reason, fix = prefix.send(call, outcomes, access, probed=probed)
            blocked.append((reason, fix, probed and prefix.probe_sends(call, call.action, prefix.sent_as)))
            outcomes[sent:] = [
                replace(outcome, probed=probed and prefix.probe_sends(call, outcome.action, outcome.role))
                for outcome in outcomes[sent:]
            ]
        first_blocked = next((reason[:2] for reason in blocked if reason[0]), ("", ""))
        link = _step_link(state, index, f"{step} {location.uri}", outcomes, *first_blocked)
        unprobed = any(reason and not probed for reason, _, probed in blocked) or any(
            outcome.decision.undetermined and not outcome.probed for outcome in outcomes
        )
        steps[step] = outcomes
        raw[step] = (link, unprobed)
    # The rename is judged once every step is: a refusal a required request shares is the job's, not the rename's.
    # It is judged on its raw link, before the layers every step gets (regression review J35): a statement deciding
    # only some keys leaves it not checked as it leaves the other steps, the verifier's rename keys being stand-ins.
    if RENAME_STEP in raw:
        raw[RENAME_STEP] = (_rename_link(state, raw[RENAME_STEP][0], steps), raw[RENAME_STEP][1])
    for step, (link, unprobed) in raw.items():
        access.links.append(_layered(link, steps[step], unprobed=unprobed, split=prefix.split.get(step)))
    rename = prefix.probe_rename()
    if rename is not None:
        access.links.append(rename)
    return access


def _layered(link: Link, outcomes: list[_Outcome], *, unprobed: bool, split: tuple[str, Telling] | None) -> Link:
    """
    ``link`` of one step, with what leaves it not checked whatever its requests' outcomes: not settled by the live
    probe where a request it does not send is not known, per node (:func:`_unless_alike_on_every_node`), and a
    statement deciding some keys under the prefix only (``split``, :attr:`_Prefix.split`).
    """
    settled = link.status != UNKNOWN or not unprobed
    link = link if settled else not_settled_by_probe(link, NOT_SETTLED_BY_PROBE_FIX)
    link = _unless_alike_on_every_node(link, outcomes)
    # A certain refusal of a key the write sends stands; else a statement deciding some keys only leaves it open.
    link = link if split is None or link.status == FAIL else some_keys_only(link, *split)
    # The probe a missing key's 404 fix offers (_listing_keys_404_fix) goes where the probe does not settle the link.
    return link if link.probe_settles else replace(link, fix=link.fix.replace(f"{LISTING_KEYS_404_PROBE}; or ", ""))


def _unless_alike_on_every_node(link: Link, outcomes: list[_Outcome]) -> Link:
    """
    ``link``, not settled by a passing live probe where a request not checked depends on what each node has its own
    (:attr:`_Outcome.per_node`): the probe's step runs on the primary node only ("Steps run only on the master node":
    AWS CLI Command Reference, "emr add-steps"), while a job's writes come from every core and task node, each with its
    own session (of its instance profile, or of the destination role it assumes) and its own address; nor where one
    depends on the time of the request (:attr:`_Outcome.timed`), since the probe writes before the job.
    """
    if link.status != UNKNOWN:
        return link
    doubt = next((o.per_node for o in outcomes if o.decision.undetermined and o.per_node), "")
    sent = "the core and task nodes send the job's requests with their own session, from their own address"
    timed = next((o.timed for o in outcomes if o.decision.undetermined and o.timed), "")
    return unsettled_in_time(unsettled_per_node(link, doubt, sent), timed)


#: The fix of a refused rename, after the statement's own.
RENAME_FIX = (
    "only jobs that rename need it: or run only Spark SQL/DataFrame/Dataset writes through the EMRFS S3-optimized "
    "committer (Hive: hive-site hive.blobstore.use.output-committer=true)"
)


def _refusal(outcome: _Outcome) -> tuple[str, str, str]:
    """
    What refuses ``outcome``, or may: its action, role and statement. Two requests refused by the same statement are
    refused alike whatever the decision's reason: one may depend on a condition key the other does not carry (the
    rename's CopyObject carries ``s3:x-amz-copy-source`` and ``s3:x-amz-metadata-directive``, an upload neither), and
    a statement that refuses every upload fails every job, renaming or not (regression review J35).
    """
    return outcome.action, outcome.role, cite(outcome.decision)


def _rename_link(state: ChainState, link: Link, steps: dict[str, list[_Outcome]]) -> Link:
    """
    The link of a job's rename (:data:`~.requests.RENAME_REQUESTS`, its requests' outcomes in ``steps`` with every
    other step's), before the layers every step gets (:func:`_layered`): a ``WARN`` when a request of it is refused,
    naming the statement, or may be (not known), saying which jobs it breaks (:data:`~.requests.RENAMING_JOBS`), since
    a Spark SQL write through the EMRFS S3-optimized committer sends none of them. Where what refuses it or may
    (:func:`_refusal`) certainly refuses a required request of another step (a boundary or a Deny of every upload), it
    reads as the write links: a ``FAIL`` (every job fails then, not only those that rename, and a ``WARN`` would say
    Spark SQL writes pass); where it may refuse such a request only, or a read it needs was refused, "not checked" as
    they are.
    """
    if link.status == PASS:
        return link
    outcomes = steps[RENAME_STEP]
    required = {
        _refusal(o): o
        for step, found in steps.items()
        if step != RENAME_STEP
        for o in found
        if o.required and not o.decision.allowed
    }
    shared = [o for o in outcomes if not o.decision.allowed and _refusal(o) in required]
    alike = next((o for o in shared if not required[_refusal(o)].decision.undetermined), None)
    if alike is not None:
        upload = required[_refusal(alike)]
        detail = f"{_refused_how(alike)}, as the write's own requests are ({upload.call}: {upload.decision.reason})"
        return replace(link, status=FAIL, detail=detail, statement=cite(upload.decision), fix=_s3_fix(upload, state))
    refused = next((o for o in outcomes if not o.decision.allowed and not o.decision.undetermined), None)
    undetermined = next((o for o in outcomes if o.decision.undetermined), None)
    if refused is None and (undetermined is None or _refusal(undetermined) in required):
        return link  # not checked as the write links are (or for a read refused: its fix names it)
    if refused is None:
        detail = f"may be refused, not known: {link.detail}; if it is, {RENAMING_JOBS}"
        return replace(link, status=WARN, detail=detail, fix=f"{link.fix}; {RENAME_FIX}")
    detail = f"{_refused_how(refused)}; {RENAMING_JOBS}"
    fix = f"{_s3_fix(refused, state)}; {RENAME_FIX}"
    return replace(link, status=WARN, detail=detail, statement=cite(refused.decision), fix=fix)


#: The name of the link of the live probe's rename (:meth:`_Prefix.probe_rename`), before its prefix.
PROBE_RENAME = PROBE_RENAME_LINK
#: A name of the probe's object, for the request's resource (the probe writes ``PREFIX<probe key>/<uuid>``).
PROBE_OBJECT = "probe"
#: What a refused rename means for the live probe.
PROBE_RENAME_REFUSED = (
    "the live probe fails under that statement: its put -f renames ._COPYING_ with a CopyObject, as a job without the "
    "EMRFS S3-optimized committer renames its output (the rename link), so its failure shows such renames refused"
)
#: What a rename not known means for the live probe.
PROBE_RENAME_UNKNOWN = (
    "whether the live probe can pass is not known (the form of the x-amz-copy-source its rename sends is not "
    "documented); if it fails, renames are refused under that statement, a job's (the rename link) as the probe's"
)
#: The fix of the rename's warning.
PROBE_RENAME_FIX = (
    "the bucket's owner lets the cluster's copies within the bucket through under that statement (jobs that rename "
    "need them too); or run only Spark SQL/DataFrame/Dataset writes through the EMRFS S3-optimized committer, judged "
    "by the links above, and the verifier without the probe"
)
#: The fix of a step link left not checked on a request the live probe does not send as the same role.
NOT_SETTLED_BY_PROBE_FIX = (
    "the live probe does not settle it (its write sends other requests, or this one as another role, or for an object "
    "a statement names otherwise than the probe's own: contexts.PROBE_REQUESTS): make the statement that decides this request independent of what is not known, or "
    "check a job's write"
)


@dataclass
class _Outcome:
    """The outcome of one request in a step."""

    call: str
    action: str
    decision: Decision
    role: str
    required: bool
    why_role: str
    #: Refused because RestrictPublicBuckets voids the public bucket policy's grants to other accounts: where
    #: it is on (``""``: not refused for that).
    restricted: str = ""
    #: The ``s3:ListBucket`` S3 checks before a 404 for a HEAD of a missing key (not a listing the job sends).
    for_404: bool = False
    #: The request's condition keys (to show what an ``Allow`` whose ``Condition`` is not met was set against).
    context: dict[str, Any] = field(default_factory=dict)
    #: The live probe's write sends this request, as the same role (:meth:`_Prefix.probed`,
    #: :meth:`_Prefix.probe_sends`): a passing probe settles it.
    probed: bool = True
    #: A statement that may or may not apply on what each node has its own (:func:`~.assume.per_node_doubt`; ``""``:
    #: none): the probe's answer, from the primary node, is not the other nodes'.
    per_node: str = ""
    #: A statement that may or may not apply on the time of the request (:func:`~.per_node.time_doubt`; ``""``:
    #: none): the probe's answer, sent before the job's requests, is not theirs.
    timed: str = ""


@dataclass(frozen=True)
class _Sent:
    """
    One call of the write as sent: the call, its description, the role it goes as and why, and where
    RestrictPublicBuckets voids the bucket policy's grants to it (``""``: nowhere).
    """

    call: S3Call
    what: str
    role: RoleState
    why_role: str
    where: str


class _Reading(NamedTuple):
    """An upload judged with one of the ``x-amz-acl`` headers it may carry (``acl``; ``None``: none)."""

    acl: str | None
    found: list[_Outcome]
    #: Why it could not be checked and how to check it (``("", "")``: it could).
    stopped: tuple[str, str]
    #: Its first refusal for certain (``None``: none).
    refusal: _Outcome | None


def _headers(readings: list[_Reading]) -> str:
    """The headers of ``readings``, for messages."""
    return " or ".join(f"x-amz-acl {each.acl}" if each.acl else "no ACL" for each in readings)


def _refusals(outcomes: list[_Outcome]) -> Iterator[_Outcome]:
    """The outcomes refused for certain of a request the write needs."""
    return (o for o in outcomes if o.required and not o.decision.allowed and not o.decision.undetermined)


#: The source of a refusal for want of ``x-amz-request-payer``.
REQUESTER_PAYS = "Requester Pays"


def requester_pays(
    state: ChainState, bucket: BucketState, role_arn: str, bucket_name: str
) -> Decision | Unreadable | None:
    """
    S3's refusal of a request of ``role_arn`` on a Requester Pays bucket: the refusal, ``None`` when there is
    none, :class:`Unreadable` when it cannot be known (the bucket's setting or the cluster's unread).

    :param bucket_name: the bucket's name, whose per-bucket S3A settings count.

    A Requester Pays bucket answers 403 to a request of another account than the bucket owner's without
    ``x-amz-request-payer: requester`` (S3 User Guide, "Downloading objects from Requester Pays buckets": "If
    x-amz-request-payer is not in the request, Amazon S3 returns a 403 error"; "Bucket owners do not need to add
    x-amz-request-payer to their requests"). The cluster's ``s3://`` connector sends it only when its settings
    say so (:func:`sends_requester_pays_header`).
    """
    if account_of_arn(role_arn) == bucket.account:
        return None
    if "request payment" in bucket.unreadable:
        return Unreadable(f"whether the bucket is Requester Pays is unread: {bucket.unreadable['request payment']}")
    if bucket.payer != "Requester":
        return None
    header = sends_requester_pays_header(state, bucket_name)
    if isinstance(header, str):
        return Unreadable(f"the bucket is Requester Pays and {header}")
    if header:
        return None
    return Decision(
        False,
        f"refused with 403: the bucket is Requester Pays and this role is of another account than the bucket's "
        f"{bucket.account}, and the cluster's s3:// connector sends no x-amz-request-payer: requester (EMRFS: "
        f"emrfs-site {REQUESTER_PAYS_HEADER}=true; S3A: core-site {S3A_REQUESTER_PAYS}=true)",
        source=REQUESTER_PAYS,
    )


def public_policy_restricted(bucket: BucketState, account_restricts: bool | None = False) -> bool | None:
    """
    Whether the bucket's policy grants nothing to other accounts: RestrictPublicBuckets is on for the bucket or
    for its account, and S3 says the policy is public. ``None``: a setting that matters could not be read.

    :param account_restricts: the destination account's RestrictPublicBuckets; ``None`` when it was not read
        (then a public, or unread, policy status leaves the answer unknown unless the bucket's own setting is on).

    S3 API Reference, PublicAccessBlockConfiguration, RestrictPublicBuckets: "public and cross-account access
    within any public bucket policy, including non-public delegation to specific accounts, is blocked";
    GetPublicAccessBlock: S3 "uses the most restrictive combination of the bucket-level and account-level
    settings".
    """
    restrict = None if "public access block" in bucket.unreadable else bucket.restrict_public_buckets
    public = None if "policy status" in bucket.unreadable else bucket.policy_is_public
    if public is False:
        return False
    if restrict or account_restricts:
        return True if public else None
    return False if restrict is False and account_restricts is False else None


#: The source of a refusal of a public canned ACL by Block Public Access.
BLOCK_PUBLIC_ACLS = "Block Public Access BlockPublicAcls"
#: The canned ACLs S3 calls public: they grant to AllUsers or AuthenticatedUsers (S3 User Guide, "Blocking public
#: access to your Amazon S3 storage", "The meaning of 'public'"; "Access control list (ACL) overview", "Canned ACL").
PUBLIC_CANNED_ACLS = ("public-read", "public-read-write", "authenticated-read")


def public_acl_refused(state: ChainState, bucket: BucketState, acl: Any) -> Decision | Unreadable | None:
    """
    S3's refusal of an upload carrying a public canned ACL: the refusal, ``None`` when there is none,
    :class:`Unreadable` when the settings that decide it were not read.

    With BlockPublicAcls on for the bucket or its account, "PUT Object calls fail if the request includes a public
    ACL" (S3 API Reference, "PublicAccessBlockConfiguration", ``BlockPublicAcls``; S3 applies the most restrictive
    of the bucket's and the account's settings, "GetPublicAccessBlock"), whoever sends them and whatever the
    policies allow.
    """
    if str(acl).lower() not in PUBLIC_CANNED_ACLS:
        return None
    account = state.account_block_public_acls
    settings = [
        ("the bucket", None if "public access block" in bucket.unreadable else bucket.block_public_acls),
        ("the destination account", account if isinstance(account, bool) else None),
    ]
    on = [place for place, value in settings if value]
    if on:
        return Decision(
            False,
            f"refused with 403: Block Public Access BlockPublicAcls is on for {' and '.join(on)}, and the upload "
            f"carries the public canned ACL {acl} (emrfs-site fs.s3.canned.acl)",
            source=BLOCK_PUBLIC_ACLS,
        )
    unread = [place for place, value in settings if value is None]
    if unread:
        return Unreadable(
            f"the upload carries the public canned ACL {acl}, and Block Public Access BlockPublicAcls of "
            f"{' and '.join(unread)} was not read (s3:GetBucketPublicAccessBlock, s3:GetAccountPublicAccessBlock)"
        )
    return None


def block_public_access_unread(bucket: BucketState, account: bool | Unreadable | None) -> list[str]:
    """
    Why each Block Public Access read that leaves :func:`public_policy_restricted` unknown is missing: every one of
    them, so the link names each read to allow (one refused beside another is no less needed).

    :param account: the destination account's RestrictPublicBuckets as read (``ChainState``).
    """
    restrict = None if "public access block" in bucket.unreadable else bucket.restrict_public_buckets
    account_restricts = account if isinstance(account, bool) else None
    unread = []
    if "public access block" in bucket.unreadable and not account_restricts:
        unread.append(bucket.unreadable["public access block"])
    if "policy status" in bucket.unreadable:
        unread.append(bucket.unreadable["policy status"])
    if not isinstance(account, bool) and not restrict:
        public = " with a bucket policy S3 calls public" if "policy status" not in bucket.unreadable else ""
        unread.append(
            f"the destination account's setting (s3:GetAccountPublicAccessBlock){public}: "
            f"{account.detail if isinstance(account, Unreadable) else 'not read'}"
        )
    return unread


def restricted_where(bucket: BucketState, account_restricts: bool | None) -> str:
    """Where RestrictPublicBuckets is on: ``the bucket``, ``the destination account`` or both."""
    places = [("the bucket", bucket.restrict_public_buckets), ("the destination account", account_restricts)]
    return " and ".join(place for place, on in places if on)


def _record_uses(
    call: S3Call, role: RoleState, bucket: str, key: str | None, access: PrefixAccess, *, probed: bool
) -> None:
    """
    Record who writes and which KMS calls S3 makes for ``call``: the key's policies and the writer's account decide
    them whatever the bucket policy, Requester Pays or Block Public Access say, so before those gates, which may stop
    the call's evaluation (a PASS of the key link must not rest on calls never looked at).

    :param probed: the live probe's write goes the same route (:meth:`_Prefix.probed`).
    """
    if call.action == "s3:PutObject":
        access.writers[role.arn] = role
    if key is not None:
        object_arn = f"arn:{partition_of_arn(role.arn)}:s3:::{bucket}/{key}"
        access.kms_uses.extend(KmsUse(role, action, object_arn, call.headers, probed, call.step) for action in call.kms)


def _record_unread_writer(
    prefix: _Prefix, call: S3Call, uri: str, problem: str, access: PrefixAccess, *, probed: bool
) -> None:
    """
    Record who writes for an upload whose role could not be checked (``problem``): the role by its ARN, which
    decides the objects' owner whatever its policies (:func:`.routing.routed_writer`), else the upload as not known.
    """
    if call.action != "s3:PutObject":
        return
    writer = routed_writer(prefix.state, prefix.mappings, uri, prefix.index)[0]
    if writer is not None:
        access.writers.setdefault(writer.arn, writer)
        return
    access.writers_unjudged.append(f"{call.operation} {uri}: {problem}")
    access.writers_unjudged_probed = access.writers_unjudged_probed and probed


@dataclass
class _Prefix:
    """One prefix of one mapping being checked."""

    state: ChainState
    index: int | None
    mappings: list[Any]
    location: S3Location
    bucket: BucketState
    stem: str
    evaluated: list[Evaluated]
    #: The roles the requests were sent as, by ARN.
    roles: dict[str, RoleState] = field(default_factory=dict)
    #: The ARN of the role the last call was sent as (``""``: not known).
    sent_as: str = ""
    #: By step, the first request a statement decides for some keys under the prefix only: what, and the statement.
    split: dict[str, tuple[str, Telling]] = field(default_factory=dict)

    def send(self, call: S3Call, outcomes: list[_Outcome], access: PrefixAccess, *, probed: bool) -> tuple[str, str]:
        """
        Evaluate one call (and the listing a 404 needs); return why it could not be checked and how to check
        it, or ``("", "")``.

        :param probed: the live probe's write goes the same route (:meth:`probed`).
        """
        key = expand_key(call.key, self.stem) if call.key is not None else None
        if call.key is not None and key is None:
            return "", ""
        bucket = self.location.bucket
        uri = f"s3://{bucket}/{key}" if key is not None else self.location.uri
        role, why_role, problem = routed_role(self.state, self.mappings, uri, self.index)
        self.sent_as = role.arn if role is not None else ""
        if role is None:
            _record_unread_writer(self, call, uri, problem, access, probed=probed)
            if call.kms:
                access.kms_unjudged.append(f"{call.operation} {uri}: {problem}")
                probe_makes = all((action, call.headers) in PROBE_KMS_CALLS for action in call.kms)
                # The probe's object is another: without an S3 Bucket Key the encryption context is each object's ARN,
                # which a statement of the key policy or of the unread role's policies may tell apart.
                same_context = encryption_context_is_bucket(self.state, self.bucket, bucket)
                access.kms_unjudged_probed = access.kms_unjudged_probed and probed and probe_makes and same_context
            return f"{call.operation} {uri}: {problem}", PROBE_FIX
        self.roles[role.arn] = role
        _record_uses(call, role, bucket, key, access, probed=probed)
        stopped = self._before_policies(call, uri, role, why_role, outcomes)
        if stopped is not None:
            return stopped, PROBE_FIX
        where, unread = self._restricted_where(call, uri, role)
        if unread is not None:
            return unread
        request = s3_request(self.state, role, call, self.bucket, bucket, self.stem)
        if request is None:
            return "", ""
        request = self._with_copy_source(request, role, call.source)
        sent = _Sent(call, f"{call.operation} {uri}", role, why_role, where)
        readings = acl_readings(self.state, call, bucket, request)
        self._note_split(sent, readings)
        if len(readings) > 1:
            return self._send_readings(sent, readings, outcomes)
        blocked = self._send_one(sent, request, outcomes)
        if blocked[0]:
            return blocked
        if call.missing:
            outcomes.append(self._for_404(sent, request, bucket, uri))
        return "", ""

    def _for_404(self, sent: _Sent, request: Request, bucket: str, uri: str) -> _Outcome:
        """
        The ``s3:ListBucket`` S3 checks before a 404 (not 403) to ``sent``'s HEAD of a missing key, judged with the
        listing keys not known: a result that only they decide is not checked (:data:`LISTING_KEYS_404_UNKNOWN`).
        """
        what = f"404 (not 403) for HEAD of missing {uri}: its implied s3:ListBucket"
        role, why, where = sent.role, sent.why_role, sent.where
        outcome = self._evaluate(role, _listing(request, role, bucket), what, True, why, where, implied=True)
        if outcome.decision.undetermined:
            absent = _listing(request, role, bucket, keys_absent=True)
            if not self._evaluate(role, absent, what, True, why, where, implied=True).decision.undetermined:
                first = outcome.decision
                undocumented = Decision(False, UNDETERMINED, first.statement, first.source, LISTING_KEYS_404_UNKNOWN)
                outcome = replace(outcome, decision=undocumented)
        return replace(outcome, for_404=True)

    def _send_one(
        self, sent: _Sent, request: Request, outcomes: list[_Outcome], *, tagged: bool = False
    ) -> tuple[str, str]:
        """
        Evaluate an upload (or another request) with the ``x-amz-acl`` its context carries, if any: Block Public
        Access on a public one, then the request and, with a header, its ``s3:PutObjectAcl`` (S3 API Reference,
        PutObject, "Permissions": "To successfully change the objects ACL of your PutObject request, you must have
        the s3:PutObjectAcl"). Return why it could not be checked and how to check it, or ``("", "")``.

        :param tagged: name the header (or its absence) in each request's description, as one of several readings.
        """
        acl = request.context.get("s3:x-amz-acl")
        with_acl = f"{sent.what} with x-amz-acl {acl}"
        what = (with_acl if acl is not None else f"{sent.what} without x-amz-acl") if tagged else sent.what
        refused_acl = self._public_acl(sent, what, acl, outcomes)
        if refused_acl is not None:
            return refused_acl
        requests = [(request, what)]
        if acl is not None:
            requests.append((as_action(request, OBJECT_ACL_ACTION), with_acl))
        self._evaluate_sent(requests, sent.role, sent.call.required, sent.why_role, sent.where, outcomes)
        return "", ""

    def _send_readings(self, sent: _Sent, readings: tuple[Request, ...], outcomes: list[_Outcome]) -> tuple[str, str]:
        """
        An upload whose ``x-amz-acl`` is not known, one request per header it may carry (:func:`acl_readings`):
        refused with each, it is refused (its outcomes recorded); with some only, not checked, naming the settings
        whose reading is not documented (:func:`canned_acl_doubts`); with none, each reading's outcomes recorded.
        """
        judged = []
        for reading in readings:
            found: list[_Outcome] = []
            stopped = self._send_one(sent, reading, found, tagged=True)
            judged.append(_Reading(reading.context.get("s3:x-amz-acl"), found, stopped, next(_refusals(found), None)))
        refusals = [each.refusal for each in judged if each.refusal is not None]
        if len(refusals) == len(judged):
            every = f" (refused with each header the uploads may carry: {_headers(judged)})"
            for each in judged:
                outcomes.extend(replace(o, call=o.call + every) if o is each.refusal else o for o in each.found)
            return "", ""
        if refusals:
            return self._some_readings_refused(sent, judged, refusals[0])
        for each in judged:
            outcomes.extend(each.found)
        return next((each.stopped for each in judged if each.stopped[0]), ("", ""))

    def _some_readings_refused(self, sent: _Sent, judged: list[_Reading], first: _Outcome) -> tuple[str, str]:
        """
        Why an upload refused with some of the ``x-amz-acl`` headers it may carry only is not checked (``first``: the
        first refusal), and the fix.
        """
        bucket = self.location.bucket
        doubts = "; ".join(canned_acl_doubts(self.state, bucket)) or "which canned ACL the uploads carry is not known"
        refused = [each for each in judged if each.refusal is not None]
        statement = f"; {cite(first.decision)}" if cite(first.decision) else ""
        reason = (
            f"{sent.what} as {sent.role.arn}: {doubts}: the uploads to bucket {bucket} carry {_headers(judged)}; S3 "
            f"refuses it with {_headers(refused)} ({first.action} {first.decision.reason}{statement}), not with "
            f"{_headers([each for each in judged if each.refusal is None])}"
        )
        return reason, f"{one_canned_acl_fix(self.state, bucket)}; or {_s3_fix(first, self.state)}"

    def probed(self, call: S3Call) -> bool:
        """
        Whether the live probe's write under this prefix goes the same route as ``call``: through the same mapping
        (or none), so as the same role. The probe writes only ``PREFIX<probe key>/…`` (``verify.probe_key``), routed
        as :func:`~.routing.probe_routes` routes it: a key another mapping (or none) takes, such as the prefix's own
        ``_$folder$`` marker where the mapping names the prefix with its trailing slash, is never sent by it.
        """
        key = expand_key(call.key, self.stem) if call.key is not None else None
        uri = f"s3://{self.location.bucket}/{key}" if key is not None else self.location.uri
        return route(self.mappings, uri, checking=-1) == self._probe_route

    def probe_sends(self, call: S3Call, action: str, role: str) -> bool:
        """
        Whether the live probe's write sends a request of ``action`` as ``call`` does (its operation, carrying the
        upload headers or not), which a passing probe shows allowed (:data:`~.contexts.PROBE_S3_CALLS`), sent as
        ``role`` (its ARN; ``""``: not known; whether it is the probe's route is :meth:`probed`'s). Another operation
        of the same upload action (a multipart upload's, :data:`OPERATION_KEY_ACTIONS`) counts only where no statement
        of the policies that decide it tests the operation (:data:`OPERATION_KEYS`); of a read (the job's GetObject,
        the probe's HEAD) it counts as the probe's; a part's or a completion's ``s3:PutObject``, which carries
        none of the upload headers the probe's PutObject does, only where none tests them either
        (:data:`~.contexts.UPLOAD_HEADER_KEYS`): it then differs from the probe's request in nothing they test.
        A listing of the job's counts only where no statement of those policies that may match it tests
        :data:`LISTING_KEYS`, in which the probe's listing always differs from it. The ``s3:ListBucket`` a HEAD's 404
        needs, whose listing keys are not documented (:data:`LISTING_KEYS_404_UNKNOWN`), counts only where none tests
        the value of :data:`LISTING_KEYS_BY_KEY`, which may follow the key HEADed, never the probe's
        (:meth:`_checks_404_alike`).

        And it counts only where each statement that may decide it decides its object as the probe's objects
        (:meth:`_decided_as_the_probes`).

        IAM User Guide, "Policy evaluation logic": a request is decided by the statements that match its action,
        resource and context, so a passing probe shows allowed only the requests it sends.
        """
        return self._sends_alike(call, action, role) and self._decided_as_the_probes(call, action, role)

    def _sends_alike(self, call: S3Call, action: str, role: str) -> bool:
        """Whether the probe sends a request of ``action`` as ``call`` does, but for its object (:meth:`probe_sends`)."""
        same_headers = (action, call.headers) in PROBE_S3_CALLS
        same_operation = call.operation in PROBE_OPERATIONS or action not in OPERATION_KEY_ACTIONS
        listing = action == LISTING_ACTION and call.list_prefix is not None
        if action == LISTING_ACTION and call.missing:
            return self._checks_404_alike(role)
        if same_headers and same_operation and not listing:
            return True
        actor = self.roles.get(role)
        if not (same_headers or (action, not call.headers) in PROBE_S3_CALLS) or actor is None:
            return False
        if "policy" in self.bucket.unreadable:
            return False
        documents = s3_deciding_policies(self.state, self.bucket.policy, [actor])
        differing = (frozenset() if same_operation else OPERATION_KEYS) | (
            frozenset() if same_headers else UPLOAD_HEADER_KEYS
        )
        bucket_arn = f"arn:{partition_of_arn(actor.arn)}:s3:::{self.location.bucket}"
        if listing and any(_tests_listing_keys(document, bucket_arn) for document in documents):
            return False
        return not any(has_condition_on(document, differing) for document in documents)

    def _checks_404_alike(self, role: str) -> bool:
        """
        Whether the ``s3:ListBucket`` S3 checks before a 404 to a job's HEAD of a missing key as ``role`` (its ARN) is
        decided as the probe's HEAD's: S3 checks both alike (S3 API Reference, HeadObject, "Permissions"), but which
        ``s3:prefix`` each carries is not documented (:data:`LISTING_KEYS_404_UNKNOWN`), and were it the key HEADed,
        the job's (``exports``, ``exports_$folder$``) and the probe's (``PREFIX<probe key>/<uuid>``) would differ: not
        where a statement of the policies that may decide it, and may match it, tests that value
        (:data:`LISTING_KEYS_BY_KEY`; a ``Null`` test, ``s3:delimiter`` and ``s3:max-keys`` do not depend on the key).
        """
        actor = self.roles.get(role)
        if actor is None or "policy" in self.bucket.unreadable:
            return False
        bucket_arn = f"arn:{partition_of_arn(actor.arn)}:s3:::{self.location.bucket}"
        documents = s3_deciding_policies(self.state, self.bucket.policy, [actor])
        return not any(_tests_listing_keys(document, bucket_arn, LISTING_KEYS_BY_KEY) for document in documents)

    def _decided_as_the_probes(self, call: S3Call, action: str, role: str) -> bool:
        """
        Whether each statement that may decide ``call``'s request of ``action`` as ``role`` (its ARN) decides the
        job's objects as it decides the probe's, ``PREFIX<probe key>/<uuid>`` (``verify.probe_key``): no ``Resource``
        or ``NotResource`` names the one and not the other (IAM User Guide, "IAM JSON policy elements: Resource": a
        statement applies to the resources it names only). A key under the prefix stands for every key a job writes
        there (:func:`~.requests.under_prefix`), the prefix's own keys for themselves. Not where a policy that may decide
        it was not read (:func:`~.contexts.s3_policies_unread`): its statements are not known. A request on the bucket
        (a listing, the ``s3:ListBucket`` a HEAD's 404 needs) names the same resource as the probe's.
        """
        if call.key is None or action == LISTING_ACTION:
            return True
        actor = self.roles.get(role)
        if actor is None or s3_policies_unread(self.state, self.bucket, actor):
            return False
        request = s3_request(self.state, actor, call, self.bucket, self.location.bucket, self.stem)
        if request is None:
            return True
        keys = (self._keys_of(actor, call.key), self._under(actor, f"{PROBE_KEY}/"))
        policies = s3_policies_named(self.state, self.bucket, actor)
        return first_telling(policies, as_action(request, action), keys, boundary=_boundary_name(actor)) is None

    def probe_rename(self) -> Link | None:
        """
        The live probe's rename under this prefix where a statement refuses it, or may, and allows its put: a warning that
        the probe cannot pass (or may not), as a job that renames (the ``rename`` link) cannot; ``None`` elsewhere.

        ``hadoop fs -put`` renames ``<key>._COPYING_`` to ``<key>`` with a CopyObject (:data:`~.contexts.PROBE_REQUESTS`),
        authorized as ``s3:PutObject`` and carrying ``s3:x-amz-copy-source`` (Service Authorization Reference, "Actions,
        resources, and condition keys for Amazon S3"), as a job's rename does (:data:`~.requests.RENAME_REQUESTS`) and
        no upload of the S3-optimized committer: a Deny of server-side copies (S3 User Guide, "Bucket policy examples
        using condition keys") refuses the probe and such jobs, not those uploads. Judged only where
        the probe writes through this link's mapping (:meth:`probed`), as the role its key routes to.
        """
        call = S3Call(PROBE_RENAME, "CopyObject", "s3:PutObject", f"{{p}}/{PROBE_KEY}/{PROBE_OBJECT}", headers=True)
        uri = f"{self.location.uri}{PROBE_KEY}/"
        if not self.probed(call) or "policy" in self.bucket.unreadable:
            return None
        role, why_role, _ = routed_role(self.state, self.mappings, uri, self.index)
        request = s3_request(self.state, role, call, self.bucket, self.location.bucket, self.stem) if role else None
        if role is None or request is None:
            return None
        what = f"CopyObject {uri}… (the rename of ._COPYING_)"
        put = replace(request, known_absent=(request.known_absent or frozenset()) | COPY_KEYS)
        if not self._evaluate(role, put, what, True, why_role).decision.allowed:
            return None  # the probe's put is refused too, or not known: the write's own links say so
        outcome = self._copy_outcome(role, request, what, why_role)
        decision = outcome.decision
        if decision.allowed:
            return None
        name = f"{PROBE_RENAME} {self.location.uri}"
        if decision.undetermined:
            detail = f"{what} as {role.arn}: depends on {decision.unknown}; {PROBE_RENAME_UNKNOWN}"
            return Link(self.index, name, WARN, detail, cite(decision), PROBE_RENAME_FIX, probe_settles=False)
        detail = (
            f"{what} as {role.arn}: s3:PutObject {decision.reason}{condition_shown(decision, outcome.context)}; "
            f"{PROBE_RENAME_REFUSED}"
        )
        return Link(self.index, name, WARN, detail, cite(decision), PROBE_RENAME_FIX, probe_settles=False)

    def _copy_outcome(self, role: RoleState, request: Request, what: str, why_role: str) -> _Outcome:
        """
        The copy's outcome: with its ``s3:x-amz-copy-source`` present (:meth:`_with_copy_source`), or not known.
        """
        source = f"{request.resource.partition(':::')[2].partition('/')[2]}._COPYING_"
        return self._evaluate(role, self._with_copy_source(request, role, source), what, True, why_role)

    def _with_copy_source(self, request: Request, role: RoleState, source: str | None) -> Request:
        """
        A CopyObject's ``request`` carrying its ``s3:x-amz-copy-source``, ``<bucket>/<source>`` (``source``: a key of the
        table, ``{p}`` the prefix, or a key), where no policy that may decide it compares the key's value (only
        ``Null`` tests it): the key is present, whatever its value. Else ``request``, the key not known: the form EMRFS
        sends it in (a leading slash, URL-encoding) is not documented (:data:`~.contexts.COPY_SOURCE_KEY`). ``request``
        too for a request that is no copy (``source`` ``None``).
        """
        if source is None:
            return request
        documents = s3_deciding_policies(self.state, self.bucket.policy, [role])
        if any(has_condition_on(document, VALUE_NOT_KNOWN, values_only=True) for document in documents):
            return request
        key = expand_key(source, self.stem) if "{p}" in source else source
        return replace(request, context={**request.context, COPY_SOURCE_KEY: f"{self.location.bucket}/{key}"})

    def _keys_of(self, role: RoleState, template: str) -> Keys:
        """
        The object ARNs a key of the table stands for: under the prefix (``{p}/…``, :func:`~.requests.under_prefix`)
        every key there, else its own ARN.
        """
        if under_prefix(template):
            return self._under(role, "")
        return Keys(
            f"arn:{partition_of_arn(role.arn)}:s3:::{self.location.bucket}/{expand_key(template, self.stem)}",
            exact=True,
        )

    def _under(self, role: RoleState, below: str) -> Keys:
        """Every object ARN under the prefix and then ``below`` (``""``: every object under the prefix)."""
        stem = f"{self.stem}/" if self.stem else ""
        return Keys(f"arn:{partition_of_arn(role.arn)}:s3:::{self.location.bucket}/{stem}{below}")

    def _note_split(self, sent: _Sent, readings: tuple[Request, ...]) -> None:
        """
        Note, for ``sent``'s step, a statement that may decide its request (with each ``x-amz-acl`` it may carry, and
        the ``s3:PutObjectAcl`` of one) for some keys under the prefix and not others: the verifier judges one key of
        the table (:data:`~.requests.PART`) and a job writes others, so the step is not judged on it. Only where the
        key is under the prefix (:func:`~.requests.under_prefix`); the first such request of a step is noted.

        A listing under the prefix likewise, by a ``Condition`` on its ``s3:prefix`` that names some of the prefixes
        under the job's and not others: the table lists three, a job others (a missing ``k=v/`` folder's lookup lists
        it), and IAM decides each request on its own context (IAM User Guide, "Policy evaluation logic"; ``s3:prefix``
        is a condition key of ``s3:ListBucket``: Service Authorization Reference, "Actions, resources, and condition
        keys for Amazon S3"). Its ``s3:delimiter`` is the one Hadoop sends to every such listing, and its
        ``s3:max-keys`` is left unknown (:func:`~.contexts.s3_request`): neither tells one prefix from another.
        """
        call, step = sent.call, sent.call.step
        if step in self.split:
            return
        policies = s3_policies_named(self.state, self.bucket, sent.role)
        if call.key is None:
            if call.list_prefix is not None and under_prefix(call.list_prefix):
                stem = f"{self.stem}/" if self.stem else ""
                self._note_telling(sent, policies, readings, (Keys(stem),), S3_PREFIX)
            return
        if not under_prefix(call.key):
            return
        requests = [*readings]
        requests += [as_action(each, OBJECT_ACL_ACTION) for each in readings if "s3:x-amz-acl" in each.context]
        self._note_telling(sent, policies, tuple(requests), (self._keys_of(sent.role, call.key),))

    def _note_telling(
        self,
        sent: _Sent,
        policies: list[Policy],
        requests: tuple[Request, ...],
        keys: tuple[Keys, ...],
        by_condition: str = "",
    ) -> None:
        """Note the first statement that tells ``keys`` apart for one of ``requests`` (:func:`first_telling`)."""
        for request in requests:
            telling = first_telling(
                policies, request, keys, by_condition=by_condition, boundary=_boundary_name(sent.role)
            )
            if telling is not None:
                self.split[sent.call.step] = (f"{sent.what} ({request.action}) as {sent.role.arn}", telling)
                return

    @cached_property
    def _probe_route(self) -> int | None:
        """The mapping the live probe's write under this prefix goes through (``None``: none)."""
        return route(self.mappings, f"{self.location.uri}{PROBE_KEY}/", checking=-1)

    def _before_policies(
        self, call: S3Call, uri: str, role: RoleState, why_role: str, outcomes: list[_Outcome]
    ) -> str | None:
        """
        What stops the call before its policies are evaluated: why it cannot be checked, ``""`` when S3 refuses
        it for Requester Pays (recorded in ``outcomes``), ``None`` when nothing does.
        """
        if "policy" in self.bucket.unreadable:
            return self.bucket.unreadable["policy"]
        payer = requester_pays(self.state, self.bucket, role.arn, self.location.bucket)
        if isinstance(payer, Unreadable):
            return f"{call.operation} {uri} as {role.arn} (another account): {payer.detail}"
        if payer is not None:  # S3 refuses it before any policy is evaluated
            outcomes.append(_Outcome(f"{call.operation} {uri}", call.action, payer, role.arn, call.required, why_role))
            return ""
        return None

    def _evaluate_sent(
        self,
        requests: list[tuple[Request, str]],
        role: RoleState,
        required: bool,
        why_role: str,
        where: str,
        outcomes: list[_Outcome],
    ) -> None:
        """Evaluate the requests one call sends (the ``s3:PutObjectAcl`` of its ACL among them) into ``outcomes``."""
        for sent, what in requests:
            implied = sent.action == OBJECT_ACL_ACTION
            outcome = self._evaluate(role, sent, what, required, why_role, where, implied=implied)
            outcomes.append(self._acl_unsettled(outcome) if implied else outcome)
            self.evaluated.append(
                Evaluated(role.arn, sent.action, sent.resource, dict(sent.context), identity_side(sent, role))
            )

    def _restricted_where(self, call: S3Call, uri: str, role: RoleState) -> tuple[str, tuple[str, str] | None]:
        """
        Where RestrictPublicBuckets voids the bucket policy's grants to this role (``""``: nowhere), or why that
        is not known and how to know it.
        """
        account = self.state.account_restrict_public_buckets
        account_restricts = account if isinstance(account, bool) else None
        restricted = account_of_arn(role.arn) != self.bucket.account and public_policy_restricted(
            self.bucket, account_restricts
        )
        if restricted is None:
            unread = "; ".join(block_public_access_unread(self.bucket, account))
            # The live probe writes through the mapped role only: these reads alone decide it.
            return "", (
                f"{call.operation} {uri} as {role.arn} (another account): Block Public Access unread: {unread}",
                "allow s3:GetBucketPolicyStatus, s3:GetBucketPublicAccessBlock and s3:GetAccountPublicAccessBlock "
                "to the destination connection",
            )
        return (restricted_where(self.bucket, account_restricts) if restricted else ""), None

    def _through_bucket_acl(self, request: Request, role: RoleState, refused: Decision) -> Decision:
        """
        A request of another account that no bucket policy statement allows, on a bucket whose ACL may allow it:
        not checked, naming the grant (``refused`` when no grant could allow it; the caller's own refusal when its
        policies do not allow it either).

        With ACLs enabled, S3 allows a request in the bucket's context on its bucket policy *or* its ACL (S3 User
        Guide, "Access control list (ACL) overview": WRITE on a bucket lets the grantee create objects in it, READ
        list them; FULL_CONTROL both). An ACL names an account by its canonical user ID, which the verifier does
        not map to an account, so a grant to anyone but the owner may be to this role's account. A grant is the
        resource's side only: across accounts the caller's identity policy (within its boundary) must allow the
        request too (IAM User Guide, "Cross-account policy evaluation logic"), so the request is evaluated as if
        the ACL granted it to the role's account, and a refusal then is the caller's.
        """
        permissions = _ACL_PERMISSIONS.get(request.action)
        if permissions is None or self.bucket.object_ownership == "BucketOwnerEnforced":
            return refused
        account_root = f"arn:{partition_of_arn(role.arn)}:iam::{account_of_arn(role.arn)}:root"
        as_if_granted = evaluate_access(
            request,
            identity_policies=role.policies,
            resource_policies=[("bucket ACL", _grant_to(account_root, request))],
            resource_account=self.bucket.account,
            boundary=role.boundary,
        )
        if not as_if_granted.allowed and not as_if_granted.undetermined:
            return as_if_granted
        if "acl" in self.bucket.unreadable:
            unknown = f"the bucket ACL (ACLs are enabled), which was not read: {self.bucket.unreadable['acl']}"
        else:
            grants = [
                f"{permission} to {who}" for who, permission in self.bucket.acl_grants if permission in permissions
            ]
            if not grants:
                return refused
            unknown = (
                f"the bucket ACL, which grants {', '.join(grants)}: S3 allows the request on it where no bucket "
                "policy statement does, and an ACL names an account by canonical ID, which the verifier does not map"
            )
        return Decision(False, UNDETERMINED, None, "bucket ACL", unknown)

    def _public_acl(self, sent: _Sent, what: str, acl: Any, outcomes: list[_Outcome]) -> tuple[str, str] | None:
        """An upload's public canned ACL that Block Public Access refuses (recorded) or leaves unknown; else ``None``."""
        blocked = public_acl_refused(self.state, self.bucket, acl)
        if isinstance(blocked, Unreadable):
            return f"{what}: {blocked.detail}", (
                "allow s3:GetBucketPublicAccessBlock and s3:GetAccountPublicAccessBlock to the destination connection"
            )
        if blocked is not None:  # S3 refuses it before any policy is evaluated
            call = sent.call
            outcomes.append(_Outcome(what, call.action, blocked, sent.role.arn, call.required, sent.why_role))
            return "", ""
        return None

    def _acl_unsettled(self, outcome: _Outcome) -> _Outcome:
        """
        ``s3:PutObjectAcl`` refused, on a bucket whose ACLs may be disabled: not checked.

        S3 API Reference, PutObject, "Permissions": s3:PutObjectAcl is needed "to successfully change the
        object's ACL" of a PutObject. With Bucket owner enforced, "ACLs are disabled and no longer affect
        permissions" and a PUT with bucket-owner-full-control (or no ACL) is accepted (S3 User Guide,
        "Controlling ownership of objects and disabling ACLs for your bucket"; any other ACL fails with 400,
        judged by the ownership link). No AWS page says whether S3 still asks for s3:PutObjectAcl there.
        """
        if outcome.decision.allowed or outcome.decision.undetermined:
            return outcome
        ownership = "not read" if "ownership" in self.bucket.unreadable else self.bucket.object_ownership
        if ownership not in ("not read", "BucketOwnerEnforced"):
            return outcome
        unknown = (
            f"whether S3 asks for s3:PutObjectAcl ({outcome.decision.reason}) on an upload with x-amz-acl to a "
            f"bucket with ACLs disabled (BucketOwnerEnforced; this bucket's Object Ownership: {ownership}), which "
            "AWS does not document"
        )
        return replace(
            outcome,
            decision=Decision(False, UNDETERMINED, outcome.decision.statement, outcome.decision.source, unknown),
        )

    def _evaluate(
        self,
        role: RoleState,
        request: Request,
        what: str,
        required: bool,
        why: str,
        restricted: str = "",
        *,
        implied: bool = False,
    ) -> _Outcome:
        """
        Evaluate one request against the role's policies, the bucket policy and the S3 gateway endpoint's policy.

        :param implied: a permission S3 checks for another request (the ``s3:ListBucket`` of a 404, the
            ``s3:PutObjectAcl`` of an upload with ``x-amz-acl``), not one sent through the endpoint: whether S3 asks
            the endpoint's policy about it is not documented, so the endpoint's refusal leaves it not checked.
        """
        policy = self.bucket.policy
        if restricted and policy is not None:  # its grants do not count for this caller; its Denies still do
            policy = {**policy, "Statement": [s for s in as_list(policy.get("Statement")) if _is_deny(s)]}
        decision = evaluate_access(
            request,
            identity_policies=role.policies,
            resource_policies=[("bucket policy", policy)],
            resource_account=self.bucket.account,
            boundary=role.boundary,
        )
        # The bucket ACL may lift the policies' own refusal only: the S3 gateway endpoint on the cluster subnet's
        # route table must let the request by whatever the ACL grants (pure/endpoint_policy.py; AWS PrivateLink Guide,
        # "Control access to VPC endpoints using endpoint policies": an endpoint policy "does not override or replace
        # identity-based policies or resource-based policies"), so it is applied after.
        refused_by_bucket = not decision.allowed and decision.source == "resource" and decision.statement is None
        if refused_by_bucket and not decision.undetermined:
            decision = self._through_bucket_acl(request, role, decision)
        endpoint = s3_endpoint_decision(self.state, self.bucket, request)
        if implied and endpoint is not None and not endpoint.allowed and not endpoint.undetermined:
            unknown = (
                f"whether S3 applies the {endpoint.source}, which refuses it, to this implied check (undocumented)"
            )
            endpoint = Decision(False, UNDETERMINED, endpoint.statement, endpoint.source, unknown)
        policies_side = decision
        decision = through_endpoint(decision, endpoint)
        # Where the refusal is the endpoint's, RestrictPublicBuckets is not what stops it.
        refused_by_bucket = refused_by_bucket and decision is policies_side
        judged = [(name, document, False) for name, document in role.policies]
        judged += [(*role.boundary, False)] if role.boundary is not None else []
        judged += [("bucket policy", policy, True), *self._endpoint_policies(endpoint)]
        return _Outcome(
            what,
            request.action,
            decision,
            role.arn,
            required,
            why,
            restricted if refused_by_bucket else "",
            context=dict(request.context),
            per_node=per_node_doubt(request, judged) if decision.undetermined else "",
            timed=time_doubt(request, judged) if decision.undetermined else "",
        )

    def _endpoint_policies(self, endpoint: Decision | None) -> list[tuple[str, Any, bool]]:
        """The S3 gateway endpoint policies a request passing one (``endpoint`` not ``None``) may be judged by."""
        facts = self.state.subnet
        if endpoint is None or not isinstance(facts, SubnetFacts):
            return []
        return [(each.source, each.document, True) for each in facts.s3_gateway_policies]


def _boundary_name(role: RoleState) -> str:
    """The name of ``role``'s permissions boundary among :func:`~.contexts.s3_policies_named` (``""``: none)."""
    return role.boundary[0] if role.boundary is not None else ""


def _grant_to(principal: str, request: Request) -> dict[str, Any]:
    """A resource policy that allows ``request`` to ``principal`` and to nothing else."""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": request.action,
        "Resource": request.resource,
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def _is_deny(statement: Any) -> bool:
    return isinstance(statement, dict) and statement.get("Effect") == "Deny"


def _tests_listing_keys(document: Any, bucket_arn: str, by_value: frozenset[str] = frozenset()) -> bool:
    """
    Whether a statement of a policy ``document`` that may match a listing of ``bucket_arn`` (by its action and
    resource) has a ``Condition`` on :data:`LISTING_KEYS`, or on the value of ``by_value`` (not ``Null``: see
    :func:`~.contexts.has_condition_on`) where given; a document that does not parse is taken to.
    """
    try:
        parsed = parse_document(document)
    except (ConflictError, ValueError):
        return True
    statements = as_list(parsed.get("Statement")) if parsed is not None else []
    matching = [each for each in statements if isinstance(each, dict) and _may_match_listing(each, bucket_arn)]
    if by_value:
        return has_condition_on({"Statement": matching}, by_value, values_only=True)
    return has_condition_on({"Statement": matching}, LISTING_KEYS)


def _may_match_listing(statement: dict[str, Any], bucket_arn: str) -> bool:
    """
    Whether ``statement``'s ``Action``/``NotAction`` and ``Resource`` may cover :data:`LISTING_ACTION` on
    ``bucket_arn`` (a resource with a policy variable, or ``NotResource``, may).
    """
    if "Action" in statement and not _names_listing(statement["Action"]):
        return False
    if "NotAction" in statement and _names_listing(statement["NotAction"]):
        return False
    resources = [str(pattern) for pattern in as_list(statement.get("Resource", "*"))]
    return any("${" in pattern or resource_match(pattern, bucket_arn) for pattern in resources)


def _names_listing(actions: Any) -> bool:
    return any(wildcard_match(str(action), LISTING_ACTION, ignore_case=True) for action in as_list(actions))


def _listing(request: Request, role: RoleState, bucket: str, *, keys_absent: bool = False) -> Request:
    """
    The ``s3:ListBucket`` S3 checks before answering 404 (not 403) to a HEAD of a missing key, with the HEAD's own
    keys and :data:`LISTING_KEYS` not known (:data:`LISTING_KEYS_404_UNKNOWN`), or absent (``keys_absent``).
    """
    known = {name for name in request.known_absent or () if name.lower() not in LISTING_KEYS}
    return Request(
        "s3:ListBucket",
        f"arn:{partition_of_arn(role.arn)}:s3:::{bucket}",
        principal=role.arn,
        context={name: value for name, value in request.context.items() if name.lower() not in LISTING_KEYS},
        known_absent=frozenset(known | (LISTING_KEYS if keys_absent else set())),
        has_boundary=request.has_boundary,
    )


def _refused_how(outcome: _Outcome) -> str:
    """What sent ``outcome``'s request, as which role and why, and how the policies answered it (condition shown)."""
    return (
        f"{outcome.call} as {outcome.role} ({outcome.why_role}): {outcome.action} {outcome.decision.reason}"
        f"{condition_shown(outcome.decision, outcome.context)}"
    )


def _step_link(
    state: ChainState, index: int | None, name: str, outcomes: list[_Outcome], blocked: str, blocked_fix: str
) -> Link:
    refused = [o for o in outcomes if not o.decision.allowed and not o.decision.undetermined]
    hard = [o for o in refused if o.required]
    unknown = [o for o in outcomes if o.decision.undetermined]
    if hard:
        first = hard[0]
        return Link(
            index,
            name,
            FAIL,
            _refused_how(first)
            + (f" ({restricted_reason(first.restricted)})" if first.restricted else "")
            + (f" ({len(hard)} requests refused)" if len(hard) > 1 else ""),
            cite(first.decision),
            _s3_fix(first, state),
        )
    if blocked:
        return Link(index, name, UNKNOWN, blocked, fix=blocked_fix)
    if unknown:
        first = unknown[0]
        return Link(
            index,
            name,
            UNKNOWN,
            f"{first.call} as {first.role}: depends on {first.decision.unknown}",
            cite(first.decision),
            _unknown_fix(first, state),
        )
    if refused:
        first = refused[0]
        return Link(
            index,
            name,
            WARN,
            f"{first.call} as {first.role}: {first.action} {first.decision.reason}",
            cite(first.decision),
            _s3_fix(first, state),
        )
    cited = next((cite(o.decision) for o in outcomes if o.decision.statement), "")
    return Link(index, name, PASS, f"{len(outcomes)} requests allowed", cited)


def _unknown_fix(outcome: _Outcome, state: ChainState) -> str:
    """The fix of a step left not checked on ``outcome``'s request."""
    if outcome.decision.unknown == LISTING_KEYS_404_UNKNOWN:
        return _listing_keys_404_fix(outcome)
    return f"{_s3_fix(outcome, state)}; or {PROBE_FIX}" if outcome.action == OBJECT_ACL_ACTION else PROBE_FIX


def _listing_keys_404_fix(outcome: _Outcome) -> str:
    """
    The fix of a step left not checked on :data:`LISTING_KEYS_404_UNKNOWN`: the live probe where it settles it
    (:attr:`_Outcome.probed`; :func:`_layered` drops it where the link is not settled so), and a change of the statement
    that decides it: a ``Deny`` (a partner's, say) removed or scoped without the listing keys (the same Deny without
    its condition on them would deny every listing), as an ``Allow`` of ``s3:ListBucket`` without them does not lift it
    (IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access": "An explicit deny
    overrides an explicit allow"); else that ``Allow``.
    """
    probe = f"{LISTING_KEYS_404_PROBE}; or " if outcome.probed else ""
    if names_a_deny(outcome.decision):
        change = (
            f"remove that Deny ({cite(outcome.decision)}) or scope it without those keys (its condition dropped, it "
            "would deny every listing)"
        )
    else:
        change = "allow s3:ListBucket on the bucket without a condition on those keys"
    return f"{LISTING_KEYS_404_FIX}: {probe}{change}"


#: Why a request of another account is refused although the bucket policy may name it.
def restricted_reason(where: str) -> str:
    """Why a public bucket policy granted nothing: RestrictPublicBuckets on ``where``."""
    return (
        f"Block Public Access: RestrictPublicBuckets is on for {where} and S3 says the bucket policy is public "
        "(GetBucketPolicyStatus), so the policy grants nothing to other accounts"
    )


def _s3_fix(outcome: _Outcome, state: ChainState) -> str:
    decision = outcome.decision
    if str(decision.source).startswith(ENDPOINT_SOURCE):
        return (
            f"the {decision.source} does not let this request through ({'a Deny' if names_a_deny(decision) else 'no Allow'}"
            "): the endpoint's owner (the EMR account's network team) allows the partner's bucket in it, e.g. "
            "a statement with this bucket's ARN as Resource, or the cluster uses a subnet that reaches S3 otherwise"
        )
    return _policy_fix(outcome, state)


#: The bucket ACL permissions that may allow each request of the steps (S3 User Guide, "Access control list (ACL)
#: overview", "Permissions you can grant": on a bucket, READ lists its objects, WRITE creates (and, for their
#: owner, overwrites and deletes) objects in it, FULL_CONTROL is every one of them).
_ACL_PERMISSIONS = {
    "s3:ListBucket": ("READ", "FULL_CONTROL"),
    "s3:ListBucketMultipartUploads": ("READ", "FULL_CONTROL"),
    "s3:PutObject": ("WRITE", "FULL_CONTROL"),
    "s3:DeleteObject": ("WRITE", "FULL_CONTROL"),
    "s3:AbortMultipartUpload": ("WRITE", "FULL_CONTROL"),
}

#: The fix of a refusal S3 makes before any policy is evaluated, by its source.
_GATE_FIXES = {
    REQUESTER_PAYS: (
        f"set emrfs-site {REQUESTER_PAYS_HEADER}=true on the cluster (core-site {S3A_REQUESTER_PAYS}=true where "
        "s3:// is S3A; the connector then sends x-amz-request-payer: requester, and the requester's account pays "
        "for its requests)"
    ),
    BLOCK_PUBLIC_ACLS: (
        "drop the public canned ACL: set emrfs-site fs.s3.canned.acl to BucketOwnerFullControl (or unset it), "
        "which the partner's Block Public Access lets through; or the bucket's owner turns BlockPublicAcls off"
    ),
}

#: The other way out of a refusal of a role of another account, where a mapping may route the key (option (b)).
_OR_MAP = "; or map this key to the destination role (the bucket's account)"


def _policy_fix(outcome: _Outcome, state: ChainState) -> str:
    decision = outcome.decision
    # Option (a) maps nothing: every request goes as the EMR EC2 role, and its own grants are the fix.
    mapping_helps = state.security_configuration_name is not None
    if decision.source in _GATE_FIXES:
        return _GATE_FIXES[str(decision.source)] + (
            _OR_MAP if mapping_helps and decision.source == REQUESTER_PAYS else ""
        )
    if outcome.restricted:
        return (
            "make the bucket policy non-public (remove or condition its statements that allow everyone, see "
            "S3 User Guide, \"The meaning of 'public'\"), or turn RestrictPublicBuckets off for "
            f"{outcome.restricted} (PutPublicAccessBlock)" + (_OR_MAP if mapping_helps else "")
        )
    if names_a_deny(decision) and decision.source == "bucket policy":
        return "the bucket policy denies it: change or narrow that statement (it is not the provider's)"
    if names_a_deny(decision):
        return f"a Deny in {decision.source} blocks it: change that statement"
    if outcome.action == OBJECT_ACL_ACTION:
        return (
            "uploads carry x-amz-acl (emrfs-site fs.s3.canned.acl), so they also need s3:PutObjectAcl on the "
            "prefix's objects (where ACLs are enabled; where they are disabled AWS does not say, and granting it "
            "is harmless): for the destination role, EnsureDestinationRoleOperator object_acl=True; for a role "
            "of another account also the bucket policy (GrantBucketAccessOperator on a BucketOwnerPreferred bucket, "
            "GrantEmrRoleBucketAccessOperator canned_acl=True). Or drop fs.s3.canned.acl where the bucket is "
            "BucketOwnerEnforced (it needs no ACL)"
        )
    if mapping_helps and outcome.why_role.startswith("no mapping"):
        return (
            "this key is not covered by any mapping, so EMRFS sends it as the EMR EC2 role: map the prefix "
            "without its trailing slash (s3://bucket/prefix) so the prefix's own key and its _$folder$ marker "
            "go through the destination role"
        )
    if decision.source == "permissions boundary":
        return "the role's permissions boundary does not allow it: widen the boundary"
    if outcome.for_404:
        return (
            "allow s3:ListBucket on the bucket (S3 answers a HEAD of a missing key 404 only then, else 403), without a "
            "condition on s3:prefix, s3:delimiter or s3:max-keys (AWS does not document which of them that check "
            "carries)"
        )
    unmet = f"{unmet_fix(decision)}; or " if decision.unmet is not None else ""
    if decision.source == "resource" and decision.reason == IMPLICIT_DENY:
        return f"{unmet}{bucket_policy_fix(state, outcome.role)}"
    return f"{unmet}{prefix_identity_fix(state, outcome.role)}"
