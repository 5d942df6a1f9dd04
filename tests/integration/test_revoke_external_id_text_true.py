"""
A configuration made elsewhere whose runtime-roles switch is the text ``"TRUE"`` (any case, any whitespace), rebuilt
by a revoke: the revoke warns that the rebuilt configuration gets an ``ExternalId`` of its own.

EMR generates an ``ExternalId`` for each security configuration with runtime roles (Amazon EMR Management Guide,
"Runtime roles for Amazon EMR steps"); the stand-in (``devstack/aws_emr.py``) reads ``"true"`` in any case as on and
generates one, and so does the provider's reading (``runtime_roles_on``). A value neither reads (``1``): whether EMR
reads it as on is not documented, so the revoke says the rebuilt configuration MAY have runtime roles.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.security_config import generated_external_id
from devstack.moto_stack import EMR_ACCOUNT, Seeded, client
from devstack.testing import run_operator
from tests.integration.partners import NAME_PREFIX, mapping, provision_partner
from tests.integration.test_revoke import PARTNER_1, PARTNER_2, PREFIX_1, PREFIX_2, revoker
from tests.integration.test_runtime_role_external_id import stored


def revoke_rebuilding(
    aws: Seeded, enabled: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> tuple[str, str]:
    """Revoke partner 1 from a configuration made elsewhere with the switch ``enabled``; the rebuilt one and the log."""
    provision_partner(aws, PARTNER_1, PREFIX_1)
    provision_partner(aws, PARTNER_2, PREFIX_2)
    old = f"{NAME_PREFIX}-runtime-roles"
    document = {
        "AuthorizationConfiguration": {
            "IAMConfiguration": {"EnableApplicationScopedIAMRole": enabled},
            "EmrFsConfiguration": {"RoleMappings": [mapping(PARTNER_1, PREFIX_1), mapping(PARTNER_2, PREFIX_2)]},
        }
    }
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    emr.create_security_configuration(Name=old, SecurityConfiguration=json.dumps(document))
    with caplog.at_level(logging.WARNING):
        result, _, _ = run_operator(revoker(aws, PARTNER_1, security_configuration=old, name_prefix=NAME_PREFIX))
    return str(result["security_configuration"]), capfd.readouterr().out + caplog.text


@pytest.mark.parametrize("enabled", ["TRUE", " TRUE ", "True"])
def test_text_true_in_any_case_warns_of_the_new_external_id(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], enabled: str
) -> None:
    rebuilt, log = revoke_rebuilding(aws, enabled, caplog, capfd)
    new_id = generated_external_id(stored(aws.url, rebuilt))
    old_id = generated_external_id(stored(aws.url, f"{NAME_PREFIX}-runtime-roles"))

    assert old_id
    assert new_id
    assert new_id != old_id
    assert "has runtime roles (EnableApplicationScopedIAMRole)" in log
    assert f"not {NAME_PREFIX}-runtime-roles's ({old_id})" in log
    assert new_id in log


def test_a_value_not_read_warns_that_it_may_have_runtime_roles(
    aws: Seeded, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    rebuilt, log = revoke_rebuilding(aws, 1, caplog, capfd)

    assert generated_external_id(stored(aws.url, rebuilt)) is None  # the stand-in does not read 1 as on
    assert "may have runtime roles (EnableApplicationScopedIAMRole is 1" in log
    assert "has runtime roles" not in log
