"""
KMS judging a role session's own calls on a key against the key policy, played in the stand-in: :func:`install`.

moto answers a key's ``GetKeyPolicy``, ``PutKeyPolicy``, ``DescribeKey`` and ``ListGrants`` to any caller whose key
policy has no matching ``Deny``. On AWS, "Unless the key policy explicitly allows it, you cannot use IAM policies to
allow access to a KMS key. Without permission from the key policy, IAM policies that allow permissions have no effect"
(AWS KMS Developer Guide, "Key policies in AWS KMS"); a grant allows its grant operations too ("Grants in AWS KMS";
``DescribeKey`` is one of them). So for each of those calls made by a session of an assumed role (the provider's
connections: ``airflow-provisioner``), the judge (:func:`devstack.aws_judge.authorize`, which knows that rule: a
same-account key policy must still allow) decides the action on the key with the key policy, the role's policies
and its boundary, and a refusal is KMS's ``AccessDeniedException`` (HTTP 400, JSON ``__type`` and ``message``: AWS
KMS API Reference, "Common Errors"; botocore reads the code from ``__type``). Those are the calls the provider's
hooks make on a key (``hooks/kms.py``, ``verify.py``); ``ListAliases`` names no key and is left to moto.

``PutKeyPolicy`` without ``BypassPolicyLockoutSafetyCheck`` is refused with ``MalformedPolicyDocumentException``
when the new policy would not let the caller make a subsequent ``PutKeyPolicy`` request (AWS KMS API Reference,
"PutKeyPolicy", ``Policy`` and ``BypassPolicyLockoutSafetyCheck``), judged the same way with the new policy.

A key ARN or alias ARN of another account names that account's key, looked up in its account and the request's Region
(:func:`_key`), and judged there: ``DescribeKey`` and ``ListGrants`` work across accounts when the key policy and the
caller's IAM policies both allow (AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS key"), and
moto then answers from the key's account (:func:`_answered`); ``GetKeyPolicy`` and ``PutKeyPolicy`` ("Cross-account
use: No") are refused whatever the policies. A key id or alias name names a key of the caller's account only.

Each call carries the request keys of the writer's KMS calls (:func:`_request_keys`): ``kms:CallerAccount``, the key's
properties, tags and aliases (the last two count in IAM policies only), and ``kms:RequestAlias`` for a key named by an
alias. The stand-in does not know the caller's way: it judges it as from the internet (:func:`_allowed`), without the
VPC keys and from each ``aws:SourceIp`` the policies tell apart, refused when one of them is; a decision the judge
cannot take otherwise (:class:`devstack.aws_judge.NotKnown`) is a refusal, the stricter side.

Left alone: requests signed with other credentials than a role session's (moto's default keys, an IAM user's) and
the stand-in's own session (:data:`STAND_IN_SESSION`, ``devstack.moto_stack.account_session``'s), with which tests
arrange state as an administrator would; a request for a key moto does not have (moto answers it). Session policies
are not applied (the judge does not model them). moto lets a role that does not exist be assumed, and most tests never
make the connections' role: such a session is judged as allowed everything by its identity policies
(:data:`UNMADE_ROLE_POLICY`), so the key policy alone decides. Written apart from the provider's own evaluator.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import moto.iam.models
import moto.kms.models
import moto.sts.models
from moto.core.exceptions import JsonRESTError
from moto.iam.exceptions import NotFoundException as IAMNotFoundException
from moto.kms.responses import KmsResponse

from devstack import aws_judge, backend_judges

_moto_handlers: dict[str, Any] = {}

#: The session name of the stand-in's own sessions (``devstack.moto_stack.account_session``), left unjudged.
STAND_IN_SESSION = "devstack"
#: The identity policy of a session of a role moto does not have (moto lets any role ARN be assumed: most tests never
#: make the connections' ``airflow-provisioner``): allowed everything, as an administrator, so the key policy decides.
UNMADE_ROLE_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
#: The operations of :data:`_JUDGED` a grant can allow (AWS KMS Developer Guide, "Grants in AWS KMS", grant operations).
_GRANT_OPERATIONS = frozenset({"kms:DescribeKey"})


class KmsClientError(JsonRESTError):
    """A KMS error in the JSON protocol's shape: ``{"__type": code, "message": text}``, HTTP 400."""

    code = 400


