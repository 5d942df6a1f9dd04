"""The security configuration exists and has EMRFS role mappings."""

from __future__ import annotations

from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, Unreadable
from airflow_provider_emrfs_xacct.pure.security_config import role_mappings_of


def audit(state: ChainState) -> list[Link]:
    """Return the links of a missing or unreadable security configuration, or of one without role mappings."""
    configuration = state.security_configuration
    if isinstance(configuration, Unreadable):
        return [Link(None, "security configuration exists", UNKNOWN, configuration.detail)]
    if configuration is None:
        return [
            Link(
                None,
                "security configuration exists",
                FAIL,
                f"{state.security_configuration_name} not found",
                fix="create it with CreateEmrfsSecurityConfigOperator",
            )
        ]
    if not role_mappings_of(configuration):
        return [
            Link(
                None,
                "role mappings",
                FAIL,
                "the security configuration has no EMRFS role mappings",
                fix="add AuthorizationConfiguration.EmrFsConfiguration.RoleMappings",
            )
        ]
    return []
