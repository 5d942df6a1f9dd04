"""
An authorization judge for the local stand-in, independent of the provider's own evaluator.

moto does not evaluate trust policies on cross-account ``AssumeRole``, bucket policies across
accounts, key policies, or S3's 403-versus-404 rule (see the handbook). The EMRFS-like writer
(:mod:`devstack.emrfs_writer`) asks this judge before each request it sends. The policy matching
itself (actions, resources, wildcards, conditions, principals, permissions boundaries, the
same-account versus cross-account rule) is done by ``principalmapper``'s local policy simulation
(NCC Group's Principal Mapper, ``principalmapper.querying``), an independent library; this module
only feeds it the live documents read from moto and adds the few S3/KMS rules it does not know,
each with its AWS documentation source.

It deliberately imports nothing from ``airflow_provider_emrfs_xacct``: a test checks that, so the
judge and the provider's ``pure/evaluator.py`` cannot share the same mistakes.

AWS rules applied, with their sources:

* Cross-account requests need both an Allow in the resource's policy (trust policy, bucket
  policy, key policy) and an Allow in the caller's identity policies; within one account either
  suffices, except for IAM trust and KMS key policies, which must always allow (IAM User Guide,
  "Cross-account policy evaluation logic" and "Policy evaluation for requests within a single
  account"; AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key" and
  "KMS key access and permissions": "To use an IAM policy to allow access to a KMS key, the key
  policy must explicitly allow it").
* An explicit Deny anywhere wins; a permissions boundary caps identity-policy grants (IAM User
  Guide, "How AWS enforcement code logic evaluates requests to allow or deny access").
* Where principalmapper 1.1.5 is more lenient than AWS (read in its source, not assumed), the judge
  corrects it, each with its source in the function: the boundary also limits a same-account grant
  naming the role (:func:`_boundary_allows`); a ``Deny`` with ``NotPrincipal`` exempts a role session
  only as documented (:func:`_not_principal_exempts`); conditions on absent keys, ``...IfExists`` and
  JSON booleans (:func:`_condition_holds`); several ``Date`` values ORed (:func:`_date_condition`); the set operators
  one request value at a time (:func:`_set_holds`); policy variables in condition values (:func:`_with_variables`) and
  their defaults, only in a policy of ``Version`` ``2012-10-17`` (:func:`_recognizes_variables`); resource ARNs matched with case, only ``*``/``?`` as
  wildcards and those within their colon-delimited segment unless a ``*`` ends it (:func:`_arn_matches`);
  ``ArnLike``/``ArnEquals`` one ARN component at a time (:func:`_arn_condition_matches`); a ``Date`` value without a
  time zone read as UTC (:func:`_timestamp`); a ``Principal`` naming the caller's own session ARN
  (:func:`_session_principal_resolved`). A session whose name the caller does not know (EMRFS's, an instance
  profile's) is judged once per name the policies tell apart (:func:`session_name_patterns`, :func:`session_names`).
* The request context carries the keys AWS always sends (IAM User Guide, "AWS global condition context keys"):
  ``aws:ViaAWSService``, ``aws:RequestedRegion`` where the Region is known, a role session's ``aws:TokenIssueTime`` and
  ``aws:MultiFactorAuthPresent`` (:func:`request_keys`); S3's KMS calls ``kms:EncryptionContextKeys`` and the key's
  ``aws:ResourceTag/<key>`` and ``kms:ResourceAliases`` (:func:`s3_kms_context`); a resource's tags
  (:func:`resource_tag_keys`, the role an ``sts:AssumeRole`` assumes). An HTTPS request to S3 carries
  ``s3:TlsVersion``, 1.2 or 1.3, which of them not being documented for the caller (:func:`tls_versions`: the caller
  judges each where a policy names the key). A request signed with an EC2 instance profile's role credentials carries
  ``aws:Ec2InstanceSourceVpc``, ``aws:Ec2InstanceSourcePrivateIPv4``, ``ec2:SourceInstanceArn`` and ``ec2:RoleDelivery``
  (:func:`ec2_role_keys`); S3's KMS calls the key's ``kms:KeyOrigin``, ``kms:KeySpec``, ``kms:KeyUsage``,
  ``kms:MultiRegion`` (:func:`key_property_keys`) and ``kms:EncryptionAlgorithm``.
* A value the caller does not know (:data:`VALUE_NOT_KNOWN`, :data:`PRESENCE_NOT_KNOWN`) leaves a condition on it
  undecided: the judge raises :class:`NotKnown` rather than guess, unless another condition of the statement is false.
* An object another account than the bucket owner owns (an ACL-enabled bucket: ``ObjectWriter``, or
  ``BucketOwnerPreferred`` without ``bucket-owner-full-control``) is read by its owner's permission: the
  bucket policy's grants do not apply to it, its Deny statements do, and the object ACL grants the owner's
  account and whom the canned ACL names (S3 User Guide, "Bucket policies for Amazon S3" and "How Amazon S3
  authorizes a request for an object operation"; :func:`object_context_policy`). Deletes and overwrites stay
  the bucket's to grant.
* HEAD/GET of a missing key answers 404 only to a caller allowed ``s3:ListBucket`` on the bucket,
  else 403 (S3 API Reference, HeadObject, "Permissions"). That page does not say which listing keys the implied
  ``s3:ListBucket`` carries, nor with which values: the stand-in runs it with ``s3:prefix``, ``s3:delimiter`` and
  ``s3:max-keys`` not known, present or absent (:data:`PRESENCE_NOT_KNOWN`), so a condition on them that decides it
  leaves the HEAD unknown, as the verifier leaves it "not checked" (reviews J39, J42; docs/stand_in.md).
* SSE-KMS: ``PutObject`` and ``CreateMultipartUpload`` need ``kms:GenerateDataKey``,
  ``UploadPart`` needs ``kms:Decrypt``, ``GetObject`` needs ``kms:Decrypt`` (S3 API Reference,
  CreateMultipartUpload and UploadPart, "Permissions"; S3 User Guide, "Using server-side
  encryption with AWS KMS keys (SSE-KMS)"). An AWS managed key (``aws/s3``) cannot be used from
  another account (AWS KMS Developer Guide, "AWS managed keys": their key policies cannot be
  changed and allow only the owning account). Those KMS calls carry ``kms:CallerAccount`` and
  ``kms:ViaService`` ``s3.<region>.amazonaws.com`` (AWS KMS Developer Guide, "kms:ViaService"), the latter
  only in the ``aws`` and ``aws-us-gov`` partitions (elsewhere undocumented: left out, the stricter side).
* An upload carrying a canned ACL (``x-amz-acl``) also needs ``s3:PutObjectAcl`` (S3 API Reference,
  PutObject, "Permissions"), on every bucket: whether S3 still asks for it where ACLs are disabled
  (BucketOwnerEnforced) is not documented, and the judge keeps the stricter side; a ``BucketOwnerEnforced`` bucket refuses any ACL but
  ``bucket-owner-full-control`` with 400 ``AccessControlListNotSupported`` (S3 User Guide,
  "Troubleshooting" of Object Ownership: "All S3 PUT requests must either specify the
  bucket-owner-full-control canned ACL or not specify an ACL"). moto enforces neither.
* ``s3:prefix``, ``s3:delimiter`` and ``s3:max-keys`` are in the request context of ``s3:ListBucket`` and
  ``s3:ListBucketVersions`` only (Service Authorization Reference, "Actions, resources, and condition keys for
  Amazon S3"): ListMultipartUploads (``s3:ListBucketMultipartUploads``) with a ``prefix`` carries none of them.
* S3 Block Public Access, bucket level: with ``RestrictPublicBuckets`` on and a public bucket policy
  (by S3's documented rule, :func:`bucket_policy_is_public`, not moto's ``GetBucketPolicyStatus``), the policy grants
  nothing to another account; its Deny
  statements still apply (S3 API Reference, PublicAccessBlockConfiguration: "public and cross-account
  access within any public bucket policy, including non-public delegation to specific accounts, is
  blocked"). moto does not enforce it. The bucket owner's account-level setting (S3 Control
  GetPublicAccessBlock) counts as well: S3 "uses the most restrictive combination of the bucket-level and
  account-level settings" (S3 API Reference, GetPublicAccessBlock); the writer combines the two.
"""

from __future__ import annotations

import collections
import collections.abc
import contextvars
import dataclasses
import datetime
import functools
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any


def _load_principalmapper() -> tuple[Any, Any, Any, Any]:
    # principalmapper 1.1.5 still imports Mapping & co. from ``collections`` (removed in Python 3.10).
    for name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    from principalmapper.common import Node, Policy
    from principalmapper.querying import local_policy_simulation, query_interface

    return Node, Policy, local_policy_simulation, query_interface


_Node, _Policy, _simulation, _query = _load_principalmapper()

#: principalmapper's own condition matching, which :func:`_condition_holds` puts in front of.
_pmapper_condition_match = _simulation._get_condition_match

#: The negated operators: true on a key the request does not carry (IAM User Guide, "IAM JSON policy elements:
#: Condition operators": "If the policy condition requires that the key is not matched, such as StringNotLike or
#: ArnNotLike, and the right key is not present, the condition is true").
_NEGATED = (
    "StringNotEquals",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
    "NumericNotEquals",
    "DateNotEquals",
)
_SET_OPERATORS = ("ForAllValues:", "ForAnyValue:")


def _as_text(values: Any) -> Any:
    """Condition values as strings: a JSON ``true``/``false`` or number is the string AWS compares."""
    if isinstance(values, list):
        return [_as_text(value) for value in values]
    if isinstance(values, bool):
        return "true" if values else "false"
    return str(values) if isinstance(values, int | float) else values


