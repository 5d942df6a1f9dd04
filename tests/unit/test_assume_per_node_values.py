"""
A passing live probe does not settle the assume link on what each node of the cluster has its own.

The probe's step runs on the primary node only ("Steps run only on the master node": AWS CLI Command Reference, "emr
add-steps"; "which runs only on the master node": AWS CloudFormation, AWS::EMR::Step), while EMRFS on every core and
task node assumes the destination role with that node's own instance-profile session, from that node's address: for
a role assigned to an EC2 instance ``aws:userid`` is "role-id:ec2-instance-id", and ``aws:SourceIp``,
``aws:VpcSourceIp``, ``aws:Ec2InstanceSourcePrivateIPv4`` and ``ec2:SourceInstanceARN`` are the requesting
instance's (IAM User Guide, "AWS global condition context keys"; Amazon EC2 User Guide, "IAM roles for Amazon EC2").
So where the link is not checked on one of them, or on a principal naming one session of the EMR EC2 role, the
primary node's answer is not the other nodes'. The VPC, its endpoints and the organization are the same on every
node: a condition on them is still settled by the probe.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    PROBE_FIX,
    UNKNOWN,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    Report,
    verdict_with_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.per_node import per_node_part
from airflow_provider_emrfs_xacct.pure.checks.state import ChainState, RoleState
from airflow_provider_emrfs_xacct.pure.endpoint_policy import INTERFACE, EndpointPolicy
from tests.unit.test_chain import ASSUME, EMR_ACCOUNT, EMR_ROLE, KMS, PREFIX, ROLE, WRITE, by_name, healthy_state
from tests.unit.test_endpoint_policies import private_subnet, with_subnet
from tests.unit.test_write_per_node_values import bucket_denies_puts, key_denies_data_keys, link_and_verdict

#: A probe that passed, having written under the mapping's prefix through mapping 0 (``probe.routes``).
PASSED: dict[str, Any] = {"ok": True, "problems": [], "routes": {f"{PREFIX}_emrfs_xacct_probe/x": 0}}
SESSION = f"arn:aws:sts::{EMR_ACCOUNT}:assumed-role/EMR_EC2_DefaultRole/i-0123456789abcdef0"
INSTANCE = f"arn:aws:ec2:us-east-1:{EMR_ACCOUNT}:instance/i-0123456789abcdef0"

PER_NODE_CONDITIONS = {
    "source-ip": {"IpAddress": {"aws:SourceIp": "203.0.113.10/32"}},
    "source-instance-arn": {"ArnEquals": {"ec2:SourceInstanceARN": INSTANCE}},
    "instance-private-ip": {"IpAddress": {"aws:Ec2InstanceSourcePrivateIPv4": "10.0.0.10/32"}},
    "vpc-source-ip": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.10/32"}},
    "userid": {"StringLike": {"aws:userid": "AROAEXAMPLE:i-0123456789abcdef0"}},
    # The first key the evaluator cannot know is the endpoint's, the same on every node; the address is not.
    "vpce-and-source-ip": {
        "StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"},
        "IpAddress": {"aws:SourceIp": "203.0.113.10/32"},
    },
    "userid-variable": {"StringEquals": {"aws:PrincipalTag/team": "${aws:userid}"}},
}
ALIKE_ON_EVERY_NODE = {
    "source-vpce": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
    "source-vpc": {"StringEquals": {"aws:SourceVpc": "vpc-0123456789abcdef0"}},
    "principal-org": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}},
}


def trusting(state: ChainState, **changes: Any) -> ChainState:
    """``state`` with the provider's trust statement changed (a ``Condition`` added, its ``Principal`` replaced)."""
    role = state.destination_roles[ROLE]
    assert isinstance(role, RoleState)
    trust = copy.deepcopy(role.trust_policy)
    trust["Statement"][0].update(changes)
    role.trust_policy = trust
    return state


def assume_link_and_verdict(state: ChainState) -> tuple[Any, tuple[str, bool]]:
    report: Report = check_chain(state)
    return by_name(report)[ASSUME], verdict_with_probe(report.to_dict()["links"], PASSED)


def assert_not_settled(link: Any, verdict: tuple[str, bool]) -> None:
    assert link.status == UNKNOWN, link
    assert link.probe_settles is False
    assert "primary node only" in link.detail
    assert "primary node only" in link.fix
    assert PROBE_FIX not in link.fix  # the probe is not offered as the way to settle it
    assert verdict == (VERDICT_NOT_CHECKED, True)  # it used to be PASS


