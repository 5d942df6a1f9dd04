"""
Which STS endpoint an endpoint setting names, where the verifier cannot know it: not checked, naming the setting.

AWS shows ``fs.s3.sts.endpoint`` only as ``https://sts.amazonaws.com`` (Amazon EMR Release Guide, "Managing the default
AWS Security Token Service endpoint"): whether EMRFS trims white space around it (Hadoop's ``getTrimmed``, or ``get``,
which keeps it), and what the AWS SDK for Java makes of a path, another port or another scheme, is not documented. S3A
reads ``fs.s3a.assumed.role.sts.endpoint`` with ``getTrimmed`` (Apache Hadoop, ``AssumedRoleCredentialProvider``), the
``emrfs-site`` value EMR translates to it too: white space around it stays trimmed there.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import FAIL, PASS, UNKNOWN
from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy
from airflow_provider_emrfs_xacct.pure.network import (
    NOT_CHECKED,
    cluster_sts_check,
    sts_endpoint_check,
    sts_endpoints_in_path,
)
from tests.unit.test_chain import ASSUME, BUCKET, by_name, healthy_state
from tests.unit.test_chain_audit_fixes import s3a_cluster
from tests.unit.test_endpoint_policies import ASSUME_ONLY_OWN_ROLES, INTERFACE, private_subnet, with_subnet
from tests.unit.test_network import facts

REGIONAL = "sts.eu-west-1.amazonaws.com"
UNKNOWN_FORMS = [
    f" {REGIONAL} ",
    f"https://{REGIONAL}\n",
    f"\t{REGIONAL}",
    f"https://{REGIONAL}/some/path",
    f"{REGIONAL}//",
    f"ftp://{REGIONAL}",
    f"https://{REGIONAL}:8443",
    f"https://user@{REGIONAL}",
    f"{REGIONAL}?x=1",
]
KNOWN_FORMS = [REGIONAL, f"https://{REGIONAL}", f"https://{REGIONAL}:443/", f"HTTPS://{REGIONAL.upper()}/"]


def emrfs_site(value: str) -> list[dict[str, Any]]:
    return [{"Classification": "emrfs-site", "Properties": {"fs.s3.sts.endpoint": value}}]


@pytest.mark.parametrize("value", UNKNOWN_FORMS)
@pytest.mark.parametrize("changes", [{"sts_interface_endpoint": True}, {"nat_route": True}, {}])
def test_an_emrfs_sts_endpoint_not_read_as_a_host_is_not_checked_naming_the_setting(
    value: str, changes: dict[str, bool]
) -> None:
    """It used to be read as the Regional endpoint (trimmed, the path dropped): a PASS, or a FAIL with no way."""
    result = cluster_sts_check("emr-6.15.0", facts(**changes), emrfs_site(value))
    assert result.status == NOT_CHECKED, result
    assert f"emrfs-site fs.s3.sts.endpoint={value!r}" in result.detail
    assert result.fix.startswith(f"write the endpoint as {REGIONAL}")


@pytest.mark.parametrize("value", KNOWN_FORMS)
def test_an_emrfs_sts_endpoint_written_as_a_host_is_judged_as_before(value: str) -> None:
    assert cluster_sts_check("emr-6.15.0", facts(sts_interface_endpoint=True), emrfs_site(value)).status == "PASS"
    assert cluster_sts_check("emr-6.15.0", facts(), emrfs_site(value)).status == "FAIL"


@pytest.mark.parametrize(
    ("configurations", "setting"),
    [
        (
            [{"Classification": "core-site", "Properties": {"fs.s3a.assumed.role.sts.endpoint": "VALUE"}}],
            "core-site fs.s3a.assumed.role.sts.endpoint",
        ),
        (emrfs_site("VALUE"), "emrfs-site fs.s3.sts.endpoint (translated for S3A)"),
    ],
)
def test_s3a_trims_its_sts_endpoint_but_a_path_is_not_known(configurations: Any, setting: str) -> None:
    """S3A reads the setting with getTrimmed: ASCII white space around it changes nothing; a path stays unknown."""

    def check(value: str) -> Any:
        with_value = [{**item, "Properties": {key: value for key in item["Properties"]}} for item in configurations]
        return cluster_sts_check("emr-7.10.0", facts(sts_interface_endpoint=True), with_value)

    assert check(f" https://{REGIONAL}\n").status == "PASS"
    path = check(f"https://{REGIONAL}/some/path")
    assert path.status == NOT_CHECKED
    assert f"{setting}='https://{REGIONAL}/some/path' names the path /some/path" in path.detail
    # Java's trim keeps a no-break space.
    assert check(f"{REGIONAL}\u00a0").status == NOT_CHECKED


def test_http_stays_a_fail_but_padded_it_is_not_known() -> None:
    """STS takes HTTPS only (IAM User Guide, "Calling the IAM API using HTTP query requests")."""
    assert (
        sts_endpoint_check("emr-6.15.0", facts(nat_route=True), {"fs.s3.sts.endpoint": f"http://{REGIONAL}"}).status
        == "FAIL"
    )
    padded = sts_endpoint_check("emr-6.15.0", facts(nat_route=True), {"fs.s3.sts.endpoint": f" http://{REGIONAL}"})
    assert padded.status == NOT_CHECKED
    assert "has white space around it" in padded.detail


@pytest.mark.parametrize("value", [f" {REGIONAL.replace('eu-west-1', 'us-east-1')}", "sts.us-east-1.amazonaws.com/x"])
def test_a_refusing_sts_endpoint_policy_is_not_a_fail_where_the_endpoint_is_not_known(value: str) -> None:
    """
    The STS interface endpoint's policy refuses the AssumeRole; whether the request passes it at all depends on which
    endpoint the setting names: not checked, where the setting written as a host FAILs.
    """
    subnet = private_subnet(
        nat_route=True, sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, ASSUME_ONLY_OWN_ROLES),)
    )
    assert sts_endpoints_in_path(subnet, value) is None
    state = with_subnet(subnet)
    state.sts_reachability = sts_endpoint_check("emr-6.15.0", subnet, {"fs.s3.sts.endpoint": value})
    assert by_name(check_chain(state))[ASSUME].status == UNKNOWN
    state.sts_reachability = sts_endpoint_check(
        "emr-6.15.0", subnet, {"fs.s3.sts.endpoint": "sts.us-east-1.amazonaws.com"}
    )
    assert by_name(check_chain(state))[ASSUME].status == FAIL


def test_an_emrfs_buckets_own_sts_endpoint_differing_by_white_space_is_not_checked() -> None:
    """Whether EMRFS trims either is not documented: the two are compared as written (they were trimmed first)."""
    from airflow_provider_emrfs_xacct.pure.network import StsReachability

    regional = f"https://{REGIONAL}"
    own = {"fs.s3.sts.endpoint": regional, f"fs.s3.bucket.{BUCKET}.sts.endpoint": f" {regional}"}
    state = s3a_cluster(healthy_state(), **{"emrfs-site": own})
    state.release_label = "emr-6.15.0"
    state.sts_reachability = StsReachability("PASS", regional, "through its endpoint")
    links = [link for link in check_chain(state).links if link.link == "cluster reaches STS"]
    assert [link.status for link in links] == [PASS, UNKNOWN], links
