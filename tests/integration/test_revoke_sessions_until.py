"""
``sessions_may_last_until``: when EMRFS's sessions of the revoked role, assumed before the access ended, may last until.

``access_ended`` true means no NEW session can be assumed once IAM applies the change; sessions already assumed keep
the role's permissions: temporary credentials "are valid until they expire" (IAM User Guide, "Disabling permissions
for temporary security credentials"). EMRFS assumes the role with the instance profile's session credentials, role
chaining, which limits its session to one hour (IAM User Guide, "Methods to assume a role"; AWS STS API Reference,
"AssumeRole", ``DurationSeconds``). A session assumed before the access ended was assumed before the revoke's own
check after its writes, so the time of that check plus an hour bounds them all, whichever run or try wrote: the result
gives it whenever ``access_ended`` is true and it is not a dry run (a rerun or a retry that wrote nothing included),
``None`` otherwise.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_emrfs_xacct.operators.revoke import DeleteUnusedSecurityConfigsOperator
from devstack.moto_stack import DESTINATION_ACCOUNT, client, create_principals
from devstack.testing import AFTER_CALL, ROOT, may_change, run_operator
from tests.integration.partners import provision_partner
from tests.integration.test_retries import CASES, WorkerDied, die_once_after, task_instance
from tests.integration.test_revoke import PARTNER_1, PREFIX_1, allow_assuming_any_role, revoker, two_partners

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.moto_stack import Seeded

__all__ = ["two_partners"]  # the fixture, imported for the tests below

HOUR = timedelta(hours=1)


def parsed(value: str) -> datetime:
    """An ISO-8601 UTC time as the result gives it (``...Z``)."""
    assert isinstance(value, str), value
    assert value.endswith("Z"), value
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@contextlib.contextmanager
def mutating_calls_answered() -> Iterator[list[datetime]]:
    """
    Yield the times at which AWS answered each mutating call (each after it was sent), whichever client sent it.

    The first one waits 1.1 s before its time is taken: a time taken before the writes (from the plan) then falls
    short of it by more than the rounding up to the second.
    """
    answered: list[datetime] = []

    def record(service: str, operation: str, _answer: Any) -> None:
        if service != "sts" and may_change(operation):
            if not answered:
                time.sleep(1.1)
            answered.append(datetime.now(timezone.utc))

    AFTER_CALL.insert(0, record)  # before die_once_after's kill, which raises
    try:
        yield answered
    finally:
        AFTER_CALL.remove(record)


@pytest.mark.parametrize("options", [{}, {"remove_destination_trust": False}, {"delete_destination_role": True}])
def test_sessions_may_last_an_hour_after_the_check_and_a_rerun_says_so_too(
    aws: Seeded, two_partners: str, options: dict[str, bool]
) -> None:
    revoke = {"security_configuration": two_partners, "name_prefix": "emrfs-xacct", **options}
    planned = run_operator(revoker(aws, PARTNER_1, dry_run=True, **revoke))[0]
    assert planned["plan"] != []
    assert planned["access_ended"] is True
    assert planned["sessions_may_last_until"] is None  # nothing written: no session to wait for

    with mutating_calls_answered() as answered:
        first = run_operator(revoker(aws, PARTNER_1, **revoke))[0]
    after = datetime.now(timezone.utc)
    assert first["access_ended"] is True
    until = parsed(first["sessions_may_last_until"])
    assert answered
    assert answered[-1] + HOUR <= until <= after + HOUR + timedelta(seconds=1)  # after the last write, rounded up

    before_rerun = datetime.now(timezone.utc)
    again = run_operator(revoker(aws, PARTNER_1, **revoke))[0]
    assert again["plan"] == []
    assert again["access_ended"] is True
    # The rerun's own check, plus an hour: later than needed (conservative), never null.
    rerun_until = parsed(again["sessions_may_last_until"])
    assert rerun_until >= before_rerun + HOUR
    assert rerun_until >= until


@pytest.mark.parametrize("operation", ["PutKeyPolicy", "CreateSecurityConfiguration"])
def test_a_retry_after_the_worker_died_gives_a_time_after_every_write(aws: Seeded, operation: str) -> None:
    """
    The first try wrote (the trust, the grant, the key users), then its worker died: it pushed no XCom. The retry's
    value must bound sessions assumed before the first try's writes as well as its own: not ``None``.
    """
    case = CASES["revoke-partner-keep-role"]
    case.prepare(aws)
    first = case.make(aws)
    ti = task_instance(first, 1)
    with mutating_calls_answered() as answered:
        with die_once_after(operation), pytest.raises(WorkerDied):
            first.execute({"ti": ti, "task_instance": ti})
        retry = case.make(aws)
        result = run_operator(retry, task_instance(retry, 2))[0]

    assert result["access_ended"] is True
    assert result["sessions_may_last_until"] is not None
    assert parsed(result["sessions_may_last_until"]) >= answered[-1] + HOUR


def test_no_time_while_the_access_is_not_ended(aws: Seeded) -> None:
    """
    With the trust kept and another ``sts:AssumeRole`` grant of the EMR EC2 role, EMRFS assumes the role again
    (IAM User Guide, "Cross-account policy evaluation logic": both allow it): no time bounds its sessions.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    allow_assuming_any_role(aws)

    result = run_operator(revoker(aws, PARTNER_1, remove_destination_trust=False))[0]

    assert result["plan"]  # it wrote
    assert result["access_ended"] is False
    assert result["sessions_may_last_until"] is None