@pytest.mark.parametrize("condition", PER_NODE_CONDITIONS.values(), ids=PER_NODE_CONDITIONS.keys())
def test_a_trust_condition_on_a_per_node_value_is_not_settled_by_the_probe(condition: dict[str, Any]) -> None:
    link, verdict = assume_link_and_verdict(trusting(healthy_state(), Condition=condition))

    assert_not_settled(link, verdict)
    assert "trust policy: Sid EmrfsXacctTrustEmrRoles" in link.detail


def test_a_trust_principal_naming_an_instance_session_of_the_emr_role_is_not_settled_by_the_probe() -> None:
    """The instance profile's session is each instance's own: one named is one node's at most."""
    link, verdict = assume_link_and_verdict(trusting(healthy_state(), Principal={"AWS": [SESSION]}))

    assert_not_settled(link, verdict)
    assert "a principal naming a session of" in link.detail


def test_a_deny_on_the_source_ip_in_the_emr_roles_own_policy_is_not_settled_by_the_probe() -> None:
    """A data-perimeter Deny on the caller's address: the primary node may be inside the range and a core node not."""
    state = healthy_state()
    emr_role = state.emr_role
    assert isinstance(emr_role, RoleState)
    guard = {
        "Sid": "OnlyFromOffice",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    }
    emr_role.policies.append(("inline policy ip-guard", {"Version": "2012-10-17", "Statement": [guard]}))

    link, verdict = assume_link_and_verdict(state)

    assert_not_settled(link, verdict)
    assert "inline policy ip-guard: Sid OnlyFromOffice (a condition on aws:SourceIp)" in link.detail


def test_an_sts_endpoint_policy_on_the_callers_address_is_not_settled_by_the_probe() -> None:
    """The STS interface endpoint's policy judges every node's AssumeRole with that node's own address."""
    by_address = {
        "Statement": [
            {
                "Sid": "FromTheClusterSubnet",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.1.0/28"}},
            }
        ]
    }
    facts = private_subnet(nat_route=True, sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, by_address),))

    link, verdict = assume_link_and_verdict(with_subnet(facts))

    assert_not_settled(link, verdict)
    assert "vpce-sts: Sid FromTheClusterSubnet" in link.detail


@pytest.mark.parametrize("condition", ALIKE_ON_EVERY_NODE.values(), ids=ALIKE_ON_EVERY_NODE.keys())
def test_a_trust_condition_alike_on_every_node_is_still_settled_by_the_probe(condition: dict[str, Any]) -> None:
    link, verdict = assume_link_and_verdict(trusting(healthy_state(), Condition=condition))

    assert link.status == UNKNOWN, link
    assert link.probe_settles is True
    assert link.fix == PROBE_FIX
    assert verdict == (VERDICT_PASS, True)


def test_a_per_node_statement_that_cannot_apply_leaves_the_probe_settling_the_link() -> None:
    """A Deny on the address for S3 only never applies to sts:AssumeRole: the doubt is the endpoint's alone."""
    state = trusting(healthy_state(), Condition=ALIKE_ON_EVERY_NODE["source-vpce"])
    emr_role = state.emr_role
    assert isinstance(emr_role, RoleState)
    s3_only = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    }
    emr_role.policies.append(("inline policy s3-ip-guard", {"Version": "2012-10-17", "Statement": [s3_only]}))

    link, verdict = assume_link_and_verdict(state)

    assert (link.status, link.probe_settles) == (UNKNOWN, True)
    assert verdict == (VERDICT_PASS, True)


@pytest.mark.parametrize(
    ("statement", "part"),
    [
        ({"Condition": {"IpAddressIfExists": {"AWS:SOURCEIP": "203.0.113.10/32"}}}, "a condition on AWS:SOURCEIP"),
        ({"Resource": "arn:aws:s3:::b/${aws:userid}/*"}, "the policy variable ${aws:userid}"),
        ({"Principal": {"AWS": SESSION.replace("EMR_EC2_DefaultRole", "emr_ec2_defaultrole")}}, "a principal naming"),
        ({"Principal": {"AWS": EMR_ROLE}, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}, ""),
        ({"Principal": {"AWS": f"arn:aws:sts::{EMR_ACCOUNT}:assumed-role/other-role/i-1"}}, ""),
    ],
    ids=["key-any-case", "policy-variable", "session-any-case", "role-and-vpc", "another-roles-session"],
)
def test_what_of_a_statement_each_node_has_its_own(statement: dict[str, Any], part: str) -> None:
    found = per_node_part(statement, EMR_ROLE)

    assert found.startswith(part) if part else found == ""