class NotKnown(Exception):
    """
    A decision the judge cannot take: a condition compares a value of the request that the caller does not know
    (:data:`VALUE_NOT_KNOWN`, :data:`PRESENCE_NOT_KNOWN`), or one AWS does not document. The caller's outcome is then
    not known (the EMRFS-like writer's ``WriteResult.unknown``), neither an allow nor a refusal.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NotKnownValue(str):
    """
    A request key's value the caller does not know (a ``str``, as principalmapper takes every value for one); copies are
    itself, as principalmapper deep-copies the request context.
    """

    __slots__ = ()

    def __copy__(self) -> _NotKnownValue:
        return self

    def __deepcopy__(self, memo: Any) -> _NotKnownValue:
        return self


#: The value of a key the request carries, whose value the caller does not know: ``Null`` tells the key present, every
#: other operator on it (or a policy variable naming it) leaves the decision not known (:class:`NotKnown`).
VALUE_NOT_KNOWN = _NotKnownValue("stand-in:value-not-known")
#: The value of a key the request may or may not carry: every operator on it leaves the decision not known.
PRESENCE_NOT_KNOWN = _NotKnownValue("stand-in:presence-not-known")


def _condition_holds(condition: dict[str, dict[str, Any]], context: Any) -> bool:
    """
    Whether a statement's ``Condition`` holds, one operator and key at a time (all must: IAM User Guide,
    "Conditions with multiple context keys or values": operators and keys are ANDed), as the "Condition operators" page
    says for a key the request does not carry: false, except a negated operator (true), ``...IfExists`` (true) and
    ``Null`` (its own test); with the key present, ``...IfExists`` is the operator's own test. principalmapper 1.1.5
    (checked) gets ``StringNotLike`` on an absent key, ``IpAddressIfExists``, ``Numeric…IfExists`` and
    ``Date…IfExists`` on a present key, JSON booleans in ``Null``/``Bool``, several ``Date`` values
    (:func:`_date_condition`), the set operators on anything but strings (:func:`_set_holds`) and policy variables in
    condition values (:func:`_with_variables`) wrong; it does the rest (operators' matching, keys without regard to
    case).

    A condition the caller cannot decide (:func:`_decidable`) is set aside: where another condition of the statement is
    false the statement does not apply whatever it says, else the decision is not known (:class:`NotKnown`).
    """
    undecided: NotKnown | None = None
    for operator, keys in condition.items():
        for key, values in keys.items():
            try:
                if not _key_condition_holds(operator, key, values, context):
                    return False
            except NotKnown as error:
                undecided = undecided or error
    if undecided is not None:
        raise undecided
    return True


def _key_condition_holds(operator: str, key: str, values: Any, context: Any) -> bool:
    """One operator of a ``Condition`` on one key (:func:`_condition_holds`)."""
    base = operator.removesuffix("IfExists")
    qualifier, _, plain = base.rpartition(":")
    context = _decidable(plain, key, context)
    values = _with_variables(plain, _as_text(values), context)
    if key not in context and plain != "Null":
        if operator.endswith("IfExists") or (not qualifier and plain.startswith(_NEGATED)):
            return True
        if not qualifier:
            return False
    if qualifier:
        return _set_holds(qualifier, plain, key, values, context)
    return bool(_pmapper_condition_match({plain: {key: values}}, context))


def _decidable(plain: str, key: str, context: Any) -> Any:
    """
    ``context`` as the operator ``plain`` on ``key`` reads it: raise :class:`NotKnown` where the caller does not know
    what the operator needs (the key's value, or whether the request carries it at all); a ``Null`` test of a key whose
    value alone is not known reads it as present.
    """
    value = context.get(key)
    if not isinstance(value, _NotKnownValue):
        return context
    if value is PRESENCE_NOT_KNOWN or plain != "Null":
        what = "whether the request carries it" if value is PRESENCE_NOT_KNOWN else "its value in this request"
        raise NotKnown(f"a condition ({plain}) on {key}, of which the stand-in does not know {what}")
    return _with(context, key, "present")


def _with(context: Any, key: str, value: Any) -> Any:
    """A copy of ``context`` with ``key`` set to ``value``."""
    copied = type(context)(context)
    copied[key] = value
    return copied


def _listed(values: Any) -> list[Any]:
    return values if isinstance(values, list) else [values]


def _set_holds(qualifier: str, plain: str, key: str, values: Any, context: Any) -> bool:
    """
    ``ForAllValues:`` and ``ForAnyValue:``: the operator ``plain`` on each of the request's values of ``key`` alone
    (IAM User Guide, "Set operators for multivalued context keys": ``ForAllValues`` "tests whether the value of every
    member of the request context matches the condition operator that follows the qualifier", and "returns true if
    there are no context keys in the request"; ``ForAnyValue`` whether at least one does, "false" where the key does not
    exist). principalmapper handed a numeric, date or IP address operator its qualified name, which it compares exactly
    (``ForAnyValue:NumericEquals`` never held, ``ForAnyValue:IpAddress`` read as ``NotIpAddress``), and the whole list of
    values to all but the string operators.
    """
    present = [value for value in _listed(context[key]) if value != ""] if key in context else []
    results = (bool(_pmapper_condition_match({plain: {key: values}}, _with(context, key, value))) for value in present)
    return all(results) if qualifier == "ForAllValues" else any(results)


#: A policy variable, ``${key}`` or ``${key, 'default'}`` (IAM User Guide, "IAM policy elements: Variables and tags").
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULTED = re.compile(r"\s*([^,]*?)\s*,\s*'([^']*)'\s*", re.DOTALL)
#: ``${*}`` and ``${?}`` as a ``*Like`` pattern or a resource ARN reads them: the characters, no wildcard.
_LITERAL_STAR, _LITERAL_QUESTION = "\ue000", "\ue001"
#: The "special predefined policy variables that have fixed values": ``${*}``, ``${?}``, ``${$}`` (same page), as an
#: exact comparison and as a pattern read them.
_FIXED_VARIABLES = {"*": ("*", _LITERAL_STAR), "?": ("?", _LITERAL_QUESTION), "$": ("$", "$")}


#: Whether the policy principalmapper is matching recognizes policy variables (:func:`_recognizes_variables`): set by
#: :func:`_versioned` around its matching of each policy, read by :func:`_with_variables` and :func:`_arn_matches`.
_VARIABLES_RECOGNIZED: contextvars.ContextVar[bool] = contextvars.ContextVar("variables_recognized", default=True)


def _recognizes_variables(policy: Any) -> bool:
    """
    Whether ``policy`` (a document or principalmapper's ``Policy``) has policy variables: only with ``Version``
    ``2012-10-17``. IAM User Guide, "IAM JSON policy elements: Version"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html): under ``2008-10-17``,
    which a policy without the element defaults to, "variables such as ${aws:username} aren't recognized as variables
    and are instead treated as literal strings in the policy"; "IAM policy elements: Variables and tags": "you must
    include the Version element and set it to 2012-10-17". The text is then compared as written (``*`` and ``?`` in a
    ``Resource`` or a ``*Like`` value still wildcards).
    """
    document = getattr(policy, "policy_doc", policy)
    return isinstance(document, dict) and document.get("Version") == "2012-10-17"


def _versioned(check: Any, position: int) -> Any:
    """principalmapper's ``check`` of the policy at argument ``position``, its variables as its ``Version`` has them."""

    @functools.wraps(check)
    def versioned(*args: Any) -> Any:
        token = _VARIABLES_RECOGNIZED.set(_recognizes_variables(args[position]))
        try:
            return check(*args)
        finally:
            _VARIABLES_RECOGNIZED.reset(token)

    return versioned


def _with_variables(plain: str, values: Any, context: Any) -> Any:
    """
    A condition's values with their policy variables replaced from the request: IAM User Guide, "IAM policy elements:
    Variables and tags": "You can use a policy variable for Condition values in any condition that involves the string
    operators or the ARN operators" (not with the others), and "When the policy is evaluated, the policy variables are
    replaced with values that come from the conditional context keys passed in the request". A value whose variable has
    no value is dropped: "Condition operators like StringEquals or StringLike do not match", "Inverted condition
    operators like StringNotEquals or StringNotLike do match against a null value" ("Policy variables with no value").
    principalmapper compared them as written. A policy without ``Version`` ``2012-10-17`` has none
    (:func:`_recognizes_variables`).
    """
    if not _VARIABLES_RECOGNIZED.get() or not plain.startswith(("String", "Arn")):
        return values
    if not any("${" in value for value in _listed(values)):
        return values
    like = plain.startswith("Arn") or "Like" in plain
    replaced = [
        _substituted(value, context, like=like) if isinstance(value, str) else value for value in _listed(values)
    ]
    return [value for value in replaced if value is not None]


def _substituted(text: str, context: Any, *, like: bool) -> str | None:
    """
    ``text`` with its policy variables replaced from the request ``context`` (keys without regard to case: "Key names
    are case-insensitive", same page); ``None`` where one has no value and no default ("Specifying default values": ``${
    aws:PrincipalTag/team, 'company-wide'}``). ``like``: a pattern, where ``${*}`` and ``${?}`` stay characters.
    """
    if "${" not in text:
        return text
    found = [_variable_value(match.group(1), context, like=like) for match in _VARIABLE.finditer(text)]
    values = [value for value in found if value is not None]
    if len(values) < len(found):
        return None
    replacements = iter(values)
    return _VARIABLE.sub(lambda _: next(replacements), text)


def _variable_value(inner: str, context: Any, *, like: bool) -> str | None:
    """
    The value of the policy variable ``${inner}``; ``None``: no value ("When policy variables reference a condition
    context key that has no value or is not present in an authorization context for a request, the value is effectively
    null", same page). Raise :class:`NotKnown` where the request's value is not known, where the key is multivalued ("You
    can't use a multivalued condition key as a variable": what AWS does with one is not documented) and where a
    pattern's value holds ``*`` or ``?`` (whether they are then wildcards is not documented).
    """
    if inner in _FIXED_VARIABLES:
        return _FIXED_VARIABLES[inner][like]
    defaulted = _DEFAULTED.fullmatch(inner)
    name, default = (defaulted.group(1), defaulted.group(2)) if defaulted else (inner.strip(), None)
    value = context.get(name)
    if isinstance(value, _NotKnownValue | list):
        why = "is not known for this request" if isinstance(value, _NotKnownValue) else "is multivalued"
        raise NotKnown(f"a policy variable ${{{name}}} whose key {why}")
    if value is None or value == "":
        return default
    text = str(value)
    if like and ("*" in text or "?" in text):
        raise NotKnown(f"a policy variable ${{{name}}} in a pattern, its value {text!r} holding a wildcard character")
    return text


_simulation._get_condition_match = _condition_holds

_pmapper_timestamp = _simulation._convert_timestamp_to_datetime_obj


def _timestamp(value: str) -> Any:
    """
    A ``Date`` condition value or context value as an aware ``datetime``: a value without a time zone is UTC. IAM User
    Guide, "IAM JSON policy elements: Condition operators", Date condition operators: the values are "one of the
    supported W3C implementations of the ISO 8601 date formats" (``2030-01-01``, ``2030-01-01T00:00:00`` …) or epoch
    time. principalmapper 1.1.5 (``_convert_timestamp_to_datetime_obj``) discards the ``replace(tzinfo=...)`` it means to
    apply, so a naive value met the aware ``aws:CurrentTime`` and the comparison raised ``TypeError``.
    """
    result = _pmapper_timestamp(value)
    return result.replace(tzinfo=datetime.timezone.utc) if result.tzinfo is None else result


_simulation._convert_timestamp_to_datetime_obj = _timestamp

#: The comparison of each ``Date`` operator, the request's time first.
_DATE_TESTS: dict[str, collections.abc.Callable[[Any, Any], bool]] = {
    "DateEquals": lambda moment, value: bool(moment == value),
    "DateNotEquals": lambda moment, value: bool(moment == value),
    "DateLessThan": lambda moment, value: bool(moment < value),
    "DateLessThanEquals": lambda moment, value: bool(moment <= value),
    "DateGreaterThan": lambda moment, value: bool(moment > value),
    "DateGreaterThanEquals": lambda moment, value: bool(moment >= value),
}


def _date_condition(block: str, key: str, policy_values: Any, context: Any) -> bool:
    """
    A ``Date`` operator with all its values: "If a single condition operator includes multiple values for a context
    key, those values are evaluated using a logical OR", and a negated one's with a logical ``NOR`` (IAM User Guide,
    "Conditions with multiple context keys or values"). principalmapper 1.1.5 (``_get_date_match``) returns from inside
    its loop over the values after the first for ``DateLessThan`` … ``DateGreaterThanEquals``: a later value that
    matched was never tried.
    """
    plain = block.rpartition(":")[2].removesuffix("IfExists")
    if key not in context:
        return plain == "DateNotEquals" or block.endswith("IfExists")
    values = [_timestamp(value) for value in _listed(policy_values)]
    moments = [_timestamp(moment) for moment in _listed(context[key])]
    matched = any(_DATE_TESTS[plain](moment, value) for value in values for moment in moments)
    return not matched if plain == "DateNotEquals" else matched


_simulation._get_date_match = _date_condition

_pmapper_matches = _simulation._matches_after_expansion


