"""
The verifier's network reads raise credentials AWS refuses and throttling past the retries, as its other reads do.

``verify`` promises exit 3 for a read throttled past its retries and 6 for credentials expiring during its run
(docs/cli.md): the subnet's facts turned such an answer into a fact "not read" (``DescribeNatGateways``: an empty
answer, said nowhere; ``DescribeVpcAttribute``). EC2 throttles with ``RequestLimitExceeded`` and refuses expired
credentials with ``ExpiredTokenException`` and a stale signature with ``RequestExpired`` (Amazon EC2 API Reference,
"Error codes for the Amazon EC2 API", "Common Error Types"). Any other failure of ``DescribeNatGateways`` is said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import EMR_ACCOUNT, client
from tests.integration.test_faults import skip_backoffs
from tests.integration.test_network_facts import read_subnet_facts, subnet_behind_a_nat_gateway

if TYPE_CHECKING:
    from collections.abc import Callable

THROTTLED = (503, "RequestLimitExceeded", "Request limit exceeded.")
EXPIRED = (400, "RequestExpired", "Request has expired.")
EXPIRED_TOKEN = (400, "ExpiredTokenException", "The security token included in the request has expired")


def answering(operation: str, answer: tuple[int, str, str]) -> Callable[[str], tuple[int, str, str] | None]:
    return lambda asked: answer if asked == operation else None


def read_through(moto_url: str, monkeypatch: pytest.MonkeyPatch, operation: str, answer: tuple[int, str, str]) -> Any:
    """The subnet's facts read through a proxy answering ``operation`` with ``answer``."""
    subnet = subnet_behind_a_nat_gateway(client(moto_url, EMR_ACCOUNT, "ec2"))
    skip_backoffs(monkeypatch)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with FaultProxy(moto_url, intercept=answering(operation, answer)) as proxy:
        return read_subnet_facts(client(proxy.url, EMR_ACCOUNT, "ec2"), subnet)


@pytest.mark.parametrize("operation", ["DescribeNatGateways", "DescribeVpcAttribute"])
@pytest.mark.parametrize("answer", [THROTTLED, EXPIRED, EXPIRED_TOKEN], ids=lambda answer: answer[1])
def test_a_throttled_or_expired_network_read_is_raised_not_read_as_a_fact(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, operation: str, answer: tuple[int, str, str]
) -> None:
    with pytest.raises(ClientError) as raised:
        read_through(moto_url, monkeypatch, operation, answer)

    assert (raised.value.operation_name, raised.value.response["Error"]["Code"]) == (operation, answer[1])


def test_a_nat_gateway_read_that_failed_is_said_not_an_empty_answer(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    failure = (400, "InvalidParameterValue", "The request is not valid")

    facts = read_through(moto_url, monkeypatch, "DescribeNatGateways", failure)

    assert facts.nat_route is False  # not read as a way to the internet, nor as none: egress not seen, said
    assert "ec2:DescribeNatGateways" in facts.other_default_route, facts.other_default_route
    assert "InvalidParameterValue" in facts.other_default_route
