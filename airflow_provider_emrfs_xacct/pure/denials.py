"""
What AWS's access-denied message says of why, and what lifts it.

AWS's message names the policy type that refused the call (IAM User Guide, "Troubleshoot access denied error
messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html): "... with an explicit
deny in a <type>" or "... because no <type> allows the <action> action", the types being identity-based policies,
resource-based policies, session policies, permissions boundaries, service control policies, resource control policies
and VPC endpoint policies. "If multiple policy types deny an authorization request, AWS includes only one of those
policy types in the error message", and "some services do not support this format": no match says nothing.

An explicit deny "in any policy overrides any allows" (IAM User Guide, "Policy evaluation logic"): no Allow lifts it;
the Deny must go, or the request must no longer match its condition (a data perimeter's aws:SourceVpce, aws:SourceIp,
aws:PrincipalOrgID...: a policy is in effect when its condition is met, IAM User Guide, "IAM JSON policy elements:
Condition"), which the message does not show. "... with an explicit deny in a VPC endpoint policy
transitively through a service control policy": the page says to check the SCPs, so the second type is read (a second
type not known: the first, still an explicit deny).
An SCP's refusal is worded "explicit deny" "even if the denial is implicit" (same page, SCP example): a Deny or a
missing Allow. Neither an SCP nor an RCP can be changed from the account: only the organisation's management account or
a delegated administrator (AWS Organizations User Guide, "Delegated administrator for AWS Organizations"); an RCP's
only Allow is the RCPFullAWSAccess policy (AWS Organizations User Guide, "RCP syntax"), so only a Deny refuses.
A federated user (GetFederationToken) has no identity policy of its own: its permissions are those of the IAM user that
called GetFederationToken and of the session policy passed to it (AWS STS API Reference, "GetFederationToken").
The action AWS refused may not be the one called (RunJobFlow refused on iam:PassRole): it is read from "perform:".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The policy types AWS names in an access-denied message, as it names them.
POLICY_TYPES = (
    "identity-based policy",
    "resource-based policy",
    "session policy",
    "permissions boundary",
    "service control policy",
    "resource control policy",
    "VPC endpoint policy",
)
#: Policies of the organisation (AWS Organizations), which the account cannot change.
ORGANISATION_POLICIES = ("service control policy", "resource control policy")
_TYPES = "|".join(re.escape(kind) for kind in POLICY_TYPES)
_EXPLICIT = re.compile(rf"with an explicit deny in an? ({_TYPES})", re.IGNORECASE)
_THROUGH = re.compile(rf" transitively through (?:an? ({_TYPES})\b)?", re.IGNORECASE)
_NO_ALLOW = re.compile(rf"because no ({_TYPES}) allows", re.IGNORECASE)
_PRINCIPAL = re.compile(r"\bUser: (arn:[^\s]+) is not authorized")
_SESSION = re.compile(r"^arn:[^:]+:sts::(\d{12}):assumed-role/([^/]+)/")
_FEDERATED = re.compile(r"^arn:[^:]+:sts::(\d{12}):federated-user/(.+)$")
_PERFORM = re.compile(r"\bnot authorized to perform: ([\w-]+:[\w*-]+)")
#: The resource after "on resource:": quoted as S3 quotes it (an object key may hold spaces: S3 User Guide,
#: "Troubleshoot access denied (403 Forbidden) errors in Amazon S3"), else an ARN or ``*`` without a closing stop.
_ON_RESOURCE = re.compile(r"\bon resource: (?:\"([^\"]+)\"|(arn:\S+?|\*))[.,;]?(?:\s|$)")
#: What the condition of a Deny the message does not show may be about.
_CONDITION = "(its network path, source address, tags...)"


@dataclass(frozen=True)
class Denial:
    """
    Why AWS says it refused: which policy type, whether by an explicit deny (else: none of that type allows), and
    whether the identity refused is a federated user (no identity policy of its own).
    """

    policy: str
    explicit: bool
    federated: bool = False


def read_denial(message: str) -> Denial | None:
    """The policy type ``message`` names as refusing (an explicit deny, else no Allow); ``None``: it names none."""
    federated = is_federated(message)
    found = _EXPLICIT.search(message)
    if found:
        through = _THROUGH.match(message, found.end())
        named = through.group(1) if through and through.group(1) else found.group(1)
        return Denial(_named_type(named), True, federated)
    found = _NO_ALLOW.search(message)
    return Denial(_named_type(found.group(1)), False, federated) if found else None


def _named_type(text: str) -> str:
    return next(kind for kind in POLICY_TYPES if kind.lower() == text.lower())


def refused_action(message: str, called: str) -> tuple[str, str | None]:
    """
    The action AWS says it refused ("not authorized to perform: <action>"), else ``called``; and the resource after
    "on resource:" when the refused action is not ``called`` (``None``: the called resource, or none named).
    """
    found = _PERFORM.search(message)
    if not found or found.group(1).lower() == called.lower():
        return called, None
    resource = _ON_RESOURCE.search(message, found.end())
    return found.group(1), (resource.group(1) or resource.group(2)) if resource else None


def _principal(message: str) -> str | None:
    found = _PRINCIPAL.search(message)
    return found.group(1) if found else None


def is_federated(message: str) -> bool:
    """Whether ``message`` names a federated user (an ``sts`` ``federated-user``) as refused."""
    return bool(_FEDERATED.match(_principal(message) or ""))


def identity_named(message: str) -> str:
    """
    Whom ``message`` says was refused ("User: arn:... is not authorized"): a role session as its role, a federated user
    as one, an IAM user or a role as AWS names it; "the connection's identity" when it names none.
    """
    principal = _principal(message)
    if principal is None:
        return "the connection's identity"
    session = _SESSION.match(principal)
    if session:
        return f"the role {session.group(2)} of account {session.group(1)}"
    federated = _FEDERATED.match(principal)
    if federated:
        return f"the federated user {federated.group(2)} of account {federated.group(1)}"
    return principal


def in_identity_policy(federated: bool) -> str:
    """Where an identity's Allow goes: its identity policy, or for a federated user its IAM user's and session's."""
    if federated:
        return (
            "in the identity policy of the IAM user that called GetFederationToken (a federated user has none of its "
            "own), and the session policy passed to it must allow it too"
        )
    return "in its identity policy"


