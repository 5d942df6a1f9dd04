"""The EMR EC2 role may assume the destination role: its identity policies and the role's trust policy."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.checks.contexts import assume_request, identity_side
from airflow_provider_emrfs_xacct.pure.checks.endpoints import sts_endpoint_decision
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    PROBE_FIX,
    UNKNOWN,
    Evaluated,
    Link,
    cite,
    not_settled_by_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.endpoint_policy import ENDPOINT_SOURCE, through_endpoint
from airflow_provider_emrfs_xacct.pure.evaluator import (
    UNDETERMINED,
    Decision,
    Request,
    evaluate,
    evaluate_access,
    session_prefix,
)
from airflow_provider_emrfs_xacct.pure.merge import parse_document, revokes_trust_nobody
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

#: Condition keys (lower case) whose value each node of the cluster has its own: the address its requests come from
#: (``aws:SourceIp``; ``aws:VpcSourceIp`` through a VPC endpoint), the instance its role credentials were delivered to
#: (``ec2:SourceInstanceARN``, ``aws:Ec2InstanceSourcePrivateIPv4``) and its own instance-profile session
#: (``aws:userid``, for a role assigned to an EC2 instance "role-id:ec2-instance-id"; ``aws:TokenIssueTime``): IAM
#: User Guide, "AWS global condition context keys"; Amazon EC2 User Guide, "IAM roles for Amazon EC2". The VPC, its
#: endpoints and the organization (``aws:SourceVpc``, ``aws:SourceVpce``, ``aws:Ec2InstanceSourceVpc``,
#: ``aws:PrincipalOrgID``) are the same on every node.
PER_NODE_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:vpcsourceip",
        "ec2:sourceinstancearn",
        "aws:ec2instancesourceprivateipv4",
        "aws:userid",
        "aws:tokenissuetime",
    }
)
#: The fix of an assume link left not checked on what each node has its own (:func:`per_node_doubt`).
PER_NODE_FIX = (
    "the live probe runs on the primary node only and does not settle it: make that statement test what is the same "
    "on every node (aws:SourceVpc, aws:SourceVpce, aws:PrincipalOrgID, the EMR EC2 role's ARN) instead of an "
    "address, an instance or an instance's session, or check a job's writes from the core and task nodes"
)


def audit(state: ChainState, index: int, role: RoleState, evaluated: list[Evaluated]) -> Link:
    """
    Evaluate EMRFS's ``sts:AssumeRole`` on the destination role of mapping ``index``.

    :param evaluated: the identity-side request is appended here, for the simulator's second opinion.
    """
    name = "EMR role can assume destination role"
    emr_role = state.emr_role
    if not isinstance(emr_role, RoleState) or emr_role.unreadable:
        return Link(index, name, UNKNOWN, "the EMR EC2 role could not be read (see above)")
    request = assume_request(emr_role, role)
    decision = evaluate_access(
        request,
        identity_policies=emr_role.policies,
        resource_policies=[("trust policy", role.trust_policy)],
        resource_account=account_of_arn(role.arn),
        resource_policy_required=True,
        boundary=emr_role.boundary,
    )
    # The STS interface endpoint the Regional name resolves to must let it by too (pure/endpoint_policy.py).
    endpoint = sts_endpoint_decision(state, request)
    decision = through_endpoint(decision, endpoint)
    evaluated.append(
        Evaluated(
            emr_role.arn, request.action, request.resource, dict(request.context), identity_side(request, emr_role)
        )
    )
    if decision.allowed:
        return Link(index, name, PASS, f"{emr_role.arn} may assume {role.arn}", cite(decision))
    if decision.undetermined:
        link = Link(index, name, UNKNOWN, f"sts:AssumeRole depends on {decision.unknown}", cite(decision), PROBE_FIX)
        judged = _judged_policies(state, emr_role, role, through_sts_endpoint=endpoint is not None)
        return _per_node(link, per_node_doubt(request, judged))
    if str(decision.source).startswith(ENDPOINT_SOURCE):
        fix = (
            f"the {decision.source} does not let the EMR EC2 role's sts:AssumeRole on {role.arn} through: allow it "
            "there (the EMR account's network team), or give the subnet another way to STS"
        )
    elif decision.statement is not None and decision.statement == revokes_trust_nobody(role.trust_policy):
        # The statement a revoke leaves: nobody may assume the role. Not a conditional Deny beside other statements:
        # the grant refuses that one as someone's (merge.revokes_trust_nobody).
        fix = (
            "the partner's access was revoked: EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns"
        )
    elif decision.statement is not None:  # an explicit Deny, wherever it is: nothing else lifts it
        fix = f"a Deny in {decision.source} blocks it: change that statement"
    elif decision.source == "permissions boundary":
        fix = "the EMR EC2 role's permissions boundary must allow sts:AssumeRole on this role"
    elif decision.source == "identity":
        fix = "AttachAssumeRolePolicyOperator with this role in destination_role_arns"
    else:
        fix = "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns"
    return Link(index, name, FAIL, f"sts:AssumeRole {decision.reason}", cite(decision), fix)


def _per_node(link: Link, doubt: str) -> Link:
    """
    ``link``, not settled by a passing live probe where ``doubt`` names a statement on what each node has its own.

    The probe's step runs on the primary node only ("Steps run only on the master node": AWS CLI Command Reference,
    "emr add-steps"), while EMRFS on every core and task node assumes the role with that node's instance-profile
    session (``aws:userid`` "role-id:ec2-instance-id": IAM User Guide, "AWS global condition context keys") from that
    node's address: the primary node's answer is not theirs.
    """
    sent = "the core and task nodes assume the role with their own instance's session, from their own address"
    return unsettled_per_node(link, doubt, sent, PER_NODE_FIX)


def _judged_policies(
    state: ChainState, emr_role: RoleState, role: RoleState, *, through_sts_endpoint: bool
) -> list[tuple[str, Any, bool]]:
    """Every policy the assume link judges, as ``(name, document, resource-based)``."""
    policies: list[tuple[str, Any, bool]] = [(policy, document, False) for policy, document in emr_role.policies]
    if emr_role.boundary is not None:
        policies.append((*emr_role.boundary, False))
    policies.append(("trust policy", role.trust_policy, True))
    if through_sts_endpoint and isinstance(state.subnet, SubnetFacts):
        policies += [(endpoint.source, endpoint.document, True) for endpoint in state.subnet.sts_endpoint_policies]
    return policies


#: The fix of a write or key link left not checked on what each node has its own (:func:`unsettled_per_node`).
WRITE_PER_NODE_FIX = (
    "the live probe runs on the primary node only and does not settle it: make that statement test what is the same "
    "on every node (aws:SourceVpc, aws:SourceVpce, aws:PrincipalOrgID, the writing role's ARN) instead of an address, "
    "an instance or a session, or check a job's writes from the core and task nodes"
)


def unsettled_per_node(link: Link, doubt: str, sent: str, fix: str = WRITE_PER_NODE_FIX) -> Link:
    """
    ``link``, not settled by a passing live probe where ``doubt`` names a statement on what each node has its own
    (``""``: ``link`` as it is).

    :param sent: how the core and task nodes send the requests, for the detail.
    :param fix: the fix instead of the probe.
    """
    if not doubt:
        return link
    detail = (
        f"{link.detail}; {doubt} tests what each node of the cluster has its own, and the live probe's step runs on "
        f"the primary node only ({sent})"
    )
    return not_settled_by_probe(replace(link, detail=detail), fix)


def per_node_doubt(request: Request, policies: Sequence[tuple[str, Any, bool]]) -> str:
    """
    The first statement of ``policies`` that may or may not apply to ``request`` on what each node of the cluster has
    its own, cited with that part (``""``: none): a condition on a key of :data:`PER_NODE_KEYS` or such a policy
    variable, or a principal naming a session of the caller's role (an instance profile's session is its instance's).

    :param policies: ``(name, document, resource-based)``: the identity policies, the boundary, the resource policy
        and the endpoint policies the request was judged against.
    """
    for name, document, resource_policy in policies:
        for statement in _statements(document):
            part = per_node_part(statement, request.principal)
            if part and _uncertain(statement, name, request, resource_policy=resource_policy):
                return f"{cite(Decision(False, UNDETERMINED, statement, name))} ({part})"
    return ""


def per_node_part(statement: dict[str, Any], caller: str) -> str:
    """What of ``statement`` each node has its own (``""``: nothing), for requests of a session of role ``caller``."""
    conditions = statement.get("Condition")
    keys = (
        [key for pairs in conditions.values() if isinstance(pairs, dict) for key in pairs]
        if isinstance(conditions, dict)
        else []
    )
    tested = next((str(key) for key in keys if str(key).lower() in PER_NODE_KEYS), "")
    if tested:
        return f"a condition on {tested}"
    text = json.dumps(statement).lower()
    variable = next((key for key in sorted(PER_NODE_KEYS) if "${" + key in text), "")
    if variable:
        return f"the policy variable ${{{variable}}}"
    sessions = session_prefix(caller).lower() if caller else ""
    named = [str(value) for field in ("Principal", "NotPrincipal") for value in _principal_values(statement.get(field))]
    if sessions and any(value.lower().startswith(sessions) for value in named):
        return f"a principal naming a session of {caller}, each node's its own"
    return ""


def _principal_values(principal: Any) -> list[Any]:
    return as_list(principal.get("AWS")) if isinstance(principal, dict) else []


def _statements(document: Any) -> Iterator[dict[str, Any]]:
    parsed = parse_document(document)
    yield from (statement for statement in as_list((parsed or {}).get("Statement")) if isinstance(statement, dict))


def _uncertain(statement: dict[str, Any], name: str, request: Request, *, resource_policy: bool) -> bool:
    """Whether ``statement`` may or may not apply to ``request`` (neither certainly nor certainly not)."""
    alone = evaluate([(name, {"Statement": [statement]})], request, resource_policy=resource_policy)
    return alone.undetermined or alone.maybe_deny is not None
