"""
The verifier's network links against the stand-in's network judge on random VPC layouts (``network_study.py``).

``make test`` runs a fixed sample of layouts (:func:`sample`); the full study (:data:`STUDY` layouts) runs with
``EMRFS_XACCT_NET_STUDY=1`` (``make net-study``).

The claims, for ``cluster reaches STS`` and ``cluster reaches s3://BUCKET`` each: a PASS only where the judge finds
the way reached (else a false PASS), a FAIL only where the judge finds it blocked (else a false FAIL, which stops a
working pipeline, or one the judge cannot confirm); and no verdict PASS where the writer's request is refused or its
outcome is unknown. A link "not checked" may meet any answer of the judge; where the judge is certain it is counted
and printed, not failed. The judge reads the packet filters of the primary node, where the probe runs; the study's
core and task nodes hold its egress rules or all traffic out, so the verifier's worst side is the primary node's.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace

import pytest

from devstack.aws_network import CANNOT_TELL, regional_sts_region
from devstack.moto_stack import REGION
from tests.integration.differential import forget_clients
from tests.integration.network_study import (
    CLUSTER_ACLS,
    EGRESS,
    ENDPOINT_ACLS,
    NAT_ACLS,
    Layout,
    Outcome,
    generate,
    judge,
)
from tests.integration.test_differential import readers

SEED = 20261201
STUDY = 400
#: The judge's answer each link status must not meet.
CONTRADICTS = {"pass": ("blocked", "cannot tell"), "fail": ("reaches", "cannot tell")}


def calls_regional_sts(release_label: str | None, emrfs_site: dict[str, str]) -> bool:
    """The stand-in's reading: EMRFS calls a Regional STS endpoint (:func:`devstack.aws_network.regional_sts_region`)."""
    return regional_sts_region(release_label, emrfs_site, REGION) is not None


def run(numbers: int | list[int] | list[int | Layout]) -> list[Outcome]:
    url = os.environ["EMRFS_XACCT_MOTO_URL"]
    forget_clients()
    shared = readers()
    chosen = range(numbers) if isinstance(numbers, int) else numbers
    return [judge(url, shared, number, SEED) for number in chosen]


def table(outcomes: list[Outcome]) -> str:
    rows = Counter(
        (link, status, judged)
        for outcome in outcomes
        for link, status, judged in (
            ("STS", outcome.sts_link, outcome.sts_judge),
            ("S3", outcome.s3_link, outcome.s3_judge),
            ("verdict", outcome.verdict, outcome.writer),
        )
    )
    return "\n".join(
        f"{link:8} {status:12} {judged:12} {count}" for (link, status, judged), count in sorted(rows.items())
    )


def why_not_checked(outcome: Outcome, link: str) -> str:
    """Which of the verifier's documented "not checked" rules a link not checked where the judge is certain meets."""
    layout = outcome.layout
    # With a VPC DNS attribute off the endpoint's private DNS takes no name: the routes decide, as without it.
    if (
        link == "S3"
        and layout.s3_interface == "private-dns"
        and layout.bucket_region == REGION
        and layout.dns == (True, True)
    ):
        return "an S3 interface endpoint with private DNS takes S3's name (its security groups are not read)"
    if layout.hub_route and layout.default_route == "none":
        return "a route of private ranges to a transit gateway: an endpoint in another VPC is not seen"
    if not layout.dns[0]:
        return "the VPC's DNS support off: DNS servers of a custom DHCP option set are not read"
    if layout.default_route.endswith("nat-gateway") and layout.nat_subnet != "internet":
        return "the NAT gateway's own subnet routes elsewhere than an internet gateway (or nowhere)"
    if layout.prefix_list.startswith("public-"):
        return "public ranges of a prefix list routed to a transit gateway (hooks/network.py _with_prefix_list_entries)"
    if layout.default_route.startswith("split-"):
        return "public addresses routed by 0.0.0.0/1 + 128.0.0.0/1, not 0.0.0.0/0 (pure/network.py public_routes)"
    if layout.hub_route or layout.prefix_list == "private-transit-gateway":
        return "a route of private ranges to a transit gateway: an endpoint in another VPC is not seen"
    if (link == "S3" and layout.s3_interface == "no-private-dns") or (
        link == "STS" and layout.sts_interface == "no-private-dns" and calls_regional_sts(layout.release, {})
    ):
        return "an interface endpoint with private DNS off: a Route 53 private hosted zone may name it (not read)"
    return "other"


