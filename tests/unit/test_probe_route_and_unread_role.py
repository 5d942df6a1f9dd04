"""
The live probe writes only where each of its writes is known to go as its mapping's role, and a passing probe does not
settle a destination role link that stands for the links it hides.

EMRFS uses the first role mapping that matches (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests
to Amazon S3"): an earlier mapping that may match the probe's key (an identifier EMRFS may match otherwise, a ``User``
mapping the step's Hadoop user may be, one that matches it) may send the probe's write as another tenant's role.
Before, ``verify.probe_targets`` checked only the target mapping's own role, and the probe wrote there.

A destination role that could not be read stops the chain there (as one named in another letter case does): its assume,
steps, key and owner links are not made. Those judge requests the probe's one small ``PutObject`` never sends, such as
a multipart upload's, whose SSE-KMS parts need ``kms:Decrypt`` too (Amazon S3 User Guide, "Multipart upload API and
permissions"). Before, a passing probe settled the role link and the report said PASS where the readable role FAILs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    still_not_checked,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.routing import probe_routes
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, ClusterState, Unreadable
from airflow_provider_emrfs_xacct.pure.documents import key_users_statement
from airflow_provider_emrfs_xacct.pure.security_config import role_mappings_of
from airflow_provider_emrfs_xacct.verify import probe_key, probe_targets
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    CONFIGURATION,
    DESTINATION_ACCOUNT,
    EMR_ROLE,
    IDENTIFIER,
    KEY,
    PREFIX,
    ROLE,
    destination_role,
    document,
    healthy_state,
    mappings,
)

OTHER_TENANT = "arn:aws:iam::333333333333:role/other-tenant"
#: A probe URI under the verified prefix, as ``verify.probe_key`` makes them.
PROBE_URI = f"{PREFIX}_emrfs_xacct_probe/x"


def two_mappings(first: tuple[str, str, str]) -> ChainState:
    """Mapping 0 as given, mapping 1 the destination role's prefix; on a cluster that runs them and takes steps."""
    state = healthy_state()
    state.security_configuration = mappings(first, (ROLE, "Prefix", IDENTIFIER))
    state.destination_roles[OTHER_TENANT] = Unreadable("the role is in account 333333333333")
    state.cluster = ClusterState("j-1", CONFIGURATION, "EMR_EC2_DefaultRole", EMR_ROLE.rsplit("/", 1)[1], "WAITING")
    return state


@pytest.mark.parametrize(
    "first",
    [
        (OTHER_TENANT, "Prefix", "s3://partner-results"),  # a bucket specifier ending inside the bucket's name
        (OTHER_TENANT, "Prefix", f"S3://{BUCKET}/exports"),
        (OTHER_TENANT, "Prefix", f"s3a://{BUCKET}/exports"),
        (OTHER_TENANT, "User", "hadoop"),  # which Hadoop user an EMR step runs as is not documented
        (OTHER_TENANT, "Prefix", f"s3://{BUCKET}/"),  # matches: EMRFS sends it as mapping 0's role
        (OTHER_TENANT, "Prefix", f"{PREFIX}_emrfs_xacct_probe/"),  # the probe's own directory
    ],
    ids=["ends-inside-bucket", "upper-case-scheme", "s3a", "user", "matches", "probe-directory"],
)
def test_a_prefix_an_earlier_mapping_of_another_role_may_take_is_not_probed(first: tuple[str, str, str]) -> None:
    state = two_mappings(first)

    targets, left_out = probe_targets(state, DESTINATION_ACCOUNT)

    assert IDENTIFIER not in targets
    [skipped] = [item for item in left_out if item["identifier"] == IDENTIFIER]
    assert skipped["mapping"] == 1
    assert skipped["why"].startswith(f"mapping 0 ({OTHER_TENANT}) may take the probe's write")
    assert "never as another tenant's role" in skipped["why"]
    assert "mapping 1" in skipped["how"]
    # The clean case: mapping 0 names another bucket only, so mapping 1's prefix is probed, through mapping 1.
    clean = two_mappings((OTHER_TENANT, "Prefix", "s3://other-tenant-bucket/tenant/"))
    assert probe_targets(clean, DESTINATION_ACCOUNT)[0] == [IDENTIFIER]
    uri = probe_key(IDENTIFIER)
    assert probe_routes(role_mappings_of(clean.security_configuration), [uri]) == {uri: 1}


