"""
The runtime-roles switch (``AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole``) read as the
encryption switches are: a JSON boolean, or the text ``"true"``/``"false"`` (``documented_boolean``).

AWS documents it only as a JSON boolean: ``"EnableApplicationScopedIAMRole": true`` (Amazon EMR Management Guide,
"Runtime roles for Amazon EMR steps"). Any other value (``1``, ``"yes"``, ``" TRUE "``, ``{}``) is refused, naming the
field, before any write; in a configuration made elsewhere (read by the verifier) ``"true"`` in any case is read as on
(test_runtime_roles_true_text.py), and for any other value whether EMR reads it as on is not documented, so the
verifier says "not checked" and does not run its probe, never nothing.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.configuration import BYPASS_LINK, bypass_links
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    build_security_configuration,
    refuse_routing_bypasses,
    routing_bypasses,
    runtime_roles_enabled,
)
from tests.unit.test_chain import IDENTIFIER, ROLE, healthy_state
from tests.unit.test_routing_bypasses import on_cluster

MAPPINGS = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]}]
FIELD = "AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole"
UNREADABLE = [1, 1.0, 0, "1", "yes", "on", " TRUE ", "True", {}, []]
#: Not read in a configuration made elsewhere either: ``"true"`` in any case is read as on there (``runtime_roles_on``).
NOT_READ = [value for value in UNREADABLE if not (isinstance(value, str) and value.strip().lower() == "true")]


def switch(value: Any) -> dict[str, Any]:
    return {"AuthorizationConfiguration": {"IAMConfiguration": {"EnableApplicationScopedIAMRole": value}}}


def made_elsewhere(value: Any) -> dict[str, Any]:
    """A configuration as EMR returns it: the healthy chain's role mappings, and the switch as given."""
    document = copy.deepcopy(healthy_state().security_configuration)
    document["AuthorizationConfiguration"]["IAMConfiguration"] = {"EnableApplicationScopedIAMRole": value}
    return document


@pytest.mark.parametrize("value", UNREADABLE, ids=repr)
def test_a_value_other_than_a_boolean_is_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        build_security_configuration(MAPPINGS, switch(value))

    assert raised.value.field == f"base_configuration.{FIELD}"
    assert "must be true or false" in str(raised.value)


@pytest.mark.parametrize("value", [True, "true"])
def test_true_is_still_refused_as_runtime_roles(value: Any) -> None:
    with pytest.raises(InvalidParameterError, match="turns on runtime roles") as raised:
        build_security_configuration(MAPPINGS, switch(value))

    assert raised.value.field == f"base_configuration.{FIELD}"


@pytest.mark.parametrize("value", [False, "false"])
def test_false_is_kept_as_given(value: Any) -> None:
    document = build_security_configuration(MAPPINGS, switch(value))

    assert document["AuthorizationConfiguration"]["IAMConfiguration"] == {"EnableApplicationScopedIAMRole": value}
    assert routing_bypasses(document) == []


@pytest.mark.parametrize("value", NOT_READ, ids=repr)
def test_the_verifier_says_not_checked_for_a_value_it_cannot_read(value: Any) -> None:
    document = made_elsewhere(value)

    (link,) = bypass_links(document)

    assert not runtime_roles_enabled(document)
    assert link.status == UNKNOWN
    assert link.detail.startswith(FIELD)
    assert "not known" in link.detail
    assert FIELD in probe_blocker(on_cluster(dataclasses.replace(healthy_state(), security_configuration=document)))


@pytest.mark.parametrize("value", [1, "yes"])
def test_the_chain_is_not_checked_and_the_launch_by_name_is_not_refused(value: Any) -> None:
    """Undocumented either way, as Ranger without its plugin: not refused at a launch by name, reported instead."""
    document = made_elsewhere(value)

    report = check_chain(dataclasses.replace(healthy_state(), security_configuration=document))

    assert report.verdict == VERDICT_NOT_CHECKED
    assert [link.status for link in report.links if link.link == BYPASS_LINK] == [UNKNOWN]
    refuse_routing_bypasses(document, "security_configuration 'x'")


@pytest.mark.parametrize(("value", "status"), [(True, UNKNOWN), ("true", UNKNOWN)])
def test_true_in_a_configuration_made_elsewhere_is_still_runtime_roles(value: Any, status: str) -> None:
    document = made_elsewhere(value)

    (link,) = bypass_links(document)

    assert runtime_roles_enabled(document)
    assert link.status == status != FAIL
    assert "turns on runtime roles" in link.detail
    with pytest.raises(InvalidParameterError, match="turns on runtime roles"):
        refuse_routing_bypasses(document, "security_configuration 'x'")


@pytest.mark.parametrize("value", [None, False, "false"])
def test_an_absent_or_false_switch_says_nothing(value: Any) -> None:
    assert bypass_links(made_elsewhere(value)) == []
