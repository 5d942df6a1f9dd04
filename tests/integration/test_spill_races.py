"""
The provider's spill policies (``docs/scale.md``) under a killed task and concurrent writers.

Against the two-account moto server. A managed policy can only be deleted once detached from every
role and stripped of its non-default versions (IAM API Reference, "DeletePolicy"), so a revoke that
empties one makes several calls; a worker killed between them (``WorkerDied`` after the call
succeeded, as in ``test_retries.py``) leaves a policy attached to nothing that still grants what the
revoke took away, once attached again.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from airflow_provider_emrfs_xacct.pure.merge import MAX_MANAGED_POLICY_CHARS
from airflow_provider_emrfs_xacct.pure.quotas import QuotaRefusedByAwsError
from devstack import aws_judge
from devstack.emrfs_writer import read_principal
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import (
    DESTINATION_ACCOUNT,
    EMR_ACCOUNT,
    EMR_CONN_ID,
    EMR_EC2_ROLE,
    MotoStack,
    Seeded,
    client,
)
from tests.conftest import run_operator, use_connections
from tests.integration.test_retries import WorkerDied, die_once_after
from tests.integration.test_scale import FULL, SPILL_2, SPILL_3, SPILL_ARN, attach, fill_inline
from tests.integration.test_spill_isolation import assumable, partners, revoke

#: Concurrent writers, lagging reads or the wait itself: the provider's default settle wait (tests/conftest.py).
pytestmark = pytest.mark.deployed_settle_wait


def spill_policies(iam: Any) -> dict[str, set[str]]:
    """Every policy under the provider's path, attached or not, with the role ARNs its default version grants."""
    out = {}
    for policy in iam.list_policies(Scope="Local", PathPrefix=spill.SPILL_PATH)["Policies"]:
        version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
        out[policy["PolicyName"]] = spill.held(version["PolicyVersion"]["Document"])
    return out


@pytest.mark.parametrize("operation", ["DetachRolePolicy", "DeletePolicyVersion"])
def test_a_revoke_killed_while_deleting_an_emptied_spill_policy_is_finished_by_its_retry(
    aws: Seeded, operation: str
) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    victim, newcomer = partners(0, 2)
    run_operator(attach(destination_role_arns=[victim]))
    assert spill_policies(iam) == {SPILL_2: {victim}}
    for _ in range(2):  # more versions, which the revoke deletes before the policy (IAM, "DeletePolicy")
        iam.create_policy_version(
            PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([victim])), SetAsDefault=True
        )

    with die_once_after(operation), pytest.raises(WorkerDied):
        run_operator(revoke(victim))
    run_operator(revoke(victim))  # Airflow's retry of the task

    assert victim not in assumable(iam, EMR_EC2_ROLE)
    assert all(victim not in held for held in spill_policies(iam).values()), spill_policies(iam)

    # The next partner past the wall gets a spill policy again: the revoked one must not come back with it.
    run_operator(attach(destination_role_arns=[newcomer]))
    assert newcomer in assumable(iam, EMR_EC2_ROLE)
    assert victim not in assumable(iam, EMR_EC2_ROLE)


@pytest.mark.parametrize("operation", ["CreatePolicy", "DeletePolicyVersion", "CreatePolicyVersion"])
def test_a_grant_killed_between_spill_writes_converges_on_retry_and_leaks_nothing(aws: Seeded, operation: str) -> None:
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    first, second = partners(0, 2)
    if operation != "CreatePolicy":  # a spill policy at IAM's five versions: the next write deletes one first
        run_operator(attach(destination_role_arns=[first]))
        for _ in range(4):
            iam.create_policy_version(
                PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([first])), SetAsDefault=True
            )

    with die_once_after(operation), pytest.raises(WorkerDied):
        run_operator(attach(destination_role_arns=[second]))
    run_operator(attach(destination_role_arns=[second]))  # Airflow's retry of the task

    expected = {second} if operation == "CreatePolicy" else {first, second}
    assert expected <= assumable(iam, EMR_EC2_ROLE)
    assert list(spill_policies(iam)) == [SPILL_2]  # no second policy, none left detached
    attached = [
        item["PolicyName"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    ]
    assert attached == [SPILL_2]
    assert len(iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]) <= 5


