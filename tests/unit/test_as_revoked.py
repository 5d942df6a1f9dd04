"""
``spill.as_revoked``: the EMR EC2 role's policies as a revoke leaves them, for the warning that the access goes on.

The revoke takes the role out of the provider's statement in its ``policy_name`` and that role's spill policies only;
the same statement elsewhere (a grant under another ``policy_name``, another role's spill policy) is a grant it
leaves, and must count.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure import documents, spill

EMR_ROLE = "EMR_EC2_DefaultRole"
REVOKED = "arn:aws:iam::222222222222:role/partner-1"
KEPT = "arn:aws:iam::222222222222:role/partner-2"
POLICY = "pipeline-assume"


def grant(*roles: str) -> dict[str, Any]:
    return documents.assume_role_policy(list(roles))


def held(policies: list[tuple[str, dict[str, Any] | None]]) -> dict[str, list[str]]:
    return {label: sorted(spill.held(document)) for label, document in policies}


def test_the_revoked_policy_and_the_roles_spill_policies_lose_the_role_and_keep_the_others() -> None:
    policies = [
        (documents.inline_policy_label(POLICY), grant(REVOKED, KEPT)),
        (f"managed policy {spill.spill_name(POLICY, EMR_ROLE, 2)}", grant(REVOKED)),
        (f"managed policy {POLICY}-3", grant(REVOKED, KEPT)),  # an earlier, shared spill name
    ]

    assert held(spill.as_revoked(policies, POLICY, EMR_ROLE, {REVOKED})) == {
        documents.inline_policy_label(POLICY): [KEPT],
        f"managed policy {spill.spill_name(POLICY, EMR_ROLE, 2)}": [],
        f"managed policy {POLICY}-3": [KEPT],
    }


def test_the_provider_statement_under_another_name_is_left_as_it_is() -> None:
    policies = [
        (documents.inline_policy_label(documents.ASSUME_POLICY_NAME), grant(REVOKED)),
        (f"managed policy {spill.spill_name(POLICY, 'another-emr-role', 2)}", grant(REVOKED)),
        (f"managed policy {spill.spill_name(documents.ASSUME_POLICY_NAME, EMR_ROLE, 2)}", grant(REVOKED)),
        (documents.inline_policy_label(POLICY), None),
    ]

    assert spill.as_revoked(policies, POLICY, EMR_ROLE, {REVOKED}) == policies


def test_a_policy_of_a_spill_name_at_another_path_is_left_as_it_is() -> None:
    """
    The hook changes only the policies under the provider's path (``spill.is_spill_arn``); a copy of a spill policy's
    name at ``/`` (IAM keeps names unique whatever the path, "CreatePolicy") still grants the assume, and must count.
    """
    name = spill.spill_name(POLICY, EMR_ROLE, 2)
    own = f"arn:aws:iam::111111111111:policy{spill.SPILL_PATH}{name}"
    copy = f"arn:aws:iam::111111111111:policy/{name}"
    assert spill.is_spill_arn(own, POLICY, EMR_ROLE)
    assert not spill.is_spill_arn(copy, POLICY, EMR_ROLE)
    policies = [
        (spill.managed_policy_label(own, name), grant(REVOKED)),
        (spill.managed_policy_label(copy, name), grant(REVOKED)),
    ]

    assert held(spill.as_revoked(policies, POLICY, EMR_ROLE, {REVOKED})) == {
        f"managed policy {name}": [],
        f"managed policy {name} ({copy})": [REVOKED],
    }