def _arn_matches(string_to_check: str, pattern: str, condition_keys: Any = None) -> bool:
    """
    Match a resource ARN against a policy's ``Resource`` pattern: with case (S3 User Guide, "Naming Amazon S3
    objects": "Object key names are case sensitive"), ``*`` and ``?`` the only wildcards, policy variables replaced
    from the request context as in a condition (:func:`_substituted`: with their defaults, ``${*}`` and ``${?}`` the
    characters; principalmapper left those as written). "IAM JSON policy elements: Resource", "Using wildcards in resource ARNs": wildcards
    work "within the individual segments of an ARN (the parts separated by colons)", and only a ``*`` that is "the
    last character of a resource ARN segment" "can expand to match beyond the colon boundaries"; the sixth segment
    (the resource) runs to the end, colons included. principalmapper matches without regard to case, lets every
    wildcard cross colons and reads ``+``, ``(`` … as regular-expression syntax; it stays the matcher of actions
    (case-insensitive, "IAM JSON policy elements: Action") and of anything else.
    """
    recognized = _VARIABLES_RECOGNIZED.get()  # not without Version 2012-10-17 (_recognizes_variables)
    if not string_to_check.startswith("arn:"):
        return bool(_pmapper_matches(string_to_check, pattern, condition_keys if recognized else None))
    substituted = _substituted(pattern, condition_keys or {}, like=True) if recognized else pattern
    if substituted is None:
        # "the resource that includes a policy variable with no value will not match any resource" (IAM User Guide, "IAM
        # policy elements: Variables and tags", "Policy variables with no value").
        return False
    segments = substituted.split(":", _ARN_SEGMENTS - 1)
    expression = _literal_wildcards(
        ":".join(
            _segment_expression(segment, last=index == _ARN_SEGMENTS - 1) for index, segment in enumerate(segments)
        )
    )
    return re.fullmatch(expression, string_to_check, flags=re.DOTALL) is not None


def _literal_wildcards(expression: str) -> str:
    """A regular expression with the ``${*}`` and ``${?}`` of its pattern (:func:`_substituted`) as the characters."""
    return expression.replace(_LITERAL_STAR, re.escape("*")).replace(_LITERAL_QUESTION, re.escape("?"))


#: ``arn:partition:service:region:account:resource``; the resource may hold colons of its own.
_ARN_SEGMENTS = 6


