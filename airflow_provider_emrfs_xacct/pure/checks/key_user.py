"""The roles that write may use the KMS key S3 encrypts with (the bucket's default, or the one the uploads ask for)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.bucket_policy import (
    SSE_KMS_ALGORITHMS,
    predefined_alias_service,
    refuse_unusable_bucket_key,
)
from airflow_provider_emrfs_xacct.pure.checks.contexts import (
    PROBE_KMS_CALLS,
    KmsUse,
    bucket_arn_context,
    bucket_of_s3_arn,
    client_side_encryption,
    custom_encryption_context,
    encryption_not_known,
    has_condition_on,
    identity_side,
    kms_request,
    plain_http_endpoint,
    requested_encryption,
    tls_off,
)
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    PROBE_FIX,
    SOME_KEYS_FIX,
    UNKNOWN,
    Evaluated,
    Link,
    cite,
    condition_shown,
    names_a_deny,
    not_settled_by_probe,
    some_keys_only,
    unmet_fix,
)
from airflow_provider_emrfs_xacct.pure.checks.grant_fixes import key_fix
from airflow_provider_emrfs_xacct.pure.checks.per_node import (
    per_node_doubt,
    time_doubt,
    unsettled_in_time,
    unsettled_per_node,
)
from airflow_provider_emrfs_xacct.pure.checks.state import (
    PROBE_KEY,
    BucketState,
    ChainState,
    RoleState,
    Unreadable,
    requested_key_entry,
)
from airflow_provider_emrfs_xacct.pure.evaluator import Decision, Request, evaluate_access, may_apply
from airflow_provider_emrfs_xacct.pure.exceptions import PreconditionError
from airflow_provider_emrfs_xacct.pure.key_scope import Keys, Telling, first_telling
from airflow_provider_emrfs_xacct.pure.kms_grants import describe_grant, match_grants
from airflow_provider_emrfs_xacct.pure.kms_keys import (
    KeyProblem,
    effective_key_policy,
    ineffective_statements,
    key_problem,
    missing_elements,
)
from airflow_provider_emrfs_xacct.pure.requests import RENAME_STEP
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn, partition_of_arn, region_of_arn

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_emrfs_xacct.pure.key_scope import Policy
    from airflow_provider_emrfs_xacct.pure.validation import S3Location


#: What the object of a rename's KMS call is (``requests.RENAME_REQUESTS``).
RENAMED_OBJECT = (
    "the rename of a job without the EMRFS S3-optimized committer: its CopyObject decrypts the _temporary source and "
    "encrypts the final key"
)


def audit(
    state: ChainState,
    index: int | None,
    bucket: BucketState,
    location: S3Location,
    uses: list[KmsUse],
    evaluated: list[Evaluated],
    grants_wanted: set[str] | None = None,
) -> Link:
    """
    Evaluate each KMS call S3 makes for the writers under ``location`` against the key policy, and the key's
    grants where the policies do not allow it.

    A pass is only "not checked" when the uploads are also encrypted client-side: EMRFS then uses that key
    itself, which is not judged here.

    :param uses: (role, KMS action, object ARN) for every request that makes S3 call KMS.
    :param evaluated: each identity-side request is appended here, for the simulator's second opinion.
    :param grants_wanted: the ARN of a key whose grants would decide the link but were not read
        (:attr:`ChainState.key_grants`) is added here; the link then fails as if the key had no grant.
    """
    wanted = set() if grants_wanted is None else grants_wanted
    link = _server_side(state, index, bucket, location, uses, evaluated, wanted)
    plain = _over_plain_http(state, index, link.link, bucket, location.bucket)
    # A refusal of the key itself stays the failure named, and a doubt of the link's own its doubt.
    if plain is not None and link.status != FAIL and (plain.status == FAIL or link.status != UNKNOWN):
        link = plain
    client_side = client_side_encryption(state, location.bucket)
    if link.status == FAIL or not client_side:
        return link
    # The probe's one upload makes EMRFS call KMS for the client-side key as an upload does, but the job's objects
    # are also "decrypted after they are downloaded" (Amazon EMR Release Guide, "Amazon S3 client-side encryption"):
    # the read back's kms:Decrypt is no call of the probe's. And which encryption context EMRFS passes KMS for its
    # own calls is not documented, so whether a statement tells the probe's object from the job's is not known: a
    # passing probe settles neither a passing nor a not-checked server-side link here.
    detail = (
        f"{link.detail}; {'but' if link.status == PASS else 'and'} uploads are also encrypted client-side, "
        f"{client_side}: EMRFS uses that key itself, not through S3, and it is not checked"
    )
    kept = "" if link.status == PASS else link.fix.removesuffix(f"; or {PROBE_FIX}")
    fix = CLIENT_SIDE_FIX if kept in ("", PROBE_FIX) else f"{kept}; {CLIENT_SIDE_FIX}"
    return replace(link, status=UNKNOWN, detail=detail, fix=fix, probe_settles=False)


#: The fix of a key link left not checked on the client-side key, which the live probe does not settle.
CLIENT_SIDE_FIX = (
    "let the writers use the client-side key (kms:GenerateDataKey for the uploads, kms:Decrypt for the reads back) in "
    "its key policy and their own policies, and check a job's write and read back: the live probe's one upload reads "
    "nothing back"
)


#: S3's answer to a request for an object protected by AWS KMS that is not made over TLS (AWS Knowledge Center,
#: "How do I troubleshoot the error 'Requests specifying Server Side Encryption with AWS KMS managed keys require AWS
#: Signature Version 4'…": "For requests that specify AWS KMS managed keys, you must use SSL or TLS").
PLAIN_HTTP_REFUSED = (
    "S3 refuses every GET and PUT of an object protected by AWS KMS that is not made over TLS, whatever the policies "
    'allow (400 InvalidArgument: "Requests specifying Server Side Encryption with AWS KMS managed keys must be made '
    'over a secure connection")'
)


def _over_plain_http(
    state: ChainState, index: int | None, name: str, bucket: BucketState, bucket_name: str
) -> Link | None:
    """
    The key link where the write's objects are encrypted with SSE-KMS and its requests go over plain HTTP: failing
    where a setting certainly turns TLS off, not checked where one may (:func:`~.contexts.tls_off`); ``None``: neither.

    Amazon S3 API Reference, PutObject, ``x-amz-server-side-encryption-aws-kms-key-id``: "All GET and PUT requests for
    an object protected by AWS KMS fail if they're not made via SSL or using SigV4"; :data:`PLAIN_HTTP_REFUSED`. So the
    uploads and the reads back fail, and no Condition on ``aws:SecureTransport`` matters.
    """
    encrypted = _kms_protected(state, bucket, bucket_name)
    setting, certain = tls_off(state, bucket_name) if encrypted else ("", False)
    if not setting:
        return None
    endpoint = setting == plain_http_endpoint(state, bucket_name)
    fix = (
        f"name the S3 endpoint in {setting.split('=', 1)[0]} as https://HOST or by its host name alone"
        if endpoint
        else f"remove {setting} from the cluster's configuration, or set it to true"
    )
    if certain:
        return Link(index, name, FAIL, f"{encrypted}, and {setting} turns TLS off: {PLAIN_HTTP_REFUSED}", fix=fix)
    doubt = (
        "a URL not over https, which the connector may call over plain HTTP"
        if endpoint
        else "may turn TLS off (how the s3:// connector reads it, or which connector reads it, is not documented)"
    )
    return Link(
        index, name, UNKNOWN, f"{encrypted}, and {setting}: {doubt}; {PLAIN_HTTP_REFUSED}", fix=f"{fix}; or {PROBE_FIX}"
    )


def _kms_protected(state: ChainState, bucket: BucketState, bucket_name: str) -> str:
    """
    Why the objects the write puts in ``bucket`` are encrypted with SSE-KMS, as a phrase (``""``: they are not, or
    that is not known): the uploads ask for it, or they ask for nothing and the bucket's default is SSE-KMS or
    DSSE-KMS (S3 API Reference, ServerSideEncryptionRule: the default applies to a request that "doesn't specify any
    server-side encryption").
    """
    requested = requested_encryption(state, bucket_name)
    if requested is None or requested[0] == "AES256":
        return ""
    if requested[0] == "aws:kms":
        return f"every upload to {bucket_name} asks for SSE-KMS (the security configuration or emrfs-site)"
    if "encryption" in bucket.unreadable or bucket.sse_algorithm not in SSE_KMS_ALGORITHMS:
        return ""
    return f"the uploads to {bucket_name} ask for no encryption and the bucket's default is {bucket.sse_algorithm}"


def _server_side(
    state: ChainState,
    index: int | None,
    bucket: BucketState,
    location: S3Location,
    uses: list[KmsUse],
    evaluated: list[Evaluated],
    grants_wanted: set[str],
) -> Link:
    """The link of the key S3 encrypts with (the bucket's default, or the one the uploads ask for)."""
    name = f"use bucket key for {location.uri}"
    requested = _requested_key(state, index, name, bucket, location, uses)
    key = _default_key(state, index, name, bucket, location, uses) if requested is None else requested
    # The bucket's ARN (an S3 Bucket Key) or each object's as the encryption context, by the algorithm the uploads
    # ask for (else the bucket's default), or why that is not known: one rule with the probe's (s3_access).
    context = bucket_arn_context(state, bucket, location.bucket)
    if isinstance(key, Link):
        return _unless_probe_alike(key, uses, same_context=context is True)
    # Every judgement of the key's calls reads the key policy as KMS does: without the statements it ignores.
    key = (key[0], effective_key_policy(key[1]), key[2])
    calls = _Calls(state, (index, name), key, location, uses, evaluated, grants_wanted, requested is not None)
    bucket_arn = f"arn:{partition_of_arn(key[0])}:s3:::{location.bucket}"
    if isinstance(context, str):
        link = _either_context(calls, _judged(calls, None), _judged(calls, bucket_arn), context)
    else:
        link = _judged(calls, bucket_arn if context else None)
    if link.status != PASS:
        return link
    doubt = _alias_arn_doubt(link, key, bucket, uses, requested=requested is not None)
    return link if doubt is None else _unless_probe_alike(doubt, uses, same_context=True)


@dataclass(frozen=True)
class _Calls:
    """The KMS calls S3 makes for the writers under a prefix with one key, and what they are judged with."""

    state: ChainState
    #: The key link's mapping index and name.
    link: tuple[int | None, str]
    #: The key's ARN, its policy, and the key as the uploads or the bucket name it.
    key: tuple[str, dict[str, Any], str]
    location: S3Location
    uses: list[KmsUse]
    evaluated: list[Evaluated]
    grants_wanted: set[str]
    #: The uploads ask for the key (not the bucket's default).
    requested: bool

    def probe_makes_all(self) -> bool:
        """Whether a passing live probe shows every call allowed, each object's ARN the context (:func:`_probe_makes`)."""
        objects = _objects_of(self.key[0], self.location)
        return all(_probe_makes(self.state, use, self.key, objects) for use in self.uses)


def _judged(calls: _Calls, bucket_arn: str | None) -> Link:
    """
    The key link with ``bucket_arn`` as the encryption context of every call (an S3 Bucket Key), or each object's ARN
    (``None``): passing, failing on the first call refused for certain, or not checked.

    A call repeated with the same encryption context is judged once. Without an S3 Bucket Key, S3 "uses an individual
    AWS KMS data key for every object" (Amazon S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket
    Keys") and the context is the object's ARN; with one, "the encryption context will be the bucket Amazon Resource
    Name (ARN) and not the object ARN" ("Configuring your bucket to use an S3 Bucket Key with SSE-KMS for new
    objects"). So each object's call is judged: a Condition or grant constraint may allow some objects only.
    """
    state, key, link = calls.state, calls.key, calls.link
    last: Decision | None = None
    granted: dict[str, dict[str, None]] = {}  # a grant that allows what the policies do not: the calls it allows
    seen: set[tuple[str, str, bool, str]] = set()
    unknown: Link | None = None  # the first call not known to be allowed; a later refusal still fails the link
    # The first such call a passing probe does not settle: the one named when the link is not settled by it, so that
    # its detail names what the fix says the probe does not do (review J42: it named the first, a call of the probe's).
    unsettled: Link | None = None
    objects = None if bucket_arn else _objects_of(key[0], calls.location)
    split: tuple[str, Telling] | None = None  # a statement deciding some objects under the prefix only
    for use in calls.uses:
        role, action = use.role, use.action
        resource = bucket_arn or use.object_arn
        if (role.arn, action, use.names_key, resource) in seen:
            continue
        seen.add((role.arn, action, use.names_key, resource))
        split = split or _some_objects_only(state, use, key, objects)
        judged = _judge_call(state, link, use, resource, key, calls.evaluated, calls.grants_wanted, objects=objects)
        if isinstance(judged, str):
            granted.setdefault(judged, {})[f"{action} as {role.arn}"] = None
        elif isinstance(judged, Decision):
            last = judged
        elif judged.status != UNKNOWN:
            return judged
        else:
            unknown = unknown or judged
            if not (judged.probe_settles and _probe_makes(state, use, key, objects)):
                unsettled = unsettled or judged
    if split is not None:  # a refusal for certain fails the link first
        return some_keys_only(unknown or Link(*link, PASS, ""), *split)
    if unknown is not None:
        return unknown if unsettled is None else _not_settled_by_probe(unsettled)
    return _passed(link, key[0], calls.requested, calls.uses, granted, last)


def _either_context(calls: _Calls, by_object: Link, by_bucket: Link, why: str) -> Link:
    """
    The key link where S3 may pass KMS each object's ARN or the bucket's as the encryption context, and which is not
    known (``why``: :func:`~.contexts.bucket_arn_context`): judged with both, passing or failing where both do, not
    checked otherwise. A passing probe settles it where it makes every call, for an object the policies decide as the
    job's: S3 uses the bucket's setting for the probe's upload as for the job's.
    """
    if by_object.status == by_bucket.status == PASS:
        return by_object
    if by_object.status == by_bucket.status == FAIL:
        return replace(
            by_object,
            detail=f"{by_object.detail}; refused as well with the bucket's ARN as the encryption context (an S3 "
            f"Bucket Key), which S3 may pass instead: {why}",
        )
    outcome = {PASS: "the calls are allowed", FAIL: "one is refused: ", UNKNOWN: "one is not known: "}
    detail = (
        f"{why}; with each object's ARN as the encryption context {outcome[by_object.status]}"
        f"{'' if by_object.status == PASS else by_object.detail}; with the bucket's ARN "
        f"{outcome[by_bucket.status]}{'' if by_bucket.status == PASS else by_bucket.detail}"
    )
    refused = by_object if by_object.status == FAIL else by_bucket
    link = Link(
        *calls.link,
        UNKNOWN,
        detail,
        refused.statement or by_object.statement,
        "make the statements that decide these calls allow them with either encryption context (the bucket's ARN and "
        f"each object's); or {PROBE_FIX}",
    )
    settles = calls.probe_makes_all() and all(each.probe_settles for each in (by_object, by_bucket))
    return link if settles else _not_settled_by_probe(link)


@dataclass(frozen=True)
class _Objects:
    """
    The objects the key link's calls are for, as a ``Condition`` on ``kms:EncryptionContext:aws:s3:arn`` tells them
    apart: without an S3 Bucket Key S3 passes each object's ARN as the encryption context (Amazon S3 User Guide,
    "Using server-side encryption with AWS KMS keys (SSE-KMS)"; with one, the bucket's ARN for every object: then
    there is no ``_Objects``).
    """

    #: Every object under the prefix, the keys a job writes there (:func:`~.requests.under_prefix`).
    under: Keys
    #: The live probe's objects, ``PREFIX<probe key>/…`` (``verify.probe_key``).
    probe: Keys

    def of(self, object_arn: str) -> Keys:
        """The objects ``object_arn`` stands for: every one under the prefix, or itself (the prefix's own keys)."""
        return self.under if object_arn.startswith(self.under.start) else Keys(object_arn, exact=True)


def _objects_of(key_arn: str, location: S3Location) -> _Objects:
    """The objects under ``location`` and the live probe's there, by their ARNs."""
    # The table's keys are the stem's (``{p}/…``, ``pure/requests.py``), as :func:`~.s3_access.audit` expands them.
    under = f"arn:{partition_of_arn(key_arn)}:s3:::{location.bucket}/{location.stem + '/' if location.stem else ''}"
    return _Objects(Keys(under), Keys(f"{under}{PROBE_KEY}/"))


def _kms_policies(role: RoleState, key_policy: Any) -> list[Policy]:
    """The policies that decide S3's KMS call as ``role``: the key policy, the role's policies and its boundary."""
    policies: list[Policy] = [("key policy", key_policy, True)]
    policies.extend((name, document, False) for name, document in role.policies)
    return policies + ([(role.boundary[0], role.boundary[1], False)] if role.boundary is not None else [])


def _boundary(use: KmsUse) -> str:
    """The name of the calling role's permissions boundary among :func:`_kms_policies` (``""``: none)."""
    return use.role.boundary[0] if use.role.boundary is not None else ""


def _some_objects_only(
    state: ChainState, use: KmsUse, key: tuple[str, dict[str, Any], str], objects: _Objects | None
) -> tuple[str, Telling] | None:
    """
    The call ``use`` and a statement that may decide it for some objects under the prefix and not others by its
    ``Condition`` on ``kms:EncryptionContext:aws:s3:arn`` (``pure/key_scope.py``), or ``None``: the call is made for
    each object a job writes, whose keys the verifier does not know (:data:`~.requests.PART`).
    """
    keys = objects.of(use.object_arn) if objects is not None else None
    if keys is None or keys.exact:
        return None
    request = kms_request(state, use.role, use.action, key[0], use.object_arn)
    telling = first_telling(_kms_policies(use.role, key[1]), request, (keys,), by_context=True, boundary=_boundary(use))
    what = f"{use.action} on {key[0]} as {use.role.arn}, which S3 makes for each object (here {use.object_arn})"
    return None if telling is None else (what, telling)


def _unless_probe_alike(link: Link, uses: list[KmsUse], *, same_context: bool) -> Link:
    """
    ``link``, left not checked before any call is judged (the key or its policy unread, the key's name in doubt): the
    probe settles it only if every call is one its write makes, as the same role, and (``same_context``) with the
    encryption context of the job's calls: the bucket's ARN (an S3 Bucket Key), or any where the policies that decide
    the calls were read and judged alike for every object (:func:`_decided_as_the_probes`).
    """
    alike = same_context and all(use.probed and (use.action, use.names_key) in PROBE_KMS_CALLS for use in uses)
    return link if link.status != UNKNOWN or alike else _not_settled_by_probe(link)


def _passed(
    link: tuple[int | None, str],
    key_arn: str,
    requested: bool,
    uses: list[KmsUse],
    granted: dict[str, dict[str, None]],
    last: Decision | None,
) -> Link:
    """The passing key link: who may use the key, for which calls, and the grants that allow what the policies do not."""
    roles = sorted({use.role.arn for use in uses})
    # AWS KMS API Reference, CreateGrant: "there might be a brief delay, usually less than five minutes, until the
    # grant is available throughout KMS" (eventual consistency); only a grant token uses it sooner, and S3 sends none.
    grants = "".join(
        f"; the policies do not allow {', '.join(calls)}, {grant} does" for grant, calls in granted.items()
    )
    if grants:
        grants += " (a grant is in effect once KMS is eventually consistent, usually within five minutes)"
    return Link(
        *link,
        PASS,
        f"{', '.join(roles)} may use {key_arn}{' (the key every upload asks for)' if requested else ''} "
        f"through S3 ({', '.join(sorted({use.action for use in uses}))}){grants}",
        cite(last) if last is not None else "",
    )


def _is_alias_arn(key: str) -> bool:
    """Whether ``key`` is an alias ARN (``arn:aws:kms:REGION:ACCOUNT:alias/NAME``), not a key ARN."""
    return key.startswith("arn:") and key.split(":", 5)[-1].startswith("alias/")


def _alias_arn_doubt(
    passed: Link, key: tuple[str, dict[str, Any], str], bucket: BucketState, uses: list[KmsUse], *, requested: bool
) -> Link | None:
    """
    The passing link left not checked where the key is named by an alias ARN for a writer of another account, or
    ``None``. An alias ARN is not a key ARN (AWS KMS Developer Guide, "Key identifiers (KeyId)"), and S3 documents
    the key ARN only: for the bucket's default, "If you are using encryption with cross-account or AWS service
    operations, you must use a fully qualified KMS key ARN" (Amazon S3 API Reference, ServerSideEncryptionByDefault,
    KMSMasterKeyID); for a key asked for, "If the KMS key doesn't exist in the same account that's issuing the
    command, you must use the full Key ARN" (PutObject, ``x-amz-server-side-encryption-aws-kms-key-id``). Whether S3
    uses the key an alias ARN names for such a writer is not documented. An alias name or key id is judged before
    (:func:`_foreign_writers`, :func:`_requested_key`).
    """
    key_arn, _, named = key
    if not _is_alias_arn(named):
        return None
    # The default: the write is cross-account where the writer is not in the bucket's or the key's account; a key
    # asked for: where the writer is not in the key's account.
    accounts = {account_of_arn(named)} | (set() if requested else {bucket.account})
    roles = sorted({use.role.arn for use in uses if account_of_arn(use.role.arn) not in accounts})
    if not roles:
        return None
    where, fix = (
        ("every upload asks for it", "name the key by its key ARN in the security configuration or emrfs-site")
        if requested
        else ("the bucket's default encryption names it", "set the bucket's default encryption to the key's ARN")
    )
    return replace(
        passed,
        status=UNKNOWN,
        detail=f"{passed.detail}; but {where} by the alias ARN {named}, and {', '.join(roles)} write from another "
        f"account than {' and '.join(sorted(accounts))}: S3 documents a key ARN for that, not an alias ARN, and "
        "whether S3 uses the key the alias names for them is not documented",
        fix=f"{fix} ({key_arn}, not the alias ARN); or {PROBE_FIX}",
    )


def _judge_call(
    state: ChainState,
    link: tuple[int | None, str],
    use: KmsUse,
    resource: str,
    key: tuple[str, dict[str, Any], str],
    evaluated: list[Evaluated],
    grants_wanted: set[str],
    *,
    objects: _Objects | None = None,
) -> Decision | Link | str:
    """
    One KMS call S3 makes as ``role``: the decision that allows it, the grant that does where the policies do not,
    or the link when it is refused or not known to be allowed.

    :param link: the key link's mapping index and name.
    :param key: the key's ARN, its policy, and the key as the uploads or the bucket name it.
    :param objects: the objects under the prefix, as the encryption context tells them apart (``None``: it does not).
    """
    key_arn, key_policy, _ = key
    role, action = use.role, use.action
    request = kms_request(state, role, action, key_arn, resource)
    decision = evaluate_access(
        request,
        identity_policies=role.policies,
        resource_policies=[("key policy", key_policy)],
        resource_account=account_of_arn(key_arn),
        resource_policy_required=True,
        boundary=role.boundary,
    )
    evaluated.append(Evaluated(role.arn, action, key_arn, dict(request.context), identity_side(request, role)))
    what = f"{action} on {key_arn} as {role.arn}"
    # No Bucket Key: the encryption context is the object's ARN, and the refusal that object's call.
    per_object = f"; S3 makes this call for object {resource}" if resource == use.object_arn else ""
    # The rename's copy decrypts its source (S3 API Reference, "CopyObject", "Permissions"): only renaming jobs make it.
    per_object += f" ({RENAMED_OBJECT})" if per_object and use.step == RENAME_STEP else ""
    fix = key_fix(state, role.arn, decision.source)
    refused = _refused(*link, (what, per_object), decision, request.context, fix)
    if refused is None:
        return decision
    if refused.status == FAIL and decision.statement is None:
        in_prefix = objects is not None and not objects.of(use.object_arn).exact
        judged = _through_grants(state, refused, key_arn, role, request, grants_wanted, in_prefix=in_prefix)
        judged = _denied_despite_grant(judged, refused, decision, per_object)
        judged = _aws_managed_refusal(state, judged, key_arn, role.arn, key_fix(state, role.arn, None))
        if isinstance(judged, str):
            return judged
        refused = judged
    refused = _unless_alike_on_every_node(refused, request, role, key_policy)
    return _naming_ineffective(refused, state.key_policies.get(key_arn), request)


def _naming_ineffective(refused: Link, read: Any, request: Request) -> Link:
    """
    ``refused``, naming each ``Allow`` of the key policy as read that would allow the call but lacks ``Resource`` or
    ``Action`` (a key-user statement someone left without ``"Resource": "*"``, say), which KMS ignores: "If either of
    the required Resource or Action elements are missing from a key policy statement, the policy statement has no
    effect" (AWS KMS API Reference, PutKeyPolicy, ``Policy``; :func:`~.kms_keys.effective_key_policy`). Its fix is to
    add what is missing.
    """
    named: list[str] = []
    fixes: list[str] = []
    for statement in ineffective_statements(read):
        missing = missing_elements(statement)
        completed = {"Resource": "*", "Action": request.action, **statement}
        if statement.get("Effect") != "Allow" or not may_apply(completed, request, resource_policy=True):
            continue
        sid = f"statement {statement['Sid']!r}" if isinstance(statement.get("Sid"), str) else "a statement"
        lacks = " and ".join(missing)
        named.append(
            f"{sid} of the key policy would allow it but has no {lacks}, so it has no effect on AWS (KMS takes such a "
            "statement and ignores it)"
        )
        added = [
            '"Resource": "*"' if each == "Resource" else f'an "Action" naming {request.action}' for each in missing
        ]
        fixes.append(f"add {' and '.join(added)} to {sid} of the key policy")
    if not named:
        return refused
    return replace(
        refused,
        detail=f"{refused.detail}; {'; '.join(named)}",
        fix="; ".join([*fixes, *([refused.fix] if refused.fix else [])]),
    )


def _unless_alike_on_every_node(link: Link, request: Request, role: RoleState, key_policy: Any) -> Link:
    """
    ``link``, not settled by a passing live probe where it is not checked on a statement of the key policy or the
    role's policies that tests what each node has its own (:func:`~.per_node.per_node_doubt`).

    S3 calls KMS for each upload with a forward access session of the uploading session, in which "the original
    requester's IP address is preserved" (IAM User Guide, "AWS: Denies access to AWS based on the source IP";
    "Forward access sessions"): each core and task node's upload is judged on that node's session and address, while
    the probe's step runs on the primary node only ("Steps run only on the master node": AWS CLI Command Reference,
    "emr add-steps"). Nor where it is not checked on the time of the request (:func:`~.per_node.time_doubt`): the
    probe's upload comes before a job's.
    """
    if link.status != UNKNOWN:
        return link
    policies = _kms_policies(role, key_policy)
    sent = "S3 calls KMS for each node's upload with that node's session, keeping its address"
    return unsettled_in_time(
        unsettled_per_node(link, per_node_doubt(request, policies), sent), time_doubt(request, policies)
    )


def _denied_despite_grant(judged: Link | str, refused: Link, decision: Decision, per_object: str) -> Link | str:
    """
    ``judged``, or the link left not checked where a grant allows what the policies do not but a ``Deny`` of theirs
    may apply (:attr:`~.evaluator.Decision.maybe_deny`): a grant "can allow access to a KMS key, but not deny access"
    (AWS KMS Developer Guide, "Grants in AWS KMS"), and no principal has a permission to a KMS key "unless that
    permission is provided explicitly and never denied" ("KMS key access and permissions"). A certain ``Deny`` is
    refused before any grant is read.
    """
    deny = decision.maybe_deny
    if not isinstance(judged, str) or deny is None:
        return judged
    return replace(
        refused,
        status=UNKNOWN,
        detail=f"{refused.detail.removesuffix(per_object)}; {judged} allows it, but a Deny in the {deny.source} may "
        f"apply, depending on {deny.unknown}, and a grant does not lift a Deny{per_object}",
        statement=cite(deny),
        fix=f"make that Deny independent of what is not known for this call; or {PROBE_FIX}",
    )


def _aws_managed_refusal(state: ChainState, judged: Link | str, key_arn: str, role_arn: str, grant: str) -> Link | str:
    """
    ``judged``, with the fix that can work when it refuses a writer of another account an AWS managed key: its
    policy is AWS's, which "cannot be changed" and lets only principals of its own account use it (AWS KMS Developer
    Guide, "AWS managed keys" and "kms:CallerAccount"), so no Condition or grant of the provider's can change that.
    """
    if isinstance(judged, str) or judged.status != FAIL or account_of_arn(role_arn) == account_of_arn(key_arn):
        return judged
    if not is_aws_managed(state, key_arn):
        return judged
    return replace(
        judged,
        fix=f"{key_arn} is an AWS managed key (aws/s3), whose policy AWS keeps and which only principals of account "
        f"{account_of_arn(key_arn)} may use: name a customer managed key of that account by its ARN (the bucket's "
        f"default encryption, or AwsKmsKey in the security configuration), then {grant}",
    )


#: The fix of a key link left not checked on a KMS call the probe does not make.
NOT_SETTLED_BY_PROBE_FIX = (
    "the live probe does not settle it (its one small PutObject makes S3 call kms:GenerateDataKey for a request that "
    "names the key, with its own object's ARN as the encryption context: not this call): make the statement that "
    "decides this call independent of what is not known, or check a job's write"
)


def _not_settled_by_probe(link: Link) -> Link:
    """``link``, which a passing probe does not settle: its fix no longer offers the probe."""
    return not_settled_by_probe(link, NOT_SETTLED_BY_PROBE_FIX)


def _probe_makes(
    state: ChainState, use: KmsUse, key: tuple[str, dict[str, Any], str], objects: _Objects | None
) -> bool:
    """
    Whether a passing live probe shows that S3's call ``use`` is allowed: the probe's write goes its route and
    makes that call (:data:`PROBE_KMS_CALLS`), or one no policy tells apart from it: a part's data key, whose request
    may differ from the probe's in ``kms:RequestAlias`` (neither known: :func:`~.contexts.kms_request`; S3 may send
    KMS another KeyId for a part, which names no key, than for the upload that does), where no statement
    of the key policy, the role's policies or its boundary tests that key; and, either way, for an object the policies
    decide as the probe's (:func:`_decided_as_the_probes`): without an S3 Bucket Key the request carries its object's
    ARN as ``kms:EncryptionContext:aws:s3:arn``, the probe's its own object's.
    """
    if not use.probed or not _decided_as_the_probes(state, use, key, objects):
        return False
    if (use.action, use.names_key) in PROBE_KMS_CALLS:
        return True
    if (use.action, True) not in PROBE_KMS_CALLS:
        return False
    boundary = use.role.boundary[1] if use.role.boundary is not None else None  # (name, document)
    documents = [key[1], *(document for _, document in use.role.policies), boundary]
    return not any(has_condition_on(document, _REQUEST_ALIAS) for document in documents)


def _decided_as_the_probes(
    state: ChainState, use: KmsUse, key: tuple[str, dict[str, Any], str], objects: _Objects | None
) -> bool:
    """
    Whether every statement that may decide ``use`` decides its object (or, under the prefix, every object there) as
    it decides the probe's: no ``Condition`` on ``kms:EncryptionContext:aws:s3:arn`` (AWS KMS Developer Guide, "AWS
    KMS condition keys") names the one and not the other. Always with an S3 Bucket Key (``objects`` ``None``: the
    context is the bucket's ARN for both); never where the role's policies were not all read.
    """
    if objects is None:
        return True
    if use.role.unreadable:
        return False
    request = kms_request(state, use.role, use.action, key[0], use.object_arn)
    keys = (objects.of(use.object_arn), objects.probe)
    policies = _kms_policies(use.role, key[1])
    return first_telling(policies, request, keys, by_context=True, boundary=_boundary(use)) is None


_REQUEST_ALIAS = frozenset({"kms:requestalias"})


def _default_key(
    state: ChainState,
    index: int | None,
    name: str,
    bucket: BucketState,
    location: S3Location,
    uses: list[KmsUse],
) -> Link | tuple[str, dict[str, Any], str]:
    """The bucket's default key: its ARN, policy and name as the bucket names it; or the link when it is not checked."""
    if bucket.sse_algorithm in SSE_KMS_ALGORITHMS:
        what = "the key of the bucket's default encryption"
        elsewhere = _other_region_link(index, name, what, bucket.kms_key_id, bucket)
        if elsewhere is not None:
            return elsewhere
    foreign = _foreign_writers(index, name, bucket, location, uses)
    if foreign is not None:
        return foreign
    key = _key(state, index, name, bucket)
    if isinstance(key, Link):
        return key
    return (*key, bucket.kms_key_id or "")


def _through_grants(
    state: ChainState,
    refused: Link,
    key_arn: str,
    role: RoleState,
    request: Request,
    grants_wanted: set[str],
    *,
    in_prefix: bool = False,
) -> Link | str:
    """
    Whether a grant on the key allows the call its policies do not (no explicit ``Deny`` refused it): the grant
    that allows it, or the link (``refused`` when no grant does, "not checked" when that is not known).

    KMS authorizes through grants as well as the key policy and IAM policies (AWS KMS Developer Guide, "KMS key
    access and permissions"; see :mod:`~airflow_provider_emrfs_xacct.pure.kms_grants`). The grants of the AWS
    managed key ``aws/s3`` are not read: its policy already lets its account use it through S3.

    :param in_prefix: the call is for an object under the prefix, standing for every one a job writes there, with
        its ARN as the encryption context: a grant constrained on ``aws:s3:arn`` (an exact value, AWS KMS API
        Reference, GrantConstraints) allows it for that one object only, so not for the others (not checked).
    """
    if not isinstance(state.key_policies.get(key_arn), dict):
        return refused
    grants = state.key_grants.get(key_arn)
    if grants is None:
        grants_wanted.add(key_arn)
        return refused
    if isinstance(grants, Unreadable):
        return replace(
            refused,
            status=UNKNOWN,
            detail=f"{refused.detail}; a KMS grant on the key could still allow it, and its grants were not read: "
            f"{grants.detail}",
            fix=f"allow kms:ListGrants on {key_arn} to the destination connection; or {PROBE_FIX}",
        )
    # S3's encryption context for SSE-KMS is {"aws:s3:arn": <object or bucket ARN>} (S3 User Guide, "Using
    # server-side encryption with AWS KMS keys (SSE-KMS)", "Encryption context").
    context = {"aws:s3:arn": str(request.context["kms:EncryptionContext:aws:s3:arn"])}
    match = match_grants(grants, role.arn, key_arn, request.action, context)
    if in_prefix and match.allowing is not None and _constrains_object(match.allowing):
        # Another grant allowing the call for every object alike leaves the one-object grant deciding none: a grant
        # only allows ("A grant can allow access to a KMS key, but not deny access": "Grants in AWS KMS").
        unconstrained = [each for each in grants if not _constrains_object(each)]
        alike = match_grants(unconstrained, role.arn, key_arn, request.action, context)
        match = alike if alike.allowing is not None else match
    extra = custom_encryption_context(state, bucket_of_s3_arn(context["aws:s3:arn"]))
    constrained = match.constrained if match.allowing is None else (match.allowing,)
    if extra and any(grant.get("Constraints") for grant in constrained):
        return replace(
            refused,
            status=UNKNOWN,
            detail=f"{refused.detail}; a grant on the key constrains the encryption context, and the uploads add one "
            f"of the cluster's own ({extra}), which the verifier does not model",
            fix=PROBE_FIX,
        )
    if match.allowing is None and match.unsettled:
        return replace(refused, status=UNKNOWN, detail=f"{refused.detail}; but {match.unsettled}", fix=PROBE_FIX)
    if match.allowing is not None and in_prefix and _constrains_object(match.allowing):
        return replace(
            refused,
            status=UNKNOWN,
            detail=f"{refused.detail}; {describe_grant(match.allowing)} allows it with the encryption context "
            f"{match.allowing.get('Constraints')} only, which names one object: it decides only some keys under the "
            "prefix, and a job writes keys the verifier does not know",
            fix=SOME_KEYS_FIX,
            probe_settles=False,
        )
    if match.allowing is None:
        nearly = "".join(
            f"; {describe_grant(grant)} allows it only with {grant.get('Constraints')}, and S3 sends the encryption "
            f"context {context}"
            for grant in match.constrained
        )
        return replace(refused, detail=f"{refused.detail}; no grant on the key allows it ({len(grants)} read{nearly})")
    if role.boundary is not None and not _boundary_allows(role, request):
        return replace(
            refused,
            status=UNKNOWN,
            detail=f"{refused.detail}; {describe_grant(match.allowing)} allows it, but the role's permissions "
            "boundary does not, and AWS does not document whether a boundary limits a KMS grant",
            fix=f"widen the role's permissions boundary to the key; or {PROBE_FIX}",
        )
    return describe_grant(match.allowing)


def _constrains_object(grant: dict[str, Any]) -> bool:
    """Whether a grant's constraints name ``aws:s3:arn`` (in any case: a constraint's keys are not case sensitive)."""
    constraints = grant.get("Constraints") or {}
    pairs = [constraints.get(name) or {} for name in ("EncryptionContextEquals", "EncryptionContextSubset")]
    return any(str(name).lower() == "aws:s3:arn" for each in pairs if isinstance(each, dict) for name in each)


def _boundary_allows(role: RoleState, request: Request) -> bool:
    """Whether the role's permissions boundary alone allows ``request`` (``False`` also when that is not known)."""
    assert role.boundary is not None
    alone = evaluate_access(
        request, identity_policies=[role.boundary], resource_account=account_of_arn(role.arn), boundary=None
    )
    return alone.allowed


def _foreign_writers(
    index: int | None, name: str, bucket: BucketState, location: S3Location, uses: list[KmsUse]
) -> Link | None:
    """
    The link of writers from another account when the bucket's key is one they cannot use, or ``None``.

    The AWS managed key ``aws/s3`` is usable only within its account, and a key named by alias or bare
    key id is resolved in the *requester's* account (Amazon S3 API Reference,
    ServerSideEncryptionByDefault, KMSMasterKeyID; Amazon S3 User Guide, "Using server-side encryption
    with AWS KMS keys (SSE-KMS)"): :func:`refuse_unusable_bucket_key` encodes both rules. An AWS managed key named
    by key id or ARN is said to be ``aws/s3`` only if its alias names it (:attr:`BucketState.kms_key_s3_managed`):
    AWS has one per service (AWS KMS Developer Guide, "AWS managed keys"), and S3 stores any key id it is given
    (Amazon S3 API Reference, PutBucketEncryption).
    """
    if "encryption" in bucket.unreadable:
        return None
    roles = sorted({use.role.arn for use in uses if account_of_arn(use.role.arn) != bucket.account})
    if not roles:
        return None
    try:
        refuse_unusable_bucket_key(
            location.bucket,
            bucket.sse_algorithm,
            bucket.kms_key_id,
            bucket.kms_key_manager,
            s3_managed=bucket.kms_key_s3_managed,
        )
    except PreconditionError as error:
        named = bucket.kms_key_id or ""
        writers = f"{', '.join(roles)} (not in the bucket's account {bucket.account})"
        if _customer_alias_name(named, bucket.kms_key_manager):
            return Link(
                index,
                name,
                UNKNOWN,
                f"{writers}: the bucket's default encryption names its key by the alias name {named}, which S3 "
                "resolves in the writer's account: the write may use a key of that account, which the verifier "
                "does not read",
                fix=f"set the bucket's default encryption to the key's ARN"
                f"{f' ({bucket.kms_key_arn})' if bucket.kms_key_arn else ''}; or {PROBE_FIX}",
            )
        what, _, fix = str(error).removeprefix("s3_prefixes: ").partition(". ")
        return Link(index, name, FAIL, f"{writers} cannot use it: {what}{_unique_key_id(named, bucket)}", fix=fix)
    return None


def _customer_alias_name(key: str, key_manager: str | None) -> bool:
    """
    Whether ``key`` is an alias name (``alias/NAME``, not an alias ARN) of a customer managed key: the bucket's
    default naming it, "AWS KMS resolves the key within the requester's account. This behavior can result in data
    that's encrypted with a KMS key that belongs to the requester, and not the bucket owner" (Amazon S3 API
    Reference, ServerSideEncryptionByDefault, KMSMasterKeyID, of "a customer managed KMS key"), so the write of
    another account may succeed with a key of its own. A predefined alias (``alias/aws/s3``) names an AWS managed key,
    whose refusal stands.
    """
    return key.startswith("alias/") and predefined_alias_service(key) is None and key_manager != "AWS"


def _unique_key_id(key: str, bucket: BucketState) -> str:
    """
    Why a bare key id of the bucket's default names no key of the writer's account (``""``: ``key`` is none): a key
    id is "the globally unique identifier for the KMS key" (AWS KMS API Reference, KeyMetadata, ``KeyId``; AWS KMS
    Developer Guide, "Key identifiers (KeyId)"), and that key is in the bucket's account.
    """
    if not key or key.startswith(("arn:", "alias/")) or bucket.kms_key_manager == "AWS":
        return ""
    return f"; a key id names one key only, here {bucket.kms_key_arn or 'a key of account ' + bucket.account}"


def _key(state: ChainState, index: int | None, name: str, bucket: BucketState) -> Link | tuple[str, dict[str, Any]]:
    """Return the key's ARN and policy, or the link when no customer managed key is there to check."""
    if "encryption" in bucket.unreadable:
        return Link(index, name, UNKNOWN, bucket.unreadable["encryption"], fix=PROBE_FIX)
    if bucket.sse_algorithm not in SSE_KMS_ALGORITHMS:
        return Link(index, name, PASS, f"default encryption is {bucket.sse_algorithm or 'none'}; no KMS key involved")
    key_arn = bucket.kms_key_arn
    if key_arn is None:
        managed = bucket.aws_managed_key_arn
        if not isinstance(managed, str):
            why = managed.detail if isinstance(managed, Unreadable) else "its ARN was not read"
            return Link(index, name, UNKNOWN, f"SSE-KMS with an AWS managed key: {why}", fix=PROBE_FIX)
        return managed, aws_managed_key_policy(bucket.account, managed)
    key_policy = state.key_policies.get(key_arn)
    if isinstance(key_policy, Unreadable):
        return Link(index, name, UNKNOWN, f"key policy of {key_arn}: {key_policy.detail}", fix=PROBE_FIX)
    if key_policy is None:
        return Link(
            index,
            name,
            FAIL,
            f"the key {key_arn} of the bucket's default encryption does not exist",
            fix="check the bucket's default encryption",
        )
    unusable = _unusable(state, key_arn)
    if unusable is not None:
        return Link(index, name, FAIL, f"the key {key_arn} {unusable.problem}", fix=unusable.fix)
    return key_arn, key_policy


def aws_managed_key_policy(account: str, key_arn: str) -> dict[str, Any]:
    """
    The key policy of the AWS managed key ``aws/s3``, which nobody can change: every principal of its account
    may use it through S3, and nobody else (the policy AWS gives its managed keys: AWS KMS Developer Guide,
    "kms:CallerAccount", the statement "taken from the key policy of an AWS managed key", there for EBS,
    here with ``kms:ViaService`` S3 of the key's Region). The writers' own policies and boundaries still count:
    an explicit ``Deny`` on KMS in them refuses it.
    """
    region = region_of_arn(key_arn)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Allow access through S3 for all principals in the account that are authorized to use S3",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": account, "kms:ViaService": f"s3.{region}.amazonaws.com"}
                },
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition_of_arn(key_arn)}:iam::{account}:root"},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                "Resource": "*",
            },
        ],
    }


