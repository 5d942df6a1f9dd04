"""
The STS reachability check the verifier runs given the cluster's subnet.

AWS (Amazon EMR Release Guide, "Managing the default AWS Security Token Service endpoint"): releases
5.31.0 and 6.1.0 and later call the Regional STS endpoint; earlier ones the global one.
"""

from __future__ import annotations

import pytest

from airflow_provider_emrfs_xacct.pure.exceptions import InvalidParameterError
from airflow_provider_emrfs_xacct.pure.network import SubnetFacts, sts_endpoint_check, uses_regional_sts


def facts(**changes: bool) -> SubnetFacts:
    values = {
        "nat_route": False,
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": False,
    }
    values.update(changes)
    return SubnetFacts(subnet_id="subnet-0a", region="eu-west-1", **values)


@pytest.mark.parametrize(
    ("release", "regional"),
    [
        ("emr-5.30.2", False),
        ("emr-5.31.0", True),
        ("emr-5.36.2", True),
        ("emr-6.0.0", False),
        ("emr-6.0.1", False),
        ("emr-6.1.0", True),
        ("emr-6.15.0", True),
        ("emr-7.0.0", True),
        ("emr-4.9.6", False),
    ],
)
def test_release_boundaries(release: str, regional: bool) -> None:
    assert uses_regional_sts(release) is regional


def test_private_subnet_without_endpoint_or_nat_fails_with_the_fix() -> None:
    result = sts_endpoint_check("emr-6.15.0", facts())
    assert result.status == "FAIL"
    assert result.endpoint == "https://sts.eu-west-1.amazonaws.com"
    assert "com.amazonaws.eu-west-1.sts" in result.fix
    assert "NAT" in result.fix


def test_private_subnet_with_sts_interface_endpoint_passes_on_regional_releases() -> None:
    assert sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True)).status == "PASS"


def test_the_global_endpoint_of_old_releases_needs_the_internet_route() -> None:
    result = sts_endpoint_check("emr-5.30.0", facts(sts_interface_endpoint=True))
    assert result.status == "FAIL"
    assert result.endpoint == "https://sts.amazonaws.com"
    assert "no VPC endpoint" in result.fix


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"nat_route": True}, "PASS"),
        ({"internet_gateway_route": True, "public_ip_on_launch": True}, "PASS"),
        ({"internet_gateway_route": True}, "FAIL"),  # no public IP: the gateway does not help
        ({"public_ip_on_launch": True}, "FAIL"),
    ],
)
def test_routes_to_the_internet(changes: dict[str, bool], status: str) -> None:
    assert sts_endpoint_check("emr-5.30.0", facts(**changes)).status == status
    assert sts_endpoint_check("emr-7.10.0", facts(**changes)).status == status


def test_an_fs_s3_sts_endpoint_override_decides_the_endpoint() -> None:
    global_endpoint = {"fs.s3.sts.endpoint": "https://sts.amazonaws.com"}
    result = sts_endpoint_check("emr-6.15.0", facts(sts_interface_endpoint=True), global_endpoint)
    assert result.status == "FAIL"
    assert result.endpoint == "https://sts.amazonaws.com"
    regional = {"fs.s3.sts.endpoint": "https://sts.eu-west-1.amazonaws.com"}
    assert sts_endpoint_check("emr-5.30.0", facts(sts_interface_endpoint=True), regional).status == "PASS"


def test_unknown_subnet_is_a_warning() -> None:
    assert sts_endpoint_check("emr-6.15.0", None).status == "WARN"


def test_bad_release_label_names_the_field() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        sts_endpoint_check("6.15.0", facts())
    assert caught.value.field == "release_label"
