"""
An IAM Identity Center enabled security configuration
(``AuthenticationConfiguration.IdentityCenterConfiguration.EnableIdentityCenter``) as a doubtful routing bypass.

AWS shows the section as ``"AuthenticationConfiguration": {"IdentityCenterConfiguration": {"EnableIdentityCenter":
true, "IdentityCenterInstanceARN": ...}}`` (Amazon EMR Management Guide, "Integrate Amazon EMR with AWS IAM Identity
Center", https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-idc.html, and its "Create an Identity Center
enabled security configuration"). On such a cluster "Use S3 Access Grants to authorize access to your data sets from
clusters that use Identity Center" ("Working with S3 Access Grants on an IAM Identity Center enabled EMR cluster",
https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-idc-s3ag.html); neither page says whether its requests still
get the EMRFS role mappings. So, as Ranger without its EMRFS S3 plugin: "not checked" by the verifier, which does not
run its probe there, and let through where the provider creates or launches a configuration. The switch is read as
the runtime-roles switch is (``runtime_roles_on``): ``true`` or the text ``"true"`` in any case is on; absent,
``false`` or ``"false"`` off; any other value not known (and refused, naming the field, in a document the provider
creates, where AWS shows only ``true``: Amazon EMR Management Guide, "Getting started with AWS IAM Identity Center
integration for Amazon EMR", the JSON example).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.configuration import BYPASS_LINK, bypass_links
from airflow_provider_emrfs_xacct.pure.checks.findings import UNKNOWN, VERDICT_NOT_CHECKED
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import (
    build_security_configuration,
    refuse_routing_bypasses,
    refuse_unfit_document,
    routing_bypasses,
)
from tests.unit.test_chain import healthy_state
from tests.unit.test_routing_bypasses import on_cluster
from tests.unit.test_runtime_roles_switch import MAPPINGS

FIELD = "AuthenticationConfiguration.IdentityCenterConfiguration.EnableIdentityCenter"
PAGE = "https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-idc-s3ag.html"
INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
ON = [True, "true", "TRUE", " True "]
OFF = [None, False, "false"]
ODD = [1, "yes", {}]


def identity_center(value: Any) -> dict[str, Any]:
    section: dict[str, Any] = {"IdentityCenterInstanceARN": INSTANCE}
    if value is not None:
        section["EnableIdentityCenter"] = value
    return {"AuthenticationConfiguration": {"IdentityCenterConfiguration": section}}


def made_elsewhere(value: Any) -> dict[str, Any]:
    """A configuration as EMR returns it: the healthy chain's role mappings, and the Identity Center section."""
    document = copy.deepcopy(healthy_state().security_configuration)
    document.update(identity_center(value))
    return document


@pytest.mark.parametrize("value", ON, ids=repr)
def test_an_enabled_identity_center_is_a_doubtful_bypass(value: Any) -> None:
    (bypass,) = routing_bypasses(made_elsewhere(value))

    assert bypass.field == FIELD
    assert not bypass.certain
    assert not bypass.documented
    assert "S3 Access Grants" in bypass.problem
    assert PAGE in bypass.problem


@pytest.mark.parametrize("value", ON, ids=repr)
def test_the_verifier_says_not_checked_with_the_page_and_does_not_probe(value: Any) -> None:
    document = made_elsewhere(value)

    (link,) = bypass_links(document)
    report = check_chain(dataclasses.replace(healthy_state(), security_configuration=document))

    assert link.status == UNKNOWN
    assert link.detail.startswith(FIELD)
    assert PAGE in link.detail
    assert report.verdict == VERDICT_NOT_CHECKED
    assert [link.status for link in report.links if link.link == BYPASS_LINK] == [UNKNOWN]
    assert FIELD in probe_blocker(on_cluster(dataclasses.replace(healthy_state(), security_configuration=document)))


def test_read_without_an_authorization_section_too() -> None:
    (bypass,) = routing_bypasses(identity_center(True))

    assert bypass.field == FIELD


@pytest.mark.parametrize("value", ON, ids=repr)
def test_let_through_at_a_launch_by_name_as_ranger_without_its_plugin(value: Any) -> None:
    refuse_routing_bypasses(made_elsewhere(value), "security_configuration 'x'")


@pytest.mark.parametrize("value", [True, "true"], ids=repr)
def test_a_document_the_provider_creates_keeps_it(value: Any) -> None:
    document = build_security_configuration(MAPPINGS, identity_center(value))
    roles = refuse_unfit_document(
        document,
        "the EMR connection",
        lambda: ("us-east-1", "aws"),
        field="security_configuration_document",
        mappings_field="role_mappings",
    )

    assert document["AuthenticationConfiguration"] == identity_center(value)["AuthenticationConfiguration"]
    assert [role for _, role in roles] == [MAPPINGS[0]["Role"]]


@pytest.mark.parametrize("value", OFF, ids=repr)
def test_absent_or_false_says_nothing(value: Any) -> None:
    assert routing_bypasses(made_elsewhere(value)) == []
    assert bypass_links(made_elsewhere(value)) == []


@pytest.mark.parametrize("value", ODD, ids=repr)
def test_another_value_made_elsewhere_is_not_known(value: Any) -> None:
    document = made_elsewhere(value)

    (link,) = bypass_links(document)
    (bypass,) = routing_bypasses(document)

    assert link.status == UNKNOWN
    assert link.detail.startswith(FIELD)
    assert "not true or false" in link.detail
    assert not bypass.certain
    assert not bypass.documented
    refuse_routing_bypasses(document, "security_configuration 'x'")


@pytest.mark.parametrize("value", ODD, ids=repr)
def test_another_value_in_a_document_the_provider_creates_is_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(InvalidParameterError, match="must be true or false") as raised:
        build_security_configuration(MAPPINGS, identity_center(value))

    assert raised.value.field == f"base_configuration.{FIELD}"
