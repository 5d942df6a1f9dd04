"""
The launch's Kerberos attributes each Kerberos architecture needs, and the naming of values the ``emr_conn_id`` extra
gives (``pure/launch_arguments.py``), without Airflow or AWS.
"""

from __future__ import annotations

import pickle
import re
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import ConflictError, InvalidParameterError
from airflow_provider_emrfs_xacct.pure.launch_arguments import (
    conflict_named_where_given,
    conflicts_named_where_given,
    connection_extra_field,
    launch_security_configuration,
    refuse_unpaired_kerberos,
    required_kerberos_attributes,
    run_job_flow_field,
)

FIELD = "job_flow_overrides.KerberosAttributes"
KDC_PASSWORD = "kdc-admin-Secret-1"
TRUST_PASSWORD = "cross-realm-Secret-2"
JOIN_PASSWORD = "ad-join-Secret-3"
ATTRIBUTES = {"Realm": "EC2.INTERNAL", "KdcAdminPassword": KDC_PASSWORD}


def kerberos(**section: Any) -> dict[str, Any]:
    """A security configuration with a Kerberos section ``section``."""
    return {"AuthenticationConfiguration": {"KerberosConfiguration": section}}


#: Amazon EMR Management Guide, Kerberos "Configuration examples": "Cluster-dedicated KDC with Active Directory
#: cross-realm trust", its security configuration.
CROSS_REALM = kerberos(
    Provider="ClusterDedicatedKdc",
    ClusterDedicatedKdcConfiguration={
        "TicketLifetimeInHours": 24,
        "CrossRealmTrustConfiguration": {
            "Realm": "AD.DOMAIN.COM",
            "Domain": "ad.domain.com",
            "AdminServer": "ad.domain.com",
            "KdcServer": "ad.domain.com",
        },
    },
)
#: The same page, "External cluster KDC with Active Directory cross-realm trust".
AD_INTEGRATION = kerberos(
    Provider="ExternalKdc",
    ExternalKdcConfiguration={
        "KdcServerType": "Single",
        "AdminServer": "MasterDNSofClusterKDC:749",
        "KdcServer": "MasterDNSofClusterKDC.com:88",
        "AdIntegrationConfiguration": {"AdRealm": "AD.DOMAIN.COM", "AdDomain": "ad.domain.com"},
    },
)
#: The same page, "External KDC on a different cluster": no cross-realm trust, no Active Directory.
EXTERNAL_KDC = kerberos(
    Provider="ExternalKdc",
    ExternalKdcConfiguration={
        "KdcServerType": "Single",
        "AdminServer": "MasterDNSOfKDCMaster:749",
        "KdcServer": "MasterDNSOfKDCMaster:88",
    },
)
TRUST = {"CrossRealmTrustPrincipalPassword": TRUST_PASSWORD}
JOIN = {"ADDomainJoinUser": "ADUserLogonName", "ADDomainJoinPassword": JOIN_PASSWORD}


@pytest.mark.parametrize(
    ("document", "attributes"),
    [
        # The attributes AWS's examples launch each architecture with (the same page, "Create Cluster").
        # A cluster-dedicated KDC's trust may be with another MIT KDC: no Active Directory join user asked for.
        (CROSS_REALM, {**ATTRIBUTES, **TRUST}),
        (CROSS_REALM, {**ATTRIBUTES, **TRUST, **JOIN}),
        (AD_INTEGRATION, {**ATTRIBUTES, **JOIN}),
        (EXTERNAL_KDC, ATTRIBUTES),
    ],
    ids=["cross-realm", "cross-realm-with-ad", "ad-integration", "external-kdc"],
)
def test_each_kerberos_architecture_launches_with_the_attributes_aws_names_for_it(
    document: dict[str, Any], attributes: dict[str, Any]
) -> None:
    refuse_unpaired_kerberos(document, "sc", {"KerberosAttributes": attributes}, FIELD)


