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
import json
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.configuration import BYPASS_LINK
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, UNKNOWN
from airflow_provider_emrfs_xacct.pure.checks.principal import LINK as PRINCIPAL
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, ClusterState
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, routing_bypasses
from tests.unit.test_chain import CONFIGURATION, IDENTIFIER, ROLE, healthy_state, mappings

MAPPINGS = [{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [IDENTIFIER]}]
RUNTIME_ROLES = {"IAMConfiguration": {"EnableApplicationScopedIAMRole": True}}
LAKE_FORMATION = {"LakeFormationConfiguration": {"AuthorizedSessionTagValue": "Amazon EMR"}}
#: The Ranger security configuration exactly as the Amazon EMR Management Guide gives it ("Create the EMR security
#: configuration", CLI; https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-ranger-security-config.html):
#: the plugins are listed under ``RangerPluginConfigurations``, each with its ``App`` ("Spark", "Hive", "EMRFS-S3").
AWS_RANGER_DOCUMENT: dict[str, Any] = json.loads(
    r"""
{
    "AuthenticationConfiguration": {
        "KerberosConfiguration": {
            "Provider": "ClusterDedicatedKdc",
            "ClusterDedicatedKdcConfiguration": {
                "TicketLifetimeInHours": 24
            }
        }
    },
    "AuthorizationConfiguration":{
      "RangerConfiguration":{
         "AdminServerURL":"https://_<RANGER ADMIN SERVER IP>_:6182",
         "RoleForRangerPluginsARN":"arn:aws:iam::_<ACCOUNT ID>_:role/_<RANGER PLUGIN DATA ACCESS ROLE NAME>_",
         "RoleForOtherAWSServicesARN":"arn:aws:iam::_<ACCOUNT ID>_:role/_<USER ACCESS ROLE NAME>_",
         "AdminServerSecretARN":"arn:aws:secretsmanager:_<REGION>_:_<ACCOUNT ID>_:secret:_<SECRET NAME THAT PROVIDES ADMIN SERVERS PUBLIC TLS CERTICATE WITHOUT VERSION>_",
         "RangerPluginConfigurations":[
            {
               "App":"Spark",
               "ClientSecretARN":"arn:aws:secretsmanager:_<REGION>_:_<ACCOUNT ID>_:secret:_<SECRET NAME THAT PROVIDES SPARK PLUGIN PRIVATE TLS CERTICATE WITHOUT VERSION>_",
               "PolicyRepositoryName":"<SPARK SERVICE NAME eg. amazon-emr-spark>"
            },
            {
               "App":"Hive",
               "ClientSecretARN":"arn:aws:secretsmanager:_<REGION>_:_<ACCOUNT ID>_:secret:_<SECRET NAME THAT PROVIDES Hive PLUGIN PRIVATE TLS CERTICATE WITHOUT VERSION>_",
               "PolicyRepositoryName":"<HIVE SERVICE NAME eg. Hivedev>"
            },
            {
               "App":"EMRFS-S3",
               "ClientSecretARN":"arn:aws:secretsmanager:_<REGION>_:_<ACCOUNT ID>_:secret:_<SECRET NAME THAT PROVIDES EMRFS S3 PLUGIN PRIVATE TLS CERTICATE WITHOUT VERSION>_",
               "PolicyRepositoryName":"<EMRFS S3 SERVICE NAME eg amazon-emr-emrfs>"
            }
         ],
         "AuditConfiguration":{
            "Destinations":{
               "AmazonCloudWatchLogs":{
                  "CloudWatchLogGroup":"arn:aws:logs:<REGION>:_<ACCOUNT ID>_:log-group:_<LOG GROUP NAME FOR AUDIT EVENTS>_"
               }
            }
         }
      }
   }
}
"""
)
#: Where AWS's example lists its EMRFS S3 plugin (the third plugin).
AWS_EMRFS_PLUGIN = "AuthorizationConfiguration.RangerConfiguration.RangerPluginConfigurations[2]"
RANGER_EMRFS: dict[str, Any] = AWS_RANGER_DOCUMENT["AuthorizationConfiguration"]
RANGER_SPARK_ONLY: dict[str, Any] = {
    "RangerConfiguration": {
        **RANGER_EMRFS["RangerConfiguration"],
        "RangerPluginConfigurations": RANGER_EMRFS["RangerConfiguration"]["RangerPluginConfigurations"][:2],
    }
}


def ranger_with(**changes: Any) -> dict[str, Any]:
    """AWS's ``AuthorizationConfiguration`` with its ``RangerConfiguration`` changed (a key set to ``None`` removed)."""
    ranger = {**copy.deepcopy(RANGER_EMRFS["RangerConfiguration"]), **changes}
    return {"RangerConfiguration": {key: value for key, value in ranger.items() if value is not None}}


def with_emrfs_app(app: Any) -> dict[str, Any]:
    """AWS's ``AuthorizationConfiguration`` with its EMRFS S3 plugin's ``App`` spelled ``app``."""
    plugins = copy.deepcopy(RANGER_EMRFS["RangerConfiguration"]["RangerPluginConfigurations"])
    plugins[2]["App"] = app
    return ranger_with(RangerPluginConfigurations=plugins)


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
            f"base_configuration.{AWS_EMRFS_PLUGIN}",
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


