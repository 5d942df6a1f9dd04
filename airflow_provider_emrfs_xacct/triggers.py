"""
Triggers of the provider's deferred waits: the Amazon provider's, which also clean up when the deferred task is killed.

A deferred task has no worker, so :meth:`BaseOperator.on_kill` never runs for it: a user who marks it failed
(or success) or clears it while it waits in the triggerer would leave the probe steps to write their objects
later, and a launching cluster to run. Airflow 3.3 calls the trigger's own ``on_kill`` then, after cancelling it
with its user-action message, but not past the deferral's deadline; Airflow 3.2 has no trigger ``on_kill``, and a
cancellation can lose the message on the way. The trigger's own cancellation path calls it in those cases
(:meth:`CleanUpOnKillMixin.run`), once. Neither the message nor the call tells a kill apart: a triggerer cancels, with
that message, every trigger no longer assigned to it, also one another triggerer took over or whose task another
copy resumed (:meth:`CleanUpOnKillMixin.task_was_killed`). The trigger then cleans up only when the task instance's
state, read through the Task SDK API (a trigger cannot reach the metadata database in Airflow 3), is one a kill
leaves it in (``pure.deferred_kill``).

The probe's and the launch's triggers (:class:`ProbeStepsTrigger`, :class:`LaunchWaitTrigger`) and the teardown's
(:class:`TerminateWaitTrigger`, in place of the Amazon provider's) build their hooks with the deferring operator's
botocore settings as its own hooks have them
(:class:`OperatorBotocoreSettingsMixin`): the connection's ``config_kwargs`` over the provider's default, or the
operator's own ``botocore_config``.

Their blocking calls (the task's state read, the clean-up, building a hook) run in the provider's pool of threads
(:func:`in_thread`), not in asgiref's one shared thread.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from airflow.providers.amazon.aws.triggers.emr import (
    EmrAddStepsTrigger,
    EmrCreateJobFlowTrigger,
    EmrTerminateJobFlowTrigger,
)
from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from airflow_provider_emrfs_xacct.pure.names import IDEMPOTENCY_TAG

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: Whether the triggerer calls a trigger's ``on_kill`` when a user acts on its task (Airflow 3.3 and later).
TRIGGERER_CALLS_ON_KILL = "on_kill" in vars(BaseTrigger)
#: The message the triggerer cancels a trigger with when a user acted on its task (``_USER_ACTION_CANCEL_MSG`` of
#: ``airflow/jobs/triggerer_job_runner.py``, 3.3; the Amazon provider's triggers compare it the same way).
USER_ACTION_CANCEL_MSG = "__airflow_user_action__"

#: How many of the triggers' blocking calls run at once (:func:`in_thread`): up to this many clean-ups of tasks killed
#: together run side by side, each within the triggerer's ``[triggerer] on_kill_timeout``.
BLOCKING_CALL_THREADS = 32
_blocking_calls = ThreadPoolExecutor(max_workers=BLOCKING_CALL_THREADS, thread_name_prefix="emrfs-xacct-trigger")


def in_thread(func: Callable[_P, _R]) -> Callable[_P, Coroutine[Any, Any, _R]]:
    """
    ``func`` as a coroutine function that runs it in a thread of the provider's pool (:data:`BLOCKING_CALL_THREADS`).

    Not asgiref's default, ``thread_sensitive=True``: in the triggerer (its loop started by ``asyncio.run``) every such
    call of every trigger goes to asgiref's one shared thread, so the clean-ups of tasks killed together waited for
    each other, and those not started within ``on_kill_timeout`` were cancelled, never run; they also held up the
    other triggers' calls there. Nothing here needs that thread: the Task SDK's channel to the supervisor
    (``SUPERVISOR_COMMS``) takes requests from any thread (it hands them to the event loop), and each clean-up builds
    hooks of its own, so no boto3 session is shared between threads (Boto3 documentation, "Session": "Session objects
    are not thread safe ... create a new Session object for each thread"). Not the loop's default executor either:
    the triggers' HTTP clients resolve host names there. asgiref still copies the context (the trigger's log) to
    the thread, and turns a cancellation into its own ``CancelledError`` (:meth:`CleanUpOnKillMixin.run`).
    """
    return sync_to_async(func, thread_sensitive=False, executor=_blocking_calls)


class CleanUpOnKillMixin:
    """Run :meth:`clean_up_after_kill` (blocking, in a thread: :func:`in_thread`) when a user killed the deferred task."""

    task_instance: Any
    log: Any
    #: Whether the trigger handed its event to the triggerer: its task resumes with what the trigger waited for.
    fired: bool = False
    #: Whether a cancellation past the deferral's deadline cleans up too: the task then resumes with ``__fail__``,
    #: whose failure path does the same whatever the task's settings (the probe's), so the clean-up need not wait for
    #: a worker to resume it. ``False``: that failure path decides (the launch's ``terminate_job_flow_on_failure``).
    cleans_up_past_deadline: bool = False
    #: How close to the deferral's deadline :meth:`run` takes a user-action cancellation as past it (Airflow 3.3): the
    #: triggerer compares the deadline with the clock a moment after :meth:`run` did.
    DEADLINE_MARGIN = timedelta(seconds=1)
    #: Whether :meth:`on_kill` ran: it decides and cleans up once, whether :meth:`run` or the triggerer calls it.
    kill_handled: bool = False

    def clean_up_after_kill(self) -> None:
        raise NotImplementedError

    def left_running(self) -> str:
        """What is left running when a cancellation is not taken for a kill (for the log)."""
        raise NotImplementedError

    async def on_kill(self) -> None:
        """
        Clean up after the killed task (called by the triggerer of Airflow 3.3 and later, and by :meth:`run`).

        Only when :meth:`task_was_killed`: Airflow 3.3's triggerer sends its user-action message to every trigger no
        longer assigned to it, so the message alone does not tell a user's kill from a hand-over. Only the first
        call does anything: the triggerer may call it after :meth:`run` did (near the deadline).
        """
        if self.kill_handled:
            self.log.info("The cancellation was already handled by the trigger: nothing more to do")
            return
        self.kill_handled = True
        if await self.task_was_killed():
            await in_thread(self.clean_up_after_kill)()

    def past_deadline(self, margin: timedelta = timedelta(0)) -> bool:
        """
        Whether the deferral's deadline has passed (or comes within ``margin``), as the triggerer and scheduler tell.

        The deadline is ``timeout_after``, which the triggerer sets on the trigger with the value it gives
        ``TriggerRunner.run_trigger`` (the task instance's ``trigger_timeout``); both compare ``timeout_after <
        utcnow()``, a naive one taken for UTC (``run_trigger``; the scheduler's ``check_trigger_timeouts``,
        ``trigger_timeout < utcnow()``). None: no deadline.
        """
        deadline = getattr(self, "timeout_after", None)
        if not deadline:
            return False
        deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=timezone.utc)
        return bool(deadline < datetime.now(timezone.utc) + margin)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            async for event in super().run():  # type: ignore[misc]
                self.fired = True
                yield event
        except asyncio.CancelledError as cancel:
            # Without the user-action message: a stopping triggerer (the task stays deferred), Airflow 3.2, or a
            # message lost on the way (the trigger's waits go through asgiref's sync_to_async, which raises a
            # CancelledError of its own, without the message, when the cancellation lands there). on_kill decides
            # from the deadline and the task's state either way.
            by_user = bool(cancel.args) and cancel.args[0] == USER_ACTION_CANCEL_MSG
            if not (TRIGGERER_CALLS_ON_KILL and by_user):
                await self.on_kill()
            elif self.past_deadline(self.DEADLINE_MARGIN):
                # With the message the triggerer (3.3) calls on_kill itself, but not past the deadline: run_trigger
                # checks timeout_after < utcnow() first and re-raises without it ("For timeout, raise immediately"),
                # as when it cancels a trigger whose task the scheduler resumed with __fail__. The same check, just
                # before the triggerer's (DEADLINE_MARGIN: the clock moves between them; on_kill runs once).
                await self.on_kill()
            raise

    async def task_was_killed(self) -> bool:
        """
        Whether the cancelled trigger's task was killed while deferred (``pure.deferred_kill``), not resumed.

        A triggerer cancels a trigger that is no longer assigned to it (``TriggerRunnerSupervisor.update_triggers``,
        then ``TriggerRunner.cancel_triggers`` with the user-action message, ``airflow/jobs/triggerer_job_runner.py``):
        after a user's action, but also when another triggerer took it over (``Trigger.assign_unassigned`` takes the
        triggers of a triggerer whose heartbeat is late) and when that one's copy fired or the deferral timed out and
        the task resumed in a worker. The task's state, read through the Task SDK API as the Amazon provider's
        ``EmrServerlessStartJobTrigger.safe_to_cancel`` reads it, tells them apart, erring on the side of leaving
        running what a resumed task may still use. Not once this copy fired, nor past the deferral's deadline (the
        task resumes with ``__fail__``, whose failure path cleans up as the operator is told to), unless
        :attr:`cleans_up_past_deadline`. Not known: no.
        """
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        from airflow_provider_emrfs_xacct.pure.deferred_kill import killed_while_deferred, task_state_in

        if self.fired:
            self.log.info("The trigger fired its event before it was cancelled: nothing to clean up")
            return False
        timeout_after = getattr(self, "timeout_after", None)
        if timeout_after is not None:
            timeout_after = timeout_after if timeout_after.tzinfo else timeout_after.replace(tzinfo=timezone.utc)
            if timeout_after <= datetime.now(timezone.utc):
                if self.cleans_up_past_deadline:
                    self.log.warning("Cancelled past the deferral's deadline: the task fails, so the trigger cleans up")
                    return True
                self.log.warning(
                    "Cancelled past the deferral's deadline: the task resumes with __fail__, whose failure path "
                    "decides, not the trigger (unless a user acted on it before the scheduler's timeout check: "
                    "nothing resumes it then); left running: %s",
                    self.left_running(),
                )
                return False
        ti = self.task_instance
        if ti is None:
            return False
        try:
            states = await in_thread(RuntimeTaskInstance.get_task_states)(
                dag_id=ti.dag_id, task_ids=[ti.task_id], run_ids=[ti.run_id], map_index=ti.map_index
            )
            state = task_state_in(states, ti.run_id, ti.task_id, ti.map_index)
        except Exception as error:  # a triggerer shutting down may no longer reach the API server
            self.log.warning(
                "Could not read the state of task %s (%s): no clean-up after the cancellation; left running: %s",
                ti.task_id,
                error,
                self.left_running(),
            )
            return False
        if killed_while_deferred(state):
            return True
        self.log.warning(
            "Cancelled while task %s is %s (handed to another triggerer, resumed, or cleared and run again): "
            "no clean-up; left running: %s",
            ti.task_id,
            state,
            self.left_running(),
        )
        return False


class OperatorBotocoreSettingsMixin:
    """
    The trigger's hooks with the deferring operator's botocore settings, as ``operators.base.build_hook`` gives them.

    ``botocore_config`` is serialised as the operator had it, a plain dict; ``botocore_config_is_default`` (serialised
    too) says whether that is the provider's default (the operator was given none), beneath the connection's
    ``config_kwargs``, which the hooks read from the connection in the triggerer. Otherwise (a trigger built by
    hand, or serialised before the field was) ``botocore_config`` replaces them, as for the Amazon provider's triggers.
    """

    aws_conn_id: str | None
    region_name: str | None
    verify: bool | str | None
    botocore_config: dict[str, Any] | None
    serialized_fields: dict[str, Any]
    #: The hook :meth:`run` built before the wait (the connection read in a thread, not in the event loop).
    _built_hook: Any = None
    #: The upstream trigger's attributes its ``serialize`` drops, which :func:`trigger_for` carries over.
    not_serialised_upstream: tuple[str, ...] = ()

    def __init__(self, *, botocore_config_is_default: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.botocore_config_is_default = botocore_config_is_default

    @property
    def botocore_config_is_default(self) -> bool:
        """Whether ``botocore_config`` is the provider's default, beneath the connection's ``config_kwargs``."""
        return bool(self.serialized_fields.get("botocore_config_is_default", False))

    @botocore_config_is_default.setter
    def botocore_config_is_default(self, value: bool) -> None:
        self.serialized_fields["botocore_config_is_default"] = bool(value)

    def aws_hook(self, hook_class: Any, conn_id: str | None, region_name: str | None) -> Any:
        """A hook of ``hook_class`` on ``conn_id`` in ``region_name`` with the trigger's TLS and botocore settings."""
        from airflow_provider_emrfs_xacct.operators.base import build_hook

        return build_hook(
            hook_class,
            aws_conn_id=conn_id,
            region_name=region_name,
            verify=self.verify,
            config=self.botocore_config,
            config_is_default=self.botocore_config_is_default,
        )

    @staticmethod
    def wait_hook_class() -> Any:
        """
        The hook the wait polls with: the provider's EMR hook, not the Amazon provider's ``EmrHook`` the upstream
        triggers name (``aws_hook_class``): its sessions keep a
        connection's ``profile_name`` settings under a ``role_arn`` (``session_scope``), as the deferring operator's
        do, so the wait polls the endpoint (a profile's ``endpoint_url`` or ``services`` section: AWS SDKs and Tools
        Reference Guide, "Service-specific endpoints"; ``use_fips_endpoint``) the operator launched through.
        """
        from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook

        return EmrfsEmrHook

    def hook(self) -> Any:
        """The hook the trigger waits with (:meth:`wait_hook_class` on its connection and region)."""
        if self._built_hook is not None:
            return self._built_hook
        return self.aws_hook(self.wait_hook_class(), self.aws_conn_id, self.region_name)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        if self.botocore_config_is_default:
            # build_hook reads the connection's config_kwargs when it builds the hook: in a thread, as the Amazon
            # provider reads the connection when it builds its client (``AwsGenericHook.get_async_conn``), but in the
            # provider's pool, not asgiref's shared thread (in_thread).
            self._built_hook = await in_thread(self.aws_hook)(
                self.wait_hook_class(), self.aws_conn_id, self.region_name
            )
        async for event in super().run():  # type: ignore[misc]
            yield event