def _requested_key(
    state: ChainState,
    index: int | None,
    name: str,
    bucket: BucketState,
    location: S3Location,
    uses: list[KmsUse],
) -> Link | tuple[str, dict[str, Any], str] | None:
    """
    The key the uploads ask for, which S3 uses instead of the bucket's default (S3 API Reference,
    ServerSideEncryptionRule: the default applies when a request "doesn't specify any server-side
    encryption"): its ARN, policy and name as asked; the link when it is not to be checked or cannot be
    used; ``None`` when the bucket's default key is the one to check.
    """
    unread = encryption_not_known(state, location.bucket)
    if unread:
        return Link(index, name, UNKNOWN, unread, fix=PROBE_FIX)
    requested = requested_encryption(state, location.bucket)
    if requested is None or requested[0] is None:
        return None
    sse, key = requested
    if sse == "AES256":
        return Link(
            index,
            name,
            PASS,
            "every upload asks for SSE-S3 (x-amz-server-side-encryption: AES256, from the security configuration "
            "or emrfs-site), which S3 applies instead of the bucket's default: no KMS key involved",
        )
    foreign = sorted({use.role.arn for use in uses if account_of_arn(use.role.arn) != bucket.account})
    if key and key == bucket.kms_key_id and (key.startswith("arn:") or not foreign):
        # Named exactly as the default names it, by an ARN or for writers of the bucket's account: judged as the
        # default's key, read as the bucket's. Named by the full key ARN while the default names it by alias or key
        # id, the request names the key itself, which S3 uses instead of the default ("If the KMS key doesn't exist
        # in the same account that's issuing the command, you must use the full Key ARN": S3 API Reference,
        # PutObject, x-amz-server-side-encryption-aws-kms-key-id): judged as the key asked for (:func:`_resolved_key`).
        return None
    asked = f"every upload asks for SSE-KMS with {key or 'no key id'} (the security configuration or emrfs-site)"
    if not key:
        return Link(
            index,
            name,
            UNKNOWN,
            f"{asked}: S3 then uses an AWS managed key aws/s3, whose policy is not read",
            fix=PROBE_FIX,
        )
    if not key.startswith("arn:") and foreign:
        return _named_for_writers_account(state, (index, name), asked, key, bucket, foreign)
    return _resolved_key(state, index, name, asked, key, bucket)


