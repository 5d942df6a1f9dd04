"""
VPC endpoint policies on the cluster's path: the S3 gateway endpoint of the cluster's Region on the subnet's route
table, and the STS interface endpoint with private DNS.

AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint policies": an endpoint policy controls "which
AWS principals can use the endpoint to access an AWS service" and "does not override or replace identity-based
policies or resource-based policies"; the default policy is full access. "Principals for gateway endpoints": a
``Principal`` naming an account grants only its root user. Amazon VPC User Guide, "How route priority works": the
most specific route wins, so S3 of the cluster's Region goes through the gateway endpoint even beside a NAT route.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.pure.checks.chain import check_chain
from airflow_provider_emrfs_xacct.pure.checks.findings import (
    COVERED_BY_PROBE,
    ENDPOINT_POLICIES,
    ENDPOINT_POLICIES_NOT_JUDGED,
    ENDPOINT_POLICIES_OF_THE_OWNER,
    FAIL,
    NOT_THE_MULTIPART_REQUESTS,
    PASS,
    UNKNOWN,
    VERDICT_FAIL,
    VERDICT_NOT_CHECKED,
    VERDICT_PASS,
    covered_by_probe,
)
from airflow_provider_emrfs_xacct.pure.checks.state import Unreadable
from airflow_provider_emrfs_xacct.pure.endpoint_policy import (
    GATEWAY,
    INTERFACE,
    EndpointPolicy,
    endpoint_decision,
    through_endpoint,
)
from airflow_provider_emrfs_xacct.pure.evaluator import UNDETERMINED, Decision, Request
from airflow_provider_emrfs_xacct.pure.network import (
    SubnetFacts,
    cluster_sts_check,
    s3_endpoints_in_path,
    sts_endpoint_check,
)
from airflow_provider_emrfs_xacct.pure.requests import STEPS
from tests.unit.test_chain import (
    ASSUME,
    BUCKET,
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    OPEN_STS_ENDPOINT,
    PREFIX,
    ROLE,
    by_name,
    healthy_state,
)
from tests.unit.test_chain_audit_fixes import bucket_of, with_canned_acl

FULL_ACCESS = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
#: A data perimeter: only the own organization's buckets (AWS, "Data perimeters on AWS", resource perimeter).
OWN_ORG_ONLY = {
    "Statement": [
        {
            "Sid": "OwnOrgResources",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-own"}},
        }
    ]
}
OWN_ACCOUNT_ONLY = {
    "Statement": [
        {
            "Sid": "OwnBuckets",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"s3:ResourceAccount": EMR_ACCOUNT}},
        }
    ]
}
DENY_PUT = {
    "Statement": [
        FULL_ACCESS["Statement"][0],
        {"Sid": "NoUploads", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"},
    ]
}
PARTNER_BUCKET_ALLOWED = {
    "Statement": [
        {
            "Sid": "PartnerBucket",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        }
    ]
}
WRITE_STEPS = [f"{step} {PREFIX}" for step in STEPS]


def request(**changes: Any) -> Request:
    values: dict[str, Any] = {
        "action": "s3:PutObject",
        "resource": f"arn:aws:s3:::{BUCKET}/exports/part-00000",
        "principal": ROLE,
        "context": {"aws:PrincipalArn": ROLE, "s3:ResourceAccount": DESTINATION_ACCOUNT},
        "known_absent": frozenset({"aws:PrincipalTag/"}),
    }
    return Request(**{**values, **changes})


@pytest.mark.parametrize(
    ("endpoint_type", "document", "outcome"),
    [
        (GATEWAY, FULL_ACCESS, "allowed"),
        (GATEWAY, PARTNER_BUCKET_ALLOWED, "allowed"),
        (GATEWAY, OWN_ACCOUNT_ONLY, "not allowed by any statement of the VPC endpoint policy of vpce-0a"),
        (GATEWAY, DENY_PUT, "explicitly denied by the VPC endpoint policy of vpce-0a"),
        (GATEWAY, OWN_ORG_ONLY, "undetermined"),  # the partner's organization is not known here
        (GATEWAY, None, "undetermined"),  # no policy in the answer: not a pass
        # A gateway endpoint's Principal naming an account grants only its root user.
        (
            GATEWAY,
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": DESTINATION_ACCOUNT}, "Action": "*", "Resource": "*"}
                ]
            },
            "not allowed by any statement of the VPC endpoint policy of vpce-0a",
        ),
        # One naming the role itself: AWS converts it to a unique id and says to use aws:PrincipalArn: not checked.
        (
            GATEWAY,
            {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "*", "Resource": "*"}]},
            "undetermined",
        ),
        (
            GATEWAY,
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalArn": ROLE}},
                    }
                ]
            },
            "allowed",
        ),
        (
            INTERFACE,
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": DESTINATION_ACCOUNT}, "Action": "*", "Resource": "*"}
                ]
            },
            "undetermined",
        ),
        # Naming another account only: no grant to the caller's, whatever an interface endpoint makes of accounts.
        (
            INTERFACE,
            {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "*", "Resource": "*"}]},
            "not allowed by any statement of the VPC endpoint policy of vpce-0a",
        ),
        # IAM User Guide, "AWS JSON policy elements: Principal", "All principals": "Principal": "*" and
        # "Principal": {"AWS": "*"} are equivalent: everyone, as the gateway endpoint guide's examples grant.
        (
            GATEWAY,
            {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*"}]},
            "allowed",
        ),
        # A Deny naming particular principals at a gateway endpoint: the page says a named account there means its
        # root user only and a named ARN is converted to a unique id, so whom the Deny reaches is not known.
        (
            GATEWAY,
            {
                "Statement": [
                    FULL_ACCESS["Statement"][0],
                    {"Effect": "Deny", "Principal": {"AWS": DESTINATION_ACCOUNT}, "Action": "*", "Resource": "*"},
                ]
            },
            "undetermined",
        ),
        (
            GATEWAY,
            {
                "Statement": [
                    FULL_ACCESS["Statement"][0],
                    {"Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "*", "Resource": "*"},
                ]
            },
            "undetermined",
        ),
        (
            INTERFACE,
            {
                "Statement": [
                    FULL_ACCESS["Statement"][0],
                    {"Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "*", "Resource": "*"},
                ]
            },
            "explicitly denied by the VPC endpoint policy of vpce-0a",
        ),
    ],
    ids=[
        "default-full-access",
        "partner-bucket-allowed",
        "own-account-only",
        "explicit-deny",
        "resource-org-id-unknown",
        "no-policy-read",
        "gateway-account-principal-is-root-only",
        "gateway-role-principal",
        "gateway-principal-arn-condition",
        "interface-account-principal",
        "interface-other-account-principal",
        "gateway-aws-star-is-everyone",
        "gateway-deny-naming-the-account",
        "gateway-deny-naming-the-role",
        "interface-deny-naming-the-role",
    ],
)
def test_endpoint_decision(endpoint_type: str, document: Any, outcome: str) -> None:
    decision = endpoint_decision(EndpointPolicy("vpce-0a", endpoint_type, document), request())

    assert decision.reason == outcome
    assert decision.allowed is (outcome == "allowed")
    assert decision.source == "VPC endpoint policy of vpce-0a"


def test_the_endpoint_types_are_spelled_as_describe_vpc_endpoints_answers_them() -> None:
    """
    The hook builds :class:`EndpointPolicy` from ``VpcEndpointType`` as AWS answers it (Amazon EC2 API Reference,
    "VpcEndpoint"); the judge is botocore's EC2 service model, not this module.
    """
    import botocore.session

    shape = botocore.session.get_session().get_service_model("ec2").shape_for("VpcEndpointType")

    assert {GATEWAY, INTERFACE} <= set(shape.enum)


def test_an_endpoint_s_explicit_deny_decides_over_the_policies_doubt() -> None:
    """
    The endpoint policy "does not override or replace identity-based policies or resource-based policies" (AWS
    PrivateLink Guide, "Control access to VPC endpoints using endpoint policies"), and an explicit deny in any policy
    overrides any allow (IAM User Guide, "Policy evaluation logic"): a request the endpoint denies fails whatever an
    unknown condition of the other policies would have said, so the report names the Deny, not the doubt.
    """
    denied = endpoint_decision(EndpointPolicy("vpce-0a", GATEWAY, DENY_PUT), request())
    doubt = Decision(False, UNDETERMINED, {"Sid": "Org"}, "bucket policy", "aws:PrincipalOrgID")

    decision = through_endpoint(doubt, denied)

    assert decision is denied
    assert decision.reason == "explicitly denied by the VPC endpoint policy of vpce-0a"
    assert (decision.statement or {}).get("Sid") == "NoUploads"


def test_when_both_sides_refuse_the_explicit_deny_is_named() -> None:
    """
    An explicit deny overrides any allow (IAM User Guide, "Policy evaluation logic"): where the policies grant nothing
    and the endpoint denies, or the other way round, the report names the Deny, which no added Allow can undo.
    """
    denied = endpoint_decision(EndpointPolicy("vpce-0a", GATEWAY, DENY_PUT), request())
    not_granted = endpoint_decision(EndpointPolicy("vpce-0a", GATEWAY, OWN_ACCOUNT_ONLY), request())
    policies_grant_nothing = Decision(
        False, "not allowed by any statement of the bucket policy", source="bucket policy"
    )
    policies_deny = Decision(False, "explicitly denied by the bucket policy", {"Sid": "NoPut"}, "bucket policy")

    assert through_endpoint(policies_grant_nothing, denied) is denied
    assert through_endpoint(policies_deny, not_granted) is policies_deny
    assert through_endpoint(policies_grant_nothing, not_granted) is policies_grant_nothing


def private_subnet(**changes: Any) -> SubnetFacts:
    """A private subnet in the bucket's Region (us-east-1) with an S3 gateway endpoint on its route table."""
    values: dict[str, Any] = {
        "subnet_id": "subnet-1",
        "region": "us-east-1",
        "nat_route": False,
        "internet_gateway_route": False,
        "public_ip_on_launch": False,
        "sts_interface_endpoint": True,
        "s3_gateway_endpoint": True,
        **OPEN_STS_ENDPOINT,
        "sts_endpoint_policies": (EndpointPolicy("vpce-sts", INTERFACE, FULL_ACCESS),),
    }
    return SubnetFacts(**{**values, **changes})


