"""
``plan`` and ``apply`` refuse a partner file's role mapping to a role they do not provision (docs/cli.md,
"The partner file", ``role_mappings``): the destination role of the destination account, its name in any case.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.exceptions import EmrfsXacctError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner.yaml"
PARTNER: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
DESTINATION, EMR = PARTNER["destination"]["account_id"], PARTNER["emr"]["account_id"]
ROLE_NAME = PARTNER["destination"]["role_name"]


def mapped_to(role: str) -> dict[str, Any]:
    """The example partner file, its prefixes mapped to ``role``, as :func:`cli.load_partner` validates it."""
    partner = copy.deepcopy(PARTNER)
    partner["security_configuration"]["role_mappings"] = [
        {"Role": role, "IdentifierType": "Prefix", "Identifiers": partner["destination"]["s3_prefixes"]}
    ]
    cli.validate_partner(partner)
    return partner


@pytest.mark.parametrize(
    "role",
    [
        f"arn:aws:iam::{DESTINATION}:role/{ROLE_NAME}",
        # IAM User Guide, "IAM identifiers": role names are not distinguished by case.
        f"arn:aws:iam::{DESTINATION}:role/{ROLE_NAME.upper()}",
        # The path is IAM's to tell (an existing role keeps its own): the name decides.
        f"arn:aws:iam::{DESTINATION}:role/partners/{ROLE_NAME}",
        # A role of the EMR account: CreateEmrfsSecurityConfigOperator refuses it with its own reason.
        f"arn:aws:iam::{EMR}:role/{ROLE_NAME}",
    ],
    ids=["as-named", "other-case", "under-a-path", "emr-account"],
)
def test_the_destination_role_is_provisioned(role: str) -> None:
    cli.refuse_roles_not_provisioned(Path("partner.yaml"), mapped_to(role))


@pytest.mark.parametrize(
    "role",
    [
        f"arn:aws:iam::{DESTINATION}:role/someone-elses-writer",
        f"arn:aws:iam::{DESTINATION}:role/{ROLE_NAME}-2",
        # The destination role's name in a third account: apply grants nothing there.
        f"arn:aws:iam::333333333333:role/{ROLE_NAME}",
    ],
    ids=["other-name", "longer-name", "third-account"],
)
def test_another_role_is_refused_naming_the_file_and_the_field(role: str) -> None:
    with pytest.raises(EmrfsXacctError) as raised:
        cli.refuse_roles_not_provisioned(Path("partner.yaml"), mapped_to(role))

    assert str(raised.value).startswith(
        f"partner.yaml: security_configuration.role_mappings[0].Role: is {role!r}, a role this partner file does "
        f"not provision: apply lets the EMR EC2 role assume destination.role_name {ROLE_NAME!r} of {DESTINATION} only"
    )


def test_the_default_mapping_is_provisioned() -> None:
    """Without ``role_mappings`` the file maps its prefixes to the destination role itself."""
    partner = copy.deepcopy(PARTNER)
    assert "role_mappings" not in partner["security_configuration"]

    cli.refuse_roles_not_provisioned(Path("partner.yaml"), partner)