def _session(response: KmsResponse) -> Any:
    """The assumed-role session that signed the request, ``None`` for other credentials or the stand-in's own."""
    backend = moto.sts.models.sts_backends[response.current_account][response.partition]
    session = backend.get_assumed_role_from_access_key(response.get_access_key())
    return None if session is None or session.session_name == STAND_IN_SESSION else session


def _principal(session: Any) -> aws_judge.Principal:
    """The session's role as the judge sees it: policies, boundary, tags and session name (:data:`UNMADE_ROLE_POLICY`)."""
    iam = moto.iam.models.iam_backends[session.account_id][session.partition]
    try:
        role = iam.get_role_by_arn(session.role_arn)
    except IAMNotFoundException:
        unmade = (("stand-in: role not made", UNMADE_ROLE_POLICY),)
        return aws_judge.Principal(session.role_arn, "AROAUNMADE", unmade, None, session.session_name)

    def document(policy: Any) -> dict[str, Any]:
        return _loaded(next(version for version in policy.versions if version.is_default).document)

    policies = [(name, _loaded(text)) for name, text in role.policies.items()]
    policies += [(policy.name, document(policy)) for policy in role.managed_policies.values()]
    found = iam.managed_policies.get(role.permissions_boundary_arn) if role.permissions_boundary_arn else None
    boundary = None if found is None else document(found)
    # The role's tags are its sessions' aws:PrincipalTag/<key> (IAM User Guide, "AWS global condition context keys").
    tags = tuple((tag["Key"], tag["Value"]) for tag in role.tags)
    return aws_judge.Principal(role.arn, role.id, tuple(policies), boundary, session.session_name, tags)


def _loaded(document: Any) -> dict[str, Any]:
    """A policy document as moto keeps it (JSON text, at times URL-encoded), as a dict."""
    from urllib.parse import unquote

    if isinstance(document, dict):
        return document
    text = str(document)
    return dict(json.loads(text if text.lstrip().startswith("{") else unquote(text)))


def _key(response: KmsResponse) -> Any:
    """
    The key the request names (key id, ARN or alias), ``None`` when moto has none (moto then answers). A key ARN or
    alias ARN names a key of the account in it (:func:`_arn_backend`); a key id or alias name one of the caller's
    account: "To specify a KMS key in a different AWS account, you must use the key ARN or alias ARN" (AWS KMS API
    Reference, DescribeKey, ``KeyId``).
    """
    key_id = str(response._get_param("KeyId") or "")
    backend = _arn_backend(response, key_id) or (None if _foreign_arn(response, key_id) else response.kms_backend)
    if backend is None:  # an ARN of another Region: not found where the request is sent
        return None
    try:
        return backend.describe_key(key_id)
    except Exception:  # not found or not an identifier: moto's own answer
        return None


def _arn_backend(response: KmsResponse, key_id: str) -> Any:
    """
    moto's KMS of the account a key ARN or alias ARN of the request's Region names; ``None`` for another identifier or
    Region: "key policies are Regional. A key policy controls access only to a KMS key in the same Region" (AWS KMS
    Developer Guide, "Key policies in AWS KMS"), so a key of another Region is not found where the request is sent.
    """
    place = _arn_place(key_id)
    if place is None or place[1] != response.region or not (place[0].isdigit() and len(place[0]) == 12):
        return None
    return moto.kms.models.kms_backends[place[0]][place[1]]


def _arn_place(key_id: str) -> tuple[str, str] | None:
    """The account and Region of a KMS key ARN or alias ARN; ``None`` for another identifier."""
    parts = key_id.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "kms":
        return None
    return parts[4], parts[3]


def _request_keys(response: KmsResponse, principal: aws_judge.Principal, key: Any) -> dict[str, Any]:
    """
    The request keys of the session's call on ``key``, as of the writer's KMS calls: ``kms:CallerAccount``, the key's
    properties (``kms:KeySpec`` … "for KMS key resource operations": AWS KMS Developer Guide, "AWS KMS condition
    keys"), its tags and aliases (``aws:ResourceTag/<key>``, ``kms:ResourceAliases``: "Use tags to control access to KMS
    keys", "Use aliases to control access to KMS keys") and ``kms:RequestAlias`` (:func:`_request_alias`). The network
    keys are the judgment's (:func:`_allowed`).
    """
    tags = moto.kms.models.kms_backends[key.account_id][key.region].tagger.get_tag_dict_for_resource(key.id).items()
    aliases = list(key.aliases)
    return {
        "kms:CallerAccount": principal.account,
        **aws_judge.key_property_keys(key.to_dict()["KeyMetadata"]),
        **aws_judge.resource_tag_keys(tags),
        **({"kms:ResourceAliases": aliases} if aliases else {}),
        **_request_alias(str(response._get_param("KeyId") or "")),
    }


