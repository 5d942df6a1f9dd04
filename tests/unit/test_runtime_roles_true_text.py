"""
The runtime-roles switch as text ``"true"`` in any case and whitespace (``"TRUE"``, ``" TRUE "``, ``"True"``) in a
configuration made elsewhere: read as ON, as it was before and as the stand-in reads it (``devstack/aws_emr.py``
gives such a configuration an ``ExternalId``), so a launch by name refuses it as runtime roles. AWS documents the
switch only as a JSON ``true`` (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps") and the Amazon
EMR API Reference (CreateSecurityConfiguration) lists no type check, so a document the provider creates still
takes only a documented boolean. Any other value (``1``, ``"yes"``, ``{}``) stays "not checked": let through at a
launch by name.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.configuration import BYPASS_LINK, bypass_links
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    build_security_configuration,
    refuse_routing_bypasses,
    runtime_roles_enabled,
    runtime_roles_on,
)
from tests.unit.test_chain import healthy_state
from tests.unit.test_runtime_roles_switch import FIELD, MAPPINGS, made_elsewhere, switch

TEXT_TRUE = ["TRUE", " TRUE ", "True", "\ttrue\n"]


@pytest.mark.parametrize("value", TEXT_TRUE, ids=repr)
def test_text_true_in_any_case_made_elsewhere_is_runtime_roles_on(value: Any) -> None:
    document = made_elsewhere(value)

    (link,) = bypass_links(document)

    assert runtime_roles_enabled(document)
    assert runtime_roles_on(document) is True
    assert link.status == UNKNOWN
    assert "turns on runtime roles" in link.detail


@pytest.mark.parametrize("value", TEXT_TRUE, ids=repr)
def test_a_launch_by_name_refuses_text_true_in_any_case(value: Any) -> None:
    with pytest.raises(InvalidParameterError, match="turns on runtime roles") as raised:
        refuse_routing_bypasses(made_elsewhere(value), "security_configuration 'x'")

    assert FIELD in raised.value.field


@pytest.mark.parametrize("value", TEXT_TRUE, ids=repr)
def test_a_document_the_provider_creates_still_takes_only_a_documented_boolean(value: Any) -> None:
    with pytest.raises(InvalidParameterError, match="must be true or false"):
        build_security_configuration(MAPPINGS, switch(value))


@pytest.mark.parametrize("value", [1, "yes", {}], ids=repr)
def test_another_value_is_let_through_by_name_and_not_checked(value: Any) -> None:
    document = made_elsewhere(value)

    report = check_chain(dataclasses.replace(healthy_state(), security_configuration=document))

    assert runtime_roles_on(document) is None
    assert not runtime_roles_enabled(document)
    assert report.verdict == VERDICT_NOT_CHECKED
    assert [link.status for link in report.links if link.link == BYPASS_LINK] == [UNKNOWN]
    refuse_routing_bypasses(document, "security_configuration 'x'")


@pytest.mark.parametrize("value", [None, False, "false"], ids=repr)
def test_absent_or_documented_false_is_off(value: Any) -> None:
    assert runtime_roles_on(made_elsewhere(value)) is False
