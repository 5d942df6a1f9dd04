"""
What each node of an EMR cluster has its own, which a live probe on the primary node does not settle.

The probe's step runs on the primary node only ("Steps run only on the master node": AWS CLI Command Reference,
"emr add-steps"); EMRFS on every core and task node assumes and writes with its own instance-profile session from its
own address. A link left not checked on a condition on such a value stays not checked after a passing probe; so
does one left not checked on the time of the request (:data:`TIME_KEYS`), since the probe writes before the job.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.pure.checks.findings import Link, cite, not_settled_by_probe
from airflow_provider_emrfs_xacct.pure.documents import as_list
from airflow_provider_emrfs_xacct.pure.evaluator import UNDETERMINED, Decision, Request, evaluate, session_prefix
from airflow_provider_emrfs_xacct.pure.merge import parse_document

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

#: Condition keys (lower case) whose value each node of the cluster has its own: the address its requests come from
#: (``aws:SourceIp``; ``aws:VpcSourceIp`` through a VPC endpoint), the instance its role credentials were delivered to
#: (``ec2:SourceInstanceARN``, ``aws:Ec2InstanceSourcePrivateIPv4``) and its own instance-profile session
#: (``aws:userid``, for a role assigned to an EC2 instance "role-id:ec2-instance-id"; ``aws:TokenIssueTime``): IAM
#: User Guide, "AWS global condition context keys"; Amazon EC2 User Guide, "IAM roles for Amazon EC2". So too what
#: each node's EMRFS sends when it assumes a mapped role: the session's name (``sts:RoleSessionName``, the
#: ``RoleSessionName`` of the ``AssumeRole``: IAM User Guide, "Available keys for AWS STS"; "Use the role session name
#: to uniquely identify a session when the same role is assumed by different principals or for different reasons":
#: AWS STS API Reference, "AssumeRole") and its source identity (``sts:SourceIdentity`` on the ``AssumeRole``, then
#: ``aws:SourceIdentity`` on every request of the session and of a session chained from it: IAM User Guide, "AWS
#: global condition context keys", "Monitor and control actions taken with assumed roles"). AWS documents neither for
#: EMRFS, which assumes the roles on each node for the Hadoop user or group of the request (Amazon EMR Management
#: Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): the primary node's ``hadoop fs`` probe's values are
#: not known to be a job's on a core or task node. The VPC, its endpoints and the organization (``aws:SourceVpc``,
#: ``aws:SourceVpce``, ``aws:Ec2InstanceSourceVpc``, ``aws:PrincipalOrgID``) are the same on every node; session tags
#: and an external ID EMRFS does not pass (``sts:TransitiveTagKeys``, ``sts:ExternalId``: known absent,
#: ``contexts._ABSENT_ALWAYS``).
PER_NODE_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:vpcsourceip",
        "ec2:sourceinstancearn",
        "aws:ec2instancesourceprivateipv4",
        "aws:userid",
        "aws:tokenissuetime",
        "sts:rolesessionname",
        "sts:sourceidentity",
        "aws:sourceidentity",
    }
)
#: The keys of :data:`PER_NODE_KEYS` only an STS request carries ("Available keys for AWS STS": the ``AssumeRole``'s
#: own): on an S3 or KMS request a condition on one is never true of any node, so no doubt of a node's own.
STS_REQUEST_KEYS = frozenset({"sts:rolesessionname", "sts:sourceidentity"})
#: Condition keys (lower case) whose value is the time of the request itself, which no request context of the verifier
#: holds: ``aws:CurrentTime`` ("the date and time of the request") and ``aws:EpochTime`` (the same "in epoch or Unix
#: time"): IAM User Guide, "AWS global condition context keys"; a time window on them: "AWS: Allows access based on
#: date and time". The live probe writes before the job does, so its answer is not a later request's. Not here:
#: ``aws:TokenIssueTime``, each node's session's own (:data:`PER_NODE_KEYS`, never settled either);
#: ``aws:MultiFactorAuthAge``, "only included in the request context" of a session authenticated with MFA (same page),
#: which no EMRFS session is (an instance profile's, or its ``AssumeRole`` of a mapped role), so absent for the probe's
#: requests and a job's alike; ``s3:signatureAge``, a limit for presigned URLs and presigned POSTs (Amazon S3 API
#: Reference, "Amazon S3 Signature Version 4 Authentication Specific Policy Keys"), which neither sends: both sign
#: each request in its Authorization header as it is sent.
TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})


def unsettled_per_node(link: Link, doubt: str, sent: str, *, writer: str = "the writing role") -> Link:
    """
    ``link``, not settled by a passing live probe where ``doubt`` names a statement on what each node has its own
    (``""``: ``link`` as it is).

    :param sent: how the core and task nodes send the requests, for the detail.
    :param writer: the role whose ARN the fix offers to test instead.
    """
    if not doubt:
        return link
    detail = (
        f"{link.detail}; {doubt} tests what each node of the cluster has its own, and the live probe's step runs on "
        f"the primary node only ({sent})"
    )
    fix = (
        "the live probe runs on the primary node only and does not settle it: make that statement test what is the "
        f"same on every node (aws:SourceVpc, aws:SourceVpce, aws:PrincipalOrgID, {writer}'s ARN) instead of an "
        "address, an instance, an instance's session or a session's name or source identity, or check a job's "
        "writes from the core and task nodes"
    )
    return not_settled_by_probe(replace(link, detail=detail), fix)


def unsettled_in_time(link: Link, doubt: str) -> Link:
    """
    ``link``, not settled by a passing live probe where ``doubt`` names a statement on the time of the request
    (:func:`time_doubt`; ``""``: ``link`` as it is): the probe's write comes before a job's.
    """
    if not doubt:
        return link
    detail = (
        f"{link.detail}; {doubt}: the answer depends on the time of the request, and the live probe writes at another "
        "time than the job"
    )
    fix = (
        "the live probe does not settle it (its requests are sent before a job's): make that statement not depend on "
        "the time of the request (aws:CurrentTime, aws:EpochTime), or run the job only on the side of that date it "
        "allows"
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
    return _doubt(request, policies, lambda statement: per_node_part(statement, request.principal, request.action))


def time_doubt(request: Request, policies: Sequence[tuple[str, Any, bool]]) -> str:
    """
    The first statement of ``policies`` that may or may not apply to ``request`` on the time of the request, cited
    with its condition and the date or value it compares (``""``: none): :data:`TIME_KEYS`, as :func:`per_node_doubt`.
    """
    return _doubt(request, policies, time_part)


def time_part(statement: dict[str, Any]) -> str:
    """The condition of ``statement`` on a key of :data:`TIME_KEYS`, with its operator and value (``""``: none)."""
    conditions = statement.get("Condition")
    tested = [
        (str(operator), str(key), value)
        for operator, pairs in (conditions.items() if isinstance(conditions, dict) else [])
        if isinstance(pairs, dict)
        for key, value in pairs.items()
        if str(key).lower() in TIME_KEYS
    ]
    if not tested:
        return ""
    operator, key, value = tested[0]
    return f"a condition {operator} on {key} {json.dumps(value)}"


def _doubt(
    request: Request, policies: Sequence[tuple[str, Any, bool]], part_of: Callable[[dict[str, Any]], str]
) -> str:
    """The first statement of ``policies`` with a ``part_of`` it that may or may not apply to ``request``, cited."""
    for name, document, resource_policy in policies:
        for statement in _statements(document):
            part = part_of(statement)
            if part and _uncertain(statement, name, request, resource_policy=resource_policy):
                return f"{cite(Decision(False, UNDETERMINED, statement, name))} ({part})"
    return ""


def per_node_part(statement: dict[str, Any], caller: str, action: str = "sts:AssumeRole") -> str:
    """
    What of ``statement`` each node has its own (``""``: nothing), for ``action`` requests of a session of role
    ``caller`` (:data:`STS_REQUEST_KEYS` only for an STS action).
    """
    conditions = statement.get("Condition")
    keys = (
        [key for pairs in conditions.values() if isinstance(pairs, dict) for key in pairs]
        if isinstance(conditions, dict)
        else []
    )
    own = PER_NODE_KEYS if action.lower().startswith("sts:") else PER_NODE_KEYS - STS_REQUEST_KEYS
    tested = next((str(key) for key in keys if str(key).lower() in own), "")
    if tested:
        return f"a condition on {tested}"
    text = json.dumps(statement).lower()
    variable = next((key for key in sorted(own) if "${" + key in text), "")
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
