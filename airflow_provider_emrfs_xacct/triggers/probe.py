"""The deferred wait for the verifier's probe steps."""

from __future__ import annotations

from airflow.providers.amazon.aws.triggers.emr import EmrAddStepsTrigger


class ProbeStepsTrigger(EmrAddStepsTrigger):
    """
    Wait for the probe steps as ``EmrAddStepsTrigger`` does; cancel them when a user kills the deferred task.

    A deferred verifier has no worker for Airflow to kill: marked failed or cleared while deferred, it never
    resumes, so neither its ``on_kill`` nor the cleanup of a failed deferral runs, and a probe step still
    PENDING would write its object later, which nothing deletes. Airflow calls the trigger's ``on_kill`` then
    ("runs only when a user explicitly kills the task", ``BaseTrigger.on_kill``); it sends ``CancelSteps`` for
    the probe steps ("Cancels a pending step or steps in a running cluster", PENDING or RUNNING from release
    5.28.0; "idempotent but asynchronous", EMR API Reference, CancelSteps). An object a step wrote before is not
    deleted here: the triggerer has the EMR account's connection only.
    """

    async def on_kill(self) -> None:
        cluster_id, step_ids = self.serialized_fields["job_flow_id"], list(self.serialized_fields["step_ids"])
        async with await self.hook().get_async_conn() as client:
            answer = await client.cancel_steps(ClusterId=cluster_id, StepIds=step_ids)
        self.log.warning(
            "Task killed while it waited for the probe steps on cluster %s: CancelSteps %s",
            cluster_id,
            answer.get("CancelStepsInfoList"),
        )
