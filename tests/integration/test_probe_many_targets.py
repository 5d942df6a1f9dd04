"""
A live probe under more than ten prefixes: its wait asks ``ListSteps`` about ten steps at a time.

EMR takes at most 10 step ids in one ``ListSteps`` ("You can specify a maximum of 10 stepIDs", Amazon EMR API
Reference, "ListSteps"; its ``StepIds``: "You can specify a maximum of ten Step IDs") and refuses more; botocore's
model does not check it, and moto took any number: the stand-in now refuses as EMR does (``devstack/moto_stack.py``,
``_list_steps_cap``), and ``CancelSteps`` past its own cap ("A maximum of 256 steps are allowed in each CancelSteps
request", Amazon EMR API Reference, "CancelSteps"). The probe adds a step per prefix it writes under; before, its
wait sent every step id in one ``ListSteps``, so with eleven prefixes the wait was refused at once, the steps were
abandoned and the probe was never a PASS, in the worker and in the trigger alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.amazon.aws.exceptions import WaiterMaxAttemptsError
from airflow.sdk.exceptions import TaskDeferred
from botocore.exceptions import ClientError

from airflow_provider_emrfs_xacct.hooks.emr import STEPS_WAITER, EmrfsEmrHook, wait_for_steps
from airflow_provider_emrfs_xacct.verify import probe_key, probe_step
from devstack import moto_stack
from devstack.moto_stack import EMR_ACCOUNT, EMR_CONN_ID, client
from devstack.testing import CallRecorder, RecordingTaskInstance, launch_cluster, run_operator
from tests.integration.partners import create_security_configuration, mapping
from tests.integration.test_deferrable import run_trigger
from tests.integration.test_verify import PREFIX, ROLE_NAME, Partner, partner, verifier

__all__ = ["partner"]  # the fixture, imported for the tests below

#: Eleven prefixes under the partner's, each its own Prefix mapping to the partner's role: eleven probe steps.
PREFIXES = [f"{PREFIX}part-{index:02d}/" for index in range(11)]


def eleven_mappings() -> str:
    return create_security_configuration([mapping(ROLE_NAME, prefix) for prefix in PREFIXES])


def step_states(partner: Partner, cluster_id: str) -> list[str]:
    """The state of every step on the cluster (``ListSteps`` without step ids)."""
    steps = client(partner.aws.url, EMR_ACCOUNT, "emr").list_steps(ClusterId=cluster_id)["Steps"]
    return [step["Status"]["State"] for step in steps]


def list_steps_ids(recorder: CallRecorder) -> list[int]:
    """How many step ids each recorded ``ListSteps`` carried."""
    return [
        len(params.get("StepIds", []))
        for (service, operation), params in zip(recorder.every, recorder.params, strict=True)
        if (service, operation) == ("emr", "ListSteps") and "StepIds" in params
    ]


def assert_passed(result: dict[str, Any]) -> None:
    probe = result["probe"]
    assert probe["ok"] is True, probe
    assert len(probe["objects"]) == len(PREFIXES), probe["objects"]
    assert (result["verdict"], result["healthy"]) == ("PASS", True), result


def test_the_stand_in_refuses_list_steps_with_more_than_ten_step_ids(partner: Partner) -> None:
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    step = {
        "Name": "noop",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]},
    }
    step_ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step] * 11)["StepIds"]

    with pytest.raises(ClientError) as refused:
        emr.list_steps(ClusterId=cluster_id, StepIds=step_ids)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "maximum of 10 stepIDs" in refused.value.response["Error"]["Message"]
    assert len(emr.list_steps(ClusterId=cluster_id, StepIds=step_ids[:10])["Steps"]) == 10

    with pytest.raises(ClientError) as too_many:
        emr.cancel_steps(ClusterId=cluster_id, StepIds=[f"s-{index:013d}" for index in range(257)])
    assert too_many.value.response["Error"]["Code"] == "ValidationException"
    assert len(emr.cancel_steps(ClusterId=cluster_id, StepIds=step_ids)["CancelStepsInfoList"]) == 11


def test_a_probe_under_eleven_prefixes_passes_in_the_worker(partner: Partner) -> None:
    configuration = eleven_mappings()
    cluster_id = launch_cluster(partner.aws, configuration)

    result, recorder, _ = run_operator(verifier(configuration, cluster_id=cluster_id, probe=True))

    assert_passed(result)
    assert step_states(partner, cluster_id) == ["COMPLETED"] * 11  # none cancelled
    assert sorted(list_steps_ids(recorder)) == [1, 10]  # the wait, ten at a time


def test_a_deferred_probe_under_eleven_prefixes_passes(partner: Partner) -> None:
    configuration = eleven_mappings()
    cluster_id = launch_cluster(partner.aws, configuration)
    operator = verifier(configuration, cluster_id=cluster_id, probe=True, deferrable=True)
    ti = RecordingTaskInstance(task_id="verify_cross_account_access")
    with pytest.raises(TaskDeferred) as deferred:
        run_operator(operator, ti)
    assert len(deferred.value.kwargs["uris"]) == 11

    event = run_trigger(deferred.value.trigger)  # rebuilt from its serialised form, as the triggerer does

    assert event.payload["status"] == "success", event.payload
    result = operator.execute_complete({"ti": ti, "task_instance": ti}, event.payload, **deferred.value.kwargs)
    assert_passed(result)
    assert step_states(partner, cluster_id) == ["COMPLETED"] * 11


def held_probe_steps(partner: Partner, monkeypatch: pytest.MonkeyPatch, count: int) -> tuple[str, list[str]]:
    """A cluster with ``count`` probe steps the stand-in holds ``PENDING``; returns its id and theirs."""
    monkeypatch.setattr(moto_stack, "hold_probe_steps", True)
    cluster_id = launch_cluster(partner.aws, partner.configuration)
    steps = [probe_step(probe_key(prefix)) for prefix in PREFIXES[:count]]
    emr = client(partner.aws.url, EMR_ACCOUNT, "emr")
    return cluster_id, emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=steps)["StepIds"]


def test_the_chunks_share_the_attempts_of_one_wait(partner: Partner, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    The chunks are waited on one after the other within the attempts of one wait: steps that never end run it out
    in the first chunk (three polls, no more), and steps already ended take one poll per chunk, the next chunk's
    poll following the last at once, so even one attempt is enough for them (as one ``ListSteps`` on them all).
    """
    cluster_id, step_ids = held_probe_steps(partner, monkeypatch, 11)
    hook = EmrfsEmrHook(aws_conn_id=EMR_CONN_ID)
    recorder = CallRecorder()
    with recorder.everything(), pytest.raises(WaiterMaxAttemptsError):
        wait_for_steps(hook.get_waiter(STEPS_WAITER), cluster_id, step_ids, 0, 3)
    assert list_steps_ids(recorder) == [10, 10, 10]

    assert len(moto_stack.run_held_probe_steps()) == 11  # the cluster gets to them: each writes, and completes
    recorder = CallRecorder()
    with recorder.everything():
        wait_for_steps(hook.get_waiter(STEPS_WAITER), cluster_id, step_ids, 0, 1)
    assert list_steps_ids(recorder) == [10, 1]