@pytest.mark.parametrize(
    ("document", "attributes", "missing", "why"),
    [
        (
            CROSS_REALM,
            ATTRIBUTES,
            "CrossRealmTrustPrincipalPassword",
            "ClusterDedicatedKdcConfiguration.CrossRealmTrustConfiguration sets up a cross-realm trust",
        ),
        (
            CROSS_REALM,
            {**ATTRIBUTES, "CrossRealmTrustPrincipalPassword": 20260101},
            "CrossRealmTrustPrincipalPassword",
            "a cross-realm trust",
        ),
        (
            AD_INTEGRATION,
            ATTRIBUTES,
            "ADDomainJoinUser",
            "ExternalKdcConfiguration.AdIntegrationConfiguration sets up Active Directory integration",
        ),
        (
            AD_INTEGRATION,
            {**ATTRIBUTES, "ADDomainJoinUser": "ADUserLogonName"},
            "ADDomainJoinPassword",
            "Active Directory integration",
        ),
        # A join user given for a cluster-dedicated KDC's trust with Active Directory: its password too.
        (
            CROSS_REALM,
            {**ATTRIBUTES, **TRUST, "ADDomainJoinUser": "ADUserLogonName"},
            "ADDomainJoinPassword",
            "ADDomainJoinUser is given",
        ),
    ],
    ids=["no-trust-password", "trust-password-not-text", "no-join-user", "no-join-password", "join-user-alone"],
)
def test_an_attribute_the_kerberos_architecture_needs_is_refused_when_missing_naming_it(
    document: dict[str, Any], attributes: dict[str, Any], missing: str, why: str
) -> None:
    """
    "Cross-realm trust principal password ... Required when establishing a cross-realm trust"; "Active Directory
    domain join user ... Required when using Active Directory in a cross-realm trust" (Amazon EMR Management Guide,
    "Security configuration and cluster settings for Kerberos on Amazon EMR"): with ``Realm`` and ``KdcAdminPassword``
    alone the launch went on, and EMR refused it only at ``RunJobFlow``, after the writes. No password is shown.
    """
    with pytest.raises(InvalidParameterError) as refused:
        refuse_unpaired_kerberos(document, "sc", {"KerberosAttributes": attributes}, FIELD)

    assert refused.value.field == f"{FIELD}.{missing}"
    assert why in refused.value.problem, refused.value.problem
    assert re.search(r"; got (none|int)$", refused.value.problem), refused.value.problem
    for secret in (KDC_PASSWORD, TRUST_PASSWORD, JOIN_PASSWORD, "20260101"):
        assert secret not in str(refused.value)


def test_the_missing_attribute_is_named_where_the_attributes_came_from() -> None:
    extra_field = connection_extra_field("emr_kerberos")
    extra = {"KerberosAttributes": ATTRIBUTES}

    with pytest.raises(InvalidParameterError) as refused:
        refuse_unpaired_kerberos(
            CROSS_REALM, "sc", extra, run_job_flow_field("KerberosAttributes", {}, extra, extra_field)
        )

    assert refused.value.field == "emr_conn_id 'emr_kerberos' extra KerberosAttributes.CrossRealmTrustPrincipalPassword"


def test_the_attributes_a_kerberos_section_needs_are_listed_in_order() -> None:
    names = [
        name
        for name, _ in required_kerberos_attributes(
            CROSS_REALM["AuthenticationConfiguration"]["KerberosConfiguration"], {}
        )
    ]
    assert names == ["Realm", "KdcAdminPassword", "CrossRealmTrustPrincipalPassword"]
    names = [
        name
        for name, _ in required_kerberos_attributes(
            AD_INTEGRATION["AuthenticationConfiguration"]["KerberosConfiguration"], {}
        )
    ]
    assert names == ["Realm", "KdcAdminPassword", "ADDomainJoinUser", "ADDomainJoinPassword"]
    # A section of another shape than AWS's (not a dict): the two always required, nothing read from it.
    assert [name for name, _ in required_kerberos_attributes("ClusterDedicatedKdc", {})] == [
        "Realm",
        "KdcAdminPassword",
    ]


def test_a_security_configuration_the_extra_gives_is_named_there_when_security_configuration_differs() -> None:
    """
    ``security_configuration="new"`` and the ``emr_conn_id`` extra's ``SecurityConfiguration: "old"``: refused naming
    the extra's key, which the DAG author wrote, not ``job_flow_overrides.SecurityConfiguration``, which they did not.
    """
    extra_field = connection_extra_field("emr_default")
    extra = {"SecurityConfiguration": "old"}

    with pytest.raises(InvalidParameterError) as refused:
        launch_security_configuration(extra, "new", run_job_flow_field("SecurityConfiguration", {}, extra, extra_field))

    assert refused.value.field == "emr_conn_id 'emr_default' extra SecurityConfiguration"
    assert refused.value.problem == "is 'old' but security_configuration is 'new'"


def test_a_conflict_with_a_retried_launch_is_named_where_the_argument_was_given() -> None:
    fields = {
        "JobFlowRole": "emr_conn_id 'emr_default' extra JobFlowRole",
        "ReleaseLabel": "job_flow_overrides.ReleaseLabel",
    }
    conflict = ConflictError(
        "cluster j-1 ... JobFlowRole: 'a' on the cluster, 'b' asked for", field="job_flow_overrides.JobFlowRole"
    )

    renamed = conflict_named_where_given(conflict, fields)

    assert isinstance(renamed, ConflictError)
    assert renamed.field == "emr_conn_id 'emr_default' extra JobFlowRole"
    assert (
        str(renamed)
        == "emr_conn_id 'emr_default' extra JobFlowRole: cluster j-1 ... JobFlowRole: 'a' on the cluster, 'b' asked for"
    )
    assert pickle.loads(pickle.dumps(renamed)).field == renamed.field
    # Given in the overrides, or about no argument (the security configuration's own conflict): as it is.
    same = ConflictError("x", field="job_flow_overrides.ReleaseLabel")
    assert conflict_named_where_given(same, fields) is same
    other = ConflictError("y", field="security_configuration")
    assert conflict_named_where_given(other, fields) is other
    with pytest.raises(ConflictError) as raised, conflicts_named_where_given(fields):
        raise conflict
    assert raised.value.field == "emr_conn_id 'emr_default' extra JobFlowRole"
