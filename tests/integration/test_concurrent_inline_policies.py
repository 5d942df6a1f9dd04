"""
Concurrent writers of the provider's two inline role policies: option (a)'s ``emrfs-xacct-bucket-access`` on
the shared EMR EC2 role and the destination role's ``emrfs-xacct-destination-access``.

``PutRolePolicy`` replaces the whole document (IAM API Reference, "PutRolePolicy": it "adds or updates an
inline policy document"; it takes no condition on what the policy held), so two runs that read the same
version and each add their prefix leave one prefix; IAM's reads may lag behind its writes (IAM User
Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible"). ``docs/safety.md``
says concurrent runs converge all the same: each re-reads after the settle wait and merges again what a
concurrent run overwrote (``pure/converge.py``). Six writers, each with its own hook, its own prefix and its
own key, run at once through the fault proxy with AWS's 50-100 ms round trip: released together (every
first read before any write), and again with reads lagging (the first writer alone, the others once its
write has gone through, so that their first reads miss it). The lag and ``settle_seconds`` stay inside the
limit ``docs/safety.md`` states (2 x 0.3 s + 4 s / 2 + a trip, against 4 s), as
``tests/integration/test_stale_reads.py`` does for the key policy, the spill policy and the bucket policy.
With the read-back removed (each writer stopping at its first write, a naive read-modify-write) these
tests lose prefixes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.bucket_policy import EMR_ROLE_POLICY_NAME
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import find_statement
from airflow_provider_emrfs_xacct.pure.validation import S3Location
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EC2_ONLY_TRUST,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    REGION,
    MotoStack,
    Seeded,
    client,
)
from tests.conftest import use_connections
from tests.integration.test_stale_reads import LATENCY_RANGE, at_once

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    from collections.abc import Iterator

WRITERS = 6
#: Small, for a short run, with reads fresh.
SETTINGS = ConvergeSettings(settle_seconds=2.0)
#: How far the proxy's reads of the inline policies lag behind the writes, in the eventually consistent case: 0.3 s,
#: as ``test_stale_reads.py``, so that the later writers' first reads (each behind the proxy's 50-100 ms round trip on
#: a busy machine) still fall inside it (at 0.1 s a CI run saw none lag); with :data:`LAGGING_SETTINGS` inside the
#: limit of ``docs/safety.md``: 2 x 0.3 + 4 / 2 leaves 1.4 s for a write's trip.
LAG = 0.3
LAGGING_SETTINGS = ConvergeSettings(settle_seconds=4.0)
#: The partners' destination role (one role given prefixes by several runs).
DESTINATION_ROLE = "partner-shared-writer"


def location(aws: Seeded, writer: int) -> S3Location:
    return S3Location(aws.bucket, f"partner-{writer}/")


def key(writer: int) -> str:
    return f"arn:aws:kms:{REGION}:{DESTINATION_ACCOUNT}:key/00000000-0000-4000-8000-{writer:012d}"


def foreign(aws: Seeded) -> dict[str, Any]:
    """A statement someone else put into the provider's policy: every writer must keep it as it is."""
    return {
        "Sid": "TeamDenyArchiveDeletes",
        "Effect": "Deny",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{aws.bucket}/archive/*",
    }


@pytest.fixture(params=[0.0, LAG], ids=["fresh-reads", "stale-reads"])
def proxy(moto_stack: MotoStack, aws: Seeded, monkeypatch: pytest.MonkeyPatch, request: Any) -> Iterator[FaultProxy]:
    """The connections point at a proxy with AWS's round trip whose inline-policy reads lag ``request.param``."""
    with FaultProxy(moto_stack.url, latency_seconds=LATENCY_RANGE, stale_read_seconds=request.param) as proxy:
        use_connections(monkeypatch, proxy.url)
        yield proxy


def race(aws: Seeded, proxy: FaultProxy, account: str, conn_id: str, role: str, policy_name: str) -> None:
    """
    Seed the policy with :func:`foreign`, run the six writers at once, check what the policy holds, rerun them.

    Each writer grants its own prefix and key, with :meth:`EmrfsIamHook.ensure_emr_role_bucket_access` on the EMR
    EC2 role, or :meth:`EmrfsIamHook.ensure_destination_access` on the destination role.
    """
    iam = client(aws.url, account, "iam")
    seeded = {"Version": "2012-10-17", "Statement": [foreign(aws)]}
    iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(seeded))
    hooks = [EmrfsIamHook(aws_conn_id=conn_id) for _ in range(WRITERS)]
    for hook in hooks:
        assert hook.conn  # built now (credentials included), so that the writers start together

    settings = LAGGING_SETTINGS if proxy.stale_read_seconds else SETTINGS

    def grant(writer: int) -> Any:
        hook, locations, keys = hooks[writer], [location(aws, writer)], [key(writer)]
        if policy_name == documents.DESTINATION_POLICY_NAME:
            return hook.ensure_destination_access(role, locations, keys, settings=settings)
        return hook.ensure_emr_role_bucket_access(role, locations, keys, settings=settings)

    errors = at_once(WRITERS, grant, after_a_write=proxy if proxy.stale_read_seconds else None)

    assert errors == []
    assert proxy.requests["PutRolePolicy"] >= WRITERS  # every writer wrote: none read the others' grants first
    if proxy.stale_read_seconds:
        assert proxy.stats["stale-read"] > 0  # the reads did lag
    policy = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    held_locations, held_keys = documents.locations_in_permissions_policy(policy)
    lost = [writer for writer in range(WRITERS) if location(aws, writer) not in held_locations]
    assert lost == [], f"the prefixes of writers {lost} were lost"
    assert held_locations == {location(aws, writer) for writer in range(WRITERS)}
    assert held_keys == {key(writer) for writer in range(WRITERS)}
    assert find_statement(policy, foreign(aws)["Sid"]) == foreign(aws)
    writes = proxy.requests["PutRolePolicy"]
    assert [grant(writer) for writer in range(WRITERS)] == [[]] * WRITERS  # a rerun plans nothing
    assert proxy.requests["PutRolePolicy"] == writes  # and writes nothing


def test_option_a_writers_on_the_shared_emr_role_keep_every_prefix_and_key(aws: Seeded, proxy: FaultProxy) -> None:
    race(aws, proxy, EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, EMR_ROLE_POLICY_NAME)


def test_destination_role_writers_of_several_prefixes_keep_every_prefix_and_key(aws: Seeded, proxy: FaultProxy) -> None:
    """Runs for the partner's prefixes (or a partner moved to a new prefix) at once: they converge to all of them."""
    client(aws.url, DESTINATION_ACCOUNT, "iam").create_role(
        RoleName=DESTINATION_ROLE, AssumeRolePolicyDocument=EC2_ONLY_TRUST
    )

    race(aws, proxy, DESTINATION_ACCOUNT, DESTINATION_CONN_ID, DESTINATION_ROLE, documents.DESTINATION_POLICY_NAME)