def with_subnet(facts: SubnetFacts) -> Any:
    state = healthy_state()
    state.subnet = facts
    state.sts_reachability = sts_endpoint_check("emr-6.15.0", facts)
    return state


@pytest.mark.parametrize(
    ("document", "status"),
    [(FULL_ACCESS, PASS), (PARTNER_BUCKET_ALLOWED, PASS), (OWN_ACCOUNT_ONLY, FAIL), (OWN_ORG_ONLY, UNKNOWN)],
    ids=["default", "partner-bucket", "own-account-only", "own-org-only"],
)
def test_the_s3_gateway_endpoint_policy_judges_every_write_step(document: Any, status: str) -> None:
    facts = private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, document),))

    links = by_name(check_chain(with_subnet(facts)))

    assert {links[step].status for step in WRITE_STEPS} == {status}
    if status == FAIL:
        assert "vpce-s3" in links[WRITE_STEPS[0]].detail
        assert "vpce-s3" in links[WRITE_STEPS[0]].fix
    if status == UNKNOWN:
        assert "aws:ResourceOrgID" in links[WRITE_STEPS[0]].detail
        assert "OwnOrgResources" in links[WRITE_STEPS[0]].statement


def test_an_explicit_deny_names_the_endpoint_and_its_statement() -> None:
    facts = private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, DENY_PUT),))

    report = check_chain(with_subnet(facts))
    link = by_name(report)[f"write files {PREFIX}"]

    assert link.status == FAIL
    assert link.statement == "VPC endpoint policy of vpce-s3: Sid NoUploads"
    assert "explicitly denied by the VPC endpoint policy of vpce-s3" in link.detail
    assert report.verdict == VERDICT_FAIL