def _request_alias(key_id: str) -> dict[str, str]:
    """
    ``kms:RequestAlias`` of a request whose ``KeyId`` is an alias name or alias ARN (``DescribeKey`` takes one): the
    alias name, in key policies and IAM policies; "the value of the KeyId parameter in the request must be a matching
    alias name or alias ARN" (AWS KMS Developer Guide, "AWS KMS condition keys", kms:RequestAlias). None otherwise.
    """
    named = key_id.split(":", 5)[-1] if key_id.startswith("arn:") else key_id
    return {"kms:RequestAlias": named} if named.startswith("alias/") else {}


def _allowed(
    principal: aws_judge.Principal, action: str, key: Any, policy: Any, context: dict[str, Any]
) -> aws_judge.Decision:
    """
    The judge's decision of ``action`` on ``key`` under the key policy ``policy``, with the request keys ``context``,
    for a caller over the internet: the VPC keys absent ("included in the request context only if the requester uses a
    VPC endpoint") and ``aws:SourceIp`` present ("except when the requester uses a VPC endpoint"; IAM User Guide, "AWS
    global condition context keys"), from each public address the policies tell apart
    (:func:`devstack.aws_judge.source_address_candidates`). Refused when one address is, or when the judge cannot
    decide (:class:`devstack.aws_judge.NotKnown`): the stricter side, as the stand-in does not know the caller's address.
    The key's tags and aliases count in IAM policies only (:data:`aws_judge.KEY_LABEL_KEYS`): the key policy is judged
    as if the request did not carry them.
    """
    # A statement without Resource or Action has no effect (aws_judge.key_policy_in_effect), the lockout check's too.
    policy = aws_judge.key_policy_in_effect(policy if isinstance(policy, dict) else None)
    policy = aws_judge.blind_to(policy, aws_judge.KEY_LABEL_KEYS)
    addresses = _internet_addresses(principal, policy)
    try:
        decided = [(at, _decision(principal, action, key, policy, {**context, "aws:SourceIp": at})) for at in addresses]
    except aws_judge.NotKnown as undecided:
        return aws_judge.Decision(False, f"the stand-in cannot decide, so refuses: {undecided.reason}")
    address, decision = next(((at, each) for at, each in decided if not each.allowed), decided[0])
    if decision.allowed or len(addresses) == 1:
        return decision
    reason = f"as a caller from aws:SourceIp {address}, not known: {decision.reason}"
    return aws_judge.Decision(False, reason, decision.checks)


def _internet_addresses(principal: aws_judge.Principal, policy: dict[str, Any] | None) -> list[str]:
    """The public ``aws:SourceIp`` values the key policy ``policy`` and ``principal``'s policies tell apart."""
    documents = [policy, *(document for _, document in principal.policies), principal.boundary]
    return list(aws_judge.source_address_candidates(documents, "aws:SourceIp", public=True))


def _decision(
    principal: aws_judge.Principal, action: str, key: Any, policy: dict[str, Any] | None, context: dict[str, Any]
) -> aws_judge.Decision:
    """The judge's decision of ``action`` on ``key`` with the request keys ``context``, a grant's included."""
    decision = aws_judge.authorize(
        principal,
        action,
        key.arn,
        resource_policy=policy,
        resource_owner=key.account_id,
        context=context,
        resource_policy_name="key policy",
    )
    if decision.allowed or action not in _GRANT_OPERATIONS or not _granted(principal, action, key, context):
        return decision
    denied = aws_judge.explicitly_denied(
        principal, action, key.arn, resource_policy=policy, resource_owner=key.account_id, context=context
    )
    return decision if denied else aws_judge.Decision(True, f"allowed by a grant: {action} on {key.arn}")


def _granted(principal: aws_judge.Principal, action: str, key: Any, context: dict[str, Any]) -> bool:
    """
    Whether a grant of ``key`` allows ``action`` (one of :data:`_GRANT_OPERATIONS`) to the session, its constraints
    aside: "Grants with grant constraints can include the DescribeKey and RetireGrant operations, but the constraint
    doesn't apply to these operations" (AWS KMS API Reference, CreateGrant, ``Constraints``).
    """
    grants = tuple({**grant.to_json(), "Constraints": None} for grant in key.grants.values())
    return aws_judge.kms_grant_allowing(principal, action, key.arn, grants, {}, context) is not None


