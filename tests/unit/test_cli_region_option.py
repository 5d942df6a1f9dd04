"""
``--region`` takes every Region code and refuses what is none, naming the option, before any AWS call.

A Region is named by its code, "for example, us-east-1" (AWS Account Management API Reference, "Region",
``RegionName``). botocore's own check takes ``""`` (which the connections drop for the environment's Region:
a configuration made in another Region than asked) and ``US-EAST-1``.
"""

from __future__ import annotations

from pathlib import Path

import botocore.loaders
import pytest
import yaml

from airflow_provider_emrfs_xacct import cli
from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "partner.yaml"
PARTNER = yaml.safe_load(EXAMPLE.read_text())


def botocore_regions() -> list[str]:
    """Every Region of botocore's endpoints data, in every partition (not the ``aws-global`` pseudo-Regions)."""
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return sorted(region for partition in endpoints["partitions"] for region in partition["regions"])


#: Regions of each partition, written out: a botocore without one of them must not hide a refusal of it.
KNOWN = [
    "us-east-1",
    "ap-southeast-7",
    "il-central-1",
    "mx-central-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "us-isof-south-1",
    "eu-isoe-west-1",
    "eusc-de-east-1",
]


@pytest.fixture(autouse=True)
def no_aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing of this machine's AWS settings."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)


def validate(region: str) -> None:
    cli.validate_options(cli.parser().parse_args(["plan", "partner.yaml", "--region", region]), PARTNER)


@pytest.mark.parametrize("region", sorted({*KNOWN, *botocore_regions()}))
def test_every_region_is_taken(region: str) -> None:
    validate(region)


@pytest.mark.parametrize("region", ["", "US-EAST-1", "Us-East-1", "us-east-1 ", "us_east_1", "us-east"])
def test_what_is_no_region_code_is_refused_naming_the_option(region: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        validate(region)

    assert refused.value.field == "--region"
    assert str(refused.value).startswith(f"--region: is not a Region name such as us-east-1: {region!r}")
