"""
The VPC endpoint policies the cluster's requests pass through, judged with the same requests as the chain's links.

``pure/endpoint_policy.py`` says which endpoint a request passes and how its policy is read; this module finds, for
a request of the chain, the endpoints from the subnet's facts (``ChainState.subnet``) and their decision. No subnet
read: no decision (the report lists endpoint policies as not seen: ``findings.OUTSIDE_POLICIES``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_emrfs_xacct.pure.checks.contexts import bucket_of_s3_arn, s3_endpoint_setting
from airflow_provider_emrfs_xacct.pure.checks.sts_route import own_endpoints
from airflow_provider_emrfs_xacct.pure.endpoint_policy import ENDPOINT_SOURCE, endpoint_decision
from airflow_provider_emrfs_xacct.pure.evaluator import UNDETERMINED, Decision, Request
from airflow_provider_emrfs_xacct.pure.network import (
    S3_SERVICE,
    UNKNOWN_STS_ENDPOINTS,
    StsReachability,
    SubnetFacts,
    is_interface_endpoint_name,
    named_endpoint_id,
    s3_endpoints_in_path,
    sts_endpoints_in_path,
)

if TYPE_CHECKING:
    from airflow_provider_emrfs_xacct.pure.checks.state import BucketState, ChainState
    from airflow_provider_emrfs_xacct.pure.endpoint_policy import EndpointPolicy


def s3_endpoint_decision(state: ChainState, bucket: BucketState, request: Request) -> Decision | None:
    """
    The decision of the S3 gateway endpoint a request to ``bucket`` passes; ``None`` when it passes none.

    A connector pointed at an S3 endpoint of its own (:func:`~.contexts.s3_endpoint_setting`) may not pass it: an
    interface endpoint's own DNS name (``bucket.vpce-….s3.REGION.vpce.amazonaws.com``) takes the request to that
    interface endpoint (Amazon S3 User Guide, "AWS PrivateLink for Amazon S3", "Accessing Amazon S3 interface
    endpoints"), so the gateway endpoint's refusal is then not known to apply.
    """
    facts = state.subnet
    if not isinstance(facts, SubnetFacts):
        return None
    found = s3_endpoints_in_path(facts, bucket.region)
    maybe = (
        "whether the bucket's Region is the cluster's (its Region was not read)"
        if bucket.region is None
        else f"whether the request takes the gateway endpoint ({_why_maybe_not(facts, bucket.region)})"
    )
    override = s3_endpoint_setting(state, bucket_of_s3_arn(request.resource))
    if override and found != ():  # a bucket of another Region passes no gateway endpoint here, whatever the endpoint
        found = None
        maybe = f"whether the request takes the gateway endpoint (the connector is pointed at {override})"
    return _judge(facts.s3_gateway_policies if found is None else found, found is not None, request, maybe)


def _why_maybe_not(facts: SubnetFacts, bucket_region: str | None) -> str:
    """
    Why a request to a bucket of a known Region may not take the S3 gateway endpoint (:func:`s3_endpoints_in_path`):
    an S3 interface endpoint's private DNS, or, with a way to the internet, routes to the NAT or internet gateway as
    specific as S3's prefix-list entries or more (Amazon VPC User Guide, "How route priority works").
    """
    interface = "the VPC's S3 interface endpoint with private DNS may take S3's name"
    if not (facts.internet and facts.s3_gateway_bypass):
        return interface
    # An interface endpoint of another Region than the bucket's takes no name of it (s3_endpoints_in_path).
    regions = {found["region"] for name in facts.s3_private_dns_endpoints if (found := S3_SERVICE.match(name))}
    return f"its routes {', '.join(facts.s3_gateway_bypass)} may take some of S3's addresses from the endpoint" + (
        f"; or {interface}" if bucket_region in regions and not facts.dns_attributes_off else ""
    )


def sts_endpoint_decision(state: ChainState, request: Request) -> Decision | None:
    """The decision of the STS interface endpoint EMRFS's ``AssumeRole`` passes; ``None`` when it passes none."""
    facts, reached = state.subnet, state.sts_reachability
    if not isinstance(facts, SubnetFacts) or not isinstance(reached, StsReachability):
        return None
    if reached.endpoint in UNKNOWN_STS_ENDPOINTS:  # which endpoint S3A calls is not known: any of them may be passed
        maybe = "whether S3A's AssumeRole passes the VPC's STS endpoint (which STS endpoint it calls is not documented)"
        return _judge(facts.sts_endpoint_policies, False, request, maybe)
    own = own_endpoints(state)
    if own:
        # A mapped bucket's own endpoint: its mapped roles' AssumeRole may go elsewhere than the cluster's (the global
        # endpoint passes no VPC endpoint: IAM User Guide, "Create a VPC endpoint for AWS STS", "you must use the
        # matching regional endpoint"); which mapping's role goes where is not told apart here.
        maybe = (
            f"which STS endpoint the mapped role's AssumeRole calls (bucket {own[0].bucket} names its own: "
            f"{own[0].setting})"
        )
        return _judge(facts.sts_endpoint_policies, False, request, maybe)
    found = sts_endpoints_in_path(facts, reached.endpoint)
    if found is None and is_interface_endpoint_name(reached.endpoint):
        # Its own name leads to that endpoint (AWS PrivateLink Guide, "DNS hostnames"), whose policy decides.
        named = named_endpoint_id(reached.endpoint)
        return Decision(
            False,
            UNDETERMINED,
            None,
            ENDPOINT_SOURCE + named,
            f"the policy of the interface endpoint {reached.endpoint} names, which is none of the cluster's VPC's "
            "STS endpoints read",
        )
    maybe = "whether STS's Regional name resolves to the endpoint (the VPC's DNS attributes were not read)"
    return _judge(facts.sts_endpoint_policies if found is None else found, found is not None, request, maybe)


def _judge(endpoints: tuple[EndpointPolicy, ...], certain: bool, request: Request, maybe: str) -> Decision | None:
    """
    The endpoints' answer: their common answer, the first refusal when each refuses; undetermined when they disagree
    (which one a request takes is not seen) or when they refuse a request that may not pass them (``certain`` false).
    """
    decisions = [endpoint_decision(endpoint, request) for endpoint in endpoints]
    if not decisions:
        return None
    if all(decision.allowed for decision in decisions):
        return decisions[0]
    refused = [decision for decision in decisions if not decision.allowed and not decision.undetermined]
    if len(refused) == len(decisions):
        if not certain:
            first = refused[0]
            return Decision(False, UNDETERMINED, first.statement, first.source, f"{maybe}; {first.source} refuses it")
        return refused[0]
    undetermined = [decision for decision in decisions if decision.undetermined]
    if undetermined:
        return undetermined[0]
    first = refused[0]
    unknown = "which of the VPC's endpoints the request takes (their policies disagree)"
    return Decision(False, UNDETERMINED, first.statement, first.source, unknown)
