"""
The live probe writes under a prefix where every mapping that may take its writes names the prefix's own role.

Each role mapping names the IAM role EMRFS has the cluster's instances assume for a request that matches it (Amazon EMR
Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"): where an earlier ``User`` mapping and the
prefix's own mapping name the same role (the CLI has every mapping name the destination role), the write goes as that
role whichever mapping EMRFS uses, and a passing write settles the links of no mapping (``findings.still_not_checked``).
Before, ``verify.probe_targets`` left such a prefix out; an earlier mapping of another role, or one not read, still
keeps it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.routing import probe_routes
from airflow_provider_emrfs_xacct.pure.security_config import role_mappings_of
from airflow_provider_emrfs_xacct.verify import probe_key, probe_targets
from tests.unit.test_chain import BUCKET, DESTINATION_ACCOUNT, IDENTIFIER, ROLE, mappings
from tests.unit.test_probe_route_and_unread_role import OTHER_TENANT, two_mappings

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: The same role in another letter case: another ARN string, so not known to be the same role.
CASED = ROLE.replace("partner-writer", "Partner-Writer")


@pytest.mark.parametrize(
    "first",
    [(ROLE, "User", "analyst"), (ROLE, "Group", "analysts"), (ROLE, "Prefix", f"S3://{BUCKET}/exports")],
    ids=["user", "group", "doubtful-prefix"],
)
def test_a_prefix_whose_possible_takers_all_name_its_role_is_probed(first: tuple[str, str, str]) -> None:
    state = two_mappings(first)

    targets, left_out = probe_targets(state, DESTINATION_ACCOUNT)

    assert targets == [IDENTIFIER]
    assert [item for item in left_out if item["identifier"] == IDENTIFIER] == []
    # Which mapping takes it is still not known: a passing write settles none of mapping 1's own links.
    uri = probe_key(IDENTIFIER)
    assert probe_routes(role_mappings_of(state.security_configuration), [uri]) == {uri: None}


@pytest.mark.parametrize(
    "first",
    [(OTHER_TENANT, "User", "analyst"), (CASED, "User", "analyst"), (OTHER_TENANT, "Group", "analysts")],
    ids=["other-tenant-user", "other-letter-case", "other-tenant-group"],
)
def test_a_prefix_an_earlier_mapping_of_another_role_may_take_stays_not_probed(first: tuple[str, str, str]) -> None:
    state = two_mappings(first)

    targets, left_out = probe_targets(state, DESTINATION_ACCOUNT)

    assert targets == []
    assert left_out[0]["identifier"] == IDENTIFIER
    assert left_out[0]["why"].startswith(f"mapping 0 ({first[0]}) may take the probe's write")


def unread_first(state: ChainState) -> ChainState:
    """Mapping 0 of the same role with its ``Identifiers`` as one string: not of the documented shape, not read."""
    document: dict[str, Any] = mappings((ROLE, "Prefix", IDENTIFIER))
    unread = {"Role": ROLE, "IdentifierType": "User", "Identifiers": "analyst"}
    document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"].insert(0, unread)
    state.security_configuration = document
    return state


def test_an_unread_mapping_of_the_same_role_before_it_stays_not_probed() -> None:
    state = unread_first(two_mappings((ROLE, "Prefix", IDENTIFIER)))

    targets, left_out = probe_targets(state, DESTINATION_ACCOUNT)

    assert targets == []
    assert left_out[0]["mapping"] == 1
    assert "mapping 0: it could not be read" in left_out[0]["why"]
