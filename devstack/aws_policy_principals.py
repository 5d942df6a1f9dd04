"""
A bucket policy statement applies only to the principals it names, enforced in the stand-in (moto applies them all).

AWS applies a policy statement to a request only when the request's principal is one the statement's ``Principal``
names (IAM User Guide, "AWS JSON policy elements: Principal": "Use the Principal element in a resource-based JSON
policy to specify the principal that is allowed or denied access to a resource"; naming a role, "Specifying a role
ARN as a principal": the role's sessions; naming an account, "AWS account principals": every principal of that
account). moto 5 evaluates an object request's bucket policy, and DeleteObjects' keys, without the caller
(``FakeBucket.get_permission`` calls ``IAMPolicy.is_action_permitted`` with no principal), so a ``Deny`` naming
another role refuses every caller: a refusal AWS would not give.

The judge hands moto the statements that apply to the caller only: ``Principal`` ``"*"`` or ``{"AWS": ...}`` naming
``*``, the caller's role ARN or a session of it, its account's root or its account id. Where the caller is not a role session moto
issued (an IAM user's key, an unsigned request) or a statement has ``NotPrincipal``, moto's own answer stands (it
refuses more, never less).

Nor does moto hand its policy check the request's condition keys (``get_permission`` passes none), and a condition with
no value to test holds for it (``TrustCondition.verify_condition`` loops over none): every ``Deny`` with a
``Condition`` refused whatever the request carried, so a partner's guard rail (``Bool`` ``aws:SecureTransport``
``false``, ``StringNotEquals`` on the upload's ``x-amz-server-side-encryption-aws-kms-key-id``) refused the
EMRFS-like writer's requests that meet it, which AWS allows ("If the key that you specify in a policy condition is not
present in the request context, the values do not match and the condition is false": IAM User Guide, "IAM JSON policy
elements: Condition operators"; a condition on a key the request carries holds only when its values match). A
role session's statements with a ``Condition`` are therefore left to the writer's judge (``devstack/aws_judge.py``),
which decides them with the request's keys before the writer sends it; moto sees the others.
"""

from __future__ import annotations

import contextvars
import json
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response

from devstack import backend_judges

#: moto's own methods (or the judges installed before these), by name.
_moto: dict[str, Any] = {}
#: The role ARN and account of the object request being answered (``None``: not a role session).
_CALLER: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("caller", default=None)


def applies_to(statement: dict[str, Any], role_arn: str, account: str) -> bool:
    """Whether ``statement`` (of a bucket policy) applies to a session of ``role_arn`` (of ``account``)."""
    if "NotPrincipal" in statement or "Principal" not in statement:
        return True  # moto's own reading stands (the stricter side)
    principal = statement["Principal"]
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return True
    named = principal.get("AWS", [])
    names = [named] if isinstance(named, str) else list(named)
    # A role session's ARN (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION) names one session: taken to name the
    # caller whatever its session (the stricter side: moto's key does not carry the session name). Both in the
    # caller's partition (arn:aws-cn:… in China: "ARNs for Amazon Web Services in China").
    partition = role_arn.split(":")[1]
    session = f"arn:{partition}:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/"
    root = f"arn:{partition}:iam::{account}:root"
    return any(name in ("*", role_arn, account, root) or name.startswith(session) for name in names)


def policy_for(policy: dict[str, Any], role_arn: str, account: str) -> dict[str, Any]:
    """
    ``policy`` with only the statements that apply to a session of ``role_arn`` and that moto can judge: none with a
    ``Condition`` (see the module's docstring).
    """
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    return {
        **policy,
        "Statement": [
            s
            for s in statements
            if applies_to(s, role_arn, account) and not (isinstance(s, dict) and s.get("Condition"))
        ],
    }


def _caller(response: S3Response) -> tuple[str, str] | None:
    account = response.current_account
    key = iam_backends[account][response.partition].access_keys.get(response.access_key)
    role_arn = getattr(key, "role_arn", None)
    return None if role_arn is None else (role_arn, account)


def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    caller = _CALLER.get()
    if caller is None or self.policy is None:
        return _moto["get_permission"](self, action, resource)
    policy = policy_for(json.loads(self.policy.decode()), *caller)
    if not policy["Statement"]:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)


def _as_caller(name: str, response: S3Response, request: Any, full_url: str) -> Any:
    token = _CALLER.set(_caller(response))
    try:
        return _moto[name](response, request, full_url)
    finally:
        _CALLER.reset(token)


def _key_response(self: S3Response, request: Any, full_url: str) -> Any:
    return _as_caller("_key_response", self, request, full_url)


def _bucket_response(self: S3Response, request: Any, full_url: str) -> Any:
    """DeleteObjects checks each key's ``s3:DeleteObject`` against the bucket policy (moto's ``get_permission``)."""
    return _as_caller("_bucket_response", self, request, full_url)


_JUDGES: dict[type, tuple[Any, ...]] = {
    FakeBucket: (get_permission,),
    S3Response: (_bucket_response, _key_response),
}


def install() -> None:
    """Put the judge in front of moto's object request handler and its bucket policy check (once per process)."""
    backend_judges.install(_JUDGES, _moto)
