"""
The VPC endpoint policy a request of the cluster passes through: which endpoint, and whether its policy lets it by.

Pure: standard library and the provider's pure modules only.

AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint policies": an endpoint policy "is a
resource-based policy that you attach to a VPC endpoint to control which AWS principals can use the endpoint to
access an AWS service"; it "does not override or replace identity-based policies or resource-based policies": a
request through the endpoint needs its Allow too, and any Deny in it refuses the request. Without a policy attached
AWS attaches the default one, full access (``"Principal": "*", "Action": "*", "Resource": "*"``). It is evaluated
with the request's own principal and context: for a mapped write the destination role's session, for EMRFS's
``sts:AssumeRole`` the EMR EC2 role's session.

Which requests pass through which endpoint:

* S3 of the cluster's Region, through the S3 gateway endpoint on the subnet's route table, whatever other route the
  table has: the endpoint's route is to the S3 prefix list, more specific than ``0.0.0.0/0`` (Amazon VPC User Guide,
  "How route priority works": "we direct traffic using the most specific route that matches the traffic"). A bucket
  of another Region is not reached through it ("Gateway endpoints for Amazon S3").
* STS, through the VPC's STS interface endpoint with private DNS, while EMRFS calls the Regional endpoint (whose name
  that private DNS answers for) and the VPC's DNS attributes are on (``pure/network.py``).

"Principals for gateway endpoints" (same guide): "you must use the aws:PrincipalArn condition key to grant access to
a principal"; a ``Principal`` naming an account grants only its root user, and one naming an ARN is converted to a
unique id when saved. So a gateway endpoint's Allow counts for the role's session only with ``"*"`` as principal;
one naming the role itself is not checked (what AWS matches after the conversion is not documented). Nor is a Deny
naming particular principals there: the page says what such a principal is granted, not whom a Deny reaches. Those
doubts count only where no statement naming everyone decides: AWS judges all the statements that apply together
(IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access": "An explicit deny
overrides an explicit allow"; a request not explicitly allowed is implicitly denied), so a ``"*"`` Deny that applies
refuses whatever named Deny precedes it, a ``"*"`` Allow that applies grants whatever named Allow stands beside it,
and with no Allow that may apply the request is refused whatever a named Deny would do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.evaluator import (
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    UNDETERMINED,
    Decision,
    Request,
    evaluate,
    may_apply,
)
from airflow_provider_emrfs_xacct.pure.merge import parse_document

GATEWAY, INTERFACE = "Gateway", "Interface"
#: The start of the source of a decision an endpoint policy made (see :attr:`EndpointPolicy.source`).
ENDPOINT_SOURCE = "VPC endpoint policy of "


@dataclass(frozen=True)
class EndpointPolicy:
    """
    A VPC endpoint and its policy, as ``DescribeVpcEndpoints`` answers them.

    :param endpoint_id: ``VpcEndpointId`` (``vpce-…``).
    :param endpoint_type: ``Gateway`` or ``Interface``.
    :param document: ``PolicyDocument`` (JSON text or parsed); ``None`` when the answer held none.
    """

    endpoint_id: str
    endpoint_type: str
    document: Any = None

    @property
    def source(self) -> str:
        """How a link names the policy (the statement's source in ``cite``)."""
        return ENDPOINT_SOURCE + self.endpoint_id


def endpoint_decision(endpoint: EndpointPolicy, request: Request) -> Decision:
    """
    Whether ``endpoint``'s policy lets ``request`` through: allowed, explicitly denied, not allowed by any statement,
    or undetermined (a condition key whose value the verifier cannot know, e.g. ``aws:ResourceOrgID`` of the
    partner's account or ``aws:PrincipalOrgID``, is never a pass).
    """
    if endpoint.document is None:
        return Decision(False, UNDETERMINED, source=endpoint.source, unknown=f"the policy of {endpoint.endpoint_id}")
    policies = [(endpoint.source, endpoint.document)]
    if endpoint.endpoint_type == GATEWAY:
        decision = _gateway_statements(endpoint, request)
    else:
        decision = evaluate(policies, request, resource_policy=True, direct_only=True)
    if decision.reason == IMPLICIT_DENY and endpoint.endpoint_type != GATEWAY:
        by_account = evaluate(policies, request, resource_policy=True)
        if by_account.allowed:  # a grant to the caller's account: for a gateway endpoint its root user only
            return Decision(
                False,
                UNDETERMINED,
                by_account.statement,
                endpoint.source,
                f"a statement of the {endpoint.source} naming the caller's account: whether it grants the account's "
                "roles there is not documented (for gateway endpoints it grants the root user only)",
            )
    if decision.reason == IMPLICIT_DENY:
        return Decision(False, f"{IMPLICIT_DENY} of the {endpoint.source}", source=endpoint.source)
    if decision.reason == EXPLICIT_DENY and endpoint.endpoint_type == GATEWAY and _names_someone(decision.statement):
        # The page says what a named principal grants at a gateway endpoint (an account: its root user only; an
        # ARN: converted to a unique id), not whom a Deny naming one reaches: a refusal not proven, never a FAIL.
        return Decision(
            False,
            UNDETERMINED,
            decision.statement,
            decision.source,
            f"a gateway endpoint policy Deny naming a principal ({endpoint.endpoint_id}): whom it reaches there is "
            "not documented (a named account means its root user only; AWS says to use aws:PrincipalArn)",
        )
    if decision.reason == EXPLICIT_DENY:
        return Decision(False, f"{EXPLICIT_DENY} by the {endpoint.source}", decision.statement, endpoint.source)
    if decision.allowed and endpoint.endpoint_type == GATEWAY and not _names_everyone(decision.statement):
        return Decision(
            False,
            UNDETERMINED,
            decision.statement,
            decision.source,
            f"a gateway endpoint policy statement naming the principal itself ({endpoint.endpoint_id}): AWS says to "
            "grant principals there with aws:PrincipalArn and converts a named ARN to a unique id",
        )
    return decision


def _gateway_statements(endpoint: EndpointPolicy, request: Request) -> Decision:
    """
    The statement that decides a gateway endpoint's policy for ``request``, judged over all its statements.

    A certain Deny naming everyone (or no one in particular) refuses, whatever named Deny comes before it. Else the
    grant is that of the statements naming everyone; only where none of them may allow do the named ``Allow``
    statements count (each is judged as not checked by :func:`endpoint_decision`; one naming an account grants its
    root user only). With no Allow that may apply: not allowed, whatever a named Deny would do. Else a named Deny that
    may apply is returned (not checked: whom it reaches there is not documented).
    """
    parsed = parse_document(endpoint.document) or {}
    statements = [item for item in as_list(parsed.get("Statement")) if isinstance(item, dict)]
    by_everyone = [item for item in statements if not _names_someone(item)]
    named = [item for item in statements if _names_someone(item)]
    everyone = evaluate(
        [(endpoint.source, {"Statement": by_everyone})], request, resource_policy=True, direct_only=True
    )
    if everyone.reason == EXPLICIT_DENY:
        return everyone
    grant = everyone
    if everyone.reason == IMPLICIT_DENY:
        allows = {"Statement": [item for item in named if item.get("Effect") == "Allow"]}
        grant = evaluate([(endpoint.source, allows)], request, resource_policy=True, direct_only=True)
    if grant.reason == IMPLICIT_DENY:
        return everyone
    deny = next(
        (item for item in named if item.get("Effect") == "Deny" and may_apply(item, request, resource_policy=True)),
        None,
    )
    return grant if deny is None else Decision(False, EXPLICIT_DENY, deny, endpoint.source)


def through_endpoint(decision: Decision, endpoint_decision: Decision | None) -> Decision:
    """
    The outcome of a request that also passes an endpoint: either side's refusal refuses it (an explicit Deny first),
    else either side's doubt leaves it undetermined, else the policies' own answer.
    """
    if endpoint_decision is None or endpoint_decision.allowed:
        return decision
    sides = (decision, endpoint_decision)
    for wanted in ("deny", "refused", "undetermined"):
        for side in sides:
            if side.allowed:
                continue
            if wanted == "deny" and side.statement is not None and not side.undetermined:
                return side
            if wanted == "refused" and not side.undetermined:
                return side
            if wanted == "undetermined" and side.undetermined:
                return side
    return decision


def _names_someone(statement: dict[str, Any] | None) -> bool:
    """Whether a statement's ``Principal`` names particular principals (not everyone)."""
    return "Principal" in (statement or {}) and not _names_everyone(statement)


def _names_everyone(statement: dict[str, Any] | None) -> bool:
    principal = (statement or {}).get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in [str(value) for value in as_list(principal.get("AWS"))]