def _segment_expression(segment: str, *, last: bool) -> str:
    """A ``Resource`` pattern segment as a regular expression (see :func:`_arn_matches`)."""
    if last:
        return re.escape(segment).replace(r"\*", ".*").replace(r"\?", ".")
    parts = []
    for index, char in enumerate(segment):
        if char == "*":
            parts.append(".*" if index == len(segment) - 1 else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _arn_condition_matches(value: str, pattern: str) -> bool:
    """
    ``ArnEquals``/``ArnLike``: "Case-sensitive matching of the ARN. Each of the six colon-delimited components of
    the ARN is checked separately and each can include multi-character match wildcards (*) or single-character
    match wildcards (?)" (IAM User Guide, "IAM JSON policy elements: Condition operators", ARN condition operators).
    A pattern without six components has none to set against some of the value's: no match.
    """
    values, patterns = value.split(":", _ARN_SEGMENTS - 1), pattern.split(":", _ARN_SEGMENTS - 1)
    if len(values) != _ARN_SEGMENTS or len(patterns) != _ARN_SEGMENTS:
        return False
    return all(_like(part, text) for part, text in zip(patterns, values, strict=True))


def _arn_condition(block: str, key: str, policy_values: Any, context: Any) -> bool:
    """
    principalmapper's ``_get_arn_match`` (negation, an absent key, several values, invalid ARNs skipped) with
    :func:`_arn_condition_matches` as the comparison, which principalmapper does over the whole ARN.
    """
    patterns = policy_values if isinstance(policy_values, list) else [policy_values]
    if key not in context:
        return "Not" in block or "IfExists" in block
    values = context[key] if isinstance(context[key], list) else [context[key]]
    arns = [value for value in values if isinstance(value, str) and value.startswith("arn:")]
    if "Not" in block and len(arns) < len(values):
        return False  # principalmapper's (and the policy simulator's) answer to a value that is no ARN
    matched = any(_arn_condition_matches(value, pattern) for pattern in patterns for value in arns)
    return not matched if "Not" in block else matched


def _like(pattern: str, value: str) -> bool:
    """``value`` matches ``pattern`` with case, ``*`` any characters and ``?`` one, everything else literal."""
    expression = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(_literal_wildcards(expression), value, flags=re.DOTALL) is not None


_simulation._matches_after_expansion = _arn_matches
_simulation._get_arn_match = _arn_condition
#: ``StringLike``/``StringNotLike``: "Case-sensitive matching", ``*`` and ``?`` anywhere in the string (IAM User
#: Guide, "Condition operators"); principalmapper's own reads ``+``, ``(``, ``[`` … as regular-expression syntax.
_simulation._expand_str_and_compare = _like
# Every policy principalmapper matches (identity, boundary, trust, bucket, key, endpoint policies) goes through these two,
# which query_interface imported by name as well.
_policy_check = _versioned(_simulation.policy_has_matching_statement, 0)
_resource_policy_check = _versioned(_simulation.resource_policy_matching_statements, 1)
for _module in (_simulation, _query):
    _module.policy_has_matching_statement = _policy_check
    _module.resource_policy_matching_statements = _resource_policy_check

EMPTY_POLICY: dict[str, Any] = {"Version": "2012-10-17", "Statement": []}


def key_policy_in_effect(policy: dict[str, Any] | None) -> dict[str, Any] | None:
    """
    The key policy ``policy`` as KMS applies it: without its statements that lack ``Resource`` (and ``NotResource``)
    or ``Action`` (and ``NotAction``). AWS KMS API Reference, "PutKeyPolicy", ``Policy``
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html; the same under "CreateKey"): "If
    either of the required Resource or Action elements are missing from a key policy statement, the policy statement
    has no effect. When a key policy statement is missing one of these elements, the KMS console correctly reports an
    error, but the PutKeyPolicy API request succeeds, even though the policy statement is ineffective."
    principalmapper takes a statement without ``Resource`` as naming every resource (right for a trust policy, which
    has none), so a key policy is read through this first. Written apart from the provider's own
    (``pure/kms_keys.py``).
    """
    if not isinstance(policy, dict):
        return policy
    statements = policy.get("Statement")
    listed = statements if isinstance(statements, list) else [statements]

    def in_effect(statement: Any) -> bool:
        if not isinstance(statement, dict):
            return True
        return any(name in statement for name in ("Resource", "NotResource")) and any(
            name in statement for name in ("Action", "NotAction")
        )

    kept = [each for each in listed if in_effect(each)]
    return policy if len(kept) == len(listed) else {**policy, "Statement": kept}


#: The keys of a request signed with an EC2 instance profile's role credentials (IAM User Guide, "AWS global condition
#: context keys": ``aws:Ec2InstanceSourceVpc`` and ``aws:Ec2InstanceSourcePrivateIPv4`` are "included in the request
#: context whenever the requester is signing requests with an Amazon EC2 role credential", ``ec2:SourceInstanceArn``
#: and ``ec2:RoleDelivery`` "whenever the role session is created by an Amazon EC2 instance"). A role the instance
#: assumes with them signs with its own session's credentials, which carry none of them.
EC2_ROLE_KEYS = (
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "ec2:SourceInstanceArn",
    "ec2:RoleDelivery",
)


@dataclass(frozen=True)
class Ec2Instance:
    """
    The EC2 instance whose instance profile's role credentials sign a request, as far as the caller knows it: the values
    of :data:`EC2_ROLE_KEYS` (``None``: not known, so a condition comparing it is not decided).
    """

    #: The VPC the instance runs in (``aws:Ec2InstanceSourceVpc``).
    vpc_id: str | None = None
    #: The private IPv4 address of its primary network interface (``aws:Ec2InstanceSourcePrivateIPv4``).
    private_ipv4: str | None = None
    #: Its ARN (``ec2:SourceInstanceArn``).
    instance_arn: str | None = None
    #: The instance metadata service version that delivered the credentials, ``1.0`` or ``2.0`` (``ec2:RoleDelivery``).
    role_delivery: str | None = None


def ec2_role_keys(instance: Ec2Instance, *, forwarded: bool = False) -> dict[str, str]:
    """
    The request keys of a request signed with ``instance``'s role credentials (:data:`EC2_ROLE_KEYS`): each present, its
    value :data:`VALUE_NOT_KNOWN` where the caller does not know it. ``forwarded``: the request a service makes on the
    caller's behalf (S3's call to KMS for SSE-KMS), where "Some of the keys are not present when the request is made to
    AWS KMS" (IAM User Guide, "AWS global condition context keys", ``aws:Ec2InstanceSourceVpc``), which ones not said:
    each may be absent (:data:`PRESENCE_NOT_KNOWN`).
    """
    if forwarded:
        return dict.fromkeys(EC2_ROLE_KEYS, PRESENCE_NOT_KNOWN)
    values = (instance.vpc_id, instance.private_ipv4, instance.instance_arn, instance.role_delivery)
    return {key: VALUE_NOT_KNOWN if value is None else value for key, value in zip(EC2_ROLE_KEYS, values, strict=True)}


@dataclass(frozen=True)
class Principal:
    """An IAM role as AWS authorizes it: its ARN, unique id, identity policies and permissions boundary."""

    arn: str
    role_id: str = "AROAEXAMPLE"
    #: ``(name, document)`` of every inline and attached managed policy.
    policies: tuple[tuple[str, dict[str, Any]], ...] = ()
    boundary: dict[str, Any] | None = None
    #: The role session's name (``RoleSessionName`` of the ``AssumeRole`` that made it), when known.
    session: str | None = None
    #: The role's tags, ``(key, value)``: its sessions' ``aws:PrincipalTag/<key>``.
    tags: tuple[tuple[str, str], ...] = ()
    #: When the session's temporary credentials were issued (ISO 8601, UTC): its ``aws:TokenIssueTime``; ``None``: the
    #: time of the request (a session is judged as one just made).
    token_issued: str | None = None
    #: The instance whose instance profile's role credentials sign the session's requests (:data:`EC2_ROLE_KEYS`);
    #: ``None``: signed with other credentials (a role EMRFS assumes).
    ec2_instance: Ec2Instance | None = None

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    def node(self) -> Any:
        policies = [_Policy(self.arn, name, document) for name, document in self.policies]
        boundary = None if self.boundary is None else _Policy(self.arn, "permissions-boundary", self.boundary)
        tags = dict(self.tags)
        return _Node(self.arn, self.role_id, policies, [], EMPTY_POLICY, None, 0, False, False, boundary, False, tags)


@dataclass(frozen=True)
class Decision:
    """The judge's answer for one action on one resource."""

    allowed: bool
    reason: str
    checks: tuple[str, ...] = field(default=())


def authorize(
    principal: Principal,
    action: str,
    resource: str,
    *,
    resource_policy: dict[str, Any] | None,
    resource_owner: str,
    context: dict[str, str] | None = None,
    resource_policy_name: str = "resource policy",
    object_owner: str | None = None,
    object_acl_accounts: tuple[str, ...] = (),
) -> Decision:
    """
    Decide ``action`` on ``resource`` by ``principal`` as AWS would.

    :param principal: the caller (a role; its sessions carry the role's policies).
    :param action: e.g. ``s3:PutObject``, ``kms:GenerateDataKey``, ``sts:AssumeRole``.
    :param resource: the resource ARN.
    :param resource_policy: the resource's policy (trust, bucket or key policy); ``None`` when the
        resource has none (treated as a policy that grants nothing).
    :param resource_owner: the account that owns the resource.
    :param context: request condition keys (e.g. ``{"s3:prefix": "p/"}``).
    :param resource_policy_name: how the reason names the resource policy (``trust policy`` …).
    :param object_owner: for a read of an S3 object, the account that owns the object, when not the bucket owner
        ``resource_owner`` (an ACL-enabled bucket: :func:`object_context_policy`); ``None``: the bucket owner.
    :param object_acl_accounts: the accounts besides its owner that the object's ACL grants reading.
    """
    node = principal.node()
    policy = _not_principal_resolved(resource_policy or EMPTY_POLICY, principal)
    authority = resource_owner
    if object_owner is not None and object_owner != resource_owner:
        policy = object_context_policy(policy, resource, action, object_owner, object_acl_accounts)
        authority = object_owner
        resource_policy_name = f"object ACL of its owner {object_owner} (and the bucket policy's denies)"
    keys = request_context(node, request_keys(principal, action, resource_owner, context, resource=resource))
    allowed = bool(_query.local_check_authorization_full(node, action, resource, keys, policy, authority))
    bounded = allowed and not _boundary_allows(principal, node, action, resource, keys)
    allowed = allowed and not bounded
    identity = bool(_query.local_check_authorization(node, action, resource, keys))
    resource_result = _simulation.resource_policy_authorization(node, authority, policy, action, resource, keys)
    resource_says = {
        _simulation.ResourcePolicyEvalResult.NO_MATCH: "does not allow it",
        _simulation.ResourcePolicyEvalResult.DENY_MATCH: "denies it explicitly",
        _simulation.ResourcePolicyEvalResult.ROOT_MATCH: "delegates to the account's IAM policies",
        _simulation.ResourcePolicyEvalResult.NODE_MATCH: "allows the principal",
        _simulation.ResourcePolicyEvalResult.DIFF_ACCOUNT_MATCH: "allows the principal's account or the principal",
        _simulation.ResourcePolicyEvalResult.SERVICE_MATCH: "allows a service",
    }[resource_result]
    kind = "cross-account" if principal.account != authority else "same-account"
    identity_says = "allow it" if identity else "do not allow it (or a boundary/Deny stops it)"
    reason = (
        f"{'allowed' if allowed else 'denied'}: {action} on {resource} by {principal.arn} ({kind}); "
        f"{resource_policy_name} {resource_says}; identity policies {identity_says}"
        + ("; the permissions boundary does not allow it (it limits a grant naming the role)" if bounded else "")
    )
    return Decision(allowed, reason, (f"identity={identity}", f"resource={resource_result.name}", kind))


def request_keys(
    principal: Principal,
    action: str,
    resource_owner: str,
    context: dict[str, Any] | None,
    *,
    resource: str | None = None,
) -> dict[str, Any]:
    """
    The request context of ``principal``'s ``action`` beyond what principalmapper infers, the same for every branch
    of the judge (the policies', the explicit denies' that a KMS grant does not override, the boundary that limits a
    grant): a key one branch left out made a ``Deny`` on it skipped there.

    IAM User Guide, "AWS global condition context keys": ``aws:ViaAWSService`` is ``false`` "when the principal makes
    the call directly" (``context`` says ``true`` for a call a service makes on the caller's behalf:
    :func:`s3_kms_context`); ``aws:RequestedRegion`` "is always included in the request context": the caller's
    ``context`` names it (an S3 request goes to its bucket's Region, which the ARN does not carry), else the Region of a
    Regional ``resource`` ARN (a KMS key's); where neither says, it is left out, the stricter side (a condition needing
    it does not hold, a negated one does). A role session's credentials are temporary: ``aws:TokenIssueTime`` and
    ``aws:MultiFactorAuthPresent`` ("This key is included in the request context only when the principal uses temporary
    credentials to make the request. ... Temporary credentials are used to authenticate IAM roles"), ``false`` as no
    session of the stand-in is authenticated with MFA (so ``aws:MultiFactorAuthAge``, present "only if the principal
    making the call was authenticated using MFA", is absent). A session of an instance profile's role credentials
    (:attr:`Principal.ec2_instance`) carries :data:`EC2_ROLE_KEYS` (:func:`ec2_role_keys`), which of them a call a
    service makes for it (``aws:ViaAWSService`` ``true``) carries not known.
    """
    # aws:ResourceAccount: the resource owner's account, in the request context of most service actions (IAM
    # User Guide, "AWS global condition context keys"); principalmapper infers only the principal's keys.
    keys = {"aws:ResourceAccount": resource_owner, **principal_keys(), **s3_request_keys(action, context or {})}
    keys.setdefault("aws:ViaAWSService", "false")
    region = resource.split(":")[3] if resource and resource.startswith("arn:") and resource.count(":") >= 5 else ""
    if region:
        keys.setdefault("aws:RequestedRegion", region)
    if action.lower().startswith("s3:"):
        # s3:ResourceAccount: "the AWS Account ID of the bucket owner" (What's New, Dec 21, 2020, "New IAM condition
        # keys for Amazon S3"; Service Authorization Reference, Amazon S3 condition keys).
        keys.setdefault("s3:ResourceAccount", resource_owner)
    if principal.session is not None:
        # aws:userid of a role session: "role-id:caller-specified-role-name" (same page); principalmapper puts
        # the bare role id, which no "AROA…:*" pattern matches. The name is the caller's; where it is not known
        # (EMRFS's, an instance profile's), the caller judges each name the policies tell apart (session_names).
        keys.setdefault("aws:userid", f"{principal.role_id}:{principal.session}")
        issued = principal.token_issued or datetime.datetime.now(datetime.timezone.utc).isoformat()
        keys.setdefault("aws:TokenIssueTime", issued)
        keys.setdefault("aws:MultiFactorAuthPresent", "false")
    if principal.ec2_instance is not None:
        forwarded = keys.get("aws:ViaAWSService") == "true"
        for key, value in ec2_role_keys(principal.ec2_instance, forwarded=forwarded).items():
            keys.setdefault(key, value)
    return keys


def request_context(node: Any, keys: dict[str, Any]) -> Any:
    """
    ``keys`` with the keys principalmapper infers for ``node`` (``aws:PrincipalArn``, ``aws:PrincipalAccount``,
    ``aws:PrincipalTag/<key>``, ``aws:CurrentTime``, ``aws:SecureTransport`` …), case-insensitive: the one context
    every branch of the judge reads. principalmapper adds them only inside its own checks, not in
    ``resource_policy_authorization``: a key policy read without them skipped a ``Deny`` on ``aws:PrincipalArn`` and
    took a ``StringNotEquals`` guard on it as holding ("AWS global condition context keys": ``aws:PrincipalArn`` is in
    the context of every signed request; IAM User Guide).
    """
    prepared = _query._prepare_condition_context(dict(keys))
    prepared.update(_query._infer_condition_keys(node, prepared))
    return prepared


def explicitly_denied(
    principal: Principal,
    action: str,
    resource: str,
    *,
    resource_policy: dict[str, Any] | None,
    resource_owner: str,
    context: dict[str, str] | None = None,
) -> bool:
    """
    Whether a ``Deny`` of the caller's identity policies, its permissions boundary or the resource's policy matches
    the request: what no grant overrides ("No AWS principal has any permissions to a KMS key unless that permission is
    provided explicitly and never denied", AWS KMS Developer Guide, "KMS key access and permissions").
    """
    node = principal.node()
    prepared = request_context(node, request_keys(principal, action, resource_owner, context, resource=resource))
    documents = [document for _, document in principal.policies]
    documents += [principal.boundary] if principal.boundary is not None else []
    if any(_simulation.policy_has_matching_statement(doc, "Deny", action, resource, prepared) for doc in documents):
        return True
    policy = _not_principal_resolved(resource_policy or EMPTY_POLICY, principal)
    denied = _simulation.ResourcePolicyEvalResult.DENY_MATCH
    return bool(
        _simulation.resource_policy_authorization(node, resource_owner, policy, action, resource, prepared) == denied
    )


def kms_grant_allowing(
    principal: Principal,
    kms_action: str,
    key_arn: str,
    grants: tuple[dict[str, Any], ...],
    encryption_context: dict[str, str],
    context: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """
    The grant of the key that allows ``kms_action`` to ``principal``'s sessions with ``encryption_context``, or
    ``None``. KMS authorizes through grants as well as key and IAM policies (AWS KMS Developer Guide, "KMS key access
    and permissions"; "Grants in AWS KMS": a grant "allows the grantee principal to call the specified grant operations
    on the KMS key provided that all conditions specified in the grant are met"). A grant's constraints (AWS KMS API
    Reference, GrantConstraints): ``EncryptionContextEquals``, the request's context must be the same;
    ``EncryptionContextSubset``, it must include the pairs; "the key in each key-value pair is not case sensitive, but
    the value is case sensitive".

    Only a grant naming the role's ARN counts: what a grant to an account gives its roles is not modelled (the stricter
    side). The role's permissions boundary limits the grant, as it limits a resource policy naming the role (IAM User
    Guide, "How AWS enforcement code logic evaluates requests to allow or deny access"; AWS does not say so of grants:
    the stricter side again).

    :param context: the request's condition keys, for the boundary.
    """
    operation = kms_action.removeprefix("kms:")
    sent = {key.lower(): value for key, value in encryption_context.items()}
    if principal.boundary is not None:
        node = principal.node()
        keys = request_keys(principal, kms_action, key_arn.split(":")[4], context, resource=key_arn)
        if not _boundary_allows(principal, node, kms_action, key_arn, keys):
            return None
    for grant in grants:
        if grant.get("GranteePrincipal") != principal.arn or operation not in (grant.get("Operations") or []):
            continue
        constraints = grant.get("Constraints") or {}
        equals = constraints.get("EncryptionContextEquals") or {}
        subset = constraints.get("EncryptionContextSubset") or {}
        if equals and {key.lower(): value for key, value in equals.items()} != sent:
            continue
        if any(sent.get(key.lower()) != value for key, value in subset.items()):
            continue
        return grant
    return None


def object_context_policy(
    bucket_policy: dict[str, Any], resource: str, action: str, object_owner: str, acl_accounts: tuple[str, ...]
) -> dict[str, Any]:
    """
    The policies S3 applies to a read of an object that another account than the bucket owner owns, as one
    resource policy of the object owner: the bucket policy's ``Deny`` statements, and an ``Allow`` to the object
    owner's account and to each account the object ACL grants.

    S3 User Guide, "Bucket policies for Amazon S3": the bucket policy's permissions "apply to all of the objects in
    the bucket that are owned by the bucket owner. These permissions don't apply to objects that are owned by other
    AWS accounts"; "How Amazon S3 authorizes a request for an object operation": when the object's owner is not the
    bucket owner, "in the bucket context Amazon S3 checks the policies if the bucket owner has explicitly denied
    access to the object", then in the object context the requester needs the object owner's permission, the
    object ACL (by default it grants its owner full control: "Access control list (ACL) overview"). So a role of the
    object owner's account needs only its identity policies; a role of another account also an ACL grant.
    """
    denies = [item for item in _statements(bucket_policy) if isinstance(item, dict) and item.get("Effect") == "Deny"]
    partition = resource.split(":")[1]
    grantees = [f"arn:{partition}:iam::{account}:root" for account in (object_owner, *acl_accounts)]
    grant = {"Effect": "Allow", "Principal": {"AWS": grantees}, "Action": action, "Resource": "*"}
    # The bucket policy's Version, which decides whether its Deny statements have policy variables (_recognizes_variables).
    return {**bucket_policy, "Statement": [*denies, grant]}


def principal_keys() -> dict[str, str]:
    """
    The principal keys of a role session's request that principalmapper does not infer (IAM User Guide, "AWS global
    condition context keys"): ``aws:PrincipalType`` ``AssumedRole``; ``aws:PrincipalIsAWSService`` ``false`` ("This
    key is present in the request context for all signed API requests"). ``aws:PrincipalOrgID`` stays absent: the
    stand-in's accounts are in no organization, so a condition needing it is false and a negated one true, as AWS
    evaluates a principal outside any organization. principalmapper infers ``aws:PrincipalArn``,
    ``aws:PrincipalAccount`` and, from :attr:`Principal.tags`, ``aws:PrincipalTag/<key>``.
    """
    return {"aws:PrincipalType": "AssumedRole", "aws:PrincipalIsAWSService": "false"}


def _boundary_allows(principal: Principal, node: Any, action: str, resource: str, keys: dict[str, str]) -> bool:
    """
    Whether the role's permissions boundary (if any) allows the request.

    A resource-based policy's grant to an IAM role ARN "is limited by an implicit deny in a permissions boundary"
    (IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access", resource-based
    policies; only a grant naming the role session's ARN is not); principalmapper 1.1.5 lets a same-account grant
    naming the role skip the boundary (``local_check_authorization_full``: "RP approval: skip further evaluation").
    The judge's callers are role sessions, so the boundary always applies.
    """
    if principal.boundary is None:
        return True
    context = request_context(node, keys)
    return bool(_simulation.policy_has_matching_statement(principal.boundary, "Allow", action, resource, context))


def _statements(policy: dict[str, Any]) -> list[Any]:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _not_principal_exempts(not_principal: Any, principal: Principal) -> bool:
    """
    Whether a ``Deny`` statement's ``NotPrincipal`` exempts the role session ``principal``.

    IAM User Guide, "AWS JSON policy elements: NotPrincipal": with ``Deny``, AWS "might validate the account
    first, then the role, and then the assumed-role user", so a role session is exempt only when the element
    names its account, its role and the session itself; "Permissions boundaries for IAM entities": such a
    statement "will always deny any IAM principal that has a permissions boundary policy attached, regardless
    of the values specified in the NotPrincipal element". principalmapper exempts anyone whose role or account
    is named. The session's name is the caller's (one of :func:`session_names` where it is not known).
    """
    if not_principal == "*":
        return True
    values = not_principal.get("AWS", []) if isinstance(not_principal, dict) else []
    named = set(values if isinstance(values, list) else [values])
    if "*" in named:
        return True
    if principal.boundary is not None or principal.session is None:
        return False
    partition, account = principal.arn.split(":")[1], principal.account
    role_name = principal.arn.rsplit("/", 1)[-1]
    session = f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{principal.session}"
    names_account = bool(named & {account, f"arn:{partition}:iam::{account}:root"})
    names_role = bool(named & {principal.arn, principal.role_id})
    return names_account and names_role and session in named


def _session_arn(principal: Principal) -> str | None:
    """
    The caller's own assumed-role session ARN, ``arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE-NAME/SESSION``, of the
    session name the caller gives (one of :func:`session_names` where the name is not known).
    """
    if principal.session is None:
        return None
    partition, role_name = principal.arn.split(":")[1], principal.arn.rsplit("/", 1)[-1]
    return f"arn:{partition}:sts::{principal.account}:assumed-role/{role_name}/{principal.session}"


#: The names a role session may have: AWS STS API Reference, AssumeRole, ``RoleSessionName`` ("Length Constraints:
#: Minimum length of 2. Maximum length of 64", of ``[\w+=,.@-]``).
ANY_SESSION_NAME = r"[\w+=,.@-]{2,64}"
#: The name of an EC2 instance profile's role session, the instance's id: IAM User Guide, "IAM policy elements:
#: Variables and tags", "Principal key values" (``aws:userid`` of a role assigned to an Amazon EC2 instance is
#: ``role-id:ec2-instance-id``, *ec2-instance-id* "a value assigned to the instance when it is launched"); ``i-`` and 8
#: or 17 characters (Amazon EC2 User Guide, "Resource IDs").
INSTANCE_ID = r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})"


