"""
What AWS's access-denied message says of why, and what lifts it.

AWS's message names the policy type that refused the call (IAM User Guide, "Troubleshoot access denied error
messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html): "... with an explicit
deny in a <type>" or "... because no <type> allows the <action> action", the types being identity-based policies,
resource-based policies, session policies, permissions boundaries, service control policies, resource control policies
and VPC endpoint policies. "If multiple policy types deny an authorization request, AWS includes only one of those
policy types in the error message", and "some services do not support this format": no match says nothing.

An explicit deny "in any policy overrides any allows" (IAM User Guide, "Policy evaluation logic"): no Allow, in an
identity policy or a key policy, lifts it.
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
_TYPES = "|".join(re.escape(kind) for kind in POLICY_TYPES)
_EXPLICIT = re.compile(rf"with an explicit deny in an? ({_TYPES})", re.IGNORECASE)
_NO_ALLOW = re.compile(rf"because no ({_TYPES}) allows", re.IGNORECASE)
_PRINCIPAL = re.compile(r"\bUser: (arn:[^\s]+) is not authorized")
_SESSION = re.compile(r"^arn:[^:]+:sts::(\d{12}):assumed-role/([^/]+)/")


@dataclass(frozen=True)
class Denial:
    """Why AWS says it refused: which policy type, and whether by an explicit deny (else: none of that type allows)."""

    policy: str
    explicit: bool


def read_denial(message: str) -> Denial | None:
    """The policy type ``message`` names as refusing (an explicit deny, else no Allow); ``None``: it names none."""
    for pattern, explicit in ((_EXPLICIT, True), (_NO_ALLOW, False)):
        found = pattern.search(message)
        if found:
            kind = next(kind for kind in POLICY_TYPES if kind.lower() == found.group(1).lower())
            return Denial(kind, explicit)
    return None


def identity_named(message: str) -> str:
    """
    Whom ``message`` says was refused ("User: arn:... is not authorized"): a role session as its role, an IAM user or
    a role as AWS names it; "the connection's identity" when it names none.
    """
    found = _PRINCIPAL.search(message)
    if not found:
        return "the connection's identity"
    session = _SESSION.match(found.group(1))
    if session:
        return f"the role {session.group(2)} of account {session.group(1)}"
    return found.group(1)


def what_lifts(denial: Denial, action: str, whom: str, key_policy: str | None) -> str:
    """
    What lifts ``denial`` of ``action`` to ``whom``: the deny gone, or the policy that lacks the Allow changed.
    ``key_policy``: how a key policy allows it, for a KMS call on a key (``None``: another call).
    """
    if denial.explicit:
        also = " or a key-policy change" if key_policy is not None else ""
        article = "an" if denial.policy[0] in "aeiou" else "a"
        return f"{article} {denial.policy} denies {action} to {whom}; an Allow{also} does not lift it: the deny must go"
    if denial.policy == "identity-based policy":
        return f"grant {action} to {whom} in its identity policy"
    if denial.policy == "resource-based policy" and key_policy is not None:
        return f"the key policy must allow {action} to {whom}: {key_policy}"
    if denial.policy == "resource-based policy":
        return f"the resource's policy (a bucket policy, a trust policy) must allow {action} to {whom}"
    return f"the {denial.policy} that applies must allow {action}; an Allow elsewhere does not pass it"