def _policy(text: Any) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _why_denied(
    principal: aws_judge.Principal, action: str, key: Any, decision: aws_judge.Decision, context: dict[str, Any]
) -> str:
    """
    Why AWS would say it refused, as its message words it (IAM User Guide, "Troubleshoot access denied error
    messages"): "with an explicit deny in a <type>" (the key policy's: a resource-based policy; the role's identity
    policies; its permissions boundary), else "because no <type> allows the <action> action", the key policy's when it
    neither allows nor delegates to IAM (:attr:`aws_judge.Decision.checks`), else the boundary's or the identity
    policies'.
    """
    if "resource=DENY_MATCH" in decision.checks:
        return "with an explicit deny in a resource-based policy"
    if _denies(replace(principal, boundary=None), action, key, context):
        return "with an explicit deny in an identity-based policy"
    if _denies(replace(principal, policies=()), action, key, context):
        return "with an explicit deny in a permissions boundary"
    if "resource=NO_MATCH" in decision.checks:
        return f"because no resource-based policy allows the {action} action"
    if "the permissions boundary does not allow it" in decision.reason:
        return f"because no permissions boundary allows the {action} action"
    return f"because no identity-based policy allows the {action} action"


#: Said of a refusal that rests on a network key the stand-in does not know: not AWS's wording for a caller through
#: a VPC endpoint, which the stand-in cannot tell apart.
_FROM_INTERNET = "the stand-in judges the call as from the internet, with no VPC endpoint nor VPC keys: "


def _rests_on_network(
    principal: aws_judge.Principal, action: str, key: Any, policy: Any, context: dict[str, Any]
) -> bool:
    """Whether ``action`` would be allowed without the ``Deny`` statements conditioned on a network key."""
    keyless = replace(
        principal,
        policies=tuple((name, _without_network_denies(document)) for name, document in principal.policies),
        boundary=_without_network_denies(principal.boundary),
    )
    return _allowed(keyless, action, key, _without_network_denies(policy), context).allowed


def _without_network_denies(policy: Any) -> Any:
    """``policy`` without its ``Deny`` statements whose condition names a network key (``aws:SourceVpce``...)."""
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if statements is None:
        return policy
    kept = [each for each in (statements if isinstance(statements, list) else [statements]) if not _network_deny(each)]
    return {**policy, "Statement": kept}


def _network_deny(statement: Any) -> bool:
    condition = statement.get("Condition") if isinstance(statement, dict) else None
    if not isinstance(condition, dict) or statement.get("Effect") != "Deny":
        return False
    names = {name.lower() for block in condition.values() if isinstance(block, dict) for name in block}
    return bool(names & {key.lower() for key in aws_judge.NETWORK_KEYS})


def _denies(principal: aws_judge.Principal, action: str, key: Any, context: dict[str, Any]) -> bool:
    """
    Whether a ``Deny`` of ``principal``'s own policies surely matches a request from one of the public addresses
    :func:`_allowed` judges (one that may match, not known: no).
    """
    for address in _internet_addresses(principal, None):
        try:
            if aws_judge.explicitly_denied(
                principal,
                action,
                key.arn,
                resource_policy=None,
                resource_owner=key.account_id,
                context={**context, "aws:SourceIp": address},
            ):
                return True
        except aws_judge.NotKnown:
            continue
    return False


#: The operations of :data:`_JUDGED` KMS allows on a key of another account, by its ARN (AWS KMS API Reference,
#: DescribeKey and ListGrants: "Cross-account use: Yes"; GetKeyPolicy and PutKeyPolicy: "Cross-account use: No. You
#: cannot perform this operation on a KMS key in a different AWS account").
_CROSS_ACCOUNT_OPERATIONS = frozenset({"kms:DescribeKey", "kms:ListGrants"})


