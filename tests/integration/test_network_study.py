"""
The verifier's network links against the stand-in's network judge on random VPC layouts (``network_study.py``).

``make test`` runs a fixed sample of layouts (:func:`sample`); the full study (:data:`STUDY` layouts) runs with
``EMRFS_XACCT_NET_STUDY=1`` (``make net-study``).

The claims, for ``cluster reaches STS`` and ``cluster reaches s3://BUCKET`` each: no PASS where the judge finds the
way blocked or cannot tell (a false PASS), no FAIL where the judge finds it reached (a false FAIL, which stops a
working pipeline); and no verdict PASS where the writer's request is refused or its outcome is unknown. A link
"not checked" where the judge is certain is counted and printed, not failed.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from devstack.aws_network import _calls_regional_sts as calls_regional_sts
from devstack.moto_stack import REGION
from tests.integration.differential import forget_clients
from tests.integration.network_study import Outcome, generate, judge
from tests.integration.test_differential import readers

SEED = 20261201
STUDY = 400
#: The judge's answer each link status must not meet.
CONTRADICTS = {"pass": ("blocked", "cannot tell"), "fail": ("reaches",)}


def run(numbers: int | list[int]) -> list[Outcome]:
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


def sample() -> list[int]:
    """
    The fixed sample: the first layout of each default route, ``MapPublicIpOnLaunch`` and STS endpoint kind (Regional
    or global); and, in a subnet with no way out, of each S3 gateway endpoint place and bucket Region (no S3 interface
    endpoint), of each STS interface endpoint kind and STS endpoint kind, and, for Regional STS through an STS interface
    endpoint with private DNS, of each setting of the VPC's DNS attributes and of the endpoint's security group; and of
    each prefix-list route beside a NAT gateway default route or none; of each place a NAT gateway's own subnet sends its
    traffic, with the VPC's DNS support on and off; and, with no way out, with and without a route to a hub's transit
    gateway.
    """
    chosen: dict[tuple[object, ...], int] = {}
    for number in range(STUDY):
        layout = generate(number, SEED)
        regional = calls_regional_sts(layout.release, {})
        chosen.setdefault(("route", layout.default_route, layout.public_ip, regional), number)
        if layout.default_route in ("nat-gateway", "none"):
            chosen.setdefault(("prefix-list", layout.prefix_list, layout.default_route), number)
        if layout.default_route in ("nat-gateway", "split-nat-gateway"):
            chosen.setdefault(("nat-subnet", layout.nat_subnet, layout.dns[0]), number)
        if layout.default_route == "none":
            chosen.setdefault(("hub", layout.hub_route), number)
        if layout.default_route == "none" and layout.s3_interface == "none":
            chosen.setdefault(("s3", layout.s3_gateway, layout.bucket_region == REGION), number)
        if layout.default_route == "none" and not layout.sts_override:
            answers = layout.dns == (True, True) and layout.endpoints_open  # an endpoint with private DNS would serve
            chosen.setdefault(("sts", layout.sts_interface, regional, answers), number)
            if regional and layout.sts_interface == "private-dns":
                chosen.setdefault(("sts-dns", layout.dns, layout.endpoints_open), number)
    return sorted(set(chosen.values()))


def test_a_fixed_sample_of_network_layouts(moto_env: str) -> None:
    outcomes = run(sample())
    assert defects(outcomes) == []


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
