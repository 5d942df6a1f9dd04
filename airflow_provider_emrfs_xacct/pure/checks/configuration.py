"""The security configuration exists and has EMRFS role mappings."""

from __future__ import annotations

from typing import Any

from airflow_provider_emrfs_xacct.pure.checks.findings import BYPASS_LINK, FAIL, UNKNOWN, WARN, Link
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, Unreadable
from airflow_provider_emrfs_xacct.pure.security_config import (
    at_rest_s3_encryption,
    role_mappings_of,
    role_mappings_problem,
    routing_bypasses,
)

#: The link that says whether the security configuration the chain names exists.
EXISTS_LINK = "security configuration exists"


def audit(state: ChainState) -> list[Link]:
    """
    Return the links of a missing or unreadable security configuration, or of one without role mappings.

    For the option (a) chain (no ``security_configuration``), those of the one the cluster runs, if any: its
    encryption settings and the sections that bypass EMRFS's credentials, not its mappings (``checks/cluster.py``).
    """
    configuration = state.security_configuration
    option_a = state.security_configuration_name is None  # the cluster's own configuration, if any (checks/cluster.py)
    if option_a and not isinstance(configuration, dict):
        return (
            []
            if configuration is None
            else [Link(None, "security configuration readable", UNKNOWN, configuration.detail)]
        )
    if isinstance(configuration, Unreadable):
        return [Link(None, EXISTS_LINK, UNKNOWN, configuration.detail)]
    if configuration is None:
        return [
            Link(
                None,
                EXISTS_LINK,
                FAIL,
                f"{state.security_configuration_name} not found",
                fix="create it with CreateEmrfsSecurityConfigOperator",
            )
        ]
    links = []
    if state.security_configuration_from_create_task:
        links.append(
            Link(
                None,
                EXISTS_LINK,
                WARN,
                f"{state.security_configuration_name} was deleted after its create task ran (by "
                "DeleteUnusedSecurityConfigsOperator?); checked as the document that task pushed, which "
                "LaunchClusterWithSecConfigOperator creates again under the same name before it launches",
                fix="nothing for a launch given the create task's .output; launching by name alone, clear the create task",
            )
        )
    _, encryption = at_rest_s3_encryption(configuration, "")
    if encryption is not None:
        # The same rule as the role mappings': a part of another shape than the guide's is not read, and says so.
        links.append(
            Link(
                None,
                "encryption settings readable",
                UNKNOWN,
                f"{encryption}: what encryption EMRFS asks for on uploads is not known, so the key links and policy "
                "conditions on the uploads' encryption headers are not checked (Amazon EMR Management Guide, "
                '"Create a security configuration")',
                fix="create a new security configuration with EncryptionConfiguration as that page shows it",
            )
        )
    problem = role_mappings_problem(configuration)
    if problem is not None:
        # Another shape than the Amazon EMR Management Guide's ("Configure IAM roles for EMRFS requests to Amazon
        # S3"): how EMRFS reads it is not documented, so neither "no mappings" (FAIL) nor the mappings read is sure.
        links.append(
            Link(
                None,
                "role mappings",
                UNKNOWN,
                f"{problem}; how EMRFS reads it is not documented",
                fix="create a new security configuration with RoleMappings as a list of objects and launch with it",
            )
        )
    if problem is None and not role_mappings_of(configuration) and not option_a:
        return [
            *links,
            Link(
                None,
                "role mappings",
                FAIL,
                "the security configuration has no EMRFS role mappings",
                fix="add AuthorizationConfiguration.EmrFsConfiguration.RoleMappings",
            ),
        ]
    return links + bypass_links(configuration)


def bypass_links(configuration: dict[str, Any]) -> list[Link]:
    """
    One link per section that takes writes away from the role mappings (:func:`~.security_config.routing_bypasses`).

    FAIL where AWS documents that every write it covers bypasses them (the Ranger EMRFS S3 plugin); "not checked"
    where it documents that some do (runtime-role steps, Lake Formation locations) or documents nothing (Ranger).
    """
    return [
        Link(
            None,
            BYPASS_LINK,
            FAIL if bypass.certain else UNKNOWN,
            f"{bypass.field} {bypass.problem}",
            fix=f"launch the cluster that writes to the partner with a security configuration without {bypass.field}",
        )
        for bypass in routing_bypasses(configuration)
    ]