def test_a_route_unknown_among_mappings_of_the_targets_own_role_is_probed() -> None:
    """
    ``probe_routes`` gives no mapping where a ``User`` mapping comes first, but that mapping names the target's own
    role: whichever EMRFS uses, the write goes as that role, so the probe writes there (a passing write then settles
    only the links of no mapping, ``tests/unit/test_probe_same_role_takers.py``).
    """
    state = two_mappings((ROLE, "User", "hadoop"))

    assert probe_targets(state, DESTINATION_ACCOUNT) == ([IDENTIFIER], [])
    # An earlier mapping that matches with the same role: the write goes as that role, known: probed.
    same = two_mappings((ROLE, "Prefix", f"s3://{BUCKET}/"))
    assert probe_targets(same, DESTINATION_ACCOUNT) == ([f"s3://{BUCKET}/", IDENTIFIER], [])


def key_without_decrypt(state: ChainState) -> ChainState:
    """The key policy grants the destination role only ``kms:GenerateDataKey`` (no IAM delegation to the account)."""
    users = key_users_statement([ROLE])
    users["Action"] = ["kms:GenerateDataKey"]
    state.key_policies = {KEY: document(ADMIN_STATEMENT, users)}
    return state


def unreadable_policies(state: ChainState) -> ChainState:
    state.destination_roles = {ROLE: replace(destination_role(), unreadable="AccessDenied iam:ListRolePolicies")}
    return state


def role_refused(state: ChainState) -> ChainState:
    state.destination_roles = {ROLE: Unreadable(f"iam:GetRole on {ROLE} was refused (AccessDenied)")}
    return state


def other_letter_case(state: ChainState) -> ChainState:
    cased = ROLE.replace("partner-writer", "Partner-Writer")
    state.security_configuration = mappings((cased, "Prefix", IDENTIFIER))
    state.destination_roles = {cased: destination_role()}  # GetRole answers the role's own spelling
    return state


@pytest.mark.parametrize("hide", [unreadable_policies, role_refused], ids=["policies-unreadable", "get-role-refused"])
def test_a_destination_role_link_that_hides_later_links_is_not_settled_by_the_probe(hide: Any) -> None:
    passed = {"ok": True, "routes": {PROBE_URI: 0}}
    readable = check_chain(key_without_decrypt(healthy_state()))
    assert readable.verdict == VERDICT_FAIL  # the multipart upload's kms:Decrypt is refused
    assert any(link.status == FAIL and "kms:Decrypt" in link.detail for link in readable.links)

    report = check_chain(hide(key_without_decrypt(healthy_state())))
    links = [link.to_dict() for link in report.links]

    assert [(link["link"], link["status"]) for link in links if link["status"] != "pass"] == [
        ("destination role", UNKNOWN)
    ]
    assert verdict_with_probe(links, passed) == (VERDICT_NOT_CHECKED, True)
    assert [link["link"] for link in still_not_checked(links, passed["routes"])] == ["destination role"]
    # The healthy chain with a passing probe still passes.
    healthy = [link.to_dict() for link in check_chain(healthy_state()).links]
    assert verdict_with_probe(healthy, passed) == (VERDICT_PASS, True)


def test_a_mapping_naming_its_role_in_another_letter_case_fails_whatever_the_probe() -> None:
    """
    "Role names are case sensitive when you assume a role" (IAM User Guide, "Troubleshoot IAM roles", "I can't assume
    a role"): EMRFS's AssumeRole on the mapping's ARN fails, and the link it hides behind it stays unmade. Before, the
    link was "not checked" and the report NOT_CHECKED beside a passing probe.
    """
    passed = {"ok": True, "routes": {PROBE_URI: 0}}

    report = check_chain(other_letter_case(healthy_state()))
    links = [link.to_dict() for link in report.links]

    assert [(link["link"], link["status"]) for link in links if link["status"] != "pass"] == [
        ("destination role", FAIL)
    ]
    assert [link["probe_settles"] for link in links if link["link"] == "destination role"] == [False]
    assert verdict_with_probe(links, passed) == (VERDICT_FAIL, False)


def test_a_second_mappings_unread_role_stays_not_checked_after_a_probe_through_it() -> None:
    """Both prefixes written, mapping 1's role refused by GetRole: its role link is still not checked."""
    other_role = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-analyst"
    other_prefix = f"s3://{BUCKET}/analysts/"
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "Prefix", PREFIX), (other_role, "Prefix", other_prefix))
    state.destination_roles[other_role] = Unreadable(f"iam:GetRole on {other_role} was denied")
    links = [link.to_dict() for link in check_chain(state).links]
    uris = [probe_key(PREFIX), probe_key(other_prefix)]
    routes = probe_routes(role_mappings_of(state.security_configuration), uris)
    assert list(routes.values()) == [0, 1]

    remaining = still_not_checked(links, routes)

    assert [(link["mapping"], link["link"], link["probe_settles"]) for link in remaining] == [
        (1, "destination role", False)
    ]
