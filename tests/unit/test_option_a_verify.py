"""
The verifier's option (a) chain on read state: no security configuration verified, every prefix written as the EMR
EC2 role (``security_configuration_name=None``). The writes themselves are held against the stand-in's judge in
``tests/integration/test_verify_option_a.py`` and the differential study's option (a) cases.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.bucket_policy import emr_role_bucket_policy
from airflow_provider_emrfs_xacct.pure.bucket_policy import grant as bucket_policy_grant
from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.cluster import CONFIGURATION_LINK, probe_blocker
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    FAIL,
    PASS,
    S3_ROUTE,
    SESSION_POLICIES,
    STS_ACTIVATION,
    STS_ROUTE,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
)
from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState, ClusterState, RoleState, Unreadable
from airflow_provider_emrfs_xacct.pure.documents import key_users_statement
from airflow_provider_emrfs_xacct.pure.endpoint_policy import GATEWAY, EndpointPolicy
from airflow_provider_emrfs_xacct.pure.security_config import build_security_configuration, validate_role_mappings
from airflow_provider_emrfs_xacct.pure.validation import parse_s3_location
from tests.unit.test_chain import (
    ADMIN_STATEMENT,
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ROLE,
    KEY,
    PREFIX,
    ROLE,
    ROOT_STATEMENT,
    document,
)
from tests.unit.test_endpoint_policies import OWN_ACCOUNT_ONLY, private_subnet

CLUSTER = "j-OPTIONA"
WRITE = f"write files {PREFIX}"
KMS = f"use bucket key for {PREFIX}"


def option_a_state(
    *, runs: str | None = None, configuration: dict[str, Any] | Unreadable | None = None, release: str = "emr-7.5.0"
) -> ChainState:
    """What the three option (a) grants leave behind, read back, on a cluster running ``runs`` (``None``: none)."""
    location = parse_s3_location(PREFIX, "prefix")
    return ChainState(
        emr_role=RoleState(
            EMR_ROLE,
            document({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
            [("inline policy emrfs-xacct-bucket-access", emr_role_bucket_policy("aws", {location}, {KEY}))],
        ),
        security_configuration_name=None,
        security_configuration=configuration,
        destination_roles={},
        buckets={
            BUCKET: BucketState(
                account=DESTINATION_ACCOUNT,
                policy=bucket_policy_grant(None, "aws", EMR_ROLE, {location}),
                object_ownership="BucketOwnerEnforced",
                sse_algorithm="aws:kms",
                kms_key_arn=KEY,
                kms_key_id=KEY,
                region="us-east-1",
            )
        },
        key_policies={KEY: document(ROOT_STATEMENT, ADMIN_STATEMENT, key_users_statement([EMR_ROLE]))},
        release_label=release,
        cluster_configurations=[],
        prefixes_for_principal_mappings=[PREFIX],
        cluster=ClusterState(CLUSTER, runs, "EMR_EC2_DefaultRole", "EMR_EC2_DefaultRole", "WAITING"),
        account_restrict_public_buckets=False,
        account_block_public_acls=False,
    )


def statuses(state: ChainState) -> dict[str, str]:
    return {link.link: link.status for link in check_chain(state).links}


def test_the_three_grants_pass_as_the_emr_ec2_role_s_writes() -> None:
    report = check_chain(option_a_state())

    assert report.verdict == VERDICT_PASS, report.table()
    found = {link.link: link for link in report.links}
    assert found[CONFIGURATION_LINK].status == PASS
    assert found[WRITE].status == PASS
    assert found[KMS].status == PASS
    assert {link.mapping for link in report.links} == {None}
    assert {link.prefix for link in report.links if link.link in (WRITE, KMS)} == {PREFIX}
    # No role is assumed: no release, STS or session link, and the unseen list names the S3 route only.
    assert not [link.link for link in report.links if "role mappings" in link.link or "STS" in link.link]
    unseen = [item["what"] for item in report.not_checked]
    assert SESSION_POLICIES[0] not in unseen
    assert STS_ACTIVATION[0] not in unseen
    assert STS_ROUTE[0] not in unseen
    assert S3_ROUTE[0] in unseen
    assert report.table().startswith("Cross-account EMRFS chain for the EMR EC2 role (no security configuration): PASS")
    assert probe_blocker(option_a_state()) == ""


def test_a_release_before_role_mappings_is_no_failure_without_them() -> None:
    """5.9.0 does not support role mappings (checks/release.py): option (a) uses none, so its writes are judged the same."""
    assert check_chain(option_a_state(release="emr-5.9.0")).verdict == VERDICT_PASS


@pytest.mark.parametrize(
    ("missing", "link", "fix"),
    [
        ("bucket policy", WRITE, "GrantBucketAccessOperator with it in principal_arns"),
        ("key users", KMS, "GrantKmsKeyUserOperator with it in principal_arns"),
        ("EMR EC2 role's policy", WRITE, "GrantEmrRoleBucketAccessOperator (the EMR EC2 role's own policy)"),
        ("EMR EC2 role's key grant", KMS, "GrantEmrRoleBucketAccessOperator with this key in kms_key_arns"),
    ],
)
def test_each_side_of_a_cross_account_write_is_needed_and_its_fix_names_that_side(
    missing: str, link: str, fix: str
) -> None:
    """
    IAM User Guide, "Cross-account policy evaluation logic": the resource's policy and the caller's must allow. The
    fix names the operator that grants the refusing side to the EMR EC2 role: option (a) maps nothing, so neither a
    mapping nor the destination role is a way out.
    """
    state = option_a_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    assert isinstance(state.emr_role, RoleState)
    if missing == "bucket policy":
        bucket.policy = None
    elif missing == "key users":
        state.key_policies[KEY] = document(ROOT_STATEMENT, ADMIN_STATEMENT)
    elif missing == "EMR EC2 role's policy":
        state.emr_role.policies = []
    else:
        location = parse_s3_location(PREFIX, "prefix")
        state.emr_role.policies = [("inline policy b", emr_role_bucket_policy("aws", {location}, set()))]

    report = check_chain(state)

    assert report.verdict == VERDICT_FAIL
    found = {found.link: found for found in report.links}
    assert found[link].status == FAIL
    assert fix in found[link].fix
    failed = [other for other in report.links if other.status == FAIL]
    assert all(fix in other.fix for other in failed if other.link.split(" s3://")[0] != "use bucket key for"), failed
    assert not [other.fix for other in failed if "destination role" in other.fix or "map " in other.fix]


@pytest.mark.parametrize("gate", ["Requester Pays", "RestrictPublicBuckets"])
def test_a_gate_s_fix_offers_no_mapping_in_option_a(gate: str) -> None:
    """A mapping to the destination role would avoid these gates in option (b); option (a) has none to add."""
    state = option_a_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    if gate == "Requester Pays":
        bucket.payer = "Requester"
    else:
        bucket.policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
            ],
        }
        bucket.policy_is_public = True
        bucket.restrict_public_buckets = True

    link = next(link for link in check_chain(state).links if link.link == WRITE)

    assert link.status == FAIL
    assert gate.split()[0] in link.fix or "x-amz-request-payer" in link.fix
    assert "destination role" not in link.fix


def test_a_cluster_whose_configuration_maps_roles_fails_and_blocks_the_probe() -> None:
    mapped = build_security_configuration(
        validate_role_mappings([{"Role": ROLE, "IdentifierType": "Prefix", "Identifiers": [PREFIX]}])
    )
    state = option_a_state(runs="with-mappings", configuration=mapped)

    link = next(link for link in check_chain(state).links if link.link == CONFIGURATION_LINK)

    assert link.status == FAIL
    assert "with-mappings" in link.detail
    assert link.fix.startswith("verify it with security_configuration='with-mappings'")
    assert f"mapping 0 (Prefix {PREFIX.rstrip('/')} -> {ROLE})" in link.detail
    assert "with-mappings" in probe_blocker(state)


def test_a_cluster_whose_configuration_was_not_read_is_not_checked() -> None:
    state = option_a_state(runs="unread", configuration=Unreadable("elasticmapreduce:DescribeSecurityConfiguration"))

    report = check_chain(state)

    assert report.verdict == VERDICT_NOT_CHECKED
    found = statuses(state)
    assert found[CONFIGURATION_LINK] == UNKNOWN
    assert found["security configuration readable"] == UNKNOWN
    assert probe_blocker(state) != ""


def test_a_configuration_without_mappings_passes_and_its_bypass_is_judged() -> None:
    """Runtime roles take step writes away from the instance profile too (Amazon EMR Management Guide)."""
    runtime_roles = {"AuthorizationConfiguration": {"IAMConfiguration": {"EnableApplicationScopedIAMRole": True}}}
    state = option_a_state(runs="runtime-roles", configuration=runtime_roles)

    report = check_chain(state)

    found = {link.link: link for link in report.links}
    assert found[CONFIGURATION_LINK].status == PASS
    assert "has no EMRFS role mappings" in found[CONFIGURATION_LINK].detail
    assert any("EnableApplicationScopedIAMRole" in link.detail for link in report.links if link.status != PASS)
    assert "role mappings" not in found


ABORT = f"abort pending uploads {PREFIX}"


def _granted_by_the_acl_only(*, endpoint: bool) -> ChainState:
    """
    Option (a) with no bucket policy and a bucket ACL granting FULL_CONTROL to a canonical ID the verifier does not map
    to an account (it may be the EMR EC2 role's); with ``endpoint``, an S3 gateway endpoint that lets by the own
    account's buckets only.
    """
    state = option_a_state()
    bucket = state.buckets[BUCKET]
    assert isinstance(bucket, BucketState)
    bucket.policy = None
    bucket.object_ownership = "ObjectWriter"
    bucket.acl_grants = (("id=abc", "FULL_CONTROL"),)
    if endpoint:
        state.subnet = private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),))
    return state


def test_a_bucket_acl_does_not_lift_the_gateway_endpoint_s_refusal() -> None:
    """
    AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint policies": an endpoint policy "does not
    override or replace identity-based policies or resource-based policies". The ACL may grant what the bucket policy
    does not; the request still needs the endpoint's Allow, which it lacks: refused for certain, naming the endpoint.
    """
    link = {link.link: link for link in check_chain(_granted_by_the_acl_only(endpoint=True)).links}[ABORT]

    assert link.status == FAIL, link
    assert "vpce-s3" in link.detail
    assert "bucket ACL" not in link.detail


def test_without_the_endpoint_the_acl_still_leaves_the_request_not_checked() -> None:
    link = {link.link: link for link in check_chain(_granted_by_the_acl_only(endpoint=False)).links}[ABORT]

    assert link.status == UNKNOWN, link
    assert "depends on the bucket ACL, which grants FULL_CONTROL to id=abc" in link.detail