#: The cluster states the teardown's wait ends on, both the cluster gone: "TERMINATED" and "TERMINATED_WITH_ERRORS"
#: are both states of a cluster that has ended (Amazon EMR API Reference, "ClusterStatus"; a cluster whose step with
#: ``ActionOnFailure=TERMINATE_CLUSTER`` failed ends ``TERMINATED_WITH_ERRORS``, and keeps it on TerminateJobFlows).
#: The Amazon provider's ``job_flow_terminated`` waiter fails on ``TERMINATED_WITH_ERRORS``.
TERMINATED_ACCEPTORS: list[dict[str, str]] = [
    {"matcher": "path", "argument": "Cluster.Status.State", "expected": state, "state": "success"}
    for state in ("TERMINATED", "TERMINATED_WITH_ERRORS")
]


#: The launch's wait for its cluster to be up (``wait_for_completion``, the Amazon provider's ``job_flow_waiting``): it
#: succeeds on ``WAITING`` and ``RUNNING`` only, and fails on the states of a cluster that is ending or has ended
#: (Amazon EMR API Reference, "ClusterStatus"). The upstream waiter (its ``waiters/emr.json``) succeeds on
#: ``TERMINATED`` too, and ``TERMINATING`` leads there: the launch returned a cluster the next tasks cannot use ("You
#: can only add steps to a cluster that is in one of the following states: STARTING, BOOTSTRAPPING, RUNNING, or
#: WAITING", Amazon EMR API Reference, "AddJobFlowSteps").
CLUSTER_UP_ACCEPTORS: list[dict[str, str]] = [
    {"matcher": "path", "argument": "Cluster.Status.State", "expected": state, "state": outcome}
    for state, outcome in (
        ("WAITING", "success"),
        ("RUNNING", "success"),
        ("TERMINATING", "failure"),
        ("TERMINATED", "failure"),
        ("TERMINATED_WITH_ERRORS", "failure"),
    )
]
#: The upstream waiter the launch's wait for the cluster up is.
CLUSTER_UP_WAITER = "job_flow_waiting"