# A long concurrency study (8 writers through the fault proxy, about 17 s): make bench (pytest -m perf tests).
@pytest.mark.perf
def test_concurrent_grants_past_the_inline_wall_share_spill_policies_and_lose_none(
    moto_stack: MotoStack, aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    8 writers at once through AWS's round trip: one creates the spill policy, the others merge into it.

    A writer that looks at the new policy between its ``CreatePolicy`` and its ``AttachRolePolicy`` takes the next
    name instead, one managed policy more (docs/scale.md, "Writes IAM may refuse come first"): each writer makes one
    at most, and none is left attached to nothing.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    newcomers = partners(0, 8)
    with FaultProxy(moto_stack.url, latency_seconds=(0.05, 0.10)) as proxy:
        use_connections(monkeypatch, proxy.url)
        hooks = [EmrfsIamHook(aws_conn_id=EMR_CONN_ID) for _ in newcomers]
        for hook in hooks:
            assert hook.conn
        barrier, errors = threading.Barrier(len(hooks)), []

        def grant(index: int) -> None:
            barrier.wait(60)
            try:
                hooks[index].ensure_assume_role_policy(
                    EMR_EC2_ROLE, [newcomers[index]], settings=ConvergeSettings(settle_seconds=1.5)
                )
            except Exception as error:
                errors.append(f"writer {index}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=grant, args=(index,)) for index in range(len(hooks))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)

    assert errors == []
    assert set(newcomers) <= assumable(iam, EMR_EC2_ROLE)
    made = spill_policies(iam)
    attached = {
        item["PolicyName"] for item in iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"]
    }
    assert SPILL_2 in made
    assert set(made) <= attached, made  # none left over, granting nothing
    assert len(made) <= len(newcomers), made
    assert all(made.values()), made
    assert len(iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]) <= 5


@pytest.mark.parametrize("operation", ["DeletePolicyVersion", "CreatePolicyVersion"])
def test_the_loser_of_the_five_version_race_makes_room_again_without_waiting(aws: Seeded, operation: str) -> None:
    """
    Two writers of a spill policy at IAM's five versions each delete the oldest and create a new one.

    Just before our writer's call, the other writer deletes that same version (``DeletePolicyVersion``
    then answers ``NoSuchEntity``) or takes the room made with its own new version (``CreatePolicyVersion``
    answers ``LimitExceeded``). Neither is IAM's lag: with no time allowed for waiting it out
    (``consistency_wait_seconds=0``), the write still goes through.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    first, second = partners(0, 2)
    run_operator(attach(destination_role_arns=[first]))
    for _ in range(4):
        iam.create_policy_version(
            PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([first])), SetAsDefault=True
        )
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    raced: list[str] = []

    def other_writer_first(params: dict[str, Any], **_: Any) -> None:
        if raced:
            return
        raced.append(operation)
        if operation == "DeletePolicyVersion":
            iam.delete_policy_version(PolicyArn=SPILL_ARN, VersionId=params["VersionId"])
        else:
            iam.create_policy_version(
                PolicyArn=SPILL_ARN, PolicyDocument=json.dumps(documents.assume_role_policy([first])), SetAsDefault=True
            )

    hook.conn.meta.events.register(f"before-parameter-build.iam.{operation}", other_writer_first)
    hook.ensure_assume_role_policy(
        EMR_EC2_ROLE, [second], settings=ConvergeSettings(settle_seconds=0, consistency_wait_seconds=0)
    )

    assert raced == [operation]
    assert {first, second} <= assumable(iam, EMR_EC2_ROLE)
    assert len(iam.list_policy_versions(PolicyArn=SPILL_ARN)["Versions"]) == 5


def test_a_revoke_whose_spill_version_is_replaced_while_it_reads_still_takes_the_grant_away(aws: Seeded) -> None:
    """
    Between the revoke's ``GetPolicy`` (naming the default version) and its ``GetPolicyVersion``, another
    writer makes a new default version and deletes the one named (IAM API Reference, "DeletePolicyVersion":
    any version but the default). The version's ``NoSuchEntity`` does not mean the policy is gone: the
    revoke reads again and still removes the grant, where it used to skip the policy and leave it.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    victim, other = partners(0, 2)
    run_operator(attach(destination_role_arns=[victim]))
    hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    raced: list[str] = []

    def other_writer_first(params: dict[str, Any], **_: Any) -> None:
        if raced or params["PolicyArn"] != SPILL_ARN:
            return
        raced.append(params["VersionId"])
        iam.create_policy_version(
            PolicyArn=SPILL_ARN,
            PolicyDocument=json.dumps(documents.assume_role_policy([victim, other])),
            SetAsDefault=True,
        )
        iam.delete_policy_version(PolicyArn=SPILL_ARN, VersionId=params["VersionId"])

    hook.conn.meta.events.register("before-parameter-build.iam.GetPolicyVersion", other_writer_first)
    hook.revoke_assume_role(EMR_EC2_ROLE, [victim], settings=ConvergeSettings(settle_seconds=0))

    assert len(raced) == 1
    assert victim not in assumable(iam, EMR_EC2_ROLE)
    assert other in assumable(iam, EMR_EC2_ROLE)  # the other writer's grant stays


def test_a_grant_whose_spill_policy_a_concurrent_revoke_deleted_attaches_the_one_it_creates_again(
    aws: Seeded, connections: None
) -> None:
    """
    A revoke of the only partner in a spill policy read it before a grant's write into it, and deletes
    it (detach, versions, policy) after: the grant's read-back finds no policy and creates it again
    (``CreatePolicy``), and must attach it too. Before, the grant attached only policies it had planned
    as new, so this one stayed detached: the task succeeded and its partner could not assume its role.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    revoked, granted_now = partners(0, 2)
    run_operator(attach(destination_role_arns=[revoked]))
    assert spill_policies(iam) == {SPILL_2: {revoked}}
    grant, concurrent_revoke = EmrfsIamHook(aws_conn_id=EMR_CONN_ID), EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    deleted: list[str] = []

    def revoke_lands(**_: Any) -> None:
        if not deleted:  # the revoke's delete, based on its read of {revoked} before this write
            deleted.append(SPILL_ARN)
            concurrent_revoke._delete_spill_policy(SPILL_ARN, EMR_EC2_ROLE)

    grant.conn.meta.events.register("after-call.iam.CreatePolicyVersion", revoke_lands)
    grant.ensure_assume_role_policy(EMR_EC2_ROLE, [granted_now], settings=ConvergeSettings(settle_seconds=1.0))

    assert deleted == [SPILL_ARN]
    assert spill_policies(iam) == {SPILL_2: {granted_now}}
    assert granted_now in assumable(iam, EMR_EC2_ROLE)


def test_a_grant_written_between_a_revokes_read_and_its_delete_is_not_left_in_a_detached_policy(
    aws: Seeded, connections: None
) -> None:
    """
    A grant writes a new version into the spill policy after a revoke read it empty-to-be, as the revoke
    detaches it. The revoke still deletes the policy (the grant's version with it), so the grant's read-back
    finds no policy and creates and attaches it again (the test above). Were the policy left detached with
    the grant's version in it (``DeletePolicy`` refused for the version, then the revoke writing on it), the
    grant's read-back would find its change held in a policy attached to nothing.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    revoked, granted_now = partners(0, 2)
    run_operator(attach(destination_role_arns=[revoked]))
    revoke_hook = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    raced: list[str] = []

    def grant_lands(**_: Any) -> None:
        if not raced:  # the grant's write, based on its read of {revoked} before the revoke's detach
            raced.append(SPILL_ARN)
            iam.create_policy_version(
                PolicyArn=SPILL_ARN,
                PolicyDocument=json.dumps(documents.assume_role_policy([revoked, granted_now])),
                SetAsDefault=True,
            )

    revoke_hook.conn.meta.events.register("before-call.iam.DetachRolePolicy", grant_lands)
    revoke_hook.revoke_assume_role(EMR_EC2_ROLE, [revoked], settings=ConvergeSettings(settle_seconds=1.0))

    assert raced == [SPILL_ARN]
    assert SPILL_2 not in {policy["PolicyName"] for policy in iam.list_policies(Scope="Local")["Policies"]}


@pytest.mark.parametrize("revoke_fate", ["finishes after the grant", "killed after its detach"])
def test_a_grant_whose_spill_policy_a_concurrent_revoke_detached_attaches_it_again(
    aws: Seeded,
    connections: None,
    revoke_fate: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """
    A revoke of the only partner in a spill policy read it before a grant's write into it, and detaches it; its
    ``DeletePolicyVersion``/``DeletePolicy`` come after the grant's read-back (sent whatever the time after the
    detach: throttled, retried), or never (killed). The read-back finds the grant held in a policy attached to
    nothing: the grant attaches it again, so that the revoke's ``DeletePolicy`` answers ``DeleteConflict`` and it
    reads again and keeps the policy without its own partner. Before, the grant checked the content alone,
    succeeded, and the revoke deleted the policy with it: the partner could not assume its role, and nothing said so.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    revoked, granted_now = partners(0, 2)
    run_operator(attach(destination_role_arns=[revoked]))
    assert spill_policies(iam) == {SPILL_2: {revoked}}
    grant, concurrent_revoke = EmrfsIamHook(aws_conn_id=EMR_CONN_ID), EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    detached, grant_done, errors, threads = threading.Event(), threading.Event(), [], []

    def after_detach(**_: Any) -> None:
        detached.set()
        if revoke_fate == "killed after its detach":
            raise WorkerDied("revoke worker killed right after DetachRolePolicy")
        grant_done.wait(60)  # the rest of the revoke's delete comes after the grant's read-back

    def revoke_in_thread() -> None:
        try:
            concurrent_revoke.revoke_assume_role(EMR_EC2_ROLE, [revoked], settings=ConvergeSettings(settle_seconds=1.0))
        except (Exception, WorkerDied) as error:
            errors.append(f"{type(error).__name__}: {error}")
        detached.set()

    def revoke_reads_then_detaches(**_: Any) -> None:
        if not threads:  # the revoke read {revoked} before this write, and detaches the policy now
            threads.append(threading.Thread(target=revoke_in_thread))
            threads[0].start()
            assert detached.wait(60)

    concurrent_revoke.conn.meta.events.register("after-call.iam.DetachRolePolicy", after_detach)
    grant.conn.meta.events.register("before-call.iam.CreatePolicyVersion", revoke_reads_then_detaches)
    try:
        grant.ensure_assume_role_policy(EMR_EC2_ROLE, [granted_now], settings=ConvergeSettings(settle_seconds=1.0))
    finally:
        grant_done.set()
        threads[0].join(120)

    assert granted_now in assumable(iam, EMR_EC2_ROLE)
    assert f"{SPILL_2} was found detached from role {EMR_EC2_ROLE}" in capfd.readouterr().out + caplog.text
    if revoke_fate == "killed after its detach":
        assert errors == ["WorkerDied: revoke worker killed right after DetachRolePolicy"]
        run_operator(revoke(revoked))  # Airflow's retry of the revoke
    else:
        assert errors == []  # its DeletePolicy answered DeleteConflict: it read again and took its partner out
    assert spill_policies(iam) == {SPILL_2: {granted_now}}
    assert granted_now in assumable(iam, EMR_EC2_ROLE)
    assert revoked not in assumable(iam, EMR_EC2_ROLE)


def written_long_ago(iam: Any, policy_arn: str, ago: timedelta = timedelta(hours=1)) -> None:
    """Make the stand-in's policy show it was created and last written ``ago`` (``GetPolicy``'s dates)."""
    from moto.iam.models import iam_backends

    policy = iam_backends[EMR_ACCOUNT]["aws"].managed_policies[policy_arn]
    policy.create_date -= ago
    policy.update_date -= ago
    shown = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    assert datetime.now(timezone.utc) - shown["UpdateDate"] > ago - timedelta(minutes=1), shown


def test_a_grant_past_the_wall_leaves_a_spill_policy_a_killed_revoke_left_detached(
    aws: Seeded, connections: None, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    A revoke killed right after its ``DetachRolePolicy`` leaves ``-2`` detached, its default version still granting
    the revoked partner; before its retry runs, another partner's grant past the inline wall needs a new spill
    policy. It takes ``-3``, and a warning names ``-2``: before, it took the name ``-2`` again, merged into the
    left-over policy and attached it, and the revoked partner could assume its destination role again, silently.
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    victim, newcomer = partners(0, 2)
    run_operator(attach(destination_role_arns=[victim]))
    with die_once_after("DetachRolePolicy"), pytest.raises(WorkerDied):
        run_operator(revoke(victim))
    assert victim not in assumable(iam, EMR_EC2_ROLE)
    assert spill_policies(iam) == {SPILL_2: {victim}}  # detached, still granting the revoked partner
    written_long_ago(iam, SPILL_ARN)  # the revoke was killed an hour ago: not a concurrent grant's policy in flight

    run_operator(attach(destination_role_arns=[newcomer]))

    assert newcomer in assumable(iam, EMR_EC2_ROLE)
    assert victim not in assumable(iam, EMR_EC2_ROLE)
    assert spill_policies(iam) == {SPILL_2: {victim}, SPILL_3: {newcomer}}
    logged = capfd.readouterr().out + caplog.text
    assert f"Managed policy {SPILL_2} exists but is not attached to role {EMR_EC2_ROLE}, and grants {victim}" in logged

    run_operator(revoke(victim))  # Airflow's retry of the revoke deletes the left-over policy
    assert spill_policies(iam) == {SPILL_3: {newcomer}}
    assert newcomer in assumable(iam, EMR_EC2_ROLE)


# Concurrent grants at the role's last managed-policy slot -------------------------------------------------------------


def trusting(emr_ec2_role_arn: str) -> dict[str, Any]:
    """A destination role's trust allowing the EMR EC2 role: what the judge needs besides the role's own grants."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": emr_ec2_role_arn}, "Action": "sts:AssumeRole"}],
    }