def test_the_gateway_endpoint_s_policy_applies_beside_a_nat_route() -> None:
    # The gateway endpoint's prefix-list route is more specific than 0.0.0.0/0 (Amazon VPC User Guide, "How route
    # priority works"): S3 of the cluster's Region still goes through it.
    facts = private_subnet(nat_route=True, s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),))

    assert by_name(check_chain(with_subnet(facts)))[f"write files {PREFIX}"].status == FAIL


def test_beside_an_s3_interface_endpoint_with_private_dns_a_refusing_gateway_endpoint_is_not_a_fail() -> None:
    # With private DNS, S3's Regional name resolves to the interface endpoint (Amazon S3 User Guide, "AWS PrivateLink
    # for Amazon S3", "Private DNS"): the write may not pass the gateway endpoint, whose refusal is then not known.
    facts = private_subnet(
        s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),),
        s3_private_dns_endpoints=("com.amazonaws.us-east-1.s3",),
    )

    link = by_name(check_chain(with_subnet(facts)))[f"write files {PREFIX}"]

    assert link.status == UNKNOWN
    assert "S3 interface endpoint with private DNS" in link.detail


def test_a_bucket_of_another_region_does_not_pass_the_gateway_endpoint() -> None:
    # A gateway endpoint serves only its own Region (Amazon VPC User Guide, "Gateway endpoints for Amazon S3").
    facts = private_subnet(nat_route=True, s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),))
    state = with_subnet(facts)
    bucket = state.buckets[BUCKET]
    state.buckets[BUCKET] = dataclasses.replace(bucket, region="eu-west-1")

    assert by_name(check_chain(state))[f"write files {PREFIX}"].status == PASS


_NAT_BYPASS = "52.218.0.0/17 to NAT gateway nat-1"


def test_beside_a_nat_route_over_an_s3_entry_a_refusing_gateway_endpoint_names_that_route() -> None:
    # A static route of the same prefix as a prefix-list route, or a longer one, wins over it (Amazon VPC User Guide,
    # "How route priority works"): the request may go to the NAT gateway, not through the endpoint.
    facts = private_subnet(
        nat_route=True,
        s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),),
        s3_gateway_bypass=(_NAT_BYPASS,),
    )

    link = by_name(check_chain(with_subnet(facts)))[f"write files {PREFIX}"]

    assert link.status == UNKNOWN
    assert f"its routes {_NAT_BYPASS} may take some of S3's addresses from the endpoint" in link.detail
    assert "S3 interface endpoint with private DNS" not in link.detail


@pytest.mark.parametrize(("interface_region", "named"), [("us-east-1", True), ("eu-west-1", False)])
def test_beside_a_nat_route_over_an_s3_entry_only_an_interface_endpoint_of_the_buckets_region_is_named(
    interface_region: str, named: bool
) -> None:
    # An S3 interface endpoint's private DNS takes the names of its own Region only (s3_endpoints_in_path).
    facts = private_subnet(
        nat_route=True,
        s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),),
        s3_gateway_bypass=(_NAT_BYPASS,),
        s3_private_dns_endpoints=(f"com.amazonaws.{interface_region}.s3",),
    )

    link = by_name(check_chain(with_subnet(facts)))[f"write files {PREFIX}"]

    assert link.status == UNKNOWN
    assert f"its routes {_NAT_BYPASS} may take some of S3's addresses from the endpoint" in link.detail
    assert ("S3 interface endpoint with private DNS" in link.detail) is named


def test_a_bucket_of_another_region_beside_a_nat_route_over_an_s3_entry_passes_no_gateway_endpoint() -> None:
    # A gateway endpoint serves only its own Region (Amazon VPC User Guide, "Gateway endpoints for Amazon S3"), whatever
    # the routes that take S3's addresses of the cluster's Region from it.
    facts = private_subnet(
        nat_route=True,
        s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),),
        s3_gateway_bypass=(_NAT_BYPASS,),
    )
    state = with_subnet(facts)
    state.buckets[BUCKET] = dataclasses.replace(state.buckets[BUCKET], region="eu-west-1")

    assert s3_endpoints_in_path(facts, "eu-west-1") == ()
    assert by_name(check_chain(state))[f"write files {PREFIX}"].status == PASS