def with_aws_ranger(state: ChainState, authorization: dict[str, Any] = RANGER_EMRFS) -> ChainState:
    """The state's configuration as AWS's Ranger example (its Kerberos too) around the state's own role mappings."""
    assert isinstance(state.security_configuration, dict)
    document = copy.deepcopy(AWS_RANGER_DOCUMENT)
    document["AuthorizationConfiguration"] = {
        **copy.deepcopy(authorization),
        "EmrFsConfiguration": state.security_configuration["AuthorizationConfiguration"]["EmrFsConfiguration"],
    }
    state.security_configuration = document
    return state


def test_aws_ranger_example_turns_on_the_emrfs_s3_plugin_for_certain() -> None:
    bypasses = routing_bypasses(AWS_RANGER_DOCUMENT)

    assert [(bypass.field, bypass.certain, bypass.documented) for bypass in bypasses] == [
        (AWS_EMRFS_PLUGIN, True, True)
    ]
    assert "Secret Agent, which assumes the IAM role for Apache Ranger Engines" in bypasses[0].problem


def test_the_provider_refuses_aws_ranger_example_as_base_naming_its_emrfs_s3_plugin() -> None:
    with pytest.raises(InvalidParameterError) as excinfo:
        build_security_configuration(MAPPINGS, copy.deepcopy(AWS_RANGER_DOCUMENT))

    assert excinfo.value.field == f"base_configuration.{AWS_EMRFS_PLUGIN}"
    assert "turns on the Ranger EMRFS-S3 plugin" in excinfo.value.problem


def test_the_verifier_fails_aws_ranger_example_beside_the_mappings() -> None:
    report = check_chain(with_aws_ranger(healthy_state()))

    links = [link for link in report.links if link.link == BYPASS_LINK]
    assert [(link.status, link.detail.split(" ", 1)[0]) for link in links] == [(FAIL, AWS_EMRFS_PLUGIN)]
    assert "does not document" not in links[0].detail
    assert links[0].fix == (
        f"launch the cluster that writes to the partner with a security configuration without {AWS_EMRFS_PLUGIN}"
    )
    assert report.verdict == "FAIL"


def test_the_launch_refuses_aws_ranger_example_made_by_hand_beside_mappings() -> None:
    from airflow_provider_emrfs_xacct.operators.emr import _uses_role_mappings

    document = copy.deepcopy(AWS_RANGER_DOCUMENT)
    with pytest.raises(InvalidParameterError) as excinfo:
        _uses_role_mappings(
            {
                **document,
                "AuthorizationConfiguration": {**RANGER_EMRFS, "EmrFsConfiguration": {"RoleMappings": MAPPINGS}},
            },
            "ranger-by-hand",
        )

    assert excinfo.value.field == f"security_configuration 'ranger-by-hand'.{AWS_EMRFS_PLUGIN}"
    assert _uses_role_mappings(document, "ranger-by-hand") is False  # no mappings: nothing to refuse


@pytest.mark.parametrize(
    ("authorization", "words"),
    [
        # AWS spells the plugin "EMRFS-S3" and says nothing of other spellings: not read as it, nor as its absence.
        (with_emrfs_app("emrfs-s3"), "RangerPluginConfigurations[2].App 'emrfs-s3'"),
        (with_emrfs_app("EMRFS_S3"), "RangerPluginConfigurations[2].App 'EMRFS_S3'"),
        (with_emrfs_app(" EMRFS-S3"), "RangerPluginConfigurations[2].App ' EMRFS-S3'"),
        (with_emrfs_app(3), "RangerPluginConfigurations[2].App 3"),
        (with_emrfs_app(None), "RangerPluginConfigurations[2].App None"),
        (ranger_with(RangerPluginConfigurations={"App": "EMRFS-S3"}), "RangerPluginConfigurations is not a list"),
        (ranger_with(RangerPluginConfigurations=[["EMRFS-S3"]]), "RangerPluginConfigurations[0] is not an object"),
        # A key AWS does not document there (this provider once read its plugins under it): not a plugin list.
        (
            ranger_with(RangerPluginConfigurations=None, ApplicationConfigurations=[{"App": "EMRFS-S3"}]),
            "ApplicationConfigurations",
        ),
    ],
)
def test_a_ranger_plugin_list_not_as_aws_spells_it_is_not_checked_never_passed(
    authorization: dict[str, Any], words: str
) -> None:
    bypasses = routing_bypasses({"AuthorizationConfiguration": authorization})
    report = check_chain(with_aws_ranger(healthy_state(), authorization))

    assert [(bypass.field, bypass.certain, bypass.documented) for bypass in bypasses] == [
        ("AuthorizationConfiguration.RangerConfiguration", False, False)
    ]
    assert words in bypasses[0].problem
    assert [link.status for link in report.links if link.link == BYPASS_LINK] == [UNKNOWN]
    assert report.verdict == "NOT_CHECKED"


def test_aws_ranger_example_without_its_emrfs_s3_plugin_is_not_checked() -> None:
    bypasses = routing_bypasses({"AuthorizationConfiguration": RANGER_SPARK_ONLY})
    report = check_chain(with_aws_ranger(healthy_state(), RANGER_SPARK_ONLY))

    assert [(bypass.field, bypass.certain, bypass.documented) for bypass in bypasses] == [
        ("AuthorizationConfiguration.RangerConfiguration", False, False)
    ]
    assert "AWS does not document how EMRFS role mappings combine with Ranger" in bypasses[0].problem
    assert [link.status for link in report.links if link.link == BYPASS_LINK] == [UNKNOWN]
    assert report.verdict == "NOT_CHECKED"


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