def cluster_up_waiter_overrides(waiter_name: str, ends_after_steps: bool) -> dict[str, Any] | None:
    """
    The ``config_overrides`` of the launch's waiter ``waiter_name``: :data:`CLUSTER_UP_ACCEPTORS` for the wait for the
    cluster up; ``None`` (the upstream waiter as it is) for another wait (``WaitPolicy.WAIT_FOR_STEPS_COMPLETION``), and
    for a cluster launched to end after its ``Steps`` (``KeepJobFlowAliveWhenNoSteps`` not true: "Specifies whether the
    cluster should remain available after completing all steps. Defaults to false", Amazon EMR API Reference,
    "JobFlowInstancesConfig"), whose expected end is ``TERMINATED``.
    """
    if waiter_name != CLUSTER_UP_WAITER or ends_after_steps:
        return None
    return {"acceptors": [dict(acceptor) for acceptor in CLUSTER_UP_ACCEPTORS]}


class TerminateWaitTrigger(OperatorBotocoreSettingsMixin, EmrTerminateJobFlowTrigger):
    """
    The teardown's wait for its cluster to terminate, with the operator's botocore settings (:class:`OperatorBotocoreSettingsMixin`).

    It ends with success on both ended states (:data:`TERMINATED_ACCEPTORS`), as the teardown in the worker, which
    does not wait, succeeds on a cluster that had already ended ``TERMINATED_WITH_ERRORS``; the operator's
    ``execute_complete`` then warns about such a cluster, with EMR's reason.

    Parameters: as :class:`~airflow.providers.amazon.aws.triggers.emr.EmrTerminateJobFlowTrigger`.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Not serialised: set again whenever the triggerer rebuilds the trigger.
        self.waiter_config_overrides = {"acceptors": [dict(acceptor) for acceptor in TERMINATED_ACCEPTORS]}


def trigger_for(trigger: Any, *, botocore_config_is_default: bool) -> Any:
    """
    The trigger an operator defers to in place of ``trigger``, told whether its ``botocore_config`` is the provider's default.

    One of :data:`PROVIDER_TRIGGERS` (the launch's and the teardown's, built by the Amazon provider's operators) becomes
    the provider's own, from its serialised arguments, as the triggerer rebuilds it, and the attributes upstream does not
    serialise (:attr:`OperatorBotocoreSettingsMixin.not_serialised_upstream`). Another trigger is returned as it is.
    """
    provider_class = PROVIDER_TRIGGERS.get(type(trigger))
    if provider_class is not None:
        _, arguments = trigger.serialize()
        dropped = {name: getattr(trigger, name) for name in provider_class.not_serialised_upstream}
        trigger = provider_class(**arguments, **dropped)
    if isinstance(trigger, OperatorBotocoreSettingsMixin):
        trigger.botocore_config_is_default = botocore_config_is_default
    return trigger


class StepsInChunksMixin:
    """
    The wait of an ``EmrAddStepsTrigger`` on its steps ten at a time (``hooks.emr.async_wait_for_steps``), in place
    of one ``ListSteps`` on them all: "You can specify a maximum of 10 stepIDs" (Amazon EMR API Reference,
    "ListSteps"); EMR refuses more (``ValidationException``). The chunks, one after the other, share the trigger's
    attempts, so the deferral's deadline still bounds the wait. Serialised as the upstream trigger.
    """

    serialized_fields: dict[str, Any]
    waiter_name: str
    waiter_config_overrides: dict[str, Any] | None
    waiter_delay: int
    attempts: int
    return_key: str
    return_value: Any
    hook: Any
    _event_from_exception: Any

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow.providers.common.compat.sdk import AirflowException

        from airflow_provider_emrfs_xacct.hooks.emr import async_wait_for_steps

        hook = self.hook()
        async with await hook.get_async_conn() as client:
            waiter = hook.get_waiter(
                self.waiter_name, deferrable=True, client=client, config_overrides=self.waiter_config_overrides
            )
            fields = self.serialized_fields
            try:
                await async_wait_for_steps(
                    waiter, fields["job_flow_id"], list(fields["step_ids"]), self.waiter_delay, self.attempts
                )
            except AirflowException as error:
                yield self._event_from_exception(error)
            else:
                yield TriggerEvent({"status": "success", self.return_key: self.return_value})


class ProbeStepsTrigger(CleanUpOnKillMixin, OperatorBotocoreSettingsMixin, StepsInChunksMixin, EmrAddStepsTrigger):
    """
    Wait for the verifier's probe steps; cancel them and delete their objects when the wait fails or the task is killed.

    A wait that ends in an error event (a step failed, or the attempts ran out with a step still pending) or with an
    error of its own cleans up before its event or error reaches the triggerer, as the resumed task would
    (``verify.abandon_probe``): a task marked failed before a worker resumes it leaves no step to write later. The
    error event carries the outcome under ``abandoned``; the resumed task abandons the steps again (idempotent).
    Past the deferral's deadline a cancellation cleans up too (:attr:`CleanUpOnKillMixin.cleans_up_past_deadline`).

    :param probe_steps: ``{probe uri: step id}``.
    :param destination_aws_conn_id: the connection that deletes the probe objects (the destination account).
    :param destination_region_name: its Region (``None``: the connection's).
    :param expected_bucket_owner: the destination account, sent as ``ExpectedBucketOwner`` with every S3 call.

    Other parameters: as :class:`~airflow.providers.amazon.aws.triggers.emr.EmrAddStepsTrigger`, whose wait on
    ``step_ids`` goes ten at a time (:class:`StepsInChunksMixin`); ``verify`` and ``botocore_config`` apply to both
    connections (each with its own ``config_kwargs``, see
    :class:`OperatorBotocoreSettingsMixin`).
    """

    cleans_up_past_deadline = True

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

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            async for event in super().run():
                if isinstance(event.payload, dict) and event.payload.get("status") != "success":
                    # The steps' wait ended early: a step still pending would write its object later. The task may
                    # be marked failed before a worker resumes it with this event, and then nothing cancels it.
                    why = f"the wait for them ended: {event.payload.get('message')}"
                    abandoned = await in_thread(self.abandon)(why)
                    event = TriggerEvent({**event.payload, "abandoned": abandoned})
                yield event
        except Exception as error:
            # The trigger failed (the task resumes with __fail__, maybe never, if it is marked failed first).
            await in_thread(self.abandon)(f"the trigger failed: {error}")
            raise

    def left_running(self) -> str:
        return f"probe steps {sorted(self.probe_steps.values())} on cluster {self.serialized_fields['job_flow_id']}"

    def clean_up_after_kill(self) -> None:
        """Abandon the probe as after a wait that ran out (``verify.abandon_probe``) and log what may still appear."""
        self.abandon("the deferred verifier was killed")

    def abandon(self, why: str) -> dict[str, Any] | None:
        """
        Cancel the probe steps still pending or running and delete what they wrote (``verify.abandon_probe``, through
        the destination connection, with ``ExpectedBucketOwner``); log each step's state and each problem. Return
        each step's outcome; ``None`` when the clean-up itself failed (logged, not raised).
        """
        from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook
        from airflow_provider_emrfs_xacct.hooks.s3 import EmrfsS3Hook
        from airflow_provider_emrfs_xacct.verify import abandon_probe

        cluster_id = self.serialized_fields["job_flow_id"]
        self.log.warning("%s: cancelling the probe steps on cluster %s", why[:1].upper() + why[1:], cluster_id)
        try:
            emr = self.aws_hook(EmrfsEmrHook, self.aws_conn_id, self.region_name)
            s3 = self.aws_hook(EmrfsS3Hook, self.destination_aws_conn_id, self.destination_region_name)
            s3.expected_bucket_owner = self.expected_bucket_owner
            abandoned = abandon_probe(emr, s3, cluster_id, self.probe_steps)
        except Exception as error:  # the event, or the trigger's own error, must still reach the task
            self.log.error("The probe steps could not be cancelled (%s): left running: %s", error, self.left_running())
            return None
        for uri, outcome in abandoned["steps"].items():
            self.log.warning("Probe step %s (%s) is %s", outcome["step"], uri, outcome["state"])
        for problem in abandoned["problems"]:
            self.log.error("%s", problem)
        return dict(abandoned["steps"])


class LaunchWaitTrigger(CleanUpOnKillMixin, OperatorBotocoreSettingsMixin, EmrCreateJobFlowTrigger):
    """
    Wait for a launched cluster; terminate its clusters when the deferred launch is killed (as the launch's ``on_kill``)
    and, with ``terminate_job_flow_on_failure``, before an error event (as the resumed launch's ``execute_complete``).

    A wait that ends in an error event (the cluster failed to start, or is still starting after ``waiter_max_attempts``)
    or with an error of its own terminates the launch's clusters (:meth:`terminate_launch`) before its event or error
    reaches the triggerer, as :class:`ProbeStepsTrigger` abandons its steps: a task marked failed or cleared (or past
    ``dagrun_timeout``) before a worker resumes it never runs its failure path, and its cluster would run on. The
    resumed task terminates them again: ``TerminateJobFlows`` documents no error for a cluster that is terminating or
    has ended (Amazon EMR API Reference, "TerminateJobFlows": its only error is ``InternalServerError``), and the
    launch logs a refusal there rather than raising it, so the second call cannot change the task's outcome.

    :param idempotency_key: the launch's key (its clusters' ``emrfs-xacct:idempotency-key`` tag), set by the launch
        (:meth:`with_launch`): a kill also terminates the other active clusters of the key. ``None`` (a trigger
        serialised before it was): the cluster ``job_flow_id`` only.
    :param created_after: with ``idempotency_key``, the ISO time before which no cluster of the key was launched (the
        launch's search bound); ``None``: every active cluster is looked at.

    :param ends_after_steps: the cluster was launched to end after its ``Steps``: its wait for the cluster up keeps the
        upstream waiter, which succeeds on ``TERMINATED``; otherwise that wait succeeds on ``WAITING`` and ``RUNNING``
        only (:func:`cluster_up_waiter_overrides`). Set by the launch (:meth:`with_launch`).
    :param terminate_job_flow_on_failure: the launch's own: an error event (or the trigger's error) terminates the
        launch's clusters before it is fired. Set by the launch (:meth:`with_launch`); ``False`` (also a trigger
        serialised before it was): left to the resumed task's failure path.

    Other parameters: as :class:`~airflow.providers.amazon.aws.triggers.emr.EmrCreateJobFlowTrigger`, whose
    ``waiter_name`` is serialised here too (the upstream trigger drops it: a ``wait_policy`` waiter would come back as
    the default); ``botocore_config_is_default`` as :class:`OperatorBotocoreSettingsMixin`.
    """

    not_serialised_upstream = ("waiter_name",)

    def __init__(
        self,
        *,
        waiter_name: str = CLUSTER_UP_WAITER,
        idempotency_key: str | None = None,
        created_after: str | None = None,
        ends_after_steps: bool = False,
        terminate_job_flow_on_failure: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(waiter_name=waiter_name, **kwargs)
        self.serialized_fields["waiter_name"] = waiter_name
        self.with_launch(
            idempotency_key,
            created_after,
            ends_after_steps=ends_after_steps,
            terminate_job_flow_on_failure=terminate_job_flow_on_failure,
        )

    def with_launch(
        self,
        idempotency_key: str | None,
        created_after: str | None,
        *,
        ends_after_steps: bool = False,
        terminate_job_flow_on_failure: bool = False,
    ) -> LaunchWaitTrigger:
        """
        Set (and serialise) the launch's idempotency key, search bound, whether its cluster ends after its steps and
        whether a failed wait terminates its clusters.
        """
        if idempotency_key is not None:
            self.serialized_fields.update(idempotency_key=idempotency_key, created_after=created_after)
        self.serialized_fields["ends_after_steps"] = bool(ends_after_steps)
        self.serialized_fields["terminate_job_flow_on_failure"] = bool(terminate_job_flow_on_failure)
        # Not serialised: set again from ends_after_steps whenever the triggerer rebuilds the trigger.
        self.waiter_config_overrides = cluster_up_waiter_overrides(self.waiter_name, bool(ends_after_steps))
        return self

    @property
    def idempotency_key(self) -> str | None:
        """The launch's idempotency key; ``None``: not known (a trigger serialised before it was)."""
        return self.serialized_fields.get("idempotency_key")

    @property
    def terminate_job_flow_on_failure(self) -> bool:
        """Whether a failed wait terminates the launch's clusters (``False``: a trigger serialised before it was)."""
        return bool(self.serialized_fields.get("terminate_job_flow_on_failure", False))

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            async for event in super().run():
                payload = event.payload if isinstance(event.payload, dict) else {}
                if payload.get("status") != "success" and self.terminate_job_flow_on_failure:
                    # As the resumed launch's execute_complete would: the task may be marked failed (or cleared, or
                    # time out with its DAG run) before a worker resumes it with this event, and then nothing does.
                    why = f"The wait for cluster {self.serialized_fields['job_flow_id']} failed ({payload.get('message')})"
                    await in_thread(self.terminate_after_failure)(why)
                yield event
        except Exception as error:
            # The trigger failed: the task resumes with __fail__, maybe never, if it is marked failed first.
            if self.terminate_job_flow_on_failure:
                await in_thread(self.terminate_after_failure)(f"The launch's trigger failed ({error})")
            raise

    def terminate_after_failure(self, why: str) -> None:
        """:meth:`terminate_launch` after a failed wait; an error is logged, not raised: the event must reach the task."""
        try:
            self.terminate_launch(why)
        except Exception as error:
            self.log.error(
                "%s, and its clusters could not be terminated (%s): left running: %s", why, error, self.left_running()
            )

    def left_running(self) -> str:
        key = self.idempotency_key
        others = f" and any other active cluster tagged {IDEMPOTENCY_TAG}={key}" if key else ""
        return f"cluster {self.serialized_fields['job_flow_id']}{others}"

    def clean_up_after_kill(self) -> None:
        """Terminate the launch's clusters (:meth:`terminate_launch`) after the deferred launch was killed."""
        self.terminate_launch("The deferred launch was killed")

    def terminate_launch(self, why: str) -> None:
        """
        Terminate the cluster, unless it is in a state its wait ends on, and every other active cluster of the launch's
        idempotency key; a refusal (termination protection, a denial) is logged naming it.

        ``RunJobFlow`` has no client token: a launch whose answer was lost sent it again, and when ``ListClusters`` did
        not show the first cluster yet, two carry the key (the launch terminates the others it finds, not one
        ``ListClusters`` shows later). The launch returns ``job_flow_id``, and nothing of the task uses another, so the
        others are terminated whatever ``job_flow_id``'s state, as the worker's ``on_kill`` and a failed deferral do
        (``operators.emr``). A trigger without the key (serialised before it carried it) terminates ``job_flow_id`` only.

        A task left in a state a kill leaves it in may also have been resumed by another triggerer's copy of this
        trigger and have finished (success, or failed on its own) before this copy was cancelled: that copy fired on
        one of the waiter's success states (:data:`CLUSTER_UP_ACCEPTORS`: ``WAITING``, ``RUNNING``; ``TERMINATED`` too
        for a cluster that ends after its steps, the Amazon provider's ``waiters/emr.json``; ``DescribeCluster``
        returns ``Cluster.Status.State``, Amazon EMR API Reference), and the DAG may go on with the cluster. Such a
        cluster is left running, logged.

        :param why: what happened (a kill, a failed wait), which starts each logged message.
        """
        from airflow_provider_emrfs_xacct.hooks.emr import EmrfsEmrHook

        hook = self.aws_hook(EmrfsEmrHook, self.aws_conn_id, self.region_name)
        self._terminate_unless_the_wait_ended(hook, why)
        if self.idempotency_key:
            self._terminate_the_keys_others(hook, self.idempotency_key, why)

    def _terminate_unless_the_wait_ended(self, hook: Any, why: str) -> None:
        """Terminate ``job_flow_id`` unless it is in a state its wait ends on (another copy may have resumed with it)."""
        from botocore.exceptions import BotoCoreError, ClientError

        cluster_id = self.serialized_fields["job_flow_id"]
        try:
            state = hook.describe_cluster(cluster_id)["Status"]["State"]
            if state in self.states_the_wait_ends_on(hook):
                self.log.warning(
                    "%s, but cluster %s is %s, a state its wait ends on: another copy of this trigger may have "
                    "resumed the task with it; left running",
                    why,
                    cluster_id,
                    state,
                )
                return
            self.log.warning("%s: terminating cluster %s (%s)", why, cluster_id, state)
            hook.terminate_cluster(cluster_id)
        except (ClientError, BotoCoreError) as error:
            self.log.error("Could not terminate cluster %s (%s): it may still be running", cluster_id, error)

    def _terminate_the_keys_others(self, hook: Any, key: str, why: str) -> None:
        """Terminate every active cluster tagged with ``key`` but ``job_flow_id``; log what could not be."""
        from botocore.exceptions import BotoCoreError, ClientError

        launched = self.serialized_fields["job_flow_id"]
        created_after = self.serialized_fields.get("created_after")
        try:
            found = hook.find_clusters_by_idempotency_key(
                key, created_after=datetime.fromisoformat(created_after) if created_after else None
            )
        except (ClientError, BotoCoreError) as error:
            self.log.error(
                "%s, and the other clusters of its key could not be looked for (%s): one may still be running; find "
                "it by its tag %s=%s",
                why,
                error,
                IDEMPOTENCY_TAG,
                key,
            )
            return
        for cluster_id in found:
            if cluster_id == launched:
                continue
            self.log.warning(
                "%s: terminating cluster %s, launched under the same key (tag %s=%s)",
                why,
                cluster_id,
                IDEMPOTENCY_TAG,
                key,
            )
            try:
                hook.terminate_cluster(cluster_id)
            except (ClientError, BotoCoreError) as error:
                self.log.error("Could not terminate cluster %s (%s): it may still be running", cluster_id, error)

    def states_the_wait_ends_on(self, hook: Any) -> set[str]:
        """The cluster states on which the waiter (``waiter_name``, with its overrides) succeeds, and the trigger fires."""
        acceptors = hook.get_waiter(self.waiter_name, config_overrides=self.waiter_config_overrides).config.acceptors
        return {
            acceptor.expected
            for acceptor in acceptors
            if acceptor.state == "success" and acceptor.argument == "Cluster.Status.State"
        }


#: The Amazon provider's triggers the provider's operators defer to, and the provider's own each becomes
#: (:func:`trigger_for`): the launch's wait, which terminates its cluster when the deferred launch is killed (a deferred
#: task has no worker to run ``on_kill``), and the teardown's.
PROVIDER_TRIGGERS: dict[type, type[OperatorBotocoreSettingsMixin]] = {
    EmrCreateJobFlowTrigger: LaunchWaitTrigger,
    EmrTerminateJobFlowTrigger: TerminateWaitTrigger,
}
