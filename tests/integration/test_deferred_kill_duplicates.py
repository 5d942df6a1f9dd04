"""
A deferred launch killed by a user terminates every active cluster of its idempotency key, not only the one it returned.

``RunJobFlow`` has no client token: a launch whose answer was lost sends it again, and when ``ListClusters`` does not
show the first cluster yet (the launch's ``_end_other_launches`` looks once), two clusters carry the key. The worker's
``on_kill`` and a failed deferral search the key; the trigger of a deferred launch carried only ``job_flow_id``, so a
user's mark-failed left the other cluster running and billing (and able to assume the partner's role). The launch now
hands the trigger its key (serialised with it) and the trigger's kill clean-up terminates every active cluster of the
key. A trigger serialised before (no key) is loaded and cleans up as it did: ``job_flow_id`` only.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from airflow_provider_emrfs_xacct.hooks.emr import IDEMPOTENCY_TAG
from airflow_provider_emrfs_xacct.triggers import LaunchWaitTrigger
from devstack.moto_stack import EMR_ACCOUNT, client
from devstack.testing import small_cluster
from tests.integration.test_deferrable import security_configuration
from tests.integration.test_deferred_kill import DEFERRED_TI, answer_task_state, cancel_in_triggerer, deferred_launch

if TYPE_CHECKING:
    import pytest

__all__ = ["security_configuration"]  # the fixture, imported for the tests below


def state(emr: Any, cluster_id: str) -> str:
    return str(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])


def second_launch(emr: Any, cluster_id: str) -> str:
    """A cluster under ``cluster_id``'s key that the launch did not see: the lost ``RunJobFlow`` attempt's."""
    tags = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"]
    [key] = [tag for tag in tags if tag["Key"] == IDEMPOTENCY_TAG]
    return str(emr.run_job_flow(**small_cluster("deferrable-test", "emr-7.5.0", Tags=[key]))["JobFlowId"])


def test_a_killed_deferred_launch_terminates_the_other_cluster_of_its_key(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_task_state(monkeypatch, "failed")
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id, trigger = deferred_launch(moto_url)
    other = second_launch(emr, cluster_id)
    unrelated = emr.run_job_flow(**small_cluster("another-task"))["JobFlowId"]
    assert trigger.idempotency_key  # serialised with the trigger, as the triggerer rebuilds it

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI))

    assert state(emr, cluster_id) in ("TERMINATING", "TERMINATED")
    assert state(emr, other) in ("TERMINATING", "TERMINATED")
    assert state(emr, unrelated) == "WAITING"


def test_a_killed_launch_whose_cluster_another_copy_resumed_with_still_ends_the_other_one(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The returned cluster is WAITING (a state its wait ends on: another triggerer's copy may have resumed the task with
    # it), so it is left running; nothing of the task uses the other cluster of its key.
    answer_task_state(monkeypatch, "failed")
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id, trigger = deferred_launch(moto_url)
    other = second_launch(emr, cluster_id)

    def ready_elsewhere() -> None:
        from tests.integration.test_deferred_kill import moto_cluster

        moto_cluster(cluster_id).state = "WAITING"

    asyncio.run(cancel_in_triggerer(trigger, user_action=True, ti=DEFERRED_TI, before_cancel=ready_elsewhere))

    assert state(emr, cluster_id) == "WAITING"
    assert state(emr, other) in ("TERMINATING", "TERMINATED")


def test_a_trigger_serialised_without_the_key_terminates_its_cluster_only(
    moto_url: str, security_configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_task_state(monkeypatch, "failed")
    emr = client(moto_url, EMR_ACCOUNT, "emr")
    cluster_id, trigger = deferred_launch(moto_url)
    other = second_launch(emr, cluster_id)
    _, kwargs = trigger.serialize()
    old = {name: value for name, value in kwargs.items() if name not in ("idempotency_key", "created_after")}
    loaded = LaunchWaitTrigger(**old)
    assert loaded.idempotency_key is None
    assert "idempotency_key" not in loaded.serialize()[1]

    asyncio.run(cancel_in_triggerer(loaded, user_action=True, ti=DEFERRED_TI))

    assert state(emr, cluster_id) in ("TERMINATING", "TERMINATED")
    assert state(emr, other) == "WAITING"


def test_the_trigger_carries_the_launchs_key_and_search_bound() -> None:
    trigger = LaunchWaitTrigger(job_flow_id="j-ABCDEFGHIJKLM", aws_conn_id="aws_default").with_launch(
        "0123.abcd", "2026-12-01T00:00:00+00:00"
    )

    _, kwargs = trigger.serialize()
    rebuilt = LaunchWaitTrigger(**kwargs)

    assert (kwargs["idempotency_key"], kwargs["created_after"]) == ("0123.abcd", "2026-12-01T00:00:00+00:00")
    assert rebuilt.idempotency_key == "0123.abcd"
    assert f"{IDEMPOTENCY_TAG}=0123.abcd" in rebuilt.left_running()