def what_lifts(denial: Denial, action: str, whom: str, key_policy: str | None) -> str:
    """
    What lifts ``denial`` of ``action`` to ``whom``: the deny gone or its condition met, the organisation's policy
    changed, or the policy that lacks the Allow changed. ``key_policy``: how a key policy allows it, for a KMS call on a
    key (``None``: another call).
    """
    if denial.policy in ORGANISATION_POLICIES:
        return _organisation_must_change(denial.policy, action, whom)
    if denial.explicit:
        return _deny_must_go(denial.policy, action, whom, key_policy is not None)
    if denial.policy == "identity-based policy":
        return f"grant {action} to {whom} {in_identity_policy(denial.federated)}"
    if denial.policy == "resource-based policy" and key_policy is not None:
        return f"the key policy must allow {action} to {whom}: {key_policy}"
    if denial.policy == "resource-based policy":
        return f"the resource's policy (a bucket policy, a trust policy) must allow {action} to {whom}"
    return f"the {denial.policy} that applies must allow {action}; an Allow elsewhere does not pass it"


def _deny_must_go(policy: str, action: str, whom: str, on_key: bool) -> str:
    """An explicit deny (not an organisation's): no Allow lifts it; the Deny must go or its condition be met."""
    if on_key and policy == "resource-based policy":
        return (
            f"the key policy (a resource-based policy) denies {action} to {whom}; an Allow does not lift it: the key "
            f"policy's Deny must go, or the request must no longer match its condition {_CONDITION}"
        )
    article = "an" if policy[0] in "aeiou" else "a"
    return (
        f"{article} {policy} denies {action} to {whom}; an Allow does not lift it: the Deny must go, or the request "
        f"must no longer match its condition {_CONDITION}"
    )


def _organisation_must_change(policy: str, action: str, whom: str) -> str:
    """An SCP's or RCP's refusal: only the organisation can change it (an SCP's "explicit deny" may be no Allow)."""
    who = "the organisation's management account (or a delegated administrator) must change it"
    if policy == "resource control policy":
        return (
            f"a resource control policy denies {action} to {whom}; {who}: remove the Deny, or the request must no "
            f"longer match its condition {_CONDITION}"
        )
    return (
        f"a service control policy denies or does not allow {action} to {whom}; {who}: remove the Deny or add an "
        f"Allow, or the request must no longer match the Deny's condition {_CONDITION}"
    )