def _named_for_writers_account(
    state: ChainState, link: tuple[int | None, str], asked: str, key: str, bucket: BucketState, foreign: list[str]
) -> Link:
    """
    The key link of uploads naming their key by alias or key id, some of whose writers are of another account than
    the bucket's (``foreign``).

    S3 API Reference, PutObject, ``x-amz-server-side-encryption-aws-kms-key-id``: "If the KMS key doesn't exist in
    the same account that's issuing the command, you must use the full Key ARN not the Key ID"; an alias or key id is
    resolved in the requester's account. A key id names one key: KMS gives each key "the globally unique identifier"
    (AWS KMS API Reference, KeyMetadata, ``KeyId``; AWS KMS Developer Guide, "Key identifiers (KeyId)"), so one read
    in the bucket's account names no key of the writer's: failing. An alias, or a key id not found there, may name a
    key of the writer's account, which the verifier does not read: not checked.
    """
    named = (
        bucket.kms_key_arn if key == bucket.kms_key_id else state.requested_keys.get(requested_key_entry(key, bucket))
    )
    writers = ", ".join(foreign)
    if not key.startswith("alias/") and isinstance(named, str) and account_of_arn(named) == bucket.account:
        return Link(
            *link,
            FAIL,
            f"{asked}: S3 resolves a key id in the writer's account, and {writers} write from another account than "
            f"{bucket.account}: the key id names {named} only (a key id is unique to one key), no key of theirs",
            fix=f"name the key by its ARN ({named}) in the security configuration or emrfs-site",
        )
    return Link(
        *link,
        UNKNOWN,
        f"{asked}: S3 resolves an alias or key id in the writer's account, and {writers} write from another account "
        f"than {bucket.account}, where the verifier reads no key",
        fix="name the key by its ARN in the security configuration or emrfs-site, or " + PROBE_FIX,
    )