ASSUME_ONLY_OWN_ROLES = {
    "Statement": [
        {
            "Sid": "OwnRoles",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{EMR_ACCOUNT}:role/*",
        }
    ]
}


@pytest.mark.parametrize(
    ("document", "dns_hostnames", "status"),
    [
        (FULL_ACCESS, True, PASS),
        (ASSUME_ONLY_OWN_ROLES, True, FAIL),
        (OWN_ORG_ONLY, True, UNKNOWN),
        # With enableDnsHostnames off the Regional name does not resolve to the endpoint: its policy is not on the
        # path (the route link fails for that instead).
        (ASSUME_ONLY_OWN_ROLES, False, PASS),
    ],
    ids=["default", "own-roles-only", "own-org-only", "private-dns-off"],
)
def test_the_sts_endpoint_policy_judges_the_assume_role(document: Any, dns_hostnames: bool, status: str) -> None:
    facts = private_subnet(
        nat_route=True,  # the endpoint's private DNS answers for the Regional name whatever the default route
        dns_hostnames=dns_hostnames,
        sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, document),),
    )

    report = check_chain(with_subnet(facts))
    link = by_name(report)[ASSUME]

    assert link.status == status
    if status == FAIL:
        assert "vpce-sts" in link.detail
        assert "vpce-sts" in link.fix
        assert report.verdict == VERDICT_FAIL
    if status == UNKNOWN:
        assert report.verdict == VERDICT_NOT_CHECKED


def test_where_s3as_sts_endpoint_is_not_known_a_refusing_sts_endpoint_leaves_the_assume_role_not_checked() -> None:
    """
    S3A serving s3:// (7.10.0 on) with no setting naming its STS endpoint: which endpoint it calls is not
    documented (``pure/network.py`` ``S3A_DEFAULT_STS``), so whether its AssumeRole passes the VPC's STS endpoint,
    whose policy refuses it, is not known: not a PASS (as if it passed no endpoint), nor a FAIL.
    """
    facts = private_subnet(
        nat_route=True, sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, ASSUME_ONLY_OWN_ROLES),)
    )
    state = with_subnet(facts)
    state.sts_reachability = cluster_sts_check("emr-7.10.0", facts, [])

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == UNKNOWN, link
    assert "which STS endpoint it calls is not documented" in link.detail


def test_with_the_translation_switch_unreadable_a_refusing_sts_endpoint_leaves_the_assume_role_not_checked() -> None:
    """
    core-site fs.s3a.emrfs.compatibility.enable "no" is neither true nor false as Hadoop's getBoolean reads it, and
    the migration guide documents only "false" turning the translation off: whether S3A calls emrfs-site's
    fs.s3.sts.endpoint (the Regional one, through the VPC's STS endpoint, whose policy refuses) or its own default is
    not known (``pure/network.py`` ``sts_translation_doubt``). Was a FAIL, read as translated.
    """
    facts = private_subnet(
        nat_route=True, sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, ASSUME_ONLY_OWN_ROLES),)
    )
    state = with_subnet(facts)
    configurations = [
        {"Classification": "core-site", "Properties": {"fs.s3a.emrfs.compatibility.enable": "no"}},
        {
            "Classification": "emrfs-site",
            "Properties": {"fs.s3.sts.endpoint": f"https://sts.{facts.region}.amazonaws.com"},
        },
    ]
    state.sts_reachability = cluster_sts_check("emr-7.10.0", facts, configurations)

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == UNKNOWN, link


@pytest.mark.parametrize(
    "sites",
    [
        {
            "core-site": {
                "fs.s3a.assumed.role.sts.endpoint": "https://sts.us-east-1.amazonaws.com",
                "fs.s3a.bucket.{bucket}.assumed.role.sts.endpoint": "https://sts.amazonaws.com",
            }
        },
        # S3A sets neither: EMR translates the EMRFS ones, the bucket-level one for its bucket.
        {
            "emrfs-site": {
                "fs.s3.sts.endpoint": "https://sts.us-east-1.amazonaws.com",
                "fs.s3.bucket.{bucket}.sts.endpoint": "https://sts.amazonaws.com",
            }
        },
        # S3A's own base one beside EMRFS's translated bucket-level one: which S3A reads is not documented
        # (contexts.undocumented_precedence), so the bucket's roles may call the global endpoint too.
        {
            "core-site": {"fs.s3a.assumed.role.sts.endpoint": "https://sts.us-east-1.amazonaws.com"},
            "emrfs-site": {"fs.s3.bucket.{bucket}.sts.endpoint": "https://sts.amazonaws.com"},
        },
    ],
    ids=["s3a-per-bucket", "emrfs-bucket-level-translated", "precedence-not-documented"],
)
def test_a_mapped_buckets_own_sts_endpoint_leaves_the_base_endpoints_refusal_not_checked(
    sites: dict[str, dict[str, str]],
) -> None:
    """
    Where S3A serves s3://, a bucket's own STS endpoint overrides the cluster's for that bucket (Apache Hadoop,
    "Hadoop-AWS module", "Configuring different S3 buckets with Per-Bucket Configuration"; emrfs-site's bucket-level
    one translated: Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem"). Its mapped role's AssumeRole
    then goes to the global endpoint, which no VPC endpoint serves (IAM User Guide, "Create a VPC endpoint for AWS
    STS": "you must use the matching regional endpoint"): the Regional endpoint's policy refusing the role FAILed a
    cluster whose AssumeRole never passes it.
    """
    from tests.unit.test_chain import BUCKET

    facts = private_subnet(
        nat_route=True, sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, ASSUME_ONLY_OWN_ROLES),)
    )
    state = with_subnet(facts)
    configurations = [
        {"Classification": site, "Properties": {name.format(bucket=BUCKET): value for name, value in props.items()}}
        for site, props in sites.items()
    ]
    state.release_label = "emr-7.10.0"
    state.cluster_configurations = configurations
    state.sts_reachability = cluster_sts_check("emr-7.10.0", facts, configurations)

    (link,) = [link for link in check_chain(state).links if link.link == ASSUME]  # "reaches STS" may repeat

    assert link.status == UNKNOWN, link
    assert "names its own" in link.detail, link.detail


def test_unread_dns_attributes_leave_a_refusing_sts_endpoint_not_checked() -> None:
    facts = private_subnet(
        nat_route=True,
        dns_support=None,
        dns_hostnames=None,
        sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, ASSUME_ONLY_OWN_ROLES),),
    )

    link = by_name(check_chain(with_subnet(facts)))[ASSUME]

    assert link.status == UNKNOWN
    assert "DNS attributes" in link.detail


@pytest.mark.parametrize(
    ("endpoint", "on_the_path"),
    [
        ("https://sts.us-east-1.amazonaws.com", True),
        ("https://STS.us-east-1.amazonaws.com:443/", True),
        ("https://sts.amazonaws.com", False),  # the global endpoint
        ("https://sts-fips.us-east-1.amazonaws.com", False),
    ],
)
def test_the_sts_endpoint_s_policy_is_on_the_path_of_the_regional_name_only(endpoint: str, on_the_path: bool) -> None:
    """
    The STS interface endpoint serves the Regional endpoint's name: "After you create the VPC endpoint, you must use
    the matching regional endpoint to send your AWS STS requests" (IAM User Guide, "Create a VPC endpoint for AWS
    STS"). A call to the global endpoint (releases before 5.31.0 and 6.1.0) or to another host does not pass it.
    """
    from airflow_provider_emrfs_xacct.pure.network import sts_endpoints_in_path

    facts = private_subnet(
        nat_route=True, sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, ASSUME_ONLY_OWN_ROLES),)
    )

    assert sts_endpoints_in_path(facts, endpoint) == (facts.sts_endpoint_policies if on_the_path else ())


def test_a_release_calling_the_global_sts_endpoint_is_not_judged_by_the_sts_endpoint_s_policy() -> None:
    facts = private_subnet(
        nat_route=True, sts_endpoint_policies=(EndpointPolicy("vpce-sts", INTERFACE, ASSUME_ONLY_OWN_ROLES),)
    )
    state = with_subnet(facts)
    state.sts_reachability = sts_endpoint_check("emr-6.0.0", facts)  # sts.amazonaws.com, through the NAT gateway

    link = by_name(check_chain(state))[ASSUME]

    assert state.sts_reachability.endpoint == "https://sts.amazonaws.com"
    assert link.status == PASS
    assert "vpce-sts" not in link.detail


def test_the_not_seen_list_names_only_the_endpoint_policies_not_judged() -> None:
    unread = [item["what"] for item in check_chain(healthy_state()).not_checked]
    read = [item["what"] for item in check_chain(with_subnet(private_subnet())).not_checked]

    assert ENDPOINT_POLICIES[0] in unread
    assert ENDPOINT_POLICIES[0] not in read
    assert ENDPOINT_POLICIES_NOT_JUDGED[0] in read


def test_in_a_subnet_another_account_shares_no_endpoint_policy_is_said_to_be_judged() -> None:
    """
    The VPC owner's endpoints are not visible to a participant (Amazon VPC User Guide, "Share your VPC subnets with
    other accounts"): the list must not say the S3 gateway and STS endpoints were judged, and names the owner's account.
    """
    facts = private_subnet(shared_by="111111111111", sts_interface_endpoint=False, sts_endpoint_policies=())

    unseen = {item["what"]: item["how"] for item in check_chain(with_subnet(facts)).not_checked}

    assert ENDPOINT_POLICIES_NOT_JUDGED[0] not in unseen
    assert ENDPOINT_POLICIES_OF_THE_OWNER[0] in unseen
    assert "shared by another account" in ENDPOINT_POLICIES_OF_THE_OWNER[0]


def test_an_endpoint_refusing_only_the_listing_a_404_needs_leaves_the_lookup_not_checked() -> None:
    """
    S3 answers 404 to a HEAD of a missing key only to a caller allowed s3:ListBucket (S3 API Reference, HeadObject);
    whether it asks the endpoint's policy about that implied check is not documented: not checked, never FAIL.
    """
    objects_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*Object*",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            },
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts"],
                "Resource": "*",
            },
        ]
    }
    facts = private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, objects_only),))

    links = by_name(check_chain(with_subnet(facts)))

    lookup = links[f"output directory lookup {PREFIX}"]
    assert lookup.status == FAIL  # its own listing (ListObjectsV2) is sent through the endpoint and refused
    assert links[f"write files {PREFIX}"].status == UNKNOWN  # HEAD of the missing part file: its 404 listing
    assert "implied check" in links[f"write files {PREFIX}"].detail


def test_a_passing_probe_covers_the_endpoint_policies_of_a_shared_subnets_owner() -> None:
    """
    The owner's endpoints, not visible to a participant, are on the probe's path as much as any: its write through
    them covers their policies as it covers the endpoints not judged in the caller's own VPC.
    """
    facts = private_subnet(shared_by="111111111111", sts_interface_endpoint=False, sts_endpoint_policies=())

    unseen = {
        item["what"]: item["how"] for item in covered_by_probe(check_chain(with_subnet(facts)).not_checked, [], {})
    }

    assert unseen[ENDPOINT_POLICIES_OF_THE_OWNER[0]] == f"{COVERED_BY_PROBE}, {NOT_THE_MULTIPART_REQUESTS}"


def test_a_subnet_that_could_not_be_read_leaves_every_endpoint_policy_unseen() -> None:
    """No subnet facts, no endpoint judged: the unseen list keeps the whole endpoint item, naming none as judged."""
    state = healthy_state()
    state.subnet = Unreadable("ec2:DescribeSubnets refused")

    unseen = [item["what"] for item in check_chain(state).not_checked]

    assert ENDPOINT_POLICIES[0] in unseen
    assert ENDPOINT_POLICIES_NOT_JUDGED[0] not in unseen
    assert ENDPOINT_POLICIES_OF_THE_OWNER[0] not in unseen


def test_endpoints_whose_policies_disagree_leave_the_link_not_checked() -> None:
    """Which of two endpoints a request takes is not seen: one allowing and one refusing is no answer either way."""
    facts = private_subnet(
        nat_route=True,
        sts_endpoint_policies=(
            EndpointPolicy("vpce-sts-a", INTERFACE, FULL_ACCESS),
            EndpointPolicy("vpce-sts-b", INTERFACE, ASSUME_ONLY_OWN_ROLES),
        ),
    )

    link = by_name(check_chain(with_subnet(facts)))[ASSUME]

    assert link.status == UNKNOWN
    assert "which of the VPC's endpoints the request takes" in link.detail


@pytest.mark.parametrize(
    ("exempted", "outcome"),
    [
        ((DESTINATION_ACCOUNT, ROLE), "explicitly denied by the VPC endpoint policy of vpce-0a"),
        (
            (DESTINATION_ACCOUNT, ROLE, f"arn:aws:sts::{DESTINATION_ACCOUNT}:assumed-role/partner-writer/x"),
            UNDETERMINED,
        ),
        (("*",), "allowed"),
    ],
    ids=["account-and-role", "a-session-of-the-role", "everyone"],
)
def test_a_gateway_endpoint_deny_with_not_principal_is_never_a_pass_it_cannot_stand_behind(
    exempted: tuple[str, ...], outcome: str
) -> None:
    """
    IAM User Guide, "AWS JSON policy elements: NotPrincipal": a role session is exempt from such a ``Deny`` only when
    the account, the role and the session are all named. Naming the account and the role: denied (a FAIL, as the
    stand-in's judge finds). Naming a session: EMRFS chooses the session name, so whether it is the one named is not
    known: undetermined, never a PASS. ``*``: no one is denied.
    """
    document = {
        "Statement": [
            FULL_ACCESS["Statement"][0],
            {"Effect": "Deny", "NotPrincipal": {"AWS": list(exempted)}, "Action": "*", "Resource": "*"},
        ]
    }

    decision = endpoint_decision(EndpointPolicy("vpce-0a", GATEWAY, document), request())

    assert decision.reason == outcome
    assert decision.allowed is (outcome == "allowed")


@pytest.mark.parametrize(
    ("release", "classification", "setting"),
    [
        ("emr-6.15.0", "emrfs-site", "fs.s3n.endpoint"),
        ("emr-7.10.0", "emrfs-site", "fs.s3n.endpoint"),  # translated to S3A's fs.s3a.endpoint
        ("emr-7.10.0", "core-site", f"fs.s3a.bucket.{BUCKET}.endpoint"),
    ],
)
def test_a_connector_pointed_at_an_s3_endpoint_of_its_own_may_not_pass_the_gateway_endpoint(
    release: str, classification: str, setting: str
) -> None:
    """
    Amazon EMR Release Guide, "Migration guide: EMRFS to S3A filesystem": ``fs.s3n.endpoint`` maps to
    ``fs.s3a.endpoint`` (per bucket too). Pointed at an S3 interface endpoint's own DNS name, the requests go to that
    interface endpoint (Amazon S3 User Guide, "AWS PrivateLink for Amazon S3", "Accessing Amazon S3 interface
    endpoints"), not through the gateway endpoint on the route table: its refusal is not known to apply, so the write
    is not checked, naming the setting (it was a FAIL).
    """
    facts = private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, OWN_ACCOUNT_ONLY),))
    state = with_subnet(facts)
    state.release_label = release
    state.cluster_configurations = [{"Classification": classification, "Properties": {}}]
    assert by_name(check_chain(state))[f"write files {PREFIX}"].status == FAIL

    value = "https://bucket.vpce-0a1b2c3d-4e5f6a7b.s3.us-east-1.vpce.amazonaws.com"
    state.cluster_configurations = [{"Classification": classification, "Properties": {setting: value}}]
    link = by_name(check_chain(state))[f"write files {PREFIX}"]

    assert link.status == UNKNOWN, link
    assert value in link.detail
    assert "vpce-s3" in link.detail


def test_an_endpoint_refusing_only_the_acl_of_uploads_leaves_them_not_checked() -> None:
    """
    docs/limits.md, "VPC endpoint policies": a refusal of "a permission S3 checks for another request (... the
    s3:PutObjectAcl of an upload with x-amz-acl: whether the endpoint's policy is asked is not documented)" leaves the
    link not checked, never a FAIL. S3 asks for s3:PutObjectAcl on a PutObject that sets an ACL (S3 API Reference,
    PutObject, "Permissions"); the endpoint allows the object writes but not that action.
    """
    writes_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": [
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                ],
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            },
        ]
    }
    state = with_subnet(private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, writes_only),)))
    bucket_of(state).object_ownership = "BucketOwnerPreferred"  # ACLs enabled: the role's s3:PutObjectAcl counts
    report = check_chain(with_canned_acl(state, "BucketOwnerFullControl", object_acl_allowed=True))

    links = by_name(report)
    write = links[f"write files {PREFIX}"]
    assert write.status == UNKNOWN, write
    assert "with x-amz-acl bucket-owner-full-control" in write.detail
    assert "VPC endpoint policy of vpce-s3, which refuses it, to this implied check (undocumented)" in write.detail
    assert report.verdict == VERDICT_NOT_CHECKED, report.table()

    full = with_subnet(private_subnet(s3_gateway_policies=(EndpointPolicy("vpce-s3", GATEWAY, FULL_ACCESS),)))
    bucket_of(full).object_ownership = "BucketOwnerPreferred"
    assert check_chain(with_canned_acl(full, "BucketOwnerFullControl", object_acl_allowed=True)).verdict == VERDICT_PASS


VPCE_NAME = "https://vpce-0a1b2c3d4e5f67890-abcdefgh.sts.us-east-1.vpce.amazonaws.com"


@pytest.mark.parametrize("private_dns", [True, False])
def test_an_sts_endpoint_named_by_its_own_dns_name_is_judged_by_its_own_policy(private_dns: bool) -> None:
    """
    An interface endpoint's own DNS name leads to that endpoint, private DNS on or off (AWS PrivateLink Guide, "Access
    an AWS service using an interface VPC endpoint", "DNS hostnames"), and its policy controls "which AWS principals can
    use the endpoint" (AWS PrivateLink Guide, "Control access to VPC endpoints using endpoint policies"): the
    ``AssumeRole`` sent there is refused by that endpoint's policy, whatever the VPC's other endpoints allow.
    """
    named = EndpointPolicy("vpce-0a1b2c3d4e5f67890", INTERFACE, ASSUME_ONLY_OWN_ROLES)
    other = EndpointPolicy("vpce-sts", INTERFACE, FULL_ACCESS)
    facts = private_subnet(
        nat_route=True,
        sts_endpoint_policies=(other, named) if private_dns else (other,),
        sts_endpoints_dns_off=() if private_dns else (named,),
    )
    state = with_subnet(facts)
    state.sts_reachability = sts_endpoint_check("emr-6.15.0", facts, {"fs.s3.sts.endpoint": VPCE_NAME})

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == FAIL, link
    assert "vpce-0a1b2c3d4e5f67890" in link.detail


def test_an_sts_endpoint_named_by_its_own_dns_name_outside_the_vpc_leaves_the_assume_role_not_checked() -> None:
    """Its policy is not read: the VPC's own endpoints allowing the call prove nothing of it."""
    facts = private_subnet(nat_route=True)  # the VPC's endpoint allows everything
    state = with_subnet(facts)
    state.sts_reachability = sts_endpoint_check("emr-6.15.0", facts, {"fs.s3.sts.endpoint": VPCE_NAME})

    link = by_name(check_chain(state))[ASSUME]

    assert link.status == UNKNOWN, link
    assert VPCE_NAME in link.detail


#: An Allow naming the destination role itself: at a gateway endpoint not checked on its own ("Principals for gateway
#: endpoints": AWS says to use aws:PrincipalArn and converts a named ARN to a unique id).
NAMED_ALLOW = {
    "Sid": "NamedRead",
    "Effect": "Allow",
    "Principal": {"AWS": ROLE},
    "Action": "s3:GetObject",
    "Resource": "*",
}
NAMED_DENY = {
    "Sid": "NamedNoPut",
    "Effect": "Deny",
    "Principal": {"AWS": ROLE},
    "Action": "s3:PutObject",
    "Resource": "*",
}
STAR_DENY = {"Sid": "NoPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}


def _gateway(*statements: dict[str, Any]) -> EndpointPolicy:
    return EndpointPolicy("vpce-s3", GATEWAY, {"Version": "2012-10-17", "Statement": list(statements)})


#: The write steps that send s3:PutObject (the others list, abort and read: the Denies above do not reach them). The
#: rename's CopyObject is one (requests.RENAME_REQUESTS): refused, or not known, as the uploads are, it reads as they do.
PUT_STEPS = [f"{step} {PREFIX}" for step in ("mkdirs", "write files", "rename", "job commit")]


def _write_statuses(endpoint: EndpointPolicy) -> dict[str, str]:
    links = by_name(check_chain(with_subnet(private_subnet(s3_gateway_policies=(endpoint,)))))
    return {step: links[step].status for step in WRITE_STEPS}


def _put_steps(status: str) -> dict[str, str]:
    """Every write step passing but those sending s3:PutObject, which have ``status``."""
    return {step: status if step in PUT_STEPS else PASS for step in WRITE_STEPS}


@pytest.mark.parametrize(
    "statements",
    [
        (FULL_ACCESS["Statement"][0], NAMED_ALLOW),
        (NAMED_ALLOW, FULL_ACCESS["Statement"][0]),
        ({**NAMED_ALLOW, "Action": "*"}, {**FULL_ACCESS["Statement"][0], "Principal": {"AWS": "*"}}),
    ],
    ids=["named-allow-after", "named-allow-before", "aws-star-beside-a-named-full-allow"],
)
def test_a_named_allow_beside_full_access_takes_nothing_from_its_grant(statements: tuple[dict[str, Any], ...]) -> None:
    """
    IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access": the request is
    allowed when an applicable statement allows and none denies. The ``"*"`` Allow applies to the role's session
    whatever a second Allow naming the role says, so the statement AWS says to avoid at a gateway endpoint ("Principals
    for gateway endpoints") is not needed: allowed, and the write steps pass (they were not checked).
    """
    endpoint = _gateway(*statements)

    decision = endpoint_decision(endpoint, request())

    assert decision.allowed, decision
    assert decision.reason == "allowed"
    assert _write_statuses(endpoint) == _put_steps(PASS)


@pytest.mark.parametrize(
    "statements",
    [
        (FULL_ACCESS["Statement"][0], NAMED_DENY, STAR_DENY),
        (FULL_ACCESS["Statement"][0], STAR_DENY, NAMED_DENY),
        (NAMED_DENY, {**STAR_DENY, "Principal": {"AWS": "*"}}, NAMED_ALLOW, FULL_ACCESS["Statement"][0]),
    ],
    ids=["named-deny-first", "named-deny-after", "aws-star-deny-among-named-statements"],
)
def test_a_deny_naming_everyone_refuses_whatever_named_deny_comes_before_it(
    statements: tuple[dict[str, Any], ...],
) -> None:
    """
    "An explicit deny overrides an explicit allow" (IAM User Guide, "How AWS enforcement code logic evaluates requests
    to allow or deny access"): the ``"*"`` Deny surely applies to the role's session, so a Deny naming the role, whose
    reach at a gateway endpoint is not documented, leaves nothing in doubt: denied, naming the ``"*"`` statement, and
    the write steps fail (they were not checked).
    """
    endpoint = _gateway(*statements)

    decision = endpoint_decision(endpoint, request())

    assert decision.reason == "explicitly denied by the VPC endpoint policy of vpce-s3"
    assert (decision.statement or {}).get("Sid") == "NoPut"
    assert _write_statuses(endpoint) == _put_steps(FAIL)
    link = by_name(check_chain(with_subnet(private_subnet(s3_gateway_policies=(endpoint,)))))[f"write files {PREFIX}"]
    assert link.statement == "VPC endpoint policy of vpce-s3: Sid NoPut"


def test_a_named_deny_beside_full_access_is_still_not_checked() -> None:
    """
    docs/limits.md, "VPC endpoint policies": a gateway endpoint Deny naming a principal is not checked ("Principals
    for gateway endpoints" says what such a principal is granted, not whom a Deny naming it reaches). With the full
    access Allow beside it and no Deny naming everyone, that doubt decides: never a PASS, never a FAIL.
    """
    endpoint = _gateway(FULL_ACCESS["Statement"][0], NAMED_DENY)

    decision = endpoint_decision(endpoint, request())

    assert decision.reason == UNDETERMINED
    assert (decision.statement or {}).get("Sid") == "NamedNoPut"
    assert "Deny naming a principal" in decision.unknown
    assert _write_statuses(endpoint) == _put_steps(UNKNOWN)


def test_a_named_allow_alone_is_still_not_checked() -> None:
    """No Allow naming everyone: only the named one could grant, which "Principals for gateway endpoints" leaves open."""
    endpoint = _gateway({**NAMED_ALLOW, "Action": "*"})

    decision = endpoint_decision(endpoint, request())

    assert decision.reason == UNDETERMINED
    assert "naming the principal itself" in decision.unknown
    assert set(_write_statuses(endpoint).values()) == {UNKNOWN}


def test_with_no_allow_that_may_apply_a_named_deny_leaves_no_doubt() -> None:
    """
    A request no statement allows is implicitly denied (IAM User Guide, "How AWS enforcement code logic evaluates
    requests to allow or deny access"): whom a Deny naming the role reaches at a gateway endpoint does not matter then.
    Here only the account is granted, which at a gateway endpoint is its root user only ("Principals for gateway
    endpoints"): not allowed, a FAIL (it was not checked).
    """
    account_only = {"Effect": "Allow", "Principal": {"AWS": DESTINATION_ACCOUNT}, "Action": "*", "Resource": "*"}
    endpoint = _gateway(NAMED_DENY, account_only)

    decision = endpoint_decision(endpoint, request())

    assert decision.reason == "not allowed by any statement of the VPC endpoint policy of vpce-s3"
    assert set(_write_statuses(endpoint).values()) == {FAIL}