def defects(outcomes: list[Outcome]) -> list[str]:
    found = []
    for outcome in outcomes:
        for link, status, judged in (
            ("STS", outcome.sts_link, outcome.sts_judge),
            ("S3", outcome.s3_link, outcome.s3_judge),
        ):
            if status == "missing" or judged in CONTRADICTS.get(status, ()):
                found.append(f"{link} {status} where the judge says {judged}: {outcome.line()}")
        if outcome.verdict == "PASS" and outcome.writer != "writes":
            found.append(f"verdict PASS where the writer {outcome.writer}: {outcome.line()}")
    return found


@pytest.fixture
def moto_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EMRFS_XACCT_MOTO_URL", moto_url)
    return moto_url


def kinds(layout: Layout) -> set[tuple[object, ...]]:
    """
    What a layout shows of the settings :func:`sample` covers: its default route, ``MapPublicIpOnLaunch`` and STS
    endpoint kind (Regional or global); in a subnet with no way out, its S3 gateway endpoint place and bucket Region (no
    S3 interface endpoint), its STS interface endpoint kind and STS endpoint kind, and, for Regional STS through an STS
    interface endpoint with private DNS, its VPC's DNS attributes and endpoint security group; its prefix-list route
    beside a NAT gateway default route or none; where a NAT gateway's own subnet sends its traffic, with the VPC's DNS
    support on and off; with no way out, whether a route goes to a hub's transit gateway. And its packet filters
    (:func:`filter_kinds`).
    """
    regional = calls_regional_sts(layout.release, {})
    found: set[tuple[object, ...]] = {("route", layout.default_route, layout.public_ip, regional)}
    if layout.default_route in ("nat-gateway", "none"):
        found.add(("prefix-list", layout.prefix_list, layout.default_route))
    if layout.default_route in ("nat-gateway", "split-nat-gateway"):
        found.add(("nat-subnet", layout.nat_subnet, layout.dns[0]))
    if layout.default_route == "none":
        found.add(("hub", layout.hub_route))
    if layout.default_route == "none" and layout.s3_interface == "none":
        found.add(("s3", layout.s3_gateway, layout.bucket_region == REGION))
    if layout.default_route == "none" and not layout.sts_override:
        answers = layout.dns == (True, True) and layout.endpoints_open  # an endpoint with private DNS would serve
        found.add(("sts", layout.sts_interface, regional, answers))
        if regional and layout.sts_interface == "private-dns":
            found.add(("sts-dns", layout.dns, layout.endpoints_open))
    return found | filter_kinds(layout)


def filter_kinds(layout: Layout) -> set[tuple[object, ...]]:
    """
    The packet filters a layout shows where the routes let the request through, each only where it is the sole filter
    other than the default on that way (else another may decide the link): behind a NAT gateway, the cluster's and the
    NAT subnet's ACLs, the groups' egress and the core and task nodes' the same or open; through the S3 gateway endpoint
    (no way out), the cluster's ACL and the egress; through an STS interface endpoint with private DNS that answers,
    the egress, and, with network interfaces outside the cluster's subnet (one inside crosses no ACL: Amazon VPC User
    Guide, "Network ACLs"), the endpoint subnet's ACL and the cluster's.
    """
    found: set[tuple[object, ...]] = set()
    for way, filters in _filtered_ways(layout).items():
        for name, value in filters.items():
            if all(other == "default" for key, other in filters.items() if key != name):
                found.add((f"{way}-{name}", *_subnets(layout, way, name), value))
        acls_default = filters.get("cluster-acl") == filters.get("subnet-acl") == "default"
        if way == "nat" and filters["egress"] != "default" and acls_default:
            found.add(("nat-core-egress", layout.core_egress_same))
    return found


def _subnets(layout: Layout, way: str, name: str) -> tuple[str, ...]:
    """An STS endpoint's ACL kinds name where its network interfaces are (``other``, ``both``)."""
    return (layout.sts_subnets,) if way == "sts-endpoint" and name != "egress" else ()


