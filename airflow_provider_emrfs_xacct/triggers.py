"""
Triggers of the provider's deferred waits: the Amazon provider's, which also clean up when the deferred task is killed.

A deferred task has no worker, so :meth:`BaseOperator.on_kill` never runs for it: a user who marks it failed
(or success) or clears it while it waits in the triggerer would leave the probe steps to write their objects
later, and a launching cluster to run. Airflow 3.3 calls the trigger's own ``on_kill`` then, and only then
(``BaseTrigger.on_kill``: "when a user explicitly acts on the deferred task via mark-failed, clear, or
mark-succeeded"; not on a triggerer restart or redistribution, nor on a trigger timeout, which resumes the task
in a worker with ``__fail__``). Airflow 3.2 has no trigger ``on_kill``, and a cancellation can lose the
triggerer's user-action message on the way (:meth:`CleanUpOnKillMixin.run`): such a cancellation is taken for a
kill only when the task instance is no longer deferred, read through the Task SDK API (a trigger cannot reach the
metadata database in Airflow 3), as the Amazon provider's ``EmrServerlessStartJobTrigger`` decides
``safe_to_cancel``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.triggers.emr import EmrAddStepsTrigger, EmrCreateJobFlowTrigger
from airflow.triggers.base import BaseTrigger
from asgiref.sync import sync_to_async

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow.triggers.base import TriggerEvent

#: Whether the triggerer calls a trigger's ``on_kill`` when a user acts on its task (Airflow 3.3 and later).
TRIGGERER_CALLS_ON_KILL = "on_kill" in vars(BaseTrigger)
#: The message the triggerer cancels a trigger with when a user acted on its task (``_USER_ACTION_CANCEL_MSG`` of
#: ``airflow/jobs/triggerer_job_runner.py``, 3.3; the Amazon provider's triggers compare it the same way).
USER_ACTION_CANCEL_MSG = "__airflow_user_action__"


class CleanUpOnKillMixin:
    """Run :meth:`clean_up_after_kill` (blocking, in a thread) when a user kills the deferred task."""

    task_instance: Any
    log: Any
    #: Whether the trigger handed its event to the triggerer: its task resumes with what the trigger waited for.
    fired: bool = False

    def clean_up_after_kill(self) -> None:
        raise NotImplementedError

    async def on_kill(self) -> None:
        """
        Clean up after the killed task (called by the triggerer of Airflow 3.3 and later, on a user's action).

        Not once the trigger fired: after its event the upstream ``run`` still closes its client (an ``await``), and a
        cancellation landing there comes when the task was resumed by the event (no longer deferred): cleaning up then
        would cancel the steps or terminate the cluster the resumed task goes on with.
        """
        if self.fired:
            self.log.info("The trigger fired its event before it was cancelled: nothing to clean up")
            return
        await sync_to_async(self.clean_up_after_kill)()

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            async for event in super().run():  # type: ignore[misc]
                self.fired = True
                yield event
        except asyncio.CancelledError as cancel:
            # With the user-action message the triggerer calls on_kill itself (3.3). Without it, a stopping triggerer
            # (the task stays deferred), Airflow 3.2, or a message lost on the way: the trigger's waits go through
            # asgiref's sync_to_async (the connection, the hook), which raises a CancelledError of its own, without
            # the message, when the cancellation lands there. The task's state then tells.
            by_user = bool(cancel.args) and cancel.args[0] == USER_ACTION_CANCEL_MSG
            if not self.fired and not (TRIGGERER_CALLS_ON_KILL and by_user) and await self.task_no_longer_deferred():
                await self.on_kill()
            raise

    async def task_no_longer_deferred(self) -> bool:
        """
        Whether the task instance has left the deferred state: a cancellation without the user-action message is a
        kill only then.

        A triggerer that stops or hands the trigger to another leaves the task deferred; its state is read through
        the Task SDK API, as ``EmrServerlessStartJobTrigger.get_task_state`` reads it. Not known: no clean-up.
        """
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
        from airflow.utils.state import TaskInstanceState

        ti = self.task_instance
        if ti is None:
            return False
        try:
            states = await sync_to_async(RuntimeTaskInstance.get_task_states)(
                dag_id=ti.dag_id, task_ids=[ti.task_id], run_ids=[ti.run_id], map_index=ti.map_index
            )
            state = states[ti.run_id][ti.task_id]
        except Exception as error:  # a triggerer shutting down may no longer reach the API server
            self.log.warning(
                "Could not read the state of task %s (%s): no clean-up after the cancellation", ti.task_id, error
            )
            return False
        return state != TaskInstanceState.DEFERRED


class ProbeStepsTrigger(CleanUpOnKillMixin, EmrAddStepsTrigger):
    """
    Wait for the verifier's probe steps; when the deferred verifier is killed, cancel them and delete their objects.

    :param probe_steps: ``{probe uri: step id}``.
    :param destination_aws_conn_id: the connection that deletes the probe objects (the destination account).
    :param destination_region_name: its Region (``None``: the connection's).
    :param expected_bucket_owner: the destination account, sent as ``ExpectedBucketOwner`` with every S3 call.

    Other parameters: as :class:`~airflow.providers.amazon.aws.triggers.emr.EmrAddStepsTrigger`; ``verify`` and
    ``botocore_config`` apply to both connections.
    """

    def __init__(
        self,
        *,
        probe_steps: dict[str, str],
        destination_aws_conn_id: str | None,
        destination_region_name: str | None = None,
        expected_bucket_owner: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.probe_steps = probe_steps
        self.destination_aws_conn_id = destination_aws_conn_id
        self.destination_region_name = destination_region_name
        self.expected_bucket_owner = expected_bucket_owner
        self.serialized_fields.update(
            probe_steps=probe_steps,
            destination_aws_conn_id=destination_aws_conn_id,
            destination_region_name=destination_region_name,
            expected_bucket_owner=expected_bucket_owner,
        )

    def clean_up_after_kill(self) -> None:
        """Abandon the probe as after a wait that ran out (``verify.abandon_probe``) and log what may still appear."""
        from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
        from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
        from airflow_provider_emrfs_xacct.verify import abandon_probe

        cluster_id = self.serialized_fields["job_flow_id"]
        self.log.warning("The deferred verifier was killed: cancelling its probe steps on cluster %s", cluster_id)
        emr = EmrfsEmrHook(
            aws_conn_id=self.aws_conn_id, region_name=self.region_name, verify=self.verify, config=self.botocore_config
        )
        s3 = EmrfsS3Hook(
            aws_conn_id=self.destination_aws_conn_id,
            region_name=self.destination_region_name,
            verify=self.verify,
            config=self.botocore_config,
        )
        s3.expected_bucket_owner = self.expected_bucket_owner
        abandoned = abandon_probe(emr, s3, cluster_id, self.probe_steps)
        for uri, outcome in abandoned["steps"].items():
            self.log.warning("Probe step %s (%s) is %s", outcome["step"], uri, outcome["state"])
        for problem in abandoned["problems"]:
            self.log.error("%s", problem)


class LaunchWaitTrigger(CleanUpOnKillMixin, EmrCreateJobFlowTrigger):
    """
    Wait for a launched cluster; when the deferred launch is killed, terminate the cluster (as the launch's ``on_kill``).

    Parameters: as :class:`~airflow.providers.amazon.aws.triggers.emr.EmrCreateJobFlowTrigger`, whose ``waiter_name``
    is serialised here too (the upstream trigger drops it: a ``wait_policy`` waiter would come back as the default).
    """

    def __init__(self, *, waiter_name: str = "job_flow_waiting", **kwargs: Any) -> None:
        super().__init__(waiter_name=waiter_name, **kwargs)
        self.serialized_fields["waiter_name"] = waiter_name

    def clean_up_after_kill(self) -> None:
        """Terminate the cluster; a refusal (termination protection, a denial) is logged naming it."""
        from botocore.exceptions import BotoCoreError, ClientError

        from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook

        cluster_id = self.serialized_fields["job_flow_id"]
        self.log.warning("The deferred launch was killed: terminating cluster %s", cluster_id)
        hook = EmrfsEmrHook(
            aws_conn_id=self.aws_conn_id, region_name=self.region_name, verify=self.verify, config=self.botocore_config
        )
        try:
            hook.terminate_cluster(cluster_id)
        except (ClientError, BotoCoreError) as error:
            self.log.error("Could not terminate cluster %s (%s): it may still be running", cluster_id, error)
