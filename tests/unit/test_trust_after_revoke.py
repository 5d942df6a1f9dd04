"""
The grant after a revoke: the revoke's statement for nobody gives way, also when a statement of someone's trusts the role.

A revoke that took the last role out of a trust policy's only statement left
``{"Sid": "EmrfsXacctTrustEmrRoles", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}``
(docs/howto/revoke.md): the next grant writes the normal statement in its place. When someone has since added a
statement of their own that trusts the EMR EC2 role, the grant has no principal to add, and it judged the document
it read (the Deny still in it) instead of the one without the Deny: it refused the Deny as "Effect 'Deny'", and the
Deny, which overrides every Allow (IAM User Guide, "The difference between explicit and implicit denies"), stayed.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings, Prefetched
from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError
from airflow_provider_emrfs_xacct.pure.merge import trust_without_role

EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole"
OTHER_EMR_ROLE = "arn:aws:iam::111111111111:role/EMR_EC2_PartnerJobs"
MINE = {"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": EMR_ROLE}, "Action": "sts:AssumeRole"}


def planned_trust(trust: dict[str, Any], trusted: list[str]) -> dict[str, Any] | None:
    """The trust policy a dry-run grant plans for a role whose ``GetRole`` answered ``trust``; ``None``: no write."""
    role = {
        "RoleName": "dest",
        "Arn": "arn:aws:iam::222222222222:role/dest",
        "Path": "/",
        "AssumeRolePolicyDocument": copy.deepcopy(trust),
    }
    _, changes = EmrfsIamHook(aws_conn_id=None).ensure_role_trusts(
        "dest",
        trusted,
        settings=ConvergeSettings(settle_seconds=1000),
        dry_run=True,
        role=Prefetched(role, time.monotonic()),
    )
    assert len(changes) <= 1
    return changes[0].after if changes else None


def test_a_statement_of_someones_trusting_the_role_replaces_the_revokes_deny() -> None:
    """Before: ConflictError "statement 'EmrfsXacctTrustEmrRoles' has Effect 'Deny'", and the Deny stayed."""
    trust = {"Version": "2012-10-17", "Statement": [dict(documents.TRUST_NOBODY_STATEMENT), MINE]}

    after = planned_trust(trust, [EMR_ROLE])

    assert after == {"Version": "2012-10-17", "Statement": [MINE]}  # theirs kept as it was, the Deny gone
    assert planned_trust(after, [EMR_ROLE]) is None  # and a rerun writes nothing


def test_the_deny_gives_way_to_the_normal_statement_for_a_role_nobody_trusts_yet() -> None:
    """The role asked for that no statement trusts: the provider's Allow takes the Deny's place (unchanged)."""
    trust = {"Version": "2012-10-17", "Statement": [dict(documents.TRUST_NOBODY_STATEMENT), MINE]}

    after = planned_trust(trust, [EMR_ROLE, OTHER_EMR_ROLE])

    assert after is not None
    assert after["Statement"][0] == MINE
    [ours] = after["Statement"][1:]
    principals = documents.as_list(ours["Principal"]["AWS"])
    assert (ours["Sid"], ours["Effect"], principals) == (documents.TRUST_SID, "Allow", [OTHER_EMR_ROLE])


def test_a_conditioned_deny_beside_other_statements_is_still_refused() -> None:
    """
    Beside other statements a Deny for everyone under a condition, under the provider's Sid, cannot be told from
    a restriction someone wrote (docs/howto/revoke.md): the grant refuses it, whether or not it adds a principal.
    """
    nobody = {**documents.TRUST_NOBODY_STATEMENT, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
    trust = {"Version": "2012-10-17", "Statement": [nobody, MINE]}

    for trusted in ([EMR_ROLE], [OTHER_EMR_ROLE]):
        with pytest.raises(ConflictError, match=documents.TRUST_SID):
            planned_trust(trust, trusted)


def test_a_provider_statement_of_deleted_roles_goes_when_another_statement_trusts_the_role() -> None:
    """The branch's first purpose (unchanged): the provider's statement holding only a deleted role's ID goes."""
    ours = {**documents.trust_statement(["AROAEXAMPLEEXAMPLE12"])}
    trust = {"Version": "2012-10-17", "Statement": [ours, MINE]}

    assert planned_trust(trust, [EMR_ROLE]) == {"Version": "2012-10-17", "Statement": [MINE]}


def test_the_revokes_deny_under_a_kept_condition_gives_way_beside_a_statement_added_since(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    Before: the grant kept the Deny (its kept Condition made it someone's beside "Mine") and failed ("holds the
    wildcard principal '*'"). Now it takes it out; the Condition, with no statement of the provider's to go back on,
    goes with a warning naming it.
    """
    condition = {"StringEquals": {"aws:PrincipalTag/team": "x"}}
    ours = {**documents.trust_statement([EMR_ROLE]), "Condition": condition}
    revoked = trust_without_role({"Version": "2012-10-17", "Statement": [ours]}, "111111111111", "EMR_EC2_DefaultRole")
    assert revoked is not None
    trust = {**revoked, "Statement": [*revoked["Statement"], MINE]}

    with caplog.at_level("WARNING"):
        after = planned_trust(trust, [EMR_ROLE])

    assert after == {"Version": "2012-10-17", "Statement": [MINE]}
    logged = capfd.readouterr().out + caplog.text
    assert '{"StringEquals": {"aws:PrincipalTag/team": "x"}}' in logged