def _filtered_ways(layout: Layout) -> dict[str, dict[str, str]]:
    """
    The ways of a layout its routes decide plainly (no prefix-list or hub route beside them, the VPC's DNS support
    on), with the filters on each: ``sts-endpoint``, ``s3-gateway``, ``nat``.
    """
    ways: dict[str, dict[str, str]] = {}
    plain = layout.prefix_list == "none" and not layout.hub_route and layout.dns[0]
    regional = calls_regional_sts(layout.release, {})
    sts_endpoint = regional and layout.sts_interface == "private-dns" and layout.dns == (True, True)
    if sts_endpoint and layout.endpoints_open and not layout.sts_override:
        ways["sts-endpoint"] = {"egress": layout.egress}
        if layout.sts_subnets != "own":
            ways["sts-endpoint"] |= {"acl": layout.endpoint_acl, "cluster-acl": layout.cluster_acl}
    through_the_gateway = layout.s3_gateway == "on-table" and layout.bucket_region == REGION
    s3_out = layout.s3_interface == "none" and not through_the_gateway  # S3 by the default route
    behind_a_nat = plain and layout.default_route == "nat-gateway" and layout.nat_subnet == "internet"
    if behind_a_nat and (s3_out or not sts_endpoint):
        ways["nat"] = {"cluster-acl": layout.cluster_acl, "subnet-acl": layout.nat_acl, "egress": layout.egress}
    beside = layout.default_route == "none" or ways.get("nat") is not None
    if plain and beside and layout.s3_interface == "none" and through_the_gateway:
        ways["s3-gateway"] = {"egress": layout.egress, "cluster-acl": layout.cluster_acl}
    return ways


def meaningful_filter_kinds() -> set[tuple[object, ...]]:
    """
    Every element of the draw tables' product :func:`filter_kinds` may show, written out apart from it: the STS
    endpoint's ACL and the cluster's with its network interfaces in another subnet or both, every egress on each way,
    every ACL of the cluster's and the NAT subnet's, the core and task nodes' egress the same or open.
    """
    apart = ("other", "both")
    return (
        {("sts-endpoint-acl", where, acl) for where in apart for acl in ENDPOINT_ACLS}
        | {("sts-endpoint-cluster-acl", where, acl) for where in apart for acl in CLUSTER_ACLS}
        | {(f"{way}-egress", egress) for way in ("sts-endpoint", "s3-gateway", "nat") for egress in EGRESS}
        | {(f"{way}-cluster-acl", acl) for way in ("s3-gateway", "nat") for acl in CLUSTER_ACLS}
        | {("nat-subnet-acl", acl) for acl in NAT_ACLS}
        | {("nat-core-egress", same) for same in (True, False)}
    )


#: Plain layouts, all filters the default: an STS interface endpoint with private DNS in another subnet than the
#: cluster's, S3 through the gateway endpoint (no way out) or through a NAT gateway to the internet; and STS's global
#: endpoint through the NAT gateway, S3 through the gateway endpoint.
_STS_GATEWAY = Layout(
    number=1_000,
    own_table=False,
    default_route="none",
    public_ip=False,
    dns=(True, True),
    s3_gateway="on-table",
    s3_gateway_policy="none",
    s3_interface="none",
    s3_interface_policy="none",
    sts_interface="private-dns",
    sts_interface_policy="none",
    endpoints_open=True,
    bucket_region=REGION,
    release="emr-6.15.0",
    sts_override=None,
    sts_subnets="other",
)
_STS_NAT = replace(_STS_GATEWAY, default_route="nat-gateway", s3_gateway="none", own_table=True)
_NAT_GATEWAY = replace(_STS_GATEWAY, default_route="nat-gateway", sts_interface="none", release="emr-6.0.0")
#: Hand-built layouts, one filter each other than the default on each way, for what the :data:`STUDY` layouts do not
#: show: the STS endpoint's ACL (beside the NAT subnet's), the cluster's ACL on the way to the STS endpoint and to the
#: NAT gateway or the S3 gateway endpoint, and the egress on two ways.
HAND_BUILT = tuple(
    replace(base, number=1_000 + index, **changes)
    for index, (base, changes) in enumerate(
        [
            (_STS_NAT, {}),
            *(
                (_STS_NAT, {"endpoint_acl": acl, "nat_acl": nat_acl})
                for acl, nat_acl in zip(ENDPOINT_ACLS[3:], NAT_ACLS[3:], strict=True)
            ),
            *((_STS_GATEWAY, {"endpoint_acl": acl, "sts_subnets": "both"}) for acl in ENDPOINT_ACLS[4:]),
            *((_STS_NAT, {"cluster_acl": acl, "public_ip": True}) for acl in CLUSTER_ACLS[4:]),
            *((_STS_GATEWAY, {"cluster_acl": acl, "sts_subnets": "both"}) for acl in CLUSTER_ACLS[4:]),
            (_STS_NAT, {"egress": "narrow", "sts_subnets": "own"}),
            (_STS_NAT, {"egress": "https-anywhere", "sts_subnets": "own", "core_egress_same": False}),
            (_STS_NAT, {"egress": "s3-prefix-list", "sts_subnets": "own"}),
            (_NAT_GATEWAY, {"egress": "s3-prefix-list"}),
        ]
    )
)


