"""
The stand-in's rate-limited mode throttles per account, as AWS does, not per set of credentials.

AWS applies API request quotas per account and Region ("IAM and AWS STS quotas", IAM User Guide;
https://repost.aws/knowledge-center/iam-sts-throttling-error): every assumed-role session of one
account draws on the same token buckets. In a backfill each Airflow task assumes its connection's role
and so signs with its own temporary key; a proxy counting per key would never throttle them. Which
account a key belongs to is moto's own answer (the account it serves the key's requests in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.pure.quotas import request_rate
from devstack.fault_proxy import FaultProxy, account_of_access_key
from devstack.moto_stack import DESTINATION_ACCOUNT, EMR_ACCOUNT, account_session

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    import boto3

#: ListRoles's bucket, scaled down to hold this many requests and a tenth of a token (its refill scales
#: alike: a bucket refills in the same time whatever the scale, so a small one leaves more time
#: between the requests below before a token comes back).
BURST = 1


def iam_through(proxy: FaultProxy, session: boto3.Session) -> Any:
    """An IAM client of ``session`` that sends through ``proxy`` and does not retry (a throttle shows)."""
    return session.client(
        "iam", endpoint_url=proxy.url, config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )


def throttled(iam: Any) -> bool:
    """Send one ``ListRoles``; ``True`` when IAM's throttling answer came back (any other error raises)."""
    try:
        iam.list_roles(MaxItems=1)
    except ClientError as error:
        if error.response["Error"]["Code"] != "Throttling":
            raise
        return True
    return False


def test_sessions_of_one_account_share_its_buckets_and_the_other_account_has_its_own(aws, moto_url):
    figure = request_rate("iam", "ListRoles")
    scale = (BURST + 0.1) / figure.burst
    # A tenth of a token is left after the burst: the next request must come before nine tenths come
    # back, over a second even on a busy machine running two test workers.
    assert 0.9 / (figure.rate * scale) > 1.0
    first = account_session(moto_url, EMR_ACCOUNT, session_name="first")
    second = account_session(moto_url, EMR_ACCOUNT, session_name="second")
    other = account_session(moto_url, DESTINATION_ACCOUNT)
    keys = [session.get_credentials().access_key for session in (first, second, other)]
    assert len(set(keys)) == 3
    assert [account_of_access_key(key) for key in keys] == [EMR_ACCOUNT, EMR_ACCOUNT, DESTINATION_ACCOUNT]

    with FaultProxy(moto_url, rate_limits=True, rate_scale=scale) as proxy:
        clients = [iam_through(proxy, session) for session in (first, second, other)]
        for _ in range(BURST):
            assert not throttled(clients[0])
        # The second session of the same account finds the account's bucket empty ...
        assert throttled(clients[1])
        # ... and the other account's sessions are not slowed by it.
        assert not throttled(clients[2])
    assert proxy.throttled["ListRoles"] == 1


@pytest.mark.parametrize("account", [EMR_ACCOUNT, DESTINATION_ACCOUNT])
def test_moto_names_the_account_of_an_assumed_role_key(aws, moto_url, account):
    key = account_session(moto_url, account).get_credentials().access_key
    assert key.startswith("ASIA")
    assert account_of_access_key(key) == account


def test_a_throttled_backfill_loses_no_partner(moto_url):
    """
    Ten partners' chains on eight threads through the per-account rate limits: throttled, none lost.

    The judge is what moto holds at the end: every partner in the shared EMR EC2 role's assume-role
    grants and among the key users (``benchmarks.scale.lost_partners``). Before the protocol counted a
    write's deadline from the read it was planned on, this lost 1 to 8 of the 10 partners from the
    assume-role policy in every run: the first read, followed by throttled quota reads, was written on
    seconds later. A quarter of AWS's figures makes a run of this size meet the limits.
    """
    from benchmarks.scale import backfill

    result = backfill(moto_url, 10, rate_scale=0.25)
    assert result.throttled > 0
    assert result.lost == []