def test_the_cleanup_keeps_two_days_by_default_as_in_the_example_dag() -> None:
    """Above a daily pipeline's interval between launches (docs/howto/revoke.md): a late launch finds its own."""
    two_days = 2 * 24 * 60 * 60
    assert DeleteUnusedSecurityConfigsOperator(task_id="cleanup", name_prefix="x").min_age_seconds == two_days
    spec = importlib.util.spec_from_file_location("offboard_dag", ROOT / "dags" / "emrfs_xacct_offboard_partner.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    task = module.dag.get_task("delete_unused_security_configurations")
    assert task.min_age_seconds == two_days


def trust_also(aws: Seeded, role_name: str, principal: str) -> None:
    """Add to the role's trust policy a statement someone else wrote, trusting ``principal`` (the revoke keeps it)."""
    iam = client(aws.url, DESTINATION_ACCOUNT, "iam")
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"].append(
        {"Sid": "PartnerAdmin", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    )
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))


@pytest.mark.parametrize(
    ("options", "expected"),
    [({}, []), ({"delete_destination_role": True}, []), ({"remove_destination_trust": False}, None)],
)
def test_also_trusted_is_empty_when_the_trust_names_no_one_else(
    aws: Seeded, two_partners: str, options: dict[str, bool], expected: list[str] | None
) -> None:
    """Empty when the trust read after the writes names no one else (or the role is gone); ``None`` when not read."""
    revoke = {"security_configuration": two_partners, "name_prefix": "emrfs-xacct", **options}
    result = run_operator(revoker(aws, PARTNER_1, **revoke))[0]
    assert result["access_ended"] is True
    assert result["also_trusted"] == expected


def test_also_trusted_names_a_statement_the_revoke_keeps(aws: Seeded) -> None:
    """
    A statement someone else wrote, trusting another principal, stays (the revoke takes out only the EMR EC2 role):
    that principal's sessions are not chained from an instance profile, so they may last up to the role's maximum
    session duration, 12 hours at most (AWS STS API Reference, "AssumeRole", ``DurationSeconds``; IAM API
    Reference, "UpdateRole", ``MaxSessionDuration``), past ``sessions_may_last_until``. The result names it.
    """
    provision_partner(aws, PARTNER_1, PREFIX_1)
    other = f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/partner-admin"
    create_principals(aws.url, other)
    trust_also(aws, PARTNER_1, other)

    planned = run_operator(revoker(aws, PARTNER_1, dry_run=True))[0]
    result = run_operator(revoker(aws, PARTNER_1))[0]

    assert result["access_ended"] is True
    assert result["sessions_may_last_until"] is not None
    assert result["also_trusted"] == ["statement 'PartnerAdmin'"]
    assert planned["also_trusted"] == ["statement 'PartnerAdmin'"]