def sample() -> list[int | Layout]:
    """
    The fixed sample: :data:`HAND_BUILT`, and few of the :data:`STUDY` layouts that together show every other setting
    :func:`kinds` names that they show (greedily, the layout showing the most not yet shown first, the lower number on
    a tie).
    """
    shown = {number: kinds(generate(number, SEED)) for number in range(STUDY)}
    wanted = set().union(*shown.values()) - set().union(*(kinds(layout) for layout in HAND_BUILT))
    chosen: list[int] = []
    while wanted:
        best = max(shown, key=lambda number: (len(shown[number] & wanted), -number))
        chosen.append(best)
        wanted -= shown[best]
    return [*sorted(chosen), *HAND_BUILT]


def filters_shown(outcomes: list[Outcome]) -> set[str]:
    """Which certain drops by the packet filters the outcomes show: the verifier's FAILs and the judge's blocks."""
    shown = set()
    for outcome in outcomes:
        for status, prefix in ((outcome.sts_link, "cluster reaches STS: "), (outcome.s3_link, "cluster reaches s3://")):
            for detail in outcome.details if status == "fail" else []:
                if detail.startswith(prefix):
                    shown |= {"verifier " + name for name, text in FILTERS.items() if text[0] in detail}
        for detail in outcome.details:
            if detail.startswith("judge: ") and not detail.startswith(f"judge: {CANNOT_TELL}"):
                shown |= {"judge " + name for name, text in FILTERS.items() if text[1] in detail}
    return shown


#: What the verifier's FAIL and the judge's reason say of a network ACL and of the cluster's groups.
FILTERS = {"acl": ("network ACL", "network ACL"), "groups": ("outbound rule", "primary node's security groups")}


def test_the_fixed_sample_shows_every_meaningful_packet_filter() -> None:
    """
    Every element of the draw tables' product a filter kind may take where it alone decides its way
    (:func:`meaningful_filter_kinds`) is shown by the fixed sample; each hand-built layout shows one at least.
    """
    shown = [filter_kinds(generate(item, SEED) if isinstance(item, int) else item) for item in sample()]
    assert meaningful_filter_kinds() - set().union(*shown) == set()
    assert all(filter_kinds(layout) for layout in HAND_BUILT)


def test_a_fixed_sample_of_network_layouts(moto_env: str) -> None:
    outcomes = run(sample())
    assert defects(outcomes) == []
    # The sample compares the packet filters' certain drops too, not only the routes.
    assert filters_shown(outcomes) == {f"{who} {name}" for who in ("verifier", "judge") for name in FILTERS}


@pytest.mark.skipif(not os.environ.get("EMRFS_XACCT_NET_STUDY"), reason="the full network study: make net-study")
def test_full_network_study(moto_env: str) -> None:
    chosen = [int(n) for n in os.environ.get("EMRFS_XACCT_NET_STUDY_CASES", "").split(",") if n.strip()]
    outcomes = run(chosen or STUDY)
    print(f"\nnetwork study, {len(outcomes)} layouts in {REGION} (link, verifier, judge, count):\n{table(outcomes)}")
    certain = [
        (link, why_not_checked(outcome, link), outcome.line())
        for outcome in outcomes
        for link, status, judged in (
            ("STS", outcome.sts_link, outcome.sts_judge),
            ("S3", outcome.s3_link, outcome.s3_judge),
        )
        if status == "not checked" and judged != "cannot tell"
    ]
    print(f"not checked where the judge is certain: {len(certain)}")
    for (link, why), count in sorted(Counter((link, why) for link, why, _ in certain).items()):
        print(f"  {link:4} {count:4}  {why}")
    for link, why, line in certain:
        if why == "other":
            print(f"  {link}: {line}")
    found = defects(outcomes)
    assert found == [], "\n".join(found)