def _resolved_key(
    state: ChainState, index: int | None, name: str, asked: str, key: str, bucket: BucketState
) -> Link | tuple[str, dict[str, Any], str]:
    """The requested key's ARN, policy and name as asked, or the link when it cannot be read or used."""
    elsewhere = _other_region_link(index, name, asked, key, bucket)
    if elsewhere is not None:
        return elsewhere
    account = bucket.account
    # The bucket's default key asked for by its ARN was read as the bucket's (verify._read_bucket_key), not again.
    unread: str | Unreadable = key if key == bucket.kms_key_arn else Unreadable("the key was not read")
    resolved = state.requested_keys.get(requested_key_entry(key, bucket), unread)
    if isinstance(resolved, Unreadable):
        return Link(index, name, UNKNOWN, f"{asked}: {resolved.detail}", fix=PROBE_FIX)
    missing = "name an existing key (its ARN) in the security configuration or emrfs-site"
    if resolved is None:
        return Link(index, name, FAIL, f"{asked}: no such key in account {account}", fix=missing)
    key_policy = state.key_policies.get(resolved)
    if isinstance(key_policy, Unreadable):
        return Link(index, name, UNKNOWN, f"{asked}: key policy of {resolved}: {key_policy.detail}", fix=PROBE_FIX)
    if key_policy is None:
        return Link(index, name, FAIL, f"{asked}: the key {resolved} does not exist", fix=missing)
    unusable = _unusable(state, resolved)
    if unusable is not None:
        return Link(index, name, FAIL, f"{asked}: the key {resolved} {unusable.problem}", fix=unusable.fix)
    return resolved, key_policy, key


