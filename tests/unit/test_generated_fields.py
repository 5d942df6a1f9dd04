"""
The fields EMR writes into a security configuration itself (the ``ExternalId`` of one with runtime roles) are left out
of what is sent, of the name and of the comparison (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps":
EMR generates an ``ExternalId`` for each configuration with runtime role authorization).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.emr import ConfigurationsInUse
from airflow_provider_emrfs_xacct.pure.security_config import (
    canonical_json,
    generated_external_id,
    names_content,
    runtime_roles_enabled,
    security_configuration_name,
    without_generated_fields,
)

MAPPINGS = {
    "RoleMappings": [
        {"Role": "arn:aws:iam::222222222222:role/w", "IdentifierType": "Prefix", "Identifiers": ["s3://b/p/"]}
    ]
}


def configuration(scoped: dict[str, Any] | None, enabled: Any = True) -> dict[str, Any]:
    iam: dict[str, Any] = {"EnableApplicationScopedIAMRole": enabled}
    if scoped is not None:
        iam["ApplicationScopedIAMRoleConfiguration"] = scoped
    return {"AuthorizationConfiguration": {"IAMConfiguration": iam, "EmrFsConfiguration": MAPPINGS}}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param(
            {"PropagateSourceIdentity": True}, {"PropagateSourceIdentity": True, "ExternalId": "X1"}, id="beside"
        ),
        pytest.param(None, {"ExternalId": "X1"}, id="made-to-hold-it"),
        pytest.param({}, {"ExternalId": "X1"}, id="empty-sent"),
    ],
)
def test_a_stored_configuration_is_named_and_compared_as_sent(sent: Any, stored: Any) -> None:
    as_sent, as_stored = configuration(sent), configuration(stored)

    assert generated_external_id(as_stored) == "X1"
    assert generated_external_id(without_generated_fields(as_stored)) is None
    assert canonical_json(without_generated_fields(as_stored)) == canonical_json(without_generated_fields(as_sent))
    name = security_configuration_name("p", as_sent)
    assert security_configuration_name("p", as_stored) == name
    assert names_content(name, as_stored)


def test_a_document_without_generated_fields_keeps_its_name_and_is_not_copied() -> None:
    document = configuration({"PropagateSourceIdentity": True})
    before = copy.deepcopy(document)

    assert without_generated_fields(document) is document
    digest = hashlib.sha256(canonical_json(before).encode()).hexdigest()[:12]
    assert security_configuration_name("p", document) == f"p-{digest}"


def test_leaving_the_external_id_out_does_not_change_the_document_read() -> None:
    stored = configuration({"PropagateSourceIdentity": True, "ExternalId": "X1"})

    without_generated_fields(stored)

    assert generated_external_id(stored) == "X1"


def test_other_content_still_differs() -> None:
    one = configuration({"PropagateSourceIdentity": True, "ExternalId": "X1"})
    other = configuration({"PropagateSourceIdentity": False})

    assert canonical_json(without_generated_fields(one)) != canonical_json(without_generated_fields(other))


@pytest.mark.parametrize(
    ("enabled", "expected"),
    # " TRUE " is read as on, as the stand-in reads it (runtime_roles_on); 1 is not (the verifier says "not checked").
    [(True, True), ("true", True), (" TRUE ", True), (1, False), (False, False), ("no", False)],
)
def test_runtime_roles_enabled(enabled: Any, expected: bool) -> None:
    assert runtime_roles_enabled(configuration(None, enabled)) is expected


def test_configurations_in_use_with_a_cluster_not_described_holds_every_name() -> None:
    in_use = ConfigurationsInUse()
    in_use["used"] = ["j-1"]
    assert "other" not in in_use
    assert in_use["used"] == ["j-1"]

    in_use.undescribed = ("j-2",)

    assert "other" in in_use
    assert in_use["other"] == ["j-2 (not described: DescribeCluster refused)"]
    assert in_use["used"] == ["j-1", "j-2 (not described: DescribeCluster refused)"]
    assert list(in_use.values()) == [["j-1"]]
