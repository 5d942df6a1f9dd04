"""
Security configuration sections that take EMRFS writes away from the role mappings.

Runtime roles (Amazon EMR Management Guide, "Runtime roles for Amazon EMR steps": a step's runtime role
"can't ... use the EC2 instance profile of the cluster to access any AWS resources", and the instance profile
is what assumes the mapped roles), Lake Formation ("Considerations for Amazon EMR with Lake Formation":
registered locations go "through Lake Formation stored credentials") and the Ranger EMRFS S3 plugin ("EMRFS
S3 plugin": EMRFS gets its credentials from the Secret Agent, as the Ranger engines' role). The provider
refuses them next to its role mappings; the verifier reports them, and does not run its probe there. Nor
does the probe run for mappings of users or groups only, whose route depends on whom the job runs as.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.configuration import BYPASS_LINK
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.principal import LINK as PRINCIPAL
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, ClusterState
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration
from tests.unit.test_chain import CONFIGURATION, IDENTIFIER, ROLE, healthy_state, mappings

MAPPINGS = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]}]
RUNTIME_ROLES = {"IAMConfiguration": {"EnableApplicationScopedIAMRole": True}}
LAKE_FORMATION = {"LakeFormationConfiguration": {"AuthorizedSessionTagValue": "Amazon EMR"}}
RANGER_APPS = [
    {"App": "SPARK", "ClientSecretARN": "arn:aws:secretsmanager:us-east-1:111111111111:secret:spark"},
    {"App": "EMRFS-S3", "ClientSecretARN": "arn:aws:secretsmanager:us-east-1:111111111111:secret:emrfs"},
]
RANGER_EMRFS = {
    "RangerConfiguration": {"AdminServerURL": "https://ranger:6182", "ApplicationConfigurations": RANGER_APPS}
}
RANGER_SPARK_ONLY = {
    "RangerConfiguration": {"AdminServerURL": "https://ranger:6182", "ApplicationConfigurations": RANGER_APPS[:1]}
}
KERBEROS = {
    "AuthenticationConfiguration": {
        "KerberosConfiguration": {
            "Provider": "ClusterDedicatedKdc",
            "ClusterDedicatedKdcConfiguration": {"TicketLifetimeInHours": 24},
        }
    }
}
IMDS = {
    "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": 2, "HttpPutResponseHopLimit": 1}
}


@pytest.mark.parametrize(
    ("authorization", "field", "words"),
    [
        (
            RUNTIME_ROLES,
            "base_configuration.AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole",
            "cannot use the EC2 instance profile",
        ),
        (
            {"IAMConfiguration": {"EnableApplicationScopedIAMRole": "true"}},
            "base_configuration.AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole",
            "runtime roles",
        ),
        (LAKE_FORMATION, "base_configuration.AuthorizationConfiguration.LakeFormationConfiguration", "Lake Formation"),
        (
            RANGER_EMRFS,
            "base_configuration.AuthorizationConfiguration.RangerConfiguration.ApplicationConfigurations[1]",
            "Secret Agent",
        ),
    ],
)
def test_the_provider_refuses_a_base_that_takes_writes_away_from_the_mappings(
    authorization: dict[str, Any], field: str, words: str
) -> None:
    base = {"AuthorizationConfiguration": copy.deepcopy(authorization)}

    with pytest.raises(InvalidParameterError) as excinfo:
        build_security_configuration(MAPPINGS, base)

    assert excinfo.value.field == field
    assert words in excinfo.value.problem
    assert "cannot route those writes to the destination role" in excinfo.value.problem


@pytest.mark.parametrize(
    "base",
    [
        {"AuthorizationConfiguration": {"IAMConfiguration": {"EnableApplicationScopedIAMRole": False}}},
        {"AuthorizationConfiguration": copy.deepcopy(RANGER_SPARK_ONLY)},  # not documented either way
        KERBEROS,
        IMDS,
        {"EncryptionConfiguration": {"EnableInTransitEncryption": True, "EnableAtRestEncryption": False}},
    ],
)
def test_the_provider_keeps_sections_that_route_as_before_or_are_undocumented(base: dict[str, Any]) -> None:
    document = build_security_configuration(MAPPINGS, base)

    for key, value in base.items():
        if key != "AuthorizationConfiguration":
            assert document[key] == value
    assert document["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"] == MAPPINGS


def with_authorization(state: ChainState, authorization: dict[str, Any]) -> ChainState:
    assert isinstance(state.security_configuration, dict)
    state.security_configuration["AuthorizationConfiguration"].update(copy.deepcopy(authorization))
    return state


@pytest.mark.parametrize(
    ("authorization", "status", "verdict"),
    [
        (RUNTIME_ROLES, UNKNOWN, "NOT_CHECKED"),  # steps without a runtime role: not documented
        ({**RUNTIME_ROLES, **LAKE_FORMATION}, UNKNOWN, "NOT_CHECKED"),
        (RANGER_EMRFS, FAIL, "FAIL"),  # every EMRFS request gets the Ranger engines' credentials
        (RANGER_SPARK_ONLY, UNKNOWN, "NOT_CHECKED"),
    ],
)
def test_the_verifier_does_not_pass_a_configuration_that_bypasses_its_mappings(
    authorization: dict[str, Any], status: str, verdict: str
) -> None:
    report = check_chain(with_authorization(healthy_state(), authorization))

    links = [link for link in report.links if link.link == BYPASS_LINK]
    assert links
    assert {link.status for link in links} == {status}
    assert report.verdict == verdict


def test_a_plain_configuration_has_no_bypass_link() -> None:
    report = check_chain(healthy_state())

    assert BYPASS_LINK not in {link.link for link in report.links}
    assert report.verdict == "PASS"


def on_cluster(state: ChainState) -> ChainState:
    state.cluster = ClusterState("j-1", CONFIGURATION, "EMR_EC2_DefaultRole", "EMR_EC2_DefaultRole", "WAITING")
    return state


def test_the_probe_runs_on_a_cluster_with_prefix_mappings() -> None:
    assert probe_blocker(on_cluster(healthy_state())) == ""


@pytest.mark.parametrize("authorization", [RUNTIME_ROLES, LAKE_FORMATION, RANGER_EMRFS, RANGER_SPARK_ONLY])
def test_the_probe_does_not_run_where_the_configuration_bypasses_the_mappings(authorization: dict[str, Any]) -> None:
    blocked = probe_blocker(on_cluster(with_authorization(healthy_state(), authorization)))

    assert "AuthorizationConfiguration." in blocked


@pytest.mark.parametrize("kind", ["User", "Group"])
def test_the_probe_does_not_run_for_user_or_group_mappings_only(kind: str) -> None:
    state = on_cluster(healthy_state())
    state.security_configuration = mappings((ROLE, kind, "analyst"))

    assert "which Hadoop user an EMR step (the probe) runs as is not documented" in probe_blocker(state)


def test_a_kerberos_principal_in_a_user_mapping_says_its_matching_is_not_documented() -> None:
    state = healthy_state()
    state.security_configuration = mappings((ROLE, "User", ["etl@EC2.INTERNAL", "etl"]))
    state.prefixes_for_principal_mappings = [IDENTIFIER]

    link = next(link for link in check_chain(state).links if link.link == PRINCIPAL)

    assert link.status == UNKNOWN
    assert "'etl@EC2.INTERNAL' a Kerberos principal" in link.detail
    assert "short name is not documented" in link.detail