def is_aws_managed(state: ChainState, key_arn: str) -> bool:
    """Whether ``key_arn`` is an AWS managed key: DescribeKey's ``KeyManager``, or a bucket's default ``aws/s3``."""
    if state.key_kinds.get(key_arn, {}).get("KeyManager") == "AWS":
        return True
    return any(isinstance(b, BucketState) and b.aws_managed_key_arn == key_arn for b in state.buckets.values())


def _other_region_link(index: int | None, name: str, what: str, key: str | None, bucket: BucketState) -> Link | None:
    """
    The failing link of a key named by an ARN (of the key or of an alias) of another Region than the bucket's, or
    ``None``: "The AWS KMS encryption key must be created in the same Region as your Amazon EMR cluster instance and
    the Amazon S3 buckets used with EMRFS" (Amazon EMR Management Guide, "Create keys and certificates for data
    encryption with Amazon EMR"); S3 uses a key of the bucket's own Region only (Amazon S3 User Guide, "Using
    server-side encryption with AWS KMS keys (SSE-KMS)"). A bucket of unknown Region is judged by the key's reads.
    """
    region = region_of_arn(key) if key and key.startswith("arn:") else ""
    if not region or not bucket.region or region == bucket.region:
        return None
    return Link(
        index,
        name,
        FAIL,
        f"{what}: {key} is in Region {region}, not in the bucket's Region {bucket.region}; S3 and EMRFS use a KMS "
        "key of the bucket's own Region only",
        fix=f"name a KMS key of {bucket.region} (a multi-Region key's replica there, or another key)",
    )


