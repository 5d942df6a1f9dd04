"""
The ``ExternalId`` EMR generates for a security configuration with runtime roles is never sent, nor compared.

EMR generates an ``ExternalId`` for each security configuration with runtime role authorization, and
``DescribeSecurityConfiguration`` gives it (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps"), inside
``AuthorizationConfiguration.IAMConfiguration.ApplicationScopedIAMRoleConfiguration`` (a public issue thread shows it
read back there: terraform-provider-aws #37526). moto stores a document as sent; the stand-in (``devstack/aws_emr.py``)
adds the identifier as EMR does. Before, a revoke copied the old configuration's ``ExternalId`` into the rebuilt one,
and its rerun found the rebuilt configuration "with other content" (``ConflictError``); the clean-up took a
configuration the provider made for one it did not (its stored content no longer hashed to its name).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator
from airflow_provider_emrfs_xacct.pure.security_config import (
    EXTERNAL_ID_FIELD,
    generated_external_id,
    security_configuration_name,
    without_generated_fields,
)
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import NAME_PREFIX, mapping, provision_partner, role_arn
from tests.integration.test_revoke import PARTNER_1, PARTNER_2, PREFIX_1, PREFIX_2, revoker

RUNTIME_ROLES = {
    "IAMConfiguration": {
        "EnableApplicationScopedIAMRole": True,
        "ApplicationScopedIAMRoleConfiguration": {"PropagateSourceIdentity": True},
    }
}


def stored(url: str, name: str) -> dict[str, Any]:
    text = client(url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=name)["SecurityConfiguration"]
    return dict(json.loads(text))


@pytest.mark.parametrize("enabled", [True, "TRUE", False, None], ids=["true", "text-true", "false", "absent"])
def test_the_stand_in_adds_an_external_id_to_a_configuration_with_runtime_roles(moto_url: str, enabled: Any) -> None:
    iam: dict[str, Any] = {"ApplicationScopedIAMRoleConfiguration": {"PropagateSourceIdentity": True}}
    if enabled is not None:
        iam["EnableApplicationScopedIAMRole"] = enabled
    document = {"AuthorizationConfiguration": {"IAMConfiguration": iam}}
    client(moto_url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name="runtime", SecurityConfiguration=json.dumps(document)
    )

    found = stored(moto_url, "runtime")

    if enabled in (True, "TRUE"):
        scoped = found["AuthorizationConfiguration"]["IAMConfiguration"]["ApplicationScopedIAMRoleConfiguration"]
        assert scoped["PropagateSourceIdentity"] is True
        assert isinstance(scoped["ExternalId"], str)
        assert scoped["ExternalId"]
        assert without_generated_fields(found) == document
    else:
        assert found == document


def test_revoking_twice_from_a_configuration_with_runtime_roles_changes_nothing_the_second_time(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The rebuilt configuration is sent without the old one's ``ExternalId`` and gets its own; a warning names the
    runtime roles' trust policies to update. The second revoke finds it (same name) and creates nothing.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)
    old = f"{NAME_PREFIX}-runtime-roles"
    document = {
        "AuthorizationConfiguration": {
            **RUNTIME_ROLES,
            "EmrFsConfiguration": {"RoleMappings": [mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)]},
        }
    }
    client(aws.url, EMR_ACCOUNT, "emr").create_security_configuration(
        Name=old, SecurityConfiguration=json.dumps(document)
    )
    old_id = generated_external_id(stored(aws.url, old))
    wanted = {
        "AuthorizationConfiguration": {
            **RUNTIME_ROLES,
            "EmrFsConfiguration": {"RoleMappings": [mapping(PARTNER_2, PREFIX_2)]},
        }
    }

    with caplog.at_level(logging.WARNING):
        first, first_calls, _ = run_operator(
            revoker(aws, PARTNER_1, security_configuration=old, name_prefix=NAME_PREFIX)
        )
    second, second_calls, _ = run_operator(revoker(aws, PARTNER_1, security_configuration=old, name_prefix=NAME_PREFIX))

    rebuilt = first["security_configuration"]
    assert rebuilt == second["security_configuration"] == security_configuration_name(NAME_PREFIX, wanted)
    assert "CreateSecurityConfiguration" in first_calls.mutating
    assert "CreateSecurityConfiguration" not in second_calls.mutating
    new_id = generated_external_id(stored(aws.url, rebuilt))
    assert old_id
    assert new_id
    assert new_id != old_id  # EMR's own for the new one, not a copy of the old
    assert without_generated_fields(stored(aws.url, rebuilt)) == wanted
    output = capfd.readouterr().out + caplog.text
    assert f"Security configuration {rebuilt}, rebuilt from {old}, has runtime roles" in output
    assert f"an ExternalId of its own ({new_id}), not {old}'s ({old_id})" in output
    assert "trust policy of every runtime role" in output
    assert role_arn(PARTNER_2) in json.dumps(stored(aws.url, rebuilt))


def test_an_external_id_given_to_the_create_is_left_out(
    moto_url: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """One copied from another configuration into ``base_configuration`` is not sent: EMR generates its own."""
    base = {
        "AuthorizationConfiguration": {
            "IAMConfiguration": {"ApplicationScopedIAMRoleConfiguration": {"ExternalId": "COPIED0123456789ABCDEF"}}
        }
    }
    create = CreateEmrfsSecurityConfigOperator(
        task_id="create",
        aws_conn_id=EMR_CONN_ID,
        name_prefix=NAME_PREFIX,
        role_mappings=[mapping(PARTNER_1, PREFIX_1)],
        base_configuration=base,
    )

    with caplog.at_level(logging.WARNING):
        name, _, ti = run_operator(create)

    found = stored(moto_url, name)
    assert generated_external_id(found) is None
    assert found == ti.xcoms["security_configuration_document"]
    assert f"base_configuration.{EXTERNAL_ID_FIELD} is left out" in capfd.readouterr().out + caplog.text


def test_the_clean_up_deletes_an_unused_configuration_it_made_with_runtime_roles(moto_url: str) -> None:
    """Its stored content carries EMR's ``ExternalId``: it still hashes to its name, so it is the provider's."""
    document = {"AuthorizationConfiguration": {**RUNTIME_ROLES}}
    name = security_configuration_name(NAME_PREFIX, document)
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    assert generated_external_id(stored(moto_url, name))  # as EMR keeps it
    cleanup = DeleteUnusedSecurityConfigsOperator(
        task_id="cleanup", aws_conn_id=EMR_CONN_ID, name_prefix=NAME_PREFIX, min_age_seconds=0
    )

    deleted, _, _ = run_operator(cleanup)

    assert deleted == [name]
    assert [item["Name"] for item in emr.list_security_configurations()["SecurityConfigurations"]] == []
