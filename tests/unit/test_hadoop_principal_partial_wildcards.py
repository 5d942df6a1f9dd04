"""
A ``User``/``Group`` identifier holding a ``*`` anywhere (``etl*``, ``*admins``, ``e*l``) is refused, not only ``*``.

"The users and groups in a role mapping are Hadoop users and groups that are defined on the cluster" (Amazon EMR
Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3",
https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-emrfs-iam-roles.html): AWS documents no pattern for them,
so ``etl*`` is a name no user or group has, and the mapping would never match (OX234).
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings
from airflow_provider_emrfs_xacct.pure.validation import validate_hadoop_principal

ROLE = "arn:aws:iam::222222222222:role/emrfs-partner-b-writer"
PARTIAL_WILDCARDS = ["etl*", "*admins", "e*l", "etl/*@EXAMPLE.COM"]


@pytest.mark.parametrize("identifier", PARTIAL_WILDCARDS)
def test_the_name_rule_refuses_a_partial_wildcard(identifier: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_hadoop_principal(identifier, "f")
    assert "a wildcard" in caught.value.problem


@pytest.mark.parametrize("kind", ["User", "Group"])
@pytest.mark.parametrize("identifier", PARTIAL_WILDCARDS)
def test_a_user_or_group_mapping_refuses_a_partial_wildcard_naming_it(kind: str, identifier: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_mappings([{"Role": ROLE, "IdentifierType": kind, "Identifiers": ["etl", identifier]}])

    assert caught.value.field == "role_mappings[0].Identifiers[1]"
    assert "a wildcard" in caught.value.problem