def session_name_patterns(
    documents: collections.abc.Iterable[Any], principal: Principal | None = None, *, requested: bool = False
) -> set[str]:
    """
    The names the ``documents`` may give a role session whose name the caller does not know, as IAM patterns (``*``
    and ``?`` wildcards): with ``principal``, the session of an ``assumed-role/ROLE/<name>`` ARN of its role in a
    ``Principal`` or ``NotPrincipal`` (:func:`_session_principal_resolved`, :func:`_not_principal_exempts`), and the
    name after a role id matching its own in an ``aws:userid`` condition value (``role-id:name``, :func:`request_keys`);
    with ``requested``, an ``sts:RoleSessionName`` condition value (the name an ``AssumeRole`` asks for: IAM User
    Guide, "Available keys for AWS STS").

    Policy variables (``${aws:userid}``) are not read: a ``Resource`` built of the session's name is not told apart.
    """
    patterns: set[str] = set()
    for document in documents:
        for statement in _statements(document) if isinstance(document, dict) else []:
            if not isinstance(statement, dict):
                continue
            if principal is not None:
                patterns |= _sessions_named(statement, principal)
            patterns |= _sessions_in_conditions(statement.get("Condition"), principal, requested)
    return patterns


def _sessions_named(statement: dict[str, Any], principal: Principal) -> set[str]:
    """The session names of ``principal``'s role that the statement's ``Principal``/``NotPrincipal`` name."""
    role_name = principal.arn.rsplit("/", 1)[-1].lower()
    found = set()
    for element in (statement.get("Principal"), statement.get("NotPrincipal")):
        values = element.get("AWS", []) if isinstance(element, dict) else []
        for value in values if isinstance(values, list) else [values]:
            named = re.fullmatch(r"arn:[^:]*:sts::[^:]*:assumed-role/([^/]+)/(.+)", str(value))
            if named is not None and named.group(1).lower() == role_name:
                found.add(named.group(2))
    return found


def _sessions_in_conditions(condition: Any, principal: Principal | None, requested: bool) -> set[str]:
    """The session names an ``aws:userid`` (of ``principal``'s role id) or ``sts:RoleSessionName`` condition names."""
    found: set[str] = set()
    for block in condition.values() if isinstance(condition, dict) else []:
        for key, values in block.items() if isinstance(block, dict) else []:
            listed = [value for value in (values if isinstance(values, list) else [values]) if isinstance(value, str)]
            if key.lower() == "sts:rolesessionname" and requested:
                found.update(listed)
            elif key.lower() == "aws:userid" and principal is not None:
                for value in listed:
                    role_id, colon, name = value.partition(":")
                    if colon and _wildcard_matches(role_id, principal.role_id):
                        found.add(name)
    return found


def _wildcard_matches(pattern: str, text: str) -> bool:
    """``text`` matches the IAM pattern (``*``, ``?``), regardless of case (the more names the surer)."""
    expression = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(expression, text, re.IGNORECASE | re.DOTALL) is not None


def session_names(patterns: collections.abc.Iterable[str], form: str) -> tuple[str, ...]:
    """
    The names of ``form`` to judge a session whose name is not known with: first one that none of the patterns
    matches, then for each pattern a name of ``form`` it matches (its wildcards filled). A policy tells a session's
    names apart only by such patterns (:func:`session_name_patterns`), so a decision the same for every name here is
    taken as not depending on the name; one that differs is not known. Names matching two wildcard patterns at once are
    tried only when one pattern's filled name does.
    """
    return _session_names(tuple(sorted(set(patterns))), form)


@functools.lru_cache(maxsize=256)
def _session_names(listed: tuple[str, ...], form: str) -> tuple[str, ...]:
    fresh = (f"i-0{index:016x}" if form == INSTANCE_ID else f"stand-in-unnamed-{index}" for index in range(1, 100))
    first = next(fresh)
    unnamed = next((name for name in (first, *fresh) if not any(_wildcard_matches(p, name) for p in listed)), first)
    names = [unnamed]
    for pattern in listed:
        name = _filled(pattern, form)
        if name is not None and name not in names:
            names.append(name)
    return tuple(names)


def _filled(pattern: str, form: str) -> str | None:
    """A name of ``form`` that ``pattern`` matches, its ``?`` and ``*`` filled with ``0``; ``None`` if none is found."""
    fixed = pattern.replace("?", "0")
    bare = fixed.replace("*", "")
    for length in (len(bare), 2, 10, 19):
        padding = "0" * max(length - len(bare), 0)
        if padding and "*" not in fixed:
            continue
        name = fixed.replace("*", padding, 1).replace("*", "")
        for spelled in dict.fromkeys((name, name.lower())):
            if re.fullmatch(form, spelled) and _wildcard_matches(pattern, spelled):
                return spelled
    return None


def _session_principal_resolved(element: Any, principal: Principal) -> Any:
    """
    A ``Principal`` element with the caller's own session ARN read as naming the caller: AWS STS API Reference,
    AssumeRole, ``AssumedRoleUser``: "you can reference these credentials as a principal in a resource-based policy by
    using the ARN or assumed role ID"; IAM User Guide, "AWS JSON policy elements: Principal", "Role session
    principals". principalmapper matches only a role's ARN, id, account or ``*``, so a statement naming the session
    never applied (a ``Deny`` skipped, an ``Allow`` ignored). The ARN is put as the role's: same-account grants allow
    and cross-account grants need the identity side alike; the one difference, that the permissions boundary does not
    limit a grant naming the session (IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or
    deny access"), is not modelled (the stricter side). Another session's ARN is left as it is: it names nobody else.
    """
    own = _session_arn(principal)
    if own is None or not isinstance(element, dict) or "AWS" not in element:
        return element
    values = element["AWS"] if isinstance(element["AWS"], list) else [element["AWS"]]
    if own not in values:
        return element
    return {**element, "AWS": [principal.arn if value == own else value for value in values]}


def _wildcard_principal_resolved(element: Any) -> Any:
    """
    ``{"AWS": "*"}`` (or a list of AWS principals with ``*`` among them) read as ``"*"``: IAM User Guide, "AWS JSON
    policy elements: Principal", "All principals" gives ``"Principal": "*"`` and ``"Principal": {"AWS": "*"}`` for
    everyone alike. principalmapper takes only the string as naming a same-account caller itself, and read the other
    as delegating to the caller's IAM policies (e.g. AWS's own aws/s3 key policy, ``{"AWS": "*"}``).
    """
    if not isinstance(element, dict) or "AWS" not in element:
        return element
    values = element["AWS"] if isinstance(element["AWS"], list) else [element["AWS"]]
    return "*" if "*" in values else element


