"""
The partner file's ``security_configuration.name_prefix`` is checked as ``CreateEmrfsSecurityConfigOperator``
checks it: room for ``-<12 hex digits>`` within the 256 characters the provider gives the names it makes, so 243 at
most (not the 200 of other name prefixes).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.security_config import security_configuration_name

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner.yaml"
PARTNER: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())


def with_prefix(prefix: str) -> dict[str, Any]:
    partner = copy.deepcopy(PARTNER)
    partner["security_configuration"]["name_prefix"] = prefix
    return partner


def test_the_longest_prefix_the_create_step_takes_is_taken() -> None:
    prefix = "p" * 243
    cli.validate_partner(with_prefix(prefix))

    assert len(security_configuration_name(prefix, {})) == 256  # the name the step makes: 243 + "-" + 12


def test_a_prefix_leaving_no_room_for_the_hash_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidParameterError) as refused:
        cli.validate_partner(with_prefix("p" * 244))

    assert refused.value.field == "security_configuration.name_prefix"
    assert "must be 1-243 letters" in refused.value.problem
