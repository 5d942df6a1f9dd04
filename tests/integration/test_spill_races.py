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
import threading
from typing import Any

import pytest

from airflow_provider_emrfs_xacct.hooks.iam import EmrfsIamHook
from airflow_provider_emrfs_xacct.pure import documents, spill
from airflow_provider_emrfs_xacct.pure.converge import ConvergeSettings
from devstack.fault_proxy import FaultProxy
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, EMR_EC2_ROLE, MotoStack, Seeded, client
from tests.conftest import run_operator, use_connections
from tests.integration.test_retries import WorkerDied, die_once_after
from tests.integration.test_scale import FULL, SPILL_2, SPILL_3, SPILL_ARN, attach, fill_inline
from tests.integration.test_spill_isolation import assumable, partners, revoke


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
def test_concurrent_grants_past_the_inline_wall_share_one_spill_policy_and_lose_none(
    moto_stack: MotoStack, aws: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8 writers at once through AWS's round trip: one creates the spill policy, the others merge into it."""
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
    assert list(spill_policies(iam)) == [SPILL_2]
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

    run_operator(attach(destination_role_arns=[newcomer]))

    assert newcomer in assumable(iam, EMR_EC2_ROLE)
    assert victim not in assumable(iam, EMR_EC2_ROLE)
    assert spill_policies(iam) == {SPILL_2: {victim}, SPILL_3: {newcomer}}
    logged = capfd.readouterr().out + caplog.text
    assert f"Managed policy {SPILL_2} exists but is not attached to role {EMR_EC2_ROLE}, and grants {victim}" in logged

    run_operator(revoke(victim))  # Airflow's retry of the revoke deletes the left-over policy
    assert spill_policies(iam) == {SPILL_3: {newcomer}}
    assert newcomer in assumable(iam, EMR_EC2_ROLE)
