"""
A launch does not create its missing security configuration from a document JSON cannot hold: refused, named.

``CreateSecurityConfiguration`` takes the configuration "in JSON format" (Amazon EMR API Reference,
"CreateSecurityConfiguration", ``SecurityConfiguration``), and JSON has no ``NaN`` and only string names (RFC 8259,
4. Objects, 6. Numbers). Python's ``json.dumps`` writes both anyway (``NaN``, ``"1"``), so such a document has a
content name (``security_configuration_name``) and the launch, given that name, goes on to create it: the one check of
the document (``refuse_unfit_document``) refuses it first, naming the field, before any write.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.operators.emr import LaunchClusterWithSecConfigOperator
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, Seeded, client
from devstack.testing import small_cluster
from tests.integration.test_launch_document_checks import document, refused_launch

FIELD = "security_configuration_document"

#: Each document, the field the refusal names and what it says.
NOT_JSON = {
    "nan": (
        document(
            InstanceMetadataServiceConfiguration={
                "MinimumInstanceMetadataServiceVersion": 2,
                "HttpPutResponseHopLimit": math.nan,
            }
        ),
        f"{FIELD}.InstanceMetadataServiceConfiguration.HttpPutResponseHopLimit",
        "which JSON has no number for",
    ),
    "number_key": (
        document(EncryptionConfiguration={1: "x"}),
        f"{FIELD}.EncryptionConfiguration.1",
        "a JSON object's names are strings",
    ),
}


@pytest.mark.parametrize(("given", "field", "problem"), NOT_JSON.values(), ids=NOT_JSON.keys())
def test_a_document_json_cannot_hold_is_refused_naming_the_field(
    aws: Seeded, given: dict[str, Any], field: str, problem: str
) -> None:
    emr = client(aws.url, EMR_ACCOUNT, "emr")
    operator = LaunchClusterWithSecConfigOperator(
        task_id="launch_cluster",
        aws_conn_id=EMR_CONN_ID,
        emr_conn_id=None,
        security_configuration=security_configuration_name("perm", given),  # its content name: not refused for that
        security_configuration_document=given,
        job_flow_overrides=small_cluster(),
        wait_for_completion=False,
    )

    error, recorder = refused_launch(operator)

    assert error.field == field
    assert problem in str(error)
    assert recorder.mutating == []
    assert emr.list_security_configurations()["SecurityConfigurations"] == []
    assert emr.list_clusters()["Clusters"] == []