def _not_principal_resolved(policy: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """
    ``policy`` with each ``NotPrincipal`` statement as it applies to ``principal``: a ``Deny`` dropped when it
    exempts it, else naming everyone (:func:`_not_principal_exempts`); an ``Allow`` dropped ("NotPrincipal must
    be used with "Effect":"Deny". Using it with "Effect":"Allow" is not supported", same page). A ``Principal`` naming
    the caller's own session names the caller (:func:`_session_principal_resolved`), one naming every AWS principal is
    ``"*"`` (:func:`_wildcard_principal_resolved`).
    """
    statements = []
    for statement in _statements(policy):
        if isinstance(statement, dict) and "NotPrincipal" in statement:
            if statement.get("Effect") != "Deny" or _not_principal_exempts(statement["NotPrincipal"], principal):
                continue
            statement = {key: value for key, value in statement.items() if key != "NotPrincipal"}
            statement["Principal"] = "*"
        elif isinstance(statement, dict) and "Principal" in statement:
            resolved = _session_principal_resolved(_wildcard_principal_resolved(statement["Principal"]), principal)
            if resolved is not statement["Principal"]:
                statement = {**statement, "Principal": resolved}
        statements.append(statement)
    return {**policy, "Statement": statements}


#: The S3 listing condition keys, by the actions S3 evaluates them for (Service Authorization Reference,
#: "Actions, resources, and condition keys for Amazon S3": ``s3:prefix``, ``s3:delimiter`` and
#: ``s3:max-keys`` are listed for ``s3:ListBucket`` and ``s3:ListBucketVersions``, not for
#: ``s3:ListBucketMultipartUploads`` or any other action).
LISTING_KEYS = frozenset({"s3:prefix", "s3:delimiter", "s3:max-keys"})
LISTING_ACTIONS = frozenset({"s3:ListBucket", "s3:ListBucketVersions"})


#: ``s3:ObjectCreationOperation``, by the S3 operations whose value AWS documents (Amazon S3 User Guide, "Enforce
#: conditional writes on Amazon S3 buckets"): its example bucket policy denies ``s3:PutObject`` with
#: ``"Null": {"s3:if-none-match": "true"}`` and ``"Bool": {"s3:ObjectCreationOperation": "true"}`` so that "All
#: PutObject and CompleteMultipartUpload requests" must carry the header, and with such a policy "CopyObject requests
#: without an If-None-Match or If-Match HTTP header fail with a 403 Access Denied error": the three carry ``true``.
OBJECT_CREATION_KEY = "s3:ObjectCreationOperation"
OBJECT_CREATION_OPERATION = {"PutObject": "true", "CopyObject": "true", "CompleteMultipartUpload": "true"}
#: The operations the same page says the key exempts ("to exempt the CreateMultipartUpload, UploadPart, and
#: UploadPartCopy operations, as these APIs don't accept conditional headers"): not ``true``, but whether ``false``
#: or absent it does not say; a policy telling the two apart leaves such a request unjudged (the caller's unknown).
OBJECT_CREATION_EXEMPT = frozenset({"CreateMultipartUpload", "UploadPart", "UploadPartCopy"})

#: ``s3:TlsVersion``, the TLS version of an HTTPS request to S3, a Numeric key of every S3 action (Service Authorization
#: Reference, "Actions, resources, and condition keys for Amazon S3"); a plain HTTP request has none.
TLS_VERSION_KEY = "s3:TlsVersion"
#: The versions an HTTPS request to S3 may have: "Amazon S3 supports TLS 1.2 and TLS 1.3 for HTTPS connections across
#: all API endpoints", and "automatically negotiates the strongest TLS protection supported by your client software"
#: (Amazon S3 User Guide, "Protecting data in transit with encryption"). Which one a client negotiates (EMRFS's JVM) is
#: not documented: a decision that differs between them is not known.
TLS_VERSIONS = ("1.2", "1.3")


def tls_versions(documents: collections.abc.Iterable[Any], *, private_link: bool = False) -> tuple[str, ...]:
    """
    The values of :data:`TLS_VERSION_KEY` to judge an HTTPS request with: each of :data:`TLS_VERSIONS` where a
    ``Condition`` of the ``documents`` names the key, else the first alone (no policy tells them apart). Through an S3
    interface endpoint (``private_link``) 1.2 only: "TLS 1.3 is supported in all S3 endpoints, except for AWS
    PrivateLink for Amazon S3 and Multi-Region Access Points" (same page).
    """
    if private_link or not names_condition_key(documents, (TLS_VERSION_KEY.lower(),)):
        return TLS_VERSIONS[:1]
    return TLS_VERSIONS


#: ``s3:x-amz-copy-source``: a condition key of ``s3:PutObject`` (Service Authorization Reference, "Actions, resources,
#: and condition keys for Amazon S3"), the source a CopyObject names; the S3 User Guide's "Bucket policy examples using
#: condition keys" compares it with ``<bucket>/<key>`` values, the form the stand-in's copies carry.
COPY_SOURCE_KEY = "s3:x-amz-copy-source"
#: The condition keys S3 fills for ``s3:PutObject`` only, of the operations that carry them.
PUT_OBJECT_ONLY_KEYS = frozenset({OBJECT_CREATION_KEY, COPY_SOURCE_KEY})


def s3_request_keys(action: str, context: dict[str, str]) -> dict[str, str]:
    """
    The request's condition keys as S3 fills them for ``action``: the listing keys only for a listing of objects,
    ``s3:ObjectCreationOperation`` and ``s3:x-amz-copy-source`` only for ``s3:PutObject`` (the uploads of
    :data:`OBJECT_CREATION_OPERATION`, a CopyObject's source; no value is documented for another action, such as the
    ``s3:PutObjectAcl`` an upload's canned ACL also needs).
    """
    if action != "s3:PutObject":
        context = {key: value for key, value in context.items() if key not in PUT_OBJECT_ONLY_KEYS}
    if action in LISTING_ACTIONS:
        return dict(context)
    return {key: value for key, value in context.items() if key not in LISTING_KEYS}


def s3_kms_context(
    key_arn: str,
    caller_account: str,
    context_arn: str | None = None,
    *,
    tags: tuple[tuple[str, str], ...] = (),
    aliases: tuple[str, ...] = (),
    properties: collections.abc.Mapping[str, str] | None = None,
    s3_request: collections.abc.Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """
    The KMS condition keys of a call S3 makes for SSE-KMS: ``kms:CallerAccount``, ``aws:ViaAWSService`` and, where
    endpoints end in ``amazonaws.com`` (the ``aws`` and ``aws-us-gov`` partitions), ``kms:ViaService``
    ``s3.<key's Region>.amazonaws.com`` (AWS KMS Developer Guide, "kms:ViaService" and "kms:CallerAccount"). Elsewhere
    the value is not documented and is left out, the stricter side: a condition needing it then does not hold.
    ``aws:RequestedRegion`` is the key's Region, where the KMS call goes (IAM User Guide, "AWS global condition context
    keys": "always included in the request context").

    With ``context_arn`` (the ``aws:s3:arn`` of S3's encryption context, the object's or, with an S3 Bucket Key, the
    bucket's ARN: S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)", "Encryption context"), the
    context's own keys: ``kms:EncryptionContext:aws:s3:arn`` and ``kms:EncryptionContextKeys``, the list of the
    context's keys, ``["aws:s3:arn"]`` (AWS KMS Developer Guide, "kms:EncryptionContextKeys": "the keys in the
    encryption context" of the request, a multivalued key).
    ``aws:CalledVia`` is left out: the "Forward access sessions" page says FAS requests carry it, but whether S3 is
    among the services its own entry ("AWS global condition context keys") lists was not confirmed.

    The key's own labels: ``aws:ResourceTag/<tag-key>`` for each of its ``tags`` (AWS KMS Developer Guide, "Use tags to
    control access to KMS keys": "AWS KMS supports the aws:ResourceTag/tag-key global condition context key"; IAM User
    Guide, "AWS global condition context keys": present when "the requested resource already has attached tags"), and
    ``kms:ResourceAliases``, the names of its ``aliases`` (AWS KMS Developer Guide, "Use aliases to control access to KMS
    keys": "valid for any AWS KMS operation that uses a KMS key", a multivalued key; a key without aliases carries none,
    so ``ForAnyValue`` on it does not hold).

    The key's properties (``properties``, the keys :func:`key_property_keys` gives; ``None``: not read) and ``kms:EncryptionAlgorithm``
    ``SYMMETRIC_DEFAULT``: AWS KMS Developer Guide, "AWS KMS condition keys": such a condition "works even when the
    parameter doesn't appear in the request", ``kms:EncryptionAlgorithm`` controls "the operations that generate data keys
    and data key pairs", which "use only symmetric KMS keys and the SYMMETRIC_DEFAULT algorithm", and the other
    operations "based on the encryption algorithm used in the operation, even when the algorithm isn't specified in the
    request"; S3 uses symmetric encryption keys only (Amazon S3 API Reference, "Encryption"), whose one algorithm that is.

    Where the call comes from: :func:`forwarded_network_keys` of the keys the S3 request was judged with
    (``s3_request``; ``None``: not known). :data:`SERVICE_SOURCE_KEYS`: not known, as a forward access session's.
    :data:`REQUEST_ALIAS`: not known, present or absent, for every call (the KeyId S3 sends is not documented); the
    provider's own calls carry it as they name the key (``aws_key_policy_calls``).
    """
    partition, region = key_arn.split(":")[1], key_arn.split(":")[3]
    # A forward access session: "The aws:ViaAWSService condition key value is set to true whenever a FAS request is
    # made", and "FAS is used by Amazon S3 to make calls to AWS Key Management Service" for SSE-KMS (IAM User Guide,
    # "Forward access sessions").
    context = {"kms:CallerAccount": caller_account, "aws:ViaAWSService": "true"}
    context["aws:RequestedRegion"] = region
    context.update(key_property_keys(None) if properties is None else properties)
    context.update(forwarded_network_keys(s3_request))
    context.update(dict.fromkeys(SERVICE_SOURCE_KEYS, PRESENCE_NOT_KNOWN))  # not documented for a FAS request
    # kms:RequestAlias holds when "the value of the KeyId parameter in the request" is a matching alias name or alias
    # ARN (AWS KMS Developer Guide, "AWS KMS condition keys", kms:RequestAlias); which KeyId S3 sends to KMS for
    # SSE-KMS, however the upload or the bucket's default names the key, no page says: present or absent, not known.
    context[REQUEST_ALIAS] = PRESENCE_NOT_KNOWN
    context["kms:EncryptionAlgorithm"] = SYMMETRIC_DEFAULT
    if partition in ("aws", "aws-us-gov"):
        context["kms:ViaService"] = f"s3.{region}.amazonaws.com"
    labels: dict[str, Any] = {**resource_tag_keys(tags), **({"kms:ResourceAliases": list(aliases)} if aliases else {})}
    if context_arn is None:
        return {**context, **labels}
    return {
        **context,
        **labels,
        "kms:EncryptionContext:aws:s3:arn": context_arn,
        "kms:EncryptionContextKeys": ["aws:s3:arn"],
    }


#: The KMS condition key of the alias a request names as its KeyId (AWS KMS Developer Guide, "AWS KMS condition keys").
REQUEST_ALIAS = "kms:RequestAlias"


#: The keys of where a request comes from (IAM User Guide, "AWS global condition context keys"): ``aws:SourceIp`` over
#: the internet, the other three through a VPC endpoint.
NETWORK_KEYS = ("aws:SourceIp", "aws:VpcSourceIp", "aws:SourceVpc", "aws:SourceVpce")


def forwarded_network_keys(s3_request: collections.abc.Mapping[str, Any] | None) -> dict[str, Any]:
    """
    The network keys (:data:`NETWORK_KEYS`) of the forward access session S3 calls KMS with, from those of the S3
    request it serves (``s3_request``).

    Over the internet, the S3 request's ``aws:SourceIp``: a Deny on the source address "does not deny requests made by
    AWS services using Forward access sessions as the original requester's IP address is preserved" (IAM User Guide,
    "AWS: Denies access to AWS based on the source IP"; "Forward access sessions": "FAS is used by Amazon S3 to make
    calls to AWS Key Management Service"). The VPC keys are absent, as on the S3 request: each "is included in the
    request context only if the requester uses a VPC endpoint" ("AWS global condition context keys").

    Through a VPC endpoint (the S3 request carries ``aws:VpcSourceIp``, ``aws:SourceVpc`` or ``aws:SourceVpce``), or
    where the S3 request's keys are not known (``None``), each may be absent or hold any value
    (:data:`PRESENCE_NOT_KNOWN`): which of them a forward access session carries then, and with which value, is not
    documented (the "AWS global condition context keys" entries for these keys say nothing of calls a service makes on
    the requester's behalf), so a condition on them leaves the decision not known.
    """
    if s3_request is None or any(key in s3_request for key in NETWORK_KEYS[1:]) or NETWORK_KEYS[0] not in s3_request:
        return dict.fromkeys(NETWORK_KEYS, PRESENCE_NOT_KNOWN)
    return {NETWORK_KEYS[0]: s3_request[NETWORK_KEYS[0]]}


#: The keys of a service-to-service request (IAM User Guide, "AWS global condition context keys",
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html: "the aws:SourceAccount
#: condition key is only available when the call to your resource is made directly by an AWS service principal", and
#: each key's Availability). The writer's AssumeRole and S3 calls are signed by role sessions, no service principal:
#: the judge leaves the keys out of their context, absent (a condition needing one does not hold, a negated or
#: ``...IfExists`` one does). S3's KMS calls are forward access sessions, for which the "Forward access sessions" page
#: names only ``aws:CalledVia*`` and ``aws:ViaAWSService``: whether they carry these is not documented, so there each
#: may be absent or hold any value (:data:`PRESENCE_NOT_KNOWN`, :func:`s3_kms_context`).
SERVICE_SOURCE_KEYS = ("aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths")


#: The key spec and algorithm of a symmetric encryption KMS key, the only keys S3 uses.
SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
#: The condition keys of a KMS key's own properties that a KMS key resource operation carries (AWS KMS Developer Guide,
#: "AWS KMS condition keys": ``kms:KeyOrigin``, ``kms:KeySpec``, ``kms:KeyUsage``, ``kms:MultiRegion``, each for "KMS
#: key resource operations", in key policies and IAM policies; ``kms:CustomerMasterKeySpec`` and
#: ``kms:CustomerMasterKeyUsage``, deprecated, "work the same way"), ``kms:MultiRegionKeyType`` apart: "Only multi-Region
#: keys have a MultiRegionKeyType property".
KEY_PROPERTY_KEYS = (
    "kms:KeyOrigin",
    "kms:KeySpec",
    "kms:CustomerMasterKeySpec",
    "kms:KeyUsage",
    "kms:CustomerMasterKeyUsage",
    "kms:MultiRegion",
)
MULTI_REGION_KEY_TYPE = "kms:MultiRegionKeyType"


def key_property_keys(metadata: collections.abc.Mapping[str, Any] | None) -> dict[str, str]:
    """
    The request keys of a KMS key's properties (:data:`KEY_PROPERTY_KEYS`) from its ``DescribeKey`` ``KeyMetadata``
    (``Origin``, ``KeySpec``, ``KeyUsage``, ``MultiRegion``, ``MultiRegionConfiguration.MultiRegionKeyType``); ``None``:
    not read, every one's value not known and the key type's presence too. A field ``DescribeKey`` leaves out (moto
    leaves out what its ``CreateKey`` was not given) is ``CreateKey``'s default (AWS KMS API Reference, CreateKey:
    ``KeySpec`` "The default value, SYMMETRIC_DEFAULT", ``KeyUsage`` "The default value is ENCRYPT_DECRYPT",
    ``MultiRegion`` "The default value is False", ``Origin`` ``AWS_KMS`` by default).
    """
    if metadata is None:
        return {**dict.fromkeys(KEY_PROPERTY_KEYS, VALUE_NOT_KNOWN), MULTI_REGION_KEY_TYPE: PRESENCE_NOT_KNOWN}
    spec = str(metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec") or SYMMETRIC_DEFAULT)
    usage = str(metadata.get("KeyUsage") or "ENCRYPT_DECRYPT")
    multi_region = bool(metadata.get("MultiRegion"))
    keys = {
        "kms:KeyOrigin": str(metadata.get("Origin") or "AWS_KMS"),
        "kms:KeySpec": spec,
        "kms:CustomerMasterKeySpec": spec,
        "kms:KeyUsage": usage,
        "kms:CustomerMasterKeyUsage": usage,
        "kms:MultiRegion": "true" if multi_region else "false",
    }
    if multi_region:
        kind = (metadata.get("MultiRegionConfiguration") or {}).get("MultiRegionKeyType")
        keys[MULTI_REGION_KEY_TYPE] = VALUE_NOT_KNOWN if not kind else str(kind)
    return keys


def resource_tag_keys(
    tags: collections.abc.Iterable[tuple[str, str]], services: tuple[str, ...] = ("aws",)
) -> dict[str, str]:
    """
    The request keys of a resource's ``tags``: ``aws:ResourceTag/<tag-key>`` (IAM User Guide, "AWS global condition
    context keys": "There is one context key for each tag key-value pair"), and ``<service>:ResourceTag/<tag-key>`` for
    each other of ``services`` (an IAM role's: "IAM: Assume roles that have a specific tag" conditions ``sts:AssumeRole``
    on ``iam:ResourceTag/<tag-key>``).
    """
    return {f"{service}:ResourceTag/{key}": value for service in services for key, value in tags}


#: The condition keys of a KMS key's own labels (lower case, a prefix for the tags'): AWS KMS supports them in IAM
#: policies only (AWS KMS Developer Guide, "Use tags to control access to KMS keys": "It isn't supported in key
#: policies"; "AWS KMS condition keys", kms:ResourceAliases: "IAM policies only").
KEY_LABEL_KEYS = ("aws:resourcetag/", "kms:resourcealiases")


def _condition_entries(document: Any) -> collections.abc.Iterator[tuple[str, Any]]:
    """The ``(condition key as written, values)`` of a policy document's statements."""
    for statement in _statements(document) if isinstance(document, dict) else []:
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        for block in condition.values() if isinstance(condition, dict) else []:
            yield from block.items() if isinstance(block, dict) else []


def names_condition_key(documents: collections.abc.Iterable[Any], keys: tuple[str, ...]) -> bool:
    """Whether a ``Condition`` of the ``documents`` names a key that starts with one of ``keys`` (lower case), in any case."""
    return any(name.lower().startswith(keys) for document in documents for name, _ in _condition_entries(document))


#: What :func:`blind_to` puts in front of a condition key no request carries.
_UNCARRIED = "stand-in-uncarried:"


def blind_to(policy: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """
    ``policy`` with its conditions on keys starting with one of ``keys`` (lower case) renamed to keys no request
    carries: the policy judged as if the request did not carry them, while the other policies still see them.
    """
    if policy is None:
        return None
    statements = []
    for statement in _statements(policy):
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        if isinstance(condition, dict):
            renamed = {
                operator: {
                    (_UNCARRIED + name if name.lower().startswith(keys) else name): values
                    for name, values in block.items()
                }
                if isinstance(block, dict)
                else block
                for operator, block in condition.items()
            }
            statement = {**statement, "Condition": renamed}
        statements.append(statement)
    return {**policy, "Statement": statements}


#: Public addresses to try for a request's source address where it is not known, besides one in each range the policies
#: name: one outside every named range stands for the addresses no policy tells apart.
_SAMPLE_ADDRESSES = ("52.94.0.1", "3.5.0.1", "18.32.0.1", "99.77.0.1")


def source_address_candidates(documents: collections.abc.Iterable[Any], key: str, *, public: bool) -> tuple[str, ...]:
    """
    The addresses to judge a request with whose ``key`` (``aws:SourceIp``, ``aws:VpcSourceIp``) the stand-in does not
    know: first one outside every range a condition of the ``documents`` names for ``key`` (IP address operators:
    ranges in CIDR notation, IAM User Guide, "IAM JSON policy elements: Condition operators"), then one inside each
    such range. A decision the same for all of them does not depend on the address; one that differs is not known.
    ``public``: the address is a public one (``aws:SourceIp`` "can only be used for public IP address ranges", IAM User
    Guide, "AWS global condition context keys"), so none is taken in the private ranges of RFC 1918.
    """
    networks = [
        network
        for document in documents
        for name, values in _condition_entries(document)
        if name.lower() == key.lower()
        for network in _networks(values)
    ]
    samples = [ipaddress.ip_address(address) for address in _SAMPLE_ADDRESSES]
    candidates = [next((str(sample) for sample in samples if not any(sample in net for net in networks)), None)]
    for network in networks:
        first = network.network_address + 1 if network.num_addresses > 2 else network.network_address
        candidates.append(
            next(
                (
                    str(address)
                    for address in (first, *samples)
                    if address in network and not (public and _in_private_v4(address))
                ),
                None,
            )
        )
    return tuple(dict.fromkeys(candidate for candidate in candidates if candidate is not None)) or _SAMPLE_ADDRESSES[:1]


def _networks(values: Any) -> list[Any]:
    """The networks of an IP condition's values (an invalid value names none)."""
    found = []
    for value in values if isinstance(values, list) else [values]:
        try:
            found.append(ipaddress.ip_network(str(value), strict=False))
        except ValueError:
            continue
    return found


def _in_private_v4(address: Any) -> bool:
    return isinstance(address, ipaddress.IPv4Address) and any(address in private for private in _PRIVATE_V4)


def missing_key_status(
    principal: Principal,
    bucket_arn: str,
    *,
    bucket_policy: dict[str, Any] | None,
    bucket_owner: str,
    context: dict[str, str] | None = None,
) -> tuple[int, Decision]:
    """
    Return the status S3 answers to a HEAD/GET of a missing key: 404 with ``s3:ListBucket``, else 403.

    The ListBucket check runs with the keys the HEAD itself carries from the way it was sent (``context``:
    ``aws:SecureTransport``, ``aws:SourceVpce``...) and the listing keys not known, present or absent
    (:data:`PRESENCE_NOT_KNOWN`): which of them that check carries, and with which values, AWS does not document (S3
    API Reference, HeadObject, "Permissions", names the permission only). Where a condition on them decides it, the
    status is known only if every value of them gives the same one (:func:`listing_keys_either_way`), else
    :class:`NotKnown` (review J42: the stand-in ran it with them absent, a choice of its own; review J46).
    """

    def judge(resolve: collections.abc.Callable[[Any], Any]) -> Decision:
        return authorize(
            dataclasses.replace(
                principal,
                policies=tuple((name, resolve(document)) for name, document in principal.policies),
                boundary=resolve(principal.boundary),
            ),
            "s3:ListBucket",
            bucket_arn,
            resource_policy=resolve(bucket_policy),
            resource_owner=bucket_owner,
            context={
                **{key: value for key, value in (context or {}).items() if key not in LISTING_KEYS},
                **dict.fromkeys(LISTING_KEYS, PRESENCE_NOT_KNOWN),
            },
            resource_policy_name="bucket policy",
        )

    decision = listing_keys_either_way(judge)
    return (404 if decision.allowed else 403), decision


def _tests_listing_key(statement: Any) -> bool:
    """Whether a statement's ``Condition`` names one of :data:`LISTING_KEYS`, in any case."""
    return any(name.lower() in LISTING_KEYS for name, _ in _condition_entries({"Statement": [statement]}))


def listing_keys_settled(policy: dict[str, Any] | None, *, optimistic: bool) -> dict[str, Any] | None:
    """
    ``policy`` with its statements that test a listing key settled one way: ``optimistic``, the Allows among them as if
    their conditions on those keys held and the Denies dropped; else the reverse (the Allows dropped, the Denies as if
    those conditions held). Their other conditions stay.
    """
    if policy is None:
        return None
    statements = []
    for statement in _statements(policy):
        if not isinstance(statement, dict) or not _tests_listing_key(statement):
            statements.append(statement)
        elif (statement.get("Effect") == "Allow") == optimistic:
            statements.append({**statement, "Condition": _without_listing_keys(statement["Condition"])})
    return {**policy, "Statement": statements}


def _without_listing_keys(condition: dict[str, Any]) -> dict[str, Any]:
    """A ``Condition`` without its tests of :data:`LISTING_KEYS` (its operators left empty dropped)."""
    kept = {
        operator: {name: values for name, values in block.items() if name.lower() not in LISTING_KEYS}
        if isinstance(block, dict)
        else block
        for operator, block in condition.items()
    }
    return {operator: block for operator, block in kept.items() if block}


def listing_keys_either_way(
    judge: collections.abc.Callable[[collections.abc.Callable[[Any], Any]], Decision],
) -> Decision:
    """
    ``judge(resolve)`` (``resolve`` applied to every policy it reads) where the listing keys are not known: as written,
    else twice with the statements testing them settled (:func:`listing_keys_settled`). AWS allows where the
    pessimistic run allows (fewer Allows, more Denies) and refuses where the optimistic run refuses, as a Deny that
    applies refuses whatever allows and an Allow only adds (IAM User Guide, "How AWS enforcement code logic evaluates
    requests to allow or deny access": "An explicit deny overrides an explicit allow"); otherwise the runs differ, and
    the first :class:`NotKnown` is raised. Neither run depends on the statements' order (review J46).
    """
    try:
        return judge(_as_written)
    except NotKnown as error:
        undecided = error
    for optimistic in (False, True):
        try:
            decision = judge(functools.partial(listing_keys_settled, optimistic=optimistic))
        except NotKnown:
            continue
        if decision.allowed != optimistic:
            return decision
    raise undecided


def _as_written(policy: Any) -> Any:
    return policy


def acl_refusal(object_ownership: str, acl: str | None) -> Decision | None:
    """
    Return S3's refusal of an upload carrying the canned ACL ``acl`` on a bucket with this Object
    Ownership setting (400 ``AccessControlListNotSupported``), or ``None`` when S3 accepts it.
    """
    if object_ownership == "BucketOwnerEnforced" and acl not in (None, "bucket-owner-full-control"):
        return Decision(False, f"400 AccessControlListNotSupported: the bucket is BucketOwnerEnforced, x-amz-acl {acl}")
    return None


#: Canned ACLs that grant AllUsers or AuthenticatedUsers, which S3 calls public (S3 User Guide, "Access control list
#: (ACL) overview", "Canned ACL"; "Blocking public access to your Amazon S3 storage", "The meaning of 'public'").
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})


def public_acl_refusal(block_public_acls: bool, acl: str | None) -> Decision | None:
    """
    Return S3's refusal of an upload carrying a public canned ACL where Block Public Access ``BlockPublicAcls`` is on
    (bucket or account level): "PUT Object calls fail if the request includes a public ACL" (S3 API Reference,
    "PublicAccessBlockConfiguration"); ``None`` when S3 accepts it.
    """
    if block_public_acls and acl in PUBLIC_CANNED_ACLS:
        return Decision(False, f"403 AccessDenied: Block Public Access BlockPublicAcls is on, x-amz-acl {acl}")
    return None


def bucket_policy_in_force(
    policy: dict[str, Any] | None,
    *,
    caller_account: str,
    bucket_owner: str,
    restrict_public_buckets: bool,
    policy_is_public: bool,
) -> tuple[dict[str, Any] | None, str]:
    """
    Return the bucket policy S3 applies to a caller of ``caller_account``, and how a reason names it.

    Under ``RestrictPublicBuckets`` a public policy keeps only its Deny statements for other accounts.
    """
    if not (restrict_public_buckets and policy_is_public and policy) or caller_account == bucket_owner:
        return policy, "bucket policy"
    statements = policy.get("Statement", [])
    denies = [
        item for item in (statements if isinstance(statements, list) else [statements]) if item.get("Effect") == "Deny"
    ]
    return {**policy, "Statement": denies}, "public bucket policy (RestrictPublicBuckets: no grant to another account)"


#: The condition keys whose fixed values make an ``Allow`` to everyone non-public (S3 User Guide, "Blocking public access
#: to your Amazon S3 storage", "The meaning of 'public'", bucket policies): the keys naming "An AWS principal, user, role,
#: or service principal (e.g. aws:PrincipalOrgID)", ``aws:SourceArn``, ``aws:SourceVpc``, ``aws:SourceVpce``,
#: ``aws:SourceOwner``, ``aws:SourceAccount``, ``s3:x-amz-server-side-encryption-aws-kms-key-id``, ``aws:userid``
#: (outside the pattern "AROLEID:*"), ``s3:DataAccessPointArn``, ``s3:DataAccessPointAccount``; ``aws:SourceIp``
#: apart (:func:`_narrow_cidr`). Keys compared without regard to case, as IAM compares them.
NON_PUBLIC_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceArn",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceOwner",
        "aws:SourceAccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "aws:userid",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
    )
)
#: Operators that limit a grant to their values: a negated operator, an ``...IfExists`` one (true on a request without
#: the key) and ``ForAllValues:`` (true on an absent key) do not.
_LIMITING_OPERATORS = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress"}
)
#: The private ranges of RFC 1918, which a broad ``aws:SourceIp`` may name and stay non-public.
_PRIVATE_V4 = tuple(ipaddress.IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _fixed(value: Any, key: str) -> bool:
    """A value with no wildcard or policy variable; an access point ARN may end in ``*`` with its account fixed."""
    text = value if isinstance(value, str) else str(value)
    if "${" in text:
        return False
    if key == "s3:dataaccesspointarn" and text.endswith(":accesspoint/*"):
        text = text.removesuffix("*")
    return "*" not in text and "?" not in text


def _narrow_cidr(value: Any) -> bool:
    """
    An ``aws:SourceIp`` value that keeps a grant non-public: "Bucket policies that grant access conditioned on the
    aws:SourceIp condition key with very broad IP ranges (for example, 0.0.0.0/1) are evaluated as "public." This
    includes values broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges)" (same page).
    """
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    if isinstance(network, ipaddress.IPv4Network):
        return network.prefixlen >= 8 or any(network.subnet_of(private) for private in _PRIVATE_V4)
    return network.prefixlen >= 32


def _limits_to_fixed_values(condition: Any) -> bool:
    """Whether a statement's ``Condition`` limits it by one of the keys of :data:`NON_PUBLIC_KEYS` to fixed values."""
    if not isinstance(condition, dict):
        return False
    for operator, keys in condition.items():
        base = operator.removeprefix("ForAnyValue:")
        if base not in _LIMITING_OPERATORS or not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            listed = values if isinstance(values, list) else [values]
            key = key.lower()
            if not listed:
                continue
            if key == "aws:sourceip" and base == "IpAddress" and all(_narrow_cidr(value) for value in listed):
                return True
            if key in NON_PUBLIC_KEYS and base != "IpAddress" and all(_fixed(value, key) for value in listed):
                return True
    return False


def _fixed_principal(principal: Any) -> bool:
    """A ``Principal`` of fixed AWS principals, service principals or canonical users (no wildcard, not federated)."""
    if not isinstance(principal, dict) or not principal:
        return False
    for kind, values in principal.items():
        listed = values if isinstance(values, list) else [values]
        if kind not in ("AWS", "Service", "CanonicalUser") or not listed:
            return False
        if not all(isinstance(value, str) and _fixed(value, "") for value in listed):
            return False
    return True


def bucket_policy_is_public(policy: dict[str, Any] | None) -> bool:
    """
    Whether S3 calls a bucket policy public (what ``GetBucketPolicyStatus`` answers as ``IsPublic``), by S3's own rule
    (S3 User Guide, "Blocking public access to your Amazon S3 storage", "The meaning of 'public'"): "Amazon S3 begins by
    assuming that the policy is public. ... To be considered non-public, a bucket policy must grant access only to
    fixed values (values that don't contain a wildcard or an AWS Identity and Access Management Policy Variable)" for
    a principal or one of the listed condition keys. So a policy is public when one ``Allow`` is neither to fixed
    principals (the page's example ``"Principal": {"Federated": "graph.facebook.com"}`` is public) nor limited by a
    listed key to fixed values (its example ``StringLike`` ``aws:SourceVpc`` ``vpc-*`` is public; ``StringEquals``
    ``vpc-91237329`` is not). An ``Allow`` with ``NotPrincipal`` grants everyone not named: public. moto's answer calls
    any statement with a ``Condition`` non-public, whatever the condition, and was read as S3's.
    """
    if not policy:
        return False
    for statement in _statements(policy):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "NotPrincipal" not in statement and _fixed_principal(statement.get("Principal")):
            continue
        if _limits_to_fixed_values(statement.get("Condition")):
            continue
        return True
    return False


def endpoint_policy_allows(
    principal: Principal,
    action: str,
    resource: str,
    *,
    endpoint_id: str,
    gateway: bool,
    policy: dict[str, Any],
    resource_owner: str,
    context: dict[str, str] | None = None,
) -> Decision:
    """
    Whether a VPC endpoint's policy lets ``principal``'s ``action`` on ``resource`` through the endpoint.

    AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint policies": the policy "control[s] which
    AWS principals can use the endpoint", "does not override or replace identity-based policies or resource-based
    policies" (so it needs its own Allow, and a Deny in it refuses), and must contain a ``Principal``. "Principals for
    gateway endpoints": "you must use the aws:PrincipalArn condition key to grant access to a principal"; a principal
    given as an account "grants access to the AWS account root user only", and an ARN is converted to a unique id:
    for a gateway endpoint only a grant to everyone (``*``) counts here, the stricter side. The request context is the
    one :func:`authorize` builds; a key the stand-in does not model (``aws:ResourceOrgID``, ``aws:PrincipalOrgID``:
    moto's accounts belong to no organization, and "this key is not included in the request context" then: IAM User
    Guide, "AWS global condition context keys") is absent. A ``Deny`` with ``NotPrincipal`` exempts the session only as
    it does in a bucket policy (:func:`_not_principal_resolved`: the account, the role and the session named), not as
    principalmapper reads it (the role or the account). Where the listing keys are not known (the check behind a
    missing key's 404: :func:`missing_key_status`), a decision is taken only where every value of them gives it
    (:func:`listing_keys_either_way`).
    """
    return listing_keys_either_way(
        lambda resolve: _endpoint_decision(
            principal, action, resource, endpoint_id, gateway, resolve(policy), resource_owner, context
        )
    )


def _endpoint_decision(
    principal: Principal,
    action: str,
    resource: str,
    endpoint_id: str,
    gateway: bool,
    policy: dict[str, Any],
    resource_owner: str,
    context: dict[str, str] | None,
) -> Decision:
    """:func:`endpoint_policy_allows` on ``policy`` as given."""
    statements = _statements(_not_principal_resolved(policy, principal))
    if gateway:
        statements = [
            statement
            for statement in statements
            if statement.get("Effect") != "Allow" or _grants_everyone(statement.get("Principal"))
        ]
    node = principal.node()
    prepared = request_context(node, request_keys(principal, action, resource_owner, context, resource=resource))
    versioned = {**policy, "Statement": statements}  # its Version, which says whether it has variables
    matching = _simulation.resource_policy_matching_statements(node, versioned, action, resource, prepared)
    if any(statement.get("Effect") == "Deny" for statement in matching):
        return Decision(False, f"denied: the VPC endpoint policy of {endpoint_id} denies {action} on {resource}")
    if any(statement.get("Effect") == "Allow" for statement in matching):
        return Decision(True, f"allowed: the VPC endpoint policy of {endpoint_id} allows {action} on {resource}")
    return Decision(
        False,
        f"denied: the VPC endpoint policy of {endpoint_id} does not allow {action} on {resource} by {principal.arn}",
    )


def _grants_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    values = principal.get("AWS") if isinstance(principal, dict) else None
    return "*" in (values if isinstance(values, list) else [values])
