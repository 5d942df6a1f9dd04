"""
A role mapping read back whose ``Identifiers`` is one string, not a list: read as one identifier, never by character.

The Amazon EMR Management Guide ("Configure IAM roles for EMRFS requests to Amazon S3") gives ``Identifiers``
as a JSON list of strings; the provider always writes one (``validate_role_mappings`` takes a single string as a
one-element list). A configuration made by hand may hold ``"Identifiers": "s3://bucket/prefix"``: read character
by character it became the prefixes ``"s"``, ``"3"`` …, and ``"s"`` starts every ``s3://`` key, so that mapping
took every write. How EMRFS reads a string is not documented: the verifier says so (not checked).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks import principal
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import PASS, UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.checks.routing import probe_routes, route
from airflow_provider_emrfs_xacct.pure.security_config import (
    cross_type_shadowing,
    identifiers_problem,
    mapping_identifiers,
    shadowed_by,
    validate_role_mappings,
)
from tests.unit.test_chain import IDENTIFIER, PREFIX, ROLE, healthy_state

OTHER_ROLE = "arn:aws:iam::222222222222:role/other-writer"
KEY = f"{PREFIX}part-0000"


def prefix_mapping(identifiers: Any, role: str = ROLE) -> dict[str, Any]:
    return {"Role": role, "IdentifierType": "Prefix", "Identifiers": identifiers}


@pytest.mark.parametrize(
    ("identifiers", "read"),
    [
        ([IDENTIFIER], [IDENTIFIER]),
        (IDENTIFIER, [IDENTIFIER]),
        ([IDENTIFIER, 7], [IDENTIFIER]),  # its strings read; the 7 makes it not the documented shape
        ([], []),
        (None, []),
        (7, []),
        ({"a": "b"}, []),
    ],
)
def test_identifiers_are_read_as_a_list_of_whole_strings(identifiers: Any, read: list[str]) -> None:
    assert mapping_identifiers(prefix_mapping(identifiers)) == read
    assert (identifiers_problem(prefix_mapping(identifiers)) is None) == (identifiers == [IDENTIFIER])


def test_a_string_prefix_of_another_bucket_does_not_route_every_key() -> None:
    mappings = [prefix_mapping("s3://another-bucket/elsewhere", OTHER_ROLE), prefix_mapping([IDENTIFIER])]

    assert route(mappings, KEY, checking=1) == 1
    assert route(mappings, "s3://another-bucket/elsewhere/x", checking=1) == 0
    # Read as one prefix it does not take KEY; but how EMRFS reads a string is not documented, and it comes first.
    assert probe_routes(mappings, [KEY]) == {KEY: None}


def test_a_string_identifier_shadows_and_is_shadowed_as_one_identifier() -> None:
    earlier = [prefix_mapping("s3://another-bucket/elsewhere", OTHER_ROLE)]
    assert shadowed_by(earlier, "Prefix", IDENTIFIER) is None
    assert shadowed_by(earlier, "Prefix", "s3://another-bucket/elsewhere/deeper") == (
        0,
        "s3://another-bucket/elsewhere",
    )
    shadows = cross_type_shadowing(
        [{"Role": OTHER_ROLE, "IdentifierType": "User", "Identifiers": "alice"}, prefix_mapping(IDENTIFIER)]
    )
    assert [(shadow.earlier_identifier, shadow.later_identifier) for shadow in shadows] == [("alice", IDENTIFIER)]


def test_a_string_user_is_named_whole_in_the_principal_link() -> None:
    [link] = principal.audit(0, {"Role": ROLE, "IdentifierType": "User", "Identifiers": "alice"})
    assert link.status == UNKNOWN, link  # whom the job runs as is not seen
    assert "Hadoop user 'alice'" in link.detail
    assert "'a', 'l'" not in link.detail


def test_the_chain_reads_a_string_identifier_as_one_prefix_and_reports_it_not_checked() -> None:
    state = healthy_state()
    configuration = copy.deepcopy(state.security_configuration)
    assert isinstance(configuration, dict)
    configuration["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"][0]["Identifiers"] = IDENTIFIER
    state = dataclasses.replace(state, security_configuration=configuration)

    report = check_chain(state)

    links = {link.link: link for link in report.links}
    assert links["mapping has identifiers"].status == UNKNOWN
    assert (
        f'Identifiers is "{IDENTIFIER}", not the non-empty list of strings' in links["mapping has identifiers"].detail
    )
    assert links[f"write files {PREFIX}"].status == PASS  # the prefix read whole, its links checked
    assert not [name for name in links if name.endswith(" s") or name.endswith(" 3")]
    assert report.verdict == VERDICT_NOT_CHECKED


def test_the_provider_reads_its_own_input_the_same_way_and_writes_a_list() -> None:
    """``role_mappings`` with one string is one identifier too (``require_list``); the document holds a list."""
    [written] = validate_role_mappings([prefix_mapping(PREFIX)])
    assert written["Identifiers"] == [IDENTIFIER]
