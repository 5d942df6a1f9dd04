"""
A passing live probe does not settle the write and key links on what each node of the cluster has its own.

The probe's step runs on the primary node only ("Steps run only on the master node": AWS CLI Command Reference, "emr
add-steps"), while a job's writes come from every core and task node, each with its own session (of its instance
profile; under a role mapping, of the destination role it assumes) from its own address: ``aws:SourceIp`` is the
requester's (IAM User Guide, "AWS global condition context keys"), and S3's calls to KMS keep it ("the original
requester's IP address is preserved": IAM User Guide, "AWS: Denies access to AWS based on the source IP"). A statement
of the bucket policy or the key policy on the address may let the primary node by and refuse a core node. A condition
on the VPC endpoint, the same on every node, is still settled by the probe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.documents import key_users_statement
from tests.unit.test_chain import (
    BUCKET,
    KEY,
    KMS,
    PREFIX,
    ROOT_STATEMENT,
    WRITE,
    document,
    healthy_state,
)
from tests.unit.test_chain import ROLE as DESTINATION_ROLE
from tests.unit.test_option_a_verify import option_a_state

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import ChainState

#: A probe that passed, having written under the mapping's prefix through mapping 0 (``probe.routes``).
PASSED: dict[str, Any] = {"ok": True, "problems": [], "routes": {f"{PREFIX}_emrfs_xacct_probe/x": 0}}

BY_ADDRESS = {
    "not-from-the-address": {"NotIpAddress": {"aws:SourceIp": "203.0.113.10/32"}},
    "from-the-address": {"IpAddress": {"aws:SourceIp": "203.0.113.10/32"}},
    "not-from-the-vpc-address": {"NotIpAddress": {"aws:VpcSourceIp": "10.0.1.0/28"}},
}
BY_ENDPOINT = {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}


def bucket_denies_puts(state: ChainState, condition: dict[str, Any]) -> ChainState:
    """The bucket policy denies the uploads on ``condition`` (option (b): they go as the destination role)."""
    state.buckets[BUCKET].policy = document(  # type: ignore[union-attr]
        {
            "Sid": "UploadsByAddress",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": condition,
        }
    )
    return state


def key_denies_data_keys(state: ChainState, condition: dict[str, Any]) -> ChainState:
    """The key policy denies S3's data keys on ``condition``."""
    deny = {
        "Sid": "DataKeysByAddress",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:GenerateDataKey*",
        "Resource": "*",
        "Condition": condition,
    }
    state.key_policies[KEY] = document(ROOT_STATEMENT, key_users_statement([DESTINATION_ROLE]), deny)
    return state


def link_and_verdict(state: ChainState, name: str) -> tuple[dict[str, Any], tuple[str, bool]]:
    links = [link.to_dict() for link in check_chain(state).links]
    return by_name_dict(links)[name], verdict_with_probe(links, PASSED)


def by_name_dict(links: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {link["link"]: link for link in links}


def assert_not_settled(link: dict[str, Any], verdict: tuple[str, bool], statement: str) -> None:
    assert link["status"] == UNKNOWN, link
    assert link["probe_settles"] is False
    assert f"{statement} (a condition on aws:" in link["detail"]
    assert "primary node only" in link["detail"]
    assert "primary node only" in link["fix"]
    assert verdict == (VERDICT_NOT_CHECKED, True)  # it used to be PASS


@pytest.mark.parametrize("condition", BY_ADDRESS.values(), ids=BY_ADDRESS.keys())
def test_a_bucket_policy_statement_on_the_address_leaves_the_upload_not_settled(condition: dict[str, Any]) -> None:
    link, verdict = link_and_verdict(bucket_denies_puts(healthy_state(), condition), WRITE)

    assert_not_settled(link, verdict, "bucket policy: Sid UploadsByAddress")


def test_a_bucket_policy_statement_on_the_vpc_endpoint_is_still_settled_by_the_probe() -> None:
    link, verdict = link_and_verdict(bucket_denies_puts(healthy_state(), BY_ENDPOINT), WRITE)

    assert (link["status"], link["probe_settles"]) == (UNKNOWN, True)
    assert "primary node" not in link["detail"]
    assert verdict == (VERDICT_PASS, True)


def test_a_bucket_policy_statement_on_the_address_leaves_option_a_uploads_not_settled() -> None:
    """Option (a): no mapping, the uploads go as the EMR EC2 role's instance-profile session, each node's own."""
    state = option_a_state()
    statements = state.buckets[BUCKET].policy["Statement"]  # type: ignore[union-attr]
    bucket_denies_puts(state, BY_ADDRESS["not-from-the-address"])
    state.buckets[BUCKET].policy["Statement"][:0] = statements  # type: ignore[union-attr]
    links = [link.to_dict() for link in check_chain(state).links]
    link = by_name_dict(links)[WRITE]
    probe = {"ok": True, "routes": {f"{PREFIX}_emrfs_xacct_probe/x": None}}

    assert_not_settled(link, verdict_with_probe(links, probe), "bucket policy: Sid UploadsByAddress")
    assert "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole" in link["detail"]


@pytest.mark.parametrize("condition", BY_ADDRESS.values(), ids=BY_ADDRESS.keys())
def test_a_key_policy_statement_on_the_address_leaves_the_key_link_not_settled(condition: dict[str, Any]) -> None:
    link, verdict = link_and_verdict(key_denies_data_keys(healthy_state(), condition), KMS)

    assert_not_settled(link, verdict, "key policy: Sid DataKeysByAddress")


def test_a_key_policy_statement_on_the_vpc_endpoint_is_still_settled_by_the_probe() -> None:
    link, verdict = link_and_verdict(key_denies_data_keys(healthy_state(), BY_ENDPOINT), KMS)

    assert (link["status"], link["probe_settles"]) == (UNKNOWN, True)
    assert verdict == (VERDICT_PASS, True)
