"""
Concurrent writers of one destination role's trust policy: grants and revokes of different EMR EC2 roles at once.

One destination role may trust many EMR EC2 roles (``docs/scale.md``), and a grant and a revoke of different
partners on one document are two concurrent writers like any other (``docs/safety.md``). ``UpdateAssumeRolePolicy``
takes the whole ``PolicyDocument`` and nothing else (IAM API Reference, "UpdateAssumeRolePolicy": ``RoleName`` and
``PolicyDocument`` only, no version or condition to write against), so the last writer wins: only the
settle-and-read-back protocol (``pure/converge.py``) keeps a concurrent writer's change. The writers here are
threads, each with its own hook and clients, released together through the stand-in's fault proxy with AWS's
50-100 ms round trip (``devstack/fault_proxy.py``), with ``settle_seconds`` 1; the trust is read from moto directly.

With stale reads on, the proxy answers ``GetRole``'s trust policy as it was the lag ago, as it does the other shared
documents (IAM User Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible": a change
"must be replicated across IAM, which can take some time"): one test checks the stand-in itself, another has grants
and revokes at once while the trust's reads lag inside the limit of ``docs/safety.md``.

Breaks seen (each in a scratch copy of the repository, 2-3 runs each): with the revoke's write taken as held at once
(no settle wait, no read-back: ``revoke_role_trust``'s ``write`` returning ``True``), 5 of the 6 revoked roles were
still trusted, and the lagging test kept a revoked role; with the grant's ``UpdateAssumeRolePolicy`` taken as held at
once, 5 of the 6 granted roles were missing, and the lagging test lost a grant. With the proxy answering trust
policies fresh, as before, the stand-in's test fails, and so does the lagging one (no trust write released its
later writers).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import aws_principals, find_statement, parse_document
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    DESTINATION_CONN_ID,
    EMR_ACCOUNT,
    MotoStack,
    Seeded,
    client,
    create_principals,
)
from tests.conftest import use_connections
from tests.integration.test_stale_reads import LATENCY_RANGE, at_once

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The destination role the writers share.
ROLE = "partner-shared-trust"
ROLE_ARN = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/{ROLE}"
#: EMR EC2 roles ``emr-ec2-pipeline-00`` .. ``-06``: one to keep, six writers.
ROLES = 7
WRITERS = 6
SETTINGS = ConvergeSettings(settle_seconds=1)
#: Reads of the trust lagging, and the settle wait, inside the limit of ``docs/safety.md``: 2 x 0.3 + 4 / 2 leaves
#: 1.4 s for a write's trip, as ``test_stale_reads.py``. At 0.1 s a busy CI machine's later writers read after the lag
#: had passed (none lagged).
LAG, LAGGING_SETTLE = 0.3, 4.0


def emr_role(index: int) -> str:
    return f"arn:aws:iam::{EMR_ACCOUNT}:role/emr-ec2-pipeline-{index:02d}"


def trusted(aws: Seeded) -> set[str]:
    """The EMR EC2 roles the provider's trust statement names, as moto holds it (not through the proxy)."""
    text = client(aws.url, DESTINATION_ACCOUNT, "iam").get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    statement = find_statement(parse_document(text if isinstance(text, str) else json.dumps(text)), documents.TRUST_SID)
    return set() if statement is None else set(aws_principals(statement))


@pytest.fixture
def proxied(aws: Seeded, moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """The EMR EC2 roles exist (IAM refuses a trust naming a missing one); the connections go through the proxy."""
    create_principals(aws.url, *(emr_role(index) for index in range(ROLES)))
    with FaultProxy(moto_stack.url, latency_seconds=LATENCY_RANGE) as proxy:
        yield proxy


def writers(monkeypatch: pytest.MonkeyPatch, proxy: FaultProxy) -> list[EmrfsIamHook]:
    """One hook per writer through ``proxy``, its client built now so that the writers start together."""
    use_connections(monkeypatch, proxy.url)
    hooks = [EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID) for _ in range(WRITERS)]
    for hook in hooks:
        assert hook.conn
    return hooks