def may_assume(aws: Seeded, destination_role_arn: str) -> aws_judge.Decision:
    """Whether the EMR EC2 role may assume the role, as the stand-in's judge (not the provider's code) decides."""
    principal = read_principal(aws.url, aws.emr_ec2_role_arn)
    assert principal is not None
    return aws_judge.authorize(
        principal,
        "sts:AssumeRole",
        destination_role_arn,
        resource_policy=trusting(aws.emr_ec2_role_arn),
        resource_owner=DESTINATION_ACCOUNT,
        resource_policy_name="trust policy",
    )


def take_slots(iam: Any, left: int) -> None:
    """Others' managed policies on the EMR EC2 role until it has ``left`` of IAM's 10 slots free."""
    attached = len(iam.list_attached_role_policies(RoleName=EMR_EC2_ROLE)["AttachedPolicies"])
    for index in range(10 - left - attached):
        arn = iam.create_policy(
            PolicyName=f"team-policy-{index}",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)


def test_concurrent_grants_at_the_role_s_last_managed_policy_slot_both_hold(
    aws: Seeded, connections: None, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """
    The inline policy full and 9 of the role's 10 managed-policy slots taken: grant A (partner X) creates ``-2``;
    before its ``AttachRolePolicy``, grant B (partner Y) runs in full. B finds ``-2`` unattached, granting X, which
    it does not ask for: it takes ``-3`` and attaches it into the last slot. A's attach is refused (``LimitExceeded``:
    IAM API Reference, "AttachRolePolicy", "beyond the current AWS account limits"), but by a slot taken since A
    listed the role's policies, by a spill policy of A's role with room for X: A deletes ``-2`` and places X again,
    into ``-3``. Before, A failed without retry (``QuotaRefusedByAwsError``, blaming ``managed_policies_per_role``,
    which nobody set), and B warned to "run the revoke" of X, a partner being granted.
    """
    caplog.set_level(logging.INFO)
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    take_slots(iam, left=1)
    x, y = partners(0, 2)
    grant_a, grant_b = EmrfsIamHook(aws_conn_id=EMR_CONN_ID), EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    raced: list[str] = []

    def grant_b_runs_in_full(params: dict[str, Any], **_: Any) -> None:
        if not raced:
            raced.append(params["PolicyArn"])
            grant_b.ensure_assume_role_policy(EMR_EC2_ROLE, [y], settings=ConvergeSettings(settle_seconds=0))

    grant_a.conn.meta.events.register("before-parameter-build.iam.AttachRolePolicy", grant_b_runs_in_full)
    grant_a.ensure_assume_role_policy(EMR_EC2_ROLE, [x], settings=ConvergeSettings(settle_seconds=0))

    assert raced == [SPILL_ARN]  # A's attach of -2, with B run in full before it
    decisions = {arn: may_assume(aws, arn) for arn in (x, y)}
    assert all(decision.allowed for decision in decisions.values()), decisions
    assert spill_policies(iam) == {SPILL_3: {x, y}}  # -2 made for A's refused attach is deleted again
    logged = capfd.readouterr().out + caplog.text
    assert not [line for line in logged.splitlines() if "revoke" in line.lower() and x in line], logged
    # B took A's -2 for what it is, a concurrent grant's new policy (IAM shows it written a moment ago); A placed again.
    assert f"Managed policy {SPILL_2} is not attached to role {EMR_EC2_ROLE} and grants roles this grant" in logged
    assert f"taken since the plan by {SPILL_3}" in logged


@pytest.mark.parametrize("taker", ["someone's policy", "a full spill policy of the role"])
def test_a_last_slot_taken_since_the_plan_without_room_is_refused_naming_what_took_it(
    aws: Seeded, connections: None, taker: str
) -> None:
    """
    Between the grant's listing of the role's policies and its ``AttachRolePolicy``, the role's last slot is taken: by
    someone's policy, or by a concurrent grant's spill policy with no room for the grant's role. IAM refuses the
    attach (``LimitExceeded``); the role is full, and the refusal says what took the slot, read again
    (``ListAttachedRolePolicies``), not that a ``managed_policies_per_role`` nobody gave is higher than IAM's. The
    policy made for the refused attach is deleted again (attached to nothing, it grants nothing: IAM User Guide,
    "Managed policies and inline policies").
    """
    iam = client(aws.url, EMR_ACCOUNT, "iam")
    fill_inline(iam, FULL)
    take_slots(iam, left=1)
    [x] = partners(0, 1)
    grant = EmrfsIamHook(aws_conn_id=EMR_CONN_ID)
    raced: list[str] = []
    if taker == "someone's policy":
        taken_by = "late-team-policy"

        def slot_taken(**_: Any) -> None:
            arn = iam.create_policy(
                PolicyName=taken_by,
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
                    }
                ),
            )["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=EMR_EC2_ROLE, PolicyArn=arn)
    else:
        taken_by = SPILL_3
        # As many partners as one managed policy holds: the concurrent grant's -3 has no room left for X.
        full = spill.fill(None, partners(1, 200), MAX_MANAGED_POLICY_CHARS)
        assert 100 < len(full) < 199

        def slot_taken(**_: Any) -> None:
            EmrfsIamHook(aws_conn_id=EMR_CONN_ID).ensure_assume_role_policy(
                EMR_EC2_ROLE, full, settings=ConvergeSettings(settle_seconds=0)
            )

    def once(**kwargs: Any) -> None:
        if not raced:
            raced.append(taker)
            slot_taken(**kwargs)

    grant.conn.meta.events.register("before-parameter-build.iam.AttachRolePolicy", once)
    with pytest.raises(QuotaRefusedByAwsError) as refused:
        grant.ensure_assume_role_policy(EMR_EC2_ROLE, [x], settings=ConvergeSettings(settle_seconds=0))

    assert raced == [taker]
    message = str(refused.value)
    assert refused.value.field == "destination_role_arns"
    assert f"taken since this run listed its policies, by a concurrent attach of {taken_by}" in message
    assert "quota given is higher" not in message
    assert "This run wrote nothing else" in message
    assert SPILL_2 not in spill_policies(iam)  # made for the refused attach, deleted again
    assert not may_assume(aws, x).allowed
