"""The EMR EC2 role may assume the destination role: its identity policies and the role's trust policy."""

from __future__ import annotations

from typing import Any

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
    condition_shown,
    names_a_deny,
    unmet_fix,
)
from airflow_provider_emrfs_xacct.pure.checks.per_node import (
    per_node_doubt,
    time_doubt,
    unsettled_in_time,
    unsettled_per_node,
)
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.documents import ASSUME_SID, TRUST_SID
from airflow_provider_emrfs_xacct.pure.endpoint_policy import ENDPOINT_SOURCE, through_endpoint
from airflow_provider_emrfs_xacct.pure.evaluator import Decision, Request, evaluate_access
from airflow_provider_emrfs_xacct.pure.merge import revokes_trust_nobody
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts
from airflow_provider_emrfs_xacct.pure.validation import account_of_arn

#: The command line's way to what the two operators below write: ``apply`` runs them all.
_APPLY = " (command line: emrfs-xacct apply)"
_TRUST_FIX = "EnsureDestinationRoleOperator with the EMR EC2 role in trusted_role_arns"
_ASSUME_FIX = "AttachAssumeRolePolicyOperator with this role in destination_role_arns"
_REVOKED = "the partner's access was revoked: "


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
        # Under an unmet Condition, the provider's own statement on either side, whose Condition is the fix (its
        # operator keeps what others wrote: _unmet_or), is named before another's that comes first.
        prefer_unmet_sids={TRUST_SID, ASSUME_SID},
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
        return unsettled_in_time(_per_node(link, per_node_doubt(request, judged)), time_doubt(request, judged))
    detail = f"sts:AssumeRole {decision.reason}{condition_shown(decision, request.context)}"
    return Link(index, name, FAIL, detail, cite(decision), _refusal_fix(decision, role, _granted(request, emr_role)))


def _granted(request: Request, emr_role: RoleState) -> bool | None:
    """
    Whether the EMR EC2 role's own policies (its boundary aside) allow ``request`` (``None``: undetermined).

    A revoke deletes both sides: the trust's statement and the EMR EC2 role's grant. Across accounts both must allow
    (IAM User Guide, "Cross-account policy evaluation logic"), so a refusal by the trust names the grant's operator
    too when the grant is gone.
    """
    decision = evaluate_access(
        request, identity_policies=emr_role.policies, resource_account=account_of_arn(request.principal)
    )
    return None if decision.undetermined else decision.allowed


def _revoked(granted: bool | None) -> str:
    """The fix after a revoke: the trust again, and the EMR EC2 role's grant too when it is gone (``granted``)."""
    both = f"{_TRUST_FIX}, and {_ASSUME_FIX}" if granted is False else _TRUST_FIX
    return f"{_REVOKED}{both}{_APPLY}"


def _refusal_fix(decision: Decision, role: RoleState, granted: bool | None = True) -> str:
    """
    The fix of an ``sts:AssumeRole`` the chain's policies refuse, by what refused it.

    :param granted: whether the EMR EC2 role's own policies allow the request (:func:`_granted`).
    """
    if str(decision.source).startswith(ENDPOINT_SOURCE):
        return (
            f"the {decision.source} does not let the EMR EC2 role's sts:AssumeRole on {role.arn} through: allow it "
            "there (the EMR account's network team), or give the subnet another way to STS"
        )
    if decision.statement is not None and decision.statement == revokes_trust_nobody(role.trust_policy):
        # An earlier release's statement for nobody, a Deny that applies (merge.revokes_trust_nobody).
        return _revoked(granted)
    if names_a_deny(decision):  # an explicit Deny, wherever it is: nothing else lifts it
        return f"a Deny in {decision.source} blocks it: change that statement"
    if decision.source == "permissions boundary":
        return "the EMR EC2 role's permissions boundary must allow sts:AssumeRole on this role"
    if decision.source == "identity":
        return _unmet_or(decision, ASSUME_SID, _ASSUME_FIX + _APPLY)
    if revokes_trust_nobody(role.trust_policy) is not None:
        # The trust holds the statement a revoke leaves, which refuses no one itself (its condition holds for no
        # request): nothing in the trust allows the EMR EC2 role since the revoke.
        return _revoked(granted)
    if granted is False:
        # Neither side allows: a revoke that removed the provider's statement outright (the trust held others) or
        # only this role from it (it trusted other EMR roles too), leaving no statement for nobody, with the grant.
        return f"{_unmet_or(decision, TRUST_SID, _TRUST_FIX)}, and {_ASSUME_FIX}{_APPLY}"
    return _unmet_or(decision, TRUST_SID, _TRUST_FIX + _APPLY)


def _unmet_or(decision: Decision, own_sid: str, operator_fix: str) -> str:
    """
    The fix of a refusal on one side, by the operator that writes the provider's statement there (``operator_fix``),
    unless an ``Allow`` naming the request fails only its ``Condition`` (:func:`~.findings.unmet_fix`): the provider's
    own statement (``own_sid``) under a Condition someone added, which the operator keeps (it keeps what others wrote),
    so that Condition is the fix (named before another's, though that comes first: ``prefer_unmet_sids``); someone
    else's statement, whose Condition is theirs to keep, the operator's statement first, or that Condition.
    """
    if decision.unmet is None:
        return operator_fix
    if decision.unmet.get("Sid") == own_sid:
        return unmet_fix(decision)
    return f"{operator_fix}; or {unmet_fix(decision)}"


def _per_node(link: Link, doubt: str) -> Link:
    """
    ``link``, not settled by a passing live probe where ``doubt`` names a statement on what each node has its own.

    The probe's step runs on the primary node only ("Steps run only on the master node": AWS CLI Command Reference,
    "emr add-steps"), while EMRFS on every core and task node assumes the role with that node's instance-profile
    session (``aws:userid`` "role-id:ec2-instance-id": IAM User Guide, "AWS global condition context keys") from that
    node's address: the primary node's answer is not theirs.
    """
    sent = "the core and task nodes assume the role with their own instance's session, from their own address"
    return unsettled_per_node(link, doubt, sent, writer="the EMR EC2 role")


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
