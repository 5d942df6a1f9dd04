"""
``User``/``Group`` identifiers that are surely not a user's or group's name, whatever their case or scheme (OX227).

"The users and groups in a role mapping are Hadoop users and groups that are defined on the cluster" (Amazon EMR
Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"). A prefix (any URI: ``S3://``, ``s3a://``) or
a role ARN (``ARN:``) put among them would be created and never match; a control, format or line separator character
(Unicode categories Cc, Cf, Zl, Zp) is unseen in a pasted name. The old character rule refused all of these; the
cluster-name rule that replaced it took them.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings
from airflow_provider_emrfs_xacct.pure.validation import validate_hadoop_principal

ROLE = "arn:aws:iam::222222222222:role/emrfs-partner-b-writer"

REFUSED = [
    ("S3://partner-results-b/p", "prefix"),
    ("s3a://partner-results-b/p", "prefix"),
    ("s3n://partner-results-b/p", "prefix"),
    ("hdfs://namenode/user/etl", "prefix"),
    ("ARN:aws:iam::111111111111:role/x", "an ARN"),
    ("Arn:aws:iam::111111111111:role/x", "an ARN"),
    ("\u200b", "a control character"),  # zero-width space, Cf
    ("etl\u200bx", "a control character"),
    ("etl\u2028x", "a control character"),  # line separator, Zl
    ("etl\u2029x", "a control character"),  # paragraph separator, Zp
    ("\ufeffetl", "a control character"),  # byte order mark, Cf
    ("etl\u202ex", "a control character"),  # right-to-left override, Cf
]


@pytest.mark.parametrize("kind", ["User", "Group"])
@pytest.mark.parametrize(("identifier", "said"), REFUSED)
def test_a_user_or_group_mapping_refuses_it_naming_the_identifier(kind: str, identifier: str, said: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_mappings([{"Role": ROLE, "IdentifierType": kind, "Identifiers": ["etl", identifier]}])

    assert caught.value.field == "role_mappings[0].Identifiers[1]"
    assert said in caught.value.problem


@pytest.mark.parametrize(("identifier", "said"), [case for case in REFUSED if case[1] != "prefix"])
def test_the_name_rule_refuses_it(identifier: str, said: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_hadoop_principal(identifier, "f")
    assert said in caught.value.problem


def test_a_uri_is_refused_by_the_name_rule_too() -> None:
    with pytest.raises(InvalidParameterError, match="a URI"):
        validate_hadoop_principal("s3a://partner-results-b/p", "f")


@pytest.mark.parametrize(
    "identifier",
    ["domain users", "HOST01$", "1user", "user:group", "hdfs/host.example.com@EXAMPLE.COM", "josé", "arnold", "ar:n"],
)
def test_names_a_cluster_has_are_kept(identifier: Any) -> None:
    [mapping] = validate_role_mappings([{"Role": ROLE, "IdentifierType": "Group", "Identifiers": [identifier]}])
    assert mapping["Identifiers"] == [identifier]
