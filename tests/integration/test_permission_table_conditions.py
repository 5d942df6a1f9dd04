"""
A grant whose connection holds exactly the actions docs/permissions.md lists for its case succeeds, and calls no other.

``AttachAssumeRolePolicyOperator`` reads the EMR EC2 role's attached policies whenever a run adds a role its inline
policy does not hold yet, and the documents of the provider's spill policies attached to it, before it writes the
inline policy: a rerun of a grant a spill policy holds then writes nothing (``hooks/iam.py``,
``_spread_assume_roles``). The table listed ``iam:ListAttachedRolePolicies`` past the inline-policy wall only, so a
role built from it was refused (``AccessDenied``) the first grant, which fits inline. Here the EMR connection's role is
allowed the actions of the row's clauses that apply to the run (:func:`.test_permission_tables.clauses`) and nothing
else, with moto's IAM authorization on: the run succeeds, nothing is refused, and every call it sends is of those
clauses (IAM User Guide, "Policy evaluation logic": a request no identity policy allows is implicitly denied).

The same for two more rows. ``TerminateClusterOperator``: its row listed ``ListClusters`` and ``DescribeCluster`` only
"without a ``job_flow_id``" (a condition in parentheses after them, which :func:`conditional_clauses` reads), yet the
teardown given a ``job_flow_id`` read the cluster with ``DescribeCluster`` (its tag, its logs link's location) and, for
a cluster of the launch's, searched with ``ListClusters``. ``RevokePartnerAccessOperator``: its row listed
``GetPolicy``/``GetPolicyVersion`` only for a partner in a spill policy (or a trust kept), yet the revoke reads the
document of every spill policy of the EMR EC2 role's, attached or left detached, also for a partner held inline
(``hooks/iam.py``, ``revoke_assume_role``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.operators.emr import TerminateClusterOperator, idempotency_key
from airflow_provider_emrfs_xacct.operators.revoke import RevokePartnerAccessOperator
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    PROVISIONER_ROLE,
    client,
)
from devstack.testing import (
    CallRecorder,
    RecordingTaskInstance,
    execute_as_task,
    moto_authorization,
    run_operator,
    small_cluster,
)
from tests.integration.test_documented_probe_permissions import record_the_connections_refusals
from tests.integration.test_permission_tables import (
    ACTION,
    PERMISSIONS_PAGE,
    _top_level_clauses,
    account_of,
    action,
    clauses,
)
from tests.integration.test_refused_reads import sign_as_users
from tests.integration.test_scale import FULL, SPILL_2, attach, fill_inline, granted, partners

if TYPE_CHECKING:
    from devstack.moto_stack import Seeded

OPERATOR = "AttachAssumeRolePolicyOperator"
#: How the row's conditions begin: every run that adds a role; one that adds a role beside an attached spill policy.
ADDING = "whenever a run adds a role"
SPILLED = "when a run adds a role and one of the provider's spill policies is attached"


def documented_for(*conditions: str) -> set[str]:
    """The actions the row lists for every run, and for each of ``conditions`` (the clauses that begin so)."""
    rows = clauses(OPERATOR, "EMR")
    return set(rows.get("", set())).union(
        *(actions for condition, actions in rows.items() for wanted in conditions if condition.startswith(wanted))
    )


#: A condition a parenthesis gives the actions right before it: "`a`, `b` (without a `job_flow_id`: …)".
PARENTHESIS_CONDITION = re.compile(r"(?:with|without) [^():]*:")


def conditional_clauses(name: str, connection: str) -> dict[str, set[str]]:
    """
    :func:`.test_permission_tables.clauses`, also reading a condition a parenthesis gives the actions right before it:
    in "`a`, `b` (without a `job_flow_id`: …)" they are of that condition (after the clause's own, if it has one), not
    of every run. A parenthesis that begins otherwise leaves them to the clause's condition, as do the actions in it.
    """
    block = PERMISSIONS_PAGE.read_text().split("<!-- permissions:start -->", 1)[1].split("<!-- permissions:end -->")[0]
    [cell] = [
        cells[2]
        for cells in ([cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.splitlines())
        if len(cells) == 3 and f"`{name}`" in cells[0] and cells[1].split()[0] == connection
    ]
    found: dict[str, set[str]] = defaultdict(set)
    for clause in _top_level_clauses(cell):
        first = re.search(ACTION, clause)
        condition = clause[: first.start() if first else len(clause)].strip()
        own = condition if condition.endswith(":") else ""
        pending: set[str] = set()
        for inside, text in _parenthesised(clause):
            if not inside:
                found[own] |= pending
                pending = set(re.findall(ACTION, text))
                continue
            given = PARENTHESIS_CONDITION.match(text)
            found[f"{own} {given.group(0)}".strip() if given else own] |= pending
            found[own] |= set(re.findall(ACTION, text))
            pending = set()
        found[own] |= pending
    return {condition: actions for condition, actions in found.items() if actions}


def _parenthesised(clause: str) -> list[tuple[bool, str]]:
    """``clause`` as ``(inside, text)``: its text outside parentheses, and each outermost parenthesis' inside."""
    parts, depth, start = [], 0, 0
    for position, character in enumerate(clause):
        if character == "(" and depth == 0:
            parts.append((False, clause[start:position]))
            start = position + 1
        elif character == ")" and depth == 1:
            parts.append((True, clause[start:position]))
            start = position + 1
        depth += {"(": 1, ")": -1}.get(character, 0)
    return [*parts, (False, clause[start:])]


def allow_only(aws: Seeded, actions: set[str], account: str = EMR_ACCOUNT) -> None:
    """The connection's role of ``account`` (the EMR connection's unless told) may do ``actions`` and nothing else."""
    statement = {"Effect": "Allow", "Action": sorted(actions), "Resource": "*"}
    client(aws.url, account, "iam").put_role_policy(
        RoleName=PROVISIONER_ROLE,
        PolicyName="grant",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )


def grant_with_only(aws: Seeded, allowed: set[str], roles: list[str], refused: set[tuple[str, str]]) -> set[str]:
    """Run the grant of ``roles`` with the EMR connection allowed ``allowed`` only; return the actions it sent."""
    allow_only(aws, allowed)
    moto_authorization(aws.url, "0")
    try:
        _, recorder, _ = run_operator(attach(destination_role_arns=roles))
    finally:
        moto_authorization(aws.url, "inf")
    assert not refused, f"refused to the grant's connection, with the documented actions: {sorted(refused)}"
    return {action(service, operation) for service, operation in recorder.every if service != "sts"}


def test_a_first_grant_that_fits_inline_needs_only_the_actions_listed_for_adding_a_role(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = record_the_connections_refusals(monkeypatch)
    sign_as_users(aws, monkeypatch)  # moto's authorization checks only the keys it issued
    allowed = documented_for(ADDING)
    roles = partners(0, 2)

    sent = grant_with_only(aws, allowed, roles, refused)

    assert set(roles) <= granted(client(aws.url, EMR_ACCOUNT, "iam"))["inline"]
    assert sent <= allowed, f"called beyond the table's actions for adding a role: {sorted(sent - allowed)}"
    assert "iam:ListAttachedRolePolicies" in sent  # the adding clause's action, read on a grant that fits inline
    assert not sent & {"iam:GetPolicy", "iam:GetPolicyVersion"}  # no spill policy attached: none read


def test_a_grant_that_fits_inline_beside_an_attached_spill_policy_needs_only_the_actions_listed_for_it(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Earlier grants went past the wall into a spill policy, then revokes freed inline room: a new partner fits inline,
    and the grant reads the attached spill policy's document first (``GetPolicy``, ``GetPolicyVersion``).
    """
    refused = record_the_connections_refusals(monkeypatch)
    sign_as_users(aws, monkeypatch)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    run_operator(attach(destination_role_arns=partners(FULL, 5)))  # authorization off: the set-up
    assert set(partners(FULL, 5)) <= granted(iam)[SPILL_2]
    fill_inline(iam, FULL - 20)
    allowed = documented_for(ADDING, SPILLED)
    newcomer = partners(FULL + 5, 1)

    sent = grant_with_only(aws, allowed, newcomer, refused)

    grants = granted(iam)
    assert set(newcomer) <= grants["inline"]
    assert set(grants) == {"inline", SPILL_2}  # nothing new attached
    assert sent <= allowed, f"called beyond the table's actions for this case: {sorted(sent - allowed)}"
    assert {"iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"} <= sent


# The teardown ------------------------------------------------------------------------------------------------------

TEARDOWN = "TerminateClusterOperator"
#: What the condition of the teardown row's search says of a teardown given a cluster its launch made (tagged).
TAGGED = "carries the provider's idempotency tag"


def documented_for_the_teardown(*, tagged: bool) -> set[str]:
    """The teardown row's actions for a teardown given a ``job_flow_id``: of every run; of a tagged cluster's too."""
    rows = conditional_clauses(TEARDOWN, "EMR")
    return set(rows.get("", set())).union(
        *(actions for condition, actions in rows.items() if tagged and TAGGED in condition)
    )


def run_with_only(
    aws: Seeded, allowed: set[str], operator: Any, ti: RecordingTaskInstance | None = None
) -> dict[str, set[str]]:
    """Run ``operator`` with the EMR connection allowed ``allowed`` only; return the actions it sent, by account."""
    allow_only(aws, allowed)
    ti = ti or RecordingTaskInstance(task_id=operator.task_id)
    recorder = CallRecorder(record_signers=True)
    moto_authorization(aws.url, "0")
    try:
        with recorder.everything():
            execute_as_task(operator, {"ti": ti, "task_instance": ti})
    finally:
        moto_authorization(aws.url, "inf")
    sent: dict[str, set[str]] = defaultdict(set)
    keys: dict[str, str] = {}
    for (service, operation), frozen, params in zip(recorder.every, recorder.signers, recorder.params, strict=True):
        if service != "sts":  # the connection assuming its own role
            sent[account_of(aws.url, frozen, keys)].add(action(service, operation, params))
    return sent


@pytest.mark.parametrize("tagged", [False, True], ids=["launched-by-hand", "the-launch-s"])
def test_a_teardown_given_a_job_flow_id_needs_only_the_actions_listed_for_it(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch, tagged: bool
) -> None:
    """
    Given a cluster launched by hand (no idempotency tag), the teardown needs the row's actions of every run; given
    the launch's (its tag, of ``launch_task_id``'s task instance), the search's too. Before, the row gave
    ``DescribeCluster`` only without a ``job_flow_id``: refused, the teardown failed before ``TerminateJobFlows``.
    """
    refused = record_the_connections_refusals(monkeypatch)
    sign_as_users(aws, monkeypatch)
    ti = RecordingTaskInstance(task_id="terminate_cluster")
    key = idempotency_key({"ti": ti}, "launch_cluster", map_index=-1)  # type: ignore[typeddict-item]
    tags = [{"Key": IDEMPOTENCY_TAG, "Value": key}] if tagged else []
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    cluster_id = emr.run_job_flow(**small_cluster("partner-export", Tags=tags))["JobFlowId"]
    allowed = documented_for_the_teardown(tagged=tagged)
    teardown = TerminateClusterOperator(
        task_id=ti.task_id, aws_conn_id=EMR_CONN_ID, job_flow_id=cluster_id, launch_task_id="launch_cluster"
    )

    sent = run_with_only(aws, allowed, teardown, ti)[EMR_ACCOUNT]

    assert not refused, f"refused to the teardown's connection, with the documented actions: {sorted(refused)}"
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] in ("TERMINATING", "TERMINATED")
    assert sent <= allowed, f"called beyond the table's actions for this case: {sorted(sent - allowed)}"
    assert ("elasticmapreduce:ListClusters" in sent) is tagged  # the search, for the launch's cluster only


# The revoke of a partner held inline, beside a spill policy ------------------------------------------------------

REVOKE = "RevokePartnerAccessOperator"
#: How the revoke row's condition for reading the spill policies' documents begins.
SPILL_EXISTS = "whenever one of the provider's spill policies is attached"
#: The destination row's clauses for a revoke that keeps the role (``delete_destination_role`` not given).
KEEPING_THE_ROLE = "without `delete_destination_role`"


def test_a_revoke_of_a_partner_held_inline_beside_a_spill_policy_needs_only_the_actions_listed_for_it(
    aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Earlier grants spilled into a managed policy; the partner revoked is held inline. The revoke reads the spill
    policy's document (``GetPolicy``, ``GetPolicyVersion``) before it writes the inline policy: the row's clause for
    an attached spill policy gives them (before, the row gave them for a partner in a managed policy only).
    """
    refused = record_the_connections_refusals(monkeypatch)
    sign_as_users(aws, monkeypatch)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    run_operator(attach(destination_role_arns=partners(FULL, 5)))  # authorization off: the set-up
    fill_inline(iam, FULL - 20)
    inline = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-partner-inline"
    run_operator(attach(destination_role_arns=[inline]))
    assert inline in granted(iam)["inline"]
    emr_rows = conditional_clauses(REVOKE, "EMR")
    allowed = set(emr_rows.get("", set())).union(
        *(actions for condition, actions in emr_rows.items() if condition.startswith(SPILL_EXISTS))
    )
    destination_rows = conditional_clauses(REVOKE, "destination")
    allow_only(
        aws,
        set(destination_rows.get("", set())).union(
            *(actions for condition, actions in destination_rows.items() if condition.startswith(KEEPING_THE_ROLE))
        ),
        DESTINATION_ACCOUNT,
    )
    revoke = RevokePartnerAccessOperator(
        task_id="revoke",
        aws_conn_id=EMR_CONN_ID,
        destination_aws_conn_id=DESTINATION_CONN_ID,
        destination_role_arn=inline,
        settle_seconds=0,
    )

    sent = run_with_only(aws, allowed, revoke)[EMR_ACCOUNT]

    assert not refused, f"refused to the revoke's connections, with the documented actions: {sorted(refused)}"
    grants = granted(iam)
    assert inline not in grants["inline"]
    assert set(partners(FULL, 5)) <= grants[SPILL_2]  # the spill policy keeps its partners
    assert sent <= allowed, f"called beyond the table's actions for this case: {sorted(sent - allowed)}"
    assert {"iam:GetPolicy", "iam:GetPolicyVersion"} <= sent  # the spill policy's document, the partner inline