def _judge(response: KmsResponse, action: str) -> Any:
    """
    Raise KMS's ``AccessDeniedException`` when the judge refuses the session's ``action`` on the key, or when the key
    is another account's and ``action`` cannot be used across accounts (:func:`_refuse_cross_account`). Return the
    judged key, ``None`` when there is none to judge.
    """
    session = _session(response)
    key = None if session is None else _key(response)
    if key is None:
        return None
    _refuse_cross_account(response, session, action, key)
    principal = _principal(session)
    context = _request_keys(response, principal, key)
    decision = _allowed(principal, action, key, _policy(key.policy), context)
    if decision is not None and not decision.allowed:
        policy = _policy(key.policy)
        internet = _FROM_INTERNET if _rests_on_network(principal, action, key, policy, context) else ""
        raise KmsClientError(
            "AccessDeniedException",
            f"User: {session.arn} is not authorized to perform: {action} on resource: {key.arn} "
            f"{_why_denied(principal, action, key, decision, context)} ({internet}{decision.reason})",
        )
    if action == "kms:PutKeyPolicy" and not response._get_param("BypassPolicyLockoutSafetyCheck"):
        new = _policy(response._get_param("Policy"))
        lockout = None if new is None else _allowed(principal, action, key, new, context)
        if lockout is not None and not lockout.allowed:
            raise KmsClientError(
                "MalformedPolicyDocumentException",
                f"The new key policy will not allow you to update the key policy in the future ({lockout.reason})",
            )
    return key


def _refuse_cross_account(response: KmsResponse, session: Any, action: str, key: Any) -> None:
    """
    Refuse ``action`` on another account's key unless it is one of :data:`_CROSS_ACCOUNT_OPERATIONS`, whatever the
    policies: "Giving permission for other operations to a user in a different account has no effect ... the user's
    attempts to call those operations on your resources still fail" (AWS KMS Developer Guide, "Allowing users in other
    accounts to use a KMS key"). The message is the stand-in's; the code is KMS's for a refused call.
    """
    if key.account_id == response.current_account or action in _CROSS_ACCOUNT_OPERATIONS:
        return
    raise KmsClientError(
        "AccessDeniedException",
        f"User: {session.arn} is not authorized to perform: {action} on resource: {key.arn}: {action} cannot be used "
        f"on a KMS key in a different AWS account (the key is in account {key.account_id})",
    )


def _refuse_foreign_arn_not_found(response: KmsResponse) -> None:
    """
    Answer ``NotFoundException`` for a key ARN or alias ARN of another account or Region that names no key: moto would
    look its ``alias/<name>`` or key id up in the caller's account and Region and answer with the caller's own key. An
    alias "is defined in the account that owns the KMS key and might differ in each Region" (AWS KMS Developer Guide,
    "Learn how to use aliases in your applications"); a key is the account's and Region's of its ARN.
    """
    key_id = str(response._get_param("KeyId") or "")
    if _foreign_arn(response, key_id):
        raise KmsClientError("NotFoundException", f"{key_id} is not found.")


def _foreign_arn(response: KmsResponse, key_id: str) -> bool:
    """Whether ``key_id`` is a KMS key ARN or alias ARN of another account or Region than the request's."""
    place = _arn_place(key_id)
    return place is not None and place != (response.current_account, response.region)


def _answered(response: KmsResponse, action: str, handler: str) -> Any:
    """
    Judge the session's ``action`` (:func:`_judge`), then let moto answer, in the key's account when the key is
    another account's (moto looks a key up in the caller's account only).
    """
    key = _judge(response, action)
    caller = response.current_account
    if key is None:
        _refuse_foreign_arn_not_found(response)
    if key is None or key.account_id == caller:
        return _moto_handlers[handler](response)
    response.current_account = key.account_id
    try:
        return _moto_handlers[handler](response)
    finally:
        response.current_account = caller


class _Handlers:
    """moto's KMS response handlers, each judged first (named as moto's, so :mod:`backend_judges` installs them)."""

    @staticmethod
    def describe_key(self: KmsResponse) -> Any:
        return _answered(self, "kms:DescribeKey", "describe_key")

    @staticmethod
    def get_key_policy(self: KmsResponse) -> Any:
        return _answered(self, "kms:GetKeyPolicy", "get_key_policy")

    @staticmethod
    def put_key_policy(self: KmsResponse) -> Any:
        return _answered(self, "kms:PutKeyPolicy", "put_key_policy")

    @staticmethod
    def list_grants(self: KmsResponse) -> Any:
        return _answered(self, "kms:ListGrants", "list_grants")


_JUDGED = (_Handlers.describe_key, _Handlers.get_key_policy, _Handlers.put_key_policy, _Handlers.list_grants)
_HANDLER_JUDGES: dict[type, tuple[Any, ...]] = {KmsResponse: _JUDGED}


def install() -> None:
    """Put the judges in front of moto's KMS response handlers (once per process)."""
    backend_judges.install(_HANDLER_JUDGES, _moto_handlers)
