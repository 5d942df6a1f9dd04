"""
The stand-in refuses a security configuration document that is not a JSON object, as EMR refuses input that is wrong
(devstack/aws_emr.py).

Amazon EMR API Reference, "CreateSecurityConfiguration": ``SecurityConfiguration`` is "The security configuration
details in JSON format"; its Errors list ``InvalidRequestException``, "This exception occurs when there is something
wrong with user input", HTTP 400. moto 5.2 stores any text. EMR's checks of a JSON object's sections are not played
(README, "What the local stand-in cannot prove"): the provider's own shape checks stand in for them.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from devstack.moto_stack import EMR_ACCOUNT, client

NOT_OBJECTS = {"not json": "{not json", "array": "[]", "string": '"text"', "nan": '{"Number": NaN}'}


@pytest.mark.parametrize("text", NOT_OBJECTS.values(), ids=NOT_OBJECTS.keys())
def test_a_document_that_is_not_a_json_object_is_refused_and_not_stored(moto_url: str, text: str) -> None:
    emr = client(moto_url, EMR_ACCOUNT, "emr")

    with pytest.raises(ClientError) as refused:
        emr.create_security_configuration(Name="not-an-object", SecurityConfiguration=text)

    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert emr.list_security_configurations()["SecurityConfigurations"] == []


def test_a_json_object_is_stored_as_sent_even_one_emr_may_refuse(moto_url: str) -> None:
    """The stand-in does not play EMR's checks of the sections: such a document is stored (not proven here)."""
    document = {
        "EncryptionConfiguration": {"EnableAtRestEncryption": "yes"},
        "AuthorizationConfiguration": {
            "EmrFsConfiguration": {
                "RoleMappings": [{"Role": "not-an-arn", "IdentifierType": "Nope", "Identifiers": []}]
            }
        },
    }
    emr = client(moto_url, EMR_ACCOUNT, "emr")

    emr.create_security_configuration(Name="misshapen", SecurityConfiguration=json.dumps(document))

    stored = emr.describe_security_configuration(Name="misshapen")["SecurityConfiguration"]
    assert json.loads(stored) == document
