"""
Input shapes a review found refused with an unclear message, or refused at all.

- ``role_mappings`` given as what a DAG's XComArg resolves to: a mapped task's output (``LazyXComSequence``) or
  ``.map()``/``zip()``/``.concat()`` of one (``_MapResult``, ``_ZipResult``, ``_ConcatResult``), sequences but not
  lists; ``require_list`` took any sequence, ``validate_role_mappings`` only a list (OX220).
- A role ARN ending with ``/`` (``…:role/Name/``): refused as "must not be empty", naming no ARN (OX221).
- A KMS key ARN with upper-case hex: KMS writes key ids in lower-case hex (AWS KMS Developer Guide, "Key identifiers
  (KeyId)": ``1234abcd-12ab-34cd-56ef-1234567890ab``, ``mrk-1234abcd12ab34cd56ef1234567890ab``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk.definitions.xcom_arg import _ConcatResult, _MapResult

from airflow_provider_emrfs_xacct.operators.emr import CreateEmrfsSecurityConfigOperator
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.launch_arguments import tuples_as_lists
from airflow_provider_emrfs_xacct.pure.security_config import validate_role_mappings
from airflow_provider_emrfs_xacct.pure.validation import validate_kms_key_arn, validate_role_arn
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import run_operator

ROLE = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/emrfs-acme-writer"


def to_mapping(prefix: str) -> dict[str, Any]:
    return {"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [f"s3://partner-results-b/{prefix}/"]}


def mapped(*prefixes: str) -> _MapResult:
    """What ``prefixes.output.map(to_mapping)`` resolves to at run time."""
    return _MapResult(list(prefixes), [to_mapping])


# -- role_mappings as a sequence an XComArg resolves to (OX220) -------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        mapped("acme", "beta"),
        _ConcatResult([[to_mapping("acme")], mapped("beta")]),
        (to_mapping("acme"), to_mapping("beta")),
    ],
    ids=["map", "concat", "tuple"],
)
def test_role_mappings_of_a_sequence_are_read_as_its_list(given: Any) -> None:
    """Before: "must be a non-empty list of role mappings, got _MapResult(...)"."""
    result = validate_role_mappings(given)

    assert [m["Identifiers"] for m in result] == [["s3://partner-results-b/acme"], ["s3://partner-results-b/beta"]]


def test_identifiers_of_a_mapped_sequence_are_read_as_its_list() -> None:
    given = [
        {
            "Role": ROLE,
            "IdentifierType": "Prefix",
            "Identifiers": _MapResult(["acme"], [lambda p: f"s3://bucket-one/{p}/"]),
        }
    ]

    assert tuples_as_lists(given)[0]["Identifiers"] == ["s3://bucket-one/acme/"]
    assert validate_role_mappings(given)[0]["Identifiers"] == ["s3://bucket-one/acme"]


def test_a_mapped_sequence_is_a_list_for_the_launch_checks() -> None:
    """tuples_as_lists makes any sequence but text a list, at any depth, so json.dumps and botocore take it."""
    assert tuples_as_lists({"RoleMappings": mapped("acme")}) == {"RoleMappings": [to_mapping("acme")]}
    assert tuples_as_lists({"Name": "acme", "Data": b"raw"}) == {"Name": "acme", "Data": b"raw"}


@pytest.mark.parametrize("given", ["", b"[]", mapped(), {"Role": ROLE}], ids=["text", "bytes", "empty", "bad-dict"])
def test_what_is_not_a_sequence_of_mappings_is_still_refused(given: Any) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_mappings(given)
    assert caught.value.field.startswith("role_mappings")


def test_the_operator_takes_the_mapped_output_of_a_task(moto_url: str) -> None:
    """``role_mappings=prefixes.output.map(to_mapping)``: the configuration is created with both mappings."""
    task = CreateEmrfsSecurityConfigOperator(
        task_id="create_security_configuration",
        aws_conn_id=EMR_CONN_ID,
        name_prefix="emrfs-xacct-mapped",
        role_mappings=mapped("acme", "beta"),
    )

    name, _, _ = run_operator(task)

    sent = client(moto_url, EMR_ACCOUNT, "emr").describe_security_configuration(Name=name)["SecurityConfiguration"]
    written = json.loads(sent)["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"]
    assert [m["Identifiers"] for m in written] == [["s3://partner-results-b/acme"], ["s3://partner-results-b/beta"]]


# -- a role ARN ending with '/' (OX221) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn",
    [f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/Name/", f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/path/Name/"],
)
def test_a_role_arn_ending_with_a_slash_says_so_quoting_it(arn: str) -> None:
    """Before: "trusted_role_arns[0]: must not be empty" (the name after the last '/' is empty)."""
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_arn(arn, "trusted_role_arns[0]")

    assert caught.value.field == "trusted_role_arns[0]"
    assert caught.value.problem == (
        f"ends with '/': a role ARN ends with the role name (…:role/path/Name), got {arn!r}"
    )


def test_a_mapping_role_ending_with_a_slash_is_refused_naming_the_field() -> None:
    mapping = {**to_mapping("acme"), "Role": f"{ROLE}/"}
    with pytest.raises(InvalidParameterError) as caught:
        validate_role_mappings([mapping])
    assert caught.value.field == "role_mappings[0].Role"
    assert "ends with '/'" in caught.value.problem


def test_a_role_arn_with_a_path_is_still_taken() -> None:
    arn = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partners/Name"
    assert validate_role_arn(arn, "f") == arn


# -- a KMS key ARN in upper case --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key_id",
    [
        "1234ABCD-12AB-34CD-56EF-1234567890AB",
        "1234abcd-12ab-34cd-56ef-1234567890aB",
        "mrk-1234ABCD12AB34CD56EF1234567890AB",
    ],
)
def test_a_key_arn_in_upper_case_says_key_ids_are_lower_case(key_id: str) -> None:
    """
    KMS writes key ids in lower-case hex (AWS KMS Developer Guide, "Key identifiers (KeyId)"): before, the message
    said only "must be a key ARN ..., got resource 'key/1234ABCD-...'".
    """
    arn = f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:key/{key_id}"
    with pytest.raises(InvalidParameterError) as caught:
        validate_kms_key_arn(arn, "kms_key_arns[0]")

    assert caught.value.problem == (
        f"must be a key ARN (…:key/KEY-ID), got resource 'key/{key_id}': key ids are lower-case hex; use the ARN "
        "DescribeKey shows"
    )


@pytest.mark.parametrize("resource", ["key/not-a-key-id", "key/", "keys/1234abcd-12ab-34cd-56ef-1234567890ab"])
def test_a_key_arn_not_a_key_id_in_any_case_gives_no_case_hint(resource: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        validate_kms_key_arn(f"arn:aws:kms:us-east-1:{DESTINATION_ACCOUNT}:{resource}", "f")
    assert "lower-case" not in caught.value.problem