def test_concurrent_revokes_of_different_emr_roles_each_take_their_own_out(
    aws: Seeded, proxied: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The statement is the provider's own: written by its grant (to moto directly).
    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(ROLE, [emr_role(i) for i in range(ROLES)])
    assert trusted(aws) == {emr_role(i) for i in range(ROLES)}
    hooks = writers(monkeypatch, proxied)

    errors = at_once(
        WRITERS,
        lambda i: hooks[i].revoke_role_trust(ROLE_ARN, (EMR_ACCOUNT, f"emr-ec2-pipeline-{i:02d}"), settings=SETTINGS),
    )

    assert errors == []
    assert trusted(aws) == {emr_role(WRITERS)}


def test_concurrent_grants_of_different_emr_roles_each_keep_their_own(
    aws: Seeded, proxied: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(ROLE, [emr_role(0)])
    hooks = writers(monkeypatch, proxied)

    errors = at_once(WRITERS, lambda i: hooks[i].ensure_role_trusts(ROLE, [emr_role(i + 1)], settings=SETTINGS))

    assert errors == []
    assert trusted(aws) == {emr_role(i) for i in range(ROLES)}


def test_the_proxy_answers_a_role_trust_policy_as_it_was_the_lag_ago(moto_stack: MotoStack, aws: Seeded) -> None:
    """
    The stand-in itself: a trust policy read right after ``UpdateAssumeRolePolicy`` shows the one before.

    The rest of the role is answered as moto has it, and so is a role just deleted (moto has no role to put the old
    trust policy in); a role just created (``CreateRole`` goes through only for a new role), or deleted the lag ago and
    created again since, is answered missing for the lag, as one replica lagging 1 s has it.
    """
    create_principals(aws.url, emr_role(0), emr_role(1))
    versions = [
        json.dumps({"Version": "2012-10-17", "Statement": [documents.trust_statement([emr_role(index)])]})
        for index in range(2)
    ]
    with FaultProxy(moto_stack.url, stale_read_seconds=1.0) as proxy:
        iam = client(proxy.url, DESTINATION_ACCOUNT, "iam")

        def trust() -> Any:
            return iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]

        arn = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=versions[0])["Role"]["Arn"]
        with pytest.raises(ClientError, match="NoSuchEntity"):
            trust()  # a role just created: not there yet on the replica
        time.sleep(1.2)
        assert trust() == json.loads(versions[0])
        iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=versions[1])
        role = iam.get_role(RoleName=ROLE)["Role"]
        assert (role["Arn"], role["AssumeRolePolicyDocument"]) == (arn, json.loads(versions[0]))  # not visible yet
        assert proxy.stats["stale-read"] == 2
        time.sleep(1.2)
        assert trust() == json.loads(versions[1])
        iam.delete_role(RoleName=ROLE)
        with pytest.raises(ClientError, match="NoSuchEntity"):
            trust()
        time.sleep(1.2)
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=versions[0])
        with pytest.raises(ClientError, match="NoSuchEntity"):
            trust()
        assert proxy.stats["stale-read"] == 3
        time.sleep(1.2)
        assert trust() == json.loads(versions[0])


def test_concurrent_grants_and_revokes_keep_every_change_while_trust_reads_lag_within_the_limit(
    aws: Seeded, moto_stack: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Two revokes and two grants of different EMR EC2 roles, the trust's reads 0.3 s behind (``settle_seconds`` 4).

    Inside the limit ``docs/safety.md`` states (as ``test_stale_reads.py``'s cases): the first writer starts alone,
    the others once its write has gone through, so that their first reads miss it.
    """
    create_principals(aws.url, *(emr_role(index) for index in range(5)))
    EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID).ensure_role_trusts(ROLE, [emr_role(i) for i in (0, 1, 4)])
    settings = ConvergeSettings(settle_seconds=LAGGING_SETTLE)
    with FaultProxy(moto_stack.url, latency_seconds=LATENCY_RANGE, stale_read_seconds=LAG) as proxy:
        use_connections(monkeypatch, proxy.url)
        hooks = [EmrfsIamHook(aws_conn_id=DESTINATION_CONN_ID) for _ in range(4)]
        for hook in hooks:
            assert hook.conn
        work = [
            lambda: hooks[0].revoke_role_trust(ROLE_ARN, (EMR_ACCOUNT, "emr-ec2-pipeline-00"), settings=settings),
            lambda: hooks[1].ensure_role_trusts(ROLE, [emr_role(2)], settings=settings),
            lambda: hooks[2].revoke_role_trust(ROLE_ARN, (EMR_ACCOUNT, "emr-ec2-pipeline-01"), settings=settings),
            lambda: hooks[3].ensure_role_trusts(ROLE, [emr_role(3)], settings=settings),
        ]

        errors = at_once(len(work), lambda i: work[i](), after_a_write=proxy)

        assert errors == []
        assert trusted(aws) == {emr_role(i) for i in (2, 3, 4)}
        assert proxy.stats["stale-read"] > 0  # the trust's reads did lag