# --- What EMRFS sends when it assumes the role: its session's name and source identity ------------------------------

#: Conditions on the session EMRFS asks for, which AWS does not document for EMRFS: the ``RoleSessionName`` and
#: ``SourceIdentity`` of each node's ``AssumeRole`` ("Use the role session name to uniquely identify a session when
#: the same role is assumed by different principals or for different reasons": AWS STS API Reference, "AssumeRole";
#: IAM User Guide, "Available keys for AWS STS"), EMRFS assuming the role for the Hadoop user or group of the request
#: (Amazon EMR Management Guide, "Configure IAM roles for EMRFS requests to Amazon S3"). The probe's, the primary
#: node's ``hadoop fs`` step's, is not known to be a job's on a core or task node. Before, such a trust condition was
#: settled by a passing probe (PASS), while the same test on ``aws:userid`` stayed not checked.
SESSION_CONDITIONS = {
    "role-session-name": {"StringLike": {"sts:RoleSessionName": "i-0abc*"}},
    "role-session-name-any-case": {"StringEquals": {"STS:ROLESESSIONNAME": "i-0123456789abcdef0"}},
    "sts-source-identity": {"StringEquals": {"sts:SourceIdentity": "hadoop"}},
    "aws-source-identity": {"StringEquals": {"aws:SourceIdentity": "hadoop"}},
}


@pytest.mark.parametrize("condition", SESSION_CONDITIONS.values(), ids=SESSION_CONDITIONS.keys())
def test_a_trust_condition_on_the_session_emrfs_asks_for_is_not_settled_by_the_probe(
    condition: dict[str, Any],
) -> None:
    link, verdict = assume_link_and_verdict(trusting(healthy_state(), Condition=condition))

    assert_not_settled(link, verdict)
    [key] = next(iter(condition.values()))
    assert f"trust policy: Sid EmrfsXacctTrustEmrRoles (a condition on {key})" in link.detail
    assert "a session's name or source identity" in link.fix


def test_a_role_session_name_test_is_not_settled_like_the_same_test_on_aws_userid() -> None:
    """``sts:RoleSessionName`` ``i-0abc*`` and ``aws:userid`` ``*:i-0abc*`` test the same thing: neither is settled."""
    for condition in (
        {"StringLike": {"sts:RoleSessionName": "i-0abc*"}},
        {"StringLike": {"aws:userid": "*:i-0abc*"}},
    ):
        link, verdict = assume_link_and_verdict(trusting(healthy_state(), Condition=condition))

        assert (link.status, link.probe_settles) == (UNKNOWN, False)
        assert verdict == (VERDICT_NOT_CHECKED, True)


@pytest.mark.parametrize("key", ["aws:SourceIdentity", "sts:SourceIdentity", "sts:RoleSessionName"])
def test_a_bucket_or_key_policy_deny_on_the_session_emrfs_asks_for_is_not_settled_by_the_probe(key: str) -> None:
    """The destination role's session carries its source identity on every request (IAM User Guide, "Monitor and
    control actions taken with assumed roles"): a Deny on it in the bucket or key policy is each node's own doubt."""
    condition = {"StringNotEquals": {key: "hadoop"}}
    bucket_link, bucket_verdict = link_and_verdict(bucket_denies_puts(healthy_state(), condition), WRITE)
    key_link, key_verdict = link_and_verdict(key_denies_data_keys(healthy_state(), condition), KMS)

    if key != "aws:SourceIdentity":
        # The AssumeRole keys are not in an S3 or KMS request: such a Deny never applies there.
        assert bucket_verdict == key_verdict == (VERDICT_PASS, True)
        return
    for link, verdict in ((bucket_link, bucket_verdict), (key_link, key_verdict)):
        assert link["status"] == UNKNOWN, link
        assert link["probe_settles"] is False
        assert f"(a condition on {key})" in link["detail"]
        assert verdict == (VERDICT_NOT_CHECKED, True)  # it used to be PASS