def _unusable(state: ChainState, key_arn: str) -> KeyProblem | None:
    """
    Why S3 cannot encrypt with the key as DescribeKey described it (its kind, its state), or ``None``: the same
    judgement as the grant's (:func:`~airflow_provider_emrfs_xacct.pure.kms_keys.key_problem`). A key the grant
    refuses fails here; a key it only warns about (disabled, say) fails too, since the writes fail until someone
    changes the key, naming what to change.
    """
    return key_problem({**state.key_kinds.get(key_arn, {}), "KeyState": state.key_states.get(key_arn, "Enabled")})


def _refused(
    index: int | None,
    name: str,
    what: tuple[str, str],
    decision: Decision,
    context: Mapping[str, Any],
    grant: str,
) -> Link | None:
    """
    The link of a KMS call that is not allowed (or depends on the job), or ``None``.

    A key policy statement naming the role whose ``Condition`` S3's call does not meet (a ``kms:ViaService`` of another
    Region, ``kms:EncryptionContext:aws:s3:arn`` pinned to object ARNs while an S3 Bucket Key makes it the bucket's) is
    named, with the values S3 sends: ``GrantKmsKeyUserOperator`` would not change it.

    :param what: the call (action, key, role), and what is said after the verdict (the object it is made for).
    :param grant: the fix of a refusal no ``Condition`` explains (:func:`~.grant_fixes.key_fix`).
    """
    call, after = what
    if decision.undetermined:
        return Link(index, name, UNKNOWN, f"{call} depends on {decision.unknown}{after}", cite(decision), PROBE_FIX)
    if decision.allowed:
        return None
    if decision.source == "permissions boundary":
        fix = "the role's permissions boundary must allow the key"
    elif names_a_deny(decision):
        fix = f"a Deny in the {decision.source} blocks it: change that statement"
    else:
        fix = unmet_fix(decision) or grant
    detail = f"{call} {decision.reason}{condition_shown(decision, context)}{after}"
    return Link(index, name, FAIL, detail, cite(decision), fix)
